/* SPDX-License-Identifier: GPL-2.0-only */
/* The arbiter and vscmid against a reference model of doc/arbiter.md.
 *
 * Random steps of several agents (one of an agent's views, a request on
 * it, a value; or the agent going away) run against tests/model/refmodel.c
 * and against the real thing: in process, the arbiter over the emulated
 * platform; end to end, vscmid over its agent sockets. After every step the
 * request's status, every agent's read of every view it has, every
 * resource's physical state and the platform's transitions must be what the
 * model says. The first divergence is shrunk to a short sequence of steps,
 * printed one a line, and the test fails.
 *
 * The seeds are fixed, so that CI runs the same steps every time; the
 * environment sets longer runs: VSCMI_MODEL_SEEDS and VSCMI_MODEL_STEPS the
 * seeds and the steps per seed (both variants), VSCMI_MODEL_SEED the first
 * seed; with VSCMI_MODEL_ALL=1 every seed runs and each kind of divergence
 * is printed once; VSCMI_MODEL_KEEP=1 keeps the daemons' directories
 * (config, log). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/refmodel.h"
#include "model/refpin.h"
#include "vscmi/arbiter.h"
#include "vscmi/buf.h"
#include "vscmi/control.h"
#include "vscmi/log.h"
#include "vscmi/model.h"
#include "vscmi/platform.h"
#include "vscmi/scmi.h"
#include "support/daemon.h"

#define T_MAX_AGENTS 4
#define T_MAX_RES 16		/* per kind */
#define T_MAX_VIEWS 16		/* per agent and kind */

#define MHZ(x) ((int64_t)(x) * 1000000)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define PD_ON 0x00000000u
#define PD_OFF 0x40000000u
#define PD_RET 0x40000001u
#define PD_RET2 0x40000002u

/* CI bounds; the environment overrides them for long runs. */
#define IP_SEEDS 20
#define IP_STEPS 500
#define DM_SEEDS 3
#define DM_STEPS 200
#define DEFAULT_SEED 20240601u
/* Replays a shrink may spend: in process they are cheap, a daemon's
 * restart is not. */
#define IP_SHRINK_RUNS 4000
#define DM_SHRINK_RUNS 80
#define DM_SHRINK_SECONDS 25.0
/* Distinct divergences remembered with VSCMI_MODEL_ALL. */
#define MAX_SIGS 64

static const enum vscmi_kind t_kinds[] = { VSCMI_CLOCK, VSCMI_POWER, VSCMI_RESET, VSCMI_VOLTAGE,
					   VSCMI_PERF,	VSCMI_POWERCAP };

/* --- the configs ------------------------------------------------------------ */

/* A system model built here, written out for vscmid as its config. */
struct soc {
	const char *name;
	struct vscmi_model m;
};

static int w_find(const struct soc *w, enum vscmi_kind kind, const char *name)
{
	for (uint32_t i = 0; i < w->m.nres[kind]; i++)
		if (strcmp(w->m.res[kind][i].name, name) == 0)
			return (int)i;
	return -1;
}

static struct vscmi_res_desc *w_res(struct soc *w, enum vscmi_kind kind, const char *name,
				    const char *parent)
{
	struct vscmi_model *m = &w->m;
	uint32_t n = m->nres[kind];
	struct vscmi_res_desc *r = realloc(m->res[kind], (n + 1) * sizeof(*r));

	ck_assert_ptr_nonnull(r);
	ck_assert_uint_lt(n, T_MAX_RES);
	m->res[kind] = r;
	m->nres[kind] = n + 1;
	memset(&r[n], 0, sizeof(r[n]));
	r[n].kind = kind;
	snprintf(r[n].name, sizeof(r[n].name), "%s", name);
	r[n].plat_id = n;
	r[n].parent = parent ? w_find(w, kind, parent) : -1;
	ck_assert_msg(!parent || r[n].parent >= 0, "no parent %s", parent);
	return &r[n];
}

static struct vscmi_range rg_list(const int64_t *v, uint32_t n)
{
	struct vscmi_range rg;

	memset(&rg, 0, sizeof(rg));
	ck_assert_uint_le(n, VSCMI_MAX_LEVELS);
	rg.count = n;
	memcpy(rg.values, v, n * sizeof(*v));
	return rg;
}

#define LIST(...) \
	rg_list((const int64_t[]){ __VA_ARGS__ }, ARRAY_LEN(((const int64_t[]){ __VA_ARGS__ })))

static struct vscmi_range rg_seg(int64_t min, int64_t max, int64_t step)
{
	struct vscmi_range rg;

	memset(&rg, 0, sizeof(rg));
	rg.segment = true;
	rg.min = min;
	rg.max = max;
	rg.step = step;
	return rg;
}

static void w_clock(struct soc *w, const char *name, const char *parent,
		    enum vscmi_policy policy, struct vscmi_range rg, int64_t rate, bool on)
{
	struct vscmi_res_desc *d = w_res(w, VSCMI_CLOCK, name, parent);

	d->u.clock.rates = rg;
	d->u.clock.policy = policy;
	d->u.clock.rate = (uint64_t)rate;
	d->u.clock.on = on;
}

static void w_voltage(struct soc *w, const char *name, enum vscmi_policy policy,
		      struct vscmi_range rg, int64_t uv, bool on)
{
	struct vscmi_res_desc *d = w_res(w, VSCMI_VOLTAGE, name, NULL);

	d->u.voltage.levels = rg;
	d->u.voltage.policy = policy;
	d->u.voltage.level = uv;
	d->u.voltage.on = on;
}

/* states: "name=value" most to least powered, the last one off. */
static void w_power(struct soc *w, const char *name, const char *parent,
		    const struct vscmi_pd_state *states, uint32_t n, const char *initial)
{
	struct vscmi_res_desc *d = w_res(w, VSCMI_POWER, name, parent);

	ck_assert_uint_le(n, VSCMI_MAX_PD_STATES);
	memcpy(d->u.power.states, states, n * sizeof(*states));
	d->u.power.nstates = n;
	d->u.power.initial = n;
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(states[i].name, initial) == 0)
			d->u.power.initial = i;
	ck_assert_uint_lt(d->u.power.initial, n);
}

#define STATES(...)                                                                      \
	(const struct vscmi_pd_state[]){ __VA_ARGS__ },                                  \
		ARRAY_LEN(((const struct vscmi_pd_state[]){ __VA_ARGS__ }))
#define ST_ON { "on", PD_ON }
#define ST_RET { "ret", PD_RET }
#define ST_RET2 { "ret2", PD_RET2 }
#define ST_OFF { "off", PD_OFF }

static void w_reset(struct soc *w, const char *name, bool asserted, bool allow_autonomous)
{
	struct vscmi_res_desc *d = w_res(w, VSCMI_RESET, name, NULL);

	d->u.reset.asserted = asserted;
	d->u.reset.allow_autonomous = allow_autonomous;
}

static void w_perf(struct soc *w, const char *name, const uint32_t *perf, uint32_t n,
		   uint32_t initial)
{
	struct vscmi_res_desc *d = w_res(w, VSCMI_PERF, name, NULL);

	ck_assert_uint_le(n, VSCMI_MAX_LEVELS);
	for (uint32_t k = 0; k < n; k++)
		d->u.perf.levels[k] = (struct vscmi_perf_level){
			.perf = perf[k], .power = 100 * (k + 1), .latency_us = 10,
			.freq_khz = 100000 * (k + 1) };
	d->u.perf.nlevels = n;
	d->u.perf.initial = initial;
}

/* Caps in mW and PAIs in us, each range min max step; cap 0: uncapped at
 * boot. */
static void w_powercap(struct soc *w, const char *name, const char *parent,
		       const uint32_t caps[3], uint32_t cap, const uint32_t pais[3], uint32_t pai)
{
	struct vscmi_res_desc *d = w_res(w, VSCMI_POWERCAP, name, parent);

	d->u.powercap.unit = 2;
	d->u.powercap.cap_min = caps[0];
	d->u.powercap.cap_max = caps[1];
	d->u.powercap.cap_step = caps[2];
	d->u.powercap.cap = cap;
	d->u.powercap.pai_min = pais[0];
	d->u.powercap.pai_max = pais[1];
	d->u.powercap.pai_step = pais[2];
	d->u.powercap.pai = pai;
	d->u.powercap.load = caps[1] / 2;
	d->u.powercap.period_ms = 10000;
}

#define RANGE3(a, b, c) ((const uint32_t[3]){ (a), (b), (c) })

#define LEVELS(...)                                                                      \
	(const uint32_t[]){ __VA_ARGS__ }, ARRAY_LEN(((const uint32_t[]){ __VA_ARGS__ }))

static uint32_t w_agent(struct soc *w, const char *name)
{
	struct vscmi_model *m = &w->m;
	struct vscmi_agent_desc *a = realloc(m->agents, (m->nagents + 1) * sizeof(*a));

	ck_assert_ptr_nonnull(a);
	ck_assert_uint_lt(m->nagents, T_MAX_AGENTS);
	m->agents = a;
	a = &a[m->nagents++];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	return m->nagents;
}

/* Views in the order given: "res:view res:view ...". */
static void w_views(struct soc *w, uint32_t agent, enum vscmi_kind kind, const char *list)
{
	struct vscmi_agent_desc *a = &w->m.agents[agent - 1];
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *colon = strchr(tok, ':');
		struct vscmi_view_desc *v;
		int res;

		ck_assert_ptr_nonnull(colon);
		*colon = '\0';
		res = w_find(w, kind, tok);
		ck_assert_msg(res >= 0, "no %s %s", vscmi_kind_name(kind), tok);
		ck_assert_uint_lt(a->nviews[kind], T_MAX_VIEWS);
		v = realloc(a->views[kind], (a->nviews[kind] + 1) * sizeof(*v));
		ck_assert_ptr_nonnull(v);
		a->views[kind] = v;
		v = &v[a->nviews[kind]++];
		memset(v, 0, sizeof(*v));
		v->res = (uint32_t)res;
		snprintf(v->name, sizeof(v->name), "%s", colon + 1);
	}
}

/* Every policy of clocks and voltage domains, clock chains three deep
 * shared between agents (one on at boot all the way), power domains with
 * parents, retention and a boot state, resets deasserted at boot, a perf
 * table with gaps whose initial level is in the middle. */
static void build_media(struct soc *w)
{
	uint32_t cam, disp, info;

	w->name = "media";
	w_clock(w, "pll_root", NULL, VSCMI_POLICY_FIXED, LIST(MHZ(800), MHZ(1600)), MHZ(1600),
		false);
	w_clock(w, "pll_video", "pll_root", VSCMI_POLICY_MAX, rg_seg(MHZ(100), MHZ(800), MHZ(1)),
		MHZ(400), false);
	w_clock(w, "cam_pix", "pll_video", VSCMI_POLICY_EXCLUSIVE,
		LIST(MHZ(25), MHZ(50), MHZ(100), MHZ(200)), MHZ(50), false);
	w_clock(w, "disp_pix", "pll_video", VSCMI_POLICY_MAX, rg_seg(MHZ(10), MHZ(300), 500000),
		148500000, false);
	w_clock(w, "cam_core", NULL, VSCMI_POLICY_EXCLUSIVE, LIST(MHZ(100), MHZ(200), MHZ(400)),
		MHZ(100), false);
	w_clock(w, "bus_axi", NULL, VSCMI_POLICY_MAX, LIST(MHZ(200), MHZ(400), MHZ(533)),
		MHZ(200), true);
	w_clock(w, "aux_osc", NULL, VSCMI_POLICY_FIXED, LIST(MHZ(24), MHZ(48)), MHZ(48), true);
	w_clock(w, "aux_pll", "aux_osc", VSCMI_POLICY_EXCLUSIVE,
		rg_seg(MHZ(100), MHZ(1000), MHZ(100)), MHZ(500), true);
	w_clock(w, "aux_clk", "aux_pll", VSCMI_POLICY_MAX, LIST(MHZ(10), MHZ(20), MHZ(40)),
		MHZ(20), true);

	w_voltage(w, "vdd_cam", VSCMI_POLICY_MAX, LIST(1800000, 2800000, 3300000), 1800000, false);
	w_voltage(w, "vdd_core", VSCMI_POLICY_EXCLUSIVE, rg_seg(600000, 1000000, 12500), 800000,
		  true);
	w_voltage(w, "vdd_io", VSCMI_POLICY_FIXED, LIST(1800000, 3300000), 3300000, true);
	w_voltage(w, "vdd_ana", VSCMI_POLICY_FIXED, LIST(1200000), 1200000, false);

	w_power(w, "media", NULL, STATES(ST_ON, ST_OFF), "on");
	w_power(w, "isp", "media", STATES(ST_ON, ST_RET, ST_OFF), "ret");
	w_power(w, "dpu", "media", STATES(ST_ON, ST_OFF), "off");
	w_power(w, "vpu", "isp", STATES(ST_ON, ST_RET, ST_OFF), "off");
	w_power(w, "audio_pd", NULL, STATES(ST_ON, ST_RET, ST_RET2, ST_OFF), "off");

	w_reset(w, "rst_bus", true, false);
	w_reset(w, "rst_csi", false, false);
	w_reset(w, "rst_audio", true, true);
	w_reset(w, "rst_cam", false, false);

	w_perf(w, "gpu", LEVELS(100, 200, 300, 400, 500), 300);
	w_perf(w, "dsp", LEVELS(10, 20, 40, 80), 80);

	w_powercap(w, "soc_pc", NULL, RANGE3(1000, 8000, 500), 6000, RANGE3(1000, 20000, 1000),
		   5000);
	w_powercap(w, "gpu_pc", "soc_pc", RANGE3(500, 4000, 250), 0, RANGE3(1000, 10000, 1000),
		   2000);

	cam = w_agent(w, "camera");
	w_views(w, cam, VSCMI_CLOCK,
		"cam_pix:pix cam_core:core pll_video:vpll bus_axi:axi aux_clk:aux");
	w_views(w, cam, VSCMI_POWER, "isp:isp vpu:vpu media:media");
	w_views(w, cam, VSCMI_RESET, "rst_cam:cam rst_bus:bus rst_csi:csi");
	w_views(w, cam, VSCMI_VOLTAGE, "vdd_cam:vdd vdd_core:core");
	w_views(w, cam, VSCMI_PERF, "gpu:gpu");
	w_views(w, cam, VSCMI_POWERCAP, "gpu_pc:gpu");
	disp = w_agent(w, "display");
	w_views(w, disp, VSCMI_CLOCK, "disp_pix:pix pll_root:root bus_axi:axi cam_core:core");
	w_views(w, disp, VSCMI_POWER, "dpu:dpu isp:isp");
	w_views(w, disp, VSCMI_RESET, "rst_bus:bus rst_csi:csi rst_audio:audio");
	w_views(w, disp, VSCMI_VOLTAGE, "vdd_core:core vdd_io:io vdd_cam:cam");
	w_views(w, disp, VSCMI_PERF, "dsp:dsp gpu:gpu");
	w_views(w, disp, VSCMI_POWERCAP, "soc_pc:soc gpu_pc:gpu");
	info = w_agent(w, "infotain");
	w_views(w, info, VSCMI_CLOCK, "aux_pll:pll aux_clk:clk cam_pix:campix pll_video:vpll");
	w_views(w, info, VSCMI_POWER, "audio_pd:audio media:media vpu:vpu");
	w_views(w, info, VSCMI_RESET, "rst_audio:audio rst_bus:bus");
	w_views(w, info, VSCMI_VOLTAGE, "vdd_io:io vdd_ana:ana vdd_cam:cam");
	w_views(w, info, VSCMI_PERF, "gpu:gpu dsp:dsp");
	w_views(w, info, VSCMI_POWERCAP, "soc_pc:soc");
}

