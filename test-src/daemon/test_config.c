/* Unit tests of src/daemon/config.c: the JSON config file of webfused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Fixture files, relative to test-src/daemon/config (the working dir). */
static void test_full(void **state)
{
	const struct wfd_filesystem_options *fs;
	struct wfd_config c;
	char why[512];

	(void)state;
	wfd_config_init(&c);
	assert_int_equal(
		wfd_config_load(&c, "valid/full.json", why, sizeof(why)), 0);
	assert_string_equal(c.server.bind, "127.0.0.1");
	assert_int_equal(c.server.port, 8443);
	assert_string_equal(c.server.cert, "/etc/webfuse/cert.pem");
	assert_string_equal(c.server.key, "/etc/webfuse/key.pem");
	assert_string_equal(c.server.docroot, "/usr/share/webfuse/browser");
	assert_int_equal(c.limits.timeout_ms, 2500);
	assert_int_equal(c.server.busy_poll_us, 150);
	assert_int_equal(c.limits.max_message, 32 << 20);
	assert_int_equal(c.limits.max_read, 512 << 10);
	assert_int_equal(c.limits.max_write, 512 << 10);
	assert_int_equal(c.limits.max_pending, 64);
	assert_int_equal(c.limits.max_entries, 5000);
	assert_int_equal(c.limits.max_connections, 4);
	assert_string_equal(c.auth.token_file, "/etc/webfuse/tokens");
	assert_string_equal(c.auth.device_secret, "/etc/webfuse/device-secret");
	assert_false(c.auth.none);
	assert_null(c.auth.program);
	assert_int_equal(c.filesystem_count, 2);
	fs = &c.filesystems[0];
	assert_string_equal(fs->name, "firmware");
	assert_string_equal(fs->mountpoint, "/run/webfuse/firmware");
	assert_true(fs->read_only);
	assert_true(fs->takeover);
	assert_false(fs->allow_other);
	assert_true(fs->attr_timeout == 0);
	assert_true(fs->entry_timeout == 30);
	assert_int_equal(fs->uid, -1);
	assert_int_equal(fs->gid, -1);
	fs = &c.filesystems[1];
	assert_string_equal(fs->name, "data-2.b_c");
	assert_true(fs->allow_other);
	assert_false(fs->read_only);
	assert_false(fs->takeover);
	assert_true(fs->attr_timeout == WFD_DEFAULT_CACHE_TIMEOUT);
	assert_int_equal(fs->uid, 0);
	assert_int_equal(fs->gid, 0);
	assert_int_equal(c.log_level, WFD_LOG_DEBUG);
	assert_int_equal(c.log_target, WFD_LOG_SYSLOG);
	assert_string_equal(c.user, "nobody");
	assert_string_equal(c.group, "nogroup");
	wfd_config_cleanup(&c);
}

static void test_minimal_keeps_defaults(void **state)
{
	struct wfd_config c, defaults;
	char why[512];

	(void)state;
	wfd_config_init(&defaults);
	wfd_config_init(&c);
	assert_int_equal(
		wfd_config_load(&c, "valid/minimal.json", why, sizeof(why)), 0);
	assert_int_equal(c.server.port, defaults.server.port);
	assert_int_equal(c.server.busy_poll_us, 0);
	assert_null(c.server.bind);
	assert_memory_equal(&c.limits, &defaults.limits, sizeof(c.limits));
	assert_false(c.auth.none || c.auth.token_file || c.auth.program);
	assert_int_equal(c.filesystem_count, 1);
	assert_string_equal(c.filesystems[0].name, "a");
	assert_false(c.filesystems[0].read_only);
	assert_int_equal(c.log_level, WFD_LOG_INFO);
	assert_int_equal(c.log_target, WFD_LOG_STDERR);
	assert_null(c.user);
	wfd_config_cleanup(&c);
}

/* The commented example that example/config ships must load. */
static void test_example(void **state)
{
	struct wfd_config c;
	char why[512];

	(void)state;
	wfd_config_init(&c);
	if (wfd_config_load(&c, WF_EXAMPLE_CONFIG, why, sizeof(why)))
		fail_msg("%s", why);
	assert_true(c.filesystem_count >= 2);
	wfd_config_cleanup(&c);
}

static void test_set_filesystem(void **state)
{
	struct wfd_config c;
	char why[512];

	(void)state;
	wfd_config_init(&c);
	assert_int_equal(
		wfd_config_load(&c, "valid/full.json", why, sizeof(why)), 0);
	wfd_config_set_filesystem(&c, "/tmp/x");
	assert_int_equal(c.filesystem_count, 1);
	assert_string_equal(c.filesystems[0].name, "");
	assert_string_equal(c.filesystems[0].mountpoint, "/tmp/x");
	assert_false(c.filesystems[0].read_only);
	assert_int_equal(c.filesystems[0].uid, -1);
	wfd_config_cleanup(&c);
}

static void test_missing_file(void **state)
{
	struct wfd_config c;
	char why[512];

	(void)state;
	wfd_config_init(&c);
	assert_int_equal(wfd_config_load(&c, "no/such.json", why, sizeof(why)),
			 -ENOENT);
	assert_string_equal(why, "no/such.json: No such file or directory");
	wfd_config_cleanup(&c);
}

