/* Reassembly of fragmented WebSocket messages, bounded in size. */
#ifndef WF_RXBUF_H
#define WF_RXBUF_H

#include <stdbool.h>
#include <stddef.h>

struct lws;

struct wf_rxbuf {
	char *data;
	size_t len;
	size_t cap;
	bool binary;
};

/* wf_rxbuf_init() - an empty buffer. */
void wf_rxbuf_init(struct wf_rxbuf *rb);

/* wf_rxbuf_cleanup() - free the buffer's memory. */
void wf_rxbuf_cleanup(struct wf_rxbuf *rb);

/*
 * wf_rxbuf_receive() - add one fragment received on @wsi (from a RECEIVE
 * callback: @in, @len borrowed). @max bounds the whole message.
 * Returns 1 when the message is complete (data/len/binary describe it;
 * call wf_rxbuf_reset() once it is handled), 0 when more fragments are
 * due, -EMSGSIZE when the message exceeds @max, -ENOMEM.
 */
int wf_rxbuf_receive(struct wf_rxbuf *rb, struct lws *wsi, const void *in,
		     size_t len, size_t max);

/* wf_rxbuf_reset() - forget the handled message; large buffers are freed. */
void wf_rxbuf_reset(struct wf_rxbuf *rb);

/*
 * wf_rxbuf_shrink() - free the kept buffer unless part of a message is in
 * it; the next fragment allocates again. For a connection gone quiet.
 */
void wf_rxbuf_shrink(struct wf_rxbuf *rb);

#endif
