/* vscmictl: a thin client of vscmid's control socket. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vscmi-build.h"
#include "vscmi/control.h"
#include "vscmi/scmi_wire.h"

enum {
	EXIT_OK = 0,
	EXIT_DAEMON = 1,	/* the daemon answered with an error */
	EXIT_USAGE = 2,
	EXIT_CONNECT = 3,	/* no daemon to talk to */
};

#define CTL_TIMEOUT_S 10

struct ctl {
	const char *socket;
	const char *socket_from;	/* where socket came from, for errors */
	bool json;
	bool xen;			/* gen-dt --xen */
};

/* Options a command takes besides the global ones. */
enum {
	CTL_OPT_XEN = 1u << 0,
};

struct ctl_cmd {
	const char *name;
	const char *args;
	int nargs;		/* -1: the command checks its own */
	unsigned int opts;	/* CTL_OPT_* it accepts */
	int (*fn)(struct ctl *ctl, int argc, char **argv);	/* argv[0]: its name */
	const char *help;
	const char *more;	/* its options and details, for COMMAND -h */
};

/* Aligned text tables */

#define TABLE_COLS 16

struct table {
	int ncols;
	int nrows, cap;
	char *(*rows)[TABLE_COLS];
};

static void table_init(struct table *t, int ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

__attribute__((format(printf, 3, 4))) static void table_cell(struct table *t, int col,
							     const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	free(t->rows[t->nrows - 1][col]);
	t->rows[t->nrows - 1][col] = s;
}

static int table_row(struct table *t)
{
	if (t->nrows == t->cap) {
		int cap = t->cap ? t->cap * 2 : 16;
		void *p = realloc(t->rows, (size_t)cap * sizeof(*t->rows));

		if (!p)
			return -ENOMEM;
		t->rows = p;
		t->cap = cap;
	}
	memset(t->rows[t->nrows], 0, sizeof(t->rows[0]));
	t->nrows++;
	return 0;
}

static void table_print(struct table *t)
{
	int width[TABLE_COLS] = { 0 };

	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++)
			if (t->rows[r][c] && (int)strlen(t->rows[r][c]) > width[c])
				width[c] = (int)strlen(t->rows[r][c]);
	for (int r = 0; r < t->nrows; r++) {
		int last = t->ncols - 1;

		while (last > 0 && !t->rows[r][last])
			last--;
		for (int c = 0; c <= last; c++) {
			const char *s = t->rows[r][c] ? t->rows[r][c] : "";

			if (c == last)
				printf("%s\n", s);
			else
				printf("%-*s  ", width[c], s);
		}
	}
}

static void table_free(struct table *t)
{
	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++)
			free(t->rows[r][c]);
	free(t->rows);
	t->rows = NULL;
	t->nrows = t->cap = 0;
}

/* JSON accessors that tolerate missing members */

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o && json_object_object_get_ex(o, key, &v))
		return v;
	return NULL;
}

static const char *jstr(struct json_object *o, const char *key, const char *dflt)
{
	struct json_object *v = jget(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : dflt;
}

static long long jint(struct json_object *o, const char *key)
{
	return (long long)json_object_get_int64(jget(o, key));
}

static bool jbool(struct json_object *o, const char *key)
{
	return json_object_get_boolean(jget(o, key));
}

static size_t jlen(struct json_object *arr)
{
	return json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
}

/* Talking to the daemon */

static int ctl_connect(const struct ctl *ctl)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CTL_TIMEOUT_S };
	int fd;

	if (strlen(ctl->socket) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vscmictl: socket path too long: %s\n", ctl->socket);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, ctl->socket);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		fprintf(stderr, "vscmictl: cannot connect to %s (%s): %s\n", ctl->socket,
			ctl->socket_from, strerror(errno));
		if (r == -ENOENT || r == -ECONNREFUSED)
			fprintf(stderr, "vscmictl: is vscmid running? (systemctl status vscmid) "
					"Its control socket is <runtime-dir>/control; "
					"--socket PATH or $%s names another.\n",
				VSCMI_CONTROL_ENV);
		else if (r == -EACCES || r == -EPERM)
			fprintf(stderr, "vscmictl: the control socket is for vscmid's user and "
					"group (mode 0660); try with sudo\n");
		if (fd >= 0)
			close(fd);
		return r;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Sends one request and returns the reply, or an exit code. With keep,
 * the connection stays open for what follows (a trace) and *keep gets it. */
static int ctl_request_keep(struct ctl *ctl, const char *command, const char *agent,
			    struct json_object **out, int *keep)
{
	struct json_object *req, *reply = NULL;
	const char *s;
	char *buf = NULL;
	ssize_t n;
	int fd, ret = EXIT_CONNECT;

