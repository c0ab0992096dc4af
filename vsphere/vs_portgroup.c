#include "vs_portgroup.h"

#include <stdlib.h>
#include <string.h>

#include "vs_name.h"
#include "vs_task.h"

#define PG_DESCRIPTION "Managed by vtrunk: VLAN trunk for Docker ipvlan/macvlan networks"

const char *vs_binding_name(enum vm_binding b)
{
	return b == VM_BINDING_EPHEMERAL ? "ephemeral" : "earlyBinding";
}

static void names_of_dcs(const struct vs_inventory *inv, struct vm_buf *b)
{
	for (size_t i = 0; i < inv->n_dcs; i++)
		vm_buf_addf(b, "%s\"%s\"", i ? ", " : "", inv->dcs[i].name);
}

static int resolve_dc(const struct vs_inventory *inv, const struct vm_plan *plan, struct vm_err *err)
{
	struct vm_buf names = {0};
	int dc;

	if (plan->datacenter) {
		dc = vs_inventory_dc_find(inv, plan->datacenter);
		if (dc >= 0)
			return dc;
		names_of_dcs(inv, &names);
		vm_err_set(err, VM_ERR_NOTFOUND, "%s: \"%s\" not found (this vCenter has %s)",
			   plan->datacenter_from ? plan->datacenter_from : "datacenter", plan->datacenter,
			   inv->n_dcs ? names.data : "no datacenter");
	} else if (inv->n_dcs == 1) {
		return 0;
	} else {
		names_of_dcs(inv, &names);
		vm_err_set(err, inv->n_dcs ? VM_ERR_USAGE : VM_ERR_NOTFOUND,
			   "datacenter: this vCenter has %zu datacenters%s%s; name one in the plan",
			   inv->n_dcs, inv->n_dcs ? ": " : "", inv->n_dcs ? names.data : "");
	}
	vm_buf_reset(&names);
	return -1;
}

static const struct vs_switch *resolve_switch(const struct vs_inventory *inv, int dc, const char *name,
					      struct vm_err *err)
{
	struct vm_buf names = {0};

	for (size_t i = 0; i < inv->n_switches; i++)
		if (inv->switches[i].dc == dc && strcmp(inv->switches[i].name, name) == 0)
			return &inv->switches[i];
	for (size_t i = 0; i < inv->n_switches; i++)
		if (inv->switches[i].dc == dc)
			vm_buf_addf(&names, "%s\"%s\"", names.len ? ", " : "", inv->switches[i].name);
	vm_err_set(err, VM_ERR_NOTFOUND, "switch: distributed switch \"%s\" not found in datacenter \"%s\" (%s%s)",
		   name, inv->dcs[dc].name, names.len ? "it has " : "it has no distributed switch",
		   names.len ? names.data : "");
	vm_buf_reset(&names);
	return NULL;
}

static int conflict(struct vm_err *err, const char *fmt, const char *a, const char *b)
{
	vm_err_set(err, VM_ERR_FAULT, fmt, a, b);
	if (err)
		snprintf(err->fault, sizeof(err->fault), "DuplicateName");
	return -1;
}

const char *vs_pg_policy_wanted(const struct vm_plan *plan)
{
	if (plan->trunk.driver != VM_DRIVER_MACVLAN)
		return "none";
	return plan->trunk.mac_learning ? "mac-learning" : "promiscuous";
}

const char *vs_pg_policy_current(const struct vs_portgroup *pg)
{
	if (pg && pg->mac_learning == 1)
		return pg->promiscuous == 1 ? "mac-learning+promiscuous" : "mac-learning";
	if (pg && pg->promiscuous == 1 && pg->mac_changes == 1 && pg->forged_transmits == 1)
		return "promiscuous";
	return "none";
}

void vs_pg_diff_clear(struct vs_pg_diff *d)
{
	vm_vlan_set_clear(&d->uplink_missing);
}

/* MAC learning came with distributed switch 6.6.0. */
static int version_at_least(const char *v, int major, int minor)
{
	int a = 0, b = 0;
	if (sscanf(v, "%d.%d", &a, &b) < 1)
		return 0;
	return a > major || (a == major && b >= minor);
}

/* Preflight: the plan's VLANs that none of the switch's uplink port groups carry. */
static void uplinks_check(const struct vs_inventory *inv, const struct vs_switch *sw, const struct vm_plan *plan,
			  struct vs_pg_diff *d)
{
	struct vm_vlan_set carried = {0};

