/* A daemon filesystem without a mount or a socket, for the fuzz targets:
 * the kernel's requests are made up, and how they are answered checked. */
#include "daemon_harness.h"
#include "harness.h"

#include "ahead.h"
#include "attr.h"
#include "field.h"
#include "limit.h"
#include "listing.h"
#include "node.h"
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <string.h>
#include <sys/xattr.h>

#define MAX_REQS  48
#define MAX_NODES 32
/* A timeout per call (a request's, a release's) and one per interrupt. */
#define MAX_TIMERS  (4 * MAX_REQS)
#define MAX_HANDLES 16
#define DATA_SIZE   (80 * 1024)

/* A kernel request: what it may be answered with, and how often it was. */
struct fake_req {
	int replies;
	int op;
	fuse_ino_t ino;	       /* the node acted on (the parent for names) */
	size_t max;	       /* largest reply data: read, xattr, readdir */
	bool fail;	       /* fuse_reply_*() fails: the kernel gave up */
	struct wfd_handle *fh; /* the open file it acts on, or NULL */
	fuse_interrupt_func_t interrupt;
	void *interrupt_data;
};

/* A node the kernel holds lookups of. */
struct kernel_node {
	fuse_ino_t ino;
	uint64_t lookups;
};

struct timer {
	lws_sorted_usec_list_t *sul;
	sul_cb_t cb;
};

static struct {
	struct wfd_filesystem fs;
	struct wfd_filesystem_options opts;
	struct wfd_limits limits;
	struct fake_req reqs[MAX_REQS];
	size_t nreqs;
	struct kernel_node nodes[MAX_NODES];
	size_t nnodes;
	struct wfd_handle *handles[MAX_HANDLES]; /* open, as the kernel knows */
	size_t nhandles;
	struct timer timers[MAX_TIMERS];
	size_t ntimers;
} dh;

/* Only the address of the context is passed around. */
static char fake_context;

static char data[DATA_SIZE];
static char name255[256], name256[257], target4095[4096], target4096[4097];

static const char *const names[8] = {
	"file",	 "dir",	     "new",   "caf\xc3\xa9",
	name255, "\xff\xfe", name256, "sub",
};

/*
 * Names an entry the kernel holds can have: it unlinks and renames only
 * names its lookup found, and the daemon's lookup refuses the others.
 */
static const char *const held_names[6] = {
	"file", "dir", "new", "caf\xc3\xa9", name255, "sub",
};

static const char *const xattr_names[4] = {
	"user.x",
	"user.\xff",
	"trusted.overlay.opaque",
	name255,
};

/* ---- the kernel's side of libfuse, linked in with -Wl,--wrap= ---------- */

void *__wrap_fuse_req_userdata(fuse_req_t req);
void __wrap_fuse_req_interrupt_func(fuse_req_t req, fuse_interrupt_func_t func,
				    void *user);
int __wrap_fuse_reply_err(fuse_req_t req, int err);
void __wrap_fuse_reply_none(fuse_req_t req);
int __wrap_fuse_reply_entry(fuse_req_t req, const struct fuse_entry_param *e);
int __wrap_fuse_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
			     const struct fuse_file_info *fi);
int __wrap_fuse_reply_attr(fuse_req_t req, const struct stat *attr,
			   double attr_timeout);
int __wrap_fuse_reply_readlink(fuse_req_t req, const char *link);
int __wrap_fuse_reply_open(fuse_req_t req, const struct fuse_file_info *fi);
int __wrap_fuse_reply_write(fuse_req_t req, size_t count);
int __wrap_fuse_reply_buf(fuse_req_t req, const char *buf, size_t size);
int __wrap_fuse_reply_statfs(fuse_req_t req, const struct statvfs *stbuf);
int __wrap_fuse_reply_xattr(fuse_req_t req, size_t count);
void __wrap_lws_sul_schedule(struct lws_context *ctx, int tsi,
			     lws_sorted_usec_list_t *sul, sul_cb_t cb,
			     lws_usec_t us);
void __wrap_lws_sul_cancel(lws_sorted_usec_list_t *sul);
int __wrap_wfd_invalidate_children(struct fuse_session *se,
				   const struct wfd_nodes *nodes,
				   uint64_t parent);

