/* The statfs object of protocol.md 6.2, to and from struct statvfs. */
#ifndef WF_STATFS_H
#define WF_STATFS_H

#include <jansson.h>
#include <sys/statvfs.h>

/*
 * wf_statfs_to_json() - encode @st (borrowed). Returns a new reference or
 * NULL on allocation failure.
 */
json_t *wf_statfs_to_json(const struct statvfs *st);

/*
 * wf_statfs_from_json() - decode and validate a statfs object (borrowed)
 * into @st. Returns 0 or -EINVAL.
 */
int wf_statfs_from_json(const json_t *json, struct statvfs *st);

#endif
