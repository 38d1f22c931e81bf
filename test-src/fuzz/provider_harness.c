/* Fake operations for the provider's fuzz targets: they check what the
 * library passes them and answer plausibly, or badly, as the input asks. */
#include "provider_harness.h"
#include "harness.h"

#include "field.h"
#include "path.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>

#define HANDLE 7

static struct {
	uint8_t behaviour;
	size_t max_read;
	size_t max_write;
	long open_files;
	struct wfp_operations ops;
} pf;

static bool has(uint8_t bit)
{
	return pf.behaviour & bit;
}

/* Every path the library passes on is a valid protocol path. */
static void check_path(const char *path)
{
	FUZZ_CHECK(path && wf_path_valid(path, strlen(path)));
}

static void check_handle(uint64_t handle, bool optional)
{
	FUZZ_CHECK(handle <= (uint64_t)WF_INT_MAX ||
		   (optional && handle == WFP_NO_HANDLE));
}

/* The result of a failing operation, picked by the path. */
static int failure(const char *path)
{
	static const int errors[] = {-ENOENT, -EACCES, -EIO,   -ENOSPC,
				     -EROFS,  -EPERM,  -EINTR, -ENOTSUP};

	return errors[strlen(path) % 8];
}

/* Attributes of the object @path: its type follows the last letter. */
static void fill_attr(const char *path, struct stat *st, mode_t type)
{
	static const mode_t types[] = {S_IFREG,	 S_IFDIR, S_IFLNK, S_IFIFO,
				       S_IFSOCK, S_IFCHR, S_IFBLK};
	size_t len = strlen(path);

	memset(st, 0, sizeof(*st));
	st->st_mode =
		(type ? type : types[(unsigned char)path[len - 1] % 7]) | 0644;
	st->st_ino = len;
	st->st_nlink = 1 + len % 3;
	st->st_uid = 1000;
	st->st_gid = 1000;
	st->st_size = has(PF_HUGE) ? WF_INT_MAX : PF_FILE_SIZE;
	st->st_blocks = (st->st_size + 511) / 512;
	st->st_mtim.tv_sec = 1700000000;
	st->st_mtim.tv_nsec = 999999999;
	st->st_atim.tv_sec = -1;
	if (has(PF_BOGUS)) {
		/* Not representable: the library must refuse to send it. */
		if (len % 3 == 0)
			st->st_mode = 0;
		else if (len % 3 == 1)
			st->st_size = -1;
		else
			st->st_uid = (uid_t)-1;
	}
}

/* The byte at @offset of the fake file. */
static char file_byte(uint64_t offset)
{
	return (char)(offset * 13 + offset / 4099);
}

static int fake_getattr(const char *path, struct stat *st, void *user_data)
{
	(void)user_data;
	check_path(path);
	if (has(PF_FAIL))
		return failure(path);
	fill_attr(path, st, strcmp(path, "/") == 0 ? S_IFDIR : 0);
	return has(PF_BOGUS) && strlen(path) % 2 ? 1 : 0;
}

static int fake_fgetattr(const char *path, uint64_t handle, struct stat *st,
			 void *user_data)
{
	check_handle(handle, false);
	return fake_getattr(path, st, user_data);
}

static int fake_readdir(const char *path, struct wfp_dirbuf *buf,
			void *user_data)
{
	static const char *const odd[] = {
		".", "..", "", "a/b", "caf\xc3\xa9", "\xff", "dup", "dup",
	};
	char name[300];
	struct stat st;
	int count = has(PF_NAMES) ? 300 : 3;

	(void)user_data;
	check_path(path);
	if (has(PF_FAIL))
		return failure(path);
	fill_attr(path, &st, S_IFREG);
	for (int i = 0; i < count; i++) {
		if (has(PF_NAMES) && i < 8)
			snprintf(name, sizeof(name), "%s", odd[i]);
		else if (has(PF_NAMES) && i == 8) {
			memset(name, 'x', 299);
			name[299] = '\0';
		} else
			snprintf(name, sizeof(name), "entry%d", i);
		/* Errors are the listing's: it must still be valid. */
		wfp_dirbuf_add(buf, name, &st);
	}
	return 0;
}

static int open_result(const char *path, uint64_t *handle)
{
	if (has(PF_FAIL))
		return failure(path);
	*handle = has(PF_HUGE) ? (uint64_t)1 << 60 : HANDLE;
	pf.open_files++;
	return 0;
}

static int fake_open(const char *path, int flags, uint64_t *handle,
		     void *user_data)
{
	const int known = O_ACCMODE | O_APPEND | O_TRUNC | O_DIRECT |
			  O_NOATIME | O_SYNC | O_DSYNC;

	(void)user_data;
	check_path(path);
	FUZZ_CHECK((flags & ~known) == 0 && (flags & O_ACCMODE) != O_ACCMODE);
	return open_result(path, handle);
}