/* Mostly on at boot: a clock chain four deep, regulators on, a power
 * domain ON with a child in retention, resets deasserted, a perf domain
 * starting at its top level. */
static void build_boot(struct soc *w)
{
	uint32_t a, b, g;

	w->name = "boot";
	w_clock(w, "xtal", NULL, VSCMI_POLICY_FIXED, LIST(19200000), 19200000, true);
	w_clock(w, "pll0", "xtal", VSCMI_POLICY_MAX, rg_seg(MHZ(200), MHZ(1200), MHZ(100)),
		MHZ(600), true);
	w_clock(w, "core", "pll0", VSCMI_POLICY_EXCLUSIVE, LIST(MHZ(100), MHZ(300), MHZ(600)),
		MHZ(300), true);
	w_clock(w, "peri", "pll0", VSCMI_POLICY_MAX, LIST(MHZ(50), MHZ(100)), MHZ(50), false);
	w_clock(w, "sdio", "core", VSCMI_POLICY_EXCLUSIVE, LIST(MHZ(25), MHZ(50)), MHZ(25),
		false);
	w_clock(w, "spare", NULL, VSCMI_POLICY_FIXED, LIST(32768), 32768, false);

	w_voltage(w, "vdd_cpu", VSCMI_POLICY_MAX, LIST(700000, 800000, 900000), 800000, true);
	w_voltage(w, "vdd_mem", VSCMI_POLICY_EXCLUSIVE, LIST(1100000, 1200000), 1200000, true);
	w_voltage(w, "vdd_fix", VSCMI_POLICY_FIXED, LIST(1800000), 1800000, true);
	w_voltage(w, "vdd_gpu", VSCMI_POLICY_MAX, rg_seg(500000, 1000000, 50000), 500000, false);

	w_power(w, "top", NULL, STATES(ST_ON, ST_RET, ST_OFF), "on");
	w_power(w, "cpu_pd", "top", STATES(ST_ON, ST_RET, ST_OFF), "ret");
	w_power(w, "gfx_pd", "top", STATES(ST_ON, ST_OFF), "off");
	w_power(w, "gfx_core", "gfx_pd", STATES(ST_ON, ST_RET, ST_OFF), "off");

	w_reset(w, "r_sys", false, false);
	w_reset(w, "r_usb", false, true);
	w_reset(w, "r_gpu", true, false);
	w_reset(w, "r_own", true, false);

	w_perf(w, "big", LEVELS(100, 200, 300, 400, 500), 500);
	w_perf(w, "little", LEVELS(100, 200, 300, 400, 500), 200);

	a = w_agent(w, "alpha");
	w_views(w, a, VSCMI_CLOCK, "core:cpu pll0:pll peri:peri sdio:sd");
	w_views(w, a, VSCMI_POWER, "cpu_pd:cpu gfx_core:gfx top:top");
	w_views(w, a, VSCMI_RESET, "r_sys:sys r_gpu:gpu r_own:own");
	w_views(w, a, VSCMI_VOLTAGE, "vdd_cpu:cpu vdd_mem:mem vdd_gpu:gpu");
	w_views(w, a, VSCMI_PERF, "big:big little:little");
	b = w_agent(w, "beta");
	w_views(w, b, VSCMI_CLOCK, "peri:p0 core:c0 xtal:x spare:s");
	w_views(w, b, VSCMI_POWER, "gfx_pd:gfx cpu_pd:cpu");
	w_views(w, b, VSCMI_RESET, "r_usb:usb r_sys:sys r_gpu:gpu");
	w_views(w, b, VSCMI_VOLTAGE, "vdd_fix:fix vdd_cpu:cpu");
	w_views(w, b, VSCMI_PERF, "little:little big:big");
	g = w_agent(w, "gamma");
	w_views(w, g, VSCMI_CLOCK, "sdio:sd pll0:pll core:core");
	w_views(w, g, VSCMI_POWER, "top:top gfx_core:gfx");
	w_views(w, g, VSCMI_RESET, "r_gpu:gpu r_sys:sys r_usb:usb");
	w_views(w, g, VSCMI_VOLTAGE, "vdd_mem:mem vdd_gpu:gpu vdd_fix:fix");
	w_views(w, g, VSCMI_PERF, "big:big");
}

/* Few resources, every agent sees all of them: the most contention. */
static void build_dense(struct soc *w)
{
	static const char *const names[] = { "x", "y", "z" };
	static const char *const clocks[] = { "root:r mid:m leaf:l fix:f",
					      "leaf:l fix:f root:r mid:m",
					      "mid:m root:r fix:f leaf:l" };
	static const char *const power[] = { "p:p q:q", "q:q p:p", "p:p q:q" };
	static const char *const resets[] = { "r:r s:s", "s:s r:r", "r:r s:s" };
	static const char *const volts[] = { "v_ex:e v_max:m v_fix:f", "v_fix:f v_ex:e v_max:m",
					     "v_max:m v_fix:f v_ex:e" };

	w->name = "dense";
	w_clock(w, "root", NULL, VSCMI_POLICY_MAX, LIST(MHZ(100), MHZ(200), MHZ(400)), MHZ(200),
		true);
	w_clock(w, "mid", "root", VSCMI_POLICY_EXCLUSIVE, LIST(MHZ(50), MHZ(100), MHZ(150)),
		MHZ(100), false);
	w_clock(w, "leaf", "mid", VSCMI_POLICY_MAX, rg_seg(MHZ(1), MHZ(100), MHZ(1)), MHZ(10),
		false);
	w_clock(w, "fix", "root", VSCMI_POLICY_FIXED, LIST(MHZ(100)), MHZ(100), false);
	w_voltage(w, "v_ex", VSCMI_POLICY_EXCLUSIVE, LIST(900000, 1000000, 1100000), 1000000,
		  true);
	w_voltage(w, "v_max", VSCMI_POLICY_MAX, LIST(900000, 1000000, 1100000), 900000, false);
	w_voltage(w, "v_fix", VSCMI_POLICY_FIXED, LIST(1000000), 1000000, false);
	w_power(w, "p", NULL, STATES(ST_ON, ST_RET, ST_OFF), "ret");
	w_power(w, "q", "p", STATES(ST_ON, ST_OFF), "off");
	w_reset(w, "r", false, false);
	w_reset(w, "s", true, true);
	w_perf(w, "f", LEVELS(100, 200, 300, 400, 500), 300);
	w_powercap(w, "pc", NULL, RANGE3(100, 1000, 100), 800, RANGE3(100, 1000, 100), 500);
	for (uint32_t i = 0; i < ARRAY_LEN(names); i++) {
		uint32_t a = w_agent(w, names[i]);

		w_views(w, a, VSCMI_CLOCK, clocks[i]);
		w_views(w, a, VSCMI_POWER, power[i]);
		w_views(w, a, VSCMI_RESET, resets[i]);
		w_views(w, a, VSCMI_VOLTAGE, volts[i]);
		w_views(w, a, VSCMI_PERF, "f:f");
		w_views(w, a, VSCMI_POWERCAP, "pc:pc");
	}
}

static void (*const builders[])(struct soc *w) = { build_media, build_boot, build_dense };

static void soc_build(struct soc *w, uint32_t which)
{
	memset(w, 0, sizeof(*w));
	builders[which % ARRAY_LEN(builders)](w);
}

static void soc_free(struct soc *w)
{
	vscmi_model_free(&w->m);
}

static const struct vscmi_res_desc *w_view_desc(const struct soc *w, uint32_t agent,
						enum vscmi_kind kind, uint32_t view)
{
	const struct vscmi_agent_desc *a = &w->m.agents[agent - 1];

	return &w->m.res[kind][a->views[kind][view].res];
}

static void conf_range(FILE *f, const char *list_key, const struct vscmi_range *rg)
{
	if (rg->segment) {
		fprintf(f, "range = %" PRId64 " %" PRId64 " %" PRId64 "\n", rg->min, rg->max,
			rg->step);
		return;
	}
	fprintf(f, "%s =", list_key);
	for (uint32_t i = 0; i < rg->count; i++)
		fprintf(f, " %" PRId64, rg->values[i]);
	fputc('\n', f);
}

static void conf_parent(FILE *f, const struct soc *w, const struct vscmi_res_desc *d)
{
	if (d->parent >= 0)
		fprintf(f, "parent = %s\n", w->m.res[d->kind][d->parent].name);
}

/* The SoC as vscmid.conf: sections in index order, so that the config
 * numbers resources and views as the model does. */
static int conf_write(const struct soc *w, const char *path, const char *dir)
{
	static const char *const view_keys[VSCMI_KIND_COUNT] = {
		[VSCMI_CLOCK] = "clocks",     [VSCMI_POWER] = "power", [VSCMI_RESET] = "resets",
		[VSCMI_VOLTAGE] = "voltages", [VSCMI_PERF] = "perf",
		[VSCMI_POWERCAP] = "powercaps",
	};
	const struct vscmi_model *m = &w->m;
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "; written by tests/test_model.c, SoC %s\n", w->name);
	fprintf(f, "[daemon]\ncontrol = %s/control\nsocket_dir = %s\nplatform = emulated\n", dir,
		dir);
	for (uint32_t i = 0; i < m->nres[VSCMI_CLOCK]; i++) {
		const struct vscmi_res_desc *d = &m->res[VSCMI_CLOCK][i];

		fprintf(f, "\n[clock %s]\nid = %u\n", d->name, d->plat_id);
		conf_range(f, "rates", &d->u.clock.rates);
		fprintf(f, "policy = %s\nrate = %" PRIu64 "\nenabled = %s\n",
			vscmi_policy_name(d->u.clock.policy), d->u.clock.rate,
			d->u.clock.on ? "yes" : "no");
		conf_parent(f, w, d);
	}
	for (uint32_t i = 0; i < m->nres[VSCMI_POWER]; i++) {
		const struct vscmi_res_desc *d = &m->res[VSCMI_POWER][i];

		fprintf(f, "\n[power %s]\nid = %u\nstates =", d->name, d->plat_id);
		for (uint32_t s = 0; s < d->u.power.nstates; s++)
			fprintf(f, " %s=0x%x", d->u.power.states[s].name,
				d->u.power.states[s].value);
		fprintf(f, "\ninitial = %s\n", d->u.power.states[d->u.power.initial].name);
		conf_parent(f, w, d);
	}
	for (uint32_t i = 0; i < m->nres[VSCMI_RESET]; i++) {
		const struct vscmi_res_desc *d = &m->res[VSCMI_RESET][i];

		fprintf(f, "\n[reset %s]\nid = %u\nautonomous = %s\ninitial = %s\n", d->name,
			d->plat_id, d->u.reset.allow_autonomous ? "allow" : "deny",
			d->u.reset.asserted ? "asserted" : "deasserted");
	}
	for (uint32_t i = 0; i < m->nres[VSCMI_VOLTAGE]; i++) {
		const struct vscmi_res_desc *d = &m->res[VSCMI_VOLTAGE][i];

		fprintf(f, "\n[voltage %s]\nid = %u\n", d->name, d->plat_id);
		conf_range(f, "levels", &d->u.voltage.levels);
		fprintf(f, "policy = %s\nlevel = %" PRId64 "\nenabled = %s\n",
			vscmi_policy_name(d->u.voltage.policy), d->u.voltage.level,
			d->u.voltage.on ? "yes" : "no");
	}
	for (uint32_t i = 0; i < m->nres[VSCMI_PERF]; i++) {
		const struct vscmi_res_desc *d = &m->res[VSCMI_PERF][i];

		fprintf(f, "\n[perf %s]\nid = %u\nlevels =", d->name, d->plat_id);
		for (uint32_t l = 0; l < d->u.perf.nlevels; l++) {
			const struct vscmi_perf_level *p = &d->u.perf.levels[l];

			fprintf(f, " %u:%u:%u:%u", p->perf, p->power, p->latency_us, p->freq_khz);
		}
		fprintf(f, "\ninitial = %u\n", d->u.perf.initial);
	}
	for (uint32_t i = 0; i < m->nres[VSCMI_POWERCAP]; i++) {
		const struct vscmi_res_desc *d = &m->res[VSCMI_POWERCAP][i];
		const typeof(d->u.powercap) *p = &d->u.powercap;

		fprintf(f, "\n[powercap %s]\nid = %u\nunit = %s\n", d->name, d->plat_id,
			p->unit == 1 ? "uW" : "mW");
		fprintf(f, "cap_range = %u %u %u\ncap = %u\n", p->cap_min, p->cap_max, p->cap_step,
			p->cap);
		fprintf(f, "pai_range = %u %u %u\npai = %u\nload = %u\n", p->pai_min, p->pai_max,
			p->pai_step, p->pai, p->load);
		conf_parent(f, w, d);
	}
	for (uint32_t a = 0; a < m->nagents; a++) {
		const struct vscmi_agent_desc *ad = &m->agents[a];

		fprintf(f, "\n[agent %s]\n", ad->name);
		for (size_t x = 0; x < ARRAY_LEN(t_kinds); x++) {
			enum vscmi_kind k = t_kinds[x];

			if (!ad->nviews[k])
				continue;
			fprintf(f, "%s =", view_keys[k]);
			for (uint32_t v = 0; v < ad->nviews[k]; v++)
				fprintf(f, " %s:%s", m->res[k][ad->views[k][v].res].name,
					ad->views[k][v].name);
			fputc('\n', f);
		}
	}
	return fclose(f) == 0 ? 0 : -errno;
}

/* --- random steps ----------------------------------------------------------- */

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd_below(uint64_t *s, uint32_t n)
{
	return n ? (uint32_t)((rnd(s) >> 32) % n) : 0;
}

static bool rnd_pct(uint64_t *s, uint32_t pct)
{
	return rnd_below(s, 100) < pct;
}

/* A rate or a level for a resource with this range: mostly ones it has,
 * some to round, some outside it. */
static int64_t gen_level(uint64_t *s, const struct vscmi_range *rg, int64_t configured)
{
	int64_t lo = rg->segment ? rg->min : rg->values[0];
	int64_t hi = rg->segment ? rg->max : rg->values[rg->count - 1];
	uint32_t r = rnd_below(s, 100);

	if (r < 15)
		return configured;
	if (r < 70) {
		if (rg->segment)
			return lo + rg->step * (int64_t)rnd_below(
						  s, (uint32_t)((hi - lo) / rg->step + 1));
		return rg->values[rnd_below(s, rg->count)];
	}
	if (r < 90)
		return lo + (int64_t)(rnd(s) % (uint64_t)(hi - lo + 1));
	return rnd_pct(s, 50) ? lo / 2 : hi + (hi - lo) / 4 + 1;
}

