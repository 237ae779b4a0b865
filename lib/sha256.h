/* SHA-256 of files and buffers, on libmd (never a hand-written digest). */
#ifndef BOXED_SHA256_H
#define BOXED_SHA256_H

#include <stddef.h>

/* 64 lowercase hex digits and a NUL. */
#define BOXED_SHA256_HEX_LEN 65

/* Hash the whole file open on fd, read with pread from offset 0 (the file
 * offset is not moved). Returns 0 with the hex digest in hex, or -1 with
 * errno set. */
__attribute__((warn_unused_result)) int boxed_sha256_fd(int fd, char hex[BOXED_SHA256_HEX_LEN]);

/* Hash len bytes of buf into hex. */
void boxed_sha256_buf(const void *buf, size_t len, char hex[BOXED_SHA256_HEX_LEN]);

/* Is s 64 lowercase hex digits? 1 yes, 0 no. */
int boxed_sha256_valid_hex(const char *s);

#endif
