// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_lib_strerror - cmocka unit tests of cprhold_strerror() and the name
 * functions: every (operation, errno) pair documented in
 * Documentation/userspace-api/cprhold.rst has a message of its own, the
 * generic fallbacks work, and the names the CLI and JSON output rely on
 * are the stable ones.
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "libcprhold.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define LAST_OP CPRHOLD_OP_MAP_FIXED

/* The errno tables of cprhold.rst, plus the library's own errors. */
static const struct {
	int op;
	int err;
} documented[] = {
	{ CPRHOLD_OP_OPEN, ENOENT }, { CPRHOLD_OP_OPEN, EACCES },
	{ CPRHOLD_OP_OPEN, ENXIO }, { CPRHOLD_OP_OPEN, EINVAL },

	{ CPRHOLD_OP_CREATE, EINVAL }, { CPRHOLD_OP_CREATE, EOPNOTSUPP },
	{ CPRHOLD_OP_CREATE, EBADF }, { CPRHOLD_OP_CREATE, EEXIST },
	{ CPRHOLD_OP_CREATE, ENOSPC }, { CPRHOLD_OP_CREATE, EMFILE },
	{ CPRHOLD_OP_CREATE, E2BIG }, { CPRHOLD_OP_CREATE, EFAULT },
	{ CPRHOLD_OP_CREATE, ENAMETOOLONG },

	{ CPRHOLD_OP_CLAIM, ENOENT }, { CPRHOLD_OP_CLAIM, EACCES },
	{ CPRHOLD_OP_CLAIM, EBUSY }, { CPRHOLD_OP_CLAIM, EINVAL },
	{ CPRHOLD_OP_CLAIM, EOPNOTSUPP }, { CPRHOLD_OP_CLAIM, EMFILE },
	{ CPRHOLD_OP_CLAIM, ENAMETOOLONG },

	{ CPRHOLD_OP_DESTROY, ENOENT }, { CPRHOLD_OP_DESTROY, EACCES },
	{ CPRHOLD_OP_DESTROY, EINVAL }, { CPRHOLD_OP_DESTROY, EOPNOTSUPP },

	{ CPRHOLD_OP_LIST_SESSIONS, EINVAL }, { CPRHOLD_OP_LIST_SESSIONS, EOPNOTSUPP },
	{ CPRHOLD_OP_LIST_SESSIONS, EFAULT },

	{ CPRHOLD_OP_PARK, EBADF }, { CPRHOLD_OP_PARK, EINVAL },
	{ CPRHOLD_OP_PARK, EEXIST }, { CPRHOLD_OP_PARK, EBUSY },
	{ CPRHOLD_OP_PARK, ENOENT }, { CPRHOLD_OP_PARK, ENOSPC },
	{ CPRHOLD_OP_PARK, EOPNOTSUPP }, { CPRHOLD_OP_PARK, E2BIG },
	{ CPRHOLD_OP_PARK, EFAULT }, { CPRHOLD_OP_PARK, ENAMETOOLONG },
	{ CPRHOLD_OP_PARK, EOVERFLOW },

	{ CPRHOLD_OP_LIST, EINVAL }, { CPRHOLD_OP_LIST, E2BIG },
	{ CPRHOLD_OP_LIST, EOPNOTSUPP }, { CPRHOLD_OP_LIST, EFAULT },
	{ CPRHOLD_OP_LIST, ENOENT },

	{ CPRHOLD_OP_INFO, ENOTTY },

	{ CPRHOLD_OP_SEAL, EBUSY }, { CPRHOLD_OP_SEAL, ENOENT },
	{ CPRHOLD_OP_SEAL, EOPNOTSUPP },
	{ CPRHOLD_OP_FINISH, EBUSY }, { CPRHOLD_OP_FINISH, ENOENT },
	{ CPRHOLD_OP_FINISH, EOPNOTSUPP },
	{ CPRHOLD_OP_ABORT, EBUSY }, { CPRHOLD_OP_ABORT, ENOENT },
	{ CPRHOLD_OP_ABORT, EOPNOTSUPP },

	{ CPRHOLD_OP_RETRIEVE, EBUSY }, { CPRHOLD_OP_RETRIEVE, ENOENT },
	{ CPRHOLD_OP_RETRIEVE, EINVAL }, { CPRHOLD_OP_RETRIEVE, ENOSPC },
	{ CPRHOLD_OP_RETRIEVE, EMFILE }, { CPRHOLD_OP_RETRIEVE, EACCES },
	{ CPRHOLD_OP_RETRIEVE, EOPNOTSUPP }, { CPRHOLD_OP_RETRIEVE, EFAULT },
	{ CPRHOLD_OP_RETRIEVE, EOVERFLOW },
	/* "KVM VM adoption" (CPRHOLD_RETRIEVE_ADOPT_KVM) */
	{ CPRHOLD_OP_RETRIEVE, ENXIO }, { CPRHOLD_OP_RETRIEVE, EIO },
	{ CPRHOLD_OP_RETRIEVE, EINTR },

	{ CPRHOLD_OP_PARK_MEMFD, EEXIST }, { CPRHOLD_OP_PARK_MEMFD, EINVAL },
	{ CPRHOLD_OP_PARK_MEMFD, ENOMEM }, { CPRHOLD_OP_PARK_MEMFD, ENAMETOOLONG },
	{ CPRHOLD_OP_BLOB_STORE, EEXIST }, { CPRHOLD_OP_BLOB_STORE, EINVAL },
	{ CPRHOLD_OP_BLOB_FETCH, EPERM }, { CPRHOLD_OP_BLOB_FETCH, EMEDIUMTYPE },
	{ CPRHOLD_OP_BLOB_FETCH, ENOENT }, { CPRHOLD_OP_BLOB_FETCH, EBUSY },
	{ CPRHOLD_OP_MAP_FIXED, EEXIST }, { CPRHOLD_OP_MAP_FIXED, ENXIO },
	{ CPRHOLD_OP_MAP_FIXED, EMEDIUMTYPE }, { CPRHOLD_OP_MAP_FIXED, ENOENT },
	{ CPRHOLD_OP_MAP_FIXED, EBUSY }, { CPRHOLD_OP_MAP_FIXED, EINVAL },
	{ CPRHOLD_OP_MAP_FIXED, ENOMEM },
};

