// SPDX-License-Identifier: GPL-2.0
/*
 * cprhold sessions: the table, the state machine and the lifetime rules.
 *
 *                 CPRHOLD_CREATE
 *                       |
 *                       v          creator's fd closed
 *                    +------+  ------------------------------+
 *                    | OPEN |  PARK                          |
 *                    +------+                                |
 *                       | SEAL                               |
 *                       v                                    |
 *      ABORT,        +--------+   TTL expired, DESTROY       v
 *   claimer's fd --> | SEALED | --------------------->  +----------+
 *      closed        +--------+                         | FINISHED |
 *         ^             | CLAIM (name + secret)         +----------+
 *         |             v                                    ^
 *         |        +---------+        FINISH, DESTROY        |
 *         +------- | CLAIMED | ------------------------------+
 *                  +---------+  RETRIEVE (repeatable)
 *
 * DESTROY ends a session in any state.  An ended session has released all
 * its entries and left the table; session fds that outlive it see state
 * FINISHED (CPRHOLD_INFO) and ENOENT for everything else.
 *
 * "Closed" means: the process the session fd was returned to holds no fd
 * of it any more (it closed its last one, or exited), or the file's last
 * reference is gone.  The first rule breaks the reference cycles a parked
 * file can make (an io_uring whose fixed files, or a socket whose queued
 * SCM_RIGHTS, hold the session fd itself): the session does not wait for
 * a release that would never come.
 *
 * A claim is bound to the session fd it returned: a generation number
 * tells a current claim from an aborted one, so a claimer that aborted (or
 * lost the session to a destroy and a new one of the same name) cannot act
 * on it any more.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/magic.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/proc_ns.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/stringhash.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "cprhold.h"
#include "trace.h"

#define CPRHOLD_HASH_BITS 8

static DEFINE_MUTEX(cprhold_table_lock);
static DEFINE_HASHTABLE(cprhold_names, CPRHOLD_HASH_BITS);
static LIST_HEAD(cprhold_sessions);
static u64 cprhold_next_id = 1;

static u32 cprhold_name_hash(const char *name)
{
	return full_name_hash(NULL, name, strlen(name));
}

/*
 * Validate a fixed-size name or label array from userspace: NUL-terminated
 * inside the array, the bytes after the NUL zero, characters out of
 * [A-Za-z0-9._@+-] and, for names, ':'.  Labels exclude ':' so they can
 * serve as LISTEN_FDNAMES.  ASCII only: not isalnum(), which takes the
 * kernel's Latin-1 letters too.
 */
static const u64 cprhold_label_chars[2] = {
	/* '+' '-' '.' '0'-'9' */
	BIT_ULL('+') | BIT_ULL('-') | BIT_ULL('.') | GENMASK_ULL('9', '0'),
	/* '@' 'A'-'Z' '_' 'a'-'z' */
	BIT_ULL('@' - 64) | GENMASK_ULL('Z' - 64, 'A' - 64) | BIT_ULL('_' - 64) |
	GENMASK_ULL('z' - 64, 'a' - 64),
};

static bool cprhold_name_char(unsigned char c, bool is_label)
{
	if (c >= 128)
		return false;
	return (cprhold_label_chars[c / 64] >> (c % 64)) & 1 || (c == ':' && !is_label);
}

int cprhold_check_name(const char *s, size_t max, bool is_label)
{
	size_t len;

	for (len = 0; len < max && s[len]; len++)
		if (!cprhold_name_char(s[len], is_label))
			return -EINVAL;
	if (len == max)
		return -EINVAL;
	if (!len && !is_label)
		return -EINVAL;
	if (memchr_inv(s + len, 0, max - len))
		return -EINVAL;
	return 0;
}

static struct cprhold_session *cprhold_session_get(struct cprhold_session *s)
{
	kref_get(&s->ref);
	return s;
}

static void cprhold_session_free_rcu(struct rcu_head *head)
{
	struct cprhold_session *s = container_of(head, struct cprhold_session, rcu);

	kfree_sensitive(s);
}

static void cprhold_session_release(struct kref *ref)
{
	struct cprhold_session *s = container_of(ref, struct cprhold_session, ref);

	WARN_ON_ONCE(s->state != CPRHOLD_STATE_FINISHED);
	WARN_ON_ONCE(s->slots || !list_empty(&s->batches) || !list_empty(&s->preps));
	put_pid(s->creator);
	put_pid(s->claimer);
	if (s->userns)
		put_user_ns(s->userns);
	if (s->creator_ns)
		put_user_ns(s->creator_ns);
	mutex_destroy(&s->lock);
	atomic_dec(&cprhold_nr_session_objs);
	/* Name lookups may still be looking at it: free after a grace period. */
	call_rcu(&s->rcu, cprhold_session_free_rcu);
}

void cprhold_session_put(struct cprhold_session *s)
{
	kref_put(&s->ref, cprhold_session_release);
}

/* Find a live session by name and take a reference; NULL if none. */
struct cprhold_session *cprhold_session_lookup(const char *name)
{
	struct cprhold_session *s;

