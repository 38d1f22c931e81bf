/* One connection's protocol session: greeting, attaching, answering. */
#include "session.h"
#include "dispatch.h"
#include "errno_name.h"
#include "field.h"
#include "log.h"
#include "message.h"
#include "path.h"
#include "proof.h"
#include "protocol.h"
#include "rpc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The most a service may make this provider hold for one message. */
#define MAX_MESSAGE_CAP (64u << 20)
#define MAX_CHUNK_CAP	(16u << 20)
#define MAX_ENTRIES_CAP 10000000u

#define HELLO_ID	  1
#define ADD_FILESYSTEM_ID 2
#define AUTHENTICATE_ID	  3

enum state {
	STATE_NEW,
	STATE_GREETING,	      /* hello sent */
	STATE_AUTHENTICATING, /* authenticate sent */
	STATE_ATTACHING,      /* add_filesystem sent */
	STATE_ATTACHED,
};

struct wfp_session {
	enum state state;
	bool offer_binary;
	const char *name;
	const char *token;  /* NULL: none */
	const char *secret; /* the device must prove it holds it; or NULL */
	size_t secret_len;
	char challenge[WF_PROOF_HEX + 1];
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
	s->dispatch.open = wfp_handles_create();
	if (!s->dispatch.open) {
		free(s);
		return NULL;
	}
	return s;
}

void wfp_session_set_credentials(struct wfp_session *s, const char *token,
				 const char *secret, size_t secret_len)
{
	s->token = token;
	s->secret = secret;
	s->secret_len = secret_len;
}

void wfp_session_destroy(struct wfp_session *s)
{
	if (!s)
		return;
	/* The service can no longer release what it had open. */
	wfp_handles_destroy(s->dispatch.open, s->dispatch.ops,
			    s->dispatch.user_data);
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
	if (params && s->secret) {
		if (wf_proof_challenge(s->challenge) ||
		    json_object_set_new(params, "challenge",
					json_string(s->challenge))) {
			json_decref(params);
			return -ENOMEM;
		}
	}
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
 * holds the default. A value above @cap is taken as @cap: the service's
 * word must not make the provider allocate what it will not. Returns 0 or
 * -EPROTO for an invalid value.
 */
static int read_limit(const json_t *limits, const char *key, size_t cap,
		      size_t *out)
{
	uint64_t v;
	int rc = wf_field_uint(limits, key, WF_INT_MAX, &v);

	if (rc == -ENOENT)
		return 0;
	if (rc || v == 0) {
		wfp_log("the service announced an invalid %s", key);
		return -EPROTO;
	}
	*out = v > cap ? cap : (size_t)v;
	return 0;
}

/* Whether the hello @result proves the device holds our secret. */
static bool proven(const struct wfp_session *s, const json_t *result)
{
	char expected[WF_PROOF_HEX + 1];
	const char *proof = NULL;

	if (wf_field_string(result, "proof", &proof, NULL) || !proof ||
	    wf_proof_compute(s->secret, s->secret_len, s->challenge, expected))
		return false;
	return wf_proof_equal(proof, expected);
}

static int add_filesystem(struct wfp_session *s, struct wf_outqueue *q)
{
	json_t *params =
		s->name ? json_pack("{s:s}", "name", s->name) : json_object();
	int rc = send_request(q, ADD_FILESYSTEM_ID, "add_filesystem", params);

	if (rc == 0)
		s->state = STATE_ATTACHING;
	return rc;
}

static int on_hello(struct wfp_session *s, struct wf_outqueue *q,
		    const struct wf_message *msg)
{
	struct wfp_dispatch *d = &s->dispatch;
	json_t *limits;
	uint64_t protocol;
	bool authenticate = false;
	int rc;

	if (msg->error && wf_rpc_error_errno(msg->error) == -EACCES) {
		wfp_log("the service refused this provider's token");
		return -EACCES;
	}
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
	rc = read_limit(limits, "max_message", MAX_MESSAGE_CAP,
			&d->max_message);
	if (!rc)
		rc = read_limit(limits, "max_read", MAX_CHUNK_CAP,
				&d->max_read);
	if (!rc)
		rc = read_limit(limits, "max_write", MAX_CHUNK_CAP,
				&d->max_write);
	if (!rc)
		rc = read_limit(limits, "max_entries", MAX_ENTRIES_CAP,
				&d->max_entries);
	if (rc)
		return rc;
	/* A read must fit a message, even as base64. */
	if (d->max_read > d->max_message / 4 * 3)
		d->max_read = d->max_message / 4 * 3;
	rc = wf_field_bool(msg->result, "authenticate", &authenticate);
	if (rc && rc != -ENOENT) {
		wfp_log("the service sent an invalid hello result");
		return -EPROTO;
	}
	if (s->secret && !proven(s, msg->result)) {
		wfp_log("the service did not prove it holds the device "
			"secret: not lending to it");
		return -EACCES;
	}
	d->binary = s->offer_binary &&
		    wf_field_has_name(msg->result, "features", "binary");
	if (!authenticate)
		return add_filesystem(s, q);
	if (!s->token) {
		wfp_log("the service requires a token (--token-file)");
		return -EACCES;
	}
	rc = send_request(
		q, AUTHENTICATE_ID, "authenticate",
		json_pack("{s:s, s:s}", "type", "token", "token", s->token));
	if (rc == 0)
		s->state = STATE_AUTHENTICATING;
	return rc;
}

static int on_authenticate(struct wfp_session *s, struct wf_outqueue *q,
			   const struct wf_message *msg)
{
	if (msg->error) {
		wfp_log("the service refused this provider's token");
		return -EACCES;
	}
	return add_filesystem(s, q);
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
	if (msg->id == AUTHENTICATE_ID && s->state == STATE_AUTHENTICATING)
		return on_authenticate(s, q, msg);
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
