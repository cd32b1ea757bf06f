/* SPDX-License-Identifier: GPL-2.0-only */
/* The arbiter against the rules and worked cases of ARBITER.md.
 *
 * Each test builds a small system model in C, runs the arbiter over the
 * emulated platform and checks three things: what every agent reads back
 * (its own vote), the physical state (the arbiter's record and the emulated
 * hardware's), and the exact transitions the platform saw, in order. */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vscmi/arbiter.h"
#include "vscmi/log.h"
#include "vscmi/model.h"
#include "vscmi/platform.h"

/* Platform IDs differ from indexes so that mixing them up shows. */
#define PID(i) (100u + (uint32_t)(i))

#define PD_ON 0x00000000u
#define PD_RET1 0x00000001u
#define PD_RET2 0x00000002u
#define PD_OFF 0x40000000u

#define MHZ(x) ((int64_t)(x) * 1000000)

enum { CAMERA = 1, DISPLAY = 2, INFOTAINMENT = 3 };

struct soc {
	struct vscmi_model m;
	struct vscmi_platform *plat;
	struct arb *arb;
	struct arb_agent *agents[VSCMI_MAX_AGENTS + 1];	/* by agent id */
};

/* --- building the model ------------------------------------------------ */

static int add_res(struct soc *w, enum vscmi_kind kind, const char *name, int parent)
{
	struct vscmi_model *m = &w->m;
	uint32_t n = m->nres[kind];
	struct vscmi_res_desc *r = realloc(m->res[kind], (n + 1) * sizeof(*r));

	ck_assert_ptr_nonnull(r);
	m->res[kind] = r;
	m->nres[kind] = n + 1;
	memset(&r[n], 0, sizeof(r[n]));
	r[n].kind = kind;
	snprintf(r[n].name, sizeof(r[n].name), "%s", name);
	r[n].plat_id = PID(n);
	r[n].parent = parent;
	return (int)n;
}

static struct vscmi_res_desc *desc(struct soc *w, enum vscmi_kind kind, int i)
{
	return &w->m.res[kind][i];
}

static int add_clock(struct soc *w, const char *name, int parent, enum vscmi_policy policy,
		     int64_t rate, bool on)
{
	int i = add_res(w, VSCMI_CLOCK, name, parent);
	struct vscmi_res_desc *d = desc(w, VSCMI_CLOCK, i);

	d->u.clock.rates.segment = true;
	d->u.clock.rates.min = MHZ(1);
	d->u.clock.rates.max = MHZ(2000);
	d->u.clock.rates.step = 1;
	d->u.clock.policy = policy;
	d->u.clock.rate = (uint64_t)rate;
	d->u.clock.on = on;
	return i;
}

/* States ON, nret retention states, OFF (most to least powered). */
static int add_pd(struct soc *w, const char *name, int parent, uint32_t nret, uint32_t initial)
{
	static const uint32_t ret_values[] = { PD_RET1, PD_RET2 };
	int i = add_res(w, VSCMI_POWER, name, parent);
	struct vscmi_res_desc *d = desc(w, VSCMI_POWER, i);
	uint32_t n = 0;

	ck_assert_uint_le(nret, 2);
	d->u.power.states[n++] = (struct vscmi_pd_state){ .name = "on", .value = PD_ON };
	for (uint32_t k = 0; k < nret; k++) {
		d->u.power.states[n] = (struct vscmi_pd_state){ .value = ret_values[k] };
		snprintf(d->u.power.states[n].name, sizeof(d->u.power.states[n].name), "ret%u",
			 k + 1);
		n++;
	}
	d->u.power.states[n++] = (struct vscmi_pd_state){ .name = "off", .value = PD_OFF };
	d->u.power.nstates = n;
	d->u.power.initial = initial;
	return i;
}

static uint32_t pd_off(struct soc *w, int i)
{
	return desc(w, VSCMI_POWER, i)->u.power.nstates - 1;
}

static int add_reset(struct soc *w, const char *name, bool asserted, bool allow_autonomous)
{
	int i = add_res(w, VSCMI_RESET, name, -1);
	struct vscmi_res_desc *d = desc(w, VSCMI_RESET, i);

	d->u.reset.asserted = asserted;
	d->u.reset.allow_autonomous = allow_autonomous;
	return i;
}

static int add_voltage(struct soc *w, const char *name, enum vscmi_policy policy, int64_t uv,
		       bool on)
{
	int i = add_res(w, VSCMI_VOLTAGE, name, -1);
	struct vscmi_res_desc *d = desc(w, VSCMI_VOLTAGE, i);

	d->u.voltage.levels.segment = true;
	d->u.voltage.levels.min = 500000;
	d->u.voltage.levels.max = 1500000;
	d->u.voltage.levels.step = 12500;
	d->u.voltage.policy = policy;
	d->u.voltage.level = uv;
	d->u.voltage.on = on;
	return i;
}

/* Perf levels with the given perf values, ascending. */
static int add_perf(struct soc *w, const char *name, const uint32_t *perf, uint32_t n,
		    uint32_t initial)
{
	int i = add_res(w, VSCMI_PERF, name, -1);
	struct vscmi_res_desc *d = desc(w, VSCMI_PERF, i);

	for (uint32_t k = 0; k < n; k++)
		d->u.perf.levels[k] = (struct vscmi_perf_level){
			.perf = perf[k], .power = 100 * (k + 1), .latency_us = 10,
			.freq_khz = 100000 * (k + 1) };
	d->u.perf.nlevels = n;
	d->u.perf.initial = initial;
	return i;
}

static void soc_start(struct soc *w)
{
	w->plat = vscmi_emu_new(&w->m);
	ck_assert_ptr_nonnull(w->plat);
	w->arb = arb_new(&w->m, w->plat);
	ck_assert_ptr_nonnull(w->arb);
}

static void soc_end(struct soc *w)
{
	for (size_t i = 0; i < sizeof(w->agents) / sizeof(w->agents[0]); i++)
		arb_agent_free(w->agents[i]);
	arb_free(w->arb);
	vscmi_platform_free(w->plat);
	vscmi_model_free(&w->m);
}

static struct arb_agent *agent(struct soc *w, uint32_t id)
{
	ck_assert_uint_le(id, VSCMI_MAX_AGENTS);
	if (!w->agents[id]) {
		w->agents[id] = arb_agent_new(w->arb, id);
		ck_assert_ptr_nonnull(w->agents[id]);
	}
	return w->agents[id];
}

static struct arb_res *res(struct soc *w, enum vscmi_kind kind, int i)
{
	struct arb_res *r = arb_res_get(w->arb, kind, (uint32_t)i);

	ck_assert_ptr_nonnull(r);
	return r;
}

static struct arb_vote *vote(struct soc *w, uint32_t id, enum vscmi_kind kind, int i)
{
	struct arb_vote *v = arb_vote_new(agent(w, id), res(w, kind, i));

	ck_assert_ptr_nonnull(v);
	return v;
}

/* Starts the system: *a is agent 1's (camera's) vote on resource ia of the
 * kind, *b agent 2's (display's) on ib. */
static void start_two(struct soc *w, enum vscmi_kind kind, int ia, int ib, struct arb_vote **a,
		      struct arb_vote **b)
{
	soc_start(w);
	*a = vote(w, CAMERA, kind, ia);
	*b = vote(w, DISPLAY, kind, ib);
}

/* cam_core, exclusive and off at 50 MHz, alone in the system, with camera's
 * and display's votes on it. */
static int start_cam_core(struct soc *w, struct arb_vote **cam, struct arb_vote **disp)
{
	int core = add_clock(w, "cam_core", -1, VSCMI_POLICY_EXCLUSIVE, MHZ(50), false);

	start_two(w, VSCMI_CLOCK, core, core, cam, disp);
	return core;
}

/* A domain soc and its child isp, each with ON, nret retention states and
 * OFF, in state initial. */
static void add_soc_isp(struct soc *w, uint32_t nret, uint32_t initial, int *soc, int *isp)
{
	*soc = add_pd(w, "soc", -1, nret, initial);
	*isp = add_pd(w, "isp", *soc, nret, initial);
}

static void release(struct soc *w, uint32_t id, int expect_failed)
{
	ck_assert_int_eq(arb_agent_release(agent(w, id)), expect_failed);
}

/* --- reading state ------------------------------------------------------ */

static struct arb_state vst(const struct arb_vote *v)
{
	struct arb_state st;

	arb_vote_state(v, &st);
	return st;
}

static struct arb_state phys(struct soc *w, enum vscmi_kind kind, int i)
{
	struct arb_state st;

	arb_res_phys(res(w, kind, i), &st);
	return st;
}

static struct arb_state target(struct soc *w, enum vscmi_kind kind, int i)
{
	struct arb_state st;

	arb_res_target(res(w, kind, i), &st);
	return st;
}

static int64_t hw(struct soc *w, enum vscmi_op_type type, int i)
{
	int64_t val;

	ck_assert_int_eq(vscmi_emu_state(w->plat, type, PID(i), &val), 0);
	return val;
}

static uint64_t count(struct soc *w, enum vscmi_op_type type, int i, int64_t val)
{
	return vscmi_emu_count(w->plat, type, PID(i), val);
}

static uint64_t total_ops(struct soc *w)
{
	struct vscmi_emu_stats st;

	vscmi_emu_stats(w->plat, &st);
	return st.ops;
}

/* The arbiter's physical record and the emulated hardware agree on it. */
static void check_clock(struct soc *w, int i, bool on, int64_t rate)
{
	struct arb_state p = phys(w, VSCMI_CLOCK, i);

	ck_assert_msg(p.on == on, "clock %s: arbiter has it %s", desc(w, VSCMI_CLOCK, i)->name,
		      p.on ? "on" : "off");
	ck_assert_int_eq(hw(w, VSCMI_OP_CLOCK_ENABLE, i), on);
	if (rate >= 0) {
		ck_assert_int_eq(p.level, rate);
		ck_assert_int_eq(hw(w, VSCMI_OP_CLOCK_RATE, i), rate);
	}
}

static void check_pd(struct soc *w, int i, uint32_t state_index)
{
	const struct vscmi_res_desc *d = desc(w, VSCMI_POWER, i);

	ck_assert_uint_eq(phys(w, VSCMI_POWER, i).pd, state_index);
	ck_assert_int_eq(hw(w, VSCMI_OP_POWER_STATE, i), d->u.power.states[state_index].value);
}

static void check_reset(struct soc *w, int i, bool asserted)
{
	ck_assert(phys(w, VSCMI_RESET, i).asserted == asserted);
	ck_assert_int_eq(hw(w, VSCMI_OP_RESET_LINE, i), asserted);
}

static void check_voltage(struct soc *w, int i, bool on, int64_t uv)
{
	struct arb_state p = phys(w, VSCMI_VOLTAGE, i);

	ck_assert(p.on == on);
	ck_assert_int_eq(hw(w, VSCMI_OP_VOLTAGE_CONFIG, i), on);
	if (uv >= 0) {
		ck_assert_int_eq(p.level, uv);
		ck_assert_int_eq(hw(w, VSCMI_OP_VOLTAGE_LEVEL, i), uv);
	}
}

static void check_perf(struct soc *w, int i, int64_t level, uint32_t min, uint32_t max)
{
	struct arb_state p = phys(w, VSCMI_PERF, i);

	ck_assert_int_eq(p.level, level);
	ck_assert_int_eq(hw(w, VSCMI_OP_PERF_LEVEL, i), level);
	ck_assert_uint_eq(p.min, min);
	ck_assert_uint_eq(p.max, max);
	/* The emulator reports the max only; the min shows in the logged ops. */
	ck_assert_int_eq(hw(w, VSCMI_OP_PERF_LIMITS, i), max);
}

static bool state_eq(struct arb_state a, struct arb_state b)
{
	return a.on == b.on && a.asserted == b.asserted && a.has_level == b.has_level &&
	       a.has_limits == b.has_limits && a.voted == b.voted && a.pd == b.pd &&
	       a.level == b.level && a.min == b.min && a.max == b.max;
}

/* --- the platform's log ------------------------------------------------- */

#define OP(t, i, v) ((struct vscmi_op){ .type = VSCMI_OP_##t, .id = PID(i), .val = (v) })
#define LIMITS(i, max, min) \
	((struct vscmi_op){ .type = VSCMI_OP_PERF_LIMITS, .id = PID(i), .val = (max), .val2 = (min) })

static void fmt_ops(char *buf, size_t len, const struct vscmi_op *ops, size_t n)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s(%u)=%" PRId64 "/%" PRId64,
					i ? ", " : "", vscmi_op_name(ops[i].type), ops[i].id,
					ops[i].val, ops[i].val2);
	if (!n)
		snprintf(buf, len, "nothing");
}

static bool op_eq(const struct vscmi_op *a, const struct vscmi_op *b)
{
	return a->type == b->type && a->id == b->id && a->val == b->val && a->val2 == b->val2;
}

/* The platform saw exactly these transitions, in this order, since the last
 * check; the log starts afresh for the next one. */
static void expect_ops(struct soc *w, int line, const struct vscmi_op *want, size_t nwant)
{
	const struct vscmi_op *log;
	size_t n = vscmi_emu_log(w->plat, &log);
	bool same = n == nwant;
	char got[1024], exp[1024];

	for (size_t i = 0; same && i < n; i++)
		same = op_eq(&log[i], &want[i]);
	if (!same) {
		fmt_ops(got, sizeof(got), log, n);
		fmt_ops(exp, sizeof(exp), want, nwant);
	}
	ck_assert_msg(same, "line %d: platform saw [%s], expected [%s]", line, same ? "" : got,
		      same ? "" : exp);
	vscmi_emu_clear_log(w->plat);
}

#define EXPECT_OPS(w, ...)                                                  \
	expect_ops(w, __LINE__, (const struct vscmi_op[]){ __VA_ARGS__ }, \
		   sizeof((const struct vscmi_op[]){ __VA_ARGS__ }) / sizeof(struct vscmi_op))
#define EXPECT_NO_OPS(w) expect_ops(w, __LINE__, NULL, 0)

/* Position of an op in the log since the last check, or -1. */
static int log_pos(struct soc *w, struct vscmi_op op)
{
	const struct vscmi_op *log;
	size_t n = vscmi_emu_log(w->plat, &log);

	for (size_t i = 0; i < n; i++)
		if (op_eq(&log[i], &op))
			return (int)i;
	return -1;
}

static size_t log_len(struct soc *w)
{
	const struct vscmi_op *log;

	return vscmi_emu_log(w->plat, &log);
}

/* --- the worked cases' system ------------------------------------------- */

enum { PLL_VIDEO, CAM_PIX, DISP_PIX };	/* clocks */
enum { ISP };				/* power domains */
enum { RST_BUS };			/* reset lines */
enum { ISP_ON, ISP_RET, ISP_OFF };	/* isp's states */

static void build_video(struct soc *w)
{
	ck_assert_int_eq(add_clock(w, "pll_video", -1, VSCMI_POLICY_MAX, MHZ(594), false),
			 PLL_VIDEO);
	ck_assert_int_eq(add_clock(w, "cam_pix", PLL_VIDEO, VSCMI_POLICY_MAX, MHZ(148), false),
			 CAM_PIX);
	ck_assert_int_eq(add_clock(w, "disp_pix", PLL_VIDEO, VSCMI_POLICY_MAX, MHZ(148), false),
			 DISP_PIX);
}

/* The video clocks, with camera's vote on cam_pix and display's on disp_pix. */
static void start_video(struct soc *w, struct arb_vote **cam, struct arb_vote **disp)
{
	build_video(w);
	start_two(w, VSCMI_CLOCK, CAM_PIX, DISP_PIX, cam, disp);
}

static void build_cases(struct soc *w)
{
	build_video(w);
	ck_assert_int_eq(add_pd(w, "isp", -1, 1, ISP_OFF), ISP);
	ck_assert_int_eq(add_reset(w, "rst_bus", true, false), RST_BUS);
}

/* --- worked cases 1-7 ------------------------------------------------------ */

START_TEST(test_case1_pll_shared_by_two_clocks_switches_once)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;

	start_video(&w, &cam, &disp);

	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 1), OP(CLOCK_ENABLE, CAM_PIX, 1));

	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, DISP_PIX, 1));

	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, CAM_PIX, 0));
	check_clock(&w, PLL_VIDEO, true, -1);
	ck_assert(!vst(cam).on);
	ck_assert(vst(disp).on);

	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, DISP_PIX, 0), OP(CLOCK_ENABLE, PLL_VIDEO, 0));

	ck_assert_uint_eq(count(&w, VSCMI_OP_CLOCK_ENABLE, PLL_VIDEO, 1), 1);
	ck_assert_uint_eq(count(&w, VSCMI_OP_CLOCK_ENABLE, PLL_VIDEO, 0), 1);
	check_clock(&w, PLL_VIDEO, false, -1);
	check_clock(&w, CAM_PIX, false, -1);
	check_clock(&w, DISP_PIX, false, -1);
	soc_end(&w);
}
END_TEST

START_TEST(test_case2_shared_power_domain_follows_most_powered_vote)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *info;

	build_cases(&w);
	soc_start(&w);
	cam = vote(&w, CAMERA, VSCMI_POWER, ISP);
	info = vote(&w, INFOTAINMENT, VSCMI_POWER, ISP);

	ck_assert_int_eq(arb_vote_ask(cam, ARB_PD_STATE, ISP_ON, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, ISP, PD_ON));

	ck_assert_int_eq(arb_vote_ask(info, ARB_PD_STATE, ISP_OFF, 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert(vst(info).voted);
	ck_assert_uint_eq(vst(info).pd, ISP_OFF);
	ck_assert_uint_eq(vst(cam).pd, ISP_ON);
	check_pd(&w, ISP, ISP_ON);

	ck_assert_int_eq(arb_vote_ask(cam, ARB_PD_STATE, ISP_OFF, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, ISP, PD_OFF));
	check_pd(&w, ISP, ISP_OFF);
	soc_end(&w);
}
END_TEST

START_TEST(test_case3_shared_reset_asserts_only_when_all_assert_and_refuses_pulse)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;

	build_cases(&w);
	start_two(&w, VSCMI_RESET, RST_BUS, RST_BUS, &cam, &disp);
	check_reset(&w, RST_BUS, true);

	ck_assert_int_eq(arb_vote_ask(cam, ARB_ASSERT, false, 0), 0);
	EXPECT_OPS(&w, OP(RESET_LINE, RST_BUS, 0));

	ck_assert_int_eq(arb_vote_ask(disp, ARB_ASSERT, false, 0), 0);
	EXPECT_NO_OPS(&w);

	ck_assert_int_eq(arb_vote_ask(cam, ARB_ASSERT, true, 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert(vst(cam).asserted);
	ck_assert(!vst(disp).asserted);
	check_reset(&w, RST_BUS, false);

	ck_assert_int_eq(arb_vote_ask(disp, ARB_ASSERT, true, 0), 0);
	EXPECT_OPS(&w, OP(RESET_LINE, RST_BUS, 1));
	check_reset(&w, RST_BUS, true);

	ck_assert_int_eq(arb_vote_ask(cam, ARB_PULSE, 0, 0), -EACCES);
	EXPECT_NO_OPS(&w);
	ck_assert_uint_eq(count(&w, VSCMI_OP_RESET_PULSE, RST_BUS, -1), 0);
	soc_end(&w);
}
END_TEST

START_TEST(test_case4_exclusive_rate_owned_until_owner_votes_off)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;
	int core = start_cam_core(&w, &cam, &disp);


	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, MHZ(200), 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, core, 1), OP(CLOCK_RATE, core, MHZ(200)));

	ck_assert_int_eq(arb_vote_ask(disp, ARB_LEVEL, MHZ(100), 0), -EACCES);
	EXPECT_NO_OPS(&w);
	ck_assert(!vst(disp).has_level);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, true, 0), 0);
	EXPECT_NO_OPS(&w);

	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, false, 0), 0);
	EXPECT_NO_OPS(&w);
	check_clock(&w, core, true, MHZ(200));

	ck_assert_int_eq(arb_vote_ask(disp, ARB_LEVEL, MHZ(100), 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_RATE, core, MHZ(100)));
	check_clock(&w, core, true, MHZ(100));
	ck_assert_int_eq(vst(disp).level, MHZ(100));

	/* The display owns it now; the camera is refused in turn. */
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, MHZ(300), 0), -EACCES);
	EXPECT_NO_OPS(&w);
	soc_end(&w);
}
END_TEST

