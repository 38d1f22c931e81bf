/* Unit tests of src/daemon/tokens.c: the token file of salted hashes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tokens.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *write_temp(const char *content)
{
	char *path = strdup("/tmp/wf-test-tokens-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)),
			 (ssize_t)strlen(content));
	close(fd);
	return path;
}

static void test_new_and_check(void **state)
{
	char t1[WFD_TOKEN_TEXT + 1], t2[WFD_TOKEN_TEXT + 1];
	char l1[256], l2[256], file[600];
	struct wfd_tokens *tokens;
	unsigned int bad;
	char *path;

	(void)state;
	assert_int_equal(wfd_token_new("laptop", t1, l1, sizeof(l1)), 0);
	assert_int_equal(wfd_token_new("browser", t2, l2, sizeof(l2)), 0);
	assert_int_equal(strlen(t1), WFD_TOKEN_TEXT);
	assert_int_equal(strspn(t1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
				    "mnopqrstuvwxyz0123456789-_"),
			 WFD_TOKEN_TEXT);
	assert_string_not_equal(t1, t2);
	/* The line holds a hash, never the token. */
	assert_null(strstr(l1, t1));
	assert_int_equal(strncmp(l1, "laptop:", 7), 0);

	snprintf(file, sizeof(file), "# tokens\n\n%s  \t# \n%s", l1, l2);
	path = write_temp(file);
	tokens = wfd_tokens_load(path, &bad);
	assert_non_null(tokens);
	assert_string_equal(wfd_tokens_check(tokens, t1, strlen(t1)), "laptop");
	assert_string_equal(wfd_tokens_check(tokens, t2, strlen(t2)),
			    "browser");
	assert_null(wfd_tokens_check(tokens, t1, strlen(t1) - 1));
	assert_null(wfd_tokens_check(tokens, "", 0));
	assert_true(wfd_tokens_name_used(tokens, "laptop"));
	assert_false(wfd_tokens_name_used(tokens, "lap"));
	wfd_tokens_free(tokens);
	unlink(path);
	free(path);
}

static void test_bad_files(void **state)
{
	static const char *const bad_lines[] = {
		"name-only\n",
		"a:00:11\n",
		"bad name:00112233445566778899aabbccddeeff:"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccdd"
		"eeff\n",
		"n:00112233445566778899AABBCCDDEEFF:"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccdd"
		"eeff\n",
		"n:00112233445566778899aabbccddeeff:"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccdd"
		"eeff:extra\n",
	};
	unsigned int bad;
	char *path;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(*bad_lines); i++) {
		char file[512];

		snprintf(file, sizeof(file), "# first\n%s", bad_lines[i]);
		path = write_temp(file);
		assert_null(wfd_tokens_load(path, &bad));
		assert_int_equal(errno, EINVAL);
		assert_int_equal(bad, 2);
		unlink(path);
		free(path);
	}
	assert_null(wfd_tokens_load("/nonexistent/tokens", &bad));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(bad, 0);
}

static void test_names(void **state)
{
	char name[WFD_TOKEN_NAME_MAX + 2];

	(void)state;
	assert_true(wfd_token_name_valid("a"));
	assert_true(wfd_token_name_valid("Laptop-1.home_x"));
	assert_false(wfd_token_name_valid(""));
	assert_false(wfd_token_name_valid("a b"));
	assert_false(wfd_token_name_valid("a:b"));
	memset(name, 'n', sizeof(name) - 1);
	name[WFD_TOKEN_NAME_MAX] = '\0';
	assert_true(wfd_token_name_valid(name));
	name[WFD_TOKEN_NAME_MAX] = 'n';
	name[WFD_TOKEN_NAME_MAX + 1] = '\0';
	assert_false(wfd_token_name_valid(name));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_and_check),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
