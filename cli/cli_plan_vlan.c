#include "cli_plan_vlan.h"

#include <stdio.h>

#include "cli_plan_text.h"
#include "vm_alloc.h"
#include "vm_reserved.h"

int cli_plan_reserved_load(const cJSON *vlan, const char *path, struct vm_plan_vlan *v,
			   struct vm_err *err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(vlan, "reserved");
	char q[128];
	int n;

	if (!j)
		return 0;
	if (!cJSON_IsArray(j))
		return vm_err_set(err, VM_ERR_USAGE,
				  "%s.reserved: expected an array of addresses like "
				  "[\"10.150.0.2\", \"10.150.0.250-10.150.0.254\"]",
				  path);
	n = cJSON_GetArraySize(j);
	if (n > VM_RESERVED_MAX)
		return vm_err_set(err, VM_ERR_USAGE,
				  "%s.reserved: more than %d entries; keep a large block out with "
				  "agent_prefix and slots instead",
				  path, VM_RESERVED_MAX);
	v->reserved = vm_xcalloc(n ? (size_t)n : 1, sizeof(*v->reserved));
	for (const cJSON *c = j->child; c; c = c->next) {
		size_t k = v->n_reserved;

		if (!cJSON_IsString(c))
			return vm_err_set(err, VM_ERR_USAGE,
					  "%s.reserved[%zu]: expected a string like \"10.150.0.2\" "
					  "or \"10.150.0.2-10.150.0.9\"",
					  path, k);
		if (vm_reserved_parse(c->valuestring, &v->reserved[k]) < 0) {
			cli_plan_quote(c->valuestring, q, sizeof(q));
			return vm_err_set(err, VM_ERR_USAGE,
					  "%s.reserved[%zu]: %s is not an IPv4 address or a range "
					  "\"first-last\" (first <= last) like \"10.150.0.2-10.150.0.9\"",
					  path, k, q);
		}
		v->n_reserved++;
	}
	return 0;
}
