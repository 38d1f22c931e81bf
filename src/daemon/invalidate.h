/* Makes the kernel drop cached names without ever blocking the loop. */
#ifndef WFD_INVALIDATE_H
#define WFD_INVALIDATE_H

#include <stdint.h>

struct fuse_session;
struct wfd_nodes;

/*
 * wfd_invalidate_children() - make the kernel forget its cached entries for
 * the children of node @parent that @nodes (borrowed) knows.
 *
 * A notification can wait for a lock held by a kernel request that only
 * this loop can answer, so the notifications are written by a short-lived
 * child process while the loop goes on.
 * Returns 0 or -errno (the fork failed).
 */
int wfd_invalidate_children(struct fuse_session *se,
			    const struct wfd_nodes *nodes, uint64_t parent);

#endif
