/* One provider connection: greeting, attachment, calls and their answers. */
#include "session.h"

#include "field.h"
#include "filesystem.h"
#include "limit.h"
#include "log.h"
#include "message.h"
#include "outmsg.h"
#include "outqueue.h"
#include "pending.h"
#include "protocol.h"
#include "rpc.h"
#include "rxbuf.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

enum session_state {
	SESSION_NEW,
	SESSION_GREETED,
	SESSION_ATTACHED,
};

struct wfd_session {
	struct lws *wsi;
	struct wfd_filesystem *fs;
	const struct wfd_limits *limits;
	enum session_state state;
	bool binary;
	char peer[64];
	struct wf_rxbuf rx;
	struct wf_outqueue tx;
	struct wfd_pending *pending;
	uint64_t received; /* valid messages from the provider */
};

static int enqueue(void *user, struct wf_outmsg *msg)
{
	struct wfd_session *s = user;

	wf_outqueue_push(&s->tx, msg);
	lws_callback_on_writable(s->wsi);
	return 0;
}

/* Sends @response (stolen); an allocation failure drops it. */
static void respond(struct wfd_session *s, json_t *response)
{
	struct wf_outmsg *msg;

	if (!response)
		return;
	msg = wf_outmsg_text(response);
	json_decref(response);
	if (msg)
		enqueue(s, msg);
}

struct wfd_session *wfd_session_create(struct lws *wsi,
				       struct wfd_filesystem *fs,
				       const struct wfd_limits *limits)
{
	struct wfd_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->pending =
		wfd_pending_create(lws_get_context(wsi), limits->max_pending,
				   limits->timeout_ms, enqueue, s);
	if (!s->pending) {
		free(s);
		return NULL;
	}
	s->wsi = wsi;
	s->fs = fs;
	s->limits = limits;
	wf_rxbuf_init(&s->rx);
	wf_outqueue_init(&s->tx);
	lws_get_peer_simple(wsi, s->peer, sizeof(s->peer));
	return s;
}

void wfd_session_destroy(struct wfd_session *s)
{
	if (!s)
		return;
	if (s->state == SESSION_ATTACHED) {
		wfd_filesystem_detach(s->fs, s);
		wfd_log(WFD_LOG_INFO, "provider %s detached from \"%s\"",
			s->peer, wfd_filesystem_name(s->fs));
	}
	wfd_pending_destroy(s->pending, -EIO);
	wf_rxbuf_cleanup(&s->rx);
	wf_outqueue_cleanup(&s->tx);
	free(s);
}

uint64_t wfd_session_received(const struct wfd_session *s)
{
	return s->received;
}

const char *wfd_session_peer(const struct wfd_session *s)
{
	return s->peer;
}

static json_t *hello(struct wfd_session *s, const struct wf_message *msg)
{
	uint64_t version;

	if (s->state != SESSION_NEW)
		return wf_rpc_error(msg->id, -EPROTO);
	if (wf_field_uint(msg->params, "protocol", UINT32_MAX, &version))
		return wf_rpc_protocol_error(msg->id, WF_RPC_INVALID_PARAMS,
					     "protocol must be an integer");
	if (version != WF_PROTOCOL_VERSION)
		return wf_rpc_error(msg->id, -EPROTONOSUPPORT);

	s->binary = wf_field_has_name(msg->params, "features", "binary");
	s->state = SESSION_GREETED;
	json_t *features =
		s->binary ? json_pack("[s]", "binary") : json_array();
	return wf_rpc_result(msg->id, json_pack("{s:i, s:o, s:s, s:b, s:o}",
						"protocol", WF_PROTOCOL_VERSION,
						"features", features, "agent",
						"webfused/" WF_VERSION,
						"authenticate", 0, "limits",
						wfd_limits_to_json(s->limits)));
}

