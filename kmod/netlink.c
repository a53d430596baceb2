// SPDX-License-Identifier: GPL-2.0
/*
 * The "cprhold" generic netlink family: dump sessions and their entries,
 * and multicast their events, for monitoring without the device.
 *
 * Dumps are scoped like CPRHOLD_LIST_SESSIONS: the caller's effective uid
 * sees its own sessions, CAP_SYS_ADMIN (of the requesting socket, in the
 * initial user namespace) sees all.  Pids and uids are translated into the
 * requester's namespaces.  All of it is taken when the dump starts (in the
 * requesting task): a dump continues in whichever task calls recvmsg(),
 * which may be another process holding the same socket.  The "events"
 * group needs CAP_SYS_ADMIN to join; events go to the initial network
 * namespace with pids and uids as the initial namespaces see them.
 *
 * Documentation/netlink/specs/cprhold.yaml describes the family for YNL
 * tools; selftests/ynl_test.sh compares it with what this file does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "cprhold.h"

enum cprhold_nl_mcgrp {
	CPRHOLD_NL_MCGRP_EVENTS_ID,
};

static const struct genl_multicast_group cprhold_nl_mcgrps[] = {
	[CPRHOLD_NL_MCGRP_EVENTS_ID] = {
		.name = CPRHOLD_GENL_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_SYS_ADMIN,
	},
};

static const struct nla_policy cprhold_nl_name_policy[CPRHOLD_NL_A_NAME + 1] = {
	[CPRHOLD_NL_A_NAME] = { .type = NLA_NUL_STRING, .len = CPRHOLD_NAME_MAX - 1 },
};

static struct genl_family cprhold_genl_family;

/* The attributes of a dump request (their layout differs by kernel). */
static struct nlattr **cprhold_nl_dump_attrs(struct netlink_callback *cb)
{
#ifdef CPRHOLD_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

static int cprhold_nl_put_session(struct sk_buff *skb,
				  const struct cprhold_session_info *info, u64 id)
{
	if (nla_put_string(skb, CPRHOLD_NL_A_NAME, info->name) ||
	    nla_put_u64_64bit(skb, CPRHOLD_NL_A_ID, id, CPRHOLD_NL_A_PAD) ||
	    nla_put_u32(skb, CPRHOLD_NL_A_STATE, info->state) ||
	    nla_put_u32(skb, CPRHOLD_NL_A_FLAGS, info->flags) ||
	    nla_put_u32(skb, CPRHOLD_NL_A_END_REASON, info->end_reason) ||
	    nla_put_u32(skb, CPRHOLD_NL_A_CREATOR_PID, info->creator_pid) ||
	    nla_put_u32(skb, CPRHOLD_NL_A_CREATOR_UID, info->creator_uid) ||
	    nla_put_u32(skb, CPRHOLD_NL_A_CLAIMER_PID, info->claimer_pid) ||
	    nla_put_u32(skb, CPRHOLD_NL_A_NR_CLAIMS, info->nr_claims) ||
	    nla_put_u32(skb, CPRHOLD_NL_A_NR_ENTRIES, info->nr_entries) ||
	    nla_put_u64_64bit(skb, CPRHOLD_NL_A_TTL_MS, info->ttl_ms, CPRHOLD_NL_A_PAD) ||
	    nla_put_u64_64bit(skb, CPRHOLD_NL_A_CREATED_NS, info->created_ns,
			      CPRHOLD_NL_A_PAD) ||
	    nla_put_u64_64bit(skb, CPRHOLD_NL_A_SEALED_NS, info->sealed_ns,
			      CPRHOLD_NL_A_PAD) ||
	    nla_put_u64_64bit(skb, CPRHOLD_NL_A_CLAIMED_NS, info->claimed_ns,
			      CPRHOLD_NL_A_PAD) ||
	    nla_put_u64_64bit(skb, CPRHOLD_NL_A_MEM_BYTES, info->mem_bytes,
			      CPRHOLD_NL_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/* One session message; -EMSGSIZE (nothing added) if it does not fit. */
static int cprhold_nl_session_msg(struct sk_buff *skb, u32 portid, u32 seq,
				  int flags, u8 cmd, struct cprhold_session *s,
				  struct pid_namespace *pidns,
				  struct user_namespace *userns, u32 event)
{
	struct cprhold_session_info info;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &cprhold_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	cprhold_session_snapshot(s, &info, pidns, userns);
	if ((event && nla_put_u32(skb, CPRHOLD_NL_A_EVENT, event)) ||
	    cprhold_nl_put_session(skb, &info, s->id)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static bool cprhold_nl_admin(struct sk_buff *skb)
{
	return netlink_ns_capable(skb, &init_user_ns, CAP_SYS_ADMIN);
}

/*
 * The name attribute into @name (zero-padded, as the ioctls take names),
 * checked like theirs.  The policy made sure it is a NUL-terminated string
 * of at most CPRHOLD_NAME_MAX - 1 characters.
 */
static int cprhold_nl_get_name(const struct nlattr *attr, char *name,
			       struct netlink_ext_ack *extack)
{
	if (!attr) {
		NL_SET_ERR_MSG(extack, "a session name (CPRHOLD_NL_A_NAME) is required");
		return -EINVAL;
	}
	memset(name, 0, CPRHOLD_NAME_MAX);
	nla_strscpy(name, attr, CPRHOLD_NAME_MAX);
	if (cprhold_check_name(name, CPRHOLD_NAME_MAX, false)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "session names are 1-63 characters of [A-Za-z0-9._:@+-]");
		return -EINVAL;
	}
	return 0;
}

/* Who asks: the requester as it was when the request arrived. */
struct cprhold_nl_viewer {
	bool admin;
	kuid_t euid;
	struct pid_namespace *pidns;
	struct user_namespace *userns;
};

static struct cprhold_nl_viewer *cprhold_nl_viewer_new(struct sk_buff *skb)
{
	struct cprhold_nl_viewer *v = kzalloc(sizeof(*v), GFP_KERNEL);

	if (!v)
		return NULL;
	v->admin = cprhold_nl_admin(skb);
	v->euid = current_euid();
	v->pidns = get_pid_ns(task_active_pid_ns(current));
	v->userns = get_user_ns(current_user_ns());
	return v;
}

static void cprhold_nl_viewer_free(struct cprhold_nl_viewer *v)
{
	if (!v)
		return;
	put_pid_ns(v->pidns);
	put_user_ns(v->userns);
	kfree(v);
}

/* A dump's viewer lives in cb->args[2], from .start to .done. */
static struct cprhold_nl_viewer *cprhold_nl_dump_viewer(struct netlink_callback *cb)
{
	return (struct cprhold_nl_viewer *)cb->args[2];
}

static int cprhold_nl_dump_done(struct netlink_callback *cb)
{
	cprhold_nl_viewer_free(cprhold_nl_dump_viewer(cb));
	cb->args[2] = 0;
	return 0;
}

/* The visible session of that name with a reference, or an ERR_PTR. */
static struct cprhold_session *cprhold_nl_lookup(const struct nlattr *attr,
						 bool admin, kuid_t euid,
						 struct netlink_ext_ack *extack)
{
	struct cprhold_session *s;
	char name[CPRHOLD_NAME_MAX];
	int ret;

	ret = cprhold_nl_get_name(attr, name, extack);
	if (ret)
		return ERR_PTR(ret);
	s = cprhold_session_lookup(name);
	if (s && !cprhold_session_visible(s, admin, euid)) {
		cprhold_session_put(s);
		s = NULL;
	}
	if (!s) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "no such session");
		return ERR_PTR(-ENOENT);
	}
	return s;
}

static int cprhold_nl_get_session_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cprhold_session *s;
	struct sk_buff *msg;
	int ret;

	s = cprhold_nl_lookup(info->attrs[CPRHOLD_NL_A_NAME], cprhold_nl_admin(skb),
			      current_euid(), info->extack);
	if (IS_ERR(s))
		return PTR_ERR(s);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		cprhold_session_put(s);
		return -ENOMEM;
	}
	ret = cprhold_nl_session_msg(msg, info->snd_portid, info->snd_seq, 0,
				     CPRHOLD_NL_CMD_GET_SESSION, s,
				     task_active_pid_ns(current), current_user_ns(), 0);
	cprhold_session_put(s);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

struct cprhold_nl_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	const struct cprhold_nl_viewer *v;
	u64 next;		/* where the next message starts */
};

static int cprhold_nl_dump_one_session(struct cprhold_session *s, void *arg)
{
	struct cprhold_nl_dump *d = arg;

	if (!cprhold_session_visible(s, d->v->admin, d->v->euid))
		return 0;
	if (cprhold_nl_session_msg(d->skb, NETLINK_CB(d->cb->skb).portid,
				   d->cb->nlh->nlmsg_seq, NLM_F_MULTI,
				   CPRHOLD_NL_CMD_GET_SESSION, s,
				   d->v->pidns, d->v->userns, 0))
		return 1;	/* full: continue from this one */
	d->next = s->id + 1;
	return 0;
}

static int cprhold_nl_get_session_start(struct netlink_callback *cb)
{
	struct cprhold_nl_viewer *v = cprhold_nl_viewer_new(cb->skb);

	if (!v)
		return -ENOMEM;
	cb->args[2] = (long)v;
	return 0;
}

static int cprhold_nl_get_session_dumpit(struct sk_buff *skb,
					 struct netlink_callback *cb)
{
	struct cprhold_nl_dump d = {
		.skb = skb, .cb = cb, .v = cprhold_nl_dump_viewer(cb),
		.next = cb->args[0],
	};

