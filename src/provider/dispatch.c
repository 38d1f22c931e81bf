/* Answers to the filesystem requests of protocol.md 6, via the operations. */
#include "dispatch.h"
#include "attr.h"
#include "dirbuf.h"
#include "field.h"
#include "flags.h"
#include "path.h"
#include "rpc.h"
#include "setattr.h"
#include "statfs.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The params a method takes besides its path (protocol.md, 6.2, 6.3). */
enum param {
	P_HANDLE = 1 << 0,	/* handle, required */
	P_OPT_HANDLE = 1 << 1,	/* handle, optional: WFP_NO_HANDLE */
	P_OFFSET = 1 << 2,	/* offset */
	P_SIZE = 1 << 3,	/* size of a read, at most max_read */
	P_LENGTH = 1 << 4,	/* length */
	P_MODE = 1 << 5,	/* permission bits */
	P_TYPE = 1 << 6,	/* mknod's type and optional rdev */
	P_OPEN = 1 << 7,	/* access and open flags */
	P_ACCESS = 1 << 8,	/* access's mode letters */
	P_NEWPATH = 1 << 9,	/* newpath */
	P_NAME = 1 << 10,	/* name of an extended attribute */
	P_TARGET = 1 << 11,	/* target of a symlink */
	P_DATASYNC = 1 << 12,	/* datasync */
	P_SETATTR = 1 << 13,	/* the changes of setattr */
	P_FLAGS = 1 << 14,	/* names of the method's flag set */
	P_WRITE_DATA = 1 << 15, /* data, at most max_write */
	P_XATTR_DATA = 1 << 16, /* data, at most WF_XATTR_MAX */
};

#define P_DATA (P_WRITE_DATA | P_XATTR_DATA)

/* The decoded params of a request, and room for the attributes. */
struct args {
	const char *path;
	const char *newpath;
	const char *name;
	const char *target;
	const char *data; /* write, setxattr: @size bytes */
	char *buf;	  /* read: room for @size bytes */
	size_t size;
	uint64_t handle;
	uint64_t offset;
	uint64_t length;
	mode_t mode; /* with the file type for mknod */
	dev_t rdev;
	int flags; /* open flags, or those of the method's flag set */
	int mask;  /* access */
	int to_set;
	bool datasync;
	struct stat values; /* setattr */
	struct stat st;	    /* attributes the operation returns */
	int err;	    /* a filesystem error found while decoding */
};

typedef struct wf_outmsg *handler_fn(const struct wfp_dispatch *d,
				     struct wf_message *msg, struct args *a);

struct method {
	const char *name;
	handler_fn *handler;
	size_t op;	      /* offset in struct wfp_operations, or NO_OP */
	unsigned int params;  /* enum param */
	enum wf_flag_set set; /* with P_FLAGS */
};

/* The handler itself checks which operation it needs. */
#define NO_OP SIZE_MAX

/* Sends the message @json (consumed; NULL after a failed build). */
static struct wf_outmsg *send_json(json_t *json)
{
	struct wf_outmsg *m;

	if (!json)
		return NULL;
	m = wf_outmsg_text(json);
	json_decref(json);
	return m;
}

struct wf_outmsg *wfp_dispatch_error(uint64_t id, int err)
{
	return send_json(wf_rpc_error(id, err));
}

struct wf_outmsg *wfp_dispatch_protocol_error(uint64_t id, int code,
					      const char *message)
{
	return send_json(wf_rpc_protocol_error(id, code, message));
}

/* Answers @msg with the error @rc of an operation; positive is a bug. */
static struct wf_outmsg *fail(const struct wf_message *msg, ssize_t rc)
{
	return wfp_dispatch_error(msg->id, rc < 0 ? (int)rc : -EIO);
}

/* Answers @msg with @result (stolen; NULL means out of memory). */
static struct wf_outmsg *send_result(const struct wf_message *msg,
				     json_t *result)
{
	if (!result)
		return wfp_dispatch_error(msg->id, -ENOMEM);
	return send_json(wf_rpc_result(msg->id, result));
}