START_TEST(test_case5_perf_max_of_levels_clamped_and_empty_limits_refused)
{
	static const uint32_t perf[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	struct soc w = { 0 };
	struct arb_vote *info, *disp;
	int gpu;

	gpu = add_perf(&w, "gpu", perf, 8, 3);
	soc_start(&w);
	info = vote(&w, INFOTAINMENT, VSCMI_PERF, gpu);
	disp = vote(&w, DISPLAY, VSCMI_PERF, gpu);

	ck_assert_int_eq(arb_vote_ask(info, ARB_LEVEL, 3, 0), 0);
	EXPECT_NO_OPS(&w);

	ck_assert_int_eq(arb_vote_ask(disp, ARB_LEVEL, 5, 0), 0);
	EXPECT_OPS(&w, OP(PERF_LEVEL, gpu, 5));

	ck_assert_int_eq(arb_vote_ask(info, ARB_LIMITS, 4, 0), 0);
	EXPECT_OPS(&w, LIMITS(gpu, 4, 0), OP(PERF_LEVEL, gpu, 4));
	check_perf(&w, gpu, 4, 0, 4);
	ck_assert_int_eq(vst(disp).level, 5);

	ck_assert_int_eq(arb_vote_ask(disp, ARB_LIMITS, 7, 5), -EACCES);
	EXPECT_NO_OPS(&w);
	ck_assert(!vst(disp).has_limits);

	release(&w, INFOTAINMENT, 0);
	EXPECT_OPS(&w, LIMITS(gpu, 7, 0), OP(PERF_LEVEL, gpu, 5));
	check_perf(&w, gpu, 5, 0, 7);
	ck_assert_int_eq(vst(disp).level, 5);
	soc_end(&w);
}
END_TEST

START_TEST(test_case6_refused_parent_changes_nothing_and_voter_reads_off)
{
	struct soc w = { 0 };
	struct arb_vote *disp;

	build_video(&w);
	soc_start(&w);
	disp = vote(&w, DISPLAY, VSCMI_CLOCK, DISP_PIX);

	vscmi_emu_refuse(w.plat, VSCMI_OP_CLOCK_ENABLE, PID(PLL_VIDEO), 1, -EIO);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, true, 0), -EIO);
	EXPECT_NO_OPS(&w);
	ck_assert(!vst(disp).on);
	check_clock(&w, PLL_VIDEO, false, -1);
	check_clock(&w, DISP_PIX, false, -1);
	ck_assert(!target(&w, VSCMI_CLOCK, PLL_VIDEO).on);
	ck_assert(!target(&w, VSCMI_CLOCK, DISP_PIX).on);
	ck_assert_uint_eq(total_ops(&w), 0);
	soc_end(&w);
}
END_TEST

/* Camera holds cam_pix on, isp ON, rst_bus deasserted; infotainment holds
 * isp in retention. Nobody else needs the PLL or the bus. */
/* Case 7's system: camera holds cam_pix on, isp ON and rst_bus deasserted;
 * infotainment holds isp in retention; the display votes on rst_bus and
 * disp_pix, and casts its own votes before the camera goes. */
struct case7 {
	struct arb_vote *cam_clk, *cam_pd, *cam_rst, *info_pd, *disp_rst, *disp_clk;
	struct arb_state info_before, disp_rst_before, disp_clk_before;
};

static void case7_start(struct soc *w, struct case7 *c)
{
	build_cases(w);
	soc_start(w);
	c->cam_clk = vote(w, CAMERA, VSCMI_CLOCK, CAM_PIX);
	c->cam_pd = vote(w, CAMERA, VSCMI_POWER, ISP);
	c->cam_rst = vote(w, CAMERA, VSCMI_RESET, RST_BUS);
	c->info_pd = vote(w, INFOTAINMENT, VSCMI_POWER, ISP);
	c->disp_rst = vote(w, DISPLAY, VSCMI_RESET, RST_BUS);
	c->disp_clk = vote(w, DISPLAY, VSCMI_CLOCK, DISP_PIX);

	ck_assert_int_eq(arb_vote_ask(c->cam_clk, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(c->cam_pd, ARB_PD_STATE, ISP_ON, 0), 0);
	ck_assert_int_eq(arb_vote_ask(c->cam_rst, ARB_ASSERT, false, 0), 0);
	ck_assert_int_eq(arb_vote_ask(c->info_pd, ARB_PD_STATE, ISP_RET, 0), 0);
}

/* The camera goes, the log cleared and the others' votes noted before. */
static void case7_camera_gone(struct soc *w, struct case7 *c)
{
	vscmi_emu_clear_log(w->plat);
	c->info_before = vst(c->info_pd);
	c->disp_rst_before = vst(c->disp_rst);
	c->disp_clk_before = vst(c->disp_clk);
	release(w, CAMERA, 0);
}

/* What the others read back is as before. */
static void case7_check_others(struct case7 *c)
{
	ck_assert(state_eq(c->info_before, vst(c->info_pd)));
	ck_assert(state_eq(c->disp_rst_before, vst(c->disp_rst)));
	ck_assert(state_eq(c->disp_clk_before, vst(c->disp_clk)));
}

START_TEST(test_case7_agent_gone_withdraws_all_votes_in_one_step)
{
	struct soc w = { 0 };
	struct case7 c;
	int pos_cam, pos_pll;

	case7_start(&w, &c);
	ck_assert_int_eq(arb_vote_ask(c.disp_rst, ARB_ASSERT, true, 0), 0);
	case7_camera_gone(&w, &c);
	ck_assert_uint_eq(log_len(&w), 4);
	pos_cam = log_pos(&w, OP(CLOCK_ENABLE, CAM_PIX, 0));
	pos_pll = log_pos(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 0));
	ck_assert_int_ge(pos_cam, 0);
	ck_assert_int_gt(pos_pll, pos_cam);
	ck_assert_int_ge(log_pos(&w, OP(POWER_STATE, ISP, PD_RET1)), 0);
	ck_assert_int_ge(log_pos(&w, OP(RESET_LINE, RST_BUS, 1)), 0);
	vscmi_emu_clear_log(w.plat);

	check_clock(&w, CAM_PIX, false, -1);
	check_clock(&w, PLL_VIDEO, false, -1);
	check_pd(&w, ISP, ISP_RET);
	check_reset(&w, RST_BUS, true);
	ck_assert(!vst(c.cam_clk).on && !vst(c.cam_pd).voted && !vst(c.cam_rst).voted);
	case7_check_others(&c);
	soc_end(&w);
}
END_TEST

/* The same, with the display holding its pixel clock on and the bus
 * deasserted: the PLL and the bus stay as they are. */
START_TEST(test_case7_agent_gone_keeps_what_other_agents_hold)
{
	struct soc w = { 0 };
	struct case7 c;

	case7_start(&w, &c);
	ck_assert_int_eq(arb_vote_ask(c.disp_rst, ARB_ASSERT, false, 0), 0);
	ck_assert_int_eq(arb_vote_ask(c.disp_clk, ARB_GATE, true, 0), 0);
	case7_camera_gone(&w, &c);
	ck_assert_uint_eq(log_len(&w), 2);
	ck_assert_int_ge(log_pos(&w, OP(CLOCK_ENABLE, CAM_PIX, 0)), 0);
	ck_assert_int_ge(log_pos(&w, OP(POWER_STATE, ISP, PD_RET1)), 0);
	vscmi_emu_clear_log(w.plat);

	check_clock(&w, PLL_VIDEO, true, -1);
	check_clock(&w, DISP_PIX, true, -1);
	check_reset(&w, RST_BUS, false);
	case7_check_others(&c);
	soc_end(&w);
}
END_TEST

/* An agent gone with votes on a domain and on its parent: one step, so the
 * parent goes straight to what the other votes say, not through the
 * retention state its own vote asked (doc/arbiter.md, "Agents going away"). */
START_TEST(test_agent_gone_moves_a_parent_domain_once)
{
	struct soc w = { 0 };
	int isp = add_pd(&w, "isp", -1, 1, ISP_OFF);
	int vpu = add_pd(&w, "vpu", isp, 1, ISP_OFF);

	soc_start(&w);
	ck_assert_int_eq(arb_vote_ask(vote(&w, CAMERA, VSCMI_POWER, vpu), ARB_PD_STATE, ISP_ON, 0), 0);
	ck_assert_int_eq(arb_vote_ask(vote(&w, CAMERA, VSCMI_POWER, isp), ARB_PD_STATE, ISP_RET, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, isp, PD_ON), OP(POWER_STATE, vpu, PD_ON));
	release(&w, CAMERA, 0);
	EXPECT_OPS(&w, OP(POWER_STATE, vpu, PD_OFF), OP(POWER_STATE, isp, PD_OFF));
	soc_end(&w);
}
END_TEST

/* --- worked cases 8-14: the edges (doc/arbiter.md) ---------------------------- */

/* A clock on at boot holds its boot vote: a no-op rate or an off vote from
 * an agent that never switched it on leaves it running; the first agent
 * to switch it on takes it over, and may then switch it off. */
START_TEST(test_case8_clock_on_at_boot_stays_on_until_taken_over)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;
	int clk = add_clock(&w, "bus", -1, VSCMI_POLICY_MAX, MHZ(200), true);

	start_two(&w, VSCMI_CLOCK, clk, clk, &cam, &disp);
	ck_assert(arb_res_boot_held(res(&w, VSCMI_CLOCK, clk)));

	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, MHZ(200), 0), 0);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, false, 0), 0);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, false, 0), 0);
	EXPECT_NO_OPS(&w);
	check_clock(&w, clk, true, MHZ(200));
	/* another rate from an agent not holding it: others may run on it */
	ck_assert_int_eq(arb_vote_ask(disp, ARB_LEVEL, MHZ(100), 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert_int_eq(vst(disp).level, MHZ(100));

	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert(!arb_res_boot_held(res(&w, VSCMI_CLOCK, clk)));
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, clk, 0));
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, clk, 1));
	soc_end(&w);
}
END_TEST

/* A fixed regulator on at boot: its only level changes nothing. */
START_TEST(test_case9_fixed_regulator_on_at_boot_stays_on)
{
	struct soc w = { 0 };
	struct arb_vote *cam;
	int vdd = add_voltage(&w, "vdd_io", VSCMI_POLICY_FIXED, 1800000, true);

	soc_start(&w);
	cam = vote(&w, CAMERA, VSCMI_VOLTAGE, vdd);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, 1800000, 0), 0);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, 1700000, 0), -EACCES);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, false, 0), 0);
	EXPECT_NO_OPS(&w);
	check_voltage(&w, vdd, true, 1800000);
	release(&w, CAMERA, 0);
	EXPECT_NO_OPS(&w);
	check_voltage(&w, vdd, true, 1800000);
	soc_end(&w);
}
END_TEST

/* A power domain ON at boot: a lower vote is only the agent's until one
 * votes at least ON; a retention vote does not take over. */
START_TEST(test_case10_power_domain_on_at_boot_stays_on_until_taken_over)
{
	struct soc w = { 0 };
	struct arb_vote *cam;
	int pd = add_pd(&w, "isp", -1, 1, ISP_ON);

	soc_start(&w);
	cam = vote(&w, CAMERA, VSCMI_POWER, pd);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_PD_STATE, ISP_OFF, 0), 0);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_PD_STATE, ISP_RET, 0), 0);
	EXPECT_NO_OPS(&w);
	check_pd(&w, pd, ISP_ON);
	ck_assert_uint_eq(vst(cam).pd, ISP_RET);

	ck_assert_int_eq(arb_vote_ask(cam, ARB_PD_STATE, ISP_ON, 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_PD_STATE, ISP_RET, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, pd, PD_RET1));
	ck_assert_int_eq(arb_vote_ask(cam, ARB_PD_STATE, ISP_OFF, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, pd, PD_OFF));
	soc_end(&w);
}
END_TEST

/* A domain in retention at boot is taken over by a vote at least as
 * powered, and held there before. */
START_TEST(test_power_domain_in_retention_at_boot_held_at_retention)
{
	struct soc w = { 0 };
	struct arb_vote *cam;
	int pd = add_pd(&w, "isp", -1, 1, ISP_RET);

	soc_start(&w);
	cam = vote(&w, CAMERA, VSCMI_POWER, pd);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_PD_STATE, ISP_OFF, 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_PD_STATE, ISP_ON, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, pd, PD_ON));
	ck_assert_int_eq(arb_vote_ask(cam, ARB_PD_STATE, ISP_OFF, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, pd, PD_OFF));
	soc_end(&w);
}
END_TEST

/* A reset line deasserted at boot is asserted only after an agent has
 * deasserted it itself. */
START_TEST(test_case11_reset_deasserted_at_boot_stays_until_taken_over)
{
	struct soc w = { 0 };
	struct arb_vote *cam;
	int rst = add_reset(&w, "rst_cam", false, false);

	soc_start(&w);
	cam = vote(&w, CAMERA, VSCMI_RESET, rst);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_ASSERT, true, 0), 0);
	EXPECT_NO_OPS(&w);
	check_reset(&w, rst, false);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_ASSERT, false, 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_ASSERT, true, 0), 0);
	EXPECT_OPS(&w, OP(RESET_LINE, rst, 1));
	soc_end(&w);
}
END_TEST

/* What the platform has running when vscmid first starts is held by a boot
 * vote, whatever the config expected: a clock, a domain and a line the
 * config has off, asserted, but the firmware (a bootloader) left on. */
START_TEST(test_boot_votes_come_from_the_platform_at_first_start)
{
	struct soc w = { 0 };
	int clk = add_clock(&w, "bus", -1, VSCMI_POLICY_MAX, MHZ(200), false);
	int pd = add_pd(&w, "isp", -1, 1, ISP_OFF);
	int rst = add_reset(&w, "rst_cam", true, false);
	struct arb_vote *c, *p, *r;

	w.plat = vscmi_emu_new(&w.m);
	ck_assert_ptr_nonnull(w.plat);
	ck_assert_int_eq(vscmi_platform_apply(w.plat, &OP(CLOCK_ENABLE, clk, 1)), 0);
	ck_assert_int_eq(vscmi_platform_apply(w.plat, &OP(POWER_STATE, pd, PD_RET1)), 0);
	ck_assert_int_eq(vscmi_platform_apply(w.plat, &OP(RESET_LINE, rst, 0)), 0);
	vscmi_emu_clear_log(w.plat);
	w.arb = arb_new(&w.m, w.plat);
	ck_assert_ptr_nonnull(w.arb);
	ck_assert_int_eq(arb_sync_phys(w.arb), 0);
	arb_boot_from_phys(w.arb);
	c = vote(&w, CAMERA, VSCMI_CLOCK, clk);
	p = vote(&w, CAMERA, VSCMI_POWER, pd);
	r = vote(&w, CAMERA, VSCMI_RESET, rst);
	ck_assert_int_eq(arb_vote_ask(c, ARB_LEVEL, MHZ(100), 0), 0);
	ck_assert_int_eq(arb_vote_ask(p, ARB_PD_STATE, ISP_OFF, 0), 0);
	ck_assert_int_eq(arb_vote_ask(r, ARB_ASSERT, true, 0), 0);
	EXPECT_NO_OPS(&w);
	check_clock(&w, clk, true, MHZ(200));
	check_pd(&w, pd, ISP_RET);
	check_reset(&w, rst, false);
	/* taken over, then let go */
	ck_assert_int_eq(arb_vote_ask(p, ARB_PD_STATE, ISP_ON, 0), 0);
	ck_assert_int_eq(arb_vote_ask(p, ARB_PD_STATE, ISP_OFF, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, pd, PD_ON), OP(POWER_STATE, pd, PD_OFF));
	soc_end(&w);
}
END_TEST

/* A rate voted by an agent that does not hold the clock on never moves a
 * clock others run on; it counts once the agent switches on. While
 * nothing runs on the clock, the hardware takes it at once. */
START_TEST(test_case12_rate_voted_while_off_counts_from_switching_on)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;
	int clk = add_clock(&w, "disp_axi", -1, VSCMI_POLICY_MAX, MHZ(100), false);

	start_two(&w, VSCMI_CLOCK, clk, clk, &cam, &disp);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, clk, 1));

	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, MHZ(400), 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert_int_eq(vst(cam).level, MHZ(400));
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_RATE, clk, MHZ(400)));
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, false, 0), 0);
	EXPECT_NO_OPS(&w);
	check_clock(&w, clk, true, MHZ(400));
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, clk, 0));
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, MHZ(200), 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_RATE, clk, MHZ(200)));
	soc_end(&w);
}
END_TEST

/* The same for an exclusive rate: an agent that holds the clock off does
 * not own it and does not move it; switching on makes it the owner. */
START_TEST(test_exclusive_rate_of_an_agent_holding_off_waits_for_its_on)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;
	int clk = add_clock(&w, "cam_core", -1, VSCMI_POLICY_EXCLUSIVE, MHZ(100), false);

	start_two(&w, VSCMI_CLOCK, clk, clk, &cam, &disp);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, clk, 1));
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, MHZ(300), 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert(!arb_vote_owner(cam));
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_RATE, clk, MHZ(300)));
	ck_assert(arb_vote_owner(cam));
	ck_assert_int_eq(arb_vote_ask(disp, ARB_LEVEL, MHZ(200), 0), -EACCES);
	soc_end(&w);
}
END_TEST

/* Limits whose range holds no table level: the ceiling wins. */
START_TEST(test_case13_limits_that_fit_no_level_keep_the_ceiling)
{
	static const uint32_t perf4[] = { 100, 200, 300, 400 };
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;
	int gpu = add_perf(&w, "gpu", perf4, 4, 100);

	start_two(&w, VSCMI_PERF, gpu, gpu, &cam, &disp);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, 300, 0), 0);
	EXPECT_OPS(&w, OP(PERF_LEVEL, gpu, 300));
	ck_assert_int_eq(arb_vote_ask(disp, ARB_LIMITS, 250, 210), 0);
	EXPECT_OPS(&w, LIMITS(gpu, 200, 200), OP(PERF_LEVEL, gpu, 200));
	check_perf(&w, gpu, 200, 200, 200);
	ck_assert_uint_eq(vst(disp).min, 210);
	ck_assert_uint_eq(vst(disp).max, 250);
	soc_end(&w);
}
END_TEST

/* No level votes: the domain runs at its initial level, so limits alone
 * never drop it, and it returns there when the last level vote goes. */
