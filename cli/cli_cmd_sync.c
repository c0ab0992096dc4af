/* cli_cmd_sync.c — plan, apply, status and destroy: load the plan, read vCenter
 * once, compare, act (apply, destroy), read back once, and report in text or JSON.
 *
 * Round trips: a constant number plus one ReconfigVM_Task per VM that needs it,
 * issued concurrently; every task is awaited through one filter. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_cmd.h"
#include "cli_conn.h"
#include "cli_plan.h"
#include "vm_alloc.h"
#include "vm_guest.h"
#include "vm_guestinfo.h"
#include "vs_portgroup.h"
#include "vs_tag.h"
#include "vs_vm.h"

enum mode { M_PLAN, M_APPLY, M_STATUS, M_DESTROY };

struct agent {
	const struct vm_plan_agent *pa;  /* borrowed from the plan */
	const struct vs_vm *vm;          /* borrowed from r->inv; NULL: not found */
	struct vm_nic_diff diff;
	int change;                      /* index into r->changes, -1: none */
	int failed;
	struct vm_err err;
	int added_trunk, added_mgmt, removed;
	int want_trunk, want_mgmt, want_removed; /* what its last call asked for */
	int uncertain;                   /* its last call got no clear answer */
	const struct vs_nic *trunk_nic;  /* borrowed from r->inv after read-back */
	const struct vs_nic *mgmt_nic;
	struct vm_guest_nic g_trunk, g_mgmt;
	struct vm_guestinfo gi;          /* owned; what its extraConfig should hold (--guestinfo) */
	int gi_pending;                  /* it holds something else (or will, once NICs are added) */
	int want_gi, gi_written;         /* asked for by its last call; done */
	int tag_had, tag_changed;        /* "tags": it carried the tag when read; attached/detached now */
};

struct run {
	struct cli_ctx *ctx;
	enum mode mode;
	struct vm_plan *plan;
	struct vs_session *s;
	struct vs_inventory *inv;
	struct vs_pg_diff diff;
	struct agent *agents;            /* owned; plan->n_agents */
	struct vs_vm_change *changes;    /* owned */
	size_t n_changes;
	struct vm_nic_net trunk_net, mgmt_net;
	int have_trunk_net, have_mgmt_net;
	cJSON *report;                   /* owned */
	int changes_done, errors, pending;
	int dirty;                       /* changes sent since the last read */
	struct vs_rest *rest;            /* owned; the REST session for "tags" */
	struct vs_tag_state tag;         /* owned; the plan's tag as vCenter has it */
	int tag_pg_had, tag_pg_changed;  /* the port group carried it; attached/detached now */
	int tag_created;                 /* VS_TAG_CREATED_* */
	struct vm_err tag_err;           /* set when the tag step failed */
};

static const char *pg_word(enum mode m, enum vs_pg_action a)
{
	if (a == VS_PG_UNCHANGED)
		return m == M_STATUS ? "in-sync" : "unchanged";
	if (m == M_APPLY)
		return a == VS_PG_CREATE ? "created" : "updated";
	if (m == M_STATUS)
		return a == VS_PG_CREATE ? "missing" : "drift";
	return a == VS_PG_CREATE ? "create" : "update";
}

static void report_pg(struct run *r, const char *action, const struct vs_portgroup *pg)
{
	const struct vm_plan *p = r->plan;
	char *want = vm_vlan_set_format(&p->trunk.vlans);
	char *have = pg && pg->vlan_kind == VS_VLAN_TRUNK ? vm_vlan_set_format(&pg->trunk) : NULL;
	cJSON *o = cJSON_AddObjectToObject(r->report, "portgroup");

	cJSON_AddStringToObject(o, "name", p->trunk.portgroup);
	if (pg && pg->key)
		cJSON_AddStringToObject(o, "key", pg->key);
	else
		cJSON_AddNullToObject(o, "key");
	cJSON_AddStringToObject(o, "action", action);
	cJSON_AddStringToObject(o, "switch", r->diff.sw->name);
	cJSON_AddStringToObject(o, "datacenter", r->inv->dcs[r->diff.dc].name);
	cJSON_AddStringToObject(o, "vlans", want);
	if (have)
		cJSON_AddStringToObject(o, "current_vlans", have);
	if (*r->diff.note)
		cJSON_AddStringToObject(o, "note", r->diff.note);
	cJSON_AddStringToObject(o, "container_driver", p->trunk.driver == VM_DRIVER_MACVLAN ? "macvlan" : "ipvlan");
	cJSON_AddStringToObject(o, "policy", vs_pg_policy_wanted(p));
	if (pg) {
		cJSON *sec = cJSON_AddObjectToObject(o, "current_policy");
		cJSON_AddStringToObject(sec, "mode", vs_pg_policy_current(pg));
		if (pg->promiscuous >= 0)
			cJSON_AddBoolToObject(sec, "allow_promiscuous", pg->promiscuous);
		if (pg->forged_transmits >= 0)
			cJSON_AddBoolToObject(sec, "forged_transmits", pg->forged_transmits);
		if (pg->mac_changes >= 0)
			cJSON_AddBoolToObject(sec, "mac_changes", pg->mac_changes);
		if (pg->mac_learning >= 0)
			cJSON_AddBoolToObject(sec, "mac_learning", pg->mac_learning);
	}
	if (!r->ctx->json) {
		printf("port group \"%s\" on %s (%s): %s", p->trunk.portgroup, r->diff.sw->name,
		       r->inv->dcs[r->diff.dc].name, action);
		if (pg && pg->key)
			printf(" [%s]", pg->key);
		if (r->mode == M_DESTROY)
			printf("\n");
		else if (have && strcmp(have, want) != 0)
			printf(", VLANs %s -> %s\n", have, want);
		else
			printf(", VLANs %s\n", want);
		if (r->plan->trunk.driver == VM_DRIVER_MACVLAN) {
			const char *cur = vs_pg_policy_current(pg), *wanted = vs_pg_policy_wanted(r->plan);
			if (pg && strcmp(cur, wanted) != 0 && r->mode != M_DESTROY)
				printf("  macvlan policy: %s -> %s\n", cur, wanted);
			else
				printf("  macvlan policy: %s\n", wanted);
		}
		if (*r->diff.note)
			printf("  note: %s\n", r->diff.note);
	}
	free(want);
	free(have);
}

