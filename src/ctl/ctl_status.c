/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmictl status, agents, resources and release: the daemon's state as
 * text tables, and an agent's votes withdrawn. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "vscmi/control.h"
#include "ctl.h"

/* The reply to show as a table; with --json it is printed as it came and
 * *out is NULL. */
static int ctl_query(struct ctl *ctl, const char *command, struct json_object **out)
{
	int r = ctl_request(ctl, command, NULL, out);

	if (r == EXIT_OK && ctl->json) {
		ctl_print_json(*out);
		json_object_put(*out);
		*out = NULL;
	}
	return r;
}

/* Xen guest devices, when the daemon has a hypervisor. */
static void print_xen(struct json_object *xen)
{
	static const char *const head[] = { "DOMID", "AGENT", "STATE", "BASE", "IRQ", "MEMORY",
					     "VCPUS", "IOREQS", "CMDS", "EVENTS", "DROP",
					     "BROKEN" };
	struct table t;

	if (!json_object_is_type(xen, json_type_array)) {
		printf("\nxen: no hypervisor\n");
		return;
	}
	printf("\n");
	table_init(&t, 12);
	if (table_row(&t) == 0)
		for (int c = 0; c < 12; c++)
			table_cell(&t, c, "%s", head[c]);
	for (size_t i = 0; i < jlen(xen); i++) {
		struct json_object *g = json_object_array_get_idx(xen, i);

		if (table_row(&t))
			break;
		table_cell(&t, 0, "%lld%s", jint(g, "domid"), jbool(g, "dom0less") ? " (static)" : "");
		table_cell(&t, 1, "%s", jstr(g, "agent", "?"));
		table_cell(&t, 2, "%s", jstr(g, "state", "?"));
		table_cell(&t, 3, "0x%llx", jint(g, "base"));
		table_cell(&t, 4, "%lld", jint(g, "irq"));
		table_cell(&t, 5, "%s", jbool(g, "grants") ? "grants" : "foreign");
		table_cell(&t, 6, "%lld", jint(g, "vcpus"));
		table_cell(&t, 7, "%lld", jint(g, "ioreqs"));
		table_cell(&t, 8, "%lld", jint(g, "commands"));
		table_cell(&t, 9, "%lld", jint(g, "events"));
		table_cell(&t, 10, "%lld", jint(g, "events_dropped"));
		table_cell(&t, 11, "%lld", jint(g, "broken"));
	}
	table_print(&t);
	table_free(&t);
}

