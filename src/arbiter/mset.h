/* SPDX-License-Identifier: GPL-2.0-only */
/* A multiset of values with counts, kept sorted: max/min in O(1), insert
 * and remove by binary search (plus a short memmove). */
#ifndef VSCMI_ARB_MSET_H
#define VSCMI_ARB_MSET_H

#include <stdbool.h>
#include <stdint.h>

struct mset_entry {
	int64_t value;
	uint32_t count;
};

struct mset {
	struct mset_entry *e;
	uint32_t n, cap;
};

/* Makes room for n values; after it, that many mset_add calls cannot fail. */
int mset_reserve(struct mset *s, uint32_t n);
int mset_add(struct mset *s, int64_t v);
/* Removing a value that is not there is a bug in the caller; ignored. */
void mset_del(struct mset *s, int64_t v);
static inline bool mset_empty(const struct mset *s)
{
	return s->n == 0;
}
static inline int64_t mset_max(const struct mset *s)
{
	return s->e[s->n - 1].value;
}
static inline int64_t mset_min(const struct mset *s)
{
	return s->e[0].value;
}
void mset_free(struct mset *s);

#endif
