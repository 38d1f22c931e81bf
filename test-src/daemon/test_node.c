/* Unit tests of the node table: ids, lookup counts, forget and paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "node.h"
#include "path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int setup(void **state)
{
	*state = wfd_nodes_create();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	wfd_nodes_destroy(*state);
	return 0;
}

static void root_path(void **state)
{
	char buf[WF_PATH_MAX + 1];

	assert_int_equal(
		wfd_nodes_path(*state, WFD_NODE_ROOT, NULL, buf, sizeof(buf)),
		0);
	assert_string_equal(buf, "/");
	assert_int_equal(
		wfd_nodes_path(*state, WFD_NODE_ROOT, "a", buf, sizeof(buf)),
		0);
	assert_string_equal(buf, "/a");
}

static void nested_paths(void **state)
{
	struct wfd_nodes *nodes = *state;
	char buf[WF_PATH_MAX + 1];
	uint64_t a, b, c;

	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "a", &a), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, a, "bb", &b), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, b, "c c", &c), 0);
	assert_true(a != b && b != c && a != WFD_NODE_ROOT);
	assert_int_equal(wfd_nodes_path(nodes, c, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/a/bb/c c");
	assert_int_equal(wfd_nodes_path(nodes, c, "d", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/a/bb/c c/d");
	assert_int_equal(wfd_nodes_count(nodes), 4);
}

static void lookup_same_name_same_id(void **state)
{
	struct wfd_nodes *nodes = *state;
	uint64_t x, y, z;

	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "f", &x), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "f", &y), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "g", &z), 0);
	assert_true(x == y);
	assert_true(x != z);
	/* Two lookups: one forget of one keeps it, the second frees it. */
	wfd_nodes_forget(nodes, x, 1);
	assert_int_equal(wfd_nodes_count(nodes), 3);
	wfd_nodes_forget(nodes, x, 1);
	assert_int_equal(wfd_nodes_count(nodes), 2);
	/* A new lookup of a forgotten name gets a new id: never reused. */
	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "f", &y), 0);
	assert_true(y != x);
}

static void parent_lives_while_children_do(void **state)
{
	struct wfd_nodes *nodes = *state;
	char buf[WF_PATH_MAX + 1];
	uint64_t dir, file;

	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "d", &dir), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, dir, "f", &file), 0);
	wfd_nodes_forget(nodes, dir, 1);
	/* The child still needs the parent for its path. */
	assert_int_equal(wfd_nodes_path(nodes, file, NULL, buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "/d/f");
	wfd_nodes_forget(nodes, file, 1);
	assert_int_equal(wfd_nodes_count(nodes), 1);
	assert_int_equal(wfd_nodes_path(nodes, dir, NULL, buf, sizeof(buf)),
			 -ESTALE);
}

static void unknown_ids(void **state)
{
	struct wfd_nodes *nodes = *state;
	char buf[64];
	uint64_t id;

	assert_int_equal(wfd_nodes_path(nodes, 999, NULL, buf, sizeof(buf)),
			 -ESTALE);
	assert_int_equal(wfd_nodes_lookup(nodes, 999, "x", &id), -ESTALE);
	wfd_nodes_forget(nodes, 999, 1);
	wfd_nodes_forget(nodes, WFD_NODE_ROOT, 100);
	assert_int_equal(wfd_nodes_count(nodes), 1);
}

static void path_too_long(void **state)
{
	struct wfd_nodes *nodes = *state;
	char name[WF_NAME_MAX + 1];
	char buf[WF_PATH_MAX + 1];
	uint64_t id = WFD_NODE_ROOT;

	memset(name, 'n', WF_NAME_MAX);
	name[WF_NAME_MAX] = '\0';
	/* 15 components of 256 bytes ("/" + name) make 3840 bytes. */
	for (int i = 0; i < 15; i++)
		assert_int_equal(wfd_nodes_lookup(nodes, id, name, &id), 0);
	assert_int_equal(wfd_nodes_path(nodes, id, NULL, buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), 15 * 256);
	assert_int_equal(wfd_nodes_path(nodes, id, name, buf, sizeof(buf)),
			 -ENAMETOOLONG);
	assert_int_equal(wfd_nodes_path(nodes, id, NULL, buf, 100),
			 -ENAMETOOLONG);
}

static void many_nodes_grow_table(void **state)
{
	struct wfd_nodes *nodes = *state;
	char name[32], buf[64];
	uint64_t ids[5000];

	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "file-%d", i);
		assert_int_equal(
			wfd_nodes_lookup(nodes, WFD_NODE_ROOT, name, &ids[i]),
			0);
	}
	assert_int_equal(wfd_nodes_count(nodes), 5001);
	for (int i = 0; i < 5000; i += 499) {
		snprintf(name, sizeof(name), "/file-%d", i);
		assert_int_equal(
			wfd_nodes_path(nodes, ids[i], NULL, buf, sizeof(buf)),
			0);
		assert_string_equal(buf, name);
	}
	for (int i = 0; i < 5000; i++)
		wfd_nodes_forget(nodes, ids[i], 1);
	assert_int_equal(wfd_nodes_count(nodes), 1);
}

static void collect(void *user, const char *name)
{
	char *names = user;

	strcat(names, name);
	strcat(names, ",");
}

static void foreach_child_lists_children_only(void **state)
{
	struct wfd_nodes *nodes = *state;
	char names[64] = "";
	uint64_t dir, id;

	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "d", &dir), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, dir, "inner", &id), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "f", &id), 0);
	wfd_nodes_foreach_child(nodes, WFD_NODE_ROOT, collect, names);
	assert_true(strcmp(names, "d,f,") == 0 || strcmp(names, "f,d,") == 0);
	names[0] = '\0';
	wfd_nodes_foreach_child(nodes, dir, collect, names);
	assert_string_equal(names, "inner,");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(root_path, setup, teardown),
		cmocka_unit_test_setup_teardown(nested_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(lookup_same_name_same_id, setup,
						teardown),
		cmocka_unit_test_setup_teardown(parent_lives_while_children_do,
						setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(path_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(many_nodes_grow_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			foreach_child_lists_children_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
