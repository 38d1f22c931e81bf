/*
 * Unit tests of src/provider/provider.c: the client loop against a scripted
 * service on loopback (a libwebsockets server in a second thread).
 */
#include <webfuse/provider.h>

#include "field.h"
#include "message.h"
#include "outmsg.h"
#include "rpc.h"
#include "rxbuf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define CONTENT	 "hello\n"
#define BIG_SIZE (1u << 20)
/* The service gives up on a scenario after this long. */
#define GUARD_MS 15000

/* ---- the provider's operations ---- */

static int fs_getattr(const char *path, struct stat *st, void *user_data)
{
	(void)user_data;
	if (strcmp(path, "/hello.txt") != 0)
		return -ENOENT;
	st->st_mode = S_IFREG | 0644;
	st->st_size = sizeof(CONTENT) - 1;
	return 0;
}

static int fs_open(const char *path, int flags, uint64_t *handle,
		   void *user_data)
{
	(void)path;
	(void)flags;
	(void)user_data;
	*handle = 1;
	return 0;
}

static unsigned char pattern(uint64_t offset)
{
	return (unsigned char)(offset * 7 + (offset >> 8));
}

static ssize_t fs_read(const char *path, uint64_t handle, char *buf,
		       size_t size, uint64_t offset, void *user_data)
{
	size_t n;

	(void)handle;
	(void)user_data;
	if (strcmp(path, "/big") == 0) {
		if (offset >= BIG_SIZE)
			return 0;
		n = BIG_SIZE - offset < size ? BIG_SIZE - offset : size;
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)pattern(offset + i);
		return (ssize_t)n;
	}
	if (offset >= sizeof(CONTENT) - 1)
		return 0;
	n = sizeof(CONTENT) - 1 - offset;
	if (n > size)
		n = size;
	memcpy(buf, CONTENT + offset, n);
	return (ssize_t)n;
}

static const struct wfp_operations fs_ops = {
	.getattr = fs_getattr,
	.open = fs_open,
	.read = fs_read,
};

/* ---- the scripted service ---- */

enum scenario {
	RECONNECT,  /* EBUSY, attach + requests + service closes, attach */
	BASE64,	    /* the provider does not offer binary */
	BIG_READ,   /* a read of 1 MiB in binary */
	BUSY,	    /* add_filesystem answers EBUSY, no reconnect */
	NO_SUCH_FS, /* add_filesystem answers ENOENT: permanent */
	CLOSED,	    /* the service closes after attach, no reconnect */
};

struct frame {
	struct frame *next;
	enum lws_write_protocol flags;
	size_t len;
	unsigned char buf[]; /* LWS_PRE, then the bytes */
};

struct service {
	enum scenario scenario;
	struct lws_context *context;
	int port;
	pthread_t thread;
	volatile int stop;
	struct wfp_provider *provider;

	int connections;
	bool closing; /* close once the queue is empty */
	struct wf_rxbuf rx;
	struct frame *head, *tail;
	struct timespec started;
	lws_sorted_usec_list_t guard;

	/* What happened, checked by the test thread afterwards. */
	bool hello_binary; /* the last hello offered binary */
	char agent[64];
	int getattr_ok, read_ok;
	char failure[256];
};

static void fail_scenario(struct service *s, const char *why)
{
	if (!s->failure[0])
		snprintf(s->failure, sizeof(s->failure), "%s", why);
	wfp_provider_stop(s->provider);
}

static void queue_frame(struct service *s, struct lws *wsi, const char *data,
			size_t len, enum lws_write_protocol flags)
{
	struct frame *f = malloc(sizeof(*f) + LWS_PRE + len);

	if (!f)
		abort();
	f->next = NULL;
	f->flags = flags;
	f->len = len;
	memcpy(f->buf + LWS_PRE, data, len);
	if (s->tail)
		s->tail->next = f;
	else
		s->head = f;
	s->tail = f;
	lws_callback_on_writable(wsi);
}

