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
 * Struct size negotiation: every ioctl struct is sent with the size this
 * library was built with.  If the kernel answers E2BIG (an older kernel
 * whose struct is smaller), and every byte of the request beyond a smaller
 * known layout of that struct is zero (the caller used no field the older
 * kernel might lack), the call is repeated once per smaller layout: first
 * the v1 size (CPRHOLD_*_SIZE_V1), then the kernel's first layout
 * (CPRHOLD_*_SIZE_VER0).
 * Otherwise -E2BIG is returned unchanged.  Today only CPRHOLD_CREATE has a
 * mandatory part smaller than its v1 struct (the TTL and user namespace
 * fields are optional), so cprhold_create() with ttl_ms == 0 and no user
 * namespace works against a kernel that only knows the mandatory part.
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
 * of this file).  Only CPRHOLD_CREATE's v1 is larger than its first
 * layout (the TTL and user namespace fields).
 */
#define CPRHOLD_CREATE_SIZE_V1		128
#define CPRHOLD_CLAIM_SIZE_V1		CPRHOLD_CLAIM_SIZE_VER0
#define CPRHOLD_DESTROY_SIZE_V1		CPRHOLD_DESTROY_SIZE_VER0
#define CPRHOLD_LIST_SESSIONS_SIZE_V1	CPRHOLD_LIST_SESSIONS_SIZE_VER0
#define CPRHOLD_PARK_SIZE_V1		CPRHOLD_PARK_SIZE_VER0
#define CPRHOLD_LIST_SIZE_V1		CPRHOLD_LIST_SIZE_VER0
#define CPRHOLD_INFO_SIZE_V1		CPRHOLD_INFO_SIZE_VER0
#define CPRHOLD_OP_SIZE_V1		CPRHOLD_OP_SIZE_VER0
#define CPRHOLD_RETRIEVE_SIZE_V1	CPRHOLD_RETRIEVE_SIZE_VER0
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
 * @CPRHOLD_OP_PARK: cprhold_park(), cprhold_park_one()
 * @CPRHOLD_OP_LIST: cprhold_list_entries(), cprhold_list_entries_all(),
 *	cprhold_find_entry()
 * @CPRHOLD_OP_INFO: cprhold_info()
 * @CPRHOLD_OP_SEAL: cprhold_seal()
 * @CPRHOLD_OP_RETRIEVE: cprhold_retrieve(), cprhold_retrieve_one()
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
 * @flags: CPRHOLD_OPEN_* flags
 *
 * Opens CPRHOLD_DEVICE_PATH read-write, close-on-exec unless
 * CPRHOLD_OPEN_NO_CLOEXEC.
 *
 * Return: the control fd, or -errno: -EINVAL unknown flag, -ENOENT no
 * device node (module not loaded), -EACCES not allowed (the node is
 * 0660 root:kvm), as open(2) otherwise.
 */
int cprhold_open(unsigned int flags);

/**
 * cprhold_open_path() - open a cprhold device node at another path
 * @path: the device node, e.g. one bind-mounted into a container
 * @flags: CPRHOLD_OPEN_* flags
 *
 * As cprhold_open(), for a node that is not at CPRHOLD_DEVICE_PATH.
 *
 * Return: the control fd, or -errno (-EINVAL for a NULL @path).
 */
int cprhold_open_path(const char *path, unsigned int flags);

/**
 * cprhold_create() - create a session (CPRHOLD_CREATE)
 * @ctl: control fd
 * @name: the session's name, 1 to CPRHOLD_NAME_MAX - 1 characters out of
 *	[A-Za-z0-9._:@+-]; global to the machine, so use a unique one
 * @flags: CPRHOLD_CREATE_* flags
 * @ttl_ms: destroy the session after it stayed SEALED and unclaimed this
 *	long; 0 for no TTL (the default: expiring may drop guest memory)
 * @userns_fd: -1, or an fd of a user namespace (/proc/PID/ns/user): then
 *	only processes in it or below it may claim (CPRHOLD_CREATE_USERNS
 *	is implied)
 * @secret: out: the CPRHOLD_SECRET_SIZE bytes needed to claim the session;
 *	returned only here
 *
 * Creates an OPEN session owned by the caller's effective uid.  Closing
 * the returned fd before cprhold_seal() destroys the session.
 *
 * Return: the creator's session fd, or -errno: -EINVAL (NULL @name or
 * @secret, empty or invalid name, CPRHOLD_CREATE_USERNS without a
 * @userns_fd), -ENAMETOOLONG, -EEXIST name taken, -ENOSPC too many
 * sessions, -EOPNOTSUPP unknown flag, -EBADF bad @userns_fd, -EMFILE, or
 * -E2BIG if @ttl_ms or @userns_fd were given to a kernel that lacks them.
 */