static ssize_t fake_read(const char *path, uint64_t handle, char *buf,
			 size_t size, uint64_t offset, void *user_data)
{
	uint64_t end = PF_FILE_SIZE;
	size_t n;

	(void)user_data;
	check_path(path);
	check_handle(handle, false);
	FUZZ_CHECK(size >= 1 && size <= pf.max_read);
	FUZZ_CHECK(offset <= (uint64_t)WF_INT_MAX * 2);
	if (has(PF_FAIL))
		return failure(path);
	if (has(PF_BOGUS))
		return (ssize_t)size + 1;
	if (offset >= end)
		return 0;
	n = end - offset < size ? (size_t)(end - offset) : size;
	if (has(PF_SHORT) && n > 4093)
		n = 4093;
	for (size_t i = 0; i < n; i++)
		buf[i] = file_byte(offset + i);
	return (ssize_t)n;
}

static int fake_release(const char *path, uint64_t handle, void *user_data)
{
	(void)user_data;
	check_path(path);
	(void)handle;
	pf.open_files--;
	return has(PF_FAIL) ? failure(path) : 0;
}

static int fake_readlink(const char *path, char *buf, size_t size,
			 void *user_data)
{
	(void)user_data;
	check_path(path);
	FUZZ_CHECK(size > WF_PATH_MAX);
	if (has(PF_FAIL))
		return failure(path);
	if (has(PF_BOGUS)) {
		/* Unterminated, or not UTF-8. */
		if (strlen(path) % 2)
			memset(buf, 'l', size);
		else
			snprintf(buf, size, "caf\xe9");
		return 0;
	}
	snprintf(buf, size, "../target%s", path);
	return 0;
}

static int fake_statfs(const char *path, struct statvfs *st, void *user_data)
{
	(void)user_data;
	check_path(path);
	if (has(PF_FAIL))
		return failure(path);
	st->f_bsize = 4096;
	st->f_blocks = has(PF_HUGE) ? UINT64_MAX : 1000;
	st->f_namemax = 255;
	return 0;
}

static int fake_access(const char *path, int mask, void *user_data)
{
	(void)user_data;
	check_path(path);
	FUZZ_CHECK((mask & ~(R_OK | W_OK | X_OK)) == 0);
	return has(PF_FAIL) ? failure(path) : 0;
}

static int fake_create(const char *path, mode_t mode, int flags,
		       uint64_t *handle, struct stat *st, void *user_data)
{
	const int known = O_ACCMODE | O_APPEND | O_TRUNC | O_DIRECT |
			  O_NOATIME | O_SYNC | O_DSYNC | O_EXCL;
	int rc;

	(void)user_data;
	check_path(path);
	FUZZ_CHECK((mode & ~07777) == 0);
	FUZZ_CHECK((flags & ~known) == 0 && (flags & O_ACCMODE) != O_ACCMODE);
	rc = open_result(path, handle);
	if (rc == 0)
		fill_attr(path, st, S_IFREG);
	return rc;
}

static ssize_t fake_write(const char *path, uint64_t handle, const char *buf,
			  size_t size, uint64_t offset, void *user_data)
{
	volatile char sum = 0;

	(void)user_data;
	check_path(path);
	check_handle(handle, false);
	FUZZ_CHECK(size >= 1 && size <= pf.max_write);
	FUZZ_CHECK(offset <= (uint64_t)WF_INT_MAX * 2);
	/* The bytes must all be readable. */
	for (size_t i = 0; i < size; i++)
		sum ^= buf[i];
	(void)sum;
	if (has(PF_FAIL))
		return failure(path);
	if (has(PF_BOGUS))
		return (ssize_t)size + 1;
	if (has(PF_SHORT))
		return size > 1 ? (ssize_t)size / 2 : 0;
	return (ssize_t)size;
}

static int fake_flush(const char *path, uint64_t handle, void *user_data)
{
	(void)user_data;
	check_path(path);
	check_handle(handle, false);
	return has(PF_FAIL) ? failure(path) : 0;
}

static int fake_fsync(const char *path, uint64_t handle, bool datasync,
		      void *user_data)
{
	(void)user_data;
	(void)datasync;
	check_path(path);
	check_handle(handle, true);
	return has(PF_FAIL) ? failure(path) : 0;
}

