// SPDX-License-Identifier: GPL-2.0
/*
 * failnth_test - the allocation-failure sweep, in the way of iommufd's
 * fail_nth selftest: for every ioctl, fail its Nth fallible allocation
 * (slab or page, through /proc/self/task/TID/fail-nth) for N = 1, 2, ...
 * until the call succeeds without an injected failure, and check after
 * each failing call that nothing changed: the session's INFO and entry
 * list byte for byte, the module's object counters, the caller's fds.
 *
 * Needs CONFIG_FAULT_INJECTION_DEBUG_FS with FAILSLAB and FAIL_PAGE_ALLOC:
 * the debug kernel of the matrix (scripts/debug-kernel).  Elsewhere the
 * tests skip; on the debug kernel a missing knob is a failure.
 */
#include <errno.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "lib/ch.h"
#include "lib/harness.h"
#include "lib/util.h"

#define MAX_NTH 20000u
#define NR_PARK 3

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static bool is_debug_kernel(void)
{
	const char *rel = getenv("CPRHOLD_KREL");

	return rel && strstr(rel, "-cprhold-debug");
}

/* Make every fallible allocation of the task injectable; false if absent. */
static bool fault_injection_ready(void)
{
	static const char *const knobs[][2] = {
		{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/failslab/verbose", "0" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/min-order", "0" },
		{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
	};
	size_t i;

	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if (write_str(knobs[i][0], knobs[i][1]))
			return false;
	return true;
}

/* Everything a failing call must leave as it was. */
struct snap {
	int fds;
	long sessions, objs, entries;
	int state_ok;
	struct cprhold_session_info info;
	uint32_t nr_list;
	struct cprhold_entry list[NR_PARK + 1];
	uint32_t nr_visible;
};

struct ctx {
	int ctl;
	int sfd;		/* creator's session fd */
	int cfd;		/* claimer's session fd, or -1 */
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	int files[NR_PARK];
	int nth_fd;		/* /proc/self/task/TID/fail-nth */
	int out_fd;		/* a result of the call under test */
	int out_fds[NR_PARK];
};

static void take_snap(struct ctx *c, struct snap *s)
{
	struct cprhold_list_sessions ls = { .size = sizeof(ls) };
	struct cprhold_list l = {
		.size = sizeof(l), .count = NR_PARK + 1,
		.entry_size = sizeof(struct cprhold_entry),
	};

	memset(s, 0, sizeof(*s));
	s->fds = count_open_fds();
	s->sessions = ch_sysfs("sessions");
	s->objs = ch_sysfs("session_objects");
	s->entries = ch_sysfs("entries");
	if (ioctl(c->ctl, CPRHOLD_LIST_SESSIONS, &ls) == 0)
		s->nr_visible = ls.total;
	if (c->sfd >= 0) {
		s->state_ok = ch_info(c->sfd, &s->info) == 0;
		l.entries = (uintptr_t)s->list;
		if (ioctl(c->sfd, CPRHOLD_LIST, &l) == 0)
			s->nr_list = l.count;
	}
}

static bool snap_equal(struct __test_metadata *_metadata, const struct snap *a,
		       const struct snap *b, unsigned int nth)
{
	bool eq = true;

#define SNAP_CMP(field) do {						\
		if (a->field != b->field) {				\
			TH_LOG("nth %u: " #field " was %ld, now %ld", nth,	\
			       (long)a->field, (long)b->field);		\
			eq = false;					\
		}							\
	} while (0)
	SNAP_CMP(fds);
	SNAP_CMP(sessions);
	SNAP_CMP(objs);
	SNAP_CMP(entries);
	SNAP_CMP(nr_visible);
	SNAP_CMP(state_ok);
	SNAP_CMP(nr_list);
	SNAP_CMP(info.state);
	SNAP_CMP(info.nr_entries);
	SNAP_CMP(info.nr_claims);
#undef SNAP_CMP
	if (memcmp(&a->info, &b->info, sizeof(a->info))) {
		TH_LOG("nth %u: the session info changed", nth);
		eq = false;
	}
	if (memcmp(a->list, b->list, sizeof(a->list))) {
		TH_LOG("nth %u: the entry list changed", nth);
		eq = false;
	}
	return eq;
}

