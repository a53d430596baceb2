// SPDX-License-Identifier: GPL-2.0
/*
 * cprhold_kvm - adopt a parked KVM VM into the claimer's address space.
 *
 * KVM binds a VM to the mm of the process that created it: every VM, vCPU
 * and device ioctl from another mm fails with EIO, and the VM's MMU
 * notifier watches the creator's page tables.  After a live update the
 * successor process holds the very same VM and vCPU files (retrieved from a
 * cprhold session) and maps guest memory at the same virtual addresses.
 * Adoption moves the VM to the successor's mm, so that it keeps the VM
 * with its vCPU registers, LAPIC/IOAPIC/PIT and irqfd routing as they are.
 *
 * What moves: kvm->mm (KVM's ioctl checks and host page table walks), the
 * MMU notifier (from the old mm to the new one), and the mm references.
 * Every guest page is unmapped from the VM before its notifier leaves the
 * old mm (cprhold_kvm_leave_mm()), so the guest faults its memory in
 * again through the new mm's page tables.
 * Async page-fault work still bound to the old mm is flushed first, the
 * gfn-to-pfn caches are invalidated and remote TLBs flushed afterwards.
 *
 * The algorithm, all under kvm->lock (kvm->mm is read under it, so two
 * adopters of one VM are serialized and the second sees the first's mm),
 * every vcpu->mutex (taken with trylock: a vCPU in KVM_RUN or any vCPU
 * ioctl makes adoption fail with EBUSY) and kvm->slots_lock:
 *
 *  1. check every precondition, without side effects;
 *  2. flush async page-fault work;
 *  3. on a kworker (no signals, so registration cannot fail with EINTR):
 *     unregister the notifier from the old mm, reset the invalidation
 *     counters an interrupted range on the old mm may have left raised,
 *     register on the new mm; if that fails, restore the old
 *     registration (or, if the old mm is gone, its reference) and fail;
 *  4. commit: invalidate pfn caches, swap kvm->mm, flush TLBs, forget
 *     the threads that ran the vCPUs (below).
 *
 * A VM prepared at seal (CPRHOLD_SEAL_PREPARE_ADOPT, see struct
 * cprhold_kvm_prep) left its old mm then, in the background: step 3 only
 * registers the notifier on the new mm, in the adopting thread, which
 * spares the pause a kworker's wake-up; with a signal pending (taking
 * the mm's locks would fail with EINTR) on the kworker instead.
 *
 * Preconditions (errno when they fail):
 *  - a Debian 6.1 or 6.12 kernel on an AMD (SVM) host: the KVM internals
 *    this relies on were verified there (EOPNOTSUPP);
 *  - a live VM that is not SEV/SEV-ES/SNP, not a private-memory VM type,
 *    not Xen-configured and has no KVM-private memslot (AVIC's APIC access
 *    page) (EOPNOTSUPP); not dead or bugged (EIO);
 *  - no vCPU being created, none busy (EBUSY);
 *  - every vCPU of the VM parked in the session (ENOENT);
 *  - the old owner excluded: either every VM and vCPU file is referenced
 *    only by the session's entries (one file may be parked under several
 *    tokens), or the old mm has no users left (EBUSY).  A VM parked in
 *    two sessions is held by both: adoption through either needs the
 *    old mm gone, and the first adopter wins (the second finds the VM
 *    owned by a live mm that is not its own: EBUSY);
 *  - every user memslot's range is mapped in the caller by shared file
 *    mappings, writable unless the slot is read-only (ENXIO).
 *
 * Not moved: vPMU counters stay bound to the old vCPU threads' perf events
 * (as when a vCPU changes threads in stock KVM); on 6.12 the NX huge page
 * recovery worker ends with the old process (it only matters with
 * nx_huge_pages=on, an Intel mitigation).  On 6.1 that worker is moved
 * into the caller's cgroups so the old container can be torn down, once
 * the VM's locks are dropped, and only when it is not there already (the
 * move waits for an RCU grace period).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/file.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/sched/mm.h>
#include <linux/workqueue.h>
#include <asm/processor.h>

#include <linux/cprhold.h>

#include "adopt.h"
#include "version.h"

#define CREATE_TRACE_POINTS
#include "trace_kvm.h"

/* The KVM internals used here were verified on 6.1 and 6.12 (see Kbuild). */
#ifdef CPRHOLD_KVM_VERIFIED
static const bool cprhold_kvm_kernel_verified = true;
#else
static const bool cprhold_kvm_kernel_verified;
#endif

