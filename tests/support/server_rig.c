/* SPDX-License-Identifier: GPL-2.0-only */
/* The in-process SCMI server the server tests share; see server_rig.h. */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vscmi/buf.h"
#include "scmi_suite.h"
#include "server_rig.h"

static struct {
	void (*fn)(void *);
	void *arg;
	uint64_t usec;
} deferred[RIG_DEFERRED];
static int ndeferred;

static struct rig_msg inbox[RIG_AGENTS][RIG_INBOX];
static int ninbox[RIG_AGENTS];
static int inbox_max = RIG_INBOX;
static uint32_t agent_ids[RIG_AGENTS] = { 0, 1, 2, 3, 4, 5, 6, 7 };

struct vscmi_res_desc *rig_add_res(struct vscmi_model *m, enum vscmi_kind k, const char *name,
				     uint32_t plat_id, int parent)
{
	struct vscmi_res_desc *d;

	m->res[k] = realloc(m->res[k], (m->nres[k] + 1) * sizeof(*d));
	ck_assert_ptr_nonnull(m->res[k]);
	d = &m->res[k][m->nres[k]++];
	memset(d, 0, sizeof(*d));
	d->kind = k;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->plat_id = plat_id;
	d->parent = parent;
	return d;
}

void rig_segment(struct vscmi_range *r, int64_t min, int64_t max, int64_t step)
{
	r->segment = true;
	r->min = min;
	r->max = max;
	r->step = step;
}

void rig_add_view(struct vscmi_agent_desc *a, enum vscmi_kind k, uint32_t res, const char *name)
{
	struct vscmi_view_desc *v;

	a->views[k] = realloc(a->views[k], (a->nviews[k] + 1) * sizeof(*v));
	ck_assert_ptr_nonnull(a->views[k]);
	v = &a->views[k][a->nviews[k]++];
	memset(v, 0, sizeof(*v));
	v->res = res;
	if (name)
		snprintf(v->name, sizeof(v->name), "%s", name);
}

struct vscmi_agent_desc *rig_add_agent(struct vscmi_model *m, const char *name,
					 uint32_t protocols, uint32_t max_msg)
{
	struct vscmi_agent_desc *a;

	m->agents = realloc(m->agents, (m->nagents + 1) * sizeof(*a));
	ck_assert_ptr_nonnull(m->agents);
	a = &m->agents[m->nagents++];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->protocols = protocols;
	a->max_msg_size = max_msg;
	return a;
}

void rig_reset(int inbox_cap)
{
	ck_assert_int_le(inbox_cap, RIG_INBOX);
	ndeferred = 0;
	memset(ninbox, 0, sizeof(ninbox));
	inbox_max = inbox_cap;
}

int rig_defer(void *ctx, uint64_t usec, void (*fn)(void *), void *arg)
{
	if (ndeferred == RIG_DEFERRED)
		return -ENOMEM;
	deferred[ndeferred].fn = fn;
	deferred[ndeferred].arg = arg;
	deferred[ndeferred].usec = usec;
	ndeferred++;
	return 0;
}

void rig_run_deferred(void)
{
	int n = ndeferred;

	ndeferred = 0;
	for (int i = 0; i < n; i++)
		deferred[i].fn(deferred[i].arg);
}

int rig_ndeferred(void)
{
	return ndeferred;
}

uint64_t rig_deferred_usec(int i)
{
	ck_assert_int_lt(i, ndeferred);
	return deferred[i].usec;
}

static int rig_send(void *ctx, const uint8_t *msg, size_t len)
{
	uint32_t id = *(const uint32_t *)ctx;

	if (ninbox[id] == inbox_max || len > SCMI_MSG_MAX)
		return -ENOBUFS;
	memcpy(inbox[id][ninbox[id]].b, msg, len);
	inbox[id][ninbox[id]].len = len;
	ninbox[id]++;
	return 0;
}

