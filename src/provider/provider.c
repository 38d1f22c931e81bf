/* The provider object: settings, the client loop and reconnects. */
#include <webfuse/provider.h>

#include "heap.h"
#include "log.h"
#include "outqueue.h"
#include "path.h"
#include "proof.h"
#include "protocol.h"
#include "rxbuf.h"
#include "session.h"
#include "url.h"
#include "wsreader.h"

#include <errno.h>
#include <libwebsockets.h>
#include <openssl/x509.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BACKOFF_FIRST_MS 100u
#define BACKOFF_MAX_MS	 5000u
/* How long the service may take to answer hello and add_filesystem. */
#define ATTACH_TIMEOUT_S 10
/*
 * Answers queued beyond this stop the reading of requests until the queue
 * drains below the low mark: memory stays bounded however fast the service
 * asks.
 */
#define QUEUE_HIGH_BYTES (8u << 20)
#define QUEUE_LOW_BYTES	 (2u << 20)
/* What one read from the socket takes at most. */
#define RX_CHUNK_BYTES (256u << 10)
/* The protocol of the raw connection that reads a plain ws:// socket. */
#define RX_PROTOCOL "webfuse-provider-rx"
/* Quiet time after which buffers go back (wfp_provider_run() in provider.h). */
#define IDLE_GIVE_BACK_US LWS_US_PER_SEC

enum conn_state {
	CONN_IDLE,	 /* no connection; maybe a retry is scheduled */
	CONN_CONNECTING, /* dialing, until ESTABLISHED or an error */
	CONN_OPEN,	 /* WebSocket established */
};

struct wfp_provider {
	struct wfp_operations ops;
	void *user_data;
	struct wfp_url url; /* host NULL: not set */
	char *name;
	char *ca_file;	     /* NULL: the system's store */
	char tls_error[160]; /* why the service's certificate was refused */
	char *token;	     /* presented to the service; NULL: none */
	char *secret;	     /* the service must prove it holds it, or NULL */
	size_t secret_len;
	bool binary;
	bool reconnect;

	volatile sig_atomic_t stop_requested;
	struct lws_context *volatile context;
	lws_sorted_usec_list_t retry_sul;  /* dial again */
	lws_sorted_usec_list_t attach_sul; /* give up waiting for attach */
	unsigned int backoff_ms;
	bool stopping; /* the loop has ended: no retries, no messages */
	bool done;     /* the loop must end with result */
	int result;

	enum conn_state state;
	struct lws *wsi;
	int close_reason; /* why we close the connection, or 0 */
	struct wfp_session *session;
	struct wf_rxbuf rx; /* what lws parsed (wss://) */
	struct lws *rx_wsi; /* reads the socket itself (ws://), or NULL */
	struct wfp_wsreader reader; /* what rx_wsi read */
	struct wf_outqueue queue;
	bool rx_paused;	      /* reading stopped until the queue drains */
	unsigned long inputs; /* receive callbacks, ever */
	lws_sorted_usec_list_t idle; /* gives buffers back when quiet */
};

struct wfp_provider *wfp_provider_create(const struct wfp_operations *ops,
					 size_t ops_size, void *user_data)
{
	struct wfp_provider *p;

	if (!ops)
		return NULL;
	p = malloc(sizeof(*p));
	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	if (ops_size > sizeof(p->ops)) {
		const char *extra = (const char *)ops + sizeof(p->ops);

		for (size_t i = 0; i < ops_size - sizeof(p->ops); i++) {
			if (extra[i]) {
				wfp_log("warning: library too old, some "
					"operations will answer ENOSYS");
				break;
			}
		}
		ops_size = sizeof(p->ops);
	}
	memcpy(&p->ops, ops, ops_size);
	p->user_data = user_data;
	p->binary = true;
	p->reconnect = true;
	p->state = CONN_IDLE;
	wf_rxbuf_init(&p->rx);
	wfp_wsreader_init(&p->reader);
	wf_outqueue_init(&p->queue);
	p->queue.client_framing = true;
	return p;
}

void wfp_provider_destroy(struct wfp_provider *p)
{
	if (!p)
		return;
	wfp_url_cleanup(&p->url);
	free(p->name);
	free(p->ca_file);
	wf_secret_free(p->token, p->token ? strlen(p->token) : 0);
	wf_secret_free(p->secret, p->secret_len);
	free(p);
}

