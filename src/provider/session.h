/* One connection's protocol session: greeting, attaching, answering. */
#ifndef WFP_SESSION_H
#define WFP_SESSION_H

#include <webfuse/provider.h>

#include "outqueue.h"

#include <stdbool.h>
#include <stddef.h>

struct wfp_session;

/*
 * wfp_session_create() - the session of a new connection.
 * @ops: borrowed, must outlive the session. @user_data: passed to @ops.
 * @offer_binary: whether to offer the "binary" feature.
 * @name: filesystem to ask for, borrowed, must outlive the session; NULL
 * for the service's default.
 * Returns a new session to be freed with wfp_session_destroy(), or NULL
 * when out of memory.
 */
struct wfp_session *wfp_session_create(const struct wfp_operations *ops,
				       void *user_data, bool offer_binary,
				       const char *name);

/*
 * wfp_session_set_credentials() - the @token to authenticate with when the
 * service asks (in the protocol), and the device @secret (@secret_len
 * bytes) the service must prove it holds before anything is lent; both
 * borrowed, NULL for none. Call before wfp_session_start().
 */
void wfp_session_set_credentials(struct wfp_session *s, const char *token,
				 const char *secret, size_t secret_len);

/*
 * wfp_session_destroy() - the connection ended: release every handle the
 * service had open (it cannot release them any more), free @s. Accepts
 * NULL.
 */
void wfp_session_destroy(struct wfp_session *s);

/*
 * wfp_session_start() - queue the hello request on @q (borrowed).
 * Returns 0 or -ENOMEM.
 */
int wfp_session_start(struct wfp_session *s, struct wf_outqueue *q);

/*
 * wfp_session_receive() - handle one reassembled message (@buf, @len
 * borrowed; @binary: it arrived as a binary message) and queue what it
 * calls for on @q: the next session request, or the response to a
 * filesystem request.
 * Returns 0, or a negative errno when the connection must close: the error
 * the service answered to hello or add_filesystem, -EPROTONOSUPPORT,
 * -EACCES (authentication required), -EPROTO (an invalid answer), or
 * -ENOMEM. The reason has been logged.
 */
int wfp_session_receive(struct wfp_session *s, struct wf_outqueue *q,
			const char *buf, size_t len, bool binary);

/* wfp_session_attached() - whether add_filesystem succeeded. */
bool wfp_session_attached(const struct wfp_session *s);

/*
 * wfp_session_max_message() - the largest message to accept: the
 * service's max_message once greeted, the protocol's default before.
 */
size_t wfp_session_max_message(const struct wfp_session *s);

#endif