int cmd_status(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *reply, *daemon, *plat, *sys, *agents, *jr;
	struct table t;
	int r = ctl_query(ctl, VSCMI_CTL_STATUS, &reply);

	if (r || !reply)
		return r;
	daemon = jget(reply, "daemon");
	plat = jget(reply, "platform");
	sys = jget(reply, "system_request");
	printf("vscmid %s, pid %lld, up %llds, config %s\n", jstr(daemon, "version", "?"),
	       jint(daemon, "pid"), jint(daemon, "uptime_s"), jstr(daemon, "config", "?"));
	if (jstr(plat, "link", NULL)) {
		printf("platform %s: link %s, %lld commands, %lld timeouts, %lld stale replies, "
		       "%lld notifications, %lld link losses\n",
		       jstr(plat, "name", "?"), jstr(plat, "link", "?"), jint(plat, "commands"),
		       jint(plat, "timeouts"), jint(plat, "stale_replies"),
		       jint(plat, "notifications"), jint(plat, "link_losses"));
		if (jint(plat, "answered") > 0)
			printf("  commands answered: %lld, round trip %lld us mean, %lld us max\n",
			       jint(plat, "answered"), jint(plat, "round_trip_mean_us"),
			       jint(plat, "round_trip_max_us"));
	} else {
		printf("platform %s: %lld transitions, %lld refused\n", jstr(plat, "name", "?"),
		       jint(plat, "transitions"), jint(plat, "refused"));
	}
	jr = jget(reply, "journal");
	if (json_object_is_type(jr, json_type_object))
		printf("journal %s: %lld writes, %lld failed\n", jstr(jr, "dir", "?"),
		       jint(jr, "writes"), jint(jr, "errors"));
	if (json_object_is_type(sys, json_type_object))
		printf("last system request: agent %s, %s%s\n", jstr(sys, "agent", "?"),
		       jstr(sys, "state_name", "?"), jbool(sys, "graceful") ? " (graceful)" : "");
	printf("\n");

	agents = jget(reply, "agents");
	table_init(&t, 12);
	if (table_row(&t) == 0) {
		static const char *const head[] = { "ID",    "AGENT", "MATCH",   "CONN",
						     "CMDS",  "ERRS",  "MALFORM", "NOTIF",
						     "DELAY", "DROP",  "RESETS",  "SOCKET" };

		for (int c = 0; c < 12; c++)
			table_cell(&t, c, "%s", head[c]);
	}
	for (size_t i = 0; i < jlen(agents); i++) {
		struct json_object *a = json_object_array_get_idx(agents, i);

		if (table_row(&t))
			break;
		table_cell(&t, 0, "%lld", jint(a, "id"));
		table_cell(&t, 1, "%s", jstr(a, "name", "?"));
		table_cell(&t, 2, "%s", jstr(a, "match", "-"));
		table_cell(&t, 3, "%s", jbool(a, "connected") ? "yes" : "no");
		table_cell(&t, 4, "%lld", jint(a, "commands"));
		table_cell(&t, 5, "%lld", jint(a, "errors"));
		table_cell(&t, 6, "%lld", jint(a, "malformed"));
		table_cell(&t, 7, "%lld", jint(a, "notifications"));
		table_cell(&t, 8, "%lld", jint(a, "delayed"));
		table_cell(&t, 9, "%lld", jint(a, "dropped") + jint(a, "replies_dropped"));
		table_cell(&t, 10, "%lld", jint(a, "resets"));
		if (jstr(a, "vhost", NULL))
			table_cell(&t, 11, "vhost-user %s", jstr(a, "vhost", ""));
		else
			table_cell(&t, 11, "%s", jstr(a, "socket", "-"));
	}
	table_print(&t);
	table_free(&t);
	print_xen(jget(reply, "xen"));
	json_object_put(reply);
	return EXIT_OK;
}

int cmd_agents(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *reply, *agents;
	struct table t, v;
	int r = ctl_query(ctl, VSCMI_CTL_AGENTS, &reply);

	if (r || !reply)
		return r;
	agents = jget(reply, "agents");
	table_init(&t, 5);
	table_init(&v, 5);
	if (table_row(&t) == 0) {
		table_cell(&t, 0, "ID");
		table_cell(&t, 1, "AGENT");
		table_cell(&t, 2, "PRIV");
		table_cell(&t, 3, "MATCH");
		table_cell(&t, 4, "PROTOCOLS");
	}
	if (table_row(&v) == 0) {
		table_cell(&v, 0, "AGENT");
		table_cell(&v, 1, "KIND");
		table_cell(&v, 2, "ID");
		table_cell(&v, 3, "NAME");
		table_cell(&v, 4, "RESOURCE");
	}
	for (size_t i = 0; i < jlen(agents); i++) {
		struct json_object *a = json_object_array_get_idx(agents, i);
		struct json_object *protos = jget(a, "protocols");
		char list[256] = "";
		size_t off = 0;

		for (size_t p = 0; p < jlen(protos) && off < sizeof(list); p++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", p ? " " : "",
						json_object_get_string(
							json_object_array_get_idx(protos, p)));
		if (table_row(&t))
			break;
		table_cell(&t, 0, "%lld", jint(a, "id"));
		table_cell(&t, 1, "%s", jstr(a, "name", "?"));
		table_cell(&t, 2, "%s", jbool(a, "privileged") ? "yes" : "no");
		table_cell(&t, 3, "%s", jstr(a, "match", "-"));
		table_cell(&t, 4, "%s", list);
		json_object_object_foreach(jget(a, "views"), kind, arr)
		{
			for (size_t k = 0; k < jlen(arr); k++) {
				struct json_object *e = json_object_array_get_idx(arr, k);

				if (table_row(&v))
					break;
				table_cell(&v, 0, "%s", jstr(a, "name", "?"));
				table_cell(&v, 1, "%s", kind);
				table_cell(&v, 2, "%lld", jint(e, "id"));
				table_cell(&v, 3, "%s", jstr(e, "name", "?"));
				table_cell(&v, 4, "%s", jstr(e, "resource", "?"));
			}
		}
	}
	table_print(&t);
	printf("\n");
	table_print(&v);
	table_free(&t);
	table_free(&v);
	json_object_put(reply);
	return EXIT_OK;
}

