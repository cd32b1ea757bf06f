/* SPDX-License-Identifier: GPL-2.0-only */
/* rawfs: a stand-in for the Linux SCMI raw-mode debugfs files, as a FUSE
 * filesystem, so vscmid's linux-raw code runs its own open, write, read and
 * poll against something with the kernel's file semantics:
 *
 *   MOUNT/0/raw/{message,message_async,notification,errors,reset}
 *   MOUNT/0/raw/channels/0xNN/{message,message_async}   (--channel NN)
 *   MOUNT/0/transport/max_rx_timeout_ms
 *
 * A write to message* is one command; the reply is read back, one message
 * per read sequence ended by a read of 0 bytes; O_NONBLOCK reads answer
 * EAGAIN when nothing is queued; poll says POLLIN while the queue is not
 * empty. Each open file has one position for reads and writes, moved as the
 * kernel's raw_mode.c moves *ppos: a new message read sets it to 0 and
 * reading advances it; the EOF leaves it at the message's length; a write
 * lands in the file's TX buffer at the position, and what goes out is the
 * buffer from 0, after which the position is 0 again. A write after a read
 * on the same open file so sends the previous message again. The files are
 * non-seekable (pwrite and lseek: ESPIPE). message and message_async share
 * one reply queue (per channel); reset flushes the common queues. Replies
 * later than the kernel's own timeout go to errors, as do delayed responses
 * to commands written to message. When "down", the tree vanishes: lookups
 * answer ENOENT and files opened before answer EIO (poll: POLLHUP).
 *
 * Behind the files is the firmware: vscmi's own SCMI server over the
 * emulated platform, built from --firmware FILE, whose first agent is the
 * link. Going "up" again restarts it, so its state is back to the file's.
 *
 * Control: a SOCK_SEQPACKET socket (--control PATH), one text command per
 * packet, one reply ("ok ..." or "err ...") each:
 *   delay MS | delay-next MS | dresp-delay MS | silent N
 *   hold-next (the next reply, and its delayed response, wait for release) | release
 *   event KIND ID MSG [WORD...] | down | up
 *   state OP ID | count OP ID | stats
 *   repeats (commands whose header, token included, was the previous one's)
 *   cut-next N (the next reply or delayed response longer than N bytes is
 *              cut to N: a malformed answer) */
#define FUSE_USE_VERSION 35

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "vscmi/arbiter.h"
#include "vscmi/buf.h"
#include "vscmi/config.h"
#include "vscmi/scmi.h"

#define RFS_MSG 256
#define RFS_QCAP 32
#define RFS_WAITERS 16
#define RFS_DEFERS 128
#define RFS_TOKENS 1024
/* The kernel's TX buffer: max_msg_size plus the header. */
#define RFS_TX (4 + SCMI_DEFAULT_PAYLOAD)

enum rfs_ino {
	INO_ROOT = 1,
	INO_INST,
	INO_RAW,
	INO_MESSAGE,
	INO_ASYNC,
	INO_NOTIF,
	INO_ERRORS,
	INO_RESET,
	INO_CHANNELS,
	INO_CHAN,
	INO_CHAN_MESSAGE,
	INO_CHAN_ASYNC,
	INO_TRANSPORT,
	INO_TIMEOUT,
	INO_COUNT,
};

struct rfs_node {
	enum rfs_ino parent;
	char name[16];
	mode_t mode;
};

enum rfs_queue { Q_REPLY, Q_CHAN, Q_NOTIF, Q_ERRORS, Q_COUNT };

struct rfs_msg {
	uint8_t b[RFS_MSG];
	size_t len;
};

struct rfs_queue_s {
	struct rfs_msg m[RFS_QCAP];
	unsigned int head, len;
	bool circular;			/* notifications and errors overwrite */
	struct fuse_pollhandle *ph[RFS_WAITERS];
	fuse_req_t parked;		/* one blocking read */
	struct rfs_file *parked_f;
	size_t parked_size;
};

struct rfs_file {
	struct rfs_file *prev, *next;	/* open files, freed at exit if still open */
	enum rfs_ino ino;
	int flags;
	uint64_t gen;
	/* The kernel's per-file state: the message being read out (rx_size 0:
	 * none), the one being written, and *ppos, which both share. */
	struct rfs_msg rx;
	size_t rx_size;
	uint8_t tx[RFS_TX];
	size_t tx_size, tx_req;
	size_t pos;
};

struct rfs_token {
	bool inflight, async, chan;
	uint64_t reply_due;		/* usec, CLOCK_MONOTONIC */
};

