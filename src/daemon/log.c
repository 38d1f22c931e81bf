/* One-line log events of the daemon, to stderr or syslog. */
#include "log.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static enum wfd_log_level max_level = WFD_LOG_INFO;
static enum wfd_log_target target = WFD_LOG_STDERR;

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static const char *const target_names[] = {"stderr", "syslog"};
static const int priorities[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

void wfd_log_set_level(enum wfd_log_level level)
{
	max_level = level;
}

int wfd_log_parse_level(const char *name, enum wfd_log_level *level)
{
	for (int i = WFD_LOG_ERROR; i <= WFD_LOG_DEBUG; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level = (enum wfd_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void wfd_log_set_target(enum wfd_log_target to)
{
	if (to == WFD_LOG_SYSLOG && target != WFD_LOG_SYSLOG)
		openlog("webfused", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if (to != WFD_LOG_SYSLOG && target == WFD_LOG_SYSLOG)
		closelog();
	target = to;
}

int wfd_log_parse_target(const char *name, enum wfd_log_target *to)
{
	for (int i = WFD_LOG_STDERR; i <= WFD_LOG_SYSLOG; i++) {
		if (strcmp(name, target_names[i]) == 0) {
			*to = (enum wfd_log_target)i;
			return 0;
		}
	}
	return -EINVAL;
}

void wfd_log(enum wfd_log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (target == WFD_LOG_SYSLOG)
		syslog(priorities[level], "%s: %s", level_names[level], line);
	else
		fprintf(stderr, "webfused: %s: %s\n", level_names[level], line);
}

static void emit_lws(int level, const char *line)
{
	size_t len = strlen(line);

	/* lws lines end in a newline and start with a timestamp tag. */
	while (len && line[len - 1] == '\n')
		len--;
	wfd_log(level == LLL_ERR ? WFD_LOG_ERROR : WFD_LOG_WARN, "lws: %.*s",
		(int)len, line);
}

void wfd_log_route_lws(void)
{
	lws_set_log_level(LLL_ERR | LLL_WARN, emit_lws);
}
