/* One provider connection: greeting, attachment, calls and their answers. */
#include "session.h"

#include "auth.h"
#include "field.h"
#include "filesystem.h"
#include "limit.h"
#include "log.h"
#include "message.h"
#include "outmsg.h"
#include "outqueue.h"
#include "pending.h"
#include "proof.h"
#include "protocol.h"
#include "rpc.h"
#include "rxbuf.h"

#include <errno.h>
#include <libwebsockets.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum session_state {
	SESSION_NEW,
	SESSION_GREETED,
	SESSION_ATTACHED,
};

struct wfd_session {
	struct lws *wsi;
	const struct wfd_filesystem_set *set;
	struct wfd_filesystem *fs; /* the one attached to, or NULL */
	const struct wfd_limits *limits;
	enum session_state state;
	bool binary;
	char peer[64];	/* the address, which authentication judges */
	char label[80]; /* the address and port, which log lines name */
	unsigned long incidents[WFD_INCIDENTS];
	struct wf_rxbuf rx;
	struct wf_outqueue tx;
	struct wfd_pending *pending;
	uint64_t received; /* valid messages from the provider */

	struct wfd_auth *auth;
	bool authenticated;
	char *header_token;	      /* from "Authorization: Bearer" */
	struct wfd_auth_job *job;     /* a check in progress */
	uint64_t waiting_id;	      /* the request the check will answer */
	bool waiting_hello;	      /* ... is hello, else authenticate */
	char proof[WF_PROOF_HEX + 1]; /* for the provider's challenge */
	bool closing;		      /* close once what is queued is sent */
	int close_status;	      /* ... with this status, if not 0 */
	lws_sorted_usec_list_t attach_sul; /* the attach deadline */
};

/* An idle connection must not hold one of the few slots for long. */
#define ATTACH_DEADLINE_S 10

/* Seconds a closing connection has to take what is queued for it. */
#define CLOSE_GRACE_S 5

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

/* The credentials of an Authorization header, if the upgrade had one. */
static char *header_token(struct lws *wsi)
{
	int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
	char *value;

	if (n <= 0)
		return NULL;
	/* Too long to be a token: checked (and refused) as an empty one. */
	if (n > WFD_AUTH_TOKEN_MAX + 16)
		return strdup("");
	value = malloc((size_t)n + 1);
	if (!value)
		return NULL;
	if (lws_hdr_copy(wsi, value, n + 1, WSI_TOKEN_HTTP_AUTHORIZATION) < 0)
		value[0] = '\0';
	if (strncasecmp(value, "Bearer ", 7) == 0)
		memmove(value, value + 7, strlen(value + 7) + 1);
	return value;
}

static void forget_token(struct wfd_session *s)
{
	if (!s->header_token)
		return;
	OPENSSL_cleanse(s->header_token, strlen(s->header_token));
	free(s->header_token);
	s->header_token = NULL;
}

static void attach_deadline(lws_sorted_usec_list_t *sul)
{
	struct wfd_session *s =
		lws_container_of(sul, struct wfd_session, attach_sul);

	if (s->state == SESSION_ATTACHED)
		return;
	if (s->job) {
		/* An authenticator is at work: its own timeout comes first. */
		lws_sul_schedule(lws_get_context(s->wsi), 0, &s->attach_sul,
				 attach_deadline, LWS_USEC_PER_SEC);
		return;
	}
	wfd_session_log(s, WFD_LOG_WARN, "not attached within %d s, closing",
			ATTACH_DEADLINE_S);
	lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* "ADDR:PORT" ("[ADDR]:PORT" for IPv6) of the peer of @wsi, in @out. */
static void peer_label(struct lws *wsi, const char *addr, char *out,
		       size_t size)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	int port = 0;

	if (getpeername(lws_get_socket_fd(wsi), (struct sockaddr *)&sa, &len) ==
	    0) {
		if (sa.ss_family == AF_INET)
			port = ntohs(((struct sockaddr_in *)&sa)->sin_port);
		else if (sa.ss_family == AF_INET6)
			port = ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
	}
	if (strchr(addr, ':'))
		snprintf(out, size, "[%s]:%d", addr, port);
	else
		snprintf(out, size, "%s:%d", addr, port);
}

