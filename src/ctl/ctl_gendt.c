/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmictl gen-dt: the guest's arm,scmi-virtio node, from the agents
 * reply alone. */
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vscmi/control.h"
#include "vscmi/scmi_wire.h"
#include "ctl.h"

/* One protocol node: the provider property Linux's driver for it reads,
 * and how a consumer names one of its IDs. In protocol ID order, the
 * order of nodes in a device tree. */
struct dt_proto {
	const char *name;	/* in "protocols" and "views" */
	unsigned int id;
	const char *label;
	const char *cells;	/* provider property; NULL: none */
	const char *consumer;	/* consumer property; NULL: none */
	unsigned int flags;
};

#define DT_NO_IDS 0x1		/* a node whenever the agent may use it */
#define DT_REGULATORS 0x2	/* a node per ID, which consumers name */
#define DT_PINCTRL 0x4		/* a state node per group and pin function */

static const struct dt_proto dt_protos[] = {
	{ "power", SCMI_PROTO_POWER, "scmi_pd", "#power-domain-cells", "power-domains", 0 },
	/* Linux binds its system power driver, which hears the platform's
	 * shutdown and reboot requests, to this node */
	{ "system", SCMI_PROTO_SYSTEM, "scmi_sys_power", NULL, NULL, DT_NO_IDS },
	/* Linux's scmi-perf-domain: performance domains as power domains */
	{ "perf", SCMI_PROTO_PERF, "scmi_perf", "#power-domain-cells", "power-domains", 0 },
	{ "clock", SCMI_PROTO_CLOCK, "scmi_clk", "#clock-cells", "clocks", 0 },
	{ "sensor", SCMI_PROTO_SENSOR, "scmi_sensor", "#thermal-sensor-cells", "thermal-sensors", 0 },
	{ "reset", SCMI_PROTO_RESET, "scmi_reset", "#reset-cells", "resets", 0 },
	{ "voltage", SCMI_PROTO_VOLTAGE, "scmi_voltage", NULL, NULL, DT_REGULATORS },
	/* Linux's pinctrl-scmi names pins, groups and functions by name; a
	 * consumer names a state node (arm,scmi.yaml, protocol@19) */
	{ "pinctrl", SCMI_PROTO_PINCTRL, "scmi_pinctrl", NULL, NULL, DT_PINCTRL },
	/* Linux's arm_scmi_powercap registers its zones in /sys/class/powercap;
	 * no consumer names a domain */
	{ "powercap", SCMI_PROTO_POWERCAP, "scmi_powercap", NULL, NULL, 0 },
};

#define DT_NPROTOS (sizeof(dt_protos) / sizeof(dt_protos[0]))

/* Linux's virtio transport sizes its buffers for this by default. */
#define DT_DEFAULT_MSG_SIZE 128
/* Xen's public/arch-arm.h GUEST_PHANDLE_GIC: the guest's interrupt
 * controller in every tree Xen or libxl builds. */
#define DT_XEN_GIC_PHANDLE 65000
/* The virtio-mmio register window vscmid serves. */
#define DT_VIRTIO_MMIO_SIZE 0x200

struct dt_out {
	FILE *f;
	int depth;
};

__attribute__((format(printf, 2, 3))) static void dt_line(struct dt_out *o, const char *fmt,
							  ...)
{
	va_list ap;

	for (int i = 0; i < o->depth; i++)
		fputc('\t', o->f);
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	fputc('\n', o->f);
}

static void dt_blank(struct dt_out *o)
{
	fputc('\n', o->f);
}

#define dt_open(o, ...)                \
	do {                           \
		dt_line(o, __VA_ARGS__); \
		(o)->depth++;          \
	} while (0)

static void dt_close(struct dt_out *o)
{
	o->depth--;
	dt_line(o, "};");
}

/* The config allows only A-Z a-z 0-9 _ - . in names, but the reply is the
 * daemon's word: anything else must not end a string or a comment early. */
static const char *dt_safe(char *buf, size_t cap, const char *s, char bad)
{
	size_t n = 0;

	for (; *s && n + 1 < cap; s++)
		buf[n++] = isalnum((unsigned char)*s) || strchr("_-.", *s) ? *s : bad;
	buf[n] = '\0';
	return buf;
}