static int cprhold_kvm_nr_as(struct kvm *kvm)
{
#ifdef KVM_ADDRESS_SPACE_NUM
	return KVM_ADDRESS_SPACE_NUM;
#else
	return kvm_arch_nr_memslot_as_ids(kvm);
#endif
}

/* VM types and features whose state adoption would not carry. */
static bool cprhold_kvm_unsupported(struct kvm *kvm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	if (test_bit(APICV_INHIBIT_REASON_SEV, &kvm->arch.apicv_inhibit_reasons))
		return true;
#ifdef KVM_X86_DEFAULT_VM
	if (kvm->arch.vm_type != KVM_X86_DEFAULT_VM || kvm->arch.has_private_mem ||
	    kvm->arch.has_protected_state)
		return true;
#endif
#ifdef CONFIG_KVM_XEN
	if (kvm->arch.xen_hvm_config.msr)
		return true;
#endif
	if (kvm->arch.apic_access_memslot_enabled)
		return true;
	kvm_for_each_vcpu(i, vcpu, kvm)
		if (vcpu->arch.guest_state_protected)
			return true;
	return false;
}

/* The index of the vCPU file for @vcpu among @files, -ENOENT, -EINVAL. */
static int cprhold_kvm_vcpu_file(struct file *vm, struct kvm_vcpu *vcpu,
				 struct file *const *files, unsigned int nr)
{
	int found = -ENOENT;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		struct file *f = files[i];

		/*
		 * A vCPU file: the anon inode KVM shares with the VM file, the
		 * same module's operations, and private data that is this
		 * very vCPU (compared as a pointer before anything is read).
		 */
		if (file_inode(f) != file_inode(vm) || !f->f_op ||
		    f->f_op->owner != vm->f_op->owner || !f->f_op->mmap || f->f_op->read)
			continue;
		if (f->private_data != vcpu)
			continue;
		if (found >= 0)
			return -EINVAL;	/* two files for one vCPU */
		found = i;
	}
	return found;
}

/*
 * Every vCPU mutex, as KVM's SEV migration takes them: lockdep tracks the
 * first only (it holds at most MAX_LOCK_DEPTH locks per task, fewer than
 * KVM's vCPUs).  Trylock: a vCPU in KVM_RUN or another vCPU ioctl makes
 * adoption fail with EBUSY instead of waiting.  Returns how many are
 * locked, all of them on success.
 */
static unsigned long cprhold_kvm_trylock_vcpus(struct kvm *kvm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i, locked = 0;

	kvm_for_each_vcpu(i, vcpu, kvm) {
		if (!mutex_trylock(&vcpu->mutex))
			break;
		if (locked++)
			mutex_release(&vcpu->mutex.dep_map, _THIS_IP_);
	}
	return locked;
}

static void cprhold_kvm_unlock_vcpus(struct kvm *kvm, unsigned long locked)
{
	struct kvm_vcpu *vcpu;
	unsigned long i, n = 0;

	kvm_for_each_vcpu(i, vcpu, kvm) {
		if (n == locked)
			break;
		if (n++)
			mutex_acquire(&vcpu->mutex.dep_map, 0, 1, _THIS_IP_);
		mutex_unlock(&vcpu->mutex);
	}
}

/* Is every user memslot of @kvm mapped in @mm by shared file mappings? */
static int cprhold_kvm_check_memslots(struct kvm *kvm, struct mm_struct *mm)
{
	struct kvm_memory_slot *slot;
	struct kvm_memslots *slots;
	int as, bkt, ret = 0;

	lockdep_assert_held(&kvm->slots_lock);
	mmap_read_lock(mm);
	for (as = 0; as < cprhold_kvm_nr_as(kvm) && !ret; as++) {
		slots = __kvm_memslots(kvm, as);
		kvm_for_each_memslot(slot, bkt, slots) {
			unsigned long addr = slot->userspace_addr;
			unsigned long end = addr + (slot->npages << PAGE_SHIFT);
			bool ro = slot->flags & KVM_MEM_READONLY;

			if (slot->id >= KVM_USER_MEM_SLOTS) {
				/* KVM's own (AVIC, VMX): refused earlier. */
				ret = -EOPNOTSUPP;
				break;
			}
			while (addr < end) {
				struct vm_area_struct *vma = find_vma(mm, addr);

				if (!vma || vma->vm_start > addr || !vma->vm_file ||
				    !(vma->vm_flags & VM_SHARED) ||
				    (!ro && !(vma->vm_flags & VM_WRITE))) {
					pr_debug("memslot %d: %#lx not mapped shared in the adopter\n",
						 slot->id, addr);
					ret = -ENXIO;
					break;
				}
				addr = vma->vm_end;
			}
			if (ret)
				break;
		}
	}
	mmap_read_unlock(mm);
	return ret;
}

