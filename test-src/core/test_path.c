/* Unit tests of src/core/path.c: protocol paths and entry names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "path.h"

#include <string.h>

/* Validity of a NUL-terminated path. */
static bool path_ok(const char *path)
{
	return wf_path_valid(path, strlen(path));
}

static void test_root_and_simple(void **state)
{
	(void)state;
	assert_true(path_ok("/"));
	assert_true(path_ok("/a"));
	assert_true(path_ok("/a/b/c"));
	assert_true(path_ok("/hello.txt"));
	assert_true(path_ok("/with space/and\ttab"));
	assert_true(path_ok("/\xc3\xa4\xc3\xb6")); /* UTF-8 */
}

static void test_not_absolute(void **state)
{
	(void)state;
	assert_false(path_ok(""));
	assert_false(wf_path_valid(NULL, 0));
	assert_false(path_ok("a"));
	assert_false(path_ok("a/b"));
	assert_false(path_ok("./a"));
	assert_false(path_ok(" /a"));
}

static void test_slashes(void **state)
{
	(void)state;
	assert_false(path_ok("//"));
	assert_false(path_ok("///"));
	assert_false(path_ok("//a"));
	assert_false(path_ok("/a//b"));
	assert_false(path_ok("/a/"));
	assert_false(path_ok("/a/b/"));
}

static void test_dot_components(void **state)
{
	(void)state;
	assert_false(path_ok("/."));
	assert_false(path_ok("/.."));
	assert_false(path_ok("/./a"));
	assert_false(path_ok("/a/."));
	assert_false(path_ok("/a/.."));
	assert_false(path_ok("/a/../b"));
	assert_false(path_ok("/a/./b"));
	/* Names that merely contain dots are fine. */
	assert_true(path_ok("/..."));
	assert_true(path_ok("/.a"));
	assert_true(path_ok("/..a"));
	assert_true(path_ok("/a."));
	assert_true(path_ok("/a../b.."));
	assert_true(path_ok("/.hidden/.x"));
}

static void test_nul_inside(void **state)
{
	(void)state;
	assert_true(wf_path_valid("/ab", 3));
	assert_false(wf_path_valid("/a\0b", 4));
	assert_false(wf_path_valid("/a\0", 3));
	assert_false(wf_path_valid("/\0", 2));
	assert_false(wf_path_valid("/a/\0/b", 6));
	/* The length counts, not the terminator: "/a" of "/a/b" is valid. */
	assert_true(wf_path_valid("/a/b", 2));
}

static void test_component_length(void **state)
{
	char path[WF_NAME_MAX + 3];

	(void)state;
	path[0] = '/';
	memset(path + 1, 'x', WF_NAME_MAX + 1);
	assert_true(wf_path_valid(path, 1 + WF_NAME_MAX));
	assert_false(wf_path_valid(path, 1 + WF_NAME_MAX + 1));

	/* Also as a middle component. */
	char mid[1 + 256 + 2];

	mid[0] = '/';
	memset(mid + 1, 'y', 256);
	mid[257] = '/';
	mid[258] = 'z';
	assert_false(wf_path_valid(mid, sizeof(mid)));
	memmove(mid + 256, mid + 257, 2); /* 255-byte component */
	assert_true(wf_path_valid(mid, sizeof(mid) - 1));
}

/*
 * Builds a path of exactly @len bytes from components of at most 255 bytes
 * into @buf (at least @len + 1 bytes).
 */
static void make_long_path(char *buf, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		size_t comp = len - pos - 1;

		if (comp > WF_NAME_MAX)
			comp = WF_NAME_MAX;
		/* A single byte left could only be a trailing slash. */
		if (len - (pos + 1 + comp) == 1)
			comp--;
		buf[pos++] = '/';
		memset(buf + pos, 'c', comp);
		pos += comp;
	}
	buf[len] = '\0';
}

static void test_total_length(void **state)
{
	char buf[WF_PATH_MAX + 2];

	(void)state;
	for (size_t len = WF_PATH_MAX - 300; len <= WF_PATH_MAX + 1; len++) {
		make_long_path(buf, len);
		assert_int_equal(strlen(buf), len);
		if (len <= WF_PATH_MAX)
			assert_true(path_ok(buf));
		else
			assert_false(path_ok(buf));
	}
	assert_int_equal(WF_PATH_MAX, 4095);
}

static void test_name(void **state)
{
	char name[WF_NAME_MAX + 1];

	(void)state;
	assert_true(wf_name_valid("a", 1));
	assert_true(wf_name_valid("...", 3));
	assert_true(wf_name_valid(".a", 2));
	assert_true(wf_name_valid("..a", 3));
	assert_false(wf_name_valid("", 0));
	assert_false(wf_name_valid(".", 1));
	assert_false(wf_name_valid("..", 2));
	assert_false(wf_name_valid("a/b", 3));
	assert_false(wf_name_valid("/", 1));
	assert_false(wf_name_valid("a\0b", 3));
	assert_false(wf_name_valid("\0", 1));

	memset(name, 'n', sizeof(name));
	assert_true(wf_name_valid(name, WF_NAME_MAX));
	assert_false(wf_name_valid(name, WF_NAME_MAX + 1));
}

static void test_xattr_name(void **state)
{
	char long_name[WF_NAME_MAX + 2];

	(void)state;
	assert_true(wf_xattr_name_valid("user.a", 6));
	/* Unlike entry names, "/" and dots are allowed. */
	assert_true(wf_xattr_name_valid("user./..", 8));
	assert_false(wf_xattr_name_valid("", 0));
	assert_false(wf_xattr_name_valid("user\0a", 6));
	assert_false(wf_xattr_name_valid("user.\xff", 6));
	memset(long_name, 'x', sizeof(long_name));
	assert_true(wf_xattr_name_valid(long_name, WF_NAME_MAX));
	assert_false(wf_xattr_name_valid(long_name, WF_NAME_MAX + 1));
}

/* security.* and system.* stay on the machine that keeps the file. */
static void test_xattr_namespace(void **state)
{
	(void)state;
	assert_true(wf_xattr_name_carried("user.a", 6));
	assert_true(wf_xattr_name_carried("trusted.overlay.opaque", 22));
	/* Only the whole prefix counts, and only the first @len bytes. */
	assert_true(wf_xattr_name_carried("security", 8));
	assert_true(wf_xattr_name_carried("systemd.x", 9));
	assert_true(wf_xattr_name_carried("user.system.x", 13));
	assert_true(wf_xattr_name_carried("system.x", 6));
	assert_false(wf_xattr_name_carried("security.selinux", 16));
	assert_false(wf_xattr_name_carried("security.capability", 19));
	assert_false(wf_xattr_name_carried("security.", 9));
	assert_false(wf_xattr_name_carried("system.posix_acl_access", 23));
	assert_false(wf_xattr_name_carried("system.nfs4_acl", 15));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_and_simple),
		cmocka_unit_test(test_not_absolute),
		cmocka_unit_test(test_slashes),
		cmocka_unit_test(test_dot_components),
		cmocka_unit_test(test_nul_inside),
		cmocka_unit_test(test_component_length),
		cmocka_unit_test(test_total_length),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_xattr_name),
		cmocka_unit_test(test_xattr_namespace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