struct wfd_session *wfd_session_create(struct lws *wsi,
				       const struct wfd_filesystem_set *set,
				       const struct wfd_limits *limits,
				       struct wfd_auth *auth)
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
	s->set = set;
	s->limits = limits;
	s->auth = auth;
	s->authenticated = !wfd_auth_required(auth);
	if (!s->authenticated)
		s->header_token = header_token(wsi);
	wf_rxbuf_init(&s->rx);
	wf_outqueue_init(&s->tx);
	lws_get_peer_simple(wsi, s->peer, sizeof(s->peer));
	/* An IPv4 peer of a dual-stack socket: said the IPv4 way. */
	if (strncmp(s->peer, "::ffff:", 7) == 0 && !strchr(s->peer + 7, ':'))
		memmove(s->peer, s->peer + 7, strlen(s->peer + 7) + 1);
	peer_label(wsi, s->peer, s->label, sizeof(s->label));
	lws_sul_schedule(lws_get_context(wsi), 0, &s->attach_sul,
			 attach_deadline,
			 (lws_usec_t)ATTACH_DEADLINE_S * LWS_USEC_PER_SEC);
	return s;
}

void wfd_session_log(const struct wfd_session *s, enum wfd_log_level level,
		     const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (s->fs)
		wfd_log(level, "provider %s on \"%s\": %s", s->label,
			wfd_filesystem_label(s->fs), line);
	else
		wfd_log(level, "provider %s: %s", s->label, line);
}

void wfd_session_incident(struct wfd_session *s, enum wfd_incident kind,
			  const char *what)
{
	if (s->incidents[kind]++)
		return;
	if (kind == WFD_INCIDENT_TIMEOUT)
		wfd_session_log(s, WFD_LOG_WARN,
				"a call got no answer within %u ms (more "
				"are counted, not logged)",
				s->limits->timeout_ms);
	else
		wfd_session_log(
			s, WFD_LOG_WARN,
			"invalid answer (%s): the call fails with EIO (more "
			"are counted, not logged)",
			what);
}

/* Ends the attachment, if any, saying what went wrong on the way. */
static void detach(struct wfd_session *s, const char *why)
{
	unsigned long timeouts = s->incidents[WFD_INCIDENT_TIMEOUT];
	unsigned long invalid = s->incidents[WFD_INCIDENT_INVALID];

	if (s->state != SESSION_ATTACHED)
		return;
	wfd_filesystem_detach(s->fs, s);
	if (timeouts || invalid)
		wfd_session_log(s, WFD_LOG_INFO,
				"detached (%s; %lu calls timed out, %lu "
				"invalid answers)",
				why, timeouts, invalid);
	else
		wfd_session_log(s, WFD_LOG_INFO, "detached (%s)", why);
	s->state = SESSION_GREETED;
	s->fs = NULL;
}

void wfd_session_evict(struct wfd_session *s, int status, const char *why)
{
	detach(s, why);
	/* Its calls fail now; it gets no new ones while it closes. */
	wfd_pending_fail(s->pending, -EIO);
	s->closing = true;
	s->close_status = status;
	lws_callback_on_writable(s->wsi);
	/* A peer that reads nothing does not keep it open for long. */
	lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, CLOSE_GRACE_S);
}

void wfd_session_destroy(struct wfd_session *s)
{
	if (!s)
		return;
	if (s->state == SESSION_ATTACHED)
		detach(s, "disconnected");
	else
		wfd_session_log(s, WFD_LOG_INFO, "disconnected");
	lws_sul_cancel(&s->attach_sul);
	wfd_auth_cancel(s->job);
	forget_token(s);
	wfd_pending_destroy(s->pending, -EIO);
	wf_rxbuf_cleanup(&s->rx);
	wf_outqueue_cleanup(&s->tx);
	free(s);
}

uint64_t wfd_session_received(const struct wfd_session *s)
{
	return s->received;
}

static json_t *hello_result(struct wfd_session *s, uint64_t id)
{
	json_t *features =
		s->binary ? json_pack("[s]", "binary") : json_array();
	json_t *result = json_pack("{s:i, s:o, s:s, s:b, s:o}", "protocol",
				   WF_PROTOCOL_VERSION, "features", features,
				   "agent", "webfused/" WF_VERSION,
				   "authenticate", !s->authenticated, "limits",
				   wfd_limits_to_json(s->limits));

	if (result && s->proof[0])
		json_object_set_new(result, "proof", json_string(s->proof));
	return wf_rpc_result(id, result);
}