int cprhold_create(int ctl, const char *name, uint32_t flags, uint64_t ttl_ms,
		   int userns_fd, uint8_t secret[CPRHOLD_SECRET_SIZE]);

/**
 * cprhold_claim() - claim a sealed session (CPRHOLD_CLAIM)
 * @ctl: control fd
 * @name: the session's name
 * @secret: the secret cprhold_create() returned
 * @flags: CPRHOLD_CLAIM_* flags
 *
 * Moves the session from SEALED to CLAIMED.  The claim belongs to the
 * returned fd: closing it before cprhold_finish() returns the session to
 * SEALED.
 *
 * Return: the claimer's session fd, or -errno: -ENOENT no such session,
 * -EACCES wrong secret or excluded claimer, -EBUSY not sealed yet or
 * already claimed, -EINVAL, -ENAMETOOLONG, -EOPNOTSUPP, -EMFILE.
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
 * listing; closing it changes nothing.  A successor uses it to wait for
 * a session that its predecessor has not sealed yet.
 *
 * Return: the watcher fd, or -errno as cprhold_claim() (never -EBUSY).
 */
int cprhold_watch(int ctl, const char *name,
		  const uint8_t secret[CPRHOLD_SECRET_SIZE], uint32_t flags);

/**
 * cprhold_destroy() - end a session in any state (CPRHOLD_DESTROY)
 * @ctl: control fd
 * @name: the session's name
 *
 * Releases everything the session holds; fds a claimer already retrieved
 * stay open.  Allowed to the creator's effective uid and CAP_SYS_ADMIN.
 *
 * Return: 0, or -errno: -ENOENT, -EACCES, -EINVAL, -ENAMETOOLONG.
 */
int cprhold_destroy(int ctl, const char *name);

/**
 * cprhold_iter_init() - reset an iterator to the start of a listing
 * @it: the iterator
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
 * than @max per page (at most 64).  Typical use::
 *
 *	struct cprhold_iter it = CPRHOLD_ITER_INIT;
 *	struct cprhold_session_info buf[16];
 *	int n;
 *
 *	while ((n = cprhold_list_sessions(ctl, &it, buf, 16)) > 0)
 *		...;
 *
 * Return: the number of sessions written, 0 when the listing is complete,
 * or -errno: -EINVAL (NULL pointer, @max 0).
 */
int cprhold_list_sessions(int ctl, struct cprhold_iter *it,
			  struct cprhold_session_info *infos, unsigned int max);

/**
 * cprhold_list_sessions_all() - the whole session listing in one array
 * @ctl: control fd
 * @infos: out: a malloc()ed array the caller frees, NULL if there are no
 *	sessions
 *
 * Return: the number of sessions in *@infos, or -errno (-ENOMEM, or as
 * cprhold_list_sessions()); *@infos is NULL on error.
 */
int cprhold_list_sessions_all(int ctl, struct cprhold_session_info **infos);

/**
 * cprhold_count_sessions() - how many sessions the caller can see now
 * @ctl: control fd
 *
 * Return: the number of sessions cprhold_list_sessions() would report
 * right now, or -errno.
 */
int cprhold_count_sessions(int ctl);

/* ---- session fd ---------------------------------------------------- */

/**
 * cprhold_info() - describe a session (CPRHOLD_INFO)
 * @sfd: any session fd (creator's or claimer's), also after the session
 *	ended (state FINISHED, end_reason says why)
 * @info: out: the session
 *
 * Return: 0, or -errno: -EINVAL for a NULL @info, -ENOTTY not a session fd.
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
 * Return: 0 once the session is in one of @states, or -errno:
 * -ETIMEDOUT not within @timeout_ms, -ENOENT the session ended
 * (FINISHED) and FINISHED is not in @states (*@info says why), -EINVAL
 * (@states empty or with bits of no state), or the errors of
 * cprhold_info() and poll().
 */
int cprhold_wait(int sfd, uint32_t states, int timeout_ms,
		 struct cprhold_session_info *info);