/* Wait for async page-fault work that may still use the old mm. */
static void cprhold_kvm_flush_async_pf(struct kvm *kvm)
{
#ifdef CONFIG_KVM_ASYNC_PF
	struct kvm_async_pf *work;
	struct kvm_vcpu *vcpu;
	unsigned long i;

	/* vcpu->mutex is held: only vCPU context removes from the queue. */
	kvm_for_each_vcpu(i, vcpu, kvm)
		list_for_each_entry(work, &vcpu->async_pf.queue, queue)
			flush_work(&work->work);
#endif
}

struct cprhold_kvm_swap {
	struct work_struct work;
	struct completion done;
	struct kvm *kvm;
	struct mm_struct *old;
	struct mm_struct *new;
	bool old_alive;
	bool detached;		/* prepared at seal: off the old mm already */
	int ret;
};

/*
 * An invalidation that started on the old mm will never end: with no
 * notifier of the VM live, the counters can be reset.
 */
static void cprhold_kvm_reset_invalidations(struct kvm *kvm)
{
	write_lock(&kvm->mmu_lock);
	kvm->mmu_invalidate_in_progress = 0;
	kvm->mmu_invalidate_seq++;
	write_unlock(&kvm->mmu_lock);
	spin_lock(&kvm->mn_invalidate_lock);
	kvm->mn_active_invalidate_count = 0;
	spin_unlock(&kvm->mn_invalidate_lock);
}

/* The release of the copy of KVM's notifier operations that leaves an mm */
static void cprhold_kvm_no_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
}

/*
 * Take the VM's MMU notifier off @mm without KVM's release callback, which
 * would zap every root: on 6.12 in four passes over each (4K, 2M, 1G,
 * root), 0.4-0.5 ms of a 1-vCPU VM's pause in the test VM, where 6.1
 * spends 0.1 ms.  Instead every guest page is unmapped first with KVM's
 * own invalidation over all addresses, one pass over the leaves of each
 * memslot, and the notifier leaves with a copy of KVM's operations
 * whose release does nothing; KVM's are put back once it is off (the
 * unregistration waits for every callback that may still see the copy).
 * The VM keeps its page tables, with no guest page in them: the new mm's
 * faults fill them again; what a release would free (the shadow pages
 * of nested guests or of shadow paging) goes with the next release:
 * the new mm's, or cprhold_kvm_prep_put()'s for a VM that never gets
 * one.  Nothing maps guest memory into the VM meanwhile: no vCPU runs
 * (the caller holds every vCPU mutex, or only the session holds the vCPU
 * files) and its gfn-to-pfn caches are invalidated by the same
 * invalidation.
 * An invalidation of @mm itself that is under way when the notifier
 * leaves never ends for the VM: the counters are reset once it is off.
 */
static void cprhold_kvm_leave_mm(struct kvm *kvm, struct mm_struct *mm)
{
	const struct mmu_notifier_ops *ops = kvm->mmu_notifier.ops;
	struct mmu_notifier_range all = {
		.mm = mm,
		.start = 0,
		.end = ULONG_MAX,
		.flags = MMU_NOTIFIER_RANGE_BLOCKABLE,
		.event = MMU_NOTIFY_CLEAR,
	};
	struct mmu_notifier_ops quiet = *ops;

	/*
	 * Not NULL: the old mm's exit may test ->release and call it with
	 * two loads of the ops pointer, one on each side of the swap.
	 */
	quiet.release = cprhold_kvm_no_release;
	ops->invalidate_range_start(&kvm->mmu_notifier, &all);
	ops->invalidate_range_end(&kvm->mmu_notifier, &all);
	WRITE_ONCE(kvm->mmu_notifier.ops, &quiet);
	mmu_notifier_unregister(&kvm->mmu_notifier, mm);
	WRITE_ONCE(kvm->mmu_notifier.ops, ops);
	cprhold_kvm_reset_invalidations(kvm);
}

