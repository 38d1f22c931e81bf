/* Unit tests of the pending call table, with lws timers mocked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "message.h"
#include "outmsg.h"
#include "pending.h"
#include "rpc.h"

#include <errno.h>
#include <string.h>

#define MAX_TIMERS 16

/* Timers scheduled through the mocked lws_sul_schedule(). */
static struct {
	lws_sorted_usec_list_t *sul;
	sul_cb_t cb;
} timers[MAX_TIMERS];

void __wrap_lws_sul_schedule(struct lws_context *ctx, int tsi,
			     lws_sorted_usec_list_t *sul, sul_cb_t cb,
			     lws_usec_t us);
void __wrap_lws_sul_cancel(lws_sorted_usec_list_t *sul);

void __wrap_lws_sul_schedule(struct lws_context *ctx, int tsi,
			     lws_sorted_usec_list_t *sul, sul_cb_t cb,
			     lws_usec_t us)
{
	(void)ctx;
	(void)tsi;
	assert_true(us > 0);
	for (int i = 0; i < MAX_TIMERS; i++) {
		if (!timers[i].sul) {
			timers[i].sul = sul;
			timers[i].cb = cb;
			return;
		}
	}
	fail_msg("too many timers");
}

void __wrap_lws_sul_cancel(lws_sorted_usec_list_t *sul)
{
	for (int i = 0; i < MAX_TIMERS; i++) {
		if (timers[i].sul == sul)
			timers[i].sul = NULL;
	}
}

static void fire_timer(struct wfd_call *call)
{
	for (int i = 0; i < MAX_TIMERS; i++) {
		if (timers[i].sul == &call->sul) {
			timers[i].sul = NULL;
			timers[i].cb(&call->sul);
			return;
		}
	}
	fail_msg("no timer for call %llu", (unsigned long long)call->id);
}

static int active_timers(void)
{
	int n = 0;

	for (int i = 0; i < MAX_TIMERS; i++)
		n += timers[i].sul != NULL;
	return n;
}

/* What the table sent and how calls ended. */
static uint64_t sent[16];
static int nsent;

struct test_call {
	struct wfd_call call;
	int done;
	int err;
	bool had_reply;
};

static int send_msg(void *user, struct wf_outmsg *msg)
{
	struct wf_message parsed;

	(void)user;
	assert_int_equal(
		wf_message_parse(msg->payload, msg->len, msg->binary, &parsed),
		0);
	sent[nsent++] = parsed.id;
	wf_message_cleanup(&parsed);
	wf_outmsg_destroy(msg);
	return 0;
}

static void done(struct wfd_call *call, struct wf_message *reply, int err)
{
	struct test_call *t = lws_container_of(call, struct test_call, call);

	t->done++;
	t->err = err;
	t->had_reply = reply != NULL;
}

static int setup(void **state)
{
	memset(timers, 0, sizeof(timers));
	nsent = 0;
	*state = wfd_pending_create(NULL, 2, 1000, send_msg, NULL);
	return *state ? 0 : -1;
}

static void add(struct wfd_pending *t, struct test_call *c)
{
	json_t *req = wf_rpc_request(wfd_pending_next_id(t), "getattr", NULL);

	memset(c, 0, sizeof(*c));
	c->call.done = done;
	wfd_pending_add(t, &c->call, wf_outmsg_text(req));
	json_decref(req);
}

static bool answer(struct wfd_pending *t, uint64_t id)
{
	struct wf_message msg;

	memset(&msg, 0, sizeof(msg));
	msg.kind = WF_MESSAGE_RESPONSE;
	msg.id = id;
	return wfd_pending_answer(t, &msg);
}

static void answer_finishes_once(void **state)
{
	struct wfd_pending *t = *state;
	struct test_call a;

	add(t, &a);
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0], a.call.id);
	assert_int_equal(active_timers(), 1);
	assert_true(answer(t, a.call.id));
	assert_int_equal(a.done, 1);
	assert_int_equal(a.err, 0);
	assert_true(a.had_reply);
	assert_int_equal(active_timers(), 0);
	assert_false(answer(t, a.call.id));
	assert_int_equal(a.done, 1);
	assert_int_equal(wfd_pending_count(t), 0);
	wfd_pending_destroy(t, -EIO);
}

static void unknown_id_ignored(void **state)
{
	struct wfd_pending *t = *state;

	assert_false(answer(t, 42));
	wfd_pending_destroy(t, -EIO);
}

static void timeout_then_late_answer(void **state)
{
	struct wfd_pending *t = *state;
	struct test_call a;

	add(t, &a);
	fire_timer(&a.call);
	assert_int_equal(a.done, 1);
	assert_int_equal(a.err, -ETIMEDOUT);
	assert_false(a.had_reply);
	assert_false(answer(t, a.call.id));
	assert_int_equal(a.done, 1);
	wfd_pending_destroy(t, -EIO);
}

static void in_flight_bounded(void **state)
{
	struct wfd_pending *t = *state;
	struct test_call a, b, c;

	add(t, &a);
	add(t, &b);
	add(t, &c);
	assert_int_equal(nsent, 2);
	assert_int_equal(wfd_pending_count(t), 3);
	/* A call that was never sent cannot be answered. */
	assert_false(answer(t, c.call.id));
	assert_true(answer(t, a.call.id));
	assert_int_equal(nsent, 3);
	assert_int_equal(sent[2], c.call.id);
	assert_true(answer(t, c.call.id));
	assert_int_equal(c.done, 1);
	wfd_pending_destroy(t, -EIO);
	assert_int_equal(b.done, 1);
	assert_int_equal(b.err, -EIO);
}

static void waiting_call_times_out_unsent(void **state)
{
	struct wfd_pending *t = *state;
	struct test_call a, b, c;

	add(t, &a);
	add(t, &b);
	add(t, &c);
	fire_timer(&c.call);
	assert_int_equal(c.err, -ETIMEDOUT);
	assert_true(answer(t, a.call.id));
	assert_true(answer(t, b.call.id));
	assert_int_equal(nsent, 2);
	assert_int_equal(wfd_pending_count(t), 0);
	wfd_pending_destroy(t, -EIO);
	assert_int_equal(c.done, 1);
}

static void destroy_fails_all(void **state)
{
	struct wfd_pending *t = *state;
	struct test_call a, b, c;

	add(t, &a);
	add(t, &b);
	add(t, &c);
	wfd_pending_destroy(t, -EIO);
	assert_int_equal(a.done + b.done + c.done, 3);
	assert_int_equal(a.err, -EIO);
	assert_int_equal(c.err, -EIO);
	assert_int_equal(active_timers(), 0);
}

static void finish_is_idempotent(void **state)
{
	struct wfd_pending *t = *state;
	struct test_call a;

	add(t, &a);
	wfd_pending_finish(&a.call, -EINTR);
	wfd_pending_finish(&a.call, -EINTR);
	assert_int_equal(a.done, 1);
	assert_int_equal(a.err, -EINTR);
	assert_false(answer(t, a.call.id));
	wfd_pending_destroy(t, -EIO);
	assert_int_equal(a.done, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(answer_finishes_once, setup),
		cmocka_unit_test_setup(unknown_id_ignored, setup),
		cmocka_unit_test_setup(timeout_then_late_answer, setup),
		cmocka_unit_test_setup(in_flight_bounded, setup),
		cmocka_unit_test_setup(waiting_call_times_out_unsent, setup),
		cmocka_unit_test_setup(destroy_fails_all, setup),
		cmocka_unit_test_setup(finish_is_idempotent, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
