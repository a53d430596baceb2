/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cprhold_kvm's tracepoints (trace system "cprhold"): a KVM VM prepared
 * for adoption at seal and detached from its creator's mm in the
 * background, and a KVM VM adopted, with the time of each phase.  See
 * Documentation/userspace-api/cprhold.rst, "Tracepoints".
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM cprhold

#if !defined(_CPRHOLD_TRACE_KVM_H) || defined(TRACE_HEADER_MULTI_READ)
#define _CPRHOLD_TRACE_KVM_H

#include <linux/tracepoint.h>

/*
 * CPRHOLD_SEAL_PREPARE_ADOPT, per VM: 0 if its detach is queued, else why
 * the VM is left for adoption to move whole (the adoption errnos; ESRCH:
 * its creator's mm is gone already, ENOMEM).
 */
TRACE_EVENT(cprhold_kvm_prepare,
	    TP_PROTO(int ret),
	    TP_ARGS(ret),
	    TP_STRUCT__entry(__field(int, ret)),
	    TP_fast_assign(__entry->ret = ret;),
	    TP_printk("ret %d", __entry->ret)
);

/*
 * The detach of a prepared VM has run (in the background): the VM's
 * vCPUs, 0 if its notifier left the creator's mm (ESRCH: the mm exited
 * meanwhile), and how long that took in ns (the SRCU grace period).
 */
TRACE_EVENT(cprhold_kvm_detach,
	    TP_PROTO(u32 nr_vcpus, int ret, u64 detach_ns),
	    TP_ARGS(nr_vcpus, ret, detach_ns),
	    TP_STRUCT__entry(__field(u32, nr_vcpus)
			     __field(int, ret)
			     __field(u64, detach_ns)),
	    TP_fast_assign(__entry->nr_vcpus = nr_vcpus;
			   __entry->ret = ret;
			   __entry->detach_ns = detach_ns;),
	    TP_printk("%u vCPUs ret %d: detach %llu ns",
		      __entry->nr_vcpus, __entry->ret, __entry->detach_ns)
);

/*
 * An adoption returns: the VM's vCPUs, the result, and in ns the checks
 * (locks, preconditions, async page faults flushed), the move of KVM's
 * MMU notifier from the old mm to the new one (its SRCU grace period;
 * for a VM detached at seal only the registration on the new mm), the
 * commit, and on 6.1 the move of the VM's NX recovery kthread into the
 * adopter's cgroups (0 when it is there already); a phase not reached is
 * 0.  Then whether the VM was detached at seal, and how long the adopter
 * waited for that detach to finish (included in the checks).
 */
TRACE_EVENT(cprhold_kvm_adopt,
	    TP_PROTO(u32 nr_vcpus, int ret, u64 checks_ns, u64 move_ns, u64 commit_ns,
		     u64 cgroup_ns, bool prepared, u64 wait_ns),
	    TP_ARGS(nr_vcpus, ret, checks_ns, move_ns, commit_ns, cgroup_ns, prepared, wait_ns),
	    TP_STRUCT__entry(__field(u32, nr_vcpus)
			     __field(int, ret)
			     __field(u64, checks_ns)
			     __field(u64, move_ns)
			     __field(u64, commit_ns)
			     __field(u64, cgroup_ns)
			     __field(bool, prepared)
			     __field(u64, wait_ns)),
	    TP_fast_assign(__entry->nr_vcpus = nr_vcpus;
			   __entry->ret = ret;
			   __entry->checks_ns = checks_ns;
			   __entry->move_ns = move_ns;
			   __entry->commit_ns = commit_ns;
			   __entry->cgroup_ns = cgroup_ns;
			   __entry->prepared = prepared;
			   __entry->wait_ns = wait_ns;),
	    TP_printk("%u vCPUs ret %d: checks %llu ns, notifier move %llu ns, commit %llu ns, cgroup %llu ns, prepared %d (waited %llu ns)",
		      __entry->nr_vcpus, __entry->ret, __entry->checks_ns,
		      __entry->move_ns, __entry->commit_ns, __entry->cgroup_ns,
		      __entry->prepared, __entry->wait_ns)
);

#endif /* _CPRHOLD_TRACE_KVM_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace_kvm
#include <trace/define_trace.h>
