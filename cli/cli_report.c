/* cli_report.c — the report of a plan/apply/status/destroy run: the port group line, the
 * agents' table (or their JSON), the tag line, and the closing counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_sync.h"
#include "vm_alloc.h"
#include "vm_guest.h"
#include "vm_text.h"

/* The report's text (without --json): -q leaves only the closing line on stdout; the
 * errors reach stderr whatever the mode. */
static int text(const struct cli_sync *r)
{
	return !r->ctx->json && !r->ctx->quiet;
}

const char *cli_report_pg_word(enum cli_mode m, enum vs_pg_action a)
{
	if (a == VS_PG_UNCHANGED)
		return m == M_STATUS ? "in-sync" : "unchanged";
	if (m == M_APPLY)
		return a == VS_PG_CREATE ? "created" : "updated";
	if (m == M_STATUS)
		return a == VS_PG_CREATE ? "missing" : "drift";
	return a == VS_PG_CREATE ? "create" : "update";
}

void cli_report_pg(struct cli_sync *r, const char *action, const struct vs_portgroup *pg)
{
	const struct vm_plan *p = r->plan;
	char *want = vm_vlan_set_format(&p->trunk.vlans);
	char *have = pg && pg->vlan_kind == VS_VLAN_TRUNK ? vm_vlan_set_format(&pg->trunk) : NULL;
	cJSON *o = cJSON_AddObjectToObject(r->report, "portgroup");

	cJSON_AddStringToObject(o, "name", p->trunk.portgroup);
	if (pg && pg->key)
		cJSON_AddStringToObject(o, "key", pg->key);
	else
		cJSON_AddNullToObject(o, "key");
	cJSON_AddStringToObject(o, "action", action);
	cJSON_AddStringToObject(o, "switch", r->sw_name);
	cJSON_AddStringToObject(o, "datacenter", r->dc_name);
	cJSON_AddStringToObject(o, "vlans", want);
	if (have)
		cJSON_AddStringToObject(o, "current_vlans", have);
	if (*r->diff.note)
		cJSON_AddStringToObject(o, "note", r->diff.note);
	cJSON_AddStringToObject(o, "container_driver", p->trunk.driver == VM_DRIVER_MACVLAN ? "macvlan" : "ipvlan");
	cJSON_AddStringToObject(o, "policy", vs_pg_policy_wanted(p));
	if (pg) {
		cJSON *sec = cJSON_AddObjectToObject(o, "current_policy");
		cJSON_AddStringToObject(sec, "mode", vs_pg_policy_current(pg));
		if (pg->promiscuous >= 0)
			cJSON_AddBoolToObject(sec, "allow_promiscuous", pg->promiscuous);
		if (pg->forged_transmits >= 0)
			cJSON_AddBoolToObject(sec, "forged_transmits", pg->forged_transmits);
		if (pg->mac_changes >= 0)
			cJSON_AddBoolToObject(sec, "mac_changes", pg->mac_changes);
		if (pg->mac_learning >= 0)
			cJSON_AddBoolToObject(sec, "mac_learning", pg->mac_learning);
		cJSON_AddStringToObject(sec, "source", pg->mac_mgmt ? "macManagementPolicy" : "securityPolicy");
		cJSON_AddBoolToObject(sec, "split", pg->policy_split);
	}
	if (text(r)) {
		printf("port group \"%s\" on %s (%s): %s", p->trunk.portgroup, r->sw_name,
		       r->dc_name, action);
		if (pg && pg->key)
			printf(" [%s]", pg->key);
		if (r->mode == M_DESTROY)
			printf("\n");
		else if (have && strcmp(have, want) != 0)
			printf(", VLANs %s -> %s\n", have, want);
		else
			printf(", VLANs %s\n", want);
		if (r->plan->trunk.driver == VM_DRIVER_MACVLAN) {
			const char *cur = vs_pg_policy_current(pg), *wanted = vs_pg_policy_wanted(r->plan);
			if (pg && strcmp(cur, wanted) != 0 && r->mode != M_DESTROY)
				printf("  macvlan policy: %s -> %s\n", cur, wanted);
			else
				printf("  macvlan policy: %s\n", wanted);
			if (pg && pg->policy_split && r->mode != M_DESTROY)
				printf("  macvlan policy: securityPolicy disagrees with macManagementPolicy "
				       "(the switch applies the latter); both will be set to %s\n", wanted);
		}
		if (*r->diff.note)
			printf("  note: %s\n", r->diff.note);
	}
	free(want);
	free(have);
}

