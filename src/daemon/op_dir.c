/* Operations on open directories: the listing is read once, at opendir. */
#include "filesystem_i.h"

#include "ahead.h"
#include "limit.h"
#include "listing.h"
#include "message.h"
#include "node.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Opens the directory with @listing (owned), which waited @age seconds. */
static void reply_opendir(struct wfd_request *r, struct wfd_listing *listing,
			  double age)
{
	struct wfd_handle *h = wfd_handle_create(r->fs, r->ino);

	if (!h) {
		wfd_listing_destroy(listing);
		wfd_request_finish(r, -ENOMEM);
		return;
	}
	h->listing = listing;
	h->xattr_epoch = r->xattr_epoch;
	h->listing_age = age;
	r->fi.fh = (uintptr_t)h;
	if (fuse_reply_open(r->req, &r->fi))
		wfd_handle_destroy(h);
	else
		wfd_ahead_follow(r->fs, r->ino, listing);
	wfd_request_destroy(r);
}

static void opendir_done(struct wfd_call *call, struct wf_message *reply,
			 int err)
{
	struct wfd_request *r = wfd_request_of(call);
	struct wfd_filesystem *fs = r->fs;
	struct wfd_listing *listing = NULL;

	err = wfd_outcome(r, reply, err);
	if (!err) {
		err = wfd_listing_create(reply->result, fs->limits->max_entries,
					 fs->uid, fs->gid, &listing);
		if (err == -EINVAL)
			err = wfd_invalid(r, "readdir");
	}
	if (err) {
		wfd_request_finish(r, err);
		return;
	}
	reply_opendir(r, listing, 0);
}

void wfd_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	struct wfd_request *r = wfd_request_new(req, ino, NULL, opendir_done);
	struct wfd_listing *listing;
	double age;

	if (!r)
		return;
	r->fi = *fi;
	if (fs->provider) {
		switch (wfd_ahead_take(fs, r, &listing, &age)) {
		case WFD_AHEAD_ARRIVED:
			reply_opendir(r, listing, age);
			break;
		case WFD_AHEAD_COMING:
			break;
		case WFD_AHEAD_NONE:
			wfd_request_start(r, "readdir", NULL);
		}
		return;
	}
	if (ino != WFD_NODE_ROOT) {
		wfd_request_finish(r, -ENOENT);
		return;
	}
	listing = wfd_listing_empty();
	if (!listing) {
		wfd_request_finish(r, -ENOMEM);
		return;
	}
	reply_opendir(r, listing, 0);
}

/* What is left of @timeout seconds after @age. */
static double cache_left(double timeout, double age)
{
	return timeout > age ? timeout - age : 0;
}

/*
 * Fills a readdir(plus) reply from the listing. Entry k of the listing has
 * offset k + 3: offsets 1 and 2 follow "." and "..".
 */
static void reply_listing(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t off, struct fuse_file_info *fi, bool plus)
{
	struct wfd_filesystem *fs = fuse_req_userdata(req);
	const struct wfd_handle *h = wfd_handle_of(fi);
	const struct wfd_listing *l = h->listing;
	size_t count = wfd_listing_count(l);
	uint64_t *counted = NULL;
	size_t ncounted = 0;
	size_t pos = 0;
	char *buf = malloc(size);

	if (!buf ||
	    (plus && !(counted = malloc(size / 24 * sizeof(*counted))))) {
		free(buf);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (size_t i = off < 0 ? 0 : (size_t)off; i < count + 2; i++) {
		struct fuse_entry_param e;
		const char *name;
		size_t need;

		memset(&e, 0, sizeof(e));
		if (i < 2) {
			name = i == 0 ? "." : "..";
			e.attr.st_mode = S_IFDIR;
			e.attr.st_ino = ino;
		} else {
			name = wfd_listing_name(l, i - 2);
			e.attr = *wfd_listing_attr(l, i - 2);
			wfd_apply_owner(fs, &e.attr);
		}
		if (!plus) {
			if (e.attr.st_ino == 0)
				e.attr.st_ino = ino;
			need = fuse_add_direntry(req, buf + pos, size - pos,
						 name, &e.attr, (off_t)i + 1);
			if (need > size - pos)
				break;
			pos += need;
			continue;
		}
		need = fuse_add_direntry_plus(req, NULL, 0, name, NULL, 0);
		if (need > size - pos)
			break;
		if (i >= 2) {
			if (wfd_nodes_lookup(fs->nodes, ino, name, &e.ino))
				break;
			counted[ncounted++] = e.ino;
			e.generation = WFD_NODE_GENERATION;
			e.attr_timeout = cache_left(
				wfd_attr_timeout(fs, &e.attr), h->listing_age);
			e.entry_timeout = cache_left(fs->opts->entry_timeout,
						     h->listing_age);
			if (e.attr.st_ino == 0)
				e.attr.st_ino = e.ino;
			wfd_note_xattrs(fs, e.ino,
					wfd_listing_xattr_free(l, i - 2),
					h->xattr_epoch, e.attr_timeout);
		}
		pos += fuse_add_direntry_plus(req, buf + pos, size - pos, name,
					      &e, (off_t)i + 1);
	}
	if (fuse_reply_buf(req, buf, pos)) {
		/* The kernel never saw these entries: undo their lookups. */
		for (size_t i = 0; i < ncounted; i++)
			wfd_nodes_forget(fs->nodes, counted[i], 1);
	}
	free(counted);
	free(buf);
}

void wfd_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	reply_listing(req, ino, size, off, fi, false);
}

void wfd_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	reply_listing(req, ino, size, off, fi, true);
}

void wfd_op_releasedir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	wfd_handle_destroy(wfd_handle_of(fi));
	fuse_reply_err(req, 0);
}

void wfd_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	(void)fi;
	wfd_op(req, ino, wfd_empty_done, "fsync",
	       json_pack("{s:b}", "datasync", datasync != 0));
}