/* Finds the plan's VM by name in the plan's datacenter; ambiguity is an error. */
static const struct vs_vm *vm_find(const struct run *r, const char *name, struct vm_err *err)
{
	const struct vs_vm *found = NULL;
	size_t n = 0;

	for (size_t i = 0; i < r->inv->n_vms; i++) {
		const struct vs_vm *vm = &r->inv->vms[i];
		if (vm->dc == r->diff.dc && strcmp(vm->name, name) == 0) {
			found = vm;
			n++;
		}
	}
	if (!found)
		vm_err_set(err, VM_ERR_NOTFOUND, "VM \"%s\" not found in datacenter \"%s\"", name,
			   r->inv->dcs[r->diff.dc].name);
	else if (n > 1)
		vm_err_set(err, VM_ERR_NOTFOUND, "%zu VMs are named \"%s\" in datacenter \"%s\"; vtrunk needs one",
			   n, name, r->inv->dcs[r->diff.dc].name);
	return n == 1 ? found : NULL;
}

static const char *extra_lookup(const char *key, const void *vm)
{
	return vs_vm_extra_get(vm, key);
}

static void agent_facts(struct run *r, struct agent *a);
static void agent_guestinfo(struct run *r, size_t i);

/* Resolves every agent's VM and computes its NIC diff (and, with --guestinfo, its
 * guestinfo's) against r->inv. */
static void agents_diff(struct run *r)
{
	for (size_t i = 0; i < r->plan->n_agents; i++) {
		struct agent *a = &r->agents[i];
		struct vm_nic_have *have;
		a->pa = &r->plan->agents[i];
		a->change = -1;
		/* A re-read keeps what reconfiguring found out. */
		if (!a->failed)
			vm_err_clear(&a->err);
		a->vm = vm_find(r, a->pa->vm, a->failed ? NULL : &a->err);
		memset(&a->diff, 0, sizeof(a->diff));
		a->diff.trunk = a->diff.mgmt = -1;
		if (!a->vm) {
			a->failed = 1;
			agent_guestinfo(r, i);
			continue;
		}
		have = vm_xcalloc(a->vm->n_nics ? a->vm->n_nics : 1, sizeof(*have));
		vs_vm_nics_get(a->vm, have);
		if (r->have_trunk_net) {
			vm_nic_diff_get(have, a->vm->n_nics, &r->trunk_net, r->have_mgmt_net ? &r->mgmt_net : NULL,
					&a->diff);
		} else {
			/* The port group does not exist yet: every agent needs a trunk NIC. */
			struct vm_nic_net none = {.backing = VM_NIC_BACKING_DVPORT, .portgroup_key = "", .switch_uuid = ""};
			vm_nic_diff_get(have, a->vm->n_nics, &none, r->have_mgmt_net ? &r->mgmt_net : NULL, &a->diff);
		}
		free(have);
		agent_guestinfo(r, i);
	}
}

static int resolve_nets(struct run *r, struct vm_err *err)
{
	r->have_trunk_net = r->diff.pg != NULL;
	if (r->diff.pg)
		vs_vm_trunk_net_get(r->diff.pg, r->diff.sw, &r->trunk_net);
	r->have_mgmt_net = 0;
	if (r->plan->n_agents && r->plan->has_management) {
		if (vs_vm_network_find(r->inv, r->diff.dc, r->plan->management.network, &r->mgmt_net, err) < 0)
			return -1;
		r->have_mgmt_net = 1;
	}
	return 0;
}

