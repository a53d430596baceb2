// SPDX-License-Identifier: GPL-2.0
/*
 * Parked entries: CPRHOLD_PARK, CPRHOLD_LIST and CPRHOLD_RETRIEVE.
 *
 * An entry is a reference to a struct file, held in the session's rbtree
 * under the caller's token.  Park and retrieve are batches.  Park is all
 * or nothing: it prepares every entry (fget, classification, the
 * write-back to userspace) before it inserts any.  Retrieve checks
 * everything that can fail before it installs the first fd (every token,
 * the claim, adoption, room in the fd table, a writable @fds array); an
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

static struct cprhold_item *cprhold_item_find(struct rb_root *root, u64 token)
{
	struct rb_node *n = root->rb_node;

	while (n) {
		struct cprhold_item *it = rb_entry(n, struct cprhold_item, node);

		if (token < it->token)
			n = n->rb_left;
		else if (token > it->token)
			n = n->rb_right;
		else
			return it;
	}
	return NULL;
}

/* Insert @new; -EEXIST if its token is taken. */
int cprhold_item_insert(struct rb_root *root, struct cprhold_item *new)
{
	struct rb_node **p = &root->rb_node, *parent = NULL;

	while (*p) {
		struct cprhold_item *it = rb_entry(*p, struct cprhold_item, node);

		parent = *p;
		if (new->token < it->token)
			p = &(*p)->rb_left;
		else if (new->token > it->token)
			p = &(*p)->rb_right;
		else
			return -EEXIST;
	}
	rb_link_node(&new->node, parent, p);
	rb_insert_color(&new->node, root);
	return 0;
}

static void cprhold_item_free(struct cprhold_item *it)
{
	if (it->file)
		fput(it->file);
	kfree(it);
}

void cprhold_items_release(struct rb_root *items)
{
	struct cprhold_item *it, *tmp;

	rbtree_postorder_for_each_entry_safe(it, tmp, items, node)
		cprhold_item_free(it);
	*items = RB_ROOT;
}