static void fmt_hz(char *buf, size_t cap, long long hz)
{
	if (hz >= 1000000 && hz % 1000 == 0)
		snprintf(buf, cap, "%g MHz", (double)hz / 1e6);
	else if (hz >= 1000 && hz % 1000 == 0)
		snprintf(buf, cap, "%lld kHz", hz / 1000);
	else
		snprintf(buf, cap, "%lld Hz", hz);
}

/* "on 1188 MHz", "asserted", "ret", "level 3 [1..5]": what a state or a
 * vote object holds, in words. */
static void fmt_state(char *buf, size_t cap, struct json_object *st)
{
	size_t off = 0;
	char tmp[64];

	buf[0] = '\0';
#define APPEND(...)                                                                      \
	do {                                                                               \
		if (off < cap)                                                             \
			off += (size_t)snprintf(buf + off, cap - off, __VA_ARGS__);        \
	} while (0)
	if (jget(st, "on"))
		APPEND("%s", jbool(st, "on") ? "on" : "off");
	if (jget(st, "rate")) {
		fmt_hz(tmp, sizeof(tmp), jint(st, "rate"));
		APPEND("%s%s", off ? " " : "", tmp);
	}
	if (jget(st, "level_uv"))
		APPEND("%s%lld uV", off ? " " : "", jint(st, "level_uv"));
	if (jget(st, "state"))
		APPEND("%s%s", off ? " " : "", jstr(st, "state", "?"));
	if (jget(st, "asserted"))
		APPEND("%s%s", off ? " " : "", jbool(st, "asserted") ? "asserted" : "deasserted");
	if (jget(st, "level"))
		APPEND("%slevel %lld", off ? " " : "", jint(st, "level"));
	if (jget(st, "min"))
		APPEND("%slimits %lld..%lld", off ? " " : "", jint(st, "min"), jint(st, "max"));
	if (jget(st, "reading"))
		APPEND("%sreading %lld", off ? " " : "", jint(st, "reading"));
	if (jget(st, "owned") && !jbool(st, "owned"))
		APPEND("%snot held", off ? " " : "");
	if (jget(st, "function"))
		APPEND("%s%s", off ? " " : "", jstr(st, "function", "?"));
	if (jget(st, "configs")) {
		json_object_object_foreach(jget(st, "configs"), cname, cval)
			APPEND("%s%s=%lld", off ? " " : "", cname,
			       (long long)json_object_get_int64(cval));
	}
	if (jget(st, "cap") && jint(st, "cap") == 0)
		APPEND("%suncapped", off ? " " : "");
	else if (jget(st, "cap"))
		APPEND("%scap %lld %s", off ? " " : "", jint(st, "cap"), jstr(st, "unit", ""));
	if (jget(st, "pai_us"))
		APPEND("%spai %lld us", off ? " " : "", jint(st, "pai_us"));
	if (jget(st, "power"))
		APPEND("%spower %lld %s", off ? " " : "", jint(st, "power"), jstr(st, "unit", ""));
	if (!off)
		APPEND("-");
#undef APPEND
}

