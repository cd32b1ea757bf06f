/* SPDX-License-Identifier: GPL-2.0-only */
/* Logging to stderr; under systemd the "<N>" prefix carries the priority. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "vscmi/log.h"

static int log_level = LOG_INFO;

void vscmi_log_set_level(int prio)
{
	log_level = prio;
}

int vscmi_log_get_level(void)
{
	return log_level;
}

void vscmi_log(int prio, const char *fmt, ...)
{
	static int journal = -1;
	va_list ap;

	if (prio > log_level)
		return;
	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	if (journal)
		fprintf(stderr, "<%d>", prio);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
