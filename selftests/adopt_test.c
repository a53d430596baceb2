// SPDX-License-Identifier: GPL-2.0
/*
 * adopt_test - CPRHOLD_RETRIEVE_ADOPT_KVM: a KVM VM created and run by one
 * process is adopted by another (in another container) which keeps
 * running it: same vCPU registers, guest memory shared, the MMU notifier
 * now watching the adopter's page tables.  Every precondition failure has
 * its errno and leaves the VM as it was.
 *
 * The guest is 16-bit real mode code at guest physical 0:
 *
 *	loop:	mov al, [0x1000]	; A0 00 10	read the "mailbox" byte
 *		out 0x10, al		; E6 10		exit to the VMM with it
 *		inc word [0x2000]	; FF 06 00 20	count iterations
 *		jmp loop		; EB F5
 */
#include <glob.h>
#include <linux/falloc.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/ch.h"
#include "lib/container.h"
#include "lib/harness.h"
#include "lib/util.h"

#define GUEST_HVA	((void *)0x300000000000ul)	/* same in every process */
#define GUEST_SIZE	(1ul << 20)
#define MAILBOX		0x1000
#define COUNTER		0x2000	/* another page than the mailbox */
#define IO_PORT		0x10

static const unsigned char guest_code[] = {
	0xa0, 0x00, 0x10,		/* mov al, [0x1000] */
	0xe6, IO_PORT,			/* out 0x10, al */
	0xff, 0x06, 0x00, 0x20,		/* inc word [0x2000] */
	0xeb, 0xf5,			/* jmp loop */
};

enum { TOK_VM = 1, TOK_RAM = 2, TOK_VCPU0 = 10 };

/* What the creator tells the adopter. */
struct shared {
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	struct kvm_regs regs;		/* vCPU 0 when parked */
	uint16_t counter;
	int mmap_size;
	int result[8];
	int err;
};

static struct shared *sh;

struct vm {
	int vm, vcpu[2], ram;
	unsigned int nr_vcpus;
	unsigned char *mem;
	struct kvm_run *run[2];
};

/* KVM_GET_VCPU_MMAP_SIZE is a /dev/kvm ioctl: the creator passes it on. */
static int vcpu_mmap_size;

static int vcpu_map_run(struct vm *v, int kvm, unsigned int i)
{
	int size = kvm >= 0 ? ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0) : vcpu_mmap_size;

	if (size <= 0)
		return -1;
	v->run[i] = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu[i], 0);
	return v->run[i] == MAP_FAILED ? -1 : 0;
}

static int vcpu_setup(struct vm *v, unsigned int i)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };

	if (ioctl(v->vcpu[i], KVM_GET_SREGS, &sregs))
		return -1;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds.base = 0;
	sregs.ds.selector = 0;
	if (ioctl(v->vcpu[i], KVM_SET_SREGS, &sregs))
		return -1;
	return ioctl(v->vcpu[i], KVM_SET_REGS, &regs);
}

/* A VM with guest RAM in a memfd mapped at GUEST_HVA, and @n vCPUs. */
static int vm_create(struct vm *v, unsigned int n)
{
	struct kvm_userspace_memory_region r = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_SIZE,
		.userspace_addr = (uintptr_t)GUEST_HVA,
	};
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	unsigned int i;

	if (kvm < 0)
		return -1;
	memset(v, 0, sizeof(*v));
	v->vm = ioctl(kvm, KVM_CREATE_VM, 0);
	v->ram = memfd_create("guest-ram", MFD_CLOEXEC);
	if (v->vm < 0 || v->ram < 0 || ftruncate(v->ram, GUEST_SIZE))
		return -1;
	v->mem = mmap(GUEST_HVA, GUEST_SIZE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_FIXED_NOREPLACE, v->ram, 0);
	if (v->mem != GUEST_HVA)
		return -1;
	memcpy(v->mem, guest_code, sizeof(guest_code));
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &r))
		return -1;
	v->nr_vcpus = n;
	sh->mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	for (i = 0; i < n; i++) {
		v->vcpu[i] = ioctl(v->vm, KVM_CREATE_VCPU, i);
		if (v->vcpu[i] < 0 || vcpu_map_run(v, kvm, i) || vcpu_setup(v, i))
			return -1;
	}
	close(kvm);
	return 0;
}

/* Run vCPU @i to its next IO exit; the byte the guest read, or -1. */
static int vm_step(struct vm *v, unsigned int i)
{
	if (ioctl(v->vcpu[i], KVM_RUN, 0))
		return -1;
	if (v->run[i]->exit_reason != KVM_EXIT_IO || v->run[i]->io.port != IO_PORT)
		return -2;
	return *((unsigned char *)v->run[i] + v->run[i]->io.data_offset);
}

static uint16_t guest_counter(struct vm *v)
{
	uint16_t c;

	memcpy(&c, v->mem + COUNTER, sizeof(c));
	return c;
}


/*
 * How the creator seals.  CR_RELEASE: it lets go of the VM first (closes
 * its VM and vCPU fds, unmaps the kvm_run areas); with @keep it then
 * stays, its mm alive, until told to quit.  CR_PREPARE: it seals with
 * CPRHOLD_SEAL_PREPARE_ADOPT.  CR_SELF: then claims its own session and
 * adopts the VM back into its own mm, runs it, and checks the MMU
 * notifier watches that mm again.  Set before spawn_creator() (the
 * creator is a fork).
 */
#define CR_RELEASE	(1u << 0)
#define CR_PREPARE	(1u << 1)
#define CR_SELF		(1u << 2)
static unsigned int creator_mode;

static void vm_release(struct vm *v)
{
	unsigned int i;

	for (i = 0; i < v->nr_vcpus; i++) {
		munmap(v->run[i], sh->mmap_size);
		close(v->vcpu[i]);
	}
	close(v->vm);
}

static int self_adopt(unsigned int n);

/*
 * Creator: a VM with @n vCPUs that ran a few steps; parks the VM, the
 * first @park_vcpus vCPUs and the RAM (with its address), seals.  With
 * @keep, it keeps its own fds (and stays alive); otherwise it exits.
 */
static int creator(unsigned int n, unsigned int park_vcpus, bool keep, int ready_fd)
{
	struct cprhold_entry e[4];
	int ctl = ch_open(), sfd, i, k = 0;
	struct vm v;

	if (ctl < 0 || vm_create(&v, n))
		return 10;
	v.mem[MAILBOX] = 0x5a;
	for (i = 0; i < 3; i++)
		if (vm_step(&v, 0) != 0x5a)
			return 11;
	if (ioctl(v.vcpu[0], KVM_GET_REGS, &sh->regs))
		return 12;
	sh->counter = guest_counter(&v);
	sfd = ch_create(ctl, sh->name, sh->secret);
	if (sfd < 0)
		return 13;
	ch_entry(&e[k++], v.vm, TOK_VM, "vm");
	ch_entry(&e[k], v.ram, TOK_RAM, "ram0");
	e[k].flags = CPRHOLD_ENTRY_ADDR;
	e[k++].addr = (uintptr_t)GUEST_HVA;
	for (i = 0; i < (int)park_vcpus; i++)
		ch_entry(&e[k++], v.vcpu[i], TOK_VCPU0 + i, "vcpu");
	if (ch_park(sfd, e, k))
		return 14;
	if (creator_mode & CR_RELEASE)
		vm_release(&v);
	if (ch_op_ex(sfd, CPRHOLD_SEAL, creator_mode & CR_PREPARE ? CPRHOLD_SEAL_PREPARE_ADOPT : 0))
		return 14;
	if (creator_mode & CR_SELF)
		return self_adopt(n);
	if (!keep)
		return 0;
	if (creator_mode & CR_RELEASE) {
		/* Let go of the VM, but stay (alive mm) until told to quit. */
		char c;

		if (write(ready_fd, "r", 1) != 1 || read(ready_fd, &c, 1) != 1)
			return 16;
		return 0;
	}
	/* The old owner stays, and can still run its VM. */
	if (write(ready_fd, "r", 1) != 1)
		return 15;
	for (;;) {
		char c;

		if (read(ready_fd, &c, 1) != 1)
			return 16;
		if (c == 'q')
			return 0;
		sh->result[0] = vm_step(&v, 0);
		if (write(ready_fd, "s", 1) != 1)
			return 17;
	}
}

