#include "vs_inventory.h"

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
struct push {
	xmlParserCtxtPtr ctxt;
	struct vs_inventory *inv;
	struct vm_err *err;
	int rc;       /* -1 once object_parse failed (err set) */
	int doctype;  /* a DOCTYPE was seen: stopped */
	size_t objects; /* <objects> elements read */
	size_t since;   /* bytes fed since the last object closed */
	size_t objects_max; /* objects this page may still bring; 0: no bound */
};

/* One object of a streamed page is held whole while it is parsed: bounded like an answer
 * held whole, so a hostile or broken server cannot make one grow without end, while the
 * page itself may be as large as the read's budget. */
#define PUSH_OBJECT_MAX ((size_t)16 << 20)

static void push_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	xmlParserCtxtPtr c = ctx;
	struct push *ps = c->_private;
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
	struct push *ps = c->_private;

	(void)name;
	(void)ext;
	(void)sys;
	ps->doctype = 1;
	xmlStopParser(c);
}

static int push_write(const char *p, size_t n, void *arg)
{
	struct push *ps = arg;

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

static void push_start(struct push *ps, struct vs_inventory *inv, struct vm_err *err)
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
static void push_discard(struct push *ps)
{
	if (!ps->ctxt)
		return;
	if (ps->ctxt->myDoc)
		xmlFreeDoc(ps->ctxt->myDoc);
	xmlFreeParserCtxt(ps->ctxt);
	ps->ctxt = NULL;
}

/* Ends the parse and checks the envelope; *token gets returnval/token when there is one. */
static int push_finish(struct push *ps, const char *method, long status, char **token)
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
	struct push ps;
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
	push_start(&ps, inv, err);
	/* Small pieces, as the network delivers them: every boundary must be fine. */
	for (size_t off = 0; ps.ctxt && off < resp->len; off += 4096) {
		size_t k = resp->len - off < 4096 ? resp->len - off : 4096;
		if (push_write(resp->body + off, k, &ps) < 0)
			break;
	}
	rc = push_finish(&ps, method, resp->status, token);
	if (rc < 0) {
		free(*token);
		*token = NULL;
	}
	return rc;
}

static const struct vs_moref *parent_of(const struct vs_inventory *inv, const struct vs_moref *ref)
{
	return vs_inventory_parent_get(inv, ref, NULL);
}

const struct vs_moref *vs_inventory_parent_get(const struct vs_inventory *inv, const struct vs_moref *ref,
					       const char **folder_name)
{
	const struct vs_parent *p = vs_inventory_parent_entry(inv, ref);

	if (folder_name)
		*folder_name = p ? p->name : NULL;
	return p ? &p->parent : NULL;
}

static int dc_of(const struct vs_inventory *inv, const struct vs_moref *ref)
{
	const struct vs_moref *p = ref;

	for (int depth = 0; p && depth < 64; depth++) {
		if (strcmp(p->type, "Datacenter") == 0) {
			for (size_t i = 0; i < inv->n_dcs; i++)
				if (strcmp(inv->dcs[i].ref.value, p->value) == 0)
					return (int)i;
			return -1;
		}
		p = parent_of(inv, p);
	}
	return -1;
}

void vs_inventory_link(struct vs_inventory *inv)
{
	vs_inventory_index_build(inv);
	for (size_t i = 0; i < inv->n_switches; i++)
		inv->switches[i].dc = dc_of(inv, &inv->switches[i].ref);
	for (size_t i = 0; i < inv->n_pgs; i++) {
		struct vs_portgroup *pg = &inv->pgs[i];
		pg->dc = dc_of(inv, &pg->ref);
		for (size_t j = 0; pg->is_dvpg && j < inv->n_switches; j++)
			if (strcmp(inv->switches[j].ref.value, pg->sw_ref.value) == 0)
				pg->sw = (int)j;
		if (pg->sw >= 0 && !pg->uplink) {
			const struct vs_switch *sw = &inv->switches[pg->sw];
			for (size_t k = 0; k < sw->n_uplinks; k++)
				pg->uplink |= strcmp(sw->uplinks[k].value, pg->ref.value) == 0;
			/* Neither flag nor list (vcsim reports neither): vCenter's own name for the
			 * uplink port group it makes with every switch. */
			if (!sw->n_uplinks && strstr(pg->name, "-DVUplinks-"))
				pg->uplink = 1;
		}
	}
	for (size_t i = 0; i < inv->n_vms; i++)
		inv->vms[i].dc = dc_of(inv, &inv->vms[i].ref);
}

