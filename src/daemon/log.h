/* One-line log events of the daemon, to stderr. */
#ifndef WFD_LOG_H
#define WFD_LOG_H

enum wfd_log_level {
	WFD_LOG_ERROR,
	WFD_LOG_WARN,
	WFD_LOG_INFO,
	WFD_LOG_DEBUG,
};

/* wfd_log_set_level() - events above @level are dropped (default INFO). */
void wfd_log_set_level(enum wfd_log_level level);

/*
 * wfd_log_parse_level() - the level named @name ("error", "warn", "info",
 * "debug") into @level. Returns 0 or -EINVAL.
 */
int wfd_log_parse_level(const char *name, enum wfd_log_level *level);

/* wfd_log() - log one event; @fmt is printf-style, without newline. */
void wfd_log(enum wfd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * wfd_log_route_lws() - send libwebsockets' errors and warnings through
 * wfd_log() instead of its own format.
 */
void wfd_log_route_lws(void);

#endif