START_TEST(test_case14_perf_without_level_votes_runs_at_initial)
{
	static const uint32_t perf4[] = { 100, 200, 300, 400 };
	struct soc w = { 0 };
	struct arb_vote *cam;
	int gpu = add_perf(&w, "gpu", perf4, 4, 300);

	soc_start(&w);
	cam = vote(&w, CAMERA, VSCMI_PERF, gpu);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LIMITS, 400, 100), 0);
	EXPECT_NO_OPS(&w);
	check_perf(&w, gpu, 300, 100, 400);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, 100, 0), 0);
	EXPECT_OPS(&w, OP(PERF_LEVEL, gpu, 100));
	/* a ceiling below initial holds the domain under it */
	ck_assert_int_eq(arb_vote_ask(vote(&w, DISPLAY, VSCMI_PERF, gpu), ARB_LIMITS, 200, 0), 0);
	EXPECT_OPS(&w, LIMITS(gpu, 200, 100));
	release(&w, CAMERA, 0);
	EXPECT_OPS(&w, OP(PERF_LEVEL, gpu, 200));
	release(&w, DISPLAY, 0);
	EXPECT_OPS(&w, LIMITS(gpu, 400, 100), OP(PERF_LEVEL, gpu, 300));
	soc_end(&w);
}
END_TEST

/* The boot vote comes back when the vote that took it over is refused. */
START_TEST(test_refused_takeover_keeps_the_boot_vote)
{
	struct soc w = { 0 };
	struct arb_vote *cam;
	int clk = add_clock(&w, "bus", -1, VSCMI_POLICY_MAX, MHZ(200), true);

	soc_start(&w);
	cam = vote(&w, CAMERA, VSCMI_CLOCK, clk);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, MHZ(300), 0), 0);
	EXPECT_NO_OPS(&w);
	vscmi_emu_refuse(w.plat, VSCMI_OP_CLOCK_RATE, PID(clk), 1, -EIO);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), -EIO);
	ck_assert(arb_res_boot_held(res(&w, VSCMI_CLOCK, clk)));
	ck_assert(!vst(cam).on);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, false, 0), 0);
	EXPECT_NO_OPS(&w);
	check_clock(&w, clk, true, MHZ(200));
	soc_end(&w);
}
END_TEST

/* --- clock rate policies ---------------------------------------------------- */

START_TEST(test_exclusive_rate_owner_gone_keeps_rate_and_frees_ownership)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;
	int core = start_cam_core(&w, &cam, &disp);


	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, MHZ(200), 0), 0);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, true, 0), 0);
	/* Not holding it on makes no difference to the owner's claim. */
	ck_assert_int_eq(arb_vote_ask(disp, ARB_LEVEL, MHZ(100), 0), -EACCES);
	vscmi_emu_clear_log(w.plat);

	release(&w, CAMERA, 0);
	EXPECT_NO_OPS(&w);
	check_clock(&w, core, true, MHZ(200));

	ck_assert_int_eq(arb_vote_ask(disp, ARB_LEVEL, MHZ(100), 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_RATE, core, MHZ(100)));
	soc_end(&w);
}
END_TEST

/* The camera set 200 MHz and switched off; the display took the clock over
 * at 100 MHz. The camera switching on again gets the clock as it runs: its
 * old rate vote goes, and it stays gone after the display leaves. */
START_TEST(test_exclusive_rate_enabler_drops_its_rate_while_another_owns)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;
	int core = start_cam_core(&w, &cam, &disp);


	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, MHZ(200), 0), 0);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, false, 0), 0);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_LEVEL, MHZ(100), 0), 0);
	vscmi_emu_clear_log(w.plat);

	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert(vst(cam).on);
	ck_assert(!vst(cam).has_level);
	check_clock(&w, core, true, MHZ(100));

	/* The owner leaves: nobody owns the rate, which stays. */
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, false, 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert(!vst(cam).has_level);
	check_clock(&w, core, true, MHZ(100));

	/* Until the camera sets one, and owns it. */
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, MHZ(150), 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_RATE, core, MHZ(150)));
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_LEVEL, MHZ(100), 0), -EACCES);
	EXPECT_NO_OPS(&w);
	soc_end(&w);
}
END_TEST

/* The same for a voltage domain, and a refused switch-on keeps the vote. */
START_TEST(test_exclusive_level_refused_enable_keeps_the_dropped_vote)
{
	struct soc w = { 0 };
	struct arb_vote *a, *b, *c, *d, *e, *f;
	int vdd, pll, core;

	vdd = add_voltage(&w, "vdd_isp", VSCMI_POLICY_EXCLUSIVE, 800000, false);
	pll = add_clock(&w, "pll", -1, VSCMI_POLICY_MAX, MHZ(800), false);
	core = add_clock(&w, "core", pll, VSCMI_POLICY_EXCLUSIVE, MHZ(50), false);
	start_two(&w, VSCMI_VOLTAGE, vdd, vdd, &a, &b);
	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, 900000, 0), 0);
	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, false, 0), 0);
	ck_assert_int_eq(arb_vote_ask(b, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(b, ARB_LEVEL, 1000000, 0), 0);
	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, true, 0), 0);
	ck_assert(!vst(a).has_level);
	check_voltage(&w, vdd, true, 1000000);

	/* The PLL's rate lags its votes (a release the platform refused), so
	 * the child's switch-on has a platform call to make, and it is
	 * refused: the vote is as before, rate included. */
	c = vote(&w, 1, VSCMI_CLOCK, core);
	d = vote(&w, 2, VSCMI_CLOCK, core);
	e = vote(&w, 3, VSCMI_CLOCK, pll);
	f = vote(&w, 4, VSCMI_CLOCK, pll);
	ck_assert_int_eq(arb_vote_ask(c, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(c, ARB_LEVEL, MHZ(200), 0), 0);
	ck_assert_int_eq(arb_vote_ask(c, ARB_GATE, false, 0), 0);
	ck_assert_int_eq(arb_vote_ask(d, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(d, ARB_LEVEL, MHZ(100), 0), 0);
	ck_assert_int_eq(arb_vote_ask(e, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(e, ARB_LEVEL, MHZ(900), 0), 0);
	ck_assert_int_eq(arb_vote_ask(f, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(f, ARB_LEVEL, MHZ(850), 0), 0);
	vscmi_emu_refuse(w.plat, VSCMI_OP_CLOCK_RATE, PID(pll), 1, -EIO);
	release(&w, 3, 1);
	check_clock(&w, pll, true, MHZ(900));

	vscmi_emu_refuse(w.plat, VSCMI_OP_CLOCK_RATE, PID(pll), 1, -EIO);
	ck_assert_int_eq(arb_vote_ask(c, ARB_GATE, true, 0), -EIO);
	ck_assert(!vst(c).on);
	ck_assert(vst(c).has_level);
	ck_assert_int_eq(vst(c).level, MHZ(200));
	check_clock(&w, core, true, MHZ(100));
	ck_assert_int_eq(arb_vote_ask(c, ARB_GATE, true, 0), 0);
	ck_assert(!vst(c).has_level);
	soc_end(&w);
}
END_TEST

START_TEST(test_exclusive_rate_owner_may_change_its_own_rate)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;
	int core = start_cam_core(&w, &cam, &disp);


	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, MHZ(200), 0), 0);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, MHZ(300), 0), 0);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_LEVEL, MHZ(300), 0), -EACCES);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, core, 1), OP(CLOCK_RATE, core, MHZ(200)),
		   OP(CLOCK_RATE, core, MHZ(300)));
	check_clock(&w, core, true, MHZ(300));
	soc_end(&w);
}
END_TEST

START_TEST(test_max_rate_is_highest_among_agents_holding_clock_on)
{
	struct soc w = { 0 };
	struct arb_vote *a, *b, *c;
	int bus;

	bus = add_clock(&w, "bus", -1, VSCMI_POLICY_MAX, MHZ(24), false);
	start_two(&w, VSCMI_CLOCK, bus, bus, &a, &b);
	c = vote(&w, 3, VSCMI_CLOCK, bus);

	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, MHZ(100), 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, bus, 1), OP(CLOCK_RATE, bus, MHZ(100)));

	/* b does not hold it on: its rate waits. */
	ck_assert_int_eq(arb_vote_ask(b, ARB_LEVEL, MHZ(300), 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert_int_eq(vst(b).level, MHZ(300));

	ck_assert_int_eq(arb_vote_ask(b, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_RATE, bus, MHZ(300)));

	ck_assert_int_eq(arb_vote_ask(c, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(c, ARB_LEVEL, MHZ(200), 0), 0);
	EXPECT_NO_OPS(&w);

	ck_assert_int_eq(arb_vote_ask(b, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_RATE, bus, MHZ(200)));
	ck_assert_int_eq(arb_vote_ask(c, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_RATE, bus, MHZ(100)));
	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, bus, 0));
	check_clock(&w, bus, false, MHZ(100));
	soc_end(&w);
}
END_TEST

START_TEST(test_fixed_rate_refuses_any_other_rate)
{
	struct soc w = { 0 };
	struct arb_vote *a, *b;
	struct arb_state before;
	int xtal;

	xtal = add_clock(&w, "xtal", -1, VSCMI_POLICY_FIXED, MHZ(48), false);
	start_two(&w, VSCMI_CLOCK, xtal, xtal, &a, &b);

	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, MHZ(48), 0), 0);
	EXPECT_NO_OPS(&w);
	before = vst(a);
	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, MHZ(50), 0), -EACCES);
	ck_assert(state_eq(before, vst(a)));
	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, xtal, 1));
	ck_assert_int_eq(arb_vote_ask(b, ARB_LEVEL, MHZ(24), 0), -EACCES);
	ck_assert_int_eq(arb_vote_ask(b, ARB_LEVEL, MHZ(48), 0), 0);
	EXPECT_NO_OPS(&w);
	check_clock(&w, xtal, true, MHZ(48));
	ck_assert_uint_eq(count(&w, VSCMI_OP_CLOCK_RATE, xtal, -1), 0);
	soc_end(&w);
}
END_TEST

/* --- power domains ------------------------------------------------------------ */

START_TEST(test_power_domain_takes_most_powered_vote_in_config_order)
{
	struct soc w = { 0 };
	struct arb_vote *a, *b, *c;
	int pd;

	pd = add_pd(&w, "media", -1, 2, 3);	/* on, ret1, ret2, off */
	start_two(&w, VSCMI_POWER, pd, pd, &a, &b);
	c = vote(&w, 3, VSCMI_POWER, pd);

	ck_assert_int_eq(arb_vote_ask(a, ARB_PD_STATE, 2, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, pd, PD_RET2));
	ck_assert_int_eq(arb_vote_ask(b, ARB_PD_STATE, 1, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, pd, PD_RET1));
	ck_assert_int_eq(arb_vote_ask(c, ARB_PD_STATE, 3, 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert_int_eq(arb_vote_ask(a, ARB_PD_STATE, 0, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, pd, PD_ON));
	ck_assert_int_eq(arb_vote_ask(b, ARB_PD_STATE, 2, 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert_int_eq(arb_vote_ask(a, ARB_PD_STATE, 3, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, pd, PD_RET2));
	ck_assert_int_eq(arb_vote_ask(b, ARB_PD_STATE, 3, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, pd, PD_OFF));
	check_pd(&w, pd, 3);
	ck_assert_uint_eq(vst(a).pd, 3);
	ck_assert_int_eq(arb_vote_ask(a, ARB_PD_STATE, 4, 0), -EINVAL);
	soc_end(&w);
}
END_TEST

START_TEST(test_power_child_domain_holds_parent_on_and_switches_it_first)
{
	struct soc w = { 0 };
	struct arb_vote *child, *parent;
	int soc, isp;

	add_soc_isp(&w, 1, 2, &soc, &isp);
	start_two(&w, VSCMI_POWER, isp, soc, &child, &parent);

	ck_assert_int_eq(arb_vote_ask(child, ARB_PD_STATE, 1, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, soc, PD_ON), OP(POWER_STATE, isp, PD_RET1));

	/* A retention vote on the parent cannot take it below what the child needs. */
	ck_assert_int_eq(arb_vote_ask(parent, ARB_PD_STATE, 1, 0), 0);
	EXPECT_NO_OPS(&w);
	check_pd(&w, soc, 0);

	ck_assert_int_eq(arb_vote_ask(child, ARB_PD_STATE, 0, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, isp, PD_ON));

	ck_assert_int_eq(arb_vote_ask(child, ARB_PD_STATE, pd_off(&w, isp), 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, isp, PD_OFF), OP(POWER_STATE, soc, PD_RET1));

	ck_assert_int_eq(arb_vote_ask(parent, ARB_PD_STATE, pd_off(&w, soc), 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, soc, PD_OFF));
	soc_end(&w);
}
END_TEST

START_TEST(test_power_child_domain_gone_lets_parent_off_after_it)
{
	struct soc w = { 0 };
	struct arb_vote *child;
	int soc, isp;

	add_soc_isp(&w, 0, 1, &soc, &isp);
	soc_start(&w);
	child = vote(&w, CAMERA, VSCMI_POWER, isp);
	ck_assert_int_eq(arb_vote_ask(child, ARB_PD_STATE, 0, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, soc, PD_ON), OP(POWER_STATE, isp, PD_ON));
	release(&w, CAMERA, 0);
	EXPECT_OPS(&w, OP(POWER_STATE, isp, PD_OFF), OP(POWER_STATE, soc, PD_OFF));
	soc_end(&w);
}
END_TEST

/* --- reset lines -------------------------------------------------------------- */

START_TEST(test_reset_pulse_allowed_for_the_lines_only_user)
{
	struct soc w = { 0 };
	struct arb_vote *cam;
	int rst;

	rst = add_reset(&w, "rst_cam", false, false);
	soc_start(&w);
	cam = vote(&w, CAMERA, VSCMI_RESET, rst);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_PULSE, 0, 0), 0);
	EXPECT_OPS(&w, OP(RESET_PULSE, rst, 0));
	check_reset(&w, rst, false);
	soc_end(&w);
}
END_TEST

START_TEST(test_reset_pulse_allowed_on_shared_line_when_policy_allows)
{
	struct soc w = { 0 };
	struct arb_vote *cam;
	int rst;

	rst = add_reset(&w, "rst_bus", false, true);
	soc_start(&w);
	cam = vote(&w, CAMERA, VSCMI_RESET, rst);
	vote(&w, DISPLAY, VSCMI_RESET, rst);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_PULSE, 0, 0), 0);
	EXPECT_OPS(&w, OP(RESET_PULSE, rst, 0));
	soc_end(&w);
}
END_TEST

START_TEST(test_reset_sharer_that_never_voted_does_not_hold_line)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;
	int rst;

	rst = add_reset(&w, "rst_bus", true, false);
	start_two(&w, VSCMI_RESET, rst, rst, &cam, &disp);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_ASSERT, false, 0), 0);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_ASSERT, true, 0), 0);
	EXPECT_OPS(&w, OP(RESET_LINE, rst, 0), OP(RESET_LINE, rst, 1));
	ck_assert(!vst(disp).voted);
	soc_end(&w);
}
END_TEST

/* --- voltage domains ---------------------------------------------------------- */

START_TEST(test_voltage_on_while_any_agent_votes_on)
{
	struct soc w = { 0 };
	struct arb_vote *a, *b;
	int vdd;

	vdd = add_voltage(&w, "vdd_cam", VSCMI_POLICY_MAX, 900000, false);
	start_two(&w, VSCMI_VOLTAGE, vdd, vdd, &a, &b);
	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(VOLTAGE_CONFIG, vdd, 1));
	ck_assert_int_eq(arb_vote_ask(b, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, false, 0), 0);
	EXPECT_NO_OPS(&w);
	check_voltage(&w, vdd, true, 900000);
	ck_assert_int_eq(arb_vote_ask(b, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(VOLTAGE_CONFIG, vdd, 0));
	check_voltage(&w, vdd, false, 900000);
	soc_end(&w);
}
END_TEST

START_TEST(test_voltage_level_is_max_among_agents_holding_it_on)
{
	struct soc w = { 0 };
	struct arb_vote *a, *b;
	int vdd;

	vdd = add_voltage(&w, "vdd_gpu", VSCMI_POLICY_MAX, 800000, false);
	start_two(&w, VSCMI_VOLTAGE, vdd, vdd, &a, &b);
	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, 900000, 0), 0);
	ck_assert_int_eq(arb_vote_ask(b, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(b, ARB_LEVEL, 1000000, 0), 0);
	EXPECT_OPS(&w, OP(VOLTAGE_CONFIG, vdd, 1), OP(VOLTAGE_LEVEL, vdd, 900000),
		   OP(VOLTAGE_LEVEL, vdd, 1000000));
	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, 950000, 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert_int_eq(arb_vote_ask(b, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(VOLTAGE_LEVEL, vdd, 950000));
	check_voltage(&w, vdd, true, 950000);
	ck_assert_int_eq(vst(b).level, 1000000);
	soc_end(&w);
}
END_TEST

START_TEST(test_voltage_level_exclusive_denies_other_agent)
{
	struct soc w = { 0 };
	struct arb_vote *a, *b;
	int vdd;

	vdd = add_voltage(&w, "vdd_isp", VSCMI_POLICY_EXCLUSIVE, 800000, false);
	start_two(&w, VSCMI_VOLTAGE, vdd, vdd, &a, &b);
	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, 900000, 0), 0);
	ck_assert_int_eq(arb_vote_ask(b, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(b, ARB_LEVEL, 1000000, 0), -EACCES);
	EXPECT_OPS(&w, OP(VOLTAGE_CONFIG, vdd, 1), OP(VOLTAGE_LEVEL, vdd, 900000));
	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, false, 0), 0);
	ck_assert_int_eq(arb_vote_ask(b, ARB_LEVEL, 1000000, 0), 0);
	EXPECT_OPS(&w, OP(VOLTAGE_LEVEL, vdd, 1000000));
	check_voltage(&w, vdd, true, 1000000);
	soc_end(&w);
}
END_TEST

START_TEST(test_voltage_level_fixed_refuses_other_level)
{
	struct soc w = { 0 };
	struct arb_vote *a;
	int vdd;

	vdd = add_voltage(&w, "vdd_io", VSCMI_POLICY_FIXED, 1800000, false);
	soc_start(&w);
	a = vote(&w, 1, VSCMI_VOLTAGE, vdd);
	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, 1200000, 0), -EACCES);
	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, 1800000, 0), 0);
	EXPECT_NO_OPS(&w);
	soc_end(&w);
}
END_TEST

/* --- performance domains ------------------------------------------------------ */

static const uint32_t perf8[] = { 100, 200, 300, 400, 500, 600, 700, 800 };

START_TEST(test_perf_level_clamped_into_intersection_of_all_limits)
{
	struct soc w = { 0 };
	struct arb_vote *a, *b, *c;
	int cpu;

	cpu = add_perf(&w, "cpu", perf8, 8, 100);
	start_two(&w, VSCMI_PERF, cpu, cpu, &a, &b);
	c = vote(&w, 3, VSCMI_PERF, cpu);

	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, 800, 0), 0);
	EXPECT_OPS(&w, OP(PERF_LEVEL, cpu, 800));
	ck_assert_int_eq(arb_vote_ask(b, ARB_LIMITS, 600, 200), 0);
	EXPECT_OPS(&w, LIMITS(cpu, 600, 200), OP(PERF_LEVEL, cpu, 600));
	ck_assert_int_eq(arb_vote_ask(c, ARB_LIMITS, 500, 100), 0);
	EXPECT_OPS(&w, LIMITS(cpu, 500, 200), OP(PERF_LEVEL, cpu, 500));
	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, 100, 0), 0);
	EXPECT_OPS(&w, OP(PERF_LEVEL, cpu, 200));
	check_perf(&w, cpu, 200, 200, 500);
	/* Each agent reads its own vote. */
	ck_assert_int_eq(vst(a).level, 100);
	ck_assert_uint_eq(vst(b).min, 200);
	ck_assert_uint_eq(vst(b).max, 600);
	ck_assert_uint_eq(vst(c).max, 500);
	soc_end(&w);
}
END_TEST

