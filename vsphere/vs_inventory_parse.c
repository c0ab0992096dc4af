/* vs_inventory_parse.c — the inventory reader: RetrievePropertiesEx objects into struct
 * vs_inventory, from a whole document or streamed one object at a time. */
#include "vs_inventory_parse.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "vm_guestinfo.h"
#include "vs_inv_net.h"
#include "vs_name.h"
#include "vs_page.h"

static void add_parent(struct vs_inventory *inv, const struct vs_moref *ref, const xmlNode *val)
{
	struct vs_parent *p;

	inv->parents = vm_xgrow(inv->parents, &inv->cap_parents, inv->n_parents + 1, sizeof(*p));
	p = &inv->parents[inv->n_parents];
	p->ref = *ref;
	p->name = NULL;
	if (vs_xml_moref_get(val, &p->parent) == 0)
		inv->n_parents++;
}

static int vlan_parse(struct vs_portgroup *pg, const xmlNode *vlan, struct vm_err *err)
{
	char type[96];

	vs_xml_type_copy(vlan, type, sizeof(type));
	pg->vlan_inherited = vs_xml_bool_get(vs_xml_child(vlan, "inherited"), 0);
	if (!vlan || !*type) {
		pg->vlan_kind = VS_VLAN_NONE;
	} else if (strcmp(type, "VmwareDistributedVirtualSwitchTrunkVlanSpec") == 0) {
		pg->vlan_kind = VS_VLAN_TRUNK;
		for (xmlNode *r = vs_xml_child(vlan, "vlanId"); r; r = vs_xml_next(r, "vlanId")) {
			long lo = vs_xml_long_get(vs_xml_child(r, "start"), -1);
			long hi = vs_xml_long_get(vs_xml_child(r, "end"), -1);
			if (vm_vlan_set_add(&pg->trunk, (int)lo, (int)hi, err) < 0)
				return vm_err_prefix(err, "port group \"%s\" reports a trunk range vtrunk cannot read", pg->name);
		}
	} else if (strcmp(type, "VmwareDistributedVirtualSwitchVlanIdSpec") == 0) {
		pg->vlan_kind = VS_VLAN_ID;
		pg->vlan_id = (int)vs_xml_long_get(vs_xml_child(vlan, "vlanId"), 0);
	} else if (strcmp(type, "VmwareDistributedVirtualSwitchPvlanSpec") == 0) {
		pg->vlan_kind = VS_VLAN_PVLAN;
		pg->vlan_id = (int)vs_xml_long_get(vs_xml_child(vlan, "pvlanId"), 0);
	} else {
		pg->vlan_kind = VS_VLAN_NONE;
	}
	return 0;
}