	rcu_read_lock();
	hash_for_each_possible_rcu(cprhold_names, s, hnode,
				   cprhold_name_hash(name)) {
		if (!strcmp(s->name, name) && kref_get_unless_zero(&s->ref)) {
			rcu_read_unlock();
			return s;
		}
	}
	rcu_read_unlock();
	return NULL;
}

/*
 * The TTL work: pending (with a session reference) from each entry to
 * SEALED; it ends the session only if, under the session lock, it is
 * still SEALED since long enough (cprhold_session_end()).  Every end
 * cancels it, so no timer of an ended session survives it (each session
 * in the table pins the module; the work's own reference does not).
 */
static void cprhold_ttl_queue(struct cprhold_session *s, unsigned long delay)
{
	lockdep_assert_held(&s->lock);
	if (!s->ttl_ms)
		return;
	cprhold_session_get(s);
	/* Pending already: moved to the new expiry, with its reference. */
	if (mod_delayed_work(cprhold_wq, &s->ttl_work, delay))
		cprhold_session_put(s);
}

/*
 * Every change of state goes through here, under info_lock: the count of
 * changes is what poll() compares with what a session fd has seen.  The
 * caller wakes the pollers once the lock is dropped.
 */
static void cprhold_set_state(struct cprhold_session *s, enum cprhold_state state)
{
	lockdep_assert_held(&s->info_lock);
	trace_cprhold_state(s->id, s->name, s->state, state, s->end_reason);
	s->state = state;
	s->changes++;
}

static void cprhold_wake_pollers(struct cprhold_session *s)
{
	__poll_t mask = EPOLLIN | EPOLLRDNORM | EPOLLPRI;

	if (READ_ONCE(s->state) == CPRHOLD_STATE_FINISHED)
		mask |= EPOLLHUP;
	wake_up_interruptible_poll(&s->wait, mask);
}

static bool cprhold_ttl_expired(struct cprhold_session *s)
{
	lockdep_assert_held(&s->lock);
	return s->ttl_ms && s->state == CPRHOLD_STATE_SEALED &&
	       time_after_eq(jiffies, s->sealed_jiffies + msecs_to_jiffies(s->ttl_ms));
}

/* Enter SEALED (from OPEN or CLAIMED); the TTL starts again. */
static void cprhold_set_sealed(struct cprhold_session *s)
{
	lockdep_assert_held(&s->lock);
	spin_lock(&s->info_lock);
	cprhold_set_state(s, CPRHOLD_STATE_SEALED);
	s->sealed_jiffies = jiffies;
	s->sealed_ns = ktime_get_real_ns();
	if (s->claimer) {
		put_pid(s->claimer);
		s->claimer = NULL;
	}
	spin_unlock(&s->info_lock);
	cprhold_wake_pollers(s);
	cprhold_ttl_queue(s, msecs_to_jiffies(s->ttl_ms));
}

static void cprhold_ttl_cancel(struct cprhold_session *s)
{
	if (cancel_delayed_work(&s->ttl_work))
		cprhold_session_put(s);
}

/*
 * End a session: FINISHED, out of the table, entries released.  If
 * @required is not 0, only a session in that state is ended, and if
 * @claim_gen is not 0, only while that claim is current; an expiry only
 * if the TTL has run out since the last entry to SEALED.  Decided and
 * done under the session lock, so nothing can pass in between.  Returns
 * whether this call ended it.  The caller holds a reference.
 */
static bool cprhold_session_end(struct cprhold_session *s, enum cprhold_end why,
				enum cprhold_state required, u64 claim_gen)
{
	const struct cprhold_adopt_ops *prep_ops;
	struct cprhold_slot *slots;
	LIST_HEAD(batches);
	LIST_HEAD(preps);

	mutex_lock(&s->lock);
	if (s->state == CPRHOLD_STATE_FINISHED ||
	    (required && s->state != required) ||
	    (claim_gen && s->claim_gen != claim_gen) ||
	    (why == CPRHOLD_END_EXPIRED && !cprhold_ttl_expired(s))) {
		mutex_unlock(&s->lock);
		return false;
	}
	spin_lock(&s->info_lock);
	s->end_reason = why;
	cprhold_set_state(s, CPRHOLD_STATE_FINISHED);
	slots = s->slots;
	s->slots = NULL;
	s->max_slots = 0;
	list_splice_init(&s->batches, &batches);
	atomic_sub(s->nr_items, &cprhold_nr_items);
	WRITE_ONCE(s->nr_items, 0);
	spin_unlock(&s->info_lock);
	list_splice_init(&s->preps, &preps);
	prep_ops = s->prep_ops;
	s->prep_ops = NULL;
	cprhold_wake_pollers(s);

	mutex_lock(&cprhold_table_lock);
	hash_del_rcu(&s->hnode);
	list_del(&s->lnode);
	atomic_dec(&cprhold_nr_sessions);
	mutex_unlock(&cprhold_table_lock);

	/* Events in state order: sent before the session lock is dropped. */
	if (s->announced)
		cprhold_nl_notify(s, why == CPRHOLD_END_FINISHED ? CPRHOLD_EVENT_FINISHED :
				     why == CPRHOLD_END_EXPIRED ? CPRHOLD_EVENT_EXPIRED :
				     CPRHOLD_EVENT_DESTROYED);
	mutex_unlock(&s->lock);

