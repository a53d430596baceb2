// SPDX-License-Identifier: GPL-2.0
/*
 * fmt.c - pure formatting helpers of cprholdctl (see fmt.h).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/cprhold.h>

#include "fmt.h"

/* Append to @buf at *@pos like snprintf, never beyond @len. */
static __attribute__((format(printf, 4, 5)))
void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*pos += (size_t)n;
	if (*pos >= len)
		*pos = len;
}

char *fmt_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB",
					     "PiB", "EiB" };
	unsigned int u = 0;
	uint64_t div = 1, tenths;

	if (!len)
		return buf;
	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 "B", bytes);
		return buf;
	}
	while (u + 1 < sizeof(units) / sizeof(units[0]) && bytes / div >= 1024) {
		div *= 1024;
		u++;
	}
	for (;;) {
		/* Rounded tenths of the unit, without overflowing 64 bits. */
		tenths = (bytes / div) * 10 + ((bytes % div) * 10 + div / 2) / div;
		if (tenths < 10240 || u + 1 >= sizeof(units) / sizeof(units[0]))
			break;
		div *= 1024;
		u++;
	}
	if (tenths % 10)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%s", tenths / 10,
			 tenths % 10, units[u]);
	else
		snprintf(buf, len, "%" PRIu64 "%s", tenths / 10, units[u]);
	return buf;
}

char *fmt_duration(char *buf, size_t len, uint64_t ns)
{
	uint64_t s = ns / UINT64_C(1000000000);

	if (!len)
		return buf;
	if (!ns)
		snprintf(buf, len, "0s");
	else if (!s)
		snprintf(buf, len, "%" PRIu64 "ms", ns / UINT64_C(1000000));
	else if (s < 60)
		snprintf(buf, len, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
			 s % 3600 / 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
			 s % 86400 / 3600);
	return buf;
}

char *fmt_time_iso(char *buf, size_t len, uint64_t ns, int digits)
{
	time_t secs = (time_t)(ns / UINT64_C(1000000000));
	uint64_t frac = ns % UINT64_C(1000000000);
	struct tm tm;
	size_t pos;

	if (!len)
		return buf;
	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, len, "?");
		return buf;
	}
	pos = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	switch (digits) {
	case 3:
		append(buf, len, &pos, ".%03" PRIu64, frac / 1000000);
		break;
	case 6:
		append(buf, len, &pos, ".%06" PRIu64, frac / 1000);
		break;
	case 9:
		append(buf, len, &pos, ".%09" PRIu64, frac);
		break;
	default:
		break;
	}
	append(buf, len, &pos, "Z");
	return buf;
}

void fmt_flags_each(uint64_t value, const struct fmt_flag *names,
		    void (*fn)(const char *name, void *arg), void *arg)
{
	char hex[24];

	for (; names->name; names++) {
		if (names->bit && (value & names->bit) == names->bit) {
			fn(names->name, arg);
			value &= ~names->bit;
		}
	}
	if (value) {
		snprintf(hex, sizeof(hex), "0x%" PRIx64, value);
		fn(hex, arg);
	}
}

struct join {
	char *buf;
	size_t len, pos;
	const char *sep;
	int n;
};

static void join_one(const char *name, void *arg)
{
	struct join *j = arg;

	append(j->buf, j->len, &j->pos, "%s%s", j->n++ ? j->sep : "", name);
}

char *fmt_flags(char *buf, size_t len, uint64_t value,
		const struct fmt_flag *names, const char *sep, const char *none)
{
	struct join j = { .buf = buf, .len = len, .sep = sep };

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!value) {
		snprintf(buf, len, "%s", none);
		return buf;
	}
	fmt_flags_each(value, names, join_one, &j);
	return buf;
}

const struct fmt_flag fmt_create_flags[] = {
	{ CPRHOLD_CREATE_SAME_KUID, "same_kuid" },
	{ CPRHOLD_CREATE_USERNS, "userns" },
	{ CPRHOLD_CREATE_NO_CLOEXEC, "no_cloexec" },
	{ 0, NULL },
};

const struct fmt_flag fmt_entry_flags[] = {
	{ CPRHOLD_ENTRY_ADDR, "addr" },
	{ 0, NULL },
};

/* The F_SEAL_* values, spelled out: older libc headers lack some. */
const struct fmt_flag fmt_seals[] = {
	{ 0x0001, "seal" },
	{ 0x0002, "shrink" },
	{ 0x0004, "grow" },
	{ 0x0008, "write" },
	{ 0x0010, "future_write" },
	{ 0x0020, "exec" },
	{ 0, NULL },
};

/* The O_* flags a struct file keeps (x86-64 values), beyond O_ACCMODE. */
const struct fmt_flag fmt_open_flags[] = {
	{ 04010000, "sync" },		/* O_SYNC includes O_DSYNC */
	{ 010000, "dsync" },
	{ 02000, "append" },
	{ 04000, "nonblock" },
	{ 020000, "async" },
	{ 040000, "direct" },
	{ 0200000, "directory" },
	{ 0400000, "nofollow" },
	{ 01000000, "noatime" },
	{ 010000000, "path" },
	{ 0, NULL },
};

const char *fmt_access(uint32_t f_flags)
{
	switch (f_flags & O_ACCMODE) {
	case O_RDONLY:
		return "r";
	case O_WRONLY:
		return "w";
	case O_RDWR:
		return "rw";
	default:
		return "-";
	}
}

char *fmt_fflags(char *buf, size_t len, uint32_t f_flags)
{
	uint64_t rest = f_flags & ~(uint32_t)FMT_OPEN_FLAGS_IGNORED;
	size_t pos = 0;
	struct join j = { .buf = buf, .len = len, .sep = "," };

	if (!len)
		return buf;
	buf[0] = '\0';
	append(buf, len, &pos, "%s", fmt_access(f_flags));
	j.pos = pos;
	j.n = 1;
	fmt_flags_each(rest, fmt_open_flags, join_one, &j);
	return buf;
}

const char *fmt_enum(char *buf, size_t len, const char *name, uint32_t value)
{
	if (name)
		return name;
	snprintf(buf, len, "%" PRIu32, value);
	return buf;
}

const char *fmt_sock_family(uint32_t family)
{
	switch (family) {
	case AF_UNIX:
		return "unix";
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	case AF_NETLINK:
		return "netlink";
	case AF_PACKET:
		return "packet";
	case AF_VSOCK:
		return "vsock";
	case AF_ALG:
		return "alg";
	case AF_CAN:
		return "can";
	case AF_BLUETOOTH:
		return "bluetooth";
	case AF_TIPC:
		return "tipc";
	case AF_XDP:
		return "xdp";
	default:
		return NULL;
	}
}

const char *fmt_sock_type(uint32_t type)
{
	switch (type) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_DGRAM:
		return "dgram";
	case SOCK_RAW:
		return "raw";
	case SOCK_RDM:
		return "rdm";
	case SOCK_SEQPACKET:
		return "seqpacket";
	case SOCK_DCCP:
		return "dccp";
	case SOCK_PACKET:
		return "packet";
	default:
		return NULL;
	}
}
