// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * strerror.c - names and messages: constant tables only, so every
 * function here is thread-safe and async-signal-safe.
 *
 * The per-operation messages follow the errno tables of
 * Documentation/userspace-api/cprhold.rst; keep them in sync.
 */
#include <errno.h>
#include <stddef.h>

#include "lib.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct ch_msg {
	int op;
	int err;
	const char *msg;
};

/* The same message serves the three "need the current claim" cases. */
#define MSG_NOT_CLAIMER \
	"this session fd does not hold the current claim (not claimed by it, " \
	"or its claim was aborted or taken over)"
#define MSG_ENDED "the session has ended (finished, destroyed or expired)"

static const struct ch_msg ch_msgs[] = {
	/* cprhold_open() */
	{ CPRHOLD_OP_OPEN, ENOENT,
	  "no /dev/cprhold: the cprhold module is not loaded (modprobe cprhold) "
	  "or the device node is not visible in this mount namespace" },
	{ CPRHOLD_OP_OPEN, ENXIO,
	  "the device node has no driver behind it: load the cprhold module" },
	{ CPRHOLD_OP_OPEN, ENODEV,
	  "the device node has no driver behind it: load the cprhold module" },
	{ CPRHOLD_OP_OPEN, EACCES,
	  "permission denied on /dev/cprhold: it is 0660 root:kvm, "
	  "the caller needs to be in the kvm group" },
	{ CPRHOLD_OP_OPEN, EPERM,
	  "opening /dev/cprhold was refused (device cgroup or security module)" },
	{ CPRHOLD_OP_OPEN, EINVAL, "unknown flag, or no path given" },
	{ CPRHOLD_OP_OPEN, EMFILE,
	  "no free file descriptor for the control fd (RLIMIT_NOFILE)" },

	/* CPRHOLD_CREATE */
	{ CPRHOLD_OP_CREATE, EINVAL,
	  "invalid request: empty name or a character outside [A-Za-z0-9._:@+-], "
	  "TTL over 2^32-1 ms, CPRHOLD_CREATE_USERNS without a user namespace fd, "
	  "or that fd is not a user namespace" },
	{ CPRHOLD_OP_CREATE, ENAMETOOLONG,
	  "the session name is longer than 63 characters" },
	{ CPRHOLD_OP_CREATE, EOPNOTSUPP,
	  "unknown creation flag (is the cprhold module older than the library?)" },
	{ CPRHOLD_OP_CREATE, EBADF,
	  "the user namespace fd is not an open file descriptor" },
	{ CPRHOLD_OP_CREATE, EEXIST,
	  "a session with this name exists already (names are global to the "
	  "machine: use unique ones, e.g. UUIDs)" },
	{ CPRHOLD_OP_CREATE, ENOSPC,
	  "this user owns max_sessions_per_user sessions already "
	  "(/sys/module/cprhold/parameters)" },
	{ CPRHOLD_OP_CREATE, EMFILE,
	  "no free file descriptor for the session fd (RLIMIT_NOFILE)" },
	{ CPRHOLD_OP_CREATE, E2BIG,
	  "the running cprhold module does not know the TTL or user namespace "
	  "fields: create the session without them" },
	{ CPRHOLD_OP_CREATE, EFAULT, "bad pointer in the create request" },

	/* CPRHOLD_CLAIM */
	{ CPRHOLD_OP_CLAIM, ENOENT,
	  "no such session, or it has ended (finished, destroyed or expired)" },
	{ CPRHOLD_OP_CLAIM, EACCES,
	  "wrong secret, or the session's creation flags exclude this claimer "
	  "(other uid or user namespace)" },
	{ CPRHOLD_OP_CLAIM, EBUSY, "session is not sealed yet or already claimed" },
	{ CPRHOLD_OP_CLAIM, EINVAL,
	  "invalid session name (empty or a character outside [A-Za-z0-9._:@+-]) "
	  "or no secret given" },
	{ CPRHOLD_OP_CLAIM, ENAMETOOLONG,
	  "the session name is longer than 63 characters" },
	{ CPRHOLD_OP_CLAIM, EOPNOTSUPP, "unknown claim flag" },
	{ CPRHOLD_OP_CLAIM, EMFILE,
	  "no free file descriptor for the claimer's session fd (RLIMIT_NOFILE)" },

	/* CPRHOLD_DESTROY */
	{ CPRHOLD_OP_DESTROY, ENOENT, "no such session, or it has ended already" },
	{ CPRHOLD_OP_DESTROY, EACCES,
	  "only the session's creator (its effective uid) or CAP_SYS_ADMIN may "
	  "destroy it" },
	{ CPRHOLD_OP_DESTROY, EINVAL,
	  "invalid session name (empty or a character outside [A-Za-z0-9._:@+-])" },
	{ CPRHOLD_OP_DESTROY, ENAMETOOLONG,
	  "the session name is longer than 63 characters" },
	{ CPRHOLD_OP_DESTROY, EOPNOTSUPP, "unknown destroy flag" },

	/* CPRHOLD_LIST_SESSIONS */
	{ CPRHOLD_OP_LIST_SESSIONS, EINVAL,
	  "invalid listing request: no buffer, element size below the v1 size, "
	  "or a reserved field set" },
	{ CPRHOLD_OP_LIST_SESSIONS, EOPNOTSUPP, "unknown listing flag" },
	{ CPRHOLD_OP_LIST_SESSIONS, EFAULT, "bad session buffer" },
	{ CPRHOLD_OP_LIST_SESSIONS, ENOMEM, "out of memory while listing sessions" },

	/* CPRHOLD_PARK */
	{ CPRHOLD_OP_PARK, EBADF,
	  "an entry's fd is not open (O_PATH fds count as not open)" },
	{ CPRHOLD_OP_PARK, EINVAL,
	  "invalid entry: no entries, a label character outside [A-Za-z0-9._@+-], "
	  "an address without CPRHOLD_ENTRY_ADDR or not page aligned, a "
	  "cprhold fd (parking it would make a reference cycle), or a first "
	  "token without an fd array" },
	{ CPRHOLD_OP_PARK, EEXIST,
	  "a token is repeated in the batch or already parked in the session" },
	{ CPRHOLD_OP_PARK, EBUSY,
	  "parking needs the creator's session fd of an OPEN session (it is "
	  "sealed or claimed, or this is a claimer's fd)" },
	{ CPRHOLD_OP_PARK, ENOENT, MSG_ENDED },
	{ CPRHOLD_OP_PARK, ENOSPC,
	  "over max_entries_per_session or max_entries_total "
	  "(/sys/module/cprhold/parameters); nothing was parked" },
	{ CPRHOLD_OP_PARK, EOPNOTSUPP,
	  "unknown entry flag, or a park flag the running cprhold module "
	  "does not know" },
	{ CPRHOLD_OP_PARK, EOVERFLOW,
	  "the fds' consecutive tokens would pass the largest token" },
	{ CPRHOLD_OP_PARK, E2BIG,
	  "the entries use fields the running cprhold module does not know" },
	{ CPRHOLD_OP_PARK, ENAMETOOLONG, "the label is longer than 31 characters" },
	{ CPRHOLD_OP_PARK, EFAULT, "bad entry array" },

	/* CPRHOLD_LIST */
	{ CPRHOLD_OP_LIST, ENOENT, "no entry with this token in the session" },
	{ CPRHOLD_OP_LIST, EINVAL,
	  "invalid listing request: no buffer, element size below the v1 size, "
	  "or a reserved field set" },
	{ CPRHOLD_OP_LIST, E2BIG, "entry size over a page" },
	{ CPRHOLD_OP_LIST, EOPNOTSUPP, "unknown listing flag" },
	{ CPRHOLD_OP_LIST, EFAULT, "bad entry buffer" },

	/* CPRHOLD_INFO */
	{ CPRHOLD_OP_INFO, ENOTTY, "not a cprhold session fd" },
	{ CPRHOLD_OP_INFO, EINVAL, "no buffer for the session information" },
	{ CPRHOLD_OP_INFO, EFAULT, "bad session information buffer" },

	/* CPRHOLD_SEAL */
	{ CPRHOLD_OP_SEAL, EBUSY,
	  "sealing needs the creator's session fd of an OPEN session (sealed "
	  "already, or this is a claimer's fd)" },
	{ CPRHOLD_OP_SEAL, ENOENT, MSG_ENDED },
	{ CPRHOLD_OP_SEAL, EOPNOTSUPP, "unknown seal flag" },

	/* CPRHOLD_RETRIEVE */
	{ CPRHOLD_OP_RETRIEVE, EBUSY, MSG_NOT_CLAIMER
	  "; adopting a KVM VM also needs that no vCPU is running or being "
	  "created and that the old owner has let go of the VM; while a VM "
	  "prepared at seal is not adopted, KVM VM, vCPU and device entries "
	  "come out only by adopting it" },
	{ CPRHOLD_OP_RETRIEVE, ENOENT,
	  "a token is not parked in the session, or the session has ended; "
	  "adopting a KVM VM also needs every vCPU of it parked in the session" },
	{ CPRHOLD_OP_RETRIEVE, EINVAL,
	  "invalid request: no tokens or no fd array, a reserved field set, a "
	  "token array and a token range at once, or CPRHOLD_RETRIEVE_ADOPT_KVM "
	  "without a KVM VM among the tokens" },
	{ CPRHOLD_OP_RETRIEVE, EOVERFLOW,
	  "the consecutive tokens would pass the largest token" },
	{ CPRHOLD_OP_RETRIEVE, ENXIO,
	  "adopting a KVM VM: guest memory is not mapped at the memslots' addresses "
	  "by shared file mappings in this process (cprhold_map_fixed() it first)" },
	{ CPRHOLD_OP_RETRIEVE, EIO, "adopting a KVM VM: the VM is dead or bugged" },
	{ CPRHOLD_OP_RETRIEVE, EINTR,
	  "killed while waiting for KVM's locks during adoption" },
	{ CPRHOLD_OP_RETRIEVE, ENOSPC,
	  "more tokens in one call than max_entries_per_session" },
	{ CPRHOLD_OP_RETRIEVE, EMFILE,
	  "out of file descriptors (RLIMIT_NOFILE); no fd of the batch was kept" },
	{ CPRHOLD_OP_RETRIEVE, EACCES,
	  "a security module refused to pass a file to this process "
	  "(file_receive)" },
	{ CPRHOLD_OP_RETRIEVE, EOPNOTSUPP,
	  "a retrieve flag the running cprhold module does not know (token "
	  "ranges need a newer one), or KVM VM adoption is not possible here "
	  "(kernel, CPU vendor, VM type, or cprhold_kvm.ko missing)" },
	{ CPRHOLD_OP_RETRIEVE, EFAULT, "bad token or fd array" },

	/* CPRHOLD_FINISH, CPRHOLD_ABORT */
	{ CPRHOLD_OP_FINISH, EBUSY, MSG_NOT_CLAIMER },
	{ CPRHOLD_OP_FINISH, ENOENT, MSG_ENDED },
	{ CPRHOLD_OP_FINISH, EOPNOTSUPP, "unknown finish flag" },
	{ CPRHOLD_OP_ABORT, EBUSY, MSG_NOT_CLAIMER },
	{ CPRHOLD_OP_ABORT, ENOENT, MSG_ENDED },
	{ CPRHOLD_OP_ABORT, EOPNOTSUPP, "unknown abort flag" },

	/* cprhold_park_memfd() */
	{ CPRHOLD_OP_PARK_MEMFD, EEXIST,
	  "the requested address range is already mapped in this process, "
	  "or the token is already parked" },
	{ CPRHOLD_OP_PARK_MEMFD, EINVAL,
	  "invalid request: size 0, address not page aligned, unknown flag, a "
	  "huge page size that does not divide the size, or an invalid label" },
	{ CPRHOLD_OP_PARK_MEMFD, ENOMEM,
	  "out of memory or address space for the guest memory mapping, or "
	  "no huge pages left (CPRHOLD_MEMFD_HUGETLB)" },
	{ CPRHOLD_OP_PARK_MEMFD, ENAMETOOLONG,
	  "the label is longer than 31 characters" },
	{ CPRHOLD_OP_PARK_MEMFD, EBUSY,
	  "parking needs the creator's session fd of an OPEN session" },
	{ CPRHOLD_OP_PARK_MEMFD, ENOSPC, "over a cprhold entry limit" },

	/* cprhold_blob_store() */
	{ CPRHOLD_OP_BLOB_STORE, EEXIST, "the token is already parked" },
	{ CPRHOLD_OP_BLOB_STORE, EINVAL,
	  "no data given for a non-empty blob, or an invalid label" },
	{ CPRHOLD_OP_BLOB_STORE, ENAMETOOLONG,
	  "the label is longer than 31 characters" },
	{ CPRHOLD_OP_BLOB_STORE, EBUSY,
	  "parking needs the creator's session fd of an OPEN session" },
	{ CPRHOLD_OP_BLOB_STORE, ENOSPC, "over a cprhold entry limit" },
	{ CPRHOLD_OP_BLOB_STORE, ENOMEM, "out of memory for the blob" },

	/* cprhold_blob_fetch(), cprhold_blob_map() */
	{ CPRHOLD_OP_BLOB_FETCH, EPERM,
	  "the entry is not sealed against changes (F_SEAL_WRITE, F_SEAL_GROW, "
	  "F_SEAL_SHRINK, F_SEAL_SEAL): its content cannot be trusted as a blob" },
	{ CPRHOLD_OP_BLOB_FETCH, EMEDIUMTYPE,
	  "the entry is not a memfd, so it is no state blob" },
	{ CPRHOLD_OP_BLOB_FETCH, ENOENT,
	  "no blob with this token, or the session has ended" },
	{ CPRHOLD_OP_BLOB_FETCH, EBUSY, MSG_NOT_CLAIMER },
	{ CPRHOLD_OP_BLOB_FETCH, EFBIG, "the blob is larger than the address space" },
	{ CPRHOLD_OP_BLOB_FETCH, ENOMEM, "out of memory for the blob" },
	{ CPRHOLD_OP_BLOB_FETCH, EINVAL, "no place for the result given" },

	/* cprhold_map_fixed() */
	{ CPRHOLD_OP_MAP_FIXED, EEXIST,
	  "the recorded address range is already mapped in this process" },
	{ CPRHOLD_OP_MAP_FIXED, ENXIO,
	  "the entry was parked without an address (CPRHOLD_ENTRY_ADDR)" },
	{ CPRHOLD_OP_MAP_FIXED, EMEDIUMTYPE,
	  "the entry is not memory (memfd, shmem, hugetlbfs or a regular file)" },
	{ CPRHOLD_OP_MAP_FIXED, ENOENT,
	  "no entry with this token, or the session has ended" },
	{ CPRHOLD_OP_MAP_FIXED, EBUSY, MSG_NOT_CLAIMER },
	{ CPRHOLD_OP_MAP_FIXED, EINVAL,
	  "the entry's size is 0, or no place for the address given" },
	{ CPRHOLD_OP_MAP_FIXED, ENOMEM,
	  "the recorded address range does not fit this process's address space, "
	  "or out of memory" },
	{ CPRHOLD_OP_MAP_FIXED, EACCES,
	  "the requested protection exceeds the file's open mode" },
	{ CPRHOLD_OP_MAP_FIXED, EFBIG,
	  "the recorded address or size does not fit this process" },
};

