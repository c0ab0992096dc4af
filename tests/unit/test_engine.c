/* test_engine.c — the reconcile rounds (cli/cli_engine.c) driven without vCenter: a small
 * model of VMs holds NIC counts and a changeVersion that every change bumps and every
 * change checks, as tests/vcsim-async's layer (and a real vCenter) does. Scripted per call:
 * a lost answer whose change was made, a 502 whose request lands later (before or after
 * the engine's re-send), a third party's change in between, answers that never come clear,
 * a stop, a failed re-read. Every case must end with one trunk NIC and one management NIC,
 * or an agent failed with a message that says why. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_engine.h"

#define N_VMS 4
#define TRUNK_PG "dvportgroup-9"

enum fate {
	FT_OK,          /* answered: done */
	FT_LOST,        /* done, answer lost */
	FT_LATE_READ,   /* answer 502 now; the request lands before the next read */
	FT_LATE_SEND,   /* answer 502 now; the request lands after the next send */
	FT_THIRD_PARTY, /* someone else changes the VM just before this call runs */
	FT_NEVER,       /* answer lost, nothing done, and the VM lists a task that never ends */
	FT_SLOW,        /* answer lost; its task runs (listed) until the 3rd re-read, then lands */
};

struct model_vm {
	int trunks, mgmts;
	int gi;                   /* its guestinfo was written */
	int version;
	struct vs_moref recent[1];
};

struct late {
	int vm, trunk, mgmt, gi, version, when; /* when: FT_LATE_READ or FT_LATE_SEND */
	int send;                           /* the send it was answered in */
};

struct model {
	struct model_vm m[N_VMS];
	struct vs_vm vms[N_VMS];
	struct cli_agent agents[N_VMS];
	struct vm_plan_agent pa[N_VMS];
	enum fate script[N_VMS][8]; /* per VM, per call */
	int calls[N_VMS];
	struct late late[16];
	size_t n_late;
	int stopped, reread_fails, rereads, sends;
	int slow_pending; /* an FT_SLOW call has not landed yet */
	int guestinfo;            /* the run writes guestinfo (--guestinfo) */
	struct vm_nic_net trunk_net, mgmt_net;
};

/* A change reaches "vCenter": applied only on the version it was made for. */
static int model_apply(struct model *md, int vm, int trunk, int mgmt, int gi, int version)
{
	struct model_vm *v = &md->m[vm];
	if (version != v->version)
		return -1; /* ConcurrentAccess */
	v->trunks += trunk;
	v->mgmts += mgmt;
	v->gi |= gi;
	v->version++;
	return 0;
}

static void land_late(struct model *md, int when)
{
	for (size_t i = 0; i < md->n_late; i++) {
		struct late *l = &md->late[i];
		if (l->when != when || (when == FT_LATE_SEND && l->send == md->sends))
			continue;
		model_apply(md, l->vm, l->trunk, l->mgmt, l->gi, l->version);
		l->when = -1;
	}
}

static void model_read(struct model *md)
{
	for (int i = 0; i < N_VMS; i++) {
		struct vm_nic_have have[16];
		size_t n = 0;
		memset(have, 0, sizeof(have));
		for (int k = 0; k < md->m[i].trunks; k++, n++) {
			have[n].key = 4000 + (int)n;
			have[n].net = md->trunk_net;
		}
		for (int k = 0; k < md->m[i].mgmts; k++, n++) {
			have[n].key = 4000 + (int)n;
			have[n].net = md->mgmt_net;
		}
		snprintf(md->vms[i].change_version, sizeof(md->vms[i].change_version), "%d", md->m[i].version);
		md->vms[i].n_recent = md->script[i][md->calls[i] ? md->calls[i] - 1 : 0] == FT_NEVER ||
				      (md->script[i][md->calls[i] ? md->calls[i] - 1 : 0] == FT_SLOW && md->slow_pending);
		md->vms[i].recent = md->m[i].recent;
		md->agents[i].vm = &md->vms[i];
		vm_nic_diff_get(have, n, &md->trunk_net, &md->mgmt_net, &md->agents[i].diff);
		/* As the CLI does: the guestinfo names the MACs, so it waits for the NICs. */
		md->agents[i].gi_pending = md->guestinfo && !md->m[i].gi;
		md->agents[i].gi.n = md->guestinfo && !vm_nic_diff_pending(&md->agents[i].diff);
	}
}

