/* Directory listings asked for before the kernel opens the directory. */
#include "ahead.h"

#include "filesystem_i.h"
#include "limit.h"
#include "listing.h"
#include "message.h"
#include "node.h"
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

/*
 * The bounds. With four calls in flight the provider always has the next
 * directory to list while the daemon reads an answer: ls -lR of 5000
 * files, dentries and inodes dropped, took 0.10 s with four, 0.12 with
 * two, and no less with eight.
 */
#define AHEAD_IN_FLIGHT 4
#define AHEAD_LISTINGS	16   /* asked or arrived, not yet opened */
#define AHEAD_ENTRIES	4096 /* in the listings that arrived */
#define AHEAD_QUEUE	256  /* directories still to ask for */

/* One directory asked for. */
struct fetch {
	lws_dll2_t link; /* in wfd_ahead.fetches */
	char *path;
	uint64_t epoch;		     /* wfd_ahead.epoch when asked */
	uint64_t generation;	     /* the provider connection asked */
	int64_t asked_at;	     /* lws_now_usecs() */
	struct wfd_request *request; /* the call, until it is answered */
	struct wfd_request *waiter;  /* an opendir waiting for the answer */
	struct wfd_listing *listing; /* the answer, once it arrived */
};

struct wfd_ahead {
	uint64_t epoch;		  /* counts wfd_ahead_forget() */
	lws_dll2_owner_t fetches; /* oldest first */
	unsigned int in_flight;
	size_t entries; /* in the listings that arrived */
	/* Paths to ask for, a ring: the next at queue[head]. */
	char *queue[AHEAD_QUEUE];
	size_t head, queued;
};

struct wfd_ahead *wfd_ahead_create(void)
{
	return calloc(1, sizeof(struct wfd_ahead));
}

/* The seconds a listing fetched ahead may wait to be opened. */
static double cache_time(const struct wfd_filesystem *fs)
{
	const struct wfd_filesystem_options *o = fs->opts;

	return o->attr_timeout < o->entry_timeout ? o->attr_timeout
						  : o->entry_timeout;
}

static void drop(struct wfd_ahead *a, struct fetch *f)
{
	if (f->listing)
		a->entries -= wfd_listing_count(f->listing);
	if (f->request)
		a->in_flight--;
	lws_dll2_remove(&f->link);
	wfd_listing_destroy(f->listing);
	free(f->path);
	free(f);
}

/* Takes the next queued path (owned by the caller); the queue is not empty. */
static char *pop(struct wfd_ahead *a)
{
	char *path = a->queue[a->head];

	a->head = (a->head + 1) % AHEAD_QUEUE;
	a->queued--;
	return path;
}

static void clear_queue(struct wfd_ahead *a)
{
	while (a->queued)
		free(pop(a));
}

void wfd_ahead_destroy(struct wfd_ahead *a)
{
	if (!a)
		return;
	clear_queue(a);
	while (a->fetches.head)
		drop(a, lws_container_of(a->fetches.head, struct fetch, link));
	free(a);
}

/* Whether @f may still be served: nothing changed since it was asked. */
static bool fresh(const struct wfd_filesystem *fs, const struct fetch *f,
		  int64_t now)
{
	return f->epoch == fs->ahead->epoch &&
	       f->generation == fs->generation &&
	       now - f->asked_at < (int64_t)(cache_time(fs) * LWS_US_PER_SEC);
}

/* Drops the listings that arrived and may not be served any more. */
static void drop_stale(struct wfd_filesystem *fs)
{
	int64_t now = lws_now_usecs();

	lws_start_foreach_dll_safe(struct lws_dll2 *, d, next,
				   fs->ahead->fetches.head)
	{
		struct fetch *f = lws_container_of(d, struct fetch, link);

		if (!f->request && !fresh(fs, f, now))
			drop(fs->ahead, f);
	}
	lws_end_foreach_dll_safe(d, next);
}

void wfd_ahead_forget(struct wfd_filesystem *fs)
{
	struct wfd_ahead *a = fs->ahead;

	a->epoch++;
	clear_queue(a);
	if (a->fetches.count)
		drop_stale(fs);
}

static struct fetch *find(struct wfd_ahead *a, const char *path)
{
	lws_start_foreach_dll(struct lws_dll2 *, d, a->fetches.head)
	{
		struct fetch *f = lws_container_of(d, struct fetch, link);

		if (strcmp(f->path, path) == 0)
			return f;
	}
	lws_end_foreach_dll(d);
	return NULL;
}

static void fetched(struct wfd_call *call, struct wf_message *reply, int err);

/* Asks for the listing of @path (owned). Returns 0 or -errno. */
static int ask(struct wfd_filesystem *fs, char *path)
{
	struct wfd_ahead *a = fs->ahead;
	struct fetch *f = calloc(1, sizeof(*f));
	struct wfd_request *r = wfd_request_create(fs, NULL, fetched);
	json_t *params = json_pack("{s:s}", "path", path);
	int rc = -ENOMEM;

	if (f && r && params)
		rc = wfd_request_call(r, "readdir", params, NULL, 0);
	else
		json_decref(params);
	if (rc) {
		if (r)
			wfd_request_destroy(r);
		free(f);
		free(path);
		return rc;
	}
	f->path = path;
	f->epoch = a->epoch;
	f->generation = fs->generation;
	f->asked_at = lws_now_usecs();
	f->request = r;
	lws_dll2_add_tail(&f->link, &a->fetches);
	a->in_flight++;
	return 0;
}