/* Limits between table levels bound the level, and the platform gets a
 * table level: the highest within them, or the lowest above the minimum
 * when none is, or, when no level lies within them, the highest below the
 * maximum: a ceiling is never exceeded (doc/arbiter.md, case 13). The
 * limits go to the platform on the table. */
START_TEST(test_perf_level_snaps_to_a_table_level_within_limits)
{
	static const uint32_t perf5[] = { 100, 200, 300, 400, 500 };
	struct soc w = { 0 };
	struct arb_vote *a, *b;
	int gpu;

	gpu = add_perf(&w, "gpu", perf5, 5, 100);
	start_two(&w, VSCMI_PERF, gpu, gpu, &a, &b);

	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, 500, 0), 0);
	ck_assert_int_eq(arb_vote_ask(b, ARB_LIMITS, 250, 0), 0);
	EXPECT_OPS(&w, OP(PERF_LEVEL, gpu, 500), LIMITS(gpu, 200, 100), OP(PERF_LEVEL, gpu, 200));
	check_perf(&w, gpu, 200, 100, 200);

	/* the level asked for is below the minimum: the lowest level above it */
	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, 100, 0), 0);
	EXPECT_OPS(&w, OP(PERF_LEVEL, gpu, 100));
	ck_assert_int_eq(arb_vote_ask(b, ARB_LIMITS, 250, 150), 0);
	EXPECT_OPS(&w, LIMITS(gpu, 200, 200), OP(PERF_LEVEL, gpu, 200));

	/* no level within [210, 250]: the ceiling wins, 300 would exceed it */
	ck_assert_int_eq(arb_vote_ask(b, ARB_LIMITS, 250, 210), 0);
	EXPECT_NO_OPS(&w);
	check_perf(&w, gpu, 200, 200, 200);
	ck_assert_int_eq(vst(a).level, 100);
	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, 500, 0), 0);
	EXPECT_NO_OPS(&w);
	check_perf(&w, gpu, 200, 200, 200);
	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, 100, 0), 0);

	/* limits gone: back to the vote */
	release(&w, 2, 0);
	EXPECT_OPS(&w, LIMITS(gpu, 500, 100), OP(PERF_LEVEL, gpu, 100));
	soc_end(&w);
}
END_TEST

START_TEST(test_perf_limits_emptying_intersection_refused_and_nothing_changes)
{
	struct soc w = { 0 };
	struct arb_vote *a, *b;
	struct arb_state a_before, b_before, t_before;
	int cpu;

	cpu = add_perf(&w, "cpu", perf8, 8, 100);
	start_two(&w, VSCMI_PERF, cpu, cpu, &a, &b);
	ck_assert_int_eq(arb_vote_ask(a, ARB_LIMITS, 600, 400), 0);
	ck_assert_int_eq(arb_vote_ask(b, ARB_LEVEL, 500, 0), 0);
	ck_assert_int_eq(arb_vote_ask(b, ARB_LIMITS, 700, 100), 0);
	vscmi_emu_clear_log(w.plat);
	a_before = vst(a);
	b_before = vst(b);
	t_before = target(&w, VSCMI_PERF, cpu);

	ck_assert_int_eq(arb_vote_ask(b, ARB_LIMITS, 300, 100), -EACCES);
	ck_assert_int_eq(arb_vote_ask(b, ARB_LIMITS, 800, 700), -EACCES);
	EXPECT_NO_OPS(&w);
	ck_assert(state_eq(a_before, vst(a)));
	ck_assert(state_eq(b_before, vst(b)));
	ck_assert(state_eq(t_before, target(&w, VSCMI_PERF, cpu)));
	check_perf(&w, cpu, 500, 400, 600);

	/* Touching the intersection is fine. */
	ck_assert_int_eq(arb_vote_ask(b, ARB_LIMITS, 400, 100), 0);
	EXPECT_OPS(&w, LIMITS(cpu, 400, 400), OP(PERF_LEVEL, cpu, 400));
	soc_end(&w);
}
END_TEST

START_TEST(test_perf_agent_gone_restores_level_and_limits)
{
	struct soc w = { 0 };
	struct arb_vote *a, *b;
	int cpu;

	cpu = add_perf(&w, "cpu", perf8, 8, 100);
	start_two(&w, VSCMI_PERF, cpu, cpu, &a, &b);
	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, 300, 0), 0);
	ck_assert_int_eq(arb_vote_ask(b, ARB_LEVEL, 700, 0), 0);
	ck_assert_int_eq(arb_vote_ask(b, ARB_LIMITS, 800, 600), 0);
	check_perf(&w, cpu, 700, 600, 800);
	vscmi_emu_clear_log(w.plat);

	release(&w, 2, 0);
	EXPECT_OPS(&w, LIMITS(cpu, 800, 100), OP(PERF_LEVEL, cpu, 300));
	check_perf(&w, cpu, 300, 100, 800);
	ck_assert_int_eq(vst(a).level, 300);
	release(&w, 1, 0);
	EXPECT_OPS(&w, OP(PERF_LEVEL, cpu, 100));
	soc_end(&w);
}
END_TEST

/* A power capping domain: caps 1000..8000 mW in steps of 500, booted at
 * 8000, averaging over 10 ms. */
static int add_powercap(struct soc *w, const char *name)
{
	int i = add_res(w, VSCMI_POWERCAP, name, -1);
	struct vscmi_res_desc *d = desc(w, VSCMI_POWERCAP, i);

	d->u.powercap.unit = 2;
	d->u.powercap.cap_min = 1000;
	d->u.powercap.cap_max = 8000;
	d->u.powercap.cap_step = 500;
	d->u.powercap.cap = 8000;
	d->u.powercap.pai_min = 1000;
	d->u.powercap.pai_max = 100000;
	d->u.powercap.pai_step = 1000;
	d->u.powercap.pai = 10000;
	d->u.powercap.load = 6000;
	return i;
}

/* Worked case 15: the lowest cap applies; each agent reads its own; a
 * vote for no cap lifts only the voter's; agents gone take theirs along,
 * and with no votes left the boot cap is back. */
START_TEST(test_case15_powercap_lowest_cap_wins)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;
	int pc = add_powercap(&w, "soc_power");

	start_two(&w, VSCMI_POWERCAP, pc, pc, &cam, &disp);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, 5000, 0), 0);
	EXPECT_OPS(&w, OP(POWERCAP_CAP, pc, 5000));
	ck_assert_int_eq(arb_vote_ask(disp, ARB_LEVEL, 3000, 0), 0);
	EXPECT_OPS(&w, OP(POWERCAP_CAP, pc, 3000));
	ck_assert_int_eq(vst(cam).level, 5000);
	ck_assert_int_eq(vst(disp).level, 3000);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_LEVEL, 6000, 0), 0);
	EXPECT_OPS(&w, OP(POWERCAP_CAP, pc, 5000));
	ck_assert_int_eq(arb_vote_ask(disp, ARB_LEVEL, 0, 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert(vst(disp).has_level);
	/* camera goes away: display asked for no cap, and nobody else caps */
	release(&w, CAMERA, 0);
	EXPECT_OPS(&w, OP(POWERCAP_CAP, pc, 0));
	ck_assert_int_eq(phys(&w, VSCMI_POWERCAP, pc).level, 0);
	release(&w, DISPLAY, 0);
	EXPECT_OPS(&w, OP(POWERCAP_CAP, pc, 8000));
	soc_end(&w);
}
END_TEST

/* Worked case 16: the shortest averaging interval applies. */
START_TEST(test_case16_powercap_shortest_pai_wins)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;
	int pc = add_powercap(&w, "soc_power");

	start_two(&w, VSCMI_POWERCAP, pc, pc, &cam, &disp);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_PAI, 20000, 0), 0);
	EXPECT_OPS(&w, OP(POWERCAP_PAI, pc, 20000));
	ck_assert_int_eq(arb_vote_ask(disp, ARB_PAI, 5000, 0), 0);
	EXPECT_OPS(&w, OP(POWERCAP_PAI, pc, 5000));
	ck_assert_int_eq(arb_vote_ask(cam, ARB_PAI, 30000, 0), 0);
	EXPECT_NO_OPS(&w);
	release(&w, DISPLAY, 0);
	EXPECT_OPS(&w, OP(POWERCAP_PAI, pc, 30000));
	release(&w, CAMERA, 0);
	EXPECT_OPS(&w, OP(POWERCAP_PAI, pc, 10000));
	soc_end(&w);
}
END_TEST

/* The boot cap and PAI are what the platform has at first start, and a
 * restart's state/boot puts them back; they apply while nobody votes. */
START_TEST(test_powercap_boot_from_the_platform)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;
	struct arb_state st;
	int pc = add_powercap(&w, "soc_power");

	start_two(&w, VSCMI_POWERCAP, pc, pc, &cam, &disp);
	ck_assert_int_eq(vscmi_platform_apply(w.plat, &OP(POWERCAP_CAP, pc, 3000)), 0);
	ck_assert_int_eq(vscmi_platform_apply(w.plat, &OP(POWERCAP_PAI, pc, 2000)), 0);
	vscmi_emu_clear_log(w.plat);
	ck_assert_int_eq(arb_sync_phys(w.arb), 0);
	arb_boot_from_phys(w.arb);
	arb_res_boot_state(res(&w, VSCMI_POWERCAP, pc), &st);
	ck_assert_int_eq(st.level, 3000);
	ck_assert_uint_eq(st.min, 2000);
	ck_assert_int_eq(target(&w, VSCMI_POWERCAP, pc).level, 3000);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, 5000, 0), 0);
	EXPECT_OPS(&w, OP(POWERCAP_CAP, pc, 5000));
	release(&w, CAMERA, 0);
	EXPECT_OPS(&w, OP(POWERCAP_CAP, pc, 3000));
	/* a restart: state/boot says 4000 and 4000 us */
	st.level = 4000;
	st.min = 4000;
	arb_res_set_boot(res(&w, VSCMI_POWERCAP, pc), false, &st);
	ck_assert(!arb_res_boot_held(res(&w, VSCMI_POWERCAP, pc)));
	ck_assert_int_eq(arb_reconcile_lagging(w.arb), 0);
	EXPECT_OPS(&w, OP(POWERCAP_PAI, pc, 4000), OP(POWERCAP_CAP, pc, 4000));
	soc_end(&w);
}
END_TEST

START_TEST(test_powercap_refusals_change_nothing)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;
	int pc = add_powercap(&w, "soc_power");

	start_two(&w, VSCMI_POWERCAP, pc, pc, &cam, &disp);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, 500, 0), -ERANGE);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, 8500, 0), -ERANGE);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, 1200, 0), -EINVAL);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_PAI, 0, 0), -ERANGE);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_PAI, 1500, 0), -EINVAL);
	ck_assert_int_eq(arb_vote_ask(vote(&w, CAMERA, VSCMI_POWERCAP, pc), ARB_LEVEL, 1000, 0) >= 0, 1);
	EXPECT_OPS(&w, OP(POWERCAP_CAP, pc, 1000));
	release(&w, CAMERA, 0);
	EXPECT_OPS(&w, OP(POWERCAP_CAP, pc, 8000));
	/* the platform refuses: the vote stays as it was */
	vscmi_emu_refuse(w.plat, VSCMI_OP_POWERCAP_CAP, PID(pc), 1, -EIO);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_LEVEL, 2000, 0), -EIO);
	ck_assert(!vst(disp).has_level);
	ck_assert_int_eq(hw(&w, VSCMI_OP_POWERCAP_CAP, pc), 8000);
	/* a restored vote makes no call; one no command could cast is refused */
	ck_assert_int_eq(arb_vote_restore(disp, &(struct arb_state){ .has_level = true,
								     .level = 3000 }, false), 0);
	EXPECT_NO_OPS(&w);
	ck_assert_int_eq(arb_vote_restore(disp, &(struct arb_state){ .has_level = true,
								     .level = 3100 }, false), -EINVAL);
	ck_assert_int_eq(arb_vote_restore(disp, &(struct arb_state){ .has_limits = true,
								     .min = 0 }, false), -EINVAL);
	ck_assert_int_eq(arb_reconcile_lagging(w.arb), 0);
	EXPECT_OPS(&w, OP(POWERCAP_CAP, pc, 3000));
	soc_end(&w);
}
END_TEST

START_TEST(test_perf_level_not_in_table_refused_with_range)
{
	struct soc w = { 0 };
	struct arb_vote *a;
	int cpu;

	cpu = add_perf(&w, "cpu", perf8, 8, 100);
	soc_start(&w);
	a = vote(&w, 1, VSCMI_PERF, cpu);
	ck_assert_int_eq(arb_vote_ask(a, ARB_LEVEL, 250, 0), -ERANGE);
	ck_assert_int_eq(arb_vote_ask(a, ARB_LIMITS, 900, 100), -ERANGE);
	ck_assert_int_eq(arb_vote_ask(a, ARB_LIMITS, 200, 300), -EINVAL);
	EXPECT_NO_OPS(&w);
	ck_assert(!vst(a).has_level && !vst(a).has_limits);
	soc_end(&w);
}
END_TEST

/* --- transactions ----------------------------------------------------------------- */

START_TEST(test_refused_child_undoes_parent_already_switched_on)
{
	struct soc w = { 0 };
	struct arb_vote *cam;

	build_video(&w);
	soc_start(&w);
	cam = vote(&w, CAMERA, VSCMI_CLOCK, CAM_PIX);
	vscmi_emu_refuse(w.plat, VSCMI_OP_CLOCK_ENABLE, PID(CAM_PIX), 1, -EIO);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), -EIO);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 1), OP(CLOCK_ENABLE, PLL_VIDEO, 0));
	ck_assert(!vst(cam).on);
	check_clock(&w, PLL_VIDEO, false, -1);
	check_clock(&w, CAM_PIX, false, -1);
	soc_end(&w);
}
END_TEST

/* A call the firmware answers too late may still have been carried out:
 * the undo sets the old value again instead of trusting that nothing
 * changed, and the hardware ends where the votes say. */
START_TEST(test_unanswered_change_is_undone_as_if_done)
{
	struct soc w = { 0 };
	struct arb_vote *cam;

	build_video(&w);
	soc_start(&w);
	cam = vote(&w, CAMERA, VSCMI_CLOCK, CAM_PIX);
	vscmi_emu_refuse(w.plat, VSCMI_OP_CLOCK_ENABLE, PID(CAM_PIX), 1, -ETIMEDOUT);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), -ETIMEDOUT);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 1), OP(CLOCK_ENABLE, CAM_PIX, 1),
		   OP(CLOCK_ENABLE, CAM_PIX, 0), OP(CLOCK_ENABLE, PLL_VIDEO, 0));
	ck_assert(!vst(cam).on);
	check_clock(&w, CAM_PIX, false, -1);
	check_clock(&w, PLL_VIDEO, false, -1);
	ck_assert(!arb_has_dirty(w.arb));
	soc_end(&w);
}
END_TEST

/* The same when the undo is not answered either: both were carried out,
 * in order, and the record says so; the resource is marked, and its
 * reconciliation sets only what the undo did not reach. */
START_TEST(test_unanswered_change_and_undo_leave_record_and_hardware_agreeing)
{
	struct soc w = { 0 };
	struct arb_vote *cam;

	build_video(&w);
	soc_start(&w);
	cam = vote(&w, CAMERA, VSCMI_CLOCK, CAM_PIX);
	vscmi_emu_refuse(w.plat, VSCMI_OP_CLOCK_ENABLE, PID(CAM_PIX), 2, -ETIMEDOUT);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), -ETIMEDOUT);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 1), OP(CLOCK_ENABLE, CAM_PIX, 1),
		   OP(CLOCK_ENABLE, CAM_PIX, 0));
	check_clock(&w, CAM_PIX, false, -1);
	/* the undo stopped there: its parent is left for the reconciliation */
	check_clock(&w, PLL_VIDEO, true, -1);
	ck_assert(arb_has_dirty(w.arb));
	ck_assert_int_eq(arb_reconcile_all(w.arb), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 0));
	ck_assert(!arb_has_dirty(w.arb));
	soc_end(&w);
}
END_TEST

START_TEST(test_refused_vote_leaves_counts_so_retry_and_sibling_work)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;

	start_video(&w, &cam, &disp);

	vscmi_emu_refuse(w.plat, VSCMI_OP_CLOCK_ENABLE, PID(PLL_VIDEO), 1, -EIO);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), -EIO);
	ck_assert_uint_eq(arb_res_users(res(&w, VSCMI_CLOCK, CAM_PIX)), 1);

	/* Had the refused vote left a count behind, the PLL would stay on. */
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 1), OP(CLOCK_ENABLE, DISP_PIX, 1),
		   OP(CLOCK_ENABLE, DISP_PIX, 0), OP(CLOCK_ENABLE, PLL_VIDEO, 0));

	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 1), OP(CLOCK_ENABLE, CAM_PIX, 1));
	ck_assert(vst(cam).on);
	ck_assert_uint_eq(count(&w, VSCMI_OP_CLOCK_ENABLE, CAM_PIX, 1), 1);
	soc_end(&w);
}
END_TEST

START_TEST(test_refused_switch_off_of_parent_turns_child_back_on)
{
	struct soc w = { 0 };
	struct arb_vote *cam;

	build_video(&w);
	soc_start(&w);
	cam = vote(&w, CAMERA, VSCMI_CLOCK, CAM_PIX);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	vscmi_emu_clear_log(w.plat);

	vscmi_emu_refuse(w.plat, VSCMI_OP_CLOCK_ENABLE, PID(PLL_VIDEO), 1, -EIO);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, false, 0), -EIO);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, CAM_PIX, 0), OP(CLOCK_ENABLE, CAM_PIX, 1));
	ck_assert(vst(cam).on);
	check_clock(&w, CAM_PIX, true, -1);
	check_clock(&w, PLL_VIDEO, true, -1);

	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, CAM_PIX, 0), OP(CLOCK_ENABLE, PLL_VIDEO, 0));
	soc_end(&w);
}
END_TEST

START_TEST(test_refused_power_parent_rolls_back_child_domain_vote)
{
	struct soc w = { 0 };
	struct arb_vote *child;
	int soc, isp;

	add_soc_isp(&w, 0, 1, &soc, &isp);
	soc_start(&w);
	child = vote(&w, CAMERA, VSCMI_POWER, isp);
	vscmi_emu_refuse(w.plat, VSCMI_OP_POWER_STATE, PID(soc), 1, -EIO);
	ck_assert_int_eq(arb_vote_ask(child, ARB_PD_STATE, 0, 0), -EIO);
	EXPECT_NO_OPS(&w);
	ck_assert(!vst(child).voted);
	check_pd(&w, soc, 1);
	check_pd(&w, isp, 1);
	ck_assert_uint_eq(target(&w, VSCMI_POWER, soc).pd, 1);
	ck_assert_int_eq(arb_vote_ask(child, ARB_PD_STATE, 0, 0), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, soc, PD_ON), OP(POWER_STATE, isp, PD_ON));
	soc_end(&w);
}
END_TEST

