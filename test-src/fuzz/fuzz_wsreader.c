/* Fuzz target: the provider's parser of the frames a service sends
 * (wsreader.c). The input is the byte stream after one byte that picks
 * where it is cut. Oracle: cut anywhere, the same events come out with
 * the same payloads and the same end, and no message exceeds the limit. */
#include "harness.h"

#include "wsreader.h"

#include <string.h>

#define MAX (64u << 10)

/* What a run saw: the events, hashed in order (FNV-1a), and how many. */
struct seen {
	uint64_t hash;
	size_t events;
};

static void mix(struct seen *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		s->hash = (s->hash ^ p[i]) * 0x100000001b3ull;
}

static int record(void *user, enum wfp_ws_event event, const char *data,
		  size_t len, bool binary)
{
	struct seen *s = user;
	unsigned char head[2] = {(unsigned char)event, binary};

	FUZZ_CHECK(event != WFP_WS_MESSAGE || len <= MAX);
	FUZZ_CHECK(event == WFP_WS_MESSAGE || len <= 125);
	mix(s, head, sizeof(head));
	mix(s, &len, sizeof(len));
	mix(s, data, len);
	s->events++;
	return 0;
}

/* Feeds @len bytes at @data in pieces of @step; the first nonzero rc. */
static int run(const uint8_t *data, size_t len, size_t step, struct seen *s)
{
	struct wfp_wsreader r;
	int rc = 0;

	s->hash = 0xcbf29ce484222325ull;
	s->events = 0;
	wfp_wsreader_init(&r);
	for (size_t off = 0; off < len && !rc; off += step) {
		size_t n = len - off < step ? len - off : step;

		rc = wfp_wsreader_feed(&r, data + off, n, MAX, record, s);
	}
	wfp_wsreader_cleanup(&r);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	size_t step = 1 + fuzz_byte(&in);
	struct seen whole, cut;
	int rc_whole, rc_cut;

	rc_whole = run(in.data, in.size, in.size ? in.size : 1, &whole);
	rc_cut = run(in.data, in.size, step, &cut);
	FUZZ_CHECK(rc_whole == rc_cut);
	FUZZ_CHECK(whole.events == cut.events);
	FUZZ_CHECK(whole.hash == cut.hash);
	return 0;
}
