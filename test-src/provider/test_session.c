/* Unit tests of src/provider/session.c: greeting, attaching, answering. */
#include "session.h"
#include "message.h"
#include "rpc.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static int fake_getattr(const char *path, struct stat *st, void *user_data)
{
	(void)path;
	(void)user_data;
	st->st_mode = S_IFREG | 0644;
	st->st_size = 3;
	return 0;
}

static ssize_t fake_read(const char *path, uint64_t handle, char *buf,
			 size_t size, uint64_t offset, void *user_data)
{
	(void)path;
	(void)handle;
	(void)user_data;
	if (offset >= 3)
		return 0;
	if (size > 3 - offset)
		size = 3 - offset;
	memcpy(buf, "abc" + offset, size);
	return (ssize_t)size;
}

static const struct wfp_operations ops = {
	.getattr = fake_getattr,
	.read = fake_read,
};

struct fixture {
	struct wfp_session *session;
	struct wf_outqueue queue;
	struct wf_outmsg *last; /* the message popped last */
	struct wf_message msg;	/* ... parsed */
};

static int setup_with(void **state, bool binary, const char *name)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->session = wfp_session_create(&ops, NULL, binary, name);
	assert_non_null(f->session);
	wf_outqueue_init(&f->queue);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, true, NULL);
}

static int setup_base64_named(void **state)
{
	return setup_with(state, false, "firmware");
}

static void drop_last(struct fixture *f)
{
	if (f->last) {
		wf_message_cleanup(&f->msg);
		wf_outmsg_destroy(f->last);
		f->last = NULL;
	}
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	drop_last(f);
	wf_outqueue_cleanup(&f->queue);
	wfp_session_destroy(f->session);
	free(f);
	return 0;
}

/* Takes the first queued message off the queue and parses it into f->msg. */
static struct wf_message *pop(struct fixture *f)
{
	struct wf_outmsg *m = f->queue.head;

	drop_last(f);
	assert_non_null(m);
	f->queue.head = m->next;
	if (!f->queue.head)
		f->queue.tail = NULL;
	f->queue.count--;
	f->last = m;
	assert_int_equal(
		wf_message_parse(m->payload, m->len, m->binary, &f->msg), 0);
	return &f->msg;
}

static int feed(struct fixture *f, const char *text)
{
	return wfp_session_receive(f->session, &f->queue, text, strlen(text),
				   false);
}

/* Feeds the result @result (JSON text) to the request with @id. */
static int answer(struct fixture *f, int id, const char *result)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":%s}", id, result);
	return feed(f, text);
}

/* Feeds the filesystem error @name to the request with @id. */
static int answer_error(struct fixture *f, int id, const char *name)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"error\":{\"code\":-32000,"
		 "\"message\":\"refused\",\"data\":{\"errno\":\"%s\"}}}",
		 id, name);
	return feed(f, text);
}

#define HELLO_RESULT                                                    \
	"{\"protocol\":1,\"features\":[\"binary\"],\"agent\":\"test\"," \
	"\"authenticate\":false,\"limits\":{\"max_message\":100000,"    \
	"\"max_read\":2,\"max_write\":3,\"max_entries\":5}}"

/* Greets and attaches; returns the session's hello and add ids. */
static void attach(struct fixture *f, const char *hello_result)
{
	struct wf_message *m;
	uint64_t hello_id, add_id;

	assert_int_equal(wfp_session_start(f->session, &f->queue), 0);
	m = pop(f);
	hello_id = m->id;
	assert_int_equal(answer(f, (int)hello_id, hello_result), 0);
	m = pop(f);
	assert_string_equal(m->method, "add_filesystem");
	add_id = m->id;
	assert_int_not_equal(add_id, hello_id);
	assert_false(wfp_session_attached(f->session));
	assert_int_equal(answer(f, (int)add_id, "{\"name\":\"\"}"), 0);
	assert_true(wfp_session_attached(f->session));
	assert_true(wf_outqueue_empty(&f->queue));
}

static void test_hello(void **state)
{
	struct fixture *f = *state;
	struct wf_message *m;
	json_t *features;

	assert_int_equal(wfp_session_start(f->session, &f->queue), 0);
	m = pop(f);
	assert_int_equal(m->kind, WF_MESSAGE_REQUEST);
	assert_string_equal(m->method, "hello");
	assert_int_equal(
		json_integer_value(json_object_get(m->params, "protocol")), 1);
	features = json_object_get(m->params, "features");
	assert_int_equal(json_array_size(features), 1);
	assert_string_equal(json_string_value(json_array_get(features, 0)),
			    "binary");
	assert_string_equal(
		json_string_value(json_object_get(m->params, "agent")),
		"webfuse-provider/" WF_VERSION);
	assert_true(wf_outqueue_empty(&f->queue));
}