static bool jhas_string(struct json_object *arr, const char *s)
{
	for (size_t i = 0; i < jlen(arr); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(arr, i));

		if (e && strcmp(e, s) == 0)
			return true;
	}
	return false;
}

/* The views of a protocol the agent may use, or NULL; pin control's are
 * its pins. */
static struct json_object *dt_views_of(struct json_object *agent, const struct dt_proto *p,
				       const char *kind)
{
	if (!jhas_string(jget(agent, "protocols"), p->name))
		return NULL;
	return jget(jget(agent, "views"), kind);
}

static struct json_object *dt_views(struct json_object *agent, const struct dt_proto *p)
{
	return dt_views_of(agent, p, p->flags & DT_PINCTRL ? "pin" : p->name);
}

static bool dt_emitted(struct json_object *agent, const struct dt_proto *p)
{
	if (!jhas_string(jget(agent, "protocols"), p->name))
		return false;
	return (p->flags & DT_NO_IDS) || jlen(dt_views(agent, p)) > 0;
}

/* A name as the tail of a label, which takes only A-Z a-z 0-9 _. */
static const char *dt_label_tail(char *buf, size_t cap, struct json_object *view)
{
	dt_safe(buf, cap, jstr(view, "name", "?"), '_');
	for (char *c = buf; *c; c++)
		if (!isalnum((unsigned char)*c))
			*c = '_';
	return buf;
}

/* A regulator's label: scmi_reg_NAME, or scmi_reg<ID> when two names
 * differ only in characters a label cannot hold. */
static void dt_reg_label(char *buf, size_t cap, struct json_object *views, size_t idx)
{
	struct json_object *v = json_object_array_get_idx(views, idx);
	char mine[80], other[80];

	dt_label_tail(mine, sizeof(mine), v);
	for (size_t i = 0; i < jlen(views); i++) {
		if (i != idx && strcmp(mine, dt_label_tail(other, sizeof(other),
							json_object_array_get_idx(views, i))) == 0) {
			snprintf(buf, cap, "scmi_reg%lld", jint(v, "id"));
			return;
		}
	}
	snprintf(buf, cap, "scmi_reg_%s", mine);
}

/* A pin state node's label: scmi_pins_NAME. */
static void dt_pins_label(char *buf, size_t cap, struct json_object *view)
{
	char tail[80];

	snprintf(buf, cap, "scmi_pins_%s", dt_label_tail(tail, sizeof(tail), view));
}

/* The first function the agent sees that may be selected on the group. */
static struct json_object *dt_group_function(struct json_object *funcs, const char *group)
{
	for (size_t i = 0; i < jlen(funcs); i++) {
		struct json_object *f = json_object_array_get_idx(funcs, i);

		if (!jbool(f, "pins_only") && jhas_string(jget(f, "members"), group))
			return f;
	}
	return NULL;
}

/* One state node per group, with its first function: what a consumer's
 * pinctrl-0 names. Functions on pins get none: Linux's pinctrl-scmi
 * reads a function's associations as groups, and muxes groups only. */
static void dt_pin_states(struct dt_out *o, struct json_object *agent, const struct dt_proto *p)
{
	struct json_object *groups = dt_views_of(agent, p, "pin-group");
	struct json_object *funcs = dt_views_of(agent, p, "pin-function");
	char name[80], label[96];

	for (size_t i = 0; i < jlen(groups); i++) {
		struct json_object *g = json_object_array_get_idx(groups, i);
		struct json_object *f = dt_group_function(funcs, jstr(g, "name", ""));

		dt_pins_label(label, sizeof(label), g);
		dt_blank(o);
		dt_open(o, "%s: %s-pins {", label, dt_safe(name, sizeof(name), jstr(g, "name", "?"), '_'));
		dt_line(o, "groups = \"%s\";", name);
		if (f)
			dt_line(o, "function = \"%s\";",
				dt_safe(name, sizeof(name), jstr(f, "name", "?"), '_'));
		dt_close(o);
	}
}

