// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fake_kernel.c - the cprhold module modelled in user space for the unit
 * tests; see fake_kernel.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_kernel.h"
#include "lib.h"

struct fake_kernel fk;

int __real_ioctl(int fd, unsigned long cmd, ...);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *addr, size_t len);
int __real_memfd_create(const char *name, unsigned int flags);

void fk_reset(void)
{
	int i;

	for (i = 0; i < fk.nentries; i++)
		close(fk.entries[i].file);
	for (i = 0; i < fk.nfds; i++)
		close(fk.fds[i]);
	memset(&fk, 0, sizeof(fk));
	fk.page_max = 64;
	fk.creator_fd = fk.claimer_fd = -1;
}

const void *fk_arg(int n)
{
	return n < fk.ncalls && n < FK_MAX_CALLS ? fk.calls[n].arg : NULL;
}

int fk_count(unsigned long cmd)
{
	int i, n = 0;

	for (i = 0; i < fk.ncalls && i < FK_MAX_CALLS; i++)
		n += fk.calls[i].cmd == cmd;
	return n;
}

int fk_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;
}

void *fk_free_range(size_t len)
{
	void *p = __real_mmap(NULL, len, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		abort();
	__real_munmap(p, len);
	return p;
}

/* ---- the model -------------------------------------------------------- */

/* The kernel's full struct size and mandatory part per command. */
static int cmd_sizes(unsigned long cmd, uint32_t *full, uint32_t *min)
{
	switch (cmd) {
	case CPRHOLD_CREATE:
		*full = sizeof(struct cprhold_create);
		*min = CPRHOLD_CREATE_SIZE_MIN;
		return 0;
	case CPRHOLD_CLAIM:
		*full = *min = sizeof(struct cprhold_claim);
		return 0;
	case CPRHOLD_DESTROY:
		*full = *min = sizeof(struct cprhold_destroy);
		return 0;
	case CPRHOLD_LIST_SESSIONS:
		*full = *min = sizeof(struct cprhold_list_sessions);
		return 0;
	case CPRHOLD_PARK:
		*full = *min = sizeof(struct cprhold_park);
		return 0;
	case CPRHOLD_LIST:
		*full = *min = sizeof(struct cprhold_list);
		return 0;
	case CPRHOLD_INFO:
		*full = *min = sizeof(struct cprhold_info);
		return 0;
	case CPRHOLD_SEAL:
	case CPRHOLD_FINISH:
	case CPRHOLD_ABORT:
		*full = *min = sizeof(struct cprhold_op);
		return 0;
	case CPRHOLD_RETRIEVE:
		*full = *min = sizeof(struct cprhold_retrieve);
		return 0;
	}
	return -1;
}

static int new_session_fd(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd >= 0 && fk.nfds < (int)(sizeof(fk.fds) / sizeof(fk.fds[0])))
		fk.fds[fk.nfds++] = fd;
	return fd;
}

static int name_ok(const char *name)
{
	size_t len = strnlen(name, CPRHOLD_NAME_MAX);

	return len > 0 && len < CPRHOLD_NAME_MAX;
}

static int fk_create(struct cprhold_create *c)
{
	int i;

	if (c->flags & ~7u)
		return -EOPNOTSUPP;
	if (c->__reserved || c->__reserved2 || !name_ok(c->name))
		return -EINVAL;
	if (fk.exists && !strcmp(fk.name, c->name))
		return -EEXIST;
	fk.exists = 1;
	strcpy(fk.name, c->name);
	for (i = 0; i < CPRHOLD_SECRET_SIZE; i++)
		fk.secret[i] = (uint8_t)(0xa0 + i);
	fk.state = CPRHOLD_STATE_OPEN;
	fk.create_flags = c->flags;
	fk.ttl_ms = c->ttl_ms;
	fk.userns_fd = c->userns_fd;
	fk.creator_fd = new_session_fd();
	c->out_fd = (uint32_t)fk.creator_fd;
	memcpy(c->out_secret, fk.secret, sizeof(fk.secret));
	return 0;
}

