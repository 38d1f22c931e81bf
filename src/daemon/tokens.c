/* Bearer tokens a provider may present, kept only as salted hashes. */
#include "tokens.h"

#include "hex.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define SALT_BYTES 16
#define HASH_BYTES 32
/* The longest line read: a name, two colons, salt and hash in hex. */
#define LINE_MAX_LEN (WFD_TOKEN_NAME_MAX + 2 + 2 * (SALT_BYTES + HASH_BYTES))

struct entry {
	char name[WFD_TOKEN_NAME_MAX + 1];
	unsigned char salt[SALT_BYTES];
	unsigned char hash[HASH_BYTES];
};

struct wfd_tokens {
	size_t count;
	struct entry entries[];
};

bool wfd_token_name_valid(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len <= WFD_TOKEN_NAME_MAX &&
	       strspn(name,
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789._-") == len;
}

/* SHA-256 of @salt followed by @token (@len bytes) into @hash. */
static int hash_token(const unsigned char *salt, const char *token, size_t len,
		      unsigned char *hash)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
		 EVP_DigestUpdate(ctx, salt, SALT_BYTES) &&
		 EVP_DigestUpdate(ctx, token, len) &&
		 EVP_DigestFinal_ex(ctx, hash, NULL);

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/* One "NAME:SALT:HASH" line (no newline) into @e. */
static int parse_line(char *line, struct entry *e)
{
	char *salt = strchr(line, ':');
	char *hash = salt ? strchr(salt + 1, ':') : NULL;

	if (!hash)
		return -EINVAL;
	*salt++ = '\0';
	*hash++ = '\0';
	if (!wfd_token_name_valid(line) || strlen(salt) != 2 * SALT_BYTES ||
	    strlen(hash) != 2 * HASH_BYTES ||
	    wf_hex_decode(salt, e->salt, SALT_BYTES) ||
	    wf_hex_decode(hash, e->hash, HASH_BYTES))
		return -EINVAL;
	strcpy(e->name, line);
	return 0;
}

static bool blank(const char *line)
{
	line += strspn(line, " \t");
	return !*line || *line == '#';
}

struct wfd_tokens *wfd_tokens_load(const char *path, unsigned int *bad_line)
{
	struct wfd_tokens *t, *grown;
	unsigned int number = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int err = 0;
	FILE *f = fopen(path, "re");

	*bad_line = 0;
	if (!f)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		err = ENOMEM;
	while (!err && (len = getline(&line, &cap, f)) >= 0) {
		number++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (blank(line))
			continue;
		grown = realloc(t, sizeof(*t) + (t->count + 1) *
							sizeof(t->entries[0]));
		if (!grown) {
			err = ENOMEM;
			break;
		}
		t = grown;
		if ((size_t)len > LINE_MAX_LEN ||
		    parse_line(line, &t->entries[t->count])) {
			*bad_line = number;
			err = EINVAL;
			break;
		}
		t->count++;
	}
	if (!err && ferror(f))
		err = EIO;
	free(line);
	fclose(f);
	if (err) {
		free(t);
		errno = err;
		return NULL;
	}
	return t;
}

void wfd_tokens_free(struct wfd_tokens *tokens)
{
	free(tokens);
}

bool wfd_tokens_name_used(const struct wfd_tokens *tokens, const char *name)
{
	for (size_t i = 0; i < tokens->count; i++)
		if (strcmp(tokens->entries[i].name, name) == 0)
			return true;
	return false;
}

void wfd_tokens_print_names(const struct wfd_tokens *tokens, FILE *out)
{
	for (size_t i = 0; i < tokens->count; i++)
		fprintf(out, "%s\n", tokens->entries[i].name);
}

const char *wfd_tokens_check(const struct wfd_tokens *tokens, const char *token,
			     size_t len)
{
	const char *found = NULL;
	unsigned char hash[HASH_BYTES];

	/* Every entry is hashed and compared: the time tells nothing. */
	for (size_t i = 0; i < tokens->count; i++) {
		const struct entry *e = &tokens->entries[i];

		if (hash_token(e->salt, token, len, hash))
			return NULL;
		if (!CRYPTO_memcmp(hash, e->hash, HASH_BYTES) && !found)
			found = e->name;
	}
	return found;
}

int wfd_token_random(char *text)
{
	unsigned char secret[WFD_TOKEN_BYTES];
	unsigned char encoded[4 * ((WFD_TOKEN_BYTES + 2) / 3) + 1];

	if (RAND_bytes(secret, sizeof(secret)) != 1)
		return -EIO;
	/* base64url without padding: safe in a header, a URL, a shell. */
	EVP_EncodeBlock(encoded, secret, sizeof(secret));
	for (size_t i = 0; i < WFD_TOKEN_TEXT; i++)
		text[i] = encoded[i] == '+'   ? '-'
			  : encoded[i] == '/' ? '_'
					      : (char)encoded[i];
	text[WFD_TOKEN_TEXT] = '\0';
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(encoded, sizeof(encoded));
	return 0;
}

int wfd_token_new(const char *name, char *text, char *line, size_t size)
{
	unsigned char salt[SALT_BYTES], hash[HASH_BYTES];
	char salt_hex[2 * SALT_BYTES + 1], hash_hex[2 * HASH_BYTES + 1];
	int n;

	if (wfd_token_random(text) || RAND_bytes(salt, sizeof(salt)) != 1 ||
	    hash_token(salt, text, WFD_TOKEN_TEXT, hash))
		return -EIO;
	wf_hex_encode(salt, SALT_BYTES, salt_hex);
	wf_hex_encode(hash, HASH_BYTES, hash_hex);
	n = snprintf(line, size, "%s:%s:%s\n", name, salt_hex, hash_hex);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}