/* The widest name the agent sees, for the table in the comment. */
static int dt_name_width(struct json_object *agent)
{
	char name[80];
	int width = 0;

	for (size_t p = 0; p < DT_NPROTOS; p++) {
		struct json_object *views = dt_views(agent, &dt_protos[p]);

		for (size_t i = 0; i < jlen(views); i++) {
			dt_safe(name, sizeof(name),
				jstr(json_object_array_get_idx(views, i), "name", "?"), '?');
			if ((int)strlen(name) > width)
				width = (int)strlen(name);
		}
	}
	return width;
}

static void dt_comment(struct dt_out *o, struct json_object *agent, const char *guest, bool xen)
{
	struct json_object *d0l = jget(agent, "dom0less");
	const char *match = jstr(agent, "match", "");
	char name[80], res[80], label[96];
	bool any = false;
	int width;

	dt_line(o, "/*");
	dt_line(o, " * SCMI over virtio for vscmid agent \"%s\", from",
		dt_safe(name, sizeof(name), jstr(agent, "name", "?"), '?'));
	dt_line(o, " * \"vscmictl gen-dt%s %s\".", xen ? " --xen" : "",
		dt_safe(label, sizeof(label), guest, '?'));
	if (strncmp(match, "domain=", 7) == 0)
		dt_line(o, " * Served to Xen domain %s.",
			dt_safe(res, sizeof(res), match + 7, '?'));
	else if (strncmp(match, "domid=", 6) == 0)
		dt_line(o, " * Served to Xen domain ID %s%s.",
			dt_safe(res, sizeof(res), match + 6, '?'),
			json_object_is_type(d0l, json_type_object) ? " (dom0less)" : "");
	dt_line(o, " *");
	dt_line(o, " * IDs as this guest sees them, and the platform's resource behind each:");
	width = dt_name_width(agent);
	for (size_t p = 0; p < DT_NPROTOS; p++) {
		struct json_object *views = dt_views(agent, &dt_protos[p]);

		for (size_t i = 0; i < jlen(views); i++) {
			struct json_object *v = json_object_array_get_idx(views, i);

			dt_safe(name, sizeof(name), jstr(v, "name", "?"), '?');
			dt_line(o, " *   %-7s %3lld = \"%s\"%*s  %s", dt_protos[p].name,
				jint(v, "id"), name, width - (int)strlen(name), "",
				dt_safe(res, sizeof(res), jstr(v, "resource", "?"), '?'));
			any = true;
		}
	}
	if (!any)
		dt_line(o, " *   none: the agent may use no protocol that has resources");
	dt_line(o, " *");
	dt_line(o, " * Consumers, for example:");
	for (size_t p = 0; p < DT_NPROTOS; p++) {
		struct json_object *views = dt_views(agent, &dt_protos[p]);

		if (!jlen(views))
			continue;
		if (dt_protos[p].consumer) {
			dt_line(o, " *   %s = <&%s %lld>;", dt_protos[p].consumer, dt_protos[p].label,
				jint(json_object_array_get_idx(views, 0), "id"));
		} else if (dt_protos[p].flags & DT_PINCTRL) {
			struct json_object *g = json_object_array_get_idx(
				dt_views_of(agent, &dt_protos[p], "pin-group"), 0);

			if (g) {
				dt_pins_label(label, sizeof(label), g);
				dt_line(o, " *   pinctrl-0 = <&%s>; pinctrl-names = \"default\";", label);
			}
			/* configs of single pins go in state nodes the guest writes */
			dt_line(o, " *   in protocol@19: name-pins { pins = \"%s\"; bias-pull-up; };",
				dt_safe(name, sizeof(name),
					jstr(json_object_array_get_idx(views, 0), "name", "?"), '_'));
		} else if (dt_protos[p].flags & DT_REGULATORS) {
			dt_reg_label(label, sizeof(label), views, 0);
			dt_line(o, " *   %s-supply = <&%s>;",
				dt_safe(name, sizeof(name),
					jstr(json_object_array_get_idx(views, 0), "name", "?"), '_'),
				label);
		}
	}
	dt_line(o, " *");
	if (!xen) {
		dt_line(o, " * Merge it into the guest's device tree source: /include/ this file");
		dt_line(o, " * right after that source's /dts-v1/; line. dtc joins the \"/ { };\"");
		dt_line(o, " * blocks, and the labels above are then the guest's to use.");
	} else {
		dt_line(o, " * A partial device tree for Xen. libxl copies only /passthrough (and");
		dt_line(o, " * /aliases) of the file xl.cfg's device_tree= names into the guest's");
		dt_line(o, " * tree, and Xen's dom0less builder does the same with a");
		dt_line(o, " * multiboot,device-tree module; \"firmware\" is a simple-bus under it");
		dt_line(o, " * so that Linux creates the SCMI device. dtc warns that the");
		dt_line(o, " * simple-bus children have no reg (simple_bus_reg): expected.");
		if (json_object_is_type(d0l, json_type_object)) {
			dt_line(o, " * The virtio-mmio node is here because no toolstack writes it;");
			dt_line(o, " * its interrupt-parent is the phandle Xen gives the guest's GIC,");
			dt_line(o, " * unknown to dtc (interrupts_property warning): expected too.");
		} else {
			dt_line(o, " * libxl writes the virtio-mmio node from xl.cfg's virtio= line.");
		}
	}
	dt_line(o, " */");
}

