/* The settings of webfused, from defaults and a JSON file (doc/config.md). */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A config file is small; a bigger one is a mistake, not a config. */
#define CONFIG_FILE_MAX (1 << 20)

/* Nesting of the deepest field: filesystems[i].member. */
#define DEPTH_MAX 4

/* Where a value is: the member names (or, where NULL, array indexes)
 * that lead to it from the top. */
struct where {
	const char *keys[DEPTH_MAX];
	size_t indexes[DEPTH_MAX];
	int depth;
};

struct loader {
	const char *path;
	const char *text;
	size_t len;
	char *why;
	size_t size;
	struct where at;
};

static void enter_key(struct loader *ld, const char *key)
{
	ld->at.keys[ld->at.depth] = key;
	ld->at.depth++;
}

static void enter_index(struct loader *ld, size_t index)
{
	ld->at.keys[ld->at.depth] = NULL;
	ld->at.indexes[ld->at.depth] = index;
	ld->at.depth++;
}

static void leave(struct loader *ld)
{
	ld->at.depth--;
}

/* ---- where a field is in the text --------------------------------------- */

static size_t skip_space(const struct loader *ld, size_t pos)
{
	while (pos < ld->len && strchr(" \t\r\n", ld->text[pos]))
		pos++;
	return pos;
}

/* Bytes of the JSON value at @pos (jansson reads it), or 0. */
static size_t value_length(const struct loader *ld, size_t pos, json_t **value)
{
	json_error_t error;
	json_t *v =
		json_loadb(ld->text + pos, ld->len - pos,
			   JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &error);

	if (!v)
		return 0;
	if (value)
		*value = v;
	else
		json_decref(v);
	return (size_t)error.position;
}

/*
 * Moves @pos from the start of an object or array to the start of its
 * member @key or element @index. Returns false if the text does not hold
 * it (the file parsed, so that does not happen).
 */
static bool step(const struct loader *ld, size_t *pos, const char *key,
		 size_t index)
{
	size_t p = *pos, n;

	if (p >= ld->len || ld->text[p] != (key ? '{' : '['))
		return false;
	p++;
	for (size_t i = 0;; i++) {
		bool found = !key && i == index;

		p = skip_space(ld, p);
		if (key) {
			json_t *name = NULL;

			n = value_length(ld, p, &name);
			found = n && json_is_string(name) &&
				strcmp(json_string_value(name), key) == 0;
			json_decref(name);
			if (!n)
				return false;
			p = skip_space(ld, p + n);
			if (p >= ld->len || ld->text[p] != ':')
				return false;
			p = skip_space(ld, p + 1);
		}
		if (found) {
			*pos = p;
			return true;
		}
		n = value_length(ld, p, NULL);
		if (!n)
			return false;
		p = skip_space(ld, p + n);
		if (p >= ld->len || ld->text[p] != ',')
			return false;
		p++;
	}
}

/* The byte offset of the value @ld->at names (or as near as it gets). */
static size_t locate(const struct loader *ld)
{
	size_t pos = skip_space(ld, 0);

	for (int d = 0; d < ld->at.depth; d++)
		if (!step(ld, &pos, ld->at.keys[d], ld->at.indexes[d]))
			break;
	return pos;
}

