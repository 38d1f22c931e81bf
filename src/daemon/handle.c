/* Open files: the provider's handles, and re-opening them after it returns. */
#include "filesystem_i.h"

#include "field.h"
#include "flags.h"
#include "listing.h"
#include "message.h"
#include "node.h"
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

struct wfd_handle *wfd_handle_create(struct wfd_filesystem *fs, fuse_ino_t ino)
{
	struct wfd_handle *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->ino = ino;
	h->generation = fs->generation;
	lws_dll2_add_tail(&h->link, &fs->handles);
	return h;
}

void wfd_handle_destroy(struct wfd_handle *h)
{
	lws_dll2_remove(&h->link);
	wfd_listing_destroy(h->listing);
	free(h);
}

struct wfd_handle *wfd_handle_of(const struct fuse_file_info *fi)
{
	return (struct wfd_handle *)(uintptr_t)fi->fh;
}

struct wfd_handle *wfd_handle_find(struct wfd_filesystem *fs, fuse_ino_t ino)
{
	lws_start_foreach_dll(struct lws_dll2 *, d, fs->handles.head)
	{
		struct wfd_handle *h =
			lws_container_of(d, struct wfd_handle, link);

		if (h->ino == ino && !h->listing && !h->closed &&
		    h->generation == fs->generation)
			return h;
	}
	lws_end_foreach_dll(d);
	return NULL;
}

static void release_done(struct wfd_call *call, struct wf_message *reply,
			 int err)
{
	struct wfd_request *r = wfd_request_of(call);

	/* Nobody waits for it; only what went wrong is noted. */
	wfd_outcome(r, reply, err);
	wfd_request_destroy(r);
}

void wfd_handle_release(struct wfd_filesystem *fs, fuse_ino_t ino,
			uint64_t remote)
{
	char path[WF_PATH_MAX + 1];
	struct wfd_request *r;

	if (!fs->provider ||
	    wfd_nodes_last_path(fs->nodes, ino, path, sizeof(path)))
		return;
	r = wfd_request_create(fs, NULL, release_done);
	if (!r)
		return;
	wfd_request_send(r, "release",
			 json_pack("{s:s, s:I}", "path", path, "handle",
				   (json_int_t)remote),
			 NULL, 0);
}

int wfd_handle_decode(struct wfd_request *r, const json_t *result,
		      uint64_t *remote)
{
	if (wf_field_uint(result, "handle", WF_INT_MAX, remote))
		return wfd_invalid(r, r->name ? "create" : "open");
	return 0;
}

/*
 * The provider came back after the file was opened: its new handle for the
 * same path replaces the one of the old connection, then the call goes on.
 */
static void reopen_done(struct wfd_call *call, struct wf_message *reply,
			int err)
{
	struct wfd_request *r = wfd_request_of(call);
	struct wfd_filesystem *fs = r->fs;
	json_t *extra = r->extra;
	uint64_t remote;

	err = wfd_outcome(r, reply, err);
	if (!err)
		err = wfd_handle_decode(r, reply->result, &remote);
	if (err) {
		wfd_request_finish(r, err);
		return;
	}
	if (r->handle->generation == fs->generation) {
		/* Another call re-opened it first. */
		wfd_handle_release(fs, r->ino, remote);
	} else {
		r->handle->remote = remote;
		r->handle->generation = fs->generation;
	}
	r->call.done = r->after_open;
	r->extra = NULL;
	wfd_handle_start(r, r->method, extra, r->data, r->data_size);
}

/* Keeps what wfd_handle_start() needs after the re-open in @r. */
static int keep_for_reopen(struct wfd_request *r, const char *method,
			   json_t *extra, const void *data, size_t size)
{
	if (data && data != r->data) {
		r->data = malloc(size ? size : 1);
		if (!r->data) {
			json_decref(extra);
			return -ENOMEM;
		}
		memcpy(r->data, data, size);
		r->data_size = size;
	}
	r->after_open = r->call.done;
	r->method = method;
	r->extra = extra;
	return 0;
}

void wfd_handle_start(struct wfd_request *r, const char *method, json_t *extra,
		      const void *data, size_t size)
{
	struct wfd_filesystem *fs = r->fs;
	struct wfd_handle *h = r->handle;
	char path[WF_PATH_MAX + 1];
	json_t *params;
	int rc;

	rc = wfd_nodes_last_path(fs->nodes, r->ino, path, sizeof(path));
	if (rc) {
		json_decref(extra);
		wfd_request_finish(r, rc);
		return;
	}
	if (h->generation != fs->generation) {
		/* An unlinked file cannot be found again by its path. */
		if (wfd_nodes_removed(fs->nodes, r->ino)) {
			json_decref(extra);
			rc = -ESTALE;
		} else {
			rc = keep_for_reopen(r, method, extra, data, size);
		}
		if (rc) {
			wfd_request_finish(r, rc);
			return;
		}
		r->call.done = reopen_done;
		params = wf_open_to_json(h->flags & ~(O_TRUNC | O_EXCL));
		if (params &&
		    json_object_set_new(params, "path", json_string(path))) {
			json_decref(params);
			params = NULL;
		}
		wfd_request_send(r, "open", params, NULL, 0);
		return;
	}
	params = extra ? extra : json_object();
	if (params &&
	    (json_object_set_new(params, "path", json_string(path)) ||
	     json_object_set_new(params, "handle",
				 json_integer((json_int_t)h->remote)))) {
		json_decref(params);
		params = NULL;
	}
	wfd_request_send(r, method, params, data, size);
}
