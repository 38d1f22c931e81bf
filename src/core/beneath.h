/* Opening a file beneath a directory, confined by the kernel (openat2). */
#ifndef WF_BENEATH_H
#define WF_BENEATH_H

#include <stdint.h>

/*
 * wf_open_beneath() - openat2(@dirfd, @rel) with @flags | O_CLOEXEC and
 * RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | @resolve: nothing outside
 * @dirfd is reached, not through "..", an absolute path or a symlink.
 * Retries a resolution the kernel saw racing with a rename. Returns the
 * descriptor or a negative errno (-ENOSYS before Linux 5.6).
 */
int wf_open_beneath(int dirfd, const char *rel, int flags, uint64_t resolve);

/* Where the kernel shows a descriptor as the object it refers to. */
#define WF_PROC_FD	 "/proc/self/fd"
#define WF_PROC_PATH_MAX sizeof(WF_PROC_FD "/-2147483648")

/*
 * wf_proc_path() - the WF_PROC_FD path of @fd into @buf (WF_PROC_PATH_MAX
 * bytes): opening it reaches the very object @fd refers to.
 */
void wf_proc_path(int fd, char *buf);

#endif