static void test_hello_base64_named(void **state)
{
	struct fixture *f = *state;
	struct wf_message *m;

	assert_int_equal(wfp_session_start(f->session, &f->queue), 0);
	m = pop(f);
	assert_int_equal(
		json_array_size(json_object_get(m->params, "features")), 0);
	assert_int_equal(answer(f, (int)m->id, HELLO_RESULT), 0);
	m = pop(f);
	assert_string_equal(m->method, "add_filesystem");
	assert_string_equal(
		json_string_value(json_object_get(m->params, "name")),
		"firmware");
}

static void test_attach_unnamed(void **state)
{
	struct fixture *f = *state;
	struct wf_message *m;

	assert_int_equal(wfp_session_start(f->session, &f->queue), 0);
	m = pop(f);
	assert_int_equal(answer(f, (int)m->id, HELLO_RESULT), 0);
	m = pop(f);
	assert_int_equal(json_object_size(m->params), 0);
}

/* The limits of the hello result apply from then on. */
static void test_limits(void **state)
{
	struct fixture *f = *state;
	struct wf_message *m;

	assert_int_equal(wfp_session_max_message(f->session), 16u << 20);
	attach(f, HELLO_RESULT);
	assert_int_equal(wfp_session_max_message(f->session), 100000);

	/* max_read is 2. */
	assert_int_equal(
		feed(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"read\","
			"\"params\":{\"path\":\"/f\",\"handle\":0,"
			"\"offset\":0,\"size\":3}}"),
		0);
	m = pop(f);
	assert_int_equal(m->id, 1);
	assert_int_equal(json_integer_value(json_object_get(m->error, "code")),
			 WF_RPC_INVALID_PARAMS);

	/* max_write is 3: "abcd" is one byte too many. */
	assert_int_equal(
		feed(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"write\","
			"\"params\":{\"path\":\"/f\",\"handle\":0,"
			"\"offset\":0,\"data\":\"YWJjZA==\"}}"),
		0);
	m = pop(f);
	assert_int_equal(m->id, 2);
	assert_int_equal(json_integer_value(json_object_get(m->error, "code")),
			 WF_RPC_INVALID_PARAMS);
	/* "abc" is within it. */
	assert_int_equal(
		feed(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"write\","
			"\"params\":{\"path\":\"/f\",\"handle\":0,"
			"\"offset\":0,\"data\":\"YWJj\"}}"),
		0);
	m = pop(f);
	assert_int_equal(m->id, 3);
	assert_int_not_equal(
		json_integer_value(json_object_get(m->error, "code")),
		WF_RPC_INVALID_PARAMS);
}

/* The service's word does not make the provider hold more than its caps. */
static void test_huge_limits_capped(void **state)
{
	struct fixture *f = *state;
	struct wf_message *m;

	attach(f, "{\"protocol\":1,\"limits\":{\"max_message\":"
		  "9007199254740991,\"max_read\":9007199254740991,"
		  "\"max_write\":9007199254740991}}");
	assert_int_equal(wfp_session_max_message(f->session), 64u << 20);
	/* A read above 16 MiB is refused before anything is reserved. */
	assert_int_equal(
		feed(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"read\","
			"\"params\":{\"path\":\"/f\",\"handle\":0,"
			"\"offset\":0,\"size\":16777217}}"),
		0);
	m = pop(f);
	assert_int_equal(json_integer_value(json_object_get(m->error, "code")),
			 WF_RPC_INVALID_PARAMS);
}

static void check_read_form(struct fixture *f, bool binary)
{
	struct wf_message *m;
	const char *data;
	size_t size;

	assert_int_equal(
		feed(f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"read\","
			"\"params\":{\"path\":\"/f\",\"handle\":0,"
			"\"offset\":1,\"size\":2}}"),
		0);
	m = pop(f);
	assert_int_equal(f->last->binary, binary);
	assert_int_equal(m->id, 4);
	if (binary) {
		assert_int_equal(wf_message_data(m, 10, &data, &size), 0);
		assert_int_equal(size, 2);
		assert_memory_equal(data, "bc", 2);
	} else {
		assert_string_equal(
			json_string_value(json_object_get(m->result, "data")),
			"YmM=");
	}
}

