/* SPDX-License-Identifier: GPL-2.0-only */
/* Who may use the control socket: the class each command needs, the one
 * function that decides, and vscmid answering clients of other uids and
 * groups (which takes root to set up: setuid and setgroups). */
#include <check.h>
#include <errno.h>
#include <grp.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vscmi-build.h"
#include "vscmi/config.h"
#include "vscmi/control.h"
#include "vscmi/scmi.h"
#include "support/daemon.h"
#include "vscmid.h"

/* Groups no one is in: numbers, so the test creates no system group. */
#define GID_READ 4242
#define GID_ADMIN 4243
#define ID_NOBODY 65534
#define CLOCK_CONFIG_SET 0x7
#define CAMERA_PIXEL 0		/* cam_pix in conf/vscmid.conf */
#define MAX_REQS 8

/* --- the table and the decision ------------------------------------------------ */

START_TEST(test_command_classes)
{
	static const char *const reads[] = { VSCMI_CTL_STATUS, VSCMI_CTL_AGENTS,
					     VSCMI_CTL_RESOURCES };
	static const char *const admins[] = { VSCMI_CTL_RELEASE, VSCMI_CTL_TRACE,
					      VSCMI_CTL_SYSTEM };

	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(vscmid_control_class(reads[i]), VSCMID_CTL_READ);
		ck_assert_int_eq(vscmid_control_class(admins[i]), VSCMID_CTL_ADMIN);
	}
	ck_assert_int_eq(vscmid_control_class("shutdown"), -ENOENT);
	ck_assert_int_eq(vscmid_control_class(""), -ENOENT);
	ck_assert_int_eq(vscmid_control_class("Status"), -ENOENT);
}
END_TEST

static void set_group(struct vscmi_ctl_group *g, gid_t gid)
{
	g->set = true;
	g->gid = gid;
	snprintf(g->name, sizeof(g->name), "%u", (unsigned)gid);
}

START_TEST(test_decision)
{
	static struct vscmi_config cfg;
	gid_t reader_groups[] = { 5, GID_READ }, admin_groups[] = { GID_ADMIN };
	struct vscmid_ctl_peer root = { .uid = 0, .gid = 0 };
	struct vscmid_ctl_peer other = { .uid = 1000, .gid = 100 };
	struct vscmid_ctl_peer primary = { .uid = 1000, .gid = GID_READ };
	struct vscmid_ctl_peer reader = { .uid = 1000, .gid = 100, .groups = reader_groups,
					  .ngroups = 2 };
	struct vscmid_ctl_peer admin = { .uid = 1000, .gid = 100, .groups = admin_groups,
					 .ngroups = 1 };

	/* no group configured: the socket's mode is the only check */
	memset(&cfg, 0, sizeof(cfg));
	ck_assert(vscmid_control_allowed(&cfg, &other, VSCMID_CTL_ADMIN));
	ck_assert(vscmid_control_allowed(&cfg, NULL, VSCMID_CTL_ADMIN));

	set_group(&cfg.ctl_read, GID_READ);
	set_group(&cfg.ctl_admin, GID_ADMIN);
	ck_assert(vscmid_control_allowed(&cfg, &root, VSCMID_CTL_READ));
	ck_assert(vscmid_control_allowed(&cfg, &root, VSCMID_CTL_ADMIN));
	ck_assert(!vscmid_control_allowed(&cfg, &other, VSCMID_CTL_READ));
	ck_assert(!vscmid_control_allowed(&cfg, &other, VSCMID_CTL_ADMIN));
	ck_assert(vscmid_control_allowed(&cfg, &primary, VSCMID_CTL_READ));
	ck_assert(!vscmid_control_allowed(&cfg, &primary, VSCMID_CTL_ADMIN));
	ck_assert(vscmid_control_allowed(&cfg, &reader, VSCMID_CTL_READ));
	ck_assert(!vscmid_control_allowed(&cfg, &reader, VSCMID_CTL_ADMIN));
	/* the admin group reads too */
	ck_assert(vscmid_control_allowed(&cfg, &admin, VSCMID_CTL_READ));
	ck_assert(vscmid_control_allowed(&cfg, &admin, VSCMID_CTL_ADMIN));
	/* credentials the kernel did not give: nothing */
	ck_assert(!vscmid_control_allowed(&cfg, NULL, VSCMID_CTL_READ));

	/* only an admin group: readers are no one in particular */
	cfg.ctl_read.set = false;
	ck_assert(!vscmid_control_allowed(&cfg, &reader, VSCMID_CTL_READ));
	ck_assert(vscmid_control_allowed(&cfg, &admin, VSCMID_CTL_READ));
}
END_TEST

