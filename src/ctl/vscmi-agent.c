/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmi-agent: speaks SCMI to vscmid over an agent socket, one named
 * command after another on one connection, and prints each reply. For
 * operators and scripted demos; guests use virtio. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vscmi-build.h"
#include "vscmi/buf.h"
#include "vscmi/scmi_wire.h"

enum {
	EXIT_OK = 0,
	EXIT_STATUS = 1,	/* a command got a status other than SUCCESS */
	EXIT_USAGE = 2,
	EXIT_CONNECT = 3,	/* no connection, or no reply */
};

#define MAX_WORDS 4

enum step_type {
	STEP_MSG,
	STEP_RAW,
	STEP_SLEEP,
	STEP_HOLD,
};

/* How to print a reply's return values. */
enum show {
	SHOW_NONE,
	SHOW_VERSION,
	SHOW_U32,
	SHOW_HEX,
};

struct step {
	enum step_type type;
	uint8_t proto, msg;
	uint32_t words[MAX_WORDS];
	int nwords;
	uint8_t raw[SCMI_MSG_MAX + 16];
	size_t rawlen;
	uint64_t ms;
	enum show show;
	const char *show_label;
	char label[96];
};

struct verb {
	const char *name;
	const char *args;
	int nargs;
	int (*parse)(struct step *s, const struct verb *v, char **argv);
	uint8_t proto, msg;
	const char *help;
};

static volatile sig_atomic_t stop;
static int timeout_ms = 2000;

static void on_signal(int sig)
{
	stop = 1;
}

