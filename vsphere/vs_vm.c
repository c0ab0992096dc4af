#include "vs_vm.h"

#include <stdlib.h>
#include <string.h>

#include "vs_name.h"

void vs_vm_nics_get(const struct vs_vm *vm, struct vm_nic_have *out)
{
	for (size_t i = 0; i < vm->n_nics; i++) {
		const struct vs_nic *n = &vm->nics[i];
		memset(&out[i], 0, sizeof(out[i]));
		out[i].key = n->key;
		if (n->backing == VS_BACKING_DVPORT) {
			out[i].net.backing = VM_NIC_BACKING_DVPORT;
			out[i].net.portgroup_key = n->portgroup_key;
			out[i].net.switch_uuid = n->switch_uuid;
		} else if (n->backing == VS_BACKING_NETWORK) {
			out[i].net.backing = VM_NIC_BACKING_NETWORK;
			out[i].net.network_ref = n->network.value[0] ? n->network.value : NULL;
			out[i].net.network_name = n->network_name;
		} else if (n->backing == VS_BACKING_OPAQUE) {
			out[i].net.backing = VM_NIC_BACKING_OPAQUE;
			out[i].net.opaque_id = n->opaque_id;
			out[i].net.opaque_type = n->opaque_type;
		}
		/* Only startConnected tells (vm_nic.h). */
		out[i].disconnected = !n->start_connected;
	}
}

const char *vs_vm_extra_get(const struct vs_vm *vm, const char *key)
{
	/* The last entry wins: vcsim appends a set key instead of replacing it (a real
	 * vCenter keeps one entry a key). */
	for (size_t i = vm->n_extra; i-- > 0;)
		if (strcmp(vm->extra[i].key, key) == 0)
			return vm->extra[i].value;
	return NULL;
}

void vs_vm_trunk_net_get(const struct vs_portgroup *pg, const struct vs_switch *sw, struct vm_nic_net *out)
{
	memset(out, 0, sizeof(*out));
	out->backing = VM_NIC_BACKING_DVPORT;
	out->portgroup_key = pg->key;
	out->switch_uuid = sw->uuid;
}

/* 1 when the port group is on a switch the host is attached to (summary.hostMember). */
static int on_host(const struct vs_inventory *inv, const struct vs_portgroup *pg, const struct vs_moref *host)
{
	const struct vs_switch *sw;

	if (!pg->is_dvpg || pg->sw < 0)
		return 0;
	sw = &inv->switches[pg->sw];
	for (size_t k = 0; k < sw->n_hosts; k++)
		if (strcmp(sw->hosts[k].value, host->value) == 0)
			return 1;
	return 0;
}

/* One candidate for the refusal: "port group dvportgroup-13 on switch \"DVS0\"", "network
 * network-7" or "opaque network opaquenetwork-14". */
static void candidate_add(struct vm_buf *b, const struct vs_inventory *inv, const struct vs_portgroup *pg)
{
	if (b->len)
		vm_buf_adds(b, ", ");
	if (pg->is_dvpg && pg->sw >= 0)
		vm_buf_addf(b, "port group %s on switch \"%s\"", pg->ref.value, inv->switches[pg->sw].name);
	else
		vm_buf_addf(b, "%s %s", pg->opaque_id ? "opaque network" : "network", pg->ref.value);
}

int vs_vm_network_find(const struct vs_inventory *inv, int dc, const char *name, const struct vs_vm *vm,
		       struct vm_nic_net *out, struct vm_err *err)
{
	const struct vs_portgroup *found = NULL, *on = NULL;
	size_t n = 0, n_on = 0;
	int have_host = vm && vm->host.value[0];

