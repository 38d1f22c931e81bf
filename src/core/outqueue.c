/* FIFO of messages waiting for a connection to become writeable. */
#include "outqueue.h"

#include "wsframe.h"

#include <errno.h>
#include <libwebsockets.h>

static void empty(struct wf_outqueue *q)
{
	q->head = NULL;
	q->tail = NULL;
	q->next = NULL;
	q->left = 0;
	q->count = 0;
	q->bytes = 0;
}

void wf_outqueue_init(struct wf_outqueue *q)
{
	empty(q);
	q->client_framing = false;
}

void wf_outqueue_cleanup(struct wf_outqueue *q)
{
	while (q->head) {
		struct wf_outmsg *m = q->head;

		q->head = m->next;
		wf_outmsg_destroy(m);
	}
	empty(q);
}

void wf_outqueue_push(struct wf_outqueue *q, struct wf_outmsg *m)
{
	m->next = NULL;
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->count++;
	q->bytes += m->len;
}

bool wf_outqueue_empty(const struct wf_outqueue *q)
{
	return q->head == NULL;
}

static int frame_opcode(const struct wf_outmsg *m)
{
	if (m->pong)
		return WF_WSFRAME_PONG;
	return m->binary ? WF_WSFRAME_BINARY : WF_WSFRAME_TEXT;
}

static void drop_head(struct wf_outqueue *q)
{
	struct wf_outmsg *m = q->head;

	q->head = m->next;
	if (!q->head)
		q->tail = NULL;
	q->count--;
	q->bytes -= m->len;
	q->next = NULL;
	q->left = 0;
	wf_outmsg_destroy(m);
}

/* Where the head's bytes on the wire start: framed first if it is ours. */
static int start_head(struct wf_outqueue *q)
{
	struct wf_outmsg *m = q->head;
	int hdr = 0;

	if (q->client_framing) {
		hdr = wf_wsframe_client_frame(m->payload, m->len,
					      frame_opcode(m));
		if (hdr < 0)
			return hdr;
	}
	q->next = m->payload - hdr;
	q->left = m->len + (size_t)hdr;
	return 0;
}

int wf_outqueue_write(struct wf_outqueue *q, struct lws *wsi)
{
	struct wf_outmsg *m = q->head;
	size_t n;
	int protocol;

	if (!m)
		return 0;
	if (!q->next && start_head(q)) {
		drop_head(q);
		return -EIO;
	}
	n = q->left < WF_OUTQUEUE_PIECE_SIZE ? q->left : WF_OUTQUEUE_PIECE_SIZE;
	/*
	 * lws frames a server's piece in the LWS_PRE bytes before it: after
	 * the first piece those are the previous one's, which lws has sent
	 * or copied aside.
	 */
	protocol = q->client_framing
			   ? LWS_WRITE_RAW
			   : lws_write_ws_flags(m->binary ? LWS_WRITE_BINARY
							  : LWS_WRITE_TEXT,
						q->next == m->payload,
						n == q->left);
	if (lws_write(wsi, (unsigned char *)q->next, n, protocol) < 0) {
		drop_head(q);
		return -EIO;
	}
	q->next += n;
	q->left -= n;
	if (!q->left)
		drop_head(q);
	if (q->head)
		lws_callback_on_writable(wsi);
	return 0;
}
