/* What the parts of a mounted filesystem share: its state, open files and
 * the kernel requests waiting for the provider. */
#ifndef WFD_FILESYSTEM_I_H
#define WFD_FILESYSTEM_I_H

#include "filesystem.h"
#include "pending.h"

#include <fuse_lowlevel.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

struct wf_message;
struct wfd_listing;

/*
 * Writes answered before the provider confirmed them (write-behind), all
 * on one node and never overlapping, and the calls that wait until they
 * are done: every call but such a write waits, in order, so that nothing
 * the provider answers or does can miss a write the kernel was told of.
 */
struct wfd_behind {
	unsigned int count;	    /* writes answered early, unconfirmed */
	size_t bytes;		    /* their data */
	fuse_ino_t ino;		    /* the node they write to */
	uint64_t lo, hi;	    /* the bytes they cover: [lo, hi) */
	lws_dll2_owner_t held;	    /* requests waiting, oldest first */
	lws_sorted_usec_list_t sul; /* sends what may go after a write */
};

/* Node ids are never reused, so one generation serves them all. */
#define WFD_NODE_GENERATION 1

struct wfd_filesystem {
	const struct wfd_filesystem_options *opts;
	const struct wfd_limits *limits;
	struct fuse_session *se;
	struct fuse_buf buf;
	struct wfd_nodes *nodes;
	struct wfd_session *provider;
	uint64_t generation;	 /* counts attachments */
	uint64_t xattr_epoch;	 /* counts starts and ends of xattr changes */
	unsigned int changes;	 /* calls under way that may change a listing */
	struct wfd_ahead *ahead; /* listings asked for before opendir */
	lws_dll2_owner_t handles;
	struct wfd_behind behind;
	struct lws_context *context;
	struct lws *wsi;
	bool exited;
	uid_t uid;
	gid_t gid;
	struct timespec started;
};

/* An open file or directory: what fi->fh points to. */
struct wfd_handle {
	lws_dll2_t link;	     /* in wfd_filesystem.handles */
	fuse_ino_t ino;		     /* the node it was opened on */
	uint64_t remote;	     /* the provider's handle */
	uint64_t generation;	     /* provider connection it belongs to */
	int flags;		     /* open(2) flags, to re-open by path */
	struct wfd_listing *listing; /* directories only */
	uint64_t xattr_epoch;	     /* the fs's when the listing was asked */
	double listing_age;	     /* seconds it waited, fetched ahead */
	bool stalled;		     /* a read timed out ... */
	uint64_t stalled_at; /* ... when the provider had sent this many */
	unsigned int behind; /* its writes answered early, unconfirmed */
	int error;	     /* how one of them failed, for the next call */
	bool closed;	     /* released: freed when behind reaches 0 */
};

/* A call kept back until the writes answered early are done. */
struct wfd_held {
	lws_dll2_t link; /* in wfd_behind.held */
	const char *method;
	json_t *params; /* owned */
	char *data;	/* owned copy */
	size_t size;
	uint64_t generation; /* the filesystem's when it was kept back */
};

/* One kernel request (or none, for releases) waiting for its provider. */
struct wfd_request {
	struct wfd_call call;
	lws_sorted_usec_list_t interrupt; /* finishes it after an interrupt */
	struct wfd_filesystem *fs;
	fuse_req_t req;	      /* NULL: nobody waits for the answer */
	fuse_ino_t ino;	      /* the node acted on, or the parent of name */
	char *name;	      /* owned: the child acted on, or NULL */
	fuse_ino_t newparent; /* rename, link: where newname goes */
	char *newname;	      /* owned */
	int flags;	      /* rename: RENAME_* */
	struct wfd_handle *handle;
	struct fuse_file_info fi;
	size_t size;
	off_t offset;
	/* A call on a handle that must be re-opened first, kept for after. */
	wfd_call_done_fn *after_open;
	const char *method;
	json_t *extra;
	char *data; /* owned copy of the data to send */
	size_t data_size;
	uint64_t xattr_epoch; /* the filesystem's when the request was made */
	bool may_go_behind;   /* a write that may be answered early */
	bool released;	      /* was held: not to be held again */
	bool changing;	      /* counted in the fs's changes */
	struct wfd_held held;
};

/* ---- requests (request.c) ---------------------------------------------- */

/*
 * wfd_check_name() - whether the entry name @name can travel: 0,
 * -ENAMETOOLONG above 255 bytes, -EILSEQ if it is not UTF-8.
 */
int wfd_check_name(const char *name);

/*
 * wfd_request_create() - a request of @fs for the kernel request @req
 * (NULL: nobody waits), finished by @done. NULL on allocation failure.
 */
struct wfd_request *wfd_request_create(struct wfd_filesystem *fs,
				       fuse_req_t req, wfd_call_done_fn *done);

/*
 * wfd_request_new() - wfd_request_create() for an operation on @ino (and
 * its child @name, borrowed, copied, may be NULL) of the kernel request
 * @req. On failure the kernel gets ENOMEM and NULL is returned.
 */
