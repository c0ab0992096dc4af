/* cli_autoscale.h — the agents "autoscale" adds to a run: the VMs of the inventory that
 * match, each with its slot, kept in the VM itself (extraConfig guestinfo.vtrunk.slot).
 *
 * A slot is claimed by writing it into the VM in the same ReconfigVM_Task that adds its
 * NICs (changeVersion makes that exactly once per VM). Two watchers can still give one
 * slot to two different VMs; whoever reads that back repairs it the same way: of the VMs
 * holding one slot, the one with the lowest moref (by its number: vm-9 before vm-10)
 * keeps it, the others take the lowest free slot. A slot is free once no VM holds it.
 *
 * Ownership: the agents added are owned by r->plan (their strings) and r->agents.
 */
#ifndef CLI_AUTOSCALE_H
#define CLI_AUTOSCALE_H

#include "cli_sync.h"

/* After the first read and diff (the datacenter is known): appends every VM of that
 * datacenter that "autoscale" matches and no listed agent names to r->plan->agents and
 * r->agents (zeroed), with its slot. A VM that finds no free slot is not added; it is
 * counted in *full. The caller diffs again. */
void cli_autoscale_expand(struct cli_sync *r, size_t *full);

/* After a read-back: the slots decided again from what the VMs hold now (a collision with
 * another watcher's claim moves the lower-priority agent). Returns how many agents got a
 * new slot; the caller diffs again so their guestinfo is rewritten. */
size_t cli_autoscale_reslot(struct cli_sync *r);

/* Whether the VM name matches "autoscale".match (no glob: every name; no plan block: 0).
 * With "autoscale".tag the VM must carry the tag too (cli_tags_autoscale_read). */
int cli_autoscale_match(const struct vm_plan *plan, const char *name);
/* Whether the plan has a glob and the name matches it: what `watch` can tell from a name
 * alone (a VM that is an agent by its tag alone is found at a full re-read). */
int cli_autoscale_name_match(const struct vm_plan *plan, const char *name);

/* The slot a VM holds (guestinfo.vtrunk.slot read with VS_INV_GUESTINFO); -1 when none. */
int cli_autoscale_held(const struct vs_vm *vm);

/* Orders morefs by priority: negative when a wins (vm-9 before vm-10). */
int cli_autoscale_moref_cmp(const char *a, const char *b);

#endif