void rig_set_output(struct scmi_server *srv, uint32_t agent, bool p2a)
{
	ck_assert_uint_lt(agent, RIG_AGENTS);
	scmi_agent_set_output(scmi_server_agent(srv, agent), rig_send, &agent_ids[agent], p2a);
}

int rig_ninbox(uint32_t agent)
{
	ck_assert_uint_lt(agent, RIG_AGENTS);
	return ninbox[agent];
}

const struct rig_msg *rig_msg(uint32_t agent, int i)
{
	ck_assert_uint_lt(agent, RIG_AGENTS);
	ck_assert_int_lt(i, RIG_INBOX);
	return &inbox[agent][i];
}

int32_t rig_cmd(struct scmi_server *srv, uint32_t agent, uint32_t hdr, int n, const uint32_t *w,
		  uint8_t *resp, size_t cap, size_t *resp_len)
{
	uint8_t req[SCMI_MSG_MAX + 8];
	int32_t status;

	ck_assert_uint_le(4 + 4 * (size_t)n, sizeof(req));
	vscmi_put_le32(req, hdr);
	for (int i = 0; i < n; i++)
		vscmi_put_le32(req + 4 + 4 * i, w[i]);
	*resp_len = scmi_server_handle(srv, scmi_server_agent(srv, agent), req, 4 + 4 * (size_t)n,
				       resp, cap);
	ck_assert_uint_ge(*resp_len, 8);
	ck_assert_uint_eq(vscmi_get_le32(resp), hdr);
	status = (int32_t)vscmi_get_le32(resp + 4);
	if (status != SCMI_SUCCESS)
		ck_assert_uint_eq(*resp_len, 8);
	return status;
}

int64_t rig_emu(struct vscmi_platform *emu, enum vscmi_op_type t, uint32_t id)
{
	int64_t v = -1;

	ck_assert_int_eq(vscmi_emu_state(emu, t, id, &v), 0);
	return v;
}

/* --- the server the SCMI suites drive ------------------------------------- */

struct rig rig;

/* Builds the arbiter and the server of rig.model over on, and gives every
 * agent a p2a channel to its inbox. */
static void rig_start(struct vscmi_platform *on, const struct scmi_hooks *hooks)
{
	rig.arb = arb_new(&rig.model, on);
	ck_assert_ptr_nonnull(rig.arb);
	rig.srv = scmi_server_new(&rig.model, rig.arb, on, hooks);
	ck_assert_ptr_nonnull(rig.srv);
	for (uint32_t i = 1; i <= rig.model.nagents; i++)
		rig_set_output(rig.srv, i, true);
}

void rig_teardown(void)
{
	scmi_server_free(rig.srv);
	arb_free(rig.arb);
	vscmi_platform_free(rig.plat);
	vscmi_model_free(&rig.model);
}

/* The video system's clocks. */
enum { PLL, CAM_PIX, DISP_PIX, CAM_CORE, IVI_AUDIO };

static int t_system(void *ctx, struct scmi_agent *a, uint32_t flags, uint32_t state)
{
	rig.sys_calls++;
	rig.sys_state = state;
	return 0;
}

/* views: pairs of (resource index, name or NULL), terminated by -1 */
static void add_views(struct vscmi_agent_desc *a, enum vscmi_kind k, ...)
{
	va_list ap;
	int idx;

	va_start(ap, k);
	while ((idx = va_arg(ap, int)) >= 0) {
		const char *name = va_arg(ap, const char *);

		rig_add_view(a, k, (uint32_t)idx, name);
	}
	va_end(ap);
}

