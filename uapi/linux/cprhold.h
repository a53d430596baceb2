/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cprhold - park live file references in kernel-held sessions, so that a
 * successor process (a new VMM, possibly in another container) can claim
 * them.  See Documentation/userspace-api/cprhold.rst.
 */
#ifndef _UAPI_LINUX_CPRHOLD_H
#define _UAPI_LINUX_CPRHOLD_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: cprhold ioctl conventions
 *
 * As iommufd's:
 *  - every ioctl is _IO(CPRHOLD_TYPE, nr) and takes a pointer to a struct
 *    whose first member is __u32 size, the caller's sizeof() of it;
 *  - a struct shorter than the kernel's is zero-extended (the missing tail
 *    fields take their defaults), as long as it holds the first layout,
 *    CPRHOLD_<STRUCT>_SIZE_VER0 (else EINVAL).  These numbers never
 *    change: a struct grows at its end, and a new layout gets _VER1;
 *  - bytes the kernel does not know beyond its own struct must be zero,
 *    else the ioctl fails with E2BIG;
 *  - output is written back for min(caller's size, kernel's size) bytes;
 *    arrays of output elements (CPRHOLD_LIST, CPRHOLD_LIST_SESSIONS) the
 *    same per element, the caller's bytes beyond the kernel's element
 *    zeroed;
 *  - reserved fields must be zero (EINVAL); unknown flags give EOPNOTSUPP;
 *  - pointers are __aligned_u64; arrays carry their element size so that
 *    elements can grow the same way;
 *  - a failing ioctl changes nothing, neither in the kernel nor in the
 *    caller's struct.
 */

/**
 * DOC: cprhold errno order
 *
 * When several errors apply, the first in this order is returned: ENOTTY
 * (unknown command), EFAULT/EINVAL/E2BIG (the struct itself: unreadable,
 * shorter than _VER0, non-zero unknown tail), EOPNOTSUPP (unknown flag),
 * EINVAL (a bad field; EOVERFLOW for a token range that passes U64_MAX),
 * ENOENT (no such session, or it ended), EACCES
 * (secret or permission), EBUSY (wrong fd role or session state), ENOSPC
 * and EMFILE (limits), then the errors of the work itself (per entry:
 * EBADF, EEXIST, EINVAL; EFAULT on arrays; ENOMEM).
 */

/*
 * The ioctl type, numbers 0x00-0x2F.  0xC7 is free in ioctl-number.rst
 * of Linux 6.12 and unclaimed upstream as far as we could find; 0xBA,
 * this module's type before its first release, is /dev/liveupdate's
 * since Linux 6.19.
 */
#define CPRHOLD_TYPE		0xC7

/*
 * The first layout of each struct: the smallest size the kernel accepts
 * (a caller may pass any size from here up).  Fixed numbers, never
 * offsetofend() of the current struct, so that they cannot move.
 */
#define CPRHOLD_CREATE_SIZE_VER0	112	/* up to @out_secret */
#define CPRHOLD_CLAIM_SIZE_VER0		112
#define CPRHOLD_DESTROY_SIZE_VER0	72
#define CPRHOLD_LIST_SESSIONS_SIZE_VER0	40
#define CPRHOLD_PARK_SIZE_VER0		24
#define CPRHOLD_PARK_SIZE_VER1		32	/* up to @first_token */
#define CPRHOLD_LIST_SIZE_VER0		40
#define CPRHOLD_INFO_SIZE_VER0		144
#define CPRHOLD_OP_SIZE_VER0		8
#define CPRHOLD_RETRIEVE_SIZE_VER0	32
#define CPRHOLD_RETRIEVE_SIZE_VER1	40	/* up to @first_token */
/* Elements of arrays (&cprhold_park.entry_size, &cprhold_list_sessions.info_size) */
#define CPRHOLD_ENTRY_SIZE_VER0		96
#define CPRHOLD_SESSION_INFO_SIZE_VER0	136

/* Sizes, including the terminating NUL. */
#define CPRHOLD_NAME_MAX	64
#define CPRHOLD_LABEL_MAX	32
#define CPRHOLD_SECRET_SIZE	32

enum {
	/* on the /dev/cprhold control fd */
	CPRHOLD_CMD_CREATE = 0x00,
	CPRHOLD_CMD_CLAIM = 0x01,
	CPRHOLD_CMD_DESTROY = 0x02,
	CPRHOLD_CMD_LIST_SESSIONS = 0x03,
	/* on a session fd */
	CPRHOLD_CMD_PARK = 0x20,
	CPRHOLD_CMD_LIST = 0x21,
	CPRHOLD_CMD_INFO = 0x22,
	CPRHOLD_CMD_SEAL = 0x23,
	CPRHOLD_CMD_RETRIEVE = 0x24,
	CPRHOLD_CMD_FINISH = 0x25,
	CPRHOLD_CMD_ABORT = 0x26,
};

