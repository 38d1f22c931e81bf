/* Fuzz target: the HTTP request path a browser sends to --docroot, as
 * wfd_docroot_serve() turns it into a file beneath the directory. */
#include "harness.h"

#include "docroot.h"
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Input: the decoded request path (what lws hands the HTTP callback). */

static struct wfd_docroot *root;
static int file_fd = -1; /* an anonymous regular file to "serve" */
static int served;

/* A fake connection: only its address is passed around. */
static char fake_wsi;

/*
 * The targets link with -Wl,--wrap= for these: the connection is fake and
 * nothing is opened; what would be opened is checked instead.
 */
int __wrap_wf_open_beneath(int dirfd, const char *rel, int flags,
			   uint64_t resolve);
int __wrap_lws_hdr_total_length(struct lws *wsi, enum lws_token_indexes h);
int __wrap_lws_return_http_status(struct lws *wsi, unsigned int code,
				  const char *html_body);
int __wrap_lws_http_transaction_completed(struct lws *wsi);
int __wrap_lws_serve_http_file(struct lws *wsi, const char *file,
			       const char *content_type,
			       const char *other_headers,
			       int other_headers_len);

int __wrap_wf_open_beneath(int dirfd, const char *rel, int flags,
			   uint64_t resolve)
{
	char path[WF_PATH_MAX + 2];
	size_t len = strlen(rel);

	(void)dirfd;
	/* Only regular reading, beneath the directory, never hidden. */
	FUZZ_CHECK((flags & O_ACCMODE) == O_RDONLY && !(flags & O_CREAT));
	FUZZ_CHECK(resolve == 0);
	FUZZ_CHECK(len >= 1 && len < WF_PATH_MAX);
	path[0] = '/';
	memcpy(path + 1, rel, len + 1);
	FUZZ_CHECK(wf_path_valid(path, len + 1));
	FUZZ_CHECK(!strstr(path, "/."));
	/* Half of the names exist. */
	return rel[len - 1] & 1 ? -ENOENT : dup(file_fd);
}

int __wrap_lws_hdr_total_length(struct lws *wsi, enum lws_token_indexes h)
{
	FUZZ_CHECK(wsi == (struct lws *)&fake_wsi);
	return h == WSI_TOKEN_GET_URI ? 1 : 0;
}

int __wrap_lws_return_http_status(struct lws *wsi, unsigned int code,
				  const char *html_body)
{
	(void)html_body;
	FUZZ_CHECK(wsi == (struct lws *)&fake_wsi);
	FUZZ_CHECK(code == HTTP_STATUS_NOT_FOUND ||
		   code == HTTP_STATUS_METHOD_NOT_ALLOWED);
	return 0;
}

int __wrap_lws_http_transaction_completed(struct lws *wsi)
{
	FUZZ_CHECK(wsi == (struct lws *)&fake_wsi);
	return 0;
}

int __wrap_lws_serve_http_file(struct lws *wsi, const char *file,
			       const char *content_type,
			       const char *other_headers, int other_headers_len)
{
	FUZZ_CHECK(wsi == (struct lws *)&fake_wsi);
	FUZZ_CHECK(strncmp(file, "/proc/self/fd/", 14) == 0);
	FUZZ_CHECK(content_type && *content_type);
	FUZZ_CHECK(other_headers_len == (int)strlen(other_headers));
	served++;
	return served & 1;
}

/* The file every open gives, and the docroot, made at the first input. */
static void setup_once(void)
{
	if (root)
		return;
	file_fd = memfd_create("fuzz_docroot", MFD_CLOEXEC);
	root = wfd_docroot_open("/");
	if (file_fd < 0 || !root)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int rc;

	setup_once();
	rc = wfd_docroot_serve(root, (struct lws *)&fake_wsi,
			       (const char *)data, size);
	FUZZ_CHECK(rc == 0 || rc == -1);
	return 0;
}
