/* cli_cmd_ls.c — `vtrunk ls [switches|portgroups|vms] [--tag TAG]`: inventory as a table
 * or JSON; with --tag, only the objects that carry that vCenter tag (read over REST). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_cmd.h"
#include "cli_conn.h"
#include "vs_inventory.h"
#include "vs_tag.h"
#include "vs_vmref.h"
#include "vm_text.h"

/* Whether an object is listed: always without --tag, else when it carries the tag. */
static int shown(const struct vs_tag_state *tag, const struct vs_moref *ref)
{
	return !tag || vs_tag_attached_get(tag, ref);
}

/* The objects `ls what` lists (owned; *n set): --tag asks which tags these carry. */
static struct vs_moref *listed(const struct vs_inventory *inv, const char *what, size_t *n)
{
	int sw = strcmp(what, "switches") == 0, vms = strcmp(what, "vms") == 0;
	size_t m = sw ? inv->n_switches : vms ? inv->n_vms : inv->n_pgs;
	struct vs_moref *refs = vm_xcalloc(m ? m : 1, sizeof(*refs));

	for (size_t i = 0; i < m; i++)
		refs[i] = sw ? inv->switches[i].ref : vms ? inv->vms[i].ref : inv->pgs[i].ref;
	*n = m;
	return refs;
}

static const char *dc_name(const struct vs_inventory *inv, int dc)
{
	return dc >= 0 ? inv->dcs[dc].name : "-";
}

static char *vlan_text(const struct vs_portgroup *pg)
{
	char *r;

	switch (pg->vlan_kind) {
	case VS_VLAN_TRUNK: {
		char *set = vm_vlan_set_format(&pg->trunk);
		r = vm_xasprintf("trunk %s", set);
		free(set);
		return r;
	}
	case VS_VLAN_ID: return vm_xasprintf("vlan %d", pg->vlan_id);
	case VS_VLAN_PVLAN: return vm_xasprintf("pvlan %d", pg->vlan_id);
	default: return vm_xstrdup(pg->is_dvpg ? "none" : "-");
	}
}

/* A row of the table: every cell comes from vCenter, so the whole line goes out through
 * vm_text_display(): a newline in a name cannot forge a row, nor a control reach the
 * terminal. */
static void row_print(struct vm_buf *row)
{
	char *t = vm_text_display(row->data);

	printf("%s\n", t);
	free(t);
	vm_buf_reset(row);
}

static void ls_switches(const struct vs_inventory *inv, const struct vs_tag_state *tag, cJSON *arr, int json)
{
	if (!json)
		printf("%-24s %-12s %-38s %s\n", "SWITCH", "DATACENTER", "UUID", "PORTGROUPS");
	for (size_t i = 0; i < inv->n_switches; i++) {
		const struct vs_switch *sw = &inv->switches[i];
		int n = 0;
		if (!shown(tag, &sw->ref))
			continue;
		for (size_t j = 0; j < inv->n_pgs; j++)
			n += inv->pgs[j].sw == (int)i;
		if (json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", sw->name);
			cJSON_AddStringToObject(o, "datacenter", dc_name(inv, sw->dc));
			cJSON_AddStringToObject(o, "uuid", sw->uuid);
			cJSON_AddStringToObject(o, "ref", sw->ref.value);
			cJSON_AddStringToObject(o, "version", sw->version);
			cJSON_AddNumberToObject(o, "portgroups", n);
			cJSON_AddItemToArray(arr, o);
		} else {
			struct vm_buf row = {0};
			vm_buf_addf(&row, "%-24s %-12s %-38s %d", sw->name, dc_name(inv, sw->dc), sw->uuid, n);
			row_print(&row);
		}
	}
}

