/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmid.conf: inih splits the file into sections and keys; this file counts
 * lines, fills the model and validates it, so every error names FILE:LINE. */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vscmi-build.h"
#include "vscmi/config.h"
#include "vscmi/scmi.h"

/* inih keeps section headers in a 50-byte buffer. */
#define CFG_SECTION_MAX 49
#define CFG_KEYS_MAX 24
#define CFG_AGENT_NAME_MAX 15
#define CFG_PD_NAME_MAX 15
/* An extended name reply (flags and 64 bytes) must fit. */
#define CFG_MIN_MSG_SIZE 68
/* Xen's DOMID_FIRST_RESERVED - 1 */
#define CFG_DOMID_MAX 0x7fefu

enum cfg_sect_type {
	SECT_DAEMON,
	SECT_RES,
	SECT_AGENT,
};

struct cfg_ctx;
struct cfg_sect;
struct cfg_key;

typedef int (*cfg_parse_fn)(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			    char *val, bool cont);

#define KEY_LIST 0x1		/* continuation lines append */
#define KEY_REQUIRED 0x2

struct cfg_key {
	const char *name;
	cfg_parse_fn parse;
	unsigned int flags;
	int arg;
};

struct cfg_view_ref {
	char res[VSCMI_NAME_MAX];
	int line;
};

struct cfg_sect {
	enum cfg_sect_type type;
	enum vscmi_kind kind;
	uint32_t index;			/* into model.res[kind] or model.agents */
	int line;
	char header[CFG_SECTION_MAX + 1];
	const struct cfg_key *keys;
	int key_line[CFG_KEYS_MAX];	/* where each key was set; 0: not set */
	char parent[VSCMI_NAME_MAX];
	char initial[CFG_PD_NAME_MAX + 1];
	uint32_t nrange;		/* range tokens seen so far */
	struct cfg_view_ref *refs[VSCMI_KIND_COUNT];
};

struct cfg_ctx {
	struct vscmi_config *cfg;
	FILE *f;
	char *line;
	size_t linecap;
	int lineno;
	bool after_key;			/* inih treats indented lines as continuations */
	bool cont_line;
	struct cfg_sect *sects;
	uint32_t nsects, capsects;
	uint32_t rescap[VSCMI_KIND_COUNT];
	uint32_t agentcap;
	int cur;			/* current section, -1 before the first */
	int daemon_sect;
	const struct cfg_key *prev_key;
	char *err;
	size_t errlen;
	int failed;			/* first error's -errno, 0 if none */
	int err_line;
};

static const char *const kind_titles[VSCMI_KIND_COUNT] = {
	[VSCMI_CLOCK] = "clock",
	[VSCMI_POWER] = "power domain",
	[VSCMI_RESET] = "reset domain",
	[VSCMI_VOLTAGE] = "voltage domain",
	[VSCMI_PERF] = "performance domain",
	[VSCMI_SENSOR] = "sensor",
	[VSCMI_POWERCAP] = "power capping domain",
	[VSCMI_PIN] = "pin",
	[VSCMI_PIN_GROUP] = "pin group",
	[VSCMI_PIN_FUNC] = "pin function",
};

__attribute__((format(printf, 3, 4))) static int cfg_error(struct cfg_ctx *ctx, int line,
							   const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ctx->failed)
		return ctx->failed;
	ctx->failed = -EINVAL;
	ctx->err_line = line;
	if (!ctx->err || ctx->errlen == 0)
		return ctx->failed;
	if (line > 0)
		n = snprintf(ctx->err, ctx->errlen, "%s:%d: ", ctx->cfg->path, line);
	else
		n = snprintf(ctx->err, ctx->errlen, "%s: ", ctx->cfg->path);
	if (n < 0 || (size_t)n >= ctx->errlen)
		return ctx->failed;
	va_start(ap, fmt);
	vsnprintf(ctx->err + n, ctx->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return ctx->failed;
}

static int cfg_nomem(struct cfg_ctx *ctx)
{
	if (!ctx->failed && ctx->err && ctx->errlen)
		snprintf(ctx->err, ctx->errlen, "%s: out of memory", ctx->cfg->path);
	ctx->failed = -ENOMEM;
	return ctx->failed;
}

static struct vscmi_res_desc *sect_res(struct cfg_ctx *ctx, const struct cfg_sect *s)
{
	return &ctx->cfg->model.res[s->kind][s->index];
}

static struct vscmi_agent_desc *sect_agent(struct cfg_ctx *ctx, const struct cfg_sect *s)
{
	return &ctx->cfg->model.agents[s->index];
}

