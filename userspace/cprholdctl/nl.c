// SPDX-License-Identifier: GPL-2.0
/*
 * nl.c - the "cprhold" generic netlink family through libnl-3 (see nl.h).
 *
 * Requests are sent without libnl's automatic ACK: a "do" request asks for
 * one (reply, then ACK), a dump ends with NLMSG_DONE, whose payload carries
 * the error of a dump that failed half-way.  Replies are matched by
 * sequence number; the kernel's errno is taken from the NLMSG_ERROR itself
 * (libnl's own error codes lose it), with the extended ACK message if any.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct ctl_nl {
	struct nl_sock *sk;
	int family;
	int mcgrp;
};

/* A libnl error code as an errno, for the errors libnl makes itself. */
static int nle_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_INTR:
		return EINTR;
	case NLE_AGAIN:
		return EAGAIN;
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_EXIST:
		return EEXIST;
	case NLE_INVAL:
		return EINVAL;
	case NLE_RANGE:
		return ERANGE;
	case NLE_MSGSIZE:
		return EMSGSIZE;
	case NLE_OPNOTSUPP:
		return EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return ENOENT;
	case NLE_BUSY:
		return EBUSY;
	case NLE_NOACCESS:
		return EACCES;
	case NLE_PERM:
		return EPERM;
	case NLE_NODEV:
		return ENODEV;
	case NLE_BAD_SOCK:
		return EBADF;
	default:
		return EIO;
	}
}

static int fail(struct ctl_nl_err *e, int err, const char *msg)
{
	if (e) {
		e->err = err;
		snprintf(e->msg, sizeof(e->msg), "%s", msg ? msg : "");
	}
	return -err;
}

static void err_reset(struct ctl_nl_err *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

int ctl_nl_open(struct ctl_nl **nlp, struct ctl_nl_err *e)
{
	struct ctl_nl *nl;
	int one = 1, ret;

	err_reset(e);
	*nlp = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return fail(e, ENOMEM, NULL);
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		free(nl);
		return fail(e, ENOMEM, NULL);
	}
	ret = genl_connect(nl->sk);
	if (ret < 0) {
		ret = nle_errno(ret);
		goto err;
	}
	/* Dumps of many entries come in skbs larger than a page. */
	nl_socket_enable_msg_peek(nl->sk);
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, CPRHOLD_GENL_NAME);
	if (nl->family < 0) {
		ret = nle_errno(nl->family);
		if (ret == ENOENT && e)
			e->no_family = true;
		goto err;
	}
	nl->mcgrp = genl_ctrl_resolve_grp(nl->sk, CPRHOLD_GENL_NAME,
					  CPRHOLD_GENL_MCGRP_EVENTS);
	if (nl->mcgrp < 0)
		nl->mcgrp = -1;
	/* From here on, every request states whether it wants an ACK. */
	nl_socket_disable_auto_ack(nl->sk);
	*nlp = nl;
	return 0;
err:
	nl_socket_free(nl->sk);
	free(nl);
	return fail(e, ret, NULL);
}

