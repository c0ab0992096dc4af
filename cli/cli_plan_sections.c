#include "cli_plan_sections.h"

#include <stdlib.h>
#include <string.h>

#include "cli_plan_json.h"
#include "cli_plan_text.h"
#include "vm_alloc.h"
#include "vm_ipplan.h"
#include "vm_text.h"
#include "vm_vlan.h"

#define IFNAME_MAX 15       /* IFNAMSIZ - 1 */
#define PORTGROUP_MAX 80    /* vCenter's limit for entity names, in characters */

/* --- trunk ------------------------------------------------------------------- */

static int vlan_item(const cJSON *item, const char *path, struct vm_vlan_set *set,
		     struct vm_err *err)
{
	char p[CLI_PLAN_PATH_LEN];
	int lo, hi;

	if (cJSON_IsNumber(item)) {
		if (cli_plan_int_value(item, path, 0, VM_VLAN_MAX, &lo, err) < 0)
			return -1;
		return vm_vlan_set_add(set, lo, lo, err);
	}
	if (!cJSON_IsArray(item) || cJSON_GetArraySize(item) != 2 ||
	    !cJSON_IsNumber(item->child) || !cJSON_IsNumber(item->child->next)) {
		if (cJSON_IsArray(item))
			return cli_plan_fail(err, path,
				    "expected a [start, end] pair of VLAN ids, got an array of %d "
				    "item(s)",
				    cJSON_GetArraySize(item));
		return cli_plan_fail(err, path, "expected a VLAN id or a [start, end] pair, got %s",
			    cli_plan_type_name(item));
	}
	cli_plan_path_index(p, path, 0);
	if (cli_plan_int_value(item->child, p, 0, VM_VLAN_MAX, &lo, err) < 0)
		return -1;
	cli_plan_path_index(p, path, 1);
	if (cli_plan_int_value(item->child->next, p, 0, VM_VLAN_MAX, &hi, err) < 0)
		return -1;
	if (lo > hi)
		return cli_plan_fail(err, path, "[%d, %d] is reversed", lo, hi);
	return vm_vlan_set_add(set, lo, hi, err);
}

static int load_trunk_vlans(const cJSON *j, struct vm_vlan_set *set, struct vm_err *err)
{
	const char *path = "trunk.vlans";
	char p[CLI_PLAN_PATH_LEN];
	size_t i = 0;

	if (!j)
		return cli_plan_fail(err, path, "required");
	if (cJSON_IsString(j)) {
		if (vm_vlan_parse(j->valuestring, set, err) < 0)
			return vm_err_prefix(err, "%s", path);
		return 0;
	}
	if (!cJSON_IsArray(j))
		return cli_plan_fail(err, path,
			    "expected a string like \"100-200,300\" or an array of VLAN ids and "
			    "[start, end] pairs, got %s",
			    cli_plan_type_name(j));
	if (!j->child)
		return cli_plan_fail(err, path, "no VLAN ranges");
	for (const cJSON *c = j->child; c; c = c->next, i++) {
		cli_plan_path_index(p, path, i);
		if (vlan_item(c, p, set, err) < 0)
			return -1;
	}
	return 0;
}

int cli_plan_trunk_load(const cJSON *root, struct vm_plan *plan, struct vm_err *err)
{
	static const char *const keys[] = {"portgroup", "vlans", "binding", "ports", "nic_type",
					   "container_driver", "mac_learning", NULL};
	static const char *const drivers[] = {"ipvlan", "macvlan", NULL};
	const cJSON *ml;
	static const char *const bindings[] = {"static", "ephemeral", NULL};
	static const char *const nics[] = {"vmxnet3", "e1000e", "e1000", NULL};
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "trunk");
	struct vm_plan_trunk *tr = &plan->trunk;
	int v;
	size_t len;

	if (!t)
		return cli_plan_fail(err, "trunk", "required");
	if (cli_plan_want_object(t, "trunk", err) < 0 || cli_plan_check_keys(t, "trunk", keys, err) < 0)
		return -1;
	if (cli_plan_get_string(t, "trunk", "portgroup", 1, &tr->portgroup, err) < 0)
		return -1;
	len = vm_text_chars(tr->portgroup);
	if (len > PORTGROUP_MAX)
		return cli_plan_fail(err, "trunk.portgroup", "is %zu characters long; vCenter allows at most %d",
			    len, PORTGROUP_MAX);
	if (load_trunk_vlans(cJSON_GetObjectItemCaseSensitive(t, "vlans"), &tr->vlans, err) < 0)
		return -1;
	v = (int)tr->binding;
	if (cli_plan_get_enum(t, "trunk", "binding", bindings, &v, err) < 0)
		return -1;
	tr->binding = (enum vm_binding)v;
	v = (int)tr->nic_type;
	if (cli_plan_get_enum(t, "trunk", "nic_type", nics, &v, err) < 0)
		return -1;
	tr->nic_type = (enum vm_nic_type)v;
	v = (int)tr->driver;
	if (cli_plan_get_enum(t, "trunk", "container_driver", drivers, &v, err) < 0)
		return -1;
	tr->driver = (enum vm_container_driver)v;
	if ((ml = cJSON_GetObjectItemCaseSensitive(t, "mac_learning"))) {
		if (!cJSON_IsBool(ml))
			return cli_plan_fail(err, "trunk.mac_learning", "expected true or false, got %s", cli_plan_type_name(ml));
		tr->mac_learning = cJSON_IsTrue(ml);
		if (tr->mac_learning && tr->driver != VM_DRIVER_MACVLAN)
			return cli_plan_fail(err, "trunk.mac_learning",
				    "only means something with \"container_driver\": \"macvlan\" (ipvlan needs no change on the switch)");
	}
	return cli_plan_get_int(t, "trunk", "ports", 0, 1, 8192, &tr->ports, NULL, err);
}

