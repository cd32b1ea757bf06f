/* SPDX-License-Identifier: GPL-2.0-only */
/* The linux-raw platform: the real SCMI firmware, reached through the dom0
 * kernel's SCMI raw mode (drivers/firmware/arm_scmi/raw_mode.c, Linux 6.3+,
 * CONFIG_ARM_SCMI_RAW_MODE_SUPPORT).
 *
 * This file holds the ops table, each change or reading as the firmware's
 * command, opening and freeing the platform, the vscmi_raw_* calls and the
 * notifications. The channel to the kernel's raw files and the commands
 * pending on it are in raw_chan.c, discovery in raw_disc.c; raw_internal.h
 * has what the three share.
 *
 * The arbiter's changes go through start(): the command is written, a
 * pending entry keyed by its token is kept, and the reply completes it from
 * dispatch(), which the embedder runs when fd() is readable (the message
 * file has a reply, a deadline passed, or a completion is ready). So a slow
 * firmware holds up only the commands that wait for it. Sensor readings
 * work the same way through sensor_start(); an asynchronous sensor's entry
 * waits for the response, then for the delayed response under a deadline
 * of its own. apply(), read() and sensor_read() still wait for their own
 * reply (discovery, start-up, rare commands); a reply to a pending command
 * that shows up meanwhile is handed to its entry, never dropped. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "raw_internal.h"
#include "vscmi/buf.h"
#include "vscmi/log.h"
#include "vscmi/platform.h"
#include "vscmi/scmi_wire.h"

int raw_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -ENODEV;
}

/* --- the ops table ------------------------------------------------------- */

/* One change as the firmware's command. */
struct raw_cmd {
	uint8_t proto, msg;
	uint32_t w[5];
	unsigned int n;
};

