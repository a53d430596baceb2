// SPDX-License-Identifier: GPL-2.0
/*
 * run.c - "cprholdctl run": claim a session, retrieve all its entries and
 * start a command with them in the systemd socket activation convention;
 * finish or abort the claim when the command ends.
 *
 *   claim (libcprhold, the claim fd is close-on-exec)
 *   list the entries (CPRHOLD_LIST), retrieve them in token order
 *   fork: the child moves the fds to 3..3+N-1 (fdplan.c), closes every
 *         other fd above 2, sets LISTEN_FDS, LISTEN_PID (its own pid),
 *         LISTEN_FDNAMES and CPRHOLD_SESSION, and execs the command
 *   wait: SIGTERM, SIGHUP, SIGINT, SIGQUIT sent to cprholdctl itself are
 *         passed on; those the kernel sent to the whole process group (a
 *         terminal's ^C) reached the command already and are not repeated
 *   then: FINISH if the command exited 0, else ABORT (or as --finish,
 *         --no-finish say); exit with the command's status
 *
 * There is no KVM adoption here: CPRHOLD_RETRIEVE_ADOPT_KVM binds a VM to
 * the caller's address space, which would be ours, not the command's (exec
 * replaces it).  A VMM that adopts a VM claims the session itself.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libcprhold.h>

#include "ctl.h"
#include "fdplan.h"
#include "secret.h"

enum finish_mode {
	FINISH_ON_SUCCESS,	/* finish if CMD exits 0, else abort */
	FINISH_ALWAYS,
	FINISH_NEVER,		/* always abort: the session is SEALED again */
};

static volatile sig_atomic_t child_pid;

static const int fwd_signals[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT };

static void forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* si_code <= 0: kill(), sigqueue(), tgkill() from a process. */
	if (si->si_code <= 0 && child_pid > 0)
		kill((pid_t)child_pid, sig);
}

/* Close every fd from @low up. */
static void close_from(int low)
{
	struct rlimit rl;
	int fd, max = 65536;

#ifdef SYS_close_range
	if (!syscall(SYS_close_range, (unsigned int)low, ~0U, 0))
		return;
#endif
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	for (fd = low; fd < max; fd++)
		close(fd);
}

struct child_args {
	char **argv;
	const char *session;
	const struct fd_op *ops;
	int nops;
	size_t n;
	const char *names;
	const sigset_t *mask;
	const struct rlimit *nofile;	/* to restore, or NULL */
};

static void __attribute__((noreturn)) exec_child(const struct child_args *a)
{
	char num[32];
	int ret, err;

	ret = fd_plan_apply(a->ops, a->nops);
	if (ret) {
		ctl_error("run: moving the session's fds into place: %s",
			  strerror(-ret));
		_exit(126);
	}
	close_from(FD_LISTEN_START + (int)a->n);
	if (a->nofile)
		setrlimit(RLIMIT_NOFILE, a->nofile);
	snprintf(num, sizeof(num), "%zu", a->n);
	setenv("LISTEN_FDS", num, 1);
	snprintf(num, sizeof(num), "%ld", (long)getpid());
	setenv("LISTEN_PID", num, 1);
	setenv("LISTEN_FDNAMES", a->names, 1);
	setenv("CPRHOLD_SESSION", a->session, 1);
	sigprocmask(SIG_SETMASK, a->mask, NULL);
	execvp(a->argv[0], a->argv);
	err = errno;
	ctl_error("run: %s: %s", a->argv[0], strerror(err));
	_exit(err == ENOENT ? 127 : 126);
}

/*
 * Room for @n more fds: raise the soft RLIMIT_NOFILE towards the hard one
 * if needed.  *@restore is set to the old limit when the command should get
 * it back (it fits the fds the command gets).
 */