/* Binary is used when both sides have it. */
static void test_binary_agreed(void **state)
{
	struct fixture *f = *state;

	attach(f, HELLO_RESULT);
	check_read_form(f, true);
}

static void test_binary_not_offered_by_service(void **state)
{
	struct fixture *f = *state;

	attach(f, "{\"protocol\":1,\"features\":[]}");
	check_read_form(f, false);
}

static void test_binary_not_offered_by_provider(void **state)
{
	struct fixture *f = *state;

	attach(f, HELLO_RESULT);
	check_read_form(f, false);
}

static void test_request_before_attach(void **state)
{
	struct fixture *f = *state;
	struct wf_message *m;

	assert_int_equal(wfp_session_start(f->session, &f->queue), 0);
	pop(f);
	assert_int_equal(
		feed(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"getattr\","
			"\"params\":{\"path\":\"/\"}}"),
		0);
	m = pop(f);
	assert_int_equal(m->id, 3);
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(m->error, "data"), "errno")),
		"EPROTO");
}

static void test_requests_answered(void **state)
{
	struct fixture *f = *state;
	struct wf_message *m;

	attach(f, HELLO_RESULT);
	assert_int_equal(
		feed(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"getattr\","
			"\"params\":{\"path\":\"/f\"}}"),
		0);
	assert_int_equal(
		feed(f, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"readdir\","
			"\"params\":{\"path\":\"/\"}}"),
		0);
	m = pop(f);
	assert_int_equal(m->id, 3);
	assert_int_equal(json_integer_value(json_object_get(m->result, "size")),
			 3);
	/* readdir is not implemented by these operations. */
	m = pop(f);
	assert_int_equal(m->id, 9);
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(m->error, "data"), "errno")),
		"ENOSYS");
}

static void test_hello_refused(void **state)
{
	struct fixture *f = *state;
	struct wf_message *m;

	assert_int_equal(wfp_session_start(f->session, &f->queue), 0);
	m = pop(f);
	assert_int_equal(answer_error(f, (int)m->id, "EPROTONOSUPPORT"),
			 -EPROTONOSUPPORT);
}

static void test_wrong_protocol(void **state)
{
	struct fixture *f = *state;
	struct wf_message *m;

	assert_int_equal(wfp_session_start(f->session, &f->queue), 0);
	m = pop(f);
	assert_int_equal(answer(f, (int)m->id, "{\"protocol\":2}"),
			 -EPROTONOSUPPORT);
}

static void test_authentication_required(void **state)
{
	struct fixture *f = *state;
	struct wf_message *m;

	assert_int_equal(wfp_session_start(f->session, &f->queue), 0);
	m = pop(f);
	assert_int_equal(
		answer(f, (int)m->id, "{\"protocol\":1,\"authenticate\":true}"),
		-EACCES);
	assert_true(wf_outqueue_empty(&f->queue));
}

static void test_invalid_limits(void **state)
{
	static const char *const bad[] = {
		"{\"protocol\":1,\"limits\":[]}",
		"{\"protocol\":1,\"limits\":{\"max_read\":-1}}",
		"{\"protocol\":1,\"limits\":{\"max_message\":\"big\"}}",
		"{\"protocol\":1,\"limits\":{\"max_entries\":0}}",
		"{\"protocol\":1,\"limits\":{\"max_write\":-1}}",
		"{\"protocol\":1,\"authenticate\":\"no\"}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fixture *f;

		teardown(state);
		setup(state);
		f = *state;
		assert_int_equal(wfp_session_start(f->session, &f->queue), 0);
		pop(f);
		if (answer(f, 1, bad[i]) != -EPROTO)
			fail_msg("hello result %s accepted", bad[i]);
		assert_true(wf_outqueue_empty(&f->queue));
	}
}

/* EBUSY: another provider serves the filesystem; the caller retries. */
static void test_add_filesystem_busy(void **state)
{
	struct fixture *f = *state;
	struct wf_message *m;

	assert_int_equal(wfp_session_start(f->session, &f->queue), 0);
	m = pop(f);
	assert_int_equal(answer(f, (int)m->id, HELLO_RESULT), 0);
	m = pop(f);
	assert_int_equal(answer_error(f, (int)m->id, "EBUSY"), -EBUSY);
	assert_false(wfp_session_attached(f->session));
}