	*out = NULL;
	fd = ctl_connect(ctl);
	if (fd < 0)
		return EXIT_CONNECT;
	req = json_object_new_object();
	json_object_object_add(req, VSCMI_CTL_KEY_VERSION,
			       json_object_new_int(VSCMI_CONTROL_VERSION));
	json_object_object_add(req, VSCMI_CTL_KEY_COMMAND, json_object_new_string(command));
	if (agent)
		json_object_object_add(req, VSCMI_CTL_KEY_AGENT, json_object_new_string(agent));
	s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	if (send(fd, s, strlen(s), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "vscmictl: %s: send: %s\n", ctl->socket, strerror(errno));
		goto out;
	}
	buf = malloc(VSCMI_CONTROL_REPLY_MAX + 1);
	if (!buf) {
		fprintf(stderr, "vscmictl: out of memory\n");
		goto out;
	}
	n = recv(fd, buf, VSCMI_CONTROL_REPLY_MAX + 1, MSG_TRUNC);
	if (n <= 0) {
		fprintf(stderr, "vscmictl: %s: no reply: %s\n", ctl->socket,
			n == 0 ? "connection closed" : strerror(errno));
		goto out;
	}
	if (n > VSCMI_CONTROL_REPLY_MAX) {
		fprintf(stderr, "vscmictl: %s: reply too large (%zd bytes)\n", ctl->socket, n);
		goto out;
	}
	buf[n] = '\0';
	reply = json_tokener_parse(buf);
	if (!json_object_is_type(reply, json_type_object)) {
		fprintf(stderr, "vscmictl: %s: the reply is not a JSON object\n", ctl->socket);
		json_object_put(reply);
		ret = EXIT_DAEMON;
		goto out;
	}
	if (jint(reply, VSCMI_CTL_KEY_VERSION) != VSCMI_CONTROL_VERSION)
		fprintf(stderr, "vscmictl: the daemon speaks control protocol version %lld, "
				"this client %d\n",
			jint(reply, VSCMI_CTL_KEY_VERSION), VSCMI_CONTROL_VERSION);
	if (!jbool(reply, VSCMI_CTL_KEY_OK)) {
		fprintf(stderr, "vscmictl: %s\n", jstr(reply, VSCMI_CTL_KEY_ERROR, "unknown error"));
		json_object_put(reply);
		ret = EXIT_DAEMON;
		goto out;
	}
	*out = reply;
	ret = EXIT_OK;
	if (keep) {
		*keep = fd;
		fd = -1;
	}
out:
	free(buf);
	json_object_put(req);
	if (fd >= 0)
		close(fd);
	return ret;
}

static int ctl_request(struct ctl *ctl, const char *command, const char *agent,
		       struct json_object **out)
{
	return ctl_request_keep(ctl, command, agent, out, NULL);
}

