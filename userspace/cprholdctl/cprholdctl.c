// SPDX-License-Identifier: GPL-2.0
/*
 * cprholdctl - administer cprhold sessions: list, show, destroy, watch
 * their events, and run a successor with a session's files.
 *
 * Observation goes through the "cprhold" generic netlink family (libnl-3),
 * so list, show and watch need no access to /dev/cprhold; destroy and run
 * use the device through libcprhold.  See cprholdctl(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libcprhold.h>

#include "ctl.h"
#include "json.h"
#include "print.h"

static const char usage_text[] =
"Usage: cprholdctl [OPTIONS] COMMAND [ARGS...]\n"
"\n"
"Commands:\n"
"  list                     the sessions this user may see\n"
"  show NAME                one session and its entries\n"
"  destroy NAME...          end sessions and release what they hold\n"
"  watch [NAME]             print session events as they happen\n"
"        [--count N] [--timeout SEC] [--ready-fd FD]\n"
"  run --claim NAME --secret-file FILE [--finish | --no-finish]\n"
"      [--] CMD [ARGS...]\n"
"                           claim a session and start CMD with its files\n"
"                           as socket-activated fds (LISTEN_FDS)\n"
"\n"
"Options (also after the command):\n"
"  -j, --json               JSON output (watch: one object per line)\n"
"  -p, --pretty             indented JSON output (implies -j)\n"
"  -h, --help               this help (COMMAND -h: the command's)\n"
"      --version            print the version\n"
"\n"
"Exit status: 0 success, 1 error, 2 usage error; run: CMD's status.\n"
"See cprholdctl(8).\n";

static const struct {
	const char *cmd;
	const char *text;
} cmd_help[] = {
	{ "list",
	  "Usage: cprholdctl list [-j|-p]\n"
	  "List the sessions the caller may see (its own; all for CAP_SYS_ADMIN):\n"
	  "name, state, entries, memory, owner uid, creator pid, age, claims, TTL.\n" },
	{ "show",
	  "Usage: cprholdctl show [-j|-p] NAME\n"
	  "Show one session and its entries: token, label, type, open flags,\n"
	  "address and type data (size/seals/page size, vCPU id, socket, device).\n" },
	{ "destroy",
	  "Usage: cprholdctl destroy NAME...\n"
	  "End the sessions in any state and release everything they hold\n"
	  "(creator's uid or CAP_SYS_ADMIN).  Needs /dev/cprhold.\n" },
	{ "watch",
	  "Usage: cprholdctl watch [-j|-p] [--count N] [--timeout SEC] [--ready-fd FD] [NAME]\n"
	  "Print session events (created, sealed, claimed, aborted, finished,\n"
	  "destroyed, expired) until interrupted; only NAME's with NAME.\n"
	  "  --count N      exit 0 after N events\n"
	  "  --timeout SEC  exit after SEC seconds (status 1 if --count was not reached)\n"
	  "  --ready-fd FD  write a newline to FD and close it once listening\n"
	  "Needs CAP_SYS_ADMIN.\n" },
	{ "run",
	  "Usage: cprholdctl run --claim NAME --secret-file FILE\n"
	  "                      [--finish | --no-finish] [--] CMD [ARGS...]\n"
	  "Claim session NAME, retrieve all its entries and start CMD with them as\n"
	  "fds 3..3+N-1 (LISTEN_FDS=N, LISTEN_PID, LISTEN_FDNAMES=labels in token\n"
	  "order).  FILE holds the secret: 32 raw bytes or 64 hex characters.\n"
	  "When CMD ends: finish the session if it exited 0, else abort the claim\n"
	  "(the session is SEALED again); --finish always finishes, --no-finish\n"
	  "always aborts.  Exits with CMD's status (128+N if killed by signal N).\n" },
};

void ctl_help(const char *cmd)
{
	size_t i;

	if (cmd)
		for (i = 0; i < sizeof(cmd_help) / sizeof(cmd_help[0]); i++)
			if (!strcmp(cmd, cmd_help[i].cmd)) {
				fputs(cmd_help[i].text, stdout);
				return;
			}
	fputs(usage_text, stdout);
}

void ctl_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("cprholdctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int ctl_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("cprholdctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'cprholdctl -h' for more information.\n", stderr);
	return CTL_EXIT_USAGE;
}

int ctl_nl_fail(const char *what, const struct ctl_nl_err *e)
{
	const char *msg;

	if (e->no_family)
		msg = "the cprhold generic netlink family is not registered: the "
		      "cprhold module is not loaded (modprobe cprhold)";
	else if (e->err == ENOENT)
		msg = "no such session (or it is not visible to this user)";
	else if (e->err == EPERM)
		msg = "operation not permitted (the events group needs CAP_SYS_ADMIN)";
	else if (e->err == EINVAL || e->err == ENAMETOOLONG)
		/* The request holds nothing but the name. */
		msg = "invalid name: session names are 1-63 characters of "
		      "[A-Za-z0-9._:@+-]";
	else
		msg = cprhold_strerror(CPRHOLD_OP_NONE, e->err);
	/* The kernel's extended ACK message, unless it only repeats ours. */
	if (e->msg[0] && !strstr(msg, e->msg))
		ctl_error("%s: %s (%s)", what, msg, e->msg);
	else
		ctl_error("%s: %s", what, msg);
	return CTL_EXIT_ERROR;
}

