/* cli_cmd_sync.c — plan, apply, status and destroy: load the plan, read vCenter
 * once, compare, act (apply, destroy), read back once, and report in text or JSON.
 *
 * Round trips: a constant number plus one ReconfigVM_Task per VM that needs it,
 * issued concurrently; every task is awaited through one filter. The rounds that make
 * each change exactly once are cli_engine.c's; the report is cli_report.c's. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_autoscale.h"
#include "cli_cmd.h"
#include "cli_conn.h"
#include "cli_inv_read.h"
#include "cli_plan.h"
#include "cli_addrcheck.h"
#include "cli_sync.h"
#include "cli_watch.h"
#include "vm_alloc.h"
#include "vs_vmref.h"

/* Finds the plan's VM (by name, path, uuid or moref) in the plan's datacenter;
 * ambiguity is an error (*many set). */
static const struct vs_vm *vm_find(const struct cli_sync *r, const struct vm_plan_agent *pa, int *many,
				   struct vm_err *err)
{
	static const char *const what[] = {"VM", "VM at", "VM with uuid", "VM"};
	const char *key = pa->ref ? pa->ref : pa->vm;
	const struct vs_vm *found;
	size_t n = vs_vmref_find(r->inv, r->diff.dc, pa->by, key, &found);

	if (!found)
		vm_err_set(err, VM_ERR_NOTFOUND, "%s \"%s\" not found in datacenter \"%s\"", what[pa->by], key,
			   r->dc_name);
	else if (n > 1 && pa->by == VM_AGENT_NAME)
		vm_err_set(err, VM_ERR_NOTFOUND,
			   "%zu VMs are named \"%s\" in datacenter \"%s\"; vtrunk needs one: name it by "
			   "inventory path (\"vm\": \"/%s/vm/…/%s\"), \"uuid\" or \"moref\" (see `vtrunk ls vms`)",
			   n, key, r->dc_name, r->dc_name, key);
	else if (n > 1)
		/* A BIOS uuid repeats in a VM copied without a new one. */
		vm_err_set(err, VM_ERR_NOTFOUND, "%zu VMs match %s \"%s\" in datacenter \"%s\"; vtrunk needs one%s",
			   n, pa->by == VM_AGENT_UUID ? "uuid" : "path", key, r->dc_name,
			   pa->by == VM_AGENT_UUID ? " (use the instance uuid, or the moref)" : "");
	*many = n > 1;
	return n == 1 ? found : NULL;
}

/* An agent named by uuid or moref takes its VM's name (its guest files' directory), which
 * no other agent may have. */
static int agent_name_take(struct cli_sync *r, size_t i, const struct vs_vm *vm, struct vm_err *err)
{
	struct vm_plan_agent *pa = &r->plan->agents[i];

	if ((pa->by != VM_AGENT_UUID && pa->by != VM_AGENT_MOREF) || strcmp(pa->vm, vm->name) == 0)
		return 0;
	for (size_t j = 0; j < r->plan->n_agents; j++)
		if (j != i && strcmp(r->plan->agents[j].vm, vm->name) == 0)
			return vm_err_set(err, VM_ERR_USAGE,
					  "agents[%zu]: its VM (%s) is named \"%s\", as agents[%zu]'s is: their guest "
					  "files would share one directory", i, vm->ref.value, vm->name, j);
	free(pa->vm);
	pa->vm = vm_xstrdup(vm->name);
	return 0;
}

static const char *extra_lookup(const char *key, const void *vm)
{
	return vs_vm_extra_get(vm, key);
}

static void agent_facts(struct cli_sync *r, struct cli_agent *a);
static void agent_guestinfo(struct cli_sync *r, size_t i);

/* Resolves every agent's VM and computes its NIC diff (and, with --guestinfo, its
 * guestinfo's) against r->inv. -1 (err set, when not NULL) when an agent's management
 * network is still ambiguous with its host known. */
