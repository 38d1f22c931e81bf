/* The WebSocket server: providers connect here; it also runs the loop. */
#include "server.h"

#include "docroot.h"
#include "filesystem.h"
#include "heap.h"
#include "limit.h"
#include "log.h"
#include "protocol.h"
#include "session.h"

#include <errno.h>
#include <libwebsockets.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * Bytes lws reads from a socket at once. Below 64 KiB the per-recv cost
 * grows; above it nothing is gained (measured: the same CPU time per GiB
 * at 256 KiB) but the buffer stays resident.
 */
#define SERVICE_BUFFER_SIZE (64 * 1024)
/*
 * A provider connection's receive buffer, which lws also takes as the
 * largest piece it sends at once: smaller than a message, it makes lws
 * copy and loop over a write.
 */
#define RX_BUFFER_SIZE (256 * 1024)
/*
 * Descriptors beyond one per provider and one per FUSE device: listening
 * sockets, lws's own, HTTP clients of --docroot, connections not yet
 * attached. lws sizes its tables by this instead of by RLIMIT_NOFILE
 * (320 KiB resident at 20000), and stops accepting while it is reached.
 */
#define SPARE_DESCRIPTORS 32
/* Quiet time after which the heap's spare buffers go back (heap.h). */
#define IDLE_GIVE_BACK_US LWS_US_PER_SEC

struct wfd_server {
	struct lws_context *context;
	struct lws_vhost *vhost;
	const struct wfd_filesystem_set *set;
	struct wfd_docroot *docroot;
	const struct wfd_limits *limits;
	struct wfd_auth *auth;
	unsigned int connections;
	unsigned int busy_poll_us;
	unsigned long inputs;	     /* requests and messages received, ever */
	lws_sorted_usec_list_t idle; /* gives the heap back when quiet */
	volatile sig_atomic_t stop;
};

struct connection {
	struct wfd_session *session;
};

/* Pings an idle provider; hangs up on one that stopped answering. */
static const lws_retry_bo_t keepalive = {
	.secs_since_valid_ping = 10,
	.secs_since_valid_hangup = 25,
};

static int callback_provider(struct lws *wsi, enum lws_callback_reasons reason,
			     void *user, void *in, size_t len)
{
	struct wfd_server *server = lws_context_user(lws_get_context(wsi));
	struct connection *conn = user;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		if (server->connections >= server->limits->max_connections) {
			wfd_log(WFD_LOG_WARN,
				"refusing a connection: max_connections (%u) "
				"reached",
				server->limits->max_connections);
			return -1;
		}
		conn->session = wfd_session_create(
			wsi, server->set, server->limits, server->auth);
		if (!conn->session)
			return -1;
		server->connections++;
		wfd_session_log(conn->session, WFD_LOG_INFO, "connected");
		return 0;
	case LWS_CALLBACK_RECEIVE:
		server->inputs++;
		if (!conn->session)
			return -1;
		return wfd_session_receive(conn->session, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (!conn->session)
			return -1;
		return wfd_session_writeable(conn->session);
	case LWS_CALLBACK_USER: /* gone_idle() */
		if (conn->session)
			wfd_session_shrink(conn->session);
		return 0;
	case LWS_CALLBACK_CLOSED:
		if (conn->session) {
			wfd_session_destroy(conn->session);
			conn->session = NULL;
			server->connections--;
		}
		return 0;
	default:
		return 0;
	}
}

