/* One provider connection: greeting, attachment, calls and their answers. */
#ifndef WFD_SESSION_H
#define WFD_SESSION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lws;
struct wfd_auth;
struct wfd_call;
struct wfd_filesystem;
struct wfd_limits;

/*
 * wfd_session_create() - state for a new connection @wsi that may attach
 * to @fs once @auth accepts it. @limits, @auth: borrowed, must outlive the
 * session. Returns NULL on allocation failure.
 */
struct wfd_session *wfd_session_create(struct lws *wsi,
				       struct wfd_filesystem *fs,
				       const struct wfd_limits *limits,
				       struct wfd_auth *auth);

/*
 * wfd_session_destroy() - the connection is gone: detach from the
 * filesystem, fail every pending call with -EIO, free. Accepts NULL.
 */
void wfd_session_destroy(struct wfd_session *s);

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

/* wfd_session_peer() - the peer's address, for log lines. */
const char *wfd_session_peer(const struct wfd_session *s);

#endif
