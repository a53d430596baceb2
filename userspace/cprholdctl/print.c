// SPDX-License-Identifier: GPL-2.0
/*
 * print.c - sessions, entries and events as human tables and JSON (see
 * print.h for the rules of the JSON output).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libcprhold.h>

#include "fmt.h"
#include "print.h"
#include "table.h"

#define NSEC_PER_MSEC 1000000ull

/* ---- JSON ------------------------------------------------------------ */

static void json_flag_name(const char *name, void *arg)
{
	json_str(arg, NULL, name);
}

static void json_flags(struct json *j, const char *key, uint64_t value,
		       const struct fmt_flag *names)
{
	json_arr_begin(j, key);
	fmt_flags_each(value, names, json_flag_name, j);
	json_arr_end(j);
}

static void json_enum(struct json *j, const char *key, const char *name,
		      uint32_t value)
{
	char buf[16];

	json_str(j, key, fmt_enum(buf, sizeof(buf), name, value));
}

/* "<key>_ns": the raw time, "<key>": ISO-8601 or null for 0. */
static void json_time(struct json *j, const char *key, uint64_t ns)
{
	char k[32], iso[FMT_BUF];

	snprintf(k, sizeof(k), "%s_ns", key);
	json_u64(j, k, ns);
	json_str(j, key, ns ? fmt_time_iso(iso, sizeof(iso), ns, 9) : NULL);
}

/* When a SEALED session with a TTL expires, 0 if it does not. */
static uint64_t expires_ns(const struct ctl_session *s)
{
	if (s->state != CPRHOLD_STATE_SEALED || !s->ttl_ms || !s->sealed_ns)
		return 0;
	return s->sealed_ns + s->ttl_ms * NSEC_PER_MSEC;
}

void print_session_members(struct json *j, const struct ctl_session *s)
{
	json_str(j, "name", s->name);
	json_u64(j, "id", s->id);
	json_enum(j, "state", cprhold_state_name(s->state), s->state);
	json_flags(j, "flags", s->flags, fmt_create_flags);
	json_enum(j, "end_reason", cprhold_end_name(s->end_reason), s->end_reason);
	json_u64(j, "creator_pid", s->creator_pid);
	json_u64(j, "creator_uid", s->creator_uid);
	json_u64(j, "claimer_pid", s->claimer_pid);
	json_u64(j, "nr_claims", s->nr_claims);
	json_u64(j, "nr_entries", s->nr_entries);
	json_u64(j, "mem_bytes", s->mem_bytes);
	json_u64(j, "ttl_ms", s->ttl_ms);
	json_time(j, "created", s->created_ns);
	json_time(j, "sealed", s->sealed_ns);
	json_time(j, "claimed", s->claimed_ns);
	json_time(j, "expires", expires_ns(s));
}

void print_session_json(struct json *j, const char *key,
			const struct ctl_session *s)
{
	json_obj_begin(j, key);
	print_session_members(j, s);
	json_obj_end(j);
}

void print_entry_json(struct json *j, const struct ctl_entry *e)
{
	char buf[16];

	json_obj_begin(j, NULL);
	json_u64(j, "token", e->token);
	json_str(j, "label", e->label);
	json_enum(j, "type", cprhold_entry_type_name(e->type), e->type);
	json_flags(j, "flags", e->flags, fmt_entry_flags);
	json_u64(j, "f_flags", e->f_flags);
	json_str(j, "access", fmt_access(e->f_flags));
	json_arr_begin(j, "open_flags");
	fmt_flags_each(e->f_flags & ~(uint32_t)FMT_OPEN_FLAGS_IGNORED,
		       fmt_open_flags, json_flag_name, j);
	json_arr_end(j);
	if (e->have & CTL_ENTRY_HAVE_ADDR)
		json_u64(j, "addr", e->addr);
	else
		json_null(j, "addr");
	if (e->have & CTL_ENTRY_HAVE_MEM) {
		json_obj_begin(j, "mem");
		json_u64(j, "size", e->mem.size);
		json_flags(j, "seals", e->mem.seals, fmt_seals);
		json_u64(j, "page_size", e->mem.page_size);
		json_u64(j, "resident", e->mem.resident);
		json_obj_end(j);
	}
	if (e->have & CTL_ENTRY_HAVE_VCPU)
		json_u64(j, "vcpu_id", e->vcpu_id);
	if (e->have & CTL_ENTRY_HAVE_SOCK) {
		json_obj_begin(j, "socket");
		json_str(j, "family", fmt_enum(buf, sizeof(buf),
					       fmt_sock_family(e->sock.family),
					       e->sock.family));
		json_str(j, "type", fmt_enum(buf, sizeof(buf),
					     fmt_sock_type(e->sock.type),
					     e->sock.type));
		json_u64(j, "protocol", e->sock.protocol);
		json_obj_end(j);
	}
	if (e->have & CTL_ENTRY_HAVE_DEV) {
		json_obj_begin(j, "dev");
		json_u64(j, "major", e->dev.major);
		json_u64(j, "minor", e->dev.minor);
		json_obj_end(j);
	}
	json_obj_end(j);
}