/**
 * enum cprhold_state - life cycle of a session
 * @CPRHOLD_STATE_OPEN: created, its creator parks entries; closing the
 *	creator's session fd destroys it and releases everything
 * @CPRHOLD_STATE_SEALED: complete and claimable; lives without any process
 *	holding it, until claimed and finished, destroyed, or its TTL expires
 * @CPRHOLD_STATE_CLAIMED: one successor holds it and may retrieve entries;
 *	if the successor's session fd is closed before finish (it died), or on
 *	abort, the session returns to SEALED
 * @CPRHOLD_STATE_FINISHED: ended (finished, destroyed, expired or closed
 *	while open); everything it held is released.  Only seen through a
 *	session fd that outlived the session.
 *
 * Waiting for a state: every session fd supports poll()/epoll.  It is
 * readable (POLLIN, POLLRDNORM and POLLPRI) while the session has changed
 * state since the fd was returned or since its last successful
 * CPRHOLD_INFO, and reports POLLHUP once the session has ended.  A change
 * is any transition above: sealed, claimed, back to SEALED (abort, or the
 * claimer let go), ended.  A waiter calls CPRHOLD_INFO after each wake-up
 * and polls again until the state it waits for; a change between the two
 * keeps the fd readable, so none is missed.  The claim an fd makes itself
 * counts as seen by that fd.
 */
enum cprhold_state {
	CPRHOLD_STATE_OPEN = 1,
	CPRHOLD_STATE_SEALED = 2,
	CPRHOLD_STATE_CLAIMED = 3,
	CPRHOLD_STATE_FINISHED = 4,
};

/**
 * enum cprhold_end - why a session ended (&cprhold_session_info.end_reason)
 * @CPRHOLD_END_NONE: the session has not ended
 * @CPRHOLD_END_FINISHED: its claimer called CPRHOLD_FINISH
 * @CPRHOLD_END_DESTROYED: CPRHOLD_DESTROY by its owner or an administrator
 * @CPRHOLD_END_EXPIRED: its TTL ran out while it was SEALED
 * @CPRHOLD_END_CLOSED: its creator's session fd was closed while OPEN
 */
enum cprhold_end {
	CPRHOLD_END_NONE = 0,
	CPRHOLD_END_FINISHED = 1,
	CPRHOLD_END_DESTROYED = 2,
	CPRHOLD_END_EXPIRED = 3,
	CPRHOLD_END_CLOSED = 4,
};

/**
 * enum cprhold_create_flags - flags of &struct cprhold_create
 * @CPRHOLD_CREATE_SAME_KUID: the claimer's effective uid must be the
 *	creator's (compared as kuid, across user namespaces)
 * @CPRHOLD_CREATE_USERNS: the claimer must be in the user namespace
 *	&cprhold_create.userns_fd, or in one below it
 * @CPRHOLD_CREATE_NO_CLOEXEC: the returned session fd is not close-on-exec
 */
enum cprhold_create_flags {
	CPRHOLD_CREATE_SAME_KUID = 1 << 0,
	CPRHOLD_CREATE_USERNS = 1 << 1,
	CPRHOLD_CREATE_NO_CLOEXEC = 1 << 2,
};

/**
 * struct cprhold_create - ioctl(CPRHOLD_CREATE)
 * @size: sizeof(struct cprhold_create)
 * @flags: CPRHOLD_CREATE_* flags
 * @name: the session's name: 1 to CPRHOLD_NAME_MAX - 1 characters out of
 *	[A-Za-z0-9._:@+-], NUL-terminated, the rest of the array zero.
 *	Names are global to the machine and unique.
 * @out_fd: the session fd (an anon inode), O_CLOEXEC unless
 *	CPRHOLD_CREATE_NO_CLOEXEC
 * @__reserved: must be 0
 * @out_secret: random bytes, returned only here: claiming the session needs
 *	them.  Hand them to the successor as a capability.
 * @ttl_ms: optional; a session that stays SEALED and unclaimed for this
 *	many milliseconds is destroyed (event "expired").  0: no TTL (the
 *	default: expiring a session may drop a guest's memory).
 * @userns_fd: with CPRHOLD_CREATE_USERNS, an fd of a user namespace
 *	(/proc/PID/ns/user); ignored (must be 0) without it
 * @__reserved2: must be 0
 *
 * The mandatory part ends at @out_secret; older callers may omit the TTL
 * and user namespace fields.
 *
 * The session is created OPEN, owned by the caller's effective uid.
 */