static void nofile_room(size_t n, struct rlimit *old, bool *restore)
{
	struct rlimit rl;

	*restore = false;
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= (rlim_t)(2 * n + 64))
		return;
	*old = rl;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (rlim_t)(2 * n + 64) ?
		      (rlim_t)(2 * n + 64) : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return;
	*restore = old->rlim_cur >= (rlim_t)(FD_LISTEN_START + n + 1);
}

static int wait_child(pid_t pid, int *status)
{
	pid_t r;

	do
		r = waitpid(pid, status, 0);
	while (r < 0 && errno == EINTR);
	return r == pid ? 0 : -errno;
}

int cmd_run(struct ctl *c, int argc, char **argv)
{
	enum { OPT_CLAIM = 256, OPT_SECRET, OPT_FINISH, OPT_NO_FINISH };
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "claim", required_argument, NULL, OPT_CLAIM },
		{ "secret-file", required_argument, NULL, OPT_SECRET },
		{ "finish", no_argument, NULL, OPT_FINISH },
		{ "no-finish", no_argument, NULL, OPT_NO_FINISH },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *secret_file = NULL;
	enum finish_mode mode = FINISH_ON_SUCCESS;
	bool mode_set = false, restore_nofile = false, finish;
	struct cprhold_entry *entries = NULL;
	uint64_t *tokens = NULL;
	int *fds = NULL;
	const char **labels = NULL;
	struct fd_op *ops = NULL;
	char *names = NULL;
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	struct rlimit nofile;
	struct child_args ca;
	struct sigaction sa;
	sigset_t block, orig;
	int opt, ret, ctl = -1, sfd = -1, nops, wstatus, status = CTL_EXIT_ERROR;
	size_t n = 0, i, len;
	bool retrieved = false;
	pid_t pid;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:jph", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_CLAIM:
			name = optarg;
			break;
		case OPT_SECRET:
			secret_file = optarg;
			break;
		case OPT_FINISH:
		case OPT_NO_FINISH:
			if (mode_set && mode != (opt == OPT_FINISH ? FINISH_ALWAYS :
						 FINISH_NEVER))
				return ctl_usage("run: --finish and --no-finish exclude "
						 "each other");
			mode = opt == OPT_FINISH ? FINISH_ALWAYS : FINISH_NEVER;
			mode_set = true;
			break;
		default:
			ret = ctl_common_opt(c, opt, "run", argv);
			if (ret >= 0)
				return ret;
		}
	}
	if (!name)
		return ctl_usage("run: --claim NAME is required");
	if (!secret_file)
		return ctl_usage("run: --secret-file FILE is required");
	if (optind >= argc)
		return ctl_usage("run: no command given");

	ret = cprhold_secret_read(strcmp(secret_file, "-") ? secret_file : "/dev/stdin",
				  secret);
	if (ret) {
		char why[128];

		ctl_error("run: secret file %s: %s", secret_file,
			  secret_error(ret, secret_file, why, sizeof(why)));
		return CTL_EXIT_ERROR;
	}
	ctl = cprhold_open(0);
	if (ctl < 0) {
		explicit_bzero(secret, sizeof(secret));
		ctl_error("open %s: %s", CPRHOLD_DEVICE_PATH,
			  cprhold_strerror(CPRHOLD_OP_OPEN, ctl));
		return CTL_EXIT_ERROR;
	}
	sfd = cprhold_claim(ctl, name, secret, 0);
	explicit_bzero(secret, sizeof(secret));
	if (sfd < 0) {
		ctl_error("claim %s: %s", name, cprhold_strerror(CPRHOLD_OP_CLAIM, sfd));
		close(ctl);
		return CTL_EXIT_ERROR;
	}

	/* From here on, a failure gives the claim back. */
	ret = cprhold_list_entries_all(sfd, &entries);
	if (ret < 0) {
		ctl_error("list %s: %s", name, cprhold_strerror(CPRHOLD_OP_LIST, ret));
		goto abort;
	}
	n = (size_t)ret;
	tokens = calloc(n + 1, sizeof(*tokens));
	fds = calloc(n + 1, sizeof(*fds));
	labels = calloc(n + 1, sizeof(*labels));
	ops = calloc(FD_PLAN_MAX_OPS(n) + 1, sizeof(*ops));
	if (!tokens || !fds || !labels || !ops) {
		ctl_error("run %s: out of memory", name);
		goto abort;
	}
	for (i = 0; i < n; i++) {
		tokens[i] = entries[i].token;
		labels[i] = entries[i].label;
		fds[i] = -1;
	}
	len = fd_names_build(labels, n, NULL, 0);
	names = malloc(len + 1);
	if (!names) {
		ctl_error("run %s: out of memory", name);
		goto abort;
	}
	fd_names_build(labels, n, names, len + 1);

	nofile_room(n, &nofile, &restore_nofile);
	if (n) {
		ret = cprhold_retrieve(sfd, tokens, fds, (unsigned int)n, 0);
		if (ret) {
			ctl_error("retrieve %s: %s", name,
				  cprhold_strerror(CPRHOLD_OP_RETRIEVE, ret));
			goto abort;
		}
		retrieved = true;
	}
	nops = fd_plan(fds, n, FD_LISTEN_START, ops);
	if (nops < 0) {
		ctl_error("run %s: the kernel returned invalid fds", name);
		goto abort;
	}

	sigemptyset(&block);
	for (i = 0; i < sizeof(fwd_signals) / sizeof(fwd_signals[0]); i++)
		sigaddset(&block, fwd_signals[i]);
	sigprocmask(SIG_BLOCK, &block, &orig);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &orig, NULL);
		ctl_error("run %s: fork: %s", name, strerror(errno));
		goto abort;
	}
	if (!pid) {
		ca = (struct child_args){
			.argv = argv + optind, .session = name, .ops = ops,
			.nops = nops, .n = n, .names = names, .mask = &orig,
			.nofile = restore_nofile ? &nofile : NULL,
		};
		exec_child(&ca);
	}
	child_pid = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	for (i = 0; i < sizeof(fwd_signals) / sizeof(fwd_signals[0]); i++)
		sigaction(fwd_signals[i], &sa, NULL);
	sigprocmask(SIG_SETMASK, &orig, NULL);

	/* The command has its copies; ours would only keep pipes open. */
	for (i = 0; i < n; i++)
		close(fds[i]);
	retrieved = false;

	ret = wait_child(pid, &wstatus);
	child_pid = 0;
	if (ret) {
		ctl_error("run %s: waiting for %s: %s", name, argv[optind],
			  strerror(-ret));
		goto abort;
	}
	if (WIFEXITED(wstatus))
		status = WEXITSTATUS(wstatus);
	else if (WIFSIGNALED(wstatus))
		status = 128 + WTERMSIG(wstatus);

	finish = mode == FINISH_ALWAYS ||
		 (mode == FINISH_ON_SUCCESS && WIFEXITED(wstatus) && !status);
	if (finish) {
		ret = cprhold_finish(sfd);
		if (ret) {
			ctl_error("finish %s: %s", name,
				  cprhold_strerror(CPRHOLD_OP_FINISH, ret));
			if (!status)
				status = CTL_EXIT_ERROR;
		}
	} else {
		ret = cprhold_abort(sfd);
		if (ret)
			ctl_error("abort %s: %s", name,
				  cprhold_strerror(CPRHOLD_OP_ABORT, ret));
	}
	goto out;

abort:
	status = CTL_EXIT_ERROR;
	if (retrieved)
		for (i = 0; i < n; i++)
			close(fds[i]);
	ret = cprhold_abort(sfd);
	if (ret)
		ctl_error("abort %s: %s", name, cprhold_strerror(CPRHOLD_OP_ABORT, ret));
out:
	close(sfd);
	close(ctl);
	free(entries);
	free(tokens);
	free(fds);
	free(labels);
	free(ops);
	free(names);
	return status;
}
