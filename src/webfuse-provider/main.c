/* webfuse-provider: lend a directory, or one file, to a webfused service. */
#include "directory.h"
#include "heap.h"
#include "proof.h"
#include "signals.h"

#include <webfuse/provider.h>

#include <errno.h>
#include <getopt.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXIT_USAGE 2
/* Files the service may keep open at once. */
#define MAX_OPEN_FILES 1024

/* The provider wfp_provider_run() serves, for the signal handler. */
static struct wfp_provider *volatile running;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: webfuse-provider -u URL (-p DIR | --file FILE) "
		"[OPTION]...\n"
		"Lend the directory DIR, or the one file FILE, to the webfused "
		"service at URL,\n"
		"for reading and writing.\n"
		"\n"
		"  -u, --url URL       the service: ws://HOST[:PORT][/PATH] "
		"(port 80 by default),\n"
		"                      or wss://... for TLS (port 443): the "
		"service's\n"
		"                      certificate must be valid for HOST "
		"and signed by a\n"
		"                      trusted CA\n"
		"      --ca FILE       trust the CA certificates in FILE "
		"(PEM) instead of the\n"
		"                      system's store\n"
		"      --token-file FILE\n"
		"                      authenticate with the token in FILE "
		"(from webfuse-token\n"
		"                      add on the device); use wss://: over "
		"ws:// it travels\n"
		"                      in clear\n"
		"      --device-secret FILE\n"
		"                      lend nothing unless the service proves "
		"it holds the\n"
		"                      secret in FILE (webfuse-token secret; "
		"the device runs\n"
		"                      webfused --device-secret with a copy)\n"
		"  -p, --path DIR      the directory to lend\n"
		"      --file FILE     lend FILE alone: the root holds just "
		"FILE, under its\n"
		"                      name; its content and attributes may "
		"change, entries of\n"
		"                      the root may not be added, removed or "
		"renamed (EPERM)\n"
		"      --read-only     refuse every change with EROFS\n"
		"      --cached-writes write through this machine's page cache "
		"also the\n"
		"                      writes of 256 KiB or more at 4 KiB "
		"boundaries, which\n"
		"                      otherwise go to the disk directly "
		"(O_DIRECT)\n"
		"  -n, --name NAME     the filesystem to attach to (default: "
		"the service's\n"
		"                      default filesystem)\n"
		"      --base64        do not offer binary messages: data "
		"travels as base64\n"
		"      --no-reconnect  exit when the connection cannot be "
		"made or is lost,\n"
		"                      instead of dialing again after 100 ms "
		"doubling up to 5 s\n"
		"  -h, --help          print this help and exit\n"
		"  -V, --version       print the version and exit\n"
		"\n"
		"Runs until SIGINT or SIGTERM, then exits 0. Exits 1 when the "
		"connection\n"
		"ends for good (see --no-reconnect, or the service refused the "
		"session),\n"
		"2 on invalid arguments.\n"
		"\n"
		"Nothing outside DIR is served or changed: symlinks inside DIR "
		"are shown as\n"
		"symlinks and never followed, and changes act on the link "
		"itself. Modes are\n"
		"set exactly as the service asks (it applied its caller's "
		"umask). Device\n"
		"nodes are never created (EPERM). Names that are not UTF-8 "
		"are left out of\n"
		"listings. A FILE that is a symlink is refused: name the file "
		"itself.\n");
}

/*
 * Gives @provider the token (@token) or the device secret in the file
 * @path. Returns 0, or -1 after saying why.
 */
static int load_secret(struct wfp_provider *provider, const char *path,
		       bool token)
{
	char *secret;
	size_t len;
	int rc = wf_secret_load(path, &secret, &len);

	if (rc) {
		fprintf(stderr, "webfuse-provider: %s %s: %s\n",
			token ? "--token-file" : "--device-secret", path,
			rc == -EINVAL ? "must hold 16 to 4096 bytes"
				      : strerror(-rc));
		return -1;
	}
	rc = token ? wfp_provider_set_token(provider, secret)
		   : wfp_provider_set_device_secret(provider, secret, len);
	wf_secret_free(secret, len);
	if (rc)
		fprintf(stderr, "webfuse-provider: %s %s: %s\n",
			token ? "--token-file" : "--device-secret", path,
			rc == -EINVAL ? "not usable as a token"
				      : strerror(-rc));
	return rc ? -1 : 0;
}

/*
 * The directory holding @file, as a new string, and in @name its last
 * component (borrowed from @file; "" if @file ends with '/'). NULL when
 * out of memory.
 */
static char *split_file(const char *file, const char **name)
{
	const char *slash = strrchr(file, '/');

	if (!slash) {
		*name = file;
		return strdup(".");
	}
	*name = slash + 1;
	return strndup(file, slash == file ? 1 : (size_t)(slash - file));
}

/* Why wfdir_create() failed with @err, for humans. */
static const char *lend_error(int err, bool file)
{
	switch (err) {
	case ENOSYS:
		return "the kernel lacks openat2 (Linux 5.6)";
	case ELOOP:
		return file ? "it is a symlink; name the file itself"
			    : strerror(err);
	case EISDIR:
		return "it is a directory; lend it with -p DIR";
	case ENXIO:
		return "it is not a regular file";
	case EINVAL:
		return file ? "it does not name a file" : strerror(err);
	case EILSEQ:
		return "its name is not UTF-8";
	default:
		return strerror(err);
	}
}

static void on_signal(int sig)
{
	(void)sig;
	if (running)
		wfp_provider_stop(running);
}

