/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmid: command line, then the daemon object does the rest. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "vscmi-build.h"
#include "vscmi/log.h"
#include "vscmid.h"

#define DEFAULT_CONFIG VSCMI_SYSCONFDIR "/vscmi/vscmid.conf"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vscmid [OPTIONS]\n"
		"\n"
		"virtio-scmi backend: serves SCMI to guests and local agents, arbitrating\n"
		"their requests on shared clocks, power domains, resets and regulators.\n"
		"\n"
		"  -c, --config FILE        configuration (default %s)\n"
		"      --check-config FILE  validate FILE and exit\n"
		"      --runtime-dir DIR    put the control and agent sockets in DIR\n"
		"  -v, --verbose            log debug messages\n"
		"  -V, --version            print the version and exit\n"
		"  -h, --help               print this help and exit\n",
		DEFAULT_CONFIG);
}

static int check_config(const char *path)
{
	struct vscmi_config *cfg;
	char err[512];
	uint32_t nres = 0;

	if (vscmi_config_load(path, &cfg, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return EXIT_FAILURE;
	}
	for (int k = 0; k < VSCMI_KIND_COUNT; k++)
		nres += cfg->model.nres[k];
	printf("%s: ok (%u agents, %u resources)\n", path, cfg->model.nagents, nres);
	vscmi_config_free(cfg);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	enum { OPT_CHECK = 0x100, OPT_RUNTIME_DIR };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, OPT_CHECK },
		{ "runtime-dir", required_argument, NULL, OPT_RUNTIME_DIR },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vscmid_opts opts = { .config = DEFAULT_CONFIG };
	struct vscmid *d;
	char err[512];
	int c, r;

	while ((c = getopt_long(argc, argv, "c:vVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opts.config = optarg;
			break;
		case OPT_CHECK:
			return check_config(optarg);
		case OPT_RUNTIME_DIR:
			opts.runtime_dir = optarg;
			break;
		case 'v':
			vscmi_log_set_level(LOG_DEBUG);
			break;
		case 'V':
			printf("vscmid %s\n", VSCMI_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vscmid: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	/* Guests wait on the daemon's timers (delayed responses, emulated
	 * latencies, firmware timeouts): the kernel's default slack of 50 us
	 * would add that much to each. They are few, so waking on time costs
	 * nothing worth saving. */
	if (prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0) < 0)
		log_debug("timer slack: %s", strerror(errno));
	r = vscmid_new(&opts, &d, err, sizeof(err));
	if (r) {
		log_err("%s", err);
		return EXIT_FAILURE;
	}
	r = vscmid_run(d);
	if (r < 0)
		log_err("event loop: %s", strerror(-r));
	else
		log_info("stopped");
	vscmid_free(d);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