static int key_index(const struct cfg_sect *s, const char *name)
{
	for (int i = 0; s->keys[i].name; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return i;
	return -1;
}

static int key_line(const struct cfg_sect *s, const char *name)
{
	int i = key_index(s, name);

	return i < 0 ? 0 : s->key_line[i];
}

/* Splits off the next whitespace-separated token, or returns NULL. */
static char *next_token(char **p)
{
	char *tok, *s = *p;

	while (*s && isspace((unsigned char)*s))
		s++;
	if (!*s)
		return NULL;
	tok = s;
	while (*s && !isspace((unsigned char)*s))
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return tok;
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

/* Decimal or 0x hex; with suffixes, k/M/G multiply by powers of 1000. */
static int parse_u64(const char *tok, bool suffix, uint64_t *out)
{
	const char *digits = tok;
	uint64_t v, mul = 1;
	char *end;
	int base = 10;

	if (tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X')) {
		digits = tok + 2;
		base = 16;
		if (!isxdigit((unsigned char)*digits))
			return -EINVAL;
	} else if (!isdigit((unsigned char)*digits)) {
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(digits, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (suffix && *end && !end[1]) {
		switch (*end) {
		case 'k':
		case 'K':
			mul = 1000;
			break;
		case 'M':
			mul = 1000000;
			break;
		case 'G':
			mul = 1000000000;
			break;
		default:
			return -EINVAL;
		}
		end++;
	}
	if (*end)
		return -EINVAL;
	if (v > UINT64_MAX / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

static int parse_s64(const char *tok, int64_t *out)
{
	bool neg = tok[0] == '-';
	uint64_t v = 0;
	int r;

	r = parse_u64(neg ? tok + 1 : tok, false, &v);
	if (r)
		return r;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > INT64_MAX)
			return -ERANGE;
		*out = (int64_t)v;
	}
	return 0;
}

static int cfg_u64(struct cfg_ctx *ctx, const char *key, const char *tok, uint64_t min,
		   uint64_t max, bool suffix, uint64_t *out)
{
	uint64_t v = 0;
	int r = parse_u64(tok, suffix, &v);

	if (r == -EINVAL)
		return cfg_error(ctx, ctx->lineno, "%s: '%s' is not a number", key, tok);
	if (r || v < min || v > max)
		return cfg_error(ctx, ctx->lineno, "%s: %s is out of range (%llu..%llu)", key, tok,
				 (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

static int cfg_u32(struct cfg_ctx *ctx, const char *key, const char *tok, uint32_t min,
		   uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	int r = cfg_u64(ctx, key, tok, min, max, false, &v);

	if (r == 0)
		*out = (uint32_t)v;
	return r;
}

static int cfg_s64(struct cfg_ctx *ctx, const char *key, const char *tok, int64_t min,
		   int64_t max, int64_t *out)
{
	int64_t v = 0;
	int r = parse_s64(tok, &v);

	if (r == -EINVAL)
		return cfg_error(ctx, ctx->lineno, "%s: '%s' is not a number", key, tok);
	if (r || v < min || v > max)
		return cfg_error(ctx, ctx->lineno, "%s: %s is out of range (%lld..%lld)", key, tok,
				 (long long)min, (long long)max);
	*out = v;
	return 0;
}

static int cfg_bool(struct cfg_ctx *ctx, const char *key, const char *val, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(val, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(val, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return cfg_error(ctx, ctx->lineno, "%s: '%s' is not yes or no", key, val);
}

/* The one value of a scalar key. */
static int cfg_single(struct cfg_ctx *ctx, const char *key, char *val, char **out)
{
	char *p = val, *tok = next_token(&p);

	*out = NULL;
	if (!tok)
		return cfg_error(ctx, ctx->lineno, "%s: value missing", key);
	if (next_token(&p))
		return cfg_error(ctx, ctx->lineno, "%s takes a single value", key);
	*out = tok;
	return 0;
}

static int cfg_policy(struct cfg_ctx *ctx, const char *key, char *val, enum vscmi_policy *out)
{
	char *tok;
	int r = cfg_single(ctx, key, val, &tok);

	if (r)
		return r;
	for (int p = 0; p < VSCMI_POLICY_COUNT; p++) {
		if (strcmp(tok, vscmi_policy_name((enum vscmi_policy)p)) == 0) {
			*out = (enum vscmi_policy)p;
			return 0;
		}
	}
	return cfg_error(ctx, ctx->lineno, "%s: unknown policy '%s' (fixed, max or exclusive)",
			 key, tok);
}

static int cfg_string(struct cfg_ctx *ctx, const char *key, char *val, char *dst, size_t cap)
{
	char *tok;
	int r = cfg_single(ctx, key, val, &tok);

	if (r)
		return r;
	if (strlen(tok) >= cap)
		return cfg_error(ctx, ctx->lineno, "%s: '%s' is too long (at most %zu characters)",
				 key, tok, cap - 1);
	strcpy(dst, tok);
	return 0;
}

/* [daemon] */

static int key_daemon_path(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			   char *val, bool cont)
{
	struct vscmi_config *cfg = ctx->cfg;

	if (k->arg == 0)
		return cfg_string(ctx, k->name, val, cfg->control, sizeof(cfg->control));
	return cfg_string(ctx, k->name, val, cfg->socket_dir, sizeof(cfg->socket_dir));
}

static int key_daemon_platform(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			       char *val, bool cont)
{
	char *tok;
	int r = cfg_single(ctx, k->name, val, &tok);

	if (r)
		return r;
	if (strcmp(tok, "emulated") != 0 && strcmp(tok, "linux-raw") != 0)
		return cfg_error(ctx, ctx->lineno,
				 "platform: unknown platform '%s' (emulated or linux-raw)", tok);
	snprintf(ctx->cfg->platform, sizeof(ctx->cfg->platform), "%s", tok);
	return 0;
}

static int key_daemon_grace(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			    char *val, bool cont)
{
	char *tok;
	int r = cfg_single(ctx, k->name, val, &tok);

	return r ? r : cfg_u32(ctx, k->name, tok, 0, 3600, &ctx->cfg->restart_grace_s);
}

/* The linux-raw link: where the raw files are, and how long to wait. */
static int key_daemon_raw(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			  char *val, bool cont)
{
	struct vscmi_config *cfg = ctx->cfg;
	uint32_t v = 0;
	char *tok;
	int r;

	if (k->arg == 0)
		return cfg_string(ctx, k->name, val, cfg->raw_dir, sizeof(cfg->raw_dir));
	r = cfg_single(ctx, k->name, val, &tok);
	if (r)
		return r;
	switch (k->arg) {
	case 1:
		r = cfg_u32(ctx, k->name, tok, 0, 255, &cfg->raw_instance);
		break;
	case 2:
		/* channels/0xNN/ carry a protocol number */
		r = cfg_u32(ctx, k->name, tok, 0x10, 0xff, &v);
		cfg->raw_channel = (int)v;
		break;
	default:
		r = cfg_u32(ctx, k->name, tok, 1, 60000, &cfg->upstream_timeout_ms);
		break;
	}
	return r;
}

/* Grows getgrnam_r's buffer this far for a group with many members. */
#define CFG_GRBUF_MAX (1u << 20)

/* A group's gid through NSS: 0, -ENOENT when there is none, or -errno. */
static int cfg_group_lookup(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	size_t cap = 4096;
	char *buf = NULL;
	int r;

	for (;;) {
		char *nbuf = realloc(buf, cap);

		if (!nbuf) {
			r = ENOMEM;
			goto out;
		}
		buf = nbuf;
		r = getgrnam_r(name, &gr, buf, cap, &res);
		if (r != ERANGE || cap >= CFG_GRBUF_MAX)
			break;
		cap *= 2;
	}
	if (res)
		*gid = res->gr_gid;
	else if (!r)
		r = ENOENT;
out:
	free(buf);
	return -r;
}

/* A group by name, or a gid as a number; a number is taken as written, so
 * a gid need not be in /etc/group. */
static int key_daemon_group(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			    char *val, bool cont)
{
	struct vscmi_ctl_group *g = k->arg == 0 ? &ctx->cfg->ctl_read : &ctx->cfg->ctl_admin;
	uint32_t num = 0;
	gid_t gid = 0;
	char *tok;
	int r = cfg_single(ctx, k->name, val, &tok);

	if (r)
		return r;
	if (strlen(tok) >= sizeof(g->name))
		return cfg_error(ctx, ctx->lineno, "%s: '%s' is too long", k->name, tok);
	if (isdigit((unsigned char)tok[0])) {
		/* (gid_t)-1 is "no group" to chown and setgid */
		r = cfg_u32(ctx, k->name, tok, 0, UINT32_MAX - 1, &num);
		gid = (gid_t)num;
	} else {
		r = cfg_group_lookup(tok, &gid);
		if (r == -ENOENT)
			r = cfg_error(ctx, ctx->lineno, "%s: no group '%s' (a name the system "
					"knows, or a number)", k->name, tok);
		else if (r)
			r = cfg_error(ctx, ctx->lineno, "%s: cannot look up group '%s': %s",
				      k->name, tok, strerror(-r));
	}
	if (r)
		return r;
	g->set = true;
	g->gid = gid;
	snprintf(g->name, sizeof(g->name), "%s", tok);
	return 0;
}

static const struct cfg_key daemon_keys[] = {
	{ "control", key_daemon_path, 0, 0 },
	{ "socket_dir", key_daemon_path, 0, 1 },
	{ "platform", key_daemon_platform, 0, 0 },
	{ "restart_grace", key_daemon_grace, 0, 0 },
	{ "raw_dir", key_daemon_raw, 0, 0 },
	{ "raw_instance", key_daemon_raw, 0, 1 },
	{ "raw_channel", key_daemon_raw, 0, 2 },
	{ "upstream_timeout_ms", key_daemon_raw, 0, 3 },
	{ "control_read_group", key_daemon_group, 0, 0 },
	{ "control_admin_group", key_daemon_group, 0, 1 },
	{ NULL, NULL, 0, 0 },
};

/* Keys shared by resources */

static int key_id(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k, char *val,
		  bool cont)
{
	char *tok;
	int r = cfg_single(ctx, k->name, val, &tok);

	return r ? r : cfg_u32(ctx, k->name, tok, 0, UINT32_MAX, &sect_res(ctx, s)->plat_id);
}

static int key_parent(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
		      char *val, bool cont)
{
	return cfg_string(ctx, k->name, val, s->parent, sizeof(s->parent));
}

static int key_policy(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
		      char *val, bool cont)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);

	if (d->kind == VSCMI_CLOCK)
		return cfg_policy(ctx, k->name, val, &d->u.clock.policy);
	return cfg_policy(ctx, k->name, val, &d->u.voltage.policy);
}

static int key_enabled(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
		       char *val, bool cont)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	char *tok;
	int r = cfg_single(ctx, k->name, val, &tok);

	if (r)
		return r;
	if (d->kind == VSCMI_CLOCK)
		return cfg_bool(ctx, k->name, tok, &d->u.clock.on);
	return cfg_bool(ctx, k->name, tok, &d->u.voltage.on);
}

static struct vscmi_range *res_range(struct vscmi_res_desc *d)
{
	return d->kind == VSCMI_CLOCK ? &d->u.clock.rates : &d->u.voltage.levels;
}

/* Limits of a clock rate (Hz, suffixes allowed) or a voltage level (uV).
 * Bounded so that rounding within a range never overflows. */
static int res_value(struct cfg_ctx *ctx, const struct vscmi_res_desc *d, const char *key,
		     const char *tok, int64_t *out)
{
	uint64_t u = 0;
	int r;

	if (d->kind == VSCMI_VOLTAGE)
		return cfg_s64(ctx, key, tok, INT32_MIN, INT32_MAX, out);
	r = cfg_u64(ctx, key, tok, 1, VSCMI_VALUE_MAX, true, &u);
	if (r == 0)
		*out = (int64_t)u;
	return r;
}

/* rates = / levels = : a discrete ascending list. */
static int key_values(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
		      char *val, bool cont)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	struct vscmi_range *rg = res_range(d);
	char *tok, *p = val;
	int64_t v = 0;
	int r;

	while ((tok = next_token(&p))) {
		r = res_value(ctx, d, k->name, tok, &v);
		if (r)
			return r;
		if (rg->count >= VSCMI_MAX_LEVELS)
			return cfg_error(ctx, ctx->lineno, "%s: more than %d values", k->name,
					 VSCMI_MAX_LEVELS);
		if (rg->count && v <= rg->values[rg->count - 1])
			return cfg_error(ctx, ctx->lineno, "%s: %s is not above the value before it",
					 k->name, tok);
		rg->values[rg->count++] = v;
	}
	return 0;
}

/* range = min max step */
static int key_range(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
		     char *val, bool cont)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	struct vscmi_range *rg = res_range(d);
	char *tok, *p = val;
	int64_t v = 0;
	int r;

	rg->segment = true;
	while ((tok = next_token(&p))) {
		if (s->nrange >= 3)
			return cfg_error(ctx, ctx->lineno, "range: takes min max step");
		r = res_value(ctx, d, k->name, tok, &v);
		if (r)
			return r;
		if (s->nrange == 0)
			rg->min = v;
		else if (s->nrange == 1)
			rg->max = v;
		else
			rg->step = v;
		s->nrange++;
	}
	return 0;
}

static int key_initial_value(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			     char *val, bool cont)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	char *tok;
	int64_t v = 0;
	int r = cfg_single(ctx, k->name, val, &tok);

	if (r)
		return r;
	r = res_value(ctx, d, k->name, tok, &v);
	if (r)
		return r;
	if (d->kind == VSCMI_CLOCK)
		d->u.clock.rate = (uint64_t)v;
	else
		d->u.voltage.level = v;
	return 0;
}

static int key_latency(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
		       char *val, bool cont)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	uint32_t *dst = d->kind == VSCMI_CLOCK ? &d->u.clock.enable_latency_us :
						 &d->u.reset.latency_us;
	char *tok;
	int r = cfg_single(ctx, k->name, val, &tok);

	return r ? r : cfg_u32(ctx, k->name, tok, 0, UINT32_MAX - 1, dst);
}

static const struct cfg_key clock_keys[] = {
	{ "id", key_id, KEY_REQUIRED, 0 },
	{ "rates", key_values, KEY_LIST, 0 },
	{ "range", key_range, KEY_LIST, 0 },
	{ "policy", key_policy, 0, 0 },
	{ "rate", key_initial_value, 0, 0 },
	{ "enabled", key_enabled, 0, 0 },
	{ "parent", key_parent, 0, 0 },
	{ "enable_latency_us", key_latency, 0, 0 },
	{ NULL, NULL, 0, 0 },
};

/* [power NAME] */

static int key_states(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
		      char *val, bool cont)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	char *tok, *eq, *p = val;
	uint32_t v;
	int r;

	while ((tok = next_token(&p))) {
		eq = strchr(tok, '=');
		if (!eq || eq == tok)
			return cfg_error(ctx, ctx->lineno, "states: '%s' is not NAME=VALUE", tok);
		*eq = '\0';
		if (!valid_name(tok) || strlen(tok) > CFG_PD_NAME_MAX)
			return cfg_error(ctx, ctx->lineno,
					 "states: bad state name '%s' (at most %d of A-Z a-z 0-9 _ - .)",
					 tok, CFG_PD_NAME_MAX);
		r = cfg_u32(ctx, "states", eq + 1, 0, UINT32_MAX, &v);
		if (r)
			return r;
		if (d->u.power.nstates >= VSCMI_MAX_PD_STATES)
			return cfg_error(ctx, ctx->lineno, "states: more than %d states",
					 VSCMI_MAX_PD_STATES);
		for (uint32_t i = 0; i < d->u.power.nstates; i++) {
			if (strcmp(d->u.power.states[i].name, tok) == 0)
				return cfg_error(ctx, ctx->lineno, "states: '%s' given twice",
						 tok);
			if (d->u.power.states[i].value == v)
				return cfg_error(ctx, ctx->lineno,
						 "states: '%s' and '%s' have the same value",
						 d->u.power.states[i].name, tok);
		}
		strcpy(d->u.power.states[d->u.power.nstates].name, tok);
		d->u.power.states[d->u.power.nstates].value = v;
		d->u.power.nstates++;
	}
	return 0;
}

static int key_pd_initial(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			  char *val, bool cont)
{
	return cfg_string(ctx, k->name, val, s->initial, sizeof(s->initial));
}

static const struct cfg_key power_keys[] = {
	{ "id", key_id, KEY_REQUIRED, 0 },
	{ "states", key_states, KEY_LIST, 0 },
	{ "initial", key_pd_initial, 0, 0 },
	{ "parent", key_parent, 0, 0 },
	{ NULL, NULL, 0, 0 },
};

/* [reset NAME] */

static int key_choice(struct cfg_ctx *ctx, const char *key, char *val, const char *no,
		      const char *yes, bool *out)
{
	char *tok;
	int r = cfg_single(ctx, key, val, &tok);

	if (r)
		return r;
	if (strcmp(tok, yes) == 0)
		*out = true;
	else if (strcmp(tok, no) == 0)
		*out = false;
	else
		return cfg_error(ctx, ctx->lineno, "%s: '%s' is neither %s nor %s", key, tok, no,
				 yes);
	return 0;
}

static int key_autonomous(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			  char *val, bool cont)
{
	return key_choice(ctx, k->name, val, "deny", "allow",
			  &sect_res(ctx, s)->u.reset.allow_autonomous);
}

static int key_reset_initial(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			     char *val, bool cont)
{
	return key_choice(ctx, k->name, val, "deasserted", "asserted",
			  &sect_res(ctx, s)->u.reset.asserted);
}

static const struct cfg_key reset_keys[] = {
	{ "id", key_id, KEY_REQUIRED, 0 },
	{ "autonomous", key_autonomous, 0, 0 },
	{ "initial", key_reset_initial, 0, 0 },
	{ "latency_us", key_latency, 0, 0 },
	{ NULL, NULL, 0, 0 },
};

/* [voltage NAME] */

static const struct cfg_key voltage_keys[] = {
	{ "id", key_id, KEY_REQUIRED, 0 },
	{ "levels", key_values, KEY_LIST, 0 },
	{ "range", key_range, KEY_LIST, 0 },
	{ "policy", key_policy, 0, 0 },
	{ "level", key_initial_value, 0, 0 },
	{ "enabled", key_enabled, 0, 0 },
	{ NULL, NULL, 0, 0 },
};

/* [perf NAME] */

static int key_perf_levels(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			   char *val, bool cont)
{
	static const char *const fields[] = { "perf", "power_mW", "latency_us", "freq_kHz" };
	static const uint32_t max[] = { UINT32_MAX, UINT32_MAX, UINT16_MAX, UINT32_MAX };
	struct vscmi_res_desc *d = sect_res(ctx, s);
	char *tok, *p = val;

	while ((tok = next_token(&p))) {
		struct vscmi_perf_level *lv;
		uint32_t f[4];
		char *q = tok;
		int r;

		for (int i = 0; i < 4; i++) {
			char *colon = strchr(q, ':');

			if ((i < 3) != (colon != NULL))
				return cfg_error(ctx, ctx->lineno,
						 "levels: '%s' is not perf:power_mW:latency_us:freq_kHz",
						 tok);
			if (colon)
				*colon = '\0';
			r = cfg_u32(ctx, fields[i], q, 0, max[i], &f[i]);
			if (r)
				return r;
			q = colon ? colon + 1 : q;
		}
		if (d->u.perf.nlevels >= VSCMI_MAX_LEVELS)
			return cfg_error(ctx, ctx->lineno, "levels: more than %d levels",
					 VSCMI_MAX_LEVELS);
		if (d->u.perf.nlevels && f[0] <= d->u.perf.levels[d->u.perf.nlevels - 1].perf)
			return cfg_error(ctx, ctx->lineno,
					 "levels: perf %u is not above the level before it", f[0]);
		lv = &d->u.perf.levels[d->u.perf.nlevels++];
		lv->perf = f[0];
		lv->power = f[1];
		lv->latency_us = f[2];
		lv->freq_khz = f[3];
	}
	return 0;
}

static int key_perf_u32(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			char *val, bool cont)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	char *tok;
	int r = cfg_single(ctx, k->name, val, &tok);

	if (r)
		return r;
	if (k->arg == 0)
		return cfg_u32(ctx, k->name, tok, 0, UINT32_MAX, &d->u.perf.initial);
	/* SCMI carries the rate limit in 20 bits */
	return cfg_u32(ctx, k->name, tok, 0, 0xfffff, &d->u.perf.rate_limit_us);
}

