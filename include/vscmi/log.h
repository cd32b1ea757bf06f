/* SPDX-License-Identifier: GPL-2.0-only */
/* Logging: stderr with syslog priority prefixes that journald understands. */
#ifndef VSCMI_LOG_H
#define VSCMI_LOG_H

#include <syslog.h>

void vscmi_log_set_level(int prio);
int vscmi_log_get_level(void);
void vscmi_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) vscmi_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...) vscmi_log(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) vscmi_log(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) vscmi_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...) vscmi_log(LOG_DEBUG, __VA_ARGS__)

#endif
