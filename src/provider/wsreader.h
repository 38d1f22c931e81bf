/*
 * The frames a service sends, parsed by the provider itself: libwebsockets
 * 4.1's client parses received payload with one call per byte (about
 * 280 MB/s), which capped every write through the mount. A plain (ws://)
 * connection is read with this instead, once established.
 */
#ifndef WFP_WSREADER_H
#define WFP_WSREADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wfp_ws_event {
	WFP_WS_MESSAGE, /* a whole text or binary message */
	WFP_WS_PING,	/* a ping; answer with a pong of the same payload */
	WFP_WS_CLOSE,	/* a close frame; payload: status and reason */
};

/*
 * Called for each complete message or control frame with its payload
 * (@data, @len; borrowed, valid during the call) and, for messages,
 * whether it is binary. A nonzero return stops the parsing and is
 * returned by wfp_wsreader_feed().
 */
typedef int wfp_ws_event_fn(void *user, enum wfp_ws_event event,
			    const char *data, size_t len, bool binary);

struct wfp_wsreader {
	unsigned char hdr[14]; /* the frame header gathered so far */
	size_t hdr_len;
	bool in_frame;	    /* the header is complete */
	bool fin;	    /* the frame ends its message */
	int opcode;	    /* of the frame */
	uint64_t remaining; /* payload bytes of the frame still to come */
	char control[125];  /* a control frame's payload */
	size_t control_len;
	bool in_message; /* a data frame without FIN came */
	bool binary;
	char *msg; /* the message being assembled */
	size_t msg_len;
	size_t msg_cap;
};

/* wfp_wsreader_init() - a reader at the start of a stream. */
void wfp_wsreader_init(struct wfp_wsreader *r);

/* wfp_wsreader_cleanup() - free what the reader holds. */
void wfp_wsreader_cleanup(struct wfp_wsreader *r);

/*
 * wfp_wsreader_feed() - parse the next @len bytes of the stream at @in,
 * calling @fn with @user for each complete message (at most @max bytes)
 * or control frame.
 * Returns 0, -EPROTO for frames a service must not send (masked, reserved
 * bits or opcodes, a control frame that is fragmented or too long, a
 * continuation out of place), -EMSGSIZE, -ENOMEM, or what @fn returned.
 * After an error the stream cannot be parsed further.
 */
int wfp_wsreader_feed(struct wfp_wsreader *r, const void *in, size_t len,
		      size_t max, wfp_ws_event_fn *fn, void *user);

/*
 * wfp_wsreader_shrink() - free the message buffer unless a message is being
 * assembled; the next message allocates again. For a connection gone quiet.
 */
void wfp_wsreader_shrink(struct wfp_wsreader *r);

#endif