/* Queues @json (consumed), in @fragments fragments. */
static void send_json(struct service *s, struct lws *wsi, json_t *json,
		      int fragments)
{
	struct wf_outmsg *m = wf_outmsg_text(json);
	size_t part, off = 0;

	json_decref(json);
	if (!m)
		abort();
	part = m->len / (size_t)fragments;
	for (int i = 0; i < fragments; i++) {
		size_t len = i == fragments - 1 ? m->len - off : part;
		enum lws_write_protocol flags =
			i == 0 ? LWS_WRITE_TEXT : LWS_WRITE_CONTINUATION;

		if (i < fragments - 1)
			flags |= LWS_WRITE_NO_FIN;
		queue_frame(s, wsi, m->payload + off, len, flags);
		off += len;
	}
	wf_outmsg_destroy(m);
}

static void drop_frames(struct service *s)
{
	while (s->head) {
		struct frame *f = s->head;

		s->head = f->next;
		free(f);
	}
	s->tail = NULL;
}

static void reply_hello(struct service *s, struct lws *wsi,
			const struct wf_message *msg)
{
	const char *agent = "";

	s->hello_binary = wf_field_has_name(msg->params, "features", "binary");
	json_unpack(msg->params, "{s?s}", "agent", &agent);
	snprintf(s->agent, sizeof(s->agent), "%s", agent);
	send_json(
		s, wsi,
		wf_rpc_result(msg->id,
			      json_pack("{s:i, s:[s], s:s, s:b, s:{s:I, s:I}}",
					"protocol", 1, "features", "binary",
					"agent", "test-service", "authenticate",
					0, "limits", "max_message",
					(json_int_t)(4 << 20), "max_read",
					(json_int_t)BIG_SIZE)),
		1);
}

static void reply_add(struct service *s, struct lws *wsi,
		      const struct wf_message *msg)
{
	int err = 0;

	if ((s->scenario == RECONNECT && s->connections == 1) ||
	    s->scenario == BUSY)
		err = -EBUSY;
	if (s->scenario == NO_SUCH_FS)
		err = -ENOENT;
	if (err) {
		send_json(s, wsi, wf_rpc_error(msg->id, err), 1);
		return;
	}
	send_json(s, wsi,
		  wf_rpc_result(msg->id, json_pack("{s:s}", "name", "")), 1);

	if (s->scenario == RECONNECT || s->scenario == BASE64) {
		/* In three fragments: the provider must reassemble them. */
		send_json(s, wsi,
			  wf_rpc_request(
				  10, "getattr",
				  json_pack("{s:s}", "path", "/hello.txt")),
			  3);
	} else if (s->scenario == BIG_READ) {
		send_json(s, wsi,
			  wf_rpc_request(11, "read",
					 json_pack("{s:s, s:i, s:i, s:I}",
						   "path", "/big", "handle", 1,
						   "offset", 0, "size",
						   (json_int_t)BIG_SIZE)),
			  1);
	} else if (s->scenario == CLOSED) {
		s->closing = true;
		lws_callback_on_writable(wsi);
	}
}

static void check_getattr(struct service *s, struct lws *wsi,
			  const struct wf_message *msg)
{
	json_int_t size = -1;

	if (!msg->result || json_unpack(msg->result, "{s:I}", "size", &size) ||
	    size != 6)
		return fail_scenario(s, "bad getattr response");
	s->getattr_ok++;
	if (s->connections == 3)
		return wfp_provider_stop(s->provider);
	send_json(s, wsi,
		  wf_rpc_request(11, "read",
				 json_pack("{s:s, s:i, s:i, s:i}", "path",
					   "/hello.txt", "handle", 1, "offset",
					   1, "size", 100)),
		  1);
}

static void check_read(struct service *s, struct lws *wsi,
		       struct wf_message *msg, bool binary)
{
	const char *data;
	size_t size;
	bool big = s->scenario == BIG_READ;

