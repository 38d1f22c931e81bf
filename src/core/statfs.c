/* The statfs object of protocol.md 6.2, to and from struct statvfs. */
#include "statfs.h"
#include "field.h"
#include "path.h"

#include <errno.h>
#include <string.h>

/* Counts beyond what every peer represents are sent as the largest. */
static json_int_t clamp(uint64_t v)
{
	return v > (uint64_t)WF_INT_MAX ? WF_INT_MAX : (json_int_t)v;
}

json_t *wf_statfs_to_json(const struct statvfs *st)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "bsize",
			 clamp(st->f_bsize), "frsize", clamp(st->f_frsize),
			 "blocks", clamp(st->f_blocks), "bfree",
			 clamp(st->f_bfree), "bavail", clamp(st->f_bavail),
			 "files", clamp(st->f_files), "ffree",
			 clamp(st->f_ffree), "namemax", clamp(st->f_namemax));
}

int wf_statfs_from_json(const json_t *json, struct statvfs *st)
{
	static const char *const keys[] = {"bsize", "frsize", "blocks",
					   "bfree", "bavail", "files",
					   "ffree", "namemax"};
	uint64_t v[8] = {0, 0, 0, 0, 0, 0, 0, WF_NAME_MAX};

	if (!json_is_object(json))
		return -EINVAL;
	for (size_t i = 0; i < 8; i++) {
		int rc = wf_field_uint(json, keys[i], WF_INT_MAX, &v[i]);

		if (rc && rc != -ENOENT)
			return -EINVAL;
	}
	if (v[7] > WF_NAME_MAX)
		v[7] = WF_NAME_MAX;

	memset(st, 0, sizeof(*st));
	st->f_bsize = v[0];
	st->f_frsize = v[1];
	st->f_blocks = v[2];
	st->f_bfree = v[3];
	st->f_bavail = v[4];
	st->f_files = v[5];
	st->f_ffree = v[6];
	st->f_favail = v[6];
	st->f_namemax = v[7];
	return 0;
}
