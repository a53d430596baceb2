// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * core.c - one function per cprhold ioctl, with struct size negotiation.
 *
 * Every function builds its request in a zeroed struct on the stack, so
 * the only non-zero bytes are the ones the caller's arguments put there:
 * that is what makes the E2BIG fallback in __cprhold_ioctl() safe (a
 * retry with a smaller size drops only zero bytes, i.e. default values).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"

#define CH_SIZES(name, type, v1_size, min_size)				\
	const struct ch_sizes __cprhold_sz_##name = {			\
		.size = sizeof(type), .v1 = (v1_size), .min = (min_size), \
	}

CH_SIZES(create, struct cprhold_create, CPRHOLD_CREATE_SIZE_V1,
	 CPRHOLD_CREATE_SIZE_MIN);
CH_SIZES(claim, struct cprhold_claim, CPRHOLD_CLAIM_SIZE_V1,
	 CPRHOLD_CLAIM_SIZE_V1);
CH_SIZES(destroy, struct cprhold_destroy, CPRHOLD_DESTROY_SIZE_V1,
	 CPRHOLD_DESTROY_SIZE_V1);
CH_SIZES(list_sessions, struct cprhold_list_sessions,
	 CPRHOLD_LIST_SESSIONS_SIZE_V1, CPRHOLD_LIST_SESSIONS_SIZE_V1);
CH_SIZES(park, struct cprhold_park, CPRHOLD_PARK_SIZE_V1,
	 CPRHOLD_PARK_SIZE_VER0);
CH_SIZES(list, struct cprhold_list, CPRHOLD_LIST_SIZE_V1,
	 CPRHOLD_LIST_SIZE_V1);
CH_SIZES(info, struct cprhold_info, CPRHOLD_INFO_SIZE_V1,
	 CPRHOLD_INFO_SIZE_V1);
CH_SIZES(op, struct cprhold_op, CPRHOLD_OP_SIZE_V1, CPRHOLD_OP_SIZE_V1);
CH_SIZES(retrieve, struct cprhold_retrieve, CPRHOLD_RETRIEVE_SIZE_V1,
	 CPRHOLD_RETRIEVE_SIZE_VER0);

/* The kernel never returns more than this per listing page. */
#define CH_PAGE_MAX	64

static int all_zero(const unsigned char *p, size_t len)
{
	while (len--)
		if (*p++)
			return 0;
	return 1;
}

static void set_size(void *arg, uint32_t size)
{
	memcpy(arg, &size, sizeof(size));
}

int __cprhold_ioctl(int fd, unsigned long cmd, void *arg,
		    const struct ch_sizes *sz)
{
	const uint32_t smaller[] = { sz->v1, sz->min };
	uint32_t cur = sz->size;
	unsigned int i;
	int err;

	set_size(arg, cur);
	if (ioctl(fd, cmd, arg) == 0)
		return 0;
	err = errno;
	/*
	 * E2BIG: the kernel's struct is smaller than ours and something
	 * beyond it is set.  Retry with a smaller known layout, but only if
	 * everything beyond that layout is zero: then the older kernel sees
	 * the same request.  If the caller used a field beyond it, E2BIG is
	 * the right answer and stays.
	 */
	for (i = 0; err == E2BIG && i < sizeof(smaller) / sizeof(smaller[0]); i++) {
		if (smaller[i] >= cur)
			continue;
		if (!all_zero((unsigned char *)arg + smaller[i], cur - smaller[i]))
			break;
		cur = smaller[i];
		set_size(arg, cur);
		if (ioctl(fd, cmd, arg) == 0)
			return 0;
		err = errno;
	}
	return -err;
}

int __cprhold_copy_name(char *dst, size_t size, const char *src)
{
	size_t len;

	if (!src)
		return -EINVAL;
	len = strnlen(src, size);
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(dst, src, len);
	memset(dst + len, 0, size - len);
	return 0;
}

