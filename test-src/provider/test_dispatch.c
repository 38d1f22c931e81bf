/* Unit tests of src/provider/dispatch.c: answering filesystem requests. */
#include "dispatch.h"
#include "dirbuf.h"
#include "rpc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>
#include <libwebsockets.h>

#define CONTENT "hello\n"
#define HANDLE	7

/* What the fake operations saw, and how they behave. */
static struct {
	int open_flags;
	uint64_t released;
	int release_calls;
	int access_mask;
	int read_calls;
	size_t read_chunk; /* largest count one read call returns */
	/* The write operations: the last call's arguments. */
	const char *op; /* which operation was called last */
	char path[64], newpath[64], name[300], target[4200];
	uint64_t handle, offset, length;
	mode_t mode;
	dev_t rdev;
	int flags, to_set;
	bool datasync;
	struct stat values;
	char data[70000]; /* written, or the value set */
	size_t data_size;
	int write_calls;
	size_t write_chunk; /* largest count one write call returns */
} fake;

/* Notes the call of @op on @path. */
static void saw(const char *op, const char *path)
{
	fake.op = op;
	snprintf(fake.path, sizeof(fake.path), "%s", path);
}

static int fake_getattr(const char *path, struct stat *st, void *user_data)
{
	assert_ptr_equal(user_data, &fake);
	if (strcmp(path, "/hello.txt") == 0) {
		st->st_mode = S_IFREG | 0644;
		st->st_size = sizeof(CONTENT) - 1;
		st->st_ino = 12;
		st->st_mtim.tv_sec = 1700000000;
		return 0;
	}
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		return 0;
	}
	if (strcmp(path, "/labelled") == 0) {
		st->st_mode = S_IFREG | 0644;
		return 0;
	}
	if (strcmp(path, "/bad-type") == 0)
		return 0;
	return -ENOENT;
}

static int fake_readdir(const char *path, struct wfp_dirbuf *buf,
			void *user_data)
{
	struct stat st;
	char name[16];

	(void)user_data;
	memset(&st, 0, sizeof(st));
	if (strcmp(path, "/") == 0) {
		st.st_mode = S_IFREG | 0600;
		st.st_size = 6;
		assert_int_equal(wfp_dirbuf_add(buf, "hello.txt", &st), 0);
		st.st_mode = S_IFDIR | 0700;
		assert_int_equal(wfp_dirbuf_add(buf, "sub", &st), 0);
		return 0;
	}
	if (strcmp(path, "/many") == 0) {
		st.st_mode = S_IFREG | 0600;
		/* Ignores errors: the listing must fail anyway. */
		for (int i = 0; i < 20; i++) {
			snprintf(name, sizeof(name), "e%d", i);
			wfp_dirbuf_add(buf, name, &st);
		}
		return 0;
	}
	return -EACCES;
}

static int fake_open(const char *path, int flags, uint64_t *handle,
		     void *user_data)
{
	(void)user_data;
	fake.open_flags = flags;
	if (strcmp(path, "/hello.txt") == 0) {
		*handle = HANDLE;
		return 0;
	}
	if (strcmp(path, "/huge") == 0) {
		*handle = (uint64_t)1 << 60;
		return 0;
	}
	return -ENOENT;
}

static ssize_t fake_read(const char *path, uint64_t handle, char *buf,
			 size_t size, uint64_t offset, void *user_data)
{
	static const char content[] = CONTENT;
	size_t n;

	(void)user_data;
	fake.read_calls++;
	if (strcmp(path, "/overflow") == 0)
		return (ssize_t)size + 1;
	if (strcmp(path, "/fail-late") == 0)
		return offset == 0 ? 2 : -EIO;
	if (handle != HANDLE)
		return -EBADF;
	if (offset >= sizeof(content) - 1)
		return 0;
	n = sizeof(content) - 1 - offset;
	if (n > size)
		n = size;
	if (n > fake.read_chunk)
		n = fake.read_chunk;
	memcpy(buf, content + offset, n);
	return (ssize_t)n;
}

static int fake_release(const char *path, uint64_t handle, void *user_data)
{
	(void)path;
	(void)user_data;
	fake.released = handle;
	fake.release_calls++;
	return 0;
}

static int fake_readlink(const char *path, char *buf, size_t size,
			 void *user_data)
{
	(void)user_data;
	assert_true(size >= 4096);
	if (strcmp(path, "/link") == 0) {
		strcpy(buf, "../target/x");
		return 0;
	}
	if (strcmp(path, "/unterminated") == 0) {
		memset(buf, 'a', size);
		return 0;
	}
	if (strcmp(path, "/latin1") == 0) {
		strcpy(buf, "caf\xe9");
		return 0;
	}
	return -EINVAL;
}

static int fake_statfs(const char *path, struct statvfs *st, void *user_data)
{
	(void)path;
	(void)user_data;
	st->f_bsize = 4096;
	st->f_frsize = 4096;
	st->f_blocks = 1000;
	st->f_bfree = 500;
	st->f_bavail = 400;
	st->f_files = 100;
	st->f_ffree = 50;
	st->f_namemax = 255;
	return 0;
}

static int fake_access(const char *path, int mask, void *user_data)
{
	(void)user_data;
	fake.access_mask = mask;
	return strcmp(path, "/hello.txt") == 0 ? 0 : -ENOENT;
}

/* The attributes the operations that return some fill in. */
static void fill_attr(struct stat *st, mode_t mode)
{
	st->st_mode = mode;
	st->st_ino = 42;
	st->st_nlink = 2;
	st->st_size = 99;
}

static int fake_create(const char *path, mode_t mode, int flags,
		       uint64_t *handle, struct stat *st, void *user_data)
{
	(void)user_data;
	saw("create", path);
	fake.mode = mode;
	fake.flags = flags;
	if (strcmp(path, "/exists") == 0)
		return -EEXIST;
	*handle = strcmp(path, "/huge") == 0 ? (uint64_t)1 << 60 : HANDLE;
	fill_attr(st, S_IFREG | mode);
	if (strcmp(path, "/bad-type") == 0)
		st->st_mode = 0;
	return 0;
}

static ssize_t fake_write(const char *path, uint64_t handle, const char *buf,
			  size_t size, uint64_t offset, void *user_data)
{
	size_t n = size < fake.write_chunk ? size : fake.write_chunk;

	(void)user_data;
	if (fake.write_calls++ == 0) {
		saw("write", path);
		fake.handle = handle;
		fake.offset = offset;
		fake.data_size = 0;
	}
	if (strcmp(path, "/overflow") == 0)
		return (ssize_t)size + 1;
	if (strcmp(path, "/full") == 0)
		return offset == fake.offset ? 2 : -ENOSPC;
	if (strcmp(path, "/stuck") == 0)
		return 0;
	if (strcmp(path, "/denied") == 0)
		return -EBADF;
	/* Each call continues where the last stopped. */
	assert_int_equal(offset, fake.offset + fake.data_size);
	memcpy(fake.data + fake.data_size, buf, n);
	fake.data_size += n;
	return (ssize_t)n;
}

static int fake_flush(const char *path, uint64_t handle, void *user_data)
{
	(void)user_data;
	saw("flush", path);
	fake.handle = handle;
	return 0;
}

static int fake_fsync(const char *path, uint64_t handle, bool datasync,
		      void *user_data)
{
	(void)user_data;
	saw("fsync", path);
	fake.handle = handle;
	fake.datasync = datasync;
	return strcmp(path, "/eio") == 0 ? -EIO : 0;
}

static int fake_fallocate(const char *path, uint64_t handle, int mode,
			  uint64_t offset, uint64_t length, void *user_data)
{
	(void)user_data;
	saw("fallocate", path);
	fake.handle = handle;
	fake.flags = mode;
	fake.offset = offset;
	fake.length = length;
	return 0;
}

static int fake_setattr(const char *path, uint64_t handle,
			const struct stat *values, int to_set, struct stat *st,
			void *user_data)
{
	(void)user_data;
	saw("setattr", path);
	fake.handle = handle;
	fake.values = *values;
	fake.to_set = to_set;
	fill_attr(st, S_IFREG | 0600);
	return strcmp(path, "/perm") == 0 ? -EPERM : 0;
}

static int fake_mkdir(const char *path, mode_t mode, struct stat *st,
		      void *user_data)
{
	(void)user_data;
	saw("mkdir", path);
	fake.mode = mode;
	fill_attr(st, S_IFDIR | mode);
	return strcmp(path, "/exists") == 0 ? -EEXIST : 0;
}

