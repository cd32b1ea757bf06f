/* SPDX-License-Identifier: GPL-2.0-only */
/* The system model: physical resources and agents, as the config describes
 * them. Plain data, shared by every layer that needs descriptions. */
#ifndef VSCMI_MODEL_H
#define VSCMI_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define VSCMI_NAME_MAX 64	/* SCMI extended names are 64 bytes with the NUL */
/* One agent per guest; BASE PROTOCOL_ATTRIBUTES shows at most 255. */
#define VSCMI_MAX_AGENTS 1024
#define VSCMI_MAX_RESOURCES 1024	/* per kind */
#define VSCMI_MAX_PD_STATES 8
#define VSCMI_MAX_LEVELS 64	/* discrete rates, voltage or perf levels */
#define VSCMI_MAX_DEPTH 16	/* resources in a parent chain, itself included */
/* Largest magnitude of a clock rate, sensor value or sensor swing: sums and
 * differences of two stay within int64_t. */
#define VSCMI_VALUE_MAX (INT64_C(1) << 62)
/* Pin control: pins of a group, members of a function, and the SCMI
 * pin configuration types kept per pin (0 default .. 20 slew rate). */
#define VSCMI_PIN_MEMBERS 64
#define VSCMI_PIN_CFG_TYPES 21

enum vscmi_kind {
	VSCMI_CLOCK,
	VSCMI_POWER,
	VSCMI_RESET,
	VSCMI_VOLTAGE,
	VSCMI_PERF,
	VSCMI_SENSOR,
	VSCMI_PIN,
	VSCMI_PIN_GROUP,
	VSCMI_PIN_FUNC,
	VSCMI_POWERCAP,
	VSCMI_KIND_COUNT,
};

/* How the votes of several agents on a rate or a level combine. */
enum vscmi_policy {
	VSCMI_POLICY_EXCLUSIVE,	/* first agent holding it on owns it */
	VSCMI_POLICY_MAX,	/* highest vote among agents holding it on */
	VSCMI_POLICY_FIXED,	/* the configured value; others refused */
	VSCMI_POLICY_COUNT,
};

/* Clock rates or voltage levels: a discrete ascending list, or a segment. */
struct vscmi_range {
	bool segment;
	uint32_t count;			/* discrete entries */
	int64_t values[VSCMI_MAX_LEVELS];
	int64_t min, max, step;		/* segment */
};

struct vscmi_pd_state {
	char name[16];
	uint32_t value;			/* SCMI power_state encoding */
};

struct vscmi_perf_level {
	uint32_t perf;
	uint32_t power;			/* mW */
	uint32_t latency_us;
	uint32_t freq_khz;
};

struct vscmi_res_desc {
	enum vscmi_kind kind;
	char name[VSCMI_NAME_MAX];
	uint32_t plat_id;		/* ID on the upstream platform */
	int parent;			/* index of a same-kind parent, or -1 */
	union {
		struct {
			struct vscmi_range rates;
			enum vscmi_policy policy;
			uint64_t rate;		/* initial (or fixed) rate */
			bool on;		/* initially on */
			uint32_t enable_latency_us;
		} clock;
		struct {
			/* Ordered from most to least powered; the last is "off". */
			struct vscmi_pd_state states[VSCMI_MAX_PD_STATES];
			uint32_t nstates;
			uint32_t initial;	/* index into states */
		} power;
		struct {
			bool allow_autonomous;
			bool asserted;		/* initially */
			uint32_t latency_us;
		} reset;
		struct {
			struct vscmi_range levels;
			enum vscmi_policy policy;
			int64_t level;		/* initial (or fixed) level, uV */
			bool on;
		} voltage;
		struct {
			/* Ascending by perf value. */
			struct vscmi_perf_level levels[VSCMI_MAX_LEVELS];
			uint32_t nlevels;
			uint32_t initial;	/* perf value */
			uint32_t rate_limit_us;
		} perf;
		struct {
			uint32_t type;		/* SCMI sensor unit type, 2 = degC */
			int32_t scale;		/* power-of-ten exponent */
			int64_t value;		/* centre of the emulated reading */
			int64_t amplitude;	/* emulated swing around it */
			uint32_t period_ms;
		} sensor;
		struct {
			int func;		/* default function (index), or -1 */
			uint32_t cfg_mask;	/* default configs: bit per type */
			uint32_t cfg[VSCMI_PIN_CFG_TYPES];
		} pin;
		struct {
			/* Indices into the pins, or for a function into the
			 * groups, or the pins when pins_only. */
			uint16_t members[VSCMI_PIN_MEMBERS];
			uint32_t nmembers;
			bool pins_only;		/* function: applies to pins */
		} pin_set;
		struct {
			uint32_t unit;		/* SCMI's: 1 uW, 2 mW */
			uint32_t cap_min, cap_max, cap_step;
			uint32_t cap;		/* at boot; 0: not capping */
			uint32_t pai_min, pai_max, pai_step;	/* us */
			uint32_t pai;		/* at boot */
			uint32_t sustainable;	/* in unit */
			uint32_t accuracy;	/* SCMI's accuracy word */
			/* The emulated draw: load +- swing over period_ms,
			 * never above the applied cap. */
			uint32_t load, swing, period_ms;
		} powercap;
	} u;
};

