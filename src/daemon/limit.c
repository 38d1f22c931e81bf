/* The daemon's limits (protocol.md, 8): defaults and their announcement. */
#include "limit.h"

#include "path.h"
#include "protocol.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for the JSON around the data of one read or write message. */
#define ENVELOPE 65536

/* A settable limit: its name and the range it accepts. */
struct limit_spec {
	const char *name;
	unsigned long long min, max;
};

static const struct limit_spec specs[] = {
	{"max_message", 64 << 10, 1ull << 30}, {"max_read", 4096, 1 << 20},
	{"max_write", 4096, 1 << 20},	       {"max_pending", 1, 65536},
	{"max_entries", 1, 10000000},	       {"max_connections", 1, 4096},
	{"max_write_behind", 0, 1ull << 30},
};

/* @text as a count, with an optional K, M or G (binary) suffix. */
static int parse_count(const char *text, unsigned long long max,
		       unsigned long long *out)
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
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int wfd_limits_set(struct wfd_limits *limits, const char *name,
		   const char *text, char *why, size_t size)
{
	const struct limit_spec *spec = NULL;
	unsigned long long v;

	for (size_t i = 0; i < sizeof(specs) / sizeof(*specs); i++)
		if (strcmp(name, specs[i].name) == 0)
			spec = &specs[i];
	if (!spec)
		return -ENOENT;
	if (parse_count(text, spec->max, &v) || v < spec->min ||
	    v > spec->max) {
		snprintf(why, size, "%llu to %llu, or with K, M or G",
			 spec->min, spec->max);
		return -EINVAL;
	}
	if (spec == &specs[0])
		limits->max_message = (size_t)v;
	else if (spec == &specs[1])
		limits->max_read = (uint32_t)v;
	else if (spec == &specs[2])
		limits->max_write = (uint32_t)v;
	else if (spec == &specs[3])
		limits->max_pending = (unsigned int)v;
	else if (spec == &specs[4])
		limits->max_entries = (size_t)v;
	else if (spec == &specs[5])
		limits->max_connections = (unsigned int)v;
	else
		limits->max_write_behind = (size_t)v;
	return 0;
}

int wfd_limits_set_timeout(struct wfd_limits *limits, double seconds)
{
	if (!isfinite(seconds) || seconds <= 0 || seconds > WFD_MAX_TIMEOUT_S)
		return -EINVAL;
	limits->timeout_ms = (unsigned int)ceil(seconds * 1000);
	return 0;
}

/* Bytes of @n bytes in base64, with padding. */
static size_t base64_size(size_t n)
{
	return (n + 2) / 3 * 4;
}

void wfd_limits_init(struct wfd_limits *limits)
{
	limits->max_message = WF_DEFAULT_MAX_MESSAGE;
	limits->max_read = WF_DEFAULT_MAX_READ;
	limits->max_write = WF_DEFAULT_MAX_WRITE;
	limits->max_write_behind = WFD_DEFAULT_WRITE_BEHIND;
	limits->max_pending = 256;
	limits->max_entries = WF_DEFAULT_MAX_ENTRIES;
	limits->max_connections = 16;
	limits->timeout_ms = 10000;
}

int wfd_limits_check(const struct wfd_limits *limits, char *why, size_t size)
{
	size_t chunk = limits->max_read > limits->max_write ? limits->max_read
							    : limits->max_write;
	size_t need = base64_size(chunk) + ENVELOPE;

	if (limits->max_message < need) {
		snprintf(why, size,
			 "--max-message %zu cannot hold a read or write of "
			 "%zu bytes in base64; give at least %zu",
			 limits->max_message, chunk, need);
		return -EINVAL;
	}
	return 0;
}

json_t *wfd_limits_to_json(const struct wfd_limits *limits)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "max_message",
			 (json_int_t)limits->max_message, "max_read",
			 (json_int_t)limits->max_read, "max_write",
			 (json_int_t)limits->max_write, "max_pending",
			 (json_int_t)limits->max_pending, "max_entries",
			 (json_int_t)limits->max_entries, "max_path",
			 (json_int_t)WF_PATH_MAX, "max_name",
			 (json_int_t)WF_NAME_MAX);
}
