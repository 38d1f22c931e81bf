/* Whether bytes from the local filesystem can travel as a JSON string. */
#ifndef WF_UTF8_H
#define WF_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * wf_utf8_valid() - whether @s (@len bytes, borrowed) is well-formed UTF-8
 * (no overlong forms, no surrogates, nothing above U+10FFFF) without NUL,
 * which is what jansson accepts in a string.
 */
bool wf_utf8_valid(const char *s, size_t len);

#endif
