/* A mounted filesystem: kernel requests become calls to its provider. */
#include "filesystem.h"

#include "attr.h"
#include "field.h"
#include "flags.h"
#include "invalidate.h"
#include "limit.h"
#include "listing.h"
#include "log.h"
#include "message.h"
#include "node.h"
#include "path.h"
#include "pending.h"
#include "rpc.h"
#include "session.h"
#include "statfs.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Kernel requests handled per wake-up, so that sockets get their turn. */
#define PROCESS_BATCH 32
/* Node ids are never reused, so one generation serves them all. */
#define NODE_GENERATION 1

/* An open file or directory: what fi->fh points to. */
struct handle {
	lws_dll2_t link;	     /* in wfd_filesystem.handles */
	uint64_t remote;	     /* the provider's handle */
	uint64_t generation;	     /* provider connection it belongs to */
	int flags;		     /* open(2) flags, to re-open by path */
	struct wfd_listing *listing; /* directories only */
	bool stalled;		     /* a read timed out ... */
	uint64_t stalled_at; /* ... when the provider had sent this many */
};

struct wfd_filesystem {
	const struct wfd_filesystem_options *opts;
	const struct wfd_limits *limits;
	struct fuse_session *se;
	struct fuse_buf buf;
	struct wfd_nodes *nodes;
	struct wfd_session *provider;
	uint64_t generation; /* counts attachments */
	lws_dll2_owner_t handles;
	struct lws_context *context;
	struct lws *wsi;
	bool exited;
	uid_t uid;
	gid_t gid;
	struct timespec started;
};

/* One kernel request (or none, for releases) waiting for its provider. */
struct request {
	struct wfd_call call;
	lws_sorted_usec_list_t interrupt; /* finishes it after an interrupt */
	struct wfd_filesystem *fs;
	fuse_req_t req; /* NULL: nobody waits for the answer */
	fuse_ino_t ino;
	char *name; /* lookup: the child asked for */
	struct handle *handle;
	struct fuse_file_info fi;
	size_t size;
	off_t offset;
};

static struct request *request_create(struct wfd_filesystem *fs, fuse_req_t req,
				      wfd_call_done_fn *done)
{
	struct request *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->fs = fs;
	r->req = req;
	r->call.done = done;
	return r;
}

static void request_destroy(struct request *r)
{
	lws_sul_cancel(&r->interrupt);
	free(r->name);
	free(r);
}

static struct request *request_of(struct wfd_call *call)
{
	return lws_container_of(call, struct request, call);
}

/* Answers the kernel with @err (< 0, or 0) and frees @r. */
static void finish_err(struct request *r, int err)
{
	if (r->req)
		fuse_reply_err(r->req, -err);
	request_destroy(r);
}

static void finish_interrupted(lws_sorted_usec_list_t *sul)
{
	struct request *r = lws_container_of(sul, struct request, interrupt);

	wfd_pending_finish(&r->call, -EINTR);
}

/*
 * libfuse may call this from inside fuse_req_interrupt_func() with the
 * request's lock held, where replying would free the request under it:
 * the call is finished from the loop instead.
 */
static void interrupted(fuse_req_t req, void *data)
{
	struct request *r = data;

	(void)req;
	lws_sul_schedule(r->fs->context, 0, &r->interrupt, finish_interrupted,
			 1);
}

/*
 * Sends @method with @params (stolen) for @r. On failure the kernel gets
 * the error at once and @r is freed.
 */
static void start(struct request *r, const char *method, json_t *params)
{
	struct wfd_filesystem *fs = r->fs;
	int rc = -EIO;

	if (!params) {
		rc = -ENOMEM;
	} else if (fs->provider) {
		rc = wfd_session_call(fs->provider, &r->call, method, params,
				      NULL, 0);
		params = NULL;
	}
	json_decref(params);
	if (rc) {
		finish_err(r, rc);
		return;
	}
	if (r->req)
		fuse_req_interrupt_func(r->req, interrupted, r);
}

