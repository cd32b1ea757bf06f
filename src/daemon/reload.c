/* SPDX-License-Identifier: GPL-2.0-only */
/* SIGHUP: the configuration file read again and its agents applied live.
 *
 * Agents are matched by name. An agent the new file no longer has is
 * removed: its channel closes, its Xen device (if any) is torn down and its
 * votes are released, as for a guest that is gone. A new agent appears
 * with a fresh id and its socket or device. An agent whose section
 * changed is removed and added again. Agents that did not change are not
 * touched: their ids, connections, votes and subscriptions stay.
 *
 * An agent the last reload could not finish (its socket could not be
 * bound, or it could not be added) is tried again at every reload, changed
 * or not, until it is served: a reload converges on the file.
 *
 * Who may use the control socket (control_read_group, control_admin_group)
 * and restart_grace apply at once; the next command is checked against
 * them. The rest of [daemon] and the resources are the running platform's shape;
 * a file that changes them is refused with the advice to restart, which
 * keeps every vote (see the journal). A file that does not parse is
 * refused with its reason. Either way the running configuration stays. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vscmi/log.h"
#include "vscmi/xen.h"
#include "vscmid.h"

/* What cannot change without a restart, or NULL. */
static const char *reload_fixed_differs(const struct vscmi_config *a, const struct vscmi_config *b)
{
	if (!vscmi_model_res_equal(&a->model, &b->model))
		return "the resources";
	if (strcmp(a->control, b->control) || strcmp(a->socket_dir, b->socket_dir))
		return "the control socket or socket_dir";
	if (strcmp(a->platform, b->platform) || strcmp(a->raw_dir, b->raw_dir) ||
	    a->raw_instance != b->raw_instance || a->raw_channel != b->raw_channel ||
	    a->upstream_timeout_ms != b->upstream_timeout_ms)
		return "the platform";
	return NULL;
}

static bool reload_group_equal(const struct vscmi_ctl_group *a, const struct vscmi_ctl_group *b)
{
	return a->set == b->set && (!a->set || (a->gid == b->gid && !strcmp(a->name, b->name)));
}

/* What [daemon] says that a reload applies as it is. */
static void reload_daemon_live(struct vscmid *d, const struct vscmi_config *ncfg)
{
	struct vscmi_config *cfg = d->cfg;

	cfg->restart_grace_s = ncfg->restart_grace_s;
	if (reload_group_equal(&cfg->ctl_read, &ncfg->ctl_read) &&
	    reload_group_equal(&cfg->ctl_admin, &ncfg->ctl_admin))
		return;
	cfg->ctl_read = ncfg->ctl_read;
	cfg->ctl_admin = ncfg->ctl_admin;
	vscmid_control_access_changed(d);
	log_notice("reload: control socket access: read %s, admin %s",
		   cfg->ctl_read.set ? cfg->ctl_read.name : "-",
		   cfg->ctl_admin.set ? cfg->ctl_admin.name : "-");
}

static const struct vscmi_agent_desc *reload_find(const struct vscmi_model *m, const char *name)
{
	for (uint32_t i = 0; i < m->nagents; i++)
		if (!strcmp(m->agents[i].name, name))
			return &m->agents[i];
	return NULL;
}

/* A socket path a new agent would bind: free, or a stale socket. */
static bool reload_path_usable(const char *path)
{
	struct stat st;

	return !path[0] || lstat(path, &st) < 0 || S_ISSOCK(st.st_mode);
}

/* Agents of the running configuration that are not served as it says:
 * absent from the server (their add failed) or without their channel. */
static uint32_t reload_unfinished(struct vscmid *d)
{
	const struct vscmi_model *m = &d->cfg->model;
	uint32_t n = 0;

	for (uint32_t i = 0; i < m->nagents; i++) {
		struct scmi_agent *a = scmi_server_agent_by_name(d->srv, m->agents[i].name);

		n += !a || !vscmid_transport_ready(d, a);
	}
	return n;
}

