/* Symbolic POSIX error names as they travel on the wire (protocol.md, 7). */
#include "errno_name.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

struct errno_entry {
	int err;
	const char *name;
};

#define ENTRY(e)      \
	{             \
		e, #e \
	}

/* ENOTSUP equals EOPNOTSUPP on Linux: the first entry wins for encoding. */
static const struct errno_entry errno_table[] = {
	ENTRY(EPERM),	   ENTRY(ENOENT),    ENTRY(EIO),
	ENTRY(ENXIO),	   ENTRY(E2BIG),     ENTRY(EBADF),
	ENTRY(EAGAIN),	   ENTRY(ENOMEM),    ENTRY(EACCES),
	ENTRY(EBUSY),	   ENTRY(EEXIST),    ENTRY(EXDEV),
	ENTRY(ENODEV),	   ENTRY(ENOTDIR),   ENTRY(EISDIR),
	ENTRY(EINVAL),	   ENTRY(ENFILE),    ENTRY(EMFILE),
	ENTRY(ETXTBSY),	   ENTRY(EFBIG),     ENTRY(ENOSPC),
	ENTRY(ESPIPE),	   ENTRY(EROFS),     ENTRY(EMLINK),
	ENTRY(EPIPE),	   ENTRY(ERANGE),    ENTRY(ENAMETOOLONG),
	ENTRY(ENOSYS),	   ENTRY(ENOTEMPTY), ENTRY(ELOOP),
	ENTRY(ENODATA),	   ENTRY(EOVERFLOW), ENTRY(EPROTO),
	ENTRY(EOPNOTSUPP), ENTRY(ENOTSUP),   ENTRY(EPROTONOSUPPORT),
	ENTRY(ETIMEDOUT),  ENTRY(ESTALE),    ENTRY(EDQUOT),
	ENTRY(ECANCELED),  ENTRY(EINTR),
};

#define TABLE_SIZE (sizeof(errno_table) / sizeof(errno_table[0]))

const char *wf_errno_name(int err)
{
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		if (errno_table[i].err == err)
			return errno_table[i].name;
	}
	return "EIO";
}

int wf_errno_from_name(const char *name)
{
	if (!name)
		return EIO;
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		if (strcmp(errno_table[i].name, name) == 0)
			return errno_table[i].err;
	}
	return EIO;
}
