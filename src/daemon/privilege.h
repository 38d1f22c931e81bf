/* Giving up root once the mounts are made and the port is open. */
#ifndef WFD_PRIVILEGE_H
#define WFD_PRIVILEGE_H

#include <stddef.h>

/*
 * wfd_privilege_drop() - run as @user (its supplementary groups too) and
 * as @group, or the user's primary group when @group is NULL. Needs root;
 * afterwards root cannot be regained.
 * Returns 0, or -errno with the reason in @why (@size bytes).
 */
int wfd_privilege_drop(const char *user, const char *group, char *why,
		       size_t size);

#endif