/* A session name: non-empty, fits CPRHOLD_NAME_MAX with its NUL. */
static int session_name(char dst[CPRHOLD_NAME_MAX], const char *name)
{
	int ret = __cprhold_copy_name(dst, CPRHOLD_NAME_MAX, name);

	if (!ret && !dst[0])
		return -EINVAL;
	return ret;
}

const char *cprhold_version(void)
{
#define CH_STR2(x) #x
#define CH_STR(x) CH_STR2(x)
	return CH_STR(LIBCPRHOLD_VERSION_MAJOR) "."
	       CH_STR(LIBCPRHOLD_VERSION_MINOR) "."
	       CH_STR(LIBCPRHOLD_VERSION_PATCH);
}

int cprhold_open_path(const char *path, unsigned int flags)
{
	int fd;

	if (!path || (flags & ~(unsigned int)CPRHOLD_OPEN_NO_CLOEXEC))
		return -EINVAL;
	fd = open(path, O_RDWR | (flags & CPRHOLD_OPEN_NO_CLOEXEC ? 0 : O_CLOEXEC));
	return fd < 0 ? -errno : fd;
}

int cprhold_open(unsigned int flags)
{
	return cprhold_open_path(CPRHOLD_DEVICE_PATH, flags);
}

int cprhold_create(int ctl, const char *name, uint32_t flags, uint64_t ttl_ms,
		   int userns_fd, uint8_t secret[CPRHOLD_SECRET_SIZE])
{
	struct cprhold_create c;
	int ret;

	memset(&c, 0, sizeof(c));
	if (!secret)
		return -EINVAL;
	ret = session_name(c.name, name);
	if (ret)
		return ret;
	if (userns_fd >= 0) {
		flags |= CPRHOLD_CREATE_USERNS;
		c.userns_fd = userns_fd;
	} else if (flags & CPRHOLD_CREATE_USERNS) {
		return -EINVAL;
	}
	c.flags = flags;
	c.ttl_ms = ttl_ms;
	ret = __cprhold_ioctl(ctl, CPRHOLD_CREATE, &c, &__cprhold_sz_create);
	if (ret)
		return ret;
	memcpy(secret, c.out_secret, CPRHOLD_SECRET_SIZE);
	explicit_bzero(c.out_secret, sizeof(c.out_secret));
	return (int)c.out_fd;
}

int cprhold_claim(int ctl, const char *name,
		  const uint8_t secret[CPRHOLD_SECRET_SIZE], uint32_t flags)
{
	struct cprhold_claim c;
	int ret;

	memset(&c, 0, sizeof(c));
	if (!secret)
		return -EINVAL;
	ret = session_name(c.name, name);
	if (ret)
		return ret;
	c.flags = flags;
	memcpy(c.secret, secret, CPRHOLD_SECRET_SIZE);
	ret = __cprhold_ioctl(ctl, CPRHOLD_CLAIM, &c, &__cprhold_sz_claim);
	explicit_bzero(c.secret, sizeof(c.secret));
	return ret ? ret : (int)c.out_fd;
}

int cprhold_watch(int ctl, const char *name,
		  const uint8_t secret[CPRHOLD_SECRET_SIZE], uint32_t flags)
{
	if (flags & CPRHOLD_CLAIM_WATCH)
		return -EINVAL;
	return cprhold_claim(ctl, name, secret, flags | CPRHOLD_CLAIM_WATCH);
}

int cprhold_destroy(int ctl, const char *name)
{
	struct cprhold_destroy d;
	int ret;

	memset(&d, 0, sizeof(d));
	ret = session_name(d.name, name);
	if (ret)
		return ret;
	return __cprhold_ioctl(ctl, CPRHOLD_DESTROY, &d, &__cprhold_sz_destroy);
}

void cprhold_iter_init(struct cprhold_iter *it)
{
	if (it)
		memset(it, 0, sizeof(*it));
}

int cprhold_list_sessions(int ctl, struct cprhold_iter *it,
			  struct cprhold_session_info *infos, unsigned int max)
{
	struct cprhold_list_sessions l;
	int ret;

