/* Unit tests of src/core/attr.c: the attribute object and struct stat. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "attr.h"
#include "field.h"

#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>

static const struct {
	mode_t type;
	const char *name;
} types[] = {
	{S_IFREG, "reg"},  {S_IFDIR, "dir"},   {S_IFLNK, "lnk"},
	{S_IFIFO, "fifo"}, {S_IFSOCK, "sock"}, {S_IFCHR, "chr"},
	{S_IFBLK, "blk"},
};

#define TYPE_COUNT (sizeof(types) / sizeof(types[0]))

static json_t *load(const char *text)
{
	json_t *obj = json_loads(text, JSON_DECODE_ANY, NULL);

	assert_non_null(obj);
	return obj;
}

/* wf_attr_from_json() of @text with owner 1000:1001 as the default. */
static int decode(const char *text, struct stat *st)
{
	json_t *obj = load(text);
	int rc = wf_attr_from_json(obj, 1000, 1001, st);

	json_decref(obj);
	return rc;
}

static void test_type_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < TYPE_COUNT; i++) {
		assert_string_equal(wf_attr_type_name(types[i].type | 0644),
				    types[i].name);
		assert_int_equal(wf_attr_type_from_name(types[i].name),
				 types[i].type);
	}
	assert_null(wf_attr_type_name(0644));
	assert_int_equal(wf_attr_type_from_name(""), 0);
	assert_int_equal(wf_attr_type_from_name("REG"), 0);
	assert_int_equal(wf_attr_type_from_name("regular"), 0);
	assert_int_equal(wf_attr_type_from_name("door"), 0);
}

static void fill_stat(struct stat *st, mode_t type)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = type | 07555;
	st->st_ino = 123456789;
	st->st_nlink = 3;
	st->st_uid = 4242;
	st->st_gid = 4343;
	st->st_size = 9007199254740991LL;
	st->st_blocks = 77;
	if (S_ISCHR(type) || S_ISBLK(type))
		st->st_rdev = makedev(8, 17);
	st->st_atim.tv_sec = 1700000000;
	st->st_atim.tv_nsec = 1;
	st->st_mtim.tv_sec = -1; /* before the epoch */
	st->st_mtim.tv_nsec = 999999999;
	st->st_ctim.tv_sec = 1800000000;
	st->st_ctim.tv_nsec = 0;
}

static void test_round_trip_every_type(void **state)
{
	(void)state;
	for (size_t i = 0; i < TYPE_COUNT; i++) {
		struct stat in, out;
		json_t *obj;

		fill_stat(&in, types[i].type);
		obj = wf_attr_to_json(&in);
		assert_non_null(obj);
		assert_string_equal(
			json_string_value(json_object_get(obj, "type")),
			types[i].name);
		assert_int_equal(
			json_integer_value(json_object_get(obj, "mode")),
			07555);
		assert_int_equal(wf_attr_from_json(obj, 1, 2, &out), 0);
		json_decref(obj);

		assert_int_equal(out.st_mode, in.st_mode);
		assert_int_equal(out.st_ino, in.st_ino);
		assert_int_equal(out.st_nlink, in.st_nlink);
		assert_int_equal(out.st_uid, in.st_uid);
		assert_int_equal(out.st_gid, in.st_gid);
		assert_int_equal(out.st_size, in.st_size);
		assert_int_equal(out.st_blocks, in.st_blocks);
		assert_int_equal(out.st_rdev, in.st_rdev);
		assert_int_equal(out.st_atim.tv_sec, in.st_atim.tv_sec);
		assert_int_equal(out.st_atim.tv_nsec, in.st_atim.tv_nsec);
		assert_int_equal(out.st_mtim.tv_sec, in.st_mtim.tv_sec);
		assert_int_equal(out.st_mtim.tv_nsec, in.st_mtim.tv_nsec);
		assert_int_equal(out.st_ctim.tv_sec, in.st_ctim.tv_sec);
		assert_int_equal(out.st_ctim.tv_nsec, in.st_ctim.tv_nsec);
	}
}

