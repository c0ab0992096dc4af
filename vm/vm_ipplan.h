/* vm_ipplan.h — IPv4 helpers and the per-agent IP plan: each VLAN's subnet carved
 * into blocks of agent_prefix; an agent's slot picks its block.
 *
 * Pure functions over struct vm_plan; nothing here allocates except where noted.
 * Addresses are host byte order.
 */
#ifndef VM_IPPLAN_H
#define VM_IPPLAN_H

#include <stdint.h>

#include "vm_err.h"
#include "vm_plan.h"

#define VM_IP_STRLEN 16

uint32_t vm_ip_mask(int prefix);                 /* 24 -> 0xffffff00; 0 -> 0 */
int vm_ip_parse(const char *s, uint32_t *out);    /* dotted quad only; 0 / -1 */
void vm_ip_format(uint32_t addr, char out[VM_IP_STRLEN]);
/* "10.150.0.0/22": -1 when malformed or when host bits are set. */
int vm_cidr_parse(const char *s, uint32_t *net, int *prefix);

/* How many agent blocks fit in the VLAN's subnet. */
uint32_t vm_ipplan_blocks(const struct vm_plan_vlan *v);
/* Network address of block number `slot` (caller checks slot < blocks). */
uint32_t vm_ipplan_block_get(const struct vm_plan_vlan *v, int slot);
/* Addresses Docker can hand out in that block: its size minus the subnet's network
 * and broadcast addresses and the gateway when they fall inside it. */
uint32_t vm_ipplan_block_usable(const struct vm_plan_vlan *v, int slot);
/* Addresses Docker can hand out in the whole subnet (size - network - broadcast - gateway). */
uint32_t vm_ipplan_vlan_usable(const struct vm_plan_vlan *v);

/* Cross-field checks of a loaded plan; errors are kind usage and start with the field
 * path, e.g. "vlans[1].subnet: overlaps vlans[0].subnet 10.150.0.0/22". */
int vm_plan_validate(const struct vm_plan *plan, struct vm_err *err);

#endif