static int agents_diff(struct cli_sync *r, struct vm_err *err)
{
	int rc = 0;

	for (size_t i = 0; i < r->plan->n_agents; i++) {
		struct cli_agent *a = &r->agents[i];
		struct vm_nic_have *have;
		a->pa = &r->plan->agents[i];
		/* A re-read keeps what reconfiguring found out. */
		if (!a->failed)
			vm_err_clear(&a->err);
		a->vm = vm_find(r, a->pa, &a->ambiguous, a->failed ? NULL : &a->err);
		if (a->vm && agent_name_take(r, i, a->vm, a->failed ? NULL : &a->err) < 0)
			a->vm = NULL;
		memset(&a->diff, 0, sizeof(a->diff));
		a->diff.trunk = a->diff.mgmt = -1;
		if (!a->vm) {
			a->failed = 1;
			agent_guestinfo(r, i);
			continue;
		}
		a->mgmt_net = r->mgmt_net;
		if (r->mgmt_per_agent &&
		    vs_vm_network_find(r->inv, r->diff.dc, r->plan->management.network, a->vm, &a->mgmt_net,
				       rc == 0 ? err : NULL) < 0) {
			rc = -1;
			continue;
		}
		have = vm_xcalloc(a->vm->n_nics ? a->vm->n_nics : 1, sizeof(*have));
		vs_vm_nics_get(a->vm, have);
		if (r->have_trunk_net) {
			vm_nic_diff_get(have, a->vm->n_nics, &r->trunk_net, r->have_mgmt_net ? &a->mgmt_net : NULL,
					&a->diff);
		} else {
			/* The port group does not exist yet: every agent needs a trunk NIC. */
			struct vm_nic_net none = {.backing = VM_NIC_BACKING_DVPORT, .portgroup_key = "", .switch_uuid = ""};
			vm_nic_diff_get(have, a->vm->n_nics, &none, r->have_mgmt_net ? &a->mgmt_net : NULL, &a->diff);
		}
		free(have);
		agent_guestinfo(r, i);
	}
	return rc;
}

static int resolve_nets(struct cli_sync *r, struct vm_err *err)
{
	r->have_trunk_net = r->diff.pg != NULL;
	if (r->diff.pg)
		vs_vm_trunk_net_get(r->diff.pg, r->diff.sw, &r->trunk_net);
	r->have_mgmt_net = r->mgmt_per_agent = 0;
	memset(&r->mgmt_net, 0, sizeof(r->mgmt_net));
	if (r->plan->n_agents && r->plan->has_management) {
		struct vm_err e;
		vm_err_clear(&e);
		if (vs_vm_network_find(r->inv, r->diff.dc, r->plan->management.network, NULL, &r->mgmt_net, &e) < 0) {
			/* Several of that name: each agent's host decides (agents_diff). */
			if (e.kind != VM_ERR_USAGE) {
				if (err)
					*err = e;
				return -1;
			}
			memset(&r->mgmt_net, 0, sizeof(r->mgmt_net));
			r->mgmt_per_agent = 1;
		}
		r->have_mgmt_net = 1;
	}
	return 0;
}

static void progress_cb(size_t done, size_t total, void *arg)
{
	struct cli_sync *r = arg;

	if (r->ctx->quiet || r->ctx->json || !isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\rvtrunk: reconfigure tasks: %zu/%zu done", done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

/* The NICs an agent has in r->inv, for the report and the guest files. */
static void agent_facts(struct cli_sync *r, struct cli_agent *a)
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
		a->g_trunk.pci_slot = a->trunk_nic->pci_slot;
	}
	if (a->mgmt_nic) {
		a->g_mgmt.mac = a->mgmt_nic->mac[0] ? a->mgmt_nic->mac : NULL;
		a->g_mgmt.key = a->mgmt_nic->key;
		a->g_mgmt.portgroup = r->plan->management.network;
		a->g_mgmt.label = a->mgmt_nic->label;
		a->g_mgmt.pci_slot = a->mgmt_nic->pci_slot;
	}
}