static void test_to_json_members(void **state)
{
	struct stat st;
	json_t *obj;

	(void)state;
	fill_stat(&st, S_IFREG);
	obj = wf_attr_to_json(&st);
	assert_non_null(obj);
	/* rdev only for devices; a zero nanosecond part may be left out. */
	assert_null(json_object_get(obj, "rdev"));
	assert_int_equal(json_integer_value(json_object_get(obj, "mtime_ns")),
			 999999999);
	json_t *cns = json_object_get(obj, "ctime_ns");
	assert_true(!cns || json_integer_value(cns) == 0);
	json_decref(obj);

	/* No file type: nothing the protocol could name. */
	st.st_mode = 0644;
	assert_false(wf_attr_representable(&st));
	assert_null(wf_attr_to_json(&st));
}

static void test_representable_bounds(void **state)
{
	struct stat st;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0644;
	st.st_size = 9007199254740991;
	assert_true(wf_attr_representable(&st));
	st.st_size = 9007199254740992;
	assert_false(wf_attr_representable(&st));
	st.st_size = -1;
	assert_false(wf_attr_representable(&st));
	st.st_size = 0;
	st.st_blocks = -1;
	assert_false(wf_attr_representable(&st));
	st.st_blocks = 0;
	st.st_uid = (uid_t)-1;
	assert_false(wf_attr_representable(&st));
	st.st_uid = 0;
	st.st_gid = (gid_t)-1;
	assert_false(wf_attr_representable(&st));
	st.st_gid = 0;
	assert_true(wf_attr_representable(&st));
}

static void test_to_json_huge_ino(void **state)
{
	struct stat st;
	json_t *obj;
	uint64_t ino;

	(void)state;
	fill_stat(&st, S_IFREG);
	st.st_ino = UINT64_MAX;
	obj = wf_attr_to_json(&st);
	assert_non_null(obj);
	/* Whatever it becomes, it must stay a valid protocol integer. */
	assert_int_equal(wf_field_uint(obj, "ino", WF_INT_MAX, &ino), 0);
	json_decref(obj);
}

static void test_defaults(void **state)
{
	struct stat st;

	(void)state;
	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 420}", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0644);
	assert_int_equal(st.st_ino, 0);
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 1001);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_blocks, 0);
	assert_int_equal(st.st_rdev, 0);
	assert_int_equal(st.st_atim.tv_sec, 0);
	assert_int_equal(st.st_atim.tv_nsec, 0);
	assert_int_equal(st.st_mtim.tv_sec, 0);
	assert_int_equal(st.st_mtim.tv_nsec, 0);
	assert_int_equal(st.st_ctim.tv_sec, 0);
	assert_int_equal(st.st_ctim.tv_nsec, 0);

	/* blocks defaults to ceil(size / 512). */
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 0, "
				"\"size\": 513}",
				&st),
			 0);
	assert_int_equal(st.st_blocks, 2);
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 0, "
				"\"size\": 512}",
				&st),
			 0);
	assert_int_equal(st.st_blocks, 1);
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 0, "
				"\"size\": 9007199254740991}",
				&st),
			 0);
	assert_int_equal(st.st_blocks, 17592186044416LL);
	/* Explicit values win; unknown members are ignored. */
	assert_int_equal(decode("{\"type\": \"dir\", \"mode\": 493, "
				"\"size\": 4096, \"blocks\": 0, \"uid\": 0, "
				"\"gid\": 0, \"future\": [1, 2]}",
				&st),
			 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0755);
	assert_int_equal(st.st_blocks, 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, 0);
}

