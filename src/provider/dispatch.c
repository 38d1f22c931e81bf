/* Answers to the filesystem requests of protocol.md 6.2, via the operations. */
#include "dispatch.h"
#include "attr.h"
#include "dirbuf.h"
#include "field.h"
#include "flags.h"
#include "path.h"
#include "rpc.h"
#include "statfs.h"
#include "utf8.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

typedef struct wf_outmsg *handler_fn(const struct wfp_dispatch *d,
				     struct wf_message *msg, const char *path);

struct method {
	const char *name;
	handler_fn *handler;
	size_t op; /* offset of the operation in struct wfp_operations */
};

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

static struct wf_outmsg *invalid_params(const struct wf_message *msg,
					const char *message)
{
	return wfp_dispatch_protocol_error(msg->id, WF_RPC_INVALID_PARAMS,
					   message);
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

static struct wf_outmsg *do_getattr(const struct wfp_dispatch *d,
				    struct wf_message *msg, const char *path)
{
	struct stat st;
	json_t *attr;
	int rc;

	memset(&st, 0, sizeof(st));
	rc = d->ops->getattr(path, &st, d->user_data);
	if (rc)
		return wfp_dispatch_error(msg->id, rc < 0 ? rc : -EIO);
	attr = attr_json(&st, &rc);
	if (!attr)
		return wfp_dispatch_error(msg->id, rc);
	return send_result(msg, attr);
}

static struct wf_outmsg *do_readdir(const struct wfp_dispatch *d,
				    struct wf_message *msg, const char *path)
{
	struct wfp_dirbuf *buf = wfp_dirbuf_create(d->max_entries);
	struct wf_outmsg *m;
	int rc;

	if (!buf)
		return wfp_dispatch_error(msg->id, -ENOMEM);
	rc = d->ops->readdir(path, buf, d->user_data);
	if (rc == 0)
		rc = wfp_dirbuf_error(buf);
	if (rc)
		m = wfp_dispatch_error(msg->id, rc < 0 ? rc : -EIO);
	else
		m = send_result(msg, json_pack("{s:O}", "entries",
					       wfp_dirbuf_entries(buf)));
	wfp_dirbuf_destroy(buf);
	return m;
}

static struct wf_outmsg *do_open(const struct wfp_dispatch *d,
				 struct wf_message *msg, const char *path)
{
	uint64_t handle = 0;
	int flags, rc;

	if (wf_open_from_json(msg->params, &flags))
		return invalid_params(msg, "invalid access or flags");
	rc = d->ops->open(path, flags, &handle, d->user_data);
	if (rc)
		return wfp_dispatch_error(msg->id, rc < 0 ? rc : -EIO);
	if (handle > (uint64_t)WF_INT_MAX) {
		/* Not representable on the wire: close the file again. */
		if (d->ops->release)
			d->ops->release(path, handle, d->user_data);
		return wfp_dispatch_error(msg->id, -EOVERFLOW);
	}
	return send_result(msg,
			   json_pack("{s:I}", "handle", (json_int_t)handle));
}

/* Fills @buf from the read operation until @size bytes or end of file. */
static ssize_t read_full(const struct wfp_dispatch *d, const char *path,
			 uint64_t handle, char *buf, size_t size,
			 uint64_t offset)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = d->ops->read(path, handle, buf + got, size - got,
					 offset + got, d->user_data);

		if (n < 0)
			return got ? (ssize_t)got : n;
		if ((size_t)n > size - got)
			return -EIO;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static struct wf_outmsg *do_read(const struct wfp_dispatch *d,
				 struct wf_message *msg, const char *path)
{
	uint64_t handle, offset, size;
	struct wf_outmsg *m;
	json_t *response;
	ssize_t n;

	if (wf_field_uint(msg->params, "handle", WF_INT_MAX, &handle) ||
	    wf_field_uint(msg->params, "offset", WF_INT_MAX, &offset) ||
	    wf_field_uint(msg->params, "size", WF_INT_MAX, &size))
		return invalid_params(msg, "invalid handle, offset or size");
	if (size > d->max_read)
		return invalid_params(msg, "size exceeds max_read");

	m = wf_outmsg_reserve(size);
	if (!m)
		return wfp_dispatch_error(msg->id, -ENOMEM);
	n = size ? read_full(d, path, handle, m->reserved, size, offset) : 0;
	if (n < 0) {
		wf_outmsg_destroy(m);
		return wfp_dispatch_error(msg->id, (int)n);
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

static struct wf_outmsg *do_release(const struct wfp_dispatch *d,
				    struct wf_message *msg, const char *path)
{
	uint64_t handle;
	int rc;

	if (wf_field_uint(msg->params, "handle", WF_INT_MAX, &handle))
		return invalid_params(msg, "invalid handle");
	rc = d->ops->release(path, handle, d->user_data);
	if (rc)
		return wfp_dispatch_error(msg->id, rc < 0 ? rc : -EIO);
	return send_result(msg, json_object());
}

static struct wf_outmsg *do_readlink(const struct wfp_dispatch *d,
				     struct wf_message *msg, const char *path)
{
	char target[WF_PATH_MAX + 1];
	size_t len;
	int rc;

	target[0] = '\0';
	rc = d->ops->readlink(path, target, sizeof(target), d->user_data);
	if (rc)
		return wfp_dispatch_error(msg->id, rc < 0 ? rc : -EIO);
	len = strnlen(target, sizeof(target));
	if (len == sizeof(target))
		return wfp_dispatch_error(msg->id, -ENAMETOOLONG);
	if (!wf_utf8_valid(target, len))
		return wfp_dispatch_error(msg->id, -EILSEQ);
	return send_result(msg, json_pack("{s:s%}", "target", target, len));
}

static struct wf_outmsg *do_statfs(const struct wfp_dispatch *d,
				   struct wf_message *msg, const char *path)
{
	struct statvfs st;
	int rc;

	memset(&st, 0, sizeof(st));
	rc = d->ops->statfs(path, &st, d->user_data);
	if (rc)
		return wfp_dispatch_error(msg->id, rc < 0 ? rc : -EIO);
	return send_result(msg, wf_statfs_to_json(&st));
}

static struct wf_outmsg *do_access(const struct wfp_dispatch *d,
				   struct wf_message *msg, const char *path)
{
	int mask, rc;

	if (wf_access_from_json(msg->params, &mask))
		return invalid_params(msg, "invalid mode");
	rc = d->ops->access(path, mask, d->user_data);
	if (rc)
		return wfp_dispatch_error(msg->id, rc < 0 ? rc : -EIO);
	return send_result(msg, json_object());
}

#define OP(name) offsetof(struct wfp_operations, name)

static const struct method methods[] = {
	{"getattr", do_getattr, OP(getattr)},
	{"readdir", do_readdir, OP(readdir)},
	{"open", do_open, OP(open)},
	{"read", do_read, OP(read)},
	{"release", do_release, OP(release)},
	{"readlink", do_readlink, OP(readlink)},
	{"statfs", do_statfs, OP(statfs)},
	{"access", do_access, OP(access)},
};

#define METHOD_COUNT (sizeof(methods) / sizeof(methods[0]))

/* The filesystem methods of protocol.md 6.3 this library does not serve. */
static const char *const later_methods[] = {
	"create", "write",    "flush",	   "fsync",    "fallocate",   "setattr",
	"mkdir",  "mknod",    "symlink",   "link",     "unlink",      "rmdir",
	"rename", "getxattr", "listxattr", "setxattr", "removexattr",
};

#define LATER_COUNT (sizeof(later_methods) / sizeof(later_methods[0]))

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

	memcpy(&fn, (const char *)ops + op, sizeof(fn));
	return fn != NULL;
}

static bool later_method(const char *name)
{
	for (size_t i = 0; i < LATER_COUNT; i++) {
		if (strcmp(later_methods[i], name) == 0)
			return true;
	}
	return false;
}

static struct wf_outmsg *answer(const struct wfp_dispatch *d,
				struct wf_message *msg)
{
	const struct method *method = find_method(msg->method);
	const char *path;

	if (!method) {
		/* A known operation the provider cannot perform. */
		if (later_method(msg->method))
			return wfp_dispatch_error(msg->id, -ENOSYS);
		return wfp_dispatch_protocol_error(
			msg->id, WF_RPC_METHOD_NOT_FOUND, "method not found");
	}
	/* None of the read operations carries data (protocol.md, 4). */
	if (msg->attachment)
		return invalid_params(msg, "unexpected attachment");
	if (wf_field_path(msg->params, "path", &path))
		return invalid_params(msg, "invalid path");
	if (!implemented(d->ops, method->op))
		return wfp_dispatch_error(msg->id, -ENOSYS);
	return method->handler(d, msg, path);
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
