// SPDX-License-Identifier: GPL-2.0
/*
 * ch-helper - create, park, seal and claim cprhold sessions from a shell,
 * for selftests/cprholdctl_test.sh (run in the test VM).  Not installed.
 *
 *   ch-helper create NAME [--secret-out FILE [--hex]] [--ttl MS]
 *                         [--same-kuid] [--open] [-e SPEC]...
 *       Create NAME, park the entries SPEC describes (tokens 1, 2, ... in
 *       order, unless token=T), write the secret to FILE (32 raw bytes, or
 *       64 hex characters and a newline with --hex) and seal it.  With
 *       --open: do not seal; print "ready" and hold the OPEN session until
 *       stdin reaches EOF (then it is destroyed, end reason "closed").
 *   ch-helper claim NAME --secret-file FILE [--finish | --abort | --hold]
 *       Claim NAME; then finish, abort, or (--hold) print "claimed" and
 *       keep the claim until stdin reaches EOF (closing the claim fd
 *       returns the session to SEALED).  Default: exit, which aborts too.
 *
 * SPEC is TYPE[,key=value|flag]... with TYPE one of
 *   memfd    size=BYTES (K/M/G suffixes; default 4K), data=TEXT (written
 *            at offset 0), seals (F_SEAL_GROW|F_SEAL_SHRINK), addr (map it
 *            and record the address)
 *   eventfd  value=N (the counter)
 *   pipe     data=TEXT (in the pipe; the read end is parked, the write end
 *            closed, so a reader sees TEXT then EOF)
 *   socket   an AF_UNIX stream socket (one end of a pair)
 *   udp      an AF_INET datagram socket
 *   file     path=PATH, opened read-write (e.g. /dev/null: a chardev)
 *   kvm      a KVM VM and vcpus=N vCPUs (default 1; ids 0..N-1, labels
 *            vcpu0...; needs /dev/kvm)
 * and for every TYPE label=LABEL and token=T.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <libcprhold.h>

#include "secret.h"

#define MAX_ENTRIES 256

static struct cprhold_entry entries[MAX_ENTRIES];
static int nentries;
static uint64_t next_token = 1;

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fputs("ch-helper: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'K': case 'k':
		v <<= 10;
		end++;
		break;
	case 'M': case 'm':
		v <<= 20;
		end++;
		break;
	case 'G': case 'g':
		v <<= 30;
		end++;
		break;
	}
	if (*end || end == s)
		die("bad size '%s'", s);
	return v;
}

static void add(int fd, const char *label, uint64_t token, const void *addr)
{
	int ret;

	if (nentries == MAX_ENTRIES)
		die("too many entries");
	ret = cprhold_entry_init(&entries[nentries], fd, token, label, addr);
	if (ret)
		die("entry %s: %s", label ? label : "", cprhold_strerror(CPRHOLD_OP_PARK, ret));
	nentries++;
}

struct spec {
	char type[16];
	char label[CPRHOLD_LABEL_MAX];
	bool has_label;
	uint64_t token;
	uint64_t size;
	char data[256];
	uint64_t value;
	bool seals, addr;
	char path[256];
	int vcpus;
};

static void parse_spec(char *s, struct spec *sp)
{
	char *tok, *save = NULL;
	int first = 1;

	memset(sp, 0, sizeof(*sp));
	sp->size = 4096;
	sp->vcpus = 1;
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		const char *val = eq ? eq + 1 : "";

		if (eq)
			*eq = '\0';
		if (first) {
			snprintf(sp->type, sizeof(sp->type), "%s", tok);
			first = 0;
		} else if (!strcmp(tok, "label")) {
			snprintf(sp->label, sizeof(sp->label), "%s", val);
			sp->has_label = true;
		} else if (!strcmp(tok, "token")) {
			sp->token = strtoull(val, NULL, 0);
		} else if (!strcmp(tok, "size")) {
			sp->size = parse_size(val);
		} else if (!strcmp(tok, "data")) {
			snprintf(sp->data, sizeof(sp->data), "%s", val);
		} else if (!strcmp(tok, "value")) {
			sp->value = strtoull(val, NULL, 0);
		} else if (!strcmp(tok, "seals")) {
			sp->seals = true;
		} else if (!strcmp(tok, "addr")) {
			sp->addr = true;
		} else if (!strcmp(tok, "path")) {
			snprintf(sp->path, sizeof(sp->path), "%s", val);
		} else if (!strcmp(tok, "vcpus")) {
			sp->vcpus = atoi(val);
		} else {
			die("unknown key '%s' in an entry spec", tok);
		}
	}
}

static uint64_t take_token(const struct spec *sp)
{
	uint64_t t = sp->token ? sp->token : next_token;

	next_token = t + 1;
	return t;
}

static void make_entry(char *arg)
{
	const char *label;
	struct spec sp;
	int fd, p[2];

	parse_spec(arg, &sp);
	label = sp.has_label ? sp.label : NULL;
	if (!strcmp(sp.type, "memfd")) {
		void *addr = NULL;

		fd = memfd_create(label && *label ? label : "ch-helper",
				  MFD_CLOEXEC | (sp.seals ? MFD_ALLOW_SEALING : 0));
		if (fd < 0 || ftruncate(fd, (off_t)sp.size))
			die("memfd: %s", strerror(errno));
		if (sp.data[0] && pwrite(fd, sp.data, strlen(sp.data), 0) < 0)
			die("memfd write: %s", strerror(errno));
		if (sp.seals && fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK))
			die("memfd seals: %s", strerror(errno));
		if (sp.addr) {
			addr = mmap(NULL, sp.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (addr == MAP_FAILED)
				die("mmap: %s", strerror(errno));
		}
		add(fd, label, take_token(&sp), addr);
	} else if (!strcmp(sp.type, "eventfd")) {
		fd = eventfd((unsigned int)sp.value, EFD_CLOEXEC);
		if (fd < 0)
			die("eventfd: %s", strerror(errno));
		add(fd, label, take_token(&sp), NULL);
	} else if (!strcmp(sp.type, "pipe")) {
		if (pipe2(p, O_CLOEXEC))
			die("pipe: %s", strerror(errno));
		if (sp.data[0] && write(p[1], sp.data, strlen(sp.data)) < 0)
			die("pipe write: %s", strerror(errno));
		close(p[1]);
		add(p[0], label, take_token(&sp), NULL);
	} else if (!strcmp(sp.type, "socket")) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p))
			die("socketpair: %s", strerror(errno));
		add(p[0], label, take_token(&sp), NULL);
	} else if (!strcmp(sp.type, "udp")) {
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket: %s", strerror(errno));
		add(fd, label, take_token(&sp), NULL);
	} else if (!strcmp(sp.type, "file")) {
		fd = open(sp.path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			die("open %s: %s", sp.path, strerror(errno));
		add(fd, label, take_token(&sp), NULL);
	} else if (!strcmp(sp.type, "kvm")) {
		int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, i;

		if (kvm < 0)
			die("/dev/kvm: %s", strerror(errno));
		vm = ioctl(kvm, KVM_CREATE_VM, 0);
		if (vm < 0)
			die("KVM_CREATE_VM: %s", strerror(errno));
		add(vm, label ? label : "vm", take_token(&sp), NULL);
		for (i = 0; i < sp.vcpus; i++) {
			char l[CPRHOLD_LABEL_MAX];
			int vcpu = ioctl(vm, KVM_CREATE_VCPU, i);

			if (vcpu < 0)
				die("KVM_CREATE_VCPU: %s", strerror(errno));
			snprintf(l, sizeof(l), "vcpu%d", i);
			add(vcpu, l, next_token++, NULL);
		}
		close(kvm);
	} else {
		die("unknown entry type '%s'", sp.type);
	}
}

/* The library's hex file, or (for the tests of the raw format) raw bytes */
static void write_secret(const char *path, const uint8_t *secret, bool hex)
{
	int fd, ret;

	if (hex) {
		ret = cprhold_secret_write(path, secret, 0600);
		if (ret)
			die("secret file %s: %s", path, strerror(-ret));
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, secret, CPRHOLD_SECRET_SIZE) != CPRHOLD_SECRET_SIZE ||
	    close(fd))
		die("secret file %s: %s", path, strerror(errno));
}