static void prop_spec(struct vm_buf *b, const char *type, const char *const *paths)
{
	vs_soap_open(b, "propSet", NULL);
	vs_soap_elem(b, "type", type);
	vs_soap_elem_bool(b, "all", 0);
	for (; *paths; paths++)
		vs_soap_elem(b, "pathSet", *paths);
	vs_soap_close(b, "propSet");
}

static int create_view(struct vs_session *s, unsigned what, struct vs_moref *view, struct vm_err *err)
{
	struct vm_buf b = {0};
	xmlDoc *doc = NULL;
	xmlNode *ret;
	int rc;

	vs_soap_begin(&b, "CreateContainerView", &s->view_manager);
	vs_soap_moref(&b, "container", &s->root_folder);
	if (what & VS_INV_NETWORK) {
		vs_soap_elem(&b, "type", "Datacenter");
		vs_soap_elem(&b, "type", "Folder");
		/* Matches a real vCenter's VmwareDistributedVirtualSwitch as well. */
		vs_soap_elem(&b, "type", "DistributedVirtualSwitch");
		/* Matches DistributedVirtualPortgroup too (a subtype). */
		vs_soap_elem(&b, "type", "Network");
	}
	if (what & VS_INV_VMS) {
		if (!(what & VS_INV_NETWORK)) {
			vs_soap_elem(&b, "type", "Datacenter");
			vs_soap_elem(&b, "type", "Folder");
		}
		vs_soap_elem(&b, "type", "VirtualMachine");
	}
	vs_soap_elem_bool(&b, "recursive", 1);
	vs_soap_end(&b, "CreateContainerView");
	rc = vs_session_call(s, "CreateContainerView", &b, &doc, &ret, err);
	vm_buf_reset(&b);
	if (rc < 0)
		return -1;
	rc = vs_xml_moref_get(vs_xml_child(ret, "returnval"), view);
	xmlFreeDoc(doc);
	if (rc < 0)
		return vm_err_set(err, VM_ERR_PARSE, "CreateContainerView: the answer names no view");
	return 0;
}

/* What a page may add: forgotten again when its attempt fails. */
struct counts {
	size_t dcs, switches, pgs, vms, parents;
};

static void counts_get(const struct vs_inventory *inv, struct counts *c)
{
	c->dcs = inv->n_dcs;
	c->switches = inv->n_switches;
	c->pgs = inv->n_pgs;
	c->vms = inv->n_vms;
	c->parents = inv->n_parents;
}

static void inv_trim(struct vs_inventory *inv, const struct counts *c);

/* One page of RetrievePropertiesEx, streamed into the inventory. */
struct page {
	struct vs_inventory *inv;
	struct push ps;
	struct counts saved;
	char *token;           /* owned until taken */
	size_t bytes;          /* of the answer, as streamed */
	const char *method;
	struct vm_err *err;
	size_t objects_left;   /* of VS_PAGE_OBJECTS_MAX, for this page */
};

static void page_begin(void *arg)
{
	struct page *pg = arg;

	inv_trim(pg->inv, &pg->saved);
	free(pg->token);
	pg->token = NULL;
	pg->bytes = 0;
	push_discard(&pg->ps);
	push_start(&pg->ps, pg->inv, pg->err);
	pg->ps.objects_max = pg->objects_left;
}

static int page_write(const char *p, size_t n, void *arg)
{
	struct page *pg = arg;
	pg->bytes += n;
	return push_write(p, n, &pg->ps);
}

static int page_finish(void *arg, long status, struct vm_err *err)
{
	struct page *pg = arg;
	(void)err; /* push_start was given the same err */
	return push_finish(&pg->ps, pg->method, status, &pg->token);
}

static void page_abort(void *arg)
{
	struct page *pg = arg;
	push_discard(&pg->ps);
	inv_trim(pg->inv, &pg->saved);
}

static int page_whole(void *arg, const struct vs_http_resp *resp, struct vm_err *err)
{
	struct page *pg = arg;
	return vs_inventory_parse_stream(pg->inv, pg->method, resp, &pg->token, err);
}

