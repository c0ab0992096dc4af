#include "vs_portgroup.h"

#include <stdlib.h>
#include <string.h>

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
		vm_err_set(err, VM_ERR_NOTFOUND, "datacenter: \"%s\" not found (this vCenter has %s)",
			   plan->datacenter, inv->n_dcs ? names.data : "no datacenter");
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

int vs_portgroup_diff_get(const struct vs_inventory *inv, const struct vm_plan *plan,
			  struct vs_pg_diff *d, struct vm_err *err)
{
	const char *name = plan->trunk.portgroup;

	memset(d, 0, sizeof(*d));
	d->plan = plan;
	d->dc = resolve_dc(inv, plan, err);
	if (d->dc < 0)
		return -1;
	d->sw = resolve_switch(inv, d->dc, plan->sw, err);
	if (!d->sw)
		return -1;
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
	d->action = vm_vlan_set_equal(&d->pg->trunk, &plan->trunk.vlans) && !d->pg->vlan_inherited
			    ? VS_PG_UNCHANGED : VS_PG_UPDATE;
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

/* vcsim (and older vCenters) replace rather than merge some spec fields: send back
 * the current value of each one this change does not mean to touch. */
static void echo_elem(struct vm_buf *b, const xmlNode *cfg, const char *name)
{
	const xmlNode *n = vs_xml_child(cfg, name);
	if (n)
		vs_xml_echo(b, name, n, NULL, NULL, NULL);
}

int vs_portgroup_apply_call(struct vs_session *s, const struct vs_pg_diff *d, long timeout_s,
			    struct vm_err *err)
{
	const struct vm_plan *plan = d->plan;
	struct vm_buf b = {0};
	char what[256];
	int rc;

	if (d->action == VS_PG_UNCHANGED)
		return 0;
	if (d->action == VS_PG_CREATE) {
		snprintf(what, sizeof(what), "creating port group \"%s\" on \"%s\"", plan->trunk.portgroup, d->sw->name);
		vs_soap_begin(&b, "AddDVPortgroup_Task", &d->sw->ref);
		vs_soap_open(&b, "spec", NULL);
		vs_soap_elem(&b, "name", plan->trunk.portgroup);
		vs_soap_elem_long(&b, "numPorts", plan->trunk.ports);
		vs_soap_open(&b, "defaultPortConfig", "VMwareDVSPortSetting");
		trunk_spec(&b, (void *)&plan->trunk.vlans);
		vs_soap_close(&b, "defaultPortConfig");
		vs_soap_elem(&b, "description", PG_DESCRIPTION);
		vs_soap_elem(&b, "type", vs_binding_name(plan->trunk.binding));
		/* Static binding with a fixed port count would stop at the N+1th agent. */
		if (plan->trunk.binding == VM_BINDING_STATIC)
			vs_soap_elem_bool(&b, "autoExpand", 1);
		vs_soap_close(&b, "spec");
		vs_soap_end(&b, "AddDVPortgroup_Task");
		rc = run_task(s, "AddDVPortgroup_Task", &b, what, timeout_s, err);
	} else {
		const xmlNode *cfg = d->pg->config, *dpc = vs_xml_child(cfg, "defaultPortConfig");
		snprintf(what, sizeof(what), "updating port group \"%s\"", d->pg->name);
		vs_soap_begin(&b, "ReconfigureDVPortgroup_Task", &d->pg->ref);
		vs_soap_open(&b, "spec", NULL);
		/* configVersion makes vCenter refuse the change if someone else got there first. */
		if (*d->pg->config_version)
			vs_soap_elem(&b, "configVersion", d->pg->config_version);
		echo_elem(&b, cfg, "name");
		echo_elem(&b, cfg, "numPorts");
		echo_elem(&b, cfg, "portNameFormat");
		if (dpc) {
			vs_xml_echo(&b, "defaultPortConfig", dpc, "vlan", trunk_spec, (void *)&plan->trunk.vlans);
		} else {
			vs_soap_open(&b, "defaultPortConfig", "VMwareDVSPortSetting");
			trunk_spec(&b, (void *)&plan->trunk.vlans);
			vs_soap_close(&b, "defaultPortConfig");
		}
		echo_elem(&b, cfg, "description");
		echo_elem(&b, cfg, "type");
		echo_elem(&b, cfg, "backingType");
		echo_elem(&b, cfg, "policy");
		echo_elem(&b, cfg, "autoExpand");
		echo_elem(&b, cfg, "vmVnicNetworkResourcePoolKey");
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
