/* SPDX-License-Identifier: GPL-2.0-only */
/* The Xen backend: guests from XenStore (libxl's generic virtio devices of
 * type virtio,device20) and from the config (dom0less), their lifecycle,
 * and domain death.
 *
 * XenStore protocol, libxl 4.18 layout: a device appears under
 * /local/domain/<self>/backend/virtio/<domid>/<devid> with state 1; we
 * answer 2 (InitWait) when we take it and 4 (Connected) once the guest can
 * reach it. online=0 or state 5 (libxl destroying the domain) tears it
 * down, and we answer 6 (Closed) so libxl need not wait out its timeout.
 * A dead domain is noticed through @releaseDomain, or VIRQ_DOM_EXC when no
 * xenstored runs; only a dom0less guest unknown to a running xenstored,
 * which neither tells of, is polled. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "vscmi/log.h"

#define XS_INITWAIT 2
#define XS_CONNECTED 4
#define XS_CLOSING 5
#define XS_CLOSED 6
#define XEN_SCMI_TYPE "virtio,device20"

/* A XenStore value as a bounded unsigned number; base 0 takes libxl's hex
 * "0x2000000" and decimal alike. */
static int xs_read_u64(struct xen_backend *xb, const char *dir, const char *key, uint64_t max,
		       uint64_t *out)
{
	char path[192];
	unsigned int len;
	char *s;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	s = xs_read(xb->xs, XBT_NULL, path, &len);
	if (!s)
		return -ENOENT;
	r = xen_parse_u64(s, max, out);
	free(s);
	return r;
}

/* strtoull would also take leading blanks and a sign: " -1000" would be a
 * base near the top of the address space. A value starts with a digit. */
int xen_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Writes the backend state, only while the device directory is there:
 * a write would otherwise bring back what the toolstack removed. */
static void xs_write_state(struct xen_backend *xb, const char *dir, unsigned int state)
{
	char path[192], val[4];

	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(val, sizeof(val), "%u", state);
	for (int tries = 0; tries < 8; tries++) {
		xs_transaction_t t = xs_transaction_start(xb->xs);
		unsigned int len;
		char *cur;
		bool exists, ok;

		if (t == XBT_NULL)
			break;
		cur = xs_read(xb->xs, t, path, &len);
		exists = cur != NULL;
		free(cur);
		ok = exists && xs_write(xb->xs, t, path, val, (unsigned int)strlen(val));
		if (xs_transaction_end(xb->xs, t, !ok) || errno != EAGAIN) {
			if (exists && !ok)
				log_warn("xen: writing %s: %s", path, strerror(errno));
			return;
		}
	}
	log_warn("xen: writing %s: %s", path, strerror(errno));
}

/* A XenStore device; static (dom0less) guests are not XenStore's to touch. */
static struct xen_guest *xen_find(struct xen_backend *xb, uint32_t domid, uint32_t devid)
{
	for (struct xen_guest *g = xb->guests; g; g = g->next)
		if (g->domid == domid && g->devid == devid && g->be_path[0])
			return g;
	return NULL;
}

