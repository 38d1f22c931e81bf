/* Operations that change names: make, link, remove and rename entries. */
#include "filesystem_i.h"

#include "attr.h"
#include "flags.h"
#include "log.h"
#include "message.h"
#include "node.h"
#include "path.h"
#include "utf8.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * Starts @method (stealing @extra) to make the entry @name in @parent.
 * A name the protocol cannot carry fails at once.
 */
static void make_entry(fuse_req_t req, fuse_ino_t parent, const char *name,
		       const char *method, json_t *extra)
{
	int rc = wfd_check_name(name);
	struct wfd_request *r;

	if (rc) {
		json_decref(extra);
		fuse_reply_err(req, -rc);
		return;
	}
	r = wfd_request_new(req, parent, name, wfd_entry_done);
	if (!r) {
		json_decref(extra);
		return;
	}
	wfd_request_start(r, method, extra);
}

void wfd_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		  mode_t mode)
{
	make_entry(req, parent, name, "mkdir",
		   json_pack("{s:i}", "mode", (int)(mode & 07777)));
}

void wfd_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		  mode_t mode, dev_t rdev)
{
	const char *type = wf_attr_type_name(mode);

	if (!type || S_ISDIR(mode) || S_ISLNK(mode) || rdev > UINT32_MAX) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	make_entry(req, parent, name, "mknod",
		   json_pack("{s:s, s:i, s:I}", "type", type, "mode",
			     (int)(mode & 07777), "rdev", (json_int_t)rdev));
}

void wfd_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		    const char *name)
{
	size_t len = strlen(link);

	if (len > WF_PATH_MAX) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	if (!wf_utf8_valid(link, len)) {
		fuse_reply_err(req, EILSEQ);
		return;
	}
	make_entry(req, parent, name, "symlink",
		   json_pack("{s:s}", "target", link));
}

static void link_done(struct wfd_call *call, struct wf_message *reply, int err)
{
	struct wfd_request *r = wfd_request_of(call);

	/* The entry to answer with is the new name. */
	r->ino = r->newparent;
	r->name = r->newname;
	r->newname = NULL;
	wfd_entry_done(call, reply, err);
}

/*
 * A request on the entry @name of @parent that names a second entry
 * @newname of @newparent; NULL after answering the kernel.
 */
static struct wfd_request *two_names(fuse_req_t req, fuse_ino_t parent,
				     const char *name, fuse_ino_t newparent,
				     const char *newname,
				     wfd_call_done_fn *done)
{
	int rc = wfd_check_name(newname);
	struct wfd_request *r;

	if (rc) {
		fuse_reply_err(req, -rc);
		return NULL;
	}
	r = wfd_request_new(req, parent, name, done);
	if (!r)
		return NULL;
	r->newparent = newparent;
	r->newname = strdup(newname);
	if (!r->newname) {
		wfd_request_finish(r, -ENOMEM);
		return NULL;
	}
	return r;
}

void wfd_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		 const char *newname)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct wfd_request *r =
		two_names(req, ino, NULL, newparent, newname, link_done);

	/* Another name shares the file now: what it changes must show. */
	wfd_nodes_set_xattr_free(fs->nodes, ino, 0, 0);
	if (r)
		wfd_request_start(r, "link", NULL);
}

static void remove_done(struct wfd_call *call, struct wf_message *reply,
			int err)
{
	struct wfd_request *r = wfd_request_of(call);

	err = wfd_outcome(r, reply, err);
	if (!err)
		wfd_nodes_remove(r->fs->nodes, r->ino, r->name);
	wfd_request_finish(r, err);
}

static void remove_entry(fuse_req_t req, fuse_ino_t parent, const char *name,
			 const char *method)
{
	struct wfd_request *r = wfd_request_new(req, parent, name, remove_done);

	if (r)
		wfd_request_start(r, method, NULL);
}

void wfd_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_entry(req, parent, name, "unlink");
}

void wfd_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_entry(req, parent, name, "rmdir");
}

static void rename_done(struct wfd_call *call, struct wf_message *reply,
			int err)
{
	struct wfd_request *r = wfd_request_of(call);

	err = wfd_outcome(r, reply, err);
	if (!err) {
		err = wfd_nodes_rename(r->fs->nodes, r->ino, r->name,
				       r->newparent, r->newname,
				       r->flags & RENAME_EXCHANGE);
		if (err)
			wfd_log(WFD_LOG_ERROR,
				"rename done but not recorded: %s",
				strerror(-err));
	}
	wfd_request_finish(r, err);
}

void wfd_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		   fuse_ino_t newparent, const char *newname,
		   unsigned int flags)
{
	struct wfd_request *r;
	json_t *names;
	int rc;

	rc = wf_flags_to_json(WF_FLAGS_RENAME, (int)flags, &names);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	r = two_names(req, parent, name, newparent, newname, rename_done);
	if (!r) {
		json_decref(names);
		return;
	}
	r->flags = (int)flags;
	wfd_request_start(r, "rename", json_pack("{s:o}", "flags", names));
}