/* --- vscmid and clients of other identities ------------------------------------ */

static char rundir[128];
static pid_t daemon_pid;

/* A client's identity; uid (uid_t)-1: the test's own. */
struct who {
	uid_t uid;
	gid_t gid;
	size_t ngroups;
	gid_t groups[2];
};

static const struct who me = { .uid = (uid_t)-1 };
static const struct who reader = { ID_NOBODY, ID_NOBODY, 1, { GID_READ } };
static const struct who reader_primary = { ID_NOBODY, GID_READ, 0, { 0 } };
static const struct who admin = { ID_NOBODY, ID_NOBODY, 1, { GID_ADMIN } };
static const struct who stranger = { ID_NOBODY, ID_NOBODY, 0, { 0 } };

static void run_path(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", rundir, name);
}

/* The shipped config with lines added to its [daemon] section. */
static void write_conf(const char *daemon_lines)
{
	const char *src = getenv("VSCMI_TEST_CONF");
	char path[256], line[1024];
	FILE *in, *out;

	ck_assert_msg(src != NULL, "VSCMI_TEST_CONF must be set");
	run_path(path, sizeof(path), "vscmid.conf.new");
	in = fopen(src, "r");
	out = fopen(path, "w");
	ck_assert(in && out);
	while (fgets(line, sizeof(line), in)) {
		fputs(line, out);
		if (strcmp(line, "[daemon]\n") == 0)
			fputs(daemon_lines, out);
	}
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
	/* whole, for a reload that reads it at any moment */
	run_path(line, sizeof(line), "vscmid.conf");
	ck_assert_int_eq(rename(path, line), 0);
}

static void start_daemon(const char *daemon_lines)
{
	const char *tmp = getenv("TMPDIR");
	char ctl[256], log[256], conf[256];
	struct td_spawn sp = { .exe = getenv("VSCMID"), .conf = conf, .runtime_dir = rundir,
			       .verbose = true, .log = log, .out_fd = -1 };

	ck_assert_msg(sp.exe != NULL, "VSCMID must be set");
	snprintf(rundir, sizeof(rundir), "%s/vscmi-access-XXXXXX", tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(rundir));
	/* other uids must reach the socket in it */
	ck_assert_int_eq(chmod(rundir, 0711), 0);
	write_conf(daemon_lines);
	run_path(log, sizeof(log), "vscmid.log");
	run_path(conf, sizeof(conf), "vscmid.conf");
	daemon_pid = td_spawn(&sp);
	ck_assert_int_gt(daemon_pid, 0);
	run_path(ctl, sizeof(ctl), "control");
	ck_assert_msg(td_wait_control(ctl, daemon_pid, 5000, NULL) == 0, "vscmid did not open %s",
		      ctl);
}

static void stop_daemon(void)
{
	char cmd[300];
	int status = td_stop(daemon_pid);

	daemon_pid = 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rundir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", rundir);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "vscmid did not exit cleanly on SIGTERM (status 0x%x)", status);
}

static void start_groups(void)
{
	start_daemon("control_read_group = 4242\ncontrol_admin_group = 4243\n");
}

/* In a child: takes on w's identity, or exits 90. */
static void become(const struct who *w)
{
	if (w->uid == (uid_t)-1)
		return;
	if (setgroups(w->ngroups, w->groups) < 0 || setgid(w->gid) < 0 || setuid(w->uid) < 0)
		_exit(90);
}

/* Sends reqs on one connection as w; the replies, parsed, in out. */
static void ctl_as(const struct who *w, size_t n, const char *const *reqs,
		   struct json_object **out)
{
	static char buf[VSCMI_CONTROL_REPLY_MAX + 1];
	char path[256];
	int sp[2], status;
	pid_t pid;