void print_show_json(struct json *j, const struct ctl_session *s,
		     const struct ctl_entry *e, size_t n)
{
	size_t i;

	json_obj_begin(j, NULL);
	print_session_members(j, s);
	json_arr_begin(j, "entries");
	for (i = 0; i < n; i++)
		print_entry_json(j, &e[i]);
	json_arr_end(j);
	json_obj_end(j);
}

void print_event_json(struct json *j, const struct ctl_session *ev,
		      uint64_t now_ns)
{
	json_obj_begin(j, NULL);
	json_enum(j, "event", cprhold_event_name(ev->event), ev->event);
	json_time(j, "time", now_ns);
	print_session_members(j, ev);
	json_obj_end(j);
}

/* ---- human ----------------------------------------------------------- */

static const char *enum_name(char *buf, size_t len, const char *name,
			     uint32_t value)
{
	return fmt_enum(buf, len, name, value);
}

/* "5m12s", how long ago @then_ns was at @now_ns. */
static char *ago(char *buf, size_t len, uint64_t now_ns, uint64_t then_ns)
{
	return fmt_duration(buf, len, now_ns > then_ns ? now_ns - then_ns : 0);
}

static char *num(char *buf, size_t len, uint64_t v)
{
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

int print_sessions_table(FILE *f, const struct ctl_session *s, size_t n,
			 uint64_t now_ns)
{
	static const char *const hdr[] = {
		"NAME", "STATE", "ENTRIES", "MEMORY", "UID", "PID", "AGE",
		"CLAIMS", "TTL",
	};
	struct table t;
	size_t i;
	int ret;

	table_init(&t, 9, hdr, "llrrrrrrr");
	for (i = 0; i < n; i++) {
		char st[16], ent[16], mem[FMT_BUF], uid[16], pid[16], age[FMT_BUF],
		     cl[16], ttl[FMT_BUF];
		const char *row[9] = {
			s[i].name,
			enum_name(st, sizeof(st), cprhold_state_name(s[i].state),
				  s[i].state),
			num(ent, sizeof(ent), s[i].nr_entries),
			fmt_bytes(mem, sizeof(mem), s[i].mem_bytes),
			num(uid, sizeof(uid), s[i].creator_uid),
			s[i].creator_pid ? num(pid, sizeof(pid), s[i].creator_pid) : "-",
			ago(age, sizeof(age), now_ns, s[i].created_ns),
			num(cl, sizeof(cl), s[i].nr_claims),
			s[i].ttl_ms ? fmt_duration(ttl, sizeof(ttl),
						   s[i].ttl_ms * NSEC_PER_MSEC) : "-",
		};

		table_row(&t, row);
	}
	ret = n ? table_print(&t, f) : 0;
	table_free(&t);
	return ret;
}

char *print_entry_details(char *buf, size_t len, const struct ctl_entry *e)
{
	char a[FMT_BUF], b[FMT_BUF], c[FMT_BUF], d[FMT_BUF];
	size_t pos = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
#define ADD(...) do {							\
		if (pos < len) {					\
			int _n = snprintf(buf + pos, len - pos, __VA_ARGS__); \
			pos = _n < 0 ? len : pos + (size_t)_n;		\
		}							\
	} while (0)
	if (e->have & CTL_ENTRY_HAVE_MEM) {
		ADD("size %s", fmt_bytes(a, sizeof(a), e->mem.size));
		if (e->mem.seals)
			ADD(", seals %s", fmt_flags(b, sizeof(b), e->mem.seals,
						    fmt_seals, ",", "-"));
		if (e->mem.page_size)
			ADD(", page %s", fmt_bytes(c, sizeof(c), e->mem.page_size));
		ADD(", resident %s", fmt_bytes(d, sizeof(d), e->mem.resident));
	}
	if (e->have & CTL_ENTRY_HAVE_VCPU)
		ADD("%svcpu %" PRIu32, pos ? ", " : "", e->vcpu_id);
	if (e->have & CTL_ENTRY_HAVE_SOCK) {
		ADD("%s%s %s", pos ? ", " : "",
		    fmt_enum(a, sizeof(a), fmt_sock_family(e->sock.family),
			     e->sock.family),
		    fmt_enum(b, sizeof(b), fmt_sock_type(e->sock.type), e->sock.type));
		if (e->sock.protocol)
			ADD(" protocol %" PRIu32, e->sock.protocol);
	}
	if (e->have & CTL_ENTRY_HAVE_DEV)
		ADD("%sdev %" PRIu32 ":%" PRIu32, pos ? ", " : "", e->dev.major,
		    e->dev.minor);
#undef ADD
	if (!buf[0])
		snprintf(buf, len, "-");
	return buf;
}

/* "2026-11-22T21:59:12Z (5m12s ago)" or "-". */
static char *when(char *buf, size_t len, uint64_t ns, uint64_t now_ns)
{
	char iso[FMT_BUF], d[FMT_BUF];

	if (!ns)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s (%s ago)", fmt_time_iso(iso, sizeof(iso), ns, 0),
			 ago(d, sizeof(d), now_ns, ns));
	return buf;
}

