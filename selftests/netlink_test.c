// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_test - the "cprhold" generic netlink family: session and entry
 * dumps with the ioctl listing's scoping, the events multicast group, and
 * strict validation of malformed requests.  Raw netlink sockets, so that
 * requests can be malformed on purpose.
 */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include "lib/ch.h"
#include "lib/harness.h"
#include "lib/util.h"

struct nlsock {
	int fd;
	uint16_t family;
	uint32_t mcgrp_events;
	uint32_t seq;
};

#define NLBUF 65536

static struct nlattr *nla_next_put(struct nlmsghdr *n, uint16_t type,
				   const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static void genl_hdr(struct nlmsghdr *n, uint16_t type, uint16_t flags, uint8_t cmd,
		     uint32_t seq)
{
	struct genlmsghdr *g = NLMSG_DATA(n);

	memset(n, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	n->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	n->nlmsg_type = type;
	n->nlmsg_flags = NLM_F_REQUEST | flags;
	n->nlmsg_seq = seq;
	g->cmd = cmd;
	g->version = 1;
}

static int nl_send(struct nlsock *s, struct nlmsghdr *n)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	return sendto(s->fd, n, n->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ?
	       -errno : 0;
}

/* Walk the attributes of a genl message. */
#define for_each_attr(a, n)						\
	for (a = (struct nlattr *)((char *)NLMSG_DATA(n) + GENL_HDRLEN);	\
	     (char *)a + NLA_HDRLEN <= (char *)n + n->nlmsg_len;		\
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))

static struct nlattr *attr_get(struct nlmsghdr *n, uint16_t type)
{
	struct nlattr *a;

	for_each_attr(a, n)
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	return NULL;
}

static uint32_t attr_u32(struct nlmsghdr *n, uint16_t type)
{
	struct nlattr *a = attr_get(n, type);
	uint32_t v = ~0u;

	if (a)
		memcpy(&v, (char *)a + NLA_HDRLEN, 4);
	return v;
}

static uint64_t attr_u64(struct nlmsghdr *n, uint16_t type)
{
	struct nlattr *a = attr_get(n, type);
	uint64_t v = ~0ull;

	if (a)
		memcpy(&v, (char *)a + NLA_HDRLEN, 8);
	return v;
}

static const char *attr_str(struct nlmsghdr *n, uint16_t type)
{
	struct nlattr *a = attr_get(n, type);

	return a ? (const char *)a + NLA_HDRLEN : "";
}

/*
 * Receive the answer to @seq: calls @fn for each data message and returns
 * 0 at NLMSG_DONE or an ACK, or the negative error of an NLMSG_ERROR.
 */
static int nl_recv(struct nlsock *s, uint32_t seq,
		   void (*fn)(struct nlmsghdr *n, void *arg), void *arg)
{
	static char buf[NLBUF];

	for (;;) {
		ssize_t len = recv(s->fd, buf, sizeof(buf), 0);
		struct nlmsghdr *n;

		if (len < 0)
			return -errno;
		for (n = (struct nlmsghdr *)buf; NLMSG_OK(n, (size_t)len);
		     n = NLMSG_NEXT(n, len)) {
			if (n->nlmsg_seq != seq)
				continue;
			/* A dump that failed half-way carries its error here. */
			if (n->nlmsg_type == NLMSG_DONE)
				return n->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) ?
				       *(int *)NLMSG_DATA(n) : 0;
			if (n->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(n);

				return e->error;
			}
			if (fn)
				fn(n, arg);
			if (!(n->nlmsg_flags & NLM_F_MULTI))
				return 0;
		}
	}
}

