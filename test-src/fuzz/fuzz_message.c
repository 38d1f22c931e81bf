/* Fuzz target: one received message through wf_message_parse(), its data
 * and its error, then the decoded content sent again in both forms. */
#include "harness.h"

#include "errno_name.h"
#include "field.h"
#include "message.h"
#include "outmsg.h"
#include "rpc.h"

#include <errno.h>
#include <string.h>

/*
 * Input: one flags byte, then the message.
 * Flags: bit 0 the message arrived as a binary message; bits 1-3 pick the
 * limit given to wf_message_data().
 */
static const size_t limits[8] = {
	1u << 20, 0, 1, 6, 64, 65536, 16u << 20, SIZE_MAX,
};

/* What wf_message_parse() promises about a message it accepted. */
static void check_shape(const struct wf_message *msg, bool binary)
{
	FUZZ_CHECK(json_is_object(msg->json));
	FUZZ_CHECK(msg->id <= (uint64_t)WF_INT_MAX);
	FUZZ_CHECK(!binary == !msg->attachment);
	switch (msg->kind) {
	case WF_MESSAGE_REQUEST:
	case WF_MESSAGE_NOTIFICATION:
		FUZZ_CHECK(msg->method);
		FUZZ_CHECK(json_is_object(msg->params));
		FUZZ_CHECK(!msg->result && !msg->error);
		FUZZ_CHECK((msg->kind == WF_MESSAGE_REQUEST) == (msg->id != 0));
		break;
	case WF_MESSAGE_RESPONSE:
		FUZZ_CHECK(!msg->method);
		FUZZ_CHECK(!msg->result != !msg->error);
		FUZZ_CHECK(!msg->result || json_is_object(msg->result));
		FUZZ_CHECK(!msg->error || json_is_object(msg->error));
		FUZZ_CHECK(msg->id != 0 || msg->error);
		break;
	default:
		FUZZ_CHECK(!"unknown kind");
	}
}

/* An error object always maps to a negative errno that has a name. */
static void check_error(const json_t *error)
{
	int err = wf_rpc_error_errno(error);

	FUZZ_CHECK(err < 0 && err > -4096);
	FUZZ_CHECK(-wf_errno_from_name(wf_errno_name(-err)) == err);
}

/*
 * Sends what @msg carries again with @data, @size as its data, in the
 * form @binary, and checks that it reads back the same.
 */
static void resend(const struct wf_message *msg, const char *data, size_t size,
		   bool binary)
{
	json_t *copy = json_deep_copy(msg->json);
	struct wf_outmsg *out;
	struct wf_message back;
	const char *data2;
	size_t size2;
	int rc;

	if (!copy)
		return;
	out = wf_outmsg_data(
		copy,
		json_object_get(copy, msg->kind == WF_MESSAGE_RESPONSE
					      ? "result"
					      : "params"),
		data, size, binary);
	json_decref(copy);
	if (!out)
		return; /* out of memory, or above what a message may hold */
	FUZZ_CHECK(out->binary == binary);
	rc = wf_message_parse(out->payload, out->len, out->binary, &back);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(back.kind == msg->kind && back.id == msg->id);
	FUZZ_CHECK(!back.method == !msg->method);
	FUZZ_CHECK(!back.method || strcmp(back.method, msg->method) == 0);
	rc = wf_message_data(&back, SIZE_MAX, &data2, &size2);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(size2 == size && (!size || !memcmp(data, data2, size)));
	wf_message_cleanup(&back);
	wf_outmsg_destroy(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	uint8_t flags = fuzz_byte(&in);
	bool binary = flags & 1;
	size_t max = limits[(flags >> 1) & 7];
	struct wf_message msg;
	const char *bytes;
	size_t n;
	int rc;

	rc = wf_message_parse((const char *)in.data, in.size, binary, &msg);
	if (rc) {
		FUZZ_CHECK(rc == -EBADMSG || rc == -EPROTO);
		return 0;
	}
	check_shape(&msg, binary);
	if (msg.error)
		check_error(msg.error);

	rc = wf_message_data(&msg, max, &bytes, &n);
	FUZZ_CHECK(rc == 0 || rc == -ENOENT || rc == -EINVAL ||
		   rc == -EMSGSIZE || rc == -ENOMEM);
	if (rc == 0) {
		FUZZ_CHECK(n <= max);
		resend(&msg, bytes, n, false);
		resend(&msg, bytes, n, true);
		/* Asking twice gives the same bytes (and frees the first). */
		const char *again;
		size_t n2;

		FUZZ_CHECK(wf_message_data(&msg, max, &again, &n2) == 0);
		FUZZ_CHECK(n2 == n);
	}
	wf_message_cleanup(&msg);
	return 0;
}
