/* SPDX-License-Identifier: GPL-2.0-only */
/* The upstream SCMI platform: one ops table, several implementations. */
#ifndef VSCMI_PLATFORM_H
#define VSCMI_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vscmi/model.h"

/* One physical transition the arbiter asks for. */
enum vscmi_op_type {
	VSCMI_OP_CLOCK_ENABLE,		/* val: 0 off, 1 on */
	VSCMI_OP_CLOCK_RATE,		/* val: Hz */
	VSCMI_OP_POWER_STATE,		/* val: SCMI power_state */
	VSCMI_OP_RESET_LINE,		/* val: 1 asserted, 0 deasserted */
	VSCMI_OP_RESET_PULSE,		/* val: reset_state */
	VSCMI_OP_VOLTAGE_CONFIG,	/* val: 0 off, 1 on */
	VSCMI_OP_VOLTAGE_LEVEL,		/* val: uV */
	VSCMI_OP_PERF_LEVEL,		/* val: perf level */
	VSCMI_OP_PERF_LIMITS,		/* val: max, val2: min */
	VSCMI_OP_SYSTEM_POWER,		/* val: system_state, val2: flags */
	VSCMI_OP_PIN_FUNCTION,		/* val: function's platform ID, -1 none */
	VSCMI_OP_PIN_CONFIG,		/* val: config type, val2: value */
	VSCMI_OP_POWERCAP_CAP,		/* val: power cap in the domain's unit, 0 not capping */
	VSCMI_OP_POWERCAP_PAI,		/* val: averaging interval, us */
	VSCMI_OP_COUNT,
};

struct vscmi_op {
	enum vscmi_op_type type;
	uint32_t id;			/* platform ID */
	int64_t val;
	int64_t val2;
};

/* A spontaneous platform event (a sensor moved, firmware changed a rate). */
struct vscmi_plat_event {
	enum vscmi_kind kind;
	uint32_t id;			/* platform ID */
	uint8_t protocol;
	uint8_t message;		/* SCMI notification message id */
	/* The words after agent_id and the resource ID, as the notification
	 * carries them (a reading: value low, high, timestamp low, high). */
	uint32_t payload[6];
	uint32_t npayload;
};

struct vscmi_platform;

/* The end of an operation that start() left in flight: 0 or -errno
 * (-ETIMEDOUT: the firmware did not answer in time). */
typedef void (*vscmi_done_fn)(void *ctx, int result);
/* The end of a sensor reading that sensor_start() left in flight: 0 with
 * the value and its timestamp, or -errno (-ETIMEDOUT as above). */
typedef void (*vscmi_reading_fn)(void *ctx, int result, int64_t value, uint64_t timestamp);

struct vscmi_platform_ops {
	const char *name;
	/* 0 or -errno; a refusal leaves the platform as it was. Waits for the
	 * hardware: for start-up, link recovery and rare commands only. */
	int (*apply)(struct vscmi_platform *p, const struct vscmi_op *op);
	/* Starts op without waiting: 0 or -errno when it finished at once,
	 * or -EINPROGRESS and then done(ctx, result) exactly once, from
	 * vscmi_platform_dispatch (never from within start). NULL: apply. */
	int (*start)(struct vscmi_platform *p, const struct vscmi_op *op, vscmi_done_fn done,
		     void *ctx);
	/* Forgets the operations started with ctx: their done is never
	 * called (the caller is going away). May be NULL. */
	void (*cancel)(struct vscmi_platform *p, void *ctx);
	/* An fd that polls readable while dispatch has work (completions,
	 * timeouts); -1 when the platform never completes later. May be NULL. */
	int (*fd)(struct vscmi_platform *p);
	/* Delivers the completions that are due; 0 or -errno. May be NULL. */
	int (*dispatch)(struct vscmi_platform *p);
	int (*sensor_read)(struct vscmi_platform *p, uint32_t id, int64_t *value,
			   uint64_t *timestamp);
	/* Starts a reading without waiting: 0 with *value and *timestamp set
	 * when it finished at once, -errno, or -EINPROGRESS and then done
	 * exactly once from vscmi_platform_dispatch. cancel(ctx) forgets it
	 * like an op. NULL: sensor_read. */
	int (*sensor_start)(struct vscmi_platform *p, uint32_t id, int64_t *value,
			    uint64_t *timestamp, vscmi_reading_fn done, void *ctx);
	/* A power capping domain's average power (in its unit) and the
	 * interval it averages over (us), shared by every agent; may wait for
	 * the hardware. NULL: the platform cannot measure. */
	int (*powercap_measure)(struct vscmi_platform *p, uint32_t id, uint32_t *power,
				uint32_t *pai);
	/* The state the hardware is in for op's type and id, into op's val
	 * and val2; -EOPNOTSUPP when the platform cannot tell (may be NULL). */
	int (*read)(struct vscmi_platform *p, struct vscmi_op *op);
	/* Extra microseconds before an asynchronous command's completion. */
	uint64_t (*completion_delay_us)(struct vscmi_platform *p, const struct vscmi_op *op);
	void (*destroy)(struct vscmi_platform *p);
};

