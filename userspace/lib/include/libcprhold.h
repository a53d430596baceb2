/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcprhold.h - C library for cprhold, the kernel-held sessions of open files
 * that let a VMM hand its live file descriptors to its successor.
 *
 * Conventions (as liburing):
 *  - functions return 0 or a non-negative value (an fd, a count) on success
 *    and a negative errno on failure; they never print, never exit, and
 *    leave the global errno unspecified;
 *  - no global state: every function is thread-safe as long as two threads
 *    do not share one caller-owned object (an iterator, an output buffer);
 *  - cprhold_strerror() turns (operation, errno) into a message that says
 *    what went wrong in cprhold's terms.
 *
 * The kernel ABI is <linux/cprhold.h>; this header includes it, and its
 * structures (struct cprhold_entry, struct cprhold_session_info) are used
 * as they are.  See libcprhold(3), cprhold(4) and
 * Documentation/userspace-api/cprhold.rst.
 *
 * Each function's kernel-doc comment below is also its man page
 * (man/<function>.3, written by man/gen-man.py; the ABI check fails when
 * a page is stale).  The Return: section says what the function returns,
 * then lists every errno it can return, one item each, as
 * "* %-EFOO - what it means here" (continued on lines indented by two
 * spaces); an item without an errno is a remark on them.
 *
 * Struct size negotiation: every ioctl struct is sent with the size this
 * library was built with.  If the kernel answers E2BIG (an older kernel
 * whose struct is smaller), and every byte of the request beyond a smaller
 * known layout of that struct is zero (the caller used no field the older
 * kernel might lack), the call is repeated once per smaller layout: first
 * the v1 size (CPRHOLD_*_SIZE_V1), then the kernel's first layout
 * (CPRHOLD_*_SIZE_VER0).
 * Otherwise -E2BIG is returned unchanged.  CPRHOLD_CREATE, CPRHOLD_PARK
 * and CPRHOLD_RETRIEVE have a mandatory part smaller than their v1 struct
 * (the TTL and user namespace fields, and the first token of an fd array
 * or a token range, are optional), so for instance cprhold_create() with
 * ttl_ms == 0 and no user namespace works against a kernel that only
 * knows the mandatory part.
 */
#ifndef LIBCPRHOLD_H
#define LIBCPRHOLD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/cprhold.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBCPRHOLD_VERSION_MAJOR	1
#define LIBCPRHOLD_VERSION_MINOR	0
#define LIBCPRHOLD_VERSION_PATCH	0

/* The device node cprhold_open() opens. */
#define CPRHOLD_DEVICE_PATH		"/dev/cprhold"

/*
 * The layout of each uAPI struct this library version knows ("v1"): fixed
 * numbers, so that they cannot move when a struct grows in a later uAPI.
 * The library sends these sizes and falls back to the kernel's first
 * layouts (CPRHOLD_*_SIZE_VER0 of <linux/cprhold.h>) on E2BIG (see the top
 * of this file).  Only CPRHOLD_CREATE's v1 (the TTL and user namespace
 * fields), CPRHOLD_PARK's (the first token of an fd array) and
 * CPRHOLD_RETRIEVE's (the first token of a range) are larger than their
 * first layouts.
 */
#define CPRHOLD_CREATE_SIZE_V1		128
#define CPRHOLD_CLAIM_SIZE_V1		CPRHOLD_CLAIM_SIZE_VER0
#define CPRHOLD_DESTROY_SIZE_V1		CPRHOLD_DESTROY_SIZE_VER0
#define CPRHOLD_LIST_SESSIONS_SIZE_V1	CPRHOLD_LIST_SESSIONS_SIZE_VER0
#define CPRHOLD_PARK_SIZE_V1		CPRHOLD_PARK_SIZE_VER1
#define CPRHOLD_LIST_SIZE_V1		CPRHOLD_LIST_SIZE_VER0
#define CPRHOLD_INFO_SIZE_V1		CPRHOLD_INFO_SIZE_VER0
#define CPRHOLD_OP_SIZE_V1		CPRHOLD_OP_SIZE_VER0
#define CPRHOLD_RETRIEVE_SIZE_V1	CPRHOLD_RETRIEVE_SIZE_VER1
#define CPRHOLD_ENTRY_SIZE_V1		CPRHOLD_ENTRY_SIZE_VER0
#define CPRHOLD_SESSION_INFO_SIZE_V1	CPRHOLD_SESSION_INFO_SIZE_VER0

/**
 * enum cprhold_lib_op - the operation an error came from, for
 * cprhold_strerror() and cprhold_op_name()
 * @CPRHOLD_OP_NONE: no particular operation: the generic message
 * @CPRHOLD_OP_OPEN: cprhold_open(), cprhold_open_path()
 * @CPRHOLD_OP_CREATE: cprhold_create()
 * @CPRHOLD_OP_CLAIM: cprhold_claim()
 * @CPRHOLD_OP_DESTROY: cprhold_destroy()
 * @CPRHOLD_OP_LIST_SESSIONS: cprhold_list_sessions(),
 *	cprhold_list_sessions_all(), cprhold_count_sessions()
 * @CPRHOLD_OP_PARK: cprhold_park(), cprhold_park_fds(), cprhold_park_one()
 * @CPRHOLD_OP_LIST: cprhold_list_entries(), cprhold_list_entries_all(),
 *	cprhold_find_entry()
 * @CPRHOLD_OP_INFO: cprhold_info()
 * @CPRHOLD_OP_SEAL: cprhold_seal(), cprhold_seal_flags()
 * @CPRHOLD_OP_RETRIEVE: cprhold_retrieve(), cprhold_retrieve_range(),
 *	cprhold_retrieve_one()
 * @CPRHOLD_OP_FINISH: cprhold_finish()
 * @CPRHOLD_OP_ABORT: cprhold_abort()
 * @CPRHOLD_OP_PARK_MEMFD: cprhold_park_memfd()
 * @CPRHOLD_OP_BLOB_STORE: cprhold_blob_store()
 * @CPRHOLD_OP_BLOB_FETCH: cprhold_blob_fetch(), cprhold_blob_map()
 * @CPRHOLD_OP_MAP_FIXED: cprhold_map_fixed()
 */
enum cprhold_lib_op {
	CPRHOLD_OP_NONE = 0,
	CPRHOLD_OP_OPEN,
	CPRHOLD_OP_CREATE,
	CPRHOLD_OP_CLAIM,
	CPRHOLD_OP_DESTROY,
	CPRHOLD_OP_LIST_SESSIONS,
	CPRHOLD_OP_PARK,
	CPRHOLD_OP_LIST,
	CPRHOLD_OP_INFO,
	CPRHOLD_OP_SEAL,
	CPRHOLD_OP_RETRIEVE,
	CPRHOLD_OP_FINISH,
	CPRHOLD_OP_ABORT,
	CPRHOLD_OP_PARK_MEMFD,
	CPRHOLD_OP_BLOB_STORE,
	CPRHOLD_OP_BLOB_FETCH,
	CPRHOLD_OP_MAP_FIXED,
};

/**
 * enum cprhold_open_flags - flags of cprhold_open()
 * @CPRHOLD_OPEN_NO_CLOEXEC: the control fd is not close-on-exec
 */
enum cprhold_open_flags {
	CPRHOLD_OPEN_NO_CLOEXEC = 1 << 0,
};

/**
 * enum cprhold_memfd_flags - flags of cprhold_park_memfd()
 * @CPRHOLD_MEMFD_HUGETLB: back the memfd with huge pages of the default
 *	size (MFD_HUGETLB); the size must be a multiple of it
 * @CPRHOLD_MEMFD_REPLACE: map at the given address with MAP_FIXED,
 *	replacing what is there (a range the caller reserved, e.g. with
 *	PROT_NONE); without it the given range must be free
 *	(MAP_FIXED_NOREPLACE)
 * @CPRHOLD_MEMFD_SEAL_SIZE: seal the memfd's size (F_SEAL_GROW and
 *	F_SEAL_SHRINK), so the successor can trust the recorded size
 */
