/* Unit tests of src/provider/wsreader.c: frames a service sends. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "wsreader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX (1u << 20)

/* The events seen, as text: "M<len>b" or "M<len>t", "P<len>", "C<len>". */
static char events[256];
static unsigned char last[MAX + 16];
static size_t last_len;

static int record(void *user, enum wfp_ws_event event, const char *data,
		  size_t len, bool binary)
{
	static const char kinds[] = {'M', 'P', 'C'};
	size_t n = strlen(events);

	(void)user;
	snprintf(events + n, sizeof(events) - n, "%c%zu%s ", kinds[event], len,
		 event == WFP_WS_MESSAGE ? (binary ? "b" : "t") : "");
	memcpy(last, data, len);
	last_len = len;
	return 0;
}

/* Appends a frame with @b0 (FIN, RSV, opcode), unmasked, to @out. */
static size_t frame(unsigned char *out, unsigned char b0, const void *payload,
		    size_t len)
{
	size_t n = 0;

	out[n++] = b0;
	if (len < 126) {
		out[n++] = (unsigned char)len;
	} else if (len <= 0xffff) {
		out[n++] = 126;
		out[n++] = (unsigned char)(len >> 8);
		out[n++] = (unsigned char)len;
	} else {
		out[n++] = 127;
		for (int shift = 56; shift >= 0; shift -= 8)
			out[n++] = (unsigned char)((uint64_t)len >> shift);
	}
	memcpy(out + n, payload, len);
	return n + len;
}

/* Feeds @len bytes in pieces of @step; returns the first nonzero result. */
static int feed(struct wfp_wsreader *r, const unsigned char *in, size_t len,
		size_t step)
{
	for (size_t off = 0; off < len; off += step) {
		size_t n = len - off < step ? len - off : step;
		int rc = wfp_wsreader_feed(r, in + off, n, MAX, record, NULL);

		if (rc)
			return rc;
	}
	return 0;
}

/* Messages of every header size, cut at every step, come out whole. */
static void test_messages_any_split(void **state)
{
	static const size_t sizes[] = {0, 1, 125, 126, 65535, 65536, 300000};
	static const size_t steps[] = {1, 3, 7, 4096, 1 << 20};
	unsigned char *stream = malloc(2 * 300000 + 100);
	unsigned char *payload = malloc(300000);

	(void)state;
	for (size_t i = 0; i < 300000; i++)
		payload[i] = (unsigned char)(i * 31);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
			struct wfp_wsreader r;
			size_t n;
			char want[64];

			if (steps[k] < 7 && sizes[s] > 70000)
				continue; /* slow, and no different */
			wfp_wsreader_init(&r);
			events[0] = '\0';
			n = frame(stream, 0x82, payload, sizes[s]);
			n += frame(stream + n, 0x81, "hi", 2);
			assert_int_equal(feed(&r, stream, n, steps[k]), 0);
			snprintf(want, sizeof(want), "M%zub M2t ", sizes[s]);
			assert_string_equal(events, want);
			wfp_wsreader_cleanup(&r);
		}
	}
	free(stream);
	free(payload);
}

/* A fragmented message, with a ping between its fragments; a close. */
static void test_fragments_and_control(void **state)
{
	unsigned char stream[512];
	struct wfp_wsreader r;
	size_t n = 0;

	(void)state;
	wfp_wsreader_init(&r);
	events[0] = '\0';
	n += frame(stream + n, 0x01, "abc", 3);	     /* text, no FIN */
	n += frame(stream + n, 0x89, "pp", 2);	     /* ping */
	n += frame(stream + n, 0x00, "def", 3);	     /* continuation */
	n += frame(stream + n, 0x8a, "", 0);	     /* pong: ignored */
	n += frame(stream + n, 0x80, "g", 1);	     /* continuation, FIN */
	n += frame(stream + n, 0x88, "\x0f\xa1", 2); /* close 4001 */
	assert_int_equal(feed(&r, stream, n, 5), 0);
	assert_string_equal(events, "P2 M7t C2 ");
	assert_memory_equal(last, "\x0f\xa1", 2);
	wfp_wsreader_cleanup(&r);

	/* Reassembled in order. */
	wfp_wsreader_init(&r);
	events[0] = '\0';
	n = frame(stream, 0x02, "abc", 3);
	n += frame(stream + n, 0x80, "def", 3);
	assert_int_equal(feed(&r, stream, n, 2), 0);
	assert_string_equal(events, "M6b ");
	assert_memory_equal(last, "abcdef", 6);
	wfp_wsreader_cleanup(&r);
}