/* The answer to @id once the check said @accepted. */
static json_t *checked_answer(struct wfd_session *s, uint64_t id, bool hello,
			      bool accepted)
{
	if (accepted) {
		s->authenticated = true;
		return hello ? hello_result(s, id)
			     : wf_rpc_result(id, json_object());
	}
	/* One attempt per connection; the answer does not say why. */
	s->closing = true;
	return wf_rpc_error(id, -EACCES);
}

static void checked(void *user, bool accepted)
{
	struct wfd_session *s = user;

	s->job = NULL;
	respond(s,
		checked_answer(s, s->waiting_id, s->waiting_hello, accepted));
}

/* Checks @token for request @id; NULL while the check runs. */
static json_t *check(struct wfd_session *s, uint64_t id, bool hello,
		     const char *token, size_t len)
{
	int rc = wfd_auth_check(s->auth, lws_get_context(s->wsi), s->peer,
				s->label, token, len, checked, s, &s->job);

	if (rc == -EINPROGRESS) {
		s->waiting_id = id;
		s->waiting_hello = hello;
		return NULL;
	}
	return checked_answer(s, id, hello, rc == 1);
}

static json_t *hello(struct wfd_session *s, const struct wf_message *msg)
{
	const char *challenge = NULL;
	uint64_t version;
	int rc;

	if (s->state != SESSION_NEW)
		return wf_rpc_error(msg->id, -EPROTO);
	if (wf_field_uint(msg->params, "protocol", UINT32_MAX, &version))
		return wf_rpc_protocol_error(msg->id, WF_RPC_INVALID_PARAMS,
					     "protocol must be an integer");
	if (version != WF_PROTOCOL_VERSION)
		return wf_rpc_error(msg->id, -EPROTONOSUPPORT);
	rc = wf_field_string(msg->params, "challenge", &challenge, NULL);
	if (rc == -EINVAL ||
	    (challenge && !wf_proof_challenge_valid(challenge)))
		return wf_rpc_protocol_error(msg->id, WF_RPC_INVALID_PARAMS,
					     "challenge must be 64 hex digits");
	/* Without a device secret there is no proof: the provider decides. */
	if (challenge && wfd_auth_prove(s->auth, challenge, s->proof))
		s->proof[0] = '\0';

	s->binary = wf_field_has_name(msg->params, "features", "binary");
	s->state = SESSION_GREETED;
	if (!s->authenticated && s->header_token) {
		char *token = s->header_token;
		json_t *answer;

		s->header_token = NULL;
		answer = check(s, msg->id, true, token, strlen(token));
		OPENSSL_cleanse(token, strlen(token));
		free(token);
		return answer;
	}
	return hello_result(s, msg->id);
}

static json_t *authenticate(struct wfd_session *s, const struct wf_message *msg)
{
	const char *type = NULL, *token = NULL;
	size_t len = 0;

	if (!wfd_auth_required(s->auth) || s->state != SESSION_GREETED ||
	    s->authenticated || s->job)
		return wf_rpc_error(msg->id, -EPROTO);
	if (wf_field_string(msg->params, "type", &type, NULL) || !type ||
	    strcmp(type, "token") ||
	    wf_field_string(msg->params, "token", &token, &len) || !token)
		return check(s, msg->id, false, "", 0);
	return check(s, msg->id, false, token, len);
}

/* The names a provider may ask for, in @out: "a", "b" (or "none"). */
static void list_names(const struct wfd_filesystem_set *set, char *out,
		       size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < set->count && used < size; i++) {
		const char *name = wfd_filesystem_name(set->items[i]);

		if (!wfd_filesystem_exited(set->items[i]) && name[0])
			used += (size_t)snprintf(out + used, size - used,
						 "%s\"%s\"", used ? ", " : "",
						 name);
	}
	if (!out[0])
		snprintf(out, size, "none");
}

