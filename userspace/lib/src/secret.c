// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * secret.c - a session's secret in a file: the one format every cprhold
 * program reads and writes (see cprhold_secret_read() in cprhold.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib.h"

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

int cprhold_secret_parse(const void *buf, size_t len,
			 uint8_t secret[CPRHOLD_SECRET_SIZE])
{
	const unsigned char *p = buf, *end;
	uint8_t tmp[CPRHOLD_SECRET_SIZE];
	size_t i;

	if (!secret || !buf || !len)
		return -EINVAL;
	if (len == CPRHOLD_SECRET_SIZE) {
		memcpy(secret, buf, CPRHOLD_SECRET_SIZE);
		return 0;
	}
	end = p + len;
	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	if ((size_t)(end - p) != 2 * CPRHOLD_SECRET_SIZE)
		return -EINVAL;
	for (i = 0; i < CPRHOLD_SECRET_SIZE; i++) {
		int hi = hexval(p[2 * i]), lo = hexval(p[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			explicit_bzero(tmp, sizeof(tmp));
			return -EINVAL;
		}
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(secret, tmp, sizeof(tmp));
	explicit_bzero(tmp, sizeof(tmp));
	return 0;
}

int cprhold_secret_read(const char *path, uint8_t secret[CPRHOLD_SECRET_SIZE])
{
	unsigned char buf[CPRHOLD_SECRET_FILE_MAX + 1];
	size_t len = 0;
	int fd, ret;

	if (!path || !secret)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (!n)
			break;
		len += (size_t)n;
		if (len > CPRHOLD_SECRET_FILE_MAX) {
			ret = -EFBIG;
			goto out;
		}
	}
	ret = cprhold_secret_parse(buf, len, secret);
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return ret;
}

int cprhold_secret_write(const char *path,
			 const uint8_t secret[CPRHOLD_SECRET_SIZE], mode_t mode)
{
	static const char digits[] = "0123456789abcdef";
	char text[2 * CPRHOLD_SECRET_SIZE + 1];
	size_t i, len = sizeof(text), off = 0;
	char *tmp;
	int fd, ret = 0;

	if (!path || !*path || !secret || (mode & ~(mode_t)0777))
		return -EINVAL;
	if (strlen(path) > PATH_MAX - 8)
		return -ENAMETOOLONG;
	tmp = malloc(strlen(path) + 8);
	if (!tmp)
		return -ENOMEM;
	sprintf(tmp, "%s.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		free(tmp);
		return ret;
	}
	for (i = 0; i < CPRHOLD_SECRET_SIZE; i++) {
		text[2 * i] = digits[secret[i] >> 4];
		text[2 * i + 1] = digits[secret[i] & 0xf];
	}
	text[2 * CPRHOLD_SECRET_SIZE] = '\n';
	if (fchmod(fd, mode ? mode : 0600) < 0)
		ret = -errno;
	while (!ret && off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			ret = n < 0 ? -errno : -EIO;
		else
			off += (size_t)n;
	}
	explicit_bzero(text, sizeof(text));
	/* Linux closes the fd even when close() says EINTR */
	if (close(fd) < 0 && errno != EINTR && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}