uint64_t ctl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int ctl_flush(void)
{
	if (fflush(stdout) || ferror(stdout)) {
		ctl_error("writing the output: %s", strerror(errno));
		return CTL_EXIT_ERROR;
	}
	return CTL_EXIT_OK;
}

/* The option getopt_long() just refused, as the user wrote it. */
static const char *bad_opt(char **argv)
{
	static char buf[64];
	const char *prev = optind > 0 ? argv[optind - 1] : "";

	if (!strncmp(prev, "--", 2))
		snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(prev, "="), prev);
	else if (optopt > 0 && optopt < 256)
		snprintf(buf, sizeof(buf), "-%c", optopt);
	else
		snprintf(buf, sizeof(buf), "%s", prev);
	return buf;
}

int ctl_common_opt(struct ctl *c, int opt, const char *cmd, char **argv)
{
	switch (opt) {
	case 'j':
		c->json = true;
		return -1;
	case 'p':
		c->json = c->pretty = true;
		return -1;
	case 'h':
		ctl_help(cmd);
		return CTL_EXIT_OK;
	case ':':
		return ctl_usage("%s: option '%s' needs an argument", cmd,
				 bad_opt(argv));
	default:
		return ctl_usage("%s: unknown option '%s' (see 'cprholdctl %s -h')",
				 cmd, bad_opt(argv), cmd);
	}
}

/* Options of the simple commands; returns -1 to go on, else an exit status. */
static int simple_opts(struct ctl *c, int argc, char **argv, const char *cmd)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, ret;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":jph", opts, NULL)) != -1) {
		ret = ctl_common_opt(c, opt, cmd, argv);
		if (ret >= 0)
			return ret;
	}
	return -1;
}

int cmd_list(struct ctl *c, int argc, char **argv)
{
	struct ctl_session *s = NULL;
	struct ctl_nl_err e;
	struct ctl_nl *nl;
	struct json j;
	size_t n = 0, i;
	int ret;

	ret = simple_opts(c, argc, argv, "list");
	if (ret >= 0)
		return ret;
	if (optind != argc)
		return ctl_usage("list: unexpected argument '%s'", argv[optind]);
	if (ctl_nl_open(&nl, &e))
		return ctl_nl_fail("list", &e);
	ret = ctl_nl_sessions(nl, &s, &n, &e);
	ctl_nl_close(nl);
	if (ret)
		return ctl_nl_fail("list", &e);
	if (c->json) {
		json_init(&j, stdout, c->pretty);
		json_arr_begin(&j, NULL);
		for (i = 0; i < n; i++)
			print_session_json(&j, NULL, &s[i]);
		json_arr_end(&j);
		json_doc_end(&j);
	} else if (print_sessions_table(stdout, s, n, ctl_now_ns())) {
		ctl_error("list: out of memory");
		free(s);
		return CTL_EXIT_ERROR;
	}
	free(s);
	return ctl_flush();
}

