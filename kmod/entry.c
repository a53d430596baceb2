// SPDX-License-Identifier: GPL-2.0
/*
 * Parked entries: CPRHOLD_PARK, CPRHOLD_LIST and CPRHOLD_RETRIEVE.
 *
 * An entry is a reference to a struct file, held by the session under the
 * caller's token: items in page-sized batches (freed when the session
 * ends), found through the session's token index (index.c).  Park and
 * retrieve are batches.  Park is all or nothing: it prepares every entry
 * (fget and, with CPRHOLD_PARK_REPORT, classification and the report
 * written back to userspace) before it inserts any.  Without the report a
 * file is classified when its type is first needed (LIST, INFO's memory
 * total, adoption): nothing at park needs it.
 *
 * Retrieve checks everything that can fail before it installs the first
 * fd (every token, the claim, adoption, enough free fd numbers below
 * RLIMIT_NOFILE, a writable @fds array, which is filled with -1); an
 * error while installing (an LSM refusing a file, another thread filling
 * the fd table or unmapping @fds) leaves the fds installed so far, as a
 * short SCM_RIGHTS receive does: the kernel never closes an fd it handed
 * out, since another thread may already have replaced it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "cprhold.h"

/* Drop the files of the items of @batches, and the batches. */
void cprhold_batches_release(struct list_head *batches)
{
	struct cprhold_batch *b, *tmp;
	u32 i;

	list_for_each_entry_safe(b, tmp, batches, node) {
		for (i = 0; i < b->count; i++)
			if (b->items[i].file)
				fput(b->items[i].file);
		kfree(b);
	}
	INIT_LIST_HEAD(batches);
}

/* The entry as CPRHOLD_LIST and CPRHOLD_PARK report it. */
static void cprhold_item_report(struct cprhold_item *it, struct cprhold_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->token = it->token;
	e->fd = -1;
	e->flags = it->flags;
	if (it->ext) {
		e->addr = it->ext->addr;
		memcpy(e->label, it->ext->label, sizeof(e->label));
	}
	cprhold_classify(it->file, e);
	WRITE_ONCE(it->type, e->type);
}

static int cprhold_check_entry_size(u32 entry_size)
{
	BUILD_BUG_ON(sizeof(struct cprhold_entry) < CPRHOLD_ENTRY_SIZE_VER0);
	if (entry_size < CPRHOLD_ENTRY_SIZE_VER0)
		return -EINVAL;
	/* Keep the arithmetic on user pointers far from overflowing. */
	if (entry_size > PAGE_SIZE)
		return -E2BIG;
	return 0;
}

/* A label as park reads it: no label at all is the common case. */
static int cprhold_check_label(const char *label)
{
	u64 w[4];

	BUILD_BUG_ON(sizeof(w) != CPRHOLD_LABEL_MAX);
	memcpy(w, label, sizeof(w));
	if (!(w[0] | w[1] | w[2] | w[3]))
		return 0;
	return cprhold_check_name(label, CPRHOLD_LABEL_MAX, true);
}

/*
 * Take one entry of a park batch, @e as read from userspace, into @it and
 * @ext: validate it and take the file; with @report, classify it and
 * leave the report for userspace in @e.  On error @it->file may hold the
 * file to drop.
 */
static int cprhold_park_prepare(struct cprhold_item *it, struct cprhold_item_ext *ext,
				struct cprhold_entry *e, bool report)
{
	it->file = NULL;
	if (e->flags & ~CPRHOLD_ENTRY_ADDR)
		return -EOPNOTSUPP;
	if (!(e->flags & CPRHOLD_ENTRY_ADDR) && e->addr)
		return -EINVAL;
	if (!PAGE_ALIGNED(e->addr))
		return -EINVAL;
	if (cprhold_check_label(e->label))
		return -EINVAL;

	it->token = e->token;
	it->flags = e->flags;
	it->ext = ext;
	ext->addr = e->addr;
	memcpy(ext->label, e->label, sizeof(ext->label));
	it->file = fget(e->fd);
	if (!it->file)
		return -EBADF;
	/* A session holding a cprhold fd could hold itself: refuse. */
	if (cprhold_file_is_cprhold(it->file))
		return -EINVAL;
	if (!report) {
		it->type = CPRHOLD_TYPE_UNKNOWN;
		return 0;
	}
	cprhold_classify(it->file, e);
	it->type = e->type;
	return 0;
}