	cprhold_sessions_walk(d.next, cprhold_nl_dump_one_session, &d);
	cb->args[0] = d.next;
	return skb->len;
}

static int cprhold_nl_put_entry(struct sk_buff *skb, const char *name,
				const struct cprhold_entry *e)
{
	const union cprhold_entry_data *d = &e->data;
	int ret = 0;

	if (nla_put_string(skb, CPRHOLD_NL_A_NAME, name) ||
	    nla_put_u64_64bit(skb, CPRHOLD_NL_A_ENTRY_TOKEN, e->token, CPRHOLD_NL_A_PAD) ||
	    nla_put_string(skb, CPRHOLD_NL_A_ENTRY_LABEL, e->label) ||
	    nla_put_u32(skb, CPRHOLD_NL_A_ENTRY_TYPE, e->type) ||
	    nla_put_u32(skb, CPRHOLD_NL_A_ENTRY_FLAGS, e->flags) ||
	    nla_put_u32(skb, CPRHOLD_NL_A_ENTRY_F_FLAGS, e->f_flags))
		return -EMSGSIZE;
	if ((e->flags & CPRHOLD_ENTRY_ADDR) &&
	    nla_put_u64_64bit(skb, CPRHOLD_NL_A_ENTRY_ADDR, e->addr, CPRHOLD_NL_A_PAD))
		return -EMSGSIZE;

	switch (e->type) {
	case CPRHOLD_ENTRY_MEMFD:
	case CPRHOLD_ENTRY_SHMEM:
	case CPRHOLD_ENTRY_HUGETLBFS:
	case CPRHOLD_ENTRY_REGULAR:
		if (nla_put_u64_64bit(skb, CPRHOLD_NL_A_MEM_SIZE, d->mem.size,
				      CPRHOLD_NL_A_PAD) ||
		    nla_put_u32(skb, CPRHOLD_NL_A_MEM_SEALS, d->mem.seals) ||
		    nla_put_u32(skb, CPRHOLD_NL_A_MEM_PAGE_SIZE, d->mem.page_size) ||
		    nla_put_u64_64bit(skb, CPRHOLD_NL_A_MEM_RESIDENT, d->mem.resident,
				      CPRHOLD_NL_A_PAD))
			ret = -EMSGSIZE;
		break;
	case CPRHOLD_ENTRY_KVM_VCPU:
		ret = nla_put_u32(skb, CPRHOLD_NL_A_VCPU_ID, d->kvm_vcpu.vcpu_id);
		break;
	case CPRHOLD_ENTRY_SOCKET:
		if (nla_put_u32(skb, CPRHOLD_NL_A_SOCK_FAMILY, d->socket.family) ||
		    nla_put_u32(skb, CPRHOLD_NL_A_SOCK_TYPE, d->socket.type) ||
		    nla_put_u32(skb, CPRHOLD_NL_A_SOCK_PROTOCOL, d->socket.protocol))
			ret = -EMSGSIZE;
		break;
	case CPRHOLD_ENTRY_TTY:
	case CPRHOLD_ENTRY_CHARDEV:
	case CPRHOLD_ENTRY_VFIO_CONTAINER:
	case CPRHOLD_ENTRY_VFIO_GROUP:
	case CPRHOLD_ENTRY_TUN:
	case CPRHOLD_ENTRY_VHOST:
	case CPRHOLD_ENTRY_IOMMUFD:
		if (nla_put_u32(skb, CPRHOLD_NL_A_DEV_MAJOR, d->chardev.major) ||
		    nla_put_u32(skb, CPRHOLD_NL_A_DEV_MINOR, d->chardev.minor))
			ret = -EMSGSIZE;
		break;
	}
	return ret ? -EMSGSIZE : 0;
}

struct cprhold_nl_entry_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	const char *name;
	u64 next;
	bool more;
};