/* Reports invalid arguments in one line; returns the exit status. */
static int __attribute__((format(printf, 1, 2))) bad_usage(const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	fprintf(stderr, "webfuse-provider: %s (try --help)\n", reason);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	enum {
		OPT_BASE64 = 256,
		OPT_NO_RECONNECT,
		OPT_FILE,
		OPT_READ_ONLY,
		OPT_CACHED_WRITES,
		OPT_CA,
		OPT_TOKEN_FILE,
		OPT_DEVICE_SECRET,
	};
	static const struct option options[] = {
		{"url", required_argument, NULL, 'u'},
		{"path", required_argument, NULL, 'p'},
		{"file", required_argument, NULL, OPT_FILE},
		{"read-only", no_argument, NULL, OPT_READ_ONLY},
		{"cached-writes", no_argument, NULL, OPT_CACHED_WRITES},
		{"name", required_argument, NULL, 'n'},
		{"base64", no_argument, NULL, OPT_BASE64},
		{"no-reconnect", no_argument, NULL, OPT_NO_RECONNECT},
		{"ca", required_argument, NULL, OPT_CA},
		{"token-file", required_argument, NULL, OPT_TOKEN_FILE},
		{"device-secret", required_argument, NULL, OPT_DEVICE_SECRET},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct wfdir_options dir_options = {.max_open = MAX_OPEN_FILES};
	const char *url = NULL, *path = NULL, *file = NULL, *name = NULL;
	const char *ca = NULL, *token_file = NULL, *secret_file = NULL;
	bool binary = true, reconnect = true;
	struct wfp_provider *provider;
	struct wfdir *dir;
	char *root = NULL;
	int opt, rc, status = EXIT_FAILURE;

	wf_heap_keep_buffers();
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":u:p:n:hV", options, NULL)) !=
	       -1) {
		switch (opt) {
		case 'u':
			url = optarg;
			break;
		case 'p':
			path = optarg;
			break;
		case OPT_FILE:
			file = optarg;
			break;
		case OPT_READ_ONLY:
			dir_options.read_only = true;
			break;
		case OPT_CACHED_WRITES:
			dir_options.cached_writes = true;
			break;
		case 'n':
			name = optarg;
			break;
		case OPT_BASE64:
			binary = false;
			break;
		case OPT_NO_RECONNECT:
			reconnect = false;
			break;
		case OPT_CA:
			ca = optarg;
			break;
		case OPT_TOKEN_FILE:
			token_file = optarg;
			break;
		case OPT_DEVICE_SECRET:
			secret_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("webfuse-provider %s\n", WF_VERSION);
			return EXIT_SUCCESS;
		case ':':
			return bad_usage("option %s needs an argument",
					 argv[optind - 1]);
		default:
			return bad_usage("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument %s", argv[optind]);
	if (!url)
		return bad_usage("missing -u URL");
	if (path && file)
		return bad_usage("-p DIR and --file FILE exclude each other");
	if (!path && !file)
		return bad_usage("missing -p DIR or --file FILE");

	/* The service has applied its caller's umask to every mode. */
	umask(0);
	/* The library says in words why a connection fails; lws repeats it
	 * in its own format. */
	lws_set_log_level(0, NULL);
	if (file) {
		root = split_file(file, &dir_options.only);
		if (!root) {
			fprintf(stderr, "webfuse-provider: out of memory\n");
			return EXIT_FAILURE;
		}
	}
	dir = wfdir_create(root ? root : path, &dir_options);
	if (!dir) {
		fprintf(stderr, "webfuse-provider: cannot lend %s: %s\n",
			file ? file : path, lend_error(errno, file != NULL));
		free(root);
		return EXIT_USAGE;
	}
	provider = wfp_provider_create(&wfdir_operations,
				       sizeof(wfdir_operations), dir);
	if (!provider) {
		fprintf(stderr, "webfuse-provider: out of memory\n");
		goto out_destroy_dir;
	}
	rc = wfp_provider_set_url(provider, url);
	if (rc) {
		fprintf(stderr,
			"webfuse-provider: invalid URL %s: expected "
			"ws://HOST[:PORT][/PATH] or wss://...\n",
			url);
		status = EXIT_USAGE;
		goto out_destroy_provider;
	}
	rc = wfp_provider_set_name(provider, name);
	if (rc) {
		fprintf(stderr, "webfuse-provider: invalid name: %s\n",
			strerror(-rc));
		status = EXIT_USAGE;
		goto out_destroy_provider;
	}
	if (ca && access(ca, R_OK)) {
		fprintf(stderr, "webfuse-provider: cannot read --ca %s: %s\n",
			ca, strerror(errno));
		status = EXIT_USAGE;
		goto out_destroy_provider;
	}
	if (wfp_provider_set_ca_file(provider, ca)) {
		fprintf(stderr, "webfuse-provider: out of memory\n");
		goto out_destroy_provider;
	}
	if ((token_file && load_secret(provider, token_file, true)) ||
	    (secret_file && load_secret(provider, secret_file, false))) {
		status = EXIT_USAGE;
		goto out_destroy_provider;
	}
	wfp_provider_set_binary(provider, binary);
	wfp_provider_set_reconnect(provider, reconnect);

	running = provider;
	rc = wf_signals_install(on_signal);
	if (rc) {
		fprintf(stderr, "webfuse-provider: cannot handle signals: %s\n",
			strerror(-rc));
		goto out_forget_provider;
	}
	rc = wfp_provider_run(provider);
	if (rc == 0)
		status = EXIT_SUCCESS;

out_forget_provider:
	running = NULL;
out_destroy_provider:
	wfp_provider_destroy(provider);
out_destroy_dir:
	wfdir_destroy(dir);
	free(root);
	return status;
}