static void xen_guest_remove(struct xen_backend *xb, struct xen_guest *g, bool release,
			     const char *why)
{
	struct xen_guest **pp;

	log_info("xen: dom%u: device %u %s", g->domid, g->devid, why);
	xen_guest_stop(g, release ? XEN_STOP_GONE : XEN_STOP_FAILED);
	if (g->be_path[0] && release)
		xs_write_state(xb, g->be_path, XS_CLOSED);
	for (pp = &xb->guests; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	free(g);
	if (xb->listener)
		xb->listener(xb->listener_ctx);
}

static struct scmi_agent *xen_match_agent(struct xen_backend *xb, uint32_t domid)
{
	char path[64], *name;
	unsigned int len;
	struct scmi_agent *found = NULL;

	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	name = xb->xs ? xs_read(xb->xs, XBT_NULL, path, &len) : NULL;
	for (uint32_t id = 1; id <= scmi_server_agent_count(xb->srv) && !found; id++) {
		struct scmi_agent *a = scmi_server_agent(xb->srv, id);
		const struct vscmi_agent_desc *d = a ? scmi_agent_desc(a) : NULL;

		if (!d)
			continue;
		if ((d->match == VSCMI_MATCH_DOMID && d->match_domid == domid) ||
		    (d->match == VSCMI_MATCH_NAME && name && !strcmp(d->match_name, name)))
			found = a;
	}
	free(name);
	return found;
}

static bool xen_agent_busy(struct xen_backend *xb, const struct scmi_agent *a)
{
	for (struct xen_guest *g = xb->guests; g; g = g->next)
		if (g->agent == a)
			return true;
	return false;
}

static struct xen_guest *xen_guest_new(struct xen_backend *xb, uint32_t domid, uint32_t devid,
				       struct scmi_agent *agent)
{
	struct xen_guest *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->xb = xb;
	g->domid = domid;
	g->devid = devid;
	g->agent = agent;
	g->next = xb->guests;
	xb->guests = g;
	return g;
}

static int xen_ignored(struct xen_backend *xb, uint32_t domid, uint32_t devid)
{
	for (uint32_t i = 0; i < xb->nignored; i++)
		if (xb->ignored[i].domid == domid && xb->ignored[i].devid == devid)
			return (int)i;
	return -1;
}

static void xen_ignore(struct xen_backend *xb, uint32_t domid, uint32_t devid, bool ours)
{
	if (xen_ignored(xb, domid, devid) >= 0 ||
	    xb->nignored == sizeof(xb->ignored) / sizeof(xb->ignored[0]))
		return;
	xb->ignored[xb->nignored].domid = domid;
	xb->ignored[xb->nignored].devid = devid;
	xb->ignored[xb->nignored].ours = ours;
	xb->nignored++;
}

/* Forgets ignored devices of a domain (devid UINT32_MAX: all of them). */
static void xen_unignore(struct xen_backend *xb, uint32_t domid, uint32_t devid)
{
	for (uint32_t i = 0; i < xb->nignored;) {
		if (xb->ignored[i].domid == domid && (devid == UINT32_MAX ||
						      xb->ignored[i].devid == devid))
			xb->ignored[i] = xb->ignored[--xb->nignored];
		else
			i++;
	}
}

/* Looks at one backend device directory and acts on what it says. */
static void xen_xs_device(struct xen_backend *xb, uint32_t domid, uint32_t devid)
{
	char dir[128], path[160], *type;
	struct xen_guest *g = xen_find(xb, domid, devid);
	struct scmi_agent *agent;
	uint64_t state = 0, online = 1, base, irq, grants = 0, fe;
	struct xen_hold hold = { .held = false };
	unsigned int len;

	snprintf(dir, sizeof(dir), "%s/%u/%u", xb->watch_path, domid, devid);
	/* Gone, offline or closing: tear down and say Closed. */
	if (xs_read_u64(xb, dir, "state", 8, &state) < 0) {
		if (g)
			xen_guest_remove(xb, g, true, "removed from XenStore");
		xen_unignore(xb, domid, devid);
		return;
	}
	xs_read_u64(xb, dir, "online", 1, &online);
	if (g) {
		if (!online || state == XS_CLOSING)
			xen_guest_remove(xb, g, true, "closed by the toolstack");
		return;
	}
	if (xen_ignored(xb, domid, devid) >= 0) {
		/* Ours but not served: answer the close so libxl need not wait. */
		if (xb->ignored[xen_ignored(xb, domid, devid)].ours && (!online || state == XS_CLOSING))
			xs_write_state(xb, dir, XS_CLOSED);
		return;
	}
	/* New (1), or ours from before a restart of the daemon (2, 4): the
	 * device starts again from reset. */
	if (!online || (state != 1 && state != XS_INITWAIT && state != XS_CONNECTED))
		return;

	snprintf(path, sizeof(path), "%s/type", dir);
	type = xs_read(xb->xs, XBT_NULL, path, &len);
	if (!type)
		return;
	if (strcmp(type, XEN_SCMI_TYPE) != 0) {
		free(type);
		xen_ignore(xb, domid, devid, false);
		return;
	}
	free(type);
	if (xs_read_u64(xb, dir, "base", UINT64_MAX - VIO_MMIO_SIZE, &base) < 0 ||
	    xs_read_u64(xb, dir, "irq", 1019, &irq) < 0 || irq < 32 ||
	    xs_read_u64(xb, dir, "frontend-id", XEN_DOMID_MAX, &fe) < 0 || fe != domid) {
		log_warn("xen: dom%u: virtio-scmi device %u: base, irq or frontend-id missing or "
			 "malformed in %s; not served", domid, devid, dir);
		xen_ignore(xb, domid, devid, true);
		return;
	}
	/* Without grant_usage (libxl before 4.18 wrote none) the default is
	 * libxl's: grants unless the backend is dom0. */
	if (xs_read_u64(xb, dir, "grant_usage", 1, &grants) < 0)
		grants = xb->self != 0;
	agent = xen_match_agent(xb, domid);
	if (!agent) {
		log_notice("xen: dom%u: no agent is configured for this domain; its virtio-scmi "
			   "device is not served", domid);
		xen_ignore(xb, domid, devid, true);
		return;
	}
	if (xen_agent_busy(xb, agent)) {
		log_warn("xen: dom%u: agent %s already has a device; device %u not served", domid,
			 scmi_agent_name(agent), devid);
		xen_ignore(xb, domid, devid, true);
		return;
	}
	g = xen_guest_new(xb, domid, devid, agent);
	if (!g)
		return;
	snprintf(g->be_path, sizeof(g->be_path), "%s", dir);
	g->base = base;
	g->irq = (uint32_t)irq;
	g->grants = grants != 0;
	if (state == 1) {
		/* A new device: its guest may not have run yet (libxl writes
		 * the device before it unpauses the domain), and must not run
		 * before the device answers. */
		xen_hold(xb, domid, &hold);
		xs_write_state(xb, dir, XS_INITWAIT);
	} else {
		log_info("xen: dom%u: device %u was ours before a restart (state %llu)", domid,
			 devid, (unsigned long long)state);
	}
	if (xen_guest_start(g) < 0) {
		xen_ignore(xb, domid, devid, true);
		xen_guest_remove(xb, g, false, "could not be set up");
		xen_release(xb, &hold);
		return;
	}
	xs_write_state(xb, dir, XS_CONNECTED);
	xen_release(xb, &hold);
	if (xb->listener)
		xb->listener(xb->listener_ctx);
}

/* strtoul alone would take "", " 7", "+7", "-1" and "7x" as numbers, and
 * an entry named so would stand for another domain's. */
int xen_parse_id(const char *s, char stop, unsigned long max, uint32_t *out, const char **rest)
{
	unsigned long v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		/* max is at most UINT32_MAX: no overflow before this stops it */
		if (v > max)
			return -EINVAL;
	}
	if (*p && *p != stop)
		return -EINVAL;
	*out = (uint32_t)v;
	if (rest)
		*rest = p;
	return 0;
}