static void set_nth(struct ctx *c, unsigned int nth)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%u", nth);

	if (pwrite(c->nth_fd, buf, n, 0) != n)
		abort();
}

/* Left over after the call: non-zero means no failure was injected. */
static unsigned int get_nth(struct ctx *c)
{
	char buf[16] = {};

	if (pread(c->nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		abort();
	return strtoul(buf, NULL, 10);
}

/* ST_CLAIMED_MANY: claimed, with NR_MANY more entries (see park_n()). */
enum stage { ST_NONE, ST_OPEN, ST_PARKED, ST_SEALED, ST_CLAIMED, ST_CLAIMED_MANY };

static void ctx_open(struct ctx *c)
{
	char path[64];

	memset(c, 0, sizeof(*c));
	c->sfd = c->cfd = c->out_fd = -1;
	c->ctl = ch_open();
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	c->nth_fd = open(path, O_RDWR | O_CLOEXEC);
	c->files[0] = memfd_create("ram", MFD_CLOEXEC);
	if (c->files[0] >= 0 && ftruncate(c->files[0], 1 << 20))
		abort();
	c->files[1] = eventfd(0, EFD_CLOEXEC);
	c->files[2] = open("/dev/null", O_RDWR | O_CLOEXEC);
}

static void ctx_close(struct ctx *c)
{
	int i;

	if (c->name[0])
		ch_destroy(c->ctl, c->name);
	for (i = 0; i < NR_PARK; i++)
		close(c->files[i]);
	close(c->nth_fd);
	close(c->ctl);
}

static int park_all(struct ctx *c)
{
	struct cprhold_entry e[NR_PARK];
	int i;

	for (i = 0; i < NR_PARK; i++)
		ch_entry(&e[i], c->files[i], 100 + i, "f");
	e[0].flags = CPRHOLD_ENTRY_ADDR;
	e[0].addr = 0x7f0000000000ull;
	return ch_park(c->sfd, e, NR_PARK);
}

/*
 * More entries than fit in one of the kernel's batches of items: the
 * failure may hit any batch.  @descending tokens are merged into the
 * session's index, not appended to it.
 */
#define NR_MANY 130

static int many_fds[NR_MANY];	/* what do_retrieve_many() got */

static int park_n(struct ctx *c, bool descending)
{
	static struct cprhold_entry e[NR_MANY];
	int i;

	for (i = 0; i < NR_MANY; i++)
		ch_entry(&e[i], c->files[1], descending ? 2000 - i : 1000 + i, NULL);
	return ch_park(c->sfd, e, NR_MANY);
}

/* Bring a fresh session to @st, without fault injection. */
static int prepare(struct ctx *c, enum stage st)
{
	c->name[0] = '\0';
	c->sfd = c->cfd = c->out_fd = -1;
	if (st == ST_NONE)
		return 0;
	ch_name(c->name, sizeof(c->name), "fnth");
	c->sfd = ch_create(c->ctl, c->name, c->secret);
	if (c->sfd < 0)
		return -1;
	if (st >= ST_PARKED && park_all(c))
		return -1;
	if (st == ST_CLAIMED_MANY && park_n(c, false))
		return -1;
	if (st >= ST_SEALED && ch_seal(c->sfd))
		return -1;
	if (st >= ST_CLAIMED) {
		c->cfd = ch_claim(c->ctl, c->name, c->secret);
		if (c->cfd < 0)
			return -1;
	}
	return 0;
}

static void cleanup(struct ctx *c)
{
	int i;

	if (c->name[0])
		ch_destroy(c->ctl, c->name);
	c->name[0] = '\0';
	if (c->out_fd >= 0)
		close(c->out_fd);
	for (i = 0; i < NR_PARK; i++)
		if (c->out_fds[i] > 0)
			close(c->out_fds[i]);
	memset(c->out_fds, 0, sizeof(c->out_fds));
	for (i = 0; i < NR_MANY; i++)
		if (many_fds[i] > 0)
			close(many_fds[i]);
	memset(many_fds, 0, sizeof(many_fds));
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->sfd >= 0)
		close(c->sfd);
	c->sfd = c->cfd = c->out_fd = -1;
}

typedef int (*call_fn)(struct ctx *c);

/*
 * The sweep of one ioctl: from @st, fail its Nth allocation for N = 1, 2,
 * ... until it succeeds without an injected failure; every failing call
 * must leave everything as it was.
 */
static void sweep(struct __test_metadata *_metadata, const char *what,
		  enum stage st, call_fn call)
{
	unsigned int nth, failures = 0;
	struct snap before, after;
	struct ctx c;

	if (!fault_injection_ready()) {
		if (is_debug_kernel()) {
			TH_LOG("fault injection knobs missing on the debug kernel");
			ASSERT_TRUE(0);
		}
		SKIP(return, "no CONFIG_FAULT_INJECTION_DEBUG_FS (debug kernel only)");
	}
	ctx_open(&c);
	ASSERT_GE(c.ctl, 0);
	ASSERT_GE(c.nth_fd, 0);

	for (nth = 1; nth < MAX_NTH; nth++) {
		int ret, err;
		unsigned int left;

		ASSERT_EQ(0, prepare(&c, st));
		take_snap(&c, &before);
		set_nth(&c, nth);
		ret = call(&c);
		err = errno;
		left = get_nth(&c);
		set_nth(&c, 0);
		if (ret == 0 && left) {
			/* Ran through without reaching the Nth allocation. */
			cleanup(&c);
			break;
		}
		if (ret != 0) {
			failures++;
			if (left) {
				TH_LOG("%s: nth %u: failed with errno %d without an injected failure",
				       what, nth, err);
				ASSERT_TRUE(0);
			}
			if (err != ENOMEM && err != EFAULT && err != EMFILE &&
			    err != ENFILE && err != EAGAIN) {
				TH_LOG("%s: nth %u: errno %d is not an allocation failure",
				       what, nth, err);
				EXPECT_TRUE(0);
			}
			take_snap(&c, &after);
			if (!snap_equal(_metadata, &before, &after, nth)) {
				TH_LOG("%s: nth %u: a failing call changed the state", what, nth);
				EXPECT_TRUE(0);
			}
		}
		cleanup(&c);
	}
	TH_LOG("%s: %u allocations, %u injected failures left everything unchanged",
	       what, nth - 1, failures);
	EXPECT_LT(nth, MAX_NTH);
	ctx_close(&c);
}

static int do_create(struct ctx *c)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE];

	ch_name(c->name, sizeof(c->name), "fnth-c");
	c->out_fd = ch_create(c->ctl, c->name, secret);
	if (c->out_fd < 0) {
		c->name[0] = '\0';
		return -1;
	}
	return 0;
}