static int callback_http(struct lws *wsi, enum lws_callback_reasons reason,
			 void *user, void *in, size_t len)
{
	struct wfd_server *server = lws_context_user(lws_get_context(wsi));

	if (reason == LWS_CALLBACK_HTTP)
		return wfd_docroot_serve(server->docroot, wsi, in, len);
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* Whether every filesystem of @server was unmounted from outside. */
static bool all_exited(const struct wfd_server *server)
{
	for (size_t i = 0; i < server->set->count; i++)
		if (!wfd_filesystem_exited(server->set->items[i]))
			return false;
	return true;
}

static int callback_fuse(struct lws *wsi, enum lws_callback_reasons reason,
			 void *user, void *in, size_t len)
{
	struct wfd_server *server = lws_context_user(lws_get_context(wsi));
	struct wfd_filesystem *fs = lws_get_opaque_user_data(wsi);
	struct wfd_session *provider;
	const char *name;

	(void)user;
	(void)in;
	(void)len;
	if (!fs || server->stop)
		return 0;
	if (reason == LWS_CALLBACK_RAW_RX_FILE) {
		server->inputs++;
		if (!wfd_filesystem_process(fs))
			return 0;
	} else if (reason == LWS_CALLBACK_RAW_CLOSE_FILE) {
		/* An error on the device (its mount is gone): lws let go. */
		wfd_filesystem_end(fs);
	} else {
		return 0;
	}
	name = wfd_filesystem_name(fs);
	wfd_log(WFD_LOG_INFO, "%s%s%s at %s was unmounted from outside",
		name[0] ? "filesystem \"" : "the filesystem", name,
		name[0] ? "\"" : "", wfd_filesystem_mountpoint(fs));
	provider = wfd_filesystem_provider(fs);
	if (provider)
		wfd_session_evict(provider, LWS_CLOSE_STATUS_GOINGAWAY,
				  "its filesystem was unmounted");
	lws_set_opaque_user_data(wsi, NULL);
	if (all_exited(server))
		wfd_server_stop(server);
	return -1;
}

static const struct lws_protocols protocols[] = {
	{"http", callback_http, 0, 0, 0, NULL, 0},
	{WF_SUBPROTOCOL, callback_provider, sizeof(struct connection),
	 RX_BUFFER_SIZE, 0, NULL, 0},
	{"webfuse-fuse", callback_fuse, 0, 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Polling on the only CPU would keep the caller itself from running. */
static unsigned int busy_poll_time(unsigned int wanted)
{
	cpu_set_t cpus;

	if (!wanted || sched_getaffinity(0, sizeof(cpus), &cpus) ||
	    CPU_COUNT(&cpus) > 1)
		return wanted;
	wfd_log(WFD_LOG_WARN, "busy polling is off: it needs two CPUs, and "
			      "webfused may run on one");
	return 0;
}

struct wfd_server *wfd_server_create(const struct wfd_server_options *opts,
				     const struct wfd_filesystem_set *set,
				     const struct wfd_limits *limits,
				     struct wfd_auth *auth)
{
	struct lws_context_creation_info info;
	struct wfd_server *server = calloc(1, sizeof(*server));
	struct lws_vhost *vhost;
	int rc;

	if (!server)
		return NULL;
	server->set = set;
	server->limits = limits;
	server->auth = auth;
	server->busy_poll_us = busy_poll_time(opts->busy_poll_us);
	if (opts->docroot) {
		server->docroot = wfd_docroot_open(opts->docroot);
		if (!server->docroot)
			goto out_free;
	}

	memset(&info, 0, sizeof(info));
	info.port = opts->port;
	info.iface = opts->bind;
	info.protocols = protocols;
	info.user = server;
	info.pt_serv_buf_size = SERVICE_BUFFER_SIZE;
	info.fd_limit_per_thread = limits->max_connections +
				   (unsigned int)set->count + SPARE_DESCRIPTORS;
	info.retry_and_idle_policy = &keepalive;
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	if (opts->cert) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = opts->cert;
		info.ssl_private_key_filepath = opts->key;
	}
	server->context = lws_create_context(&info);
	if (!server->context) {
		wfd_log(WFD_LOG_ERROR, "cannot create the server");
		goto out_free;
	}
	server->vhost = vhost = lws_create_vhost(server->context, &info);
	if (!vhost) {
		wfd_log(WFD_LOG_ERROR, "cannot listen on %s port %d%s",
			opts->bind ? opts->bind : "every address", opts->port,
			opts->cert ? " (or the certificate and key do not "
				     "match)"
				   : "");
		goto out_destroy_context;
	}
	for (size_t i = 0; i < set->count; i++) {
		rc = wfd_filesystem_adopt(set->items[i], vhost);
		if (rc) {
			wfd_log(WFD_LOG_ERROR,
				"cannot watch the FUSE device of %s: %s",
				wfd_filesystem_mountpoint(set->items[i]),
				strerror(-rc));
			goto out_destroy_context;
		}
	}
	wfd_log(WFD_LOG_INFO, "listening on %s port %d (%s)",
		opts->bind ? opts->bind : "every address", opts->port,
		opts->cert ? "wss, https" : "ws, http");
	if (opts->docroot)
		wfd_log(WFD_LOG_INFO, "serving the files of %s over HTTP",
			opts->docroot);
	return server;

out_destroy_context:
	lws_context_destroy(server->context);
out_free:
	wfd_docroot_close(server->docroot);
	free(server);
	return NULL;
}

void wfd_server_destroy(struct wfd_server *server)
{
	if (!server)
		return;
	server->stop = 1; /* what closes now is no news */
	lws_context_destroy(server->context);
	wfd_docroot_close(server->docroot);
	free(server);
}

/*
 * Serves without sleeping until nothing came in for busy_poll_us. A
 * caller whose next request, or a provider whose answer, comes within that
 * time finds webfused awake, instead of waiting for an idle CPU to wake.
 */
static int busy_poll(struct wfd_server *server)
{
	lws_usec_t until = lws_now_usecs() + server->busy_poll_us;
	unsigned long seen = server->inputs;

	while (!server->stop && lws_now_usecs() < until) {
		/* lws polls without waiting when given a negative timeout. */
		if (lws_service(server->context, -1) < 0)
			return -EIO;
		if (server->inputs != seen) {
			seen = server->inputs;
			until = lws_now_usecs() + server->busy_poll_us;
		}
	}
	return 0;
}

/* Nothing came for a while: what a burst left resident goes back. */
static void gone_idle(lws_sorted_usec_list_t *sul)
{
	struct wfd_server *server =
		lws_container_of(sul, struct wfd_server, idle);

	for (size_t i = 0; i < server->set->count; i++)
		wfd_filesystem_shrink(server->set->items[i]);
	lws_callback_all_protocol_vhost_args(
		server->vhost,
		lws_vhost_name_to_protocol(server->vhost, WF_SUBPROTOCOL),
		LWS_CALLBACK_USER, NULL, 0);
	wf_heap_give_back();
}

int wfd_server_run(struct wfd_server *server)
{
	unsigned long seen = server->inputs;

	while (!server->stop && !all_exited(server)) {
		if (lws_service(server->context, 0) < 0)
			return -EIO;
		if (server->busy_poll_us && busy_poll(server) < 0)
			return -EIO;
		if (server->inputs != seen) { /* (re)starts the quiet time */
			seen = server->inputs;
			lws_sul_schedule(server->context, 0, &server->idle,
					 gone_idle, IDLE_GIVE_BACK_US);
		}
	}
	return 0;
}

void wfd_server_stop(struct wfd_server *server)
{
	server->stop = 1;
	lws_cancel_service(server->context);
}