/* The request @req is, checked to be one of ours and still unanswered. */
static struct fake_req *waiting(fuse_req_t req)
{
	struct fake_req *q = (struct fake_req *)req;

	FUZZ_CHECK(q >= dh.reqs && q < dh.reqs + dh.nreqs);
	FUZZ_CHECK(q->replies == 0);
	return q;
}

/* Counts the answer to @req; a request is answered exactly once. */
static int answer(fuse_req_t req)
{
	struct fake_req *q = waiting(req);

	q->replies++;
	q->fh = NULL;
	return q->fail ? -ENOENT : 0;
}

static bool valid_type(mode_t mode)
{
	return wf_attr_type_name(mode) != NULL;
}

/* The kernel now holds one more lookup of @ino. */
static void hold_node(fuse_ino_t ino)
{
	for (size_t i = 0; i < dh.nnodes; i++) {
		if (dh.nodes[i].ino == ino) {
			dh.nodes[i].lookups++;
			return;
		}
	}
	/* Beyond the table the kernel forgets nothing: teardown frees. */
	if (dh.nnodes < MAX_NODES)
		dh.nodes[dh.nnodes++] = (struct kernel_node){ino, 1};
}

/* The kernel now holds the open file @fi names. */
static void hold_handle(const struct fuse_file_info *fi)
{
	struct wfd_handle *h = wfd_handle_of(fi);

	FUZZ_CHECK(h);
	if (dh.nhandles < MAX_HANDLES)
		dh.handles[dh.nhandles++] = h;
	/* Else it stays open until teardown, as a leaked descriptor would. */
}

static void check_entry(const struct fake_req *q,
			const struct fuse_entry_param *e)
{
	FUZZ_CHECK(e->ino > WFD_NODE_ROOT);
	FUZZ_CHECK(e->attr.st_ino != 0);
	FUZZ_CHECK(e->generation == WFD_NODE_GENERATION);
	FUZZ_CHECK(valid_type(e->attr.st_mode));
	(void)q;
}

void *__wrap_fuse_req_userdata(fuse_req_t req)
{
	waiting(req);
	return &dh.fs;
}

void __wrap_fuse_req_interrupt_func(fuse_req_t req, fuse_interrupt_func_t func,
				    void *user)
{
	struct fake_req *q = waiting(req);

	q->interrupt = func;
	q->interrupt_data = user;
}

int __wrap_fuse_reply_err(fuse_req_t req, int err)
{
	/* Positive errno, only here (STYLE.md, 4); 0 is success. */
	FUZZ_CHECK(err >= 0 && err < 4096);
	return answer(req);
}

void __wrap_fuse_reply_none(fuse_req_t req)
{
	FUZZ_CHECK(((struct fake_req *)req)->op == DH_FORGET);
	answer(req);
}

int __wrap_fuse_reply_entry(fuse_req_t req, const struct fuse_entry_param *e)
{
	struct fake_req *q = waiting(req);
	int rc;

	check_entry(q, e);
	rc = answer(req);
	if (rc == 0)
		hold_node(e->ino);
	return rc;
}

int __wrap_fuse_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
			     const struct fuse_file_info *fi)
{
	struct fake_req *q = waiting(req);
	int rc;

	FUZZ_CHECK(q->op == DH_CREATE);
	check_entry(q, e);
	FUZZ_CHECK(S_ISREG(e->attr.st_mode) || !"create made no file");
	rc = answer(req);
	if (rc == 0) {
		hold_node(e->ino);
		hold_handle(fi);
	}
	return rc;
}

int __wrap_fuse_reply_attr(fuse_req_t req, const struct stat *attr,
			   double attr_timeout)
{
	struct fake_req *q = waiting(req);

	FUZZ_CHECK(valid_type(attr->st_mode) && attr->st_ino != 0);
	FUZZ_CHECK(attr_timeout >= 0);
	FUZZ_CHECK(q->ino != WFD_NODE_ROOT || S_ISDIR(attr->st_mode));
	return answer(req);
}