struct wfd_request *wfd_request_new(fuse_req_t req, fuse_ino_t ino,
				    const char *name, wfd_call_done_fn *done);

/* wfd_request_destroy() - free @r without answering anybody. */
void wfd_request_destroy(struct wfd_request *r);

/* wfd_request_of() - the request a finished @call belongs to. */
struct wfd_request *wfd_request_of(struct wfd_call *call);

/* wfd_request_finish() - answer the kernel with @err (<= 0), free @r. */
void wfd_request_finish(struct wfd_request *r, int err);

/*
 * wfd_request_start() - send @method on the path of @r's node (and name)
 * with the members of @extra (stolen, may be NULL) added to the params.
 * A node without a path (removed) fails with ESTALE. On failure the
 * kernel gets the error at once and @r is freed.
 */
void wfd_request_start(struct wfd_request *r, const char *method,
		       json_t *extra);

/*
 * wfd_request_start_data() - wfd_request_start() with @size bytes of @data
 * (borrowed, copied) as the "data" member.
 */
void wfd_request_start_data(struct wfd_request *r, const char *method,
			    json_t *extra, const void *data, size_t size);

/*
 * wfd_request_call() - send @method with @params (stolen) and @size bytes
 * of @data (borrowed, copied; NULL for none) for @r now, on the attached
 * provider. Returns 0, or -errno with @r untouched.
 */
int wfd_request_call(struct wfd_request *r, const char *method, json_t *params,
		     const void *data, size_t size);

/*
 * wfd_request_send() - send @method with @params (stolen) and @size bytes
 * of @data (borrowed, copied; NULL for none) for @r. On failure the
 * kernel gets the error at once and @r is freed.
 */
void wfd_request_send(struct wfd_request *r, const char *method, json_t *params,
		      const void *data, size_t size);

/*
 * wfd_op() - start @method on @ino for the kernel request @req, answered by
 * @done; @extra as for wfd_request_start().
 */
void wfd_op(fuse_req_t req, fuse_ino_t ino, wfd_call_done_fn *done,
	    const char *method, json_t *extra);

/*
 * wfd_outcome() - 0 for a result, else the negative errno of the call. An
 * attachment is invalid here (-EIO): only the results of read and
 * getxattr carry data, and they use wfd_data_outcome().
 */
int wfd_outcome(struct wfd_request *r, struct wf_message *reply, int err);

/* wfd_data_outcome() - wfd_outcome() for a result that carries data. */
int wfd_data_outcome(struct wfd_request *r, struct wf_message *reply, int err);

/*
 * wfd_write_outcome() - wfd_outcome() for the result of the write @r: the
 * bytes written, at most r->size, go to @written; another result is
 * invalid (-EIO).
 */
int wfd_write_outcome(struct wfd_request *r, struct wf_message *reply, int err,
		      uint64_t *written);

/*
 * wfd_empty_done() - finish a call whose result carries nothing: the
 * kernel gets its outcome.
 */
void wfd_empty_done(struct wfd_call *call, struct wf_message *reply, int err);

/* wfd_invalid() - log a result that breaks the protocol; returns -EIO. */
int wfd_invalid(struct wfd_request *r, const char *method);

/*
 * wfd_decode_attr() - the attribute object @json (borrowed) of a result
 * into @st; -EIO (logged) if it is invalid. A missing inode number becomes
 * @ino.
 */
int wfd_decode_attr(struct wfd_request *r, const json_t *json, fuse_ino_t ino,
		    struct stat *st);

/*
 * wfd_entry_done() - finish a call whose result is the attribute object
 * of r->name in r->ino (lookup, mkdir...): the kernel gets the entry.
 */
void wfd_entry_done(struct wfd_call *call, struct wf_message *reply, int err);

/*
 * wfd_apply_owner() - the owner and group @fs shows for every file, if
 * it is set to, in place of what the provider said in @st.
 */
void wfd_apply_owner(const struct wfd_filesystem *fs, struct stat *st);

/*
 * wfd_attr_timeout() - seconds the kernel may cache the attributes @st:
 * the configured time, but none for a file with several hard links.
 */
double wfd_attr_timeout(const struct wfd_filesystem *fs, const struct stat *st);

/*
 * wfd_note_xattrs() - what the provider said of the extended attributes
 * of node @id with its attributes, in answer to a request made at
 * @epoch (the filesystem's xattr_epoch then): @none, that it has none, is
 * believed for @timeout seconds, the time the kernel trusts those
 * attributes, unless an extended attribute changed while the answer was
 * on its way.
 */
void wfd_note_xattrs(struct wfd_filesystem *fs, uint64_t id, bool none,
		     uint64_t epoch, double timeout);

/*
 * wfd_xattr_free() - whether node @id is known to have no extended
 * attributes now, so that the kernel can be answered without the provider.
 */
