#include "cli_plan_lists.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli_plan_json.h"
#include "cli_plan_text.h"
#include "cli_plan_vlan.h"
#include "vm_alloc.h"
#include "vm_ipplan.h"

/* --- vlans and agents -------------------------------------------------------------- */

static int load_subnet(const cJSON *obj, const char *parent, struct vm_plan_vlan *v,
		       struct vm_err *err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, "subnet");
	char p[CLI_PLAN_PATH_LEN], q[CLI_PLAN_PATH_LEN], net[VM_IP_STRLEN];
	const char *slash;
	char *addr;
	uint32_t a;
	int rc;

	cli_plan_path_key(p, parent, "subnet");
	if (!j)
		return cli_plan_fail(err, p, "required");
	if (!cJSON_IsString(j))
		return cli_plan_fail(err, p, "expected a string like \"10.150.0.0/22\", got %s",
			    cli_plan_type_name(j));
	if (vm_cidr_parse(j->valuestring, &v->subnet, &v->prefix) == 0)
		return 0;
	cli_plan_quote(j->valuestring, q, sizeof(q));
	/* Tell "host bits set" apart from plain garbage: the fix differs. */
	slash = strchr(j->valuestring, '/');
	if (slash) {
		int len;
		char *end;
		long l;

		addr = vm_xstrndup(j->valuestring, (size_t)(slash - j->valuestring));
		rc = vm_ip_parse(addr, &a);
		free(addr);
		errno = 0;
		l = strtol(slash + 1, &end, 10);
		if (rc == 0 && slash[1] >= '0' && slash[1] <= '9' && !*end && l >= 0 && l <= 32 &&
		    (a & ~vm_ip_mask((int)l))) {
			len = (int)l;
			vm_ip_format(a & vm_ip_mask(len), net);
			return cli_plan_fail(err, p, "%s has host bits set (the network is %s/%d)", q, net,
				    len);
		}
	}
	return cli_plan_fail(err, p, "%s is not an IPv4 subnet like \"10.150.0.0/22\"", q);
}

static int load_vlan(const cJSON *j, const char *path, struct vm_plan_vlan *v,
		     struct vm_err *err)
{
	static const char *const keys[] = {"id", "subnet", "gateway", "agent_prefix", "network",
					   "mode", "reserved", NULL};
	static const char *const modes[] = {"l2", "l3", NULL};
	char p[CLI_PLAN_PATH_LEN], q[CLI_PLAN_PATH_LEN];
	int mode = VM_MODE_L2;

	if (cli_plan_want_object(j, path, err) < 0 || cli_plan_check_keys(j, path, keys, err) < 0)
		return -1;
	if (cli_plan_get_int(j, path, "id", 1, 0, VM_VLAN_MAX, &v->id, NULL, err) < 0 ||
	    load_subnet(j, path, v, err) < 0 ||
	    cli_plan_get_ip(j, path, "gateway", 1, &v->gateway, NULL, err) < 0 ||
	    cli_plan_get_int(j, path, "agent_prefix", 1, 1, 32, &v->agent_prefix, NULL, err) < 0 ||
	    cli_plan_get_string(j, path, "network", 0, &v->network, err) < 0 ||
	    cli_plan_get_enum(j, path, "mode", modes, &mode, err) < 0 ||
	    cli_plan_reserved_load(j, path, v, err) < 0)
		return -1;
	v->mode = (enum vm_ipvlan_mode)mode;
	if (!v->network)
		v->network = vm_xasprintf("vlan%d", v->id);
	if (!vm_plan_docker_name_ok(v->network)) {
		cli_plan_path_key(p, path, "network");
		cli_plan_quote(v->network, q, sizeof(q));
		return cli_plan_fail(err, p,
			    "%s is not a valid Docker network name (letters, digits, '_', '.', '-'; "
			    "starting with a letter or digit)",
			    q);
	}
	return 0;
}

static int load_agent(const cJSON *j, const char *path, size_t index, struct vm_plan_agent *a,
		      struct vm_err *err)
{
	static const char *const keys[] = {"vm", "uuid", "moref", "mgmt_address", "slot", NULL};
	char *uuid = NULL, *moref = NULL;
	int n;

