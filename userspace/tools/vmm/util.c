// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - cprhold-vmm: clocks, messages, KVM ioctl wrapper, guest memory access
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

const char *vmm_prog = "cprhold-vmm";

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void vmm_err(const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: error: %s\n", vmm_prog, buf);
}

void vmm_info(const struct vmm *vm, const char *fmt, ...)
{
	va_list ap;
	char buf[2048];

	if (vm && vm->opts && vm->opts->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (vm)
		pthread_mutex_lock((pthread_mutex_t *)&vm->log_lock);
	fprintf(stdout, "%s: %s\n", vmm_prog, buf);
	fflush(stdout);
	if (vm)
		pthread_mutex_unlock((pthread_mutex_t *)&vm->log_lock);
}

int kvm_ioctl(int fd, unsigned long req, void *arg, const char *reqname,
	      const char *who)
{
	int r = ioctl(fd, req, arg);

	if (r < 0) {
		int e = errno;

		vmm_err("%s: %s failed: %s", who, reqname, strerror(e));
		return -e;
	}
	return r;
}

void *vmm_gpa_to_hva(struct vmm *vm, uint64_t gpa, uint64_t len)
{
	int i;

	for (i = 0; i < vm->nr_mem; i++) {
		struct vmm_mem *m = &vm->mem[i];

		if (gpa >= m->gpa && gpa + len <= m->gpa + m->size && gpa + len >= gpa)
			return (char *)m->hva + (gpa - m->gpa);
	}
	return NULL;
}

struct guest_cfg *vmm_guest_cfg(struct vmm *vm)
{
	return vmm_gpa_to_hva(vm, GUEST_CFG_ADDR, sizeof(struct guest_cfg));
}

struct guest_vcpu_data *vmm_guest_vcpu(struct vmm *vm, int id)
{
	return vmm_gpa_to_hva(vm, GUEST_VCPU_DATA_ADDR +
			      (uint64_t)id * GUEST_VCPU_DATA_STRIDE,
			      sizeof(struct guest_vcpu_data));
}

/* Load a guest-written u64 while the guest runs. */
uint64_t guest_read_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}
