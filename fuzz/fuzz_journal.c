/* SPDX-License-Identifier: GPL-2.0-only */
/* libFuzzer target: arbitrary bytes as what a restart reads back, fed to a
 * daemon started in process on the shipped configuration. The input is up
 * to four parts, each [length: 2 bytes LE][bytes]:
 *   0. state/boot, the boot votes (absent when empty);
 *   1. the agent infotainment's journal text, put into a slot whose header
 *      and hash are right so that the text itself is what is read; a part
 *      that starts with 0xff is the whole file instead, as it lies on disk;
 *   2. patches to a valid state/emulated.hw, [offset: 2 bytes LE][byte]...;
 *   3. a Xen device journal, read by the Xen layer's reader.
 * Whatever the files say, the daemon starts, and what it then reports of
 * its agents and resources is well formed. FZ_LOG in the environment
 * shows the daemon's log. */
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common.h"
#include "internal.h"
#include "vscmi/log.h"
#include "vscmi/platform.h"
#include "vscmid.h"

/* The slot header as the journal writes it (src/daemon/journal.c). */
struct fz_journal_head {
	uint64_t magic;
	uint64_t seq;
	uint32_t len;
	uint32_t cap;
	uint64_t hash;
};

#define FZ_JOURNAL_MAGIC 0x314c4e524a494d53ull
#define FZ_JOURNAL_CAP 4064u
#define FZ_PARTS 4

static char dir[] = "/tmp/vscmi-fuzz-journal-XXXXXX";
static char state[128];
static struct vscmi_config *cfg;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void cleanup(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];

	vscmi_log_set_level(getenv("FZ_LOG") ? LOG_DEBUG : LOG_CRIT);
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	/* the same configuration the daemon reads, for the state file's size */
	if (vscmi_config_load(VSCMI_FUZZ_CONF, &cfg, err, sizeof(err)) < 0 ||
	    vscmid_runtime_dir(cfg, dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	snprintf(state, sizeof(state), "%s/state", dir);
	return 0;
}

static uint64_t fz_hash(uint64_t seq, uint32_t len, const uint8_t *text)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint64_t w[2] = { seq, len };

	for (size_t i = 0; i < sizeof(w); i++)
		h = (h ^ ((const uint8_t *)w)[i]) * 0x100000001b3ull;
	for (uint32_t i = 0; i < len; i++)
		h = (h ^ text[i]) * 0x100000001b3ull;
	return h;
}

static void put_file(const char *name, const uint8_t *p, size_t n, off_t size)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", state, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n) ||
	    (size > (off_t)n && ftruncate(fd, size) < 0))
		abort();
	close(fd);
}

static void put_journal(const uint8_t *p, size_t n)
{
	struct fz_journal_head h = { .magic = FZ_JOURNAL_MAGIC, .seq = 1, .cap = FZ_JOURNAL_CAP };
	uint8_t *slot;

	if (n && p[0] == 0xff) {
		put_file("agent-infotainment.journal", p + 1, n - 1, 0);
		return;
	}
	if (n > FZ_JOURNAL_CAP)
		n = FZ_JOURNAL_CAP;
	h.len = (uint32_t)n;
	h.hash = fz_hash(h.seq, h.len, p);
	slot = calloc(1, sizeof(h) + n);
	if (!slot)
		abort();
	memcpy(slot, &h, sizeof(h));
	memcpy(slot + sizeof(h), p, n);
	put_file("agent-infotainment.journal", slot, sizeof(h) + n,
		 2 * (off_t)(sizeof(h) + FZ_JOURNAL_CAP));
	free(slot);
}

static void put_hw(const uint8_t *p, size_t n)
{
	char path[256], err[256];
	struct vscmi_platform *plat;
	bool adopted;
	int fd;

	snprintf(path, sizeof(path), "%s/emulated.hw", state);
	plat = vscmi_emu_open(&cfg->model, path, &adopted, err, sizeof(err));
	if (!plat)
		abort();
	vscmi_platform_free(plat);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		abort();
	for (size_t i = 0; i + 3 <= n; i += 3)
		if (pwrite(fd, p + i + 2, 1, (off_t)(p[i] | p[i + 1] << 8)) != 1)
			abort();
	close(fd);
}

static void check_reply(struct vscmid *d, const char *req)
{
	struct json_object *reply = vscmid_control_handle(d, req, strlen(req)), *ok;

	if (!reply || !json_object_object_get_ex(reply, "ok", &ok) ||
	    !json_object_get_boolean(ok) ||
	    !json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN))
		abort();
	json_object_put(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vscmid_opts opts = { .config = VSCMI_FUZZ_CONF, .runtime_dir = dir };
	const uint8_t *part[FZ_PARTS] = { NULL };
	size_t len[FZ_PARTS] = { 0 }, off = 0;
	struct xen_saved saved;
	struct vscmid *d;
	char err[512], path[256];

	for (int i = 0; i < FZ_PARTS && off + 2 <= size; i++) {
		size_t n = (size_t)(data[off] | data[off + 1] << 8);

		off += 2;
		if (n > size - off)
			n = size - off;
		part[i] = data + off;
		len[i] = n;
		off += n;
	}
	cleanup();
	if (mkdir(dir, 0700) < 0 || mkdir(state, 0700) < 0)
		abort();
	if (len[0])
		put_file("boot", part[0], len[0], 0);
	if (part[1])
		put_journal(part[1], len[1]);
	if (part[2])
		put_hw(part[2], len[2]);
	if (part[3]) {
		snprintf(path, sizeof(path), "%s/xen.journal", state);
		put_file("xen.journal", part[3], len[3], 0);
		xen_journal_read(path, &saved);
	}

	if (vscmid_new(&opts, &d, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	check_reply(d, "{\"version\":1,\"command\":\"agents\"}");
	check_reply(d, "{\"version\":1,\"command\":\"resources\"}");
	vscmid_free(d);
	return 0;
}
