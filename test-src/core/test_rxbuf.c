/*
 * Unit tests of src/core/rxbuf.c: reassembly of fragmented messages. The
 * wsi's frame state comes from link-level mocks of libwebsockets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "rxbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct lws;

/* What the mocked libwebsockets says about the fragment being received. */
static struct {
	int first;
	int final;
	int binary;
	size_t remaining;
} frame;

int __wrap_lws_is_first_fragment(struct lws *wsi);
int __wrap_lws_is_final_fragment(struct lws *wsi);
int __wrap_lws_frame_is_binary(struct lws *wsi);
size_t __wrap_lws_remaining_packet_payload(struct lws *wsi);

int __wrap_lws_is_first_fragment(struct lws *wsi)
{
	(void)wsi;
	return frame.first;
}

int __wrap_lws_is_final_fragment(struct lws *wsi)
{
	(void)wsi;
	return frame.final;
}

int __wrap_lws_frame_is_binary(struct lws *wsi)
{
	(void)wsi;
	return frame.binary;
}

size_t __wrap_lws_remaining_packet_payload(struct lws *wsi)
{
	(void)wsi;
	return frame.remaining;
}

/* A fake wsi: only its address is passed around. */
static char fake_wsi;
#define WSI ((struct lws *)&fake_wsi)

/* Delivers one piece @s with the given frame state. */
static int deliver(struct wf_rxbuf *rb, const char *s, size_t len, int first,
		   int final, int binary, size_t remaining, size_t max)
{
	frame.first = first;
	frame.final = final;
	frame.binary = binary;
	frame.remaining = remaining;
	return wf_rxbuf_receive(rb, WSI, s, len, max);
}

static void test_single_fragment(void **state)
{
	struct wf_rxbuf rb;

	(void)state;
	wf_rxbuf_init(&rb);
	assert_int_equal(deliver(&rb, "hello", 5, 1, 1, 0, 0, 100), 1);
	assert_int_equal(rb.len, 5);
	assert_memory_equal(rb.data, "hello", 5);
	assert_false(rb.binary);
	wf_rxbuf_reset(&rb);
	assert_int_equal(rb.len, 0);

	assert_int_equal(deliver(&rb, "\x00\x01", 2, 1, 1, 1, 0, 100), 1);
	assert_true(rb.binary);
	assert_int_equal(rb.len, 2);
	assert_memory_equal(rb.data, "\x00\x01", 2);
	wf_rxbuf_cleanup(&rb);
	assert_null(rb.data);
}

static void test_fragments(void **state)
{
	struct wf_rxbuf rb;

	(void)state;
	wf_rxbuf_init(&rb);
	/* WebSocket fragments: first, continuation, final. */
	assert_int_equal(deliver(&rb, "abc", 3, 1, 0, 1, 0, 100), 0);
	/* Continuation frames are not marked binary by lws. */
	assert_int_equal(deliver(&rb, "def", 3, 0, 0, 0, 0, 100), 0);
	assert_int_equal(deliver(&rb, "gh", 2, 0, 1, 0, 0, 100), 1);
	assert_int_equal(rb.len, 8);
	assert_memory_equal(rb.data, "abcdefgh", 8);
	assert_true(rb.binary);
	wf_rxbuf_reset(&rb);

	/* One frame delivered in pieces: final, but more payload to come. */
	assert_int_equal(deliver(&rb, "12", 2, 1, 1, 0, 3, 100), 0);
	assert_int_equal(deliver(&rb, "345", 3, 0, 1, 0, 0, 100), 1);
	assert_int_equal(rb.len, 5);
	assert_memory_equal(rb.data, "12345", 5);
	wf_rxbuf_reset(&rb);

	/* An empty final fragment completes the message. */
	assert_int_equal(deliver(&rb, "x", 1, 1, 0, 0, 0, 100), 0);
	assert_int_equal(deliver(&rb, "", 0, 0, 1, 0, 0, 100), 1);
	assert_int_equal(rb.len, 1);
	wf_rxbuf_cleanup(&rb);
}