/* Adopter: claim, map the RAM at the recorded address, retrieve + adopt. */
static int adopt_into_self(int nr_vcpus, struct vm *v, int *cfd_out)
{
	uint64_t tokens[4] = { TOK_VM, TOK_RAM, TOK_VCPU0, TOK_VCPU0 + 1 };
	int ctl = ch_open(), cfd, fds[4];
	unsigned int i;

	memset(v, 0, sizeof(*v));
	cfd = ch_claim(ctl, sh->name, sh->secret);
	if (cfd < 0)
		return sh->err = -errno;
	if (ch_retrieve(cfd, &tokens[1], &fds[1], 1))
		return sh->err = -errno;
	v->mem = mmap(GUEST_HVA, GUEST_SIZE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_FIXED_NOREPLACE, fds[1], 0);
	if (v->mem != GUEST_HVA)
		return sh->err = -EADDRINUSE;
	if (ch_retrieve_ex(cfd, tokens, fds, 2 + nr_vcpus, CPRHOLD_RETRIEVE_ADOPT_KVM)) {
		int err = -errno;

		munmap(v->mem, GUEST_SIZE);
		ch_abort(cfd);
		close(cfd);
		return sh->err = err;
	}
	v->vm = fds[0];
	v->ram = fds[1];
	v->nr_vcpus = nr_vcpus;
	vcpu_mmap_size = sh->mmap_size;
	for (i = 0; i < (unsigned int)nr_vcpus; i++) {
		v->vcpu[i] = fds[2 + i];
		if (vcpu_map_run(v, -1, i))
			return sh->err = -ENOMEM;
	}
	*cfd_out = cfd;
	return 0;
}

/*
 * A successor's whole job, in a forked child: adopt the VM with vCPU 0,
 * step the guest once with @byte in its mailbox, finish the session.  The
 * child's exit status: 0, @base (adoption failed), @base + 1 (the guest
 * did not answer) or @base + 2 (finish failed).
 */
static int adopt_step_finish(unsigned char byte, int base)
{
	struct vm v;
	int cfd;

	if (adopt_into_self(1, &v, &cfd))
		return base;
	v.mem[MAILBOX] = byte;
	if (vm_step(&v, 0) != byte)
		return base + 1;
	return ch_finish(cfd) ? base + 2 : 0;
}

/* Punch the mailbox page out: the guest must see the hole, then a new value. */
static int punch_and_step(struct vm *v)
{
	if (fallocate(v->ram, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, MAILBOX & ~4095ul,
		      4096))
		return -1;
	if (vm_step(v, 0) != 0)
		return -2;
	v->mem[MAILBOX] = 0x33;
	return vm_step(v, 0) == 0x33 ? 0 : -3;
}

/*
 * CR_SELF: the creator claims its own session and adopts its VM back,
 * into the mm it was created in (guest memory is still mapped here).
 */
static int self_adopt(unsigned int n)
{
	uint64_t tokens[3] = { TOK_VM, TOK_VCPU0, TOK_VCPU0 + 1 }, ram_token = TOK_RAM;
	int ctl = ch_open(), cfd, fds[3];
	unsigned int i;
	struct vm v;

	memset(&v, 0, sizeof(v));
	cfd = ch_claim(ctl, sh->name, sh->secret);
	if (cfd < 0)
		return 80;
	if (ch_retrieve_ex(cfd, tokens, fds, 1 + n, CPRHOLD_RETRIEVE_ADOPT_KVM)) {
		sh->err = -errno;
		return 81;
	}
	if (ch_retrieve(cfd, &ram_token, &v.ram, 1))
		return 82;
	v.vm = fds[0];
	v.mem = GUEST_HVA;
	v.nr_vcpus = n;
	vcpu_mmap_size = sh->mmap_size;
	for (i = 0; i < n; i++) {
		v.vcpu[i] = fds[1 + i];
		if (vcpu_map_run(&v, -1, i))
			return 83;
	}
	v.mem[MAILBOX] = 0x66;
	if (vm_step(&v, 0) != 0x66)
		return 84;
	/* Watched again: a page punched out under the guest shows. */
	if (punch_and_step(&v))
		return 85;
	return ch_finish(cfd) ? 86 : 0;
}

/* In a container: adopt, check the guest goes on where it was. */
static int ct_adopter(void *arg)
{
	struct kvm_regs regs;
	struct vm v;
	int cfd, ret, i;

	(void)arg;
	ret = adopt_into_self(1, &v, &cfd);
	if (ret) {
		sh->err = ret;
		return 20;
	}
	/* Registers exactly as the old owner left them. */
	if (ioctl(v.vcpu[0], KVM_GET_REGS, &regs))
		return 21;
	if (regs.rip != sh->regs.rip || regs.rax != sh->regs.rax ||
	    regs.rflags != sh->regs.rflags)
		return 22;
	if (guest_counter(&v) != sh->counter)
		return 23;
	/* The guest reads what the adopter writes, and keeps counting. */
	v.mem[MAILBOX] = 0x77;
	for (i = 0; i < 5; i++)
		if (vm_step(&v, 0) != 0x77)
			return 24;
	if (guest_counter(&v) < sh->counter + 5)
		return 25;
	/*
	 * The notifier watches our mm: punch the page out from under the
	 * guest; it must see the hole (zero), then a new value.  A stale
	 * mapping from before would keep showing 0x77.
	 */
	if (punch_and_step(&v))
		return 26;
	/* Memslot changes return (no invalidation counter left raised). */
	{
		struct kvm_userspace_memory_region r = {
			.slot = 0, .flags = KVM_MEM_LOG_DIRTY_PAGES, .memory_size = GUEST_SIZE,
			.userspace_addr = (uintptr_t)GUEST_HVA,
		};

		if (ioctl(v.vm, KVM_SET_USER_MEMORY_REGION, &r))
			return 29;
	}
	sh->counter = guest_counter(&v);
	if (ioctl(v.vcpu[0], KVM_GET_REGS, &sh->regs))
		return 30;
	return ch_finish(cfd) ? 31 : 0;
}

FIXTURE(adopt) {
	gid_t kvm_gid;
	int ctl;
};