static void ls_portgroups(const struct vs_inventory *inv, const struct vs_tag_state *tag, cJSON *arr, int json)
{
	if (!json)
		printf("%-28s %-12s %-12s %-20s %-24s %-13s %s\n", "PORTGROUP", "DATACENTER", "SWITCH", "KEY",
		       "VLAN", "BINDING", "PORTS");
	for (size_t i = 0; i < inv->n_pgs; i++) {
		const struct vs_portgroup *pg = &inv->pgs[i];
		const char *sw = pg->sw >= 0 ? inv->switches[pg->sw].name : "-";
		char *vlan;
		if (!shown(tag, &pg->ref))
			continue;
		vlan = vlan_text(pg);
		if (json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", pg->name);
			cJSON_AddStringToObject(o, "datacenter", dc_name(inv, pg->dc));
			cJSON_AddStringToObject(o, "type", pg->is_dvpg ? "distributed" : "standard");
			if (pg->is_dvpg) {
				cJSON_AddStringToObject(o, "switch", sw);
				cJSON_AddStringToObject(o, "key", pg->key ? pg->key : "");
				cJSON_AddStringToObject(o, "vlan_type", vs_vlan_kind_name(pg->vlan_kind));
				if (pg->vlan_kind == VS_VLAN_TRUNK) {
					char *set = vm_vlan_set_format(&pg->trunk);
					cJSON_AddStringToObject(o, "vlans", set);
					free(set);
				} else if (pg->vlan_kind != VS_VLAN_NONE) {
					cJSON_AddNumberToObject(o, "vlan_id", pg->vlan_id);
				}
				cJSON_AddStringToObject(o, "binding", pg->binding ? pg->binding : "");
				cJSON_AddNumberToObject(o, "ports", (double)pg->num_ports);
				cJSON_AddBoolToObject(o, "uplink", pg->uplink);
			}
			cJSON_AddItemToArray(arr, o);
		} else {
			struct vm_buf row = {0};
			vm_buf_addf(&row, "%-28s %-12s %-12s %-20s %-24s %-13s %ld", pg->name, dc_name(inv, pg->dc),
				    sw, pg->key ? pg->key : "-", vlan, pg->binding ? pg->binding : "-", pg->num_ports);
			row_print(&row);
		}
		free(vlan);
	}
}

static const char *nic_network(const struct vs_inventory *inv, const struct vs_nic *n)
{
	if (n->backing == VS_BACKING_NETWORK)
		return n->network_name ? n->network_name : n->network.value;
	if (n->backing == VS_BACKING_DVPORT)
		for (size_t i = 0; i < inv->n_pgs; i++)
			if (inv->pgs[i].key && n->portgroup_key && strcmp(inv->pgs[i].key, n->portgroup_key) == 0)
				return inv->pgs[i].name;
	return n->portgroup_key ? n->portgroup_key : "-";
}

/* A table cell: s as vm_text_display() shows it, padded with spaces to width characters
 * (printf pads bytes, and a UTF-8 name has more bytes than characters). */
static void cell_add(struct vm_buf *row, const char *s, size_t width)
{
	char *shown = vm_text_display(s);
	size_t n = vm_text_chars(shown);

	vm_buf_adds(row, shown);
	for (; n < width; n++)
		vm_buf_adds(row, " ");
	free(shown);
}

