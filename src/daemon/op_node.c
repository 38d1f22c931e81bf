/* Operations on one node: lookup, forget, attributes, links, access. */
#include "filesystem_i.h"

#include "attr.h"

#include "field.h"
#include "flags.h"
#include "message.h"
#include "node.h"
#include "path.h"
#include "setattr.h"
#include "statfs.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

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

void wfd_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct wfd_request *r;
	int rc = wfd_check_name(name);

	/* Names travel as JSON strings: a provider cannot have any other. */
	if (rc == -EILSEQ || !fs->provider)
		rc = -ENOENT;
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	r = wfd_request_new(req, parent, name, wfd_entry_done);
	if (r)
		wfd_request_start(r, "getattr", NULL);
}

void wfd_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);

	wfd_nodes_forget(fs->nodes, ino, nlookup);
	fuse_reply_none(req);
}

void wfd_op_forget_multi(fuse_req_t req, size_t count,
			 struct fuse_forget_data *forgets)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);

	for (size_t i = 0; i < count; i++)
		wfd_nodes_forget(fs->nodes, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

/* Answers getattr and setattr: both have the attribute object as result. */
static void attr_done(struct wfd_call *call, struct wf_message *reply, int err)
{
	struct wfd_request *r = wfd_request_of(call);
	struct stat st;
	double timeout;

	err = wfd_outcome(r, reply, err);
	if (!err)
		err = wfd_decode_attr(r, reply->result, r->ino, &st);
	if (!err && r->ino == WFD_NODE_ROOT && !S_ISDIR(st.st_mode))
		err = wfd_invalid(r, "attributes of the root");
	if (err) {
		wfd_request_finish(r, err);
		return;
	}
	timeout = wfd_attr_timeout(r->fs, &st);
	wfd_note_xattrs(r->fs, r->ino, wf_attr_without_xattrs(reply->result),
			r->xattr_epoch, timeout);
	fuse_reply_attr(r->req, &st, timeout);
	wfd_request_destroy(r);
}

/*
 * Starts @method with @extra (stolen) on the open file @fi, or else on the
 * path of @ino; a removed node is served through any of its open files.
 */
static void start_attr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi, const char *method,
		       json_t *extra)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct wfd_request *r = wfd_request_new(req, ino, NULL, attr_done);

	if (!r) {
		json_decref(extra);
		return;
	}
	/* An open directory has no handle of the provider's. */
	if (fi && !wfd_handle_of(fi)->listing)
		r->handle = wfd_handle_of(fi);
	else if (wfd_nodes_removed(fs->nodes, ino))
		r->handle = wfd_handle_find(fs, ino);
	if (r->handle)
		wfd_handle_start(r, method, extra, NULL, 0);
	else
		wfd_request_start(r, method, extra);
}

void wfd_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct stat st;

	if (!fs->provider && ino == WFD_NODE_ROOT) {
		root_attr(fs, &st);
		fuse_reply_attr(req, &st, fs->opts->attr_timeout);
		return;
	}
	start_attr(req, ino, fi, "getattr", NULL);
}

/* The protocol's changes for the FUSE_SET_ATTR_* bits of @to_set. */
static int setattr_changes(struct stat *attr, int to_set)
{
	int set = 0;

	if (to_set & FUSE_SET_ATTR_MODE)
		set |= WF_SET_MODE;
	if (to_set & FUSE_SET_ATTR_UID)
		set |= WF_SET_UID;
	if (to_set & FUSE_SET_ATTR_GID)
		set |= WF_SET_GID;
	if (to_set & FUSE_SET_ATTR_SIZE)
		set |= WF_SET_SIZE;
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW))
		set |= WF_SET_ATIME;
	if (to_set & FUSE_SET_ATTR_ATIME_NOW)
		attr->st_atim.tv_nsec = UTIME_NOW;
	if (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW))
		set |= WF_SET_MTIME;
	if (to_set & FUSE_SET_ATTR_MTIME_NOW)
		attr->st_mtim.tv_nsec = UTIME_NOW;
	/* ctime follows any change by itself; it cannot be set. */
	return set;
}

void wfd_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		    int to_set, struct fuse_file_info *fi)
{
	json_t *extra = json_object();
	int rc;

	if (!extra) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	rc = wf_setattr_to_json(extra, attr, setattr_changes(attr, to_set));
	if (rc) {
		json_decref(extra);
		fuse_reply_err(req, -rc);
		return;
	}
	start_attr(req, ino, fi, "setattr", extra);
}

static void readlink_done(struct wfd_call *call, struct wf_message *reply,
			  int err)
{
	struct wfd_request *r = wfd_request_of(call);
	const char *target;
	size_t len;

	err = wfd_outcome(r, reply, err);
	if (!err && (wf_field_string(reply->result, "target", &target, &len) ||
		     len == 0 || len > WF_PATH_MAX || strlen(target) != len))
		err = wfd_invalid(r, "readlink");
	if (err) {
		wfd_request_finish(r, err);
		return;
	}
	fuse_reply_readlink(r->req, target);
	wfd_request_destroy(r);
}

void wfd_op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	wfd_op(req, ino, readlink_done, "readlink", NULL);
}

static void statfs_done(struct wfd_call *call, struct wf_message *reply,
			int err)
{
	struct wfd_request *r = wfd_request_of(call);
	struct statvfs st;

	err = wfd_outcome(r, reply, err);
	if (!err && wf_statfs_from_json(reply->result, &st))
		err = wfd_invalid(r, "statfs");
	if (err) {
		wfd_request_finish(r, err);
		return;
	}
	fuse_reply_statfs(r->req, &st);
	wfd_request_destroy(r);
}

void wfd_op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);

	if (!fs->provider) {
		struct statvfs st = {.f_bsize = 4096,
				     .f_frsize = 4096,
				     .f_namemax = WF_NAME_MAX};

		fuse_reply_statfs(req, &st);
		return;
	}
	wfd_op(req, ino, statfs_done, "statfs", NULL);
}

void wfd_op_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);

	if (!fs->provider && ino == WFD_NODE_ROOT) {
		fuse_reply_err(req, (mask & W_OK) ? EROFS : 0);
		return;
	}
	wfd_op(req, ino, wfd_empty_done, "access", wf_access_to_json(mask));
}
