/* Calls sent to a provider and not yet answered: ids, timers, one finish. */
#include "pending.h"

#include "message.h"
#include "outmsg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 256

struct wfd_pending {
	struct lws_context *context;
	wfd_pending_send_fn *send;
	void *user;
	unsigned int max_in_flight;
	unsigned int in_flight;
	unsigned int count;
	lws_usec_t timeout_us;
	uint64_t next_id;
	lws_dll2_owner_t waiting;
	lws_dll2_owner_t buckets[BUCKETS];
};

static lws_dll2_owner_t *bucket_of(struct wfd_pending *t, uint64_t id)
{
	return &t->buckets[id % BUCKETS];
}

struct wfd_pending *wfd_pending_create(struct lws_context *context,
				       unsigned int max_in_flight,
				       unsigned int timeout_ms,
				       wfd_pending_send_fn *send, void *user)
{
	struct wfd_pending *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->context = context;
	t->send = send;
	t->user = user;
	t->max_in_flight = max_in_flight ? max_in_flight : 1;
	t->timeout_us = (lws_usec_t)timeout_ms * LWS_US_PER_MS;
	t->next_id = 1;
	return t;
}

/* Sends waiting calls while there is room in flight. */
static void send_waiting(struct wfd_pending *t)
{
	while (t->in_flight < t->max_in_flight && t->waiting.head) {
		struct wfd_call *call = lws_container_of(
			t->waiting.head, struct wfd_call, waiting);
		struct wf_outmsg *msg = call->msg;

		lws_dll2_remove(&call->waiting);
		call->msg = NULL;
		call->sent = true;
		t->in_flight++;
		if (t->send(t->user, msg))
			lwsl_warn("webfuse: could not send call %llu\n",
				  (unsigned long long)call->id);
	}
}

/* Unlinks @call from every list and its timer: the one way out. */
static void take(struct wfd_call *call)
{
	struct wfd_pending *t = call->table;

	lws_sul_cancel(&call->sul);
	lws_dll2_remove(&call->bucket);
	if (call->sent) {
		t->in_flight--;
	} else {
		lws_dll2_remove(&call->waiting);
		wf_outmsg_destroy(call->msg);
		call->msg = NULL;
	}
	t->count--;
	call->table = NULL;
}

void wfd_pending_finish(struct wfd_call *call, int err)
{
	struct wfd_pending *t = call->table;

	if (!t)
		return;
	take(call);
	call->done(call, NULL, err);
	send_waiting(t);
}

static void timed_out(lws_sorted_usec_list_t *sul)
{
	struct wfd_call *call = lws_container_of(sul, struct wfd_call, sul);

	wfd_pending_finish(call, -ETIMEDOUT);
}

uint64_t wfd_pending_next_id(const struct wfd_pending *t)
{
	return t->next_id;
}

void wfd_pending_add(struct wfd_pending *t, struct wfd_call *call,
		     struct wf_outmsg *msg)
{
	call->id = t->next_id++;
	call->table = t;
	call->sent = false;
	call->msg = msg;
	lws_dll2_clear(&call->bucket);
	lws_dll2_clear(&call->waiting);
	memset(&call->sul, 0, sizeof(call->sul));
	lws_dll2_add_tail(&call->bucket, bucket_of(t, call->id));
	lws_dll2_add_tail(&call->waiting, &t->waiting);
	t->count++;
	lws_sul_schedule(t->context, 0, &call->sul, timed_out, t->timeout_us);
	send_waiting(t);
}

bool wfd_pending_answer(struct wfd_pending *t, struct wf_message *reply)
{
	lws_dll2_owner_t *owner = bucket_of(t, reply->id);

	lws_start_foreach_dll(struct lws_dll2 *, d, owner->head)
	{
		struct wfd_call *call =
			lws_container_of(d, struct wfd_call, bucket);

		if (call->id == reply->id && call->sent) {
			take(call);
			call->done(call, reply, 0);
			send_waiting(t);
			return true;
		}
	}
	lws_end_foreach_dll(d);
	return false;
}

void wfd_pending_destroy(struct wfd_pending *t, int err)
{
	if (!t)
		return;
	wfd_pending_fail(t, err);
	free(t);
}

void wfd_pending_fail(struct wfd_pending *t, int err)
{
	for (size_t b = 0; b < BUCKETS; b++) {
		while (t->buckets[b].head) {
			struct wfd_call *call = lws_container_of(
				t->buckets[b].head, struct wfd_call, bucket);

			take(call);
			call->done(call, NULL, err);
		}
	}
}

unsigned int wfd_pending_count(const struct wfd_pending *t)
{
	return t->count;
}
