/* A mounted filesystem: kernel requests become calls to its provider. */
#ifndef WFD_FILESYSTEM_H
#define WFD_FILESYSTEM_H

#include <stdbool.h>

struct lws_vhost;
struct wfd_limits;
struct wfd_session;

struct wfd_filesystem_options {
	const char *name;	/* what providers name in add_filesystem */
	const char *mountpoint; /* borrowed */
	double attr_timeout;	/* seconds the kernel may cache attributes */
	double entry_timeout;	/* seconds the kernel may cache names */
};

/*
 * wfd_filesystem_create() - mount a filesystem at @opts->mountpoint.
 * @opts and @limits are borrowed and must outlive the filesystem.
 * Returns NULL (after logging why) when the mountpoint is unusable or the
 * mount fails.
 */
struct wfd_filesystem *
wfd_filesystem_create(const struct wfd_filesystem_options *opts,
		      const struct wfd_limits *limits);

/*
 * wfd_filesystem_destroy() - fail what is pending, unmount, free.
 * Accepts NULL. Call after the connections are gone.
 */
void wfd_filesystem_destroy(struct wfd_filesystem *fs);

/*
 * wfd_filesystem_adopt() - let the event loop of @vhost watch the FUSE
 * device; its "webfuse-fuse" protocol then calls wfd_filesystem_process().
 * Returns 0 or -errno.
 */
int wfd_filesystem_adopt(struct wfd_filesystem *fs, struct lws_vhost *vhost);

/*
 * wfd_filesystem_process() - handle the kernel requests that are ready.
 * Returns 0, or -ENODEV once the filesystem was unmounted from outside.
 */
int wfd_filesystem_process(struct wfd_filesystem *fs);

/* wfd_filesystem_exited() - whether the mount went away. */
bool wfd_filesystem_exited(const struct wfd_filesystem *fs);

/* wfd_filesystem_name() - the name providers attach to. */
const char *wfd_filesystem_name(const struct wfd_filesystem *fs);

/*
 * wfd_filesystem_attach() - make @s (borrowed until detached) the provider
 * of @fs. @name: borrowed, the name asked for ("" for the default).
 * Returns 0, -ENOENT for another name, -EBUSY if a provider is attached.
 */
int wfd_filesystem_attach(struct wfd_filesystem *fs, struct wfd_session *s,
			  const char *name);

/* wfd_filesystem_detach() - @s stops being the provider of @fs. */
void wfd_filesystem_detach(struct wfd_filesystem *fs, struct wfd_session *s);

#endif