/* With refs (n_refs of them): only those VMs, by moref (no view, no traversal), only
 * their costly properties, merged into *out, which the caller keeps on failure. */
static int retrieve_once(struct vs_session *s, unsigned what, int stop, const struct vs_moref *refs,
			 size_t n_refs, struct vs_inventory **out, struct vm_err *err)
{
	static const char *const named[] = {"name", "parent", NULL};
	/* A folder's name: for agents named by inventory path (vs_vmref.c). */
	static const char *const parent[] = {"name", "parent", NULL};
	/* summary.hostMember: which switch the agent's host is on, for same-named port groups. */
	static const char *const dvs[] = {"name", "uuid", "parent", "summary.productInfo.version",
					  "config.uplinkPortgroup", "recentTask", "summary.hostMember", NULL};
	/* NSX-T: a NIC on it names the network by these (VirtualEthernetCardOpaqueNetworkBackingInfo). */
	static const char *const opaque[] = {"summary", NULL};
	static const char *const dvpg[] = {"config", "recentTask", NULL};
	/* recentTask and config.changeVersion: after an unclear answer, what is still
	 * running there, and whether the VM changed since it was read. */
	static const char *const vmp[] = {"name", "parent", "runtime.powerState", "runtime.host", "config.hardware.device",
					  "recentTask", "config.changeVersion", "config.uuid", "config.instanceUuid",
					  "guest.net", NULL};
	static const char *const vmp_gi[] = {"name", "parent", "runtime.powerState", "runtime.host", "config.hardware.device",
					     "recentTask", "config.changeVersion", "config.uuid",
					     "config.instanceUuid", "config.extraConfig", "guest.net", NULL};
	/* vtrunk's keys alone: other tools keep tens of KB in guestinfo (cloud-init). */
	static const char *const vmp_keyed[] = {"name", "parent", "runtime.powerState", "runtime.host", "config.hardware.device",
						"recentTask", "config.changeVersion", "config.uuid",
						"config.instanceUuid",
						"config.extraConfig[\"" VM_GI_NETPLAN "\"]",
						"config.extraConfig[\"" VM_GI_NETPLAN ".encoding\"]",
						"config.extraConfig[\"" VM_GI_DOCKER "\"]",
						"config.extraConfig[\"" VM_GI_DOCKER ".encoding\"]",
						"config.extraConfig[\"" VM_GI_SLOT "\"]", "guest.net", NULL};
	/* VS_INV_CHEAP: what matching agents needs (vs_vmref.c), for every VM. */
	static const char *const vmp_cheap[] = {"name", "parent", "runtime.powerState", "runtime.host", "config.uuid",
						"config.instanceUuid", NULL};
	/* The rest, for the agents' VMs only (VS_INV_GUESTINFO adds extraConfig). */
	static const char *const vmp_costly[] = {"config.hardware.device", "recentTask", "config.changeVersion",
						 "guest.net", NULL};
	static const char *const vmp_costly_gi[] = {"config.hardware.device", "recentTask", "config.changeVersion",
						    "config.extraConfig", "guest.net", NULL};
	static const char *const vmp_costly_keyed[] = {"config.hardware.device", "recentTask", "config.changeVersion",
						       "config.extraConfig[\"" VM_GI_NETPLAN "\"]",
						       "config.extraConfig[\"" VM_GI_NETPLAN ".encoding\"]",
						       "config.extraConfig[\"" VM_GI_DOCKER "\"]",
						       "config.extraConfig[\"" VM_GI_DOCKER ".encoding\"]",
						       "config.extraConfig[\"" VM_GI_SLOT "\"]", "guest.net", NULL};
	struct vs_inventory *inv = refs ? *out : vm_xcalloc(1, sizeof(*inv));
	struct vs_moref view;
	struct vm_buf b = {0};
	struct vs_page_count count;
	char *token = NULL;
	const char *method = "RetrievePropertiesEx";
	unsigned types = what & (VS_INV_NETWORK | VS_INV_VMS); /* what the view must cover */

	if (refs) {
		vs_soap_begin(&b, "RetrievePropertiesEx", &s->property_collector);
		vs_soap_open(&b, "specSet", NULL);
		prop_spec(&b, "VirtualMachine",
			  !(what & VS_INV_GUESTINFO) ? vmp_costly
			  : what & VS_INV_GI_WHOLE ? vmp_costly_gi : vmp_costly_keyed);
		for (size_t i = 0; i < n_refs; i++) {
			vs_soap_open(&b, "objectSet", NULL);
			vs_soap_moref(&b, "obj", &refs[i]);
			vs_soap_elem_bool(&b, "skip", 0);
			vs_soap_close(&b, "objectSet");
		}
		vs_soap_close(&b, "specSet");
		inv->merging = 1;
		inv->gi_missing = 0;
		goto options;
	}
	*out = NULL;
	if (s->view_what && !(types & ~s->view_what)) {
		/* A ContainerView follows the inventory as it changes: re-reading through
		 * the same one saves a round trip. */
		view = s->view;
	} else {
		if (create_view(s, types, &view, err) < 0)
			goto fail;
		s->view = view;
		s->view_what = types;
	}
	vs_soap_begin(&b, "RetrievePropertiesEx", &s->property_collector);
	vs_soap_open(&b, "specSet", NULL);
	prop_spec(&b, "Datacenter", named);
	prop_spec(&b, "Folder", parent);
	if (what & VS_INV_NETWORK) {
		prop_spec(&b, "DistributedVirtualSwitch", dvs);
		prop_spec(&b, "Network", named);
		prop_spec(&b, "DistributedVirtualPortgroup", dvpg);
		prop_spec(&b, "OpaqueNetwork", opaque);
	}
	if (what & VS_INV_VMS)
		prop_spec(&b, "VirtualMachine",
			  what & VS_INV_CHEAP ? vmp_cheap
			  : !(what & VS_INV_GUESTINFO) ? vmp : what & VS_INV_GI_WHOLE ? vmp_gi : vmp_keyed);
	vs_soap_open(&b, "objectSet", NULL);
	vs_soap_moref(&b, "obj", &view);
	vs_soap_elem_bool(&b, "skip", 1);
	vs_soap_open(&b, "selectSet", "TraversalSpec");
	vs_soap_elem(&b, "name", "view");
	vs_soap_elem(&b, "type", "ContainerView");
	vs_soap_elem(&b, "path", "view");
	vs_soap_elem_bool(&b, "skip", 0);
	vs_soap_close(&b, "selectSet");
	vs_soap_close(&b, "objectSet");
	vs_soap_close(&b, "specSet");
options:
	vs_soap_open(&b, "options", NULL);
	/* Pages of 500 objects keep each answer of a large vCenter to a few MiB, well
	 * under the transport's limit; the token brings the rest. */
	vs_soap_elem_long(&b, "maxObjects", VS_PAGE_OBJECTS);
	vs_soap_close(&b, "options");
	vs_soap_end(&b, "RetrievePropertiesEx");
	/* The view is left for logout to reap: destroying it would cost a round trip. */
	vs_page_begin(&count, stop);
	for (;;) {
		struct page pg = {inv, {0}, {0}, NULL, 0, method, err, 0};
		struct vs_stream st = {page_begin, page_write, page_finish, page_abort, page_whole, &pg, 0};
		int rc;

		/* A page is parsed one object at a time as it arrives, so its size is bounded by
		 * what the whole read may still bring, not by the transport's 16 MiB for answers
		 * held whole: a server that ignores maxObjects (vcsim) sends everything in one. */
		pg.objects_left = VS_PAGE_OBJECTS_MAX - (count.objects < VS_PAGE_OBJECTS_MAX ? count.objects : VS_PAGE_OBJECTS_MAX - 1);
		st.max = VS_PAGE_BYTES_MAX - (count.bytes < VS_PAGE_BYTES_MAX ? count.bytes : VS_PAGE_BYTES_MAX - 1);

		counts_get(inv, &pg.saved);
		rc = vs_session_call_stream(s, method, &b, &st, err);
		vm_buf_reset(&b);
		free(token);
		token = pg.token;
		if (rc < 0 || vs_page_next(&count, method, pg.ps.objects, pg.bytes, token && *token,
					   vs_http_stop_get(s->http), err) < 0)
			goto fail;
		if (!token || !*token)
			break;
		method = "ContinueRetrievePropertiesEx";
		vs_soap_begin(&b, method, &s->property_collector);
		vs_soap_elem(&b, "token", token);
		vs_soap_end(&b, method);
	}
	free(token);
	if (refs) {
		inv->merging = 0;
		return 0;
	}
	vs_inventory_link(inv);
	*out = inv;
	return 0;
fail:
	free(token);
	vm_buf_reset(&b);
	if (refs)
		inv->merging = 0;
	else
		vs_inventory_free(&inv);
	return -1;
}

