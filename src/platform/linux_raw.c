/* The linux-raw platform: the real SCMI firmware, reached through the dom0
 * kernel's SCMI raw mode (drivers/firmware/arm_scmi/raw_mode.c, Linux 6.3+,
 * CONFIG_ARM_SCMI_RAW_MODE_SUPPORT).
 *
 * What the kernel does, and what this file relies on:
 * - debugfs scmi/<n>/raw/ holds message, message_async, notification,
 *   errors and reset; raw/channels/0xNN/{message,message_async} exist only
 *   when the transport has more than one channel (NN: the protocol that owns
 *   the channel, "0x%02X").
 * - One write() to message* is one command: le32 header, then the payload.
 *   The kernel sends it as given, token included: it neither picks nor
 *   rewrites tokens, and only registers the one given as in flight (a token
 *   still in flight makes the write wait and retry, then fail). Choosing
 *   distinct tokens and timing replies out are the caller's job.
 * - Replies come back on the same file, one message per read sequence: the
 *   first read() takes the next queued message (O_NONBLOCK: -EAGAIN when
 *   none), further reads return the rest, then one read returns 0 (EOF)
 *   before the next message can be read. A reply is le32 header (token
 *   echoed), le32 status, return values; a notification has no status.
 * - message and message_async share one reply queue (per channel when
 *   channels/ is used). A write to message_async makes the kernel wait for
 *   the delayed response too; it arrives in the queue after the response,
 *   with the same token and message type 2.
 * - poll() reports POLLIN while the queue is not empty (not for a message
 *   half read). The notification file takes notifications only, and drops
 *   the oldest when full.
 * - The kernel times a reply out on its own after the transport's
 *   max_rx_timeout_ms (scmi/<n>/transport/); a reply later than that goes to
 *   errors, not to message. A reply later than our own, shorter timeout
 *   still lands in message with its old token: it is recognised and dropped.
 * - A write to reset flushes the common queues (not the per-channel ones,
 *   nor anything still in flight).
 * - When the SCMI driver unbinds, the debugfs tree goes away: open files
 *   answer -EIO (poll: POLLHUP), new opens -ENOENT.
 *
 * Every command is synchronous: apply() returns when the firmware has
 * answered or the timeout has passed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vscmi/buf.h"
#include "vscmi/log.h"
#include "vscmi/platform.h"

#define RAW_HDR(msg, type, proto, token)                                               \
	((uint32_t)(msg) | (uint32_t)(type) << 8 | (uint32_t)(proto) << 10 |          \
	 (uint32_t)(token) << 18)
#define RAW_HDR_MSG(h) ((h) & 0xffu)
#define RAW_HDR_TYPE(h) (((h) >> 8) & 0x3u)
#define RAW_HDR_PROTO(h) (((h) >> 10) & 0xffu)
#define RAW_HDR_TOKEN(h) (((h) >> 18) & 0x3ffu)
#define RAW_TYPE_COMMAND 0
#define RAW_TYPE_DELAYED 2
#define RAW_TYPE_NOTIFICATION 3
#define RAW_TOKENS 1024

#define RAW_MSG_MAX 1024	/* bytes taken from one message; longer ones are dropped */
#define RAW_DRAIN_MAX 64	/* reads to finish one message */
#define RAW_READS_MAX 64	/* messages taken while waiting, or per dispatch */
#define RAW_TIMEOUTS_DOWN 3	/* timeouts in a row that mean the firmware is gone */
#define RAW_WORDS_MAX 8		/* command payload words */
#define RAW_PROTOCOLS_MAX 256

enum {
	P_BASE = 0x10,
	P_POWER = 0x11,
	P_SYSTEM = 0x12,
	P_PERF = 0x13,
	P_CLOCK = 0x14,
	P_SENSOR = 0x15,
	P_RESET = 0x16,
	P_VOLTAGE = 0x17,
};

/* Message ids used here (DEN0056). */
enum {
	M_VERSION = 0x0,
	M_ATTRIBUTES = 0x1,
	M_DOMAIN_ATTRIBUTES = 0x3,	/* every resource protocol's own, at 0x3 */
	M_BASE_LIST_PROTOCOLS = 0x6,
	M_BASE_DISCOVER_AGENT = 0x7,
	M_POWER_STATE_SET = 0x4,
	M_POWER_STATE_NOTIFY = 0x6,
	M_SYSTEM_STATE_SET = 0x3,
	M_PERF_LIMITS_SET = 0x5,
	M_PERF_LEVEL_SET = 0x7,
	M_PERF_NOTIFY_LIMITS = 0x9,
	M_PERF_NOTIFY_LEVEL = 0xa,
	M_CLOCK_RATE_SET = 0x5,
	M_CLOCK_CONFIG_SET = 0x7,
	M_CLOCK_RATE_NOTIFY = 0x9,
	M_SENSOR_DESCRIPTION_GET = 0x3,
	M_SENSOR_READING_GET = 0x6,
	M_RESET = 0x4,
	M_VOLTAGE_CONFIG_SET = 0x5,
	M_VOLTAGE_LEVEL_SET = 0x7,
};

