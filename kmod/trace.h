/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cprhold's tracepoints (trace system "cprhold"): every change of a
 * session's state, and every ioctl with its result and duration.  See
 * Documentation/userspace-api/cprhold.rst, "Tracepoints".
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM cprhold

#if !defined(_CPRHOLD_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _CPRHOLD_TRACE_H

#include <linux/tracepoint.h>
#include <linux/cprhold.h>

/* The enums by value in the events' formats, for trace-cmd and perf. */
TRACE_DEFINE_ENUM(CPRHOLD_STATE_OPEN);
TRACE_DEFINE_ENUM(CPRHOLD_STATE_SEALED);
TRACE_DEFINE_ENUM(CPRHOLD_STATE_CLAIMED);
TRACE_DEFINE_ENUM(CPRHOLD_STATE_FINISHED);
TRACE_DEFINE_ENUM(CPRHOLD_END_NONE);
TRACE_DEFINE_ENUM(CPRHOLD_END_FINISHED);
TRACE_DEFINE_ENUM(CPRHOLD_END_DESTROYED);
TRACE_DEFINE_ENUM(CPRHOLD_END_EXPIRED);
TRACE_DEFINE_ENUM(CPRHOLD_END_CLOSED);
TRACE_DEFINE_ENUM(CPRHOLD_CMD_CREATE);
TRACE_DEFINE_ENUM(CPRHOLD_CMD_CLAIM);
TRACE_DEFINE_ENUM(CPRHOLD_CMD_DESTROY);
TRACE_DEFINE_ENUM(CPRHOLD_CMD_LIST_SESSIONS);
TRACE_DEFINE_ENUM(CPRHOLD_CMD_PARK);
TRACE_DEFINE_ENUM(CPRHOLD_CMD_LIST);
TRACE_DEFINE_ENUM(CPRHOLD_CMD_INFO);
TRACE_DEFINE_ENUM(CPRHOLD_CMD_SEAL);
TRACE_DEFINE_ENUM(CPRHOLD_CMD_RETRIEVE);
TRACE_DEFINE_ENUM(CPRHOLD_CMD_FINISH);
TRACE_DEFINE_ENUM(CPRHOLD_CMD_ABORT);

#define cprhold_show_state(s)						\
	__print_symbolic(s, { 0, "none" },				\
			 { CPRHOLD_STATE_OPEN, "open" },		\
			 { CPRHOLD_STATE_SEALED, "sealed" },		\
			 { CPRHOLD_STATE_CLAIMED, "claimed" },		\
			 { CPRHOLD_STATE_FINISHED, "finished" })

#define cprhold_show_end(e)						\
	__print_symbolic(e, { CPRHOLD_END_NONE, "-" },			\
			 { CPRHOLD_END_FINISHED, "finished" },		\
			 { CPRHOLD_END_DESTROYED, "destroyed" },		\
			 { CPRHOLD_END_EXPIRED, "expired" },		\
			 { CPRHOLD_END_CLOSED, "closed" })

#define cprhold_show_cmd(c)						\
	__print_symbolic(c, { CPRHOLD_CMD_CREATE, "create" },		\
			 { CPRHOLD_CMD_CLAIM, "claim" },		\
			 { CPRHOLD_CMD_DESTROY, "destroy" },		\
			 { CPRHOLD_CMD_LIST_SESSIONS, "list_sessions" },	\
			 { CPRHOLD_CMD_PARK, "park" },			\
			 { CPRHOLD_CMD_LIST, "list" },			\
			 { CPRHOLD_CMD_INFO, "info" },			\
			 { CPRHOLD_CMD_SEAL, "seal" },			\
			 { CPRHOLD_CMD_RETRIEVE, "retrieve" },		\
			 { CPRHOLD_CMD_FINISH, "finish" },		\
			 { CPRHOLD_CMD_ABORT, "abort" })

/*
 * @name is a session's name array, CPRHOLD_NAME_MAX bytes, zero-padded.
 *
 * A session changes state: created (from "none"), sealed, claimed, an
 * aborted claim (claimed -> sealed), ended (-> finished, with the end's
 * reason: finished, destroyed, expired, closed).
 */
TRACE_EVENT(cprhold_state,
	    TP_PROTO(u64 id, const char *name, u32 from, u32 to, u32 end),
	    TP_ARGS(id, name, from, to, end),
	    TP_STRUCT__entry(__field(u64, id)
			     __array(char, name, CPRHOLD_NAME_MAX)
			     __field(u32, from)
			     __field(u32, to)
			     __field(u32, end)),
	    TP_fast_assign(__entry->id = id;
			   memcpy(__entry->name, name, CPRHOLD_NAME_MAX);
			   __entry->from = from;
			   __entry->to = to;
			   __entry->end = end;),
	    TP_printk("session %llu %s: %s -> %s end %s", __entry->id, __entry->name,
		      cprhold_show_state(__entry->from), cprhold_show_state(__entry->to),
		      cprhold_show_end(__entry->end))
);

/*
 * An ioctl returns: the command, the session of a session fd (0 on the
 * control fd), its result and how long it took in the kernel.
 */
TRACE_EVENT(cprhold_ioctl,
	    TP_PROTO(u32 cmd, u64 id, int ret, u64 ns),
	    TP_ARGS(cmd, id, ret, ns),
	    TP_STRUCT__entry(__field(u32, cmd)
			     __field(u64, id)
			     __field(int, ret)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->cmd = cmd;
			   __entry->id = id;
			   __entry->ret = ret;
			   __entry->ns = ns;),
	    TP_printk("%s session %llu ret %d in %llu ns", cprhold_show_cmd(__entry->cmd),
		      __entry->id, __entry->ret, __entry->ns)
);

#endif /* _CPRHOLD_TRACE_H */

/* Out of the kernel tree: the header is found next to its users. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
