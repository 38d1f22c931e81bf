/* Operations on open files: open, create, read, write, sync, release. */
#include "filesystem_i.h"

#include "field.h"
#include "flags.h"
#include "limit.h"
#include "message.h"
#include "node.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* A handle for the provider's @remote; on failure @remote is released. */
static int new_handle(struct wfd_request *r, fuse_ino_t ino, uint64_t remote,
		      struct wfd_handle **out)
{
	struct wfd_handle *h = wfd_handle_create(r->fs, ino);

	if (!h) {
		wfd_handle_release(r->fs, ino, remote);
		return -ENOMEM;
	}
	h->remote = remote;
	h->flags = r->fi.flags;
	*out = h;
	return 0;
}

static void prepare_open(struct wfd_request *r, struct wfd_handle *h)
{
	r->fi.fh = (uintptr_t)h;
	r->fi.keep_cache = 0;
	r->fi.direct_io = 0;
}

static void open_done(struct wfd_call *call, struct wf_message *reply, int err)
{
	struct wfd_request *r = wfd_request_of(call);
	struct wfd_handle *h;
	uint64_t remote = 0;

	err = wfd_outcome(r, reply, err);
	if (!err)
		err = wfd_handle_decode(r, reply->result, &remote);
	if (!err)
		err = new_handle(r, r->ino, remote, &h);
	if (err) {
		wfd_request_finish(r, err);
		return;
	}
	prepare_open(r, h);
	if (fuse_reply_open(r->req, &r->fi)) {
		wfd_handle_release(r->fs, r->ino, remote);
		wfd_handle_destroy(h);
	}
	wfd_request_destroy(r);
}

void wfd_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct wfd_request *r = wfd_request_new(req, ino, NULL, open_done);

	if (!r)
		return;
	r->fi = *fi;
	wfd_request_start(r, "open", wf_open_to_json(fi->flags));
}

static void create_done(struct wfd_call *call, struct wf_message *reply,
			int err)
{
	struct wfd_request *r = wfd_request_of(call);
	struct wfd_filesystem *fs = r->fs;
	struct wfd_handle *h = NULL;
	const json_t *attr = NULL;
	uint64_t remote = 0;

	err = wfd_outcome(r, reply, err);
	if (!err) {
		attr = json_object_get(reply->result, "attr");
		err = wfd_handle_decode(r, reply->result, &remote);
	}
	/* The node id is known once the entry is counted: fix it after. */
	if (!err)
		err = new_handle(r, 0, remote, &h);
	if (!err) {
		prepare_open(r, h);
		err = wfd_reply_entry(r, attr, &r->fi, &h->ino);
		if (err) {
			wfd_handle_release(fs, r->ino, remote);
			wfd_handle_destroy(h);
		}
	}
	if (err < 0)
		wfd_request_finish(r, err);
	else
		wfd_request_destroy(r);
}

void wfd_op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		   mode_t mode, struct fuse_file_info *fi)
{
	int rc = wfd_check_name(name);
	struct wfd_request *r;
	json_t *extra;

	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	r = wfd_request_new(req, parent, name, create_done);
	if (!r)
		return;
	r->fi = *fi;
	extra = wf_open_to_json(fi->flags);
	if (extra &&
	    json_object_set_new(extra, "mode", json_integer(mode & 07777))) {
		json_decref(extra);
		extra = NULL;
	}
	if (!extra) {
		wfd_request_finish(r, -ENOMEM);
		return;
	}
	wfd_request_start(r, "create", extra);
}

/*
 * The kernel retries a read that timed out at once (read-ahead, then the
 * page itself): while the provider has sent nothing since, further reads
 * of that file fail at once, so no reader waits past one timeout.
 */
static void note_stall(struct wfd_request *r, int err)
{
	struct wfd_handle *h = r->handle;
	struct wfd_filesystem *fs = r->fs;

	h->stalled = err == -ETIMEDOUT && fs->provider &&
		     h->generation == fs->generation;
	if (h->stalled)
		h->stalled_at = wfd_session_received(fs->provider);
}

static bool still_stalled(const struct wfd_filesystem *fs,
			  const struct wfd_handle *h)
{
	return h->stalled && fs->provider && h->generation == fs->generation &&
	       wfd_session_received(fs->provider) == h->stalled_at;
}

static void read_done(struct wfd_call *call, struct wf_message *reply, int err)
{
	struct wfd_request *r = wfd_request_of(call);
	const char *data;
	size_t size;

	note_stall(r, err);
	err = wfd_data_outcome(r, reply, err);
	if (!err) {
		err = wf_message_data(reply, r->size, &data, &size);
		if (err == -EINVAL || err == -ENOENT || err == -EMSGSIZE)
			err = wfd_invalid(r, "read");
	}
	if (err) {
		wfd_request_finish(r, err);
		return;
	}
	fuse_reply_buf(r->req, data, size);
	wfd_request_destroy(r);
}