/* Each invalid fixture, and all that must be said about it. */
static const struct {
	const char *file;
	const char *why;
} invalid[] = {
	{"auth-two", "2:20: authentication: give exactly one of "
		     "\"token_file\", \"authenticator\" and \"none\": true"},
	{"auth-type", "1:29: authentication.none: must be true or false"},
	{"duplicate-key", "1:33: duplicate object key near '\"level\"'"},
	{"fs-bad-bool", "1:69: filesystems[0].read_only: must be true or "
			"false"},
	{"fs-bad-name", "1:27: filesystems[0].name: must be 1 to 64 of A-Z "
			"a-z 0-9 . _ -"},
	{"busy-poll-range", "1:26: server.busy_poll: must be a number of "
			    "microseconds, 0 to 10000"},
	{"fs-duplicate-mountpoint", "4:31: filesystems[1].mountpoint: "
				    "filesystems[0] is mounted there too"},
	{"fs-duplicate-name", "4:12: filesystems[1].name: \"a\" names "
			      "filesystems[0] too"},
	{"fs-empty-mountpoint", "1:46: filesystems[0].mountpoint: must be a "
				"non-empty string without NUL"},
	{"fs-empty", "1:17: filesystems: must be an array of 1 to 32 "
		     "filesystems"},
	{"fs-missing-mountpoint", "4:3: filesystems[1]: needs a \"name\" and "
				  "a \"mountpoint\""},
	{"fs-negative-timeout", "1:72: filesystems[0].attr_timeout: must be "
				"a number of seconds, 0 to 3600"},
	{"fs-not-array", "1:17: filesystems: must be an array of 1 to 32 "
			 "filesystems"},
	{"fs-unknown-field",
	 "1:68: filesystems[0].readonly: unknown field (known: name, "
	 "mountpoint, read_only, allow_other, takeover, uid, gid, "
	 "attr_timeout, entry_timeout)"},
	{"fs-unknown-user", "1:63: filesystems[0].uid: no user is named "
			    "\"no-such-user-wf\""},
	{"group-unknown", "1:29: group: no group is named "
			  "\"no-such-group-wf\""},
	{"limit-range", "5:16: server.limits.max_read: must be 4096 to "
			"1048576, or with K, M or G"},
	{"limit-type", "1:39: server.limits.max_pending: must be a count, or "
		       "a string such as \"16M\""},
	{"limit-unknown", "1:37: server.limits.max_reads: unknown field "
			  "(known: max_message, max_read, max_write, "
			  "max_write_behind, max_pending, max_entries, "
			  "max_connections)"},
	{"log-level", "3:12: log.level: must be \"error\", \"warn\", \"info\" "
		      "or \"debug\""},
	{"log-to", "1:16: log.to: must be \"stderr\" or \"syslog\""},
	{"not-object", "1:1: the top level: must be an object"},
	{"port-range", "1:21: server.port: must be a port number, 1 to 65535"},
	{"port-type", "3:11: server.port: must be a port number, 1 to 65535"},
	{"server-not-object", "1:12: server: must be an object"},
	{"syntax", "4:8: '}' expected near '\"bind\"'"},
	{"timeout-zero", "1:24: server.timeout: must be a number of seconds, "
			 "more than 0, at most 3600"},
	{"unknown-top", "2:11: servr: unknown field (known: server, "
			"authentication, filesystems, log, user, group)"},
	{"user-unknown", "1:10: user: no user is named \"no-such-user-wf\""},
};

static void test_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(invalid) / sizeof(*invalid); i++) {
		char path[128], want[512], why[512];
		struct wfd_config c;
		int rc;

		snprintf(path, sizeof(path), "invalid/%s.json",
			 invalid[i].file);
		snprintf(want, sizeof(want), "%s:%s", path, invalid[i].why);
		wfd_config_init(&c);
		c.server.port = 1234;
		rc = wfd_config_load(&c, path, why, sizeof(why));
		if (rc != -EINVAL || strcmp(why, want) != 0)
			fail_msg("%s: got %d \"%s\"\nwanted \"%s\"", path, rc,
				 why, want);
		/* A refused file changes nothing. */
		assert_int_equal(c.server.port, 1234);
		assert_int_equal(c.filesystem_count, 0);
		assert_null(c.root);
		wfd_config_cleanup(&c);
	}
}

/* Every fixture in invalid/ is in the table, so none goes untested. */
static void test_invalid_all_listed(void **state)
{
	DIR *dir = opendir("invalid");
	struct dirent *e;
	size_t files = 0;

	(void)state;
	assert_non_null(dir);
	while ((e = readdir(dir))) {
		char name[128];
		bool listed = false;

		if (e->d_name[0] == '.')
			continue;
		for (size_t i = 0; i < sizeof(invalid) / sizeof(*invalid);
		     i++) {
			snprintf(name, sizeof(name), "%s.json",
				 invalid[i].file);
			listed = listed || strcmp(name, e->d_name) == 0;
		}
		if (!listed)
			fail_msg("invalid/%s has no expected message",
				 e->d_name);
		files++;
	}
	closedir(dir);
	assert_int_equal(files, sizeof(invalid) / sizeof(*invalid));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_minimal_keeps_defaults),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_set_filesystem),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_invalid_all_listed),
	};

	if (chdir(WF_CONFIG_FIXTURES)) {
		perror(WF_CONFIG_FIXTURES);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
