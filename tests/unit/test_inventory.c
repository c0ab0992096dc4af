/* test_inventory.c — the inventory reader on RetrievePropertiesEx answers: captured from vcsim
 * (fixtures/soap/vcsim) and hand-shaped like a vCenter 8's, over two pages
 * (fixtures/soap/vcenter8). Each fixture goes through both readers: the tree one
 * (vs_soap_parse + vs_inventory_add_doc) and the stream one (vs_inventory_parse_stream), and
 * both must give the same inventory. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "fixture.h"
#include "vs_inventory.h"
#include "vs_vm.h"

#define DVS_UUID "50 1e 4b 7a 2c 9d 3f 61-8a 0b 5c 2d 7e 4f 91 a3"

enum reader { TREE, STREAM };

/* Feeds one answer to inv; returns its continuation token (owned) or NULL. */
static char *feed(struct vs_inventory *inv, enum reader how, const char *path, const char *method)
{
	struct vs_http_resp r;
	struct vm_err err = {0};
	char *token = NULL;

	fixture_resp(&r, path, 200, "text/xml; charset=utf-8");
	if (how == TREE) {
		xmlDoc *doc = NULL;
		xmlNode *ret, *rv;
		if (vs_soap_parse(&r, method, &doc, &ret, &err) < 0)
			fail_msg("%s: %s", path, err.msg);
		rv = vs_xml_child(ret, "returnval");
		assert_non_null(rv);
		token = vs_xml_text_dup(vs_xml_child(rv, "token"));
		if (vs_inventory_add_doc(inv, doc, rv, &err) < 0)
			fail_msg("%s: %s", path, err.msg);
	} else if (vs_inventory_parse_stream(inv, method, &r, &token, &err) < 0) {
		fail_msg("%s (stream): %s", path, err.msg);
	}
	vs_http_resp_clear(&r);
	return token;
}

static const struct vs_portgroup *pg_get(const struct vs_inventory *inv, const char *name, int dc)
{
	const struct vs_portgroup *hit = NULL;

	for (size_t i = 0; i < inv->n_pgs; i++) {
		if (strcmp(inv->pgs[i].name, name) != 0 || (dc >= 0 && inv->pgs[i].dc != dc))
			continue;
		if (hit)
			fail_msg("two port groups named \"%s\"", name);
		hit = &inv->pgs[i];
	}
	if (!hit)
		fail_msg("no port group \"%s\" in datacenter %d", name, dc);
	return hit;
}

static const struct vs_vm *vm_must(const struct vs_inventory *inv, const char *name, int dc)
{
	const struct vs_vm *vm = vs_inventory_vm_get(inv, name, dc);

	if (!vm)
		fail_msg("no VM \"%s\" in datacenter %d", name, dc);
	return vm;
}

static void assert_trunk(const struct vs_portgroup *pg, const char *want)
{
	char *got = vm_vlan_set_format(&pg->trunk);

	assert_int_equal(pg->vlan_kind, VS_VLAN_TRUNK);
	assert_string_equal(got, want);
	free(got);
}

static void assert_moref(const struct vs_moref *ref, const char *type, const char *value)
{
	assert_string_equal(ref->type, type);
	assert_string_equal(ref->value, value);
}

/* The NIC's XML, sent back when it is removed or connected: a <device> with its xsi:type
 * that parses and carries its key and MAC. Only NICs on a port group (only they can be
 * trunk NICs vtrunk removes) and those not connected at power-on (vtrunk may connect them)
 * keep it. */