struct rfs_defer {
	sd_event_source *src;
	void (*fn)(void *arg);
	void *arg;
};

struct rfs {
	struct rfs_node nodes[INO_COUNT];
	struct rfs_queue_s q[Q_COUNT];
	struct rfs_token tok[RFS_TOKENS];
	struct fuse_session *se;
	sd_event *ev;
	int ctl_fd, conn_fd;
	sd_event_source *ctl_src, *conn_src, *fuse_src;
	uint64_t gen;			/* bumped at each down */
	bool down;
	int channel;
	uint32_t kernel_timeout_ms;
	uint32_t delay_ms, delay_next_ms, dresp_delay_ms, silent;
	uint32_t cut_next;	/* 0: none */
	/* hold-next: one reply kept back until release, whatever the time */
	bool hold_next, holding;
	struct {
		uint64_t gen;
		enum rfs_queue q;
		struct rfs_msg m;
		uint32_t token;
		bool frees;
		/* the held command's delayed response, never before its response */
		bool has_dresp;
		struct rfs_msg dresp;
	} held;
	uint64_t writes, resets;
	/* commands whose header, token included, is the previous command's */
	uint64_t repeats;
	uint32_t last_hdr;
	bool has_last;
	/* the firmware */
	const char *fw_path;
	struct vscmi_config *cfg;
	struct vscmi_platform *emu;
	struct arb *arb;
	struct scmi_server *srv;
	struct rfs_defer defers[RFS_DEFERS];
	struct rfs_file *files;
};

static struct rfs R;

static uint64_t rfs_now(void)
{
	uint64_t t = 0;

	sd_event_now(R.ev, CLOCK_MONOTONIC, &t);
	return t;
}

/* --- queues ---------------------------------------------------------------- */

static bool rfs_node_live(enum rfs_ino ino)
{
	if (ino == INO_ROOT)
		return true;
	if (R.down)
		return false;
	if (ino >= INO_CHANNELS && ino <= INO_CHAN_ASYNC)
		return R.channel >= 0;
	return ino < INO_COUNT;
}

static void rfs_wake(struct rfs_queue_s *q)
{
	for (int i = 0; i < RFS_WAITERS; i++) {
		if (q->ph[i]) {
			fuse_lowlevel_notify_poll(q->ph[i]);
			fuse_pollhandle_destroy(q->ph[i]);
			q->ph[i] = NULL;
		}
	}
}

static void rfs_serve_read(fuse_req_t req, struct rfs_file *f, size_t size);

static void rfs_enqueue(enum rfs_queue qi, const uint8_t *b, size_t len)
{
	struct rfs_queue_s *q = &R.q[qi];
	struct rfs_msg *m;

	if (len > RFS_MSG)
		return;
	if (q->len == RFS_QCAP) {
		if (!q->circular)
			return;	/* the kernel drops a reply when its buffers run out */
		q->head = (q->head + 1) % RFS_QCAP;
		q->len--;
	}
	m = &q->m[(q->head + q->len) % RFS_QCAP];
	memcpy(m->b, b, len);
	m->len = len;
	q->len++;
	if (q->parked) {
		fuse_req_t req = q->parked;

		q->parked = NULL;
		rfs_serve_read(req, q->parked_f, q->parked_size);
	}
	rfs_wake(q);
}

static bool rfs_dequeue(enum rfs_queue qi, struct rfs_msg *out)
{
	struct rfs_queue_s *q = &R.q[qi];

	if (!q->len)
		return false;
	*out = q->m[q->head];
	q->head = (q->head + 1) % RFS_QCAP;
	q->len--;
	return true;
}

static enum rfs_queue rfs_file_queue(enum rfs_ino ino)
{
	switch (ino) {
	case INO_CHAN_MESSAGE:
	case INO_CHAN_ASYNC:
		return Q_CHAN;
	case INO_NOTIF:
		return Q_NOTIF;
	case INO_ERRORS:
		return Q_ERRORS;
	default:
		return Q_REPLY;
	}
}

/* --- the firmware ---------------------------------------------------------------- */

static int rfs_defer_fire(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct rfs_defer *d = userdata;
	void (*fn)(void *) = d->fn;
	void *arg = d->arg;

	d->src = sd_event_source_disable_unref(d->src);
	fn(arg);
	return 0;
}

/* Timers fire to the microsecond (sd-event's default slack is 250 ms):
 * the tests time replies against timeouts of a few hundred. */