static void test_boundaries(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 4095}", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 07777);
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 4096}", &st),
			 -EINVAL);
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 0, "
				"\"uid\": 4294967294, \"gid\": 4294967294}",
				&st),
			 0);
	assert_int_equal(st.st_uid, 4294967294u);
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 0, "
				"\"uid\": 4294967295}",
				&st),
			 -EINVAL);
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 0, "
				"\"gid\": 4294967295}",
				&st),
			 -EINVAL);
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 0, "
				"\"size\": 9007199254740992}",
				&st),
			 -EINVAL);
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 0, "
				"\"ino\": 9007199254740991}",
				&st),
			 0);
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 0, "
				"\"ino\": 9007199254740992}",
				&st),
			 -EINVAL);
	/* Times: seconds are signed within +-(2^53-1), ns below 10^9. */
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 0, "
				"\"mtime\": -9007199254740991, "
				"\"mtime_ns\": 999999999}",
				&st),
			 0);
	assert_int_equal(st.st_mtim.tv_sec, -9007199254740991LL);
	assert_int_equal(st.st_mtim.tv_nsec, 999999999);
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 0, "
				"\"mtime\": -9007199254740992}",
				&st),
			 -EINVAL);
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 0, "
				"\"atime\": 9007199254740992}",
				&st),
			 -EINVAL);
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 0, "
				"\"ctime\": 1, \"ctime_ns\": 1000000000}",
				&st),
			 -EINVAL);
	assert_int_equal(decode("{\"type\": \"reg\", \"mode\": 0, "
				"\"atime\": 1, \"atime_ns\": -1}",
				&st),
			 -EINVAL);
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"[]",
		"\"reg\"",
		"{}",
		"{\"mode\": 420}",
		"{\"type\": \"reg\"}",
		"{\"type\": \"door\", \"mode\": 420}",
		"{\"type\": 1, \"mode\": 420}",
		"{\"type\": \"reg\", \"mode\": -1}",
		"{\"type\": \"reg\", \"mode\": 420.0}",
		"{\"type\": \"reg\", \"mode\": \"0644\"}",
		"{\"type\": \"reg\", \"mode\": 420, \"size\": -1}",
		"{\"type\": \"reg\", \"mode\": 420, \"size\": 1.5}",
		"{\"type\": \"reg\", \"mode\": 420, \"size\": \"1\"}",
		"{\"type\": \"reg\", \"mode\": 420, \"nlink\": -1}",
		"{\"type\": \"reg\", \"mode\": 420, \"blocks\": -1}",
		"{\"type\": \"reg\", \"mode\": 420, \"ino\": null}",
		"{\"type\": \"reg\", \"mode\": 420, \"mtime\": 1.5}",
		"{\"type\": \"reg\", \"mode\": 420, \"mtime\": \"now\"}",
		"{\"type\": \"reg\", \"mode\": 420, \"mtime_ns\": 0.5}",
		"{\"type\": \"chr\", \"mode\": 420, \"rdev\": -1}",
	};
	struct stat st;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *obj = load(bad[i]);

		assert_int_equal(wf_attr_from_json(obj, 0, 0, &st), -EINVAL);
		json_decref(obj);
	}
	assert_int_equal(wf_attr_from_json(NULL, 0, 0, &st), -EINVAL);
}

/* "xattr": false says "no extended attributes"; true or none: unknown. */
static void test_xattr_hint(void **state)
{
	static const char *const cases[] = {
		"{\"type\":\"reg\",\"mode\":420,\"xattr\":false}",
		"{\"type\":\"reg\",\"mode\":420,\"xattr\":true}",
		"{\"type\":\"reg\",\"mode\":420}",
	};
	struct stat st;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		json_t *obj = load(cases[i]);

		assert_int_equal(wf_attr_from_json(obj, 0, 0, &st), 0);
		assert_int_equal(wf_attr_without_xattrs(obj), i == 0);
		json_decref(obj);
	}
	assert_int_equal(
		decode("{\"type\":\"reg\",\"mode\":420,\"xattr\":0}", &st),
		-EINVAL);
	assert_int_equal(
		decode("{\"type\":\"reg\",\"mode\":420,\"xattr\":\"no\"}", &st),
		-EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_representable_bounds),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_round_trip_every_type),
		cmocka_unit_test(test_to_json_members),
		cmocka_unit_test(test_to_json_huge_ino),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_xattr_hint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
