/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nl.h - cprholdctl's client of the "cprhold" generic netlink family
 * (libnl-3, libnl-genl-3): session and entry dumps, the events group.
 */
#ifndef CPRHOLDCTL_NL_H
#define CPRHOLDCTL_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/cprhold.h>

struct nlmsghdr;

/* A session as a session or event message describes it. */
struct ctl_session {
	char name[CPRHOLD_NAME_MAX];
	uint64_t id;
	uint32_t state;
	uint32_t flags;
	uint32_t end_reason;
	uint32_t creator_pid;
	uint32_t creator_uid;
	uint32_t claimer_pid;
	uint32_t nr_claims;
	uint32_t nr_entries;
	uint64_t ttl_ms;
	uint64_t created_ns;
	uint64_t sealed_ns;
	uint64_t claimed_ns;
	uint64_t mem_bytes;
	uint32_t event;		/* event messages only; 0 otherwise */
};

/* Which type data an entry message carried (by attribute, not by type). */
enum {
	CTL_ENTRY_HAVE_ADDR = 1 << 0,
	CTL_ENTRY_HAVE_MEM = 1 << 1,
	CTL_ENTRY_HAVE_VCPU = 1 << 2,
	CTL_ENTRY_HAVE_SOCK = 1 << 3,
	CTL_ENTRY_HAVE_DEV = 1 << 4,
};

struct ctl_entry {
	char session[CPRHOLD_NAME_MAX];
	uint64_t token;
	char label[CPRHOLD_LABEL_MAX];
	uint32_t type;
	uint32_t flags;
	uint32_t f_flags;
	uint64_t addr;
	unsigned int have;	/* CTL_ENTRY_HAVE_* */
	struct {
		uint64_t size;
		uint64_t resident;
		uint32_t seals;
		uint32_t page_size;
	} mem;
	uint32_t vcpu_id;
	struct {
		uint32_t family;
		uint32_t type;
		uint32_t protocol;
	} sock;
	struct {
		uint32_t major;
		uint32_t minor;
	} dev;
};

/* A failure: a positive errno and, if the kernel sent one, its message. */
struct ctl_nl_err {
	int err;
	char msg[256];
	bool no_family;		/* the family is not registered */
};

struct ctl_nl;

/* Connect and resolve the family (and its "events" group). */
int ctl_nl_open(struct ctl_nl **nlp, struct ctl_nl_err *e);
void ctl_nl_close(struct ctl_nl *nl);

/* Every visible session (GET_SESSION dump); *@out is malloc()ed. */
int ctl_nl_sessions(struct ctl_nl *nl, struct ctl_session **out, size_t *n,
		    struct ctl_nl_err *e);

/* One session (GET_SESSION do). */
int ctl_nl_session(struct ctl_nl *nl, const char *name, struct ctl_session *out,
		   struct ctl_nl_err *e);

/* The entries of a session in token order (GET_ENTRY dump). */
int ctl_nl_entries(struct ctl_nl *nl, const char *name, struct ctl_entry **out,
		   size_t *n, struct ctl_nl_err *e);

/*
 * Join the "events" group (CAP_SYS_ADMIN): from then on the socket only
 * receives events.  The socket becomes non-blocking.
 */
int ctl_nl_subscribe(struct ctl_nl *nl, struct ctl_nl_err *e);

/* The socket's fd, to poll() for events. */
int ctl_nl_fd(struct ctl_nl *nl);

/*
 * Read the events waiting on the socket, calling @fn for each; returns the
 * number handled (0 if none was waiting) or -errno (-ENOBUFS: the receive
 * queue overflowed and events were lost; the socket stays usable).
 * @fn returns false to stop reading.
 */
int ctl_nl_read_events(struct ctl_nl *nl,
		       bool (*fn)(const struct ctl_session *ev, void *arg),
		       void *arg, struct ctl_nl_err *e);

/*
 * Decode a session/event or entry message.  Returns 0, or -EINVAL for a
 * message that is not the family's or lacks the mandatory attributes.
 */
int ctl_nl_parse_session(struct nlmsghdr *nlh, struct ctl_session *s);
int ctl_nl_parse_entry(struct nlmsghdr *nlh, struct ctl_entry *e);

/* The generic netlink command of a message (its genlmsghdr cmd). */
int ctl_nl_cmd(struct nlmsghdr *nlh);

#endif /* CPRHOLDCTL_NL_H */
