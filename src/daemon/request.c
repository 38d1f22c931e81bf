/* Kernel requests waiting for the provider: sending, answering, freeing. */
#include "filesystem_i.h"

#include "ahead.h"
#include "attr.h"
#include "field.h"
#include "log.h"
#include "message.h"
#include "node.h"
#include "path.h"
#include "rpc.h"
#include "session.h"
#include "utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int wfd_check_name(const char *name)
{
	size_t len = strlen(name);

	if (len > WF_NAME_MAX)
		return -ENAMETOOLONG;
	if (!wf_utf8_valid(name, len))
		return -EILSEQ;
	return 0;
}

struct wfd_request *wfd_request_create(struct wfd_filesystem *fs,
				       fuse_req_t req, wfd_call_done_fn *done)
{
	struct wfd_request *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->fs = fs;
	r->req = req;
	r->call.done = done;
	r->xattr_epoch = fs->xattr_epoch;
	return r;
}

struct wfd_request *wfd_request_new(fuse_req_t req, fuse_ino_t ino,
				    const char *name, wfd_call_done_fn *done)
{
	struct wfd_request *r =
		wfd_request_create(fuse_req_userdata(req), req, done);

	if (r && name && !(r->name = strdup(name))) {
		free(r);
		r = NULL;
	}
	if (!r) {
		fuse_reply_err(req, ENOMEM);
		return NULL;
	}
	r->ino = ino;
	return r;
}

void wfd_request_destroy(struct wfd_request *r)
{
	if (r->changing) {
		r->fs->changes--;
		wfd_ahead_forget(r->fs);
	}
	lws_sul_cancel(&r->interrupt);
	lws_dll2_remove(&r->held.link);
	json_decref(r->held.params);
	free(r->held.data);
	json_decref(r->extra);
	free(r->data);
	free(r->name);
	free(r->newname);
	free(r);
}

struct wfd_request *wfd_request_of(struct wfd_call *call)
{
	return lws_container_of(call, struct wfd_request, call);
}

void wfd_request_finish(struct wfd_request *r, int err)
{
	if (r->req)
		fuse_reply_err(r->req, -err);
	wfd_request_destroy(r);
}

static void finish_interrupted(lws_sorted_usec_list_t *sul)
{
	struct wfd_request *r =
		lws_container_of(sul, struct wfd_request, interrupt);

	wfd_pending_finish(&r->call, -EINTR);
}

/*
 * libfuse may call this from inside fuse_req_interrupt_func() with the
 * request's lock held, where replying would free the request under it:
 * the call is finished from the loop instead.
 */
static void interrupted(fuse_req_t req, void *data)
{
	struct wfd_request *r = data;

	(void)req;
	lws_sul_schedule(r->fs->context, 0, &r->interrupt, finish_interrupted,
			 1);
}

int wfd_request_call(struct wfd_request *r, const char *method, json_t *params,
		     const void *data, size_t size)
{
	int rc = wfd_session_call(r->fs->provider, &r->call, method, params,
				  data, size);

	if (!rc && r->req)
		fuse_req_interrupt_func(r->req, interrupted, r);
	return rc;
}

void wfd_request_send(struct wfd_request *r, const char *method, json_t *params,
		      const void *data, size_t size)
{
	struct wfd_filesystem *fs = r->fs;
	int rc;

	if (!r->changing && wfd_method_changes(r, method)) {
		r->changing = true;
		fs->changes++;
		wfd_ahead_forget(fs);
	}
	if (!params) {
		rc = -ENOMEM;
	} else if (!fs->provider) {
		/*
		 * With no provider the root is an empty read-only directory
		 * (what reads it is answered without a provider): names the
		 * kernel still caches are gone, open files fail.
		 */
		rc = r->handle		       ? -EIO
		     : r->ino == WFD_NODE_ROOT ? -EROFS
					       : -ENOENT;
	} else {
		rc = wfd_behind_route(r, method, params, data, size);
		params = NULL;
	}
	json_decref(params);
	if (rc)
		wfd_request_finish(r, rc);
}

/* Adds the string member @key holding the path of @ino (and @name). */
static int add_path(struct wfd_filesystem *fs, json_t *params, const char *key,
		    fuse_ino_t ino, const char *name)
{
	char path[WF_PATH_MAX + 1];
	int rc = wfd_nodes_path(fs->nodes, ino, name, path, sizeof(path));

	if (rc)
		return rc;
	return json_object_set_new(params, key, json_string(path)) ? -ENOMEM
								   : 0;
}

void wfd_request_start(struct wfd_request *r, const char *method, json_t *extra)
{
	wfd_request_start_data(r, method, extra, NULL, 0);
}

void wfd_request_start_data(struct wfd_request *r, const char *method,
			    json_t *extra, const void *data, size_t size)
{
	json_t *params = extra ? extra : json_object();
	int rc;

	if (!params) {
		wfd_request_finish(r, -ENOMEM);
		return;
	}
	rc = add_path(r->fs, params, "path", r->ino, r->name);
	if (!rc && r->newname)
		rc = add_path(r->fs, params, "newpath", r->newparent,
			      r->newname);
	if (rc) {
		json_decref(params);
		wfd_request_finish(r, rc);
		return;
	}
	wfd_request_send(r, method, params, data, size);
}