static void test_limit(void **state)
{
	struct wf_rxbuf rb;
	char big[64];

	(void)state;
	memset(big, 'b', sizeof(big));
	wf_rxbuf_init(&rb);
	/* Exactly max is fine, one byte more is not. */
	assert_int_equal(deliver(&rb, big, 32, 1, 0, 0, 0, 64), 0);
	assert_int_equal(deliver(&rb, big, 32, 0, 1, 0, 0, 64), 1);
	assert_int_equal(rb.len, 64);
	wf_rxbuf_reset(&rb);
	assert_int_equal(deliver(&rb, big, 32, 1, 0, 0, 0, 64), 0);
	assert_int_equal(deliver(&rb, big, 33, 0, 1, 0, 0, 64), -EMSGSIZE);

	/* The announced rest of a frame is refused before it arrives. */
	assert_int_equal(deliver(&rb, big, 10, 1, 1, 0, 55, 64), -EMSGSIZE);
	assert_int_equal(deliver(&rb, big, 10, 1, 1, 0, 54, 64), 0);
	assert_int_equal(deliver(&rb, big, 54, 0, 1, 0, 0, 64), 1);
	assert_int_equal(rb.len, 64);

	/* A huge announced size must not wrap around the check. */
	wf_rxbuf_reset(&rb);
	assert_int_equal(deliver(&rb, big, 1, 1, 1, 0, SIZE_MAX, 64),
			 -EMSGSIZE);
	assert_int_equal(deliver(&rb, big, 1, 1, 1, 0, SIZE_MAX - 1, 64),
			 -EMSGSIZE);

	/* After an error the next first fragment starts afresh. */
	assert_int_equal(deliver(&rb, "ok", 2, 1, 1, 0, 0, 64), 1);
	assert_int_equal(rb.len, 2);
	assert_memory_equal(rb.data, "ok", 2);
	assert_true(rb.cap <= 64);
	wf_rxbuf_cleanup(&rb);
}

static void test_large_and_reset(void **state)
{
	size_t total = (3u << 20) + 17, piece = 4093, max = 16u << 20;
	char *src = malloc(total);
	struct wf_rxbuf rb;
	size_t off = 0;
	int rc = 0;

	(void)state;
	assert_non_null(src);
	for (size_t i = 0; i < total; i++)
		src[i] = (char)(i * 31 + (i >> 12));
	wf_rxbuf_init(&rb);
	for (int n = 0; off < total && n < 10000; n++) {
		size_t len = total - off < piece ? total - off : piece;

		rc = deliver(&rb, src + off, len, off == 0, 1, 1,
			     total - off - len, max);
		off += len;
		if (off < total)
			assert_int_equal(rc, 0);
	}
	assert_int_equal(rc, 1);
	assert_int_equal(rb.len, total);
	assert_memory_equal(rb.data, src, total);
	/* A big buffer is given back after the message. */
	wf_rxbuf_reset(&rb);
	assert_int_equal(rb.len, 0);
	assert_null(rb.data);
	assert_int_equal(rb.cap, 0);

	/* A small one is kept for the next message. */
	assert_int_equal(deliver(&rb, src, 100, 1, 1, 0, 0, max), 1);
	char *kept = rb.data;

	wf_rxbuf_reset(&rb);
	assert_ptr_equal(rb.data, kept);
	assert_int_equal(deliver(&rb, src + 1, 100, 1, 1, 0, 0, max), 1);
	assert_memory_equal(rb.data, src + 1, 100);
	wf_rxbuf_cleanup(&rb);
	free(src);
}

static void test_shrink(void **state)
{
	struct wf_rxbuf rb;

	(void)state;
	wf_rxbuf_init(&rb);
	/* Between messages the kept buffer is freed; the next allocates. */
	assert_int_equal(deliver(&rb, "kept", 4, 1, 1, 0, 0, 100), 1);
	wf_rxbuf_reset(&rb);
	assert_non_null(rb.data);
	wf_rxbuf_shrink(&rb);
	assert_null(rb.data);
	assert_int_equal(rb.cap, 0);
	assert_int_equal(deliver(&rb, "next", 4, 1, 1, 0, 0, 100), 1);
	assert_memory_equal(rb.data, "next", 4);
	wf_rxbuf_reset(&rb);

	/* Part of a message stays, and the message completes intact. */
	assert_int_equal(deliver(&rb, "par", 3, 1, 0, 1, 0, 100), 0);
	wf_rxbuf_shrink(&rb);
	assert_non_null(rb.data);
	assert_int_equal(deliver(&rb, "tial", 4, 0, 1, 0, 0, 100), 1);
	assert_int_equal(rb.len, 7);
	assert_memory_equal(rb.data, "partial", 7);
	wf_rxbuf_reset(&rb);

	/* An empty first fragment: the buffer goes, the binary flag stays. */
	assert_int_equal(deliver(&rb, "", 0, 1, 0, 1, 0, 100), 0);
	wf_rxbuf_shrink(&rb);
	assert_int_equal(deliver(&rb, "late", 4, 0, 1, 0, 0, 100), 1);
	assert_true(rb.binary);
	assert_memory_equal(rb.data, "late", 4);
	wf_rxbuf_cleanup(&rb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_fragment),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_large_and_reset),
		cmocka_unit_test(test_shrink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
