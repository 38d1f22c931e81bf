/* A daemon filesystem without a mount or a socket, for the fuzz targets:
 * the kernel's requests are made up, and how they are answered checked. */
#ifndef WF_FUZZ_DAEMON_HARNESS_H
#define WF_FUZZ_DAEMON_HARNESS_H

#include "filesystem_i.h"

#include <stdbool.h>
#include <stdint.h>

/* Bytes of input one kernel request takes: what it is and its knobs. */
#define DH_OP_BYTES 5

/* The operations dh_kernel_op() makes, picked by the low 5 bits of k[0]. */
enum dh_op {
	DH_LOOKUP,
	DH_FORGET,
	DH_GETATTR,
	DH_SETATTR,
	DH_READLINK,
	DH_ACCESS,
	DH_STATFS,
	DH_MKDIR,
	DH_MKNOD,
	DH_SYMLINK,
	DH_LINK,
	DH_UNLINK,
	DH_RMDIR,
	DH_RENAME,
	DH_OPEN,
	DH_CREATE,
	DH_READ,
	DH_WRITE,
	DH_FLUSH,
	DH_FSYNC,
	DH_FALLOCATE,
	DH_RELEASE,
	DH_OPENDIR,
	DH_READDIR,
	DH_READDIRPLUS,
	DH_RELEASEDIR,
	DH_FSYNCDIR,
	DH_GETXATTR,
	DH_LISTXATTR,
	DH_SETXATTR,
	DH_REMOVEXATTR,
	DH_OP_COUNT,
};

/* Bits of k[0] above the operation. */
#define DH_FAIL_REPLY 0x20 /* the kernel gave up: fuse_reply_*() fails */
#define DH_STALE      0x40 /* a handle made up is from an older provider */
#define DH_WITH_FI    0x80 /* getattr, setattr: on an open file */

/*
 * dh_setup() - a filesystem with no provider whose root holds the nodes
 * "file" and "dir", as the kernel knows them. Limits are small, so that
 * they are reached. Returns the filesystem, valid until dh_teardown().
 */
struct wfd_filesystem *dh_setup(void);

/*
 * dh_kernel_op() - the kernel makes request @k[0] with the knobs
 * @k[1..4], on nodes and open files it holds, as libfuse would call the
 * daemon's operation. Skipped when too many requests are waiting.
 */
void dh_kernel_op(const uint8_t k[DH_OP_BYTES]);

/*
 * dh_fire() - an event picked by @pick among those due: a timer the
 * daemon scheduled runs, or a waiting kernel request is interrupted.
 * Returns false when there is none.
 */
bool dh_fire(uint8_t pick);

/* dh_dir_handles() - the open directories the kernel holds. */
unsigned int dh_dir_handles(void);

/*
 * dh_teardown() - check that every kernel request was answered exactly
 * once and no timer is left, then free the open files and nodes. Call
 * after the provider's calls are all finished.
 */
void dh_teardown(void);

#endif