/* What an errno means for any cprhold operation. */
static const struct ch_msg ch_generic[] = {
	{ 0, ENOTTY,
	  "not a cprhold fd of the right kind, or a command the running cprhold "
	  "module does not know" },
	{ 0, EBADF, "not an open file descriptor" },
	{ 0, EFAULT, "bad address passed to the kernel" },
	{ 0, E2BIG,
	  "the request sets fields the running cprhold module does not know" },
	{ 0, EOPNOTSUPP,
	  "unknown flag or value (is the cprhold module older than the library?)" },
	{ 0, EINVAL, "invalid argument" },
	{ 0, ENOENT, "no such session or entry" },
	{ 0, EEXIST, "already exists" },
	{ 0, EACCES, "access denied" },
	{ 0, EPERM, "operation not permitted" },
	{ 0, EBUSY, "the session is not in the state this operation needs" },
	{ 0, ENOSPC,
	  "a cprhold limit was reached (/sys/module/cprhold/parameters)" },
	{ 0, EMFILE, "out of file descriptors (RLIMIT_NOFILE)" },
	{ 0, ENFILE, "the system is out of open files" },
	{ 0, ENOMEM, "out of memory" },
	{ 0, ENAMETOOLONG, "name or label too long" },
	{ 0, ENXIO, "no such device or address" },
	{ 0, ENODEV, "no such device" },
	{ 0, EMEDIUMTYPE, "the entry is not of the kind this operation needs" },
	{ 0, EFBIG, "too large" },
	{ 0, EOVERFLOW, "too many results" },
	{ 0, EPROTO, "the kernel answered something the library does not expect" },
	{ 0, EIO, "input/output error" },
	{ 0, EINTR, "interrupted by a signal" },
	{ 0, ETIMEDOUT, "timed out waiting for the session" },
};