/* The path of node @ino (and its child @name, if not NULL) as JSON. */
static json_t *path_params(struct wfd_filesystem *fs, fuse_ino_t ino,
			   const char *name, int *err)
{
	char path[WF_PATH_MAX + 1];
	json_t *params;

	*err = wfd_nodes_path(fs->nodes, ino, name, path, sizeof(path));
	if (*err)
		return NULL;
	params = json_pack("{s:s}", "path", path);
	if (!params)
		*err = -ENOMEM;
	return params;
}

/*
 * Starts @method on the path of @ino with the members of @extra (stolen,
 * may be NULL) added to the params.
 */
static void start_path(struct request *r, const char *method, json_t *extra)
{
	int err;
	json_t *params = path_params(r->fs, r->ino, r->name, &err);

	if (!params) {
		json_decref(extra);
		finish_err(r, err);
		return;
	}
	if (extra && json_object_update(params, extra)) {
		json_decref(extra);
		json_decref(params);
		finish_err(r, -ENOMEM);
		return;
	}
	json_decref(extra);
	start(r, method, params);
}

/*
 * Starts @method on the path of @ino for the kernel request @req, answered
 * by @done; @extra as for start_path().
 */
static void start_op(fuse_req_t req, fuse_ino_t ino, wfd_call_done_fn *done,
		     const char *method, json_t *extra)
{
	struct request *r = request_create(fuse_req_userdata(req), req, done);

	if (!r) {
		json_decref(extra);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	r->ino = ino;
	start_path(r, method, extra);
}

/* The outcome of a call: 0 for a result, else the negative errno. */
static int outcome(struct wf_message *reply, int err)
{
	if (err)
		return err;
	if (reply->error)
		return wf_rpc_error_errno(reply->error);
	return 0;
}

/* Logs a result that breaks the protocol; the caller answers EIO. */
static int invalid(struct request *r, const char *method)
{
	wfd_log(WFD_LOG_WARN, "provider %s: invalid result for %s",
		r->fs->provider ? wfd_session_peer(r->fs->provider) : "?",
		method);
	return -EIO;
}

static void fix_ino(struct stat *st, uint64_t node)
{
	if (st->st_ino == 0)
		st->st_ino = node;
}

static void root_attr(const struct wfd_filesystem *fs, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = WFD_NODE_ROOT;
	st->st_mode = S_IFDIR | 0755;
	st->st_nlink = 2;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_atim = fs->started;
	st->st_mtim = fs->started;
	st->st_ctim = fs->started;
}

static int decode_attr(struct request *r, struct wf_message *reply,
		       struct stat *st)
{
	if (wf_attr_from_json(reply->result, r->fs->uid, r->fs->gid, st))
		return invalid(r, "attributes");
	return 0;
}

/* ---- handles ---------------------------------------------------------- */

static struct handle *handle_create(struct wfd_filesystem *fs)
{
	struct handle *h = calloc(1, sizeof(*h));

	if (h)
		lws_dll2_add_tail(&h->link, &fs->handles);
	return h;
}

static void handle_destroy(struct handle *h)
{
	lws_dll2_remove(&h->link);
	wfd_listing_destroy(h->listing);
	free(h);
}

static struct handle *handle_of(const struct fuse_file_info *fi)
{
	return (struct handle *)(uintptr_t)fi->fh;
}

static void release_done(struct wfd_call *call, struct wf_message *reply,
			 int err)
{
	(void)reply;
	(void)err;
	request_destroy(request_of(call));
}

/* Tells the provider that nobody uses its handle @remote of @ino. */
static void release_remote(struct wfd_filesystem *fs, fuse_ino_t ino,
			   uint64_t remote)
{
	struct request *r;

	if (!fs->provider)
		return;
	r = request_create(fs, NULL, release_done);
	if (!r)
		return;
	r->ino = ino;
	start_path(r, "release",
		   json_pack("{s:I}", "handle", (json_int_t)remote));
}

/* ---- lookup and attributes --------------------------------------------- */

static void lookup_done(struct wfd_call *call, struct wf_message *reply,
			int err)
{
	struct request *r = request_of(call);
	struct fuse_entry_param e;
	uint64_t id;

	err = outcome(reply, err);
	if (!err)
		err = decode_attr(r, reply, &e.attr);
	if (!err)
		err = wfd_nodes_lookup(r->fs->nodes, r->ino, r->name, &id);
	if (err) {
		finish_err(r, err);
		return;
	}
	e.ino = id;
	e.generation = NODE_GENERATION;
	e.attr_timeout = r->fs->opts->attr_timeout;
	e.entry_timeout = r->fs->opts->entry_timeout;
	fix_ino(&e.attr, id);
	if (fuse_reply_entry(r->req, &e))
		wfd_nodes_forget(r->fs->nodes, id, 1);
	request_destroy(r);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct request *r;

	/* Names travel as JSON strings: a provider cannot have any other. */
	if (!fs->provider || !wf_utf8_valid(name, strlen(name))) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	r = request_create(fs, req, lookup_done);
	if (!r || !(r->name = strdup(name))) {
		free(r);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	r->ino = parent;
	start_path(r, "getattr", NULL);
}

static void getattr_done(struct wfd_call *call, struct wf_message *reply,
			 int err)
{
	struct request *r = request_of(call);
	struct stat st;

	err = outcome(reply, err);
	if (!err)
		err = decode_attr(r, reply, &st);
	if (!err && r->ino == WFD_NODE_ROOT && !S_ISDIR(st.st_mode))
		err = invalid(r, "getattr of the root");
	if (err) {
		finish_err(r, err);
		return;
	}
	fix_ino(&st, r->ino);
	fuse_reply_attr(r->req, &st, r->fs->opts->attr_timeout);
	request_destroy(r);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct stat st;

	(void)fi;
	if (!fs->provider && ino == WFD_NODE_ROOT) {
		root_attr(fs, &st);
		fuse_reply_attr(req, &st, fs->opts->attr_timeout);
		return;
	}
	start_op(req, ino, getattr_done, "getattr", NULL);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);

	wfd_nodes_forget(fs->nodes, ino, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);

	for (size_t i = 0; i < count; i++)
		wfd_nodes_forget(fs->nodes, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

/* ---- directories ------------------------------------------------------- */

static void reply_open(struct request *r, struct handle *h)
{
	r->fi.fh = (uintptr_t)h;
	if (fuse_reply_open(r->req, &r->fi)) {
		if (!h->listing)
			release_remote(r->fs, r->ino, h->remote);
		handle_destroy(h);
	}
	request_destroy(r);
}

static void opendir_done(struct wfd_call *call, struct wf_message *reply,
			 int err)
{
	struct request *r = request_of(call);
	struct wfd_filesystem *fs = r->fs;
	struct wfd_listing *listing = NULL;
	struct handle *h;

	err = outcome(reply, err);
	if (!err) {
		err = wfd_listing_create(reply->result, fs->limits->max_entries,
					 fs->uid, fs->gid, &listing);
		if (err == -EINVAL)
			err = invalid(r, "readdir");
	}
	if (!err && !(h = handle_create(fs))) {
		wfd_listing_destroy(listing);
		err = -ENOMEM;
	}
	if (err) {
		finish_err(r, err);
		return;
	}
	h->listing = listing;
	reply_open(r, h);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct request *r = request_create(fs, req, opendir_done);
	struct handle *h;

	if (!r) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	r->ino = ino;
	r->fi = *fi;
	if (fs->provider) {
		start_path(r, "readdir", NULL);
		return;
	}
	if (ino != WFD_NODE_ROOT) {
		finish_err(r, -EIO);
		return;
	}
	h = handle_create(fs);
	if (h)
		h->listing = wfd_listing_empty();
	if (!h || !h->listing) {
		if (h)
			handle_destroy(h);
		finish_err(r, -ENOMEM);
		return;
	}
	reply_open(r, h);
}

/*
 * Fills a readdir(plus) reply from the listing. Entry k of the listing has
 * offset k + 3: offsets 1 and 2 follow "." and "..".
 */
static void reply_listing(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t off, struct fuse_file_info *fi, bool plus)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	const struct wfd_listing *l = handle_of(fi)->listing;
	size_t count = wfd_listing_count(l);
	uint64_t *counted = NULL;
	size_t ncounted = 0;
	size_t pos = 0;
	char *buf = malloc(size);

	if (!buf ||
	    (plus && !(counted = malloc(size / 24 * sizeof(*counted))))) {
		free(buf);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (size_t i = off < 0 ? 0 : (size_t)off; i < count + 2; i++) {
		struct fuse_entry_param e;
		const char *name;
		size_t need;

		memset(&e, 0, sizeof(e));
		if (i < 2) {
			name = i == 0 ? "." : "..";
			e.attr.st_mode = S_IFDIR;
			e.attr.st_ino = ino;
		} else {
			name = wfd_listing_name(l, i - 2);
			e.attr = *wfd_listing_attr(l, i - 2);
		}
		if (!plus) {
			fix_ino(&e.attr, ino);
			need = fuse_add_direntry(req, buf + pos, size - pos,
						 name, &e.attr, (off_t)i + 1);
			if (need > size - pos)
				break;
			pos += need;
			continue;
		}
		need = fuse_add_direntry_plus(req, NULL, 0, name, NULL, 0);
		if (need > size - pos)
			break;
		if (i >= 2) {
			if (wfd_nodes_lookup(fs->nodes, ino, name, &e.ino))
				break;
			counted[ncounted++] = e.ino;
			e.generation = NODE_GENERATION;
			e.attr_timeout = fs->opts->attr_timeout;
			e.entry_timeout = fs->opts->entry_timeout;
			fix_ino(&e.attr, e.ino);
		}
		pos += fuse_add_direntry_plus(req, buf + pos, size - pos, name,
					      &e, (off_t)i + 1);
	}
	if (fuse_reply_buf(req, buf, pos)) {
		/* The kernel never saw these entries: undo their lookups. */
		for (size_t i = 0; i < ncounted; i++)
			wfd_nodes_forget(fs->nodes, counted[i], 1);
	}
	free(counted);
	free(buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	reply_listing(req, ino, size, off, fi, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	reply_listing(req, ino, size, off, fi, true);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	(void)ino;
	handle_destroy(handle_of(fi));
	fuse_reply_err(req, 0);
}

/* ---- files ------------------------------------------------------------- */

static int decode_handle(struct request *r, struct wf_message *reply,
			 uint64_t *remote)
{
	if (wf_field_uint(reply->result, "handle", WF_INT_MAX, remote))
		return invalid(r, "open");
	return 0;
}

static void open_done(struct wfd_call *call, struct wf_message *reply, int err)
{
	struct request *r = request_of(call);
	struct handle *h = NULL;
	uint64_t remote = 0;

	err = outcome(reply, err);
	if (!err)
		err = decode_handle(r, reply, &remote);
	if (!err && !(h = handle_create(r->fs))) {
		release_remote(r->fs, r->ino, remote);
		err = -ENOMEM;
	}
	if (err) {
		finish_err(r, err);
		return;
	}
	h->remote = remote;
	h->generation = r->fs->generation;
	h->flags = r->fi.flags;
	r->fi.keep_cache = 0;
	r->fi.direct_io = 0;
	reply_open(r, h);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct request *r = request_create(fs, req, open_done);

	if (!r) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	r->ino = ino;
	r->fi = *fi;
	start_path(r, "open", wf_open_to_json(fi->flags));
}

/*
 * The kernel retries a read that timed out at once (read-ahead, then the
 * page itself): while the provider has sent nothing since, further reads
 * of that file fail at once, so no reader waits past one timeout.
 */
static void note_stall(struct request *r, int err)
{
	struct handle *h = r->handle;
	struct wfd_filesystem *fs = r->fs;

	h->stalled = err == -ETIMEDOUT && fs->provider &&
		     h->generation == fs->generation;
	if (h->stalled)
		h->stalled_at = wfd_session_received(fs->provider);
}

static bool still_stalled(const struct wfd_filesystem *fs,
			  const struct handle *h)
{
	return h->stalled && fs->provider && h->generation == fs->generation &&
	       wfd_session_received(fs->provider) == h->stalled_at;
}

static void read_done(struct wfd_call *call, struct wf_message *reply, int err)
{
	struct request *r = request_of(call);
	const char *data;
	size_t size;

	note_stall(r, err);
	err = outcome(reply, err);
	if (!err) {
		err = wf_message_data(reply, r->size, &data, &size);
		if (err == -EINVAL || err == -ENOENT || err == -EMSGSIZE)
			err = invalid(r, "read");
	}
	if (err) {
		finish_err(r, err);
		return;
	}
	fuse_reply_buf(r->req, data, size);
	request_destroy(r);
}

static void start_read(struct request *r)
{
	r->call.done = read_done;
	start_path(r, "read",
		   json_pack("{s:I, s:I, s:I}", "handle",
			     (json_int_t)r->handle->remote, "offset",
			     (json_int_t)r->offset, "size",
			     (json_int_t)r->size));
}

/*
 * The provider came back after the file was opened: its new handle for the
 * same path replaces the one of the old connection, then the read goes on.
 */
static void reopen_done(struct wfd_call *call, struct wf_message *reply,
			int err)
{
	struct request *r = request_of(call);
	struct wfd_filesystem *fs = r->fs;
	uint64_t remote;

	err = outcome(reply, err);
	if (!err)
		err = decode_handle(r, reply, &remote);
	if (err) {
		finish_err(r, err);
		return;
	}
	if (r->handle->generation == fs->generation) {
		/* Another read re-opened it first. */
		release_remote(fs, r->ino, remote);
	} else {
		r->handle->remote = remote;
		r->handle->generation = fs->generation;
	}
	start_read(r);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct request *r = request_create(fs, req, NULL);

	if (!r) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	r->ino = ino;
	r->handle = handle_of(fi);
	r->offset = off;
	r->size = size < fs->limits->max_read ? size : fs->limits->max_read;
	if (off < 0) {
		finish_err(r, -EINVAL);
		return;
	}
	if (still_stalled(fs, r->handle)) {
		finish_err(r, -ETIMEDOUT);
		return;
	}
	if (r->handle->generation == fs->generation) {
		start_read(r);
		return;
	}
	r->call.done = reopen_done;
	start_path(r, "open", wf_open_to_json(r->handle->flags & ~O_TRUNC));
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct handle *h = handle_of(fi);

	if (h->generation == fs->generation)
		release_remote(fs, ino, h->remote);
	handle_destroy(h);
	fuse_reply_err(req, 0);
}

/* ---- links, filesystem, permissions ----------------------------------- */

static void readlink_done(struct wfd_call *call, struct wf_message *reply,
			  int err)
{
	struct request *r = request_of(call);
	const char *target;
	size_t len;

	err = outcome(reply, err);
	if (!err && (wf_field_string(reply->result, "target", &target, &len) ||
		     len == 0 || len > WF_PATH_MAX || strlen(target) != len))
		err = invalid(r, "readlink");
	if (err) {
		finish_err(r, err);
		return;
	}
	fuse_reply_readlink(r->req, target);
	request_destroy(r);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	start_op(req, ino, readlink_done, "readlink", NULL);
}

static void statfs_done(struct wfd_call *call, struct wf_message *reply,
			int err)
{
	struct request *r = request_of(call);
	struct statvfs st;

	err = outcome(reply, err);
	if (!err && wf_statfs_from_json(reply->result, &st))
		err = invalid(r, "statfs");
	if (err) {
		finish_err(r, err);
		return;
	}
	fuse_reply_statfs(r->req, &st);
	request_destroy(r);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);

	if (!fs->provider) {
		struct statvfs st = {.f_bsize = 4096,
				     .f_frsize = 4096,
				     .f_namemax = WF_NAME_MAX};

		fuse_reply_statfs(req, &st);
		return;
	}
	start_op(req, ino, statfs_done, "statfs", NULL);
}

static void access_done(struct wfd_call *call, struct wf_message *reply,
			int err)
{
	finish_err(request_of(call), outcome(reply, err));
}

static void op_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);

	if (!fs->provider && ino == WFD_NODE_ROOT) {
		fuse_reply_err(req, (mask & W_OK) ? EROFS : 0);
		return;
	}
	start_op(req, ino, access_done, "access", wf_access_to_json(mask));
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct wfd_filesystem *fs = userdata;

	/* Must repeat the max_read mount option, or libfuse refuses. */
	conn->max_read = fs->limits->max_read;
	/* Listings carry attributes: every readdir is a readdirplus. */
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
}

static const struct fuse_lowlevel_ops operations = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.readlink = op_readlink,
	.open = op_open,
	.read = op_read,
	.release = op_release,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.releasedir = op_releasedir,
	.statfs = op_statfs,
	.access = op_access,
};

/* ---- mount and event loop ---------------------------------------------- */

/* Checks the mountpoint; clears a stale FUSE mount left on it. */
static int check_mountpoint(const char *mountpoint)
{
	struct stat st;

	if (stat(mountpoint, &st) && errno == ENOTCONN) {
		wfd_log(WFD_LOG_WARN, "clearing stale mount at %s", mountpoint);
		if (umount2(mountpoint, MNT_DETACH)) {
			wfd_log(WFD_LOG_ERROR,
				"mountpoint %s holds a stale mount that cannot "
				"be cleared: %s",
				mountpoint, strerror(errno));
			return -EBUSY;
		}
	}
	if (stat(mountpoint, &st)) {
		int err = errno;

		wfd_log(WFD_LOG_ERROR, "mountpoint %s: %s", mountpoint,
			strerror(err));
		return -err;
	}
	if (!S_ISDIR(st.st_mode)) {
		wfd_log(WFD_LOG_ERROR, "mountpoint %s is not a directory",
			mountpoint);
		return -ENOTDIR;
	}
	return 0;
}

static struct fuse_session *mount_session(struct wfd_filesystem *fs)
{
	char options[128];
	struct fuse_session *se;

	snprintf(options, sizeof(options),
		 "fsname=webfuse,subtype=webfuse,max_read=%u",
		 (unsigned int)fs->limits->max_read);
	char *argv[] = {"webfused", "-o", options, NULL};
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);

	se = fuse_session_new(&args, &operations, sizeof(operations), fs);
	fuse_opt_free_args(&args);
	if (!se) {
		wfd_log(WFD_LOG_ERROR, "cannot create the FUSE session");
		return NULL;
	}
	if (fuse_session_mount(se, fs->opts->mountpoint)) {
		wfd_log(WFD_LOG_ERROR, "cannot mount at %s",
			fs->opts->mountpoint);
		fuse_session_destroy(se);
		return NULL;
	}
	return se;
}