static int fake_mknod(const char *path, mode_t mode, dev_t rdev,
		      struct stat *st, void *user_data)
{
	(void)user_data;
	saw("mknod", path);
	fake.mode = mode;
	fake.rdev = rdev;
	fill_attr(st, mode);
	st->st_rdev = rdev;
	return 0;
}

static int fake_symlink(const char *path, const char *target, struct stat *st,
			void *user_data)
{
	(void)user_data;
	saw("symlink", path);
	snprintf(fake.target, sizeof(fake.target), "%s", target);
	fill_attr(st, S_IFLNK | 0777);
	return 0;
}

static int fake_link(const char *path, const char *newpath, struct stat *st,
		     void *user_data)
{
	(void)user_data;
	saw("link", path);
	snprintf(fake.newpath, sizeof(fake.newpath), "%s", newpath);
	fill_attr(st, S_IFREG | 0644);
	return 0;
}

static int fake_unlink(const char *path, void *user_data)
{
	(void)user_data;
	saw("unlink", path);
	return strcmp(path, "/missing") == 0 ? -ENOENT : 0;
}

static int fake_rmdir(const char *path, void *user_data)
{
	(void)user_data;
	saw("rmdir", path);
	return strcmp(path, "/full") == 0 ? -ENOTEMPTY : 0;
}

static int fake_rename(const char *path, const char *newpath,
		       unsigned int flags, void *user_data)
{
	(void)user_data;
	saw("rename", path);
	snprintf(fake.newpath, sizeof(fake.newpath), "%s", newpath);
	fake.flags = (int)flags;
	return 0;
}

/* "user.big" holds 65536 bytes 'x', "user.none" nothing, others 3 bytes. */
static ssize_t fake_getxattr(const char *path, const char *name, char *buf,
			     size_t size, void *user_data)
{
	(void)user_data;
	saw("getxattr", path);
	snprintf(fake.name, sizeof(fake.name), "%s", name);
	assert_int_equal(size, 65536);
	if (strcmp(name, "user.none") == 0)
		return -ENODATA;
	if (strcmp(name, "user.big") == 0) {
		memset(buf, 'x', size);
		return (ssize_t)size;
	}
	if (strcmp(name, "user.liar") == 0)
		return (ssize_t)size + 1;
	memcpy(buf, "\0\1v", 3);
	return 3;
}

static ssize_t fake_listxattr(const char *path, char *buf, size_t size,
			      void *user_data)
{
	/*
	 * A name that is not UTF-8 is left out; so is an empty one, and
	 * those of namespaces that are not carried.
	 */
	static const char names[] = "user.a\0user.caf\xe9\0\0security.selinux\0"
				    "trusted.b\0system.posix_acl_access";
	static const char unterminated[] = "user.a\0user.b";
	static const char label[] = "security.selinux\0system.nfs4_acl";

	(void)user_data;
	/* A file with only a label and an ACL, as on an SELinux host. */
	if (strcmp(path, "/labelled") == 0) {
		if (size == 0)
			return sizeof(label);
		assert_true(size >= sizeof(label));
		memcpy(buf, label, sizeof(label));
		return sizeof(label);
	}
	/*
	 * The size, then the names in a small buffer: whether attributes
	 * carry "xattr": false.
	 */
	if (size == 0)
		return strcmp(path, "/") == 0 || strcmp(path, "/sub") == 0
			       ? 0
			       : (ssize_t)sizeof(names);
	if (size < 65536) {
		assert_true(size >= sizeof(names));
		memcpy(buf, names, sizeof(names));
		return sizeof(names);
	}
	saw("listxattr", path);
	assert_int_equal(size, 65536);
	if (strcmp(path, "/none") == 0)
		return 0;
	if (strcmp(path, "/unterminated") == 0) {
		memcpy(buf, unterminated, sizeof(unterminated) - 1);
		return sizeof(unterminated) - 1;
	}
	memcpy(buf, names, sizeof(names));
	return sizeof(names);
}

static int fake_setxattr(const char *path, const char *name, const char *value,
			 size_t size, int flags, void *user_data)
{
	(void)user_data;
	saw("setxattr", path);
	snprintf(fake.name, sizeof(fake.name), "%s", name);
	memcpy(fake.data, value, size);
	fake.data_size = size;
	fake.flags = flags;
	return 0;
}

static int fake_removexattr(const char *path, const char *name, void *user_data)
{
	(void)user_data;
	saw("removexattr", path);
	snprintf(fake.name, sizeof(fake.name), "%s", name);
	return strcmp(name, "user.none") == 0 ? -ENODATA : 0;
}

static int fake_fgetattr(const char *path, uint64_t handle, struct stat *st,
			 void *user_data)
{
	(void)user_data;
	saw("fgetattr", path);
	fake.handle = handle;
	if (handle != HANDLE)
		return -EBADF;
	fill_attr(st, S_IFREG | 0640);
	st->st_nlink = 0;
	return 0;
}

static const struct wfp_operations fake_ops = {
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
	.rmdir = fake_rmdir,
	.rename = fake_rename,
	.getxattr = fake_getxattr,
	.listxattr = fake_listxattr,
	.setxattr = fake_setxattr,
	.removexattr = fake_removexattr,
	.fgetattr = fake_fgetattr,
};

/* The operations of a read-only provider without fgetattr. */
static const struct wfp_operations read_ops = {
	.getattr = fake_getattr,
	.open = fake_open,
	.release = fake_release,
};

static const struct wfp_operations no_ops;

static struct wfp_dispatch dispatch;

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	fake.read_chunk = 1024;
	fake.write_chunk = 1 << 20;
	dispatch.ops = &fake_ops;
	dispatch.user_data = &fake;
	dispatch.binary = false;
	dispatch.max_read = 4096;
	dispatch.max_write = 1 << 20;
	dispatch.max_entries = 10;
	dispatch.max_message = 1 << 20;
	dispatch.open = wfp_handles_create();
	return dispatch.open ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	/* Handles still open are released, as when a connection ends. */
	wfp_handles_destroy(dispatch.open, dispatch.ops, dispatch.user_data);
	dispatch.open = NULL;
	return 0;
}

/*
 * Dispatches the request @method with @params (JSON text) and parses the
 * response into @resp, which must be cleaned up. @out keeps the response's
 * buffer alive; destroy it after the cleanup.
 */
static void call(const char *method, const char *params, struct wf_outmsg **out,
		 struct wf_message *resp)
{
	static char text[1 << 17];
	struct wf_message req;

	snprintf(text, sizeof(text),
		 "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"%s\","
		 "\"params\":%s}",
		 method, params);
	assert_true(strlen(text) < sizeof(text) - 1);
	assert_int_equal(wf_message_parse(text, strlen(text), false, &req), 0);
	*out = wfp_dispatch_request(&dispatch, &req);
	wf_message_cleanup(&req);
	assert_non_null(*out);
	assert_int_equal(wf_message_parse((*out)->payload, (*out)->len,
					  (*out)->binary, resp),
			 0);
	assert_int_equal(resp->kind, WF_MESSAGE_RESPONSE);
	assert_int_equal(resp->id, 5);
}

static void release_response(struct wf_outmsg *out, struct wf_message *resp)
{
	wf_message_cleanup(resp);
	wf_outmsg_destroy(out);
}

/* Asserts that the request is answered with the filesystem error @name. */
static void expect_error(const char *method, const char *params,
			 const char *name)
{
	struct wf_outmsg *out;
	struct wf_message resp;
	json_t *error;

	call(method, params, &out, &resp);
	error = resp.error;
	if (!error)
		fail_msg("%s %s: expected %s, got a result", method, params,
			 name);
	assert_int_equal(json_integer_value(json_object_get(error, "code")),
			 WF_RPC_FS_ERROR);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(error, "data"), "errno")),
			    name);
	release_response(out, &resp);
}

/* Asserts that the request is answered with the JSON-RPC error @code. */
static void expect_protocol_error(const char *method, const char *params,
				  int code)
{
	struct wf_outmsg *out;
	struct wf_message resp;

	call(method, params, &out, &resp);
	if (!resp.error)
		fail_msg("%s %s: expected error %d, got a result", method,
			 params, code);
	assert_int_equal(
		json_integer_value(json_object_get(resp.error, "code")), code);
	release_response(out, &resp);
}