enum cprhold_memfd_flags {
	CPRHOLD_MEMFD_HUGETLB = 1 << 0,
	CPRHOLD_MEMFD_REPLACE = 1 << 1,
	CPRHOLD_MEMFD_SEAL_SIZE = 1 << 2,
};

/**
 * struct cprhold_iter - position of a listing in pages
 * @cursor: the kernel's cursor; private to the library
 * @total: after each page: how many sessions (entries) the kernel reported
 *	as there at that moment
 * @done: non-zero once the listing is complete; private to the library
 *
 * Initialise with CPRHOLD_ITER_INIT or cprhold_iter_init() before the
 * first page; one iterator serves one listing.
 */
struct cprhold_iter {
	uint64_t cursor;
	uint32_t total;
	uint32_t done;
};

#define CPRHOLD_ITER_INIT { 0, 0, 0 }

/* ---- control fd ---------------------------------------------------- */

/**
 * cprhold_open() - open the cprhold device
 * @flags: 0 or CPRHOLD_OPEN_NO_CLOEXEC
 *
 * Opens CPRHOLD_DEVICE_PATH read-write, close-on-exec unless @flags has
 * CPRHOLD_OPEN_NO_CLOEXEC.  The control fd serves cprhold_create(),
 * cprhold_claim(), cprhold_watch(), cprhold_destroy() and the session
 * listing; it holds nothing, and closing it changes nothing.
 *
 * Return: the control fd, or a negative errno:
 * * %-EINVAL - @flags has an unknown flag.
 * * %-ENOENT - there is no device node: the cprhold module is not loaded,
 *   or the node is not visible in this mount namespace.
 * * %-EACCES - the caller may not open the node (it is 0660 root:kvm: the
 *   caller needs to be in the kvm group), or the node is on a file system
 *   mounted nodev.
 * * %-EPERM - a device cgroup or a security module refused the open.
 * * %-ENODEV - the node has no driver behind it: it was left by an earlier
 *   load of the module, which is not loaded now.
 * * %-ENXIO - as %-ENODEV, for a node whose major number has no driver.
 * * %-EMFILE - the process has no free file descriptor (RLIMIT_NOFILE).
 * * %-ENFILE - the system's limit on open files was reached.
 * * %-ENOMEM - the kernel is out of memory.
 * * Other errors of open(2) come back as they are.
 */
int cprhold_open(unsigned int flags);

/**
 * cprhold_open_path() - open a cprhold device node at another path
 * @path: the device node, e.g. one bind-mounted into a container
 * @flags: 0 or CPRHOLD_OPEN_NO_CLOEXEC
 *
 * As cprhold_open(), for a node that is not at CPRHOLD_DEVICE_PATH.
 * Nothing checks that @path is cprhold's node: on another file the first
 * call that uses the fd fails with -ENOTTY.
 *
 * Return: the control fd, or a negative errno:
 * * %-EINVAL - @path is NULL, or @flags has an unknown flag.
 * * %-ENOENT - @path does not exist: the cprhold module is not loaded, or
 *   the node was not made there.
 * * %-ENOTDIR - a directory component of @path is not a directory.
 * * %-EISDIR - @path is a directory.
 * * %-ELOOP - too many symbolic links in @path.
 * * %-ENAMETOOLONG - @path, or a component of it, is too long.
 * * %-EACCES - the caller may not open the node or search a directory of
 *   @path, or the node is on a file system mounted nodev.
 * * %-EPERM - a device cgroup or a security module refused the open.
 * * %-ENODEV - the node has no driver behind it (a stale node of an
 *   earlier load of the module).
 * * %-ENXIO - as %-ENODEV, for a node whose major number has no driver.
 * * %-EMFILE - the process has no free file descriptor (RLIMIT_NOFILE).
 * * %-ENFILE - the system's limit on open files was reached.
 * * %-ENOMEM - the kernel is out of memory.
 * * Other errors of open(2) come back as they are.
 */
int cprhold_open_path(const char *path, unsigned int flags);

/**
 * cprhold_create() - create a session (CPRHOLD_CREATE)
 * @ctl: control fd
 * @name: the session's name, 1 to CPRHOLD_NAME_MAX - 1 characters out of
 *	[A-Za-z0-9._:@+-]; global to the machine, so use a unique one
 * @flags: CPRHOLD_CREATE_SAME_KUID (only the owner's effective uid may
 *	claim), CPRHOLD_CREATE_NO_CLOEXEC (the session fd is not
 *	close-on-exec), CPRHOLD_CREATE_USERNS (see @userns_fd)
 * @ttl_ms: destroy the session after it stayed SEALED and unclaimed this
 *	long, at most 2^32 - 1 ms (49 days); 0 for no TTL (the default:
 *	expiring may drop guest memory)
 * @userns_fd: -1, or an fd of a user namespace (/proc/PID/ns/user): then
 *	only processes in it or below it may claim (CPRHOLD_CREATE_USERNS
 *	is implied)
 * @secret: out: the CPRHOLD_SECRET_SIZE bytes needed to claim the session;
 *	returned only here
 *
 * Creates an OPEN session owned by the caller's effective uid.  Closing
 * the returned fd before cprhold_seal() destroys the session.
 *
 * Return: the creator's session fd, or a negative errno:
 * * %-EINVAL - @name or @secret is NULL; @name is empty or has a
 *   character out of [A-Za-z0-9._:@+-]; @ttl_ms is over 2^32 - 1; @flags
 *   has CPRHOLD_CREATE_USERNS and @userns_fd is negative; or @userns_fd is
 *   not a user namespace.
 * * %-ENAMETOOLONG - @name has CPRHOLD_NAME_MAX characters or more.
 * * %-EOPNOTSUPP - @flags has a flag the running module does not know.
 * * %-EBADF - @ctl, or @userns_fd, is not an open file descriptor.
 * * %-ENOTTY - @ctl is not a cprhold control fd.
 * * %-EEXIST - a session of that name exists (in any state).
 * * %-ENOSPC - the caller, or a user its sessions count against, owns
 *   max_sessions_per_user sessions already (see "Limits" in cprhold(4)).
 * * %-EMFILE - the process has no free file descriptor (RLIMIT_NOFILE).
 * * %-ENFILE - the system's limit on open files was reached.
 * * %-ENOMEM - the kernel is out of memory.
 * * %-E2BIG - @ttl_ms or @userns_fd was given to a module older than
 *   these fields (see "Struct size negotiation" in libcprhold(3));
 *   without them the call works there.
 */
int cprhold_create(int ctl, const char *name, uint32_t flags, uint64_t ttl_ms,
		   int userns_fd, uint8_t secret[CPRHOLD_SECRET_SIZE]);

/**
 * cprhold_claim() - claim a sealed session (CPRHOLD_CLAIM)
 * @ctl: control fd
 * @name: the session's name
 * @secret: the secret cprhold_create() returned
 * @flags: 0 or CPRHOLD_CLAIM_NO_CLOEXEC (the session fd is not
 *	close-on-exec); with CPRHOLD_CLAIM_WATCH the call is cprhold_watch()
 *
 * Moves the session from SEALED to CLAIMED.  The claim belongs to the
 * returned fd: closing it before cprhold_finish() returns the session to
 * SEALED.  Of several concurrent claimers exactly one wins.
 *
 * Return: the claimer's session fd, or a negative errno:
 * * %-EINVAL - @name or @secret is NULL, or @name is empty or has a
 *   character out of [A-Za-z0-9._:@+-].
 * * %-ENAMETOOLONG - @name has CPRHOLD_NAME_MAX characters or more.
 * * %-EOPNOTSUPP - @flags has an unknown flag.
 * * %-EBADF - @ctl is not an open file descriptor.
 * * %-ENOTTY - @ctl is not a cprhold control fd.
 * * %-ENOENT - no session has that name, or it has ended.
 * * %-EACCES - @secret is wrong, or the session's creation flags exclude
 *   the caller (another effective uid with CPRHOLD_CREATE_SAME_KUID,
 *   outside the user namespace with CPRHOLD_CREATE_USERNS).
 * * %-EBUSY - the session is OPEN (not sealed yet) or CLAIMED already.
 * * %-EMFILE - the process has no free file descriptor (RLIMIT_NOFILE).
 * * %-ENFILE - the system's limit on open files was reached.
 * * %-ENOMEM - the kernel is out of memory.
 */