static int pg_config_parse(struct vs_portgroup *pg, const xmlNode *cfg, struct vm_err *err)
{
	xmlNode *copy;

	pg->is_dvpg = 1;
	if (!cfg)
		return 0;
	/* A copy in a document of its own: a reconfigure sends parts of it back, and the
	 * answer it came in is freed as soon as it has been read. */
	xmlFreeDoc(pg->config_doc);
	pg->config_doc = xmlNewDoc((const xmlChar *)"1.0");
	copy = xmlDocCopyNode((xmlNode *)cfg, pg->config_doc, 1);
	xmlDocSetRootElement(pg->config_doc, copy);
	pg->config = copy;
	cfg = copy;
	free(pg->key);
	pg->key = vs_xml_text_dup(vs_xml_child(cfg, "key"));
	if (!pg->name)
		pg->name = vs_name_unescape(vs_xml_text_dup(vs_xml_child(cfg, "name")));
	vs_xml_moref_get(vs_xml_child(cfg, "distributedVirtualSwitch"), &pg->sw_ref);
	free(pg->binding);
	free(pg->config_version);
	vm_vlan_set_clear(&pg->trunk); /* a second config replaces the first, ranges too */
	pg->binding = vs_xml_text_dup(vs_xml_child(cfg, "type"));
	pg->num_ports = vs_xml_long_get(vs_xml_child(cfg, "numPorts"), 0);
	pg->auto_expand = vs_xml_child(cfg, "autoExpand") ? vs_xml_bool_get(vs_xml_child(cfg, "autoExpand"), 0) : -1;
	pg->config_version = vs_xml_text_dup(vs_xml_child(cfg, "configVersion"));
	if (!pg->config_version)
		pg->config_version = vm_xstrdup("");
	pg->uplink = vs_xml_bool_get(vs_xml_child(cfg, "uplink"), 0);
	{
		/* securityPolicy is deprecated since API 6.7; a 6.6+ switch applies
		 * macManagementPolicy, and vCenter 7 has been seen holding the two disagreeing
		 * (community.vmware #907): the latter wins, a disagreement is recorded. */
		const xmlNode *sec = vs_xml_path(cfg, "defaultPortConfig/securityPolicy");
		const xmlNode *mm = vs_xml_path(cfg, "defaultPortConfig/macManagementPolicy");
		int s_p = vs_xml_bool_get(vs_xml_path(sec, "allowPromiscuous/value"), -1);
		int s_m = vs_xml_bool_get(vs_xml_path(sec, "macChanges/value"), -1);
		int s_f = vs_xml_bool_get(vs_xml_path(sec, "forgedTransmits/value"), -1);
		pg->mac_mgmt = mm != NULL;
		pg->mac_learning = vs_xml_bool_get(vs_xml_path(mm, "macLearningPolicy/enabled"), -1);
		if (mm) {
			pg->promiscuous = vs_xml_bool_get(vs_xml_child(mm, "allowPromiscuous"), -1);
			pg->mac_changes = vs_xml_bool_get(vs_xml_child(mm, "macChanges"), -1);
			pg->forged_transmits = vs_xml_bool_get(vs_xml_child(mm, "forgedTransmits"), -1);
			pg->policy_split = (s_p >= 0 && s_p != pg->promiscuous) ||
					   (s_m >= 0 && s_m != pg->mac_changes) ||
					   (s_f >= 0 && s_f != pg->forged_transmits);
		} else {
			pg->promiscuous = s_p;
			pg->mac_changes = s_m;
			pg->forged_transmits = s_f;
			pg->policy_split = 0;
		}
	}
	return vlan_parse(pg, vs_xml_path(cfg, "defaultPortConfig/vlan"), err);
}