struct wfd_filesystem *
wfd_filesystem_create(const struct wfd_filesystem_options *opts,
		      const struct wfd_limits *limits)
{
	struct wfd_filesystem *fs;

	if (check_mountpoint(opts->mountpoint))
		return NULL;
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	fs->opts = opts;
	fs->limits = limits;
	fs->uid = getuid();
	fs->gid = getgid();
	clock_gettime(CLOCK_REALTIME, &fs->started);
	fs->nodes = wfd_nodes_create();
	if (!fs->nodes)
		goto out_free;
	fs->se = mount_session(fs);
	if (!fs->se)
		goto out_destroy_nodes;
	wfd_log(WFD_LOG_INFO, "mounted at %s", opts->mountpoint);
	return fs;

out_destroy_nodes:
	wfd_nodes_destroy(fs->nodes);
out_free:
	free(fs);
	return NULL;
}

void wfd_filesystem_destroy(struct wfd_filesystem *fs)
{
	if (!fs)
		return;
	fuse_session_unmount(fs->se);
	fuse_session_destroy(fs->se);
	while (fs->handles.head)
		handle_destroy(lws_container_of(fs->handles.head, struct handle,
						link));
	free(fs->buf.mem);
	wfd_nodes_destroy(fs->nodes);
	wfd_log(WFD_LOG_INFO, "unmounted %s", fs->opts->mountpoint);
	free(fs);
}