	/*
	 * FINISHED cannot be left, so nothing queues the TTL work again: a
	 * pending one is cancelled here (from the work itself too, which
	 * may have been queued again by an abort while it ran).
	 */
	cprhold_ttl_cancel(s);
	kvfree(slots);
	if (prep_ops) {
		cprhold_preps_release(prep_ops, &preps);
		cprhold_adopt_put(prep_ops);
	}
	cprhold_batches_release(&batches);
	pr_debug("session %s ended (%d)\n", s->name, why);
	cprhold_session_put(s);		/* the table's reference */
	module_put(THIS_MODULE);	/* taken by cprhold_create() */
	return true;
}

static void cprhold_ttl_work(struct work_struct *work)
{
	struct cprhold_session *s = container_of(to_delayed_work(work),
						 struct cprhold_session, ttl_work);

	/* Re-checked under the lock: a claim and an abort may have passed. */
	cprhold_session_end(s, CPRHOLD_END_EXPIRED, CPRHOLD_STATE_SEALED, 0);
	cprhold_session_put(s);
}

/*
 * The session fd @h was closed: a creator that lets go before sealing
 * leaks nothing, a claimer that lets go unfinished hands the session back.
 */
static void cprhold_handle_closed(struct cprhold_handle *h)
{
	struct cprhold_session *s = h->session;

	if (h->role == CPRHOLD_ROLE_WATCHER)
		return;
	if (h->role == CPRHOLD_ROLE_CREATOR) {
		cprhold_session_end(s, CPRHOLD_END_CLOSED, CPRHOLD_STATE_OPEN, 0);
		return;
	}
	mutex_lock(&s->lock);
	if (h->claim_gen && s->state == CPRHOLD_STATE_CLAIMED &&
	    s->claim_gen == h->claim_gen) {
		cprhold_set_sealed(s);
		cprhold_nl_notify(s, CPRHOLD_EVENT_ABORTED);
	}
	mutex_unlock(&s->lock);
}

static int cprhold_same_file(const void *file, struct file *f, unsigned int fd)
{
	return f == file;
}

/*
 * Every close() of a session fd, in the closing process.  When the process
 * it was returned to has no fd of it left, the session fd counts as closed
 * although the file may live on: in a parked io_uring's fixed files or a
 * parked socket's queue (a cycle through the session itself), or in a
 * child that inherited it.  At exit the fd table is already detached: the
 * process counts as gone once its last thread exits.  Only the closing
 * thread's fd table is searched: a thread that unshared its fd table and
 * closes its copy counts as the process letting go (documented).
 */
static int cprhold_session_fop_flush(struct file *file, fl_owner_t id)
{
	struct cprhold_handle *h = file->private_data;

	if (task_tgid(current) != h->owner)
		return 0;
	if (current->files) {
		if (iterate_fd(current->files, 0, cprhold_same_file, file))
			return 0;
	} else if (atomic_read(&current->signal->live)) {
		/* A thread with an fd table of its own exits; others live. */
		return 0;
	}
	cprhold_handle_closed(h);
	return 0;
}

static int cprhold_session_fop_release(struct inode *inode, struct file *file)
{
	struct cprhold_handle *h = file->private_data;
	struct cprhold_session *s = h->session;

	cprhold_handle_closed(h);
	cprhold_session_put(s);
	put_pid(h->owner);
	kfree(h);
	return 0;
}

/*
 * Readable (EPOLLIN, EPOLLRDNORM, EPOLLPRI) while the session has changed
 * state since this fd last read it with CPRHOLD_INFO (or was returned);
 * EPOLLHUP once the session has ended.  Level-triggered: a waiter calls
 * CPRHOLD_INFO after each wake-up, and no change can slip in between.
 */
static __poll_t cprhold_session_fop_poll(struct file *file, poll_table *wait)
{
	struct cprhold_handle *h = file->private_data;
	struct cprhold_session *s = h->session;
	__poll_t mask = 0;

	poll_wait(file, &s->wait, wait);
	spin_lock(&s->info_lock);
	if (s->changes != h->seen)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLPRI;
	if (s->state == CPRHOLD_STATE_FINISHED)
		mask |= EPOLLHUP;
	spin_unlock(&s->info_lock);
	return mask;
}

