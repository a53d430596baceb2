// SPDX-License-Identifier: GPL-2.0
/*
 * watch.c - "cprholdctl watch": print the events of the "cprhold" generic
 * netlink family's "events" group as they arrive.
 *
 * The signals that end it (SIGINT, SIGTERM, SIGHUP) are blocked except
 * inside ppoll(), so one arriving between two events is never missed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "json.h"
#include "print.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

struct watch {
	struct ctl *c;
	struct json j;
	const char *name;
	long count;		/* 0: no limit */
	long seen;
};

static bool on_event(const struct ctl_session *ev, void *arg)
{
	struct watch *w = arg;
	uint64_t now = ctl_now_ns();

	if (w->name && strcmp(ev->name, w->name))
		return true;
	if (w->c->json) {
		print_event_json(&w->j, ev, now);
		json_doc_end(&w->j);
	} else {
		print_event_human(stdout, ev, now);
	}
	fflush(stdout);
	w->seen++;
	return !w->count || w->seen < w->count;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cmd_watch(struct ctl *c, int argc, char **argv)
{
	enum { OPT_COUNT = 256, OPT_TIMEOUT, OPT_READY_FD };
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "ready-fd", required_argument, NULL, OPT_READY_FD },
		{ NULL, 0, NULL, 0 },
	};
	struct watch w = { .c = c };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	uint64_t deadline = 0;
	double timeout = 0;
	long ready_fd = -1;
	struct ctl_nl_err e;
	struct ctl_nl *nl;
	int opt, ret, status = CTL_EXIT_OK;
	char *end;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":jph", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_COUNT:
			if (parse_long(optarg, 1, LONG_MAX, &w.count))
				return ctl_usage("watch: --count needs a positive number, not '%s'",
						 optarg);
			break;
		case OPT_TIMEOUT:
			errno = 0;
			timeout = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(timeout > 0) ||
			    timeout > 1e9)
				return ctl_usage("watch: --timeout needs a positive number of "
						 "seconds, not '%s'", optarg);
			break;
		case OPT_READY_FD:
			if (parse_long(optarg, 0, INT_MAX, &ready_fd) ||
			    fcntl((int)ready_fd, F_GETFD) < 0)
				return ctl_usage("watch: --ready-fd needs an open file "
						 "descriptor, not '%s'", optarg);
			break;
		default:
			ret = ctl_common_opt(c, opt, "watch", argv);
			if (ret >= 0)
				return ret;
		}
	}
	if (optind + 1 < argc)
		return ctl_usage("watch: unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc)
		w.name = argv[optind];

	if (ctl_nl_open(&nl, &e))
		return ctl_nl_fail("watch", &e);
	if (ctl_nl_subscribe(nl, &e)) {
		ctl_nl_close(nl);
		return ctl_nl_fail("watch", &e);
	}
	json_init(&w.j, stdout, c->pretty);

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	/* Listening: tell whoever waits for it. */
	if (ready_fd >= 0) {
		ssize_t n;

		do
			n = write((int)ready_fd, "ready\n", 6);
		while (n < 0 && errno == EINTR);
		close((int)ready_fd);
	}
	if (timeout > 0)
		deadline = mono_ns() + (uint64_t)(timeout * 1e9 + 0.5);

	while (!stop_signal && (!w.count || w.seen < w.count)) {
		struct pollfd pfd = { .fd = ctl_nl_fd(nl), .events = POLLIN };
		struct timespec ts, *tsp = NULL;

		if (deadline) {
			uint64_t now = mono_ns();

			if (now >= deadline) {
				if (w.count) {
					ctl_error("watch: timed out after %gs with %ld of %ld events",
						  timeout, w.seen, w.count);
					status = CTL_EXIT_ERROR;
				}
				break;
			}
			ts.tv_sec = (time_t)((deadline - now) / 1000000000ull);
			ts.tv_nsec = (long)((deadline - now) % 1000000000ull);
			tsp = &ts;
		}
		ret = ppoll(&pfd, 1, tsp, &orig);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			ctl_error("watch: poll: %s", strerror(errno));
			status = CTL_EXIT_ERROR;
			break;
		}
		if (!ret)
			continue;
		ret = ctl_nl_read_events(nl, on_event, &w, &e);
		if (ret == -ENOBUFS) {
			ctl_error("watch: events were lost (receive queue overflow)");
			continue;
		}
		if (ret < 0) {
			status = ctl_nl_fail("watch", &e);
			break;
		}
	}
	ctl_nl_close(nl);
	if (ctl_flush())
		status = CTL_EXIT_ERROR;
	return status;
}