struct vscmi_platform {
	const struct vscmi_platform_ops *ops;
	void (*event)(void *ctx, const struct vscmi_plat_event *ev);
	void *event_ctx;
};

int vscmi_platform_apply(struct vscmi_platform *p, const struct vscmi_op *op);
int vscmi_platform_start(struct vscmi_platform *p, const struct vscmi_op *op, vscmi_done_fn done,
			 void *ctx);
void vscmi_platform_cancel(struct vscmi_platform *p, void *ctx);
/* The embedder polls this fd (when >= 0) in its event loop and calls
 * vscmi_platform_dispatch when it is readable. */
int vscmi_platform_fd(struct vscmi_platform *p);
int vscmi_platform_dispatch(struct vscmi_platform *p);
int vscmi_platform_read(struct vscmi_platform *p, struct vscmi_op *op);
/* A power capping domain's measurement: 0, or -errno (-EOPNOTSUPP: none). */
int vscmi_platform_powercap_measure(struct vscmi_platform *p, uint32_t id, uint32_t *power,
				    uint32_t *pai);
/* A sensor reading: 0 (value set), -errno, or -EINPROGRESS and done later. */
int vscmi_platform_sensor_start(struct vscmi_platform *p, uint32_t id, int64_t *value,
				uint64_t *timestamp, vscmi_reading_fn done, void *ctx);
/* Whether sensor readings may finish later (sensor_start is there). */
bool vscmi_platform_reads_later(const struct vscmi_platform *p);
void vscmi_platform_free(struct vscmi_platform *p);
const char *vscmi_op_name(enum vscmi_op_type type);

/* The emulated platform: state from the model, every transition recorded. */
struct vscmi_platform *vscmi_emu_new(const struct vscmi_model *m);
/* The same, its hardware state kept in the file at path, which outlives
 * the daemon as a real platform's state would: a file left by an earlier
 * run with the same resources is taken over as it is; otherwise the state
 * starts from the model. *adopted says which. NULL with err set on
 * failure. */
struct vscmi_platform *vscmi_emu_open(const struct vscmi_model *m, const char *path,
				      bool *adopted, char *err, size_t errlen);

struct vscmi_emu_stats {
	uint64_t ops;			/* transitions applied */
	uint64_t refused;
};

/* Applied transitions of this type and ID whose val equals val
 * (val < 0 counts them all). */
uint64_t vscmi_emu_count(struct vscmi_platform *p, enum vscmi_op_type type, uint32_t id,
			 int64_t val);
void vscmi_emu_stats(struct vscmi_platform *p, struct vscmi_emu_stats *st);
/* Current state of (type, id) as the hardware would have it; -ENOENT if unknown.
 * A pin's config: id is the pin's ID * 32 + the config type. */
int vscmi_emu_state(struct vscmi_platform *p, enum vscmi_op_type type, uint32_t id,
		    int64_t *val);
/* Refuse the next n ops of this type and ID (UINT32_MAX: any) with -err;
 * with -ETIMEDOUT the op is carried out all the same (a late firmware). */
void vscmi_emu_refuse(struct vscmi_platform *p, enum vscmi_op_type type, uint32_t id,
		      unsigned int n, int err);
void vscmi_emu_delay(struct vscmi_platform *p, enum vscmi_op_type type, uint64_t usec);
/* Ops of this type take usec to carry out: start() returns -EINPROGRESS
 * and the op completes from vscmi_platform_dispatch once due (the fd is
 * readable then). usec < 0: synchronous again, the default. The state and
 * refusals apply at completion. */
void vscmi_emu_latency(struct vscmi_platform *p, enum vscmi_op_type type, int64_t usec);
/* Completes now, due or not, the oldest op in flight of this type and ID
 * (VSCMI_OP_COUNT: of any type; UINT32_MAX: any ID), as a test steps the
 * hardware; returns how many completed (0 or 1). */
int vscmi_emu_finish(struct vscmi_platform *p, enum vscmi_op_type type, uint32_t id);
/* Sensor readings take usec (< 0: synchronous again, the default), as
 * vscmi_emu_latency does for ops; the value is the one at completion. */
