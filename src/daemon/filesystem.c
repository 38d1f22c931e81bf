/* A mounted filesystem: kernel requests become calls to its provider. */
#include "filesystem_i.h"

#include "ahead.h"
#include "invalidate.h"
#include "limit.h"
#include "log.h"
#include "node.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Kernel requests handled per wake-up, so that sockets get their turn. */
#define PROCESS_BATCH 32
/* How long the kernel may take to send INIT after mounting. */
#define INIT_WAIT_MS 10000

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct wfd_filesystem *fs = userdata;

	/* Must repeat the max_read mount option, or libfuse refuses. */
	conn->max_read = fs->limits->max_read;
	if (conn->max_write > fs->limits->max_write)
		conn->max_write = fs->limits->max_write;
	/* Listings carry attributes: every readdir is a readdirplus. */
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
}

static const struct fuse_lowlevel_ops operations = {
	.init = op_init,
	.lookup = wfd_op_lookup,
	.forget = wfd_op_forget,
	.forget_multi = wfd_op_forget_multi,
	.getattr = wfd_op_getattr,
	.setattr = wfd_op_setattr,
	.readlink = wfd_op_readlink,
	.access = wfd_op_access,
	.statfs = wfd_op_statfs,
	.mkdir = wfd_op_mkdir,
	.mknod = wfd_op_mknod,
	.symlink = wfd_op_symlink,
	.link = wfd_op_link,
	.unlink = wfd_op_unlink,
	.rmdir = wfd_op_rmdir,
	.rename = wfd_op_rename,
	.open = wfd_op_open,
	.create = wfd_op_create,
	.read = wfd_op_read,
	.write = wfd_op_write,
	.flush = wfd_op_flush,
	.fsync = wfd_op_fsync,
	.fallocate = wfd_op_fallocate,
	.release = wfd_op_release,
	.opendir = wfd_op_opendir,
	.readdir = wfd_op_readdir,
	.readdirplus = wfd_op_readdirplus,
	.releasedir = wfd_op_releasedir,
	.fsyncdir = wfd_op_fsyncdir,
	.getxattr = wfd_op_getxattr,
	.listxattr = wfd_op_listxattr,
	.setxattr = wfd_op_setxattr,
	.removexattr = wfd_op_removexattr,
};

/* ---- mount and event loop ---------------------------------------------- */

/* Checks the mountpoint; clears a stale FUSE mount left on it. */
static int check_mountpoint(const char *mountpoint)
{
	struct stat st;

	if (stat(mountpoint, &st) && errno == ENOTCONN) {
		wfd_log(WFD_LOG_WARN, "clearing stale mount at %s", mountpoint);
		if (umount2(mountpoint, MNT_DETACH)) {
			wfd_log(WFD_LOG_ERROR,
				"mountpoint %s holds a stale mount that cannot "
				"be cleared: %s",
				mountpoint, strerror(errno));
			return -EBUSY;
		}
	}
	if (stat(mountpoint, &st)) {
		int err = errno;

		wfd_log(WFD_LOG_ERROR, "mountpoint %s: %s", mountpoint,
			strerror(err));
		return -err;
	}
	if (!S_ISDIR(st.st_mode)) {
		wfd_log(WFD_LOG_ERROR, "mountpoint %s is not a directory",
			mountpoint);
		return -ENOTDIR;
	}
	return 0;
}

/*
 * Answers the kernel's INIT, the first request of every mount, so that
 * the mount is complete before anything else happens (its read-ahead can
 * only be raised afterwards). Waits at most INIT_WAIT_MS for it.
 */
static int answer_init(struct wfd_filesystem *fs)
{
	struct pollfd pfd = {.fd = fuse_session_fd(fs->se), .events = POLLIN};
	int res;

	res = poll(&pfd, 1, INIT_WAIT_MS);
	if (res <= 0) {
		wfd_log(WFD_LOG_ERROR,
			"the kernel did not start the mount at %s",
			fs->opts->mountpoint);
		return -ETIMEDOUT;
	}
	res = fuse_session_receive_buf(fs->se, &fs->buf);
	if (res <= 0) {
		wfd_log(WFD_LOG_ERROR, "reading the FUSE device: %s",
			strerror(res ? -res : EIO));
		return res ? res : -EIO;
	}
	fuse_session_process_buf(fs->se, &fs->buf);
	return 0;
}