int xen_parse_dev_path(const char *watch_path, const char *path, uint32_t *domid,
		       uint32_t *devid)
{
	size_t n = strlen(watch_path);
	const char *rest;

	if (strncmp(path, watch_path, n) != 0 || path[n] != '/')
		return -EINVAL;
	if (xen_parse_id(path + n + 1, '/', XEN_DOMID_MAX, domid, &rest) < 0 || *rest != '/')
		return -EINVAL;
	return xen_parse_id(rest + 1, '/', UINT32_MAX, devid, NULL);
}

/* Everything under the watch: at start, and when a whole domain dir changes. */
static void xen_xs_scan(struct xen_backend *xb)
{
	unsigned int ndom = 0, ndev;
	char **doms = xs_directory(xb->xs, XBT_NULL, xb->watch_path, &ndom);

	for (unsigned int i = 0; doms && i < ndom; i++) {
		char dir[128];
		char **devs;
		uint32_t domid, devid;

		if (xen_parse_id(doms[i], '\0', XEN_DOMID_MAX, &domid, NULL) < 0) {
			log_warn("xen: %s/%s: not a domain id; ignored", xb->watch_path, doms[i]);
			continue;
		}
		snprintf(dir, sizeof(dir), "%s/%s", xb->watch_path, doms[i]);
		devs = xs_directory(xb->xs, XBT_NULL, dir, &ndev);
		for (unsigned int j = 0; devs && j < ndev; j++) {
			if (xen_parse_id(devs[j], '\0', UINT32_MAX, &devid, NULL) < 0) {
				log_warn("xen: %s/%s: not a device id; ignored", dir, devs[j]);
				continue;
			}
			xen_xs_device(xb, domid, devid);
		}
		free(devs);
	}
	free(doms);
	/* Devices whose directory went away with the domain's. */
	for (struct xen_guest *g = xb->guests, *next; g; g = next) {
		next = g->next;
		if (g->be_path[0])
			xen_xs_device(xb, g->domid, g->devid);
	}
}