static void resolve_cb(struct nlmsghdr *n, void *arg)
{
	struct nlsock *s = arg;
	struct nlattr *a, *g, *grp;

	s->family = attr_u32(n, CTRL_ATTR_FAMILY_ID) & 0xffff;
	for_each_attr(a, n) {
		if (a->nla_type != (CTRL_ATTR_MCAST_GROUPS | NLA_F_NESTED) &&
		    a->nla_type != CTRL_ATTR_MCAST_GROUPS)
			continue;
		for (g = (struct nlattr *)((char *)a + NLA_HDRLEN);
		     (char *)g < (char *)a + a->nla_len;
		     g = (struct nlattr *)((char *)g + NLA_ALIGN(g->nla_len))) {
			uint32_t id = 0;
			const char *name = NULL;

			for (grp = (struct nlattr *)((char *)g + NLA_HDRLEN);
			     (char *)grp < (char *)g + g->nla_len;
			     grp = (struct nlattr *)((char *)grp + NLA_ALIGN(grp->nla_len))) {
				if (grp->nla_type == CTRL_ATTR_MCAST_GRP_ID)
					memcpy(&id, (char *)grp + NLA_HDRLEN, 4);
				if (grp->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
					name = (char *)grp + NLA_HDRLEN;
			}
			if (name && !strcmp(name, CPRHOLD_GENL_MCGRP_EVENTS))
				s->mcgrp_events = id;
		}
	}
}

static int nl_open(struct nlsock *s)
{
	char buf[256] __attribute__((aligned(4)));
	struct nlmsghdr *n = (struct nlmsghdr *)buf;
	struct timeval tv = { .tv_sec = 10 };
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		return -errno;
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	genl_hdr(n, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, ++s->seq);
	nla_next_put(n, CTRL_ATTR_FAMILY_NAME, CPRHOLD_GENL_NAME, sizeof(CPRHOLD_GENL_NAME));
	if (nl_send(s, n))
		return -errno;
	return nl_recv(s, s->seq, resolve_cb, s);
}

struct collected {
	int n;
	char names[64][CPRHOLD_NAME_MAX];
	uint32_t states[64];
	uint64_t tokens[64];
	uint32_t types[64];
	char labels[64][CPRHOLD_LABEL_MAX];
	uint64_t mem_size[64];
	uint32_t creator_uid[64];
};

static void collect_cb(struct nlmsghdr *n, void *arg)
{
	struct collected *c = arg;

	if (c->n >= 64)
		return;
	snprintf(c->names[c->n], CPRHOLD_NAME_MAX, "%s", attr_str(n, CPRHOLD_NL_A_NAME));
	c->states[c->n] = attr_u32(n, CPRHOLD_NL_A_STATE);
	c->creator_uid[c->n] = attr_u32(n, CPRHOLD_NL_A_CREATOR_UID);
	c->tokens[c->n] = attr_u64(n, CPRHOLD_NL_A_ENTRY_TOKEN);
	c->types[c->n] = attr_u32(n, CPRHOLD_NL_A_ENTRY_TYPE);
	c->mem_size[c->n] = attr_u64(n, CPRHOLD_NL_A_MEM_SIZE);
	snprintf(c->labels[c->n], CPRHOLD_LABEL_MAX, "%s", attr_str(n, CPRHOLD_NL_A_ENTRY_LABEL));
	c->n++;
}

/* A request with an optional name attribute; returns the error or 0. */
static int nl_request(struct nlsock *s, uint8_t cmd, uint16_t flags, const char *name,
		      struct collected *c)
{
	char buf[512] __attribute__((aligned(4)));
	struct nlmsghdr *n = (struct nlmsghdr *)buf;

	genl_hdr(n, s->family, flags, cmd, ++s->seq);
	if (name)
		nla_next_put(n, CPRHOLD_NL_A_NAME, name, strlen(name) + 1);
	if (nl_send(s, n))
		return -errno;
	if (c)
		memset(c, 0, sizeof(*c));
	return nl_recv(s, s->seq, c ? collect_cb : NULL, c);
}

static int find(const struct collected *c, const char *name)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->names[i], name))
			return i;
	return -1;
}

FIXTURE(nl) {
	struct nlsock s;
	struct collected c;
	int ctl;
	int sfd;
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
};

FIXTURE_SETUP(nl)
{
	ASSERT_EQ(0, nl_open(&self->s));
	ASSERT_NE(0, self->s.family);
	ASSERT_NE(0u, self->s.mcgrp_events);
	self->ctl = ch_open();
	ASSERT_GE(self->ctl, 0);
	ch_name(self->name, sizeof(self->name), "nl");
	self->sfd = ch_create(self->ctl, self->name, self->secret);
	ASSERT_GE(self->sfd, 0);
}

FIXTURE_TEARDOWN(nl)
{
	ch_destroy(self->ctl, self->name);
	close(self->sfd);
	close(self->ctl);
	close(self->s.fd);
}