static void nic_parse(struct vs_vm *vm, const xmlNode *dev)
{
	struct vs_nic *n;
	const xmlNode *bk = vs_xml_child(dev, "backing");
	char btype[96];

	if (!vs_xml_child(dev, "addressType") && !vs_xml_child(dev, "macAddress"))
		return; /* not an ethernet card */
	/* Most VMs have one to three NICs: grow by two, not by vm_xgrow's eight. */
	if (vm->n_nics == vm->cap_nics) {
		vm->cap_nics += 2;
		vm->nics = vm_xrealloc(vm->nics, vm->cap_nics * sizeof(*n));
	}
	n = &vm->nics[vm->n_nics++];
	memset(n, 0, sizeof(*n));
	n->key = (int)vs_xml_long_get(vs_xml_child(dev, "key"), 0);
	{
		/* Only a NIC on a port group can be a trunk NIC vtrunk removes. */
		char bt[96];
		vs_xml_type_copy(vs_xml_child(dev, "backing"), bt, sizeof(bt));
		/* And a disconnected NIC, which vtrunk may send back as an edit to connect it. */
		if (strstr(bt, "DistributedVirtualPort") || !vs_xml_bool_get(vs_xml_path(dev, "connectable/startConnected"), 0)) {
			struct vm_buf x = {0};
			vs_xml_echo(&x, "device", dev, NULL, NULL, NULL);
			size_t len = x.len;
			/* Kept for every VM of the run: no slack. */
			n->xml = vm_xrealloc(vm_buf_steal(&x), len + 1);
		}
	}
	n->label = vs_xml_text_dup(vs_xml_path(dev, "deviceInfo/label"));
	vs_xml_type_copy(dev, btype, sizeof(btype));
	n->type = vm_xstrdup(btype);
	if (vs_xml_text_copy(vs_xml_child(dev, "macAddress"), n->mac, sizeof(n->mac)) < 0)
		n->mac[0] = '\0';
	n->pci_slot = (int)vs_xml_long_get(vs_xml_path(dev, "slotInfo/pciSlotNumber"), -1);
	n->connected = vs_xml_bool_get(vs_xml_path(dev, "connectable/connected"), 0);
	n->start_connected = vs_xml_bool_get(vs_xml_path(dev, "connectable/startConnected"), 0);
	n->allow_guest_control = vs_xml_bool_get(vs_xml_path(dev, "connectable/allowGuestControl"), 0);
	vs_xml_type_copy(bk, btype, sizeof(btype));
	if (strcmp(btype, "VirtualEthernetCardDistributedVirtualPortBackingInfo") == 0) {
		n->backing = VS_BACKING_DVPORT;
		n->portgroup_key = vs_xml_text_dup(vs_xml_path(bk, "port/portgroupKey"));
		n->switch_uuid = vs_xml_text_dup(vs_xml_path(bk, "port/switchUuid"));
	} else if (strcmp(btype, "VirtualEthernetCardNetworkBackingInfo") == 0) {
		n->backing = VS_BACKING_NETWORK;
		n->network_name = vs_name_unescape(vs_xml_text_dup(vs_xml_child(bk, "deviceName")));
		vs_xml_moref_get(vs_xml_child(bk, "network"), &n->network);
	} else if (strcmp(btype, "VirtualEthernetCardOpaqueNetworkBackingInfo") == 0) {
		n->backing = VS_BACKING_OPAQUE;
		n->opaque_id = vs_xml_text_dup(vs_xml_child(bk, "opaqueNetworkId"));
		n->opaque_type = vs_xml_text_dup(vs_xml_child(bk, "opaqueNetworkType"));
	} else {
		n->backing = VS_BACKING_OTHER;
	}
}

/* The property name of a propSet; "" when it has none (a broken answer names nothing). */
static char *prop_name(const xmlNode *ps)
{
	char *name = vs_xml_text_dup(vs_xml_child(ps, "name"));
	return name ? name : vm_xstrdup("");
}

enum obj_kind { K_OTHER, K_DC, K_FOLDER, K_SWITCH, K_NET, K_VM };

static enum obj_kind obj_kind_of(const char *t)
{
	if (strcmp(t, "Datacenter") == 0)
		return K_DC;
	if (strcmp(t, "Folder") == 0)
		return K_FOLDER;
	if (strstr(t, "DistributedVirtualSwitch"))
		return K_SWITCH;
	if (strcmp(t, "Network") == 0 || strcmp(t, "DistributedVirtualPortgroup") == 0 ||
	    strcmp(t, "OpaqueNetwork") == 0)
		return K_NET;
	if (strcmp(t, "VirtualMachine") == 0)
		return K_VM;
	return K_OTHER;
}

/* A list of Task references (recentTask) into *refs (once: a repeated list is ignored). */
static void tasks_parse(const xmlNode *val, struct vs_moref **refs, size_t *n)
{
	if (*refs)
		return;
	*refs = vm_xcalloc(1, sizeof(**refs));
	for (xmlNode *tk = vs_xml_child(val, NULL); tk; tk = vs_xml_next(tk, NULL)) {
		*refs = vm_xrealloc(*refs, (*n + 1) * sizeof(**refs));
		if (vs_xml_moref_get(tk, &(*refs)[*n]) == 0)
			(*n)++;
	}
}