/* What discovery learnt about one configured resource. */
struct raw_res {
	uint32_t attributes;		/* the firmware's attributes word */
	bool async;			/* sensor: asynchronous reads */
	bool found;			/* sensor: described by the firmware */
};

struct raw_reply {
	uint8_t b[RAW_MSG_MAX];
	size_t len;			/* header and status included */
};

struct raw {
	struct vscmi_platform base;
	const struct vscmi_model *m;
	char top[PATH_MAX];		/* scmi/<n> */
	char rawdir[PATH_MAX];		/* scmi/<n>/raw */
	char msgdir[PATH_MAX];		/* raw, or raw/channels/0xNN */
	uint32_t timeout_ms;
	int msg_fd, async_fd, notif_fd;
	bool up;
	uint32_t token;
	uint32_t timeouts_in_row;
	uint32_t own_agent;		/* our agent id at the firmware; UINT32_MAX unknown */
	uint32_t clock_version;
	struct raw_res *res[VSCMI_KIND_COUNT];
	struct vscmi_raw_stats stats;
	void (*link_cb)(void *ctx, bool up);
	void *link_ctx;
};

static const struct vscmi_platform_ops raw_ops;

static struct raw *to_raw(struct vscmi_platform *p)
{
	return (struct raw *)p;
}

static const uint8_t raw_kind_proto[VSCMI_KIND_COUNT] = {
	[VSCMI_CLOCK] = P_CLOCK, [VSCMI_POWER] = P_POWER,  [VSCMI_RESET] = P_RESET,
	[VSCMI_VOLTAGE] = P_VOLTAGE, [VSCMI_PERF] = P_PERF, [VSCMI_SENSOR] = P_SENSOR,
};

static const char *raw_status_name(int32_t s)
{
	static const char *const names[] = {
		"SUCCESS",	 "NOT_SUPPORTED", "INVALID_PARAMETERS", "DENIED",
		"NOT_FOUND",	 "OUT_OF_RANGE",  "BUSY",		"COMMS_ERROR",
		"GENERIC_ERROR", "HARDWARE_ERROR", "PROTOCOL_ERROR",	"IN_USE",
	};

	return s <= 0 && s >= -11 ? names[-s] : "an unknown status";
}

/* The firmware's status as -errno; src/scmi/status.c maps each back to
 * the same status for the agent. */
static int raw_errno(int32_t s)
{
	switch (s) {
	case 0:
		return 0;
	case -1:
		return -EOPNOTSUPP;
	case -2:
		return -EINVAL;
	case -3:
		return -EACCES;
	case -4:
		return -ENOENT;
	case -5:
		return -ERANGE;
	case -6:
		return -EBUSY;
	case -7:
		return -ECOMM;
	case -9:
		return -EIO;
	case -10:
		return -EPROTO;
	case -11:
		return -EADDRINUSE;
	default:
		return -EREMOTEIO;	/* GENERIC_ERROR */
	}
}

static uint64_t raw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool raw_link_errno(int err)
{
	/* What the kernel's files answer once the driver is unbound. */
	return err == -EIO || err == -ENODEV || err == -ENOENT || err == -ENXIO ||
	       err == -EBADF;
}

static void raw_close(struct raw *r)
{
	if (r->msg_fd >= 0)
		close(r->msg_fd);
	if (r->async_fd >= 0)
		close(r->async_fd);
	if (r->notif_fd >= 0)
		close(r->notif_fd);
	r->msg_fd = r->async_fd = r->notif_fd = -1;
}

void vscmi_raw_link_lost(struct vscmi_platform *p, const char *why)
{
	struct raw *r;

	if (!vscmi_is_raw(p) || !to_raw(p)->up)
		return;
	r = to_raw(p);
	log_warn("linux-raw: link to the firmware lost (%s); commands fail with COMMS_ERROR "
		 "until it is back",
		 why);
	r->up = false;
	r->stats.losses++;
	/* The listener drops its event sources before the files close. */
	if (r->link_cb)
		r->link_cb(r->link_ctx, false);
	raw_close(r);
}