static void test_getattr(void **state)
{
	struct wf_outmsg *out;
	struct wf_message resp;
	json_t *r;

	(void)state;
	call("getattr", "{\"path\":\"/hello.txt\"}", &out, &resp);
	r = resp.result;
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "type")),
			    "reg");
	assert_int_equal(json_integer_value(json_object_get(r, "mode")), 0644);
	assert_int_equal(json_integer_value(json_object_get(r, "size")), 6);
	assert_int_equal(json_integer_value(json_object_get(r, "ino")), 12);
	assert_int_equal(json_integer_value(json_object_get(r, "mtime")),
			 1700000000);
	/* It has extended attributes: nothing said of them. */
	assert_null(json_object_get(r, "xattr"));
	release_response(out, &resp);

	/* The root has none, and says so. */
	call("getattr", "{\"path\":\"/\"}", &out, &resp);
	assert_true(json_is_false(json_object_get(resp.result, "xattr")));
	release_response(out, &resp);

	/* Nor has a file with only a label and an ACL any that travel. */
	call("getattr", "{\"path\":\"/labelled\"}", &out, &resp);
	assert_true(json_is_false(json_object_get(resp.result, "xattr")));
	release_response(out, &resp);

	expect_error("getattr", "{\"path\":\"/missing\"}", "ENOENT");
	/* A callback that fills no file type is a provider bug. */
	expect_error("getattr", "{\"path\":\"/bad-type\"}", "EIO");
}

static void test_invalid_paths(void **state)
{
	static const char *const bad[] = {
		"{}",
		"{\"path\":7}",
		"{\"path\":\"\"}",
		"{\"path\":\"hello.txt\"}",
		"{\"path\":\"/../etc/passwd\"}",
		"{\"path\":\"/a/../b\"}",
		"{\"path\":\"/a/./b\"}",
		"{\"path\":\"/a//b\"}",
		"{\"path\":\"/a/\"}",
	};
	static const char *const methods[] = {
		"getattr",  "readdir",	"open",	     "read",	 "release",
		"readlink", "statfs",	"access",    "create",	 "write",
		"flush",    "fsync",	"fallocate", "setattr",	 "mkdir",
		"mknod",    "symlink",	"link",	     "unlink",	 "rmdir",
		"rename",   "getxattr", "listxattr", "setxattr", "removexattr"};

	(void)state;
	for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			expect_protocol_error(methods[m], bad[i],
					      WF_RPC_INVALID_PARAMS);
	}
}

static void test_unknown_and_missing(void **state)
{
	(void)state;
	expect_protocol_error("frobnicate", "{\"path\":\"/\"}",
			      WF_RPC_METHOD_NOT_FOUND);

	/* NULL operations. */
	dispatch.ops = &no_ops;
	expect_error("getattr", "{\"path\":\"/hello.txt\"}", "ENOSYS");
	expect_error("readdir", "{\"path\":\"/\"}", "ENOSYS");
	expect_error("open", "{\"path\":\"/\",\"access\":\"read\"}", "ENOSYS");
	expect_error("read",
		     "{\"path\":\"/\",\"handle\":0,\"offset\":0,\"size\":1}",
		     "ENOSYS");
	expect_error("release", "{\"path\":\"/\",\"handle\":0}", "ENOSYS");
	expect_error("readlink", "{\"path\":\"/\"}", "ENOSYS");
	expect_error("statfs", "{\"path\":\"/\"}", "ENOSYS");
	expect_error("access", "{\"path\":\"/\",\"mode\":\"\"}", "ENOSYS");
	expect_error("create",
		     "{\"path\":\"/x\",\"mode\":420,\"access\":\"write\"}",
		     "ENOSYS");
	expect_error("write",
		     "{\"path\":\"/x\",\"handle\":1,\"offset\":0,"
		     "\"data\":\"YQ==\"}",
		     "ENOSYS");
	expect_error("flush", "{\"path\":\"/x\",\"handle\":1}", "ENOSYS");
	expect_error("fsync", "{\"path\":\"/x\",\"datasync\":true}", "ENOSYS");
	expect_error("fallocate",
		     "{\"path\":\"/x\",\"handle\":1,\"offset\":0,"
		     "\"length\":1}",
		     "ENOSYS");
	expect_error("setattr", "{\"path\":\"/x\",\"mode\":420}", "ENOSYS");
	expect_error("mkdir", "{\"path\":\"/x\",\"mode\":493}", "ENOSYS");
	expect_error("mknod",
		     "{\"path\":\"/x\",\"mode\":420,\"type\":\"fifo\"}",
		     "ENOSYS");
	expect_error("symlink", "{\"path\":\"/x\",\"target\":\"y\"}", "ENOSYS");
	expect_error("link", "{\"path\":\"/x\",\"newpath\":\"/y\"}", "ENOSYS");
	expect_error("unlink", "{\"path\":\"/x\"}", "ENOSYS");
	expect_error("rmdir", "{\"path\":\"/x\"}", "ENOSYS");
	expect_error("rename", "{\"path\":\"/x\",\"newpath\":\"/y\"}",
		     "ENOSYS");
	expect_error("getxattr", "{\"path\":\"/x\",\"name\":\"user.a\"}",
		     "ENOSYS");
	expect_error("listxattr", "{\"path\":\"/x\"}", "ENOSYS");
	expect_error("setxattr",
		     "{\"path\":\"/x\",\"name\":\"user.a\",\"data\":\"\"}",
		     "ENOSYS");
	expect_error("removexattr", "{\"path\":\"/x\",\"name\":\"user.a\"}",
		     "ENOSYS");
	/* getattr with a handle: neither operation set. */
	expect_error("getattr", "{\"path\":\"/x\",\"handle\":7}", "ENOSYS");
}

static void test_readdir(void **state)
{
	struct wf_outmsg *out;
	struct wf_message resp;
	json_t *entries, *e;

	(void)state;
	call("readdir", "{\"path\":\"/\"}", &out, &resp);
	entries = json_object_get(resp.result, "entries");
	assert_int_equal(json_array_size(entries), 2);
	e = json_array_get(entries, 0);
	assert_string_equal(json_string_value(json_object_get(e, "name")),
			    "hello.txt");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(e, "attr"), "type")),
			    "reg");
	assert_null(json_object_get(json_object_get(e, "attr"), "xattr"));
	e = json_array_get(entries, 1);
	assert_string_equal(json_string_value(json_object_get(e, "name")),
			    "sub");
	/* "/sub" has no extended attributes. */
	assert_true(json_is_false(
		json_object_get(json_object_get(e, "attr"), "xattr")));
	release_response(out, &resp);

	expect_error("readdir", "{\"path\":\"/secret\"}", "EACCES");
	/* More entries than max_entries fail the listing as a whole. */
	expect_error("readdir", "{\"path\":\"/many\"}", "E2BIG");
}

static void test_open(void **state)
{
	struct wf_outmsg *out;
	struct wf_message resp;

	(void)state;
	call("open", "{\"path\":\"/hello.txt\",\"access\":\"read\"}", &out,
	     &resp);
	assert_int_equal(
		json_integer_value(json_object_get(resp.result, "handle")),
		HANDLE);
	assert_int_equal(fake.open_flags, O_RDONLY);
	release_response(out, &resp);

	call("open",
	     "{\"path\":\"/hello.txt\",\"access\":\"read-write\","
	     "\"flags\":[\"append\",\"truncate\",\"future\",\"noatime\"]}",
	     &out, &resp);
	assert_non_null(resp.result);
	assert_int_equal(fake.open_flags,
			 O_RDWR | O_APPEND | O_TRUNC | O_NOATIME);
	release_response(out, &resp);

	call("open",
	     "{\"path\":\"/hello.txt\",\"access\":\"write\","
	     "\"flags\":[\"sync\",\"dsync\",\"direct\"]}",
	     &out, &resp);
	assert_int_equal(fake.open_flags,
			 O_WRONLY | O_SYNC | O_DSYNC | O_DIRECT);
	release_response(out, &resp);

	expect_error("open", "{\"path\":\"/nope\",\"access\":\"read\"}",
		     "ENOENT");
	expect_protocol_error("open", "{\"path\":\"/hello.txt\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("open",
			      "{\"path\":\"/hello.txt\",\"access\":\"rw\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error(
		"open",
		"{\"path\":\"/hello.txt\",\"access\":\"read\",\"flags\":\"x\"}",
		WF_RPC_INVALID_PARAMS);
	expect_protocol_error(
		"open",
		"{\"path\":\"/hello.txt\",\"access\":\"read\",\"flags\":[1]}",
		WF_RPC_INVALID_PARAMS);
}

/* A handle the wire cannot carry fails, and the file is closed again. */
static void test_open_handle_overflow(void **state)
{
	(void)state;
	expect_error("open", "{\"path\":\"/huge\",\"access\":\"read\"}",
		     "EOVERFLOW");
	assert_int_equal(fake.release_calls, 1);
	assert_int_equal(fake.released, (uint64_t)1 << 60);
}

