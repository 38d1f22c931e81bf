/* What every fuzz target shares: reading its input, checks, quiet logs. */
#ifndef WF_FUZZ_HARNESS_H
#define WF_FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Separates the messages of one input; never in base64 or plain JSON. */
#define FUZZ_SEP     "\n@@\n"
#define FUZZ_SEP_LEN 4

/*
 * FUZZ_CHECK() - an oracle: when @cond is false the input found a bug;
 * abort so that libFuzzer saves it as a crash.
 */
#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			abort();                                               \
		}                                                              \
	} while (0)

/* The unread rest of a fuzz input (borrowed from libFuzzer). */
struct fuzz_input {
	const uint8_t *data;
	size_t size;
};

/* fuzz_byte() - take the next byte of @in; 0 once it is used up. */
uint8_t fuzz_byte(struct fuzz_input *in);

/*
 * fuzz_chunk() - take the bytes up to the next FUZZ_SEP (or the end) of
 * @in into @chunk, @len (borrowed from the input). An input that ends in
 * FUZZ_SEP has an empty last chunk. Returns false when nothing is left.
 */
bool fuzz_chunk(struct fuzz_input *in, const uint8_t **chunk, size_t *len);

#endif
