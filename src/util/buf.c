/* SPDX-License-Identifier: GPL-2.0-only */
/* Bounded reader and writer. */
#include <errno.h>
#include <string.h>

#include "vscmi/buf.h"

int vscmi_rd_bytes(struct vscmi_rd *rd, void *dst, size_t n)
{
	if (vscmi_rd_left(rd) < n)
		return -EBADMSG;
	memcpy(dst, rd->p + rd->off, n);
	rd->off += n;
	return 0;
}

int vscmi_rd_u32(struct vscmi_rd *rd, uint32_t *v)
{
	if (vscmi_rd_left(rd) < 4)
		return -EBADMSG;
	*v = vscmi_get_le32(rd->p + rd->off);
	rd->off += 4;
	return 0;
}

int vscmi_rd_s32(struct vscmi_rd *rd, int32_t *v)
{
	uint32_t u;
	int r = vscmi_rd_u32(rd, &u);

	if (r == 0)
		*v = (int32_t)u;
	return r;
}

void vscmi_wr_bytes(struct vscmi_wr *wr, const void *src, size_t n)
{
	if (vscmi_wr_room(wr) < n) {
		wr->overflow = true;
		return;
	}
	memcpy(wr->p + wr->len, src, n);
	wr->len += n;
}

void vscmi_wr_u16(struct vscmi_wr *wr, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	vscmi_wr_bytes(wr, b, sizeof(b));
}

void vscmi_wr_u32(struct vscmi_wr *wr, uint32_t v)
{
	uint8_t b[4];

	vscmi_put_le32(b, v);
	vscmi_wr_bytes(wr, b, sizeof(b));
}

void vscmi_wr_u64(struct vscmi_wr *wr, uint64_t v)
{
	vscmi_wr_u32(wr, (uint32_t)v);
	vscmi_wr_u32(wr, (uint32_t)(v >> 32));
}

void vscmi_wr_str(struct vscmi_wr *wr, const char *s, size_t width)
{
	size_t n = strnlen(s, width - 1);

	if (vscmi_wr_room(wr) < width) {
		wr->overflow = true;
		return;
	}
	memcpy(wr->p + wr->len, s, n);
	memset(wr->p + wr->len + n, 0, width - n);
	wr->len += width;
}