int cprhold_claim(int ctl, const char *name,
		  const uint8_t secret[CPRHOLD_SECRET_SIZE], uint32_t flags);

/**
 * cprhold_watch() - a session fd that only watches a session
 *	(CPRHOLD_CLAIM with CPRHOLD_CLAIM_WATCH)
 * @ctl: control fd
 * @name: the session's name
 * @secret: the secret cprhold_create() returned
 * @flags: 0 or CPRHOLD_CLAIM_NO_CLOEXEC
 *
 * Checks the secret and the creation flags as cprhold_claim() does, but
 * changes nothing: the session may be OPEN, SEALED or CLAIMED.  The fd
 * serves cprhold_wait() (or poll()), cprhold_info() and the entry
 * listing; everything else fails with -EBUSY, and closing it changes
 * nothing.  A successor uses it to wait for a session that its
 * predecessor has not sealed yet.
 *
 * Return: the watcher fd, or a negative errno:
 * * %-EINVAL - @name or @secret is NULL, @name is empty or has a character
 *   out of [A-Za-z0-9._:@+-], or @flags has CPRHOLD_CLAIM_WATCH.
 * * %-ENAMETOOLONG - @name has CPRHOLD_NAME_MAX characters or more.
 * * %-EOPNOTSUPP - @flags has an unknown flag.
 * * %-EBADF - @ctl is not an open file descriptor.
 * * %-ENOTTY - @ctl is not a cprhold control fd.
 * * %-ENOENT - no session has that name, or it has ended.
 * * %-EACCES - @secret is wrong, or the session's creation flags exclude
 *   the caller (as for cprhold_claim()).
 * * %-EMFILE - the process has no free file descriptor (RLIMIT_NOFILE).
 * * %-ENFILE - the system's limit on open files was reached.
 * * %-ENOMEM - the kernel is out of memory.
 */
int cprhold_watch(int ctl, const char *name,
		  const uint8_t secret[CPRHOLD_SECRET_SIZE], uint32_t flags);

/**
 * cprhold_destroy() - end a session in any state (CPRHOLD_DESTROY)
 * @ctl: control fd
 * @name: the session's name
 *
 * Releases everything the session holds; fds a claimer already retrieved
 * stay open.  Allowed to the creator's effective uid and to CAP_SYS_ADMIN.
 * Session fds that outlive the session see it FINISHED, with end reason
 * CPRHOLD_END_DESTROYED.
 *
 * Return: 0 on success, or a negative errno:
 * * %-EINVAL - @name is NULL, empty or has a character out of
 *   [A-Za-z0-9._:@+-].
 * * %-ENAMETOOLONG - @name has CPRHOLD_NAME_MAX characters or more.
 * * %-EBADF - @ctl is not an open file descriptor.
 * * %-ENOTTY - @ctl is not a cprhold control fd.
 * * %-ENOENT - no session has that name, or it has ended.
 * * %-EACCES - the caller is neither the session's owner (the creator's
 *   effective uid) nor privileged (CAP_SYS_ADMIN).
 */
int cprhold_destroy(int ctl, const char *name);

/**
 * cprhold_iter_init() - reset an iterator to the start of a listing
 * @it: the iterator; NULL is ignored
 *
 * Does what the initialiser CPRHOLD_ITER_INIT does, for an iterator that
 * is not initialised where it is defined (allocated, or part of another
 * structure), or to list again from the start.
 */
void cprhold_iter_init(struct cprhold_iter *it);

/**
 * cprhold_list_sessions() - one page of the session listing
 *	(CPRHOLD_LIST_SESSIONS)
 * @ctl: control fd
 * @it: iterator, initialised before the first page
 * @infos: array for up to @max sessions
 * @max: capacity of @infos, at least 1
 *
 * Lists the sessions the caller's effective uid created (all sessions for
 * CAP_SYS_ADMIN) in creation order; a session that lives through the
 * whole listing is reported exactly once.  The kernel may return fewer
 * than @max per page (at most 64); after each page, @it->total is the
 * number of sessions the kernel saw.  Typical use::
 *
 *	struct cprhold_iter it = CPRHOLD_ITER_INIT;
 *	struct cprhold_session_info buf[16];
 *	int n;
 *
 *	while ((n = cprhold_list_sessions(ctl, &it, buf, 16)) > 0)
 *		...;
 *
 * Once the listing is complete, more calls with @it return 0 without
 * asking the kernel.
 *
 * Return: the number of sessions written, 0 when the listing is complete,
 * or a negative errno:
 * * %-EINVAL - @it or @infos is NULL, or @max is 0.
 * * %-EBADF - @ctl is not an open file descriptor.
 * * %-ENOTTY - @ctl is not a cprhold control fd.
 * * %-EFAULT - @infos has no room for the sessions written.
 * * %-ENOMEM - the kernel is out of memory.
 * * %-EPROTO - the kernel wrote more than @max sessions (a bug).
 */
int cprhold_list_sessions(int ctl, struct cprhold_iter *it,
			  struct cprhold_session_info *infos, unsigned int max);

/**
 * cprhold_list_sessions_all() - the whole session listing in one array
 * @ctl: control fd
 * @infos: out: a malloc()ed array the caller frees, NULL if there are no
 *	sessions or on error
 *
 * Pages through cprhold_list_sessions() until the listing is complete.
 *
 * Return: the number of sessions in *@infos, or a negative errno:
 * * %-EINVAL - @infos is NULL.
 * * %-EBADF - @ctl is not an open file descriptor.
 * * %-ENOTTY - @ctl is not a cprhold control fd.
 * * %-ENOMEM - no memory for the array, or the kernel is out of memory.
 * * %-EOVERFLOW - there are more sessions than an int can count.
 * * %-EPROTO - the kernel wrote more sessions than asked for (a bug).
 */
int cprhold_list_sessions_all(int ctl, struct cprhold_session_info **infos);

/**
 * cprhold_count_sessions() - how many sessions the caller can see now
 * @ctl: control fd
 *
 * Asks the kernel for the number of sessions without listing them: the
 * caller's own, or all for CAP_SYS_ADMIN.
 *
 * Return: the number of sessions cprhold_list_sessions() would report
 * right now (INT_MAX if there are more), or a negative errno:
 * * %-EBADF - @ctl is not an open file descriptor.
 * * %-ENOTTY - @ctl is not a cprhold control fd.
 * * %-ENOMEM - the kernel is out of memory.
 */
int cprhold_count_sessions(int ctl);

/* ---- session fd ---------------------------------------------------- */

/**
 * cprhold_info() - describe a session (CPRHOLD_INFO)
 * @sfd: any session fd (creator's, claimer's or watcher's), also after
 *	the session ended (state FINISHED, end_reason says why)
 * @info: out: the session
 *
 * Reading the state also marks it seen: @sfd polls readable again only
 * after the next change (see cprhold_wait()).
 *
 * Return: 0 on success, or a negative errno:
 * * %-EINVAL - @info is NULL.
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 */
int cprhold_info(int sfd, struct cprhold_session_info *info);

