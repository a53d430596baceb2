// SPDX-License-Identifier: GPL-2.0
/*
 * table.c - terse human tables (see table.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

void table_init(struct table *t, size_t ncols, const char *const *headers,
		const char *align)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols < TABLE_MAX_COLS ? ncols : TABLE_MAX_COLS;
	t->headers = headers;
	t->align = align;
}

void table_row(struct table *t, const char *const *cells)
{
	size_t i;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char **p = realloc(t->cells, cap * t->ncols * sizeof(*p));

		if (!p) {
			t->oom = 1;
			return;
		}
		t->cells = p;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		char *c = strdup(cells[i] ? cells[i] : "-");

		if (!c) {
			while (i--)
				free(t->cells[t->nrows * t->ncols + i]);
			t->oom = 1;
			return;
		}
		t->cells[t->nrows * t->ncols + i] = c;
	}
	t->nrows++;
}

static void print_row(const struct table *t, FILE *f, const size_t *width,
		      const char *const *cells)
{
	size_t i;

	for (i = 0; i < t->ncols; i++) {
		int w = (int)width[i];
		bool last = i + 1 == t->ncols;

		if (i)
			fputs("  ", f);
		if (t->align && t->align[i] == 'r')
			fprintf(f, "%*s", w, cells[i]);
		else if (last)
			fputs(cells[i], f);
		else
			fprintf(f, "%-*s", w, cells[i]);
	}
	fputc('\n', f);
}

int table_print(const struct table *t, FILE *f)
{
	size_t width[TABLE_MAX_COLS] = { 0 }, r, i;

	for (i = 0; i < t->ncols; i++)
		width[i] = strlen(t->headers[i]);
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++) {
			size_t w = strlen(t->cells[r * t->ncols + i]);

			if (w > width[i])
				width[i] = w;
		}
	print_row(t, f, width, t->headers);
	for (r = 0; r < t->nrows; r++)
		print_row(t, f, width, (const char *const *)&t->cells[r * t->ncols]);
	return t->oom ? -ENOMEM : 0;
}

void table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}