static int op_send(void *arg, struct vs_vm_change *ch, size_t n, struct vm_err *err)
{
	struct model *md = arg;
	(void)err;
	md->sends++;
	for (size_t k = 0; k < n; k++) {
		struct vs_vm_change *c = &ch[k];
		int vm = (int)(c->vm - md->vms);
		int version = atoi(c->vm->change_version);
		enum fate f = md->script[vm][md->calls[vm]++];
		c->rc = 0;
		c->unsure = c->conflict = 0;
		vm_err_clear(&c->err);
		if (f == FT_THIRD_PARTY)
			md->m[vm].version++; /* another client's change, just before ours runs */
		if (f == FT_LATE_READ || f == FT_LATE_SEND || f == FT_SLOW) {
			md->late[md->n_late++] = (struct late){vm, c->add_trunk, c->add_mgmt, c->extra != NULL, version, f, md->sends};
			md->slow_pending |= f == FT_SLOW;
		} else if (f != FT_NEVER && model_apply(md, vm, c->add_trunk, c->add_mgmt, c->extra != NULL, version) < 0) {
			c->rc = -1;
			c->conflict = 1;
			vm_err_set(&c->err, VM_ERR_TASK, "ConcurrentAccess: changed meanwhile");
			snprintf(c->err.fault, sizeof(c->err.fault), "ConcurrentAccess");
			continue;
		}
		if (f != FT_OK && f != FT_THIRD_PARTY) {
			c->rc = -1;
			c->unsure = 1;
			vm_err_set(&c->err, VM_ERR_HTTP, "HTTP 502");
		}
	}
	land_late(md, FT_LATE_SEND);
	return 0;
}

static int op_wait(void *arg, const struct vs_moref *tasks, size_t n, struct vm_err *err)
{
	(void)arg;
	(void)tasks;
	(void)n;
	(void)err;
	return 0;
}

static int op_reread(void *arg, struct vm_err *err)
{
	struct model *md = arg;
	md->rereads++;
	if (md->reread_fails)
		return vm_err_set(err, VM_ERR_NET, "connection refused");
	land_late(md, FT_LATE_READ);
	if (md->slow_pending && md->rereads >= 3) {
		land_late(md, FT_SLOW);
		md->slow_pending = 0;
	}
	model_read(md);
	return 0;
}

static int op_stopped(void *arg)
{
	return ((struct model *)arg)->stopped;
}

static const struct cli_engine_ops ops = {op_send, op_wait, op_reread, op_stopped, NULL};

static struct model *model_new(void)
{
	struct model *md = calloc(1, sizeof(*md));
	md->trunk_net = (struct vm_nic_net){VM_NIC_BACKING_DVPORT, "uuid-1", TRUNK_PG, NULL, NULL, NULL, NULL};
	md->mgmt_net = (struct vm_nic_net){VM_NIC_BACKING_NETWORK, NULL, NULL, "network-7", "VM Network", NULL, NULL};
	for (int i = 0; i < N_VMS; i++) {
		md->pa[i].vm = "agent";
		md->agents[i].pa = &md->pa[i];
		snprintf(md->m[i].recent[0].value, sizeof(md->m[i].recent[0].value), "task-%d", i);
	}
	model_read(md);
	return md;
}

static int engine_run(struct model *md, struct cli_engine *e)
{
	struct vm_err err;
	memset(e, 0, sizeof(*e));
	e->agents = md->agents;
	e->n = N_VMS;
	e->ops = &ops;
	e->arg = md;
	vm_err_clear(&err);
	return cli_engine_run(e, &err);
}