static int rfs_defer(void *ctx, uint64_t usec, void (*fn)(void *arg), void *arg)
{
	for (int i = 0; i < RFS_DEFERS; i++) {
		struct rfs_defer *d = &R.defers[i];

		if (d->src)
			continue;
		d->fn = fn;
		d->arg = arg;
		return sd_event_add_time_relative(R.ev, &d->src, CLOCK_MONOTONIC, usec, 1,
						  rfs_defer_fire, d);
	}
	return -ENOSPC;
}

struct rfs_pending {
	uint64_t gen;
	enum rfs_queue q;
	struct rfs_msg m;
	uint32_t token;			/* a reply or delayed response: frees the token */
	bool frees;
};

static int rfs_pending_fire(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct rfs_pending *p = userdata;

	if (p->gen == R.gen) {
		rfs_enqueue(p->q, p->m.b, p->m.len);
		if (p->frees)
			R.tok[p->token].inflight = false;
	}
	/* take the loop's reference back and drop it: the destroy callback frees p */
	sd_event_source_ref(src);
	sd_event_source_set_floating(src, 0);
	sd_event_source_unref(src);
	return 0;
}

/* Delivers a message at an absolute time (0: now). */
static void rfs_deliver_at(enum rfs_queue q, const uint8_t *b, size_t len, uint64_t at,
			   uint32_t token, bool frees)
{
	struct rfs_pending *p;
	sd_event_source *src = NULL;

	if (!at || at <= rfs_now()) {
		rfs_enqueue(q, b, len);
		if (frees)
			R.tok[token].inflight = false;
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p || len > RFS_MSG) {
		free(p);
		return;
	}
	p->gen = R.gen;
	p->q = q;
	memcpy(p->m.b, b, len);
	p->m.len = len;
	p->token = token;
	p->frees = frees;
	if (sd_event_add_time(R.ev, &src, CLOCK_MONOTONIC, at, 1, rfs_pending_fire, p) < 0) {
		free(p);
		return;
	}
	sd_event_source_set_destroy_callback(src, free);
	sd_event_source_set_floating(src, 1);
	sd_event_source_unref(src);
}

/* Delayed responses and notifications from the firmware. */
/* cut-next: the answer's length as it goes out. */
static size_t rfs_cut(size_t len)
{
	if (R.cut_next && len > R.cut_next) {
		len = R.cut_next;
		R.cut_next = 0;
	}
	return len;
}

static int rfs_fw_send(void *ctx, const uint8_t *msg, size_t len)
{
	uint32_t hdr = vscmi_get_le32(msg);
	uint32_t token = SCMI_HDR_TOKEN(hdr);
	struct rfs_token *t = &R.tok[token];
	uint64_t at;

	if (SCMI_HDR_TYPE(hdr) == SCMI_TYPE_NOTIFICATION) {
		rfs_enqueue(Q_NOTIF, msg, len);
		return 0;
	}
	len = rfs_cut(len);
	/* Never before its response, and later by dresp-delay. */
	at = (t->reply_due > rfs_now() ? t->reply_due : rfs_now()) +
	     (uint64_t)R.dresp_delay_ms * 1000u;
	if (R.holding && R.held.token == token && t->inflight && t->async && len <= RFS_MSG &&
	    !R.held.has_dresp) {
		memcpy(R.held.dresp.b, msg, len);
		R.held.dresp.len = len;
		R.held.has_dresp = true;
		return 0;
	}
	if (!t->inflight || !t->async)
		rfs_deliver_at(Q_ERRORS, msg, len, at, token, false);
	else if (R.dresp_delay_ms > R.kernel_timeout_ms)
		rfs_deliver_at(Q_ERRORS, msg, len, at, token, true);
	else
		rfs_deliver_at(t->chan ? Q_CHAN : Q_REPLY, msg, len, at, token, true);
	return 0;
}

static void rfs_fw_stop(void)
{
	for (int i = 0; i < RFS_DEFERS; i++)
		R.defers[i].src = sd_event_source_disable_unref(R.defers[i].src);
	scmi_server_free(R.srv);
	arb_free(R.arb);
	vscmi_platform_free(R.emu);
	vscmi_config_free(R.cfg);
	R.srv = NULL;
	R.arb = NULL;
	R.emu = NULL;
	R.cfg = NULL;
}

static int rfs_fw_start(void)
{
	struct scmi_hooks hooks = { .defer = rfs_defer };
	char err[512];
	int r = vscmi_config_load(R.fw_path, &R.cfg, err, sizeof(err));

	if (r < 0) {
		fprintf(stderr, "rawfs: %s\n", err);
		return r;
	}
	R.emu = vscmi_emu_new(&R.cfg->model);
	R.arb = R.emu ? arb_new(&R.cfg->model, R.emu) : NULL;
	R.srv = R.arb ? scmi_server_new(&R.cfg->model, R.arb, R.emu, &hooks) : NULL;
	if (!R.srv || scmi_server_agent_count(R.srv) < 1) {
		fprintf(stderr, "rawfs: cannot build the firmware from %s\n", R.fw_path);
		rfs_fw_stop();
		return -EINVAL;
	}
	scmi_agent_set_output(scmi_server_agent(R.srv, 1), rfs_fw_send, NULL, true);
	return 0;
}