struct cprhold_create {
	__u32 size;
	__u32 flags;
	char name[CPRHOLD_NAME_MAX];
	__u32 out_fd;
	__u32 __reserved;
	__u8 out_secret[CPRHOLD_SECRET_SIZE];
	__aligned_u64 ttl_ms;
	__s32 userns_fd;
	__u32 __reserved2;
};

#define CPRHOLD_CREATE _IO(CPRHOLD_TYPE, CPRHOLD_CMD_CREATE)

/**
 * enum cprhold_claim_flags - flags of &struct cprhold_claim
 * @CPRHOLD_CLAIM_NO_CLOEXEC: the returned session fd is not close-on-exec
 * @CPRHOLD_CLAIM_WATCH: do not claim: return a session fd that only
 *	watches the session, in any state but FINISHED (OPEN included), with
 *	the same checks of the secret and the creation flags.  The session's
 *	state does not change and no event is sent.  A watcher fd serves
 *	poll(), CPRHOLD_INFO and CPRHOLD_LIST; every other session ioctl
 *	returns EBUSY; closing it changes nothing.  It lets a successor wait,
 *	without busy polling, for a session its predecessor has not sealed
 *	yet.
 */
enum cprhold_claim_flags {
	CPRHOLD_CLAIM_NO_CLOEXEC = 1 << 0,
	CPRHOLD_CLAIM_WATCH = 1 << 1,
};

/**
 * struct cprhold_claim - ioctl(CPRHOLD_CLAIM)
 * @size: sizeof(struct cprhold_claim)
 * @flags: CPRHOLD_CLAIM_* flags
 * @name: the session's name, as for &struct cprhold_create
 * @secret: the secret &struct cprhold_create returned
 * @out_fd: a new session fd through which the claimer retrieves, finishes
 *	or aborts
 * @__reserved: must be 0
 *
 * Moves a SEALED session to CLAIMED; exactly one of concurrent claimers
 * wins, the others get EBUSY.  Wrong secret, or a claimer the session's
 * creation flags exclude: EACCES.  With CPRHOLD_CLAIM_WATCH, see there.
 */
struct cprhold_claim {
	__u32 size;
	__u32 flags;
	char name[CPRHOLD_NAME_MAX];
	__u8 secret[CPRHOLD_SECRET_SIZE];
	__u32 out_fd;
	__u32 __reserved;
};

#define CPRHOLD_CLAIM _IO(CPRHOLD_TYPE, CPRHOLD_CMD_CLAIM)

/**
 * struct cprhold_destroy - ioctl(CPRHOLD_DESTROY)
 * @size: sizeof(struct cprhold_destroy)
 * @flags: must be 0
 * @name: the session's name
 *
 * Ends a session in any state and releases everything it holds.  Allowed
 * to the creator's effective uid and to CAP_SYS_ADMIN; others get EACCES.
 * Files already retrieved by a claimer are the claimer's own and stay open.
 */
struct cprhold_destroy {
	__u32 size;
	__u32 flags;
	char name[CPRHOLD_NAME_MAX];
};

#define CPRHOLD_DESTROY _IO(CPRHOLD_TYPE, CPRHOLD_CMD_DESTROY)

/**
 * struct cprhold_session_info - a session, as reported by CPRHOLD_INFO and
 * CPRHOLD_LIST_SESSIONS
 * @name: the session's name
 * @state: enum cprhold_state
 * @flags: the CPRHOLD_CREATE_* flags it was created with
 * @nr_entries: entries parked
 * @end_reason: enum cprhold_end
 * @creator_pid: the creating process (thread group id) in the caller's pid
 *	namespace, 0 if it is not visible there
 * @creator_uid: the creator's effective uid in the caller's user namespace
 *	(the overflow uid if unmapped)
 * @claimer_pid: the current claimer's pid as @creator_pid, 0 if unclaimed
 * @nr_claims: how many times the session was claimed so far
 * @ttl_ms: its TTL, 0 if none
 * @created_ns: CLOCK_REALTIME of creation, in nanoseconds
 * @sealed_ns: CLOCK_REALTIME of the last transition to SEALED, 0 if never
 * @claimed_ns: CLOCK_REALTIME of the last claim, 0 if never
 * @mem_bytes: total size of the memory-backed entries (memfd, shmem,
 *	hugetlbfs): the guest memory the session keeps alive
 */
struct cprhold_session_info {
	char name[CPRHOLD_NAME_MAX];
	__u32 state;
	__u32 flags;
	__u32 nr_entries;
	__u32 end_reason;
	__u32 creator_pid;
	__u32 creator_uid;
	__u32 claimer_pid;
	__u32 nr_claims;
	__aligned_u64 ttl_ms;
	__aligned_u64 created_ns;
	__aligned_u64 sealed_ns;
	__aligned_u64 claimed_ns;
	__aligned_u64 mem_bytes;
};