	for (size_t i = 0; i < inv->n_pgs; i++) {
		const struct vs_portgroup *pg = &inv->pgs[i];
		if (!pg->uplink || pg->sw < 0 || &inv->switches[pg->sw] != sw)
			continue;
		d->uplinks_found++;
		if (pg->vlan_kind == VS_VLAN_TRUNK)
			for (size_t k = 0; k < pg->trunk.n; k++)
				vm_vlan_set_add(&carried, pg->trunk.r[k].lo, pg->trunk.r[k].hi, NULL);
		else if (pg->vlan_kind == VS_VLAN_ID)
			vm_vlan_set_add(&carried, pg->vlan_id, pg->vlan_id, NULL);
	}
	if (d->uplinks_found)
		vm_vlan_set_subtract(&plan->trunk.vlans, &carried, &d->uplink_missing);
	vm_vlan_set_clear(&carried);
}

int vs_portgroup_diff_get(const struct vs_inventory *inv, const struct vm_plan *plan,
			  struct vs_pg_diff *d, struct vm_err *err)
{
	const char *name = plan->trunk.portgroup;

	vs_pg_diff_clear(d);
	memset(d, 0, sizeof(*d));
	d->plan = plan;
	d->dc = resolve_dc(inv, plan, err);
	if (d->dc < 0)
		return -1;
	d->sw = resolve_switch(inv, d->dc, plan->sw, err);
	if (!d->sw)
		return -1;
	if (plan->trunk.mac_learning && *d->sw->version && !version_at_least(d->sw->version, 6, 6)) {
		vm_err_set(err, VM_ERR_FAULT,
			   "trunk.mac_learning: switch \"%s\" is version %s; MAC learning needs 6.6.0 or later "
			   "(upgrade the switch, or leave mac_learning out to allow promiscuous mode instead)",
			   d->sw->name, d->sw->version);
		if (err)
			snprintf(err->fault, sizeof(err->fault), "NotSupported");
		return -1;
	}
	uplinks_check(inv, d->sw, plan, d);
	for (size_t i = 0; i < inv->n_pgs; i++) {
		const struct vs_portgroup *pg = &inv->pgs[i];
		if (pg->dc != d->dc || strcmp(pg->name, name) != 0)
			continue;
		if (!pg->is_dvpg)
			return conflict(err, "trunk.portgroup: \"%s\" is already the name of a standard network in datacenter \"%s\"; choose another name",
					name, inv->dcs[d->dc].name);
		if (pg->sw < 0 || &inv->switches[pg->sw] != d->sw)
			return conflict(err, "trunk.portgroup: \"%s\" already exists on another switch (%s); vtrunk will not take it over",
					name, pg->sw >= 0 ? inv->switches[pg->sw].name : "unknown");
		if (pg->uplink)
			return conflict(err, "trunk.portgroup: \"%s\" is the uplink port group of switch \"%s\"; choose another name",
					name, d->sw->name);
		if (pg->vlan_kind != VS_VLAN_TRUNK) {
			char what[64];
			if (pg->vlan_kind == VS_VLAN_ID || pg->vlan_kind == VS_VLAN_PVLAN)
				snprintf(what, sizeof(what), "a %s %d port group", pg->vlan_kind == VS_VLAN_ID ? "VLAN" : "private VLAN",
					 pg->vlan_id);
			else
				snprintf(what, sizeof(what), "a port group without VLAN");
			return conflict(err, "trunk.portgroup: \"%s\" exists as %s, not a VLAN trunk; vtrunk will not change its type",
					name, what);
		}
		d->pg = pg;
	}
	if (!d->pg) {
		d->action = VS_PG_CREATE;
		return 0;
	}
	d->vlans_differ = !vm_vlan_set_equal(&d->pg->trunk, &plan->trunk.vlans) || d->pg->vlan_inherited;
	/* ipvlan asks nothing of the policy: whatever is there stays. */
	d->policy_differs = plan->trunk.driver == VM_DRIVER_MACVLAN &&
			    (strcmp(vs_pg_policy_current(d->pg), vs_pg_policy_wanted(plan)) != 0 ||
			     d->pg->policy_split);
	d->action = d->vlans_differ || d->policy_differs ? VS_PG_UPDATE : VS_PG_UNCHANGED;
	if (d->pg->binding && strcmp(d->pg->binding, vs_binding_name(plan->trunk.binding)) != 0)
		snprintf(d->note, sizeof(d->note),
			 "binding is %s, the plan says %s: vtrunk changes only the VLAN ranges of an existing port group",
			 d->pg->binding, vs_binding_name(plan->trunk.binding));
	return 0;
}

