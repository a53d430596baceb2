/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ch.h - thin wrappers over the raw cprhold ioctls for the selftests.
 *
 * They return the ioctl's result (-1 and errno on failure) so tests can
 * use ASSERT_ERRNO() on them; no library in between, the tests exercise
 * the uAPI itself.
 */
#ifndef CPRHOLD_SELFTEST_CH_H
#define CPRHOLD_SELFTEST_CH_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/cprhold.h>

#define CH_DEV "/dev/cprhold"

#ifndef offsetofend
#define offsetofend(TYPE, MEMBER) (offsetof(TYPE, MEMBER) + sizeof(((TYPE *)0)->MEMBER))
#endif

/* Copy a string into a zeroed fixed array, truncating at size - 1. */
static inline void ch_strcpy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static inline int ch_open(void)
{
	return open(CH_DEV, O_RDWR | O_CLOEXEC);
}

/* Create; the session fd is returned, the secret copied to @secret. */
static inline int ch_create_ex(int ctl, const char *name, uint32_t flags,
			       uint64_t ttl_ms, uint8_t *secret)
{
	struct cprhold_create c = { .size = sizeof(c), .flags = flags, .ttl_ms = ttl_ms };

	ch_strcpy(c.name, sizeof(c.name), name);
	if (ioctl(ctl, CPRHOLD_CREATE, &c))
		return -1;
	if (secret)
		memcpy(secret, c.out_secret, CPRHOLD_SECRET_SIZE);
	return c.out_fd;
}

static inline int ch_create(int ctl, const char *name, uint8_t *secret)
{
	return ch_create_ex(ctl, name, 0, 0, secret);
}

static inline int ch_claim_ex(int ctl, const char *name, const uint8_t *secret,
			      uint32_t flags)
{
	struct cprhold_claim c = { .size = sizeof(c), .flags = flags };

	ch_strcpy(c.name, sizeof(c.name), name);
	memcpy(c.secret, secret, CPRHOLD_SECRET_SIZE);
	if (ioctl(ctl, CPRHOLD_CLAIM, &c))
		return -1;
	return c.out_fd;
}

/* A watcher fd: poll(), INFO and LIST only; the session stays as it is. */
static inline int ch_watch(int ctl, const char *name, const uint8_t *secret)
{
	return ch_claim_ex(ctl, name, secret, CPRHOLD_CLAIM_WATCH);
}

static inline int ch_claim(int ctl, const char *name, const uint8_t *secret)
{
	struct cprhold_claim c = { .size = sizeof(c) };

	ch_strcpy(c.name, sizeof(c.name), name);
	memcpy(c.secret, secret, CPRHOLD_SECRET_SIZE);
	if (ioctl(ctl, CPRHOLD_CLAIM, &c))
		return -1;
	return c.out_fd;
}

static inline int ch_destroy(int ctl, const char *name)
{
	struct cprhold_destroy d = { .size = sizeof(d) };

	ch_strcpy(d.name, sizeof(d.name), name);
	return ioctl(ctl, CPRHOLD_DESTROY, &d);
}

static inline int ch_op_ex(int sfd, unsigned long cmd, uint32_t flags)
{
	struct cprhold_op op = { .size = sizeof(op), .flags = flags };

	return ioctl(sfd, cmd, &op);
}

static inline int ch_op(int sfd, unsigned long cmd)
{
	return ch_op_ex(sfd, cmd, 0);
}

static inline int ch_seal(int sfd) { return ch_op(sfd, CPRHOLD_SEAL); }
static inline int ch_finish(int sfd) { return ch_op(sfd, CPRHOLD_FINISH); }
static inline int ch_abort(int sfd) { return ch_op(sfd, CPRHOLD_ABORT); }

static inline void ch_entry(struct cprhold_entry *e, int fd, uint64_t token,
			    const char *label)
{
	memset(e, 0, sizeof(*e));
	e->fd = fd;
	e->token = token;
	if (label)
		ch_strcpy(e->label, sizeof(e->label), label);
}

static inline int ch_park_ex(int sfd, struct cprhold_entry *e, uint32_t n, uint32_t flags)
{
	struct cprhold_park p = {
		.size = sizeof(p), .flags = flags, .count = n,
		.entry_size = sizeof(*e), .entries = (uintptr_t)e,
	};

	return ioctl(sfd, CPRHOLD_PARK, &p);
}

/* Park @n fds as tokens @first.. (CPRHOLD_PARK_FDS); @size: the struct's */
static inline int ch_park_fds_ex(int sfd, const int *fds, uint32_t n, uint64_t first,
				 uint32_t flags, uint32_t size)
{
	struct cprhold_park p = {
		.size = size, .flags = CPRHOLD_PARK_FDS | flags, .count = n,
		.entries = (uintptr_t)fds, .first_token = first,
	};

	return ioctl(sfd, CPRHOLD_PARK, &p);
}

