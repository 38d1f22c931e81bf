/* Unit tests of the protocol names of open flags and access modes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "flags.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
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

/* The names @set gives @flags, joined by commas; -errno on failure. */
static int names_of(enum wf_flag_set set, int flags, char *out, size_t size)
{
	json_t *list, *name;
	size_t i;
	int rc = wf_flags_to_json(set, flags, &list);

	if (rc)
		return rc;
	out[0] = '\0';
	json_array_foreach(list, i, name)
	{
		if (i)
			strncat(out, ",", size - strlen(out) - 1);
		strncat(out, json_string_value(name), size - strlen(out) - 1);
	}
	json_decref(list);
	return 0;
}

static int set_from(enum wf_flag_set set, const char *text, int *flags)
{
	json_t *json = json_loads(text, 0, NULL);
	int rc;

	assert_non_null(json);
	rc = wf_flags_from_json(set, json, flags);
	json_decref(json);
	return rc;
}

static void flag_sets_round_trip(void **state)
{
	char names[64];
	int flags;

	(void)state;
	assert_int_equal(names_of(WF_FLAGS_RENAME, 0, names, sizeof(names)), 0);
	assert_string_equal(names, "");
	assert_int_equal(names_of(WF_FLAGS_RENAME, RENAME_EXCHANGE, names,
				  sizeof(names)),
			 0);
	assert_string_equal(names, "exchange");
	assert_int_equal(names_of(WF_FLAGS_FALLOCATE,
				  FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
				  names, sizeof(names)),
			 0);
	assert_string_equal(names, "keep_size,punch_hole");
	assert_int_equal(
		names_of(WF_FLAGS_XATTR, XATTR_REPLACE, names, sizeof(names)),
		0);
	assert_string_equal(names, "replace");

	assert_int_equal(set_from(WF_FLAGS_RENAME,
				  "{\"flags\":[\"noreplace\"]}", &flags),
			 0);
	assert_int_equal(flags, RENAME_NOREPLACE);
	assert_int_equal(set_from(WF_FLAGS_FALLOCATE, "{}", &flags), 0);
	assert_int_equal(flags, 0);
	assert_int_equal(
		set_from(WF_FLAGS_XATTR, "{\"flags\":[\"create\"]}", &flags),
		0);
	assert_int_equal(flags, XATTR_CREATE);
}

static void flag_sets_refuse_what_they_cannot_name(void **state)
{
	char names[64];
	int flags;

	(void)state;
	/* RENAME_WHITEOUT has no protocol name: refused, not dropped. */
	assert_int_equal(names_of(WF_FLAGS_RENAME, RENAME_WHITEOUT, names,
				  sizeof(names)),
			 -EINVAL);
	assert_int_equal(names_of(WF_FLAGS_FALLOCATE, FALLOC_FL_COLLAPSE_RANGE,
				  names, sizeof(names)),
			 -EINVAL);
	assert_int_equal(
		set_from(WF_FLAGS_RENAME, "{\"flags\":[\"whiteout\"]}", &flags),
		-EINVAL);
	assert_int_equal(
		set_from(WF_FLAGS_XATTR, "{\"flags\":\"create\"}", &flags),
		-EINVAL);
	assert_int_equal(set_from(WF_FLAGS_XATTR, "{\"flags\":[1]}", &flags),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_flags_round_trip),
		cmocka_unit_test(sync_is_named_alone),
		cmocka_unit_test(open_from_json_checks),
		cmocka_unit_test(access_modes),
		cmocka_unit_test(flag_sets_round_trip),
		cmocka_unit_test(flag_sets_refuse_what_they_cannot_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