int cmd_show(struct ctl *c, int argc, char **argv)
{
	struct ctl_entry *ent = NULL;
	struct ctl_session s;
	struct ctl_nl_err e;
	struct ctl_nl *nl;
	char what[CPRHOLD_NAME_MAX + 128];
	const char *name;
	struct json j;
	size_t n = 0;
	int ret;

	ret = simple_opts(c, argc, argv, "show");
	if (ret >= 0)
		return ret;
	if (optind >= argc)
		return ctl_usage("show: a session NAME is required");
	if (optind + 1 < argc)
		return ctl_usage("show: unexpected argument '%s'", argv[optind + 1]);
	name = argv[optind];
	snprintf(what, sizeof(what), "show %s", name);
	if (ctl_nl_open(&nl, &e))
		return ctl_nl_fail(what, &e);
	ret = ctl_nl_session(nl, name, &s, &e);
	if (!ret)
		ret = ctl_nl_entries(nl, name, &ent, &n, &e);
	ctl_nl_close(nl);
	if (ret)
		return ctl_nl_fail(what, &e);
	if (c->json) {
		json_init(&j, stdout, c->pretty);
		print_show_json(&j, &s, ent, n);
		json_doc_end(&j);
	} else if (print_show_human(stdout, &s, ent, n, ctl_now_ns())) {
		ctl_error("%s: out of memory", what);
		free(ent);
		return CTL_EXIT_ERROR;
	}
	free(ent);
	return ctl_flush();
}

int cmd_destroy(struct ctl *c, int argc, char **argv)
{
	int ret, ctl, i, status = CTL_EXIT_OK;

	ret = simple_opts(c, argc, argv, "destroy");
	if (ret >= 0)
		return ret;
	if (optind >= argc)
		return ctl_usage("destroy: a session NAME is required");
	ctl = cprhold_open(0);
	if (ctl < 0) {
		ctl_error("open %s: %s", CPRHOLD_DEVICE_PATH,
			  cprhold_strerror(CPRHOLD_OP_OPEN, ctl));
		return CTL_EXIT_ERROR;
	}
	for (i = optind; i < argc; i++) {
		ret = cprhold_destroy(ctl, argv[i]);
		if (ret) {
			ctl_error("destroy %s: %s", argv[i],
				  cprhold_strerror(CPRHOLD_OP_DESTROY, ret));
			status = CTL_EXIT_ERROR;
		}
	}
	close(ctl);
	return status;
}

static const struct {
	const char *name;
	int (*fn)(struct ctl *c, int argc, char **argv);
} commands[] = {
	{ "list", cmd_list },
	{ "ls", cmd_list },
	{ "show", cmd_show },
	{ "destroy", cmd_destroy },
	{ "watch", cmd_watch },
	{ "monitor", cmd_watch },
	{ "run", cmd_run },
};

/* fds 0-2 open, so that no file the command opens lands there. */
static void std_fds(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", O_RDWR) < 0)
			exit(CTL_EXIT_ERROR);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl c = { 0 };
	const char *cmd;
	size_t i;
	int opt;

	std_fds();
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:jph", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			c.json = true;
			break;
		case 'p':
			c.json = c.pretty = true;
			break;
		case 'h':
			ctl_help(NULL);
			return CTL_EXIT_OK;
		case 'V':
			printf("cprholdctl %s (libcprhold %s)\n", CTL_VERSION,
			       cprhold_version());
			return CTL_EXIT_OK;
		default:
			return ctl_usage("unknown option '%s'", bad_opt(argv));
		}
	}
	if (optind >= argc)
		return ctl_usage("a command is required");
	cmd = argv[optind];
	if (!strcmp(cmd, "help")) {
		ctl_help(optind + 1 < argc ? argv[optind + 1] : NULL);
		return CTL_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(&c, argc - optind, argv + optind);
	return ctl_usage("unknown command '%s'", cmd);
}
