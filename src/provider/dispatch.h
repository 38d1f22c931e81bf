/* Answers to the filesystem requests of protocol.md 6, via the operations. */
#ifndef WFP_DISPATCH_H
#define WFP_DISPATCH_H

#include <webfuse/provider.h>

#include "handles.h"
#include "message.h"
#include "outmsg.h"

#include <stdbool.h>
#include <stddef.h>

/* What a request is answered with: the operations and the session's terms. */
struct wfp_dispatch {
	const struct wfp_operations *ops; /* borrowed */
	void *user_data;		  /* passed to the operations */
	bool binary;			  /* the attachment form was agreed */
	size_t max_read;		  /* largest size of a read */
	size_t max_write;		  /* largest data of a write */
	size_t max_entries;		  /* largest readdir listing */
	size_t max_message;		  /* largest message to send */
	struct wfp_handles *open;	  /* handles given out, not released */
};

/*
 * wfp_dispatch_request() - call the operation @msg (borrowed; a
 * WF_MESSAGE_REQUEST) asks for and build its response: the result, a
 * filesystem error, or a protocol error for an unknown method or invalid
 * params. A response that would exceed max_message is replaced by the
 * error EMSGSIZE.
 * Returns a new message to send, or NULL when out of memory.
 */
struct wf_outmsg *wfp_dispatch_request(const struct wfp_dispatch *d,
				       struct wf_message *msg);

/*
 * wfp_dispatch_error() - a filesystem error response with the negative
 * errno @err to the request @id.
 * Returns a new message to send, or NULL when out of memory.
 */
struct wf_outmsg *wfp_dispatch_error(uint64_t id, int err);

/*
 * wfp_dispatch_protocol_error() - a JSON-RPC error response with @code and
 * the text @message (borrowed) to the request @id (0: unknown, sent as
 * null). Returns a new message to send, or NULL when out of memory.
 */
struct wf_outmsg *wfp_dispatch_protocol_error(uint64_t id, int code,
					      const char *message);

#endif