static void vm_prop(struct vs_vm *vm, const char *name, const xmlNode *val)
{
	if (strcmp(name, "name") == 0) {
		vm->name = vs_name_unescape(vs_xml_text_dup(val));
	} else if (strcmp(name, "recentTask") == 0) {
		tasks_parse(val, &vm->recent, &vm->n_recent);
	} else if (strcmp(name, "config.uuid") == 0) {
		vs_xml_text_copy(val, vm->uuid, sizeof(vm->uuid));
	} else if (strcmp(name, "config.instanceUuid") == 0) {
		vs_xml_text_copy(val, vm->instance_uuid, sizeof(vm->instance_uuid));
	} else if (strcmp(name, "config.changeVersion") == 0) {
		vs_xml_text_copy(val, vm->change_version, sizeof(vm->change_version));
	} else if (strcmp(name, "runtime.host") == 0) {
		vs_xml_moref_get(val, &vm->host);
	} else if (strcmp(name, "runtime.powerState") == 0) {
		vs_xml_text_copy(val, vm->power_state, sizeof(vm->power_state));
	} else if (strcmp(name, "config.extraConfig") == 0 || strncmp(name, "config.extraConfig[", 19) == 0) {
		/* Only vtrunk's own keys are kept: a VM has dozens of others. A keyed path
		 * answers with the one OptionValue itself (no value: the key is not set). */
		int keyed = name[18] == '[';
		for (xmlNode *o = keyed ? (xmlNode *)val : vs_xml_child(val, NULL); o; o = keyed ? NULL : vs_xml_next(o, NULL)) {
			char *key = vs_xml_text_dup(vs_xml_child(o, "key"));
			if (!key || strncmp(key, VM_GI_PREFIX, strlen(VM_GI_PREFIX)) != 0) {
				free(key);
				continue;
			}
			vm->extra = vm_xrealloc(vm->extra, (vm->n_extra + 1) * sizeof(*vm->extra));
			vm->extra[vm->n_extra].key = key;
			vm->extra[vm->n_extra].value = vs_xml_text_dup(vs_xml_child(o, "value"));
			if (!vm->extra[vm->n_extra].value)
				vm->extra[vm->n_extra].value = vm_xstrdup("");
			vm->n_extra++;
		}
	} else if (strcmp(name, "guest.net") == 0) {
		vs_guestnet_parse(&vm->gnet, val);
	} else if (strcmp(name, "config.hardware.device") == 0 && !vm->have_devices) {
		/* Only the first list counts: a repeated one must not double the NICs. */
		vm->have_devices = 1;
		for (xmlNode *d = vs_xml_child(val, NULL); d; d = vs_xml_next(d, NULL))
			nic_parse(vm, d);
	}
}

/* One <objects> element: a new entry of its kind, then each property into it. Every
 * entry gets a name (its id when vCenter sent none) so nothing downstream sees NULL. */
