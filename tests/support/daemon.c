/* SPDX-License-Identifier: GPL-2.0-only */
/* Starting and stopping vscmid for the suites and the benchmarks. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

pid_t td_spawn(const struct td_spawn *s)
{
	pid_t parent = getpid(), pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		const char *argv[8];
		int n = 0, fd = s->out_fd;

		/* A run killed half way leaves no daemon behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (s->log)
			fd = open(s->log, O_WRONLY | O_CREAT | (s->append ? O_APPEND : O_TRUNC),
				  0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (s->child)
			s->child(s->ctx);
		argv[n++] = s->exe;
		argv[n++] = "--config";
		argv[n++] = s->conf;
		if (s->runtime_dir) {
			argv[n++] = "--runtime-dir";
			argv[n++] = s->runtime_dir;
		}
		if (s->verbose)
			argv[n++] = "--verbose";
		argv[n] = NULL;
		execv(s->exe, (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", s->exe, strerror(errno));
		_exit(127);
	}
	return pid;
}

int td_connect(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

bool td_socket_up(const char *path)
{
	int fd = td_connect(path, SOCK_SEQPACKET);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

ssize_t td_recv_wait(int fd, void *buf, size_t cap, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return -ETIMEDOUT;
	n = recv(fd, buf, cap, 0);
	return n < 0 ? -errno : n;
}

int td_wait_control(const char *path, pid_t pid, int timeout_ms, int *status)
{
	/* the harness may poll: the socket appears once setup is done */
	for (int waited = 0; waited <= timeout_ms; waited += 5) {
		struct timespec ts = { .tv_nsec = 5 * 1000 * 1000 };
		int st;

		if (td_socket_up(path))
			return 0;
		if (pid > 0 && waitpid(pid, &st, WNOHANG) == pid) {
			if (status)
				*status = st;
			return -ECHILD;
		}
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

int td_stop(pid_t pid)
{
	int st;

	if (pid <= 0)
		return -ESRCH;
	if (kill(pid, SIGTERM) < 0)
		return -errno;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return st;
}

int td_log_count(const char *path, const char *needle)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}