static void print_json(struct json_object *reply)
{
	printf("%s\n", json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_SPACED |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* Commands */

/* The reply to show as a table; with --json it is printed as it came and
 * *out is NULL. */
static int ctl_query(struct ctl *ctl, const char *command, struct json_object **out)
{
	int r = ctl_request(ctl, command, NULL, out);

	if (r == EXIT_OK && ctl->json) {
		print_json(*out);
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

static int cmd_status(struct ctl *ctl, int argc, char **argv)
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

static int cmd_agents(struct ctl *ctl, int argc, char **argv)
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
	if (!off)
		APPEND("-");
#undef APPEND
}

static int cmd_resources(struct ctl *ctl, int argc, char **argv)
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
			char state[128], votestr[1024] = "";
			size_t off = 0;

			fmt_state(state, sizeof(state), jget(res, "state"));
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

static int cmd_release(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *reply;
	int r = ctl_request(ctl, VSCMI_CTL_RELEASE, argv[1], &reply);

	if (r)
		return r;
	if (ctl->json)
		print_json(reply);
	else
		printf("released agent %s%s\n", jstr(reply, "agent", argv[1]),
		       jbool(reply, "was_connected") ? ", its connection closed" : "");
	json_object_put(reply);
	return EXIT_OK;
}

/* trace: one line per SCMI command, until interrupted */

/* The little-endian words of a message the daemon sent as hex: the header
 * first. Returns how many were read, at most cap. */
static size_t trace_words(const char *hexs, uint32_t *w, size_t cap)
{
	size_t n = 0, len = strlen(hexs);

	for (; n < cap && (n + 1) * 8 <= len; n++) {
		w[n] = 0;
		for (int b = 0; b < 4; b++) {
			unsigned int byte;

			if (sscanf(hexs + n * 8 + b * 2, "%2x", &byte) != 1)
				return n;
			w[n] |= (uint32_t)byte << (8 * b);
		}
	}
	return n;
}

/* What the command asked and, for reads, what came back, for the
 * commands an operator follows most: gates, rates, levels, states,
 * resets, readings. The value is word at (and at + 1 for 64 bits) of the
 * request, or of a successful reply; word 0 is the header, and a reply's
 * word 1 its status. */
enum trace_form {
	TF_ON_OFF,		/* bit 0 */
	TF_U64,
	TF_S64,
	TF_HEX,
	TF_S32,
	TF_RESET,		/* RESET's flags */
	TF_LIMITS,		/* max, then min */
};

static const struct trace_decoder {
	uint8_t proto, msg;
	enum trace_form form;
	bool reply;
	uint8_t at;
	const char *unit;
} trace_decoders[] = {
	{ SCMI_PROTO_CLOCK, SCMI_CLOCK_CONFIG_SET, TF_ON_OFF, false, 2, NULL },
	{ SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_SET, TF_U64, false, 3, "Hz" },
	{ SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_GET, TF_U64, true, 2, "Hz" },
	{ SCMI_PROTO_POWER, SCMI_POWER_STATE_SET, TF_HEX, false, 3, NULL },
	{ SCMI_PROTO_POWER, SCMI_POWER_STATE_GET, TF_HEX, true, 2, NULL },
	{ SCMI_PROTO_RESET, SCMI_RESET_RESET, TF_RESET, false, 2, NULL },
	{ SCMI_PROTO_VOLTAGE, SCMI_VOLTAGE_CONFIG_SET, TF_ON_OFF, false, 2, NULL },
	{ SCMI_PROTO_VOLTAGE, SCMI_VOLTAGE_LEVEL_SET, TF_S32, false, 3, "uV" },
	{ SCMI_PROTO_VOLTAGE, SCMI_VOLTAGE_LEVEL_GET, TF_S32, true, 2, "uV" },
	{ SCMI_PROTO_PERF, SCMI_PERF_LIMITS_SET, TF_LIMITS, false, 2, NULL },
	{ SCMI_PROTO_PERF, SCMI_PERF_LEVEL_SET, TF_HEX, false, 2, NULL },
	{ SCMI_PROTO_PERF, SCMI_PERF_LEVEL_GET, TF_HEX, true, 2, NULL },
	{ SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, TF_S64, true, 2, NULL },
	{ SCMI_PROTO_SYSTEM, SCMI_SYSTEM_POWER_STATE_SET, TF_HEX, false, 2, NULL },
};

static void trace_decode(struct json_object *t, char *out, size_t cap)
{
	long long proto = jint(t, "protocol_id"), msg = jint(t, "message_id");
	const struct trace_decoder *td = NULL;
	uint32_t w[8];
	const char *arrow, *unit, *sp;
	uint64_t v64;
	size_t n;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(trace_decoders) / sizeof(trace_decoders[0]); i++)
		if (trace_decoders[i].proto == proto && trace_decoders[i].msg == msg)
			td = &trace_decoders[i];
	if (!td)
		return;
	n = trace_words(jstr(t, td->reply ? "reply" : "request", ""), w, 8);
	if (td->reply && (n < 2 || w[1] != 0))
		return;
	/* two words for the 64-bit forms and the limits */
	if (n <= td->at || (n <= td->at + 1u && (td->form == TF_U64 || td->form == TF_S64 ||
						 td->form == TF_LIMITS)))
		return;
	arrow = td->reply ? "-> " : "";
	unit = td->unit ? td->unit : "";
	sp = td->unit ? " " : "";
	v64 = w[td->at] | (td->at + 1u < n ? (uint64_t)w[td->at + 1] << 32 : 0);
	switch (td->form) {
	case TF_ON_OFF:
		snprintf(out, cap, "%s%s", arrow, w[td->at] & 1 ? "on" : "off");
		break;
	case TF_U64:
		snprintf(out, cap, "%s%llu%s%s", arrow, (unsigned long long)v64, sp, unit);
		break;
	case TF_S64:
		snprintf(out, cap, "%s%lld%s%s", arrow, (long long)v64, sp, unit);
		break;
	case TF_HEX:
		snprintf(out, cap, "%s0x%x", arrow, w[td->at]);
		break;
	case TF_S32:
		snprintf(out, cap, "%s%d%s%s", arrow, (int32_t)w[td->at], sp, unit);
		break;
	case TF_RESET:
		snprintf(out, cap, "%s", w[td->at] & 1   ? "autonomous reset"
					 : w[td->at] & 2 ? "assert"
							 : "deassert");
		break;
	case TF_LIMITS:
		snprintf(out, cap, "max 0x%x min 0x%x", w[td->at], w[td->at + 1]);
		break;
	}
}

static void print_trace(struct json_object *t)
{
	long long us = jint(t, "time_us");
	time_t sec = (time_t)(us / 1000000);
	struct tm tm;
	char when[16] = "?", res[96] = "", what[64];

	if (localtime_r(&sec, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	if (jstr(t, "resource", NULL))
		snprintf(res, sizeof(res), "%s (%s)", jstr(t, "resource", "?"),
			 jstr(t, "physical", "?"));
	trace_decode(t, what, sizeof(what));
	printf("%s.%06lld %-12s %-7s %-36s %-24s %-16s token %-4lld %s  req %s  reply %s\n",
	       when, us % 1000000, jstr(t, "agent", "?"), jstr(t, "protocol", "?"),
	       jstr(t, "message", "?"), res[0] ? res : "-", what[0] ? what : "-",
	       jint(t, "token"), jstr(t, "status", "?"), jstr(t, "request", ""),
	       jstr(t, "reply", ""));
	fflush(stdout);
}

static int cmd_trace(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *reply;
	struct timeval none = { 0 };
	char *buf;
	int fd, r;

	if (argc > 2) {
		fprintf(stderr, "Usage: vscmictl trace [AGENT]\n");
		return EXIT_USAGE;
	}
	r = ctl_request_keep(ctl, VSCMI_CTL_TRACE, argc == 2 ? argv[1] : NULL, &reply, &fd);
	if (r)
		return r;
	json_object_put(reply);
	buf = malloc(VSCMI_CONTROL_REPLY_MAX + 1);
	if (!buf) {
		close(fd);
		return EXIT_DAEMON;
	}
	/* Lines come when guests talk: wait for them without a timeout. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	for (;;) {
		ssize_t n = recv(fd, buf, VSCMI_CONTROL_REPLY_MAX, 0);
		struct json_object *o, *t;

		if (n <= 0)
			break;
		buf[n] = '\0';
		o = json_tokener_parse(buf);
		if (json_object_object_get_ex(o, "trace", &t)) {
			if (ctl->json)
				printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
			else
				print_trace(t);
			fflush(stdout);
		}
		json_object_put(o);
	}
	free(buf);
	close(fd);
	fprintf(stderr, "vscmictl: the daemon closed the trace\n");
	return EXIT_CONNECT;
}

/* gen-dt: the guest's arm,scmi-virtio node, from the agents reply alone */

/* One protocol node: the provider property Linux's driver for it reads,
 * and how a consumer names one of its IDs. In protocol ID order, the
 * order of nodes in a device tree. */
struct dt_proto {
	const char *name;	/* in "protocols" and "views" */
	unsigned int id;
	const char *label;
	const char *cells;	/* provider property; NULL: none */
	const char *consumer;	/* consumer property; NULL: none */
	unsigned int flags;
};

#define DT_NO_IDS 0x1		/* a node whenever the agent may use it */
#define DT_REGULATORS 0x2	/* a node per ID, which consumers name */

static const struct dt_proto dt_protos[] = {
	{ "power", SCMI_PROTO_POWER, "scmi_pd", "#power-domain-cells", "power-domains", 0 },
	/* Linux binds its system power driver, which hears the platform's
	 * shutdown and reboot requests, to this node */
	{ "system", SCMI_PROTO_SYSTEM, "scmi_sys_power", NULL, NULL, DT_NO_IDS },
	/* Linux's scmi-perf-domain: performance domains as power domains */
	{ "perf", SCMI_PROTO_PERF, "scmi_perf", "#power-domain-cells", "power-domains", 0 },
	{ "clock", SCMI_PROTO_CLOCK, "scmi_clk", "#clock-cells", "clocks", 0 },
	{ "sensor", SCMI_PROTO_SENSOR, "scmi_sensor", "#thermal-sensor-cells", "thermal-sensors", 0 },
	{ "reset", SCMI_PROTO_RESET, "scmi_reset", "#reset-cells", "resets", 0 },
	{ "voltage", SCMI_PROTO_VOLTAGE, "scmi_voltage", NULL, NULL, DT_REGULATORS },
};

#define DT_NPROTOS (sizeof(dt_protos) / sizeof(dt_protos[0]))

/* Linux's virtio transport sizes its buffers for this by default. */
#define DT_DEFAULT_MSG_SIZE 128
/* Xen's public/arch-arm.h GUEST_PHANDLE_GIC: the guest's interrupt
 * controller in every tree Xen or libxl builds. */
#define DT_XEN_GIC_PHANDLE 65000
/* The virtio-mmio register window vscmid serves. */
#define DT_VIRTIO_MMIO_SIZE 0x200

struct dt_out {
	FILE *f;
	int depth;
};

__attribute__((format(printf, 2, 3))) static void dt_line(struct dt_out *o, const char *fmt,
							  ...)
{
	va_list ap;

	for (int i = 0; i < o->depth; i++)
		fputc('\t', o->f);
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	fputc('\n', o->f);
}

static void dt_blank(struct dt_out *o)
{
	fputc('\n', o->f);
}

#define dt_open(o, ...)                \
	do {                           \
		dt_line(o, __VA_ARGS__); \
		(o)->depth++;          \
	} while (0)

static void dt_close(struct dt_out *o)
{
	o->depth--;
	dt_line(o, "};");
}

/* The config allows only A-Z a-z 0-9 _ - . in names, but the reply is the
 * daemon's word: anything else must not end a string or a comment early. */
static const char *dt_safe(char *buf, size_t cap, const char *s, char bad)
{
	size_t n = 0;

	for (; *s && n + 1 < cap; s++)
		buf[n++] = isalnum((unsigned char)*s) || strchr("_-.", *s) ? *s : bad;
	buf[n] = '\0';
	return buf;
}

static bool jhas_string(struct json_object *arr, const char *s)
{
	for (size_t i = 0; i < jlen(arr); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(arr, i));

		if (e && strcmp(e, s) == 0)
			return true;
	}
	return false;
}

/* The views of a protocol the agent may use, or NULL. */
static struct json_object *dt_views(struct json_object *agent, const struct dt_proto *p)
{
	if (!jhas_string(jget(agent, "protocols"), p->name))
		return NULL;
	return jget(jget(agent, "views"), p->name);
}

static bool dt_emitted(struct json_object *agent, const struct dt_proto *p)
{
	if (!jhas_string(jget(agent, "protocols"), p->name))
		return false;
	return (p->flags & DT_NO_IDS) || jlen(dt_views(agent, p)) > 0;
}

/* A name as the tail of a label, which takes only A-Z a-z 0-9 _. */
static const char *dt_label_tail(char *buf, size_t cap, struct json_object *view)
{
	dt_safe(buf, cap, jstr(view, "name", "?"), '_');
	for (char *c = buf; *c; c++)
		if (!isalnum((unsigned char)*c))
			*c = '_';
	return buf;
}

/* A regulator's label: scmi_reg_NAME, or scmi_reg<ID> when two names
 * differ only in characters a label cannot hold. */
static void dt_reg_label(char *buf, size_t cap, struct json_object *views, size_t idx)
{
	struct json_object *v = json_object_array_get_idx(views, idx);
	char mine[80], other[80];

	dt_label_tail(mine, sizeof(mine), v);
	for (size_t i = 0; i < jlen(views); i++) {
		if (i != idx && strcmp(mine, dt_label_tail(other, sizeof(other),
							json_object_array_get_idx(views, i))) == 0) {
			snprintf(buf, cap, "scmi_reg%lld", jint(v, "id"));
			return;
		}
	}
	snprintf(buf, cap, "scmi_reg_%s", mine);
}

/* The widest name the agent sees, for the table in the comment. */
static int dt_name_width(struct json_object *agent)
{
	char name[80];
	int width = 0;

	for (size_t p = 0; p < DT_NPROTOS; p++) {
		struct json_object *views = dt_views(agent, &dt_protos[p]);

		for (size_t i = 0; i < jlen(views); i++) {
			dt_safe(name, sizeof(name),
				jstr(json_object_array_get_idx(views, i), "name", "?"), '?');
			if ((int)strlen(name) > width)
				width = (int)strlen(name);
		}
	}
	return width;
}

static void dt_comment(struct dt_out *o, struct json_object *agent, const char *guest, bool xen)
{
	struct json_object *d0l = jget(agent, "dom0less");
	const char *match = jstr(agent, "match", "");
	char name[80], res[80], label[96];
	bool any = false;
	int width;

	dt_line(o, "/*");
	dt_line(o, " * SCMI over virtio for vscmid agent \"%s\", from",
		dt_safe(name, sizeof(name), jstr(agent, "name", "?"), '?'));
	dt_line(o, " * \"vscmictl gen-dt%s %s\".", xen ? " --xen" : "",
		dt_safe(label, sizeof(label), guest, '?'));
	if (strncmp(match, "domain=", 7) == 0)
		dt_line(o, " * Served to Xen domain %s.",
			dt_safe(res, sizeof(res), match + 7, '?'));
	else if (strncmp(match, "domid=", 6) == 0)
		dt_line(o, " * Served to Xen domain ID %s%s.",
			dt_safe(res, sizeof(res), match + 6, '?'),
			json_object_is_type(d0l, json_type_object) ? " (dom0less)" : "");
	dt_line(o, " *");
	dt_line(o, " * IDs as this guest sees them, and the platform's resource behind each:");
	width = dt_name_width(agent);
	for (size_t p = 0; p < DT_NPROTOS; p++) {
		struct json_object *views = dt_views(agent, &dt_protos[p]);

		for (size_t i = 0; i < jlen(views); i++) {
			struct json_object *v = json_object_array_get_idx(views, i);

			dt_safe(name, sizeof(name), jstr(v, "name", "?"), '?');
			dt_line(o, " *   %-7s %3lld = \"%s\"%*s  %s", dt_protos[p].name,
				jint(v, "id"), name, width - (int)strlen(name), "",
				dt_safe(res, sizeof(res), jstr(v, "resource", "?"), '?'));
			any = true;
		}
	}
	if (!any)
		dt_line(o, " *   none: the agent may use no protocol that has resources");
	dt_line(o, " *");
	dt_line(o, " * Consumers, for example:");
	for (size_t p = 0; p < DT_NPROTOS; p++) {
		struct json_object *views = dt_views(agent, &dt_protos[p]);

		if (!jlen(views))
			continue;
		if (dt_protos[p].consumer) {
			dt_line(o, " *   %s = <&%s %lld>;", dt_protos[p].consumer, dt_protos[p].label,
				jint(json_object_array_get_idx(views, 0), "id"));
		} else if (dt_protos[p].flags & DT_REGULATORS) {
			dt_reg_label(label, sizeof(label), views, 0);
			dt_line(o, " *   %s-supply = <&%s>;",
				dt_safe(name, sizeof(name),
					jstr(json_object_array_get_idx(views, 0), "name", "?"), '_'),
				label);
		}
	}
	dt_line(o, " *");
	if (!xen) {
		dt_line(o, " * Merge it into the guest's device tree source: /include/ this file");
		dt_line(o, " * right after that source's /dts-v1/; line. dtc joins the \"/ { };\"");
		dt_line(o, " * blocks, and the labels above are then the guest's to use.");
	} else {
		dt_line(o, " * A partial device tree for Xen. libxl copies only /passthrough (and");
		dt_line(o, " * /aliases) of the file xl.cfg's device_tree= names into the guest's");
		dt_line(o, " * tree, and Xen's dom0less builder does the same with a");
		dt_line(o, " * multiboot,device-tree module; \"firmware\" is a simple-bus under it");
		dt_line(o, " * so that Linux creates the SCMI device. dtc warns that the");
		dt_line(o, " * simple-bus children have no reg (simple_bus_reg): expected.");
		if (json_object_is_type(d0l, json_type_object)) {
			dt_line(o, " * The virtio-mmio node is here because no toolstack writes it;");
			dt_line(o, " * its interrupt-parent is the phandle Xen gives the guest's GIC,");
			dt_line(o, " * unknown to dtc (interrupts_property warning): expected too.");
		} else {
			dt_line(o, " * libxl writes the virtio-mmio node from xl.cfg's virtio= line.");
		}
	}
	dt_line(o, " */");
}

static void dt_protocol(struct dt_out *o, struct json_object *agent, const struct dt_proto *p)
{
	struct json_object *views = dt_views(agent, p);
	char name[80], label[96];

	dt_blank(o);
	dt_open(o, "%s: protocol@%x {", p->label, p->id);
	dt_line(o, "reg = <0x%x>;", p->id);
	if (p->cells)
		dt_line(o, "%s = <1>;", p->cells);
	if (p->flags & DT_REGULATORS) {
		dt_blank(o);
		dt_open(o, "regulators {");
		dt_line(o, "#address-cells = <1>;");
		dt_line(o, "#size-cells = <0>;");
		for (size_t i = 0; i < jlen(views); i++) {
			struct json_object *v = json_object_array_get_idx(views, i);
			long long id = jint(v, "id");

			dt_reg_label(label, sizeof(label), views, i);
			dt_blank(o);
			dt_open(o, "%s: regulator@%llx {", label, id);
			dt_line(o, "reg = <%lld>;", id);
			dt_line(o, "regulator-name = \"%s\";",
				dt_safe(name, sizeof(name), jstr(v, "name", "?"), '_'));
			/* without limits Linux lets consumers switch it, never set a level */
			if (jget(v, "min_uv") && jint(v, "min_uv") >= 0) {
				dt_line(o, "regulator-min-microvolt = <%lld>;", jint(v, "min_uv"));
				dt_line(o, "regulator-max-microvolt = <%lld>;", jint(v, "max_uv"));
			}
			dt_close(o);
		}
		dt_close(o);
	}
	dt_close(o);
}

static void dt_scmi(struct dt_out *o, struct json_object *agent)
{
	long long msg = jint(agent, "max_msg_size");

	dt_open(o, "scmi {");
	dt_line(o, "compatible = \"arm,scmi-virtio\";");
	dt_line(o, "#address-cells = <1>;");
	dt_line(o, "#size-cells = <0>;");
	if (msg > 0 && msg != DT_DEFAULT_MSG_SIZE) {
		/* the agent's channel, for kernels that read it; one that does
		 * not keeps 128-byte buffers, which the shorter replies fit */
		dt_line(o, "arm,max-msg-size = <%lld>;", msg);
	}
	for (size_t p = 0; p < DT_NPROTOS; p++)
		if (dt_emitted(agent, &dt_protos[p]))
			dt_protocol(o, agent, &dt_protos[p]);
	dt_close(o);
}

/* A dom0less guest's virtio-mmio device, as libxl would describe it for
 * an xl guest: SPI, edge-triggered, and with grants the grant-DMA IOMMU
 * naming the backend's domain. */
static void dt_dom0less(struct dt_out *o, struct json_object *d0l)
{
	unsigned long long base = (unsigned long long)jint(d0l, "mmio_base");

	dt_blank(o);
	dt_open(o, "virtio@%llx {", base);
	dt_line(o, "compatible = \"virtio,mmio\";");
	dt_line(o, "reg = <0x%llx 0x%llx 0x0 0x%x>;", base >> 32, base & 0xffffffffull,
		DT_VIRTIO_MMIO_SIZE);
	dt_line(o, "interrupt-parent = <%d>;", DT_XEN_GIC_PHANDLE);
	dt_line(o, "interrupts = <0 %lld 1>;", jint(d0l, "irq") - 32);
	dt_line(o, "dma-coherent;");
	if (jbool(d0l, "grant_usage"))
		dt_line(o, "iommus = <&xen_grant_dma 0>;\t/* vscmid's domain: dom0 */");
	dt_close(o);
	if (!jbool(d0l, "grant_usage"))
		return;
	dt_blank(o);
	dt_open(o, "xen_grant_dma: xen-grant-dma {");
	dt_line(o, "compatible = \"xen,grant-dma\";");
	dt_line(o, "#iommu-cells = <1>;");
	dt_close(o);
}

static void gen_dt(FILE *f, struct json_object *agent, const char *guest, bool xen)
{
	struct json_object *d0l = jget(agent, "dom0less");
	struct dt_out o = { .f = f };

	dt_line(&o, "/dts-v1/;");
	dt_blank(&o);
	dt_comment(&o, agent, guest, xen);
	dt_open(&o, "/ {");
	if (xen) {
		/* the cells of the tree Xen and libxl build for a guest */
		dt_line(&o, "#address-cells = <2>;");
		dt_line(&o, "#size-cells = <2>;");
		dt_blank(&o);
		dt_open(&o, "passthrough {");
		dt_line(&o, "compatible = \"simple-bus\";");
		dt_line(&o, "ranges;");
		dt_line(&o, "#address-cells = <2>;");
		dt_line(&o, "#size-cells = <2>;");
		dt_blank(&o);
		dt_open(&o, "firmware {");
		dt_line(&o, "compatible = \"simple-bus\";");
		dt_blank(&o);
	} else {
		dt_open(&o, "firmware {");
	}
	dt_scmi(&o, agent);
	dt_close(&o);
	if (xen) {
		if (json_object_is_type(d0l, json_type_object))
			dt_dom0less(&o, d0l);
		dt_close(&o);
	}
	dt_close(&o);
}

/* An agent by its name, else by the Xen domain name or domid it matches. */
static struct json_object *find_agent(struct json_object *agents, const char *guest)
{
	char match[96];

	for (size_t i = 0; i < jlen(agents); i++) {
		struct json_object *a = json_object_array_get_idx(agents, i);

		if (strcmp(jstr(a, "name", ""), guest) == 0)
			return a;
	}
	for (size_t i = 0; i < jlen(agents); i++) {
		struct json_object *a = json_object_array_get_idx(agents, i);
		const char *m = jstr(a, "match", "");

		snprintf(match, sizeof(match), "domain=%s", guest);
		if (strcmp(m, match) == 0)
			return a;
		snprintf(match, sizeof(match), "domid=%s", guest);
		if (strcmp(m, match) == 0)
			return a;
	}
	return NULL;
}

static int cmd_gen_dt(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *reply, *agents, *agent;
	int r;

	r = ctl_request(ctl, VSCMI_CTL_AGENTS, NULL, &reply);
	if (r)
		return r;
	agents = jget(reply, "agents");
	agent = find_agent(agents, argv[1]);
	if (!agent) {
		fprintf(stderr, "vscmictl: gen-dt: no agent or Xen domain '%s'; the daemon has:",
			argv[1]);
		for (size_t i = 0; i < jlen(agents); i++)
			fprintf(stderr, " %s", jstr(json_object_array_get_idx(agents, i), "name", "?"));
		fprintf(stderr, "\n");
		json_object_put(reply);
		return EXIT_DAEMON;
	}
	if (ctl->json)
		print_json(agent);
	else
		gen_dt(stdout, agent, argv[1], ctl->xen);
	json_object_put(reply);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "vscmictl: gen-dt: cannot write the output: %s\n", strerror(errno));
		return EXIT_DAEMON;
	}
	return EXIT_OK;
}

static int cmd_help(struct ctl *ctl, int argc, char **argv);

static const struct ctl_cmd ctl_cmds[] = {
	{ "status", "", 0, 0, cmd_status, "daemon, platform and per-agent counters",
	  "Uptime, the platform's link and counters, each agent's connection, commands,\n"
	  "events and errors; with --json, every counter the daemon keeps (virtio and\n"
	  "Xen devices included).\n" },
	{ "agents", "", 0, 0, cmd_agents, "agents, their protocols and the resources each sees",
	  "Each configured agent: its transport, connection, protocols and the resources\n"
	  "it sees under its own IDs.\n" },
	{ "resources", "", 0, 0, cmd_resources, "every resource: its state and each agent's vote",
	  "Each physical resource: its state on the platform and the vote behind it, each\n"
	  "agent's and the boot vote.\n" },
	{ "release", "AGENT", 1, 0, cmd_release,
	  "withdraw an agent's votes and close its connection",
	  "The agent's votes are withdrawn as when it goes away; it may connect again.\n" },
	{ "trace", "[AGENT]", -1, 0, cmd_trace,
	  "follow the SCMI commands of every agent, or of one, as they happen",
	  "Runs until interrupted; with --json, one JSON object per line.\n" },
	{ "gen-dt", "[--xen] GUEST", 1, CTL_OPT_XEN, cmd_gen_dt,
	  "print the guest's SCMI device-tree node (DTS)",
	  "GUEST is an agent's name or a Xen domain's.\n\n"
	  "Options:\n"
	  "  -x, --xen  the node for a Xen guest's partial device tree (virtio-mmio\n"
	  "             at the agent's address and interrupt, with grants when used)\n" },
	{ "help", "[COMMAND]", -1, 0, cmd_help, "show this help, or a command's", NULL },
};

#define CTL_NCMDS (sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage: vscmictl [OPTIONS] COMMAND [ARGS]\n\n"
		   "Options (anywhere on the line; -- ends them):\n"
		   "  -s, --socket PATH  control socket (default $%s, else %s)\n"
		   "  -j, --json         print the daemon's JSON reply\n"
		   "  -h, --help         show this help, or with a command, the command's\n"
		   "  -V, --version      print the version\n\n"
		   "Commands:\n",
		VSCMI_CONTROL_ENV, VSCMI_RUNDIR "/control");
	for (size_t i = 0; i < CTL_NCMDS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "%s %s", ctl_cmds[i].name, ctl_cmds[i].args);
		fprintf(f, "  %-21s %s\n", name, ctl_cmds[i].help);
	}
	fprintf(f, "\nExit status: 0 ok, 1 the daemon reported an error (or gen-dt: it has no\n"
		   "such guest), 2 usage error, 3 the daemon could not be reached.\n");
}