/* A set of states for cprhold_wait(): CPRHOLD_STATE_BIT(SEALED) | ... */
#define CPRHOLD_STATE_BIT(state)	(1u << (state))

/**
 * cprhold_wait() - wait until a session is in one of some states
 * @sfd: any session fd: creator's, claimer's or watcher's
 * @states: the states to wait for, CPRHOLD_STATE_BIT() of enum
 *	cprhold_state values ORed
 * @timeout_ms: how long to wait at most; -1 for ever, 0 to look only
 * @info: NULL, or out: the session as last seen
 *
 * Reads the session's state and sleeps in poll() until the kernel
 * reports a change, as often as needed (see "Waiting for a state" in
 * cprhold(4)); it never busy-polls.  Signals that interrupt the sleep
 * do not end the wait (the remaining time is kept).  To wait in an event
 * loop instead, watch @sfd for POLLIN and call cprhold_wait() with a
 * @timeout_ms of 0 when it fires.
 *
 * Return: 0 once the session is in one of @states, or a negative errno:
 * * %-EINVAL - @states is 0 or has bits of no state.
 * * %-ETIMEDOUT - the session was not in one of @states within
 *   @timeout_ms (at once for a @timeout_ms of 0).
 * * %-ENOENT - the session has ended (FINISHED) and FINISHED is not in
 *   @states; *@info says why.
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOMEM - the kernel is out of memory (for poll()).
 */
int cprhold_wait(int sfd, uint32_t states, int timeout_ms,
		 struct cprhold_session_info *info);

/**
 * cprhold_seal() - mark a session complete (CPRHOLD_SEAL: OPEN -> SEALED)
 * @sfd: the creator's session fd
 *
 * From now on the session lives without any process holding it; the
 * creator may close @sfd and exit.  A TTL given to cprhold_create()
 * starts now.
 *
 * Return: 0 on success, or a negative errno:
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOENT - the session has ended (finished, destroyed or expired).
 * * %-EBUSY - @sfd is not the creator's fd (a claimer's or watcher's), or
 *   the session is not OPEN (sealed already, or claimed).
 */
int cprhold_seal(int sfd);

/**
 * cprhold_seal_flags() - cprhold_seal() with flags
 * @sfd: the creator's session fd
 * @flags: 0, or CPRHOLD_SEAL_PREPARE_ADOPT: start moving each parked KVM
 *	VM off the caller's address space now, in the background, so that
 *	the successor's adoption (cprhold_retrieve() with
 *	CPRHOLD_RETRIEVE_ADOPT_KVM) has less to do inside the guest's pause.
 *	Let go of the VM first (close the VM and vCPU fds, unmap the vCPUs'
 *	kvm_run areas): a VM the caller still holds is left as it is, and
 *	its adoption does all of the move later.  Until it is adopted, a
 *	prepared VM runs nowhere, and its VM and vCPU entries can only be
 *	retrieved by a call that adopts it.
 *
 * As cprhold_seal() otherwise.
 *
 * Return: 0 on success, or a negative errno:
 * * %-EOPNOTSUPP - @flags has a flag the running module does not know.
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOENT - the session has ended (finished, destroyed or expired).
 * * %-EBUSY - @sfd is not the creator's fd (a claimer's or watcher's), or
 *   the session is not OPEN (sealed already, or claimed).
 */
int cprhold_seal_flags(int sfd, uint32_t flags);

/**
 * cprhold_finish() - end a claimed session (CPRHOLD_FINISH)
 * @sfd: the claimer's session fd
 *
 * CLAIMED -> FINISHED: the session is destroyed and its parked references
 * are dropped; fds already retrieved stay open.  Session fds that outlive
 * the session see it FINISHED, with end reason CPRHOLD_END_FINISHED.
 *
 * Return: 0 on success, or a negative errno:
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOENT - the session has ended (finished, destroyed or expired).
 * * %-EBUSY - @sfd does not hold the current claim: it is not a claimer's
 *   fd, or its claim was aborted (and the session maybe claimed again).
 */
int cprhold_finish(int sfd);

/**
 * cprhold_abort() - give a claimed session back (CPRHOLD_ABORT)
 * @sfd: the claimer's session fd
 *
 * CLAIMED -> SEALED, for a rollback to the old owner or another
 * successor.  The fd loses its claim for good; fds already retrieved stay
 * open and the entries stay parked.  Closing the claimer's fd unfinished
 * does the same.
 *
 * Return: 0 on success, or a negative errno:
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOENT - the session has ended (finished, destroyed or expired).
 * * %-EBUSY - @sfd does not hold the current claim: it is not a claimer's
 *   fd, or its claim was aborted already.
 */
int cprhold_abort(int sfd);

/**
 * cprhold_entry_init() - fill in an entry to park
 * @e: the entry; zeroed first
 * @fd: the fd to park
 * @token: the caller's name for the entry, unique in the session
 * @label: NULL or a short name, at most CPRHOLD_LABEL_MAX - 1 characters
 *	out of [A-Za-z0-9._@+-]
 * @addr: NULL, or the page-aligned address at which the caller maps the
 *	file (sets CPRHOLD_ENTRY_ADDR), for cprhold_map_fixed()
 *
 * Only the label's length is checked here; its characters, @fd and @addr
 * are checked by cprhold_park().
 *
 * Return: 0 on success, or a negative errno:
 * * %-EINVAL - @e is NULL.
 * * %-ENAMETOOLONG - @label has CPRHOLD_LABEL_MAX characters or more;
 *   *@e holds only @fd and @token then.
 */
int cprhold_entry_init(struct cprhold_entry *e, int fd, uint64_t token,
		       const char *label, const void *addr);

/**
 * cprhold_park() - park a batch of fds in one call (CPRHOLD_PARK)
 * @sfd: the creator's session fd of an OPEN session
 * @entries: the entries (see cprhold_entry_init()); only read: the kernel
 *	classifies the files when it needs to, and cprhold_list_entries()
 *	or cprhold_find_entry() show how
 * @count: number of entries, at least 1
 *
 * All or nothing: on error no entry of the batch is parked.  The session
 * takes a reference on each file, as dup() would: offset, flags and state
 * stay shared with the caller's fds, which stay open and are the caller's
 * to close.
 *
 * Return: 0 on success, or a negative errno:
 * * %-EINVAL - @entries is NULL or @count is 0; or an entry's label has a
 *   character out of [A-Za-z0-9._@+-], its addr is not page aligned or
 *   set without CPRHOLD_ENTRY_ADDR, or its fd is a cprhold fd (a session
 *   that holds one could hold itself).
 * * %-EOPNOTSUPP - an entry has a flag other than CPRHOLD_ENTRY_ADDR.
 * * %-EBADF - @sfd, or an entry's fd, is not an open file descriptor (an
 *   O_PATH fd counts as not open).
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOENT - the session has ended.
 * * %-EBUSY - @sfd is not the creator's fd, or the session is not OPEN
 *   (sealed already).
 * * %-ENOSPC - the batch would exceed max_entries_per_session,
 *   max_entries_per_user or max_entries_total (see "Limits" in
 *   cprhold(4)).
 * * %-EEXIST - a token is repeated in the batch or already parked in the
 *   session.
 * * %-EFAULT - @entries does not hold @count readable entries.
 * * %-ENOMEM - the kernel is out of memory.
 */
int cprhold_park(int sfd, struct cprhold_entry *entries, unsigned int count);

