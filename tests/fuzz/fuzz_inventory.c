/* fuzz_inventory.c — libFuzzer target for the property collector reader: a
 * RetrievePropertiesEx / ContinueRetrievePropertiesEx answer through both readers, the
 * stream one (vs_inventory_parse_stream: SAX2 push parser that frees each <objects> as
 * it closes) and the tree one (vs_soap_parse + vs_inventory_add_doc), then
 * vs_inventory_link, the lookups, and vs_inventory_free.
 *
 * When both readers accept the answer and see the same <objects> (every one of them is
 * a child of the first returnval), they must build the same inventory; a difference
 * aborts.
 *
 * Input: a selector byte (see fuzz_common.h) and the HTTP body; bit 7 of the selector
 * feeds the answer twice into the same inventory (a second page). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "vs_inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_XML_INITIALIZE

static int str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Reads what the rest of vtrunk reads, so ASan sees every string and array. */
static void inventory_use(const struct vs_inventory *inv)
{
	for (size_t i = 0; i < inv->n_dcs; i++) {
		FUZZ_CHECK(inv->dcs[i].name, "datacenter %zu has no name", i);
		FUZZ_CHECK(vs_inventory_dc_find(inv, inv->dcs[i].name) >= 0, "datacenter %zu not found by name", i);
	}
	for (size_t i = 0; i < inv->n_switches; i++) {
		const struct vs_switch *sw = &inv->switches[i];
		FUZZ_CHECK(sw->name && sw->uuid, "switch %zu lacks name or uuid", i);
		FUZZ_CHECK(sw->dc >= -1 && sw->dc < (int)inv->n_dcs, "switch %zu: dc index %d", i, sw->dc);
	}
	for (size_t i = 0; i < inv->n_pgs; i++) {
		const struct vs_portgroup *pg = &inv->pgs[i];
		char *t;
		FUZZ_CHECK(pg->name, "port group %zu has no name", i);
		FUZZ_CHECK(pg->dc >= -1 && pg->dc < (int)inv->n_dcs, "port group %zu: dc index %d", i, pg->dc);
		FUZZ_CHECK(pg->sw >= -1 && pg->sw < (int)inv->n_switches, "port group %zu: switch index %d", i, pg->sw);
		(void)vs_vlan_kind_name(pg->vlan_kind);
		for (size_t k = 0; k < pg->trunk.n; k++) {
			FUZZ_CHECK(pg->trunk.r[k].lo >= 0 && pg->trunk.r[k].lo <= pg->trunk.r[k].hi &&
					   pg->trunk.r[k].hi <= VM_VLAN_MAX,
				   "port group %zu: trunk range %d-%d", i, pg->trunk.r[k].lo, pg->trunk.r[k].hi);
			FUZZ_CHECK(k == 0 || pg->trunk.r[k - 1].hi + 1 < pg->trunk.r[k].lo,
				   "port group %zu: trunk ranges not sorted and merged", i);
		}
		t = vm_vlan_set_format(&pg->trunk);
		free(t);
		if (pg->key)
			(void)strlen(pg->key);
		if (pg->binding)
			(void)strlen(pg->binding);
		if (pg->config_version)
			(void)strlen(pg->config_version);
		if (pg->config)
			FUZZ_CHECK(pg->config_doc && xmlDocGetRootElement(pg->config_doc) == pg->config,
				   "port group %zu: config is not the root of config_doc", i);
	}
	for (size_t i = 0; i < inv->n_vms; i++) {
		const struct vs_vm *vm = &inv->vms[i];
		FUZZ_CHECK(vm->name, "VM %zu has no name", i);
		FUZZ_CHECK(vs_inventory_vm_get(inv, vm->name, vm->dc) != NULL, "VM %zu not found by name", i);
		FUZZ_CHECK(memchr(vm->power_state, 0, sizeof(vm->power_state)), "VM %zu: power state unterminated", i);
		for (size_t k = 0; k < vm->n_nics; k++) {
			const struct vs_nic *n = &vm->nics[k];
			FUZZ_CHECK(n->type && memchr(n->mac, 0, sizeof(n->mac)), "VM %zu NIC %zu", i, k);
			if (n->label)
				(void)strlen(n->label);
			if (n->portgroup_key)
				(void)strlen(n->portgroup_key);
			if (n->switch_uuid)
				(void)strlen(n->switch_uuid);
			if (n->network_name)
				(void)strlen(n->network_name);
			if (n->xml)
				(void)strlen(n->xml);
		}
	}
}

