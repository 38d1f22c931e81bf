/* The operations that lend a local directory, read-only and confined to it. */
#include "directory.h"
#include "path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Handles are generation << SLOT_BITS | slot, below 2^53. */
#define SLOT_BITS 20
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
/* How often to retry a resolution the kernel saw racing with a rename. */
#define RESOLVE_ATTEMPTS 4

struct open_file {
	int fd; /* -1: slot free */
	uint32_t generation;
};

struct wfdir {
	int rootfd;
	struct open_file *files;
	size_t max_open;
	uint32_t generation; /* of the last open: stale handles fail */
};

/*
 * Opens @path (a protocol path) beneath the root with @flags. Every
 * component must be a directory beneath the root; only with
 * O_PATH | O_NOFOLLOW may the last one be a symlink, which is then opened
 * itself. Returns the descriptor or a negative errno.
 */
static int resolve(const struct wfdir *dir, const char *path, int flags)
{
	struct open_how how;
	const char *rel;
	long fd;

	if (!wf_path_valid(path, strnlen(path, WF_PATH_MAX + 1)))
		return -EINVAL;
	rel = path[1] ? path + 1 : ".";
	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_CLOEXEC);
	how.resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	for (int i = 0; i < RESOLVE_ATTEMPTS; i++) {
		fd = syscall(SYS_openat2, dir->rootfd, rel, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN && errno != EINTR)
			break;
	}
	return -errno;
}

struct wfdir *wfdir_create(const char *root, size_t max_open)
{
	struct wfdir *dir;
	int fd;

	if (max_open == 0 || max_open > SLOT_MASK + 1) {
		errno = EINVAL;
		return NULL;
	}
	dir = malloc(sizeof(*dir));
	if (!dir)
		return NULL;
	dir->files = calloc(max_open, sizeof(*dir->files));
	if (!dir->files)
		goto out_free_dir;
	for (size_t i = 0; i < max_open; i++)
		dir->files[i].fd = -1;
	dir->max_open = max_open;
	dir->generation = 0;
	dir->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir->rootfd < 0)
		goto out_free_files;

	/* Fail now, not at the first request, on a kernel without openat2. */
	fd = resolve(dir, "/", O_PATH);
	if (fd < 0) {
		errno = -fd;
		goto out_close_root;
	}
	close(fd);
	return dir;

out_close_root:
	fd = errno;
	close(dir->rootfd);
	errno = fd;
out_free_files:
	free(dir->files);
out_free_dir:
	free(dir);
	return NULL;
}

void wfdir_destroy(struct wfdir *dir)
{
	if (!dir)
		return;
	for (size_t i = 0; i < dir->max_open; i++) {
		if (dir->files[i].fd >= 0)
			close(dir->files[i].fd);
	}
	free(dir->files);
	close(dir->rootfd);
	free(dir);
}

static int dir_getattr(const char *path, struct stat *st, void *user_data)
{
	int fd = resolve(user_data, path, O_PATH | O_NOFOLLOW);
	int rc = 0;

	if (fd < 0)
		return fd;
	if (fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		rc = -errno;
	close(fd);
	return rc;
}

/* Adds the entry @name of the open directory @dfd; 0 or a negative errno. */
static int add_entry(struct wfp_dirbuf *buf, int dfd, const char *name)
{
	struct stat st;
	int rc;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		/* Removed since it was listed: leave it out. */
		return errno == ENOENT ? 0 : -errno;
	rc = wfp_dirbuf_add(buf, name, &st);
	/* A name that cannot travel (not UTF-8) is left out. */
	if (rc == -EINVAL || rc == -EILSEQ || rc == -EEXIST)
		rc = 0;
	return rc;
}

static int dir_readdir(const char *path, struct wfp_dirbuf *buf,
		       void *user_data)
{
	int fd = resolve(user_data, path, O_RDONLY | O_DIRECTORY);
	struct dirent *ent;
	DIR *d;
	int rc = 0;

	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		rc = -errno;
		close(fd);
		return rc;
	}
	for (;;) {
		errno = 0;
		ent = readdir(d);
		if (!ent) {
			rc = -errno;
			break;
		}
		if (strcmp(ent->d_name, ".") == 0 ||
		    strcmp(ent->d_name, "..") == 0)
			continue;
		rc = add_entry(buf, dirfd(d), ent->d_name);
		if (rc)
			break;
	}
	closedir(d);
	return rc;
}

