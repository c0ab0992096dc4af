/* vs_portgroup.h — the VLAN-trunking distributed port group: find the datacenter
 * and switch, decide what to do (create, update the VLAN spec, nothing), do it.
 *
 * Ownership: struct vs_pg_diff borrows from the inventory and the plan it was
 * computed from; it owns nothing.
 */
#ifndef VS_PORTGROUP_H
#define VS_PORTGROUP_H

#include "vm_plan.h"
#include "vs_inventory.h"

enum vs_pg_action { VS_PG_UNCHANGED, VS_PG_CREATE, VS_PG_UPDATE };

struct vs_pg_diff {
	enum vs_pg_action action;
	int dc;                         /* index into inv->dcs */
	const struct vs_switch *sw;     /* borrowed */
	const struct vs_portgroup *pg;  /* borrowed; NULL when it does not exist */
	const struct vm_plan *plan;     /* borrowed */
	char note[512];                 /* settings that differ but are left alone, or "" */
	int vlans_differ;               /* the VLAN ranges need changing */
	int policy_differs;             /* the macvlan policy does, or the port group holds
	                                   macManagementPolicy and securityPolicy disagreeing */
	struct vm_vlan_set uplink_missing; /* owned: plan VLANs the switch's uplinks do not carry */
	int uplinks_found;              /* how many uplink port groups the preflight read */
};

/* Resolves the plan's datacenter, switch and port group in inv and decides what
 * apply would do. Fails (kind notfound) for an unknown datacenter or switch, and
 * (kind fault, .fault "DuplicateName") when the name belongs to a port group on
 * another switch, a non-trunk port group or a standard network. */
int vs_portgroup_diff_get(const struct vs_inventory *inv, const struct vm_plan *plan,
			  struct vs_pg_diff *d, struct vm_err *err);

/* Releases what a diff owns. */
void vs_pg_diff_clear(struct vs_pg_diff *d);
/* What the plan asks of the port group's policy: "none" (ipvlan), "promiscuous", or
 * "mac-learning"; and what the port group has now, in the same words ("none" when it
 * allows neither, "mac-learning+promiscuous" when both), judged from macManagementPolicy
 * when the port group reports one, else from securityPolicy. */
const char *vs_pg_policy_wanted(const struct vm_plan *plan);
const char *vs_pg_policy_current(const struct vs_portgroup *pg);

/* Whether the macvlan policy goes in macManagementPolicy (switch 6.6.0+, or a port
 * group that already reports one), with securityPolicy kept equal to it; else in
 * securityPolicy alone. sw and pg may be NULL. */
int vs_pg_has_mac_mgmt(const struct vs_switch *sw, const struct vs_portgroup *pg);

/* Creates or reconfigures the port group as d says (nothing for unchanged) and
 * waits for the task. */
int vs_portgroup_apply_call(struct vs_session *s, const struct vs_pg_diff *d, long timeout_s,
			    struct vm_err *err);

/* Destroys a port group and waits for the task. */
int vs_portgroup_destroy_call(struct vs_session *s, const struct vs_portgroup *pg, long timeout_s,
			      struct vm_err *err);

/* vCenter's name for a binding: earlyBinding / ephemeral. */
const char *vs_binding_name(enum vm_binding b);

#endif
