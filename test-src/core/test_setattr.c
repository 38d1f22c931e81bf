/* Unit tests of the setattr changes: what travels and what comes back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "setattr.h"

#include <errno.h>
#include <string.h>

static void round_trip(void **state)
{
	json_t *params = json_object();
	struct stat in, out;
	int to_set;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.st_mode = S_IFREG | 04755;
	in.st_uid = 1000;
	in.st_gid = 0;
	in.st_size = 9007199254740991LL;
	in.st_atim.tv_sec = -5;
	in.st_atim.tv_nsec = 999999999;
	in.st_mtim.tv_nsec = UTIME_NOW;
	assert_int_equal(wf_setattr_to_json(params, &in, WF_SET_ALL), 0);
	assert_int_equal(json_integer_value(json_object_get(params, "mode")),
			 04755);
	assert_string_equal(json_string_value(json_object_get(params, "mtime")),
			    "now");
	assert_int_equal(wf_setattr_from_json(params, &out, &to_set), 0);
	assert_int_equal(to_set, WF_SET_ALL);
	assert_int_equal(out.st_mode, 04755);
	assert_int_equal(out.st_uid, 1000);
	assert_int_equal(out.st_gid, 0);
	assert_int_equal(out.st_size, in.st_size);
	assert_int_equal(out.st_atim.tv_sec, -5);
	assert_int_equal(out.st_atim.tv_nsec, 999999999);
	assert_int_equal(out.st_mtim.tv_nsec, UTIME_NOW);
	json_decref(params);
}

static void only_what_is_set_travels(void **state)
{
	json_t *params = json_object();
	struct stat in, out;
	int to_set;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.st_size = 12;
	in.st_uid = (uid_t)-1; /* not sent: not to be set */
	assert_int_equal(wf_setattr_to_json(params, &in, WF_SET_SIZE), 0);
	assert_int_equal(json_object_size(params), 1);
	assert_int_equal(wf_setattr_from_json(params, &out, &to_set), 0);
	assert_int_equal(to_set, WF_SET_SIZE);
	assert_int_equal(out.st_size, 12);
	json_decref(params);
	params = json_object();
	assert_int_equal(wf_setattr_from_json(params, &out, &to_set), 0);
	assert_int_equal(to_set, 0);
	json_decref(params);
}

static void unsendable_values_refused(void **state)
{
	json_t *params = json_object();
	struct stat in;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.st_size = -1;
	assert_int_equal(wf_setattr_to_json(params, &in, WF_SET_SIZE), -EINVAL);
	in.st_size = 0;
	in.st_uid = (uid_t)-1;
	assert_int_equal(wf_setattr_to_json(params, &in, WF_SET_UID), -EINVAL);
	in.st_atim.tv_nsec = UTIME_OMIT;
	assert_int_equal(wf_setattr_to_json(params, &in, WF_SET_ATIME),
			 -EINVAL);
	json_decref(params);
}

static int from(const char *text)
{
	json_t *json = json_loads(text, 0, NULL);
	struct stat st;
	int to_set, rc;

	assert_non_null(json);
	rc = wf_setattr_from_json(json, &st, &to_set);
	json_decref(json);
	return rc;
}

static void malformed_refused(void **state)
{
	(void)state;
	assert_int_equal(from("{\"mode\":4096}"), -EINVAL);
	assert_int_equal(from("{\"mode\":-1}"), -EINVAL);
	assert_int_equal(from("{\"uid\":4294967295}"), -EINVAL);
	assert_int_equal(from("{\"size\":9007199254740992}"), -EINVAL);
	assert_int_equal(from("{\"size\":1.5}"), -EINVAL);
	assert_int_equal(from("{\"atime\":\"later\"}"), -EINVAL);
	assert_int_equal(from("{\"atime\":null}"), -EINVAL);
	assert_int_equal(from("{\"mtime\":1,\"mtime_ns\":1000000000}"),
			 -EINVAL);
	assert_int_equal(from("{\"mtime\":1,\"mtime_ns\":5}"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(only_what_is_set_travels),
		cmocka_unit_test(unsendable_values_refused),
		cmocka_unit_test(malformed_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