static const struct cfg_key perf_keys[] = {
	{ "id", key_id, KEY_REQUIRED, 0 },
	{ "levels", key_perf_levels, KEY_LIST | KEY_REQUIRED, 0 },
	{ "initial", key_perf_u32, 0, 0 },
	{ "rate_limit_us", key_perf_u32, 0, 1 },
	{ NULL, NULL, 0, 0 },
};

/* [sensor NAME] */

static int key_sensor_type(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			   char *val, bool cont)
{
	static const struct {
		const char *name;
		uint32_t type;
	} units[] = { { "celsius", 2 }, { "volts", 5 }, { "amps", 6 }, { "watts", 7 } };
	struct vscmi_res_desc *d = sect_res(ctx, s);
	char *tok;
	int r = cfg_single(ctx, k->name, val, &tok);

	if (r)
		return r;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(tok, units[i].name) == 0) {
			d->u.sensor.type = units[i].type;
			return 0;
		}
	}
	if (!isdigit((unsigned char)tok[0]))
		return cfg_error(ctx, ctx->lineno,
				 "type: unknown unit '%s' (a number, celsius, volts, amps or watts)",
				 tok);
	return cfg_u32(ctx, k->name, tok, 0, 0xff, &d->u.sensor.type);
}

static int key_sensor_num(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			  char *val, bool cont)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	char *tok;
	int64_t v = 0;
	int r = cfg_single(ctx, k->name, val, &tok);

	if (r)
		return r;
	switch (k->arg) {
	case 0:
		/* a 5-bit signed exponent in SCMI */
		r = cfg_s64(ctx, k->name, tok, -16, 15, &v);
		d->u.sensor.scale = (int32_t)v;
		break;
	/* the emulated reading swings over value +- amplitude */
	case 1:
		r = cfg_s64(ctx, k->name, tok, -VSCMI_VALUE_MAX, VSCMI_VALUE_MAX,
			    &d->u.sensor.value);
		break;
	case 2:
		r = cfg_s64(ctx, k->name, tok, 0, VSCMI_VALUE_MAX, &d->u.sensor.amplitude);
		break;
	default:
		r = cfg_u32(ctx, k->name, tok, 1, UINT32_MAX, &d->u.sensor.period_ms);
		break;
	}
	return r;
}

static const struct cfg_key sensor_keys[] = {
	{ "id", key_id, KEY_REQUIRED, 0 },
	{ "type", key_sensor_type, 0, 0 },
	{ "scale", key_sensor_num, 0, 0 },
	{ "value", key_sensor_num, 0, 1 },
	{ "amplitude", key_sensor_num, 0, 2 },
	{ "period_ms", key_sensor_num, 0, 3 },
	{ NULL, NULL, 0, 0 },
};

/* [powercap NAME] */

static int key_pc_unit(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
		       char *val, bool cont)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	char *tok;
	int r = cfg_single(ctx, k->name, val, &tok);

	if (r)
		return r;
	/* SCMI's encoding; Linux registers no zone in abstract units */
	if (!strcmp(tok, "uW"))
		d->u.powercap.unit = 1;
	else if (!strcmp(tok, "mW"))
		d->u.powercap.unit = 2;
	else
		return cfg_error(ctx, ctx->lineno, "unit: '%s' is not uW or mW", tok);
	return 0;
}

/* cap_range = / pai_range = MIN MAX [STEP] */
static int key_pc_range(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			char *val, bool cont)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	uint32_t *dst[3] = { &d->u.powercap.cap_min, &d->u.powercap.cap_max,
			     &d->u.powercap.cap_step };
	char *tok, *p = val;
	uint32_t n = 0;
	int r;

	if (k->arg) {
		dst[0] = &d->u.powercap.pai_min;
		dst[1] = &d->u.powercap.pai_max;
		dst[2] = &d->u.powercap.pai_step;
	}
	*dst[2] = 0;
	while ((tok = next_token(&p))) {
		if (n >= 3)
			return cfg_error(ctx, ctx->lineno, "%s: takes min max [step]", k->name);
		/* 0 stands for "none" on the wire: no bound may be it */
		r = cfg_u32(ctx, k->name, tok, n == 2 ? 0 : 1, UINT32_MAX, dst[n]);
		if (r)
			return r;
		n++;
	}
	if (n < 2)
		return cfg_error(ctx, ctx->lineno, "%s: takes min max [step]", k->name);
	return 0;
}

static int key_pc_num(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
		      char *val, bool cont)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	uint32_t *dst[] = { &d->u.powercap.cap,	    &d->u.powercap.pai,
			    &d->u.powercap.load,    &d->u.powercap.swing,
			    &d->u.powercap.period_ms, &d->u.powercap.sustainable,
			    &d->u.powercap.accuracy };
	char *tok;
	int r = cfg_single(ctx, k->name, val, &tok);

	if (r)
		return r;
	/* cap = none: the domain boots uncapped */
	if (k->arg == 0 && !strcmp(tok, "none")) {
		d->u.powercap.cap = 0;
		return 0;
	}
	return cfg_u32(ctx, k->name, tok, k->arg == 4 ? 1 : 0, UINT32_MAX, dst[k->arg]);
}

