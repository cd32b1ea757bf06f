/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon's side of the upstream link: which platform to create, the
 * platform's completions in the event loop (vscmi_platform_fd; for
 * linux-raw the firmware's replies, timeouts and the failures of a lost
 * link, on one fd that outlives link losses), and for linux-raw the
 * notification file, the kernel's uevents about the SCMI driver, and the
 * retries while the link is down. When the link comes back, the arbiter
 * sets the firmware to the votes again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "vscmi/arbiter.h"
#include "vscmi/log.h"
#include "vscmi/platform.h"
#include "vscmid.h"

/* How often a lost link is tried again, uevents or not: a co-processor
 * that restarts sends none. */
#define UPLINK_RETRY_USEC 1000000u
/* Nobody waits on a retry to the hour: sd-event may batch it with other
 * wake-ups within a quarter of its period. */
#define UPLINK_RETRY_ACCURACY_USEC 250000u

int vscmid_platform_new(struct vscmid *d, char *err, size_t errlen)
{
	const struct vscmi_config *cfg = d->cfg;
	struct vscmi_raw_opts o = {
		.dir = cfg->raw_dir,
		.instance = cfg->raw_instance,
		.channel = cfg->raw_channel,
		.timeout_ms = cfg->upstream_timeout_ms,
	};
	char why[384];
	int r;

	if (strcmp(cfg->platform, "linux-raw") != 0) {
		char hw[160];
		bool adopted;

		/* The emulated hardware keeps its state beside the journal, so
		 * it outlives the daemon as real hardware does. */
		snprintf(hw, sizeof(hw), "%s/emulated.hw", d->state_dir);
		d->plat = vscmi_emu_open(&cfg->model, hw, &adopted, why, sizeof(why));
		if (!d->plat) {
			snprintf(err, errlen, "cannot create the %s platform: %s", cfg->platform,
				 why);
			return -EIO;
		}
		if (adopted)
			log_info("emulated platform: hardware state taken over from %s", hw);
		return 0;
	}
	r = vscmi_raw_new(&cfg->model, &o, &d->plat, why, sizeof(why));
	if (r < 0)
		snprintf(err, errlen, "linux-raw platform: %s", why);
	return r;
}

static int uplink_on_notification(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct vscmid *d = userdata;

	if (revents & (EPOLLHUP | EPOLLERR)) {
		vscmi_raw_link_lost(d->plat, "the raw notification file hung up");
		return 0;
	}
	vscmi_raw_dispatch(d->plat);
	return 0;
}

static void uplink_resynced(void *ctx, int failed)
{
	if (failed)
		log_warn("linux-raw: the firmware refused %d transitions while being set to the "
			 "votes again; they are retried with the next command",
			 failed);
	else
		log_notice("linux-raw: the firmware is set to the votes again");
}

static void uplink_try(struct vscmid *d, bool quiet)
{
	char why[384];
	int n;

	if (vscmi_raw_up(d->plat))
		return;
	/* Discovery goes on from the firmware's replies; its end reports the
	 * link up (uplink_changed) or leaves it down for the next try. */
	n = vscmi_raw_reconnect(d->plat, why, sizeof(why));
	if (n < 0 && n != -EINPROGRESS) {
		if (quiet)
			log_debug("linux-raw: still down: %s", why);
		else
			log_warn("linux-raw: still down: %s", why);
	}
}

static int uplink_on_retry(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct vscmid *d = userdata;

	uplink_try(d, true);
	if (!vscmi_raw_up(d->plat)) {
		sd_event_source_set_time_relative(src, UPLINK_RETRY_USEC);
		sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
	}
	return 0;
}

/* A uevent socket the service manager opened for us, passed as the fd
 * named "uevent" (a socket unit with ListenNetlink=kobject-uevent 1 and
 * FileDescriptorName=uevent); -1 when there is none. */
