/* What every fuzz target shares: reading its input, checks, quiet logs. */
#include "harness.h"

#include <libwebsockets.h>
#include <stdarg.h>
#include <string.h>

uint8_t fuzz_byte(struct fuzz_input *in)
{
	uint8_t b;

	if (!in->size)
		return 0;
	b = in->data[0];
	in->data++;
	in->size--;
	return b;
}

bool fuzz_chunk(struct fuzz_input *in, const uint8_t **chunk, size_t *len)
{
	const uint8_t *sep;

	if (!in->data)
		return false;
	*chunk = in->data;
	sep = memmem(in->data, in->size, FUZZ_SEP, FUZZ_SEP_LEN);
	if (!sep) {
		/* The last chunk: nothing follows it. */
		*len = in->size;
		in->data = NULL;
		in->size = 0;
		return true;
	}
	*len = (size_t)(sep - in->data);
	in->size -= *len + FUZZ_SEP_LEN;
	in->data = sep + FUZZ_SEP_LEN;
	return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Every target starts here: libwebsockets' own log lines stay silent. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	lws_set_log_level(0, NULL);
	return 0;
}

/*
 * The targets link with -Wl,--wrap=wfd_log,--wrap=wfp_log: log lines are
 * formatted (a bad format argument still shows) but not written, which
 * would slow fuzzing down to the speed of the terminal.
 */
void __wrap_wfd_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void __wrap_wfp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void __wrap_wfd_log(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
}

void __wrap_wfp_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
}