START_TEST(test_refused_exclusive_rate_does_not_take_ownership)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;
	int core = start_cam_core(&w, &cam, &disp);

	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, true, 0), 0);
	vscmi_emu_clear_log(w.plat);

	vscmi_emu_refuse(w.plat, VSCMI_OP_CLOCK_RATE, PID(core), 1, -EIO);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, MHZ(200), 0), -EIO);
	EXPECT_NO_OPS(&w);
	ck_assert(!vst(cam).has_level);
	check_clock(&w, core, true, MHZ(50));

	ck_assert_int_eq(arb_vote_ask(disp, ARB_LEVEL, MHZ(100), 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_RATE, core, MHZ(100)));
	ck_assert_int_eq(arb_vote_ask(cam, ARB_LEVEL, MHZ(200), 0), -EACCES);
	soc_end(&w);
}
END_TEST

START_TEST(test_refused_perf_level_undoes_limits_already_applied)
{
	struct soc w = { 0 };
	struct arb_vote *a, *b;
	int cpu;

	cpu = add_perf(&w, "cpu", perf8, 8, 100);
	start_two(&w, VSCMI_PERF, cpu, cpu, &a, &b);
	ck_assert_int_eq(arb_vote_ask(b, ARB_LEVEL, 600, 0), 0);
	vscmi_emu_clear_log(w.plat);

	vscmi_emu_refuse(w.plat, VSCMI_OP_PERF_LEVEL, PID(cpu), 1, -EIO);
	ck_assert_int_eq(arb_vote_ask(a, ARB_LIMITS, 400, 0), -EIO);
	EXPECT_OPS(&w, LIMITS(cpu, 400, 100), LIMITS(cpu, 800, 100));
	ck_assert(!vst(a).has_limits);
	check_perf(&w, cpu, 600, 100, 800);

	ck_assert_int_eq(arb_vote_ask(a, ARB_LIMITS, 400, 0), 0);
	EXPECT_OPS(&w, LIMITS(cpu, 400, 100), OP(PERF_LEVEL, cpu, 400));
	soc_end(&w);
}
END_TEST

/* --- release with refusals ------------------------------------------------------------ */

START_TEST(test_release_refused_returns_count_and_reconcile_all_retries)
{
	struct soc w = { 0 };
	struct arb_vote *clk, *pd;

	build_cases(&w);
	soc_start(&w);
	clk = vote(&w, CAMERA, VSCMI_CLOCK, CAM_PIX);
	pd = vote(&w, CAMERA, VSCMI_POWER, ISP);
	ck_assert_int_eq(arb_vote_ask(clk, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(pd, ARB_PD_STATE, ISP_ON, 0), 0);
	vscmi_emu_clear_log(w.plat);

	ck_assert(!arb_has_dirty(w.arb));
	vscmi_emu_refuse(w.plat, VSCMI_OP_CLOCK_ENABLE, PID(CAM_PIX), 1, -EIO);
	vscmi_emu_refuse(w.plat, VSCMI_OP_POWER_STATE, PID(ISP), 1, -EIO);
	release(&w, CAMERA, 2);
	EXPECT_NO_OPS(&w);
	ck_assert(arb_has_dirty(w.arb));
	/* The votes are gone; the hardware stays as it was. */
	ck_assert(!vst(clk).on && !vst(pd).voted);
	check_clock(&w, CAM_PIX, true, -1);
	check_clock(&w, PLL_VIDEO, true, -1);
	check_pd(&w, ISP, ISP_ON);
	ck_assert(!target(&w, VSCMI_CLOCK, CAM_PIX).on);
	ck_assert_uint_eq(target(&w, VSCMI_POWER, ISP).pd, ISP_OFF);

	/* A retry the platform refuses again is counted and kept. */
	vscmi_emu_refuse(w.plat, VSCMI_OP_POWER_STATE, PID(ISP), 1, -EIO);
	ck_assert_int_eq(arb_reconcile_all(w.arb), 1);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, CAM_PIX, 0), OP(CLOCK_ENABLE, PLL_VIDEO, 0));
	check_pd(&w, ISP, ISP_ON);
	ck_assert(arb_has_dirty(w.arb));

	ck_assert_int_eq(arb_reconcile_all(w.arb), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, ISP, PD_OFF));
	ck_assert(!arb_has_dirty(w.arb));
	ck_assert_int_eq(arb_reconcile_all(w.arb), 0);
	EXPECT_NO_OPS(&w);
	soc_end(&w);
}
END_TEST

/* The camera's pixel clock could not be switched off when the camera went
 * away, so it still runs from the PLL: the display switching its own pixel
 * clock off must not take the PLL away from under it. */
START_TEST(test_release_refused_child_keeps_shared_parent_on_for_sibling)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;

	start_video(&w, &cam, &disp);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	vscmi_emu_refuse(w.plat, VSCMI_OP_CLOCK_ENABLE, PID(CAM_PIX), 1, -EIO);
	release(&w, CAMERA, 1);
	vscmi_emu_clear_log(w.plat);

	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, DISP_PIX, 1), OP(CLOCK_ENABLE, DISP_PIX, 0));
	check_clock(&w, CAM_PIX, true, -1);
	check_clock(&w, PLL_VIDEO, true, -1);

	ck_assert_int_eq(arb_reconcile_all(w.arb), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, CAM_PIX, 0), OP(CLOCK_ENABLE, PLL_VIDEO, 0));
	soc_end(&w);
}
END_TEST

START_TEST(test_release_refused_child_domain_keeps_parent_domain_on)
{
	struct soc w = { 0 };
	struct arb_vote *child, *parent;
	int soc, isp;

	add_soc_isp(&w, 0, 1, &soc, &isp);
	start_two(&w, VSCMI_POWER, isp, soc, &child, &parent);
	ck_assert_int_eq(arb_vote_ask(child, ARB_PD_STATE, 0, 0), 0);
	vscmi_emu_refuse(w.plat, VSCMI_OP_POWER_STATE, PID(isp), 1, -EIO);
	release(&w, CAMERA, 1);
	vscmi_emu_clear_log(w.plat);

	ck_assert_int_eq(arb_vote_ask(parent, ARB_PD_STATE, 0, 0), 0);
	ck_assert_int_eq(arb_vote_ask(parent, ARB_PD_STATE, 1, 0), 0);
	EXPECT_NO_OPS(&w);
	check_pd(&w, soc, 0);

	ck_assert_int_eq(arb_reconcile_all(w.arb), 0);
	EXPECT_OPS(&w, OP(POWER_STATE, isp, PD_OFF), OP(POWER_STATE, soc, PD_OFF));
	soc_end(&w);
}
END_TEST

START_TEST(test_release_of_agent_without_votes_changes_nothing)
{
	struct soc w = { 0 };

	build_cases(&w);
	soc_start(&w);
	vote(&w, CAMERA, VSCMI_CLOCK, CAM_PIX);
	vote(&w, CAMERA, VSCMI_POWER, ISP);
	vote(&w, CAMERA, VSCMI_RESET, RST_BUS);
	release(&w, CAMERA, 0);
	release(&w, DISPLAY, 0);
	EXPECT_NO_OPS(&w);
	soc_end(&w);
}
END_TEST

START_TEST(test_agent_gone_with_two_children_switches_shared_parent_off_once)
{
	struct soc w = { 0 };

	build_video(&w);
	soc_start(&w);
	ck_assert_int_eq(arb_vote_ask(vote(&w, DISPLAY, VSCMI_CLOCK, PLL_VIDEO), ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(vote(&w, DISPLAY, VSCMI_CLOCK, CAM_PIX), ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(vote(&w, DISPLAY, VSCMI_CLOCK, DISP_PIX), ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 1), OP(CLOCK_ENABLE, CAM_PIX, 1),
		   OP(CLOCK_ENABLE, DISP_PIX, 1));
	release(&w, DISPLAY, 0);
	/* Votes are withdrawn newest first; the PLL goes last, once. */
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, DISP_PIX, 0), OP(CLOCK_ENABLE, CAM_PIX, 0),
		   OP(CLOCK_ENABLE, PLL_VIDEO, 0));
	soc_end(&w);
}
END_TEST

/* A clock the platform has on at boot runs from its parent whether or not
 * anyone voted for it yet; once its agent switches it off, the parent is
 * still held by its own boot vote, which no agent took over. */
START_TEST(test_child_on_at_boot_keeps_parent_on_until_switched_off)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;

	add_clock(&w, "pll_video", -1, VSCMI_POLICY_MAX, MHZ(594), true);
	add_clock(&w, "cam_pix", PLL_VIDEO, VSCMI_POLICY_MAX, MHZ(148), true);
	add_clock(&w, "disp_pix", PLL_VIDEO, VSCMI_POLICY_MAX, MHZ(148), false);
	start_two(&w, VSCMI_CLOCK, CAM_PIX, DISP_PIX, &cam, &disp);

	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, DISP_PIX, 1), OP(CLOCK_ENABLE, DISP_PIX, 0));
	check_clock(&w, PLL_VIDEO, true, -1);

	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, CAM_PIX, 0));
	check_clock(&w, PLL_VIDEO, true, -1);
	soc_end(&w);
}
END_TEST

/* --- idempotence ---------------------------------------------------------------------- */

START_TEST(test_repeated_votes_cause_no_transition)
{
	struct soc w = { 0 };
	struct arb_vote *clk, *core, *pd, *rst, *vdd, *cpu;
	int core_i, vdd_i, cpu_i;
	uint64_t ops;

	build_cases(&w);
	core_i = add_clock(&w, "cam_core", -1, VSCMI_POLICY_EXCLUSIVE, MHZ(50), false);
	vdd_i = add_voltage(&w, "vdd", VSCMI_POLICY_MAX, 800000, false);
	cpu_i = add_perf(&w, "cpu", perf8, 8, 100);
	soc_start(&w);
	clk = vote(&w, CAMERA, VSCMI_CLOCK, CAM_PIX);
	core = vote(&w, CAMERA, VSCMI_CLOCK, core_i);
	pd = vote(&w, CAMERA, VSCMI_POWER, ISP);
	rst = vote(&w, CAMERA, VSCMI_RESET, RST_BUS);
	vdd = vote(&w, CAMERA, VSCMI_VOLTAGE, vdd_i);
	cpu = vote(&w, CAMERA, VSCMI_PERF, cpu_i);

	for (int round = 0; round < 3; round++) {
		ck_assert_int_eq(arb_vote_ask(clk, ARB_GATE, true, 0), 0);
		ck_assert_int_eq(arb_vote_ask(core, ARB_GATE, true, 0), 0);
		ck_assert_int_eq(arb_vote_ask(core, ARB_LEVEL, MHZ(200), 0), 0);
		ck_assert_int_eq(arb_vote_ask(pd, ARB_PD_STATE, ISP_RET, 0), 0);
		ck_assert_int_eq(arb_vote_ask(rst, ARB_ASSERT, false, 0), 0);
		ck_assert_int_eq(arb_vote_ask(vdd, ARB_GATE, true, 0), 0);
		ck_assert_int_eq(arb_vote_ask(vdd, ARB_LEVEL, 900000, 0), 0);
		ck_assert_int_eq(arb_vote_ask(cpu, ARB_LEVEL, 500, 0), 0);
		ck_assert_int_eq(arb_vote_ask(cpu, ARB_LIMITS, 700, 200), 0);
		if (round == 0)
			ops = total_ops(&w);
		else
			ck_assert_uint_eq(total_ops(&w), ops);
	}
	ck_assert_uint_eq(ops, 10);
	soc_end(&w);
}
END_TEST

/* --- the observer ----------------------------------------------------------------------- */

struct seen {
	struct vscmi_op op;
	uint32_t cause;
	enum vscmi_kind kind;
	uint32_t index;
};

struct observed {
	struct seen e[64];
	size_t n;
};

static void observe(void *ctx, struct arb_res *r, const struct vscmi_op *op, uint32_t cause)
{
	struct observed *o = ctx;

	ck_assert_uint_lt(o->n, 64);
	o->e[o->n++] = (struct seen){ .op = *op, .cause = cause, .kind = arb_res_desc(r)->kind,
				      .index = arb_res_index(r) };
}

static void expect_seen(struct observed *o, size_t i, struct vscmi_op op, uint32_t cause)
{
	char got[256], exp[256];

	ck_assert_uint_lt(i, o->n);
	fmt_ops(got, sizeof(got), &o->e[i].op, 1);
	fmt_ops(exp, sizeof(exp), &op, 1);
	ck_assert_msg(op_eq(&o->e[i].op, &op), "observed #%zu: %s, expected %s", i, got, exp);
	ck_assert_msg(o->e[i].cause == cause, "observed #%zu (%s): cause %u, expected %u", i, got,
		      o->e[i].cause, cause);
	/* The resource handed over is the one the op is about. */
	ck_assert_uint_eq(PID(o->e[i].index), op.id);
}

START_TEST(test_observer_sees_each_transition_with_causing_agent)
{
	struct soc w = { 0 };
	struct observed o = { .n = 0 };
	struct arb_vote *cam, *disp, *cam_rst;
	const struct vscmi_op *log;

	build_cases(&w);
	soc_start(&w);
	arb_set_observer(w.arb, observe, &o);
	cam = vote(&w, CAMERA, VSCMI_CLOCK, CAM_PIX);
	disp = vote(&w, DISPLAY, VSCMI_CLOCK, DISP_PIX);
	cam_rst = vote(&w, CAMERA, VSCMI_RESET, RST_BUS);

	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, true, 0), 0);
	ck_assert_int_eq(arb_vote_ask(cam_rst, ARB_PULSE, 0, 0), 0);
	/* Refused transitions are not observed; their undo is, as the voter's. */
	vscmi_emu_refuse(w.plat, VSCMI_OP_CLOCK_ENABLE, PID(PLL_VIDEO), 1, -EIO);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, false, 0), 0);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, false, 0), -EIO);
	ck_assert_uint_eq(o.n, vscmi_emu_log(w.plat, &log));
	for (size_t i = 0; i < o.n; i++)
		ck_assert(op_eq(&o.e[i].op, &log[i]));

	expect_seen(&o, 0, OP(CLOCK_ENABLE, PLL_VIDEO, 1), CAMERA);
	expect_seen(&o, 1, OP(CLOCK_ENABLE, CAM_PIX, 1), CAMERA);
	expect_seen(&o, 2, OP(CLOCK_ENABLE, DISP_PIX, 1), DISPLAY);
	expect_seen(&o, 3, OP(RESET_PULSE, RST_BUS, 0), CAMERA);
	expect_seen(&o, 4, OP(CLOCK_ENABLE, CAM_PIX, 0), CAMERA);
	expect_seen(&o, 5, OP(CLOCK_ENABLE, DISP_PIX, 0), DISPLAY);
	expect_seen(&o, 6, OP(CLOCK_ENABLE, DISP_PIX, 1), DISPLAY);
	ck_assert_uint_eq(o.n, 7);
	ck_assert_int_eq(o.e[0].kind, VSCMI_CLOCK);
	ck_assert_int_eq(o.e[3].kind, VSCMI_RESET);

	release(&w, DISPLAY, 0);
	expect_seen(&o, 7, OP(CLOCK_ENABLE, DISP_PIX, 0), DISPLAY);
	expect_seen(&o, 8, OP(CLOCK_ENABLE, PLL_VIDEO, 0), DISPLAY);
	ck_assert_uint_eq(o.n, 9);
	soc_end(&w);
}
END_TEST

/* A deferred retry is nobody's vote: it must not be charged to whichever
 * agent happened to vote last. */
START_TEST(test_observer_reconcile_retry_not_charged_to_last_voter)
{
	struct soc w = { 0 };
	struct observed o = { .n = 0 };
	struct arb_vote *cam, *disp;

	build_cases(&w);
	soc_start(&w);
	cam = vote(&w, CAMERA, VSCMI_POWER, ISP);
	disp = vote(&w, DISPLAY, VSCMI_CLOCK, DISP_PIX);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_PD_STATE, ISP_ON, 0), 0);
	vscmi_emu_refuse(w.plat, VSCMI_OP_POWER_STATE, PID(ISP), 1, -EIO);
	release(&w, CAMERA, 1);
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, true, 0), 0);

	arb_set_observer(w.arb, observe, &o);
	ck_assert_int_eq(arb_reconcile_all(w.arb), 0);
	ck_assert_uint_eq(o.n, 1);
	ck_assert(op_eq(&o.e[0].op, &OP(POWER_STATE, ISP, PD_OFF)));
	ck_assert_uint_ne(o.e[0].cause, DISPLAY);
	ck_assert_uint_eq(o.e[0].cause, 0);
	soc_end(&w);
}
END_TEST

/* Arms refusals from inside a transaction: once the PLL is on, the child
 * and the PLL's undo are both refused. */
static void refuse_after_pll_on(void *ctx, struct arb_res *r, const struct vscmi_op *op,
				uint32_t cause)
{
	struct soc *w = ctx;

	if (op->type == VSCMI_OP_CLOCK_ENABLE && op->id == PID(PLL_VIDEO) && op->val == 1) {
		vscmi_emu_refuse(w->plat, VSCMI_OP_CLOCK_ENABLE, PID(CAM_PIX), 1, -EIO);
		vscmi_emu_refuse(w->plat, VSCMI_OP_CLOCK_ENABLE, PID(PLL_VIDEO), 1, -EBUSY);
	}
}

START_TEST(test_refused_undo_leaves_parent_for_reconcile_all)
{
	struct soc w = { 0 };
	struct arb_vote *cam;

	build_video(&w);
	soc_start(&w);
	cam = vote(&w, CAMERA, VSCMI_CLOCK, CAM_PIX);
	arb_set_observer(w.arb, refuse_after_pll_on, &w);
	/* The voter gets the first refusal, not the undo's. */
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), -EIO);
	arb_set_observer(w.arb, NULL, NULL);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 1));
	ck_assert(!vst(cam).on);
	check_clock(&w, CAM_PIX, false, -1);
	check_clock(&w, PLL_VIDEO, true, -1);
	ck_assert(!target(&w, VSCMI_CLOCK, PLL_VIDEO).on);
	ck_assert(arb_has_dirty(w.arb));

	ck_assert_int_eq(arb_reconcile_all(w.arb), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 0));
	ck_assert(!arb_has_dirty(w.arb));
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 1), OP(CLOCK_ENABLE, CAM_PIX, 1));
	soc_end(&w);
}
END_TEST

/* --- a deeper chain ------------------------------------------------------------------------ */

enum { OSC, PLL, DIV, LEAF_A, LEAF_B };

static void build_chain(struct soc *w)
{
	ck_assert_int_eq(add_clock(w, "osc", -1, VSCMI_POLICY_FIXED, MHZ(24), false), OSC);
	ck_assert_int_eq(add_clock(w, "pll", OSC, VSCMI_POLICY_MAX, MHZ(1200), false), PLL);
	ck_assert_int_eq(add_clock(w, "div", PLL, VSCMI_POLICY_MAX, MHZ(600), false), DIV);
	ck_assert_int_eq(add_clock(w, "leaf_a", DIV, VSCMI_POLICY_MAX, MHZ(100), false), LEAF_A);
	ck_assert_int_eq(add_clock(w, "leaf_b", DIV, VSCMI_POLICY_MAX, MHZ(100), false), LEAF_B);
}

START_TEST(test_three_deep_chain_switches_root_first_on_and_leaf_first_off)
{
	struct soc w = { 0 };
	struct arb_vote *a, *b;

	build_chain(&w);
	start_two(&w, VSCMI_CLOCK, LEAF_A, LEAF_B, &a, &b);

	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, OSC, 1), OP(CLOCK_ENABLE, PLL, 1),
		   OP(CLOCK_ENABLE, DIV, 1), OP(CLOCK_ENABLE, LEAF_A, 1));
	ck_assert_int_eq(arb_vote_ask(b, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, LEAF_B, 1));
	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, LEAF_A, 0));
	ck_assert_int_eq(arb_vote_ask(b, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, LEAF_B, 0), OP(CLOCK_ENABLE, DIV, 0),
		   OP(CLOCK_ENABLE, PLL, 0), OP(CLOCK_ENABLE, OSC, 0));
	for (int i = OSC; i <= LEAF_B; i++)
		check_clock(&w, i, false, -1);
	soc_end(&w);
}
END_TEST