	if (!msg->result || wf_message_data(msg, BIG_SIZE + 16, &data, &size))
		return fail_scenario(s, "bad read response");
	if (binary != (s->scenario != BASE64))
		return fail_scenario(s, "read response in the wrong form");
	if (big) {
		if (size != BIG_SIZE)
			return fail_scenario(s, "short big read");
		for (size_t i = 0; i < size; i++) {
			if ((unsigned char)data[i] != pattern(i))
				return fail_scenario(s, "big read corrupt");
		}
	} else if (!binary) {
		/* Checked as text: see test_dispatch.c on lws' decoder. */
		const char *text =
			json_string_value(json_object_get(msg->result, "data"));

		if (!text || strcmp(text, "ZWxsbwo=") != 0)
			return fail_scenario(s, "bad base64 read data");
	} else if (size != 5 || memcmp(data, "ello\n", 5) != 0) {
		return fail_scenario(s, "bad read data");
	}
	s->read_ok++;
	if (s->scenario == RECONNECT) {
		/* The provider must dial again. */
		s->closing = true;
		lws_callback_on_writable(wsi);
	} else {
		wfp_provider_stop(s->provider);
	}
}

static void on_message(struct service *s, struct lws *wsi, const char *buf,
		       size_t len, bool binary)
{
	struct wf_message msg;

	if (wf_message_parse(buf, len, binary, &msg))
		return fail_scenario(s, "provider sent an invalid message");
	if (msg.kind == WF_MESSAGE_REQUEST && !strcmp(msg.method, "hello"))
		reply_hello(s, wsi, &msg);
	else if (msg.kind == WF_MESSAGE_REQUEST &&
		 !strcmp(msg.method, "add_filesystem"))
		reply_add(s, wsi, &msg);
	else if (msg.kind == WF_MESSAGE_RESPONSE && msg.id == 10)
		check_getattr(s, wsi, &msg);
	else if (msg.kind == WF_MESSAGE_RESPONSE && msg.id == 11)
		check_read(s, wsi, &msg, binary);
	else
		fail_scenario(s, "unexpected message");
	wf_message_cleanup(&msg);
}

