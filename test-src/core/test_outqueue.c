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
#include "wsframe.h"

#include <errno.h>
#include <libwebsockets.h>
#include <string.h>

int __wrap_lws_write(struct lws *wsi, unsigned char *buf, size_t len,
		     enum lws_write_protocol protocol);
int __wrap_lws_callback_on_writable(struct lws *wsi);

static char fake_wsi;
#define WSI ((struct lws *)&fake_wsi)

/* The longest message the tests send, with its frame header. */
#define WIRE_MAX (3 * WF_OUTQUEUE_PIECE_SIZE + 100)

/* What the mocked lws_write() saw, and what it returns. */
static struct {
	char data[256]; /* the last write, if it was short */
	size_t len;
	enum lws_write_protocol protocol; /* of the last write */
	int protocols[8];		  /* of the first eight writes */
	size_t lens[8];
	unsigned char wire[WIRE_MAX]; /* every write, one after another */
	size_t wire_len;
	int writes;
	int writable_requests;
	int result; /* 0: all written; else returned as is */
} io;

int __wrap_lws_write(struct lws *wsi, unsigned char *buf, size_t len,
		     enum lws_write_protocol protocol)
{
	assert_ptr_equal(wsi, WSI);
	assert_true(len <= WF_OUTQUEUE_PIECE_SIZE);
	if (len <= sizeof(io.data))
		memcpy(io.data, buf, len);
	assert_true(io.wire_len + len <= sizeof(io.wire));
	memcpy(io.wire + io.wire_len, buf, len);
	io.wire_len += len;
	io.len = len;
	io.protocol = protocol;
	if (io.writes < 8) {
		io.protocols[io.writes] = (int)protocol;
		io.lens[io.writes] = len;
	}
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

/* A binary message of @size bytes whose payload ends in bytes i * 7. */
static struct wf_outmsg *big_msg(size_t size, size_t *payload_at)
{
	struct wf_outmsg *m = wf_outmsg_reserve(size);
	json_t *msg = wf_rpc_result(9, NULL);

	assert_non_null(m);
	for (size_t i = 0; i < size; i++)
		m->reserved[i] = (char)(i * 7);
	wf_outmsg_finish(&m, msg, json_object_get(msg, "result"), size, true);
	json_decref(msg);
	assert_non_null(m);
	*payload_at = m->len - size;
	return m;
}

static void check_payload(const unsigned char *data, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (data[i] != (unsigned char)(i * 7))
			fail_msg("payload byte %zu differs", i);
}

/*
 * A server's message above 256 KiB goes as a first frame and continuation
 * frames, one per WRITEABLE, each sent from the message itself; it stays
 * queued until its last piece is written.
 */
static void test_server_pieces(void **state)
{
	size_t size = 2 * WF_OUTQUEUE_PIECE_SIZE + 1000, at;
	struct wf_outqueue q;
	struct wf_outmsg *m = big_msg(size, &at);
	size_t len = m->len;

	(void)state;
	memset(&io, 0, sizeof(io));
	wf_outqueue_init(&q);
	wf_outqueue_push(&q, m);
	wf_outqueue_push(&q, text_msg(10));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(wf_outqueue_write(&q, WSI), 0);
		assert_int_equal(q.count, i < 2 ? 2 : 1);
		assert_int_equal(io.writable_requests, i + 1);
	}
	assert_int_equal(io.writes, 3);
	assert_int_equal(io.protocols[0], LWS_WRITE_BINARY | LWS_WRITE_NO_FIN);
	assert_int_equal(io.protocols[1],
			 LWS_WRITE_CONTINUATION | LWS_WRITE_NO_FIN);
	assert_int_equal(io.protocols[2], LWS_WRITE_CONTINUATION);
	assert_int_equal(io.lens[0], WF_OUTQUEUE_PIECE_SIZE);
	assert_int_equal(io.lens[1], WF_OUTQUEUE_PIECE_SIZE);
	assert_int_equal(io.wire_len, len);
	check_payload(io.wire + at, size);
	/* The next message is whole again. */
	assert_int_equal(wf_outqueue_write(&q, WSI), 0);
	assert_int_equal(io.protocol, LWS_WRITE_TEXT);
	assert_int_equal(written_id(), 10);
	assert_true(wf_outqueue_empty(&q));
	wf_outqueue_cleanup(&q);
}

/*
 * A client's message is one masked frame, sent raw in pieces: unmasked,
 * the bytes on the wire are the header and the message.
 */
static void test_client_pieces(void **state)
{
	size_t size = 3 * WF_OUTQUEUE_PIECE_SIZE, at;
	struct wf_outqueue q;
	struct wf_outmsg *m = big_msg(size, &at);
	size_t len = m->len, hdr = 2 + 8 + 4;
	uint64_t n = 0;

	(void)state;
	memset(&io, 0, sizeof(io));
	wf_outqueue_init(&q);
	q.client_framing = true;
	wf_outqueue_push(&q, m);
	while (!wf_outqueue_empty(&q))
		assert_int_equal(wf_outqueue_write(&q, WSI), 0);
	assert_int_equal(io.writes, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(io.protocols[i], LWS_WRITE_RAW);
	assert_int_equal(io.wire_len, hdr + len);
	assert_int_equal(io.wire[0], 0x80 | WF_WSFRAME_BINARY);
	assert_int_equal(io.wire[1], 0x80 | 127);
	for (int i = 0; i < 8; i++)
		n = n << 8 | io.wire[2 + i];
	assert_int_equal(n, len);
	wf_wsframe_mask(io.wire + hdr, len, io.wire + 10);
	check_payload(io.wire + hdr + at, size);
	wf_outqueue_cleanup(&q);
}

/* A write failing half-way through a message drops it; cleanup is whole. */
static void test_error_between_pieces(void **state)
{
	size_t at;
	struct wf_outqueue q;

	(void)state;
	memset(&io, 0, sizeof(io));
	wf_outqueue_init(&q);
	wf_outqueue_push(&q, big_msg(2 * WF_OUTQUEUE_PIECE_SIZE, &at));
	wf_outqueue_push(&q, text_msg(11));
	assert_int_equal(wf_outqueue_write(&q, WSI), 0);
	io.result = -1;
	assert_int_equal(wf_outqueue_write(&q, WSI), -EIO);
	assert_int_equal(q.count, 1);
	assert_null(q.next);
	wf_outqueue_cleanup(&q);
	assert_true(wf_outqueue_empty(&q));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_order),
		cmocka_unit_test(test_binary_protocol),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_cleanup_frees_all),
		cmocka_unit_test(test_server_pieces),
		cmocka_unit_test(test_client_pieces),
		cmocka_unit_test(test_error_between_pieces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