static inline int ch_park_fds(int sfd, const int *fds, uint32_t n, uint64_t first)
{
	return ch_park_fds_ex(sfd, fds, n, first, 0, sizeof(struct cprhold_park));
}

/* Park with the kernel's report written back into @e. */
static inline int ch_park(int sfd, struct cprhold_entry *e, uint32_t n)
{
	return ch_park_ex(sfd, e, n, CPRHOLD_PARK_REPORT);
}

/* Park one fd; its type is stored in *type if not NULL. */
static inline int ch_park1(int sfd, int fd, uint64_t token, uint32_t *type)
{
	struct cprhold_entry e;
	int ret;

	ch_entry(&e, fd, token, NULL);
	ret = ch_park(sfd, &e, 1);
	if (!ret && type)
		*type = e.type;
	return ret;
}

static inline int ch_retrieve_ex(int sfd, const uint64_t *tokens, int *fds,
				 uint32_t n, uint32_t flags)
{
	struct cprhold_retrieve r = {
		.size = sizeof(r), .flags = flags, .count = n,
		.tokens = (uintptr_t)tokens, .fds = (uintptr_t)fds,
	};

	return ioctl(sfd, CPRHOLD_RETRIEVE, &r);
}

/* Retrieve tokens @first..@first + @n - 1 (CPRHOLD_RETRIEVE_TOKEN_RANGE). */
static inline int ch_retrieve_range_ex(int sfd, uint64_t first, int *fds, uint32_t n,
				       uint32_t flags, uint32_t size)
{
	struct cprhold_retrieve r = {
		.size = size, .flags = CPRHOLD_RETRIEVE_TOKEN_RANGE | flags, .count = n,
		.fds = (uintptr_t)fds, .first_token = first,
	};

	return ioctl(sfd, CPRHOLD_RETRIEVE, &r);
}

static inline int ch_retrieve_range(int sfd, uint64_t first, int *fds, uint32_t n)
{
	return ch_retrieve_range_ex(sfd, first, fds, n, 0, sizeof(struct cprhold_retrieve));
}

static inline int ch_retrieve(int sfd, const uint64_t *tokens, int *fds, uint32_t n)
{
	return ch_retrieve_ex(sfd, tokens, fds, n, 0);
}

static inline int ch_retrieve1(int sfd, uint64_t token)
{
	int fd;

	if (ch_retrieve(sfd, &token, &fd, 1))
		return -1;
	return fd;
}

static inline int ch_info(int sfd, struct cprhold_session_info *info)
{
	struct cprhold_info i = { .size = sizeof(i) };

	if (ioctl(sfd, CPRHOLD_INFO, &i))
		return -1;
	*info = i.info;
	return 0;
}

static inline int ch_state(int sfd)
{
	struct cprhold_session_info info;

	if (ch_info(sfd, &info))
		return -1;
	return info.state;
}

/* Entries in the session (CPRHOLD_LIST with count 0), or -1. */
static inline int ch_nr_entries(int sfd)
{
	struct cprhold_list l = { .size = sizeof(l), .entry_size = sizeof(struct cprhold_entry) };

	if (ioctl(sfd, CPRHOLD_LIST, &l))
		return -1;
	return l.total;
}

/* A session name unique to this process and call. */
static inline const char *ch_name(char *buf, size_t len, const char *tag)
{
	static unsigned int seq;

	snprintf(buf, len, "st-%s-%d-%u", tag, getpid(), seq++);
	return buf;
}

/* Integer value of a cprhold sysfs attribute or module parameter. */
static inline long ch_sysfs(const char *attr)
{
	char path[128], buf[64];
	long v = -1;
	int fd;
	ssize_t n;

	if (attr[0] != '/' && strlen(attr) < 64) {
		memcpy(path, "/sys/class/misc/cprhold/", 25);
		strcat(path, attr);
		attr = path;
	}
	fd = open(attr, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		v = strtol(buf, NULL, 10);
	}
	return v;
}

static inline int ch_set_param(const char *param, long value)
{
	char path[256], buf[32];
	int fd, n, ret;

	snprintf(path, sizeof(path), "/sys/module/cprhold/parameters/%s", param);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%ld", value);
	ret = write(fd, buf, n) == n ? 0 : -1;
	close(fd);
	return ret;
}

static inline long ch_get_param(const char *param)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/cprhold/parameters/%s", param);
	return ch_sysfs(path);
}

#endif /* CPRHOLD_SELFTEST_CH_H */