static void dt_protocol(struct dt_out *o, struct json_object *agent, const struct dt_proto *p)
{
	struct json_object *views = dt_views(agent, p);
	char name[80], label[96];

	dt_blank(o);
	dt_open(o, "%s: protocol@%x {", p->label, p->id);
	dt_line(o, "reg = <0x%x>;", p->id);
	if (p->cells)
		dt_line(o, "%s = <1>;", p->cells);
	if (p->flags & DT_PINCTRL)
		dt_pin_states(o, agent, p);
	if (p->flags & DT_REGULATORS) {
		dt_blank(o);
		dt_open(o, "regulators {");
		dt_line(o, "#address-cells = <1>;");
		dt_line(o, "#size-cells = <0>;");
		for (size_t i = 0; i < jlen(views); i++) {
			struct json_object *v = json_object_array_get_idx(views, i);
			long long id = jint(v, "id");

			dt_reg_label(label, sizeof(label), views, i);
			dt_blank(o);
			dt_open(o, "%s: regulator@%llx {", label, id);
			dt_line(o, "reg = <%lld>;", id);
			dt_line(o, "regulator-name = \"%s\";",
				dt_safe(name, sizeof(name), jstr(v, "name", "?"), '_'));
			/* without limits Linux lets consumers switch it, never set a level */
			if (jget(v, "min_uv") && jint(v, "min_uv") >= 0) {
				dt_line(o, "regulator-min-microvolt = <%lld>;", jint(v, "min_uv"));
				dt_line(o, "regulator-max-microvolt = <%lld>;", jint(v, "max_uv"));
			}
			dt_close(o);
		}
		dt_close(o);
	}
	dt_close(o);
}

static void dt_scmi(struct dt_out *o, struct json_object *agent)
{
	long long msg = jint(agent, "max_msg_size");

	dt_open(o, "scmi {");
	dt_line(o, "compatible = \"arm,scmi-virtio\";");
	dt_line(o, "#address-cells = <1>;");
	dt_line(o, "#size-cells = <0>;");
	if (msg > 0 && msg != DT_DEFAULT_MSG_SIZE) {
		/* the agent's channel, for kernels that read it; one that does
		 * not keeps 128-byte buffers, which the shorter replies fit */
		dt_line(o, "arm,max-msg-size = <%lld>;", msg);
	}
	for (size_t p = 0; p < DT_NPROTOS; p++)
		if (dt_emitted(agent, &dt_protos[p]))
			dt_protocol(o, agent, &dt_protos[p]);
	dt_close(o);
}

/* A dom0less guest's virtio-mmio device, as libxl would describe it for
 * an xl guest: SPI, edge-triggered, and with grants the grant-DMA IOMMU
 * naming the backend's domain. */
