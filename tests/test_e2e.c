/* SPDX-License-Identifier: GPL-2.0-only */
/* End to end: the built vscmid with the shipped config, driven through its
 * agent sockets and its control socket. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vscmi-build.h"
#include "vscmi/control.h"
#include "vscmi/scmi.h"
#include "vscmi/vhost.h"
#include "support/daemon.h"

#define CLOCK_CONFIG_SET 0x7
#define BASE_PROTOCOL_ATTRIBUTES 0x1

/* View ids from conf/vscmid.conf */
#define CAMERA_PIXEL 0		/* cam_pix */
#define DISPLAY_PIXEL 0		/* disp_pix */

static char rundir[128];
static pid_t daemon_pid;

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int sock_connect(const char *path)
{
	return td_connect(path, SOCK_SEQPACKET);
}

static void run_path(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", rundir, name);
}

/* Appended to the daemon's copy of the config by a test case's fixture. */
static const char *conf_extra;

/* Starts vscmid on the copy of the config in rundir, and waits until it
 * answers on its control socket. */
static void spawn_daemon(void)
{
	char ctl[256], log[256], conf[256];
	/* appended: a restarted daemon's lines follow the first one's */
	struct td_spawn sp = { .exe = getenv("VSCMID"), .conf = conf, .runtime_dir = rundir,
			       .verbose = true, .log = log, .append = true, .out_fd = -1 };

	ck_assert_msg(sp.exe != NULL, "VSCMID must be set");
	run_path(log, sizeof(log), "vscmid.log");
	run_path(conf, sizeof(conf), "vscmid.conf");
	daemon_pid = td_spawn(&sp);
	ck_assert_int_gt(daemon_pid, 0);
	run_path(ctl, sizeof(ctl), "control");
	ck_assert_msg(td_wait_control(ctl, daemon_pid, 5000, NULL) == 0, "vscmid did not open %s",
		      ctl);
}

static void start_daemon(void)
{
	const char *conf = getenv("VSCMI_TEST_CONF");
	const char *tmp = getenv("TMPDIR");
	char copy[256], cmd[600];

	ck_assert_msg(conf != NULL, "VSCMI_TEST_CONF must be set");
	snprintf(rundir, sizeof(rundir), "%s/vscmi-e2e-XXXXXX", tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(rundir));
	/* a copy, so a test may edit the file the daemon reads */
	run_path(copy, sizeof(copy), "vscmid.conf");
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", conf, copy);
	ck_assert_int_eq(system(cmd), 0);
	if (conf_extra) {
		FILE *f = fopen(copy, "a");

		ck_assert_ptr_nonnull(f);
		fputs(conf_extra, f);
		fclose(f);
	}
	spawn_daemon();
}

/* The exit status of a daemon a test case stopped itself. */
static int daemon_reaped = -1;

static void stop_daemon(void)
{
	int status = daemon_reaped;
	char cmd[300];

	if (daemon_pid > 0) {
		status = td_stop(daemon_pid);
		daemon_pid = 0;
	}
	daemon_reaped = -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rundir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", rundir);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "vscmid did not exit cleanly on SIGTERM (status 0x%x)", status);
}

static int agent_connect(const char *agent)
{
	char path[256], name[64];
	int fd;

	snprintf(name, sizeof(name), "%s.sock", agent);
	run_path(path, sizeof(path), name);
	fd = sock_connect(path);
	ck_assert_msg(fd >= 0, "cannot connect to %s: %s", path, strerror(-fd));
	return fd;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Sends raw bytes, returns the reply's status; the reply is left in resp. */
static int32_t scmi_raw(int fd, const uint8_t *msg, size_t len, uint8_t *resp, size_t *rlen)
{
	ssize_t n;

	ck_assert_int_eq(send(fd, msg, len, MSG_NOSIGNAL), (ssize_t)len);
	n = td_recv_wait(fd, resp, SCMI_MSG_MAX + 16, 5000);
	ck_assert_msg(n >= 8, "no reply (%zd)", n);
	*rlen = (size_t)n;
	return (int32_t)get_le32(resp + 4);
}

static int32_t scmi_cmd(int fd, uint8_t proto, uint8_t msg, uint16_t token, const uint32_t *words,
			size_t nwords)
{
	uint8_t req[64], resp[SCMI_MSG_MAX + 16];
	uint32_t hdr = SCMI_HDR(msg, SCMI_TYPE_COMMAND, proto, token);
	size_t rlen;
	int32_t status;

	ck_assert_uint_le(nwords, 15);
	put_le32(req, hdr);
	for (size_t i = 0; i < nwords; i++)
		put_le32(req + 4 + 4 * i, words[i]);
	status = scmi_raw(fd, req, 4 + 4 * nwords, resp, &rlen);
	ck_assert_uint_eq(get_le32(resp), hdr);
	return status;
}

static int32_t clock_config(int fd, uint32_t clock, bool on)
{
	uint32_t w[3] = { clock, on ? 1 : 0, 0 };

	return scmi_cmd(fd, SCMI_PROTO_CLOCK, CLOCK_CONFIG_SET, 7, w, 3);
}

/* One control request; the reply as a JSON object. */
static struct json_object *control_raw(const char *req, size_t len)
{
	static char buf[VSCMI_CONTROL_REPLY_MAX + 1];
	struct json_object *reply;
	char path[256];
	ssize_t n;
	int fd;

	run_path(path, sizeof(path), "control");
	fd = sock_connect(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	n = td_recv_wait(fd, buf, sizeof(buf) - 1, 5000);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	close(fd);
	reply = json_tokener_parse(buf);
	ck_assert_msg(json_object_is_type(reply, json_type_object), "bad reply: %s", buf);
	return reply;
}

static struct json_object *control(const char *command, const char *agent)
{
	char req[256];

	if (agent)
		snprintf(req, sizeof(req), "{\"version\":1,\"command\":\"%s\",\"agent\":\"%s\"}",
			 command, agent);
	else
		snprintf(req, sizeof(req), "{\"version\":1,\"command\":\"%s\"}", command);
	return control_raw(req, strlen(req));
}

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no '%s' in %s", key,
		      json_object_to_json_string(o));
	return v;
}

static bool reply_ok(struct json_object *reply)
{
	ck_assert_int_eq(json_object_get_int(jget(reply, "version")), VSCMI_CONTROL_VERSION);
	return json_object_get_boolean(jget(reply, "ok"));
}

static struct json_object *find_named(struct json_object *arr, const char *key, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *v;

		if (json_object_object_get_ex(o, key, &v) &&
		    strcmp(json_object_get_string(v), name) == 0)
			return o;
	}
	return NULL;
}

static struct json_object *clock_res(struct json_object *reply, const char *name)
{
	struct json_object *o = find_named(jget(jget(reply, "resources"), "clock"), "name", name);

	ck_assert_msg(o != NULL, "no clock %s", name);
	return o;
}

static bool clock_on(struct json_object *reply, const char *name)
{
	return json_object_get_boolean(jget(jget(clock_res(reply, name), "state"), "on"));
}

/* The vote of agent on a clock: 1 on, 0 off, -1 no vote attached. */
static int clock_vote(struct json_object *reply, const char *name, const char *agent)
{
	struct json_object *v = find_named(jget(clock_res(reply, name), "votes"), "agent", agent);

	return v ? json_object_get_boolean(jget(v, "on")) : -1;
}

static bool agent_connected(const char *agent)
{
	struct json_object *reply = control(VSCMI_CTL_STATUS, NULL), *a;
	bool connected;

	ck_assert(reply_ok(reply));
	a = find_named(jget(reply, "agents"), "name", agent);
	ck_assert_ptr_nonnull(a);
	connected = json_object_get_boolean(jget(a, "connected"));
	json_object_put(reply);
	return connected;
}

static void wait_disconnected(const char *agent)
{
	for (int i = 0; i < 250; i++) {
		if (!agent_connected(agent))
			return;
		sleep_ms(20);
	}
	ck_abort_msg("vscmid still has %s connected", agent);
}

START_TEST(test_base_version)
{
	uint8_t req[4], resp[SCMI_MSG_MAX + 16];
	size_t rlen;
	int fd = agent_connect("camera");

	put_le32(req, SCMI_HDR(0x0, SCMI_TYPE_COMMAND, SCMI_PROTO_BASE, 42));
	ck_assert_int_eq(scmi_raw(fd, req, sizeof(req), resp, &rlen), SCMI_SUCCESS);
	ck_assert_uint_eq(rlen, 12);
	ck_assert_uint_eq(get_le32(resp), SCMI_HDR(0x0, SCMI_TYPE_COMMAND, SCMI_PROTO_BASE, 42));
	ck_assert_uint_eq(get_le32(resp + 8) >> 16, 2);
	close(fd);
}
END_TEST

START_TEST(test_shared_pll)
{
	struct json_object *res;
	int cam = agent_connect("camera"), disp = agent_connect("display");

	ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, true), SCMI_SUCCESS);
	ck_assert_int_eq(clock_config(disp, DISPLAY_PIXEL, true), SCMI_SUCCESS);

	res = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert(reply_ok(res));
	ck_assert(clock_on(res, "pll_video"));
	ck_assert(clock_on(res, "cam_pix"));
	ck_assert(clock_on(res, "disp_pix"));
	ck_assert_int_eq(clock_vote(res, "cam_pix", "camera"), 1);
	ck_assert_int_eq(clock_vote(res, "disp_pix", "display"), 1);
	json_object_put(res);

	/* the camera goes away: its votes go, the display's stay */
	close(cam);
	wait_disconnected("camera");
	res = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert(reply_ok(res));
	ck_assert(clock_on(res, "pll_video"));
	ck_assert(!clock_on(res, "cam_pix"));
	ck_assert(clock_on(res, "disp_pix"));
	ck_assert_int_ne(clock_vote(res, "cam_pix", "camera"), 1);
	ck_assert_int_eq(clock_vote(res, "disp_pix", "display"), 1);
	json_object_put(res);

	/* and the display still gets answers */
	ck_assert_int_eq(clock_config(disp, DISPLAY_PIXEL, false), SCMI_SUCCESS);
	res = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert(!clock_on(res, "pll_video"));
	json_object_put(res);
	close(disp);
}
END_TEST

START_TEST(test_delayed_response)
{
	/* async CLOCK_RATE_SET of camera's "core" (cam_core) to 200 MHz */
	uint32_t w[4] = { 1, 1, 200000000, 0 };
	struct json_object *reply, *a;
	uint8_t buf[SCMI_MSG_MAX + 16];
	ssize_t n;
	int fd = agent_connect("camera");

	ck_assert_int_eq(clock_config(fd, 1, true), SCMI_SUCCESS);
	ck_assert_int_eq(scmi_cmd(fd, SCMI_PROTO_CLOCK, 0x5, 77, w, 4), SCMI_SUCCESS);
	n = td_recv_wait(fd, buf, sizeof(buf), 5000);
	ck_assert_int_eq(n, 20);
	ck_assert_uint_eq(get_le32(buf), SCMI_HDR(0x5, SCMI_TYPE_DELAYED, SCMI_PROTO_CLOCK, 77));
	ck_assert_int_eq((int32_t)get_le32(buf + 4), SCMI_SUCCESS);
	ck_assert_uint_eq(get_le32(buf + 8), 1);
	ck_assert_uint_eq(get_le32(buf + 12), 200000000);

	reply = control(VSCMI_CTL_STATUS, NULL);
	a = find_named(jget(reply, "agents"), "name", "camera");
	ck_assert_int_eq(json_object_get_int(jget(a, "delayed")), 1);
	ck_assert_int_eq(json_object_get_int(jget(a, "commands")), 2);
	json_object_put(reply);
	close(fd);
}
END_TEST