/* One whole message from a raw file into rep: 0, -EAGAIN when none is
 * queued, -EMSGSIZE for one too long (consumed and dropped), or -errno. */
static int raw_read_msg(int fd, struct raw_reply *rep)
{
	uint8_t spill[256];
	bool oversized = false;
	ssize_t n;

	n = read(fd, rep->b, sizeof(rep->b));
	/* A 0 here ends a message read earlier; the next read starts a new one. */
	if (n == 0)
		n = read(fd, rep->b, sizeof(rep->b));
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EAGAIN;
	rep->len = (size_t)n;
	for (int i = 0; i < RAW_DRAIN_MAX; i++) {
		ssize_t m = read(fd, spill, sizeof(spill));

		if (m == 0)
			return oversized ? -EMSGSIZE : 0;
		if (m < 0)
			return -errno;
		oversized = true;
	}
	return -EMSGSIZE;
}

static int raw_flush(struct raw *r)
{
	char path[PATH_MAX + 8];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/reset", r->rawdir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1)
		err = -errno;
	close(fd);
	return err;
}

/* Waits for the message of this type and token; everything else that
 * shows up meanwhile is a late reply to an earlier command, and dropped. */
static int raw_wait(struct raw *r, int fd, uint32_t want, uint64_t deadline,
		    struct raw_reply *rep)
{
	for (int i = 0; i < RAW_READS_MAX;) {
		uint64_t now = raw_now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint32_t hdr;
		int n, err;

		if (now >= deadline)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, (int)(deadline - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
			return -EIO;
		i++;
		err = raw_read_msg(fd, rep);
		if (err == -EAGAIN)
			continue;
		if (err == -EMSGSIZE || (err == 0 && rep->len < 8)) {
			r->stats.stale++;
			log_debug("linux-raw: dropped a malformed reply");
			continue;
		}
		if (err < 0)
			return err;
		hdr = vscmi_get_le32(rep->b);
		if ((hdr & 0x0fffffffu) == want)
			return 0;
		r->stats.stale++;
		log_debug("linux-raw: dropped a reply to no pending command (header 0x%08x)", hdr);
	}
	return -ETIMEDOUT;
}

/* One command, and its delayed response when async; reply holds the
 * response (or the delayed response) from its header on. */
static int raw_xfer(struct raw *r, uint8_t proto, uint8_t msg, const uint32_t *w, unsigned int n,
		    bool async, struct raw_reply *rep)
{
	uint8_t buf[4 + 4 * RAW_WORDS_MAX];
	uint32_t token, hdr;
	int fd, err;
	ssize_t wr;

	if (!r->up)
		return -ECOMM;
	if (n > RAW_WORDS_MAX)
		return -EINVAL;
	token = r->token++ % RAW_TOKENS;
	hdr = RAW_HDR(msg, RAW_TYPE_COMMAND, proto, token);
	vscmi_put_le32(buf, hdr);
	for (unsigned int i = 0; i < n; i++)
		vscmi_put_le32(buf + 4 + 4 * i, w[i]);
	fd = async ? r->async_fd : r->msg_fd;
	r->stats.commands++;
	wr = write(fd, buf, 4 + 4 * (size_t)n);
	if (wr < 0) {
		err = -errno;
		if (raw_link_errno(err)) {
			vscmi_raw_link_lost(&r->base, "the raw message file is gone");
			return -ECOMM;
		}
		log_warn("linux-raw: sending 0x%02x/0x%02x: %s", proto, msg, strerror(-err));
		return err == -EAGAIN || err == -EBUSY ? -EBUSY : -ECOMM;
	}
	if ((size_t)wr != 4 + 4 * (size_t)n)
		return -ECOMM;
	err = raw_wait(r, fd, hdr, raw_now_ms() + r->timeout_ms, rep);
	if (err == 0 && async && vscmi_get_le32(rep->b + 4) == 0)
		err = raw_wait(r, fd, RAW_HDR(msg, RAW_TYPE_DELAYED, proto, token),
			       raw_now_ms() + r->timeout_ms, rep);
	if (err == -ETIMEDOUT) {
		r->stats.timeouts++;
		r->timeouts_in_row++;
		log_warn("linux-raw: no reply to 0x%02x/0x%02x (token %u) within %u ms", proto, msg,
			 token, r->timeout_ms);
		/* What is queued is stale now; what comes later has an old token. */
		if (raw_flush(r) < 0)
			log_debug("linux-raw: flushing the raw queues failed");
		if (r->timeouts_in_row >= RAW_TIMEOUTS_DOWN)
			vscmi_raw_link_lost(&r->base, "the firmware stopped answering");
		return -ETIMEDOUT;
	}
	if (raw_link_errno(err)) {
		vscmi_raw_link_lost(&r->base, "the raw message file is gone");
		return -ECOMM;
	}
	if (err < 0)
		return err;
	r->timeouts_in_row = 0;
	return raw_errno((int32_t)vscmi_get_le32(rep->b + 4));
}

/* The return values of a reply, after header and status. */
static void raw_payload(const struct raw_reply *rep, struct vscmi_rd *rd)
{
	vscmi_rd_init(rd, rep->b + 8, rep->len - 8);
}

/* --- the ops table ------------------------------------------------------- */

static int raw_apply(struct vscmi_platform *p, const struct vscmi_op *op)
{
	struct raw *r = to_raw(p);
	struct raw_reply *rep = malloc(sizeof(*rep));
	uint32_t w[4] = { op->id };
	uint8_t proto, msg;
	unsigned int n = 2;
	int err;

	if (!rep)
		return -ENOMEM;
	switch (op->type) {
	case VSCMI_OP_CLOCK_ENABLE:
		proto = P_CLOCK, msg = M_CLOCK_CONFIG_SET;
		w[1] = op->val ? 1 : 0;
		/* Clock v3 added a word for an extended configuration. */
		n = r->clock_version >= 0x30000 ? 3 : 2;
		break;
	case VSCMI_OP_CLOCK_RATE:
		proto = P_CLOCK, msg = M_CLOCK_RATE_SET, n = 4;
		w[0] = 0;	/* synchronous, exact */
		w[1] = op->id;
		w[2] = (uint32_t)op->val;
		w[3] = (uint32_t)((uint64_t)op->val >> 32);
		break;
	case VSCMI_OP_POWER_STATE:
		proto = P_POWER, msg = M_POWER_STATE_SET, n = 3;
		w[0] = 0;
		w[1] = op->id;
		w[2] = (uint32_t)op->val;
		break;
	case VSCMI_OP_RESET_LINE:
		proto = P_RESET, msg = M_RESET, n = 3;
		w[1] = op->val ? 1u << 1 : 0;	/* explicit assert or deassert */
		w[2] = 0;
		break;
	case VSCMI_OP_RESET_PULSE:
		proto = P_RESET, msg = M_RESET, n = 3;
		w[1] = 1u << 0;			/* autonomous, synchronous */
		w[2] = (uint32_t)op->val;
		break;
	case VSCMI_OP_VOLTAGE_CONFIG:
		proto = P_VOLTAGE, msg = M_VOLTAGE_CONFIG_SET;
		w[1] = op->val ? 0x7 : 0x0;	/* architectural ON, OFF */
		break;
	case VSCMI_OP_VOLTAGE_LEVEL:
		proto = P_VOLTAGE, msg = M_VOLTAGE_LEVEL_SET, n = 3;
		w[1] = 0;
		w[2] = (uint32_t)(int32_t)op->val;
		break;
	case VSCMI_OP_PERF_LEVEL:
		proto = P_PERF, msg = M_PERF_LEVEL_SET;
		w[1] = (uint32_t)op->val;
		break;
	case VSCMI_OP_PERF_LIMITS:
		proto = P_PERF, msg = M_PERF_LIMITS_SET, n = 3;
		w[1] = (uint32_t)op->val;
		w[2] = (uint32_t)op->val2;
		break;
	case VSCMI_OP_SYSTEM_POWER:
		proto = P_SYSTEM, msg = M_SYSTEM_STATE_SET;
		w[0] = (uint32_t)op->val2;
		w[1] = (uint32_t)op->val;
		break;
	default:
		free(rep);
		return -EINVAL;
	}
	err = raw_xfer(r, proto, msg, w, n, false, rep);
	if (err < 0 && err != -ECOMM && err != -ETIMEDOUT)
		log_info("linux-raw: firmware refused %s %u -> %lld: %s", vscmi_op_name(op->type),
			 op->id, (long long)op->val, strerror(-err));
	free(rep);
	return err;
}

static int raw_sensor_index(const struct raw *r, uint32_t id)
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
	uint32_t w[2] = { id, async ? 1u : 0u }, lo, hi, tlo = 0, thi = 0, rid;
	struct vscmi_rd rd;
	int err;

