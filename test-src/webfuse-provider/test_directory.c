/* Unit tests of src/webfuse-provider/directory.c: lending a directory. */
#include "directory.h"
#include "dirbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define INSIDE "inside!"
#define SECRET "SECRET"

static const struct wfp_operations *ops = &wfdir_operations;

struct fixture {
	char base[PATH_MAX]; /* temporary directory holding root and outside */
	char root[PATH_MAX + 8];
	char outside[PATH_MAX + 8];
	struct wfdir *dir;
};

static void put_file(const char *dir, const char *name, const char *content)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(content, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void put_link(const char *dir, const char *name, const char *target)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(symlink(target, path), 0);
}

static void put_dir(const char *dir, const char *name)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
}

/*
 * base/root/      the lent directory
 *   file.txt      "0123456789"
 *   sub/          secret.txt: INSIDE
 *   link_in       -> file.txt
 *   link_out      -> ../outside/secret.txt
 *   link_abs      -> base/outside/secret.txt
 *   link_dir_out  -> base/outside
 *   link_dir_rel  -> ../outside
 *   fifo
 *   "\xff"        a name that is not UTF-8
 * base/outside/   secret.txt: SECRET
 */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");
	char target[PATH_MAX * 2];
	char sub[PATH_MAX * 2];

	assert_non_null(f);
	snprintf(f->base, sizeof(f->base), "%s/wfdir-XXXXXX",
		 tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->base));
	snprintf(f->root, sizeof(f->root), "%s/root", f->base);
	snprintf(f->outside, sizeof(f->outside), "%s/outside", f->base);
	put_dir(f->base, "root");
	put_dir(f->base, "outside");
	put_file(f->outside, "secret.txt", SECRET);
	put_file(f->root, "file.txt", "0123456789");
	put_dir(f->root, "sub");
	snprintf(sub, sizeof(sub), "%s/sub", f->root);
	put_file(sub, "secret.txt", INSIDE);
	put_link(f->root, "link_in", "file.txt");
	put_link(f->root, "link_out", "../outside/secret.txt");
	snprintf(target, sizeof(target), "%s/secret.txt", f->outside);
	put_link(f->root, "link_abs", target);
	put_link(f->root, "link_dir_out", f->outside);
	put_link(f->root, "link_dir_rel", "../outside");
	snprintf(target, sizeof(target), "%s/fifo", f->root);
	assert_int_equal(mkfifo(target, 0644), 0);
	put_file(f->root, "\xff", "latin1");

	f->dir = wfdir_create(f->root, 4);
	assert_non_null(f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[PATH_MAX + 32];

	wfdir_destroy(f->dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->base);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static int getattr(struct fixture *f, const char *path, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	return ops->getattr(path, st, f->dir);
}

/* Opens @path for reading; returns the handle, or fails the test. */
static uint64_t open_ok(struct fixture *f, const char *path)
{
	uint64_t handle = UINT64_MAX;

	assert_int_equal(ops->open(path, O_RDONLY, &handle, f->dir), 0);
	assert_true(handle <= ((uint64_t)1 << 53) - 1);
	return handle;
}

static int open_err(struct fixture *f, const char *path, int flags)
{
	uint64_t handle = 0;

	return ops->open(path, flags, &handle, f->dir);
}

static void test_create(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/file.txt", f->root);
	assert_null(wfdir_create(path, 4));
	assert_int_equal(errno, ENOTDIR);
	snprintf(path, sizeof(path), "%s/missing", f->root);
	assert_null(wfdir_create(path, 4));
	assert_int_equal(errno, ENOENT);
	assert_null(wfdir_create(f->root, 0));
	assert_int_equal(errno, EINVAL);
	wfdir_destroy(NULL);
}

static void test_getattr(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(getattr(f, "/", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(getattr(f, "/file.txt", &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 10);
	assert_int_equal(getattr(f, "/sub/secret.txt", &st), 0);
	assert_int_equal(st.st_size, strlen(INSIDE));
	assert_int_equal(getattr(f, "/fifo", &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(getattr(f, "/missing", &st), -ENOENT);
	assert_int_equal(getattr(f, "/file.txt/x", &st), -ENOTDIR);
}

/* Paths that are not protocol paths never reach the filesystem. */
static void test_dotdot_rejected(void **state)
{
	static const char *const bad[] = {
		"/../outside/secret.txt",
		"/sub/../../outside/secret.txt",
		"/sub/../file.txt",
		"/..",
		"/./file.txt",
		"..",
		"file.txt",
		"",
		"//file.txt",
		"/file.txt/",
	};
	struct fixture *f = *state;
	struct wfp_dirbuf *buf = wfp_dirbuf_create(100);
	struct statvfs sv;
	struct stat st;
	char target[4096];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *p = bad[i];

		assert_int_equal(getattr(f, p, &st), -EINVAL);
		assert_int_equal(open_err(f, p, O_RDONLY), -EINVAL);
		assert_int_equal(ops->readdir(p, buf, f->dir), -EINVAL);
		assert_int_equal(
			ops->readlink(p, target, sizeof(target), f->dir),
			-EINVAL);
		assert_int_equal(ops->statfs(p, &sv, f->dir), -EINVAL);
		assert_int_equal(ops->access(p, R_OK, f->dir), -EINVAL);
	}
	assert_int_equal(json_array_size(wfp_dirbuf_entries(buf)), 0);
	wfp_dirbuf_destroy(buf);
}

/* A symlink in the middle of a path is never followed: ELOOP. */
static void test_symlink_in_middle(void **state)
{
	static const char *const escapes[] = {
		"/link_dir_out/secret.txt",
		"/link_dir_rel/secret.txt",
	};
	struct fixture *f = *state;
	struct wfp_dirbuf *buf = wfp_dirbuf_create(100);
	struct statvfs sv;
	struct stat st;
	char target[4096];

	for (size_t i = 0; i < 2; i++) {
		const char *p = escapes[i];

		assert_int_equal(getattr(f, p, &st), -ELOOP);
		assert_int_equal(open_err(f, p, O_RDONLY), -ELOOP);
		assert_int_equal(
			ops->readlink(p, target, sizeof(target), f->dir),
			-ELOOP);
		assert_int_equal(ops->statfs(p, &sv, f->dir), -ELOOP);
		assert_int_equal(ops->access(p, F_OK, f->dir), -ELOOP);
	}
	/* Listing a symlink to a directory does not list its target. */
	assert_int_equal(ops->readdir("/link_dir_out", buf, f->dir), -ELOOP);
	assert_int_equal(ops->readdir("/link_dir_rel", buf, f->dir), -ELOOP);
	assert_int_equal(json_array_size(wfp_dirbuf_entries(buf)), 0);
	wfp_dirbuf_destroy(buf);
}

/* A symlink as last component is shown as a symlink, never followed. */
static void test_symlink_last(void **state)
{
	struct fixture *f = *state;
	char target[4096], expected[PATH_MAX * 2];
	struct stat st;

	assert_int_equal(getattr(f, "/link_out", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_size, strlen("../outside/secret.txt"));
	assert_int_equal(getattr(f, "/link_abs", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(getattr(f, "/link_dir_out", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(getattr(f, "/link_in", &st), 0);
	assert_true(S_ISLNK(st.st_mode));

	assert_int_equal(
		ops->readlink("/link_out", target, sizeof(target), f->dir), 0);
	assert_string_equal(target, "../outside/secret.txt");
	assert_int_equal(
		ops->readlink("/link_abs", target, sizeof(target), f->dir), 0);
	snprintf(expected, sizeof(expected), "%s/secret.txt", f->outside);
	assert_string_equal(target, expected);
	assert_int_not_equal(
		ops->readlink("/file.txt", target, sizeof(target), f->dir), 0);
	/* A target that does not fit the buffer is not truncated. */
	assert_int_equal(ops->readlink("/link_out", target, 5, f->dir),
			 -ENAMETOOLONG);

	/* Opening follows no symlink, not even one that stays inside. */
	assert_int_equal(open_err(f, "/link_in", O_RDONLY), -ELOOP);
	assert_int_equal(open_err(f, "/link_out", O_RDONLY), -ELOOP);
	assert_int_equal(open_err(f, "/link_abs", O_RDONLY), -ELOOP);
}

/* Finds the entry @name of a listing; NULL if absent. */
static json_t *find_entry(json_t *entries, const char *name)
{
	size_t i;
	json_t *e;

	json_array_foreach(entries, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "name")),
			   name) == 0)
			return json_object_get(e, "attr");
	}
	return NULL;
}

static const char *type_of(json_t *entries, const char *name)
{
	json_t *attr = find_entry(entries, name);

	assert_non_null(attr);
	return json_string_value(json_object_get(attr, "type"));
}

static void test_readdir(void **state)
{
	struct fixture *f = *state;
	struct wfp_dirbuf *buf = wfp_dirbuf_create(100);
	json_t *entries, *attr;

	assert_int_equal(ops->readdir("/", buf, f->dir), 0);
	entries = wfp_dirbuf_entries(buf);
	/* Eight entries, without ".", ".." and the name "\xff". */
	assert_int_equal(json_array_size(entries), 8);
	assert_null(find_entry(entries, "."));
	assert_null(find_entry(entries, ".."));
	attr = find_entry(entries, "file.txt");
	assert_non_null(attr);
	assert_string_equal(json_string_value(json_object_get(attr, "type")),
			    "reg");
	assert_int_equal(json_integer_value(json_object_get(attr, "size")), 10);
	assert_string_equal(type_of(entries, "sub"), "dir");
	assert_string_equal(type_of(entries, "link_in"), "lnk");
	assert_string_equal(type_of(entries, "link_out"), "lnk");
	assert_string_equal(type_of(entries, "link_abs"), "lnk");
	assert_string_equal(type_of(entries, "link_dir_out"), "lnk");
	assert_string_equal(type_of(entries, "link_dir_rel"), "lnk");
	assert_string_equal(type_of(entries, "fifo"), "fifo");
	wfp_dirbuf_destroy(buf);

	buf = wfp_dirbuf_create(100);
	assert_int_equal(ops->readdir("/sub", buf, f->dir), 0);
	entries = wfp_dirbuf_entries(buf);
	assert_int_equal(json_array_size(entries), 1);
	attr = find_entry(entries, "secret.txt");
	assert_int_equal(json_integer_value(json_object_get(attr, "size")),
			 strlen(INSIDE));
	assert_int_equal(ops->readdir("/file.txt", buf, f->dir), -ENOTDIR);
	assert_int_equal(ops->readdir("/missing", buf, f->dir), -ENOENT);
	wfp_dirbuf_destroy(buf);

	/* A listing too long for the service fails as a whole. */
	buf = wfp_dirbuf_create(3);
	assert_int_equal(ops->readdir("/", buf, f->dir), -E2BIG);
	wfp_dirbuf_destroy(buf);
}

static ssize_t read_at(struct fixture *f, uint64_t handle, uint64_t offset,
		       size_t size, char *buf)
{
	return ops->read("/file.txt", handle, buf, size, offset, f->dir);
}

static void test_read_offsets(void **state)
{
	struct fixture *f = *state;
	uint64_t h = open_ok(f, "/file.txt");
	char buf[32];

	assert_int_equal(read_at(f, h, 0, 4, buf), 4);
	assert_memory_equal(buf, "0123", 4);
	assert_int_equal(read_at(f, h, 3, 2, buf), 2);
	assert_memory_equal(buf, "34", 2);
	assert_int_equal(read_at(f, h, 8, 10, buf), 2);
	assert_memory_equal(buf, "89", 2);
	assert_int_equal(read_at(f, h, 10, 5, buf), 0);
	assert_int_equal(read_at(f, h, 1000000, 5, buf), 0);
	assert_int_equal(read_at(f, h, (uint64_t)1 << 52, 5, buf), 0);
	assert_int_equal(read_at(f, h, UINT64_MAX, 5, buf), -EINVAL);
	assert_int_equal(ops->release("/file.txt", h, f->dir), 0);

	/* A released handle is stale. */
	assert_int_equal(read_at(f, h, 0, 4, buf), -EBADF);
	assert_int_equal(ops->release("/file.txt", h, f->dir), -EBADF);
	assert_int_equal(read_at(f, 12345678, 0, 4, buf), -EBADF);
	assert_int_equal(read_at(f, UINT64_MAX, 0, 4, buf), -EBADF);

	h = open_ok(f, "/sub/secret.txt");
	assert_int_equal(
		ops->read("/sub/secret.txt", h, buf, sizeof(buf), 0, f->dir),
		strlen(INSIDE));
	assert_memory_equal(buf, INSIDE, strlen(INSIDE));
	assert_int_equal(ops->release("/sub/secret.txt", h, f->dir), 0);
}

static void test_open_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(open_err(f, "/file.txt", O_WRONLY), -EROFS);
	assert_int_equal(open_err(f, "/file.txt", O_RDWR), -EROFS);
	assert_int_equal(open_err(f, "/file.txt", O_RDONLY | O_TRUNC), -EROFS);
	assert_int_equal(open_err(f, "/file.txt", O_RDONLY | O_APPEND), -EROFS);
	assert_int_equal(open_err(f, "/sub", O_RDONLY), -EISDIR);
	assert_int_equal(open_err(f, "/", O_RDONLY), -EISDIR);
	/* Would block, and a device would hand out what is not in DIR. */
	assert_int_equal(open_err(f, "/fifo", O_RDONLY), -ENXIO);
	assert_int_equal(open_err(f, "/missing", O_RDONLY), -ENOENT);
}

/* The table of open files is bounded; slots are reused safely. */
static void test_open_bound(void **state)
{
	struct fixture *f = *state;
	uint64_t h[4], again;
	char buf[4];

	for (int i = 0; i < 4; i++)
		h[i] = open_ok(f, "/file.txt");
	assert_int_equal(open_err(f, "/file.txt", O_RDONLY), -EMFILE);
	assert_int_equal(ops->release("/file.txt", h[1], f->dir), 0);
	again = open_ok(f, "/file.txt");
	assert_int_not_equal(again, h[1]);
	/* The old handle of the reused slot does not reach the new file. */
	assert_int_equal(read_at(f, h[1], 0, 4, buf), -EBADF);
	assert_int_equal(read_at(f, again, 0, 4, buf), 4);
	/* wfdir_destroy() closes what is still open. */
}

static void test_access(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ops->access("/file.txt", F_OK, f->dir), 0);
	assert_int_equal(ops->access("/file.txt", R_OK, f->dir), 0);
	assert_int_equal(ops->access("/file.txt", X_OK, f->dir), -EACCES);
	assert_int_equal(ops->access("/sub", R_OK | X_OK, f->dir), 0);
	assert_int_equal(ops->access("/file.txt", W_OK, f->dir), -EROFS);
	assert_int_equal(ops->access("/missing", F_OK, f->dir), -ENOENT);
	assert_int_equal(ops->access("/missing", W_OK, f->dir), -ENOENT);
	assert_int_equal(ops->access("/link_out", F_OK, f->dir), 0);
}

static void test_statfs(void **state)
{
	struct fixture *f = *state;
	struct statvfs sv;

	memset(&sv, 0, sizeof(sv));
	assert_int_equal(ops->statfs("/", &sv, f->dir), 0);
	assert_true(sv.f_bsize > 0);
	assert_true(sv.f_namemax > 0);
	assert_int_equal(ops->statfs("/sub/secret.txt", &sv, f->dir), 0);
	assert_int_equal(ops->statfs("/missing", &sv, f->dir), -ENOENT);
}

struct swapper {
	int rootfd;
	volatile int stop;
	unsigned long swaps;
};

/* Swaps root/sub, a directory, with root/swap, a symlink out, atomically. */
static void *swap_loop(void *arg)
{
	struct swapper *s = arg;

	while (!s->stop) {
		if (renameat2(s->rootfd, "sub", s->rootfd, "swap",
			      RENAME_EXCHANGE) == 0)
			s->swaps++;
	}
	return NULL;
}

/* Resolves "/sub/secret.txt" once; 1 if it gave INSIDE, 0 if refused. */
static int read_sub_secret(struct fixture *f)
{
	uint64_t h;
	char buf[32];
	ssize_t n;

	if (ops->open("/sub/secret.txt", O_RDONLY, &h, f->dir))
		return 0;
	n = ops->read("/sub/secret.txt", h, buf, sizeof(buf), 0, f->dir);
	assert_int_equal(ops->release("/sub/secret.txt", h, f->dir), 0);
	assert_true(n >= 0);
	if (n == (ssize_t)strlen(SECRET) && !memcmp(buf, SECRET, (size_t)n))
		fail_msg("served a file outside the directory");
	assert_int_equal(n, strlen(INSIDE));
	assert_memory_equal(buf, INSIDE, strlen(INSIDE));
	return 1;
}

/* A symlink swapped in for a directory, during calls, leaks nothing. */
static void test_swap_race(void **state)
{
	struct fixture *f = *state;
	struct swapper s = {.stop = 0, .swaps = 0};
	int served = 0, refused = 0;
	struct stat st;
	pthread_t thread;

	put_link(f->root, "swap", f->outside);
	s.rootfd = open(f->root, O_PATH | O_DIRECTORY);
	assert_true(s.rootfd >= 0);

	/* Deterministically, both ways round. */
	assert_int_equal(read_sub_secret(f), 1);
	assert_int_equal(
		renameat2(s.rootfd, "sub", s.rootfd, "swap", RENAME_EXCHANGE),
		0);
	assert_int_equal(getattr(f, "/sub/secret.txt", &st), -ELOOP);
	assert_int_equal(read_sub_secret(f), 0);
	assert_int_equal(
		renameat2(s.rootfd, "sub", s.rootfd, "swap", RENAME_EXCHANGE),
		0);

	/* And while another thread swaps as fast as it can. */
	assert_int_equal(pthread_create(&thread, NULL, swap_loop, &s), 0);
	for (int i = 0; i < 20000; i++) {
		if (read_sub_secret(f))
			served++;
		else
			refused++;
		if (getattr(f, "/sub/secret.txt", &st) == 0)
			assert_int_equal(st.st_size, strlen(INSIDE));
	}
	s.stop = 1;
	assert_int_equal(pthread_join(thread, NULL), 0);
	close(s.rootfd);
	print_message("swap race: %lu swaps, %d served, %d refused\n", s.swaps,
		      served, refused);
	assert_true(s.swaps > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getattr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dotdot_rejected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlink_in_middle, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlink_last, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_readdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_offsets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_bound, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swap_race, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
