/* The operations that lend a local directory, or one file, confined to it. */
#ifndef WFDIR_DIRECTORY_H
#define WFDIR_DIRECTORY_H

#include <webfuse/provider.h>

#include <stdbool.h>
#include <stddef.h>

/*
 * A lent directory. Every path is resolved beneath the directory by the
 * kernel (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so nothing
 * outside it is ever served or changed: not through "..", not through a
 * symlink, not through one swapped in during a call. An operation on an
 * entry (create, mkdir, mknod, symlink, link, unlink, rmdir, rename)
 * resolves the entry's parent that way and acts on the last component
 * with the *at() call, which never follows it.
 *
 * Symlinks inside are shown as symlinks with their targets verbatim and
 * never followed; a path through a symlink fails with ELOOP, and so does
 * opening or truncating a symlink. Changes of a symlink act on the link
 * itself: chmod answers EOPNOTSUPP, as fchmodat(AT_SYMLINK_NOFOLLOW) does.
 * Only regular files are opened or created: a directory answers EISDIR,
 * any other type ENXIO. O_DIRECT is ignored: the data is copied through
 * buffers it does not suit. Requests on a handle act on the open file,
 * also after it was renamed or unlinked.
 *
 * Bulk writes skip this machine's page cache: a write of at least 256 KiB
 * whose offset and size are multiples of 4096 goes to the disk with
 * O_DIRECT, through the file opened a second time (unless it was opened
 * with O_APPEND, the filesystem refuses O_DIRECT, or cached_writes is
 * set). Copying a stream of writes into the page cache is most of what
 * the provider's CPU does otherwise, and what a remote device writes would
 * evict what this machine caches for itself. Other writes go through the
 * page cache; the kernel keeps the two coherent.
 *
 * Every other error is the errno the local call gives, with these
 * exceptions: mknod of a character or block device answers EPERM, as for
 * an unprivileged user, so that a provider run as root never makes device
 * nodes at a remote user's wish; for the same reason no file is ever made
 * set-user-ID root or set-group-ID root (create, mknod or setattr of such
 * a mode answers EPERM; set-ID bits for other owners, and on directories,
 * are applied). readlink of anything but a symlink answers EINVAL.
 * Extended attributes and setattr without a
 * handle act through /proc/self/fd on the object resolved once, whatever
 * its type: nothing is opened, a FIFO or device neither, and a symlink is
 * changed itself (user.* attributes of a symlink answer EPERM, as the
 * kernel does for them). Without /proc these answer EOPNOTSUPP.
 *
 * Modes are applied as given only when the process's umask is 0 (the
 * protocol's modes have the caller's umask applied already); the
 * webfuse-provider program sets it so.
 *
 * Directory entries whose names are not UTF-8 cannot travel in the
 * protocol and are left out of listings.
 */
struct wfdir;

/* How a directory is lent. */
struct wfdir_options {
	size_t max_open;    /* files open at once, 1 .. 2^20 */
	bool read_only;	    /* refuse every change with EROFS */
	bool cached_writes; /* bulk writes go through the page cache too */
	/*
	 * NULL: the whole directory. Otherwise single-file mode: the name
	 * (borrowed, copied) of the one regular file of the directory that
	 * is lent. The root then lists that entry alone and shows the
	 * directory's attributes; any other path than "/" and "/NAME"
	 * answers ENOENT. The file's content and attributes may change,
	 * but the root's entries may not: creating, removing or renaming an
	 * entry of the root answers EPERM (create of "/NAME" without
	 * O_EXCL opens the file, as for an existing file), and so does
	 * changing the root itself (setattr, setxattr, removexattr); access
	 * of "/" with W_OK answers EACCES.
	 */
	const char *only;
};

/*
 * The operations serving a struct wfdir, which is their user_data. Pass
 * sizeof(wfdir_operations) to wfp_provider_create().
 */
extern const struct wfp_operations wfdir_operations;

/*
 * wfdir_create() - lend the directory @root (borrowed; symlinks in @root
 * itself are followed once, here) as @options (borrowed) say.
 * Returns a new struct wfdir to be freed with wfdir_destroy(), or NULL with
 * errno set: ENOTDIR, ENOENT, EACCES... for @root, EINVAL for max_open or
 * a name that is not an entry name, ENOSYS if the kernel lacks openat2
 * (Linux 5.6), ENOMEM; in single-file mode for the file: ENOENT..., ELOOP
 * if it is a symlink, EISDIR if it is a directory, ENXIO if it is another
 * type than a regular file, EILSEQ if its name is not UTF-8.
 */
struct wfdir *wfdir_create(const char *root,
			   const struct wfdir_options *options);

/* wfdir_destroy() - close every open file and free @dir; accepts NULL. */
void wfdir_destroy(struct wfdir *dir);

#endif