/**
 * cprhold_seal() - mark a session complete (CPRHOLD_SEAL: OPEN -> SEALED)
 * @sfd: the creator's session fd
 *
 * From now on the session lives without any process holding it; the
 * creator may exit.
 *
 * Return: 0, or -errno: -EBUSY not OPEN or not the creator's fd, -ENOENT
 * the session ended.
 */
int cprhold_seal(int sfd);

/**
 * cprhold_finish() - end a claimed session (CPRHOLD_FINISH)
 * @sfd: the claimer's session fd
 *
 * CLAIMED -> FINISHED: the session is destroyed and its parked references
 * are dropped; fds already retrieved stay open.
 *
 * Return: 0, or -errno: -EBUSY this fd does not hold the current claim,
 * -ENOENT the session ended.
 */
int cprhold_finish(int sfd);

/**
 * cprhold_abort() - give a claimed session back (CPRHOLD_ABORT)
 * @sfd: the claimer's session fd
 *
 * CLAIMED -> SEALED, for a rollback to the old owner or another
 * successor.  The fd loses its claim for good.
 *
 * Return: 0, or -errno as cprhold_finish().
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
 * Return: 0, or -errno: -EINVAL NULL @e, -ENAMETOOLONG label too long.
 */
int cprhold_entry_init(struct cprhold_entry *e, int fd, uint64_t token,
		       const char *label, const void *addr);

/**
 * cprhold_park() - park a batch of fds in one call (CPRHOLD_PARK)
 * @sfd: the creator's session fd of an OPEN session
 * @entries: the entries (see cprhold_entry_init()); the kernel writes each
 *	entry's type, f_flags and type data back
 * @count: number of entries, at least 1
 *
 * All or nothing: on error no entry of the batch is parked.  The session
 * takes a reference on each file, as dup() would; the caller's fds stay
 * open and are the caller's to close.
 *
 * Return: 0, or -errno: -EINVAL (NULL @entries, @count 0, bad label or
 * address, a cprhold fd), -EBADF, -EEXIST token taken, -EBUSY not OPEN or
 * not the creator's fd, -ENOSPC over a limit, -EOPNOTSUPP, -ENOENT.
 */
int cprhold_park(int sfd, struct cprhold_entry *entries, unsigned int count);

/**
 * cprhold_park_one() - park one fd
 * @sfd: the creator's session fd
 * @fd: the fd to park
 * @token: its token
 * @label: NULL or its label
 * @addr: NULL, or where the caller maps the file
 * @out: NULL, or out: the entry as the kernel classified it
 *
 * cprhold_entry_init() and cprhold_park() of one entry.
 *
 * Return: 0, or -errno as those two.
 */
int cprhold_park_one(int sfd, int fd, uint64_t token, const char *label,
		     const void *addr, struct cprhold_entry *out);

/**
 * cprhold_list_entries() - one page of a session's entries (CPRHOLD_LIST)
 * @sfd: any session fd
 * @it: iterator, initialised before the first page
 * @entries: array for up to @max entries (fd is -1 in each)
 * @max: capacity of @entries, at least 1
 *
 * Entries come in token order, at most 64 per page; used as
 * cprhold_list_sessions().
 *
 * Return: the number of entries written, 0 when the listing is complete,
 * or -errno: -EINVAL (NULL pointer, @max 0).
 */
int cprhold_list_entries(int sfd, struct cprhold_iter *it,
			 struct cprhold_entry *entries, unsigned int max);

/**
 * cprhold_list_entries_all() - all entries of a session in one array
 * @sfd: any session fd
 * @entries: out: a malloc()ed array the caller frees, NULL if the session
 *	has no entries
 *
 * Return: the number of entries in *@entries, or -errno; *@entries is
 * NULL on error.
 */
int cprhold_list_entries_all(int sfd, struct cprhold_entry **entries);

/**
 * cprhold_find_entry() - look up one entry by token (CPRHOLD_LIST)
 * @sfd: any session fd
 * @token: the token
 * @entry: out: the entry (untouched on error)
 *
 * Return: 0, or -errno: -ENOENT no such token, -EINVAL NULL @entry.
 */
int cprhold_find_entry(int sfd, uint64_t token, struct cprhold_entry *entry);

