// SPDX-License-Identifier: GPL-2.0
/*
 * adopt_hold - claim a session, adopt the KVM VM parked in it, and hold it
 * until killed: a successor that dies after adopting the VM and before it
 * finishes the session (selftests/qemu/cprhold_qemu.py, rollback).
 *
 * Usage: adopt_hold NAME SECRET_FILE FIRST_TOKEN COUNT
 * As QEMU's cprhold transport does in migration mode cpr-transfer,
 * SECRET_FILE holds the secret of the CPR session NAME.cpr, whose entry 3
 * (a memfd) holds the secret of the main session NAME.  Claims both,
 * retrieves COUNT tokens of NAME from FIRST_TOKEN on (the VM, then its
 * vCPUs) with CPRHOLD_RETRIEVE_ADOPT_KVM, prints "adopted COUNT" and waits
 * for a signal.  Exit status 1 with a message if anything fails.
 *
 * QEMU's VM keeps its memslots (entry 4 of NAME lists them, see
 * kvm_vm_get_slots() in qemu-patches/), and the kernel adopts a VM
 * only into a process that maps every memslot's range shared: this one
 * maps shared anonymous memory there first.  The guest never runs here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "../lib/ch.h"

/* QEMU's record of the memslots a VM handed over kept (KVMKeptSlots) */
#define KEPT_SLOTS_TOKEN 4
#define KEPT_SLOTS_MAGIC 0x31544c534d564b51ULL

struct kept_slot {
	uint32_t as_id, slot;
	uint64_t start_addr, memory_size, ram;
	uint32_t flags, matched;
};

struct kept_slots {
	uint64_t magic;
	uint32_t nr, size;
};

static int cmp_ram(const void *a, const void *b)
{
	const struct kept_slot *x = a, *y = b;

	return x->ram < y->ram ? -1 : x->ram > y->ram;
}

/* Map shared memory over the union of the kept memslots' host ranges. */
static int map_kept_slots(int sfd)
{
	struct kept_slots h;
	struct kept_slot *k;
	uint64_t start, end;
	uint32_t i;
	int fd;

	fd = ch_retrieve1(sfd, KEPT_SLOTS_TOKEN);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;	/* none kept */
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h) ||
	    h.magic != KEPT_SLOTS_MAGIC || h.size != sizeof(*k) || h.nr > 65536) {
		errno = EPROTO;
		return -1;
	}
	k = calloc(h.nr + 1, sizeof(*k));
	if (!k || pread(fd, k, h.nr * sizeof(*k), sizeof(h)) !=
	    (ssize_t)(h.nr * sizeof(*k)))
		return -1;
	close(fd);
	qsort(k, h.nr, sizeof(*k), cmp_ram);
	i = 0;
	while (i < h.nr) {
		start = k[i].ram;
		end = start + k[i].memory_size;
		for (i++; i < h.nr && k[i].ram <= end; i++)
			if (k[i].ram + k[i].memory_size > end)
				end = k[i].ram + k[i].memory_size;
		if (mmap((void *)(uintptr_t)start, end - start,
			 PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0) != (void *)(uintptr_t)start)
			return -1;
	}
	free(k);
	return 0;
}

static int read_secret(const char *path, uint8_t *secret)
{
	char hex[2 * CPRHOLD_SECRET_SIZE + 2];
	FILE *f = fopen(path, "re");
	unsigned int i, b;

	if (!f)
		return -1;
	if (!fgets(hex, sizeof(hex), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	for (i = 0; i < CPRHOLD_SECRET_SIZE; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		secret[i] = b;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	char cpr[CPRHOLD_NAME_MAX + 8];
	uint64_t *tokens, first;
	int ctl, cfd, mfd, sfd, *fds;
	unsigned int i, n;

	if (argc != 5) {
		fprintf(stderr, "usage: adopt_hold NAME SECRET_FILE FIRST_TOKEN COUNT\n");
		return 2;
	}
	first = strtoull(argv[3], NULL, 0);
	n = strtoul(argv[4], NULL, 0);
	if (!n || n > 4096 || read_secret(argv[2], secret)) {
		fprintf(stderr, "adopt_hold: bad count or secret file %s\n", argv[2]);
		return 1;
	}
	tokens = calloc(n, sizeof(*tokens));
	fds = calloc(n, sizeof(*fds));
	ctl = ch_open();
	if (!tokens || !fds || ctl < 0) {
		perror("adopt_hold");
		return 1;
	}
	snprintf(cpr, sizeof(cpr), "%s.cpr", argv[1]);
	cfd = ch_claim(ctl, cpr, secret);
	mfd = cfd < 0 ? -1 : ch_retrieve1(cfd, 3);
	if (mfd < 0 || pread(mfd, secret, sizeof(secret), 0) != sizeof(secret)) {
		fprintf(stderr, "adopt_hold: the secret of %s from %s: %s\n",
			argv[1], cpr, strerror(errno));
		return 1;
	}
	sfd = ch_claim(ctl, argv[1], secret);
	if (sfd < 0) {
		fprintf(stderr, "adopt_hold: claim %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (map_kept_slots(sfd)) {
		fprintf(stderr, "adopt_hold: mapping the VM's memslots: %s\n",
			strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++)
		tokens[i] = first + i;
	if (ch_retrieve_ex(sfd, tokens, fds, n, CPRHOLD_RETRIEVE_ADOPT_KVM)) {
		fprintf(stderr, "adopt_hold: retrieve: %s\n", strerror(errno));
		return 1;
	}
	printf("adopted %u\n", n);
	fflush(stdout);
	for (;;)
		pause();
}