	ck_assert_uint_le(n, MAX_REQS);
	run_path(path, sizeof(path), "control");
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd;

		close(sp[0]);
		become(w);
		fd = td_connect(path, SOCK_SEQPACKET);
		if (fd < 0)
			_exit(91);
		for (size_t i = 0; i < n; i++) {
			ssize_t got;

			if (send(fd, reqs[i], strlen(reqs[i]), MSG_NOSIGNAL) < 0)
				_exit(92);
			got = td_recv_wait(fd, buf, sizeof(buf) - 1, 5000);
			if (got <= 0 || send(sp[1], buf, (size_t)got, MSG_NOSIGNAL) < 0)
				_exit(93);
		}
		_exit(0);
	}
	close(sp[1]);
	for (size_t i = 0; i < n; i++) {
		ssize_t got = td_recv_wait(sp[0], buf, sizeof(buf) - 1, 10000);

		if (got <= 0)
			break;
		buf[got] = '\0';
		out[i] = json_tokener_parse(buf);
		ck_assert_msg(json_object_is_type(out[i], json_type_object), "bad reply: %s", buf);
	}
	close(sp[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "client as uid %d: exit 0x%x (90: identity, 91: connect, 92/93: I/O)",
		      (int)w->uid, status);
}

static struct json_object *ctl1_as(const struct who *w, const char *req)
{
	struct json_object *o = NULL;

	ctl_as(w, 1, &req, &o);
	return o;
}

static bool jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static void assert_denied(struct json_object *o, const char *msg)
{
	ck_assert_msg(!jbool(o, VSCMI_CTL_KEY_OK) && jbool(o, VSCMI_CTL_KEY_DENIED),
		      "not refused: %s", json_object_to_json_string(o));
	ck_assert_msg(strstr(jstr(o, VSCMI_CTL_KEY_ERROR), msg), "'%s' not in '%s'", msg,
		      jstr(o, VSCMI_CTL_KEY_ERROR));
	json_object_put(o);
}

static void assert_ok(struct json_object *o)
{
	ck_assert_msg(jbool(o, VSCMI_CTL_KEY_OK), "refused: %s", json_object_to_json_string(o));
	json_object_put(o);
}

/* Ran, though it may have failed for its own reasons. */
static void assert_not_denied(struct json_object *o)
{
	ck_assert_msg(!jbool(o, VSCMI_CTL_KEY_DENIED) &&
			      !strstr(jstr(o, VSCMI_CTL_KEY_ERROR), "permission denied"),
		      "refused: %s", json_object_to_json_string(o));
	json_object_put(o);
}

#define REQ(cmd) "{\"version\":1,\"command\":\"" cmd "\"}"
#define REQ_AGENT(cmd, agent) "{\"version\":1,\"command\":\"" cmd "\",\"agent\":\"" agent "\"}"
static const char *const read_reqs[] = { REQ("status"), REQ("agents"), REQ("resources") };
static const char *const admin_reqs[] = {
	REQ_AGENT("release", "camera"),
	"{\"version\":1,\"command\":\"system\",\"agent\":\"ops\",\"state\":\"shutdown\"}",
	REQ("trace"),
};

static bool skip_unless_root(void)
{
	if (geteuid() == 0)
		return false;
	fprintf(stderr, "control-access: skipped: a client of another uid and groups needs "
			"root (setuid, setgroups); the decision itself is tested above and "
			"the reload test uses this user's own group\n");
	return true;
}

/* The camera's pixel clock voted on: the camera's connection, kept. */
static int camera_votes(void)
{
	char path[256];
	uint8_t req[16], resp[64];
	uint32_t hdr = SCMI_HDR(CLOCK_CONFIG_SET, SCMI_TYPE_COMMAND, SCMI_PROTO_CLOCK, 1);
	uint32_t w[4] = { hdr, CAMERA_PIXEL, 1, 0 };
	int fd;

	run_path(path, sizeof(path), "camera.sock");
	fd = td_connect(path, SOCK_SEQPACKET);
	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < 4; i++)
		for (int b = 0; b < 4; b++)
			req[4 * i + b] = (uint8_t)(w[i] >> (8 * b));
	ck_assert_int_eq(send(fd, req, sizeof(req), MSG_NOSIGNAL), (ssize_t)sizeof(req));
	ck_assert_int_ge(td_recv_wait(fd, resp, sizeof(resp), 5000), 8);
	ck_assert_int_eq(resp[4] | resp[5] << 8 | resp[6] << 16 | resp[7] << 24, SCMI_SUCCESS);
	return fd;
}

