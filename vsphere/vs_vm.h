/* vs_vm.h — agent VMs in vCenter: their NICs as the vm/ diff sees them, and one
 * ReconfigVM_Task per VM that needs changes, issued concurrently and awaited together.
 *
 * Ownership: struct vs_vm_change borrows its VM from the inventory; the caller owns
 * the array. struct vm_nic_net values produced here borrow from the inventory.
 */
#ifndef VS_VM_H
#define VS_VM_H

#include "vm_guestinfo.h"
#include "vm_nic.h"
#include "vs_inventory.h"
#include "vs_task.h"

struct vs_vm_change {
	const struct vs_vm *vm;        /* borrowed */
	int add_trunk, add_mgmt;
	int remove[VM_NIC_MAX_REMOVE]; /* indexes into vm->nics */
	size_t n_remove;
	int connect[2];                /* indexes into vm->nics: disconnected NICs to connect */
	size_t n_connect;
	const struct vm_nic_net *mgmt; /* borrowed; the agent's own management network (same-named
	                                  port groups resolved by its host), NULL: the spec's */
	const struct vm_guestinfo *extra; /* borrowed; NULL: extraConfig untouched */
	struct vs_task task;
	struct vm_err err;             /* set when rc is -1 */
	int rc;
	int unsure;                    /* rc -1 but vCenter may have made the change: no clear
	                                  answer, or its task had not ended when waiting stopped */
	int conflict;                  /* its task failed with ConcurrentAccess: the VM changed
	                                  since it was read (changeVersion) */
};

struct vs_vm_nic_spec {
	enum vm_nic_type type;         /* for added NICs */
	struct vm_nic_net trunk;       /* borrowed strings */
	struct vm_nic_net mgmt;
};

/* The VM's NICs as plain structs for vm_nic_diff_get(); out has room for vm->n_nics. */
void vs_vm_nics_get(const struct vs_vm *vm, struct vm_nic_have *out);

/* The VM's value for an extraConfig key read with VS_INV_GUESTINFO (the last entry of
 * that name), or NULL when it has none. */
const char *vs_vm_extra_get(const struct vs_vm *vm, const char *key);

/* Where NICs for the trunk port group attach. */
void vs_vm_trunk_net_get(const struct vs_portgroup *pg, const struct vs_switch *sw, struct vm_nic_net *out);
/* Resolves a management network name in datacenter dc: a distributed port group, a
 * standard network or an NSX-T opaque network. Several of that name (an NSX segment shows
 * as one port group a switch): the one on a switch vm's host (runtime.host) is attached
 * to (the switch's summary.hostMember); vm NULL: none chosen. Fails (notfound) when absent,
 * (usage, naming the candidates) when still ambiguous. */
int vs_vm_network_find(const struct vs_inventory *inv, int dc, const char *name, const struct vs_vm *vm,
		       struct vm_nic_net *out, struct vm_err *err);

/* Sends one ReconfigVM_Task for each change (at most `parallel` in flight), each carrying
 * its VM's config.changeVersion as read, then waits for all the tasks through one filter.
 * Each change records its own outcome (rc, err, unsure, conflict); returns -1 only when
 * waiting itself failed (the changes whose tasks had not ended are then unsure). */
int vs_vm_reconfigure_call(struct vs_session *s, struct vs_vm_change *ch, size_t n,
			   const struct vs_vm_nic_spec *spec, int parallel, long timeout_s,
			   void (*progress)(size_t done, size_t total, void *arg), void *arg,
			   struct vm_err *err);

#endif
