/* The operations that lend a local directory, or one file, confined to it. */
#include "directory.h"
#include "beneath.h"
#include "path.h"
#include "utf8.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Handles are generation << SLOT_BITS | slot, below 2^53. */
#define SLOT_BITS 20
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
/* How often to retry a resolution the kernel saw racing with a rename. */
#define RESOLVE_ATTEMPTS 4
/* The open(2) flags a handle honours (directory.h: not O_DIRECT). */
#define OPEN_FLAGS \
	(O_ACCMODE | O_APPEND | O_TRUNC | O_SYNC | O_DSYNC | O_NOATIME)

/*
 * Writes at least this large, at an offset and of a size that are multiples
 * of DIRECT_ALIGN, go to the disk with O_DIRECT (directory.h).
 */
#define DIRECT_MIN   (256u * 1024)
#define DIRECT_ALIGN 4096u
/* The direct_fd of a file whose writes all go through the page cache. */
#define DIRECT_NONE (-2)

struct open_file {
	int fd;	       /* -1: slot free */
	int direct_fd; /* the file opened again with O_DIRECT; -1: not yet */
	uint32_t generation;
};

struct wfdir {
	int rootfd;
	struct open_file *files;
	size_t max_open;
	uint32_t generation; /* of the last open: stale handles fail */
	bool read_only;
	bool cached_writes; /* no O_DIRECT */
	bool have_proc;	    /* WF_PROC_FD is there */
	char *only;	    /* single-file mode: the one entry of the root */
	char *direct_buf;   /* page-aligned copy of a direct write, mapped */
	size_t direct_cap;
	size_t direct_files; /* open files with a direct_fd */
};

/* What an operation does with the object or entry its path names. */
enum use {
	READS,	 /* looks at the object */
	CHANGES, /* changes the object: contents, attributes, xattrs */
	ADDS,	 /* adds the entry */
	REMOVES, /* removes or renames the entry */
};

/*
 * Whether an operation may @use @path: 0, -EROFS for any change in
 * read-only mode, and in single-file mode (directory.h) -ENOENT for a
 * path not lent, -EPERM for adding, removing or renaming an entry of the
 * root or changing the root.
 */
static int permitted(const struct wfdir *dir, const char *path, enum use use)
{
	const char *name = path + 1;

	if (!wf_path_valid(path, strnlen(path, WF_PATH_MAX + 1)))
		return -EINVAL;
	if (use != READS && dir->read_only)
		return -EROFS;
	if (!dir->only)
		return 0;
	if (!*name)
		return use == READS ? 0 : -EPERM;
	if (strcmp(name, dir->only) == 0)
		return use == ADDS || use == REMOVES ? -EPERM : 0;
	/* An entry of the root may be neither added nor looked up. */
	return use == ADDS && !strchr(name, '/') ? -EPERM : -ENOENT;
}

/*
 * Opens @path (a protocol path) beneath the root with @flags. Every
 * component must be a directory beneath the root; only with
 * O_PATH | O_NOFOLLOW may the last one be a symlink, which is then opened
 * itself. Returns the descriptor or a negative errno.
 */
static int resolve(const struct wfdir *dir, const char *path, int flags)
{
	if (!wf_path_valid(path, strnlen(path, WF_PATH_MAX + 1)))
		return -EINVAL;
	return wf_open_beneath(dir->rootfd, path[1] ? path + 1 : ".", flags,
			       RESOLVE_NO_SYMLINKS);
}

/*
 * The object at @path itself, for an operation that will @use it: an
 * O_PATH descriptor (a symlink is not followed) or a negative errno.
 */
static int look(const struct wfdir *dir, const char *path, enum use use)
{
	int rc = permitted(dir, path, use);

	return rc ? rc : resolve(dir, path, O_PATH | O_NOFOLLOW);
}

/*
 * Opens the directory holding the entry @path names, beneath the root,
 * and points @name at the entry's name inside @path. Returns the O_PATH
 * descriptor, @root_err for "/" (it is no entry: the caller knows the
 * errno the local call gives), or a negative errno.
 */
