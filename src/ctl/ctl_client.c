/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmictl's side of the control socket: one request and its reply, and
 * JSON accessors for what the daemon sends. */
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "vscmi/control.h"
#include "ctl.h"

#define CTL_TIMEOUT_S 10

/* JSON accessors that tolerate missing members */

struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o && json_object_object_get_ex(o, key, &v))
		return v;
	return NULL;
}

const char *jstr(struct json_object *o, const char *key, const char *dflt)
{
	struct json_object *v = jget(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : dflt;
}

long long jint(struct json_object *o, const char *key)
{
	return (long long)json_object_get_int64(jget(o, key));
}

bool jbool(struct json_object *o, const char *key)
{
	return json_object_get_boolean(jget(o, key));
}

size_t jlen(struct json_object *arr)
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

int ctl_request_keep(struct ctl *ctl, const char *command, const char *agent,
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
	if (ctl->state)
		json_object_object_add(req, VSCMI_CTL_KEY_STATE, json_object_new_string(ctl->state));
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
		ret = jbool(reply, VSCMI_CTL_KEY_DENIED) ? EXIT_DENIED : EXIT_DAEMON;
		json_object_put(reply);
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

int ctl_request(struct ctl *ctl, const char *command, const char *agent,
		struct json_object **out)
{
	return ctl_request_keep(ctl, command, agent, out, NULL);
}

void ctl_print_json(struct json_object *reply)
{
	printf("%s\n", json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_SPACED |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
}
