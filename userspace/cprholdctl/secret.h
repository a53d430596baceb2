/* SPDX-License-Identifier: GPL-2.0 */
/*
 * secret.h - the session secret of "cprholdctl run --secret-file": its
 * file formats and reading are libcprhold's (cprhold_secret_read()); here
 * the messages and the hex form for printing.
 */
#ifndef CPRHOLDCTL_SECRET_H
#define CPRHOLDCTL_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include <linux/cprhold.h>

#include <libcprhold.h>

/*
 * What cprhold_secret_read()'s error @err (negative) means for the secret
 * file @path given on the command line; @buf (@len bytes) may hold the
 * text returned.
 */
const char *secret_error(int err, const char *path, char *buf, size_t len);

/* Lowercase hex of a secret into @hex (2 * CPRHOLD_SECRET_SIZE + 1 bytes). */
void secret_to_hex(const uint8_t secret[CPRHOLD_SECRET_SIZE],
		   char hex[2 * CPRHOLD_SECRET_SIZE + 1]);

#endif /* CPRHOLDCTL_SECRET_H */
