/* A validated directory listing, as the result of readdir delivers it. */
#ifndef WFD_LISTING_H
#define WFD_LISTING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

struct wfd_listing;

/*
 * wfd_listing_create() - decode and check the result of a readdir call
 * (@result borrowed): at most @max_entries entries, each with a valid,
 * unique name and a valid attribute object (owner defaults @uid, @gid).
 * @out receives the new listing. Returns 0, -EINVAL when the result breaks
 * a rule, or -ENOMEM.
 */
int wfd_listing_create(const json_t *result, size_t max_entries, uid_t uid,
		       gid_t gid, struct wfd_listing **out);

/*
 * wfd_listing_empty() - a listing without entries. NULL on allocation
 * failure.
 */
struct wfd_listing *wfd_listing_empty(void);

/* wfd_listing_destroy() - free @l; accepts NULL. */
void wfd_listing_destroy(struct wfd_listing *l);

/* wfd_listing_count() - the number of entries. */
size_t wfd_listing_count(const struct wfd_listing *l);

/* wfd_listing_name() - the name of entry @i, borrowed from @l. */
const char *wfd_listing_name(const struct wfd_listing *l, size_t i);

/* wfd_listing_attr() - the attributes of entry @i, borrowed from @l. */
const struct stat *wfd_listing_attr(const struct wfd_listing *l, size_t i);

/*
 * wfd_listing_xattr_free() - whether entry @i was said to have no extended
 * attributes.
 */
bool wfd_listing_xattr_free(const struct wfd_listing *l, size_t i);

#endif