/* One command written to a message file. */
static int rfs_command(enum rfs_ino ino, const uint8_t *b, size_t len)
{
	bool async = ino == INO_ASYNC || ino == INO_CHAN_ASYNC;
	bool chan = ino == INO_CHAN_MESSAGE || ino == INO_CHAN_ASYNC;
	uint8_t resp[SCMI_MSG_MAX];
	uint32_t token, delay;
	struct rfs_token *t;
	size_t n;

	if (len < 4)
		return -EINVAL;
	if (len - 4 > SCMI_DEFAULT_PAYLOAD)
		return -ERANGE;
	token = SCMI_HDR_TOKEN(vscmi_get_le32(b));
	t = &R.tok[token];
	if (t->inflight)
		return -EBUSY;
	R.writes++;
	if (R.has_last && R.last_hdr == vscmi_get_le32(b))
		R.repeats++;
	R.last_hdr = vscmi_get_le32(b);
	R.has_last = true;
	*t = (struct rfs_token){ .inflight = true, .async = async, .chan = chan };
	delay = R.delay_next_ms ? R.delay_next_ms : R.delay_ms;
	R.delay_next_ms = 0;
	t->reply_due = rfs_now() + (uint64_t)delay * 1000u;
	n = rfs_cut(scmi_server_handle(R.srv, scmi_server_agent(R.srv, 1), b, len, resp,
				       sizeof(resp)));
	if (R.silent) {
		/* The firmware never answers; the kernel gives up on it. */
		R.silent--;
		t->inflight = false;
		return 0;
	}
	if (delay > R.kernel_timeout_ms) {
		rfs_deliver_at(Q_ERRORS, resp, n, t->reply_due, token, true);
		return 0;
	}
	if (R.hold_next && n <= RFS_MSG) {
		R.hold_next = false;
		R.holding = true;
		R.held.gen = R.gen;
		R.held.q = chan ? Q_CHAN : Q_REPLY;
		memcpy(R.held.m.b, resp, n);
		R.held.m.len = n;
		R.held.token = token;
		R.held.frees = !async || vscmi_get_le32(resp + 4) != 0;
		R.held.has_dresp = false;
		return 0;
	}
	/* An asynchronous command's token stays busy for its delayed response. */
	rfs_deliver_at(chan ? Q_CHAN : Q_REPLY, resp, n, t->reply_due, token,
		       !async || vscmi_get_le32(resp + 4) != 0);
	return 0;
}

/* --- FUSE ------------------------------------------------------------------------ */

static void rfs_stat(enum rfs_ino ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = R.nodes[ino].mode;
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
}

static void rfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	for (int i = INO_INST; i < INO_COUNT; i++) {
		if (R.nodes[i].parent != parent || strcmp(R.nodes[i].name, name) != 0 ||
		    !rfs_node_live((enum rfs_ino)i))
			continue;
		memset(&e, 0, sizeof(e));
		e.ino = (fuse_ino_t)i;
		rfs_stat((enum rfs_ino)i, &e.attr);
		/* No caching: files vanish and come back. */
		e.attr_timeout = 0;
		e.entry_timeout = 0;
		fuse_reply_entry(req, &e);
		return;
	}
	fuse_reply_err(req, ENOENT);
}

static void rfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	if (ino >= INO_COUNT || !rfs_node_live((enum rfs_ino)ino)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	rfs_stat((enum rfs_ino)ino, &st);
	fuse_reply_attr(req, &st, 0);
}

static void rfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct rfs_file *f;

	if (ino >= INO_COUNT || !rfs_node_live((enum rfs_ino)ino)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (S_ISDIR(R.nodes[ino].mode)) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	f->ino = (enum rfs_ino)ino;
	f->flags = fi->flags;
	f->gen = R.gen;
	if (ino == INO_TIMEOUT) {
		f->rx.len = (size_t)snprintf((char *)f->rx.b, sizeof(f->rx.b), "%u\n",
					     R.kernel_timeout_ms);
		f->rx_size = f->rx.len;
	}
	f->next = R.files;
	if (R.files)
		R.files->prev = f;
	R.files = f;
	fi->fh = (uint64_t)(uintptr_t)f;
	fi->direct_io = 1;
	/* As the kernel's nonseekable_open(): pwrite and lseek fail (ESPIPE). */
	fi->nonseekable = 1;
	fuse_reply_open(req, fi);
}

