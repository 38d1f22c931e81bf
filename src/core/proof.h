/*
 * The device's proof (protocol.md, 5.1): a provider that must not lend
 * files to an impostor sends a random challenge in hello; the service
 * answers with an HMAC of it under the secret both sides were given.
 */
#ifndef WF_PROOF_H
#define WF_PROOF_H

#include <stdbool.h>
#include <stddef.h>

/* Hex digits of a challenge and of a proof (32 bytes each). */
#define WF_PROOF_HEX 64
/* Bytes a secret file may hold (after its trailing whitespace). */
#define WF_SECRET_MIN 16
#define WF_SECRET_MAX 4096

/* wf_proof_challenge() - a new random challenge into @out (HEX + 1). */
int wf_proof_challenge(char *out);

/* wf_proof_challenge_valid() - whether @text can be a challenge. */
bool wf_proof_challenge_valid(const char *text);

/*
 * wf_proof_compute() - the proof for @challenge under @secret (@len
 * bytes): hex HMAC-SHA256 of "webfuse-device-proof:" and the challenge,
 * into @out (WF_PROOF_HEX + 1). Returns 0 or -EIO.
 */
int wf_proof_compute(const char *secret, size_t len, const char *challenge,
		     char *out);

/* wf_proof_equal() - @a equals @b, compared in constant time. */
bool wf_proof_equal(const char *a, const char *b);

/*
 * wf_secret_load() - the secret in the file @path, without trailing
 * whitespace, as a new string (*@secret, length *@len; wipe and free it
 * with wf_secret_free()). Returns 0, -errno of reading, or -EINVAL when
 * it holds fewer than WF_SECRET_MIN or more than WF_SECRET_MAX bytes.
 */
int wf_secret_load(const char *path, char **secret, size_t *len);

/* wf_secret_free() - wipe and free @secret (@len bytes); accepts NULL. */
void wf_secret_free(char *secret, size_t len);

#endif
