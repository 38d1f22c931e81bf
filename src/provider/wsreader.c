/* The frames a service sends, parsed by the provider itself (RFC 6455 5). */
#include "wsreader.h"

#include "wsframe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void wfp_wsreader_init(struct wfp_wsreader *r)
{
	memset(r, 0, sizeof(*r));
}

void wfp_wsreader_cleanup(struct wfp_wsreader *r)
{
	free(r->msg);
	wfp_wsreader_init(r);
}

void wfp_wsreader_shrink(struct wfp_wsreader *r)
{
	if (r->in_message)
		return;
	free(r->msg);
	r->msg = NULL;
	r->msg_len = 0;
	r->msg_cap = 0;
}

/* The length of the header that starts with the @len bytes gathered. */
static size_t header_size(const unsigned char *hdr, size_t len)
{
	size_t n = 2;

	if (len < 2)
		return n;
	if ((hdr[1] & 0x7f) == 126)
		n += 2;
	else if ((hdr[1] & 0x7f) == 127)
		n += 8;
	if (hdr[1] & 0x80)
		n += 4;
	return n;
}

/* Checks the complete header and prepares for its payload. */
static int start_frame(struct wfp_wsreader *r, size_t max)
{
	const unsigned char *h = r->hdr;
	uint64_t len = h[1] & 0x7f;

	if (h[0] & 0x70 || h[1] & 0x80) /* no extension; servers never mask */
		return -EPROTO;
	if (len == 126) {
		len = (uint64_t)h[2] << 8 | h[3];
	} else if (len == 127) {
		len = 0;
		for (int i = 2; i < 10; i++)
			len = len << 8 | h[i];
	}
	r->fin = h[0] & 0x80;
	r->opcode = h[0] & 0x0f;
	r->remaining = len;
	switch (r->opcode) {
	case WF_WSFRAME_CLOSE:
	case WF_WSFRAME_PING:
	case WF_WSFRAME_PONG:
		if (!r->fin || len > sizeof(r->control))
			return -EPROTO;
		r->control_len = 0;
		return 0;
	case WF_WSFRAME_TEXT:
	case WF_WSFRAME_BINARY:
		if (r->in_message)
			return -EPROTO;
		r->in_message = true;
		r->binary = r->opcode == WF_WSFRAME_BINARY;
		r->msg_len = 0;
		break;
	case WF_WSFRAME_CONTINUATION:
		if (!r->in_message)
			return -EPROTO;
		break;
	default:
		return -EPROTO;
	}
	if (len > max - r->msg_len)
		return -EMSGSIZE;
	if (r->msg_len + len > r->msg_cap) {
		/* Exactly the message's size: messages are mostly one frame. */
		size_t cap = r->msg_len + (size_t)len;
		char *msg = realloc(r->msg, cap ? cap : 1);

		if (!msg)
			return -ENOMEM;
		r->msg = msg;
		r->msg_cap = cap;
	}
	return 0;
}

/* The frame's payload is all there: hands on what it completes. */
static int end_frame(struct wfp_wsreader *r, wfp_ws_event_fn *fn, void *user)
{
	r->in_frame = false;
	r->hdr_len = 0;
	switch (r->opcode) {
	case WF_WSFRAME_PING:
		return fn(user, WFP_WS_PING, r->control, r->control_len, false);
	case WF_WSFRAME_CLOSE:
		return fn(user, WFP_WS_CLOSE, r->control, r->control_len,
			  false);
	case WF_WSFRAME_PONG:
		return 0;
	default:
		if (!r->fin)
			return 0;
		r->in_message = false;
		return fn(user, WFP_WS_MESSAGE, r->msg ? r->msg : "",
			  r->msg_len, r->binary);
	}
}

int wfp_wsreader_feed(struct wfp_wsreader *r, const void *in, size_t len,
		      size_t max, wfp_ws_event_fn *fn, void *user)
{
	const unsigned char *p = in;
	int rc;

	while (len) {
		size_t take;

		if (!r->in_frame) {
			size_t need = header_size(r->hdr, r->hdr_len);

			/* The byte that tells the header's size comes second.
			 */
			while (len && r->hdr_len < need) {
				r->hdr[r->hdr_len++] = *p++;
				len--;
				need = header_size(r->hdr, r->hdr_len);
			}
			if (r->hdr_len < need)
				return 0;
			rc = start_frame(r, max);
			if (rc)
				return rc;
			r->in_frame = true;
		}
		take = r->remaining < len ? (size_t)r->remaining : len;
		if (take == 0) {
			/* nothing to copy (an empty frame) */
		} else if (r->opcode & 0x8) { /* a control frame */
			memcpy(r->control + r->control_len, p, take);
			r->control_len += take;
		} else {
			memcpy(r->msg + r->msg_len, p, take);
			r->msg_len += take;
		}
		p += take;
		len -= take;
		r->remaining -= take;
		if (r->remaining == 0) {
			rc = end_frame(r, fn, user);
			if (rc)
				return rc;
		}
	}
	return 0;
}
