/* Fuzz target: a provider connection as the daemon sees it: fragments
 * reassembled, hello, authenticate and add_filesystem answered, answers
 * matched to calls, interleaved with kernel requests, timeouts,
 * interrupts, token checks and reconnections (session.c, rxbuf.c,
 * pending.c). The checks of auth.c are faked: see struct fake_auth. */
#include "daemon_harness.h"
#include "harness.h"

#include "auth.h"
#include "proof.h"
#include "session.h"

#include <errno.h>
#include <libwebsockets.h>
#include <string.h>

/*
 * Input: a byte of daemon settings (AUTH_*), then steps separated by
 * FUZZ_SEP, each a mode byte and its payload. Mode bits 0-1: 0 a text
 * message arrives, 1 a binary one, 2 the kernel makes a request
 * (payload: DH_OP_BYTES, see daemon_harness.h), 3 an event fires
 * (payload byte: which; odd ones end a token check that is running):
 * a timer, such as a call's timeout or the deadline to attach, or an
 * interrupt.
 * For messages, bits 2-4 are the number of pieces less one, and bit 5
 * makes the pieces parts of one frame (lws announces the rest) instead of
 * fragments. A session that must close (it said so, or asked lws to close
 * it) is replaced by a new connection, up to MAX_SESSIONS.
 */

#define AUTH_REQUIRED 0x01 /* providers must present a token */
#define AUTH_ASYNC    0x02 /* checks finish later, as a program's do */
#define AUTH_HEADER   0x0c /* 2 bits: the upgrade's Authorization header */
#define AUTH_SECRET   0x10 /* a device secret is configured */

/* The one token the fake check accepts. */
#define GOOD_TOKEN "good-token"

#define MAX_SESSIONS 4

/* The fragment lws is delivering: what the wrapped lws calls answer. */
static struct {
	bool first;
	bool final;
	bool binary;
	size_t remaining;
} frame;

/* Only the address of the connection is passed around. */
static char fake_wsi;

/* The daemon asked lws to close the connection (lws_set_timeout()). */
static bool killed;

/*
 * What auth.c would decide, without token files, programs or clocks:
 * linked in with -Wl,--wrap=wfd_auth_*. At most one check runs.
 */
static struct fake_auth {
	uint8_t settings;
	struct wfd_auth_job *job; /* the running check, or NULL */
	wfd_auth_done *done;
	void *user;
	bool accept;
} fake_auth;

/* Only the addresses of these are passed around. */
static char fake_auth_object, fake_job;

bool __wrap_wfd_auth_required(const struct wfd_auth *auth);
int __wrap_wfd_auth_check(struct wfd_auth *auth, struct lws_context *ctx,
			  const char *peer, const char *label,
			  const char *token, size_t len, wfd_auth_done *done,
			  void *user, struct wfd_auth_job **job);
void __wrap_wfd_auth_cancel(struct wfd_auth_job *job);
int __wrap_wfd_auth_prove(const struct wfd_auth *auth, const char *challenge,
			  char *out);
int __wrap_lws_hdr_total_length(struct lws *wsi, enum lws_token_indexes h);
int __wrap_lws_hdr_copy(struct lws *wsi, char *dest, int len,
			enum lws_token_indexes h);

bool __wrap_wfd_auth_required(const struct wfd_auth *auth)
{
	FUZZ_CHECK(auth == (const struct wfd_auth *)&fake_auth_object);
	return fake_auth.settings & AUTH_REQUIRED;
}

int __wrap_wfd_auth_check(struct wfd_auth *auth, struct lws_context *ctx,
			  const char *peer, const char *label,
			  const char *token, size_t len, wfd_auth_done *done,
			  void *user, struct wfd_auth_job **job)
{
	bool accept;

	FUZZ_CHECK(auth == (struct wfd_auth *)&fake_auth_object);
	FUZZ_CHECK(ctx && peer && label && token && done && job);
	/* Only when required, one check at a time. */
	FUZZ_CHECK(fake_auth.settings & AUTH_REQUIRED);
	FUZZ_CHECK(!fake_auth.job);
	accept = len == strlen(GOOD_TOKEN) && !memcmp(token, GOOD_TOKEN, len);
	if (!(fake_auth.settings & AUTH_ASYNC))
		return accept;
	fake_auth.job = (struct wfd_auth_job *)&fake_job;
	fake_auth.done = done;
	fake_auth.user = user;
	fake_auth.accept = accept;
	*job = fake_auth.job;
	return -EINPROGRESS;
}