FIXTURE_SETUP(adopt)
{
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	ch_name(sh->name, sizeof(sh->name), "adopt");
	ASSERT_EQ(0, ct_prepare_device(&self->kvm_gid));
	self->ctl = ch_open();
	ASSERT_GE(self->ctl, 0);
}

FIXTURE_TEARDOWN(adopt)
{
	if (sh->err)
		TH_LOG("adoption error: %s", strerror(-sh->err));
	ch_destroy(self->ctl, sh->name);
	close(self->ctl);
}

static pid_t spawn_creator(unsigned int n, unsigned int park, bool keep, int *sock)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(creator(n, park, keep, sv[1]));
	}
	close(sv[1]);
	*sock = sv[0];
	return pid;
}

static int wait_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

TEST_F(adopt, across_containers)
{
	struct ct_opts b = { .host_uid = 100000, .host_gid = self->kvm_gid,
			     .hostname = "adopter", .userns_fd = -1 };
	uint64_t rip_before;
	int sock;
	pid_t pid;

	pid = spawn_creator(1, 1, false, &sock);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, wait_status(pid));
	close(sock);
	rip_before = sh->regs.rip;
	ASSERT_EQ(0, ct_run(&b, ct_adopter, NULL));
	EXPECT_EQ(rip_before, sh->regs.rip);	/* the same IO exit point */
	/* 2 counted by the creator, 5 + 2 by the adopter */
	EXPECT_GE(sh->counter, 2 + 5 + 2);
}

TEST_F(adopt, repeated_handovers)
{
	struct ct_opts c = { .host_uid = 100000, .host_gid = self->kvm_gid, .userns_fd = -1 };
	uint16_t last;
	int sock, round, st;
	pid_t pid;

	pid = spawn_creator(1, 1, false, &sock);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, wait_status(pid));
	close(sock);
	last = sh->counter;
	/* Five successors, each adopting from the one before. */
	for (round = 0; round < 5; round++) {
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			struct vm v;
			int cfd, i;

			/* Adopt, run, hand on: abort so the next one can claim. */
			if (adopt_into_self(1, &v, &cfd))
				_exit(40);
			v.mem[MAILBOX] = (unsigned char)(0x10 + round);
			for (i = 0; i < 3; i++)
				if (vm_step(&v, 0) != 0x10 + round)
					_exit(41);
			sh->counter = guest_counter(&v);
			if (ioctl(v.vcpu[0], KVM_GET_REGS, &sh->regs))
				_exit(43);
			_exit(ch_abort(cfd) ? 42 : 0);
		}
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		ASSERT_EQ(0, WEXITSTATUS(st));
		EXPECT_GE(sh->counter, last + 3);
		last = sh->counter;
	}
	/* A last one in a container finishes. */
	ASSERT_EQ(0, ct_run(&c, ct_adopter, NULL));
}

TEST_F(adopt, unmapped_memory_enxio_then_retry)
{
	uint64_t tokens[3] = { TOK_VM, TOK_VCPU0, TOK_RAM };
	int sock, cfd, fds[3];
	struct vm v;
	pid_t pid;

	pid = spawn_creator(1, 1, false, &sock);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, wait_status(pid));
	close(sock);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int ctl = ch_open();

		cfd = ch_claim(ctl, sh->name, sh->secret);
		/* Guest memory not mapped here: refused, nothing installed. */
		if (cfd < 0 || ch_retrieve_ex(cfd, tokens, fds, 2, CPRHOLD_RETRIEVE_ADOPT_KVM) != -1 ||
		    errno != ENXIO)
			_exit(50);
		/* Mapped privately (a copy, not the memfd): refused too. */
		if (mmap(GUEST_HVA, GUEST_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != GUEST_HVA)
			_exit(51);
		if (ch_retrieve_ex(cfd, tokens, fds, 2, CPRHOLD_RETRIEVE_ADOPT_KVM) != -1 ||
		    errno != ENXIO)
			_exit(52);
		_exit(ch_abort(cfd) ? 53 : 0);
	}
	ASSERT_EQ(0, wait_status(pid));
	/* The VM is intact: a correct successor adopts it and goes on. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (adopt_into_self(1, &v, &cfd))
			_exit(60);
		v.mem[MAILBOX] = 0x42;
		_exit(vm_step(&v, 0) == 0x42 && guest_counter(&v) == sh->counter + 1 ? 0 : 61);
	}
	ASSERT_EQ(0, wait_status(pid));
}

TEST_F(adopt, vcpu_not_parked_enoent_owner_keeps_vm)
{
	int sock;
	char c;
	pid_t pid;

	/* Two vCPUs, only vCPU 0 parked; the owner stays with its fds. */
	pid = spawn_creator(2, 1, true, &sock);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(1, read(sock, &c, 1));
	sh->err = 0;
	{
		pid_t b = fork();

		ASSERT_GE(b, 0);
		if (b == 0) {
			struct vm v;
			int cfd;

			_exit(adopt_into_self(1, &v, &cfd) == -ENOENT ? 0 : 70);
		}
		ASSERT_EQ(0, wait_status(b));
	}
	/* The owner's VM still runs for it. */
	ASSERT_EQ(1, write(sock, "s", 1));
	ASSERT_EQ(1, read(sock, &c, 1));
	EXPECT_EQ(0x5a, sh->result[0]);
	ASSERT_EQ(1, write(sock, "q", 1));
	ASSERT_EQ(0, wait_status(pid));
	close(sock);
}

TEST_F(adopt, owner_still_holding_ebusy)
{
	int sock;
	char c;
	pid_t pid, b;

	/* Everything parked, but the owner is alive with its own fds. */
	pid = spawn_creator(1, 1, true, &sock);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(1, read(sock, &c, 1));
	b = fork();
	ASSERT_GE(b, 0);
	if (b == 0) {
		struct vm v;
		int cfd;

		_exit(adopt_into_self(1, &v, &cfd) == -EBUSY ? 0 : 80);
	}
	ASSERT_EQ(0, wait_status(b));
	ASSERT_EQ(1, write(sock, "s", 1));
	ASSERT_EQ(1, read(sock, &c, 1));
	EXPECT_EQ(0x5a, sh->result[0]);
	ASSERT_EQ(1, write(sock, "q", 1));
	ASSERT_EQ(0, wait_status(pid));
	close(sock);
}

TEST_F(adopt, flag_without_vm_einval)
{
	uint64_t token = TOK_RAM;
	int sock, fd;
	pid_t pid;

	pid = spawn_creator(1, 1, false, &sock);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, wait_status(pid));
	close(sock);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int ctl = ch_open(), cfd = ch_claim(ctl, sh->name, sh->secret);

		if (cfd < 0)
			_exit(90);
		errno = 0;
		if (ch_retrieve_ex(cfd, &token, &fd, 1, CPRHOLD_RETRIEVE_ADOPT_KVM) != -1 ||
		    errno != EINVAL)
			_exit(91);
		_exit(0);
	}
	ASSERT_EQ(0, wait_status(pid));
}

/*
 * A creator that parks its VM under two tokens (and its vCPU under two),
 * then lets go of its own fds but stays alive: the session's two
 * references are its own, so adoption must not count them as the old
 * owner's.
 */
