/* Static files for browsers, served over HTTP on the WebSocket's port. */
#ifndef WFD_DOCROOT_H
#define WFD_DOCROOT_H

#include <stddef.h>

struct lws;
struct wfd_docroot;

/*
 * wfd_docroot_open() - serve the files beneath the directory @dir. Returns
 * NULL (after logging why) when @dir is not a directory one can read.
 */
struct wfd_docroot *wfd_docroot_open(const char *dir);

/* wfd_docroot_close() - accepts NULL. */
void wfd_docroot_close(struct wfd_docroot *root);

/*
 * wfd_docroot_serve() - answer the HTTP request of @wsi for @uri (@len
 * bytes: the decoded path, without query) from @root, which may be NULL (then
 * every file is missing). GET and HEAD of a regular file beneath the directory
 * are served with its content type; "/" and "DIR/" serve index.html; hidden
 * names, directories, other file types and anything that would leave the
 * directory (through "..", absolute or escaping symlinks) are 404. Returns
 * what the lws callback returns: non-zero to close the connection.
 */
int wfd_docroot_serve(const struct wfd_docroot *root, struct lws *wsi,
		      const char *uri, size_t len);

#endif
