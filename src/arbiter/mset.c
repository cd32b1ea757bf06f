/* SPDX-License-Identifier: GPL-2.0-only */
/* Sorted multiset. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mset.h"

static uint32_t mset_find(const struct mset *s, int64_t v)
{
	uint32_t lo = 0, hi = s->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->e[mid].value < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int mset_reserve(struct mset *s, uint32_t n)
{
	struct mset_entry *e;

	if (n <= s->cap)
		return 0;
	e = realloc(s->e, n * sizeof(*e));
	if (!e)
		return -ENOMEM;
	s->e = e;
	s->cap = n;
	return 0;
}

int mset_add(struct mset *s, int64_t v)
{
	uint32_t i = mset_find(s, v);

	if (i < s->n && s->e[i].value == v) {
		s->e[i].count++;
		return 0;
	}
	if (s->n == s->cap && mset_reserve(s, s->cap ? s->cap * 2 : 4) < 0)
		return -ENOMEM;
	memmove(&s->e[i + 1], &s->e[i], (s->n - i) * sizeof(*s->e));
	s->e[i].value = v;
	s->e[i].count = 1;
	s->n++;
	return 0;
}

void mset_del(struct mset *s, int64_t v)
{
	uint32_t i = mset_find(s, v);

	if (i >= s->n || s->e[i].value != v)
		return;
	if (--s->e[i].count)
		return;
	memmove(&s->e[i], &s->e[i + 1], (s->n - i - 1) * sizeof(*s->e));
	s->n--;
}

void mset_free(struct mset *s)
{
	free(s->e);
	s->e = NULL;
	s->n = s->cap = 0;
}
