/* SHA-256 on libmd (sha256.h). */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <sha2.h>

#include "sha256.h"

static void to_hex(SHA2_CTX *ctx, char hex[BOXED_SHA256_HEX_LEN])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t digest[SHA256_DIGEST_LENGTH];

	SHA256Final(digest, ctx);
	for (size_t i = 0; i < sizeof(digest); i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 0xf];
	}
	hex[2 * SHA256_DIGEST_LENGTH] = '\0';
}

int boxed_sha256_fd(int fd, char hex[BOXED_SHA256_HEX_LEN])
{
	uint8_t buf[65536];
	SHA2_CTX ctx;
	off_t off = 0;

	SHA256Init(&ctx);
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		SHA256Update(&ctx, buf, (size_t)n);
		off += n;
	}
	to_hex(&ctx, hex);
	return 0;
}

void boxed_sha256_buf(const void *buf, size_t len, char hex[BOXED_SHA256_HEX_LEN])
{
	SHA2_CTX ctx;

	SHA256Init(&ctx);
	SHA256Update(&ctx, buf, len);
	to_hex(&ctx, hex);
}

int boxed_sha256_valid_hex(const char *s)
{
	size_t i;

	if (!s)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}
