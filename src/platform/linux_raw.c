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
 * The arbiter's changes go through start(): the command is written, a
 * pending entry keyed by its token is kept, and the reply completes it from
 * dispatch(), which the embedder runs when fd() is readable (the message
 * file has a reply, a deadline passed, or a completion is ready). So a slow
 * firmware holds up only the commands that wait for it. Sensor readings
 * work the same way through sensor_start(); an asynchronous sensor's entry
 * waits for the response, then for the delayed response under a deadline
 * of its own. apply(), read() and sensor_read() still wait for their own
 * reply (discovery, start-up, rare commands); a reply to a pending command
 * that shows up meanwhile is handed to its entry, never dropped.
 *
 * Discovery checks the configured rates and levels against the firmware's
 * describe replies, which come in parts: each names how many it returned
 * and how many remain, and the next is asked for from there, a bounded
 * number of times. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "vscmi/buf.h"
#include "vscmi/log.h"
#include "vscmi/platform.h"
#include "vscmi/scmi_wire.h"

#define RAW_TOKENS SCMI_TOKENS

#define RAW_MSG_MAX 1024	/* bytes taken from one message; longer ones are dropped */
#define RAW_DRAIN_MAX 64	/* reads to finish one message */
#define RAW_READS_MAX 64	/* messages taken while waiting, or per dispatch */
#define RAW_TIMEOUTS_DOWN 3	/* timeouts in a row that mean the firmware is gone */
#define RAW_WORDS_MAX 8		/* command payload words */
#define RAW_PROTOCOLS_MAX 256
/* Rates or levels taken from one firmware resource when checking the
 * configuration, and the multi-part rounds asking for them. */
#define RAW_VALUES_MAX 1024
#define RAW_ROUNDS_MAX 256
/* Commands one discovery may make: a bound, whatever the firmware answers. */
#define RAW_DISC_MAX 4096
/* Values of a configured segment checked one by one against a list. */
#define RAW_SEGMENT_CHECK_MAX 4096
/* The arbiter has one change in flight per resource chain; the cap keeps
 * the firmware's channel from queueing more than a few, whatever the
 * configuration. */
#define RAW_INFLIGHT_MAX VSCMI_RAW_INFLIGHT_MAX

/* Resource protocols' own commands at the same ids. */
enum {
	RAW_DOMAIN_ATTRIBUTES = 0x3,	/* every resource protocol's, at 0x3 */
	/* CLOCK_DESCRIBE_RATES, PERFORMANCE_ and VOLTAGE_DESCRIBE_LEVELS */
	RAW_DESCRIBE = 0x4,
};

/* What discovery learnt about one configured resource. */
struct raw_res {
	uint32_t attributes;		/* the firmware's attributes word */
	char name[17];			/* the firmware's (short) name, for messages */
	bool async;			/* sensor: asynchronous reads */
	bool found;			/* sensor: described by the firmware */
};

struct raw_reply {
	uint8_t b[RAW_MSG_MAX];
	size_t len;			/* header and status included */
};

/* A command started and not yet delivered. */
struct raw_pend {
	bool used;
	bool done;			/* result known, delivered by the next dispatch */
	uint32_t hdr;			/* the reply's header, token included (28 bits) */
	uint64_t deadline_us;		/* CLOCK_MONOTONIC */
	uint64_t sent_us;
	int result;
	vscmi_done_fn fn;		/* NULL (and rfn NULL): cancelled, its reply is dropped */
	vscmi_reading_fn rfn;		/* a sensor reading: op.id is the sensor */
	void *ctx;
	struct vscmi_op op;		/* for the log */
	bool reading;
	bool async;			/* the value comes in a delayed response */
	int64_t value;			/* a reading's result */
	uint64_t ts;
};

/* One answer a discovery had: a reply (err its status as -errno), or
 * -ETIMEDOUT. */
struct raw_disc_ans {
	int err;
	size_t len;
	uint8_t *b;
};

/* Discovery when the link comes back, without holding the loop. It is run
 * from the start each time an answer comes, every command answered from
 * those had so far; the first one not had yet is sent and the run stops
 * there (-EINPROGRESS). Given the same answers a run takes the same path,
 * one command further each time: the replays cost some parsing, nothing
 * beside the firmware's round trips. */
struct raw_disc {
	bool active;
	bool quiet;			/* a run that will be repeated logs nothing */
	uint32_t want;			/* the header of the reply awaited; 0: none */
	uint64_t deadline_us;
	unsigned int n, pos, cap;
	struct raw_disc_ans *ans;
};

struct raw {
	struct vscmi_platform base;
	const struct vscmi_model *m;
	char top[PATH_MAX];		/* scmi/<n> */
	char rawdir[PATH_MAX];		/* scmi/<n>/raw */
	char msgdir[PATH_MAX];		/* raw, or raw/channels/0xNN */
	uint32_t timeout_ms;
	/* The kernel's raw files keep one position for reads and writes: a
	 * write where a reply was read sends the previous message again. So
	 * message is opened twice, written through one, read through the
	 * other; message_async, whose replies come on the same queue, is only
	 * written. */
	int tx_fd, async_tx_fd, rx_fd, notif_fd;
	int ep_fd;			/* fd(): rx_fd, timer_fd, kick_fd */
	int timer_fd;			/* armed for the earliest pending deadline */
	int kick_fd;			/* eventfd: a completion is ready */
	struct raw_pend pend[RAW_INFLIGHT_MAX];
	bool up;
	uint32_t token;
	uint32_t timeouts_in_row;
	uint32_t own_agent;		/* our agent id at the firmware; UINT32_MAX unknown */
	uint32_t clock_version;
	uint32_t perf_version;
	struct raw_res *res[VSCMI_KIND_COUNT];
	struct vscmi_raw_stats stats;
	struct raw_disc disc;
	void (*link_cb)(void *ctx, bool up);
	void *link_ctx;
};