/*
 * Read into @e what park uses of the entry at @ue (the rest is the
 * kernel's report), field by field: no copy of the whole entry, no
 * hardened-usercopy check per entry.  Bytes beyond the kernel's entry
 * must be zero.
 */
static int cprhold_park_read(const struct cprhold_entry __user *ue, u32 entry_size,
			     struct cprhold_entry *e)
{
	const u64 __user *ulabel = (const u64 __user *)ue->label;
	u64 label[4];
	int ret;

	/*
	 * Every entry_size is at least the kernel's entry: were it to grow,
	 * entries of the older, shorter layout would need a path of their own.
	 */
	BUILD_BUG_ON(sizeof(struct cprhold_entry) != CPRHOLD_ENTRY_SIZE_VER0);

	if (!user_read_access_begin(ue, sizeof(*ue)))
		return -EFAULT;
	unsafe_get_user(e->token, &ue->token, efault);
	unsafe_get_user(e->fd, &ue->fd, efault);
	unsafe_get_user(e->flags, &ue->flags, efault);
	unsafe_get_user(e->addr, &ue->addr, efault);
	/* Unrolled: nothing but loads while user access is open. */
	BUILD_BUG_ON(sizeof(label) != sizeof(e->label));
	unsafe_get_user(label[0], ulabel, efault);
	unsafe_get_user(label[1], ulabel + 1, efault);
	unsafe_get_user(label[2], ulabel + 2, efault);
	unsafe_get_user(label[3], ulabel + 3, efault);
	user_read_access_end();
	memcpy(e->label, label, sizeof(e->label));
	if (entry_size > sizeof(*ue)) {
		ret = check_zeroed_user((const void __user *)(ue + 1), entry_size - sizeof(*ue));
		if (ret <= 0)
			return ret ?: -E2BIG;
	}
	return 0;
efault:
	user_read_access_end();
	return -EFAULT;
}

/* Write the kernel's report of an entry (type, f_flags, data) to @ue. */
static int cprhold_park_report(struct cprhold_entry __user *ue, const struct cprhold_entry *e)
{
	BUILD_BUG_ON(offsetof(struct cprhold_entry, data) + sizeof(e->data) != sizeof(*e));
	if (!user_write_access_begin(&ue->type, sizeof(*ue) - offsetof(struct cprhold_entry, type)))
		return -EFAULT;
	unsafe_put_user(e->type, &ue->type, efault);
	unsafe_put_user(e->f_flags, &ue->f_flags, efault);
	unsafe_copy_to_user((char __user *)&ue->data, (const char *)&e->data,
			    sizeof(e->data), efault);
	user_write_access_end();
	return 0;
efault:
	user_write_access_end();
	return -EFAULT;
}

/* Guest memory a session keeps alive: the sizes of its memory files. */
u64 cprhold_items_mem_bytes(struct list_head *batches)
{
	struct cprhold_batch *b;
	u64 bytes = 0;
	u32 i;

	list_for_each_entry(b, batches, node)
		for (i = 0; i < b->count; i++)
			if (cprhold_type_is_memory(cprhold_item_type(&b->items[i])))
				bytes += i_size_read(file_inode(b->items[i].file));
	return bytes;
}

/* Park reads an fd array, and reschedules, this many entries at a time. */
#define CPRHOLD_PARK_CHUNK	64

/*
 * The batch to put the next item in: @b, or a new one for up to @left
 * items (and their cprhold_item_ext, with @ext).
 */
static struct cprhold_batch *cprhold_park_batch(struct cprhold_batch *b,
						struct list_head *batches, u32 left, bool ext)
{
	size_t each = sizeof(b->items[0]) + (ext ? sizeof(struct cprhold_item_ext) : 0);
	u32 max;

	if (b && b->count < b->max)
		return b;
	max = min_t(u32, left, (PAGE_SIZE - sizeof(*b)) / each);
	b = kmalloc(sizeof(*b) + max * each, GFP_KERNEL_ACCOUNT);
	if (!b)
		return NULL;
	b->count = 0;
	b->max = max;
	list_add_tail(&b->node, batches);
	return b;
}

/* The cprhold_item_ext of item @i of a batch of entries. */
static struct cprhold_item_ext *cprhold_batch_ext(struct cprhold_batch *b, u32 i)
{
	return (struct cprhold_item_ext *)&b->items[b->max] + i;
}