/* Whether the camera's vote for cam_pix on stands, as root sees it. */
static bool camera_vote_held(void)
{
	struct json_object *o = ctl1_as(&me, REQ("resources")), *clocks, *votes;
	bool held = false;

	ck_assert(json_object_object_get_ex(o, "resources", &clocks));
	ck_assert(json_object_object_get_ex(clocks, "clock", &clocks));
	for (size_t i = 0; i < json_object_array_length(clocks); i++) {
		struct json_object *c = json_object_array_get_idx(clocks, i);

		if (strcmp(jstr(c, "name"), "cam_pix") || !json_object_object_get_ex(c, "votes", &votes))
			continue;
		for (size_t j = 0; j < json_object_array_length(votes); j++) {
			struct json_object *v = json_object_array_get_idx(votes, j);

			held |= !strcmp(jstr(v, "agent"), "camera") && jbool(v, "on");
		}
	}
	json_object_put(o);
	return held;
}

static int log_count(const char *needle)
{
	char path[256];
	int n;

	run_path(path, sizeof(path), "vscmid.log");
	n = td_log_count(path, needle);
	ck_assert_int_ge(n, 0);
	return n;
}

START_TEST(test_socket_open_to_all_when_groups_are_set)
{
	struct stat st;
	char path[256];

	run_path(path, sizeof(path), "control");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0666);
}
END_TEST

START_TEST(test_read_group_reads_and_changes_nothing)
{
	struct json_object *r[MAX_REQS] = { 0 };
	int cam;

	if (skip_unless_root())
		return;
	cam = camera_votes();
	ck_assert(camera_vote_held());
	ctl_as(&reader, 3, read_reqs, r);
	for (int i = 0; i < 3; i++)
		assert_ok(r[i]);
	ctl_as(&reader, 3, admin_reqs, r);
	assert_denied(r[0], "permission denied: `release` needs root or group 4243");
	assert_denied(r[1], "permission denied: `system` needs root or group 4243");
	assert_denied(r[2], "permission denied: `trace` needs root or group 4243");
	/* the refused release released nothing */
	ck_assert(camera_vote_held());
	/* three refusals on one connection: one line */
	ck_assert_int_eq(log_count("control: refused"), 1);
	ck_assert_int_eq(log_count("control: refused release to uid 65534"), 1);
	/* the primary group counts as much as a supplementary one */
	ctl_as(&reader_primary, 3, read_reqs, r);
	for (int i = 0; i < 3; i++)
		assert_ok(r[i]);
	assert_denied(ctl1_as(&reader_primary, admin_reqs[0]), "needs root or group 4243");
	ck_assert(camera_vote_held());
	close(cam);
}
END_TEST

START_TEST(test_admin_group_controls)
{
	struct json_object *r[MAX_REQS] = { 0 };
	int cam;

	if (skip_unless_root())
		return;
	cam = camera_votes();
	ctl_as(&admin, 3, read_reqs, r);
	for (int i = 0; i < 3; i++)
		assert_ok(r[i]);
	ctl_as(&admin, 3, admin_reqs, r);
	assert_ok(r[0]);
	/* the ops agent is not connected: system fails, for that reason only */
	assert_not_denied(r[1]);
	assert_ok(r[2]);
	ck_assert(!camera_vote_held());
	ck_assert_int_eq(log_count("control: refused"), 0);
	close(cam);
}
END_TEST