/* Block until stdin reaches EOF (the test closes its end). */
static void hold(const char *what)
{
	char buf[64];

	printf("%s\n", what);
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
}

static int cmd_create(int argc, char **argv)
{
	const char *name = argv[1], *secret_out = NULL;
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	bool hex = false, open_only = false;
	uint32_t flags = 0;
	uint64_t ttl = 0;
	int ctl, sfd, i, ret;

	if (argc < 2)
		die("create: NAME missing");
	ctl = cprhold_open(0);
	if (ctl < 0)
		die("open: %s", cprhold_strerror(CPRHOLD_OP_OPEN, ctl));
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--secret-out") && i + 1 < argc)
			secret_out = argv[++i];
		else if (!strcmp(argv[i], "--hex"))
			hex = true;
		else if (!strcmp(argv[i], "--ttl") && i + 1 < argc)
			ttl = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--same-kuid"))
			flags |= CPRHOLD_CREATE_SAME_KUID;
		else if (!strcmp(argv[i], "--open"))
			open_only = true;
		else if (!strcmp(argv[i], "-e") && i + 1 < argc)
			make_entry(argv[++i]);
		else
			die("create: bad argument '%s'", argv[i]);
	}
	sfd = cprhold_create(ctl, name, flags, ttl, -1, secret);
	if (sfd < 0)
		die("create %s: %s", name, cprhold_strerror(CPRHOLD_OP_CREATE, sfd));
	if (nentries) {
		ret = cprhold_park(sfd, entries, (unsigned int)nentries);
		if (ret)
			die("park %s: %s", name, cprhold_strerror(CPRHOLD_OP_PARK, ret));
	}
	for (i = 0; i < nentries; i++)
		close(entries[i].fd);
	if (secret_out)
		write_secret(secret_out, secret, hex);
	if (open_only) {
		hold("ready");
		return 0;
	}
	ret = cprhold_seal(sfd);
	if (ret)
		die("seal %s: %s", name, cprhold_strerror(CPRHOLD_OP_SEAL, ret));
	return 0;
}