/* Refuses add_filesystem of @name with @err, saying why in words. */
static json_t *refuse_attach(struct wfd_session *s, uint64_t id,
			     const char *name, int err)
{
	char names[256], text[400];

	list_names(s->set, names, sizeof(names));
	if (err == -ENOENT && name[0])
		snprintf(text, sizeof(text),
			 "no filesystem is named \"%s\" here (names: %s)", name,
			 names);
	else if (err == -ENOENT)
		snprintf(text, sizeof(text),
			 "this device serves several filesystems: choose one "
			 "by name (names: %s)",
			 names);
	else
		snprintf(text, sizeof(text),
			 "another provider serves \"%s\" already", name);
	wfd_session_log(s, WFD_LOG_WARN, "add_filesystem refused: %s", text);
	return wf_rpc_error_message(id, err, text);
}

static json_t *add_filesystem(struct wfd_session *s,
			      const struct wf_message *msg)
{
	struct wfd_session *replaced;
	struct wfd_filesystem *fs;
	const char *name = "";
	int rc;

	if (s->state != SESSION_GREETED)
		return wf_rpc_error(msg->id, -EPROTO);
	if (!s->authenticated) {
		wfd_session_log(s, WFD_LOG_WARN,
				"add_filesystem before authenticating");
		return wf_rpc_error(msg->id, -EACCES);
	}
	rc = wf_field_string(msg->params, "name", &name, NULL);
	if (rc == -EINVAL)
		return wf_rpc_protocol_error(msg->id, WF_RPC_INVALID_PARAMS,
					     "name must be a string");
	fs = wfd_filesystem_find(s->set, name);
	if (!fs)
		return refuse_attach(s, msg->id, name, -ENOENT);
	rc = wfd_filesystem_attach(fs, s, &replaced);
	if (rc)
		return refuse_attach(s, msg->id, wfd_filesystem_label(fs), rc);
	if (replaced) {
		char why[128];

		snprintf(why, sizeof(why), "replaced by provider %s", s->label);
		wfd_session_evict(replaced, WF_CLOSE_REPLACED, why);
	}
	s->fs = fs;
	s->state = SESSION_ATTACHED;
	wfd_session_log(s, WFD_LOG_INFO, "attached at %s%s",
			wfd_filesystem_mountpoint(fs),
			s->binary ? " (binary)" : "");
	return wf_rpc_result(
		msg->id, json_pack("{s:s}", "name", wfd_filesystem_name(fs)));
}

static void handle_request(struct wfd_session *s, const struct wf_message *msg)
{
	json_t *response;

	if (strcmp(msg->method, "hello") == 0)
		response = hello(s, msg);
	else if (strcmp(msg->method, "add_filesystem") == 0)
		response = add_filesystem(s, msg);
	else if (strcmp(msg->method, "authenticate") == 0)
		response = authenticate(s, msg);
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
		wfd_session_log(s, WFD_LOG_WARN,
				"invalid message (%s), closing", strerror(-rc));
		return -1;
	}
	if (msg.attachment && !s->binary) {
		wfd_session_log(s, WFD_LOG_WARN,
				"binary message without the feature, closing");
		wf_message_cleanup(&msg);
		return -1;
	}
	s->received++;
	if (s->closing) {
		/* Refused: what it says until the connection closes is moot. */
		wf_message_cleanup(&msg);
		return 0;
	}

	switch (msg.kind) {
	case WF_MESSAGE_REQUEST:
		handle_request(s, &msg);
		break;
	case WF_MESSAGE_RESPONSE:
		if (!wfd_pending_answer(s->pending, &msg))
			wfd_session_log(s, WFD_LOG_DEBUG,
					"answer to unknown call %llu",
					(unsigned long long)msg.id);
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
		wfd_session_log(s, WFD_LOG_WARN, "%s, closing",
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

void wfd_session_shrink(struct wfd_session *s)
{
	wf_rxbuf_shrink(&s->rx);
}

int wfd_session_writeable(struct wfd_session *s)
{
	static const char replaced[] = "another provider took over";

	if (wf_outqueue_write(&s->tx, s->wsi))
		return -1;
	if (!s->closing || !wf_outqueue_empty(&s->tx))
		return 0;
	if (s->close_status == WF_CLOSE_REPLACED)
		lws_close_reason(s->wsi, WF_CLOSE_REPLACED,
				 (unsigned char *)replaced,
				 sizeof(replaced) - 1);
	else if (s->close_status)
		lws_close_reason(s->wsi, (enum lws_close_status)s->close_status,
				 NULL, 0);
	return -1;
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
