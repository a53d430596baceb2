// SPDX-License-Identifier: GPL-2.0
/*
 * secret.c - read the session secret of "cprholdctl run" (see secret.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"

static void say(char *why, size_t why_len, const char *msg, size_t n)
{
	if (why && why_len)
		snprintf(why, why_len, msg, n);
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

int secret_parse(const void *buf, size_t len, uint8_t out[CPRHOLD_SECRET_SIZE],
		 char *why, size_t why_len)
{
	const unsigned char *p = buf, *end = p + len;
	uint8_t tmp[CPRHOLD_SECRET_SIZE];
	size_t i;

	if (len == CPRHOLD_SECRET_SIZE) {
		memcpy(out, buf, CPRHOLD_SECRET_SIZE);
		return 0;
	}
	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	if ((size_t)(end - p) != 2 * CPRHOLD_SECRET_SIZE) {
		say(why, why_len, "expected 32 raw bytes or 64 hexadecimal "
		    "characters, found %zu bytes", len);
		return -EINVAL;
	}
	for (i = 0; i < CPRHOLD_SECRET_SIZE; i++) {
		int hi = hexval(p[2 * i]), lo = hexval(p[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			explicit_bzero(tmp, sizeof(tmp));
			say(why, why_len, "64 characters but not all hexadecimal "
			    "(at offset %zu)", (size_t)(p - (const unsigned char *)buf) +
			    2 * i + (hi < 0 ? 0 : 1));
			return -EINVAL;
		}
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(out, tmp, sizeof(tmp));
	explicit_bzero(tmp, sizeof(tmp));
	return 0;
}

int secret_read_file(const char *path, uint8_t out[CPRHOLD_SECRET_SIZE],
		     char *why, size_t why_len)
{
	unsigned char buf[SECRET_FILE_MAX + 1];
	size_t len = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		if (why && why_len)
			snprintf(why, why_len, "%s", strerror(-ret));
		return ret;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			if (why && why_len)
				snprintf(why, why_len, "%s", strerror(-ret));
			goto out;
		}
		if (!n)
			break;
		len += (size_t)n;
		if (len > SECRET_FILE_MAX) {
			say(why, why_len, "larger than %zu bytes: not a secret file",
			    (size_t)SECRET_FILE_MAX);
			ret = -EFBIG;
			goto out;
		}
	}
	ret = secret_parse(buf, len, out, why, why_len);
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return ret;
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