int vs_inventory_retrieve_call(struct vs_session *s, unsigned what, struct vs_inventory **out,
			       struct vm_err *err)
{
	int relogged = 0, stop = vs_http_stop_get(s->http);

	for (int attempt = 0;; attempt++) {
		int epoch = s->epoch;
		if (retrieve_once(s, what, stop, NULL, 0, out, err) == 0) {
			if (!(*out)->gi_missing || (what & VS_INV_GI_WHOLE))
				return 0;
			/* Keyed paths not taken: once more, with the whole extraConfig (streamed,
			 * and only vtrunk's keys kept). */
			vs_inventory_free(out);
			what |= VS_INV_GI_WHOLE;
			attempt--;
			continue;
		}
		if ((what & VS_INV_GUESTINFO) && !(what & VS_INV_GI_WHOLE) && err &&
		    (strcmp(err->fault, "InvalidProperty") == 0 || strcmp(err->fault, "InvalidArgument") == 0)) {
			/* A server that refuses the keyed path as a whole. */
			what |= VS_INV_GI_WHOLE;
			attempt--;
			continue;
		}
		if (s->epoch != epoch && relogged) {
			/* Refused again right after a new login: this is not an expired session. */
			vm_err_set(err, VM_ERR_AUTH, "RetrievePropertiesEx: vCenter refused the session again right after a new login");
			if (err)
				snprintf(err->fault, sizeof(err->fault), "NotAuthenticated");
			return -1;
		}
		relogged |= s->epoch != epoch;
		/* A new login in the middle: the view and the paging token belonged to the
		 * old session. A view that vanished (some servers say so rather than
		 * NotAuthenticated when the session behind it expired): make a new one.
		 * Start over, once or twice. */
		if (attempt >= 2)
			return -1;
		if (s->epoch != epoch)
			continue;
		if (err && strcmp(err->fault, "ManagedObjectNotFound") == 0 && s->view_what) {
			s->view_what = 0;
			continue;
		}
		return -1;
	}
}