/* The agent's NIC facts as the guest emitters take them (after agent_facts). */
static struct vm_guest_agent agent_guest(const struct cli_agent *a)
{
	struct vm_guest_agent ga = {a->trunk_nic ? &a->g_trunk : NULL, a->mgmt_nic ? &a->g_mgmt : NULL};
	return ga;
}

/* After a re-read: every agent's NICs. */
static void agents_facts(struct cli_sync *r)
{
	for (size_t i = 0; i < r->plan->n_agents; i++)
		agent_facts(r, &r->agents[i]);
}

/* What the agent's guestinfo should hold and whether it does (--guestinfo). Its files
 * name its NICs' MACs: while a NIC is still to be added they are unknown, so its
 * guestinfo waits for the read-back after the NICs are in (a second reconfigure). */
static void agent_guestinfo(struct cli_sync *r, size_t i)
{
	struct cli_agent *a = &r->agents[i];
	struct vm_guest_agent ga;

	/* An autoscaled agent's slot is its claim (cli_autoscale.h): it goes into the VM with
	 * its NICs, in the same reconfigure, --guestinfo or not. */
	int slot = a->pa->autoscale && r->mode != M_DESTROY;

	vm_guestinfo_clear(&a->gi);
	a->gi_pending = 0;
	if (!a->vm || (!r->ctx->guestinfo && !slot))
		return;
	if (!r->ctx->guestinfo) {
		vm_guestinfo_put_slot(&a->gi, a->pa->slot);
	} else if (r->mode == M_DESTROY) {
		vm_guestinfo_build_removal(&a->gi);
	} else if (a->diff.add_trunk || a->diff.add_mgmt) {
		a->gi_pending = 1;
		if (slot)
			vm_guestinfo_put_slot(&a->gi, a->pa->slot);
		return;
	} else {
		agent_facts(r, a);
		ga = agent_guest(a);
		vm_guestinfo_build(r->plan, i, &ga, &a->gi);
		if (slot)
			vm_guestinfo_put_slot(&a->gi, a->pa->slot);
	}
	a->gi_pending = vm_guestinfo_differs(&a->gi, extra_lookup, a->vm);
}

/* The switch's uplinks must carry the plan's VLANs, or tagged frames go nowhere. */
static int preflight(struct cli_sync *r, struct vm_err *err)
{
	cJSON *u = cJSON_AddObjectToObject(r->report, "uplinks");
	char *missing;

	cJSON_AddNumberToObject(u, "portgroups", r->diff.uplinks_found);
	if (!r->diff.uplinks_found) {
		cJSON_AddStringToObject(u, "missing_vlans", "");
		cli_info(r->ctx, "vtrunk: note: no uplink port group found on switch \"%s\": uplink check skipped\n",
			 r->sw_name);
		return 0;
	}
	missing = vm_vlan_set_format(&r->diff.uplink_missing);
	cJSON_AddStringToObject(u, "missing_vlans", missing);
	if (*missing) {
		if (r->ctx->strict) {
			vm_err_set(err, VM_ERR_FAULT,
				   "the uplinks of switch \"%s\" do not carry VLANs %s of the plan; nothing was changed "
				   "(trunk them on the uplinks and the physical switch, or leave out --strict)",
				   r->sw_name, missing);
			free(missing);
			return -1;
		}
		fprintf(stderr, "vtrunk: warning: the uplinks of switch \"%s\" do not carry VLANs %s of the plan: "
				"traffic on them will not leave the host (--strict makes this an error)\n",
			r->sw_name, missing);
	}
	free(missing);
	return 0;
}