/* Decimal or 0x hex; with a suffix, k/M/G multiply by powers of 1000. */
static int parse_num(const char *s, bool suffix, uint64_t max, uint64_t *out)
{
	uint64_t v, mul = 1;
	char *end;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16;
	if (!(base == 16 ? s[2] : s[0]) || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(base == 16 ? s + 2 : s, &end, base);
	if (errno)
		return -ERANGE;
	if (suffix && *end && !end[1]) {
		mul = *end == 'k' ? 1000 : *end == 'M' ? 1000000 : *end == 'G' ? 1000000000 : 0;
		if (mul)
			end++;
	}
	if (*end || !mul)
		return -EINVAL;
	if (v > max / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

static int arg_u32(const char *verb, const char *what, const char *s, bool suffix, uint32_t *out)
{
	uint64_t v;

	if (parse_num(s, suffix, UINT32_MAX, &v)) {
		fprintf(stderr, "vscmi-agent: %s: bad %s '%s'\n", verb, what, s);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_proto(const char *s, uint8_t *out)
{
	uint64_t v;

	for (uint8_t id = SCMI_PROTO_BASE; id <= SCMI_PROTO_PINCTRL; id++) {
		if (strcmp(s, scmi_protocol_name(id)) == 0) {
			*out = id;
			return 0;
		}
	}
	if (parse_num(s, false, 0xff, &v))
		return -EINVAL;
	*out = (uint8_t)v;
	return 0;
}

static int verb_version(struct step *s, const struct verb *v, char **argv)
{
	if (parse_proto(argv[0], &s->proto)) {
		fprintf(stderr, "vscmi-agent: %s: unknown protocol '%s'\n", v->name, argv[0]);
		return -EINVAL;
	}
	s->show = SHOW_VERSION;
	return 0;
}

/* One id argument, then fixed words from the verb. */
static int verb_id(struct step *s, const struct verb *v, char **argv)
{
	if (arg_u32(v->name, "id", argv[0], false, &s->words[0]))
		return -EINVAL;
	s->nwords = 1;
	if (strcmp(v->name, "clock-on") == 0 || strcmp(v->name, "clock-off") == 0) {
		/* clock_id, attributes (enable bit), extended config value */
		s->words[1] = strcmp(v->name, "clock-on") == 0;
		s->words[2] = 0;
		s->nwords = 3;
	} else if (strncmp(v->name, "reset-", 6) == 0) {
		/* domain_id, flags (bit 1: explicit assert), reset_state */
		s->words[1] = strcmp(v->name, "reset-assert") == 0 ? 0x2 : 0x0;
		s->words[2] = 0;
		s->nwords = 3;
	} else if (strcmp(v->name, "power-get") == 0) {
		s->show = SHOW_U32;
		s->show_label = "state";
	}
	return 0;
}

static int verb_clock_rate(struct step *s, const struct verb *v, char **argv)
{
	uint64_t hz;

	s->words[0] = 0;	/* flags: synchronous, exact rate */
	if (arg_u32(v->name, "id", argv[0], false, &s->words[1]))
		return -EINVAL;
	if (parse_num(argv[1], true, UINT64_MAX, &hz)) {
		fprintf(stderr, "vscmi-agent: %s: bad rate '%s'\n", v->name, argv[1]);
		return -EINVAL;
	}
	s->words[2] = (uint32_t)hz;
	s->words[3] = (uint32_t)(hz >> 32);
	s->nwords = 4;
	return 0;
}

static int verb_power_set(struct step *s, const struct verb *v, char **argv)
{
	s->words[0] = 0;	/* flags: synchronous */
	if (arg_u32(v->name, "id", argv[0], false, &s->words[1]))
		return -EINVAL;
	if (strcmp(argv[1], "on") == 0)
		s->words[2] = 0x0;
	else if (strcmp(argv[1], "off") == 0)
		s->words[2] = 0x40000000;
	else if (arg_u32(v->name, "state", argv[1], false, &s->words[2]))
		return -EINVAL;
	s->nwords = 3;
	return 0;
}

static int verb_raw(struct step *s, const struct verb *v, char **argv)
{
	const char *p = argv[0];

	s->type = STEP_RAW;
	s->show = SHOW_HEX;
	while (*p) {
		unsigned int byte;

		if (*p == ' ' || *p == ':' || *p == '_') {
			p++;
			continue;
		}
		if (s->rawlen >= sizeof(s->raw) || sscanf(p, "%2x", &byte) != 1 || !p[1] ||
		    !strchr("0123456789abcdefABCDEF", p[0]) || !strchr("0123456789abcdefABCDEF", p[1])) {
			fprintf(stderr, "vscmi-agent: raw: bad hex '%s' (byte pairs, at most %zu)\n",
				argv[0], sizeof(s->raw));
			return -EINVAL;
		}
		s->raw[s->rawlen++] = (uint8_t)byte;
		p += 2;
	}
	return 0;
}

static int verb_sleep(struct step *s, const struct verb *v, char **argv)
{
	uint64_t ms;

	if (strcmp(v->name, "hold") == 0) {
		s->type = STEP_HOLD;
		return 0;
	}
	if (parse_num(argv[0], false, 24 * 3600 * 1000, &ms)) {
		fprintf(stderr, "vscmi-agent: sleep: bad milliseconds '%s'\n", argv[0]);
		return -EINVAL;
	}
	s->type = STEP_SLEEP;
	s->ms = ms;
	return 0;
}

static const struct verb verbs[] = {
	{ "proto-version", "PROTO", 1, verb_version, 0, SCMI_MSG_VERSION,
	  "PROTOCOL_VERSION (a protocol's name, as clock or powercap, or a number)" },
	{ "clock-on", "ID", 1, verb_id, SCMI_PROTO_CLOCK, SCMI_CLOCK_CONFIG_SET,
	  "CLOCK_CONFIG_SET: enable" },
	{ "clock-off", "ID", 1, verb_id, SCMI_PROTO_CLOCK, SCMI_CLOCK_CONFIG_SET,
	  "CLOCK_CONFIG_SET: disable" },
	{ "clock-rate", "ID HZ", 2, verb_clock_rate, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_SET,
	  "CLOCK_RATE_SET, synchronous (HZ may end in k, M or G)" },
	{ "power-set", "ID STATE", 2, verb_power_set, SCMI_PROTO_POWER, SCMI_POWER_STATE_SET,
	  "POWER_STATE_SET (STATE: on, off or a number)" },
	{ "power-get", "ID", 1, verb_id, SCMI_PROTO_POWER, SCMI_POWER_STATE_GET, "POWER_STATE_GET" },
	{ "reset-assert", "ID", 1, verb_id, SCMI_PROTO_RESET, SCMI_RESET_RESET,
	  "RESET: assert the line" },
	{ "reset-deassert", "ID", 1, verb_id, SCMI_PROTO_RESET, SCMI_RESET_RESET,
	  "RESET: deassert the line" },
	{ "raw", "HEX", 1, verb_raw, 0, 0, "any message: header and payload bytes, in hex" },
	{ "sleep", "MS", 1, verb_sleep, 0, 0, "keep the connection, print what arrives" },
	{ "hold", "", 0, verb_sleep, 0, 0, "keep the connection until interrupted" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: vscmi-agent --socket PATH [OPTIONS] COMMAND [ARGS]...\n\n"
		   "Sends SCMI commands on an agent socket of vscmid, in order, on one\n"
		   "connection; closing it releases the agent's votes.\n\n"
		   "Options (anywhere on the line; -- ends them):\n"
		   "  -s, --socket PATH  the agent's socket (vscmictl agents lists them)\n"
		   "  -t, --timeout MS   wait this long for each reply (default 2000)\n"
		   "  -h, --help         show this help\n"
		   "  -V, --version      print the version\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		char name[40];

		snprintf(name, sizeof(name), "%s %s", verbs[i].name, verbs[i].args);
		fprintf(f, "  %-22s %s\n", name, verbs[i].help);
	}
	fprintf(f, "\nExit status: 0 every reply SUCCESS, 1 some other status, 2 usage error,\n"
		   "3 no connection or no reply.\n");
}

static void print_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%s%02x", i && i % 4 == 0 ? " " : "", p[i]);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void print_async(const uint8_t *p, size_t n)
{
	uint32_t hdr = vscmi_get_le32(p);

	printf("  <- %s %s msg 0x%x:",
	       SCMI_HDR_TYPE(hdr) == SCMI_TYPE_DELAYED ? "delayed response" : "notification",
	       scmi_protocol_name((uint8_t)SCMI_HDR_PROTO(hdr)), SCMI_HDR_MSG(hdr));
	if (SCMI_HDR_TYPE(hdr) == SCMI_TYPE_DELAYED && n >= 8) {
		printf(" %s", scmi_status_name((int32_t)vscmi_get_le32(p + 4)));
		p += 4;
		n -= 4;
	}
	printf(" ");
	print_hex(p + 4, n - 4);
	printf("\n");
}

/* Reads packets until the reply to token (or, for token < 0, any reply)
 * arrives or the deadline passes; prints the others. Returns the reply
 * length, 0 at the deadline, or -errno. */
static ssize_t wait_packet(int fd, int token, uint8_t *buf, size_t cap, uint64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = now_ms();
		ssize_t n;
		int r;

		if (deadline != UINT64_MAX && now >= deadline)
			return 0;
		r = poll(&pfd, 1, deadline == UINT64_MAX ? -1 : (int)(deadline - now));
		if (r < 0 && errno == EINTR) {
			if (stop)
				return 0;
			continue;
		}
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		n = recv(fd, buf, cap, 0);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		if (n < 4) {
			printf("  <- short packet of %zd bytes\n", n);
			continue;
		}
		if (token >= 0 && SCMI_HDR_TYPE(vscmi_get_le32(buf)) == SCMI_TYPE_COMMAND &&
		    (int)SCMI_HDR_TOKEN(vscmi_get_le32(buf)) == token)
			return n;
		if (token == -1 && SCMI_HDR_TYPE(vscmi_get_le32(buf)) == SCMI_TYPE_COMMAND)
			return n;
		print_async(buf, (size_t)n);
	}
}

static void print_reply(const struct step *s, const uint8_t *p, size_t n)
{
	int32_t status = n >= 8 ? (int32_t)vscmi_get_le32(p + 4) : SCMI_PROTOCOL_ERROR;
	uint32_t val = n >= 12 ? vscmi_get_le32(p + 8) : 0;

	printf("%s: %s", s->label, n >= 8 ? scmi_status_name(status) : "(short reply)");
	if (n >= 8 && status == SCMI_SUCCESS) {
		if (s->show == SHOW_VERSION && n >= 12)
			printf(", version %u.%u (0x%x)", val >> 16, val & 0xffff, val);
		else if (s->show == SHOW_U32 && n >= 12)
			printf(", %s 0x%x", s->show_label, val);
	}
	if (s->show == SHOW_HEX) {
		printf(" [");
		print_hex(p, n);
		printf("]");
	}
	printf("\n");
}

static int run_step(int fd, struct step *s, uint16_t token)
{
	uint8_t buf[SCMI_MSG_MAX + 64];
	size_t len;
	ssize_t n;

	if (s->type == STEP_SLEEP || s->type == STEP_HOLD) {
		if (s->type == STEP_SLEEP)
			printf("%s\n", s->label);
		n = wait_packet(fd, -2, buf, sizeof(buf),
				s->type == STEP_HOLD ? UINT64_MAX : now_ms() + s->ms);
		if (n < 0) {
			printf("connection closed by vscmid\n");
			return EXIT_CONNECT;
		}
		return EXIT_OK;
	}
	if (s->type == STEP_RAW) {
		len = s->rawlen;
		memcpy(buf, s->raw, len);
	} else {
		struct vscmi_wr wr;

		vscmi_wr_init(&wr, buf, sizeof(buf));
		vscmi_wr_u32(&wr, SCMI_HDR(s->msg, SCMI_TYPE_COMMAND, s->proto, token));
		for (int i = 0; i < s->nwords; i++)
			vscmi_wr_u32(&wr, s->words[i]);
		len = wr.len;
	}
	if (send(fd, buf, len, MSG_NOSIGNAL) < 0) {
		printf("%s: send: %s\n", s->label, strerror(errno));
		return EXIT_CONNECT;
	}
	/* a raw message may carry any token, or no header at all */
	n = wait_packet(fd, s->type == STEP_RAW ? -1 : token, buf, sizeof(buf),
			now_ms() + (uint64_t)timeout_ms);
	if (n <= 0) {
		printf("%s: %s\n", s->label,
		       n == 0 ? "no reply" : n == -ECONNRESET ? "connection closed by vscmid" :
								 strerror((int)-n));
		return EXIT_CONNECT;
	}
	print_reply(s, buf, (size_t)n);
	if (n < 8 || vscmi_get_le32(buf + 4) != 0)
		return EXIT_STATUS;
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sigaction sact = { .sa_handler = on_signal };
	const char *path = NULL;
	struct step *steps;
	int nsteps = 0, c, fd, ret = EXIT_OK;
	uint64_t v;

	/* Options anywhere: getopt moves the commands and their arguments, in
	 * order, behind optind. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:t:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 't':
			if (parse_num(optarg, false, 600000, &v) || v == 0) {
				fprintf(stderr, "vscmi-agent: bad timeout '%s'\n", optarg);
				return EXIT_USAGE;
			}
			timeout_ms = (int)v;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("vscmi-agent %s\n", VSCMI_VERSION);
			return EXIT_OK;
		case ':':
			if (optopt)
				fprintf(stderr, "vscmi-agent: option '-%c' needs a value\n", optopt);
			else
				fprintf(stderr, "vscmi-agent: option '%s' needs a value\n",
					argv[optind - 1]);
			fprintf(stderr, "Try 'vscmi-agent --help'.\n");
			return EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr, "vscmi-agent: unknown option '-%c'\n", optopt);
			else
				fprintf(stderr, "vscmi-agent: unknown option '%s'\n", argv[optind - 1]);
			fprintf(stderr, "Try 'vscmi-agent --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (!path) {
		fprintf(stderr, "vscmi-agent: no --socket: which agent's socket? "
				"(vscmictl agents lists them)\n");
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		fprintf(stderr, "vscmi-agent: no command\nTry 'vscmi-agent --help'.\n");
		return EXIT_USAGE;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vscmi-agent: socket path too long: %s\n", path);
		return EXIT_USAGE;
	}

	/* parse every step before touching the socket */
	steps = calloc((size_t)(argc - optind), sizeof(*steps));
	if (!steps)
		return EXIT_CONNECT;
	for (int i = optind; i < argc;) {
		const struct verb *vb = NULL;
		struct step *s = &steps[nsteps];

		for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++)
			if (strcmp(argv[i], verbs[k].name) == 0)
				vb = &verbs[k];
		if (!vb) {
			fprintf(stderr, "vscmi-agent: unknown command '%s'\n", argv[i]);
			ret = EXIT_USAGE;
			goto out;
		}
		if (argc - i - 1 < vb->nargs) {
			fprintf(stderr, "Usage: vscmi-agent ... %s %s\n", vb->name, vb->args);
			ret = EXIT_USAGE;
			goto out;
		}
		s->type = STEP_MSG;
		s->proto = vb->proto;
		s->msg = vb->msg;
		if (vb->parse(s, vb, argv + i + 1)) {
			ret = EXIT_USAGE;
			goto out;
		}
		snprintf(s->label, sizeof(s->label), "%s%s%s%s%s", vb->name,
			 vb->nargs > 0 ? " " : "", vb->nargs > 0 ? argv[i + 1] : "",
			 vb->nargs > 1 ? " " : "", vb->nargs > 1 ? argv[i + 2] : "");
		nsteps++;
		i += 1 + vb->nargs;
	}

	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		fprintf(stderr, "vscmi-agent: cannot connect to %s: %s\n", path, strerror(e));
		if (e == ENOENT || e == ECONNREFUSED)
			fprintf(stderr, "vscmi-agent: is vscmid running, and is this an agent's "
					"socket? vscmictl agents lists them\n");
		else if (e == EACCES)
			fprintf(stderr, "vscmi-agent: agent sockets are for vscmid's user and "
					"group (mode 0660); try with sudo\n");
		if (fd >= 0)
			close(fd);
		ret = EXIT_CONNECT;
		goto out;
	}
	sigaction(SIGINT, &sact, NULL);
	sigaction(SIGTERM, &sact, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < nsteps && !stop; i++) {
		int r = run_step(fd, &steps[i], (uint16_t)(i % SCMI_TOKENS));

		if (r == EXIT_CONNECT) {
			ret = r;
			break;
		}
		if (r != EXIT_OK)
			ret = r;
	}
	close(fd);
out:
	free(steps);
	return ret;
}
