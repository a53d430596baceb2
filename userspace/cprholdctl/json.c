// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - the streaming JSON writer of cprholdctl (see json.h).
 */
#include <inttypes.h>
#include <string.h>

#include "json.h"

void json_init(struct json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
}

/* Length of the valid UTF-8 sequence at @s, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* No overlong forms, no surrogates, nothing beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void json_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n;

		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				fprintf(f, "\\u%04x", *s);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', f);
}

static void indent(struct json *j)
{
	int i;

	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Separator, indentation and key before a value at the current level. */
static bool value_begin(struct json *j, const char *key)
{
	if (j->depth > JSON_MAX_DEPTH)
		return false;
	/* Top-level values are a stream: one document after the other. */
	if (j->count[j->depth]++)
		fputc(j->depth ? ',' : '\n', j->f);
	if (j->pretty && j->depth)
		indent(j);
	if (key && j->depth) {
		json_escape(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
	return true;
}

static void container_begin(struct json *j, const char *key, char open)
{
	/* Beyond JSON_MAX_DEPTH containers: dropped with all they hold. */
	if (j->depth >= JSON_MAX_DEPTH || !value_begin(j, key)) {
		j->depth++;
		return;
	}
	fputc(open, j->f);
	j->depth++;
	j->count[j->depth] = 0;
}

static void container_end(struct json *j, char close)
{
	j->depth--;
	if (j->depth >= JSON_MAX_DEPTH)
		return;
	if (j->pretty && j->count[j->depth + 1])
		indent(j);
	fputc(close, j->f);
}

void json_obj_begin(struct json *j, const char *key)
{
	container_begin(j, key, '{');
}

void json_obj_end(struct json *j)
{
	container_end(j, '}');
}

void json_arr_begin(struct json *j, const char *key)
{
	container_begin(j, key, '[');
}

void json_arr_end(struct json *j)
{
	container_end(j, ']');
}

void json_str(struct json *j, const char *key, const char *s)
{
	if (!value_begin(j, key))
		return;
	if (s)
		json_escape(j->f, s);
	else
		fputs("null", j->f);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	if (value_begin(j, key))
		fprintf(j->f, "%" PRIu64, v);
}

void json_i64(struct json *j, const char *key, int64_t v)
{
	if (value_begin(j, key))
		fprintf(j->f, "%" PRId64, v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	if (value_begin(j, key))
		fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	if (value_begin(j, key))
		fputs("null", j->f);
}

void json_doc_end(struct json *j)
{
	fputc('\n', j->f);
	j->count[0] = 0;
}
