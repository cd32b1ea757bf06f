/* SPDX-License-Identifier: GPL-2.0-only */
/* The linux-raw platform's channel to the firmware: the kernel's raw files
 * opened, commands written under tokens of our own, replies read and matched
 * to the commands pending on them, deadlines, and the link lost when the
 * files go away or the firmware stops answering. The ops and discovery only
 * send a command and take its answer; how it travels is all here.
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
 *   answer -EIO (poll: POLLHUP), new opens -ENOENT. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "raw_internal.h"
#include "vscmi/buf.h"
#include "vscmi/log.h"
#include "vscmi/platform.h"
#include "vscmi/scmi_wire.h"

#define RAW_TOKENS SCMI_TOKENS

#define RAW_DRAIN_MAX 64	/* reads to finish one message */
#define RAW_TIMEOUTS_DOWN 3	/* timeouts in a row that mean the firmware is gone */
#define RAW_WORDS_MAX 8		/* command payload words */

/* The firmware's status as -errno; the table in src/util/scmi_wire.c maps
 * each back to the same status for the agent. A reply that is not what
 * the command asks for is -EBADE (COMMS_ERROR), never -EPROTO:
 * PROTOCOL_ERROR would tell the agent that its own message was malformed. */
int raw_errno(int32_t s)
{
	/* PROTOCOL_ERROR: the firmware found vscmid's own message malformed;
	 * the agent's was not, so it is not told so. */
	return s == SCMI_PROTOCOL_ERROR ? -EREMOTEIO : scmi_errno_from_status(s);
}

uint64_t raw_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t raw_now_ms(void)
{
	return raw_now_us() / 1000u;
}

bool raw_link_errno(int err)
{
	/* What the kernel's files answer once the driver is unbound. */
	return err == -EIO || err == -ENODEV || err == -ENOENT || err == -ENXIO ||
	       err == -EBADF;
}

void raw_close(struct raw *r)
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
	if (pe->measure)
		return "powercap-measurement";
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
void raw_arm(struct raw *r)
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
int raw_read_msg(int fd, struct raw_reply *rep)
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
int raw_reading_parse(const struct raw_reply *rep, bool async, uint32_t id,
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

int raw_measure_parse(const struct raw_reply *rep, uint32_t *power, uint32_t *pai)
{
	struct vscmi_rd rd;

	vscmi_rd_init(&rd, rep->b + 8, rep->len - 8);
	if (vscmi_rd_u32(&rd, power) < 0 || vscmi_rd_u32(&rd, pai) < 0)
		return -EBADE;
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
		if (err == 0 && pe->measure) {
			uint32_t power, pai;

			err = raw_measure_parse(rep, &power, &pai);
			pe->value = power;
			pe->ts = pai;
		} else if (err == 0 && pe->reading) {
			err = raw_reading_parse(rep, pe->async, pe->op.id, &pe->value, &pe->ts);
		}
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
int raw_send(struct raw *r, int fd, uint8_t proto, uint8_t msg, const uint32_t *w,
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
int raw_xfer(struct raw *r, uint8_t proto, uint8_t msg, const uint32_t *w, unsigned int n,
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
void raw_payload(const struct raw_reply *rep, struct vscmi_rd *rd)
{
	vscmi_rd_init(rd, rep->b + 8, rep->len - 8);
}

/* --- cancel and dispatch ------------------------------------------------ */

void raw_cancel(struct vscmi_platform *p, void *ctx)
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

/* Reads the replies queued now, fires the deadlines that passed, and
 * delivers every completion. */
int raw_plat_dispatch(struct vscmi_platform *p)
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
				vscmi_raw_link_lost(p, raw_link_errno(e) ?
							       "the raw message file is gone" :
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

/* --- the files ---------------------------------------------------------------- */

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

/* Opens the raw files and flushes what an earlier user left queued. */
int raw_open(struct raw *r, char *err, size_t errlen)
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
int raw_watch(struct raw *r, char *err, size_t errlen)
{
	if (epoll_ctl(r->ep_fd, EPOLL_CTL_ADD, r->rx_fd,
		      &(struct epoll_event){ .events = EPOLLIN }) < 0)
		return raw_fail(err, errlen, "cannot watch %s/message: %s", r->msgdir,
				strerror(errno));
	return 0;
}