static void cmd_usage(FILE *f, const struct ctl_cmd *cmd)
{
	fprintf(f, "Usage: vscmictl [OPTIONS] %s%s%s\n", cmd->name, *cmd->args ? " " : "",
		cmd->args);
	if (f == stdout) {
		fprintf(f, "\n%c%s.\n", cmd->help[0] - 'a' + 'A', cmd->help + 1);
		if (cmd->more)
			fprintf(f, "\n%s", cmd->more);
		fprintf(f, "\nSee vscmictl --help for the options every command takes.\n");
	}
}

static const struct ctl_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < CTL_NCMDS; i++)
		if (strcmp(name, ctl_cmds[i].name) == 0)
			return &ctl_cmds[i];
	return NULL;
}

static int cmd_help(struct ctl *ctl, int argc, char **argv)
{
	const struct ctl_cmd *cmd;

	if (argc < 2 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc > 2 || !(cmd = find_cmd(argv[1]))) {
		fprintf(stderr, "vscmictl: help: no command '%s'\n", argv[1]);
		return EXIT_USAGE;
	}
	cmd_usage(stdout, cmd);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "xen", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { .socket = getenv(VSCMI_CONTROL_ENV), .socket_from = "$" VSCMI_CONTROL_ENV };
	const struct ctl_cmd *cmd;
	unsigned int opts = 0;
	bool help = false;
	int c;

	if (!ctl.socket || !*ctl.socket) {
		ctl.socket = VSCMI_RUNDIR "/control";
		ctl.socket_from = "the default";
	}
	/* Options anywhere: getopt moves the words that are not options to the
	 * end, in order, so the command and its arguments follow optind. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:jhVx", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			ctl.socket = optarg;
			ctl.socket_from = "--socket";
			break;
		case 'j':
			ctl.json = true;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			printf("vscmictl %s\n", VSCMI_VERSION);
			return EXIT_OK;
		case 'x':
			ctl.xen = true;
			opts |= CTL_OPT_XEN;
			break;
		case ':':
			if (optopt)
				fprintf(stderr, "vscmictl: option '-%c' needs a value\n", optopt);
			else
				fprintf(stderr, "vscmictl: option '%s' needs a value\n", argv[optind - 1]);
			fprintf(stderr, "Try 'vscmictl --help'.\n");
			return EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr, "vscmictl: unknown option '-%c'\n", optopt);
			else
				fprintf(stderr, "vscmictl: unknown option '%s'\n", argv[optind - 1]);
			fprintf(stderr, "Try 'vscmictl --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(help ? stdout : stderr);
		return help ? EXIT_OK : EXIT_USAGE;
	}
	cmd = find_cmd(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "vscmictl: unknown command '%s'\n", argv[optind]);
		fprintf(stderr, "Try 'vscmictl --help'.\n");
		return EXIT_USAGE;
	}
	if (help)
		return cmd_help(&ctl, 2, (char *[]){ (char *)"help", (char *)cmd->name, NULL });
	if (opts & ~cmd->opts) {
		fprintf(stderr, "vscmictl: %s takes no --xen\n", cmd->name);
		cmd_usage(stderr, cmd);
		return EXIT_USAGE;
	}
	if (cmd->nargs >= 0 && argc - optind - 1 != cmd->nargs) {
		cmd_usage(stderr, cmd);
		return EXIT_USAGE;
	}
	return cmd->fn(&ctl, argc - optind, argv + optind);
}