void rig_video_setup(void)
{
	struct vscmi_model *m = &rig.model;
	struct vscmi_res_desc *d;
	struct vscmi_agent_desc *a;
	struct scmi_hooks hooks = { .defer = rig_defer, .system_power = t_system };

	memset(&rig, 0, sizeof(rig));
	rig_reset(32);

	rig_add_res(m, VSCMI_CLOCK, "pll_video", 10, -1);
	d = &m->res[VSCMI_CLOCK][PLL];
	d->u.clock.policy = VSCMI_POLICY_FIXED;
	d->u.clock.rate = 1188000000;
	d->u.clock.rates.count = 1;
	d->u.clock.rates.values[0] = 1188000000;
	rig_add_res(m, VSCMI_CLOCK, "cam_pix", 11, PLL);
	rig_add_res(m, VSCMI_CLOCK, "disp_pix", 12, PLL);
	for (int i = CAM_PIX; i <= DISP_PIX; i++) {
		d = &m->res[VSCMI_CLOCK][i];
		d->u.clock.policy = VSCMI_POLICY_EXCLUSIVE;
		rig_segment(&d->u.clock.rates, 25000000, 200000000, 1000);
		d->u.clock.rate = 25000000;
	}
	rig_add_res(m, VSCMI_CLOCK, "cam_core", 13, -1);
	d = &m->res[VSCMI_CLOCK][CAM_CORE];
	d->u.clock.policy = VSCMI_POLICY_EXCLUSIVE;
	d->u.clock.rates.count = 20;
	for (int i = 0; i < 20; i++)
		d->u.clock.rates.values[i] = 100000000 + i * 10000000;
	d->u.clock.rate = 100000000;
	rig_add_res(m, VSCMI_CLOCK, "ivi_audio_mclk_with_a_long_name", 14, -1);
	d = &m->res[VSCMI_CLOCK][IVI_AUDIO];
	d->u.clock.policy = VSCMI_POLICY_MAX;
	d->u.clock.rates.count = 2;
	d->u.clock.rates.values[0] = 12288000;
	d->u.clock.rates.values[1] = 24576000;
	d->u.clock.rate = 12288000;

	rig_add_res(m, VSCMI_POWER, "isp", 3, -1);
	d = &m->res[VSCMI_POWER][0];
	d->u.power.nstates = 3;
	d->u.power.states[0] = (struct vscmi_pd_state){ "on", 0x0 };
	d->u.power.states[1] = (struct vscmi_pd_state){ "ret", 0x40000001 };
	d->u.power.states[2] = (struct vscmi_pd_state){ "off", 0x40000000 };
	d->u.power.initial = 2;

	rig_add_res(m, VSCMI_RESET, "rst_bus", 5, -1);
	m->res[VSCMI_RESET][0].u.reset.asserted = true;
	rig_add_res(m, VSCMI_RESET, "rst_csi", 6, -1);
	m->res[VSCMI_RESET][1].u.reset.asserted = true;
	rig_add_res(m, VSCMI_RESET, "rst_isp", 7, -1);
	m->res[VSCMI_RESET][2].u.reset.allow_autonomous = true;

	rig_add_res(m, VSCMI_SENSOR, "soc_temp", 20, -1);
	m->res[VSCMI_SENSOR][0].u.sensor.type = 2;
	m->res[VSCMI_SENSOR][0].u.sensor.value = 45000;

	a = rig_add_agent(m, "camera", SCMI_PROTO_ALL, SCMI_DEFAULT_PAYLOAD);
	add_views(a, VSCMI_CLOCK, CAM_PIX, "pixel", CAM_CORE, NULL, -1);
	add_views(a, VSCMI_SENSOR, 0, NULL, -1);
	add_views(a, VSCMI_POWER, 0, NULL, -1);
	add_views(a, VSCMI_RESET, 0, NULL, 1, "csi", 2, NULL, -1);
	a = rig_add_agent(m, "display", SCMI_PROTO_ALL, SCMI_DEFAULT_PAYLOAD);
	add_views(a, VSCMI_CLOCK, DISP_PIX, "pixel", CAM_CORE, "core", -1);
	add_views(a, VSCMI_RESET, 0, NULL, 2, NULL, -1);
	a = rig_add_agent(m, "ivi",
			  SCMI_PROTO_BIT(SCMI_PROTO_POWER) | SCMI_PROTO_BIT(SCMI_PROTO_CLOCK) |
				  SCMI_PROTO_BIT(SCMI_PROTO_SYSTEM),
			  SCMI_DEFAULT_PAYLOAD);
	add_views(a, VSCMI_CLOCK, IVI_AUDIO, NULL, -1);
	add_views(a, VSCMI_POWER, 0, "isp", -1);
	a = rig_add_agent(m, "ops", SCMI_PROTO_BIT(SCMI_PROTO_SYSTEM), SCMI_DEFAULT_PAYLOAD);
	a->privileged = true;

	rig.plat = vscmi_emu_new(m);
	ck_assert_ptr_nonnull(rig.plat);
	rig_start(rig.plat, &hooks);
}