static void test_documented_pairs_are_specific(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(documented); i++) {
		const char *specific = cprhold_strerror(documented[i].op, documented[i].err);
		const char *generic = cprhold_strerror(CPRHOLD_OP_NONE, documented[i].err);

		assert_non_null(specific);
		if (specific == generic || !strcmp(specific, generic) ||
		    !strcmp(specific, "unexpected error"))
			fail_msg("%s/%s has no message of its own: \"%s\"",
				 cprhold_op_name(documented[i].op),
				 strerrorname_np(documented[i].err), specific);
	}
}

static void test_known_messages(void **state)
{
	(void)state;
	assert_string_equal(cprhold_strerror(CPRHOLD_OP_CLAIM, -EBUSY),
			    "session is not sealed yet or already claimed");
	assert_string_equal(cprhold_strerror(CPRHOLD_OP_MAP_FIXED, -EEXIST),
			    "the recorded address range is already mapped in this process");
	/* Context: the same errno means different things per operation. */
	assert_non_null(strstr(cprhold_strerror(CPRHOLD_OP_CREATE, -EEXIST), "name"));
	assert_non_null(strstr(cprhold_strerror(CPRHOLD_OP_PARK, -EEXIST), "token"));
	assert_non_null(strstr(cprhold_strerror(CPRHOLD_OP_CLAIM, -EACCES), "secret"));
	assert_non_null(strstr(cprhold_strerror(CPRHOLD_OP_DESTROY, -EACCES), "CAP_SYS_ADMIN"));
	assert_non_null(strstr(cprhold_strerror(CPRHOLD_OP_OPEN, -ENOENT), "modprobe cprhold"));
	assert_non_null(strstr(cprhold_strerror(CPRHOLD_OP_OPEN, -EACCES), "kvm"));
	assert_non_null(strstr(cprhold_strerror(CPRHOLD_OP_PARK, -ENOSPC),
			       "max_entries_per_session"));
	assert_non_null(strstr(cprhold_strerror(CPRHOLD_OP_CREATE, -ENOSPC),
			       "max_sessions_per_user"));
	assert_non_null(strstr(cprhold_strerror(CPRHOLD_OP_BLOB_FETCH, -EPERM), "F_SEAL_WRITE"));
	assert_non_null(strstr(cprhold_strerror(CPRHOLD_OP_SEAL, -EBUSY), "creator"));
	assert_non_null(strstr(cprhold_strerror(CPRHOLD_OP_RETRIEVE, -EBUSY), "claim"));
	assert_non_null(strstr(cprhold_strerror(CPRHOLD_OP_RETRIEVE, -ENXIO), "cprhold_map_fixed"));
}

static void test_sign_and_fallbacks(void **state)
{
	(void)state;
	/* -errno and errno give the same text. */
	assert_ptr_equal(cprhold_strerror(CPRHOLD_OP_CLAIM, EBUSY),
			 cprhold_strerror(CPRHOLD_OP_CLAIM, -EBUSY));
	assert_string_equal(cprhold_strerror(CPRHOLD_OP_CLAIM, 0), "success");
	/* A pair without its own text falls back to the errno's. */
	assert_string_equal(cprhold_strerror(CPRHOLD_OP_INFO, -EBUSY),
			    cprhold_strerror(CPRHOLD_OP_NONE, EBUSY));
	assert_string_equal(cprhold_strerror(CPRHOLD_OP_INFO, -ENOTTY), "not a cprhold session fd");
	assert_non_null(strstr(cprhold_strerror(CPRHOLD_OP_NONE, ENOTTY), "cprhold"));
	/* cprhold_wait()'s timeout; a memfd without huge pages is ENOMEM */
	assert_string_equal(cprhold_strerror(CPRHOLD_OP_INFO, -ETIMEDOUT),
			    "timed out waiting for the session");
	assert_non_null(strstr(cprhold_strerror(CPRHOLD_OP_PARK_MEMFD, -ENOMEM),
			       "huge pages"));
	assert_null(strstr(cprhold_strerror(CPRHOLD_OP_PARK_MEMFD, -ENOSPC),
			   "huge pages"));
	/* Unknown operations and errnos. */
	assert_string_equal(cprhold_strerror(1000, -EBUSY), cprhold_strerror(0, -EBUSY));
	assert_string_equal(cprhold_strerror(-3, -EBUSY), cprhold_strerror(0, -EBUSY));
	assert_string_equal(cprhold_strerror(CPRHOLD_OP_CLAIM, -ECHILD), "unexpected error");
	assert_string_equal(cprhold_strerror(CPRHOLD_OP_CLAIM, 100000), "unexpected error");
}