static void progress_cb(size_t done, size_t total, void *arg)
{
	struct run *r = arg;

	if (r->ctx->quiet || r->ctx->json || !isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\rvtrunk: reconfigure tasks: %zu/%zu done", done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Whether an agent still needs what this run does to it. */
static int agent_pending(const struct agent *a, int destroy)
{
	if (a->gi_pending)
		return 1;
	if (destroy)
		return a->diff.trunk >= 0 || a->diff.n_remove > 0;
	return vm_nic_diff_pending(&a->diff);
}

/* One round of ReconfigVM_Task calls: every agent with pending changes, or (retry)
 * only those whose last call got no clear answer. */
static int reconfigure_round(struct run *r, int destroy, int retry, struct vm_err *err)
{
	struct vs_vm_nic_spec spec;

	r->changes = vm_xcalloc(r->plan->n_agents ? r->plan->n_agents : 1, sizeof(*r->changes));
	r->n_changes = 0;
	for (size_t i = 0; i < r->plan->n_agents; i++) {
		struct agent *a = &r->agents[i];
		struct vs_vm_change *c = &r->changes[r->n_changes];
		if (!a->vm || (retry ? !a->uncertain : a->failed))
			continue;
		memset(c, 0, sizeof(*c));
		c->vm = a->vm;
		if (destroy) {
			/* Every NIC on the trunk port group goes; nothing else is touched. */
			if (a->diff.trunk >= 0)
				c->remove[c->n_remove++] = a->diff.trunk;
			for (size_t k = 0; k < a->diff.n_remove && c->n_remove < VM_NIC_MAX_REMOVE; k++)
				c->remove[c->n_remove++] = a->diff.remove[k];
		} else {
			c->add_trunk = a->diff.add_trunk;
			c->add_mgmt = a->diff.add_mgmt;
			for (size_t k = 0; k < a->diff.n_remove; k++)
				c->remove[c->n_remove++] = a->diff.remove[k];
		}
		/* Its guestinfo goes in the same call when its MACs are known already. */
		if (a->gi_pending && a->gi.n)
			c->extra = &a->gi;
		if (!c->add_trunk && !c->add_mgmt && !c->n_remove && !c->extra)
			continue;
		a->want_gi = c->extra != NULL;
		a->want_trunk = c->add_trunk;
		a->want_mgmt = c->add_mgmt;
		a->want_removed = (int)c->n_remove;
		a->change = (int)r->n_changes++;
	}
	if (r->n_changes) {
		memset(&spec, 0, sizeof(spec));
		spec.type = r->plan->trunk.nic_type;
		spec.trunk = r->trunk_net;
		spec.mgmt = r->mgmt_net;
		cli_info(r->ctx, "vtrunk: reconfiguring %zu VM%s (%d at a time)...\n", r->n_changes,
			 r->n_changes == 1 ? "" : "s", r->ctx->parallel);
		r->dirty = 1;
		if (vs_vm_reconfigure_call(r->s, r->changes, r->n_changes, &spec, r->ctx->parallel, r->ctx->timeout,
					   progress_cb, r, err) < 0) {
			free(r->changes);
			r->changes = NULL;
			return -1;
		}
	}
	for (size_t i = 0; i < r->plan->n_agents; i++) {
		struct agent *a = &r->agents[i];
		struct vs_vm_change *c;
		if (a->change < 0)
			continue;
		c = &r->changes[a->change];
		a->uncertain = 0;
		if (c->rc < 0) {
			a->failed = 1;
			a->uncertain = vs_err_uncertain(&c->err);
			a->err = c->err;
			vm_err_prefix(&a->err, "reconfiguring VM \"%s\"", a->pa->vm);
		} else {
			a->failed = 0;
			/* |=: a second round (guestinfo alone) keeps what the first one did. */
			a->added_trunk |= c->add_trunk;
			a->added_mgmt |= c->add_mgmt;
			a->removed += (int)c->n_remove;
			a->gi_written |= a->want_gi;
			r->changes_done++;
		}
		a->change = -1;
	}
	/* Everything needed is in the agents now; a large run should not carry it on. */
	free(r->changes);
	r->changes = NULL;
	return 0;
}

static size_t count_uncertain(const struct run *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->plan->n_agents; i++)
		n += r->agents[i].uncertain;
	return n;
}

static int reread(struct run *r, unsigned what, struct vm_err *err);

/* Reconfigures every agent that needs it. A call that got no clear answer (lost, cut,
 * a gateway error) is never simply sent again: vtrunk waits for the VM's recent tasks,
 * re-reads it and decides from what vCenter holds now, for at most two more rounds. */
static int reconfigure(struct run *r, int destroy, unsigned what, struct vm_err *err)
{
	if (reconfigure_round(r, destroy, 0, err) < 0)
		return -1;
	for (int round = 0; round < 2 && count_uncertain(r) && !cli_stop; round++) {
		struct vs_task *recent;
		size_t n_recent = 0, n_unc = count_uncertain(r);

		cli_info(r->ctx, "vtrunk: %zu VM%s gave no clear answer; re-reading before deciding...\n", n_unc,
			 n_unc == 1 ? "" : "s");
		/* A task of ours may still be running there (a real vCenter takes seconds). */
		recent = vm_xcalloc(1, sizeof(*recent));
		for (size_t i = 0; i < r->plan->n_agents; i++) {
			const struct agent *a = &r->agents[i];
			for (size_t k = 0; a->uncertain && a->vm && k < a->vm->n_recent; k++) {
				recent = vm_xrealloc(recent, (n_recent + 1) * sizeof(*recent));
				memset(&recent[n_recent], 0, sizeof(*recent));
				recent[n_recent++].ref = a->vm->recent[k];
			}
		}
		if (n_recent && vs_task_wait_call(r->s, recent, n_recent, r->ctx->timeout, NULL, NULL, err) < 0) {
			free(recent);
			return -1;
		}
		free(recent);
		if (reread(r, what, err) < 0)
			return -1;
		for (size_t i = 0; i < r->plan->n_agents; i++) {
			struct agent *a = &r->agents[i];
			if (!a->uncertain || !a->vm || agent_pending(a, destroy))
				continue;
			/* It did happen: the answer was lost, not the change. */
			a->uncertain = 0;
			a->failed = 0;
			vm_err_clear(&a->err);
			a->added_trunk |= a->want_trunk;
			a->added_mgmt |= a->want_mgmt;
			a->removed += a->want_removed;
			a->gi_written |= a->want_gi;
			r->changes_done++;
		}
		if (!count_uncertain(r))
			break;
		if (reconfigure_round(r, destroy, 1, err) < 0)
			return -1;
	}
	return 0;
}

/* The NICs an agent has in r->inv, for the report and the guest files. */
static void agent_facts(struct run *r, struct agent *a)
{
	a->trunk_nic = a->vm && a->diff.trunk >= 0 ? &a->vm->nics[a->diff.trunk] : NULL;
	a->mgmt_nic = a->vm && a->diff.mgmt >= 0 ? &a->vm->nics[a->diff.mgmt] : NULL;
	memset(&a->g_trunk, 0, sizeof(a->g_trunk));
	memset(&a->g_mgmt, 0, sizeof(a->g_mgmt));
	if (a->trunk_nic) {
		a->g_trunk.mac = a->trunk_nic->mac[0] ? a->trunk_nic->mac : NULL;
		a->g_trunk.key = a->trunk_nic->key;
		a->g_trunk.portgroup = r->plan->trunk.portgroup;
		a->g_trunk.label = a->trunk_nic->label;
	}
	if (a->mgmt_nic) {
		a->g_mgmt.mac = a->mgmt_nic->mac[0] ? a->mgmt_nic->mac : NULL;
		a->g_mgmt.key = a->mgmt_nic->key;
		a->g_mgmt.portgroup = r->plan->management.network;
		a->g_mgmt.label = a->mgmt_nic->label;
	}
}

/* The agent's NIC facts as the guest emitters take them (after agent_facts). */
static struct vm_guest_agent agent_guest(const struct agent *a)
{
	struct vm_guest_agent ga = {a->trunk_nic ? &a->g_trunk : NULL, a->mgmt_nic ? &a->g_mgmt : NULL};
	return ga;
}

/* After a re-read: every agent's NICs. */
static void agents_facts(struct run *r)
{
	for (size_t i = 0; i < r->plan->n_agents; i++)
		agent_facts(r, &r->agents[i]);
}

/* What the agent's guestinfo should hold and whether it does (--guestinfo). Its files
 * name its NICs' MACs: while a NIC is still to be added they are unknown, so its
 * guestinfo waits for the read-back after the NICs are in (a second reconfigure). */
static void agent_guestinfo(struct run *r, size_t i)
{
	struct agent *a = &r->agents[i];
	struct vm_guest_agent ga;

	vm_guestinfo_clear(&a->gi);
	a->gi_pending = 0;
	if (!r->ctx->guestinfo || !a->vm)
		return;
	if (r->mode == M_DESTROY) {
		vm_guestinfo_build_removal(&a->gi);
	} else if (a->diff.add_trunk || a->diff.add_mgmt) {
		a->gi_pending = 1;
		return;
	} else {
		agent_facts(r, a);
		ga = agent_guest(a);
		vm_guestinfo_build(r->plan, i, &ga, &a->gi);
	}
	a->gi_pending = vm_guestinfo_differs(&a->gi, extra_lookup, a->vm);
}

static cJSON *nic_json(const struct vs_nic *n)
{
	cJSON *o;

	if (!n)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "mac", n->mac);
	cJSON_AddNumberToObject(o, "key", n->key);
	cJSON_AddStringToObject(o, "label", n->label ? n->label : "");
	cJSON_AddStringToObject(o, "type", n->type);
	if (n->pci_slot >= 0)
		cJSON_AddNumberToObject(o, "pci_slot", n->pci_slot);
	return o;
}

