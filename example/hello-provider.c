/* A complete provider in one file: lends a single in-memory file, hello.txt. */
#include <webfuse/provider.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char content[] = "Hello from a webfuse provider!\n";

static struct wfp_provider *provider;

static void fill_file(struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	st->st_size = sizeof(content) - 1;
}

static int hello_getattr(const char *path, struct stat *st, void *user_data)
{
	(void)user_data;
	if (strcmp(path, "/") == 0) {
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		return 0;
	}
	if (strcmp(path, "/hello.txt") == 0) {
		fill_file(st);
		return 0;
	}
	return -ENOENT;
}

static int hello_readdir(const char *path, struct wfp_dirbuf *buf,
			 void *user_data)
{
	struct stat st;

	(void)user_data;
	if (strcmp(path, "/") != 0)
		return -ENOTDIR;
	fill_file(&st);
	return wfp_dirbuf_add(buf, "hello.txt", &st);
}

static int hello_open(const char *path, int flags, uint64_t *handle,
		      void *user_data)
{
	(void)user_data;
	if (strcmp(path, "/hello.txt") != 0)
		return -ENOENT;
	if ((flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	*handle = 0; /* stateless: every read names the path */
	return 0;
}

static ssize_t hello_read(const char *path, uint64_t handle, char *buf,
			  size_t size, uint64_t offset, void *user_data)
{
	size_t len = sizeof(content) - 1;

	(void)path;
	(void)handle;
	(void)user_data;
	if (offset >= len)
		return 0;
	if (size > len - offset)
		size = len - offset;
	memcpy(buf, content + offset, size);
	return (ssize_t)size;
}

static void on_signal(int sig)
{
	(void)sig;
	wfp_provider_stop(provider);
}

int main(int argc, char *argv[])
{
	static const struct wfp_operations ops = {
		.getattr = hello_getattr,
		.readdir = hello_readdir,
		.open = hello_open,
		.read = hello_read,
	};
	int rc;

	if (argc != 2) {
		fprintf(stderr, "Usage: %s ws://HOST:PORT/\n", argv[0]);
		return 2;
	}
	provider = wfp_provider_create(&ops, sizeof(ops), NULL);
	if (!provider)
		return 1;
	rc = wfp_provider_set_url(provider, argv[1]);
	if (rc) {
		fprintf(stderr, "%s: invalid URL '%s': %s\n", argv[0], argv[1],
			strerror(-rc));
		wfp_provider_destroy(provider);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = wfp_provider_run(provider);
	wfp_provider_destroy(provider);
	return rc ? 1 : 0;
}