void wfd_op(fuse_req_t req, fuse_ino_t ino, wfd_call_done_fn *done,
	    const char *method, json_t *extra)
{
	struct wfd_request *r = wfd_request_new(req, ino, NULL, done);

	if (!r) {
		json_decref(extra);
		return;
	}
	wfd_request_start(r, method, extra);
}

int wfd_data_outcome(struct wfd_request *r, struct wf_message *reply, int err)
{
	if (err == -ETIMEDOUT && r->fs->provider)
		wfd_session_incident(r->fs->provider, WFD_INCIDENT_TIMEOUT,
				     NULL);
	if (err)
		return err;
	if (reply->error)
		return wf_rpc_error_errno(reply->error);
	return 0;
}

int wfd_outcome(struct wfd_request *r, struct wf_message *reply, int err)
{
	err = wfd_data_outcome(r, reply, err);
	if (!err && reply->attachment)
		return wfd_invalid(r, "an attachment on a result without "
				      "data");
	return err;
}

int wfd_write_outcome(struct wfd_request *r, struct wf_message *reply, int err,
		      uint64_t *written)
{
	err = wfd_outcome(r, reply, err);
	if (!err && wf_field_uint(reply->result, "size", r->size, written))
		err = wfd_invalid(r, "write");
	return err;
}

void wfd_empty_done(struct wfd_call *call, struct wf_message *reply, int err)
{
	struct wfd_request *r = wfd_request_of(call);

	wfd_request_finish(r, wfd_outcome(r, reply, err));
}

int wfd_invalid(struct wfd_request *r, const char *method)
{
	if (r->fs->provider)
		wfd_session_incident(r->fs->provider, WFD_INCIDENT_INVALID,
				     method);
	return -EIO;
}

int wfd_decode_attr(struct wfd_request *r, const json_t *json, fuse_ino_t ino,
		    struct stat *st)
{
	if (wf_attr_from_json(json, r->fs->uid, r->fs->gid, st))
		return wfd_invalid(r, "attributes");
	wfd_apply_owner(r->fs, st);
	if (st->st_ino == 0)
		st->st_ino = ino;
	return 0;
}

void wfd_entry_done(struct wfd_call *call, struct wf_message *reply, int err)
{
	struct wfd_request *r = wfd_request_of(call);

	err = wfd_outcome(r, reply, err);
	if (!err)
		err = wfd_reply_entry(r, reply->result, NULL, NULL);
	if (err < 0)
		wfd_request_finish(r, err);
	else
		wfd_request_destroy(r);
}

void wfd_apply_owner(const struct wfd_filesystem *fs, struct stat *st)
{
	if (fs->opts->uid >= 0)
		st->st_uid = fs->uid;
	if (fs->opts->gid >= 0)
		st->st_gid = fs->gid;
}

double wfd_attr_timeout(const struct wfd_filesystem *fs, const struct stat *st)
{
	/* Each name of a hard-linked file is a node of its own: a change
	 * through one name must not hide behind the other's cache. */
	if (!S_ISDIR(st->st_mode) && st->st_nlink > 1)
		return 0;
	return fs->opts->attr_timeout;
}

void wfd_note_xattrs(struct wfd_filesystem *fs, uint64_t id, bool none,
		     uint64_t epoch, double timeout)
{
	int64_t until = 0;

	if (none && timeout > 0 && epoch == fs->xattr_epoch)
		until = lws_now_usecs() + (int64_t)(timeout * LWS_US_PER_SEC);
	wfd_nodes_set_xattr_free(fs->nodes, id, fs->generation, until);
}

bool wfd_xattr_free(const struct wfd_filesystem *fs, uint64_t id)
{
	return fs->provider &&
	       wfd_nodes_xattr_free(fs->nodes, id, fs->generation,
				    lws_now_usecs());
}

int wfd_reply_entry(struct wfd_request *r, const json_t *attr,
		    const struct fuse_file_info *fi, fuse_ino_t *ino)
{
	struct wfd_filesystem *fs = r->fs;
	struct fuse_entry_param e;
	uint64_t id;
	int rc;

	memset(&e, 0, sizeof(e));
	rc = wfd_decode_attr(r, attr, 0, &e.attr);
	if (rc)
		return rc;
	/* What create made must be a file (the kernel would refuse it). */
	if (fi && !S_ISREG(e.attr.st_mode))
		return wfd_invalid(r, "create");
	rc = wfd_nodes_lookup(fs->nodes, r->ino, r->name, &id);
	if (rc)
		return rc;
	e.ino = id;
	e.generation = WFD_NODE_GENERATION;
	e.attr_timeout = wfd_attr_timeout(fs, &e.attr);
	e.entry_timeout = fs->opts->entry_timeout;
	if (e.attr.st_ino == 0)
		e.attr.st_ino = id;
	wfd_note_xattrs(fs, id, wf_attr_without_xattrs(attr), r->xattr_epoch,
			e.attr_timeout);
	if (ino)
		*ino = id;
	rc = fi ? fuse_reply_create(r->req, &e, fi)
		: fuse_reply_entry(r->req, &e);
	if (rc == 0)
		return 0;
	/* The kernel never saw the entry: undo the lookup. */
	wfd_nodes_forget(fs->nodes, id, 1);
	return 1;
}
