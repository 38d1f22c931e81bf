/* The changes a setattr request carries (protocol.md, 6.3). */
#include "setattr.h"

#include "attr.h"
#include "field.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define NOW "now"

static int time_to_json(json_t *params, const char *key,
			const struct timespec *ts)
{
	if (ts->tv_nsec == UTIME_NOW)
		return json_object_set_new(params, key, json_string(NOW))
			       ? -ENOMEM
			       : 0;
	if (ts->tv_nsec < 0 || ts->tv_nsec > 999999999)
		return -EINVAL;
	return wf_attr_time_to_json(params, key, ts);
}

int wf_setattr_to_json(json_t *params, const struct stat *values, int to_set)
{
	int rc = 0;

	if (((to_set & WF_SET_SIZE) &&
	     (values->st_size < 0 || values->st_size > WF_INT_MAX)) ||
	    ((to_set & WF_SET_UID) && values->st_uid == (uid_t)-1) ||
	    ((to_set & WF_SET_GID) && values->st_gid == (gid_t)-1))
		return -EINVAL;
	if ((to_set & WF_SET_MODE) &&
	    json_object_set_new(params, "mode",
				json_integer(values->st_mode & 07777)))
		return -ENOMEM;
	if ((to_set & WF_SET_UID) &&
	    json_object_set_new(params, "uid", json_integer(values->st_uid)))
		return -ENOMEM;
	if ((to_set & WF_SET_GID) &&
	    json_object_set_new(params, "gid", json_integer(values->st_gid)))
		return -ENOMEM;
	if ((to_set & WF_SET_SIZE) &&
	    json_object_set_new(params, "size", json_integer(values->st_size)))
		return -ENOMEM;
	if (to_set & WF_SET_ATIME)
		rc = time_to_json(params, "atime", &values->st_atim);
	if (!rc && (to_set & WF_SET_MTIME))
		rc = time_to_json(params, "mtime", &values->st_mtim);
	return rc;
}

/* Reads the time @key: "now", or seconds and optional nanoseconds. */
static int time_from_json(const json_t *params, const char *key,
			  struct timespec *ts)
{
	const json_t *value = json_object_get(params, key);

	if (json_is_string(value)) {
		if (strcmp(json_string_value(value), NOW) != 0)
			return -EINVAL;
		ts->tv_sec = 0;
		ts->tv_nsec = UTIME_NOW;
		return 0;
	}
	if (!json_is_integer(value))
		return -EINVAL;
	return wf_attr_time_from_json(params, key, ts);
}

/* Reads the optional integer @key (0..@max): @bit joins *@set if present. */
static int opt_uint(const json_t *params, const char *key, uint64_t max,
		    int bit, int *set, uint64_t *out)
{
	int rc = wf_field_uint(params, key, max, out);

	if (rc == -ENOENT)
		return 0;
	if (rc == 0)
		*set |= bit;
	return rc;
}

int wf_setattr_from_json(const json_t *params, struct stat *values, int *to_set)
{
	uint64_t mode = 0, uid = 0, gid = 0, size = 0;
	int set = 0;

	memset(values, 0, sizeof(*values));
	if (opt_uint(params, "mode", 07777, WF_SET_MODE, &set, &mode) ||
	    opt_uint(params, "uid", UINT32_MAX - 1, WF_SET_UID, &set, &uid) ||
	    opt_uint(params, "gid", UINT32_MAX - 1, WF_SET_GID, &set, &gid) ||
	    opt_uint(params, "size", WF_INT_MAX, WF_SET_SIZE, &set, &size))
		return -EINVAL;
	values->st_mode = (mode_t)mode;
	values->st_uid = (uid_t)uid;
	values->st_gid = (gid_t)gid;
	values->st_size = (off_t)size;
	if (json_object_get(params, "atime")) {
		if (time_from_json(params, "atime", &values->st_atim))
			return -EINVAL;
		set |= WF_SET_ATIME;
	}
	if (json_object_get(params, "mtime")) {
		if (time_from_json(params, "mtime", &values->st_mtim))
			return -EINVAL;
		set |= WF_SET_MTIME;
	}
	*to_set = set;
	return 0;
}
