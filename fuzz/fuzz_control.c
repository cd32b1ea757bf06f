/* SPDX-License-Identifier: GPL-2.0-only */
/* libFuzzer target: arbitrary bytes as one control-socket request packet,
 * answered by a daemon built in process from the shipped configuration
 * (its sockets and state under a scratch directory, no hypervisor). Every
 * request gets a JSON object back that says whether it succeeded. */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common.h"
#include "vscmi/control.h"
#include "vscmi/log.h"
#include "vscmid.h"

static struct vscmid *d;
static char dir[] = "/tmp/vscmi-fuzz-control-XXXXXX";

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void cleanup(void)
{
	vscmid_free(d);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vscmid_opts opts = { .config = VSCMI_FUZZ_CONF };
	char err[512];

	vscmi_log_set_level(LOG_CRIT);
	if (!mkdtemp(dir))
		abort();
	opts.runtime_dir = dir;
	if (vscmid_new(&opts, &d, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the exact length, so that a read past the packet is caught */
	char *req = malloc(size ? size : 1);
	struct json_object *reply, *ok;
	const char *text;

	if (!req)
		abort();
	memcpy(req, data, size);
	reply = vscmid_control_handle(d, req, size);
	free(req);
	if (!reply || !json_object_is_type(reply, json_type_object) ||
	    !json_object_object_get_ex(reply, VSCMI_CTL_KEY_OK, &ok) ||
	    !json_object_is_type(ok, json_type_boolean))
		abort();
	text = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
	if (!text || text[0] != '{')
		abort();
	json_object_put(reply);
	return 0;
}
