/* Bytes as lower-case hex digits, for salts, hashes and proofs in text. */
#ifndef WF_HEX_H
#define WF_HEX_H

#include <stddef.h>

/* wf_hex_encode() - @n bytes of @in as 2n digits and a NUL into @hex. */
void wf_hex_encode(const unsigned char *in, size_t n, char *hex);

/*
 * wf_hex_decode() - the @n bytes that the first 2n lower-case digits of
 * @hex spell, into @out. Returns 0 or -EINVAL.
 */
int wf_hex_decode(const char *hex, unsigned char *out, size_t n);

#endif