static void rfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct rfs_file *f = (struct rfs_file *)(uintptr_t)fi->fh;

	for (int i = 0; i < Q_COUNT; i++) {
		if (R.q[i].parked && R.q[i].parked_f == f) {
			fuse_reply_err(R.q[i].parked, EINTR);
			R.q[i].parked = NULL;
		}
	}
	if (f->prev)
		f->prev->next = f->next;
	else
		R.files = f->next;
	if (f->next)
		f->next->prev = f->prev;
	free(f);
	fuse_reply_err(req, 0);
}

static bool rfs_stale(const struct rfs_file *f)
{
	return R.down || f->gen != R.gen;
}

/* simple_read_from_buffer(): from the position, which it advances. */
static void rfs_read_out(fuse_req_t req, struct rfs_file *f, size_t size)
{
	size_t n = f->pos < f->rx_size ? f->rx_size - f->pos : 0;

	if (n > size)
		n = size;
	fuse_reply_buf(req, (const char *)f->rx.b + f->pos, n);
	f->pos += n;
}

/* The kernel's read: take a message, hand it out, then one EOF. */
static void rfs_serve_read(fuse_req_t req, struct rfs_file *f, size_t size)
{
	if (rfs_stale(f)) {
		fuse_reply_err(req, EIO);
		return;
	}
	if (f->ino == INO_TIMEOUT) {
		rfs_read_out(req, f, size);
		return;
	}
	if (!f->rx_size) {
		if (!rfs_dequeue(rfs_file_queue(f->ino), &f->rx)) {
			struct rfs_queue_s *q = &R.q[rfs_file_queue(f->ino)];

			if ((f->flags & O_NONBLOCK) || q->parked) {
				fuse_reply_err(req, EAGAIN);
				return;
			}
			q->parked = req;
			q->parked_f = f;
			q->parked_size = size;
			return;
		}
		f->rx_size = f->rx.len;
		/* A new message is read from 0, whatever moved the position. */
		f->pos = 0;
	} else if (f->pos == f->rx_size) {
		/* The EOF ends the message but leaves the position at its end:
		 * a write on this file lands there. */
		f->rx_size = 0;
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	rfs_read_out(req, f, size);
}

/* The kernel's write to message*: the bytes land in the file's TX buffer
 * at its position, and once the count the first write announced is there,
 * the buffer from 0 is sent and the position goes back to 0. *done: what
 * write() returns. */
static int rfs_message_write(struct rfs_file *f, const uint8_t *buf, size_t count, size_t *done)
{
	int r;

	if (count > sizeof(f->tx) - f->tx_size)
		return -ENOSPC;
	if (!f->tx_size)
		f->tx_req = count;
	if (f->tx_size < f->tx_req) {
		size_t cnt = 0;

		if (f->pos < sizeof(f->tx)) {
			cnt = sizeof(f->tx) - f->pos;
			if (cnt > count)
				cnt = count;
			memcpy(f->tx + f->pos, buf, cnt);
			f->pos += cnt;
		}
		f->tx_size += cnt;
		if (cnt < count) {
			*done = cnt;
			return 0;
		}
	}
	r = rfs_command(f->ino, f->tx, f->tx_size);
	f->tx_size = 0;
	f->pos = 0;
	*done = count;
	return r;
}

static void rfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct rfs_file *f = (struct rfs_file *)(uintptr_t)fi->fh;

	if (ino == INO_RESET) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (fi->flags & O_NONBLOCK)
		f->flags |= O_NONBLOCK;
	rfs_serve_read(req, f, size);
}

static void rfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	struct rfs_file *f = (struct rfs_file *)(uintptr_t)fi->fh;
	size_t done = size;
	int r = 0;

	/* off is FUSE's own count, not the kernel's position: ignored. */
	if (rfs_stale(f)) {
		fuse_reply_err(req, EIO);
		return;
	}
	switch (f->ino) {
	case INO_RESET:
		/* The kernel flushes the common queues only. */
		for (int i = 0; i < Q_COUNT; i++)
			if (i != Q_CHAN)
				R.q[i].head = R.q[i].len = 0;
		R.resets++;
		break;
	case INO_MESSAGE:
	case INO_ASYNC:
	case INO_CHAN_MESSAGE:
	case INO_CHAN_ASYNC:
		r = rfs_message_write(f, (const uint8_t *)buf, size, &done);
		break;
	default:
		r = -EINVAL;
		break;
	}
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_write(req, done);
}

