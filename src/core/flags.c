/* POSIX flag bits as the protocol names them: open flags, access modes. */
#include "flags.h"

#include "field.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

struct flag_name {
	int flag;
	const char *name;
};

/* O_SYNC includes the bit of O_DSYNC: the stronger one is named alone. */
static const struct flag_name open_flags[] = {
	{O_APPEND, "append"},	{O_TRUNC, "truncate"}, {O_DIRECT, "direct"},
	{O_NOATIME, "noatime"}, {O_SYNC, "sync"},      {O_DSYNC, "dsync"},
	{O_EXCL, "exclusive"},
};

static const struct flag_name access_modes[] = {
	{O_RDONLY, "read"},
	{O_WRONLY, "write"},
	{O_RDWR, "read-write"},
};

static const struct flag_name rename_flags[] = {
	{RENAME_NOREPLACE, "noreplace"},
	{RENAME_EXCHANGE, "exchange"},
};

static const struct flag_name fallocate_flags[] = {
	{FALLOC_FL_KEEP_SIZE, "keep_size"},
	{FALLOC_FL_PUNCH_HOLE, "punch_hole"},
	{FALLOC_FL_ZERO_RANGE, "zero_range"},
};

static const struct flag_name xattr_flags[] = {
	{XATTR_CREATE, "create"},
	{XATTR_REPLACE, "replace"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct flag_set {
	const struct flag_name *names;
	size_t count;
};

static const struct flag_set flag_sets[] = {
	[WF_FLAGS_RENAME] = {rename_flags, COUNT(rename_flags)},
	[WF_FLAGS_FALLOCATE] = {fallocate_flags, COUNT(fallocate_flags)},
	[WF_FLAGS_XATTR] = {xattr_flags, COUNT(xattr_flags)},
};

json_t *wf_open_to_json(int flags)
{
	const char *access = access_modes[0].name;
	json_t *list = json_array();
	int named = 0;

	for (size_t i = 0; i < COUNT(access_modes); i++) {
		if ((flags & O_ACCMODE) == access_modes[i].flag)
			access = access_modes[i].name;
	}
	for (size_t i = 0; list && i < COUNT(open_flags); i++) {
		int f = open_flags[i].flag;

		if ((flags & f) != f || (named & f) == f)
			continue;
		named |= f;
		if (json_array_append_new(list,
					  json_string(open_flags[i].name))) {
			json_decref(list);
			return NULL;
		}
	}
	if (!list)
		return NULL;
	return json_pack("{s:s, s:o}", "access", access, "flags", list);
}

int wf_open_from_json(const json_t *params, int *flags)
{
	const char *access;
	json_t *names, *name;
	size_t i;
	int result = -1;

	if (wf_field_string(params, "access", &access, NULL))
		return -EINVAL;
	for (size_t k = 0; k < COUNT(access_modes); k++) {
		if (strcmp(access, access_modes[k].name) == 0)
			result = access_modes[k].flag;
	}
	if (result < 0)
		return -EINVAL;

	names = json_object_get(params, "flags");
	if (names && !json_is_array(names))
		return -EINVAL;
	json_array_foreach(names, i, name)
	{
		if (!json_is_string(name))
			return -EINVAL;
		for (size_t k = 0; k < COUNT(open_flags); k++) {
			if (strcmp(json_string_value(name),
				   open_flags[k].name) == 0)
				result |= open_flags[k].flag;
		}
	}
	*flags = result;
	return 0;
}

json_t *wf_access_to_json(int mask)
{
	char mode[4];
	size_t n = 0;

	if (mask & R_OK)
		mode[n++] = 'r';
	if (mask & W_OK)
		mode[n++] = 'w';
	if (mask & X_OK)
		mode[n++] = 'x';
	mode[n] = '\0';
	return json_pack("{s:s}", "mode", mode);
}

int wf_access_from_json(const json_t *params, int *mask)
{
	const char *letters;
	int result = F_OK;

	if (wf_field_string(params, "mode", &letters, NULL))
		return -EINVAL;
	for (const char *c = letters; *c; c++) {
		if (*c == 'r')
			result |= R_OK;
		else if (*c == 'w')
			result |= W_OK;
		else if (*c == 'x')
			result |= X_OK;
		else
			return -EINVAL;
	}
	*mask = result;
	return 0;
}

int wf_flags_to_json(enum wf_flag_set set, int flags, json_t **out)
{
	const struct flag_set *fs = &flag_sets[set];
	json_t *list = json_array();
	int named = 0;

	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < fs->count; i++) {
		if (!(flags & fs->names[i].flag))
			continue;
		named |= fs->names[i].flag;
		if (json_array_append_new(list,
					  json_string(fs->names[i].name))) {
			json_decref(list);
			return -ENOMEM;
		}
	}
	if (named != flags) {
		json_decref(list);
		return -EINVAL;
	}
	*out = list;
	return 0;
}

int wf_flags_from_json(enum wf_flag_set set, const json_t *params, int *flags)
{
	const struct flag_set *fs = &flag_sets[set];
	json_t *names = json_object_get(params, "flags");
	json_t *name;
	int result = 0;
	size_t i;

	if (names && !json_is_array(names))
		return -EINVAL;
	json_array_foreach(names, i, name)
	{
		size_t k;

		if (!json_is_string(name))
			return -EINVAL;
		for (k = 0; k < fs->count; k++) {
			if (strcmp(json_string_value(name),
				   fs->names[k].name) == 0)
				break;
		}
		if (k == fs->count)
			return -EINVAL;
		result |= fs->names[k].flag;
	}
	*flags = result;
	return 0;
}