void __wrap_wfd_auth_cancel(struct wfd_auth_job *job)
{
	FUZZ_CHECK(job == fake_auth.job);
	fake_auth.job = NULL;
}

int __wrap_wfd_auth_prove(const struct wfd_auth *auth, const char *challenge,
			  char *out)
{
	FUZZ_CHECK(auth == (const struct wfd_auth *)&fake_auth_object);
	FUZZ_CHECK(wf_proof_challenge_valid(challenge));
	if (!(fake_auth.settings & AUTH_SECRET))
		return -ENOENT;
	memset(out, 'a', WF_PROOF_HEX);
	out[WF_PROOF_HEX] = '\0';
	return 0;
}

/* The Authorization header of the upgrade, as AUTH_HEADER picks it. */
static const char *auth_header(void)
{
	static char long_header[2048];
	static const char *const headers[] = {
		NULL,
		"Bearer " GOOD_TOKEN,
		"bearer wrong",
		long_header,
	};

	if (!long_header[0])
		memset(long_header, 'a', sizeof(long_header) - 1);
	return headers[(fake_auth.settings & AUTH_HEADER) >> 2];
}

int __wrap_lws_hdr_total_length(struct lws *wsi, enum lws_token_indexes h)
{
	const char *header = auth_header();

	FUZZ_CHECK(wsi == (struct lws *)&fake_wsi);
	FUZZ_CHECK(h == WSI_TOKEN_HTTP_AUTHORIZATION);
	return header ? (int)strlen(header) : 0;
}

int __wrap_lws_hdr_copy(struct lws *wsi, char *dest, int len,
			enum lws_token_indexes h)
{
	const char *header = auth_header();
	int n = header ? (int)strlen(header) : 0;

	FUZZ_CHECK(wsi == (struct lws *)&fake_wsi);
	FUZZ_CHECK(h == WSI_TOKEN_HTTP_AUTHORIZATION);
	/* lws needs room for the terminator. */
	if (!header || n >= len)
		return -1;
	memcpy(dest, header, (size_t)n + 1);
	return n;
}

/* Ends the running token check; its session gets the verdict. */
static bool finish_check(void)
{
	wfd_auth_done *done = fake_auth.done;

	if (!fake_auth.job)
		return false;
	fake_auth.job = NULL;
	done(fake_auth.user, fake_auth.accept);
	return true;
}

static struct wfd_session *dial(struct wfd_filesystem *fs)
{
	static struct wfd_filesystem *items[1];
	static struct wfd_filesystem_set set = {items, 1};

	items[0] = fs;
	return wfd_session_create((struct lws *)&fake_wsi, &set, fs->limits,
				  (struct wfd_auth *)&fake_auth_object);
}

/* The connection is gone: nothing of it may be left running. */
static void disconnect(struct wfd_session *s)
{
	wfd_session_destroy(s);
	killed = false;
	FUZZ_CHECK(!fake_auth.job);
}

struct lws_context *__wrap_lws_get_context(const struct lws *wsi);
const char *__wrap_lws_get_peer_simple(struct lws *wsi, char *name, size_t len);
lws_sockfd_type __wrap_lws_get_socket_fd(struct lws *wsi);
int __wrap_lws_callback_on_writable(struct lws *wsi);
int __wrap_lws_is_first_fragment(struct lws *wsi);
int __wrap_lws_is_final_fragment(struct lws *wsi);
int __wrap_lws_frame_is_binary(struct lws *wsi);
size_t __wrap_lws_remaining_packet_payload(struct lws *wsi);
void __wrap_lws_set_timeout(struct lws *wsi, enum pending_timeout reason,
			    int secs);

static struct lws_context *context;

