/* The attribute object of protocol.md 6.1, to and from struct stat. */
#ifndef WF_ATTR_H
#define WF_ATTR_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * wf_attr_representable() - whether @st (borrowed) fits an attribute
 * object: a file type the protocol knows, size and blocks from 0 to
 * 2^53-1, uid and gid other than -1.
 */
bool wf_attr_representable(const struct stat *st);

/*
 * wf_attr_to_json() - encode @st (borrowed) as an attribute object.
 * Returns a new reference, or NULL on allocation failure or when @st is
 * not wf_attr_representable().
 */
json_t *wf_attr_to_json(const struct stat *st);

/*
 * wf_attr_from_json() - decode and validate an attribute object.
 * @json: borrowed. @uid, @gid: owner to use where the object names none.
 * Fills @st completely (st_ino is 0 where the object has none).
 * Returns 0, or -EINVAL if @json is not a valid attribute object.
 */
int wf_attr_from_json(const json_t *json, uid_t uid, gid_t gid,
		      struct stat *st);

/*
 * wf_attr_without_xattrs() - whether the attribute object @json (borrowed,
 * valid) says that the object has no extended attributes ("xattr": false).
 */
bool wf_attr_without_xattrs(const json_t *json);

/*
 * wf_attr_time_to_json() - set the members @key (seconds) and, unless 0,
 * "@key_ns" (nanoseconds) of @obj (borrowed) to @ts (protocol.md, 3).
 * Returns 0 or -ENOMEM.
 */
int wf_attr_time_to_json(json_t *obj, const char *key,
			 const struct timespec *ts);

/*
 * wf_attr_time_from_json() - read the time @key of @obj into @ts; missing
 * members count as 0. Returns 0 or -EINVAL if a member is out of range.
 */
int wf_attr_time_from_json(const json_t *obj, const char *key,
			   struct timespec *ts);

/*
 * wf_attr_type_name() - protocol name of the file type in @mode, or NULL.
 */
const char *wf_attr_type_name(mode_t mode);

/*
 * wf_attr_type_from_name() - S_IF* bits for a protocol type name (borrowed),
 * or 0 if the name is unknown.
 */
mode_t wf_attr_type_from_name(const char *name);

#endif