/* --- management ---------------------------------------------------------------- */

static int domain_ok(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0 || len > 253 || *s == '.')
		return 0;
	for (; *s; s++) {
		if (*s == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}

int cli_plan_management_load(const cJSON *root, struct vm_plan *plan, struct vm_err *err)
{
	static const char *const keys[] = {"network", "prefix", "gateway", "dns", "search", NULL};
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "management"), *j;
	struct vm_plan_mgmt *mg = &plan->management;
	char p[CLI_PLAN_PATH_LEN], q[CLI_PLAN_PATH_LEN];
	size_t i;

	if (!m)
		return 0;
	if (cli_plan_want_object(m, "management", err) < 0 ||
	    cli_plan_check_keys(m, "management", keys, err) < 0)
		return -1;
	plan->has_management = 1;
	if (cli_plan_get_string(m, "management", "network", 1, &mg->network, err) < 0 ||
	    cli_plan_get_int(m, "management", "prefix", 0, 1, 32, &mg->prefix, NULL, err) < 0 ||
	    cli_plan_get_ip(m, "management", "gateway", 0, &mg->gateway, &mg->has_gateway, err) < 0)
		return -1;

	if ((j = cJSON_GetObjectItemCaseSensitive(m, "dns"))) {
		if (cli_plan_want_array(j, "management.dns", err) < 0)
			return -1;
		mg->dns = vm_xcalloc((size_t)cJSON_GetArraySize(j), sizeof(*mg->dns));
		i = 0;
		for (const cJSON *c = j->child; c; c = c->next, i++) {
			uint32_t a;
			char s[VM_IP_STRLEN];

			cli_plan_path_index(p, "management.dns", i);
			if (cli_plan_ip_value(c, p, &a, err) < 0)
				return -1;
			vm_ip_format(a, s);
			mg->dns[mg->n_dns++] = vm_xstrdup(s);
		}
	}
	if ((j = cJSON_GetObjectItemCaseSensitive(m, "search"))) {
		if (cli_plan_want_array(j, "management.search", err) < 0)
			return -1;
		mg->search = vm_xcalloc((size_t)cJSON_GetArraySize(j), sizeof(*mg->search));
		i = 0;
		for (const cJSON *c = j->child; c; c = c->next, i++) {
			cli_plan_path_index(p, "management.search", i);
			if (!cJSON_IsString(c))
				return cli_plan_fail(err, p, "expected a domain name string, got %s",
					    cli_plan_type_name(c));
			if (!domain_ok(c->valuestring)) {
				cli_plan_quote(c->valuestring, q, sizeof(q));
				return cli_plan_fail(err, p, "%s is not a domain name", q);
			}
			mg->search[mg->n_search++] = vm_xstrdup(c->valuestring);
		}
	}
	return 0;
}

/* --- guest ----------------------------------------------------------------------- */

/* The kernel's rule (dev_valid_name) narrowed to characters that need no quoting in
 * the interfaces file, netplan YAML and shell scripts we write. */
static int ifname_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > IFNAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (; *s; s++)
		if (!vm_plan_name_char_ok(*s))
			return 0;
	return 1;
}

static int get_ifname(const cJSON *g, const char *key, char **out, struct vm_err *err)
{
	char p[CLI_PLAN_PATH_LEN], q[CLI_PLAN_PATH_LEN];
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(g, key);

	if (!j)
		return 0;
	cli_plan_path_key(p, "guest", key);
	if (!cJSON_IsString(j))
		return cli_plan_fail(err, p, "expected a string, got %s", cli_plan_type_name(j));
	if (!ifname_ok(j->valuestring)) {
		cli_plan_quote(j->valuestring, q, sizeof(q));
		return cli_plan_fail(err, p,
			    "%s is not a valid interface name (1-%d characters from A-Z a-z 0-9 _ . -; "
			    "no '/', ':' or whitespace)",
			    q, IFNAME_MAX);
	}
	free(*out);
	*out = vm_xstrdup(j->valuestring);
	return 0;
}