int __wrap_fuse_reply_readlink(fuse_req_t req, const char *link)
{
	size_t len = strlen(link);

	FUZZ_CHECK(((struct fake_req *)req)->op == DH_READLINK);
	FUZZ_CHECK(len >= 1 && len <= WF_PATH_MAX);
	return answer(req);
}

int __wrap_fuse_reply_open(fuse_req_t req, const struct fuse_file_info *fi)
{
	struct fake_req *q = waiting(req);
	int rc;

	FUZZ_CHECK(q->op == DH_OPEN || q->op == DH_OPENDIR);
	FUZZ_CHECK(wfd_handle_of(fi)->ino == q->ino);
	FUZZ_CHECK(!wfd_handle_of(fi)->listing == (q->op == DH_OPEN));
	rc = answer(req);
	if (rc == 0)
		hold_handle(fi);
	return rc;
}

int __wrap_fuse_reply_write(fuse_req_t req, size_t count)
{
	struct fake_req *q = waiting(req);

	FUZZ_CHECK(q->op == DH_WRITE && count <= q->max);
	return answer(req);
}

int __wrap_fuse_reply_buf(fuse_req_t req, const char *buf, size_t size)
{
	struct fake_req *q = waiting(req);

	FUZZ_CHECK(q->op == DH_READ || q->op == DH_READDIR ||
		   q->op == DH_READDIRPLUS || q->op == DH_GETXATTR ||
		   q->op == DH_LISTXATTR);
	FUZZ_CHECK(size <= q->max);
	/* Touch every byte: a reply must not read beyond its buffer. */
	if (size) {
		volatile char sum = 0;

		for (size_t i = 0; i < size; i++)
			sum ^= buf[i];
		(void)sum;
	}
	return answer(req);
}

int __wrap_fuse_reply_statfs(fuse_req_t req, const struct statvfs *stbuf)
{
	FUZZ_CHECK(((struct fake_req *)req)->op == DH_STATFS);
	FUZZ_CHECK(stbuf->f_namemax <= WF_NAME_MAX);
	return answer(req);
}

int __wrap_fuse_reply_xattr(fuse_req_t req, size_t count)
{
	struct fake_req *q = waiting(req);

	/* Only the size query (size 0) is answered with a count. */
	FUZZ_CHECK(q->op == DH_GETXATTR || q->op == DH_LISTXATTR);
	FUZZ_CHECK(q->max == 0 && count <= WF_XATTR_MAX);
	return answer(req);
}

void __wrap_lws_sul_schedule(struct lws_context *ctx, int tsi,
			     lws_sorted_usec_list_t *sul, sul_cb_t cb,
			     lws_usec_t us)
{
	(void)tsi;
	(void)us;
	FUZZ_CHECK(ctx == (struct lws_context *)&fake_context);
	for (size_t i = 0; i < dh.ntimers; i++) {
		if (dh.timers[i].sul == sul) {
			dh.timers[i].cb = cb;
			return;
		}
	}
	/* Each request makes at most one call, one release and one
	 * interrupt timer at a time. */
	FUZZ_CHECK(dh.ntimers < MAX_TIMERS);
	dh.timers[dh.ntimers++] = (struct timer){sul, cb};
}

void __wrap_lws_sul_cancel(lws_sorted_usec_list_t *sul)
{
	for (size_t i = 0; i < dh.ntimers; i++) {
		if (dh.timers[i].sul == sul) {
			dh.timers[i] = dh.timers[--dh.ntimers];
			return;
		}
	}
}

int __wrap_wfd_invalidate_children(struct fuse_session *se,
				   const struct wfd_nodes *nodes,
				   uint64_t parent)
{
	(void)se;
	FUZZ_CHECK(nodes == dh.fs.nodes && parent == WFD_NODE_ROOT);
	return 0;
}

/* ---- picking what the kernel acts on ----------------------------------- */

static struct fake_req *new_req(int op, fuse_ino_t ino, size_t max, bool fail)
{
	struct fake_req *q;

	if (dh.nreqs == MAX_REQS)
		return NULL;
	q = &dh.reqs[dh.nreqs++];
	memset(q, 0, sizeof(*q));
	q->op = op;
	q->ino = ino;
	q->max = max;
	q->fail = fail;
	return q;
}

