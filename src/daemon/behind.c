/* Write-behind: writes answered before the provider confirms them. */
#include "filesystem_i.h"

#include "limit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Whether the write @r may be answered now, before the provider's answer. */
static bool fits(const struct wfd_filesystem *fs, const struct wfd_request *r)
{
	const struct wfd_behind *b = &fs->behind;
	uint64_t lo = (uint64_t)r->offset, hi = lo + r->size;

	if (r->handle->generation != fs->generation ||
	    b->bytes + r->size > fs->limits->max_write_behind)
		return false;
	/* Two writes of the same bytes must land in the order they were
	 * made, which a provider that works in parallel need not keep. */
	return b->count == 0 ||
	       (r->ino == b->ino && (hi <= b->lo || lo >= b->hi));
}

static void release_held(lws_sorted_usec_list_t *sul);

static void schedule_release(struct wfd_filesystem *fs)
{
	if (fs->behind.held.count)
		lws_sul_schedule(fs->context, 0, &fs->behind.sul, release_held,
				 1);
}

/* The provider's answer to a write the kernel was told had succeeded. */
static void behind_done(struct wfd_call *call, struct wf_message *reply,
			int err)
{
	struct wfd_request *r = wfd_request_of(call);
	struct wfd_filesystem *fs = r->fs;
	struct wfd_handle *h = r->handle;
	uint64_t written = 0;

	err = wfd_write_outcome(r, reply, err, &written);
	/* The kernel counted every byte as written: fewer were lost. */
	if (!err && written < r->size)
		err = -EIO;
	if (err && !h->error)
		h->error = err;
	fs->behind.count--;
	fs->behind.bytes -= r->size;
	h->behind--;
	if (h->closed && !h->behind)
		wfd_handle_destroy(h);
	/* Sent from the loop: this may run while a connection is torn down. */
	schedule_release(fs);
	wfd_request_destroy(r);
}

/* Answers the write @r to the kernel now and sends it. */
static int send_behind(struct wfd_request *r, const char *method,
		       json_t *params, const void *data, size_t size)
{
	struct wfd_filesystem *fs = r->fs;
	struct wfd_behind *b = &fs->behind;
	uint64_t lo = (uint64_t)r->offset, hi = lo + r->size;
	fuse_req_t req = r->req;
	int rc;

	/* Nobody waits for the answer: the kernel has it now. */
	r->req = NULL;
	rc = wfd_request_call(r, method, params, data, size);
	if (rc) {
		r->req = req;
		return rc;
	}
	if (b->count == 0) {
		b->ino = r->ino;
		b->lo = lo;
		b->hi = hi;
	} else {
		b->lo = lo < b->lo ? lo : b->lo;
		b->hi = hi > b->hi ? hi : b->hi;
	}
	b->count++;
	b->bytes += r->size;
	r->handle->behind++;
	r->call.done = behind_done;
	fuse_reply_write(req, r->size);
	return 0;
}

/* Keeps @r back, with a copy of what it is to send. */
static int hold(struct wfd_request *r, const char *method, json_t *params,
		const void *data, size_t size)
{
	struct wfd_held *held = &r->held;

	if (data) {
		held->data = malloc(size ? size : 1);
		if (!held->data) {
			json_decref(params);
			return -ENOMEM;
		}
		memcpy(held->data, data, size);
	}
	held->method = method;
	held->params = params;
	held->size = size;
	held->generation = r->fs->generation;
	lws_dll2_add_tail(&held->link, &r->fs->behind.held);
	return 0;
}

int wfd_behind_route(struct wfd_request *r, const char *method, json_t *params,
		     const void *data, size_t size)
{
	struct wfd_filesystem *fs = r->fs;
	struct wfd_behind *b = &fs->behind;
	bool queued = !r->released && b->held.count;

	if (!queued && r->may_go_behind) {
		int err = wfd_behind_take_error(r->handle);

		if (err) {
			json_decref(params);
			return err;
		}
		if (fits(fs, r))
			return send_behind(r, method, params, data, size);
	}
	if (queued || b->count)
		return hold(r, method, params, data, size);
	return wfd_request_call(r, method, params, data, size);
}

/* Sends the calls kept back that may go now, oldest first. */
static void release_held(lws_sorted_usec_list_t *sul)
{
	struct wfd_filesystem *fs =
		lws_container_of(sul, struct wfd_filesystem, behind.sul);
	struct wfd_behind *b = &fs->behind;

	while (b->held.head) {
		struct wfd_request *r = lws_container_of(
			b->held.head, struct wfd_request, held.link);
		struct wfd_held *held = &r->held;
		json_t *params = held->params;
		char *data = held->data;

		/* Only the oldest may go, and only when it cannot overtake a
		 * write answered early. */
		if (b->count &&
		    !(r->may_go_behind && !r->handle->error && fits(fs, r)))
			break;
		lws_dll2_remove(&held->link);
		held->params = NULL;
		held->data = NULL;
		r->released = true;
		/* A handle of a connection that has gone means nothing now:
		 * a call on it fails, a release of it is dropped. */
		if (held->generation != fs->generation &&
		    json_object_get(params, "handle")) {
			json_decref(params);
			wfd_request_finish(r, -EIO);
		} else {
			wfd_request_send(r, held->method, params, data,
					 held->size);
		}
		free(data);
	}
}

int wfd_behind_take_error(struct wfd_handle *h)
{
	int err = h->error;

	h->error = 0;
	return err;
}

void wfd_behind_cancel(struct wfd_filesystem *fs)
{
	lws_sul_cancel(&fs->behind.sul);
	while (fs->behind.held.head)
		wfd_request_finish(lws_container_of(fs->behind.held.head,
						    struct wfd_request,
						    held.link),
				   -ECANCELED);
}