static void rfs_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		     struct fuse_pollhandle *ph)
{
	struct rfs_file *f = (struct rfs_file *)(uintptr_t)fi->fh;
	struct rfs_queue_s *q = &R.q[rfs_file_queue(f->ino)];

	if (rfs_stale(f)) {
		if (ph)
			fuse_pollhandle_destroy(ph);
		fuse_reply_poll(req, POLLHUP);
		return;
	}
	if (ph) {
		int i;

		for (i = 0; i < RFS_WAITERS && q->ph[i]; i++)
			;
		if (i == RFS_WAITERS) {
			fuse_pollhandle_destroy(q->ph[0]);
			i = 0;
		}
		q->ph[i] = ph;
	}
	fuse_reply_poll(req, q->len ? POLLIN | POLLRDNORM : 0);
}

static const struct fuse_lowlevel_ops rfs_ops = {
	.lookup = rfs_lookup,
	.getattr = rfs_getattr,
	.open = rfs_open,
	.release = rfs_release,
	.read = rfs_read,
	.write = rfs_write,
	.poll = rfs_poll,
};

/* --- link loss -------------------------------------------------------------------- */

static void rfs_down(void)
{
	R.down = true;
	R.gen++;
	for (int i = 0; i < Q_COUNT; i++) {
		if (R.q[i].parked) {
			fuse_reply_err(R.q[i].parked, EIO);
			R.q[i].parked = NULL;
		}
		R.q[i].head = R.q[i].len = 0;
		/* Pollers see the hang-up. */
		rfs_wake(&R.q[i]);
	}
	memset(R.tok, 0, sizeof(R.tok));
	rfs_fw_stop();
}

static int rfs_up(void)
{
	if (!R.down)
		return 0;
	if (rfs_fw_start() < 0)
		return -EINVAL;
	R.down = false;
	return 0;
}

/* --- control ---------------------------------------------------------------------- */

static int rfs_op_type(const char *name)
{
	for (int t = 0; t < VSCMI_OP_COUNT; t++)
		if (!strcmp(vscmi_op_name((enum vscmi_op_type)t), name))
			return t;
	return -1;
}

