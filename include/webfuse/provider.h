/* libwebfuse-provider: lend a filesystem to a webfused service over WebSocket.
 */
#ifndef WEBFUSE_PROVIDER_H
#define WEBFUSE_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WFP_API __attribute__((visibility("default")))

/*
 * A provider answers the filesystem requests of one webfused service
 * (doc/protocol.md, section 6). It dials the service, greets it, attaches
 * a filesystem and then calls the operations below, one at a time, from
 * the thread that runs wfp_provider_run().
 *
 * Paths handed to the operations are protocol paths, already validated:
 * they start with '/', contain no empty, "." or ".." component and no
 * trailing '/'; "/" is the root of the lent filesystem. They are borrowed
 * for the duration of the call.
 */
struct wfp_provider;

/* A directory listing being filled by the readdir operation. */
struct wfp_dirbuf;

/* The handle of no open file (handles are at most 2^53-1). */
#define WFP_NO_HANDLE UINT64_MAX

/* What setattr() changes: the members of @values it must apply. */
#define WFP_SET_MODE  (1 << 0) /* st_mode's permission bits (07777) */
#define WFP_SET_UID   (1 << 1) /* st_uid */
#define WFP_SET_GID   (1 << 2) /* st_gid */
#define WFP_SET_SIZE  (1 << 3) /* st_size: truncate or extend */
#define WFP_SET_ATIME (1 << 4) /* st_atim; tv_nsec UTIME_NOW: the clock */
#define WFP_SET_MTIME (1 << 5) /* st_mtim; tv_nsec UTIME_NOW: the clock */

/*
 * The operations of a provider. Every operation receives the @user_data
 * given to wfp_provider_create() as its last argument and returns 0 (or a
 * byte count, for read) on success or a negative errno, which is sent to
 * the service by its symbolic name (protocol.md, section 7). An operation
 * left NULL is answered with ENOSYS.
 *
 * New operations are only ever appended at the end of this structure; pass
 * sizeof(struct wfp_operations) to wfp_provider_create() so that a program
 * built against this header keeps working with a later library.
 *
 * Operations that create an object (create, mkdir, mknod, symlink, link)
 * and setattr fill @st with the attributes of the object afterwards, as
 * getattr would. A @handle of WFP_NO_HANDLE means the request names no
 * open file; otherwise the operation must act on the open file the handle
 * names, which may have been renamed or unlinked since it was opened, and
 * @path is only the name it was last known by.
 */
struct wfp_operations {
	/*
	 * getattr() - attributes of the object at @path itself (a symlink is
	 * not followed, like lstat(2)). Fill @st: st_mode (type and
	 * permission bits) is required; st_ino, st_nlink, st_uid, st_gid,
	 * st_size, st_blocks, st_rdev and the times are sent as given.
	 */
	int (*getattr)(const char *path, struct stat *st, void *user_data);

	/*
	 * readdir() - list the directory at @path by calling wfp_dirbuf_add()
	 * on @buf (borrowed, valid during the call) for each entry except
	 * "." and "..".
	 */
	int (*readdir)(const char *path, struct wfp_dirbuf *buf,
		       void *user_data);

	/*
	 * open() - open the file at @path. @flags holds O_RDONLY, O_WRONLY
	 * or O_RDWR and any of O_APPEND, O_TRUNC, O_SYNC, O_DSYNC, O_DIRECT
	 * and O_NOATIME, translated from the request. On success store in
	 * @handle a value of at most 2^53-1 that identifies the open file;
	 * it is passed back to the operations on the open file (read(),
	 * write(), flush(), fsync(), fallocate(), setattr(), fgetattr())
	 * and finally to release(). 0 is a valid handle.
	 */
	int (*open)(const char *path, int flags, uint64_t *handle,
		    void *user_data);

	/*
	 * read() - read at most @size bytes at @offset of the open file
	 * @handle into @buf (borrowed, @size bytes).
	 * Returns the number of bytes read, 0 at end of file, or a negative
	 * errno. A short count is allowed anywhere: the library calls again
	 * at the following offset until it has @size bytes, gets 0 or gets
	 * an error, so that the service sees a short result only at end of
	 * file, as the protocol requires. An error after some bytes were
	 * read ends the result there; the error is expected to recur at the
	 * next call.
	 */
	ssize_t (*read)(const char *path, uint64_t handle, char *buf,
			size_t size, uint64_t offset, void *user_data);

