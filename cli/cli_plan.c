#include "cli_plan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "cli_plan_autoscale.h"
#include "cli_plan_text.h"
#include "cli_plan_vlan.h"
#include "vm_alloc.h"
#include "vm_ipplan.h"
#include "vm_text.h"

#define PATH_LEN 192
#define IFNAME_MAX 15       /* IFNAMSIZ - 1 */
#define PORTGROUP_MAX 80    /* vCenter's limit for entity names, in characters */

static int fail(struct vm_err *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct vm_err *err, const char *path, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vm_err_set(err, VM_ERR_USAGE, "%s: %s", path, msg);
}

static const char *type_name(const cJSON *j)
{
	if (cJSON_IsString(j))
		return "a string";
	if (cJSON_IsNumber(j))
		return "a number";
	if (cJSON_IsObject(j))
		return "an object";
	if (cJSON_IsArray(j))
		return "an array";
	if (cJSON_IsTrue(j))
		return "true";
	if (cJSON_IsFalse(j))
		return "false";
	if (cJSON_IsNull(j))
		return "null";
	return "an unknown value";
}

/* Paths are short unless a plan nests garbage keys; cut those visibly. */
static void path_done(char out[PATH_LEN], int n)
{
	if (n < 0 || n >= PATH_LEN)
		memcpy(out + PATH_LEN - 4, "...", 4);
}

static void path_key(char out[PATH_LEN], const char *parent, const char *key)
{
	if (parent && *parent)
		path_done(out, snprintf(out, PATH_LEN, "%s.%s", parent, key));
	else
		path_done(out, snprintf(out, PATH_LEN, "%s", key));
}

static void path_index(char out[PATH_LEN], const char *parent, size_t i)
{
	path_done(out, snprintf(out, PATH_LEN, "%s[%zu]", parent, i));
}

/* Every member of obj must be one of keys (NULL-terminated), at most once: a typo
 * or a repeated key would otherwise be silently ignored. */
static int check_keys(const cJSON *obj, const char *path, const char *const *keys,
		      struct vm_err *err)
{
	unsigned seen = 0;
	char p[PATH_LEN];

	for (const cJSON *c = obj->child; c; c = c->next) {
		int k;

		for (k = 0; keys[k]; k++)
			if (strcmp(c->string, keys[k]) == 0)
				break;
		if (!keys[k]) {
			struct vm_buf list = {0};
			char shown[PATH_LEN / 2];
			int rc;

			for (int i = 0; keys[i]; i++)
				vm_buf_addf(&list, "%s%s", i ? ", " : "", keys[i]);
			/* The key itself is user text: show it raw only when it is plain. */
			if (strlen(c->string) < 40 && c->string[strcspn(c->string, "\"\\.[]")] == 0 &&
			    cli_plan_text_check("", c->string, NULL) == 0 && *c->string)
				snprintf(shown, sizeof(shown), "%s", c->string);
			else
				cli_plan_quote(c->string, shown, sizeof(shown));
			path_key(p, path, shown);
			rc = fail(err, p, "unknown key (expected one of %s)", list.data);
			vm_buf_reset(&list);
			return rc;
		}
		if (seen & (1u << k)) {
			path_key(p, path, keys[k]);
			return fail(err, p, "appears twice");
		}
		seen |= 1u << k;
	}
	return 0;
}

static int want_object(const cJSON *j, const char *path, struct vm_err *err)
{
	if (!cJSON_IsObject(j))
		return fail(err, path, "expected an object, got %s", type_name(j));
	return 0;
}

static int want_array(const cJSON *j, const char *path, struct vm_err *err)
{
	if (!cJSON_IsArray(j))
		return fail(err, path, "expected an array, got %s", type_name(j));
	return 0;
}

/* Integer value of j, which must be a whole number within lo..hi. */
static int int_value(const cJSON *j, const char *path, long lo, long hi, int *out,
		     struct vm_err *err)
{
	double d;

	if (!cJSON_IsNumber(j))
		return fail(err, path, "expected an integer, got %s", type_name(j));
	d = j->valuedouble;
	if (!isfinite(d) || d != floor(d))
		return fail(err, path, "%g is not an integer", d);
	if (d < (double)lo || d > (double)hi)
		return fail(err, path, fabs(d) < 1e15 ? "%.0f is outside %ld-%ld" : "%g is outside %ld-%ld",
			    d, lo, hi);
	*out = (int)d;
	return 0;
}