START_TEST(test_unknown_protocol)
{
	int fd = agent_connect("camera");

	ck_assert_int_eq(scmi_cmd(fd, 0x42, 0x0, 1, NULL, 0), SCMI_NOT_SUPPORTED);
	/* perf exists, but the camera may not use it */
	ck_assert_int_eq(scmi_cmd(fd, SCMI_PROTO_PERF, 0x0, 2, NULL, 0), SCMI_NOT_SUPPORTED);
	close(fd);
}
END_TEST

START_TEST(test_malformed)
{
	uint8_t big[SCMI_MSG_MAX + 40] = { 0 }, resp[SCMI_MSG_MAX + 16];
	const uint8_t two[2] = { 0x00, 0x04 };
	size_t rlen;
	int fd = agent_connect("display");

	ck_assert_int_eq(scmi_raw(fd, two, sizeof(two), resp, &rlen), SCMI_PROTOCOL_ERROR);
	ck_assert_uint_eq(rlen, 8);
	put_le32(big, SCMI_HDR(BASE_PROTOCOL_ATTRIBUTES, SCMI_TYPE_COMMAND, SCMI_PROTO_BASE, 3));
	ck_assert_int_eq(scmi_raw(fd, big, sizeof(big), resp, &rlen), SCMI_PROTOCOL_ERROR);
	/* the connection still works */
	ck_assert_int_eq(scmi_cmd(fd, SCMI_PROTO_BASE, 0x0, 4, NULL, 0), SCMI_SUCCESS);
	close(fd);
}
END_TEST

/* A client that hangs up as soon as it has its reply: the hang-up may come
 * while vscmid still reads that connection's packets, and reads as an empty
 * packet there; it is a hang-up, never a malformed command. */
START_TEST(test_hangup_after_reply_is_no_command)
{
	struct json_object *reply, *a;

	for (int i = 0; i < 100; i++) {
		int fd = agent_connect("display");

		ck_assert_int_eq(scmi_cmd(fd, SCMI_PROTO_BASE, 0x0, (uint16_t)i, NULL, 0),
				 SCMI_SUCCESS);
		close(fd);
		wait_disconnected("display");
	}
	reply = control(VSCMI_CTL_STATUS, NULL);
	ck_assert(reply_ok(reply));
	a = find_named(jget(reply, "agents"), "name", "display");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(json_object_get_int64(jget(a, "commands")), 100);
	ck_assert_int_eq(json_object_get_int64(jget(a, "errors")), 0);
	ck_assert_int_eq(json_object_get_int64(jget(a, "malformed")), 0);
	json_object_put(reply);
}
END_TEST

START_TEST(test_second_connection)
{
	uint8_t buf[64];
	int first = agent_connect("camera"), second;

	/* the first is accepted once it has been served */
	ck_assert_int_eq(scmi_cmd(first, SCMI_PROTO_BASE, 0x0, 1, NULL, 0), SCMI_SUCCESS);
	second = agent_connect("camera");
	ck_assert_int_eq(td_recv_wait(second, buf, sizeof(buf), 5000), 0);
	close(second);
	ck_assert_int_eq(scmi_cmd(first, SCMI_PROTO_BASE, 0x0, 2, NULL, 0), SCMI_SUCCESS);
	ck_assert(agent_connected("camera"));
	close(first);
}
END_TEST

/* Lines of the daemon's log containing needle. */
static int log_count(const char *needle)
{
	char path[256];
	int n;

	run_path(path, sizeof(path), "vscmid.log");
	n = td_log_count(path, needle);
	ck_assert_int_ge(n, 0);
	return n;
}

/* A peer that keeps connecting is turned away each time, and logged once
 * per interval, not once per try. */
START_TEST(test_second_connections_do_not_flood_the_log)
{
	struct json_object *reply, *a;
	uint8_t buf[64];
	int first = agent_connect("camera");

	ck_assert_int_eq(scmi_cmd(first, SCMI_PROTO_BASE, 0x0, 1, NULL, 0), SCMI_SUCCESS);
	for (int i = 0; i < 20; i++) {
		int fd = agent_connect("camera");

		ck_assert_int_eq(td_recv_wait(fd, buf, sizeof(buf), 5000), 0);
		close(fd);
	}
	reply = control(VSCMI_CTL_STATUS, NULL);
	a = find_named(jget(reply, "agents"), "name", "camera");
	ck_assert_int_eq(json_object_get_int(jget(a, "refused_connections")), 20);
	json_object_put(reply);
	ck_assert_int_eq(log_count("camera: second connection refused"), 1);
	close(first);
}
END_TEST

/* Every vote that counts shows in resources: a performance level vote
 * as well as limits. */
START_TEST(test_resources_show_perf_level_votes)
{
	const uint32_t level[] = { 0, 400 }, limits[] = { 0, 500, 200 };
	struct json_object *res, *gpu, *v;
	int disp = agent_connect("display");

	ck_assert_int_eq(scmi_cmd(disp, SCMI_PROTO_PERF, 0x7, 1, level, 2), SCMI_SUCCESS);
	ck_assert_int_eq(scmi_cmd(disp, SCMI_PROTO_PERF, 0x5, 2, limits, 3), SCMI_SUCCESS);
	res = control(VSCMI_CTL_RESOURCES, NULL);
	gpu = find_named(jget(jget(res, "resources"), "perf"), "name", "gpu");
	ck_assert_ptr_nonnull(gpu);
	v = find_named(jget(gpu, "votes"), "agent", "display");
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(json_object_get_int64(jget(v, "level")), 400);
	ck_assert_int_eq(json_object_get_int64(jget(v, "min")), 200);
	ck_assert_int_eq(json_object_get_int64(jget(v, "max")), 500);
	ck_assert_int_eq(json_object_get_int64(jget(jget(gpu, "state"), "level")), 400);
	json_object_put(res);
	close(disp);
}
END_TEST

START_TEST(test_release)
{
	struct json_object *res;
	uint8_t buf[64];
	int cam = agent_connect("camera");

	ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, true), SCMI_SUCCESS);
	res = control(VSCMI_CTL_RELEASE, "camera");
	ck_assert(reply_ok(res));
	json_object_put(res);
	ck_assert_int_eq(td_recv_wait(cam, buf, sizeof(buf), 5000), 0);
	res = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert(!clock_on(res, "pll_video"));
	ck_assert(!clock_on(res, "cam_pix"));
	json_object_put(res);
	close(cam);

	res = control(VSCMI_CTL_RELEASE, "nobody");
	ck_assert(!reply_ok(res));
	json_object_put(res);
}
END_TEST

START_TEST(test_control_errors)
{
	static const char *const bad[] = {
		"garbage",
		"{\"version\":1",
		"[1,2,3]",
		"{\"command\":\"status\"}",
		"{\"version\":2,\"command\":\"status\"}",
		"{\"version\":1}",
		"{\"version\":1,\"command\":\"reboot\"}",
		"{\"version\":1,\"command\":\"release\"}",
		"{\"version\":1,\"command\":\"status\"} trailing",
	};
	struct json_object *reply;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reply = control_raw(bad[i], strlen(bad[i]));
		ck_assert_msg(!reply_ok(reply), "accepted %s", bad[i]);
		ck_assert(json_object_is_type(jget(reply, "error"), json_type_string));
		json_object_put(reply);
	}
	reply = control_raw("\x00\xff\x01", 3);
	ck_assert(!reply_ok(reply));
	json_object_put(reply);

	/* still serving */
	reply = control(VSCMI_CTL_STATUS, NULL);
	ck_assert(reply_ok(reply));
	ck_assert_int_eq(json_object_array_length(jget(reply, "agents")), 4);
	json_object_put(reply);
	reply = control(VSCMI_CTL_AGENTS, NULL);
	ck_assert(reply_ok(reply));
	json_object_put(reply);
}
END_TEST

static void control_send_status(int fd)
{
	static const char req[] = "{\"version\":1,\"command\":\"status\"}";
	char buf[VSCMI_CONTROL_REPLY_MAX + 1];

	ck_assert_int_eq(send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(req) - 1);
	ck_assert_int_gt(td_recv_wait(fd, buf, sizeof(buf), 5000), 0);
}

/* Clients that connect and wait fill every slot; a new one still gets in,
 * in place of the one idle the longest. */
START_TEST(test_idle_control_clients_do_not_lock_others_out)
{
	char path[256], buf[64];
	int idle[16], x, y;

	run_path(path, sizeof(path), "control");
	for (int i = 0; i < 16; i++) {
		idle[i] = sock_connect(path);
		ck_assert_int_ge(idle[i], 0);
	}
	/* the first was served, so it was idle less long than the second */
	control_send_status(idle[0]);

	x = sock_connect(path);
	ck_assert_int_ge(x, 0);
	control_send_status(x);
	ck_assert_int_eq(td_recv_wait(idle[1], buf, sizeof(buf), 5000), 0);
	y = sock_connect(path);
	ck_assert_int_ge(y, 0);
	control_send_status(y);
	ck_assert_int_eq(td_recv_wait(idle[2], buf, sizeof(buf), 5000), 0);
	control_send_status(idle[0]);
	control_send_status(idle[15]);
	control_send_status(x);
	ck_assert_int_eq(log_count("control: more than 16 clients"), 1);
	for (int i = 0; i < 16; i++)
		close(idle[i]);
	close(x);
	close(y);
}
END_TEST

START_TEST(test_system_request)
{
	uint32_t w[2] = { 1, 1 };	/* graceful, cold reset */
	struct json_object *reply, *sys;
	int fd = agent_connect("infotainment");

	reply = control(VSCMI_CTL_STATUS, NULL);
	ck_assert(json_object_is_type(jget(reply, "system_request"), json_type_null));
	json_object_put(reply);

	/* a guest's reboot is its own business: recorded, not forwarded */
	ck_assert_int_eq(scmi_cmd(fd, SCMI_PROTO_SYSTEM, 0x3, 9, w, 2), SCMI_SUCCESS);
	reply = control(VSCMI_CTL_STATUS, NULL);
	sys = jget(reply, "system_request");
	ck_assert_str_eq(json_object_get_string(jget(sys, "agent")), "infotainment");
	ck_assert_int_eq(json_object_get_int(jget(sys, "state")), 1);
	ck_assert_str_eq(json_object_get_string(jget(sys, "state_name")), "cold reset");
	ck_assert(json_object_get_boolean(jget(sys, "graceful")));
	ck_assert_int_eq(json_object_get_int(jget(jget(reply, "platform"), "transitions")), 0);
	json_object_put(reply);

	/* asking again is no news: one line in the log */
	for (uint16_t i = 0; i < 10; i++)
		ck_assert_int_eq(scmi_cmd(fd, SCMI_PROTO_SYSTEM, 0x3, 10 + i, w, 2), SCMI_SUCCESS);
	ck_assert_int_eq(log_count("infotainment requests system state"), 1);
	close(fd);
}
END_TEST

START_TEST(test_check_config)
{
	char cmd[1024];
	FILE *p;
	char line[512] = "";

	snprintf(cmd, sizeof(cmd), "'%s' --check-config '%s'", getenv("VSCMID"),
		 getenv("VSCMI_TEST_CONF"));
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), p));
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_msg(strstr(line, ": ok (4 agents, 24 resources)") != NULL, "got %s", line);

	snprintf(cmd, sizeof(cmd), "'%s' --check-config /nonexistent.conf 2>/dev/null",
		 getenv("VSCMID"));
	ck_assert_int_eq(WEXITSTATUS(system(cmd)), 1);
}
END_TEST