int print_show_human(FILE *f, const struct ctl_session *s,
		     const struct ctl_entry *e, size_t n, uint64_t now_ns)
{
	static const char *const hdr[] = {
		"TOKEN", "LABEL", "TYPE", "FLAGS", "ADDRESS", "DETAILS",
	};
	char a[FMT_BUF], b[FMT_BUF], c[2 * FMT_BUF];
	uint64_t exp = expires_ns(s);
	struct table t;
	size_t i;
	int ret;

	fprintf(f, "session  %s\n", s->name);
	fprintf(f, "id       %" PRIu64 "\n", s->id);
	fprintf(f, "state    %s", enum_name(a, sizeof(a), cprhold_state_name(s->state),
					  s->state));
	if (s->end_reason)
		fprintf(f, " (%s)", enum_name(b, sizeof(b),
					      cprhold_end_name(s->end_reason),
					      s->end_reason));
	fputc('\n', f);
	fprintf(f, "flags    %s\n", fmt_flags(a, sizeof(a), s->flags,
					     fmt_create_flags, ",", "-"));
	fprintf(f, "owner    uid %" PRIu32 ", creator pid %s\n", s->creator_uid,
		s->creator_pid ? num(a, sizeof(a), s->creator_pid) : "-");
	fprintf(f, "claims   %" PRIu32, s->nr_claims);
	if (s->claimer_pid)
		fprintf(f, ", claimer pid %" PRIu32, s->claimer_pid);
	fputc('\n', f);
	fprintf(f, "entries  %" PRIu32 ", memory %s\n", s->nr_entries,
		fmt_bytes(a, sizeof(a), s->mem_bytes));
	if (!s->ttl_ms)
		fprintf(f, "ttl      -\n");
	else if (!exp)
		fprintf(f, "ttl      %s\n",
			fmt_duration(a, sizeof(a), s->ttl_ms * NSEC_PER_MSEC));
	else
		fprintf(f, "ttl      %s, expires %s (in %s)\n",
			fmt_duration(a, sizeof(a), s->ttl_ms * NSEC_PER_MSEC),
			fmt_time_iso(b, sizeof(b), exp, 0),
			fmt_duration(c, sizeof(c), exp > now_ns ? exp - now_ns : 0));
	fprintf(f, "created  %s\n", when(c, sizeof(c), s->created_ns, now_ns));
	fprintf(f, "sealed   %s\n", when(c, sizeof(c), s->sealed_ns, now_ns));
	fprintf(f, "claimed  %s\n", when(c, sizeof(c), s->claimed_ns, now_ns));
	if (!n)
		return 0;

	fputc('\n', f);
	table_init(&t, 6, hdr, "rlllll");
	for (i = 0; i < n; i++) {
		char tok[24], type[16], fl[FMT_BUF], addr[24], det[4 * FMT_BUF];
		const char *row[6] = {
			num(tok, sizeof(tok), e[i].token),
			e[i].label[0] ? e[i].label : "-",
			enum_name(type, sizeof(type), cprhold_entry_type_name(e[i].type),
				  e[i].type),
			fmt_fflags(fl, sizeof(fl), e[i].f_flags),
			NULL,
			print_entry_details(det, sizeof(det), &e[i]),
		};

		if (e[i].have & CTL_ENTRY_HAVE_ADDR) {
			snprintf(addr, sizeof(addr), "0x%" PRIx64, e[i].addr);
			row[4] = addr;
		}
		table_row(&t, row);
	}
	ret = table_print(&t, f);
	table_free(&t);
	return ret;
}

void print_event_human(FILE *f, const struct ctl_session *ev, uint64_t now_ns)
{
	char t[FMT_BUF], a[FMT_BUF], b[FMT_BUF], m[FMT_BUF];

	fprintf(f, "%s %-9s %s state %s entries %" PRIu32 " memory %s uid %" PRIu32,
		fmt_time_iso(t, sizeof(t), now_ns, 3),
		enum_name(a, sizeof(a), cprhold_event_name(ev->event), ev->event),
		ev->name,
		enum_name(b, sizeof(b), cprhold_state_name(ev->state), ev->state),
		ev->nr_entries, fmt_bytes(m, sizeof(m), ev->mem_bytes),
		ev->creator_uid);
	if (ev->creator_pid)
		fprintf(f, " pid %" PRIu32, ev->creator_pid);
	if (ev->nr_claims)
		fprintf(f, " claims %" PRIu32, ev->nr_claims);
	if (ev->claimer_pid)
		fprintf(f, " claimer %" PRIu32, ev->claimer_pid);
	if (ev->ttl_ms)
		fprintf(f, " ttl %s", fmt_duration(a, sizeof(a),
						   ev->ttl_ms * NSEC_PER_MSEC));
	if (ev->end_reason)
		fprintf(f, " end %s", enum_name(a, sizeof(a),
						cprhold_end_name(ev->end_reason),
						ev->end_reason));
	fputc('\n', f);
}