/* What a connection leaves open is released when it ends, exactly once. */
static void test_open_handles_released_at_end(void **state)
{
	struct wf_outmsg *out;
	struct wf_message resp;

	(void)state;
	for (int i = 0; i < 3; i++) {
		call("open", "{\"path\":\"/hello.txt\",\"access\":\"read\"}",
		     &out, &resp);
		assert_non_null(resp.result);
		release_response(out, &resp);
	}
	call("release", "{\"path\":\"/hello.txt\",\"handle\":7}", &out, &resp);
	release_response(out, &resp);
	assert_int_equal(fake.release_calls, 1);
	wfp_handles_destroy(dispatch.open, dispatch.ops, dispatch.user_data);
	dispatch.open = NULL;
	/* Three opens of the same handle, one released: two left. */
	assert_int_equal(fake.release_calls, 3);
	assert_int_equal(fake.released, HANDLE);
}

/*
 * Decodes base64 @text into @data. lws needs two bytes of room beyond the
 * data, else it drops the last group (wf_message_data() as of this writing
 * gives it one): decoded here with room to spare, so that this test checks
 * what the provider encodes.
 */
static size_t decode_base64(const char *text, char *data, size_t max)
{
	char buf[256];
	size_t len = strlen(text);
	int n;

	assert_true(len % 4 == 0 && len / 4 * 3 <= max);
	if (len == 0)
		return 0;
	n = lws_b64_decode_string_len(text, (int)len, buf, sizeof(buf));
	assert_true(n >= 0 && (size_t)n <= max);
	assert_int_equal((size_t)n, len / 4 * 3 - (text[len - 1] == '=') -
					    (text[len - 2] == '='));
	memcpy(data, buf, (size_t)n);
	return (size_t)n;
}

/* Reads and returns the data of the read request with @params. */
static size_t read_data(const char *params, bool binary, char *data, size_t max)
{
	struct wf_outmsg *out;
	struct wf_message resp;
	const char *bytes;
	size_t size;

	dispatch.binary = binary;
	call("read", params, &out, &resp);
	assert_non_null(resp.result);
	assert_int_equal(out->binary, binary);
	if (binary) {
		assert_non_null(resp.attachment);
		assert_int_equal(wf_message_data(&resp, max, &bytes, &size), 0);
		memcpy(data, bytes, size);
	} else {
		const char *text =
			json_string_value(json_object_get(resp.result, "data"));

		assert_non_null(text);
		size = decode_base64(text, data, max);
	}
	release_response(out, &resp);
	return size;
}

static void check_reads(bool binary)
{
	char data[64];
	size_t n;

	n = read_data("{\"path\":\"/hello.txt\",\"handle\":7,\"offset\":0,"
		      "\"size\":4096}",
		      binary, data, sizeof(data));
	assert_int_equal(n, 6);
	assert_memory_equal(data, CONTENT, 6);

	n = read_data("{\"path\":\"/hello.txt\",\"handle\":7,\"offset\":2,"
		      "\"size\":3}",
		      binary, data, sizeof(data));
	assert_int_equal(n, 3);
	assert_memory_equal(data, "llo", 3);

	/* Past the end: zero bytes. */
	n = read_data("{\"path\":\"/hello.txt\",\"handle\":7,\"offset\":100,"
		      "\"size\":10}",
		      binary, data, sizeof(data));
	assert_int_equal(n, 0);
	n = read_data("{\"path\":\"/hello.txt\",\"handle\":7,\"offset\":0,"
		      "\"size\":0}",
		      binary, data, sizeof(data));
	assert_int_equal(n, 0);
}

static void test_read_base64(void **state)
{
	(void)state;
	check_reads(false);
}

static void test_read_binary(void **state)
{
	(void)state;
	check_reads(true);
}

/* Short counts of the operation are completed; only EOF ends early. */
static void test_read_short_counts(void **state)
{
	char data[64];
	size_t n;

	(void)state;
	fake.read_chunk = 1;
	n = read_data("{\"path\":\"/hello.txt\",\"handle\":7,\"offset\":1,"
		      "\"size\":4}",
		      true, data, sizeof(data));
	assert_int_equal(n, 4);
	assert_memory_equal(data, "ello", 4);
	assert_int_equal(fake.read_calls, 4);

	fake.read_calls = 0;
	n = read_data("{\"path\":\"/hello.txt\",\"handle\":7,\"offset\":0,"
		      "\"size\":100}",
		      false, data, sizeof(data));
	assert_int_equal(n, 6);
	/* Six bytes, then the call that tells end of file. */
	assert_int_equal(fake.read_calls, 7);

	/* An error after some bytes ends the result there. */
	n = read_data("{\"path\":\"/fail-late\",\"handle\":7,\"offset\":0,"
		      "\"size\":100}",
		      false, data, sizeof(data));
	assert_int_equal(n, 2);
}

static void test_read_errors(void **state)
{
	(void)state;
	expect_error("read",
		     "{\"path\":\"/hello.txt\",\"handle\":8,\"offset\":0,"
		     "\"size\":10}",
		     "EBADF");
	/* The operation returned more than asked: a provider bug. */
	expect_error("read",
		     "{\"path\":\"/overflow\",\"handle\":7,\"offset\":0,"
		     "\"size\":10}",
		     "EIO");
	expect_protocol_error("read",
			      "{\"path\":\"/hello.txt\",\"handle\":7,"
			      "\"offset\":0,\"size\":4097}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("read",
			      "{\"path\":\"/hello.txt\",\"handle\":7,"
			      "\"offset\":-1,\"size\":1}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("read",
			      "{\"path\":\"/hello.txt\",\"handle\":7,"
			      "\"offset\":9007199254740992,\"size\":1}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("read",
			      "{\"path\":\"/hello.txt\",\"handle\":7.5,"
			      "\"offset\":0,\"size\":1}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("read",
			      "{\"path\":\"/hello.txt\",\"handle\":\"7\","
			      "\"offset\":0,\"size\":1}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("read",
			      "{\"path\":\"/hello.txt\",\"handle\":7,"
			      "\"offset\":0}",
			      WF_RPC_INVALID_PARAMS);
	assert_int_equal(fake.read_calls, 2);
}

/*
 * Like call(), in the attachment form: @params (JSON text of an object)
 * gains "data": @size, and the @size bytes at @data follow the header.
 */
static void call_binary(const char *method, const char *params,
			const void *data, size_t size, struct wf_outmsg **out,
			struct wf_message *resp)
{
	static char buf[1 << 18];
	struct wf_message req;
	size_t plen = strlen(params);
	int hlen;

	assert_true(plen > 2 && params[plen - 1] == '}');
	hlen = snprintf(buf + 4, sizeof(buf) - 4,
			"{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"%s\","
			"\"params\":%.*s,\"data\":%zu}}",
			method, (int)plen - 1, params, size);
	assert_true(hlen > 0 && 4 + (size_t)hlen + size <= sizeof(buf));
	buf[0] = 0;
	buf[1] = (char)(hlen >> 16);
	buf[2] = (char)(hlen >> 8);
	buf[3] = (char)hlen;
	memcpy(buf + 4 + hlen, data, size);
	dispatch.binary = true;
	assert_int_equal(
		wf_message_parse(buf, 4 + (size_t)hlen + size, true, &req), 0);
	*out = wfp_dispatch_request(&dispatch, &req);
	wf_message_cleanup(&req);
	assert_non_null(*out);
	assert_int_equal(wf_message_parse((*out)->payload, (*out)->len,
					  (*out)->binary, resp),
			 0);
	assert_int_equal(resp->id, 5);
}

/* Asserts the JSON-RPC error @code for an attachment request. */
static void expect_binary_protocol_error(const char *method, const char *params,
					 const void *data, size_t size,
					 int code)
{
	struct wf_outmsg *out;
	struct wf_message resp;

	call_binary(method, params, data, size, &out, &resp);
	if (!resp.error)
		fail_msg("%s %s: expected error %d, got a result", method,
			 params, code);
	assert_int_equal(
		json_integer_value(json_object_get(resp.error, "code")), code);
	release_response(out, &resp);
}

