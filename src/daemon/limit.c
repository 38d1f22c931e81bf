/* The daemon's limits (protocol.md, 8): defaults and their announcement. */
#include "limit.h"

#include "path.h"
#include "protocol.h"

#include <errno.h>
#include <stdio.h>

/* Room for the JSON around the data of one read or write message. */
#define ENVELOPE 65536

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