static void assert_one_each(const struct model *md)
{
	for (int i = 0; i < N_VMS; i++) {
		assert_int_equal(md->m[i].trunks, 1);
		assert_int_equal(md->m[i].mgmts, 1);
	}
}

static void test_clear_answers(void **state)
{
	struct model *md = model_new();
	struct cli_engine e;
	(void)state;
	assert_int_equal(engine_run(md, &e), 0);
	assert_one_each(md);
	assert_int_equal(e.changes_done, N_VMS);
	assert_int_equal(md->rereads, 0);
	for (int i = 0; i < N_VMS; i++)
		assert_true(md->agents[i].added_trunk && md->agents[i].added_mgmt && !md->agents[i].failed);
	free(md);
}

static void test_lost_answer_is_not_resent(void **state)
{
	struct model *md = model_new();
	struct cli_engine e;
	(void)state;
	md->script[1][0] = FT_LOST;
	assert_int_equal(engine_run(md, &e), 0);
	assert_one_each(md);
	assert_int_equal(md->calls[1], 1);
	assert_false(md->agents[1].failed);
	assert_true(md->agents[1].added_trunk);
	assert_int_equal(e.changes_done, N_VMS);
	free(md);
}

static void test_502_landing_before_the_reread(void **state)
{
	struct model *md = model_new();
	struct cli_engine e;
	(void)state;
	md->script[2][0] = FT_LATE_READ;
	assert_int_equal(engine_run(md, &e), 0);
	assert_one_each(md);
	assert_int_equal(md->calls[2], 1);
	assert_false(md->agents[2].failed);
	free(md);
}

/* The late copy lands after the engine sent the change again: it carries the old
 * changeVersion and is refused, so no second NIC. */
static void test_502_landing_after_the_resend(void **state)
{
	struct model *md = model_new();
	struct cli_engine e;
	(void)state;
	md->script[0][0] = FT_LATE_SEND;
	md->script[3][0] = FT_LATE_SEND;
	assert_int_equal(engine_run(md, &e), 0);
	assert_one_each(md);
	assert_int_equal(md->calls[0], 2);
	assert_false(md->agents[0].failed);
	assert_true(md->agents[0].added_trunk);
	assert_int_equal(e.rounds, 1);
	free(md);
}

static void test_third_party_change(void **state)
{
	struct model *md = model_new();
	struct cli_engine e;
	(void)state;
	md->script[1][0] = FT_THIRD_PARTY;
	assert_int_equal(engine_run(md, &e), 0);
	assert_one_each(md);
	assert_int_equal(md->calls[1], 2);
	assert_false(md->agents[1].failed);
	assert_true(md->agents[1].added_trunk);
	free(md);
}

/* Another run made the change first: this one's is refused, nothing is credited. */
static void test_someone_else_did_it(void **state)
{
	struct model *md = model_new();
	struct cli_engine e;
	(void)state;
	/* After the engine's read, the other run's change gives VM 2 its NICs; FT_THIRD_PARTY
	 * bumps the version as that change did. */
	md->script[2][0] = FT_THIRD_PARTY;
	md->m[2].trunks = md->m[2].mgmts = 1;
	assert_int_equal(engine_run(md, &e), 0);
	assert_one_each(md);
	assert_int_equal(md->calls[2], 1);
	assert_false(md->agents[2].failed);
	assert_false(md->agents[2].added_trunk);
	assert_int_equal(e.changes_done, N_VMS - 1);
	free(md);
}

static void test_bounded_rounds(void **state)
{
	struct model *md = model_new();
	struct cli_engine e;
	(void)state;
	for (int k = 0; k < 8; k++)
		md->script[3][k] = FT_NEVER;
	assert_int_equal(engine_run(md, &e), 0);
	assert_int_equal(md->calls[3], 1 + CLI_ENGINE_ROUNDS);
	assert_true(md->agents[3].failed);
	assert_non_null(strstr(md->agents[3].err.msg, "still unresolved after 3 rounds"));
	assert_int_equal(md->m[3].trunks, 0);
	for (int i = 0; i < 3; i++)
		assert_false(md->agents[i].failed);
	free(md);
}