static int fail(struct cli_sync *r, const struct vm_err *err)
{
	int rc = cli_fail(r->ctx, err);

	/* Interrupted: exit 1 (not 3, "cannot connect") and the closing line, as after any
	 * interrupted run. */
	if (cli_stop && rc == CLI_EXIT_CONNECT && err->kind == VM_ERR_NET) {
		rc = CLI_EXIT_FAIL;
		if (!r->ctx->json) {
			r->errors++;
			cli_report_finish(r, rc);
		}
	}
	if (r->ctx->json) {
		cJSON_AddStringToObject(r->report, "error", err->msg);
		if (err->fault[0])
			cJSON_AddStringToObject(r->report, "fault", err->fault);
		r->errors++;
		if (r->ctx->watch)
			cli_watch_report(r, rc);
		else
			cli_report_finish(r, rc);
	}
	return rc;
}

static int write_guest(struct cli_sync *r, struct vm_err *err)
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
	if (!r->ctx->json && !r->ctx->quiet && r->plan->n_agents)
		printf("guest files for %zu agent%s written under %s/\n", r->plan->n_agents,
		       r->plan->n_agents == 1 ? "" : "s", dir);
	return 0;
}

/* What every read of this run asks vCenter for. */
static unsigned inv_what(const struct cli_sync *r)
{
	unsigned what = VS_INV_NETWORK;

	if (r->mode == M_DESTROY || r->plan->n_agents)
		what |= VS_INV_VMS;
	/* "autoscale": every VM may be an agent, and the slots are in their extraConfig. */
	if (r->plan->has_autoscale)
		what |= VS_INV_VMS | VS_INV_GUESTINFO;
	if ((what & VS_INV_VMS) && r->ctx->guestinfo)
		what |= VS_INV_GUESTINFO;
	return what;
}

static size_t count_gi_pending(const struct cli_sync *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->plan->n_agents; i++)
		n += r->agents[i].gi_pending && !r->agents[i].failed;
	return n;
}

/* Recomputes the port group diff, the networks and every agent's diff on r->inv. The
 * agents are always recomputed, so none points into an inventory that is gone. */
static int rediff(struct cli_sync *r, struct vm_err *err)
{
	int rc = vs_portgroup_diff_get(r->inv, r->plan, &r->diff, err);

	if (rc == 0) {
		snprintf(r->sw_name, sizeof(r->sw_name), "%s", r->diff.sw->name);
		snprintf(r->dc_name, sizeof(r->dc_name), "%s", r->inv->dcs[r->diff.dc].name);
		rc = resolve_nets(r, err);
	} else {
		r->diff.pg = NULL;
		r->have_trunk_net = r->have_mgmt_net = r->mgmt_per_agent = 0;
	}
	if (agents_diff(r, rc == 0 ? err : NULL) < 0 && rc == 0)
		rc = -1;
	return rc;
}

/* Re-reads vCenter (through the same view) and recomputes the diffs on it. When the read
 * fails, everything still describes the last inventory read. */
static int reread(struct cli_sync *r, unsigned what, struct vm_err *err)
{
	struct vs_inventory *inv = NULL;
	int rc;

	/* After a second signal the report still says what vCenter holds: this read is not
	 * abandoned (a third signal abandons it). */
	if (cli_stop == 2)
		vs_http_abortable_set(r->s->http, 0);
	rc = cli_inv_read(r, what, &inv, err);
	vs_http_abortable_set(r->s->http, 1);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < r->plan->n_agents; i++)
		r->agents[i].vm = NULL;
	r->diff.pg = NULL;
	r->diff.sw = NULL;
	vs_inventory_free(&r->inv);
	r->inv = inv;
	r->dirty = 0;
	return rediff(r, err);
}

/* ---- the engine's view of vCenter ---- */

struct engine_arg {
	struct cli_sync *r;
	unsigned what;
};

