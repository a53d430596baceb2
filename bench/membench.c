// SPDX-License-Identifier: GPL-2.0
/*
 * membench - handing guest RAM (a populated memfd) to a successor process,
 * against copying it.
 *
 *  cprhold        park the memfd, seal, hand name and secret over; the
 *                 successor claims, retrieves and mmap()s the whole file
 *                 (MAP_SHARED), touching nothing
 *  cprhold_touch  as cprhold, then the successor reads one byte of each of
 *                 1024 pages spread evenly over the file (a fixed-size
 *                 sample, as a resumed guest touches its working set) and
 *                 checks their content
 *  copy           the successor read()s the whole memfd, 16 MiB at a time,
 *                 into fresh anonymous memory: what a migration without
 *                 shared memory must at least do (no socket, no dirty
 *                 tracking, so a lower bound of it)
 *
 * cprhold also reports its phases without the wake-up of the successor:
 * "cprhold.park" (park + seal, old side) and "cprhold.claim_map" (claim,
 * retrieve, fstat, mmap: the successor from its wake-up on).
 *
 * One memfd serves all sizes (ascending): grown to each size, its new
 * pages are allocated with fallocate() (resident, not yet written) and the
 * sample pages of the size get a pattern.  Of the copy this means: on 6.1
 * read() copies the unwritten pages from the zero page (a real copy), on
 * 6.12 it clears the destination instead (iov_iter_zero()), a bit
 * cheaper; either way the successor's new memory is faulted in and
 * filled, which is most of the cost.  Times run from the old
 * side's first step to the moment the successor can use the memory.
 *
 * Usage: membench [-r REPS] [-R COPY_REPS] [-C COPY_MAX_MIB] [-m METHODS]
 *                 [-c CPU] [SIZE_MIB...]
 *	REPS runs after one warm-up (default 7) of each size (default 64
 *	256 1024 4096).  The copy is linear in the size and slow under TCG
 *	(about 20 MiB/s on a loaded host): it runs without warm-up, COPY_REPS
 *	times (default REPS), only up to COPY_MAX_MIB (default 256), and is
 *	skipped, with a note on stderr, when the source and a copy would not
 *	fit in MemAvailable.  Everything runs on CPU (default 0, -1 for
 *	any: see pin_cpu()).
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <libcprhold.h>

#include "bench.h"

#define MIB		(1ull << 20)
#define SAMPLE_PAGES	1024
#define COPY_CHUNK	(16 * MIB)

struct handle {
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
};

static long page_size;

static unsigned char pattern_at(uint64_t off)
{
	return (unsigned char)((off >> 12) * 131 + 7) | 1;
}


/* Offset of sample page @i of a file of @size bytes. */
static uint64_t sample_off(uint64_t size, uint64_t i)
{
	uint64_t pages = size / page_size, step = pages / SAMPLE_PAGES;

	return i * (step ? step : 1) * page_size;
}

/*
 * Grow the memfd from @old to @size bytes and allocate the new pages with
 * fallocate() (resident and charged like guest RAM, but not written: the
 * kernel clears a page when it is first mapped or written), then write the
 * pattern into the sample pages of @size.  Writing every page would take
 * about a minute per GiB under TCG on a loaded host.
 */
static void populate(int fd, uint64_t old, uint64_t size)
{
	unsigned char *p;
	uint64_t i, off;

	if (ftruncate(fd, size))
		die("ftruncate %llu", (unsigned long long)size);
	if (size > old && fallocate(fd, 0, old, size - old))
		die("fallocate");
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	for (i = 0; i < SAMPLE_PAGES && sample_off(size, i) < size; i++) {
		off = sample_off(size, i);
		p[off] = pattern_at(off);
	}
	munmap(p, size);
}