START_TEST(test_three_deep_chain_middle_refusal_undoes_root)
{
	struct soc w = { 0 };
	struct arb_vote *a, *mid;

	build_chain(&w);
	start_two(&w, VSCMI_CLOCK, LEAF_A, PLL, &a, &mid);

	vscmi_emu_refuse(w.plat, VSCMI_OP_CLOCK_ENABLE, PID(DIV), 1, -EIO);
	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, true, 0), -EIO);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, OSC, 1), OP(CLOCK_ENABLE, PLL, 1),
		   OP(CLOCK_ENABLE, PLL, 0), OP(CLOCK_ENABLE, OSC, 0));

	/* An agent holding a middle clock keeps everything above it on. */
	ck_assert_int_eq(arb_vote_ask(mid, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, OSC, 1), OP(CLOCK_ENABLE, PLL, 1));
	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, true, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, DIV, 1), OP(CLOCK_ENABLE, LEAF_A, 1));
	ck_assert_int_eq(arb_vote_ask(mid, ARB_GATE, false, 0), 0);
	EXPECT_NO_OPS(&w);
	ck_assert_int_eq(arb_vote_ask(a, ARB_GATE, false, 0), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, LEAF_A, 0), OP(CLOCK_ENABLE, DIV, 0),
		   OP(CLOCK_ENABLE, PLL, 0), OP(CLOCK_ENABLE, OSC, 0));
	soc_end(&w);
}
END_TEST

/* --- randomized model checks ------------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static uint32_t rng_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(rng_next(s) % n);
}

#define NAGENTS 50

/* Longer or other runs: -DARB_RANDOM_STEPS=... -DARB_RANDOM_SEED=... */
#ifndef ARB_RANDOM_STEPS
#define ARB_RANDOM_STEPS 20000
#endif
#ifndef ARB_RANDOM_SEED
#define ARB_RANDOM_SEED 0x2545f4914f6cdd1dull
#endif

/* 50 agents switch two clocks under one PLL in random order: each clock is
 * on exactly while some agent votes it on, the PLL while either is, and the
 * platform sees a transition only when that changes. */
START_TEST(test_fifty_agents_random_on_off_switch_only_when_any_on_changes)
{
	struct soc w = { 0 };
	struct arb_vote *v[NAGENTS][2];
	bool ref[NAGENTS][2] = { { false } };
	uint64_t seed = ARB_RANDOM_SEED ^ 0x9e3779b97f4a7c15ull;
	uint64_t ups[3] = { 0 }, downs[3] = { 0 };

	build_video(&w);
	soc_start(&w);
	for (int a = 0; a < NAGENTS; a++)
		for (int c = 0; c < 2; c++)
			v[a][c] = vote(&w, (uint32_t)a + 1, VSCMI_CLOCK, CAM_PIX + c);

	for (int step = 0; step < ARB_RANDOM_STEPS; step++) {
		uint32_t a = rng_below(&seed, NAGENTS), c = rng_below(&seed, 2);
		bool on = rng_below(&seed, 2), any_before[2] = { false }, any_after[2] = { false };
		struct vscmi_op want[3];
		size_t nwant = 0;

		for (int i = 0; i < NAGENTS; i++)
			for (int k = 0; k < 2; k++)
				any_before[k] |= ref[i][k];
		ck_assert_int_eq(arb_vote_ask(v[a][c], ARB_GATE, on, 0), 0);
		ref[a][c] = on;
		for (int i = 0; i < NAGENTS; i++)
			for (int k = 0; k < 2; k++)
				any_after[k] |= ref[i][k];

		bool pll_before = any_before[0] || any_before[1];
		bool pll_after = any_after[0] || any_after[1];

		if (pll_after && !pll_before)
			want[nwant++] = OP(CLOCK_ENABLE, PLL_VIDEO, 1);
		if (any_after[c] != any_before[c])
			want[nwant++] = OP(CLOCK_ENABLE, CAM_PIX + c, any_after[c]);
		if (pll_before && !pll_after)
			want[nwant++] = OP(CLOCK_ENABLE, PLL_VIDEO, 0);
		expect_ops(&w, __LINE__, want, nwant);
		if (pll_after != pll_before)
			(pll_after ? ups : downs)[0]++;
		if (any_after[c] != any_before[c])
			(any_after[c] ? ups : downs)[1 + c]++;

		for (int k = 0; k < 2; k++) {
			check_clock(&w, CAM_PIX + k, any_after[k], -1);
			ck_assert(vst(v[a][k]).on == ref[a][k]);
		}
		check_clock(&w, PLL_VIDEO, pll_after, -1);
	}
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(count(&w, VSCMI_OP_CLOCK_ENABLE, i, 1), ups[i]);
		ck_assert_uint_eq(count(&w, VSCMI_OP_CLOCK_ENABLE, i, 0), downs[i]);
	}
	ck_assert_uint_gt(ups[0], 0);
	soc_end(&w);
}
END_TEST

/* The reference for the randomized check with every kind and with faults:
 * each agent's votes, and the physical state they should add up to,
 * recomputed from scratch by scanning all agents. */
enum { R_PLL, R_C1, R_C2, R_C3, R_NCLK };
enum { R_SOC, R_ISP, R_NPD };

struct ref_agent {
	bool clk_on[R_NCLK];
	int64_t clk_rate[R_NCLK];	/* 0: none voted */
	int pd[R_NPD];			/* -1: no vote */
	int rst;			/* -1 never, 0 deasserted, 1 asserted */
	int64_t perf;			/* 0: none */
	bool lim;
	uint32_t lmin, lmax;
	bool vdd_on;
	int64_t vdd_uv;			/* 0: none */
};

struct ref_phys {
	bool clk_on[R_NCLK];
	int64_t clk_rate[R_NCLK];	/* -1: not determined by the votes */
	uint32_t pd[R_NPD];
	bool asserted;
	int64_t perf;
	uint32_t pmin, pmax;
	bool feasible;
	bool vdd_on;
	int64_t vdd_uv;
};

static void ref_agent_clear(struct ref_agent *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < R_NPD; i++)
		r->pd[i] = -1;
	r->rst = -1;
}

static void ref_compute(const struct ref_agent *ag, int n, uint32_t pd_off_index,
			struct ref_phys *p)
{
	bool deasserted = false;
	bool any_child = false;

	memset(p, 0, sizeof(*p));
	p->pmin = 100;
	p->pmax = 800;
	p->perf = 100;
	p->vdd_uv = -1;
	for (int c = 0; c < R_NCLK; c++)
		p->clk_rate[c] = -1;
	for (int d = 0; d < R_NPD; d++)
		p->pd[d] = pd_off_index;
	for (int i = 0; i < n; i++) {
		const struct ref_agent *a = &ag[i];

		for (int c = 0; c < R_NCLK; c++) {
			p->clk_on[c] |= a->clk_on[c];
			if (a->clk_on[c] && a->clk_rate[c] && a->clk_rate[c] > p->clk_rate[c])
				p->clk_rate[c] = a->clk_rate[c];
		}
		for (int d = 0; d < R_NPD; d++)
			if (a->pd[d] >= 0 && (uint32_t)a->pd[d] < p->pd[d])
				p->pd[d] = (uint32_t)a->pd[d];
		deasserted |= a->rst == 0;
		if (a->perf && a->perf > p->perf)
			p->perf = a->perf;
		if (a->lim) {
			if (a->lmin > p->pmin)
				p->pmin = a->lmin;
			if (a->lmax < p->pmax)
				p->pmax = a->lmax;
		}
		p->vdd_on |= a->vdd_on;
		if (a->vdd_on && a->vdd_uv && a->vdd_uv > p->vdd_uv)
			p->vdd_uv = a->vdd_uv;
	}
	for (int c = R_C1; c < R_NCLK; c++)
		any_child |= p->clk_on[c];
	p->clk_on[R_PLL] |= any_child;
	if (p->pd[R_ISP] != pd_off_index)
		p->pd[R_SOC] = 0;
	p->asserted = !deasserted;
	p->feasible = p->pmin <= p->pmax;
	if (p->perf > p->pmax)
		p->perf = p->pmax;
	if (p->perf < p->pmin)
		p->perf = p->pmin;
}

struct random_soc {
	struct soc w;
	int clk[R_NCLK], pd[R_NPD], rst, gpu, vdd;
	struct arb_vote *v_clk[NAGENTS][R_NCLK], *v_pd[NAGENTS][R_NPD];
	struct arb_vote *v_rst[NAGENTS], *v_gpu[NAGENTS], *v_vdd[NAGENTS];
	struct ref_agent ref[NAGENTS];
	int n;				/* agents taking part */
};

static void random_soc_build(struct random_soc *r, int nagents)
{
	struct soc *w = &r->w;

	r->n = nagents;
	r->clk[R_PLL] = add_clock(w, "pll", -1, VSCMI_POLICY_MAX, MHZ(800), false);
	for (int c = R_C1; c < R_NCLK; c++)
		r->clk[c] = add_clock(w, "child", r->clk[R_PLL], VSCMI_POLICY_MAX, MHZ(50), false);
	r->pd[R_SOC] = add_pd(w, "soc", -1, 2, 3);
	r->pd[R_ISP] = add_pd(w, "isp", r->pd[R_SOC], 2, 3);
	r->rst = add_reset(w, "rst", true, false);
	r->gpu = add_perf(w, "gpu", perf8, 8, 100);
	r->vdd = add_voltage(w, "vdd", VSCMI_POLICY_MAX, 800000, false);
	soc_start(w);
	for (int a = 0; a < r->n; a++) {
		uint32_t id = (uint32_t)a + 1;

		for (int c = 0; c < R_NCLK; c++)
			r->v_clk[a][c] = vote(w, id, VSCMI_CLOCK, r->clk[c]);
		for (int d = 0; d < R_NPD; d++)
			r->v_pd[a][d] = vote(w, id, VSCMI_POWER, r->pd[d]);
		r->v_rst[a] = vote(w, id, VSCMI_RESET, r->rst);
		r->v_gpu[a] = vote(w, id, VSCMI_PERF, r->gpu);
		r->v_vdd[a] = vote(w, id, VSCMI_VOLTAGE, r->vdd);
		ref_agent_clear(&r->ref[a]);
	}
}

/* What the hardware has now, as the reference's terms. */
static void random_soc_hw(struct random_soc *r, bool *child_on, bool *isp_on)
{
	for (int c = 0; c < R_NCLK; c++)
		child_on[c] = hw(&r->w, VSCMI_OP_CLOCK_ENABLE, r->clk[c]) != 0;
	*isp_on = hw(&r->w, VSCMI_OP_POWER_STATE, r->pd[R_ISP]) != PD_OFF;
}

static uint32_t pd_value_index(struct random_soc *r, int d, int64_t value)
{
	const struct vscmi_res_desc *dd = desc(&r->w, VSCMI_POWER, r->pd[d]);
	int i = vscmi_pd_state_index(dd, (uint32_t)value);

	ck_assert_int_ge(i, 0);
	return (uint32_t)i;
}

/* Whatever the votes: no parent is ever physically below a child. */
static void random_soc_check_parents(struct random_soc *r, uint64_t step)
{
	bool child_on[R_NCLK], isp_on;

	random_soc_hw(r, child_on, &isp_on);
	for (int c = R_C1; c < R_NCLK; c++)
		ck_assert_msg(!child_on[c] || child_on[R_PLL],
			      "step %" PRIu64 ": clock %d on while its PLL is off", step, c);
	if (isp_on)
		ck_assert_msg(pd_value_index(r, R_SOC, hw(&r->w, VSCMI_OP_POWER_STATE,
							  r->pd[R_SOC])) == 0,
			      "step %" PRIu64 ": isp powered while soc is not on", step);
}

static void random_soc_check_equal(struct random_soc *r, uint64_t step)
{
	struct soc *w = &r->w;
	struct ref_phys p;
	uint32_t off = pd_off(w, r->pd[R_SOC]);

	ref_compute(r->ref, r->n, off, &p);
	for (int c = 0; c < R_NCLK; c++) {
		ck_assert_msg(phys(w, VSCMI_CLOCK, r->clk[c]).on == p.clk_on[c],
			      "step %" PRIu64 ": clock %d", step, c);
		check_clock(w, r->clk[c], p.clk_on[c], p.clk_rate[c]);
		ck_assert(target(w, VSCMI_CLOCK, r->clk[c]).on == p.clk_on[c]);
	}
	for (int d = 0; d < R_NPD; d++) {
		ck_assert_msg(phys(w, VSCMI_POWER, r->pd[d]).pd == p.pd[d],
			      "step %" PRIu64 ": domain %d in %u, expected %u", step, d,
			      phys(w, VSCMI_POWER, r->pd[d]).pd, p.pd[d]);
		check_pd(w, r->pd[d], p.pd[d]);
	}
	check_reset(w, r->rst, p.asserted);
	check_perf(w, r->gpu, p.perf, p.pmin, p.pmax);
	check_voltage(w, r->vdd, p.vdd_on, p.vdd_uv);
}

/* One random vote; returns the arbiter's answer and updates the reference
 * if it was accepted. */
static int random_soc_vote(struct random_soc *r, uint64_t *seed, uint32_t a, uint32_t kind)
{
	struct ref_agent next = r->ref[a];
	struct soc *w = &r->w;
	int ret;

	switch (kind) {
	case 0: {
		uint32_t c = rng_below(seed, R_NCLK);
		bool on = rng_below(seed, 2);

		ret = arb_vote_ask(r->v_clk[a][c], ARB_GATE, on, 0);
		next.clk_on[c] = on;
		break;
	}
	case 1: {
		uint32_t c = R_C1 + rng_below(seed, R_NCLK - R_C1);
		int64_t rate = MHZ(100) * (1 + rng_below(seed, 4));

		ret = arb_vote_ask(r->v_clk[a][c], ARB_LEVEL, (uint64_t)rate, 0);
		next.clk_rate[c] = rate;
		break;
	}
	case 2: {
		uint32_t d = rng_below(seed, R_NPD);
		uint32_t s = rng_below(seed, pd_off(w, r->pd[d]) + 1);

		ret = arb_vote_ask(r->v_pd[a][d], ARB_PD_STATE, s, 0);
		next.pd[d] = (int)s;
		break;
	}
	case 3: {
		bool asserted = rng_below(seed, 2);

		ret = arb_vote_ask(r->v_rst[a], ARB_ASSERT, asserted, 0);
		next.rst = asserted;
		break;
	}
	case 4: {
		uint32_t level = perf8[rng_below(seed, 8)];

		ret = arb_vote_ask(r->v_gpu[a], ARB_LEVEL, level, 0);
		next.perf = level;
		break;
	}
	case 5: {
		uint32_t x = perf8[rng_below(seed, 8)], y = perf8[rng_below(seed, 8)];
		uint32_t lo = x < y ? x : y, hi = x < y ? y : x;

		ret = arb_vote_ask(r->v_gpu[a], ARB_LIMITS, hi, lo);
		next.lim = true;
		next.lmin = lo;
		next.lmax = hi;
		break;
	}
	case 6: {
		bool on = rng_below(seed, 2);

		ret = arb_vote_ask(r->v_vdd[a], ARB_GATE, on, 0);
		next.vdd_on = on;
		break;
	}
	default: {
		int64_t uv = 800000 + 50000 * rng_below(seed, 6);

		ret = arb_vote_ask(r->v_vdd[a], ARB_LEVEL, uv, 0);
		next.vdd_uv = uv;
		break;
	}
	}
	if (kind == 5) {
		struct ref_agent saved = r->ref[a];
		struct ref_phys p;

		r->ref[a] = next;
		ref_compute(r->ref, r->n, pd_off(w, r->pd[R_SOC]), &p);
		r->ref[a] = saved;
		ck_assert_msg(p.feasible == (ret != -EACCES), "limits [%u,%u]: %d", next.lmin,
			      next.lmax, ret);
	} else {
		ck_assert_msg(ret != -EACCES, "vote kind %u refused", kind);
	}
	if (ret == 0)
		r->ref[a] = next;
	return ret;
}

static const enum vscmi_op_type fault_types[] = {
	VSCMI_OP_CLOCK_ENABLE, VSCMI_OP_CLOCK_RATE,     VSCMI_OP_POWER_STATE,
	VSCMI_OP_RESET_LINE,   VSCMI_OP_PERF_LEVEL,     VSCMI_OP_PERF_LIMITS,
	VSCMI_OP_VOLTAGE_CONFIG, VSCMI_OP_VOLTAGE_LEVEL,
};

/* Random votes and departures of 50 agents (then of 3, where resources
 * fall idle more often) over every kind, with the platform refusing now and
 * then: an accepted vote changes the state to what the brute-force
 * reference says, a refused one changes nothing, a refused release leaves
 * the hardware lagging until arb_reconcile_all, and no parent is ever
 * physically below a child. */
START_TEST(test_random_votes_with_refusals_match_brute_force_reference)
{
	static const int nagents[] = { NAGENTS, 3 };
	struct random_soc *r = calloc(1, sizeof(*r));
	uint64_t seed = ARB_RANDOM_SEED + (uint64_t)_i;
	bool lagging = false;

	ck_assert_ptr_nonnull(r);
	random_soc_build(r, nagents[_i]);
	for (uint64_t step = 0; step < ARB_RANDOM_STEPS; step++) {
		uint32_t a = rng_below(&seed, (uint32_t)r->n);
		enum vscmi_op_type fault = VSCMI_OP_COUNT;
		struct vscmi_emu_stats before, after;
		bool refused;
		int ret;

		if (rng_below(&seed, 8) == 0) {
			fault = fault_types[rng_below(&seed, 8)];
			vscmi_emu_refuse(r->w.plat, fault, UINT32_MAX, 1, -EIO);
		}
		vscmi_emu_stats(r->w.plat, &before);
		if (rng_below(&seed, 40) == 0) {
			ret = arb_agent_release(r->w.agents[a + 1]);
			ref_agent_clear(&r->ref[a]);
			ck_assert_int_ge(ret, 0);
			lagging |= ret > 0;
		} else {
			ret = random_soc_vote(r, &seed, a, rng_below(&seed, 8));
			vscmi_emu_stats(r->w.plat, &after);
			refused = after.refused != before.refused;
			ck_assert_msg(ret == 0 || ret == -EACCES || ret == -EIO,
				      "step %" PRIu64 ": %d", step, ret);
			ck_assert_msg((ret == -EIO) == refused,
				      "step %" PRIu64 ": returned %d, refusal %s", step, ret,
				      refused ? "consumed" : "not consumed");
		}
		if (fault != VSCMI_OP_COUNT)
			vscmi_emu_refuse(r->w.plat, fault, UINT32_MAX, 0, 0);

		random_soc_check_parents(r, step);
		if (lagging && rng_below(&seed, 4) == 0) {
			ck_assert_int_eq(arb_reconcile_all(r->w.arb), 0);
			lagging = false;
		}
		if (!lagging)
			random_soc_check_equal(r, step);
	}
	soc_end(&r->w);
	free(r);
}
END_TEST

/* --- restart ------------------------------------------------------------- */

enum { S_PLL, S_EX, S_MAX, S_NCLK };
#define S_AGENTS 4
#define S_RES 8		/* 3 clocks, 2 power domains, reset, perf, voltage */