static void rfs_control(char *cmd, char *out, size_t cap)
{
	char *w[12];
	int n = 0;
	unsigned long v;

	for (char *save = NULL, *t = strtok_r(cmd, " \n", &save); t && n < 12;
	     t = strtok_r(NULL, " \n", &save))
		w[n++] = t;
	if (n == 0) {
		snprintf(out, cap, "err empty");
		return;
	}
	v = n > 1 ? strtoul(w[1], NULL, 0) : 0;
	if (!strcmp(w[0], "delay") && n == 2) {
		R.delay_ms = (uint32_t)v;
	} else if (!strcmp(w[0], "delay-next") && n == 2) {
		R.delay_next_ms = (uint32_t)v;
	} else if (!strcmp(w[0], "dresp-delay") && n == 2) {
		R.dresp_delay_ms = (uint32_t)v;
	} else if (!strcmp(w[0], "cut-next") && n == 2 && v >= 4) {
		R.cut_next = (uint32_t)v;
	} else if (!strcmp(w[0], "silent") && n == 2) {
		R.silent = (uint32_t)v;
	} else if (!strcmp(w[0], "hold-next") && n == 1) {
		if (R.holding || R.hold_next) {
			snprintf(out, cap, "err a reply is held already");
			return;
		}
		R.hold_next = true;
	} else if (!strcmp(w[0], "release") && n == 1) {
		if (!R.holding) {
			snprintf(out, cap, "err no reply is held");
			return;
		}
		R.holding = false;
		/* A reply held across a down is gone with the firmware. */
		if (R.held.gen == R.gen && !R.down) {
			rfs_deliver_at(R.held.q, R.held.m.b, R.held.m.len, 0, R.held.token,
				       R.held.frees);
			if (R.held.has_dresp)
				rfs_deliver_at(R.held.q, R.held.dresp.b, R.held.dresp.len, 0,
					       R.held.token, true);
		}
		R.held.has_dresp = false;
	} else if (!strcmp(w[0], "down") && n == 1) {
		if (!R.down)
			rfs_down();
	} else if (!strcmp(w[0], "up") && n == 1) {
		if (rfs_up() < 0) {
			snprintf(out, cap, "err the firmware does not start");
			return;
		}
	} else if (!strcmp(w[0], "event") && n >= 4 && !R.down) {
		struct vscmi_plat_event ev = { 0 };
		int k;

		for (k = 0; k < VSCMI_KIND_COUNT; k++)
			if (!strcmp(vscmi_kind_name((enum vscmi_kind)k), w[1]))
				break;
		if (k == VSCMI_KIND_COUNT) {
			snprintf(out, cap, "err unknown kind");
			return;
		}
		ev.kind = (enum vscmi_kind)k;
		ev.protocol = vscmi_kind_protocol((enum vscmi_kind)k);
		ev.id = (uint32_t)strtoul(w[2], NULL, 0);
		ev.message = (uint8_t)strtoul(w[3], NULL, 0);
		for (int i = 4; i < n && ev.npayload < 6; i++)
			ev.payload[ev.npayload++] = (uint32_t)strtoul(w[i], NULL, 0);
		vscmi_emu_raise(R.emu, &ev);
	} else if ((!strcmp(w[0], "state") || !strcmp(w[0], "count")) && n == 3 && !R.down) {
		int t = rfs_op_type(w[1]);
		uint32_t id = (uint32_t)strtoul(w[2], NULL, 0);
		int64_t val = 0;

		if (t < 0) {
			snprintf(out, cap, "err unknown op");
			return;
		}
		if (w[0][0] == 'c') {
			val = (int64_t)vscmi_emu_count(R.emu, (enum vscmi_op_type)t, id, -1);
		} else if (vscmi_emu_state(R.emu, (enum vscmi_op_type)t, id, &val) < 0) {
			snprintf(out, cap, "err no such state");
			return;
		}
		snprintf(out, cap, "ok %lld", (long long)val);
		return;
	} else if (!strcmp(w[0], "held") && n == 1) {
		snprintf(out, cap, "ok %d", R.holding ? 1 : 0);
		return;
	} else if (!strcmp(w[0], "repeats") && n == 1) {
		snprintf(out, cap, "ok %llu", (unsigned long long)R.repeats);
		return;
	} else if (!strcmp(w[0], "stats") && n == 1) {
		snprintf(out, cap, "ok writes=%llu resets=%llu errors=%u", (unsigned long long)R.writes,
			 (unsigned long long)R.resets, R.q[Q_ERRORS].len);
		return;
	} else {
		snprintf(out, cap, "err bad command");
		return;
	}
	snprintf(out, cap, "ok");
}

static int rfs_on_conn(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	char cmd[256], out[256];
	ssize_t n = recv(fd, cmd, sizeof(cmd) - 1, MSG_DONTWAIT);

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			R.conn_src = sd_event_source_disable_unref(R.conn_src);
			close(R.conn_fd);
			R.conn_fd = -1;
		}
		return 0;
	}
	cmd[n] = '\0';
	rfs_control(cmd, out, sizeof(out));
	if (send(fd, out, strlen(out), MSG_NOSIGNAL) < 0)
		return 0;
	return 0;
}

static int rfs_on_accept(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (c < 0)
		return 0;
	if (R.conn_fd >= 0) {
		close(c);
		return 0;
	}
	R.conn_fd = c;
	if (sd_event_add_io(R.ev, &R.conn_src, c, EPOLLIN, rfs_on_conn, NULL) < 0) {
		close(c);
		R.conn_fd = -1;
	}
	return 0;
}

static int rfs_on_fuse(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct fuse_buf buf = { 0 };
	int r = fuse_session_receive_buf(R.se, &buf);

	if (r > 0)
		fuse_session_process_buf(R.se, &buf);
	free(buf.mem);
	if ((r < 0 && r != -EINTR && r != -EAGAIN) || fuse_session_exited(R.se))
		sd_event_exit(R.ev, 0);
	return 0;
}

static int rfs_on_signal(sd_event_source *src, const struct signalfd_siginfo *si, void *u)
{
	return sd_event_exit(R.ev, 0);
}