	if (!rep)
		return -ENOMEM;
	/* Like Linux, a sensor that reads asynchronously is read so: the
	 * firmware answers at once and sends the value later. */
	err = raw_xfer(r, P_SENSOR, M_SENSOR_READING_GET, w, 2, async, rep);
	if (err < 0)
		goto out;
	raw_payload(rep, &rd);
	if (async && (vscmi_rd_u32(&rd, &rid) < 0 || rid != id)) {
		err = -EPROTO;
		goto out;
	}
	if (vscmi_rd_u32(&rd, &lo) < 0 || vscmi_rd_u32(&rd, &hi) < 0) {
		err = -EPROTO;
		goto out;
	}
	/* Sensor v3 adds a timestamp; older firmware has none. */
	if (vscmi_rd_u32(&rd, &tlo) < 0 || vscmi_rd_u32(&rd, &thi) < 0)
		tlo = thi = 0;
	*value = (int64_t)((uint64_t)hi << 32 | lo);
	*timestamp = (uint64_t)thi << 32 | tlo;
out:
	free(rep);
	return err;
}

/* The hardware's state for (type, id), asked of the firmware: at start-up
 * only, so it waits for the reply. Reset lines have no GET in SCMI. */
static int raw_read(struct vscmi_platform *p, struct vscmi_op *op)
{
	static const struct {
		uint8_t proto, msg;
	} gets[VSCMI_OP_COUNT] = {
		[VSCMI_OP_CLOCK_ENABLE] = { P_CLOCK, 0xb },	/* CLOCK_CONFIG_GET */
		[VSCMI_OP_CLOCK_RATE] = { P_CLOCK, 0x6 },	/* CLOCK_RATE_GET */
		[VSCMI_OP_POWER_STATE] = { P_POWER, 0x5 },	/* POWER_STATE_GET */
		[VSCMI_OP_VOLTAGE_CONFIG] = { P_VOLTAGE, 0x6 },	/* VOLTAGE_CONFIG_GET */
		[VSCMI_OP_VOLTAGE_LEVEL] = { P_VOLTAGE, 0x8 },	/* VOLTAGE_LEVEL_GET */
		[VSCMI_OP_PERF_LEVEL] = { P_PERF, 0x8 },	/* PERFORMANCE_LEVEL_GET */
		[VSCMI_OP_PERF_LIMITS] = { P_PERF, 0x6 },	/* PERFORMANCE_LIMITS_GET */
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
	err = raw_xfer(r, gets[op->type].proto, gets[op->type].msg, w,
		       op->type == VSCMI_OP_CLOCK_ENABLE ? 2 : 1, false, rep);
	if (err < 0)
		goto out;
	raw_payload(rep, &rd);
	/* CLOCK_CONFIG_GET: attributes first, then the config word. */
	if (op->type == VSCMI_OP_CLOCK_ENABLE && vscmi_rd_u32(&rd, &a) < 0)
		err = -EPROTO;
	else if (vscmi_rd_u32(&rd, &a) < 0)
		err = -EPROTO;
	if (err < 0)
		goto out;
	switch (op->type) {
	case VSCMI_OP_CLOCK_ENABLE:
		op->val = a & 1;
		break;
	case VSCMI_OP_CLOCK_RATE:
		if (vscmi_rd_u32(&rd, &b) < 0)
			err = -EPROTO;
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
			err = -EPROTO;
		op->val = a;	/* max, then min */
		op->val2 = b;
		break;
	default:
		op->val = a;
		break;
	}
out:
	free(rep);
	return err;
}

static uint64_t raw_completion_delay_us(struct vscmi_platform *p, const struct vscmi_op *op)
{
	/* apply() returned when the firmware had done it. */
	return 0;
}

static void raw_destroy(struct vscmi_platform *p)
{
	struct raw *r = to_raw(p);

	raw_close(r);
	for (int k = 0; k < VSCMI_KIND_COUNT; k++)
		free(r->res[k]);
	free(r);
}

static const struct vscmi_platform_ops raw_ops = {
	.name = "linux-raw",
	.apply = raw_apply,
	.sensor_read = raw_sensor_read,
	.read = raw_read,
	.completion_delay_us = raw_completion_delay_us,
	.destroy = raw_destroy,
};

/* --- discovery ------------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int raw_fail(char *err, size_t errlen,
							  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -ENODEV;
}

static const char *raw_kind_title(enum vscmi_kind k)
{
	static const char *const t[VSCMI_KIND_COUNT] = {
		[VSCMI_CLOCK] = "clock",      [VSCMI_POWER] = "power domain",
		[VSCMI_RESET] = "reset domain", [VSCMI_VOLTAGE] = "voltage domain",
		[VSCMI_PERF] = "performance domain", [VSCMI_SENSOR] = "sensor",
	};

	return t[k];
}

/* A command during discovery: a failure says which and why. */
static int raw_ask(struct raw *r, uint8_t proto, uint8_t msg, const uint32_t *w, unsigned int n,
		   struct raw_reply *rep, char *err, size_t errlen)
{
	int e = raw_xfer(r, proto, msg, w, n, false, rep);

	if (e == -ETIMEDOUT || e == -ECOMM)
		return raw_fail(err, errlen,
				"the firmware did not answer command 0x%02x of protocol 0x%02x "
				"within %u ms",
				msg, proto, r->timeout_ms);
	if (e < 0)
		return raw_fail(err, errlen,
				"the firmware answers command 0x%02x of protocol 0x%02x with %s",
				msg, proto, raw_status_name((int32_t)vscmi_get_le32(rep->b + 4)));
	return 0;
}

static int raw_list_protocols(struct raw *r, bool *has, struct raw_reply *rep, char *err,
			      size_t errlen)
{
	uint32_t attr, total, skip = 0;
	struct vscmi_rd rd;
	int e;

	e = raw_ask(r, P_BASE, M_ATTRIBUTES, NULL, 0, rep, err, errlen);
	raw_payload(rep, &rd);
	if (e == 0 && vscmi_rd_u32(&rd, &attr) < 0)
		e = raw_fail(err, errlen, "the firmware's BASE PROTOCOL_ATTRIBUTES is too short");
	if (e)
		return e;
	total = attr & 0xff;
	/* Each round returns at least one protocol, or the loop ends. */
	for (int round = 0; skip < total && round < RAW_PROTOCOLS_MAX; round++) {
		uint32_t num, word = 0;

		e = raw_ask(r, P_BASE, M_BASE_LIST_PROTOCOLS, &skip, 1, rep, err, errlen);
		if (e)
			return e;
		raw_payload(rep, &rd);
		if (vscmi_rd_u32(&rd, &num) < 0 || num == 0 || num > total - skip)
			return raw_fail(err, errlen,
					"the firmware's protocol list is inconsistent");
		for (uint32_t i = 0; i < num; i++) {
			if (i % 4 == 0 && vscmi_rd_u32(&rd, &word) < 0)
				return raw_fail(err, errlen,
						"the firmware's protocol list is too short");
			has[(word >> (8 * (i % 4))) & 0xff] = true;
		}
		skip += num;
	}
	return 0;
}

/* Walks the sensor descriptors for the ids the model names. */
static int raw_find_sensors(struct raw *r, uint32_t count, struct raw_reply *rep, char *err,
			    size_t errlen)
{
	const struct vscmi_model *m = r->m;
	uint32_t index = 0;
	int e;

	for (uint32_t i = 0; i < m->nres[VSCMI_SENSOR]; i++)
		r->res[VSCMI_SENSOR][i].found = false;
	for (uint32_t round = 0; index < count && round < count; round++) {
		uint32_t flags, num;
		struct vscmi_rd rd;

		e = raw_ask(r, P_SENSOR, M_SENSOR_DESCRIPTION_GET, &index, 1, rep, err, errlen);
		if (e)
			return e;
		raw_payload(rep, &rd);
		if (vscmi_rd_u32(&rd, &flags) < 0 || (num = flags & 0xfff) == 0)
			return raw_fail(err, errlen, "the firmware's sensor descriptions are "
						     "inconsistent");
		for (uint32_t i = 0; i < num; i++) {
			uint32_t id, lo, hi, ext[5];
			char name[16];
			int s;

			if (vscmi_rd_u32(&rd, &id) < 0 || vscmi_rd_u32(&rd, &lo) < 0 ||
			    vscmi_rd_u32(&rd, &hi) < 0 || vscmi_rd_bytes(&rd, name, 16) < 0)
				return raw_fail(err, errlen,
						"the firmware's sensor descriptions are too short");
			/* Extended attributes: resolution and the range, 5 words. */
			if ((lo & (1u << 8)) && vscmi_rd_bytes(&rd, ext, sizeof(ext)) < 0)
				return raw_fail(err, errlen,
						"the firmware's sensor descriptions are too short");
			s = raw_sensor_index(r, id);
			if (s >= 0) {
				r->res[VSCMI_SENSOR][s].attributes = lo;
				r->res[VSCMI_SENSOR][s].async = (lo >> 31) & 1;
				r->res[VSCMI_SENSOR][s].found = true;
			}
		}
		index += num;
	}
	for (uint32_t i = 0; i < m->nres[VSCMI_SENSOR]; i++) {
		const struct vscmi_res_desc *d = &m->res[VSCMI_SENSOR][i];

		if (!r->res[VSCMI_SENSOR][i].found)
			return raw_fail(err, errlen,
					"[sensor %s]: the firmware describes no sensor %u", d->name,
					d->plat_id);
	}
	return 0;
}

/* Subscribes to the changes the firmware makes on its own. */
static void raw_subscribe(struct raw *r, enum vscmi_kind k, uint32_t i, struct raw_reply *rep)
{
	uint32_t attr = r->res[k][i].attributes, w[2] = { r->m->res[k][i].plat_id, 1 };
	int e = 0;

	if (k == VSCMI_CLOCK && (attr >> 31 & 1))
		e = raw_xfer(r, P_CLOCK, M_CLOCK_RATE_NOTIFY, w, 2, false, rep);
	else if (k == VSCMI_POWER && (attr >> 31 & 1))
		e = raw_xfer(r, P_POWER, M_POWER_STATE_NOTIFY, w, 2, false, rep);
	else if (k == VSCMI_PERF) {
		if (attr >> 29 & 1)
			e = raw_xfer(r, P_PERF, M_PERF_NOTIFY_LIMITS, w, 2, false, rep);
		if (e == 0 && (attr >> 28 & 1))
			e = raw_xfer(r, P_PERF, M_PERF_NOTIFY_LEVEL, w, 2, false, rep);
	}
	if (e < 0)
		log_notice("linux-raw: %s %s: no notifications from the firmware: %s",
			   raw_kind_title(k), r->m->res[k][i].name, strerror(-e));
}

static int raw_discover(struct raw *r, char *err, size_t errlen)
{
	const struct vscmi_model *m = r->m;
	struct raw_reply *rep = malloc(sizeof(*rep));
	bool *has = calloc(RAW_PROTOCOLS_MAX, sizeof(bool));
	uint32_t me = 0xffffffffu;
	struct vscmi_rd rd;
	int e;

	if (!rep || !has) {
		e = raw_fail(err, errlen, "out of memory");
		goto out;
	}
	e = raw_list_protocols(r, has, rep, err, errlen);
	if (e)
		goto out;
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		uint8_t proto = raw_kind_proto[k];
		uint32_t attr, count;

		if (!m->nres[k])
			continue;
		if (!has[proto]) {
			e = raw_fail(err, errlen,
				     "[%s %s]: the firmware has no %s protocol (0x%02x)",
				     vscmi_kind_name((enum vscmi_kind)k), m->res[k][0].name,
				     raw_kind_title((enum vscmi_kind)k), proto);
			goto out;
		}
		if (k == VSCMI_CLOCK) {
			e = raw_ask(r, proto, M_VERSION, NULL, 0, rep, err, errlen);
			raw_payload(rep, &rd);
			if (e || vscmi_rd_u32(&rd, &r->clock_version) < 0) {
				e = e ? e : raw_fail(err, errlen, "clock PROTOCOL_VERSION too short");
				goto out;
			}
		}
		e = raw_ask(r, proto, M_ATTRIBUTES, NULL, 0, rep, err, errlen);
		raw_payload(rep, &rd);
		if (e || vscmi_rd_u32(&rd, &attr) < 0) {
			e = e ? e : raw_fail(err, errlen, "PROTOCOL_ATTRIBUTES of 0x%02x too short",
					     proto);
			goto out;
		}
		count = attr & 0xffff;
		for (uint32_t i = 0; i < m->nres[k]; i++) {
			const struct vscmi_res_desc *d = &m->res[k][i];

			if (d->plat_id >= count) {
				e = raw_fail(err, errlen,
					     "[%s %s]: id %u, but the firmware has %u %s%s",
					     vscmi_kind_name(d->kind), d->name, d->plat_id, count,
					     raw_kind_title(d->kind), count == 1 ? "" : "s");
				goto out;
			}
			if (k == VSCMI_SENSOR)
				continue;
			e = raw_xfer(r, proto, M_DOMAIN_ATTRIBUTES, &d->plat_id, 1, false, rep);
			raw_payload(rep, &rd);
			if (e == 0 && vscmi_rd_u32(&rd, &r->res[k][i].attributes) < 0)
				e = -EPROTO;
			if (e) {
				e = raw_fail(err, errlen, "[%s %s]: the firmware does not describe "
							  "%s %u: %s",
					     vscmi_kind_name(d->kind), d->name,
					     raw_kind_title(d->kind), d->plat_id,
					     e == -ETIMEDOUT || e == -ECOMM ? "no answer" :
					     e == -EPROTO ? "reply too short" :
					     raw_status_name((int32_t)vscmi_get_le32(rep->b + 4)));
				goto out;
			}
		}
		if (k == VSCMI_SENSOR) {
			e = raw_find_sensors(r, count, rep, err, errlen);
			if (e)
				goto out;
		}
	}
	/* Our own agent id: a notification with it echoes our own command. */
	r->own_agent = UINT32_MAX;
	if (raw_xfer(r, P_BASE, M_BASE_DISCOVER_AGENT, &me, 1, false, rep) == 0) {
		raw_payload(rep, &rd);
		if (vscmi_rd_u32(&rd, &me) == 0)
			r->own_agent = me;
	}
	for (int k = 0; k < VSCMI_KIND_COUNT; k++)
		for (uint32_t i = 0; i < m->nres[k]; i++)
			raw_subscribe(r, (enum vscmi_kind)k, i, rep);
	e = 0;
out:
	free(has);
	free(rep);
	return e;
}

