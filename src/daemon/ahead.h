/*
 * Directory listings asked for before the kernel opens the directory.
 *
 * A program that walks a tree (ls -R, find, du, cp -r) opens a directory,
 * reads it, then opens its subdirectories one after another, each a round
 * trip to the provider while the daemon waits. When a listing goes to the
 * kernel, the listings of the subdirectories it names are asked for too,
 * a few at a time, in name order and depth first, as such programs walk:
 * the provider lists the next directory while the daemon and the program
 * work through this one.
 *
 * A listing fetched ahead is never served after a change: every call that
 * may change what a listing shows (wfd_method_changes()) forgets them all,
 * and none is asked while such a call is unanswered. One that nobody
 * opened within the cache time (the smaller of attr_timeout and
 * entry_timeout; 0 turns fetching ahead off) is dropped. Bounded: a few
 * calls in flight, a few dozen listings, a few thousand entries.
 */
#ifndef WFD_AHEAD_H
#define WFD_AHEAD_H

#include <fuse_lowlevel.h>
#include <stdbool.h>

struct wfd_filesystem;
struct wfd_listing;
struct wfd_request;
struct wfd_ahead;

/* wfd_ahead_create() - nothing asked yet. NULL on allocation failure. */
struct wfd_ahead *wfd_ahead_create(void);

/*
 * wfd_ahead_destroy() - free @a and what it holds; accepts NULL. Call when
 * no call it made is unanswered (the provider connections are gone).
 */
void wfd_ahead_destroy(struct wfd_ahead *a);

/*
 * wfd_ahead_follow() - the kernel opened directory @dir of @fs with
 * @listing (borrowed): ask for the listings of its subdirectories next.
 */
void wfd_ahead_follow(struct wfd_filesystem *fs, fuse_ino_t dir,
		      const struct wfd_listing *listing);

enum wfd_ahead_found {
	WFD_AHEAD_NONE,	   /* nothing fetched ahead: @r is the caller's */
	WFD_AHEAD_ARRIVED, /* in @listing (the caller's), @age seconds old */
	WFD_AHEAD_COMING,  /* on its way: @r gets the answer as if it asked */
};

/*
 * wfd_ahead_take() - serve the opendir @r of @fs from a listing fetched
 * ahead, if there is one (enum wfd_ahead_found says how).
 */
enum wfd_ahead_found wfd_ahead_take(struct wfd_filesystem *fs,
				    struct wfd_request *r,
				    struct wfd_listing **listing, double *age);

/*
 * wfd_ahead_forget() - something changed (or may have), or the provider
 * came or went: nothing asked so far is served any more.
 */
void wfd_ahead_forget(struct wfd_filesystem *fs);

/*
 * wfd_method_changes() - whether @method, sent for @r, may change what a
 * listing shows. Reads, lookups, listings and releases do not; an open
 * does only when it truncates; flush and fsync only of a file opened for
 * writing.
 */
bool wfd_method_changes(const struct wfd_request *r, const char *method);

#endif
