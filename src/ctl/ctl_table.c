/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmictl's aligned text tables: cells filled row by row, each column
 * as wide as its widest cell. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

void table_init(struct table *t, int ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

void table_cell(struct table *t, int col, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	free(t->rows[t->nrows - 1][col]);
	t->rows[t->nrows - 1][col] = s;
}

int table_row(struct table *t)
{
	if (t->nrows == t->cap) {
		int cap = t->cap ? t->cap * 2 : 16;
		void *p = realloc(t->rows, (size_t)cap * sizeof(*t->rows));

		if (!p)
			return -ENOMEM;
		t->rows = p;
		t->cap = cap;
	}
	memset(t->rows[t->nrows], 0, sizeof(t->rows[0]));
	t->nrows++;
	return 0;
}

void table_print(struct table *t)
{
	int width[TABLE_COLS] = { 0 };

	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++)
			if (t->rows[r][c] && (int)strlen(t->rows[r][c]) > width[c])
				width[c] = (int)strlen(t->rows[r][c]);
	for (int r = 0; r < t->nrows; r++) {
		int last = t->ncols - 1;

		while (last > 0 && !t->rows[r][last])
			last--;
		for (int c = 0; c <= last; c++) {
			const char *s = t->rows[r][c] ? t->rows[r][c] : "";

			if (c == last)
				printf("%s\n", s);
			else
				printf("%-*s  ", width[c], s);
		}
	}
}

void table_free(struct table *t)
{
	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++)
			free(t->rows[r][c]);
	free(t->rows);
	t->rows = NULL;
	t->nrows = t->cap = 0;
}
