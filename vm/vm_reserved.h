#ifndef VM_RESERVED_H
#define VM_RESERVED_H

#include <stddef.h>
#include <stdint.h>

#include "vm_alloc.h"
#include "vm_err.h"
#include "vm_plan.h"

/* vlans[].reserved: addresses in a VLAN's subnet that no agent's Docker may hand out
 * (router neighbours, HSRP/VRRP addresses, appliances). Docker itself protects only
 * --gateway, so these are passed as --aux-address, which its IPAM excludes from
 * allocation; Docker requires each aux-address inside --subnet. */

/* More would make docker-networks.sh's create lines unwieldy; a block that large is
 * better carved out with agent_prefix and slots. */
#define VM_RESERVED_MAX 256

/* Parses "10.150.0.2" or "10.150.0.2-10.150.0.9" into *out: 0, or -1 when it is
 * neither (or the range runs backwards). */
int vm_reserved_parse(const char *s, struct vm_reserved *out);

/* Formats one entry as the plan spells it ("a" or "a-b") into out (32 bytes). */
void vm_reserved_format(const struct vm_reserved *r, char out[32]);

/* Checks vlans[i].reserved against the subnet: each address inside it and neither its
 * network nor its broadcast address, at most VM_RESERVED_MAX addresses in all. */
int vm_reserved_check(const struct vm_plan_vlan *v, size_t i, struct vm_err *err);

/* Appends " --aux-address=reservedN=IP" for each reserved address inside the agent's
 * block blk/v->agent_prefix (N counts through the VLAN's reserved list, so one address
 * has the same name on every agent). Returns how many were added. */
size_t vm_reserved_aux_add(struct vm_buf *b, const struct vm_plan_vlan *v, uint32_t blk);

/* The same addresses one by one: fn(ctx, "reservedN", ip) for each. Returns how many. */
size_t vm_reserved_aux_each(const struct vm_plan_vlan *v, uint32_t blk,
			    void (*fn)(void *ctx, const char *name, uint32_t ip), void *ctx);

/* Reserved addresses in [first, first + size): the usable counts leave them out. */
uint32_t vm_reserved_count_in(const struct vm_plan_vlan *v, uint32_t first, uint64_t size);

#endif