START_TEST(test_trace_follows_one_agent)
{
	char path[256], buf[4096];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char req[] = "{\"version\":1,\"command\":\"trace\",\"agent\":\"camera\"}";
	struct json_object *o, *t, *v;
	int cam, disp, fd;
	ssize_t n;

	run_path(path, sizeof(path), "control");
	ck_assert_uint_lt(strlen(path), sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	n = td_recv_wait(fd, buf, sizeof(buf) - 1, 2000);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	o = json_tokener_parse(buf);
	ck_assert(reply_ok(o));
	json_object_put(o);

	disp = agent_connect("display");
	cam = agent_connect("camera");
	ck_assert_int_eq(clock_config(disp, DISPLAY_PIXEL, true), 0);
	ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, true), 0);
	/* only camera's command shows, decoded */
	n = td_recv_wait(fd, buf, sizeof(buf) - 1, 2000);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	o = json_tokener_parse(buf);
	ck_assert(json_object_object_get_ex(o, "trace", &t));
	ck_assert(json_object_object_get_ex(t, "agent", &v));
	ck_assert_str_eq(json_object_get_string(v), "camera");
	ck_assert(json_object_object_get_ex(t, "message", &v));
	ck_assert_str_eq(json_object_get_string(v), "CLOCK_CONFIG_SET");
	ck_assert(json_object_object_get_ex(t, "status", &v));
	ck_assert_str_eq(json_object_get_string(v), "SUCCESS");
	/* the resource, by the agent's name and the platform's */
	ck_assert(json_object_object_get_ex(t, "resource", &v));
	ck_assert_str_eq(json_object_get_string(v), "pixel");
	ck_assert(json_object_object_get_ex(t, "physical", &v));
	ck_assert_str_eq(json_object_get_string(v), "cam_pix");
	json_object_put(o);
	ck_assert_int_lt(td_recv_wait(fd, buf, sizeof(buf) - 1, 200), 0);
	close(cam);
	close(disp);
	close(fd);
}
END_TEST

/* Waits (harness only) until the daemon's log has the line. */
static bool log_wait(const char *needle)
{
	for (int i = 0; i < 100; i++) {
		if (log_count(needle) > 0)
			return true;
		sleep_ms(20);
	}
	return false;
}

START_TEST(test_sighup_checks_the_file_and_keeps_running)
{
	char conf[256];
	FILE *f;
	struct json_object *o;

	run_path(conf, sizeof(conf), "vscmid.conf");
	kill(daemon_pid, SIGHUP);
	ck_assert(log_wait("is unchanged"));
	/* a bad file is refused with its reason */
	f = fopen(conf, "a");
	ck_assert_ptr_nonnull(f);
	fputs("[clock broken]\nrates = 1M\n", f);
	fclose(f);
	kill(daemon_pid, SIGHUP);
	ck_assert(log_wait("reload refused, the running configuration stays"));
	ck_assert(log_wait("missing required key 'id'"));
	/* a valid but different one is reported, and the daemon runs on */
	f = fopen(conf, "a");
	ck_assert_ptr_nonnull(f);
	fputs("id = 99\n", f);
	fclose(f);
	kill(daemon_pid, SIGHUP);
	ck_assert(log_wait("changes the resources, which only a restart applies"));
	o = control("status", NULL);
	ck_assert(reply_ok(o));
	json_object_put(o);
}
END_TEST

/* --- vhost-user ---------------------------------------------------------------- */

static const char vhost_conf[] = "\n[agent vm]\n"
				 "vhost = /run/vscmi/vm.vhost\n"
				 "protocols = base clock\n"
				 "clocks = cam_core:core\n";

static void start_daemon_vhost(void)
{
	conf_extra = vhost_conf;
	start_daemon();
	conf_extra = NULL;
}

static int vhost_connect(void)
{
	char path[256];
	int fd;

	run_path(path, sizeof(path), "vm.vhost");
	fd = td_connect(path, SOCK_STREAM);
	ck_assert_msg(fd >= 0, "cannot connect to %s: %s", path, strerror(-fd));
	return fd;
}

/* GET_FEATURES, as QEMU asks first; the features, or 0 when the
 * connection was closed instead. */
static uint64_t vhost_get_features(int fd)
{
	uint32_t hdr[3] = { VHOST_USER_GET_FEATURES, VHOST_USER_VERSION, 0 };
	uint8_t rep[12 + 8];
	uint64_t v;
	ssize_t n, got = 0;

	if (send(fd, hdr, sizeof(hdr), MSG_NOSIGNAL) != sizeof(hdr))
		return 0;
	while (got < (ssize_t)sizeof(rep)) {
		n = td_recv_wait(fd, rep + got, sizeof(rep) - (size_t)got, 5000);
		if (n <= 0)
			return 0;
		got += n;
	}
	ck_assert_uint_eq(get_le32(rep), VHOST_USER_GET_FEATURES);
	ck_assert_uint_eq(get_le32(rep + 4), VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY);
	ck_assert_uint_eq(get_le32(rep + 8), 8);
	memcpy(&v, rep + 12, 8);
	return v;
}

START_TEST(test_vhost_frontend_served)
{
	uint8_t buf[64];
	int fe = vhost_connect(), second, cam;

	ck_assert_uint_eq(vhost_get_features(fe), 0x160000001ull);
	ck_assert(agent_connected("vm"));
	/* one frontend per agent */
	second = vhost_connect();
	ck_assert_int_eq(td_recv_wait(second, buf, sizeof(buf), 5000), 0);
	close(second);
	ck_assert_uint_eq(vhost_get_features(fe), 0x160000001ull);
	/* QEMU gone: served again on the next connection */
	close(fe);
	wait_disconnected("vm");
	fe = vhost_connect();
	ck_assert_uint_eq(vhost_get_features(fe), 0x160000001ull);
	/* the socket agents are served alongside */
	cam = agent_connect("camera");
	ck_assert_int_eq(scmi_cmd(cam, SCMI_PROTO_BASE, 0x0, 1, NULL, 0), SCMI_SUCCESS);
	close(cam);
	close(fe);
}
END_TEST

/* A broken frontend is closed with a log line; the daemon and the other
 * agents go on. */
START_TEST(test_vhost_broken_frontend_closed)
{
	static const uint32_t bad_version[3] = { VHOST_USER_GET_FEATURES, 0x2, 0 };
	static const uint32_t unknown[3] = { 99, VHOST_USER_VERSION, 0 };
	const uint32_t *msgs[] = { bad_version, unknown };
	uint8_t buf[64];
	int cam = agent_connect("camera");

	ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, true), SCMI_SUCCESS);
	for (unsigned int i = 0; i < 2; i++) {
		int fe = vhost_connect();

		ck_assert_int_eq(send(fe, msgs[i], 12, MSG_NOSIGNAL), 12);
		ck_assert_int_eq(td_recv_wait(fe, buf, sizeof(buf), 5000), 0);
		close(fe);
		wait_disconnected("vm");
	}
	/* half a header, then silence: the loop goes on serving the others
	 * meanwhile (the camera is answered while the frontend is still
	 * connected), and the stalled frontend is ended */
	{
		static const uint32_t get_features[3] = { VHOST_USER_GET_FEATURES,
							  VHOST_USER_VERSION, 0 };
		int fe = vhost_connect();

		ck_assert_int_eq(send(fe, bad_version, 6, MSG_NOSIGNAL), 6);
		sleep_ms(50);
		ck_assert_int_eq(scmi_cmd(cam, SCMI_PROTO_BASE, 0x0, 1, NULL, 0), SCMI_SUCCESS);
		ck_assert(agent_connected("vm"));
		ck_assert_int_eq(td_recv_wait(fe, buf, sizeof(buf), 5000), 0);
		close(fe);
		wait_disconnected("vm");
		ck_assert(log_wait("vhost-user frontend disconnected (stalled in the middle of a "
				   "message)"));

		/* the rest coming a little later completes the message */
		fe = vhost_connect();
		ck_assert_int_eq(send(fe, get_features, 5, MSG_NOSIGNAL), 5);
		sleep_ms(200);
		ck_assert_int_eq(send(fe, (const uint8_t *)get_features + 5, 7, MSG_NOSIGNAL), 7);
		ck_assert_int_eq(td_recv_wait(fe, buf, sizeof(buf), 5000), 20);
		close(fe);
		wait_disconnected("vm");
	}
	ck_assert_int_ge(log_count("vm: vhost-user frontend disconnected"), 4);
	ck_assert_int_eq(scmi_cmd(cam, SCMI_PROTO_BASE, 0x0, 2, NULL, 0), SCMI_SUCCESS);
	ck_assert(agent_connected("camera"));
	close(cam);
}
END_TEST

/* One vhost-user message with a u64 payload and one fd. */
static void vhost_send_fd(int sock, uint32_t req, uint64_t v, int fd)
{
	uint32_t msg[5] = { req, VHOST_USER_VERSION, 8 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	memcpy(&msg[3], &v, sizeof(v));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	ck_assert_int_eq(sendmsg(sock, &mh, MSG_NOSIGNAL), sizeof(msg));
}

/* Every registration in the daemon's epoll sets is on a file the daemon
 * still has open under that number. One whose fd was closed first cannot
 * be removed any more, and fires for a freed event source while the file
 * lives on elsewhere (a frontend's eventfd). */
static void assert_no_stale_watch(void)
{
	char dir[64], path[384], link[64], line[256];
	struct dirent *e;
	int epolls = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)daemon_pid);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		ssize_t n;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, "anon_inode:[eventpoll]"))
			continue;
		epolls++;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", (int)daemon_pid, e->d_name);
		f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		while (fgets(line, sizeof(line), f)) {
			unsigned long ino;
			struct stat st;
			char *p = strstr(line, "ino:");
			int tfd;

			if (sscanf(line, "tfd: %d", &tfd) != 1 || !p || sscanf(p, "ino:%lx", &ino) != 1)
				continue;
			snprintf(path, sizeof(path), "%s/%d", dir, tfd);
			ck_assert_msg(stat(path, &st) == 0 && st.st_ino == ino,
				      "the daemon watches fd %d, closed since", tfd);
		}
		fclose(f);
	}
	closedir(d);
	ck_assert_int_gt(epolls, 0);
}

/* QEMU hands the same kick eventfd again when a paused VM runs on: the
 * daemon gets a new number for it and closes the old one. */
START_TEST(test_vhost_kick_fd_given_again_leaves_no_stale_watch)
{
	int fe = vhost_connect(), efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ck_assert_int_ge(efd, 0);
	ck_assert_uint_eq(vhost_get_features(fe), 0x160000001ull);
	for (int i = 0; i < 3; i++) {
		vhost_send_fd(fe, VHOST_USER_SET_VRING_KICK, 0, efd);
		/* answered in order: the kick was taken */
		ck_assert_uint_eq(vhost_get_features(fe), 0x160000001ull);
		assert_no_stale_watch();
	}
	close(efd);
	close(fe);
}
END_TEST

/* --- restart ------------------------------------------------------------------- */

#define RESET_MSG 0x4
#define RESET_EXPLICIT_ASSERT (1u << 1)
#define CAMERA_CORE 1		/* cam_core in the camera's view */
#define DISPLAY_CORE 1		/* cam_core in the display's view */
#define BUS 0			/* rst_bus in both views */