/**
 * cprhold_park_fds() - park an array of fds under consecutive tokens
 * @sfd: the creator's session fd of an OPEN session
 * @fds: the fds, as SCM_RIGHTS takes them
 * @count: number of fds, at least 1
 * @first_token: the token of @fds[0]; @fds[i] is parked under
 *	@first_token + i, with no label and no address
 *
 * cprhold_park() without entries to fill in (CPRHOLD_PARK_FDS): the
 * fastest way to park many fds.  All or nothing, and the session takes a
 * reference on each file, as for cprhold_park().
 *
 * Return: 0 on success, or a negative errno:
 * * %-EINVAL - @fds is NULL or @count is 0, or an fd is a cprhold fd (a
 *   session that holds one could hold itself).
 * * %-EOVERFLOW - @first_token + @count - 1 is beyond UINT64_MAX.
 * * %-EOPNOTSUPP - the running cprhold module has no CPRHOLD_PARK_FDS
 *   (one whose struct cprhold_park has no first_token answers E2BIG,
 *   reported as this).
 * * %-EBADF - @sfd, or one of @fds, is not an open file descriptor (an
 *   O_PATH fd counts as not open).
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOENT - the session has ended.
 * * %-EBUSY - @sfd is not the creator's fd, or the session is not OPEN
 *   (sealed already).
 * * %-ENOSPC - the batch would exceed max_entries_per_session,
 *   max_entries_per_user or max_entries_total (see "Limits" in
 *   cprhold(4)).
 * * %-EEXIST - one of the tokens is already parked in the session.
 * * %-EFAULT - @fds does not hold @count readable fds.
 * * %-ENOMEM - the kernel is out of memory.
 */
int cprhold_park_fds(int sfd, const int *fds, unsigned int count,
		     uint64_t first_token);

/**
 * cprhold_park_one() - park one fd
 * @sfd: the creator's session fd of an OPEN session
 * @fd: the fd to park
 * @token: its token, unique in the session
 * @label: NULL or its label
 * @addr: NULL, or the page-aligned address at which the caller maps the
 *	file
 * @out: NULL, or out: the entry as the kernel classified it
 *	(CPRHOLD_PARK_REPORT: the kernel classifies the file at once)
 *
 * cprhold_entry_init() and cprhold_park() of one entry.
 *
 * Return: 0 on success, or a negative errno:
 * * %-ENAMETOOLONG - @label has CPRHOLD_LABEL_MAX characters or more.
 * * %-EINVAL - @label has a character out of [A-Za-z0-9._@+-], @addr is
 *   not page aligned, or @fd is a cprhold fd (a session that holds one
 *   could hold itself).
 * * %-EBADF - @sfd or @fd is not an open file descriptor (an O_PATH fd
 *   counts as not open).
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOENT - the session has ended.
 * * %-EBUSY - @sfd is not the creator's fd, or the session is not OPEN
 *   (sealed already).
 * * %-ENOSPC - one more entry would exceed max_entries_per_session,
 *   max_entries_per_user or max_entries_total (see "Limits" in
 *   cprhold(4)).
 * * %-EEXIST - @token is already parked in the session.
 * * %-ENOMEM - the kernel is out of memory.
 */
int cprhold_park_one(int sfd, int fd, uint64_t token, const char *label,
		     const void *addr, struct cprhold_entry *out);

/**
 * cprhold_list_entries() - one page of a session's entries (CPRHOLD_LIST)
 * @sfd: any session fd, in any state
 * @it: iterator, initialised before the first page
 * @entries: array for up to @max entries (fd is -1 in each)
 * @max: capacity of @entries, at least 1
 *
 * Entries come in token order, at most 64 per page; used as
 * cprhold_list_sessions().  After each page, @it->total is the number of
 * entries in the session.  A session that has ended holds no entries.
 *
 * Return: the number of entries written, 0 when the listing is complete,
 * or a negative errno:
 * * %-EINVAL - @it or @entries is NULL, or @max is 0.
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-EFAULT - @entries has no room for the entries written.
 * * %-ENOMEM - the kernel is out of memory.
 * * %-EPROTO - the kernel wrote more than @max entries (a bug).
 */
int cprhold_list_entries(int sfd, struct cprhold_iter *it,
			 struct cprhold_entry *entries, unsigned int max);

/**
 * cprhold_list_entries_all() - all entries of a session in one array
 * @sfd: any session fd, in any state
 * @entries: out: a malloc()ed array the caller frees, NULL if the session
 *	has no entries or on error
 *
 * Pages through cprhold_list_entries() until the listing is complete.
 *
 * Return: the number of entries in *@entries, or a negative errno:
 * * %-EINVAL - @entries is NULL.
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOMEM - no memory for the array, or the kernel is out of memory.
 * * %-EOVERFLOW - there are more entries than an int can count.
 * * %-EPROTO - the kernel wrote more entries than asked for (a bug).
 */
int cprhold_list_entries_all(int sfd, struct cprhold_entry **entries);

/**
 * cprhold_find_entry() - look up one entry by token (CPRHOLD_LIST)
 * @sfd: any session fd, in any state
 * @token: the token
 * @entry: out: the entry (untouched on error)
 *
 * One listing call from @token on: the first entry it reports is @token's,
 * or there is none.
 *
 * Return: 0 on success, or a negative errno:
 * * %-EINVAL - @entry is NULL.
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOENT - no entry has @token (a session that has ended has none).
 * * %-ENOMEM - the kernel is out of memory.
 * * %-EPROTO - the kernel wrote more than one entry (a bug).
 */
int cprhold_find_entry(int sfd, uint64_t token, struct cprhold_entry *entry);

/**
 * cprhold_retrieve() - new fds to parked files, in one call
 *	(CPRHOLD_RETRIEVE)
 * @sfd: the claimer's session fd
 * @tokens: @count tokens; a token may repeat (each gets its own fd)
 * @fds: out: @count fds, in the order of @tokens
 * @count: at least 1
 * @flags: CPRHOLD_RETRIEVE_NO_CLOEXEC (the fds are not close-on-exec),
 *	CPRHOLD_RETRIEVE_ADOPT_KVM (adopt the KVM VMs among @tokens)
 *
 * The fds refer to the very files the old owner parked.  Entries stay
 * parked until cprhold_finish(), so retrieving again after a crash works.
 *
 * Everything that can fail is checked before the first fd is installed:
 * the claim, every token, the adoption, room for @count fds and a
 * writable @fds.  Only an error while the
 * fds are installed leaves some open: a security module refusing a file
 * (-EACCES), or another thread of the caller filling the fd table
 * (-EMFILE) or unmapping @fds (-EFAULT) in between.  The fds installed
 * until then are in @fds, the others are -1.  So a caller that fills
 * @fds with -1 before the call closes every fd in it that is not -1
 * after a failure.
 *
 * With CPRHOLD_RETRIEVE_ADOPT_KVM, each KVM VM among @tokens is first
 * rebound to the caller's address space, so that the VM itself, with its
 * vCPUs and devices, survives the handover (see "KVM VM adoption" in
 * Documentation/userspace-api/cprhold.rst).  The errors below that name
 * the adoption are its preconditions; a refusal leaves the VM as it was.
 *
 * Return: 0 on success, or a negative errno:
 * * %-EINVAL - @tokens or @fds is NULL or @count is 0; or, adoption, no
 *   token is a KVM VM, or a vCPU is parked as two different files.
 * * %-EOPNOTSUPP - @flags has an unknown flag, or adoption is not
 *   possible here (the kernel, the CPU vendor, the VM type, or no
 *   cprhold_kvm.ko).
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOENT - a token is not parked in the session, or the session has
 *   ended; adoption: a vCPU of the VM is not parked in the session.
 * * %-EBUSY - @sfd does not hold the current claim (not a claimer's fd,
 *   or its claim was aborted); adoption: a vCPU is running or being
 *   created, or the old owner still holds the VM or a vCPU and has not
 *   exited.
 * * %-ENOSPC - @count is over max_entries_per_session (see "Limits" in
 *   cprhold(4)).
 * * %-EMFILE - the process has no room for @count more fds (nothing is
 *   installed), or another thread filled the fd table while they were
 *   installed.
 * * %-EACCES - a security module refused to pass a file to the caller.
 * * %-EFAULT - @tokens is not readable or @fds not writable for @count
 *   elements.
 * * %-ENOMEM - the kernel is out of memory.
 * * %-ENXIO - adoption: the guest memory is not mapped in the caller at
 *   the memslots' addresses by shared file mappings, writable unless the
 *   memslot is read-only (cprhold_map_fixed() maps it there).
 * * %-EIO - adoption: the VM is dead or bugged.
 * * %-EINTR - adoption: a fatal signal arrived while waiting for KVM's
 *   locks.
 */
