/* SPDX-License-Identifier: GPL-2.0-only */
/* Inside the linux-raw platform: the state its files share, and what one
 * calls in another. linux_raw.c has the ops table, opening and freeing, and
 * the vscmi_raw_* calls; raw_chan.c the channel to the kernel's raw files
 * and the commands pending on it; raw_disc.c discovery. */
#ifndef VSCMI_PLATFORM_RAW_INTERNAL_H
#define VSCMI_PLATFORM_RAW_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vscmi/buf.h"
#include "vscmi/platform.h"

#define RAW_MSG_MAX 1024	/* bytes taken from one message; longer ones are dropped */
#define RAW_READS_MAX 64	/* messages taken while waiting, or per dispatch */
/* The arbiter has one change in flight per resource chain; the cap keeps
 * the firmware's channel from queueing more than a few, whatever the
 * configuration. */
#define RAW_INFLIGHT_MAX VSCMI_RAW_INFLIGHT_MAX

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
	bool measure;			/* a reading of a power capping domain's measurement */
	bool async;			/* the value comes in a delayed response */
	int64_t value;			/* a reading's result */
	uint64_t ts;
};

struct raw_disc_ans;

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

static inline struct raw *to_raw(struct vscmi_platform *p)
{
	return (struct raw *)p;
}

/* linux_raw.c */

/* Writes the message into err; returns -ENODEV. */
__attribute__((format(printf, 3, 4))) int raw_fail(char *err, size_t errlen, const char *fmt,
						   ...);
/* A platform with nothing opened yet (link down): 0, or -errno with err
 * set. vscmi_raw_new connects it. */
int raw_alloc(const struct vscmi_model *m, const struct vscmi_raw_opts *o, struct raw **out,
	      char *err, size_t errlen);
/* The index of sensor id in the model, or -1. */
int raw_sensor_index(const struct raw *r, uint32_t id);

/* raw_chan.c */

/* The firmware's status as -errno (PROTOCOL_ERROR: -EREMOTEIO). */
int raw_errno(int32_t s);
/* CLOCK_MONOTONIC in microseconds. */
uint64_t raw_now_us(void);
/* Whether err is what the raw files answer once the driver is unbound. */
bool raw_link_errno(int err);
/* Opens the raw files and flushes what an earlier user left queued. */
int raw_open(struct raw *r, char *err, size_t errlen);
/* Adds the message file to fd(): dispatch reads the replies. */
int raw_watch(struct raw *r, char *err, size_t errlen);
/* Closes the raw files. */
void raw_close(struct raw *r);
/* Sets the reply timer to the earliest deadline in flight. */
void raw_arm(struct raw *r);
/* One whole message from a raw file: 0, -EAGAIN, -EMSGSIZE or -errno. */
int raw_read_msg(int fd, struct raw_reply *rep);
/* A reading's value and timestamp from its reply: 0 or -EBADE. */
int raw_reading_parse(const struct raw_reply *rep, bool async, uint32_t id, int64_t *value,
		      uint64_t *timestamp);
/* The power and interval in a MEASUREMENTS_GET reply: 0 or -EBADE. */
int raw_measure_parse(const struct raw_reply *rep, uint32_t *power, uint32_t *pai);
/* Writes one command under a free token; *hdr is its reply's header. */
int raw_send(struct raw *r, int fd, uint8_t proto, uint8_t msg, const uint32_t *w,
	     unsigned int n, uint32_t *hdr);
/* One command waited for (and its delayed response when async). */
int raw_xfer(struct raw *r, uint8_t proto, uint8_t msg, const uint32_t *w, unsigned int n,
	     bool async, struct raw_reply *rep);
/* A reply's return values, after header and status. */
void raw_payload(const struct raw_reply *rep, struct vscmi_rd *rd);
/* The ops' cancel: nobody waits for ctx's commands any more. */
void raw_cancel(struct vscmi_platform *p, void *ctx);
/* The ops' dispatch: replies read, deadlines fired, completions delivered. */
int raw_plat_dispatch(struct vscmi_platform *p);

/* raw_disc.c */

/* At start: opens the link and runs discovery, waiting for each reply. */
int raw_connect(struct raw *r, char *err, size_t errlen);
/* Drops what a discovery when the link comes back had. */
void raw_disc_reset(struct raw *r);
/* raw_xfer during such a discovery: the answer had, or -EINPROGRESS. */
int raw_disc_xfer(struct raw *r, uint8_t proto, uint8_t msg, const uint32_t *w,
		  unsigned int n, bool async, struct raw_reply *rep);
/* One more run of it: -EINPROGRESS while it waits, else its end (0: up). */
int raw_disc_step(struct raw *r, char *err, size_t errlen);
/* Its part of dispatch: the answers that came, and its deadline. */
void raw_disc_dispatch(struct raw *r);

#endif