/**
 * struct cprhold_list_sessions - ioctl(CPRHOLD_LIST_SESSIONS)
 * @size: sizeof(struct cprhold_list_sessions)
 * @flags: must be 0
 * @count: in: capacity of @sessions in elements; out: elements written
 * @info_size: sizeof(struct cprhold_session_info) as the caller knows it;
 *	at least CPRHOLD_SESSION_INFO_SIZE_VER0, at most 4096
 * @sessions: user pointer to an array of struct cprhold_session_info
 * @cursor: in: 0 to start, then the value returned by the previous call;
 *	out: where the next call continues
 * @total: out: sessions visible to the caller right now
 * @__reserved: must be 0
 *
 * Lists the sessions the caller owns (its effective uid created them), or
 * every session for CAP_SYS_ADMIN.  Sessions come in creation order; a
 * listing in pages sees each session that lives through it exactly once.
 * The kernel may return fewer than @count (at most 64 per call): go on
 * while @count comes back non-zero.  @count of 0 only reports @total.
 */
struct cprhold_list_sessions {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 info_size;
	__aligned_u64 sessions;
	__aligned_u64 cursor;
	__u32 total;
	__u32 __reserved;
};

#define CPRHOLD_LIST_SESSIONS _IO(CPRHOLD_TYPE, CPRHOLD_CMD_LIST_SESSIONS)

/**
 * enum cprhold_entry_type - what the kernel found a parked file to be
 * @CPRHOLD_ENTRY_OTHER: none of the below
 * @CPRHOLD_ENTRY_MEMFD: a memfd (shmem or hugetlb backed); data.mem
 * @CPRHOLD_ENTRY_SHMEM: another shmem/tmpfs file (/dev/shm, tmpfs); data.mem
 * @CPRHOLD_ENTRY_HUGETLBFS: a file on hugetlbfs; data.mem
 * @CPRHOLD_ENTRY_KVM_VM: a KVM VM (KVM_CREATE_VM)
 * @CPRHOLD_ENTRY_KVM_VCPU: a KVM vCPU; data.kvm_vcpu
 * @CPRHOLD_ENTRY_KVM_DEVICE: another KVM object (device, stats, guest_memfd)
 * @CPRHOLD_ENTRY_VFIO_CONTAINER: /dev/vfio/vfio
 * @CPRHOLD_ENTRY_VFIO_GROUP: /dev/vfio/<group>
 * @CPRHOLD_ENTRY_VFIO_DEVICE: a VFIO device (group or cdev interface)
 * @CPRHOLD_ENTRY_IOMMUFD: /dev/iommu
 * @CPRHOLD_ENTRY_EVENTFD: an eventfd
 * @CPRHOLD_ENTRY_SOCKET: a socket; data.socket
 * @CPRHOLD_ENTRY_PIPE: a pipe or FIFO
 * @CPRHOLD_ENTRY_TUN: a tun/tap (or macvtap/ipvtap) queue
 * @CPRHOLD_ENTRY_VHOST: a vhost device (vhost-net, -vsock, -scsi, -vdpa)
 * @CPRHOLD_ENTRY_TTY: a terminal (tty, pty, serial); data.chardev
 * @CPRHOLD_ENTRY_CHARDEV: another character device; data.chardev
 * @CPRHOLD_ENTRY_REGULAR: a regular file on another file system; data.mem
 *	holds its size
 */
enum cprhold_entry_type {
	CPRHOLD_ENTRY_OTHER = 0,
	CPRHOLD_ENTRY_MEMFD = 1,
	CPRHOLD_ENTRY_SHMEM = 2,
	CPRHOLD_ENTRY_HUGETLBFS = 3,
	CPRHOLD_ENTRY_KVM_VM = 4,
	CPRHOLD_ENTRY_KVM_VCPU = 5,
	CPRHOLD_ENTRY_KVM_DEVICE = 6,
	CPRHOLD_ENTRY_VFIO_CONTAINER = 7,
	CPRHOLD_ENTRY_VFIO_GROUP = 8,
	CPRHOLD_ENTRY_VFIO_DEVICE = 9,
	CPRHOLD_ENTRY_IOMMUFD = 10,
	CPRHOLD_ENTRY_EVENTFD = 11,
	CPRHOLD_ENTRY_SOCKET = 12,
	CPRHOLD_ENTRY_PIPE = 13,
	CPRHOLD_ENTRY_TUN = 14,
	CPRHOLD_ENTRY_VHOST = 15,
	CPRHOLD_ENTRY_TTY = 16,
	CPRHOLD_ENTRY_CHARDEV = 17,
	CPRHOLD_ENTRY_REGULAR = 18,
};