/*
 * Move the MMU notifier from the old mm to the new one.  A VM detached at
 * seal only registers, and a failed registration leaves it detached as it
 * was.  Otherwise the notifier leaves the old mm first and goes back
 * there if the new registration fails: that part runs on a kworker,
 * because registration takes every lock of the mm and fails with EINTR
 * if the registering task has a signal pending, which a kworker never
 * has.
 */
static void cprhold_kvm_swap(struct cprhold_kvm_swap *sw)
{
	struct kvm *kvm = sw->kvm;

	if (!sw->detached) {
		/*
		 * Unmaps every guest page, waits for the notifier's callbacks
		 * to finish, drops its mm reference.
		 */
		cprhold_kvm_leave_mm(kvm, sw->old);
	}

	sw->ret = mmu_notifier_register(&kvm->mmu_notifier, sw->new);
	if (sw->ret) {
		/* Back to where it was: registered on the old mm, or detached. */
		if (sw->detached)
			;	/* the detached VM keeps its reference on the old mm */
		else if (sw->old_alive)
			WARN_ON(mmu_notifier_register(&kvm->mmu_notifier, sw->old));
		else
			mmgrab(sw->old);	/* the notifier's reference */
	} else if (sw->detached) {
		mmdrop(sw->old);	/* the reference the detached VM kept */
	}
}

static void cprhold_kvm_swap_fn(struct work_struct *work)
{
	struct cprhold_kvm_swap *sw = container_of(work, struct cprhold_kvm_swap, work);

	cprhold_kvm_swap(sw);
	complete(&sw->done);
}

#ifdef CPRHOLD_HAVE_NX_LPAGE_KTHREAD
/*
 * The VM's NX huge page recovery kthread goes into the adopter's cgroups,
 * so that the old container can be torn down.  cgroup_attach_task_all()
 * takes the cgroup threadgroup rwsem for writing, which waits for an RCU
 * grace period (about 20 ms in the test VM on 6.1): done once the VM's
 * locks are dropped, from the adopting thread (alive, so its cgroups are
 * too), and not at all when the kthread is in those cgroups already.
 */
static void cprhold_kvm_cgroup_move(struct kvm *kvm)
{
	struct task_struct *t = kvm->arch.nx_lpage_recovery_thread;
	bool same;

	if (!t)
		return;
	rcu_read_lock();
	same = task_css_set(t) == task_css_set(current);
	rcu_read_unlock();
	if (!same && cgroup_attach_task_all(current, t))
		pr_warn_ratelimited("kvm-nx-lpage-recovery stays in the old owner's cgroups\n");
}
#endif

/*
 * The threads that last ran the vCPUs.  KVM_RUN from another thread
 * replaces vcpu->pid and waits for an RCU grace period before it drops
 * the old one (kvm_vcpu_ioctl()).  After an adoption every vCPU changes
 * threads, and each first KVM_RUN of the adopter would wait that long
 * inside the guest's pause (10-15 ms in the test VM).  The commit forgets
 * them instead, under the vCPU mutexes KVM_RUN takes, and they are put
 * after a grace period without waiting for it: a vCPU without a pid is
 * what KVM_RUN finds on a vCPU that never ran, and vcpu->pid's readers
 * handle NULL: directed yield under RCU, the debugfs "pid" file under RCU
 * on 6.12 (6.1 reads it with rcu_access_pointer() outside a read-side
 * section, racing with KVM_RUN's own swap as much as with this one).
 * Without memory for the list, the pids stay (KVM_RUN waits).
 */
struct cprhold_kvm_pids {
	struct rcu_head rcu;
	unsigned int nr;
	struct pid *pid[];
};

static void cprhold_kvm_put_pids(struct rcu_head *rcu)
{
	struct cprhold_kvm_pids *p = container_of(rcu, struct cprhold_kvm_pids, rcu);
	unsigned int i;

	for (i = 0; i < p->nr; i++)
		put_pid(p->pid[i]);
	kfree(p);
}

static struct cprhold_kvm_pids *cprhold_kvm_alloc_pids(struct kvm *kvm)
{
	unsigned int n = atomic_read(&kvm->online_vcpus);