/* Asks for what is queued, as far as the bounds allow. */
static void pump(struct wfd_filesystem *fs)
{
	struct wfd_ahead *a = fs->ahead;

	while (a->queued && a->in_flight < AHEAD_IN_FLIGHT &&
	       a->fetches.count < AHEAD_LISTINGS &&
	       a->entries < AHEAD_ENTRIES && fs->provider && !fs->changes) {
		char *path = pop(a);

		if (find(a, path)) {
			free(path);
			continue;
		}
		if (ask(fs, path))
			break;
	}
}

static void fetched(struct wfd_call *call, struct wf_message *reply, int err)
{
	struct wfd_request *r = wfd_request_of(call);
	struct wfd_filesystem *fs = r->fs;
	struct wfd_ahead *a = fs->ahead;
	struct wfd_request *waiter;
	struct fetch *f = NULL;

	lws_start_foreach_dll(struct lws_dll2 *, d, a->fetches.head)
	{
		struct fetch *g = lws_container_of(d, struct fetch, link);

		if (g->request == r)
			f = g;
	}
	lws_end_foreach_dll(d);
	f->request = NULL;
	a->in_flight--;
	if (f->waiter) {
		/* It was asked before the opendir came: the answer is its. */
		waiter = f->waiter;
		drop(a, f);
		waiter->call.done(&waiter->call, reply, err);
	} else {
		err = wfd_outcome(r, reply, err);
		if (!err && fresh(fs, f, lws_now_usecs()))
			err = wfd_listing_create(reply->result,
						 fs->limits->max_entries,
						 fs->uid, fs->gid, &f->listing);
		else if (!err)
			err = -ESTALE;
		if (!err)
			a->entries += wfd_listing_count(f->listing);
		/* What went wrong, the opendir meets again if it comes. */
		if (err || a->entries > AHEAD_ENTRIES)
			drop(a, f);
	}
	wfd_request_destroy(r);
	pump(fs);
}

static int compare_paths(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

void wfd_ahead_follow(struct wfd_filesystem *fs, fuse_ino_t dir,
		      const struct wfd_listing *listing)
{
	struct wfd_ahead *a = fs->ahead;
	size_t count = wfd_listing_count(listing);
	char *batch[AHEAD_QUEUE];
	char path[WF_PATH_MAX + 1];
	size_t n = 0;

	if (cache_time(fs) <= 0 || !fs->provider)
		return;
	for (size_t i = 0; i < count && n < AHEAD_QUEUE; i++) {
		if (!S_ISDIR(wfd_listing_attr(listing, i)->st_mode))
			continue;
		if (wfd_nodes_path(fs->nodes, dir, wfd_listing_name(listing, i),
				   path, sizeof(path)))
			continue;
		batch[n] = strdup(path);
		if (!batch[n])
			break;
		n++;
	}
	qsort(batch, n, sizeof(batch[0]), compare_paths);
	/* Depth first: they go before what is queued, the last falls off. */
	while (n--) {
		if (a->queued == AHEAD_QUEUE) {
			size_t last = (a->head + AHEAD_QUEUE - 1) % AHEAD_QUEUE;

			free(a->queue[last]);
			a->queued--;
		}
		a->head = (a->head + AHEAD_QUEUE - 1) % AHEAD_QUEUE;
		a->queue[a->head] = batch[n];
		a->queued++;
	}
	pump(fs);
}

enum wfd_ahead_found wfd_ahead_take(struct wfd_filesystem *fs,
				    struct wfd_request *r,
				    struct wfd_listing **listing, double *age)
{
	struct wfd_ahead *a = fs->ahead;
	char path[WF_PATH_MAX + 1];
	int64_t now = lws_now_usecs();
	struct fetch *f;

	if (!a->fetches.count ||
	    wfd_nodes_path(fs->nodes, r->ino, NULL, path, sizeof(path)))
		return WFD_AHEAD_NONE;
	f = find(a, path);
	if (!f || !fresh(fs, f, now)) {
		if (f && !f->request)
			drop(a, f);
		return WFD_AHEAD_NONE;
	}
	if (f->request) {
		if (f->waiter)
			return WFD_AHEAD_NONE;
		f->waiter = r;
		return WFD_AHEAD_COMING;
	}
	*listing = f->listing;
	*age = (double)(now - f->asked_at) / LWS_US_PER_SEC;
	a->entries -= wfd_listing_count(f->listing);
	f->listing = NULL;
	drop(a, f);
	pump(fs);
	return WFD_AHEAD_ARRIVED;
}

bool wfd_method_changes(const struct wfd_request *r, const char *method)
{
	static const char *const queries[] = {
		"getattr", "readdir",  "read",	    "readlink", "statfs",
		"access",  "getxattr", "listxattr", "release",
	};

	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		if (strcmp(method, queries[i]) == 0)
			return false;
	}
	if (strcmp(method, "open") == 0)
		return (r->fi.flags & O_TRUNC) != 0;
	if (strcmp(method, "flush") == 0 || strcmp(method, "fsync") == 0)
		return r->handle && (r->handle->flags & O_ACCMODE) != O_RDONLY;
	return true;
}