static int creator_twice(int ready_fd)
{
	struct cprhold_entry e[5];
	int ctl = ch_open(), sfd;
	char c;
	struct vm v;

	if (ctl < 0 || vm_create(&v, 1))
		return 10;
	v.mem[MAILBOX] = 0x5a;
	if (vm_step(&v, 0) != 0x5a)
		return 11;
	sfd = ch_create(ctl, sh->name, sh->secret);
	if (sfd < 0)
		return 13;
	ch_entry(&e[0], v.vm, TOK_VM, "vm");
	ch_entry(&e[1], v.vm, TOK_VM + 100, "vm-again");
	ch_entry(&e[2], v.ram, TOK_RAM, "ram0");
	e[2].flags = CPRHOLD_ENTRY_ADDR;
	e[2].addr = (uintptr_t)GUEST_HVA;
	ch_entry(&e[3], v.vcpu[0], TOK_VCPU0, "vcpu");
	ch_entry(&e[4], v.vcpu[0], TOK_VCPU0 + 100, "vcpu-again");
	if (ch_park(sfd, e, 5) || ch_seal(sfd))
		return 14;
	munmap(v.run[0], sh->mmap_size);
	close(v.vcpu[0]);
	close(v.vm);
	if (write(ready_fd, "r", 1) != 1)
		return 15;
	return read(ready_fd, &c, 1) == 1 ? 0 : 16;
}

TEST_F(adopt, vm_parked_under_two_tokens_adopts)
{
	int sv[2];
	pid_t pid, b;
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		_exit(creator_twice(sv[1]));
	}
	close(sv[1]);
	ASSERT_EQ(1, read(sv[0], &c, 1));
	/* The old owner lives, but holds none of the files any more. */
	b = fork();
	ASSERT_GE(b, 0);
	if (b == 0)
		_exit(adopt_step_finish(0x66, 80));
	EXPECT_EQ(0, wait_status(b));
	ASSERT_EQ(1, write(sv[0], "q", 1));
	ASSERT_EQ(0, wait_status(pid));
	close(sv[0]);
}

/*
 * One VM parked in two sessions by an owner that is gone: two claimers
 * adopt at once, one through each session.  Exactly one wins; the other
 * finds the VM owned by a live mm and gets EBUSY.  (Before kvm->mm was
 * read under kvm->lock, both moved the notifier off the dead mm: a
 * general protection fault in mmu_notifier_unregister.)
 */
static int creator_two_sessions(const char *name2, uint8_t *secret2)
{
	struct cprhold_entry e[3];
	int ctl = ch_open(), s1, s2;
	struct vm v;

	if (ctl < 0 || vm_create(&v, 1))
		return 10;
	s1 = ch_create(ctl, sh->name, sh->secret);
	s2 = ch_create(ctl, name2, secret2);
	if (s1 < 0 || s2 < 0)
		return 13;
	ch_entry(&e[0], v.vm, TOK_VM, "vm");
	ch_entry(&e[1], v.ram, TOK_RAM, "ram0");
	e[1].flags = CPRHOLD_ENTRY_ADDR;
	e[1].addr = (uintptr_t)GUEST_HVA;
	ch_entry(&e[2], v.vcpu[0], TOK_VCPU0, "vcpu");
	if (ch_park(s1, e, 3) || ch_seal(s1) || ch_park(s2, e, 3) || ch_seal(s2))
		return 14;
	return 0;
}

TEST_F(adopt, two_sessions_one_vm_concurrent_adopters)
{
	struct shared *sh2;
	int go[2], round, wins = 0, busy = 0;
	pid_t pid, a[2];

	sh2 = mmap(NULL, sizeof(*sh2), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh2);
	for (round = 0; round < 8; round++) {
		struct shared *mine[2] = { sh, sh2 };
		int i, st;
		char c = 'g';

		ch_destroy(self->ctl, sh->name);
		ch_destroy(self->ctl, sh2->name);
		ch_name(sh->name, sizeof(sh->name), "adopt2a");
		ch_name(sh2->name, sizeof(sh2->name), "adopt2b");
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0)
			_exit(creator_two_sessions(sh2->name, sh2->secret));
		ASSERT_EQ(0, wait_status(pid));	/* the old mm is gone */
		sh2->mmap_size = sh->mmap_size;
		ASSERT_EQ(0, pipe(go));
		for (i = 0; i < 2; i++) {
			a[i] = fork();
			ASSERT_GE(a[i], 0);
			if (a[i] == 0) {
				struct vm v;
				int cfd, ret;

				close(go[1]);
				sh = mine[i];
				if (read(go[0], &c, 1) != 0)
					_exit(70);
				ret = adopt_into_self(1, &v, &cfd);
				if (ret == -EBUSY)
					_exit(1);
				if (ret)
					_exit(71);
				/* Hold the VM until the other adopter is done. */
				usleep(200000);
				_exit(ch_finish(cfd) ? 72 : 0);
			}
		}
		close(go[0]);
		close(go[1]);	/* both go */
		for (i = 0; i < 2; i++) {
			st = wait_status(a[i]);
			if (st == 0)
				wins++;
			else if (st == 1)
				busy++;
			else
				TH_LOG("round %d adopter %d: status %d (%s)", round, i, st,
				       strerror(-mine[i]->err));
		}
		ASSERT_EQ(wins + busy, 2 * (round + 1));
		ASSERT_EQ(round + 1, wins);
		ch_destroy(self->ctl, sh2->name);
	}
	munmap(sh2, sizeof(*sh2));
}

/*
 * More vCPUs than lockdep follows per task (MAX_LOCK_DEPTH 48): adoption
 * holds every vCPU mutex; the debug kernel's lockdep reports "BUG:
 * MAX_LOCK_DEPTH too low!" if all of them count.
 */
#define MANY_VCPUS 64

static int creator_many(void)
{
	struct cprhold_entry *e = calloc(MANY_VCPUS + 1, sizeof(*e));
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), ctl = ch_open(), vm, sfd, i;

	if (!e || kvm < 0 || ctl < 0)
		return 10;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return 11;
	ch_entry(&e[0], vm, TOK_VM, "vm");
	for (i = 0; i < MANY_VCPUS; i++) {
		int fd = ioctl(vm, KVM_CREATE_VCPU, i);

		if (fd < 0)
			return 12;
		ch_entry(&e[1 + i], fd, TOK_VCPU0 + i, "vcpu");
	}
	sfd = ch_create(ctl, sh->name, sh->secret);
	if (sfd < 0 || ch_park(sfd, e, MANY_VCPUS + 1) || ch_seal(sfd))
		return 13;
	return 0;
}

/* creator_many() in a child that exits: its status (0: parked and sealed) */
static int park_many(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(creator_many());
	return pid < 0 ? -1 : wait_status(pid);
}

/* The tokens of creator_many()'s VM and its vCPUs, in that order */
static void many_tokens(uint64_t *tokens)
{
	int i;

	tokens[0] = TOK_VM;
	for (i = 0; i < MANY_VCPUS; i++)
		tokens[1 + i] = TOK_VCPU0 + i;
}