static int op_send(void *arg, struct vs_vm_change *ch, size_t n, struct vm_err *err)
{
	struct cli_sync *r = ((struct engine_arg *)arg)->r;
	struct vs_vm_nic_spec spec;

	memset(&spec, 0, sizeof(spec));
	spec.type = r->plan->trunk.nic_type;
	spec.trunk = r->trunk_net;
	spec.mgmt = r->mgmt_net;
	cli_info(r->ctx, "vtrunk: reconfiguring %zu VM%s (%d at a time)...\n", n, n == 1 ? "" : "s", r->ctx->parallel);
	r->dirty = r->sent = 1;
	return vs_vm_reconfigure_call(r->s, ch, n, &spec, r->ctx->parallel, r->ctx->timeout, progress_cb, r, err);
}

static int op_wait(void *arg, const struct vs_moref *tasks, size_t n, struct vm_err *err)
{
	struct cli_sync *r = ((struct engine_arg *)arg)->r;
	return vs_task_wait_refs_call(r->s, tasks, n, r->ctx->timeout, err);
}

static int op_reread(void *arg, struct vm_err *err)
{
	struct engine_arg *ea = arg;
	return reread(ea->r, ea->what, err);
}

static int op_stopped(void *arg)
{
	(void)arg;
	return cli_stop;
}

static void op_note(void *arg, const char *msg)
{
	cli_info(((struct engine_arg *)arg)->r->ctx, "%s\n", msg);
}

static const struct cli_engine_ops engine_ops = {op_send, op_wait, op_reread, op_stopped, op_note};

/* Reconfigures every agent that needs it, each change exactly once (cli_engine.h). */
static int reconfigure(struct cli_sync *r, int destroy, unsigned what, struct vm_err *err)
{
	struct engine_arg ea = {r, what};
	struct cli_engine e = {r->agents, r->plan->n_agents, destroy, &engine_ops, &ea, 0, 0};
	int rc = cli_engine_run(&e, err);

	r->changes_done += e.changes_done;
	return rc;
}

/* Waits for the tasks vCenter lists on the switch and the port group: a call of ours
 * whose answer was lost may still be running there. */
static void pg_wait_recent(struct cli_sync *r)
{
	if (r->diff.sw)
		vs_task_wait_refs_call(r->s, r->diff.sw->recent, r->diff.sw->n_recent, r->ctx->timeout, NULL);
	if (r->diff.pg)
		vs_task_wait_refs_call(r->s, r->diff.pg->recent, r->diff.pg->n_recent, r->ctx->timeout, NULL);
}

/* After a port group call that may have been made (no clear answer), was refused because
 * someone else got there first (DuplicateName, ConcurrentAccess), or was stopped: re-read,
 * wait for the tasks running there, re-read. -1 when a read failed (err set). */
static int pg_reread(struct cli_sync *r, unsigned what, struct vm_err *err)
{
	cli_info(r->ctx, "vtrunk: port group \"%s\": no clear answer or a concurrent change; re-reading...\n",
		 r->plan->trunk.portgroup);
	if (reread(r, what, err) < 0)
		return -1;
	pg_wait_recent(r);
	return reread(r, what, err);
}

static int pg_doubt(const struct vm_err *err)
{
	return vs_err_uncertain(err) || vs_err_conflict(err) || strcmp(err->fault, "DuplicateName") == 0;
}

/* Creates or updates the port group, exactly once: a port group of the plan's kind made
 * meanwhile (by a lost call of ours or by another run) is used, not made again. */