static json_t *add_filesystem(struct wfd_session *s,
			      const struct wf_message *msg)
{
	const char *name = "";
	int rc;

	if (s->state != SESSION_GREETED)
		return wf_rpc_error(msg->id, -EPROTO);
	rc = wf_field_string(msg->params, "name", &name, NULL);
	if (rc == -EINVAL)
		return wf_rpc_protocol_error(msg->id, WF_RPC_INVALID_PARAMS,
					     "name must be a string");
	rc = wfd_filesystem_attach(s->fs, s, name);
	if (rc) {
		wfd_log(WFD_LOG_WARN, "provider %s: add_filesystem \"%s\": %s",
			s->peer, name, strerror(-rc));
		return wf_rpc_error(msg->id, rc);
	}
	s->state = SESSION_ATTACHED;
	wfd_log(WFD_LOG_INFO, "provider %s attached to \"%s\"%s", s->peer,
		wfd_filesystem_name(s->fs), s->binary ? " (binary)" : "");
	return wf_rpc_result(msg->id, json_pack("{s:s}", "name",
						wfd_filesystem_name(s->fs)));
}

static void handle_request(struct wfd_session *s, const struct wf_message *msg)
{
	json_t *response;

	if (strcmp(msg->method, "hello") == 0)
		response = hello(s, msg);
	else if (strcmp(msg->method, "add_filesystem") == 0)
		response = add_filesystem(s, msg);
	else if (strcmp(msg->method, "authenticate") == 0)
		response = wf_rpc_error(msg->id, -EPROTO);
	else
		response = wf_rpc_protocol_error(
			msg->id, WF_RPC_METHOD_NOT_FOUND, "method not found");
	respond(s, response);
}

static int handle_message(struct wfd_session *s)
{
	struct wf_message msg;
	int rc = wf_message_parse(s->rx.data, s->rx.len, s->rx.binary, &msg);

	if (rc) {
		wfd_log(WFD_LOG_WARN,
			"provider %s: invalid message (%s), closing", s->peer,
			strerror(-rc));
		return -1;
	}
	if (msg.attachment && !s->binary) {
		wfd_log(WFD_LOG_WARN,
			"provider %s: binary message without the feature, "
			"closing",
			s->peer);
		wf_message_cleanup(&msg);
		return -1;
	}
	s->received++;

	switch (msg.kind) {
	case WF_MESSAGE_REQUEST:
		handle_request(s, &msg);
		break;
	case WF_MESSAGE_RESPONSE:
		if (!wfd_pending_answer(s->pending, &msg))
			wfd_log(WFD_LOG_DEBUG,
				"provider %s: answer to unknown call %llu",
				s->peer, (unsigned long long)msg.id);
		break;
	case WF_MESSAGE_NOTIFICATION:
		break;
	}
	wf_message_cleanup(&msg);
	return 0;
}

int wfd_session_receive(struct wfd_session *s, const void *in, size_t len)
{
	int rc = wf_rxbuf_receive(&s->rx, s->wsi, in, len,
				  s->limits->max_message);

	if (rc < 0) {
		wfd_log(WFD_LOG_WARN, "provider %s: %s, closing", s->peer,
			rc == -EMSGSIZE ? "message exceeds max_message"
					: strerror(-rc));
		return -1;
	}
	if (rc == 0)
		return 0;
	rc = handle_message(s);
	wf_rxbuf_reset(&s->rx);
	return rc;
}

int wfd_session_writeable(struct wfd_session *s)
{
	return wf_outqueue_write(&s->tx, s->wsi) ? -1 : 0;
}

int wfd_session_call(struct wfd_session *s, struct wfd_call *call,
		     const char *method, json_t *params, const void *data,
		     size_t size)
{
	uint64_t id = wfd_pending_next_id(s->pending);
	json_t *request = wf_rpc_request(id, method, params);
	struct wf_outmsg *msg;

	if (!request)
		return -ENOMEM;
	if (data)
		msg = wf_outmsg_data(request,
				     json_object_get(request, "params"), data,
				     size, s->binary);
	else
		msg = wf_outmsg_text(request);
	json_decref(request);
	if (!msg)
		return -ENOMEM;
	wfd_pending_add(s->pending, call, msg);
	return 0;
}