static uint64_t transitions(void)
{
	struct json_object *o = control(VSCMI_CTL_STATUS, NULL);
	uint64_t n;

	ck_assert(reply_ok(o));
	n = json_object_get_uint64(jget(jget(o, "platform"), "transitions"));
	json_object_put(o);
	return n;
}

static void kill9_daemon(void)
{
	int status;

	ck_assert_int_eq(kill(daemon_pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(daemon_pid, &status, 0), daemon_pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	daemon_pid = 0;
}

static void reset_req(uint8_t *buf, uint16_t token, uint32_t domain, bool assert)
{
	put_le32(buf, SCMI_HDR(RESET_MSG, SCMI_TYPE_COMMAND, SCMI_PROTO_RESET, token));
	put_le32(buf + 4, domain);
	put_le32(buf + 8, assert ? RESET_EXPLICIT_ASSERT : 0);
	put_le32(buf + 12, 0);
}

static void clock_req(uint8_t *buf, uint16_t token, uint32_t clock, bool on)
{
	put_le32(buf, SCMI_HDR(CLOCK_CONFIG_SET, SCMI_TYPE_COMMAND, SCMI_PROTO_CLOCK, token));
	put_le32(buf + 4, clock);
	put_le32(buf + 8, on ? 1 : 0);
	put_le32(buf + 12, 0);
}

static bool reset_asserted(struct json_object *reply, const char *name)
{
	struct json_object *o = find_named(jget(jget(reply, "resources"), "reset"), "name", name);

	ck_assert_ptr_nonnull(o);
	return json_object_get_boolean(jget(jget(o, "state"), "asserted"));
}

/* gpu_power, shared by display (view 0) and infotainment (view 1). */
#define DISPLAY_GPU_POWER 0
#define IVI_GPU_POWER 1

static int64_t powercap_state(struct json_object *reply, const char *agent, const char *key)
{
	struct json_object *o = find_named(jget(jget(reply, "resources"), "powercap"), "name",
					   "gpu_power");

	ck_assert_ptr_nonnull(o);
	if (agent)
		o = find_named(jget(o, "votes"), "agent", agent);
	else
		o = jget(o, "state");
	ck_assert_ptr_nonnull(o);
	return jget(o, key) ? json_object_get_int64(jget(o, key)) : -1;
}

/* Two guests' caps on one domain through their sockets: the lowest is
 * applied, each reads its own, and a kill -9 and restart keeps both with
 * no platform call; a guest gone takes its cap along. */
START_TEST(test_powercap_votes_across_a_restart)
{
	const uint32_t ivi_cap[] = { IVI_GPU_POWER, 0, 3000 }, disp_cap[] = { DISPLAY_GPU_POWER, 0,
									      2000 };
	const uint32_t ivi_get[] = { IVI_GPU_POWER };
	int ivi = agent_connect("infotainment"), disp = agent_connect("display");
	uint8_t resp[SCMI_MSG_MAX + 16];
	struct json_object *o;
	uint64_t before;
	size_t rlen;
	uint8_t req[8];

	ck_assert_int_eq(scmi_cmd(ivi, SCMI_PROTO_POWERCAP, 0x5, 1, ivi_cap, 3), SCMI_SUCCESS);
	ck_assert_int_eq(scmi_cmd(disp, SCMI_PROTO_POWERCAP, 0x5, 2, disp_cap, 3), SCMI_SUCCESS);
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert_int_eq(powercap_state(o, NULL, "cap"), 2000);
	ck_assert_int_eq(powercap_state(o, "infotainment", "cap"), 3000);
	ck_assert_int_eq(powercap_state(o, "display", "cap"), 2000);
	ck_assert_int_le(powercap_state(o, NULL, "power"), 2000);
	json_object_put(o);
	before = transitions();
	kill9_daemon();
	close(ivi);
	close(disp);

	spawn_daemon();
	ck_assert(log_wait("restart: 2 agents' state restored"));
	ck_assert_uint_eq(transitions(), before);
	ivi = agent_connect("infotainment");
	disp = agent_connect("display");
	put_le32(req, SCMI_HDR(0x4, SCMI_TYPE_COMMAND, SCMI_PROTO_POWERCAP, 9));
	put_le32(req + 4, ivi_get[0]);
	ck_assert_int_eq(scmi_raw(ivi, req, sizeof(req), resp, &rlen), SCMI_SUCCESS);
	ck_assert_uint_eq(rlen, 12);
	ck_assert_uint_eq(get_le32(resp + 8), 3000);
	close(disp);
	o = NULL;
	for (int i = 0; i < 50; i++) {
		json_object_put(o);
		o = control(VSCMI_CTL_RESOURCES, NULL);
		if (powercap_state(o, NULL, "cap") == 3000)
			break;
		sleep_ms(20);
	}
	ck_assert_int_eq(powercap_state(o, NULL, "cap"), 3000);
	json_object_put(o);
	close(ivi);
}
END_TEST

/* The display holds the camera core clock on and the shared bus reset
 * deasserted; the camera flips its own votes on both as fast as it can
 * (every one a journal write, none a hardware change) when vscmid is
 * killed. The restarted daemon finds the hardware as it was, changes
 * none of it, and both guests carry on. */
/* A guest that never reads its replies: what does not fit in its socket is
 * dropped and counted, never waited for; the other agent is answered all
 * along (each within scmi_raw's 5 s) and its vote stands; the flooding
 * agent is served again once it reads. */
START_TEST(test_replies_never_read_stall_nobody)
{
	int cam = agent_connect("camera"), disp = agent_connect("display");
	uint8_t req[16], resp[SCMI_MSG_MAX + 16];
	struct json_object *o, *a;
	uint64_t dropped;
	int sent = 0;
	ssize_t n;

	ck_assert_int_eq(clock_config(disp, DISPLAY_PIXEL, true), SCMI_SUCCESS);
	for (int i = 0; i < 4000; i++) {
		clock_req(req, (uint16_t)(i & 0x3ff), CAMERA_PIXEL, i % 2 == 0);
		if (send(cam, req, sizeof(req), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			/* the daemon has not taken the last ones in yet */
			ck_assert_int_eq(errno, EAGAIN);
			sleep_ms(1);
			continue;
		}
		sent++;
		if (i % 400 == 0)
			ck_assert_int_eq(clock_config(disp, DISPLAY_PIXEL, true), SCMI_SUCCESS);
	}
	ck_assert_int_gt(sent, 1000);
	o = control(VSCMI_CTL_STATUS, NULL);
	ck_assert(reply_ok(o));
	a = find_named(jget(o, "agents"), "name", "camera");
	ck_assert_ptr_nonnull(a);
	dropped = json_object_get_uint64(jget(a, "replies_dropped"));
	ck_assert_uint_gt(dropped, 0);
	ck_assert(json_object_get_boolean(jget(a, "connected")));
	json_object_put(o);
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert(reply_ok(o));
	ck_assert_int_eq(clock_vote(o, "disp_pix", "display"), 1);
	json_object_put(o);
	/* the camera reads what it was sent, then is answered as before */
	while ((n = td_recv_wait(cam, resp, sizeof(resp), 200)) > 0)
		;
	ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, true), SCMI_SUCCESS);
	close(cam);
	close(disp);
}
END_TEST

/* Two commands under one token: each is answered, in order, under that
 * token, with its own status; nothing keys on a guest's tokens. */
START_TEST(test_token_reuse_answers_each_command)
{
	int cam = agent_connect("camera");
	uint8_t req[16], resp[SCMI_MSG_MAX + 16];
	struct json_object *o;
	ssize_t n;

	clock_req(req, 5, CAMERA_PIXEL, true);
	ck_assert_int_eq(send(cam, req, sizeof(req), MSG_NOSIGNAL), (ssize_t)sizeof(req));
	clock_req(req, 5, 99, true);
	ck_assert_int_eq(send(cam, req, sizeof(req), MSG_NOSIGNAL), (ssize_t)sizeof(req));
	n = td_recv_wait(cam, resp, sizeof(resp), 5000);
	ck_assert_int_ge(n, 8);
	ck_assert_uint_eq(get_le32(resp),
			  SCMI_HDR(CLOCK_CONFIG_SET, SCMI_TYPE_COMMAND, SCMI_PROTO_CLOCK, 5));
	ck_assert_int_eq((int32_t)get_le32(resp + 4), SCMI_SUCCESS);
	n = td_recv_wait(cam, resp, sizeof(resp), 5000);
	ck_assert_int_ge(n, 8);
	ck_assert_uint_eq(get_le32(resp),
			  SCMI_HDR(CLOCK_CONFIG_SET, SCMI_TYPE_COMMAND, SCMI_PROTO_CLOCK, 5));
	ck_assert_int_eq((int32_t)get_le32(resp + 4), SCMI_NOT_FOUND);
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert(reply_ok(o));
	ck_assert_int_eq(clock_vote(o, "cam_pix", "camera"), 1);
	json_object_put(o);
	close(cam);
}
END_TEST

START_TEST(test_kill9_under_load_changes_nothing)
{
	int cam = agent_connect("camera"), disp = agent_connect("display");
	uint8_t req[16], resp[SCMI_MSG_MAX + 16];
	struct json_object *o;
	uint64_t before;
	size_t rlen;

	ck_assert_int_eq(clock_config(disp, DISPLAY_CORE, true), SCMI_SUCCESS);
	ck_assert_int_eq(clock_config(disp, DISPLAY_PIXEL, true), SCMI_SUCCESS);
	reset_req(req, 1, BUS, false);
	ck_assert_int_eq(scmi_raw(disp, req, sizeof(req), resp, &rlen), SCMI_SUCCESS);
	ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, true), SCMI_SUCCESS);
	before = transitions();
	for (int i = 0; i < 400; i++) {
		if (i % 2)
			reset_req(req, (uint16_t)i, BUS, i % 4 == 1);
		else
			clock_req(req, (uint16_t)i, CAMERA_CORE, i % 4 == 0);
		/* replies are not read: the daemon drops what does not fit */
		if (send(cam, req, sizeof(req), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			ck_assert_int_eq(errno, EAGAIN);
	}
	kill9_daemon();
	close(cam);
	close(disp);

	spawn_daemon();
	ck_assert(log_wait("restart: 2 agents' state restored"));
	ck_assert_uint_eq(transitions(), before);
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert(reply_ok(o));
	ck_assert(clock_on(o, "cam_pix"));
	ck_assert(clock_on(o, "pll_video"));
	ck_assert(clock_on(o, "disp_pix"));
	ck_assert(clock_on(o, "cam_core"));
	ck_assert_int_eq(clock_vote(o, "cam_core", "display"), 1);
	ck_assert_int_eq(clock_vote(o, "cam_pix", "camera"), 1);
	ck_assert(!reset_asserted(o, "rst_bus"));
	json_object_put(o);
	/* the guests' next commands succeed, on the same hardware */
	cam = agent_connect("camera");
	disp = agent_connect("display");
	ck_assert_int_eq(scmi_cmd(cam, SCMI_PROTO_BASE, 0x0, 1, NULL, 0), SCMI_SUCCESS);
	ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, true), SCMI_SUCCESS);
	ck_assert_int_eq(clock_config(disp, DISPLAY_PIXEL, true), SCMI_SUCCESS);
	ck_assert_uint_eq(transitions(), before);
	/* and what they change from here on is served as before */
	ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, false), SCMI_SUCCESS);
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert(!clock_on(o, "cam_pix"));
	ck_assert(clock_on(o, "pll_video"));
	json_object_put(o);
	close(cam);
	close(disp);
}
END_TEST