/*
 * Read @n fds at @ufds into @fds.  Returns how many were read: @n, or as
 * many as come before the first that cannot be (whose files the caller
 * takes before failing with -EFAULT, as an fd-by-fd read would).
 */
static u32 cprhold_park_read_fds(const s32 __user *ufds, s32 *fds, u32 n)
{
	u32 i;

	if (likely(!copy_from_user(fds, ufds, n * sizeof(*fds))))
		return n;
	for (i = 0; i < n; i++)
		if (get_user(fds[i], ufds + i))
			break;
	return i;
}

/*
 * CPRHOLD_PARK_FDS: take the files of the @count fds at @ufds, under the
 * tokens @first.., into items of @batches, as cprhold_park_prepare() does
 * for entries with no flags, address or label.  The array is read a chunk
 * at a time.  On error the files taken are dropped with @batches.
 */
static int cprhold_park_fd_array(const s32 __user *ufds, u32 count, u64 first,
				 struct list_head *batches)
{
	struct cprhold_batch *b = NULL;
	struct cprhold_item *it;
	s32 fds[CPRHOLD_PARK_CHUNK];
	u32 i, j, n, got;

	for (i = 0; i < count; i += n) {
		n = min_t(u32, count - i, ARRAY_SIZE(fds));
		got = cprhold_park_read_fds(ufds + i, fds, n);
		for (j = 0; j < got; j++) {
			b = cprhold_park_batch(b, batches, count - i - j, false);
			if (!b)
				return -ENOMEM;
			it = &b->items[b->count++];
			it->token = first + i + j;
			it->flags = 0;
			it->type = CPRHOLD_TYPE_UNKNOWN;
			it->ext = NULL;
			/* From here on, its file is dropped with @batches. */
			it->file = fget(fds[j]);
			if (!it->file)
				return -EBADF;
			if (cprhold_file_is_cprhold(it->file))
				return -EINVAL;
		}
		if (got < n)
			return -EFAULT;
		cond_resched();
	}
	return 0;
}

/*
 * Take the @count entries at @uentries (@entry_size apart) into items of
 * @batches; with @report, write each one's report back.  On error the
 * files taken are dropped with @batches.
 */
static int cprhold_park_entries(void __user *uentries, u32 entry_size, u32 count,
				bool report, struct list_head *batches)
{
	struct cprhold_batch *b = NULL;
	struct cprhold_entry e;
	u32 i;
	int ret;

	for (i = 0; i < count; i++, uentries += entry_size) {
		ret = cprhold_park_read(uentries, entry_size, &e);
		if (ret)
			return ret;
		b = cprhold_park_batch(b, batches, count - i, true);
		if (!b)
			return -ENOMEM;
		/* From here on, its file is dropped with @batches. */
		ret = cprhold_park_prepare(&b->items[b->count], cprhold_batch_ext(b, b->count),
					   &e, report);
		b->count++;
		if (!ret && report)
			ret = cprhold_park_report(uentries, &e);
		if (ret)
			return ret;
		if (i % CPRHOLD_PARK_CHUNK == CPRHOLD_PARK_CHUNK - 1)
			cond_resched();
	}
	return 0;
}

