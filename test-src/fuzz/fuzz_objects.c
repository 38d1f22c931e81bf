/* Fuzz target: the protocol's objects as each side decodes them (attr,
 * statfs, setattr changes, open/access/flag names, errors, listings,
 * typed fields), each decoded, encoded again and decoded back. */
#include "harness.h"

#include "attr.h"
#include "errno_name.h"
#include "field.h"
#include "flags.h"
#include "listing.h"
#include "path.h"
#include "rpc.h"
#include "setattr.h"
#include "statfs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Input: one byte picks the decoder, the rest is the JSON it decodes. */
enum decoder {
	D_ATTR,
	D_STATFS,
	D_SETATTR,
	D_OPEN,
	D_ACCESS,
	D_RENAME_FLAGS,
	D_FALLOCATE_FLAGS,
	D_XATTR_FLAGS,
	D_ERROR,
	D_LISTING,
	D_FIELDS,
	D_COUNT,
};

#define OWNER 1000

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Checks what wf_attr_from_json() accepted as @st, and its way back. */
static void check_attr(const struct stat *st)
{
	struct stat back;
	json_t *json;

	FUZZ_CHECK(wf_attr_type_name(st->st_mode));
	FUZZ_CHECK(wf_attr_representable(st));
	json = wf_attr_to_json(st);
	if (!json)
		return;
	FUZZ_CHECK(wf_attr_from_json(json, OWNER + 1, OWNER + 1, &back) == 0);
	json_decref(json);
	FUZZ_CHECK(back.st_mode == st->st_mode && back.st_ino == st->st_ino);
	FUZZ_CHECK(back.st_nlink == st->st_nlink);
	FUZZ_CHECK(back.st_uid == st->st_uid && back.st_gid == st->st_gid);
	FUZZ_CHECK(back.st_size == st->st_size);
	FUZZ_CHECK(back.st_blocks == st->st_blocks);
	/* rdev travels only for devices (protocol.md, 6.1). */
	FUZZ_CHECK(!(S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) ||
		   back.st_rdev == st->st_rdev);
	FUZZ_CHECK(same_time(&back.st_atim, &st->st_atim));
	FUZZ_CHECK(same_time(&back.st_mtim, &st->st_mtim));
	FUZZ_CHECK(same_time(&back.st_ctim, &st->st_ctim));
}

static void decode_attr(const json_t *json)
{
	struct stat st;

	if (wf_attr_from_json(json, OWNER, OWNER, &st) == 0)
		check_attr(&st);
}

static void decode_statfs(const json_t *json)
{
	struct statvfs st, back;
	json_t *again;

	if (wf_statfs_from_json(json, &st))
		return;
	FUZZ_CHECK(st.f_namemax <= WF_NAME_MAX);
	again = wf_statfs_to_json(&st);
	if (!again)
		return;
	FUZZ_CHECK(wf_statfs_from_json(again, &back) == 0);
	json_decref(again);
	FUZZ_CHECK(!memcmp(&st, &back, sizeof(st)));
}

static void decode_setattr(const json_t *json)
{
	struct stat values, back;
	int to_set, to_set2, rc;
	json_t *again;

	if (wf_setattr_from_json(json, &values, &to_set))
		return;
	FUZZ_CHECK((to_set & ~WF_SET_ALL) == 0);
	FUZZ_CHECK((values.st_mode & ~07777) == 0);
	again = json_object();
	if (!again)
		return;
	rc = wf_setattr_to_json(again, &values, to_set);
	FUZZ_CHECK(rc == 0 || rc == -ENOMEM);
	if (rc == 0) {
		FUZZ_CHECK(wf_setattr_from_json(again, &back, &to_set2) == 0);
		FUZZ_CHECK(to_set2 == to_set);
		FUZZ_CHECK(!(to_set & WF_SET_MODE) ||
			   back.st_mode == values.st_mode);
		FUZZ_CHECK(!(to_set & WF_SET_UID) ||
			   back.st_uid == values.st_uid);
		FUZZ_CHECK(!(to_set & WF_SET_GID) ||
			   back.st_gid == values.st_gid);
		FUZZ_CHECK(!(to_set & WF_SET_SIZE) ||
			   back.st_size == values.st_size);
		FUZZ_CHECK(!(to_set & WF_SET_ATIME) ||
			   same_time(&back.st_atim, &values.st_atim));
		FUZZ_CHECK(!(to_set & WF_SET_MTIME) ||
			   same_time(&back.st_mtim, &values.st_mtim));
	}
	json_decref(again);
}

