/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fmt.h - pure formatting helpers of cprholdctl: human units, durations,
 * ISO-8601 times, names of flags and enum values.  No I/O, no global
 * state; every function writes into the caller's buffer and returns it.
 */
#ifndef CPRHOLDCTL_FMT_H
#define CPRHOLDCTL_FMT_H

#include <stddef.h>
#include <stdint.h>

#define FMT_BUF 96

/* One named bit of a flag word. */
struct fmt_flag {
	uint64_t bit;
	const char *name;
};

/*
 * Bytes in IEC units: "0B", "512B", "4KiB", "1.5MiB", "2GiB": one decimal,
 * dropped when it is 0, rounded to the nearest tenth.
 */
char *fmt_bytes(char *buf, size_t len, uint64_t bytes);

/*
 * A duration: "0s", "250ms", "45s", "5m02s", "3h07m", "2d04h" (truncated
 * to the two most significant units).
 */
char *fmt_duration(char *buf, size_t len, uint64_t ns);

/*
 * CLOCK_REALTIME nanoseconds as ISO-8601 UTC, "2026-11-22T21:59:12Z", with
 * @digits (0, 3, 6 or 9) fractional digits.
 */
char *fmt_time_iso(char *buf, size_t len, uint64_t ns, int digits);

/*
 * The names of the bits set in @value, joined with @sep; bits without a
 * name as one hex number ("0x40"); @none if @value is 0.
 */
char *fmt_flags(char *buf, size_t len, uint64_t value,
		const struct fmt_flag *names, const char *sep, const char *none);

/*
 * Visit the names of the bits set in @value as fmt_flags() lists them
 * (unknown bits as one "0x.." string), for JSON arrays.
 */
void fmt_flags_each(uint64_t value, const struct fmt_flag *names,
		    void (*fn)(const char *name, void *arg), void *arg);

/* Flag tables, terminated by { 0, NULL }. */
extern const struct fmt_flag fmt_create_flags[];	/* CPRHOLD_CREATE_* */
extern const struct fmt_flag fmt_entry_flags[];	/* CPRHOLD_ENTRY_* */
extern const struct fmt_flag fmt_seals[];		/* F_SEAL_* */
extern const struct fmt_flag fmt_open_flags[];		/* O_* beyond the mode */

/*
 * Open flags not worth showing: the access mode (shown apart), O_LARGEFILE
 * (on every file of a 64-bit kernel) and O_CLOEXEC (an fd's, not a file's).
 */
#define FMT_OPEN_FLAGS_IGNORED (03 | 0100000 | 02000000)

/* "r", "w", "rw" (or "-" for neither) for the access mode of open flags. */
const char *fmt_access(uint32_t f_flags);

/* "rw,nonblock,append": the access mode and the interesting O_* flags. */
char *fmt_fflags(char *buf, size_t len, uint32_t f_flags);

/*
 * A name for an enum value: @name if not NULL, else the number in
 * decimal (so that JSON keeps one type per key).
 */
const char *fmt_enum(char *buf, size_t len, const char *name, uint32_t value);

/* AF_* and SOCK_* names ("unix", "inet6"; "stream", "dgram"), or NULL. */
const char *fmt_sock_family(uint32_t family);
const char *fmt_sock_type(uint32_t type);

#endif /* CPRHOLDCTL_FMT_H */