static int pg_apply(struct cli_sync *r, unsigned what, struct vm_err *err)
{
	enum vs_pg_action act = r->diff.action;

	r->pg_done = VS_PG_UNCHANGED;
	for (int k = 0; r->diff.action != VS_PG_UNCHANGED; k++) {
		int unclear;
		cli_info(r->ctx, "vtrunk: %s port group \"%s\"...\n",
			 r->diff.action == VS_PG_CREATE ? "creating" : "updating", r->plan->trunk.portgroup);
		r->sent = 1;
		if (vs_portgroup_apply_call(r->s, &r->diff, r->ctx->timeout, err) == 0) {
			r->pg_done = r->diff.action;
			r->changes_done++;
			/* The new port group's key is what the trunk NICs attach to: re-read the
			 * networks only (the VMs have not changed). */
			if (r->diff.action == VS_PG_CREATE &&
			    (vs_inventory_networks_refresh_call(r->s, r->inv, err) < 0 || rediff(r, err) < 0))
				return -1;
			return 0;
		}
		unclear = vs_err_uncertain(err);
		if (!pg_doubt(err) || k == CLI_ENGINE_ROUNDS || cli_stop)
			return -1;
		if (pg_reread(r, what, err) < 0)
			return -1;
		if (r->diff.action == VS_PG_UNCHANGED && unclear) {
			/* Our call did it: the answer was lost, not the change. */
			r->pg_done = act;
			r->changes_done++;
		}
	}
	vm_err_clear(err);
	return 0;
}

/* Destroys the port group; after an unclear answer, gone is done. */
static int pg_destroy(struct cli_sync *r, unsigned what, struct vm_err *err)
{
	for (int k = 0;; k++) {
		r->sent = 1;
		if (vs_portgroup_destroy_call(r->s, r->diff.pg, r->ctx->timeout, err) == 0)
			return 0;
		if (!(vs_err_uncertain(err) || vs_err_conflict(err)) || k == CLI_ENGINE_ROUNDS || cli_stop)
			return -1;
		if (pg_reread(r, what, err) < 0)
			return -1;
		if (!r->diff.pg)
			return 0;
	}
}

/* The report of what was done, whatever stopped the run. */
static void report_all(struct cli_sync *r, const char *pg_action)
{
	cli_report_pg(r, pg_action, r->diff.pg);
	agents_facts(r);
	cli_report_agents(r);
	cli_report_tags(r);
}

static int do_apply(struct cli_sync *r, struct vm_err *err)
{
	unsigned what = inv_what(r);
	size_t n_gi;

	if (r->diff.action != VS_PG_UNCHANGED && pg_apply(r, what, err) < 0) {
		report_all(r, "failed");
		return -1;
	}
	if (reconfigure(r, 0, what, err) < 0)
		goto failed;
	/* One read-back for every agent: the MACs and keys vCenter assigned. */
	if (r->dirty && r->plan->n_agents && reread(r, what, err) < 0)
		goto failed;
	/* A slot another watcher gave to a VM of higher priority too: moved, and the move
	 * goes out with the guestinfo round below. */
	if (cli_autoscale_reslot(r) && rediff(r, err) < 0)
		goto failed;
	/* Agents that just got their NICs: their guestinfo names the new MACs. */
	n_gi = count_gi_pending(r);
	if (n_gi) {
		cli_info(r->ctx, "vtrunk: writing the guestinfo of %zu VM%s that got new NICs...\n", n_gi,
			 n_gi == 1 ? "" : "s");
		if (reconfigure(r, 0, what, err) < 0)
			goto failed;
	}
	/* What vCenter holds now is the judge: a second trunk NIC is an error of this run. */
	cli_engine_verify(r->agents, r->plan->n_agents, 0, r->plan->trunk.portgroup);
	/* The NICs are done: a tag that cannot be attached is reported, and the guest
	 * files are written all the same (a re-run attaches it). */
	if (cli_tags_change(r, &r->tag_err) < 0) {
		cli_fail(r->ctx, &r->tag_err);
		r->errors++;
	}
	report_all(r, cli_report_pg_word(M_APPLY, r->pg_done));
	return 0;
failed:
	report_all(r, cli_report_pg_word(M_APPLY, r->pg_done));
	return -1;
}