static int resolve_parent(const struct wfdir *dir, const char *path,
			  const char **name, int root_err)
{
	char parent[WF_PATH_MAX + 1];
	size_t len = strnlen(path, WF_PATH_MAX + 1);
	const char *slash;

	if (!wf_path_valid(path, len))
		return -EINVAL;
	if (len == 1)
		return root_err;
	slash = strrchr(path, '/');
	len = slash == path ? 1 : (size_t)(slash - path);
	memcpy(parent, path, len);
	parent[len] = '\0';
	*name = slash + 1;
	return resolve(dir, parent, O_PATH | O_DIRECTORY);
}

/* The path by which the kernel reaches the object @fd refers to. */
static int proc_path(const struct wfdir *dir, int fd, char *buf)
{
	if (!dir->have_proc)
		return -EOPNOTSUPP;
	wf_proc_path(fd, buf);
	return 0;
}

struct wfdir *wfdir_create(const char *root,
			   const struct wfdir_options *options)
{
	struct wfdir *dir;
	struct stat st;
	int fd, err;

	if (options->max_open == 0 || options->max_open > SLOT_MASK + 1 ||
	    (options->only &&
	     !wf_name_valid(options->only, strlen(options->only)))) {
		errno = EINVAL;
		return NULL;
	}
	if (options->only &&
	    !wf_utf8_valid(options->only, strlen(options->only))) {
		errno = EILSEQ;
		return NULL;
	}
	dir = calloc(1, sizeof(*dir));
	if (!dir)
		return NULL;
	dir->files = calloc(options->max_open, sizeof(*dir->files));
	if (!dir->files)
		goto out_free_dir;
	for (size_t i = 0; i < options->max_open; i++)
		dir->files[i].fd = -1;
	dir->max_open = options->max_open;
	dir->read_only = options->read_only;
	dir->cached_writes = options->cached_writes;
	dir->have_proc = access(WF_PROC_FD, X_OK) == 0;
	if (options->only) {
		dir->only = strdup(options->only);
		if (!dir->only)
			goto out_free_files;
	}
	dir->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir->rootfd < 0)
		goto out_free_only;

	/* Fail now, not at the first request, on a kernel without openat2. */
	fd = resolve(dir, "/", O_PATH);
	if (fd < 0) {
		errno = -fd;
		goto out_close_root;
	}
	close(fd);
	if (dir->only) {
		if (fstatat(dir->rootfd, dir->only, &st, AT_SYMLINK_NOFOLLOW))
			goto out_close_root;
		errno = ENXIO;
		if (S_ISLNK(st.st_mode))
			errno = ELOOP;
		else if (S_ISDIR(st.st_mode))
			errno = EISDIR;
		if (!S_ISREG(st.st_mode))
			goto out_close_root;
	}
	return dir;

out_close_root:
	err = errno;
	close(dir->rootfd);
	errno = err;
out_free_only:
	free(dir->only);
out_free_files:
	free(dir->files);
out_free_dir:
	free(dir);
	return NULL;
}

static void close_file(struct wfdir *dir, struct open_file *f);

void wfdir_destroy(struct wfdir *dir)
{
	if (!dir)
		return;
	for (size_t i = 0; i < dir->max_open; i++) {
		if (dir->files[i].fd >= 0)
			close_file(dir, &dir->files[i]);
	}
	free(dir->files);
	free(dir->only);
	close(dir->rootfd);
	free(dir);
}

/* ---- open files -------------------------------------------------------- */

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

/* The descriptor of the open file @handle, or -EBADF. */
static int handle_fd(void *user_data, uint64_t handle)
{
	struct open_file *f = lookup(user_data, handle);

	return f ? f->fd : -EBADF;
}

/* The descriptor of @handle for a transfer at @offset, or -errno. */
static int io_fd(void *user_data, uint64_t handle, uint64_t offset)
{
	int fd = handle_fd(user_data, handle);

	return fd >= 0 && offset > INT64_MAX ? -EINVAL : fd;
}