/**
 * cprhold_retrieve() - new fds to parked files, in one call
 *	(CPRHOLD_RETRIEVE)
 * @sfd: the claimer's session fd
 * @tokens: @count tokens; a token may repeat (each gets its own fd)
 * @fds: out: @count fds, in the order of @tokens
 * @count: at least 1
 * @flags: CPRHOLD_RETRIEVE_* flags (the fds are close-on-exec unless
 *	CPRHOLD_RETRIEVE_NO_CLOEXEC)
 *
 * The fds refer to the very files the old owner parked.  Entries stay
 * parked until cprhold_finish(), so retrieving again after a crash works.
 * All or nothing: on error no new fd is left open.
 *
 * Return: 0, or -errno: -EINVAL (NULL pointer, @count 0), -EBUSY not the
 * current claim, -ENOENT unknown token or session ended, -EMFILE,
 * -ENOSPC, -EACCES refused by a security module, -EOPNOTSUPP.
 */
int cprhold_retrieve(int sfd, const uint64_t *tokens, int *fds,
		     unsigned int count, uint32_t flags);

/**
 * cprhold_retrieve_one() - a new fd to one parked file
 * @sfd: the claimer's session fd
 * @token: its token
 * @flags: CPRHOLD_RETRIEVE_* flags
 *
 * Return: the new fd, or -errno as cprhold_retrieve().
 */
int cprhold_retrieve_one(int sfd, uint64_t token, uint32_t flags);

/* ---- helpers for VMMs ---------------------------------------------- */

/**
 * cprhold_park_memfd() - create guest memory as a memfd, map it, park it
 * @sfd: the creator's session fd
 * @token: the entry's token
 * @label: NULL or the entry's label; also the memfd's name
 * @size: bytes, more than 0 (a multiple of the huge page size with
 *	CPRHOLD_MEMFD_HUGETLB)
 * @addr: NULL to let the kernel choose, or the page-aligned address to map
 *	at: the range must be free unless CPRHOLD_MEMFD_REPLACE
 * @flags: CPRHOLD_MEMFD_* flags
 * @out_addr: out: where the memory is mapped (MAP_SHARED, read-write)
 *
 * memfd_create() (close-on-exec), ftruncate() to @size, mmap() shared,
 * then park it with CPRHOLD_ENTRY_ADDR recording the mapping's address,
 * so that the successor can cprhold_map_fixed() it at the same address.
 * On error everything is undone (with CPRHOLD_MEMFD_REPLACE the range is
 * left reserved as inaccessible anonymous memory).
 *
 * Return: the memfd (the caller owns it and the mapping), or -errno:
 * -EINVAL (NULL @out_addr, @size 0, unaligned @addr, unknown flag),
 * -ENAMETOOLONG, -EEXIST the range at @addr is mapped already (or the
 * token is taken), -ENOMEM, or as cprhold_park().
 */
int cprhold_park_memfd(int sfd, uint64_t token, const char *label, size_t size,
		       void *addr, unsigned int flags, void **out_addr);

/**
 * cprhold_blob_store() - park an opaque state blob, sealed
 * @sfd: the creator's session fd
 * @token: the entry's token
 * @label: NULL or the entry's label
 * @data: the bytes (may be NULL if @len is 0)
 * @len: their number
 *
 * Writes the bytes to a new memfd, seals it with F_SEAL_WRITE,
 * F_SEAL_GROW, F_SEAL_SHRINK and F_SEAL_SEAL, so nobody can change it any
 * more, and parks it.  The library's memfd is closed again: the session
 * holds the only reference.
 *
 * Return: 0, or -errno: -EINVAL, -ENAMETOOLONG, -ENOMEM, or as
 * cprhold_park().
 */
int cprhold_blob_store(int sfd, uint64_t token, const char *label,
		       const void *data, size_t len);

/**
 * cprhold_blob_fetch() - a copy of a state blob
 * @sfd: the claimer's session fd
 * @token: the blob's token
 * @data: out: a malloc()ed copy the caller frees (NULL if the blob is
 *	empty)
 * @len: out: its size
 *
 * Retrieves the entry, checks that it carries all four seals of
 * cprhold_blob_store() (so its content cannot change under the reader)
 * and reads it.
 *
 * Return: 0, or -errno: -EMEDIUMTYPE the entry is not a memfd, -EPERM it
 * is not sealed, -EFBIG, -ENOMEM, or as cprhold_retrieve().
 */
int cprhold_blob_fetch(int sfd, uint64_t token, void **data, size_t *len);

/**
 * cprhold_blob_map() - a read-only mapping of a state blob
 * @sfd: the claimer's session fd
 * @token: the blob's token
 * @addr: out: the mapping (PROT_READ, MAP_SHARED; it cannot be made
 *	writable), NULL if the blob is empty; munmap(*@addr, *@len) it
 * @len: out: its size
 *
 * As cprhold_blob_fetch(), without a copy.
 *
 * Return: 0, or -errno as cprhold_blob_fetch().
 */
