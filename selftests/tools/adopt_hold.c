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
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "../lib/ch.h"

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