/* Whether the plan has a tag this agent does not carry yet (plan, status). */
static int tag_missing(const struct run *r, const struct agent *a)
{
	return r->plan->tags.category && a->vm && !a->tag_had;
}

#define MAX_WORDS 8

/* The words for what happened (apply, destroy) or would happen (plan) or is (status),
 * into w; returns how many. */
static size_t agent_words(const struct run *r, const struct agent *a, const char *w[MAX_WORDS])
{
	size_t n = 0;

	if (!a->vm) {
		w[n++] = r->mode == M_STATUS ? "vm-not-found" : "failed";
	} else if (r->mode == M_APPLY || r->mode == M_DESTROY) {
		if (a->failed)
			w[n++] = "failed";
		if (a->added_trunk)
			w[n++] = "added-nic";
		if (a->added_mgmt)
			w[n++] = "added-nic";
		for (int k = 0; k < a->removed && n < 5; k++)
			w[n++] = "removed-nic";
		if (a->gi_written)
			w[n++] = r->mode == M_DESTROY ? "removed-guestinfo" : "wrote-guestinfo";
		if (a->tag_changed)
			w[n++] = r->mode == M_DESTROY ? "detached-tag" : "attached-tag";
		if (!n)
			w[n++] = "unchanged";
	} else if (r->mode == M_STATUS) {
		if (a->diff.add_trunk)
			w[n++] = "missing-trunk-nic";
		if (a->diff.add_mgmt)
			w[n++] = "missing-mgmt-nic";
		if (a->diff.n_remove)
			w[n++] = "extra-trunk-nic";
		if (a->gi_pending)
			w[n++] = "guestinfo-stale";
		if (tag_missing(r, a))
			w[n++] = "missing-tag";
		if (!n)
			w[n++] = "in-sync";
	} else {
		if (a->diff.add_trunk)
			w[n++] = "add-trunk-nic";
		if (a->diff.add_mgmt)
			w[n++] = "add-mgmt-nic";
		if (a->diff.n_remove)
			w[n++] = "remove-extra-trunk-nic";
		if (a->gi_pending)
			w[n++] = "write-guestinfo";
		if (tag_missing(r, a))
			w[n++] = "attach-tag";
		if (!n)
			w[n++] = "unchanged";
	}
	return n;
}

/* The words as the table shows them: "added-nic,attached-tag"; owned. */
static char *words_text(const char *const *w, size_t n)
{
	struct vm_buf b = {0};

	for (size_t i = 0; i < n; i++)
		vm_buf_addf(&b, "%s%s", i ? "," : "", w[i]);
	return vm_buf_steal(&b);
}

