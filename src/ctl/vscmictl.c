/* vscmictl: a thin client of vscmid's control socket. */
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
#include <unistd.h>

#include "vscmi-build.h"
#include "vscmi/control.h"

enum {
	EXIT_OK = 0,
	EXIT_DAEMON = 1,	/* the daemon answered with an error */
	EXIT_USAGE = 2,
	EXIT_CONNECT = 3,	/* no daemon to talk to */
};

#define CTL_TIMEOUT_S 10

struct ctl {
	const char *socket;
	bool json;
};

struct ctl_cmd {
	const char *name;
	const char *args;
	int nargs;
	int (*fn)(struct ctl *ctl, char **argv);
	const char *help;
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

		fprintf(stderr, "vscmictl: cannot connect to %s: %s\n", ctl->socket, strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Sends one request and returns the reply, or an exit code. */
static int ctl_request(struct ctl *ctl, const char *command, const char *agent,
		       struct json_object **out)
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
out:
	free(buf);
	json_object_put(req);
	close(fd);
	return ret;
}

static void print_json(struct json_object *reply)
{
	printf("%s\n", json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_SPACED |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* Commands */

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

static int cmd_status(struct ctl *ctl, char **argv)
{
	struct json_object *reply, *daemon, *plat, *sys, *agents;
	struct table t;
	int r = ctl_request(ctl, VSCMI_CTL_STATUS, NULL, &reply);

	if (r)
		return r;
	if (ctl->json) {
		print_json(reply);
		json_object_put(reply);
		return EXIT_OK;
	}
	daemon = jget(reply, "daemon");
	plat = jget(reply, "platform");
	sys = jget(reply, "system_request");
	printf("vscmid %s, pid %lld, up %llds, config %s\n", jstr(daemon, "version", "?"),
	       jint(daemon, "pid"), jint(daemon, "uptime_s"), jstr(daemon, "config", "?"));
	printf("platform %s: %lld transitions, %lld refused\n", jstr(plat, "name", "?"),
	       jint(plat, "transitions"), jint(plat, "refused"));
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
		table_cell(&t, 11, "%s", jstr(a, "socket", "-"));
	}
	table_print(&t);
	table_free(&t);
	print_xen(jget(reply, "xen"));
	json_object_put(reply);
	return EXIT_OK;
}

static int cmd_agents(struct ctl *ctl, char **argv)
{
	struct json_object *reply, *agents;
	struct table t, v;
	int r = ctl_request(ctl, VSCMI_CTL_AGENTS, NULL, &reply);

	if (r)
		return r;
	if (ctl->json) {
		print_json(reply);
		json_object_put(reply);
		return EXIT_OK;
	}
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

static int cmd_resources(struct ctl *ctl, char **argv)
{
	struct json_object *reply;
	struct table t;
	int r = ctl_request(ctl, VSCMI_CTL_RESOURCES, NULL, &reply);

	if (r)
		return r;
	if (ctl->json) {
		print_json(reply);
		json_object_put(reply);
		return EXIT_OK;
	}
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
			for (size_t v = 0; v < jlen(votes) && off < sizeof(votestr); v++) {
				struct json_object *vo = json_object_array_get_idx(votes, v);
				char vs[128];

				fmt_state(vs, sizeof(vs), vo);
				off += (size_t)snprintf(votestr + off, sizeof(votestr) - off,
							"%s%s: %s", v ? ", " : "",
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

static int cmd_release(struct ctl *ctl, char **argv)
{
	struct json_object *reply;
	int r = ctl_request(ctl, VSCMI_CTL_RELEASE, argv[0], &reply);

	if (r)
		return r;
	if (ctl->json)
		print_json(reply);
	else
		printf("released agent %s%s\n", jstr(reply, "agent", argv[0]),
		       jbool(reply, "was_connected") ? ", its connection closed" : "");
	json_object_put(reply);
	return EXIT_OK;
}

static int cmd_help(struct ctl *ctl, char **argv);

static const struct ctl_cmd ctl_cmds[] = {
	{ "status", "", 0, cmd_status, "daemon, platform and per-agent counters" },
	{ "agents", "", 0, cmd_agents, "agents, their protocols and the resources each sees" },
	{ "resources", "", 0, cmd_resources, "every resource: its state and each agent's vote" },
	{ "release", "AGENT", 1, cmd_release,
	  "withdraw an agent's votes and close its connection" },
	{ "help", "", 0, cmd_help, "show this help" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: vscmictl [--socket PATH] [--json] COMMAND [ARGS]\n\n"
		   "Options:\n"
		   "  -s, --socket PATH  control socket (default $%s, else %s)\n"
		   "  -j, --json         print the daemon's JSON reply\n"
		   "  -h, --help         show this help\n\n"
		   "Commands:\n",
		VSCMI_CONTROL_ENV, VSCMI_RUNDIR "/control");
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "%s %s", ctl_cmds[i].name, ctl_cmds[i].args);
		fprintf(f, "  %-18s %s\n", name, ctl_cmds[i].help);
	}
	fprintf(f, "\nExit status: 0 ok, 1 the daemon reported an error, 2 usage error,\n"
		   "3 the daemon could not be reached.\n");
}

static int cmd_help(struct ctl *ctl, char **argv)
{
	usage(stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { .socket = getenv(VSCMI_CONTROL_ENV) };
	int c;

	if (!ctl.socket || !*ctl.socket)
		ctl.socket = VSCMI_RUNDIR "/control";
	/* '+': options end at the command */
	while ((c = getopt_long(argc, argv, "+s:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			ctl.socket = optarg;
			break;
		case 'j':
			ctl.json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++) {
		const struct ctl_cmd *cmd = &ctl_cmds[i];

		if (strcmp(argv[optind], cmd->name) != 0)
			continue;
		if (argc - optind - 1 != cmd->nargs) {
			fprintf(stderr, "Usage: vscmictl %s %s\n", cmd->name, cmd->args);
			return EXIT_USAGE;
		}
		return cmd->fn(&ctl, argv + optind + 1);
	}
	fprintf(stderr, "vscmictl: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return EXIT_USAGE;
}