static void trunk_spec(struct vm_buf *b, void *arg)
{
	const struct vm_vlan_set *set = arg;

	vs_soap_open(b, "vlan", "VmwareDistributedVirtualSwitchTrunkVlanSpec");
	vs_soap_elem_bool(b, "inherited", 0);
	for (size_t i = 0; i < set->n; i++) {
		vs_soap_open(b, "vlanId", NULL);
		vs_soap_elem_long(b, "start", set->r[i].lo);
		vs_soap_elem_long(b, "end", set->r[i].hi);
		vs_soap_close(b, "vlanId");
	}
	vs_soap_close(b, "vlan");
}

static void bool_policy(struct vm_buf *b, const char *name, int v)
{
	vs_soap_open(b, name, NULL);
	vs_soap_elem_bool(b, "inherited", 0);
	vs_soap_elem_bool(b, "value", v);
	vs_soap_close(b, name);
}

/* What a macvlan plan asks of the port: containers' own MACs must pass it, either by
 * promiscuous mode or (switch 6.6.0+) by the switch learning them. */
struct policy {
	int promiscuous, mac_learning;
	int mac_mgmt;  /* the switch has macManagementPolicy: send it too */
};

/* The deprecated policy, kept equal to macManagementPolicy where both are sent: a
 * vCenter holding the two disagreeing is what community.vmware #907 is about. */
static void security_spec(struct vm_buf *b, const struct policy *p)
{
	vs_soap_open(b, "securityPolicy", NULL);
	vs_soap_elem_bool(b, "inherited", 0);
	bool_policy(b, "allowPromiscuous", p->promiscuous);
	bool_policy(b, "macChanges", 1);
	bool_policy(b, "forgedTransmits", 1);
	vs_soap_close(b, "securityPolicy");
}

/* DVSMacManagementPolicy, elements in the schema's order. Promiscuous mode turns
 * MAC learning off explicitly: a port group that had it keeps it otherwise. */
static void mac_mgmt_spec(struct vm_buf *b, const struct policy *p)
{
	vs_soap_open(b, "macManagementPolicy", NULL);
	vs_soap_elem_bool(b, "inherited", 0);
	vs_soap_elem_bool(b, "allowPromiscuous", p->promiscuous);
	vs_soap_elem_bool(b, "macChanges", 1);
	vs_soap_elem_bool(b, "forgedTransmits", 1);
	vs_soap_open(b, "macLearningPolicy", NULL);
	vs_soap_elem_bool(b, "inherited", 0);
	vs_soap_elem_bool(b, "enabled", p->mac_learning);
	if (p->mac_learning) {
		vs_soap_elem_bool(b, "allowUnicastFlooding", 1);
		vs_soap_elem_long(b, "limit", 4096);
		vs_soap_elem(b, "limitPolicy", "DROP");
	}
	vs_soap_close(b, "macLearningPolicy");
	vs_soap_close(b, "macManagementPolicy");
}

/* macManagementPolicy came with distributed switch 6.6.0; a port group that reports one
 * is on such a switch whatever the version string says. */
int vs_pg_has_mac_mgmt(const struct vs_switch *sw, const struct vs_portgroup *pg)
{
	if (pg && pg->mac_mgmt)
		return 1;
	return sw && *sw->version && version_at_least(sw->version, 6, 6);
}

/* defaultPortConfig with only what this change means to set (VMwareDVSPortSetting's
 * elements in schema order: vlan, securityPolicy, macManagementPolicy). A property left
 * out is left unchanged by vCenter (DVPortgroupConfigSpec). */
static void port_setting_write(struct vm_buf *b, const struct vm_vlan_set *vlans, const struct policy *p)
{
	vs_soap_open(b, "defaultPortConfig", "VMwareDVSPortSetting");
	if (vlans)
		trunk_spec(b, (void *)vlans);
	if (p) {
		security_spec(b, p);
		if (p->mac_mgmt)
			mac_mgmt_spec(b, p);
	}
	vs_soap_close(b, "defaultPortConfig");
}