static uint64_t mem_available(void)
{
	char line[128];
	unsigned long long kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* ---- the successor --------------------------------------------------- */

static int touch_sample(const unsigned char *p, uint64_t size)
{
	uint64_t i, off;
	int bad = 0;

	for (i = 0; i < SAMPLE_PAGES && sample_off(size, i) < size; i++) {
		off = sample_off(size, i);
		bad |= *(volatile const unsigned char *)(p + off) != pattern_at(off);
	}
	return bad;
}

/* argv: --child METHOD SIZE; fd 3 control socket, fd 4 the memfd (copy) */
static int child_main(const char *method, uint64_t size)
{
	struct report rep = { 0 };
	int ctl = 3, src = 4;
	const char ready = 'R';
	unsigned char *p;

	if (!strncmp(method, "cprhold", 7)) {
		int cfd = cprhold_open(0), sfd, fd, ret;
		uint64_t token = 1;
		struct handle h;
		struct stat st;

		if (cfd < 0)
			die_neg(cfd, "cprhold_open");
		ctl_send(ctl, &ready, 1);
		ctl_recv(ctl, &h, sizeof(h));
		rep.t_phase = now_ns();
		sfd = cprhold_claim(cfd, h.name, h.secret, 0);
		if (sfd < 0)
			die_neg(sfd, "cprhold_claim");
		ret = cprhold_retrieve(sfd, &token, &fd, 1, 0);
		if (ret)
			die_neg(ret, "cprhold_retrieve");
		if (fstat(fd, &st))
			die("fstat");
		p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die("mmap");
		if (!strcmp(method, "cprhold_touch") && touch_sample(p, st.st_size)) {
			errno = 0;
			die("sample has the wrong content");
		}
		rep.t_done = now_ns();
		/* claim, retrieve, mmap (and sample), without the wake-up */
		rep.t_phase = rep.t_done - rep.t_phase;
		rep.ok = (uint64_t)st.st_size == size;
		munmap(p, st.st_size);
		ret = cprhold_finish(sfd);
		if (ret)
			die_neg(ret, "cprhold_finish");
		close(fd);
	} else if (!strcmp(method, "copy")) {
		uint64_t off;
		char go;

		ctl_send(ctl, &ready, 1);
		ctl_recv(ctl, &go, 1);
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		for (off = 0; off < size; off += COPY_CHUNK) {
			size_t len = size - off < COPY_CHUNK ? size - off : COPY_CHUNK;

			if (pread(src, p + off, len, off) != (ssize_t)len)
				die("pread");
		}
		rep.t_done = now_ns();
		rep.ok = !touch_sample(p, size);
		munmap(p, size);
	} else {
		errno = 0;
		die("unknown method %s", method);
	}
	ctl_send(ctl, &rep, sizeof(rep));
	return rep.ok ? 0 : 1;
}

/* ---- the old side ---------------------------------------------------- */

static char *self_name;

static uint64_t run_one(const char *method, int memfd, uint64_t size, uint64_t *phase)
{
	static int seq;
	char sbuf[32], mbuf[32];
	char *argv[] = { self_name, "--child", mbuf, sbuf, NULL };
	int ctl[2], keep[2], cfd = -1, sfd = -1, ret;
	struct cprhold_entry e;
	struct handle h;
	struct report r;
	uint64_t t0, t_sealed = 0;
	char ready;
	pid_t pid;

	snprintf(mbuf, sizeof(mbuf), "%s", method);
	snprintf(sbuf, sizeof(sbuf), "%llu", (unsigned long long)size);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl))
		die("socketpair");
	keep[0] = ctl[1];
	keep[1] = memfd;
	/* The memfd reaches the copying successor by inheritance, untimed. */
	pid = spawn_child(argv, keep, strcmp(method, "copy") ? 1 : 2);
	close(ctl[1]);
	if (strncmp(method, "copy", 4)) {
		memset(&h, 0, sizeof(h));
		snprintf(h.name, sizeof(h.name), "membench-%d-%d", getpid(), seq++);
		cfd = cprhold_open(0);
		if (cfd < 0)
			die_neg(cfd, "cprhold_open");
		sfd = cprhold_create(cfd, h.name, 0, 0, -1, h.secret);
		if (sfd < 0)
			die_neg(sfd, "cprhold_create");
	}
	ctl_recv(ctl[0], &ready, 1);

	t0 = now_ns();
	if (sfd >= 0) {
		ret = cprhold_entry_init(&e, memfd, 1, "guest-ram", NULL);
		if (!ret)
			ret = cprhold_park(sfd, &e, 1);
		if (!ret)
			ret = cprhold_seal(sfd);
		if (ret)
			die_neg(ret, "park and seal");
		t_sealed = now_ns();
		ctl_send(ctl[0], &h, sizeof(h));
	} else {
		ctl_send(ctl[0], "g", 1);
	}
	ctl_recv(ctl[0], &r, sizeof(r));
	reap(pid);
	if (!r.ok) {
		errno = 0;
		die("%s: the successor's memory is wrong", method);
	}
	if (sfd >= 0) {
		close(sfd);
		close(cfd);
		phase[0] = t_sealed - t0;
		phase[1] = r.t_phase;
	}
	close(ctl[0]);
	return r.t_done - t0;
}