/* Whether an unanswered request uses the node @ino or the open file @h. */
static bool in_use(fuse_ino_t ino, const struct wfd_handle *h)
{
	for (size_t i = 0; i < dh.nreqs; i++) {
		const struct fake_req *q = &dh.reqs[i];

		if (q->replies)
			continue;
		if ((ino && q->ino == ino) || (h && q->fh == h))
			return true;
	}
	for (size_t i = 0; ino && i < dh.nhandles; i++) {
		if (dh.handles[i]->ino == ino)
			return true;
	}
	return false;
}

/* A node the kernel holds: the root or one it was told of. */
static fuse_ino_t pick_node(uint8_t b)
{
	return dh.nodes[b % dh.nnodes].ino;
}

/*
 * An open file (@dir false) or directory the kernel holds, picked by
 * @b; when it holds none, one on a node it holds is made up, opened
 * read-write on the current provider (or an older one with @stale).
 */
static struct wfd_handle *pick_handle(bool dir, uint8_t b, bool stale)
{
	struct wfd_handle *found[MAX_HANDLES];
	struct wfd_handle *h;
	size_t n = 0;

	for (size_t i = 0; i < dh.nhandles; i++) {
		if (!dh.handles[i]->listing == !dir)
			found[n++] = dh.handles[i];
	}
	if (n)
		return found[b % n];
	if (dh.nhandles == MAX_HANDLES)
		return NULL;
	/* Knob 0 picks "file" or "dir" while the kernel holds them. */
	h = wfd_handle_create(&dh.fs,
			      pick_node((uint8_t)(b / MAX_HANDLES + 1 + dir)));
	if (!h)
		return NULL;
	if (dir) {
		h->listing = wfd_listing_empty();
		if (!h->listing) {
			wfd_handle_destroy(h);
			return NULL;
		}
	}
	h->remote = b;
	h->flags = O_RDWR;
	if (stale)
		h->generation--;
	dh.handles[dh.nhandles++] = h;
	return h;
}

/* The kernel closes @h: it is no longer held. */
static void drop_handle(const struct wfd_handle *h)
{
	for (size_t i = 0; i < dh.nhandles; i++) {
		if (dh.handles[i] == h) {
			dh.handles[i] = dh.handles[--dh.nhandles];
			return;
		}
	}
	FUZZ_CHECK(!"dropped a handle the kernel did not hold");
}

/* ---- the requests ------------------------------------------------------ */

static void do_forget(const uint8_t *k)
{
	struct kernel_node *n = &dh.nodes[k[1] % dh.nnodes];
	struct fuse_forget_data one;
	uint64_t count;
	struct fake_req *q;

	/* Never the root; never a node in use (the kernel holds those). */
	if (n->ino == WFD_NODE_ROOT || in_use(n->ino, NULL))
		return;
	q = new_req(DH_FORGET, n->ino, 0, false);
	if (!q)
		return;
	count = 1 + k[2] % n->lookups;
	one = (struct fuse_forget_data){.ino = n->ino, .nlookup = count};
	if (k[3] & 1)
		wfd_op_forget_multi((fuse_req_t)q, 1, &one);
	else
		wfd_op_forget((fuse_req_t)q, n->ino, count);
	n->lookups -= count;
	if (!n->lookups)
		*n = dh.nodes[--dh.nnodes];
}

static void do_setattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi, const uint8_t *k)
{
	static const int bits[8] = {
		FUSE_SET_ATTR_MODE,	 FUSE_SET_ATTR_UID,
		FUSE_SET_ATTR_GID,	 FUSE_SET_ATTR_SIZE,
		FUSE_SET_ATTR_ATIME,	 FUSE_SET_ATTR_MTIME,
		FUSE_SET_ATTR_ATIME_NOW, FUSE_SET_ATTR_MTIME_NOW,
	};
	struct stat attr;
	int to_set = 0;

	for (int i = 0; i < 8; i++) {
		if (k[2] & (1 << i))
			to_set |= bits[i];
	}
	memset(&attr, 0, sizeof(attr));
	attr.st_mode = S_IFREG | (k[3] << 4 | k[4]) % 010000;
	attr.st_uid = k[3] == 255 ? (uid_t)-1 : k[3];
	attr.st_gid = k[4] == 255 ? (gid_t)-1 : k[4];
	attr.st_size = k[3] == 255 ? -1 : (off_t)k[3] << 20 | k[4];
	attr.st_atim.tv_sec = -(time_t)k[4];
	attr.st_atim.tv_nsec = (long)k[3] * 3999999;
	attr.st_mtim.tv_sec = (time_t)k[3] << 40;
	wfd_op_setattr(req, ino, &attr, to_set, fi);
}