static int do_destroy(struct cli_sync *r, struct vm_err *err)
{
	size_t users = 0;
	struct vm_buf names = {0};
	unsigned what = inv_what(r);

	/* The tag first: the port group may be gone afterwards. Nothing else is changed
	 * when this fails. */
	if (cli_tags_change(r, err) < 0) {
		r->tag_err = *err;
		cli_report_tags(r);
		return -1;
	}
	if (!r->diff.pg) {
		report_all(r, "absent");
		return 0;
	}
	if (reconfigure(r, 1, what, err) < 0) {
		report_all(r, "kept");
		return -1;
	}
	if (r->dirty && reread(r, what, err) < 0) {
		report_all(r, "kept");
		return -1;
	}
	cli_engine_verify(r->agents, r->plan->n_agents, 1, r->plan->trunk.portgroup);
	/* Who still uses it: every VM with a NIC on it (read after the removals). */
	users = cli_pg_users(r, 0, &names);
	if (!r->diff.pg) {
		report_all(r, "absent");
	} else if (r->ctx->keep_portgroup) {
		report_all(r, "kept");
	} else if (users) {
		report_all(r, "kept");
		cli_info(r->ctx, "vtrunk: port group \"%s\" kept: %zu VM%s still use%s it (%s%s)\n", r->diff.pg->name,
			 users, users == 1 ? "" : "s", users == 1 ? "s" : "", names.data, users > 5 ? ", ..." : "");
	} else if (pg_destroy(r, what, err) < 0) {
		report_all(r, "failed");
		vm_buf_reset(&names);
		return -1;
	} else {
		r->changes_done++;
		/* The trunk NICs are gone: report none; the management NICs stay. */
		r->diff.pg = NULL;
		report_all(r, "removed");
	}
	vm_buf_reset(&names);
	return 0;
}

