#include "cli_plan_autoscale.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_plan_text.h"
#include "vm_alloc.h"
#include "vm_ipplan.h"

static const char *kind(const cJSON *j)
{
	return cJSON_IsString(j) ? "a string" : cJSON_IsNumber(j) ? "a number" : cJSON_IsObject(j) ? "an object"
	       : cJSON_IsArray(j) ? "an array" : cJSON_IsBool(j) ? "a boolean" : "null";
}

static int str_get(const cJSON *obj, const char *key, char **out, struct vm_err *err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	char path[64];

	snprintf(path, sizeof(path), "autoscale.%s", key);
	if (!j)
		return 0;
	if (!cJSON_IsString(j))
		return vm_err_set(err, VM_ERR_USAGE, "%s: expected a string, got %s", path, kind(j));
	if (!*j->valuestring)
		return vm_err_set(err, VM_ERR_USAGE, "%s: must not be empty", path);
	if (cli_plan_text_check(path, j->valuestring, err) < 0)
		return -1;
	*out = vm_xstrdup(j->valuestring);
	return 0;
}

/* "16-63" (or "16"): inclusive, 0 <= lo <= hi. */
static int range_parse(const char *s, int *lo, int *hi)
{
	char *end;
	long a, b;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	a = strtol(s, &end, 10);
	b = a;
	if (*end == '-') {
		if (end[1] < '0' || end[1] > '9')
			return -1;
		b = strtol(end + 1, &end, 10);
	}
	if (*end || errno || a > b || b > INT_MAX)
		return -1;
	*lo = (int)a;
	*hi = (int)b;
	return 0;
}

static int check(const struct vm_plan *plan, struct vm_err *err)
{
	const struct vm_plan_autoscale *as = &plan->autoscale;
	char net[VM_IP_STRLEN];

	if (!plan->has_management)
		return vm_err_set(err, VM_ERR_USAGE,
				  "autoscale: needs \"management\" (the network the clones' management NIC "
				  "attaches to)");
	for (size_t i = 0; i < plan->n_vlans; i++) {
		const struct vm_plan_vlan *v = &plan->vlans[i];
		uint32_t blocks = vm_ipplan_blocks(v);
		if ((uint64_t)as->slot_hi >= blocks) {
			vm_ip_format(v->subnet, net);
			return vm_err_set(err, VM_ERR_USAGE,
					  "autoscale.slots: slot %d is past vlans[%zu]'s capacity: %s/%d holds %u "
					  "blocks of /%d (slots 0-%u); shrink the range or the agent_prefix",
					  as->slot_hi, i, net, v->prefix, blocks, v->agent_prefix, blocks - 1);
		}
	}
	for (size_t i = 0; i < plan->n_agents; i++) {
		const struct vm_plan_agent *a = &plan->agents[i];
		if (a->slot >= as->slot_lo && a->slot <= as->slot_hi)
			return vm_err_set(err, VM_ERR_USAGE,
					  "autoscale.slots: %d-%d holds slot %d of agents[%zu] (\"%s\"%s); listed "
					  "agents keep their slots outside the range",
					  as->slot_lo, as->slot_hi, a->slot, i, a->vm,
					  a->slot_explicit ? "" : ", its position in agents");
	}
	return 0;
}

int cli_plan_autoscale_load(const cJSON *root, struct vm_plan *plan, struct vm_err *err)
{
	static const char *const keys[] = {"match", "tag", "slots", "mgmt", NULL};
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, "autoscale"), *c;
	struct vm_plan_autoscale *as = &plan->autoscale;
	char *slots = NULL, *mgmt = NULL;
	int rc = -1;

	plan->n_listed = plan->n_agents;
	if (!j)
		return 0;
	if (!cJSON_IsObject(j))
		return vm_err_set(err, VM_ERR_USAGE, "autoscale: expected an object, got %s", kind(j));
	for (c = j->child; c; c = c->next) {
		size_t k = 0;
		while (keys[k] && strcmp(keys[k], c->string) != 0)
			k++;
		if (!keys[k])
			return vm_err_set(err, VM_ERR_USAGE,
					  "autoscale: unknown key (expected one of match, tag, slots, mgmt)");
		for (const cJSON *d = j->child; d != c; d = d->next)
			if (strcmp(d->string, c->string) == 0)
				return vm_err_set(err, VM_ERR_USAGE, "autoscale.%s: appears twice", keys[k]);
	}
	plan->has_autoscale = 1;
	if (str_get(j, "match", &as->match, err) < 0 || str_get(j, "tag", &as->tag, err) < 0 ||
	    str_get(j, "slots", &slots, err) < 0 || str_get(j, "mgmt", &mgmt, err) < 0)
		goto cleanup;
	if (!as->match && !as->tag) {
		vm_err_set(err, VM_ERR_USAGE,
			   "autoscale: give \"match\" (a VM name glob such as \"kasm-auto-*\"), \"tag\", or both: "
			   "without either every VM would be an agent");
		goto cleanup;
	}
	if (!slots) {
		vm_err_set(err, VM_ERR_USAGE, "autoscale.slots: required (a range such as \"16-63\")");
		goto cleanup;
	}
	if (range_parse(slots, &as->slot_lo, &as->slot_hi) < 0) {
		char q[96];
		cli_plan_quote(slots, q, sizeof(q));
		vm_err_set(err, VM_ERR_USAGE, "autoscale.slots: %s is not a range like \"16-63\" (low-high, low <= high)",
			   q);
		goto cleanup;
	}
	if (mgmt && strcmp(mgmt, "dhcp") != 0) {
		char q[96];
		cli_plan_quote(mgmt, q, sizeof(q));
		vm_err_set(err, VM_ERR_USAGE,
			   "autoscale.mgmt: %s is not supported (\"dhcp\": clones take their management address "
			   "from DHCP; there is no static pool for them)",
			   q);
		goto cleanup;
	}
	if (!mgmt) {
		vm_err_set(err, VM_ERR_USAGE,
			   "autoscale.mgmt: required: \"dhcp\" (clones have no listed management address)");
		goto cleanup;
	}
	as->mgmt_dhcp = 1;
	rc = check(plan, err);
cleanup:
	free(slots);
	free(mgmt);
	return rc;
}