int cprhold_park(struct cprhold_ucmd *ucmd)
{
	struct cprhold_handle *h = cprhold_ucmd_handle(ucmd);
	struct cprhold_session *s = h->session;
	struct cprhold_park *cmd = ucmd->cmd;
	void __user *uentries = u64_to_user_ptr(cmd->entries);
	LIST_HEAD(batches);
	bool report = cmd->flags & CPRHOLD_PARK_REPORT;
	bool fds = cmd->flags & CPRHOLD_PARK_FDS;
	int ret;

	if (cmd->flags & ~(CPRHOLD_PARK_REPORT | CPRHOLD_PARK_FDS))
		return -EOPNOTSUPP;
	if (!cmd->count)
		return -EINVAL;
	if (fds) {
		/* A bare fd array, as SCM_RIGHTS takes: consecutive tokens. */
		if (report || cmd->entry_size ||
		    ucmd->user_size < CPRHOLD_PARK_SIZE_VER1)
			return -EINVAL;
		if (cmd->count - 1 > U64_MAX - cmd->first_token)
			return -EOVERFLOW;
	} else {
		if (cmd->first_token)
			return -EINVAL;
		ret = cprhold_check_entry_size(cmd->entry_size);
		if (ret)
			return ret;
	}
	/* State, then limits (the uAPI's errno order); again under the lock. */
	mutex_lock(&s->lock);
	ret = s->state == CPRHOLD_STATE_FINISHED ? -ENOENT :
	      h->role != CPRHOLD_ROLE_CREATOR || s->state != CPRHOLD_STATE_OPEN ? -EBUSY : 0;
	if (!ret)
		ret = cprhold_check_item_limits(s, cmd->count);
	mutex_unlock(&s->lock);
	if (ret)
		return ret;

	if (fds)
		ret = cprhold_park_fd_array(uentries, cmd->count, cmd->first_token, &batches);
	else
		ret = cprhold_park_entries(uentries, cmd->entry_size, cmd->count, report,
					   &batches);
	if (ret)
		goto out;

	mutex_lock(&s->lock);
	if (s->state != CPRHOLD_STATE_OPEN)
		ret = s->state == CPRHOLD_STATE_FINISHED ? -ENOENT : -EBUSY;
	else
		ret = cprhold_commit_items(s, &batches, cmd->count);
	mutex_unlock(&s->lock);
out:
	cprhold_batches_release(&batches);	/* empty if committed */
	return ret;
}

/*
 * Call @fn on each entry of @s with a token >= @from_token, in token order,
 * until it returns non-zero (which is returned).  Under the session lock.
 */
int cprhold_entries_walk(struct cprhold_session *s, u64 from_token,
			 cprhold_entry_fn fn, void *arg)
{
	struct cprhold_entry *e;
	int ret = 0;
	u32 i;

	e = kmalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	mutex_lock(&s->lock);
	for (i = cprhold_index_from(s, from_token); i < s->nr_items && !ret; i++) {
		cprhold_item_report(s->slots[i].item, e);
		ret = fn(e, arg);
	}
	mutex_unlock(&s->lock);
	kfree(e);
	return ret;
}