/* A request on the open file @fi of @ino, answered by @done; or NULL. */
static struct wfd_request *file_request(fuse_req_t req, fuse_ino_t ino,
					struct fuse_file_info *fi,
					wfd_call_done_fn *done)
{
	struct wfd_request *r = wfd_request_new(req, ino, NULL, done);

	if (r)
		r->handle = wfd_handle_of(fi);
	return r;
}

void wfd_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		 struct fuse_file_info *fi)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct wfd_request *r = file_request(req, ino, fi, read_done);

	if (!r)
		return;
	r->size = size < fs->limits->max_read ? size : fs->limits->max_read;
	if (off < 0) {
		wfd_request_finish(r, -EINVAL);
		return;
	}
	if (still_stalled(fs, r->handle)) {
		wfd_request_finish(r, -ETIMEDOUT);
		return;
	}
	wfd_handle_start(r, "read",
			 json_pack("{s:I, s:I}", "offset", (json_int_t)off,
				   "size", (json_int_t)r->size),
			 NULL, 0);
}

static void write_done(struct wfd_call *call, struct wf_message *reply, int err)
{
	struct wfd_request *r = wfd_request_of(call);
	uint64_t written;

	err = wfd_write_outcome(r, reply, err, &written);
	if (err) {
		wfd_request_finish(r, err);
		return;
	}
	fuse_reply_write(r->req, (size_t)written);
	wfd_request_destroy(r);
}

void wfd_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
		  off_t off, struct fuse_file_info *fi)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct wfd_request *r = file_request(req, ino, fi, write_done);

	if (!r)
		return;
	/* The kernel keeps within max_write, which init set to the limit. */
	r->size = size < fs->limits->max_write ? size : fs->limits->max_write;
	if (off < 0 || (uint64_t)off > (uint64_t)WF_INT_MAX - r->size) {
		wfd_request_finish(r, off < 0 ? -EINVAL : -EFBIG);
		return;
	}
	r->offset = off;
	/* Appends land where the provider's file ends: they keep their
	 * order only one at a time. */
	r->may_go_behind = !(r->handle->flags & O_APPEND);
	wfd_handle_start(r, "write",
			 json_pack("{s:I}", "offset", (json_int_t)off), buf,
			 r->size);
}

/*
 * Finishes a flush or fsync: a write answered early that failed on the
 * way fails it, as a failed write-back fails them on a local disk.
 */
static void sync_done(struct wfd_call *call, struct wf_message *reply, int err)
{
	struct wfd_request *r = wfd_request_of(call);
	int early = wfd_behind_take_error(r->handle);

	err = wfd_outcome(r, reply, err);
	wfd_request_finish(r, early ? early : err);
}

void wfd_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct wfd_handle *h = wfd_handle_of(fi);
	struct wfd_request *r;
	int early = wfd_behind_take_error(h);

	if (early) {
		fuse_reply_err(req, -early);
		return;
	}
	/* Nothing was written through a file opened for reading only, or
	 * through this connection if the file was opened on an older one
	 * (the writes on that one were answered, errors too). */
	if ((h->flags & O_ACCMODE) == O_RDONLY ||
	    h->generation != fs->generation) {
		fuse_reply_err(req, 0);
		return;
	}
	r = file_request(req, ino, fi, sync_done);
	if (r)
		wfd_handle_start(r, "flush", NULL, NULL, 0);
}

void wfd_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		  struct fuse_file_info *fi)
{
	struct wfd_request *r = file_request(req, ino, fi, sync_done);

	if (r)
		wfd_handle_start(r, "fsync",
				 json_pack("{s:b}", "datasync", datasync != 0),
				 NULL, 0);
}

void wfd_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
		      off_t length, struct fuse_file_info *fi)
{
	struct wfd_request *r;
	json_t *names;
	int rc;

	if (offset < 0 || length <= 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if ((uint64_t)offset > (uint64_t)WF_INT_MAX - (uint64_t)length) {
		fuse_reply_err(req, EFBIG);
		return;
	}
	rc = wf_flags_to_json(WF_FLAGS_FALLOCATE, mode, &names);
	if (rc) {
		/* A mode the protocol cannot name is one not supported. */
		fuse_reply_err(req, rc == -EINVAL ? EOPNOTSUPP : -rc);
		return;
	}
	r = file_request(req, ino, fi, wfd_empty_done);
	if (!r) {
		json_decref(names);
		return;
	}
	wfd_handle_start(r, "fallocate",
			 json_pack("{s:I, s:I, s:o}", "offset",
				   (json_int_t)offset, "length",
				   (json_int_t)length, "flags", names),
			 NULL, 0);
}

void wfd_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct wfd_handle *h = wfd_handle_of(fi);

	if (h->generation == fs->generation)
		wfd_handle_release(fs, ino, h->remote);
	/* Writes answered early still need it for their outcome. */
	if (h->behind)
		h->closed = true;
	else
		wfd_handle_destroy(h);
	fuse_reply_err(req, 0);
}