static const char *pick_target(uint8_t b)
{
	static const char *const targets[] = {"target", "../x/y", "\xc3\x28",
					      target4095, target4096};

	return targets[b % 5];
}

static void do_mknod(fuse_req_t req, fuse_ino_t parent, const uint8_t *k)
{
	static const mode_t types[8] = {
		S_IFREG, S_IFIFO, S_IFSOCK, S_IFCHR,
		S_IFBLK, S_IFDIR, S_IFLNK,  0,
	};
	dev_t rdev = k[4] == 255 ? (dev_t)1 << 40 : (dev_t)k[4] << 8;

	wfd_op_mknod(req, parent, names[k[2] % 8], types[k[3] % 8] | 0644,
		     rdev);
}

static const unsigned int rename_flags[5] = {
	0,
	RENAME_NOREPLACE,
	RENAME_EXCHANGE,
	RENAME_NOREPLACE | RENAME_EXCHANGE,
	RENAME_WHITEOUT,
};

struct find_name {
	const char *name;
	bool found;
};

static void see_name(void *user, const char *name)
{
	struct find_name *f = user;

	f->found = f->found || strcmp(name, f->name) == 0;
}

/* Whether the daemon knows the entry @name of node @parent. */
static bool known(fuse_ino_t parent, const char *name)
{
	struct find_name f = {name, false};

	wfd_nodes_foreach_child(dh.fs.nodes, parent, see_name, &f);
	return f.found;
}

/* Whether the path @a is @b or one of the directories above it. */
static bool at_or_above(const char *a, const char *b)
{
	size_t n = strlen(a);

	return strncmp(a, b, n) == 0 && (b[n] == '/' || b[n] == '\0');
}

/*
 * Whether the kernel would send the rename that @k asks for: its source
 * is an entry it holds (so is the target of an exchange), and neither
 * is the other or above it (the VFS answers those itself: 0, EINVAL,
 * ENOTEMPTY).
 */
static bool rename_sent(const uint8_t *k)
{
	fuse_ino_t parent = pick_node(k[1]), newparent = pick_node(k[3]);
	const char *name = held_names[k[2] % 6], *newname = names[k[4] % 8];
	char from[WF_PATH_MAX + 1], to[WF_PATH_MAX + 1];

	if (!known(parent, name))
		return false;
	if ((rename_flags[(k[4] >> 3) % 5] & RENAME_EXCHANGE) &&
	    !known(newparent, newname))
		return false;
	if (wfd_nodes_path(dh.fs.nodes, parent, name, from, sizeof(from)) ||
	    wfd_nodes_path(dh.fs.nodes, newparent, newname, to, sizeof(to)))
		return true; /* the daemon fails it before anything changes */
	return !at_or_above(from, to) && !at_or_above(to, from);
}

static void do_rename(fuse_req_t req, fuse_ino_t parent, const uint8_t *k)
{
	wfd_op_rename(req, parent, held_names[k[2] % 6], pick_node(k[3]),
		      names[k[4] % 8], rename_flags[(k[4] >> 3) % 5]);
}

static int open_flags(uint8_t b)
{
	static const int accmodes[4] = {O_RDONLY, O_WRONLY, O_RDWR, O_RDWR};
	int flags = accmodes[b & 3];

	if (b & 0x04)
		flags |= O_APPEND;
	if (b & 0x08)
		flags |= O_TRUNC;
	if (b & 0x10)
		flags |= O_SYNC;
	if (b & 0x20)
		flags |= O_DSYNC;
	if (b & 0x40)
		flags |= O_EXCL;
	if (b & 0x80)
		flags |= O_NONBLOCK; /* a flag the protocol does not carry */
	return flags;
}