static int do_claim(struct ctx *c)
{
	c->out_fd = ch_claim(c->ctl, c->name, c->secret);
	return c->out_fd < 0 ? -1 : 0;
}

static int do_watch(struct ctx *c)
{
	c->out_fd = ch_watch(c->ctl, c->name, c->secret);
	return c->out_fd < 0 ? -1 : 0;
}

static int do_destroy(struct ctx *c)
{
	return ch_destroy(c->ctl, c->name);
}

static int do_list_sessions(struct ctx *c)
{
	struct cprhold_session_info infos[4];
	struct cprhold_list_sessions ls = {
		.size = sizeof(ls), .count = 4, .info_size = sizeof(infos[0]),
		.sessions = (uintptr_t)infos,
	};

	return ioctl(c->ctl, CPRHOLD_LIST_SESSIONS, &ls);
}

static int do_park(struct ctx *c)
{
	return park_all(c);
}

static int do_park_many(struct ctx *c)
{
	return park_n(c, false);
}

static int do_park_many_merged(struct ctx *c)
{
	return park_n(c, true);
}

/* The same batch as an fd array (CPRHOLD_PARK_FDS). */
static int do_park_many_fds(struct ctx *c)
{
	static int fds[NR_MANY];
	int i;

	for (i = 0; i < NR_MANY; i++)
		fds[i] = c->files[1];
	return ch_park_fds(c->sfd, fds, NR_MANY, 1000);
}