/* Whether a domain is gone or dying. A failed query is not a death (a
 * driver domain may not be allowed to ask): said once, assumed alive.
 * With shut_is_dead, a domain shut down for good (not suspended) counts
 * too: a dom0less guest has no toolstack to destroy it, and stays a
 * shut-down shell until the machine reboots. */
static bool xen_domain_dead(struct xen_backend *xb, uint32_t domid, bool shut_is_dead)
{
	/* getinfolist, not getinfo (gone in Xen 4.18) nor getinfo_single
	 * (new in 4.18): the one query every supported Xen has. It answers
	 * the first domain at or above domid. */
	xc_domaininfo_t info;
	int n = xc_domain_getinfolist(xb->xch, domid, 1, &info);
	unsigned int reason;

	if (n < 0) {
		if (!xb->getinfo_failed)
			log_warn("xen: cannot query domains (%s); dead guests are noticed only "
				 "when the toolstack closes their devices", strerror(errno));
		xb->getinfo_failed = true;
		return false;
	}
	if (n == 0 || info.domain != domid || (info.flags & XEN_DOMINF_dying))
		return true;
	reason = (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
	return shut_is_dead && (info.flags & XEN_DOMINF_shutdown) && reason != SHUTDOWN_suspend;
}

/* A domain died: tear down the devices of every guest that is gone. */
static void xen_release_domains(struct xen_backend *xb)
{
	for (struct xen_guest *g = xb->guests, *next; g; g = next) {
		next = g->next;
		if (xen_domain_dead(xb, g->domid, g->dom0less))
			xen_guest_remove(xb, g, true, "gone: its domain ended");
	}
	for (uint32_t i = 0; i < xb->nignored;) {
		uint32_t domid = xb->ignored[i].domid;

		if (xen_domain_dead(xb, domid, false))
			xen_unignore(xb, domid, UINT32_MAX);
		else
			i++;
	}
}

static int xen_xs_event(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct xen_backend *xb = userdata;
	unsigned int n;
	char **w = xs_read_watch(xb->xs, &n);
	uint32_t domid, devid;

	if (!w)
		return 0;
	if (!strcmp(w[XS_WATCH_PATH], "@releaseDomain"))
		xen_release_domains(xb);
	else if (xen_parse_dev_path(xb->watch_path, w[XS_WATCH_PATH], &domid, &devid) == 0)
		xen_xs_device(xb, domid, devid);
	else
		xen_xs_scan(xb);
	free(w);
	return 0;
}

static int xen_virq_event(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct xen_backend *xb = userdata;
	xenevtchn_port_or_error_t port = xenevtchn_pending(xb->virq_xce);

	if (port >= 0)
		xenevtchn_unmask(xb->virq_xce, (evtchn_port_t)port);
	xen_release_domains(xb);
	return 0;
}

/* Without XenStore (dom0less, no xenstored) nobody else listens for domain
 * deaths: take VIRQ_DOM_EXC ourselves. Where xenstored runs it holds the
 * VIRQ and @releaseDomain says the same. */
static void xen_virq_open(struct xen_backend *xb)
{
	int r;

	xb->virq_xce = xenevtchn_open(xb->log, 0);
	if (!xb->virq_xce || xenevtchn_bind_virq(xb->virq_xce, VIRQ_DOM_EXC) < 0) {
		log_notice("xen: no XenStore and no domain-death events (%s): a dom0less guest's "
			   "death is not seen", strerror(errno));
		goto fail;
	}
	r = sd_event_add_io(xb->ev, &xb->virq_src, xenevtchn_fd(xb->virq_xce), EPOLLIN,
			    xen_virq_event, xb);
	if (r >= 0)
		return;
fail:
	if (xb->virq_xce)
		xenevtchn_close(xb->virq_xce);
	xb->virq_xce = NULL;
}

/* xenstored fires @releaseDomain only for domains introduced to it, and it
 * holds VIRQ_DOM_EXC: a dom0less guest built without XenStore beside a
 * xenstored dies unheard. Such guests alone are looked at, once a second,
 * while any is left; the agent's votes then go within about a second. */
#define XEN_POLL_USEC (1000 * 1000)
#define XEN_POLL_ACCURACY_USEC (100 * 1000)	/* a second's tenth: nobody waits on it */

static bool xen_unheard(struct xen_backend *xb, const struct xen_guest *g)
{
	return g->dom0less && xb->xs && !xb->virq_xce && !xs_is_domain_introduced(xb->xs, g->domid);
}

static int xen_poll_event(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct xen_backend *xb = userdata;
	bool left = false;

	for (struct xen_guest *g = xb->guests, *next; g; g = next) {
		next = g->next;
		if (!xen_unheard(xb, g))
			continue;
		if (xen_domain_dead(xb, g->domid, true))
			xen_guest_remove(xb, g, true, "gone: its domain ended");
		else
			left = true;
	}
	if (!left || sd_event_source_set_time_relative(s, XEN_POLL_USEC) < 0 ||
	    sd_event_source_set_enabled(s, SD_EVENT_ONESHOT) < 0)
		xb->poll_src = sd_event_source_disable_unref(xb->poll_src);
	return 0;
}

static void xen_poll_start(struct xen_backend *xb)
{
	bool any = false;
	int r;

	for (struct xen_guest *g = xb->guests; g && !any; g = g->next)
		any = xen_unheard(xb, g);
	if (!any || xb->poll_src)
		return;
	r = sd_event_add_time_relative(xb->ev, &xb->poll_src, CLOCK_MONOTONIC, XEN_POLL_USEC,
				       XEN_POLL_ACCURACY_USEC, xen_poll_event, xb);
	if (r < 0) {
		log_warn("xen: cannot watch dom0less guests unknown to xenstored (%s): their end "
			 "is not seen", strerror(-r));
		return;
	}
	log_info("xen: dom0less guests unknown to xenstored: their domains are looked at once a second");
}

/* A dom0less guest's device, from its agent's section. */
static int xen_start_one_static(struct xen_backend *xb, struct scmi_agent *a)
{
	const struct vscmi_agent_desc *d = scmi_agent_desc(a);
	struct xen_guest *g;

	if (!d->xen_static.enabled)
		return 0;
	g = xen_guest_new(xb, d->match_domid, 0, a);
	if (!g)
		return -ENOMEM;
	g->dom0less = true;
	g->base = d->xen_static.base;
	g->irq = d->xen_static.irq;
	g->grants = d->xen_static.grants;
	/* A guest that cannot be served now is reported and left alone; the
	 * others are served. */
	if (xen_guest_start(g) < 0)
		g->state = XEN_GUEST_BROKEN;
	return 0;
}

static int xen_start_static(struct xen_backend *xb)
{
	for (uint32_t id = 1; id <= scmi_server_agent_count(xb->srv); id++) {
		struct scmi_agent *a = scmi_server_agent(xb->srv, id);

		if (a && xen_start_one_static(xb, a) < 0)
			return -ENOMEM;
	}
	return 0;
}

void xen_backend_agent_removed(struct xen_backend *xb, struct scmi_agent *agent)
{
	if (!xb)
		return;
	for (struct xen_guest *g = xb->guests, *next; g; g = next) {
		next = g->next;
		if (g->agent == agent)
			xen_guest_remove(xb, g, true, "no longer served: its agent left the "
						      "configuration");
	}
}

void xen_backend_agent_added(struct xen_backend *xb, struct scmi_agent *agent)
{
	const struct vscmi_agent_desc *d = scmi_agent_desc(agent);

	if (!xb)
		return;
	if (d->xen_static.enabled) {
		if (xen_start_one_static(xb, agent) < 0)
			log_err("xen: agent %s: out of memory", d->name);
		xen_poll_start(xb);
		if (xb->listener)
			xb->listener(xb->listener_ctx);
		return;
	}
	if (d->match == VSCMI_MATCH_NONE || !xb->xs)
		return;
	/* Devices turned away for want of an agent get another look. */
	xb->nignored = 0;
	xen_xs_scan(xb);
}

static bool xen_need_xenstore(const struct vscmi_config *cfg)
{
	for (uint32_t i = 0; i < cfg->model.nagents; i++)
		if (!cfg->model.agents[i].xen_static.enabled &&
		    cfg->model.agents[i].match != VSCMI_MATCH_NONE)
			return true;
	return false;
}

/* Where libxenstore looks for xenstored's socket. */
static const char *xen_xs_socket(char *buf, size_t len)
{
	const char *s = getenv("XENSTORED_PATH");

	if (s && *s)
		return s;
	s = getenv("XENSTORED_RUNDIR");
	snprintf(buf, len, "%s/socket", s && *s ? s : "/var/run/xenstored");
	return buf;
}

static int xen_xs_open(struct xen_backend *xb, char *err, size_t errlen)
{
	char buf[256];
	const char *sock = xen_xs_socket(buf, sizeof(buf));
	unsigned int len;
	char *self;
	int r;

	/* Where only dom0less guests are served, XenStore is a help, not a
	 * need: without xenstored's socket, keep off the kernel's xenbus
	 * device (libxenstore's fallback), whose reads wait for a xenstored
	 * that a dom0less system may never start. */
	if (!xen_need_xenstore(xb->cfg) && access(sock, F_OK) < 0) {
		snprintf(err, errlen, "no xenstored (%s: %s)", sock, strerror(errno));
		return -ENODEV;
	}
	xb->xs = xs_open(0);
	if (!xb->xs) {
		snprintf(err, errlen, "XenStore is not reachable (%s)", strerror(errno));
		return -ENODEV;
	}
	/* Where xenstored has no "domid" for us, we are dom0. */
	self = xs_read(xb->xs, XBT_NULL, "domid", &len);
	xb->self = 0;
	if (self && xen_parse_id(self, '\0', XEN_DOMID_MAX, &xb->self, NULL) < 0) {
		snprintf(err, errlen, "XenStore's domid for this domain is '%.16s', not a domain id",
			 self);
		free(self);
		return -EINVAL;
	}
	free(self);
	snprintf(xb->watch_path, sizeof(xb->watch_path), "/local/domain/%u/backend/virtio",
		 xb->self);
	if (!xs_watch(xb->xs, xb->watch_path, "vscmi") ||
	    !xs_watch(xb->xs, "@releaseDomain", "vscmi")) {
		snprintf(err, errlen, "watching XenStore: %s", strerror(errno));
		return -errno;
	}
	r = sd_event_add_io(xb->ev, &xb->xs_src, xs_fileno(xb->xs), EPOLLIN, xen_xs_event, xb);
	if (r < 0) {
		snprintf(err, errlen, "watching XenStore: %s", strerror(-r));
		return r;
	}
	xen_xs_scan(xb);
	return 0;
}

int xen_backend_new(sd_event *ev, struct scmi_server *srv, const struct vscmi_config *cfg,
		    struct xen_backend **out, char *err, size_t errlen)
{
	struct xen_backend *xb = calloc(1, sizeof(*xb));
	const char *what;
	int r;

	*out = NULL;
	if (!xb)
		return -ENOMEM;
	xb->ev = ev;
	xb->srv = srv;
	xb->cfg = cfg;
	/* Beside the agents' journals (the daemon creates the directory). */
	if (snprintf(xb->state_dir, sizeof(xb->state_dir), "%s/state", cfg->socket_dir) >=
	    (int)sizeof(xb->state_dir))
		xb->state_dir[0] = '\0';
	/* The libraries' own complaints are replaced by one line of ours. */
	xb->log = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
	what = "/dev/xen/privcmd (libxenctrl)";
	xb->xch = xc_interface_open(xb->log, xb->log, 0);
	if (!xb->xch)
		goto nodev;
	what = "/dev/xen/privcmd (libxendevicemodel)";
	xb->dmod = xendevicemodel_open(xb->log, 0);
	if (!xb->dmod)
		goto nodev;
	what = "/dev/xen/privcmd (libxenforeignmemory)";
	xb->fmem = xenforeignmemory_open(xb->log, 0);
	if (!xb->fmem)
		goto nodev;
	what = "/dev/xen/gntdev (libxengnttab)";
	xb->xgt = xengnttab_open(xb->log, 0);
	if (!xb->xgt)
		goto nodev;
	r = xen_start_static(xb);
	if (r < 0) {
		snprintf(err, errlen, "%s", strerror(-r));
		xen_backend_free(xb);
		return r;
	}
	/* XenStore finds toolstack guests and tells of any guest's death
	 * (@releaseDomain), dom0less ones included when xenstored knows them.
	 * Without it the static guests are still served. */
	r = xen_xs_open(xb, err, errlen);
	if (r < 0) {
		if (xen_need_xenstore(cfg))
			log_err("xen: %s: guests from the toolstack are not served", err);
		else
			log_notice("xen: %s: dom0less guests are served", err);
		xb->xs_src = sd_event_source_disable_unref(xb->xs_src);
		if (xb->xs)
			xs_close(xb->xs);
		xb->xs = NULL;
		xen_virq_open(xb);
	}
	/* After the devices are taken back: a guest a killed daemon held
	 * paused runs again only once its device answers. */
	xen_hold_recover(xb);
	xen_poll_start(xb);
	*out = xb;
	return 0;
nodev:
	snprintf(err, errlen, "no Xen hypervisor: cannot open %s: %s", what, strerror(errno));
	xen_backend_free(xb);
	return -ENODEV;
}

void xen_backend_free(struct xen_backend *xb)
{
	if (!xb)
		return;
	while (xb->guests) {
		struct xen_guest *g = xb->guests;

		xb->guests = g->next;
		xen_guest_stop(g, XEN_STOP_DETACH);
		free(g);
	}
	xb->xs_src = sd_event_source_disable_unref(xb->xs_src);
	if (xb->xs)
		xs_close(xb->xs);
	xb->virq_src = sd_event_source_disable_unref(xb->virq_src);
	if (xb->virq_xce)
		xenevtchn_close(xb->virq_xce);
	xb->poll_src = sd_event_source_disable_unref(xb->poll_src);
	if (xb->xgt)
		xengnttab_close(xb->xgt);
	if (xb->fmem)
		xenforeignmemory_close(xb->fmem);
	if (xb->dmod)
		xendevicemodel_close(xb->dmod);
	if (xb->xch)
		xc_interface_close(xb->xch);
	if (xb->log)
		xtl_logger_destroy(xb->log);
	free(xb);
}

int xen_backend_system_power(struct xen_backend *xb, struct scmi_agent *agent, uint32_t state)
{
	for (struct xen_guest *g = xb ? xb->guests : NULL; g; g = g->next) {
		if (g->agent != agent)
			continue;
		/* 0 shutdown; 1 cold and 2 warm reset reboot the domain. */
		if (xc_domain_shutdown(xb->xch, g->domid, state == 0 ? SHUTDOWN_poweroff
								   : SHUTDOWN_reboot) < 0)
			return -errno;
		log_notice("xen: dom%u: %s requested by the guest", g->domid,
			   state == 0 ? "shutdown" : "reboot");
		return 0;
	}
	return -ENOENT;
}

void xen_backend_set_listener(struct xen_backend *xb, void (*fn)(void *ctx), void *ctx)
{
	if (!xb)
		return;
	xb->listener = fn;
	xb->listener_ctx = ctx;
}

void xen_backend_foreach(struct xen_backend *xb, void (*fn)(void *ctx, const struct xen_guest_info *),
			 void *ctx)
{
	static const char *const states[] = { "connecting", "connected", "broken" };

	for (struct xen_guest *g = xb ? xb->guests : NULL; g; g = g->next) {
		struct xen_guest_info info = {
			.domid = g->domid,
			.devid = g->devid,
			.agent = scmi_agent_name(g->agent),
			.base = g->base,
			.irq = g->irq,
			.grants = g->grants,
			.dom0less = g->dom0less,
			.state = states[g->state],
			.nvcpus = g->nvcpus,
			.ioreqs = g->ioreqs,
			.woken = g->woken,
			.woken_ns = g->woken_ns,
			.woken_ns_max = g->woken_ns_max,
		};

		if (g->dev) {
			struct vio_scmi_stats st;
			struct vio_dev *d = vio_scmi_dev(g->dev);

			vio_scmi_stats(g->dev, &st);
			info.commands = st.commands;
			info.events = st.events;
			info.dropped = st.dropped;
			info.event_idx = (d->driver_features & VIO_F_EVENT_IDX) != 0;
			info.delayed_held = st.held;
			info.delayed_held_late = st.held_late;
			info.broken = d->stats.broken;
			info.bad_access = d->stats.bad_access;
			info.interrupts = d->stats.interrupts;
		}
		fn(ctx, &info);
	}
}