static const struct cfg_key powercap_keys[] = {
	{ "id", key_id, KEY_REQUIRED, 0 },
	{ "unit", key_pc_unit, 0, 0 },
	{ "cap_range", key_pc_range, KEY_REQUIRED, 0 },
	{ "pai_range", key_pc_range, 0, 1 },
	{ "cap", key_pc_num, 0, 0 },
	{ "pai", key_pc_num, 0, 1 },
	{ "load", key_pc_num, 0, 2 },
	{ "swing", key_pc_num, 0, 3 },
	{ "period_ms", key_pc_num, 0, 4 },
	{ "sustainable", key_pc_num, 0, 5 },
	{ "accuracy", key_pc_num, 0, 6 },
	{ "parent", key_parent, 0, 0 },
	{ NULL, NULL, 0, 0 },
};

/* [pin NAME], [pin-group NAME], [pin-function NAME]: member and function
 * names are kept in the section's refs until every section is read. */
static int cfg_add_ref(struct cfg_ctx *ctx, struct cfg_sect *s, enum vscmi_kind kind,
		       uint32_t n, const char *name, const char *key)
{
	struct cfg_view_ref *refs;

	if (!valid_name(name) || strlen(name) >= VSCMI_NAME_MAX)
		return cfg_error(ctx, ctx->lineno, "%s: bad name '%s'", key, name);
	refs = realloc(s->refs[kind], (n + 1) * sizeof(*refs));
	if (!refs)
		return cfg_nomem(ctx);
	s->refs[kind] = refs;
	strcpy(refs[n].res, name);
	refs[n].line = ctx->lineno;
	return 0;
}

static int key_pin_function(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			    char *val, bool cont)
{
	char *tok;
	int r = cfg_single(ctx, k->name, val, &tok);

	if (r)
		return r;
	free(s->refs[VSCMI_PIN_FUNC]);
	s->refs[VSCMI_PIN_FUNC] = NULL;
	return cfg_add_ref(ctx, s, VSCMI_PIN_FUNC, 0, tok, k->name);
}

/* configs = TYPE:VALUE ..., TYPE a name or 1..20 */
static int key_pin_configs(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			   char *val, bool cont)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	char *tok, *colon, *p = val;
	uint32_t type, v;
	int r;

	while ((tok = next_token(&p))) {
		colon = strchr(tok, ':');
		if (!colon)
			return cfg_error(ctx, ctx->lineno, "configs: '%s' is not TYPE:VALUE", tok);
		*colon = '\0';
		r = vscmi_pin_cfg_type(tok);
		if (r > 0)
			type = (uint32_t)r;
		else if (!isdigit((unsigned char)tok[0]))
			return cfg_error(ctx, ctx->lineno, "configs: unknown config type '%s'", tok);
		else if ((r = cfg_u32(ctx, k->name, tok, 1, VSCMI_PIN_CFG_TYPES - 1, &type)))
			return r;
		r = cfg_u32(ctx, k->name, colon + 1, 0, UINT32_MAX, &v);
		if (r)
			return r;
		d->u.pin.cfg_mask |= 1u << type;
		d->u.pin.cfg[type] = v;
	}
	return 0;
}

/* pins = PIN ... (a group, a function of pins); groups = GROUP ... */
static int key_pin_members(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			   char *val, bool cont)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	enum vscmi_kind kind = (enum vscmi_kind)k->arg;
	enum vscmi_kind other = kind == VSCMI_PIN ? VSCMI_PIN_GROUP : VSCMI_PIN;
	char *tok, *p = val;
	int r;

	/* One list: the protocol's associations are groups or pins. */
	if (s->refs[other])
		return cfg_error(ctx, ctx->lineno,
				 "%s '%s': give either 'pins' or 'groups', not both",
				 kind_titles[d->kind], d->name);
	while ((tok = next_token(&p))) {
		if (d->u.pin_set.nmembers >= VSCMI_PIN_MEMBERS)
			return cfg_error(ctx, ctx->lineno, "%s: more than %d entries", k->name,
					 VSCMI_PIN_MEMBERS);
		r = cfg_add_ref(ctx, s, kind, d->u.pin_set.nmembers, tok, k->name);
		if (r)
			return r;
		d->u.pin_set.nmembers++;
	}
	d->u.pin_set.pins_only = kind == VSCMI_PIN;
	return 0;
}

static const struct cfg_key pin_keys[] = {
	{ "id", key_id, KEY_REQUIRED, 0 },
	{ "function", key_pin_function, 0, 0 },
	{ "configs", key_pin_configs, KEY_LIST, 0 },
	{ NULL, NULL, 0, 0 },
};

static const struct cfg_key pin_group_keys[] = {
	{ "id", key_id, KEY_REQUIRED, 0 },
	{ "pins", key_pin_members, KEY_LIST | KEY_REQUIRED, VSCMI_PIN },
	{ NULL, NULL, 0, 0 },
};

static const struct cfg_key pin_func_keys[] = {
	{ "id", key_id, KEY_REQUIRED, 0 },
	{ "groups", key_pin_members, KEY_LIST, VSCMI_PIN_GROUP },
	{ "pins", key_pin_members, KEY_LIST, VSCMI_PIN },
	{ NULL, NULL, 0, 0 },
};

/* [agent NAME] */

static int key_agent_domain(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			    char *val, bool cont)
{
	struct vscmi_agent_desc *a = sect_agent(ctx, s);
	char *tok;
	int r;

	if (k->arg == 0) {
		r = cfg_string(ctx, k->name, val, a->match_name, sizeof(a->match_name));
		a->match = VSCMI_MATCH_NAME;
		return r;
	}
	r = cfg_single(ctx, k->name, val, &tok);
	if (r == 0)
		r = cfg_u32(ctx, k->name, tok, 0, CFG_DOMID_MAX, &a->match_domid);
	a->match = VSCMI_MATCH_DOMID;
	return r;
}

static int key_agent_socket(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			    char *val, bool cont)
{
	struct vscmi_agent_desc *a = sect_agent(ctx, s);
	int r = cfg_string(ctx, k->name, val, a->socket, sizeof(a->socket));

	if (r == 0 && strcmp(a->socket, "none") == 0)
		a->socket[0] = '\0';
	return r;
}

static int key_agent_vhost(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			   char *val, bool cont)
{
	struct vscmi_agent_desc *a = sect_agent(ctx, s);
	int r = cfg_string(ctx, k->name, val, a->vhost, sizeof(a->vhost));

	if (r == 0 && strcmp(a->vhost, "none") == 0)
		a->vhost[0] = '\0';
	return r;
}

static int key_agent_privileged(struct cfg_ctx *ctx, struct cfg_sect *s,
				const struct cfg_key *k, char *val, bool cont)
{
	char *tok;
	int r = cfg_single(ctx, k->name, val, &tok);

	return r ? r : cfg_bool(ctx, k->name, tok, &sect_agent(ctx, s)->privileged);
}

/* dom0less: the device libxl would otherwise have described in XenStore. */
static int key_agent_static(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			    char *val, bool cont)
{
	struct vscmi_agent_desc *a = sect_agent(ctx, s);
	uint64_t v;
	char *tok;
	int r = cfg_single(ctx, k->name, val, &tok);

	if (r)
		return r;
	switch (k->arg) {
	case 0:
		return cfg_bool(ctx, k->name, tok, &a->xen_static.enabled);
	case 1:
		/* a page-aligned window below 4 GiB, room for the 0x200 registers */
		r = cfg_u64(ctx, k->name, tok, 0x1000, 0xfffff000ull, false, &v);
		if (r == 0 && (v & 0xfff))
			return cfg_error(ctx, ctx->lineno, "%s: 0x%llx is not page aligned", k->name,
					 (unsigned long long)v);
		a->xen_static.base = v;
		return r;
	case 2:
		/* SPIs only: 32..1019 */
		return cfg_u32(ctx, k->name, tok, 32, 1019, &a->xen_static.irq);
	default:
		return cfg_bool(ctx, k->name, tok, &a->xen_static.grants);
	}
}

static const char *const proto_names[] = {
	"base", "power", "system", "perf", "clock", "sensor", "reset", "voltage", "powercap",
};

