/* Unit tests of src/core/outmsg.c: outgoing messages in both forms. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "message.h"
#include "outmsg.h"
#include "rpc.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

/* Sizes around base64 groups, the reserved header room and max_read. */
static const size_t sizes[] = {
	0,   1,	  2,	3,    4,     5,	      255,
	256, 257, 1023, 4096, 65537, 1 << 20, (1 << 20) + 1};

#define SIZE_COUNT (sizeof(sizes) / sizeof(sizes[0]))

static unsigned char *pattern(size_t n, unsigned seed)
{
	unsigned char *p = malloc(n ? n : 1);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)((i * 131 + seed) ^ (i >> 9));
	return p;
}

/* The headroom libwebsockets needs is there, inside the allocation. */
static void check_headroom(const struct wf_outmsg *m)
{
	assert_true(m->payload >= m->buf + LWS_PRE);
}

/*
 * Parses @m as a received message and checks it carries @id, the kind
 * (request @method or response) and exactly the bytes @data, @size.
 */
static void check_received(const struct wf_outmsg *m, bool binary, uint64_t id,
			   const char *method, const unsigned char *data,
			   size_t size)
{
	struct wf_message msg;
	const char *got;
	size_t got_size;

	check_headroom(m);
	assert_int_equal(m->binary, binary);
	assert_int_equal(wf_message_parse(m->payload, m->len, binary, &msg), 0);
	assert_int_equal(msg.id, id);
	if (method) {
		assert_int_equal(msg.kind, WF_MESSAGE_REQUEST);
		assert_string_equal(msg.method, method);
	} else {
		assert_int_equal(msg.kind, WF_MESSAGE_RESPONSE);
		assert_non_null(msg.result);
	}
	if (binary)
		assert_int_equal(msg.attachment_size, size);
	else
		assert_null(msg.attachment);
	assert_int_equal(wf_message_data(&msg, size, &got, &got_size), 0);
	assert_int_equal(got_size, size);
	if (size)
		assert_memory_equal(got, data, size);
	wf_message_cleanup(&msg);
}

static void test_text(void **state)
{
	json_t *msg = wf_rpc_result(5, json_pack("{s:s}", "target", "/t"));
	struct wf_outmsg *m;
	char *expect;

	(void)state;
	assert_non_null(msg);
	m = wf_outmsg_text(msg);
	assert_non_null(m);
	check_headroom(m);
	assert_false(m->binary);
	expect = json_dumps(msg, JSON_COMPACT);
	assert_int_equal(m->len, strlen(expect));
	assert_memory_equal(m->payload, expect, m->len);
	free(expect);
	wf_outmsg_destroy(m);
	json_decref(msg);
	wf_outmsg_destroy(NULL);
}

static void test_data_response(void **state)
{
	(void)state;
	for (size_t i = 0; i < SIZE_COUNT; i++) {
		for (int binary = 0; binary <= 1; binary++) {
			unsigned char *data = pattern(sizes[i], 1);
			json_t *msg = wf_rpc_result(
				3, json_pack("{s:s}", "data", "stale"));
			json_t *holder = json_object_get(msg, "result");
			struct wf_outmsg *m;

			m = wf_outmsg_data(msg, holder, data, sizes[i], binary);
			assert_non_null(m);
			check_received(m, binary, 3, NULL, data, sizes[i]);
			/* The stale member was overwritten. */
			if (binary)
				assert_int_equal(
					json_integer_value(json_object_get(
						holder, "data")),
					sizes[i]);
			wf_outmsg_destroy(m);
			json_decref(msg);
			free(data);
		}
	}
}

static void test_data_request(void **state)
{
	(void)state;
	for (size_t i = 0; i < SIZE_COUNT; i++) {
		for (int binary = 0; binary <= 1; binary++) {
			unsigned char *data = pattern(sizes[i], 2);
			json_t *params =
				json_pack("{s:s, s:i, s:i}", "path", "/f",
					  "handle", 1, "offset", 0);
			json_t *msg = wf_rpc_request(11, "write", params);
			struct wf_outmsg *m;

			m = wf_outmsg_data(msg, params, data, sizes[i], binary);
			assert_non_null(m);
			check_received(m, binary, 11, "write", data, sizes[i]);
			wf_outmsg_destroy(m);
			json_decref(msg);
			free(data);
		}
	}
}