static void test_unknown_response_ignored(void **state)
{
	struct fixture *f = *state;

	attach(f, HELLO_RESULT);
	assert_int_equal(answer(f, 77, "{}"), 0);
	/* A second answer to hello is as unknown. */
	assert_int_equal(answer(f, 1, HELLO_RESULT), 0);
	assert_int_equal(answer_error(f, 2, "EBUSY"), 0);
	assert_true(wf_outqueue_empty(&f->queue));
	assert_true(wfp_session_attached(f->session));
}

static void test_notification_ignored(void **state)
{
	struct fixture *f = *state;

	attach(f, HELLO_RESULT);
	assert_int_equal(feed(f, "{\"jsonrpc\":\"2.0\",\"method\":\"getattr\","
				 "\"params\":{\"path\":\"/\"}}"),
			 0);
	assert_true(wf_outqueue_empty(&f->queue));
}

/*
 * Asserts that @text is answered with the JSON-RPC error @code and a null
 * id (wf_message_parse() refuses a null id, so jansson reads it here).
 */
static void expect_protocol_error(struct fixture *f, const char *text,
				  size_t len, bool binary, int code)
{
	struct wf_outmsg *m;
	json_t *json;

	assert_int_equal(
		wfp_session_receive(f->session, &f->queue, text, len, binary),
		0);
	m = f->queue.head;
	assert_non_null(m);
	assert_ptr_equal(m, f->queue.tail);
	wf_outqueue_init(&f->queue);
	assert_false(m->binary);
	json = json_loadb(m->payload, m->len, 0, NULL);
	assert_non_null(json);
	assert_true(json_is_null(json_object_get(json, "id")));
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json, "error"), "code")),
			 code);
	json_decref(json);
	wf_outmsg_destroy(m);
}

static void test_malformed_messages(void **state)
{
	static const char *const invalid[] = {
		"[]",
		"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"getattr\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":-1,\"method\":\"getattr\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getattr\","
		"\"params\":[]}",
		"{\"jsonrpc\":\"2.0\",\"id\":1}",
	};
	struct fixture *f = *state;

	attach(f, HELLO_RESULT);
	expect_protocol_error(f, "{\"jsonrpc\":", 11, false,
			      WF_RPC_PARSE_ERROR);
	expect_protocol_error(f, "", 0, false, WF_RPC_PARSE_ERROR);
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		const char *text = invalid[i];
		int code = i == 0 ? WF_RPC_PARSE_ERROR : WF_RPC_INVALID_REQUEST;

		expect_protocol_error(f, text, strlen(text), false, code);
	}
	/* Binary messages with a broken header. */
	expect_protocol_error(f, "\0\0", 2, true, WF_RPC_INVALID_REQUEST);
	expect_protocol_error(f, "\0\0\1\0{}", 6, true, WF_RPC_INVALID_REQUEST);
	assert_true(wfp_session_attached(f->session));
}

/* A binary message before binary was agreed is refused. */
static void test_binary_not_agreed(void **state)
{
	static const char header[] =
		"{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"getattr\","
		"\"params\":{\"path\":\"/f\",\"data\":0}}";
	struct fixture *f = *state;
	struct wf_message *m;
	char buf[256];
	size_t hlen = sizeof(header) - 1;

	attach(f, "{\"protocol\":1}");
	memset(buf, 0, 4);
	buf[3] = (char)hlen;
	memcpy(buf + 4, header, hlen);
	assert_int_equal(
		wfp_session_receive(f->session, &f->queue, buf, 4 + hlen, true),
		0);
	m = pop(f);
	assert_int_equal(m->id, 6);
	assert_int_equal(json_integer_value(json_object_get(m->error, "code")),
			 WF_RPC_INVALID_REQUEST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hello, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hello_base64_named,
						setup_base64_named, teardown),
		cmocka_unit_test_setup_teardown(test_attach_unnamed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_limits_capped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_binary_agreed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_binary_not_offered_by_service, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_binary_not_offered_by_provider, setup_base64_named,
			teardown),
		cmocka_unit_test_setup_teardown(test_request_before_attach,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_requests_answered, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hello_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wrong_protocol, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_authentication_required,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_limits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_add_filesystem_busy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_response_ignored,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_notification_ignored,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_messages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_binary_not_agreed, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
