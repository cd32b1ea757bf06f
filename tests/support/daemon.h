/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmid as a test or a benchmark runs it: started on a config, ready once
 * its control socket answers, stopped with SIGTERM. One place for what
 * every suite that runs the daemon needs. */
#ifndef VSCMI_TEST_DAEMON_H
#define VSCMI_TEST_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct td_spawn {
	const char *exe;		/* vscmid or vscmid-sim */
	const char *conf;		/* --config */
	const char *runtime_dir;	/* --runtime-dir, or NULL */
	bool verbose;			/* --verbose */
	/* stdout and stderr: to log (appended with append, else truncated),
	 * or to out_fd when log is NULL and out_fd >= 0, else inherited */
	const char *log;
	bool append;
	int out_fd;
	/* Run in the child before exec (environment, fds); may be NULL. */
	void (*child)(void *ctx);
	void *ctx;
};

/* Forks and execs; the child dies with the caller. The pid, or -errno. */
pid_t td_spawn(const struct td_spawn *s);
/* A connected socket of type at path, or -errno. */
int td_connect(const char *path, int type);
/* Whether a SOCK_SEQPACKET socket at path accepts a connection. */
bool td_socket_up(const char *path);
/* Waits up to ms for a packet on fd: its length, 0 at EOF, -ETIMEDOUT or
 * -errno. */
ssize_t td_recv_wait(int fd, void *buf, size_t cap, int ms);
/* Waits up to timeout_ms for the control socket at path: 0 once it
 * answers, -ECHILD when pid exited first (reaped; its status in *status
 * if not NULL), -ETIMEDOUT. */
int td_wait_control(const char *path, pid_t pid, int timeout_ms, int *status);
/* SIGTERM, then waits: the wait status, or -errno. */
int td_stop(pid_t pid);
/* Lines of the log at path that contain needle; -errno when it cannot be
 * read. */
int td_log_count(const char *path, const char *needle);

#endif
