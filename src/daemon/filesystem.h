/* A mounted filesystem: kernel requests become calls to its provider. */
#ifndef WFD_FILESYSTEM_H
#define WFD_FILESYSTEM_H

#include <stdbool.h>
#include <stddef.h>

struct lws_vhost;
struct wfd_limits;
struct wfd_session;

struct wfd_filesystem_options {
	const char *name;	/* what providers name in add_filesystem */
	const char *mountpoint; /* borrowed */
	double attr_timeout;	/* seconds the kernel may cache attributes */
	double entry_timeout;	/* seconds the kernel may cache names */
	bool read_only;		/* mounted read-only: changes fail, EROFS */
	bool allow_other;	/* every user may enter; the kernel checks
				 * the modes (default_permissions) */
	bool takeover;		/* a new provider replaces the attached one */
	bool auto_unmount;	/* fusermount3 unmounts when the daemon ends,
				 * even after it gave up root */
	long long uid;		/* owner of every file, or -1: as the
				 * provider says (missing: the daemon's) */
	long long gid;		/* group of every file, or -1: likewise */
};

/* The filesystems of one daemon; a provider chooses one by name. */
struct wfd_filesystem_set {
	struct wfd_filesystem **items;
	size_t count;
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

/*
 * wfd_filesystem_end() - the FUSE device is not watched any more: count
 * the filesystem as unmounted from outside.
 */
void wfd_filesystem_end(struct wfd_filesystem *fs);

/*
 * wfd_filesystem_shrink() - free the buffer kernel requests are read into
 * (max_write and more, all of it touched by a write), which the next
 * request allocates again, and the listings asked ahead (ahead.h) that
 * nobody opened. For when webfused has gone idle.
 */
void wfd_filesystem_shrink(struct wfd_filesystem *fs);

/* wfd_filesystem_exited() - whether the mount went away. */
bool wfd_filesystem_exited(const struct wfd_filesystem *fs);

/* wfd_filesystem_name() - the name providers attach to. */
const char *wfd_filesystem_name(const struct wfd_filesystem *fs);

/*
 * wfd_filesystem_find() - the mounted filesystem of @set named @name; ""
 * names the only one when there is one. Returns NULL when none is.
 */
struct wfd_filesystem *wfd_filesystem_find(const struct wfd_filesystem_set *set,
					   const char *name);

/* wfd_filesystem_mountpoint() - where it is mounted. */
const char *wfd_filesystem_mountpoint(const struct wfd_filesystem *fs);

/* wfd_filesystem_label() - its name, or its mountpoint if it has none. */
const char *wfd_filesystem_label(const struct wfd_filesystem *fs);

/* wfd_filesystem_provider() - the session attached to @fs, or NULL. */
struct wfd_session *wfd_filesystem_provider(const struct wfd_filesystem *fs);

/*
 * wfd_filesystem_attach() - make @s (borrowed until detached) the provider
 * of @fs. If one is attached and @fs takes over, it is detached and
 * returned in @replaced (else NULL), for the caller to close.
 * Returns 0, or -EBUSY if a provider is attached and stays.
 */
int wfd_filesystem_attach(struct wfd_filesystem *fs, struct wfd_session *s,
			  struct wfd_session **replaced);

/* wfd_filesystem_detach() - @s stops being the provider of @fs. */
void wfd_filesystem_detach(struct wfd_filesystem *fs, struct wfd_session *s);

#endif