int wfp_provider_set_url(struct wfp_provider *p, const char *url)
{
	struct wfp_url parsed;
	int rc = wfp_url_parse(&parsed, url);

	if (rc)
		return rc;
	wfp_url_cleanup(&p->url);
	p->url = parsed;
	return 0;
}

int wfp_provider_set_name(struct wfp_provider *p, const char *name)
{
	char *copy = NULL;

	if (name && name[0]) {
		if (strnlen(name, WF_NAME_MAX + 1) > WF_NAME_MAX)
			return -EINVAL;
		copy = strdup(name);
		if (!copy)
			return -ENOMEM;
	}
	free(p->name);
	p->name = copy;
	return 0;
}

int wfp_provider_set_ca_file(struct wfp_provider *p, const char *path)
{
	char *copy = NULL;

	if (path) {
		copy = strdup(path);
		if (!copy)
			return -ENOMEM;
	}
	free(p->ca_file);
	p->ca_file = copy;
	return 0;
}

int wfp_provider_set_token(struct wfp_provider *p, const char *token)
{
	char *copy = NULL;

	if (token) {
		if (!*token || strlen(token) > WF_SECRET_MAX ||
		    strpbrk(token, "\r\n"))
			return -EINVAL;
		copy = strdup(token);
		if (!copy)
			return -ENOMEM;
	}
	wf_secret_free(p->token, p->token ? strlen(p->token) : 0);
	p->token = copy;
	return 0;
}

int wfp_provider_set_device_secret(struct wfp_provider *p, const char *secret,
				   size_t len)
{
	char *copy = NULL;

	if (secret) {
		if (len < WF_SECRET_MIN || len > WF_SECRET_MAX)
			return -EINVAL;
		copy = malloc(len);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, secret, len);
	}
	wf_secret_free(p->secret, p->secret_len);
	p->secret = copy;
	p->secret_len = secret ? len : 0;
	return 0;
}

void wfp_provider_set_binary(struct wfp_provider *p, bool enable)
{
	p->binary = enable;
}

void wfp_provider_set_reconnect(struct wfp_provider *p, bool enable)
{
	p->reconnect = enable;
}

void wfp_provider_stop(struct wfp_provider *p)
{
	struct lws_context *context = p->context;

	p->stop_requested = 1;
	if (context)
		lws_cancel_service(context);
}

/* Ends the loop with @result. */
static void finish(struct wfp_provider *p, int result)
{
	p->done = true;
	p->result = result;
}

/* Errors of the session that no retry can cure. */
static bool permanent(int err)
{
	return err == -EPROTONOSUPPORT || err == -EACCES || err == -ENOENT ||
	       err == -ECONNABORTED;
}

/* Notes a close status that forbids to reconnect (@in: status, reason). */
static void peer_closed(struct wfp_provider *p, const unsigned char *in,
			size_t len)
{
	if (len < 2 || (in[0] << 8 | in[1]) != WF_CLOSE_REPLACED)
		return;
	wfp_log("another provider took over the filesystem");
	p->close_reason = -ECONNABORTED;
}

static void retry_cb(lws_sorted_usec_list_t *sul);

/* Drops what belongs to the connection that ended. */
static void forget_connection(struct wfp_provider *p)
{
	lws_sul_cancel(&p->attach_sul);
	wfp_session_destroy(p->session);
	p->session = NULL;
	wf_outqueue_cleanup(&p->queue);
	wf_rxbuf_cleanup(&p->rx);
	wfp_wsreader_cleanup(&p->reader);
	if (p->rx_wsi)
		lws_set_timeout(p->rx_wsi, PENDING_TIMEOUT_CLOSE_SEND,
				LWS_TO_KILL_ASYNC);
	p->rx_wsi = NULL;
	p->rx_paused = false;
	p->wsi = NULL;
	p->state = CONN_IDLE;
}

/*
 * The connection could not be made or ended. @why, @why_len: lws's reason,
 * not necessarily terminated, or NULL.
 */