int cprhold_retrieve(int sfd, const uint64_t *tokens, int *fds,
		     unsigned int count, uint32_t flags);

/**
 * cprhold_retrieve_range() - new fds to the files parked under consecutive
 *	tokens (CPRHOLD_RETRIEVE with CPRHOLD_RETRIEVE_TOKEN_RANGE)
 * @sfd: the claimer's session fd
 * @first_token: the token of @fds[0]; @fds[i] gets the file of token
 *	@first_token + i
 * @fds: out: @count fds
 * @count: at least 1
 * @flags: CPRHOLD_RETRIEVE_NO_CLOEXEC, CPRHOLD_RETRIEVE_ADOPT_KVM, as for
 *	cprhold_retrieve()
 *
 * cprhold_retrieve() without a token array: the counterpart of
 * cprhold_park_fds(), with no token array to build and copy.  Everything
 * cprhold_retrieve() says of errors, of fds left installed and of
 * adoption holds here too.
 *
 * Return: 0 on success, or a negative errno.  Those of cprhold_retrieve()
 * (with "a token" for a token of the range), and these:
 * * %-EINVAL - @fds is NULL or @count is 0.
 * * %-EOVERFLOW - @first_token + @count - 1 is beyond UINT64_MAX.
 * * %-EOPNOTSUPP - the running cprhold module has no token ranges (one
 *   whose struct cprhold_retrieve has no first_token answers E2BIG,
 *   reported as this), or as for cprhold_retrieve().
 */
int cprhold_retrieve_range(int sfd, uint64_t first_token, int *fds,
			   unsigned int count, uint32_t flags);

/**
 * cprhold_retrieve_one() - a new fd to one parked file
 * @sfd: the claimer's session fd
 * @token: its token
 * @flags: CPRHOLD_RETRIEVE_NO_CLOEXEC, CPRHOLD_RETRIEVE_ADOPT_KVM (see
 *	cprhold_retrieve())
 *
 * cprhold_retrieve() of one token; on error no fd is left open.
 *
 * Return: the new fd, or a negative errno:
 * * %-EINVAL - adoption: @token is not a KVM VM, or a vCPU is parked as
 *   two different files.
 * * %-EOPNOTSUPP - @flags has an unknown flag, or adoption is not
 *   possible here (the kernel, the CPU vendor, the VM type, or no
 *   cprhold_kvm.ko).
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOENT - @token is not parked in the session, or the session has
 *   ended; adoption: a vCPU of the VM is not parked in the session.
 * * %-EBUSY - @sfd does not hold the current claim (not a claimer's fd,
 *   or its claim was aborted); adoption: a vCPU is running or being
 *   created, or the old owner still holds the VM or a vCPU and has not
 *   exited.
 * * %-ENOSPC - the module parameter max_entries_per_session is 0.
 * * %-EMFILE - the process has no free file descriptor (RLIMIT_NOFILE).
 * * %-EACCES - a security module refused to pass the file to the caller.
 * * %-ENOMEM - the kernel is out of memory.
 * * %-ENXIO - adoption: the guest memory is not mapped in the caller at
 *   the memslots' addresses by shared file mappings, writable unless the
 *   memslot is read-only (cprhold_map_fixed() maps it there).
 * * %-EIO - adoption: the VM is dead or bugged.
 * * %-EINTR - adoption: a fatal signal arrived while waiting for KVM's
 *   locks.
 */
int cprhold_retrieve_one(int sfd, uint64_t token, uint32_t flags);

/* ---- helpers for VMMs ---------------------------------------------- */

/**
 * cprhold_park_memfd() - create guest memory as a memfd, map it, park it
 * @sfd: the creator's session fd of an OPEN session
 * @token: the entry's token
 * @label: NULL or the entry's label; also the memfd's name
 * @size: bytes, more than 0 (a multiple of the huge page size with
 *	CPRHOLD_MEMFD_HUGETLB)
 * @addr: NULL to let the kernel choose, or the page-aligned address to map
 *	at: the range must be free unless CPRHOLD_MEMFD_REPLACE
 * @flags: CPRHOLD_MEMFD_* flags
 * @out_addr: out: where the memory is mapped (MAP_SHARED, read-write)
 *
 * Creates a memfd (memfd_create(), close-on-exec), sizes it (ftruncate()),
 * maps it shared and read-write (mmap()), then parks it with
 * CPRHOLD_ENTRY_ADDR recording the mapping's address, so that the
 * successor can cprhold_map_fixed() it at the same address.
 * On error everything is undone: no fd, no mapping, nothing parked (with
 * CPRHOLD_MEMFD_REPLACE the range stays reserved, as inaccessible
 * anonymous memory).
 *
 * Return: the memfd (the caller owns it and the mapping), or a negative
 * errno:
 * * %-EINVAL - @out_addr is NULL, @size is 0, @addr is not page aligned,
 *   @flags has an unknown flag or CPRHOLD_MEMFD_REPLACE without an @addr;
 *   with CPRHOLD_MEMFD_HUGETLB, @size or @addr is not a multiple of the
 *   huge page size; or @label has a character out of [A-Za-z0-9._@+-].
 * * %-ENAMETOOLONG - @label has CPRHOLD_LABEL_MAX characters or more.
 * * %-EEXIST - something is mapped in the range at @addr already (or a
 *   kernel older than 4.17 placed the mapping elsewhere), or @token is
 *   already parked in the session.
 * * %-ENOMEM - no memory or address space for the mapping; with
 *   CPRHOLD_MEMFD_HUGETLB, not enough free huge pages.
 * * %-EMFILE - the process has no free file descriptor (RLIMIT_NOFILE).
 * * %-ENFILE - the system's limit on open files was reached.
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOENT - the session has ended.
 * * %-EBUSY - @sfd is not the creator's fd, or the session is not OPEN
 *   (sealed already).
 * * %-ENOSPC - one more entry would exceed a limit of the module (see
 *   "Limits" in cprhold(4)).
 */
int cprhold_park_memfd(int sfd, uint64_t token, const char *label, size_t size,
		       void *addr, unsigned int flags, void **out_addr);

/**
 * cprhold_blob_store() - park an opaque state blob, sealed
 * @sfd: the creator's session fd of an OPEN session
 * @token: the entry's token
 * @label: NULL or the entry's label; also the memfd's name
 * @data: the bytes (may be NULL if @len is 0)
 * @len: their number
 *
 * Writes the bytes to a new memfd, seals it with F_SEAL_WRITE,
 * F_SEAL_GROW, F_SEAL_SHRINK and F_SEAL_SEAL, so nobody can change it any
 * more, and parks it.  The library's memfd is closed again: the session
 * holds the only reference.  For the VMM's device state or its migration
 * stream; cprhold_blob_fetch() and cprhold_blob_map() read it.
 *
 * Return: 0 on success, or a negative errno:
 * * %-EINVAL - @data is NULL and @len is not 0, or @label has a character
 *   out of [A-Za-z0-9._@+-].
 * * %-ENAMETOOLONG - @label has CPRHOLD_LABEL_MAX characters or more.
 * * %-EFAULT - @data is not readable for @len bytes.
 * * %-ENOMEM - no memory for the blob.
 * * %-EMFILE - the process has no free file descriptor (RLIMIT_NOFILE).
 * * %-ENFILE - the system's limit on open files was reached.
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOENT - the session has ended.
 * * %-EBUSY - @sfd is not the creator's fd, or the session is not OPEN
 *   (sealed already).
 * * %-ENOSPC - one more entry would exceed a limit of the module (see
 *   "Limits" in cprhold(4)), or the system could not commit memory for
 *   the blob.
 * * %-EEXIST - @token is already parked in the session.
 */