/**
 * union cprhold_entry_data - type-specific data of an entry
 * @mem: memfd, shmem, hugetlbfs and regular files
 * @mem.size: the file's size in bytes
 * @mem.seals: F_GET_SEALS of a memfd (0 otherwise)
 * @mem.page_size: base page size of the memory (the huge page size for
 *	hugetlb)
 * @mem.resident: bytes of memory currently allocated to it
 * @kvm_vcpu: KVM vCPU
 * @kvm_vcpu.vcpu_id: its id (KVM_CREATE_VCPU argument)
 * @socket: socket
 * @socket.family: AF_*
 * @socket.type: SOCK_*
 * @socket.protocol: the protocol number
 * @chardev: character devices
 * @chardev.major: the device number's major
 * @chardev.minor: the device number's minor
 * @raw: the whole union
 */
union cprhold_entry_data {
	struct {
		__aligned_u64 size;
		__u32 seals;
		__u32 page_size;
		__aligned_u64 resident;
	} mem;
	struct {
		__u32 vcpu_id;
	} kvm_vcpu;
	struct {
		__u32 family;
		__u32 type;
		__u32 protocol;
	} socket;
	struct {
		__u32 major;
		__u32 minor;
	} chardev;
	__u8 raw[32];
};

/**
 * enum cprhold_entry_flags - flags of &struct cprhold_entry
 * @CPRHOLD_ENTRY_ADDR: &cprhold_entry.addr holds the address at which the
 *	owner maps the file
 */
enum cprhold_entry_flags {
	CPRHOLD_ENTRY_ADDR = 1 << 0,
};

/**
 * struct cprhold_entry - one parked file (CPRHOLD_PARK, CPRHOLD_LIST)
 * @token: the caller's name for the entry, unique in the session
 * @fd: park: the fd to park (in); list: -1
 * @flags: CPRHOLD_ENTRY_* flags (in)
 * @label: a short human-readable name, [A-Za-z0-9._@+-] (no ':', so labels
 *	can become LISTEN_FDNAMES), NUL-terminated, rest zero; may be empty
 * @addr: with CPRHOLD_ENTRY_ADDR, where the owner maps the file: the
 *	successor maps it at the same address so that KVM memslots and
 *	DMA mappings keep their virtual addresses.  Must be page aligned.
 * @type: out (LIST; PARK with CPRHOLD_PARK_REPORT): enum cprhold_entry_type
 * @f_flags: out: the file's open flags (O_ACCMODE, O_NONBLOCK, ...)
 * @data: out: type-specific data
 *
 * Parking takes a reference on the file, as if it were dup()'ed into the
 * session: the file's offset, flags and state are shared with every fd
 * the owner still has and every fd later retrieved.
 */
struct cprhold_entry {
	__aligned_u64 token;
	__s32 fd;
	__u32 flags;
	char label[CPRHOLD_LABEL_MAX];
	__aligned_u64 addr;
	__u32 type;
	__u32 f_flags;
	union cprhold_entry_data data;
};

/**
 * enum cprhold_park_flags - flags of &struct cprhold_park
 * @CPRHOLD_PARK_REPORT: classify each file now and write its entry's
 *	@type, @f_flags and @data back, as CPRHOLD_LIST reports them.
 *	Without it the entries are only read (their output fields are
 *	ignored) and the kernel classifies a file when it first needs to.
 * @CPRHOLD_PARK_FDS: @entries points to an array of @count __s32 fds, as
 *	SCM_RIGHTS takes them, instead of entries: the fd at index i is
 *	parked under token @first_token + i, with no label and no address.
 *	@entry_size must be 0 and the struct at least CPRHOLD_PARK_SIZE_VER1
 *	(EINVAL); not with CPRHOLD_PARK_REPORT (EINVAL); the last token must
 *	not pass U64_MAX (EOVERFLOW).
 */
enum cprhold_park_flags {
	CPRHOLD_PARK_REPORT = 1 << 0,
	CPRHOLD_PARK_FDS = 1 << 1,
};

