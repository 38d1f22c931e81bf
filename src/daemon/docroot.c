/* Static files for browsers, served over HTTP on the WebSocket's port. */
#include "docroot.h"

#include "beneath.h"
#include "log.h"
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INDEX "index.html"
/* A page lent to the device's owner, not to other sites' frames. */
#define HEADERS                               \
	"X-Content-Type-Options: nosniff\r\n" \
	"Cache-Control: no-cache\r\n"         \
	"Content-Security-Policy: frame-ancestors 'none'\r\n"

struct wfd_docroot {
	int fd;
};

/* Types lws does not know by itself (it knows html, js, css, images...). */
static const struct lws_protocol_vhost_options wasm_type = {NULL, NULL, ".wasm",
							    "application/wasm"};
static const struct lws_protocol_vhost_options mjs_type = {
	&wasm_type, NULL, ".mjs", "text/javascript"};
static const struct lws_http_mount types = {.extra_mimetypes = &mjs_type};

struct wfd_docroot *wfd_docroot_open(const char *dir)
{
	struct wfd_docroot *root = malloc(sizeof(*root));

	if (!root)
		return NULL;
	root->fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root->fd < 0) {
		wfd_log(WFD_LOG_ERROR, "docroot %s: %s", dir, strerror(errno));
		free(root);
		return NULL;
	}
	if (access(WF_PROC_FD, X_OK)) {
		wfd_log(WFD_LOG_ERROR,
			"docroot %s: needs %s (is /proc "
			"mounted?)",
			dir, WF_PROC_FD);
		wfd_docroot_close(root);
		return NULL;
	}
	return root;
}

void wfd_docroot_close(struct wfd_docroot *root)
{
	if (!root)
		return;
	close(root->fd);
	free(root);
}

/* Whether a component of @path (a valid protocol path) starts with '.'. */
static int hidden(const char *path)
{
	return strstr(path, "/.") != NULL;
}

/*
 * The protocol path of the file @uri (@len bytes) names, into @path
 * (WF_PATH_MAX + 1 bytes): "DIR/" means DIR/index.html. Returns 0 or -ENOENT.
 */
static int file_path(const char *uri, size_t len, char *path)
{
	const char *index = len && uri[len - 1] == '/' ? INDEX : "";
	int n;

	if (len > WF_PATH_MAX || memchr(uri, 0, len))
		return -ENOENT;
	n = snprintf(path, WF_PATH_MAX + 1, "%.*s%s", (int)len, uri, index);

	if (n < 0 || n > WF_PATH_MAX || !wf_path_valid(path, (size_t)n) ||
	    hidden(path))
		return -ENOENT;
	return 0;
}

/* A regular file beneath @root at @path, opened for reading, or -errno. */
static int open_file(const struct wfd_docroot *root, const char *path)
{
	struct stat st;
	int fd;

	/* O_NONBLOCK: a FIFO in the directory must not stall the loop. */
	fd = wf_open_beneath(root->fd, path + 1,
			     O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

static int finish(struct lws *wsi, int status)
{
	if (lws_return_http_status(wsi, (unsigned int)status, NULL))
		return -1;
	return lws_http_transaction_completed(wsi);
}

int wfd_docroot_serve(const struct wfd_docroot *root, struct lws *wsi,
		      const char *uri, size_t len)
{
	char path[WF_PATH_MAX + 1];
	char proc[WF_PROC_PATH_MAX];
	const char *type;
	int fd, n;

	if (!lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) &&
	    !lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI))
		return finish(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED);
	fd = root && !file_path(uri, len, path) ? open_file(root, path)
						: -ENOENT;
	if (fd < 0) {
		wfd_log(WFD_LOG_DEBUG, "http: %.*s: not served (%s)", (int)len,
			uri, strerror(-fd));
		return finish(wsi, HTTP_STATUS_NOT_FOUND);
	}
	type = lws_get_mimetype(path, &types);
	/* lws opens what it serves by name: the name of a descriptor we hold.
	 */
	wf_proc_path(fd, proc);
	n = lws_serve_http_file(wsi, proc,
				type ? type : "application/octet-stream",
				HEADERS, (int)strlen(HEADERS));
	close(fd);
	wfd_log(WFD_LOG_DEBUG, "http: %s: %s", path,
		n < 0 ? "failed" : "served");
	if (n < 0)
		return -1;
	return n > 0 ? lws_http_transaction_completed(wsi) : 0;
}