struct restart_soc {
	struct soc w;
	struct { enum vscmi_kind kind; int index; } res[S_RES];
	struct arb_vote *v[S_AGENTS][S_RES];
};

static struct arb_state phys_of(struct restart_soc *s, int r)
{
	return phys(&s->w, s->res[r].kind, s->res[r].index);
}

static void restart_soc_votes(struct restart_soc *s)
{
	for (uint32_t a = 0; a < S_AGENTS; a++)
		for (int r = 0; r < S_RES; r++)
			s->v[a][r] = vote(&s->w, a + 1, s->res[r].kind, s->res[r].index);
}

static void restart_soc_build(struct restart_soc *s)
{
	struct soc *w = &s->w;
	int pll = add_clock(w, "pll", -1, VSCMI_POLICY_FIXED, MHZ(800), false);
	int soc = add_pd(w, "soc", -1, 1, 2);
	int i = 0;

	s->res[i++] = (typeof(s->res[0])){ VSCMI_CLOCK, pll };
	s->res[i++] = (typeof(s->res[0])){ VSCMI_CLOCK,
					   add_clock(w, "ex", pll, VSCMI_POLICY_EXCLUSIVE, MHZ(50),
						     false) };
	s->res[i++] = (typeof(s->res[0])){ VSCMI_CLOCK,
					   add_clock(w, "max", pll, VSCMI_POLICY_MAX, MHZ(25),
						     false) };
	s->res[i++] = (typeof(s->res[0])){ VSCMI_POWER, soc };
	s->res[i++] = (typeof(s->res[0])){ VSCMI_POWER, add_pd(w, "isp", soc, 2, 3) };
	s->res[i++] = (typeof(s->res[0])){ VSCMI_RESET, add_reset(w, "rst", true, false) };
	s->res[i++] = (typeof(s->res[0])){ VSCMI_PERF, add_perf(w, "gpu", perf8, 8, 300) };
	s->res[i++] = (typeof(s->res[0])){ VSCMI_VOLTAGE,
					   add_voltage(w, "vdd", VSCMI_POLICY_EXCLUSIVE, 800000,
						       true) };
	soc_start(w);
	restart_soc_votes(s);
}

static void restart_soc_vote(struct restart_soc *s, uint64_t *seed)
{
	uint32_t a = rng_below(seed, S_AGENTS);
	uint32_t r = rng_below(seed, S_RES);
	struct arb_vote *v = s->v[a][r];
	uint32_t x = perf8[rng_below(seed, 8)], y = perf8[rng_below(seed, 8)];

	if (rng_below(seed, 60) == 0) {
		arb_agent_release(s->w.agents[a + 1]);
		return;
	}
	/* refusals by policy are part of the game; what is accepted counts */
	switch (s->res[r].kind) {
	case VSCMI_CLOCK:
		if (rng_below(seed, 2))
			arb_vote_ask(v, ARB_GATE, rng_below(seed, 2), 0);
		else
			arb_vote_ask(v, ARB_LEVEL, (uint64_t)MHZ(25) * (1 + rng_below(seed, 4)), 0);
		break;
	case VSCMI_POWER:
		arb_vote_ask(v, ARB_PD_STATE, rng_below(seed, desc(&s->w, VSCMI_POWER,
							s->res[r].index)->u.power.nstates), 0);
		break;
	case VSCMI_RESET:
		arb_vote_ask(v, ARB_ASSERT, rng_below(seed, 2), 0);
		break;
	case VSCMI_PERF:
		if (rng_below(seed, 2))
			arb_vote_ask(v, ARB_LEVEL, x, 0);
		else
			arb_vote_ask(v, ARB_LIMITS, x > y ? x : y, x > y ? y : x);
		break;
	default:
		if (rng_below(seed, 2))
			arb_vote_ask(v, ARB_GATE, rng_below(seed, 2), 0);
		else
			arb_vote_ask(v, ARB_LEVEL, 800000 + 50000 * rng_below(seed, 4), 0);
		break;
	}
}

/* The daemon dies and a new one starts over the same hardware: a fresh
 * arbiter takes the physical state from the platform and the votes back,
 * in an order of its own. */
static void restart_soc_restart(struct restart_soc *s, uint64_t *seed)
{
	struct arb_state st[S_AGENTS][S_RES], phys[S_RES], target[S_RES];
	bool owner[S_AGENTS][S_RES], boot_held[S_RES];
	struct arb_state boot[S_RES];
	struct vscmi_emu_stats before, after;
	struct arb *old = s->w.arb;
	uint32_t order[S_AGENTS];

	for (int r = 0; r < S_RES; r++) {
		phys[r] = phys_of(s, r);
		arb_res_target(res(&s->w, s->res[r].kind, s->res[r].index), &target[r]);
		/* what the daemon keeps in state/boot */
		boot_held[r] = arb_res_boot_held(res(&s->w, s->res[r].kind, s->res[r].index));
		arb_res_boot_state(res(&s->w, s->res[r].kind, s->res[r].index), &boot[r]);
	}
	for (uint32_t a = 0; a < S_AGENTS; a++) {
		for (int r = 0; r < S_RES; r++) {
			arb_vote_state(s->v[a][r], &st[a][r]);
			owner[a][r] = arb_vote_owner(s->v[a][r]);
		}
		arb_agent_free(s->w.agents[a + 1]);
		s->w.agents[a + 1] = NULL;
		order[a] = a;
	}
	arb_free(old);
	for (uint32_t a = S_AGENTS - 1; a > 0; a--) {
		uint32_t j = rng_below(seed, a + 1), t = order[a];

		order[a] = order[j];
		order[j] = t;
	}
	vscmi_emu_stats(s->w.plat, &before);
	s->w.arb = arb_new(&s->w.m, s->w.plat);
	ck_assert_ptr_nonnull(s->w.arb);
	ck_assert_int_eq(arb_sync_phys(s->w.arb), 0);
	restart_soc_votes(s);
	for (int r = 0; r < S_RES; r++)
		arb_res_set_boot(res(&s->w, s->res[r].kind, s->res[r].index), boot_held[r], &boot[r]);
	for (uint32_t i = 0; i < S_AGENTS; i++)
		for (int r = S_RES - 1; r >= 0; r--)
			ck_assert_int_eq(arb_vote_restore(s->v[order[i]][r], &st[order[i]][r],
							  owner[order[i]][r]),
					 0);
	ck_assert_int_eq(arb_reconcile_lagging(s->w.arb), 0);
	vscmi_emu_stats(s->w.plat, &after);
	ck_assert_uint_eq(after.ops, before.ops);
	for (int r = 0; r < S_RES; r++) {
		struct arb_state t;

		arb_res_target(res(&s->w, s->res[r].kind, s->res[r].index), &t);
		ck_assert_msg(state_eq(phys_of(s, r), phys[r]), "resource %d: phys differs", r);
		ck_assert_msg(state_eq(t, target[r]), "resource %d: target differs", r);
		for (uint32_t a = 0; a < S_AGENTS; a++)
			ck_assert(arb_vote_owner(s->v[a][r]) == owner[a][r]);
	}
}

/* Random votes over every kind and policy, with a restart every few
 * steps: each restart calls the platform zero times, and leaves every
 * resource's physical state, target and owner as they were. */
START_TEST(test_restart_restores_votes_without_a_transition)
{
	struct restart_soc *s = calloc(1, sizeof(*s));
	uint64_t seed = ARB_RANDOM_SEED ^ 0x5eedull;

	ck_assert_ptr_nonnull(s);
	restart_soc_build(s);
	for (int step = 0; step < ARB_RANDOM_STEPS / 4; step++) {
		restart_soc_vote(s, &seed);
		if (rng_below(&seed, 16) == 0)
			restart_soc_restart(s, &seed);
	}
	soc_end(&s->w);
	free(s);
}
END_TEST

/* An empty vote is empty whatever its padding holds: releasing an agent
 * whose restored votes are all empty changes none of them (nothing for
 * the journal to write). */
START_TEST(test_empty_vote_with_dirty_padding_is_empty)
{
	struct restart_soc *s = calloc(1, sizeof(*s));
	struct arb_agent *a;
	struct arb_state st;
	uint64_t seq;

	ck_assert_ptr_nonnull(s);
	restart_soc_build(s);
	memset(&st, 0xa5, sizeof(st));
	st.on = st.asserted = st.has_level = st.has_limits = st.voted = false;
	st.pd = 0;
	st.level = 0;
	st.min = st.max = 0;
	st.owned = false;
	st.func = st.cfg_mask = 0;
	for (int r = 0; r < S_RES; r++)
		ck_assert_int_eq(arb_vote_restore(s->v[0][r], &st, false), 0);
	a = agent(&s->w, 1);
	seq = arb_agent_seq(a);
	ck_assert_int_eq(arb_agent_release(a), 0);
	ck_assert_uint_eq(arb_agent_seq(a), seq);
	soc_end(&s->w);
	free(s);
}
END_TEST

/* A journal can only bring back what a command could have set. */
START_TEST(test_restore_refuses_impossible_votes)
{
	struct restart_soc *s = calloc(1, sizeof(*s));
	struct arb_state st = { .voted = true, .pd = 7 };

	ck_assert_ptr_nonnull(s);
	restart_soc_build(s);
	ck_assert_int_eq(arb_vote_restore(s->v[0][3], &st, false), -EINVAL);
	st = (struct arb_state){ .has_level = true, .level = 150 };
	ck_assert_int_eq(arb_vote_restore(s->v[0][6], &st, false), -EINVAL);
	st = (struct arb_state){ .has_limits = true, .min = 500, .max = 200 };
	ck_assert_int_eq(arb_vote_restore(s->v[0][6], &st, false), -EINVAL);
	st = (struct arb_state){ .on = true, .has_level = true, .level = MHZ(100) };
	ck_assert_int_eq(arb_vote_restore(s->v[0][0], &st, false), -EINVAL);
	ck_assert_int_eq(arb_vote_restore(s->v[0][1], &st, true), 0);
	ck_assert(arb_vote_owner(s->v[0][1]));
	soc_end(&s->w);
	free(s);
}
END_TEST

/* --- a slow platform: transactions that finish later -------------------- */

/* The done callback's calls, in order. */
struct dones {
	uint32_t n;
	struct arb_vote *v[16];
	int result[16];
};

static void on_done(void *ctx, struct arb_vote *v, int result)
{
	struct dones *d = ctx;

	ck_assert_uint_lt(d->n, 16);
	d->v[d->n] = v;
	d->result[d->n++] = result;
}

/* Every op of the type completes later, stepped by finish(). */
static void slow(struct soc *w, enum vscmi_op_type type, struct dones *d)
{
	vscmi_emu_latency(w->plat, type, 0);
	arb_set_done(w->arb, on_done, d);
}

/* Completes the op in flight on resource i (of the type's kind). */
static void finish(struct soc *w, enum vscmi_op_type type, int i)
{
	ck_assert_int_eq(vscmi_emu_finish(w->plat, type, PID(i)), 1);
}

/* The video clocks started, switching on later: camera's vote on cam_pix. */
static struct arb_vote *start_slow_video(struct soc *w, struct dones *d)
{
	build_video(w);
	soc_start(w);
	slow(w, VSCMI_OP_CLOCK_ENABLE, d);
	return vote(w, CAMERA, VSCMI_CLOCK, CAM_PIX);
}

START_TEST(test_slow_platform_change_completes_step_by_step)
{
	struct soc w = { 0 };
	struct dones d = { 0 };
	struct arb_vote *cam;

	cam = start_slow_video(&w, &d);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), -EINPROGRESS);
	ck_assert_uint_eq(arb_in_flight(w.arb), 1);
	ck_assert(arb_res_held(res(&w, VSCMI_CLOCK, PLL_VIDEO)));
	/* Parent first, one call at a time. */
	ck_assert_uint_eq(vscmi_emu_in_flight(w.plat), 1);
	EXPECT_NO_OPS(&w);
	finish(&w, VSCMI_OP_CLOCK_ENABLE, PLL_VIDEO);
	ck_assert_uint_eq(d.n, 0);
	finish(&w, VSCMI_OP_CLOCK_ENABLE, CAM_PIX);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_ptr_eq(d.v[0], cam);
	ck_assert_int_eq(d.result[0], 0);
	ck_assert_uint_eq(arb_in_flight(w.arb), 0);
	ck_assert(!arb_res_held(res(&w, VSCMI_CLOCK, PLL_VIDEO)));
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 1), OP(CLOCK_ENABLE, CAM_PIX, 1));
	check_clock(&w, CAM_PIX, true, MHZ(148));
	soc_end(&w);
}
END_TEST

START_TEST(test_slow_platform_refusal_rolls_back_then_reports)
{
	struct soc w = { 0 };
	struct dones d = { 0 };
	struct arb_vote *cam;

	cam = start_slow_video(&w, &d);
	vscmi_emu_refuse(w.plat, VSCMI_OP_CLOCK_ENABLE, PID(CAM_PIX), 1, -EIO);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), -EINPROGRESS);
	finish(&w, VSCMI_OP_CLOCK_ENABLE, PLL_VIDEO);
	finish(&w, VSCMI_OP_CLOCK_ENABLE, CAM_PIX);
	/* The PLL goes off again before the agent hears. */
	ck_assert_uint_eq(d.n, 0);
	ck_assert(!vst(cam).on);
	finish(&w, VSCMI_OP_CLOCK_ENABLE, PLL_VIDEO);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.result[0], -EIO);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 1), OP(CLOCK_ENABLE, PLL_VIDEO, 0));
	check_clock(&w, PLL_VIDEO, false, MHZ(594));
	ck_assert(!arb_has_dirty(w.arb));
	soc_end(&w);
}
END_TEST

START_TEST(test_slow_platform_change_on_held_chain_waits_its_turn)
{
	struct soc w = { 0 };
	struct dones d = { 0 };
	struct arb_vote *cam, *disp, *disp2;

	cam = start_slow_video(&w, &d);
	disp = vote(&w, DISPLAY, VSCMI_CLOCK, DISP_PIX);
	disp2 = vote(&w, INFOTAINMENT, VSCMI_CLOCK, DISP_PIX);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), -EINPROGRESS);
	/* The PLL is held: the display's change waits, it does not interleave. */
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, true, 0), -EINPROGRESS);
	ck_assert_int_eq(arb_vote_ask(disp2, ARB_GATE, true, 0), -EINPROGRESS);
	ck_assert_uint_eq(arb_waiting(w.arb), 2);
	/* One change per vote waits at most. */
	ck_assert_int_eq(arb_vote_ask(disp, ARB_GATE, false, 0), -EBUSY);
	ck_assert(!vst(disp).on);
	finish(&w, VSCMI_OP_CLOCK_ENABLE, PLL_VIDEO);
	finish(&w, VSCMI_OP_CLOCK_ENABLE, CAM_PIX);
	/* The camera's reply comes after the display's change started. */
	ck_assert_uint_eq(d.n, 1);
	ck_assert_ptr_eq(d.v[0], cam);
	ck_assert_uint_eq(arb_waiting(w.arb), 1);
	finish(&w, VSCMI_OP_CLOCK_ENABLE, DISP_PIX);
	/* The second voter on disp_pix needs no call. What waited runs before
	 * the finished change is reported, so a caller answered cannot
	 * overtake it: its answer comes first. */
	ck_assert_uint_eq(d.n, 3);
	ck_assert_ptr_eq(d.v[1], disp2);
	ck_assert_ptr_eq(d.v[2], disp);
	ck_assert_int_eq(d.result[1], 0);
	ck_assert_int_eq(d.result[2], 0);
	ck_assert(vst(disp).on && vst(disp2).on);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 1), OP(CLOCK_ENABLE, CAM_PIX, 1),
		   OP(CLOCK_ENABLE, DISP_PIX, 1));
	soc_end(&w);
}
END_TEST

START_TEST(test_slow_platform_unrelated_resources_proceed_and_finish_out_of_order)
{
	struct soc w = { 0 };
	struct dones d = { 0 };
	struct arb_vote *cam, *isp, *rst;
	int other;

	build_cases(&w);
	other = add_clock(&w, "other", -1, VSCMI_POLICY_MAX, MHZ(24), false);
	soc_start(&w);
	slow(&w, VSCMI_OP_CLOCK_ENABLE, &d);
	cam = vote(&w, CAMERA, VSCMI_CLOCK, CAM_PIX);
	isp = vote(&w, DISPLAY, VSCMI_POWER, ISP);
	rst = vote(&w, DISPLAY, VSCMI_RESET, RST_BUS);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), -EINPROGRESS);
	/* Not on the held chain, and a platform that answers at once. */
	ck_assert_int_eq(arb_vote_ask(isp, ARB_PD_STATE, 0, 0), 0);
	ck_assert_int_eq(arb_vote_ask(rst, ARB_ASSERT, false, 0), 0);
	/* Slow too, but free: it starts now, and finishes first. */
	struct arb_vote *o = vote(&w, DISPLAY, VSCMI_CLOCK, other);

	ck_assert_int_eq(arb_vote_ask(o, ARB_GATE, true, 0), -EINPROGRESS);
	ck_assert_uint_eq(arb_in_flight(w.arb), 2);
	finish(&w, VSCMI_OP_CLOCK_ENABLE, other);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_ptr_eq(d.v[0], o);
	finish(&w, VSCMI_OP_CLOCK_ENABLE, PLL_VIDEO);
	finish(&w, VSCMI_OP_CLOCK_ENABLE, CAM_PIX);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_ptr_eq(d.v[1], cam);
	check_pd(&w, ISP, 0);
	soc_end(&w);
}
END_TEST

START_TEST(test_slow_platform_release_while_pending_waits_then_withdraws)
{
	struct soc w = { 0 };
	struct dones d = { 0 };
	struct arb_vote *cam;

	cam = start_slow_video(&w, &d);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), -EINPROGRESS);
	finish(&w, VSCMI_OP_CLOCK_ENABLE, PLL_VIDEO);
	/* The guest goes away in the middle: the release is not lost. */
	release(&w, CAMERA, 0);
	ck_assert_uint_eq(arb_waiting(w.arb), 1);
	finish(&w, VSCMI_OP_CLOCK_ENABLE, CAM_PIX);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.result[0], 0);
	/* Now the release runs: child off, then the PLL. */
	finish(&w, VSCMI_OP_CLOCK_ENABLE, CAM_PIX);
	finish(&w, VSCMI_OP_CLOCK_ENABLE, PLL_VIDEO);
	ck_assert_uint_eq(d.n, 1);
	ck_assert(!vst(cam).on);
	ck_assert_uint_eq(arb_in_flight(w.arb), 0);
	EXPECT_OPS(&w, OP(CLOCK_ENABLE, PLL_VIDEO, 1), OP(CLOCK_ENABLE, CAM_PIX, 1),
		   OP(CLOCK_ENABLE, CAM_PIX, 0), OP(CLOCK_ENABLE, PLL_VIDEO, 0));
	soc_end(&w);
}
END_TEST

START_TEST(test_slow_platform_full_queue_is_busy_and_teardown_in_flight_is_safe)
{
	struct soc w = { 0 };
	struct dones d = { 0 };
	struct arb_vote *cam;

	cam = start_slow_video(&w, &d);
	ck_assert_int_eq(arb_vote_ask(cam, ARB_GATE, true, 0), -EINPROGRESS);
	for (uint32_t id = 10; id < 10 + 16; id++)
		ck_assert_int_eq(arb_vote_ask(vote(&w, id, VSCMI_CLOCK, DISP_PIX), ARB_GATE, true, 0),
				 -EINPROGRESS);
	ck_assert_int_eq(arb_vote_ask(vote(&w, 40, VSCMI_CLOCK, DISP_PIX), ARB_GATE, true, 0), -EBUSY);
	/* Freed with a call in flight and changes waiting: nothing comes back. */
	soc_end(&w);
}
END_TEST