static int run(struct cli_ctx *ctx, enum cli_mode mode)
{
	struct cli_sync r = {.ctx = ctx, .mode = mode};
	struct vm_err err;
	enum vm_err_kind worst = VM_ERR_FAULT; /* of the failures once something was sent */
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
	/* Likewise an output directory that cannot be written (-o '', a read-only or full
	 * file system, a file in the way): exit 2, nothing was sent. */
	if (mode == M_APPLY &&
	    vm_guest_dir_prepare(r.plan, ctx->out_dir ? ctx->out_dir : "vtrunk-out", &err) < 0) {
		err.kind = VM_ERR_USAGE;
		rc = fail(&r, &err);
		goto cleanup;
	}
	cli_conn_datacenter_default(r.plan);
	r.agents = vm_xcalloc(r.plan->n_agents ? r.plan->n_agents : 1, sizeof(*r.agents));
	r.s = cli_conn_open(ctx, 1, &err);
	if (!r.s) {
		rc = fail(&r, &err);
		goto cleanup;
	}
	if (cli_inv_read(&r, inv_what(&r), &r.inv, &err) < 0 || rediff(&r, &err) < 0) {
		rc = fail(&r, &err);
		goto cleanup;
	}
	if (r.plan->has_autoscale) {
		size_t full;
		if (cli_tags_autoscale_read(&r, &err) < 0) {
			rc = fail(&r, &err);
			goto cleanup;
		}
		/* The set of agents is fixed from here on: the engine's rounds hold it. */
		cli_autoscale_expand(&r, &full);
		r.errors += full;
		r.autoscale_full = full;
		if (rediff(&r, &err) < 0) {
			rc = fail(&r, &err);
			goto cleanup;
		}
	}
	if (((mode == M_PLAN || mode == M_APPLY || mode == M_STATUS) &&
	     (preflight(&r, &err) < 0 || cli_addrcheck(&r, &err) < 0)) ||
	    cli_tags_read(&r, &err) < 0) {
		rc = fail(&r, &err);
		goto cleanup;
	}
	if (cli_stop && (mode == M_APPLY || (mode == M_DESTROY && !ctx->dry_run))) {
		/* A signal during the reads: "sending nothing new" starts with the first change. */
		vm_err_set(&err, VM_ERR_NET, "interrupted before anything was changed");
		rc = fail(&r, &err);
		goto cleanup;
	}
	switch (mode) {
	case M_PLAN:
	case M_STATUS:
		cli_report_pg(&r, cli_report_pg_word(mode, r.diff.action), r.diff.pg);
		r.pending += r.diff.action != VS_PG_UNCHANGED;
		/* A port group still to be created gets the tag with its creation. */
		r.pending += r.plan->tags.category && r.diff.pg && !r.tag_pg_had;
		agents_facts(&r);
		/* An agent that cannot be found is an error (exit 1), not a pending change. */
		for (size_t i = 0; i < r.plan->n_agents; i++)
			r.pending += r.agents[i].vm && (vm_nic_diff_pending(&r.agents[i].diff) || r.agents[i].gi_pending ||
							cli_report_tag_missing(&r, &r.agents[i]));
		cli_report_agents(&r);
		cli_report_tags(&r);
		if (r.pending)
			rc = CLI_EXIT_PENDING;
		break;
	case M_DESTROY:
		if (ctx->dry_run) {
			agents_facts(&r);
			cli_preview_destroy(&r);
			if (r.pending)
				rc = CLI_EXIT_PENDING;
			break;
		}
		/* fall through */
	case M_APPLY:
		if ((mode == M_APPLY ? do_apply(&r, &err) : do_destroy(&r, &err)) < 0) {
			/* Once something may have changed, what was done is reported (and the guest
			 * files of the agents that are done are written): exit 1, never 3. */
			if (!r.sent) {
				rc = fail(&r, &err);
				goto cleanup;
			}
			cli_fail(ctx, &err);
			cJSON_AddStringToObject(r.report, "error", err.msg);
			if (err.fault[0])
				cJSON_AddStringToObject(r.report, "fault", err.fault);
			r.errors++;
			if (err.kind == VM_ERR_AUTH)
				worst = VM_ERR_AUTH;
			rc = cli_exit_code_changed(worst);
		}
		/* vCenter is done with: log out now, not after the files and the report. */
		vs_rest_free(&r.rest);
		vs_session_logout_call(r.s);
		if (mode == M_APPLY && write_guest(&r, &err) < 0) {
			rc = fail(&r, &err);
			goto cleanup;
		}
		break;
	}
	for (size_t i = 0; i < r.plan->n_agents; i++) {
		r.errors += r.agents[i].failed;
		if (r.agents[i].failed && r.agents[i].err.kind == VM_ERR_AUTH)
			worst = VM_ERR_AUTH;
	}
	if (r.tag_err.kind == VM_ERR_AUTH)
		worst = VM_ERR_AUTH;
	if (r.errors)
		rc = cli_exit_code_changed(worst);
	rc = ctx->watch ? cli_watch_report(&r, rc) : cli_report_finish(&r, rc);
cleanup:
	for (size_t i = 0; r.agents && i < r.plan->n_agents; i++)
		vm_guestinfo_clear(&r.agents[i].gi);
	free(r.agents);
	vs_pg_diff_clear(&r.diff);
	vs_inventory_free(&r.inv);
	vs_rest_free(&r.rest);
	vs_tag_state_clear(&r.tag);
	vs_tag_state_clear(&r.as_tag);
	vs_session_free(&r.s);
	vm_plan_free(&r.plan);
	cJSON_Delete(r.report);
	return rc;
}

int cli_cmd_plan(struct cli_ctx *ctx) { return run(ctx, M_PLAN); }
int cli_cmd_apply(struct cli_ctx *ctx) { return run(ctx, M_APPLY); }
int cli_cmd_status(struct cli_ctx *ctx) { return run(ctx, M_STATUS); }
int cli_cmd_destroy(struct cli_ctx *ctx) { return run(ctx, M_DESTROY); }
