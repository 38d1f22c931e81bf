/* Opening a file beneath a directory, confined by the kernel (openat2). */
#include "beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* How often to retry a resolution the kernel saw racing with a rename. */
#define ATTEMPTS 4

int wf_open_beneath(int dirfd, const char *rel, int flags, uint64_t resolve)
{
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_CLOEXEC);
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | resolve;
	for (int i = 0; i < ATTEMPTS; i++) {
		fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN && errno != EINTR)
			break;
	}
	return -errno;
}

void wf_proc_path(int fd, char *buf)
{
	snprintf(buf, WF_PROC_PATH_MAX, WF_PROC_FD "/%d", fd);
}
