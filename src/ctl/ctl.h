/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmictl internals shared by its files: the client's state and exit
 * codes, the control-socket request, JSON accessors, text tables and the
 * commands. */
#ifndef VSCMI_CTL_H
#define VSCMI_CTL_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

enum {
	EXIT_OK = 0,
	EXIT_DAEMON = 1,	/* the daemon answered with an error */
	EXIT_USAGE = 2,
	EXIT_CONNECT = 3,	/* no daemon to talk to */
	EXIT_DENIED = 4,	/* the daemon refused the command to this user */
};

struct ctl {
	const char *socket;
	const char *socket_from;	/* where socket came from, for errors */
	bool json;
	bool xen;			/* gen-dt --xen */
	const char *state;		/* the request's "state" (system), or NULL */
};

/* ctl_client.c */

/* Sends one request and returns the reply, or an exit code. With keep,
 * the connection stays open for what follows (a trace) and *keep gets it. */
int ctl_request_keep(struct ctl *ctl, const char *command, const char *agent,
		     struct json_object **out, int *keep);
int ctl_request(struct ctl *ctl, const char *command, const char *agent,
		struct json_object **out);
void ctl_print_json(struct json_object *reply);

/* JSON accessors that tolerate missing members */
struct json_object *jget(struct json_object *o, const char *key);
const char *jstr(struct json_object *o, const char *key, const char *dflt);
long long jint(struct json_object *o, const char *key);
bool jbool(struct json_object *o, const char *key);
size_t jlen(struct json_object *arr);

/* ctl_table.c: aligned text tables */

#define TABLE_COLS 16

struct table {
	int ncols;
	int nrows, cap;
	char *(*rows)[TABLE_COLS];
};

void table_init(struct table *t, int ncols);
/* Adds an empty row, the one table_cell fills. */
int table_row(struct table *t);
void table_cell(struct table *t, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void table_print(struct table *t);
void table_free(struct table *t);

/* The commands, in vscmictl.c's table; argv[0] is the command's name. */

/* ctl_status.c */
int cmd_status(struct ctl *ctl, int argc, char **argv);
int cmd_agents(struct ctl *ctl, int argc, char **argv);
int cmd_resources(struct ctl *ctl, int argc, char **argv);
int cmd_release(struct ctl *ctl, int argc, char **argv);
/* shutdown, reboot: the name is the state asked for */
int cmd_system(struct ctl *ctl, int argc, char **argv);
/* ctl_trace.c */
int cmd_trace(struct ctl *ctl, int argc, char **argv);
/* ctl_gendt.c */
int cmd_gen_dt(struct ctl *ctl, int argc, char **argv);

#endif