/*
 * Lets the kernel read ahead as much as one read may ask for (max_read),
 * not the 128 KiB a mount starts with: a sequential reader then has whole
 * max_read requests under way. Only root may; failing costs only speed.
 */
static void raise_readahead(struct wfd_filesystem *fs)
{
	char path[64];
	struct statx stx;
	bool ok = false;
	FILE *f;

	/* Only the mount's device is needed: no call to the mount itself,
	 * which this thread would have to answer. */
	if (statx(AT_FDCWD, fs->opts->mountpoint, AT_STATX_DONT_SYNC, 0, &stx))
		return;
	snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb",
		 stx.stx_dev_major, stx.stx_dev_minor);
	f = fopen(path, "w");
	if (f) {
		ok = fprintf(f, "%u\n", fs->limits->max_read / 1024) > 0;
		ok = fclose(f) == 0 && ok;
	}
	if (!ok)
		wfd_log(WFD_LOG_DEBUG, "cannot raise the read-ahead of %s: %s",
			fs->opts->mountpoint, strerror(errno));
}

static struct fuse_session *mount_session(struct wfd_filesystem *fs)
{
	const struct wfd_filesystem_options *opts = fs->opts;
	char options[256];
	struct fuse_session *se;

	snprintf(options, sizeof(options),
		 "fsname=webfuse%s%s,subtype=webfuse,max_read=%u%s%s%s",
		 opts->name[0] ? ":" : "", opts->name,
		 (unsigned int)fs->limits->max_read,
		 opts->read_only ? ",ro" : "",
		 opts->allow_other ? ",allow_other,default_permissions" : "",
		 opts->auto_unmount ? ",auto_unmount" : "");
	char *argv[] = {"webfused", "-o", options, NULL};
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);

	se = fuse_session_new(&args, &operations, sizeof(operations), fs);
	fuse_opt_free_args(&args);
	if (!se) {
		wfd_log(WFD_LOG_ERROR, "cannot create the FUSE session for %s",
			opts->mountpoint);
		return NULL;
	}
	if (fuse_session_mount(se, fs->opts->mountpoint)) {
		wfd_log(WFD_LOG_ERROR, "cannot mount at %s", opts->mountpoint);
		fuse_session_destroy(se);
		return NULL;
	}
	return se;
}

/* Logs 'filesystem "NAME" @event MOUNTPOINT@note' (unnamed: no NAME part). */
static void log_event(const struct wfd_filesystem *fs, const char *event,
		      const char *note)
{
	const char *name = fs->opts->name;

	wfd_log(WFD_LOG_INFO, "%s%s%s%s %s%s", name[0] ? "filesystem \"" : "",
		name, name[0] ? "\" " : "", event, fs->opts->mountpoint, note);
}

struct wfd_filesystem *
wfd_filesystem_create(const struct wfd_filesystem_options *opts,
		      const struct wfd_limits *limits)
{
	struct wfd_filesystem *fs;

	if (check_mountpoint(opts->mountpoint))
		return NULL;
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	fs->opts = opts;
	fs->limits = limits;
	fs->uid = opts->uid >= 0 ? (uid_t)opts->uid : getuid();
	fs->gid = opts->gid >= 0 ? (gid_t)opts->gid : getgid();
	clock_gettime(CLOCK_REALTIME, &fs->started);
	fs->nodes = wfd_nodes_create();
	fs->ahead = wfd_ahead_create();
	if (!fs->nodes || !fs->ahead)
		goto out_destroy_nodes;
	fs->se = mount_session(fs);
	if (!fs->se)
		goto out_destroy_nodes;
	if (answer_init(fs))
		goto out_unmount;
	raise_readahead(fs);
	log_event(fs, "mounted at", opts->read_only ? " (read-only)" : "");
	return fs;

out_unmount:
	fuse_session_unmount(fs->se);
	fuse_session_destroy(fs->se);
	free(fs->buf.mem);
out_destroy_nodes:
	wfd_ahead_destroy(fs->ahead);
	wfd_nodes_destroy(fs->nodes);
	free(fs);
	return NULL;
}

void wfd_filesystem_shrink(struct wfd_filesystem *fs)
{
	/* fuse_session_receive_buf() allocates it when it is NULL. */
	free(fs->buf.mem);
	fs->buf.mem = NULL;
	fs->buf.size = 0;
	wfd_ahead_forget(fs);
}