	/*
	 * release() - close the open file @handle. Called once per
	 * successful open(), also when the path no longer exists. The
	 * service ignores the result.
	 */
	int (*release)(const char *path, uint64_t handle, void *user_data);

	/*
	 * readlink() - store the target of the symlink at @path verbatim,
	 * NUL-terminated, in @buf (borrowed, @size bytes, at least 4096).
	 * Return -ENAMETOOLONG if it does not fit.
	 */
	int (*readlink)(const char *path, char *buf, size_t size,
			void *user_data);

	/* statfs() - fill @st for the filesystem holding @path. */
	int (*statfs)(const char *path, struct statvfs *st, void *user_data);

	/*
	 * access() - check the permissions @mask (F_OK, or any of R_OK, W_OK
	 * and X_OK) for the object at @path, like access(2).
	 */
	int (*access)(const char *path, int mask, void *user_data);

	/* ---- write operations (protocol.md, 6.3) ------------------------ */

	/*
	 * create() - create the regular file @path with the permission bits
	 * @mode and open it. @flags as for open(), plus O_EXCL: fail with
	 * -EEXIST if @path exists. Without O_EXCL an existing regular file
	 * is opened (and truncated with O_TRUNC). Store the handle as open()
	 * does and the file's attributes in @st.
	 */
	int (*create)(const char *path, mode_t mode, int flags,
		      uint64_t *handle, struct stat *st, void *user_data);

	/*
	 * write() - write the @size bytes at @buf (borrowed) at @offset of
	 * the open file @handle (at its end if it was opened with
	 * O_APPEND). Returns the number of bytes written or a negative
	 * errno. A short count is allowed: the library calls again with the
	 * rest until all is written, 0 is returned, or an error ends it.
	 */
	ssize_t (*write)(const char *path, uint64_t handle, const char *buf,
			 size_t size, uint64_t offset, void *user_data);

	/*
	 * flush() - a descriptor of the open file @handle was closed
	 * (close(2) reports the result). May be called several times.
	 */
	int (*flush)(const char *path, uint64_t handle, void *user_data);

	/*
	 * fsync() - make the data (and, unless @datasync, the metadata) of
	 * the object @path durable; @handle is the open file, or
	 * WFP_NO_HANDLE for a directory.
	 */
	int (*fsync)(const char *path, uint64_t handle, bool datasync,
		     void *user_data);

	/*
	 * fallocate() - fallocate(2) on the open file @handle: @mode is 0
	 * or any of FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE (always with
	 * FALLOC_FL_KEEP_SIZE) and FALLOC_FL_ZERO_RANGE.
	 */
	int (*fallocate)(const char *path, uint64_t handle, int mode,
			 uint64_t offset, uint64_t length, void *user_data);

	/*
	 * setattr() - change the attributes of @path (or of the open file
	 * @handle) that @to_set names (WFP_SET_*) to the values in @values
	 * (borrowed), then fill @st.
	 */
	int (*setattr)(const char *path, uint64_t handle,
		       const struct stat *values, int to_set, struct stat *st,
		       void *user_data);

	/* mkdir() - create the directory @path with permission bits @mode. */
	int (*mkdir)(const char *path, mode_t mode, struct stat *st,
		     void *user_data);

	/*
	 * mknod() - create the object @path of the type and permission bits
	 * in @mode (S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK or S_IFREG) and the
	 * device number @rdev, like mknod(2).
	 */
	int (*mknod)(const char *path, mode_t mode, dev_t rdev, struct stat *st,
		     void *user_data);

	/*
	 * symlink() - create the symlink @path whose content is @target
	 * (borrowed, verbatim, never resolved).
	 */
	int (*symlink)(const char *path, const char *target, struct stat *st,
		       void *user_data);

	/* link() - make @newpath a hard link to the object @path. */
	int (*link)(const char *path, const char *newpath, struct stat *st,
		    void *user_data);

	/* unlink() - remove the non-directory @path. */
	int (*unlink)(const char *path, void *user_data);

	/* rmdir() - remove the empty directory @path. */
	int (*rmdir)(const char *path, void *user_data);

