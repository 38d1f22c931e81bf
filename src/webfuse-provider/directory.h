/* The operations that lend a local directory, read-only and confined to it. */
#ifndef WFDIR_DIRECTORY_H
#define WFDIR_DIRECTORY_H

#include <webfuse/provider.h>

#include <stddef.h>

/*
 * A lent directory. Every path is resolved beneath the directory by the
 * kernel (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so nothing
 * outside it is ever served: not through "..", not through a symlink, not
 * through one swapped in during a call. Symlinks inside are shown as
 * symlinks with their targets verbatim and never followed; a path through
 * a symlink fails with ELOOP. Only regular files are opened, for reading
 * only: opening for writing answers EROFS, opening a directory EISDIR and
 * any other type ENXIO. Directory entries whose names are not UTF-8 cannot
 * travel in the protocol and are left out of listings.
 */
struct wfdir;

/*
 * The operations serving a struct wfdir, which is their user_data. Pass
 * sizeof(wfdir_operations) to wfp_provider_create().
 */
extern const struct wfp_operations wfdir_operations;

/*
 * wfdir_create() - lend the directory @root (borrowed; symlinks in @root
 * itself are followed once, here) with at most @max_open files open at
 * once (1 .. 2^20).
 * Returns a new struct wfdir to be freed with wfdir_destroy(), or NULL with
 * errno set: ENOTDIR, ENOENT, EACCES... for @root, EINVAL for @max_open,
 * ENOSYS if the kernel lacks openat2 (Linux 5.6), ENOMEM.
 */
struct wfdir *wfdir_create(const char *root, size_t max_open);

/* wfdir_destroy() - close every open file and free @dir; accepts NULL. */
void wfdir_destroy(struct wfdir *dir);

#endif
