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

/* Asserts the path of @id, or that it has none. */
static void assert_path(struct wfd_nodes *nodes, uint64_t id,
			const char *expected)
{
	char buf[WF_PATH_MAX + 1];
	int rc = wfd_nodes_path(nodes, id, NULL, buf, sizeof(buf));

	if (!expected) {
		assert_int_equal(rc, -ESTALE);
		assert_true(wfd_nodes_removed(nodes, id));
		return;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(buf, expected);
	assert_false(wfd_nodes_removed(nodes, id));
}

static void removed_node_keeps_id_not_name(void **state)
{
	struct wfd_nodes *nodes = *state;
	char buf[WF_PATH_MAX + 1];
	uint64_t dir, f, again;

	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "d", &dir), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, dir, "f", &f), 0);
	wfd_nodes_remove(nodes, dir, "f");
	assert_path(nodes, f, NULL);
	assert_int_equal(wfd_nodes_last_path(nodes, f, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/d/f");
	/* A new file of the same name is a new node. */
	assert_int_equal(wfd_nodes_lookup(nodes, dir, "f", &again), 0);
	assert_true(again != f);
	assert_path(nodes, again, "/d/f");
	/* Removing a name the table does not know changes nothing. */
	wfd_nodes_remove(nodes, dir, "unknown");
	assert_int_equal(wfd_nodes_count(nodes), 4);
	/* The kernel forgets the removed node: it goes, its parent stays. */
	wfd_nodes_forget(nodes, f, 1);
	assert_int_equal(wfd_nodes_count(nodes), 3);
	assert_int_equal(wfd_nodes_last_path(nodes, f, buf, sizeof(buf)),
			 -ESTALE);
}

static void removed_directory_orphans_children(void **state)
{
	struct wfd_nodes *nodes = *state;
	uint64_t dir, f;
	char names[64] = "";

	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "d", &dir), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, dir, "f", &f), 0);
	wfd_nodes_remove(nodes, WFD_NODE_ROOT, "d");
	assert_path(nodes, dir, NULL);
	assert_path(nodes, f, NULL);
	wfd_nodes_foreach_child(nodes, WFD_NODE_ROOT, collect, names);
	assert_string_equal(names, "");
	wfd_nodes_forget(nodes, dir, 1);
	assert_int_equal(wfd_nodes_count(nodes), 3); /* f holds d */
	wfd_nodes_forget(nodes, f, 1);
	assert_int_equal(wfd_nodes_count(nodes), 1);
}

static void rename_moves_subtree(void **state)
{
	struct wfd_nodes *nodes = *state;
	uint64_t a, b, f, other;

	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "a", &a), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "b", &b), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, a, "f", &f), 0);
	assert_int_equal(
		wfd_nodes_rename(nodes, WFD_NODE_ROOT, "a", b, "a2", false), 0);
	assert_path(nodes, a, "/b/a2");
	assert_path(nodes, f, "/b/a2/f");
	assert_int_equal(wfd_nodes_lookup(nodes, b, "a2", &other), 0);
	assert_int_equal(other, a);
	wfd_nodes_forget(nodes, other, 1);
	/* The old name is free for a new node. */
	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "a", &other),
			 0);
	assert_true(other != a);
}

static void rename_over_target_removes_it(void **state)
{
	struct wfd_nodes *nodes = *state;
	uint64_t x, y;

	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "x", &x), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "y", &y), 0);
	assert_int_equal(wfd_nodes_rename(nodes, WFD_NODE_ROOT, "x",
					  WFD_NODE_ROOT, "y", false),
			 0);
	assert_path(nodes, x, "/y");
	assert_path(nodes, y, NULL);
	/* Renaming onto itself changes nothing. */
	assert_int_equal(wfd_nodes_rename(nodes, WFD_NODE_ROOT, "y",
					  WFD_NODE_ROOT, "y", false),
			 0);
	assert_path(nodes, x, "/y");
}