static const char *const ch_op_names[] = {
	[CPRHOLD_OP_NONE] = "none",
	[CPRHOLD_OP_OPEN] = "open",
	[CPRHOLD_OP_CREATE] = "create",
	[CPRHOLD_OP_CLAIM] = "claim",
	[CPRHOLD_OP_DESTROY] = "destroy",
	[CPRHOLD_OP_LIST_SESSIONS] = "list-sessions",
	[CPRHOLD_OP_PARK] = "park",
	[CPRHOLD_OP_LIST] = "list",
	[CPRHOLD_OP_INFO] = "info",
	[CPRHOLD_OP_SEAL] = "seal",
	[CPRHOLD_OP_RETRIEVE] = "retrieve",
	[CPRHOLD_OP_FINISH] = "finish",
	[CPRHOLD_OP_ABORT] = "abort",
	[CPRHOLD_OP_PARK_MEMFD] = "park-memfd",
	[CPRHOLD_OP_BLOB_STORE] = "blob-store",
	[CPRHOLD_OP_BLOB_FETCH] = "blob-fetch",
	[CPRHOLD_OP_MAP_FIXED] = "map-fixed",
};

static const char *lookup(const struct ch_msg *t, size_t n, int op, int err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].op == op && t[i].err == err)
			return t[i].msg;
	return NULL;
}