const struct file_operations cprhold_session_fops = {
	.owner		= THIS_MODULE,
	.flush		= cprhold_session_fop_flush,
	.release	= cprhold_session_fop_release,
	.poll		= cprhold_session_fop_poll,
	.unlocked_ioctl	= cprhold_session_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

bool cprhold_file_is_cprhold(struct file *file)
{
	return file->f_op == &cprhold_session_fops ||
	       file->f_op == &cprhold_ctl_fops;
}

struct cprhold_handle *cprhold_ucmd_handle(struct cprhold_ucmd *ucmd)
{
	return ucmd->file->private_data;
}

/* A new session fd for @s; takes a reference on @s. */
static struct file *cprhold_handle_file(struct cprhold_session *s,
					enum cprhold_role role, u64 gen)
{
	struct cprhold_handle *h;
	struct file *file;

	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		return ERR_PTR(-ENOMEM);
	h->session = s;
	h->role = role;
	h->claim_gen = gen;
	h->seen = READ_ONCE(s->changes);	/* made current by the caller */
	h->owner = get_task_pid(current, PIDTYPE_TGID);
	file = anon_inode_getfile("[cprhold-session]", &cprhold_session_fops, h,
				  O_RDWR);
	if (IS_ERR(file)) {
		put_pid(h->owner);
		kfree(h);
		return file;
	}
	cprhold_session_get(s);
	return file;
}

/* The user namespace behind an nsfs fd, with a reference. */
static struct user_namespace *cprhold_userns_from_fd(int fd)
{
	struct user_namespace *ns = ERR_PTR(-EINVAL);
	struct ns_common *nsc;
	struct file *file;

	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);
	if (file_inode(file)->i_sb->s_magic == NSFS_MAGIC) {
		nsc = get_proc_ns(file_inode(file));
		if (nsc->ops->type == CLONE_NEWUSER)
			ns = get_user_ns(container_of(nsc, struct user_namespace, ns));
	}
	fput(file);
	return ns;
}

/*
 * The users a session counts against, for the per-user limits: its owner
 * (the creator's effective uid) and the owner of every user namespace
 * between the creator's and the initial one, as the kernel's ucounts
 * charge inotify instances or POSIX message queues.  So a container
 * cannot pass the limits of the user that created it by spreading its
 * sessions over the subordinate uids it maps.
 */
static bool cprhold_counts_against(const struct cprhold_session *s, kuid_t uid)
{
	const struct user_namespace *ns;

	if (uid_eq(s->owner, uid))
		return true;
	for (ns = s->creator_ns; ns && ns != &init_user_ns; ns = ns->parent)
		if (uid_eq(ns->owner, uid))
			return true;
	return false;
}

/*
 * Is @s, with @sessions more sessions and @entries more entries, within
 * the per-user limits of every user it counts against?
 */
static bool cprhold_within_user_limits(const struct cprhold_session *s,
				       unsigned int sessions, u64 entries)
{
	const struct user_namespace *ns = s->creator_ns;
	kuid_t uid = s->owner;

	lockdep_assert_held(&cprhold_table_lock);
	for (;;) {
		struct cprhold_session *other;
		unsigned int n = sessions;
		u64 e = entries;

		list_for_each_entry(other, &cprhold_sessions, lnode) {
			if (cprhold_counts_against(other, uid)) {
				n++;
				e += READ_ONCE(other->nr_items);
			}
		}
		if ((sessions && n > READ_ONCE(cprhold_max_sessions_per_user)) ||
		    (entries && e > READ_ONCE(cprhold_max_entries_per_user)))
			return false;
		if (!ns || ns == &init_user_ns)
			return true;
		uid = ns->owner;
		ns = ns->parent;
	}
}

/*
 * Would @count more items keep OPEN session @s within the limits of the
 * session, its owner and the machine?  -ENOSPC if not.  Park checks this
 * before its work (the errno order puts limits first) and again when it
 * commits.  Called with s->lock.
 */
int cprhold_check_item_limits(struct cprhold_session *s, u32 count)
{
	bool ok;

	lockdep_assert_held(&s->lock);
	if ((u64)s->nr_items + count > READ_ONCE(cprhold_max_entries_per_session))
		return -ENOSPC;
	mutex_lock(&cprhold_table_lock);
	ok = cprhold_within_user_limits(s, 0, count) &&
	     (u64)atomic_read(&cprhold_nr_items) + count <= READ_ONCE(cprhold_max_entries_total);
	mutex_unlock(&cprhold_table_lock);
	return ok ? 0 : -ENOSPC;
}

/*
 * Insert the @count items of @batches into OPEN session @s, within the
 * limits of the session, its owner and the machine: -EEXIST if a token is
 * taken (in @s or twice in @batches), -ENOSPC over a limit; all or nothing
 * (@batches are the session's only on success).  Every commit happens under the
 * table lock, so one user's sum cannot pass its limit between the check
 * and the commit; ends only lower the sums.  Called with s->lock.
 */
int cprhold_commit_items(struct cprhold_session *s, struct list_head *batches, u32 count)
{
	struct cprhold_slot *slots;
	u32 max_slots = 0;
	int ret;

	lockdep_assert_held(&s->lock);
	ret = cprhold_index_prepare(s, batches, count, &slots, &max_slots);
	if (ret)
		return ret;
	mutex_lock(&cprhold_table_lock);
	if (s->nr_items + count > READ_ONCE(cprhold_max_entries_per_session) ||
	    !cprhold_within_user_limits(s, 0, count)) {
		ret = -ENOSPC;
	} else if (atomic_add_return(count, &cprhold_nr_items) >
		   READ_ONCE(cprhold_max_entries_total)) {
		atomic_sub(count, &cprhold_nr_items);
		ret = -ENOSPC;
	} else {
		spin_lock(&s->info_lock);
		slots = cprhold_index_commit(s, batches, count, slots, max_slots);
		spin_unlock(&s->info_lock);
	}
	mutex_unlock(&cprhold_table_lock);
	kvfree(slots);		/* the one not used, or the old one */
	return ret;
}