static int cprhold_nl_dump_one_entry(const struct cprhold_entry *e, void *arg)
{
	struct cprhold_nl_entry_dump *d = arg;
	void *hdr;

	hdr = genlmsg_put(d->skb, NETLINK_CB(d->cb->skb).portid, d->cb->nlh->nlmsg_seq,
			  &cprhold_genl_family, NLM_F_MULTI, CPRHOLD_NL_CMD_GET_ENTRY);
	if (!hdr)
		goto full;
	if (cprhold_nl_put_entry(d->skb, d->name, e)) {
		genlmsg_cancel(d->skb, hdr);
		goto full;
	}
	genlmsg_end(d->skb, hdr);
	return 0;
full:
	d->next = e->token;
	d->more = true;
	return 1;
}

/*
 * cb->args[0]: the token to continue from; cb->args[1]: 1 once the last
 * entry was sent.
 */
static int cprhold_nl_get_entry_dumpit(struct sk_buff *skb,
				       struct netlink_callback *cb)
{
	struct nlattr **attrs = cprhold_nl_dump_attrs(cb);
	struct cprhold_nl_entry_dump d = {
		.skb = skb, .cb = cb, .next = cb->args[0],
	};
	struct cprhold_session *s;

	if (cb->args[1])
		return 0;
	s = cprhold_nl_lookup(attrs[CPRHOLD_NL_A_NAME], cprhold_nl_dump_viewer(cb)->admin,
			      cprhold_nl_dump_viewer(cb)->euid, cb->extack);
	if (IS_ERR(s))
		return PTR_ERR(s);
	d.name = s->name;
	cprhold_entries_walk(s, d.next, cprhold_nl_dump_one_entry, &d);
	cprhold_session_put(s);
	if (d.more)
		cb->args[0] = d.next;
	else
		cb->args[1] = 1;
	return skb->len;
}

