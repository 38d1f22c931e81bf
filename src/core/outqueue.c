/* FIFO of messages waiting for a connection to become writeable. */
#include "outqueue.h"

#include "wsframe.h"

#include <errno.h>
#include <libwebsockets.h>

static void empty(struct wf_outqueue *q)
{
	q->head = NULL;
	q->tail = NULL;
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

int wf_outqueue_write(struct wf_outqueue *q, struct lws *wsi)
{
	struct wf_outmsg *m = q->head;
	int n;

	if (!m)
		return 0;
	q->head = m->next;
	if (!q->head)
		q->tail = NULL;
	q->count--;
	q->bytes -= m->len;

	if (q->client_framing)
		n = wf_wsframe_send_client(wsi, m->payload, m->len,
					   m->pong     ? WF_WSFRAME_PONG
					   : m->binary ? WF_WSFRAME_BINARY
						       : WF_WSFRAME_TEXT);
	else
		n = lws_write(wsi, (unsigned char *)m->payload, m->len,
			      m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
	wf_outmsg_destroy(m);
	if (n < 0)
		return -EIO;
	if (q->head)
		lws_callback_on_writable(wsi);
	return 0;
}
