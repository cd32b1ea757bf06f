/* SPDX-License-Identifier: GPL-2.0-only */
/* What the libFuzzer targets share: the configuration they serve, the
 * guest's RAM, a server with a deferred-callback queue, and byte access. */
#ifndef VSCMI_FUZZ_COMMON_H
#define VSCMI_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vscmi/config.h"
#include "vscmi/scmi.h"

#define FZ_RAM_GPA 0x40000000ull
#define FZ_RAM_SIZE 0x10000u

/* What each target defines for libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern struct vscmi_config *fz_cfg;

/* Logging quietened and VSCMI_FUZZ_CONF loaded into fz_cfg, or abort. */
void fz_load_config(void);
/* The guest's RAM, exactly FZ_RAM_SIZE bytes so that ASan sees any host
 * access past it; abort when there is none. */
uint8_t *fz_ram_new(void);
/* Whether [addr, addr + len) lies in the guest's RAM, computed by
 * subtraction only so that no addr + len can wrap past the check. */
bool fz_in_ram(uint64_t addr, size_t len);

/* A server on fz_cfg's model and an emulated platform. */
struct fz_server {
	struct vscmi_platform *plat;
	struct arb *arb;
	struct scmi_server *srv;
};

/* Deferred callbacks queue up for fz_run_deferred(); abort on failure. */
void fz_server_start(struct fz_server *f);
/* Frees the server and drops what is still deferred. */
void fz_server_stop(struct fz_server *f);
/* Callbacks that defer again run in the same pass; the cap bounds it. */
void fz_run_deferred(void);

uint16_t fz_get16(const uint8_t *p);
uint32_t fz_get32(const uint8_t *p);

#endif