/* The attribute object for @st, or NULL with *@err set. */
static json_t *attr_json(const struct stat *st, int *err)
{
	json_t *attr;

	/* A provider bug, not a fault of the service's request. */
	if (!wf_attr_representable(st)) {
		*err = -EIO;
		return NULL;
	}
	attr = wf_attr_to_json(st);
	if (!attr)
		*err = -ENOMEM;
	return attr;
}

/* Room for the names a file without attributes of its own may still have. */
#define FEW_XATTR_NAMES 256

/*
 * Whether the object at @path, whose names take @size bytes, has only
 * attributes of namespaces that are not carried (a security label).
 * False when that cannot be told cheaply.
 */
static bool only_uncarried_xattrs(const struct wfp_dispatch *d,
				  const char *path, size_t size)
{
	char buf[FEW_XATTR_NAMES];
	ssize_t n;
	size_t len;

	if (size > sizeof(buf))
		return false;
	n = d->ops->listxattr(path, buf, sizeof(buf), d->user_data);
	if (n < 0 || (size_t)n > sizeof(buf))
		return false;
	for (const char *s = buf; s < buf + n; s += len + 1) {
		len = strnlen(s, (size_t)(buf + n - s));
		if (s + len == buf + n || wf_xattr_name_carried(s, len))
			return false;
	}
	return true;
}

/*
 * Marks @attr, the attributes of the object at @path (NULL: an open file,
 * which the path may no longer name), "xattr": false when
 * the object has no extended attributes the protocol carries: the service
 * then need not ask for each attribute that ls -l or a write looks for.
 * Left unknown when the provider cannot list them.
 */
static void note_xattrs(const struct wfp_dispatch *d, const char *path,
			json_t *attr)
{
	char none[1];
	ssize_t n;

	if (!path || !d->ops->listxattr)
		return;
	n = d->ops->listxattr(path, none, 0, d->user_data);
	if (n == 0 || (n > 0 && only_uncarried_xattrs(d, path, (size_t)n)))
		json_object_set_new(attr, "xattr", json_false());
}

/* Answers an operation that returned @rc with an empty result. */
static struct wf_outmsg *reply_empty(const struct wf_message *msg, int rc)
{
	if (rc)
		return fail(msg, rc);
	return send_result(msg, json_object());
}

/*
 * Answers an operation that returned @rc and filled @st with *attr*, the
 * attributes of the object at @path.
 */
static struct wf_outmsg *reply_attr(const struct wfp_dispatch *d,
				    const struct wf_message *msg,
				    const char *path, int rc,
				    const struct stat *st)
{
	json_t *attr;

	if (rc)
		return fail(msg, rc);
	attr = attr_json(st, &rc);
	if (!attr)
		return wfp_dispatch_error(msg->id, rc);
	note_xattrs(d, path, attr);
	return send_result(msg, attr);
}

/*
 * Answers a read or getxattr that returned @n with the first @n bytes at
 * ->reserved of @m (consumed) as "data", in the form the session agreed.
 */
static struct wf_outmsg *reply_data(const struct wfp_dispatch *d,
				    const struct wf_message *msg,
				    struct wf_outmsg *m, ssize_t n)
{
	json_t *response;

	if (n < 0 || (size_t)n > m->capacity) {
		wf_outmsg_destroy(m);
		return fail(msg, n < 0 ? n : -EIO);
	}
	response = wf_rpc_result(msg->id, NULL);
	if (!response) {
		wf_outmsg_destroy(m);
		return wfp_dispatch_error(msg->id, -ENOMEM);
	}
	wf_outmsg_finish(&m, response, json_object_get(response, "result"),
			 (size_t)n, d->binary);
	json_decref(response);
	return m ? m : wfp_dispatch_error(msg->id, -ENOMEM);
}