	/*
	 * rename() - rename @path to @newpath, like renameat2(2); @flags is
	 * 0, RENAME_NOREPLACE or RENAME_EXCHANGE.
	 */
	int (*rename)(const char *path, const char *newpath, unsigned int flags,
		      void *user_data);

	/*
	 * getxattr() - copy the value of the extended attribute @name of
	 * @path into @buf (@size bytes, borrowed). Returns the length of the
	 * value, -ERANGE if it exceeds @size, -ENODATA if there is none.
	 */
	ssize_t (*getxattr)(const char *path, const char *name, char *buf,
			    size_t size, void *user_data);

	/*
	 * listxattr() - store the names of the extended attributes of @path
	 * in @buf (@size bytes, borrowed) as listxattr(2) does, each
	 * followed by a NUL. Returns the bytes used or -ERANGE. With @size
	 * 0, return the bytes the names need and store nothing: the library
	 * asks so for every object whose attributes it sends, so that the
	 * service knows which have none (protocol.md, 6.1).
	 */
	ssize_t (*listxattr)(const char *path, char *buf, size_t size,
			     void *user_data);

	/*
	 * setxattr() - set the extended attribute @name of @path to the
	 * @size bytes at @value (borrowed); @flags is 0, XATTR_CREATE (fail
	 * with -EEXIST if it exists) or XATTR_REPLACE (fail with -ENODATA
	 * if it does not).
	 */
	int (*setxattr)(const char *path, const char *name, const char *value,
			size_t size, int flags, void *user_data);

	/* removexattr() - remove the extended attribute @name of @path. */
	int (*removexattr)(const char *path, const char *name, void *user_data);

	/*
	 * fgetattr() - like getattr() for the open file @handle, which may
	 * have been unlinked. When NULL, getattr() of @path is asked instead.
	 */
	int (*fgetattr)(const char *path, uint64_t handle, struct stat *st,
			void *user_data);
};

/*
 * wfp_dirbuf_add() - add the entry @name (borrowed, copied) with the
 * attributes @st (borrowed, copied; as for getattr) to a listing.
 * Returns 0, or:
 *   -EINVAL  @name is not a valid entry name (empty, ".", "..", contains
 *            '/', longer than 255 bytes), or @st cannot travel: an
 *            unknown file type, size or blocks below 0 or above
 *            2^53-1, uid or gid -1;
 *   -EILSEQ  @name is not valid UTF-8 and cannot travel in JSON;
 *   -EEXIST  @name is already in the listing;
 *   -E2BIG   the listing already holds as many entries as the service
 *            accepts (its max_entries limit);
 *   -ENOMEM  out of memory.
 * After -EINVAL, -EILSEQ or -EEXIST the entry is skipped and the listing
 * may go on. -E2BIG and -ENOMEM stick: the readdir request is answered
 * with that error whatever readdir() returns.
 */
WFP_API int wfp_dirbuf_add(struct wfp_dirbuf *buf, const char *name,
			   const struct stat *st);

/*
 * wfp_provider_create() - a provider that answers with @ops.
 * @ops: borrowed, copied; @ops_size: sizeof(struct wfp_operations) as the
 * caller knows it (operations beyond the size the library knows are
 * ignored with a warning, missing ones are NULL).
 * @user_data: passed to every operation; not owned.
 * Defaults: no URL (wfp_provider_set_url() is required), the binary
 * feature offered, reconnect on, no filesystem name.
 * Returns a new provider to be freed with wfp_provider_destroy(), or NULL
 * when out of memory or @ops is NULL.
 */
WFP_API struct wfp_provider *
wfp_provider_create(const struct wfp_operations *ops, size_t ops_size,
		    void *user_data);

/*
 * wfp_provider_destroy() - free @provider; accepts NULL. Must not be called
 * while wfp_provider_run() is running.
 */
WFP_API void wfp_provider_destroy(struct wfp_provider *provider);

/*
 * wfp_provider_set_url() - the service to dial, "ws://HOST[:PORT][/PATH]"
 * (port 80 by default) or "wss://..." (TLS, port 443 by default; the
 * service's certificate must be valid for HOST and signed by a trusted CA,
 * see wfp_provider_set_ca_file()). @url: borrowed, copied.
 * Returns 0, -EINVAL if @url is not such a URL, or -ENOMEM.
 */