/* What a service must not send ends the stream with an error. */
static void test_refused(void **state)
{
	static const struct {
		unsigned char bytes[16];
		size_t len;
		int rc;
	} cases[] = {
		{{0x82, 0x81, 1, 2, 3, 4, 'x'}, 7, -EPROTO}, /* masked */
		{{0xc2, 0x00}, 2, -EPROTO},		     /* RSV1 */
		{{0x83, 0x00}, 2, -EPROTO},		     /* opcode 3 */
		{{0x8b, 0x00}, 2, -EPROTO},		     /* opcode 0xb */
		{{0x09, 0x00}, 2, -EPROTO},		     /* ping, no FIN */
		{{0x89, 126, 0, 126}, 4, -EPROTO},	     /* ping of 126 */
		{{0x80, 0x00}, 2, -EPROTO}, /* continuation of nothing */
		{{0x01, 0x00, 0x81, 0x00}, 4, -EPROTO}, /* text in a text */
		{{0x82, 127, 0, 0, 0, 0, 0, 0x10, 0, 1}, 10, -EMSGSIZE},
		{{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0}, 10, -EMSGSIZE},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wfp_wsreader r;

		wfp_wsreader_init(&r);
		events[0] = '\0';
		assert_int_equal(feed(&r, cases[i].bytes, cases[i].len, 1),
				 cases[i].rc);
		assert_string_equal(events, "");
		wfp_wsreader_cleanup(&r);
	}
}

/* A message at the limit passes; one byte more in fragments does not. */
static void test_limit_over_fragments(void **state)
{
	unsigned char *stream = malloc(MAX + 64);
	unsigned char *payload = calloc(1, MAX);
	struct wfp_wsreader r;
	size_t n;

	(void)state;
	wfp_wsreader_init(&r);
	events[0] = '\0';
	n = frame(stream, 0x02, payload, MAX / 2);
	n += frame(stream + n, 0x80, payload, MAX / 2);
	assert_int_equal(feed(&r, stream, n, 65536), 0);
	assert_string_equal(events, "M1048576b ");
	n = frame(stream, 0x02, payload, MAX / 2);
	n += frame(stream + n, 0x80, payload, MAX / 2 + 1);
	assert_int_equal(feed(&r, stream, n, 65536), -EMSGSIZE);
	wfp_wsreader_cleanup(&r);
	free(stream);
	free(payload);
}

/* A callback's nonzero result stops the parsing there. */
static int stop(void *user, enum wfp_ws_event event, const char *data,
		size_t len, bool binary)
{
	(*(int *)user)++;
	(void)event;
	(void)data;
	(void)len;
	(void)binary;
	return 7;
}

static void test_callback_stops(void **state)
{
	unsigned char stream[16];
	struct wfp_wsreader r;
	int calls = 0;
	size_t n;

	(void)state;
	wfp_wsreader_init(&r);
	n = frame(stream, 0x81, "a", 1);
	n += frame(stream + n, 0x81, "b", 1);
	assert_int_equal(wfp_wsreader_feed(&r, stream, n, MAX, stop, &calls),
			 7);
	assert_int_equal(calls, 1);
	wfp_wsreader_cleanup(&r);
}

static void test_shrink(void **state)
{
	static unsigned char buf[64];
	struct wfp_wsreader r;
	size_t n;

	(void)state;
	wfp_wsreader_init(&r);
	events[0] = '\0';
	/* Between messages the buffer is freed; the next allocates. */
	n = frame(buf, 0x82, "first", 5);
	assert_int_equal(feed(&r, buf, n, n), 0);
	assert_non_null(r.msg);
	wfp_wsreader_shrink(&r);
	assert_null(r.msg);
	assert_int_equal(r.msg_cap, 0);
	/* Within a message (here: mid-frame, then between fragments) the
	 * bytes so far stay. */
	n = frame(buf, 0x02, "par", 3);
	n += frame(buf + n, 0x80, "tial", 4);
	assert_int_equal(feed(&r, buf, 3, 3), 0);
	wfp_wsreader_shrink(&r);
	assert_int_equal(feed(&r, buf + 3, 2, 2), 0);
	wfp_wsreader_shrink(&r);
	assert_int_equal(feed(&r, buf + 5, n - 5, n - 5), 0);
	assert_string_equal(events, "M5b M7b ");
	assert_int_equal(last_len, 7);
	assert_memory_equal(last, "partial", 7);
	wfp_wsreader_cleanup(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages_any_split),
		cmocka_unit_test(test_fragments_and_control),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_limit_over_fragments),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_shrink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
