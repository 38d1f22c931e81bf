/* Fuzz target: the service's messages as a provider session reads them
 * (session.c): the answers to hello, authenticate and add_filesystem, the
 * device's proof, limits and features, then filesystem requests under the
 * terms agreed. */
#include "harness.h"
#include "provider_harness.h"

#include "message.h"
#include "outqueue.h"
#include "proof.h"
#include "session.h"

#include <errno.h>
#include <string.h>

/*
 * Input: a byte of provider settings (SET_*), a byte for the behaviour of
 * the fake operations (PF_*), then messages separated by FUZZ_SEP, each a
 * mode byte (bit 0: binary) and the message. A session that must close
 * is replaced by a new connection, up to MAX_SESSIONS.
 */

#define SET_BINARY 0x01 /* offer the binary feature */
#define SET_NAME   0x02 /* ask for the filesystem "fuzz" */
#define SET_TOKEN  0x04 /* have a token to authenticate with */
#define SET_SECRET 0x08 /* want the device's proof */

#define MAX_SESSIONS 3

/*
 * The secret and the challenge every hello carries (wf_proof_challenge()
 * is wrapped), so that a proof in the corpus can be right:
 * make_corpus.py computes it the same way.
 */
static const char secret[] = "fuzz-device-secret";
static const char challenge[] =
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

int __wrap_wf_proof_challenge(char *out);

int __wrap_wf_proof_challenge(char *out)
{
	memcpy(out, challenge, sizeof(challenge));
	return 0;
}

static struct wfp_session *dial(const struct wfp_operations *ops,
				uint8_t settings, struct wf_outqueue *q)
{
	struct wfp_session *s =
		wfp_session_create(ops, NULL, settings & SET_BINARY,
				   settings & SET_NAME ? "fuzz" : NULL);

	FUZZ_CHECK(s);
	wfp_session_set_credentials(
		s, settings & SET_TOKEN ? "good-token" : NULL,
		settings & SET_SECRET ? secret : NULL, sizeof(secret) - 1);
	FUZZ_CHECK(wfp_session_start(s, q) == 0);
	return s;
}

/* Checks and frees what the session queued to send. */
static void drain(struct wf_outqueue *q, bool binary_ok)
{
	while (q->head) {
		struct wf_outmsg *m = q->head;
		struct wf_message back;

		q->head = m->next;
		FUZZ_CHECK(!m->binary || binary_ok);
		FUZZ_CHECK(!wf_message_parse(m->payload, m->len, m->binary,
					     &back));
		wf_message_cleanup(&back);
		wf_outmsg_destroy(m);
	}
	wf_outqueue_init(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	uint8_t settings = fuzz_byte(&in);
	uint8_t behaviour = fuzz_byte(&in);
	bool offer_binary = settings & SET_BINARY;
	const struct wfp_operations *ops;
	struct wfp_session *s;
	struct wf_outqueue q;
	int sessions = 1;
	const uint8_t *chunk;
	size_t len;

	/* The limits are the service's to announce: any is checked. */
	ops = pf_operations(behaviour, SIZE_MAX, SIZE_MAX);
	wf_outqueue_init(&q);
	s = dial(ops, settings, &q);
	while (s && fuzz_chunk(&in, &chunk, &len)) {
		bool binary = len && (chunk[0] & 1);
		int rc;

		rc = wfp_session_receive(s, &q, (const char *)chunk + !!len,
					 len ? len - 1 : 0, binary);
		FUZZ_CHECK(rc <= 0);
		FUZZ_CHECK(wfp_session_max_message(s) > 0);
		drain(&q, offer_binary);
		if (rc == 0)
			continue;
		FUZZ_CHECK(!wfp_session_attached(s) || rc == -ENOMEM);
		wfp_session_destroy(s);
		s = NULL;
		if (sessions++ < MAX_SESSIONS)
			s = dial(ops, settings, &q);
	}
	wfp_session_destroy(s);
	wf_outqueue_cleanup(&q);
	return 0;
}