struct lws_context *__wrap_lws_get_context(const struct lws *wsi)
{
	FUZZ_CHECK(wsi == (const struct lws *)&fake_wsi);
	return context;
}

const char *__wrap_lws_get_peer_simple(struct lws *wsi, char *name, size_t len)
{
	FUZZ_CHECK(wsi == (struct lws *)&fake_wsi);
	snprintf(name, len, "fuzz");
	return name;
}

/* No socket: the peer's port is unknown (0) in log lines. */
lws_sockfd_type __wrap_lws_get_socket_fd(struct lws *wsi)
{
	FUZZ_CHECK(wsi == (struct lws *)&fake_wsi);
	return -1;
}

int __wrap_lws_callback_on_writable(struct lws *wsi)
{
	FUZZ_CHECK(wsi == (struct lws *)&fake_wsi);
	return 0;
}

int __wrap_lws_is_first_fragment(struct lws *wsi)
{
	(void)wsi;
	return frame.first;
}

int __wrap_lws_is_final_fragment(struct lws *wsi)
{
	(void)wsi;
	return frame.final;
}

int __wrap_lws_frame_is_binary(struct lws *wsi)
{
	(void)wsi;
	return frame.binary;
}

size_t __wrap_lws_remaining_packet_payload(struct lws *wsi)
{
	(void)wsi;
	return frame.remaining;
}

void __wrap_lws_set_timeout(struct lws *wsi, enum pending_timeout reason,
			    int secs)
{
	FUZZ_CHECK(wsi == (struct lws *)&fake_wsi);
	(void)reason;
	/* lws closes it from the loop, after this step. */
	if (secs == LWS_TO_KILL_ASYNC || secs == LWS_TO_KILL_SYNC)
		killed = true;
}

/*
 * Delivers the message @buf, @len in the pieces @mode asks for.
 * Returns what wfd_session_receive() returned last: -1 closes.
 */
static int receive(struct wfd_session *s, uint8_t mode, const uint8_t *buf,
		   size_t len)
{
	size_t pieces = 1 + ((mode >> 2) & 7);
	bool one_frame = mode & 0x20;
	size_t step = len / pieces;
	size_t pos = 0;
	int rc = 0;

	frame.binary = mode & 1;
	for (size_t i = 0; i < pieces && rc == 0; i++) {
		size_t n = i + 1 == pieces ? len - pos : step;

		frame.first = i == 0;
		frame.final = one_frame || i + 1 == pieces;
		frame.remaining = one_frame ? len - pos - n : 0;
		rc = wfd_session_receive(s, buf + pos, n);
		pos += n;
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	struct wfd_filesystem *fs = dh_setup();
	struct wfd_session *s;
	int sessions = 1;
	const uint8_t *chunk;
	size_t len;

	killed = false;
	memset(&fake_auth, 0, sizeof(fake_auth));
	fake_auth.settings = fuzz_byte(&in);
	context = fs->context;
	s = dial(fs);
	FUZZ_CHECK(s);
	while (s && fuzz_chunk(&in, &chunk, &len)) {
		uint8_t mode = len ? chunk[0] : 0;
		uint8_t k[DH_OP_BYTES] = {0};
		bool closing = false;

		if (len) {
			chunk++;
			len--;
		}
		switch (mode & 3) {
		case 0:
		case 1:
			closing = receive(s, mode, chunk, len) != 0;
			break;
		case 2:
			memcpy(k, chunk, len < DH_OP_BYTES ? len : DH_OP_BYTES);
			dh_kernel_op(k);
			break;
		case 3:
			if (!(len && (chunk[0] & 1) && finish_check()))
				dh_fire(len ? chunk[0] >> 1 : 0);
			break;
		}
		if (closing || killed) {
			/* The connection closes; the provider dials again. */
			disconnect(s);
			s = NULL;
			if (sessions++ < MAX_SESSIONS)
				s = dial(fs);
		}
	}
	/* The connection closes: every call waiting fails with EIO. */
	if (s)
		disconnect(s);
	FUZZ_CHECK(!fs->provider);
	dh_teardown();
	return 0;
}
