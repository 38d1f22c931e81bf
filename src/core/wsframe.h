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
 * wf_wsframe_send_client() - send @len bytes at @payload, which has
 * LWS_PRE bytes of headroom before it, as one masked frame of @opcode on
 * the client connection @wsi. The payload is masked in place. Call from
 * LWS_CALLBACK_CLIENT_WRITEABLE only.
 * Returns 0, or -EIO when the connection must close.
 */
int wf_wsframe_send_client(struct lws *wsi, char *payload, size_t len,
			   int opcode);

#endif