static int fk_claim(struct cprhold_claim *c)
{
	if (c->flags & ~(uint32_t)(CPRHOLD_CLAIM_NO_CLOEXEC | CPRHOLD_CLAIM_WATCH))
		return -EOPNOTSUPP;
	if (c->__reserved || !name_ok(c->name))
		return -EINVAL;
	if (!fk.exists || strcmp(fk.name, c->name))
		return -ENOENT;
	if (memcmp(fk.secret, c->secret, sizeof(fk.secret)))
		return -EACCES;
	if (c->flags & CPRHOLD_CLAIM_WATCH) {	/* a watcher changes nothing */
		c->out_fd = (uint32_t)new_session_fd();
		return 0;
	}
	if (fk.state != CPRHOLD_STATE_SEALED)
		return -EBUSY;
	fk.state = CPRHOLD_STATE_CLAIMED;
	fk.claimer_fd = new_session_fd();
	c->out_fd = (uint32_t)fk.claimer_fd;
	return 0;
}

static void drop_entries(void)
{
	int i;

	for (i = 0; i < fk.nentries; i++)
		close(fk.entries[i].file);
	fk.nentries = 0;
}

static int fk_destroy(struct cprhold_destroy *d)
{
	if (d->flags)
		return -EOPNOTSUPP;
	if (!name_ok(d->name))
		return -EINVAL;
	if (!fk.exists || strcmp(fk.name, d->name))
		return -ENOENT;
	fk.exists = 0;
	fk.state = CPRHOLD_STATE_FINISHED;
	drop_entries();
	return 0;
}

static int fk_list_sessions(struct cprhold_list_sessions *l)
{
	uint32_t max, count = 0, id;
	uint64_t next = l->cursor;
	char *dst = (char *)(uintptr_t)l->sessions;

	if (l->flags)
		return -EOPNOTSUPP;
	if (l->__reserved)
		return -EINVAL;
	if (l->count && l->info_size < sizeof(struct cprhold_session_info))
		return -EINVAL;
	max = l->count < fk.page_max ? l->count : fk.page_max;
	for (id = 1; id <= fk.nsessions; id++) {
		struct cprhold_session_info info;

		if (id < l->cursor || count >= max)
			continue;
		memset(&info, 0, sizeof(info));
		snprintf(info.name, sizeof(info.name), "s%u", id);
		info.state = CPRHOLD_STATE_SEALED;
		info.nr_entries = id;
		memset(dst + (size_t)count * l->info_size, 0, l->info_size);
		memcpy(dst + (size_t)count * l->info_size, &info, sizeof(info));
		count++;
		next = id + 1;
	}
	l->count = count + (fk.bogus_count ? 1 : 0);
	l->total = fk.nsessions;
	l->cursor = next;
	return 0;
}

static struct fk_entry *find(uint64_t token)
{
	int i;

	for (i = 0; i < fk.nentries; i++)
		if (fk.entries[i].e.token == token)
			return &fk.entries[i];
	return NULL;
}

static void classify(int file, struct cprhold_entry *e)
{
	struct stat st;
	int seals = fcntl(file, F_GET_SEALS);

	e->type = CPRHOLD_ENTRY_OTHER;
	memset(&e->data, 0, sizeof(e->data));
	e->f_flags = (uint32_t)fcntl(file, F_GETFL);
	if (fstat(file, &st))
		return;
	if (seals >= 0) {
		e->type = CPRHOLD_ENTRY_MEMFD;
		e->data.mem.seals = (uint32_t)seals;
	} else if (S_ISREG(st.st_mode)) {
		e->type = CPRHOLD_ENTRY_REGULAR;
	} else {
		return;
	}
	e->data.mem.size = (uint64_t)st.st_size;
	e->data.mem.page_size = (uint32_t)getpagesize();
}