static int64_t gen_perf_value(uint64_t *s, const struct vscmi_res_desc *d, bool for_limit)
{
	uint32_t n = d->u.perf.nlevels, j = rnd_below(s, n), r = rnd_below(s, 100);
	const struct vscmi_perf_level *l = d->u.perf.levels;

	if (for_limit && r < 25)
		return 0;
	if (r < 75)
		return l[j].perf;
	if (r < 92 && j + 1 < n)
		return l[j].perf + (l[j + 1].perf - l[j].perf) / 2 + (int64_t)rnd_below(s, 3);
	return rnd_pct(s, 50) ? l[0].perf / 2 : l[n - 1].perf + 50;
}

static void gen_step(const struct soc *w, uint64_t *s, struct rm_step *st)
{
	static const uint32_t weights[VSCMI_KIND_COUNT] = {
		[VSCMI_CLOCK] = 30, [VSCMI_POWER] = 15, [VSCMI_RESET] = 15,
		[VSCMI_VOLTAGE] = 20, [VSCMI_PERF] = 20, [VSCMI_POWERCAP] = 15,
	};
	const struct vscmi_agent_desc *ad;
	const struct vscmi_res_desc *d;
	enum vscmi_kind kind = VSCMI_CLOCK;
	uint32_t total = 0, pick, r;

	memset(st, 0, sizeof(*st));
	st->agent = 1 + rnd_below(s, w->m.nagents);
	ad = &w->m.agents[st->agent - 1];
	r = rnd_below(s, 100);
	if (r < 5) {
		st->req = r < 3 ? RM_RESET_AGENT : RM_DISCONNECT;
		return;
	}
	for (size_t x = 0; x < ARRAY_LEN(t_kinds); x++)
		total += ad->nviews[t_kinds[x]] ? weights[t_kinds[x]] : 0;
	pick = rnd_below(s, total);
	for (size_t x = 0; x < ARRAY_LEN(t_kinds); x++) {
		uint32_t wt = ad->nviews[t_kinds[x]] ? weights[t_kinds[x]] : 0;

		if (pick < wt) {
			kind = t_kinds[x];
			break;
		}
		pick -= wt;
	}
	st->view = rnd_below(s, ad->nviews[kind]);
	d = w_view_desc(w, st->agent, kind, st->view);
	switch (kind) {
	case VSCMI_CLOCK:
		if (rnd_pct(s, 45)) {
			st->req = RM_CLOCK_ENABLE;
			st->val = rnd_pct(s, 60);
			break;
		}
		st->req = RM_CLOCK_RATE;
		st->val = gen_level(s, &d->u.clock.rates, (int64_t)d->u.clock.rate);
		r = rnd_below(s, 100);
		st->round = r < 70 ? RM_ROUND_DOWN : r < 85 ? RM_ROUND_UP : RM_ROUND_AUTO;
		break;
	case VSCMI_POWER:
		st->req = RM_POWER_STATE;
		st->val = rnd_pct(s, 90) ? d->u.power.states[rnd_below(s, d->u.power.nstates)].value
					 : 0x12345;
		break;
	case VSCMI_RESET:
		r = rnd_below(s, 100);
		st->req = r < 10 ? RM_RESET_PULSE : RM_RESET_LINE;
		st->val = r < 10 ? 0 : r < 55;
		break;
	case VSCMI_VOLTAGE:
		if (rnd_pct(s, 45)) {
			st->req = RM_VOLTAGE_ENABLE;
			st->val = rnd_pct(s, 60);
			break;
		}
		st->req = RM_VOLTAGE_LEVEL;
		st->val = gen_level(s, &d->u.voltage.levels, d->u.voltage.level);
		break;
	case VSCMI_PERF:
		if (rnd_pct(s, 50)) {
			st->req = RM_PERF_LEVEL;
			st->val = gen_perf_value(s, d, false);
			break;
		}
		st->req = RM_PERF_LIMITS;
		st->val = gen_perf_value(s, d, true);
		st->val2 = gen_perf_value(s, d, true);
		/* Both 0 keeps both: the protocol refuses that as no request
		 * (the document does not say), so it is not generated. */
		if (!st->val && !st->val2)
			st->val = d->u.perf.levels[d->u.perf.nlevels - 1].perf;
		break;
	case VSCMI_POWERCAP: {
		bool cap = rnd_pct(s, 65);
		uint32_t lo = cap ? d->u.powercap.cap_min : d->u.powercap.pai_min;
		uint32_t hi = cap ? d->u.powercap.cap_max : d->u.powercap.pai_max;
		uint32_t step = cap ? d->u.powercap.cap_step : d->u.powercap.pai_step;

		st->req = cap ? RM_POWERCAP_CAP : RM_POWERCAP_PAI;
		r = rnd_below(s, 100);
		/* none, a step, between steps, outside the range */
		if (r < 15)
			st->val = 0;
		else if (r < 80)
			st->val = lo + (int64_t)step * rnd_below(s, (hi - lo) / step + 1);
		else if (r < 90)
			st->val = lo + step / 2;
		else
			st->val = rnd_pct(s, 50) ? lo - 1 : (int64_t)hi + step;
		break;
	}
	default:
		break;
	}
}

static void fmt_step(const struct soc *w, const struct rm_step *s, char *buf, size_t len)
{
	static const char *const rounds[] = { "down", "up", "auto" };
	const char *agent = w->m.agents[s->agent - 1].name;
	enum vscmi_kind kind = rm_req_kind(s->req);
	const struct vscmi_res_desc *d;
	const char *view;
	int n;

	if (kind == VSCMI_KIND_COUNT) {
		snprintf(buf, len, "agent %s: %s", agent,
			 s->req == RM_DISCONNECT ? "goes away (disconnects)"
						 : "goes away (RESET_AGENT_CONFIGURATION)");
		return;
	}
	d = w_view_desc(w, s->agent, kind, s->view);
	view = w->m.agents[s->agent - 1].views[kind][s->view].name;
	n = snprintf(buf, len, "agent %s: %s %u:%s (%s) ", agent, vscmi_kind_name(kind), s->view,
		     view, d->name);
	if (n < 0 || (size_t)n >= len)
		return;
	buf += n;
	len -= (size_t)n;
	switch (s->req) {
	case RM_CLOCK_ENABLE:
	case RM_VOLTAGE_ENABLE:
		snprintf(buf, len, "%s", s->val ? "on" : "off");
		break;
	case RM_CLOCK_RATE:
		snprintf(buf, len, "rate %" PRId64 " (round %s)", s->val, rounds[s->round % 3]);
		break;
	case RM_VOLTAGE_LEVEL:
	case RM_PERF_LEVEL:
		snprintf(buf, len, "level %" PRId64, s->val);
		break;
	case RM_POWER_STATE: {
		int i = vscmi_pd_state_index(d, (uint32_t)s->val);

		snprintf(buf, len, "state %s (0x%" PRIx64 ")",
			 i >= 0 ? d->u.power.states[i].name : "?", s->val);
		break;
	}
	case RM_RESET_LINE:
		snprintf(buf, len, "%s", s->val ? "assert" : "deassert");
		break;
	case RM_RESET_PULSE:
		snprintf(buf, len, "pulse (autonomous reset)");
		break;
	case RM_PERF_LIMITS:
		snprintf(buf, len, "limits max %" PRId64 " min %" PRId64, s->val, s->val2);
		break;
	case RM_POWERCAP_CAP:
		snprintf(buf, len, "cap %" PRId64, s->val);
		break;
	case RM_POWERCAP_PAI:
		snprintf(buf, len, "pai %" PRId64 " us", s->val);
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}

/* --- observing and comparing ------------------------------------------------ */

/* What one step did, as the arbiter or the daemon shows it. */
struct obs {
	int32_t status;
	uint64_t transitions;
	bool have_ops;		/* the calls themselves (in process) */
	uint32_t nops;
	struct rm_op ops[RM_MAX_OPS];
	struct rm_phys phys[VSCMI_KIND_COUNT][T_MAX_RES];
	bool have_hw;		/* the emulated hardware's own state (in process) */
	struct rm_phys hw[VSCMI_KIND_COUNT][T_MAX_RES];
	bool hw_known[VSCMI_KIND_COUNT][T_MAX_RES][2];
	struct rm_read reads[T_MAX_AGENTS][VSCMI_KIND_COUNT][T_MAX_VIEWS];
};

/* A replay of steps; what it found. */
struct run {
	const struct soc *w;
	const struct rm_step *steps;
	uint32_t n;
	bool failed;
	uint32_t at;		/* steps done when it showed (0: at start) */
	char sig[160];		/* which divergence, for the shrinker */
	char msg[4096];
	int32_t *got, *want;	/* per step */
};

__attribute__((format(printf, 3, 4))) static void diverge(struct run *r, const char *sig,
							  const char *fmt, ...)
{
	va_list ap;

	if (r->failed)
		return;
	r->failed = true;
	snprintf(r->sig, sizeof(r->sig), "%s", sig);
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

static const char *pd_name(const struct vscmi_res_desc *d, uint32_t pd)
{
	return pd < d->u.power.nstates ? d->u.power.states[pd].name : "?";
}

static void fmt_op(const struct soc *w, const struct rm_op *op, char *buf, size_t len)
{
	const char *name = (unsigned int)op->kind < VSCMI_KIND_COUNT &&
					   op->res < w->m.nres[op->kind] ?
				   w->m.res[op->kind][op->res].name :
				   "?";

	if (op->type == VSCMI_OP_PERF_LIMITS) {
		snprintf(buf, len, "%s %s [%" PRId64 ", %" PRId64 "]", vscmi_op_name(op->type),
			 name, op->val2, op->val);
	} else if (op->type == VSCMI_OP_POWER_STATE && op->res < w->m.nres[VSCMI_POWER]) {
		const struct vscmi_res_desc *d = &w->m.res[VSCMI_POWER][op->res];
		int i = vscmi_pd_state_index(d, (uint32_t)op->val);

		snprintf(buf, len, "%s %s %s", vscmi_op_name(op->type), name,
			 i >= 0 ? d->u.power.states[i].name : "?");
	} else
		snprintf(buf, len, "%s %s %" PRId64, vscmi_op_name(op->type), name, op->val);
}

static void fmt_ops(const struct soc *w, const struct rm_op *ops, uint32_t n, char *buf,
		    size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	if (n == 0)
		snprintf(buf, len, "none");
	for (uint32_t i = 0; i < n && used + 1 < len; i++) {
		char one[160];
		int k;

		fmt_op(w, &ops[i], one, sizeof(one));
		k = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", one);
		if (k < 0)
			break;
		used += (size_t)k;
	}
}

/* The calls on one resource, in the order made. */
static uint32_t ops_on(const struct rm_op *ops, uint32_t n, enum vscmi_kind kind, uint32_t res,
		       struct rm_op *out)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < n && i < RM_MAX_OPS; i++)
		if (ops[i].kind == kind && ops[i].res == res)
			out[k++] = ops[i];
	return k;
}

/* Same calls on the resource, in the same order. */
static bool ops_equal_on(const struct rm_op *a, uint32_t na, const struct rm_op *b, uint32_t nb,
			 enum vscmi_kind kind, uint32_t res)
{
	struct rm_op x[RM_MAX_OPS], y[RM_MAX_OPS];
	uint32_t nx = ops_on(a, na, kind, res, x), ny = ops_on(b, nb, kind, res, y);

	if (nx != ny)
		return false;
	for (uint32_t i = 0; i < nx; i++)
		if (x[i].type != y[i].type || x[i].val != y[i].val ||
		    (x[i].type == VSCMI_OP_PERF_LIMITS && x[i].val2 != y[i].val2))
			return false;
	return true;
}

/* Compares one field; on a difference records the divergence. */
static bool field_eq(struct run *r, const char *what, const char *kind, const char *name,
		     const char *field, const char *where, int64_t got, int64_t want)
{
	char sig[160];

	if (got == want)
		return true;
	snprintf(sig, sizeof(sig), "%s %s %s %s", what, kind, name, field);
	diverge(r, sig, "%s%s %s %s: %s %" PRId64 ", model %" PRId64, where, kind, name, field,
		what, got, want);
	return false;
}

static bool cmp_phys(struct run *r, const char *what, const struct vscmi_res_desc *d,
		     const struct rm_phys *got, const struct rm_phys *want, const bool *known)
{
	const char *k = vscmi_kind_name(d->kind);
	bool ok = true;

	switch (d->kind) {
	case VSCMI_CLOCK:
	case VSCMI_VOLTAGE:
		ok = (known && !known[0]) ||
		     field_eq(r, what, k, d->name, "on", "", got->on, want->on);
		ok = ok && ((known && !known[1]) ||
			    field_eq(r, what, k, d->name, d->kind == VSCMI_CLOCK ? "rate" : "level",
				     "", got->level, want->level));
		break;
	case VSCMI_POWER:
		if (got->pd != want->pd && (!known || known[0])) {
			char sig[160];

			snprintf(sig, sizeof(sig), "%s power %s state", what, d->name);
			diverge(r, sig, "power %s state: %s %s, model %s", d->name, what,
				pd_name(d, got->pd), pd_name(d, want->pd));
			ok = false;
		}
		break;
	case VSCMI_RESET:
		ok = (known && !known[0]) ||
		     field_eq(r, what, k, d->name, "asserted", "", got->asserted, want->asserted);
		break;
	case VSCMI_PERF:
		ok = (known && !known[0]) ||
		     field_eq(r, what, k, d->name, "level", "", got->level, want->level);
		ok = ok && ((known && !known[1]) ||
			    field_eq(r, what, k, d->name, "max", "", got->max, want->max));
		/* the emulated hardware keeps the minimum as val2: not shown */
		ok = ok && (known || field_eq(r, what, k, d->name, "min", "", got->min, want->min));
		break;
	case VSCMI_POWERCAP:
		ok = (known && !known[0]) ||
		     field_eq(r, what, k, d->name, "cap", "", got->level, want->level);
		ok = ok && ((known && !known[1]) ||
			    field_eq(r, what, k, d->name, "pai", "", got->min, want->min));
		break;
	default:
		break;
	}
	return ok;
}

static const char *reset_name(int reset)
{
	return reset == RM_RESET_UNVOTED ? "no vote" : reset == 1 ? "asserted" :
	       reset == 0		 ? "deasserted" :
					   "nothing";
}