static cJSON *nic_json(const struct vs_nic *n)
{
	cJSON *o;

	if (!n)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "mac", n->mac);
	cJSON_AddNumberToObject(o, "key", n->key);
	cJSON_AddStringToObject(o, "label", n->label ? n->label : "");
	cJSON_AddStringToObject(o, "type", n->type);
	if (n->pci_slot >= 0)
		cJSON_AddNumberToObject(o, "pci_slot", n->pci_slot);
	return o;
}

int cli_report_tag_missing(const struct cli_sync *r, const struct cli_agent *a)
{
	return r->plan->tags.category && a->vm && !a->tag_had;
}

/* The guest names of one NIC against the plan's: a warning when its PCI slot names it
 * otherwise, a note when it has no slot yet (the files then use a plan name and bind
 * it by MAC). Both into o's "ifname_warnings"/"ifname_notes" and into w/n. */
static void ifname_check(const char *what, const struct vs_nic *nic, const char *name, int slot,
			 const char *planned, cJSON *warns, cJSON *notes, struct vm_buf *w,
			 struct vm_buf *n)
{
	char *msg;

	if (!nic)
		return;
	if (slot && strcmp(name, planned) != 0) {
		msg = vm_xasprintf("the %s NIC is at PCI slot %d, so the guest names it %s, not the plan's %s: "
				   "its files use %s (set guest.%s_ifname to agree)",
				   what, slot, name, planned, name, strcmp(what, "trunk") == 0 ? "trunk" : "mgmt");
		cJSON_AddItemToArray(warns, cJSON_CreateString(msg));
		vm_buf_addf(w, "%s%s", w->len ? "; " : "", msg);
		free(msg);
	} else if (!slot) {
		msg = vm_xasprintf("the %s NIC has no PCI slot yet (added while the VM ran: ESXi numbers it at the "
				   "next power-on): its files call it %s and bind it by MAC %s",
				   what, name, nic->mac[0] ? nic->mac : "(unknown)");
		cJSON_AddItemToArray(notes, cJSON_CreateString(msg));
		vm_buf_addf(n, "%s%s", n->len ? "; " : "", msg);
		free(msg);
	}
}

/* The names agent a's guest files use, into o; the disagreements with the plan on
 * stderr for plan and status (apply, which already wrote the files, puts them in its
 * table: -q keeps it quiet) and, without a slot, *note (owned, "" when none). */
static void ifnames_report(const struct cli_sync *r, const struct cli_agent *a, cJSON *o, char **note)
{
	struct vm_guest_agent ga = {a->trunk_nic ? &a->g_trunk : NULL, a->mgmt_nic ? &a->g_mgmt : NULL};
	struct vm_guest_names nm;
	struct vm_buf w = {0}, n = {0};
	cJSON *warns, *notes;

	*note = vm_xstrdup("");
	if (!a->vm || r->mode == M_DESTROY)
		return;
	vm_guest_names_get(r->plan, &ga, &nm);
	cJSON_AddStringToObject(o, "trunk_ifname", nm.trunk);
	cJSON_AddStringToObject(o, "mgmt_ifname", nm.mgmt);
	warns = cJSON_AddArrayToObject(o, "ifname_warnings");
	notes = cJSON_AddArrayToObject(o, "ifname_notes");
	ifname_check("trunk", a->trunk_nic, nm.trunk, nm.trunk_slot, r->plan->guest.trunk_ifname, warns,
		     notes, &w, &n);
	ifname_check("management", a->mgmt_nic, nm.mgmt, nm.mgmt_slot, r->plan->guest.mgmt_ifname, warns,
		     notes, &w, &n);
	if (w.len && (r->mode == M_PLAN || r->mode == M_STATUS)) {
		char *shown = vm_text_display(a->pa->vm);
		fprintf(stderr, "vtrunk: warning: VM \"%s\": %s\n", shown, w.data);
		free(shown);
	} else if (w.len) {
		vm_buf_addf(&n, "%s%s", n.len ? "; " : "", w.data);
	}
	if (n.len) {
		free(*note);
		*note = vm_xstrdup(n.data);
	}
	vm_buf_reset(&w);
	vm_buf_reset(&n);
}