/* The entry as CPRHOLD_LIST and CPRHOLD_PARK report it. */
static void cprhold_item_report(struct cprhold_item *it, struct cprhold_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->token = it->token;
	e->fd = -1;
	e->flags = it->flags;
	e->addr = it->addr;
	memcpy(e->label, it->label, sizeof(e->label));
	cprhold_classify(it->file, e);
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

/*
 * Prepare one entry of a park batch: validate it, take the file, classify
 * it and write the result back.  Returns the item or an ERR_PTR.
 */
static struct cprhold_item *cprhold_park_prepare(void __user *uentry,
						 u32 entry_size)
{
	struct cprhold_entry e;
	struct cprhold_item *it;
	int ret;

	ret = copy_struct_from_user(&e, sizeof(e), uentry, entry_size);
	if (ret)
		return ERR_PTR(ret);
	if (e.flags & ~CPRHOLD_ENTRY_ADDR)
		return ERR_PTR(-EOPNOTSUPP);
	if (!(e.flags & CPRHOLD_ENTRY_ADDR) && e.addr)
		return ERR_PTR(-EINVAL);
	if (!PAGE_ALIGNED(e.addr))
		return ERR_PTR(-EINVAL);
	ret = cprhold_check_name(e.label, sizeof(e.label), true);
	if (ret)
		return ERR_PTR(ret);

	it = kzalloc(sizeof(*it), GFP_KERNEL_ACCOUNT);
	if (!it)
		return ERR_PTR(-ENOMEM);
	it->token = e.token;
	it->flags = e.flags;
	it->addr = e.addr;
	memcpy(it->label, e.label, sizeof(it->label));
	it->file = fget(e.fd);
	if (!it->file) {
		ret = -EBADF;
		goto err;
	}
	/* A session holding a cprhold fd could hold itself: refuse. */
	if (cprhold_file_is_cprhold(it->file)) {
		ret = -EINVAL;
		goto err;
	}

	cprhold_classify(it->file, &e);
	it->type = e.type;
	if (copy_to_user(uentry + offsetof(struct cprhold_entry, type), &e.type,
			 min_t(size_t, entry_size, sizeof(e)) -
			 offsetof(struct cprhold_entry, type))) {
		ret = -EFAULT;
		goto err;
	}
	return it;
err:
	cprhold_item_free(it);
	return ERR_PTR(ret);
}

/* Guest memory a session keeps alive: the sizes of its memory files. */
u64 cprhold_items_mem_bytes(struct rb_root *items)
{
	struct cprhold_item *it;
	struct rb_node *n;
	u64 bytes = 0;

	for (n = rb_first(items); n; n = rb_next(n)) {
		it = rb_entry(n, struct cprhold_item, node);
		if (cprhold_type_is_memory(it->type))
			bytes += i_size_read(file_inode(it->file));
	}
	return bytes;
}

int cprhold_park(struct cprhold_ucmd *ucmd)
{
	struct cprhold_handle *h = cprhold_ucmd_handle(ucmd);
	struct cprhold_session *s = h->session;
	struct cprhold_park *cmd = ucmd->cmd;
	struct rb_root batch = RB_ROOT;
	struct cprhold_item *it, *tmp;
	void __user *uentries;
	u32 i;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (!cmd->count)
		return -EINVAL;
	ret = cprhold_check_entry_size(cmd->entry_size);
	if (ret)
		return ret;
	/* State, then limits (the uAPI's errno order); again under the lock. */
	mutex_lock(&s->lock);
	ret = s->state == CPRHOLD_STATE_FINISHED ? -ENOENT :
	      h->role != CPRHOLD_ROLE_CREATOR || s->state != CPRHOLD_STATE_OPEN ? -EBUSY : 0;
	mutex_unlock(&s->lock);
	if (ret)
		return ret;
	if (cmd->count > READ_ONCE(cprhold_max_entries_per_session) ||
	    cmd->count > READ_ONCE(cprhold_max_entries_per_user) ||
	    cmd->count > READ_ONCE(cprhold_max_entries_total))
		return -ENOSPC;

	uentries = u64_to_user_ptr(cmd->entries);
	for (i = 0; i < cmd->count; i++) {
		it = cprhold_park_prepare(uentries + (size_t)i * cmd->entry_size,
					  cmd->entry_size);
		if (IS_ERR(it)) {
			ret = PTR_ERR(it);
			goto out_free;
		}
		ret = cprhold_item_insert(&batch, it);
		if (ret) {
			cprhold_item_free(it);
			goto out_free;
		}
		cond_resched();
	}

	mutex_lock(&s->lock);
	if (s->state != CPRHOLD_STATE_OPEN) {
		ret = s->state == CPRHOLD_STATE_FINISHED ? -ENOENT : -EBUSY;
		goto out_unlock;
	}
	rbtree_postorder_for_each_entry_safe(it, tmp, &batch, node) {
		if (cprhold_item_find(&s->items, it->token)) {
			ret = -EEXIST;
			goto out_unlock;
		}
	}
	if (s->nr_items + cmd->count > READ_ONCE(cprhold_max_entries_per_session)) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	/* The owner's and the machine's limits, and the commit. */
	ret = cprhold_commit_items(s, &batch, cmd->count);
out_unlock:
	mutex_unlock(&s->lock);
out_free:
	cprhold_items_release(&batch);
	return ret;
}

/* The first item of @s with a token >= @token, or NULL.  Under s->lock. */
static struct rb_node *cprhold_items_from(struct cprhold_session *s, u64 token)
{
	struct cprhold_item *it = NULL;
	struct rb_node *n;

	lockdep_assert_held(&s->lock);
	for (n = s->items.rb_node; n; ) {
		struct cprhold_item *cur = rb_entry(n, struct cprhold_item, node);

		if (cur->token >= token) {
			it = cur;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return it ? &it->node : NULL;
}

/*
 * Call @fn on each entry of @s with a token >= @from_token, in token order,
 * until it returns non-zero (which is returned).  Under the session lock.
 */
int cprhold_entries_walk(struct cprhold_session *s, u64 from_token,
			 cprhold_entry_fn fn, void *arg)
{
	struct cprhold_entry *e;
	struct rb_node *n;
	int ret = 0;

	e = kmalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	mutex_lock(&s->lock);
	for (n = cprhold_items_from(s, from_token); n && !ret; n = rb_next(n)) {
		cprhold_item_report(rb_entry(n, struct cprhold_item, node), e);
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
	struct rb_node *n;
	u32 count = 0, max;
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
	for (n = cprhold_items_from(s, cmd->cursor); n && count < max; n = rb_next(n))
		cprhold_item_report(rb_entry(n, struct cprhold_item, node), &e[count++]);
	/* Where to go on: the first token not reported, 0 if none is left. */
	if (n)
		next = rb_entry(n, struct cprhold_item, node)->token;
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
	struct rb_node *node;

	for (node = rb_first(&s->items); node; node = rb_next(node))
		n += rb_entry(node, struct cprhold_item, node)->file == file;
	return n;
}

/*
 * CPRHOLD_RETRIEVE_ADOPT_KVM: adopt each KVM VM among @tokens.  Session
 * locked, the claim checked.  0, or the first error.  The adopter gets
 * each vCPU file of the session once, with the number of entries that
 * hold it, so that a file parked under two tokens is still the session's
 * alone.
 */
static int cprhold_retrieve_adopt(struct cprhold_session *s,
				  const struct cprhold_adopt_ops *ops,
				  const u64 *tokens, u32 count)
{
	struct cprhold_item *it;
	struct file **vcpus;
	unsigned int *refs;
	struct rb_node *n;
	u32 i, j, nr = 0, vms = 0;
	int ret = 0;

	lockdep_assert_held(&s->lock);
	vcpus = kvcalloc(s->nr_items, sizeof(*vcpus), GFP_KERNEL);
	refs = kvcalloc(s->nr_items, sizeof(*refs), GFP_KERNEL);
	if (!vcpus || !refs) {
		ret = -ENOMEM;
		goto out;
	}
	for (n = rb_first(&s->items); n; n = rb_next(n)) {
		it = rb_entry(n, struct cprhold_item, node);
		if (it->type != CPRHOLD_ENTRY_KVM_VCPU)
			continue;
		for (j = 0; j < nr && vcpus[j] != it->file; j++)
			;
		if (j == nr)
			vcpus[nr++] = it->file;
		refs[j]++;
	}
	for (i = 0; i < count && !ret; i++) {
		it = cprhold_item_find(&s->items, tokens[i]);
		if (!it || it->type != CPRHOLD_ENTRY_KVM_VM)
			continue;
		vms++;
		ret = cprhold_adopt_vm(ops, it->file, cprhold_items_refs(s, it->file),
				       vcpus, refs, nr);
	}
	if (!ret && !vms)
		ret = -EINVAL;	/* nothing to adopt among the tokens */
out:
	kvfree(refs);
	kvfree(vcpus);
	return ret;
}

int cprhold_retrieve(struct cprhold_ucmd *ucmd)
{
	const struct cprhold_adopt_ops *adopt = NULL;
	struct cprhold_handle *h = cprhold_ucmd_handle(ucmd);
	struct cprhold_session *s = h->session;
	struct cprhold_retrieve *cmd = ucmd->cmd;
	int __user *ufds = u64_to_user_ptr(cmd->fds);
	unsigned int o_flags;
	struct file **files;
	u64 *tokens;
	int *fds;
	u32 i, got = 0;
	int ret = 0;

	if (cmd->flags & ~(CPRHOLD_RETRIEVE_NO_CLOEXEC | CPRHOLD_RETRIEVE_ADOPT_KVM))
		return -EOPNOTSUPP;
	if (cmd->__reserved || !cmd->count)
		return -EINVAL;
	mutex_lock(&s->lock);
	ret = cprhold_check_claimer(h);
	mutex_unlock(&s->lock);
	if (ret)
		return ret;
	if (cmd->count > READ_ONCE(cprhold_max_entries_per_session))
		return -ENOSPC;
	o_flags = cmd->flags & CPRHOLD_RETRIEVE_NO_CLOEXEC ? 0 : O_CLOEXEC;

	tokens = vmemdup_user(u64_to_user_ptr(cmd->tokens),
			      array_size(cmd->count, sizeof(*tokens)));
	if (IS_ERR(tokens))
		return PTR_ERR(tokens);
	files = kvcalloc(cmd->count, sizeof(*files), GFP_KERNEL_ACCOUNT);
	fds = kvmalloc_array(cmd->count, sizeof(*fds), GFP_KERNEL_ACCOUNT);
	if (!files || !fds) {
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
		if (!cprhold_item_find(&s->items, tokens[i]))
			ret = -ENOENT;
	}
	/*
	 * Adopt while the session's references are the only ones we add:
	 * the adopter counts file references to exclude the old owner.
	 */
	if (!ret && adopt)
		ret = cprhold_retrieve_adopt(s, adopt, tokens, cmd->count);
	for (i = 0; !ret && i < cmd->count; i++) {
		struct cprhold_item *it = cprhold_item_find(&s->items, tokens[i]);

		if (!it) {
			ret = -ENOENT;
			break;
		}
		files[i] = get_file(it->file);
		got++;
	}
	mutex_unlock(&s->lock);
	if (ret)
		goto out;

	/*
	 * Nothing is installed yet: fail here, cleanly, if @fds is not
	 * writable or the fd table has no room for all of them.
	 */
	for (i = 0; i < cmd->count; i++)
		fds[i] = -1;
	if (copy_to_user(ufds, fds, array_size(cmd->count, sizeof(*fds)))) {
		ret = -EFAULT;
		goto out;
	}
	for (i = 0; i < cmd->count; i++) {
		ret = get_unused_fd_flags(o_flags);
		if (ret < 0)
			break;
		fds[i] = ret;
	}
	while (i--)
		put_unused_fd(fds[i]);
	if (ret < 0)
		goto out;

	/* Install and report each; see the top of this file for errors. */
	ret = 0;
	for (i = 0; i < cmd->count; i++) {
		ret = cprhold_receive_fd_user(files[i], &ufds[i], o_flags);
		if (ret < 0)
			break;
		ret = 0;
	}
out:
	for (i = 0; i < got; i++)
		fput(files[i]);
	kvfree(fds);
	kvfree(files);
	kvfree(tokens);
	if (adopt)
		cprhold_adopt_put(adopt);
	return ret;
}