static int fake_fallocate(const char *path, uint64_t handle, int mode,
			  uint64_t offset, uint64_t length, void *user_data)
{
	(void)user_data;
	check_path(path);
	check_handle(handle, false);
	FUZZ_CHECK((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE |
			     FALLOC_FL_ZERO_RANGE)) == 0);
	FUZZ_CHECK(offset <= (uint64_t)WF_INT_MAX &&
		   length <= (uint64_t)WF_INT_MAX);
	return has(PF_FAIL) ? failure(path) : 0;
}

static int fake_setattr(const char *path, uint64_t handle,
			const struct stat *values, int to_set, struct stat *st,
			void *user_data)
{
	(void)user_data;
	check_path(path);
	check_handle(handle, true);
	FUZZ_CHECK((to_set & ~(WFP_SET_MODE | WFP_SET_UID | WFP_SET_GID |
			       WFP_SET_SIZE | WFP_SET_ATIME | WFP_SET_MTIME)) ==
		   0);
	FUZZ_CHECK(!(to_set & WFP_SET_MODE) || (values->st_mode & ~07777) == 0);
	FUZZ_CHECK(!(to_set & WFP_SET_SIZE) ||
		   (values->st_size >= 0 && values->st_size <= WF_INT_MAX));
	FUZZ_CHECK(!(to_set & WFP_SET_UID) || values->st_uid != (uid_t)-1);
	FUZZ_CHECK(!(to_set & WFP_SET_ATIME) ||
		   values->st_atim.tv_nsec == UTIME_NOW ||
		   (values->st_atim.tv_nsec >= 0 &&
		    values->st_atim.tv_nsec <= 999999999));
	if (has(PF_FAIL))
		return failure(path);
	fill_attr(path, st, 0);
	return 0;
}

static int fake_mkdir(const char *path, mode_t mode, struct stat *st,
		      void *user_data)
{
	(void)user_data;
	check_path(path);
	FUZZ_CHECK((mode & ~07777) == 0);
	if (has(PF_FAIL))
		return failure(path);
	fill_attr(path, st, S_IFDIR);
	return 0;
}

static int fake_mknod(const char *path, mode_t mode, dev_t rdev,
		      struct stat *st, void *user_data)
{
	mode_t type = mode & S_IFMT;

	(void)user_data;
	(void)rdev;
	check_path(path);
	FUZZ_CHECK(type == S_IFREG || type == S_IFIFO || type == S_IFSOCK ||
		   type == S_IFCHR || type == S_IFBLK);
	FUZZ_CHECK((mode & ~(S_IFMT | 07777)) == 0);
	if (has(PF_FAIL))
		return failure(path);
	fill_attr(path, st, type);
	return 0;
}

static int fake_symlink(const char *path, const char *target, struct stat *st,
			void *user_data)
{
	size_t len = strlen(target);

	(void)user_data;
	check_path(path);
	FUZZ_CHECK(len >= 1 && len <= WF_PATH_MAX);
	if (has(PF_FAIL))
		return failure(path);
	fill_attr(path, st, S_IFLNK);
	return 0;
}

static int fake_link(const char *path, const char *newpath, struct stat *st,
		     void *user_data)
{
	(void)user_data;
	check_path(path);
	check_path(newpath);
	if (has(PF_FAIL))
		return failure(path);
	fill_attr(newpath, st, S_IFREG);
	return 0;
}

static int fake_unlink(const char *path, void *user_data)
{
	(void)user_data;
	check_path(path);
	return has(PF_FAIL) ? failure(path) : 0;
}

static int fake_rename(const char *path, const char *newpath,
		       unsigned int flags, void *user_data)
{
	(void)user_data;
	check_path(path);
	check_path(newpath);
	FUZZ_CHECK((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) == 0);
	return has(PF_FAIL) ? failure(path) : 0;
}

static void check_xattr_name(const char *name)
{
	size_t len = strlen(name);

	FUZZ_CHECK(len >= 1 && len <= WF_NAME_MAX);
	/* Labels, capabilities and ACLs never reach a provider. */
	FUZZ_CHECK(wf_xattr_name_carried(name, len));
}

static ssize_t fake_getxattr(const char *path, const char *name, char *buf,
			     size_t size, void *user_data)
{
	size_t n = strlen(name);

	(void)user_data;
	check_path(path);
	check_xattr_name(name);
	FUZZ_CHECK(size >= WF_XATTR_MAX);
	if (has(PF_FAIL))
		return failure(path);
	if (has(PF_BOGUS))
		return (ssize_t)size + 1;
	if (has(PF_HUGE))
		n = size;
	memset(buf, 'v', n);
	return (ssize_t)n;
}

