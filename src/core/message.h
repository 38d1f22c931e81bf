/* Decoding of received messages: text JSON-RPC or the attachment form. */
#ifndef WF_MESSAGE_H
#define WF_MESSAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wf_message_kind {
	WF_MESSAGE_REQUEST,	 /* has method and id */
	WF_MESSAGE_NOTIFICATION, /* has method, no id */
	WF_MESSAGE_RESPONSE,	 /* has id and result or error */
};

struct wf_message {
	json_t *json; /* owned: the whole JSON-RPC object (the header) */
	enum wf_message_kind kind;
	uint64_t id;	    /* 0 for notifications and null-id error answers */
	const char *method; /* borrowed from json; requests only */
	json_t *params;	    /* borrowed; requests: always an object */
	json_t *result;	    /* borrowed; responses: object or NULL */
	json_t *error;	    /* borrowed; responses: object or NULL */
	const char *attachment; /* borrowed from the input buffer, or NULL */
	size_t attachment_size;
	char *decoded; /* owned: base64-decoded data, see wf_message_data() */
};

/*
 * wf_message_parse() - decode one reassembled message.
 * @buf, @len: the message, borrowed; the attachment points into it, so it
 * must outlive @msg. @binary: whether it arrived as a binary message.
 * On success @msg must be released with wf_message_cleanup().
 * Returns 0, -EBADMSG if the bytes are not a JSON object (parse error), or
 * -EPROTO if the object is not a valid JSON-RPC 2.0 request or response or
 * the attachment disagrees with its header. On error, @msg needs no cleanup.
 */
int wf_message_parse(const char *buf, size_t len, bool binary,
		     struct wf_message *msg);

/*
 * wf_message_data() - the bytes of the "data" member of @msg: the
 * attachment, or the decoded base64 string of the params (request) or
 * result (response). At most @max bytes are accepted.
 * @data points into @msg's buffers and lives as long as @msg.
 * Returns 0, -ENOENT if there is no data member, -EINVAL if it is not valid
 * base64, -EMSGSIZE if it exceeds @max, -ENOMEM.
 */
int wf_message_data(struct wf_message *msg, size_t max, const char **data,
		    size_t *size);

/* wf_message_cleanup() - release what @msg owns. */
void wf_message_cleanup(struct wf_message *msg);

#endif