static int cmp_entry(const void *a, const void *b)
{
	const struct fk_entry *x = a, *y = b;

	return x->e.token < y->e.token ? -1 : x->e.token > y->e.token;
}

static int fk_park(int fd, struct cprhold_park *p)
{
	struct cprhold_entry *in = (struct cprhold_entry *)(uintptr_t)p->entries;
	uint32_t i, j;

	if (p->flags & ~(uint32_t)CPRHOLD_PARK_REPORT)
		return -EOPNOTSUPP;
	if (!p->count || p->entry_size < CPRHOLD_ENTRY_SIZE_V1)
		return -EINVAL;
	if (!fk.exists)
		return -ENOENT;
	if (fk.state != CPRHOLD_STATE_OPEN || fd != fk.creator_fd)
		return -EBUSY;
	if (fk.nentries + p->count > FK_MAX_ENTRIES)
		return -ENOSPC;
	/* All checks first: all or nothing. */
	for (i = 0; i < p->count; i++) {
		if (in[i].flags & ~(uint32_t)CPRHOLD_ENTRY_ADDR)
			return -EOPNOTSUPP;
		if (fcntl(in[i].fd, F_GETFD) < 0)
			return -EBADF;
		if (!(in[i].flags & CPRHOLD_ENTRY_ADDR) && in[i].addr)
			return -EINVAL;
		if (in[i].addr & 4095)
			return -EINVAL;
		if (strnlen(in[i].label, CPRHOLD_LABEL_MAX) == CPRHOLD_LABEL_MAX)
			return -EINVAL;
		if (find(in[i].token))
			return -EEXIST;
		for (j = 0; j < i; j++)
			if (in[j].token == in[i].token)
				return -EEXIST;
	}
	for (i = 0; i < p->count; i++) {
		struct fk_entry *fe = &fk.entries[fk.nentries++];

		fe->file = fcntl(in[i].fd, F_DUPFD_CLOEXEC, 0);
		fe->e = in[i];
		classify(fe->file, &fe->e);
		fe->e.fd = -1;
		if (p->flags & CPRHOLD_PARK_REPORT)
			classify(fe->file, &in[i]);
	}
	qsort(fk.entries, fk.nentries, sizeof(fk.entries[0]), cmp_entry);
	return 0;
}

static int fk_list(struct cprhold_list *l)
{
	char *dst = (char *)(uintptr_t)l->entries;
	uint32_t max, count = 0;
	uint64_t next = 0;
	int i;

	if (l->flags)
		return -EOPNOTSUPP;
	if (l->__reserved)
		return -EINVAL;
	if (l->count && l->entry_size < CPRHOLD_ENTRY_SIZE_V1)
		return -EINVAL;
	max = l->count < fk.page_max ? l->count : fk.page_max;
	for (i = 0; i < fk.nentries; i++) {
		if (fk.entries[i].e.token < l->cursor)
			continue;
		if (count >= max) {
			next = fk.entries[i].e.token;
			break;
		}
		memset(dst + (size_t)count * l->entry_size, 0, l->entry_size);
		memcpy(dst + (size_t)count * l->entry_size, &fk.entries[i].e,
		       sizeof(struct cprhold_entry));
		count++;
	}
	l->count = count + (fk.bogus_count ? 1 : 0);
	l->cursor = next;
	l->total = (uint32_t)fk.nentries;
	return 0;
}

static int fk_info(struct cprhold_info *i)
{
	if (i->flags)
		return -EOPNOTSUPP;
	memset(&i->info, 0, sizeof(i->info));
	strcpy(i->info.name, fk.name);
	i->info.state = fk.state;
	i->info.flags = fk.create_flags;
	i->info.nr_entries = (uint32_t)fk.nentries;
	i->info.ttl_ms = fk.ttl_ms;
	i->info.creator_pid = (uint32_t)getpid();
	return 0;
}