int wfd_filesystem_adopt(struct wfd_filesystem *fs, struct lws_vhost *vhost)
{
	lws_sock_file_fd_type fd;
	int flags;

	/* lws closes what it adopts; fuse_session_unmount() closes the
	 * original. Non-blocking, so that reading never stalls the loop. */
	fd.filefd = dup(fuse_session_fd(fs->se));
	if (fd.filefd < 0)
		return -errno;
	flags = fcntl(fd.filefd, F_GETFL);
	if (flags < 0 || fcntl(fd.filefd, F_SETFL, flags | O_NONBLOCK)) {
		close(fd.filefd);
		return -errno;
	}
	fs->wsi = lws_adopt_descriptor_vhost(vhost, LWS_ADOPT_RAW_FILE_DESC, fd,
					     "webfuse-fuse", NULL);
	if (!fs->wsi)
		return -EIO; /* lws closed the descriptor */
	lws_set_opaque_user_data(fs->wsi, fs);
	fs->context = lws_get_context(fs->wsi);
	return 0;
}

int wfd_filesystem_process(struct wfd_filesystem *fs)
{
	for (int i = 0; i < PROCESS_BATCH && !fs->exited; i++) {
		int res = fuse_session_receive_buf(fs->se, &fs->buf);

		if (res == -EAGAIN || res == -EINTR)
			break;
		if (fuse_session_exited(fs->se)) {
			fs->exited = true;
			break;
		}
		if (res < 0) {
			wfd_log(WFD_LOG_ERROR, "reading the FUSE device: %s",
				strerror(-res));
			fs->exited = true;
			break;
		}
		if (res > 0)
			fuse_session_process_buf(fs->se, &fs->buf);
	}
	return fs->exited ? -ENODEV : 0;
}

bool wfd_filesystem_exited(const struct wfd_filesystem *fs)
{
	return fs->exited;
}

const char *wfd_filesystem_name(const struct wfd_filesystem *fs)
{
	return fs->opts->name;
}

int wfd_filesystem_attach(struct wfd_filesystem *fs, struct wfd_session *s,
			  const char *name)
{
	if (name[0] && strcmp(name, fs->opts->name) != 0)
		return -ENOENT;
	if (fs->provider)
		return -EBUSY;
	fs->provider = s;
	fs->generation++;
	return 0;
}

void wfd_filesystem_detach(struct wfd_filesystem *fs, struct wfd_session *s)
{
	int rc;

	if (fs->provider != s)
		return;
	fs->provider = NULL;
	/* The root is now empty: names the kernel cached must go. */
	rc = wfd_invalidate_children(fs->se, fs->nodes, WFD_NODE_ROOT);
	if (rc)
		wfd_log(WFD_LOG_WARN, "cannot invalidate cached names: %s",
			strerror(-rc));
}