/* A guest that does not come back after the restart has its votes
 * released once the grace period ends; one that does keeps them. */
/* The camera alone switches its pixel clock (and with it the PLL) on and
 * off as fast as it can, and vscmid is killed somewhere in the middle of
 * that: between a vote and its journal write, or a platform call and its
 * reply. However the kill falls, the restarted daemon leaves the hardware
 * and the votes it restored agreeing, and changes at most what disagreed. */
START_TEST(test_kill9_mid_change_leaves_hardware_and_votes_agreeing)
{
	for (int round = 0; round < 6; round++) {
		int cam = agent_connect("camera"), st;
		struct json_object *o;
		uint64_t before;
		pid_t load;
		bool on;

		/* a process that toggles until the daemon goes away */
		load = fork();
		ck_assert_int_ge(load, 0);
		if (load == 0) {
			/* no ck_assert here: the daemon's death ends the loop */
			uint8_t req[16], resp[64];

			for (uint16_t i = 0;; i++) {
				clock_req(req, i, CAMERA_PIXEL, i % 2 == 0);
				if (send(cam, req, sizeof(req), MSG_NOSIGNAL) < 0 ||
				    td_recv_wait(cam, resp, sizeof(resp), 5000) <= 0)
					_exit(0);
			}
		}
		sleep_ms(5 + round * 7);
		kill9_daemon();
		ck_assert_int_eq(waitpid(load, &st, 0), load);
		close(cam);
		spawn_daemon();
		o = control(VSCMI_CTL_RESOURCES, NULL);
		ck_assert(reply_ok(o));
		on = clock_vote(o, "cam_pix", "camera") == 1;
		ck_assert_msg(clock_on(o, "cam_pix") == on,
			      "round %d: cam_pix is %s, the camera's restored vote %s", round,
			      clock_on(o, "cam_pix") ? "on" : "off", on ? "on" : "off");
		ck_assert_msg(clock_on(o, "pll_video") == on, "round %d: pll_video disagrees",
			      round);
		json_object_put(o);
		/* from here on it is served as before, and a command that
		 * changes nothing changes nothing */
		before = transitions();
		cam = agent_connect("camera");
		ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, on), SCMI_SUCCESS);
		ck_assert_uint_eq(transitions(), before);
		ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, !on), SCMI_SUCCESS);
		o = control(VSCMI_CTL_RESOURCES, NULL);
		ck_assert(clock_on(o, "cam_pix") == !on);
		json_object_put(o);
		close(cam);
		wait_disconnected("camera");
	}
}
END_TEST

START_TEST(test_restart_releases_agents_that_stay_away)
{
	int cam = agent_connect("camera"), disp = agent_connect("display");
	struct json_object *o;
	char conf[256], cmd[600];
	bool off = false;

	ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, true), SCMI_SUCCESS);
	ck_assert_int_eq(clock_config(disp, DISPLAY_PIXEL, true), SCMI_SUCCESS);
	kill9_daemon();
	close(cam);
	close(disp);
	run_path(conf, sizeof(conf), "vscmid.conf");
	snprintf(cmd, sizeof(cmd), "sed -i 's/^\\[daemon\\]$/[daemon]\\nrestart_grace = 1/' '%s'",
		 conf);
	ck_assert_int_eq(system(cmd), 0);
	spawn_daemon();
	disp = agent_connect("display");
	ck_assert_int_eq(scmi_cmd(disp, SCMI_PROTO_BASE, 0x0, 1, NULL, 0), SCMI_SUCCESS);
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert(clock_on(o, "cam_pix"));
	json_object_put(o);
	for (int i = 0; i < 150 && !off; i++) {
		sleep_ms(20);
		o = control(VSCMI_CTL_RESOURCES, NULL);
		off = !clock_on(o, "cam_pix");
		json_object_put(o);
	}
	ck_assert_msg(off, "the camera's votes were not released");
	ck_assert(log_wait("agent camera: not back within 1s of the restart"));
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert(clock_on(o, "disp_pix"));
	ck_assert(clock_on(o, "pll_video"));
	ck_assert_int_eq(clock_vote(o, "disp_pix", "display"), 1);
	json_object_put(o);
	close(disp);
}
END_TEST

/* A journal that is not one is said so; its agent starts afresh and the
 * others are restored. */
START_TEST(test_restart_with_a_broken_journal)
{
	int cam = agent_connect("camera"), disp = agent_connect("display");
	struct json_object *o;
	char path[256];
	FILE *f;

	ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, true), SCMI_SUCCESS);
	ck_assert_int_eq(clock_config(disp, DISPLAY_PIXEL, true), SCMI_SUCCESS);
	kill9_daemon();
	close(cam);
	close(disp);
	run_path(path, sizeof(path), "state/agent-camera.journal");
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"version\":1,\"agent\":\"camera\",\"resources\":[{\"kind\":", f);
	fclose(f);
	spawn_daemon();
	ck_assert(log_wait("agent camera starts afresh"));
	ck_assert(log_wait("restart: 1 agents' state restored"));
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert_int_eq(clock_vote(o, "disp_pix", "display"), 1);
	ck_assert_int_eq(clock_vote(o, "cam_pix", "camera"), 0);
	json_object_put(o);
	cam = agent_connect("camera");
	ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, true), SCMI_SUCCESS);
	close(cam);
}
END_TEST

/* Agents come and go with a reload: a removed one is released and its
 * socket goes, a changed one comes back with a new id, a new one is
 * served, and the agents that did not change keep their connection and
 * votes. */
/* An agent a reload brings back starts with nothing held, and a journal
 * its name left from an earlier run must not hand it votes at the next
 * restart: its guest was never told of them. */
START_TEST(test_reload_added_agent_does_not_inherit_an_old_journal)
{
	int disp = agent_connect("display");
	struct json_object *o;
	char conf[256], saved[256], cmd[900];

	ck_assert_int_eq(clock_config(disp, DISPLAY_PIXEL, true), SCMI_SUCCESS);
	kill9_daemon();
	close(disp);
	/* the next run is configured without the display... */
	run_path(conf, sizeof(conf), "vscmid.conf");
	run_path(saved, sizeof(saved), "vscmid.conf.orig");
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && sed -i '/^\\[agent display\\]/,/^$/d' '%s'",
		 conf, saved, conf);
	ck_assert_int_eq(system(cmd), 0);
	spawn_daemon();
	/* ...until a reload adds it again, with nothing held */
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", saved, conf);
	ck_assert_int_eq(system(cmd), 0);
	kill(daemon_pid, SIGHUP);
	ck_assert(log_wait("agent display: added with id"));
	disp = agent_connect("display");
	ck_assert_int_eq(scmi_cmd(disp, SCMI_PROTO_BASE, 0x0, 1, NULL, 0), SCMI_SUCCESS);
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert_int_eq(clock_vote(o, "disp_pix", "display"), 0);
	json_object_put(o);
	kill9_daemon();
	close(disp);
	spawn_daemon();
	disp = agent_connect("display");
	ck_assert_int_eq(scmi_cmd(disp, SCMI_PROTO_BASE, 0x0, 2, NULL, 0), SCMI_SUCCESS);
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert_int_eq(clock_vote(o, "disp_pix", "display"), 0);
	json_object_put(o);
	close(disp);
}
END_TEST

START_TEST(test_sighup_applies_agents_live)
{
	int cam = agent_connect("camera"), disp = agent_connect("display"), fd;
	struct json_object *o, *a;
	char conf[256], path[256], cmd[700];
	FILE *f;

	ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, true), SCMI_SUCCESS);
	ck_assert_int_eq(clock_config(disp, DISPLAY_PIXEL, true), SCMI_SUCCESS);
	run_path(conf, sizeof(conf), "vscmid.conf");
	snprintf(cmd, sizeof(cmd),
		 "sed -i -e '/^\\[agent display\\]/,/^$/d' -e 's/^privileged = yes/privileged = no/' '%s'",
		 conf);
	ck_assert_int_eq(system(cmd), 0);
	f = fopen(conf, "a");
	ck_assert_ptr_nonnull(f);
	fputs("\n[agent newcomer]\nprotocols = base clock\nclocks = disp_axi\n", f);
	fclose(f);
	kill(daemon_pid, SIGHUP);
	ck_assert(log_wait("applied: 1 agents added, 1 removed, 1 changed, 2 unchanged"));

	/* the display is gone: no socket, its votes released */
	ck_assert_int_eq(td_recv_wait(disp, cmd, sizeof(cmd), 5000), 0);
	close(disp);
	run_path(path, sizeof(path), "display.sock");
	ck_assert_int_eq(sock_connect(path), -ENOENT);
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert(!clock_on(o, "disp_pix"));
	ck_assert(clock_on(o, "cam_pix"));
	ck_assert_int_eq(clock_vote(o, "cam_pix", "camera"), 1);
	json_object_put(o);
	/* the camera's connection was never touched */
	ck_assert_int_eq(scmi_cmd(cam, SCMI_PROTO_BASE, 0x0, 3, NULL, 0), SCMI_SUCCESS);
	/* the newcomer is served */
	fd = agent_connect("newcomer");
	ck_assert_int_eq(clock_config(fd, 0, true), SCMI_SUCCESS);
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert(clock_on(o, "disp_axi"));
	json_object_put(o);
	close(fd);
	o = control(VSCMI_CTL_AGENTS, NULL);
	ck_assert(reply_ok(o));
	ck_assert_ptr_null(find_named(jget(o, "agents"), "name", "display"));
	a = find_named(jget(o, "agents"), "name", "camera");
	ck_assert_int_eq(json_object_get_int(jget(a, "id")), 1);
	a = find_named(jget(o, "agents"), "name", "ops");
	ck_assert_int_eq(json_object_get_int(jget(a, "id")), 5);
	ck_assert(!json_object_get_boolean(jget(a, "privileged")));
	a = find_named(jget(o, "agents"), "name", "newcomer");
	ck_assert_int_eq(json_object_get_int(jget(a, "id")), 6);
	json_object_put(o);
	close(cam);
}
END_TEST

/* A reload that cannot open an agent's socket finishes the rest, says it
 * was applied in part, and the next reload (the file unchanged) opens it
 * once what stood in the way is gone. */
