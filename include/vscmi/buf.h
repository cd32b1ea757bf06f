/* SPDX-License-Identifier: GPL-2.0-only */
/* Bounded little-endian reader and writer: the only way bytes from a peer
 * (guest, agent socket, firmware) are read, and replies are built. */
#ifndef VSCMI_BUF_H
#define VSCMI_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vscmi_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static inline void vscmi_rd_init(struct vscmi_rd *rd, const void *p, size_t len)
{
	rd->p = p;
	rd->len = len;
	rd->off = 0;
}

static inline size_t vscmi_rd_left(const struct vscmi_rd *rd)
{
	return rd->len - rd->off;
}

/* Each returns 0, or -EBADMSG without consuming anything when short. */
int vscmi_rd_u32(struct vscmi_rd *rd, uint32_t *v);
int vscmi_rd_s32(struct vscmi_rd *rd, int32_t *v);
int vscmi_rd_bytes(struct vscmi_rd *rd, void *dst, size_t n);

/* The writer never writes past cap; an overflow is sticky and checked once. */
struct vscmi_wr {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool overflow;
};

static inline void vscmi_wr_init(struct vscmi_wr *wr, void *p, size_t cap)
{
	wr->p = p;
	wr->cap = cap;
	wr->len = 0;
	wr->overflow = false;
}

static inline size_t vscmi_wr_room(const struct vscmi_wr *wr)
{
	return wr->overflow ? 0 : wr->cap - wr->len;
}

void vscmi_wr_u16(struct vscmi_wr *wr, uint16_t v);
void vscmi_wr_u32(struct vscmi_wr *wr, uint32_t v);
void vscmi_wr_u64(struct vscmi_wr *wr, uint64_t v);
void vscmi_wr_bytes(struct vscmi_wr *wr, const void *src, size_t n);
/* A fixed-width, NUL-padded string field; always NUL-terminated. */
void vscmi_wr_str(struct vscmi_wr *wr, const char *s, size_t width);

static inline void vscmi_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t vscmi_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

#endif
