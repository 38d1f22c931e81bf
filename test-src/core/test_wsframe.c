/* Unit tests of src/core/wsframe.c: client frames written by ourselves. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "wsframe.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

/* The last frame made: where it starts, and its length. */
static const unsigned char *written;
static size_t written_len;

/* Frames the @len bytes at @payload; records the frame in written. */
static int frame(char *payload, size_t len, int opcode)
{
	int hdr = wf_wsframe_client_frame(payload, len, opcode);

	if (hdr >= 0) {
		written = (const unsigned char *)payload - hdr;
		written_len = len + (size_t)hdr;
	}
	return hdr < 0 ? hdr : 0;
}

/*
 * Parses the frame in written as a server would (RFC 6455 5.2) and checks
 * it is one final, masked frame of @opcode whose unmasked payload is @want.
 * Stores the masking key in @key.
 */
static void check_frame(int opcode, const unsigned char *want, size_t len,
			unsigned char key[4])
{
	const unsigned char *p = written;
	uint64_t n;
	size_t hdr;

	assert_true(written_len >= 6);
	assert_int_equal(p[0], 0x80 | opcode);
	assert_true(p[1] & 0x80);
	n = p[1] & 0x7f;
	hdr = 2;
	if (n == 126) {
		n = (uint64_t)p[2] << 8 | p[3];
		hdr = 4;
		assert_true(n >= 126);
	} else if (n == 127) {
		n = 0;
		for (int i = 0; i < 8; i++)
			n = n << 8 | p[2 + i];
		hdr = 10;
		assert_true(n > 0xffff);
	}
	assert_int_equal(n, len);
	memcpy(key, p + hdr, 4);
	hdr += 4;
	assert_int_equal(written_len, hdr + len);
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)(p[hdr + i] ^ key[i & 3]) != want[i])
			fail_msg("payload byte %zu differs", i);
	}
}

/* Every length class of the header, with payloads of every alignment. */
static void test_frames_round_trip(void **state)
{
	static const size_t sizes[] = {
		0,   1,	   7,	  8,	 9,	125,	 126,
		127, 1000, 65535, 65536, 65537, 1 << 20, (1 << 20) + 3};
	unsigned char key[4];

	(void)state;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t len = sizes[k];
		unsigned char *want = malloc(len + 1);
		char *msg = malloc(LWS_PRE + len + 1);

		assert_non_null(want);
		assert_non_null(msg);
		for (size_t i = 0; i < len; i++)
			want[i] = (unsigned char)(i * 7 + k);
		memcpy(msg + LWS_PRE, want, len);
		assert_int_equal(
			frame(msg + LWS_PRE, len,
			      k & 1 ? WF_WSFRAME_BINARY : WF_WSFRAME_TEXT),
			0);
		check_frame(k & 1 ? 0x2 : 0x1, want, len, key);
		free(want);
		free(msg);
	}
}

/* Masking eight bytes at a step equals the byte-wise definition. */
static void test_mask_matches_definition(void **state)
{
	static const unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
	unsigned char buf[64], ref[64];

	(void)state;
	for (size_t start = 0; start < 8; start++) {
		for (size_t len = 0; len + start <= sizeof(buf); len++) {
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = ref[i] = (unsigned char)(i * 13);
			wf_wsframe_mask(buf + start, len, key);
			for (size_t i = 0; i < len; i++)
				ref[start + i] ^= key[i & 3];
			assert_memory_equal(buf, ref, sizeof(buf));
		}
	}
}

/* Each frame gets a key of its own (RFC 6455 5.3). */
static void test_keys_differ(void **state)
{
	char msg[LWS_PRE + 4];
	unsigned char first[4], key[4];
	int same = 0;

	(void)state;
	memset(msg, 0, sizeof(msg));
	assert_int_equal(frame(msg + LWS_PRE, 4, WF_WSFRAME_PONG), 0);
	memcpy(first, written + 2, 4);
	for (int i = 0; i < 8; i++) {
		memset(msg, 0, sizeof(msg));
		assert_int_equal(frame(msg + LWS_PRE, 4, WF_WSFRAME_PONG), 0);
		memcpy(key, written + 2, 4);
		same += memcmp(key, first, 4) == 0;
	}
	assert_true(same < 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_round_trip),
		cmocka_unit_test(test_mask_matches_definition),
		cmocka_unit_test(test_keys_differ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
