/* Unit tests of src/provider/dispatch.c: answering filesystem requests. */
#include "dispatch.h"
#include "dirbuf.h"
#include "rpc.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
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
} fake;

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

static const struct wfp_operations fake_ops = {
	.getattr = fake_getattr,
	.readdir = fake_readdir,
	.open = fake_open,
	.read = fake_read,
	.release = fake_release,
	.readlink = fake_readlink,
	.statfs = fake_statfs,
	.access = fake_access,
};

static const struct wfp_operations no_ops;

static struct wfp_dispatch dispatch;

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	fake.read_chunk = 1024;
	dispatch.ops = &fake_ops;
	dispatch.user_data = &fake;
	dispatch.binary = false;
	dispatch.max_read = 4096;
	dispatch.max_entries = 10;
	dispatch.max_message = 1 << 20;
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
	char text[8192];
	struct wf_message req;

	snprintf(text, sizeof(text),
		 "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"%s\","
		 "\"params\":%s}",
		 method, params);
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
	static const char *const methods[] = {"getattr", "readdir", "open",
					      "read",	 "release", "readlink",
					      "statfs",	 "access"};

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
	/* Known methods this library cannot serve yet. */
	expect_error("write", "{\"path\":\"/x\"}", "ENOSYS");
	expect_error("mkdir", "{\"path\":\"/x\",\"mode\":493}", "ENOSYS");

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
	e = json_array_get(entries, 1);
	assert_string_equal(json_string_value(json_object_get(e, "name")),
			    "sub");
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

/* A read request must not carry an attachment (protocol.md, 4). */
static void test_attachment_refused(void **state)
{
	static const char header[] =
		"{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"read\","
		"\"params\":{\"path\":\"/hello.txt\",\"handle\":7,"
		"\"offset\":0,\"size\":4,\"data\":3}}";
	char buf[256];
	size_t hlen = sizeof(header) - 1;
	struct wf_message req, resp;
	struct wf_outmsg *out;

	(void)state;
	buf[0] = 0;
	buf[1] = 0;
	buf[2] = (char)(hlen >> 8);
	buf[3] = (char)hlen;
	memcpy(buf + 4, header, hlen);
	memcpy(buf + 4 + hlen, "abc", 3);
	dispatch.binary = true;
	assert_int_equal(wf_message_parse(buf, 4 + hlen + 3, true, &req), 0);
	out = wfp_dispatch_request(&dispatch, &req);
	wf_message_cleanup(&req);
	assert_non_null(out);
	assert_int_equal(
		wf_message_parse(out->payload, out->len, out->binary, &resp),
		0);
	assert_int_equal(resp.id, 9);
	assert_non_null(resp.error);
	assert_int_equal(
		json_integer_value(json_object_get(resp.error, "code")),
		WF_RPC_INVALID_PARAMS);
	assert_int_equal(fake.read_calls, 0);
	release_response(out, &resp);
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
		cmocka_unit_test_setup(test_getattr, setup),
		cmocka_unit_test_setup(test_invalid_paths, setup),
		cmocka_unit_test_setup(test_unknown_and_missing, setup),
		cmocka_unit_test_setup(test_readdir, setup),
		cmocka_unit_test_setup(test_open, setup),
		cmocka_unit_test_setup(test_open_handle_overflow, setup),
		cmocka_unit_test_setup(test_read_base64, setup),
		cmocka_unit_test_setup(test_read_binary, setup),
		cmocka_unit_test_setup(test_read_short_counts, setup),
		cmocka_unit_test_setup(test_read_errors, setup),
		cmocka_unit_test_setup(test_attachment_refused, setup),
		cmocka_unit_test_setup(test_release, setup),
		cmocka_unit_test_setup(test_readlink, setup),
		cmocka_unit_test_setup(test_statfs, setup),
		cmocka_unit_test_setup(test_access, setup),
		cmocka_unit_test_setup(test_response_too_large, setup),
		cmocka_unit_test_setup(test_error_message, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