/* Insert a new session; fails if the name is taken or the user is over. */
static int cprhold_table_insert(struct cprhold_session *s)
{
	struct cprhold_session *other;
	u32 hash = cprhold_name_hash(s->name);
	int ret = 0;

	mutex_lock(&cprhold_table_lock);
	hash_for_each_possible(cprhold_names, other, hnode, hash) {
		if (!strcmp(other->name, s->name)) {
			ret = -EEXIST;
			goto out;
		}
	}
	if (!cprhold_within_user_limits(s, 1, 0)) {
		ret = -ENOSPC;
		goto out;
	}
	s->id = cprhold_next_id++;
	hash_add_rcu(cprhold_names, &s->hnode, hash);
	list_add_tail(&s->lnode, &cprhold_sessions);
	atomic_inc(&cprhold_nr_sessions);
out:
	mutex_unlock(&cprhold_table_lock);
	return ret;
}

#define CPRHOLD_CREATE_FLAGS (CPRHOLD_CREATE_SAME_KUID | CPRHOLD_CREATE_USERNS | \
			      CPRHOLD_CREATE_NO_CLOEXEC)

int cprhold_create(struct cprhold_ucmd *ucmd)
{
	struct cprhold_create *cmd = ucmd->cmd;
	struct user_namespace *userns = NULL;
	struct cprhold_session *s;
	struct file *file;
	int fd, ret;

	if (cmd->flags & ~CPRHOLD_CREATE_FLAGS)
		return -EOPNOTSUPP;
	if (cmd->__reserved || cmd->__reserved2)
		return -EINVAL;
	ret = cprhold_check_name(cmd->name, sizeof(cmd->name), false);
	if (ret)
		return ret;
	/* The TTL is a delayed work: it must fit in msecs_to_jiffies(). */
	if (cmd->ttl_ms > U32_MAX)
		return -EINVAL;
	if (!(cmd->flags & CPRHOLD_CREATE_USERNS) && cmd->userns_fd)
		return -EINVAL;
	if (cmd->flags & CPRHOLD_CREATE_USERNS) {
		userns = cprhold_userns_from_fd(cmd->userns_fd);
		if (IS_ERR(userns))
			return PTR_ERR(userns);
	}

	ret = -ENOMEM;
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		goto err_userns;
	kref_init(&s->ref);		/* the table's reference */
	mutex_init(&s->lock);
	spin_lock_init(&s->info_lock);
	init_waitqueue_head(&s->wait);
	INIT_HLIST_NODE(&s->hnode);
	INIT_DELAYED_WORK(&s->ttl_work, cprhold_ttl_work);
	INIT_LIST_HEAD(&s->batches);
	INIT_LIST_HEAD(&s->preps);
	strscpy(s->name, cmd->name, sizeof(s->name));
	get_random_bytes(s->secret, sizeof(s->secret));
	s->flags = cmd->flags;
	s->ttl_ms = cmd->ttl_ms;
	s->owner = current_euid();
	s->creator = get_task_pid(current, PIDTYPE_TGID);
	s->userns = userns;
	s->creator_ns = get_user_ns(current_user_ns());
	s->created_ns = ktime_get_real_ns();
	s->state = CPRHOLD_STATE_OPEN;
	atomic_inc(&cprhold_nr_session_objs);

	fd = get_unused_fd_flags(cmd->flags & CPRHOLD_CREATE_NO_CLOEXEC ? 0 : O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_free;
	}
	file = cprhold_handle_file(s, CPRHOLD_ROLE_CREATOR, 0);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_fd;
	}
	/* Under the lock: the creation's event comes before any other. */
	mutex_lock(&s->lock);
	ret = cprhold_table_insert(s);
	if (!ret)
		trace_cprhold_state(s->id, s->name, 0, CPRHOLD_STATE_OPEN, CPRHOLD_END_NONE);
	mutex_unlock(&s->lock);
	if (ret)
		goto err_file;
	/* Each session in the table pins the module (our fd pins it now). */
	__module_get(THIS_MODULE);

	cmd->out_fd = fd;
	memcpy(cmd->out_secret, s->secret, sizeof(cmd->out_secret));
	ret = cprhold_ucmd_respond(ucmd, sizeof(*cmd));
	memzero_explicit(cmd->out_secret, sizeof(cmd->out_secret));
	if (ret) {
		/* Nobody could see it but by name, and nobody can claim OPEN. */
		cprhold_session_end(s, CPRHOLD_END_CLOSED, 0, 0);
		fput(file);
		put_unused_fd(fd);
		return ret;
	}
	/*
	 * The file's reference keeps @s alive until fd_install(), the last
	 * step: once the fd is published another thread may close it.
	 */
	mutex_lock(&s->lock);
	if (s->state != CPRHOLD_STATE_FINISHED) {	/* not destroyed by name */
		s->announced = true;
		cprhold_nl_notify(s, CPRHOLD_EVENT_CREATED);
	}
	mutex_unlock(&s->lock);
	fd_install(fd, file);
	return 0;

err_file:
	/* Not in the table: end it by hand so the release finds it FINISHED. */
	s->state = CPRHOLD_STATE_FINISHED;
	fput(file);