static void do_fallocate(fuse_req_t req, struct wfd_handle *h,
			 struct fuse_file_info *fi, const uint8_t *k)
{
	static const int modes[8] = {
		0,
		FALLOC_FL_KEEP_SIZE,
		FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		FALLOC_FL_ZERO_RANGE,
		FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
		FALLOC_FL_COLLAPSE_RANGE,
		FALLOC_FL_INSERT_RANGE,
		FALLOC_FL_UNSHARE_RANGE,
	};
	off_t off = k[3] == 255 ? -1 : (off_t)k[3] << 16;
	off_t len = k[4] == 255 ? (off_t)WF_INT_MAX : (off_t)k[4] << 8;

	wfd_op_fallocate(req, h->ino, modes[k[2] % 8], off, len, fi);
}

/* Requests on an open file or directory. */
static void handle_op(int op, const uint8_t *k)
{
	bool dir = op >= DH_OPENDIR;
	struct wfd_handle *h = pick_handle(dir, k[1], k[0] & DH_STALE);
	struct fuse_file_info fi;
	struct fake_req *q;
	size_t max = 0;
	fuse_req_t req;
	off_t off;

	if (!h)
		return;
	if ((op == DH_RELEASE || op == DH_RELEASEDIR) && in_use(0, h))
		return;
	if (op == DH_READ)
		max = (size_t)k[2] * 257 + (k[4] & 1 ? 1u << 20 : 0);
	else if (op == DH_WRITE)
		max = (size_t)k[2] * 307;
	else if (op == DH_READDIR || op == DH_READDIRPLUS)
		max = ((size_t)k[2] + 1) * 64;
	q = new_req(op, h->ino, max, k[0] & DH_FAIL_REPLY);
	if (!q)
		return;
	q->fh = h;
	req = (fuse_req_t)q;
	memset(&fi, 0, sizeof(fi));
	fi.fh = (uintptr_t)h;
	fi.flags = h->flags;
	off = k[3] == 255 ? -1 : (off_t)k[3] << 12;
	if (dir) /* the offset of an entry: its index plus 3 */
		off = k[3] == 255 ? -1 : k[3];
	switch (op) {
	case DH_READ:
		/* The daemon asks for at most max_read. */
		if (q->max > dh.limits.max_read)
			q->max = dh.limits.max_read;
		wfd_op_read(req, h->ino, max, off, &fi);
		break;
	case DH_WRITE:
		if (k[3] == 254)
			off = WF_INT_MAX - 1;
		wfd_op_write(req, h->ino, data, max, off, &fi);
		break;
	case DH_FLUSH:
		wfd_op_flush(req, h->ino, &fi);
		break;
	case DH_FSYNC:
		wfd_op_fsync(req, h->ino, k[2] & 1, &fi);
		break;
	case DH_FALLOCATE:
		do_fallocate(req, h, &fi, k);
		break;
	case DH_RELEASE:
		drop_handle(h);
		q->fh = NULL;
		wfd_op_release(req, h->ino, &fi);
		break;
	case DH_READDIR:
		wfd_op_readdir(req, h->ino, max, off, &fi);
		break;
	case DH_READDIRPLUS:
		wfd_op_readdirplus(req, h->ino, max, off, &fi);
		break;
	case DH_RELEASEDIR:
		drop_handle(h);
		q->fh = NULL;
		wfd_op_releasedir(req, h->ino, &fi);
		break;
	}
}

/* getattr and setattr, on a node or (DH_WITH_FI) an open file. */
static void attr_op(int op, const uint8_t *k)
{
	struct wfd_handle *h = NULL;
	struct fuse_file_info fi;
	fuse_ino_t ino = pick_node(k[1]);
	struct fake_req *q;

	memset(&fi, 0, sizeof(fi));
	if (k[0] & DH_WITH_FI) {
		h = pick_handle(k[2] & 1, k[1], k[0] & DH_STALE);
		if (!h)
			return;
		ino = h->ino;
		fi.fh = (uintptr_t)h;
		fi.flags = h->flags;
	}
	q = new_req(op, ino, 0, k[0] & DH_FAIL_REPLY);
	if (!q)
		return;
	q->fh = h;
	if (op == DH_GETATTR)
		wfd_op_getattr((fuse_req_t)q, ino, h ? &fi : NULL);
	else
		do_setattr((fuse_req_t)q, ino, h ? &fi : NULL, k);
}

