/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cprhold internal definitions.
 *
 * Objects and their lifetimes:
 *
 *  struct cprhold_session  one per CPRHOLD_CREATE.  Reference counted: the
 *			    session table holds one reference while the
 *			    session is alive (OPEN, SEALED, CLAIMED), every
 *			    session fd (struct cprhold_handle) holds one, a
 *			    pending TTL work holds one, and lookups hold one
 *			    while they work.  Each session in the table also
 *			    pins the module, so rmmod fails while any exists.
 *  struct cprhold_item     one parked file; lives in one of its session's
 *			    batches, found through the session's token
 *			    index, released when the session ends.
 *  struct cprhold_handle   the private data of a session fd: the session
 *			    and the role the fd plays (creator, claimer or
 *			    watcher), and what of the session's state
 *			    changes it has seen (poll()).
 *
 * Locking:
 *  cprhold_table_lock (mutex)  session table: name hash (RCU readers) and
 *				creation-ordered list; per-user counts.
 *  session->lock (mutex)	serializes the operations on one session:
 *				state changes, park, retrieve (with
 *				adoption, which may sleep long), end.
 *  session->info_lock (spin)	what INFO and the listings report: the
 *				state and the fields next to it, and the
 *				batches of items.  Writers hold
 *				session->lock too, so either lock is
 *				enough to read.
 * Order: session->lock -> cprhold_table_lock -> session->info_lock (ending
 * a session takes the table lock under its session lock).  Listings
 * (CPRHOLD_LIST_SESSIONS, the netlink session dump) take the table lock
 * and then only info_lock, never a session lock, so a long operation on
 * one session (an adoption waits for KVM's locks and an SRCU grace period)
 * never stalls another user's CREATE or DESTROY.  Name lookups run under RCU and take a
 * reference with kref_get_unless_zero().
 */
#ifndef _CPRHOLD_H
#define _CPRHOLD_H

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/cprhold.h>

struct pid;
struct pid_namespace;
struct user_namespace;

/* Entries (CPRHOLD_LIST) or sessions (CPRHOLD_LIST_SESSIONS) per call at most. */
#define CPRHOLD_LIST_BATCH 64

/* Module parameters (main.c). */
extern unsigned int cprhold_max_sessions_per_user;
extern unsigned int cprhold_max_entries_per_session;
extern unsigned int cprhold_max_entries_per_user;
extern unsigned int cprhold_max_entries_total;

/* Live-object counters, shown in sysfs (main.c). */
extern atomic_t cprhold_nr_sessions;		/* in the table */
extern atomic_t cprhold_nr_session_objs;	/* allocated, incl. ended */
extern atomic_t cprhold_nr_items;		/* parked entries */

extern struct workqueue_struct *cprhold_wq;

enum cprhold_role {
	CPRHOLD_ROLE_CREATOR,
	CPRHOLD_ROLE_CLAIMER,
	CPRHOLD_ROLE_WATCHER,		/* CPRHOLD_CLAIM_WATCH: INFO, LIST, poll */
};

/*
 * A parked entry.  Park sets every field: see cprhold_park_prepare() and
 * cprhold_park_fd_array().  An fd array's entries (CPRHOLD_PARK_FDS) have
 * no address or label, and no @ext: 32 bytes each.
 */
struct cprhold_item {
	u64 token;
	struct file *file;
	u32 flags;
	u32 type;	/* enum cprhold_entry_type, CPRHOLD_TYPE_UNKNOWN until needed */
	struct cprhold_item_ext *ext;	/* NULL: no address, no label */
};

/* What an entry parked as a struct cprhold_entry has besides its file. */
struct cprhold_item_ext {
	u64 addr;
	char label[CPRHOLD_LABEL_MAX];
};

/*
 * Park classifies a file only for CPRHOLD_PARK_REPORT; otherwise the first
 * use of its type does (cprhold_item_type()).
 */
#define CPRHOLD_TYPE_UNKNOWN	U32_MAX

/*
 * A KVM VM of the session prepared for adoption (CPRHOLD_SEAL_PREPARE_ADOPT):
 * until it is adopted, its files leave the session only into an adoption.
 */
struct cprhold_prep {
	struct list_head node;		/* in the session's @preps */
	struct file *vm;		/* held by the session's entries */
	struct cprhold_kvm_prep *prep;	/* the adopter's */
};

/* An item in a session's token index (index.c). */
struct cprhold_slot {
	u64 token;
	struct cprhold_item *item;
};

/*
 * Items are allocated in batches of up to a page, filled in park order,
 * and freed together when the session ends.  A batch of entries (not of
 * an fd array) has @max struct cprhold_item_ext after its @max items.
 */
struct cprhold_batch {
	struct list_head node;		/* in the session's @batches */
	u32 count;
	u32 max;
	struct cprhold_item items[];
};

struct cprhold_session {
	struct kref ref;
	struct hlist_node hnode;	/* name hash, RCU, table lock */
	struct list_head lnode;		/* creation order, table lock */
	struct rcu_head rcu;
	u64 id;				/* creation sequence number */

	/* Immutable after creation. */
	char name[CPRHOLD_NAME_MAX];
	u8 secret[CPRHOLD_SECRET_SIZE];
	u32 flags;
	u64 ttl_ms;
	kuid_t owner;			/* creator's effective uid */
	struct pid *creator;
	struct user_namespace *userns;	/* CPRHOLD_CREATE_USERNS */
	struct user_namespace *creator_ns; /* the creator's, for the limits */
	u64 created_ns;
	bool announced;			/* CPRHOLD_EVENT_CREATED was sent */

	/* Serializes operations; see the locking rules above. */
	struct mutex lock;
	/* Protects, together with @lock for writers, everything below. */
	spinlock_t info_lock;
	enum cprhold_state state;
	enum cprhold_end end_reason;
	struct cprhold_slot *slots;	/* the items, by token (index.c) */
	u32 max_slots;
	struct list_head batches;	/* their memory, park order */
	u32 nr_items;
	u64 claim_gen;
	u32 nr_claims;
	struct pid *claimer;
	u64 sealed_ns;
	u64 claimed_ns;
	unsigned long sealed_jiffies;
	struct delayed_work ttl_work;
	/* KVM VMs prepared for adoption at seal (struct cprhold_prep), @lock */
	struct list_head preps;
	const struct cprhold_adopt_ops *prep_ops; /* referenced while @preps */
	u64 changes;			/* state changes so far, for poll() */
	wait_queue_head_t wait;		/* woken on each state change */
};

struct cprhold_handle {
	struct cprhold_session *session;
	enum cprhold_role role;
	u64 claim_gen;			/* CPRHOLD_ROLE_CLAIMER */
	u64 seen;			/* @changes at the last INFO (info_lock) */
	struct pid *owner;		/* the process it was returned to */
};

/* The state of one ioctl call (ioctl.c). */
struct cprhold_ucmd {
	struct file *file;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

int cprhold_ucmd_respond(struct cprhold_ucmd *ucmd, size_t cmd_len);
int cprhold_copy_elems(void __user *dst, size_t usize, const void *src,
		       size_t ksize, u32 count);
long cprhold_ctl_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
long cprhold_session_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* session.c */
extern const struct file_operations cprhold_session_fops;
struct cprhold_session *cprhold_session_lookup(const char *name);
bool cprhold_session_visible(struct cprhold_session *s, bool admin, kuid_t euid);
void cprhold_session_snapshot(struct cprhold_session *s,
			      struct cprhold_session_info *info,
			      struct pid_namespace *pidns,
			      struct user_namespace *userns);
/* Iteration callbacks: return non-zero to stop. */
typedef int (*cprhold_session_fn)(struct cprhold_session *s, void *arg);
typedef int (*cprhold_entry_fn)(const struct cprhold_entry *e, void *arg);
int cprhold_sessions_walk(u64 from_id, cprhold_session_fn fn, void *arg);
bool cprhold_file_is_cprhold(struct file *file);
int cprhold_check_name(const char *s, size_t max, bool is_label);
int cprhold_check_item_limits(struct cprhold_session *s, u32 count);
int cprhold_commit_items(struct cprhold_session *s, struct list_head *batches, u32 count);
void cprhold_session_put(struct cprhold_session *s);
int cprhold_create(struct cprhold_ucmd *ucmd);
int cprhold_claim(struct cprhold_ucmd *ucmd);
int cprhold_destroy(struct cprhold_ucmd *ucmd);
int cprhold_list_sessions(struct cprhold_ucmd *ucmd);
int cprhold_info(struct cprhold_ucmd *ucmd);
int cprhold_seal(struct cprhold_ucmd *ucmd);
int cprhold_finish(struct cprhold_ucmd *ucmd);
int cprhold_abort(struct cprhold_ucmd *ucmd);
struct cprhold_handle *cprhold_ucmd_handle(struct cprhold_ucmd *ucmd);
int cprhold_check_claimer(struct cprhold_handle *h);
void cprhold_table_exit(void);

/* entry.c */
int cprhold_park(struct cprhold_ucmd *ucmd);
int cprhold_list(struct cprhold_ucmd *ucmd);
int cprhold_retrieve(struct cprhold_ucmd *ucmd);
void cprhold_batches_release(struct list_head *batches);
u64 cprhold_items_mem_bytes(struct list_head *batches);
int cprhold_entries_walk(struct cprhold_session *s, u64 from_token,
			 cprhold_entry_fn fn, void *arg);
bool cprhold_holds_kvm_vm(struct cprhold_session *s);
void cprhold_prepare_adoption(struct cprhold_session *s, const struct cprhold_adopt_ops *ops);
void cprhold_preps_release(const struct cprhold_adopt_ops *ops, struct list_head *preps);

/* index.c */
u32 cprhold_index_from(struct cprhold_session *s, u64 token);
struct cprhold_item *cprhold_index_find(struct cprhold_session *s, u64 token, u32 *pos);
int cprhold_index_prepare(struct cprhold_session *s, struct list_head *batches, u32 count,
			  struct cprhold_slot **out, u32 *out_max);
struct cprhold_slot *cprhold_index_commit(struct cprhold_session *s, struct list_head *batches,
					  u32 count, struct cprhold_slot *new, u32 new_max);

/* classify.c */
void cprhold_classify(struct file *file, struct cprhold_entry *e);
u32 cprhold_item_type(struct cprhold_item *it);
bool cprhold_type_is_memory(u32 type);

/* adopt.c */
struct cprhold_adopt_ops;
struct cprhold_kvm_prep;
const struct cprhold_adopt_ops *cprhold_adopt_get(void);
void cprhold_adopt_put(const struct cprhold_adopt_ops *ops);
int cprhold_adopt_vm(const struct cprhold_adopt_ops *ops, struct file *vm_file,
		     unsigned int vm_refs, struct file *const *vcpus,
		     const unsigned int *vcpu_refs, unsigned int nr_vcpus,
		     struct cprhold_kvm_prep *prep);
struct cprhold_kvm_prep *cprhold_adopt_prepare(const struct cprhold_adopt_ops *ops,
					       struct file *vm_file, unsigned int vm_refs,
					       struct file *const *vcpus,
					       const unsigned int *vcpu_refs,
					       unsigned int nr_vcpus);
void cprhold_adopt_release(const struct cprhold_adopt_ops *ops, struct cprhold_kvm_prep *prep);

/* netlink.c */
void cprhold_nl_notify(struct cprhold_session *s, enum cprhold_event event);
int cprhold_nl_init(void);
void cprhold_nl_exit(void);

/* main.c */
extern const struct file_operations cprhold_ctl_fops;

#endif /* _CPRHOLD_H */
