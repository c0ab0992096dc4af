/* cli_inv_read.h — the inventory reads of plan/apply/status, scoped to the plan's agents:
 * every VM's cheap properties (to find the agents), then the costly ones (devices,
 * recentTask, changeVersion, guestinfo) of the agents' VMs only, so that the cost of a
 * run follows the plan, not the size of the inventory (issue 13).
 *
 * destroy (which counts every VM still on the port group) and autoscale (where every VM
 * may be an agent) read everything, as `ls vms` does.
 */
#ifndef CLI_INV_READ_H
#define CLI_INV_READ_H

#include "cli_sync.h"

/* *out (owned by the caller) gets the new inventory; NULL on failure. */
int cli_inv_read(const struct cli_sync *r, unsigned what, struct vs_inventory **out, struct vm_err *err);

#endif
