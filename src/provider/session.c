/* One connection's protocol session: greeting, attaching, answering. */
#include "session.h"
#include "dispatch.h"
#include "errno_name.h"
#include "field.h"
#include "log.h"
#include "message.h"
#include "path.h"
#include "protocol.h"
#include "rpc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define HELLO_ID	  1
#define ADD_FILESYSTEM_ID 2

enum state {
	STATE_NEW,
	STATE_GREETING,	 /* hello sent */
	STATE_ATTACHING, /* add_filesystem sent */
	STATE_ATTACHED,
};

struct wfp_session {
	enum state state;
	bool offer_binary;
	const char *name;
	struct wfp_dispatch dispatch;
};

struct wfp_session *wfp_session_create(const struct wfp_operations *ops,
				       void *user_data, bool offer_binary,
				       const char *name)
{
	struct wfp_session *s = malloc(sizeof(*s));

	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->state = STATE_NEW;
	s->offer_binary = offer_binary;
	s->name = name;
	s->dispatch.ops = ops;
	s->dispatch.user_data = user_data;
	s->dispatch.binary = false;
	s->dispatch.max_read = WF_DEFAULT_MAX_READ;
	s->dispatch.max_write = WF_DEFAULT_MAX_WRITE;
	s->dispatch.max_entries = WF_DEFAULT_MAX_ENTRIES;
	s->dispatch.max_message = WF_DEFAULT_MAX_MESSAGE;
	return s;
}

void wfp_session_destroy(struct wfp_session *s)
{
	free(s);
}

bool wfp_session_attached(const struct wfp_session *s)
{
	return s->state == STATE_ATTACHED;
}

size_t wfp_session_max_message(const struct wfp_session *s)
{
	return s->dispatch.max_message;
}

/* Queues @m on @q; NULL (a failed build) is -ENOMEM. */
static int push(struct wf_outqueue *q, struct wf_outmsg *m)
{
	if (!m)
		return -ENOMEM;
	wf_outqueue_push(q, m);
	return 0;
}

/* Queues the request @method with @params (stolen). */
static int send_request(struct wf_outqueue *q, uint64_t id, const char *method,
			json_t *params)
{
	json_t *request;
	struct wf_outmsg *m;

	if (!params)
		return -ENOMEM;
	request = wf_rpc_request(id, method, params);
	if (!request)
		return -ENOMEM;
	m = wf_outmsg_text(request);
	json_decref(request);
	return push(q, m);
}

int wfp_session_start(struct wfp_session *s, struct wf_outqueue *q)
{
	json_t *features = json_array();
	json_t *params;
	int rc;

	if (features && s->offer_binary &&
	    json_array_append_new(features, json_string("binary"))) {
		json_decref(features);
		features = NULL;
	}
	if (!features)
		return -ENOMEM;
	params = json_pack("{s:i, s:o, s:s}", "protocol", WF_PROTOCOL_VERSION,
			   "features", features, "agent",
			   "webfuse-provider/" WF_VERSION);
	rc = send_request(q, HELLO_ID, "hello", params);
	if (rc == 0)
		s->state = STATE_GREETING;
	return rc;
}

/* Logs the error answer @error (borrowed) to @method; returns its errno. */
static int refused(const char *method, const json_t *error)
{
	int err = wf_rpc_error_errno(error);
	const char *text = "";

	wf_field_string(error, "message", &text, NULL);
	wfp_log("the service refused %s: %s (%s)", method, wf_errno_name(-err),
		text);
	return err;
}

/*
 * Reads the limit @key of @limits (borrowed; may be NULL) into @out, which
 * holds the default. Returns 0 or -EPROTO for an invalid value.
 */
static int read_limit(const json_t *limits, const char *key, size_t *out)
{
	uint64_t v;
	int rc = wf_field_uint(limits, key, WF_INT_MAX, &v);

	if (rc == -ENOENT)
		return 0;
	if (rc || v == 0) {
		wfp_log("the service announced an invalid %s", key);
		return -EPROTO;
	}
	*out = v > SIZE_MAX ? SIZE_MAX : (size_t)v;
	return 0;
}

