/* test_autoscale.c — the slots of "autoscale" agents (cli_autoscale.c): kept where a VM holds
 * one, a collision resolved by moref priority (a clone that copied its source's slot moves),
 * slots held by VMs that do not match still taken, a full range, and a collision found on
 * read-back repaired by the lower-priority agent. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_autoscale.h"
#include "cli_plan.h"

/* cli_info lives in cli_main.c, which unit tests do not link. */
void cli_info(const struct cli_ctx *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

#define NVM 8

struct world {
	struct cli_ctx ctx;
	struct cli_sync r;
	struct vs_inventory inv;
	struct vs_vm vms[NVM];
	struct vs_option opt[NVM];
};

static const char plan_json[] =
	"{\"switch\": \"DVS0\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"100\"},"
	" \"management\": {\"network\": \"VM Network\"},"
	" \"vlans\": [{\"id\": 100, \"subnet\": \"10.1.0.0/16\", \"gateway\": \"10.1.0.1\", \"agent_prefix\": 24}],"
	" \"agents\": [{\"vm\": \"listed\", \"mgmt_address\": \"10.0.0.5\"}],"
	" \"autoscale\": {%s\"slots\": \"%s\", \"mgmt\": \"dhcp\"}}";

/* VM i: moref, name, the slot it holds ("" none). */
static void vm_set(struct world *w, size_t i, const char *moref, const char *name, const char *slot)
{
	struct vs_vm *vm = &w->vms[i];
	memset(vm, 0, sizeof(*vm));
	snprintf(vm->ref.type, sizeof(vm->ref.type), "VirtualMachine");
	snprintf(vm->ref.value, sizeof(vm->ref.value), "%s", moref);
	vm->name = (char *)name;
	if (*slot) {
		w->opt[i].key = (char *)"guestinfo.vtrunk.slot";
		w->opt[i].value = (char *)slot;
		vm->extra = &w->opt[i];
		vm->n_extra = 1;
	}
	if (i >= w->inv.n_vms)
		w->inv.n_vms = i + 1;
}

static void world_init_as(struct world *w, const char *match_tag, const char *slots)
{
	char json[1024];
	struct vm_err err;

	memset(w, 0, sizeof(*w));
	w->ctx.quiet = 1;
	w->r.ctx = &w->ctx;
	w->r.inv = &w->inv;
	w->inv.vms = w->vms;
	snprintf(json, sizeof(json), plan_json, match_tag, slots);
	assert_int_equal(cli_plan_load_string(json, "t", &w->r.plan, &err), 0);
	w->r.agents = calloc(w->r.plan->n_agents + 1, sizeof(*w->r.agents));
	w->r.diff.dc = 0;
}

static void world_init(struct world *w, const char *slots)
{
	world_init_as(w, "\"match\": \"kasm-auto-*\", ", slots);
}

static void world_free(struct world *w)
{
	vs_tag_state_clear(&w->r.as_tag);
	free(w->r.agents);
	vm_plan_free(&w->r.plan);
}

/* The slot given to the agent of VM moref; -2 when it is no agent. */
static int slot_of(const struct world *w, const char *moref)
{
	for (size_t i = w->r.plan->n_listed; i < w->r.plan->n_agents; i++)
		if (strcmp(w->r.plan->agents[i].ref, moref) == 0)
			return w->r.plan->agents[i].slot;
	return -2;
}

static void test_priority(void **state)
{
	(void)state;
	assert_true(cli_autoscale_moref_cmp("vm-9", "vm-10") < 0);
	assert_true(cli_autoscale_moref_cmp("vm-10", "vm-9") > 0);
	assert_int_equal(cli_autoscale_moref_cmp("vm-10", "vm-10"), 0);
}

static void test_expand(void **state)
{
	struct world w;
	size_t full;

	(void)state;
	world_init(&w, "16-31");
	vm_set(&w, 0, "vm-10", "kasm-auto-a", "16");
	vm_set(&w, 1, "vm-12", "kasm-auto-b", "16"); /* cloned from a: copied its slot */
	vm_set(&w, 2, "vm-11", "other", "17");       /* no match, but holds a slot of the range */
	vm_set(&w, 3, "vm-13", "kasm-auto-c", "");
	vm_set(&w, 4, "vm-14", "listed", "");
	w.r.agents[0].vm = &w.vms[4];
	cli_autoscale_expand(&w.r, &full);
	assert_int_equal(full, 0);
	assert_int_equal(w.r.plan->n_agents, 4); /* listed + a, b, c */
	assert_int_equal(slot_of(&w, "vm-10"), 16);
	assert_int_equal(slot_of(&w, "vm-12"), 18);
	assert_int_equal(slot_of(&w, "vm-13"), 19);
	assert_int_equal(slot_of(&w, "vm-11"), -2);
	assert_int_equal(slot_of(&w, "vm-14"), -2);
	assert_true(w.r.plan->agents[1].autoscale && w.r.plan->agents[1].mgmt_dhcp);
	world_free(&w);
}

static void test_full(void **state)
{
	struct world w;
	size_t full;

	(void)state;
	world_init(&w, "16-16");
	vm_set(&w, 0, "vm-20", "kasm-auto-1", "");
	vm_set(&w, 1, "vm-21", "kasm-auto-2", "");
	cli_autoscale_expand(&w.r, &full);
	assert_int_equal(full, 1);
	assert_int_equal(slot_of(&w, "vm-20"), 16);
	assert_int_equal(slot_of(&w, "vm-21"), -2);
	world_free(&w);
}

static void test_reslot(void **state)
{
	struct world w;
	size_t full;

	(void)state;
	world_init(&w, "16-31");
	vm_set(&w, 0, "vm-30", "kasm-auto-x", "");
	cli_autoscale_expand(&w.r, &full);
	assert_int_equal(slot_of(&w, "vm-30"), 16);
	w.r.agents[1].vm = &w.vms[0];
	/* Read back: x holds 16 as written, but another watcher gave 16 to vm-7 meanwhile. */
	vm_set(&w, 0, "vm-30", "kasm-auto-x", "16");
	vm_set(&w, 1, "vm-7", "kasm-auto-y", "16");
	assert_int_equal(cli_autoscale_reslot(&w.r), 1);
	assert_int_equal(slot_of(&w, "vm-30"), 17);
	/* Nothing more to move once that is so. */
	vm_set(&w, 0, "vm-30", "kasm-auto-x", "17");
	assert_int_equal(cli_autoscale_reslot(&w.r), 0);
	world_free(&w);
}

/* "autoscale".tag: with match both must hold; alone, the tag decides; a tag never read
 * (vCenter has none of that name) is on no VM. */
static void test_tag(void **state)
{
	struct world w;
	size_t full;
	struct vm_err err;
	struct vm_plan *p = NULL;

	(void)state;
	assert_int_equal(cli_plan_load_string(
				 "{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"100\"},"
				 " \"management\": {\"network\": \"M\"}, \"vlans\": [], \"agents\": [],"
				 " \"autoscale\": {\"slots\": \"1-2\", \"mgmt\": \"dhcp\"}}",
				 "t", &p, &err),
			 -1);
	assert_non_null(strstr(err.msg, "\"tag\", or both"));
	for (int alone = 0; alone < 2; alone++) {
		world_init_as(&w, alone ? "\"tag\": \"kasm\", " : "\"match\": \"kasm-auto-*\", \"tag\": \"Kasm/kasm\", ",
			      "16-31");
		vm_set(&w, 0, "vm-10", "kasm-auto-a", "");
		vm_set(&w, 1, "vm-11", "kasm-auto-b", "");
		vm_set(&w, 2, "vm-12", "other", "");
		w.r.as_tag.attached = calloc(2, sizeof(*w.r.as_tag.attached));
		w.r.as_tag.attached[0] = w.vms[0].ref;
		w.r.as_tag.attached[1] = w.vms[2].ref;
		w.r.as_tag.n_attached = 2;
		w.r.as_tag_read = 1;
		cli_autoscale_expand(&w.r, &full);
		assert_int_equal(slot_of(&w, "vm-10"), 16);
		assert_int_equal(slot_of(&w, "vm-11"), -2); /* untagged */
		/* Tagged: an agent by the tag alone, not when the name must match too. */
		assert_int_equal(slot_of(&w, "vm-12"), alone ? 17 : -2);
		world_free(&w);
	}
	world_init_as(&w, "\"tag\": \"kasm\", ", "16-31");
	vm_set(&w, 0, "vm-10", "kasm-auto-a", "");
	cli_autoscale_expand(&w.r, &full);
	assert_int_equal(slot_of(&w, "vm-10"), -2);
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_reslot),
		cmocka_unit_test(test_tag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
