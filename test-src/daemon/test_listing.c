/* Unit tests of directory listing validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "listing.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

static int create(const char *text, size_t max, struct wfd_listing **l)
{
	json_t *result = json_loads(text, JSON_ALLOW_NUL, NULL);
	int rc;

	assert_non_null(result);
	rc = wfd_listing_create(result, max, 1000, 1000, l);
	json_decref(result);
	return rc;
}

#define REG "{\"type\":\"reg\",\"mode\":420,\"size\":5}"

static void valid_listing(void **state)
{
	struct wfd_listing *l = NULL;

	(void)state;
	assert_int_equal(create("{\"entries\":[{\"name\":\"a\",\"attr\":" REG
				"},{\"name\":\"b c\",\"attr\":{\"type\":"
				"\"dir\",\"mode\":493,\"uid\":7}}]}",
				10, &l),
			 0);
	assert_int_equal(wfd_listing_count(l), 2);
	assert_string_equal(wfd_listing_name(l, 0), "a");
	assert_int_equal(wfd_listing_attr(l, 0)->st_size, 5);
	assert_int_equal(wfd_listing_attr(l, 0)->st_uid, 1000);
	assert_string_equal(wfd_listing_name(l, 1), "b c");
	assert_true(S_ISDIR(wfd_listing_attr(l, 1)->st_mode));
	assert_int_equal(wfd_listing_attr(l, 1)->st_uid, 7);
	wfd_listing_destroy(l);
}

static void empty_listing(void **state)
{
	struct wfd_listing *l = NULL;

	(void)state;
	assert_int_equal(create("{\"entries\":[]}", 10, &l), 0);
	assert_int_equal(wfd_listing_count(l), 0);
	wfd_listing_destroy(l);
}

static void invalid_listings(void **state)
{
	static const char *const cases[] = {
		"{}",
		"{\"entries\":{}}",
		"{\"entries\":[1]}",
		"{\"entries\":[{\"name\":\"a\"}]}",
		"{\"entries\":[{\"attr\":" REG "}]}",
		"{\"entries\":[{\"name\":\"a/b\",\"attr\":" REG "}]}",
		"{\"entries\":[{\"name\":\".\",\"attr\":" REG "}]}",
		"{\"entries\":[{\"name\":\"..\",\"attr\":" REG "}]}",
		"{\"entries\":[{\"name\":\"\",\"attr\":" REG "}]}",
		"{\"entries\":[{\"name\":\"a\\u0000b\",\"attr\":" REG "}]}",
		"{\"entries\":[{\"name\":\"x\",\"attr\":" REG
		"},{\"name\":\"y\",\"attr\":" REG
		"},{\"name\":\"x\",\"attr\":" REG "}]}",
		"{\"entries\":[{\"name\":\"a\",\"attr\":{\"type\":\"bad\","
		"\"mode\":0}}]}",
		"{\"entries\":[{\"name\":\"a\",\"attr\":{\"type\":\"reg\","
		"\"mode\":4096}}]}",
		"{\"entries\":[{\"name\":\"a\",\"attr\":{\"type\":\"reg\","
		"\"mode\":1,\"size\":-1}}]}",
	};
	struct wfd_listing *l = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(create(cases[i], 10, &l), -EINVAL);
		assert_null(l);
	}
}

static void long_name_limit(void **state)
{
	char text[1024];
	char name[257];
	struct wfd_listing *l = NULL;

	(void)state;
	memset(name, 'x', 256);
	name[256] = '\0';
	snprintf(text, sizeof(text),
		 "{\"entries\":[{\"name\":\"%s\",\"attr\":" REG "}]}", name);
	assert_int_equal(create(text, 10, &l), -EINVAL);
	name[255] = '\0';
	snprintf(text, sizeof(text),
		 "{\"entries\":[{\"name\":\"%s\",\"attr\":" REG "}]}", name);
	assert_int_equal(create(text, 10, &l), 0);
	wfd_listing_destroy(l);
}

static void too_many_entries(void **state)
{
	struct wfd_listing *l = NULL;
	const char *text = "{\"entries\":[{\"name\":\"a\",\"attr\":" REG
			   "},{\"name\":\"b\",\"attr\":" REG "}]}";

	(void)state;
	assert_int_equal(create(text, 1, &l), -EINVAL);
	assert_int_equal(create(text, 2, &l), 0);
	wfd_listing_destroy(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_listing),
		cmocka_unit_test(empty_listing),
		cmocka_unit_test(invalid_listings),
		cmocka_unit_test(long_name_limit),
		cmocka_unit_test(too_many_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
