/* The changes a setattr request carries (protocol.md, 6.3). */
#ifndef WF_SETATTR_H
#define WF_SETATTR_H

#include <jansson.h>
#include <sys/stat.h>

/* What changes; the same bits as WFP_SET_* of <webfuse/provider.h>. */
#define WF_SET_MODE  (1 << 0)
#define WF_SET_UID   (1 << 1)
#define WF_SET_GID   (1 << 2)
#define WF_SET_SIZE  (1 << 3)
#define WF_SET_ATIME (1 << 4) /* tv_nsec UTIME_NOW: "now" */
#define WF_SET_MTIME (1 << 5)
#define WF_SET_ALL                                                            \
	(WF_SET_MODE | WF_SET_UID | WF_SET_GID | WF_SET_SIZE | WF_SET_ATIME | \
	 WF_SET_MTIME)

/*
 * wf_setattr_to_json() - add to @params (borrowed) a member for each change
 * @to_set names, with its value from @values (borrowed).
 * Returns 0, -EINVAL if a value cannot travel (a size below 0, uid or gid
 * -1), or -ENOMEM.
 */
int wf_setattr_to_json(json_t *params, const struct stat *values, int to_set);

/*
 * wf_setattr_from_json() - the changes @params (borrowed) asks for: their
 * bits in @to_set and their values in @values (zeroed first).
 * Returns 0, or -EINVAL if a member is malformed or out of range.
 */
int wf_setattr_from_json(const json_t *params, struct stat *values,
			 int *to_set);

#endif