static void assert_nic_xml(const struct vs_nic *n)
{
	char head[128], key[64];
	struct vm_buf b = {0};
	xmlDoc *doc;

	if (n->backing != VS_BACKING_DVPORT && n->start_connected) {
		assert_null(n->xml);
		return;
	}
	assert_non_null(n->xml);
	snprintf(head, sizeof(head), "<device xsi:type=\"%s\">", n->type);
	assert_true(strncmp(n->xml, head, strlen(head)) == 0);
	snprintf(key, sizeof(key), "<key>%d</key>", n->key);
	assert_contains(n->xml, key);
	if (*n->mac)
		assert_contains(n->xml, n->mac);
	vm_buf_adds(&b, "<w xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">");
	vm_buf_adds(&b, n->xml);
	vm_buf_adds(&b, "</w>");
	doc = xmlReadMemory(b.data, (int)b.len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		fail_msg("NIC %d: its XML does not parse: %s", n->key, n->xml);
	xmlFreeDoc(doc);
	vm_buf_reset(&b);
}

/* --- vCenter 8, two pages --- */

static void check_vcenter8(enum reader how)
{
	struct vs_inventory *inv = vm_xcalloc(1, sizeof(*inv));
	const struct vs_portgroup *pg;
	const struct vs_switch *sw;
	const struct vs_vm *vm;
	const struct vs_nic *n;
	char *token;
	int east, lab;

	token = feed(inv, how, FIXTURE("soap/vcenter8/RetrievePropertiesEx-page1.xml"), "RetrievePropertiesEx");
	assert_non_null(token);
	assert_string_equal(token, "1");
	free(token);
	token = feed(inv, how, FIXTURE("soap/vcenter8/ContinueRetrievePropertiesEx-page2.xml"),
		     "ContinueRetrievePropertiesEx");
	assert_true(token == NULL || *token == '\0');
	free(token);
	vs_inventory_link(inv);

	/* Datacenters, by their unescaped names. */
	assert_int_equal(inv->n_dcs, 2);
	east = vs_inventory_dc_find(inv, "DC-East");
	lab = vs_inventory_dc_find(inv, "Lab & Test <2>");
	assert_true(east >= 0 && lab >= 0 && east != lab);
	assert_moref(&inv->dcs[east].ref, "Datacenter", "datacenter-3");
	assert_moref(&inv->dcs[lab].ref, "Datacenter", "datacenter-1001");
	assert_int_equal(vs_inventory_dc_find(inv, "DC0"), -1);

	/* The switch: a real vCenter's subtype, two folders below the datacenter. */
	assert_int_equal(inv->n_switches, 1);
	sw = &inv->switches[0];
	assert_moref(&sw->ref, "VmwareDistributedVirtualSwitch", "dvs-21");
	assert_string_equal(sw->name, "DSwitch-Prod");
	assert_string_equal(sw->uuid, DVS_UUID);
	assert_int_equal(sw->dc, east);

	/* Four port groups (across both pages) and three standard networks. */
	assert_int_equal(inv->n_pgs, 7);
	pg = pg_get(inv, "Kasm-Trunk", east);
	assert_true(pg->is_dvpg);
	assert_moref(&pg->ref, "DistributedVirtualPortgroup", "dvportgroup-30");
	assert_string_equal(pg->key, "dvportgroup-30");
	assert_moref(&pg->sw_ref, "VmwareDistributedVirtualSwitch", "dvs-21");
	assert_ptr_equal(&inv->switches[pg->sw], sw);
	assert_trunk(pg, "100-200,300");
	assert_false(pg->vlan_inherited);
	assert_string_equal(pg->binding, "earlyBinding");
	assert_int_equal(pg->num_ports, 16);
	assert_int_equal(pg->auto_expand, 1);
	assert_string_equal(pg->config_version, "3");
	assert_false(pg->uplink);
	assert_non_null(pg->config);
	assert_string_equal((const char *)pg->config->name, "val");
	assert_non_null(vs_xml_path(pg->config, "defaultPortConfig/securityPolicy/macChanges"));
	assert_non_null(vs_xml_path(pg->config, "defaultPortConfig/uplinkTeamingPolicy/uplinkPortOrder"));
	{
		char t[64];
		vs_xml_type_copy(vs_xml_child(pg->config, "defaultPortConfig"), t, sizeof(t));
		assert_string_equal(t, "VMwareDVSPortSetting");
	}

	pg = pg_get(inv, "DSwitch-Prod-DVUplinks-21", east);
	assert_true(pg->is_dvpg);
	assert_true(pg->uplink);
	assert_trunk(pg, "0-4094");
	assert_int_equal(pg->num_ports, 8);
	assert_int_equal(pg->auto_expand, 0);
	assert_string_equal(pg->config_version, "0");

	pg = pg_get(inv, "VLAN 150 Access", east);
	assert_string_equal(pg->key, "dvportgroup-31");
	assert_int_equal(pg->vlan_kind, VS_VLAN_ID);
	assert_int_equal(pg->vlan_id, 150);
	assert_int_equal(pg->trunk.n, 0);
	assert_string_equal(pg->binding, "ephemeral");
	assert_int_equal(pg->num_ports, 0);
	assert_string_equal(pg->config_version, "1");
	assert_ptr_equal(&inv->switches[pg->sw], sw);

	pg = pg_get(inv, "PVLAN-Isolated", east);
	assert_int_equal(pg->vlan_kind, VS_VLAN_PVLAN);
	assert_int_equal(pg->vlan_id, 1001);
	assert_string_equal(pg->config_version, "7");
	assert_string_equal(vs_vlan_kind_name(pg->vlan_kind), "pvlan");

	/* Standard networks: same name in two datacenters, told apart by folder. */
	pg = pg_get(inv, "VM Network", east);
	assert_false(pg->is_dvpg);
	assert_moref(&pg->ref, "Network", "network-11");
	assert_null(pg->key);
	assert_int_equal(pg->sw, -1);
	assert_int_equal(pg->vlan_kind, VS_VLAN_NONE);
	assert_int_equal(pg->auto_expand, -1);
	pg = pg_get(inv, "VM Network", lab);
	assert_moref(&pg->ref, "Network", "network-1010");
	pg = pg_get(inv, "Mgmt 10.0.0.0/24", east);
	assert_moref(&pg->ref, "Network", "network-12");

	/* VMs: the same name in both datacenters. */
	assert_int_equal(inv->n_vms, 3);
	vm = vm_must(inv, "kasm-agent-01", east);
	assert_moref(&vm->ref, "VirtualMachine", "vm-101");
	assert_string_equal(vm->power_state, "poweredOn");
	assert_true(vm->have_devices);
	/* PCI controller, SCSI controller and disk are not NICs. */
	assert_int_equal(vm->n_nics, 2);
	n = &vm->nics[0];
	assert_int_equal(n->key, 4000);
	assert_string_equal(n->type, "VirtualVmxnet3");
	assert_string_equal(n->label, "Network adapter 1");
	assert_string_equal(n->mac, "00:50:56:9a:1b:2c");
	assert_int_equal(n->backing, VS_BACKING_DVPORT);
	assert_string_equal(n->portgroup_key, "dvportgroup-30");
	assert_string_equal(n->switch_uuid, sw->uuid);
	assert_null(n->network_name);
	assert_true(n->connected);
	assert_true(n->start_connected);
	assert_true(n->allow_guest_control);
	assert_int_equal(n->pci_slot, 192);
	assert_nic_xml(n);
	n = &vm->nics[1];
	assert_int_equal(n->key, 4001);
	assert_string_equal(n->type, "VirtualE1000e");
	assert_string_equal(n->mac, "00:50:56:9a:7f:03");
	assert_int_equal(n->backing, VS_BACKING_NETWORK);
	assert_string_equal(n->network_name, "Mgmt 10.0.0.0/24");
	assert_moref(&n->network, "Network", "network-12");
	assert_null(n->portgroup_key);
	assert_null(n->switch_uuid);
	assert_false(n->connected);
	assert_true(n->start_connected);
	assert_false(n->allow_guest_control);
	assert_int_equal(n->pci_slot, 224);
	assert_nic_xml(n);

	vm = vm_must(inv, "kasm-agent-02", east);
	assert_string_equal(vm->power_state, "poweredOff");
	assert_int_equal(vm->n_nics, 2);
	n = &vm->nics[0];
	assert_int_equal(n->backing, VS_BACKING_DVPORT);
	assert_string_equal(n->portgroup_key, "dvportgroup-31");
	assert_int_equal(n->pci_slot, -1);
	assert_false(n->connected);
	assert_false(n->start_connected);
	assert_nic_xml(n);
	n = &vm->nics[1];
	/* NSX-T: named by the opaque network's id and type. */
	assert_int_equal(n->backing, VS_BACKING_OPAQUE);
	assert_string_equal(n->opaque_id, "5c2f41d8-2a6b-4e0c-9b7d-1f3e5a8c6d20");
	assert_string_equal(n->opaque_type, "nsx.LogicalSwitch");
	assert_null(n->portgroup_key);
	assert_null(n->network_name);
	assert_string_equal(n->mac, "00:50:56:9a:44:e2");
	assert_int_equal(n->pci_slot, 224);
	assert_nic_xml(n);
	assert_null(vs_inventory_vm_get(inv, "kasm-agent-02", lab));

	vm = vm_must(inv, "kasm-agent-01", lab);
	assert_moref(&vm->ref, "VirtualMachine", "vm-2001");
	assert_true(vm->have_devices);
	assert_int_equal(vm->n_nics, 0);
	/* Without a datacenter, the first by name. */
	assert_non_null(vs_inventory_vm_get(inv, "kasm-agent-01", -1));
	assert_null(vs_inventory_vm_get(inv, "kasm-agent-03", -1));

	vs_inventory_free(&inv);
	assert_null(inv);
	vs_inventory_free(&inv); /* NULL is fine */
}

static void test_vcenter8_tree(void **state)
{
	(void)state;
	check_vcenter8(TREE);
}

static void test_vcenter8_stream(void **state)
{
	(void)state;
	check_vcenter8(STREAM);
}

/* --- vcsim (captured) --- */

static void check_vcsim_vms(enum reader how)
{
	struct vs_inventory *inv = vm_xcalloc(1, sizeof(*inv));
	const struct vs_portgroup *dvpg, *uplinks, *net;
	const struct vs_switch *sw;
	char *token;
	int dc;

	token = feed(inv, how, FIXTURE("soap/vcsim/RetrievePropertiesEx-vms.xml"), "RetrievePropertiesEx");
	assert_null(token);
	vs_inventory_link(inv);

	assert_int_equal(inv->n_dcs, 1);
	dc = vs_inventory_dc_find(inv, "DC0");
	assert_int_equal(dc, 0);
	/* vcsim's switch has the base type name. */
	assert_int_equal(inv->n_switches, 1);
	sw = &inv->switches[0];
	assert_string_equal(sw->ref.type, "DistributedVirtualSwitch");
	assert_string_equal(sw->name, "DVS0");
	assert_true(strlen(sw->uuid) > 0);
	assert_int_equal(sw->dc, dc);

	assert_int_equal(inv->n_pgs, 3);
	net = pg_get(inv, "VM Network", dc);
	assert_false(net->is_dvpg);
	dvpg = pg_get(inv, "DC0_DVPG0", dc);
	assert_true(dvpg->is_dvpg);
	assert_int_equal(dvpg->vlan_kind, VS_VLAN_ID);
	assert_int_equal(dvpg->vlan_id, 0);
	assert_ptr_equal(&inv->switches[dvpg->sw], sw);
	/* vcsim leaves out what a real vCenter reports: no autoExpand, no configVersion,
	 * an empty binding type, and no uplink flag or list: the uplink port group is
	 * recognised by the name vCenter gives it. */
	assert_int_equal(dvpg->auto_expand, -1);
	assert_string_equal(dvpg->config_version, "");
	assert_string_equal(dvpg->binding, "");
	uplinks = pg_get(inv, "DVS0-DVUplinks-9", dc);
	assert_trunk(uplinks, "0-4094");
	assert_true(uplinks->uplink);
	assert_false(dvpg->uplink);

	/* 2 × Machine VMs, each with one E1000 on DC0_DVPG0, found through their folders. */
	assert_int_equal(inv->n_vms, 4);
	for (size_t i = 0; i < inv->n_vms; i++) {
		const struct vs_vm *vm = &inv->vms[i];
		const struct vs_nic *n;
		assert_int_equal(vm->dc, dc);
		assert_string_equal(vm->power_state, "poweredOn");
		assert_true(vm->have_devices);
		assert_int_equal(vm->n_nics, 1);
		n = &vm->nics[0];
		assert_int_equal(n->key, 4000);
		assert_string_equal(n->type, "VirtualE1000");
		assert_int_equal(strlen(n->mac), 17);
		assert_int_equal(n->backing, VS_BACKING_DVPORT);
		assert_string_equal(n->portgroup_key, dvpg->key);
		assert_string_equal(n->switch_uuid, sw->uuid);
		assert_int_equal(n->pci_slot, 32);
		assert_false(n->connected);
		assert_true(n->start_connected);
		assert_nic_xml(n);
	}
	assert_ptr_equal(vm_must(inv, "DC0_H0_VM0", dc), vs_inventory_vm_get(inv, "DC0_H0_VM0", -1));
	vm_must(inv, "DC0_C0_RP0_VM1", dc);
	vs_inventory_free(&inv);
}

static void test_vcsim_vms_tree(void **state)
{
	(void)state;
	check_vcsim_vms(TREE);
}

static void test_vcsim_vms_stream(void **state)
{
	(void)state;
	check_vcsim_vms(STREAM);
}

/* VMs with config.extraConfig (--guestinfo), as vcsim reports them after `apply
 * --guestinfo` and then guestinfo.vtrunk.docker set to "": vcsim appended that second
 * entry instead of replacing the first, so the last one must count. Keys that are not
 * vtrunk's (vcsim's own "govcsim") are not kept. */
static void check_vcsim_guestinfo(enum reader how)
{
	struct vs_inventory *inv = vm_xcalloc(1, sizeof(*inv));
	const struct vs_vm *a, *b;
	const char *np;

	free(feed(inv, how, FIXTURE("soap/vcsim/RetrievePropertiesEx-guestinfo.xml"), "RetrievePropertiesEx"));
	vs_inventory_link(inv);
	a = vm_must(inv, "DC0_H0_VM0", 0);
	b = vm_must(inv, "DC0_C0_RP0_VM0", 0);
	assert_int_equal(a->n_extra, 5);
	for (size_t i = 0; i < a->n_extra; i++)
		assert_true(strncmp(a->extra[i].key, "guestinfo.vtrunk.", 17) == 0);
	np = vs_vm_extra_get(a, "guestinfo.vtrunk.netplan");
	assert_non_null(np);
	assert_true(strncmp(np, "IyAv", 4) == 0); /* base64 of "# /" */
	assert_string_equal(vs_vm_extra_get(a, "guestinfo.vtrunk.netplan.encoding"), "base64");
	assert_string_equal(vs_vm_extra_get(a, "guestinfo.vtrunk.docker"), "");
	assert_null(vs_vm_extra_get(a, "govcsim"));
	assert_int_equal(b->n_extra, 0);
	assert_null(vs_vm_extra_get(b, "guestinfo.vtrunk.netplan"));
	vs_inventory_free(&inv);
}

static void test_vcsim_guestinfo_tree(void **state)
{
	(void)state;
	check_vcsim_guestinfo(TREE);
}

static void test_vcsim_guestinfo_stream(void **state)
{
	(void)state;
	check_vcsim_guestinfo(STREAM);
}

/* The port group vtrunk created (fixtures/plans/portgroup-only.json) as vcsim reports it. */
static void check_vcsim_trunk(enum reader how)
{
	struct vs_inventory *inv = vm_xcalloc(1, sizeof(*inv));
	const struct vs_portgroup *pg;

	free(feed(inv, how, FIXTURE("soap/vcsim/RetrievePropertiesEx-trunk.xml"), "RetrievePropertiesEx"));
	vs_inventory_link(inv);
	assert_int_equal(inv->n_vms, 0);
	pg = pg_get(inv, "Kasm-Trunk", 0);
	assert_true(pg->is_dvpg);
	assert_trunk(pg, "100-200,300");
	assert_string_equal(pg->binding, "earlyBinding");
	assert_true(pg->num_ports > 0);
	assert_int_equal(pg->auto_expand, 1);
	assert_ptr_equal(&inv->switches[pg->sw], &inv->switches[0]);
	assert_string_equal(inv->switches[pg->sw].name, "DVS0");
	assert_string_equal(pg->key, pg->ref.value);
	vs_inventory_free(&inv);
}

static void test_vcsim_trunk_tree(void **state)
{
	(void)state;
	check_vcsim_trunk(TREE);
}

static void test_vcsim_trunk_stream(void **state)
{
	(void)state;
	check_vcsim_trunk(STREAM);
}

/* A page of the test proxy's endless action (tests/proxy, endless:3), as captured: the
 * page a server that keeps paging sends, read like any other (its bound is vs_page's). */
static void test_proxy_endless_page(void **state)
{
	static const char path[] = "fixtures/soap/proxy/ContinueRetrievePropertiesEx-endless.xml";

	(void)state;
	for (enum reader how = TREE; how <= STREAM; how++) {
		struct vs_inventory *inv = vm_xcalloc(1, sizeof(*inv));
		char *token = feed(inv, how, path, "ContinueRetrievePropertiesEx");
		assert_non_null(token);
		assert_string_equal(token, "endless-1");
		assert_int_equal(inv->n_vms, 3);
		assert_string_equal(inv->vms[2].name, "endless-1-3");
		assert_string_equal(inv->vms[2].ref.value, "vm-endless-1-3");
		free(token);
		vs_inventory_free(&inv);
	}
}

/* --- answers the reader must refuse or survive --- */

#define ENVELOPE_HEAD                                                                                        \
	"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""                    \
	" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">" \
	"<soapenv:Body><RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>"
#define ENVELOPE_TAIL "</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"
#define ENVELOPE(objects) ENVELOPE_HEAD objects ENVELOPE_TAIL
#define TRUNK_PG(range)                                                                              \
	"<objects><obj type=\"DistributedVirtualPortgroup\">dvportgroup-9</obj><propSet><name>config</name>" \
	"<val xsi:type=\"DVPortgroupConfigInfo\"><key>dvportgroup-9</key><name>Bad</name>"               \
	"<defaultPortConfig xsi:type=\"VMwareDVSPortSetting\">"                                         \
	"<vlan xsi:type=\"VmwareDistributedVirtualSwitchTrunkVlanSpec\"><inherited>false</inherited>"   \
	"<vlanId>" range "</vlanId></vlan></defaultPortConfig></val></propSet></objects>"

/* Feeds a body that must be refused; returns nothing, checks kind and message. */
static void assert_feed_fails(enum reader how, const char *body, enum vm_err_kind kind, const char *want)
{
	struct vs_inventory *inv = vm_xcalloc(1, sizeof(*inv));
	struct vs_http_resp r;
	struct vm_err err = {0};
	char *token = (char *)"unset";
	int rc;

	fixture_resp_text(&r, body, 200, "text/xml");
	if (how == TREE) {
		xmlDoc *doc;
		xmlNode *ret;
		assert_int_equal(vs_soap_parse(&r, "RetrievePropertiesEx", &doc, &ret, &err), 0);
		rc = vs_inventory_add_doc(inv, doc, vs_xml_child(ret, "returnval"), &err);
	} else {
		rc = vs_inventory_parse_stream(inv, "RetrievePropertiesEx", &r, &token, &err);
		assert_null(token);
	}
	assert_int_equal(rc, -1);
	if (err.kind != kind)
		fail_msg("kind %s, want %s: %s", vm_err_kind_name(err.kind), vm_err_kind_name(kind), err.msg);
	assert_contains(err.msg, want);
	vs_inventory_free(&inv);
	vs_http_resp_clear(&r);
}

/* A streamed page may be as large as the read's budget, but one object in it is held whole
 * while parsed: one over 16 MiB is refused, not grown without end. */
static void test_stream_object_bound(void **state)
{
	size_t pad = (size_t)18 << 20;
	const char *head = ENVELOPE_HEAD "<objects><obj type=\"VirtualMachine\">vm-1</obj><propSet>"
			   "<name>name</name><val xsi:type=\"xsd:string\">";
	const char *tail = "</val></propSet></objects>" ENVELOPE_TAIL;
	char *body = vm_xmalloc(strlen(head) + pad + strlen(tail) + 1);

	(void)state;
	strcpy(body, head);
	memset(body + strlen(head), 'a', pad);
	strcpy(body + strlen(head) + pad, tail);
	assert_feed_fails(STREAM, body, VM_ERR_PARSE, "one inventory object larger than 16 MiB; stopped reading it");
	free(body);
}

static void test_bad_objects(void **state)
{
	(void)state;
	for (enum reader how = TREE; how <= STREAM; how++) {
		/* A trunk range beyond 4094 is not silently cut. */
		assert_feed_fails(how, ENVELOPE(TRUNK_PG("<start>100</start><end>5000</end>")), VM_ERR_USAGE,
				  "port group \"Bad\" reports a trunk range vtrunk cannot read");
		assert_feed_fails(how, ENVELOPE(TRUNK_PG("<start>300</start><end>200</end>")), VM_ERR_USAGE,
				  "port group \"Bad\"");
		assert_feed_fails(how, ENVELOPE(TRUNK_PG("<start>x</start><end>1</end>")), VM_ERR_USAGE, "Bad");
		/* An object without a type cannot be placed. */
		assert_feed_fails(how, ENVELOPE("<objects><obj>vm-1</obj></objects>"), VM_ERR_PARSE,
				  "an object without a readable reference");
	}
}

/* A keyed extraConfig path answers with the one OptionValue (none when the key is not
 * set); one reported in missingSet (a server that does not take keyed paths) is counted,
 * so the read falls back to the whole extraConfig. */
static void test_keyed_extra_config(void **state)
{
	static const char body[] = ENVELOPE(
		"<objects><obj type=\"VirtualMachine\">vm-1</obj><propSet><name>name</name><val>a</val></propSet>"
		"<propSet><name>config.extraConfig[&quot;guestinfo.vtrunk.netplan&quot;]</name>"
		"<val xsi:type=\"OptionValue\"><key>guestinfo.vtrunk.netplan</key><value xsi:type=\"xsd:string\">bmV0</value></val>"
		"</propSet><propSet><name>config.extraConfig[&quot;guestinfo.vtrunk.docker&quot;]</name></propSet></objects>"
		"<objects><obj type=\"VirtualMachine\">vm-2</obj><propSet><name>name</name><val>b</val></propSet>"
		"<missingSet><path>config.extraConfig[&quot;guestinfo.vtrunk.netplan&quot;]</path>"
		"<fault><fault xsi:type=\"InvalidProperty\"><name>x</name></fault></fault></missingSet></objects>");

	(void)state;
	for (enum reader how = TREE; how <= STREAM; how++) {
		struct vs_inventory *inv = vm_xcalloc(1, sizeof(*inv));
		struct vs_http_resp r;
		struct vm_err err = {0};
		char *token = NULL;
		fixture_resp_text(&r, body, 200, "text/xml");
		if (how == TREE) {
			xmlDoc *doc;
			xmlNode *ret;
			assert_int_equal(vs_soap_parse(&r, "RetrievePropertiesEx", &doc, &ret, &err), 0);
			assert_int_equal(vs_inventory_add_doc(inv, doc, vs_xml_child(ret, "returnval"), &err), 0);
		} else {
			assert_int_equal(vs_inventory_parse_stream(inv, "RetrievePropertiesEx", &r, &token, &err), 0);
		}
		assert_int_equal(inv->n_vms, 2);
		assert_string_equal(vs_vm_extra_get(&inv->vms[0], "guestinfo.vtrunk.netplan"), "bmV0");
		assert_null(vs_vm_extra_get(&inv->vms[0], "guestinfo.vtrunk.docker"));
		assert_int_equal(inv->gi_missing, 1);
		vs_inventory_free(&inv);
		vs_http_resp_clear(&r);
	}
}

/* A propSet without a name (a broken or hostile server) is passed over, not a crash;
 * a well-formed answer sent with HTTP 500 is not taken for a success. */
static void test_nameless_propset_and_bad_status(void **state)
{
	static const char body[] = ENVELOPE(
		"<objects><obj type=\"Datacenter\">datacenter-3</obj><propSet><val>DC</val></propSet></objects>"
		"<objects><obj type=\"VirtualMachine\">vm-1</obj><propSet><val>x</val></propSet></objects>");

	(void)state;
	for (enum reader how = TREE; how <= STREAM; how++) {
		struct vs_inventory *inv = vm_xcalloc(1, sizeof(*inv));
		struct vs_http_resp r;
		struct vm_err err = {0};
		char *token = NULL;
		fixture_resp_text(&r, body, 200, "text/xml");
		if (how == TREE) {
			xmlDoc *doc;
			xmlNode *ret;
			assert_int_equal(vs_soap_parse(&r, "RetrievePropertiesEx", &doc, &ret, &err), 0);
			assert_int_equal(vs_inventory_add_doc(inv, doc, vs_xml_child(ret, "returnval"), &err), 0);
		} else {
			assert_int_equal(vs_inventory_parse_stream(inv, "RetrievePropertiesEx", &r, &token, &err), 0);
		}
		assert_int_equal(inv->n_dcs, 1);
		assert_string_equal(inv->dcs[0].name, "datacenter-3"); /* no name: its id stands in */
		assert_int_equal(inv->n_vms, 1);
		vs_inventory_free(&inv);
		vs_http_resp_clear(&r);
	}
	{
		struct vs_inventory *inv = vm_xcalloc(1, sizeof(*inv));
		struct vs_http_resp r;
		struct vm_err err = {0};
		char *token = NULL;
		fixture_resp_text(&r, body, 500, "text/xml");
		assert_int_equal(vs_inventory_parse_stream(inv, "RetrievePropertiesEx", &r, &token, &err), -1);
		assert_int_equal(err.kind, VM_ERR_HTTP);
		vs_inventory_free(&inv);
		vs_http_resp_clear(&r);
	}
}

/* Parents that lead nowhere or in a circle leave the datacenter unknown, and linking ends. */
static void test_unresolved_and_cyclic_parents(void **state)
{
	static const char body[] = ENVELOPE(
		"<objects><obj type=\"Folder\">group-a</obj><propSet><name>parent</name>"
		"<val type=\"Folder\" xsi:type=\"ManagedObjectReference\">group-b</val></propSet></objects>"
		"<objects><obj type=\"Folder\">group-b</obj><propSet><name>parent</name>"
		"<val type=\"Folder\" xsi:type=\"ManagedObjectReference\">group-a</val></propSet></objects>"
		"<objects><obj type=\"VirtualMachine\">vm-1</obj><propSet><name>parent</name>"
		"<val type=\"Folder\" xsi:type=\"ManagedObjectReference\">group-a</val></propSet></objects>"
		"<objects><obj type=\"VirtualMachine\">vm-2</obj><propSet><name>parent</name>"
		"<val type=\"Folder\" xsi:type=\"ManagedObjectReference\">group-gone</val></propSet></objects>"
		"<objects><obj type=\"Network\">network-3</obj><propSet><name>parent</name>"
		"<val type=\"Datacenter\" xsi:type=\"ManagedObjectReference\">datacenter-unknown</val></propSet></objects>"
		"<objects><obj type=\"DistributedVirtualPortgroup\">dvportgroup-4</obj><propSet><name>config</name>"
		"<val xsi:type=\"DVPortgroupConfigInfo\"><key>dvportgroup-4</key><name>Orphan</name>"
		"<distributedVirtualSwitch type=\"VmwareDistributedVirtualSwitch\">dvs-gone</distributedVirtualSwitch>"
		"</val></propSet></objects>");

	(void)state;
	for (enum reader how = TREE; how <= STREAM; how++) {
		struct vs_inventory *inv = vm_xcalloc(1, sizeof(*inv));
		struct vs_http_resp r;
		struct vm_err err = {0};
		char *token = NULL;

		fixture_resp_text(&r, body, 200, "text/xml");
		if (how == TREE) {
			xmlDoc *doc;
			xmlNode *ret;
			assert_int_equal(vs_soap_parse(&r, "RetrievePropertiesEx", &doc, &ret, &err), 0);
			assert_int_equal(vs_inventory_add_doc(inv, doc, vs_xml_child(ret, "returnval"), &err), 0);
		} else {
			assert_int_equal(vs_inventory_parse_stream(inv, "RetrievePropertiesEx", &r, &token, &err), 0);
		}
		vs_inventory_link(inv);
		assert_int_equal(inv->n_vms, 2);
		assert_int_equal(inv->vms[0].dc, -1);
		assert_int_equal(inv->vms[1].dc, -1);
		/* Without a name property the reference stands in for it. */
		assert_string_equal(inv->vms[0].name, "vm-1");
		assert_false(inv->vms[0].have_devices);
		assert_int_equal(inv->n_pgs, 2);
		assert_int_equal(inv->pgs[0].dc, -1);
		assert_string_equal(inv->pgs[0].name, "network-3");
		/* Without a name property a port group is named from its config. */
		assert_string_equal(inv->pgs[1].name, "Orphan");
		assert_int_equal(inv->pgs[1].sw, -1);
		assert_int_equal(inv->pgs[1].vlan_kind, VS_VLAN_NONE);
		assert_string_equal(inv->pgs[1].config_version, "");
		vs_inventory_free(&inv);
		vs_http_resp_clear(&r);
		free(token);
	}
}

/* The stream reader reports what vs_soap_parse would for answers that are not the
 * expected one (its header promises that). */
static void test_stream_refusals(void **state)
{
	static const struct {
		const char *path;
		long status;
		const char *ctype;
		enum vm_err_kind kind;
		const char *fault, *want;
	} cases[] = {
		{"fixtures/soap/vcenter8/fault-NotAuthenticated.xml", 500, "text/xml", VM_ERR_FAULT, "NotAuthenticated",
		 "RetrievePropertiesEx: NotAuthenticated: The session is not authenticated."},
		{"fixtures/soap/hostile/fault-unknown-type.xml", 500, "text/xml", VM_ERR_FAULT, "VtrunkImaginaryFault",
		 "VtrunkImaginaryFault"},
		{"fixtures/soap/hostile/html-error.html", 503, "text/html", VM_ERR_HTTP, "", "HTML page"},
		{"fixtures/soap/hostile/html-xhtml-503.html", 503, "text/html", VM_ERR_HTTP, "", "HTML page"},
		{"fixtures/soap/hostile/truncated-envelope.xml", 200, "text/xml", VM_ERR_PARSE, "", "RetrievePropertiesEx"},
		{"fixtures/soap/hostile/xxe-external-entity.xml", 200, "text/xml", VM_ERR_PARSE, "", "DOCTYPE"},
		{"fixtures/soap/hostile/billion-laughs.xml", 200, "text/xml", VM_ERR_PARSE, "", "RetrievePropertiesEx"},
		{"fixtures/soap/hostile/deep-nesting.xml", 200, "text/xml", VM_ERR_PARSE, "", "RetrievePropertiesEx"},
		{"fixtures/soap/hostile/unexpected-response.xml", 200, "text/xml", VM_ERR_PARSE, "",
		 "expected <RetrievePropertiesExResponse>"},
		{"fixtures/soap/vcenter8/ContinueRetrievePropertiesEx-page2.xml", 200, "text/xml", VM_ERR_PARSE, "",
		 "got <ContinueRetrievePropertiesExResponse>"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vs_inventory *inv = vm_xcalloc(1, sizeof(*inv));
		struct vs_http_resp r;
		struct vm_err err = {0};
		char *token = (char *)"unset";

		fixture_resp(&r, cases[i].path, cases[i].status, cases[i].ctype);
		assert_int_equal(vs_inventory_parse_stream(inv, "RetrievePropertiesEx", &r, &token, &err), -1);
		assert_null(token);
		if (err.kind != cases[i].kind)
			fail_msg("%s: kind %s, want %s: %s", cases[i].path, vm_err_kind_name(err.kind),
				 vm_err_kind_name(cases[i].kind), err.msg);
		assert_string_equal(err.fault, cases[i].fault);
		assert_contains(err.msg, cases[i].want);
		vs_inventory_free(&inv);
		vs_http_resp_clear(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vcenter8_tree),
		cmocka_unit_test(test_vcenter8_stream),
		cmocka_unit_test(test_vcsim_vms_tree),
		cmocka_unit_test(test_vcsim_vms_stream),
		cmocka_unit_test(test_vcsim_trunk_tree),
		cmocka_unit_test(test_vcsim_trunk_stream),
		cmocka_unit_test(test_bad_objects),
		cmocka_unit_test(test_unresolved_and_cyclic_parents),
		cmocka_unit_test(test_nameless_propset_and_bad_status),
		cmocka_unit_test(test_stream_refusals),
		cmocka_unit_test(test_proxy_endless_page),
		cmocka_unit_test(test_vcsim_guestinfo_tree),
		cmocka_unit_test(test_vcsim_guestinfo_stream),
		cmocka_unit_test(test_keyed_extra_config),
		cmocka_unit_test(test_stream_object_bound),
	};
	int rc = cmocka_run_group_tests_name("inventory", tests, NULL, NULL);

	xmlCleanupParser();
	return rc;
}