static void report_agents(struct run *r)
{
	cJSON *arr = cJSON_AddArrayToObject(r->report, "agents");
	char **texts = vm_xcalloc(r->plan->n_agents ? r->plan->n_agents : 1, sizeof(*texts));
	int width = 30;

	for (size_t i = 0; i < r->plan->n_agents; i++) {
		struct agent *a = &r->agents[i];
		cJSON *o = cJSON_CreateObject(), *acts;
		const char *w[MAX_WORDS];
		size_t n = agent_words(r, a, w);
		cJSON_AddStringToObject(o, "vm", a->pa->vm);
		acts = cJSON_AddArrayToObject(o, "actions");
		for (size_t k = 0; k < n; k++)
			cJSON_AddItemToArray(acts, cJSON_CreateString(w[k]));
		cJSON_AddItemToObject(o, "trunk_nic", nic_json(a->trunk_nic));
		cJSON_AddItemToObject(o, "mgmt_nic", nic_json(a->mgmt_nic));
		if (a->failed || !a->vm) {
			cJSON_AddStringToObject(o, "error", a->err.msg);
			if (a->err.fault[0])
				cJSON_AddStringToObject(o, "fault", a->err.fault);
		} else {
			cJSON_AddNullToObject(o, "error");
		}
		cJSON_AddItemToArray(arr, o);
		texts[i] = words_text(w, n);
		/* The actions column is as wide as its longest entry. */
		if (strlen(texts[i]) > (size_t)width)
			width = (int)strlen(texts[i]);
	}
	for (size_t i = 0; i < r->plan->n_agents && !r->ctx->json; i++) {
		const struct agent *a = &r->agents[i];
		char tn[64] = "-", mn[64] = "-";
		if (i == 0)
			printf("%-28s %-*s %-26s %s\n", "VM", width, r->mode == M_STATUS ? "STATE" : "ACTIONS",
			       "TRUNK NIC (key mac)", "MGMT NIC (key mac)");
		if (a->trunk_nic)
			snprintf(tn, sizeof(tn), "%d %s", a->trunk_nic->key, a->trunk_nic->mac);
		if (a->mgmt_nic)
			snprintf(mn, sizeof(mn), "%d %s", a->mgmt_nic->key, a->mgmt_nic->mac);
		printf("%-28s %-*s %-26s %s\n", a->pa->vm, width, texts[i], tn, mn);
		if (a->failed || !a->vm)
			printf("  error: %s\n", a->err.msg);
	}
	for (size_t i = 0; i < r->plan->n_agents; i++)
		free(texts[i]);
	free(texts);
}

/* The switch's uplinks must carry the plan's VLANs, or tagged frames go nowhere. */
static int preflight(struct run *r, struct vm_err *err)
{
	cJSON *u = cJSON_AddObjectToObject(r->report, "uplinks");
	char *missing;

	cJSON_AddNumberToObject(u, "portgroups", r->diff.uplinks_found);
	if (!r->diff.uplinks_found) {
		cJSON_AddStringToObject(u, "missing_vlans", "");
		cli_info(r->ctx, "vtrunk: note: no uplink port group found on switch \"%s\": uplink check skipped\n",
			 r->diff.sw->name);
		return 0;
	}
	missing = vm_vlan_set_format(&r->diff.uplink_missing);
	cJSON_AddStringToObject(u, "missing_vlans", missing);
	if (*missing) {
		if (r->ctx->strict) {
			vm_err_set(err, VM_ERR_FAULT,
				   "the uplinks of switch \"%s\" do not carry VLANs %s of the plan; nothing was changed "
				   "(trunk them on the uplinks and the physical switch, or leave out --strict)",
				   r->diff.sw->name, missing);
			free(missing);
			return -1;
		}
		fprintf(stderr, "vtrunk: warning: the uplinks of switch \"%s\" do not carry VLANs %s of the plan: "
				"traffic on them will not leave the host (--strict makes this an error)\n",
			r->diff.sw->name, missing);
	}
	free(missing);
	return 0;
}

static int finish(struct run *r, int rc)
{
	if (!cJSON_GetObjectItem(r->report, "agents"))
		cJSON_AddArrayToObject(r->report, "agents");
	cJSON_AddNumberToObject(r->report, "changes", r->changes_done + r->pending);
	cJSON_AddNumberToObject(r->report, "errors", r->errors);
	if (r->s)
		cJSON_AddNumberToObject(r->report, "http_requests", (double)vs_http_requests_get(r->s->http));
	if (r->s && r->ctx->verbose && !r->ctx->quiet)
		fprintf(stderr, "vtrunk: %lu HTTP requests (%lu SOAP calls) before logout\n",
			vs_http_requests_get(r->s->http), r->s->calls);
	if (r->ctx->json) {
		char *text = cJSON_Print(r->report);
		printf("%s\n", text);
		free(text);
	} else if (r->mode == M_APPLY || r->mode == M_DESTROY) {
		int c = r->changes_done;
		printf("%d change%s, %d error%s\n", c, c == 1 ? "" : "s", r->errors, r->errors == 1 ? "" : "s");
	} else if (r->pending) {
		printf("%d pending change%s\n", r->pending, r->pending == 1 ? "" : "s");
	}
	return rc;
}

static int fail(struct run *r, const struct vm_err *err)
{
	int rc = cli_fail(r->ctx, err);
	if (r->ctx->json) {
		cJSON_AddStringToObject(r->report, "error", err->msg);
		if (err->fault[0])
			cJSON_AddStringToObject(r->report, "fault", err->fault);
		r->errors++;
		finish(r, rc);
	}
	return rc;
}

static int write_guest(struct run *r, struct vm_err *err)
{
	const char *dir = r->ctx->out_dir ? r->ctx->out_dir : "vtrunk-out";
	struct vm_guest_agent *g = vm_xcalloc(r->plan->n_agents ? r->plan->n_agents : 1, sizeof(*g));
	int rc;

	for (size_t i = 0; i < r->plan->n_agents; i++)
		g[i] = agent_guest(&r->agents[i]);
	rc = vm_guest_write(r->plan, g, dir, err);
	free(g);
	if (rc < 0)
		return -1;
	cJSON_AddStringToObject(r->report, "output", dir);
	if (!r->ctx->json && r->plan->n_agents)
		printf("guest files for %zu agent%s written under %s/\n", r->plan->n_agents,
		       r->plan->n_agents == 1 ? "" : "s", dir);
	return 0;
}

