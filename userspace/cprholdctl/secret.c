// SPDX-License-Identifier: GPL-2.0
/*
 * secret.c - messages about, and the hex form of, a session secret (see
 * secret.h); libcprhold reads and writes secret files.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "secret.h"

_Static_assert(CPRHOLD_SECRET_FILE_MAX == 4096, "secret_error()'s message");

const char *secret_error(int err, const char *path, char *buf, size_t len)
{
	struct stat st;

	switch (err) {
	case -EINVAL:
		/* The likeliest mistake: 32 raw bytes and a newline (33) */
		if (path && !stat(path, &st) && S_ISREG(st.st_mode)) {
			snprintf(buf, len, "expected 32 raw bytes or 64 hexadecimal "
				 "characters, found %lld bytes", (long long)st.st_size);
			return buf;
		}
		return "expected 32 raw bytes or 64 hexadecimal characters";
	case -EFBIG:
		return "larger than 4096 bytes: not a secret file";
	default:
		return strerror(-err);
	}
}

void secret_to_hex(const uint8_t secret[CPRHOLD_SECRET_SIZE],
		   char hex[2 * CPRHOLD_SECRET_SIZE + 1])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < CPRHOLD_SECRET_SIZE; i++) {
		hex[2 * i] = digits[secret[i] >> 4];
		hex[2 * i + 1] = digits[secret[i] & 0xf];
	}
	hex[2 * CPRHOLD_SECRET_SIZE] = '\0';
}