static int do_list(struct ctx *c)
{
	struct cprhold_entry e[NR_PARK];
	struct cprhold_list l = {
		.size = sizeof(l), .count = NR_PARK, .entry_size = sizeof(e[0]),
		.entries = (uintptr_t)e,
	};

	return ioctl(c->sfd, CPRHOLD_LIST, &l);
}

static int do_info(struct ctx *c)
{
	struct cprhold_session_info info;

	return ch_info(c->sfd, &info);
}

static int do_seal(struct ctx *c)
{
	return ch_seal(c->sfd);
}

static int do_retrieve(struct ctx *c)
{
	uint64_t tokens[NR_PARK] = { 100, 101, 102 };

	return ch_retrieve(c->cfd, tokens, c->out_fds, NR_PARK);
}

/*
 * More fds than a new process's fd table holds (64): the table grows in
 * the call (before the first fd is installed).
 */
static int do_retrieve_many(struct ctx *c)
{
	static uint64_t tokens[NR_MANY];
	int i;

	for (i = 0; i < NR_MANY; i++)
		tokens[i] = 1000 + i;
	return ch_retrieve(c->cfd, tokens, many_fds, NR_MANY);
}

/* The same as a token range: no token array to copy in. */
static int do_retrieve_many_range(struct ctx *c)
{
	return ch_retrieve_range(c->cfd, 1000, many_fds, NR_MANY);
}

static int do_finish(struct ctx *c)
{
	return ch_finish(c->cfd);
}

static int do_abort(struct ctx *c)
{
	return ch_abort(c->cfd);
}

TEST_TIMEOUT(create, 600) { sweep(_metadata, "CREATE", ST_NONE, do_create); }
TEST_TIMEOUT(claim, 600) { sweep(_metadata, "CLAIM", ST_SEALED, do_claim); }
TEST_TIMEOUT(watch, 600) { sweep(_metadata, "CLAIM_WATCH", ST_OPEN, do_watch); }
TEST_TIMEOUT(destroy, 600) { sweep(_metadata, "DESTROY", ST_SEALED, do_destroy); }
TEST_TIMEOUT(list_sessions, 600)
{
	sweep(_metadata, "LIST_SESSIONS", ST_PARKED, do_list_sessions);
}
TEST_TIMEOUT(park, 600) { sweep(_metadata, "PARK", ST_OPEN, do_park); }
TEST_TIMEOUT(park_many, 600) { sweep(_metadata, "PARK many", ST_OPEN, do_park_many); }
TEST_TIMEOUT(park_many_fds, 600)
{
	sweep(_metadata, "PARK many, fd array", ST_OPEN, do_park_many_fds);
}
TEST_TIMEOUT(park_many_merged, 600)
{
	sweep(_metadata, "PARK many, merged", ST_PARKED, do_park_many_merged);
}
TEST_TIMEOUT(list, 600) { sweep(_metadata, "LIST", ST_PARKED, do_list); }
TEST_TIMEOUT(info, 600) { sweep(_metadata, "INFO", ST_PARKED, do_info); }
TEST_TIMEOUT(seal, 600) { sweep(_metadata, "SEAL", ST_PARKED, do_seal); }
TEST_TIMEOUT(retrieve, 600) { sweep(_metadata, "RETRIEVE", ST_CLAIMED, do_retrieve); }
TEST_TIMEOUT(retrieve_many, 600)
{
	sweep(_metadata, "RETRIEVE many", ST_CLAIMED_MANY, do_retrieve_many);
}
TEST_TIMEOUT(retrieve_many_range, 600)
{
	sweep(_metadata, "RETRIEVE many, token range", ST_CLAIMED_MANY,
	      do_retrieve_many_range);
}
TEST_TIMEOUT(finish, 600) { sweep(_metadata, "FINISH", ST_CLAIMED, do_finish); }
TEST_TIMEOUT(abort_claim, 600) { sweep(_metadata, "ABORT", ST_CLAIMED, do_abort); }

TEST_HARNESS_MAIN