/* What every read of this run asks vCenter for. */
static unsigned inv_what(const struct run *r)
{
	unsigned what = VS_INV_NETWORK;

	if (r->mode == M_DESTROY || r->plan->n_agents)
		what |= VS_INV_VMS;
	if ((what & VS_INV_VMS) && r->ctx->guestinfo)
		what |= VS_INV_GUESTINFO;
	return what;
}

static size_t count_gi_pending(const struct run *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->plan->n_agents; i++)
		n += r->agents[i].gi_pending && !r->agents[i].failed;
	return n;
}

/* Recomputes the port group diff, the networks and every agent's diff on r->inv. */
static int rediff(struct run *r, struct vm_err *err)
{
	if (vs_portgroup_diff_get(r->inv, r->plan, &r->diff, err) < 0 || resolve_nets(r, err) < 0)
		return -1;
	agents_diff(r);
	return 0;
}

/* Re-reads vCenter (through the same view) and recomputes the diffs on it. */
static int reread(struct run *r, unsigned what, struct vm_err *err)
{
	/* The old inventory goes first: nothing refers to it once the diffs are redone,
	 * and holding both would double the memory of a large run. */
	for (size_t i = 0; i < r->plan->n_agents; i++)
		r->agents[i].vm = NULL;
	r->diff.pg = NULL;
	r->diff.sw = NULL;
	vs_inventory_free(&r->inv);
	if (vs_inventory_retrieve_call(r->s, what, &r->inv, err) < 0)
		return -1;
	r->dirty = 0;
	return rediff(r, err);
}

/* ---- "tags": a vCenter tag on the port group and the agents (REST) ---- */

/* Reads the plan's category and tag and what carries it: before any change, so that a
 * vCenter without a working REST API stops the run while nothing is done yet. */
static int tags_read(struct run *r, struct vm_err *err)
{
	const struct vm_plan_tags *t = &r->plan->tags;

	if (!t->category)
		return 0;
	if (!r->rest && vs_rest_login_call(r->s, &r->rest, err) < 0)
		return -1;
	vs_rest_parallel_set(r->rest, r->ctx->parallel);
	if (vs_tag_lookup_call(r->rest, t->category, t->tag, &r->tag, err) < 0)
		return -1;
	r->tag_pg_had = r->diff.pg && vs_tag_attached_get(&r->tag, &r->diff.pg->ref);
	for (size_t i = 0; i < r->plan->n_agents; i++) {
		struct agent *a = &r->agents[i];
		a->tag_had = a->vm && vs_tag_attached_get(&r->tag, &a->vm->ref);
	}
	return 0;
}

/* What to attach the tag to (apply) or detach it from (destroy): the port group and every
 * agent found (apply: and not failed). Owned array; *n set. */
static struct vs_moref *tag_objects(const struct run *r, size_t *n)
{
	struct vs_moref *objs = vm_xcalloc(r->plan->n_agents + 1, sizeof(*objs));

	*n = 0;
	if (r->diff.pg)
		objs[(*n)++] = r->diff.pg->ref;
	for (size_t i = 0; i < r->plan->n_agents; i++) {
		const struct agent *a = &r->agents[i];
		if (a->vm && (r->mode == M_DESTROY || !a->failed))
			objs[(*n)++] = a->vm->ref;
	}
	return objs;
}

/* apply: makes the category and tag when missing and attaches the tag where it is not;
 * destroy: detaches it (the tag and its category stay: other objects may carry it). */
static int tags_change(struct run *r, struct vm_err *err)
{
	const struct vm_plan_tags *t = &r->plan->tags;
	struct vs_moref *objs;
	size_t n;
	int rc;

	if (!t->category)
		return 0;
	if (r->mode == M_APPLY) {
		cli_info(r->ctx, "vtrunk: tagging with %s/%s...\n", t->category, t->tag);
		if (vs_tag_ensure_call(r->rest, t->category, t->tag, &r->tag, &r->tag_created, err) < 0)
			return -1;
	} else if (!r->tag.tag_id) {
		return 0;
	}
	objs = tag_objects(r, &n);
	rc = r->mode == M_APPLY ? vs_tag_attach_call(r->rest, &r->tag, objs, n, err)
				: vs_tag_detach_call(r->rest, &r->tag, objs, n, err);
	free(objs);
	/* What changed: compare with what carried it before (also after a failure, since
	 * the state was read again). */
	r->tag_pg_changed = r->diff.pg && r->tag_pg_had != vs_tag_attached_get(&r->tag, &r->diff.pg->ref);
	for (size_t i = 0; i < r->plan->n_agents; i++) {
		struct agent *a = &r->agents[i];
		a->tag_changed = a->vm && a->tag_had != vs_tag_attached_get(&r->tag, &a->vm->ref);
		r->changes_done += a->tag_changed;
	}
	r->changes_done += r->tag_pg_changed + !!(r->tag_created & VS_TAG_CREATED_CATEGORY) +
			   !!(r->tag_created & VS_TAG_CREATED_TAG);
	return rc;
}