static int raw_encode(const struct raw *r, const struct vscmi_op *op, struct raw_cmd *c)
{
	*c = (struct raw_cmd){ .w = { op->id }, .n = 2 };
	switch (op->type) {
	case VSCMI_OP_CLOCK_ENABLE:
		c->proto = SCMI_PROTO_CLOCK, c->msg = SCMI_CLOCK_CONFIG_SET;
		c->w[1] = op->val ? 1 : 0;
		/* Clock v3 added a word for an extended configuration. */
		c->n = r->clock_version >= 0x30000 ? 3 : 2;
		break;
	case VSCMI_OP_CLOCK_RATE:
		c->proto = SCMI_PROTO_CLOCK, c->msg = SCMI_CLOCK_RATE_SET, c->n = 4;
		c->w[0] = 0;	/* synchronous, exact */
		c->w[1] = op->id;
		c->w[2] = (uint32_t)op->val;
		c->w[3] = (uint32_t)((uint64_t)op->val >> 32);
		break;
	case VSCMI_OP_POWER_STATE:
		c->proto = SCMI_PROTO_POWER, c->msg = SCMI_POWER_STATE_SET, c->n = 3;
		c->w[0] = 0;
		c->w[1] = op->id;
		c->w[2] = (uint32_t)op->val;
		break;
	case VSCMI_OP_RESET_LINE:
		c->proto = SCMI_PROTO_RESET, c->msg = SCMI_RESET_RESET, c->n = 3;
		c->w[1] = op->val ? 1u << 1 : 0;	/* explicit assert or deassert */
		c->w[2] = 0;
		break;
	case VSCMI_OP_RESET_PULSE:
		c->proto = SCMI_PROTO_RESET, c->msg = SCMI_RESET_RESET, c->n = 3;
		c->w[1] = 1u << 0;			/* autonomous, synchronous */
		c->w[2] = (uint32_t)op->val;
		break;
	case VSCMI_OP_VOLTAGE_CONFIG:
		c->proto = SCMI_PROTO_VOLTAGE, c->msg = SCMI_VOLTAGE_CONFIG_SET;
		c->w[1] = op->val ? 0x7 : 0x0;	/* architectural ON, OFF */
		break;
	case VSCMI_OP_VOLTAGE_LEVEL:
		c->proto = SCMI_PROTO_VOLTAGE, c->msg = SCMI_VOLTAGE_LEVEL_SET, c->n = 3;
		c->w[1] = 0;
		c->w[2] = (uint32_t)(int32_t)op->val;
		break;
	case VSCMI_OP_PERF_LEVEL:
		c->proto = SCMI_PROTO_PERF, c->msg = SCMI_PERF_LEVEL_SET;
		c->w[1] = (uint32_t)op->val;
		break;
	case VSCMI_OP_PERF_LIMITS:
		c->proto = SCMI_PROTO_PERF, c->msg = SCMI_PERF_LIMITS_SET, c->n = 3;
		c->w[1] = (uint32_t)op->val;
		c->w[2] = (uint32_t)op->val2;
		break;
	case VSCMI_OP_POWERCAP_CAP:
		/* synchronous: the reply says the cap is applied */
		c->proto = SCMI_PROTO_POWERCAP, c->msg = SCMI_POWERCAP_CAP_SET, c->n = 3;
		c->w[1] = 0;
		c->w[2] = (uint32_t)op->val;
		break;
	case VSCMI_OP_POWERCAP_PAI:
		c->proto = SCMI_PROTO_POWERCAP, c->msg = SCMI_POWERCAP_PAI_SET, c->n = 3;
		c->w[1] = 0;
		c->w[2] = (uint32_t)op->val;
		break;
	case VSCMI_OP_SYSTEM_POWER:
		c->proto = SCMI_PROTO_SYSTEM, c->msg = SCMI_SYSTEM_POWER_STATE_SET;
		c->w[0] = (uint32_t)op->val2;
		c->w[1] = (uint32_t)op->val;
		break;
	/* Pin settings go to the pin, no REQUEST first (doc/linux-raw.md). */
	case VSCMI_OP_PIN_FUNCTION:
		c->proto = SCMI_PROTO_PINCTRL, c->msg = SCMI_PINCTRL_SETTINGS_CONFIGURE, c->n = 3;
		c->w[1] = op->val < 0 ? SCMI_PINCTRL_NO_FUNCTION : (uint32_t)op->val;
		c->w[2] = 1u << 10 | SCMI_PINCTRL_PIN;	/* function valid, no configs */
		break;
	case VSCMI_OP_PIN_CONFIG:
		c->proto = SCMI_PROTO_PINCTRL, c->msg = SCMI_PINCTRL_SETTINGS_CONFIGURE, c->n = 5;
		c->w[1] = SCMI_PINCTRL_NO_FUNCTION;
		c->w[2] = 1u << 2 | SCMI_PINCTRL_PIN;	/* one config */
		c->w[3] = (uint32_t)op->val;
		c->w[4] = (uint32_t)op->val2;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int raw_apply(struct vscmi_platform *p, const struct vscmi_op *op)
{
	struct raw *r = to_raw(p);
	struct raw_reply *rep = NULL;
	struct raw_cmd c;
	int err = raw_encode(r, op, &c);

	if (err)
		return err;
	rep = malloc(sizeof(*rep));
	if (!rep)
		return -ENOMEM;
	err = raw_xfer(r, c.proto, c.msg, c.w, c.n, false, rep);
	if (err < 0 && err != -ECOMM && err != -ETIMEDOUT)
		log_info("linux-raw: firmware refused %s %u -> %lld: %s", vscmi_op_name(op->type),
			 op->id, (long long)op->val, strerror(-err));
	free(rep);
	return err;
}

/* Sends a command into a free pending slot, its deadline running; the
 * caller says what completes it. 0, or -errno with nothing pending. */
static int raw_pend_send(struct raw *r, int fd, uint8_t proto, uint8_t msg, const uint32_t *w,
			 unsigned int n, struct raw_pend **out)
{
	struct raw_pend *pe = NULL;
	uint64_t now;
	uint32_t hdr;
	int err;

	for (unsigned int i = 0; i < RAW_INFLIGHT_MAX && !pe; i++)
		if (!r->pend[i].used)
			pe = &r->pend[i];
	if (!pe)
		return -EBUSY;
	err = raw_send(r, fd, proto, msg, w, n, &hdr);
	if (err)
		return err;
	now = raw_now_us();
	*pe = (struct raw_pend){
		.used = true,
		.hdr = hdr,
		.deadline_us = now + (uint64_t)r->timeout_ms * 1000u,
		.sent_us = now,
	};
	*out = pe;
	return 0;
}

/* Writes the command and leaves it pending: dispatch completes it. */
static int raw_start(struct vscmi_platform *p, const struct vscmi_op *op, vscmi_done_fn done,
		     void *ctx)
{
	struct raw *r = to_raw(p);
	struct raw_pend *pe;
	struct raw_cmd c;
	int err;

	if (!r->up)
		return -ECOMM;
	err = raw_encode(r, op, &c);
	if (!err)
		err = raw_pend_send(r, r->tx_fd, c.proto, c.msg, c.w, c.n, &pe);
	if (err)
		return err;
	pe->fn = done;
	pe->ctx = ctx;
	pe->op = *op;
	raw_arm(r);
	return -EINPROGRESS;
}

static int raw_fd(struct vscmi_platform *p)
{
	return to_raw(p)->ep_fd;
}

int raw_sensor_index(const struct raw *r, uint32_t id)
{
	for (uint32_t i = 0; i < r->m->nres[VSCMI_SENSOR]; i++)
		if (r->m->res[VSCMI_SENSOR][i].plat_id == id)
			return (int)i;
	return -1;
}

static int raw_sensor_read(struct vscmi_platform *p, uint32_t id, int64_t *value,
			   uint64_t *timestamp)
{
	struct raw *r = to_raw(p);
	int i = raw_sensor_index(r, id);
	bool async = i >= 0 && r->res[VSCMI_SENSOR] && r->res[VSCMI_SENSOR][i].async;
	struct raw_reply *rep = malloc(sizeof(*rep));
	uint32_t w[2] = { id, async ? 1u : 0u };
	int err;

	if (!rep)
		return -ENOMEM;
	/* Like Linux, a sensor that reads asynchronously is read so: the
	 * firmware answers at once and sends the value later. */
	err = raw_xfer(r, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, w, 2, async, rep);
	if (err == 0)
		err = raw_reading_parse(rep, async, id, value, timestamp);
	free(rep);
	return err;
}

/* A reading (of a sensor, or a power measurement) left pending: w[0] is
 * what it reads; dispatch hands done the value. 0 with the slot in *out for
 * the caller's flags, or -errno with nothing pending. */
static int raw_reading_send(struct raw *r, int fd, uint8_t proto, uint8_t msg,
			    const uint32_t *w, unsigned int n, vscmi_reading_fn done, void *ctx,
			    struct raw_pend **out)
{
	struct raw_pend *pe;
	int err;

	if (!r->up)
		return -ECOMM;
	err = raw_pend_send(r, fd, proto, msg, w, n, &pe);
	if (err)
		return err;
	pe->rfn = done;
	pe->ctx = ctx;
	pe->op = (struct vscmi_op){ .id = w[0] };
	pe->reading = true;
	raw_arm(r);
	*out = pe;
	return 0;
}

/* The same, left pending: dispatch completes it with the value (after the
 * delayed response for an asynchronous sensor). */
static int raw_sensor_start(struct vscmi_platform *p, uint32_t id, int64_t *value,
			    uint64_t *timestamp, vscmi_reading_fn done, void *ctx)
{
	struct raw *r = to_raw(p);
	int i = raw_sensor_index(r, id);
	bool async = i >= 0 && r->res[VSCMI_SENSOR] && r->res[VSCMI_SENSOR][i].async;
	uint32_t w[2] = { id, async ? 1u : 0u };
	struct raw_pend *pe;
	int err = raw_reading_send(r, async ? r->async_tx_fd : r->tx_fd, SCMI_PROTO_SENSOR,
				   SCMI_SENSOR_READING_GET, w, 2, done, ctx, &pe);

	if (err)
		return err;
	pe->async = async;
	return -EINPROGRESS;
}

/* The hardware's state for (type, id), asked of the firmware: at start-up
 * only, so it waits for the reply. Reset lines have no GET in SCMI. */
static int raw_read(struct vscmi_platform *p, struct vscmi_op *op)
{
	static const struct {
		uint8_t proto, msg;
	} gets[VSCMI_OP_COUNT] = {
		[VSCMI_OP_CLOCK_ENABLE] = { SCMI_PROTO_CLOCK, SCMI_CLOCK_CONFIG_GET },
		[VSCMI_OP_CLOCK_RATE] = { SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_GET },
		[VSCMI_OP_POWER_STATE] = { SCMI_PROTO_POWER, SCMI_POWER_STATE_GET },
		[VSCMI_OP_VOLTAGE_CONFIG] = { SCMI_PROTO_VOLTAGE, SCMI_VOLTAGE_CONFIG_GET },
		[VSCMI_OP_VOLTAGE_LEVEL] = { SCMI_PROTO_VOLTAGE, SCMI_VOLTAGE_LEVEL_GET },
		[VSCMI_OP_PERF_LEVEL] = { SCMI_PROTO_PERF, SCMI_PERF_LEVEL_GET },
		[VSCMI_OP_PERF_LIMITS] = { SCMI_PROTO_PERF, SCMI_PERF_LIMITS_GET },
		[VSCMI_OP_PIN_FUNCTION] = { SCMI_PROTO_PINCTRL, SCMI_PINCTRL_SETTINGS_GET },
		[VSCMI_OP_PIN_CONFIG] = { SCMI_PROTO_PINCTRL, SCMI_PINCTRL_SETTINGS_GET },
		[VSCMI_OP_POWERCAP_CAP] = { SCMI_PROTO_POWERCAP, SCMI_POWERCAP_CAP_GET },
		[VSCMI_OP_POWERCAP_PAI] = { SCMI_PROTO_POWERCAP, SCMI_POWERCAP_PAI_GET },
	};
	struct raw *r = to_raw(p);
	uint32_t w[2] = { op->id, 0 }, a = 0, b = 0;
	struct raw_reply *rep;
	struct vscmi_rd rd;
	int err;

	if ((unsigned int)op->type >= VSCMI_OP_COUNT || !gets[op->type].proto)
		return -EOPNOTSUPP;
	/* CLOCK_CONFIG_GET came with clock v3. */
	if (op->type == VSCMI_OP_CLOCK_ENABLE && r->clock_version < 0x30000)
		return -EOPNOTSUPP;
	rep = malloc(sizeof(*rep));
	if (!rep)
		return -ENOMEM;
	/* SETTINGS_GET of a pin: the function alone, or one config type. */
	if (op->type == VSCMI_OP_PIN_FUNCTION)
		w[1] = 2u << 18 | SCMI_PINCTRL_PIN;
	else if (op->type == VSCMI_OP_PIN_CONFIG)
		w[1] = (uint32_t)op->val & 0xffu;
	err = raw_xfer(r, gets[op->type].proto, gets[op->type].msg, w,
		       op->type == VSCMI_OP_CLOCK_ENABLE || gets[op->type].proto == SCMI_PROTO_PINCTRL
			       ? 2
			       : 1,
		       false, rep);
	if (err < 0)
		goto out;
	raw_payload(rep, &rd);
	/* CLOCK_CONFIG_GET: attributes first, then the config word. */
	if (op->type == VSCMI_OP_CLOCK_ENABLE && vscmi_rd_u32(&rd, &a) < 0)
		err = -EBADE;
	else if (vscmi_rd_u32(&rd, &a) < 0)
		err = -EBADE;
	if (err < 0)
		goto out;
	switch (op->type) {
	case VSCMI_OP_CLOCK_ENABLE:
		op->val = a & 1;
		break;
	case VSCMI_OP_CLOCK_RATE:
		if (vscmi_rd_u32(&rd, &b) < 0)
			err = -EBADE;
		op->val = (int64_t)((uint64_t)b << 32 | a);
		break;
	case VSCMI_OP_VOLTAGE_CONFIG:
		op->val = (a & 0xf) == 0x7;	/* architectural ON */
		break;
	case VSCMI_OP_VOLTAGE_LEVEL:
		op->val = (int32_t)a;
		break;
	case VSCMI_OP_PERF_LIMITS:
		if (vscmi_rd_u32(&rd, &b) < 0)
			err = -EBADE;
		op->val = a;	/* max, then min */
		op->val2 = b;
		break;
	case VSCMI_OP_PIN_FUNCTION:
		op->val = a == SCMI_PINCTRL_NO_FUNCTION ? -1 : (int64_t)a;
		break;
	case VSCMI_OP_PIN_CONFIG: {
		uint32_t num, type;

		/* function_selected, num_configs, then the one (type, value) */
		if (vscmi_rd_u32(&rd, &num) < 0 || (num & 0xff) != 1 ||
		    vscmi_rd_u32(&rd, &type) < 0 || vscmi_rd_u32(&rd, &b) < 0 ||
		    type != (uint32_t)op->val)
			err = -EBADE;
		op->val2 = b;
		break;
	}
	default:
		op->val = a;
		break;
	}
out:
	free(rep);
	return err;
}

/* The firmware's measurement, asked and waited for: the firmware answers
 * it from what it holds, with no hardware change to wait for. */
static int raw_powercap_measure(struct vscmi_platform *p, uint32_t id, uint32_t *power,
				uint32_t *pai)
{
	struct raw *r = to_raw(p);
	struct raw_reply *rep = malloc(sizeof(*rep));
	int err;

	if (!rep)
		return -ENOMEM;
	err = raw_xfer(r, SCMI_PROTO_POWERCAP, SCMI_POWERCAP_MEASUREMENTS_GET, &id, 1, false, rep);
	if (err == 0)
		err = raw_measure_parse(rep, power, pai);
	free(rep);
	return err;
}

/* The same, left pending: a slow firmware holds nobody else up. */
static int raw_powercap_start(struct vscmi_platform *p, uint32_t id, uint32_t *power,
			      uint32_t *pai, vscmi_reading_fn done, void *ctx)
{
	struct raw *r = to_raw(p);
	struct raw_pend *pe;
	int err = raw_reading_send(r, r->tx_fd, SCMI_PROTO_POWERCAP, SCMI_POWERCAP_MEASUREMENTS_GET,
				   &id, 1, done, ctx, &pe);

	if (err)
		return err;
	pe->measure = true;
	return -EINPROGRESS;
}

static uint64_t raw_completion_delay_us(struct vscmi_platform *p, const struct vscmi_op *op)
{
	/* The firmware's reply says the change is done. */
	return 0;
}

static void raw_destroy(struct vscmi_platform *p)
{
	struct raw *r = to_raw(p);

	raw_disc_reset(r);
	raw_close(r);
	if (r->ep_fd >= 0)
		close(r->ep_fd);
	if (r->timer_fd >= 0)
		close(r->timer_fd);
	if (r->kick_fd >= 0)
		close(r->kick_fd);
	for (int k = 0; k < VSCMI_KIND_COUNT; k++)
		free(r->res[k]);
	free(r);
}

static const struct vscmi_platform_ops raw_ops = {
	.name = "linux-raw",
	.apply = raw_apply,
	.start = raw_start,
	.cancel = raw_cancel,
	.fd = raw_fd,
	.dispatch = raw_plat_dispatch,
	.sensor_read = raw_sensor_read,
	.sensor_start = raw_sensor_start,
	.powercap_measure = raw_powercap_measure,
	.powercap_start = raw_powercap_start,
	.read = raw_read,
	.completion_delay_us = raw_completion_delay_us,
	.destroy = raw_destroy,
};

/* --- opening, freeing and the vscmi_raw_* calls ------------------------------ */

int raw_alloc(const struct vscmi_model *m, const struct vscmi_raw_opts *o, struct raw **out,
	      char *err, size_t errlen)
{
	struct raw *r = calloc(1, sizeof(*r));
	int n, e;

	*out = NULL;
	if (!r)
		return raw_fail(err, errlen, "out of memory"), -ENOMEM;
	r->base.ops = &raw_ops;
	r->m = m;
	r->tx_fd = r->async_tx_fd = r->rx_fd = r->notif_fd = -1;
	r->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	r->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	r->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->ep_fd < 0 || r->timer_fd < 0 || r->kick_fd < 0 ||
	    epoll_ctl(r->ep_fd, EPOLL_CTL_ADD, r->timer_fd,
		      &(struct epoll_event){ .events = EPOLLIN }) < 0 ||
	    epoll_ctl(r->ep_fd, EPOLL_CTL_ADD, r->kick_fd,
		      &(struct epoll_event){ .events = EPOLLIN }) < 0) {
		e = -errno;
		raw_fail(err, errlen, "cannot set up the reply watch: %s", strerror(-e));
		goto fail;
	}
	r->timeout_ms = o->timeout_ms ? o->timeout_ms : 1000;
	r->own_agent = UINT32_MAX;
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		r->res[k] = calloc(m->nres[k] + 1, sizeof(struct raw_res));
		if (!r->res[k]) {
			e = -ENOMEM;
			raw_fail(err, errlen, "out of memory");
			goto fail;
		}
	}
	n = snprintf(r->top, sizeof(r->top), "%s/%u", o->dir, o->instance);
	if (n > 0 && (size_t)n < sizeof(r->top))
		n = snprintf(r->rawdir, sizeof(r->rawdir), "%s/raw", r->top);
	if (n > 0 && (size_t)n < sizeof(r->rawdir)) {
		if (o->channel >= 0)
			n = snprintf(r->msgdir, sizeof(r->msgdir), "%s/channels/0x%02X", r->rawdir,
				     (unsigned int)o->channel);
		else
			n = snprintf(r->msgdir, sizeof(r->msgdir), "%s", r->rawdir);
	}
	if (n < 0 || (size_t)n >= sizeof(r->msgdir)) {
		e = -ENAMETOOLONG;
		raw_fail(err, errlen, "raw_dir '%s' is too long", o->dir);
		goto fail;
	}
	*out = r;
	return 0;
fail:
	raw_destroy(&r->base);
	return e;
}

