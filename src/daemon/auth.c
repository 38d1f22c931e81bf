/*
 * Who may attach: bearer tokens checked against a file of salted hashes or
 * by an external program, failed attempts rate-limited per address; and
 * the device's own proof for providers that ask for one.
 */
#include "auth.h"

#include "log.h"
#include "proof.h"
#include "tokens.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/close_range.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Failed attempts an address may make in a window before it must wait. */
#define LIMIT_FAILURES 5
#define LIMIT_WINDOW_S 60
/* Addresses remembered; the one with the oldest window makes room. */
#define LIMIT_PEERS 64
/* How long the authenticator may take, and how often we look. */
#define PROGRAM_TIMEOUT_US (5 * LWS_USEC_PER_SEC)
#define PROGRAM_POLL_US	   (20 * LWS_US_PER_MS)
#define PEER_MAX	   64

enum mode {
	MODE_NONE,
	MODE_TOKENS,
	MODE_PROGRAM,
};

struct peer_record {
	char peer[PEER_MAX];
	time_t start;	       /* of the window; 0: unused */
	unsigned int failures; /* in the window */
	bool told;	       /* the limit was logged in this window */
};

struct wfd_auth_job {
	struct wfd_auth *auth;
	struct wfd_auth_job *next;
	lws_sorted_usec_list_t sul;
	struct lws_context *context;
	pid_t pid;
	lws_usec_t deadline;
	char peer[PEER_MAX];
	char label[PEER_MAX + 8];
	wfd_auth_done *done;
	void *user;
};

struct wfd_auth {
	enum mode mode;
	struct wfd_tokens *tokens;
	char *program;
	char *secret;
	size_t secret_len;
	struct peer_record peers[LIMIT_PEERS];
	struct wfd_auth_job *jobs;
};

static int load_tokens(struct wfd_auth *auth, const char *path)
{
	unsigned int line;

	auth->tokens = wfd_tokens_load(path, &line);
	if (auth->tokens)
		return 0;
	if (line)
		wfd_log(WFD_LOG_ERROR,
			"token file %s: line %u is not "
			"NAME:SALT:HASH (make lines with webfuse-token add)",
			path, line);
	else
		wfd_log(WFD_LOG_ERROR, "token file %s: %s", path,
			strerror(errno));
	return -EINVAL;
}

static int load_program(struct wfd_auth *auth, const char *path)
{
	if (access(path, X_OK)) {
		wfd_log(WFD_LOG_ERROR, "authenticator %s: %s", path,
			strerror(errno));
		return -EINVAL;
	}
	auth->program = strdup(path);
	return auth->program ? 0 : -ENOMEM;
}

struct wfd_auth *wfd_auth_create(const struct wfd_auth_options *opts)
{
	struct wfd_auth *auth;
	int rc = 0;

	auth = calloc(1, sizeof(*auth));
	if (!auth)
		return NULL;
	auth->mode = opts->none		? MODE_NONE
		     : opts->token_file ? MODE_TOKENS
					: MODE_PROGRAM;
	if (opts->token_file)
		rc = load_tokens(auth, opts->token_file);
	else if (opts->program)
		rc = load_program(auth, opts->program);
	if (!rc && opts->device_secret) {
		rc = wf_secret_load(opts->device_secret, &auth->secret,
				    &auth->secret_len);
		if (rc)
			wfd_log(WFD_LOG_ERROR, "device secret %s: %s",
				opts->device_secret,
				rc == -EINVAL ? "must hold 16 to 4096 bytes"
					      : strerror(-rc));
	}
	if (rc) {
		wfd_auth_destroy(auth);
		return NULL;
	}
	return auth;
}

void wfd_auth_destroy(struct wfd_auth *auth)
{
	if (!auth)
		return;
	while (auth->jobs)
		wfd_auth_cancel(auth->jobs);
	wfd_tokens_free(auth->tokens);
	free(auth->program);
	wf_secret_free(auth->secret, auth->secret_len);
	free(auth);
}

bool wfd_auth_required(const struct wfd_auth *auth)
{
	return auth->mode != MODE_NONE;
}

/* The record of @peer, a fresh one (evicting the oldest) if none. */
static struct peer_record *record_of(struct wfd_auth *auth, const char *peer,
				     time_t now)
{
	struct peer_record *oldest = &auth->peers[0];

	for (int i = 0; i < LIMIT_PEERS; i++) {
		struct peer_record *r = &auth->peers[i];

		if (r->start && strcmp(r->peer, peer) == 0) {
			if (now - r->start >= LIMIT_WINDOW_S) {
				r->start = now;
				r->failures = 0;
				r->told = false;
			}
			return r;
		}
		if (r->start < oldest->start)
			oldest = r;
	}
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->peer, sizeof(oldest->peer), "%s", peer);
	oldest->start = now;
	return oldest;
}

/* Whether @peer has used up its attempts; logs that once per window. */
static bool limited(struct wfd_auth *auth, const char *peer, const char *label)
{
	struct peer_record *r = record_of(auth, peer, time(NULL));

	if (r->failures < LIMIT_FAILURES)
		return false;
	if (!r->told)
		wfd_log(WFD_LOG_WARN,
			"provider %s: %s had %u failed authentications; "
			"refusing its attempts for up to %d s",
			label, peer, r->failures, LIMIT_WINDOW_S);
	r->told = true;
	return true;
}