/* Says in @ld->why what is wrong with the field @ld->at. */
static int fail(struct loader *ld, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct loader *ld, const char *fmt, ...)
{
	size_t pos = locate(ld), line = 1, column = 1, used;
	char field[128] = "";
	va_list ap;

	for (size_t i = 0; i < pos; i++) {
		column++;
		if (ld->text[i] == '\n') {
			line++;
			column = 1;
		}
	}
	used = 0;
	for (int d = 0; d < ld->at.depth && used < sizeof(field); d++)
		used += (size_t)(ld->at.keys[d] ? snprintf(field + used,
							   sizeof(field) - used,
							   "%s%s", d ? "." : "",
							   ld->at.keys[d])
						: snprintf(field + used,
							   sizeof(field) - used,
							   "[%zu]",
							   ld->at.indexes[d]));
	used = (size_t)snprintf(ld->why, ld->size, "%s:%zu:%zu: %s: ", ld->path,
				line, column,
				field[0] ? field : "the top level");
	if (used < ld->size) {
		va_start(ap, fmt);
		vsnprintf(ld->why + used, ld->size - used, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ---- fields -------------------------------------------------------------- */

/* Members whose name starts with '#' are comments. */
static bool is_comment(const char *key)
{
	return key[0] == '#';
}

/* Checks that @obj, the value at @ld->at, is an object of known members. */
static int check_object(struct loader *ld, const json_t *obj,
			const char *const known[])
{
	const char *key;
	json_t *value;

	if (!json_is_object(obj))
		return fail(ld, "must be an object");
	json_object_foreach((json_t *)obj, key, value)
	{
		char list[256] = "";
		size_t used = 0;
		bool ok = is_comment(key);

		for (size_t i = 0; known[i]; i++) {
			ok = ok || strcmp(key, known[i]) == 0;
			if (used < sizeof(list))
				used += (size_t)snprintf(
					list + used, sizeof(list) - used,
					"%s%s", i ? ", " : "", known[i]);
		}
		if (!ok) {
			enter_key(ld, key);
			return fail(ld, "unknown field (known: %s)", list);
		}
	}
	return 0;
}

/* The non-empty string @key of @obj into @out; absent leaves @out. */
static int get_string(struct loader *ld, const json_t *obj, const char *key,
		      const char **out)
{
	json_t *v = json_object_get(obj, key);
	int rc = 0;

	if (!v)
		return 0;
	enter_key(ld, key);
	if (!json_is_string(v))
		rc = fail(ld, "must be a string");
	else if (!json_string_length(v) ||
		 strlen(json_string_value(v)) != json_string_length(v))
		rc = fail(ld, "must be a non-empty string without NUL");
	else
		*out = json_string_value(v);
	leave(ld);
	return rc;
}

static int get_bool(struct loader *ld, const json_t *obj, const char *key,
		    bool *out)
{
	json_t *v = json_object_get(obj, key);
	int rc = 0;

	if (!v)
		return 0;
	enter_key(ld, key);
	if (!json_is_boolean(v))
		rc = fail(ld, "must be true or false");
	else
		*out = json_is_true(v);
	leave(ld);
	return rc;
}

/* The integer @key of @obj, @min to @max, into @out; absent leaves @out.
 * @what names its unit in the error message. */
static int get_integer(struct loader *ld, const json_t *obj, const char *key,
		       const char *what, long long min, long long max,
		       long long *out)
{
	json_t *v = json_object_get(obj, key);
	int rc = 0;

	if (!v)
		return 0;
	enter_key(ld, key);
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		rc = fail(ld, "must be %s, %lld to %lld", what, min, max);
	else
		*out = json_integer_value(v);
	leave(ld);
	return rc;
}

/* A number of seconds up to an hour; 0 only if @zero_ok. */
static int get_seconds(struct loader *ld, const json_t *obj, const char *key,
		       bool zero_ok, double *out)
{
	json_t *v = json_object_get(obj, key);
	int rc = 0;

	if (!v)
		return 0;
	enter_key(ld, key);
	if (!json_is_number(v) || json_number_value(v) < 0 ||
	    (!zero_ok && json_number_value(v) == 0) ||
	    json_number_value(v) > WFD_MAX_TIMEOUT_S)
		rc = fail(ld, "must be a number of seconds, %s %d",
			  zero_ok ? "0 to" : "more than 0, at most",
			  WFD_MAX_TIMEOUT_S);
	else
		*out = json_number_value(v);
	leave(ld);
	return rc;
}

/* A user (@group false) or group id, by number or by name. */
static int get_id(struct loader *ld, const json_t *obj, const char *key,
		  bool group, long long *out)
{
	json_t *v = json_object_get(obj, key);
	int rc = 0;

	if (!v)
		return 0;
	enter_key(ld, key);
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) < 0xffffffffll) {
		*out = json_integer_value(v);
	} else if (json_is_string(v)) {
		const char *name = json_string_value(v);
		struct passwd *pw = group ? NULL : getpwnam(name);
		struct group *gr = group ? getgrnam(name) : NULL;

		if (pw)
			*out = pw->pw_uid;
		else if (gr)
			*out = gr->gr_gid;
		else
			rc = fail(ld, "no %s is named \"%s\"",
				  group ? "group" : "user", name);
	} else {
		rc = fail(ld, "must be a %s name or a number",
			  group ? "group" : "user");
	}
	leave(ld);
	return rc;
}

/* ---- sections ------------------------------------------------------------ */

static int load_limits(struct loader *ld, const json_t *obj,
		       struct wfd_limits *limits)
{
	const char *key;
	json_t *value;

	if (!json_is_object(obj))
		return fail(ld, "must be an object");
	json_object_foreach((json_t *)obj, key, value)
	{
		char text[32], why[96];
		int rc = -EINVAL;

		if (is_comment(key))
			continue;
		enter_key(ld, key);
		if (json_is_integer(value) && json_integer_value(value) >= 0) {
			snprintf(text, sizeof(text), "%lld",
				 (long long)json_integer_value(value));
			rc = wfd_limits_set(limits, key, text, why,
					    sizeof(why));
		} else if (json_is_string(value)) {
			rc = wfd_limits_set(limits, key,
					    json_string_value(value), why,
					    sizeof(why));
		} else {
			/* Only to tell an unknown name from a bad value. */
			rc = wfd_limits_set(limits, key, "", why, sizeof(why));
			snprintf(why, sizeof(why),
				 "a count, or a string such as \"16M\"");
		}
		if (rc == -ENOENT)
			return fail(ld,
				    "unknown field (known: max_message, "
				    "max_read, max_write, max_write_behind, "
				    "max_pending, max_entries, "
				    "max_connections)");
		if (rc)
			return fail(ld, "must be %s", why);
		leave(ld);
	}
	return 0;
}

static int load_server(struct loader *ld, const json_t *obj,
		       struct wfd_config *c)
{
	static const char *const known[] = {"bind",	 "port",    "cert",
					    "key",	 "docroot", "timeout",
					    "busy_poll", "limits",  NULL};
	struct wfd_server_options *s = &c->server;
	double timeout = c->limits.timeout_ms / 1000.0;
	long long port = s->port, busy_poll = s->busy_poll_us;
	json_t *v;
	int rc;

	rc = check_object(ld, obj, known);
	if (!rc)
		rc = get_string(ld, obj, "bind", &s->bind);
	if (!rc)
		rc = get_string(ld, obj, "cert", &s->cert);
	if (!rc)
		rc = get_string(ld, obj, "key", &s->key);
	if (!rc)
		rc = get_string(ld, obj, "docroot", &s->docroot);
	if (!rc)
		rc = get_seconds(ld, obj, "timeout", false, &timeout);
	if (!rc)
		wfd_limits_set_timeout(&c->limits, timeout);
	if (!rc)
		rc = get_integer(ld, obj, "port", "a port number", 1, 65535,
				 &port);
	if (!rc)
		s->port = (int)port;
	if (!rc)
		rc = get_integer(ld, obj, "busy_poll",
				 "a number of microseconds", 0,
				 WFD_MAX_BUSY_POLL_US, &busy_poll);
	if (!rc)
		s->busy_poll_us = (unsigned int)busy_poll;
	v = json_object_get(obj, "limits");
	if (!rc && v) {
		enter_key(ld, "limits");
		rc = load_limits(ld, v, &c->limits);
		if (!rc)
			leave(ld);
	}
	return rc;
}

static int load_authentication(struct loader *ld, const json_t *obj,
			       struct wfd_auth_options *auth)
{
	static const char *const known[] = {"token_file", "authenticator",
					    "none", "device_secret", NULL};
	struct wfd_auth_options a = {0};
	int rc;

	rc = check_object(ld, obj, known);
	if (!rc)
		rc = get_string(ld, obj, "token_file", &a.token_file);
	if (!rc)
		rc = get_string(ld, obj, "authenticator", &a.program);
	if (!rc)
		rc = get_bool(ld, obj, "none", &a.none);
	if (!rc)
		rc = get_string(ld, obj, "device_secret", &a.device_secret);
	if (rc)
		return rc;
	if (a.none + !!a.token_file + !!a.program != 1)
		return fail(ld, "give exactly one of \"token_file\", "
				"\"authenticator\" and \"none\": true");
	*auth = a;
	return 0;
}

static bool valid_name(const char *name)
{
	size_t len = strlen(name);

	return len && len <= WFD_FS_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == len;
}

static int load_filesystem(struct loader *ld, const json_t *obj,
			   struct wfd_config *c, size_t index)
{
	static const char *const known[] = {
		"name",		 "mountpoint", "read_only", "allow_other",
		"takeover",	 "uid",	       "gid",	    "attr_timeout",
		"entry_timeout", NULL};
	struct wfd_filesystem_options *fs = &c->filesystems[index];
	int rc;

	*fs = (struct wfd_filesystem_options){
		.attr_timeout = WFD_DEFAULT_CACHE_TIMEOUT,
		.entry_timeout = WFD_DEFAULT_CACHE_TIMEOUT,
		.uid = -1,
		.gid = -1,
	};
	rc = check_object(ld, obj, known);
	if (rc)
		return rc;
	if (!json_object_get(obj, "name") ||
	    !json_object_get(obj, "mountpoint"))
		return fail(ld, "needs a \"name\" and a \"mountpoint\"");
	rc = get_string(ld, obj, "name", &fs->name);
	if (!rc)
		rc = get_string(ld, obj, "mountpoint", &fs->mountpoint);
	if (!rc)
		rc = get_bool(ld, obj, "read_only", &fs->read_only);
	if (!rc)
		rc = get_bool(ld, obj, "allow_other", &fs->allow_other);
	if (!rc)
		rc = get_bool(ld, obj, "takeover", &fs->takeover);
	if (!rc)
		rc = get_id(ld, obj, "uid", false, &fs->uid);
	if (!rc)
		rc = get_id(ld, obj, "gid", true, &fs->gid);
	if (!rc)
		rc = get_seconds(ld, obj, "attr_timeout", true,
				 &fs->attr_timeout);
	if (!rc)
		rc = get_seconds(ld, obj, "entry_timeout", true,
				 &fs->entry_timeout);
	if (rc)
		return rc;
	enter_key(ld, "name");
	if (!valid_name(fs->name))
		return fail(ld, "must be 1 to %d of A-Z a-z 0-9 . _ -",
			    WFD_FS_NAME_MAX);
	leave(ld);
	for (size_t i = 0; i < index; i++) {
		if (strcmp(c->filesystems[i].name, fs->name) == 0) {
			enter_key(ld, "name");
			return fail(ld, "\"%s\" names filesystems[%zu] too",
				    fs->name, i);
		}
		if (strcmp(c->filesystems[i].mountpoint, fs->mountpoint) == 0) {
			enter_key(ld, "mountpoint");
			return fail(ld, "filesystems[%zu] is mounted there too",
				    i);
		}
	}
	return 0;
}

static int load_filesystems(struct loader *ld, const json_t *array,
			    struct wfd_config *c)
{
	size_t count = json_array_size(array);

	if (!json_is_array(array) || !count || count > WFD_FILESYSTEMS_MAX)
		return fail(ld, "must be an array of 1 to %d filesystems",
			    WFD_FILESYSTEMS_MAX);
	for (size_t i = 0; i < count; i++) {
		int rc;

		enter_index(ld, i);
		rc = load_filesystem(ld, json_array_get(array, i), c, i);
		if (rc)
			return rc;
		leave(ld);
	}
	c->filesystem_count = count;
	return 0;
}

static int load_log(struct loader *ld, const json_t *obj, struct wfd_config *c)
{
	static const char *const known[] = {"level", "to", NULL};
	const char *level = NULL, *to = NULL;
	int rc;

	rc = check_object(ld, obj, known);
	if (!rc)
		rc = get_string(ld, obj, "level", &level);
	if (!rc)
		rc = get_string(ld, obj, "to", &to);
	if (rc)
		return rc;
	if (level && wfd_log_parse_level(level, &c->log_level)) {
		enter_key(ld, "level");
		return fail(ld, "must be \"error\", \"warn\", \"info\" or "
				"\"debug\"");
	}
	if (to && wfd_log_parse_target(to, &c->log_target)) {
		enter_key(ld, "to");
		return fail(ld, "must be \"stderr\" or \"syslog\"");
	}
	return 0;
}

/* Loads the section @key of @root with @fn, if it is there. */
static int section(struct loader *ld, const json_t *root, const char *key,
		   int (*fn)(struct loader *, const json_t *,
			     struct wfd_config *),
		   struct wfd_config *c)
{
	json_t *v = json_object_get(root, key);
	int rc;

	if (!v)
		return 0;
	enter_key(ld, key);
	rc = fn(ld, v, c);
	if (!rc)
		leave(ld);
	return rc;
}

static int load_auth_section(struct loader *ld, const json_t *obj,
			     struct wfd_config *c)
{
	return load_authentication(ld, obj, &c->auth);
}

static int load_root(struct loader *ld, const json_t *root,
		     struct wfd_config *c)
{
	static const char *const known[] = {
		"server", "authentication", "filesystems", "log",
		"user",	  "group",	    NULL};
	int rc;

	rc = check_object(ld, root, known);
	if (!rc)
		rc = section(ld, root, "server", load_server, c);
	if (!rc)
		rc = section(ld, root, "authentication", load_auth_section, c);
	if (!rc && json_object_get(root, "filesystems")) {
		enter_key(ld, "filesystems");
		rc = load_filesystems(ld, json_object_get(root, "filesystems"),
				      c);
		if (!rc)
			leave(ld);
	}
	if (!rc)
		rc = section(ld, root, "log", load_log, c);
	if (!rc)
		rc = get_string(ld, root, "user", &c->user);
	if (!rc)
		rc = get_string(ld, root, "group", &c->group);
	if (!rc && c->user && !getpwnam(c->user)) {
		enter_key(ld, "user");
		return fail(ld, "no user is named \"%s\"", c->user);
	}
	if (!rc && c->group && !getgrnam(c->group)) {
		enter_key(ld, "group");
		return fail(ld, "no group is named \"%s\"", c->group);
	}
	return rc;
}

/* ---- the file ------------------------------------------------------------ */

/* The whole file @path, NUL-terminated, in @out (owned). */
static int read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *text;
	size_t n;

	if (!f)
		return -errno;
	text = malloc(CONFIG_FILE_MAX + 1);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	errno = 0;
	n = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f) || n > CONFIG_FILE_MAX) {
		int err = !ferror(f) ? -EFBIG : errno ? -errno : -EIO;

		fclose(f);
		free(text);
		return err;
	}
	fclose(f);
	text[n] = '\0';
	*out = text;
	*len = n;
	return 0;
}

