/* SPDX-License-Identifier: GPL-2.0-only */
/* What the libFuzzer targets share; see common.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "vscmi/log.h"

#define MAX_DEFER 64

struct vscmi_config *fz_cfg;

static struct {
	void (*fn)(void *);
	void *arg;
} deferred[MAX_DEFER];
static int ndeferred;

void fz_load_config(void)
{
	char err[512];

	vscmi_log_set_level(LOG_CRIT);
	if (vscmi_config_load(VSCMI_FUZZ_CONF, &fz_cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
}

uint8_t *fz_ram_new(void)
{
	uint8_t *ram = malloc(FZ_RAM_SIZE);

	if (!ram)
		abort();
	return ram;
}

bool fz_in_ram(uint64_t addr, size_t len)
{
	return addr >= FZ_RAM_GPA && addr - FZ_RAM_GPA <= FZ_RAM_SIZE &&
	       len <= FZ_RAM_SIZE - (addr - FZ_RAM_GPA);
}

static int fz_defer(void *ctx, uint64_t usec, void (*fn)(void *), void *arg)
{
	if (ndeferred == MAX_DEFER)
		return -ENOMEM;
	deferred[ndeferred].fn = fn;
	deferred[ndeferred++].arg = arg;
	return 0;
}

void fz_run_deferred(void)
{
	for (int i = 0; i < ndeferred; i++)
		deferred[i].fn(deferred[i].arg);
	ndeferred = 0;
}

void fz_server_start(struct fz_server *f)
{
	struct scmi_hooks hooks = { .defer = fz_defer };

	f->plat = vscmi_emu_new(&fz_cfg->model);
	f->arb = arb_new(&fz_cfg->model, f->plat);
	f->srv = scmi_server_new(&fz_cfg->model, f->arb, f->plat, &hooks);
	if (!f->plat || !f->arb || !f->srv)
		abort();
}

void fz_server_stop(struct fz_server *f)
{
	scmi_server_free(f->srv);
	arb_free(f->arb);
	vscmi_platform_free(f->plat);
	ndeferred = 0;
}

uint16_t fz_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t fz_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