int main(int argc, char **argv)
{
	static const char *all[] = { "cprhold", "cprhold_touch", "copy" };
	int reps = 7, copy_reps = -1, copy_max = 256, cpu = 0, memfd, opt, rep, m, nmethods = 0, s, nsizes = 0;
	uint64_t sizes[16];
	const char *methods[8];
	char *mlist = NULL;

	page_size = sysconf(_SC_PAGESIZE);
	self_name = argv[0];
	if (argc >= 4 && !strcmp(argv[1], "--child"))
		return child_main(argv[2], strtoull(argv[3], NULL, 0));

	while ((opt = getopt(argc, argv, "r:R:C:m:c:")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 'R':
			copy_reps = atoi(optarg);
			break;
		case 'C':
			copy_max = atoi(optarg);
			break;
		case 'm':
			mlist = optarg;
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: membench [-r REPS] [-R COPY_REPS] [-C COPY_MAX_MIB] [-m METHODS] [-c CPU] SIZE_MIB...\n");
			return 2;
		}
	}
	if (copy_reps < 0)
		copy_reps = reps;
	for (; optind < argc && nsizes < 16; optind++)
		sizes[nsizes++] = strtoull(argv[optind], NULL, 0) * MIB;
	if (!nsizes) {
		static const uint64_t def[] = { 64, 256, 1024, 4096 };

		for (s = 0; s < 4; s++)
			sizes[nsizes++] = def[s] * MIB;
	}
	if (mlist) {
		char *tok;

		for (tok = strtok(mlist, ","); tok && nmethods < 8; tok = strtok(NULL, ","))
			methods[nmethods++] = tok;
	} else {
		for (m = 0; m < 3; m++)
			methods[nmethods++] = all[m];
	}

	pin_cpu(cpu);
	/* One memfd, grown from size to size: each page is allocated once. */
	memfd = memfd_create("guest-ram", MFD_CLOEXEC);
	if (memfd < 0)
		die("memfd_create");
	for (s = 0; s < nsizes; s++) {
		uint64_t size = sizes[s], mib = size / MIB, t;

		if (s && size < sizes[s - 1]) {
			fprintf(stderr, "membench: sizes must ascend\n");
			return 2;
		}
		t = now_ns();
		populate(memfd, s ? sizes[s - 1] : 0, size);
		fprintf(stderr, "membench: %s: %llu MiB populated in %.1f s\n",
			kernel_release(), (unsigned long long)mib, (now_ns() - t) / 1e9);
		for (rep = 0; rep <= reps; rep++) {
			for (m = 0; m < nmethods; m++) {
				uint64_t phase[2] = { 0, 0 }, ns;
				int copy = !strcmp(methods[m], "copy");

				/* Linear in the size: no warm-up, fewer runs. */
				if (copy && (!rep || rep > copy_reps || mib > (uint64_t)copy_max))
					continue;
				if (copy && mem_available() < size + size / 8) {
					if (rep == 1)
						fprintf(stderr, "membench: copy of %llu MiB skipped: %llu MiB available\n",
							(unsigned long long)mib,
							(unsigned long long)(mem_available() / MIB));
					continue;
				}
				ns = run_one(methods[m], memfd, size, phase);
				if (!rep)
					continue;
				sample("mem", methods[m], mib, rep, ns);
				if (phase[0] && !strcmp(methods[m], "cprhold")) {
					sample("mem", "cprhold.park", mib, rep, phase[0]);
					sample("mem", "cprhold.claim_map", mib, rep, phase[1]);
				}
			}
		}
		fprintf(stderr, "membench: %llu MiB done\n", (unsigned long long)mib);
	}
	close(memfd);
	return 0;
}