err_fd:
	put_unused_fd(fd);
err_free:
	s->state = CPRHOLD_STATE_FINISHED;
	cprhold_session_put(s);
	return ret;
err_userns:
	if (userns)
		put_user_ns(userns);
	return ret;
}

static bool cprhold_may_claim(struct cprhold_session *s, const u8 *secret)
{
	if (crypto_memneq(s->secret, secret, sizeof(s->secret)))
		return false;
	if ((s->flags & CPRHOLD_CREATE_SAME_KUID) && !uid_eq(current_euid(), s->owner))
		return false;
	if ((s->flags & CPRHOLD_CREATE_USERNS) && !current_in_userns(s->userns))
		return false;
	return true;
}

/*
 * CLAIM changes nothing in the caller's struct but @out_fd, and that only
 * on success: a failed claim can be retried with the same struct.
 */
int cprhold_claim(struct cprhold_ucmd *ucmd)
{
	struct cprhold_claim __user *ucmd_claim = ucmd->ubuffer;
	struct cprhold_claim *cmd = ucmd->cmd;
	bool watch = cmd->flags & CPRHOLD_CLAIM_WATCH;
	struct cprhold_handle *h;
	struct pid *old_claimer;
	u64 old_claimed_ns, gen;
	struct cprhold_session *s;
	struct file *file;
	int fd, ret;

	if (cmd->flags & ~(CPRHOLD_CLAIM_NO_CLOEXEC | CPRHOLD_CLAIM_WATCH))
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;
	ret = cprhold_check_name(cmd->name, sizeof(cmd->name), false);
	if (ret)
		goto out_wipe;

	ret = -ENOENT;
	s = cprhold_session_lookup(cmd->name);
	if (!s)
		goto out_wipe;
	fd = get_unused_fd_flags(cmd->flags & CPRHOLD_CLAIM_NO_CLOEXEC ? 0 : O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto out_put;
	}

	mutex_lock(&s->lock);
	if (s->state == CPRHOLD_STATE_FINISHED) {
		ret = -ENOENT;
		goto out_unlock;
	}
	/* Check the secret before revealing the state. */
	if (!cprhold_may_claim(s, cmd->secret)) {
		ret = -EACCES;
		goto out_unlock;
	}
	if (watch) {
		/* Watching changes nothing; the fd sees every change from now. */
		file = cprhold_handle_file(s, CPRHOLD_ROLE_WATCHER, 0);
		mutex_unlock(&s->lock);
		if (IS_ERR(file)) {
			ret = PTR_ERR(file);
			goto out_fd;
		}
		if (put_user(fd, &ucmd_claim->out_fd)) {
			fput(file);		/* a watcher's release does nothing */
			ret = -EFAULT;
			goto out_fd;
		}
		goto install;
	}
	if (s->state != CPRHOLD_STATE_SEALED) {
		ret = -EBUSY;
		goto out_unlock;
	}
	gen = s->claim_gen + 1;
	file = cprhold_handle_file(s, CPRHOLD_ROLE_CLAIMER, gen);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto out_unlock;
	}
	h = file->private_data;
	/*
	 * The TTL work stays queued: it ends nothing while CLAIMED, and an
	 * undone claim below finds the TTL still running.
	 */
	old_claimer = s->claimer;
	old_claimed_ns = s->claimed_ns;
	spin_lock(&s->info_lock);
	cprhold_set_state(s, CPRHOLD_STATE_CLAIMED);
	h->seen = s->changes;	/* the claimer knows it claimed */
	s->claim_gen = gen;
	s->nr_claims++;
	s->claimer = get_task_pid(current, PIDTYPE_TGID);
	s->claimed_ns = ktime_get_real_ns();
	spin_unlock(&s->info_lock);
	cprhold_wake_pollers(s);
	cprhold_nl_notify(s, CPRHOLD_EVENT_CLAIMED);
	mutex_unlock(&s->lock);

	if (put_user(fd, &ucmd_claim->out_fd)) {
		/* Undo: this claim never had an fd; its release does nothing. */
		h->claim_gen = 0;
		mutex_lock(&s->lock);
		if (s->state == CPRHOLD_STATE_CLAIMED && s->claim_gen == gen) {
			spin_lock(&s->info_lock);
			cprhold_set_state(s, CPRHOLD_STATE_SEALED);
			s->claim_gen--;
			s->nr_claims--;
			swap(s->claimer, old_claimer);
			s->claimed_ns = old_claimed_ns;
			spin_unlock(&s->info_lock);
			cprhold_wake_pollers(s);
			if (!delayed_work_pending(&s->ttl_work) && s->ttl_ms) {
				unsigned long end = s->sealed_jiffies +
						    msecs_to_jiffies(s->ttl_ms);

				cprhold_ttl_queue(s, time_after(end, jiffies) ?
						  end - jiffies : 0);
			}
			cprhold_nl_notify(s, CPRHOLD_EVENT_ABORTED);
		}
		mutex_unlock(&s->lock);
		put_pid(old_claimer);
		fput(file);
		put_unused_fd(fd);
		ret = -EFAULT;
		goto out_put;
	}
	put_pid(old_claimer);