TEST_F(nl, get_session_do_and_dump)
{
	int mfd = memfd_create("ram", MFD_CLOEXEC), i;
	struct cprhold_entry e;

	ASSERT_EQ(0, ftruncate(mfd, 1 << 20));
	ch_entry(&e, mfd, 7, "ram0");
	ASSERT_EQ(0, ch_park(self->sfd, &e, 1));

	ASSERT_EQ(0, nl_request(&self->s, CPRHOLD_NL_CMD_GET_SESSION, 0, self->name, &self->c));
	ASSERT_EQ(1, self->c.n);
	EXPECT_STREQ(self->name, self->c.names[0]);
	EXPECT_EQ((uint32_t)CPRHOLD_STATE_OPEN, self->c.states[0]);

	ASSERT_EQ(0, nl_request(&self->s, CPRHOLD_NL_CMD_GET_SESSION, NLM_F_DUMP, NULL,
				&self->c));
	i = find(&self->c, self->name);
	ASSERT_GE(i, 0);
	EXPECT_EQ(0u, self->c.creator_uid[i]);
	EXPECT_ERRNO(ENOENT, nl_request(&self->s, CPRHOLD_NL_CMD_GET_SESSION, 0,
					 "no-such-session", NULL));
	close(mfd);
}

TEST_F(nl, entry_dump_pages)
{
	struct cprhold_entry e[200];
	int efd = eventfd(0, EFD_CLOEXEC), i, n = 0;
	struct collected *c = &self->c;
	char buf[512] __attribute__((aligned(4)));
	struct nlmsghdr *m = (struct nlmsghdr *)buf;
	static char rbuf[NLBUF];
	bool done = false;

	for (i = 0; i < 200; i++)
		ch_entry(&e[i], efd, 1000 + i, "ev");
	ASSERT_EQ(0, ch_park(self->sfd, e, 200));
	/* 200 entries do not fit one skb: the dump continues over reads. */
	genl_hdr(m, self->s.family, NLM_F_DUMP, CPRHOLD_NL_CMD_GET_ENTRY, ++self->s.seq);
	nla_next_put(m, CPRHOLD_NL_A_NAME, self->name, strlen(self->name) + 1);
	ASSERT_EQ(0, nl_send(&self->s, m));
	memset(c, 0, sizeof(*c));
	while (!done) {
		ssize_t len = recv(self->s.fd, rbuf, sizeof(rbuf), 0);
		struct nlmsghdr *h;

		ASSERT_GT(len, 0);
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			ASSERT_NE(NLMSG_ERROR, h->nlmsg_type);
			EXPECT_EQ(1000u + n, attr_u64(h, CPRHOLD_NL_A_ENTRY_TOKEN));
			EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_EVENTFD, attr_u32(h, CPRHOLD_NL_A_ENTRY_TYPE));
			EXPECT_STREQ("ev", attr_str(h, CPRHOLD_NL_A_ENTRY_LABEL));
			n++;
		}
	}
	EXPECT_EQ(200, n);
	close(efd);
}

TEST_F(nl, entry_dump_type_data)
{
	int mfd = memfd_create("ram", MFD_CLOEXEC);
	struct cprhold_entry e;

	ASSERT_EQ(0, ftruncate(mfd, 3 << 20));
	ch_entry(&e, mfd, 1, "ram0");
	ASSERT_EQ(0, ch_park(self->sfd, &e, 1));
	ASSERT_EQ(0, nl_request(&self->s, CPRHOLD_NL_CMD_GET_ENTRY, NLM_F_DUMP, self->name,
				&self->c));
	ASSERT_EQ(1, self->c.n);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_MEMFD, self->c.types[0]);
	EXPECT_EQ((uint64_t)(3 << 20), self->c.mem_size[0]);
	EXPECT_STREQ("ram0", self->c.labels[0]);
	close(mfd);
}

