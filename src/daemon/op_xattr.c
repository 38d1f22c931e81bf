/* Extended attributes: get, list, set and remove. */
#include "filesystem_i.h"

#include "flags.h"
#include "message.h"
#include "node.h"
#include "path.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Answers a size query (@size 0) or copies the @len bytes at @data. */
static void reply_xattr(fuse_req_t req, size_t size, const char *data,
			size_t len)
{
	if (size == 0)
		fuse_reply_xattr(req, len);
	else if (len > size)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, data, len);
}

/*
 * Whether the attribute @name is of a namespace the mount does not carry
 * (wf_xattr_name_carried()), and @req was answered EOPNOTSUPP: as on a
 * filesystem without it, on which ls -l stops asking after the first file.
 */
static bool refused(fuse_req_t req, const char *name)
{
	if (wf_xattr_name_carried(name, strlen(name)))
		return false;
	fuse_reply_err(req, EOPNOTSUPP);
	return true;
}

static void getxattr_done(struct wfd_call *call, struct wf_message *reply,
			  int err);
static void listxattr_done(struct wfd_call *call, struct wf_message *reply,
			   int err);

/*
 * A getxattr (@list false) or listxattr request, or NULL when it was
 * answered here: with no provider, the root has no attributes, nor has a
 * node its provider said has none.
 */
static struct wfd_request *xattr_request(fuse_req_t req, fuse_ino_t ino,
					 size_t size, bool list)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct wfd_request *r;

	if ((!fs->provider && ino == WFD_NODE_ROOT) ||
	    wfd_xattr_free(fs, ino)) {
		if (list)
			reply_xattr(req, size, NULL, 0);
		else
			fuse_reply_err(req, ENODATA);
		return NULL;
	}
	r = wfd_request_new(req, ino, NULL,
			    list ? listxattr_done : getxattr_done);
	if (r)
		r->size = size;
	return r;
}

static void getxattr_done(struct wfd_call *call, struct wf_message *reply,
			  int err)
{
	struct wfd_request *r = wfd_request_of(call);
	const char *data;
	size_t len;

	err = wfd_data_outcome(r, reply, err);
	if (!err) {
		err = wf_message_data(reply, WF_XATTR_MAX, &data, &len);
		if (err == -EINVAL || err == -ENOENT || err == -EMSGSIZE)
			err = wfd_invalid(r, "getxattr");
	}
	if (err) {
		wfd_request_finish(r, err);
		return;
	}
	reply_xattr(r->req, r->size, data, len);
	wfd_request_destroy(r);
}

void wfd_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		     size_t size)
{
	struct wfd_request *r;

	if (!wf_xattr_name_valid(name, strlen(name))) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	if (refused(req, name))
		return;
	r = xattr_request(req, ino, size, false);
	if (r)
		wfd_request_start(r, "getxattr",
				  json_pack("{s:s}", "name", name));
}

/*
 * Joins the names of a listxattr result, each ending in NUL, into @buf; a
 * name of a namespace that is not carried is left out.
 */
static int join_names(const json_t *names, char *buf, size_t *len)
{
	const json_t *name;
	size_t i, pos = 0;

	if (!json_is_array(names))
		return -EINVAL;
	json_array_foreach(names, i, name)
	{
		const char *s = json_string_value(name);
		size_t n = json_string_length(name);

		if (!s || !wf_xattr_name_valid(s, n) ||
		    n + 1 > WF_XATTR_MAX - pos)
			return -EINVAL;
		if (!wf_xattr_name_carried(s, n))
			continue;
		memcpy(buf + pos, s, n + 1);
		pos += n + 1;
	}
	*len = pos;
	return 0;
}

static void listxattr_done(struct wfd_call *call, struct wf_message *reply,
			   int err)
{
	struct wfd_request *r = wfd_request_of(call);
	char *buf = NULL;
	size_t len = 0;

	err = wfd_outcome(r, reply, err);
	if (!err && !(buf = malloc(WF_XATTR_MAX)))
		err = -ENOMEM;
	if (!err &&
	    join_names(json_object_get(reply->result, "names"), buf, &len))
		err = wfd_invalid(r, "listxattr");
	if (err) {
		free(buf);
		wfd_request_finish(r, err);
		return;
	}
	reply_xattr(r->req, r->size, buf, len);
	free(buf);
	wfd_request_destroy(r);
}

void wfd_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct wfd_request *r = xattr_request(req, ino, size, true);

	if (r)
		wfd_request_start(r, "listxattr", NULL);
}

/*
 * At the start and the end of a setxattr or removexattr of @ino: what was
 * known of the node's attributes no longer holds, whatever the outcome,
 * nor what answers made while it was under way say (wfd_note_xattrs()).
 */
static void forget_xattrs(struct wfd_filesystem *fs, fuse_ino_t ino)
{
	fs->xattr_epoch++;
	wfd_nodes_set_xattr_free(fs->nodes, ino, 0, 0);
}

static void change_done(struct wfd_call *call, struct wf_message *reply,
			int err)
{
	struct wfd_request *r = wfd_request_of(call);

	forget_xattrs(r->fs, r->ino);
	wfd_empty_done(call, reply, err);
}

/* A setxattr or removexattr request; NULL if it was answered. */
static struct wfd_request *change_request(fuse_req_t req, fuse_ino_t ino)
{
	struct wfd_request *r = wfd_request_new(req, ino, NULL, change_done);

	if (r)
		forget_xattrs(r->fs, ino);
	return r;
}

void wfd_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		     const char *value, size_t size, int flags)
{
	struct wfd_request *r;
	json_t *names;
	int rc;

	if (!wf_xattr_name_valid(name, strlen(name))) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (refused(req, name))
		return;
	if (size > WF_XATTR_MAX) {
		fuse_reply_err(req, E2BIG);
		return;
	}
	rc = wf_flags_to_json(WF_FLAGS_XATTR, flags, &names);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	r = change_request(req, ino);
	if (!r) {
		json_decref(names);
		return;
	}
	wfd_request_start_data(
		r, "setxattr",
		json_pack("{s:s, s:o}", "name", name, "flags", names), value,
		size);
}

void wfd_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct wfd_request *r;

	if (!wf_xattr_name_valid(name, strlen(name))) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	if (refused(req, name))
		return;
	r = change_request(req, ino);
	if (r)
		wfd_request_start(r, "removexattr",
				  json_pack("{s:s}", "name", name));
}
