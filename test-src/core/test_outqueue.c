/*
 * Unit tests of src/core/outqueue.c: the send FIFO, with lws_write() and
 * lws_callback_on_writable() mocked at link level.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "outqueue.h"
#include "rpc.h"

#include <errno.h>
#include <libwebsockets.h>
#include <string.h>

int __wrap_lws_write(struct lws *wsi, unsigned char *buf, size_t len,
		     enum lws_write_protocol protocol);
int __wrap_lws_callback_on_writable(struct lws *wsi);

static char fake_wsi;
#define WSI ((struct lws *)&fake_wsi)

/* What the mocked lws_write() saw last, and what it returns. */
static struct {
	char data[256];
	size_t len;
	enum lws_write_protocol protocol;
	int writes;
	int writable_requests;
	int result; /* 0: all written; else returned as is */
} io;

int __wrap_lws_write(struct lws *wsi, unsigned char *buf, size_t len,
		     enum lws_write_protocol protocol)
{
	assert_ptr_equal(wsi, WSI);
	assert_true(len <= sizeof(io.data));
	memcpy(io.data, buf, len);
	io.len = len;
	io.protocol = protocol;
	io.writes++;
	return io.result ? io.result : (int)len;
}

int __wrap_lws_callback_on_writable(struct lws *wsi)
{
	assert_ptr_equal(wsi, WSI);
	io.writable_requests++;
	return 1;
}

static struct wf_outmsg *text_msg(uint64_t id)
{
	json_t *msg = wf_rpc_result(id, NULL);
	struct wf_outmsg *m = wf_outmsg_text(msg);

	json_decref(msg);
	assert_non_null(m);
	return m;
}

static uint64_t written_id(void)
{
	json_t *msg = json_loadb(io.data, io.len, 0, NULL);
	uint64_t id;

	assert_non_null(msg);
	id = (uint64_t)json_integer_value(json_object_get(msg, "id"));
	json_decref(msg);
	return id;
}

static void test_fifo_order(void **state)
{
	struct wf_outqueue q;

	(void)state;
	memset(&io, 0, sizeof(io));
	wf_outqueue_init(&q);
	assert_true(wf_outqueue_empty(&q));
	/* Nothing queued: nothing written. */
	assert_int_equal(wf_outqueue_write(&q, WSI), 0);
	assert_int_equal(io.writes, 0);

	wf_outqueue_push(&q, text_msg(1));
	wf_outqueue_push(&q, text_msg(2));
	wf_outqueue_push(&q, text_msg(3));
	assert_int_equal(q.count, 3);
	assert_false(wf_outqueue_empty(&q));

	for (uint64_t id = 1; id <= 3; id++) {
		assert_int_equal(wf_outqueue_write(&q, WSI), 0);
		assert_int_equal(written_id(), id);
		assert_int_equal(io.protocol, LWS_WRITE_TEXT);
		assert_int_equal(q.count, 3 - id);
		/* Another WRITEABLE is asked for while more is queued. */
		assert_int_equal(io.writable_requests, id < 3 ? (int)id : 2);
	}
	assert_true(wf_outqueue_empty(&q));
	assert_null(q.tail);

	/* Usable again after draining. */
	wf_outqueue_push(&q, text_msg(4));
	assert_int_equal(wf_outqueue_write(&q, WSI), 0);
	assert_int_equal(written_id(), 4);
	wf_outqueue_cleanup(&q);
}

static void test_binary_protocol(void **state)
{
	struct wf_outqueue q;
	json_t *msg = wf_rpc_result(5, NULL);
	struct wf_outmsg *m = wf_outmsg_data(
		msg, json_object_get(msg, "result"), "abc", 3, true);

	(void)state;
	memset(&io, 0, sizeof(io));
	assert_non_null(m);
	wf_outqueue_init(&q);
	wf_outqueue_push(&q, m);
	assert_int_equal(wf_outqueue_write(&q, WSI), 0);
	assert_int_equal(io.protocol, LWS_WRITE_BINARY);
	assert_memory_equal(io.data + io.len - 3, "abc", 3);
	json_decref(msg);
	wf_outqueue_cleanup(&q);
}

static void test_write_error(void **state)
{
	struct wf_outqueue q;

	(void)state;
	memset(&io, 0, sizeof(io));
	io.result = -1;
	wf_outqueue_init(&q);
	wf_outqueue_push(&q, text_msg(1));
	wf_outqueue_push(&q, text_msg(2));
	assert_int_equal(wf_outqueue_write(&q, WSI), -EIO);
	/* The failed message is gone; the rest is freed by cleanup. */
	assert_int_equal(q.count, 1);
	wf_outqueue_cleanup(&q);
	assert_true(wf_outqueue_empty(&q));
	assert_int_equal(q.count, 0);
}

static void test_cleanup_frees_all(void **state)
{
	struct wf_outqueue q;

	(void)state;
	wf_outqueue_init(&q);
	for (uint64_t id = 1; id <= 100; id++)
		wf_outqueue_push(&q, text_msg(id));
	assert_int_equal(q.count, 100);
	/* LeakSanitizer checks that every message is freed. */
	wf_outqueue_cleanup(&q);
	assert_true(wf_outqueue_empty(&q));
	wf_outqueue_cleanup(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_order),
		cmocka_unit_test(test_binary_protocol),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_cleanup_frees_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
