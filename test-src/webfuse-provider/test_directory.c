/* Unit tests of src/webfuse-provider/directory.c: lending a directory. */
#include "directory.h"
#include "dirbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
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

	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, name) <
		    (int)sizeof(path));
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
static int make_fixture(void **state)
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

	*state = f;
	return 0;
}

static struct wfdir *lend(const char *root, size_t max_open, bool read_only,
			  const char *only)
{
	struct wfdir_options options = {
		.max_open = max_open, .read_only = read_only, .only = only};

	return wfdir_create(root, &options);
}

static int setup(void **state)
{
	struct fixture *f;

	make_fixture(state);
	f = *state;
	f->dir = lend(f->root, 4, false, NULL);
	assert_non_null(f->dir);
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

/* The host's path of @rel in the lent directory (a static buffer). */
static const char *host(struct fixture *f, const char *rel)
{
	static char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", f->root, rel);
	return path;
}

/* The content of @rel in the lent directory, as the host reads it. */
static const char *host_content(struct fixture *f, const char *rel)
{
	static char buf[256];
	ssize_t n;
	int fd = open(host(f, rel), O_RDONLY);

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
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
	assert_null(lend(path, 4, false, NULL));
	assert_int_equal(errno, ENOTDIR);
	snprintf(path, sizeof(path), "%s/missing", f->root);
	assert_null(lend(path, 4, false, NULL));
	assert_int_equal(errno, ENOENT);
	assert_null(lend(f->root, 0, false, NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(lend(f->root, (1u << 20) + 1, false, NULL));
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

	assert_int_equal(open_err(f, "/sub", O_RDONLY), -EISDIR);
	assert_int_equal(open_err(f, "/sub", O_WRONLY), -EISDIR);
	assert_int_equal(open_err(f, "/", O_RDONLY), -EISDIR);
	/* Would block, and a device would hand out what is not in DIR. */
	assert_int_equal(open_err(f, "/fifo", O_RDONLY), -ENXIO);
	assert_int_equal(open_err(f, "/fifo", O_WRONLY), -ENXIO);
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
	/* Checked for real (as root: as nobody, on a file of root's). */
	assert_int_equal(ops->access("/file.txt", W_OK, f->dir), 0);
	assert_int_equal(ops->access("/sub", W_OK | X_OK, f->dir), 0);
	put_file(f->root, "ro.txt", "x");
	assert_int_equal(chmod(host(f, "ro.txt"), 0444), 0);
	if (geteuid() == 0)
		assert_int_equal(seteuid(65534), 0);
	assert_int_equal(ops->access("/ro.txt", W_OK, f->dir), -EACCES);
	assert_int_equal(ops->access("/ro.txt", R_OK, f->dir), 0);
	if (getuid() == 0)
		assert_int_equal(seteuid(0), 0);
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

static uint64_t create_ok(struct fixture *f, const char *path, mode_t mode,
			  int flags, struct stat *st)
{
	uint64_t handle = UINT64_MAX;

	memset(st, 0, sizeof(*st));
	assert_int_equal(ops->create(path, mode, flags, &handle, st, f->dir),
			 0);
	assert_true(handle <= ((uint64_t)1 << 53) - 1);
	return handle;
}

static int create_err(struct fixture *f, const char *path, int flags)
{
	struct stat st;
	uint64_t handle;

	return ops->create(path, 0644, flags, &handle, &st, f->dir);
}

static ssize_t write_at(struct fixture *f, uint64_t handle, uint64_t offset,
			const char *data)
{
	return ops->write("/x", handle, data, strlen(data), offset, f->dir);
}

static int setattr(struct fixture *f, const char *path, uint64_t handle,
		   const struct stat *values, int to_set, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	return ops->setattr(path, handle, values, to_set, st, f->dir);
}

/* Sets only the size of @path (or of @handle) to @size. */
static int resize(struct fixture *f, const char *path, uint64_t handle,
		  off_t size)
{
	struct stat v, st;

	memset(&v, 0, sizeof(v));
	v.st_size = size;
	return setattr(f, path, handle, &v, WFP_SET_SIZE, &st);
}

static void test_create_file(void **state)
{
	struct fixture *f = *state;
	struct stat st, host_st;
	uint64_t h;

	h = create_ok(f, "/new.txt", 0640, O_WRONLY | O_EXCL, &st);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(stat(host(f, "new.txt"), &host_st), 0);
	assert_int_equal(host_st.st_ino, st.st_ino);
	assert_int_equal(host_st.st_mode & 07777, 0640);
	assert_int_equal(write_at(f, h, 0, "abc"), 3);
	assert_int_equal(ops->release("/new.txt", h, f->dir), 0);
	assert_string_equal(host_content(f, "new.txt"), "abc");

	/* Exclusive: an existing name fails, whatever its type. */
	assert_int_equal(create_err(f, "/new.txt", O_WRONLY | O_EXCL), -EEXIST);
	assert_int_equal(create_err(f, "/sub", O_WRONLY | O_EXCL), -EEXIST);
	assert_int_equal(create_err(f, "/link_in", O_WRONLY | O_EXCL), -EEXIST);
	/* Otherwise an existing regular file is opened, and truncated. */
	h = create_ok(f, "/new.txt", 0600, O_RDWR, &st);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(ops->release("/new.txt", h, f->dir), 0);
	h = create_ok(f, "/new.txt", 0600, O_WRONLY | O_TRUNC, &st);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(ops->release("/new.txt", h, f->dir), 0);
	assert_int_equal(create_err(f, "/sub", O_WRONLY), -EISDIR);
	assert_int_equal(create_err(f, "/fifo", O_WRONLY), -ENXIO);
	assert_int_equal(create_err(f, "/link_in", O_WRONLY), -ELOOP);
	assert_int_equal(create_err(f, "/missing/x", O_WRONLY), -ENOENT);
	assert_int_equal(create_err(f, "/file.txt/x", O_WRONLY), -ENOTDIR);
	assert_int_equal(create_err(f, "/", O_WRONLY), -EISDIR);
	assert_int_equal(create_err(f, "/", O_WRONLY | O_EXCL), -EEXIST);

	/* Modes are exact (the umask is 0) and include the special bits. */
	h = create_ok(f, "/sub/odd", 01711, O_RDONLY | O_EXCL, &st);
	assert_int_equal(st.st_mode & 07777, 01711);
	assert_int_equal(ops->release("/sub/odd", h, f->dir), 0);
	/* But never set-ID root (directory.h). */
	if (geteuid() == 0) {
		assert_int_equal(ops->create("/sub/suid", 04755, O_WRONLY, &h,
					     &st, f->dir),
				 -EPERM);
		assert_int_equal(ops->create("/sub/sgid", 02755, O_WRONLY, &h,
					     &st, f->dir),
				 -EPERM);
		assert_int_equal(ops->mknod("/sub/fifo", S_IFIFO | 04644, 0,
					    &st, f->dir),
				 -EPERM);
		assert_int_equal(ops->getattr("/sub/suid", &st, f->dir),
				 -ENOENT);
	}
}

static void test_write_offsets(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	char buf[32];
	uint64_t h;

	h = create_ok(f, "/w.txt", 0644, O_RDWR | O_EXCL, &st);
	assert_int_equal(write_at(f, h, 0, "0123456789"), 10);
	assert_int_equal(write_at(f, h, 3, "abc"), 3);
	assert_int_equal(read_at(f, h, 0, sizeof(buf), buf), 10);
	assert_memory_equal(buf, "012abc6789", 10);
	/* Past the end: a hole of zeros. */
	assert_int_equal(write_at(f, h, 1 << 20, "end"), 3);
	assert_int_equal(ops->fgetattr("/w.txt", h, &st, f->dir), 0);
	assert_int_equal(st.st_size, (1 << 20) + 3);
	assert_true(st.st_blocks * 512 < (1 << 20));
	assert_int_equal(read_at(f, h, 4096, 4, buf), 4);
	assert_memory_equal(buf, "\0\0\0\0", 4);
	assert_int_equal(write_at(f, h, UINT64_MAX, "x"), -EINVAL);
	assert_int_equal(ops->release("/w.txt", h, f->dir), 0);
	assert_int_equal(write_at(f, h, 0, "x"), -EBADF);

	/* A handle opened for reading does not write. */
	h = open_ok(f, "/w.txt");
	assert_int_equal(write_at(f, h, 0, "x"), -EBADF);
	assert_int_equal(ops->release("/w.txt", h, f->dir), 0);

	/* With O_APPEND the data goes to the end, whatever the offset. */
	assert_int_equal(
		ops->open("/file.txt", O_WRONLY | O_APPEND, &h, f->dir), 0);
	assert_int_equal(write_at(f, h, 0, "AB"), 2);
	assert_int_equal(write_at(f, h, 5, "C"), 1);
	assert_int_equal(ops->release("/file.txt", h, f->dir), 0);
	assert_string_equal(host_content(f, "file.txt"), "0123456789ABC");

	/* O_TRUNC on open. */
	assert_int_equal(ops->open("/file.txt", O_RDWR | O_TRUNC, &h, f->dir),
			 0);
	assert_int_equal(ops->fgetattr("/file.txt", h, &st, f->dir), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(ops->release("/file.txt", h, f->dir), 0);
}

static void test_truncate(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	uint64_t h;

	/* By path. */
	assert_int_equal(resize(f, "/file.txt", WFP_NO_HANDLE, 4), 0);
	assert_string_equal(host_content(f, "file.txt"), "0123");
	assert_int_equal(resize(f, "/file.txt", WFP_NO_HANDLE, 100000), 0);
	assert_int_equal(getattr(f, "/file.txt", &st), 0);
	assert_int_equal(st.st_size, 100000);
	assert_int_equal(resize(f, "/sub", WFP_NO_HANDLE, 0), -EISDIR);
	assert_int_equal(resize(f, "/fifo", WFP_NO_HANDLE, 0), -EINVAL);
	assert_int_equal(resize(f, "/missing", WFP_NO_HANDLE, 0), -ENOENT);
	/* A symlink is not followed: its target keeps its size. */
	assert_int_not_equal(resize(f, "/link_in", WFP_NO_HANDLE, 1), 0);
	assert_int_equal(getattr(f, "/file.txt", &st), 0);
	assert_int_equal(st.st_size, 100000);

	/* By handle: the open file; one open for reading cannot. */
	assert_int_equal(ops->open("/file.txt", O_WRONLY, &h, f->dir), 0);
	assert_int_equal(resize(f, "/file.txt", h, 2), 0);
	assert_string_equal(host_content(f, "file.txt"), "01");
	assert_int_equal(ops->release("/file.txt", h, f->dir), 0);
	h = open_ok(f, "/file.txt");
	assert_int_equal(resize(f, "/file.txt", h, 0), -EINVAL);
	assert_int_equal(ops->release("/file.txt", h, f->dir), 0);
	assert_int_equal(resize(f, "/file.txt", h, 0), -EBADF);
}

static void test_mkdir_rmdir(void **state)
{
	struct fixture *f = *state;
	struct stat st, host_st;

	memset(&st, 0, sizeof(st));
	assert_int_equal(ops->mkdir("/d", 0750, &st, f->dir), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(stat(host(f, "d"), &host_st), 0);
	assert_int_equal(host_st.st_ino, st.st_ino);
	assert_int_equal(ops->mkdir("/d", 0750, &st, f->dir), -EEXIST);
	assert_int_equal(ops->mkdir("/d/e", 01777, &st, f->dir), 0);
	assert_int_equal(st.st_mode & 07777, 01777);
	assert_int_equal(ops->mkdir("/missing/e", 0700, &st, f->dir), -ENOENT);
	assert_int_equal(ops->mkdir("/", 0700, &st, f->dir), -EEXIST);

	assert_int_equal(ops->rmdir("/d", f->dir), -ENOTEMPTY);
	assert_int_equal(ops->rmdir("/file.txt", f->dir), -ENOTDIR);
	assert_int_equal(ops->rmdir("/link_dir_rel", f->dir), -ENOTDIR);
	assert_int_equal(ops->rmdir("/d/e", f->dir), 0);
	assert_int_equal(ops->rmdir("/d", f->dir), 0);
	assert_int_equal(ops->rmdir("/d", f->dir), -ENOENT);
	assert_int_equal(ops->rmdir("/", f->dir), -EBUSY);
	assert_int_equal(stat(host(f, "d"), &host_st), -1);
}

static void test_unlink(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(ops->unlink("/file.txt", f->dir), 0);
	assert_int_equal(getattr(f, "/file.txt", &st), -ENOENT);
	assert_int_equal(ops->unlink("/file.txt", f->dir), -ENOENT);
	assert_int_equal(ops->unlink("/sub", f->dir), -EISDIR);
	assert_int_equal(ops->unlink("/", f->dir), -EISDIR);
	assert_int_equal(ops->unlink("/fifo", f->dir), 0);
	/* A symlink goes, not its target. */
	assert_int_equal(ops->unlink("/link_out", f->dir), 0);
	assert_int_equal(ops->unlink("/link_dir_out", f->dir), 0);
	assert_int_equal(access(host(f, "../outside/secret.txt"), F_OK), 0);
	assert_int_equal(ops->unlink("/link_dir_rel/secret.txt", f->dir),
			 -ELOOP);
	assert_int_equal(access(host(f, "../outside/secret.txt"), F_OK), 0);
}

static void test_rename(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	put_file(f->root, "a", "AAA");
	put_file(f->root, "b", "BBB");
	assert_int_equal(ops->rename("/a", "/sub/c", 0, f->dir), 0);
	assert_string_equal(host_content(f, "sub/c"), "AAA");
	assert_int_equal(getattr(f, "/a", &st), -ENOENT);
	/* Over an existing file. */
	assert_int_equal(ops->rename("/sub/c", "/b", 0, f->dir), 0);
	assert_string_equal(host_content(f, "b"), "AAA");
	/* RENAME_NOREPLACE. */
	assert_int_equal(
		ops->rename("/b", "/file.txt", RENAME_NOREPLACE, f->dir),
		-EEXIST);
	assert_string_equal(host_content(f, "file.txt"), "0123456789");
	assert_int_equal(ops->rename("/b", "/a", RENAME_NOREPLACE, f->dir), 0);
	/* RENAME_EXCHANGE: both must exist, and swap. */
	assert_int_equal(
		ops->rename("/a", "/file.txt", RENAME_EXCHANGE, f->dir), 0);
	assert_string_equal(host_content(f, "a"), "0123456789");
	assert_string_equal(host_content(f, "file.txt"), "AAA");
	assert_int_equal(ops->rename("/a", "/nothing", RENAME_EXCHANGE, f->dir),
			 -ENOENT);
	assert_int_equal(ops->rename("/missing", "/x", 0, f->dir), -ENOENT);
	assert_int_equal(ops->rename("/a", "/sub", 0, f->dir), -EISDIR);
	assert_int_equal(ops->rename("/sub", "/sub/x", 0, f->dir), -EINVAL);
	assert_int_equal(ops->rename("/", "/x", 0, f->dir), -EBUSY);
	assert_int_equal(ops->rename("/a", "/", 0, f->dir), -EBUSY);
	assert_int_equal(ops->rename("/a", "/b", 1u << 30, f->dir), -EINVAL);
	/* A directory moves with its contents. */
	assert_int_equal(ops->rename("/sub", "/moved", 0, f->dir), 0);
	assert_string_equal(host_content(f, "moved/secret.txt"), INSIDE);
}

static void test_symlink_create(void **state)
{
	struct fixture *f = *state;
	char target[4096];
	struct stat st;

	memset(&st, 0, sizeof(st));
	assert_int_equal(ops->symlink("/l", "../outside/whatever", &st, f->dir),
			 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_size, strlen("../outside/whatever"));
	assert_int_equal(ops->readlink("/l", target, sizeof(target), f->dir),
			 0);
	assert_string_equal(target, "../outside/whatever");
	assert_int_equal(ops->symlink("/l", "x", &st, f->dir), -EEXIST);
	assert_int_equal(ops->symlink("/sub/l2", "/etc/passwd", &st, f->dir),
			 0);
	assert_int_equal(
		ops->readlink("/sub/l2", target, sizeof(target), f->dir), 0);
	assert_string_equal(target, "/etc/passwd");
	assert_int_equal(ops->symlink("/", "x", &st, f->dir), -EEXIST);
	/* Never resolved: nothing appears where it points. */
	assert_int_equal(access(host(f, "../outside/whatever"), F_OK), -1);
}

static void test_link(void **state)
{
	struct fixture *f = *state;
	struct stat st, orig;

	assert_int_equal(getattr(f, "/file.txt", &orig), 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(ops->link("/file.txt", "/sub/hard", &st, f->dir), 0);
	assert_int_equal(st.st_ino, orig.st_ino);
	assert_int_equal(st.st_nlink, 2);
	assert_int_equal(getattr(f, "/file.txt", &st), 0);
	assert_int_equal(st.st_nlink, 2);
	assert_string_equal(host_content(f, "sub/hard"), "0123456789");
	assert_int_equal(ops->link("/file.txt", "/sub/hard", &st, f->dir),
			 -EEXIST);
	assert_int_equal(ops->link("/sub", "/sub2", &st, f->dir), -EPERM);
	assert_int_equal(ops->link("/", "/x", &st, f->dir), -EPERM);
	assert_int_equal(ops->link("/file.txt", "/", &st, f->dir), -EEXIST);
	assert_int_equal(ops->link("/missing", "/x", &st, f->dir), -ENOENT);
	/* A symlink is linked itself, not its target. */
	assert_int_equal(ops->link("/link_out", "/hard_link", &st, f->dir), 0);
	assert_true(S_ISLNK(st.st_mode));
}

static void test_chmod_chown(void **state)
{
	struct fixture *f = *state;
	struct stat v, st, lst;
	uint64_t h;

	memset(&v, 0, sizeof(v));
	v.st_mode = 0604;
	assert_int_equal(
		setattr(f, "/file.txt", WFP_NO_HANDLE, &v, WFP_SET_MODE, &st),
		0);
	assert_int_equal(st.st_mode & 07777, 0604);
	assert_true(S_ISREG(st.st_mode));
	v.st_mode = 0700;
	assert_int_equal(
		setattr(f, "/fifo", WFP_NO_HANDLE, &v, WFP_SET_MODE, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* A symlink's mode cannot change: EOPNOTSUPP, as on Linux. */
	assert_int_equal(lstat(host(f, "link_in"), &lst), 0);
	assert_int_equal(
		setattr(f, "/link_in", WFP_NO_HANDLE, &v, WFP_SET_MODE, &st),
		-EOPNOTSUPP);
	assert_int_equal(getattr(f, "/file.txt", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0604);

	/* By handle. */
	h = open_ok(f, "/file.txt");
	v.st_mode = 0640;
	assert_int_equal(setattr(f, "/file.txt", h, &v, WFP_SET_MODE, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	/* chown to one's own ids works for anyone. */
	v.st_uid = getuid();
	v.st_gid = getgid();
	assert_int_equal(
		setattr(f, "/file.txt", h, &v, WFP_SET_UID | WFP_SET_GID, &st),
		0);
	assert_int_equal(st.st_uid, getuid());
	assert_int_equal(ops->release("/file.txt", h, f->dir), 0);
	assert_int_equal(
		setattr(f, "/link_in", WFP_NO_HANDLE, &v, WFP_SET_GID, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_gid, getgid());
	assert_int_equal(
		setattr(f, "/missing", WFP_NO_HANDLE, &v, WFP_SET_UID, &st),
		-ENOENT);
}

static void test_utimens(void **state)
{
	struct fixture *f = *state;
	struct stat v, st, target;
	struct timespec before;
	uint64_t h;

	memset(&v, 0, sizeof(v));
	v.st_atim.tv_sec = 1000000000;
	v.st_atim.tv_nsec = 123;
	v.st_mtim.tv_sec = 1700000000;
	v.st_mtim.tv_nsec = 456789;
	assert_int_equal(setattr(f, "/file.txt", WFP_NO_HANDLE, &v,
				 WFP_SET_ATIME | WFP_SET_MTIME, &st),
			 0);
	assert_int_equal(st.st_atim.tv_sec, 1000000000);
	assert_int_equal(st.st_atim.tv_nsec, 123);
	assert_int_equal(st.st_mtim.tv_sec, 1700000000);
	assert_int_equal(st.st_mtim.tv_nsec, 456789);

	/* Only mtime, to "now": atime stays. */
	clock_gettime(CLOCK_REALTIME, &before);
	v.st_mtim.tv_nsec = UTIME_NOW;
	assert_int_equal(
		setattr(f, "/file.txt", WFP_NO_HANDLE, &v, WFP_SET_MTIME, &st),
		0);
	assert_int_equal(st.st_atim.tv_sec, 1000000000);
	assert_true(st.st_mtim.tv_sec >= before.tv_sec - 1);

	/* By handle. */
	h = open_ok(f, "/file.txt");
	v.st_atim.tv_nsec = UTIME_NOW;
	v.st_mtim.tv_sec = 5;
	v.st_mtim.tv_nsec = 0;
	assert_int_equal(setattr(f, "/file.txt", h, &v,
				 WFP_SET_ATIME | WFP_SET_MTIME, &st),
			 0);
	assert_int_equal(st.st_mtim.tv_sec, 5);
	assert_true(st.st_atim.tv_sec >= before.tv_sec - 1);
	assert_int_equal(ops->release("/file.txt", h, f->dir), 0);

	/* A symlink's own times change, not its target's. */
	v.st_mtim.tv_sec = 77;
	assert_int_equal(
		setattr(f, "/link_in", WFP_NO_HANDLE, &v, WFP_SET_MTIME, &st),
		0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_mtim.tv_sec, 77);
	assert_int_equal(getattr(f, "/file.txt", &target), 0);
	assert_int_equal(target.st_mtim.tv_sec, 5);
}

static void test_fsync(void **state)
{
	struct fixture *f = *state;
	uint64_t h = open_ok(f, "/file.txt");

	assert_int_equal(ops->fsync("/file.txt", h, false, f->dir), 0);
	assert_int_equal(ops->fsync("/file.txt", h, true, f->dir), 0);
	assert_int_equal(ops->flush("/file.txt", h, f->dir), 0);
	assert_int_equal(ops->flush("/file.txt", h, f->dir), 0);
	assert_int_equal(ops->release("/file.txt", h, f->dir), 0);
	assert_int_equal(ops->fsync("/file.txt", h, false, f->dir), -EBADF);
	assert_int_equal(ops->flush("/file.txt", h, f->dir), -EBADF);
	/* Without a handle: a directory. */
	assert_int_equal(ops->fsync("/", WFP_NO_HANDLE, false, f->dir), 0);
	assert_int_equal(ops->fsync("/sub", WFP_NO_HANDLE, true, f->dir), 0);
	assert_int_equal(ops->fsync("/file.txt", WFP_NO_HANDLE, true, f->dir),
			 -ENOTDIR);
	assert_int_equal(
		ops->fsync("/link_dir_rel", WFP_NO_HANDLE, true, f->dir),
		-ELOOP);
}

static void test_mknod(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	memset(&st, 0, sizeof(st));
	assert_int_equal(ops->mknod("/sub/p", S_IFIFO | 0620, 0, &st, f->dir),
			 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0620);
	assert_int_equal(ops->mknod("/r", S_IFREG | 0600, 0, &st, f->dir), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(ops->mknod("/r", S_IFREG | 0600, 0, &st, f->dir),
			 -EEXIST);
	/* Device nodes are refused even to root (directory.h). */
	assert_int_equal(
		ops->mknod("/null", S_IFCHR | 0666, makedev(1, 3), &st, f->dir),
		-EPERM);
	assert_int_equal(
		ops->mknod("/blk", S_IFBLK | 0666, makedev(7, 0), &st, f->dir),
		-EPERM);
	assert_int_equal(access(host(f, "null"), F_OK), -1);
}

static void test_fallocate(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	char buf[16];
	uint64_t h;
	int rc;

	assert_int_equal(ops->open("/file.txt", O_RDWR, &h, f->dir), 0);
	assert_int_equal(ops->fallocate("/file.txt", h, 0, 0, 8192, f->dir), 0);
	assert_int_equal(ops->fgetattr("/file.txt", h, &st, f->dir), 0);
	assert_int_equal(st.st_size, 8192);
	assert_int_equal(ops->fallocate("/file.txt", h, FALLOC_FL_KEEP_SIZE,
					8192, 8192, f->dir),
			 0);
	assert_int_equal(ops->fgetattr("/file.txt", h, &st, f->dir), 0);
	assert_int_equal(st.st_size, 8192);
	assert_true(st.st_blocks * 512 >= 16384);
	rc = ops->fallocate("/file.txt", h,
			    FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096,
			    f->dir);
	assert_true(rc == 0 || rc == -EOPNOTSUPP);
	if (rc == 0) {
		assert_int_equal(read_at(f, h, 0, 10, buf), 10);
		assert_memory_equal(buf, "\0\0\0\0\0\0\0\0\0\0", 10);
	}
	/* Length 0 and punching without keeping the size: as Linux says. */
	assert_int_equal(ops->fallocate("/file.txt", h, 0, 0, 0, f->dir),
			 -EINVAL);
	assert_int_equal(ops->fallocate("/file.txt", h, FALLOC_FL_PUNCH_HOLE, 0,
					1, f->dir),
			 -EOPNOTSUPP);
	assert_int_equal(ops->release("/file.txt", h, f->dir), 0);
	h = open_ok(f, "/file.txt");
	assert_int_equal(ops->fallocate("/file.txt", h, 0, 0, 1, f->dir),
			 -EBADF);
	assert_int_equal(ops->release("/file.txt", h, f->dir), 0);
}

/* Whether user.* xattrs work where the fixture lives; says so if not. */
static bool user_xattrs(struct fixture *f)
{
	if (setxattr(host(f, "file.txt"), "user.probe", "1", 1, 0) == 0) {
		assert_int_equal(removexattr(host(f, "file.txt"), "user.probe"),
				 0);
		return true;
	}
	assert_true(errno == ENOTSUP || errno == EOPNOTSUPP);
	print_message("*** SKIPPED xattr assertions: the filesystem of %s "
		      "refuses user.* xattrs (ENOTSUP); set TMPDIR to an "
		      "ext4 or tmpfs directory to run them ***\n",
		      f->root);
	return false;
}

static void test_xattr(void **state)
{
	struct fixture *f = *state;
	char buf[256];
	ssize_t n;

	if (!user_xattrs(f)) {
		/* The refusal still travels. */
		assert_int_equal(
			ops->setxattr("/file.txt", "user.a", "1", 1, 0, f->dir),
			-EOPNOTSUPP);
		return;
	}
	assert_int_equal(ops->setxattr("/file.txt", "user.a", "\0\1v", 3,
				       XATTR_CREATE, f->dir),
			 0);
	assert_int_equal(ops->setxattr("/file.txt", "user.a", "x", 1,
				       XATTR_CREATE, f->dir),
			 -EEXIST);
	assert_int_equal(ops->setxattr("/file.txt", "user.b", "x", 1,
				       XATTR_REPLACE, f->dir),
			 -ENODATA);
	assert_int_equal(ops->setxattr("/file.txt", "user.b", "", 0, 0, f->dir),
			 0);
	n = ops->getxattr("/file.txt", "user.a", buf, sizeof(buf), f->dir);
	assert_int_equal(n, 3);
	assert_memory_equal(buf, "\0\1v", 3);
	assert_int_equal(
		ops->getxattr("/file.txt", "user.b", buf, sizeof(buf), f->dir),
		0);
	assert_int_equal(ops->getxattr("/file.txt", "user.a", buf, 1, f->dir),
			 -ERANGE);
	assert_int_equal(getxattr(host(f, "file.txt"), "user.a", buf, 3), 3);
	n = ops->listxattr("/file.txt", buf, sizeof(buf), f->dir);
	assert_int_equal(n, sizeof("user.a") + sizeof("user.b"));
	assert_true(memmem(buf, (size_t)n, "user.a\0", 7) != NULL);
	assert_true(memmem(buf, (size_t)n, "user.b\0", 7) != NULL);
	assert_int_equal(ops->removexattr("/file.txt", "user.a", f->dir), 0);
	assert_int_equal(ops->removexattr("/file.txt", "user.a", f->dir),
			 -ENODATA);
	assert_int_equal(
		ops->getxattr("/file.txt", "user.a", buf, sizeof(buf), f->dir),
		-ENODATA);
	/* Directories, and FIFOs without opening them. */
	assert_int_equal(ops->setxattr("/sub", "user.d", "dir", 3, 0, f->dir),
			 0);
	assert_int_equal(
		ops->getxattr("/sub", "user.d", buf, sizeof(buf), f->dir), 3);
	assert_int_equal(ops->listxattr("/fifo", buf, sizeof(buf), f->dir), 0);
	/* user.* on a symlink: EPERM, as the kernel answers locally. */
	assert_int_equal(ops->setxattr("/link_in", "user.l", "1", 1, 0, f->dir),
			 -EPERM);
	assert_int_equal(
		ops->getxattr("/link_in", "user.b", buf, sizeof(buf), f->dir),
		-ENODATA);
	assert_int_equal(
		ops->setxattr("/file.txt", "bogus.x", "1", 1, 0, f->dir),
		-EOPNOTSUPP);
	assert_int_equal(
		ops->getxattr("/missing", "user.a", buf, sizeof(buf), f->dir),
		-ENOENT);
}

/* An open file keeps working through its handle after it is unlinked. */
static void test_unlink_while_open(void **state)
{
	struct fixture *f = *state;
	struct stat st, v;
	char buf[32];
	uint64_t h;

	h = create_ok(f, "/gone.txt", 0644, O_RDWR | O_EXCL, &st);
	assert_int_equal(write_at(f, h, 0, "before"), 6);
	assert_int_equal(ops->unlink("/gone.txt", f->dir), 0);
	assert_int_equal(getattr(f, "/gone.txt", &st), -ENOENT);
	/* A new file of the same name is another file. */
	put_file(f->root, "gone.txt", "other");

	assert_int_equal(write_at(f, h, 6, " after"), 6);
	assert_int_equal(read_at(f, h, 0, sizeof(buf), buf), 12);
	assert_memory_equal(buf, "before after", 12);
	assert_int_equal(ops->fgetattr("/gone.txt", h, &st, f->dir), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(st.st_size, 12);
	memset(&v, 0, sizeof(v));
	v.st_size = 3;
	v.st_mode = 0600;
	assert_int_equal(setattr(f, "/gone.txt", h, &v,
				 WFP_SET_SIZE | WFP_SET_MODE, &st),
			 0);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(ops->fsync("/gone.txt", h, false, f->dir), 0);
	assert_int_equal(ops->fallocate("/gone.txt", h, 0, 0, 100, f->dir), 0);
	assert_int_equal(ops->flush("/gone.txt", h, f->dir), 0);
	assert_int_equal(ops->release("/gone.txt", h, f->dir), 0);
	assert_string_equal(host_content(f, "gone.txt"), "other");

	/* Renamed while open: the same. */
	h = create_ok(f, "/moving", 0644, O_RDWR | O_EXCL, &st);
	assert_int_equal(ops->rename("/moving", "/sub/moved", 0, f->dir), 0);
	assert_int_equal(write_at(f, h, 0, "data"), 4);
	assert_int_equal(ops->release("/moving", h, f->dir), 0);
	assert_string_equal(host_content(f, "sub/moved"), "data");
}

/* How many of the pages of the @size bytes of @rel the page cache holds. */
static size_t cached_pages(struct fixture *f, const char *rel, size_t size)
{
	size_t pages = (size + 4095) / 4096, n = 0;
	unsigned char *vec = malloc(pages);
	int fd = open(host(f, rel), O_RDONLY);
	void *map;

	assert_non_null(vec);
	assert_true(fd >= 0);
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mincore(map, size, vec), 0);
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	munmap(map, size);
	close(fd);
	free(vec);
	return n;
}

/* Whether the filesystem of the lent directory takes O_DIRECT at all. */
static bool takes_direct(struct fixture *f)
{
	int fd = open(host(f, "file.txt"), O_RDONLY | O_DIRECT);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * Large aligned writes skip the page cache (directory.h), and whatever
 * mix of writes and reads comes, the file holds the last data written.
 */
static void test_direct_writes(void **state)
{
	enum { SIZE = 1 << 20 };
	struct fixture *f = *state;
	struct wfdir_options cached = {.max_open = 4, .cached_writes = true};
	struct wfdir *cached_dir;
	char *data = malloc(SIZE), *back = malloc(SIZE);
	struct stat st;
	uint64_t h;

	assert_non_null(data);
	assert_non_null(back);
	for (size_t i = 0; i < SIZE; i++)
		data[i] = (char)(i * 7 + i / 4096);
	h = create_ok(f, "/big", 0644, O_RDWR | O_EXCL, &st);
	/* Unaligned (buffered) first, then a direct write over it. */
	assert_int_equal(ops->write("/big", h, "head", 4, 100, f->dir), 4);
	assert_int_equal(ops->write("/big", h, data, SIZE, 0, f->dir), SIZE);
	if (takes_direct(f))
		assert_int_equal(cached_pages(f, "big", SIZE), 0);
	else
		print_message(
			"no O_DIRECT here: only the content is checked\n");
	assert_int_equal(ops->read("/big", h, back, SIZE, 0, f->dir), SIZE);
	assert_memory_equal(back, data, SIZE);
	/* A buffered write into the cached pages, then a direct one again. */
	assert_int_equal(ops->write("/big", h, "tail", 4, 4096 + 5, f->dir), 4);
	assert_int_equal(ops->read("/big", h, back, 16, 4096, f->dir), 16);
	assert_memory_equal(back, data + 4096, 5);
	assert_memory_equal(back + 5, "tail", 4);
	data[4096 + 5] = 'T';
	assert_int_equal(ops->write("/big", h, data, SIZE, SIZE, f->dir), SIZE);
	assert_int_equal(ops->write("/big", h, data, SIZE, 0, f->dir), SIZE);
	assert_int_equal(ops->read("/big", h, back, SIZE, 0, f->dir), SIZE);
	assert_memory_equal(back, data, SIZE);
	assert_int_equal(ops->read("/big", h, back, SIZE, SIZE, f->dir), SIZE);
	assert_memory_equal(back, data, SIZE);
	/* Neither an unaligned offset nor a short write goes direct. */
	assert_int_equal(ops->write("/big", h, data, SIZE - 1, 1, f->dir),
			 SIZE - 1);
	assert_int_equal(ops->read("/big", h, back, SIZE, 0, f->dir), SIZE);
	assert_int_equal(back[0], data[0]);
	assert_memory_equal(back + 1, data, SIZE - 1);
	assert_int_equal(ops->release("/big", h, f->dir), 0);

	/* A handle opened for reading writes no more for being direct. */
	h = open_ok(f, "/big");
	assert_int_equal(ops->write("/big", h, data, SIZE, 0, f->dir), -EBADF);
	assert_int_equal(ops->release("/big", h, f->dir), 0);

	/* Appending: at the end, whatever the offset. */
	assert_int_equal(ops->open("/big", O_WRONLY | O_APPEND, &h, f->dir), 0);
	assert_int_equal(ops->write("/big", h, data, SIZE, 0, f->dir), SIZE);
	assert_int_equal(ops->release("/big", h, f->dir), 0);
	assert_int_equal(stat(host(f, "big"), &st), 0);
	assert_int_equal(st.st_size, 3 * SIZE);

	/* cached_writes: the same write stays in the page cache. */
	cached_dir = wfdir_create(f->root, &cached);
	assert_non_null(cached_dir);
	assert_int_equal(ops->create("/cached", 0644, O_RDWR | O_EXCL, &h, &st,
				     cached_dir),
			 0);
	assert_int_equal(ops->write("/cached", h, data, SIZE, 0, cached_dir),
			 SIZE);
	assert_int_equal(cached_pages(f, "cached", SIZE), SIZE / 4096);
	assert_int_equal(ops->release("/cached", h, cached_dir), 0);
	wfdir_destroy(cached_dir);
	free(data);
	free(back);
}

static int setup_read_only(void **state)
{
	struct fixture *f;

	make_fixture(state);
	f = *state;
	f->dir = lend(f->root, 4, true, NULL);
	assert_non_null(f->dir);
	return 0;
}

/* Read-only: every change fails with EROFS, reading still works. */
static void test_read_only(void **state)
{
	struct fixture *f = *state;
	struct stat st, v;
	char buf[16];
	uint64_t h;

	memset(&v, 0, sizeof(v));
	v.st_mode = 0600;
	assert_int_equal(open_err(f, "/file.txt", O_WRONLY), -EROFS);
	assert_int_equal(open_err(f, "/file.txt", O_RDWR), -EROFS);
	assert_int_equal(open_err(f, "/file.txt", O_RDONLY | O_TRUNC), -EROFS);
	assert_int_equal(open_err(f, "/file.txt", O_RDONLY | O_APPEND), -EROFS);
	assert_int_equal(create_err(f, "/new", O_WRONLY), -EROFS);
	assert_int_equal(create_err(f, "/file.txt", O_RDONLY), -EROFS);
	assert_int_equal(
		setattr(f, "/file.txt", WFP_NO_HANDLE, &v, WFP_SET_MODE, &st),
		-EROFS);
	assert_int_equal(ops->mkdir("/d", 0700, &st, f->dir), -EROFS);
	assert_int_equal(ops->mknod("/p", S_IFIFO | 0600, 0, &st, f->dir),
			 -EROFS);
	assert_int_equal(ops->symlink("/l", "x", &st, f->dir), -EROFS);
	assert_int_equal(ops->link("/file.txt", "/h", &st, f->dir), -EROFS);
	assert_int_equal(ops->unlink("/file.txt", f->dir), -EROFS);
	assert_int_equal(ops->rmdir("/sub", f->dir), -EROFS);
	assert_int_equal(ops->rename("/file.txt", "/r", 0, f->dir), -EROFS);
	assert_int_equal(
		ops->setxattr("/file.txt", "user.a", "1", 1, 0, f->dir),
		-EROFS);
	assert_int_equal(ops->removexattr("/file.txt", "user.a", f->dir),
			 -EROFS);
	assert_int_equal(ops->access("/file.txt", W_OK, f->dir), -EROFS);
	assert_int_equal(ops->access("/missing", W_OK, f->dir), -ENOENT);

	/* Through a handle open for reading, too. */
	h = open_ok(f, "/file.txt");
	assert_int_equal(write_at(f, h, 0, "x"), -EROFS);
	assert_int_equal(ops->fallocate("/file.txt", h, 0, 0, 1, f->dir),
			 -EROFS);
	assert_int_equal(resize(f, "/file.txt", h, 0), -EROFS);
	assert_int_equal(read_at(f, h, 0, 4, buf), 4);
	assert_int_equal(ops->fsync("/file.txt", h, false, f->dir), 0);
	assert_int_equal(ops->flush("/file.txt", h, f->dir), 0);
	assert_int_equal(ops->release("/file.txt", h, f->dir), 0);
	assert_int_equal(ops->access("/file.txt", R_OK, f->dir), 0);
	assert_int_equal(ops->listxattr("/file.txt", buf, sizeof(buf), f->dir),
			 0);

	assert_string_equal(host_content(f, "file.txt"), "0123456789");
	assert_int_equal(lstat(host(f, "new"), &st), -1);
	assert_int_equal(lstat(host(f, "d"), &st), -1);
}

static int setup_single(void **state)
{
	struct fixture *f;

	make_fixture(state);
	f = *state;
	f->dir = lend(f->root, 4, false, "file.txt");
	assert_non_null(f->dir);
	return 0;
}

static void test_single_create(void **state)
{
	struct fixture *f = *state;

	assert_null(lend(f->root, 4, false, "link_in"));
	assert_int_equal(errno, ELOOP);
	assert_null(lend(f->root, 4, false, "sub"));
	assert_int_equal(errno, EISDIR);
	assert_null(lend(f->root, 4, false, "fifo"));
	assert_int_equal(errno, ENXIO);
	assert_null(lend(f->root, 4, false, "missing"));
	assert_int_equal(errno, ENOENT);
	assert_null(lend(f->root, 4, false, "sub/secret.txt"));
	assert_int_equal(errno, EINVAL);
	assert_null(lend(f->root, 4, false, ".."));
	assert_int_equal(errno, EINVAL);
	assert_null(lend(f->root, 4, false, ""));
	assert_int_equal(errno, EINVAL);
	assert_null(lend(f->root, 4, false, "\xff"));
	assert_int_equal(errno, EILSEQ);
}

/* Single-file mode: the root holds the one file, and nothing else. */
static void test_single_file(void **state)
{
	struct fixture *f = *state;
	struct wfp_dirbuf *buf = wfp_dirbuf_create(100);
	struct stat st, v, parent;
	json_t *entries;
	char data[16];
	uint64_t h;

	assert_int_equal(ops->readdir("/", buf, f->dir), 0);
	entries = wfp_dirbuf_entries(buf);
	assert_int_equal(json_array_size(entries), 1);
	assert_string_equal(type_of(entries, "file.txt"), "reg");
	wfp_dirbuf_destroy(buf);
	buf = wfp_dirbuf_create(100);
	assert_int_equal(ops->readdir("/file.txt", buf, f->dir), -ENOTDIR);
	assert_int_equal(ops->readdir("/sub", buf, f->dir), -ENOENT);
	wfp_dirbuf_destroy(buf);

	/* "/" is the directory holding the file. */
	assert_int_equal(getattr(f, "/", &st), 0);
	assert_int_equal(stat(f->root, &parent), 0);
	assert_int_equal(st.st_ino, parent.st_ino);
	assert_int_equal(getattr(f, "/file.txt", &st), 0);
	assert_int_equal(st.st_size, 10);

	/* Nothing else is there. */
	static const char *const hidden[] = {
		"/sub",	    "/sub/secret.txt", "/link_in", "/fifo",
		"/missing", "/file.txt/x",     "/\xff",
	};
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		assert_int_equal(getattr(f, hidden[i], &st), -ENOENT);
		assert_int_equal(open_err(f, hidden[i], O_RDONLY), -ENOENT);
		assert_int_equal(ops->access(hidden[i], F_OK, f->dir), -ENOENT);
		assert_int_equal(ops->unlink(hidden[i], f->dir), -ENOENT);
		assert_int_equal(ops->getxattr(hidden[i], "user.a", data,
					       sizeof(data), f->dir),
				 -ENOENT);
	}
	assert_int_equal(ops->rmdir("/sub", f->dir), -ENOENT);
	assert_int_equal(ops->rename("/sub", "/x", 0, f->dir), -ENOENT);

	/* The file's content and attributes may change. */
	assert_int_equal(ops->open("/file.txt", O_RDWR, &h, f->dir), 0);
	assert_int_equal(write_at(f, h, 0, "AB"), 2);
	assert_int_equal(read_at(f, h, 0, 4, data), 4);
	assert_memory_equal(data, "AB23", 4);
	assert_int_equal(ops->release("/file.txt", h, f->dir), 0);
	memset(&v, 0, sizeof(v));
	v.st_mode = 0600;
	assert_int_equal(
		setattr(f, "/file.txt", WFP_NO_HANDLE, &v, WFP_SET_MODE, &st),
		0);
	assert_int_equal(ops->access("/file.txt", W_OK, f->dir), 0);
	/* create without O_EXCL opens it, as for any existing file. */
	h = create_ok(f, "/file.txt", 0644, O_RDWR, &st);
	assert_int_equal(st.st_size, 10);
	assert_int_equal(ops->release("/file.txt", h, f->dir), 0);

	/* The root's entries may not be added, removed or renamed. */
	assert_int_equal(create_err(f, "/new", O_WRONLY), -EPERM);
	assert_int_equal(create_err(f, "/file.txt", O_WRONLY | O_EXCL), -EPERM);
	assert_int_equal(create_err(f, "/sub/new", O_WRONLY), -ENOENT);
	assert_int_equal(ops->mkdir("/d", 0700, &st, f->dir), -EPERM);
	assert_int_equal(ops->mkdir("/sub", 0700, &st, f->dir), -EPERM);
	assert_int_equal(ops->mknod("/p", S_IFIFO | 0600, 0, &st, f->dir),
			 -EPERM);
	assert_int_equal(ops->symlink("/l", "x", &st, f->dir), -EPERM);
	assert_int_equal(ops->link("/file.txt", "/h", &st, f->dir), -EPERM);
	assert_int_equal(ops->unlink("/file.txt", f->dir), -EPERM);
	assert_int_equal(ops->rename("/file.txt", "/r", 0, f->dir), -EPERM);
	assert_int_equal(ops->rename("/file.txt", "/file.txt", 0, f->dir),
			 -EPERM);
	assert_int_equal(ops->rmdir("/file.txt", f->dir), -EPERM);
	/* Nor the root itself. */
	assert_int_equal(setattr(f, "/", WFP_NO_HANDLE, &v, WFP_SET_MODE, &st),
			 -EPERM);
	assert_int_equal(ops->setxattr("/", "user.a", "1", 1, 0, f->dir),
			 -EPERM);
	assert_int_equal(ops->access("/", W_OK, f->dir), -EACCES);
	assert_int_equal(ops->access("/", R_OK | X_OK, f->dir), 0);
	assert_int_equal(ops->fsync("/", WFP_NO_HANDLE, false, f->dir), 0);

	assert_int_equal(stat(f->root, &st), 0);
	assert_int_equal(st.st_mode, parent.st_mode);
	assert_int_equal(lstat(host(f, "new"), &st), -1);
	assert_int_equal(lstat(host(f, "sub/new"), &st), -1);
	assert_int_equal(lstat(host(f, "d"), &st), -1);
	assert_int_equal(lstat(host(f, "file.txt"), &st), 0);
}

/* The number of entries of the host's directory @path. */
static int count_entries(const char *path)
{
	struct dirent *ent;
	DIR *d = opendir(path);
	int count = 0;

	assert_non_null(d);
	while ((ent = readdir(d))) {
		if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, ".."))
			count++;
	}
	closedir(d);
	return count;
}

/* Fails unless base/ holds root and outside, and outside its secret. */
static void check_outside_untouched(struct fixture *f)
{
	int n = count_entries(f->outside);

	if (n != 1)
		fail_msg("%d entries outside the lent directory", n);
	assert_string_equal(host_content(f, "../outside/secret.txt"), SECRET);
	assert_int_equal(count_entries(f->base), 2);
}

/* No change ever reaches outside the directory. */
static void test_confined_writes(void **state)
{
	struct fixture *f = *state;
	struct stat st, v;
	uint64_t h;
	char buf[8];

	memset(&v, 0, sizeof(v));
	/* ".." and other paths that are no protocol paths. */
	assert_int_equal(create_err(f, "/../outside/new", O_WRONLY), -EINVAL);
	assert_int_equal(ops->mkdir("/sub/../../x", 0700, &st, f->dir),
			 -EINVAL);
	assert_int_equal(ops->rename("/file.txt", "/../x", 0, f->dir), -EINVAL);
	assert_int_equal(ops->rename("/../outside/secret.txt", "/x", 0, f->dir),
			 -EINVAL);
	assert_int_equal(ops->link("/file.txt", "/..", &st, f->dir), -EINVAL);
	assert_int_equal(ops->unlink("/../outside/secret.txt", f->dir),
			 -EINVAL);
	assert_int_equal(ops->symlink("/x/", "t", &st, f->dir), -EINVAL);
	assert_int_equal(ops->mknod("", S_IFIFO | 0600, 0, &st, f->dir),
			 -EINVAL);
	assert_int_equal(ops->rmdir("/sub/..", f->dir), -EINVAL);
	assert_int_equal(ops->setxattr("/..", "user.x", "1", 1, 0, f->dir),
			 -EINVAL);
	assert_int_equal(
		setattr(f, "//file.txt", WFP_NO_HANDLE, &v, WFP_SET_SIZE, &st),
		-EINVAL);

	/* A symlink in the middle: ELOOP, whatever the operation. */
	assert_int_equal(create_err(f, "/link_dir_out/new", O_WRONLY), -ELOOP);
	assert_int_equal(create_err(f, "/link_dir_rel/new", O_WRONLY | O_EXCL),
			 -ELOOP);
	assert_int_equal(ops->mkdir("/link_dir_out/d", 0700, &st, f->dir),
			 -ELOOP);
	assert_int_equal(
		ops->mknod("/link_dir_rel/p", S_IFIFO | 0600, 0, &st, f->dir),
		-ELOOP);
	assert_int_equal(ops->symlink("/link_dir_out/l", "x", &st, f->dir),
			 -ELOOP);
	assert_int_equal(ops->link("/file.txt", "/link_dir_out/h", &st, f->dir),
			 -ELOOP);
	assert_int_equal(
		ops->link("/link_dir_out/secret.txt", "/h", &st, f->dir),
		-ELOOP);
	assert_int_equal(ops->rename("/file.txt", "/link_dir_rel/x", 0, f->dir),
			 -ELOOP);
	assert_int_equal(
		ops->rename("/link_dir_rel/secret.txt", "/stolen", 0, f->dir),
		-ELOOP);
	assert_int_equal(ops->unlink("/link_dir_out/secret.txt", f->dir),
			 -ELOOP);
	assert_int_equal(
		resize(f, "/link_dir_out/secret.txt", WFP_NO_HANDLE, 0),
		-ELOOP);
	assert_int_equal(ops->setxattr("/link_dir_rel/secret.txt", "user.x",
				       "1", 1, 0, f->dir),
			 -ELOOP);

	/* A symlink as the last component is never followed. */
	put_link(f->root, "dangling", "../outside/created");
	assert_int_equal(create_err(f, "/dangling", O_WRONLY), -ELOOP);
	assert_int_equal(create_err(f, "/dangling", O_WRONLY | O_EXCL),
			 -EEXIST);
	assert_int_equal(create_err(f, "/link_out", O_WRONLY | O_TRUNC),
			 -ELOOP);
	assert_int_equal(ops->mkdir("/dangling", 0700, &st, f->dir), -EEXIST);
	assert_int_equal(
		ops->mknod("/dangling", S_IFREG | 0600, 0, &st, f->dir),
		-EEXIST);
	assert_int_equal(ops->symlink("/dangling", "x", &st, f->dir), -EEXIST);
	assert_int_equal(ops->link("/file.txt", "/dangling", &st, f->dir),
			 -EEXIST);
	assert_int_equal(resize(f, "/link_out", WFP_NO_HANDLE, 0), -EINVAL);
	v.st_mode = 0777;
	assert_int_equal(
		setattr(f, "/link_abs", WFP_NO_HANDLE, &v, WFP_SET_MODE, &st),
		-EOPNOTSUPP);
	assert_int_equal(open_err(f, "/link_out", O_RDWR | O_TRUNC), -ELOOP);
	/* Renaming onto a symlink replaces the link, not its target. */
	put_file(f->root, "over", "over");
	assert_int_equal(ops->rename("/over", "/link_out", 0, f->dir), 0);
	assert_int_equal(getattr(f, "/link_out", &st), 0);
	assert_true(S_ISREG(st.st_mode));
	h = create_ok(f, "/link_out", 0644, O_RDWR, &st);
	assert_int_equal(read_at(f, h, 0, sizeof(buf), buf), 4);
	assert_int_equal(ops->release("/link_out", h, f->dir), 0);
	/* Renaming or removing a symlink to a directory moves the link. */
	assert_int_equal(
		ops->rename("/link_dir_out", "/sub/moved_link", 0, f->dir), 0);
	assert_int_equal(ops->unlink("/sub/moved_link", f->dir), 0);
	assert_int_equal(ops->rmdir("/link_dir_rel", f->dir), -ENOTDIR);

	check_outside_untouched(f);
}

/* Swaps root/sub with root/swap, a symlink out, while creating in sub. */
static void test_swap_race_writes(void **state)
{
	struct fixture *f = *state;
	struct swapper s = {.stop = 0, .swaps = 0};
	int made = 0, refused = 0;
	struct stat st;
	pthread_t thread;
	uint64_t h;

	put_link(f->root, "swap", f->outside);
	s.rootfd = open(f->root, O_PATH | O_DIRECTORY);
	assert_true(s.rootfd >= 0);
	assert_int_equal(pthread_create(&thread, NULL, swap_loop, &s), 0);
	for (int i = 0; i < 3000; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/sub/new%d", i);
		if (ops->create(path, 0644, O_WRONLY | O_EXCL, &h, &st,
				f->dir) == 0) {
			made++;
			assert_int_equal(ops->release(path, h, f->dir), 0);
		} else {
			refused++;
		}
		snprintf(path, sizeof(path), "/sub/d%d", i);
		if (ops->mkdir(path, 0700, &st, f->dir) == 0)
			made++;
		else
			refused++;
		/* Wherever file.txt went, it stays inside. */
		ops->rename("/file.txt", "/sub/file.txt", 0, f->dir);
		ops->rename("/sub/file.txt", "/file.txt", 0, f->dir);
		ops->rename("/swap/file.txt", "/file.txt", 0, f->dir);
	}
	s.stop = 1;
	assert_int_equal(pthread_join(thread, NULL), 0);
	close(s.rootfd);
	print_message("swap race (writes): %lu swaps, %d made, %d refused\n",
		      s.swaps, made, refused);
	assert_true(s.swaps > 0 && made > 0);
	check_outside_untouched(f);
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
		cmocka_unit_test_setup_teardown(test_create_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_offsets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_rmdir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_create, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chmod_chown, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_utimens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mknod, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallocate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_xattr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlink_while_open, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_direct_writes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup_read_only,
						teardown),
		cmocka_unit_test_setup_teardown(test_single_create, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_single_file, setup_single,
						teardown),
		cmocka_unit_test_setup_teardown(test_confined_writes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_swap_race_writes, setup,
						teardown),
	};

	/* Modes arrive with the caller's umask applied (directory.h). */
	umask(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
