/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between cprhold.ko and the companion module that adopts
 * KVM VMs (cprhold_kvm.ko).
 *
 * cprhold.ko does not depend on kvm.ko: it only holds struct file
 * references.  Adopting a VM touches KVM's internals, so it lives in a
 * module that imports KVM's symbols the normal way (their modversion CRCs
 * keep it from loading against a kvm.ko it was not built for) and registers
 * its operations here.  cprhold.ko loads it on demand.
 */
#ifndef _CPRHOLD_ADOPT_H
#define _CPRHOLD_ADOPT_H

struct file;
struct module;
struct cprhold_kvm_prep;

/**
 * struct cprhold_adopt_ops - what an adopter module offers
 * @owner: the module, pinned while its operations run and while a
 *	session holds a preparation
 * @prepare: at seal (CPRHOLD_SEAL_PREPARE_ADOPT), start moving the KVM VM
 *	behind @vm off its creator's mm, in the background.  The other
 *	arguments are as for @adopt.  Returns the preparation, which the
 *	session keeps until @adopt consumes it or @release drops it, or
 *	NULL when the VM is left as it is (adoption can still take it
 *	whole).  Called with the session locked.
 * @adopt: rebind the KVM VM behind @vm to the calling process's mm.
 *	@vcpus holds each parked file of the session that cprhold
 *	classified as a KVM vCPU (of any VM) once; the adopter finds its
 *	VM's among them.  @vm_refs and @vcpu_refs[i] count the session's
 *	own references to @vm and @vcpus[i] (a file may be parked under
 *	several tokens): a file referenced more often is also held by
 *	someone else.  @prep is the VM's preparation or NULL.  Called in
 *	the claimer's context with the session locked; returns 0 or -errno
 *	and, on error, leaves the VM as it was (prepared or not).
 * @release: drop a preparation; a VM still detached by it stays so until
 *	it is adopted or destroyed.
 */
struct cprhold_adopt_ops {
	struct module *owner;
	struct cprhold_kvm_prep *(*prepare)(struct file *vm, unsigned int vm_refs,
					    struct file *const *vcpus,
					    const unsigned int *vcpu_refs,
					    unsigned int nr_vcpus);
	int (*adopt)(struct file *vm, unsigned int vm_refs, struct file *const *vcpus,
		     const unsigned int *vcpu_refs, unsigned int nr_vcpus,
		     struct cprhold_kvm_prep *prep);
	void (*release)(struct cprhold_kvm_prep *prep);
};

int cprhold_register_adopt_ops(const struct cprhold_adopt_ops *ops);
void cprhold_unregister_adopt_ops(const struct cprhold_adopt_ops *ops);

#endif /* _CPRHOLD_ADOPT_H */
