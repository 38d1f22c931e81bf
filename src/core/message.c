/* Decoding of received messages: text JSON-RPC or the attachment form. */
#include "message.h"
#include "field.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_LENGTH_SIZE 4

/*
 * Whether @text is canonical padded base64; if so, @size receives the number
 * of bytes it decodes to. lws decodes leniently (it skips bad characters),
 * so the alphabet is checked before.
 */
static bool base64_check(const char *text, size_t len, size_t *size)
{
	size_t pad = 0;

	if (len % 4)
		return false;
	while (pad < 2 && pad < len && text[len - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < len - pad; i++) {
		unsigned char c = (unsigned char)text[i];

		bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9');

		if (!alnum && c != '+' && c != '/')
			return false;
	}
	/* Bits the padding leaves unused must be zero (RFC 4648, 3.5). */
	if (pad) {
		unsigned char c = (unsigned char)text[len - 1 - pad];
		unsigned int v = c >= 'a'   ? c - 'a' + 26u
				 : c >= 'A' ? c - 'A' + 0u
				 : c >= '0' ? c - '0' + 52u
				 : c == '+' ? 62u
					    : 63u;

		if (v & (pad == 1 ? 0x3u : 0xfu))
			return false;
	}
	*size = len / 4 * 3 - pad;
	return true;
}

/* The object a "data" member lives in: params or result. */
static json_t *data_holder(const struct wf_message *msg)
{
	return msg->kind == WF_MESSAGE_RESPONSE ? msg->result : msg->params;
}

static int classify(struct wf_message *msg)
{
	json_t *json = msg->json;
	const char *version;
	json_t *id = json_object_get(json, "id");
	bool null_id = json_is_null(id);

	if (wf_field_string(json, "jsonrpc", &version, NULL) ||
	    strcmp(version, "2.0") != 0)
		return -EPROTO;

	if (id && !null_id &&
	    (wf_field_uint(json, "id", WF_INT_MAX, &msg->id) || msg->id == 0))
		return -EPROTO;

	if (json_object_get(json, "method")) {
		if (null_id ||
		    wf_field_string(json, "method", &msg->method, NULL))
			return -EPROTO;
		msg->params = json_object_get(json, "params");
		if (!msg->params) {
			msg->params = json_object();
			if (!msg->params ||
			    json_object_set_new(json, "params", msg->params))
				return -ENOMEM;
		}
		if (!json_is_object(msg->params))
			return -EPROTO;
		msg->kind = id ? WF_MESSAGE_REQUEST : WF_MESSAGE_NOTIFICATION;
		return 0;
	}

	/* JSON-RPC answers a request it could not read with a null id. */
	if (null_id && json_is_object(json_object_get(json, "error")) &&
	    !json_object_get(json, "result")) {
		msg->id = 0;
		msg->error = json_object_get(json, "error");
		msg->kind = WF_MESSAGE_RESPONSE;
		return 0;
	}
	if (!id || null_id)
		return -EPROTO;
	msg->result = json_object_get(json, "result");
	msg->error = json_object_get(json, "error");
	if (!msg->result == !msg->error)
		return -EPROTO;
	if (msg->result && !json_is_object(msg->result))
		return -EPROTO;
	if (msg->error && !json_is_object(msg->error))
		return -EPROTO;
	msg->kind = WF_MESSAGE_RESPONSE;
	return 0;
}

/* Checks that the header announces exactly the attachment it carries. */
static int check_attachment(const struct wf_message *msg)
{
	uint64_t size;

	if (wf_field_uint(data_holder(msg), "data", WF_INT_MAX, &size))
		return -EPROTO;
	if (size != msg->attachment_size)
		return -EPROTO;
	return 0;
}

int wf_message_parse(const char *buf, size_t len, bool binary,
		     struct wf_message *msg)
{
	size_t json_len = len;
	int rc;

	memset(msg, 0, sizeof(*msg));
	if (binary) {
		if (len < HEADER_LENGTH_SIZE)
			return -EPROTO;

		const unsigned char *p = (const unsigned char *)buf;
		uint32_t header = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
				  (uint32_t)p[2] << 8 | (uint32_t)p[3];

		if (header > len - HEADER_LENGTH_SIZE)
			return -EPROTO;
		json_len = header;
		buf += HEADER_LENGTH_SIZE;
		msg->attachment = buf + json_len;
		msg->attachment_size = len - HEADER_LENGTH_SIZE - json_len;
	}

	msg->json = json_loadb(buf, json_len, JSON_REJECT_DUPLICATES, NULL);
	if (!msg->json || !json_is_object(msg->json)) {
		rc = -EBADMSG;
		goto out_cleanup;
	}
	rc = classify(msg);
	if (rc)
		goto out_cleanup;
	if (binary) {
		if (msg->kind == WF_MESSAGE_RESPONSE && !msg->result) {
			rc = -EPROTO;
			goto out_cleanup;
		}
		rc = check_attachment(msg);
		if (rc)
			goto out_cleanup;
	}
	return 0;

out_cleanup:
	wf_message_cleanup(msg);
	return rc;
}

int wf_message_data(struct wf_message *msg, size_t max, const char **data,
		    size_t *size)
{
	json_t *holder = data_holder(msg);
	const char *text;
	size_t text_len, want, room;
	int n;

	if (msg->attachment) {
		if (msg->attachment_size > max)
			return -EMSGSIZE;
		*data = msg->attachment;
		*size = msg->attachment_size;
		return 0;
	}

	if (!holder)
		return -ENOENT;
	n = wf_field_string(holder, "data", &text, &text_len);
	if (n)
		return n;
	if (!base64_check(text, text_len, &want))
		return -EINVAL;
	if (text_len > INT32_MAX || want > max)
		return -EMSGSIZE;

	/* lws decodes a group only while 4 bytes of room are left. */
	room = text_len / 4 * 3 + 4;
	free(msg->decoded);
	msg->decoded = malloc(room);
	if (!msg->decoded)
		return -ENOMEM;
	n = want ? lws_b64_decode_string_len(text, (int)text_len, msg->decoded,
					     (int)room)
		 : 0;
	if (n < 0 || (size_t)n != want)
		return -EINVAL;
	*data = msg->decoded;
	*size = (size_t)n;
	return 0;
}

void wf_message_cleanup(struct wf_message *msg)
{
	json_decref(msg->json);
	free(msg->decoded);
	memset(msg, 0, sizeof(*msg));
}
