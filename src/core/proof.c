/* The device's proof: an HMAC of the provider's challenge (protocol.md). */
#include "proof.h"

#include "hex.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTEXT "webfuse-device-proof:"

int wf_proof_challenge(char *out)
{
	unsigned char bytes[WF_PROOF_HEX / 2];

	if (RAND_bytes(bytes, sizeof(bytes)) != 1)
		return -EIO;
	wf_hex_encode(bytes, sizeof(bytes), out);
	return 0;
}

bool wf_proof_challenge_valid(const char *text)
{
	return strlen(text) == WF_PROOF_HEX &&
	       strspn(text, "0123456789abcdef") == WF_PROOF_HEX;
}

int wf_proof_compute(const char *secret, size_t len, const char *challenge,
		     char *out)
{
	unsigned char message[sizeof(CONTEXT) - 1 + WF_PROOF_HEX];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	if (!wf_proof_challenge_valid(challenge))
		return -EINVAL;
	memcpy(message, CONTEXT, sizeof(CONTEXT) - 1);
	memcpy(message + sizeof(CONTEXT) - 1, challenge, WF_PROOF_HEX);
	if (!HMAC(EVP_sha256(), secret, (int)len, message, sizeof(message), mac,
		  &mac_len) ||
	    mac_len != WF_PROOF_HEX / 2)
		return -EIO;
	wf_hex_encode(mac, mac_len, out);
	return 0;
}

bool wf_proof_equal(const char *a, const char *b)
{
	return strlen(a) == WF_PROOF_HEX && strlen(b) == WF_PROOF_HEX &&
	       !CRYPTO_memcmp(a, b, WF_PROOF_HEX);
}

int wf_secret_load(const char *path, char **secret, size_t *len)
{
	char *buf = malloc(WF_SECRET_MAX + 2);
	FILE *f;
	size_t n;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		free(buf);
		return err;
	}
	n = fread(buf, 1, WF_SECRET_MAX + 1, f);
	if (ferror(f))
		err = -EIO;
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
		     buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	if (!err &&
	    (n < WF_SECRET_MIN || n > WF_SECRET_MAX || memchr(buf, '\0', n)))
		err = -EINVAL;
	if (err) {
		wf_secret_free(buf, WF_SECRET_MAX + 2);
		return err;
	}
	buf[n] = '\0';
	*secret = buf;
	*len = n;
	return 0;
}

void wf_secret_free(char *secret, size_t len)
{
	if (!secret)
		return;
	OPENSSL_cleanse(secret, len);
	free(secret);
}