static int key_agent_protocols(struct cfg_ctx *ctx, struct cfg_sect *s,
			       const struct cfg_key *k, char *val, bool cont)
{
	struct vscmi_agent_desc *a = sect_agent(ctx, s);
	char *tok, *p = val;
	uint32_t id;
	int r;

	/* the list replaces the default "all"; base is always there */
	if (!cont)
		a->protocols = SCMI_PROTO_BIT(SCMI_PROTO_BASE);
	while ((tok = next_token(&p))) {
		id = 0;
		for (uint32_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
			if (strcmp(tok, proto_names[i]) == 0)
				id = SCMI_PROTO_BASE + i;
		if (!id && strcmp(tok, "pinctrl") == 0)
			id = SCMI_PROTO_PINCTRL;
		if (!id) {
			if (!isdigit((unsigned char)tok[0]))
				return cfg_error(ctx, ctx->lineno,
						 "protocols: unknown protocol '%s'", tok);
			r = cfg_u32(ctx, k->name, tok, SCMI_PROTO_BASE, SCMI_PROTO_PINCTRL, &id);
			if (r)
				return r;
			if (id > SCMI_PROTO_VOLTAGE && id != SCMI_PROTO_PINCTRL)
				return cfg_error(ctx, ctx->lineno,
						 "protocols: 0x%x is out of range (0x10..0x17, 0x19)",
						 id);
		}
		a->protocols |= SCMI_PROTO_BIT(id);
	}
	return 0;
}

static int key_agent_msg_size(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			      char *val, bool cont)
{
	char *tok;
	int r = cfg_single(ctx, k->name, val, &tok);

	return r ? r : cfg_u32(ctx, k->name, tok, CFG_MIN_MSG_SIZE, SCMI_DEFAULT_PAYLOAD,
				&sect_agent(ctx, s)->max_msg_size);
}

/* clocks = RES[:NAME] ... */
static int key_agent_views(struct cfg_ctx *ctx, struct cfg_sect *s, const struct cfg_key *k,
			   char *val, bool cont)
{
	struct vscmi_agent_desc *a = sect_agent(ctx, s);
	enum vscmi_kind kind = (enum vscmi_kind)k->arg;
	char *tok, *colon, *p = val;

	while ((tok = next_token(&p))) {
		struct vscmi_view_desc *views;
		struct cfg_view_ref *refs;
		const char *vname;
		uint32_t n = a->nviews[kind];

		colon = strchr(tok, ':');
		if (colon)
			*colon = '\0';
		vname = colon ? colon + 1 : tok;
		if (!valid_name(tok) || !valid_name(vname))
			return cfg_error(ctx, ctx->lineno, "%s: '%s%s%s' is not RESOURCE[:NAME]",
					 k->name, tok, colon ? ":" : "", colon ? vname : "");
		if (strlen(tok) >= VSCMI_NAME_MAX || strlen(vname) >= VSCMI_NAME_MAX)
			return cfg_error(ctx, ctx->lineno, "%s: name too long (at most %d)",
					 k->name, VSCMI_NAME_MAX - 1);
		if (n >= VSCMI_MAX_RESOURCES)
			return cfg_error(ctx, ctx->lineno, "%s: more than %d entries", k->name,
					 VSCMI_MAX_RESOURCES);
		views = realloc(a->views[kind], (n + 1) * sizeof(*views));
		if (!views)
			return cfg_nomem(ctx);
		a->views[kind] = views;
		refs = realloc(s->refs[kind], (n + 1) * sizeof(*refs));
		if (!refs)
			return cfg_nomem(ctx);
		s->refs[kind] = refs;
		memset(&views[n], 0, sizeof(views[n]));
		strcpy(views[n].name, vname);
		strcpy(refs[n].res, tok);
		refs[n].line = ctx->lineno;
		a->nviews[kind] = n + 1;
	}
	return 0;
}

static const struct cfg_key agent_keys[] = {
	{ "domain", key_agent_domain, 0, 0 },
	{ "domid", key_agent_domain, 0, 1 },
	{ "socket", key_agent_socket, 0, 0 },
	{ "vhost", key_agent_vhost, 0, 0 },
	{ "privileged", key_agent_privileged, 0, 0 },
	{ "protocols", key_agent_protocols, KEY_LIST, 0 },
	{ "max_msg_size", key_agent_msg_size, 0, 0 },
	{ "dom0less", key_agent_static, 0, 0 },
	{ "mmio_base", key_agent_static, 0, 1 },
	{ "irq", key_agent_static, 0, 2 },
	{ "grant_usage", key_agent_static, 0, 3 },
	{ "clocks", key_agent_views, KEY_LIST, VSCMI_CLOCK },
	{ "power", key_agent_views, KEY_LIST, VSCMI_POWER },
	{ "resets", key_agent_views, KEY_LIST, VSCMI_RESET },
	{ "voltages", key_agent_views, KEY_LIST, VSCMI_VOLTAGE },
	{ "perf", key_agent_views, KEY_LIST, VSCMI_PERF },
	{ "sensors", key_agent_views, KEY_LIST, VSCMI_SENSOR },
	{ "powercaps", key_agent_views, KEY_LIST, VSCMI_POWERCAP },
	{ "pins", key_agent_views, KEY_LIST, VSCMI_PIN },
	{ "pin-groups", key_agent_views, KEY_LIST, VSCMI_PIN_GROUP },
	{ "pin-functions", key_agent_views, KEY_LIST, VSCMI_PIN_FUNC },
	{ NULL, NULL, 0, 0 },
};

/* Each table, with its terminator, fits the per-section key record. */
#define CFG_KEYS_FIT(t) _Static_assert(sizeof(t) / sizeof((t)[0]) <= CFG_KEYS_MAX + 1, #t)
CFG_KEYS_FIT(daemon_keys);
CFG_KEYS_FIT(clock_keys);
CFG_KEYS_FIT(power_keys);
CFG_KEYS_FIT(reset_keys);
CFG_KEYS_FIT(voltage_keys);
CFG_KEYS_FIT(perf_keys);
CFG_KEYS_FIT(sensor_keys);
CFG_KEYS_FIT(powercap_keys);
CFG_KEYS_FIT(agent_keys);
CFG_KEYS_FIT(pin_keys);
CFG_KEYS_FIT(pin_group_keys);
CFG_KEYS_FIT(pin_func_keys);

static const struct cfg_key *const res_keys[VSCMI_KIND_COUNT] = {
	[VSCMI_CLOCK] = clock_keys,	[VSCMI_POWER] = power_keys, [VSCMI_RESET] = reset_keys,
	[VSCMI_VOLTAGE] = voltage_keys, [VSCMI_PERF] = perf_keys,   [VSCMI_SENSOR] = sensor_keys,
	[VSCMI_POWERCAP] = powercap_keys,
	[VSCMI_PIN] = pin_keys,		[VSCMI_PIN_GROUP] = pin_group_keys,
	[VSCMI_PIN_FUNC] = pin_func_keys,
};

/* Sections */

static int grow(void **arr, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t n = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*arr, (size_t)n * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

static struct cfg_sect *new_sect(struct cfg_ctx *ctx, enum cfg_sect_type type)
{
	struct cfg_sect *s;

	if (grow((void **)&ctx->sects, &ctx->capsects, ctx->nsects + 1, sizeof(*s))) {
		cfg_nomem(ctx);
		return NULL;
	}
	s = &ctx->sects[ctx->nsects];
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->line = ctx->lineno;
	ctx->cur = (int)ctx->nsects++;
	return s;
}

static int find_res(struct cfg_ctx *ctx, enum vscmi_kind kind, const char *name)
{
	const struct vscmi_model *m = &ctx->cfg->model;

	for (uint32_t i = 0; i < m->nres[kind]; i++)
		if (strcmp(m->res[kind][i].name, name) == 0)
			return (int)i;
	return -1;
}

static int find_sect(struct cfg_ctx *ctx, enum cfg_sect_type type, enum vscmi_kind kind,
		     uint32_t index)
{
	for (uint32_t i = 0; i < ctx->nsects; i++)
		if (ctx->sects[i].type == type && ctx->sects[i].index == index &&
		    (type != SECT_RES || ctx->sects[i].kind == kind))
			return (int)i;
	return -1;
}

static int add_res(struct cfg_ctx *ctx, enum vscmi_kind kind, const char *name)
{
	struct vscmi_model *m = &ctx->cfg->model;
	struct vscmi_res_desc *d;
	struct cfg_sect *s;
	int dup;

	if (strlen(name) >= VSCMI_NAME_MAX || !valid_name(name))
		return cfg_error(ctx, ctx->lineno,
				 "bad %s name '%s' (use A-Z a-z 0-9 _ - .)", kind_titles[kind],
				 name);
	dup = find_res(ctx, kind, name);
	if (dup >= 0)
		return cfg_error(ctx, ctx->lineno, "duplicate %s '%s' (first at line %d)",
				 kind_titles[kind], name,
				 ctx->sects[find_sect(ctx, SECT_RES, kind, (uint32_t)dup)].line);
	if (m->nres[kind] >= VSCMI_MAX_RESOURCES)
		return cfg_error(ctx, ctx->lineno, "too many %s sections (at most %d)",
				 vscmi_kind_name(kind), VSCMI_MAX_RESOURCES);
	if (grow((void **)&m->res[kind], &ctx->rescap[kind], m->nres[kind] + 1, sizeof(*d)))
		return cfg_nomem(ctx);
	s = new_sect(ctx, SECT_RES);
	if (!s)
		return ctx->failed;
	s->kind = kind;
	s->index = m->nres[kind]++;
	s->keys = res_keys[kind];
	d = &m->res[kind][s->index];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->parent = -1;
	strcpy(d->name, name);
	switch (kind) {
	case VSCMI_RESET:
		d->u.reset.asserted = true;
		break;
	case VSCMI_SENSOR:
		d->u.sensor.type = 2;
		d->u.sensor.period_ms = 10000;
		break;
	case VSCMI_POWERCAP:
		d->u.powercap.unit = 2;
		d->u.powercap.pai_min = d->u.powercap.pai_max = 1000;
		d->u.powercap.period_ms = 10000;
		break;
	case VSCMI_PIN:
		d->u.pin.func = -1;
		break;
	default:
		break;
	}
	return 0;
}

static int add_agent(struct cfg_ctx *ctx, const char *name)
{
	struct vscmi_model *m = &ctx->cfg->model;
	struct vscmi_agent_desc *a;
	struct cfg_sect *s;

	if (strlen(name) > CFG_AGENT_NAME_MAX)
		return cfg_error(ctx, ctx->lineno,
				 "agent name '%s' is too long (SCMI allows at most %d characters)",
				 name, CFG_AGENT_NAME_MAX);
	if (!valid_name(name))
		return cfg_error(ctx, ctx->lineno, "bad agent name '%s' (use A-Z a-z 0-9 _ - .)",
				 name);
	for (uint32_t i = 0; i < m->nagents; i++)
		if (strcmp(m->agents[i].name, name) == 0)
			return cfg_error(ctx, ctx->lineno, "duplicate agent '%s' (first at line %d)",
					 name,
					 ctx->sects[find_sect(ctx, SECT_AGENT, 0, i)].line);
	if (m->nagents >= VSCMI_MAX_AGENTS)
		return cfg_error(ctx, ctx->lineno, "too many agents (at most %d)",
				 VSCMI_MAX_AGENTS);
	if (grow((void **)&m->agents, &ctx->agentcap, m->nagents + 1, sizeof(*a)))
		return cfg_nomem(ctx);
	s = new_sect(ctx, SECT_AGENT);
	if (!s)
		return ctx->failed;
	s->index = m->nagents++;
	s->keys = agent_keys;
	a = &m->agents[s->index];
	memset(a, 0, sizeof(*a));
	strcpy(a->name, name);
	a->protocols = SCMI_PROTO_ALL;
	a->max_msg_size = SCMI_DEFAULT_PAYLOAD;
	return 0;
}

/* A "[...]" line; start points at the '['. */
static int parse_header(struct cfg_ctx *ctx, char *start)
{
	char *end, *p, *w1, *w2;
	char words[CFG_SECTION_MAX + 1];
	struct cfg_sect *s;
	size_t len;

	ctx->cur = -1;
	ctx->prev_key = NULL;
	/* find the ']' the way inih does: an inline comment ends the search */
	for (end = start + 1; *end && *end != ']'; end++)
		if (*end == ';' && isspace((unsigned char)end[-1]))
			break;
	if (*end != ']')
		return cfg_error(ctx, ctx->lineno, "section header without ']'");
	len = (size_t)(end - start - 1);
	if (len > CFG_SECTION_MAX)
		return cfg_error(ctx, ctx->lineno, "section header too long (at most %d characters)",
				 CFG_SECTION_MAX);
	memcpy(words, start + 1, len);
	words[len] = '\0';
	p = words;
	w1 = next_token(&p);
	w2 = next_token(&p);
	if (!w1 || next_token(&p))
		goto bad;
	if (!w2) {
		if (strcmp(w1, "daemon") != 0)
			goto bad;
		if (ctx->daemon_sect >= 0)
			return cfg_error(ctx, ctx->lineno,
					 "duplicate [daemon] section (first at line %d)",
					 ctx->sects[ctx->daemon_sect].line);
		s = new_sect(ctx, SECT_DAEMON);
		if (!s)
			return ctx->failed;
		s->keys = daemon_keys;
		ctx->daemon_sect = ctx->cur;
	} else if (strcmp(w1, "agent") == 0) {
		if (add_agent(ctx, w2))
			return ctx->failed;
	} else {
		int kind;

		for (kind = 0; kind < VSCMI_KIND_COUNT; kind++)
			if (strcmp(w1, vscmi_kind_name((enum vscmi_kind)kind)) == 0)
				break;
		if (kind == VSCMI_KIND_COUNT)
			goto bad;
		if (add_res(ctx, (enum vscmi_kind)kind, w2))
			return ctx->failed;
	}
	memcpy(ctx->sects[ctx->cur].header, start + 1, len);
	ctx->sects[ctx->cur].header[len] = '\0';
	return 0;
bad:
	return cfg_error(ctx, ctx->lineno,
			 "unknown section [%.*s] (expected [daemon], [agent NAME] or "
			 "[clock|power|reset|voltage|perf|sensor|powercap|pin|pin-group|pin-function NAME])",
			 (int)len, start + 1);
}

/* inih's line reader: one whole line per call, so its line numbers and ours
 * agree, and lines it would split are refused instead. */
static char *cfg_reader(char *str, int num, void *stream)
{
	struct cfg_ctx *ctx = stream;
	char *text, *start;
	ssize_t n;
	size_t len;

	n = getline(&ctx->line, &ctx->linecap, ctx->f);
	if (n < 0)
		return NULL;
	ctx->lineno++;
	len = (size_t)n;
	while (len && (ctx->line[len - 1] == '\n' || ctx->line[len - 1] == '\r'))
		len--;
	ctx->line[len] = '\0';
	ctx->cont_line = false;
	if (len + 3 > (size_t)num) {
		cfg_error(ctx, ctx->lineno, "line too long (at most %d characters)", num - 3);
		str[0] = '\0';
		return str;
	}
	memcpy(str, ctx->line, len);
	str[len] = '\n';
	str[len + 1] = '\0';

	text = ctx->line;
	if (ctx->lineno == 1 && strncmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3;
	start = text;
	while (*start && isspace((unsigned char)*start))
		start++;
	if (!*start || *start == ';' || *start == '#')
		return str;
	if (start > text && ctx->after_key) {
		ctx->cont_line = true;
		return str;
	}
	if (*start == '[') {
		ctx->after_key = false;
		parse_header(ctx, start);
	}
	return str;
}

static void strip_comment(char *val)
{
	for (char *p = val; *p; p++) {
		if (*p == ';' && (p == val || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

static int cfg_handler(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_ctx *ctx = user;
	const struct cfg_key *k;
	struct cfg_sect *s;
	char val[256];
	int i;

	ctx->after_key = true;
	if (ctx->failed)
		return 1;
	if (ctx->cur < 0) {
		cfg_error(ctx, ctx->lineno, "'%s' outside of a section", name);
		return 1;
	}
	s = &ctx->sects[ctx->cur];
	if (strcmp(section, s->header) != 0) {
		cfg_error(ctx, ctx->lineno, "malformed section header for [%s]", section);
		return 1;
	}
	if (snprintf(val, sizeof(val), "%s", value) >= (int)sizeof(val)) {
		cfg_error(ctx, ctx->lineno, "value too long");
		return 1;
	}
	if (ctx->cont_line) {
		/* this inih passes continuation lines with their comments */
		strip_comment(val);
		k = ctx->prev_key;
		if (!k)
			return 1;
		if (!(k->flags & KEY_LIST)) {
			cfg_error(ctx, ctx->lineno,
				  "%s takes a single value (indented line continues it)", k->name);
			return 1;
		}
		k->parse(ctx, s, k, val, true);
		return 1;
	}
	i = key_index(s, name);
	if (i < 0) {
		cfg_error(ctx, ctx->lineno, "unknown key '%s' in [%s]", name, s->header);
		return 1;
	}
	k = &s->keys[i];
	if (s->key_line[i]) {
		cfg_error(ctx, ctx->lineno, "%s given twice (first at line %d)", name,
			  s->key_line[i]);
		return 1;
	}
	s->key_line[i] = ctx->lineno;
	ctx->prev_key = k;
	k->parse(ctx, s, k, val, false);
	return 1;
}

/* Validation after the whole file is read */

static int finish_range(struct cfg_ctx *ctx, struct cfg_sect *s, const char *list_key,
			const char *initial_key)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	struct vscmi_range *rg = res_range(d);
	int l_list = key_line(s, list_key), l_range = key_line(s, "range");
	int l_init = key_line(s, initial_key);
	int64_t init, fit;

	if (!l_list && !l_range)
		return cfg_error(ctx, s->line, "%s '%s': needs '%s' or 'range'", kind_titles[d->kind],
				 d->name, list_key);
	if (l_list && l_range)
		return cfg_error(ctx, l_list > l_range ? l_list : l_range,
				 "%s '%s': give either '%s' or 'range', not both",
				 kind_titles[d->kind], d->name, list_key);
	if (l_list && rg->count == 0)
		return cfg_error(ctx, l_list, "%s: no values", list_key);
	if (l_range) {
		if (s->nrange != 3)
			return cfg_error(ctx, l_range, "range: takes min max step");
		if (rg->min > rg->max)
			return cfg_error(ctx, l_range, "range: min is above max");
		if (rg->step <= 0)
			return cfg_error(ctx, l_range, "range: step must be positive");
	}
	if (!l_init) {
		if (d->kind == VSCMI_VOLTAGE)
			d->u.voltage.level = rg->segment ? rg->min : rg->values[0];
		else
			d->u.clock.rate = (uint64_t)(rg->segment ? rg->min : rg->values[0]);
		return 0;
	}
	init = d->kind == VSCMI_VOLTAGE ? d->u.voltage.level : (int64_t)d->u.clock.rate;
	if (vscmi_range_fit(rg, init, 0, &fit))
		return cfg_error(ctx, l_init, "%s: %lld is not one of the %s's %s", initial_key,
				 (long long)init, kind_titles[d->kind],
				 d->kind == VSCMI_VOLTAGE ? "levels" : "rates");
	return 0;
}

static int finish_power(struct cfg_ctx *ctx, struct cfg_sect *s)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	int l_states = key_line(s, "states");

	if (!l_states) {
		strcpy(d->u.power.states[0].name, "on");
		d->u.power.states[0].value = 0x0;
		strcpy(d->u.power.states[1].name, "off");
		d->u.power.states[1].value = 0x40000000;
		d->u.power.nstates = 2;
	} else if (d->u.power.nstates < 2) {
		return cfg_error(ctx, l_states, "states: needs at least an on and an off state");
	}
	d->u.power.initial = d->u.power.nstates - 1;
	if (!key_line(s, "initial"))
		return 0;
	for (uint32_t i = 0; i < d->u.power.nstates; i++) {
		if (strcmp(d->u.power.states[i].name, s->initial) == 0) {
			d->u.power.initial = i;
			return 0;
		}
	}
	return cfg_error(ctx, key_line(s, "initial"), "initial: '%s' is not one of the states",
			 s->initial);
}

static int finish_perf(struct cfg_ctx *ctx, struct cfg_sect *s)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	int l_init = key_line(s, "initial");

	if (d->u.perf.nlevels == 0)
		return cfg_error(ctx, key_line(s, "levels"), "levels: no levels");
	if (!l_init) {
		d->u.perf.initial = d->u.perf.levels[0].perf;
		return 0;
	}
	for (uint32_t i = 0; i < d->u.perf.nlevels; i++)
		if (d->u.perf.levels[i].perf == d->u.perf.initial)
			return 0;
	return cfg_error(ctx, l_init, "initial: %u is not one of the perf levels",
			 d->u.perf.initial);
}

/* A range as Linux's driver takes it: bounds not 0, a step where the range
 * is not one value, and bounds on the step (the driver rounds values down
 * to multiples of it). */
static int finish_pc_range(struct cfg_ctx *ctx, int line, const char *key, uint32_t min,
			   uint32_t max, uint32_t step)
{
	if (min > max)
		return cfg_error(ctx, line, "%s: min %u is above max %u", key, min, max);
	if (min == max)
		return 0;
	if (!step)
		return cfg_error(ctx, line, "%s: a range of more than one value needs a step", key);
	if (min % step || max % step)
		return cfg_error(ctx, line, "%s: min and max must be multiples of the step %u", key,
				 step);
	return 0;
}

static int finish_powercap(struct cfg_ctx *ctx, struct cfg_sect *s)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);
	typeof(d->u.powercap) *p = &d->u.powercap;
	int l_cap = key_line(s, "cap"), l_pai = key_line(s, "pai");
	int l_pr = key_line(s, "pai_range");

	if (finish_pc_range(ctx, key_line(s, "cap_range"), "cap_range", p->cap_min, p->cap_max,
			    p->cap_step) ||
	    finish_pc_range(ctx, l_pr ? l_pr : s->line, "pai_range", p->pai_min, p->pai_max,
			    p->pai_step))
		return ctx->failed;
	if (p->cap_min == p->cap_max)
		p->cap_step = 0;
	if (p->pai_min == p->pai_max)
		p->pai_step = 0;
	if (!l_cap)
		p->cap = p->cap_max;
	else if (p->cap && (p->cap < p->cap_min || p->cap > p->cap_max ||
			    (p->cap_step && (p->cap - p->cap_min) % p->cap_step)))
		return cfg_error(ctx, l_cap, "cap: %u is not none or one of the caps", p->cap);
	if (!l_pai)
		p->pai = p->pai_min;
	else if (p->pai < p->pai_min || p->pai > p->pai_max ||
		 (p->pai_step && (p->pai - p->pai_min) % p->pai_step))
		return cfg_error(ctx, l_pai, "pai: %u is not one of the averaging intervals", p->pai);
	if (!key_line(s, "load"))
		p->load = p->cap_max / 2;
	return 0;
}

static int finish_agent(struct cfg_ctx *ctx, struct cfg_sect *s)
{
	struct vscmi_agent_desc *a = sect_agent(ctx, s);
	int l_dom = key_line(s, "domain"), l_domid = key_line(s, "domid");
	int n;

	/* "All" takes in pin control for an agent that sees pins. */
	if (!key_line(s, "protocols") && a->nviews[VSCMI_PIN])
		a->protocols |= SCMI_PROTO_BIT(SCMI_PROTO_PINCTRL);

	if (l_dom && l_domid)
		return cfg_error(ctx, l_dom > l_domid ? l_dom : l_domid,
				 "agent '%s': give either 'domain' or 'domid', not both", a->name);
	if (a->vhost[0]) {
		int l_vh = key_line(s, "vhost");

		/* One guest, one virtio-scmi device: a vhost-user VM is not
		 * a Xen domain, and a second channel would take the first
		 * one's notifications. */
		if (a->match != VSCMI_MATCH_NONE || a->xen_static.enabled)
			return cfg_error(ctx, l_vh, "agent '%s': 'vhost' serves a QEMU/KVM guest "
					 "and cannot be combined with 'domain', 'domid' or "
					 "'dom0less'", a->name);
		if (a->socket[0])
			return cfg_error(ctx, l_vh, "agent '%s': 'vhost' and 'socket' cannot both "
					 "be given: an agent has one channel", a->name);
		return 0;
	}
	if (key_line(s, "socket"))
		return 0;
	n = snprintf(a->socket, sizeof(a->socket), "%s/%s.sock", ctx->cfg->socket_dir, a->name);
	if (n < 0 || (size_t)n >= sizeof(a->socket))
		return cfg_error(ctx, s->line, "agent '%s': socket path %s/%s.sock is too long",
				 a->name, ctx->cfg->socket_dir, a->name);
	return 0;
}

static int finish_sect(struct cfg_ctx *ctx, struct cfg_sect *s)
{
	int r;

	for (int i = 0; s->keys[i].name; i++)
		if ((s->keys[i].flags & KEY_REQUIRED) && !s->key_line[i])
			return cfg_error(ctx, s->line, "[%s]: missing required key '%s'", s->header,
					 s->keys[i].name);
	if (s->type == SECT_AGENT)
		return finish_agent(ctx, s);
	if (s->type != SECT_RES)
		return 0;
	switch (s->kind) {
	case VSCMI_CLOCK:
		r = finish_range(ctx, s, "rates", "rate");
		break;
	case VSCMI_VOLTAGE:
		r = finish_range(ctx, s, "levels", "level");
		break;
	case VSCMI_POWER:
		r = finish_power(ctx, s);
		break;
	case VSCMI_PERF:
		r = finish_perf(ctx, s);
		break;
	case VSCMI_POWERCAP:
		r = finish_powercap(ctx, s);
		break;
	default:
		r = 0;
		break;
	}
	return r;
}

static int check_res(struct cfg_ctx *ctx, struct cfg_sect *s)
{
	struct vscmi_model *m = &ctx->cfg->model;
	struct vscmi_res_desc *d = sect_res(ctx, s);
	int p;

	for (uint32_t i = 0; i < s->index; i++)
		if (m->res[s->kind][i].plat_id == d->plat_id)
			return cfg_error(ctx, key_line(s, "id"),
					 "%s '%s': id %u is already used by '%s' (line %d)",
					 kind_titles[s->kind], d->name, d->plat_id,
					 m->res[s->kind][i].name,
					 ctx->sects[find_sect(ctx, SECT_RES, s->kind, i)].line);
	if (!s->parent[0])
		return 0;
	p = find_res(ctx, s->kind, s->parent);
	if (p < 0) {
		for (int k = 0; k < VSCMI_KIND_COUNT; k++)
			if (find_res(ctx, (enum vscmi_kind)k, s->parent) >= 0)
				return cfg_error(ctx, key_line(s, "parent"),
						 "%s '%s': parent '%s' is a %s, not a %s",
						 kind_titles[s->kind], d->name, s->parent,
						 kind_titles[k], kind_titles[s->kind]);
		return cfg_error(ctx, key_line(s, "parent"), "%s '%s': unknown parent '%s'",
				 kind_titles[s->kind], d->name, s->parent);
	}
	d->parent = p;
	return 0;
}

/* After all parents are resolved: a walk up from any resource must end. */
static int check_cycles(struct cfg_ctx *ctx, struct cfg_sect *s)
{
	const struct vscmi_model *m = &ctx->cfg->model;
	const struct vscmi_res_desc *res = m->res[s->kind];
	char chain[256];
	size_t off = 0;
	uint32_t steps = 0;
	int i = res[s->index].parent;

	while (i >= 0 && (uint32_t)i != s->index && steps++ <= m->nres[s->kind])
		i = res[i].parent;
	if ((uint32_t)i != s->index)
		return 0;
	i = (int)s->index;
	do {
		int n = snprintf(chain + off, sizeof(chain) - off, "%s -> ", res[i].name);

		if (n < 0 || (size_t)n >= sizeof(chain) - off)
			break;
		off += (size_t)n;
		i = res[i].parent;
	} while ((uint32_t)i != s->index);
	snprintf(chain + off, sizeof(chain) - off, "%s", res[s->index].name);
	return cfg_error(ctx, key_line(s, "parent"), "%s '%s': parent cycle %s",
			 kind_titles[s->kind], res[s->index].name, chain);
}

/* After cycles are ruled out: the arbiter walks parent chains of at most
 * VSCMI_MAX_DEPTH resources and would not switch the ones above. */
static int check_depth(struct cfg_ctx *ctx, struct cfg_sect *s)
{
	const struct vscmi_res_desc *res = ctx->cfg->model.res[s->kind];
	uint32_t depth = 1;

	for (int i = res[s->index].parent; i >= 0; i = res[i].parent)
		if (++depth > VSCMI_MAX_DEPTH)
			return cfg_error(ctx, key_line(s, "parent"),
					 "%s '%s': parent chain deeper than %d %ss",
					 kind_titles[s->kind], res[s->index].name, VSCMI_MAX_DEPTH,
					 kind_titles[s->kind]);
	return 0;
}

static int check_static(struct cfg_ctx *ctx, struct cfg_sect *s)
{
	struct vscmi_agent_desc *a = sect_agent(ctx, s);
	int line = key_line(s, "dom0less");

	if (!a->xen_static.enabled) {
		if (key_line(s, "mmio_base") || key_line(s, "irq") || key_line(s, "grant_usage"))
			return cfg_error(ctx, s->line,
					 "agent '%s': mmio_base, irq and grant_usage need dom0less = yes",
					 a->name);
		return 0;
	}
	if (a->match != VSCMI_MATCH_DOMID)
		return cfg_error(ctx, line, "agent '%s': a dom0less guest is matched by domid",
				 a->name);
	if (!key_line(s, "mmio_base") || !key_line(s, "irq"))
		return cfg_error(ctx, line, "agent '%s': dom0less needs mmio_base and irq", a->name);
	return 0;
}

static int check_views(struct cfg_ctx *ctx, struct cfg_sect *s)
{
	static const char *const keys[VSCMI_KIND_COUNT] = {
		[VSCMI_CLOCK] = "clocks",     [VSCMI_POWER] = "power", [VSCMI_RESET] = "resets",
		[VSCMI_VOLTAGE] = "voltages", [VSCMI_PERF] = "perf",   [VSCMI_SENSOR] = "sensors",
		[VSCMI_POWERCAP] = "powercaps",
		[VSCMI_PIN] = "pins",	      [VSCMI_PIN_GROUP] = "pin-groups",
		[VSCMI_PIN_FUNC] = "pin-functions",
	};
	struct vscmi_agent_desc *a = sect_agent(ctx, s);

	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		for (uint32_t v = 0; v < a->nviews[k]; v++) {
			const struct cfg_view_ref *ref = &s->refs[k][v];
			int r = find_res(ctx, (enum vscmi_kind)k, ref->res);

			if (r < 0)
				return cfg_error(ctx, ref->line, "agent '%s': %s: unknown %s '%s'",
						 a->name, keys[k], kind_titles[k], ref->res);
			a->views[k][v].res = (uint32_t)r;
			for (uint32_t w = 0; w < v; w++) {
				if (a->views[k][w].res == (uint32_t)r)
					return cfg_error(ctx, ref->line,
							 "agent '%s': %s: '%s' listed twice (first at line %d)",
							 a->name, keys[k], ref->res,
							 s->refs[k][w].line);
				if (strcmp(a->views[k][w].name, a->views[k][v].name) == 0)
					return cfg_error(ctx, ref->line,
							 "agent '%s': %s: two entries named '%s'",
							 a->name, keys[k], a->views[k][v].name);
			}
		}
	}
	return 0;
}

/* Two channels on one path would have the second bind take the first's
 * socket away. */
static int check_paths(struct cfg_ctx *ctx, struct cfg_sect *s)
{
	const struct vscmi_agent_desc *a = sect_agent(ctx, s);
	const struct vscmi_model *m = &ctx->cfg->model;
	const char *mine[2] = { a->socket, a->vhost };

	for (int p = 0; p < 2; p++) {
		if (!mine[p][0])
			continue;
		if (!strcmp(mine[p], ctx->cfg->control))
			return cfg_error(ctx, s->line, "agent '%s': %s is the control socket",
					 a->name, mine[p]);
		for (const struct vscmi_agent_desc *b = m->agents; b < a; b++)
			if (!strcmp(mine[p], b->socket) || !strcmp(mine[p], b->vhost))
				return cfg_error(ctx, s->line,
						 "agent '%s': %s is also the socket of agent '%s'",
						 a->name, mine[p], b->name);
	}
	return 0;
}

/* Pin control: members by name to indices, a pin's default function one
 * that applies to it, ids within what the protocol's 16-bit counts name. */
static bool pin_func_has(const struct vscmi_model *m, const struct vscmi_res_desc *f,
			 uint32_t pin)
{
	for (uint32_t i = 0; i < f->u.pin_set.nmembers; i++) {
		const struct vscmi_res_desc *g;

		if (f->u.pin_set.pins_only) {
			if (f->u.pin_set.members[i] == pin)
				return true;
			continue;
		}
		g = &m->res[VSCMI_PIN_GROUP][f->u.pin_set.members[i]];
		for (uint32_t j = 0; j < g->u.pin_set.nmembers; j++)
			if (g->u.pin_set.members[j] == pin)
				return true;
	}
	return false;
}

static int check_pins(struct cfg_ctx *ctx, struct cfg_sect *s)
{
	struct vscmi_res_desc *d = sect_res(ctx, s);

	if (s->kind != VSCMI_PIN_GROUP && s->kind != VSCMI_PIN_FUNC)
		return 0;
	if (d->plat_id > UINT16_MAX)
		return cfg_error(ctx, key_line(s, "id"), "%s '%s': id %u is above 65535",
				 kind_titles[s->kind], d->name, d->plat_id);
	if (!d->u.pin_set.nmembers)
		return cfg_error(ctx, s->line, "%s '%s': needs 'pins'%s", kind_titles[s->kind],
				 d->name, s->kind == VSCMI_PIN_FUNC ? " or 'groups'" : "");
	for (uint32_t i = 0; i < d->u.pin_set.nmembers; i++) {
		enum vscmi_kind mk = d->u.pin_set.pins_only ? VSCMI_PIN : VSCMI_PIN_GROUP;
		const struct cfg_view_ref *ref = &s->refs[mk][i];
		int r = find_res(ctx, mk, ref->res);

		if (r < 0)
			return cfg_error(ctx, ref->line, "%s '%s': unknown %s '%s'",
					 kind_titles[s->kind], d->name, kind_titles[mk], ref->res);
		for (uint32_t j = 0; j < i; j++)
			if (d->u.pin_set.members[j] == (uint32_t)r)
				return cfg_error(ctx, ref->line, "%s '%s': '%s' listed twice",
						 kind_titles[s->kind], d->name, ref->res);
		d->u.pin_set.members[i] = (uint16_t)r;
	}
	return 0;
}

/* After the groups and functions: a pin's default function. */
static int check_pin(struct cfg_ctx *ctx, struct cfg_sect *s)
{
	const struct vscmi_model *m = &ctx->cfg->model;
	struct vscmi_res_desc *d = sect_res(ctx, s);
	const struct cfg_view_ref *ref = s->refs[VSCMI_PIN_FUNC];
	int f;

	if (s->kind != VSCMI_PIN)
		return 0;
	if (d->plat_id > UINT16_MAX)
		return cfg_error(ctx, key_line(s, "id"), "pin '%s': id %u is above 65535", d->name,
				 d->plat_id);
	if (!ref)
		return 0;
	f = find_res(ctx, VSCMI_PIN_FUNC, ref->res);
	if (f < 0)
		return cfg_error(ctx, ref->line, "pin '%s': unknown pin function '%s'", d->name,
				 ref->res);
	if (!pin_func_has(m, &m->res[VSCMI_PIN_FUNC][f], s->index))
		return cfg_error(ctx, ref->line, "pin '%s': pin function '%s' does not apply to it",
				 d->name, ref->res);
	d->u.pin.func = f;
	return 0;
}

static bool agent_sees(const struct vscmi_agent_desc *a, enum vscmi_kind k, uint32_t res)
{
	for (uint32_t v = 0; v < a->nviews[k]; v++)
		if (a->views[k][v].res == res)
			return true;
	return false;
}

/* A group or function an agent sees holds only what it sees: its guest
 * could not name the rest, and would set pins it has no view of. */
static int check_pin_views(struct cfg_ctx *ctx, struct cfg_sect *s)
{
	const struct vscmi_model *m = &ctx->cfg->model;
	const struct vscmi_agent_desc *a = sect_agent(ctx, s);

	for (int k = VSCMI_PIN_GROUP; k <= VSCMI_PIN_FUNC; k++) {
		for (uint32_t v = 0; v < a->nviews[k]; v++) {
			const struct vscmi_res_desc *d = &m->res[k][a->views[k][v].res];
			enum vscmi_kind mk = d->u.pin_set.pins_only ? VSCMI_PIN : VSCMI_PIN_GROUP;

			for (uint32_t i = 0; i < d->u.pin_set.nmembers; i++) {
				uint32_t res = d->u.pin_set.members[i];

				if (!agent_sees(a, mk, res))
					return cfg_error(ctx, s->refs[k][v].line,
							 "agent '%s': %s '%s' holds %s '%s', "
							 "which the agent does not see",
							 a->name, kind_titles[k], d->name,
							 kind_titles[mk], m->res[mk][res].name);
			}
		}
	}
	return 0;
}

static int cfg_validate(struct cfg_ctx *ctx)
{
	uint32_t i;

	for (i = 0; i < ctx->nsects && !ctx->failed; i++)
		finish_sect(ctx, &ctx->sects[i]);
	for (i = 0; i < ctx->nsects && !ctx->failed; i++)
		if (ctx->sects[i].type == SECT_RES)
			check_res(ctx, &ctx->sects[i]);
	for (i = 0; i < ctx->nsects && !ctx->failed; i++)
		if (ctx->sects[i].type == SECT_RES)
			check_cycles(ctx, &ctx->sects[i]);
	for (i = 0; i < ctx->nsects && !ctx->failed; i++)
		if (ctx->sects[i].type == SECT_RES)
			check_depth(ctx, &ctx->sects[i]);
	for (i = 0; i < ctx->nsects && !ctx->failed; i++)
		if (ctx->sects[i].type == SECT_RES)
			check_pins(ctx, &ctx->sects[i]);
	for (i = 0; i < ctx->nsects && !ctx->failed; i++)
		if (ctx->sects[i].type == SECT_RES)
			check_pin(ctx, &ctx->sects[i]);
	for (i = 0; i < ctx->nsects && !ctx->failed; i++)
		if (ctx->sects[i].type == SECT_AGENT)
			check_views(ctx, &ctx->sects[i]);
	for (i = 0; i < ctx->nsects && !ctx->failed; i++)
		if (ctx->sects[i].type == SECT_AGENT)
			check_pin_views(ctx, &ctx->sects[i]);
	for (i = 0; i < ctx->nsects && !ctx->failed; i++)
		if (ctx->sects[i].type == SECT_AGENT)
			check_static(ctx, &ctx->sects[i]);
	for (i = 0; i < ctx->nsects && !ctx->failed; i++)
		if (ctx->sects[i].type == SECT_AGENT)
			check_paths(ctx, &ctx->sects[i]);
	return ctx->failed;
}

void vscmi_config_free(struct vscmi_config *cfg)
{
	if (!cfg)
		return;
	vscmi_model_free(&cfg->model);
	free(cfg);
}

/* Parses f, named path in what it keeps and in its errors; the caller
 * opens and closes f. */
int vscmi_config_read(FILE *f, const char *path, struct vscmi_config **out, char *err,
		      size_t errlen)
{
	struct cfg_ctx ctx = { .cur = -1, .daemon_sect = -1, .err = err, .errlen = errlen };
	struct vscmi_config *cfg;
	int r, syntax;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	ctx.cfg = cfg;
	ctx.f = f;
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	snprintf(cfg->control, sizeof(cfg->control), "%s", VSCMI_RUNDIR "/control");
	snprintf(cfg->socket_dir, sizeof(cfg->socket_dir), "%s", VSCMI_RUNDIR);
	snprintf(cfg->platform, sizeof(cfg->platform), "emulated");
	cfg->restart_grace_s = 30;
	snprintf(cfg->raw_dir, sizeof(cfg->raw_dir), "/sys/kernel/debug/scmi");
	cfg->raw_channel = -1;
	cfg->upstream_timeout_ms = 1000;
	if (strlen(path) >= sizeof(cfg->path)) {
		cfg_error(&ctx, 0, "path too long");
		r = -ENAMETOOLONG;
		goto out;
	}

	syntax = ini_parse_stream(cfg_reader, &ctx, cfg_handler, &ctx);
	if (ferror(ctx.f)) {
		r = -EIO;
		if (err && errlen)
			snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	/* inih reports lines it could not split into a key and a value;
	 * the earliest error is the one to report */
	if (syntax > 0 && (!ctx.failed || syntax < ctx.err_line)) {
		ctx.failed = 0;
		cfg_error(&ctx, syntax, "expected 'key = value' or a [section]");
	}
	else if (syntax < 0)
		cfg_nomem(&ctx);
	if (!ctx.failed)
		cfg_validate(&ctx);
	r = ctx.failed;
out:
	free(ctx.line);
	for (uint32_t i = 0; i < ctx.nsects; i++)
		for (int k = 0; k < VSCMI_KIND_COUNT; k++)
			free(ctx.sects[i].refs[k]);
	free(ctx.sects);
	if (r) {
		vscmi_config_free(cfg);
		return r;
	}
	*out = cfg;
	return 0;
}

int vscmi_config_load(const char *path, struct vscmi_config **out, char *err, size_t errlen)
{
	FILE *f;
	int r;

	*out = NULL;
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return r;
	}
	r = vscmi_config_read(f, path, out, err, errlen);
	fclose(f);
	return r;
}