int cprhold_list(struct cprhold_ucmd *ucmd)
{
	struct cprhold_session *s = cprhold_ucmd_handle(ucmd)->session;
	struct cprhold_list *cmd = ucmd->cmd;
	struct cprhold_entry *e;
	u32 count = 0, max, i;
	u64 next = 0;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;
	if (cmd->count) {
		ret = cprhold_check_entry_size(cmd->entry_size);
		if (ret)
			return ret;
	}
	max = min_t(u32, cmd->count, CPRHOLD_LIST_BATCH);
	e = kcalloc(max ?: 1, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;

	/* Snapshot under the lock, copy out after (user memory may fault). */
	mutex_lock(&s->lock);
	for (i = cprhold_index_from(s, cmd->cursor); i < s->nr_items && count < max; i++)
		cprhold_item_report(s->slots[i].item, &e[count++]);
	/* Where to go on: the first token not reported, 0 if none is left. */
	if (i < s->nr_items)
		next = s->slots[i].token;
	cmd->total = s->nr_items;
	mutex_unlock(&s->lock);

	ret = cprhold_copy_elems(u64_to_user_ptr(cmd->entries), cmd->entry_size,
				 e, sizeof(*e), count);
	kfree(e);
	if (ret)
		return ret;
	cmd->count = count;
	cmd->cursor = next;
	return cprhold_ucmd_respond(ucmd, sizeof(*cmd));
}

/* How many of the session's entries hold @file. */
static unsigned int cprhold_items_refs(struct cprhold_session *s, struct file *file)
{
	unsigned int n = 0;
	u32 i;

	for (i = 0; i < s->nr_items; i++)
		n += s->slots[i].item->file == file;
	return n;
}

/*
 * The session's vCPU files, each once, with the number of entries that
 * hold it: the adopter gets them so that a file parked under two tokens
 * is still the session's alone.  Session locked.
 */
struct cprhold_vcpus {
	struct file **files;
	unsigned int *refs;
	u32 nr;
};

static int cprhold_vcpus_collect(struct cprhold_session *s, struct cprhold_vcpus *v)
{
	struct cprhold_item *it;
	u32 i, j;

	lockdep_assert_held(&s->lock);
	v->nr = 0;
	v->files = kvcalloc(s->nr_items, sizeof(*v->files), GFP_KERNEL);
	v->refs = kvcalloc(s->nr_items, sizeof(*v->refs), GFP_KERNEL);
	if (!v->files || !v->refs)
		return -ENOMEM;
	for (i = 0; i < s->nr_items; i++) {
		it = s->slots[i].item;
		if (cprhold_item_type(it) != CPRHOLD_ENTRY_KVM_VCPU)
			continue;
		for (j = 0; j < v->nr && v->files[j] != it->file; j++)
			;
		if (j == v->nr)
			v->files[v->nr++] = it->file;
		v->refs[j]++;
	}
	return 0;
}

static void cprhold_vcpus_free(struct cprhold_vcpus *v)
{
	kvfree(v->refs);
	kvfree(v->files);
}

static struct cprhold_prep *cprhold_prep_find(struct cprhold_session *s, struct file *vm)
{
	struct cprhold_prep *p;

	list_for_each_entry(p, &s->preps, node)
		if (p->vm == vm)
			return p;
	return NULL;
}

/* Drop the preparations of @preps (spliced off an ended session). */
void cprhold_preps_release(const struct cprhold_adopt_ops *ops, struct list_head *preps)
{
	struct cprhold_prep *p, *tmp;

	list_for_each_entry_safe(p, tmp, preps, node) {
		list_del(&p->node);
		cprhold_adopt_release(ops, p->prep);
		kfree(p);
	}
}

/* Does @s hold a KVM VM?  Session locked. */
bool cprhold_holds_kvm_vm(struct cprhold_session *s)
{
	u32 i;

	lockdep_assert_held(&s->lock);
	for (i = 0; i < s->nr_items; i++)
		if (cprhold_item_type(s->slots[i].item) == CPRHOLD_ENTRY_KVM_VM)
			return true;
	return false;
}

/*
 * CPRHOLD_SEAL_PREPARE_ADOPT: prepare each KVM VM of @s for adoption, as
 * far as the adopter will.  Session locked, OPEN, about to be sealed; a
 * reference on @ops, which the session keeps if a VM was prepared.
 */
void cprhold_prepare_adoption(struct cprhold_session *s, const struct cprhold_adopt_ops *ops)
{
	struct cprhold_vcpus v;
	struct cprhold_item *it;
	struct cprhold_prep *p;
	u32 i;

	lockdep_assert_held(&s->lock);
	if (cprhold_vcpus_collect(s, &v))
		goto out;
	for (i = 0; i < s->nr_items; i++) {
		it = s->slots[i].item;
		if (cprhold_item_type(it) != CPRHOLD_ENTRY_KVM_VM || cprhold_prep_find(s, it->file))
			continue;
		p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
		if (!p)
			break;
		p->vm = it->file;
		p->prep = cprhold_adopt_prepare(ops, it->file, cprhold_items_refs(s, it->file),
						v.files, v.refs, v.nr);
		if (!p->prep) {
			kfree(p);
			continue;
		}
		list_add_tail(&p->node, &s->preps);
	}
out:
	cprhold_vcpus_free(&v);
	if (list_empty(&s->preps))
		cprhold_adopt_put(ops);
	else
		s->prep_ops = ops;
}

/* A retrieve's tokens: an array, or a range (CPRHOLD_RETRIEVE_TOKEN_RANGE) */
struct cprhold_tokens {
	const u64 *array;	/* NULL for the range */
	u64 first;
	u32 count;
};

static u64 cprhold_token(const struct cprhold_tokens *t, u32 i)
{
	return t->array ? t->array[i] : t->first + i;
}

/*
 * A prepared VM runs nowhere until it is adopted: while @s holds one, a
 * retrieve that takes any KVM VM, vCPU or device file must adopt every
 * prepared VM (a vCPU of one, retrieved into the creator's own mm, could
 * run the VM with no MMU notifier watching).  -EBUSY if it does not.
 * Session locked.
 */
static int cprhold_check_prepared(struct cprhold_session *s, const struct cprhold_tokens *t,
				  struct file *const *files, bool adopt)
{
	u32 count = t->count;
	struct cprhold_item *it;
	struct cprhold_prep *p;
	u32 i, type, pos = 0;
	bool kvm = false;

	lockdep_assert_held(&s->lock);
	if (list_empty(&s->preps))
		return 0;
	for (i = 0; i < count && !kvm; i++) {
		it = cprhold_index_find(s, cprhold_token(t, i), &pos);
		type = it ? cprhold_item_type(it) : CPRHOLD_TYPE_UNKNOWN;
		kvm = type == CPRHOLD_ENTRY_KVM_VM || type == CPRHOLD_ENTRY_KVM_VCPU ||
		      type == CPRHOLD_ENTRY_KVM_DEVICE;
	}
	if (!kvm)
		return 0;
	if (!adopt)
		return -EBUSY;
	list_for_each_entry(p, &s->preps, node) {
		for (i = 0; i < count && files[i] != p->vm; i++)
			;
		if (i == count)
			return -EBUSY;
	}
	return 0;
}

/*
 * CPRHOLD_RETRIEVE_ADOPT_KVM: adopt each KVM VM among @t.  Session
 * locked, the claim checked.  0, or the first error.  A VM prepared at
 * seal is adopted with its preparation, which is then done with.
 */
static int cprhold_retrieve_adopt(struct cprhold_session *s,
				  const struct cprhold_adopt_ops *ops,
				  const struct cprhold_tokens *t)
{
	struct cprhold_item *it;
	struct cprhold_prep *p;
	struct cprhold_vcpus v;
	u32 i, vms = 0, pos = 0;
	int ret;

	lockdep_assert_held(&s->lock);
	ret = cprhold_vcpus_collect(s, &v);
	for (i = 0; i < t->count && !ret; i++) {
		it = cprhold_index_find(s, cprhold_token(t, i), &pos);
		if (!it || cprhold_item_type(it) != CPRHOLD_ENTRY_KVM_VM)
			continue;
		vms++;
		p = cprhold_prep_find(s, it->file);
		ret = cprhold_adopt_vm(ops, it->file, cprhold_items_refs(s, it->file),
				       v.files, v.refs, v.nr, p ? p->prep : NULL);
		if (!ret && p) {
			list_del(&p->node);
			cprhold_adopt_release(s->prep_ops, p->prep);
			kfree(p);
			if (list_empty(&s->preps)) {
				cprhold_adopt_put(s->prep_ops);
				s->prep_ops = NULL;
			}
		}
	}
	if (!ret && !vms)
		ret = -EINVAL;	/* nothing to adopt among the tokens */
	cprhold_vcpus_free(&v);
	return ret;
}

/*
 * Make sure the caller can take @n more fds without running out half-way:
 * 0, or -EMFILE (not @n numbers free below RLIMIT_NOFILE) or -ENOMEM
 * before anything is installed.  Free numbers inside the fd table are
 * counted; if there are not enough, the table has to grow, and it is
 * grown here.  A check, not a reservation: another thread may take the
 * numbers before they are installed (an error while installing, as for
 * SCM_RIGHTS).
 */
static int cprhold_fd_room(u32 n, unsigned int o_flags)
{
	struct files_struct *files = current->files;
	unsigned long limit = rlimit(RLIMIT_NOFILE), size, used;
	struct fdtable *fdt;
	int *fds;
	u32 i;
	int ret = 0;

	if (n > limit)
		return -EMFILE;
	spin_lock(&files->file_lock);
	fdt = files_fdtable(files);
	size = min_t(unsigned long, fdt->max_fds, limit);
	used = bitmap_weight(fdt->open_fds, size);
	spin_unlock(&files->file_lock);
	if (size - used >= n)
		return 0;
	if (limit - used < n)
		return -EMFILE;
	/*
	 * The table must grow, which allocates and can fail: grow it now,
	 * by taking the numbers and giving them back.
	 */
	fds = kvmalloc_array(n, sizeof(*fds), GFP_KERNEL_ACCOUNT);
	if (!fds)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ret = get_unused_fd_flags(o_flags);
		if (ret < 0)
			break;
		fds[i] = ret;
	}
	while (i--)
		put_unused_fd(fds[i]);
	kvfree(fds);
	return ret < 0 ? ret : 0;
}

