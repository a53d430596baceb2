/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between cprhold.ko and the companion module that adopts
 * KVM VMs (cprhold_kvm.ko).
 *
 * cprhold.ko does not depend on kvm.ko: it only holds struct file
 * references.  Adopting a VM touches KVM's internals, so it lives in a
 * module that imports KVM's symbols the normal way (their modversion CRCs
 * keep it from loading against a kvm.ko it was not built for) and registers
 * its operation here.  cprhold.ko loads it on demand.
 */
#ifndef _CPRHOLD_ADOPT_H
#define _CPRHOLD_ADOPT_H

struct file;
struct module;

/**
 * struct cprhold_adopt_ops - what an adopter module offers
 * @owner: the module, pinned while @adopt runs
 * @adopt: rebind the KVM VM behind @vm to the calling process's mm.
 *	@vcpus holds each parked file of the session that cprhold
 *	classified as a KVM vCPU (of any VM) once; the adopter finds its
 *	VM's among them.  @vm_refs and @vcpu_refs[i] count the session's
 *	own references to @vm and @vcpus[i] (a file may be parked under
 *	several tokens): a file referenced more often is also held by
 *	someone else.  Called in the claimer's context with the session
 *	locked; returns 0 or -errno and, on error, leaves the VM exactly as
 *	it was.
 */
struct cprhold_adopt_ops {
	struct module *owner;
	int (*adopt)(struct file *vm, unsigned int vm_refs, struct file *const *vcpus,
		     const unsigned int *vcpu_refs, unsigned int nr_vcpus);
};

int cprhold_register_adopt_ops(const struct cprhold_adopt_ops *ops);
void cprhold_unregister_adopt_ops(const struct cprhold_adopt_ops *ops);

#endif /* _CPRHOLD_ADOPT_H */