TEST_F_TIMEOUT(adopt, many_vcpus, 300)
{
	pid_t pid;

	ASSERT_EQ(0, park_many());
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		uint64_t tokens[MANY_VCPUS + 1];
		int fds[MANY_VCPUS + 1], ctl = ch_open(), cfd;

		cfd = ch_claim(ctl, sh->name, sh->secret);
		if (cfd < 0)
			_exit(90);
		many_tokens(tokens);
		if (ch_retrieve_ex(cfd, tokens, fds, MANY_VCPUS + 1, CPRHOLD_RETRIEVE_ADOPT_KVM))
			_exit(91);
		/* The VM is ours: a VM ioctl works from this mm. */
		if (ioctl(fds[0], KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS) <= 0)
			_exit(92);
		_exit(ch_finish(cfd) ? 93 : 0);
	}
	ASSERT_EQ(0, wait_status(pid));
}

/*
 * An adoption holds its session's lock while KVM takes every vCPU mutex
 * and waits for an SRCU grace period.  Everybody else's LIST_SESSIONS,
 * CREATE and DESTROY must not queue behind it: listings read each session
 * under its info_lock only.  The adopter runs on CPU 0; a lister on CPU 1
 * lists every session (the adopting one among them), creates and drops a
 * session of its own, and counts the rounds that complete in the middle
 * half of the adoption ioctl, against how many its own pace allows there.
 * When LIST_SESSIONS took the session lock, none could.
 */
#define STALL_ROUNDS	4096
#define STALL_TRIES	6

struct stall {
	volatile int adopting;		/* 1: the adopter is about to start */
	volatile int adopted;		/* 1: its ioctl returned; 2: it failed */
	uint64_t t0, t1;		/* the adoption ioctl, CLOCK_MONOTONIC ns */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static int stall_adopter(struct stall *st)
{
	uint64_t tokens[MANY_VCPUS + 1];
	int fds[MANY_VCPUS + 1], ctl = ch_open(), cfd, ret;

	if (pin_to(0))
		return 89;
	cfd = ch_claim(ctl, sh->name, sh->secret);
	if (cfd < 0)
		return 90;
	many_tokens(tokens);
	st->adopting = 1;
	usleep(2000);			/* the lister is in its loop */
	st->t0 = mono_ns();
	ret = ch_retrieve_ex(cfd, tokens, fds, MANY_VCPUS + 1, CPRHOLD_RETRIEVE_ADOPT_KVM);
	st->t1 = mono_ns();
	st->adopted = ret ? 2 : 1;
	if (ret)
		return 91;
	return ch_finish(cfd) ? 92 : 0;
}

TEST_F_TIMEOUT(adopt, adoption_does_not_stall_listings, 300)
{
	struct stall *st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct cprhold_session_info infos[64];
	uint64_t *done = calloc(STALL_ROUNDS, sizeof(*done));
	unsigned int n, i, in_mid, try, seen = 0;
	double room = 0;		/* rounds the lister's pace fits */
	char scratch[CPRHOLD_NAME_MAX];
	uint64_t w, lo, hi, pace;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, (void *)st);
	ASSERT_NE(NULL, done);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	ASSERT_EQ(0, pin_to(1));

	for (try = 0; try < STALL_TRIES; try++) {
		memset(st, 0, sizeof(*st));
		ch_name(sh->name, sizeof(sh->name), "stall");
		ASSERT_EQ(0, park_many());
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0)
			_exit(stall_adopter(st));
		while (!st->adopting)
			usleep(100);
		for (n = 0; !st->adopted && n < STALL_ROUNDS; n++) {
			struct cprhold_list_sessions ls = {
				.size = sizeof(ls), .count = 64,
				.info_size = sizeof(infos[0]),
				.sessions = (uintptr_t)infos,
			};
			int sfd;

			ASSERT_EQ(0, ioctl(self->ctl, CPRHOLD_LIST_SESSIONS, &ls));
			ch_name(scratch, sizeof(scratch), "other");
			sfd = ch_create(self->ctl, scratch, NULL);
			ASSERT_GE(sfd, 0);
			close(sfd);		/* an OPEN session ends with it */
			done[n] = mono_ns();
		}
		ASSERT_EQ(0, wait_status(pid));
		ASSERT_EQ(1, st->adopted);
		ch_destroy(self->ctl, sh->name);
		/* The middle half: the session lock is held all through it. */
		w = st->t1 - st->t0;
		lo = st->t0 + w / 4;
		hi = st->t1 - w / 4;
		for (in_mid = 0, i = 0; i < n; i++)
			in_mid += done[i] > lo && done[i] < hi;
		/* The lister's pace before the adoption started. */
		for (i = 0; i < n && done[i] < st->t0; i++)
			;
		pace = i > 1 ? (done[i - 1] - done[0]) / (i - 1) : 0;
		if (pace)
			room += (double)(hi - lo) / pace;
		seen += in_mid;
		TH_LOG("try %u: adoption %llu us, a round %llu us; %u rounds "
		       "completed in its middle half", try,
		       (unsigned long long)(w / 1000), (unsigned long long)(pace / 1000),
		       in_mid);
	}
	TH_LOG("%u rounds completed inside adoptions, %.1f would fit", seen, room);
	if (room < 6)
		SKIP(goto out, "adoptions too short against a round: %.1f rounds fit", room);
	/* Tolerate a lister preempted for part of the time, not a blocked one. */
	EXPECT_GE(seen, (unsigned int)(room / 4));
	EXPECT_GE(seen, 2);
out:
	free(done);
	munmap(st, sizeof(*st));
}

/* /sys/module/NAME/refcnt, or -1 */
static long module_refcnt(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* A retrieve with the adopt flag that fails early keeps no module reference. */
TEST_F(adopt, adopt_flag_efault_keeps_no_module_ref)
{
	long ref0;
	int sock, fd, i;
	pid_t pid;

	ASSERT_EQ(0, system("modprobe cprhold_kvm"));
	ref0 = module_refcnt("cprhold_kvm");
	ASSERT_GE(ref0, 0);
	pid = spawn_creator(1, 1, false, &sock);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, wait_status(pid));
	close(sock);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int ctl = ch_open(), cfd = ch_claim(ctl, sh->name, sh->secret);

		if (cfd < 0)
			_exit(90);
		for (i = 0; i < 3; i++) {
			errno = 0;
			if (ch_retrieve_ex(cfd, (const uint64_t *)8, &fd, 1,
					   CPRHOLD_RETRIEVE_ADOPT_KVM) != -1 || errno != EFAULT)
				_exit(91);
		}
		_exit(0);
	}
	ASSERT_EQ(0, wait_status(pid));
	EXPECT_EQ(ref0, module_refcnt("cprhold_kvm"));
}

TEST_F(adopt, everything_freed_after_close)
{
	long objs = ch_sysfs("session_objects"), entries = ch_sysfs("entries");
	long shmem = meminfo_kb("Shmem");
	int sock, i;
	pid_t pid;

	pid = spawn_creator(1, 1, false, &sock);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, wait_status(pid));
	close(sock);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)	/* then exits: all closed */
		_exit(adopt_step_finish(1, 100));
	ASSERT_EQ(0, wait_status(pid));
	for (i = 0; i < 250 && (ch_sysfs("session_objects") != objs ||
				meminfo_kb("Shmem") > shmem + 512); i++)
		usleep(20000);
	EXPECT_EQ(objs, ch_sysfs("session_objects"));
	EXPECT_EQ(entries, ch_sysfs("entries"));
	EXPECT_LT(meminfo_kb("Shmem"), shmem + 512);
}

/*
 * The thread that ran vCPU 0, as KVM's debugfs shows it ("pid" of the VM
 * created by @creator): -1 if there is no such file.
 */
