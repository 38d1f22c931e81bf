/* FIFO of messages waiting for a connection to become writeable. */
#ifndef WF_OUTQUEUE_H
#define WF_OUTQUEUE_H

#include "outmsg.h"

#include <stdbool.h>
#include <stddef.h>

struct lws;

/*
 * The most given to lws_write() at once. lws sends at most its packet size
 * (the protocol's rx_buffer_size, else pt_serv_buf_size: 256 KiB on both
 * sides here) and copies the rest of a write aside; a piece no larger is
 * sent from the message itself.
 */
#define WF_OUTQUEUE_PIECE_SIZE (256 * 1024)

struct wf_outqueue {
	struct wf_outmsg *head;
	struct wf_outmsg *tail;
	size_t count;
	size_t bytes;	     /* payload bytes queued */
	char *next;	     /* the head's next byte to send; NULL: none yet */
	size_t left;	     /* the head's bytes still to send from next */
	bool client_framing; /* a client's queue: frames made by
				wf_wsframe_client_frame(); kept by cleanup */
};

/* wf_outqueue_init() - an empty queue, sent with lws's own framing. */
void wf_outqueue_init(struct wf_outqueue *q);

/* wf_outqueue_cleanup() - destroy every queued message; empty again. */
void wf_outqueue_cleanup(struct wf_outqueue *q);

/* wf_outqueue_push() - append @m; takes ownership. */
void wf_outqueue_push(struct wf_outqueue *q, struct wf_outmsg *m);

/* wf_outqueue_empty() - whether nothing is queued. */
bool wf_outqueue_empty(const struct wf_outqueue *q);

/*
 * wf_outqueue_write() - send the next piece (at most WF_OUTQUEUE_PIECE_SIZE
 * bytes) of the first queued message on @wsi, and drop the message once all
 * of it is sent. A server's message larger than a piece goes as a first
 * frame and continuation frames; a client's is one frame, sent in pieces.
 * Call from LWS_CALLBACK_*_WRITEABLE only. Asks for another WRITEABLE
 * callback while anything is left.
 * Returns 0, or -EIO when the write failed (the connection must close).
 */
int wf_outqueue_write(struct wf_outqueue *q, struct lws *wsi);

#endif
