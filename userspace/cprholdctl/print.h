/* SPDX-License-Identifier: GPL-2.0 */
/*
 * print.h - how cprholdctl shows sessions, entries and events, as human
 * tables and as JSON.  Pure: the current time is a parameter, so the
 * output of given data is fixed (and unit-tested).
 *
 * JSON keys are snake_case and stable; numbers are numbers; enum values
 * are their lowercase names (the decimal number as a string for a value
 * this build does not know); flag words are arrays of names; times are
 * given both as raw nanoseconds (*_ns) and as ISO-8601 UTC strings (null
 * when the time is 0: "never").
 */
#ifndef CPRHOLDCTL_PRINT_H
#define CPRHOLDCTL_PRINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "nl.h"

/* The members of a session object, into the object the caller opened. */
void print_session_members(struct json *j, const struct ctl_session *s);

/* A session as one JSON object (with @key inside an object). */
void print_session_json(struct json *j, const char *key,
			const struct ctl_session *s);

/* An entry as one JSON object. */
void print_entry_json(struct json *j, const struct ctl_entry *e);

/* "show -j": the session with its entries in an "entries" array. */
void print_show_json(struct json *j, const struct ctl_session *s,
		     const struct ctl_entry *e, size_t n);

/*
 * An event: {"event", "time_ns", "time"} and the session's members, as a
 * single flat object.  @now_ns: when it was received.
 */
void print_event_json(struct json *j, const struct ctl_session *ev,
		      uint64_t now_ns);

/* "list": one row per session. */
int print_sessions_table(FILE *f, const struct ctl_session *s, size_t n,
			 uint64_t now_ns);

/* "show": the session as "key value" lines, then the entries' table. */
int print_show_human(FILE *f, const struct ctl_session *s,
		     const struct ctl_entry *e, size_t n, uint64_t now_ns);

/* "watch": one line per event. */
void print_event_human(FILE *f, const struct ctl_session *ev, uint64_t now_ns);

/* The type data of an entry in words: "size 1MiB, seals grow,shrink". */
char *print_entry_details(char *buf, size_t len, const struct ctl_entry *e);

#endif /* CPRHOLDCTL_PRINT_H */