static bool cmp_read(struct run *r, const char *agent, uint32_t view, const char *vname,
		     const struct vscmi_res_desc *d, const struct rm_read *got,
		     const struct rm_read *want)
{
	const char *k = vscmi_kind_name(d->kind);
	char where[160];
	bool ok = true;

	snprintf(where, sizeof(where), "agent %s reads %s %u:%s = ", agent, k, view, vname);
	switch (d->kind) {
	case VSCMI_CLOCK:
	case VSCMI_VOLTAGE:
		ok = field_eq(r, "read", k, d->name, "on", where, got->on, want->on) &&
		     field_eq(r, "read", k, d->name, d->kind == VSCMI_CLOCK ? "rate" : "level",
			      where, got->level, want->level);
		break;
	case VSCMI_POWER:
		if (got->pd != want->pd) {
			char sig[160];

			snprintf(sig, sizeof(sig), "read power %s state", d->name);
			diverge(r, sig, "%spower %s state: read %s, model %s", where, d->name,
				pd_name(d, got->pd), pd_name(d, want->pd));
			ok = false;
		}
		break;
	case VSCMI_RESET:
		if (got->reset != want->reset) {
			char sig[160];

			snprintf(sig, sizeof(sig), "read reset %s line", d->name);
			diverge(r, sig, "%sreset %s: read %s, model %s", where, d->name,
				reset_name(got->reset), reset_name(want->reset));
			ok = false;
		}
		break;
	case VSCMI_PERF:
		ok = field_eq(r, "read", k, d->name, "level", where, got->level, want->level) &&
		     field_eq(r, "read", k, d->name, "min", where, got->min, want->min) &&
		     field_eq(r, "read", k, d->name, "max", where, got->max, want->max);
		break;
	case VSCMI_POWERCAP:
		ok = field_eq(r, "read", k, d->name, "cap", where, got->level, want->level) &&
		     field_eq(r, "read", k, d->name, "pai", where, got->min, want->min);
		break;
	default:
		break;
	}
	return ok;
}

/* Everything a step is held to: status, transitions, physical state
 * (the arbiter's record, and the hardware's when known), reads. */
static bool check_obs(struct run *r, const struct rm *rm, const struct rm_step *s,
		      const struct rm_effect *eff, const struct obs *o)
{
	const struct soc *w = r->w;
	char a[2048], b[2048], sig[160];

	if (s && o->status != eff->status) {
		enum vscmi_kind kind = rm_req_kind(s->req);

		snprintf(sig, sizeof(sig), "status %s %s %s->%s",
			 kind == VSCMI_KIND_COUNT ? "agent" : vscmi_kind_name(kind),
			 rm_req_name(s->req), scmi_status_name(eff->status),
			 scmi_status_name(o->status));
		diverge(r, sig, "status %s, model %s", scmi_status_name(o->status),
			scmi_status_name(eff->status));
		return false;
	}
	if (o->have_ops) {
		for (size_t x = 0; x < ARRAY_LEN(t_kinds); x++) {
			enum vscmi_kind k = t_kinds[x];

			for (uint32_t i = 0; i < w->m.nres[k]; i++) {
				if (ops_equal_on(o->ops, o->nops, eff->ops, eff->nops, k, i))
					continue;
				fmt_ops(w, o->ops, o->nops, a, sizeof(a));
				fmt_ops(w, eff->ops, eff->nops, b, sizeof(b));
				snprintf(sig, sizeof(sig), "transitions %s %s", vscmi_kind_name(k),
					 w->m.res[k][i].name);
				diverge(r, sig,
					"platform calls on %s %s differ:\n"
					"    arbiter: %s\n    model:   %s",
					vscmi_kind_name(k), w->m.res[k][i].name, a, b);
				return false;
			}
		}
		if (rm_order_check(rm, o->ops, o->nops, b, sizeof(b)) < 0) {
			fmt_ops(w, o->ops, o->nops, a, sizeof(a));
			diverge(r, "order", "platform order: %s\n    arbiter: %s", b, a);
			return false;
		}
	}
	if (o->transitions != eff->nops) {
		fmt_ops(w, eff->ops, eff->nops, b, sizeof(b));
		diverge(r, "transitions",
			"%" PRIu64 " platform transitions, model %u:\n    model: %s",
			o->transitions, eff->nops, b);
		return false;
	}
	for (size_t x = 0; x < ARRAY_LEN(t_kinds); x++) {
		enum vscmi_kind k = t_kinds[x];

		for (uint32_t i = 0; i < w->m.nres[k]; i++) {
			struct rm_phys want;

			rm_phys(rm, k, i, &want);
			if (!cmp_phys(r, "phys", &w->m.res[k][i], &o->phys[k][i], &want, NULL))
				return false;
			if (o->have_hw && !cmp_phys(r, "hw", &w->m.res[k][i], &o->hw[k][i], &want,
						    o->hw_known[k][i]))
				return false;
		}
	}
	for (uint32_t ag = 1; ag <= w->m.nagents; ag++) {
		const struct vscmi_agent_desc *ad = &w->m.agents[ag - 1];

		for (size_t x = 0; x < ARRAY_LEN(t_kinds); x++) {
			enum vscmi_kind k = t_kinds[x];

			for (uint32_t v = 0; v < ad->nviews[k]; v++) {
				struct rm_read want;

				ck_assert_int_eq(rm_read(rm, ag, k, v, &want), 0);
				if (!cmp_read(r, ad->name, v, ad->views[k][v].name,
					      w_view_desc(w, ag, k, v), &o->reads[ag - 1][k][v],
					      &want))
					return false;
			}
		}
	}
	return true;
}

/* --- the two systems under test ---------------------------------------------- */

struct backend {
	const char *name;
	int (*start)(void *ctx, const struct soc *w, char *err, size_t errlen);
	/* The status the agent got, or -errno when it could not be sent. */
	int (*exec)(void *ctx, const struct rm_step *s, int32_t *status, char *err, size_t errlen);
	int (*observe)(void *ctx, struct obs *o, char *err, size_t errlen);
	void (*stop)(void *ctx);
	size_t ctx_size;
};

/* In process: the arbiter over the emulated platform. */
struct ip {
	const struct soc *w;
	struct vscmi_platform *plat;
	struct arb *arb;
	struct arb_agent *agents[T_MAX_AGENTS];
	struct arb_vote *votes[T_MAX_AGENTS][VSCMI_KIND_COUNT][T_MAX_VIEWS];
	struct rm_op seen[RM_MAX_OPS];
	uint32_t nseen;
	uint64_t total;
};

static void ip_observer(void *ctx, struct arb_res *res, const struct vscmi_op *op,
			uint32_t cause_agent)
{
	struct ip *ip = ctx;

	ip->total++;
	if (ip->nseen < RM_MAX_OPS)
		ip->seen[ip->nseen++] = (struct rm_op){ op->type, arb_res_desc(res)->kind,
							arb_res_index(res), op->val, op->val2 };
}

static int ip_start(void *ctx, const struct soc *w, char *err, size_t errlen)
{
	struct ip *ip = ctx;

	ip->w = w;
	ip->plat = vscmi_emu_new(&w->m);
	ip->arb = ip->plat ? arb_new(&w->m, ip->plat) : NULL;
	if (!ip->arb) {
		snprintf(err, errlen, "cannot make the emulated platform or the arbiter");
		return -ENOMEM;
	}
	arb_set_observer(ip->arb, ip_observer, ip);
	/* What the arbiter asked of the platform at start (nothing, with a
	 * boot state the rules keep) shows with the first observation. */
	{
		struct vscmi_emu_stats st;

		vscmi_emu_stats(ip->plat, &st);
		ip->total = st.ops;
	}
	/* Every view has its vote from the start, as the daemon's agents do. */
	for (uint32_t a = 0; a < w->m.nagents; a++) {
		const struct vscmi_agent_desc *ad = &w->m.agents[a];

		ip->agents[a] = arb_agent_new(ip->arb, a + 1);
		if (!ip->agents[a])
			return -ENOMEM;
		for (size_t x = 0; x < ARRAY_LEN(t_kinds); x++) {
			enum vscmi_kind k = t_kinds[x];

			for (uint32_t v = 0; v < ad->nviews[k]; v++) {
				struct arb_res *res = arb_res_get(ip->arb, k, ad->views[k][v].res);

				ip->votes[a][k][v] = arb_vote_new(ip->agents[a], res);
				if (!ip->votes[a][k][v])
					return -ENOMEM;
			}
		}
	}
	return 0;
}

static int32_t status_from_errno(int r)
{
	switch (r) {
	case 0:
		return SCMI_SUCCESS;
	case -EINVAL:
		return SCMI_INVALID_PARAMETERS;
	case -EACCES:
	case -EPERM:
		return SCMI_DENIED;
	case -ERANGE:
		return SCMI_OUT_OF_RANGE;
	case -ENOENT:
		return SCMI_NOT_FOUND;
	case -EOPNOTSUPP:
		return SCMI_NOT_SUPPORTED;
	case -EBUSY:
		return SCMI_BUSY;
	case -EIO:
		return SCMI_HARDWARE_ERROR;
	default:
		return SCMI_GENERIC_ERROR;
	}
}

/* What the clock protocol does to a rate before the arbiter sees it:
 * rounding as asked (down by default); a fixed clock's rate as sent; a
 * rate it cannot fit, -EINVAL (INVALID_PARAMETERS). */
static int ip_clock_round(const struct vscmi_res_desc *d, const struct rm_step *s, int64_t *hz)
{
	const struct vscmi_range *rg = &d->u.clock.rates;
	int64_t down = 0, up = 0;
	int rd, ru;

	*hz = s->val;
	if (d->u.clock.policy == VSCMI_POLICY_FIXED)
		return 0;
	if (s->round != RM_ROUND_AUTO)
		return vscmi_range_fit(rg, s->val, s->round == RM_ROUND_UP ? 1 : -1, hz) < 0 ?
			       -EINVAL :
			       0;
	rd = vscmi_range_fit(rg, s->val, -1, &down);
	ru = vscmi_range_fit(rg, s->val, 1, &up);
	if (rd < 0 && ru < 0)
		return -EINVAL;
	*hz = rd < 0 || (ru == 0 && up - s->val < s->val - down) ? up : down;
	return 0;
}

static int ip_exec(void *ctx, const struct rm_step *s, int32_t *status, char *err, size_t errlen)
{
	struct ip *ip = ctx;
	enum vscmi_kind kind = rm_req_kind(s->req);
	struct arb_vote *v =
		kind == VSCMI_KIND_COUNT ? NULL : ip->votes[s->agent - 1][kind][s->view];
	const struct vscmi_res_desc *d = v ? arb_res_desc(arb_vote_res(v)) : NULL;
	int64_t val = 0;
	int r, idx;

	ip->nseen = 0;
	ip->total = 0;
	switch (s->req) {
	case RM_CLOCK_ENABLE:
		r = arb_vote_ask(v, ARB_GATE, s->val != 0, 0);
		break;
	case RM_CLOCK_RATE:
		r = ip_clock_round(d, s, &val);
		if (r == 0)
			r = arb_vote_ask(v, ARB_LEVEL, (uint64_t)val, 0);
		break;
	case RM_POWER_STATE:
		idx = vscmi_pd_state_index(d, (uint32_t)s->val);
		r = idx < 0 ? -EINVAL : arb_vote_ask(v, ARB_PD_STATE, (uint32_t)idx, 0);
		break;
	case RM_RESET_LINE:
		r = arb_vote_ask(v, ARB_ASSERT, s->val != 0, 0);
		break;
	case RM_RESET_PULSE:
		r = arb_vote_ask(v, ARB_PULSE, (uint32_t)s->val, 0);
		break;
	case RM_VOLTAGE_ENABLE:
		r = arb_vote_ask(v, ARB_GATE, s->val != 0, 0);
		break;
	case RM_VOLTAGE_LEVEL:
		/* The voltage protocol takes listed levels only (else
		 * INVALID_PARAMETERS); a fixed domain's answer is the
		 * arbiter's. */
		r = d->u.voltage.policy == VSCMI_POLICY_FIXED ||
				    vscmi_range_fit(&d->u.voltage.levels, s->val, 0, &val) == 0 ?
			    0 :
			    -EINVAL;
		if (r == 0)
			r = arb_vote_ask(v, ARB_LEVEL, s->val, 0);
		break;
	case RM_PERF_LEVEL:
		r = arb_vote_ask(v, ARB_LEVEL, (uint32_t)s->val, 0);
		break;
	case RM_PERF_LIMITS:
		r = arb_vote_ask(v, ARB_LIMITS, (uint32_t)s->val, (uint32_t)s->val2);
		break;
	case RM_POWERCAP_CAP:
		r = s->val < 0 || s->val > UINT32_MAX ? -ERANGE : arb_vote_ask(v, ARB_LEVEL, (uint32_t)s->val, 0);
		break;
	case RM_POWERCAP_PAI:
		r = s->val < 0 || s->val > UINT32_MAX ? -ERANGE : arb_vote_ask(v, ARB_PAI, (uint32_t)s->val, 0);
		break;
	case RM_RESET_AGENT:
	case RM_DISCONNECT:
		r = arb_agent_release(ip->agents[s->agent - 1]);
		if (r > 0) {
			snprintf(err, errlen, "release: the platform refused %d transitions", r);
			return -EIO;
		}
		break;
	default:
		snprintf(err, errlen, "unknown request %d", s->req);
		return -EINVAL;
	}
	if (r == -EINPROGRESS) {
		snprintf(err, errlen, "the arbiter waits on a synchronous platform");
		return -EIO;
	}
	*status = status_from_errno(r);
	return 0;
}

/* The fields of each kind are compared, the others ignored. */
static void ip_state(const struct arb_state *st, struct rm_phys *p)
{
	memset(p, 0, sizeof(*p));
	p->on = st->on;
	p->level = st->level;
	p->pd = st->pd;
	p->asserted = st->asserted;
	p->min = st->min;
	p->max = st->max;
}

/* One field of the emulated hardware; false when it does not keep it. */
static bool ip_hw(struct ip *ip, enum vscmi_op_type type, uint32_t id, int64_t *val)
{
	return vscmi_emu_state(ip->plat, type, id, val) == 0;
}

/* A read as the protocols answer it (src/scmi): the agent's vote, the
 * physical rate or level where it has none, OFF for a power domain it
 * never voted on, the whole table for limits it never set. */
static void ip_read_view(const struct arb_vote *vote, struct rm_read *rd)
{
	const struct vscmi_res_desc *d = arb_res_desc(arb_vote_res(vote));
	struct arb_state st, ph;

	arb_vote_state(vote, &st);
	arb_res_phys(arb_vote_res(vote), &ph);
	memset(rd, 0, sizeof(*rd));
	rd->reset = RM_RESET_UNVOTED;
	switch (d->kind) {
	case VSCMI_CLOCK:
	case VSCMI_VOLTAGE:
		rd->on = st.on;
		rd->level = st.has_level ? st.level : ph.level;
		break;
	case VSCMI_POWER:
		rd->pd = st.voted ? st.pd : d->u.power.nstates - 1;
		break;
	case VSCMI_RESET:
		rd->reset = st.voted ? st.asserted : RM_RESET_UNVOTED;
		break;
	case VSCMI_PERF:
		rd->level = st.has_level ? st.level : ph.level;
		rd->min = st.has_limits ? st.min : d->u.perf.levels[0].perf;
		rd->max = st.has_limits ? st.max : d->u.perf.levels[d->u.perf.nlevels - 1].perf;
		break;
	case VSCMI_POWERCAP:
		rd->level = st.has_level ? st.level : ph.level;
		rd->min = st.has_limits ? st.min : ph.min;
		break;
	default:
		break;
	}
}

