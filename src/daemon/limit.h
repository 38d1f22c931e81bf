/* The daemon's limits (protocol.md, 8): defaults and their announcement. */
#ifndef WFD_LIMIT_H
#define WFD_LIMIT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct wfd_limits {
	size_t max_message;	      /* bytes of one reassembled message */
	uint32_t max_read;	      /* largest read asked of a provider */
	uint32_t max_write;	      /* largest write sent to a provider */
	unsigned int max_pending;     /* calls in flight per connection */
	size_t max_entries;	      /* entries of one directory listing */
	unsigned int max_connections; /* provider connections at once */
	unsigned int timeout_ms;      /* a call fails with ETIMEDOUT after */
};

/* wfd_limits_init() - fill @limits with the documented defaults. */
void wfd_limits_init(struct wfd_limits *limits);

/*
 * wfd_limits_check() - whether @limits fit together and in what FUSE and
 * the protocol allow. Returns 0, or -EINVAL with the reason in @why
 * (@size bytes, a phrase naming the options).
 */
int wfd_limits_check(const struct wfd_limits *limits, char *why, size_t size);

/*
 * wfd_limits_to_json() - the "limits" object of the hello result.
 * Returns a new reference or NULL on allocation failure.
 */
json_t *wfd_limits_to_json(const struct wfd_limits *limits);

#endif
