/** @file sha256.h  SHA-256 (FIPS 180-4): streaming and one-shot, raw and hex digests. */
#ifndef TRAINCTL_SHA256_H
#define TRAINCTL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define TCTL_SHA256_SIZE 32     /**< bytes in a raw digest */
#define TCTL_SHA256_HEX_SIZE 65 /**< bytes in a hex digest, NUL included */

/** Streaming state; initialise with tctl_sha256_init(). Plain value, nothing to free. */
typedef struct {
	uint32_t h[8];
	uint64_t total;          /**< bytes hashed so far */
	unsigned char block[64]; /**< pending partial block */
	size_t fill;             /**< bytes pending in block */
} tctl_sha256_ctx;

void tctl_sha256_init(tctl_sha256_ctx *ctx);
void tctl_sha256_update(tctl_sha256_ctx *ctx, const void *data, size_t len);
/** Finish and write the raw digest; ctx must be initialised again before reuse. */
void tctl_sha256_final(tctl_sha256_ctx *ctx, unsigned char out[TCTL_SHA256_SIZE]);

/** One-shot digest of `len` bytes. */
void tctl_sha256(unsigned char out[TCTL_SHA256_SIZE], const void *data, size_t len);

/** Lower-case hex of a raw digest into `out` (65 bytes, NUL-terminated). */
void tctl_sha256_hex(char out[TCTL_SHA256_HEX_SIZE], const unsigned char digest[TCTL_SHA256_SIZE]);

/**
 * Digest of a file's contents, read in chunks (any size). Returns 0, or
 * TCTL_ENOTFOUND / TCTL_EOS with a message naming the file. When out_size
 * is not NULL it receives the number of bytes hashed.
 */
int tctl_sha256_file(unsigned char out[TCTL_SHA256_SIZE], uint64_t *out_size, const char *path);

#endif
