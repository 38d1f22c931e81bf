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

#endif
