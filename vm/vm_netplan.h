/* vm_netplan.h — etc/netplan/60-vtrunk.yaml for one agent (networkd renderer), each
 * interface bound by `match: macaddress` + `set-name` when its MAC is known, by name
 * otherwise. Written to be accepted without warnings from netplan 0.99 (Ubuntu 20.04)
 * to 0.106 (Debian 12) and later.
 *
 * Ownership: the returned string is owned by the caller (free()); plan and agent are
 * borrowed. agent may be NULL.
 */
#ifndef VM_NETPLAN_H
#define VM_NETPLAN_H

#include <stddef.h>

#include "vm_guest.h"
#include "vm_plan.h"

char *vm_netplan_emit(const struct vm_plan *plan, size_t agent_index,
		      const struct vm_guest_agent *agent);

/* The Linux driver of a plan NIC type ("vmxnet3", "e1000e", "e1000"): static. */
const char *vm_netplan_driver(enum vm_nic_type type);

#endif