/* --- pins ----------------------------------------------------------------- */

#define DRIVE 10	/* drive-strength */
#define PULL_UP 4	/* bias-pull-up */

/* Pins a and b in group ab, functions uart (on the group) and gpio (on
 * pin b); b's default is gpio with a pull-up. */
enum { PIN_A, PIN_B };
enum { FN_UART, FN_GPIO };

static void build_pins(struct soc *w)
{
	struct vscmi_res_desc *d;
	int i;

	add_res(w, VSCMI_PIN, "a", -1);
	add_res(w, VSCMI_PIN, "b", -1);
	i = add_res(w, VSCMI_PIN_GROUP, "ab", -1);
	d = desc(w, VSCMI_PIN_GROUP, i);
	d->u.pin_set.pins_only = true;
	d->u.pin_set.nmembers = 2;
	d->u.pin_set.members[1] = 1;
	i = add_res(w, VSCMI_PIN_FUNC, "uart", -1);
	desc(w, VSCMI_PIN_FUNC, i)->u.pin_set.nmembers = 1;
	i = add_res(w, VSCMI_PIN_FUNC, "gpio", -1);
	d = desc(w, VSCMI_PIN_FUNC, i);
	d->u.pin_set.pins_only = true;
	d->u.pin_set.nmembers = 1;
	d->u.pin_set.members[0] = PIN_B;
	desc(w, VSCMI_PIN, PIN_A)->u.pin.func = -1;
	d = desc(w, VSCMI_PIN, PIN_B);
	d->u.pin.func = FN_GPIO;
	d->u.pin.cfg_mask = 1u << PULL_UP;
	d->u.pin.cfg[PULL_UP] = 1;
}

/* What an owner sets: a function (index, -1 none) and one config. */
static struct arb_state pin_st(int func, unsigned int type, uint32_t val)
{
	struct arb_state st = { .owned = true, .func = (uint32_t)(func + 1) };

	if (type) {
		st.cfg_mask = 1u << type;
		st.cfg[type] = val;
	}
	return st;
}

static int pin_set(struct arb_vote *v, int func, unsigned int type, uint32_t val)
{
	struct arb_state st = pin_st(func, type, val);

	return arb_pin_settings(v, &st);
}

static int64_t pin_hw_cfg(struct soc *w, int pin, unsigned int type)
{
	struct vscmi_op op = { .type = VSCMI_OP_PIN_CONFIG, .id = PID(pin), .val = type };

	ck_assert_int_eq(vscmi_platform_read(w->plat, &op), 0);
	return op.val2;
}

/* Worked case 17: one holder; its settings reach the platform, function first;
 * its release puts the default back; the other agent is refused
 * throughout, and holding changes nothing physical. */
START_TEST(test_case17_pin_one_holder_then_default)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;

	build_pins(&w);
	start_two(&w, VSCMI_PIN, PIN_A, PIN_A, &cam, &disp);
	ck_assert_int_eq(arb_pin_request(&cam, 1), 0);
	EXPECT_NO_OPS(&w);
	ck_assert_uint_eq(arb_pin_owner(res(&w, VSCMI_PIN, PIN_A)), CAMERA);
	ck_assert_int_eq(arb_pin_request(&disp, 1), -EADDRINUSE);
	ck_assert_int_eq(arb_pin_settings(disp, &(struct arb_state){ .owned = true }), -EACCES);
	ck_assert_int_eq(arb_pin_release(&disp, 1), -EACCES);
	ck_assert_int_eq(pin_set(cam, FN_UART, DRIVE, 8), 0);
	EXPECT_OPS(&w, { VSCMI_OP_PIN_FUNCTION, PID(PIN_A), PID(FN_UART), 0 },
		   { VSCMI_OP_PIN_CONFIG, PID(PIN_A), DRIVE, 8 });
	ck_assert_int_eq(hw(&w, VSCMI_OP_PIN_FUNCTION, PIN_A), PID(FN_UART));
	/* The same settings again: nothing to do. */
	ck_assert_int_eq(pin_set(cam, FN_UART, DRIVE, 8), 0);
	EXPECT_NO_OPS(&w);
	ck_assert_int_eq(arb_pin_release(&cam, 1), 0);
	EXPECT_OPS(&w, { VSCMI_OP_PIN_FUNCTION, PID(PIN_A), -1, 0 },
		   { VSCMI_OP_PIN_CONFIG, PID(PIN_A), DRIVE, 0 });
	ck_assert_uint_eq(arb_pin_owner(res(&w, VSCMI_PIN, PIN_A)), 0);
	ck_assert_int_eq(arb_pin_request(&disp, 1), 0);
	EXPECT_NO_OPS(&w);
	soc_end(&w);
}
END_TEST

/* Worked case 18: a group is all or nothing; settings on a free pin take it. */
START_TEST(test_case18_pin_group_all_or_nothing)
{
	struct soc w = { 0 };
	struct arb_vote *cam[2], *disp[2];

	build_pins(&w);
	soc_start(&w);
	for (int i = 0; i < 2; i++) {
		cam[i] = vote(&w, CAMERA, VSCMI_PIN, i);
		disp[i] = vote(&w, DISPLAY, VSCMI_PIN, i);
	}
	ck_assert_int_eq(pin_set(disp[1], FN_GPIO, 0, 0),
			 0);
	/* b was at gpio, pull-up 1, already: taking it changes nothing, and
	 * its pull-up is no longer the owner's. */
	EXPECT_OPS(&w, { VSCMI_OP_PIN_CONFIG, PID(PIN_B), PULL_UP, 0 });
	ck_assert_uint_eq(arb_pin_owner(res(&w, VSCMI_PIN, PIN_B)), DISPLAY);
	ck_assert_int_eq(arb_pin_request(cam, 2), -EADDRINUSE);
	ck_assert_uint_eq(arb_pin_owner(res(&w, VSCMI_PIN, PIN_A)), 0);
	EXPECT_NO_OPS(&w);
	/* The display goes away: b is free and back at its default. */
	release(&w, DISPLAY, 0);
	EXPECT_OPS(&w, { VSCMI_OP_PIN_CONFIG, PID(PIN_B), PULL_UP, 1 });
	ck_assert_int_eq(pin_hw_cfg(&w, PIN_B, PULL_UP), 1);
	ck_assert_int_eq(arb_pin_request(cam, 2), 0);
	ck_assert_uint_eq(arb_pin_owner(res(&w, VSCMI_PIN, PIN_A)), CAMERA);
	ck_assert_uint_eq(arb_pin_owner(res(&w, VSCMI_PIN, PIN_B)), CAMERA);
	ck_assert_int_eq(arb_pin_request(disp, 1), -EADDRINUSE);
	soc_end(&w);
}
END_TEST

/* Worked case 19: a refused setting leaves the pin as it was, and free again
 * when the settings were to take it. */
START_TEST(test_case19_pin_refusal_undoes)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;

	build_pins(&w);
	start_two(&w, VSCMI_PIN, PIN_A, PIN_A, &cam, &disp);
	vscmi_emu_refuse(w.plat, VSCMI_OP_PIN_CONFIG, PID(PIN_A), 1, -EIO);
	ck_assert_int_eq(pin_set(cam, FN_UART, DRIVE, 8),
			 -EIO);
	/* The function went through, then came back. */
	EXPECT_OPS(&w, { VSCMI_OP_PIN_FUNCTION, PID(PIN_A), PID(FN_UART), 0 },
		   { VSCMI_OP_PIN_FUNCTION, PID(PIN_A), -1, 0 });
	ck_assert_uint_eq(arb_pin_owner(res(&w, VSCMI_PIN, PIN_A)), 0);
	ck_assert(!vst(cam).owned);
	ck_assert_int_eq(arb_pin_request(&disp, 1), 0);
	soc_end(&w);
}
END_TEST

/* A restart puts holders and settings back with no transition. */
START_TEST(test_pin_restart_keeps_holder)
{
	struct soc w = { 0 }, w2 = { 0 };
	struct arb_vote *cam, *disp;
	struct arb_state st;

	build_pins(&w);
	start_two(&w, VSCMI_PIN, PIN_A, PIN_A, &cam, &disp);
	ck_assert_int_eq(pin_set(cam, FN_UART, DRIVE, 8), 0);
	st = vst(cam);
	/* Same hardware, a new arbiter. */
	build_pins(&w2);
	w2.plat = w.plat;
	w2.arb = arb_new(&w2.m, w2.plat);
	ck_assert_ptr_nonnull(w2.arb);
	ck_assert_int_eq(arb_sync_phys(w2.arb), 0);
	vscmi_emu_clear_log(w2.plat);
	cam = vote(&w2, CAMERA, VSCMI_PIN, PIN_A);
	disp = vote(&w2, DISPLAY, VSCMI_PIN, PIN_A);
	ck_assert_int_eq(arb_vote_restore(cam, &st, true), 0);
	ck_assert_int_eq(arb_reconcile_lagging(w2.arb), 0);
	EXPECT_NO_OPS(&w2);
	ck_assert_uint_eq(arb_pin_owner(res(&w2, VSCMI_PIN, PIN_A)), CAMERA);
	ck_assert_int_eq(arb_pin_request(&disp, 1), -EADDRINUSE);
	/* A second holder from a broken journal: the first stays. */
	ck_assert_int_eq(arb_vote_restore(disp, &st, true), 0);
	ck_assert_uint_eq(arb_pin_owner(res(&w2, VSCMI_PIN, PIN_A)), CAMERA);
	ck_assert_int_eq(arb_pin_request(&disp, 1), -EADDRINUSE);
	/* A vote no command could cast is refused. */
	st.owned = false;
	ck_assert_int_eq(arb_vote_restore(disp, &st, false), -EINVAL);
	w.plat = NULL;
	soc_end(&w);
	soc_end(&w2);
}
END_TEST

/* A slow platform: the holder is known from the start of its
 * change, and a release in flight keeps the pin from others until done. */
START_TEST(test_pin_slow_platform)
{
	struct soc w = { 0 };
	struct arb_vote *cam, *disp;

	build_pins(&w);
	start_two(&w, VSCMI_PIN, PIN_A, PIN_A, &cam, &disp);
	vscmi_emu_latency(w.plat, VSCMI_OP_PIN_FUNCTION, 0);
	vscmi_emu_latency(w.plat, VSCMI_OP_PIN_CONFIG, 0);
	ck_assert_int_eq(pin_set(cam, FN_UART, 0, 0),
			 -EINPROGRESS);
	ck_assert_int_eq(arb_pin_request(&disp, 1), -EADDRINUSE);
	ck_assert_int_eq(vscmi_emu_finish(w.plat, VSCMI_OP_PIN_FUNCTION, PID(PIN_A)), 1);
	ck_assert_int_eq(hw(&w, VSCMI_OP_PIN_FUNCTION, PIN_A), PID(FN_UART));
	ck_assert_int_eq(arb_pin_release(&cam, 1), -EINPROGRESS);
	ck_assert_uint_eq(arb_pin_owner(res(&w, VSCMI_PIN, PIN_A)), 0);
	ck_assert_int_eq(arb_pin_request(&disp, 1), -EBUSY);
	ck_assert_int_eq(vscmi_emu_finish(w.plat, VSCMI_OP_PIN_FUNCTION, PID(PIN_A)), 1);
	ck_assert_int_eq(hw(&w, VSCMI_OP_PIN_FUNCTION, PIN_A), -1);
	ck_assert_int_eq(arb_pin_request(&disp, 1), 0);
	soc_end(&w);
}
END_TEST

static Suite *arbiter_suite(void)
{
	Suite *s = suite_create("arbiter");
	TCase *tc;

	tc = tcase_create("worked-cases");
	tcase_add_test(tc, test_case1_pll_shared_by_two_clocks_switches_once);
	tcase_add_test(tc, test_case2_shared_power_domain_follows_most_powered_vote);
	tcase_add_test(tc, test_case3_shared_reset_asserts_only_when_all_assert_and_refuses_pulse);
	tcase_add_test(tc, test_case4_exclusive_rate_owned_until_owner_votes_off);
	tcase_add_test(tc, test_case5_perf_max_of_levels_clamped_and_empty_limits_refused);
	tcase_add_test(tc, test_case6_refused_parent_changes_nothing_and_voter_reads_off);
	tcase_add_test(tc, test_case7_agent_gone_withdraws_all_votes_in_one_step);
	tcase_add_test(tc, test_case7_agent_gone_keeps_what_other_agents_hold);
	tcase_add_test(tc, test_agent_gone_moves_a_parent_domain_once);
	tcase_add_test(tc, test_case8_clock_on_at_boot_stays_on_until_taken_over);
	tcase_add_test(tc, test_case9_fixed_regulator_on_at_boot_stays_on);
	tcase_add_test(tc, test_case10_power_domain_on_at_boot_stays_on_until_taken_over);
	tcase_add_test(tc, test_power_domain_in_retention_at_boot_held_at_retention);
	tcase_add_test(tc, test_case11_reset_deasserted_at_boot_stays_until_taken_over);
	tcase_add_test(tc, test_boot_votes_come_from_the_platform_at_first_start);
	tcase_add_test(tc, test_case12_rate_voted_while_off_counts_from_switching_on);
	tcase_add_test(tc, test_exclusive_rate_of_an_agent_holding_off_waits_for_its_on);
	tcase_add_test(tc, test_case13_limits_that_fit_no_level_keep_the_ceiling);
	tcase_add_test(tc, test_case14_perf_without_level_votes_runs_at_initial);
	tcase_add_test(tc, test_refused_takeover_keeps_the_boot_vote);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_test(tc, test_exclusive_rate_owner_gone_keeps_rate_and_frees_ownership);
	tcase_add_test(tc, test_exclusive_rate_owner_may_change_its_own_rate);
	tcase_add_test(tc, test_exclusive_rate_enabler_drops_its_rate_while_another_owns);
	tcase_add_test(tc, test_max_rate_is_highest_among_agents_holding_clock_on);
	tcase_add_test(tc, test_fixed_rate_refuses_any_other_rate);
	tcase_add_test(tc, test_power_domain_takes_most_powered_vote_in_config_order);
	tcase_add_test(tc, test_power_child_domain_holds_parent_on_and_switches_it_first);
	tcase_add_test(tc, test_power_child_domain_gone_lets_parent_off_after_it);
	tcase_add_test(tc, test_reset_pulse_allowed_for_the_lines_only_user);
	tcase_add_test(tc, test_reset_pulse_allowed_on_shared_line_when_policy_allows);
	tcase_add_test(tc, test_reset_sharer_that_never_voted_does_not_hold_line);
	tcase_add_test(tc, test_voltage_on_while_any_agent_votes_on);
	tcase_add_test(tc, test_voltage_level_is_max_among_agents_holding_it_on);
	tcase_add_test(tc, test_voltage_level_exclusive_denies_other_agent);
	tcase_add_test(tc, test_voltage_level_fixed_refuses_other_level);
	tcase_add_test(tc, test_perf_level_clamped_into_intersection_of_all_limits);
	tcase_add_test(tc, test_perf_level_snaps_to_a_table_level_within_limits);
	tcase_add_test(tc, test_perf_limits_emptying_intersection_refused_and_nothing_changes);
	tcase_add_test(tc, test_perf_agent_gone_restores_level_and_limits);
	tcase_add_test(tc, test_perf_level_not_in_table_refused_with_range);
	tcase_add_test(tc, test_case15_powercap_lowest_cap_wins);
	tcase_add_test(tc, test_case16_powercap_shortest_pai_wins);
	tcase_add_test(tc, test_powercap_refusals_change_nothing);
	tcase_add_test(tc, test_powercap_boot_from_the_platform);
	tcase_add_test(tc, test_repeated_votes_cause_no_transition);
	tcase_add_test(tc, test_three_deep_chain_switches_root_first_on_and_leaf_first_off);
	suite_add_tcase(s, tc);

	tc = tcase_create("transactions");
	tcase_add_test(tc, test_refused_child_undoes_parent_already_switched_on);
	tcase_add_test(tc, test_unanswered_change_is_undone_as_if_done);
	tcase_add_test(tc, test_unanswered_change_and_undo_leave_record_and_hardware_agreeing);
	tcase_add_test(tc, test_refused_vote_leaves_counts_so_retry_and_sibling_work);
	tcase_add_test(tc, test_refused_switch_off_of_parent_turns_child_back_on);
	tcase_add_test(tc, test_refused_power_parent_rolls_back_child_domain_vote);
	tcase_add_test(tc, test_refused_exclusive_rate_does_not_take_ownership);
	tcase_add_test(tc, test_exclusive_level_refused_enable_keeps_the_dropped_vote);
	tcase_add_test(tc, test_refused_perf_level_undoes_limits_already_applied);
	tcase_add_test(tc, test_three_deep_chain_middle_refusal_undoes_root);
	tcase_add_test(tc, test_refused_undo_leaves_parent_for_reconcile_all);
	tcase_add_test(tc, test_release_refused_returns_count_and_reconcile_all_retries);
	tcase_add_test(tc, test_release_refused_child_keeps_shared_parent_on_for_sibling);
	tcase_add_test(tc, test_release_refused_child_domain_keeps_parent_domain_on);
	tcase_add_test(tc, test_release_of_agent_without_votes_changes_nothing);
	tcase_add_test(tc, test_agent_gone_with_two_children_switches_shared_parent_off_once);
	tcase_add_test(tc, test_child_on_at_boot_keeps_parent_on_until_switched_off);
	suite_add_tcase(s, tc);

	tc = tcase_create("slow-platform");
	tcase_add_test(tc, test_slow_platform_change_completes_step_by_step);
	tcase_add_test(tc, test_slow_platform_refusal_rolls_back_then_reports);
	tcase_add_test(tc, test_slow_platform_change_on_held_chain_waits_its_turn);
	tcase_add_test(tc, test_slow_platform_unrelated_resources_proceed_and_finish_out_of_order);
	tcase_add_test(tc, test_slow_platform_release_while_pending_waits_then_withdraws);
	tcase_add_test(tc, test_slow_platform_full_queue_is_busy_and_teardown_in_flight_is_safe);
	suite_add_tcase(s, tc);

	tc = tcase_create("observer");
	tcase_add_test(tc, test_observer_sees_each_transition_with_causing_agent);
	tcase_add_test(tc, test_observer_reconcile_retry_not_charged_to_last_voter);
	suite_add_tcase(s, tc);

	tc = tcase_create("pins");
	tcase_add_test(tc, test_case17_pin_one_holder_then_default);
	tcase_add_test(tc, test_case18_pin_group_all_or_nothing);
	tcase_add_test(tc, test_case19_pin_refusal_undoes);
	tcase_add_test(tc, test_pin_restart_keeps_holder);
	tcase_add_test(tc, test_pin_slow_platform);
	suite_add_tcase(s, tc);

	tc = tcase_create("model-check");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_fifty_agents_random_on_off_switch_only_when_any_on_changes);
	tcase_add_loop_test(tc, test_random_votes_with_refusals_match_brute_force_reference, 0, 2);
	tcase_add_test(tc, test_restart_restores_votes_without_a_transition);
	tcase_add_test(tc, test_restore_refuses_impossible_votes);
	tcase_add_test(tc, test_empty_vote_with_dirty_padding_is_empty);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(arbiter_suite());
	int failed;

	/* Refusals are the point of many tests; their warnings are noise here. */
	vscmi_log_set_level(LOG_ERR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