void vscmi_emu_reading_latency(struct vscmi_platform *p, int64_t usec);
/* Completes now the oldest reading in flight of this sensor (UINT32_MAX:
 * any); returns how many completed (0 or 1). */
int vscmi_emu_finish_reading(struct vscmi_platform *p, uint32_t id);
/* Ops and readings started and not yet completed. */
uint32_t vscmi_emu_in_flight(struct vscmi_platform *p);
/* The recorded log of transitions, oldest first; returns how many. */
size_t vscmi_emu_log(struct vscmi_platform *p, const struct vscmi_op **log);
void vscmi_emu_clear_log(struct vscmi_platform *p);
/* Raise a platform event, as firmware would. */
void vscmi_emu_raise(struct vscmi_platform *p, const struct vscmi_plat_event *ev);

/* The Linux SCMI raw-mode link: debugfs scmi/<instance>/raw/ of the dom0
 * kernel (CONFIG_ARM_SCMI_RAW_MODE_SUPPORT). start() sends the command and
 * answers -EINPROGRESS; the reply, a timeout (-ETIMEDOUT) or the link's loss
 * (-ECOMM) completes it from vscmi_platform_dispatch. vscmi_platform_fd
 * stays the same fd for the platform's life, link lost or not.
 * Notifications have their own file (vscmi_raw_notify_fd, vscmi_raw_dispatch). */
struct vscmi_raw_opts {
	const char *dir;		/* the debugfs scmi directory */
	uint32_t instance;
	int channel;			/* raw/channels/0xNN/, or -1: the common files */
	uint32_t timeout_ms;		/* for a reply; again for a delayed response */
};

/* Commands the linux-raw platform keeps in flight at once through start();
 * one more is refused with -EBUSY until a reply or a timeout frees a slot. */
#define VSCMI_RAW_INFLIGHT_MAX 16

struct vscmi_raw_stats {
	uint64_t commands;		/* sent upstream */
	uint64_t timeouts;
	uint64_t stale;			/* replies to no pending command, discarded */
	uint64_t notifications;		/* raised as platform events */
	uint64_t losses;		/* times the link went down */
	uint64_t answered;		/* pending commands the firmware answered */
	uint64_t rtt_sum_us;		/* their round trips: written to answer read */
	uint64_t rtt_max_us;
};

/* Opens the link and checks that the firmware has every resource the model
 * names; on failure err says which resource and what the firmware has. */
int vscmi_raw_new(const struct vscmi_model *m, const struct vscmi_raw_opts *o,
		  struct vscmi_platform **out, char *err, size_t errlen);
bool vscmi_is_raw(const struct vscmi_platform *p);
bool vscmi_raw_up(const struct vscmi_platform *p);
/* The notification file, to poll for input; -1 while the link is down. */
int vscmi_raw_notify_fd(const struct vscmi_platform *p);
/* Reads the notifications queued now and raises them as events. */
int vscmi_raw_dispatch(struct vscmi_platform *p);
/* While the link is down every command fails with -ECOMM. */
void vscmi_raw_link_lost(struct vscmi_platform *p, const char *why);
/* Opens the files again and checks the firmware as at start. */
int vscmi_raw_reconnect(struct vscmi_platform *p, char *err, size_t errlen);
/* Called when the link goes down (before its files are closed) or up. */
void vscmi_raw_set_link_cb(struct vscmi_platform *p, void (*fn)(void *ctx, bool up), void *ctx);
void vscmi_raw_stats(const struct vscmi_platform *p, struct vscmi_raw_stats *st);

/* Kernel uevents that tell the SCMI driver's device unbinding or binding. */
enum vscmi_uevent_link {
	VSCMI_UEVENT_NONE,
	VSCMI_UEVENT_DOWN,
	VSCMI_UEVENT_UP,
};

struct vscmi_uevent;

/* fd < 0: a NETLINK_KOBJECT_UEVENT socket on the kernel's group; otherwise
 * a datagram socket that carries the same messages (taken over): a netlink
 * socket passed by the service manager, whose messages count only when the
 * kernel sent them, or any other, trusted as given. */
int vscmi_uevent_open(int fd, struct vscmi_uevent **out);
void vscmi_uevent_free(struct vscmi_uevent *u);
int vscmi_uevent_fd(const struct vscmi_uevent *u);
/* Reads the queued messages; returns the last link change among them,
 * VSCMI_UEVENT_NONE, or -errno. */
int vscmi_uevent_read(struct vscmi_uevent *u);
/* What one message means for the link. */
enum vscmi_uevent_link vscmi_uevent_parse(struct vscmi_uevent *u, const char *msg, size_t len);

#endif