/*
 * Take the viewer, and refuse a bad entry dump request with an error, not
 * an empty dump.
 */
static int cprhold_nl_get_entry_start(struct netlink_callback *cb)
{
	struct cprhold_nl_viewer *v = cprhold_nl_viewer_new(cb->skb);
	struct cprhold_session *s;

	if (!v)
		return -ENOMEM;
	cb->args[2] = (long)v;
	s = cprhold_nl_lookup(cprhold_nl_dump_attrs(cb)[CPRHOLD_NL_A_NAME],
			      v->admin, v->euid, cb->extack);
	if (IS_ERR(s)) {
		/* A failed start is not followed by .done. */
		cprhold_nl_dump_done(cb);
		return PTR_ERR(s);
	}
	cprhold_session_put(s);
	return 0;
}

static const struct genl_ops cprhold_nl_ops[] = {
	{
		.cmd = CPRHOLD_NL_CMD_GET_SESSION,
		.doit = cprhold_nl_get_session_doit,
		.start = cprhold_nl_get_session_start,
		.dumpit = cprhold_nl_get_session_dumpit,
		.done = cprhold_nl_dump_done,
		.policy = cprhold_nl_name_policy,
		.maxattr = CPRHOLD_NL_A_NAME,
	},
	{
		.cmd = CPRHOLD_NL_CMD_GET_ENTRY,
		.start = cprhold_nl_get_entry_start,
		.dumpit = cprhold_nl_get_entry_dumpit,
		.done = cprhold_nl_dump_done,
		.policy = cprhold_nl_name_policy,
		.maxattr = CPRHOLD_NL_A_NAME,
	},
};

static struct genl_family cprhold_genl_family __ro_after_init = {
	.name		= CPRHOLD_GENL_NAME,
	.version	= CPRHOLD_GENL_VERSION,
	.maxattr	= CPRHOLD_NL_A_MAX,
	.netnsok	= true,
	/*
	 * Not under genl_mutex: every op locks what it reads (an entry dump
	 * waits for its session's lock, which an adoption holds for long,
	 * and must not stall every other generic netlink family meanwhile).
	 */
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= cprhold_nl_ops,
	.n_ops		= ARRAY_SIZE(cprhold_nl_ops),
	.mcgrps		= cprhold_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(cprhold_nl_mcgrps),
	/* Every command is validated strictly, header included. */
	.resv_start_op	= CPRHOLD_NL_CMD_GET_SESSION,
};

/* Multicast an event about @s, if anybody listens.  Process context. */
void cprhold_nl_notify(struct cprhold_session *s, enum cprhold_event event)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&cprhold_genl_family, &init_net,
				CPRHOLD_NL_MCGRP_EVENTS_ID))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (cprhold_nl_session_msg(msg, 0, 0, 0, CPRHOLD_NL_CMD_EVENT, s,
				   &init_pid_ns, &init_user_ns, event)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast(&cprhold_genl_family, msg, 0, CPRHOLD_NL_MCGRP_EVENTS_ID,
			  GFP_KERNEL);
}

int __init cprhold_nl_init(void)
{
	return genl_register_family(&cprhold_genl_family);
}

void cprhold_nl_exit(void)
{
	genl_unregister_family(&cprhold_genl_family);
}
