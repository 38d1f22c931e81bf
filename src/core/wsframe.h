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

/*
 * wf_wsframe_client_header() - write the header of one final, masked frame
 * of @len payload bytes (@binary: binary, else text) with the masking key
 * @key so that it ends at @end. Returns the header's length.
 */
size_t wf_wsframe_client_header(unsigned char *end, size_t len, bool binary,
				const unsigned char key[4]);

/* wf_wsframe_mask() - XOR @len bytes at @buf with the repeated @key. */
void wf_wsframe_mask(unsigned char *buf, size_t len,
		     const unsigned char key[4]);

/*
 * wf_wsframe_send_client() - send @len bytes at @payload, which has
 * LWS_PRE bytes of headroom before it, as one masked frame on the client
 * connection @wsi. The payload is masked in place. Call from
 * LWS_CALLBACK_CLIENT_WRITEABLE only.
 * Returns 0, or -EIO when the connection must close.
 */
int wf_wsframe_send_client(struct lws *wsi, char *payload, size_t len,
			   bool binary);

#endif