int cprhold_blob_map(int sfd, uint64_t token, const void **addr, size_t *len);

/**
 * cprhold_map_fixed() - map a parked file at the address the old owner
 *	recorded
 * @sfd: the claimer's session fd
 * @token: the entry's token; it must have been parked with an address
 * @prot: PROT_* of the mapping, usually PROT_READ | PROT_WRITE
 * @flags: CPRHOLD_RETRIEVE_* flags for the fd
 * @addr: out: the mapping's address, the recorded one
 * @len: NULL, or out: the mapping's length: the file's size as listed
 *
 * Looks the entry up (CPRHOLD_LIST) for its address and size, retrieves
 * it and maps it MAP_SHARED | MAP_FIXED_NOREPLACE at exactly that address,
 * so KVM memslots and VFIO DMA mappings keep their virtual addresses.  If
 * something is mapped there already the call fails with -EEXIST and maps
 * nothing; so it does if the kernel placed the mapping elsewhere (kernels
 * before 4.17 treat MAP_FIXED_NOREPLACE as a hint), which is unmapped.
 *
 * Return: the retrieved fd (the caller owns it and the mapping), or -errno:
 * -EEXIST the recorded range is already mapped in this process, -ENXIO
 * the entry has no recorded address, -EMEDIUMTYPE not a memory-backed
 * entry, -ENOENT no such token, -EINVAL (NULL @addr, size 0), -ENOMEM,
 * or as cprhold_retrieve().
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
 * Return: 0, or -EINVAL: NULL @secret or @buf, @len 0, or neither
 * CPRHOLD_SECRET_SIZE raw bytes nor 2 * CPRHOLD_SECRET_SIZE hexadecimal
 * digits between white space.
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
 * Return: 0, or -errno: open() or read()'s error (-ENOENT, -EACCES, ...),
 * -EFBIG the file is larger than CPRHOLD_SECRET_FILE_MAX, -EINVAL (NULL
 * argument, or not a secret).
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
 * buffer is wiped.
 *
 * Return: 0, or -errno: -EINVAL (NULL or empty @path, NULL @secret, @mode
 * beyond 0777), -ENAMETOOLONG (@path near PATH_MAX, or its last component
 * too long for the 7 more characters of the temporary name), -ENOMEM, or
 * the error of mkostemp(), fchmod(), write(), close() or rename() (e.g.
 * -EISDIR for a directory at @path); the temporary file is removed on
 * error.
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
 *
 * Return: a constant string (never NULL) that starts in lower case and has
 * no trailing period, to follow "operation: " in a message.
 */
const char *cprhold_strerror(int op, int err);

/**
 * cprhold_op_name() - the name of an operation
 * @op: an enum cprhold_lib_op
 *
 * Return: e.g. "claim", "park-memfd"; NULL for an unknown @op.
 */
const char *cprhold_op_name(int op);

/**
 * cprhold_entry_type_name() - the name of an entry type
 * @type: an enum cprhold_entry_type
 *
 * Return: the stable lowercase name ("memfd", "kvm_vcpu", "vfio_group",
 * ...: the enum's suffix), or NULL for a value this library does not know
 * (a newer kernel): print the number then.
 */
const char *cprhold_entry_type_name(uint32_t type);

/**
 * cprhold_state_name() - the name of a session state
 * @state: an enum cprhold_state
 *
 * Return: "open", "sealed", "claimed" or "finished"; NULL if unknown.
 */
const char *cprhold_state_name(uint32_t state);

/**
 * cprhold_end_name() - the name of a session's end reason
 * @reason: an enum cprhold_end
 *
 * Return: "none", "finished", "destroyed", "expired" or "closed"; NULL if
 * unknown.
 */
const char *cprhold_end_name(uint32_t reason);

/**
 * cprhold_event_name() - the name of a netlink event
 * @event: an enum cprhold_event
 *
 * Return: "created", "sealed", "claimed", "aborted", "finished",
 * "destroyed" or "expired"; NULL if unknown.
 */
const char *cprhold_event_name(uint32_t event);

/**
 * cprhold_version() - the library's version
 *
 * Return: "MAJOR.MINOR.PATCH" of the library actually loaded.
 */
const char *cprhold_version(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBCPRHOLD_H */
