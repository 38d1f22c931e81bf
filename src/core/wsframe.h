/*
 * WebSocket frames a client writes itself: libwebsockets 4.1 masks a
 * client's payload one byte at a time (about 430 MB/s), which caps the
 * provider's read answers; masking eight bytes at a step runs at memory
 * speed.
 */
#ifndef WF_WSFRAME_H
#define WF_WSFRAME_H

#include <stdbool.h>
#include <stddef.h>

struct lws;

/* The longest header of a masked frame: 2 + 8 (length) + 4 (key). */
#define WF_WSFRAME_CLIENT_HEADER_MAX 14

/* Frame opcodes (RFC 6455 5.2). */
#define WF_WSFRAME_CONTINUATION 0x0
#define WF_WSFRAME_TEXT		0x1
#define WF_WSFRAME_BINARY	0x2
#define WF_WSFRAME_CLOSE	0x8
#define WF_WSFRAME_PING		0x9
#define WF_WSFRAME_PONG		0xa

/* wf_wsframe_mask() - XOR @len bytes at @buf with the repeated @key. */
void wf_wsframe_mask(unsigned char *buf, size_t len,
		     const unsigned char key[4]);

/*
 * wf_wsframe_client_frame() - make the @len bytes at @payload one final,
 * masked frame of @opcode: mask them in place and write the header into
 * the WF_WSFRAME_CLIENT_HEADER_MAX bytes before @payload. The frame then
 * starts at @payload minus the returned length; send it with
 * LWS_WRITE_RAW.
 * Returns the header's length, or -EIO when no key could be drawn.
 */
int wf_wsframe_client_frame(char *payload, size_t len, int opcode);

#endif