static int object_parse(struct vs_inventory *inv, const xmlNode *obj, struct vm_err *err)
{
	struct vs_moref ref;
	struct vs_dc *dc = NULL;
	struct vs_switch *sw = NULL;
	struct vs_portgroup *pg = NULL;
	struct vs_vm *vm = NULL;
	enum obj_kind kind;
	size_t my_parent = (size_t)-1;
	char *folder_name = NULL;
	int rc = 0;

	if (vs_xml_moref_get(vs_xml_child(obj, "obj"), &ref) < 0)
		return vm_err_set(err, VM_ERR_PARSE, "RetrievePropertiesEx: an object without a readable reference");
	kind = obj_kind_of(ref.type);
	switch (kind) {
	case K_DC:
		inv->dcs = vm_xgrow(inv->dcs, &inv->cap_dcs, inv->n_dcs + 1, sizeof(*inv->dcs));
		dc = memset(&inv->dcs[inv->n_dcs++], 0, sizeof(*dc));
		dc->ref = ref;
		break;
	case K_SWITCH:
		inv->switches = vm_xgrow(inv->switches, &inv->cap_switches, inv->n_switches + 1, sizeof(*inv->switches));
		sw = memset(&inv->switches[inv->n_switches++], 0, sizeof(*sw));
		sw->ref = ref;
		sw->dc = -1;
		break;
	case K_NET:
		inv->pgs = vm_xgrow(inv->pgs, &inv->cap_pgs, inv->n_pgs + 1, sizeof(*inv->pgs));
		pg = memset(&inv->pgs[inv->n_pgs++], 0, sizeof(*pg));
		pg->ref = ref;
		pg->dc = pg->sw = -1;
		pg->auto_expand = -1;
		break;
	case K_VM:
		if (inv->merging) {
			/* The second, scoped read (vs_inventory_details_call): into the VM the first
			 * read found. What it brings replaces what a failed attempt may have left. */
			size_t pos = 0;
			long i = vs_inventory_vm_next(inv, &inv->by_moref, ref.value, &pos);
			if (i < 0)
				break;
			vm = &inv->vms[i];
			vs_inventory_vm_details_clear(vm);
			break;
		}
		inv->vms = vm_xgrow(inv->vms, &inv->cap_vms, inv->n_vms + 1, sizeof(*inv->vms));
		vm = memset(&inv->vms[inv->n_vms++], 0, sizeof(*vm));
		vm->ref = ref;
		vm->dc = -1;
		break;
	default:
		break;
	}
	for (xmlNode *ps = vs_xml_child(obj, "propSet"); ps && rc == 0; ps = vs_xml_next(ps, "propSet")) {
		char *name = prop_name(ps);
		const xmlNode *val = vs_xml_child(ps, "val");
		int is_name = strcmp(name, "name") == 0;

		if (strcmp(name, "parent") == 0 && kind != K_OTHER && !inv->merging) {
			size_t before = inv->n_parents;
			add_parent(inv, &ref, val);
			if (inv->n_parents > before)
				my_parent = before;
		} else if (kind == K_FOLDER && is_name && !folder_name)
			folder_name = vs_name_unescape(vs_xml_text_dup(val));
		else if (dc && is_name && !dc->name)
			dc->name = vs_name_unescape(vs_xml_text_dup(val));
		else if (sw && is_name && !sw->name)
			sw->name = vs_name_unescape(vs_xml_text_dup(val));
		else if (sw && strcmp(name, "uuid") == 0 && !sw->uuid)
			sw->uuid = vs_xml_text_dup(val);
		else if (sw && strcmp(name, "summary.productInfo.version") == 0)
			vs_xml_text_copy(val, sw->version, sizeof(sw->version));
		else if (sw && strcmp(name, "config.uplinkPortgroup") == 0 && !sw->uplinks)
			for (xmlNode *u = vs_xml_child(val, NULL); u; u = vs_xml_next(u, NULL)) {
				sw->uplinks = vm_xrealloc(sw->uplinks, (sw->n_uplinks + 1) * sizeof(*sw->uplinks));
				if (vs_xml_moref_get(u, &sw->uplinks[sw->n_uplinks]) == 0)
					sw->n_uplinks++;
			}
		else if (sw && strcmp(name, "summary.hostMember") == 0)
			vs_inv_refs_parse(val, &sw->hosts, &sw->n_hosts);
		else if (sw && strcmp(name, "recentTask") == 0)
			tasks_parse(val, &sw->recent, &sw->n_recent);
		else if (pg && is_name && !pg->name)
			pg->name = vs_name_unescape(vs_xml_text_dup(val));
		else if (pg && strcmp(name, "recentTask") == 0)
			tasks_parse(val, &pg->recent, &pg->n_recent);
		else if (pg && strcmp(name, "summary") == 0)
			vs_inv_opaque_parse(pg, val);
		else if (pg && strcmp(name, "config") == 0)
			rc = pg_config_parse(pg, val, err);
		else if (vm && !(is_name && vm->name))
			vm_prop(vm, name, val);
		free(name);
	}
	if (vm)
		for (xmlNode *ms = vs_xml_child(obj, "missingSet"); ms; ms = vs_xml_next(ms, "missingSet")) {
			char path[64] = "";
			vs_xml_text_copy(vs_xml_child(ms, "path"), path, sizeof(path));
			if (strncmp(path, "config.extraConfig[", 19) == 0) {
				/* The server would not read a keyed path (or not for this VM): the
				 * whole extraConfig is read instead (vs_inventory_retrieve_call). */
				inv->gi_missing++;
				break;
			}
		}
	if (dc && !dc->name)
		dc->name = vm_xstrdup(ref.value);
	if (sw && !sw->name)
		sw->name = vm_xstrdup(ref.value);
	if (sw && !sw->uuid)
		sw->uuid = vm_xstrdup("");
	if (pg && !pg->name)
		pg->name = vm_xstrdup(ref.value);
	if (vm && !vm->name)
		vm->name = vm_xstrdup(ref.value);
	if (folder_name && my_parent != (size_t)-1)
		inv->parents[my_parent].name = folder_name;
	else
		free(folder_name);
	return rc;
}

