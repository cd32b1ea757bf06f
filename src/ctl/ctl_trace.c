/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmictl trace: one line per SCMI command, until interrupted, with the
 * values of the commands an operator follows most decoded. */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "vscmi/control.h"
#include "vscmi/model.h"
#include "vscmi/scmi_wire.h"
#include "ctl.h"

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
	TF_PIN_SEL,		/* pin control's selector */
	TF_PIN_CONF,		/* SETTINGS_CONFIGURE: attributes, then configs */
	TF_U32,
	TF_CAP,			/* a power cap, 0: none (the domain's unit) */
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
	{ SCMI_PROTO_POWERCAP, SCMI_POWERCAP_CAP_SET, TF_CAP, false, 3, NULL },
	{ SCMI_PROTO_POWERCAP, SCMI_POWERCAP_CAP_GET, TF_CAP, true, 2, NULL },
	{ SCMI_PROTO_POWERCAP, SCMI_POWERCAP_PAI_SET, TF_U32, false, 3, "us" },
	{ SCMI_PROTO_POWERCAP, SCMI_POWERCAP_PAI_GET, TF_U32, true, 2, "us" },
	{ SCMI_PROTO_POWERCAP, SCMI_POWERCAP_MEASUREMENTS_GET, TF_U32, true, 2, NULL },
	{ SCMI_PROTO_PINCTRL, SCMI_PINCTRL_SETTINGS_CONFIGURE, TF_PIN_CONF, false, 3, NULL },
	{ SCMI_PROTO_PINCTRL, SCMI_PINCTRL_REQUEST, TF_PIN_SEL, false, 2, NULL },
	{ SCMI_PROTO_PINCTRL, SCMI_PINCTRL_RELEASE, TF_PIN_SEL, false, 2, NULL },
};

static const char *trace_pin_sel(uint32_t sel)
{
	return sel == SCMI_PINCTRL_PIN ? "pin" : sel == SCMI_PINCTRL_GROUP ? "group" : "?";
}

/* "group 1: function 0", "pin 3: drive-strength=8 bias-pull-up=1". */
static void trace_pin_conf(const uint32_t *w, size_t n, char *out, size_t cap)
{
	uint32_t attr = w[3];
	size_t off;

	off = (size_t)snprintf(out, cap, "%s %u:", trace_pin_sel(attr & 3u), w[1]);
	if (attr & (1u << 10) && off < cap)
		off += (size_t)snprintf(out + off, cap - off, " function %u", w[2]);
	for (size_t i = 4; i + 1 < n && off < cap; i += 2) {
		const char *name = vscmi_pin_cfg_name(w[i]);

		if (name)
			off += (size_t)snprintf(out + off, cap - off, " %s=%u", name, w[i + 1]);
		else
			off += (size_t)snprintf(out + off, cap - off, " %u=%u", w[i], w[i + 1]);
	}
}

static void trace_decode(struct json_object *t, char *out, size_t cap)
{
	long long proto = jint(t, "protocol_id"), msg = jint(t, "message_id");
	const struct trace_decoder *td = NULL;
	uint32_t w[34];
	const char *arrow, *unit, *sp;
	uint64_t v64;
	size_t n;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(trace_decoders) / sizeof(trace_decoders[0]); i++)
		if (trace_decoders[i].proto == proto && trace_decoders[i].msg == msg)
			td = &trace_decoders[i];
	if (!td)
		return;
	n = trace_words(jstr(t, td->reply ? "reply" : "request", ""), w, sizeof(w) / sizeof(w[0]));
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
	case TF_U32:
		snprintf(out, cap, "%s%u%s%s", arrow, w[td->at], sp, unit);
		break;
	case TF_CAP:
		if (w[td->at])
			snprintf(out, cap, "%scap %u", arrow, w[td->at]);
		else
			snprintf(out, cap, "%suncapped", arrow);
		break;
	case TF_PIN_SEL:
		snprintf(out, cap, "%s %u", trace_pin_sel(w[td->at]), w[1]);
		break;
	case TF_PIN_CONF:
		trace_pin_conf(w, n, out, cap);
		break;
	}
}

static void print_trace(struct json_object *t)
{
	long long us = jint(t, "time_us");
	time_t sec = (time_t)(us / 1000000);
	struct tm tm;
	char when[16] = "?", res[96] = "", what[160];

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

int cmd_trace(struct ctl *ctl, int argc, char **argv)
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
