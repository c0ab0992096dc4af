/* cli_engine.h — the reconcile engine: the rounds that bring every agent VM to its NIC
 * diff (and its guestinfo) with each change made exactly once, however vCenter answers.
 *
 * A round sends one ReconfigVM_Task per agent that needs one, each carrying the VM's
 * changeVersion as read. An agent whose call got no clear answer (lost, cut, a gateway
 * error, a task whose end was not seen) or whose task failed with ConcurrentAccess is
 * "in doubt": the engine re-reads vCenter, waits for the tasks now listed in those VMs'
 * recentTask, re-reads, and decides from what vCenter holds — done, or still to do with the
 * new changeVersion — for at most CLI_ENGINE_ROUNDS more rounds; then the agent is failed,
 * and the report shows what vCenter holds. vCenter is reached only through the ops, so a
 * unit test can drive the rounds without one.
 *
 * Ownership: the engine borrows its agents; an agent borrows its plan entry and its VM
 * (from whatever inventory the last re-read produced) and owns its guestinfo.
 */
#ifndef CLI_ENGINE_H
#define CLI_ENGINE_H

#include "vm_guest.h"
#include "vm_guestinfo.h"
#include "vm_plan.h"
#include "vs_vm.h"

#define CLI_ENGINE_ROUNDS 3

struct cli_agent {
	const struct vm_plan_agent *pa;  /* borrowed from the plan */
	const struct vs_vm *vm;          /* borrowed from the inventory; NULL: not found */
	struct vm_nic_diff diff;         /* against vm */
	int failed;
	int ambiguous;                   /* not found because several VMs have its name */
	struct vm_err err;
	int added_trunk, added_mgmt, removed; /* what this run did */
	int want_trunk, want_mgmt, want_removed, want_gi; /* what its last call asked for */
	int connected, want_connect;     /* disconnected NICs connected by this run / asked for */
	struct vm_nic_net mgmt_net;      /* its management network (borrowed from the inventory);
	                                    same-named port groups resolved by its host */
	int unsure;                      /* its last call got no clear answer */
	int conflict;                    /* its last call failed with ConcurrentAccess */
	struct vm_guestinfo gi;          /* owned; what its extraConfig should hold (--guestinfo) */
	int gi_pending;                  /* it holds something else (or will, once NICs are added) */
	int gi_written;
	/* for the report, after the last read: */
	const struct vs_nic *trunk_nic, *mgmt_nic; /* borrowed from vm */
	struct vm_guest_nic g_trunk, g_mgmt;
	int tag_had, tag_changed;        /* "tags": carried the tag when read; attached/detached now */
};

struct cli_engine_ops {
	/* Sends the changes and awaits their tasks (vs_vm_reconfigure_call): every change's
	 * rc, err, unsure and conflict set. -1 (err set) when waiting itself failed. */
	int (*send)(void *arg, struct vs_vm_change *ch, size_t n, struct vm_err *err);
	/* Waits for tasks found running on VMs in doubt (their recentTask). */
	int (*wait)(void *arg, const struct vs_moref *tasks, size_t n, struct vm_err *err);
	/* Reads vCenter again: every agent's vm, diff and gi_pending recomputed on it. */
	int (*reread)(void *arg, struct vm_err *err);
	/* Non-zero once no new round should start: the count of signals (from the second on,
	 * tasks still running are not waited for either). */
	int (*stopped)(void *arg);
	/* A progress note for stderr (may be NULL). */
	void (*note)(void *arg, const char *msg);
};

struct cli_engine {
	struct cli_agent *agents;        /* borrowed */
	size_t n;
	int destroy;                     /* remove the trunk NICs instead of adding */
	const struct cli_engine_ops *ops;
	void *arg;
	int changes_done;                /* out: calls that made their change */
	int rounds;                      /* out: retry rounds used */
};

/* Whether an agent still needs what this run does to it (after a read). */
int cli_agent_pending(const struct cli_agent *a, int destroy);

/* Runs the rounds. Returns -1 (err set) only when a re-read failed: the agents still in
 * doubt are then failed, and their VMs point into the last inventory read. */
int cli_engine_run(struct cli_engine *e, struct vm_err *err);

/* After the last read-back: an agent that still lacks a NIC, or has more than one NIC on
 * the trunk port group (destroy: still has one), is failed with a message naming it
 * (never "0 errors"). Returns how many were failed now. */
size_t cli_engine_verify(struct cli_agent *agents, size_t n, int destroy, const char *trunk_pg);

#endif
