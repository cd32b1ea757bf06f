/* SPDX-License-Identifier: GPL-2.0-only */
/* libFuzzer target: arbitrary bytes as vscmid.conf, read through the
 * daemon's own parser and validation from memory. A configuration that
 * loads must describe a model the rest of the daemon can trust: a server
 * is built on it and torn down again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "vscmi/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	vscmi_log_set_level(LOG_CRIT);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vscmi_config *cfg = NULL;
	char err[512];
	FILE *f;
	int r;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		abort();
	r = vscmi_config_read(f, "fuzz.conf", &cfg, err, sizeof(err));
	fclose(f);
	if (r == 0) {
		struct vscmi_platform *plat = vscmi_emu_new(&cfg->model);
		struct arb *arb = plat ? arb_new(&cfg->model, plat) : NULL;

		if (!plat || !arb)
			abort();
		arb_free(arb);
		vscmi_platform_free(plat);
	} else if (!err[0] || cfg) {
		/* a refusal always says why, and returns nothing */
		abort();
	}
	vscmi_config_free(cfg);
	return 0;
}