int vs_inventory_add_doc(struct vs_inventory *inv, xmlDoc *doc, const xmlNode *returnval,
			 struct vm_err *err)
{
	inv->docs = vm_xgrow(inv->docs, &inv->cap_docs, inv->n_docs + 1, sizeof(*inv->docs));
	inv->docs[inv->n_docs++] = doc;
	for (xmlNode *o = vs_xml_child(returnval, "objects"); o; o = vs_xml_next(o, "objects"))
		if (object_parse(inv, o, err) < 0)
			return -1;
	return 0;
}

/* The push reader: SAX2 builds the tree as usual, but each <objects> element is read
 * into structs and freed the moment it closes, so the tree never holds more than one
 * object. It is fed straight from the transport (no copy of the body is kept). */

/* One object of a streamed page is held whole while it is parsed: bounded like an answer
 * held whole, so a hostile or broken server cannot make one grow without end, while the
 * page itself may be as large as the read's budget. */
#define PUSH_OBJECT_MAX ((size_t)16 << 20)

static void push_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	xmlParserCtxtPtr c = ctx;
	struct vs_inv_push *ps = c->_private;
	xmlNode *n = c->node;
	/* Envelope, Body, …Response, returnval, objects: the object closes at depth 5. */
	int is_object = c->nodeNr == 5 && strcmp((const char *)localname, "objects") == 0;

	xmlSAX2EndElementNs(ctx, localname, prefix, uri);
	if (!is_object || !n)
		return;
	ps->objects++;
	ps->since = 0;
	if (ps->rc == 0 && ps->objects_max && ps->objects > ps->objects_max) {
		/* A server that ignores maxObjects sends the whole read in one page: the bound
		 * on objects (vs_page.h) applies within it, not only between pages. */
		ps->rc = vm_err_set(ps->err, VM_ERR_PARSE,
				    "vCenter sent more than %d objects in one read; stopped reading it "
				    "(vtrunk reads at most %d)", VS_PAGE_OBJECTS_MAX, VS_PAGE_OBJECTS_MAX);
		xmlStopParser(c);
	}
	if (ps->rc == 0 && object_parse(ps->inv, n, ps->err) < 0) {
		ps->rc = -1;
		xmlStopParser(c);
	}
	xmlUnlinkNode(n);
	xmlFreeNode(n);
	/* SAX2 appends new text to the parent's last text node using state it keeps about
	 * the last text it made (inside the object just freed): drop the whitespace before
	 * it too, so the next text starts a node of its own. */
	for (xmlNode *t = c->node ? c->node->last : NULL; t && t->type == XML_TEXT_NODE;) {
		xmlNode *prev = t->prev;
		xmlUnlinkNode(t);
		xmlFreeNode(t);
		t = prev;
	}
	c->nodemem = -1;
	c->nodelen = 0;
}

static void push_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	xmlParserCtxtPtr c = ctx;
	struct vs_inv_push *ps = c->_private;

	(void)name;
	(void)ext;
	(void)sys;
	ps->doctype = 1;
	xmlStopParser(c);
}

int vs_inv_push_write(const char *p, size_t n, void *arg)
{
	struct vs_inv_push *ps = arg;

	while (n > 0 && ps->rc == 0 && !ps->doctype && ps->ctxt->wellFormed) {
		int k = n > (1u << 20) ? 1 << 20 : (int)n;
		ps->since += (size_t)k;
		xmlParseChunk(ps->ctxt, p, k, 0);
		p += k;
		n -= (size_t)k;
		/* Counted per chunk: an object may pass the bound by up to one chunk. */
		if (ps->rc == 0 && ps->since > PUSH_OBJECT_MAX + (1u << 20)) {
			ps->rc = vm_err_set(ps->err, VM_ERR_PARSE,
					    "vCenter sent one inventory object larger than %zu MiB; stopped reading it",
					    PUSH_OBJECT_MAX >> 20);
		}
	}
	return ps->rc == 0 && !ps->doctype && ps->ctxt->wellFormed ? 0 : -1;
}