#define MAX_WORDS 8

/* The words for what happened (apply, destroy) or would happen (plan) or is (status),
 * into w; returns how many. */
static size_t agent_words(const struct cli_sync *r, const struct cli_agent *a, const char *w[MAX_WORDS])
{
	size_t n = 0;

	if (!a->vm && (r->mode == M_APPLY || (r->mode == M_DESTROY && !r->ctx->dry_run))) {
		w[n++] = "failed";
	} else if (!a->vm) {
		w[n++] = a->ambiguous ? "vm-ambiguous" : "vm-not-found";
	} else if (r->mode == M_DESTROY && r->ctx->dry_run) {
		for (int k = 0; k < cli_preview_agent_nics(r, a) && n < 5; k++)
			w[n++] = "remove-trunk-nic";
		if (cli_preview_agent_gi(r, a))
			w[n++] = "remove-guestinfo";
		if (a->tag_had)
			w[n++] = "detach-tag";
		if (!n)
			w[n++] = "unchanged";
	} else if (r->mode == M_APPLY || r->mode == M_DESTROY) {
		if (a->failed)
			w[n++] = "failed";
		if (a->added_trunk)
			w[n++] = "added-nic";
		if (a->added_mgmt)
			w[n++] = "added-nic";
		for (int k = 0; k < a->removed && n < 5; k++)
			w[n++] = "removed-nic";
		for (int k = 0; k < a->connected && n < 5; k++)
			w[n++] = "connected-nic";
		if (a->gi_written)
			w[n++] = r->mode == M_DESTROY ? "removed-guestinfo" : "wrote-guestinfo";
		if (a->tag_changed)
			w[n++] = r->mode == M_DESTROY ? "detached-tag" : "attached-tag";
		if (!n)
			w[n++] = "unchanged";
	} else if (r->mode == M_STATUS) {
		if (a->diff.add_trunk)
			w[n++] = "missing-trunk-nic";
		if (a->diff.add_mgmt)
			w[n++] = "missing-mgmt-nic";
		if (a->diff.n_remove)
			w[n++] = "extra-trunk-nic";
		if (a->diff.connect_trunk)
			w[n++] = "disconnected-trunk-nic";
		if (a->diff.connect_mgmt)
			w[n++] = "disconnected-mgmt-nic";
		if (a->gi_pending)
			w[n++] = "guestinfo-stale";
		if (cli_report_tag_missing(r, a))
			w[n++] = "missing-tag";
		if (!n)
			w[n++] = "in-sync";
	} else {
		if (a->diff.add_trunk)
			w[n++] = "add-trunk-nic";
		if (a->diff.add_mgmt)
			w[n++] = "add-mgmt-nic";
		if (a->diff.n_remove)
			w[n++] = "remove-extra-trunk-nic";
		if (a->diff.connect_trunk)
			w[n++] = "connect-trunk-nic";
		if (a->diff.connect_mgmt)
			w[n++] = "connect-mgmt-nic";
		if (a->gi_pending)
			w[n++] = "write-guestinfo";
		if (cli_report_tag_missing(r, a))
			w[n++] = "attach-tag";
		if (!n)
			w[n++] = "unchanged";
	}
	return n;
}

/* The words as the table shows them: "added-nic,attached-tag"; owned. */
static char *words_text(const char *const *w, size_t n)
{
	struct vm_buf b = {0};

	for (size_t i = 0; i < n; i++)
		vm_buf_addf(&b, "%s%s", i ? "," : "", w[i]);
	return vm_buf_steal(&b);
}

/* Prints s left-aligned in a column `width` characters wide, then one space: printf's
 * %-*s counts bytes, and a name in UTF-8 has more bytes than characters. */
static void cell_print(const char *s, size_t width)
{
	size_t n = vm_text_chars(s);

	printf("%s%*s ", s, n < width ? (int)(width - n) : 0, "");
}