static void report_tags(struct run *r)
{
	const struct vm_plan_tags *t = &r->plan->tags;
	cJSON *o;
	size_t carry = 0, found = 0, changed = 0;
	int pg_has;

	if (!t->category)
		return;
	for (size_t i = 0; i < r->plan->n_agents; i++) {
		const struct agent *a = &r->agents[i];
		found += a->vm != NULL;
		carry += a->vm && vs_tag_attached_get(&r->tag, &a->vm->ref);
		changed += a->tag_changed;
	}
	pg_has = r->diff.pg && vs_tag_attached_get(&r->tag, &r->diff.pg->ref);
	o = cJSON_AddObjectToObject(r->report, "tags");
	cJSON_AddStringToObject(o, "category", t->category);
	cJSON_AddStringToObject(o, "tag", t->tag);
	if (r->rest)
		cJSON_AddStringToObject(o, "api", vs_rest_flavor_name(vs_rest_flavor_get(r->rest)));
	cJSON_AddBoolToObject(o, "category_exists", r->tag.category_id != NULL);
	cJSON_AddBoolToObject(o, "tag_exists", r->tag.tag_id != NULL);
	cJSON_AddBoolToObject(o, "created_category", !!(r->tag_created & VS_TAG_CREATED_CATEGORY));
	cJSON_AddBoolToObject(o, "created_tag", !!(r->tag_created & VS_TAG_CREATED_TAG));
	cJSON_AddBoolToObject(o, "portgroup_tagged", pg_has);
	cJSON_AddNumberToObject(o, "agents_tagged", (double)carry);
	cJSON_AddNumberToObject(o, "agents_changed", (double)changed);
	if (r->tag_err.kind != VM_ERR_NONE)
		cJSON_AddStringToObject(o, "error", r->tag_err.msg);
	else
		cJSON_AddNullToObject(o, "error");
	if (r->ctx->json)
		return;
	printf("tag %s/%s: ", t->category, t->tag);
	if (r->tag_err.kind != VM_ERR_NONE)
		printf("failed: %s\n", r->tag_err.msg);
	else if (r->mode == M_DESTROY)
		printf("detached from %zu object%s\n", changed + r->tag_pg_changed,
		       changed + r->tag_pg_changed == 1 ? "" : "s");
	else if (r->mode == M_APPLY)
		printf("%s%son the port group %s and %zu of %zu agent%s (%zu newly attached)\n",
		       r->tag_created & VS_TAG_CREATED_CATEGORY ? "category created, " : "",
		       r->tag_created & VS_TAG_CREATED_TAG ? "tag created, " : "", pg_has ? "yes" : "no", carry, found,
		       found == 1 ? "" : "s", changed + r->tag_pg_changed);
	else if (!r->tag.tag_id)
		printf("%s\n", r->tag.category_id ? "tag missing" : "category and tag missing");
	else
		printf("on the port group %s and %zu of %zu agent%s\n", pg_has ? "yes" : "no", carry, found,
		       found == 1 ? "" : "s");
}

static int do_apply(struct run *r, struct vm_err *err)
{
	enum vs_pg_action act = r->diff.action;
	unsigned what = inv_what(r);
	size_t n_gi;

	if (act != VS_PG_UNCHANGED) {
		cli_info(r->ctx, "vtrunk: %s port group \"%s\"...\n", act == VS_PG_CREATE ? "creating" : "updating",
			 r->plan->trunk.portgroup);
		if (vs_portgroup_apply_call(r->s, &r->diff, r->ctx->timeout, err) < 0) {
			/* No clear answer: the change may have been made. Look before acting again. */
			if (!vs_err_uncertain(err) || reread(r, what, err) < 0 ||
			    (r->diff.action != VS_PG_UNCHANGED &&
			     vs_portgroup_apply_call(r->s, &r->diff, r->ctx->timeout, err) < 0)) {
				report_pg(r, "failed", r->diff.pg);
				return -1;
			}
			vm_err_clear(err);
		}
		r->changes_done++;
		/* The new port group's key is what the trunk NICs attach to: re-read the
		 * networks only (the VMs have not changed). */
		if (act == VS_PG_CREATE && (vs_inventory_networks_refresh_call(r->s, r->inv, err) < 0 ||
					    rediff(r, err) < 0))
			return -1;
	}
	if (reconfigure(r, 0, what, err) < 0)
		return -1;
	/* One read-back for every agent: the MACs and keys vCenter assigned. */
	if (r->dirty && r->plan->n_agents && reread(r, what, err) < 0)
		return -1;
	/* Agents that just got their NICs: their guestinfo names the new MACs. */
	n_gi = count_gi_pending(r);
	if (n_gi) {
		cli_info(r->ctx, "vtrunk: writing the guestinfo of %zu VM%s that got new NICs...\n", n_gi,
			 n_gi == 1 ? "" : "s");
		if (reconfigure(r, 0, what, err) < 0)
			return -1;
	}
	/* The NICs are done: a tag that cannot be attached is reported, and the guest
	 * files are written all the same (a re-run attaches it). */
	if (tags_change(r, &r->tag_err) < 0) {
		cli_fail(r->ctx, &r->tag_err);
		r->errors++;
	}
	report_pg(r, pg_word(M_APPLY, act), r->diff.pg);
	agents_facts(r);
	report_agents(r);
	report_tags(r);
	return 0;
}