/**
 * struct cprhold_park - ioctl(CPRHOLD_PARK), on the creator's session fd
 * @size: sizeof(struct cprhold_park)
 * @flags: CPRHOLD_PARK_* flags
 * @count: number of entries (fds with CPRHOLD_PARK_FDS), 1 or more
 * @entry_size: sizeof(struct cprhold_entry) as the caller knows it; at
 *	least CPRHOLD_ENTRY_SIZE_VER0, at most 4096 (E2BIG); bytes beyond
 *	the kernel's must be zero (E2BIG).  0 with CPRHOLD_PARK_FDS.
 * @entries: user pointer to the array; read, and with CPRHOLD_PARK_REPORT
 *	the kernel writes each entry's @type, @f_flags and @data back.
 *	With CPRHOLD_PARK_FDS, an array of __s32 fds.
 * @first_token: with CPRHOLD_PARK_FDS, the token of the first fd; else
 *	must be 0 (EINVAL)
 *
 * All or nothing: on error no entry of the batch stays parked.  The
 * session must be OPEN (EBUSY).  cprhold's own fds cannot be parked
 * (EINVAL): they would make a reference cycle.
 */
struct cprhold_park {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 entry_size;
	__aligned_u64 entries;
	__aligned_u64 first_token;
};

#define CPRHOLD_PARK _IO(CPRHOLD_TYPE, CPRHOLD_CMD_PARK)

/**
 * struct cprhold_list - ioctl(CPRHOLD_LIST), on any session fd
 * @size: sizeof(struct cprhold_list)
 * @flags: must be 0
 * @count: in: capacity of @entries; out: entries written
 * @entry_size: as for &struct cprhold_park
 * @entries: user pointer to an array of struct cprhold_entry
 * @cursor: in: the first token to report (0 to start); out: the token to
 *	continue from, or 0 when the listing is complete
 * @total: out: entries in the session
 * @__reserved: must be 0
 *
 * Entries come in token order, at most 64 per call.
 */
struct cprhold_list {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 entry_size;
	__aligned_u64 entries;
	__aligned_u64 cursor;
	__u32 total;
	__u32 __reserved;
};

#define CPRHOLD_LIST _IO(CPRHOLD_TYPE, CPRHOLD_CMD_LIST)

/**
 * struct cprhold_info - ioctl(CPRHOLD_INFO), on any session fd
 * @size: sizeof(struct cprhold_info)
 * @flags: must be 0
 * @info: out: the session
 */
struct cprhold_info {
	__u32 size;
	__u32 flags;
	struct cprhold_session_info info;
};

#define CPRHOLD_INFO _IO(CPRHOLD_TYPE, CPRHOLD_CMD_INFO)

/**
 * enum cprhold_seal_flags - flags of CPRHOLD_SEAL (&struct cprhold_op)
 * @CPRHOLD_SEAL_PREPARE_ADOPT: start, in the background, the part of
 *	CPRHOLD_RETRIEVE_ADOPT_KVM that does not need the successor: move
 *	each parked KVM VM's MMU notifier off the address space that owns
 *	the VM (its creator's, or its last adopter's)
 *	(an SRCU grace period) while the successor starts, claims and maps
 *	guest memory.  Best effort, per VM: one that adoption could not take
 *	now (a vCPU or VM file held outside the session, a vCPU busy, an
 *	unsupported kernel or VM) is left as it is and adoption moves it
 *	whole.  A prepared VM runs nowhere until adopted: a retrieve that
 *	asks for any KVM VM, vCPU or device entry of the session must then
 *	adopt every prepared VM (EBUSY).  See Documentation/userspace-api/cprhold.rst
 *	("KVM VM adoption").
 */
enum cprhold_seal_flags {
	CPRHOLD_SEAL_PREPARE_ADOPT = 1 << 0,
};

/**
 * struct cprhold_op - ioctl(CPRHOLD_SEAL), ioctl(CPRHOLD_FINISH) and
 * ioctl(CPRHOLD_ABORT)
 * @size: sizeof(struct cprhold_op)
 * @flags: SEAL: CPRHOLD_SEAL_* flags; FINISH, ABORT: must be 0
 *
 * SEAL, on the creator's session fd: OPEN -> SEALED.
 * FINISH, on the claimer's session fd: CLAIMED -> FINISHED; the session is
 * destroyed and everything it holds released (retrieved fds stay open).
 * ABORT, on the claimer's session fd: CLAIMED -> SEALED, for a rollback to
 * the old owner or another successor; the aborting fd loses its claim.
 */
struct cprhold_op {
	__u32 size;
	__u32 flags;
};

#define CPRHOLD_SEAL _IO(CPRHOLD_TYPE, CPRHOLD_CMD_SEAL)
#define CPRHOLD_FINISH _IO(CPRHOLD_TYPE, CPRHOLD_CMD_FINISH)
#define CPRHOLD_ABORT _IO(CPRHOLD_TYPE, CPRHOLD_CMD_ABORT)

