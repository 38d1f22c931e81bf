/* The settings of webfused, from defaults and a JSON file (doc/config.md). */
#ifndef WFD_CONFIG_H
#define WFD_CONFIG_H

#include "auth.h"
#include "filesystem.h"
#include "limit.h"
#include "log.h"
#include "server.h"

#include <jansson.h>
#include <stddef.h>

/* Longest name of a filesystem; names are [A-Za-z0-9._-]. */
#define WFD_FS_NAME_MAX 64

/* Most filesystems one daemon mounts. */
#define WFD_FILESYSTEMS_MAX 32

/* Seconds the kernel may cache attributes and names by default. */
#define WFD_DEFAULT_CACHE_TIMEOUT 1.0

/* Every string member points into @root, which the config owns. */
struct wfd_config {
	json_t *root;
	struct wfd_server_options server;
	struct wfd_auth_options auth;
	struct wfd_limits limits;
	struct wfd_filesystem_options filesystems[WFD_FILESYSTEMS_MAX];
	size_t filesystem_count;
	enum wfd_log_level log_level;
	enum wfd_log_target log_target;
	const char *user;  /* run as this user after mounting, or NULL */
	const char *group; /* ... and group (NULL: the user's) */
};

/* wfd_config_init() - the defaults: no filesystem, no authentication. */
void wfd_config_init(struct wfd_config *config);

/*
 * wfd_config_load() - read the JSON file @path over the defaults of
 * @config. On error @config is as before and @why (@size bytes) says
 * "PATH:LINE:COLUMN: FIELD: what is wrong".
 * Returns 0, or -errno (-EINVAL for a bad file).
 */
int wfd_config_load(struct wfd_config *config, const char *path, char *why,
		    size_t size);

/*
 * wfd_config_set_filesystem() - make @mountpoint (borrowed) the one
 * unnamed filesystem, in place of those of the file.
 */
void wfd_config_set_filesystem(struct wfd_config *config,
			       const char *mountpoint);

/* wfd_config_cleanup() - free what the file held; accepts a fresh one. */
void wfd_config_cleanup(struct wfd_config *config);

#endif