static const struct vscmi_platform_ops raw_ops;

static struct raw *to_raw(struct vscmi_platform *p)
{
	return (struct raw *)p;
}

/* Why a command failed, for a message: the firmware's status when its
 * reply said so, else what went wrong here. A reply is only looked at
 * when this command brought one (raw_xfer empties rep first). */
static const char *raw_why(int e, const struct raw_reply *rep)
{
	if (e == -ETIMEDOUT || e == -ECOMM)
		return "no answer";
	if (e == -EBADE)
		return "a malformed reply";
	if (rep->len >= 8 && vscmi_get_le32(rep->b + 4) != 0)
		return scmi_status_name((int32_t)vscmi_get_le32(rep->b + 4));
	return strerror(-e);
}

/* The firmware's status as -errno; the table in src/util/scmi_wire.c maps
 * each back to the same status for the agent. A reply that is not what
 * the command asks for is -EBADE (COMMS_ERROR), never -EPROTO:
 * PROTOCOL_ERROR would tell the agent that its own message was malformed. */
static int raw_errno(int32_t s)
{
	/* PROTOCOL_ERROR: the firmware found vscmid's own message malformed;
	 * the agent's was not, so it is not told so. */
	return s == SCMI_PROTOCOL_ERROR ? -EREMOTEIO : scmi_errno_from_status(s);
}

static uint64_t raw_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t raw_now_ms(void)
{
	return raw_now_us() / 1000u;
}

static bool raw_link_errno(int err)
{
	/* What the kernel's files answer once the driver is unbound. */
	return err == -EIO || err == -ENODEV || err == -ENOENT || err == -ENXIO ||
	       err == -EBADF;
}

static void raw_close(struct raw *r)
{
	if (r->rx_fd >= 0) {
		epoll_ctl(r->ep_fd, EPOLL_CTL_DEL, r->rx_fd, NULL);
		close(r->rx_fd);
	}
	if (r->tx_fd >= 0)
		close(r->tx_fd);
	if (r->async_tx_fd >= 0)
		close(r->async_tx_fd);
	if (r->notif_fd >= 0)
		close(r->notif_fd);
	r->tx_fd = r->async_tx_fd = r->rx_fd = r->notif_fd = -1;
}

/* --- pending commands ---------------------------------------------------- */

/* Makes fd() readable: a completion waits for dispatch. */
static void raw_kick(struct raw *r)
{
	uint64_t one = 1;

	if (write(r->kick_fd, &one, sizeof(one)) < 0)
		log_debug("linux-raw: waking the dispatcher: %s", strerror(errno));
}

static void raw_pend_free(struct raw_pend *pe)
{
	memset(pe, 0, sizeof(*pe));
}

/* Entries whose reply the firmware still owes. */
static unsigned int raw_in_flight(const struct raw *r)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < RAW_INFLIGHT_MAX; i++)
		n += r->pend[i].used && !r->pend[i].done;
	return n;
}

static bool raw_pend_live(const struct raw_pend *pe)
{
	return pe->fn || pe->rfn;
}

static const char *raw_pend_name(const struct raw_pend *pe)
{
	return pe->reading ? "sensor-reading" : vscmi_op_name(pe->op.type);
}

static void raw_pend_complete(struct raw *r, struct raw_pend *pe, int result)
{
	if (!raw_pend_live(pe)) {
		/* cancelled: nobody waits for it any more */
		raw_pend_free(pe);
		return;
	}
	pe->done = true;
	pe->result = result;
	raw_kick(r);
}

