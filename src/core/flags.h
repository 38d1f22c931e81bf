/* POSIX flag bits as the protocol names them: open flags, access modes. */
#ifndef WF_FLAGS_H
#define WF_FLAGS_H

#include <jansson.h>

/*
 * wf_open_to_json() - the "access" and "flags" members of open for the
 * open(2) @flags (protocol.md, 6.2), as a new object; NULL on allocation
 * failure.
 */
json_t *wf_open_to_json(int flags);

/*
 * wf_open_from_json() - the open(2) flags that the "access" and "flags"
 * members of @params (borrowed) name; unknown flag names are ignored.
 * Returns 0, or -EINVAL if a member is malformed.
 */
int wf_open_from_json(const json_t *params, int *flags);

/*
 * wf_access_to_json() - the "mode" member of access for the access(2)
 * @mask, as a new object; NULL on allocation failure.
 */
json_t *wf_access_to_json(int mask);

/*
 * wf_access_from_json() - the access(2) mask that the "mode" member of
 * @params (borrowed) names. Returns 0, or -EINVAL if it is missing or has
 * a letter other than r, w, x.
 */
int wf_access_from_json(const json_t *params, int *mask);

/* The sets of flags whose names travel in a "flags" member (6.3). */
enum wf_flag_set {
	WF_FLAGS_RENAME,    /* RENAME_NOREPLACE, RENAME_EXCHANGE */
	WF_FLAGS_FALLOCATE, /* FALLOC_FL_KEEP_SIZE, _PUNCH_HOLE, _ZERO_RANGE */
	WF_FLAGS_XATTR,	    /* XATTR_CREATE, XATTR_REPLACE */
};

/*
 * wf_flags_to_json() - the names of the bits of @flags in @set, as a new
 * array in @out. Unlike open flags, these change what an operation does:
 * a bit the protocol cannot name is refused.
 * Returns 0, -EINVAL if @flags has a bit @set does not name, or -ENOMEM.
 */
int wf_flags_to_json(enum wf_flag_set set, int flags, json_t **out);

/*
 * wf_flags_from_json() - the bits that the "flags" member of @params
 * (borrowed; missing means none) names in @set.
 * Returns 0, or -EINVAL if the member is malformed or has a name @set does
 * not know: ignoring it would do something else than was asked.
 */
int wf_flags_from_json(enum wf_flag_set set, const json_t *params, int *flags);

#endif
