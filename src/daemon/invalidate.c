/* Makes the kernel drop cached names without ever blocking the loop. */
#include "invalidate.h"

#include "node.h"

#include <errno.h>
#include <fuse_lowlevel.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct target {
	struct fuse_session *se;
	uint64_t parent;
};

static void notify(void *user, const char *name)
{
	struct target *t = user;

	/* -ENOENT only means the kernel had not cached the name. */
	fuse_lowlevel_notify_inval_entry(t->se, t->parent, name, strlen(name));
}

int wfd_invalidate_children(struct fuse_session *se,
			    const struct wfd_nodes *nodes, uint64_t parent)
{
	struct target t = {.se = se, .parent = parent};
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* The grandchild does the work; init reaps it. */
		pid_t worker = fork();

		if (worker != 0)
			_exit(worker < 0);
		wfd_nodes_foreach_child(nodes, parent, notify, &t);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}
