/* Reassembly of fragmented WebSocket messages, bounded in size. */
#include "rxbuf.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

/* A buffer up to this size is kept between messages. */
#define KEEP_CAPACITY (2u << 20)

void wf_rxbuf_init(struct wf_rxbuf *rb)
{
	memset(rb, 0, sizeof(*rb));
}

void wf_rxbuf_cleanup(struct wf_rxbuf *rb)
{
	free(rb->data);
	wf_rxbuf_init(rb);
}

static int reserve(struct wf_rxbuf *rb, size_t need, size_t max)
{
	size_t cap = rb->cap ? rb->cap : 4096;
	char *data;

	if (need <= rb->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	if (cap > max)
		cap = max;
	data = realloc(rb->data, cap);
	if (!data)
		return -ENOMEM;
	rb->data = data;
	rb->cap = cap;
	return 0;
}

int wf_rxbuf_receive(struct wf_rxbuf *rb, struct lws *wsi, const void *in,
		     size_t len, size_t max)
{
	size_t remaining = lws_remaining_packet_payload(wsi);
	int rc;

	if (lws_is_first_fragment(wsi)) {
		rb->len = 0;
		rb->binary = lws_frame_is_binary(wsi);
	}
	if (len > max - rb->len || remaining > max - rb->len - len)
		return -EMSGSIZE;
	rc = reserve(rb, rb->len + len + remaining, max);
	if (rc)
		return rc;
	if (len)
		memcpy(rb->data + rb->len, in, len);
	rb->len += len;
	return lws_is_final_fragment(wsi) && remaining == 0 ? 1 : 0;
}

void wf_rxbuf_reset(struct wf_rxbuf *rb)
{
	rb->len = 0;
	if (rb->cap > KEEP_CAPACITY)
		wf_rxbuf_shrink(rb);
}

void wf_rxbuf_shrink(struct wf_rxbuf *rb)
{
	if (rb->len)
		return;
	free(rb->data);
	rb->data = NULL;
	rb->cap = 0;
}