/* Only write and setxattr carry data: others refuse an attachment. */
static void test_attachment_refused(void **state)
{
	static const char *const requests[][2] = {
		{"read", "{\"path\":\"/hello.txt\",\"handle\":7,"
			 "\"offset\":0,\"size\":4}"},
		{"mkdir", "{\"path\":\"/d\",\"mode\":493}"},
		{"getxattr", "{\"path\":\"/f\",\"name\":\"user.a\"}"},
		{"symlink", "{\"path\":\"/l\",\"target\":\"t\"}"},
		{"fallocate", "{\"path\":\"/f\",\"handle\":7,\"offset\":0,"
			      "\"length\":3}"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		expect_binary_protocol_error(requests[i][0], requests[i][1],
					     "abc", 3, WF_RPC_INVALID_PARAMS);
	assert_int_equal(fake.read_calls, 0);
	assert_null(fake.op);
}

/* The base64 of @size bytes at @data, in a static buffer. */
static const char *base64(const void *data, size_t size)
{
	static char text[1 << 17];
	int n = lws_b64_encode_string(data, (int)size, text, sizeof(text));

	assert_true(n >= 0);
	return text;
}

/* The integer member @key of the result of @resp. */
static json_int_t result_int(const struct wf_message *resp, const char *key)
{
	json_t *v = json_object_get(resp->result, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* The integer member @key of the attr in the result of @resp. */
static json_int_t attr_int(const json_t *attr, const char *key)
{
	json_t *v = json_object_get(attr, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* Asserts that getattr of @path without a handle gives @size. */
static void expect_attr_size(const char *path, json_int_t size)
{
	struct wf_outmsg *out;
	struct wf_message resp;
	char params[128];

	snprintf(params, sizeof(params), "{\"path\":\"%s\"}", path);
	call("getattr", params, &out, &resp);
	assert_non_null(resp.result);
	assert_int_equal(attr_int(resp.result, "size"), size);
	release_response(out, &resp);
}

/* Asserts a result that is the empty object. */
static void expect_empty(const char *method, const char *params)
{
	struct wf_outmsg *out;
	struct wf_message resp;

	call(method, params, &out, &resp);
	if (!resp.result)
		fail_msg("%s %s: expected a result", method, params);
	assert_int_equal(json_object_size(resp.result), 0);
	release_response(out, &resp);
}

/* Asserts a result that is an attribute object of @type from the fakes. */
static void expect_attr(const char *method, const char *params,
			const char *type)
{
	struct wf_outmsg *out;
	struct wf_message resp;

	call(method, params, &out, &resp);
	if (!resp.result)
		fail_msg("%s %s: expected a result", method, params);
	assert_string_equal(
		json_string_value(json_object_get(resp.result, "type")), type);
	assert_int_equal(attr_int(resp.result, "ino"), 42);
	release_response(out, &resp);
}

static void test_create(void **state)
{
	struct wf_outmsg *out;
	struct wf_message resp;
	json_t *attr;

	(void)state;
	call("create",
	     "{\"path\":\"/new\",\"mode\":384,\"access\":\"read-write\","
	     "\"flags\":[\"exclusive\",\"truncate\",\"future\"]}",
	     &out, &resp);
	assert_non_null(resp.result);
	assert_int_equal(result_int(&resp, "handle"), HANDLE);
	attr = json_object_get(resp.result, "attr");
	assert_string_equal(json_string_value(json_object_get(attr, "type")),
			    "reg");
	assert_int_equal(attr_int(attr, "mode"), 0600);
	assert_int_equal(attr_int(attr, "ino"), 42);
	assert_string_equal(fake.path, "/new");
	assert_int_equal(fake.mode, 0600);
	assert_int_equal(fake.flags, O_RDWR | O_EXCL | O_TRUNC);
	release_response(out, &resp);

	call("create", "{\"path\":\"/new\",\"mode\":4095,\"access\":\"write\"}",
	     &out, &resp);
	assert_non_null(resp.result);
	assert_int_equal(fake.mode, 07777);
	assert_int_equal(fake.flags, O_WRONLY);
	release_response(out, &resp);

	expect_error("create",
		     "{\"path\":\"/exists\",\"mode\":420,\"access\":\"write\"}",
		     "EEXIST");
	/* A handle the wire cannot carry: the file is closed again. */
	expect_error("create",
		     "{\"path\":\"/huge\",\"mode\":420,\"access\":\"write\"}",
		     "EOVERFLOW");
	assert_int_equal(fake.release_calls, 1);
	assert_int_equal(fake.released, (uint64_t)1 << 60);
	/* So is one whose attributes cannot travel. */
	expect_error(
		"create",
		"{\"path\":\"/bad-type\",\"mode\":420,\"access\":\"write\"}",
		"EIO");
	assert_int_equal(fake.release_calls, 2);
	assert_int_equal(fake.released, HANDLE);

	fake.op = NULL;
	expect_protocol_error("create",
			      "{\"path\":\"/new\",\"access\":\"write\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error(
		"create",
		"{\"path\":\"/new\",\"mode\":4096,\"access\":\"write\"}",
		WF_RPC_INVALID_PARAMS);
	expect_protocol_error(
		"create",
		"{\"path\":\"/new\",\"mode\":-1,\"access\":\"write\"}",
		WF_RPC_INVALID_PARAMS);
	expect_protocol_error(
		"create",
		"{\"path\":\"/new\",\"mode\":\"644\",\"access\":\"write\"}",
		WF_RPC_INVALID_PARAMS);
	expect_protocol_error("create", "{\"path\":\"/new\",\"mode\":420}",
			      WF_RPC_INVALID_PARAMS);
	assert_null(fake.op);
}

/* "exclusive" means nothing to open: it does not reach the operation. */
static void test_open_exclusive_dropped(void **state)
{
	struct wf_outmsg *out;
	struct wf_message resp;

	(void)state;
	call("open",
	     "{\"path\":\"/hello.txt\",\"access\":\"write\","
	     "\"flags\":[\"exclusive\",\"append\"]}",
	     &out, &resp);
	assert_non_null(resp.result);
	assert_int_equal(fake.open_flags, O_WRONLY | O_APPEND);
	release_response(out, &resp);
}

/* Writes @size bytes of @data at offset 3 of handle 7, as @binary says. */
static void write_data(const char *path, const void *data, size_t size,
		       bool binary, struct wf_outmsg **out,
		       struct wf_message *resp)
{
	static char params[(1 << 17) + 256];

	if (binary) {
		snprintf(params, sizeof(params),
			 "{\"path\":\"%s\",\"handle\":7,\"offset\":3}", path);
		call_binary("write", params, data, size, out, resp);
		return;
	}
	snprintf(params, sizeof(params),
		 "{\"path\":\"%s\",\"handle\":7,\"offset\":3,\"data\":\"%s\"}",
		 path, base64(data, size));
	call("write", params, out, resp);
}

/* Asserts that writing @size bytes to @path is answered with @written. */
static void check_write(const char *path, size_t size, bool binary,
			size_t written)
{
	static char data[1 << 16];
	struct wf_outmsg *out;
	struct wf_message resp;

	for (size_t i = 0; i < size; i++)
		data[i] = (char)(i * 7 + 1);
	fake.write_calls = 0;
	fake.path[0] = '\0';
	write_data(path, data, size, binary, &out, &resp);
	if (!resp.result)
		fail_msg("write %s of %zu: expected a result", path, size);
	assert_int_equal(result_int(&resp, "size"), written);
	release_response(out, &resp);
	if (strcmp(path, "/f") == 0 && size > 0) {
		assert_string_equal(fake.path, path);
		assert_int_equal(fake.handle, HANDLE);
		assert_int_equal(fake.offset, 3);
		assert_int_equal(fake.data_size, written);
		assert_memory_equal(fake.data, data, written);
	}
}

static void check_writes(bool binary)
{
	fake.write_chunk = 1 << 20;
	check_write("/f", 1, binary, 1);
	check_write("/f", 5, binary, 5);
	check_write("/f", 40000, binary, 40000);
	/* Short counts are completed. */
	fake.write_chunk = 3;
	check_write("/f", 10, binary, 10);
	assert_int_equal(fake.write_calls, 4);
	/* An error after some bytes: those bytes are the answer. */
	check_write("/full", 10, binary, 2);
	assert_int_equal(fake.write_calls, 2);
	/* The operation wrote nothing and reports no error. */
	check_write("/stuck", 10, binary, 0);
	assert_int_equal(fake.write_calls, 1);
	/* Zero bytes need no call. */
	check_write("/f", 0, binary, 0);
	assert_int_equal(fake.write_calls, 0);
}

/* Data of a write arrives as base64 and as an attachment alike. */
static void test_write(void **state)
{
	(void)state;
	check_writes(false);
	check_writes(true);
}

static void test_write_errors(void **state)
{
	struct wf_outmsg *out;
	struct wf_message resp;
	char data[16];

	(void)state;
	memset(data, 'a', sizeof(data));
	write_data("/denied", data, 4, false, &out, &resp);
	assert_non_null(resp.error);
	release_response(out, &resp);
	expect_error("write",
		     "{\"path\":\"/denied\",\"handle\":7,\"offset\":0,"
		     "\"data\":\"YWJj\"}",
		     "EBADF");
	/* More than asked: a provider bug. */
	expect_error("write",
		     "{\"path\":\"/overflow\",\"handle\":7,\"offset\":0,"
		     "\"data\":\"YWJj\"}",
		     "EIO");

	/* At most max_write bytes, in either form. */
	dispatch.max_write = 8;
	expect_protocol_error("write",
			      "{\"path\":\"/f\",\"handle\":7,\"offset\":0,"
			      "\"data\":\"YWFhYWFhYWFh\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_binary_protocol_error("write",
				     "{\"path\":\"/f\",\"handle\":7,"
				     "\"offset\":0}",
				     data, 9, WF_RPC_INVALID_PARAMS);
	fake.write_calls = 0;
	check_write("/f", 8, true, 8);

	fake.op = NULL;
	expect_protocol_error("write",
			      "{\"path\":\"/f\",\"handle\":7,\"offset\":0}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("write",
			      "{\"path\":\"/f\",\"handle\":7,\"offset\":0,"
			      "\"data\":\"YWJ\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("write",
			      "{\"path\":\"/f\",\"handle\":7,\"offset\":0,"
			      "\"data\":3}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error(
		"write", "{\"path\":\"/f\",\"offset\":0,\"data\":\"YQ==\"}",
		WF_RPC_INVALID_PARAMS);
	expect_protocol_error(
		"write", "{\"path\":\"/f\",\"handle\":7,\"data\":\"YQ==\"}",
		WF_RPC_INVALID_PARAMS);
	expect_protocol_error("write",
			      "{\"path\":\"/f\",\"handle\":7,"
			      "\"offset\":9007199254740992,\"data\":\"YQ==\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("write",
			      "{\"path\":\"/f\",\"handle\":-1,\"offset\":0,"
			      "\"data\":\"YQ==\"}",
			      WF_RPC_INVALID_PARAMS);
	assert_null(fake.op);
}

static void test_flush_fsync(void **state)
{
	(void)state;
	expect_empty("flush", "{\"path\":\"/f\",\"handle\":7}");
	assert_string_equal(fake.op, "flush");
	assert_int_equal(fake.handle, 7);

	expect_empty("fsync",
		     "{\"path\":\"/f\",\"handle\":7,\"datasync\":true}");
	assert_int_equal(fake.handle, 7);
	assert_true(fake.datasync);
	/* Without a handle: a directory. */
	expect_empty("fsync", "{\"path\":\"/d\",\"datasync\":false}");
	assert_int_equal(fake.handle, WFP_NO_HANDLE);
	assert_false(fake.datasync);
	expect_error("fsync", "{\"path\":\"/eio\",\"datasync\":false}", "EIO");

	fake.op = NULL;
	expect_protocol_error("flush", "{\"path\":\"/f\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("fsync", "{\"path\":\"/f\",\"handle\":7}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("fsync", "{\"path\":\"/f\",\"datasync\":1}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error(
		"fsync", "{\"path\":\"/f\",\"handle\":\"7\",\"datasync\":true}",
		WF_RPC_INVALID_PARAMS);
	assert_null(fake.op);
}

static void test_fallocate(void **state)
{
	(void)state;
	expect_empty("fallocate", "{\"path\":\"/f\",\"handle\":7,\"offset\":10,"
				  "\"length\":9007199254740991,"
				  "\"flags\":[\"keep_size\",\"punch_hole\"]}");
	assert_string_equal(fake.op, "fallocate");
	assert_int_equal(fake.handle, 7);
	assert_int_equal(fake.offset, 10);
	assert_int_equal(fake.length, 9007199254740991);
	assert_int_equal(fake.flags,
			 FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE);
	expect_empty("fallocate", "{\"path\":\"/f\",\"handle\":7,\"offset\":0,"
				  "\"length\":1,\"flags\":[\"zero_range\"]}");
	assert_int_equal(fake.flags, FALLOC_FL_ZERO_RANGE);
	expect_empty(
		"fallocate",
		"{\"path\":\"/f\",\"handle\":7,\"offset\":0,\"length\":1}");
	assert_int_equal(fake.flags, 0);

	fake.op = NULL;
	/* An unknown name would change what is done: EINVAL (6.3). */
	expect_error("fallocate",
		     "{\"path\":\"/f\",\"handle\":7,\"offset\":0,\"length\":1,"
		     "\"flags\":[\"keep_size\",\"collapse_range\"]}",
		     "EINVAL");
	expect_protocol_error("fallocate",
			      "{\"path\":\"/f\",\"handle\":7,\"offset\":0,"
			      "\"length\":1,\"flags\":\"keep_size\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("fallocate",
			      "{\"path\":\"/f\",\"handle\":7,\"offset\":0,"
			      "\"length\":1,\"flags\":[1]}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("fallocate",
			      "{\"path\":\"/f\",\"handle\":7,\"offset\":0}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("fallocate",
			      "{\"path\":\"/f\",\"handle\":7,\"offset\":0,"
			      "\"length\":9007199254740992}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("fallocate",
			      "{\"path\":\"/f\",\"offset\":0,\"length\":1}",
			      WF_RPC_INVALID_PARAMS);
	/* Invalid params win over an unknown flag name. */
	expect_protocol_error("fallocate",
			      "{\"path\":\"/f\",\"handle\":7,\"offset\":-1,"
			      "\"length\":1,\"flags\":[\"nope\"]}",
			      WF_RPC_INVALID_PARAMS);
	assert_null(fake.op);
}

static void test_setattr(void **state)
{
	struct wf_outmsg *out;
	struct wf_message resp;

	(void)state;
	call("setattr",
	     "{\"path\":\"/f\",\"mode\":1517,\"uid\":1000,\"gid\":0,"
	     "\"size\":12345,\"atime\":\"now\",\"mtime\":1700000000,"
	     "\"mtime_ns\":5}",
	     &out, &resp);
	assert_non_null(resp.result);
	assert_int_equal(attr_int(resp.result, "mode"), 0600);
	release_response(out, &resp);
	assert_int_equal(fake.handle, WFP_NO_HANDLE);
	assert_int_equal(fake.to_set, WFP_SET_MODE | WFP_SET_UID | WFP_SET_GID |
					      WFP_SET_SIZE | WFP_SET_ATIME |
					      WFP_SET_MTIME);
	assert_int_equal(fake.values.st_mode, 02755);
	assert_int_equal(fake.values.st_uid, 1000);
	assert_int_equal(fake.values.st_gid, 0);
	assert_int_equal(fake.values.st_size, 12345);
	assert_int_equal(fake.values.st_atim.tv_nsec, UTIME_NOW);
	assert_int_equal(fake.values.st_mtim.tv_sec, 1700000000);
	assert_int_equal(fake.values.st_mtim.tv_nsec, 5);

	/* With a handle; only what is present changes. */
	expect_attr("setattr", "{\"path\":\"/f\",\"handle\":7,\"size\":0}",
		    "reg");
	assert_int_equal(fake.handle, 7);
	assert_int_equal(fake.to_set, WFP_SET_SIZE);
	expect_attr("setattr", "{\"path\":\"/f\"}", "reg");
	assert_int_equal(fake.to_set, 0);
	expect_error("setattr", "{\"path\":\"/perm\",\"uid\":0}", "EPERM");

	fake.op = NULL;
	expect_protocol_error("setattr", "{\"path\":\"/f\",\"mode\":4096}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("setattr", "{\"path\":\"/f\",\"uid\":4294967295}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("setattr", "{\"path\":\"/f\",\"size\":-1}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("setattr",
			      "{\"path\":\"/f\",\"mtime\":\"later\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("setattr",
			      "{\"path\":\"/f\",\"atime\":1,\"atime_ns\":1e9}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("setattr", "{\"path\":\"/f\",\"handle\":0.5}",
			      WF_RPC_INVALID_PARAMS);
	assert_null(fake.op);
}

static void test_mkdir_mknod_symlink(void **state)
{
	char params[4300];

	(void)state;
	expect_attr("mkdir", "{\"path\":\"/d\",\"mode\":1000}", "dir");
	assert_string_equal(fake.path, "/d");
	assert_int_equal(fake.mode, 01750);
	expect_error("mkdir", "{\"path\":\"/exists\",\"mode\":448}", "EEXIST");

	expect_attr("mknod", "{\"path\":\"/p\",\"mode\":420,\"type\":\"fifo\"}",
		    "fifo");
	assert_int_equal(fake.mode, S_IFIFO | 0644);
	assert_int_equal(fake.rdev, 0);
	expect_attr("mknod",
		    "{\"path\":\"/c\",\"mode\":438,\"type\":\"chr\","
		    "\"rdev\":259}",
		    "chr");
	assert_int_equal(fake.mode, S_IFCHR | 0666);
	assert_int_equal(fake.rdev, 259);
	expect_attr("mknod", "{\"path\":\"/r\",\"mode\":0,\"type\":\"reg\"}",
		    "reg");
	expect_attr("mknod", "{\"path\":\"/s\",\"mode\":0,\"type\":\"sock\"}",
		    "sock");
	expect_attr("mknod", "{\"path\":\"/b\",\"mode\":0,\"type\":\"blk\"}",
		    "blk");

	expect_attr("symlink", "{\"path\":\"/l\",\"target\":\"../x/y\"}",
		    "lnk");
	assert_string_equal(fake.target, "../x/y");
	/* The longest target, 4095 bytes. */
	snprintf(params, sizeof(params),
		 "{\"path\":\"/l\",\"target\":\"%4095d\"}", 1);
	expect_attr("symlink", params, "lnk");
	assert_int_equal(strlen(fake.target), 4095);

	fake.op = NULL;
	expect_protocol_error("mkdir", "{\"path\":\"/d\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("mkdir", "{\"path\":\"/d\",\"mode\":4096}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("mknod", "{\"path\":\"/p\",\"mode\":420}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("mknod",
			      "{\"path\":\"/p\",\"mode\":420,\"type\":\"dir\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("mknod",
			      "{\"path\":\"/p\",\"mode\":420,\"type\":\"lnk\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error(
		"mknod", "{\"path\":\"/p\",\"mode\":420,\"type\":\"door\"}",
		WF_RPC_INVALID_PARAMS);
	expect_protocol_error("mknod",
			      "{\"path\":\"/p\",\"mode\":420,\"type\":\"chr\","
			      "\"rdev\":-1}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error(
		"mknod", "{\"path\":\"/p\",\"mode\":65535,\"type\":\"chr\"}",
		WF_RPC_INVALID_PARAMS);
	expect_protocol_error("symlink", "{\"path\":\"/l\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("symlink", "{\"path\":\"/l\",\"target\":\"\"}",
			      WF_RPC_INVALID_PARAMS);
	snprintf(params, sizeof(params),
		 "{\"path\":\"/l\",\"target\":\"%4096d\"}", 1);
	expect_protocol_error("symlink", params, WF_RPC_INVALID_PARAMS);
	assert_null(fake.op);
}

static void test_link_unlink_rename(void **state)
{
	(void)state;
	expect_attr("link", "{\"path\":\"/a\",\"newpath\":\"/sub/b\"}", "reg");
	assert_string_equal(fake.path, "/a");
	assert_string_equal(fake.newpath, "/sub/b");
	expect_empty("unlink", "{\"path\":\"/a\"}");
	assert_string_equal(fake.op, "unlink");
	expect_error("unlink", "{\"path\":\"/missing\"}", "ENOENT");
	expect_empty("rmdir", "{\"path\":\"/d\"}");
	assert_string_equal(fake.op, "rmdir");
	expect_error("rmdir", "{\"path\":\"/full\"}", "ENOTEMPTY");

	expect_empty("rename", "{\"path\":\"/a\",\"newpath\":\"/b\"}");
	assert_string_equal(fake.newpath, "/b");
	assert_int_equal(fake.flags, 0);
	expect_empty("rename", "{\"path\":\"/a\",\"newpath\":\"/b\","
			       "\"flags\":[\"noreplace\"]}");
	assert_int_equal(fake.flags, RENAME_NOREPLACE);
	expect_empty("rename", "{\"path\":\"/a\",\"newpath\":\"/b\","
			       "\"flags\":[\"exchange\"]}");
	assert_int_equal(fake.flags, RENAME_EXCHANGE);

	fake.op = NULL;
	expect_error("rename",
		     "{\"path\":\"/a\",\"newpath\":\"/b\","
		     "\"flags\":[\"whiteout\"]}",
		     "EINVAL");
	expect_protocol_error("rename", "{\"path\":\"/a\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("rename",
			      "{\"path\":\"/a\",\"newpath\":\"/../b\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("rename", "{\"path\":\"/a\",\"newpath\":\"b\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("rename",
			      "{\"path\":\"/a\",\"newpath\":\"/b\","
			      "\"flags\":{}}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("link", "{\"path\":\"/a\",\"newpath\":\"/b/\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("link", "{\"path\":\"/a\",\"newpath\":7}",
			      WF_RPC_INVALID_PARAMS);
	assert_null(fake.op);
}

/* Reads the xattr @name of /f in the form @binary says into @data. */
static size_t get_xattr(const char *name, bool binary, char *data, size_t max)
{
	struct wf_outmsg *out;
	struct wf_message resp;
	char params[128];
	const char *bytes;
	size_t size;

	snprintf(params, sizeof(params), "{\"path\":\"/f\",\"name\":\"%s\"}",
		 name);
	dispatch.binary = binary;
	call("getxattr", params, &out, &resp);
	assert_non_null(resp.result);
	assert_int_equal(out->binary, binary);
	if (binary)
		assert_non_null(resp.attachment);
	else
		assert_true(
			json_is_string(json_object_get(resp.result, "data")));
	assert_int_equal(wf_message_data(&resp, max, &bytes, &size), 0);
	memcpy(data, bytes, size);
	release_response(out, &resp);
	return size;
}

static void test_getxattr(void **state)
{
	static char data[70000];
	char name[300];

	(void)state;
	for (int binary = 0; binary < 2; binary++) {
		assert_int_equal(get_xattr("user.a", binary, data, 100), 3);
		assert_memory_equal(data, "\0\1v", 3);
		assert_string_equal(fake.name, "user.a");
		assert_string_equal(fake.path, "/f");
		assert_int_equal(
			get_xattr("user.big", binary, data, sizeof(data)),
			65536);
		assert_int_equal(data[0], 'x');
		assert_int_equal(data[65535], 'x');
	}
	expect_error("getxattr", "{\"path\":\"/f\",\"name\":\"user.none\"}",
		     "ENODATA");
	/* More than the buffer holds: a provider bug. */
	expect_error("getxattr", "{\"path\":\"/f\",\"name\":\"user.liar\"}",
		     "EIO");

	fake.op = NULL;
	expect_protocol_error("getxattr", "{\"path\":\"/f\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("getxattr", "{\"path\":\"/f\",\"name\":\"\"}",
			      WF_RPC_INVALID_PARAMS);
	snprintf(name, sizeof(name), "{\"path\":\"/f\",\"name\":\"%0256d\"}",
		 0);
	expect_protocol_error("getxattr", name, WF_RPC_INVALID_PARAMS);
	expect_protocol_error("removexattr", name, WF_RPC_INVALID_PARAMS);
	assert_null(fake.op);
	/* 255 bytes are fine. */
	snprintf(name, sizeof(name), "{\"path\":\"/f\",\"name\":\"%0255d\"}",
		 0);
	expect_empty("removexattr", name);
}

static void test_listxattr(void **state)
{
	struct wf_outmsg *out;
	struct wf_message resp;
	json_t *names;

	(void)state;
	call("listxattr", "{\"path\":\"/f\"}", &out, &resp);
	names = json_object_get(resp.result, "names");
	assert_int_equal(json_array_size(names), 2);
	assert_string_equal(json_string_value(json_array_get(names, 0)),
			    "user.a");
	assert_string_equal(json_string_value(json_array_get(names, 1)),
			    "trusted.b");
	release_response(out, &resp);

	call("listxattr", "{\"path\":\"/none\"}", &out, &resp);
	names = json_object_get(resp.result, "names");
	assert_true(json_is_array(names));
	assert_int_equal(json_array_size(names), 0);
	release_response(out, &resp);

	expect_error("listxattr", "{\"path\":\"/unterminated\"}", "EIO");
}

static void test_setxattr(void **state)
{
	static char big[65537];

	(void)state;
	expect_empty("setxattr", "{\"path\":\"/f\",\"name\":\"user.a\","
				 "\"data\":\"AAF2\",\"flags\":[\"create\"]}");
	assert_string_equal(fake.name, "user.a");
	assert_int_equal(fake.data_size, 3);
	assert_memory_equal(fake.data, "\0\1v", 3);
	assert_int_equal(fake.flags, XATTR_CREATE);
	expect_empty("setxattr", "{\"path\":\"/f\",\"name\":\"user.a\","
				 "\"data\":\"\",\"flags\":[\"replace\"]}");
	assert_int_equal(fake.data_size, 0);
	assert_int_equal(fake.flags, XATTR_REPLACE);

	/* The attachment form, up to 65536 bytes. */
	memset(big, 'z', sizeof(big));
	{
		struct wf_outmsg *out;
		struct wf_message resp;

		call_binary("setxattr",
			    "{\"path\":\"/f\",\"name\":\"user.big\"}", big,
			    65536, &out, &resp);
		assert_non_null(resp.result);
		release_response(out, &resp);
	}
	assert_int_equal(fake.data_size, 65536);
	assert_int_equal(fake.flags, 0);
	assert_int_equal(fake.data[65535], 'z');

	fake.op = NULL;
	expect_binary_protocol_error("setxattr",
				     "{\"path\":\"/f\",\"name\":\"user.big\"}",
				     big, 65537, WF_RPC_INVALID_PARAMS);
	expect_error("setxattr",
		     "{\"path\":\"/f\",\"name\":\"user.a\",\"data\":\"\","
		     "\"flags\":[\"create\",\"upsert\"]}",
		     "EINVAL");
	expect_protocol_error("setxattr",
			      "{\"path\":\"/f\",\"name\":\"user.a\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("setxattr",
			      "{\"path\":\"/f\",\"name\":\"user.a\","
			      "\"data\":\"!!!!\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("setxattr", "{\"path\":\"/f\",\"data\":\"AAF2\"}",
			      WF_RPC_INVALID_PARAMS);
	assert_null(fake.op);

	expect_empty("removexattr", "{\"path\":\"/f\",\"name\":\"user.a\"}");
	assert_string_equal(fake.op, "removexattr");
	assert_string_equal(fake.name, "user.a");
	expect_error("removexattr", "{\"path\":\"/f\",\"name\":\"user.none\"}",
		     "ENODATA");
}

/*
 * Labels, capabilities and ACLs of the provider's files are out of the
 * service's reach: refused before any callback, whatever the service asks.
 */
static void test_xattr_namespaces_not_carried(void **state)
{
	(void)state;
	fake.op = NULL;
	expect_error("getxattr",
		     "{\"path\":\"/f\",\"name\":\"security.selinux\"}",
		     "EOPNOTSUPP");
	expect_error("setxattr",
		     "{\"path\":\"/f\",\"name\":\"security.capability\","
		     "\"data\":\"AAF2\",\"flags\":[]}",
		     "EOPNOTSUPP");
	expect_error("setxattr",
		     "{\"path\":\"/f\",\"name\":\"system.posix_acl_access\","
		     "\"data\":\"AAF2\",\"flags\":[]}",
		     "EOPNOTSUPP");
	expect_error("removexattr",
		     "{\"path\":\"/f\",\"name\":\"security.ima\"}",
		     "EOPNOTSUPP");
	assert_null(fake.op);
}

/* getattr with a handle asks fgetattr, if the provider has one. */
static void test_getattr_handle(void **state)
{
	struct wf_outmsg *out;
	struct wf_message resp;

	(void)state;
	call("getattr", "{\"path\":\"/gone\",\"handle\":7}", &out, &resp);
	assert_non_null(resp.result);
	assert_int_equal(attr_int(resp.result, "nlink"), 0);
	assert_string_equal(fake.op, "fgetattr");
	assert_string_equal(fake.path, "/gone");
	assert_int_equal(fake.handle, 7);
	release_response(out, &resp);
	expect_error("getattr", "{\"path\":\"/hello.txt\",\"handle\":8}",
		     "EBADF");

	/* Without a handle: getattr of the path. */
	fake.op = NULL;
	expect_attr_size("/hello.txt", 6);
	assert_null(fake.op);

	/* Without fgetattr: getattr of the path, the handle ignored. */
	dispatch.ops = &read_ops;
	call("getattr", "{\"path\":\"/hello.txt\",\"handle\":7}", &out, &resp);
	assert_int_equal(attr_int(resp.result, "size"), 6);
	release_response(out, &resp);
	assert_null(fake.op);

	expect_protocol_error("getattr", "{\"path\":\"/f\",\"handle\":-7}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("getattr",
			      "{\"path\":\"/f\",\"handle\":9007199254740992}",
			      WF_RPC_INVALID_PARAMS);
}

static void test_release(void **state)
{
	struct wf_outmsg *out;
	struct wf_message resp;

	(void)state;
	call("release", "{\"path\":\"/hello.txt\",\"handle\":7}", &out, &resp);
	assert_non_null(resp.result);
	assert_int_equal(json_object_size(resp.result), 0);
	assert_int_equal(fake.released, 7);
	release_response(out, &resp);
	expect_protocol_error("release", "{\"path\":\"/hello.txt\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("release",
			      "{\"path\":\"/hello.txt\",\"handle\":-7}",
			      WF_RPC_INVALID_PARAMS);
}

static void test_readlink(void **state)
{
	struct wf_outmsg *out;
	struct wf_message resp;

	(void)state;
	call("readlink", "{\"path\":\"/link\"}", &out, &resp);
	assert_string_equal(
		json_string_value(json_object_get(resp.result, "target")),
		"../target/x");
	release_response(out, &resp);

	expect_error("readlink", "{\"path\":\"/hello.txt\"}", "EINVAL");
	expect_error("readlink", "{\"path\":\"/unterminated\"}",
		     "ENAMETOOLONG");
	/* Not UTF-8: EILSEQ, which the protocol names EIO. */
	expect_error("readlink", "{\"path\":\"/latin1\"}", "EIO");
}

static void test_statfs(void **state)
{
	struct wf_outmsg *out;
	struct wf_message resp;
	json_t *r;

	(void)state;
	call("statfs", "{\"path\":\"/\"}", &out, &resp);
	r = resp.result;
	assert_int_equal(json_integer_value(json_object_get(r, "bsize")), 4096);
	assert_int_equal(json_integer_value(json_object_get(r, "blocks")),
			 1000);
	assert_int_equal(json_integer_value(json_object_get(r, "bavail")), 400);
	assert_int_equal(json_integer_value(json_object_get(r, "ffree")), 50);
	assert_int_equal(json_integer_value(json_object_get(r, "namemax")),
			 255);
	release_response(out, &resp);
}

static void test_access(void **state)
{
	struct wf_outmsg *out;
	struct wf_message resp;

	(void)state;
	call("access", "{\"path\":\"/hello.txt\",\"mode\":\"rx\"}", &out,
	     &resp);
	assert_non_null(resp.result);
	assert_int_equal(fake.access_mask, R_OK | X_OK);
	release_response(out, &resp);

	call("access", "{\"path\":\"/hello.txt\",\"mode\":\"\"}", &out, &resp);
	assert_non_null(resp.result);
	assert_int_equal(fake.access_mask, F_OK);
	release_response(out, &resp);

	call("access", "{\"path\":\"/hello.txt\",\"mode\":\"w\"}", &out, &resp);
	assert_int_equal(fake.access_mask, W_OK);
	release_response(out, &resp);

	expect_error("access", "{\"path\":\"/nope\",\"mode\":\"r\"}", "ENOENT");
	expect_protocol_error("access", "{\"path\":\"/hello.txt\"}",
			      WF_RPC_INVALID_PARAMS);
	expect_protocol_error("access",
			      "{\"path\":\"/hello.txt\",\"mode\":\"rq\"}",
			      WF_RPC_INVALID_PARAMS);
}

/* A response above max_message is replaced by an error. */
static void test_response_too_large(void **state)
{
	(void)state;
	dispatch.max_message = 40;
	expect_error("readdir", "{\"path\":\"/\"}", "EIO");
	expect_error("read",
		     "{\"path\":\"/hello.txt\",\"handle\":7,\"offset\":0,"
		     "\"size\":6}",
		     "EIO");
}

/* Error responses name the errno and explain it to humans. */
static void test_error_message(void **state)
{
	struct wf_outmsg *out = wfp_dispatch_error(3, -EMSGSIZE);
	struct wf_message resp;

	(void)state;
	assert_non_null(out);
	assert_int_equal(wf_message_parse(out->payload, out->len, false, &resp),
			 0);
	assert_string_equal(
		json_string_value(json_object_get(resp.error, "message")),
		strerror(EMSGSIZE));
	release_response(out, &resp);

	out = wfp_dispatch_protocol_error(0, WF_RPC_PARSE_ERROR, "bad");
	assert_non_null(out);
	assert_non_null(memmem(out->payload, out->len, "\"id\":null", 9));
	wf_outmsg_destroy(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_getattr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_paths, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_missing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_readdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_open_handles_released_at_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_handle_overflow,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_base64, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_binary, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_short_counts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_attachment_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_exclusive_dropped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flush_fsync, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fallocate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_setattr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_mknod_symlink, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_link_unlink_rename, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_getxattr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listxattr, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_setxattr, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_xattr_namespaces_not_carried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getattr_handle, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_readlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response_too_large, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_error_message, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
