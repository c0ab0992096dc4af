/* cli_cmd_sync.c — plan, apply, status and destroy: load the plan, read vCenter
 * once, compare, and (apply, destroy) act; then report in text or JSON. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_cmd.h"
#include "cli_conn.h"
#include "cli_plan.h"
#include "vm_alloc.h"
#include "vm_guest.h"
#include "vs_portgroup.h"

enum mode { M_PLAN, M_APPLY, M_STATUS, M_DESTROY };

struct run {
	struct cli_ctx *ctx;
	enum mode mode;
	struct vm_plan *plan;
	struct vs_session *s;
	struct vs_inventory *inv;
	struct vs_pg_diff diff;
	cJSON *report;     /* owned */
	int changes, errors, pending;
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

/* Counts the VMs in the port group's datacenter with a NIC on it. */
static size_t pg_users(const struct vs_inventory *inv, const struct vs_portgroup *pg, struct vm_buf *names)
{
	size_t n = 0;

	for (size_t i = 0; i < inv->n_vms; i++) {
		const struct vs_vm *vm = &inv->vms[i];
		for (size_t j = 0; j < vm->n_nics; j++) {
			if (vm->nics[j].backing == VS_BACKING_DVPORT && vm->nics[j].portgroup_key &&
			    strcmp(vm->nics[j].portgroup_key, pg->key) == 0) {
				if (n < 5)
					vm_buf_addf(names, "%s%s", n ? ", " : "", vm->name);
				n++;
				break;
			}
		}
	}
	return n;
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
		if (*r->diff.note)
			printf("  note: %s\n", r->diff.note);
	}
	free(want);
	free(have);
}

static int finish(struct run *r, int rc)
{
	cJSON_AddArrayToObject(r->report, "agents");
	cJSON_AddNumberToObject(r->report, "changes", r->changes);
	cJSON_AddNumberToObject(r->report, "errors", r->errors);
	if (r->s) {
		cJSON_AddNumberToObject(r->report, "http_requests", (double)vs_http_requests_get(r->s->http));
	}
	if (r->ctx->json) {
		char *text = cJSON_Print(r->report);
		printf("%s\n", text);
		free(text);
	} else if (r->mode == M_APPLY || r->mode == M_DESTROY) {
		printf("%d change%s, %d error%s\n", r->changes, r->changes == 1 ? "" : "s", r->errors,
		       r->errors == 1 ? "" : "s");
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

	if (vm_guest_write(r->plan, NULL, dir, err) < 0)
		return -1;
	cJSON_AddStringToObject(r->report, "output", dir);
	if (!r->ctx->json && r->plan->n_agents)
		printf("guest files for %zu agent%s written under %s/\n", r->plan->n_agents,
		       r->plan->n_agents == 1 ? "" : "s", dir);
	return 0;
}

static int run(struct cli_ctx *ctx, enum mode mode)
{
	struct run r = {.ctx = ctx, .mode = mode};
	struct vm_err err;
	unsigned what = VS_INV_NETWORK;
	int rc;

	vm_err_clear(&err);
	r.report = cJSON_CreateObject();
	if (cli_plan_load_file(ctx->plan_path, &r.plan, &err) < 0) {
		rc = fail(&r, &err);
		goto cleanup;
	}
	r.s = cli_conn_open(ctx, 1, &err);
	if (!r.s) {
		rc = fail(&r, &err);
		goto cleanup;
	}
	if (mode == M_DESTROY || r.plan->n_agents)
		what |= VS_INV_VMS;
	if (vs_inventory_retrieve_call(r.s, what, &r.inv, &err) < 0 ||
	    vs_portgroup_diff_get(r.inv, r.plan, &r.diff, &err) < 0) {
		rc = fail(&r, &err);
		goto cleanup;
	}
	rc = CLI_EXIT_OK;
	switch (mode) {
	case M_PLAN:
	case M_STATUS:
		report_pg(&r, pg_word(mode, r.diff.action), r.diff.pg);
		if (r.diff.action != VS_PG_UNCHANGED) {
			r.changes++;
			rc = CLI_EXIT_PENDING;
		}
		break;
	case M_APPLY:
		if (r.diff.action != VS_PG_UNCHANGED) {
			cli_info(ctx, "%s port group \"%s\"...\n", r.diff.action == VS_PG_CREATE ? "creating" : "updating",
				 r.plan->trunk.portgroup);
			if (vs_portgroup_apply_call(r.s, &r.diff, ctx->timeout, &err) < 0) {
				report_pg(&r, "failed", r.diff.pg);
				rc = fail(&r, &err);
				goto cleanup;
			}
			r.changes++;
		}
		{
			/* Read back what vCenter now holds: the report shows its key, not ours. */
			enum vs_pg_action act = r.diff.action;
			const struct vs_portgroup *pg = r.diff.pg;
			if (act == VS_PG_CREATE) {
				struct vs_inventory *again = NULL;
				if (vs_inventory_retrieve_call(r.s, VS_INV_NETWORK, &again, &err) < 0) {
					rc = fail(&r, &err);
					goto cleanup;
				}
				vs_inventory_free(&r.inv);
				r.inv = again;
				if (vs_portgroup_diff_get(r.inv, r.plan, &r.diff, &err) < 0) {
					rc = fail(&r, &err);
					goto cleanup;
				}
				pg = r.diff.pg;
			}
			report_pg(&r, pg_word(mode, act), pg);
		}
		if (write_guest(&r, &err) < 0) {
			rc = fail(&r, &err);
			goto cleanup;
		}
		break;
	case M_DESTROY: {
		struct vm_buf users = {0};
		size_t n;
		if (!r.diff.pg) {
			report_pg(&r, "absent", NULL);
			break;
		}
		n = pg_users(r.inv, r.diff.pg, &users);
		if (ctx->keep_portgroup) {
			report_pg(&r, "kept", r.diff.pg);
		} else if (n) {
			report_pg(&r, "kept", r.diff.pg);
			cli_info(ctx, "vtrunk: port group \"%s\" kept: %zu VM%s still use it (%s%s)\n", r.diff.pg->name, n,
				 n == 1 ? "" : "s", users.data, n > 5 ? ", ..." : "");
		} else if (vs_portgroup_destroy_call(r.s, r.diff.pg, ctx->timeout, &err) < 0) {
			report_pg(&r, "failed", r.diff.pg);
			vm_buf_reset(&users);
			rc = fail(&r, &err);
			goto cleanup;
		} else {
			report_pg(&r, "removed", r.diff.pg);
			r.changes++;
		}
		vm_buf_reset(&users);
		break;
	}
	}
	rc = finish(&r, rc);
cleanup:
	vs_inventory_free(&r.inv);
	vs_session_free(&r.s);
	vm_plan_free(&r.plan);
	cJSON_Delete(r.report);
	return rc;
}

int cli_cmd_plan(struct cli_ctx *ctx) { return run(ctx, M_PLAN); }
int cli_cmd_apply(struct cli_ctx *ctx) { return run(ctx, M_APPLY); }
int cli_cmd_status(struct cli_ctx *ctx) { return run(ctx, M_STATUS); }
int cli_cmd_destroy(struct cli_ctx *ctx) { return run(ctx, M_DESTROY); }