int vs_inventory_details_call(struct vs_session *s, unsigned what, struct vs_inventory *inv,
			      const struct vs_moref *refs, size_t n_refs, struct vm_err *err)
{
	int stop = vs_http_stop_get(s->http);

	for (int attempt = 0;; attempt++) {
		int epoch = s->epoch;
		if (retrieve_once(s, what, stop, refs, n_refs, &inv, err) == 0) {
			if (!inv->gi_missing || !(what & VS_INV_GUESTINFO) || (what & VS_INV_GI_WHOLE))
				return 0;
			/* Keyed paths not taken (Debian's vcsim): once more, the whole extraConfig. */
			what |= VS_INV_GI_WHOLE;
			attempt--;
			continue;
		}
		if ((what & VS_INV_GUESTINFO) && !(what & VS_INV_GI_WHOLE) && err &&
		    (strcmp(err->fault, "InvalidProperty") == 0 || strcmp(err->fault, "InvalidArgument") == 0)) {
			what |= VS_INV_GI_WHOLE;
			attempt--;
			continue;
		}
		/* A new login in the middle: morefs outlive sessions, so the same request again. */
		if (attempt >= 1 || s->epoch == epoch)
			return -1;
	}
}

void vs_inventory_vm_details_clear(struct vs_vm *vm)
{
	for (size_t j = 0; j < vm->n_nics; j++) {
		struct vs_nic *n = &vm->nics[j];
		free(n->label);
		free(n->type);
		free(n->portgroup_key);
		free(n->switch_uuid);
		free(n->network_name);
		free(n->opaque_id);
		free(n->opaque_type);
		free(n->xml);
	}
	free(vm->nics);
	vm->nics = NULL;
	vm->n_nics = vm->cap_nics = 0;
	vm->have_devices = 0;
	free(vm->recent);
	vm->recent = NULL;
	vm->n_recent = 0;
	for (size_t j = 0; j < vm->n_extra; j++) {
		free(vm->extra[j].key);
		free(vm->extra[j].value);
	}
	free(vm->extra);
	vm->extra = NULL;
	vm->n_extra = 0;
	vs_guestnet_clear(&vm->gnet);
	vm->change_version[0] = '\0';
}

