// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka unit tests of cprholdctl's pure logic: JSON escaping and writing,
 * human units and times, tables, secret files, LISTEN_FDNAMES and the fd
 * renumbering plan (simulated, and applied to real fds in a child), the
 * decoding of netlink messages (built with libnl) and the printing of
 * sessions, entries and events.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "fdplan.h"
#include "fmt.h"
#include "json.h"
#include "nl.h"
#include "print.h"
#include "secret.h"
#include "table.h"

/* ---- output capture -------------------------------------------------- */

struct cap {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *cap_open(struct cap *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	return c->f;
}

/* Close the stream; the caller frees the returned text. */
static char *cap_close(struct cap *c)
{
	fclose(c->f);
	return c->buf;
}

static void assert_escape(const char *in, const char *want)
{
	struct cap c;
	char *out;

	json_escape(cap_open(&c), in);
	out = cap_close(&c);
	assert_string_equal(out, want);
	free(out);
}

/* ---- JSON -------------------------------------------------------------- */

static void test_json_escape_ascii(void **state)
{
	(void)state;
	assert_escape("", "\"\"");
	assert_escape("vm-1", "\"vm-1\"");
	assert_escape("a\"b\\c", "\"a\\\"b\\\\c\"");
	assert_escape("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"");
	assert_escape("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	assert_escape("/<>'", "\"/<>'\"");
}

static void test_json_escape_utf8(void **state)
{
	(void)state;
	/* Valid sequences pass through: é, €, U+1F600. */
	assert_escape("\xc3\xa9", "\"\xc3\xa9\"");
	assert_escape("\xe2\x82\xac", "\"\xe2\x82\xac\"");
	assert_escape("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
	/* Invalid bytes become U+FFFD, one per byte that starts nothing valid. */
	assert_escape("a\xff" "b", "\"a\\ufffdb\"");
	assert_escape("\xc0\x80", "\"\\ufffd\\ufffd\"");		/* overlong NUL */
	assert_escape("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	assert_escape("\xe2\x82", "\"\\ufffd\\ufffd\"");		/* truncated */
	assert_escape("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
	assert_escape("\x80", "\"\\ufffd\"");
}

static void test_json_compact(void **state)
{
	struct json j;
	struct cap c;
	char *out;

	(void)state;
	json_init(&j, cap_open(&c), false);
	json_obj_begin(&j, NULL);
	json_str(&j, "name", "x");
	json_u64(&j, "big", UINT64_MAX);
	json_i64(&j, "neg", -5);
	json_bool(&j, "t", true);
	json_bool(&j, "f", false);
	json_null(&j, "n");
	json_str(&j, "s", NULL);
	json_arr_begin(&j, "empty");
	json_arr_end(&j);
	json_obj_begin(&j, "o");
	json_obj_end(&j);
	json_arr_begin(&j, "a");
	json_u64(&j, NULL, 1);
	json_str(&j, NULL, "two");
	json_obj_begin(&j, NULL);
	json_u64(&j, "k", 3);
	json_obj_end(&j);
	json_arr_end(&j);
	json_obj_end(&j);
	json_doc_end(&j);
	out = cap_close(&c);
	assert_string_equal(out,
		"{\"name\":\"x\",\"big\":18446744073709551615,\"neg\":-5,\"t\":true,"
		"\"f\":false,\"n\":null,\"s\":null,\"empty\":[],\"o\":{},"
		"\"a\":[1,\"two\",{\"k\":3}]}\n");
	free(out);
}

static void test_json_pretty(void **state)
{
	struct json j;
	struct cap c;
	char *out;

	(void)state;
	json_init(&j, cap_open(&c), true);
	json_arr_begin(&j, NULL);
	json_obj_begin(&j, NULL);
	json_str(&j, "name", "a");
	json_arr_begin(&j, "flags");
	json_str(&j, NULL, "x");
	json_arr_end(&j);
	json_arr_begin(&j, "none");
	json_arr_end(&j);
	json_obj_end(&j);
	json_arr_end(&j);
	json_doc_end(&j);
	out = cap_close(&c);
	assert_string_equal(out,
		"[\n"
		"  {\n"
		"    \"name\": \"a\",\n"
		"    \"flags\": [\n"
		"      \"x\"\n"
		"    ],\n"
		"    \"none\": []\n"
		"  }\n"
		"]\n");
	free(out);
}

static void test_json_stream(void **state)
{
	struct json j;
	struct cap c;
	char *out;
	int i;

	(void)state;
	/* One document per line, even without json_doc_end() between them. */
	json_init(&j, cap_open(&c), false);
	for (i = 0; i < 2; i++) {
		json_obj_begin(&j, NULL);
		json_u64(&j, "i", (uint64_t)i);
		json_obj_end(&j);
		json_doc_end(&j);
	}
	json_obj_begin(&j, NULL);
	json_obj_end(&j);
	json_obj_begin(&j, NULL);
	json_obj_end(&j);
	json_doc_end(&j);
	out = cap_close(&c);
	assert_string_equal(out, "{\"i\":0}\n{\"i\":1}\n{}\n{}\n");
	free(out);
}

static void test_json_depth_limit(void **state)
{
	struct json j;
	struct cap c;
	char *out;
	int i;

	(void)state;
	json_init(&j, cap_open(&c), false);
	for (i = 0; i < JSON_MAX_DEPTH + 4; i++)
		json_arr_begin(&j, NULL);
	json_u64(&j, NULL, 1);
	for (i = 0; i < JSON_MAX_DEPTH + 4; i++)
		json_arr_end(&j);
	out = cap_close(&c);
	/* Exactly JSON_MAX_DEPTH balanced levels, the rest dropped. */
	assert_int_equal(strlen(out), 2 * JSON_MAX_DEPTH);
	for (i = 0; i < JSON_MAX_DEPTH; i++) {
		assert_int_equal(out[i], '[');
		assert_int_equal(out[2 * JSON_MAX_DEPTH - 1 - i], ']');
	}
	free(out);
}

/* ---- formatting -------------------------------------------------------- */

static void assert_bytes(uint64_t v, const char *want)
{
	char buf[FMT_BUF];

	assert_string_equal(fmt_bytes(buf, sizeof(buf), v), want);
}

static void test_fmt_bytes(void **state)
{
	(void)state;
	assert_bytes(0, "0B");
	assert_bytes(1, "1B");
	assert_bytes(1023, "1023B");
	assert_bytes(1024, "1KiB");
	assert_bytes(1536, "1.5KiB");
	assert_bytes(1126, "1.1KiB");		/* 1.0996 rounds to 1.1 */
	assert_bytes(1075, "1KiB");		/* 1.0498 rounds to 1.0 */
	assert_bytes(4096, "4KiB");
	assert_bytes(1048575, "1MiB");		/* 1023.999KiB rounds up a unit */
	assert_bytes(1048576, "1MiB");
	assert_bytes(3ull << 20, "3MiB");
	assert_bytes((3ull << 30) + (1ull << 29), "3.5GiB");
	assert_bytes(2ull << 40, "2TiB");
	assert_bytes(1ull << 60, "1EiB");
	assert_bytes(UINT64_MAX, "16EiB");
}

static void assert_duration(uint64_t ns, const char *want)
{
	char buf[FMT_BUF];

	assert_string_equal(fmt_duration(buf, sizeof(buf), ns), want);
}

static void test_fmt_duration(void **state)
{
	const uint64_t s = 1000000000ull;

	(void)state;
	assert_duration(0, "0s");
	assert_duration(999, "0ms");
	assert_duration(250000000ull, "250ms");
	assert_duration(s, "1s");
	assert_duration(45 * s + 999999999ull, "45s");
	assert_duration(60 * s, "1m00s");
	assert_duration(5 * 60 * s + 2 * s, "5m02s");
	assert_duration(3 * 3600 * s + 7 * 60 * s + 59 * s, "3h07m");
	assert_duration(2 * 86400 * s + 4 * 3600 * s, "2d04h");
	assert_duration(400 * 86400 * s, "400d00h");
}

static void test_fmt_time_iso(void **state)
{
	char buf[FMT_BUF];

	(void)state;
	assert_string_equal(fmt_time_iso(buf, sizeof(buf), 0, 0),
			    "1970-01-01T00:00:00Z");
	assert_string_equal(fmt_time_iso(buf, sizeof(buf), 1700000000123456789ull, 0),
			    "2023-11-14T22:13:20Z");
	assert_string_equal(fmt_time_iso(buf, sizeof(buf), 1700000000123456789ull, 3),
			    "2023-11-14T22:13:20.123Z");
	assert_string_equal(fmt_time_iso(buf, sizeof(buf), 1700000000123456789ull, 6),
			    "2023-11-14T22:13:20.123456Z");
	assert_string_equal(fmt_time_iso(buf, sizeof(buf), 1700000000000000005ull, 9),
			    "2023-11-14T22:13:20.000000005Z");
	/* Leap day. */
	assert_string_equal(fmt_time_iso(buf, sizeof(buf), 1709164800ull * 1000000000ull, 0),
			    "2024-02-29T00:00:00Z");
}

static void test_fmt_flags(void **state)
{
	char buf[FMT_BUF];

	(void)state;
	assert_string_equal(fmt_flags(buf, sizeof(buf), 0, fmt_seals, ",", "-"), "-");
	assert_string_equal(fmt_flags(buf, sizeof(buf), 0x6, fmt_seals, ",", "-"),
			    "shrink,grow");
	assert_string_equal(fmt_flags(buf, sizeof(buf), 0xf, fmt_seals, "|", ""),
			    "seal|shrink|grow|write");
	assert_string_equal(fmt_flags(buf, sizeof(buf), 0x1c0 | 0x2, fmt_seals, ",", "-"),
			    "shrink,0x1c0");
	assert_string_equal(fmt_flags(buf, sizeof(buf), CPRHOLD_CREATE_SAME_KUID |
				      CPRHOLD_CREATE_USERNS, fmt_create_flags, ",", "-"),
			    "same_kuid,userns");
	/* Truncation keeps a NUL-terminated prefix. */
	assert_string_equal(fmt_flags(buf, 6, 0x6, fmt_seals, ",", "-"), "shrin");
}

static void test_fmt_fflags(void **state)
{
	char buf[FMT_BUF];

	(void)state;
	assert_string_equal(fmt_fflags(buf, sizeof(buf), O_RDWR | 0100000), "rw");
	assert_string_equal(fmt_fflags(buf, sizeof(buf), O_RDONLY), "r");
	assert_string_equal(fmt_fflags(buf, sizeof(buf), O_WRONLY | O_APPEND), "w,append");
	assert_string_equal(fmt_fflags(buf, sizeof(buf), O_RDWR | O_NONBLOCK | O_CLOEXEC),
			    "rw,nonblock");
	/* O_SYNC contains O_DSYNC: shown once, as "sync". */
	assert_string_equal(fmt_fflags(buf, sizeof(buf), O_RDWR | O_SYNC), "rw,sync");
	assert_string_equal(fmt_fflags(buf, sizeof(buf), O_RDWR | O_DSYNC), "rw,dsync");
	assert_string_equal(fmt_fflags(buf, sizeof(buf), O_ACCMODE), "-");
	assert_string_equal(fmt_access(O_WRONLY), "w");
}

static void test_fmt_names(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(fmt_enum(buf, sizeof(buf), "sealed", 2), "sealed");
	assert_string_equal(fmt_enum(buf, sizeof(buf), NULL, 42), "42");
	assert_string_equal(fmt_sock_family(1), "unix");
	assert_string_equal(fmt_sock_family(10), "inet6");
	assert_null(fmt_sock_family(250));
	assert_string_equal(fmt_sock_type(2), "dgram");
	assert_string_equal(fmt_sock_type(5), "seqpacket");
	assert_null(fmt_sock_type(99));
}

/* ---- tables -------------------------------------------------------------- */

static void test_table(void **state)
{
	static const char *const hdr[] = { "NAME", "N", "LAST" };
	const char *r1[] = { "a", "5", "x y" };
	const char *r2[] = { "longer", "123", NULL };
	struct table t;
	struct cap c;
	char *out;

	(void)state;
	table_init(&t, 3, hdr, "lrl");
	table_row(&t, r1);
	table_row(&t, r2);
	assert_int_equal(table_print(&t, cap_open(&c)), 0);
	table_free(&t);
	out = cap_close(&c);
	assert_string_equal(out,
		"NAME      N  LAST\n"
		"a         5  x y\n"
		"longer  123  -\n");
	free(out);
}

/* ---- secret files -------------------------------------------------------- */

static const char hex64[] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

static void want_seq(const uint8_t *s)
{
	int i;

	for (i = 0; i < CPRHOLD_SECRET_SIZE; i++)
		assert_int_equal(s[i], i);
}

/*
 * The formats themselves are libcprhold's (its own tests); here what
 * cprholdctl makes of them: the messages of "run --secret-file" and the
 * hex form it prints.
 */
static char *tmpfile_with(const void *data, size_t len)
{
	char *path = strdup("/tmp/test_ctl_secret.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_secret_file(void **state)
{
	uint8_t out[CPRHOLD_SECRET_SIZE], hexout[2 * CPRHOLD_SECRET_SIZE + 1];
	char big[CPRHOLD_SECRET_FILE_MAX + 10], why[128], *p;

	(void)state;
	p = tmpfile_with(hex64, 64);
	assert_int_equal(cprhold_secret_read(p, out), 0);
	want_seq(out);
	secret_to_hex(out, (char *)hexout);
	assert_string_equal((char *)hexout, hex64);
	unlink(p);
	free(p);

	p = tmpfile_with("not a secret\n", 13);
	assert_int_equal(cprhold_secret_read(p, out), -EINVAL);
	assert_string_equal(secret_error(-EINVAL, p, why, sizeof(why)),
			    "expected 32 raw bytes or 64 hexadecimal characters, "
			    "found 13 bytes");
	unlink(p);
	free(p);
	/* 32 raw bytes and a newline, the likeliest mistake */
	memset(big, 7, 33);
	big[32] = '\n';
	p = tmpfile_with(big, 33);
	assert_int_equal(cprhold_secret_read(p, out), -EINVAL);
	assert_non_null(strstr(secret_error(-EINVAL, p, why, sizeof(why)),
			       "found 33 bytes"));
	unlink(p);
	free(p);
	/* stdin or a pipe: no size to tell */
	assert_string_equal(secret_error(-EINVAL, "/dev/null", why, sizeof(why)),
			    "expected 32 raw bytes or 64 hexadecimal characters");

	memset(big, 'a', sizeof(big));
	p = tmpfile_with(big, sizeof(big));
	assert_int_equal(cprhold_secret_read(p, out), -EFBIG);
	unlink(p);
	free(p);
	assert_string_equal(secret_error(-EFBIG, NULL, why, sizeof(why)),
			    "larger than 4096 bytes: not a secret file");

	assert_int_equal(cprhold_secret_read("/nonexistent/secret", out), -ENOENT);
	assert_string_equal(secret_error(-ENOENT, NULL, why, sizeof(why)),
			    strerror(ENOENT));
}

/* ---- LISTEN_FDNAMES and the fd plan ------------------------------------- */

static void test_fd_names(void **state)
{
	const char *labels[] = { "ram0", "", NULL, "irq:0", "x" };
	char buf[64];

	(void)state;
	assert_int_equal(fd_names_build(labels, 5, buf, sizeof(buf)),
			 strlen("ram0:unknown:unknown:irq_0:x"));
	assert_string_equal(buf, "ram0:unknown:unknown:irq_0:x");
	assert_int_equal(fd_names_build(labels, 1, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "ram0");
	assert_int_equal(fd_names_build(labels, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* Truncated like snprintf: the full length, a terminated prefix. */
	assert_int_equal(fd_names_build(labels, 2, buf, 7), strlen("ram0:unknown"));
	assert_string_equal(buf, "ram0:u");
	assert_int_equal(fd_names_build(labels, 2, NULL, 0), strlen("ram0:unknown"));
}

#define SIM_FDS 256

/*
 * Run a plan on a model fd table where fd src[i] holds file i (close-on-
 * exec) and check the result: fd base + i holds file i without CLOEXEC.
 */
static void simulate(const int *src, size_t n, int base)
{
	int file[SIM_FDS], cloexec[SIM_FDS];
	struct fd_op ops[FD_PLAN_MAX_OPS(SIM_FDS)];
	int nops, i;

	for (i = 0; i < SIM_FDS; i++)
		file[i] = -1;
	for (i = 0; i < (int)n; i++) {
		file[src[i]] = i;
		cloexec[src[i]] = 1;
	}
	nops = fd_plan(src, n, base, ops);
	assert_true(nops >= (int)n);
	assert_true(nops <= FD_PLAN_MAX_OPS((int)n));
	for (i = 0; i < nops; i++) {
		assert_true(ops[i].to >= 0 && ops[i].to < SIM_FDS);
		assert_true(ops[i].from >= 0 && ops[i].from < SIM_FDS);
		assert_int_not_equal(file[ops[i].from], -1);	/* source open */
		if (ops[i].kind == FD_OP_KEEP) {
			assert_int_equal(ops[i].from, ops[i].to);
			cloexec[ops[i].to] = 0;
		} else {
			assert_int_equal(ops[i].kind, FD_OP_DUP2);
			assert_int_not_equal(ops[i].from, ops[i].to);
			file[ops[i].to] = file[ops[i].from];
			cloexec[ops[i].to] = 0;
		}
	}
	for (i = 0; i < (int)n; i++) {
		assert_int_equal(file[base + i], i);
		assert_int_equal(cloexec[base + i], 0);
	}
}

static void test_fd_plan_cases(void **state)
{
	struct fd_op ops[8];
	const int in_place[] = { 3, 4, 5 };
	const int swap[] = { 4, 3 };
	const int cycle3[] = { 4, 5, 3 };
	const int above[] = { 10, 11, 12 };
	const int chain[] = { 5, 3 };
	const int mixed[] = { 3, 7, 4, 0 };
	const int dup[] = { 5, 5 };
	const int neg[] = { 4, -1 };

	(void)state;
	/* Already in place: only CLOEXEC cleared. */
	assert_int_equal(fd_plan(in_place, 3, 3, ops), 3);
	assert_int_equal(ops[0].kind, FD_OP_KEEP);
	assert_int_equal(ops[2].to, 5);
	simulate(in_place, 3, 3);
	/* A swap needs the scratch fd: 3 steps. */
	assert_int_equal(fd_plan(swap, 2, 3, ops), 3);
	simulate(swap, 2, 3);
	simulate(cycle3, 3, 3);
	simulate(above, 3, 3);
	/* 3 -> 4 must come before 5 -> 3. */
	assert_int_equal(fd_plan(chain, 2, 3, ops), 2);
	assert_int_equal(ops[0].from, 3);
	assert_int_equal(ops[0].to, 4);
	assert_int_equal(ops[1].from, 5);
	assert_int_equal(ops[1].to, 3);
	simulate(chain, 2, 3);
	simulate(mixed, 4, 3);
	assert_int_equal(fd_plan(NULL, 0, 3, ops), 0);
	assert_int_equal(fd_plan(dup, 2, 3, ops), -EINVAL);
	assert_int_equal(fd_plan(neg, 2, 3, ops), -EINVAL);
	assert_int_equal(fd_plan(in_place, 3, -1, ops), -EINVAL);
}

static void test_fd_plan_random(void **state)
{
	int src[64], pool[200], iter;

	(void)state;
	srand(12345);
	for (iter = 0; iter < 3000; iter++) {
		int n = rand() % 64, range = n + 3 + rand() % 60, i;

		if (range > 200)
			range = 200;
		/* n distinct fds out of [0, range): a partial shuffle. */
		for (i = 0; i < range; i++)
			pool[i] = i;
		for (i = 0; i < n; i++) {
			int k = i + rand() % (range - i), t = pool[i];

			pool[i] = pool[k];
			pool[k] = t;
			src[i] = pool[i];
		}
		simulate(src, (size_t)n, 3);
	}
}

/* The plan on real fds, in a child: fds 3 and 4 swapped, 5 from above. */
static void test_fd_plan_apply_real(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct stat want[3], got;
		struct fd_op ops[FD_PLAN_MAX_OPS(3)];
		int p[3][2], src[3], i, nops;

		/* Free 3..40 so the layout below is ours to make. */
		for (i = 3; i < 40; i++)
			close(i);
		for (i = 0; i < 3; i++)
			if (pipe2(p[i], O_CLOEXEC))
				_exit(10);
		/* Files A, B, C at fds 30, 31, 32, then A at 4, B at 3, C at 20. */
		for (i = 0; i < 3; i++)
			if (dup3(p[i][0], 30 + i, O_CLOEXEC) < 0)
				_exit(11);
		for (i = 3; i < 30; i++)
			close(i);
		if (dup3(30, 4, O_CLOEXEC) < 0 || dup3(31, 3, O_CLOEXEC) < 0 ||
		    dup3(32, 20, O_CLOEXEC) < 0)
			_exit(12);
		close(30);
		close(31);
		close(32);
		src[0] = 4;
		src[1] = 3;
		src[2] = 20;
		for (i = 0; i < 3; i++)
			if (fstat(src[i], &want[i]))
				_exit(13);
		nops = fd_plan(src, 3, 3, ops);
		if (nops < 0 || fd_plan_apply(ops, nops))
			_exit(14);
		for (i = 0; i < 3; i++) {
			if (fstat(3 + i, &got) || got.st_ino != want[i].st_ino)
				_exit(20 + i);
			if (fcntl(3 + i, F_GETFD) != 0)
				_exit(30 + i);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- netlink decoding ------------------------------------------------------ */

static struct nl_msg *genl_msg(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	assert_non_null(m);
	assert_non_null(genlmsg_put(m, 0, 0, 0x20, 0, 0, cmd, CPRHOLD_GENL_VERSION));
	return m;
}

static void test_nl_parse_session(void **state)
{
	struct ctl_session s;
	struct nl_msg *m;

	(void)state;
	m = genl_msg(CPRHOLD_NL_CMD_EVENT);
	nla_put_u32(m, CPRHOLD_NL_A_EVENT, CPRHOLD_EVENT_CLAIMED);
	nla_put_string(m, CPRHOLD_NL_A_NAME, "vm-1");
	nla_put_u64(m, CPRHOLD_NL_A_ID, 77);
	nla_put_u32(m, CPRHOLD_NL_A_STATE, CPRHOLD_STATE_CLAIMED);
	nla_put_u32(m, CPRHOLD_NL_A_FLAGS, CPRHOLD_CREATE_SAME_KUID);
	nla_put_u32(m, CPRHOLD_NL_A_CREATOR_PID, 1234);
	nla_put_u32(m, CPRHOLD_NL_A_CREATOR_UID, 1000);
	nla_put_u32(m, CPRHOLD_NL_A_CLAIMER_PID, 4321);
	nla_put_u32(m, CPRHOLD_NL_A_NR_CLAIMS, 2);
	nla_put_u32(m, CPRHOLD_NL_A_NR_ENTRIES, 9);
	nla_put_u64(m, CPRHOLD_NL_A_TTL_MS, 30000);
	nla_put_u64(m, CPRHOLD_NL_A_CREATED_NS, 1700000000000000000ull);
	nla_put_u64(m, CPRHOLD_NL_A_SEALED_NS, 1700000001000000000ull);
	nla_put_u64(m, CPRHOLD_NL_A_CLAIMED_NS, 1700000002000000000ull);
	nla_put_u64(m, CPRHOLD_NL_A_MEM_BYTES, 1ull << 33);
	nla_put_u32(m, CPRHOLD_NL_A_MAX + 7, 5);	/* a newer kernel's: ignored */
	assert_int_equal(ctl_nl_cmd(nlmsg_hdr(m)), CPRHOLD_NL_CMD_EVENT);
	assert_int_equal(ctl_nl_parse_session(nlmsg_hdr(m), &s), 0);
	assert_string_equal(s.name, "vm-1");
	assert_int_equal(s.id, 77);
	assert_int_equal(s.event, CPRHOLD_EVENT_CLAIMED);
	assert_int_equal(s.state, CPRHOLD_STATE_CLAIMED);
	assert_int_equal(s.flags, CPRHOLD_CREATE_SAME_KUID);
	assert_int_equal(s.end_reason, 0);	/* absent: 0 */
	assert_int_equal(s.creator_pid, 1234);
	assert_int_equal(s.creator_uid, 1000);
	assert_int_equal(s.claimer_pid, 4321);
	assert_int_equal(s.nr_claims, 2);
	assert_int_equal(s.nr_entries, 9);
	assert_int_equal(s.ttl_ms, 30000);
	assert_int_equal(s.created_ns, 1700000000000000000ull);
	assert_int_equal(s.sealed_ns, 1700000001000000000ull);
	assert_int_equal(s.claimed_ns, 1700000002000000000ull);
	assert_int_equal(s.mem_bytes, 1ull << 33);
	nlmsg_free(m);

	/* No name: refused. */
	m = genl_msg(CPRHOLD_NL_CMD_GET_SESSION);
	nla_put_u32(m, CPRHOLD_NL_A_STATE, 1);
	assert_int_equal(ctl_nl_parse_session(nlmsg_hdr(m), &s), -EINVAL);
	nlmsg_free(m);

	/* A u32 attribute of the wrong size: refused by the policy. */
	m = genl_msg(CPRHOLD_NL_CMD_GET_SESSION);
	nla_put_string(m, CPRHOLD_NL_A_NAME, "x");
	nla_put_u16(m, CPRHOLD_NL_A_STATE, 1);
	assert_int_equal(ctl_nl_parse_session(nlmsg_hdr(m), &s), -EINVAL);
	nlmsg_free(m);

	/* A name that is not NUL-terminated: refused. */
	m = genl_msg(CPRHOLD_NL_CMD_GET_SESSION);
	nla_put(m, CPRHOLD_NL_A_NAME, 3, "abc");
	assert_int_equal(ctl_nl_parse_session(nlmsg_hdr(m), &s), -EINVAL);
	nlmsg_free(m);
}

static void test_nl_parse_entry(void **state)
{
	struct ctl_entry e;
	struct nl_msg *m;

	(void)state;
	m = genl_msg(CPRHOLD_NL_CMD_GET_ENTRY);
	nla_put_string(m, CPRHOLD_NL_A_NAME, "vm-1");
	nla_put_u64(m, CPRHOLD_NL_A_ENTRY_TOKEN, 1ull << 40);
	nla_put_string(m, CPRHOLD_NL_A_ENTRY_LABEL, "ram0");
	nla_put_u32(m, CPRHOLD_NL_A_ENTRY_TYPE, CPRHOLD_ENTRY_MEMFD);
	nla_put_u32(m, CPRHOLD_NL_A_ENTRY_FLAGS, CPRHOLD_ENTRY_ADDR);
	nla_put_u32(m, CPRHOLD_NL_A_ENTRY_F_FLAGS, O_RDWR);
	nla_put_u64(m, CPRHOLD_NL_A_ENTRY_ADDR, 0x7f0000000000ull);
	nla_put_u64(m, CPRHOLD_NL_A_MEM_SIZE, 1 << 20);
	nla_put_u32(m, CPRHOLD_NL_A_MEM_SEALS, 6);
	nla_put_u32(m, CPRHOLD_NL_A_MEM_PAGE_SIZE, 4096);
	nla_put_u64(m, CPRHOLD_NL_A_MEM_RESIDENT, 8192);
	assert_int_equal(ctl_nl_parse_entry(nlmsg_hdr(m), &e), 0);
	assert_string_equal(e.session, "vm-1");
	assert_int_equal(e.token, 1ull << 40);
	assert_string_equal(e.label, "ram0");
	assert_int_equal(e.type, CPRHOLD_ENTRY_MEMFD);
	assert_int_equal(e.have, CTL_ENTRY_HAVE_ADDR | CTL_ENTRY_HAVE_MEM);
	assert_int_equal(e.addr, 0x7f0000000000ull);
	assert_int_equal(e.mem.size, 1 << 20);
	assert_int_equal(e.mem.seals, 6);
	assert_int_equal(e.mem.page_size, 4096);
	assert_int_equal(e.mem.resident, 8192);
	nlmsg_free(m);

	m = genl_msg(CPRHOLD_NL_CMD_GET_ENTRY);
	nla_put_string(m, CPRHOLD_NL_A_NAME, "vm-1");
	nla_put_u64(m, CPRHOLD_NL_A_ENTRY_TOKEN, 3);
	nla_put_string(m, CPRHOLD_NL_A_ENTRY_LABEL, "");
	nla_put_u32(m, CPRHOLD_NL_A_ENTRY_TYPE, CPRHOLD_ENTRY_SOCKET);
	nla_put_u32(m, CPRHOLD_NL_A_SOCK_FAMILY, 1);
	nla_put_u32(m, CPRHOLD_NL_A_SOCK_TYPE, 1);
	nla_put_u32(m, CPRHOLD_NL_A_SOCK_PROTOCOL, 0);
	nla_put_u32(m, CPRHOLD_NL_A_VCPU_ID, 5);
	nla_put_u32(m, CPRHOLD_NL_A_DEV_MAJOR, 10);
	nla_put_u32(m, CPRHOLD_NL_A_DEV_MINOR, 200);
	assert_int_equal(ctl_nl_parse_entry(nlmsg_hdr(m), &e), 0);
	assert_int_equal(e.have, CTL_ENTRY_HAVE_SOCK | CTL_ENTRY_HAVE_VCPU |
			 CTL_ENTRY_HAVE_DEV);
	assert_string_equal(e.label, "");
	assert_int_equal(e.sock.family, 1);
	assert_int_equal(e.vcpu_id, 5);
	assert_int_equal(e.dev.major, 10);
	assert_int_equal(e.dev.minor, 200);
	nlmsg_free(m);

	/* No token: not an entry. */
	m = genl_msg(CPRHOLD_NL_CMD_GET_ENTRY);
	nla_put_string(m, CPRHOLD_NL_A_NAME, "vm-1");
	assert_int_equal(ctl_nl_parse_entry(nlmsg_hdr(m), &e), -EINVAL);
	nlmsg_free(m);
}

/* ---- printing ------------------------------------------------------------- */

static const uint64_t T0 = 1700000000000000000ull;	/* 2023-11-14T22:13:20Z */
static const uint64_t SEC = 1000000000ull;

static struct ctl_session sample_session(void)
{
	struct ctl_session s = {
		.name = "vm-1", .id = 7, .state = CPRHOLD_STATE_SEALED,
		.flags = CPRHOLD_CREATE_SAME_KUID, .creator_pid = 1234,
		.creator_uid = 1000, .nr_claims = 2, .nr_entries = 3,
		.mem_bytes = 1 << 20, .ttl_ms = 30000, .created_ns = T0,
		.sealed_ns = T0 + SEC,
	};

	return s;
}

static char *session_json(const struct ctl_session *s)
{
	struct json j;
	struct cap c;

	json_init(&j, cap_open(&c), false);
	print_session_json(&j, NULL, s);
	return cap_close(&c);
}

static void test_print_session_json(void **state)
{
	struct ctl_session s = sample_session();
	char *out;

	(void)state;
	out = session_json(&s);
	assert_string_equal(out,
		"{\"name\":\"vm-1\",\"id\":7,\"state\":\"sealed\",\"flags\":[\"same_kuid\"],"
		"\"end_reason\":\"none\",\"creator_pid\":1234,\"creator_uid\":1000,"
		"\"claimer_pid\":0,\"nr_claims\":2,\"nr_entries\":3,\"mem_bytes\":1048576,"
		"\"ttl_ms\":30000,"
		"\"created_ns\":1700000000000000000,\"created\":\"2023-11-14T22:13:20.000000000Z\","
		"\"sealed_ns\":1700000001000000000,\"sealed\":\"2023-11-14T22:13:21.000000000Z\","
		"\"claimed_ns\":0,\"claimed\":null,"
		"\"expires_ns\":1700000031000000000,\"expires\":\"2023-11-14T22:13:51.000000000Z\"}");
	free(out);

	/* Values this build does not know: numbers as strings; no expiry
	 * unless SEALED. */
	s.state = 9;
	s.end_reason = 12;
	s.flags = 0x80;
	out = session_json(&s);
	assert_non_null(strstr(out, "\"state\":\"9\""));
	assert_non_null(strstr(out, "\"end_reason\":\"12\""));
	assert_non_null(strstr(out, "\"flags\":[\"0x80\"]"));
	assert_non_null(strstr(out, "\"expires_ns\":0,\"expires\":null"));
	free(out);
}

static char *entry_json(const struct ctl_entry *e)
{
	struct json j;
	struct cap c;

	json_init(&j, cap_open(&c), false);
	print_entry_json(&j, e);
	return cap_close(&c);
}

static void test_print_entry_json(void **state)
{
	struct ctl_entry mem = {
		.token = 1, .label = "ram0", .type = CPRHOLD_ENTRY_MEMFD,
		.flags = CPRHOLD_ENTRY_ADDR, .f_flags = O_RDWR | 0100000,
		.addr = 0x7f0000000000ull,
		.have = CTL_ENTRY_HAVE_ADDR | CTL_ENTRY_HAVE_MEM,
		.mem = { .size = 1 << 20, .seals = 6, .page_size = 4096, .resident = 8192 },
	};
	struct ctl_entry sock = {
		.token = 2, .type = CPRHOLD_ENTRY_SOCKET, .f_flags = O_RDWR | O_NONBLOCK,
		.have = CTL_ENTRY_HAVE_SOCK, .sock = { .family = 1, .type = 2 },
	};
	struct ctl_entry dev = {
		.token = 3, .label = "null", .type = CPRHOLD_ENTRY_CHARDEV,
		.have = CTL_ENTRY_HAVE_DEV, .dev = { .major = 1, .minor = 3 },
	};
	struct ctl_entry vcpu = {
		.token = 4, .label = "vcpu0", .type = CPRHOLD_ENTRY_KVM_VCPU,
		.f_flags = O_RDWR, .have = CTL_ENTRY_HAVE_VCPU, .vcpu_id = 0,
	};
	char *out;

	(void)state;
	out = entry_json(&mem);
	assert_string_equal(out,
		"{\"token\":1,\"label\":\"ram0\",\"type\":\"memfd\",\"flags\":[\"addr\"],"
		"\"f_flags\":32770,\"access\":\"rw\",\"open_flags\":[],"
		"\"addr\":139637976727552,"
		"\"mem\":{\"size\":1048576,\"seals\":[\"shrink\",\"grow\"],"
		"\"page_size\":4096,\"resident\":8192}}");
	free(out);
	out = entry_json(&sock);
	assert_string_equal(out,
		"{\"token\":2,\"label\":\"\",\"type\":\"socket\",\"flags\":[],"
		"\"f_flags\":2050,\"access\":\"rw\",\"open_flags\":[\"nonblock\"],"
		"\"addr\":null,"
		"\"socket\":{\"family\":\"unix\",\"type\":\"dgram\",\"protocol\":0}}");
	free(out);
	out = entry_json(&dev);
	assert_string_equal(out,
		"{\"token\":3,\"label\":\"null\",\"type\":\"chardev\",\"flags\":[],"
		"\"f_flags\":0,\"access\":\"r\",\"open_flags\":[],\"addr\":null,"
		"\"dev\":{\"major\":1,\"minor\":3}}");
	free(out);
	out = entry_json(&vcpu);
	assert_non_null(strstr(out, "\"type\":\"kvm_vcpu\""));
	assert_non_null(strstr(out, "\"vcpu_id\":0}"));
	free(out);
}

static void test_print_event_json(void **state)
{
	static const char prefix[] =
		"{\"event\":\"finished\",\"time_ns\":1700000005000000001,"
		"\"time\":\"2023-11-14T22:13:25.000000001Z\",\"name\":\"vm-1\",";
	struct ctl_session ev = sample_session();
	struct json j;
	struct cap c;
	char *out;

	(void)state;
	ev.event = CPRHOLD_EVENT_FINISHED;
	ev.state = CPRHOLD_STATE_FINISHED;
	ev.end_reason = CPRHOLD_END_FINISHED;
	json_init(&j, cap_open(&c), false);
	print_event_json(&j, &ev, T0 + 5 * SEC + 1);
	json_doc_end(&j);
	out = cap_close(&c);
	assert_true(!strncmp(out, prefix, strlen(prefix)));
	assert_non_null(strstr(out, "\"state\":\"finished\""));
	assert_non_null(strstr(out, "\"end_reason\":\"finished\""));
	assert_int_equal(out[strlen(out) - 1], '\n');
	assert_int_equal(out[strlen(out) - 2], '}');
	free(out);
}

static void test_print_tables(void **state)
{
	struct ctl_session s[2] = { sample_session(), sample_session() };
	struct cap c;
	char *out;

	(void)state;
	snprintf(s[1].name, sizeof(s[1].name), "a-much-longer-name");
	s[1].state = CPRHOLD_STATE_OPEN;
	s[1].ttl_ms = 0;
	s[1].creator_pid = 0;
	s[1].mem_bytes = 0;
	s[1].nr_claims = 0;
	assert_int_equal(print_sessions_table(cap_open(&c), s, 2, T0 + 312 * SEC), 0);
	out = cap_close(&c);
	assert_string_equal(out,
		"NAME                STATE   ENTRIES  MEMORY   UID   PID    AGE  CLAIMS  TTL\n"
		"vm-1                sealed        3    1MiB  1000  1234  5m12s       2  30s\n"
		"a-much-longer-name  open          3      0B  1000     -  5m12s       0    -\n");
	free(out);

	/* No sessions: no output at all. */
	assert_int_equal(print_sessions_table(cap_open(&c), s, 0, T0), 0);
	out = cap_close(&c);
	assert_string_equal(out, "");
	free(out);
}

static void test_print_show_human(void **state)
{
	struct ctl_session s = sample_session();
	struct ctl_entry e[2] = {
		{ .token = 1, .label = "ram0", .type = CPRHOLD_ENTRY_MEMFD,
		  .f_flags = O_RDWR, .addr = 0x7f0000000000ull,
		  .have = CTL_ENTRY_HAVE_ADDR | CTL_ENTRY_HAVE_MEM,
		  .mem = { .size = 1 << 20, .seals = 6, .page_size = 4096 } },
		{ .token = 12, .type = CPRHOLD_ENTRY_EVENTFD, .f_flags = O_RDWR },
	};
	struct cap c;
	char *out;

	(void)state;
	assert_int_equal(print_show_human(cap_open(&c), &s, e, 2, T0 + 11 * SEC), 0);
	out = cap_close(&c);
	assert_non_null(strstr(out, "session  vm-1\n"));
	assert_non_null(strstr(out, "state    sealed\n"));
	assert_non_null(strstr(out, "flags    same_kuid\n"));
	assert_non_null(strstr(out, "owner    uid 1000, creator pid 1234\n"));
	assert_non_null(strstr(out, "entries  3, memory 1MiB\n"));
	assert_non_null(strstr(out, "ttl      30s, expires 2023-11-14T22:13:51Z (in 20s)\n"));
	assert_non_null(strstr(out, "created  2023-11-14T22:13:20Z (11s ago)\n"));
	assert_non_null(strstr(out, "claimed  -\n"));
	assert_non_null(strstr(out,
		"TOKEN  LABEL  TYPE     FLAGS  ADDRESS         DETAILS\n"
		"    1  ram0   memfd    rw     0x7f0000000000  size 1MiB, seals shrink,grow, page 4KiB, resident 0B\n"
		"   12  -      eventfd  rw     -               -\n"));
	free(out);
}

static void test_print_event_human(void **state)
{
	struct ctl_session ev = sample_session();
	struct cap c;
	char *out;

	(void)state;
	ev.event = CPRHOLD_EVENT_DESTROYED;
	ev.state = CPRHOLD_STATE_FINISHED;
	ev.end_reason = CPRHOLD_END_CLOSED;
	ev.claimer_pid = 99;
	print_event_human(cap_open(&c), &ev, T0 + 1500000000ull);
	out = cap_close(&c);
	assert_string_equal(out,
		"2023-11-14T22:13:21.500Z destroyed vm-1 state finished entries 3 "
		"memory 1MiB uid 1000 pid 1234 claims 2 claimer 99 ttl 30s end closed\n");
	free(out);
}

static void test_print_entry_details(void **state)
{
	struct ctl_entry e = { .type = CPRHOLD_ENTRY_SOCKET, .have = CTL_ENTRY_HAVE_SOCK,
			       .sock = { .family = 10, .type = 1, .protocol = 6 } };
	char buf[FMT_BUF];

	(void)state;
	assert_string_equal(print_entry_details(buf, sizeof(buf), &e),
			    "inet6 stream protocol 6");
	e.have = CTL_ENTRY_HAVE_VCPU;
	e.vcpu_id = 3;
	assert_string_equal(print_entry_details(buf, sizeof(buf), &e), "vcpu 3");
	e.have = CTL_ENTRY_HAVE_DEV;
	e.dev.major = 10;
	e.dev.minor = 196;
	assert_string_equal(print_entry_details(buf, sizeof(buf), &e), "dev 10:196");
	e.have = 0;
	assert_string_equal(print_entry_details(buf, sizeof(buf), &e), "-");
	e.have = CTL_ENTRY_HAVE_SOCK;
	e.sock.family = 250;
	e.sock.type = 77;
	e.sock.protocol = 0;
	assert_string_equal(print_entry_details(buf, sizeof(buf), &e), "250 77");
	/* Truncated, still terminated. */
	e.sock.family = 10;
	assert_string_equal(print_entry_details(buf, 4, &e), "ine");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escape_ascii),
		cmocka_unit_test(test_json_escape_utf8),
		cmocka_unit_test(test_json_compact),
		cmocka_unit_test(test_json_pretty),
		cmocka_unit_test(test_json_stream),
		cmocka_unit_test(test_json_depth_limit),
		cmocka_unit_test(test_fmt_bytes),
		cmocka_unit_test(test_fmt_duration),
		cmocka_unit_test(test_fmt_time_iso),
		cmocka_unit_test(test_fmt_flags),
		cmocka_unit_test(test_fmt_fflags),
		cmocka_unit_test(test_fmt_names),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_secret_file),
		cmocka_unit_test(test_fd_names),
		cmocka_unit_test(test_fd_plan_cases),
		cmocka_unit_test(test_fd_plan_random),
		cmocka_unit_test(test_fd_plan_apply_real),
		cmocka_unit_test(test_nl_parse_session),
		cmocka_unit_test(test_nl_parse_entry),
		cmocka_unit_test(test_print_session_json),
		cmocka_unit_test(test_print_entry_json),
		cmocka_unit_test(test_print_event_json),
		cmocka_unit_test(test_print_tables),
		cmocka_unit_test(test_print_show_human),
		cmocka_unit_test(test_print_event_human),
		cmocka_unit_test(test_print_entry_details),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
