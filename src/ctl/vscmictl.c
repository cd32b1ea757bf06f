/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmictl: a thin client of vscmid's control socket. Here: its options,
 * the command table and the help; each group of commands has a file. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vscmi-build.h"
#include "vscmi/control.h"
#include "ctl.h"

/* Options a command takes besides the global ones. */
enum {
	CTL_OPT_XEN = 1u << 0,
};

struct ctl_cmd {
	const char *name;
	const char *args;
	int nargs;		/* -1: the command checks its own */
	unsigned int opts;	/* CTL_OPT_* it accepts */
	int (*fn)(struct ctl *ctl, int argc, char **argv);	/* argv[0]: its name */
	const char *help;
	const char *more;	/* its options and details, for COMMAND -h */
};

static int cmd_help(struct ctl *ctl, int argc, char **argv);

static const struct ctl_cmd ctl_cmds[] = {
	{ "status", "", 0, 0, cmd_status, "daemon, platform and per-agent counters",
	  "Uptime, the platform's link and counters, each agent's connection, commands,\n"
	  "events and errors; with --json, every counter the daemon keeps (virtio and\n"
	  "Xen devices included).\n" },
	{ "agents", "", 0, 0, cmd_agents, "agents, their protocols and the resources each sees",
	  "Each configured agent: its transport, connection, protocols and the resources\n"
	  "it sees under its own IDs.\n" },
	{ "resources", "", 0, 0, cmd_resources, "every resource: its state and each agent's vote",
	  "Each physical resource: its state on the platform and the vote behind it, each\n"
	  "agent's and the boot vote.\n" },
	{ "release", "AGENT", 1, 0, cmd_release,
	  "withdraw an agent's votes and close its connection",
	  "The agent's votes are withdrawn as when it goes away; it may connect again.\n" },
	{ "shutdown", "AGENT", 1, 0, cmd_system,
	  "ask an agent for a graceful shutdown",
	  "The agent hears the platform ask it to shut down (SCMI's system power\n"
	  "notification, graceful); its kernel must have subscribed to those. The\n"
	  "command returns once the request is sent, not once the guest is down.\n" },
	{ "reboot", "AGENT", 1, 0, cmd_system,
	  "ask an agent for a graceful reboot",
	  "As shutdown, for a cold reset.\n" },
	{ "trace", "[AGENT]", -1, 0, cmd_trace,
	  "follow the SCMI commands of every agent, or of one, as they happen",
	  "Runs until interrupted; with --json, one JSON object per line.\n" },
	{ "gen-dt", "[--xen] GUEST", 1, CTL_OPT_XEN, cmd_gen_dt,
	  "print the guest's SCMI device-tree node (DTS)",
	  "GUEST is an agent's name or a Xen domain's.\n\n"
	  "Options:\n"
	  "  -x, --xen  the node for a Xen guest's partial device tree (virtio-mmio\n"
	  "             at the agent's address and interrupt, with grants when used)\n" },
	{ "help", "[COMMAND]", -1, 0, cmd_help, "show this help, or a command's", NULL },
};

#define CTL_NCMDS (sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage: vscmictl [OPTIONS] COMMAND [ARGS]\n\n"
		   "Options (anywhere on the line; -- ends them):\n"
		   "  -s, --socket PATH  control socket (default $%s, else %s)\n"
		   "  -j, --json         print the daemon's JSON reply\n"
		   "  -h, --help         show this help, or with a command, the command's\n"
		   "  -V, --version      print the version\n\n"
		   "Commands:\n",
		VSCMI_CONTROL_ENV, VSCMI_RUNDIR "/control");
	for (size_t i = 0; i < CTL_NCMDS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "%s %s", ctl_cmds[i].name, ctl_cmds[i].args);
		fprintf(f, "  %-21s %s\n", name, ctl_cmds[i].help);
	}
	fprintf(f, "\nExit status: 0 ok, 1 the daemon reported an error (or gen-dt: it has no\n"
		   "such guest), 2 usage error, 3 the daemon could not be reached.\n");
}

static void cmd_usage(FILE *f, const struct ctl_cmd *cmd)
{
	fprintf(f, "Usage: vscmictl [OPTIONS] %s%s%s\n", cmd->name, *cmd->args ? " " : "",
		cmd->args);
	if (f == stdout) {
		fprintf(f, "\n%c%s.\n", cmd->help[0] - 'a' + 'A', cmd->help + 1);
		if (cmd->more)
			fprintf(f, "\n%s", cmd->more);
		fprintf(f, "\nSee vscmictl --help for the options every command takes.\n");
	}
}

static const struct ctl_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < CTL_NCMDS; i++)
		if (strcmp(name, ctl_cmds[i].name) == 0)
			return &ctl_cmds[i];
	return NULL;
}

static int cmd_help(struct ctl *ctl, int argc, char **argv)
{
	const struct ctl_cmd *cmd;

	if (argc < 2 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc > 2 || !(cmd = find_cmd(argv[1]))) {
		fprintf(stderr, "vscmictl: help: no command '%s'\n", argv[1]);
		return EXIT_USAGE;
	}
	cmd_usage(stdout, cmd);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "xen", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { .socket = getenv(VSCMI_CONTROL_ENV), .socket_from = "$" VSCMI_CONTROL_ENV };
	const struct ctl_cmd *cmd;
	unsigned int opts = 0;
	bool help = false;
	int c;

	if (!ctl.socket || !*ctl.socket) {
		ctl.socket = VSCMI_RUNDIR "/control";
		ctl.socket_from = "the default";
	}
	/* Options anywhere: getopt moves the words that are not options to the
	 * end, in order, so the command and its arguments follow optind. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:jhVx", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			ctl.socket = optarg;
			ctl.socket_from = "--socket";
			break;
		case 'j':
			ctl.json = true;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			printf("vscmictl %s\n", VSCMI_VERSION);
			return EXIT_OK;
		case 'x':
			ctl.xen = true;
			opts |= CTL_OPT_XEN;
			break;
		case ':':
			if (optopt)
				fprintf(stderr, "vscmictl: option '-%c' needs a value\n", optopt);
			else
				fprintf(stderr, "vscmictl: option '%s' needs a value\n", argv[optind - 1]);
			fprintf(stderr, "Try 'vscmictl --help'.\n");
			return EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr, "vscmictl: unknown option '-%c'\n", optopt);
			else
				fprintf(stderr, "vscmictl: unknown option '%s'\n", argv[optind - 1]);
			fprintf(stderr, "Try 'vscmictl --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(help ? stdout : stderr);
		return help ? EXIT_OK : EXIT_USAGE;
	}
	cmd = find_cmd(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "vscmictl: unknown command '%s'\n", argv[optind]);
		fprintf(stderr, "Try 'vscmictl --help'.\n");
		return EXIT_USAGE;
	}
	if (help)
		return cmd_help(&ctl, 2, (char *[]){ (char *)"help", (char *)cmd->name, NULL });
	if (opts & ~cmd->opts) {
		fprintf(stderr, "vscmictl: %s takes no --xen\n", cmd->name);
		cmd_usage(stderr, cmd);
		return EXIT_USAGE;
	}
	if (cmd->nargs >= 0 && argc - optind - 1 != cmd->nargs) {
		cmd_usage(stderr, cmd);
		return EXIT_USAGE;
	}
	return cmd->fn(&ctl, argc - optind, argv + optind);
}
