/* One-line messages about connection events, written to stderr. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

void wfp_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line, so that lines of processes sharing a terminal
	   do not interleave. */
	fprintf(stderr, "webfuse-provider: %s\n", line);
}
