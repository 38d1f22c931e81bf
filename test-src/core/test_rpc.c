/* Unit tests of src/core/rpc.c: JSON-RPC builders and error mapping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "field.h"
#include "message.h"
#include "rpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Serializes @json and parses it back as a received text message. */
static void reparse(const json_t *json, struct wf_message *msg)
{
	char *text = json_dumps(json, JSON_COMPACT);

	assert_non_null(text);
	assert_int_equal(wf_message_parse(text, strlen(text), false, msg), 0);
	free(text);
}

static void test_request(void **state)
{
	json_t *params = json_pack("{s:s}", "path", "/a");
	json_t *req = wf_rpc_request(WF_INT_MAX, "getattr", params);
	struct wf_message msg;

	(void)state;
	assert_non_null(req);
	assert_string_equal(json_string_value(json_object_get(req, "jsonrpc")),
			    "2.0");
	assert_true(json_integer_value(json_object_get(req, "id")) ==
		    WF_INT_MAX);
	assert_string_equal(json_string_value(json_object_get(req, "method")),
			    "getattr");
	/* Stolen: the very object is now the params. */
	assert_ptr_equal(json_object_get(req, "params"), params);
	assert_int_equal(params->refcount, 1);

	reparse(req, &msg);
	assert_int_equal(msg.kind, WF_MESSAGE_REQUEST);
	assert_true(msg.id == WF_INT_MAX);
	assert_string_equal(msg.method, "getattr");
	wf_message_cleanup(&msg);
	json_decref(req);

	req = wf_rpc_request(1, "statfs", NULL);
	assert_non_null(req);
	assert_true(json_is_object(json_object_get(req, "params")));
	assert_int_equal(json_object_size(json_object_get(req, "params")), 0);
	json_decref(req);
}

static void test_result(void **state)
{
	json_t *res = wf_rpc_result(7, json_pack("{s:i}", "handle", 3));
	struct wf_message msg;

	(void)state;
	assert_non_null(res);
	assert_null(json_object_get(res, "error"));
	assert_null(json_object_get(res, "method"));
	reparse(res, &msg);
	assert_int_equal(msg.kind, WF_MESSAGE_RESPONSE);
	assert_int_equal(msg.id, 7);
	assert_non_null(msg.result);
	assert_null(msg.error);
	assert_int_equal(
		json_integer_value(json_object_get(msg.result, "handle")), 3);
	wf_message_cleanup(&msg);
	json_decref(res);

	res = wf_rpc_result(8, NULL);
	assert_non_null(res);
	assert_true(json_is_object(json_object_get(res, "result")));
	json_decref(res);
}

static void test_error(void **state)
{
	json_t *err = wf_rpc_error(9, -ENOENT);
	json_t *obj;
	struct wf_message msg;

	(void)state;
	assert_non_null(err);
	obj = json_object_get(err, "error");
	assert_int_equal(json_integer_value(json_object_get(obj, "code")),
			 WF_RPC_FS_ERROR);
	assert_true(json_is_string(json_object_get(obj, "message")));
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(obj, "data"), "errno")),
			    "ENOENT");
	assert_null(json_object_get(err, "result"));
	reparse(err, &msg);
	assert_int_equal(msg.kind, WF_MESSAGE_RESPONSE);
	assert_int_equal(msg.id, 9);
	assert_null(msg.result);
	assert_int_equal(wf_rpc_error_errno(msg.error), -ENOENT);
	wf_message_cleanup(&msg);
	json_decref(err);

	/* An errno the protocol cannot name travels as EIO. */
	err = wf_rpc_error(10, -ENOLINK);
	assert_non_null(err);
	assert_int_equal(wf_rpc_error_errno(json_object_get(err, "error")),
			 -EIO);
	json_decref(err);
}

static void test_error_round_trip(void **state)
{
	static const int errs[] = {
		EPERM,	      ENOENT,  EIO,	  ENXIO,      E2BIG,
		EBADF,	      EAGAIN,  ENOMEM,	  EACCES,     EBUSY,
		EEXIST,	      EXDEV,   ENODEV,	  ENOTDIR,    EISDIR,
		EINVAL,	      ENFILE,  EMFILE,	  ETXTBSY,    EFBIG,
		ENOSPC,	      ESPIPE,  EROFS,	  EMLINK,     EPIPE,
		ERANGE,	      ENOSYS,  ENOTEMPTY, ELOOP,      ENODATA,
		EPROTO,	      ESTALE,  EDQUOT,	  ECANCELED,  EINTR,
		EOVERFLOW,    ENOTSUP, ETIMEDOUT, EOPNOTSUPP, EPROTONOSUPPORT,
		ENAMETOOLONG,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		json_t *err = wf_rpc_error(1, -errs[i]);

		assert_non_null(err);
		assert_int_equal(
			wf_rpc_error_errno(json_object_get(err, "error")),
			-errs[i]);
		json_decref(err);
	}
}

static void test_protocol_error(void **state)
{
	json_t *err = wf_rpc_protocol_error(0, WF_RPC_INVALID_REQUEST, "bad");
	json_t *obj;

	(void)state;
	assert_non_null(err);
	assert_true(json_is_null(json_object_get(err, "id")));
	obj = json_object_get(err, "error");
	assert_int_equal(json_integer_value(json_object_get(obj, "code")),
			 -32600);
	assert_string_equal(json_string_value(json_object_get(obj, "message")),
			    "bad");
	assert_int_equal(wf_rpc_error_errno(obj), -EIO);
	json_decref(err);

	err = wf_rpc_protocol_error(12, WF_RPC_METHOD_NOT_FOUND, "no");
	assert_non_null(err);
	assert_int_equal(json_integer_value(json_object_get(err, "id")), 12);
	assert_int_equal(wf_rpc_error_errno(json_object_get(err, "error")),
			 -ENOSYS);
	json_decref(err);
}

