/* Calls sent to a provider and not yet answered: ids, timers, one finish. */
#ifndef WFD_PENDING_H
#define WFD_PENDING_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

struct wf_message;
struct wf_outmsg;
struct wfd_call;

/*
 * Called exactly once per call: with the provider's response (@reply, a
 * borrowed response message, @err 0), or with @reply NULL and @err
 * -ETIMEDOUT (no answer in time), -EIO (connection lost), -EINTR
 * (interrupted) or -ECANCELED (shutdown). The function owns @call from
 * then on.
 */
typedef void wfd_call_done_fn(struct wfd_call *call, struct wf_message *reply,
			      int err);

/*
 * A call, embedded in the record of whoever makes it (recover the outer
 * record with lws_container_of). Set ->done before wfd_pending_add(); the
 * other members belong to the pending table.
 */
struct wfd_call {
	wfd_call_done_fn *done;
	uint64_t id;
	struct wfd_pending *table;
	lws_sorted_usec_list_t sul; /* timeout */
	lws_dll2_t bucket;	    /* in table->buckets[] */
	lws_dll2_t waiting;	    /* in table->waiting while not sent */
	struct wf_outmsg *msg;	    /* owned while waiting to be sent */
	bool sent;
};

/*
 * Sends a message on the connection the table belongs to (it takes
 * ownership of @msg). Returns 0 or -errno.
 */
typedef int wfd_pending_send_fn(void *user, struct wf_outmsg *msg);

/*
 * wfd_pending_create() - an empty table. At most @max_in_flight calls are
 * sent and unanswered at once; further calls wait their turn. Each call
 * fails with -ETIMEDOUT @timeout_ms after it was added. @send with @user is
 * used to send. Returns NULL on allocation failure.
 */
struct wfd_pending *wfd_pending_create(struct lws_context *context,
				       unsigned int max_in_flight,
				       unsigned int timeout_ms,
				       wfd_pending_send_fn *send, void *user);

/*
 * wfd_pending_destroy() - fail every call with @err and free the table;
 * accepts NULL.
 */
void wfd_pending_destroy(struct wfd_pending *table, int err);

/* wfd_pending_fail() - fail every call with @err; the table stays. */
void wfd_pending_fail(struct wfd_pending *table, int err);

/* wfd_pending_next_id() - the id the next added call gets. */
uint64_t wfd_pending_next_id(const struct wfd_pending *table);

/*
 * wfd_pending_add() - register @call (borrowed until it is finished) with
 * the request @msg (owned, even on error), which must carry
 * wfd_pending_next_id() as its id. The message is sent now or when a
 * slot frees; the call's timer starts now.
 */
void wfd_pending_add(struct wfd_pending *table, struct wfd_call *call,
		     struct wf_outmsg *msg);

/*
 * wfd_pending_answer() - finish the call with id @reply->id with @reply
 * (borrowed). Returns false when no call has that id.
 */
bool wfd_pending_answer(struct wfd_pending *table, struct wf_message *reply);

/*
 * wfd_pending_finish() - finish @call now with @err (< 0), for example on
 * interrupt. Ignored when @call is no longer pending.
 */
void wfd_pending_finish(struct wfd_call *call, int err);

/* wfd_pending_count() - calls pending, waiting ones included. */
unsigned int wfd_pending_count(const struct wfd_pending *table);

#endif