int vscmi_raw_new(const struct vscmi_model *m, const struct vscmi_raw_opts *o,
		  struct vscmi_platform **out, char *err, size_t errlen)
{
	struct raw *r;
	int e;

	*out = NULL;
	e = raw_alloc(m, o, &r, err, errlen);
	if (e)
		return e;
	e = raw_connect(r, err, errlen);
	if (e)
		goto fail;
	log_info("linux-raw: firmware at %s answers; %s", r->msgdir,
		 r->own_agent == UINT32_MAX ? "our agent id is unknown" : "resources checked");
	*out = &r->base;
	return 0;
fail:
	raw_destroy(&r->base);
	return e;
}

bool vscmi_is_raw(const struct vscmi_platform *p)
{
	return p && p->ops == &raw_ops;
}

bool vscmi_raw_up(const struct vscmi_platform *p)
{
	return vscmi_is_raw(p) && ((const struct raw *)p)->up;
}

int vscmi_raw_notify_fd(const struct vscmi_platform *p)
{
	return vscmi_raw_up(p) ? ((const struct raw *)p)->notif_fd : -1;
}

int vscmi_raw_reconnect(struct vscmi_platform *p, char *err, size_t errlen)
{
	struct raw *r;
	int e;

	if (!vscmi_is_raw(p))
		return -EINVAL;
	r = to_raw(p);
	if (r->up)
		return 0;
	if (r->disc.active)
		return -EINPROGRESS;
	e = raw_open(r, err, errlen);
	if (e == 0)
		e = raw_watch(r, err, errlen);
	if (e) {
		raw_close(r);
		return -ENODEV;
	}
	r->disc.active = r->disc.quiet = true;
	return raw_disc_step(r, err, errlen);
}