void vs_inv_push_start(struct vs_inv_push *ps, struct vs_inventory *inv, struct vm_err *err)
{
	xmlSAXHandler sax;

	memset(ps, 0, sizeof(*ps));
	memset(&sax, 0, sizeof(sax));
	xmlSAXVersion(&sax, 2);
	sax.endElementNs = push_end;
	sax.internalSubset = push_doctype;
	/* No entity is ever resolved: nothing to declare them in, nothing loaded. */
	sax.externalSubset = NULL;
	sax.resolveEntity = NULL;
	ps->inv = inv;
	ps->err = err;
	ps->ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
	if (ps->ctxt) {
		xmlCtxtUseOptions(ps->ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
		ps->ctxt->_private = ps;
	}
}

/* Releases a parser without judging what it read. */
void vs_inv_push_discard(struct vs_inv_push *ps)
{
	if (!ps->ctxt)
		return;
	if (ps->ctxt->myDoc)
		xmlFreeDoc(ps->ctxt->myDoc);
	xmlFreeParserCtxt(ps->ctxt);
	ps->ctxt = NULL;
}

/* Ends the parse and checks the envelope; *token gets returnval/token when there is one. */
int vs_inv_push_finish(struct vs_inv_push *ps, const char *method, long status, char **token)
{
	xmlParserCtxtPtr c = ps->ctxt;
	xmlNode *ret;
	int rc = -1;

	if (!c)
		return vm_err_set(ps->err, VM_ERR_PARSE, "%s: cannot start an XML parser", method);
	if (ps->rc == 0 && !ps->doctype && c->wellFormed)
		xmlParseChunk(c, NULL, 0, 1);
	if (ps->rc < 0) {
		rc = -1;
	} else if (ps->doctype) {
		vm_err_set(ps->err, VM_ERR_PARSE, "%s: the answer carries a DOCTYPE, which vCenter never sends; refused",
			   method);
	} else if (!c->wellFormed || !c->myDoc) {
		vs_xml_malformed_set(&c->lastError, method, ps->err);
	} else if (vs_soap_doc_check(c->myDoc, status, method, &ret, ps->err) == 0) {
		xmlNode *t = vs_xml_child(vs_xml_child(ret, "returnval"), "token");
		*token = t ? vs_xml_text_dup(t) : NULL;
		rc = 0;
	}
	if (c->myDoc)
		xmlFreeDoc(c->myDoc);
	xmlFreeParserCtxt(c);
	ps->ctxt = NULL;
	return rc;
}

int vs_inventory_parse_stream(struct vs_inventory *inv, const char *method, const struct vs_http_resp *resp,
			       char **token, struct vm_err *err)
{
	struct vs_inv_push ps;
	int rc;

	*token = NULL;
	if (resp->status != 200 || !strstr(resp->content_type, "xml") || resp->len == 0) {
		/* An error page or a fault: the one SOAP reader says which. */
		xmlDoc *doc = NULL;
		xmlNode *r = NULL;
		if (vs_soap_parse(resp, method, &doc, &r, err) == 0) {
			xmlFreeDoc(doc);
			return vm_err_set(err, VM_ERR_PARSE, "%s: the answer (%s) is not XML", method, resp->content_type);
		}
		return -1;
	}
	vs_inv_push_start(&ps, inv, err);
	/* Small pieces, as the network delivers them: every boundary must be fine. */
	for (size_t off = 0; ps.ctxt && off < resp->len; off += 4096) {
		size_t k = resp->len - off < 4096 ? resp->len - off : 4096;
		if (vs_inv_push_write(resp->body + off, k, &ps) < 0)
			break;
	}
	rc = vs_inv_push_finish(&ps, method, resp->status, token);
	if (rc < 0) {
		free(*token);
		*token = NULL;
	}
	return rc;
}