	if (!it || !infos || !max)
		return -EINVAL;
	if (it->done)
		return 0;
	memset(&l, 0, sizeof(l));
	l.count = max;
	l.info_size = sizeof(*infos);
	l.sessions = (uintptr_t)infos;
	l.cursor = it->cursor;
	ret = __cprhold_ioctl(ctl, CPRHOLD_LIST_SESSIONS, &l,
			      &__cprhold_sz_list_sessions);
	if (ret)
		return ret;
	if (l.count > max)
		return -EPROTO;
	it->cursor = l.cursor;
	it->total = l.total;
	/* Sessions: the listing goes on while pages are not empty. */
	if (!l.count)
		it->done = 1;
	return (int)l.count;
}

int cprhold_count_sessions(int ctl)
{
	struct cprhold_list_sessions l;
	int ret;

	memset(&l, 0, sizeof(l));
	l.info_size = sizeof(struct cprhold_session_info);
	ret = __cprhold_ioctl(ctl, CPRHOLD_LIST_SESSIONS, &l,
			      &__cprhold_sz_list_sessions);
	if (ret)
		return ret;
	return l.total > INT_MAX ? INT_MAX : (int)l.total;
}

/*
 * Collect a whole listing into one malloc()ed array of @elem-byte
 * elements, page by page through @page.
 */
typedef int (*ch_page_fn)(int fd, struct cprhold_iter *it, void *buf,
			  unsigned int max);

static int list_all(int fd, void **out, size_t elem, ch_page_fn page)
{
	struct cprhold_iter it = CPRHOLD_ITER_INIT;
	size_t n = 0, cap = 0;
	void *buf = NULL;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	for (;;) {
		if (cap - n < CH_PAGE_MAX) {
			size_t ncap = cap ? cap * 2 : CH_PAGE_MAX;
			void *nbuf;

			if (ncap > INT_MAX) {
				ret = -EOVERFLOW;
				goto err;
			}
			nbuf = realloc(buf, ncap * elem);
			if (!nbuf) {
				ret = -ENOMEM;
				goto err;
			}
			buf = nbuf;
			cap = ncap;
		}
		ret = page(fd, &it, (char *)buf + n * elem, (unsigned int)(cap - n));
		if (ret < 0)
			goto err;
		if (!ret)
			break;
		n += (size_t)ret;
	}
	if (!n) {
		free(buf);
		buf = NULL;
	}
	*out = buf;
	return (int)n;
err:
	free(buf);
	return ret;
}

static int sessions_page(int fd, struct cprhold_iter *it, void *buf,
			 unsigned int max)
{
	return cprhold_list_sessions(fd, it, buf, max);
}

int cprhold_list_sessions_all(int ctl, struct cprhold_session_info **infos)
{
	return list_all(ctl, (void **)infos, sizeof(**infos), sessions_page);
}