START_TEST(test_reload_applied_in_part_is_finished_by_the_next)
{
	int disp = agent_connect("display"), fd;
	char conf[256], blocker[256], path[300], cmd[700];
	struct json_object *o;
	FILE *f;

	ck_assert_int_eq(clock_config(disp, DISPLAY_PIXEL, true), SCMI_SUCCESS);
	/* a file where the socket's directory should be: the bind fails */
	run_path(blocker, sizeof(blocker), "blocker");
	f = fopen(blocker, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	run_path(conf, sizeof(conf), "vscmid.conf");
	snprintf(cmd, sizeof(cmd), "sed -i -e '/^\\[agent display\\]/,/^$/d' '%s'", conf);
	ck_assert_int_eq(system(cmd), 0);
	f = fopen(conf, "a");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "\n[agent late]\nsocket = %s/late.sock\nprotocols = base clock\n"
		   "clocks = disp_axi\n"
		   "\n[agent newcomer]\nprotocols = base clock\nclocks = disp_pix\n",
		blocker);
	fclose(f);
	kill(daemon_pid, SIGHUP);
	ck_assert(log_wait("applied in part: 2 agents added, 1 removed, 0 changed; 1 not served"));
	/* the rest was done: the display is gone with its vote, the newcomer
	 * is served */
	ck_assert_int_eq(td_recv_wait(disp, cmd, sizeof(cmd), 5000), 0);
	close(disp);
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert(!clock_on(o, "disp_pix"));
	json_object_put(o);
	fd = agent_connect("newcomer");
	ck_assert_int_eq(scmi_cmd(fd, SCMI_PROTO_BASE, 0x0, 1, NULL, 0), SCMI_SUCCESS);
	close(fd);

	/* the same file again, with the way clear */
	ck_assert_int_eq(unlink(blocker), 0);
	kill(daemon_pid, SIGHUP);
	ck_assert(log_wait("agent late: its channel is open"));
	ck_assert(log_wait("applied: 0 agents added, 0 removed, 0 changed"));
	snprintf(path, sizeof(path), "%s/late.sock", blocker);
	fd = sock_connect(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(clock_config(fd, 0, true), SCMI_SUCCESS);
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert(clock_on(o, "disp_axi"));
	json_object_put(o);
	close(fd);
	/* and then nothing is left to do */
	kill(daemon_pid, SIGHUP);
	ck_assert(log_wait("is unchanged"));
}
END_TEST

/* The layout of a journal file's slot headers (src/daemon/journal.c). */
struct jhead {
	uint64_t magic, seq;
	uint32_t len, cap;
	uint64_t hash;
};

/* A write cut short by the kill leaves the newer slot broken: the older
 * one is read, the state from before the change the guest was never told
 * of, and the hardware follows it back: only that change is undone. */
START_TEST(test_restart_after_a_torn_journal_write)
{
	int cam = agent_connect("camera"), fd;
	struct jhead h[2];
	struct json_object *o;
	char path[256], c;
	uint64_t before;
	off_t off, slot;
	int newer;

	ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, true), SCMI_SUCCESS);
	ck_assert_int_eq(clock_config(cam, CAMERA_CORE, true), SCMI_SUCCESS);
	before = transitions();
	kill9_daemon();
	close(cam);
	run_path(path, sizeof(path), "state/agent-camera.journal");
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	/* two equal slots */
	slot = lseek(fd, 0, SEEK_END) / 2;
	ck_assert_int_eq(pread(fd, &h[0], sizeof(h[0]), 0), sizeof(h[0]));
	ck_assert_int_eq(pread(fd, &h[1], sizeof(h[1]), slot), sizeof(h[1]));
	/* both written: the pixel clock's vote, then the core clock's */
	ck_assert_uint_eq(h[0].magic, h[1].magic);
	newer = h[1].seq > h[0].seq;
	/* one byte of the newer text, as a write the kill cut short */
	off = (off_t)newer * slot + (off_t)sizeof(h[0]) + 10;
	ck_assert_int_eq(pread(fd, &c, 1, off), 1);
	c ^= 0x20;
	ck_assert_int_eq(pwrite(fd, &c, 1, off), 1);
	close(fd);
	spawn_daemon();
	ck_assert(log_wait("agent camera: 1 resource states restored"));
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert_int_eq(clock_vote(o, "cam_pix", "camera"), 1);
	ck_assert_int_eq(clock_vote(o, "cam_core", "camera"), 0);
	ck_assert(clock_on(o, "cam_pix"));
	ck_assert(!clock_on(o, "cam_core"));
	json_object_put(o);
	ck_assert_uint_eq(transitions(), before + 1);
}
END_TEST

/* ---- systemd: sd_notify as the service manager sees it ------------------ */

/* --- boot votes ------------------------------------------------------------------ */

/* A bus clock the bootloader left running, seen by one agent. */
static const char boot_conf[] = "\n[clock boot_bus]\n"
				"id = 9\n"
				"rates = 100M 200M\n"
				"policy = max\n"
				"rate = 200M\n"
				"enabled = yes\n"
				"\n[agent bootvm]\n"
				"socket = /run/vscmi/bootvm.sock\n"
				"protocols = base clock\n"
				"clocks = boot_bus\n";

static void start_daemon_boot(void)
{
	conf_extra = boot_conf;
	start_daemon();
	conf_extra = NULL;
}

#define CLOCK_RATE_SET 0x5

static bool boot_held(const char *clock)
{
	struct json_object *o = control(VSCMI_CTL_RESOURCES, NULL);
	struct json_object *boot;
	bool held = json_object_object_get_ex(clock_res(o, clock), "boot", &boot);

	json_object_put(o);
	return held;
}

static bool clock_is_on(const char *clock)
{
	struct json_object *o = control(VSCMI_CTL_RESOURCES, NULL);
	bool on = clock_on(o, clock);

	json_object_put(o);
	return on;
}

/* The boot vote holds the clock on against a guest that never switched
 * it on, across a restart; once the guest has taken it over and switched
 * it off, a restart does not bring the boot vote back (state/boot). */
START_TEST(test_boot_vote_and_its_takeover_survive_restarts)
{
	const uint32_t rate200[] = { 0, 0, 200000000, 0 }, rate100[] = { 0, 0, 100000000, 0 };
	int vm = agent_connect("bootvm");
	uint64_t before = transitions();

	ck_assert(clock_is_on("boot_bus") && boot_held("boot_bus"));
	ck_assert_int_eq(scmi_cmd(vm, SCMI_PROTO_CLOCK, CLOCK_RATE_SET, 1, rate200, 4),
			 SCMI_SUCCESS);
	ck_assert_int_eq(clock_config(vm, 0, false), SCMI_SUCCESS);
	ck_assert_uint_eq(transitions(), before);
	ck_assert(clock_is_on("boot_bus") && boot_held("boot_bus"));
	close(vm);
	kill9_daemon();
	spawn_daemon();
	ck_assert(clock_is_on("boot_bus") && boot_held("boot_bus"));

	vm = agent_connect("bootvm");
	ck_assert_int_eq(clock_config(vm, 0, true), SCMI_SUCCESS);
	ck_assert(!boot_held("boot_bus"));
	ck_assert_int_eq(clock_config(vm, 0, false), SCMI_SUCCESS);
	ck_assert(!clock_is_on("boot_bus"));
	close(vm);
	kill9_daemon();
	spawn_daemon();
	ck_assert(!clock_is_on("boot_bus") && !boot_held("boot_bus"));
	vm = agent_connect("bootvm");
	ck_assert_int_eq(scmi_cmd(vm, SCMI_PROTO_CLOCK, CLOCK_RATE_SET, 2, rate100, 4),
			 SCMI_SUCCESS);
	ck_assert(!clock_is_on("boot_bus"));
	close(vm);
}
END_TEST

static int notify_fd = -1;
static char notify_path[108];

/* A datagram socket standing in for systemd's notification socket, and a
 * watchdog of 200 ms: vscmid should ping it every 100 ms. */