static int run_task(struct vs_session *s, const char *method, const struct vm_buf *b, const char *what,
		    long timeout_s, struct vm_err *err)
{
	struct vs_task t;
	xmlDoc *doc = NULL;
	xmlNode *ret;
	int rc;

	memset(&t, 0, sizeof(t));
	if (vs_session_call(s, method, b, &doc, &ret, err) < 0)
		return vm_err_prefix(err, "%s", what);
	rc = vs_task_ref_get(ret, &t.ref, err);
	xmlFreeDoc(doc);
	if (rc < 0 || vs_task_wait_call(s, &t, 1, timeout_s, NULL, NULL, err) < 0)
		return vm_err_prefix(err, "%s", what);
	if (t.state == VS_TASK_ERROR) {
		vm_err_set(err, VM_ERR_TASK, "%s: %s: %s", what, t.fault, t.msg);
		if (err)
			snprintf(err->fault, sizeof(err->fault), "%s", t.fault);
		return -1;
	}
	return 0;
}

int vs_portgroup_apply_call(struct vs_session *s, const struct vs_pg_diff *d, long timeout_s,
			    struct vm_err *err)
{
	const struct vm_plan *plan = d->plan;
	struct vm_buf b = {0};
	struct policy pol = {0};
	int macvlan = plan->trunk.driver == VM_DRIVER_MACVLAN;
	char what[256];
	int rc;

	if (d->action == VS_PG_UNCHANGED)
		return 0;
	pol.promiscuous = !plan->trunk.mac_learning;
	pol.mac_learning = plan->trunk.mac_learning;
	pol.mac_mgmt = vs_pg_has_mac_mgmt(d->sw, d->pg);
	if (d->action == VS_PG_CREATE) {
		snprintf(what, sizeof(what), "creating port group \"%s\" on \"%s\"", plan->trunk.portgroup, d->sw->name);
		vs_soap_begin(&b, "AddDVPortgroup_Task", &d->sw->ref);
		vs_soap_open(&b, "spec", NULL);
		{
			/* Escaped as vCenter stores it (vs_name.h): it is read back unescaped. */
			char *esc = vs_name_escape_dup(plan->trunk.portgroup);
			vs_soap_elem(&b, "name", esc);
			free(esc);
		}
		vs_soap_elem_long(&b, "numPorts", plan->trunk.ports);
		port_setting_write(&b, &plan->trunk.vlans, macvlan ? &pol : NULL);
		vs_soap_elem(&b, "description", PG_DESCRIPTION);
		vs_soap_elem(&b, "type", vs_binding_name(plan->trunk.binding));
		/* Static binding with a fixed port count would stop at the N+1th agent. */
		if (plan->trunk.binding == VM_BINDING_STATIC)
			vs_soap_elem_bool(&b, "autoExpand", 1);
		vs_soap_close(&b, "spec");
		vs_soap_end(&b, "AddDVPortgroup_Task");
		rc = run_task(s, "AddDVPortgroup_Task", &b, what, timeout_s, err);
	} else {
		/* configVersion and what changes, nothing else: vCenter leaves unset properties
		 * as they are, and an echo would push settings vtrunk does not own (qosTag,
		 * lacpPolicy, numPorts of an auto-expanding group) back at it. */
		snprintf(what, sizeof(what), "updating port group \"%s\"", d->pg->name);
		vs_soap_begin(&b, "ReconfigureDVPortgroup_Task", &d->pg->ref);
		vs_soap_open(&b, "spec", NULL);
		/* configVersion makes vCenter refuse the change if someone else got there first. */
		if (*d->pg->config_version)
			vs_soap_elem(&b, "configVersion", d->pg->config_version);
		port_setting_write(&b, d->vlans_differ ? &plan->trunk.vlans : NULL,
				   d->policy_differs ? &pol : NULL);
		vs_soap_close(&b, "spec");
		vs_soap_end(&b, "ReconfigureDVPortgroup_Task");
		rc = run_task(s, "ReconfigureDVPortgroup_Task", &b, what, timeout_s, err);
	}
	vm_buf_reset(&b);
	return rc;
}

int vs_portgroup_destroy_call(struct vs_session *s, const struct vs_portgroup *pg, long timeout_s,
			      struct vm_err *err)
{
	struct vm_buf b = {0};
	char what[256];
	int rc;

	snprintf(what, sizeof(what), "removing port group \"%s\"", pg->name);
	vs_soap_begin(&b, "Destroy_Task", &pg->ref);
	vs_soap_end(&b, "Destroy_Task");
	rc = run_task(s, "Destroy_Task", &b, what, timeout_s, err);
	vm_buf_reset(&b);
	return rc;
}