START_TEST(test_neither_group_is_refused_everything)
{
	const char *const all[] = { read_reqs[0], read_reqs[1], read_reqs[2], admin_reqs[0],
				    admin_reqs[1], admin_reqs[2] };
	struct json_object *r[MAX_REQS] = { 0 };
	int cam;

	if (skip_unless_root())
		return;
	cam = camera_votes();
	ctl_as(&stranger, 6, all, r);
	assert_denied(r[0], "permission denied: `status` needs root or group 4242 or 4243");
	assert_denied(r[1], "`agents` needs root or group 4242 or 4243");
	assert_denied(r[2], "`resources` needs root or group 4242 or 4243");
	assert_denied(r[3], "`release` needs root or group 4243");
	assert_denied(r[4], "`system` needs root or group 4243");
	assert_denied(r[5], "`trace` needs root or group 4243");
	ck_assert(camera_vote_held());
	/* root is in neither group and may do everything */
	assert_ok(ctl1_as(&me, admin_reqs[0]));
	ck_assert(!camera_vote_held());
	close(cam);
}
END_TEST

/* With every slot taken, a client that may do nothing goes first, though
 * the operators' clients have been idle longer. */
START_TEST(test_rightless_client_evicted_first)
{
	const char *req = REQ("status");
	int fds[15], sp[2], status, last;
	char path[256], buf[4096];
	pid_t pid;

	if (skip_unless_root())
		return;
	run_path(path, sizeof(path), "control");
	for (int i = 0; i < 15; i++) {
		fds[i] = td_connect(path, SOCK_SEQPACKET);
		ck_assert_int_ge(fds[i], 0);
	}
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd;

		close(sp[0]);
		become(&stranger);
		fd = td_connect(path, SOCK_SEQPACKET);
		/* refused, so surely accepted: the 16th client */
		if (fd < 0 || send(fd, req, strlen(req), MSG_NOSIGNAL) < 0 ||
		    td_recv_wait(fd, buf, sizeof(buf), 5000) <= 0 || write(sp[1], "c", 1) != 1)
			_exit(1);
		/* then closed for the 17th */
		_exit(td_recv_wait(fd, buf, sizeof(buf), 5000) == 0 ? 0 : 2);
	}
	close(sp[1]);
	ck_assert_int_eq(read(sp[0], buf, 1), 1);
	close(sp[0]);
	last = td_connect(path, SOCK_SEQPACKET);
	ck_assert_int_ge(last, 0);
	ck_assert_int_eq(send(last, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	ck_assert_int_gt(td_recv_wait(last, buf, sizeof(buf), 5000), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the rights-less client was not the one closed (0x%x)", status);
	/* the operator idle the longest is still served */
	ck_assert_int_eq(send(fds[0], req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	ck_assert_int_gt(td_recv_wait(fds[0], buf, sizeof(buf), 5000), 0);
	for (int i = 0; i < 15; i++)
		close(fds[i]);
	close(last);
}
END_TEST

/* vscmictl as uid w: its exit status; its output in out. */
static int vscmictl_as(const struct who *w, const char *args, char *out, size_t cap)
{
	const char *ctl = getenv("VSCMICTL");
	char sock[256], cmd[1024];
	int p[2], status;
	ssize_t n;
	size_t len = 0;
	pid_t pid;

	ck_assert_msg(ctl != NULL, "VSCMICTL must be set");
	run_path(sock, sizeof(sock), "control");
	snprintf(cmd, sizeof(cmd), "exec '%s' --socket '%s' %s 2>&1", ctl, sock, args);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], 1);
		become(w);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (len < cap - 1 && (n = read(p[0], out + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(test_vscmictl_says_permission_denied)
{
	char out[8192];

	if (skip_unless_root())
		return;
	ck_assert_int_eq(vscmictl_as(&reader, "status", out, sizeof(out)), 0);
	ck_assert_int_eq(vscmictl_as(&reader, "release camera", out, sizeof(out)), 4);
	ck_assert_msg(strstr(out, "vscmictl: permission denied: `release` needs root or group 4243"),
		      "%s", out);
	ck_assert_int_eq(vscmictl_as(&stranger, "resources", out, sizeof(out)), 4);
	/* an error of the command itself is still 1 */
	ck_assert_int_eq(vscmictl_as(&admin, "release nosuchagent", out, sizeof(out)), 1);
}
END_TEST

/* A gid the test's user is not in. */
static gid_t foreign_gid(gid_t from)
{
	gid_t groups[256];
	int n = getgroups(256, groups);
	gid_t g = from;

	ck_assert_int_ge(n, 0);
	for (bool again = true; again;) {
		again = g == getgid();
		for (int i = 0; i < n; i++)
			again |= groups[i] == g;
		g += again;
	}
	return g;
}

static void reload_to(const char *lines, int nth)
{
	write_conf(lines);
	kill(daemon_pid, SIGHUP);
	/* no agent changed: the reload ends with this line */
	for (int i = 0; i < 250 && log_count("is unchanged") < nth; i++) {
		struct timespec ts = { 0, 20000000 };

		nanosleep(&ts, NULL);
	}
	ck_assert_int_eq(log_count("is unchanged"), nth);
}

/* A trace followed as w until the caller kills the child; returns once it
 * is under way. */
static pid_t trace_as(const struct who *w)
{
	char path[256], buf[512];
	int p[2];
	pid_t pid;

	run_path(path, sizeof(path), "control");
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		const char *req = REQ("trace");
		ssize_t n = -1;
		int fd;

		close(p[0]);
		become(w);
		fd = td_connect(path, SOCK_SEQPACKET);
		if (fd >= 0 && send(fd, req, strlen(req), MSG_NOSIGNAL) >= 0)
			n = td_recv_wait(fd, buf, sizeof(buf) - 1, 5000);
		if (n <= 0)
			_exit(1);
		buf[n] = '\0';
		if (!strstr(buf, "\"ok\":true") || write(p[1], "t", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	ck_assert_msg(td_recv_wait(p[0], buf, 1, 5000) == 1, "the trace did not start");
	close(p[0]);
	return pid;
}

/* Run as root: a reader of another uid; otherwise this user by its own
 * primary group. */
START_TEST(test_reload_applies_new_groups)
{
	const struct who *w = geteuid() == 0 ? &reader : &me;
	gid_t mine = geteuid() == 0 ? GID_READ : getgid();
	gid_t other = foreign_gid(GID_ADMIN), other2 = foreign_gid(other + 1);
	char lines[256];
	pid_t tracer;

	snprintf(lines, sizeof(lines), "control_read_group = %u\ncontrol_admin_group = %u\n",
		 (unsigned)mine, (unsigned)other);
	start_daemon(lines);
	assert_ok(ctl1_as(w, read_reqs[0]));
	assert_denied(ctl1_as(w, admin_reqs[0]), "`release` needs root or group");

	snprintf(lines, sizeof(lines), "control_admin_group = %u\n", (unsigned)mine);
	reload_to(lines, 1);
	assert_ok(ctl1_as(w, admin_reqs[0]));
	tracer = trace_as(w);

	snprintf(lines, sizeof(lines), "control_read_group = %u\ncontrol_admin_group = %u\n",
		 (unsigned)other, (unsigned)other2);
	reload_to(lines, 2);
	assert_denied(ctl1_as(w, read_reqs[0]), "`status` needs root or group");
	/* a trace begun with the right stops with it */
	ck_assert_int_eq(log_count("control: a trace by uid"), 1);
	kill(tracer, SIGKILL);
	waitpid(tracer, NULL, 0);
	stop_daemon();
}
END_TEST

static Suite *access_suite(void)
{
	Suite *s = suite_create("control-access");
	TCase *tc;

	tc = tcase_create("table");
	tcase_add_test(tc, test_command_classes);
	tcase_add_test(tc, test_decision);
	suite_add_tcase(s, tc);

	tc = tcase_create("daemon");
	tcase_add_checked_fixture(tc, start_groups, stop_daemon);
	tcase_add_test(tc, test_socket_open_to_all_when_groups_are_set);
	tcase_add_test(tc, test_read_group_reads_and_changes_nothing);
	tcase_add_test(tc, test_admin_group_controls);
	tcase_add_test(tc, test_neither_group_is_refused_everything);
	tcase_add_test(tc, test_vscmictl_says_permission_denied);
	tcase_add_test(tc, test_rightless_client_evicted_first);
	suite_add_tcase(s, tc);

	tc = tcase_create("reload");
	tcase_add_test(tc, test_reload_applies_new_groups);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(access_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