static void rfs_tree(void)
{
	static const struct {
		enum rfs_ino ino, parent;
		const char *name;
		mode_t mode;
	} t[] = {
		{ INO_ROOT, INO_ROOT, "", S_IFDIR | 0755 },
		{ INO_INST, INO_ROOT, "0", S_IFDIR | 0755 },
		{ INO_RAW, INO_INST, "raw", S_IFDIR | 0755 },
		{ INO_MESSAGE, INO_RAW, "message", S_IFREG | 0600 },
		{ INO_ASYNC, INO_RAW, "message_async", S_IFREG | 0600 },
		{ INO_NOTIF, INO_RAW, "notification", S_IFREG | 0400 },
		{ INO_ERRORS, INO_RAW, "errors", S_IFREG | 0400 },
		{ INO_RESET, INO_RAW, "reset", S_IFREG | 0200 },
		{ INO_CHANNELS, INO_RAW, "channels", S_IFDIR | 0755 },
		{ INO_CHAN, INO_CHANNELS, "", S_IFDIR | 0755 },
		{ INO_CHAN_MESSAGE, INO_CHAN, "message", S_IFREG | 0600 },
		{ INO_CHAN_ASYNC, INO_CHAN, "message_async", S_IFREG | 0600 },
		{ INO_TRANSPORT, INO_INST, "transport", S_IFDIR | 0755 },
		{ INO_TIMEOUT, INO_TRANSPORT, "max_rx_timeout_ms", S_IFREG | 0444 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		R.nodes[t[i].ino].parent = t[i].parent;
		snprintf(R.nodes[t[i].ino].name, sizeof(R.nodes[0].name), "%s", t[i].name);
		R.nodes[t[i].ino].mode = t[i].mode;
	}
	if (R.channel >= 0)
		snprintf(R.nodes[INO_CHAN].name, sizeof(R.nodes[0].name), "0x%02X",
			 (unsigned int)R.channel);
	R.q[Q_NOTIF].circular = true;
	R.q[Q_ERRORS].circular = true;
}

static int rfs_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	const char *mnt = NULL, *ctl = NULL;
	char *fargv[] = { argv[0], NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, fargv);
	sigset_t ss;
	int ret = 1;

	R.channel = -1;
	R.kernel_timeout_ms = 30000;
	R.ctl_fd = R.conn_fd = -1;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--firmware"))
			R.fw_path = argv[i + 1];
		else if (!strcmp(argv[i], "--mount"))
			mnt = argv[i + 1];
		else if (!strcmp(argv[i], "--control"))
			ctl = argv[i + 1];
		else if (!strcmp(argv[i], "--channel"))
			R.channel = (int)strtol(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--kernel-timeout-ms"))
			R.kernel_timeout_ms = (uint32_t)strtoul(argv[i + 1], NULL, 0);
	}
	if (!R.fw_path || !mnt || !ctl) {
		fprintf(stderr, "usage: rawfs --firmware FILE --mount DIR --control SOCKET "
				"[--channel N] [--kernel-timeout-ms MS]\n");
		return 2;
	}
	rfs_tree();
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	if (sd_event_new(&R.ev) < 0 || rfs_fw_start() < 0)
		goto out;
	R.ctl_fd = rfs_listen(ctl);
	if (R.ctl_fd < 0) {
		fprintf(stderr, "rawfs: cannot listen on %s\n", ctl);
		goto out;
	}
	R.se = fuse_session_new(&args, &rfs_ops, sizeof(rfs_ops), NULL);
	if (!R.se) {
		fprintf(stderr, "rawfs: cannot create a FUSE session\n");
		goto out;
	}
	if (fuse_session_mount(R.se, mnt) != 0) {
		fprintf(stderr, "rawfs: cannot mount a FUSE filesystem on %s (is /dev/fuse "
				"there, and may this user mount?)\n",
			mnt);
		goto out_session;
	}
	if (sd_event_add_io(R.ev, &R.fuse_src, fuse_session_fd(R.se), EPOLLIN, rfs_on_fuse,
			    NULL) < 0 ||
	    sd_event_add_io(R.ev, &R.ctl_src, R.ctl_fd, EPOLLIN, rfs_on_accept, NULL) < 0 ||
	    sd_event_add_signal(R.ev, NULL, SIGTERM, rfs_on_signal, NULL) < 0 ||
	    sd_event_add_signal(R.ev, NULL, SIGINT, rfs_on_signal, NULL) < 0)
		goto out_unmount;
	printf("ready\n");
	fflush(stdout);
	ret = sd_event_loop(R.ev) < 0;
out_unmount:
	fuse_session_unmount(R.se);
out_session:
	R.fuse_src = sd_event_source_disable_unref(R.fuse_src);
	fuse_session_destroy(R.se);
out:
	R.conn_src = sd_event_source_disable_unref(R.conn_src);
	R.ctl_src = sd_event_source_disable_unref(R.ctl_src);
	if (R.conn_fd >= 0)
		close(R.conn_fd);
	if (R.ctl_fd >= 0) {
		close(R.ctl_fd);
		unlink(ctl);
	}
	rfs_fw_stop();
	while (R.files) {
		struct rfs_file *f = R.files;

		R.files = f->next;
		free(f);
	}
	sd_event_unref(R.ev);
	fuse_opt_free_args(&args);
	return ret;
}