/*
 * -1 in each of the @count elements of @ufds, before any fd is installed:
 * -EFAULT if one cannot be written.  An error while installing then
 * leaves -1 in each element that got no fd.
 */
static int cprhold_fds_clear(int __user *ufds, u32 count)
{
	u32 i;

	if (!user_access_begin(ufds, array_size(count, sizeof(*ufds))))
		return -EFAULT;
	for (i = 0; i < count; i++)
		unsafe_put_user(-1, ufds + i, efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

int cprhold_retrieve(struct cprhold_ucmd *ucmd)
{
	const struct cprhold_adopt_ops *adopt = NULL;
	struct cprhold_handle *h = cprhold_ucmd_handle(ucmd);
	struct cprhold_session *s = h->session;
	struct cprhold_retrieve *cmd = ucmd->cmd;
	int __user *ufds = u64_to_user_ptr(cmd->fds);
	struct cprhold_tokens t = { .count = cmd->count };
	bool range = cmd->flags & CPRHOLD_RETRIEVE_TOKEN_RANGE;
	unsigned int o_flags;
	struct file **files = NULL;
	u64 *tokens = NULL;
	u32 i, got = 0, pos = 0;
	int ret = 0;

	if (cmd->flags & ~(CPRHOLD_RETRIEVE_NO_CLOEXEC | CPRHOLD_RETRIEVE_ADOPT_KVM |
			   CPRHOLD_RETRIEVE_TOKEN_RANGE))
		return -EOPNOTSUPP;
	if (cmd->__reserved || !cmd->count)
		return -EINVAL;
	if (range) {
		/* Tokens first_token.., as CPRHOLD_PARK_FDS parks them. */
		if (cmd->tokens || ucmd->user_size < CPRHOLD_RETRIEVE_SIZE_VER1)
			return -EINVAL;
		if (cmd->count - 1 > U64_MAX - cmd->first_token)
			return -EOVERFLOW;
		t.first = cmd->first_token;
	} else if (cmd->first_token) {
		return -EINVAL;
	}
	mutex_lock(&s->lock);
	ret = cprhold_check_claimer(h);
	mutex_unlock(&s->lock);
	if (ret)
		return ret;
	if (cmd->count > READ_ONCE(cprhold_max_entries_per_session))
		return -ENOSPC;
	o_flags = cmd->flags & CPRHOLD_RETRIEVE_NO_CLOEXEC ? 0 : O_CLOEXEC;

	if (!range) {
		tokens = vmemdup_user(u64_to_user_ptr(cmd->tokens),
				      array_size(cmd->count, sizeof(*tokens)));
		if (IS_ERR(tokens))
			return PTR_ERR(tokens);
		t.array = tokens;
	}
	files = kvcalloc(cmd->count, sizeof(*files), GFP_KERNEL_ACCOUNT);
	if (!files) {
		ret = -ENOMEM;
		goto out;
	}
	if (cmd->flags & CPRHOLD_RETRIEVE_ADOPT_KVM) {
		/* Before any lock: this may load cprhold_kvm.ko. */
		adopt = cprhold_adopt_get();
		if (IS_ERR(adopt)) {
			ret = PTR_ERR(adopt);
			adopt = NULL;
			goto out;
		}
	}

	mutex_lock(&s->lock);
	ret = cprhold_check_claimer(h);
	for (i = 0; !ret && i < cmd->count; i++) {
		struct cprhold_item *it = cprhold_index_find(s, cprhold_token(&t, i), &pos);

		if (it)
			files[i] = it->file;	/* referenced below */
		else
			ret = -ENOENT;
	}
	if (!ret)
		ret = cprhold_check_prepared(s, &t, files, !!adopt);
	/*
	 * Adopt while the session's references are the only ones we add:
	 * the adopter counts file references to exclude the old owner.
	 */
	if (!ret && adopt)
		ret = cprhold_retrieve_adopt(s, adopt, &t);
	for (got = 0; !ret && got < cmd->count; got++)
		get_file(files[got]);
	mutex_unlock(&s->lock);
	if (ret)
		goto out;

	/*
	 * Nothing is installed yet: fail here, cleanly, if @fds is not
	 * writable or the fd table has no room for all of them.
	 */
	ret = cprhold_fds_clear(ufds, cmd->count);
	if (ret)
		goto out;
	ret = cprhold_fd_room(cmd->count, o_flags);
	if (ret)
		goto out;

	/* Install and report each; see the top of this file for errors. */
	for (i = 0; i < cmd->count; i++) {
		ret = cprhold_receive_fd_user(files[i], &ufds[i], o_flags);
		if (ret < 0)
			break;
		ret = 0;
	}
out:
	for (i = 0; i < got; i++)
		fput(files[i]);
	kvfree(files);
	kvfree(tokens);
	if (adopt)
		cprhold_adopt_put(adopt);
	return ret;
}