void wfd_config_init(struct wfd_config *config)
{
	memset(config, 0, sizeof(*config));
	config->server.port = 8080;
	wfd_limits_init(&config->limits);
	config->log_level = WFD_LOG_INFO;
	config->log_target = WFD_LOG_STDERR;
}

int wfd_config_load(struct wfd_config *config, const char *path, char *why,
		    size_t size)
{
	struct wfd_config next = *config;
	struct loader ld = {.path = path, .why = why, .size = size};
	json_error_t error;
	char *text = NULL;
	json_t *root;
	int rc;

	rc = read_file(path, &text, &ld.len);
	if (rc) {
		snprintf(why, size, "%s: %s", path,
			 rc == -EFBIG ? "larger than 1 MiB" : strerror(-rc));
		return rc;
	}
	root = json_loadb(text, ld.len, JSON_REJECT_DUPLICATES, &error);
	if (!root) {
		snprintf(why, size, "%s:%d:%d: %s", path, error.line,
			 error.column, error.text);
		free(text);
		return -EINVAL;
	}
	ld.text = text;
	rc = load_root(&ld, root, &next);
	free(text);
	if (rc) {
		json_decref(root);
		return rc;
	}
	json_decref(config->root);
	next.root = root;
	*config = next;
	return 0;
}

void wfd_config_set_filesystem(struct wfd_config *config,
			       const char *mountpoint)
{
	config->filesystems[0] = (struct wfd_filesystem_options){
		.name = "",
		.mountpoint = mountpoint,
		.attr_timeout = WFD_DEFAULT_CACHE_TIMEOUT,
		.entry_timeout = WFD_DEFAULT_CACHE_TIMEOUT,
		.uid = -1,
		.gid = -1,
	};
	config->filesystem_count = 1;
}

void wfd_config_cleanup(struct wfd_config *config)
{
	json_decref(config->root);
	config->root = NULL;
}