	if (cli_plan_want_object(j, path, err) < 0 || cli_plan_check_keys(j, path, keys, err) < 0)
		return -1;
	n = cli_plan_get_string(j, path, "vm", 0, &a->vm, err) < 0 || cli_plan_get_string(j, path, "uuid", 0, &uuid, err) < 0 ||
	    cli_plan_get_string(j, path, "moref", 0, &moref, err) < 0;
	if (n) {
		free(uuid);
		free(moref);
		return -1;
	}
	/* Exactly one way to name the VM: two could disagree. */
	n = !!a->vm + !!uuid + !!moref;
	if (n != 1) {
		free(uuid);
		free(moref);
		char p[CLI_PLAN_PATH_LEN];
		cli_plan_path_key(p, path, "vm");
		return n ? cli_plan_fail(err, path, "give only one of vm, uuid and moref")
			 : cli_plan_fail(err, p, "required (or \"uuid\", or \"moref\")");
	}
	if (uuid || moref) {
		a->by = uuid ? VM_AGENT_UUID : VM_AGENT_MOREF;
		a->ref = uuid ? uuid : moref;
		if (strcspn(a->ref, " \t/") != strlen(a->ref))
			return cli_plan_fail(err, path, "%s: \"%s\" has a space or '/' (a %s is one word)",
				    uuid ? "uuid" : "moref", a->ref, uuid ? "UUID" : "managed object id such as vm-123");
		a->vm = vm_xstrdup(a->ref);
	} else if (a->vm[0] == '/') {
		/* An inventory path, as govc takes it: /DC0/vm/folder/name. */
		const char *last = strrchr(a->vm, '/') + 1;
		if (!*last || strstr(a->vm, "//"))
			return cli_plan_fail(err, path, "vm: \"%s\" is not an inventory path (/datacenter/vm/folder/name)", a->vm);
		a->by = VM_AGENT_PATH;
		a->ref = a->vm;
		a->vm = vm_xstrdup(last);
	}
	if (cli_plan_get_ip(j, path, "mgmt_address", 1, &a->mgmt_address, NULL, err) < 0 ||
	    cli_plan_get_int(j, path, "slot", 0, INT_MIN, INT_MAX, &a->slot, &a->slot_explicit, err) < 0)
		return -1;
	if (!a->slot_explicit) {
		if (index > INT_MAX)
			return cli_plan_fail(err, path, "too many agents");
		a->slot = (int)index;
	}
	return 0;
}

int cli_plan_lists_load(const cJSON *root, struct vm_plan *plan, struct vm_err *err)
{
	const cJSON *j;
	char p[CLI_PLAN_PATH_LEN];

	if ((j = cJSON_GetObjectItemCaseSensitive(root, "vlans"))) {
		if (cli_plan_want_array(j, "vlans", err) < 0)
			return -1;
		plan->vlans = vm_xcalloc((size_t)cJSON_GetArraySize(j), sizeof(*plan->vlans));
		for (const cJSON *c = j->child; c; c = c->next) {
			/* Counted before loading so vm_plan_free() sees a partial entry. */
			struct vm_plan_vlan *v = &plan->vlans[plan->n_vlans++];

			cli_plan_path_index(p, "vlans", plan->n_vlans - 1);
			if (load_vlan(c, p, v, err) < 0)
				return -1;
		}
	}
	if ((j = cJSON_GetObjectItemCaseSensitive(root, "agents"))) {
		if (cli_plan_want_array(j, "agents", err) < 0)
			return -1;
		plan->agents = vm_xcalloc((size_t)cJSON_GetArraySize(j), sizeof(*plan->agents));
		for (const cJSON *c = j->child; c; c = c->next) {
			struct vm_plan_agent *a = &plan->agents[plan->n_agents++];

			cli_plan_path_index(p, "agents", plan->n_agents - 1);
			if (load_agent(c, p, plan->n_agents - 1, a, err) < 0)
				return -1;
		}
	}
	return 0;
}