/* Requests on a node, or on a name in a node. */
static void node_op(int op, const uint8_t *k)
{
	fuse_ino_t ino = pick_node(k[1]);
	const char *name = names[k[2] % 8];
	mode_t mode = (k[3] << 4 | k[4]) % 010000;
	struct fuse_file_info fi;
	struct fake_req *q;
	size_t max = 0;
	fuse_req_t req;

	if (op == DH_GETXATTR || op == DH_LISTXATTR)
		max = (size_t)k[3] * 64 + (k[4] & 1 ? WF_XATTR_MAX : 0);
	q = new_req(op, ino, max, k[0] & DH_FAIL_REPLY);
	if (!q)
		return;
	req = (fuse_req_t)q;
	memset(&fi, 0, sizeof(fi));
	fi.flags = open_flags(k[2]);
	switch (op) {
	case DH_LOOKUP:
		wfd_op_lookup(req, ino, name);
		break;
	case DH_READLINK:
		wfd_op_readlink(req, ino);
		break;
	case DH_ACCESS:
		wfd_op_access(req, ino, k[2] & 7);
		break;
	case DH_STATFS:
		wfd_op_statfs(req, ino);
		break;
	case DH_MKDIR:
		wfd_op_mkdir(req, ino, name, S_IFDIR | mode);
		break;
	case DH_MKNOD:
		do_mknod(req, ino, k);
		break;
	case DH_SYMLINK:
		wfd_op_symlink(req, pick_target(k[3]), ino, name);
		break;
	case DH_LINK:
		wfd_op_link(req, ino, pick_node(k[3]), name);
		break;
	case DH_UNLINK:
		wfd_op_unlink(req, ino, held_names[k[2] % 6]);
		break;
	case DH_RMDIR:
		wfd_op_rmdir(req, ino, held_names[k[2] % 6]);
		break;
	case DH_RENAME:
		do_rename(req, ino, k);
		break;
	case DH_OPEN:
		wfd_op_open(req, ino, &fi);
		break;
	case DH_CREATE:
		fi.flags |= O_CREAT;
		wfd_op_create(req, ino, name, S_IFREG | mode, &fi);
		break;
	case DH_OPENDIR:
		fi.flags = O_RDONLY | O_DIRECTORY;
		wfd_op_opendir(req, ino, &fi);
		break;
	case DH_FSYNCDIR:
		wfd_op_fsyncdir(req, ino, k[2] & 1, &fi);
		break;
	case DH_GETXATTR:
		wfd_op_getxattr(req, ino, xattr_names[k[2] % 4], max);
		break;
	case DH_LISTXATTR:
		wfd_op_listxattr(req, ino, max);
		break;
	case DH_SETXATTR:
		wfd_op_setxattr(req, ino, xattr_names[k[2] % 4], data,
				(size_t)k[3] * 300, k[4] % 5);
		break;
	case DH_REMOVEXATTR:
		wfd_op_removexattr(req, ino, xattr_names[k[2] % 4]);
		break;
	}
}

void dh_kernel_op(const uint8_t k[DH_OP_BYTES])
{
	int op = (k[0] & 0x1f) % DH_OP_COUNT;

	switch (op) {
	case DH_FORGET:
		do_forget(k);
		break;
	case DH_GETATTR:
	case DH_SETATTR:
		attr_op(op, k);
		break;
	case DH_RENAME:
		if (rename_sent(k))
			node_op(op, k);
		break;
	case DH_READ:
	case DH_WRITE:
	case DH_FLUSH:
	case DH_FSYNC:
	case DH_FALLOCATE:
	case DH_RELEASE:
	case DH_READDIR:
	case DH_READDIRPLUS:
	case DH_RELEASEDIR:
		handle_op(op, k);
		break;
	default:
		node_op(op, k);
		break;
	}
}