	for (size_t i = 0; i < inv->n_pgs; i++) {
		const struct vs_portgroup *pg = &inv->pgs[i];
		if (pg->dc == dc && strcmp(pg->name, name) == 0 && !pg->uplink) {
			found = pg;
			n++;
			if (have_host && on_host(inv, pg, &vm->host)) {
				on = pg;
				n_on++;
			}
		}
	}
	if (!found)
		return vm_err_set(err, VM_ERR_NOTFOUND, "management.network: no network or port group \"%s\" in datacenter \"%s\"",
				  name, inv->dcs[dc].name);
	if (n > 1 && n_on == 1) {
		/* An NSX segment on several switches: one port group a switch, all of one name;
		 * the agent's NIC can only go on the one its host is attached to. */
		found = on;
	} else if (n > 1) {
		struct vm_buf b = {0};
		for (size_t i = 0; i < inv->n_pgs; i++) {
			const struct vs_portgroup *pg = &inv->pgs[i];
			if (pg->dc == dc && strcmp(pg->name, name) == 0 && !pg->uplink && (!n_on || on_host(inv, pg, &vm->host)))
				candidate_add(&b, inv, pg);
		}
		if (!vm)
			vm_err_set(err, VM_ERR_USAGE,
				   "management.network: %zu networks are named \"%s\" in datacenter \"%s\" (%s); rename one",
				   n, name, inv->dcs[dc].name, b.data);
		else
			vm_err_set(err, VM_ERR_USAGE,
				   "management.network: %zu networks are named \"%s\" in datacenter \"%s\" and %s of them "
				   "(%s) %s VM \"%s\"'s host (%s); rename one, or attach the host to only one of their switches",
				   n, name, inv->dcs[dc].name, n_on ? "several" : "none", b.data,
				   n_on ? "are on switches attached to" : "is on a switch attached to", vm->name,
				   have_host ? vm->host.value : "not reported");
		vm_buf_reset(&b);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (found->opaque_id) {
		out->backing = VM_NIC_BACKING_OPAQUE;
		out->opaque_id = found->opaque_id;
		out->opaque_type = found->opaque_type;
		out->network_ref = found->ref.value;
		out->network_name = found->name;
	} else if (found->is_dvpg) {
		out->backing = VM_NIC_BACKING_DVPORT;
		out->portgroup_key = found->key;
		out->switch_uuid = found->sw >= 0 ? inv->switches[found->sw].uuid : NULL;
	} else {
		out->backing = VM_NIC_BACKING_NETWORK;
		out->network_ref = found->ref.value;
		out->network_name = found->name;
	}
	return 0;
}

static void add_nic(struct vm_buf *b, enum vm_nic_type type, const struct vm_nic_net *net, int key)
{
	vs_soap_open(b, "deviceChange", NULL);
	vs_soap_elem(b, "operation", "add");
	vs_soap_open(b, "device", vm_nic_type_name(type));
	/* A negative key is a placeholder: vCenter assigns the real one. */
	vs_soap_elem_long(b, "key", key);
	if (net->backing == VM_NIC_BACKING_DVPORT) {
		vs_soap_open(b, "backing", "VirtualEthernetCardDistributedVirtualPortBackingInfo");
		vs_soap_open(b, "port", NULL);
		vs_soap_elem(b, "switchUuid", net->switch_uuid ? net->switch_uuid : "");
		vs_soap_elem(b, "portgroupKey", net->portgroup_key);
		vs_soap_close(b, "port");
		vs_soap_close(b, "backing");
	} else if (net->backing == VM_NIC_BACKING_OPAQUE) {
		/* NSX-T: the network is named by its id and type, not by a reference. */
		vs_soap_open(b, "backing", "VirtualEthernetCardOpaqueNetworkBackingInfo");
		vs_soap_elem(b, "opaqueNetworkId", net->opaque_id);
		vs_soap_elem(b, "opaqueNetworkType", net->opaque_type ? net->opaque_type : "");
		vs_soap_close(b, "backing");
	} else {
		struct vs_moref ref;
		vs_soap_open(b, "backing", "VirtualEthernetCardNetworkBackingInfo");
		/* The network's name as vCenter stores it (vs_name.h). */
		char *esc = vs_name_escape_dup(net->network_name ? net->network_name : "");
		vs_soap_elem(b, "deviceName", esc);
		free(esc);
		snprintf(ref.type, sizeof(ref.type), "Network");
		snprintf(ref.value, sizeof(ref.value), "%s", net->network_ref ? net->network_ref : "");
		if (net->network_ref)
			vs_soap_moref(b, "network", &ref);
		vs_soap_close(b, "backing");
	}
	vs_soap_open(b, "connectable", NULL);
	vs_soap_elem_bool(b, "startConnected", 1);
	vs_soap_elem_bool(b, "allowGuestControl", 1);
	vs_soap_elem_bool(b, "connected", 1);
	vs_soap_close(b, "connectable");
	vs_soap_elem(b, "addressType", "generated");
	vs_soap_close(b, "device");
	vs_soap_close(b, "deviceChange");
}

/* An edit of the NIC as vCenter described it with only its connectable changed: a device
 * edit replaces the whole device (the simulator does so literally), so everything else
 * goes back as read. Powered off, only startConnected is set: connected is "valid only
 * while the virtual machine is running" (VirtualDeviceConnectInfo), and the NIC connects
 * at power-on. */
static void connect_nic(struct vm_buf *b, const struct vs_vm *vm, const struct vs_nic *n)
{
	const char *open = n->xml ? strstr(n->xml, "<connectable") : NULL;
	const char *close = open ? strstr(open, "</connectable>") : NULL;
	int on = strcmp(vm->power_state, "poweredOn") == 0;

	if (!close)
		return; /* read without its connectable: nothing to edit (never from vCenter) */
	vs_soap_open(b, "deviceChange", NULL);
	vs_soap_elem(b, "operation", "edit");
	vm_buf_add(b, n->xml, (size_t)(open - n->xml));
	vs_soap_open(b, "connectable", NULL);
	vs_soap_elem_bool(b, "startConnected", 1);
	vs_soap_elem_bool(b, "allowGuestControl", n->allow_guest_control);
	vs_soap_elem_bool(b, "connected", on ? 1 : n->connected);
	vs_soap_close(b, "connectable");
	vm_buf_adds(b, close + strlen("</connectable>"));
	vs_soap_close(b, "deviceChange");
}

static void reconfig_body(struct vm_buf *b, const struct vs_vm_change *c, const struct vs_vm_nic_spec *spec)
{
	int key = -100;

	vs_soap_begin(b, "ReconfigVM_Task", &c->vm->ref);
	vs_soap_open(b, "spec", NULL);
	/* First in VirtualMachineConfigSpec's order. With it vCenter applies the change only
	 * to the VM as vtrunk read it: a late copy of an earlier call, or another client's
	 * change in between, makes the task fail with ConcurrentAccess instead of adding a
	 * second NIC. */
	if (c->vm->change_version[0])
		vs_soap_elem(b, "changeVersion", c->vm->change_version);
	for (size_t i = 0; i < c->n_remove; i++) {
		const struct vs_nic *n = &c->vm->nics[c->remove[i]];
		vs_soap_open(b, "deviceChange", NULL);
		vs_soap_elem(b, "operation", "remove");
		/* The device exactly as vCenter described it (already escaped XML). */
		if (n->xml) {
			vm_buf_adds(b, n->xml);
		} else {
			vs_soap_open(b, "device", n->type);
			vs_soap_elem_long(b, "key", n->key);
			vs_soap_close(b, "device");
		}
		vs_soap_close(b, "deviceChange");
	}
	for (size_t i = 0; i < c->n_connect; i++)
		connect_nic(b, c->vm, &c->vm->nics[c->connect[i]]);
	if (c->add_trunk)
		add_nic(b, spec->type, &spec->trunk, key--);
	if (c->add_mgmt)
		add_nic(b, spec->type, c->mgmt ? c->mgmt : &spec->mgmt, key--);
	/* After deviceChange: VirtualMachineConfigSpec's schema order. An empty value
	 * removes the key. */
	for (size_t k = 0; c->extra && k < c->extra->n; k++) {
		vs_soap_open(b, "extraConfig", "OptionValue");
		vs_soap_elem(b, "key", c->extra->key[k]);
		vs_soap_open(b, "value", "xsd:string");
		vs_xml_escape_add(b, c->extra->value[k]);
		vs_soap_close(b, "value");
		vs_soap_close(b, "extraConfig");
	}
	vs_soap_close(b, "spec");
	vs_soap_end(b, "ReconfigVM_Task");
}

static int task_answer(size_t i, const xmlNode *ret, void *arg, struct vm_err *err)
{
	struct vs_vm_change *ch = arg;
	return vs_task_ref_get(ret, &ch[i].task.ref, err);
}

int vs_vm_reconfigure_call(struct vs_session *s, struct vs_vm_change *ch, size_t n,
			   const struct vs_vm_nic_spec *spec, int parallel, long timeout_s,
			   void (*progress)(size_t done, size_t total, void *arg), void *arg,
			   struct vm_err *err)
{
	struct vs_call *calls = vm_xcalloc(n ? n : 1, sizeof(*calls));
	struct vs_task *tasks;
	size_t *owner;
	size_t n_tasks = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		reconfig_body(&calls[i].body, &ch[i], spec);
	vs_session_call_batch(s, "ReconfigVM_Task", calls, n, parallel, task_answer, ch);
	tasks = vm_xcalloc(n ? n : 1, sizeof(*tasks));
	owner = vm_xcalloc(n ? n : 1, sizeof(*owner));
	for (size_t i = 0; i < n; i++) {
		ch[i].rc = calls[i].rc;
		ch[i].unsure = ch[i].conflict = 0;
		if (calls[i].rc < 0) {
			ch[i].err = calls[i].err;
			ch[i].unsure = vs_err_uncertain(&ch[i].err);
		} else {
			tasks[n_tasks] = ch[i].task;
			owner[n_tasks++] = i;
		}
	}
	free(calls);
	if (n_tasks && vs_task_wait_call(s, tasks, n_tasks, timeout_s, progress, arg, err) < 0)
		rc = -1;
	for (size_t t = 0; t < n_tasks; t++) {
		struct vs_vm_change *c = &ch[owner[t]];
		c->task = tasks[t];
		if (tasks[t].state == VS_TASK_ERROR) {
			c->rc = -1;
			vm_err_set(&c->err, VM_ERR_TASK, "%s: %s", tasks[t].fault, tasks[t].msg);
			vm_str_copy(c->err.fault, sizeof(c->err.fault), tasks[t].fault);
			c->conflict = vs_err_conflict(&c->err);
		} else if (tasks[t].state == VS_TASK_PENDING) {
			c->rc = -1;
			c->unsure = 1;
			vm_err_set(&c->err, VM_ERR_TASK, "its reconfigure task %s had not ended when vtrunk stopped waiting",
				   tasks[t].ref.value);
			vm_str_copy(c->err.fault, sizeof(c->err.fault), VS_FAULT_TASK_RUNNING);
		}
	}
	free(owner);
	free(tasks);
	return rc;
}
