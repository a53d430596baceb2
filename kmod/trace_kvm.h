/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cprhold_kvm's tracepoint (trace system "cprhold"): a KVM VM adopted,
 * with the time of each phase.  See Documentation/userspace-api/cprhold.rst,
 * "Tracepoints".
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM cprhold

#if !defined(_CPRHOLD_TRACE_KVM_H) || defined(TRACE_HEADER_MULTI_READ)
#define _CPRHOLD_TRACE_KVM_H

#include <linux/tracepoint.h>

/*
 * An adoption returns: the VM's vCPUs, the result, and in ns the checks
 * (locks, preconditions, async page faults flushed), the move of KVM's
 * MMU notifier from the old mm to the new one (its SRCU grace period),
 * the commit, and on 6.1 the move of the VM's NX recovery kthread into
 * the adopter's cgroups (0 when it is there already); a phase not
 * reached is 0.
 */
TRACE_EVENT(cprhold_kvm_adopt,
	    TP_PROTO(u32 nr_vcpus, int ret, u64 checks_ns, u64 move_ns, u64 commit_ns,
		     u64 cgroup_ns),
	    TP_ARGS(nr_vcpus, ret, checks_ns, move_ns, commit_ns, cgroup_ns),
	    TP_STRUCT__entry(__field(u32, nr_vcpus)
			     __field(int, ret)
			     __field(u64, checks_ns)
			     __field(u64, move_ns)
			     __field(u64, commit_ns)
			     __field(u64, cgroup_ns)),
	    TP_fast_assign(__entry->nr_vcpus = nr_vcpus;
			   __entry->ret = ret;
			   __entry->checks_ns = checks_ns;
			   __entry->move_ns = move_ns;
			   __entry->commit_ns = commit_ns;
			   __entry->cgroup_ns = cgroup_ns;),
	    TP_printk("%u vCPUs ret %d: checks %llu ns, notifier move %llu ns, commit %llu ns, cgroup %llu ns",
		      __entry->nr_vcpus, __entry->ret, __entry->checks_ns,
		      __entry->move_ns, __entry->commit_ns, __entry->cgroup_ns)
);

#endif /* _CPRHOLD_TRACE_KVM_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace_kvm
#include <trace/define_trace.h>
