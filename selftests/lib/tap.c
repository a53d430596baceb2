// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tap.c - count the results of a TAP 13 stream.
 *
 * Only top-level result lines count ("ok N ...", "not ok N ..."); indented
 * subtests and "# " diagnostics are ignored.  "ok N name # SKIP why" is a
 * skip; "# TODO" results are counted as what they report.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

void tap_init(struct tap_counts *c)
{
	memset(c, 0, sizeof(*c));
	c->plan = -1;
	c->exit_status = -1;
}

static bool is_skip(const char *directive)
{
	while (*directive == ' ')
		directive++;
	return strncasecmp(directive, "skip", 4) == 0;
}

void tap_line(struct tap_counts *c, const char *line)
{
	const char *hash;

	if (strncmp(line, "not ok", 6) == 0 && (line[6] == ' ' || line[6] == '\n' ||
						 line[6] == '\0')) {
		c->fail++;
		return;
	}
	/* "ok", "ok 3", "ok 3 - name", "ok - name": the number is optional. */
	if (strncmp(line, "ok", 2) == 0 && (line[2] == ' ' || line[2] == '\n' ||
					    line[2] == '\0')) {
		hash = strchr(line, '#');
		if (hash && is_skip(hash + 1))
			c->skip++;
		else
			c->pass++;
		return;
	}
	if (strncmp(line, "1..", 3) == 0 && isdigit((unsigned char)line[3])) {
		c->plan = atoi(line + 3);
		return;
	}
	if (strncmp(line, "# exit=", 7) == 0) {
		c->exit_status = atoi(line + 7);
		return;
	}
	if (strncmp(line, "Bail out!", 9) == 0)
		c->bail_out = true;
}

void tap_finish(struct tap_counts *c)
{
	unsigned int seen = c->pass + c->fail + c->skip;

	if (c->plan >= 0 && (unsigned int)c->plan > seen) {
		c->missing = c->plan - seen;
		c->fail += c->missing;
	}
	if (c->fail == 0 && (c->bail_out || (c->exit_status > 0)))
		c->fail++;
	if (seen == 0 && c->plan != 0 && c->fail == 0)
		c->fail++;
}