/**
 * enum cprhold_retrieve_flags - flags of &struct cprhold_retrieve
 * @CPRHOLD_RETRIEVE_NO_CLOEXEC: the new fds are not close-on-exec
 * @CPRHOLD_RETRIEVE_ADOPT_KVM: before installing any fd, adopt every KVM VM
 *	among the tokens into the caller's address space, so that KVM accepts
 *	the VM's and its vCPUs' ioctls from the caller.  Every vCPU of the VM
 *	must be parked in the session and none may be in use; the caller must
 *	map guest memory at the addresses the memslots name.  See
 *	Documentation/userspace-api/cprhold.rst ("KVM VM adoption").
 * @CPRHOLD_RETRIEVE_TOKEN_RANGE: retrieve the tokens @first_token to
 *	@first_token + @count - 1, as CPRHOLD_PARK_FDS parks them, instead of
 *	an array: @tokens must be 0 and the struct at least
 *	CPRHOLD_RETRIEVE_SIZE_VER1 (EINVAL); the last token must not pass
 *	U64_MAX (EOVERFLOW).
 */
enum cprhold_retrieve_flags {
	CPRHOLD_RETRIEVE_NO_CLOEXEC = 1 << 0,
	CPRHOLD_RETRIEVE_ADOPT_KVM = 1 << 1,
	CPRHOLD_RETRIEVE_TOKEN_RANGE = 1 << 2,
};

/**
 * struct cprhold_retrieve - ioctl(CPRHOLD_RETRIEVE), on the claimer's
 * session fd
 * @size: sizeof(struct cprhold_retrieve)
 * @flags: CPRHOLD_RETRIEVE_* flags
 * @count: number of tokens, 1 or more
 * @__reserved: must be 0
 * @tokens: user pointer to an array of @count __u64 tokens; 0 with
 *	CPRHOLD_RETRIEVE_TOKEN_RANGE
 * @fds: user pointer to an array of @count __s32, out: the new fds, in
 *	the order of the tokens
 * @first_token: with CPRHOLD_RETRIEVE_TOKEN_RANGE, the first token; else
 *	must be 0 (EINVAL)
 *
 * Installs a new fd to each parked file in the caller, O_CLOEXEC unless
 * CPRHOLD_RETRIEVE_NO_CLOEXEC, as a file received over SCM_RIGHTS would be
 * (LSM file_receive checks apply).  The entries stay parked until FINISH,
 * so a successor that crashed can claim again and repeat the retrieve.
 *
 * Exceptions to "a failing ioctl changes nothing": @fds is output only,
 * and once every token was found (and adopted) it is written: an error
 * from then on leaves -1 in each element that got no fd.  An adoption
 * done before a later error stays done (a retry finds the VM already the
 * caller's); and an error while installing (an LSM refusing a file,
 * another thread filling the fd table or unmapping @fds) leaves the fds
 * installed so far, reported in @fds, as a short SCM_RIGHTS receive does.
 * Every other error is found before the first fd is installed and leaves
 * no new fd in the caller.
 */
struct cprhold_retrieve {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 __reserved;
	__aligned_u64 tokens;
	__aligned_u64 fds;
	__aligned_u64 first_token;
};

#define CPRHOLD_RETRIEVE _IO(CPRHOLD_TYPE, CPRHOLD_CMD_RETRIEVE)

/*
 * Generic netlink family "cprhold": observe sessions without the device.
 *
 * CPRHOLD_NL_CMD_GET_SESSION  do: the session CPRHOLD_NL_A_NAME; dump: every
 *			       session the caller may see (the scoping of
 *			       CPRHOLD_LIST_SESSIONS).
 * CPRHOLD_NL_CMD_GET_ENTRY    dump: the entries of session CPRHOLD_NL_A_NAME,
 *			       one message each, in token order.
 * CPRHOLD_NL_CMD_EVENT	       notifications on the "events" multicast group
 *			       (CAP_SYS_ADMIN to join): CPRHOLD_NL_A_EVENT plus
 *			       the session's attributes after the change.
 *
 * Session messages carry the attributes of &struct cprhold_session_info;
 * entry messages CPRHOLD_NL_A_NAME, the CPRHOLD_NL_A_ENTRY_* attributes and
 * the type data that applies to the entry's type.  Requests are validated
 * strictly: unknown attributes are refused.  For YNL tools, the family in
 * the kernel's netlink spec format: Documentation/netlink/specs/cprhold.yaml
 */
#define CPRHOLD_GENL_NAME		"cprhold"
#define CPRHOLD_GENL_VERSION		1
#define CPRHOLD_GENL_MCGRP_EVENTS	"events"

enum cprhold_nl_cmd {
	CPRHOLD_NL_CMD_UNSPEC,
	CPRHOLD_NL_CMD_GET_SESSION,
	CPRHOLD_NL_CMD_GET_ENTRY,
	CPRHOLD_NL_CMD_EVENT,

