/* One-line log events of the daemon, to stderr or syslog. */
#ifndef WFD_LOG_H
#define WFD_LOG_H

enum wfd_log_level {
	WFD_LOG_ERROR,
	WFD_LOG_WARN,
	WFD_LOG_INFO,
	WFD_LOG_DEBUG,
};

enum wfd_log_target {
	WFD_LOG_STDERR,
	WFD_LOG_SYSLOG, /* facility daemon, ident "webfused", with the pid */
};

/* wfd_log_set_level() - events above @level are dropped (default INFO). */
void wfd_log_set_level(enum wfd_log_level level);

/*
 * wfd_log_parse_level() - the level named @name ("error", "warn", "info",
 * "debug") into @level. Returns 0 or -EINVAL.
 */
int wfd_log_parse_level(const char *name, enum wfd_log_level *level);

/*
 * wfd_log_set_target() - where lines go from now on (default stderr).
 * Syslog's socket is opened at once, so that it survives a privilege drop.
 */
void wfd_log_set_target(enum wfd_log_target target);

/*
 * wfd_log_parse_target() - the target named @name ("stderr", "syslog")
 * into @target. Returns 0 or -EINVAL.
 */
int wfd_log_parse_target(const char *name, enum wfd_log_target *target);

/* wfd_log() - log one event; @fmt is printf-style, without newline. */
void wfd_log(enum wfd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * wfd_log_route_lws() - send libwebsockets' errors and warnings through
 * wfd_log() instead of its own format.
 */
void wfd_log_route_lws(void);

#endif