static void test_stop_starts_no_new_round(void **state)
{
	struct model *md = model_new();
	struct cli_engine e;
	(void)state;
	md->script[0][0] = FT_NEVER;
	md->stopped = 1;
	assert_int_equal(engine_run(md, &e), 0);
	assert_int_equal(md->calls[0], 1);
	assert_true(md->agents[0].failed);
	assert_non_null(strstr(md->agents[0].err.msg, "stopped"));
	free(md);
}

/* A signal while a task that vCenter still runs is in doubt: no new call, but the task is
 * waited for, so its VM is not left half done (its NICs in, the report saying failed). */
static void test_stop_waits_for_running_task(void **state)
{
	struct model *md = model_new();
	struct cli_engine e;
	(void)state;
	md->script[0][0] = FT_SLOW;
	md->stopped = 1;
	assert_int_equal(engine_run(md, &e), 0);
	assert_int_equal(md->calls[0], 1);
	assert_false(md->agents[0].failed);
	assert_int_equal(md->m[0].trunks, 1);
	assert_int_equal(md->m[0].mgmts, 1);
	free(md);
}

static void test_failed_reread(void **state)
{
	struct model *md = model_new();
	struct cli_engine e;
	(void)state;
	md->script[1][0] = FT_LOST;
	md->reread_fails = 1;
	assert_int_equal(engine_run(md, &e), -1);
	assert_true(md->agents[1].failed);
	assert_non_null(strstr(md->agents[1].err.msg, "re-reading vCenter to decide failed"));
	assert_false(md->agents[0].failed);
	free(md);
}

/* --guestinfo: a lost answer to the call that added the NICs; the guestinfo (which names
 * their MACs) follows in the next round, and the report still says the NICs were added. */
static void test_lost_answer_then_guestinfo(void **state)
{
	struct model *md = model_new();
	struct cli_engine e;
	(void)state;
	md->guestinfo = 1;
	model_read(md);
	md->script[1][0] = FT_LOST;
	assert_int_equal(engine_run(md, &e), 0);
	assert_one_each(md);
	assert_true(md->m[1].gi);
	assert_int_equal(md->calls[1], 2); /* the NICs once, then the guestinfo */
	assert_true(md->agents[1].added_trunk && md->agents[1].added_mgmt && md->agents[1].gi_written);
	assert_false(md->agents[1].failed);
	/* The others need a second call too, but in the caller's second engine run (the
	 * read-back gives their MACs): here they got their NICs only. */
	assert_false(md->m[0].gi);
	free(md);
}

static void test_verify_names_a_second_trunk_nic(void **state)
{
	struct model *md = model_new();
	struct cli_engine e;
	(void)state;
	assert_int_equal(engine_run(md, &e), 0);
	md->m[2].trunks = 2;
	model_read(md);
	assert_int_equal(cli_engine_verify(md->agents, N_VMS, 0, "Kasm-Trunk"), 1);
	assert_true(md->agents[2].failed);
	assert_non_null(strstr(md->agents[2].err.msg, "has 2 NICs on port group \"Kasm-Trunk\""));
	free(md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clear_answers),
		cmocka_unit_test(test_lost_answer_is_not_resent),
		cmocka_unit_test(test_502_landing_before_the_reread),
		cmocka_unit_test(test_502_landing_after_the_resend),
		cmocka_unit_test(test_third_party_change),
		cmocka_unit_test(test_someone_else_did_it),
		cmocka_unit_test(test_bounded_rounds),
		cmocka_unit_test(test_stop_starts_no_new_round),
		cmocka_unit_test(test_stop_waits_for_running_task),
		cmocka_unit_test(test_failed_reread),
		cmocka_unit_test(test_lost_answer_then_guestinfo),
		cmocka_unit_test(test_verify_names_a_second_trunk_nic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
