/* Messages ready to send, with LWS_PRE headroom, in text or attachment form. */
#ifndef WF_OUTMSG_H
#define WF_OUTMSG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct wf_outmsg {
	struct wf_outmsg *next; /* link in a wf_outqueue */
	char *payload;		/* first byte to send; LWS_PRE bytes before it
				   belong to the message too */
	size_t len;		/* bytes to send */
	bool binary;		/* binary (attachment form) or text message */
	bool pong;		/* a pong frame (only where the client frames
				   its messages itself, wsframe.h) */
	char *reserved;		/* wf_outmsg_reserve(): where data goes */
	size_t capacity;	/* wf_outmsg_reserve(): room at reserved */
	char buf[];
};

/*
 * wf_outmsg_text() - serialize @msg (borrowed) as a text message.
 * Returns a new outmsg or NULL on allocation failure.
 */
struct wf_outmsg *wf_outmsg_text(const json_t *msg);

/*
 * wf_outmsg_data() - serialize @msg (borrowed) with the bytes @data, @size
 * (borrowed, copied) as its "data" member in @holder (the params or result
 * object inside @msg, borrowed; its "data" member is overwritten).
 * @binary: the attachment form; otherwise base64 in a text message.
 * Returns a new outmsg or NULL on allocation failure.
 */
struct wf_outmsg *wf_outmsg_data(json_t *msg, json_t *holder, const void *data,
				 size_t size, bool binary);

/*
 * wf_outmsg_reserve() - an outmsg with room for @capacity bytes of data at
 * ->reserved, to be filled by the caller and then completed with
 * wf_outmsg_finish(): the data need not be copied. NULL on allocation
 * failure.
 */
struct wf_outmsg *wf_outmsg_reserve(size_t capacity);

/*
 * wf_outmsg_finish() - complete a reserved outmsg whose first @size bytes
 * at ->reserved hold the data, as wf_outmsg_data() would.
 * @out: in: the reserved outmsg, always consumed; out: the message to send
 * (the same or a new one) or NULL on allocation failure.
 */
void wf_outmsg_finish(struct wf_outmsg **out, json_t *msg, json_t *holder,
		      size_t size, bool binary);

/*
 * wf_outmsg_pong() - a pong answering a ping with the @len bytes at @data
 * (borrowed, copied). Returns a new outmsg or NULL on allocation failure.
 */
struct wf_outmsg *wf_outmsg_pong(const void *data, size_t len);

/* wf_outmsg_destroy() - free @m; accepts NULL. */
void wf_outmsg_destroy(struct wf_outmsg *m);

#endif