static void connection_lost(struct wfp_provider *p, const char *why,
			    size_t why_len)
{
	bool was_open = p->state == CONN_OPEN;
	int err = p->close_reason;
	char reason[192];

	if (p->state == CONN_IDLE)
		return;
	forget_connection(p);
	p->close_reason = 0;
	if (!err)
		err = was_open ? -ECONNRESET : -ECONNREFUSED;
	if (p->tls_error[0])
		snprintf(reason, sizeof(reason), "%s", p->tls_error);
	else if (why)
		snprintf(reason, sizeof(reason), "%.*s", (int)why_len, why);
	else
		snprintf(reason, sizeof(reason), "%s", strerror(-err));
	p->tls_error[0] = '\0';
	if (p->stopping)
		return;

	if (!p->reconnect || permanent(err)) {
		if (was_open)
			wfp_log("disconnected from %s", p->url.text);
		else
			wfp_log("cannot connect to %s: %s", p->url.text,
				reason);
		finish(p, err);
		return;
	}
	if (was_open)
		wfp_log("disconnected from %s; retrying in %u ms", p->url.text,
			p->backoff_ms);
	else
		wfp_log("cannot connect to %s: %s; retrying in %u ms",
			p->url.text, reason, p->backoff_ms);
	lws_sul_schedule(p->context, 0, &p->retry_sul, retry_cb,
			 (lws_usec_t)p->backoff_ms * LWS_US_PER_MS);
	p->backoff_ms *= 2;
	if (p->backoff_ms > BACKOFF_MAX_MS)
		p->backoff_ms = BACKOFF_MAX_MS;
}

static void dial(struct wfp_provider *p)
{
	/* lws tells no reason; most often the host is unknown. */
	static const char no_reason[] = "connection failed (unknown host?)";
	struct lws_client_connect_info info;

	memset(&info, 0, sizeof(info));
	info.context = p->context;
	info.address = p->url.host;
	info.port = p->url.port;
	info.path = p->url.path;
	info.host = p->url.authority;
	info.origin = p->url.authority;
	info.protocol = WF_SUBPROTOCOL;
	info.local_protocol_name = WF_SUBPROTOCOL;
	info.pwsi = &p->wsi;
	/* The certificate must be valid, for this host name, from a CA. */
	info.ssl_connection = p->url.tls ? LCCSCF_USE_SSL : 0;

	p->state = CONN_CONNECTING;
	if (!lws_client_connect_via_info(&info))
		connection_lost(p, no_reason, sizeof(no_reason) - 1);
}

static void retry_cb(lws_sorted_usec_list_t *sul)
{
	struct wfp_provider *p =
		lws_container_of(sul, struct wfp_provider, retry_sul);

	if (p->state == CONN_IDLE && !p->stopping)
		dial(p);
}

/* Asks for the connection to close from its next WRITEABLE callback. */
static void close_connection(struct wfp_provider *p, int reason)
{
	if (!p->close_reason)
		p->close_reason = reason;
	if (p->wsi)
		lws_callback_on_writable(p->wsi);
}

static void attach_timeout_cb(lws_sorted_usec_list_t *sul)
{
	struct wfp_provider *p =
		lws_container_of(sul, struct wfp_provider, attach_sul);

	if (p->state != CONN_OPEN || wfp_session_attached(p->session))
		return;
	wfp_log("the service did not attach the filesystem within %d s",
		ATTACH_TIMEOUT_S);
	close_connection(p, -ETIMEDOUT);
}

/*
 * Reads the plain connection @wsi through a raw connection on a duplicate
 * of its socket, parsing frames with wsreader.c; @wsi then only writes.
 * The service says nothing before the provider's hello, so lws has read
 * nothing past the upgrade.
 */
static int read_myself(struct wfp_provider *p, struct lws *wsi)
{
	lws_sock_file_fd_type fd;

	fd.sockfd = dup(lws_get_socket_fd(wsi));
	if (fd.sockfd < 0)
		return -errno;
	p->rx_wsi = lws_adopt_descriptor_vhost(
		lws_get_vhost(wsi), LWS_ADOPT_SOCKET, fd, RX_PROTOCOL, NULL);
	if (!p->rx_wsi)
		return -ENOMEM; /* lws closed the descriptor */
	lws_rx_flow_control(wsi, 0);
	return 0;
}

static int on_established(struct wfp_provider *p, struct lws *wsi)
{
	p->state = CONN_OPEN;
	p->wsi = wsi;
	wfp_log("connected to %s", p->url.text);
	p->session =
		wfp_session_create(&p->ops, p->user_data, p->binary, p->name);
	if (p->session)
		wfp_session_set_credentials(p->session, p->token, p->secret,
					    p->secret_len);
	if (!p->session || wfp_session_start(p->session, &p->queue)) {
		wfp_log("out of memory");
		p->close_reason = -ENOMEM;
		return -1;
	}
	if (!p->url.tls) {
		int rc = read_myself(p, wsi);

		if (rc) {
			wfp_log("cannot read the connection: %s",
				strerror(-rc));
			p->close_reason = rc;
			return -1;
		}
	}
	lws_sul_schedule(p->context, 0, &p->attach_sul, attach_timeout_cb,
			 (lws_usec_t)ATTACH_TIMEOUT_S * LWS_USEC_PER_SEC);
	lws_callback_on_writable(wsi);
	return 0;
}

