/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon object: staged setup of config, platform, arbiter, SCMI server,
 * event loop and sockets, torn down in reverse. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "vscmi-build.h"
#include "vscmi/arbiter.h"
#include "vscmi/log.h"
#include "vscmi/platform.h"
#include "vscmi/xen.h"
#include "vscmid.h"

const char *vscmid_system_state_name(uint32_t state)
{
	static const char *const names[] = {
		"shutdown", "cold reset", "warm reset", "power-up", "suspend",
	};

	if (state < sizeof(names) / sizeof(names[0]))
		return names[state];
	return state >= 0x80000000u ? "vendor-specific" : "reserved";
}

/* Server hooks */

struct vscmid_deferred {
	void (*fn)(void *arg);
	void *arg;
};

static int vscmid_deferred_now(sd_event_source *src, void *userdata)
{
	struct vscmid_deferred *df = userdata;

	df->fn(df->arg);
	/* done: hold a reference, make the loop drop its own, then drop ours
	 * (the destroy callback frees df) */
	sd_event_source_ref(src);
	sd_event_source_set_floating(src, 0);
	sd_event_source_unref(src);
	return 0;
}

static int vscmid_deferred_fire(sd_event_source *src, uint64_t usec, void *userdata)
{
	return vscmid_deferred_now(src, userdata);
}

static int vscmid_hook_defer(void *ctx, uint64_t usec, void (*fn)(void *arg), void *arg)
{
	struct vscmid *d = ctx;
	struct vscmid_deferred *df;
	sd_event_source *src = NULL;
	int r;

	df = malloc(sizeof(*df));
	if (!df)
		return -ENOMEM;
	df->fn = fn;
	df->arg = arg;
	/* A guest waits on this (a delayed response, a platform stand-in's
	 * latency). Due now: the loop's next turn, with no timer in between.
	 * Due later: a timer of accuracy 1 us, since sd-event reads 0 as its
	 * default of 250 ms and would hold every delayed response that long;
	 * the daemon's timer slack is 1 us too (main). */
	if (usec == 0)
		r = sd_event_add_defer(d->ev, &src, vscmid_deferred_now, df);
	else
		r = sd_event_add_time_relative(d->ev, &src, CLOCK_MONOTONIC, usec, 1,
					       vscmid_deferred_fire, df);
	if (r < 0) {
		free(df);
		return r;
	}
	if (usec == 0)
		sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
	sd_event_source_set_destroy_callback(src, free);
	/* the loop owns it now, and frees whatever has not fired on exit */
	sd_event_source_set_floating(src, 1);
	sd_event_source_unref(src);
	return 0;
}

static void vscmid_hook_trace(void *ctx, struct scmi_agent *agent,
			      const struct scmi_trace_res *res, const uint8_t *req, size_t req_len,
			      const uint8_t *resp, size_t resp_len)
{
	struct vscmid *d = ctx;

	if (d->ntracing)
		vscmid_control_trace(d, agent, res, req, req_len, resp, resp_len);
}

static int vscmid_hook_system_power(void *ctx, struct scmi_agent *agent, uint32_t flags,
				    uint32_t state)
{
	struct vscmid *d = ctx;
	struct timespec ts;
	int r;

	/* A Xen guest's request is about its own domain. */
	r = xen_backend_system_power(d->xb, agent, state);
	if (r != -ENOENT)
		return r;
	log_notice("agent %s requests system state %u (%s%s)", scmi_agent_name(agent), state,
		   vscmid_system_state_name(state), (flags & 1) ? ", graceful" : "");
	clock_gettime(CLOCK_REALTIME, &ts);
	d->sysreq.valid = true;
	snprintf(d->sysreq.agent, sizeof(d->sysreq.agent), "%s", scmi_agent_name(agent));
	d->sysreq.state = state;
	d->sysreq.flags = flags;
	d->sysreq.realtime_usec = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	return 0;
}

/* Paths */

