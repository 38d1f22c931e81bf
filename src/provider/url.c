/* The service's address, from a ws:// URL. */
#include "url.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PORT_DIGITS_MAX 5

/*
 * Whether the authority (between "//" and the path) is HOST[:PORT] with a
 * non-empty host and a decimal port: lws_parse_uri() takes "host:abc" for
 * port 0 and ignores what follows the digits.
 */
static bool authority_valid(const char *auth, size_t len)
{
	const char *colon = NULL;
	size_t digits;

	if (len == 0)
		return false;
	if (auth[0] == '[') {
		const char *close = memchr(auth, ']', len);

		if (!close || close == auth + 1)
			return false;
		if ((size_t)(close - auth) + 1 < len) {
			if (close[1] != ':')
				return false;
			colon = close + 1;
		}
	} else {
		colon = memchr(auth, ':', len);
		if (colon == auth)
			return false;
		if (colon && memchr(colon + 1, ':', len - (colon + 1 - auth)))
			return false;
	}
	if (!colon)
		return true;
	digits = len - (size_t)(colon + 1 - auth);
	if (digits == 0 || digits > PORT_DIGITS_MAX)
		return false;
	for (size_t i = 0; i < digits; i++) {
		if (colon[1 + i] < '0' || colon[1 + i] > '9')
			return false;
	}
	return true;
}

/* Whether @text holds only printable ASCII without spaces. */
static bool printable(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p <= ' ' || *p >= 0x7f)
			return false;
	}
	return true;
}

int wfp_url_parse(struct wfp_url *url, const char *text)
{
	const char *prot, *host, *path;
	size_t scheme_len, auth_len;
	bool tls;
	char *copy;
	int port;
	int rc = -EINVAL;

	memset(url, 0, sizeof(*url));
	if (strncasecmp(text, "ws://", 5) == 0) {
		tls = false;
		scheme_len = 5;
	} else if (strncasecmp(text, "wss://", 6) == 0) {
		tls = true;
		scheme_len = 6;
	} else {
		return -EINVAL;
	}
	if (!printable(text))
		return -EINVAL;
	auth_len = strcspn(text + scheme_len, "/");
	if (strcspn(text + scheme_len, "?#@") < auth_len)
		return -EINVAL;
	if (!authority_valid(text + scheme_len, auth_len))
		return -EINVAL;

	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	if (lws_parse_uri(copy, &prot, &host, &port, &path))
		goto out_free_copy;
	if (host[0] == '\0' || port < 1 || port > 65535)
		goto out_free_copy;
	rc = -ENOMEM;
	url->text = strdup(text);
	url->host = strdup(host);
	url->authority = strndup(text + scheme_len, auth_len);
	/* lws_parse_uri() drops the path's leading '/'. */
	if (asprintf(&url->path, "%s%s", path[0] == '/' ? "" : "/", path) < 0)
		url->path = NULL;
	if (!url->text || !url->host || !url->authority || !url->path)
		goto out_cleanup_url;
	url->port = port;
	url->tls = tls;
	free(copy);
	return 0;

out_cleanup_url:
	wfp_url_cleanup(url);
out_free_copy:
	free(copy);
	return rc;
}

void wfp_url_cleanup(struct wfp_url *url)
{
	free(url->text);
	free(url->host);
	free(url->authority);
	free(url->path);
	memset(url, 0, sizeof(*url));
}
