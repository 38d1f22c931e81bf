/* webfuse-token: makes the tokens and secrets webfused authenticates with. */
#include "tokens.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_SIZE 256

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: webfuse-token COMMAND FILE [NAME]\n"
		"Makes what webfused checks providers and itself with.\n"
		"\n"
		"  add FILE NAME     make a new random token named NAME, add "
		"its salted hash\n"
		"                    to the token file FILE (webfused "
		"--token-file FILE;\n"
		"                    created with mode 600) and print the "
		"token, once: give it\n"
		"                    to the provider (webfuse-provider "
		"--token-file)\n"
		"  remove FILE NAME  take the token NAME out of FILE\n"
		"  list FILE         print the names of the tokens in FILE\n"
		"  secret FILE       write a new random device secret to "
		"FILE (mode 600; an\n"
		"                    existing FILE is not overwritten): "
		"webfused\n"
		"                    --device-secret FILE proves the device "
		"holds it to a\n"
		"                    provider given a copy "
		"(webfuse-provider --device-secret)\n"
		"  -h, --help        print this help and exit\n"
		"  -V, --version     print the version and exit\n"
		"\n"
		"NAME: 1 to %d of A-Z a-z 0-9 . _ -. The file keeps no "
		"token, only salted\n"
		"SHA-256 hashes of random 256-bit tokens. Exit status: 0 "
		"done, 1 failed,\n"
		"2 invalid arguments.\n",
		WFD_TOKEN_NAME_MAX);
}

static int fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "webfuse-token: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return 1;
}

/* The tokens of @path; an absent file has none. NULL: said why. */
static struct wfd_tokens *load(const char *path, bool may_be_absent)
{
	unsigned int line;
	char number[16];
	struct wfd_tokens *t = wfd_tokens_load(path, &line);

	if (t || (may_be_absent && errno == ENOENT))
		return t;
	if (line) {
		snprintf(number, sizeof(number), "%u", line);
		fail("%s: line %s is not NAME:SALT:HASH", path, number);
	} else {
		fail("%s: %s", path, strerror(errno));
	}
	return NULL;
}

/* Whether the line @line names the token @name. */
static bool names(const char *line, const char *name)
{
	size_t len = strlen(name);

	return strncmp(line, name, len) == 0 && line[len] == ':';
}

static int add(const char *path, const char *name)
{
	char token[WFD_TOKEN_TEXT + 1], line[LINE_SIZE];
	struct wfd_tokens *t = load(path, true);
	int fd, rc = 0;

	if (!t && errno != ENOENT)
		return 1;
	if (t && wfd_tokens_name_used(t, name)) {
		wfd_tokens_free(t);
		return fail("%s: a token named %s exists already", path, name);
	}
	wfd_tokens_free(t);
	if (wfd_token_new(name, token, line, sizeof(line)))
		return fail("%s%s", "cannot make a random token", "");
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail("%s: %s", path, strerror(errno));
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line) || fsync(fd))
		rc = fail("%s: %s", path, strerror(errno));
	if (close(fd) && !rc)
		rc = fail("%s: %s", path, strerror(errno));
	if (!rc)
		printf("%s\n", token);
	OPENSSL_cleanse(token, sizeof(token));
	return rc;
}

static int remove_token(const char *path, const char *name)
{
	char tmp[4096];
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *in, *out;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return fail("%s: %s", path, strerror(ENAMETOOLONG));
	in = fopen(path, "re");
	if (!in)
		return fail("%s: %s", path, strerror(errno));
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	out = fd < 0 ? NULL : fdopen(fd, "w");
	if (!out) {
		rc = fail("%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		fclose(in);
		return rc;
	}
	while (getline(&line, &cap, in) >= 0) {
		if (names(line, name))
			found = true;
		else
			fputs(line, out);
	}
	free(line);
	if (ferror(in) || fflush(out) || fsync(fd))
		rc = fail("%s: %s", tmp, strerror(errno));
	fclose(in);
	if (fclose(out) && !rc)
		rc = fail("%s: %s", tmp, strerror(errno));
	if (!rc && !found)
		rc = fail("%s: no token named %s", path, name);
	if (!rc && rename(tmp, path))
		rc = fail("%s: %s", path, strerror(errno));
	if (rc)
		unlink(tmp);
	return rc;
}

static int list(const char *path)
{
	struct wfd_tokens *t = load(path, false);

	if (!t)
		return 1;
	wfd_tokens_print_names(t, stdout);
	wfd_tokens_free(t);
	return 0;
}

static int secret(const char *path)
{
	char text[WFD_TOKEN_TEXT + 2];
	int fd, rc = 0;

	if (wfd_token_random(text))
		return fail("%s%s", "cannot make a random secret", "");
	strcat(text, "\n");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		rc = fail("%s: %s", path, strerror(errno));
	else if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
		 fsync(fd))
		rc = fail("%s: %s", path, strerror(errno));
	if (fd >= 0 && close(fd) && !rc)
		rc = fail("%s: %s", path, strerror(errno));
	OPENSSL_cleanse(text, sizeof(text));
	return rc;
}

int main(int argc, char *argv[])
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("webfuse-token %s\n", WF_VERSION);
		return 0;
	}
	umask(077);
	if ((!strcmp(cmd, "add") || !strcmp(cmd, "remove")) && argc == 4) {
		if (!wfd_token_name_valid(argv[3])) {
			fail("invalid NAME '%s' (1 to 64 of A-Z a-z 0-9 . _ "
			     "-)%s",
			     argv[3], "");
			return 2;
		}
		return cmd[0] == 'a' ? add(argv[2], argv[3])
				     : remove_token(argv[2], argv[3]);
	}
	if (!strcmp(cmd, "list") && argc == 3)
		return list(argv[2]);
	if (!strcmp(cmd, "secret") && argc == 3)
		return secret(argv[2]);
	fprintf(stderr, "webfuse-token: expected add FILE NAME, remove FILE "
			"NAME, list FILE or secret FILE\n"
			"Try 'webfuse-token --help'.\n");
	return 2;
}