/* The connection that reads: the raw one, or the WebSocket itself. */
static struct lws *reading_wsi(const struct wfp_provider *p)
{
	return p->rx_wsi ? p->rx_wsi : p->wsi;
}

/* Handles one whole message (@data, @len: borrowed) from the service. */
static int on_message(struct wfp_provider *p, const char *data, size_t len,
		      bool binary)
{
	bool attached = wfp_session_attached(p->session);
	int rc;

	rc = wfp_session_receive(p->session, &p->queue, data, len, binary);
	if (rc) {
		p->close_reason = rc;
		return -1;
	}
	if (!attached && wfp_session_attached(p->session)) {
		lws_sul_cancel(&p->attach_sul);
		p->backoff_ms = BACKOFF_FIRST_MS;
	}
	if (!wf_outqueue_empty(&p->queue))
		lws_callback_on_writable(p->wsi);
	if (p->queue.bytes > QUEUE_HIGH_BYTES && !p->rx_paused) {
		p->rx_paused = true;
		lws_rx_flow_control(reading_wsi(p), 0);
	}
	return 0;
}

/* A fragment that lws parsed (wss://). */
static int on_receive(struct wfp_provider *p, struct lws *wsi, const void *in,
		      size_t len)
{
	int rc;

	p->inputs++;
	if (p->close_reason)
		return 0;
	rc = wf_rxbuf_receive(&p->rx, wsi, in, len,
			      wfp_session_max_message(p->session));
	if (rc == 0)
		return 0;
	if (rc < 0) {
		wfp_log("cannot receive a message: %s", strerror(-rc));
		p->close_reason = rc;
		return -1;
	}
	rc = on_message(p, p->rx.data, p->rx.len, p->rx.binary);
	wf_rxbuf_reset(&p->rx);
	return rc;
}

/* What wsreader.c found in the bytes the raw connection read. */
static int on_frame(void *user, enum wfp_ws_event event, const char *data,
		    size_t len, bool binary)
{
	struct wfp_provider *p = user;
	struct wf_outmsg *pong;

	switch (event) {
	case WFP_WS_MESSAGE:
		return on_message(p, data, len, binary);
	case WFP_WS_PING:
		pong = wf_outmsg_pong(data, len);
		if (!pong) {
			p->close_reason = -ENOMEM;
			return -1;
		}
		wf_outqueue_push(&p->queue, pong);
		lws_callback_on_writable(p->wsi);
		return 0;
	case WFP_WS_CLOSE:
		peer_closed(p, (const unsigned char *)data, len);
		close_connection(p, -ECONNRESET);
		return 1;
	}
	return 0;
}

/* Bytes the raw connection read (ws://). */
static int on_raw_receive(struct wfp_provider *p, const void *in, size_t len)
{
	int rc;

	p->inputs++;
	if (p->close_reason || p->state != CONN_OPEN)
		return 0;
	/* Whatever arrives shows the connection is alive. */
	lws_validity_confirmed(p->wsi);
	rc = wfp_wsreader_feed(&p->reader, in, len,
			       wfp_session_max_message(p->session), on_frame,
			       p);
	if (rc < 0) {
		if (!p->close_reason)
			wfp_log("cannot receive a message: %s", strerror(-rc));
		close_connection(p, rc);
	}
	return 0;
}

static int on_writeable(struct wfp_provider *p, struct lws *wsi)
{
	if (p->close_reason)
		return -1;
	if (wf_outqueue_write(&p->queue, wsi)) {
		p->close_reason = -ECONNRESET;
		return -1;
	}
	if (p->rx_paused && p->queue.bytes <= QUEUE_LOW_BYTES) {
		p->rx_paused = false;
		lws_rx_flow_control(reading_wsi(p), 1);
	}
	return 0;
}

/*
 * Sends the token in the upgrade's Authorization header, so that the
 * service knows the provider before its first message. Not to a service
 * that must first prove itself: the token then waits for that proof and
 * goes in the protocol (session.c).
 */