void ctl_nl_close(struct ctl_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

int ctl_nl_fd(struct ctl_nl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

/* ---- decoding ------------------------------------------------------ */

static struct nla_policy policy[CPRHOLD_NL_A_MAX + 1] = {
	[CPRHOLD_NL_A_NAME] = { .type = NLA_STRING, .maxlen = CPRHOLD_NAME_MAX },
	[CPRHOLD_NL_A_ID] = { .type = NLA_U64 },
	[CPRHOLD_NL_A_STATE] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_FLAGS] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_END_REASON] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_CREATOR_PID] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_CREATOR_UID] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_CLAIMER_PID] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_NR_CLAIMS] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_NR_ENTRIES] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_TTL_MS] = { .type = NLA_U64 },
	[CPRHOLD_NL_A_CREATED_NS] = { .type = NLA_U64 },
	[CPRHOLD_NL_A_SEALED_NS] = { .type = NLA_U64 },
	[CPRHOLD_NL_A_CLAIMED_NS] = { .type = NLA_U64 },
	[CPRHOLD_NL_A_MEM_BYTES] = { .type = NLA_U64 },
	[CPRHOLD_NL_A_EVENT] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_ENTRY_TOKEN] = { .type = NLA_U64 },
	[CPRHOLD_NL_A_ENTRY_LABEL] = { .type = NLA_STRING, .maxlen = CPRHOLD_LABEL_MAX },
	[CPRHOLD_NL_A_ENTRY_TYPE] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_ENTRY_FLAGS] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_ENTRY_F_FLAGS] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_ENTRY_ADDR] = { .type = NLA_U64 },
	[CPRHOLD_NL_A_MEM_SIZE] = { .type = NLA_U64 },
	[CPRHOLD_NL_A_MEM_SEALS] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_MEM_PAGE_SIZE] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_MEM_RESIDENT] = { .type = NLA_U64 },
	[CPRHOLD_NL_A_VCPU_ID] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_SOCK_FAMILY] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_SOCK_TYPE] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_SOCK_PROTOCOL] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_DEV_MAJOR] = { .type = NLA_U32 },
	[CPRHOLD_NL_A_DEV_MINOR] = { .type = NLA_U32 },
};

int ctl_nl_cmd(struct nlmsghdr *nlh)
{
	if (!genlmsg_valid_hdr(nlh, 0))
		return -EINVAL;
	return ((struct genlmsghdr *)nlmsg_data(nlh))->cmd;
}

static int parse(struct nlmsghdr *nlh, struct nlattr **tb)
{
	if (!genlmsg_valid_hdr(nlh, 0))
		return -EINVAL;
	if (genlmsg_parse(nlh, 0, tb, CPRHOLD_NL_A_MAX, policy) < 0)
		return -EINVAL;
	if (!tb[CPRHOLD_NL_A_NAME])
		return -EINVAL;
	return 0;
}

static uint32_t get_u32(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u32(tb[type]) : 0;
}

static uint64_t get_u64(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u64(tb[type]) : 0;
}

static void get_str(struct nlattr **tb, int type, char *dst, size_t size)
{
	snprintf(dst, size, "%s", tb[type] ? nla_get_string(tb[type]) : "");
}

int ctl_nl_parse_session(struct nlmsghdr *nlh, struct ctl_session *s)
{
	struct nlattr *tb[CPRHOLD_NL_A_MAX + 1];

	memset(s, 0, sizeof(*s));
	if (parse(nlh, tb))
		return -EINVAL;
	get_str(tb, CPRHOLD_NL_A_NAME, s->name, sizeof(s->name));
	s->id = get_u64(tb, CPRHOLD_NL_A_ID);
	s->state = get_u32(tb, CPRHOLD_NL_A_STATE);
	s->flags = get_u32(tb, CPRHOLD_NL_A_FLAGS);
	s->end_reason = get_u32(tb, CPRHOLD_NL_A_END_REASON);
	s->creator_pid = get_u32(tb, CPRHOLD_NL_A_CREATOR_PID);
	s->creator_uid = get_u32(tb, CPRHOLD_NL_A_CREATOR_UID);
	s->claimer_pid = get_u32(tb, CPRHOLD_NL_A_CLAIMER_PID);
	s->nr_claims = get_u32(tb, CPRHOLD_NL_A_NR_CLAIMS);
	s->nr_entries = get_u32(tb, CPRHOLD_NL_A_NR_ENTRIES);
	s->ttl_ms = get_u64(tb, CPRHOLD_NL_A_TTL_MS);
	s->created_ns = get_u64(tb, CPRHOLD_NL_A_CREATED_NS);
	s->sealed_ns = get_u64(tb, CPRHOLD_NL_A_SEALED_NS);
	s->claimed_ns = get_u64(tb, CPRHOLD_NL_A_CLAIMED_NS);
	s->mem_bytes = get_u64(tb, CPRHOLD_NL_A_MEM_BYTES);
	s->event = get_u32(tb, CPRHOLD_NL_A_EVENT);
	return 0;
}