static int service_cb(struct lws *wsi, enum lws_callback_reasons reason,
		      void *user, void *in, size_t len)
{
	struct service *s = lws_context_user(lws_get_context(wsi));
	struct frame *f;
	int rc;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		s->connections++;
		s->closing = false;
		wf_rxbuf_init(&s->rx);
		break;
	case LWS_CALLBACK_RECEIVE:
		rc = wf_rxbuf_receive(&s->rx, wsi, in, len, 4 << 20);
		if (rc < 0)
			fail_scenario(s, "receive failed");
		if (rc == 1) {
			on_message(s, wsi, s->rx.data, s->rx.len, s->rx.binary);
			wf_rxbuf_reset(&s->rx);
		}
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		f = s->head;
		if (!f)
			return s->closing ? -1 : 0;
		s->head = f->next;
		if (!s->head)
			s->tail = NULL;
		rc = lws_write(wsi, f->buf + LWS_PRE, f->len, f->flags);
		free(f);
		if (rc < 0)
			return -1;
		if (s->head || s->closing)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLOSED:
		drop_frames(s);
		wf_rxbuf_cleanup(&s->rx);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols service_protocols[] = {
	{.name = "http", .callback = lws_callback_http_dummy},
	{.name = "webfuse.v1", .callback = service_cb},
	{.name = NULL},
};

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 +
	       (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Fails a scenario that takes too long, checked every 100 ms. */
static void guard_cb(lws_sorted_usec_list_t *sul)
{
	struct service *s = lws_container_of(sul, struct service, guard);

	if (elapsed_ms(&s->started) > GUARD_MS)
		fail_scenario(s, "scenario timed out");
	lws_sul_schedule(s->context, 0, &s->guard, guard_cb,
			 100 * LWS_US_PER_MS);
}

static void *service_loop(void *arg)
{
	struct service *s = arg;

	while (!s->stop)
		lws_service(s->context, 0);
	return NULL;
}

static void service_start(struct service *s, enum scenario scenario,
			  struct wfp_provider *p)
{
	struct lws_context_creation_info info;

	memset(s, 0, sizeof(*s));
	s->scenario = scenario;
	s->provider = p;
	memset(&info, 0, sizeof(info));
	info.port = 0;
	info.iface = "127.0.0.1";
	info.protocols = service_protocols;
	info.user = s;
	info.gid = -1;
	info.uid = -1;
	s->context = lws_create_context(&info);
	assert_non_null(s->context);
	s->port = lws_get_vhost_listen_port(
		lws_get_vhost_by_name(s->context, "default"));
	assert_true(s->port > 0);
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	lws_sul_schedule(s->context, 0, &s->guard, guard_cb,
			 100 * LWS_US_PER_MS);
	assert_int_equal(pthread_create(&s->thread, NULL, service_loop, s), 0);
}

static void service_stop(struct service *s)
{
	s->stop = 1;
	lws_cancel_service(s->context);
	assert_int_equal(pthread_join(s->thread, NULL), 0);
	lws_context_destroy(s->context);
	drop_frames(s);
	wf_rxbuf_cleanup(&s->rx);
}

static struct wfp_provider *make_provider(int port, bool binary, bool reconnect)
{
	struct wfp_provider *p =
		wfp_provider_create(&fs_ops, sizeof(fs_ops), NULL);
	char url[64];

	assert_non_null(p);
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", port);
	assert_int_equal(wfp_provider_set_url(p, url), 0);
	wfp_provider_set_binary(p, binary);
	wfp_provider_set_reconnect(p, reconnect);
	return p;
}

/* Runs @scenario; returns what wfp_provider_run() returned. */
static int run_scenario(struct service *s, enum scenario scenario, bool binary,
			bool reconnect)
{
	struct wfp_provider *p =
		wfp_provider_create(&fs_ops, sizeof(fs_ops), NULL);
	char url[64];
	int rc;

	assert_non_null(p);
	service_start(s, scenario, p);
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", s->port);
	assert_int_equal(wfp_provider_set_url(p, url), 0);
	wfp_provider_set_binary(p, binary);
	wfp_provider_set_reconnect(p, reconnect);
	rc = wfp_provider_run(p);
	service_stop(s);
	wfp_provider_destroy(p);
	if (s->failure[0])
		fail_msg("%s", s->failure);
	return rc;
}

static void test_reconnect(void **state)
{
	struct service s;

	(void)state;
	assert_int_equal(run_scenario(&s, RECONNECT, true, true), 0);
	/* EBUSY, then attached and closed by the service, then attached. */
	assert_int_equal(s.connections, 3);
	assert_int_equal(s.getattr_ok, 2);
	assert_int_equal(s.read_ok, 1);
	assert_true(s.hello_binary);
	assert_string_equal(s.agent, "webfuse-provider/" WF_VERSION);
}

static void test_base64(void **state)
{
	struct service s;

	(void)state;
	assert_int_equal(run_scenario(&s, BASE64, false, true), 0);
	assert_false(s.hello_binary);
	assert_int_equal(s.connections, 1);
	assert_int_equal(s.read_ok, 1);
}

static void test_big_read(void **state)
{
	struct service s;

	(void)state;
	assert_int_equal(run_scenario(&s, BIG_READ, true, true), 0);
	assert_int_equal(s.read_ok, 1);
}

static void test_busy_without_reconnect(void **state)
{
	struct service s;

	(void)state;
	assert_int_equal(run_scenario(&s, BUSY, true, false), -EBUSY);
	assert_int_equal(s.connections, 1);
}

/* An error no retry can cure ends the loop even with reconnect on. */
static void test_permanent_error(void **state)
{
	struct service s;

	(void)state;
	assert_int_equal(run_scenario(&s, NO_SUCH_FS, true, true), -ENOENT);
	assert_int_equal(s.connections, 1);
}

static void test_closed_without_reconnect(void **state)
{
	struct service s;

	(void)state;
	assert_int_equal(run_scenario(&s, CLOSED, true, false), -ECONNRESET);
	assert_int_equal(s.connections, 1);
}

/* A port on loopback nobody listens on. */
static int closed_port(void)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	close(fd);
	return ntohs(addr.sin_port);
}

static void test_refused_without_reconnect(void **state)
{
	struct wfp_provider *p = make_provider(closed_port(), true, false);

	(void)state;
	assert_int_equal(wfp_provider_run(p), -ECONNREFUSED);
	wfp_provider_destroy(p);
}

static void test_stop_before_run(void **state)
{
	struct wfp_provider *p = make_provider(closed_port(), true, true);

	(void)state;
	wfp_provider_stop(p);
	assert_int_equal(wfp_provider_run(p), 0);
	wfp_provider_destroy(p);
}

static void test_settings(void **state)
{
	struct wfp_provider *p =
		wfp_provider_create(&fs_ops, sizeof(fs_ops), NULL);
	char long_name[300];

	(void)state;
	assert_non_null(p);
	assert_null(wfp_provider_create(NULL, 0, NULL));
	/* No URL yet. */
	assert_int_equal(wfp_provider_run(p), -EINVAL);
	assert_int_equal(wfp_provider_set_url(p, "http://x/"), -EINVAL);
	assert_int_equal(wfp_provider_set_url(p, "wss://x/"), 0);
	assert_int_equal(wfp_provider_set_url(p, "ws://x:1/"), 0);
	assert_int_equal(wfp_provider_set_ca_file(p, "/ca.pem"), 0);
	assert_int_equal(wfp_provider_set_ca_file(p, NULL), 0);
	assert_int_equal(wfp_provider_set_token(p, ""), -EINVAL);
	assert_int_equal(wfp_provider_set_token(p, "a\nb"), -EINVAL);
	assert_int_equal(wfp_provider_set_token(p, "token-token-token"), 0);
	assert_int_equal(wfp_provider_set_token(p, NULL), 0);
	assert_int_equal(wfp_provider_set_device_secret(p, "short", 5),
			 -EINVAL);
	assert_int_equal(
		wfp_provider_set_device_secret(p, "sixteen-bytes-ok", 16), 0);
	assert_int_equal(wfp_provider_set_device_secret(p, NULL, 0), 0);
	assert_int_equal(wfp_provider_set_url(p, "ws://y:2/"), 0);
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(wfp_provider_set_name(p, long_name), -EINVAL);
	assert_int_equal(wfp_provider_set_name(p, "fs"), 0);
	assert_int_equal(wfp_provider_set_name(p, NULL), 0);
	wfp_provider_destroy(p);
	wfp_provider_destroy(NULL);
}

/* A table from a later header: unknown operations are ignored. */
static void test_larger_operations(void **state)
{
	struct {
		struct wfp_operations ops;
		void (*later)(void);
	} later = {.ops = fs_ops, .later = NULL};
	struct wfp_provider *p;

	(void)state;
	p = wfp_provider_create(&later.ops, sizeof(later), NULL);
	assert_non_null(p);
	wfp_provider_destroy(p);
	/* A smaller one: the missing operations are NULL. */
	p = wfp_provider_create(&fs_ops, offsetof(struct wfp_operations, read),
				NULL);
	assert_non_null(p);
	wfp_provider_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_larger_operations),
		cmocka_unit_test(test_stop_before_run),
		cmocka_unit_test(test_refused_without_reconnect),
		cmocka_unit_test(test_reconnect),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_big_read),
		cmocka_unit_test(test_busy_without_reconnect),
		cmocka_unit_test(test_permanent_error),
		cmocka_unit_test(test_closed_without_reconnect),
	};

	lws_set_log_level(LLL_ERR, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