static int append_token(struct wfp_provider *p, struct lws *wsi, void *in,
			size_t len)
{
	unsigned char **pos = in, *end = *pos + len;
	char *value;
	int rc;

	if (!p->token || p->secret)
		return 0;
	if (asprintf(&value, "Bearer %s", p->token) < 0)
		return -1;
	rc = lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
					  (unsigned char *)value,
					  (int)strlen(value), pos, end);
	wf_secret_free(value, strlen(value));
	return rc ? -1 : 0;
}

/* Keeps why the service's certificate (in @x509_ctx) was refused. */
static void note_tls_error(struct wfp_provider *p, void *x509_ctx)
{
	int err = X509_STORE_CTX_get_error(x509_ctx);

	/* Called per certificate of the chain: the first error tells. */
	if (err == X509_V_OK || p->tls_error[0])
		return;
	snprintf(p->tls_error, sizeof(p->tls_error),
		 "the service's certificate is not trusted (%s)%s",
		 X509_verify_cert_error_string(err),
		 p->ca_file ? "" : "; a private CA needs --ca FILE");
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason,
		    void *user, void *in, size_t len)
{
	struct wfp_provider *p = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
		/* @user is the X509_STORE_CTX, @len OpenSSL's verdict. */
		if (!len)
			note_tls_error(p, user);
		break;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return append_token(p, wsi, in, len);
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		connection_lost(p, in, in ? len : 0);
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		return on_established(p, wsi);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return on_receive(p, wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writeable(p, wsi);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		peer_closed(p, in, len);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		connection_lost(p, NULL, 0);
		break;
	default:
		break;
	}
	return 0;
}

/* The raw connection that reads a plain ws:// socket (read_myself()). */
static int callback_rx(struct lws *wsi, enum lws_callback_reasons reason,
		       void *user, void *in, size_t len)
{
	struct wfp_provider *p = lws_context_user(lws_get_context(wsi));

	(void)user;
	if (wsi != p->rx_wsi)
		return reason == LWS_CALLBACK_RAW_RX ? -1 : 0;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX:
		return on_raw_receive(p, in, len);
	case LWS_CALLBACK_RAW_CLOSE:
		/* The service hung up: the WebSocket must end too. */
		p->rx_wsi = NULL;
		if (p->state == CONN_OPEN)
			close_connection(p, -ECONNRESET);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{.name = WF_SUBPROTOCOL, .callback = callback},
	{.name = RX_PROTOCOL, .callback = callback_rx},
	{.name = NULL},
};

/* Nothing came for a while: what a burst left resident goes back. */
static void gone_idle(lws_sorted_usec_list_t *sul)
{
	struct wfp_provider *p =
		lws_container_of(sul, struct wfp_provider, idle);

	wf_rxbuf_shrink(&p->rx);
	wfp_wsreader_shrink(&p->reader);
	wf_heap_give_back();
}

int wfp_provider_run(struct wfp_provider *p)
{
	struct lws_context_creation_info info;
	struct lws_context *context;
	unsigned long seen = p->inputs;
	int rc = 0;

	if (!p->url.host) {
		wfp_log("no service URL set");
		return -EINVAL;
	}
	if (p->stop_requested) {
		p->stop_requested = 0;
		return 0;
	}

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = p;
	info.gid = -1;
	info.uid = -1;
	/* Each recv() takes up to this much: 4096 by default. */
	info.pt_serv_buf_size = RX_CHUNK_BYTES;
	if (p->url.tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.client_ssl_ca_filepath = p->ca_file;
	}
	context = lws_create_context(&info);
	if (!context) {
		wfp_log("cannot create the WebSocket context");
		return -ENOMEM;
	}

	p->stopping = false;
	p->done = false;
	p->result = 0;
	p->close_reason = 0;
	p->backoff_ms = BACKOFF_FIRST_MS;
	p->state = CONN_IDLE;
	p->context = context;
	dial(p);
	while (!p->stop_requested && !p->done) {
		if (lws_service(context, 0) < 0) {
			rc = -EIO;
			break;
		}
		if (p->inputs != seen) { /* (re)starts the quiet time */
			seen = p->inputs;
			lws_sul_schedule(context, 0, &p->idle, gone_idle,
					 IDLE_GIVE_BACK_US);
		}
	}

	p->stopping = true;
	lws_sul_cancel(&p->retry_sul);
	lws_sul_cancel(&p->attach_sul);
	lws_sul_cancel(&p->idle);
	p->context = NULL;
	lws_context_destroy(context);
	forget_connection(p);
	if (p->done && !p->stop_requested)
		rc = p->result;
	p->stop_requested = 0;
	return rc;
}