static int cmd_claim(int argc, char **argv)
{
	const char *name = argv[1], *secret_file = NULL, *then = "";
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	int ctl, sfd, i, ret = 0;

	if (argc < 2)
		die("claim: NAME missing");
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--secret-file") && i + 1 < argc)
			secret_file = argv[++i];
		else if (!strcmp(argv[i], "--finish") || !strcmp(argv[i], "--abort") ||
			 !strcmp(argv[i], "--hold"))
			then = argv[i];
		else
			die("claim: bad argument '%s'", argv[i]);
	}
	if (!secret_file)
		die("claim: --secret-file missing");
	ret = cprhold_secret_read(secret_file, secret);
	if (ret)
		die("secret file %s: %s", secret_file,
		    secret_error(ret, secret_file, (char [128]){ 0 }, 128));
	ctl = cprhold_open(0);
	if (ctl < 0)
		die("open: %s", cprhold_strerror(CPRHOLD_OP_OPEN, ctl));
	sfd = cprhold_claim(ctl, name, secret, 0);
	if (sfd < 0)
		die("claim %s: %s", name, cprhold_strerror(CPRHOLD_OP_CLAIM, sfd));
	if (!strcmp(then, "--finish"))
		ret = cprhold_finish(sfd);
	else if (!strcmp(then, "--abort"))
		ret = cprhold_abort(sfd);
	else if (!strcmp(then, "--hold"))
		hold("claimed");
	if (ret)
		die("%s %s: %s", then + 2, name, cprhold_strerror(CPRHOLD_OP_FINISH, ret));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "create"))
		return cmd_create(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "claim"))
		return cmd_claim(argc - 1, argv + 1);
	fprintf(stderr, "usage: ch-helper create NAME [...] | claim NAME [...]\n"
		"(see the comment at the top of tests/ch-helper.c)\n");
	return 2;
}