static int on_hello(struct wfp_session *s, struct wf_outqueue *q,
		    const struct wf_message *msg)
{
	struct wfp_dispatch *d = &s->dispatch;
	json_t *limits, *params;
	uint64_t protocol;
	bool authenticate = false;
	int rc;

	if (msg->error)
		return refused("hello", msg->error);
	if (wf_field_uint(msg->result, "protocol", WF_INT_MAX, &protocol) ||
	    protocol != WF_PROTOCOL_VERSION) {
		wfp_log("the service does not speak protocol version %d",
			WF_PROTOCOL_VERSION);
		return -EPROTONOSUPPORT;
	}
	limits = json_object_get(msg->result, "limits");
	if (limits && !json_is_object(limits)) {
		wfp_log("the service announced invalid limits");
		return -EPROTO;
	}
	rc = read_limit(limits, "max_message", &d->max_message);
	if (!rc)
		rc = read_limit(limits, "max_read", &d->max_read);
	if (!rc)
		rc = read_limit(limits, "max_write", &d->max_write);
	if (!rc)
		rc = read_limit(limits, "max_entries", &d->max_entries);
	if (rc)
		return rc;
	rc = wf_field_bool(msg->result, "authenticate", &authenticate);
	if (rc && rc != -ENOENT) {
		wfp_log("the service sent an invalid hello result");
		return -EPROTO;
	}
	if (authenticate) {
		wfp_log("the service requires authentication, which this "
			"provider does not support yet");
		return -EACCES;
	}
	d->binary = s->offer_binary &&
		    wf_field_has_name(msg->result, "features", "binary");

	params = s->name ? json_pack("{s:s}", "name", s->name) : json_object();
	rc = send_request(q, ADD_FILESYSTEM_ID, "add_filesystem", params);
	if (rc == 0)
		s->state = STATE_ATTACHING;
	return rc;
}

static int on_add_filesystem(struct wfp_session *s,
			     const struct wf_message *msg)
{
	const char *name = "";

	if (msg->error)
		return refused("add_filesystem", msg->error);
	if (wf_field_string(msg->result, "name", &name, NULL) == -EINVAL) {
		wfp_log("the service sent an invalid add_filesystem result");
		return -EPROTO;
	}
	s->state = STATE_ATTACHED;
	wfp_log("attached as filesystem \"%.*s\"%s", WF_NAME_MAX, name,
		s->dispatch.binary ? "" : " (base64 data)");
	return 0;
}

static int on_response(struct wfp_session *s, struct wf_outqueue *q,
		       const struct wf_message *msg)
{
	if (msg->id == HELLO_ID && s->state == STATE_GREETING)
		return on_hello(s, q, msg);
	if (msg->id == ADD_FILESYSTEM_ID && s->state == STATE_ATTACHING)
		return on_add_filesystem(s, msg);
	wfp_log("ignoring a response to unknown request %" PRIu64, msg->id);
	return 0;
}

static int on_request(struct wfp_session *s, struct wf_outqueue *q,
		      struct wf_message *msg, bool binary)
{
	if (binary && !s->dispatch.binary)
		return push(q, wfp_dispatch_protocol_error(
				       msg->id, WF_RPC_INVALID_REQUEST,
				       "binary message not agreed"));
	if (s->state != STATE_ATTACHED)
		return push(q, wfp_dispatch_error(msg->id, -EPROTO));
	return push(q, wfp_dispatch_request(&s->dispatch, msg));
}

int wfp_session_receive(struct wfp_session *s, struct wf_outqueue *q,
			const char *buf, size_t len, bool binary)
{
	struct wf_message msg;
	int rc = wf_message_parse(buf, len, binary, &msg);

	if (rc == -EBADMSG)
		return push(q, wfp_dispatch_protocol_error(
				       0, WF_RPC_PARSE_ERROR, "parse error"));
	if (rc == -EPROTO)
		return push(q, wfp_dispatch_protocol_error(
				       0, WF_RPC_INVALID_REQUEST,
				       "invalid request"));
	if (rc)
		return rc;

	switch (msg.kind) {
	case WF_MESSAGE_REQUEST:
		rc = on_request(s, q, &msg, binary);
		break;
	case WF_MESSAGE_RESPONSE:
		rc = on_response(s, q, &msg);
		break;
	case WF_MESSAGE_NOTIFICATION:
		/* Not used in version 1: ignored (protocol.md, 2). */
		break;
	}
	wf_message_cleanup(&msg);
	return rc;
}