int ctl_nl_parse_entry(struct nlmsghdr *nlh, struct ctl_entry *e)
{
	struct nlattr *tb[CPRHOLD_NL_A_MAX + 1];

	memset(e, 0, sizeof(*e));
	if (parse(nlh, tb) || !tb[CPRHOLD_NL_A_ENTRY_TOKEN])
		return -EINVAL;
	get_str(tb, CPRHOLD_NL_A_NAME, e->session, sizeof(e->session));
	e->token = get_u64(tb, CPRHOLD_NL_A_ENTRY_TOKEN);
	get_str(tb, CPRHOLD_NL_A_ENTRY_LABEL, e->label, sizeof(e->label));
	e->type = get_u32(tb, CPRHOLD_NL_A_ENTRY_TYPE);
	e->flags = get_u32(tb, CPRHOLD_NL_A_ENTRY_FLAGS);
	e->f_flags = get_u32(tb, CPRHOLD_NL_A_ENTRY_F_FLAGS);
	if (tb[CPRHOLD_NL_A_ENTRY_ADDR]) {
		e->have |= CTL_ENTRY_HAVE_ADDR;
		e->addr = get_u64(tb, CPRHOLD_NL_A_ENTRY_ADDR);
	}
	if (tb[CPRHOLD_NL_A_MEM_SIZE]) {
		e->have |= CTL_ENTRY_HAVE_MEM;
		e->mem.size = get_u64(tb, CPRHOLD_NL_A_MEM_SIZE);
		e->mem.seals = get_u32(tb, CPRHOLD_NL_A_MEM_SEALS);
		e->mem.page_size = get_u32(tb, CPRHOLD_NL_A_MEM_PAGE_SIZE);
		e->mem.resident = get_u64(tb, CPRHOLD_NL_A_MEM_RESIDENT);
	}
	if (tb[CPRHOLD_NL_A_VCPU_ID]) {
		e->have |= CTL_ENTRY_HAVE_VCPU;
		e->vcpu_id = get_u32(tb, CPRHOLD_NL_A_VCPU_ID);
	}
	if (tb[CPRHOLD_NL_A_SOCK_FAMILY]) {
		e->have |= CTL_ENTRY_HAVE_SOCK;
		e->sock.family = get_u32(tb, CPRHOLD_NL_A_SOCK_FAMILY);
		e->sock.type = get_u32(tb, CPRHOLD_NL_A_SOCK_TYPE);
		e->sock.protocol = get_u32(tb, CPRHOLD_NL_A_SOCK_PROTOCOL);
	}
	if (tb[CPRHOLD_NL_A_DEV_MAJOR]) {
		e->have |= CTL_ENTRY_HAVE_DEV;
		e->dev.major = get_u32(tb, CPRHOLD_NL_A_DEV_MAJOR);
		e->dev.minor = get_u32(tb, CPRHOLD_NL_A_DEV_MINOR);
	}
	return 0;
}

/* ---- requests ------------------------------------------------------ */

struct req {
	uint32_t seq;
	bool done;
	bool intr;
	int err;		/* positive errno from the kernel */
	char msg[256];		/* its extended ACK message */
	int (*valid)(struct nlmsghdr *nlh, void *arg);
	void *arg;
};

/* The extended ACK message among the TLVs at @tlv (@len bytes). */
static void extack_msg(struct req *r, void *tlv, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, tlv, len, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0)
		snprintf(r->msg, sizeof(r->msg), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}

static int seq_cb(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;

	return nlmsg_hdr(msg)->nlmsg_seq == r->seq ? NL_OK : NL_SKIP;
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int ret;

	if (nlh->nlmsg_seq != r->seq)
		return NL_SKIP;
	ret = r->valid ? r->valid(nlh, r->arg) : 0;
	if (ret < 0 && !r->err)
		r->err = -ret;
	/* A "do" reply is followed by the ACK; a dump goes on. */
	return NL_OK;
}

static int finish_cb(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
		int err = *(int *)nlmsg_data(nlh);

		if (err < 0 && !r->err) {
			r->err = -err;
			if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
				extack_msg(r, (char *)nlmsg_data(nlh) + NLMSG_ALIGN(sizeof(int)),
					   (int)nlh->nlmsg_len -
					   (int)NLMSG_LENGTH(NLMSG_ALIGN(sizeof(int))));
		}
	}
	r->done = true;
	return NL_STOP;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;

	(void)msg;
	r->done = true;
	return NL_STOP;
}

