/* The daemon's limits (protocol.md, 8): defaults and their announcement. */
#include "limit.h"

#include "path.h"

void wfd_limits_init(struct wfd_limits *limits)
{
	limits->max_message = 16u << 20;
	limits->max_read = 1u << 20;
	limits->max_write = 1u << 20;
	limits->max_pending = 256;
	limits->max_entries = 100000;
	limits->max_connections = 16;
	limits->timeout_ms = 10000;
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