int cprhold_blob_store(int sfd, uint64_t token, const char *label,
		       const void *data, size_t len);

/**
 * cprhold_blob_fetch() - a copy of a state blob
 * @sfd: the claimer's session fd
 * @token: the blob's token
 * @data: out: a malloc()ed copy the caller frees (NULL if the blob is
 *	empty, and on error)
 * @len: out: its size (0 on error)
 *
 * Retrieves the entry, checks that it carries all four seals of
 * cprhold_blob_store() (so its content cannot change under the reader)
 * and reads it.  The retrieved fd is closed again.
 *
 * Return: 0 on success, or a negative errno:
 * * %-EINVAL - @data or @len is NULL.
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOENT - @token is not parked in the session, or the session has
 *   ended.
 * * %-EBUSY - @sfd does not hold the current claim (not a claimer's fd,
 *   or its claim was aborted).
 * * %-ENOSPC - the module parameter max_entries_per_session is 0.
 * * %-EMFILE - the process has no free file descriptor (RLIMIT_NOFILE).
 * * %-EACCES - a security module refused to pass the file to the caller.
 * * %-EMEDIUMTYPE - the entry is not a memfd (a file without seals).
 * * %-EPERM - the entry lacks one of the four seals: it is no blob of
 *   cprhold_blob_store(), and its content could change.
 * * %-EFBIG - the blob is larger than the address space (SIZE_MAX).
 * * %-ENOMEM - no memory for the copy, or the kernel is out of memory.
 */
int cprhold_blob_fetch(int sfd, uint64_t token, void **data, size_t *len);

/**
 * cprhold_blob_map() - a read-only mapping of a state blob
 * @sfd: the claimer's session fd
 * @token: the blob's token
 * @addr: out: the mapping (PROT_READ, MAP_SHARED; it cannot be made
 *	writable), NULL if the blob is empty and on error
 * @len: out: its size (0 on error)
 *
 * As cprhold_blob_fetch(), without a copy: release the mapping with
 * munmap(), giving it *@addr and *@len.
 *
 * Return: 0 on success, or a negative errno:
 * * %-EINVAL - @addr or @len is NULL.
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOENT - @token is not parked in the session, or the session has
 *   ended.
 * * %-EBUSY - @sfd does not hold the current claim (not a claimer's fd,
 *   or its claim was aborted).
 * * %-ENOSPC - the module parameter max_entries_per_session is 0.
 * * %-EMFILE - the process has no free file descriptor (RLIMIT_NOFILE).
 * * %-EACCES - a security module refused to pass the file to the caller.
 * * %-EMEDIUMTYPE - the entry is not a memfd (a file without seals).
 * * %-EPERM - the entry lacks one of the four seals: it is no blob of
 *   cprhold_blob_store(), and its content could change.
 * * %-EFBIG - the blob is larger than the address space (SIZE_MAX).
 * * %-ENOMEM - no address space for the mapping, or the kernel is out of
 *   memory.
 */
int cprhold_blob_map(int sfd, uint64_t token, const void **addr, size_t *len);

/**
 * cprhold_map_fixed() - map a parked file at the address the old owner
 *	recorded
 * @sfd: the claimer's session fd
 * @token: the entry's token; it must have been parked with an address
 * @prot: PROT_* of the mapping, usually PROT_READ | PROT_WRITE
 * @flags: 0 or CPRHOLD_RETRIEVE_NO_CLOEXEC, for the fd
 * @addr: out: the mapping's address, the recorded one
 * @len: NULL, or out: the mapping's length: the file's size as listed
 *
 * Looks the entry up (CPRHOLD_LIST) for its address and size, retrieves
 * it and maps it MAP_SHARED | MAP_FIXED_NOREPLACE at exactly that address,
 * so KVM memslots and VFIO DMA mappings keep their virtual addresses.  If
 * something is mapped there already the call fails with -EEXIST and maps
 * nothing; so it does if the kernel placed the mapping elsewhere (kernels
 * before 4.17 treat MAP_FIXED_NOREPLACE as a hint), which is unmapped.
 * On error no fd is left open and nothing is mapped.
 *
 * Return: the retrieved fd (the caller owns it and the mapping), or a
 * negative errno:
 * * %-EINVAL - @addr is NULL, the entry's size is 0, @prot is not valid,
 *   or @flags has CPRHOLD_RETRIEVE_ADOPT_KVM (the entry is no KVM VM).
 * * %-EOPNOTSUPP - @flags has an unknown flag.
 * * %-EBADF - @sfd is not an open file descriptor.
 * * %-ENOTTY - @sfd is not a cprhold session fd (e.g. the control fd).
 * * %-ENOENT - no entry has @token (a session that has ended has none).
 * * %-ENXIO - the entry was parked without an address
 *   (CPRHOLD_ENTRY_ADDR).
 * * %-EMEDIUMTYPE - the entry is not memory: a memfd, a shmem or hugetlbfs
 *   file, or a regular file.
 * * %-EFBIG - the recorded address or size does not fit this process (a
 *   32-bit successor).
 * * %-EBUSY - @sfd does not hold the current claim (not a claimer's fd,
 *   or its claim was aborted).
 * * %-ENOSPC - the module parameter max_entries_per_session is 0.
 * * %-EMFILE - the process has no free file descriptor (RLIMIT_NOFILE).
 * * %-EACCES - a security module refused to pass the file to the caller,
 *   or @prot asks for more than the file was opened for (PROT_WRITE on a
 *   file parked read-only).
 * * %-EEXIST - something is mapped in the recorded range already (or a
 *   kernel older than 4.17 placed the mapping elsewhere).
 * * %-EPERM - @prot has PROT_WRITE and the file is sealed against
 *   writing, or PROT_EXEC and the file is on a noexec mount.
 * * %-ENOMEM - the recorded range is outside this process's address
 *   space, or out of memory.
 */
int cprhold_map_fixed(int sfd, uint64_t token, int prot, uint32_t flags,
		      void **addr, size_t *len);

/* ---- the secret in a file ------------------------------------------ */

/*
 * A session's secret travels from the old owner to its successor as a
 * file the management layer copies.  Two formats, told apart by length:
 * exactly CPRHOLD_SECRET_SIZE raw bytes, or 2 * CPRHOLD_SECRET_SIZE
 * hexadecimal digits (either case) optionally surrounded by white space;
 * cprhold_secret_write() writes the hex form and a newline.
 */

/* The largest secret file cprhold_secret_read() reads */
#define CPRHOLD_SECRET_FILE_MAX 4096

/**
 * cprhold_secret_parse() - a secret from the content of a secret file
 * @buf: the content
 * @len: its length in bytes
 * @secret: out: the secret (left untouched on error)
 *
 * Two formats, told apart by length: exactly CPRHOLD_SECRET_SIZE raw
 * bytes, or 2 * CPRHOLD_SECRET_SIZE hexadecimal digits (either case)
 * between optional white space.  The parsed copy on the stack is wiped.
 *
 * Return: 0 on success, or a negative errno:
 * * %-EINVAL - @buf or @secret is NULL, @len is 0, or the content is
 *   neither CPRHOLD_SECRET_SIZE raw bytes nor 2 * CPRHOLD_SECRET_SIZE
 *   hexadecimal digits between white space.
 */