static void ls_vms(const struct vs_inventory *inv, const struct vs_tag_state *tag, cJSON *arr, int json)
{
	size_t vm_width = 2; /* the VM column: as wide as the longest name shown, or "VM" */

	for (size_t i = 0; i < inv->n_vms; i++)
		if (shown(tag, &inv->vms[i].ref)) {
			char *d = vm_text_display(inv->vms[i].name);
			size_t n = vm_text_chars(d);
			vm_width = n > vm_width ? n : vm_width;
			free(d);
		}
	if (!json) {
		struct vm_buf row = {0};
		cell_add(&row, "VM", vm_width);
		vm_buf_addf(&row, " %-12s %-11s %s", "DATACENTER", "POWER", "NICS (key type mac network)");
		row_print(&row);
	}
	for (size_t i = 0; i < inv->n_vms; i++) {
		const struct vs_vm *vm = &inv->vms[i];
		struct vm_buf row = {0};
		cJSON *o = NULL, *nics = NULL;
		char *path;
		if (!shown(tag, &vm->ref))
			continue;
		if (json) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", vm->name);
			cJSON_AddStringToObject(o, "datacenter", dc_name(inv, vm->dc));
			cJSON_AddStringToObject(o, "power", vm->power_state);
			/* What a plan's agent may name it by when the name is not unique. */
			path = vs_vmref_path_get(inv, vm);
			cJSON_AddStringToObject(o, "path", path);
			free(path);
			cJSON_AddStringToObject(o, "moref", vm->ref.value);
			cJSON_AddStringToObject(o, "uuid", vm->uuid);
			cJSON_AddStringToObject(o, "instance_uuid", vm->instance_uuid);
			nics = cJSON_AddArrayToObject(o, "nics");
			cJSON_AddItemToArray(arr, o);
		} else {
			cell_add(&row, vm->name, vm_width);
			vm_buf_addf(&row, " %-12s %-11s", dc_name(inv, vm->dc), vm->power_state);
		}
		for (size_t j = 0; j < vm->n_nics; j++) {
			const struct vs_nic *n = &vm->nics[j];
			if (json) {
				cJSON *x = cJSON_CreateObject();
				cJSON_AddNumberToObject(x, "key", n->key);
				cJSON_AddStringToObject(x, "label", n->label ? n->label : "");
				cJSON_AddStringToObject(x, "type", n->type);
				cJSON_AddStringToObject(x, "mac", n->mac);
				cJSON_AddStringToObject(x, "network", nic_network(inv, n));
				if (n->portgroup_key)
					cJSON_AddStringToObject(x, "portgroup_key", n->portgroup_key);
				cJSON_AddBoolToObject(x, "connected", n->connected);
				cJSON_AddItemToArray(nics, x);
			} else {
				vm_buf_addf(&row, "%s%d %s %s %s", j ? "; " : " ", n->key, n->type,
					    n->mac[0] ? n->mac : "-", nic_network(inv, n));
			}
		}
		if (!json)
			row_print(&row);
	}
}

int cli_cmd_ls(struct cli_ctx *ctx)
{
	const char *what = ctx->n_args ? ctx->args[0] : "portgroups";
	struct vs_session *s = NULL;
	struct vs_inventory *inv = NULL;
	struct vs_rest *rest = NULL;
	struct vs_tag_state tag = {0};
	struct vm_err err;
	cJSON *arr = NULL;
	int rc;

	vm_err_clear(&err);
	if (strcmp(what, "switches") && strcmp(what, "portgroups") && strcmp(what, "vms")) {
		/* cli_fail shows it escaped. */
		vm_err_set(&err, VM_ERR_USAGE, "ls: \"%.64s\" is not one of switches, portgroups, vms", what);
		return cli_fail_doc(ctx, &err);
	}
	s = cli_conn_open(ctx, 1, &err);
	if (!s)
		return cli_fail_doc(ctx, &err);
	if (vs_inventory_retrieve_call(s, strcmp(what, "vms") == 0 ? VS_INV_NETWORK | VS_INV_VMS : VS_INV_NETWORK,
				       &inv, &err) < 0) {
		rc = cli_fail_doc(ctx, &err);
		goto cleanup;
	}
	if (ctx->tag) {
		size_t n;
		struct vs_moref *refs = listed(inv, what, &n);
		int trc = vs_rest_login_call(s, &rest, &err);
		if (trc == 0)
			vs_rest_parallel_set(rest, ctx->parallel);
		if (trc == 0)
			trc = vs_tag_find_call(rest, ctx->tag, refs, n, &tag, &err);
		free(refs);
		if (trc < 0) {
			rc = cli_fail_doc(ctx, &err);
			goto cleanup;
		}
	}
	vs_rest_free(&rest);
	arr = cJSON_CreateArray();
	if (strcmp(what, "switches") == 0)
		ls_switches(inv, ctx->tag ? &tag : NULL, arr, ctx->json);
	else if (strcmp(what, "portgroups") == 0)
		ls_portgroups(inv, ctx->tag ? &tag : NULL, arr, ctx->json);
	else
		ls_vms(inv, ctx->tag ? &tag : NULL, arr, ctx->json);
	if (ctx->json) {
		cJSON *root = cJSON_CreateObject();
		cJSON_AddItemToObject(root, what, arr);
		arr = NULL;
		cli_json_print(root);
		cJSON_Delete(root);
	}
	rc = CLI_EXIT_OK;
cleanup:
	vs_rest_free(&rest);
	vs_tag_state_clear(&tag);
	cJSON_Delete(arr);
	vs_inventory_free(&inv);
	vs_session_free(&s);
	return rc;
}