/* The timer follows the earliest deadline of what is in flight. */
static void raw_arm(struct raw *r)
{
	struct itimerspec its = { 0 };
	uint64_t first = 0;

	for (unsigned int i = 0; i < RAW_INFLIGHT_MAX; i++) {
		const struct raw_pend *pe = &r->pend[i];

		if (pe->used && !pe->done && (!first || pe->deadline_us < first))
			first = pe->deadline_us;
	}
	if (r->disc.active && r->disc.want && (!first || r->disc.deadline_us < first))
		first = r->disc.deadline_us;
	if (first) {
		its.it_value.tv_sec = (time_t)(first / 1000000u);
		its.it_value.tv_nsec = (long)(first % 1000000u) * 1000;
	}
	if (timerfd_settime(r->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		log_warn("linux-raw: cannot arm the reply timer: %s", strerror(errno));
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
	/* What was in flight will never be answered on these files. */
	for (unsigned int i = 0; i < RAW_INFLIGHT_MAX; i++)
		if (r->pend[i].used && !r->pend[i].done)
			raw_pend_complete(r, &r->pend[i], -ECOMM);
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

/* The value and timestamp in a reading's reply (or delayed response, which
 * names the sensor first): 0 or -EBADE. */
static int raw_reading_parse(const struct raw_reply *rep, bool async, uint32_t id,
			     int64_t *value, uint64_t *timestamp)
{
	uint32_t lo, hi, tlo = 0, thi = 0, rid;
	struct vscmi_rd rd;

	vscmi_rd_init(&rd, rep->b + 8, rep->len - 8);
	if (async && (vscmi_rd_u32(&rd, &rid) < 0 || rid != id))
		return -EBADE;
	if (vscmi_rd_u32(&rd, &lo) < 0 || vscmi_rd_u32(&rd, &hi) < 0)
		return -EBADE;
	/* Sensor v3 adds a timestamp; older firmware has none. */
	if (vscmi_rd_u32(&rd, &tlo) < 0 || vscmi_rd_u32(&rd, &thi) < 0)
		tlo = thi = 0;
	*value = (int64_t)((uint64_t)hi << 32 | lo);
	*timestamp = (uint64_t)thi << 32 | tlo;
	return 0;
}

/* The round trip of a pending command, from its write to its answer. */
static void raw_answered(struct raw *r, const struct raw_pend *pe)
{
	uint64_t us = raw_now_us() - pe->sent_us;

	r->stats.answered++;
	r->stats.rtt_sum_us += us;
	if (us > r->stats.rtt_max_us)
		r->stats.rtt_max_us = us;
}

/* A message read off the reply queue that is not what a synchronous call
 * waits for: the reply to a pending command completes it (delivered by the
 * next dispatch); anything else is late or unknown, and dropped. */
static void raw_take(struct raw *r, const struct raw_reply *rep)
{
	uint32_t hdr;

	if (rep->len < 8) {
		r->stats.stale++;
		log_debug("linux-raw: dropped a malformed reply");
		return;
	}
	hdr = vscmi_get_le32(rep->b) & 0x0fffffffu;
	for (unsigned int i = 0; i < RAW_INFLIGHT_MAX; i++) {
		struct raw_pend *pe = &r->pend[i];
		int err;

		if (!pe->used || pe->done || pe->hdr != hdr)
			continue;
		r->timeouts_in_row = 0;
		err = raw_errno((int32_t)vscmi_get_le32(rep->b + 4));
		if (err < 0 && raw_pend_live(pe))
			log_info("linux-raw: firmware refused %s %u -> %lld: %s", raw_pend_name(pe),
				 pe->op.id, (long long)pe->op.val, strerror(-err));
		if (err == 0 && pe->reading && pe->async &&
		    SCMI_HDR_TYPE(hdr) == SCMI_TYPE_COMMAND) {
			/* Accepted: the value follows in the delayed response,
			 * which gets a deadline of its own. */
			pe->hdr = SCMI_HDR(SCMI_HDR_MSG(hdr), SCMI_TYPE_DELAYED,
					   SCMI_HDR_PROTO(hdr), SCMI_HDR_TOKEN(hdr));
			pe->deadline_us = raw_now_us() + (uint64_t)r->timeout_ms * 1000u;
			raw_arm(r);
			return;
		}
		if (err == 0 && pe->reading)
			err = raw_reading_parse(rep, pe->async, pe->op.id, &pe->value, &pe->ts);
		raw_answered(r, pe);
		raw_pend_complete(r, pe, err);
		return;
	}
	r->stats.stale++;
	log_debug("linux-raw: dropped a reply to no pending command (header 0x%08x)",
		  vscmi_get_le32(rep->b));
}

/* Waits for the message of this type and token; a reply to a pending
 * command goes to its entry, anything else is late and dropped. */
static int raw_wait(struct raw *r, int fd, uint32_t want, uint64_t deadline,
		    struct raw_reply *rep)
{
	for (int i = 0; i < RAW_READS_MAX;) {
		uint64_t now = raw_now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
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
		if (err == -EMSGSIZE) {
			r->stats.stale++;
			log_debug("linux-raw: dropped a malformed reply");
			continue;
		}
		if (err < 0)
			return err;
		if (rep->len >= 8 && (vscmi_get_le32(rep->b) & 0x0fffffffu) == want)
			return 0;
		raw_take(r, rep);
	}
	return -ETIMEDOUT;
}

/* A token the firmware holds no command of ours under. */
static uint32_t raw_token(struct raw *r)
{
	for (unsigned int tries = 0; tries < RAW_TOKENS; tries++) {
		uint32_t token = r->token++ % RAW_TOKENS;
		bool busy = false;

		for (unsigned int i = 0; i < RAW_INFLIGHT_MAX && !busy; i++)
			busy = r->pend[i].used && !r->pend[i].done &&
			       SCMI_HDR_TOKEN(r->pend[i].hdr) == token;
		if (!busy)
			return token;
	}
	/* RAW_INFLIGHT_MAX < RAW_TOKENS: not reached */
	return r->token++ % RAW_TOKENS;
}

/* Writes one command; *hdr is the header its reply will carry. */
static int raw_send(struct raw *r, int fd, uint8_t proto, uint8_t msg, const uint32_t *w,
		    unsigned int n, uint32_t *hdr)
{
	uint8_t buf[4 + 4 * RAW_WORDS_MAX];
	ssize_t wr;
	int err;

	if (!r->up && !r->disc.active)
		return -ECOMM;
	if (n > RAW_WORDS_MAX)
		return -EINVAL;
	*hdr = SCMI_HDR(msg, SCMI_TYPE_COMMAND, proto, raw_token(r));
	vscmi_put_le32(buf, *hdr);
	for (unsigned int i = 0; i < n; i++)
		vscmi_put_le32(buf + 4 + 4 * i, w[i]);
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
	return 0;
}

/* A command that got no reply in time. What is queued now is stale, and
 * is flushed unless other commands' replies may be among it; a reply that
 * comes later carries a token nobody waits for and is dropped on reading. */
static void raw_timed_out(struct raw *r, uint32_t hdr)
{
	r->stats.timeouts++;
	r->timeouts_in_row++;
	log_warn("linux-raw: no reply to 0x%02x/0x%02x (token %u) within %u ms",
		 SCMI_HDR_PROTO(hdr), SCMI_HDR_MSG(hdr), SCMI_HDR_TOKEN(hdr), r->timeout_ms);
	if (r->timeouts_in_row >= RAW_TIMEOUTS_DOWN) {
		vscmi_raw_link_lost(&r->base, "the firmware stopped answering");
		return;
	}
	if (!raw_in_flight(r) && raw_flush(r) < 0)
		log_debug("linux-raw: flushing the raw queues failed");
}

/* One command, and its delayed response when async, waited for; reply
 * holds the response (or the delayed response) from its header on. */
static int raw_disc_xfer(struct raw *r, uint8_t proto, uint8_t msg, const uint32_t *w,
			 unsigned int n, bool async, struct raw_reply *rep);

static int raw_xfer(struct raw *r, uint8_t proto, uint8_t msg, const uint32_t *w, unsigned int n,
		    bool async, struct raw_reply *rep)
{
	uint32_t hdr;
	int err;

	rep->len = 0;
	if (r->disc.active)
		return raw_disc_xfer(r, proto, msg, w, n, async, rep);
	err = raw_send(r, async ? r->async_tx_fd : r->tx_fd, proto, msg, w, n, &hdr);

	if (err)
		return err;
	err = raw_wait(r, r->rx_fd, hdr, raw_now_ms() + r->timeout_ms, rep);
	if (err == 0 && async && vscmi_get_le32(rep->b + 4) == 0)
		err = raw_wait(r, r->rx_fd,
			       SCMI_HDR(msg, SCMI_TYPE_DELAYED, proto, SCMI_HDR_TOKEN(hdr)),
			       raw_now_ms() + r->timeout_ms, rep);
	if (err == -ETIMEDOUT) {
		raw_timed_out(r, hdr);
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

static void raw_disc_reset(struct raw *r);
static void raw_disc_dispatch(struct raw *r);

/* --- the ops table ------------------------------------------------------- */

/* One change as the firmware's command. */
struct raw_cmd {
	uint8_t proto, msg;
	uint32_t w[4];
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
	case VSCMI_OP_SYSTEM_POWER:
		c->proto = SCMI_PROTO_SYSTEM, c->msg = SCMI_SYSTEM_POWER_STATE_SET;
		c->w[0] = (uint32_t)op->val2;
		c->w[1] = (uint32_t)op->val;
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

/* Writes the command and leaves it pending: dispatch completes it. */
static int raw_start(struct vscmi_platform *p, const struct vscmi_op *op, vscmi_done_fn done,
		     void *ctx)
{
	struct raw *r = to_raw(p);
	struct raw_pend *pe = NULL;
	struct raw_cmd c;
	uint64_t now;
	uint32_t hdr;
	int err;

	if (!r->up)
		return -ECOMM;
	err = raw_encode(r, op, &c);
	if (err)
		return err;
	for (unsigned int i = 0; i < RAW_INFLIGHT_MAX && !pe; i++)
		if (!r->pend[i].used)
			pe = &r->pend[i];
	if (!pe)
		return -EBUSY;
	err = raw_send(r, r->tx_fd, c.proto, c.msg, c.w, c.n, &hdr);
	if (err)
		return err;
	now = raw_now_us();
	*pe = (struct raw_pend){
		.used = true,
		.hdr = hdr,
		.deadline_us = now + (uint64_t)r->timeout_ms * 1000u,
		.sent_us = now,
		.fn = done,
		.ctx = ctx,
		.op = *op,
	};
	raw_arm(r);
	return -EINPROGRESS;
}

static void raw_cancel(struct vscmi_platform *p, void *ctx)
{
	struct raw *r = to_raw(p);

	for (unsigned int i = 0; i < RAW_INFLIGHT_MAX; i++) {
		struct raw_pend *pe = &r->pend[i];

		if (!pe->used || pe->ctx != ctx)
			continue;
		/* Still in flight, the entry keeps its token taken until the
		 * reply or the deadline, which then only frees it. */
		if (pe->done)
			raw_pend_free(pe);
		else
			pe->fn = NULL, pe->rfn = NULL, pe->ctx = NULL;
	}
}

static int raw_fd(struct vscmi_platform *p)
{
	return to_raw(p)->ep_fd;
}

/* Reads the replies queued now, fires the deadlines that passed, and
 * delivers every completion. */
static int raw_plat_dispatch(struct vscmi_platform *p)
{
	struct raw *r = to_raw(p);
	uint64_t now, count;
	bool fired = false;
	int err = 0;

	/* What made the fd readable is consumed before anything can set it again. */
	if (read(r->kick_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_debug("linux-raw: reading the wake-up: %s", strerror(errno));
	if (read(r->timer_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_debug("linux-raw: reading the reply timer: %s", strerror(errno));
	if (r->disc.active)
		raw_disc_dispatch(r);
	if (r->up) {
		struct raw_reply *rep = malloc(sizeof(*rep));

		/* Capped: the fd stays readable for what is left. */
		for (int i = 0; rep && i < RAW_READS_MAX && r->up; i++) {
			int e = raw_read_msg(r->rx_fd, rep);

			if (e == -EAGAIN)
				break;
			if (e == -EINTR)
				continue;
			if (e == -EMSGSIZE) {
				r->stats.stale++;
				log_debug("linux-raw: dropped a malformed reply");
				continue;
			}
			if (e < 0) {
				vscmi_raw_link_lost(p, raw_link_errno(e) ? "the raw message file is gone" :
							"the raw message file fails");
				break;
			}
			raw_take(r, rep);
		}
		if (!rep)
			err = -ENOMEM;
		free(rep);
	}
	now = raw_now_us();
	for (unsigned int i = 0; i < RAW_INFLIGHT_MAX; i++) {
		struct raw_pend *pe = &r->pend[i];

		if (!pe->used || pe->done || pe->deadline_us > now)
			continue;
		fired = true;
		r->stats.timeouts++;
		r->timeouts_in_row++;
		log_warn("linux-raw: no reply to %s %u -> %lld (token %u) within %u ms",
			 raw_pend_name(pe), pe->op.id, (long long)pe->op.val,
			 SCMI_HDR_TOKEN(pe->hdr), r->timeout_ms);
		raw_pend_complete(r, pe, -ETIMEDOUT);
	}
	if (fired && r->timeouts_in_row >= RAW_TIMEOUTS_DOWN)
		vscmi_raw_link_lost(p, "the firmware stopped answering");
	else if (fired && r->up && !raw_in_flight(r) && raw_flush(r) < 0)
		log_debug("linux-raw: flushing the raw queues failed");
	/* Each entry is freed before its callback, which may start the next
	 * command in its slot; one pass, what completes meanwhile kicks. */
	for (unsigned int i = 0; i < RAW_INFLIGHT_MAX; i++) {
		struct raw_pend *pe = &r->pend[i];
		vscmi_done_fn fn = pe->fn;
		vscmi_reading_fn rfn = pe->rfn;
		void *ctx = pe->ctx;
		int result = pe->result;
		int64_t value = pe->value;
		uint64_t ts = pe->ts;

		if (!pe->used || !pe->done)
			continue;
		raw_pend_free(pe);
		if (fn)
			fn(ctx, result);
		else if (rfn)
			rfn(ctx, result, result == 0 ? value : 0, result == 0 ? ts : 0);
	}
	raw_arm(r);
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

/* The same, left pending: dispatch completes it with the value (after the
 * delayed response for an asynchronous sensor). */
static int raw_sensor_start(struct vscmi_platform *p, uint32_t id, int64_t *value,
			    uint64_t *timestamp, vscmi_reading_fn done, void *ctx)
{
	struct raw *r = to_raw(p);
	int i = raw_sensor_index(r, id);
	bool async = i >= 0 && r->res[VSCMI_SENSOR] && r->res[VSCMI_SENSOR][i].async;
	uint32_t w[2] = { id, async ? 1u : 0u }, hdr;
	struct raw_pend *pe = NULL;
	uint64_t now;
	int err;

	if (!r->up)
		return -ECOMM;
	for (unsigned int k = 0; k < RAW_INFLIGHT_MAX && !pe; k++)
		if (!r->pend[k].used)
			pe = &r->pend[k];
	if (!pe)
		return -EBUSY;
	err = raw_send(r, async ? r->async_tx_fd : r->tx_fd, SCMI_PROTO_SENSOR,
		       SCMI_SENSOR_READING_GET, w, 2, &hdr);
	if (err)
		return err;
	now = raw_now_us();
	*pe = (struct raw_pend){
		.used = true,
		.hdr = hdr,
		.deadline_us = now + (uint64_t)r->timeout_ms * 1000u,
		.sent_us = now,
		.rfn = done,
		.ctx = ctx,
		.op = { .id = id },
		.reading = true,
		.async = async,
	};
	raw_arm(r);
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

	if (e == -EINPROGRESS)
		return e;
	if (e == -ETIMEDOUT || e == -ECOMM)
		return raw_fail(err, errlen,
				"the firmware did not answer command 0x%02x of protocol 0x%02x "
				"within %u ms",
				msg, proto, r->timeout_ms);
	if (e < 0)
		return raw_fail(err, errlen,
				"the firmware answers command 0x%02x of protocol 0x%02x with %s",
				msg, proto, raw_why(e, rep));
	return 0;
}

static int raw_list_protocols(struct raw *r, bool *has, struct raw_reply *rep, char *err,
			      size_t errlen)
{
	uint32_t attr, total, skip = 0;
	struct vscmi_rd rd;
	int e;

	e = raw_ask(r, SCMI_PROTO_BASE, SCMI_MSG_ATTRIBUTES, NULL, 0, rep, err, errlen);
	raw_payload(rep, &rd);
	if (e == 0 && vscmi_rd_u32(&rd, &attr) < 0)
		e = raw_fail(err, errlen, "the firmware's BASE PROTOCOL_ATTRIBUTES is too short");
	if (e)
		return e;
	total = attr & 0xff;
	/* Each round returns at least one protocol, or the loop ends. */
	for (int round = 0; skip < total && round < RAW_PROTOCOLS_MAX; round++) {
		uint32_t num, word = 0;

		e = raw_ask(r, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_LIST_PROTOCOLS, &skip, 1, rep,
			    err, errlen);
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

		e = raw_ask(r, SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, &index, 1, rep, err,
			    errlen);
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

/* Subscribes to the changes the firmware makes on its own: 0, or
 * -EINPROGRESS while a discovery waits for the answer. */
static int raw_subscribe(struct raw *r, enum vscmi_kind k, uint32_t i, struct raw_reply *rep)
{
	uint32_t attr = r->res[k][i].attributes, w[2] = { r->m->res[k][i].plat_id, 1 };
	int e = 0;

	if (k == VSCMI_CLOCK && (attr >> 31 & 1))
		e = raw_xfer(r, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_NOTIFY, w, 2, false, rep);
	else if (k == VSCMI_POWER && (attr >> 31 & 1))
		e = raw_xfer(r, SCMI_PROTO_POWER, SCMI_POWER_STATE_NOTIFY, w, 2, false, rep);
	else if (k == VSCMI_PERF) {
		if (attr >> 29 & 1)
			e = raw_xfer(r, SCMI_PROTO_PERF, SCMI_PERF_NOTIFY_LIMITS, w, 2, false, rep);
		if (e == 0 && (attr >> 28 & 1))
			e = raw_xfer(r, SCMI_PROTO_PERF, SCMI_PERF_NOTIFY_LEVEL, w, 2, false, rep);
	}
	if (e == -EINPROGRESS)
		return e;
	if (e < 0 && !r->disc.quiet)
		log_notice("linux-raw: %s %s: no notifications from the firmware: %s",
			   raw_kind_title(k), r->m->res[k][i].name, strerror(-e));
	return 0;
}

/* What a firmware resource can be set to: a list, or a segment. */
struct raw_values {
	bool segment;
	int64_t min, max, step;
	uint32_t n;
	int64_t v[RAW_VALUES_MAX];
};

static bool raw_values_has(const struct raw_values *fv, int64_t x)
{
	if (fv->segment)
		return x >= fv->min && x <= fv->max &&
		       (fv->step <= 0 ? x == fv->min : (x - fv->min) % fv->step == 0);
	for (uint32_t i = 0; i < fv->n; i++)
		if (fv->v[i] == x)
			return true;
	return false;
}

/* "100000000, 200000000, ..." or "1000000..100000000 in steps of 1000000". */
static void raw_values_text(const struct raw_values *fv, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	if (fv->segment) {
		snprintf(buf, len, "%lld..%lld in steps of %lld", (long long)fv->min,
			 (long long)fv->max, (long long)fv->step);
		return;
	}
	for (uint32_t i = 0; i < fv->n && at + 1 < len; i++) {
		int n = snprintf(buf + at, len - at, "%s%lld", i ? ", " : "", (long long)fv->v[i]);

		if (n < 0)
			return;
		at += (size_t)n;
		if (i == 7 && fv->n > 8) {
			snprintf(buf + (at < len ? at : len - 1), len - (at < len ? at : len - 1),
				 ", ... (%u in all)", fv->n);
			return;
		}
	}
}

/* Reads a resource's rates (clock), levels (voltage) or performance levels
 * from the firmware: multi-part replies, asked for again from the index
 * after the last returned until nothing remains, a bounded number of times. */
static int raw_read_values(struct raw *r, enum vscmi_kind k, uint32_t id, struct raw_values *fv,
			   struct raw_reply *rep, char *err, size_t errlen)
{
	uint8_t proto = vscmi_kind_protocol((enum vscmi_kind)k);
	/* Perf v4 levels carry a frequency and an index besides the level,
	 * power cost and latency. */
	uint32_t perf_words = r->perf_version >= 0x40000 ? 5 : 3;
	uint32_t index = 0;

	fv->segment = false;
	fv->n = 0;
	for (int round = 0; round < RAW_ROUNDS_MAX; round++) {
		uint32_t w[2] = { id, index }, flags, returned, remaining;
		struct vscmi_rd rd;
		int e = raw_ask(r, proto, RAW_DESCRIBE, w, 2, rep, err, errlen);

		if (e)
			return e;
		raw_payload(rep, &rd);
		if (vscmi_rd_u32(&rd, &flags) < 0)
			return raw_fail(err, errlen, "a describe reply of protocol 0x%02x is too short",
					proto);
		returned = flags & 0xfff;
		remaining = flags >> 16;
		if (k != VSCMI_PERF && (flags & (1u << 12))) {
			int64_t t[3];

			/* A segment: min, max, step, in one part. */
			for (int i = 0; i < 3; i++) {
				uint32_t lo, hi = 0;

				if (vscmi_rd_u32(&rd, &lo) < 0 ||
				    (k == VSCMI_CLOCK && vscmi_rd_u32(&rd, &hi) < 0))
					return raw_fail(err, errlen, "a describe reply of protocol "
								     "0x%02x is too short",
							proto);
				t[i] = k == VSCMI_CLOCK ? (int64_t)((uint64_t)hi << 32 | lo)
							: (int64_t)(int32_t)lo;
			}
			fv->segment = true;
			fv->min = t[0], fv->max = t[1], fv->step = t[2];
			return 0;
		}
		if (returned == 0 && remaining)
			return raw_fail(err, errlen, "the firmware's describe replies of protocol "
						     "0x%02x make no progress",
					proto);
		for (uint32_t i = 0; i < returned; i++) {
			uint32_t lo, hi = 0, skip;
			int64_t x;

			if (vscmi_rd_u32(&rd, &lo) < 0 ||
			    (k == VSCMI_CLOCK && vscmi_rd_u32(&rd, &hi) < 0))
				return raw_fail(err, errlen,
						"a describe reply of protocol 0x%02x is too short",
						proto);
			for (uint32_t j = 1; k == VSCMI_PERF && j < perf_words; j++)
				if (vscmi_rd_u32(&rd, &skip) < 0)
					return raw_fail(err, errlen, "a describe reply of protocol "
								     "0x%02x is too short",
							proto);
			x = k == VSCMI_CLOCK ? (int64_t)((uint64_t)hi << 32 | lo) :
			    k == VSCMI_VOLTAGE ? (int64_t)(int32_t)lo : (int64_t)lo;
			if (fv->n < RAW_VALUES_MAX)
				fv->v[fv->n++] = x;
		}
		index += returned;
		if (!remaining)
			return 0;
		if (fv->n == RAW_VALUES_MAX) {
			if (!r->disc.quiet)
				log_notice("linux-raw: the firmware describes more than %u values "
					   "of resource %u of protocol 0x%02x; the rest are not "
					   "checked",
					   RAW_VALUES_MAX, id, proto);
			return 0;
		}
	}
	return raw_fail(err, errlen, "the firmware's describe replies of protocol 0x%02x do not end",
			proto);
}

/* Every rate or level the configuration lets agents ask for must be one
 * the firmware has: agents see the configured ones, and a set the
 * firmware would refuse is better found at start. */
static int raw_check_values(struct raw *r, enum vscmi_kind k, uint32_t i, struct raw_reply *rep,
			    char *err, size_t errlen)
{
	const struct vscmi_res_desc *d = &r->m->res[k][i];
	const struct vscmi_range *rg = NULL;
	const char *what = k == VSCMI_CLOCK ? "rate" : "level", *unit = "";
	struct raw_values *fv = malloc(sizeof(*fv));
	int64_t bad = 0;
	bool missing = false;
	char have[256];
	int e;

	if (!fv)
		return raw_fail(err, errlen, "out of memory");
	e = raw_read_values(r, k, d->plat_id, fv, rep, err, errlen);
	if (e)
		goto out;
	if (k == VSCMI_CLOCK) {
		rg = &d->u.clock.rates, unit = " Hz";
		if (d->u.clock.policy == VSCMI_POLICY_FIXED && !raw_values_has(fv, (int64_t)d->u.clock.rate))
			missing = true, bad = (int64_t)d->u.clock.rate;
	} else if (k == VSCMI_VOLTAGE) {
		rg = &d->u.voltage.levels, unit = " uV";
		if (d->u.voltage.policy == VSCMI_POLICY_FIXED && !raw_values_has(fv, d->u.voltage.level))
			missing = true, bad = d->u.voltage.level;
	} else {
		for (uint32_t l = 0; l < d->u.perf.nlevels && !missing; l++)
			if (!raw_values_has(fv, d->u.perf.levels[l].perf))
				missing = true, bad = d->u.perf.levels[l].perf;
	}
	if (rg && !missing && !rg->segment) {
		for (uint32_t l = 0; l < rg->count && !missing; l++)
			if (!raw_values_has(fv, rg->values[l]))
				missing = true, bad = rg->values[l];
	} else if (rg && !missing && rg->step > 0 && fv->segment) {
		/* A segment inside the firmware's, on its grid. */
		if (!raw_values_has(fv, rg->min))
			missing = true, bad = rg->min;
		else if (!raw_values_has(fv, rg->max))
			missing = true, bad = rg->max;
		else if (fv->step > 0 && rg->step % fv->step)
			missing = true, bad = rg->min + rg->step;
	} else if (rg && !missing && rg->step > 0) {
		for (int64_t x = rg->min, n = 0; x <= rg->max && !missing; x += rg->step, n++) {
			if (n == RAW_SEGMENT_CHECK_MAX) {
				if (!r->disc.quiet)
					log_notice("linux-raw: [%s %s]: only the first %u values "
						   "checked",
						   vscmi_kind_name(d->kind), d->name,
						   RAW_SEGMENT_CHECK_MAX);
				break;
			}
			if (!raw_values_has(fv, x))
				missing = true, bad = x;
		}
	}
	if (missing) {
		raw_values_text(fv, have, sizeof(have));
		e = raw_fail(err, errlen,
			     "[%s %s]: %s %lld%s, but the firmware's %s %u (%s) has %s%s",
			     vscmi_kind_name(d->kind), d->name, what, (long long)bad, unit,
			     raw_kind_title(d->kind), d->plat_id,
			     r->res[k][i].name[0] ? r->res[k][i].name : "unnamed", have, unit);
	}
out:
	free(fv);
	return e;
}

/* The firmware's short name of a resource, from its attributes reply. */
static void raw_res_name(struct raw *r, enum vscmi_kind k, uint32_t i, const struct raw_reply *rep)
{
	/* Where the name sits among the return values. */
	size_t at = k == VSCMI_PERF ? 16 : k == VSCMI_RESET ? 8 : 4;
	char *name = r->res[k][i].name;

	name[0] = '\0';
	if (rep->len < 8 + at + 16)
		return;
	memcpy(name, rep->b + 8 + at, 16);
	name[16] = '\0';
	for (char *c = name; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
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
		uint8_t proto = vscmi_kind_protocol((enum vscmi_kind)k);
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
		if (k == VSCMI_CLOCK || k == VSCMI_PERF) {
			uint32_t *version = k == VSCMI_CLOCK ? &r->clock_version : &r->perf_version;

			e = raw_ask(r, proto, SCMI_MSG_VERSION, NULL, 0, rep, err, errlen);
			raw_payload(rep, &rd);
			if (e || vscmi_rd_u32(&rd, version) < 0) {
				e = e ? e : raw_fail(err, errlen, "PROTOCOL_VERSION of 0x%02x too short",
						     proto);
				goto out;
			}
		}
		e = raw_ask(r, proto, SCMI_MSG_ATTRIBUTES, NULL, 0, rep, err, errlen);
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
			e = raw_xfer(r, proto, RAW_DOMAIN_ATTRIBUTES, &d->plat_id, 1, false, rep);
			if (e == -EINPROGRESS)
				goto out;
			raw_payload(rep, &rd);
			if (e == 0 && vscmi_rd_u32(&rd, &r->res[k][i].attributes) < 0)
				e = -EBADE;
			if (e) {
				e = raw_fail(err, errlen, "[%s %s]: the firmware does not describe "
							  "%s %u: %s",
					     vscmi_kind_name(d->kind), d->name,
					     raw_kind_title(d->kind), d->plat_id, raw_why(e, rep));
				goto out;
			}
			raw_res_name(r, (enum vscmi_kind)k, i, rep);
			if (k == VSCMI_CLOCK || k == VSCMI_VOLTAGE || k == VSCMI_PERF) {
				e = raw_check_values(r, (enum vscmi_kind)k, i, rep, err, errlen);
				if (e)
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
	e = raw_xfer(r, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_AGENT, &me, 1, false, rep);
	if (e == -EINPROGRESS)
		goto out;
	if (e == 0) {
		raw_payload(rep, &rd);
		if (vscmi_rd_u32(&rd, &me) == 0)
			r->own_agent = me;
	}
	for (int k = 0; k < VSCMI_KIND_COUNT; k++)
		for (uint32_t i = 0; i < m->nres[k]; i++)
			if (raw_subscribe(r, (enum vscmi_kind)k, i, rep) == -EINPROGRESS) {
				e = -EINPROGRESS;
				goto out;
			}
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

/* Opens the raw files and flushes what an earlier user left queued. */
static int raw_open(struct raw *r, char *err, size_t errlen)
{
	int e;

	raw_close(r);
	r->tx_fd = raw_open_file(r->msgdir, "message", O_WRONLY, err, errlen);
	if (r->tx_fd < 0)
		goto fail;
	r->rx_fd = raw_open_file(r->msgdir, "message", O_RDONLY, err, errlen);
	if (r->rx_fd < 0)
		goto fail;
	r->async_tx_fd = raw_open_file(r->msgdir, "message_async", O_WRONLY, err, errlen);
	if (r->async_tx_fd < 0)
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
	return 0;
fail:
	raw_close(r);
	return -ENODEV;
}

/* Replies are read by dispatch when fd() says so. */
static int raw_watch(struct raw *r, char *err, size_t errlen)
{
	if (epoll_ctl(r->ep_fd, EPOLL_CTL_ADD, r->rx_fd,
		      &(struct epoll_event){ .events = EPOLLIN }) < 0)
		return raw_fail(err, errlen, "cannot watch %s/message: %s", r->msgdir,
				strerror(errno));
	return 0;
}

/* At start, before anything is served: discovery waits for each reply. */
static int raw_connect(struct raw *r, char *err, size_t errlen)
{
	int e = raw_open(r, err, errlen);

	if (e)
		return e;
	r->up = true;
	r->timeouts_in_row = 0;
	e = raw_discover(r, err, errlen);
	if (e == 0)
		e = raw_watch(r, err, errlen);
	if (e) {
		r->up = false;
		raw_close(r);
		return -ENODEV;
	}
	raw_check_kernel_timeout(r);
	return 0;
}

/* --- discovery when the link comes back --------------------------------------- */

static void raw_disc_reset(struct raw *r)
{
	for (unsigned int i = 0; i < r->disc.n; i++)
		free(r->disc.ans[i].b);
	free(r->disc.ans);
	r->disc = (struct raw_disc){ 0 };
}

/* raw_xfer during such a discovery: the answer had, or the command sent
 * and -EINPROGRESS. */
static int raw_disc_xfer(struct raw *r, uint8_t proto, uint8_t msg, const uint32_t *w,
			 unsigned int n, bool async, struct raw_reply *rep)
{
	struct raw_disc *d = &r->disc;
	int err;

	if (d->pos < d->n) {
		const struct raw_disc_ans *a = &d->ans[d->pos++];

		memcpy(rep->b, a->b, a->len);
		rep->len = a->len;
		return a->err;
	}
	/* Discovery asks synchronously, one command at a time. */
	if (async || d->want)
		return -EINVAL;
	if (d->n >= RAW_DISC_MAX)
		return -E2BIG;
	err = raw_send(r, r->tx_fd, proto, msg, w, n, &d->want);
	if (err)
		return err;
	d->deadline_us = raw_now_us() + (uint64_t)r->timeout_ms * 1000u;
	raw_arm(r);
	return -EINPROGRESS;
}

/* Keeps the answer to the command awaited (rep NULL: none came in time). */
static int raw_disc_had(struct raw *r, int err, const struct raw_reply *rep)
{
	struct raw_disc *d = &r->disc;
	struct raw_disc_ans *a;

	if (d->n == d->cap) {
		unsigned int cap = d->cap ? 2 * d->cap : 32;
		struct raw_disc_ans *ans = realloc(d->ans, cap * sizeof(*ans));

		if (!ans)
			return -ENOMEM;
		d->ans = ans;
		d->cap = cap;
	}
	a = &d->ans[d->n];
	*a = (struct raw_disc_ans){ .err = err, .len = rep ? rep->len : 8 };
	a->b = calloc(1, a->len);
	if (!a->b)
		return -ENOMEM;
	if (rep)
		memcpy(a->b, rep->b, rep->len);
	d->n++;
	d->want = 0;
	return 0;
}

/* The walk given up: the link stays down, its files closed. */
static void raw_disc_abort(struct raw *r)
{
	raw_disc_reset(r);
	raw_close(r);
	raw_arm(r);
}

/* One more run of discovery. When it no longer waits, the walk ends:
 * once more from the answers had, logging this time, and the link is up;
 * or it failed, and the link stays down. */
static int raw_disc_step(struct raw *r, char *err, size_t errlen)
{
	int e;

	r->disc.pos = 0;
	e = raw_discover(r, err, errlen);
	if (e == -EINPROGRESS)
		return e;
	if (e == 0) {
		r->disc.quiet = false;
		r->disc.pos = 0;
		e = raw_discover(r, err, errlen);
		if (e == -EINPROGRESS)
			e = raw_fail(err, errlen, "discovery took another path on the same answers");
	}
	if (e) {
		raw_disc_abort(r);
		return e;
	}
	raw_disc_reset(r);
	raw_arm(r);
	raw_check_kernel_timeout(r);
	r->up = true;
	r->timeouts_in_row = 0;
	log_notice("linux-raw: link to the firmware is back");
	if (r->link_cb)
		r->link_cb(r->link_ctx, true);
	return 0;
}

/* The answer to the command awaited (rep NULL: none came in time), and the
 * walk on from it: -EINPROGRESS while it waits again, else its end. */
static int raw_disc_answer(struct raw *r, int status, const struct raw_reply *rep, char *err,
			   size_t errlen)
{
	int e = raw_disc_had(r, status, rep);

	if (e) {
		raw_disc_abort(r);
		return raw_fail(err, errlen, "%s", strerror(-e));
	}
	return raw_disc_step(r, err, errlen);
}

/* The answers that came, and the deadline: the walk goes on or ends. */
static void raw_disc_dispatch(struct raw *r)
{
	struct raw_disc *d = &r->disc;
	struct raw_reply *rep = malloc(sizeof(*rep));
	char err[384] = "";
	int e = -EINPROGRESS;

	for (int i = 0; rep && i < RAW_READS_MAX && e == -EINPROGRESS && d->want; i++) {
		int m = raw_read_msg(r->rx_fd, rep);

		if (m == -EAGAIN)
			break;
		if (m == -EINTR || m == -EMSGSIZE)
			continue;
		if (m < 0) {
			raw_disc_abort(r);
			e = raw_fail(err, sizeof(err), "reading %s/message: %s", r->msgdir,
				     strerror(-m));
			break;
		}
		if (rep->len < 8 || (vscmi_get_le32(rep->b) & 0x0fffffffu) != d->want) {
			/* an earlier user's, or one given up on */
			r->stats.stale++;
			continue;
		}
		e = raw_disc_answer(r, raw_errno((int32_t)vscmi_get_le32(rep->b + 4)), rep, err,
				    sizeof(err));
	}
	if (e == -EINPROGRESS && d->active && d->want && raw_now_us() >= d->deadline_us) {
		r->stats.timeouts++;
		e = raw_disc_answer(r, -ETIMEDOUT, NULL, err, sizeof(err));
	}
	if (e < 0 && e != -EINPROGRESS)
		log_info("linux-raw: still down: %s", err);
	free(rep);
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