bool wfd_xattr_free(const struct wfd_filesystem *fs, uint64_t id);

/*
 * wfd_reply_entry() - answer @r, which made or found its child @name,
 * with the entry for the attribute object @attr (borrowed): the child is
 * counted in the node table and its id stored in @ino (may be NULL). With
 * @fi (create) the open file goes along.
 * Returns 0 when the kernel got the entry, 1 when it no longer waited for
 * it (the caller undoes what else it made, such as an open file), or a
 * negative errno when the kernel request is still to be answered. @r is
 * not freed.
 */
int wfd_reply_entry(struct wfd_request *r, const json_t *attr,
		    const struct fuse_file_info *fi, fuse_ino_t *ino);

/* ---- writes answered early (behind.c) ---------------------------------- */

/*
 * wfd_behind_route() - send @method with @params (stolen) and @data
 * (borrowed, copied) for @r, or keep it back while writes answered early
 * are unconfirmed. A write that may go behind (r->may_go_behind) is
 * answered to the kernel now when the limit max_write_behind has room.
 * Returns 0, or -errno with @r still to be finished by the caller.
 */
int wfd_behind_route(struct wfd_request *r, const char *method, json_t *params,
		     const void *data, size_t size);

/*
 * wfd_behind_take_error() - the error a write answered early on @h met,
 * if any (then forgotten, so that it is reported once), else 0.
 */
int wfd_behind_take_error(struct wfd_handle *h);

/* wfd_behind_cancel() - fail every call kept back with -ECANCELED. */
void wfd_behind_cancel(struct wfd_filesystem *fs);

/* ---- open files (handle.c) ---------------------------------------------- */

/*
 * wfd_handle_create() - an open file of @ino on the current provider
 * connection, listed in @fs. NULL on allocation failure.
 */
struct wfd_handle *wfd_handle_create(struct wfd_filesystem *fs, fuse_ino_t ino);

/* wfd_handle_destroy() - unlist and free @h (and its listing). */
void wfd_handle_destroy(struct wfd_handle *h);

/* wfd_handle_of() - the handle stored in @fi. */
struct wfd_handle *wfd_handle_of(const struct fuse_file_info *fi);

/*
 * wfd_handle_find() - an open file of node @ino usable on the current
 * connection, for requests that come without one; NULL if none.
 */
struct wfd_handle *wfd_handle_find(struct wfd_filesystem *fs, fuse_ino_t ino);

/*
 * wfd_handle_decode() - the provider's handle in the result @result
 * (borrowed) of an open or create for @r; -EIO (logged) if it is invalid.
 */
int wfd_handle_decode(struct wfd_request *r, const json_t *result,
		      uint64_t *remote);

/*
 * wfd_handle_release() - tell the provider that nobody uses its handle
 * @remote of @ino any more; errors are ignored.
 */
void wfd_handle_release(struct wfd_filesystem *fs, fuse_ino_t ino,
			uint64_t remote);

/*
 * wfd_handle_start() - send @method for @r on its open file r->handle:
 * the params are the node's path (its last one, if it was removed), the
 * handle and the members of @extra (stolen, may be NULL); @data (borrowed,
 * copied, may be NULL) goes along. When the provider came back since the
 * file was opened, it is re-opened by path first. On failure the kernel
 * gets the error and @r is freed.
 */
void wfd_handle_start(struct wfd_request *r, const char *method, json_t *extra,
		      const void *data, size_t size);

/* ---- the operations (op_*.c), as struct fuse_lowlevel_ops names them ---- */

void wfd_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void wfd_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void wfd_op_forget_multi(fuse_req_t req, size_t count,
			 struct fuse_forget_data *forgets);
void wfd_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void wfd_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		    int to_set, struct fuse_file_info *fi);
void wfd_op_readlink(fuse_req_t req, fuse_ino_t ino);
void wfd_op_access(fuse_req_t req, fuse_ino_t ino, int mask);
void wfd_op_statfs(fuse_req_t req, fuse_ino_t ino);

void wfd_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		  mode_t mode);
void wfd_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		  mode_t mode, dev_t rdev);
void wfd_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		    const char *name);
void wfd_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		 const char *newname);
void wfd_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void wfd_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void wfd_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		   fuse_ino_t newparent, const char *newname,
		   unsigned int flags);

void wfd_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void wfd_op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		   mode_t mode, struct fuse_file_info *fi);
void wfd_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		 struct fuse_file_info *fi);
void wfd_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
		  off_t off, struct fuse_file_info *fi);
void wfd_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void wfd_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		  struct fuse_file_info *fi);
void wfd_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
		      off_t length, struct fuse_file_info *fi);
void wfd_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);

void wfd_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void wfd_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi);
void wfd_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi);
void wfd_op_releasedir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi);
void wfd_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi);

void wfd_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		     size_t size);
void wfd_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void wfd_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		     const char *value, size_t size, int flags);
void wfd_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

#endif
