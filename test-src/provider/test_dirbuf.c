/* Unit tests of src/provider/dirbuf.c: directory listings. */
#include "dirbuf.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static struct stat make_stat(mode_t mode, off_t size)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = mode;
	st.st_size = size;
	st.st_nlink = 1;
	return st;
}

static void test_entries(void **state)
{
	struct wfp_dirbuf *buf = wfp_dirbuf_create(10);
	struct stat file = make_stat(S_IFREG | 0644, 42);
	struct stat dir = make_stat(S_IFDIR | 0755, 0);
	json_t *entries, *e;

	(void)state;
	assert_non_null(buf);
	assert_int_equal(wfp_dirbuf_add(buf, "a.txt", &file), 0);
	assert_int_equal(wfp_dirbuf_add(buf, "sub", &dir), 0);
	assert_int_equal(wfp_dirbuf_add(buf, "\xc3\xa4", &file), 0);
	assert_int_equal(wfp_dirbuf_error(buf), 0);

	entries = wfp_dirbuf_entries(buf);
	assert_int_equal(json_array_size(entries), 3);
	e = json_array_get(entries, 0);
	assert_string_equal(json_string_value(json_object_get(e, "name")),
			    "a.txt");
	e = json_object_get(e, "attr");
	assert_string_equal(json_string_value(json_object_get(e, "type")),
			    "reg");
	assert_int_equal(json_integer_value(json_object_get(e, "size")), 42);
	assert_int_equal(json_integer_value(json_object_get(e, "mode")), 0644);
	e = json_object_get(json_array_get(entries, 1), "attr");
	assert_string_equal(json_string_value(json_object_get(e, "type")),
			    "dir");
	wfp_dirbuf_destroy(buf);
}

static void test_rejected_names(void **state)
{
	struct wfp_dirbuf *buf = wfp_dirbuf_create(10);
	struct stat st = make_stat(S_IFREG | 0644, 1);
	struct stat bad_type = make_stat(0, 1);
	struct stat bad_size = make_stat(S_IFREG | 0644, -1);
	char long_name[300];

	(void)state;
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(wfp_dirbuf_add(buf, "", &st), -EINVAL);
	assert_int_equal(wfp_dirbuf_add(buf, ".", &st), -EINVAL);
	assert_int_equal(wfp_dirbuf_add(buf, "..", &st), -EINVAL);
	assert_int_equal(wfp_dirbuf_add(buf, "a/b", &st), -EINVAL);
	assert_int_equal(wfp_dirbuf_add(buf, long_name, &st), -EINVAL);
	assert_int_equal(wfp_dirbuf_add(buf, "\xff", &st), -EILSEQ);
	assert_int_equal(wfp_dirbuf_add(buf, "\xc0\xaf", &st), -EILSEQ);
	assert_int_equal(wfp_dirbuf_add(buf, "\xed\xa0\x80", &st), -EILSEQ);
	assert_int_equal(wfp_dirbuf_add(buf, "x", &bad_type), -EINVAL);
	assert_int_equal(wfp_dirbuf_add(buf, "x", &bad_size), -EINVAL);
	assert_int_equal(wfp_dirbuf_add(buf, "x", &st), 0);
	assert_int_equal(wfp_dirbuf_add(buf, "x", &st), -EEXIST);

	/* Skipped entries leave the listing usable. */
	assert_int_equal(wfp_dirbuf_error(buf), 0);
	assert_int_equal(json_array_size(wfp_dirbuf_entries(buf)), 1);
	long_name[255] = '\0';
	assert_int_equal(wfp_dirbuf_add(buf, long_name, &st), 0);
	wfp_dirbuf_destroy(buf);
}

static void test_too_many(void **state)
{
	struct wfp_dirbuf *buf = wfp_dirbuf_create(2);
	struct stat st = make_stat(S_IFREG | 0644, 1);

	(void)state;
	assert_int_equal(wfp_dirbuf_add(buf, "a", &st), 0);
	assert_int_equal(wfp_dirbuf_add(buf, "b", &st), 0);
	assert_int_equal(wfp_dirbuf_add(buf, "c", &st), -E2BIG);
	/* Sticky: nothing more is accepted. */
	assert_int_equal(wfp_dirbuf_add(buf, "d", &st), -E2BIG);
	assert_int_equal(wfp_dirbuf_error(buf), -E2BIG);
	assert_int_equal(json_array_size(wfp_dirbuf_entries(buf)), 2);
	wfp_dirbuf_destroy(buf);
	wfp_dirbuf_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_rejected_names),
		cmocka_unit_test(test_too_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
