/* Fuzz target: the provider's answers to each filesystem method, as the
 * daemon decodes them for the kernel request that asked (op_*.c). */
#include "daemon_harness.h"
#include "harness.h"

#include "field.h"
#include "message.h"
#include "path.h"
#include "session.h"

#include <errno.h>
#include <string.h>

/*
 * Input: DH_OP_BYTES for the kernel request (daemon_harness.h), then the
 * answers to the calls it makes, separated by FUZZ_SEP, each a mode byte
 * and a message. Mode bits 0-1: 0 the message answers the call, 1 the
 * call times out, 2 it is interrupted, 3 an event fires first (the call
 * waits on); bit 2: the message is binary. The call a message answers
 * need not carry its id: each answers the oldest call. When answers run
 * out, the connection is lost.
 */

#define MAX_CALLS 32

/* The calls the daemon made: wfd_session_call() is wrapped. */
static struct {
	struct wfd_call *calls[MAX_CALLS];
	size_t n;
	uint64_t next_id;
	uint64_t received;
} sent;

/* Only the address of the provider's session is passed around. */
static char fake_session;

int __wrap_wfd_session_call(struct wfd_session *s, struct wfd_call *call,
			    const char *method, json_t *params,
			    const void *data, size_t size);
void __wrap_wfd_session_incident(struct wfd_session *s, enum wfd_incident kind,
				 const char *what);
uint64_t __wrap_wfd_session_received(const struct wfd_session *s);

/* What the daemon sends must be a request the protocol allows. */
static void check_request(const char *method, const json_t *params,
			  const void *data, size_t size)
{
	static const char *const methods[] = {
		"getattr",  "readdir",	"open",	     "read",	 "release",
		"readlink", "statfs",	"access",    "create",	 "write",
		"flush",    "fsync",	"fallocate", "setattr",	 "mkdir",
		"mknod",    "symlink",	"link",	     "unlink",	 "rmdir",
		"rename",   "getxattr", "listxattr", "setxattr", "removexattr",
	};
	const char *path;
	uint64_t v;
	bool known = false;

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		known = known || strcmp(method, methods[i]) == 0;
	FUZZ_CHECK(known);
	FUZZ_CHECK(json_is_object(params));
	FUZZ_CHECK(wf_field_path(params, "path", &path) == 0);
	FUZZ_CHECK(!json_object_get(params, "newpath") ||
		   wf_field_path(params, "newpath", &path) == 0);
	FUZZ_CHECK(wf_field_uint(params, "handle", WF_INT_MAX, &v) != -EINVAL);
	FUZZ_CHECK(wf_field_uint(params, "offset", WF_INT_MAX, &v) != -EINVAL);
	FUZZ_CHECK(wf_field_uint(params, "size", WF_INT_MAX, &v) != -EINVAL);
	FUZZ_CHECK(!data == !(strcmp(method, "write") == 0 ||
			      strcmp(method, "setxattr") == 0));
	FUZZ_CHECK(size <= WF_XATTR_MAX + 0x10000u);
}

int __wrap_wfd_session_call(struct wfd_session *s, struct wfd_call *call,
			    const char *method, json_t *params,
			    const void *data, size_t size)
{
	FUZZ_CHECK(s == (struct wfd_session *)&fake_session);
	FUZZ_CHECK(call && call->done);
	check_request(method, params, data, size);
	json_decref(params);
	if (sent.n == MAX_CALLS)
		return -ENOMEM;
	call->id = ++sent.next_id;
	sent.calls[sent.n++] = call;
	return 0;
}

void __wrap_wfd_session_incident(struct wfd_session *s, enum wfd_incident kind,
				 const char *what)
{
	FUZZ_CHECK(s == (struct wfd_session *)&fake_session);
	FUZZ_CHECK(kind < WFD_INCIDENTS);
	FUZZ_CHECK(kind != WFD_INCIDENT_INVALID || what);
}

uint64_t __wrap_wfd_session_received(const struct wfd_session *s)
{
	FUZZ_CHECK(s == (struct wfd_session *)&fake_session);
	return sent.received;
}

/* The oldest call, no longer waiting. */
static struct wfd_call *take_call(void)
{
	struct wfd_call *call = sent.calls[0];

	memmove(sent.calls, sent.calls + 1, --sent.n * sizeof(sent.calls[0]));
	return call;
}

/* Finishes the oldest call without an answer, with @err. */
static void fail_call(int err)
{
	struct wfd_call *call = take_call();

	call->done(call, NULL, err);
}

/* Answers the oldest call with the message @buf, @len (or fails it). */
static void deliver(const uint8_t *buf, size_t len, bool binary)
{
	struct wfd_call *call = take_call();
	struct wf_message msg;

	if (wf_message_parse((const char *)buf, len, binary, &msg)) {
		/* The daemon closes a connection that sends such bytes. */
		call->done(call, NULL, -EIO);
		return;
	}
	sent.received++;
	if (msg.kind != WF_MESSAGE_RESPONSE) {
		/* Not an answer: the call waits on, until the connection
		 * is lost. */
		call->done(call, NULL, -EIO);
	} else {
		msg.id = call->id;
		call->done(call, &msg, 0);
	}
	wf_message_cleanup(&msg);
}

static void answer_calls(struct fuzz_input *in)
{
	const uint8_t *chunk;
	size_t len;

	while (sent.n) {
		uint8_t mode;

		if (!fuzz_chunk(in, &chunk, &len)) {
			fail_call(-EIO);
			continue;
		}
		mode = len ? chunk[0] : 0;
		switch (mode & 3) {
		case 0:
			deliver(chunk + !!len, len ? len - 1 : 0, mode & 4);
			break;
		case 1:
			fail_call(-ETIMEDOUT);
			break;
		case 2:
			fail_call(-EINTR);
			break;
		case 3:
			dh_fire(mode >> 3);
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	struct wfd_filesystem *fs = dh_setup();
	uint8_t k[DH_OP_BYTES];
	int op;

	memset(&sent, 0, sizeof(sent));
	fs->provider = (struct wfd_session *)&fake_session;
	fs->generation = 1;
	for (size_t i = 0; i < DH_OP_BYTES; i++)
		k[i] = fuzz_byte(&in);
	op = (k[0] & 0x1f) % DH_OP_COUNT;
	dh_kernel_op(k);
	answer_calls(&in);
	/* A listing is read by the readdir requests that follow opendir. */
	if (op == DH_OPENDIR && dh_dir_handles()) {
		uint8_t next[DH_OP_BYTES] = {DH_READDIR, 0, k[2], k[3], 0};

		dh_kernel_op(next);
		next[0] = DH_READDIRPLUS;
		next[2] = k[4];
		dh_kernel_op(next);
		next[0] = DH_RELEASEDIR;
		dh_kernel_op(next);
	}
	answer_calls(&in);
	dh_teardown();
	return 0;
}