const char *cprhold_strerror(int op, int err)
{
	const char *msg;

	if (err < 0)
		err = -err;
	if (!err)
		return "success";
	if (op != CPRHOLD_OP_NONE) {
		msg = lookup(ch_msgs, ARRAY_SIZE(ch_msgs), op, err);
		if (msg)
			return msg;
	}
	msg = lookup(ch_generic, ARRAY_SIZE(ch_generic), 0, err);
	return msg ? msg : "unexpected error";
}

#define NAME_OF(table, v) \
	((v) < ARRAY_SIZE(table) ? (table)[(v)] : NULL)

const char *cprhold_op_name(int op)
{
	if (op < 0)
		return NULL;
	return NAME_OF(ch_op_names, (unsigned int)op);
}

const char *cprhold_entry_type_name(uint32_t type)
{
	static const char *const names[] = {
		[CPRHOLD_ENTRY_OTHER] = "other",
		[CPRHOLD_ENTRY_MEMFD] = "memfd",
		[CPRHOLD_ENTRY_SHMEM] = "shmem",
		[CPRHOLD_ENTRY_HUGETLBFS] = "hugetlbfs",
		[CPRHOLD_ENTRY_KVM_VM] = "kvm_vm",
		[CPRHOLD_ENTRY_KVM_VCPU] = "kvm_vcpu",
		[CPRHOLD_ENTRY_KVM_DEVICE] = "kvm_device",
		[CPRHOLD_ENTRY_VFIO_CONTAINER] = "vfio_container",
		[CPRHOLD_ENTRY_VFIO_GROUP] = "vfio_group",
		[CPRHOLD_ENTRY_VFIO_DEVICE] = "vfio_device",
		[CPRHOLD_ENTRY_IOMMUFD] = "iommufd",
		[CPRHOLD_ENTRY_EVENTFD] = "eventfd",
		[CPRHOLD_ENTRY_SOCKET] = "socket",
		[CPRHOLD_ENTRY_PIPE] = "pipe",
		[CPRHOLD_ENTRY_TUN] = "tun",
		[CPRHOLD_ENTRY_VHOST] = "vhost",
		[CPRHOLD_ENTRY_TTY] = "tty",
		[CPRHOLD_ENTRY_CHARDEV] = "chardev",
		[CPRHOLD_ENTRY_REGULAR] = "regular",
	};

	return NAME_OF(names, type);
}