TEST_F(nl, malformed_requests)
{
	char buf[512] __attribute__((aligned(4)));
	struct nlmsghdr *n = (struct nlmsghdr *)buf;
	char longname[100];
	uint32_t v = 1;

	/* Entry dump without a name. */
	EXPECT_ERRNO(EINVAL, nl_request(&self->s, CPRHOLD_NL_CMD_GET_ENTRY, NLM_F_DUMP, NULL, NULL));
	/* Session do without a name. */
	EXPECT_ERRNO(EINVAL, nl_request(&self->s, CPRHOLD_NL_CMD_GET_SESSION, 0, NULL, NULL));
	/* Bad characters; too long for the policy (no NUL within 64). */
	EXPECT_ERRNO(EINVAL, nl_request(&self->s, CPRHOLD_NL_CMD_GET_SESSION, 0, "bad name", NULL));
	memset(longname, 'a', sizeof(longname));
	longname[99] = '\0';
	EXPECT_ERRNO(EINVAL, nl_request(&self->s, CPRHOLD_NL_CMD_GET_SESSION, 0, longname, NULL));
	/* No doit for entries; events are not requests; unknown command. */
	EXPECT_ERRNO(EOPNOTSUPP, nl_request(&self->s, CPRHOLD_NL_CMD_GET_ENTRY, 0, self->name, NULL));
	EXPECT_ERRNO(EOPNOTSUPP, nl_request(&self->s, CPRHOLD_NL_CMD_EVENT, 0, self->name, NULL));
	EXPECT_ERRNO(EOPNOTSUPP, nl_request(&self->s, 77, 0, self->name, NULL));

	/* An attribute the request does not take (strict validation). */
	genl_hdr(n, self->s.family, 0, CPRHOLD_NL_CMD_GET_SESSION, ++self->s.seq);
	nla_next_put(n, CPRHOLD_NL_A_NAME, self->name, strlen(self->name) + 1);
	nla_next_put(n, CPRHOLD_NL_A_STATE, &v, sizeof(v));
	ASSERT_EQ(0, nl_send(&self->s, n));
	EXPECT_ERRNO(EINVAL, nl_recv(&self->s, self->s.seq, NULL, NULL));
	/* An attribute beyond the family's. */
	genl_hdr(n, self->s.family, 0, CPRHOLD_NL_CMD_GET_SESSION, ++self->s.seq);
	nla_next_put(n, CPRHOLD_NL_A_NAME, self->name, strlen(self->name) + 1);
	nla_next_put(n, 200, &v, sizeof(v));
	ASSERT_EQ(0, nl_send(&self->s, n));
	EXPECT_ERRNO(EINVAL, nl_recv(&self->s, self->s.seq, NULL, NULL));
	/* A name that is not NUL-terminated. */
	genl_hdr(n, self->s.family, 0, CPRHOLD_NL_CMD_GET_SESSION, ++self->s.seq);
	nla_next_put(n, CPRHOLD_NL_A_NAME, self->name, strlen(self->name));
	ASSERT_EQ(0, nl_send(&self->s, n));
	EXPECT_ERRNO(EINVAL, nl_recv(&self->s, self->s.seq, NULL, NULL));
	/* Reserved genl header bits. */
	genl_hdr(n, self->s.family, 0, CPRHOLD_NL_CMD_GET_SESSION, ++self->s.seq);
	((struct genlmsghdr *)NLMSG_DATA(n))->reserved = 1;
	nla_next_put(n, CPRHOLD_NL_A_NAME, self->name, strlen(self->name) + 1);
	ASSERT_EQ(0, nl_send(&self->s, n));
	EXPECT_ERRNO(EINVAL, nl_recv(&self->s, self->s.seq, NULL, NULL));

	/* The session is untouched by all that. */
	EXPECT_EQ(CPRHOLD_STATE_OPEN, ch_state(self->sfd));
}

