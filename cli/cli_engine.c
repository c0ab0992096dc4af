#include "cli_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm_alloc.h"

static int nics_pending(const struct cli_agent *a, int destroy);

int cli_agent_pending(const struct cli_agent *a, int destroy)
{
	return a->gi_pending || nics_pending(a, destroy);
}

static int in_doubt(const struct cli_agent *a)
{
	return a->unsure || a->conflict;
}

static size_t count_doubt(const struct cli_engine *e)
{
	size_t n = 0;
	for (size_t i = 0; i < e->n; i++)
		n += in_doubt(&e->agents[i]);
	return n;
}

static void note(const struct cli_engine *e, const char *fmt, size_t n)
{
	char msg[256];

	if (!e->ops->note)
		return;
	snprintf(msg, sizeof(msg), fmt, n, n == 1 ? "" : "s");
	e->ops->note(e->arg, msg);
}

/* What one agent's call carries; 0 when it needs none. */
static int change_fill(const struct cli_engine *e, struct cli_agent *a, struct vs_vm_change *c)
{
	memset(c, 0, sizeof(*c));
	c->vm = a->vm;
	if (e->destroy) {
		/* Every NIC on the trunk port group goes; nothing else is touched. */
		if (a->diff.trunk >= 0)
			c->remove[c->n_remove++] = a->diff.trunk;
		for (size_t k = 0; k < a->diff.n_remove && c->n_remove < VM_NIC_MAX_REMOVE; k++)
			c->remove[c->n_remove++] = a->diff.remove[k];
	} else {
		c->add_trunk = a->diff.add_trunk;
		c->add_mgmt = a->diff.add_mgmt;
		c->mgmt = &a->mgmt_net;
		/* An edit of its connectable, in the same call as everything else. */
		if (a->diff.connect_trunk)
			c->connect[c->n_connect++] = a->diff.trunk;
		if (a->diff.connect_mgmt)
			c->connect[c->n_connect++] = a->diff.mgmt;
		for (size_t k = 0; k < a->diff.n_remove && c->n_remove < VM_NIC_MAX_REMOVE; k++)
			c->remove[c->n_remove++] = a->diff.remove[k];
	}
	/* Its guestinfo goes in the same call when its MACs are known already. */
	if (a->gi_pending && a->gi.n)
		c->extra = &a->gi;
	return c->add_trunk || c->add_mgmt || c->n_remove || c->n_connect || c->extra;
}

static void credit(struct cli_engine *e, struct cli_agent *a)
{
	a->added_trunk |= a->want_trunk;
	a->added_mgmt |= a->want_mgmt;
	a->removed += a->want_removed;
	a->connected += a->want_connect;
	a->gi_written |= a->want_gi;
	e->changes_done++;
}

/* One round: a call for every agent that needs one (retry: only those in doubt). The
 * outcome of each is recorded in its agent. Returns -1 when waiting failed (the calls
 * whose tasks were not seen to end are then in doubt, not lost). */
static int round_send(struct cli_engine *e, int retry, struct vm_err *err)
{
	struct vs_vm_change *ch = vm_xcalloc(e->n ? e->n : 1, sizeof(*ch));
	size_t *owner = vm_xcalloc(e->n ? e->n : 1, sizeof(*owner));
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < e->n; i++) {
		struct cli_agent *a = &e->agents[i];
		int doubt = in_doubt(a);
		if (!a->vm || (retry ? !doubt : a->failed))
			continue;
		a->unsure = a->conflict = 0;
		if (!change_fill(e, a, &ch[n])) {
			if (retry) {
				a->failed = 0;
				vm_err_clear(&a->err);
			}
			continue;
		}
		a->want_trunk = ch[n].add_trunk;
		a->want_mgmt = ch[n].add_mgmt;
		a->want_removed = (int)ch[n].n_remove;
		a->want_connect = (int)ch[n].n_connect;
		a->want_gi = ch[n].extra != NULL;
		owner[n++] = i;
	}
	if (n && e->ops->send(e->arg, ch, n, err) < 0)
		rc = -1;
	for (size_t k = 0; k < n; k++) {
		struct cli_agent *a = &e->agents[owner[k]];
		const struct vs_vm_change *c = &ch[k];
		if (c->rc < 0) {
			a->failed = 1;
			a->unsure = c->unsure;
			a->conflict = c->conflict;
			a->err = c->err;
			vm_err_prefix(&a->err, "reconfiguring VM \"%s\"", a->pa->vm);
		} else {
			a->failed = 0;
			vm_err_clear(&a->err);
			credit(e, a);
		}
	}
	free(owner);
	free(ch);
	return rc;
}

/* An agent in doubt whose VM lists a task vCenter still runs: a call of ours may be it. */
static int task_listed(const struct cli_agent *a)
{
	return in_doubt(a) && a->vm && a->vm->n_recent;
}

/* The tasks listed on the VMs in doubt: a call of ours may still be running there. */
static int wait_recent(struct cli_engine *e, struct vm_err *err)
{
	struct vs_moref *tasks = vm_xcalloc(1, sizeof(*tasks));
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < e->n; i++) {
		const struct cli_agent *a = &e->agents[i];
		if (!task_listed(a))
			continue;
		tasks = vm_xrealloc(tasks, (n + a->vm->n_recent) * sizeof(*tasks));
		memcpy(&tasks[n], a->vm->recent, a->vm->n_recent * sizeof(*tasks));
		n += a->vm->n_recent;
	}
	if (n)
		rc = e->ops->wait(e->arg, tasks, n, err);
	free(tasks);
	return rc;
}