/* --- the link ------------------------------------------------------------------ */

static int raw_open_file(const char *dir, const char *name, int flags, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return raw_fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
	return fd;
}

static void raw_check_kernel_timeout(struct raw *r)
{
	char path[PATH_MAX + 32], buf[32] = "";
	unsigned long ms;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/transport/max_rx_timeout_ms", r->top);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	ms = strtoul(buf, NULL, 10);
	if (ms && ms < r->timeout_ms)
		log_info("linux-raw: the kernel gives up on a reply after %lu ms (transport "
			 "max_rx_timeout_ms): later replies go to raw/errors, and commands "
			 "time out after %u ms",
			 ms, r->timeout_ms);
}

static int raw_connect(struct raw *r, char *err, size_t errlen)
{
	int e;

	raw_close(r);
	r->msg_fd = raw_open_file(r->msgdir, "message", O_RDWR, err, errlen);
	if (r->msg_fd < 0)
		goto fail;
	r->async_fd = raw_open_file(r->msgdir, "message_async", O_RDWR, err, errlen);
	if (r->async_fd < 0)
		goto fail;
	r->notif_fd = raw_open_file(r->rawdir, "notification", O_RDONLY, err, errlen);
	if (r->notif_fd < 0)
		goto fail;
	/* Whatever an earlier user left queued is not ours. */
	e = raw_flush(r);
	if (e < 0) {
		raw_fail(err, errlen, "cannot write %s/reset: %s", r->rawdir, strerror(-e));
		goto fail;
	}
	r->up = true;
	r->timeouts_in_row = 0;
	e = raw_discover(r, err, errlen);
	if (e)
		goto fail;
	raw_check_kernel_timeout(r);
	return 0;
fail:
	r->up = false;
	raw_close(r);
	return -ENODEV;
}