/* wf_rpc_error_errno() of the error object in @text. */
static int errno_of(const char *text)
{
	json_t *obj = json_loads(text, 0, NULL);
	int rc;

	assert_non_null(obj);
	rc = wf_rpc_error_errno(obj);
	json_decref(obj);
	return rc;
}

static void test_error_errno(void **state)
{
	(void)state;
	assert_int_equal(errno_of("{\"code\": -32000, \"message\": \"x\", "
				  "\"data\": {\"errno\": \"EACCES\"}}"),
			 -EACCES);
	assert_int_equal(errno_of("{\"code\": -32000, "
				  "\"data\": {\"errno\": \"ETIMEDOUT\"}}"),
			 -ETIMEDOUT);
	/* Unknown, malformed or missing names are EIO. */
	assert_int_equal(errno_of("{\"code\": -32000, "
				  "\"data\": {\"errno\": \"EFOO\"}}"),
			 -EIO);
	assert_int_equal(errno_of("{\"code\": -32000, "
				  "\"data\": {\"errno\": \"enoent\"}}"),
			 -EIO);
	assert_int_equal(errno_of("{\"code\": -32000, "
				  "\"data\": {\"errno\": 2}}"),
			 -EIO);
	assert_int_equal(errno_of("{\"code\": -32000, \"data\": {}}"), -EIO);
	assert_int_equal(errno_of("{\"code\": -32000, \"data\": \"ENOENT\"}"),
			 -EIO);
	assert_int_equal(errno_of("{\"code\": -32000}"), -EIO);
	/* Protocol codes: method not found is ENOSYS, the rest EIO. */
	assert_int_equal(errno_of("{\"code\": -32601, \"message\": \"m\"}"),
			 -ENOSYS);
	assert_int_equal(errno_of("{\"code\": -32601, "
				  "\"data\": {\"errno\": \"ENOENT\"}}"),
			 -ENOSYS);
	assert_int_equal(errno_of("{\"code\": -32700}"), -EIO);
	assert_int_equal(errno_of("{\"code\": -32600}"), -EIO);
	assert_int_equal(errno_of("{\"code\": -32602, "
				  "\"data\": {\"errno\": \"ENOENT\"}}"),
			 -EIO);
	assert_int_equal(errno_of("{\"code\": 1, "
				  "\"data\": {\"errno\": \"ENOENT\"}}"),
			 -EIO);
	/* A code that is not an int32 integer is malformed. */
	assert_int_equal(errno_of("{\"code\": -32000.0, "
				  "\"data\": {\"errno\": \"ENOENT\"}}"),
			 -EIO);
	assert_int_equal(errno_of("{\"code\": \"-32000\", "
				  "\"data\": {\"errno\": \"ENOENT\"}}"),
			 -EIO);
	assert_int_equal(errno_of("{\"code\": -4294967296000, "
				  "\"data\": {\"errno\": \"ENOENT\"}}"),
			 -EIO);
	assert_int_equal(errno_of("{\"code\": -4294934528}"), -EIO);
	assert_int_equal(errno_of("{}"), -EIO);
	assert_int_equal(wf_rpc_error_errno(NULL), -EIO);
}

/*
 * Allocation failure ("chaos") tests: jansson's allocator fails after a
 * number of allocations; every builder must then return NULL without
 * leaking what it was given (LeakSanitizer checks in the ASan build).
 */
static int alloc_budget = -1;

static void *chaos_malloc(size_t size)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return malloc(size);
}

static void chaos_free(void *p)
{
	free(p);
}

enum builder { BUILD_REQUEST, BUILD_RESULT, BUILD_ERROR, BUILD_PROTO };

static json_t *build(enum builder which)
{
	switch (which) {
	case BUILD_REQUEST:
		return wf_rpc_request(3, "read",
				      json_pack("{s:s, s:I}", "path", "/x",
						"offset", (json_int_t)5));
	case BUILD_RESULT:
		return wf_rpc_result(4, json_pack("{s:s}", "target", "/t"));
	case BUILD_ERROR:
		return wf_rpc_error(5, -EROFS);
	case BUILD_PROTO:
		return wf_rpc_protocol_error(6, WF_RPC_PARSE_ERROR, "parse");
	}
	return NULL;
}

static void test_chaos_builders(void **state)
{
	(void)state;
	json_set_alloc_funcs(chaos_malloc, chaos_free);
	for (int which = BUILD_REQUEST; which <= BUILD_PROTO; which++) {
		bool done = false;

		for (int budget = 0; budget < 64 && !done; budget++) {
			json_t *msg;

			alloc_budget = budget;
			msg = build((enum builder)which);
			alloc_budget = -1;
			if (msg) {
				assert_string_equal(
					json_string_value(json_object_get(
						msg, "jsonrpc")),
					"2.0");
				json_decref(msg);
				done = true;
			}
		}
		assert_true(done);
	}
	json_set_alloc_funcs(malloc, free);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_result),
		cmocka_unit_test(test_error),
		cmocka_unit_test(test_error_round_trip),
		cmocka_unit_test(test_protocol_error),
		cmocka_unit_test(test_error_errno),
		cmocka_unit_test(test_chaos_builders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