/* The gfx system's platform: transitions go to the emulated platform (so
 * its counters can be asked); sensor readings are what the test last set. */
static int shim_apply(struct vscmi_platform *p, const struct vscmi_op *op)
{
	return vscmi_platform_apply(rig.plat, op);
}

static int shim_sensor_read(struct vscmi_platform *p, uint32_t id, int64_t *value,
			    uint64_t *timestamp)
{
	if (rig.sensor_err)
		return rig.sensor_err;
	if (id < SENSOR_PLAT || id >= SENSOR_PLAT + NSENSORS)
		return -ENOENT;
	*value = rig.sensor_val[id - SENSOR_PLAT];
	*timestamp = TS;
	return 0;
}

static uint64_t shim_delay(struct vscmi_platform *p, const struct vscmi_op *op)
{
	return rig.plat->ops->completion_delay_us(rig.plat, op);
}

static void shim_destroy(struct vscmi_platform *p)
{
}

static const struct vscmi_platform_ops shim_ops = {
	.name = "test",
	.apply = shim_apply,
	.sensor_read = shim_sensor_read,
	.completion_delay_us = shim_delay,
	.destroy = shim_destroy,
};

static void build_gfx(struct vscmi_model *m)
{
	struct vscmi_agent_desc *a;
	struct vscmi_res_desc *d;

	d = rig_add_res(m, VSCMI_PERF, "gpu", 20, -1);
	d->u.perf.nlevels = GPU_LEVELS;
	for (uint32_t i = 0; i < GPU_LEVELS; i++)
		d->u.perf.levels[i] = (struct vscmi_perf_level){
			.perf = gpu_perf(i),
			.power = 50 * (i + 1),
			.latency_us = i == GPU_LEVELS - 1 ? 100000 : 10 + i,
			.freq_khz = 200000 * (i + 1),
		};
	d->u.perf.initial = 100;
	d->u.perf.rate_limit_us = 0x123456;
	d = rig_add_res(m, VSCMI_PERF, LONG_CPU, 21, -1);
	d->u.perf.nlevels = 3;
	for (uint32_t i = 0; i < 3; i++)
		d->u.perf.levels[i] =
			(struct vscmi_perf_level){ 10 * (i + 1), 1, 1, 1000 * (i + 1) };
	d->u.perf.initial = 10;

	d = rig_add_res(m, VSCMI_SENSOR, "soc_temp", SENSOR_PLAT + R_SOC, -1);
	d->u.sensor.type = 2;
	d->u.sensor.scale = -3;
	d->u.sensor.period_ms = 2500;
	d = rig_add_res(m, VSCMI_SENSOR, LONG_BOARD, SENSOR_PLAT + R_BOARD, -1);
	d->u.sensor.type = 2;
	for (int i = 2; i < NSENSORS; i++) {
		char name[8];

		snprintf(name, sizeof(name), "s%d", i);
		d = rig_add_res(m, VSCMI_SENSOR, name, SENSOR_PLAT + (uint32_t)i, -1);
		d->u.sensor.type = 5;
		d->u.sensor.scale = 3;
		d->u.sensor.period_ms = 60000;
	}

	d = rig_add_res(m, VSCMI_VOLTAGE, "vdd_cam", 40, -1);
	d->u.voltage.policy = VSCMI_POLICY_MAX;
	d->u.voltage.levels.count = VCAM_LEVELS;
	for (uint32_t i = 0; i < VCAM_LEVELS; i++)
		d->u.voltage.levels.values[i] = vcam_uv(i);
	d->u.voltage.level = vcam_uv(0);
	d = rig_add_res(m, VSCMI_VOLTAGE, "vdd_io", 41, -1);
	d->u.voltage.policy = VSCMI_POLICY_EXCLUSIVE;
	rig_segment(&d->u.voltage.levels, 1700000, 1900000, 50000);
	d->u.voltage.level = 1800000;
	d = rig_add_res(m, VSCMI_VOLTAGE, LONG_VCORE, 42, -1);
	d->u.voltage.policy = VSCMI_POLICY_FIXED;
	d->u.voltage.levels.count = 1;
	d->u.voltage.levels.values[0] = 900000;
	d->u.voltage.level = 900000;
	d->u.voltage.on = true;

	/* gfx numbers the gpu 1 and sees everything; hmi numbers the gpu 0,
	 * sees two sensors and two regulators, in another order. */
	a = rig_add_agent(m, "gfx", SCMI_PROTO_ALL, SCMI_DEFAULT_PAYLOAD);
	rig_add_view(a, VSCMI_PERF, R_CPU, NULL);
	rig_add_view(a, VSCMI_PERF, R_GPU, NULL);
	for (uint32_t i = 0; i < NSENSORS; i++)
		rig_add_view(a, VSCMI_SENSOR, i, NULL);
	rig_add_view(a, VSCMI_VOLTAGE, R_VCAM, NULL);
	rig_add_view(a, VSCMI_VOLTAGE, R_VIO, NULL);
	rig_add_view(a, VSCMI_VOLTAGE, R_VCORE, NULL);
	a = rig_add_agent(m, "hmi", SCMI_PROTO_ALL, HMI_PAYLOAD);
	rig_add_view(a, VSCMI_PERF, R_GPU, "3d");
	rig_add_view(a, VSCMI_SENSOR, R_BOARD, "ambient");
	rig_add_view(a, VSCMI_SENSOR, R_SOC, NULL);
	rig_add_view(a, VSCMI_VOLTAGE, R_VCORE, NULL);
	rig_add_view(a, VSCMI_VOLTAGE, R_VCAM, "cam");
}

