/* WebSocket frames a client writes itself, masked eight bytes at a step. */
#include "wsframe.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

_Static_assert(LWS_PRE >= WF_WSFRAME_CLIENT_HEADER_MAX,
	       "the headroom must hold a client frame's header");

#define FIN    0x80
#define MASKED 0x80

/*
 * Writes the header of one final, masked frame of @opcode with @len payload
 * bytes and the masking key @key so that it ends at @end. Returns the
 * header's length.
 */
static size_t client_header(unsigned char *end, size_t len, int opcode,
			    const unsigned char key[4])
{
	unsigned char hdr[WF_WSFRAME_CLIENT_HEADER_MAX];
	size_t n = 0;

	hdr[n++] = FIN | (unsigned char)opcode;
	if (len < 126) {
		hdr[n++] = MASKED | (unsigned char)len;
	} else if (len <= 0xffff) {
		hdr[n++] = MASKED | 126;
		hdr[n++] = (unsigned char)(len >> 8);
		hdr[n++] = (unsigned char)len;
	} else {
		hdr[n++] = MASKED | 127;
		for (int shift = 56; shift >= 0; shift -= 8)
			hdr[n++] = (unsigned char)((uint64_t)len >> shift);
	}
	memcpy(hdr + n, key, 4);
	n += 4;
	memcpy(end - n, hdr, n);
	return n;
}

void wf_wsframe_mask(unsigned char *buf, size_t len, const unsigned char key[4])
{
	uint64_t wide;
	size_t i = 0;

	memcpy(&wide, key, 4);
	memcpy((unsigned char *)&wide + 4, key, 4);
	/* Byte i of the payload takes key[i % 4]: eight bytes keep step. */
	for (; i + 8 <= len; i += 8) {
		uint64_t v;

		memcpy(&v, buf + i, 8);
		v ^= wide;
		memcpy(buf + i, &v, 8);
	}
	for (; i < len; i++)
		buf[i] ^= key[i & 3];
}

int wf_wsframe_client_frame(char *payload, size_t len, int opcode)
{
	unsigned char key[4];

	/* RFC 6455 5.3: an unpredictable key for every frame. */
	if (getrandom(key, sizeof(key), 0) != sizeof(key))
		return -EIO;
	wf_wsframe_mask((unsigned char *)payload, len, key);
	return (int)client_header((unsigned char *)payload, len, opcode, key);
}