static int fk_op(int fd, unsigned long cmd, struct cprhold_op *op)
{
	if (op->flags & ~(uint32_t)(cmd == CPRHOLD_SEAL ? CPRHOLD_SEAL_PREPARE_ADOPT : 0))
		return -EOPNOTSUPP;
	if (!fk.exists)
		return -ENOENT;
	switch (cmd) {
	case CPRHOLD_SEAL:
		if (fk.state != CPRHOLD_STATE_OPEN || fd != fk.creator_fd)
			return -EBUSY;
		fk.state = CPRHOLD_STATE_SEALED;
		return 0;
	case CPRHOLD_FINISH:
		if (fk.state != CPRHOLD_STATE_CLAIMED || fd != fk.claimer_fd)
			return -EBUSY;
		fk.state = CPRHOLD_STATE_FINISHED;
		fk.exists = 0;
		drop_entries();
		return 0;
	default:	/* CPRHOLD_ABORT: the claim is lost for good */
		if (fk.state != CPRHOLD_STATE_CLAIMED || fd != fk.claimer_fd)
			return -EBUSY;
		fk.state = CPRHOLD_STATE_SEALED;
		fk.claimer_fd = -1;
		return 0;
	}
}

static int fk_retrieve(int fd, struct cprhold_retrieve *r)
{
	const uint64_t *tokens = (const uint64_t *)(uintptr_t)r->tokens;
	int32_t *fds = (int32_t *)(uintptr_t)r->fds;
	int range = r->flags & CPRHOLD_RETRIEVE_TOKEN_RANGE;
	uint32_t i;

#define TOKEN(i) (range ? r->first_token + (i) : tokens[i])
	if (r->flags & ~(uint32_t)(CPRHOLD_RETRIEVE_NO_CLOEXEC | CPRHOLD_RETRIEVE_TOKEN_RANGE))
		return -EOPNOTSUPP;
	if (!r->count || r->__reserved)
		return -EINVAL;
	if (range ? r->tokens || r->size < CPRHOLD_RETRIEVE_SIZE_VER1 : r->first_token != 0)
		return -EINVAL;
	if (range && r->count - 1 > UINT64_MAX - r->first_token)
		return -EOVERFLOW;
	if (!fk.exists)
		return -ENOENT;
	if (fk.state != CPRHOLD_STATE_CLAIMED || fd != fk.claimer_fd)
		return -EBUSY;
	for (i = 0; i < r->count; i++)
		if (!find(TOKEN(i)))
			return -ENOENT;
	for (i = 0; i < r->count; i++)
		fds[i] = fcntl(find(TOKEN(i))->file,
			       r->flags & CPRHOLD_RETRIEVE_NO_CLOEXEC ?
			       F_DUPFD : F_DUPFD_CLOEXEC, 0);
	return 0;
#undef TOKEN
}

static int dispatch(int fd, unsigned long cmd, void *k)
{
	switch (cmd) {
	case CPRHOLD_CREATE:
		return fk_create(k);
	case CPRHOLD_CLAIM:
		return fk_claim(k);
	case CPRHOLD_DESTROY:
		return fk_destroy(k);
	case CPRHOLD_LIST_SESSIONS:
		return fk_list_sessions(k);
	case CPRHOLD_PARK:
		return fk_park(fd, k);
	case CPRHOLD_LIST:
		return fk_list(k);
	case CPRHOLD_INFO:
		return fk_info(k);
	case CPRHOLD_SEAL:
	case CPRHOLD_FINISH:
	case CPRHOLD_ABORT:
		return fk_op(fd, cmd, k);
	case CPRHOLD_RETRIEVE:
		return fk_retrieve(fd, k);
	}
	return -ENOTTY;
}