/* {"handle"} and, with @st, "attr": a new object, or NULL with *@err. */
static json_t *handle_json(uint64_t handle, const struct stat *st, int *err)
{
	json_t *result = json_pack("{s:I}", "handle", (json_int_t)handle);
	json_t *attr;

	if (!result) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!st)
		return result;
	attr = attr_json(st, err);
	if (!attr || json_object_set_new(result, "attr", attr)) {
		if (attr)
			*err = -ENOMEM;
		json_decref(result);
		return NULL;
	}
	return result;
}

/*
 * Answers an open or create that gave @handle with it and, with @st, the
 * attributes. Whenever the answer cannot tell the service the handle (it
 * does not fit the wire, or the answer cannot be built or sent), the file
 * is closed again: the service would never release it.
 */
static struct wf_outmsg *reply_handle(const struct wfp_dispatch *d,
				      const struct wf_message *msg,
				      const char *path, uint64_t handle,
				      const struct stat *st)
{
	struct wf_outmsg *m = NULL;
	json_t *result;
	int err = 0;

	if (handle > (uint64_t)WF_INT_MAX) {
		err = -EOVERFLOW;
	} else if (handle && wfp_handles_add(d->open, handle, path)) {
		err = -ENOMEM;
	} else {
		result = handle_json(handle, st, &err);
		if (result && st)
			note_xattrs(d, path, json_object_get(result, "attr"));
		if (result)
			m = send_json(wf_rpc_result(msg->id, result));
		if (!err && !m)
			err = -ENOMEM;
		else if (m && m->len > d->max_message)
			err = -EMSGSIZE;
	}
	if (!err)
		return m;
	wf_outmsg_destroy(m);
	wfp_handles_remove(d->open, handle);
	if (d->ops->release)
		d->ops->release(path, handle, d->user_data);
	return wfp_dispatch_error(msg->id, err);
}

typedef ssize_t io_fn(const struct wfp_dispatch *d, const struct args *a,
		      size_t done);

/*
 * Calls @io for the rest of a->size bytes until all are done, it returns
 * 0 or it fails: the operations may return short counts anywhere. An
 * error after some bytes ends the transfer there; it is expected to
 * recur at the next call.
 */