/* A free slot of the table of open files, or NULL. */
static struct open_file *free_slot(struct wfdir *dir)
{
	for (size_t slot = 0; slot < dir->max_open; slot++) {
		if (dir->files[slot].fd < 0)
			return &dir->files[slot];
	}
	return NULL;
}

/* Keeps @fd open in the free slot @f; returns its handle. */
static uint64_t install(struct wfdir *dir, struct open_file *f, int fd)
{
	f->fd = fd;
	f->direct_fd = dir->cached_writes ? DIRECT_NONE : -1;
	f->generation = ++dir->generation;
	return (uint64_t)f->generation << SLOT_BITS |
	       (uint64_t)(f - dir->files);
}

/*
 * Opens the regular file @path with the OPEN_FLAGS of @flags; descriptor
 * or negative errno.
 */
static int open_regular(struct wfdir *dir, const char *path, int flags)
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

	fd = resolve(dir, path,
		     (flags & OPEN_FLAGS) | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return fd;
	/* The object may have been replaced since the look. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENXIO;
	}
	return fd;
}

/*
 * Whether @mode on a file of type @type owned by @uid and @gid would make
 * it set-user-ID root or set-group-ID root, which a remote user must never
 * get from a provider run as root (directory.h).
 */
static bool setid_root(mode_t type, mode_t mode, uid_t uid, gid_t gid)
{
	if (S_ISDIR(type))
		return false;
	return ((mode & S_ISUID) && uid == 0) || ((mode & S_ISGID) && gid == 0);
}

/* Creates the regular file @path, which must not exist. */
static int create_new(struct wfdir *dir, const char *path, mode_t mode,
		      int flags)
{
	const char *name;
	int dfd = resolve_parent(dir, path, &name, -EEXIST);
	int fd;

	if (dfd < 0)
		return dfd;
	fd = openat(dfd, name,
		    (flags & OPEN_FLAGS) | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		    mode);
	if (fd < 0)
		fd = -errno;
	close(dfd);
	return fd;
}

/*
 * Opens the regular file @path, creating it with @mode if it does not
 * exist (with O_EXCL: only if it does not exist).
 */
static int create_regular(struct wfdir *dir, const char *path, mode_t mode,
			  int flags)
{
	int may_add = permitted(dir, path, ADDS);
	int may_open = permitted(dir, path, CHANGES);
	int fd = may_add;

	for (int i = 0; i < RESOLVE_ATTEMPTS; i++) {
		if (!(flags & O_EXCL) && !may_open) {
			fd = open_regular(dir, path, flags);
			if (fd != -ENOENT)
				return fd;
		}
		if (may_add)
			return may_add;
		fd = create_new(dir, path, mode, flags);
		/* Unless someone created it since it was looked for. */
		if (fd != -EEXIST || (flags & O_EXCL))
			return fd;
	}
	return fd;
}

/*
 * Opens (@creating: creates) the regular file @path and stores its handle
 * and, if @st, its attributes.
 */
static int open_file(struct wfdir *dir, const char *path, int flags,
		     bool creating, mode_t mode, uint64_t *handle,
		     struct stat *st)
{
	struct open_file *f;
	int fd;

	if (dir->read_only && (creating || (flags & O_ACCMODE) != O_RDONLY ||
			       (flags & (O_TRUNC | O_APPEND))))
		return -EROFS;
	if (creating && setid_root(S_IFREG, mode, geteuid(), getegid()))
		return -EPERM;
	f = free_slot(dir);
	if (!f)
		return -EMFILE;
	if (creating)
		fd = create_regular(dir, path, mode, flags);
	else
		fd = permitted(dir, path, READS)
			     ?: open_regular(dir, path, flags);
	if (fd < 0)
		return fd;
	if (st && fstat(fd, st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	*handle = install(dir, f, fd);
	return 0;
}

static int dir_open(const char *path, int flags, uint64_t *handle,
		    void *user_data)
{
	return open_file(user_data, path, flags, false, 0, handle, NULL);
}

static int dir_create(const char *path, mode_t mode, int flags,
		      uint64_t *handle, struct stat *st, void *user_data)
{
	return open_file(user_data, path, flags, true, mode, handle, st);
}

static ssize_t dir_read(const char *path, uint64_t handle, char *buf,
			size_t size, uint64_t offset, void *user_data)
{
	int fd = io_fd(user_data, handle, offset);
	ssize_t n;

	(void)path;
	if (fd < 0)
		return fd;
	do {
		n = pread(fd, buf, size, (off_t)offset);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* Closes what the direct writes of @f hold; they go through the cache. */
static void end_direct(struct wfdir *dir, struct open_file *f)
{
	if (f->direct_fd >= 0) {
		close(f->direct_fd);
		if (--dir->direct_files == 0 && dir->direct_buf) {
			munmap(dir->direct_buf, dir->direct_cap);
			dir->direct_buf = NULL;
			dir->direct_cap = 0;
		}
	}
	f->direct_fd = DIRECT_NONE;
}

/*
 * The descriptor of @f for direct writes, opened at the first one: the
 * same file opened again with O_DIRECT. Negative when its writes go
 * through the page cache: it appends, or the filesystem has no O_DIRECT;
 * also when it was opened for reading only, which must not write.
 */
static int direct_fd(struct wfdir *dir, struct open_file *f)
{
	char proc[WF_PROC_PATH_MAX];
	int flags, fd;

	if (f->direct_fd != -1)
		return f->direct_fd;
	f->direct_fd = DIRECT_NONE;
	flags = fcntl(f->fd, F_GETFL);
	if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY ||
	    (flags & O_APPEND) || proc_path(dir, f->fd, proc))
		return DIRECT_NONE;
	fd = open(proc, O_WRONLY | O_DIRECT | O_CLOEXEC |
				(flags & (O_SYNC | O_DSYNC)));
	if (fd < 0)
		return DIRECT_NONE;
	f->direct_fd = fd;
	dir->direct_files++;
	return fd;
}

/*
 * Writes the @size bytes at @buf to @offset of @f straight to the disk,
 * if the write is large and aligned enough, and stores its result in *@n.
 * False when the write is to go through the page cache instead.
 */
static bool write_direct(struct wfdir *dir, struct open_file *f,
			 const char *buf, size_t size, uint64_t offset,
			 ssize_t *n)
{
	int fd;

	if (size < DIRECT_MIN || size % DIRECT_ALIGN || offset % DIRECT_ALIGN)
		return false;
	fd = direct_fd(dir, f);
	if (fd < 0)
		return false;
	if (size > dir->direct_cap) {
		/*
		 * Mapped, not from malloc: page-aligned, and given back whole
		 * when the last direct file closes, without raising malloc's
		 * threshold for keeping freed memory.
		 */
		if (dir->direct_buf)
			munmap(dir->direct_buf, dir->direct_cap);
		dir->direct_cap = 0;
		dir->direct_buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (dir->direct_buf == MAP_FAILED) {
			dir->direct_buf = NULL;
			return false;
		}
		dir->direct_cap = size;
	}
	/* The message holds the data at no particular alignment. */
	memcpy(dir->direct_buf, buf, size);
	do {
		*n = pwrite(fd, dir->direct_buf, size, (off_t)offset);
	} while (*n < 0 && errno == EINTR);
	if (*n < 0 && errno == EINVAL) {
		/* The filesystem wants another alignment, or no O_DIRECT. */
		end_direct(dir, f);
		return false;
	}
	if (*n < 0)
		*n = -errno;
	return true;
}

static ssize_t dir_write(const char *path, uint64_t handle, const char *buf,
			 size_t size, uint64_t offset, void *user_data)
{
	struct wfdir *dir = user_data;
	int fd = io_fd(dir, handle, offset);
	ssize_t n;

	(void)path;
	if (dir->read_only)
		return -EROFS;
	if (fd < 0)
		return fd;
	if (write_direct(dir, lookup(dir, handle), buf, size, offset, &n))
		return n;
	/* With O_APPEND, Linux writes at the end whatever the offset. */
	do {
		n = pwrite(fd, buf, size, (off_t)offset);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static void close_file(struct wfdir *dir, struct open_file *f)
{
	end_direct(dir, f);
	close(f->fd);
	f->fd = -1;
}

static int dir_release(const char *path, uint64_t handle, void *user_data)
{
	struct open_file *f = lookup(user_data, handle);

	(void)path;
	if (!f)
		return -EBADF;
	close_file(user_data, f);
	return 0;
}

static int dir_flush(const char *path, uint64_t handle, void *user_data)
{
	int fd = handle_fd(user_data, handle);

	(void)path;
	if (fd < 0)
		return fd;
	/* What close(2) of the file would report, leaving it open. */
	fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0 || close(fd))
		return -errno;
	return 0;
}

static int dir_fsync(const char *path, uint64_t handle, bool datasync,
		     void *user_data)
{
	struct wfdir *dir = user_data;
	int fd, rc;

	if (handle != WFP_NO_HANDLE) {
		fd = handle_fd(dir, handle);
		if (fd < 0)
			return fd;
		return (datasync ? fdatasync(fd) : fsync(fd)) ? -errno : 0;
	}
	/* A directory, which fsync() needs opened for real. */
	fd = permitted(dir, path, READS)
		     ?: resolve(dir, path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	rc = (datasync ? fdatasync(fd) : fsync(fd)) ? -errno : 0;
	close(fd);
	return rc;
}

static int dir_fallocate(const char *path, uint64_t handle, int mode,
			 uint64_t offset, uint64_t length, void *user_data)
{
	struct wfdir *dir = user_data;
	int fd = io_fd(dir, handle, offset);

	(void)path;
	if (dir->read_only)
		return -EROFS;
	if (fd < 0)
		return fd;
	if (length > INT64_MAX)
		return -EINVAL;
	return fallocate(fd, mode, (off_t)offset, (off_t)length) ? -errno : 0;
}

/* ---- attributes -------------------------------------------------------- */

static int dir_getattr(const char *path, struct stat *st, void *user_data)
{
	int fd = look(user_data, path, READS);
	int rc = 0;

	if (fd < 0)
		return fd;
	if (fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		rc = -errno;
	close(fd);
	return rc;
}

static int dir_fgetattr(const char *path, uint64_t handle, struct stat *st,
			void *user_data)
{
	int fd = handle_fd(user_data, handle);

	(void)path;
	if (fd < 0)
		return fd;
	return fstat(fd, st) ? -errno : 0;
}

/*
 * Applies the changes @to_set (WFP_SET_*) of @v to the object @fd refers
 * to, whose attributes are @now: an open file, or with @proc (its WF_PROC_FD
 * path) an O_PATH descriptor of the object, changed itself even if it is a
 * symlink.
 */
static int change(int fd, const char *proc, const struct stat *now,
		  const struct stat *v, int to_set)
{
	uid_t uid = (to_set & WFP_SET_UID) ? v->st_uid : (uid_t)-1;
	gid_t gid = (to_set & WFP_SET_GID) ? v->st_gid : (gid_t)-1;
	mode_t mode = v->st_mode & 07777;
	mode_t type = now->st_mode;
	struct timespec times[2] = {v->st_atim, v->st_mtim};
	int rc = 0;

	if ((to_set & WFP_SET_MODE) &&
	    setid_root(type, mode, uid == (uid_t)-1 ? now->st_uid : uid,
		       gid == (gid_t)-1 ? now->st_gid : gid))
		return -EPERM;
	if (to_set & WFP_SET_MODE) {
		if (proc && S_ISLNK(type))
			return -EOPNOTSUPP;
		rc = proc ? chmod(proc, mode) : fchmod(fd, mode);
	}
	if (!rc && (to_set & (WFP_SET_UID | WFP_SET_GID)))
		rc = fchownat(fd, "", uid, gid, AT_EMPTY_PATH);
	if (!rc && (to_set & WFP_SET_SIZE))
		rc = proc ? truncate(proc, v->st_size)
			  : ftruncate(fd, v->st_size);
	if (!(to_set & WFP_SET_ATIME))
		times[0].tv_nsec = UTIME_OMIT;
	if (!(to_set & WFP_SET_MTIME))
		times[1].tv_nsec = UTIME_OMIT;
	if (!rc && (to_set & (WFP_SET_ATIME | WFP_SET_MTIME)))
		rc = proc ? utimensat(AT_FDCWD, proc, times, 0)
			  : futimens(fd, times);
	return rc ? -errno : 0;
}

static int dir_setattr(const char *path, uint64_t handle,
		       const struct stat *values, int to_set, struct stat *st,
		       void *user_data)
{
	struct wfdir *dir = user_data;
	char proc[WF_PROC_PATH_MAX];
	int fd, rc;

	if (dir->read_only)
		return -EROFS;
	if (handle != WFP_NO_HANDLE) {
		fd = handle_fd(dir, handle);
		if (fd < 0)
			return fd;
		rc = fstat(fd, st) ? -errno
				   : change(fd, NULL, st, values, to_set);
		if (!rc && fstat(fd, st))
			rc = -errno;
		return rc;
	}
	fd = look(dir, path, CHANGES);
	if (fd < 0)
		return fd;
	rc = proc_path(dir, fd, proc);
	if (!rc && fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		rc = -errno;
	if (!rc)
		rc = change(fd, proc, st, values, to_set);
	if (!rc && fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		rc = -errno;
	close(fd);
	return rc;
}

/* ---- entries ----------------------------------------------------------- */

/* What is made at an entry. */
struct node {
	mode_t mode;
	dev_t rdev;
	const char *target;
};

/* An operation on the entry @name of the directory @dfd; 0 or -errno. */
typedef int entry_fn(int dfd, const char *name, const struct node *node);

struct entry_op {
	enum use use;
	int root_err; /* what the local call answers for "/" */
	entry_fn *fn;
};

static int make_dir(int dfd, const char *name, const struct node *node)
{
	return mkdirat(dfd, name, node->mode) ? -errno : 0;
}

static int make_node(int dfd, const char *name, const struct node *node)
{
	/* Never a device node for a remote user (directory.h). */
	if (S_ISCHR(node->mode) || S_ISBLK(node->mode) ||
	    setid_root(node->mode, node->mode, geteuid(), getegid()))
		return -EPERM;
	return mknodat(dfd, name, node->mode, node->rdev) ? -errno : 0;
}

static int make_symlink(int dfd, const char *name, const struct node *node)
{
	return symlinkat(node->target, dfd, name) ? -errno : 0;
}

static int remove_file(int dfd, const char *name, const struct node *node)
{
	(void)node;
	return unlinkat(dfd, name, 0) ? -errno : 0;
}

static int remove_dir(int dfd, const char *name, const struct node *node)
{
	(void)node;
	return unlinkat(dfd, name, AT_REMOVEDIR) ? -errno : 0;
}

static const struct entry_op op_mkdir = {ADDS, -EEXIST, make_dir};
static const struct entry_op op_mknod = {ADDS, -EEXIST, make_node};
static const struct entry_op op_symlink = {ADDS, -EEXIST, make_symlink};
static const struct entry_op op_unlink = {REMOVES, -EISDIR, remove_file};
static const struct entry_op op_rmdir = {REMOVES, -EBUSY, remove_dir};

/*
 * Does @op at the entry @path with @node (borrowed) and, if @st, stores
 * the attributes of the entry afterwards.
 */
static int at_entry(struct wfdir *dir, const char *path,
		    const struct entry_op *op, const struct node *node,
		    struct stat *st)
{
	const char *name;
	int dfd, rc;

	rc = permitted(dir, path, op->use);
	if (rc)
		return rc;
	dfd = resolve_parent(dir, path, &name, op->root_err);
	if (dfd < 0)
		return dfd;
	rc = op->fn(dfd, name, node);
	if (!rc && st && fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW))
		rc = -errno;
	close(dfd);
	return rc;
}

static int dir_mkdir(const char *path, mode_t mode, struct stat *st,
		     void *user_data)
{
	struct node node = {.mode = mode};

	return at_entry(user_data, path, &op_mkdir, &node, st);
}

static int dir_mknod(const char *path, mode_t mode, dev_t rdev, struct stat *st,
		     void *user_data)
{
	struct node node = {.mode = mode, .rdev = rdev};

	return at_entry(user_data, path, &op_mknod, &node, st);
}

static int dir_symlink(const char *path, const char *target, struct stat *st,
		       void *user_data)
{
	struct node node = {.target = target};

	return at_entry(user_data, path, &op_symlink, &node, st);
}

static int dir_unlink(const char *path, void *user_data)
{
	return at_entry(user_data, path, &op_unlink, NULL, NULL);
}

static int dir_rmdir(const char *path, void *user_data)
{
	return at_entry(user_data, path, &op_rmdir, NULL, NULL);
}

/* Two entries, each as the directory that holds it and its name. */
struct pair {
	int sfd, dfd;
	const char *sname, *dname;
};

/*
 * Resolves the parents of @path, used as @suse, and @newpath, used as
 * ADDS; "/" answers @root_err. Returns 0 (close with close_pair()) or a
 * negative errno.
 */
static int resolve_pair(const struct wfdir *dir, const char *path,
			enum use suse, const char *newpath, int root_err,
			struct pair *p)
{
	int rc = permitted(dir, path, suse) ?: permitted(dir, newpath, ADDS);

	if (rc)
		return rc;
	p->sfd = resolve_parent(dir, path, &p->sname, root_err);
	if (p->sfd < 0)
		return p->sfd;
	p->dfd = resolve_parent(dir, newpath, &p->dname, root_err);
	if (p->dfd < 0) {
		close(p->sfd);
		return p->dfd;
	}
	return 0;
}

static void close_pair(struct pair *p)
{
	close(p->sfd);
	close(p->dfd);
}

static int dir_link(const char *path, const char *newpath, struct stat *st,
		    void *user_data)
{
	struct pair p;
	int rc;

	/*
	 * link(2) of "/" answers EPERM (a directory), to "/" EEXIST; the
	 * source is resolved first.
	 */
	rc = resolve_pair(user_data, path, READS, newpath,
			  strcmp(path, "/") == 0 ? -EPERM : -EEXIST, &p);
	if (rc)
		return rc;
	rc = linkat(p.sfd, p.sname, p.dfd, p.dname, 0) ? -errno : 0;
	if (!rc && fstatat(p.dfd, p.dname, st, AT_SYMLINK_NOFOLLOW))
		rc = -errno;
	close_pair(&p);
	return rc;
}

static int dir_rename(const char *path, const char *newpath, unsigned int flags,
		      void *user_data)
{
	struct pair p;
	int rc;

	rc = resolve_pair(user_data, path, REMOVES, newpath, -EBUSY, &p);
	if (rc)
		return rc;
	rc = renameat2(p.sfd, p.sname, p.dfd, p.dname, flags) ? -errno : 0;
	close_pair(&p);
	return rc;
}

/* ---- extended attributes ----------------------------------------------- */

enum xattr_op { XA_GET, XA_LIST, XA_SET, XA_REMOVE };

struct xattr_call {
	enum xattr_op op;
	const char *name;
	char *buf;	   /* XA_GET, XA_LIST: room for @size bytes */
	const char *value; /* XA_SET: @size bytes */
	size_t size;
	int flags;
};

/*
 * Performs @c on the object at @path itself, through WF_PROC_FD: the object
 * resolved once, whatever its type (a regular file, a directory, also a
 * symlink or a FIFO, which cannot be opened otherwise without side
 * effects or following).
 */
static ssize_t xattr(struct wfdir *dir, const char *path,
		     const struct xattr_call *c)
{
	bool reads = c->op == XA_GET || c->op == XA_LIST;
	char proc[WF_PROC_PATH_MAX];
	ssize_t n;
	int fd;

	fd = look(dir, path, reads ? READS : CHANGES);
	if (fd < 0)
		return fd;
	n = proc_path(dir, fd, proc);
	if (n == 0) {
		switch (c->op) {
		case XA_GET:
			n = getxattr(proc, c->name, c->buf, c->size);
			break;
		case XA_LIST:
			n = listxattr(proc, c->buf, c->size);
			break;
		case XA_SET:
			n = setxattr(proc, c->name, c->value, c->size,
				     c->flags);
			break;
		case XA_REMOVE:
			n = removexattr(proc, c->name);
			break;
		}
		if (n < 0)
			n = -errno;
	}
	close(fd);
	return n;
}

static ssize_t dir_getxattr(const char *path, const char *name, char *buf,
			    size_t size, void *user_data)
{
	struct xattr_call c = {
		.op = XA_GET, .name = name, .buf = buf, .size = size};

	return xattr(user_data, path, &c);
}

static ssize_t dir_listxattr(const char *path, char *buf, size_t size,
			     void *user_data)
{
	struct xattr_call c = {.op = XA_LIST, .buf = buf, .size = size};

	return xattr(user_data, path, &c);
}

static int dir_setxattr(const char *path, const char *name, const char *value,
			size_t size, int flags, void *user_data)
{
	struct xattr_call c = {.op = XA_SET,
			       .name = name,
			       .value = value,
			       .size = size,
			       .flags = flags};

	return (int)xattr(user_data, path, &c);
}

static int dir_removexattr(const char *path, const char *name, void *user_data)
{
	struct xattr_call c = {.op = XA_REMOVE, .name = name};

	return (int)xattr(user_data, path, &c);
}

/* ---- the rest ---------------------------------------------------------- */

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
	struct wfdir *dir = user_data;
	struct dirent *ent;
	int fd, rc = 0;
	DIR *d;

	fd = permitted(dir, path, READS)
		     ?: resolve(dir, path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	if (dir->only && strcmp(path, "/") == 0) {
		/* Single-file mode: the root lists the lent file alone. */
		rc = add_entry(buf, fd, dir->only);
		close(fd);
		return rc;
	}
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

static int dir_readlink(const char *path, char *buf, size_t size,
			void *user_data)
{
	int fd = look(user_data, path, READS);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return fd;
	/* On an O_PATH descriptor of anything else the kernel says ENOENT. */
	if (fstat(fd, &st))
		n = -errno;
	else if (!S_ISLNK(st.st_mode))
		n = -EINVAL;
	else if ((n = readlinkat(fd, "", buf, size)) < 0)
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
	int fd = look(user_data, path, READS);
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
	struct wfdir *dir = user_data;
	int fd = look(dir, path, READS);
	int rc = 0;

	if (fd < 0)
		return fd;
	if ((mask & W_OK) && dir->read_only)
		rc = -EROFS;
	else if ((mask & W_OK) && permitted(dir, path, CHANGES))
		/* Single-file mode: the root takes no new entries. */
		rc = -EACCES;
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
	.create = dir_create,
	.write = dir_write,
	.flush = dir_flush,
	.fsync = dir_fsync,
	.fallocate = dir_fallocate,
	.setattr = dir_setattr,
	.mkdir = dir_mkdir,
	.mknod = dir_mknod,
	.symlink = dir_symlink,
	.link = dir_link,
	.unlink = dir_unlink,
	.rmdir = dir_rmdir,
	.rename = dir_rename,
	.getxattr = dir_getxattr,
	.listxattr = dir_listxattr,
	.setxattr = dir_setxattr,
	.removexattr = dir_removexattr,
	.fgetattr = dir_fgetattr,
};