TEST_F(nl, dump_scoped_to_owner)
{
	pid_t pid;
	int st;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct nlsock s;
		struct collected *c = malloc(sizeof(*c));
		char mine[CPRHOLD_NAME_MAX];
		int ctl = ch_open(), fd;

		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(10);
		if (nl_open(&s))
			_exit(11);
		ch_name(mine, sizeof(mine), "nl-user");
		fd = ch_create(ctl, mine, NULL);
		if (fd < 0)
			_exit(12);
		/* The user sees its session, not root's. */
		if (nl_request(&s, CPRHOLD_NL_CMD_GET_SESSION, NLM_F_DUMP, NULL, c))
			_exit(13);
		if (find(c, mine) < 0 || find(c, self->name) >= 0)
			_exit(14);
		if (c->creator_uid[find(c, mine)] != 1000)
			_exit(15);
		if (nl_request(&s, CPRHOLD_NL_CMD_GET_SESSION, 0, self->name, NULL) != -ENOENT)
			_exit(16);
		if (nl_request(&s, CPRHOLD_NL_CMD_GET_ENTRY, NLM_F_DUMP, self->name, NULL) != -ENOENT)
			_exit(17);
		/* Joining the events group needs CAP_SYS_ADMIN. */
		errno = 0;
		if (setsockopt(s.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &s.mcgrp_events,
			       sizeof(s.mcgrp_events)) != -1 || errno != EPERM)
			_exit(18);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/* Count this dump's session messages in one recv() of @len bytes; 1 at DONE. */
static int count_batch(int fd, uint32_t seq, size_t len, int *sessions)
{
	char buf[4096] __attribute__((aligned(4)));
	ssize_t n = recv(fd, buf, len < sizeof(buf) ? len : sizeof(buf), 0);
	struct nlmsghdr *h;

	if (n < 0)
		return -errno;
	for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_seq != seq)
			continue;
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR)
			return -2;
		if (!strncmp(attr_str(h, CPRHOLD_NL_A_NAME), "st-nlview-", 10))
			(*sessions)++;
	}
	return 0;
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = "f", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {}, c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	int fd;

	if (recvmsg(sock, &msg, 0) != 1 || !CMSG_FIRSTHDR(&msg))
		return -1;
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	return fd;
}

#define NR_VIEW 60

/*
 * A dump started by uid 1000 and read on by a process of uid 2000 (the
 * socket passed over SCM_RIGHTS): every batch shows what uid 1000 may
 * see.  The dump used to decide ownership by whoever called recvmsg(), so
 * the batches after the first came back empty.
 */