	__CPRHOLD_NL_CMD_MAX,
	CPRHOLD_NL_CMD_MAX = __CPRHOLD_NL_CMD_MAX - 1
};

/**
 * enum cprhold_event - what happened to a session (CPRHOLD_NL_A_EVENT)
 * @CPRHOLD_EVENT_CREATED: CPRHOLD_CREATE
 * @CPRHOLD_EVENT_SEALED: CPRHOLD_SEAL
 * @CPRHOLD_EVENT_CLAIMED: CPRHOLD_CLAIM
 * @CPRHOLD_EVENT_ABORTED: back to SEALED: CPRHOLD_ABORT, or the claimer's
 *	session fd closed unfinished
 * @CPRHOLD_EVENT_FINISHED: CPRHOLD_FINISH
 * @CPRHOLD_EVENT_DESTROYED: CPRHOLD_DESTROY, or an OPEN session's creator
 *	fd closed (CPRHOLD_NL_A_END_REASON tells which)
 * @CPRHOLD_EVENT_EXPIRED: its TTL ran out
 */
enum cprhold_event {
	CPRHOLD_EVENT_CREATED = 1,
	CPRHOLD_EVENT_SEALED = 2,
	CPRHOLD_EVENT_CLAIMED = 3,
	CPRHOLD_EVENT_ABORTED = 4,
	CPRHOLD_EVENT_FINISHED = 5,
	CPRHOLD_EVENT_DESTROYED = 6,
	CPRHOLD_EVENT_EXPIRED = 7,
};

enum cprhold_nl_attr {
	CPRHOLD_NL_A_UNSPEC,
	CPRHOLD_NL_A_PAD,
	/* sessions */
	CPRHOLD_NL_A_NAME,		/* string */
	CPRHOLD_NL_A_ID,		/* u64: creation sequence number */
	CPRHOLD_NL_A_STATE,		/* u32: enum cprhold_state */
	CPRHOLD_NL_A_FLAGS,		/* u32: CPRHOLD_CREATE_* */
	CPRHOLD_NL_A_END_REASON,	/* u32: enum cprhold_end */
	CPRHOLD_NL_A_CREATOR_PID,	/* u32, in the receiver's pid ns */
	CPRHOLD_NL_A_CREATOR_UID,	/* u32, in the receiver's user ns */
	CPRHOLD_NL_A_CLAIMER_PID,	/* u32 */
	CPRHOLD_NL_A_NR_CLAIMS,		/* u32 */
	CPRHOLD_NL_A_NR_ENTRIES,	/* u32 */
	CPRHOLD_NL_A_TTL_MS,		/* u64 */
	CPRHOLD_NL_A_CREATED_NS,	/* u64, CLOCK_REALTIME */
	CPRHOLD_NL_A_SEALED_NS,		/* u64 */
	CPRHOLD_NL_A_CLAIMED_NS,	/* u64 */
	CPRHOLD_NL_A_MEM_BYTES,		/* u64 */
	CPRHOLD_NL_A_EVENT,		/* u32: enum cprhold_event */
	/* entries */
	CPRHOLD_NL_A_ENTRY_TOKEN,	/* u64 */
	CPRHOLD_NL_A_ENTRY_LABEL,	/* string */
	CPRHOLD_NL_A_ENTRY_TYPE,	/* u32: enum cprhold_entry_type */
	CPRHOLD_NL_A_ENTRY_FLAGS,	/* u32: CPRHOLD_ENTRY_* */
	CPRHOLD_NL_A_ENTRY_F_FLAGS,	/* u32: the file's open flags */
	CPRHOLD_NL_A_ENTRY_ADDR,	/* u64, with CPRHOLD_ENTRY_ADDR */
	/* type data of entries */
	CPRHOLD_NL_A_MEM_SIZE,		/* u64 */
	CPRHOLD_NL_A_MEM_SEALS,		/* u32 */
	CPRHOLD_NL_A_MEM_PAGE_SIZE,	/* u32 */
	CPRHOLD_NL_A_MEM_RESIDENT,	/* u64 */
	CPRHOLD_NL_A_VCPU_ID,		/* u32 */
	CPRHOLD_NL_A_SOCK_FAMILY,	/* u32 */
	CPRHOLD_NL_A_SOCK_TYPE,		/* u32 */
	CPRHOLD_NL_A_SOCK_PROTOCOL,	/* u32 */
	CPRHOLD_NL_A_DEV_MAJOR,		/* u32 */
	CPRHOLD_NL_A_DEV_MINOR,		/* u32 */

	__CPRHOLD_NL_A_MAX,
	CPRHOLD_NL_A_MAX = __CPRHOLD_NL_A_MAX - 1
};

#endif /* _UAPI_LINUX_CPRHOLD_H */
