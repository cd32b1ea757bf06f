/* SPDX-License-Identifier: GPL-2.0-only */
/* libFuzzer target: arbitrary bytes as agents' messages. The input is a
 * sequence of records [agent, length, bytes...]; agent 0xff resets the agent
 * named by the next byte. Sequences reach the arbiter's vote paths, not
 * only the decoder. Every reply must be a well-formed SCMI reply. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "vscmi/buf.h"

static struct vscmi_platform *plat;
static struct arb *arb;
static struct scmi_server *srv;

static void (*pending_fn[64])(void *);
static void *pending_arg[64];
static int npending;

static int fz_defer(void *ctx, uint64_t usec, void (*fn)(void *), void *arg)
{
	if (npending == 64)
		return -1;
	pending_fn[npending] = fn;
	pending_arg[npending++] = arg;
	return 0;
}

static int fz_send(void *ctx, const uint8_t *msg, size_t len)
{
	if (len < 4 || len > SCMI_MSG_MAX)
		abort();
	return 0;
}

static int fz_system(void *ctx, struct scmi_agent *a, uint32_t flags, uint32_t state)
{
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_load_config();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scmi_hooks hooks = { .defer = fz_defer, .system_power = fz_system };
	uint8_t resp[SCMI_MSG_MAX];
	size_t off = 0;

	plat = vscmi_emu_new(&fz_cfg->model);
	arb = arb_new(&fz_cfg->model, plat);
	srv = scmi_server_new(&fz_cfg->model, arb, plat, &hooks);
	if (!plat || !arb || !srv)
		abort();
	for (uint32_t i = 1; i <= scmi_server_agent_count(srv); i++)
		scmi_agent_set_output(scmi_server_agent(srv, i), fz_send, NULL, i % 2);
	/* A refusal now and then exercises rollback. */
	if (size && data[0] & 1)
		vscmi_emu_refuse(plat, VSCMI_OP_CLOCK_ENABLE, UINT32_MAX, 3, -5);

	while (off + 2 <= size) {
		uint8_t who = data[off], len = data[off + 1];
		struct scmi_agent *a;
		size_t n, out;

		off += 2;
		if (who == 0xff) {
			a = scmi_server_agent(srv, 1 + len % scmi_server_agent_count(srv));
			scmi_agent_reset(a);
			continue;
		}
		a = scmi_server_agent(srv, 1 + who % scmi_server_agent_count(srv));
		n = len < size - off ? len : size - off;
		/* The exact length, so an overread is caught by ASan. */
		uint8_t *msg = malloc(n ? n : 1);

		memcpy(msg, data + off, n);
		out = scmi_server_handle(srv, a, msg, n, resp, sizeof(resp));
		if (out < 8 || out > sizeof(resp))
			abort();
		if (n >= 4 && memcmp(resp, msg, 4) != 0)
			abort();
		if ((int32_t)vscmi_get_le32(resp + 4) != 0 && out != 8)
			abort();
		free(msg);
		off += n;
		for (int i = 0; i < npending; i++)
			pending_fn[i](pending_arg[i]);
		npending = 0;
	}
	scmi_server_free(srv);
	arb_free(arb);
	vscmi_platform_free(plat);
	npending = 0;
	return 0;
}