/* The slot of an open file, or NULL for a stale or unknown handle. */
static struct open_file *lookup(struct wfdir *dir, uint64_t handle)
{
	uint64_t slot = handle & SLOT_MASK;
	struct open_file *f;

	if (slot >= dir->max_open || handle >> SLOT_BITS > UINT32_MAX)
		return NULL;
	f = &dir->files[slot];
	if (f->fd < 0 || f->generation != (uint32_t)(handle >> SLOT_BITS))
		return NULL;
	return f;
}

/* Opens the regular file @path for reading; descriptor or negative errno. */
static int open_regular(struct wfdir *dir, const char *path)
{
	struct stat st;
	int fd, rc;

	/* Look before opening: opening a device or FIFO has side effects. */
	fd = resolve(dir, path, O_PATH | O_NOFOLLOW);
	if (fd < 0)
		return fd;
	rc = fstat(fd, &st) ? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -ENXIO;

	fd = resolve(dir, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return fd;
	/* The object may have been replaced since the look. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENXIO;
	}
	return fd;
}

static int dir_open(const char *path, int flags, uint64_t *handle,
		    void *user_data)
{
	struct wfdir *dir = user_data;
	struct open_file *f = NULL;
	size_t slot;
	int fd;

	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_APPEND)))
		return -EROFS;
	for (slot = 0; slot < dir->max_open; slot++) {
		if (dir->files[slot].fd < 0) {
			f = &dir->files[slot];
			break;
		}
	}
	if (!f)
		return -EMFILE;
	fd = open_regular(dir, path);
	if (fd < 0)
		return fd;
	f->fd = fd;
	f->generation = ++dir->generation;
	*handle = (uint64_t)f->generation << SLOT_BITS | slot;
	return 0;
}

static ssize_t dir_read(const char *path, uint64_t handle, char *buf,
			size_t size, uint64_t offset, void *user_data)
{
	struct open_file *f = lookup(user_data, handle);
	ssize_t n;

	(void)path;
	if (!f)
		return -EBADF;
	if (offset > INT64_MAX)
		return -EINVAL;
	do {
		n = pread(f->fd, buf, size, (off_t)offset);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static int dir_release(const char *path, uint64_t handle, void *user_data)
{
	struct open_file *f = lookup(user_data, handle);

	(void)path;
	if (!f)
		return -EBADF;
	close(f->fd);
	f->fd = -1;
	return 0;
}

static int dir_readlink(const char *path, char *buf, size_t size,
			void *user_data)
{
	int fd = resolve(user_data, path, O_PATH | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = readlinkat(fd, "", buf, size);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

static int dir_statfs(const char *path, struct statvfs *st, void *user_data)
{
	int fd = resolve(user_data, path, O_PATH | O_NOFOLLOW);
	int rc = 0;

	if (fd < 0)
		return fd;
	if (fstatvfs(fd, st))
		rc = -errno;
	close(fd);
	return rc;
}

static int dir_access(const char *path, int mask, void *user_data)
{
	int fd = resolve(user_data, path, O_PATH | O_NOFOLLOW);
	int rc = 0;

	if (fd < 0)
		return fd;
	if (mask & W_OK)
		rc = -EROFS;
	else if (mask != F_OK &&
		 faccessat(fd, "", mask, AT_EMPTY_PATH | AT_EACCESS))
		rc = -errno;
	close(fd);
	return rc;
}

const struct wfp_operations wfdir_operations = {
	.getattr = dir_getattr,
	.readdir = dir_readdir,
	.open = dir_open,
	.read = dir_read,
	.release = dir_release,
	.readlink = dir_readlink,
	.statfs = dir_statfs,
	.access = dir_access,
};