	return kzalloc(struct_size_t(struct cprhold_kvm_pids, pid, n), GFP_KERNEL_ACCOUNT);
}

/* Under kvm->lock and every vcpu->mutex; consumes @p. */
static void cprhold_kvm_forget_pids(struct kvm *kvm, struct cprhold_kvm_pids *p)
{
	unsigned int n = atomic_read(&kvm->online_vcpus);
	struct kvm_vcpu *vcpu;
	struct pid *pid;
	unsigned long i;

	lockdep_assert_held(&kvm->lock);
	if (!p)
		return;
	kvm_for_each_vcpu(i, vcpu, kvm) {
		if (p->nr == n)
			break;
		/* lockdep tracks only the first vCPU mutex (see above) */
		pid = rcu_replace_pointer(vcpu->pid, NULL, true);
		if (pid)
			p->pid[p->nr++] = pid;
	}
	call_rcu(&p->rcu, cprhold_kvm_put_pids);
}

static void cprhold_kvm_invalidate_gpcs(struct kvm *kvm)
{
	struct gfn_to_pfn_cache *gpc;

	spin_lock(&kvm->gpc_lock);
	list_for_each_entry(gpc, &kvm->gpc_list, list) {
		write_lock_irq(&gpc->lock);
		gpc->valid = false;
		write_unlock_irq(&gpc->lock);
	}
	spin_unlock(&kvm->gpc_lock);
}

/*
 * Does the VM use a gfn-to-pfn cache other than its vCPUs' kvmclock pages?
 * Those are refreshed only by a running vCPU; others (Xen shared info,
 * vcpu_info, runstate) also from an interrupt routed through an irqfd,
 * through kvm->mm, which a detached VM must never map from.
 */
static bool cprhold_kvm_other_caches(struct kvm *kvm)
{
	struct gfn_to_pfn_cache *gpc;
	struct kvm_vcpu *vcpu;
	unsigned long i;
	bool other = false;

	spin_lock(&kvm->gpc_lock);
	list_for_each_entry(gpc, &kvm->gpc_list, list) {
		other = true;
		kvm_for_each_vcpu(i, vcpu, kvm) {
			if (gpc == &vcpu->arch.pv_time) {
				other = false;
				break;
			}
		}
		if (other)
			break;
	}
	spin_unlock(&kvm->gpc_lock);
	return other;
}

/*
 * Lock the VM for a move: under kvm->lock (held by the caller), no vCPU
 * being created, every vCPU mutex (tried: a vCPU in KVM_RUN or another
 * vCPU ioctl is EBUSY), kvm->slots_lock, and a VM adoption can carry.
 * On success *@locked vCPU mutexes and slots_lock are held; on error
 * nothing but kvm->lock.
 */
static int cprhold_kvm_lock_vm(struct kvm *kvm, unsigned long *locked)
{
	int ret;

	lockdep_assert_held(&kvm->lock);
	*locked = 0;
	if (kvm->vm_dead || kvm->vm_bugged)
		return -EIO;
	if (kvm->created_vcpus != atomic_read(&kvm->online_vcpus))
		return -EBUSY;
	*locked = cprhold_kvm_trylock_vcpus(kvm);
	ret = -EBUSY;
	if (*locked != atomic_read(&kvm->online_vcpus))
		goto out_vcpus;
	ret = -EINTR;
	if (mutex_lock_killable(&kvm->slots_lock))
		goto out_vcpus;
	if (!cprhold_kvm_unsupported(kvm))
		return 0;
	ret = -EOPNOTSUPP;
	mutex_unlock(&kvm->slots_lock);
out_vcpus:
	cprhold_kvm_unlock_vcpus(kvm, *locked);
	*locked = 0;
	return ret;
}

static void cprhold_kvm_unlock_vm(struct kvm *kvm, unsigned long locked)
{
	mutex_unlock(&kvm->slots_lock);
	cprhold_kvm_unlock_vcpus(kvm, locked);
}

/*
 * Every vCPU parked (-ENOENT if not, -EINVAL for two files of one vCPU);
 * *@exclusive: nobody but the session's entries holds the VM and vCPU
 * files (the old owner let go of them all).
 */
