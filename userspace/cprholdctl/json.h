/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - a small streaming JSON writer: compact (one document per line)
 * or pretty (two-space indentation), keys in the caller's order.
 *
 * Strings are escaped as RFC 8259 requires; bytes that are not valid UTF-8
 * become U+FFFD, so the output is always valid JSON.  Nesting is limited to
 * JSON_MAX_DEPTH levels (deeper values are dropped).
 */
#ifndef CPRHOLDCTL_JSON_H
#define CPRHOLDCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	bool pretty;
	int depth;
	unsigned int count[JSON_MAX_DEPTH + 1];	/* values written per level */
};

void json_init(struct json *j, FILE *f, bool pretty);

/*
 * Each value takes a @key: the member name inside an object, NULL inside
 * an array or at the top level.
 */
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *s); /* NULL: null */
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);

/* End a top-level document: a newline, ready for the next one. */
void json_doc_end(struct json *j);

/* Write @s as a JSON string literal, quotes included. */
void json_escape(FILE *f, const char *s);

#endif /* CPRHOLDCTL_JSON_H */
