/* webfused: mounts filesystems whose files WebSocket providers lend. */
#include "auth.h"
#include "config.h"
#include "filesystem.h"
#include "heap.h"
#include "limit.h"
#include "log.h"
#include "privilege.h"
#include "server.h"
#include "signals.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <math.h>
#ifdef WF_STATIC_DAEMON
#include <nss.h>
#endif
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Options without a short form. */
enum {
	OPT_MAX_MESSAGE = 256,
	OPT_MAX_READ,
	OPT_MAX_WRITE,
	OPT_MAX_PENDING,
	OPT_MAX_ENTRIES,
	OPT_MAX_CONNECTIONS,
	OPT_MAX_WRITE_BEHIND,
	OPT_CERT,
	OPT_KEY,
	OPT_TOKEN_FILE,
	OPT_AUTHENTICATOR,
	OPT_NO_AUTH,
	OPT_DEVICE_SECRET,
	OPT_LOG_TO,
	OPT_ATTR_TIMEOUT,
	OPT_ENTRY_TIMEOUT,
	OPT_BUSY_POLL,
};

static const struct option long_options[] = {
	{"config", required_argument, NULL, 'c'},
	{"mountpoint", required_argument, NULL, 'm'},
	{"port", required_argument, NULL, 'p'},
	{"bind", required_argument, NULL, 'b'},
	{"timeout", required_argument, NULL, 't'},
	{"docroot", required_argument, NULL, 'd'},
	{"user", required_argument, NULL, 'u'},
	{"group", required_argument, NULL, 'g'},
	{"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	{"authenticator", required_argument, NULL, OPT_AUTHENTICATOR},
	{"no-auth", no_argument, NULL, OPT_NO_AUTH},
	{"device-secret", required_argument, NULL, OPT_DEVICE_SECRET},
	{"cert", required_argument, NULL, OPT_CERT},
	{"key", required_argument, NULL, OPT_KEY},
	{"log-level", required_argument, NULL, 'l'},
	{"log-to", required_argument, NULL, OPT_LOG_TO},
	{"max-message", required_argument, NULL, OPT_MAX_MESSAGE},
	{"max-read", required_argument, NULL, OPT_MAX_READ},
	{"max-write", required_argument, NULL, OPT_MAX_WRITE},
	{"max-pending", required_argument, NULL, OPT_MAX_PENDING},
	{"max-entries", required_argument, NULL, OPT_MAX_ENTRIES},
	{"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
	{"max-write-behind", required_argument, NULL, OPT_MAX_WRITE_BEHIND},
	{"attr-timeout", required_argument, NULL, OPT_ATTR_TIMEOUT},
	{"entry-timeout", required_argument, NULL, OPT_ENTRY_TIMEOUT},
	{"busy-poll", required_argument, NULL, OPT_BUSY_POLL},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static const char short_options[] = ":c:m:p:b:t:d:u:g:l:hV";

static struct wfd_server *running;
static volatile sig_atomic_t stop_requested;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: webfused -m MOUNTPOINT [OPTION]...\n"
		"   or: webfused -c FILE [OPTION]...\n"
		"Mount filesystems whose files are lent by providers that "
		"connect over\n"
		"WebSocket (subprotocol webfuse.v1). Runs in the foreground; "
		"SIGINT or SIGTERM\n"
		"unmounts and exits 0.\n"
		"\n"
		"  -c, --config FILE      read settings from FILE (JSON, see "
		"doc/config.md);\n"
		"                         the options below override it\n"
		"  -m, --mountpoint DIR   mount one unnamed filesystem at DIR "
		"(an existing\n"
		"                         directory), in place of those of "
		"the config file\n"
		"  -p, --port PORT        TCP port to listen on (default "
		"8080)\n"
		"  -b, --bind ADDR        address or interface to listen on "
		"(default: all)\n"
		"  -t, --timeout SECONDS  a call the provider does not answer "
		"in time fails\n"
		"                         with ETIMEDOUT (default 10, at most "
		"%d)\n"
		"      --attr-timeout SECONDS   how long the kernel may cache "
		"attributes\n"
		"                         (default 1, 0 to %d; 0: ask the "
		"provider each time)\n"
		"      --entry-timeout SECONDS  how long the kernel may cache "
		"names (default 1)\n"
		"                         A change made through the mount "
		"shows at once; one\n"
		"                         made at the provider within these "
		"times.\n"
		"      --busy-poll USEC   after each request or answer, stay "
		"awake USEC\n"
		"                         microseconds before sleeping (0 to "
		"%d; default 0:\n"
		"                         off). Costs CPU time, saves wake-ups "
		"of round trips;\n"
		"                         ignored on a single CPU\n"
		"  -u, --user USER        once mounted and listening, run as "
		"USER (needs root)\n"
		"  -g, --group GROUP      ... and as GROUP (default: USER's "
		"group)\n"
		"\n"
		"Authentication (one of them is required):\n"
		"      --token-file FILE  a provider must present a token "
		"whose salted hash\n"
		"                         is in FILE (webfuse-token add "
		"FILE NAME makes one)\n"
		"      --authenticator PROGRAM\n"
		"                         a provider's credentials go to "
		"PROGRAM on stdin as\n"
		"                         JSON; exit status 0 accepts "
		"(within 5 s)\n"
		"      --no-auth          accept every provider\n"
		"      --device-secret FILE  prove to providers that ask "
		"(webfuse-provider\n"
		"                         --device-secret) that this "
		"device holds FILE\n"
		"\n"
		"      --cert FILE        serve wss:// and https:// with "
		"this certificate\n"
		"                         (PEM, may hold the chain)\n"
		"      --key FILE         the private key of --cert (PEM)\n"
		"  -d, --docroot DIR      also serve the files of DIR over "
		"HTTP on PORT (GET\n"
		"                         and HEAD; / and DIR/ give "
		"index.html; no listings,\n"
		"                         nothing outside DIR, no hidden "
		"files)\n"
		"  -l, --log-level LEVEL  error, warn, info or debug (default "
		"info)\n"
		"      --log-to TARGET    stderr or syslog (facility daemon; "
		"default stderr)\n"
		"\n"
		"Limits (a number, or with K, M or G for KiB, MiB, GiB):\n"
		"      --max-message N      bytes of one message from a "
		"provider; a bigger one\n"
		"                           closes the connection (default "
		"16M)\n"
		"      --max-read N         largest read asked of a provider "
		"(default 1M,\n"
		"                           4K..1M)\n"
		"      --max-write N        largest write sent to a provider "
		"(default 1M, 4K..1M)\n"
		"      --max-write-behind N bytes of writes answered before "
		"the provider\n"
		"                           confirms them; an error is "
		"reported at the next\n"
		"                           write, fsync or close (default "
		"4M; 0: each write\n"
		"                           waits)\n"
		"      --max-pending N      calls in flight per provider; "
		"more wait (default 256)\n"
		"      --max-entries N      entries of one directory listing; "
		"a longer one fails\n"
		"                           with EIO (default 100000)\n"
		"      --max-connections N  connections at once; more are "
		"refused (default 16)\n"
		"\n"
		"  -h, --help             show this help and exit\n"
		"  -V, --version          show the version and exit\n"
		"\n"
		"With no provider attached a mount is an empty directory. "
		"One provider at a\n"
		"time serves a filesystem, which it names when it attaches; "
		"when it goes away,\n"
		"calls in flight fail with EIO at once.\n"
		"Exit status: 0 after SIGINT, SIGTERM or an unmount of every "
		"filesystem from\n"
		"outside; 1 when a mountpoint is unusable, the port cannot be "
		"opened or the\n"
		"user cannot be switched to; 2 on invalid arguments or an "
		"invalid config file.\n",
		WFD_MAX_TIMEOUT_S, WFD_MAX_TIMEOUT_S, WFD_MAX_BUSY_POLL_US);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (running)
		wfd_server_stop(running);
}

/* The decimal integer @text, @min to @max, into @out. */
static int parse_integer(const char *text, long min, long max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int parse_seconds(const char *text, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_timeout(const char *text, struct wfd_limits *limits)
{
	double v;

	if (parse_seconds(text, &v))
		return -EINVAL;
	return wfd_limits_set_timeout(limits, v);
}

/* Whether the file @path of option @what cannot be read (said on stderr). */
static bool unreadable(const char *what, const char *path)
{
	if (access(path, R_OK) == 0)
		return false;
	fprintf(stderr, "webfused: cannot read %s %s: %s\n", what, path,
		strerror(errno));
	return true;
}

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "webfused: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'webfused --help'.\n");
}

/* The long name of option @code, as in "max-message". */
static const char *option_name(int code)
{
	for (const struct option *o = long_options; o->name; o++)
		if (o->val == code)
			return o->name;
	return "?";
}

/* Says that @text is no value for option @code, and why (@fmt); returns 2. */
static int invalid_option(int code, const char *text, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "webfused: invalid --%s '%s' (", option_name(code),
		text);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ")\nTry 'webfused --help'.\n");
	return 2;
}