/* Optional string member: *out stays NULL when absent. With nonempty, "" is refused. */
static int get_string(const cJSON *obj, const char *parent, const char *key, int required,
		      char **out, struct vm_err *err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	char p[PATH_LEN];

	path_key(p, parent, key);
	if (!j) {
		if (required)
			return fail(err, p, "required");
		return 0;
	}
	if (!cJSON_IsString(j))
		return fail(err, p, "expected a string, got %s", type_name(j));
	if (!*j->valuestring)
		return fail(err, p, "must not be empty");
	if (cli_plan_text_check(p, j->valuestring, err) < 0)
		return -1;
	free(*out);
	*out = vm_xstrdup(j->valuestring);
	return 0;
}

static int get_int(const cJSON *obj, const char *parent, const char *key, int required,
		   long lo, long hi, int *out, int *present, struct vm_err *err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	char p[PATH_LEN];

	path_key(p, parent, key);
	if (present)
		*present = j != NULL;
	if (!j)
		return required ? fail(err, p, "required") : 0;
	return int_value(j, p, lo, hi, out, err);
}

/* names[] is NULL-terminated; *out keeps its default when the key is absent. */
static int get_enum(const cJSON *obj, const char *parent, const char *key,
		    const char *const *names, int *out, struct vm_err *err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	char p[PATH_LEN], q[PATH_LEN];
	struct vm_buf list = {0};
	int rc;

	if (!j)
		return 0;
	path_key(p, parent, key);
	if (!cJSON_IsString(j))
		return fail(err, p, "expected a string, got %s", type_name(j));
	for (int i = 0; names[i]; i++) {
		if (strcmp(j->valuestring, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	for (int i = 0; names[i]; i++)
		vm_buf_addf(&list, "%s%s", i ? ", " : "", names[i]);
	cli_plan_quote(j->valuestring, q, sizeof(q));
	rc = fail(err, p, "%s is not one of %s", q, list.data);
	vm_buf_reset(&list);
	return rc;
}

static int ip_value(const cJSON *j, const char *path, uint32_t *out, struct vm_err *err)
{
	char q[PATH_LEN];

	if (!cJSON_IsString(j))
		return fail(err, path, "expected an IPv4 address string, got %s", type_name(j));
	if (vm_ip_parse(j->valuestring, out) < 0) {
		cli_plan_quote(j->valuestring, q, sizeof(q));
		return fail(err, path, "%s is not an IPv4 address", q);
	}
	return 0;
}

static int get_ip(const cJSON *obj, const char *parent, const char *key, int required,
		  uint32_t *out, int *present, struct vm_err *err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	char p[PATH_LEN];

	path_key(p, parent, key);
	if (present)
		*present = j != NULL;
	if (!j)
		return required ? fail(err, p, "required") : 0;
	return ip_value(j, p, out, err);
}

/* --- trunk ------------------------------------------------------------------- */

static int vlan_item(const cJSON *item, const char *path, struct vm_vlan_set *set,
		     struct vm_err *err)
{
	char p[PATH_LEN];
	int lo, hi;

	if (cJSON_IsNumber(item)) {
		if (int_value(item, path, 0, VM_VLAN_MAX, &lo, err) < 0)
			return -1;
		return vm_vlan_set_add(set, lo, lo, err);
	}
	if (!cJSON_IsArray(item) || cJSON_GetArraySize(item) != 2 ||
	    !cJSON_IsNumber(item->child) || !cJSON_IsNumber(item->child->next)) {
		if (cJSON_IsArray(item))
			return fail(err, path,
				    "expected a [start, end] pair of VLAN ids, got an array of %d "
				    "item(s)",
				    cJSON_GetArraySize(item));
		return fail(err, path, "expected a VLAN id or a [start, end] pair, got %s",
			    type_name(item));
	}
	path_index(p, path, 0);
	if (int_value(item->child, p, 0, VM_VLAN_MAX, &lo, err) < 0)
		return -1;
	path_index(p, path, 1);
	if (int_value(item->child->next, p, 0, VM_VLAN_MAX, &hi, err) < 0)
		return -1;
	if (lo > hi)
		return fail(err, path, "[%d, %d] is reversed", lo, hi);
	return vm_vlan_set_add(set, lo, hi, err);
}

static int load_trunk_vlans(const cJSON *j, struct vm_vlan_set *set, struct vm_err *err)
{
	const char *path = "trunk.vlans";
	char p[PATH_LEN];
	size_t i = 0;

	if (!j)
		return fail(err, path, "required");
	if (cJSON_IsString(j)) {
		if (vm_vlan_parse(j->valuestring, set, err) < 0)
			return vm_err_prefix(err, "%s", path);
		return 0;
	}
	if (!cJSON_IsArray(j))
		return fail(err, path,
			    "expected a string like \"100-200,300\" or an array of VLAN ids and "
			    "[start, end] pairs, got %s",
			    type_name(j));
	if (!j->child)
		return fail(err, path, "no VLAN ranges");
	for (const cJSON *c = j->child; c; c = c->next, i++) {
		path_index(p, path, i);
		if (vlan_item(c, p, set, err) < 0)
			return -1;
	}
	return 0;
}

static int load_trunk(const cJSON *root, struct vm_plan *plan, struct vm_err *err)
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
		return fail(err, "trunk", "required");
	if (want_object(t, "trunk", err) < 0 || check_keys(t, "trunk", keys, err) < 0)
		return -1;
	if (get_string(t, "trunk", "portgroup", 1, &tr->portgroup, err) < 0)
		return -1;
	len = vm_text_chars(tr->portgroup);
	if (len > PORTGROUP_MAX)
		return fail(err, "trunk.portgroup", "is %zu characters long; vCenter allows at most %d",
			    len, PORTGROUP_MAX);
	if (load_trunk_vlans(cJSON_GetObjectItemCaseSensitive(t, "vlans"), &tr->vlans, err) < 0)
		return -1;
	v = (int)tr->binding;
	if (get_enum(t, "trunk", "binding", bindings, &v, err) < 0)
		return -1;
	tr->binding = (enum vm_binding)v;
	v = (int)tr->nic_type;
	if (get_enum(t, "trunk", "nic_type", nics, &v, err) < 0)
		return -1;
	tr->nic_type = (enum vm_nic_type)v;
	v = (int)tr->driver;
	if (get_enum(t, "trunk", "container_driver", drivers, &v, err) < 0)
		return -1;
	tr->driver = (enum vm_container_driver)v;
	if ((ml = cJSON_GetObjectItemCaseSensitive(t, "mac_learning"))) {
		if (!cJSON_IsBool(ml))
			return fail(err, "trunk.mac_learning", "expected true or false, got %s", type_name(ml));
		tr->mac_learning = cJSON_IsTrue(ml);
		if (tr->mac_learning && tr->driver != VM_DRIVER_MACVLAN)
			return fail(err, "trunk.mac_learning",
				    "only means something with \"container_driver\": \"macvlan\" (ipvlan needs no change on the switch)");
	}
	return get_int(t, "trunk", "ports", 0, 1, 8192, &tr->ports, NULL, err);
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

static int load_management(const cJSON *root, struct vm_plan *plan, struct vm_err *err)
{
	static const char *const keys[] = {"network", "prefix", "gateway", "dns", "search", NULL};
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "management"), *j;
	struct vm_plan_mgmt *mg = &plan->management;
	char p[PATH_LEN], q[PATH_LEN];
	size_t i;

	if (!m)
		return 0;
	if (want_object(m, "management", err) < 0 ||
	    check_keys(m, "management", keys, err) < 0)
		return -1;
	plan->has_management = 1;
	if (get_string(m, "management", "network", 1, &mg->network, err) < 0 ||
	    get_int(m, "management", "prefix", 0, 1, 32, &mg->prefix, NULL, err) < 0 ||
	    get_ip(m, "management", "gateway", 0, &mg->gateway, &mg->has_gateway, err) < 0)
		return -1;

	if ((j = cJSON_GetObjectItemCaseSensitive(m, "dns"))) {
		if (want_array(j, "management.dns", err) < 0)
			return -1;
		mg->dns = vm_xcalloc((size_t)cJSON_GetArraySize(j), sizeof(*mg->dns));
		i = 0;
		for (const cJSON *c = j->child; c; c = c->next, i++) {
			uint32_t a;
			char s[VM_IP_STRLEN];

			path_index(p, "management.dns", i);
			if (ip_value(c, p, &a, err) < 0)
				return -1;
			vm_ip_format(a, s);
			mg->dns[mg->n_dns++] = vm_xstrdup(s);
		}
	}
	if ((j = cJSON_GetObjectItemCaseSensitive(m, "search"))) {
		if (want_array(j, "management.search", err) < 0)
			return -1;
		mg->search = vm_xcalloc((size_t)cJSON_GetArraySize(j), sizeof(*mg->search));
		i = 0;
		for (const cJSON *c = j->child; c; c = c->next, i++) {
			path_index(p, "management.search", i);
			if (!cJSON_IsString(c))
				return fail(err, p, "expected a domain name string, got %s",
					    type_name(c));
			if (!domain_ok(c->valuestring)) {
				cli_plan_quote(c->valuestring, q, sizeof(q));
				return fail(err, p, "%s is not a domain name", q);
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
	char p[PATH_LEN], q[PATH_LEN];
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(g, key);

	if (!j)
		return 0;
	path_key(p, "guest", key);
	if (!cJSON_IsString(j))
		return fail(err, p, "expected a string, got %s", type_name(j));
	if (!ifname_ok(j->valuestring)) {
		cli_plan_quote(j->valuestring, q, sizeof(q));
		return fail(err, p,
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
static int load_tags(const cJSON *root, struct vm_plan *plan, struct vm_err *err)
{
	static const char *const keys[] = {"category", "tag", NULL};
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "tags");
	struct vm_plan_tags *tg = &plan->tags;

	if (!t)
		return 0;
	if (want_object(t, "tags", err) < 0 || check_keys(t, "tags", keys, err) < 0 ||
	    get_string(t, "tags", "category", 1, &tg->category, err) < 0 ||
	    get_string(t, "tags", "tag", 1, &tg->tag, err) < 0)
		return -1;
	/* vCenter refuses longer names (the vAPI limit is 256 characters). */
	if (vm_text_chars(tg->category) > 256)
		return fail(err, "tags.category", "at most 256 characters");
	if (vm_text_chars(tg->tag) > 256)
		return fail(err, "tags.tag", "at most 256 characters");
	return 0;
}

static int load_guest(const cJSON *root, struct vm_plan *plan, struct vm_err *err)
{
	static const char *const keys[] = {"formats", "trunk_ifname", "mgmt_ifname",
					   "docker_version", NULL};
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(root, "guest"), *j;
	struct vm_plan_guest *gu = &plan->guest;
	char p[PATH_LEN], q[PATH_LEN];
	size_t i = 0;

	if (!g)
		return 0;
	if (want_object(g, "guest", err) < 0 || check_keys(g, "guest", keys, err) < 0)
		return -1;
	if ((j = cJSON_GetObjectItemCaseSensitive(g, "formats"))) {
		if (want_array(j, "guest.formats", err) < 0)
			return -1;
		if (!j->child)
			return fail(err, "guest.formats",
				    "must name at least one of ifupdown, netplan");
		gu->formats = 0;
		for (const cJSON *c = j->child; c; c = c->next, i++) {
			unsigned bit;

			path_index(p, "guest.formats", i);
			if (!cJSON_IsString(c))
				return fail(err, p, "expected a string, got %s", type_name(c));
			if (strcmp(c->valuestring, "ifupdown") == 0)
				bit = VM_FMT_IFUPDOWN;
			else if (strcmp(c->valuestring, "netplan") == 0)
				bit = VM_FMT_NETPLAN;
			else {
				cli_plan_quote(c->valuestring, q, sizeof(q));
				return fail(err, p, "%s is not one of ifupdown, netplan", q);
			}
			if (gu->formats & bit)
				return fail(err, p, "\"%s\" is listed twice", c->valuestring);
			gu->formats |= bit;
		}
	}
	if (get_ifname(g, "trunk_ifname", &gu->trunk_ifname, err) < 0 ||
	    get_ifname(g, "mgmt_ifname", &gu->mgmt_ifname, err) < 0)
		return -1;
	if ((j = cJSON_GetObjectItemCaseSensitive(g, "docker_version"))) {
		if (!cJSON_IsString(j))
			return fail(err, "guest.docker_version",
				    "expected a version string like \"20.10\", got %s", type_name(j));
		if (!docker_version_ok(j->valuestring)) {
			cli_plan_quote(j->valuestring, q, sizeof(q));
			return fail(err, "guest.docker_version",
				    "%s is not a version like \"20.10\" or \"24.0.7\"", q);
		}
		free(gu->docker_version);
		gu->docker_version = vm_xstrdup(j->valuestring);
	}
	return 0;
}

/* --- vlans and agents -------------------------------------------------------------- */

static int load_subnet(const cJSON *obj, const char *parent, struct vm_plan_vlan *v,
		       struct vm_err *err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, "subnet");
	char p[PATH_LEN], q[PATH_LEN], net[VM_IP_STRLEN];
	const char *slash;
	char *addr;
	uint32_t a;
	int rc;

	path_key(p, parent, "subnet");
	if (!j)
		return fail(err, p, "required");
	if (!cJSON_IsString(j))
		return fail(err, p, "expected a string like \"10.150.0.0/22\", got %s",
			    type_name(j));
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
			return fail(err, p, "%s has host bits set (the network is %s/%d)", q, net,
				    len);
		}
	}
	return fail(err, p, "%s is not an IPv4 subnet like \"10.150.0.0/22\"", q);
}

static int load_vlan(const cJSON *j, const char *path, struct vm_plan_vlan *v,
		     struct vm_err *err)
{
	static const char *const keys[] = {"id", "subnet", "gateway", "agent_prefix", "network",
					   "mode", "reserved", NULL};
	static const char *const modes[] = {"l2", "l3", NULL};
	char p[PATH_LEN], q[PATH_LEN];
	int mode = VM_MODE_L2;

	if (want_object(j, path, err) < 0 || check_keys(j, path, keys, err) < 0)
		return -1;
	if (get_int(j, path, "id", 1, 0, VM_VLAN_MAX, &v->id, NULL, err) < 0 ||
	    load_subnet(j, path, v, err) < 0 ||
	    get_ip(j, path, "gateway", 1, &v->gateway, NULL, err) < 0 ||
	    get_int(j, path, "agent_prefix", 1, 1, 32, &v->agent_prefix, NULL, err) < 0 ||
	    get_string(j, path, "network", 0, &v->network, err) < 0 ||
	    get_enum(j, path, "mode", modes, &mode, err) < 0 ||
	    cli_plan_reserved_load(j, path, v, err) < 0)
		return -1;
	v->mode = (enum vm_ipvlan_mode)mode;
	if (!v->network)
		v->network = vm_xasprintf("vlan%d", v->id);
	if (!vm_plan_docker_name_ok(v->network)) {
		path_key(p, path, "network");
		cli_plan_quote(v->network, q, sizeof(q));
		return fail(err, p,
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

	if (want_object(j, path, err) < 0 || check_keys(j, path, keys, err) < 0)
		return -1;
	n = get_string(j, path, "vm", 0, &a->vm, err) < 0 || get_string(j, path, "uuid", 0, &uuid, err) < 0 ||
	    get_string(j, path, "moref", 0, &moref, err) < 0;
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
		char p[PATH_LEN];
		path_key(p, path, "vm");
		return n ? fail(err, path, "give only one of vm, uuid and moref")
			 : fail(err, p, "required (or \"uuid\", or \"moref\")");
	}
	if (uuid || moref) {
		a->by = uuid ? VM_AGENT_UUID : VM_AGENT_MOREF;
		a->ref = uuid ? uuid : moref;
		if (strcspn(a->ref, " \t/") != strlen(a->ref))
			return fail(err, path, "%s: \"%s\" has a space or '/' (a %s is one word)",
				    uuid ? "uuid" : "moref", a->ref, uuid ? "UUID" : "managed object id such as vm-123");
		a->vm = vm_xstrdup(a->ref);
	} else if (a->vm[0] == '/') {
		/* An inventory path, as govc takes it: /DC0/vm/folder/name. */
		const char *last = strrchr(a->vm, '/') + 1;
		if (!*last || strstr(a->vm, "//"))
			return fail(err, path, "vm: \"%s\" is not an inventory path (/datacenter/vm/folder/name)", a->vm);
		a->by = VM_AGENT_PATH;
		a->ref = a->vm;
		a->vm = vm_xstrdup(last);
	}
	if (get_ip(j, path, "mgmt_address", 1, &a->mgmt_address, NULL, err) < 0 ||
	    get_int(j, path, "slot", 0, INT_MIN, INT_MAX, &a->slot, &a->slot_explicit, err) < 0)
		return -1;
	if (!a->slot_explicit) {
		if (index > INT_MAX)
			return fail(err, path, "too many agents");
		a->slot = (int)index;
	}
	return 0;
}

static int load_lists(const cJSON *root, struct vm_plan *plan, struct vm_err *err)
{
	const cJSON *j;
	char p[PATH_LEN];

	if ((j = cJSON_GetObjectItemCaseSensitive(root, "vlans"))) {
		if (want_array(j, "vlans", err) < 0)
			return -1;
		plan->vlans = vm_xcalloc((size_t)cJSON_GetArraySize(j), sizeof(*plan->vlans));
		for (const cJSON *c = j->child; c; c = c->next) {
			/* Counted before loading so vm_plan_free() sees a partial entry. */
			struct vm_plan_vlan *v = &plan->vlans[plan->n_vlans++];

			path_index(p, "vlans", plan->n_vlans - 1);
			if (load_vlan(c, p, v, err) < 0)
				return -1;
		}
	}
	if ((j = cJSON_GetObjectItemCaseSensitive(root, "agents"))) {
		if (want_array(j, "agents", err) < 0)
			return -1;
		plan->agents = vm_xcalloc((size_t)cJSON_GetArraySize(j), sizeof(*plan->agents));
		for (const cJSON *c = j->child; c; c = c->next) {
			struct vm_plan_agent *a = &plan->agents[plan->n_agents++];

			path_index(p, "agents", plan->n_agents - 1);
			if (load_agent(c, p, plan->n_agents - 1, a, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* --- entry points ---------------------------------------------------------------- */

static int json_syntax_error(const char *json, const char *stop, const char *name,
			     struct vm_err *err)
{
	size_t off = stop && stop >= json ? (size_t)(stop - json) : 0;
	size_t line = 1, col = 1;
	char snippet[PATH_LEN];
	const char *ls;

	for (size_t i = 0; i < off && json[i]; i++) {
		if (json[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)json[i] & 0xc0) != 0x80) {
			col++;
		}
	}
	if (off >= strlen(json)) {
		if (strspn(json, " \t\r\n") == strlen(json))
			return vm_err_set(err, VM_ERR_USAGE,
					  "%s: empty file: expected a JSON object", name);
		return vm_err_set(err, VM_ERR_USAGE,
				  "%s:%zu:%zu: malformed JSON: unexpected end of file (unclosed "
				  "string, object or array?)",
				  name, line, col);
	}
	/* cJSON sometimes stops one character past the culprit (a stray '}' after a
	 * comma), so show a little of the same line on both sides. */
	ls = json + off;
	{
		size_t before = 0, after = strcspn(ls, "\r\n");
		char *tmp;

		while (before < 20 && ls - before > json && ls[-(ptrdiff_t)before - 1] != '\n' &&
		       ls[-(ptrdiff_t)before - 1] != '\r')
			before++;
		if (after > 20)
			after = 20;
		tmp = vm_xstrndup(ls - before, before + after);
		cli_plan_quote(tmp, snippet, sizeof(snippet));
		free(tmp);
	}
	return vm_err_set(err, VM_ERR_USAGE, "%s:%zu:%zu (byte %zu): malformed JSON near %s", name,
			  line, col, off, snippet);
}

int cli_plan_load_string(const char *json, const char *source_name, struct vm_plan **out,
			 struct vm_err *err)
{
	const char *name = source_name ? source_name : "<plan>";
	const char *body = json, *stop = NULL;
	char *masked;
	uint32_t sentinel;
	struct vm_plan *plan = NULL;
	cJSON *root = NULL;
	int rc = -1;
	static const char *const keys[] = {"datacenter", "switch", "trunk", "management",
					   "guest", "vlans", "agents", "tags", "autoscale", NULL};

	*out = NULL;
	if (!json)
		return vm_err_set(err, VM_ERR_USAGE, "%s: no plan text", name);
	/* Editors on Windows like to start files with a byte order mark; cJSON does not. */
	if ((unsigned char)body[0] == 0xef && (unsigned char)body[1] == 0xbb &&
	    (unsigned char)body[2] == 0xbf)
		body += 3;
	masked = cli_plan_nul_mask(body, &sentinel);
	root = cJSON_ParseWithOpts(masked ? masked : body, &stop, 1);
	if (!root) {
		/* Offsets into the copy are offsets into the text. */
		if (masked && stop)
			stop = body + (stop - masked);
		free(masked);
		return json_syntax_error(json, stop, name, err);
	}
	free(masked);
	if (cli_plan_nul_find(root, sentinel, err) < 0)
		goto cleanup;
	if (!cJSON_IsObject(root)) {
		vm_err_set(err, VM_ERR_USAGE, "%s: a plan is a JSON object, got %s", name,
			   type_name(root));
		goto cleanup;
	}

	plan = vm_xcalloc(1, sizeof(*plan));
	plan->trunk.binding = VM_BINDING_STATIC;
	plan->trunk.ports = 8;
	plan->trunk.nic_type = VM_NIC_VMXNET3;
	plan->management.prefix = 24;
	plan->guest.formats = VM_FMT_IFUPDOWN | VM_FMT_NETPLAN;
	plan->guest.trunk_ifname = vm_xstrdup("ens160");
	plan->guest.mgmt_ifname = vm_xstrdup("ens192");
	plan->guest.docker_version = vm_xstrdup("20.10");

	if (check_keys(root, "", keys, err) < 0 ||
	    get_string(root, "", "datacenter", 0, &plan->datacenter, err) < 0 ||
	    get_string(root, "", "switch", 1, &plan->sw, err) < 0 ||
	    load_trunk(root, plan, err) < 0 || load_management(root, plan, err) < 0 ||
	    load_guest(root, plan, err) < 0 || load_tags(root, plan, err) < 0 ||
	    load_lists(root, plan, err) < 0 ||
	    vm_plan_validate(plan, err) < 0 || cli_plan_autoscale_load(root, plan, err) < 0)
		goto cleanup;
	*out = plan;
	plan = NULL;
	rc = 0;

cleanup:
	vm_plan_free(&plan);
	cJSON_Delete(root);
	return rc;
}

int cli_plan_load_file(const char *path, struct vm_plan **out, struct vm_err *err)
{
	int is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	struct vm_buf b = {0};
	struct stat st;
	char chunk[65536];
	int fd, rc = -1;
	ssize_t n;

	*out = NULL;
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vm_err_set(err, VM_ERR_USAGE, "%s: cannot open the plan file: %s", name,
				  strerror(errno));
	if (fstat(fd, &st) < 0) {
		vm_err_set(err, VM_ERR_USAGE, "%s: cannot read the plan file: %s", name,
			   strerror(errno));
		goto cleanup;
	}
	if (S_ISDIR(st.st_mode)) {
		vm_err_set(err, VM_ERR_USAGE, "%s: is a directory, not a plan file", name);
		goto cleanup;
	}
	/* st_size is only a hint (pipes say 0), so the read loop enforces the cap too. */
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > CLI_PLAN_MAX_BYTES)
		goto too_big;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vm_err_set(err, VM_ERR_USAGE, "%s: cannot read the plan file: %s", name,
				   strerror(errno));
			goto cleanup;
		}
		if (n == 0)
			break;
		vm_buf_add(&b, chunk, (size_t)n);
		if (b.len > CLI_PLAN_MAX_BYTES)
			goto too_big;
	}
	if (b.len == 0) {
		vm_err_set(err, VM_ERR_USAGE, "%s: empty file: expected a JSON object", name);
		goto cleanup;
	}
	/* A NUL would silently end the text early; such a file is not JSON. */
	if (memchr(b.data, '\0', b.len)) {
		vm_err_set(err, VM_ERR_USAGE, "%s: contains a NUL byte at offset %zu: not a JSON text",
			   name, (size_t)((char *)memchr(b.data, '\0', b.len) - b.data));
		goto cleanup;
	}
	rc = cli_plan_load_string(b.data, name, out, err);
	goto cleanup;

too_big:
	vm_err_set(err, VM_ERR_USAGE, "%s: larger than %u MiB: refused as a plan file", name,
		   CLI_PLAN_MAX_BYTES / (1024 * 1024));
cleanup:
	vm_buf_reset(&b);
	if (!is_stdin)
		close(fd);
	return rc;
}
