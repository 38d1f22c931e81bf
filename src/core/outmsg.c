/* Messages ready to send, with LWS_PRE headroom, in text or attachment form. */
#include "outmsg.h"

#include <libwebsockets.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_LENGTH_SIZE 4
/* Room kept before reserved data for the header of a small response. */
#define RESERVED_HEADER_ROOM 256

static struct wf_outmsg *outmsg_alloc(size_t payload_len)
{
	struct wf_outmsg *m = malloc(sizeof(*m) + LWS_PRE + payload_len + 1);

	if (!m)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->payload = m->buf + LWS_PRE;
	m->len = payload_len;
	return m;
}

struct wf_outmsg *wf_outmsg_pong(const void *data, size_t len)
{
	struct wf_outmsg *m = outmsg_alloc(len);

	if (!m)
		return NULL;
	memcpy(m->payload, data, len);
	m->pong = true;
	return m;
}

struct wf_outmsg *wf_outmsg_text(const json_t *msg)
{
	size_t len = json_dumpb(msg, NULL, 0, JSON_COMPACT);
	struct wf_outmsg *m;

	if (len == 0)
		return NULL;
	m = outmsg_alloc(len);
	if (!m)
		return NULL;
	if (json_dumpb(msg, m->payload, len, JSON_COMPACT) != len) {
		free(m);
		return NULL;
	}
	return m;
}

static void put_header_length(char *p, size_t len)
{
	p[0] = (char)(len >> 24);
	p[1] = (char)(len >> 16);
	p[2] = (char)(len >> 8);
	p[3] = (char)len;
}

static struct wf_outmsg *base64_message(json_t *msg, json_t *holder,
					const void *data, size_t size)
{
	size_t b64_len = (size + 2) / 3 * 4;
	struct wf_outmsg *m = NULL;
	char *b64;

	if (size > INT32_MAX / 2)
		return NULL;
	/* lws wants room for the terminator and one byte more. */
	b64 = malloc(b64_len + 2);
	if (!b64)
		return NULL;
	if (lws_b64_encode_string(data, (int)size, b64, (int)b64_len + 2) < 0)
		goto out_free_b64;
	if (json_object_set_new(holder, "data",
				json_stringn_nocheck(b64, b64_len)))
		goto out_free_b64;
	m = wf_outmsg_text(msg);

out_free_b64:
	free(b64);
	return m;
}

/* Serializes the header of the attachment form into @dst, if it fits. */
static size_t dump_header(json_t *msg, json_t *holder, size_t size, char *dst,
			  size_t room)
{
	if (json_object_set_new(holder, "data", json_integer((json_int_t)size)))
		return 0;
	return json_dumpb(msg, dst, room, JSON_COMPACT);
}

struct wf_outmsg *wf_outmsg_data(json_t *msg, json_t *holder, const void *data,
				 size_t size, bool binary)
{
	struct wf_outmsg *m;
	size_t header;

	if (!binary)
		return base64_message(msg, holder, data, size);

	header = dump_header(msg, holder, size, NULL, 0);
	if (header == 0 || header > UINT32_MAX)
		return NULL;
	m = outmsg_alloc(HEADER_LENGTH_SIZE + header + size);
	if (!m)
		return NULL;
	put_header_length(m->payload, header);
	json_dumpb(msg, m->payload + HEADER_LENGTH_SIZE, header, JSON_COMPACT);
	if (size)
		memcpy(m->payload + HEADER_LENGTH_SIZE + header, data, size);
	m->binary = true;
	return m;
}

struct wf_outmsg *wf_outmsg_reserve(size_t capacity)
{
	size_t room = HEADER_LENGTH_SIZE + RESERVED_HEADER_ROOM;
	struct wf_outmsg *m = outmsg_alloc(room + capacity);

	if (!m)
		return NULL;
	m->reserved = m->payload + room;
	m->capacity = capacity;
	return m;
}

void wf_outmsg_finish(struct wf_outmsg **out, json_t *msg, json_t *holder,
		      size_t size, bool binary)
{
	struct wf_outmsg *m = *out;
	char header[RESERVED_HEADER_ROOM];
	size_t len;

	*out = NULL;
	if (size > m->capacity)
		goto out_destroy;
	if (binary) {
		len = dump_header(msg, holder, size, header, sizeof(header));
		if (len == 0)
			goto out_destroy;
		if (len <= sizeof(header)) {
			char *start = m->reserved - len - HEADER_LENGTH_SIZE;

			put_header_length(start, len);
			memcpy(start + HEADER_LENGTH_SIZE, header, len);
			m->payload = start;
			m->len = HEADER_LENGTH_SIZE + len + size;
			m->binary = true;
			*out = m;
			return;
		}
	}
	*out = wf_outmsg_data(msg, holder, m->reserved, size, binary);

out_destroy:
	free(m);
}

void wf_outmsg_destroy(struct wf_outmsg *m)
{
	free(m);
}
