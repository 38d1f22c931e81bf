/* Unit tests of the protocol names of open flags and access modes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "flags.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static int open_round_trip(int flags)
{
	json_t *json = wf_open_to_json(flags);
	int back = -1;

	assert_non_null(json);
	assert_int_equal(wf_open_from_json(json, &back), 0);
	json_decref(json);
	return back;
}

static void open_flags_round_trip(void **state)
{
	static const int cases[] = {
		O_RDONLY,
		O_WRONLY | O_APPEND,
		O_RDWR | O_TRUNC | O_NOATIME,
		O_RDONLY | O_DIRECT,
		O_WRONLY | O_SYNC,
		O_WRONLY | O_DSYNC,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(open_round_trip(cases[i]), cases[i]);
	/* Flags the protocol has no name for do not travel. */
	assert_int_equal(open_round_trip(O_RDONLY | O_CLOEXEC | O_NONBLOCK),
			 O_RDONLY);
}

static void sync_is_named_alone(void **state)
{
	json_t *json = wf_open_to_json(O_WRONLY | O_SYNC);
	json_t *names = json_object_get(json, "flags");

	(void)state;
	assert_string_equal(json_string_value(json_object_get(json, "access")),
			    "write");
	assert_int_equal(json_array_size(names), 1);
	assert_string_equal(json_string_value(json_array_get(names, 0)),
			    "sync");
	json_decref(json);
}

static int open_from(const char *text, int *flags)
{
	json_t *json = json_loads(text, 0, NULL);
	int rc;

	assert_non_null(json);
	rc = wf_open_from_json(json, flags);
	json_decref(json);
	return rc;
}

static void open_from_json_checks(void **state)
{
	int flags;

	(void)state;
	assert_int_equal(open_from("{\"access\":\"read-write\"}", &flags), 0);
	assert_int_equal(flags, O_RDWR);
	assert_int_equal(
		open_from("{\"access\":\"read\",\"flags\":[\"later\"]}",
			  &flags),
		0);
	assert_int_equal(flags, O_RDONLY);
	assert_int_equal(open_from("{}", &flags), -EINVAL);
	assert_int_equal(open_from("{\"access\":\"rw\"}", &flags), -EINVAL);
	assert_int_equal(
		open_from("{\"access\":\"read\",\"flags\":\"sync\"}", &flags),
		-EINVAL);
	assert_int_equal(
		open_from("{\"access\":\"read\",\"flags\":[1]}", &flags),
		-EINVAL);
}

static int access_from(const char *text, int *mask)
{
	json_t *json = json_loads(text, 0, NULL);
	int rc;

	assert_non_null(json);
	rc = wf_access_from_json(json, mask);
	json_decref(json);
	return rc;
}

static void access_modes(void **state)
{
	json_t *json = wf_access_to_json(R_OK | X_OK);
	int mask;

	(void)state;
	assert_string_equal(json_string_value(json_object_get(json, "mode")),
			    "rx");
	assert_int_equal(wf_access_from_json(json, &mask), 0);
	assert_int_equal(mask, R_OK | X_OK);
	json_decref(json);
	assert_int_equal(access_from("{\"mode\":\"\"}", &mask), 0);
	assert_int_equal(mask, F_OK);
	assert_int_equal(access_from("{\"mode\":\"rwx\"}", &mask), 0);
	assert_int_equal(mask, R_OK | W_OK | X_OK);
	assert_int_equal(access_from("{\"mode\":\"q\"}", &mask), -EINVAL);
	assert_int_equal(access_from("{}", &mask), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_flags_round_trip),
		cmocka_unit_test(sync_is_named_alone),
		cmocka_unit_test(open_from_json_checks),
		cmocka_unit_test(access_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