static int ip_observe(void *ctx, struct obs *o, char *err, size_t errlen)
{
	struct ip *ip = ctx;
	const struct soc *w = ip->w;

	o->have_ops = true;
	o->have_hw = true;
	o->nops = ip->nseen;
	memcpy(o->ops, ip->seen, ip->nseen * sizeof(ip->seen[0]));
	o->transitions = ip->total;
	for (size_t x = 0; x < ARRAY_LEN(t_kinds); x++) {
		enum vscmi_kind k = t_kinds[x];

		for (uint32_t i = 0; i < w->m.nres[k]; i++) {
			const struct vscmi_res_desc *d = &w->m.res[k][i];
			struct rm_phys *hw = &o->hw[k][i];
			bool *known = o->hw_known[k][i];
			struct arb_state st;
			int64_t val = 0;
			int pd;

			arb_res_phys(arb_res_get(ip->arb, k, i), &st);
			ip_state(&st, &o->phys[k][i]);
			memset(hw, 0, sizeof(*hw));
			switch (k) {
			case VSCMI_CLOCK:
			case VSCMI_VOLTAGE:
				known[0] = ip_hw(ip,
						 k == VSCMI_CLOCK ? VSCMI_OP_CLOCK_ENABLE :
								    VSCMI_OP_VOLTAGE_CONFIG,
						 d->plat_id, &val);
				hw->on = val != 0;
				known[1] = ip_hw(ip,
						 k == VSCMI_CLOCK ? VSCMI_OP_CLOCK_RATE :
								    VSCMI_OP_VOLTAGE_LEVEL,
						 d->plat_id, &hw->level);
				break;
			case VSCMI_POWER:
				known[0] = ip_hw(ip, VSCMI_OP_POWER_STATE, d->plat_id, &val);
				pd = vscmi_pd_state_index(d, (uint32_t)val);
				hw->pd = pd < 0 ? UINT32_MAX : (uint32_t)pd;
				break;
			case VSCMI_RESET:
				known[0] = ip_hw(ip, VSCMI_OP_RESET_LINE, d->plat_id, &val);
				hw->asserted = val != 0;
				break;
			case VSCMI_PERF:
				known[0] = ip_hw(ip, VSCMI_OP_PERF_LEVEL, d->plat_id, &hw->level);
				known[1] = ip_hw(ip, VSCMI_OP_PERF_LIMITS, d->plat_id, &val);
				hw->max = (uint32_t)val;
				break;
			case VSCMI_POWERCAP:
				known[0] = ip_hw(ip, VSCMI_OP_POWERCAP_CAP, d->plat_id, &hw->level);
				known[1] = ip_hw(ip, VSCMI_OP_POWERCAP_PAI, d->plat_id, &val);
				hw->min = (uint32_t)val;
				break;
			default:
				break;
			}
		}
	}
	for (uint32_t a = 0; a < w->m.nagents; a++) {
		const struct vscmi_agent_desc *ad = &w->m.agents[a];

		for (size_t x = 0; x < ARRAY_LEN(t_kinds); x++)
			for (uint32_t v = 0; v < ad->nviews[t_kinds[x]]; v++)
				ip_read_view(ip->votes[a][t_kinds[x]][v],
					     &o->reads[a][t_kinds[x]][v]);
	}
	(void)err;
	(void)errlen;
	return 0;
}

static void ip_stop(void *ctx)
{
	struct ip *ip = ctx;

	for (uint32_t a = 0; a < T_MAX_AGENTS; a++)
		arb_agent_free(ip->agents[a]);
	arb_free(ip->arb);
	vscmi_platform_free(ip->plat);
}

static const struct backend ip_backend = { "in process", ip_start, ip_exec, ip_observe, ip_stop,
					   sizeof(struct ip) };

/* --- the daemon ----------------------------------------------------------------- */

#define CLOCK_ATTRIBUTES 0x3
#define CLOCK_RATE_SET 0x5
#define CLOCK_RATE_GET 0x6
#define CLOCK_CONFIG_SET 0x7
#define POWER_STATE_SET 0x4
#define POWER_STATE_GET 0x5
#define RESET_RESET 0x4
#define RESET_AUTONOMOUS (1u << 0)
#define RESET_EXPLICIT_ASSERT (1u << 1)
#define VOLTAGE_CONFIG_SET 0x5
#define VOLTAGE_CONFIG_GET 0x6
#define VOLTAGE_LEVEL_SET 0x7
#define VOLTAGE_LEVEL_GET 0x8
#define VOLTAGE_CONFIG_ON 0x7
#define PERF_LIMITS_SET 0x5
#define PERF_LIMITS_GET 0x6
#define PERF_LEVEL_SET 0x7
#define PERF_LEVEL_GET 0x8
#define POWERCAP_CAP_GET 0x4
#define POWERCAP_CAP_SET 0x5
#define POWERCAP_PAI_GET 0x6
#define POWERCAP_PAI_SET 0x7
#define BASE_RESET_AGENT_CONFIGURATION 0xb
#define BASE_SELF 0xffffffffu
#define RATE_ROUND_UP (1u << 2)
#define RATE_ROUND_AUTO (1u << 3)

/* A command that could not be carried: the daemon died or hung. */
#define DM_NO_REPLY INT32_MIN

struct dm {
	const struct soc *w;
	char dir[160];
	pid_t pid;
	int fd[T_MAX_AGENTS];
	uint16_t token;
	uint64_t transitions;
	char *why;		/* where a transport failure is told */
	size_t whylen;
};

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dm_fail(struct dm *dm, int err, const char *what)
{
	snprintf(dm->why, dm->whylen, "%s: %s", what, strerror(-err));
	return err;
}

static int dm_fd(struct dm *dm, uint32_t agent)
{
	char path[256];
	int fd;

	if (dm->fd[agent - 1] >= 0)
		return dm->fd[agent - 1];
	snprintf(path, sizeof(path), "%s/%s.sock", dm->dir, dm->w->m.agents[agent - 1].name);
	fd = td_connect(path, SOCK_SEQPACKET);
	if (fd >= 0)
		dm->fd[agent - 1] = fd;
	return fd;
}

/* One SCMI command; its status, the words after it into out. */
static int32_t dm_cmd(struct dm *dm, uint32_t agent, uint8_t proto, uint8_t msg,
		      const uint32_t *words, size_t nwords, uint32_t *out, size_t nout)
{
	uint8_t req[64], resp[SCMI_MSG_MAX + 16];
	uint32_t hdr;
	ssize_t n;
	int fd = dm_fd(dm, agent);

	if (fd < 0) {
		dm_fail(dm, fd, "connect");
		return DM_NO_REPLY;
	}
	dm->token = (uint16_t)((dm->token + 1) & 0x3ff);
	hdr = SCMI_HDR(msg, SCMI_TYPE_COMMAND, proto, dm->token);
	vscmi_put_le32(req, hdr);
	for (size_t i = 0; i < nwords && i < 15; i++)
		vscmi_put_le32(req + 4 + 4 * i, words[i]);
	if (send(fd, req, 4 + 4 * nwords, MSG_NOSIGNAL) < 0) {
		dm_fail(dm, -errno, "send");
		return DM_NO_REPLY;
	}
	n = td_recv_wait(fd, resp, sizeof(resp), 5000);
	if (n < 8 || vscmi_get_le32(resp) != hdr) {
		dm_fail(dm, n < 0 ? (int)n : -EPROTO, "reply");
		return DM_NO_REPLY;
	}
	for (size_t i = 0; i < nout; i++)
		out[i] = 8 + 4 * (i + 1) <= (size_t)n ? vscmi_get_le32(resp + 8 + 4 * i) : 0;
	return (int32_t)vscmi_get_le32(resp + 4);
}

static struct json_object *dm_control(struct dm *dm, const char *command)
{
	static char buf[VSCMI_CONTROL_REPLY_MAX + 1];
	struct json_object *reply, *ok;
	char path[256], req[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/control", dm->dir);
	snprintf(req, sizeof(req), "{\"version\":1,\"command\":\"%s\"}", command);
	fd = td_connect(path, SOCK_SEQPACKET);
	if (fd < 0) {
		dm_fail(dm, fd, "control connect");
		return NULL;
	}
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
		dm_fail(dm, -errno, "control send");
		close(fd);
		return NULL;
	}
	n = td_recv_wait(fd, buf, sizeof(buf) - 1, 5000);
	close(fd);
	if (n <= 0) {
		dm_fail(dm, n < 0 ? (int)n : -EPROTO, "control reply");
		return NULL;
	}
	buf[n] = '\0';
	reply = json_tokener_parse(buf);
	if (!reply || !json_object_object_get_ex(reply, "ok", &ok) ||
	    !json_object_get_boolean(ok)) {
		json_object_put(reply);
		dm_fail(dm, -EPROTO, "control answer");
		return NULL;
	}
	return reply;
}

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int dm_transitions(struct dm *dm, uint64_t *out)
{
	struct json_object *st = dm_control(dm, VSCMI_CTL_STATUS), *t;

	if (!st)
		return -EIO;
	t = jget(jget(st, "platform"), "transitions");
	if (t)
		*out = json_object_get_uint64(t);
	json_object_put(st);
	return t ? 0 : dm_fail(dm, -EPROTO, "status has no platform transitions");
}

static bool dm_agent_connected(struct dm *dm, const char *name, bool *connected)
{
	struct json_object *st = dm_control(dm, VSCMI_CTL_STATUS), *agents;
	bool found = false;

	if (!st)
		return false;
	agents = jget(st, "agents");
	for (size_t i = 0; agents && i < json_object_array_length(agents); i++) {
		struct json_object *a = json_object_array_get_idx(agents, i);
		struct json_object *n = jget(a, "name");

		if (n && strcmp(json_object_get_string(n), name) == 0) {
			*connected = json_object_get_boolean(jget(a, "connected"));
			found = true;
		}
	}
	json_object_put(st);
	return found;
}

static int dm_start(void *ctx, const struct soc *w, char *err, size_t errlen)
{
	struct dm *dm = ctx;
	const char *vscmid = getenv("VSCMID");
	const char *tmp = getenv("TMPDIR");
	char conf[256], log[256], ctl[256];
	int r;

	dm->w = w;
	dm->why = err;
	dm->whylen = errlen;
	for (uint32_t a = 0; a < T_MAX_AGENTS; a++)
		dm->fd[a] = -1;
	if (!vscmid) {
		snprintf(err, errlen, "VSCMID must name the vscmid to run");
		return -EINVAL;
	}
	snprintf(dm->dir, sizeof(dm->dir), "%s/vscmi-model-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dm->dir)) {
		dm->dir[0] = '\0';
		return dm_fail(dm, -errno, "mkdtemp");
	}
	snprintf(conf, sizeof(conf), "%s/vscmid.conf", dm->dir);
	snprintf(log, sizeof(log), "%s/vscmid.log", dm->dir);
	snprintf(ctl, sizeof(ctl), "%s/control", dm->dir);
	if (conf_write(w, conf, dm->dir) < 0)
		return dm_fail(dm, -EIO, "writing the config");
	dm->pid = td_spawn(&(struct td_spawn){ .exe = vscmid, .conf = conf,
					      .runtime_dir = dm->dir, .log = log, .append = true,
					      .out_fd = -1 });
	if (dm->pid < 0)
		return dm_fail(dm, (int)dm->pid, "fork");
	/* The control socket is there once setup is done. */
	r = td_wait_control(ctl, dm->pid, 5000, NULL);
	if (r == -ECHILD) {
		dm->pid = 0;
		snprintf(err, errlen, "vscmid exited at start (see %s)", log);
		return -EIO;
	}
	if (r < 0)
		return dm_fail(dm, r, "vscmid's control socket");
	/* from 0: what vscmid asked of the platform at start shows too */
	dm->transitions = 0;
	return 0;
}

static int dm_exec(void *ctx, const struct rm_step *s, int32_t *status, char *err, size_t errlen)
{
	struct dm *dm = ctx;
	uint32_t a = s->agent, w[4] = { s->view, 0, 0, 0 }, flags = 0;
	int32_t st = DM_NO_REPLY;
	bool connected = true;

	dm->why = err;
	dm->whylen = errlen;
	switch (s->req) {
	case RM_CLOCK_ENABLE:
		w[1] = s->val ? 1 : 0;
		st = dm_cmd(dm, a, SCMI_PROTO_CLOCK, CLOCK_CONFIG_SET, w, 3, NULL, 0);
		break;
	case RM_CLOCK_RATE:
		flags = s->round == RM_ROUND_UP ? RATE_ROUND_UP :
			s->round == RM_ROUND_AUTO ? RATE_ROUND_AUTO : 0;
		w[0] = flags;
		w[1] = s->view;
		w[2] = (uint32_t)(uint64_t)s->val;
		w[3] = (uint32_t)((uint64_t)s->val >> 32);
		st = dm_cmd(dm, a, SCMI_PROTO_CLOCK, CLOCK_RATE_SET, w, 4, NULL, 0);
		break;
	case RM_POWER_STATE:
		w[0] = 0;
		w[1] = s->view;
		w[2] = (uint32_t)s->val;
		st = dm_cmd(dm, a, SCMI_PROTO_POWER, POWER_STATE_SET, w, 3, NULL, 0);
		break;
	case RM_RESET_LINE:
	case RM_RESET_PULSE:
		w[1] = s->req == RM_RESET_PULSE ? RESET_AUTONOMOUS :
		       s->val			? RESET_EXPLICIT_ASSERT : 0;
		w[2] = s->req == RM_RESET_PULSE ? (uint32_t)s->val : 0;
		st = dm_cmd(dm, a, SCMI_PROTO_RESET, RESET_RESET, w, 3, NULL, 0);
		break;
	case RM_VOLTAGE_ENABLE:
		w[1] = s->val ? VOLTAGE_CONFIG_ON : 0;
		st = dm_cmd(dm, a, SCMI_PROTO_VOLTAGE, VOLTAGE_CONFIG_SET, w, 2, NULL, 0);
		break;
	case RM_VOLTAGE_LEVEL:
		w[2] = (uint32_t)(int32_t)s->val;
		st = dm_cmd(dm, a, SCMI_PROTO_VOLTAGE, VOLTAGE_LEVEL_SET, w, 3, NULL, 0);
		break;
	case RM_PERF_LEVEL:
		w[1] = (uint32_t)s->val;
		st = dm_cmd(dm, a, SCMI_PROTO_PERF, PERF_LEVEL_SET, w, 2, NULL, 0);
		break;
	case RM_PERF_LIMITS:
		w[1] = (uint32_t)s->val;
		w[2] = (uint32_t)s->val2;
		st = dm_cmd(dm, a, SCMI_PROTO_PERF, PERF_LIMITS_SET, w, 3, NULL, 0);
		break;
	case RM_POWERCAP_CAP:
	case RM_POWERCAP_PAI:
		/* synchronous */
		w[1] = 0;
		w[2] = (uint32_t)s->val;
		st = dm_cmd(dm, a, SCMI_PROTO_POWERCAP,
			    s->req == RM_POWERCAP_CAP ? POWERCAP_CAP_SET : POWERCAP_PAI_SET, w, 3,
			    NULL, 0);
		break;
	case RM_RESET_AGENT:
		w[0] = BASE_SELF;
		st = dm_cmd(dm, a, SCMI_PROTO_BASE, BASE_RESET_AGENT_CONFIGURATION, w, 2, NULL, 0);
		break;
	case RM_DISCONNECT:
		/* A channel closed is the agent gone; the next command (or
		 * read) comes on a new connection once the daemon saw it go. */
		if (dm->fd[a - 1] >= 0) {
			close(dm->fd[a - 1]);
			dm->fd[a - 1] = -1;
			const char *name = dm->w->m.agents[a - 1].name;

			for (int i = 0; i < 500 && connected; i++) {
				if (!dm_agent_connected(dm, name, &connected))
					return -EIO;
				if (connected)
					sleep_ms(2);
			}
			if (connected)
				return dm_fail(dm, -ETIMEDOUT, "the daemon still has the agent");
		}
		st = SCMI_SUCCESS;
		break;
	default:
		return -EINVAL;
	}
	if (st == DM_NO_REPLY)
		return -EIO;
	*status = st;
	return 0;
}

