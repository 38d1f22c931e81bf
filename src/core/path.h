/* Validation of the paths and names that cross the wire (protocol.md, 3). */
#ifndef WF_PATH_H
#define WF_PATH_H

#include <stdbool.h>
#include <stddef.h>

#define WF_PATH_MAX 4095
#define WF_NAME_MAX 255
/* Bytes of an extended attribute's value, and of a list of their names. */
#define WF_XATTR_MAX 65536u

/*
 * wf_path_valid() - whether @path (@len bytes, may hold NULs) is a protocol
 * path: absolute, no empty, "." or ".." component, no trailing slash, no
 * NUL, components of at most WF_NAME_MAX and a total of at most WF_PATH_MAX
 * bytes.
 */
bool wf_path_valid(const char *path, size_t len);

/*
 * wf_name_valid() - whether @name (@len bytes) is a directory entry name:
 * 1..WF_NAME_MAX bytes, no '/', no NUL, not "." or "..".
 */
bool wf_name_valid(const char *name, size_t len);

/*
 * wf_xattr_name_valid() - whether @name (@len bytes) can travel as the
 * name of an extended attribute: 1..WF_NAME_MAX bytes of UTF-8, no NUL.
 */
bool wf_xattr_name_valid(const char *name, size_t len);

/*
 * wf_xattr_name_carried() - whether the extended attribute @name (@len
 * bytes) belongs to a namespace the protocol carries: every one but
 * "security." and "system." (protocol.md, 6.3). Those hold what the kernel
 * of the machine that keeps the file enforces (labels, capabilities,
 * ACLs); the device's kernel does not read them from the mount, and the
 * provider's must not take them from a remote peer.
 */
bool wf_xattr_name_carried(const char *name, size_t len);

#endif