static void decode_open(const json_t *json)
{
	const int known = O_ACCMODE | O_APPEND | O_TRUNC | O_DIRECT |
			  O_NOATIME | O_SYNC | O_DSYNC | O_EXCL;
	int flags, back;
	json_t *again;

	if (wf_open_from_json(json, &flags))
		return;
	FUZZ_CHECK((flags & ~known) == 0);
	FUZZ_CHECK((flags & O_ACCMODE) != O_ACCMODE);
	again = wf_open_to_json(flags);
	if (!again)
		return;
	FUZZ_CHECK(wf_open_from_json(again, &back) == 0);
	json_decref(again);
	FUZZ_CHECK(back == flags);
}

static void decode_access(const json_t *json)
{
	int mask, back;
	json_t *again;

	if (wf_access_from_json(json, &mask))
		return;
	FUZZ_CHECK((mask & ~(R_OK | W_OK | X_OK)) == 0);
	again = wf_access_to_json(mask);
	if (!again)
		return;
	FUZZ_CHECK(wf_access_from_json(again, &back) == 0);
	json_decref(again);
	FUZZ_CHECK(back == mask);
}

static void decode_flags(enum wf_flag_set set, const json_t *json)
{
	json_t *names, *params;
	int flags, back, rc;

	if (wf_flags_from_json(set, json, &flags))
		return;
	/* Every bit decoded has a name: it is sent the same way. */
	rc = wf_flags_to_json(set, flags, &names);
	FUZZ_CHECK(rc == 0 || rc == -ENOMEM);
	if (rc)
		return;
	params = json_pack("{s:o}", "flags", names);
	if (!params)
		return;
	FUZZ_CHECK(wf_flags_from_json(set, params, &back) == 0);
	json_decref(params);
	FUZZ_CHECK(back == flags);
}

static void decode_error(const json_t *json)
{
	int err = wf_rpc_error_errno(json);

	FUZZ_CHECK(err < 0 && err > -4096);
	FUZZ_CHECK(-wf_errno_from_name(wf_errno_name(-err)) == err);
}

static void decode_listing(const json_t *json, uint8_t max)
{
	struct wfd_listing *l;
	size_t count;
	int rc;

	rc = wfd_listing_create(json, max, OWNER, OWNER, &l);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	if (rc)
		return;
	count = wfd_listing_count(l);
	FUZZ_CHECK(count <= max);
	for (size_t i = 0; i < count; i++) {
		const char *name = wfd_listing_name(l, i);

		FUZZ_CHECK(wf_name_valid(name, strlen(name)));
		check_attr(wfd_listing_attr(l, i));
		for (size_t k = 0; k < i; k++)
			FUZZ_CHECK(strcmp(name, wfd_listing_name(l, k)) != 0);
	}
	wfd_listing_destroy(l);
}

/* The typed accessors every decoder builds on, on the member "v". */
static void decode_fields(const json_t *json)
{
	const char *s;
	uint64_t u;
	int64_t i;
	size_t len;
	bool b;

	if (wf_field_uint(json, "v", WF_INT_MAX, &u) == 0)
		FUZZ_CHECK(u <= (uint64_t)WF_INT_MAX);
	if (wf_field_uint(json, "v", UINT64_MAX, &u) == 0)
		FUZZ_CHECK(u <= (uint64_t)INT64_MAX);
	if (wf_field_int(json, "v", -WF_INT_MAX, WF_INT_MAX, &i) == 0)
		FUZZ_CHECK(i >= -WF_INT_MAX && i <= WF_INT_MAX);
	if (wf_field_string(json, "v", &s, &len) == 0)
		FUZZ_CHECK(strlen(s) <= len);
	if (wf_field_path(json, "v", &s) == 0)
		FUZZ_CHECK(s[0] == '/' && !strstr(s, "/../") &&
			   wf_path_valid(s, strlen(s)));
	(void)wf_field_bool(json, "v", &b);
	(void)wf_field_has_name(json, "v", "binary");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	uint8_t pick = fuzz_byte(&in);
	json_t *json;

	json = json_loadb((const char *)in.data, in.size,
			  JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
	if (!json)
		return 0;
	switch ((enum decoder)(pick % D_COUNT)) {
	case D_ATTR:
		decode_attr(json);
		break;
	case D_STATFS:
		decode_statfs(json);
		break;
	case D_SETATTR:
		decode_setattr(json);
		break;
	case D_OPEN:
		decode_open(json);
		break;
	case D_ACCESS:
		decode_access(json);
		break;
	case D_RENAME_FLAGS:
		decode_flags(WF_FLAGS_RENAME, json);
		break;
	case D_FALLOCATE_FLAGS:
		decode_flags(WF_FLAGS_FALLOCATE, json);
		break;
	case D_XATTR_FLAGS:
		decode_flags(WF_FLAGS_XATTR, json);
		break;
	case D_ERROR:
		decode_error(json);
		break;
	case D_LISTING:
		/* The high bits of the first byte set max_entries. */
		decode_listing(json, (uint8_t)(pick / D_COUNT));
		break;
	case D_FIELDS:
	case D_COUNT:
		decode_fields(json);
		break;
	}
	json_decref(json);
	return 0;
}
