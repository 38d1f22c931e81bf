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
	size_t max_write_behind;      /* bytes of writes answered before the
				       * provider confirmed them */
	unsigned int max_pending;     /* calls in flight per connection */
	size_t max_entries;	      /* entries of one directory listing */
	unsigned int max_connections; /* provider connections at once */
	unsigned int timeout_ms;      /* a call fails with ETIMEDOUT after */
};

/* Writes in flight that the kernel was told had succeeded: 4 MiB. */
#define WFD_DEFAULT_WRITE_BEHIND (4u << 20)

/* wfd_limits_init() - fill @limits with the documented defaults. */
void wfd_limits_init(struct wfd_limits *limits);

/* Longest a call may wait for its answer, in seconds. */
#define WFD_MAX_TIMEOUT_S 3600

/*
 * wfd_limits_set() - set the limit @name ("max_message", "max_read",
 * "max_write", "max_write_behind", "max_pending", "max_entries" or
 * "max_connections") to
 * @text: a count, optionally with K, M or G (binary multiples).
 * Returns 0, -ENOENT for another name, or -EINVAL with the accepted
 * range in @why (@size bytes).
 */
int wfd_limits_set(struct wfd_limits *limits, const char *name,
		   const char *text, char *why, size_t size);

/*
 * wfd_limits_set_timeout() - calls fail after @seconds (more than 0, at
 * most WFD_MAX_TIMEOUT_S). Returns 0 or -EINVAL.
 */
int wfd_limits_set_timeout(struct wfd_limits *limits, double seconds);

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