static int nics_pending(const struct cli_agent *a, int destroy)
{
	return destroy ? a->diff.trunk >= 0 || a->diff.n_remove > 0 : vm_nic_diff_pending(&a->diff);
}

/* After a re-read: an agent in doubt whose change is there now is done. Its call made
 * it when the answer was unclear; after ConcurrentAccess someone else did. The NICs of
 * an unclear call are credited as soon as they are there, even when the guestinfo that
 * names their MACs is still to be written. */
static void settle(struct cli_engine *e)
{
	for (size_t i = 0; i < e->n; i++) {
		struct cli_agent *a = &e->agents[i];
		int gi_done;
		if (!in_doubt(a) || !a->vm)
			continue;
		gi_done = a->want_gi && !a->gi_pending;
		if (a->unsure && !nics_pending(a, e->destroy) &&
		    (a->want_trunk || a->want_mgmt || a->want_removed || a->want_connect || gi_done)) {
			a->want_gi = gi_done;
			credit(e, a);
			a->want_trunk = a->want_mgmt = a->want_removed = a->want_gi = a->want_connect = 0;
		}
		if (cli_agent_pending(a, e->destroy))
			continue;
		a->unsure = a->conflict = 0;
		a->failed = 0;
		vm_err_clear(&a->err);
	}
}

static size_t count_running(const struct cli_engine *e)
{
	size_t n = 0;
	for (size_t i = 0; i < e->n; i++)
		n += task_listed(&e->agents[i]);
	return n;
}

/* The agents still in doubt at the end: failed, saying why. */
static void give_up(struct cli_engine *e, const char *why)
{
	for (size_t i = 0; i < e->n; i++) {
		struct cli_agent *a = &e->agents[i];
		char msg[2 * sizeof(a->err.msg)];
		if (!in_doubt(a))
			continue;
		snprintf(msg, sizeof(msg), "%s (%s)", a->err.msg, why);
		vm_str_copy(a->err.msg, sizeof(a->err.msg), msg);
		a->failed = 1;
		a->unsure = a->conflict = 0;
		if (a->err.kind == VM_ERR_NONE)
			a->err.kind = VM_ERR_TASK;
	}
}

int cli_engine_run(struct cli_engine *e, struct vm_err *err)
{
	struct vm_err werr;

	e->rounds = 0;
	/* A failed wait leaves its calls in doubt, which the rounds below resolve. */
	vm_err_clear(&werr);
	round_send(e, 0, &werr);
	for (int k = 0; count_doubt(e); k++) {
		note(e, "vtrunk: %zu VM%s gave no clear answer or changed meanwhile; re-reading before deciding...",
		     count_doubt(e));
		/* Re-read first: only a fresh recentTask can list the task of a lost call. */
		if (e->ops->reread(e->arg, err) < 0)
			goto reread_failed;
		vm_err_clear(&werr);
		wait_recent(e, &werr);
		if (e->ops->reread(e->arg, err) < 0)
			goto reread_failed;
		settle(e);
		if (!count_doubt(e))
			break;
		/* Stopped: no new call goes out, but a call already sent whose task vCenter
		 * still runs is waited for (within the same bound): giving it up would leave
		 * its VM with NICs and no guestinfo (half done). */
		int stopped = e->ops->stopped(e->arg);
		/* (A second signal stops the waiting too: stopped() is the signal count.) */
		if (stopped && (k == CLI_ENGINE_ROUNDS || stopped >= 2 || !count_running(e))) {
			give_up(e, "vtrunk was stopped before it could finish; run it again (it re-reads first)");
			break;
		}
		if (k == CLI_ENGINE_ROUNDS) {
			char why[128];
			snprintf(why, sizeof(why), "still unresolved after %d rounds; vCenter holds what the report shows",
				 CLI_ENGINE_ROUNDS);
			give_up(e, why);
			break;
		}
		if (stopped)
			continue;
		e->rounds++;
		round_send(e, 1, &werr);
	}
	return 0;
reread_failed:
	give_up(e, "re-reading vCenter to decide failed; run vtrunk again to finish (it re-reads first)");
	return -1;
}

size_t cli_engine_verify(struct cli_agent *agents, size_t n_agents, int destroy, const char *trunk_pg)
{
	size_t n = 0;

	for (size_t i = 0; i < n_agents; i++) {
		struct cli_agent *a = &agents[i];
		if (!a->vm || a->failed || a->gi_pending || !nics_pending(a, destroy))
			continue;
		a->failed = 1;
		n++;
		if (destroy)
			vm_err_set(&a->err, VM_ERR_TASK, "VM \"%s\" still has a NIC on port group \"%s\" after this run",
				   a->pa->vm, trunk_pg);
		else if (a->diff.n_remove)
			vm_err_set(&a->err, VM_ERR_TASK,
				   "VM \"%s\" has %zu NICs on port group \"%s\" after this run; run vtrunk apply again to "
				   "remove the extra one",
				   a->pa->vm, a->diff.n_remove + 1, trunk_pg);
		else if (!a->diff.add_trunk && !a->diff.add_mgmt)
			vm_err_set(&a->err, VM_ERR_TASK, "VM \"%s\"'s %s NIC is still disconnected after this run", a->pa->vm,
				   a->diff.connect_trunk ? "trunk" : "management");
		else
			vm_err_set(&a->err, VM_ERR_TASK, "VM \"%s\" still lacks its %s NIC after this run", a->pa->vm,
				   a->diff.add_trunk ? "trunk" : a->diff.add_mgmt ? "management" : "trunk");
	}
	return n;
}