static void test_reserve_finish(void **state)
{
	(void)state;
	for (size_t i = 0; i < SIZE_COUNT; i++) {
		for (int binary = 0; binary <= 1; binary++) {
			unsigned char *data = pattern(sizes[i], 3);
			json_t *msg = wf_rpc_result(77, NULL);
			json_t *holder = json_object_get(msg, "result");
			struct wf_outmsg *m = wf_outmsg_reserve(sizes[i] + 10);
			struct wf_outmsg *orig = m;

			assert_non_null(m);
			check_headroom(m);
			assert_true(m->capacity >= sizes[i] + 10);
			if (sizes[i])
				memcpy(m->reserved, data, sizes[i]);
			wf_outmsg_finish(&m, msg, holder, sizes[i], binary);
			assert_non_null(m);
			if (binary) {
				/* Small header: no copy of the data. */
				assert_ptr_equal(m, orig);
				assert_ptr_equal(m->payload + m->len - sizes[i],
						 m->reserved);
			}
			check_received(m, binary, 77, NULL, data, sizes[i]);
			wf_outmsg_destroy(m);
			json_decref(msg);
			free(data);
		}
	}
}

/* A header too big for the reserved room falls back to a copy. */
static void test_reserve_finish_big_header(void **state)
{
	char pad[1024];

	(void)state;
	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	for (size_t hdr = 200; hdr <= 330; hdr += 1) {
		size_t size = 1000;
		unsigned char *data = pattern(size, (unsigned)hdr);
		char padding[512];
		json_t *msg, *holder;
		struct wf_outmsg *m = wf_outmsg_reserve(size);

		assert_non_null(m);
		memcpy(m->reserved, data, size);
		/* Grow the header across the reserved room, byte by byte. */
		memcpy(padding, pad, hdr - 50);
		padding[hdr - 50] = '\0';
		msg = wf_rpc_result(9, json_pack("{s:s}", "pad", padding));
		holder = json_object_get(msg, "result");
		wf_outmsg_finish(&m, msg, holder, size, true);
		assert_non_null(m);
		check_received(m, true, 9, NULL, data, size);
		wf_outmsg_destroy(m);
		json_decref(msg);
		free(data);
	}
}

static void test_finish_over_capacity(void **state)
{
	json_t *msg = wf_rpc_result(1, NULL);
	struct wf_outmsg *m = wf_outmsg_reserve(16);

	(void)state;
	assert_non_null(m);
	memset(m->reserved, 'x', 16);
	wf_outmsg_finish(&m, msg, json_object_get(msg, "result"), 17, true);
	assert_null(m);
	m = wf_outmsg_reserve(16);
	assert_non_null(m);
	wf_outmsg_finish(&m, msg, json_object_get(msg, "result"), 17, false);
	assert_null(m);
	json_decref(msg);
}

static void test_text_base64_is_canonical(void **state)
{
	static const struct {
		const char *bytes;
		const char *b64;
	} cases[] = {
		{"", ""},
		{"a", "YQ=="},
		{"ab", "YWI="},
		{"abc", "YWJj"},
		{"hello\n", "aGVsbG8K"},
		{"\xfb\xff\xbf", "+/+/"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *msg = wf_rpc_result(1, NULL);
		json_t *holder = json_object_get(msg, "result");
		struct wf_outmsg *m =
			wf_outmsg_data(msg, holder, cases[i].bytes,
				       strlen(cases[i].bytes), false);
		json_t *parsed;

		assert_non_null(m);
		parsed = json_loadb(m->payload, m->len, 0, NULL);
		assert_non_null(parsed);
		assert_string_equal(
			json_string_value(json_object_get(
				json_object_get(parsed, "result"), "data")),
			cases[i].b64);
		json_decref(parsed);
		wf_outmsg_destroy(m);
		json_decref(msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_data_response),
		cmocka_unit_test(test_data_request),
		cmocka_unit_test(test_reserve_finish),
		cmocka_unit_test(test_reserve_finish_big_header),
		cmocka_unit_test(test_finish_over_capacity),
		cmocka_unit_test(test_text_base64_is_canonical),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
