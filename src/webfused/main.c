/* webfused: mounts a filesystem whose files a WebSocket provider lends. */
#include "auth.h"
#include "filesystem.h"
#include "limit.h"
#include "log.h"
#include "server.h"
#include "signals.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PORT	      8080
#define DEFAULT_CACHE_TIMEOUT 1.0
#define MAX_TIMEOUT_SECONDS   3600

/* Options without a short form. */
enum {
	OPT_MAX_MESSAGE = 256,
	OPT_MAX_READ,
	OPT_MAX_WRITE,
	OPT_MAX_PENDING,
	OPT_MAX_ENTRIES,
	OPT_MAX_CONNECTIONS,
	OPT_CERT,
	OPT_KEY,
	OPT_TOKEN_FILE,
	OPT_AUTHENTICATOR,
	OPT_NO_AUTH,
	OPT_DEVICE_SECRET,
};

/* A limit option: its name, where it goes and the range it accepts. */
struct limit_option {
	int code;
	const char *name;
	unsigned long long min, max;
};

static const struct limit_option limit_options[] = {
	{OPT_MAX_MESSAGE, "max-message", 64 << 10, 1ull << 30},
	{OPT_MAX_READ, "max-read", 4096, 1 << 20},
	{OPT_MAX_WRITE, "max-write", 4096, 1 << 20},
	{OPT_MAX_PENDING, "max-pending", 1, 65536},
	{OPT_MAX_ENTRIES, "max-entries", 1, 10000000},
	{OPT_MAX_CONNECTIONS, "max-connections", 1, 4096},
};

static struct wfd_server *running;
static volatile sig_atomic_t stop_requested;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: webfused -m MOUNTPOINT [OPTION]...\n"
		"Mount a filesystem at MOUNTPOINT whose files are lent by a "
		"provider that\n"
		"connects over WebSocket (subprotocol webfuse.v1). Runs in the "
		"foreground and\n"
		"logs to stderr; SIGINT or SIGTERM unmounts and exits 0.\n"
		"\n"
		"  -m, --mountpoint DIR   where to mount (required; an "
		"existing directory)\n"
		"  -p, --port PORT        TCP port to listen on (default "
		"%d)\n"
		"  -b, --bind ADDR        address or interface to listen on "
		"(default: all)\n"
		"  -t, --timeout SECONDS  a call the provider does not answer "
		"in time fails\n"
		"                         with ETIMEDOUT (default %u, at most "
		"%d)\n"
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
		"With no provider attached the mount is an empty directory. "
		"One provider at a\n"
		"time serves it; when it goes away, calls in flight fail "
		"with EIO at once.\n"
		"Exit status: 0 after SIGINT, SIGTERM or an unmount from "
		"outside; 1 when the\n"
		"mountpoint is unusable or the port cannot be opened; 2 on "
		"invalid arguments.\n",
		DEFAULT_PORT, 10u, MAX_TIMEOUT_SECONDS);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (running)
		wfd_server_stop(running);
}

static int parse_port(const char *text, int *port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 1 || v > 65535)
		return -EINVAL;
	*port = (int)v;
	return 0;
}

static int parse_timeout(const char *text, unsigned int *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(v) || v <= 0 ||
	    v > MAX_TIMEOUT_SECONDS)
		return -EINVAL;
	*ms = (unsigned int)ceil(v * 1000);
	return 0;
}

