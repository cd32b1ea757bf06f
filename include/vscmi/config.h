/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmid.conf: the model plus the daemon's own settings. */
#ifndef VSCMI_CONFIG_H
#define VSCMI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "vscmi/model.h"

/* A group that may use the control socket: a name resolved at load, or a
 * number as written. */
struct vscmi_ctl_group {
	bool set;
	gid_t gid;
	char name[64];			/* as written, for messages */
};

struct vscmi_config {
	struct vscmi_model model;
	char path[4096];		/* file it was read from */
	char control[108];		/* control socket path */
	char socket_dir[80];		/* default directory for agent sockets */
	/* After a restart, how long an agent whose votes came back from the
	 * journal has to reconnect before they are released. */
	uint32_t restart_grace_s;
	char platform[32];		/* "emulated" or "linux-raw" */
	char raw_dir[256];		/* linux-raw: the debugfs scmi directory */
	uint32_t raw_instance;		/* scmi/<n> */
	int raw_channel;		/* raw/channels/0xNN, or -1 */
	uint32_t upstream_timeout_ms;
	/* Who besides root may use the control socket: readers may look,
	 * admins may also change (see src/daemon/control.c). Neither set:
	 * the socket's mode alone decides, as without these keys. */
	struct vscmi_ctl_group ctl_read, ctl_admin;
};

/* Parses and validates path. On error returns -errno and writes
 * "FILE:LINE: what is wrong" into err. */
int vscmi_config_load(const char *path, struct vscmi_config **out, char *err, size_t errlen);
/* The same from an open stream (a file, or memory through fmemopen),
 * named path in errors and in cfg->path. */
int vscmi_config_read(FILE *f, const char *path, struct vscmi_config **out, char *err,
		      size_t errlen);
void vscmi_config_free(struct vscmi_config *cfg);

#endif