static int intr_cb(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;

	(void)msg;
	r->intr = true;
	return NL_OK;
}

static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	struct req *r = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)err - NLMSG_HDRLEN);
	size_t off;

	(void)nla;
	if (nlh->nlmsg_seq != r->seq)
		return NL_SKIP;
	r->err = -err->error;
	r->done = true;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		/* The TLVs follow the (possibly capped) echoed request. */
		off = sizeof(*err);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
		    err->msg.nlmsg_len > NLMSG_HDRLEN)
			off += err->msg.nlmsg_len - NLMSG_HDRLEN;
		off = NLMSG_ALIGN(off);
		if (NLMSG_LENGTH(off) < nlh->nlmsg_len)
			extack_msg(r, (char *)err + off,
				   (int)(nlh->nlmsg_len - NLMSG_LENGTH(off)));
	}
	return NL_STOP;
}

static int request_once(struct ctl_nl *nl, uint8_t cmd, bool dump,
			const char *name,
			int (*valid)(struct nlmsghdr *nlh, void *arg), void *arg,
			struct ctl_nl_err *e, bool *intr)
{
	struct req r = { .valid = valid, .arg = arg };
	struct nl_msg *msg;
	struct nl_cb *cb;
	int ret;

	msg = nlmsg_alloc();
	if (!msg)
		return fail(e, ENOMEM, NULL);
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 dump ? NLM_F_DUMP : NLM_F_ACK, cmd, CPRHOLD_GENL_VERSION) ||
	    (name && nla_put_string(msg, CPRHOLD_NL_A_NAME, name) < 0)) {
		nlmsg_free(msg);
		/* Only a name longer than a netlink message fails here. */
		return fail(e, ENAMETOOLONG, NULL);
	}
	ret = nl_send_auto(nl->sk, msg);
	r.seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (ret < 0)
		return fail(e, nle_errno(ret), NULL);

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return fail(e, ENOMEM, NULL);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, seq_cb, &r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, &r);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, intr_cb, &r);
	nl_cb_err(cb, NL_CB_CUSTOM, err_cb, &r);
	while (!r.done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !r.err && ret != -NLE_DUMP_INTR) {
			r.err = nle_errno(ret);
			break;
		}
	}
	nl_cb_put(cb);
	*intr = r.intr;
	if (r.err)
		return fail(e, r.err, r.msg);
	return 0;
}

/*
 * A request; a dump the kernel marked inconsistent (NLM_F_DUMP_INTR) is
 * repeated, after @reset undid what the first try collected.
 */
static int request(struct ctl_nl *nl, uint8_t cmd, bool dump, const char *name,
		   int (*valid)(struct nlmsghdr *nlh, void *arg), void *arg,
		   void (*reset)(void *arg), struct ctl_nl_err *e)
{
	bool intr = false;
	int tries = 0, ret;

	err_reset(e);
	do {
		if (tries && reset)
			reset(arg);
		ret = request_once(nl, cmd, dump, name, valid, arg, e, &intr);
	} while (!ret && intr && ++tries < 3);
	return ret;
}

/* A growing array of parsed messages. */
struct vec {
	void *items;
	size_t n, cap, size;
	int (*parse)(struct nlmsghdr *nlh, void *item);
	const char *name;	/* entries: only those of this session */
};

static int vec_add(struct nlmsghdr *nlh, void *arg)
{
	struct vec *v = arg;
	void *item;

	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 16;
		void *p = realloc(v->items, cap * v->size);

		if (!p)
			return -ENOMEM;
		v->items = p;
		v->cap = cap;
	}
	item = (char *)v->items + v->n * v->size;
	if (v->parse(nlh, item))
		return 0;	/* not ours or malformed: skip it */
	v->n++;
	return 0;
}

static void vec_reset(void *arg)
{
	((struct vec *)arg)->n = 0;
}

static int parse_session_item(struct nlmsghdr *nlh, void *item)
{
	if (ctl_nl_cmd(nlh) != CPRHOLD_NL_CMD_GET_SESSION)
		return -EINVAL;
	return ctl_nl_parse_session(nlh, item);
}