static int dm_find_agent(const struct soc *w, const char *name)
{
	if (!name)
		return -1;
	for (uint32_t a = 0; a < w->m.nagents; a++)
		if (strcmp(w->m.agents[a].name, name) == 0)
			return (int)a;
	return -1;
}

/* The physical states, and the reset lines' votes (no SCMI command reads
 * a line back), from the control socket. */
static int dm_resources(struct dm *dm, struct obs *o)
{
	const struct soc *w = dm->w;
	struct json_object *reply = dm_control(dm, VSCMI_CTL_RESOURCES), *kinds;
	int r = 0;

	if (!reply)
		return -EIO;
	kinds = jget(reply, "resources");
	for (size_t x = 0; x < ARRAY_LEN(t_kinds) && r == 0; x++) {
		enum vscmi_kind k = t_kinds[x];
		struct json_object *arr = jget(kinds, vscmi_kind_name(k));
		uint32_t seen = 0;

		for (size_t j = 0; arr && j < json_object_array_length(arr); j++) {
			struct json_object *jr = json_object_array_get_idx(arr, j);
			struct json_object *st = jget(jr, "state"), *votes = jget(jr, "votes");
			const char *name = json_object_get_string(jget(jr, "name"));
			int i = name ? w_find(w, k, name) : -1;
			struct rm_phys *p;
			int pd;

			if (i < 0 || !st)
				continue;
			seen++;
			p = &o->phys[k][i];
			switch (k) {
			case VSCMI_CLOCK:
			case VSCMI_VOLTAGE:
				p->on = json_object_get_boolean(jget(st, "on"));
				p->level = json_object_get_int64(
					jget(st, k == VSCMI_CLOCK ? "rate" : "level_uv"));
				break;
			case VSCMI_POWER:
				pd = vscmi_pd_state_index(
					&w->m.res[k][i],
					(uint32_t)json_object_get_int64(jget(st, "value")));
				p->pd = pd < 0 ? UINT32_MAX : (uint32_t)pd;
				break;
			case VSCMI_RESET:
				p->asserted = json_object_get_boolean(jget(st, "asserted"));
				break;
			case VSCMI_PERF:
				p->level = json_object_get_int64(jget(st, "level"));
				p->min = (uint32_t)json_object_get_int64(jget(st, "min"));
				p->max = (uint32_t)json_object_get_int64(jget(st, "max"));
				break;
			case VSCMI_POWERCAP:
				p->level = json_object_get_int64(jget(st, "cap"));
				p->min = (uint32_t)json_object_get_int64(jget(st, "pai_us"));
				break;
			default:
				break;
			}
			for (size_t q = 0; k == VSCMI_RESET && votes &&
					   q < json_object_array_length(votes);
			     q++) {
				struct json_object *jv = json_object_array_get_idx(votes, q);
				int a = dm_find_agent(w, json_object_get_string(jget(jv, "agent")));
				int64_t v = json_object_get_int64(jget(jv, "view"));
				struct json_object *as = jget(jv, "asserted");

				if (a < 0 || v < 0 || v >= T_MAX_VIEWS)
					continue;
				o->reads[a][k][v].reset =
					as ? json_object_get_boolean(as) : RM_RESET_UNVOTED;
			}
		}
		if (seen != w->m.nres[k])
			r = dm_fail(dm, -EPROTO, "resources: not every resource listed");
	}
	json_object_put(reply);
	return r;
}

/* What the agent reads back for one view, with the protocol's GET
 * commands (the enabled bit of CLOCK_ATTRIBUTES for a clock's gate). */
static int dm_read_view(struct dm *dm, uint32_t a, enum vscmi_kind k, uint32_t v,
			struct rm_read *rd)
{
	const struct vscmi_res_desc *d = w_view_desc(dm->w, a, k, v);
	uint32_t req[1] = { v }, out[2] = { 0 }, out2[2] = { 0 };
	int32_t s1 = SCMI_SUCCESS, s2 = SCMI_SUCCESS;
	int pd;

	switch (k) {
	case VSCMI_CLOCK:
		s1 = dm_cmd(dm, a, SCMI_PROTO_CLOCK, CLOCK_ATTRIBUTES, req, 1, out, 1);
		s2 = dm_cmd(dm, a, SCMI_PROTO_CLOCK, CLOCK_RATE_GET, req, 1, out2, 2);
		rd->on = out[0] & 1u;
		rd->level = (int64_t)((uint64_t)out2[1] << 32 | out2[0]);
		break;
	case VSCMI_POWER:
		s1 = dm_cmd(dm, a, SCMI_PROTO_POWER, POWER_STATE_GET, req, 1, out, 1);
		pd = vscmi_pd_state_index(d, out[0]);
		rd->pd = pd < 0 ? UINT32_MAX : (uint32_t)pd;
		break;
	case VSCMI_VOLTAGE:
		s1 = dm_cmd(dm, a, SCMI_PROTO_VOLTAGE, VOLTAGE_CONFIG_GET, req, 1, out, 1);
		s2 = dm_cmd(dm, a, SCMI_PROTO_VOLTAGE, VOLTAGE_LEVEL_GET, req, 1, out2, 1);
		rd->on = out[0] == VOLTAGE_CONFIG_ON;
		rd->level = (int32_t)out2[0];
		break;
	case VSCMI_PERF:
		s1 = dm_cmd(dm, a, SCMI_PROTO_PERF, PERF_LEVEL_GET, req, 1, out, 1);
		s2 = dm_cmd(dm, a, SCMI_PROTO_PERF, PERF_LIMITS_GET, req, 1, out2, 2);
		rd->level = out[0];
		rd->max = out2[0];
		rd->min = out2[1];
		break;
	case VSCMI_POWERCAP:
		s1 = dm_cmd(dm, a, SCMI_PROTO_POWERCAP, POWERCAP_CAP_GET, req, 1, out, 1);
		s2 = dm_cmd(dm, a, SCMI_PROTO_POWERCAP, POWERCAP_PAI_GET, req, 1, out2, 1);
		rd->level = out[0];
		rd->min = out2[0];
		break;
	default:
		break;
	}
	if (s1 == DM_NO_REPLY || s2 == DM_NO_REPLY)
		return -EIO;
	if (s1 != SCMI_SUCCESS || s2 != SCMI_SUCCESS) {
		snprintf(dm->why, dm->whylen, "agent %s: reading %s %u: %s",
			 dm->w->m.agents[a - 1].name, vscmi_kind_name(k), v,
			 scmi_status_name(s1 != SCMI_SUCCESS ? s1 : s2));
		return -EPROTO;
	}
	return 0;
}

static int dm_observe(void *ctx, struct obs *o, char *err, size_t errlen)
{
	struct dm *dm = ctx;
	const struct soc *w = dm->w;
	uint64_t now = 0;
	int r;

	dm->why = err;
	dm->whylen = errlen;
	o->have_ops = false;
	o->have_hw = false;
	r = dm_transitions(dm, &now);
	if (r < 0)
		return r;
	o->transitions = now - dm->transitions;
	dm->transitions = now;
	/* A read the daemon did not give shows as a difference. */
	for (uint32_t a = 0; a < w->m.nagents; a++)
		for (uint32_t v = 0; v < T_MAX_VIEWS; v++)
			o->reads[a][VSCMI_RESET][v].reset = -2;
	r = dm_resources(dm, o);
	for (uint32_t a = 1; r == 0 && a <= w->m.nagents; a++) {
		const struct vscmi_agent_desc *ad = &w->m.agents[a - 1];

		for (size_t x = 0; r == 0 && x < ARRAY_LEN(t_kinds); x++) {
			enum vscmi_kind k = t_kinds[x];

			for (uint32_t v = 0; r == 0 && v < ad->nviews[k]; v++)
				if (k != VSCMI_RESET)
					r = dm_read_view(dm, a, k, v, &o->reads[a - 1][k][v]);
		}
	}
	return r;
}

static void dm_stop(void *ctx)
{
	struct dm *dm = ctx;
	char cmd[300];
	int status;

	for (uint32_t a = 0; a < T_MAX_AGENTS; a++)
		if (dm->fd[a] >= 0)
			close(dm->fd[a]);
	if (dm->pid > 0) {
		kill(dm->pid, SIGTERM);
		for (int i = 0; i < 500 && waitpid(dm->pid, &status, WNOHANG) == 0; i++)
			sleep_ms(10);
		if (kill(dm->pid, 0) == 0) {
			kill(dm->pid, SIGKILL);
			waitpid(dm->pid, &status, 0);
		}
	}
	if (dm->dir[0] && !getenv("VSCMI_MODEL_KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dm->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dm->dir);
	}
}

static const struct backend dm_backend = { "vscmid", dm_start, dm_exec, dm_observe, dm_stop,
					   sizeof(struct dm) };

/* --- running, shrinking, reporting --------------------------------------------- */

/* Replays r->steps on a fresh system and a fresh model; stops at the
 * first divergence. */
static void run_steps(struct run *r, const struct backend *be)
{
	struct rm_effect *eff = calloc(1, sizeof(*eff));
	struct obs *o = calloc(1, sizeof(*o));
	void *ctx = calloc(1, be->ctx_size);
	char err[512] = "";
	struct rm *rm = NULL;

	ck_assert(eff && o && ctx);
	r->failed = false;
	r->at = 0;
	ck_assert_int_eq(rm_new(&r->w->m, &rm), 0);
	/* Not a divergence: nothing to shrink. */
	if (be->start(ctx, r->w, err, sizeof(err)) < 0) {
		be->stop(ctx);
		ck_abort_msg("%s cannot start: %s", be->name, err);
	}
	if (be->observe(ctx, o, err, sizeof(err)) < 0) {
		diverge(r, "transport", "%s", err);
		goto out;
	}
	/* At start nothing is asked of the platform. */
	eff->nops = 0;
	if (!check_obs(r, rm, NULL, eff, o))
		goto out;
	for (uint32_t i = 0; i < r->n; i++) {
		const struct rm_step *s = &r->steps[i];

		r->at = i + 1;
		memset(o, 0, offsetof(struct obs, phys));
		ck_assert_int_eq(rm_step(rm, s, eff), 0);
		r->want[i] = eff->status;
		r->got[i] = eff->status;
		if (be->exec(ctx, s, &o->status, err, sizeof(err)) < 0 ||
		    be->observe(ctx, o, err, sizeof(err)) < 0) {
			diverge(r, "transport", "%s", err);
			break;
		}
		r->got[i] = o->status;
		if (!check_obs(r, rm, s, eff, o))
			break;
	}
out:
	be->stop(ctx);
	rm_free(rm);
	free(ctx);
	free(o);
	free(eff);
}

/* A copy of the steps without [from, from + len). */
static uint32_t steps_without(const struct rm_step *src, uint32_t n, uint32_t from, uint32_t len,
			      struct rm_step *dst)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < n; i++)
		if (i < from || i >= from + len)
			dst[k++] = src[i];
	return k;
}

struct shrink_budget {
	uint32_t runs;
	double deadline;	/* now_s() at which to stop; 0: none */
};

static bool budget_left(struct shrink_budget *b)
{
	if (b->runs == 0 || (b->deadline > 0 && now_s() > b->deadline))
		return false;
	b->runs--;
	return true;
}

/* Removes single steps and chunks of steps as long as what is left fails
 * the same way; returns the steps left. */
static uint32_t shrink(const struct soc *w, const struct backend *be, struct rm_step *steps,
		       uint32_t n, const char *sig, struct shrink_budget *budget)
{
	struct rm_step *cand = calloc(n + 1, sizeof(*cand));
	int32_t *got = calloc(n + 1, sizeof(*got)), *want = calloc(n + 1, sizeof(*want));
	struct run *r = calloc(1, sizeof(*r));
	uint32_t chunk = n / 2 ? n / 2 : 1;

	ck_assert(cand && got && want && r);
	while (chunk >= 1 && n > 0) {
		bool removed = false;

		for (uint32_t from = 0; from < n;) {
			if (!budget_left(budget))
				goto out;
			*r = (struct run){ .w = w, .steps = cand, .got = got, .want = want };
			r->n = steps_without(steps, n, from, chunk, cand);
			run_steps(r, be);
			if (r->failed && strcmp(r->sig, sig) == 0) {
				/* what follows the divergence is not needed */
				n = r->at;
				memcpy(steps, cand, n * sizeof(*steps));
				removed = true;
			} else {
				from += chunk;
			}
		}
		if (!removed) {
			if (chunk == 1)
				break;
			chunk /= 2;
		} else if (chunk > n / 2 && n > 1) {
			chunk = n / 2;
		}
	}
out:
	free(r);
	free(want);
	free(got);
	free(cand);
	return n;
}

static void print_run(const struct run *r, const char *variant, uint64_t seed)
{
	char line[512];

	fprintf(stderr, "\nmodel: %s, SoC %s, seed %" PRIu64 " (VSCMI_MODEL_SEED=%" PRIu64
		" VSCMI_MODEL_SEEDS=1): diverges from doc/arbiter.md [%s]\n",
		variant, r->w->name, seed, seed, r->sig);
	for (uint32_t i = 0; i < r->at && i < r->n; i++) {
		fmt_step(r->w, &r->steps[i], line, sizeof(line));
		if (r->got[i] == r->want[i])
			fprintf(stderr, "  %2u. %s -> %s\n", i + 1, line,
				scmi_status_name(r->got[i]));
		else
			fprintf(stderr, "  %2u. %s -> %s (model: %s)\n", i + 1, line,
				scmi_status_name(r->got[i]), scmi_status_name(r->want[i]));
	}
	if (r->at)
		fprintf(stderr, "  after step %u: %s\n", r->at, r->msg);
	else
		fprintf(stderr, "  at start: %s\n", r->msg);
}