void rig_gfx_setup(void)
{
	struct scmi_hooks hooks = { .defer = rig_defer };

	memset(&rig, 0, sizeof(rig));
	build_gfx(&rig.model);
	rig_reset(RIG_INBOX);
	rig.plat = vscmi_emu_new(&rig.model);
	ck_assert_ptr_nonnull(rig.plat);
	rig.shim.ops = &shim_ops;
	rig_start(&rig.shim, &hooks);
}

void rig_powercap_setup(void)
{
	struct vscmi_model *m = &rig.model;
	struct scmi_hooks hooks = { .defer = rig_defer };
	struct vscmi_res_desc *d;
	struct vscmi_agent_desc *a;

	memset(&rig, 0, sizeof(rig));
	rig_reset(RIG_INBOX);
	d = rig_add_res(m, VSCMI_POWERCAP, "soc", 40, -1);
	d->u.powercap = (typeof(d->u.powercap)){ .unit = 2, .cap_min = 1000, .cap_max = 8000,
						 .cap_step = 500, .cap = 8000, .pai_min = 1000,
						 .pai_max = 100000, .pai_step = 1000,
						 .pai = 10000, .sustainable = 5000,
						 .accuracy = 7, .load = 6000 };
	d = rig_add_res(m, VSCMI_POWERCAP, "gpu", 41, 0);
	d->u.powercap = (typeof(d->u.powercap)){ .unit = 1, .cap_min = 500, .cap_max = 4000,
						 .cap_step = 500, .cap = 4000, .pai_min = 1000,
						 .pai_max = 10000, .pai_step = 1000, .pai = 5000,
						 .load = 3000 };
	d = rig_add_res(m, VSCMI_POWERCAP, "dsp_fixed_power_domain", 42, -1);
	d->u.powercap = (typeof(d->u.powercap)){ .unit = 2, .cap_min = 2000, .cap_max = 2000,
						 .cap = 2000, .pai_min = 1000, .pai_max = 1000,
						 .pai = 1000, .load = 2500 };
	a = rig_add_agent(m, "gfx", SCMI_PROTO_ALL, SCMI_DEFAULT_PAYLOAD);
	add_views(a, VSCMI_POWERCAP, 0, NULL, 1, NULL, -1);
	a = rig_add_agent(m, "hmi", SCMI_PROTO_ALL, SCMI_DEFAULT_PAYLOAD);
	add_views(a, VSCMI_POWERCAP, 1, "g", 2, NULL, -1);
	a = rig_add_agent(m, "readonly", SCMI_PROTO_BIT(SCMI_PROTO_POWERCAP), SCMI_DEFAULT_PAYLOAD);
	add_views(a, VSCMI_POWERCAP, 1, NULL, -1);
	rig.plat = vscmi_emu_new(m);
	ck_assert_ptr_nonnull(rig.plat);
	rig_start(rig.plat, &hooks);
}