static int parse_entry_item(struct nlmsghdr *nlh, void *item)
{
	if (ctl_nl_cmd(nlh) != CPRHOLD_NL_CMD_GET_ENTRY)
		return -EINVAL;
	return ctl_nl_parse_entry(nlh, item);
}

int ctl_nl_sessions(struct ctl_nl *nl, struct ctl_session **out, size_t *n,
		    struct ctl_nl_err *e)
{
	struct vec v = { .size = sizeof(**out), .parse = parse_session_item };
	int ret;

	ret = request(nl, CPRHOLD_NL_CMD_GET_SESSION, true, NULL, vec_add, &v,
		      vec_reset, e);
	if (ret) {
		free(v.items);
		return ret;
	}
	*out = v.items;
	*n = v.n;
	return 0;
}

struct one {
	struct ctl_session *s;
	bool got;
};

static int one_session(struct nlmsghdr *nlh, void *arg)
{
	struct one *o = arg;

	if (ctl_nl_cmd(nlh) == CPRHOLD_NL_CMD_GET_SESSION &&
	    !ctl_nl_parse_session(nlh, o->s))
		o->got = true;
	return 0;
}

int ctl_nl_session(struct ctl_nl *nl, const char *name, struct ctl_session *out,
		   struct ctl_nl_err *e)
{
	struct one o = { .s = out };
	int ret;

	ret = request(nl, CPRHOLD_NL_CMD_GET_SESSION, false, name, one_session,
		      &o, NULL, e);
	if (!ret && !o.got)
		return fail(e, EPROTO, "no session in the kernel's answer");
	return ret;
}

int ctl_nl_entries(struct ctl_nl *nl, const char *name, struct ctl_entry **out,
		   size_t *n, struct ctl_nl_err *e)
{
	struct vec v = { .size = sizeof(**out), .parse = parse_entry_item };
	int ret;

	ret = request(nl, CPRHOLD_NL_CMD_GET_ENTRY, true, name, vec_add, &v,
		      vec_reset, e);
	if (ret) {
		free(v.items);
		return ret;
	}
	*out = v.items;
	*n = v.n;
	return 0;
}

/* ---- events -------------------------------------------------------- */

int ctl_nl_subscribe(struct ctl_nl *nl, struct ctl_nl_err *e)
{
	int ret;

	err_reset(e);
	if (nl->mcgrp < 0)
		return fail(e, ENOENT, "the cprhold family has no \"events\" group");
	/* A burst of events should not overflow the queue. */
	nl_socket_set_buffer_size(nl->sk, 1 << 20, 0);
	ret = nl_socket_add_membership(nl->sk, nl->mcgrp);
	if (ret < 0)
		return fail(e, nle_errno(ret), NULL);
	ret = nl_socket_set_nonblocking(nl->sk);
	if (ret < 0)
		return fail(e, nle_errno(ret), NULL);
	return 0;
}

struct events {
	bool (*fn)(const struct ctl_session *ev, void *arg);
	void *arg;
	int n;
};

static int any_seq(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct events *ev = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct ctl_session s;

	if (ctl_nl_cmd(nlh) != CPRHOLD_NL_CMD_EVENT || ctl_nl_parse_session(nlh, &s))
		return NL_SKIP;
	ev->n++;
	return ev->fn(&s, ev->arg) ? NL_OK : NL_STOP;
}

int ctl_nl_read_events(struct ctl_nl *nl,
		       bool (*fn)(const struct ctl_session *ev, void *arg),
		       void *arg, struct ctl_nl_err *e)
{
	struct events ev = { .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int ret;

	err_reset(e);
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return fail(e, ENOMEM, NULL);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, any_seq, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, event_cb, &ev);
	ret = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);
	if (ret < 0) {
		/* recvmsg()'s ENOBUFS reaches us as NLE_NOMEM. */
		ret = nle_errno(ret);
		if (ret == ENOMEM)
			ret = ENOBUFS;
		return fail(e, ret, NULL);
	}
	return ev.n;
}