bool dh_fire(uint8_t pick)
{
	struct fake_req *interruptible[MAX_REQS];
	size_t n = 0, i;

	for (i = 0; i < dh.nreqs; i++) {
		if (!dh.reqs[i].replies && dh.reqs[i].interrupt)
			interruptible[n++] = &dh.reqs[i];
	}
	if (!n && !dh.ntimers)
		return false;
	i = pick % (n + dh.ntimers);
	if (i < n) {
		struct fake_req *q = interruptible[i];
		fuse_interrupt_func_t fn = q->interrupt;

		/* libfuse calls it once, on the INTERRUPT the kernel sends. */
		q->interrupt = NULL;
		fn((fuse_req_t)q, q->interrupt_data);
	} else {
		struct timer t = dh.timers[i - n];

		dh.timers[i - n] = dh.timers[--dh.ntimers];
		t.cb(t.sul);
	}
	return true;
}

unsigned int dh_dir_handles(void)
{
	unsigned int n = 0;

	for (size_t i = 0; i < dh.nhandles; i++)
		n += dh.handles[i]->listing != NULL;
	return n;
}

/* ---- setup and teardown ------------------------------------------------ */

static void fill_names(void)
{
	memset(name255, 'n', 255);
	memset(name256, 'm', 256);
	target4095[0] = '/';
	memset(target4095 + 1, 't', 4094);
	memset(target4096, 'u', 4096);
	for (size_t i = 0; i < DATA_SIZE; i++)
		data[i] = (char)(i * 7 + i / 251);
}

struct wfd_filesystem *dh_setup(void)
{
	uint64_t id;

	if (!name255[0])
		fill_names();
	memset(&dh, 0, sizeof(dh));
	dh.opts.name = "fuzz";
	dh.opts.mountpoint = "/nonexistent";
	dh.opts.attr_timeout = 1;
	dh.opts.entry_timeout = 1;
	dh.opts.uid = -1; /* files show the owner the provider says */
	dh.opts.gid = -1;
	wfd_limits_init(&dh.limits);
	dh.limits.max_message = 256 * 1024;
	dh.limits.max_read = 64 * 1024;
	dh.limits.max_write = 64 * 1024;
	dh.limits.max_pending = 4;
	dh.limits.max_entries = 64;
	dh.fs.opts = &dh.opts;
	dh.fs.limits = &dh.limits;
	dh.fs.context = (struct lws_context *)&fake_context;
	dh.fs.uid = 1000;
	dh.fs.gid = 1000;
	dh.fs.nodes = wfd_nodes_create();
	FUZZ_CHECK(dh.fs.nodes);
	dh.fs.ahead = wfd_ahead_create();
	FUZZ_CHECK(dh.fs.ahead);
	dh.nodes[dh.nnodes++] = (struct kernel_node){WFD_NODE_ROOT, 1};
	FUZZ_CHECK(!wfd_nodes_lookup(dh.fs.nodes, WFD_NODE_ROOT, "file", &id));
	dh.nodes[dh.nnodes++] = (struct kernel_node){id, 1};
	FUZZ_CHECK(!wfd_nodes_lookup(dh.fs.nodes, WFD_NODE_ROOT, "dir", &id));
	dh.nodes[dh.nnodes++] = (struct kernel_node){id, 1};
	return &dh.fs;
}

void dh_teardown(void)
{
	/* What the loop runs next: the calls that waited for writes
	 * answered early go now, and fail without a provider. */
	while (dh.ntimers) {
		struct timer t = dh.timers[--dh.ntimers];

		t.cb(t.sul);
	}
	for (size_t i = 0; i < dh.nreqs; i++)
		FUZZ_CHECK(dh.reqs[i].replies == 1 || !"request unanswered");
	/* A timer left behind would run on freed memory. */
	FUZZ_CHECK(dh.ntimers == 0);
	while (dh.fs.handles.head)
		wfd_handle_destroy(lws_container_of(dh.fs.handles.head,
						    struct wfd_handle, link));
	wfd_ahead_destroy(dh.fs.ahead);
	dh.fs.ahead = NULL;
	wfd_nodes_destroy(dh.fs.nodes);
	dh.fs.nodes = NULL;
}