static void refused(struct wfd_auth *auth, const char *peer, const char *label)
{
	record_of(auth, peer, time(NULL))->failures++;
	wfd_log(WFD_LOG_WARN, "provider %s: authentication failed", label);
}

static void unlink_job(struct wfd_auth_job *job)
{
	struct wfd_auth_job **p = &job->auth->jobs;

	while (*p != job)
		p = &(*p)->next;
	*p = job->next;
}

/* Reaps the authenticator of @job; its verdict, or -EAGAIN if running. */
static int verdict(struct wfd_auth_job *job, bool wait)
{
	int status;
	pid_t rc;

	do
		rc = waitpid(job->pid, &status, wait ? 0 : WNOHANG);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return -EAGAIN;
	return rc == job->pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void poll_job(lws_sorted_usec_list_t *sul)
{
	struct wfd_auth_job *job =
		lws_container_of(sul, struct wfd_auth_job, sul);
	int accepted = verdict(job, false);

	if (accepted == -EAGAIN) {
		if (lws_now_usecs() < job->deadline) {
			lws_sul_schedule(job->context, 0, &job->sul, poll_job,
					 PROGRAM_POLL_US);
			return;
		}
		wfd_log(WFD_LOG_WARN,
			"provider %s: the authenticator took "
			"more than %d s; refused",
			job->label,
			(int)(PROGRAM_TIMEOUT_US / LWS_USEC_PER_SEC));
		kill(job->pid, SIGKILL);
		verdict(job, true);
		accepted = 0;
	}
	if (accepted)
		wfd_log(WFD_LOG_INFO,
			"provider %s: accepted by the "
			"authenticator",
			job->label);
	else
		refused(job->auth, job->peer, job->label);
	unlink_job(job);
	job->done(job->user, accepted);
	free(job);
}

/* The credentials as the authenticator reads them on its stdin. */
static char *credentials(const char *peer, const char *token, size_t len)
{
	json_t *obj = json_pack("{s:s, s:s%, s:s}", "type", "token", "token",
				token, len, "peer", peer);
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;

	json_decref(obj);
	return text;
}

/* Starts the authenticator for @job with @input on its stdin. */
static int spawn(struct wfd_auth_job *job, const char *program,
		 const char *input)
{
	int fds[2];
	size_t len = strlen(input);

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	job->pid = fork();
	if (job->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (job->pid == 0) {
		/* Nothing of the daemon's but the credentials on stdin. */
		if (dup2(fds[0], STDIN_FILENO) < 0 ||
		    close_range(STDERR_FILENO + 1, ~0u, 0))
			_exit(126);
		setenv("WEBFUSE_PEER", job->peer, 1);
		execl(program, program, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	/* Far below the pipe's capacity: never blocks. EPIPE: it quit. */
	if (write(fds[1], input, len) != (ssize_t)len)
		wfd_log(WFD_LOG_DEBUG, "authenticator: stdin: %s",
			strerror(errno));
	close(fds[1]);
	return 0;
}

static int start_program(struct wfd_auth *auth, struct lws_context *context,
			 const char *peer, const char *label, const char *token,
			 size_t len, wfd_auth_done *done, void *user,
			 struct wfd_auth_job **out)
{
	struct wfd_auth_job *job = calloc(1, sizeof(*job));
	char *input = credentials(peer, token, len);
	int rc = -ENOMEM;

	if (job && input) {
		job->auth = auth;
		job->context = context;
		job->done = done;
		job->user = user;
		snprintf(job->peer, sizeof(job->peer), "%s", peer);
		snprintf(job->label, sizeof(job->label), "%s", label);
		rc = spawn(job, auth->program, input);
	}
	free(input);
	if (rc) {
		/* Not UTF-8, or no process: the token cannot be checked. */
		free(job);
		refused(auth, peer, label);
		return 0;
	}
	job->deadline = lws_now_usecs() + PROGRAM_TIMEOUT_US;
	job->next = auth->jobs;
	auth->jobs = job;
	lws_sul_schedule(context, 0, &job->sul, poll_job, PROGRAM_POLL_US);
	*out = job;
	return -EINPROGRESS;
}

int wfd_auth_check(struct wfd_auth *auth, struct lws_context *context,
		   const char *peer, const char *label, const char *token,
		   size_t len, wfd_auth_done *done, void *user,
		   struct wfd_auth_job **job)
{
	const char *name;

	*job = NULL;
	if (auth->mode == MODE_NONE)
		return 1;
	if (limited(auth, peer, label))
		return 0;
	if (len > WFD_AUTH_TOKEN_MAX || memchr(token, '\0', len)) {
		refused(auth, peer, label);
		return 0;
	}
	if (auth->mode == MODE_PROGRAM)
		return start_program(auth, context, peer, label, token, len,
				     done, user, job);
	name = wfd_tokens_check(auth->tokens, token, len);
	if (!name) {
		refused(auth, peer, label);
		return 0;
	}
	wfd_log(WFD_LOG_INFO, "provider %s: authenticated by token \"%s\"",
		label, name);
	return 1;
}

void wfd_auth_cancel(struct wfd_auth_job *job)
{
	if (!job)
		return;
	lws_sul_cancel(&job->sul);
	kill(job->pid, SIGKILL);
	verdict(job, true);
	unlink_job(job);
	free(job);
}

int wfd_auth_prove(const struct wfd_auth *auth, const char *challenge,
		   char *out)
{
	if (!auth->secret)
		return -ENOENT;
	return wf_proof_compute(auth->secret, auth->secret_len, challenge, out);
}