static long vcpu0_thread(pid_t creator)
{
	char pattern[64];
	long val = -1;
	glob_t g;
	FILE *f;

	snprintf(pattern, sizeof(pattern), "/sys/kernel/debug/kvm/%d-*/vcpu0/pid", (int)creator);
	if (glob(pattern, 0, NULL, &g))
		return -1;
	f = g.gl_pathc == 1 ? fopen(g.gl_pathv[0], "r") : NULL;
	if (f && fscanf(f, "%ld", &val) != 1)
		val = -1;
	if (f)
		fclose(f);
	globfree(&g);
	return val;
}

/*
 * KVM_RUN from a new thread waits for an RCU grace period before it drops
 * the old thread's pid, unless the vCPU has none: adoption forgets the old
 * owner's threads, so the adopter's first KVM_RUN does not wait inside
 * the guest's pause.
 */
TEST_F(adopt, forgets_the_old_vcpu_threads)
{
	int sock;
	pid_t pid, creator;

	if (access("/sys/kernel/debug/kvm", R_OK))
		SKIP(return, "no KVM debugfs");
	creator = spawn_creator(1, 1, false, &sock);
	ASSERT_GT(creator, 0);
	ASSERT_EQ(0, wait_status(creator));
	close(sock);
	/* The creator ran vCPU 0 (its only thread) */
	ASSERT_EQ(creator, vcpu0_thread(creator));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct vm v;
		int cfd;

		if (adopt_into_self(1, &v, &cfd))
			_exit(110);
		if (vcpu0_thread(creator) != 0)
			_exit(111);
		v.mem[MAILBOX] = 9;
		if (vm_step(&v, 0) != 9)
			_exit(112);
		if (vcpu0_thread(creator) != getpid())
			_exit(113);
		_exit(ch_finish(cfd) ? 114 : 0);
	}
	/* 111: the old owner's thread still recorded after the adoption */
	EXPECT_EQ(0, wait_status(pid));
}

/* ---- CPRHOLD_SEAL_PREPARE_ADOPT ------------------------------------------ */

/* The cprhold_kvm tracepoints, in a trace instance of the test's own. */
#define TRACE_INST "/sys/kernel/tracing/instances/adopt_test"

static int trace_start(void)
{
	static const char *const ev[] = {
		"cprhold_kvm_prepare", "cprhold_kvm_detach", "cprhold_kvm_adopt",
	};
	char path[160];
	unsigned int i;
	int fd;

	if (system("modprobe cprhold_kvm"))
		return -1;
	rmdir(TRACE_INST);
	if (mkdir(TRACE_INST, 0700))
		return -1;
	for (i = 0; i < ARRAY_SIZE(ev); i++) {
		snprintf(path, sizeof(path), TRACE_INST "/events/cprhold/%s/enable", ev[i]);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "1", 1) != 1)
			return -1;
		close(fd);
	}
	return 0;
}

/* How many lines of the trace so far contain @what. */
static int trace_count(const char *what)
{
	return count_lines_with(TRACE_INST "/trace", what);
}

static void trace_stop(void)
{
	rmdir(TRACE_INST);
}

/*
 * Sealed with CPRHOLD_SEAL_PREPARE_ADOPT by an old owner that let go of
 * the VM and lingers: the VM is detached at seal, in the background, and
 * a successor in another container adopts it (only registering the
 * notifier on its mm), runs it, and the notifier watches its mm.
 */
TEST_F(adopt, prepared_at_seal_across_containers)
{
	struct ct_opts b = { .host_uid = 100000, .host_gid = self->kvm_gid,
			     .hostname = "adopter", .userns_fd = -1 };
	int sock;
	char c;
	pid_t pid;

	ASSERT_EQ(0, trace_start());
	creator_mode = CR_RELEASE | CR_PREPARE;
	pid = spawn_creator(1, 1, true, &sock);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(1, read(sock, &c, 1));
	EXPECT_EQ(1, trace_count("cprhold_kvm_prepare: ret 0"));
	ASSERT_EQ(0, ct_run(&b, ct_adopter, NULL));
	EXPECT_EQ(1, trace_count("cprhold_kvm_detach: 1 vCPUs ret 0"));
	EXPECT_EQ(1, trace_count("ret 0: checks"));
	EXPECT_EQ(1, trace_count("prepared 1"));
	ASSERT_EQ(1, write(sock, "q", 1));
	EXPECT_EQ(0, wait_status(pid));
	close(sock);
	trace_stop();
}

/*
 * The old owner adopts its own prepared VM back: the adoption into the
 * same mm registers the notifier there again (a prepared VM must never
 * run unwatched, least of all in the mm that still maps its memory).
 */
TEST_F(adopt, prepared_adopted_back_by_its_creator)
{
	int sock;
	pid_t pid;

	ASSERT_EQ(0, trace_start());
	creator_mode = CR_RELEASE | CR_PREPARE | CR_SELF;
	pid = spawn_creator(1, 1, false, &sock);
	ASSERT_GT(pid, 0);
	/* 85: the guest did not see the punched page: nothing watched the mm */
	EXPECT_EQ(0, wait_status(pid));
	close(sock);
	EXPECT_EQ(1, trace_count("cprhold_kvm_prepare: ret 0"));
	EXPECT_EQ(1, trace_count("prepared 1"));
	trace_stop();
}

/*
 * A creator that sealed as @mode says and let go of its VM, but stays;
 * @body runs in a forked process with a claim on its session (the
 * claimer's fd), and what it returns is that process's exit status (0:
 * passed).  Then the creator is told to quit.
 */
static void beside_creator(struct __test_metadata *_metadata, unsigned int mode,
			   int (*body)(int cfd))
{
	int sock;
	char c;
	pid_t pid, b;

	creator_mode = CR_RELEASE | mode;
	pid = spawn_creator(1, 1, true, &sock);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(1, read(sock, &c, 1));
	b = fork();
	ASSERT_GE(b, 0);
	if (b == 0) {
		int cfd = ch_claim(ch_open(), sh->name, sh->secret);

		_exit(cfd < 0 ? 120 : body(cfd));
	}
	EXPECT_EQ(0, wait_status(b));
	ASSERT_EQ(1, write(sock, "q", 1));
	EXPECT_EQ(0, wait_status(pid));
	close(sock);
}

/*
 * Until it is adopted, a prepared VM leaves the session only into an
 * adoption of it: its VM or vCPU files without CPRHOLD_RETRIEVE_ADOPT_KVM,
 * or a vCPU adopted without its VM, are EBUSY and install nothing; other
 * entries come out as usual.  After the adoption the rule is gone.
 */