struct vscmi_view_desc {
	uint32_t res;			/* index into the kind's resources */
	char name[VSCMI_NAME_MAX];	/* name the agent sees */
};

#define VSCMI_MATCH_NONE 0
#define VSCMI_MATCH_NAME 1
#define VSCMI_MATCH_DOMID 2

struct vscmi_agent_desc {
	char name[16];			/* SCMI agent names are 16 bytes */
	int match;			/* VSCMI_MATCH_* */
	char match_name[VSCMI_NAME_MAX];
	uint32_t match_domid;
	char socket[108];		/* sun_path; empty: no socket */
	char vhost[108];		/* vhost-user socket; empty: none */
	bool privileged;
	uint32_t protocols;		/* bit (id - 0x10) per permitted protocol */
	uint32_t max_msg_size;		/* payload bytes the agent takes */
	/* A dom0less guest's device, served with no XenStore (match by domid). */
	struct {
		bool enabled;
		uint64_t base;			/* virtio-mmio base, guest physical */
		uint32_t irq;			/* SPI */
		bool grants;			/* grant-encoded buffer addresses */
	} xen_static;
	struct vscmi_view_desc *views[VSCMI_KIND_COUNT];
	uint32_t nviews[VSCMI_KIND_COUNT];
};

struct vscmi_model {
	struct vscmi_res_desc *res[VSCMI_KIND_COUNT];
	uint32_t nres[VSCMI_KIND_COUNT];
	struct vscmi_agent_desc *agents;	/* agent id = index + 1 */
	uint32_t nagents;
};

const char *vscmi_kind_name(enum vscmi_kind kind);
/* The SCMI protocol that serves resources of the kind. */
uint8_t vscmi_kind_protocol(enum vscmi_kind kind);
const char *vscmi_policy_name(enum vscmi_policy policy);
/* Index of a power state by its SCMI value, or -1. */
int vscmi_pd_state_index(const struct vscmi_res_desc *d, uint32_t value);
/* Rounds v into the range: dir < 0 down, > 0 up, 0 exact only.
 * Returns 0, -ERANGE outside it, -EINVAL not a supported value. */
int vscmi_range_fit(const struct vscmi_range *r, int64_t v, int dir, int64_t *out);
/* SCMI pin configuration types by name ("bias-pull-up"), 1 .. 20; NULL or
 * -1 for no such type. */
const char *vscmi_pin_cfg_name(uint32_t type);
int vscmi_pin_cfg_type(const char *name);
void vscmi_model_free(struct vscmi_model *m);
/* Same resources and agents, field by field (descriptors are built
 * zeroed, so padding compares equal). */
bool vscmi_model_equal(const struct vscmi_model *a, const struct vscmi_model *b);
/* The resources alone, and one agent's description. */
bool vscmi_model_res_equal(const struct vscmi_model *a, const struct vscmi_model *b);
bool vscmi_agent_equal(const struct vscmi_agent_desc *a, const struct vscmi_agent_desc *b);

#endif