void wfd_filesystem_destroy(struct wfd_filesystem *fs)
{
	if (!fs)
		return;
	wfd_behind_cancel(fs);
	fuse_session_unmount(fs->se);
	fuse_session_destroy(fs->se);
	while (fs->handles.head)
		wfd_handle_destroy(lws_container_of(fs->handles.head,
						    struct wfd_handle, link));
	free(fs->buf.mem);
	wfd_ahead_destroy(fs->ahead);
	wfd_nodes_destroy(fs->nodes);
	log_event(fs, "unmounted from", "");
	free(fs);
}

int wfd_filesystem_adopt(struct wfd_filesystem *fs, struct lws_vhost *vhost)
{
	lws_sock_file_fd_type fd;
	int flags;

	/* lws closes what it adopts; fuse_session_unmount() closes the
	 * original. Non-blocking, so that reading never stalls the loop. */
	fd.filefd = dup(fuse_session_fd(fs->se));
	if (fd.filefd < 0)
		return -errno;
	flags = fcntl(fd.filefd, F_GETFL);
	if (flags < 0 || fcntl(fd.filefd, F_SETFL, flags | O_NONBLOCK)) {
		close(fd.filefd);
		return -errno;
	}
	fs->wsi = lws_adopt_descriptor_vhost(vhost, LWS_ADOPT_RAW_FILE_DESC, fd,
					     "webfuse-fuse", NULL);
	if (!fs->wsi)
		return -EIO; /* lws closed the descriptor */
	lws_set_opaque_user_data(fs->wsi, fs);
	fs->context = lws_get_context(fs->wsi);
	return 0;
}

int wfd_filesystem_process(struct wfd_filesystem *fs)
{
	for (int i = 0; i < PROCESS_BATCH && !fs->exited; i++) {
		int res = fuse_session_receive_buf(fs->se, &fs->buf);

		if (res == -EAGAIN || res == -EINTR)
			break;
		if (fuse_session_exited(fs->se)) {
			fs->exited = true;
			break;
		}
		if (res < 0) {
			wfd_log(WFD_LOG_ERROR, "reading the FUSE device: %s",
				strerror(-res));
			fs->exited = true;
			break;
		}
		if (res > 0)
			fuse_session_process_buf(fs->se, &fs->buf);
	}
	return fs->exited ? -ENODEV : 0;
}

void wfd_filesystem_end(struct wfd_filesystem *fs)
{
	fs->exited = true;
	fs->wsi = NULL;
}

bool wfd_filesystem_exited(const struct wfd_filesystem *fs)
{
	return fs->exited;
}

const char *wfd_filesystem_name(const struct wfd_filesystem *fs)
{
	return fs->opts->name;
}

struct wfd_filesystem *wfd_filesystem_find(const struct wfd_filesystem_set *set,
					   const char *name)
{
	for (size_t i = 0; i < set->count; i++) {
		struct wfd_filesystem *fs = set->items[i];

		if (fs->exited)
			continue;
		if (strcmp(name, fs->opts->name) == 0 ||
		    (!name[0] && set->count == 1))
			return fs;
	}
	return NULL;
}

const char *wfd_filesystem_mountpoint(const struct wfd_filesystem *fs)
{
	return fs->opts->mountpoint;
}

const char *wfd_filesystem_label(const struct wfd_filesystem *fs)
{
	return fs->opts->name[0] ? fs->opts->name : fs->opts->mountpoint;
}

struct wfd_session *wfd_filesystem_provider(const struct wfd_filesystem *fs)
{
	return fs->provider;
}

int wfd_filesystem_attach(struct wfd_filesystem *fs, struct wfd_session *s,
			  struct wfd_session **replaced)
{
	*replaced = NULL;
	if (fs->provider && !fs->opts->takeover)
		return -EBUSY;
	if (fs->provider) {
		*replaced = fs->provider;
		wfd_filesystem_detach(fs, fs->provider);
	}
	fs->provider = s;
	fs->generation++;
	wfd_ahead_forget(fs);
	return 0;
}

void wfd_filesystem_detach(struct wfd_filesystem *fs, struct wfd_session *s)
{
	int rc;

	if (fs->provider != s)
		return;
	fs->provider = NULL;
	wfd_ahead_forget(fs);
	/* The root is now empty: names the kernel cached must go. */
	rc = wfd_invalidate_children(fs->se, fs->nodes, WFD_NODE_ROOT);
	if (rc)
		wfd_log(WFD_LOG_WARN, "cannot invalidate cached names: %s",
			strerror(-rc));
}