/* Sets the cache time of option @code from @text; 0, or 2 after saying why. */
static int parse_cache_time(int code, const char *text, double *out)
{
	if (parse_seconds(text, out) == 0 && *out >= 0 &&
	    *out <= WFD_MAX_TIMEOUT_S)
		return 0;
	return invalid_option(code, text, "seconds, 0 to %d",
			      WFD_MAX_TIMEOUT_S);
}

/* Sets the limit of option @code to @text; 0, or 2 after saying why. */
static int set_limit(struct wfd_limits *limits, int code, const char *text)
{
	char name[32], why[96];

	snprintf(name, sizeof(name), "%s", option_name(code));
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	if (wfd_limits_set(limits, name, text, why, sizeof(why)) == 0)
		return 0;
	return invalid_option(code, text, "%s", why);
}

/*
 * First pass over the arguments: --help, --version, --config and
 * syntax errors. Returns -1 to go on, else the exit status.
 */
static int first_pass(int argc, char *argv[], const char **config)
{
	int c;

	while ((c = getopt_long(argc, argv, short_options, long_options,
				NULL)) != -1) {
		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("webfused %s\n", WF_VERSION);
			return 0;
		case ':':
			usage_error("option '%s' needs a value",
				    argv[optind - 1]);
			return 2;
		case '?':
			usage_error("unknown option '%s'", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		usage_error("unexpected argument '%s'", argv[optind]);
		return 2;
	}
	return -1;
}

/* The authentication option @code replaces what the file chose. */
static void choose_auth(struct wfd_auth_options *auth, int code,
			const char *arg)
{
	auth->none = code == OPT_NO_AUTH;
	auth->token_file = code == OPT_TOKEN_FILE ? arg : NULL;
	auth->program = code == OPT_AUTHENTICATOR ? arg : NULL;
}

/* Second pass: the options over the config. Returns -1 or the status. */
static int second_pass(int argc, char *argv[], struct wfd_config *config)
{
	double attr_timeout = -1, entry_timeout = -1;
	int choices = 0, busy_poll, c;

	optind = 0;
	while ((c = getopt_long(argc, argv, short_options, long_options,
				NULL)) != -1) {
		switch (c) {
		case 'm':
			wfd_config_set_filesystem(config, optarg);
			break;
		case 'p':
			if (parse_integer(optarg, 1, 65535,
					  &config->server.port)) {
				usage_error("invalid port '%s' (1-65535)",
					    optarg);
				return 2;
			}
			break;
		case 'b':
			config->server.bind = optarg;
			break;
		case 't':
			if (parse_timeout(optarg, &config->limits)) {
				usage_error("invalid timeout '%s' (seconds, "
					    "more than 0, at most 3600)",
					    optarg);
				return 2;
			}
			break;
		case 'd':
			config->server.docroot = optarg;
			break;
		case 'u':
			config->user = optarg;
			break;
		case 'g':
			config->group = optarg;
			break;
		case OPT_TOKEN_FILE:
		case OPT_AUTHENTICATOR:
		case OPT_NO_AUTH:
			choose_auth(&config->auth, c, optarg);
			choices++;
			break;
		case OPT_DEVICE_SECRET:
			config->auth.device_secret = optarg;
			break;
		case OPT_CERT:
			config->server.cert = optarg;
			break;
		case OPT_KEY:
			config->server.key = optarg;
			break;
		case 'l':
			if (wfd_log_parse_level(optarg, &config->log_level)) {
				usage_error("invalid log level '%s'", optarg);
				return 2;
			}
			break;
		case OPT_LOG_TO:
			if (wfd_log_parse_target(optarg, &config->log_target)) {
				usage_error("invalid --log-to '%s' (stderr or "
					    "syslog)",
					    optarg);
				return 2;
			}
			break;
		case OPT_MAX_MESSAGE:
		case OPT_MAX_READ:
		case OPT_MAX_WRITE:
		case OPT_MAX_PENDING:
		case OPT_MAX_ENTRIES:
		case OPT_MAX_CONNECTIONS:
		case OPT_MAX_WRITE_BEHIND:
			if (set_limit(&config->limits, c, optarg))
				return 2;
			break;
		case OPT_ATTR_TIMEOUT:
			if (parse_cache_time(c, optarg, &attr_timeout))
				return 2;
			break;
		case OPT_ENTRY_TIMEOUT:
			if (parse_cache_time(c, optarg, &entry_timeout))
				return 2;
			break;
		case OPT_BUSY_POLL:
			if (parse_integer(optarg, 0, WFD_MAX_BUSY_POLL_US,
					  &busy_poll))
				return invalid_option(c, optarg,
						      "microseconds, 0 to %d",
						      WFD_MAX_BUSY_POLL_US);
			config->server.busy_poll_us = (unsigned int)busy_poll;
			break;
		}
	}
	/* For every filesystem, whether -m came before or after. */
	for (size_t i = 0; i < config->filesystem_count; i++) {
		if (attr_timeout >= 0)
			config->filesystems[i].attr_timeout = attr_timeout;
		if (entry_timeout >= 0)
			config->filesystems[i].entry_timeout = entry_timeout;
	}
	if (choices > 1) {
		usage_error("%s", "choose one of --token-file, "
				  "--authenticator and --no-auth");
		return 2;
	}
	return -1;
}

/*
 * Whether two mountpoints are one directory, or one lies inside another
 * (mounting there would look into a mount nobody serves yet); said why.
 */
/* Whether the resolved path @inner is @outer or lies inside it. */
static bool within(const char *outer, const char *inner)
{
	size_t len = strlen(outer);

	if (strcmp(outer, "/") == 0)
		return true;
	return strncmp(outer, inner, len) == 0 &&
	       (inner[len] == '/' || inner[len] == '\0');
}

static bool nested_mountpoints(const struct wfd_config *config)
{
	char *real[WFD_FILESYSTEMS_MAX] = {NULL};
	bool nested = false;
	size_t n = config->filesystem_count;

	/* One that does not resolve is reported when it is mounted. */
	for (size_t i = 0; i < n; i++)
		real[i] = realpath(config->filesystems[i].mountpoint, NULL);
	for (size_t i = 0; i < n && !nested; i++) {
		for (size_t j = 0; j < n && !nested; j++) {
			if (i == j || !real[i] || !real[j] ||
			    !within(real[i], real[j]))
				continue;
			fprintf(stderr,
				"webfused: mountpoint %s %s mountpoint %s\n",
				config->filesystems[j].mountpoint,
				strcmp(real[i], real[j]) ? "lies inside"
							 : "is the same as",
				config->filesystems[i].mountpoint);
			nested = true;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(real[i]);
	return nested;
}

/* Whether the settings fit together; returns -1 or the exit status. */
static int check(struct wfd_config *config)
{
	const struct wfd_auth_options *auth = &config->auth;
	char why[160];

	if (!config->filesystem_count) {
		usage_error("%s", "nothing to mount: give -m DIR, or "
				  "filesystems in --config FILE");
		return 2;
	}
	if (!auth->none && !auth->token_file && !auth->program) {
		usage_error("%s", "no authentication chosen: give "
				  "--token-file FILE, --authenticator PROGRAM "
				  "or --no-auth");
		return 2;
	}
	if (!config->server.cert != !config->server.key) {
		usage_error("%s",
			    "--cert and --key (server.cert and server.key) "
			    "go together");
		return 2;
	}
	if (config->group && !config->user) {
		usage_error("%s", "--group (group) needs --user (user)");
		return 2;
	}
	if (nested_mountpoints(config))
		return 2;
	if (config->user && !getpwnam(config->user)) {
		usage_error("no user is named '%s'", config->user);
		return 2;
	}
	if (config->group && !getgrnam(config->group)) {
		usage_error("no group is named '%s'", config->group);
		return 2;
	}
	if (config->user && geteuid() != 0) {
		fprintf(stderr,
			"webfused: only root can switch to user %s; start "
			"webfused as root or without --user\n",
			config->user);
		return 1;
	}
	if (config->server.cert && (unreadable("--cert", config->server.cert) ||
				    unreadable("--key", config->server.key)))
		return 1;
	if (wfd_limits_check(&config->limits, why, sizeof(why))) {
		usage_error("%s", why);
		return 2;
	}
	return -1;
}

/* Mounts every filesystem of @config into @set; 0 or -1 (logged). */
static int mount_all(struct wfd_config *config, struct wfd_filesystem_set *set)
{
	for (size_t i = 0; i < config->filesystem_count; i++) {
		struct wfd_filesystem_options *opts = &config->filesystems[i];

		/* After the switch only fusermount3 can unmount. */
		opts->auto_unmount = config->user != NULL;
		set->items[i] = wfd_filesystem_create(opts, &config->limits);
		if (!set->items[i])
			return -1;
		set->count++;
	}
	return 0;
}

static void unmount_all(struct wfd_filesystem_set *set)
{
	for (size_t i = 0; i < set->count; i++)
		wfd_filesystem_destroy(set->items[i]);
	set->count = 0;
}

/* Sets up, runs and tears down the daemon; returns the exit status. */
static int run(struct wfd_config *config)
{
	struct wfd_filesystem *items[WFD_FILESYSTEMS_MAX];
	struct wfd_filesystem_set set = {.items = items};
	struct wfd_auth *auth;
	char why[160];
	int rc = 1;

	wfd_log_set_target(config->log_target);
	wfd_log_set_level(config->log_level);
	wfd_log_route_lws();
	rc = wf_signals_install(on_signal);
	if (rc) {
		fprintf(stderr, "webfused: cannot handle signals: %s\n",
			strerror(-rc));
		return 1;
	}
	auth = wfd_auth_create(&config->auth);
	if (!auth)
		return 1;
	rc = 1;
	if (mount_all(config, &set))
		goto out;
	running =
		wfd_server_create(&config->server, &set, &config->limits, auth);
	if (!running)
		goto out;
	if (config->user) {
		if (wfd_privilege_drop(config->user, config->group, why,
				       sizeof(why))) {
			wfd_log(WFD_LOG_ERROR, "%s", why);
			goto out;
		}
		wfd_log(WFD_LOG_INFO, "running as user %s (uid %u, gid %u)",
			config->user, (unsigned int)getuid(),
			(unsigned int)getgid());
	}
	rc = 0;
	if (!stop_requested && wfd_server_run(running))
		rc = 1;
out:
	/* Teardown order: connections and loop, then the mounts. */
	wfd_server_destroy(running);
	running = NULL;
	unmount_all(&set);
	wfd_auth_destroy(auth);
	return rc;
}

/*
 * A static glibc cannot load the NSS modules nsswitch.conf may name (it
 * crashes in dlopen): a static webfused looks users, groups and hosts up
 * only with what glibc has built in, /etc/passwd, /etc/group, /etc/hosts
 * and DNS.
 */
static void builtin_name_services(void)
{
#ifdef WF_STATIC_DAEMON
	__nss_configure_lookup("passwd", "files");
	__nss_configure_lookup("group", "files");
	__nss_configure_lookup("initgroups", "files");
	__nss_configure_lookup("hosts", "files dns");
#endif
}

int main(int argc, char *argv[])
{
	const char *path = NULL;
	struct wfd_config config;
	char why[512];
	int rc;

	builtin_name_services();
	wf_heap_keep_buffers();
	opterr = 0;
	rc = first_pass(argc, argv, &path);
	if (rc >= 0)
		return rc;
	wfd_config_init(&config);
	rc = path ? wfd_config_load(&config, path, why, sizeof(why)) : 0;
	if (rc) {
		bool invalid = rc == -EINVAL || rc == -EFBIG;

		fprintf(stderr, "webfused: %s config file: %s\n",
			invalid ? "invalid" : "cannot read", why);
		return invalid ? 2 : 1;
	}
	rc = second_pass(argc, argv, &config);
	if (rc < 0)
		rc = check(&config);
	if (rc < 0)
		rc = run(&config);
	wfd_config_cleanup(&config);
	return rc;
}
