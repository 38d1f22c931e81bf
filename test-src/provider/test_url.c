/* Unit tests of src/provider/url.c: parsing the service's ws:// URL. */
#include "url.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static void check_url(const char *text, const char *host, int port,
		      const char *authority, const char *path)
{
	struct wfp_url url;

	assert_int_equal(wfp_url_parse(&url, text), 0);
	assert_string_equal(url.text, text);
	assert_string_equal(url.host, host);
	assert_int_equal(url.port, port);
	assert_string_equal(url.authority, authority);
	assert_string_equal(url.path, path);
	assert_false(url.tls);
	wfp_url_cleanup(&url);
}

static void test_valid(void **state)
{
	(void)state;
	check_url("ws://localhost:8080/", "localhost", 8080, "localhost:8080",
		  "/");
	check_url("ws://127.0.0.1:1", "127.0.0.1", 1, "127.0.0.1:1", "/");
	check_url("ws://example.com", "example.com", 80, "example.com", "/");
	check_url("ws://example.com/a/b?x=1", "example.com", 80, "example.com",
		  "/a/b?x=1");
	check_url("WS://h:65535/p", "h", 65535, "h:65535", "/p");
	check_url("ws://[::1]:9000/", "::1", 9000, "[::1]:9000", "/");
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"localhost:8080",
		"http://localhost/",
		"ws:/localhost/",
		"ws://",
		"ws:///path",
		"ws://:8080/",
		"ws://host:/",
		"ws://host:0/",
		"ws://host:65536/",
		"ws://host:123456/",
		"ws://host:80x/",
		"ws://host:abc/",
		"ws://a:b:c/",
		"ws://user@host/",
		"ws://host?query",
		"ws://ho st/",
		"ws://host/pa th",
		"ws://[::1/",
		"ws://[]:80/",
		"ws://[::1]x/",
	};
	struct wfp_url url;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = wfp_url_parse(&url, bad[i]);

		if (rc != -EINVAL)
			fail_msg("\"%s\" gave %d, expected -EINVAL", bad[i],
				 rc);
	}
}

/* wss:// means TLS; its port defaults to 443. */
static void test_wss(void **state)
{
	struct wfp_url url;

	(void)state;
	assert_int_equal(wfp_url_parse(&url, "wss://device.local/x"), 0);
	assert_true(url.tls);
	assert_int_equal(url.port, 443);
	assert_string_equal(url.host, "device.local");
	assert_string_equal(url.path, "/x");
	wfp_url_cleanup(&url);
	assert_int_equal(wfp_url_parse(&url, "WSS://[::1]:8443/"), 0);
	assert_true(url.tls);
	assert_int_equal(url.port, 8443);
	assert_string_equal(url.host, "::1");
	wfp_url_cleanup(&url);
	assert_int_equal(wfp_url_parse(&url, "ws://h/"), 0);
	assert_false(url.tls);
	assert_int_equal(url.port, 80);
	wfp_url_cleanup(&url);
	assert_int_equal(wfp_url_parse(&url, "wss://host:x/"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_wss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