int cprhold_secret_parse(const void *buf, size_t len,
			 uint8_t secret[CPRHOLD_SECRET_SIZE]);

/**
 * cprhold_secret_read() - read a secret file
 * @path: the file (symbolic links are followed)
 * @secret: out: the secret (left untouched on error)
 *
 * Reads at most CPRHOLD_SECRET_FILE_MAX bytes and parses them as
 * cprhold_secret_parse() does; the read buffer is wiped.  A FIFO is read
 * as it comes (blocking until its writer closes it).
 *
 * Return: 0 on success, or a negative errno:
 * * %-EINVAL - @path or @secret is NULL, or the file holds no secret (see
 *   cprhold_secret_parse()).
 * * %-EFBIG - the file is larger than CPRHOLD_SECRET_FILE_MAX bytes.
 * * %-ENOENT - @path does not exist.
 * * %-EACCES - the caller may not read @path or search a directory of it.
 * * %-EISDIR - @path is a directory.
 * * %-ENOTDIR - a directory component of @path is not a directory.
 * * %-ELOOP - too many symbolic links in @path.
 * * %-ENAMETOOLONG - @path, or a component of it, is too long.
 * * %-EINTR - a signal interrupted the wait for a FIFO's writer.
 * * %-EMFILE - the process has no free file descriptor (RLIMIT_NOFILE).
 * * %-ENFILE - the system's limit on open files was reached.
 * * %-EIO - the file could not be read.
 * * Other errors of open(2) and read(2) come back as they are.
 */
int cprhold_secret_read(const char *path, uint8_t secret[CPRHOLD_SECRET_SIZE]);

/**
 * cprhold_secret_write() - write a secret file, whole or not at all
 * @path: the file; it is replaced if it exists
 * @secret: the secret
 * @mode: its permission bits (at most 0777), 0 for 0600
 *
 * Writes the hexadecimal form and a newline to a new file "@path.XXXXXX"
 * (mkostemp(): a random name, created exclusively) in the same directory,
 * sets its mode to @mode with fchmod() (so the umask does not apply), then
 * renames it over @path: a reader finds the old or the new secret, whole,
 * or no file.  @path becomes a new file: a symbolic link there is
 * replaced, not followed (cprhold_secret_read() follows one), a hard link
 * elsewhere keeps the old content, and owner, ACLs and security labels
 * are those of a new file.  The copy of the secret in the library's
 * buffer is wiped; on error the temporary file is removed.
 *
 * Return: 0 on success, or a negative errno:
 * * %-EINVAL - @path is NULL or empty, @secret is NULL, or @mode has bits
 *   beyond 0777.
 * * %-ENAMETOOLONG - @path is longer than PATH_MAX - 8, or its last
 *   component too long for the 7 more characters of the temporary name.
 * * %-ENOMEM - no memory for the temporary name.
 * * %-ENOENT - the directory of @path does not exist.
 * * %-ENOTDIR - a directory component of @path is not a directory.
 * * %-EACCES - the caller may not create files in the directory of @path
 *   or search a directory of it.
 * * %-EPERM - @path is another user's file in a sticky directory (such as
 *   /tmp).
 * * %-EISDIR - @path is a directory.
 * * %-EROFS - the directory is on a read-only file system.
 * * %-ENOSPC - the file system is full.
 * * %-EDQUOT - the caller's disk quota is exhausted.
 * * %-EIO - the file could not be written.
 * * %-EMFILE - the process has no free file descriptor (RLIMIT_NOFILE).
 * * %-ENFILE - the system's limit on open files was reached.
 * * Other errors of mkostemp(3), fchmod(2), write(2), close(2) and
 *   rename(2) come back as they are.
 */
int cprhold_secret_write(const char *path,
			 const uint8_t secret[CPRHOLD_SECRET_SIZE], mode_t mode);

/* ---- names and messages -------------------------------------------- */

/**
 * cprhold_strerror() - what an error of a libcprhold call means
 * @op: the operation, an enum cprhold_lib_op (CPRHOLD_OP_NONE for none)
 * @err: the error, as returned (-EBUSY) or as errno (EBUSY)
 *
 * Gives the meaning the error has for that operation in cprhold's terms,
 * e.g. (CPRHOLD_OP_CLAIM, -EBUSY): "session is not sealed yet or already
 * claimed"; for a pair without a specific text, the generic meaning of
 * @err for cprhold; for an errno cprhold never uses, strerror()'s text is
 * not used (it is not thread-safe everywhere) but "unexpected error".
 * An @err of 0 gives "success".  The operations: CPRHOLD_OP_OPEN for
 * cprhold_open() and cprhold_open_path(), CPRHOLD_OP_LIST_SESSIONS for
 * the session listing and count, CPRHOLD_OP_LIST for the entry listing
 * and cprhold_find_entry(), CPRHOLD_OP_PARK for cprhold_park() and
 * cprhold_park_one(), CPRHOLD_OP_RETRIEVE for cprhold_retrieve() and
 * cprhold_retrieve_one(), CPRHOLD_OP_BLOB_FETCH for cprhold_blob_fetch()
 * and cprhold_blob_map(), and one per other function (CPRHOLD_OP_CREATE,
 * CPRHOLD_OP_CLAIM, ...).  cprhold_watch() has none: use
 * CPRHOLD_OP_CLAIM.
 *
 * Return: a constant string (never NULL) that starts in lower case and has
 * no trailing period, to follow "operation: " in a message.
 */
const char *cprhold_strerror(int op, int err);

/**
 * cprhold_op_name() - the name of an operation
 * @op: an enum cprhold_lib_op
 *
 * The names are stable: they serve messages and logs.
 *
 * Return: the name, e.g. "claim", "park-memfd" (the enum's suffix, in
 * lower case with "-" for "_"), or NULL for an unknown @op.
 */
const char *cprhold_op_name(int op);

/**
 * cprhold_entry_type_name() - the name of an entry type
 * @type: an enum cprhold_entry_type, as in struct cprhold_entry
 *
 * The names are those of cprholdctl(8) and its JSON output.
 *
 * Return: the stable lowercase name ("memfd", "kvm_vcpu", "vfio_group",
 * ...: the enum's suffix), or NULL for a value this library does not know
 * (a newer kernel): print the number then.
 */
const char *cprhold_entry_type_name(uint32_t type);

/**
 * cprhold_state_name() - the name of a session state
 * @state: an enum cprhold_state, as in struct cprhold_session_info
 *
 * The names are those of cprholdctl(8) and its JSON output.
 *
 * Return: "open", "sealed", "claimed" or "finished"; NULL for a value
 * this library does not know.
 */
const char *cprhold_state_name(uint32_t state);

/**
 * cprhold_end_name() - the name of a session's end reason
 * @reason: an enum cprhold_end, as in struct cprhold_session_info
 *
 * The names are those of cprholdctl(8) and its JSON output.
 *
 * Return: "none", "finished", "destroyed", "expired" or "closed"; NULL
 * for a value this library does not know.
 */
const char *cprhold_end_name(uint32_t reason);

/**
 * cprhold_event_name() - the name of a netlink event
 * @event: an enum cprhold_event, as in the cprhold generic netlink
 *	family's CPRHOLD_NL_A_EVENT attribute
 *
 * The names are those of cprholdctl(8) watch and its JSON output.
 *
 * Return: "created", "sealed", "claimed", "aborted", "finished",
 * "destroyed" or "expired"; NULL for a value this library does not know.
 */
const char *cprhold_event_name(uint32_t event);

/**
 * cprhold_version() - the library's version
 *
 * The version of the library actually loaded, which may be newer than the
 * LIBCPRHOLD_VERSION_* the caller was built with (same major number).
 *
 * Return: "MAJOR.MINOR.PATCH", a constant string.
 */
const char *cprhold_version(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBCPRHOLD_H */