int32_t rig_sendv(uint32_t agent, uint8_t proto, uint8_t msg, int n, const uint32_t *w)
{
	memset(rig.resp, 0xa5, sizeof(rig.resp));
	return rig_cmd(rig.srv, agent, SCMI_HDR(msg, SCMI_TYPE_COMMAND, proto, RIG_TOKEN), n, w,
		       rig.resp, sizeof(rig.resp), &rig.resp_len);
}

int32_t rig_status(void)
{
	return (int32_t)vscmi_get_le32(rig.resp + 4);
}

uint32_t rig_rv(size_t i)
{
	ck_assert_uint_ge(rig.resp_len, 8 + 4 * (i + 1));
	return vscmi_get_le32(rig.resp + 8 + 4 * i);
}

const char *rig_name(size_t off, size_t width)
{
	ck_assert_uint_ge(rig.resp_len, 8 + off + width);
	ck_assert_uint_eq(rig.resp[8 + off + width - 1], 0);
	return (const char *)rig.resp + 8 + off;
}

void rig_expect_truncated(const char *field, const char *full)
{
	ck_assert_uint_eq(strnlen(field, 16), 15);
	ck_assert_int_eq(memcmp(field, full, 15), 0);
}

void rig_expect_msg(uint32_t agent, int i, uint32_t hdr, int n, ...)
{
	const uint8_t *b;
	va_list ap;

	ck_assert_int_gt(rig_ninbox(agent), i);
	b = rig_msg(agent, i)->b;
	ck_assert_uint_eq(rig_msg(agent, i)->len, 4 + 4 * (size_t)n);
	ck_assert_uint_eq(vscmi_get_le32(b), hdr);
	va_start(ap, n);
	for (int k = 0; k < n; k++) {
		uint32_t want = va_arg(ap, uint32_t);

		ck_assert_msg(vscmi_get_le32(b + 4 + 4 * k) == want,
			      "agent %u msg %d word %d: 0x%x, want 0x%x", agent, i, k,
			      vscmi_get_le32(b + 4 + 4 * k), want);
	}
	va_end(ap);
}

struct scmi_agent_stats rig_stats(uint32_t agent)
{
	struct scmi_agent_stats st;

	scmi_agent_stats(scmi_server_agent(rig.srv, agent), &st);
	return st;
}

void rig_p2a(uint32_t agent, bool on)
{
	rig_set_output(rig.srv, agent, on);
}

/* --- suites --------------------------------------------------------------- */

TCase *rig_tcase(Suite *s, const char *name, void (*setup)(void), void (*teardown)(void))
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	suite_add_tcase(s, tc);
	return tc;
}

int rig_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
