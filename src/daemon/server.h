/* The WebSocket server: providers connect here; it also runs the loop. */
#ifndef WFD_SERVER_H
#define WFD_SERVER_H

struct wfd_auth;
struct wfd_filesystem_set;
struct wfd_limits;

struct wfd_server_options {
	const char *bind; /* address or interface; NULL: every address */
	int port;
	const char *docroot; /* directory served over HTTP; NULL: none */
	const char *cert;    /* PEM certificate chain: TLS; NULL: none */
	const char *key;     /* PEM private key of @cert */
	/* After input, keep polling this many µs before sleeping; 0: never */
	unsigned int busy_poll_us;
};

/* The largest busy_poll_us; longer gains nothing over sleeping. */
#define WFD_MAX_BUSY_POLL_US 10000

/*
 * wfd_server_create() - listen for providers of the filesystems of @set
 * that @auth accepts, and watch their FUSE devices. @opts, @set, @limits
 * and @auth are borrowed and must outlive the server.
 * Returns NULL (after logging why) on failure.
 */
struct wfd_server *wfd_server_create(const struct wfd_server_options *opts,
				     const struct wfd_filesystem_set *set,
				     const struct wfd_limits *limits,
				     struct wfd_auth *auth);

/*
 * wfd_server_destroy() - close every connection (failing their calls) and
 * free the server. Accepts NULL.
 */
void wfd_server_destroy(struct wfd_server *server);

/*
 * wfd_server_run() - run the event loop until wfd_server_stop() or until
 * every filesystem was unmounted from outside. Returns 0 or -errno.
 */
int wfd_server_run(struct wfd_server *server);

/* wfd_server_stop() - make wfd_server_run() return; async-signal-safe. */
void wfd_server_stop(struct wfd_server *server);

#endif