static uint32_t env_u32(const char *name, uint32_t def)
{
	const char *v = getenv(name);
	char *end;
	unsigned long x;

	if (!v || !*v)
		return def;
	errno = 0;
	x = strtoul(v, &end, 0);
	return errno || *end || x > UINT32_MAX ? def : (uint32_t)x;
}

static bool env_set(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

/* Distinct divergences printed so far (VSCMI_MODEL_ALL). */
struct sigs {
	char sig[MAX_SIGS][160];
	uint32_t n;
};

/* A divergence's kind: its signature without the resource's name ("phys
 * clock cam_pix rate" and "phys clock leaf rate" are one). */
static void sig_class(const char *sig, char *out, size_t len)
{
	static const char *const named[] = { "phys ", "hw ", "read ", "transitions " };
	const char *p = sig, *name;

	snprintf(out, len, "%s", sig);
	for (size_t i = 0; i < ARRAY_LEN(named); i++) {
		if (strncmp(sig, named[i], strlen(named[i])) != 0)
			continue;
		/* the name is the third word */
		p = strchr(sig, ' ');
		name = p ? strchr(p + 1, ' ') : NULL;
		if (!name)
			return;
		p = strchr(name + 1, ' ');
		snprintf(out, len, "%.*s%s", (int)(name - sig), sig, p ? p : "");
		return;
	}
}

static bool sigs_add(struct sigs *s, const char *sig)
{
	char cls[160];

	sig_class(sig, cls, sizeof(cls));
	for (uint32_t i = 0; i < s->n; i++)
		if (strcmp(s->sig[i], cls) == 0)
			return false;
	if (s->n < MAX_SIGS)
		snprintf(s->sig[s->n++], sizeof(s->sig[0]), "%s", cls);
	return true;
}

/* Replays the shrunk steps and prints what they show, unless a divergence
 * of the same kind was printed already. */
static void replay_and_report(const struct soc *w, const struct backend *be,
			      const struct rm_step *steps, uint32_t n, uint64_t seed,
			      struct sigs *seen)
{
	struct run r = { .w = w, .steps = steps, .n = n };

	r.got = calloc(n + 1, sizeof(*r.got));
	r.want = calloc(n + 1, sizeof(*r.want));
	ck_assert(r.got && r.want);
	run_steps(&r, be);
	if (!r.failed)
		fprintf(stderr,
			"\nmodel: %s, SoC %s, seed %" PRIu64
			": the shrunk sequence no longer fails (flaky?)\n",
			be->name, w->name, seed);
	else if (sigs_add(seen, r.sig))
		print_run(&r, be->name, seed);
	else
		fprintf(stderr, "model: %s, seed %" PRIu64 ": [%s] again (%u steps)\n", be->name,
			seed, r.sig, r.at);
	free(r.got);
	free(r.want);
}

/* One seed on one backend: generate, run, and on a divergence shrink and
 * report. Returns whether it diverged. */
static bool run_seed(const struct backend *be, uint64_t seed, uint32_t nsteps, struct sigs *seen)
{
	struct soc w;
	struct rm_step *steps = calloc(nsteps + 1, sizeof(*steps));
	struct run r = { .w = &w, .steps = steps, .n = nsteps };
	uint64_t rng = seed * 0x9e3779b97f4a7c15ull + 1;
	bool in_process = be == &ip_backend;

	ck_assert_ptr_nonnull(steps);
	r.got = calloc(nsteps + 1, sizeof(*r.got));
	r.want = calloc(nsteps + 1, sizeof(*r.want));
	ck_assert(r.got && r.want);
	soc_build(&w, (uint32_t)(seed % ARRAY_LEN(builders)));
	for (uint32_t i = 0; i < nsteps; i++)
		gen_step(&w, &rng, &steps[i]);
	run_steps(&r, be);
	if (r.failed) {
		struct shrink_budget b = { in_process ? IP_SHRINK_RUNS : DM_SHRINK_RUNS,
					   in_process ? 0 : now_s() + DM_SHRINK_SECONDS };
		struct shrink_budget ib = { IP_SHRINK_RUNS, 0 };
		uint32_t n = r.at;
		struct rm_step *copy = calloc(n + 1, sizeof(*copy));
		bool done = false;

		ck_assert_ptr_nonnull(copy);
		if (!in_process) {
			/* Shrink in process first (cheap) when the arbiter
			 * alone shows a divergence on these steps; keep it if
			 * the daemon fails on what is left too. */
			struct run ir = { .w = &w, .steps = steps, .n = n, .got = r.got,
					  .want = r.want };

			run_steps(&ir, &ip_backend);
			if (ir.failed) {
				uint32_t m;

				memcpy(copy, steps, n * sizeof(*copy));
				m = shrink(&w, &ip_backend, copy, ir.at, ir.sig, &ib);
				ir = (struct run){ .w = &w, .steps = copy, .n = m, .got = r.got,
						   .want = r.want };
				run_steps(&ir, be);
				if (ir.failed) {
					n = ir.at;
					memcpy(steps, copy, n * sizeof(*steps));
					done = true;
				}
			}
		}
		if (!done)
			n = shrink(&w, be, steps, n, r.sig, &b);
		replay_and_report(&w, be, steps, n, seed, seen);
		free(copy);
	}
	soc_free(&w);
	free(r.got);
	free(r.want);
	free(steps);
	return r.failed;
}

static void run_variant(const struct backend *be, uint32_t def_seeds, uint32_t def_steps)
{
	uint32_t seeds = env_u32("VSCMI_MODEL_SEEDS", def_seeds);
	uint32_t steps = env_u32("VSCMI_MODEL_STEPS", def_steps);
	uint64_t base = env_u32("VSCMI_MODEL_SEED", DEFAULT_SEED);
	bool all = env_set("VSCMI_MODEL_ALL");
	struct sigs *seen = calloc(1, sizeof(*seen));
	uint32_t failed = 0, ran = 0;
	double t0 = now_s();
	uint64_t first = 0;

	ck_assert_ptr_nonnull(seen);
	fprintf(stderr, "model (%s): seeds %" PRIu64 "..%" PRIu64 ", %u steps each\n", be->name,
		base, base + seeds - 1, steps);
	for (uint32_t i = 0; i < seeds; i++) {
		ran++;
		if (run_seed(be, base + i, steps, seen)) {
			if (!failed)
				first = base + i;
			failed++;
			if (!all)
				break;
		}
	}
	fprintf(stderr, "model (%s): %u of %u seeds diverge, %u distinct, %.1f s\n", be->name,
		failed, ran, seen->n, now_s() - t0);
	for (uint32_t i = 0; i < seen->n; i++)
		fprintf(stderr, "  [%s]\n", seen->sig[i]);
	ck_assert_msg(failed == 0,
		      "%s diverges from the model of doc/arbiter.md (first at seed %" PRIu64
		      ", shrunk steps above)",
		      be->name, first);
	free(seen);
}

START_TEST(test_model_in_process)
{
	run_variant(&ip_backend, IP_SEEDS, IP_STEPS);
}
END_TEST

START_TEST(test_model_daemon)
{
	run_variant(&dm_backend, DM_SEEDS, DM_STEPS);
}
END_TEST

/* The model itself against worked cases of doc/arbiter.md, so that a
 * divergence above is the system's, not a slip of the model. */
START_TEST(test_model_worked_cases)
{
	struct soc w;
	struct rm_effect *eff = calloc(1, sizeof(*eff));
	struct rm *rm = NULL;
	struct rm_read rd;
	struct rm_phys ph;
	/* media: camera 1, display 2, infotain 3 */
	struct rm_step s = { 0 };

	ck_assert_ptr_nonnull(eff);
	soc_build(&w, 0);
	ck_assert_int_eq(rm_new(&w.m, &rm), 0);

	/* 4. An exclusive rate (cam_core: camera view 1, display view 3). */
	s = (struct rm_step){ .agent = 1, .req = RM_CLOCK_ENABLE, .view = 1, .val = 1 };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 1);
	s = (struct rm_step){ .agent = 1, .req = RM_CLOCK_RATE, .view = 1, .val = MHZ(200) };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 1);
	s = (struct rm_step){ .agent = 2, .req = RM_CLOCK_RATE, .view = 3, .val = MHZ(100) };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_int_eq(eff->status, RM_DENIED);
	s = (struct rm_step){ .agent = 2, .req = RM_CLOCK_ENABLE, .view = 3, .val = 1 };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 0);
	s = (struct rm_step){ .agent = 1, .req = RM_CLOCK_ENABLE, .view = 1, .val = 0 };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 0);
	s = (struct rm_step){ .agent = 2, .req = RM_CLOCK_RATE, .view = 3, .val = MHZ(100) };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_int_eq(eff->status, RM_SUCCESS);
	ck_assert_uint_eq(eff->nops, 1);
	rm_phys(rm, VSCMI_CLOCK, 4, &ph);
	ck_assert(ph.on && ph.level == MHZ(100));

	/* 8. A clock on at boot (bus_axi: camera view 3). */
	s = (struct rm_step){ .agent = 1, .req = RM_CLOCK_ENABLE, .view = 3, .val = 0 };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 0);
	s.val = 1;
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 0);
	s.val = 0;
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 1);
	s.val = 1;
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 1);

	/* 12. A rate voted while off (bus_axi, max): display holds it on
	 * with no rate (view 2), camera votes 400 MHz while off. */
	s = (struct rm_step){ .agent = 2, .req = RM_CLOCK_ENABLE, .view = 2, .val = 1 };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	s = (struct rm_step){ .agent = 1, .req = RM_CLOCK_ENABLE, .view = 3, .val = 0 };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 0);
	s = (struct rm_step){ .agent = 1, .req = RM_CLOCK_RATE, .view = 3, .val = MHZ(400) };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 0);
	ck_assert_int_eq(rm_read(rm, 1, VSCMI_CLOCK, 3, &rd), 0);
	ck_assert_int_eq(rd.level, MHZ(400));
	s = (struct rm_step){ .agent = 1, .req = RM_CLOCK_ENABLE, .view = 3, .val = 1 };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 1);
	ck_assert_int_eq(eff->ops[0].type, VSCMI_OP_CLOCK_RATE);
	/* the last contributor leaves the rate where it is */
	s.val = 0;
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 0);
	s = (struct rm_step){ .agent = 2, .req = RM_CLOCK_ENABLE, .view = 2, .val = 0 };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 1);
	ck_assert_int_eq(eff->ops[0].type, VSCMI_OP_CLOCK_ENABLE);
	/* nothing runs on the clock: the hardware takes the rate at once */
	s = (struct rm_step){ .agent = 1, .req = RM_CLOCK_RATE, .view = 3, .val = MHZ(200) };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 1);
	ck_assert_int_eq(eff->ops[0].type, VSCMI_OP_CLOCK_RATE);
	ck_assert_int_eq(eff->ops[0].val, MHZ(200));

	/* 13. Limits that fit no level (gpu: camera view 0, display 1). */
	s = (struct rm_step){ .agent = 1, .req = RM_PERF_LEVEL, .view = 0, .val = 300 };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 0);
	s = (struct rm_step){ .agent = 2, .req = RM_PERF_LIMITS, .view = 1, .val = 250,
			      .val2 = 210 };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 2);
	ck_assert_int_eq(eff->ops[0].type, VSCMI_OP_PERF_LIMITS);
	ck_assert_int_eq(eff->ops[0].val, 200);
	ck_assert_int_eq(eff->ops[0].val2, 200);
	ck_assert_int_eq(eff->ops[1].val, 200);

	/* 14. Limits only, then the agents go: back to initial. */
	s = (struct rm_step){ .agent = 2, .req = RM_DISCONNECT };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	s = (struct rm_step){ .agent = 1, .req = RM_RESET_AGENT };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	rm_phys(rm, VSCMI_PERF, 0, &ph);
	ck_assert_int_eq(ph.level, 300);
	s = (struct rm_step){ .agent = 1, .req = RM_PERF_LIMITS, .view = 0, .val = 400,
			      .val2 = 100 };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 1);
	ck_assert_int_eq(eff->ops[0].type, VSCMI_OP_PERF_LIMITS);

	/* 10. A power domain ON at boot (media: camera view 2). */
	s = (struct rm_step){ .agent = 1, .req = RM_POWER_STATE, .view = 2, .val = PD_OFF };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 0);
	s.val = PD_ON;
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 0);
	s.val = PD_OFF;
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	/* isp is still in retention by its boot vote: media stays ON */
	ck_assert_uint_eq(eff->nops, 0);

	/* 11. A reset line deasserted at boot (rst_cam: camera view 0). */
	s = (struct rm_step){ .agent = 1, .req = RM_RESET_LINE, .view = 0, .val = 1 };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 0);
	s.val = 0;
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 0);
	s.val = 1;
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 1);

	/* 3. A shared reset line: a pulse on it is refused. */
	s = (struct rm_step){ .agent = 1, .req = RM_RESET_PULSE, .view = 1 };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_int_eq(eff->status, RM_DENIED);
	s.view = 0;
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_int_eq(eff->status, RM_SUCCESS);
	ck_assert_uint_eq(eff->nops, 1);

	/* 1. A shared PLL chain: cam_pix on brings pll_root, pll_video up
	 * first, in that order. */
	s = (struct rm_step){ .agent = 1, .req = RM_CLOCK_ENABLE, .view = 0, .val = 1 };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_uint_eq(eff->nops, 3);
	ck_assert_uint_eq(eff->ops[0].res, 0);
	ck_assert_uint_eq(eff->ops[1].res, 1);
	ck_assert_uint_eq(eff->ops[2].res, 2);
	ck_assert_int_eq(rm_order_check(rm, eff->ops, eff->nops, (char[64]){ 0 }, 64), 0);
	s = (struct rm_step){ .agent = 1, .req = RM_RESET_AGENT };
	ck_assert_int_eq(rm_step(rm, &s, eff), 0);
	ck_assert_int_eq(rm_order_check(rm, eff->ops, eff->nops, (char[64]){ 0 }, 64), 0);
	for (uint32_t i = 0, pos = 0; i < eff->nops; i++) {
		/* cam_pix, then pll_video, then pll_root off */
		if (eff->ops[i].kind == VSCMI_CLOCK && eff->ops[i].type == VSCMI_OP_CLOCK_ENABLE &&
		    eff->ops[i].res <= 2)
			ck_assert_uint_eq(eff->ops[i].res, 2 - pos++);
	}

	rm_free(rm);
	soc_free(&w);
	free(eff);
}
END_TEST

/* --- pins ------------------------------------------------------------------ */

/* Pins against tests/model/refpin.c: random requests, releases and
 * settings of pins and groups by three agents, and agents going away,
 * through the server (the pin control protocol) over the arbiter and the
 * emulated platform. After every step: the status, every pin's holder,
 * what the arbiter and the hardware have, the platform's calls on each pin
 * in order, and what SETTINGS_GET reads. */
#define PN_PINS 5
#define PN_AGENTS 3
#define PN_SEEDS 10
#define PN_STEPS 300
#define PN_PIN_ID(i) (10u + (uint32_t)(i))
#define PN_FUNC_ID(i) (40u + (uint32_t)(i))

