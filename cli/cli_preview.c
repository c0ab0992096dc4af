/* cli_preview.c — `destroy --dry-run`: what destroy would remove, read from the same
 * inventory destroy acts on, with nothing sent but reads; and who keeps the port group in
 * use, which destroy asks too. */
#include <string.h>

#include "cli_sync.h"
#include "vm_alloc.h"

/* Whether this VM is one of the plan's agents (found): destroy takes their trunk NICs. */
static int is_agent(const struct cli_sync *r, const struct vs_vm *vm)
{
	for (size_t i = 0; i < r->plan->n_agents; i++)
		if (r->agents[i].vm == vm)
			return 1;
	return 0;
}

size_t cli_pg_users(const struct cli_sync *r, int skip_agents, struct vm_buf *names)
{
	size_t users = 0;

	for (size_t i = 0; r->diff.pg && i < r->inv->n_vms; i++) {
		const struct vs_vm *vm = &r->inv->vms[i];
		int uses = 0;
		if (skip_agents && is_agent(r, vm))
			continue;
		for (size_t j = 0; j < vm->n_nics; j++)
			uses |= vm->nics[j].backing == VS_BACKING_DVPORT && vm->nics[j].portgroup_key &&
				strcmp(vm->nics[j].portgroup_key, r->diff.pg->key) == 0;
		if (uses) {
			if (users < 5)
				vm_buf_addf(names, "%s%s", users ? ", " : "", vm->name);
			users++;
		}
	}
	return users;
}

int cli_preview_agent_nics(const struct cli_sync *r, const struct cli_agent *a)
{
	/* Without the port group destroy reconfigures nothing (there is no trunk NIC). */
	if (!r->diff.pg || !a->vm)
		return 0;
	return (a->diff.trunk >= 0) + (int)a->diff.n_remove;
}

int cli_preview_agent_gi(const struct cli_sync *r, const struct cli_agent *a)
{
	return r->diff.pg && a->vm && a->gi_pending;
}

void cli_preview_destroy(struct cli_sync *r)
{
	struct vm_buf names = {0};
	size_t users = cli_pg_users(r, 1, &names);
	const char *word = !r->diff.pg ? "absent" : r->ctx->keep_portgroup || users ? "keep" : "remove";

	cli_report_pg(r, word, r->diff.pg);
	if (r->diff.pg && !r->ctx->keep_portgroup) {
		cJSON *o = cJSON_GetObjectItem(r->report, "portgroup");
		cJSON_AddNumberToObject(o, "users", (double)users);
		/* Names from vCenter: cli_info shows them escaped. */
		if (users)
			cli_info(r->ctx, "vtrunk: port group \"%s\" would be kept: %zu other VM%s use%s it (%s%s)\n",
				 r->diff.pg->name, users, users == 1 ? "" : "s", users == 1 ? "s" : "", names.data,
				 users > 5 ? ", ..." : "");
	}
	vm_buf_reset(&names);
	r->pending += strcmp(word, "remove") == 0;
	r->pending += r->tag_pg_had;
	for (size_t i = 0; i < r->plan->n_agents; i++) {
		const struct cli_agent *a = &r->agents[i];
		r->pending += a->vm && (cli_preview_agent_nics(r, a) || cli_preview_agent_gi(r, a) || a->tag_had);
	}
	cli_report_agents(r);
	cli_report_tags(r);
}
