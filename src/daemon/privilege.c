/* Giving up root once the mounts are made and the port is open. */
#include "privilege.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int wfd_privilege_drop(const char *user, const char *group, char *why,
		       size_t size)
{
	struct passwd *pw;
	struct group *gr;
	uid_t uid;
	gid_t gid;
	int err;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(why, size, "no user is named \"%s\"", user);
		return errno ? -errno : -ENOENT;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (group) {
		errno = 0;
		gr = getgrnam(group);
		if (!gr) {
			snprintf(why, size, "no group is named \"%s\"", group);
			return errno ? -errno : -ENOENT;
		}
		gid = gr->gr_gid;
	}
	if (geteuid() != 0) {
		snprintf(why, size, "only root can become user \"%s\"", user);
		return -EPERM;
	}
	/* Groups first: setuid() takes the right to change them. */
	if (initgroups(user, gid) || setgid(gid) || setuid(uid)) {
		err = errno;
		snprintf(why, size, "cannot become user \"%s\": %s", user,
			 strerror(err));
		return -err;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(why, size, "root could be regained after the switch");
		return -EPERM;
	}
	return 0;
}