static int cprhold_kvm_check_files(struct kvm *kvm, struct file *vmf, unsigned int vm_refs,
				   struct file *const *files, const unsigned int *refs,
				   unsigned int nr_files, bool *exclusive)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	*exclusive = file_count(vmf) == vm_refs;
	kvm_for_each_vcpu(i, vcpu, kvm) {
		int f = cprhold_kvm_vcpu_file(vmf, vcpu, files, nr_files);

		if (f < 0)
			return f;
		*exclusive &= file_count(files[f]) == refs[f];
	}
	return 0;
}

static bool cprhold_kvm_host_ok(void)
{
	return cprhold_kvm_kernel_verified &&
	       (boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
		boot_cpu_data.x86_vendor == X86_VENDOR_HYGON);
}

/*
 * A VM prepared for adoption when its session was sealed
 * (CPRHOLD_SEAL_PREPARE_ADOPT).  Preparing checks, as adoption would,
 * that nobody but the session holds the VM and its vCPUs and that none
 * is busy, and queues the detach: on cprhold_kvm_wq, the VM's MMU
 * notifier leaves the creator's mm (every guest page unmapped from the VM,
 * then the SRCU grace period, which is the point: it passes while the
 * successor starts, claims and maps guest memory), the invalidation counters are
 * reset and the gfn-to-pfn caches invalidated.  The notifier's reference
 * on the old mm is taken again, so that kvm_destroy_vm() stays balanced
 * if the VM is never adopted.
 *
 * A detached VM has no notifier at all.  That is safe because nothing can
 * map guest memory into it: no vCPU runs (only the session holds the
 * files, and cprhold hands them out only into an adoption of the VM),
 * no spte maps guest memory and its caches are invalid.  Adoption then only
 * registers the notifier on the adopter's mm.
 */
struct cprhold_kvm_prep {
	struct work_struct work;
	struct completion done;		/* the detach has run */
	refcount_t ref;			/* the session's and the work's */
	struct kvm *kvm;		/* referenced */
	struct mm_struct *old;		/* kvm->mm when prepared */
	bool detached;			/* the work moved the notifier off @old */
};

static struct workqueue_struct *cprhold_kvm_wq;

/*
 * The last reference: a VM the detach took off its mm that no mm took
 * since (its session ended without adopting it, or the adoption could
 * not register the notifier) gets KVM's release now.  The detach only
 * unmapped its pages; the release frees what the unmapping leaves, the
 * shadow pages of nested guests or of shadow paging, which
 * kvm_destroy_vm() frees only through a notifier that is registered.
 * Under kvm->lock, as adoption changes kvm->mm and registers.
 */
static void cprhold_kvm_prep_put(struct cprhold_kvm_prep *p)
{
	struct kvm *kvm = p->kvm;

	if (!refcount_dec_and_test(&p->ref))
		return;
	if (p->detached) {
		mutex_lock(&kvm->lock);
		if (kvm->mm == p->old && hlist_unhashed_lockless(&kvm->mmu_notifier.hlist))
			kvm->mmu_notifier.ops->release(&kvm->mmu_notifier, p->old);
		mutex_unlock(&kvm->lock);
	}
	kvm_put_kvm(kvm);
	kfree(p);
}

static void cprhold_kvm_detach_fn(struct work_struct *work)
{
	struct cprhold_kvm_prep *p = container_of(work, struct cprhold_kvm_prep, work);
	struct kvm *kvm = p->kvm;
	u64 t0 = ktime_get_ns();
	int ret = -ESRCH;

	mutex_lock(&kvm->lock);
	/*
	 * As prepared, unless the old owner's mm has exited meanwhile (its
	 * release unlinked the notifier: adoption moves the VM whole).
	 */
	if (kvm->mm == p->old && !hlist_unhashed_lockless(&kvm->mmu_notifier.hlist)) {
		cprhold_kvm_leave_mm(kvm, p->old);
		mmgrab(p->old);		/* the notifier's, for kvm_destroy_vm() */
		cprhold_kvm_invalidate_gpcs(kvm);
		p->detached = true;
		ret = 0;
	}
	mutex_unlock(&kvm->lock);
	trace_cprhold_kvm_detach(atomic_read(&kvm->online_vcpus), ret, ktime_get_ns() - t0);
	complete_all(&p->done);
	cprhold_kvm_prep_put(p);
}