int cmd_resources(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *reply;
	struct table t;
	int r = ctl_query(ctl, VSCMI_CTL_RESOURCES, &reply);

	if (r || !reply)
		return r;
	table_init(&t, 7);
	if (table_row(&t) == 0) {
		static const char *const head[] = { "KIND",  "RESOURCE", "ID",	"PARENT",
						     "USERS", "STATE",    "VOTES" };

		for (int c = 0; c < 7; c++)
			table_cell(&t, c, "%s", head[c]);
	}
	json_object_object_foreach(jget(reply, "resources"), kind, arr)
	{
		for (size_t i = 0; i < jlen(arr); i++) {
			struct json_object *res = json_object_array_get_idx(arr, i);
			struct json_object *votes = jget(res, "votes");
			char state[512], votestr[1024] = "";
			size_t off = 0;

			fmt_state(state, sizeof(state), jget(res, "state"));
			/* a pin's holder; a group's or a function's members */
			if (jget(res, "owner"))
				snprintf(state + strlen(state), sizeof(state) - strlen(state),
					 ", held by %s", jstr(res, "owner", "?"));
			for (size_t e = 0; e < jlen(jget(res, "members")); e++)
				snprintf(state + (e ? strlen(state) : 0),
					 sizeof(state) - (e ? strlen(state) : 0), "%s%s", e ? " " : "",
					 json_object_get_string(
						 json_object_array_get_idx(jget(res, "members"), e)));
			/* the boot vote first, while nobody has taken it over */
			if (jget(res, "boot")) {
				char vs[128];

				fmt_state(vs, sizeof(vs), jget(res, "boot"));
				off += (size_t)snprintf(votestr, sizeof(votestr), "boot: %s", vs);
			}
			for (size_t v = 0; v < jlen(votes) && off < sizeof(votestr); v++) {
				struct json_object *vo = json_object_array_get_idx(votes, v);
				char vs[128];

				fmt_state(vs, sizeof(vs), vo);
				off += (size_t)snprintf(votestr + off, sizeof(votestr) - off,
							"%s%s: %s", off ? ", " : "",
							jstr(vo, "agent", "?"), vs);
			}
			if (table_row(&t))
				break;
			table_cell(&t, 0, "%s", kind);
			table_cell(&t, 1, "%s", jstr(res, "name", "?"));
			table_cell(&t, 2, "%lld", jint(res, "id"));
			table_cell(&t, 3, "%s", jstr(res, "parent", "-"));
			table_cell(&t, 4, "%lld", jint(res, "users"));
			table_cell(&t, 5, "%s", state);
			table_cell(&t, 6, "%s", off ? votestr : "-");
		}
	}
	table_print(&t);
	table_free(&t);
	json_object_put(reply);
	return EXIT_OK;
}

int cmd_release(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *reply;
	int r = ctl_request(ctl, VSCMI_CTL_RELEASE, argv[1], &reply);

	if (r)
		return r;
	if (ctl->json)
		ctl_print_json(reply);
	else
		printf("released agent %s%s\n", jstr(reply, "agent", argv[1]),
		       jbool(reply, "was_connected") ? ", its connection closed" : "");
	json_object_put(reply);
	return EXIT_OK;
}

int cmd_system(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *reply;
	int r;

	ctl->state = argv[0];
	r = ctl_request(ctl, VSCMI_CTL_SYSTEM, argv[1], &reply);
	if (r)
		return r;
	if (ctl->json)
		ctl_print_json(reply);
	else
		printf("asked agent %s for a graceful %s\n", jstr(reply, "agent", argv[1]),
		       jstr(reply, VSCMI_CTL_KEY_STATE, argv[0]));
	json_object_put(reply);
	return EXIT_OK;
}