static int leaves_only_into_its_adoption(int cfd)
{
	uint64_t vm_tok = TOK_VM, vcpu_tok = TOK_VCPU0, ram_tok = TOK_RAM;
	int fd = -1, n0 = count_open_fds();
	struct vm v;

	if (ch_retrieve(cfd, &vcpu_tok, &fd, 1) != -1 || errno != EBUSY)
		return 121;
	if (ch_retrieve(cfd, &vm_tok, &fd, 1) != -1 || errno != EBUSY)
		return 122;
	if (ch_retrieve_ex(cfd, &vcpu_tok, &fd, 1, CPRHOLD_RETRIEVE_ADOPT_KVM) != -1 ||
	    errno != EBUSY)
		return 123;
	if (count_open_fds() != n0)
		return 124;
	/* Guest memory is not the VM's: it comes out. */
	if (ch_retrieve(cfd, &ram_tok, &fd, 1))
		return 125;
	close(fd);
	/* The adoption itself, then anything goes. */
	if (ch_abort(cfd))
		return 126;
	if (adopt_into_self(1, &v, &cfd))
		return 127;
	v.mem[MAILBOX] = 0x21;
	if (vm_step(&v, 0) != 0x21)
		return 128;
	if (ch_retrieve(cfd, &vcpu_tok, &fd, 1))
		return 129;
	return ch_finish(cfd) ? 130 : 0;
}

TEST_F(adopt, prepared_vm_leaves_only_into_its_adoption)
{
	beside_creator(_metadata, CR_PREPARE, leaves_only_into_its_adoption);
}

/*
 * The same through token ranges (CPRHOLD_RETRIEVE_TOKEN_RANGE): a range
 * that holds the VM or its vCPU goes through the prepared VM's check and
 * through adoption as a token array does.
 */
static int adopted_through_token_ranges(int cfd)
{
	const uint32_t rsize = sizeof(struct cprhold_retrieve);
	int fds[2] = { -1, -1 }, n0 = count_open_fds();
	struct vm v;

	/* Tokens 1-2 are the VM and its memory, 10 the vCPU. */
	if (ch_retrieve_range(cfd, TOK_VCPU0, fds, 1) != -1 || errno != EBUSY)
		return 121;
	if (ch_retrieve_range(cfd, TOK_VM, fds, 2) != -1 || errno != EBUSY)
		return 122;
	if (ch_retrieve_range_ex(cfd, TOK_VCPU0, fds, 1, CPRHOLD_RETRIEVE_ADOPT_KVM,
				 rsize) != -1 || errno != EBUSY)
		return 123;
	if (count_open_fds() != n0)
		return 124;
	/* Guest memory alone comes out, to be mapped for the memslot. */
	if (ch_retrieve_range(cfd, TOK_RAM, &fds[1], 1))
		return 125;
	memset(&v, 0, sizeof(v));
	v.mem = mmap(GUEST_HVA, GUEST_SIZE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_FIXED_NOREPLACE, fds[1], 0);
	if (v.mem != GUEST_HVA)
		return 126;
	v.ram = fds[1];
	/* The VM and its memory, adopted: the vCPU follows the VM. */
	if (ch_retrieve_range_ex(cfd, TOK_VM, fds, 2, CPRHOLD_RETRIEVE_ADOPT_KVM, rsize))
		return 127;
	close(fds[1]);
	v.vm = fds[0];
	v.nr_vcpus = 1;
	vcpu_mmap_size = sh->mmap_size;
	if (ch_retrieve_range(cfd, TOK_VCPU0, &v.vcpu[0], 1))
		return 128;
	if (vcpu_map_run(&v, -1, 0))
		return 129;
	v.mem[MAILBOX] = 0x31;
	if (vm_step(&v, 0) != 0x31)
		return 130;
	/* Watched in this mm: a page punched out under the guest shows. */
	if (punch_and_step(&v))
		return 131;
	return ch_finish(cfd) ? 132 : 0;
}

TEST_F(adopt, prepared_vm_adopted_through_token_ranges)
{
	beside_creator(_metadata, CR_PREPARE, adopted_through_token_ranges);
}

/*
 * A prepared VM that is never adopted: when its session ends the VM is
 * destroyed (its debugfs directory goes), the session's reference on
 * cprhold_kvm is dropped, and the kernel stays quiet (kvm_destroy_vm()
 * finds the notifier's mm reference it expects).
 */
TEST_F(adopt, prepared_never_adopted_is_freed)
{
	char pattern[64];
	long ref0;
	int sock, i;
	glob_t g;
	char c;
	pid_t pid;

	ASSERT_EQ(0, trace_start());
	ref0 = module_refcnt("cprhold_kvm");
	ASSERT_GE(ref0, 0);
	creator_mode = CR_RELEASE | CR_PREPARE;
	pid = spawn_creator(1, 1, true, &sock);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(1, read(sock, &c, 1));
	EXPECT_EQ(ref0 + 1, module_refcnt("cprhold_kvm"));
	for (i = 0; i < 500 && trace_count("cprhold_kvm_detach") < 1; i++)
		usleep(2000);
	EXPECT_EQ(1, trace_count("cprhold_kvm_detach: 1 vCPUs ret 0"));
	snprintf(pattern, sizeof(pattern), "/sys/kernel/debug/kvm/%d-*", (int)pid);
	ASSERT_EQ(0, ch_destroy(self->ctl, sh->name));
	EXPECT_EQ(ref0, module_refcnt("cprhold_kvm"));
	if (!access("/sys/kernel/debug/kvm", R_OK)) {
		for (i = 0; i < 250 && !glob(pattern, 0, NULL, &g); i++) {
			globfree(&g);
			usleep(20000);
		}
		EXPECT_EQ(GLOB_NOMATCH, glob(pattern, 0, NULL, &g));
	}
	ASSERT_EQ(1, write(sock, "q", 1));
	EXPECT_EQ(0, wait_status(pid));
	close(sock);
	trace_stop();
}

/*
 * Best effort: an old owner that still holds its VM when it seals with
 * CPRHOLD_SEAL_PREPARE_ADOPT gets its seal, and its VM untouched (it
 * still runs it); the tracepoint says why (EBUSY).  Once it has exited,
 * a successor adopts the VM whole.
 */
TEST_F(adopt, prepare_is_best_effort)
{
	int sock;
	pid_t pid;
	char c;

	ASSERT_EQ(0, trace_start());
	creator_mode = CR_PREPARE;
	pid = spawn_creator(1, 1, true, &sock);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(1, read(sock, &c, 1));
	EXPECT_EQ(1, trace_count("cprhold_kvm_prepare: ret -16"));
	ASSERT_EQ(1, write(sock, "s", 1));
	ASSERT_EQ(1, read(sock, &c, 1));
	EXPECT_EQ(0x5a, sh->result[0]);
	ASSERT_EQ(1, write(sock, "q", 1));
	ASSERT_EQ(0, wait_status(pid));
	close(sock);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(adopt_step_finish(0x13, 140));
	EXPECT_EQ(0, wait_status(pid));
	EXPECT_EQ(1, trace_count("prepared 0"));
	trace_stop();
}

/*
 * The old owner exits right after its prepared seal: the detach and its
 * exit race (the exit's release may unlink the notifier first, and the
 * detach finds nothing to do); either way the successor adopts the VM.
 */
TEST_F(adopt, prepared_creator_exits_at_once)
{
	struct vm v;
	int sock, cfd, round;
	pid_t pid;

	for (round = 0; round < 3; round++) {
		ch_destroy(self->ctl, sh->name);
		creator_mode = CR_RELEASE | CR_PREPARE;
		pid = spawn_creator(1, 1, false, &sock);
		ASSERT_GT(pid, 0);
		ASSERT_EQ(0, wait_status(pid));
		close(sock);
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			if (adopt_into_self(1, &v, &cfd))
				_exit(150);
			v.mem[MAILBOX] = 0x17;
			if (vm_step(&v, 0) != 0x17 || punch_and_step(&v))
				_exit(151);
			_exit(ch_finish(cfd) ? 152 : 0);
		}
		EXPECT_EQ(0, wait_status(pid));
	}
}