int vscmi_raw_new(const struct vscmi_model *m, const struct vscmi_raw_opts *o,
		  struct vscmi_platform **out, char *err, size_t errlen)
{
	struct raw *r = calloc(1, sizeof(*r));
	int n, e;

	*out = NULL;
	if (!r)
		return raw_fail(err, errlen, "out of memory"), -ENOMEM;
	r->base.ops = &raw_ops;
	r->m = m;
	r->msg_fd = r->async_fd = r->notif_fd = -1;
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
	e = raw_connect(r, err, errlen);
	if (e)
		return e;
	log_notice("linux-raw: link to the firmware is back");
	if (r->link_cb)
		r->link_cb(r->link_ctx, true);
	return 0;
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
		if (raw_kind_proto[k] == proto) {
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
	if (RAW_HDR_TYPE(hdr) != RAW_TYPE_NOTIFICATION || !raw_kind_of(RAW_HDR_PROTO(hdr), &ev.kind) ||
	    vscmi_rd_u32(&rd, &agent) < 0 || vscmi_rd_u32(&rd, &ev.id) < 0) {
		log_debug("linux-raw: notification 0x%08x not for a resource", hdr);
		return;
	}
	/* The arbiter told the agents of what it did itself. */
	if (agent == r->own_agent)
		return;
	ev.protocol = (uint8_t)RAW_HDR_PROTO(hdr);
	ev.message = (uint8_t)RAW_HDR_MSG(hdr);
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
