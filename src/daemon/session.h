/* One provider connection: greeting, attachment, calls and their answers. */
#ifndef WFD_SESSION_H
#define WFD_SESSION_H

#include "log.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lws;
struct wfd_auth;
struct wfd_call;
struct wfd_filesystem_set;
struct wfd_limits;

/* What a provider can do wrong many times: logged once, then counted. */
enum wfd_incident {
	WFD_INCIDENT_TIMEOUT, /* a call got no answer in time */
	WFD_INCIDENT_INVALID, /* an answer did not fit its call */
	WFD_INCIDENTS,
};

/*
 * wfd_session_create() - state for a new connection @wsi that may attach
 * to one filesystem of @set once @auth accepts it. @set, @limits, @auth:
 * borrowed, must outlive the session. Returns NULL on allocation failure.
 */
struct wfd_session *wfd_session_create(struct lws *wsi,
				       const struct wfd_filesystem_set *set,
				       const struct wfd_limits *limits,
				       struct wfd_auth *auth);

/*
 * wfd_session_destroy() - the connection is gone: detach from the
 * filesystem, fail every pending call with -EIO, free. Accepts NULL.
 */
void wfd_session_destroy(struct wfd_session *s);

/*
 * wfd_session_evict() - detach @s (logging @why), fail its calls with
 * -EIO and close its connection soon, with the WebSocket close @status
 * (0: the default, 1000).
 */
void wfd_session_evict(struct wfd_session *s, int status, const char *why);

/*
 * wfd_session_log() - log one event of this connection: the line names
 * the peer's address and port and the filesystem it is attached to.
 */
void wfd_session_log(const struct wfd_session *s, enum wfd_log_level level,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * wfd_session_incident() - the provider did @kind wrong (in the call
 * @what, for the log): the first time per connection is logged, the rest
 * are counted and summed up when it detaches.
 */
void wfd_session_incident(struct wfd_session *s, enum wfd_incident kind,
			  const char *what);

/*
 * wfd_session_receive() - a fragment arrived (@in, @len borrowed).
 * Returns 0, or -1 when the connection must close (protocol violation,
 * message too large).
 */
int wfd_session_receive(struct wfd_session *s, const void *in, size_t len);

/*
 * wfd_session_writeable() - the connection can take one more message.
 * Returns 0, or -1 when the connection must close.
 */
int wfd_session_writeable(struct wfd_session *s);

/*
 * wfd_session_shrink() - free the message buffer the provider's last big
 * answer left (up to 2 MiB), unless a message is being received. For when
 * webfused has gone idle.
 */
void wfd_session_shrink(struct wfd_session *s);

/*
 * wfd_session_call() - send the request @method (borrowed) with @params
 * (stolen, even on error) and, if @data is not NULL, @size bytes of data
 * (borrowed, copied) as its "data" member. @call is finished through its
 * ->done exactly once, unless this returns an error.
 * Returns 0 or -ENOMEM.
 */
int wfd_session_call(struct wfd_session *s, struct wfd_call *call,
		     const char *method, json_t *params, const void *data,
		     size_t size);

/*
 * wfd_session_received() - how many messages the provider has sent: a
 * change shows that it is alive.
 */
uint64_t wfd_session_received(const struct wfd_session *s);

#endif