static int uplink_passed_uevent_fd(void)
{
	char **names = NULL;
	int n = sd_listen_fds_with_names(1, &names), fd = -1;

	for (int i = 0; i < n; i++) {
		if (fd < 0 && names && names[i] && strcmp(names[i], "uevent") == 0)
			fd = SD_LISTEN_FDS_START + i;
		else
			close(SD_LISTEN_FDS_START + i);
	}
	if (names) {
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	if (fd >= 0)
		log_info("linux-raw: kernel uevents from the socket the service manager passed");
	return fd;
}

static int uplink_on_uevent(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct vscmid *d = userdata;
	int r = vscmi_uevent_read(d->uev);

	if (r == VSCMI_UEVENT_DOWN)
		vscmi_raw_link_lost(d->plat, "the SCMI driver unbound");
	else if (r == VSCMI_UEVENT_UP)
		uplink_try(d, false);
	return 0;
}

static void uplink_changed(void *ctx, bool up)
{
	struct vscmid *d = ctx;
	int fd = vscmi_raw_notify_fd(d->plat);

	/* Down: the source goes before the platform closes the file. */
	d->notif_src = sd_event_source_disable_unref(d->notif_src);
	if (up) {
		int n;

		if (fd >= 0 && sd_event_add_io(d->ev, &d->notif_src, fd, EPOLLIN,
					       uplink_on_notification, d) < 0)
			log_err("linux-raw: cannot watch the notification file");
		sd_event_source_set_enabled(d->retry_src, SD_EVENT_OFF);
		/* A restarted co-processor has forgotten the state. The walk
		 * goes on from the firmware's replies: the loop serves every
		 * agent between its steps. */
		n = arb_resync(d->arb, uplink_resynced, d);
		if (n != -EINPROGRESS)
			uplink_resynced(d, n);
	} else {
		sd_event_source_set_time_relative(d->retry_src, UPLINK_RETRY_USEC);
		sd_event_source_set_enabled(d->retry_src, SD_EVENT_ONESHOT);
	}
	vscmid_notify_status(d, "");
}

static int uplink_on_platform(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct vscmid *d = userdata;
	int r = vscmi_platform_dispatch(d->plat);

	if (r < 0)
		log_debug("platform: dispatch: %s", strerror(-r));
	return 0;
}

int vscmid_uplink_open(struct vscmid *d, char *err, size_t errlen)
{
	int fd = vscmi_platform_fd(d->plat);
	int r;

	if (fd >= 0) {
		r = sd_event_add_io(d->ev, &d->plat_src, fd, EPOLLIN, uplink_on_platform, d);
		if (r < 0)
			goto fail;
	}
	if (!vscmi_is_raw(d->plat))
		return 0;
	r = sd_event_add_time_relative(d->ev, &d->retry_src, CLOCK_MONOTONIC, UPLINK_RETRY_USEC,
				       UPLINK_RETRY_ACCURACY_USEC, uplink_on_retry, d);
	if (r < 0)
		goto fail;
	sd_event_source_set_enabled(d->retry_src, SD_EVENT_OFF);
	r = sd_event_add_io(d->ev, &d->notif_src, vscmi_raw_notify_fd(d->plat), EPOLLIN,
			    uplink_on_notification, d);
	if (r < 0)
		goto fail;
	vscmi_raw_set_link_cb(d->plat, uplink_changed, d);
	/* Without uevents (no netlink in a container) the retries still
	 * bring the link back; only the news of an unbind comes later. */
	r = vscmi_uevent_open(uplink_passed_uevent_fd(), &d->uev);
	if (r < 0) {
		log_notice("linux-raw: no kernel uevents (%s); a lost link is noticed on use",
			   strerror(-r));
		return 0;
	}
	r = sd_event_add_io(d->ev, &d->uev_src, vscmi_uevent_fd(d->uev), EPOLLIN,
			    uplink_on_uevent, d);
	if (r < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "linux-raw link watch: %s", strerror(-r));
	return r;
}

void vscmid_uplink_close(struct vscmid *d)
{
	vscmi_raw_set_link_cb(d->plat, NULL, NULL);
	d->uev_src = sd_event_source_disable_unref(d->uev_src);
	vscmi_uevent_free(d->uev);
	d->uev = NULL;
	d->notif_src = sd_event_source_disable_unref(d->notif_src);
	d->retry_src = sd_event_source_disable_unref(d->retry_src);
	d->plat_src = sd_event_source_disable_unref(d->plat_src);
}