WFP_API int wfp_provider_set_url(struct wfp_provider *provider,
				 const char *url);

/*
 * wfp_provider_set_name() - the filesystem name to ask for in
 * add_filesystem. @name: borrowed, copied; NULL or "" asks for the
 * service's default filesystem (the default).
 * Returns 0, -EINVAL if @name is longer than 255 bytes, or -ENOMEM.
 */
WFP_API int wfp_provider_set_name(struct wfp_provider *provider,
				  const char *name);

/*
 * wfp_provider_set_binary() - whether to offer the "binary" feature
 * (protocol.md, section 4), on by default. With @enable false all data
 * travels as base64 in text messages.
 */
WFP_API void wfp_provider_set_binary(struct wfp_provider *provider,
				     bool enable);

/*
 * wfp_provider_set_ca_file() - trust the CA certificates (PEM) in @path,
 * instead of the system's store, for a wss:// service. @path: borrowed,
 * copied; NULL goes back to the system's store. Read when
 * wfp_provider_run() starts. Returns 0 or -ENOMEM.
 */
WFP_API int wfp_provider_set_ca_file(struct wfp_provider *provider,
				     const char *path);

/*
 * wfp_provider_set_token() - the bearer token to present to a service
 * that requires one (webfused --token-file): in the upgrade's
 * Authorization header, or in the protocol once the service has proven
 * itself (wfp_provider_set_device_secret()). Use it over wss:// only: the
 * token travels in clear over ws://. @token: borrowed, copied; NULL for
 * none (the default). Returns 0, -EINVAL (empty, a line break, more than
 * 4096 bytes) or -ENOMEM.
 */
WFP_API int wfp_provider_set_token(struct wfp_provider *provider,
				   const char *token);

/*
 * wfp_provider_set_device_secret() - lend nothing to a service that does
 * not prove it holds @secret (@len bytes, 16..4096; webfused
 * --device-secret): hello carries a random challenge, and the answer must
 * carry its HMAC-SHA256 under @secret, or the connection ends (-EACCES).
 * @secret: borrowed, copied; NULL for none (the default). Returns 0,
 * -EINVAL or -ENOMEM.
 */
WFP_API int wfp_provider_set_device_secret(struct wfp_provider *provider,
					   const char *secret, size_t len);

/*
 * wfp_provider_set_reconnect() - whether to dial again, with a backoff from
 * 100 ms doubling up to 5 s, when a connection cannot be made, is lost, or
 * the service refuses the session with a transient error (EBUSY: another
 * provider serves the filesystem). On by default. With @enable false such
 * an event ends wfp_provider_run().
 */
WFP_API void wfp_provider_set_reconnect(struct wfp_provider *provider,
					bool enable);

/*
 * wfp_provider_run() - dial the service and answer its requests until
 * wfp_provider_stop() is called. Logs one line per connection event to
 * stderr. A service that has not attached the filesystem 10 s after the
 * connection was made counts as a lost connection. The settings must not
 * change while it runs; the operations are called from this thread.
 * After a second with nothing received it frees its message buffers and
 * returns the heap's free memory to the system (malloc_trim).
 * Returns 0 after wfp_provider_stop(), or a negative errno:
 *   -EINVAL if no URL is set; -ENOMEM; -EIO if the event loop fails;
 *   without reconnect, why the connection ended: -ECONNREFUSED (it could
 *   not be made), -ECONNRESET (it was lost), -ETIMEDOUT (no attach within
 *   10 s), -EPROTO (an invalid answer) or the error the service answered
 *   to hello or add_filesystem (such as -EBUSY);
 *   with or without reconnect, errors no retry can cure: -EPROTONOSUPPORT
 *   (the service speaks another protocol version), -EACCES (the service
 *   refused the credentials or did not prove itself), -ENOENT (the service has
 *   no filesystem of the name asked for), -ECONNABORTED (another
 *   provider took the filesystem over).
 */
WFP_API int wfp_provider_run(struct wfp_provider *provider);

/*
 * wfp_provider_stop() - make wfp_provider_run() return 0 soon. Safe to call
 * from a signal handler or another thread; a stop requested before
 * wfp_provider_run() makes it return at once.
 */
WFP_API void wfp_provider_stop(struct wfp_provider *provider);

#ifdef __cplusplus
}
#endif

#endif