static void dt_dom0less(struct dt_out *o, struct json_object *d0l)
{
	unsigned long long base = (unsigned long long)jint(d0l, "mmio_base");

	dt_blank(o);
	dt_open(o, "virtio@%llx {", base);
	dt_line(o, "compatible = \"virtio,mmio\";");
	dt_line(o, "reg = <0x%llx 0x%llx 0x0 0x%x>;", base >> 32, base & 0xffffffffull,
		DT_VIRTIO_MMIO_SIZE);
	dt_line(o, "interrupt-parent = <%d>;", DT_XEN_GIC_PHANDLE);
	dt_line(o, "interrupts = <0 %lld 1>;", jint(d0l, "irq") - 32);
	dt_line(o, "dma-coherent;");
	if (jbool(d0l, "grant_usage"))
		dt_line(o, "iommus = <&xen_grant_dma 0>;\t/* vscmid's domain: dom0 */");
	dt_close(o);
	if (!jbool(d0l, "grant_usage"))
		return;
	dt_blank(o);
	dt_open(o, "xen_grant_dma: xen-grant-dma {");
	dt_line(o, "compatible = \"xen,grant-dma\";");
	dt_line(o, "#iommu-cells = <1>;");
	dt_close(o);
}

static void gen_dt(FILE *f, struct json_object *agent, const char *guest, bool xen)
{
	struct json_object *d0l = jget(agent, "dom0less");
	struct dt_out o = { .f = f };

	dt_line(&o, "/dts-v1/;");
	dt_blank(&o);
	dt_comment(&o, agent, guest, xen);
	dt_open(&o, "/ {");
	if (xen) {
		/* the cells of the tree Xen and libxl build for a guest */
		dt_line(&o, "#address-cells = <2>;");
		dt_line(&o, "#size-cells = <2>;");
		dt_blank(&o);
		dt_open(&o, "passthrough {");
		dt_line(&o, "compatible = \"simple-bus\";");
		dt_line(&o, "ranges;");
		dt_line(&o, "#address-cells = <2>;");
		dt_line(&o, "#size-cells = <2>;");
		dt_blank(&o);
		dt_open(&o, "firmware {");
		dt_line(&o, "compatible = \"simple-bus\";");
		dt_blank(&o);
	} else {
		dt_open(&o, "firmware {");
	}
	dt_scmi(&o, agent);
	dt_close(&o);
	if (xen) {
		if (json_object_is_type(d0l, json_type_object))
			dt_dom0less(&o, d0l);
		dt_close(&o);
	}
	dt_close(&o);
}

/* An agent by its name, else by the Xen domain name or domid it matches. */
static struct json_object *find_agent(struct json_object *agents, const char *guest)
{
	char match[96];

	for (size_t i = 0; i < jlen(agents); i++) {
		struct json_object *a = json_object_array_get_idx(agents, i);

		if (strcmp(jstr(a, "name", ""), guest) == 0)
			return a;
	}
	for (size_t i = 0; i < jlen(agents); i++) {
		struct json_object *a = json_object_array_get_idx(agents, i);
		const char *m = jstr(a, "match", "");

		snprintf(match, sizeof(match), "domain=%s", guest);
		if (strcmp(m, match) == 0)
			return a;
		snprintf(match, sizeof(match), "domid=%s", guest);
		if (strcmp(m, match) == 0)
			return a;
	}
	return NULL;
}

int cmd_gen_dt(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *reply, *agents, *agent;
	int r;

	r = ctl_request(ctl, VSCMI_CTL_AGENTS, NULL, &reply);
	if (r)
		return r;
	agents = jget(reply, "agents");
	agent = find_agent(agents, argv[1]);
	if (!agent) {
		fprintf(stderr, "vscmictl: gen-dt: no agent or Xen domain '%s'; the daemon has:",
			argv[1]);
		for (size_t i = 0; i < jlen(agents); i++)
			fprintf(stderr, " %s", jstr(json_object_array_get_idx(agents, i), "name", "?"));
		fprintf(stderr, "\n");
		json_object_put(reply);
		return EXIT_DAEMON;
	}
	if (ctl->json)
		ctl_print_json(agent);
	else
		gen_dt(stdout, agent, argv[1], ctl->xen);
	json_object_put(reply);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "vscmictl: gen-dt: cannot write the output: %s\n", strerror(errno));
		return EXIT_DAEMON;
	}
	return EXIT_OK;
}
