/* Fuzz target: a filesystem request as the provider decodes its params
 * (dispatch.c) and calls the operations, and the response it builds. */
#include "harness.h"
#include "provider_harness.h"

#include "dispatch.h"
#include "protocol.h"

#include <string.h>

/*
 * Input: a behaviour byte for the fake operations (PF_*), a byte of
 * session terms, then the message. Terms: bit 0 binary was agreed, bit 1
 * the service announced small limits, bit 2 the message arrived binary
 * (only when agreed: the session refuses it otherwise).
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	uint8_t behaviour = fuzz_byte(&in);
	uint8_t terms = fuzz_byte(&in);
	struct wfp_dispatch d = {
		.binary = terms & 1,
		.max_read = WF_DEFAULT_MAX_READ,
		.max_write = WF_DEFAULT_MAX_WRITE,
		.max_entries = WF_DEFAULT_MAX_ENTRIES,
		.max_message = WF_DEFAULT_MAX_MESSAGE,
	};
	struct wf_message msg;
	struct wf_outmsg *m;
	bool opens;

	if (terms & 2) {
		d.max_read = 100;
		d.max_write = 100;
		d.max_entries = 3;
		d.max_message = 512;
	}
	d.ops = pf_operations(behaviour, d.max_read, d.max_write);
	if (wf_message_parse((const char *)in.data, in.size,
			     d.binary && (terms & 4), &msg))
		return 0;
	if (msg.kind != WF_MESSAGE_REQUEST) {
		wf_message_cleanup(&msg);
		return 0;
	}
	d.open = wfp_handles_create();
	FUZZ_CHECK(d.open);
	m = wfp_dispatch_request(&d, &msg);
	pf_check_response(m, &msg, d.binary, d.max_message);
	/* A handle the service was not told of is released at once. */
	opens = strcmp(msg.method, "open") == 0 ||
		strcmp(msg.method, "create") == 0;
	if (opens && d.ops->release) {
		struct wf_message back;

		FUZZ_CHECK(!wf_message_parse(m->payload, m->len, m->binary,
					     &back));
		FUZZ_CHECK(pf_open_files() == (back.result ? 1 : 0));
		wf_message_cleanup(&back);
	}
	wf_outmsg_destroy(m);
	wf_message_cleanup(&msg);
	/* The connection ends: what the service had open is released. */
	wfp_handles_destroy(d.open, d.ops, NULL);
	FUZZ_CHECK(!opens || !d.ops->release || pf_open_files() == 0);
	return 0;
}
