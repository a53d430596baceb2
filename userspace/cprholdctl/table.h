/* SPDX-License-Identifier: GPL-2.0 */
/*
 * table.h - terse human tables: a header row and rows of cells, columns
 * padded to their widest cell and separated by two spaces, the last
 * column not padded; numeric columns right-aligned.
 */
#ifndef CPRHOLDCTL_TABLE_H
#define CPRHOLDCTL_TABLE_H

#include <stddef.h>
#include <stdio.h>

#define TABLE_MAX_COLS 16

struct table {
	size_t ncols;
	const char *const *headers;
	const char *align;	/* per column: 'l' or 'r' */
	char **cells;		/* nrows * ncols, malloc()ed copies */
	size_t nrows, cap;
	int oom;
};

/* @align: a string of @ncols 'l'/'r' characters. */
void table_init(struct table *t, size_t ncols, const char *const *headers,
		const char *align);

/* Add a row of ncols cells (copied); NULL cells print as "-". */
void table_row(struct table *t, const char *const *cells);

/* Print the header and rows; returns -ENOMEM if a row could not be kept. */
int table_print(const struct table *t, FILE *f);

void table_free(struct table *t);

#endif /* CPRHOLDCTL_TABLE_H */