void cli_report_agents(struct cli_sync *r)
{
	cJSON *arr = cJSON_AddArrayToObject(r->report, "agents");
	char **texts = vm_xcalloc(r->plan->n_agents ? r->plan->n_agents : 1, sizeof(*texts));
	char **notes = vm_xcalloc(r->plan->n_agents ? r->plan->n_agents : 1, sizeof(*notes));
	int width = 30;
	size_t vm_width = strlen("VM");

	for (size_t i = 0; i < r->plan->n_agents; i++) {
		struct cli_agent *a = &r->agents[i];
		cJSON *o = cJSON_CreateObject(), *acts;
		const char *w[MAX_WORDS];
		size_t n = agent_words(r, a, w);
		cJSON_AddStringToObject(o, "vm", a->pa->vm);
		acts = cJSON_AddArrayToObject(o, "actions");
		for (size_t k = 0; k < n; k++)
			cJSON_AddItemToArray(acts, cJSON_CreateString(w[k]));
		/* status reports states, not actions: "states" (and "actions" too, as before). */
		if (r->mode == M_STATUS)
			cJSON_AddItemToObject(o, "states", cJSON_Duplicate(acts, 1));
		/* "autoscale": matched in vCenter, not listed; its slot is its claim there. */
		if (a->pa->autoscale) {
			cJSON_AddBoolToObject(o, "autoscale", 1);
			cJSON_AddNumberToObject(o, "slot", a->pa->slot);
		}
		cJSON_AddItemToObject(o, "trunk_nic", nic_json(a->trunk_nic));
		cJSON_AddItemToObject(o, "mgmt_nic", nic_json(a->mgmt_nic));
		ifnames_report(r, a, o, &notes[i]);
		if (a->failed || !a->vm) {
			cJSON_AddStringToObject(o, "error", a->err.msg);
			if (a->err.fault[0])
				cJSON_AddStringToObject(o, "fault", a->err.fault);
		} else {
			cJSON_AddNullToObject(o, "error");
		}
		cJSON_AddItemToArray(arr, o);
		texts[i] = words_text(w, n);
		/* The actions column is as wide as its longest entry. */
		if (strlen(texts[i]) > (size_t)width)
			width = (int)strlen(texts[i]);
		/* And the VM column as wide as the longest name, no wider. */
		if (vm_text_chars(a->pa->vm) > vm_width)
			vm_width = vm_text_chars(a->pa->vm);
	}
	for (size_t i = 0; i < r->plan->n_agents; i++) {
		const struct cli_agent *a = &r->agents[i];
		char *shown;
		if (!a->failed && a->vm)
			continue;
		/* On stderr too, so that 2> catches it with -q and --json. */
		shown = vm_text_display(a->err.msg);
		fprintf(stderr, "vtrunk: %s\n", shown);
		free(shown);
	}
	for (size_t i = 0; i < r->plan->n_agents && text(r); i++) {
		const struct cli_agent *a = &r->agents[i];
		char tn[64] = "-", mn[64] = "-";
		if (i == 0) {
			cell_print("VM", vm_width);
			printf("%-*s %-26s %s\n", width, r->mode == M_STATUS ? "STATE" : "ACTIONS",
			       "TRUNK NIC (key mac)", "MGMT NIC (key mac)");
		}
		if (a->trunk_nic)
			snprintf(tn, sizeof(tn), "%d %s", a->trunk_nic->key, a->trunk_nic->mac);
		if (a->mgmt_nic)
			snprintf(mn, sizeof(mn), "%d %s", a->mgmt_nic->key, a->mgmt_nic->mac);
		cell_print(a->pa->vm, vm_width);
		printf("%-*s %-26s %s\n", width, texts[i], tn, mn);
		if (a->pa->autoscale)
			printf("  autoscale: slot %d (%s)\n", a->pa->slot, a->pa->ref);
		if (*notes[i])
			printf("  note: %s\n", notes[i]);
		if (a->failed || !a->vm) {
			/* vCenter's own words (a fault's message) may be in it. */
			char *shown = vm_text_display(a->err.msg);
			printf("  error: %s\n", shown);
			free(shown);
		}
	}
	for (size_t i = 0; i < r->plan->n_agents; i++) {
		free(texts[i]);
		free(notes[i]);
	}
	free(texts);
	free(notes);
}

