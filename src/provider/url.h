/* The service's address, from a ws:// or wss:// URL. */
#ifndef WFP_URL_H
#define WFP_URL_H

#include <stdbool.h>

struct wfp_url {
	char *text;	 /* owned: the URL as given, for messages */
	char *host;	 /* owned: host name or address, no brackets */
	char *authority; /* owned: HOST[:PORT] as given, for Host: */
	int port;	 /* 1..65535 */
	char *path;	 /* owned: request path, starts with '/' */
	bool tls;	 /* wss:// */
};

/*
 * wfp_url_parse() - split @text (borrowed) of the form
 * "ws://HOST[:PORT][/PATH]" or "wss://..." into @url. The port defaults to
 * 80 (ws) or 443 (wss). On success @url must be released with
 * wfp_url_cleanup(). Returns 0, -EINVAL if @text is not such a URL, or
 * -ENOMEM. On error @url needs no cleanup.
 */
int wfp_url_parse(struct wfp_url *url, const char *text);

/* wfp_url_cleanup() - release what @url owns; it may be parsed again. */
void wfp_url_cleanup(struct wfp_url *url);

#endif
