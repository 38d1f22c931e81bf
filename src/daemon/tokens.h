/* Bearer tokens a provider may present, kept only as salted hashes. */
#ifndef WFD_TOKENS_H
#define WFD_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Random bytes of a token, and its text: base64url without padding. */
#define WFD_TOKEN_BYTES 32
#define WFD_TOKEN_TEXT	43
/* A token's name in the file: [A-Za-z0-9._-], at most this long. */
#define WFD_TOKEN_NAME_MAX 64

struct wfd_tokens;

/*
 * wfd_tokens_load() - the token file @path: lines "NAME:SALT:HASH" (hex;
 * HASH = SHA-256 of SALT's bytes followed by the token's text), blank lines
 * and lines starting with '#'. Returns NULL with errno set (EINVAL: a bad
 * line, whose number goes to *@bad_line).
 */
struct wfd_tokens *wfd_tokens_load(const char *path, unsigned int *bad_line);

/* wfd_tokens_free() - accepts NULL. */
void wfd_tokens_free(struct wfd_tokens *tokens);

/* wfd_tokens_name_used() - whether a token of @tokens is named @name. */
bool wfd_tokens_name_used(const struct wfd_tokens *tokens, const char *name);

/* wfd_tokens_print_names() - the names of @tokens, one a line, to @out. */
void wfd_tokens_print_names(const struct wfd_tokens *tokens, FILE *out);

/*
 * wfd_tokens_check() - the name of the token whose hash @token (@len
 * bytes) matches, or NULL. Compares in constant time per entry.
 */
const char *wfd_tokens_check(const struct wfd_tokens *tokens, const char *token,
			     size_t len);

/* wfd_token_name_valid() - whether @name can name a token. */
bool wfd_token_name_valid(const char *name);

/*
 * wfd_token_random() - WFD_TOKEN_BYTES random bytes as text (WFD_TOKEN_TEXT
 * + 1 bytes into @text). Returns 0 or -EIO (no randomness).
 */
int wfd_token_random(char *text);

/*
 * wfd_token_new() - a new random token: its text (WFD_TOKEN_TEXT + 1 bytes
 * into @text) and its line for the file, "NAME:SALT:HASH\n" (into @line,
 * @size bytes). Returns 0 or -EIO (no randomness), -ENOSPC.
 */
int wfd_token_new(const char *name, char *text, char *line, size_t size);

#endif