static void inventory_same(const struct vs_inventory *a, const struct vs_inventory *b)
{
	FUZZ_CHECK(a->n_dcs == b->n_dcs && a->n_switches == b->n_switches && a->n_pgs == b->n_pgs &&
			   a->n_vms == b->n_vms && a->n_parents == b->n_parents,
		   "stream and tree readers disagree: dcs %zu/%zu switches %zu/%zu pgs %zu/%zu vms %zu/%zu parents %zu/%zu",
		   a->n_dcs, b->n_dcs, a->n_switches, b->n_switches, a->n_pgs, b->n_pgs, a->n_vms, b->n_vms,
		   a->n_parents, b->n_parents);
	for (size_t i = 0; i < a->n_dcs; i++)
		FUZZ_CHECK(str_eq(a->dcs[i].name, b->dcs[i].name) && strcmp(a->dcs[i].ref.value, b->dcs[i].ref.value) == 0,
			   "datacenter %zu differs: \"%s\" / \"%s\"", i, a->dcs[i].name, b->dcs[i].name);
	for (size_t i = 0; i < a->n_switches; i++)
		FUZZ_CHECK(str_eq(a->switches[i].name, b->switches[i].name) &&
				   str_eq(a->switches[i].uuid, b->switches[i].uuid) && a->switches[i].dc == b->switches[i].dc,
			   "switch %zu differs", i);
	for (size_t i = 0; i < a->n_pgs; i++) {
		const struct vs_portgroup *p = &a->pgs[i], *q = &b->pgs[i];
		FUZZ_CHECK(str_eq(p->name, q->name) && str_eq(p->key, q->key) && str_eq(p->binding, q->binding) &&
				   str_eq(p->config_version, q->config_version) && p->vlan_kind == q->vlan_kind &&
				   p->vlan_id == q->vlan_id && vm_vlan_set_equal(&p->trunk, &q->trunk) &&
				   p->num_ports == q->num_ports && p->auto_expand == q->auto_expand && p->dc == q->dc &&
				   p->sw == q->sw && p->is_dvpg == q->is_dvpg,
			   "port group %zu differs: \"%s\" / \"%s\"", i, p->name, q->name);
	}
	for (size_t i = 0; i < a->n_vms; i++) {
		const struct vs_vm *v = &a->vms[i], *w = &b->vms[i];
		FUZZ_CHECK(str_eq(v->name, w->name) && v->n_nics == w->n_nics && v->dc == w->dc &&
				   strcmp(v->power_state, w->power_state) == 0,
			   "VM %zu differs: \"%s\" / \"%s\"", i, v->name, w->name);
		for (size_t k = 0; k < v->n_nics; k++) {
			const struct vs_nic *m = &v->nics[k], *n = &w->nics[k];
			FUZZ_CHECK(m->key == n->key && strcmp(m->mac, n->mac) == 0 && m->backing == n->backing &&
					   str_eq(m->portgroup_key, n->portgroup_key) && str_eq(m->label, n->label) &&
					   str_eq(m->xml, n->xml) && m->pci_slot == n->pci_slot,
				   "VM %zu NIC %zu differs", i, k);
		}
	}
}

/* <objects> elements at the depth the stream reader takes them (Envelope/Body/x/y/objects). */
static size_t objects_at_depth5(const xmlNode *n, int depth)
{
	size_t c = 0;

	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (depth == 5)
			c += strcmp((const char *)n->name, "objects") == 0;
		else
			c += objects_at_depth5(n->children, depth + 1);
	}
	return c;
}

static size_t children_named(const xmlNode *n, const char *name)
{
	size_t c = 0;

	for (const xmlNode *o = vs_xml_child(n, name); o; o = vs_xml_next(o, name))
		c++;
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vs_inventory *st, *tr;
	struct vs_http_resp r;
	struct vm_err err;
	char *token = NULL, *token2 = NULL;
	int st_rc, tr_rc = -1, comparable = 0, pages;
	uint8_t sel;
	const char *method;

	if (size < 1)
		return 0;
	sel = data[0];
	/* Only the two inventory methods: the others are fuzz_soap's. */
	method = (sel & 1) ? "ContinueRetrievePropertiesEx" : "RetrievePropertiesEx";
	pages = FUZZ_SEL_EXTRA(sel) ? 2 : 1;
	fuzz_resp_make(&r, sel, data + 1, size - 1);

	/* The stream reader. */
	st = vm_xcalloc(1, sizeof(*st));
	st_rc = 0;
	for (int p = 0; p < pages && st_rc == 0; p++) {
		vm_err_clear(&err);
		free(token);
		token = NULL;
		st_rc = vs_inventory_parse_stream(st, method, &r, &token, &err);
		if (st_rc < 0) {
			FUZZ_CHECK(token == NULL, "parse_stream failed but handed out a token");
			fuzz_err_check(&err, "vs_inventory_parse_stream");
		} else if (token) {
			(void)strlen(token);
		}
	}
	vs_inventory_link(st);
	inventory_use(st);

	/* The tree reader. */
	tr = vm_xcalloc(1, sizeof(*tr));
	for (int p = 0; p < pages; p++) {
		xmlDoc *doc = NULL;
		xmlNode *ret = NULL, *rv;

		vm_err_clear(&err);
		tr_rc = vs_soap_parse(&r, method, &doc, &ret, &err);
		if (tr_rc < 0) {
			fuzz_err_check(&err, "vs_soap_parse");
			break;
		}
		rv = vs_xml_child(ret, "returnval");
		comparable = children_named(ret, "returnval") <= 1 &&
			     objects_at_depth5(xmlDocGetRootElement(doc), 1) == children_named(rv, "objects");
		free(token2);
		token2 = vs_xml_text_dup(vs_xml_child(rv, "token"));
		tr_rc = vs_inventory_add_doc(tr, doc, rv, &err); /* owns doc from here */
		if (tr_rc < 0) {
			fuzz_err_check(&err, "vs_inventory_add_doc");
			break;
		}
	}
	vs_inventory_link(tr);
	inventory_use(tr);

	/* The stream reader streams only 200 xml answers; the tree reader takes any 200. */
	if (st_rc == 0 && tr_rc == 0 && comparable) {
		inventory_same(st, tr);
		FUZZ_CHECK(str_eq(token, token2), "tokens differ: \"%s\" / \"%s\"", token ? token : "(null)",
			   token2 ? token2 : "(null)");
	}

	free(token);
	free(token2);
	vs_inventory_free(&st);
	vs_inventory_free(&tr);
	FUZZ_CHECK(st == NULL && tr == NULL, "vs_inventory_free did not clear the pointer");
	vs_inventory_free(&st); /* NULL accepted */
	fuzz_resp_clear(&r);
	return 0;
}
