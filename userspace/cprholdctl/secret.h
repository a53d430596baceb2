/* SPDX-License-Identifier: GPL-2.0 */
/*
 * secret.h - the session secret file of "cprholdctl run --secret-file".
 *
 * Two formats, told apart by length:
 *  - raw: exactly CPRHOLD_SECRET_SIZE (32) bytes, as CPRHOLD_CREATE returned
 *    them, nothing else (no newline);
 *  - hex: 64 hexadecimal digits (either case), optionally surrounded by
 *    ASCII white space (a trailing newline is fine).
 */
#ifndef CPRHOLDCTL_SECRET_H
#define CPRHOLDCTL_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include <linux/cprhold.h>

/* Largest secret file read (anything longer is refused). */
#define SECRET_FILE_MAX 4096

/*
 * Parse the content of a secret file.  Returns 0 and fills @out, or
 * -EINVAL with a reason in @why (if not NULL; up to @why_len bytes).
 */
int secret_parse(const void *buf, size_t len, uint8_t out[CPRHOLD_SECRET_SIZE],
		 char *why, size_t why_len);

/*
 * Read and parse the secret file at @path.  Returns 0, or -errno (the
 * open or read error, -EFBIG for a file over SECRET_FILE_MAX, -EINVAL for
 * bad content) with a reason in @why.  The read buffer is wiped.
 */
int secret_read_file(const char *path, uint8_t out[CPRHOLD_SECRET_SIZE],
		     char *why, size_t why_len);

/* Lowercase hex of a secret into @hex (2 * CPRHOLD_SECRET_SIZE + 1 bytes). */
void secret_to_hex(const uint8_t secret[CPRHOLD_SECRET_SIZE],
		   char hex[2 * CPRHOLD_SECRET_SIZE + 1]);

#endif /* CPRHOLDCTL_SECRET_H */