static void inv_trim(struct vs_inventory *inv, const struct counts *c)
{
	while (inv->n_dcs > c->dcs)
		free(inv->dcs[--inv->n_dcs].name);
	while (inv->n_switches > c->switches) {
		struct vs_switch *sw = &inv->switches[--inv->n_switches];
		free(sw->name);
		free(sw->uuid);
		free(sw->uplinks);
		free(sw->recent);
		free(sw->hosts);
	}
	while (inv->n_pgs > c->pgs) {
		struct vs_portgroup *pg = &inv->pgs[--inv->n_pgs];
		free(pg->name);
		free(pg->key);
		free(pg->binding);
		free(pg->config_version);
		xmlFreeDoc(pg->config_doc);
		free(pg->recent);
		free(pg->opaque_id);
		free(pg->opaque_type);
		vm_vlan_set_clear(&pg->trunk);
	}
	while (inv->n_vms > c->vms) {
		struct vs_vm *vm = &inv->vms[--inv->n_vms];
		vs_inventory_vm_details_clear(vm);
		free(vm->name);
	}
	while (inv->n_parents > c->parents)
		free(inv->parents[--inv->n_parents].name);
}

int vs_inventory_networks_refresh_call(struct vs_session *s, struct vs_inventory *inv, struct vm_err *err)
{
	struct vs_inventory *net = NULL;
	struct counts keep;

	if (vs_inventory_retrieve_call(s, VS_INV_NETWORK, &net, err) < 0)
		return -1;
	/* Switches and port groups are replaced; datacenters and VMs stay. The new
	 * answer's folder tree is added to the old one (an entry found twice is the same
	 * parent either way), so linking finds every object's datacenter. */
	counts_get(inv, &keep);
	keep.switches = keep.pgs = 0;
	inv_trim(inv, &keep);
	free(inv->switches);
	free(inv->pgs);
	inv->switches = net->switches;
	inv->n_switches = net->n_switches;
	inv->cap_switches = net->cap_switches;
	inv->pgs = net->pgs;
	inv->n_pgs = net->n_pgs;
	inv->cap_pgs = net->cap_pgs;
	net->switches = NULL;
	net->pgs = NULL;
	net->n_switches = net->n_pgs = net->cap_switches = net->cap_pgs = 0;
	inv->parents = vm_xgrow(inv->parents, &inv->cap_parents, inv->n_parents + net->n_parents, sizeof(*inv->parents));
	memcpy(inv->parents + inv->n_parents, net->parents, net->n_parents * sizeof(*inv->parents));
	inv->n_parents += net->n_parents;
	net->n_parents = 0; /* their names are inv's now */
	vs_inventory_free(&net);
	vs_inventory_link(inv);
	return 0;
}

void vs_inventory_free(struct vs_inventory **ip)
{
	static const struct counts none;
	struct vs_inventory *inv;

	if (!ip || !*ip)
		return;
	inv = *ip;
	vs_inventory_index_free(inv);
	inv_trim(inv, &none);
	for (size_t i = 0; i < inv->n_docs; i++)
		xmlFreeDoc(inv->docs[i]);
	free(inv->dcs);
	free(inv->switches);
	free(inv->pgs);
	free(inv->vms);
	free(inv->parents);
	free(inv->docs);
	free(inv);
	*ip = NULL;
}

int vs_inventory_dc_find(const struct vs_inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->n_dcs; i++)
		if (strcmp(inv->dcs[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct vs_vm *vs_inventory_vm_get(const struct vs_inventory *inv, const char *name, int dc)
{
	size_t pos = 0;
	long first = -1;

	/* The first in inventory order, as a scan would find it. */
	for (long i; (i = vs_inventory_vm_next(inv, &inv->by_name, name, &pos)) >= 0;)
		if ((dc < 0 || inv->vms[i].dc == dc) && (first < 0 || i < first))
			first = i;
	return first >= 0 ? &inv->vms[first] : NULL;
}

const char *vs_vlan_kind_name(enum vs_vlan_kind k)
{
	switch (k) {
	case VS_VLAN_ID: return "vlan";
	case VS_VLAN_TRUNK: return "trunk";
	case VS_VLAN_PVLAN: return "pvlan";
	default: return "none";
	}
}