void vscmi_raw_set_link_cb(struct vscmi_platform *p, void (*fn)(void *ctx, bool up), void *ctx)
{
	if (!vscmi_is_raw(p))
		return;
	to_raw(p)->link_cb = fn;
	to_raw(p)->link_ctx = ctx;
}

void vscmi_raw_stats(const struct vscmi_platform *p, struct vscmi_raw_stats *st)
{
	if (vscmi_is_raw(p))
		*st = ((const struct raw *)p)->stats;
	else
		memset(st, 0, sizeof(*st));
}

/* --- notifications ------------------------------------------------------------- */

static bool raw_kind_of(uint8_t proto, enum vscmi_kind *kind)
{
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		if (vscmi_kind_protocol((enum vscmi_kind)k) == proto) {
			*kind = (enum vscmi_kind)k;
			return true;
		}
	}
	return false;
}

static void raw_notification(struct raw *r, const struct raw_reply *rep)
{
	struct vscmi_plat_event ev = { 0 };
	uint32_t hdr = vscmi_get_le32(rep->b), agent;
	struct vscmi_rd rd;

	vscmi_rd_init(&rd, rep->b + 4, rep->len - 4);
	if (SCMI_HDR_TYPE(hdr) != SCMI_TYPE_NOTIFICATION ||
	    !raw_kind_of(SCMI_HDR_PROTO(hdr), &ev.kind) || vscmi_rd_u32(&rd, &agent) < 0 ||
	    vscmi_rd_u32(&rd, &ev.id) < 0) {
		log_debug("linux-raw: notification 0x%08x not for a resource", hdr);
		return;
	}
	/* The arbiter told the agents of what it did itself. */
	if (agent == r->own_agent)
		return;
	ev.protocol = (uint8_t)SCMI_HDR_PROTO(hdr);
	ev.message = (uint8_t)SCMI_HDR_MSG(hdr);
	while (ev.npayload < 6 && vscmi_rd_u32(&rd, &ev.payload[ev.npayload]) == 0)
		ev.npayload++;
	r->stats.notifications++;
	if (r->base.event)
		r->base.event(r->base.event_ctx, &ev);
}

int vscmi_raw_dispatch(struct vscmi_platform *p)
{
	struct raw *r;
	struct raw_reply *rep;
	int e = 0;

	if (!vscmi_raw_up(p))
		return -ECOMM;
	r = to_raw(p);
	rep = malloc(sizeof(*rep));
	if (!rep)
		return -ENOMEM;
	for (int i = 0; i < RAW_READS_MAX; i++) {
		e = raw_read_msg(r->notif_fd, rep);
		if (e == -EAGAIN) {
			e = 0;
			break;
		}
		if (e == -EMSGSIZE || (e == 0 && rep->len < 4))
			continue;
		if (e < 0)
			break;
		raw_notification(r, rep);
	}
	free(rep);
	if (raw_link_errno(e)) {
		vscmi_raw_link_lost(p, "the raw notification file is gone");
		return -ECOMM;
	}
	return e;
}