/*
 * An adopter that maps other memory at the guest's address: a copy of
 * guest RAM in a memfd of its own, with another mailbox byte.  The
 * guest ran on the parked RAM (KVM mapped its code and mailbox pages)
 * and the old owner lingers with that RAM mapped, so nothing but the
 * adoption's unmapping of every guest page from the VM makes the guest
 * see the copy: a page KVM kept from the old mm would still show 0x5a.
 * beside_creator()'s body: 0, or the step that failed (160-167).
 */
static int adopt_other_memory(int cfd)
{
	uint64_t tokens[2] = { TOK_VM, TOK_VCPU0 }, ram_token = TOK_RAM;
	int fds[2], ram, copy;
	unsigned char *old;
	struct vm v;

	memset(&v, 0, sizeof(v));
	if (ch_retrieve(cfd, &ram_token, &ram, 1))
		return 160;
	copy = memfd_create("guest-ram-copy", MFD_CLOEXEC);
	if (copy < 0 || ftruncate(copy, GUEST_SIZE))
		return 161;
	old = mmap(NULL, GUEST_SIZE, PROT_READ, MAP_SHARED, ram, 0);
	v.mem = mmap(GUEST_HVA, GUEST_SIZE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_FIXED_NOREPLACE, copy, 0);
	if (old == MAP_FAILED || v.mem != GUEST_HVA)
		return 162;
	memcpy(v.mem, old, GUEST_SIZE);
	v.mem[MAILBOX] = 0xc3;
	if (ch_retrieve_ex(cfd, tokens, fds, 2, CPRHOLD_RETRIEVE_ADOPT_KVM)) {
		sh->err = -errno;
		return 163;
	}
	v.vm = fds[0];
	v.vcpu[0] = fds[1];
	v.ram = copy;
	v.nr_vcpus = 1;
	vcpu_mmap_size = sh->mmap_size;
	if (vcpu_map_run(&v, -1, 0))
		return 164;
	if (vm_step(&v, 0) != 0xc3 || old[MAILBOX] != 0x5a)
		return 165;
	/* and the copy is watched: a hole punched in it shows */
	if (punch_and_step(&v))
		return 166;
	return ch_finish(cfd) ? 167 : 0;
}

/* Adopted at the claim, and prepared at seal (detached in the background) */
TEST_F(adopt, adopter_with_other_memory_sees_it)
{
	beside_creator(_metadata, 0, adopt_other_memory);
	ch_destroy(self->ctl, sh->name);
	beside_creator(_metadata, CR_PREPARE, adopt_other_memory);
}

/*
 * Signals sent to the adopting thread all through its adoption, caught
 * by a handler without SA_RESTART, as a VMM's threads get them: the
 * adoption of a prepared VM registers the notifier in the adopting
 * thread, where taking the mm's locks fails with EINTR once a signal is
 * pending; it must then be done elsewhere, not fail.  Before that, the
 * retrieve failed with EINTR.  The sender spins on a CPU of its own: on
 * the adopting thread's CPU it may not run at all until the adoption is
 * over (which is why the test needs two CPUs), and a timer is too slow
 * (the adoption takes less than 100 us here).  Mostly the adoption sees
 * the signal before it tries (and goes to the kworker at once); one that
 * arrives while it takes the locks is a race it may or may not win.
 */
#define NO_SIGNAL 163	/* none came during the adoption: try again */

static pthread_t storm_target;
static int storm_on;
static int storm_cpu;
static volatile sig_atomic_t storm_caught;

static void storm_handler(int sig)
{
	(void)sig;
	storm_caught++;
}

static void *storm_fn(void *arg)
{
	(void)arg;
	if (pin_to(storm_cpu))
		return NULL;
	while (__atomic_load_n(&storm_on, __ATOMIC_ACQUIRE))
		pthread_kill(storm_target, SIGUSR2);
	return NULL;
}

/* The first two CPUs the test may run on, or -1. */
static int two_cpus(int cpu[2])
{
	cpu_set_t set;
	int i, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpu[n++] = i;
	return n == 2 ? 0 : -1;
}

static int adopt_under_signals(void)
{
	struct sigaction sa = { .sa_handler = storm_handler };	/* no SA_RESTART */
	struct vm v;
	pthread_t t;
	int cfd, r, caught, cpu[2], wait;

	if (two_cpus(cpu) || pin_to(cpu[0]) || sigaction(SIGUSR2, &sa, NULL))
		return 160;
	storm_target = pthread_self();
	storm_cpu = cpu[1];
	__atomic_store_n(&storm_on, 1, __ATOMIC_RELEASE);
	if (pthread_create(&t, NULL, storm_fn, NULL))
		return 160;
	/* The storm is on before the adoption starts, and lasts through it. */
	for (wait = 0; !storm_caught; wait++)
		if (wait == 10000 || (usleep(100) && errno != EINTR))
			return 160;
	caught = storm_caught;
	r = adopt_into_self(1, &v, &cfd);
	caught = storm_caught - caught;
	__atomic_store_n(&storm_on, 0, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	signal(SIGUSR2, SIG_IGN);	/* none left for KVM_RUN below */
	if (r)
		return r == -EINTR ? 161 : 162;
	v.mem[MAILBOX] = 0x21;
	if (vm_step(&v, 0) != 0x21)
		return 164;
	if (ch_finish(cfd))
		return 165;
	return caught ? 0 : NO_SIGNAL;
}

TEST_F(adopt, prepared_adoption_under_signals)
{
	int sock, round, signalled = 0, status, cpu[2];
	pid_t pid, child;
	char c;

	if (two_cpus(cpu))
		SKIP(return, "the signals' sender needs a CPU of its own");
	ASSERT_EQ(0, trace_start());
	/*
	 * Five adoptions that signals interrupted.  Even with the sender
	 * spinning on a CPU of its own, about one in seven adoptions gets
	 * none (the sender's vCPU does not run for that millisecond); those
	 * rounds pass and do not count.
	 */
	for (round = 0; signalled < 5 && round < 20; round++) {
		ch_destroy(self->ctl, sh->name);
		creator_mode = CR_RELEASE | CR_PREPARE;
		pid = spawn_creator(1, 1, true, &sock);
		ASSERT_GT(pid, 0);
		ASSERT_EQ(1, read(sock, &c, 1));
		child = fork();
		ASSERT_GE(child, 0);
		if (child == 0)
			_exit(adopt_under_signals());
		/* 161: the adoption failed with EINTR */
		status = wait_status(child);
		if (status != NO_SIGNAL)
			EXPECT_EQ(0, status);
		signalled += !status;
		ASSERT_EQ(1, write(sock, "q", 1));
		EXPECT_EQ(0, wait_status(pid));
		close(sock);
	}
	EXPECT_EQ(5, signalled);
	/* Each VM was detached at seal and adopted as prepared. */
	EXPECT_EQ(round, trace_count("cprhold_kvm_detach: 1 vCPUs ret 0"));
	EXPECT_EQ(round, trace_count("prepared 1"));
	trace_stop();
}

TEST_HARNESS_MAIN
