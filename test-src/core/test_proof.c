/* Unit tests of src/core/proof.c and hex.c: the device's proof, secrets. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hex.h"
#include "proof.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_hex(void **state)
{
	const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
	unsigned char back[4];
	char hex[9];

	(void)state;
	wf_hex_encode(bytes, sizeof(bytes), hex);
	assert_string_equal(hex, "000fa5ff");
	assert_int_equal(wf_hex_decode(hex, back, sizeof(back)), 0);
	assert_memory_equal(back, bytes, sizeof(bytes));
	assert_int_equal(wf_hex_decode("000FA5ff", back, 4), -EINVAL);
	assert_int_equal(wf_hex_decode("0g", back, 1), -EINVAL);
	assert_int_equal(wf_hex_decode("0", back, 1), -EINVAL);
}

static void test_challenge(void **state)
{
	char a[WF_PROOF_HEX + 1], b[WF_PROOF_HEX + 1];

	(void)state;
	assert_int_equal(wf_proof_challenge(a), 0);
	assert_int_equal(wf_proof_challenge(b), 0);
	assert_int_equal(strlen(a), WF_PROOF_HEX);
	assert_true(wf_proof_challenge_valid(a));
	assert_string_not_equal(a, b);
	assert_false(wf_proof_challenge_valid(""));
	a[3] = 'A';
	assert_false(wf_proof_challenge_valid(a));
	a[WF_PROOF_HEX - 1] = '\0';
	assert_false(wf_proof_challenge_valid(a));
}

/* HMAC-SHA256 of the webfuse message, against Python's hmac module. */
static void test_compute(void **state)
{
	const char *challenge = "00112233445566778899aabbccddeeff"
				"00112233445566778899aabbccddeeff";
	char p1[WF_PROOF_HEX + 1], p2[WF_PROOF_HEX + 1];

	(void)state;
	assert_int_equal(
		wf_proof_compute("device-secret-0123", 18, challenge, p1), 0);
	/* Reference: python3 -c 'import hmac,hashlib; print(hmac.new(
	 * b"device-secret-0123", b"webfuse-device-proof:" + C,
	 * hashlib.sha256).hexdigest())' */
	assert_string_equal(p1, "5afb29f49cd48fe056cc7dabdb8286e9"
				"d59b88893b76d926b21c6da0beec63de");
	assert_int_equal(
		wf_proof_compute("device-secret-0124", 18, challenge, p2), 0);
	assert_false(wf_proof_equal(p1, p2));
	assert_true(wf_proof_equal(p1, p1));
	assert_false(wf_proof_equal(p1, "short"));
	assert_int_equal(wf_proof_compute("s", 1, "nothex", p1), -EINVAL);
}

static char *write_temp(const char *content)
{
	char *path = strdup("/tmp/wf-test-secret-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)),
			 (ssize_t)strlen(content));
	close(fd);
	return path;
}

static void test_secret_load(void **state)
{
	char *path, *secret;
	size_t len;

	(void)state;
	path = write_temp("0123456789abcdef-secret\n\n");
	assert_int_equal(wf_secret_load(path, &secret, &len), 0);
	assert_string_equal(secret, "0123456789abcdef-secret");
	assert_int_equal(len, 23);
	wf_secret_free(secret, len);
	unlink(path);
	free(path);

	path = write_temp("too short\n");
	assert_int_equal(wf_secret_load(path, &secret, &len), -EINVAL);
	unlink(path);
	free(path);
	assert_int_equal(wf_secret_load("/nonexistent/x", &secret, &len),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_compute),
		cmocka_unit_test(test_secret_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