static struct cprhold_kvm_prep *cprhold_kvm_prepare(struct file *vmf, unsigned int vm_refs,
						    struct file *const *files,
						    const unsigned int *refs,
						    unsigned int nr_files)
{
	struct cprhold_kvm_prep *p = NULL;
	unsigned long locked;
	struct kvm *kvm;
	bool exclusive;
	int ret;

	ret = -EOPNOTSUPP;
	if (!cprhold_kvm_host_ok())
		goto out_trace;
	ret = -EINVAL;
	if (!file_is_kvm(vmf))
		goto out_trace;
	kvm = vmf->private_data;
	ret = -ENOMEM;
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		goto out_trace;
	ret = -EINTR;
	if (mutex_lock_killable(&kvm->lock))
		goto out_trace;
	ret = cprhold_kvm_lock_vm(kvm, &locked);
	if (ret)
		goto out_lock;
	ret = cprhold_kvm_check_files(kvm, vmf, vm_refs, files, refs, nr_files, &exclusive);
	if (!ret && !exclusive)
		ret = -EBUSY;
	if (!ret && cprhold_kvm_other_caches(kvm))
		ret = -EOPNOTSUPP;
	/* Still on its creator's mm, which is alive: something to detach. */
	if (!ret && hlist_unhashed_lockless(&kvm->mmu_notifier.hlist))
		ret = -ESRCH;
	if (!ret) {
		INIT_WORK(&p->work, cprhold_kvm_detach_fn);
		init_completion(&p->done);
		refcount_set(&p->ref, 2);
		kvm_get_kvm(kvm);
		p->kvm = kvm;
		p->old = kvm->mm;
		queue_work(cprhold_kvm_wq, &p->work);
	}
	cprhold_kvm_unlock_vm(kvm, locked);
out_lock:
	mutex_unlock(&kvm->lock);
out_trace:
	trace_cprhold_kvm_prepare(ret);
	if (!ret)
		return p;
	kfree(p);
	return NULL;
}

static void cprhold_kvm_release(struct cprhold_kvm_prep *p)
{
	/* Not run yet: the VM is going away with its session, leave it be. */
	if (cancel_work(&p->work)) {
		complete_all(&p->done);
		cprhold_kvm_prep_put(p);	/* the work's */
	}
	cprhold_kvm_prep_put(p);
}