/* Every message fits after "operation: ": lower case start, no period. */
static void test_message_shape(void **state)
{
	int op, err;

	(void)state;
	for (op = CPRHOLD_OP_NONE; op <= LAST_OP + 1; op++)
		for (err = 1; err < 140; err++) {
			const char *m = cprhold_strerror(op, -err);
			size_t len;

			assert_non_null(m);
			len = strlen(m);
			assert_true(len > 0);
			if (m[len - 1] == '.' || isupper((unsigned char)m[0]) || m[len - 1] == ' ')
				fail_msg("op %d errno %d: badly shaped \"%s\"", op, err, m);
		}
}

static void test_op_names(void **state)
{
	int op;

	(void)state;
	assert_string_equal(cprhold_op_name(CPRHOLD_OP_CLAIM), "claim");
	assert_string_equal(cprhold_op_name(CPRHOLD_OP_LIST_SESSIONS), "list-sessions");
	assert_string_equal(cprhold_op_name(CPRHOLD_OP_MAP_FIXED), "map-fixed");
	for (op = CPRHOLD_OP_NONE; op <= LAST_OP; op++)
		assert_non_null(cprhold_op_name(op));
	assert_null(cprhold_op_name(LAST_OP + 1));
	assert_null(cprhold_op_name(-1));
}

static void check_names(const char *(*fn)(uint32_t), uint32_t first, uint32_t last,
			const char *const *want)
{
	uint32_t v, w;

	for (v = first; v <= last; v++) {
		const char *n = fn(v);
		const char *c;

		assert_non_null(n);
		assert_string_equal(n, want[v - first]);
		for (c = n; *c; c++)
			assert_true(islower((unsigned char)*c) || *c == '_');
		for (w = first; w < v; w++)
			assert_string_not_equal(fn(w), n);
	}
	if (first)
		assert_null(fn(first - 1));
	assert_null(fn(last + 1));
	assert_null(fn(UINT32_MAX));
}

static void test_entry_type_names(void **state)
{
	static const char *const want[] = {
		"other", "memfd", "shmem", "hugetlbfs", "kvm_vm", "kvm_vcpu",
		"kvm_device", "vfio_container", "vfio_group", "vfio_device",
		"iommufd", "eventfd", "socket", "pipe", "tun", "vhost", "tty",
		"chardev", "regular",
	};

	(void)state;
	assert_int_equal(ARRAY_SIZE(want), CPRHOLD_ENTRY_REGULAR + 1);
	check_names(cprhold_entry_type_name, CPRHOLD_ENTRY_OTHER, CPRHOLD_ENTRY_REGULAR, want);
	assert_string_equal(cprhold_entry_type_name(CPRHOLD_ENTRY_KVM_VCPU), "kvm_vcpu");
}

static void test_state_names(void **state)
{
	static const char *const want[] = { "open", "sealed", "claimed", "finished" };

	(void)state;
	check_names(cprhold_state_name, CPRHOLD_STATE_OPEN, CPRHOLD_STATE_FINISHED, want);
}

static void test_end_names(void **state)
{
	static const char *const want[] = {
		"none", "finished", "destroyed", "expired", "closed",
	};

	(void)state;
	check_names(cprhold_end_name, CPRHOLD_END_NONE, CPRHOLD_END_CLOSED, want);
}

static void test_event_names(void **state)
{
	static const char *const want[] = {
		"created", "sealed", "claimed", "aborted", "finished", "destroyed", "expired",
	};

	(void)state;
	check_names(cprhold_event_name, CPRHOLD_EVENT_CREATED, CPRHOLD_EVENT_EXPIRED, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documented_pairs_are_specific),
		cmocka_unit_test(test_known_messages),
		cmocka_unit_test(test_sign_and_fallbacks),
		cmocka_unit_test(test_message_shape),
		cmocka_unit_test(test_op_names),
		cmocka_unit_test(test_entry_type_names),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_end_names),
		cmocka_unit_test(test_event_names),
	};

	return cmocka_run_group_tests_name("libcprhold-strerror", tests, NULL, NULL);
}