void cli_report_tags(struct cli_sync *r)
{
	const struct vm_plan_tags *t = &r->plan->tags;
	cJSON *o;
	size_t carry = 0, found = 0, changed = 0;
	int pg_has;

	if (!t->category)
		return;
	for (size_t i = 0; i < r->plan->n_agents; i++) {
		const struct cli_agent *a = &r->agents[i];
		found += a->vm != NULL;
		carry += a->vm && vs_tag_attached_get(&r->tag, &a->vm->ref);
		changed += a->tag_changed;
	}
	pg_has = r->diff.pg && vs_tag_attached_get(&r->tag, &r->diff.pg->ref);
	o = cJSON_AddObjectToObject(r->report, "tags");
	cJSON_AddStringToObject(o, "category", t->category);
	cJSON_AddStringToObject(o, "tag", t->tag);
	if (r->rest)
		cJSON_AddStringToObject(o, "api", vs_rest_flavor_name(vs_rest_flavor_get(r->rest)));
	cJSON_AddBoolToObject(o, "category_exists", r->tag.category_id != NULL);
	cJSON_AddBoolToObject(o, "tag_exists", r->tag.tag_id != NULL);
	cJSON_AddBoolToObject(o, "created_category", !!(r->tag_created & VS_TAG_CREATED_CATEGORY));
	cJSON_AddBoolToObject(o, "created_tag", !!(r->tag_created & VS_TAG_CREATED_TAG));
	cJSON_AddBoolToObject(o, "portgroup_tagged", pg_has);
	cJSON_AddNumberToObject(o, "agents_tagged", (double)carry);
	cJSON_AddNumberToObject(o, "agents_changed", (double)changed);
	if (r->tag_err.kind != VM_ERR_NONE)
		cJSON_AddStringToObject(o, "error", r->tag_err.msg);
	else
		cJSON_AddNullToObject(o, "error");
	if (!text(r))
		return;
	printf("tag %s/%s: ", t->category, t->tag);
	if (r->tag_err.kind != VM_ERR_NONE) {
		char *shown = vm_text_display(r->tag_err.msg);
		printf("failed: %s\n", shown);
		free(shown);
	}
	else if (r->mode == M_DESTROY && r->ctx->dry_run)
		printf("to be detached from %zu object%s\n", carry + (size_t)pg_has, carry + (size_t)pg_has == 1 ? "" : "s");
	else if (r->mode == M_DESTROY)
		printf("detached from %zu object%s\n", changed + r->tag_pg_changed,
		       changed + r->tag_pg_changed == 1 ? "" : "s");
	else if (r->mode == M_APPLY)
		printf("%s%son the port group %s and %zu of %zu agent%s (%zu newly attached)\n",
		       r->tag_created & VS_TAG_CREATED_CATEGORY ? "category created, " : "",
		       r->tag_created & VS_TAG_CREATED_TAG ? "tag created, " : "", pg_has ? "yes" : "no", carry, found,
		       found == 1 ? "" : "s", changed + r->tag_pg_changed);
	else if (!r->tag.tag_id)
		printf("%s\n", r->tag.category_id ? "tag missing" : "category and tag missing");
	else
		printf("on the port group %s and %zu of %zu agent%s\n", pg_has ? "yes" : "no", carry, found,
		       found == 1 ? "" : "s");
}

int cli_report_finish(struct cli_sync *r, int rc)
{
	if (!cJSON_GetObjectItem(r->report, "agents"))
		cJSON_AddArrayToObject(r->report, "agents");
	cJSON_AddNumberToObject(r->report, "changes", r->changes_done + r->pending);
	if (r->mode == M_DESTROY)
		cJSON_AddBoolToObject(r->report, "dry_run", r->ctx->dry_run);
	cJSON_AddNumberToObject(r->report, "errors", r->errors);
	if (r->s)
		cJSON_AddNumberToObject(r->report, "http_requests", (double)vs_http_requests_get(r->s->http));
	if (r->s && r->ctx->verbose && !r->ctx->quiet)
		fprintf(stderr, "vtrunk: %lu HTTP requests (%lu SOAP calls) before logout\n",
			vs_http_requests_get(r->s->http), r->s->calls);
	if (r->ctx->json) {
		cli_json_print(r->report);
	} else if (r->mode == M_APPLY || (r->mode == M_DESTROY && !r->ctx->dry_run)) {
		int c = r->changes_done;
		printf("%d change%s, %d error%s\n", c, c == 1 ? "" : "s", r->errors, r->errors == 1 ? "" : "s");
	} else if (r->pending || r->errors) {
		printf("%d pending change%s", r->pending, r->pending == 1 ? "" : "s");
		if (r->errors)
			printf(", %d error%s", r->errors, r->errors == 1 ? "" : "s");
		printf("\n");
	}
	return rc;
}

