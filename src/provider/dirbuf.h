/* A directory listing filled by a provider's readdir operation. */
#ifndef WFP_DIRBUF_H
#define WFP_DIRBUF_H

#include <webfuse/provider.h>

#include <jansson.h>
#include <stddef.h>

/*
 * wfp_dirbuf_create() - an empty listing that accepts at most
 * @max_entries entries. Returns a new listing to be freed with
 * wfp_dirbuf_destroy(), or NULL when out of memory.
 */
struct wfp_dirbuf *wfp_dirbuf_create(size_t max_entries);

/* wfp_dirbuf_destroy() - free @buf; accepts NULL. */
void wfp_dirbuf_destroy(struct wfp_dirbuf *buf);

/*
 * wfp_dirbuf_error() - the error that spoilt the listing (-E2BIG, -ENOMEM)
 * or 0.
 */
int wfp_dirbuf_error(const struct wfp_dirbuf *buf);

/*
 * wfp_dirbuf_entries() - the entries as the protocol's "entries" array:
 * [{"name", "attr"}...]. Returns a borrowed reference that lives as long
 * as @buf.
 */
json_t *wfp_dirbuf_entries(const struct wfp_dirbuf *buf);

#endif