TEST_F(nl, dump_keeps_the_requesters_view)
{
	int sv[2], res[2], quit[2], st, total = -1;
	pid_t a, b;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pipe(res));
	ASSERT_EQ(0, pipe(quit));
	a = fork();
	ASSERT_GE(a, 0);
	if (a == 0) {
		char buf[512] __attribute__((aligned(4))), name[CPRHOLD_NAME_MAX];
		struct nlmsghdr *n = (struct nlmsghdr *)buf;
		struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
		int ctl = ch_open(), fd, i, first = 0;
		uint16_t family = self->s.family;
		char c;

		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(10);
		for (i = 0; i < NR_VIEW; i++) {
			snprintf(name, sizeof(name), "st-nlview-%d-%d", getpid(), i);
			if (ch_create(ctl, name, NULL) < 0)
				_exit(11);
		}
		/* A socket that never read: the first batch is one page. */
		fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
		if (fd < 0)
			_exit(12);
		genl_hdr(n, family, NLM_F_DUMP, CPRHOLD_NL_CMD_GET_SESSION, 77);
		if (sendto(fd, n, n->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(13);
		if (count_batch(fd, 77, 4096, &first) != 0 || first < 1 || first >= NR_VIEW)
			_exit(14);
		/* Hand the socket and the count so far on; keep the sessions. */
		if (send_fd(sv[0], fd) || write(sv[0], &first, sizeof(first)) != sizeof(first))
			_exit(15);
		close(fd);
		_exit(read(quit[0], &c, 1) == 1 ? 0 : 16);
	}
	b = fork();
	ASSERT_GE(b, 0);
	if (b == 0) {
		int fd, seen = 0, r;

		if (setresgid(2000, 2000, 2000) || setresuid(2000, 2000, 2000))
			_exit(20);
		fd = recv_fd(sv[1]);
		if (fd < 0 || read(sv[1], &seen, sizeof(seen)) != sizeof(seen))
			_exit(21);
		while ((r = count_batch(fd, 77, 4096, &seen)) == 0)
			;
		if (r != 1)
			_exit(22);
		if (write(res[1], &seen, sizeof(seen)) != sizeof(seen))
			_exit(23);
		_exit(0);
	}
	close(res[1]);
	ASSERT_EQ(b, waitpid(b, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	ASSERT_EQ((ssize_t)sizeof(total), read(res[0], &total, sizeof(total)));
	EXPECT_EQ(NR_VIEW, total);
	ASSERT_EQ(1, write(quit[1], "q", 1));
	ASSERT_EQ(a, waitpid(a, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/* Read events until @want has arrived in order or the timeout; 0 if so. */
static int expect_events(int fd, const char *name, const uint32_t *want, int n,
			 uint32_t *end_reason)
{
	static char buf[NLBUF];
	int got = 0;

	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct nlmsghdr *h;
		ssize_t len;

		if (poll(&p, 1, 10000) != 1)
			return -ETIMEDOUT;
		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0)
			return -errno;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (strcmp(attr_str(h, CPRHOLD_NL_A_NAME), name))
				continue;	/* another test's session */
			if (attr_u32(h, CPRHOLD_NL_A_EVENT) != want[got])
				return got + 1;
			if (end_reason)
				*end_reason = attr_u32(h, CPRHOLD_NL_A_END_REASON);
			got++;
		}
	}
	return 0;
}

TEST_F(nl, events_of_a_handover)
{
	static const uint32_t want[] = {
		CPRHOLD_EVENT_CREATED, CPRHOLD_EVENT_SEALED, CPRHOLD_EVENT_CLAIMED,
		CPRHOLD_EVENT_ABORTED, CPRHOLD_EVENT_CLAIMED, CPRHOLD_EVENT_ABORTED,
		CPRHOLD_EVENT_CLAIMED, CPRHOLD_EVENT_FINISHED,
	};
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	char name[CPRHOLD_NAME_MAX];
	uint32_t reason = 0;
	int sfd, cfd;

	ASSERT_EQ(0, setsockopt(self->s.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				&self->s.mcgrp_events, sizeof(self->s.mcgrp_events)));
	ch_name(name, sizeof(name), "ev");
	sfd = ch_create(self->ctl, name, secret);
	ASSERT_GE(sfd, 0);
	ASSERT_EQ(0, ch_seal(sfd));
	cfd = ch_claim(self->ctl, name, secret);
	ASSERT_EQ(0, ch_abort(cfd));
	close(cfd);
	cfd = ch_claim(self->ctl, name, secret);
	close(cfd);			/* claimer "dies": aborted */
	cfd = ch_claim(self->ctl, name, secret);
	ASSERT_EQ(0, ch_finish(cfd));
	EXPECT_EQ(0, expect_events(self->s.fd, name, want, 8, &reason));
	EXPECT_EQ((uint32_t)CPRHOLD_END_FINISHED, reason);
	close(cfd);
	close(sfd);
}

TEST_F(nl, events_destroyed_expired_closed)
{
	static const uint32_t destroyed[] = { CPRHOLD_EVENT_CREATED, CPRHOLD_EVENT_DESTROYED };
	static const uint32_t expired[] = { CPRHOLD_EVENT_CREATED, CPRHOLD_EVENT_SEALED,
					    CPRHOLD_EVENT_EXPIRED };
	char name[CPRHOLD_NAME_MAX];
	uint32_t reason = 0;
	int sfd;

	ASSERT_EQ(0, setsockopt(self->s.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				&self->s.mcgrp_events, sizeof(self->s.mcgrp_events)));
	ch_name(name, sizeof(name), "d");
	sfd = ch_create(self->ctl, name, NULL);
	ASSERT_EQ(0, ch_destroy(self->ctl, name));
	EXPECT_EQ(0, expect_events(self->s.fd, name, destroyed, 2, &reason));
	EXPECT_EQ((uint32_t)CPRHOLD_END_DESTROYED, reason);
	close(sfd);

	ch_name(name, sizeof(name), "c");
	sfd = ch_create(self->ctl, name, NULL);
	close(sfd);			/* OPEN and closed: destroyed */
	EXPECT_EQ(0, expect_events(self->s.fd, name, destroyed, 2, &reason));
	EXPECT_EQ((uint32_t)CPRHOLD_END_CLOSED, reason);

	ch_name(name, sizeof(name), "x");
	sfd = ch_create_ex(self->ctl, name, 0, 100, NULL);
	ASSERT_EQ(0, ch_seal(sfd));
	EXPECT_EQ(0, expect_events(self->s.fd, name, expired, 3, &reason));
	EXPECT_EQ((uint32_t)CPRHOLD_END_EXPIRED, reason);
	close(sfd);
}

/*
 * A claim that races the seal.  The claimer is a SCHED_FIFO thread on the
 * sealer's CPU that keeps trying to claim with short sleeps in between: a
 * wake-up that lands while the sealer holds the session lock makes the
 * claimer block on that lock, and the sealer's unlock then hands the CPU
 * straight to the claimer.  Events sent after the unlock (the old code)
 * came out as CLAIMED before SEALED; they must follow the states.
 */
struct race {
	int ctl;
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	int go;			/* eventfd: a new session to claim */
	int done;		/* eventfd: claimed and finished, or failed */
	int err;
	unsigned int waits;	/* claims refused with EBUSY: the seal not yet done */
};

static void *race_claimer(void *arg)
{
	struct race *r = arg;
	uint64_t v;

	for (;;) {
		struct timespec ts = { 0, 0 };
		int cfd;

		if (read(r->go, &v, sizeof(v)) != sizeof(v) || v == 2)
			return NULL;
		for (;;) {
			cfd = ch_claim(r->ctl, r->name, r->secret);
			if (cfd >= 0 || errno != EBUSY)
				break;
			r->waits++;
			ts.tv_nsec = 1000 + (r->waits * 7919) % 30000;
			nanosleep(&ts, NULL);
		}
		r->err = cfd < 0 ? errno : (ch_finish(cfd) ? errno : 0);
		if (cfd >= 0)
			close(cfd);
		v = 1;
		if (write(r->done, &v, sizeof(v)) != sizeof(v))
			return NULL;
	}
}

TEST_F_TIMEOUT(nl, events_in_state_order_when_a_claim_races_the_seal, 300)
{
	static const uint32_t want[] = {
		CPRHOLD_EVENT_CREATED, CPRHOLD_EVENT_SEALED, CPRHOLD_EVENT_CLAIMED,
		CPRHOLD_EVENT_FINISHED,
	};
	struct sched_param sp = { .sched_priority = 10 };
	struct race r = { .ctl = self->ctl };
	unsigned int i, n = 400;
	pthread_attr_t attr;
	pthread_t t;
	cpu_set_t cpu;
	uint64_t v;
	int sfd;

	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpu), &cpu));
	ASSERT_EQ(0, setsockopt(self->s.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				&self->s.mcgrp_events, sizeof(self->s.mcgrp_events)));
	r.go = eventfd(0, EFD_CLOEXEC);
	r.done = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(r.go, 0);
	ASSERT_GE(r.done, 0);
	ASSERT_EQ(0, pthread_attr_init(&attr));
	ASSERT_EQ(0, pthread_attr_setaffinity_np(&attr, sizeof(cpu), &cpu));
	ASSERT_EQ(0, pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED));
	ASSERT_EQ(0, pthread_attr_setschedpolicy(&attr, SCHED_FIFO));
	ASSERT_EQ(0, pthread_attr_setschedparam(&attr, &sp));
	if (pthread_create(&t, &attr, race_claimer, &r))
		SKIP(return, "no SCHED_FIFO thread here");

	for (i = 0; i < n; i++) {
		int bad;

		ch_name(r.name, sizeof(r.name), "race");
		sfd = ch_create(self->ctl, r.name, r.secret);
		ASSERT_GE(sfd, 0);
		v = 1;
		ASSERT_EQ((ssize_t)sizeof(v), write(r.go, &v, sizeof(v)));
		ASSERT_EQ(0, ch_seal(sfd));
		ASSERT_EQ((ssize_t)sizeof(v), read(r.done, &v, sizeof(v)));
		ASSERT_EQ(0, r.err);
		bad = expect_events(self->s.fd, r.name, want, 4, NULL);
		if (bad)
			TH_LOG("session %u: event %d of CREATED, SEALED, CLAIMED, FINISHED "
			       "out of order (%d)", i, bad, bad);
		ASSERT_EQ(0, bad);
		close(sfd);
	}
	TH_LOG("%u sessions in order; %u claims were refused (EBUSY) before their seal",
	       n, r.waits);
	v = 2;
	ASSERT_EQ((ssize_t)sizeof(v), write(r.go, &v, sizeof(v)));
	pthread_join(t, NULL);
	close(r.go);
	close(r.done);
}

TEST_HARNESS_MAIN