/* "N.N" or "N.N.N": the emitters compare it numerically (daemon.json before 19.03). */
static int docker_version_ok(const char *s)
{
	int parts = 0, digits = 0;

	for (;; s++) {
		if (*s >= '0' && *s <= '9') {
			if (++digits > 5)
				return 0;
			continue;
		}
		if (!digits)
			return 0;
		parts++;
		digits = 0;
		if (*s == '\0')
			break;
		if (*s != '.')
			return 0;
	}
	return parts == 2 || parts == 3;
}

/* "tags": {"category": C, "tag": T}; both required when "tags" is there. */
int cli_plan_tags_load(const cJSON *root, struct vm_plan *plan, struct vm_err *err)
{
	static const char *const keys[] = {"category", "tag", NULL};
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "tags");
	struct vm_plan_tags *tg = &plan->tags;

	if (!t)
		return 0;
	if (cli_plan_want_object(t, "tags", err) < 0 || cli_plan_check_keys(t, "tags", keys, err) < 0 ||
	    cli_plan_get_string(t, "tags", "category", 1, &tg->category, err) < 0 ||
	    cli_plan_get_string(t, "tags", "tag", 1, &tg->tag, err) < 0)
		return -1;
	/* vCenter refuses longer names (the vAPI limit is 256 characters). */
	if (vm_text_chars(tg->category) > 256)
		return cli_plan_fail(err, "tags.category", "at most 256 characters");
	if (vm_text_chars(tg->tag) > 256)
		return cli_plan_fail(err, "tags.tag", "at most 256 characters");
	return 0;
}

int cli_plan_guest_load(const cJSON *root, struct vm_plan *plan, struct vm_err *err)
{
	static const char *const keys[] = {"formats", "trunk_ifname", "mgmt_ifname",
					   "docker_version", NULL};
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(root, "guest"), *j;
	struct vm_plan_guest *gu = &plan->guest;
	char p[CLI_PLAN_PATH_LEN], q[CLI_PLAN_PATH_LEN];
	size_t i = 0;

	if (!g)
		return 0;
	if (cli_plan_want_object(g, "guest", err) < 0 || cli_plan_check_keys(g, "guest", keys, err) < 0)
		return -1;
	if ((j = cJSON_GetObjectItemCaseSensitive(g, "formats"))) {
		if (cli_plan_want_array(j, "guest.formats", err) < 0)
			return -1;
		if (!j->child)
			return cli_plan_fail(err, "guest.formats",
				    "must name at least one of ifupdown, netplan");
		gu->formats = 0;
		for (const cJSON *c = j->child; c; c = c->next, i++) {
			unsigned bit;

			cli_plan_path_index(p, "guest.formats", i);
			if (!cJSON_IsString(c))
				return cli_plan_fail(err, p, "expected a string, got %s", cli_plan_type_name(c));
			if (strcmp(c->valuestring, "ifupdown") == 0)
				bit = VM_FMT_IFUPDOWN;
			else if (strcmp(c->valuestring, "netplan") == 0)
				bit = VM_FMT_NETPLAN;
			else {
				cli_plan_quote(c->valuestring, q, sizeof(q));
				return cli_plan_fail(err, p, "%s is not one of ifupdown, netplan", q);
			}
			if (gu->formats & bit)
				return cli_plan_fail(err, p, "\"%s\" is listed twice", c->valuestring);
			gu->formats |= bit;
		}
	}
	if (get_ifname(g, "trunk_ifname", &gu->trunk_ifname, err) < 0 ||
	    get_ifname(g, "mgmt_ifname", &gu->mgmt_ifname, err) < 0)
		return -1;
	if ((j = cJSON_GetObjectItemCaseSensitive(g, "docker_version"))) {
		if (!cJSON_IsString(j))
			return cli_plan_fail(err, "guest.docker_version",
				    "expected a version string like \"20.10\", got %s", cli_plan_type_name(j));
		if (!docker_version_ok(j->valuestring)) {
			cli_plan_quote(j->valuestring, q, sizeof(q));
			return cli_plan_fail(err, "guest.docker_version",
				    "%s is not a version like \"20.10\" or \"24.0.7\"", q);
		}
		free(gu->docker_version);
		gu->docker_version = vm_xstrdup(j->valuestring);
	}
	return 0;
}