install:
	fd_install(fd, file);
	cprhold_session_put(s);
	memzero_explicit(cmd->secret, sizeof(cmd->secret));
	return 0;

out_unlock:
	mutex_unlock(&s->lock);
out_fd:
	put_unused_fd(fd);
out_put:
	cprhold_session_put(s);
out_wipe:
	memzero_explicit(cmd->secret, sizeof(cmd->secret));
	return ret;
}

static bool cprhold_is_owner(struct cprhold_session *s)
{
	return uid_eq(s->owner, current_euid());
}

/*
 * May a viewer with effective uid @euid see @s in listings?  @admin: it
 * has CAP_SYS_ADMIN.
 */
bool cprhold_session_visible(struct cprhold_session *s, bool admin, kuid_t euid)
{
	return admin || uid_eq(s->owner, euid);
}

int cprhold_destroy(struct cprhold_ucmd *ucmd)
{
	struct cprhold_destroy *cmd = ucmd->cmd;
	struct cprhold_session *s;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	ret = cprhold_check_name(cmd->name, sizeof(cmd->name), false);
	if (ret)
		return ret;
	s = cprhold_session_lookup(cmd->name);
	if (!s)
		return -ENOENT;
	if (!cprhold_is_owner(s) && !capable(CAP_SYS_ADMIN))
		ret = -EACCES;
	else if (!cprhold_session_end(s, CPRHOLD_END_DESTROYED, 0, 0))
		ret = -ENOENT;	/* ended meanwhile */
	cprhold_session_put(s);
	return ret;
}

static void cprhold_fill_info_ns(struct cprhold_session *s,
				 struct cprhold_session_info *info,
				 struct pid_namespace *pidns,
				 struct user_namespace *userns)
{
	lockdep_assert_held(&s->info_lock);
	memset(info, 0, sizeof(*info));
	strscpy(info->name, s->name, sizeof(info->name));
	info->state = s->state;
	info->flags = s->flags;
	info->nr_entries = s->nr_items;
	info->end_reason = s->end_reason;
	info->creator_pid = pid_nr_ns(s->creator, pidns);
	info->creator_uid = from_kuid_munged(userns, s->owner);
	info->claimer_pid = s->claimer ? pid_nr_ns(s->claimer, pidns) : 0;
	info->nr_claims = s->nr_claims;
	info->ttl_ms = s->ttl_ms;
	info->created_ns = s->created_ns;
	info->sealed_ns = s->sealed_ns;
	info->claimed_ns = s->claimed_ns;
	info->mem_bytes = cprhold_items_mem_bytes(&s->batches);
}

/* As the caller sees it: pids and uids in its own namespaces. */
static void cprhold_fill_info(struct cprhold_session *s,
			      struct cprhold_session_info *info)
{
	cprhold_fill_info_ns(s, info, task_active_pid_ns(current), current_user_ns());
}

void cprhold_session_snapshot(struct cprhold_session *s,
			      struct cprhold_session_info *info,
			      struct pid_namespace *pidns,
			      struct user_namespace *userns)
{
	spin_lock(&s->info_lock);
	cprhold_fill_info_ns(s, info, pidns, userns);
	spin_unlock(&s->info_lock);
}

/*
 * Call @fn on each live session with an id >= @from_id, in creation order,
 * until it returns non-zero (which is returned).  Under the table lock:
 * @fn may take a session's info_lock, never its session lock (that one
 * comes before the table lock), and nothing that sleeps long.
 */
int cprhold_sessions_walk(u64 from_id, cprhold_session_fn fn, void *arg)
{
	struct cprhold_session *s;
	int ret = 0;

	mutex_lock(&cprhold_table_lock);
	list_for_each_entry(s, &cprhold_sessions, lnode) {
		if (s->id < from_id)
			continue;
		ret = fn(s, arg);
		if (ret)
			break;
	}
	mutex_unlock(&cprhold_table_lock);
	return ret;
}

int cprhold_list_sessions(struct cprhold_ucmd *ucmd)
{
	struct cprhold_list_sessions *cmd = ucmd->cmd;
	struct cprhold_session_info *infos;
	struct cprhold_session *s;
	bool admin = ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN);
	u32 count = 0, total = 0, max;
	u64 next = cmd->cursor;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;
	if (cmd->count && cmd->info_size < CPRHOLD_SESSION_INFO_SIZE_VER0)
		return -EINVAL;
	if (cmd->count && cmd->info_size > PAGE_SIZE)
		return -E2BIG;
	max = min_t(u32, cmd->count, CPRHOLD_LIST_BATCH);
	infos = kcalloc(max ?: 1, sizeof(*infos), GFP_KERNEL);
	if (!infos)
		return -ENOMEM;

	/*
	 * Snapshot under the lock, copy out after: user memory may fault
	 * for long (userfaultfd), and this lock serves every session.
	 */
	mutex_lock(&cprhold_table_lock);
	list_for_each_entry(s, &cprhold_sessions, lnode) {
		if (!admin && !cprhold_is_owner(s))
			continue;
		total++;
		if (s->id < cmd->cursor || count >= max)
			continue;
		spin_lock(&s->info_lock);
		cprhold_fill_info(s, &infos[count++]);
		spin_unlock(&s->info_lock);
		next = s->id + 1;
	}
	mutex_unlock(&cprhold_table_lock);

	ret = cprhold_copy_elems(u64_to_user_ptr(cmd->sessions), cmd->info_size,
				 infos, sizeof(*infos), count);
	kfree(infos);
	if (ret)
		return ret;
	cmd->count = count;
	cmd->total = total;
	cmd->cursor = next;
	return cprhold_ucmd_respond(ucmd, sizeof(*cmd));
}