static int cprhold_kvm_adopt(struct file *vmf, unsigned int vm_refs,
			     struct file *const *files, const unsigned int *refs,
			     unsigned int nr_files, struct cprhold_kvm_prep *prep)
{
	struct mm_struct *new = current->mm, *old;
	struct cprhold_kvm_pids *pids = NULL;
	u64 t0 = ktime_get_ns(), t1 = 0, t2 = 0, t3, waited = 0;
	struct cprhold_kvm_swap sw;
	struct kvm *kvm;
	unsigned long locked = 0;
	bool exclusive;
	int ret;

	if (!cprhold_kvm_host_ok())
		return -EOPNOTSUPP;
	if (!file_is_kvm(vmf))
		return -EINVAL;
	if (!new || (current->flags & PF_EXITING))
		return -EINVAL;

	kvm = vmf->private_data;
	if (prep) {
		/*
		 * The detach was queued at seal; by now it has usually run.
		 * If its kworker has not even started (woken onto an idle CPU,
		 * it may wait for that CPU's next timer tick: 0.3 ms on 6.1 in
		 * the test VM), it runs here instead, as the work would.  The
		 * caller holds its session's lock, which nothing takes under
		 * kvm->lock (the detach takes only that): no cycle, though
		 * lockdep does not see the wait for a running detach.
		 */
		if (cancel_work(&prep->work))
			cprhold_kvm_detach_fn(&prep->work);
		else if (wait_for_completion_killable(&prep->done))
			return -EINTR;
		waited = ktime_get_ns() - t0;
	}
	if (mutex_lock_killable(&kvm->lock))
		return -EINTR;
	/*
	 * kvm->mm changes only under kvm->lock (here): read it under the
	 * lock, or two adopters of one VM (parked in two sessions, the old
	 * owner gone) would both move the notifier off the same old mm.
	 */
	old = kvm->mm;
	sw.detached = prep && prep->detached && old == prep->old &&
		      hlist_unhashed_lockless(&kvm->mmu_notifier.hlist);
	ret = 0;
	/* Already ours and watched: a repeated retrieve. */
	if (old == new && !hlist_unhashed_lockless(&kvm->mmu_notifier.hlist))
		goto out_lock;
	ret = cprhold_kvm_lock_vm(kvm, &locked);
	if (ret)
		goto out_lock;
	ret = cprhold_kvm_check_files(kvm, vmf, vm_refs, files, refs, nr_files, &exclusive);
	if (ret)
		goto out_vm;
	sw.old_alive = mmget_not_zero(old);
	ret = -EBUSY;
	if (sw.old_alive && !exclusive)
		goto out_old;

	ret = cprhold_kvm_check_memslots(kvm, new);
	if (ret)
		goto out_old;

	cprhold_kvm_flush_async_pf(kvm);
	pids = cprhold_kvm_alloc_pids(kvm);
	t1 = ktime_get_ns();

	sw.kvm = kvm;
	sw.old = old;
	sw.new = new;
	/*
	 * A detached VM only registers, here: no kworker's wake-up in the
	 * pause.  If a signal interrupts taking the mm's locks, or for the
	 * whole move of a VM still on the old mm, a kworker does it.
	 */
	sw.ret = -EINTR;
	if (sw.detached && !signal_pending(current))
		cprhold_kvm_swap(&sw);
	if (sw.ret == -EINTR) {
		INIT_WORK_ONSTACK(&sw.work, cprhold_kvm_swap_fn);
		init_completion(&sw.done);
		mmget(new);
		queue_work(system_unbound_wq, &sw.work);
		wait_for_completion(&sw.done);
		destroy_work_on_stack(&sw.work);
		mmput(new);
	}
	t2 = ktime_get_ns();
	ret = sw.ret;
	if (ret)
		goto out_old;

	/* Commit: nothing below can fail. */
	cprhold_kvm_invalidate_gpcs(kvm);
	mmgrab(new);
	WRITE_ONCE(kvm->mm, new);
	kvm_flush_remote_tlbs(kvm);
	kvm->userspace_pid = task_tgid_nr(current);
	cprhold_kvm_forget_pids(kvm, pids);
	cprhold_kvm_unlock_vm(kvm, locked);
	mutex_unlock(&kvm->lock);
	/* KVM's own reference on the old mm, then ours; outside KVM's locks. */
	mmdrop(old);
	if (sw.old_alive)
		mmput(old);
	t3 = ktime_get_ns();
#ifdef CPRHOLD_HAVE_NX_LPAGE_KTHREAD
	/* The caller holds the VM file: the kthread lives on meanwhile. */
	cprhold_kvm_cgroup_move(kvm);
#endif
	trace_cprhold_kvm_adopt(atomic_read(&kvm->online_vcpus), 0, t1 - t0,
				t2 - t1, t3 - t2, ktime_get_ns() - t3, sw.detached, waited);
	return 0;

out_old:
	kfree(pids);
	if (sw.old_alive)
		mmput(old);
out_vm:
	cprhold_kvm_unlock_vm(kvm, locked);
out_lock:
	mutex_unlock(&kvm->lock);
	trace_cprhold_kvm_adopt(atomic_read(&kvm->online_vcpus), ret,
				(t1 ?: ktime_get_ns()) - t0, t2 ? t2 - t1 : 0, 0, 0,
				sw.detached, waited);
	return ret;
}

static const struct cprhold_adopt_ops cprhold_kvm_ops = {
	.owner = THIS_MODULE,
	.prepare = cprhold_kvm_prepare,
	.adopt = cprhold_kvm_adopt,
	.release = cprhold_kvm_release,
};

static int __init cprhold_kvm_init(void)
{
	int ret;

	cprhold_kvm_wq = alloc_workqueue("cprhold_kvm", WQ_UNBOUND, 0);
	if (!cprhold_kvm_wq)
		return -ENOMEM;
	ret = cprhold_register_adopt_ops(&cprhold_kvm_ops);
	if (ret)
		destroy_workqueue(cprhold_kvm_wq);
	return ret;
}

static void __exit cprhold_kvm_exit(void)
{
	cprhold_unregister_adopt_ops(&cprhold_kvm_ops);
	/* Sessions pin the module while they hold a preparation; the work may outlive them. */
	destroy_workqueue(cprhold_kvm_wq);
	rcu_barrier();	/* cprhold_kvm_put_pids() */
}

module_init(cprhold_kvm_init);
module_exit(cprhold_kvm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("cprhold: adopt a parked KVM VM into the claimer's address space");
MODULE_AUTHOR("The cprhold developers");
MODULE_VERSION(CPRHOLD_MODULE_VERSION);