static int replace_prefix(char *path, size_t cap, const char *old, const char *dir)
{
	size_t n = strlen(old);
	char tmp[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int r;

	if (strncmp(path, old, n) != 0 || path[n] != '/')
		return 0;
	r = snprintf(tmp, sizeof(tmp), "%s%s", dir, path + n);
	if (r < 0 || (size_t)r >= sizeof(tmp) || (size_t)r >= cap)
		return -ENAMETOOLONG;
	memcpy(path, tmp, (size_t)r + 1);
	return 0;
}

int vscmid_runtime_dir(struct vscmi_config *cfg, const char *dir, char *err, size_t errlen)
{
	char old[sizeof(cfg->socket_dir)];
	size_t len = strlen(dir);
	int r;

	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len == 0 || len >= sizeof(cfg->socket_dir)) {
		snprintf(err, errlen, "runtime directory '%s' is too long", dir);
		return -ENAMETOOLONG;
	}
	memcpy(old, cfg->socket_dir, sizeof(old));
	memcpy(cfg->socket_dir, dir, len);
	cfg->socket_dir[len] = '\0';
	r = snprintf(cfg->control, sizeof(cfg->control), "%s/control", cfg->socket_dir);
	if (r < 0 || (size_t)r >= sizeof(cfg->control)) {
		snprintf(err, errlen, "runtime directory '%s' is too long", dir);
		return -ENAMETOOLONG;
	}
	for (uint32_t i = 0; i < cfg->model.nagents; i++) {
		struct vscmi_agent_desc *a = &cfg->model.agents[i];

		r = replace_prefix(a->socket, sizeof(a->socket), old, cfg->socket_dir);
		if (r == 0)
			r = replace_prefix(a->vhost, sizeof(a->vhost), old, cfg->socket_dir);
		if (r) {
			snprintf(err, errlen, "agent %s: socket path under '%s' is too long", a->name,
				 cfg->socket_dir);
			return r;
		}
	}
	return 0;
}

int vscmid_mkparent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int vscmid_listen(const char *path, int type, mode_t mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	r = vscmid_mkparent(path);
	if (r)
		return r;
	/* a socket left by an earlier run; anything else is not ours to remove */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (unlink(path) < 0)
			return -errno;
	}
	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, mode) < 0 ||
	    listen(fd, 8) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* Setup and teardown */

static int vscmid_on_signal(sd_event_source *src, const struct signalfd_siginfo *si,
			    void *userdata)
{
	struct vscmid *d = userdata;

	log_info("signal %u: stopping", si->ssi_signo);
	return sd_event_exit(d->ev, 0);
}

/* SIGHUP (systemctl reload): the file applied live where it can be
 * (reload.c). */
static int vscmid_on_hup(sd_event_source *src, const struct signalfd_siginfo *si,
			 void *userdata)
{
	vscmid_reload(userdata);
	return 0;
}

static int vscmid_setup_loop(struct vscmid *d)
{
	sigset_t ss;
	int r;

	r = sd_event_new(&d->ev);
	if (r < 0)
		return r;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	r = sd_event_add_signal(d->ev, &d->sig_term, SIGTERM, vscmid_on_signal, d);
	if (r < 0)
		return r;
	r = sd_event_add_signal(d->ev, &d->sig_int, SIGINT, vscmid_on_signal, d);
	if (r < 0)
		return r;
	r = sd_event_add_signal(d->ev, &d->sig_hup, SIGHUP, vscmid_on_hup, d);
	if (r < 0)
		return r;
	/* Under WatchdogSec= the loop itself sends WATCHDOG=1, so a handler
	 * that hangs stops the pings and systemd restarts the daemon. */
	r = sd_event_set_watchdog(d->ev, true);
	if (r < 0)
		return r;
	if (r > 0)
		log_debug("watchdog: the event loop keeps systemd's watchdog fed");
	return sd_event_now(d->ev, CLOCK_MONOTONIC, &d->start_usec);
}

/* A Xen guest device came or went. */
static void vscmid_xen_changed(void *ctx)
{
	vscmid_notify_status(ctx, "");
}