int __wrap_ioctl(int fd, unsigned long cmd, ...)
{
	unsigned char kbuf[512];
	uint32_t size, full, min, ksize;
	struct fk_call *call;
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (_IOC_TYPE(cmd) != CPRHOLD_TYPE)
		return __real_ioctl(fd, cmd, arg);
	if (cmd_sizes(cmd, &full, &min)) {
		errno = ENOTTY;
		return -1;
	}
	if (!arg) {
		errno = EFAULT;
		return -1;
	}
	memcpy(&size, arg, sizeof(size));
	if (fk.ncalls < FK_MAX_CALLS) {
		call = &fk.calls[fk.ncalls];
		call->fd = fd;
		call->cmd = cmd;
		call->size = size;
		memset(call->arg, 0, sizeof(call->arg));
		memcpy(call->arg, arg, size < sizeof(call->arg) ? size : sizeof(call->arg));
	}
	fk.ncalls++;

	if (fk.fail_cmd == cmd) {
		errno = fk.fail_errno;
		return -1;
	}
	/* copy_struct_from_user() into the kernel's struct of ksize. */
	ksize = fk.kernel_size[_IOC_NR(cmd)] ? fk.kernel_size[_IOC_NR(cmd)] : full;
	if (size < min) {
		errno = EINVAL;
		return -1;
	}
	if (size > ksize) {
		const unsigned char *p = (const unsigned char *)arg + ksize;
		uint32_t i;

		for (i = 0; i < size - ksize; i++)
			if (p[i] || fk.strict_size) {
				errno = E2BIG;
				return -1;
			}
	}
	memset(kbuf, 0, sizeof(kbuf));
	memcpy(kbuf, arg, size < ksize ? size : ksize);
	ret = dispatch(fd, cmd, kbuf);
	if (ret) {
		errno = -ret;
		return -1;
	}
	memcpy(arg, kbuf, size < ksize ? size : ksize);
	return 0;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct fk_mmap_call *c = &fk.mmaps[fk.nmmap < 16 ? fk.nmmap : 15];
	void *ret;

	fk.nmmap++;
	c->addr = addr;
	c->len = len;
	c->prot = prot;
	c->flags = flags;
	c->fd = fd;
	switch (fk.mmap_mode) {
	case FK_MMAP_FAIL:
		errno = fk.mmap_errno;
		ret = MAP_FAILED;
		break;
	case FK_MMAP_HINT: {
		/*
		 * The old kernel takes the address as a mere hint and puts
		 * the mapping elsewhere: keep the hinted range busy meanwhile.
		 */
		void *busy = __real_mmap(addr, len, PROT_NONE, MAP_PRIVATE |
					 MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		ret = __real_mmap(NULL, len, prot,
				  flags & ~(MAP_FIXED | MAP_FIXED_NOREPLACE), fd, off);
		if (busy != MAP_FAILED)
			__real_munmap(busy, len);
		break;
	}
	default:
		ret = __real_mmap(addr, len, prot, flags, fd, off);
	}
	c->ret = ret;
	return ret;
}

int __wrap_munmap(void *addr, size_t len)
{
	struct fk_mmap_call *c = &fk.munmaps[fk.nmunmap < 16 ? fk.nmunmap : 15];

	fk.nmunmap++;
	c->addr = addr;
	c->len = len;
	return __real_munmap(addr, len);
}

int __wrap_memfd_create(const char *name, unsigned int flags)
{
	fk.nmemfd++;
	snprintf(fk.memfd_name, sizeof(fk.memfd_name), "%s", name);
	fk.memfd_flags = flags;
	if (fk.memfd_errno) {
		errno = fk.memfd_errno;
		return -1;
	}
	return __real_memfd_create(name, flags);
}

int __wrap_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	int pos = fk.npoll - fk.poll_eintr;

	if (fk.npoll < 16)
		fk.poll_timeouts[fk.npoll] = timeout;
	fk.npoll++;
	if (fk.npoll <= fk.poll_eintr) {
		errno = EINTR;
		return -1;
	}
	if (nfds != 1 || pos >= fk.npoll_script)
		return 0;
	fk.state = fk.poll_script[pos];
	if (fk.state == CPRHOLD_STATE_FINISHED)
		fk.exists = 0;
	fds[0].revents = POLLIN;
	return 1;
}