/* @text as a count, with an optional K, M or G (binary) suffix. */
static int parse_count(const char *text, unsigned long long min,
		       unsigned long long max, unsigned long long *out)
{
	static const char suffixes[] = "KMG";
	unsigned long long v;
	const char *s;
	char *end;

	if (*text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end && !end[1] && (s = strchr(suffixes, *end))) {
		int shift = 10 * (int)(s - suffixes + 1);

		if (v > max >> shift)
			return -EINVAL;
		v <<= shift;
		end++;
	}
	if (*end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static void set_limit(struct wfd_limits *limits, int code, unsigned long long v)
{
	switch (code) {
	case OPT_MAX_MESSAGE:
		limits->max_message = (size_t)v;
		break;
	case OPT_MAX_READ:
		limits->max_read = (uint32_t)v;
		break;
	case OPT_MAX_WRITE:
		limits->max_write = (uint32_t)v;
		break;
	case OPT_MAX_PENDING:
		limits->max_pending = (unsigned int)v;
		break;
	case OPT_MAX_ENTRIES:
		limits->max_entries = (size_t)v;
		break;
	case OPT_MAX_CONNECTIONS:
		limits->max_connections = (unsigned int)v;
		break;
	}
}

/* The limit option @code, or NULL. */
static const struct limit_option *limit_option(int code)
{
	for (size_t i = 0; i < sizeof(limit_options) / sizeof(*limit_options);
	     i++)
		if (limit_options[i].code == code)
			return &limit_options[i];
	return NULL;
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

int main(int argc, char *argv[])
{
	static const struct option long_options[] = {
		{"mountpoint", required_argument, NULL, 'm'},
		{"port", required_argument, NULL, 'p'},
		{"bind", required_argument, NULL, 'b'},
		{"timeout", required_argument, NULL, 't'},
		{"docroot", required_argument, NULL, 'd'},
		{"token-file", required_argument, NULL, OPT_TOKEN_FILE},
		{"authenticator", required_argument, NULL, OPT_AUTHENTICATOR},
		{"no-auth", no_argument, NULL, OPT_NO_AUTH},
		{"device-secret", required_argument, NULL, OPT_DEVICE_SECRET},
		{"cert", required_argument, NULL, OPT_CERT},
		{"key", required_argument, NULL, OPT_KEY},
		{"log-level", required_argument, NULL, 'l'},
		{"max-message", required_argument, NULL, OPT_MAX_MESSAGE},
		{"max-read", required_argument, NULL, OPT_MAX_READ},
		{"max-write", required_argument, NULL, OPT_MAX_WRITE},
		{"max-pending", required_argument, NULL, OPT_MAX_PENDING},
		{"max-entries", required_argument, NULL, OPT_MAX_ENTRIES},
		{"max-connections", required_argument, NULL,
		 OPT_MAX_CONNECTIONS},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct wfd_filesystem_options fs_opts = {
		.name = "",
		.attr_timeout = DEFAULT_CACHE_TIMEOUT,
		.entry_timeout = DEFAULT_CACHE_TIMEOUT,
	};
	struct wfd_server_options server_opts = {.port = DEFAULT_PORT};
	struct wfd_auth_options auth_opts = {0};
	struct wfd_auth *auth;
	struct wfd_limits limits;
	enum wfd_log_level level;
	const struct limit_option *lo;
	struct wfd_filesystem *fs;
	unsigned long long count;
	char why[160];
	int c, rc;

	wfd_limits_init(&limits);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:p:b:t:d:l:hV", long_options,
				NULL)) != -1) {
		switch (c) {
		case 'm':
			fs_opts.mountpoint = optarg;
			break;
		case 'p':
			if (parse_port(optarg, &server_opts.port)) {
				usage_error("invalid port '%s' (1-65535)",
					    optarg);
				return 2;
			}
			break;
		case 'b':
			server_opts.bind = optarg;
			break;
		case 't':
			if (parse_timeout(optarg, &limits.timeout_ms)) {
				usage_error("invalid timeout '%s' (seconds, "
					    "more than 0, at most 3600)",
					    optarg);
				return 2;
			}
			break;
		case 'd':
			server_opts.docroot = optarg;
			break;
		case OPT_TOKEN_FILE:
			auth_opts.token_file = optarg;
			break;
		case OPT_AUTHENTICATOR:
			auth_opts.program = optarg;
			break;
		case OPT_NO_AUTH:
			auth_opts.none = true;
			break;
		case OPT_DEVICE_SECRET:
			auth_opts.device_secret = optarg;
			break;
		case OPT_CERT:
			server_opts.cert = optarg;
			break;
		case OPT_KEY:
			server_opts.key = optarg;
			break;
		case 'l':
			if (wfd_log_parse_level(optarg, &level)) {
				usage_error("invalid log level '%s'", optarg);
				return 2;
			}
			wfd_log_set_level(level);
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
		default:
			lo = limit_option(c);
			if (!lo) {
				usage_error("unknown option '%s'",
					    argv[optind - 1]);
				return 2;
			}
			if (parse_count(optarg, lo->min, lo->max, &count)) {
				fprintf(stderr,
					"webfused: invalid --%s '%s' (%llu to "
					"%llu)\nTry 'webfused --help'.\n",
					lo->name, optarg, lo->min, lo->max);
				return 2;
			}
			set_limit(&limits, c, count);
			break;
		}
	}
	if (optind < argc) {
		usage_error("unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (!fs_opts.mountpoint) {
		usage_error("%s", "a mountpoint is required (-m DIR)");
		return 2;
	}
	switch (auth_opts.none + !!auth_opts.token_file + !!auth_opts.program) {
	case 0:
		usage_error("%s", "no authentication chosen: give "
				  "--token-file FILE, --authenticator PROGRAM "
				  "or --no-auth");
		return 2;
	case 1:
		break;
	default:
		usage_error("%s", "choose one of --token-file, "
				  "--authenticator and --no-auth");
		return 2;
	}
	if (!server_opts.cert != !server_opts.key) {
		usage_error("%s", "--cert and --key go together");
		return 2;
	}
	if (server_opts.cert && (unreadable("--cert", server_opts.cert) ||
				 unreadable("--key", server_opts.key)))
		return 1;
	if (wfd_limits_check(&limits, why, sizeof(why))) {
		usage_error("%s", why);
		return 2;
	}

	wfd_log_route_lws();
	rc = wf_signals_install(on_signal);
	if (rc) {
		fprintf(stderr, "webfused: cannot handle signals: %s\n",
			strerror(-rc));
		return 1;
	}
	auth = wfd_auth_create(&auth_opts);
	if (!auth)
		return 1;
	fs = wfd_filesystem_create(&fs_opts, &limits);
	if (!fs) {
		wfd_auth_destroy(auth);
		return 1;
	}
	running = wfd_server_create(&server_opts, fs, &limits, auth);
	if (!running) {
		wfd_filesystem_destroy(fs);
		wfd_auth_destroy(auth);
		return 1;
	}
	if (!stop_requested)
		rc = wfd_server_run(running);
	/* Teardown order: connections and loop, then the mount. */
	wfd_server_destroy(running);
	running = NULL;
	wfd_filesystem_destroy(fs);
	wfd_auth_destroy(auth);
	return rc ? 1 : 0;
}