const char *cprhold_state_name(uint32_t state)
{
	static const char *const names[] = {
		[CPRHOLD_STATE_OPEN] = "open",
		[CPRHOLD_STATE_SEALED] = "sealed",
		[CPRHOLD_STATE_CLAIMED] = "claimed",
		[CPRHOLD_STATE_FINISHED] = "finished",
	};

	return NAME_OF(names, state);
}

const char *cprhold_end_name(uint32_t reason)
{
	static const char *const names[] = {
		[CPRHOLD_END_NONE] = "none",
		[CPRHOLD_END_FINISHED] = "finished",
		[CPRHOLD_END_DESTROYED] = "destroyed",
		[CPRHOLD_END_EXPIRED] = "expired",
		[CPRHOLD_END_CLOSED] = "closed",
	};

	return NAME_OF(names, reason);
}

const char *cprhold_event_name(uint32_t event)
{
	static const char *const names[] = {
		[CPRHOLD_EVENT_CREATED] = "created",
		[CPRHOLD_EVENT_SEALED] = "sealed",
		[CPRHOLD_EVENT_CLAIMED] = "claimed",
		[CPRHOLD_EVENT_ABORTED] = "aborted",
		[CPRHOLD_EVENT_FINISHED] = "finished",
		[CPRHOLD_EVENT_DESTROYED] = "destroyed",
		[CPRHOLD_EVENT_EXPIRED] = "expired",
	};

	return NAME_OF(names, event);
}