static void rename_exchange_swaps(void **state)
{
	struct wfd_nodes *nodes = *state;
	uint64_t d, x, y;

	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "d", &d), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "x", &x), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, d, "y", &y), 0);
	assert_int_equal(
		wfd_nodes_rename(nodes, WFD_NODE_ROOT, "x", d, "y", true), 0);
	assert_path(nodes, x, "/d/y");
	assert_path(nodes, y, "/x");
	/* With only one side known, that side moves. */
	assert_int_equal(
		wfd_nodes_rename(nodes, d, "y", WFD_NODE_ROOT, "unknown", true),
		0);
	assert_path(nodes, x, "/unknown");
	assert_int_equal(wfd_nodes_count(nodes), 4);
}

/* A directory never goes beneath itself, whatever the table is told. */
static void rename_into_itself_refused(void **state)
{
	struct wfd_nodes *nodes = *state;
	uint64_t dir, sub, other;

	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "dir", &dir),
			 0);
	assert_int_equal(wfd_nodes_lookup(nodes, dir, "sub", &sub), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "o", &other),
			 0);
	assert_int_equal(wfd_nodes_rename(nodes, WFD_NODE_ROOT, "dir", sub,
					  "dir", false),
			 -EINVAL);
	assert_int_equal(
		wfd_nodes_rename(nodes, WFD_NODE_ROOT, "dir", dir, "x", false),
		-EINVAL);
	/* An exchange whose other side would go beneath itself, too. */
	assert_int_equal(wfd_nodes_rename(nodes, sub, "unknown", WFD_NODE_ROOT,
					  "dir", true),
			 -EINVAL);
	assert_path(nodes, dir, "/dir");
	assert_path(nodes, sub, "/dir/sub");
	assert_path(nodes, other, "/o");
}

static void rename_releases_emptied_parent(void **state)
{
	struct wfd_nodes *nodes = *state;
	uint64_t d, f;

	assert_int_equal(wfd_nodes_lookup(nodes, WFD_NODE_ROOT, "d", &d), 0);
	assert_int_equal(wfd_nodes_lookup(nodes, d, "f", &f), 0);
	wfd_nodes_forget(nodes, d, 1); /* only f keeps d */
	assert_int_equal(
		wfd_nodes_rename(nodes, d, "f", WFD_NODE_ROOT, "g", false), 0);
	assert_int_equal(wfd_nodes_count(nodes), 2);
	assert_path(nodes, f, "/g");
	assert_int_equal(
		wfd_nodes_rename(nodes, 999, "f", WFD_NODE_ROOT, "g", false),
		-ESTALE);
}

/* "No extended attributes" holds until its time, for its provider only. */
static void xattr_free_expires(void **state)
{
	uint64_t id, other;

	assert_int_equal(wfd_nodes_lookup(*state, WFD_NODE_ROOT, "f", &id), 0);
	assert_int_equal(wfd_nodes_lookup(*state, WFD_NODE_ROOT, "g", &other),
			 0);
	assert_false(wfd_nodes_xattr_free(*state, id, 1, 0));
	wfd_nodes_set_xattr_free(*state, id, 1, 100);
	assert_true(wfd_nodes_xattr_free(*state, id, 1, 99));
	assert_false(wfd_nodes_xattr_free(*state, id, 1, 100));
	assert_false(wfd_nodes_xattr_free(*state, id, 2, 99));
	assert_false(wfd_nodes_xattr_free(*state, other, 1, 99));
	wfd_nodes_set_xattr_free(*state, id, 1, 0);
	assert_false(wfd_nodes_xattr_free(*state, id, 1, 0));
	/* Unknown ids: nothing to set, nothing known. */
	wfd_nodes_set_xattr_free(*state, 9999, 1, 100);
	assert_false(wfd_nodes_xattr_free(*state, 9999, 1, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(root_path, setup, teardown),
		cmocka_unit_test_setup_teardown(xattr_free_expires, setup,
						teardown),
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
		cmocka_unit_test_setup_teardown(removed_node_keeps_id_not_name,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			removed_directory_orphans_children, setup, teardown),
		cmocka_unit_test_setup_teardown(rename_moves_subtree, setup,
						teardown),
		cmocka_unit_test_setup_teardown(rename_over_target_removes_it,
						setup, teardown),
		cmocka_unit_test_setup_teardown(rename_exchange_swaps, setup,
						teardown),
		cmocka_unit_test_setup_teardown(rename_into_itself_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(rename_releases_emptied_parent,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
