/* Unit tests of src/core/field.c: typed, range-checked JSON members. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "field.h"

#include <errno.h>
#include <string.h>

/* Parses @text, which the test expects to be a valid JSON object. */
static json_t *load(const char *text)
{
	json_error_t err;
	json_t *obj = json_loads(text, 0, &err);

	assert_non_null(obj);
	assert_true(json_is_object(obj));
	return obj;
}

/* wf_field_uint() of member "v" of the object in @text. */
static int uint_of(const char *text, uint64_t max, uint64_t *out)
{
	json_t *obj = load(text);
	int rc = wf_field_uint(obj, "v", max, out);

	json_decref(obj);
	return rc;
}

static void test_uint_range(void **state)
{
	uint64_t v = 42;

	(void)state;
	assert_int_equal(uint_of("{\"v\": 0}", WF_INT_MAX, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(uint_of("{\"v\": 9007199254740991}", WF_INT_MAX, &v),
			 0);
	assert_int_equal(v, 9007199254740991ULL);
	v = 42;
	assert_int_equal(uint_of("{\"v\": 9007199254740992}", WF_INT_MAX, &v),
			 -EINVAL);
	assert_int_equal(v, 42);
	assert_int_equal(uint_of("{\"v\": -1}", WF_INT_MAX, &v), -EINVAL);
	assert_int_equal(uint_of("{\"v\": 4095}", 07777, &v), 0);
	assert_int_equal(v, 4095);
	assert_int_equal(uint_of("{\"v\": 4096}", 07777, &v), -EINVAL);
	/* A max beyond int64 is capped, not wrapped. */
	assert_int_equal(
		uint_of("{\"v\": 9223372036854775807}", UINT64_MAX, &v), 0);
	assert_int_equal(v, (uint64_t)INT64_MAX);
}

static void test_uint_wrong_types(void **state)
{
	static const char *const bad[] = {
		"{\"v\": 1.0}",	  "{\"v\": 1.5}",   "{\"v\": 1e3}",
		"{\"v\": \"1\"}", "{\"v\": null}",  "{\"v\": true}",
		"{\"v\": [1]}",	  "{\"v\": {}}",    "{\"v\": -0.0}",
		"{\"v\": 0.5}",	  "{\"v\": false}", "{\"v\": \"\"}",
	};
	uint64_t v = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(uint_of(bad[i], WF_INT_MAX, &v), -EINVAL);
		assert_int_equal(v, 7);
	}
}

static void test_uint_missing(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(uint_of("{\"w\": 1}", WF_INT_MAX, &v), -ENOENT);
	assert_int_equal(v, 7);
	/* No object at all counts as missing (rpc.c relies on it). */
	assert_int_equal(wf_field_uint(NULL, "v", WF_INT_MAX, &v), -ENOENT);
	assert_int_equal(v, 7);
}

static void test_int_range(void **state)
{
	json_t *obj = load("{\"min\": -9007199254740991, "
			   "\"below\": -9007199254740992, "
			   "\"max\": 9007199254740991, "
			   "\"above\": 9007199254740992, \"neg\": -5, "
			   "\"real\": -1.5, \"s\": \"-1\"}");
	int64_t v = 3;

	(void)state;
	assert_int_equal(wf_field_int(obj, "min", -WF_INT_MAX, WF_INT_MAX, &v),
			 0);
	assert_true(v == -WF_INT_MAX);
	assert_int_equal(wf_field_int(obj, "max", -WF_INT_MAX, WF_INT_MAX, &v),
			 0);
	assert_true(v == WF_INT_MAX);
	v = 3;
	assert_int_equal(
		wf_field_int(obj, "below", -WF_INT_MAX, WF_INT_MAX, &v),
		-EINVAL);
	assert_int_equal(
		wf_field_int(obj, "above", -WF_INT_MAX, WF_INT_MAX, &v),
		-EINVAL);
	assert_int_equal(wf_field_int(obj, "neg", 0, 10, &v), -EINVAL);
	assert_int_equal(wf_field_int(obj, "neg", -5, -5, &v), 0);
	assert_int_equal(v, -5);
	v = 3;
	assert_int_equal(wf_field_int(obj, "real", -10, 10, &v), -EINVAL);
	assert_int_equal(wf_field_int(obj, "s", -10, 10, &v), -EINVAL);
	assert_int_equal(wf_field_int(obj, "none", -10, 10, &v), -ENOENT);
	assert_int_equal(v, 3);
	json_decref(obj);
}

static void test_string(void **state)
{
	json_t *obj = load("{\"s\": \"hello\", \"e\": \"\", \"n\": 1, "
			   "\"z\": null}");
	const char *s = NULL;
	size_t len = 99;

	(void)state;
	assert_int_equal(wf_field_string(obj, "s", &s, &len), 0);
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	assert_int_equal(wf_field_string(obj, "s", &s, NULL), 0);
	assert_int_equal(wf_field_string(obj, "e", &s, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(wf_field_string(obj, "n", &s, &len), -EINVAL);
	assert_int_equal(wf_field_string(obj, "z", &s, &len), -EINVAL);
	assert_int_equal(wf_field_string(obj, "x", &s, &len), -ENOENT);

	/* A NUL inside a string is part of its length. */
	json_object_set_new(obj, "nul", json_stringn("a\0b", 3));
	assert_int_equal(wf_field_string(obj, "nul", &s, &len), 0);
	assert_int_equal(len, 3);
	json_decref(obj);
}

static void test_path(void **state)
{
	json_t *obj = load("{\"root\": \"/\", \"ok\": \"/a/b\", "
			   "\"rel\": \"a\", \"dots\": \"/a/../b\", "
			   "\"trail\": \"/a/\", \"num\": 5}");
	const char *p = NULL;

	(void)state;
	assert_int_equal(wf_field_path(obj, "root", &p), 0);
	assert_string_equal(p, "/");
	assert_int_equal(wf_field_path(obj, "ok", &p), 0);
	assert_string_equal(p, "/a/b");
	p = NULL;
	assert_int_equal(wf_field_path(obj, "rel", &p), -EINVAL);
	assert_int_equal(wf_field_path(obj, "dots", &p), -EINVAL);
	assert_int_equal(wf_field_path(obj, "trail", &p), -EINVAL);
	assert_int_equal(wf_field_path(obj, "num", &p), -EINVAL);
	assert_int_equal(wf_field_path(obj, "none", &p), -ENOENT);
	assert_null(p);

	/* A NUL hidden inside the JSON string must not cut the path. */
	json_object_set_new(obj, "nul", json_stringn("/a\0/../../etc", 13));
	assert_int_equal(wf_field_path(obj, "nul", &p), -EINVAL);
	json_decref(obj);

	/* The same through the parser, which accepts \u0000 on request. */
	obj = json_loads("{\"p\": \"/a\\u0000b\"}", JSON_ALLOW_NUL, NULL);
	assert_non_null(obj);
	assert_int_equal(wf_field_path(obj, "p", &p), -EINVAL);
	json_decref(obj);
}

static void test_bool(void **state)
{
	json_t *obj = load("{\"t\": true, \"f\": false, \"one\": 1, "
			   "\"s\": \"true\"}");
	bool b = false;

	(void)state;
	assert_int_equal(wf_field_bool(obj, "t", &b), 0);
	assert_true(b);
	assert_int_equal(wf_field_bool(obj, "f", &b), 0);
	assert_false(b);
	b = true;
	assert_int_equal(wf_field_bool(obj, "one", &b), -EINVAL);
	assert_int_equal(wf_field_bool(obj, "s", &b), -EINVAL);
	assert_int_equal(wf_field_bool(obj, "none", &b), -ENOENT);
	assert_true(b);
	json_decref(obj);
}

static void test_has_name(void **state)
{
	json_t *obj = load("{\"features\": [1, null, \"binary\", \"x\"], "
			   "\"empty\": [], \"str\": \"binary\", "
			   "\"obj\": {\"binary\": true}}");

	(void)state;
	assert_true(wf_field_has_name(obj, "features", "binary"));
	assert_true(wf_field_has_name(obj, "features", "x"));
	assert_false(wf_field_has_name(obj, "features", "bin"));
	assert_false(wf_field_has_name(obj, "features", "binaryx"));
	assert_false(wf_field_has_name(obj, "empty", "binary"));
	assert_false(wf_field_has_name(obj, "str", "binary"));
	assert_false(wf_field_has_name(obj, "obj", "binary"));
	assert_false(wf_field_has_name(obj, "none", "binary"));
	assert_false(wf_field_has_name(NULL, "features", "binary"));
	json_decref(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint_range),
		cmocka_unit_test(test_uint_wrong_types),
		cmocka_unit_test(test_uint_missing),
		cmocka_unit_test(test_int_range),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_has_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