int cprhold_info(struct cprhold_ucmd *ucmd)
{
	struct cprhold_handle *h = cprhold_ucmd_handle(ucmd);
	struct cprhold_session *s = h->session;
	struct cprhold_info *cmd = ucmd->cmd;
	u64 seen;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	spin_lock(&s->info_lock);
	cprhold_fill_info(s, &cmd->info);
	seen = s->changes;
	spin_unlock(&s->info_lock);
	ret = cprhold_ucmd_respond(ucmd, sizeof(*cmd));
	/* Seen once the caller has it: poll() stays readable otherwise. */
	if (!ret) {
		spin_lock(&s->info_lock);
		h->seen = seen;
		spin_unlock(&s->info_lock);
	}
	return ret;
}

int cprhold_seal(struct cprhold_ucmd *ucmd)
{
	struct cprhold_handle *h = cprhold_ucmd_handle(ucmd);
	struct cprhold_session *s = h->session;
	const struct cprhold_adopt_ops *ops = NULL;
	struct cprhold_op *cmd = ucmd->cmd;
	bool vm = false;
	int ret = 0;

	if (cmd->flags & ~CPRHOLD_SEAL_PREPARE_ADOPT)
		return -EOPNOTSUPP;
	if (cmd->flags & CPRHOLD_SEAL_PREPARE_ADOPT) {
		mutex_lock(&s->lock);
		vm = cprhold_holds_kvm_vm(s);
		mutex_unlock(&s->lock);
	}
	if (vm) {
		/*
		 * Outside the lock: this may load cprhold_kvm.ko.  Best
		 * effort; a VM parked meanwhile is adopted unprepared.
		 */
		ops = cprhold_adopt_get();
		if (IS_ERR(ops))
			ops = NULL;
	}
	mutex_lock(&s->lock);
	if (s->state == CPRHOLD_STATE_FINISHED) {
		ret = -ENOENT;
	} else if (h->role != CPRHOLD_ROLE_CREATOR || s->state != CPRHOLD_STATE_OPEN) {
		ret = -EBUSY;
	} else {
		if (ops)
			cprhold_prepare_adoption(s, ops);	/* takes @ops */
		ops = NULL;
		cprhold_set_sealed(s);
		cprhold_nl_notify(s, CPRHOLD_EVENT_SEALED);
	}
	mutex_unlock(&s->lock);
	if (ops)
		cprhold_adopt_put(ops);
	return ret;
}

/*
 * Is @h the current claim of its session?  0, or the errno to return.
 * Called with the session lock held.
 */
int cprhold_check_claimer(struct cprhold_handle *h)
{
	struct cprhold_session *s = h->session;

	lockdep_assert_held(&s->lock);
	if (s->state == CPRHOLD_STATE_FINISHED)
		return -ENOENT;
	if (h->role != CPRHOLD_ROLE_CLAIMER || s->state != CPRHOLD_STATE_CLAIMED ||
	    s->claim_gen != h->claim_gen)
		return -EBUSY;
	return 0;
}

int cprhold_finish(struct cprhold_ucmd *ucmd)
{
	struct cprhold_handle *h = cprhold_ucmd_handle(ucmd);
	struct cprhold_session *s = h->session;
	struct cprhold_op *cmd = ucmd->cmd;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	mutex_lock(&s->lock);
	ret = cprhold_check_claimer(h);
	mutex_unlock(&s->lock);
	if (ret)
		return ret;
	/* Ends it only if our claim is still the current one. */
	if (cprhold_session_end(s, CPRHOLD_END_FINISHED, CPRHOLD_STATE_CLAIMED,
				h->claim_gen))
		return 0;
	/* Aborted, destroyed or expired meanwhile. */
	mutex_lock(&s->lock);
	ret = cprhold_check_claimer(h) ?: -EBUSY;
	mutex_unlock(&s->lock);
	return ret;
}

int cprhold_abort(struct cprhold_ucmd *ucmd)
{
	struct cprhold_handle *h = cprhold_ucmd_handle(ucmd);
	struct cprhold_session *s = h->session;
	struct cprhold_op *cmd = ucmd->cmd;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	mutex_lock(&s->lock);
	ret = cprhold_check_claimer(h);
	if (!ret) {
		cprhold_set_sealed(s);
		cprhold_nl_notify(s, CPRHOLD_EVENT_ABORTED);
	}
	mutex_unlock(&s->lock);
	return ret;
}

/* Module exit: the table must be empty (each session pins the module). */
void cprhold_table_exit(void)
{
	WARN_ON(!list_empty(&cprhold_sessions));
}