static ssize_t io_full(const struct wfp_dispatch *d, const struct args *a,
		       io_fn *io)
{
	size_t done = 0;

	while (done < a->size) {
		ssize_t n = io(d, a, done);

		if (n < 0)
			return done ? (ssize_t)done : n;
		if ((size_t)n > a->size - done)
			return -EIO;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static ssize_t read_some(const struct wfp_dispatch *d, const struct args *a,
			 size_t done)
{
	return d->ops->read(a->path, a->handle, a->buf + done, a->size - done,
			    a->offset + done, d->user_data);
}

static ssize_t write_some(const struct wfp_dispatch *d, const struct args *a,
			  size_t done)
{
	return d->ops->write(a->path, a->handle, a->data + done, a->size - done,
			     a->offset + done, d->user_data);
}

static struct wf_outmsg *do_getattr(const struct wfp_dispatch *d,
				    struct wf_message *msg, struct args *a)
{
	const struct wfp_operations *ops = d->ops;
	int rc = -ENOSYS;

	if (a->handle != WFP_NO_HANDLE && ops->fgetattr)
		rc = ops->fgetattr(a->path, a->handle, &a->st, d->user_data);
	else if (ops->getattr)
		rc = ops->getattr(a->path, &a->st, d->user_data);
	return reply_attr(d, msg, a->handle == WFP_NO_HANDLE ? a->path : NULL,
			  rc, &a->st);
}

/* note_xattrs() for each entry of the listing @entries of @dir. */
static void note_entry_xattrs(const struct wfp_dispatch *d, const char *dir,
			      json_t *entries)
{
	/* The root's entries are "/NAME", not "//NAME". */
	size_t dir_len = strcmp(dir, "/") ? strlen(dir) : 0;
	char path[WF_PATH_MAX + 1];
	json_t *entry;
	size_t i;

	if (!d->ops->listxattr)
		return;
	memcpy(path, dir, dir_len);
	path[dir_len] = '/';
	json_array_foreach(entries, i, entry)
	{
		json_t *name = json_object_get(entry, "name");
		size_t len = json_string_length(name);

		if (dir_len + 1 + len > WF_PATH_MAX)
			continue;
		memcpy(path + dir_len + 1, json_string_value(name), len + 1);
		note_xattrs(d, path, json_object_get(entry, "attr"));
	}
}

static struct wf_outmsg *do_readdir(const struct wfp_dispatch *d,
				    struct wf_message *msg, struct args *a)
{
	struct wfp_dirbuf *buf = wfp_dirbuf_create(d->max_entries);
	struct wf_outmsg *m;
	int rc;

	if (!buf)
		return wfp_dispatch_error(msg->id, -ENOMEM);
	rc = d->ops->readdir(a->path, buf, d->user_data);
	if (rc == 0)
		rc = wfp_dirbuf_error(buf);
	if (rc == 0)
		note_entry_xattrs(d, a->path, wfp_dirbuf_entries(buf));
	if (rc)
		m = fail(msg, rc);
	else
		m = send_result(msg, json_pack("{s:O}", "entries",
					       wfp_dirbuf_entries(buf)));
	wfp_dirbuf_destroy(buf);
	return m;
}

static struct wf_outmsg *do_open(const struct wfp_dispatch *d,
				 struct wf_message *msg, struct args *a)
{
	uint64_t handle = 0;
	int rc;

	/* "exclusive" means something only to create. */
	rc = d->ops->open(a->path, a->flags & ~O_EXCL, &handle, d->user_data);
	if (rc)
		return fail(msg, rc);
	return reply_handle(d, msg, a->path, handle, NULL);
}

static struct wf_outmsg *do_create(const struct wfp_dispatch *d,
				   struct wf_message *msg, struct args *a)
{
	uint64_t handle = 0;
	int rc;

	rc = d->ops->create(a->path, a->mode, a->flags, &handle, &a->st,
			    d->user_data);
	if (rc)
		return fail(msg, rc);
	return reply_handle(d, msg, a->path, handle, &a->st);
}

static struct wf_outmsg *do_read(const struct wfp_dispatch *d,
				 struct wf_message *msg, struct args *a)
{
	struct wf_outmsg *m = wf_outmsg_reserve(a->size);

	if (!m)
		return wfp_dispatch_error(msg->id, -ENOMEM);
	a->buf = m->reserved;
	return reply_data(d, msg, m, a->size ? io_full(d, a, read_some) : 0);
}

static struct wf_outmsg *do_write(const struct wfp_dispatch *d,
				  struct wf_message *msg, struct args *a)
{
	ssize_t n = a->size ? io_full(d, a, write_some) : 0;

	if (n < 0)
		return fail(msg, n);
	return send_result(msg, json_pack("{s:I}", "size", (json_int_t)n));
}

static struct wf_outmsg *do_release(const struct wfp_dispatch *d,
				    struct wf_message *msg, struct args *a)
{
	wfp_handles_remove(d->open, a->handle);
	return reply_empty(msg,
			   d->ops->release(a->path, a->handle, d->user_data));
}

static struct wf_outmsg *do_readlink(const struct wfp_dispatch *d,
				     struct wf_message *msg, struct args *a)
{
	char target[WF_PATH_MAX + 1];
	size_t len;
	int rc;

	target[0] = '\0';
	rc = d->ops->readlink(a->path, target, sizeof(target), d->user_data);
	if (rc)
		return fail(msg, rc);
	len = strnlen(target, sizeof(target));
	if (len == sizeof(target))
		return wfp_dispatch_error(msg->id, -ENAMETOOLONG);
	if (!wf_utf8_valid(target, len))
		return wfp_dispatch_error(msg->id, -EILSEQ);
	return send_result(msg, json_pack("{s:s%}", "target", target, len));
}

static struct wf_outmsg *do_statfs(const struct wfp_dispatch *d,
				   struct wf_message *msg, struct args *a)
{
	struct statvfs st;
	int rc;

	memset(&st, 0, sizeof(st));
	rc = d->ops->statfs(a->path, &st, d->user_data);
	if (rc)
		return fail(msg, rc);
	return send_result(msg, wf_statfs_to_json(&st));
}

static struct wf_outmsg *do_access(const struct wfp_dispatch *d,
				   struct wf_message *msg, struct args *a)
{
	return reply_empty(msg, d->ops->access(a->path, a->mask, d->user_data));
}

static struct wf_outmsg *do_flush(const struct wfp_dispatch *d,
				  struct wf_message *msg, struct args *a)
{
	return reply_empty(msg,
			   d->ops->flush(a->path, a->handle, d->user_data));
}

static struct wf_outmsg *do_fsync(const struct wfp_dispatch *d,
				  struct wf_message *msg, struct args *a)
{
	return reply_empty(msg, d->ops->fsync(a->path, a->handle, a->datasync,
					      d->user_data));
}

static struct wf_outmsg *do_fallocate(const struct wfp_dispatch *d,
				      struct wf_message *msg, struct args *a)
{
	return reply_empty(msg, d->ops->fallocate(a->path, a->handle, a->flags,
						  a->offset, a->length,
						  d->user_data));
}

static struct wf_outmsg *do_setattr(const struct wfp_dispatch *d,
				    struct wf_message *msg, struct args *a)
{
	return reply_attr(d, msg, a->handle == WFP_NO_HANDLE ? a->path : NULL,
			  d->ops->setattr(a->path, a->handle, &a->values,
					  a->to_set, &a->st, d->user_data),
			  &a->st);
}

static struct wf_outmsg *do_mkdir(const struct wfp_dispatch *d,
				  struct wf_message *msg, struct args *a)
{
	return reply_attr(d, msg, a->path,
			  d->ops->mkdir(a->path, a->mode, &a->st, d->user_data),
			  &a->st);
}

static struct wf_outmsg *do_mknod(const struct wfp_dispatch *d,
				  struct wf_message *msg, struct args *a)
{
	return reply_attr(
		d, msg, a->path,
		d->ops->mknod(a->path, a->mode, a->rdev, &a->st, d->user_data),
		&a->st);
}

static struct wf_outmsg *do_symlink(const struct wfp_dispatch *d,
				    struct wf_message *msg, struct args *a)
{
	return reply_attr(
		d, msg, a->path,
		d->ops->symlink(a->path, a->target, &a->st, d->user_data),
		&a->st);
}

static struct wf_outmsg *do_link(const struct wfp_dispatch *d,
				 struct wf_message *msg, struct args *a)
{
	return reply_attr(
		d, msg, a->path,
		d->ops->link(a->path, a->newpath, &a->st, d->user_data),
		&a->st);
}

static struct wf_outmsg *do_unlink(const struct wfp_dispatch *d,
				   struct wf_message *msg, struct args *a)
{
	return reply_empty(msg, d->ops->unlink(a->path, d->user_data));
}

static struct wf_outmsg *do_rmdir(const struct wfp_dispatch *d,
				  struct wf_message *msg, struct args *a)
{
	return reply_empty(msg, d->ops->rmdir(a->path, d->user_data));
}

static struct wf_outmsg *do_rename(const struct wfp_dispatch *d,
				   struct wf_message *msg, struct args *a)
{
	return reply_empty(msg, d->ops->rename(a->path, a->newpath,
					       (unsigned int)a->flags,
					       d->user_data));
}

/*
 * Whether the attribute named in @a is of a namespace the protocol does not
 * carry (wf_xattr_name_carried()): a service must not reach the labels,
 * capabilities or ACLs of the provider's files, whatever it asks.
 */
static bool refused_name(const struct args *a)
{
	return !wf_xattr_name_carried(a->name, strlen(a->name));
}

static struct wf_outmsg *do_getxattr(const struct wfp_dispatch *d,
				     struct wf_message *msg, struct args *a)
{
	struct wf_outmsg *m;

	if (refused_name(a))
		return fail(msg, -EOPNOTSUPP);
	m = wf_outmsg_reserve(WF_XATTR_MAX);
	if (!m)
		return wfp_dispatch_error(msg->id, -ENOMEM);
	return reply_data(d, msg, m,
			  d->ops->getxattr(a->path, a->name, m->reserved,
					   WF_XATTR_MAX, d->user_data));
}

/*
 * The names of the NUL-terminated list @buf (@n bytes) as a new array, or
 * NULL with *@err set. A name that cannot travel, or is of a namespace
 * that is not carried, is left out.
 */
static json_t *names_json(const char *buf, size_t n, int *err)
{
	json_t *names = json_array();
	size_t len;

	if (!names) {
		*err = -ENOMEM;
		return NULL;
	}
	for (const char *s = buf; s < buf + n; s += len + 1) {
		len = strnlen(s, (size_t)(buf + n - s));
		if (s + len == buf + n) {
			/* Not terminated: the operation broke its contract. */
			*err = -EIO;
			goto out_free;
		}
		if (!wf_xattr_name_valid(s, len) ||
		    !wf_xattr_name_carried(s, len))
			continue;
		if (json_array_append_new(names, json_stringn(s, len))) {
			*err = -ENOMEM;
			goto out_free;
		}
	}
	return names;

out_free:
	json_decref(names);
	return NULL;
}

static struct wf_outmsg *do_listxattr(const struct wfp_dispatch *d,
				      struct wf_message *msg, struct args *a)
{
	char *buf = malloc(WF_XATTR_MAX);
	json_t *names;
	ssize_t n;
	int err;

	if (!buf)
		return wfp_dispatch_error(msg->id, -ENOMEM);
	n = d->ops->listxattr(a->path, buf, WF_XATTR_MAX, d->user_data);
	if (n < 0 || n > (ssize_t)WF_XATTR_MAX) {
		free(buf);
		return fail(msg, n < 0 ? n : -EIO);
	}
	names = names_json(buf, (size_t)n, &err);
	free(buf);
	if (!names)
		return wfp_dispatch_error(msg->id, err);
	return send_result(msg, json_pack("{s:o}", "names", names));
}

static struct wf_outmsg *do_setxattr(const struct wfp_dispatch *d,
				     struct wf_message *msg, struct args *a)
{
	if (refused_name(a))
		return fail(msg, -EOPNOTSUPP);
	return reply_empty(msg,
			   d->ops->setxattr(a->path, a->name, a->data, a->size,
					    a->flags, d->user_data));
}

static struct wf_outmsg *do_removexattr(const struct wfp_dispatch *d,
					struct wf_message *msg, struct args *a)
{
	if (refused_name(a))
		return fail(msg, -EOPNOTSUPP);
	return reply_empty(msg,
			   d->ops->removexattr(a->path, a->name, d->user_data));
}

#define OP(name) offsetof(struct wfp_operations, name)

static const struct method methods[] = {
	{"getattr", do_getattr, NO_OP, P_OPT_HANDLE, 0},
	{"readdir", do_readdir, OP(readdir), 0, 0},
	{"open", do_open, OP(open), P_OPEN, 0},
	{"read", do_read, OP(read), P_HANDLE | P_OFFSET | P_SIZE, 0},
	{"release", do_release, OP(release), P_HANDLE, 0},
	{"readlink", do_readlink, OP(readlink), 0, 0},
	{"statfs", do_statfs, OP(statfs), 0, 0},
	{"access", do_access, OP(access), P_ACCESS, 0},
	{"create", do_create, OP(create), P_MODE | P_OPEN, 0},
	{"write", do_write, OP(write), P_HANDLE | P_OFFSET | P_WRITE_DATA, 0},
	{"flush", do_flush, OP(flush), P_HANDLE, 0},
	{"fsync", do_fsync, OP(fsync), P_OPT_HANDLE | P_DATASYNC, 0},
	{"fallocate", do_fallocate, OP(fallocate),
	 P_HANDLE | P_OFFSET | P_LENGTH | P_FLAGS, WF_FLAGS_FALLOCATE},
	{"setattr", do_setattr, OP(setattr), P_OPT_HANDLE | P_SETATTR, 0},
	{"mkdir", do_mkdir, OP(mkdir), P_MODE, 0},
	{"mknod", do_mknod, OP(mknod), P_MODE | P_TYPE, 0},
	{"symlink", do_symlink, OP(symlink), P_TARGET, 0},
	{"link", do_link, OP(link), P_NEWPATH, 0},
	{"unlink", do_unlink, OP(unlink), 0, 0},
	{"rmdir", do_rmdir, OP(rmdir), 0, 0},
	{"rename", do_rename, OP(rename), P_NEWPATH | P_FLAGS, WF_FLAGS_RENAME},
	{"getxattr", do_getxattr, OP(getxattr), P_NAME, 0},
	{"listxattr", do_listxattr, OP(listxattr), 0, 0},
	{"setxattr", do_setxattr, OP(setxattr), P_NAME | P_XATTR_DATA | P_FLAGS,
	 WF_FLAGS_XATTR},
	{"removexattr", do_removexattr, OP(removexattr), P_NAME, 0},
};

#define METHOD_COUNT (sizeof(methods) / sizeof(methods[0]))

static const struct method *find_method(const char *name)
{
	for (size_t i = 0; i < METHOD_COUNT; i++) {
		if (strcmp(methods[i].name, name) == 0)
			return &methods[i];
	}
	return NULL;
}

/* Whether the operation at offset @op of @ops is set. */
static bool implemented(const struct wfp_operations *ops, size_t op)
{
	void (*fn)(void);

	if (op == NO_OP)
		return true;
	memcpy(&fn, (const char *)ops + op, sizeof(fn));
	return fn != NULL;
}

/* Reads the optional integer @key (0..@max); a missing one keeps @out. */
static int opt_uint(const json_t *params, const char *key, uint64_t max,
		    uint64_t *out)
{
	int rc = wf_field_uint(params, key, max, out);

	return rc == -ENOENT ? 0 : rc;
}

/* Reads the string @key of 1..@max bytes without NUL. */
static int bounded_string(const json_t *params, const char *key, size_t max,
			  const char **out)
{
	size_t len;

	if (wf_field_string(params, key, out, &len) || len == 0 || len > max ||
	    strlen(*out) != len)
		return -EINVAL;
	return 0;
}

/* Whether the "flags" member is missing or an array of strings. */
static bool names_wellformed(const json_t *params)
{
	json_t *names = json_object_get(params, "flags");
	json_t *name;
	size_t i;

	if (!names)
		return true;
	if (!json_is_array(names))
		return false;
	json_array_foreach(names, i, name)
	{
		if (!json_is_string(name))
			return false;
	}
	return true;
}

/* mknod's "type" and "rdev" into a->mode and a->rdev. */
static int decode_node(const json_t *params, struct args *a)
{
	const char *name;
	uint64_t rdev = 0;
	mode_t type;

	if (wf_field_string(params, "type", &name, NULL))
		return -EINVAL;
	type = wf_attr_type_from_name(name);
	if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK &&
	    type != S_IFCHR && type != S_IFBLK)
		return -EINVAL;
	if (opt_uint(params, "rdev", WF_INT_MAX, &rdev))
		return -EINVAL;
	a->mode |= type;
	a->rdev = (dev_t)rdev;
	return 0;
}

/* The "data" member into a->data and a->size, at most @max bytes. */
static const char *decode_data(struct wf_message *msg, size_t max,
			       struct args *a)
{
	int rc = wf_message_data(msg, max, &a->data, &a->size);

	if (rc == -EMSGSIZE)
		return "data too large";
	if (rc == -ENOMEM)
		a->err = rc;
	else if (rc)
		return "invalid data";
	return NULL;
}

/*
 * Decodes the params @m takes from @msg into @a (protocol.md, 3, 6).
 * Returns NULL, or why the params are invalid. An offset and a length or
 * size are each at most 2^53-1: their sum always fits off_t. Unknown names
 * of a flag set are no protocol error but EINVAL (6.3), left in a->err,
 * as is ENOMEM.
 */
static const char *decode(const struct wfp_dispatch *d, const struct method *m,
			  struct wf_message *msg, struct args *a)
{
	const json_t *p = msg->params;
	unsigned int want = m->params;
	uint64_t v = 0;

	memset(a, 0, sizeof(*a));
	a->handle = WFP_NO_HANDLE;
	/* Only a method with data in its params may have an attachment. */
	if (msg->attachment && !(want & P_DATA))
		return "unexpected attachment";
	if (wf_field_path(p, "path", &a->path))
		return "invalid path";
	if (((want & P_HANDLE) &&
	     wf_field_uint(p, "handle", WF_INT_MAX, &a->handle)) ||
	    ((want & P_OPT_HANDLE) &&
	     opt_uint(p, "handle", WF_INT_MAX, &a->handle)))
		return "invalid handle";
	if ((want & P_OFFSET) &&
	    wf_field_uint(p, "offset", WF_INT_MAX, &a->offset))
		return "invalid offset";
	if ((want & P_LENGTH) &&
	    wf_field_uint(p, "length", WF_INT_MAX, &a->length))
		return "invalid length";
	if (want & P_SIZE) {
		if (wf_field_uint(p, "size", WF_INT_MAX, &v))
			return "invalid size";
		if (v > d->max_read)
			return "size exceeds max_read";
		a->size = (size_t)v;
	}
	if (want & P_MODE) {
		if (wf_field_uint(p, "mode", 07777, &v))
			return "invalid mode";
		a->mode = (mode_t)v;
	}
	if ((want & P_TYPE) && decode_node(p, a))
		return "invalid type or rdev";
	if ((want & P_OPEN) && wf_open_from_json(p, &a->flags))
		return "invalid access or flags";
	if ((want & P_ACCESS) && wf_access_from_json(p, &a->mask))
		return "invalid mode";
	if ((want & P_NEWPATH) && wf_field_path(p, "newpath", &a->newpath))
		return "invalid newpath";
	if ((want & P_NAME) && bounded_string(p, "name", WF_NAME_MAX, &a->name))
		return "invalid name";
	if ((want & P_TARGET) &&
	    bounded_string(p, "target", WF_PATH_MAX, &a->target))
		return "invalid target";
	if ((want & P_DATASYNC) && wf_field_bool(p, "datasync", &a->datasync))
		return "invalid datasync";
	if ((want & P_SETATTR) &&
	    wf_setattr_from_json(p, &a->values, &a->to_set))
		return "invalid attributes";
	if (want & P_FLAGS) {
		if (!names_wellformed(p))
			return "invalid flags";
		if (wf_flags_from_json(m->set, p, &a->flags))
			a->err = -EINVAL;
	}
	if (want & P_DATA)
		return decode_data(
			msg,
			(want & P_WRITE_DATA) ? d->max_write : WF_XATTR_MAX, a);
	return NULL;
}

static struct wf_outmsg *answer(const struct wfp_dispatch *d,
				struct wf_message *msg)
{
	const struct method *method = find_method(msg->method);
	const char *invalid;
	struct args a;

	if (!method)
		return wfp_dispatch_protocol_error(
			msg->id, WF_RPC_METHOD_NOT_FOUND, "method not found");
	invalid = decode(d, method, msg, &a);
	if (invalid)
		return wfp_dispatch_protocol_error(
			msg->id, WF_RPC_INVALID_PARAMS, invalid);
	if (a.err)
		return wfp_dispatch_error(msg->id, a.err);
	if (!implemented(d->ops, method->op))
		return wfp_dispatch_error(msg->id, -ENOSYS);
	return method->handler(d, msg, &a);
}

struct wf_outmsg *wfp_dispatch_request(const struct wfp_dispatch *d,
				       struct wf_message *msg)
{
	struct wf_outmsg *m = answer(d, msg);

	if (!m)
		return wfp_dispatch_error(msg->id, -ENOMEM);
	if (m->len > d->max_message) {
		wf_outmsg_destroy(m);
		return wfp_dispatch_error(msg->id, -EMSGSIZE);
	}
	return m;
}