struct pn {
	struct vscmi_model m;
	struct vscmi_platform *plat;
	struct arb *arb;
	struct scmi_server *srv;
	struct rp rp;
};

static struct vscmi_res_desc *pn_add(struct vscmi_model *m, enum vscmi_kind k, uint32_t id)
{
	struct vscmi_res_desc *d;

	m->res[k] = realloc(m->res[k], (m->nres[k] + 1) * sizeof(*d));
	ck_assert_ptr_nonnull(m->res[k]);
	d = &m->res[k][m->nres[k]];
	memset(d, 0, sizeof(*d));
	d->kind = k;
	d->plat_id = id;
	d->parent = -1;
	snprintf(d->name, sizeof(d->name), "%s%u", vscmi_kind_name(k), m->nres[k]);
	m->nres[k]++;
	return d;
}

static void pn_set(struct vscmi_res_desc *d, bool pins, uint32_t n, const uint16_t *mem)
{
	d->u.pin_set.pins_only = pins;
	d->u.pin_set.nmembers = n;
	memcpy(d->u.pin_set.members, mem, n * sizeof(*mem));
}

static int pn_defer(void *ctx, uint64_t usec, void (*fn)(void *), void *arg)
{
	return -ENOSYS;
}

/* Pins 0..4; groups {0,1} {1,2} {3}; functions on groups {0}, on groups
 * {1,2}, and on pins {0,3,4}. Pin 0 defaults to the pin function with a
 * pull-up, pin 2 to 4 mA. Every agent sees everything, IDs as indices. */
static void pn_build(struct pn *w)
{
	struct vscmi_model *m = &w->m;
	struct scmi_hooks hooks = { .defer = pn_defer };
	struct vscmi_res_desc *d;

	memset(w, 0, sizeof(*w));
	for (uint32_t i = 0; i < PN_PINS; i++)
		pn_add(m, VSCMI_PIN, PN_PIN_ID(i))->u.pin.func = -1;
	pn_set(pn_add(m, VSCMI_PIN_GROUP, 20), true, 2, (const uint16_t[]){ 0, 1 });
	pn_set(pn_add(m, VSCMI_PIN_GROUP, 21), true, 2, (const uint16_t[]){ 1, 2 });
	pn_set(pn_add(m, VSCMI_PIN_GROUP, 22), true, 1, (const uint16_t[]){ 3 });
	pn_set(pn_add(m, VSCMI_PIN_FUNC, PN_FUNC_ID(0)), false, 1, (const uint16_t[]){ 0 });
	pn_set(pn_add(m, VSCMI_PIN_FUNC, PN_FUNC_ID(1)), false, 2, (const uint16_t[]){ 1, 2 });
	pn_set(pn_add(m, VSCMI_PIN_FUNC, PN_FUNC_ID(2)), true, 3, (const uint16_t[]){ 0, 3, 4 });
	d = &m->res[VSCMI_PIN][0];
	d->u.pin.func = 2;
	d->u.pin.cfg_mask = 1u << 4;
	d->u.pin.cfg[4] = 1;
	d = &m->res[VSCMI_PIN][2];
	d->u.pin.cfg_mask = 1u << 10;
	d->u.pin.cfg[10] = 4;
	m->agents = calloc(PN_AGENTS, sizeof(*m->agents));
	ck_assert_ptr_nonnull(m->agents);
	m->nagents = PN_AGENTS;
	for (uint32_t a = 0; a < PN_AGENTS; a++) {
		struct vscmi_agent_desc *ad = &m->agents[a];

		snprintf(ad->name, sizeof(ad->name), "agent%u", a + 1);
		ad->protocols = SCMI_PROTO_BIT(SCMI_PROTO_PINCTRL);
		ad->max_msg_size = SCMI_DEFAULT_PAYLOAD;
		for (int k = VSCMI_PIN; k <= VSCMI_PIN_FUNC; k++) {
			ad->views[k] = calloc(m->nres[k], sizeof(*ad->views[k]));
			ck_assert_ptr_nonnull(ad->views[k]);
			ad->nviews[k] = m->nres[k];
			for (uint32_t i = 0; i < m->nres[k]; i++) {
				ad->views[k][i].res = i;
				strcpy(ad->views[k][i].name, m->res[k][i].name);
			}
		}
	}
	w->plat = vscmi_emu_new(m);
	ck_assert_ptr_nonnull(w->plat);
	w->arb = arb_new(m, w->plat);
	ck_assert_ptr_nonnull(w->arb);
	w->srv = scmi_server_new(m, w->arb, w->plat, &hooks);
	ck_assert_ptr_nonnull(w->srv);
	ck_assert_int_eq(rp_init(&w->rp, m), 0);
}

static void pn_free(struct pn *w)
{
	scmi_server_free(w->srv);
	arb_free(w->arb);
	vscmi_platform_free(w->plat);
	vscmi_model_free(&w->m);
}

static void pn_gen(const struct pn *w, uint64_t *s, struct rp_step *st)
{
	static const uint32_t types[] = { 0, 4, 6, 10 };
	uint32_t r = rnd_below(s, 100);

	memset(st, 0, sizeof(*st));
	st->agent = 1 + rnd_below(s, PN_AGENTS);
	st->req = r < 25 ? RP_REQUEST : r < 45 ? RP_RELEASE : r < 92 ? RP_CONFIGURE : RP_GONE;
	st->group = rnd_pct(s, 40);
	st->index = rnd_below(s, w->m.nres[st->group ? VSCMI_PIN_GROUP : VSCMI_PIN]);
	r = rnd_below(s, 10);
	st->func = r < 5 ? -1 : r < 6 ? 0 : 1 + (int64_t)rnd_below(s, w->m.nres[VSCMI_PIN_FUNC]);
	st->has_cfg = rnd_pct(s, 70);
	st->type = types[rnd_below(s, ARRAY_LEN(types))];
	st->value = rnd_below(s, 4);
}

static int32_t pn_send(struct pn *w, uint32_t agent, uint8_t msg, uint32_t n, const uint32_t *words,
		       uint8_t *resp, size_t *rlen)
{
	uint8_t req[64];

	vscmi_put_le32(req, SCMI_HDR(msg, SCMI_TYPE_COMMAND, SCMI_PROTO_PINCTRL, 1));
	for (uint32_t i = 0; i < n; i++)
		vscmi_put_le32(req + 4 + 4 * i, words[i]);
	*rlen = scmi_server_handle(w->srv, scmi_server_agent(w->srv, agent), req, 4 + 4 * n, resp,
				   SCMI_MSG_MAX);
	ck_assert_uint_ge(*rlen, 8);
	return (int32_t)vscmi_get_le32(resp + 4);
}

static int32_t pn_exec(struct pn *w, const struct rp_step *st)
{
	uint32_t words[5] = { st->index, st->group ? 1u : 0u }, n = 2;
	uint8_t resp[SCMI_MSG_MAX];
	size_t rlen;

	switch (st->req) {
	case RP_REQUEST:
		return pn_send(w, st->agent, SCMI_PINCTRL_REQUEST, n, words, resp, &rlen);
	case RP_RELEASE:
		return pn_send(w, st->agent, SCMI_PINCTRL_RELEASE, n, words, resp, &rlen);
	case RP_CONFIGURE:
		words[1] = st->func > 0 ? (uint32_t)st->func - 1 : SCMI_PINCTRL_NO_FUNCTION;
		words[2] = (st->group ? 1u : 0u) | (st->has_cfg ? 1u << 2 : 0) |
			   (st->func >= 0 ? 1u << 10 : 0);
		n = 3;
		if (st->has_cfg) {
			words[3] = st->type;
			words[4] = st->value;
			n = 5;
		}
		return pn_send(w, st->agent, SCMI_PINCTRL_SETTINGS_CONFIGURE, n, words, resp, &rlen);
	case RP_GONE:
		scmi_agent_reset(scmi_server_agent(w->srv, st->agent));
		return 0;
	}
	return -1;
}

/* The calls the document orders for one pin: the function, then each
 * config that differs, ascending. */
static uint32_t pn_expect_ops(const struct pn *w, uint32_t pin, struct vscmi_op *ops)
{
	const struct rp_pin *b = &w->rp.before[pin], *a = &w->rp.phys[pin];
	uint32_t n = 0;

	if (a->func != b->func)
		ops[n++] = (struct vscmi_op){ VSCMI_OP_PIN_FUNCTION, PN_PIN_ID(pin),
					      a->func ? (int64_t)PN_FUNC_ID(a->func - 1) : -1, 0 };
	for (uint32_t t = 1; t < VSCMI_PIN_CFG_TYPES; t++)
		if (a->cfg[t] != b->cfg[t])
			ops[n++] = (struct vscmi_op){ VSCMI_OP_PIN_CONFIG, PN_PIN_ID(pin), t,
						      a->cfg[t] };
	return n;
}

static void pn_check(struct pn *w, uint64_t seed, uint32_t step)
{
	const struct vscmi_op *log;
	size_t nlog = vscmi_emu_log(w->plat, &log);
	uint8_t resp[SCMI_MSG_MAX];
	size_t rlen;

	for (uint32_t p = 0; p < PN_PINS; p++) {
		struct arb_res *res = arb_res_get(w->arb, VSCMI_PIN, p);
		const struct rp_pin *want = &w->rp.phys[p];
		struct vscmi_op ops[1 + VSCMI_PIN_CFG_TYPES], op;
		uint32_t nops = pn_expect_ops(w, p, ops), got = 0, words[2] = { p, 1u << 18 };
		struct arb_state st;

		ck_assert_msg(arb_pin_owner(res) == w->rp.owner[p],
			      "seed %" PRIu64 " step %u: pin %u held by %u, the model says %u", seed,
			      step, p, arb_pin_owner(res), w->rp.owner[p]);
		arb_res_phys(res, &st);
		ck_assert_msg(st.func == want->func, "seed %" PRIu64 " step %u: pin %u function %u, "
			      "the model says %u", seed, step, p, st.func, want->func);
		op = (struct vscmi_op){ .type = VSCMI_OP_PIN_FUNCTION, .id = PN_PIN_ID(p) };
		ck_assert_int_eq(vscmi_platform_read(w->plat, &op), 0);
		ck_assert_int_eq(op.val, want->func ? (int64_t)PN_FUNC_ID(want->func - 1) : -1);
		for (uint32_t t = 1; t < VSCMI_PIN_CFG_TYPES; t++) {
			uint32_t have = (st.cfg_mask >> t) & 1u ? st.cfg[t] : 0;

			ck_assert_msg(have == want->cfg[t], "seed %" PRIu64 " step %u: pin %u config "
				      "%u is %u, the model says %u", seed, step, p, t, have,
				      want->cfg[t]);
			op = (struct vscmi_op){ .type = VSCMI_OP_PIN_CONFIG, .id = PN_PIN_ID(p),
						.val = t };
			ck_assert_int_eq(vscmi_platform_read(w->plat, &op), 0);
			ck_assert_int_eq(op.val2, want->cfg[t]);
		}
		/* The calls on this pin, in order. */
		for (size_t i = 0; i < nlog; i++) {
			if (log[i].id != PN_PIN_ID(p))
				continue;
			ck_assert_msg(got < nops && log[i].type == ops[got].type &&
					      log[i].val == ops[got].val && log[i].val2 == ops[got].val2,
				      "seed %" PRIu64 " step %u: pin %u: call %u is %s %lld/%lld, "
				      "not the model's", seed, step, p, got, vscmi_op_name(log[i].type),
				      (long long)log[i].val, (long long)log[i].val2);
			got++;
		}
		ck_assert_msg(got == nops, "seed %" PRIu64 " step %u: pin %u: %u calls, the model "
			      "says %u", seed, step, p, got, nops);
		/* SETTINGS_GET of every config, by any agent: what the platform has. */
		ck_assert_int_eq(pn_send(w, 1 + p % PN_AGENTS, SCMI_PINCTRL_SETTINGS_GET, 2, words,
					 resp, &rlen), 0);
		ck_assert_uint_eq(vscmi_get_le32(resp + 8),
				  want->func ? want->func - 1 : SCMI_PINCTRL_NO_FUNCTION);
		for (uint32_t i = 0, n = vscmi_get_le32(resp + 12) & 0xff; i < n; i++) {
			uint32_t t = vscmi_get_le32(resp + 16 + 8 * i);

			ck_assert_uint_lt(t, VSCMI_PIN_CFG_TYPES);
			ck_assert_uint_eq(vscmi_get_le32(resp + 20 + 8 * i), want->cfg[t]);
		}
	}
	vscmi_emu_clear_log(w->plat);
}

START_TEST(test_model_pins)
{
	uint32_t seeds = env_u32("VSCMI_MODEL_SEEDS", PN_SEEDS);
	uint32_t steps = env_u32("VSCMI_MODEL_STEPS", PN_STEPS);

	for (uint32_t k = 0; k < seeds; k++) {
		uint64_t seed = env_u32("VSCMI_MODEL_SEED", DEFAULT_SEED) + k, s = seed;
		struct pn *w = calloc(1, sizeof(*w));

		ck_assert_ptr_nonnull(w);
		pn_build(w);
		vscmi_emu_clear_log(w->plat);
		for (uint32_t i = 0; i < steps; i++) {
			struct rp_step st;
			int32_t want, got;

			pn_gen(w, &s, &st);
			want = rp_step(&w->rp, &st);
			got = pn_exec(w, &st);
			ck_assert_msg(got == want, "seed %" PRIu64 " step %u: agent %u req %d %s %u "
				      "func %lld cfg %d:%u=%u: status %d, the model says %d", seed, i,
				      st.agent, st.req, st.group ? "group" : "pin", st.index,
				      (long long)st.func, st.has_cfg, st.type, st.value, got, want);
			pn_check(w, seed, i);
		}
		pn_free(w);
		free(w);
	}
}
END_TEST

static int timeout_for(uint32_t def_seeds, uint32_t def_steps, int def)
{
	/* Long runs asked for in the environment get the time they need. */
	if (env_u32("VSCMI_MODEL_SEEDS", def_seeds) != def_seeds ||
	    env_u32("VSCMI_MODEL_STEPS", def_steps) != def_steps || env_set("VSCMI_MODEL_ALL"))
		return 24 * 3600;
	return def;
}

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc;

	tc = tcase_create("reference");
	tcase_add_test(tc, test_model_worked_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("pins");
	tcase_set_timeout(tc, timeout_for(PN_SEEDS, PN_STEPS, 60));
	tcase_add_test(tc, test_model_pins);
	suite_add_tcase(s, tc);

	tc = tcase_create("in_process");
	tcase_set_timeout(tc, timeout_for(IP_SEEDS, IP_STEPS, 50));
	tcase_add_test(tc, test_model_in_process);
	suite_add_tcase(s, tc);

	tc = tcase_create("daemon");
	tcase_set_timeout(tc, timeout_for(DM_SEEDS, DM_STEPS, 60));
	tcase_add_test(tc, test_model_daemon);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(model_suite());
	int failed;

	vscmi_log_set_level(LOG_WARNING);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