static void start_daemon_notify(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *tmp = getenv("TMPDIR");

	snprintf(notify_path, sizeof(notify_path), "%s/vscmi-notify-%d", tmp ? tmp : "/tmp",
		 (int)getpid());
	unlink(notify_path);
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(notify_fd, 0);
	strcpy(sa.sun_path, notify_path);
	ck_assert_int_eq(bind(notify_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("NOTIFY_SOCKET", notify_path, 1);
	setenv("WATCHDOG_USEC", "200000", 1);
	/* stderr is the journal's: each line says its priority */
	setenv("JOURNAL_STREAM", "8:1234", 1);
	start_daemon();
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("JOURNAL_STREAM");
}

static void stop_daemon_notify(void)
{
	stop_daemon();
	close(notify_fd);
	notify_fd = -1;
	unlink(notify_path);
}

/* The next notification, as text; false if none comes within ms. */
static bool notify_next(char *buf, size_t cap, int ms)
{
	ssize_t n = td_recv_wait(notify_fd, buf, cap - 1, ms);

	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* Waits up to ms for a notification holding needle, counting on the way
 * those that hold count_this (may be NULL). */
static bool notify_wait(const char *needle, int ms, const char *count_this, int *count,
			char *last, size_t cap)
{
	for (int waited = 0; waited < ms; waited += 50) {
		while (notify_next(last, cap, 50)) {
			if (count_this && strstr(last, count_this))
				(*count)++;
			if (strstr(last, needle))
				return true;
		}
	}
	return false;
}

START_TEST(test_sd_notify_ready_status_watchdog_stopping)
{
	char msg[512];
	int pings = 0, st, fd;

	/* the daemon is ready before the control socket answers */
	ck_assert_msg(notify_wait("READY=1", 2000, NULL, NULL, msg, sizeof(msg)),
		      "no READY=1");
	ck_assert_msg(strstr(msg, "STATUS=serving 4 agents on emulated platform, 0 of 4 agent "
				  "sockets connected"),
		      "%s", msg);
	/* WATCHDOG_USEC=200000: a ping at least every 100 ms while it runs */
	for (int i = 0; i < 10; i++)
		if (notify_next(msg, sizeof(msg), 300) && strstr(msg, "WATCHDOG=1"))
			pings++;
	ck_assert_int_ge(pings, 5);
	/* an agent's connection is told in STATUS= */
	fd = agent_connect("camera");
	ck_assert_msg(notify_wait("1 of 4 agent sockets connected", 2000, NULL, NULL, msg,
				  sizeof(msg)),
		      "no STATUS= for the connection");
	close(fd);
	ck_assert_msg(notify_wait("0 of 4 agent sockets connected", 2000, NULL, NULL, msg,
				  sizeof(msg)),
		      "no STATUS= for the hang-up");
	kill(daemon_pid, SIGTERM);
	ck_assert_int_eq(waitpid(daemon_pid, &st, 0), daemon_pid);
	daemon_pid = 0;
	daemon_reaped = st;
	ck_assert_msg(notify_wait("STOPPING=1", 1000, NULL, NULL, msg, sizeof(msg)),
		      "no STOPPING=1");
}
END_TEST

/* Under JOURNAL_STREAM every line starts with its syslog priority. */
START_TEST(test_journal_lines_carry_their_priority)
{
	static const char start[] = "<6>vscmid " VSCMI_VERSION ": 4 agents";
	char path[256], line[512];
	int info = 0, debug = 0, lines = 0;
	FILE *f;

	/* --verbose: the connection is logged at debug level */
	close(agent_connect("camera"));
	ck_assert(notify_wait("0 of 4 agent sockets connected", 2000, NULL, NULL, line,
			      sizeof(line)));
	run_path(path, sizeof(path), "vscmid.log");
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		lines++;
		ck_assert_msg(line[0] == '<' && line[1] >= '0' && line[1] <= '7' && line[2] == '>',
			      "a line without its priority: %s", line);
		info += strncmp(line, start, strlen(start)) == 0;
		debug += line[1] == '7';
	}
	fclose(f);
	ck_assert_int_gt(lines, 0);
	ck_assert_int_eq(info, 1);
	ck_assert_int_gt(debug, 0);
}
END_TEST

/* ---- vscmictl: what a person and a script see ---------------------------- */

/* Runs vscmictl with args against this daemon (or socket, if given), its
 * output in out; returns its exit status. */
static int run_ctl(const char *socket_path, const char *args, char *out, size_t cap)
{
	const char *ctl = getenv("VSCMICTL");
	char cmd[1024], sock[256];
	size_t len = 0, n;
	FILE *p;
	int st;

	ck_assert_msg(ctl, "VSCMICTL must be set");
	if (!socket_path) {
		run_path(sock, sizeof(sock), "control");
		socket_path = sock;
	}
	snprintf(cmd, sizeof(cmd), "%s --socket '%s' %s 2>&1", ctl, socket_path, args);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (len < cap - 1 && (n = fread(out + len, 1, cap - 1 - len, p)) > 0)
		len += n;
	out[len] = '\0';
	st = pclose(p);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* The table row whose first cells are those of prefix (single spaces in
 * prefix stand for a column gap). */
static bool has_row(const char *out, const char *first, const char *second)
{
	const char *line = out;

	while (line && *line) {
		char a[64], b[64];

		if (sscanf(line, "%63s %63s", a, b) == 2 && strcmp(a, first) == 0 &&
		    strcmp(b, second) == 0)
			return true;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return false;
}

/* vscmictl trace as a person reads it: the resource and what was asked
 * or answered, decoded. */
/* Pin control through an agent socket: a group's function and a pin's
 * config, both shown by vscmictl; a restart keeps the holder and the
 * settings with no platform call; a release puts the defaults back. */
static struct json_object *pin_res(struct json_object *reply, const char *name)
{
	return find_named(jget(jget(reply, "resources"), "pin"), "name", name);
}

START_TEST(test_pins_held_across_a_restart)
{
	static char out[65536];
	/* the i2s group (0) to the i2s function (0); mic_mute (3) at 8 mA */
	const uint32_t mux[3] = { 0, 0, 1u | 1u << 10 }, cfg[5] = { 3, 0xffffffffu, 1u << 2, 10, 8 };
	const uint32_t grp[2] = { 0, 1 };
	int ivi = agent_connect("infotainment");
	struct json_object *o;
	uint64_t before;

	ck_assert_int_eq(scmi_cmd(ivi, SCMI_PROTO_PINCTRL, 0x6, 1, mux, 3), SCMI_SUCCESS);
	ck_assert_int_eq(scmi_cmd(ivi, SCMI_PROTO_PINCTRL, 0x6, 2, cfg, 5), SCMI_SUCCESS);
	ck_assert_int_eq(run_ctl(NULL, "resources", out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "i2s drive-strength=4, held by infotainment") &&
			      strstr(out, "i2s_bclk i2s_lrck i2s_dout"),
		      "%s", out);
	kill9_daemon();
	close(ivi);
	spawn_daemon();
	before = transitions();
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert_str_eq(json_object_get_string(jget(pin_res(o, "i2s_dout"), "owner")),
			 "infotainment");
	ck_assert_str_eq(json_object_get_string(jget(jget(pin_res(o, "i2s_dout"), "state"),
						     "function")),
			 "i2s");
	ck_assert_int_eq(json_object_get_int64(jget(jget(jget(pin_res(o, "mic_mute"), "state"),
							 "configs"),
						    "drive-strength")),
			 8);
	json_object_put(o);
	ivi = agent_connect("infotainment");
	ck_assert_int_eq(scmi_cmd(ivi, SCMI_PROTO_PINCTRL, 0x7, 3, grp, 2), SCMI_SUCCESS);
	ck_assert_uint_eq(transitions(), before);
	ck_assert_int_eq(scmi_cmd(ivi, SCMI_PROTO_PINCTRL, 0x8, 4, grp, 2), SCMI_SUCCESS);
	ck_assert_uint_gt(transitions(), before);
	o = control(VSCMI_CTL_RESOURCES, NULL);
	ck_assert_ptr_null(jget(pin_res(o, "i2s_dout"), "owner"));
	ck_assert_ptr_null(jget(jget(pin_res(o, "i2s_dout"), "state"), "function"));
	json_object_put(o);
	close(ivi);
}
END_TEST

/* Starts vscmictl trace on the agent whose connection fd is: it is in once
 * a read of the agent's shows. The trace's first output is in out. */
static pid_t trace_follow(const char *agent, int fd, int *rfd, char *out, size_t cap,
			  size_t *len)
{
	const char *ctl = getenv("VSCMICTL");
	char sock[256];
	int pfd[2];
	ssize_t n;
	pid_t pid;

	ck_assert_msg(ctl, "VSCMICTL must be set");
	run_path(sock, sizeof(sock), "control");
	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execl(ctl, ctl, "--socket", sock, "trace", agent, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	*len = 0;
	for (int i = 0; i < 50 && *len == 0; i++) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };

		ck_assert_int_eq(scmi_cmd(fd, SCMI_PROTO_BASE, 0x0, 1, NULL, 0), SCMI_SUCCESS);
		if (poll(&p, 1, 100) == 1 && (n = read(pfd[0], out, cap - 1)) > 0)
			*len = (size_t)n;
	}
	ck_assert_msg(*len > 0, "vscmictl trace showed nothing");
	*rfd = pfd[0];
	return pid;
}

/* Stops the trace once what was sent has had time to show; all it wrote
 * is in out. */
static void trace_stop(pid_t pid, int rfd, char *out, size_t cap, size_t len)
{
	ssize_t n;
	int st;

	sleep_ms(300);
	kill(pid, SIGTERM);
	while (len < cap - 1 && (n = read(rfd, out + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(rfd);
	waitpid(pid, &st, 0);
}

START_TEST(test_vscmictl_trace_decodes)
{
	static char out[16384];
	int cam = agent_connect("camera"), rfd;
	uint32_t rate_get[1] = { CAMERA_PIXEL };
	size_t len;
	pid_t pid = trace_follow("camera", cam, &rfd, out, sizeof(out), &len);

	ck_assert_int_eq(clock_config(cam, CAMERA_PIXEL, true), SCMI_SUCCESS);
	ck_assert_int_eq(scmi_cmd(cam, SCMI_PROTO_CLOCK, 0x6, 7, rate_get, 1), SCMI_SUCCESS);
	trace_stop(pid, rfd, out, sizeof(out), len);
	close(cam);
	ck_assert_msg(strstr(out, "CLOCK_CONFIG_SET") && strstr(out, "pixel (cam_pix)") &&
			      strstr(out, " on "),
		      "%s", out);
	ck_assert_msg(strstr(out, "CLOCK_RATE_GET") && strstr(out, "-> 25000000 Hz"), "%s", out);
}
END_TEST

/* Pin control's settings and requests, decoded. */
START_TEST(test_vscmictl_trace_decodes_pins)
{
	static char out[16384];
	const uint32_t mux[3] = { 0, 0, 1u | 1u << 10 }, cfg[7] = { 3, 0xffffffffu, 2u << 2, 10,
								    8, 4, 1 };
	const uint32_t req[2] = { 3, 0 };
	int ivi = agent_connect("infotainment"), rfd;
	size_t len;
	pid_t pid = trace_follow("infotainment", ivi, &rfd, out, sizeof(out), &len);

	ck_assert_int_eq(scmi_cmd(ivi, SCMI_PROTO_PINCTRL, 0x6, 1, mux, 3), SCMI_SUCCESS);
	ck_assert_int_eq(scmi_cmd(ivi, SCMI_PROTO_PINCTRL, 0x6, 2, cfg, 7), SCMI_SUCCESS);
	ck_assert_int_eq(scmi_cmd(ivi, SCMI_PROTO_PINCTRL, 0x8, 3, req, 2), SCMI_SUCCESS);
	trace_stop(pid, rfd, out, sizeof(out), len);
	close(ivi);
	ck_assert_msg(strstr(out, "PINCTRL_SETTINGS_CONFIGURE") &&
			      strstr(out, "group 0: function 0") &&
			      strstr(out, "pin 3: drive-strength=8 bias-pull-up=1"),
		      "%s", out);
	ck_assert_msg(strstr(out, "PINCTRL_RELEASE") && strstr(out, "pin 3"), "%s", out);
}
END_TEST

START_TEST(test_vscmictl_tables_and_exit_codes)
{
	static char out[65536];
	int cam = agent_connect("camera");
	char args[64];

	ck_assert_int_eq(clock_config(cam, 0, true), SCMI_SUCCESS);

	ck_assert_int_eq(run_ctl(NULL, "status", out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "platform emulated: ") && strstr(out, " transitions, 0 refused"),
		      "%s", out);
	ck_assert_msg(has_row(out, "ID", "AGENT") && has_row(out, "1", "camera") &&
			      has_row(out, "4", "ops"),
		      "%s", out);
	ck_assert_msg(strstr(out, "xen: no hypervisor"), "%s", out);

	ck_assert_int_eq(run_ctl(NULL, "agents", out, sizeof(out)), 0);
	ck_assert_msg(has_row(out, "camera", "clock") && strstr(out, "pixel") &&
			      strstr(out, "cam_pix"),
		      "%s", out);

	/* the physical clock behind camera's clock 0, on by camera's vote */
	ck_assert_int_eq(run_ctl(NULL, "resources", out, sizeof(out)), 0);
	ck_assert_msg(has_row(out, "clock", "cam_pix") && strstr(out, "camera: on"), "%s", out);
	/* a capping domain: the applied cap and PAI, and the measured power */
	ck_assert_msg(has_row(out, "powercap", "gpu_power") &&
			      strstr(out, "cap 4000 mW pai 1000 us power "),
		      "%s", out);

	ck_assert_int_eq(run_ctl(NULL, "--json resources", out, sizeof(out)), 0);
	ck_assert_msg(out[0] == '{' && strstr(out, "\"cam_pix\""), "%s", out);

	ck_assert_int_eq(run_ctl(NULL, "release camera", out, sizeof(out)), 0);
	ck_assert_int_eq(run_ctl(NULL, "resources", out, sizeof(out)), 0);
	ck_assert_msg(!strstr(out, "camera: on"), "%s", out);

	/* 1: the daemon said no; 2: usage; 3: no daemon */
	ck_assert_int_eq(run_ctl(NULL, "release nosuch", out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "unknown agent 'nosuch'"), "%s", out);
	ck_assert_int_eq(run_ctl(NULL, "frobnicate", out, sizeof(out)), 2);
	ck_assert_int_eq(run_ctl(NULL, "release", out, sizeof(out)), 2);
	snprintf(args, sizeof(args), "status");
	ck_assert_int_eq(run_ctl("/nonexistent/control", args, out, sizeof(out)), 3);
	ck_assert_msg(strstr(out, "cannot connect to /nonexistent/control"), "%s", out);
	close(cam);
}
END_TEST

/* Options anywhere on the line, as people type them; -h on every command. */
START_TEST(test_vscmictl_options_anywhere_and_help_per_command)
{
	static char out[65536];
	char args[96];

	ck_assert_int_eq(run_ctl(NULL, "status --json", out, sizeof(out)), 0);
	ck_assert_msg(out[0] == '{' && strstr(out, "\"agents\""), "%s", out);
	ck_assert_int_eq(run_ctl(NULL, "resources -j", out, sizeof(out)), 0);
	ck_assert_msg(out[0] == '{' && strstr(out, "\"cam_pix\""), "%s", out);
	ck_assert_int_eq(run_ctl(NULL, "gen-dt camera --xen --json", out, sizeof(out)), 0);
	ck_assert_msg(out[0] == '{' && strstr(out, "\"camera\""), "%s", out);
	ck_assert_int_eq(run_ctl(NULL, "-- status", out, sizeof(out)), 0);

	/* every command's -h, the same as help COMMAND, and no daemon needed */
	for (const char **c = (const char *[]){ "status", "agents", "resources", "release",
						 "trace", "gen-dt", "help", NULL };
	     *c; c++) {
		static char other[4096];

		snprintf(args, sizeof(args), "%s -h", *c);
		ck_assert_int_eq(run_ctl("/nonexistent/control", args, out, sizeof(out)), 0);
		ck_assert_msg(strncmp(out, "Usage: vscmictl ", 16) == 0, "%s: %s", *c, out);
		snprintf(args, sizeof(args), "help %s", *c);
		ck_assert_int_eq(run_ctl("/nonexistent/control", args, other, sizeof(other)), 0);
		ck_assert_str_eq(out, other);
	}
	ck_assert_int_eq(run_ctl(NULL, "gen-dt --help", out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "--xen"), "%s", out);

	/* usage errors say what was wrong, exit 2 */
	ck_assert_int_eq(run_ctl(NULL, "status --xen", out, sizeof(out)), 2);
	ck_assert_msg(strstr(out, "status takes no --xen"), "%s", out);
	ck_assert_int_eq(run_ctl(NULL, "status --frob", out, sizeof(out)), 2);
	ck_assert_msg(strstr(out, "unknown option '--frob'"), "%s", out);
	ck_assert_int_eq(run_ctl(NULL, "help frob", out, sizeof(out)), 2);
	ck_assert_int_eq(run_ctl(NULL, "status extra", out, sizeof(out)), 2);

	/* no daemon: where it looked, and what to do */
	ck_assert_int_eq(run_ctl("/nonexistent/control", "agents --json", out, sizeof(out)), 3);
	ck_assert_msg(strstr(out, "cannot connect to /nonexistent/control (--socket)") &&
			      strstr(out, "is vscmid running?") && strstr(out, "VSCMI_CONTROL"),
		      "%s", out);
}
END_TEST

/* vscmi-agent as an operator types it: options anywhere, one connection
 * for its commands, and what to do when there is no socket. */
START_TEST(test_vscmi_agent_options_anywhere)
{
	const char *agent = getenv("VSCMI_AGENT");
	char cmd[768], sock[256], out[4096];
	size_t len;
	FILE *p;
	int st;

	ck_assert_msg(agent, "VSCMI_AGENT must be set");
	run_path(sock, sizeof(sock), "camera.sock");
	/* each line: the words before the socket's path, after it (no path
	 * when after is NULL), the exit status and what the output says */
	struct {
		const char *before, *after;
		int rc;
		const char *want;
	} cases[] = {
		{ "proto-version clock --socket", "", 0, "proto-version clock: SUCCESS, version " },
		{ "-t 500 clock-on 0 -s", "clock-off 0", 0, "clock-off 0: SUCCESS" },
		{ "--socket", "clock-rate 0 1G", 1, "clock-rate 0 1G: " },
		{ "--socket", "clock-on", 2, "Usage: vscmi-agent ... clock-on ID" },
		{ "--socket", "--frob clock-on 0", 2, "unknown option '--frob'" },
		{ "clock-on 0", NULL, 2, "no --socket" },
		{ "--socket /nonexistent/camera.sock clock-on 0", NULL, 3, "is vscmid running" },
		{ "--version", NULL, 0, "vscmi-agent " },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char args[512];

		snprintf(args, sizeof(args), "%s%s%s%s%s", cases[i].before,
			 cases[i].after ? " '" : "", cases[i].after ? sock : "",
			 cases[i].after ? "' " : "", cases[i].after ? cases[i].after : "");
		snprintf(cmd, sizeof(cmd), "%s %s 2>&1", agent, args);
		p = popen(cmd, "r");
		ck_assert_ptr_nonnull(p);
		len = fread(out, 1, sizeof(out) - 1, p);
		out[len] = '\0';
		st = pclose(p);
		ck_assert(WIFEXITED(st));
		ck_assert_msg(WEXITSTATUS(st) == cases[i].rc && strstr(out, cases[i].want),
			      "%s: exit %d: %s", args, WEXITSTATUS(st), out);
	}
}
END_TEST

/* {"command": "system"} with an agent and a state. */
static struct json_object *control_system(const char *agent, const char *state)
{
	char req[256];

	snprintf(req, sizeof(req),
		 "{\"version\":1,\"command\":\"system\",\"agent\":\"%s\",\"state\":\"%s\"}", agent,
		 state);
	return control_raw(req, strlen(req));
}

/* The operator asks a guest to shut down or reboot: the agent hears a
 * graceful SYSTEM_POWER_STATE_NOTIFIER once it has subscribed, and only
 * then; an agent without the protocol, or without a connection, is refused
 * with a reason. */
START_TEST(test_system_shutdown_asked_of_a_subscribed_agent)
{
	static char out[4096];
	uint32_t on[1] = { 1 };
	struct json_object *reply;
	uint8_t buf[64];
	int fd = agent_connect("infotainment");

	ck_assert_int_eq(run_ctl(NULL, "shutdown infotainment", out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "has not subscribed"), "%s", out);
	ck_assert_int_eq(td_recv_wait(fd, buf, sizeof(buf), 100), -ETIMEDOUT);

	ck_assert_int_eq(scmi_cmd(fd, SCMI_PROTO_SYSTEM, SCMI_SYSTEM_POWER_STATE_NOTIFY, 3, on, 1),
			 SCMI_SUCCESS);
	ck_assert_int_eq(run_ctl(NULL, "shutdown infotainment", out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "asked agent infotainment for a graceful shutdown"), "%s", out);
	ck_assert_int_eq(td_recv_wait(fd, buf, sizeof(buf), 5000), 20);
	ck_assert_uint_eq(get_le32(buf), SCMI_HDR(SCMI_SYSTEM_POWER_STATE_NOTIFIER,
						 SCMI_TYPE_NOTIFICATION, SCMI_PROTO_SYSTEM, 0));
	ck_assert_uint_eq(get_le32(buf + 4), 0);	/* the platform's doing */
	ck_assert_uint_eq(get_le32(buf + 8), 1);	/* graceful */
	ck_assert_uint_eq(get_le32(buf + 12), 0);	/* shutdown */

	reply = control_system("infotainment", "reboot");
	ck_assert(reply_ok(reply));
	ck_assert_str_eq(json_object_get_string(jget(reply, "state")), "reboot");
	json_object_put(reply);
	ck_assert_int_eq(td_recv_wait(fd, buf, sizeof(buf), 5000), 20);
	ck_assert_uint_eq(get_le32(buf + 8), 1);
	ck_assert_uint_eq(get_le32(buf + 12), 1);	/* cold reset */

	/* refused, each with its reason, and nothing sent */
	ck_assert_int_eq(run_ctl(NULL, "reboot camera", out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "may not use the system power protocol"), "%s", out);
	ck_assert_int_eq(run_ctl(NULL, "shutdown ops", out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "ops is not connected"), "%s", out);
	ck_assert_int_eq(run_ctl(NULL, "shutdown nosuch", out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "unknown agent 'nosuch'"), "%s", out);
	ck_assert_int_eq(run_ctl(NULL, "shutdown", out, sizeof(out)), 2);
	reply = control_system("infotainment", "suspend");
	ck_assert(!reply_ok(reply));
	json_object_put(reply);
	reply = control(VSCMI_CTL_SYSTEM, "infotainment");
	ck_assert(!reply_ok(reply));
	json_object_put(reply);
	ck_assert_int_eq(td_recv_wait(fd, buf, sizeof(buf), 100), -ETIMEDOUT);

	/* unsubscribed: refused again */
	on[0] = 0;
	ck_assert_int_eq(scmi_cmd(fd, SCMI_PROTO_SYSTEM, SCMI_SYSTEM_POWER_STATE_NOTIFY, 4, on, 1),
			 SCMI_SUCCESS);
	ck_assert_int_eq(run_ctl(NULL, "shutdown infotainment", out, sizeof(out)), 1);
	close(fd);
}
END_TEST

static Suite *e2e_suite(void)
{
	Suite *s = suite_create("e2e");
	TCase *tc;

	tc = tcase_create("agents");
	tcase_add_checked_fixture(tc, start_daemon, stop_daemon);
	tcase_add_test(tc, test_base_version);
	tcase_add_test(tc, test_shared_pll);
	tcase_add_test(tc, test_delayed_response);
	tcase_add_test(tc, test_unknown_protocol);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_hangup_after_reply_is_no_command);
	tcase_add_test(tc, test_second_connection);
	tcase_add_test(tc, test_second_connections_do_not_flood_the_log);
	suite_add_tcase(s, tc);

	tc = tcase_create("control");
	tcase_add_checked_fixture(tc, start_daemon, stop_daemon);
	tcase_add_test(tc, test_release);
	tcase_add_test(tc, test_resources_show_perf_level_votes);
	tcase_add_test(tc, test_control_errors);
	tcase_add_test(tc, test_idle_control_clients_do_not_lock_others_out);
	tcase_add_test(tc, test_system_request);
	tcase_add_test(tc, test_trace_follows_one_agent);
	tcase_add_test(tc, test_sighup_checks_the_file_and_keeps_running);
	tcase_add_test(tc, test_sighup_applies_agents_live);
	tcase_add_test(tc, test_reload_applied_in_part_is_finished_by_the_next);
	tcase_add_test(tc, test_reload_added_agent_does_not_inherit_an_old_journal);
	suite_add_tcase(s, tc);

	tc = tcase_create("restart");
	tcase_add_checked_fixture(tc, start_daemon, stop_daemon);
	tcase_add_test(tc, test_replies_never_read_stall_nobody);
	tcase_add_test(tc, test_token_reuse_answers_each_command);
	tcase_add_test(tc, test_kill9_under_load_changes_nothing);
	tcase_add_test(tc, test_powercap_votes_across_a_restart);
	tcase_add_test(tc, test_kill9_mid_change_leaves_hardware_and_votes_agreeing);
	tcase_add_test(tc, test_restart_releases_agents_that_stay_away);
	tcase_add_test(tc, test_pins_held_across_a_restart);
	tcase_add_test(tc, test_restart_with_a_broken_journal);
	tcase_add_test(tc, test_restart_after_a_torn_journal_write);
	suite_add_tcase(s, tc);

	tc = tcase_create("boot");
	tcase_add_checked_fixture(tc, start_daemon_boot, stop_daemon);
	tcase_add_test(tc, test_boot_vote_and_its_takeover_survive_restarts);
	suite_add_tcase(s, tc);

	tc = tcase_create("vhost");
	tcase_add_checked_fixture(tc, start_daemon_vhost, stop_daemon);
	tcase_add_test(tc, test_vhost_frontend_served);
	tcase_add_test(tc, test_vhost_broken_frontend_closed);
	tcase_add_test(tc, test_vhost_kick_fd_given_again_leaves_no_stale_watch);
	suite_add_tcase(s, tc);

	tc = tcase_create("cli");
	tcase_add_test(tc, test_check_config);
	suite_add_tcase(s, tc);

	tc = tcase_create("systemd");
	tcase_add_checked_fixture(tc, start_daemon_notify, stop_daemon_notify);
	tcase_add_test(tc, test_sd_notify_ready_status_watchdog_stopping);
	tcase_add_test(tc, test_journal_lines_carry_their_priority);
	suite_add_tcase(s, tc);

	tc = tcase_create("vscmictl");
	tcase_add_checked_fixture(tc, start_daemon, stop_daemon);
	tcase_add_test(tc, test_vscmictl_tables_and_exit_codes);
	tcase_add_test(tc, test_vscmictl_options_anywhere_and_help_per_command);
	tcase_add_test(tc, test_vscmi_agent_options_anywhere);
	tcase_add_test(tc, test_vscmictl_trace_decodes);
	tcase_add_test(tc, test_system_shutdown_asked_of_a_subscribed_agent);
	tcase_add_test(tc, test_vscmictl_trace_decodes_pins);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(e2e_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