static int do_destroy(struct run *r, struct vm_err *err)
{
	size_t users = 0;
	struct vm_buf names = {0};

	/* The tag first: the port group may be gone afterwards. Nothing else is changed
	 * when this fails. */
	if (tags_change(r, err) < 0) {
		r->tag_err = *err;
		report_tags(r);
		return -1;
	}
	if (!r->diff.pg) {
		report_pg(r, "absent", NULL);
		report_agents(r);
		report_tags(r);
		return 0;
	}
	if (reconfigure(r, 1, inv_what(r), err) < 0)
		return -1;
	/* Who still uses it: every VM with a NIC on it, less the removals just made. */
	for (size_t i = 0; i < r->inv->n_vms; i++) {
		const struct vs_vm *vm = &r->inv->vms[i];
		int uses = 0, cleared = 0;
		for (size_t j = 0; j < vm->n_nics; j++)
			uses |= vm->nics[j].backing == VS_BACKING_DVPORT && vm->nics[j].portgroup_key &&
				strcmp(vm->nics[j].portgroup_key, r->diff.pg->key) == 0;
		for (size_t k = 0; uses && k < r->plan->n_agents; k++)
			cleared |= r->agents[k].vm == vm && r->agents[k].removed && !r->agents[k].failed;
		if (uses && !cleared) {
			if (users < 5)
				vm_buf_addf(&names, "%s%s", users ? ", " : "", vm->name);
			users++;
		}
	}
	if (r->ctx->keep_portgroup) {
		report_pg(r, "kept", r->diff.pg);
	} else if (users) {
		report_pg(r, "kept", r->diff.pg);
		cli_info(r->ctx, "vtrunk: port group \"%s\" kept: %zu VM%s still use%s it (%s%s)\n", r->diff.pg->name,
			 users, users == 1 ? "" : "s", users == 1 ? "s" : "", names.data, users > 5 ? ", ..." : "");
	} else if (vs_portgroup_destroy_call(r->s, r->diff.pg, r->ctx->timeout, err) < 0) {
		report_pg(r, "failed", r->diff.pg);
		vm_buf_reset(&names);
		return -1;
	} else {
		report_pg(r, "removed", r->diff.pg);
		r->changes_done++;
	}
	vm_buf_reset(&names);
	/* The trunk NICs are gone: report none; the management NICs stay. */
	agents_facts(r);
	for (size_t i = 0; i < r->plan->n_agents; i++)
		if (r->agents[i].removed)
			r->agents[i].trunk_nic = NULL;
	report_agents(r);
	report_tags(r);
	return 0;
}

static int run(struct cli_ctx *ctx, enum mode mode)
{
	struct run r = {.ctx = ctx, .mode = mode};
	struct vm_err err;
	int rc = CLI_EXIT_OK;

	vm_err_clear(&err);
	r.report = cJSON_CreateObject();
	/* A plan whose guest files cannot be written fails here, before vCenter is
	 * touched, not after the changes are made. */
	if (cli_plan_load_file(ctx->plan_path, &r.plan, &err) < 0 ||
	    (mode != M_DESTROY && vm_guest_check(r.plan, NULL, &err) < 0) ||
	    (mode != M_DESTROY && ctx->guestinfo && vm_guestinfo_size_check(r.plan, &err) < 0)) {
		rc = fail(&r, &err);
		goto cleanup;
	}
	r.agents = vm_xcalloc(r.plan->n_agents ? r.plan->n_agents : 1, sizeof(*r.agents));
	r.s = cli_conn_open(ctx, 1, &err);
	if (!r.s) {
		rc = fail(&r, &err);
		goto cleanup;
	}
	if (vs_inventory_retrieve_call(r.s, inv_what(&r), &r.inv, &err) < 0 ||
	    vs_portgroup_diff_get(r.inv, r.plan, &r.diff, &err) < 0 || resolve_nets(&r, &err) < 0) {
		rc = fail(&r, &err);
		goto cleanup;
	}
	agents_diff(&r);
	if (((mode == M_PLAN || mode == M_APPLY || mode == M_STATUS) && preflight(&r, &err) < 0) ||
	    tags_read(&r, &err) < 0) {
		rc = fail(&r, &err);
		goto cleanup;
	}
	switch (mode) {
	case M_PLAN:
	case M_STATUS:
		report_pg(&r, pg_word(mode, r.diff.action), r.diff.pg);
		r.pending += r.diff.action != VS_PG_UNCHANGED;
		/* A port group still to be created gets the tag with its creation. */
		r.pending += r.plan->tags.category && r.diff.pg && !r.tag_pg_had;
		agents_facts(&r);
		for (size_t i = 0; i < r.plan->n_agents; i++)
			r.pending += !r.agents[i].vm || vm_nic_diff_pending(&r.agents[i].diff) || r.agents[i].gi_pending ||
				     tag_missing(&r, &r.agents[i]);
		report_agents(&r);
		report_tags(&r);
		if (r.pending)
			rc = CLI_EXIT_PENDING;
		break;
	case M_APPLY:
		if (do_apply(&r, &err) < 0) {
			rc = fail(&r, &err);
			goto cleanup;
		}
		/* vCenter is done with: log out now, not after the files and the report. */
		vs_rest_free(&r.rest);
		vs_session_logout_call(r.s);
		if (write_guest(&r, &err) < 0) {
			rc = fail(&r, &err);
			goto cleanup;
		}
		break;
	case M_DESTROY:
		if (do_destroy(&r, &err) < 0) {
			rc = fail(&r, &err);
			goto cleanup;
		}
		break;
	}
	for (size_t i = 0; i < r.plan->n_agents; i++)
		r.errors += r.agents[i].failed && mode != M_STATUS;
	if (r.errors)
		rc = CLI_EXIT_FAIL;
	rc = finish(&r, rc);
cleanup:
	free(r.changes);
	for (size_t i = 0; r.agents && i < r.plan->n_agents; i++)
		vm_guestinfo_clear(&r.agents[i].gi);
	free(r.agents);
	vs_pg_diff_clear(&r.diff);
	vs_inventory_free(&r.inv);
	vs_rest_free(&r.rest);
	vs_tag_state_clear(&r.tag);
	vs_session_free(&r.s);
	vm_plan_free(&r.plan);
	cJSON_Delete(r.report);
	return rc;
}

int cli_cmd_plan(struct cli_ctx *ctx) { return run(ctx, M_PLAN); }
int cli_cmd_apply(struct cli_ctx *ctx) { return run(ctx, M_APPLY); }
int cli_cmd_status(struct cli_ctx *ctx) { return run(ctx, M_STATUS); }
int cli_cmd_destroy(struct cli_ctx *ctx) { return run(ctx, M_DESTROY); }