static void reload_apply(struct vscmid *d, struct vscmi_config *ncfg)
{
	struct vscmi_model *om = &d->cfg->model, *nm = &ncfg->model;
	uint32_t removed = 0, added = 0, changed = 0, live = 0, failed = 0, n;
	struct vscmi_agent_desc *tmp_agents;
	uint32_t tmp_n;
	char err[512], name[16];

	/* Refuse before touching anything: every new socket path must be
	 * bindable. (The ids fit: the file holds at most VSCMI_MAX_AGENTS.) */
	for (uint32_t id = 1; id <= scmi_server_agent_count(d->srv); id++) {
		struct scmi_agent *a = scmi_server_agent(d->srv, id);
		const struct vscmi_agent_desc *nd;

		if (!a)
			continue;
		live++;
		nd = reload_find(nm, scmi_agent_name(a));
		if (nd && vscmi_agent_equal(nd, scmi_agent_desc(a)))
			continue;
		removed += !nd;
		changed += nd != NULL;
	}
	for (uint32_t i = 0; i < nm->nagents; i++) {
		const struct vscmi_agent_desc *nd = &nm->agents[i];
		struct scmi_agent *a = scmi_server_agent_by_name(d->srv, nd->name);

		if (a && vscmi_agent_equal(nd, scmi_agent_desc(a)))
			continue;
		added += !a;
		/* its own old socket goes first, so only others' count */
		if ((!reload_path_usable(nd->socket) &&
		     !(a && !strcmp(scmi_agent_desc(a)->socket, nd->socket))) ||
		    (!reload_path_usable(nd->vhost) &&
		     !(a && !strcmp(scmi_agent_desc(a)->vhost, nd->vhost)))) {
			log_err("reload refused, the running configuration stays: agent %s: its "
				"socket path exists and is not a socket", nd->name);
			return;
		}
	}
	if (!removed && !added && !changed && !reload_unfinished(d)) {
		log_info("reload: %s: no agent changed", d->cfg->path);
		reload_daemon_live(d, ncfg);
		return;
	}

	/* Out first: a changed agent's old channel frees its path. */
	n = scmi_server_agent_count(d->srv);
	for (uint32_t id = 1; id <= n; id++) {
		struct scmi_agent *a = scmi_server_agent(d->srv, id);
		const struct vscmi_agent_desc *nd;

		if (!a)
			continue;
		nd = reload_find(nm, scmi_agent_name(a));
		if (nd && vscmi_agent_equal(nd, scmi_agent_desc(a)))
			continue;
		log_notice("agent %s: %s; its votes are released", scmi_agent_name(a),
			   nd ? "changed in the configuration" : "removed from the configuration");
		vscmid_transport_remove(d, a);
		xen_backend_agent_removed(d->xb, a);
		if (d->restored)
			d->restored[id - 1] = false;
		snprintf(name, sizeof(name), "%s", scmi_agent_name(a));
		scmi_server_remove_agent(d->srv, a);
		vscmid_journal_forget(d, id, name);
	}

	/* The new descriptions replace the old ones; the agents that stay
	 * are pointed at their (equal) new copies before the old go. */
	tmp_agents = om->agents;
	tmp_n = om->nagents;
	om->agents = nm->agents;
	om->nagents = nm->nagents;
	nm->agents = tmp_agents;
	nm->nagents = tmp_n;
	reload_daemon_live(d, ncfg);
	for (uint32_t i = 0; i < om->nagents; i++) {
		const struct vscmi_agent_desc *nd = &om->agents[i];
		struct scmi_agent *a = scmi_server_agent_by_name(d->srv, nd->name);
		struct vscmid_agent *va;

		if (!a)
			continue;
		scmi_agent_set_desc(a, nd);
		va = d->agents[scmi_agent_id(a) - 1];
		if (va) {
			va->path = nd->socket;
			va->vhost_path = nd->vhost;
		}
	}

	/* Agents that stayed but whose channel an earlier try could not open:
	 * whatever stood in the way may be gone. */
	for (uint32_t i = 0; i < om->nagents; i++) {
		struct scmi_agent *a = scmi_server_agent_by_name(d->srv, om->agents[i].name);

		if (!a || vscmid_transport_ready(d, a))
			continue;
		if (vscmid_transport_retry(d, a, err, sizeof(err)) < 0) {
			log_err("%s; the agent has no channel until a reload opens it", err);
			failed++;
		} else {
			log_notice("agent %s: its channel is open", scmi_agent_name(a));
		}
	}

	/* Then in, with fresh ids. */
	for (uint32_t i = 0; i < om->nagents; i++) {
		const struct vscmi_agent_desc *nd = &om->agents[i];
		struct scmi_agent *a;

		if (scmi_server_agent_by_name(d->srv, nd->name))
			continue;
		a = scmi_server_add_agent(d->srv, nd);
		if (!a) {
			log_err("agent %s: cannot be added: %s; the next reload tries again",
				nd->name, strerror(errno));
			failed++;
			continue;
		}
		/* Nothing held, and its journal says so: a file an earlier run
		 * left under this name would hand it votes at the next start. */
		vscmid_journal_persist(d, a);
		if (vscmid_transport_add(d, a, err, sizeof(err)) < 0) {
			log_err("%s; the agent has no channel until a reload opens it", err);
			failed++;
		}
		xen_backend_agent_added(d->xb, a);
		log_notice("agent %s: added with id %u", nd->name, scmi_agent_id(a));
	}

	if (failed)
		log_err("reload: %s applied in part: %u agents added, %u removed, %u changed; "
			"%u not served as configured, which the next reload tries again",
			d->cfg->path, added, removed, changed, failed);
	else
		log_notice("reload: %s applied: %u agents added, %u removed, %u changed, "
			   "%u unchanged",
			   d->cfg->path, added, removed, changed, live - removed - changed);
	vscmid_notify_status(d, "");
}

void vscmid_reload(struct vscmid *d)
{
	struct vscmi_config *cfg = NULL;
	const char *fixed;
	char err[512];
	int r = vscmi_config_load(d->cfg->path, &cfg, err, sizeof(err));

	if (r == 0 && d->runtime_dir[0])
		r = vscmid_runtime_dir(cfg, d->runtime_dir, err, sizeof(err));
	if (r < 0) {
		log_err("reload refused, the running configuration stays: %s", err);
		goto out;
	}
	if (vscmi_model_equal(&cfg->model, &d->cfg->model) && !reload_fixed_differs(d->cfg, cfg) &&
	    !reload_unfinished(d)) {
		log_info("reload: %s is unchanged", d->cfg->path);
		reload_daemon_live(d, cfg);
		goto out;
	}
	fixed = reload_fixed_differs(d->cfg, cfg);
	if (fixed) {
		log_warn("reload: %s changes %s, which only a restart applies (a restart keeps "
			 "every vote); the running configuration stays", d->cfg->path, fixed);
		goto out;
	}
	reload_apply(d, cfg);
out:
	vscmi_config_free(cfg);
}
