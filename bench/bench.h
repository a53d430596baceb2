/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - what fdbench and membench share: the clock, errors, the raw
 * sample lines, and the successor process.
 *
 * Every handover that crosses processes runs between the benchmark (the
 * "old VMM") and a successor it starts afresh with posix_spawn() for each
 * run: the successor starts with a small fd table and none of the old
 * one's mappings, as a new VMM would.  Not fork(): it would leave every
 * page of the old side copy-on-write, and the timed steps that write
 * memory (an array of entries to park, a message buffer) would pay a
 * page fault and a copy per page that no VMM pays.  Both talk over a SOCK_SEQPACKET control
 * socket; the successor reports the CLOCK_MONOTONIC time at which it held
 * everything (both processes read the same clock), the old side took its
 * start time just before its first step.
 *
 * Raw samples go to stdout, one CSV line each:
 *	bench,kernel,method,param,rep,ns
 * scripts/bench collects them, bench/summarize.py reduces them.
 */
#ifndef CPRHOLD_BENCH_H
#define CPRHOLD_BENCH_H

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

__attribute__((format(printf, 1, 2), noreturn))
static inline void die(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	fprintf(stderr, "%s[%d]: ", program_invocation_short_name, getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	exit(1);
}

/* A negative errno from libcprhold as errno, then die(). */
#define die_neg(ret, ...) do { errno = -(ret); die(__VA_ARGS__); } while (0)

static inline const char *kernel_release(void)
{
	static struct utsname u;

	if (!u.release[0] && uname(&u))
		return "unknown";
	return u.release;
}

static inline void sample(const char *bench, const char *method,
			  unsigned long long param, int rep, uint64_t ns)
{
	printf("%s,%s,%s,%llu,%d,%llu\n", bench, kernel_release(), method,
	       param, rep, (unsigned long long)ns);
	fflush(stdout);
}

/*
 * Pin this process (and the successors it spawns) to one CPU.  Under TCG
 * each vCPU is a host thread, and a wake-up across vCPUs waits until the
 * host runs the other one: on a loaded host that costs milliseconds and
 * swamps what is measured.  On one vCPU the handover is the kernel's work
 * and one context switch.  @cpu < 0: leave the affinity alone.
 */
static inline void pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity %d", cpu);
}

/* One whole message on the control socket, or die. */
static inline void ctl_send(int sock, const void *buf, size_t len)
{
	if (send(sock, buf, len, 0) != (ssize_t)len)
		die("control send");
}

static inline void ctl_recv(int sock, void *buf, size_t len)
{
	ssize_t n = recv(sock, buf, len, 0);

	if (n != (ssize_t)len) {
		if (n >= 0)
			errno = 0;
		die("control recv (%zd of %zu bytes)", n, len);
	}
}

/* What the successor reports at the end of a run. */
struct report {
	uint64_t t_done;	/* it held everything */
	uint64_t t_phase;	/* method-specific intermediate time, or 0 */
	int32_t ok;		/* files it verified */
	int32_t err;		/* errno of a failure, 0 */
};

/*
 * fork() and exec() this program as a successor with @argv.  The child
 * gets @keep[0..n-1] as fds 3, 4, ... (the control socket first) and no
 * other fd but stdin, stdout and stderr.  Returns the child's pid.
 */
/*
 * Start this program again as the successor, with @keep as its fds 3,
 * 4, ... (by way of fds above every one of them, so that none is
 * overwritten before it is copied) and no other fd above 2.
 */
static inline pid_t spawn_child(char *const argv[], const int *keep, int nkeep)
{
	extern char **environ;
	posix_spawn_file_actions_t fa;
	int i, ret, hi = 3 + 8;
	pid_t pid;

	if (nkeep > 8)
		die("spawn_child: too many fds");
	for (i = 0; i < nkeep; i++)
		if (keep[i] >= hi)
			hi = keep[i] + 1;
	if (posix_spawn_file_actions_init(&fa))
		die("posix_spawn_file_actions_init");
	for (i = 0; i < nkeep; i++)
		if (posix_spawn_file_actions_adddup2(&fa, keep[i], hi + i))
			die("posix_spawn_file_actions_adddup2");
	for (i = 0; i < nkeep; i++)
		if (posix_spawn_file_actions_adddup2(&fa, hi + i, 3 + i))
			die("posix_spawn_file_actions_adddup2");
	if (posix_spawn_file_actions_addclosefrom_np(&fa, 3 + nkeep))
		die("posix_spawn_file_actions_addclosefrom_np");
	ret = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret) {
		errno = ret;
		die("posix_spawn");
	}
	return pid;
}

static inline void reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		errno = 0;
		die("successor %d failed (status 0x%x)", pid, st);
	}
}

#endif /* CPRHOLD_BENCH_H */