int cprhold_info(int sfd, struct cprhold_session_info *info)
{
	struct cprhold_info i;
	int ret;

	if (!info)
		return -EINVAL;
	memset(&i, 0, sizeof(i));
	ret = __cprhold_ioctl(sfd, CPRHOLD_INFO, &i, &__cprhold_sz_info);
	if (ret)
		return ret;
	*info = i.info;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define CPRHOLD_ALL_STATES (CPRHOLD_STATE_BIT(CPRHOLD_STATE_OPEN) |	\
			    CPRHOLD_STATE_BIT(CPRHOLD_STATE_SEALED) |	\
			    CPRHOLD_STATE_BIT(CPRHOLD_STATE_CLAIMED) |	\
			    CPRHOLD_STATE_BIT(CPRHOLD_STATE_FINISHED))

int cprhold_wait(int sfd, uint32_t states, int timeout_ms,
		 struct cprhold_session_info *info)
{
	struct cprhold_session_info local;
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	struct pollfd p = { .fd = sfd, .events = POLLIN | POLLPRI };
	int ret, left = timeout_ms;

	if (!states || (states & ~CPRHOLD_ALL_STATES))
		return -EINVAL;
	if (!info)
		info = &local;
	for (;;) {
		/* Reading the state marks it seen: a later change wakes poll(). */
		ret = cprhold_info(sfd, info);
		if (ret)
			return ret;
		if (states & CPRHOLD_STATE_BIT(info->state))
			return 0;
		if (info->state == CPRHOLD_STATE_FINISHED)
			return -ENOENT;
		if (timeout_ms > 0) {
			int64_t rest = deadline - now_ms();

			left = rest > 0 ? (int)rest : 0;
		}
		if (timeout_ms >= 0 && !left)
			return -ETIMEDOUT;
		ret = poll(&p, 1, left);
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (!ret)
			return -ETIMEDOUT;
	}
}

static int session_op(int sfd, unsigned long cmd, uint32_t flags)
{
	struct cprhold_op op;

	memset(&op, 0, sizeof(op));
	op.flags = flags;
	return __cprhold_ioctl(sfd, cmd, &op, &__cprhold_sz_op);
}

int cprhold_seal(int sfd)
{
	return session_op(sfd, CPRHOLD_SEAL, 0);
}

int cprhold_seal_flags(int sfd, uint32_t flags)
{
	return session_op(sfd, CPRHOLD_SEAL, flags);
}

int cprhold_finish(int sfd)
{
	return session_op(sfd, CPRHOLD_FINISH, 0);
}

int cprhold_abort(int sfd)
{
	return session_op(sfd, CPRHOLD_ABORT, 0);
}

int cprhold_entry_init(struct cprhold_entry *e, int fd, uint64_t token,
		       const char *label, const void *addr)
{
	if (!e)
		return -EINVAL;
	/* Zeroed inline, not by a call: VMMs fill hundreds at once. */
	*e = (struct cprhold_entry){ .token = token, .fd = fd };
	if (label) {
		int ret = __cprhold_copy_name(e->label, sizeof(e->label), label);

		if (ret)
			return ret;
	}
	if (addr) {
		e->flags |= CPRHOLD_ENTRY_ADDR;
		e->addr = (uintptr_t)addr;
	}
	return 0;
}

static int park(int sfd, struct cprhold_entry *entries, unsigned int count,
		uint32_t flags)
{
	struct cprhold_park p;

	if (!entries || !count)
		return -EINVAL;
	memset(&p, 0, sizeof(p));
	p.flags = flags;
	p.count = count;
	p.entry_size = sizeof(*entries);
	p.entries = (uintptr_t)entries;
	return __cprhold_ioctl(sfd, CPRHOLD_PARK, &p, &__cprhold_sz_park);
}

int cprhold_park(int sfd, struct cprhold_entry *entries, unsigned int count)
{
	return park(sfd, entries, count, 0);
}

int cprhold_park_fds(int sfd, const int *fds, unsigned int count,
		     uint64_t first_token)
{
	struct cprhold_park p;
	int ret;

	if (!fds || !count)
		return -EINVAL;
	memset(&p, 0, sizeof(p));
	p.flags = CPRHOLD_PARK_FDS;
	p.count = count;
	p.entries = (uintptr_t)fds;
	p.first_token = first_token;
	ret = __cprhold_ioctl(sfd, CPRHOLD_PARK, &p, &__cprhold_sz_park);
	/*
	 * A module whose struct ends before first_token cannot see it (E2BIG,
	 * which no retry may hide): it has no fd arrays either.  One that
	 * knows the flag never answers it with E2BIG (our tail is zero).
	 */
	return ret == -E2BIG ? -EOPNOTSUPP : ret;
}

int cprhold_park_one(int sfd, int fd, uint64_t token, const char *label,
		     const void *addr, struct cprhold_entry *out)
{
	struct cprhold_entry e;
	int ret;

	ret = cprhold_entry_init(&e, fd, token, label, addr);
	if (ret)
		return ret;
	/* The kernel classifies the file now only if asked to. */
	ret = park(sfd, &e, 1, out ? CPRHOLD_PARK_REPORT : 0);
	if (!ret && out)
		*out = e;
	return ret;
}

/* One CPRHOLD_LIST call from @cursor; returns the count or -errno. */
static int list_page(int sfd, uint64_t *cursor, uint32_t *total,
		     struct cprhold_entry *entries, unsigned int max)
{
	struct cprhold_list l;
	int ret;

	memset(&l, 0, sizeof(l));
	l.count = max;
	l.entry_size = sizeof(*entries);
	l.entries = (uintptr_t)entries;
	l.cursor = *cursor;
	ret = __cprhold_ioctl(sfd, CPRHOLD_LIST, &l, &__cprhold_sz_list);
	if (ret)
		return ret;
	if (l.count > max)
		return -EPROTO;
	*cursor = l.cursor;
	*total = l.total;
	return (int)l.count;
}

int cprhold_list_entries(int sfd, struct cprhold_iter *it,
			 struct cprhold_entry *entries, unsigned int max)
{
	uint64_t cursor;
	int n;

	if (!it || !entries || !max)
		return -EINVAL;
	if (it->done)
		return 0;
	cursor = it->cursor;
	n = list_page(sfd, &cursor, &it->total, entries, max);
	if (n < 0)
		return n;
	/*
	 * Entries: the returned cursor is the next token, 0 once complete
	 * (a cursor of 0 on input means "from the start", so it must not be
	 * passed again).  An empty page also ends it.
	 */
	it->cursor = cursor;
	if (!cursor || !n)
		it->done = 1;
	return n;
}

static int entries_page(int fd, struct cprhold_iter *it, void *buf,
			unsigned int max)
{
	return cprhold_list_entries(fd, it, buf, max);
}

int cprhold_list_entries_all(int sfd, struct cprhold_entry **entries)
{
	return list_all(sfd, (void **)entries, sizeof(**entries), entries_page);
}

int cprhold_find_entry(int sfd, uint64_t token, struct cprhold_entry *entry)
{
	struct cprhold_entry e;
	uint64_t cursor = token;
	uint32_t total;
	int n;

	if (!entry)
		return -EINVAL;
	/* The listing starts at the first token >= the cursor. */
	n = list_page(sfd, &cursor, &total, &e, 1);
	if (n < 0)
		return n;
	if (n != 1 || e.token != token)
		return -ENOENT;
	*entry = e;
	return 0;
}

int cprhold_retrieve(int sfd, const uint64_t *tokens, int *fds,
		     unsigned int count, uint32_t flags)
{
	struct cprhold_retrieve r;

	if (!tokens || !fds || !count)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.flags = flags;
	r.count = count;
	r.tokens = (uintptr_t)tokens;
	r.fds = (uintptr_t)fds;
	return __cprhold_ioctl(sfd, CPRHOLD_RETRIEVE, &r, &__cprhold_sz_retrieve);
}

int cprhold_retrieve_range(int sfd, uint64_t first_token, int *fds,
			   unsigned int count, uint32_t flags)
{
	struct cprhold_retrieve r;
	int ret;

	if (!fds || !count)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.flags = flags | CPRHOLD_RETRIEVE_TOKEN_RANGE;
	r.count = count;
	r.fds = (uintptr_t)fds;
	r.first_token = first_token;
	ret = __cprhold_ioctl(sfd, CPRHOLD_RETRIEVE, &r, &__cprhold_sz_retrieve);
	/* As for cprhold_park_fds(): an older module cannot see first_token. */
	return ret == -E2BIG ? -EOPNOTSUPP : ret;
}

int cprhold_retrieve_one(int sfd, uint64_t token, uint32_t flags)
{
	int fd = -1, ret;

	ret = cprhold_retrieve(sfd, &token, &fd, 1, flags);
	return ret ? ret : fd;
}