static ssize_t fake_listxattr(const char *path, char *buf, size_t size,
			      void *user_data)
{
	static const char names[] =
		"user.a\0user.\xff\0security.selinux\0trusted.b\0";
	size_t n = sizeof(names) - 1;

	(void)user_data;
	check_path(path);
	if (has(PF_FAIL))
		return failure(path);
	/* The size alone: whether an attribute object says "xattr": false
	 * (bogus: the object has none). */
	if (size == 0)
		return has(PF_BOGUS) ? 0 : (ssize_t)n;
	/* Room for what the size query said (the "xattr" hint's look). */
	FUZZ_CHECK(size >= n);
	memcpy(buf, names, n);
	if (has(PF_NAMES)) {
		/* Fill the list up to its limit with long names. */
		while (n + 256 <= size) {
			memset(buf + n, 'x', 255);
			buf[n + 255] = '\0';
			n += 256;
		}
	}
	if (has(PF_BOGUS))
		return (ssize_t)n - 1; /* the last name is not terminated */
	return (ssize_t)n;
}

static int fake_setxattr(const char *path, const char *name, const char *value,
			 size_t size, int flags, void *user_data)
{
	volatile char sum = 0;

	(void)user_data;
	check_path(path);
	check_xattr_name(name);
	FUZZ_CHECK(size <= WF_XATTR_MAX);
	FUZZ_CHECK((flags & ~(XATTR_CREATE | XATTR_REPLACE)) == 0);
	for (size_t i = 0; i < size; i++)
		sum ^= value[i];
	(void)sum;
	return has(PF_FAIL) ? failure(path) : 0;
}

static int fake_removexattr(const char *path, const char *name, void *user_data)
{
	(void)user_data;
	check_path(path);
	check_xattr_name(name);
	return has(PF_FAIL) ? failure(path) : 0;
}

const struct wfp_operations *pf_operations(uint8_t behaviour, size_t max_read,
					   size_t max_write)
{
	pf.behaviour = behaviour;
	pf.max_read = max_read;
	pf.max_write = max_write;
	pf.open_files = 0;
	pf.ops = (struct wfp_operations){
		.getattr = fake_getattr,
		.readdir = fake_readdir,
		.open = fake_open,
		.read = fake_read,
		.release = fake_release,
		.readlink = fake_readlink,
		.statfs = fake_statfs,
		.access = fake_access,
		.create = fake_create,
		.write = fake_write,
		.flush = fake_flush,
		.fsync = fake_fsync,
		.fallocate = fake_fallocate,
		.setattr = fake_setattr,
		.mkdir = fake_mkdir,
		.mknod = fake_mknod,
		.symlink = fake_symlink,
		.link = fake_link,
		.unlink = fake_unlink,
		.rmdir = fake_unlink,
		.rename = fake_rename,
		.getxattr = fake_getxattr,
		.listxattr = fake_listxattr,
		.setxattr = fake_setxattr,
		.removexattr = fake_removexattr,
		.fgetattr = fake_fgetattr,
	};
	if (has(PF_SPARSE)) {
		/* A read-only provider without the optional operations. */
		pf.ops.fgetattr = NULL;
		pf.ops.create = NULL;
		pf.ops.write = NULL;
		pf.ops.setattr = NULL;
		pf.ops.fallocate = NULL;
		pf.ops.listxattr = NULL;
		pf.ops.release = NULL;
		pf.ops.access = NULL;
	}
	return &pf.ops;
}

long pf_open_files(void)
{
	return pf.open_files;
}

/* A read's data is the fake file's bytes at the offset asked. */
static void check_read(const struct wf_message *request,
		       struct wf_message *back)
{
	uint64_t offset = 0, size = 0;
	const char *data;
	size_t n;

	if (!back->result)
		return;
	FUZZ_CHECK(wf_message_data(back, SIZE_MAX, &data, &n) == 0);
	FUZZ_CHECK(
		!wf_field_uint(request->params, "offset", WF_INT_MAX, &offset));
	FUZZ_CHECK(!wf_field_uint(request->params, "size", WF_INT_MAX, &size));
	FUZZ_CHECK(n <= size);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(data[i] == file_byte(offset + i));
}

void pf_check_response(const struct wf_outmsg *m,
		       const struct wf_message *request, bool binary,
		       size_t max_message)
{
	struct wf_message back;

	FUZZ_CHECK(m);
	FUZZ_CHECK(!m->binary || binary);
	FUZZ_CHECK(wf_message_parse(m->payload, m->len, m->binary, &back) == 0);
	FUZZ_CHECK(back.kind == WF_MESSAGE_RESPONSE);
	FUZZ_CHECK(back.id == (request ? request->id : 0));
	FUZZ_CHECK(m->len <= max_message || back.error);
	if (back.error)
		FUZZ_CHECK(
			json_is_integer(json_object_get(back.error, "code")));
	else if (request && strcmp(request->method, "read") == 0)
		check_read(request, &back);
	wf_message_cleanup(&back);
}
