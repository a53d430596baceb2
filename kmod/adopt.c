// SPDX-License-Identifier: GPL-2.0
/*
 * KVM VM adoption on retrieve (CPRHOLD_RETRIEVE_ADOPT_KVM): the registry
 * of the adopter module (cprhold_kvm.ko, loaded on demand) and the call
 * into it.  See kvm_adopt.c for what adoption does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "adopt.h"
#include "cprhold.h"

static DEFINE_MUTEX(cprhold_adopt_lock);
static const struct cprhold_adopt_ops *cprhold_adopt;

int cprhold_register_adopt_ops(const struct cprhold_adopt_ops *ops)
{
	int ret = 0;

	mutex_lock(&cprhold_adopt_lock);
	if (cprhold_adopt)
		ret = -EBUSY;
	else
		cprhold_adopt = ops;
	mutex_unlock(&cprhold_adopt_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(cprhold_register_adopt_ops);

void cprhold_unregister_adopt_ops(const struct cprhold_adopt_ops *ops)
{
	mutex_lock(&cprhold_adopt_lock);
	if (cprhold_adopt == ops)
		cprhold_adopt = NULL;
	mutex_unlock(&cprhold_adopt_lock);
}
EXPORT_SYMBOL_GPL(cprhold_unregister_adopt_ops);

/*
 * The adopter with a reference on its module, loading it if needed; an
 * ERR_PTR(-EOPNOTSUPP) if there is none for this kernel.  Call without
 * locks held (module loading may take long).
 */
const struct cprhold_adopt_ops *cprhold_adopt_get(void)
{
	const struct cprhold_adopt_ops *ops;
	int tries;

	for (tries = 0; tries < 2; tries++) {
		mutex_lock(&cprhold_adopt_lock);
		ops = cprhold_adopt;
		if (ops && !try_module_get(ops->owner))
			ops = NULL;
		mutex_unlock(&cprhold_adopt_lock);
		if (ops || tries)
			break;
		request_module("cprhold_kvm");
	}
	return ops ?: ERR_PTR(-EOPNOTSUPP);
}

void cprhold_adopt_put(const struct cprhold_adopt_ops *ops)
{
	module_put(ops->owner);
}

/*
 * Adopt the VM of @vm_file with the vCPU files among @vcpus, finishing
 * what @prep (or NULL) started.  Called with the session locked.
 */
int cprhold_adopt_vm(const struct cprhold_adopt_ops *ops, struct file *vm_file,
		     unsigned int vm_refs, struct file *const *vcpus,
		     const unsigned int *vcpu_refs, unsigned int nr_vcpus,
		     struct cprhold_kvm_prep *prep)
{
	return ops->adopt(vm_file, vm_refs, vcpus, vcpu_refs, nr_vcpus, prep);
}

/* Start preparing the VM of @vm_file for adoption: NULL if not. */
struct cprhold_kvm_prep *cprhold_adopt_prepare(const struct cprhold_adopt_ops *ops,
					       struct file *vm_file, unsigned int vm_refs,
					       struct file *const *vcpus,
					       const unsigned int *vcpu_refs,
					       unsigned int nr_vcpus)
{
	return ops->prepare(vm_file, vm_refs, vcpus, vcpu_refs, nr_vcpus);
}

void cprhold_adopt_release(const struct cprhold_adopt_ops *ops, struct cprhold_kvm_prep *prep)
{
	ops->release(prep);
}
