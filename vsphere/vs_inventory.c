#include "vs_inventory.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "vm_guestinfo.h"
#include "vs_inventory_parse.h"
#include "vs_name.h"
#include "vs_page.h"

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
	struct vs_inv_push ps;
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
	vs_inv_push_discard(&pg->ps);
	vs_inv_push_start(&pg->ps, pg->inv, pg->err);
	pg->ps.objects_max = pg->objects_left;
}

static int page_write(const char *p, size_t n, void *arg)
{
	struct page *pg = arg;
	pg->bytes += n;
	return vs_inv_push_write(p, n, &pg->ps);
}

static int page_finish(void *arg, long status, struct vm_err *err)
{
	struct page *pg = arg;
	(void)err; /* vs_inv_push_start was given the same err */
	return vs_inv_push_finish(&pg->ps, pg->method, status, &pg->token);
}

static void page_abort(void *arg)
{
	struct page *pg = arg;
	vs_inv_push_discard(&pg->ps);
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
	vs_soap_view_objects(&b, &view);
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

/* Whether a read of the keyed extraConfig paths goes once more with the whole extraConfig
 * (streamed, and only vtrunk's keys kept), adding VS_INV_GI_WHOLE to *what: after a read
 * (inv, NULL when it failed) whose keyed paths came back in missingSet (Debian's vcsim), or
 * a server that refused the keyed path as a whole. */
static int gi_whole_again(unsigned *what, const struct vs_inventory *inv, const struct vm_err *err)
{
	if (!(*what & VS_INV_GUESTINFO) || (*what & VS_INV_GI_WHOLE))
		return 0;
	if (inv ? !inv->gi_missing
		: !err || (strcmp(err->fault, "InvalidProperty") != 0 && strcmp(err->fault, "InvalidArgument") != 0))
		return 0;
	*what |= VS_INV_GI_WHOLE;
	return 1;
}

int vs_inventory_retrieve_call(struct vs_session *s, unsigned what, struct vs_inventory **out,
			       struct vm_err *err)
{
	int relogged = 0, stop = vs_http_stop_get(s->http);

	for (int attempt = 0;; attempt++) {
		int epoch = s->epoch;
		int rc = retrieve_once(s, what, stop, NULL, 0, out, err);
		if (gi_whole_again(&what, rc == 0 ? *out : NULL, err)) {
			vs_inventory_free(out);
			attempt--;
			continue;
		}
		if (rc == 0)
			return 0;
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
		int rc = retrieve_once(s, what, stop, refs, n_refs, &inv, err);
		if (gi_whole_again(&what, rc == 0 ? inv : NULL, err)) {
			attempt--;
			continue;
		}
		if (rc == 0)
			return 0;
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
