/*
 * Who may attach: bearer tokens checked against a file of salted hashes or
 * by an external program, failed attempts rate-limited per address; and
 * the device's own proof for providers that ask for one.
 */
#ifndef WFD_AUTH_H
#define WFD_AUTH_H

#include <stdbool.h>
#include <stddef.h>

struct lws_context;
struct wfd_auth;
struct wfd_auth_job;

struct wfd_auth_options {
	bool none;		   /* the operator turned authentication off */
	const char *token_file;	   /* wfd_tokens_load() format */
	const char *program;	   /* external authenticator */
	const char *device_secret; /* file with the device's secret */
};

/* Longest token accepted, in bytes: longer ones fail unchecked. */
#define WFD_AUTH_TOKEN_MAX 1024

/*
 * wfd_auth_create() - the checks @opts (borrowed) choose: exactly one of
 * none, token_file, program (the caller makes sure); device_secret is
 * optional. Returns NULL after logging why (unreadable or invalid files).
 */
struct wfd_auth *wfd_auth_create(const struct wfd_auth_options *opts);

/* wfd_auth_destroy() - ends running checks; accepts NULL. */
void wfd_auth_destroy(struct wfd_auth *auth);

/* wfd_auth_required() - whether a provider must authenticate. */
bool wfd_auth_required(const struct wfd_auth *auth);

typedef void wfd_auth_done(void *user, bool accepted);

/*
 * wfd_auth_check() - check @token (@len bytes) presented by @peer (an
 * address: failures are counted per address), whose connection log lines
 * call @label (the address and port).
 * Returns 1 (accepted) or 0 (refused) at once, or -EINPROGRESS: then
 * @done(@user, accepted) is called from the loop of @context later, unless
 * wfd_auth_cancel(*@job) comes first. Refusals and their rate limit are
 * logged here, once per event, without saying what was wrong.
 */
int wfd_auth_check(struct wfd_auth *auth, struct lws_context *context,
		   const char *peer, const char *label, const char *token,
		   size_t len, wfd_auth_done *done, void *user,
		   struct wfd_auth_job **job);

/* wfd_auth_cancel() - forget @job: @done is not called. Accepts NULL. */
void wfd_auth_cancel(struct wfd_auth_job *job);

/*
 * wfd_auth_prove() - the device's proof for @challenge into @out
 * (WF_PROOF_HEX + 1). Returns 0, -ENOENT when no device secret is
 * configured, -EINVAL for an invalid challenge.
 */
int wfd_auth_prove(const struct wfd_auth *auth, const char *challenge,
		   char *out);

#endif
