/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmid.conf parser: the shipped example, every error class, continuation
 * lines. Error messages must name FILE:LINE. */
#include <check.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vscmi-build.h"
#include "vscmi/config.h"
#include "vscmi/scmi.h"

static char conf_path[256];
static char err[512];

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	snprintf(conf_path, sizeof(conf_path), "%s/vscmi-test-XXXXXX.conf", tmp ? tmp : "/tmp");
	fd = mkstemps(conf_path, 5);
	ck_assert_int_ge(fd, 0);
	close(fd);
	err[0] = '\0';
}

static void teardown(void)
{
	unlink(conf_path);
}

static void write_conf(const char *text)
{
	FILE *f = fopen(conf_path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static struct vscmi_config *load_ok(const char *text)
{
	struct vscmi_config *cfg = NULL;
	int r;

	write_conf(text);
	r = vscmi_config_load(conf_path, &cfg, err, sizeof(err));
	ck_assert_msg(r == 0, "load failed: %s", err);
	ck_assert_ptr_nonnull(cfg);
	return cfg;
}

/* The error must read "PATH:LINE: ..." and contain msg. */
static void expect_error(const char *text, int line, const char *msg)
{
	struct vscmi_config *cfg = (void *)1;
	char prefix[300];
	int r;

	write_conf(text);
	r = vscmi_config_load(conf_path, &cfg, err, sizeof(err));
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_null(cfg);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", conf_path, line);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "expected '%s...', got '%s'",
		      prefix, err);
	ck_assert_msg(strstr(err, msg) != NULL, "expected '%s' in '%s'", msg, err);
}

static const struct vscmi_res_desc *res_by_name(const struct vscmi_model *m,
						enum vscmi_kind kind, const char *name)
{
	for (uint32_t i = 0; i < m->nres[kind]; i++)
		if (strcmp(m->res[kind][i].name, name) == 0)
			return &m->res[kind][i];
	ck_abort_msg("%s %s not found", vscmi_kind_name(kind), name);
	return NULL;
}

static int res_index(const struct vscmi_model *m, enum vscmi_kind kind, const char *name)
{
	return (int)(res_by_name(m, kind, name) - m->res[kind]);
}

static const struct vscmi_agent_desc *agent_by_name(const struct vscmi_model *m,
						    const char *name)
{
	for (uint32_t i = 0; i < m->nagents; i++)
		if (strcmp(m->agents[i].name, name) == 0)
			return &m->agents[i];
	ck_abort_msg("agent %s not found", name);
	return NULL;
}

static void check_view(const struct vscmi_model *m, const struct vscmi_agent_desc *a,
		       enum vscmi_kind kind, uint32_t vid, const char *res, const char *name)
{
	ck_assert_uint_lt(vid, a->nviews[kind]);
	ck_assert_str_eq(m->res[kind][a->views[kind][vid].res].name, res);
	ck_assert_str_eq(a->views[kind][vid].name, name);
}

/* The shipped example */

START_TEST(test_shipped_conf)
{
	const char *path = getenv("VSCMI_TEST_CONF");
	const struct vscmi_res_desc *d;
	const struct vscmi_agent_desc *a;
	struct vscmi_config *cfg = NULL;
	const struct vscmi_model *m;
	int r;

	ck_assert_msg(path != NULL, "VSCMI_TEST_CONF is not set");
	r = vscmi_config_load(path, &cfg, err, sizeof(err));
	ck_assert_msg(r == 0, "%s", err);
	m = &cfg->model;

	ck_assert_str_eq(cfg->control, "/run/vscmi/control");
	ck_assert_str_eq(cfg->socket_dir, "/run/vscmi");
	ck_assert_str_eq(cfg->platform, "emulated");
	/* The linux-raw link's defaults. */
	ck_assert_str_eq(cfg->raw_dir, "/sys/kernel/debug/scmi");
	ck_assert_uint_eq(cfg->raw_instance, 0);
	ck_assert_int_eq(cfg->raw_channel, -1);
	ck_assert_uint_eq(cfg->upstream_timeout_ms, 1000);

	ck_assert_uint_eq(m->nres[VSCMI_CLOCK], 6);
	ck_assert_uint_eq(m->nres[VSCMI_POWER], 3);
	ck_assert_uint_eq(m->nres[VSCMI_RESET], 3);
	ck_assert_uint_eq(m->nres[VSCMI_VOLTAGE], 1);
	ck_assert_uint_eq(m->nres[VSCMI_PERF], 1);
	ck_assert_uint_eq(m->nres[VSCMI_SENSOR], 1);
	ck_assert_uint_eq(m->nres[VSCMI_POWERCAP], 2);
	ck_assert_uint_eq(m->nagents, 4);

	d = res_by_name(m, VSCMI_CLOCK, "pll_video");
	ck_assert_int_eq(d->parent, -1);
	ck_assert_int_eq(d->u.clock.policy, VSCMI_POLICY_FIXED);
	ck_assert_uint_eq(d->u.clock.rate, 1188000000u);
	ck_assert_uint_eq(d->u.clock.rates.count, 2);
	ck_assert(!d->u.clock.on);
	d = res_by_name(m, VSCMI_CLOCK, "cam_pix");
	ck_assert_int_eq(d->parent, res_index(m, VSCMI_CLOCK, "pll_video"));
	ck_assert(d->u.clock.rates.segment);
	ck_assert_int_eq(d->u.clock.rates.min, 25000000);
	ck_assert_int_eq(d->u.clock.rates.step, 1000000);
	ck_assert_uint_eq(d->u.clock.rate, 25000000u);
	d = res_by_name(m, VSCMI_CLOCK, "disp_pix");
	ck_assert_int_eq(d->parent, res_index(m, VSCMI_CLOCK, "pll_video"));
	ck_assert_int_eq(d->u.clock.rates.values[0], 74250000);
	ck_assert_int_eq(res_by_name(m, VSCMI_CLOCK, "cam_core")->u.clock.policy,
			 VSCMI_POLICY_EXCLUSIVE);

	d = res_by_name(m, VSCMI_POWER, "isp");
	ck_assert_int_eq(d->parent, res_index(m, VSCMI_POWER, "media"));
	ck_assert_uint_eq(d->u.power.nstates, 3);
	ck_assert_str_eq(d->u.power.states[1].name, "ret");
	ck_assert_uint_eq(d->u.power.states[1].value, 0x40000001);
	ck_assert_uint_eq(d->u.power.initial, 2);
	d = res_by_name(m, VSCMI_POWER, "dpu");
	ck_assert_uint_eq(d->u.power.nstates, 2);
	ck_assert_uint_eq(d->u.power.states[1].value, 0x40000000);

	d = res_by_name(m, VSCMI_RESET, "rst_bus");
	ck_assert(d->u.reset.asserted);
	ck_assert(!d->u.reset.allow_autonomous);
	ck_assert(res_by_name(m, VSCMI_RESET, "rst_audio")->u.reset.allow_autonomous);

	d = res_by_name(m, VSCMI_VOLTAGE, "vdd_sensor");
	ck_assert_int_eq(d->u.voltage.policy, VSCMI_POLICY_MAX);
	ck_assert_int_eq(d->u.voltage.level, 1800000);

	d = res_by_name(m, VSCMI_PERF, "gpu");
	ck_assert_uint_eq(d->u.perf.nlevels, 5);
	ck_assert_uint_eq(d->u.perf.levels[4].perf, 500);
	ck_assert_uint_eq(d->u.perf.levels[4].freq_khz, 1000000);
	ck_assert_uint_eq(d->u.perf.initial, 100);

	d = res_by_name(m, VSCMI_SENSOR, "soc_temp");
	ck_assert_uint_eq(d->u.sensor.type, 2);
	ck_assert_int_eq(d->u.sensor.scale, -3);

	d = res_by_name(m, VSCMI_POWERCAP, "soc_power");
	ck_assert_int_eq(d->parent, -1);
	ck_assert_uint_eq(d->u.powercap.unit, 2);
	ck_assert_uint_eq(d->u.powercap.cap_min, 1000);
	ck_assert_uint_eq(d->u.powercap.cap_max, 8000);
	ck_assert_uint_eq(d->u.powercap.cap_step, 500);
	ck_assert_uint_eq(d->u.powercap.cap, 8000);
	ck_assert_uint_eq(d->u.powercap.pai_max, 100000);
	ck_assert_uint_eq(d->u.powercap.pai, 10000);
	ck_assert_uint_eq(d->u.powercap.load, 6000);
	ck_assert_uint_eq(d->u.powercap.swing, 1500);
	d = res_by_name(m, VSCMI_POWERCAP, "gpu_power");
	ck_assert_int_eq(d->parent, res_index(m, VSCMI_POWERCAP, "soc_power"));
	/* defaults: the top cap, a fixed 1 ms PAI */
	ck_assert_uint_eq(d->u.powercap.cap, 4000);
	ck_assert_uint_eq(d->u.powercap.pai_min, 1000);
	ck_assert_uint_eq(d->u.powercap.pai_max, 1000);
	ck_assert_uint_eq(d->u.powercap.pai, 1000);
	ck_assert_uint_eq(d->u.powercap.pai_step, 0);

	/* agents in file order: ids 1..4 */
	ck_assert_str_eq(m->agents[0].name, "camera");
	ck_assert_str_eq(m->agents[1].name, "display");
	ck_assert_str_eq(m->agents[2].name, "infotainment");
	ck_assert_str_eq(m->agents[3].name, "ops");

	a = agent_by_name(m, "camera");
	ck_assert_int_eq(a->match, VSCMI_MATCH_NAME);
	ck_assert_str_eq(a->match_name, "camera");
	ck_assert_str_eq(a->socket, "/run/vscmi/camera.sock");
	check_view(m, a, VSCMI_CLOCK, 0, "cam_pix", "pixel");
	check_view(m, a, VSCMI_CLOCK, 1, "cam_core", "core");
	check_view(m, a, VSCMI_POWER, 0, "isp", "isp");
	check_view(m, a, VSCMI_RESET, 0, "rst_bus", "bus");
	check_view(m, a, VSCMI_RESET, 1, "rst_csi", "csi");
	check_view(m, a, VSCMI_VOLTAGE, 0, "vdd_sensor", "vdd");
	ck_assert_uint_eq(a->nviews[VSCMI_PERF], 0);
	ck_assert(!(a->protocols & SCMI_PROTO_BIT(SCMI_PROTO_PERF)));

	a = agent_by_name(m, "display");
	ck_assert_int_eq(a->match, VSCMI_MATCH_DOMID);
	ck_assert_uint_eq(a->match_domid, 2);
	check_view(m, a, VSCMI_CLOCK, 0, "disp_pix", "pixel");
	check_view(m, a, VSCMI_CLOCK, 1, "cam_core", "core");
	check_view(m, a, VSCMI_CLOCK, 2, "disp_axi", "axi");
	check_view(m, a, VSCMI_RESET, 0, "rst_bus", "bus");
	check_view(m, a, VSCMI_PERF, 0, "gpu", "gpu");

	a = agent_by_name(m, "infotainment");
	ck_assert_str_eq(a->match_name, "ivi");
	ck_assert(!a->privileged);
	ck_assert_uint_eq(a->protocols, SCMI_PROTO_ALL | SCMI_PROTO_BIT(SCMI_PROTO_PINCTRL));
	check_view(m, a, VSCMI_POWER, 0, "isp", "isp");
	check_view(m, a, VSCMI_PIN, 0, "i2s_bclk", "bclk");
	check_view(m, a, VSCMI_PIN_GROUP, 0, "i2s_grp", "i2s");
	check_view(m, a, VSCMI_PIN_FUNC, 1, "gpio", "gpio");
	d = res_by_name(m, VSCMI_PIN, "mic_mute");
	ck_assert_int_eq(d->u.pin.func, res_index(m, VSCMI_PIN_FUNC, "gpio"));
	ck_assert_uint_eq(d->u.pin.cfg[4], 1);
	check_view(m, a, VSCMI_VOLTAGE, 0, "vdd_sensor", "mic");
	check_view(m, a, VSCMI_PERF, 0, "gpu", "gpu");
	check_view(m, a, VSCMI_POWERCAP, 0, "soc_power", "soc");
	check_view(m, a, VSCMI_POWERCAP, 1, "gpu_power", "gpu");

	a = agent_by_name(m, "ops");
	ck_assert(a->privileged);
	ck_assert_int_eq(a->match, VSCMI_MATCH_NONE);
	ck_assert_uint_eq(a->protocols, SCMI_PROTO_BIT(SCMI_PROTO_BASE) |
						SCMI_PROTO_BIT(SCMI_PROTO_SYSTEM) |
						SCMI_PROTO_BIT(SCMI_PROTO_SENSOR));
	ck_assert_uint_eq(a->nviews[VSCMI_CLOCK], 0);
	check_view(m, a, VSCMI_SENSOR, 0, "soc_temp", "soc_temp");
	ck_assert_uint_eq(a->max_msg_size, SCMI_DEFAULT_PAYLOAD);

	vscmi_config_free(cfg);
}
END_TEST

/* Defaults and good values */

START_TEST(test_defaults)
{
	struct vscmi_config *cfg = load_ok("[clock c]\n"
					   "id = 0x10\n"
					   "range = 1k 2M 1k\n"
					   "[power p]\n"
					   "id = 0\n"
					   "[reset r]\n"
					   "id = 0\n"
					   "[voltage v]\n"
					   "id = 0\n"
					   "levels = -500000 0 500000\n"
					   "[agent a]\n"
					   "clocks = c\n");
	const struct vscmi_model *m = &cfg->model;

	ck_assert_str_eq(cfg->control, VSCMI_RUNDIR "/control");
	ck_assert_uint_eq(m->res[VSCMI_CLOCK][0].plat_id, 16);
	ck_assert_int_eq(m->res[VSCMI_CLOCK][0].u.clock.rates.max, 2000000);
	ck_assert_uint_eq(m->res[VSCMI_CLOCK][0].u.clock.rate, 1000);
	ck_assert_int_eq(m->res[VSCMI_CLOCK][0].u.clock.policy, VSCMI_POLICY_EXCLUSIVE);
	ck_assert_uint_eq(m->res[VSCMI_POWER][0].u.power.nstates, 2);
	ck_assert_str_eq(m->res[VSCMI_POWER][0].u.power.states[0].name, "on");
	ck_assert_uint_eq(m->res[VSCMI_POWER][0].u.power.initial, 1);
	ck_assert(m->res[VSCMI_RESET][0].u.reset.asserted);
	ck_assert_int_eq(m->res[VSCMI_VOLTAGE][0].u.voltage.level, -500000);
	ck_assert_str_eq(m->agents[0].socket, VSCMI_RUNDIR "/a.sock");
	ck_assert_uint_eq(m->agents[0].protocols, SCMI_PROTO_ALL);
	ck_assert_uint_eq(m->agents[0].max_msg_size, 128);
	vscmi_config_free(cfg);
}
END_TEST

START_TEST(test_powercap_domain)
{
	struct vscmi_config *cfg = load_ok("[powercap top]\n"
					   "id = 7\n"
					   "unit = uW\n"
					   "cap_range = 1000 1000\n"
					   "[powercap leaf]\n"
					   "id = 8\n"
					   "parent = top\n"
					   "cap_range = 100 900 100\n"
					   "cap = none\n"
					   "pai_range = 10 90 10\n"
					   "pai = 30\n"
					   "[agent a]\n"
					   "powercaps = leaf:l top\n");
	const struct vscmi_model *m = &cfg->model;
	const struct vscmi_res_desc *d = &m->res[VSCMI_POWERCAP][0];

	ck_assert_uint_eq(d->plat_id, 7);
	ck_assert_uint_eq(d->u.powercap.unit, 1);
	ck_assert_uint_eq(d->u.powercap.cap, 1000);
	ck_assert_uint_eq(d->u.powercap.cap_step, 0);
	ck_assert_uint_eq(d->u.powercap.load, 500);
	d = &m->res[VSCMI_POWERCAP][1];
	ck_assert_int_eq(d->parent, 0);
	ck_assert_uint_eq(d->u.powercap.unit, 2);
	ck_assert_uint_eq(d->u.powercap.cap, 0);
	ck_assert_uint_eq(d->u.powercap.pai, 30);
	ck_assert_uint_eq(m->agents[0].nviews[VSCMI_POWERCAP], 2);
	ck_assert_uint_eq(m->agents[0].views[VSCMI_POWERCAP][0].res, 1);
	ck_assert_str_eq(m->agents[0].views[VSCMI_POWERCAP][0].name, "l");
	ck_assert_uint_eq(m->agents[0].protocols & SCMI_PROTO_BIT(SCMI_PROTO_POWERCAP),
			  SCMI_PROTO_BIT(SCMI_PROTO_POWERCAP));
	vscmi_config_free(cfg);
}
END_TEST

START_TEST(test_extreme_values_within_bounds)
{
	struct vscmi_config *cfg = load_ok("[clock c]\n"
					   "id = 0\n"
					   "range = 1 4611686018427387904 4611686018427387904\n"
					   "[sensor s]\n"
					   "id = 0\n"
					   "value = -4611686018427387904\n"
					   "amplitude = 4611686018427387904\n"
					   "[voltage v]\n"
					   "id = 0\n"
					   "range = -2147483648 2147483647 2147483647\n");
	const struct vscmi_range *rg = &cfg->model.res[VSCMI_CLOCK][0].u.clock.rates;
	int64_t out = 0;

	ck_assert_int_eq(rg->max, VSCMI_VALUE_MAX);
	ck_assert_int_eq(vscmi_range_fit(rg, 5, 1, &out), -ERANGE);
	ck_assert_int_eq(vscmi_range_fit(rg, 5, -1, &out), 0);
	ck_assert_int_eq(out, 1);
	ck_assert_int_eq(cfg->model.res[VSCMI_SENSOR][0].u.sensor.value, -VSCMI_VALUE_MAX);
	rg = &cfg->model.res[VSCMI_VOLTAGE][0].u.voltage.levels;
	ck_assert_int_eq(vscmi_range_fit(rg, 0, 1, &out), 0);
	ck_assert_int_eq(out, INT32_MAX - 1);
	vscmi_config_free(cfg);
}
END_TEST

/* A model need not come from a config: rounding is exact over the whole
 * int64_t range. */
START_TEST(test_range_fit_never_overflows)
{
	struct vscmi_range r = { .segment = true, .min = 1, .max = INT64_MAX, .step = INT64_MAX };
	int64_t out = 0;

	ck_assert_int_eq(vscmi_range_fit(&r, 5, 1, &out), -ERANGE);
	ck_assert_int_eq(vscmi_range_fit(&r, 5, -1, &out), 0);
	ck_assert_int_eq(out, 1);
	ck_assert_int_eq(vscmi_range_fit(&r, 5, 0, &out), -EINVAL);

	r = (struct vscmi_range){ .segment = true, .min = INT64_MIN, .max = INT64_MAX, .step = 3 };
	/* 2^64 - 2 above the minimum: two above a step */
	ck_assert_int_eq(vscmi_range_fit(&r, INT64_MAX - 1, 1, &out), 0);
	ck_assert_int_eq(out, INT64_MAX);
	ck_assert_int_eq(vscmi_range_fit(&r, INT64_MAX - 1, -1, &out), 0);
	ck_assert_int_eq(out, INT64_MAX - 3);
	ck_assert_int_eq(vscmi_range_fit(&r, INT64_MAX, 0, &out), 0);
	ck_assert_int_eq(out, INT64_MAX);
	ck_assert_int_eq(vscmi_range_fit(&r, INT64_MIN + 1, 1, &out), 0);
	ck_assert_int_eq(out, INT64_MIN + 3);

	r.max = INT64_MAX - 1;
	ck_assert_int_eq(vscmi_range_fit(&r, INT64_MAX - 2, 1, &out), -ERANGE);
}
END_TEST

/* Pins, groups and functions, an agent's view of them, and what "all
 * protocols" means for an agent with pins. */
START_TEST(test_pin_control)
{
	struct vscmi_config *cfg = load_ok("[pin tx]\nid = 10\nfunction = uart\n"
					   "configs = bias-pull-up:1 drive-strength:8 15:1\n"
					   "[pin rx]\nid = 11\n"
					   "[pin-group uart_grp]\nid = 3\npins = tx rx\n"
					   "[pin-function uart]\nid = 7\ngroups = uart_grp\n"
					   "[pin-function gpio]\nid = 8\npins = rx\n"
					   "[agent a]\npins = rx tx:serial_tx\npin-groups = uart_grp\n"
					   "pin-functions = gpio uart\n"
					   "[agent b]\n"
					   "[agent c]\npins = rx\nprotocols = clock\n");
	const struct vscmi_model *m = &cfg->model;
	const struct vscmi_res_desc *d = res_by_name(m, VSCMI_PIN, "tx");
	const struct vscmi_agent_desc *a = agent_by_name(m, "a");

	ck_assert_int_eq(d->u.pin.func, res_index(m, VSCMI_PIN_FUNC, "uart"));
	ck_assert_uint_eq(d->u.pin.cfg_mask, 1u << 4 | 1u << 10 | 1u << 15);
	ck_assert_uint_eq(d->u.pin.cfg[10], 8);
	ck_assert_int_eq(res_by_name(m, VSCMI_PIN, "rx")->u.pin.func, -1);
	d = res_by_name(m, VSCMI_PIN_GROUP, "uart_grp");
	ck_assert_uint_eq(d->plat_id, 3);
	ck_assert_uint_eq(d->u.pin_set.nmembers, 2);
	ck_assert_uint_eq(d->u.pin_set.members[1], res_index(m, VSCMI_PIN, "rx"));
	ck_assert(d->u.pin_set.pins_only);
	ck_assert(!res_by_name(m, VSCMI_PIN_FUNC, "uart")->u.pin_set.pins_only);
	ck_assert(res_by_name(m, VSCMI_PIN_FUNC, "gpio")->u.pin_set.pins_only);
	check_view(m, a, VSCMI_PIN, 1, "tx", "serial_tx");
	check_view(m, a, VSCMI_PIN_FUNC, 0, "gpio", "gpio");
	ck_assert(a->protocols & SCMI_PROTO_BIT(SCMI_PROTO_PINCTRL));
	ck_assert(!(agent_by_name(m, "b")->protocols & SCMI_PROTO_BIT(SCMI_PROTO_PINCTRL)));
	ck_assert(!(agent_by_name(m, "c")->protocols & SCMI_PROTO_BIT(SCMI_PROTO_PINCTRL)));
	vscmi_config_free(cfg);
}
END_TEST

START_TEST(test_dom0less_device)
{
	struct vscmi_config *cfg = load_ok("[agent rt]\n"
					   "domid = 7\n"
					   "dom0less = yes\n"
					   "mmio_base = 0x02000000\n"
					   "irq = 33\n"
					   "grant_usage = yes\n"
					   "[agent other]\n"
					   "domid = 8\n");
	const struct vscmi_agent_desc *a = &cfg->model.agents[0];

	ck_assert(a->xen_static.enabled);
	ck_assert_uint_eq(a->xen_static.base, 0x02000000);
	ck_assert_uint_eq(a->xen_static.irq, 33);
	ck_assert(a->xen_static.grants);
	ck_assert_uint_eq(a->match_domid, 7);
	ck_assert(!cfg->model.agents[1].xen_static.enabled);
	vscmi_config_free(cfg);
}
END_TEST

START_TEST(test_socket_dir_and_none)
{
	/* socket_dir applies to agents before and after [daemon] */
	struct vscmi_config *cfg = load_ok("[agent a]\n"
					   "[daemon]\n"
					   "socket_dir = /tmp/x\n"
					   "[agent b]\n"
					   "socket = none\n"
					   "[agent c]\n"
					   "protocols = clock 0x15\n"
					   "max_msg_size = 68\n");
	const struct vscmi_model *m = &cfg->model;

	ck_assert_str_eq(m->agents[0].socket, "/tmp/x/a.sock");
	ck_assert_str_eq(m->agents[1].socket, "");
	ck_assert_str_eq(m->agents[2].socket, "/tmp/x/c.sock");
	ck_assert_uint_eq(m->agents[2].protocols, SCMI_PROTO_BIT(SCMI_PROTO_BASE) |
							  SCMI_PROTO_BIT(SCMI_PROTO_CLOCK) |
							  SCMI_PROTO_BIT(SCMI_PROTO_SENSOR));
	ck_assert_uint_eq(m->agents[2].max_msg_size, 68);
	vscmi_config_free(cfg);
}
END_TEST

/* A vhost-user agent gets no default SEQPACKET socket beside it. */
START_TEST(test_vhost_agent)
{
	struct vscmi_config *cfg = load_ok("[agent vm]\n"
					   "vhost = /tmp/vm.vhost\n"
					   "[agent off]\n"
					   "vhost = none\n");
	const struct vscmi_model *m = &cfg->model;

	ck_assert_str_eq(m->agents[0].vhost, "/tmp/vm.vhost");
	ck_assert_str_eq(m->agents[0].socket, "");
	ck_assert_str_eq(m->agents[1].vhost, "");
	ck_assert_str_ne(m->agents[1].socket, "");
	vscmi_config_free(cfg);
}
END_TEST

/* Continuation lines append to list-valued keys */

START_TEST(test_continuation_appends)
{
	struct vscmi_config *cfg = load_ok("[clock a]\n"
					   "id = 0\n"
					   "rates = 1M 2M\n"
					   "  3M ; a comment\n"
					   "\t4M\n"
					   "[clock b]\n"
					   "id = 1\n"
					   "rates = 1M\n"
					   "[power p]\n"
					   "id = 0\n"
					   "states = on=0\n"
					   "  ret=0x40000001\n"
					   "  off=0x40000000\n"
					   "initial = ret\n"
					   "[agent x]\n"
					   "protocols = base\n"
					   "  clock\n"
					   "clocks = a:first\n"
					   "    b:second\n");
	const struct vscmi_model *m = &cfg->model;
	const struct vscmi_res_desc *a = &m->res[VSCMI_CLOCK][0];

	ck_assert_uint_eq(a->u.clock.rates.count, 4);
	ck_assert_int_eq(a->u.clock.rates.values[2], 3000000);
	ck_assert_int_eq(a->u.clock.rates.values[3], 4000000);
	ck_assert_uint_eq(m->res[VSCMI_POWER][0].u.power.nstates, 3);
	ck_assert_uint_eq(m->res[VSCMI_POWER][0].u.power.initial, 1);
	ck_assert_uint_eq(m->agents[0].protocols,
			  SCMI_PROTO_BIT(SCMI_PROTO_BASE) | SCMI_PROTO_BIT(SCMI_PROTO_CLOCK));
	ck_assert_uint_eq(m->agents[0].nviews[VSCMI_CLOCK], 2);
	ck_assert_str_eq(m->agents[0].views[VSCMI_CLOCK][1].name, "second");
	ck_assert_uint_eq(m->agents[0].views[VSCMI_CLOCK][1].res, 1);
	vscmi_config_free(cfg);
}
END_TEST

START_TEST(test_continuation_of_scalar)
{
	expect_error("[clock a]\n"
		     "id = 0\n"
		     "  1\n"
		     "rates = 1M\n",
		     3, "id takes a single value");
}
END_TEST

/* Error classes, each with the line it must name */

struct bad_case {
	const char *conf;
	int line;
	const char *msg;
};

#define CLOCK_A "[clock a]\nid = 0\nrates = 1M\n"	/* lines 1-3 */

#define PINS_AB "[pin a]\nid = 1\n[pin b]\nid = 2\n"

static const struct bad_case bad_cases[] = {
	/* references between resources */
	{ CLOCK_A "parent = nope\n", 4, "clock 'a': unknown parent 'nope'" },
	{ "[power p]\nid = 0\n" CLOCK_A "parent = p\n", 6,
	  "parent 'p' is a power domain, not a clock" },
	{ CLOCK_A "parent = b\n[clock b]\nid = 1\nrates = 1M\nparent = a\n", 4,
	  "parent cycle a -> b -> a" },
	{ CLOCK_A "parent = a\n", 4, "parent cycle a -> a" },
	{ "[clock c]\nid = 2\nrates = 1M\n" CLOCK_A "parent = b\n"
	  "[clock b]\nid = 1\nrates = 1M\nparent = a\n[clock d]\nid = 3\nrates = 1M\nparent = c\n",
	  7, "parent cycle a -> b -> a" },
	/* duplicates */
	{ CLOCK_A "[clock a]\nid = 1\nrates = 1M\n", 4, "duplicate clock 'a' (first at line 1)" },
	{ "[agent x]\n[agent x]\n", 2, "duplicate agent 'x' (first at line 1)" },
	{ "[daemon]\n[daemon]\n", 2, "duplicate [daemon] section (first at line 1)" },
	{ CLOCK_A "[clock b]\nrates = 2M\nid = 0\n", 6, "id 0 is already used by 'a' (line 1)" },
	{ CLOCK_A "id = 1\n", 4, "id given twice (first at line 2)" },
	{ "[power p]\nid = 0\nstates = on=0 off=0x40000000 on=1\n", 3, "'on' given twice" },
	{ "[power p]\nid = 0\nstates = on=0 off=0\n", 3, "'on' and 'off' have the same value" },
	/* agent views */
	{ CLOCK_A "[agent x]\nclocks = a\n  nope\n", 6, "agent 'x': clocks: unknown clock 'nope'" },
	{ CLOCK_A "[agent x]\npower = a\n", 5, "agent 'x': power: unknown power domain 'a'" },
	{ CLOCK_A "[agent x]\nclocks = a:one\n a:two\n", 6, "'a' listed twice (first at line 5)" },
	{ CLOCK_A "[clock b]\nid = 1\nrates = 1M\n[agent x]\nclocks = a:n b:n\n", 8,
	  "two entries named 'n'" },
	{ "[agent x]\nclocks = a:\n", 2, "is not RESOURCE[:NAME]" },
	/* dom0less devices */
	{ "[agent x]\ndomain = g\ndom0less = yes\nmmio_base = 0x2000000\nirq = 33\n", 3,
	  "agent 'x': a dom0less guest is matched by domid" },
	{ "[agent x]\ndomid = 3\ndom0less = yes\nirq = 33\n", 3,
	  "agent 'x': dom0less needs mmio_base and irq" },
	{ "[agent x]\ndomid = 3\nirq = 33\n", 1,
	  "agent 'x': mmio_base, irq and grant_usage need dom0less = yes" },
	{ "[agent x]\ndomid = 3\ndom0less = yes\nmmio_base = 0x2000100\nirq = 33\n", 4,
	  "mmio_base: 0x2000100 is not page aligned" },
	{ "[agent x]\ndomid = 3\ndom0less = yes\nmmio_base = 0x2000000\nirq = 31\n", 5,
	  "irq: 31 is out of range (32..1019)" },
	/* vhost-user agents */
	{ "[agent x]\ndomid = 3\nvhost = /tmp/x.vhost\n", 3,
	  "agent 'x': 'vhost' serves a QEMU/KVM guest and cannot be combined with 'domain'" },
	{ "[agent x]\nvhost = /tmp/x.vhost\nsocket = /tmp/x.sock\n", 2,
	  "agent 'x': 'vhost' and 'socket' cannot both be given" },
	{ "[agent x]\nvhost = /tmp/x\n[agent y]\nsocket = /tmp/x\n", 3,
	  "agent 'y': /tmp/x is also the socket of agent 'x'" },
	{ "[daemon]\ncontrol = /tmp/c\n[agent y]\nvhost = /tmp/c\n", 3,
	  "agent 'y': /tmp/c is the control socket" },
	/* missing or conflicting keys */
	{ "[clock a]\nrates = 1M\n", 1, "[clock a]: missing required key 'id'" },
	{ "[clock a]\nid = 0\n", 1, "clock 'a': needs 'rates' or 'range'" },
	{ "[clock a]\nid = 0\nrange = 1M 2M 1M\nrates = 1M\n", 4,
	  "give either 'rates' or 'range', not both" },
	{ "[clock a]\nid = 0\nrange = 1M 2M\n", 3, "range: takes min max step" },
	{ "[clock a]\nid = 0\nrange = 3M 2M 1k\n", 3, "range: min is above max" },
	{ "[clock a]\nid = 0\nrates =\n", 3, "rates: no values" },
	{ "[clock a]\nid = 0\nrates = 1M\npolicy =\n", 4, "policy: value missing" },
	{ "[perf g]\nid = 0\n", 1, "missing required key 'levels'" },
	{ "[voltage v]\nid = 0\n", 1, "needs 'levels' or 'range'" },
	{ "[agent x]\ndomain = a\ndomid = 3\n", 3, "give either 'domain' or 'domid', not both" },
	/* values */
	{ "[clock a]\nid = 12x\n", 2, "id: '12x' is not a number" },
	{ "[clock a]\nid = -1\n", 2, "id: '-1' is not a number" },
	{ "[clock a]\nid = 0x100000000\n", 2, "id: 0x100000000 is out of range" },
	{ "[clock a]\nid = 99999999999999999999999\n", 2, "is out of range" },
	{ "[clock a]\nid = 0\nrates = 5Q\n", 3, "rates: '5Q' is not a number" },
	{ "[clock a]\nid = 0\nrates = 0\n", 3, "rates: 0 is out of range" },
	{ "[clock a]\nid = 0\nrates = 20000000000G\n", 3, "out of range" },
	/* 2^62 at most: rounding within a range stays within int64_t */
	{ "[clock a]\nid = 0\nrates = 4611686018427387905\n", 3,
	  "rates: 4611686018427387905 is out of range (1..4611686018427387904)" },
	{ "[clock a]\nid = 0\nrange = 1 9223372036854775807 9223372036854775807\n", 3,
	  "range: 9223372036854775807 is out of range" },
	{ "[clock a]\nid = 0\nrange = 1 2 1\nrate = 4611686018427387905\n", 4,
	  "rate: 4611686018427387905 is out of range" },
	{ "[sensor s]\nid = 0\nvalue = -9223372036854775808\n", 3,
	  "value: -9223372036854775808 is out of range "
	  "(-4611686018427387904..4611686018427387904)" },
	{ "[sensor s]\nid = 0\namplitude = 9223372036854775807\n", 3,
	  "amplitude: 9223372036854775807 is out of range (0..4611686018427387904)" },
	{ "[sensor s]\nid = 0\namplitude = -1\n", 3, "amplitude: -1 is out of range" },
	{ "[clock a]\nid = 0\nrates = 2M 1M\n", 3, "rates: 1M is not above the value before it" },
	{ "[clock a]\nid = 0\nrates = 1M 2M\nrate = 3M\n", 4,
	  "rate: 3000000 is not one of the clock's rates" },
	{ "[clock a]\nid = 0\nrange = 1M 2M 300k\nrate = 1500k\n", 4, "is not one of" },
	{ "[clock a]\nid = 0\nrates = 1M\npolicy = min\n", 4, "unknown policy 'min'" },
	{ "[clock a]\nid = 0\nrates = 1M\nenabled = maybe\n", 4, "'maybe' is not yes or no" },
	{ "[voltage v]\nid = 0\nlevels = 1 2\nlevel = 3\n", 4, "is not one of the voltage" },
	{ "[voltage v]\nid = 0\nlevels = 3000000000\n", 3, "out of range" },
	{ "[power p]\nid = 0\nstates = on\n", 3, "'on' is not NAME=VALUE" },
	{ "[power p]\nid = 0\nstates = on=0\n", 3, "needs at least an on and an off state" },
	{ "[power p]\nid = 0\ninitial = deep\n", 3, "initial: 'deep' is not one of the states" },
	{ "[reset r]\nid = 0\nautonomous = sometimes\n", 3, "is neither deny nor allow" },
	{ "[reset r]\nid = 0\ninitial = on\n", 3, "is neither deasserted nor asserted" },
	{ "[perf g]\nid = 0\nlevels = 1:2:3\n", 3, "is not perf:power_mW:latency_us:freq_kHz" },
	{ "[perf g]\nid = 0\nlevels = 1:2:70000:4\n", 3, "latency_us: 70000 is out of range" },
	{ "[perf g]\nid = 0\nlevels = 2:0:0:0 1:0:0:0\n", 3, "perf 1 is not above" },
	{ "[perf g]\nid = 0\nlevels = 1:0:0:0\ninitial = 2\n", 4, "initial: 2 is not one of" },
	{ "[sensor s]\nid = 0\ntype = furlongs\n", 3, "type: unknown unit 'furlongs'" },
	{ "[sensor s]\nid = 0\nscale = -17\n", 3, "scale: -17 is out of range" },
	{ "[agent x]\nmax_msg_size = 64\n", 2, "max_msg_size: 64 is out of range (68..128)" },
	{ "[agent x]\nmax_msg_size = 129\n", 2, "max_msg_size: 129 is out of range" },
	{ "[agent x]\nprotocols = base gpio\n", 2, "unknown protocol 'gpio'" },
	{ "[agent x]\nprotocols = 0x1f\n", 2, "0x1f is out of range" },
	/* power capping domains */
	{ "[powercap p]\nid = 0\n", 1, "missing required key 'cap_range'" },
	{ "[powercap p]\nid = 0\ncap_range = 100\n", 3, "cap_range: takes min max [step]" },
	{ "[powercap p]\nid = 0\ncap_range = 0 100 10\n", 3, "cap_range: 0 is out of range" },
	{ "[powercap p]\nid = 0\ncap_range = 100 200 10 5\n", 3, "takes min max [step]" },
	{ "[powercap p]\nid = 0\ncap_range = 200 100 10\n", 3, "min 200 is above max 100" },
	{ "[powercap p]\nid = 0\ncap_range = 100 200\n", 3, "needs a step" },
	{ "[powercap p]\nid = 0\ncap_range = 105 200 10\n", 3, "multiples of the step 10" },
	{ "[powercap p]\nid = 0\ncap_range = 100 200 10\ncap = 205\n", 4,
	  "cap: 205 is not none or one of the caps" },
	{ "[powercap p]\nid = 0\ncap_range = 100 200 10\ncap = 90\n", 4, "not none or one" },
	{ "[powercap p]\nid = 0\ncap_range = 100 200 10\npai_range = 10 100 10\npai = 5\n", 5,
	  "pai: 5 is not one of the averaging intervals" },
	{ "[powercap p]\nid = 0\ncap_range = 100 200 10\nunit = W\n", 4,
	  "unit: 'W' is not uW or mW" },
	{ "[powercap p]\nid = 0\ncap_range = 100 200 10\nperiod_ms = 0\n", 4,
	  "period_ms: 0 is out of range" },
	{ "[powercap p]\nid = 0\ncap_range = 100 200 10\nparent = nope\n", 4,
	  "unknown parent 'nope'" },
	{ "[agent x]\npowercaps = nope\n", 2, "unknown power capping domain 'nope'" },
	{ "[agent x]\ndomid = 40000\n", 2, "domid: 40000 is out of range" },
	{ "[agent x]\nprivileged = sure\n", 2, "'sure' is not yes or no" },
	{ "[agent x]\nsocket = /a b\n", 2, "socket takes a single value" },
	/* names */
	{ "[agent sixteen_chars_xx]\n", 1, "agent name 'sixteen_chars_xx' is too long" },
	{ "[agent a/b]\n", 1, "bad agent name 'a/b'" },
	{ "[clock a:b]\n", 1, "bad clock name 'a:b'" },
	/* the daemon section */
	{ "[daemon]\nplatform = scp\n", 2, "unknown platform 'scp' (emulated or linux-raw)" },
	{ "[daemon]\nraw_channel = 5\n", 2, "raw_channel: 5 is out of range (16..255)" },
	{ "[daemon]\nupstream_timeout_ms = 0\n", 2, "upstream_timeout_ms: 0 is out of range" },
	{ "[daemon]\nraw_instance = x\n", 2, "raw_instance: 'x' is not a number" },
	{ "[daemon]\nsocket_dir = /" "0123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789\n",
	  2, "socket_dir: '/" },
	/* structure */
	{ "id = 0\n", 1, "'id' outside of a section" },
	{ "[clock a]\nid = 0\nrates = 1M\nspeed = 3\n", 4, "unknown key 'speed' in [clock a]" },
	{ "[gizmo g]\n", 1, "unknown section [gizmo g]" },
	{ "[clock]\n", 1, "unknown section [clock]" },
	{ "[clock a b]\n", 1, "unknown section [clock a b]" },
	{ "[clock a\n", 1, "section header without ']'" },
	{ "[clock a_name_that_is_well_over_fifty_characters_long]\n", 1,
	  "section header too long" },
	{ CLOCK_A "this line has no equals sign\n", 4, "expected 'key = value' or a [section]" },
	{ CLOCK_A "; comment\n\n[agent x]\nclocks = nope\n", 7, "unknown clock 'nope'" },
	/* pin control */
	{ PINS_AB "[pin-group g]\nid = 1\n", 5, "[pin-group g]: missing required key 'pins'" },
	{ PINS_AB "[pin-group g]\nid = 1\npins = a c\n", 7, "pin group 'g': unknown pin 'c'" },
	{ PINS_AB "[pin-group g]\nid = 1\npins = a a\n", 7, "pin group 'g': 'a' listed twice" },
	{ PINS_AB "[pin-function f]\nid = 1\n", 5, "pin function 'f': needs 'pins' or 'groups'" },
	{ PINS_AB "[pin-group g]\nid = 1\npins = a\n[pin-function f]\nid = 1\npins = a\n"
		  "groups = g\n",
	  11, "give either 'pins' or 'groups', not both" },
	{ PINS_AB "[pin-function f]\nid = 1\ngroups = a\n", 7, "unknown pin group 'a'" },
	{ "[pin a]\nid = 65536\n", 2, "pin 'a': id 65536 is above 65535" },
	{ "[pin a]\nid = 1\nconfigs = bias-pull-up\n", 3, "'bias-pull-up' is not TYPE:VALUE" },
	{ "[pin a]\nid = 1\nconfigs = slew:1\n", 3, "unknown config type 'slew'" },
	{ "[pin a]\nid = 1\nconfigs = 21:1\n", 3, "21 is out of range (1..20)" },
	{ "[pin a]\nid = 1\nfunction = f\n", 3, "pin 'a': unknown pin function 'f'" },
	{ PINS_AB "[pin-function f]\nid = 1\npins = b\n[pin c]\nid = 3\nfunction = f\n"
		  "[pin a2]\nid = 4\n",
	  10,
	  "pin 'c': pin function 'f' does not apply to it" },
	{ PINS_AB "[pin-group g]\nid = 1\npins = a b\n[agent x]\npins = a\npin-groups = g\n", 10,
	  "agent 'x': pin group 'g' holds pin 'b', which the agent does not see" },
	{ PINS_AB "[pin-group g]\nid = 1\npins = a b\n[pin-function f]\nid = 1\ngroups = g\n"
		  "[agent x]\npins = a b\npin-functions = f\n",
	  13, "agent 'x': pin function 'f' holds pin group 'g', which the agent does not see" },
	{ "[agent x]\npins = nope\n", 2, "agent 'x': pins: unknown pin 'nope'" },
	/* a syntax error before a semantic one wins */
	{ "junk\n[clock a]\nid = x\n", 1, "expected 'key = value'" },
};

START_TEST(test_bad)
{
	expect_error(bad_cases[_i].conf, bad_cases[_i].line, bad_cases[_i].msg);
}
END_TEST

START_TEST(test_line_too_long)
{
	char text[512];

	snprintf(text, sizeof(text), "[clock a]\nid = 0\nrates = 1M\n; %0300d\n", 0);
	expect_error(text, 4, "line too long (at most 197 characters)");
}
END_TEST

/* Limits: one past each VSCMI_MAX_* */

enum repeat_what {
	REPEAT_AGENTS,
	REPEAT_RESETS,
	REPEAT_RATES,
};

/* head, then n numbered entries of one kind */
static char *repeat_conf(const char *head, enum repeat_what what, int n)
{
	size_t cap = strlen(head) + (size_t)n * 64 + 1, off;
	char *s = malloc(cap);

	ck_assert_ptr_nonnull(s);
	off = (size_t)snprintf(s, cap, "%s", head);
	for (int i = 0; i < n; i++) {
		if (what == REPEAT_AGENTS)
			off += (size_t)snprintf(s + off, cap - off, "[agent a%d]\nsocket = none\n", i);
		else if (what == REPEAT_RESETS)
			off += (size_t)snprintf(s + off, cap - off, "[reset r%d]\nid = %d\n", i, i);
		else
			off += (size_t)snprintf(s + off, cap - off, " %d\n", 1000 + i);
	}
	return s;
}

START_TEST(test_too_many_agents)
{
	char *s = repeat_conf("", REPEAT_AGENTS, VSCMI_MAX_AGENTS + 1);

	expect_error(s, 2 * VSCMI_MAX_AGENTS + 1, "too many agents (at most 1024)");
	free(s);
}
END_TEST

START_TEST(test_too_many_resources)
{
	char *s = repeat_conf("", REPEAT_RESETS, VSCMI_MAX_RESOURCES + 1);

	expect_error(s, 2 * VSCMI_MAX_RESOURCES + 1, "too many reset sections (at most 1024)");
	free(s);
}
END_TEST

START_TEST(test_too_many_levels)
{
	char *s = repeat_conf("[clock c]\nid = 0\nrates = 1\n", REPEAT_RATES, VSCMI_MAX_LEVELS);

	/* 1 + 64 values: the 64th continuation line overflows */
	expect_error(s, 3 + VSCMI_MAX_LEVELS, "rates: more than 64 values");
	free(s);
}
END_TEST

START_TEST(test_too_many_states)
{
	expect_error("[power p]\nid = 0\nstates = a=0 b=1 c=2 d=3\n"
		     "  e=4 f=5 g=6 h=7\n  i=8\n",
		     5, "states: more than 8 states");
}
END_TEST

/* c0 <- c1 <- ... <- c(n-1): clock i > 0 takes lines 4i..4i+3, its parent
 * key the last of them. */
static char *clock_chain(int n)
{
	size_t cap = (size_t)n * 64 + 1, off = 0;
	char *s = malloc(cap);

	ck_assert_ptr_nonnull(s);
	s[0] = '\0';
	for (int i = 0; i < n; i++) {
		off += (size_t)snprintf(s + off, cap - off, "[clock c%d]\nid = %d\nrates = 1M\n", i,
					i);
		if (i)
			off += (size_t)snprintf(s + off, cap - off, "parent = c%d\n", i - 1);
	}
	return s;
}

START_TEST(test_parent_chain_too_deep)
{
	struct vscmi_config *cfg;
	char *s = clock_chain(VSCMI_MAX_DEPTH);

	cfg = load_ok(s);
	ck_assert_int_eq(cfg->model.res[VSCMI_CLOCK][VSCMI_MAX_DEPTH - 1].parent,
			 VSCMI_MAX_DEPTH - 2);
	vscmi_config_free(cfg);
	free(s);

	s = clock_chain(VSCMI_MAX_DEPTH + 1);
	expect_error(s, 4 * VSCMI_MAX_DEPTH + 3, "clock 'c16': parent chain deeper than 16 clocks");
	free(s);
}
END_TEST

#define GROUP_TAIL "[clock c]\nid = 0\nrates = 1k\n[agent a]\nclocks = c\n"

START_TEST(test_control_groups)
{
	struct group *gr = getgrgid(getgid());
	struct vscmi_config *cfg;
	char text[512];

	/* unset unless written */
	cfg = load_ok(GROUP_TAIL);
	ck_assert(!cfg->ctl_read.set && !cfg->ctl_admin.set);
	vscmi_config_free(cfg);

	/* numbers as written, whether or not the system knows them */
	cfg = load_ok("[daemon]\ncontrol_read_group = 4242\ncontrol_admin_group = 0\n" GROUP_TAIL);
	ck_assert(cfg->ctl_read.set && cfg->ctl_admin.set);
	ck_assert_uint_eq(cfg->ctl_read.gid, 4242);
	ck_assert_str_eq(cfg->ctl_read.name, "4242");
	ck_assert_uint_eq(cfg->ctl_admin.gid, 0);
	vscmi_config_free(cfg);

	/* a name resolved at load */
	ck_assert_msg(gr != NULL, "gid %u has no name in the group database", (unsigned)getgid());
	snprintf(text, sizeof(text), "[daemon]\ncontrol_admin_group = %s\n" GROUP_TAIL,
		 gr->gr_name);
	cfg = load_ok(text);
	ck_assert(!cfg->ctl_read.set && cfg->ctl_admin.set);
	ck_assert_uint_eq(cfg->ctl_admin.gid, getgid());
	ck_assert_str_eq(cfg->ctl_admin.name, gr->gr_name);
	vscmi_config_free(cfg);

	expect_error("[daemon]\ncontrol_read_group = no-such-group-vscmi\n" GROUP_TAIL, 2,
		     "control_read_group: no group 'no-such-group-vscmi'");
	expect_error("[daemon]\ncontrol_admin_group = 4294967295\n" GROUP_TAIL, 2,
		     "control_admin_group: 4294967295 is out of range");
	expect_error("[daemon]\ncontrol_admin_group = 12x\n" GROUP_TAIL, 2,
		     "control_admin_group: '12x' is not a number");
	expect_error("[daemon]\ncontrol_read_group = a b\n" GROUP_TAIL, 2,
		     "control_read_group takes a single value");
	expect_error("[daemon]\ncontrol_read_group =\n" GROUP_TAIL, 2, "value missing");
}
END_TEST

START_TEST(test_missing_file)
{
	struct vscmi_config *cfg = (void *)1;
	char path[300];
	int r;

	snprintf(path, sizeof(path), "%s.missing", conf_path);
	r = vscmi_config_load(path, &cfg, err, sizeof(err));
	ck_assert_int_eq(r, -ENOENT);
	ck_assert_ptr_null(cfg);
	ck_assert(strstr(err, path) == err);
	ck_assert(strstr(err, "No such file") != NULL);
	vscmi_config_free(NULL);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("shipped");
	tcase_add_test(tc, test_shipped_conf);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_powercap_domain);
	tcase_add_test(tc, test_extreme_values_within_bounds);
	tcase_add_test(tc, test_range_fit_never_overflows);
	tcase_add_test(tc, test_socket_dir_and_none);
	tcase_add_test(tc, test_vhost_agent);
	tcase_add_test(tc, test_dom0less_device);
	tcase_add_test(tc, test_pin_control);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_control_groups);
	suite_add_tcase(s, tc);

	tc = tcase_create("continuation");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_continuation_appends);
	tcase_add_test(tc, test_continuation_of_scalar);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_line_too_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_too_many_agents);
	tcase_add_test(tc, test_too_many_resources);
	tcase_add_test(tc, test_too_many_levels);
	tcase_add_test(tc, test_too_many_states);
	tcase_add_test(tc, test_parent_chain_too_deep);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
