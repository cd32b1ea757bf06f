/* The in-process SCMI server the server tests share; see server_rig.h. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vscmi/buf.h"
#include "server_rig.h"

static struct {
	void (*fn)(void *);
	void *arg;
	uint64_t usec;
} deferred[RIG_DEFERRED];
static int ndeferred;

static struct rig_msg inbox[RIG_AGENTS][RIG_INBOX];
static int ninbox[RIG_AGENTS];
static int inbox_max = RIG_INBOX;
static uint32_t agent_ids[RIG_AGENTS] = { 0, 1, 2, 3, 4, 5, 6, 7 };

struct vscmi_res_desc *rig_add_res(struct vscmi_model *m, enum vscmi_kind k, const char *name,
				     uint32_t plat_id, int parent)
{
	struct vscmi_res_desc *d;

	m->res[k] = realloc(m->res[k], (m->nres[k] + 1) * sizeof(*d));
	ck_assert_ptr_nonnull(m->res[k]);
	d = &m->res[k][m->nres[k]++];
	memset(d, 0, sizeof(*d));
	d->kind = k;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->plat_id = plat_id;
	d->parent = parent;
	return d;
}

void rig_add_view(struct vscmi_agent_desc *a, enum vscmi_kind k, uint32_t res, const char *name)
{
	struct vscmi_view_desc *v;

	a->views[k] = realloc(a->views[k], (a->nviews[k] + 1) * sizeof(*v));
	ck_assert_ptr_nonnull(a->views[k]);
	v = &a->views[k][a->nviews[k]++];
	memset(v, 0, sizeof(*v));
	v->res = res;
	if (name)
		snprintf(v->name, sizeof(v->name), "%s", name);
}

struct vscmi_agent_desc *rig_add_agent(struct vscmi_model *m, const char *name,
					 uint32_t protocols, uint32_t max_msg)
{
	struct vscmi_agent_desc *a;

	m->agents = realloc(m->agents, (m->nagents + 1) * sizeof(*a));
	ck_assert_ptr_nonnull(m->agents);
	a = &m->agents[m->nagents++];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->protocols = protocols;
	a->max_msg_size = max_msg;
	return a;
}

void rig_reset(int inbox_cap)
{
	ck_assert_int_le(inbox_cap, RIG_INBOX);
	ndeferred = 0;
	memset(ninbox, 0, sizeof(ninbox));
	inbox_max = inbox_cap;
}

int rig_defer(void *ctx, uint64_t usec, void (*fn)(void *), void *arg)
{
	if (ndeferred == RIG_DEFERRED)
		return -ENOMEM;
	deferred[ndeferred].fn = fn;
	deferred[ndeferred].arg = arg;
	deferred[ndeferred].usec = usec;
	ndeferred++;
	return 0;
}

void rig_run_deferred(void)
{
	int n = ndeferred;

	ndeferred = 0;
	for (int i = 0; i < n; i++)
		deferred[i].fn(deferred[i].arg);
}

int rig_ndeferred(void)
{
	return ndeferred;
}

uint64_t rig_deferred_usec(int i)
{
	ck_assert_int_lt(i, ndeferred);
	return deferred[i].usec;
}

static int rig_send(void *ctx, const uint8_t *msg, size_t len)
{
	uint32_t id = *(const uint32_t *)ctx;

	if (ninbox[id] == inbox_max || len > SCMI_MSG_MAX)
		return -ENOBUFS;
	memcpy(inbox[id][ninbox[id]].b, msg, len);
	inbox[id][ninbox[id]].len = len;
	ninbox[id]++;
	return 0;
}

void rig_set_output(struct scmi_server *srv, uint32_t agent, bool p2a)
{
	ck_assert_uint_lt(agent, RIG_AGENTS);
	scmi_agent_set_output(scmi_server_agent(srv, agent), rig_send, &agent_ids[agent], p2a);
}

int rig_ninbox(uint32_t agent)
{
	ck_assert_uint_lt(agent, RIG_AGENTS);
	return ninbox[agent];
}

const struct rig_msg *rig_msg(uint32_t agent, int i)
{
	ck_assert_uint_lt(agent, RIG_AGENTS);
	ck_assert_int_lt(i, RIG_INBOX);
	return &inbox[agent][i];
}

int32_t rig_cmd(struct scmi_server *srv, uint32_t agent, uint32_t hdr, int n, const uint32_t *w,
		  uint8_t *resp, size_t cap, size_t *resp_len)
{
	uint8_t req[SCMI_MSG_MAX + 8];
	int32_t status;

	ck_assert_uint_le(4 + 4 * (size_t)n, sizeof(req));
	vscmi_put_le32(req, hdr);
	for (int i = 0; i < n; i++)
		vscmi_put_le32(req + 4 + 4 * i, w[i]);
	*resp_len = scmi_server_handle(srv, scmi_server_agent(srv, agent), req, 4 + 4 * (size_t)n,
				       resp, cap);
	ck_assert_uint_ge(*resp_len, 8);
	ck_assert_uint_eq(vscmi_get_le32(resp), hdr);
	status = (int32_t)vscmi_get_le32(resp + 4);
	if (status != SCMI_SUCCESS)
		ck_assert_uint_eq(*resp_len, 8);
	return status;
}

int64_t rig_emu(struct vscmi_platform *emu, enum vscmi_op_type t, uint32_t id)
{
	int64_t v = -1;

	ck_assert_int_eq(vscmi_emu_state(emu, t, id, &v), 0);
	return v;
}