int vscmid_new(const struct vscmid_opts *opts, struct vscmid **out, char *err, size_t errlen)
{
	struct scmi_hooks hooks = {
		.defer = vscmid_hook_defer,
		.system_power = vscmid_hook_system_power,
		.trace = vscmid_hook_trace,
		.persist = vscmid_journal_persist,
	};
	struct vscmid *d;
	struct rlimit rl;
	char xerr[256];
	int r;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	d->ctl_fd = -1;
	d->state_fd = -1;
	hooks.ctx = d;
	/* An agent holds a listening socket, a connection and its journal
	 * file open: the soft descriptor limit goes up to the hard one. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	r = vscmi_config_load(opts->config, &d->cfg, err, errlen);
	if (r)
		goto err_free;
	if (opts->runtime_dir) {
		r = vscmid_runtime_dir(d->cfg, opts->runtime_dir, err, errlen);
		if (r)
			goto err_free;
		snprintf(d->runtime_dir, sizeof(d->runtime_dir), "%s", opts->runtime_dir);
	}
	r = vscmid_state_dir(d, err, errlen);
	if (r)
		goto err_free;
	r = vscmid_platform_new(d, err, errlen);
	if (r < 0)
		goto err_free;
	d->arb = arb_new(&d->cfg->model, d->plat);
	if (!d->arb) {
		r = -ENOMEM;
		snprintf(err, errlen, "cannot create the arbiter");
		goto err_free;
	}
	/* Start from what the hardware has, not from what the model says it
	 * had at boot: after a restart the two differ. */
	r = arb_sync_phys(d->arb);
	if (r)
		log_notice("platform: %d resource fields could not be read; the config's "
			   "initial state is assumed for them", r);
	r = vscmid_setup_loop(d);
	if (r < 0) {
		snprintf(err, errlen, "event loop: %s", strerror(-r));
		goto err_free;
	}
	d->srv = scmi_server_new(&d->cfg->model, d->arb, d->plat, &hooks);
	if (!d->srv) {
		r = -ENOMEM;
		snprintf(err, errlen, "cannot create the SCMI server");
		goto err_free;
	}
	/* Before any guest is served: the votes of the last run come back
	 * first, so nothing they hold goes off in between. */
	r = vscmid_journal_restore(d);
	if (r < 0) {
		snprintf(err, errlen, "journal: %s", strerror(-r));
		goto err_free;
	}
	if (r > 0)
		log_notice("restart: %d agents' state restored from %s", r, d->state_dir);
	r = vscmid_uplink_open(d, err, errlen);
	if (r < 0)
		goto err_free;
	r = xen_backend_new(d->ev, d->srv, d->cfg, &d->xb, xerr, sizeof(xerr));
	if (r == -ENODEV)
		log_notice("%s; serving agent sockets only", xerr);
	else if (r < 0)
		log_err("xen: %s; Xen guests are not served", xerr);
	xen_backend_set_listener(d->xb, vscmid_xen_changed, d);
	r = vscmid_transport_open(d, err, errlen);
	if (r < 0)
		goto err_free;
	for (uint32_t i = 0; i < VSCMI_MAX_AGENTS; i++) {
		if (!d->restored[i])
			continue;
		r = vscmid_journal_grace(d);
		if (r < 0) {
			snprintf(err, errlen, "event loop: %s", strerror(-r));
			goto err_free;
		}
		break;
	}
	/* Last: a control socket that answers means every agent socket is up. */
	r = vscmid_control_open(d);
	if (r < 0) {
		snprintf(err, errlen, "control socket %s: %s", d->cfg->control, strerror(-r));
		goto err_free;
	}
	*out = d;
	return 0;
err_free:
	vscmid_free(d);
	return r;
}

void vscmid_free(struct vscmid *d)
{
	if (!d)
		return;
	vscmid_transport_close(d);
	vscmid_control_close(d);
	xen_backend_free(d->xb);
	vscmid_uplink_close(d);
	/* the server goes before the loop: pending deferred calls die with it */
	scmi_server_free(d->srv);
	sd_event_source_disable_unref(d->grace_src);
	sd_event_source_disable_unref(d->sig_int);
	sd_event_source_disable_unref(d->sig_hup);
	sd_event_source_disable_unref(d->sig_term);
	sd_event_unref(d->ev);
	arb_free(d->arb);
	vscmi_platform_free(d->plat);
	vscmi_config_free(d->cfg);
	free(d->restored);
	vscmid_journal_close(d);
	free(d);
}

/* The agent sockets' side of the picture for systemctl status; Xen
 * guests and the counters are in vscmictl status. */
static void vscmid_count_guest(void *ctx, const struct xen_guest_info *g)
{
	uint32_t *n = ctx;

	n[0]++;
	n[1] += strcmp(g->state, "connected") == 0;
}

void vscmid_notify_status(struct vscmid *d, const char *extra)
{
	uint32_t served = 0, connected = 0, guests[2] = { 0, 0 };
	char xen[64] = "no hypervisor";

	for (uint32_t i = 0; i < d->nagents; i++) {
		if (!d->agents[i])
			continue;
		served += d->agents[i]->listen_fd >= 0;
		connected += vscmid_agent_connected(d->agents[i]);
	}
	if (d->xb) {
		xen_backend_foreach(d->xb, vscmid_count_guest, guests);
		snprintf(xen, sizeof(xen), "%u of %u Xen guest devices connected", guests[1],
			 guests[0]);
	}
	sd_notifyf(0, "%sSTATUS=serving %u agents on %s platform%s, %u of %u agent sockets "
		      "connected, %s",
		   extra, d->nagents, d->plat->ops->name,
		   vscmi_is_raw(d->plat) && !vscmi_raw_up(d->plat) ? " (link down)" : "",
		   connected, served, xen);
}


int vscmid_run(struct vscmid *d)
{
	uint32_t served = 0;
	int r;

	for (uint32_t i = 0; i < d->nagents; i++)
		served += d->agents[i] && d->agents[i]->listen_fd >= 0;
	log_info("vscmid %s: %u agents, %u with sockets, control at %s", VSCMI_VERSION,
		 d->nagents, served, d->cfg->control);
	vscmid_notify_status(d, "READY=1\n");
	r = sd_event_loop(d->ev);
	sd_notify(0, "STOPPING=1");
	return r < 0 ? r : 0;
}
