/* Fake operations for the provider's fuzz targets: they check what the
 * library passes them and answer plausibly, or badly, as the input asks. */
#ifndef WF_FUZZ_PROVIDER_HARNESS_H
#define WF_FUZZ_PROVIDER_HARNESS_H

#include <webfuse/provider.h>

#include "message.h"
#include "outmsg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How the fake operations behave: bits of one input byte. */
#define PF_FAIL	  0x01 /* every operation fails */
#define PF_SHORT  0x02 /* reads and writes move few bytes per call */
#define PF_BOGUS  0x04 /* results break the operations' contracts */
#define PF_SPARSE 0x08 /* optional operations are missing */
#define PF_NAMES  0x10 /* listings hold many, odd or invalid names */
#define PF_HUGE	  0x20 /* handles beyond 2^53-1, sizes at their limit */

/* Bytes of the fake file: a read past them is at its end. */
#define PF_FILE_SIZE (16u * 1024)

/*
 * pf_operations() - the fake operations for @behaviour (PF_*), which
 * check what they get against @max_read and @max_write.
 * Returns a table valid until the next call.
 */
const struct wfp_operations *pf_operations(uint8_t behaviour, size_t max_read,
					   size_t max_write);

/* pf_open_files() - files opened and not released by the operations. */
long pf_open_files(void);

/*
 * pf_check_response() - check the message @m (borrowed) that answers the
 * request @request (borrowed; NULL when the request could not be read):
 * it reads back as a response to it, in the text form unless @binary was
 * agreed, within @max_message unless it is an error, and a read's data
 * is the fake file's.
 */
void pf_check_response(const struct wf_outmsg *m,
		       const struct wf_message *request, bool binary,
		       size_t max_message);

#endif
