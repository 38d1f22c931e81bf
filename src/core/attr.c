/* The attribute object of protocol.md 6.1, to and from struct stat. */
#include "attr.h"
#include "field.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct type_entry {
	mode_t type;
	const char *name;
};

static const struct type_entry type_table[] = {
	{S_IFREG, "reg"},  {S_IFDIR, "dir"},   {S_IFLNK, "lnk"},
	{S_IFIFO, "fifo"}, {S_IFSOCK, "sock"}, {S_IFCHR, "chr"},
	{S_IFBLK, "blk"},
};

#define TYPE_COUNT (sizeof(type_table) / sizeof(type_table[0]))
#define NSEC_MAX   999999999

const char *wf_attr_type_name(mode_t mode)
{
	for (size_t i = 0; i < TYPE_COUNT; i++) {
		if ((mode & S_IFMT) == type_table[i].type)
			return type_table[i].name;
	}
	return NULL;
}

mode_t wf_attr_type_from_name(const char *name)
{
	for (size_t i = 0; i < TYPE_COUNT; i++) {
		if (strcmp(type_table[i].name, name) == 0)
			return type_table[i].type;
	}
	return 0;
}

int wf_attr_time_to_json(json_t *obj, const char *key,
			 const struct timespec *ts)
{
	char ns_key[16];

	snprintf(ns_key, sizeof(ns_key), "%s_ns", key);
	if (json_object_set_new(obj, key, json_integer(ts->tv_sec)))
		return -ENOMEM;
	if (ts->tv_nsec &&
	    json_object_set_new(obj, ns_key, json_integer(ts->tv_nsec)))
		return -ENOMEM;
	return 0;
}

bool wf_attr_representable(const struct stat *st)
{
	return wf_attr_type_name(st->st_mode) && st->st_size >= 0 &&
	       (uint64_t)st->st_size <= (uint64_t)WF_INT_MAX &&
	       st->st_blocks >= 0 &&
	       (uint64_t)st->st_blocks <= (uint64_t)WF_INT_MAX &&
	       st->st_uid != (uid_t)-1 && st->st_gid != (gid_t)-1;
}

json_t *wf_attr_to_json(const struct stat *st)
{
	const char *type = wf_attr_type_name(st->st_mode);

	if (!wf_attr_representable(st))
		return NULL;

	json_t *obj = json_pack(
		"{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "type", type,
		"mode", (json_int_t)(st->st_mode & 07777), "ino",
		(json_int_t)(st->st_ino & WF_INT_MAX), "nlink",
		(json_int_t)st->st_nlink, "uid", (json_int_t)st->st_uid, "gid",
		(json_int_t)st->st_gid, "size", (json_int_t)st->st_size,
		"blocks", (json_int_t)st->st_blocks);
	if (!obj)
		return NULL;
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		if (json_object_set_new(obj, "rdev",
					json_integer((json_int_t)st->st_rdev)))
			goto out_put;
	}
	if (wf_attr_time_to_json(obj, "atime", &st->st_atim) ||
	    wf_attr_time_to_json(obj, "mtime", &st->st_mtim) ||
	    wf_attr_time_to_json(obj, "ctime", &st->st_ctim))
		goto out_put;
	return obj;

out_put:
	json_decref(obj);
	return NULL;
}

/* Reads an optional unsigned member; leaves @out alone when it is absent. */
static int opt_uint(const json_t *obj, const char *key, uint64_t max,
		    uint64_t *out)
{
	int rc = wf_field_uint(obj, key, max, out);

	return rc == -ENOENT ? 0 : rc;
}

int wf_attr_time_from_json(const json_t *obj, const char *key,
			   struct timespec *ts)
{
	char ns_key[16];
	int64_t sec = 0;
	uint64_t nsec = 0;
	int rc;

	snprintf(ns_key, sizeof(ns_key), "%s_ns", key);
	rc = wf_field_int(obj, key, -WF_INT_MAX, WF_INT_MAX, &sec);
	if (rc && rc != -ENOENT)
		return rc;
	rc = opt_uint(obj, ns_key, NSEC_MAX, &nsec);
	if (rc)
		return rc;
	ts->tv_sec = (time_t)sec;
	ts->tv_nsec = (long)nsec;
	return 0;
}

int wf_attr_from_json(const json_t *json, uid_t uid, gid_t gid, struct stat *st)
{
	const char *type_name;
	uint64_t mode, ino = 0, nlink = 1, size = 0, rdev = 0;
	uint64_t owner = uid, group = gid, blocks;
	mode_t type;

	if (!json_is_object(json))
		return -EINVAL;
	if (wf_field_string(json, "type", &type_name, NULL))
		return -EINVAL;
	type = wf_attr_type_from_name(type_name);
	if (!type)
		return -EINVAL;
	if (wf_field_uint(json, "mode", 07777, &mode))
		return -EINVAL;
	if (opt_uint(json, "ino", WF_INT_MAX, &ino) ||
	    opt_uint(json, "nlink", UINT32_MAX, &nlink) ||
	    opt_uint(json, "uid", UINT32_MAX - 1, &owner) ||
	    opt_uint(json, "gid", UINT32_MAX - 1, &group) ||
	    opt_uint(json, "size", WF_INT_MAX, &size) ||
	    opt_uint(json, "rdev", UINT32_MAX, &rdev))
		return -EINVAL;
	blocks = (size + 511) / 512;
	if (opt_uint(json, "blocks", WF_INT_MAX, &blocks))
		return -EINVAL;
	if (json_object_get(json, "xattr") &&
	    !json_is_boolean(json_object_get(json, "xattr")))
		return -EINVAL;

	memset(st, 0, sizeof(*st));
	if (wf_attr_time_from_json(json, "atime", &st->st_atim) ||
	    wf_attr_time_from_json(json, "mtime", &st->st_mtim) ||
	    wf_attr_time_from_json(json, "ctime", &st->st_ctim))
		return -EINVAL;
	st->st_mode = type | (mode_t)mode;
	st->st_ino = ino;
	st->st_nlink = (nlink_t)nlink;
	st->st_uid = (uid_t)owner;
	st->st_gid = (gid_t)group;
	st->st_size = (off_t)size;
	st->st_blocks = (blkcnt_t)blocks;
	st->st_rdev = (dev_t)rdev;
	st->st_blksize = 4096;
	return 0;
}

bool wf_attr_without_xattrs(const json_t *json)
{
	return json_is_false(json_object_get(json, "xattr"));
}
