/* test_plan.c — the JSON plan loader: every fixture plan, every invalid plan with its
 * expected message, defaults, names with special characters, file errors. */
#include "unit.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_plan.h"
#include "vm_alloc.h"
#include "vm_ipplan.h"

#define INVALID_DIR FIXTURE("plans/invalid")

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct vm_buf b = {0};
	char chunk[4096];
	size_t n;

	if (!f)
		fail_msg("cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		vm_buf_add(&b, chunk, n);
	fclose(f);
	return vm_buf_steal(&b);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static struct vm_plan *load_ok(const char *json)
{
	struct vm_plan *p = NULL;
	struct vm_err err = {0};

	if (cli_plan_load_string(json, "test.json", &p, &err) < 0)
		fail_msg("unexpected error: %s\nplan: %s", err.msg, json);
	assert_non_null(p);
	return p;
}

static void load_fails(const char *json, const char *want)
{
	struct vm_plan *p = (struct vm_plan *)1;
	struct vm_err err = {0};

	assert_int_equal(cli_plan_load_string(json, "test.json", &p, &err), -1);
	assert_null(p);
	assert_int_equal(err.kind, VM_ERR_USAGE);
	if (!strstr(err.msg, want))
		fail_msg("message \"%s\" lacks \"%s\"\nplan: %s", err.msg, want, json);
}

static void assert_vlans(const struct vm_vlan_set *set, const char *want)
{
	char *got = vm_vlan_set_format(set);

	assert_string_equal(got, want);
	free(got);
}

static void assert_ip(uint32_t a, const char *want)
{
	char s[VM_IP_STRLEN];

	vm_ip_format(a, s);
	assert_string_equal(s, want);
}

static void test_all_valid_fixtures(void **state)
{
	DIR *d = opendir(FIXTURE("plans"));
	struct dirent *e;
	int n = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		char *path;
		struct vm_plan *p = NULL;
		struct vm_err err = {0};

		if (!ends_with(e->d_name, ".json"))
			continue;
		path = vm_xasprintf("%s/%s", FIXTURE("plans"), e->d_name);
		if (cli_plan_load_file(path, &p, &err) < 0)
			fail_msg("%s: %s", path, err.msg);
		assert_non_null(p);
		vm_plan_free(&p);
		free(path);
		n++;
	}
	closedir(d);
	assert_true(n >= 2);
}

static void test_all_invalid_fixtures(void **state)
{
	DIR *d = opendir(INVALID_DIR);
	struct dirent *e;
	int n = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		char *path, *errpath, *want;
		struct vm_plan *p = NULL;
		struct vm_err err = {0};
		size_t len;

		if (!ends_with(e->d_name, ".json"))
			continue;
		path = vm_xasprintf("%s/%s", INVALID_DIR, e->d_name);
		errpath = vm_xasprintf("%.*s.err", (int)(strlen(path) - 5), path);
		if (access(errpath, R_OK) != 0)
			fail_msg("%s has no %s", path, errpath);
		want = slurp(errpath);
		len = strcspn(want, "\r\n");
		want[len] = '\0';
		assert_true(len > 0);
		if (cli_plan_load_file(path, &p, &err) == 0)
			fail_msg("%s loaded, expected: %s", path, want);
		assert_null(p);
		if (err.kind != VM_ERR_USAGE)
			fail_msg("%s: kind %s, expected usage", path, vm_err_kind_name(err.kind));
		if (!strstr(err.msg, want))
			fail_msg("%s:\n  got:      %s\n  expected: %s", path, err.msg, want);
		free(want);
		free(errpath);
		free(path);
		n++;
	}
	closedir(d);
	assert_true(n >= 50);
}

/* Every .err has its plan: a renamed plan must not leave its check behind. */
static void test_invalid_fixtures_paired(void **state)
{
	DIR *d = opendir(INVALID_DIR);
	struct dirent *e;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		char *path;

		if (e->d_name[0] == '.')
			continue;
		if (!ends_with(e->d_name, ".err")) {
			if (!ends_with(e->d_name, ".json"))
				fail_msg("unexpected file %s in %s", e->d_name, INVALID_DIR);
			continue;
		}
		path = vm_xasprintf("%s/%.*s.json", INVALID_DIR, (int)(strlen(e->d_name) - 4),
				    e->d_name);
		if (access(path, R_OK) != 0)
			fail_msg("%s/%s has no plan %s", INVALID_DIR, e->d_name, path);
		free(path);
	}
	closedir(d);
}

static void test_demo(void **state)
{
	struct vm_plan *p = NULL;
	struct vm_err err = {0};

	(void)state;
	if (cli_plan_load_file(FIXTURE("plans/demo.json"), &p, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(p->datacenter, "DC0");
	assert_string_equal(p->sw, "DVS0");
	assert_string_equal(p->trunk.portgroup, "Kasm-Trunk");
	assert_vlans(&p->trunk.vlans, "100-200,300");
	assert_int_equal(p->trunk.binding, VM_BINDING_STATIC);
	assert_int_equal(p->trunk.ports, 8);
	assert_int_equal(p->trunk.nic_type, VM_NIC_VMXNET3);
	assert_true(p->has_management);
	assert_string_equal(p->management.network, "VM Network");
	assert_int_equal(p->management.prefix, 24);
	assert_true(p->management.has_gateway);
	assert_ip(p->management.gateway, "10.0.0.1");
	assert_int_equal(p->management.n_dns, 1);
	assert_string_equal(p->management.dns[0], "10.0.0.2");
	assert_int_equal(p->management.n_search, 1);
	assert_string_equal(p->management.search[0], "corp.example");
	assert_int_equal(p->guest.formats, VM_FMT_IFUPDOWN | VM_FMT_NETPLAN);
	assert_string_equal(p->guest.trunk_ifname, "ens160");
	assert_string_equal(p->guest.mgmt_ifname, "ens192");
	assert_string_equal(p->guest.docker_version, "20.10");

	assert_int_equal(p->n_vlans, 2);
	assert_int_equal(p->vlans[0].id, 150);
	assert_ip(p->vlans[0].subnet, "10.150.0.0");
	assert_int_equal(p->vlans[0].prefix, 22);
	assert_ip(p->vlans[0].gateway, "10.150.0.1");
	assert_int_equal(p->vlans[0].agent_prefix, 25);
	assert_string_equal(p->vlans[0].network, "vlan150");
	assert_int_equal(p->vlans[0].mode, VM_MODE_L2);
	assert_int_equal(p->vlans[1].id, 300);
	assert_ip(p->vlans[1].subnet, "10.30.0.0");
	assert_int_equal(p->vlans[1].prefix, 24);
	assert_int_equal(p->vlans[1].agent_prefix, 27);

	assert_int_equal(p->n_agents, 2);
	assert_string_equal(p->agents[0].vm, "DC0_H0_VM0");
	assert_ip(p->agents[0].mgmt_address, "10.0.0.11");
	assert_int_equal(p->agents[0].slot, 0);
	assert_false(p->agents[0].slot_explicit);
	assert_string_equal(p->agents[1].vm, "DC0_C0_RP0_VM0");
	assert_ip(p->agents[1].mgmt_address, "10.0.0.12");
	assert_int_equal(p->agents[1].slot, 1);

	/* The demo's own capacities, as the report will print them. */
	assert_int_equal(vm_ipplan_vlan_usable(&p->vlans[0]), 1021);
	assert_ip(vm_ipplan_block_get(&p->vlans[0], 1), "10.150.0.128");
	assert_int_equal(vm_ipplan_block_usable(&p->vlans[0], 0), 126);
	assert_int_equal(vm_ipplan_block_usable(&p->vlans[0], 1), 128);
	assert_ip(vm_ipplan_block_get(&p->vlans[1], 1), "10.30.0.32");
	vm_plan_free(&p);
}

static void test_portgroup_only(void **state)
{
	struct vm_plan *p = NULL;
	struct vm_err err = {0};

	(void)state;
	if (cli_plan_load_file(FIXTURE("plans/portgroup-only.json"), &p, &err) < 0)
		fail_msg("%s", err.msg);
	assert_false(p->has_management);
	assert_null(p->management.network);
	assert_int_equal(p->n_vlans, 0);
	assert_int_equal(p->n_agents, 0);
	assert_vlans(&p->trunk.vlans, "100-200,300");
	vm_plan_free(&p);
}

static void test_defaults(void **state)
{
	struct vm_plan *p;

	(void)state;
	p = load_ok("{\"switch\": \"DVS0\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"150,300\"},"
		    " \"management\": {\"network\": \"VM Network\"},"
		    " \"vlans\": [{\"id\": 300, \"subnet\": \"10.30.0.0/24\", \"gateway\": \"10.30.0.1\","
		    "  \"agent_prefix\": 27}],"
		    " \"agents\": [{\"vm\": \"a\", \"mgmt_address\": \"192.168.1.10\"},"
		    "  {\"vm\": \"b\", \"mgmt_address\": \"172.16.0.10\"}]}");
	assert_null(p->datacenter);
	assert_int_equal(p->trunk.binding, VM_BINDING_STATIC);
	assert_int_equal(p->trunk.ports, 8);
	assert_int_equal(p->trunk.nic_type, VM_NIC_VMXNET3);
	assert_int_equal(p->management.prefix, 24);
	assert_false(p->management.has_gateway);
	assert_int_equal(p->management.n_dns, 0);
	assert_int_equal(p->management.n_search, 0);
	assert_int_equal(p->guest.formats, VM_FMT_IFUPDOWN | VM_FMT_NETPLAN);
	assert_string_equal(p->guest.trunk_ifname, "ens160");
	assert_string_equal(p->guest.mgmt_ifname, "ens192");
	assert_string_equal(p->guest.docker_version, "20.10");
	assert_string_equal(p->vlans[0].network, "vlan300");
	assert_int_equal(p->vlans[0].mode, VM_MODE_L2);
	assert_int_equal(p->agents[0].slot, 0);
	assert_int_equal(p->agents[1].slot, 1);
	assert_null(p->tags.category);
	assert_null(p->tags.tag);
	vm_plan_free(&p);
}

static void test_non_defaults(void **state)
{
	struct vm_plan *p;

	(void)state;
	p = load_ok("{\"switch\": \"DVS0\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": [5],"
		    " \"binding\": \"ephemeral\", \"ports\": 8192, \"nic_type\": \"e1000e\"},"
		    " \"management\": {\"network\": \"M\", \"prefix\": 16, \"dns\": [], \"search\":"
		    "  [\"a.example\", \"b-c.example.\"]},"
		    " \"guest\": {\"formats\": [\"netplan\"], \"trunk_ifname\": \"eth1\","
		    "  \"mgmt_ifname\": \"eth0\", \"docker_version\": \"18.09.1\"},"
		    " \"vlans\": [{\"id\": 5, \"subnet\": \"10.5.0.0/16\", \"gateway\": \"10.5.255.254\","
		    "  \"agent_prefix\": 24, \"network\": \"Kasm_5.net-x\", \"mode\": \"l2\","
		    "  \"reserved\": [\"10.5.0.2\", \"10.5.255.250-10.5.255.253\"]}]}");
	assert_int_equal(p->trunk.binding, VM_BINDING_EPHEMERAL);
	assert_int_equal(p->trunk.ports, 8192);
	assert_int_equal(p->trunk.nic_type, VM_NIC_E1000E);
	assert_int_equal(p->management.prefix, 16);
	assert_int_equal(p->management.n_search, 2);
	assert_string_equal(p->management.search[1], "b-c.example.");
	assert_int_equal(p->guest.formats, VM_FMT_NETPLAN);
	assert_string_equal(p->guest.trunk_ifname, "eth1");
	assert_string_equal(p->guest.docker_version, "18.09.1");
	assert_string_equal(p->vlans[0].network, "Kasm_5.net-x");
	assert_int_equal(p->vlans[0].mode, VM_MODE_L2);
	assert_int_equal(p->vlans[0].n_reserved, 2);
	assert_int_equal(p->vlans[0].reserved[0].lo, 0x0a050002);
	assert_int_equal(p->vlans[0].reserved[0].hi, 0x0a050002);
	assert_int_equal(p->vlans[0].reserved[1].lo, 0x0a05fffa);
	assert_int_equal(p->vlans[0].reserved[1].hi, 0x0a05fffd);
	vm_plan_free(&p);

	p = load_ok("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"1\","
		    " \"nic_type\": \"e1000\"}, \"guest\": {\"formats\": [\"ifupdown\"]},"
		    " \"tags\": {\"category\": \"Kasm r\u00f4le\", \"tag\": \"ipvlan agent\"}}");
	assert_string_equal(p->tags.category, "Kasm r\xc3\xb4le");
	assert_string_equal(p->tags.tag, "ipvlan agent");
	assert_int_equal(p->trunk.nic_type, VM_NIC_E1000);
	assert_int_equal(p->guest.formats, VM_FMT_IFUPDOWN);
	vm_plan_free(&p);
}

static void test_trunk_vlan_array(void **state)
{
	struct vm_plan *p;

	(void)state;
	p = load_ok("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\","
		    " \"vlans\": [300, [100, 150], [151, 200], 0, [4094, 4094], 299]}}");
	assert_vlans(&p->trunk.vlans, "0,100-200,299-300,4094");
	vm_plan_free(&p);
	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": [[1]]}}",
		   "trunk.vlans[0]: expected a [start, end] pair of VLAN ids, got an array of 1");
	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": [[1, \"2\"]]}}",
		   "trunk.vlans[0]: expected a [start, end] pair");
	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": [-1]}}",
		   "trunk.vlans[0]: -1 is outside 0-4094");
	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": [1e300]}}",
		   "trunk.vlans[0]: 1e+300 is outside 0-4094");
	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": [null]}}",
		   "trunk.vlans[0]: expected a VLAN id or a [start, end] pair, got null");
}

static void test_special_names(void **state)
{
	struct vm_plan *p;
	struct vm_buf b = {0};
	char *json;

	(void)state;
	p = load_ok("{\"switch\": \"DVS <prod> & co\","
		    " \"datacenter\": \"DC \\\"east\\\" 'one'\","
		    " \"trunk\": {\"portgroup\": \"Kasm & <Trunk> \\\"q\\\" 'x' \\u00e9\\u4e2d/%\","
		    "  \"vlans\": \"100\"},"
		    " \"management\": {\"network\": \"VM Network & <stuff>\"},"
		    " \"agents\": [{\"vm\": \"agent \\\"1\\\" <&> \\u00fc\", \"mgmt_address\": \"10.0.0.5\"}]}");
	assert_string_equal(p->sw, "DVS <prod> & co");
	assert_string_equal(p->datacenter, "DC \"east\" 'one'");
	assert_string_equal(p->trunk.portgroup, "Kasm & <Trunk> \"q\" 'x' \xc3\xa9\xe4\xb8\xad/%");
	assert_string_equal(p->management.network, "VM Network & <stuff>");
	assert_string_equal(p->agents[0].vm, "agent \"1\" <&> \xc3\xbc");
	vm_plan_free(&p);

	/* The 80-character limit counts characters, not bytes. */
	vm_buf_adds(&b, "{\"switch\": \"S\", \"trunk\": {\"vlans\": \"1\", \"portgroup\": \"");
	for (int i = 0; i < 80; i++)
		vm_buf_adds(&b, "\xc3\xa9");
	json = vm_xasprintf("%s\"}}", b.data);
	p = load_ok(json);
	assert_int_equal(strlen(p->trunk.portgroup), 160);
	vm_plan_free(&p);
	free(json);
	json = vm_xasprintf("%sx\"}}", b.data);
	load_fails(json, "trunk.portgroup: is 81 characters long; vCenter allows at most 80");
	free(json);
	vm_buf_reset(&b);

	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"a\\u0007b\", \"vlans\": \"1\"}}",
		   "trunk.portgroup: contains a control character (U+0007 at byte 1)");
	/* Issue 15: what YAML reads as a line break, C1 controls and bidi formatting are
	 * refused in every string, whether written raw or as an escape. */
	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"1\"},"
		   " \"management\": {\"network\": \"N\"}, \"agents\": [{\"vm\": \"a\\u2028b\","
		   " \"mgmt_address\": \"10.0.0.5\"}]}",
		   "agents[0].vm: contains a Unicode line separator, a line break in YAML (U+2028 at byte 1)");
	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\xc2\x85x\", \"vlans\": \"1\"}}",
		   "trunk.portgroup: contains a control character that YAML reads as a line break (NEL) "
		   "(U+0085 at byte 1)");
	load_fails("{\"switch\": \"S\\u009b31m\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"1\"}}",
		   "switch: contains a C1 control character (U+009B at byte 1)");
	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\xe2\x80\xaex\", \"vlans\": \"1\"}}",
		   "trunk.portgroup: contains a bidirectional formatting character");
	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"1\"},"
		   " \"management\": {\"network\": \"N\\u2029x\"}}",
		   "management.network: contains a Unicode paragraph separator");
	/* A NUL escape would cut the string short in cJSON: refused, the field named, in a
	 * value, in a key, and in a value of a list; an escaped backslash before u0000 is
	 * just text. */
	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\\u0000x\", \"vlans\": \"1\"}}",
		   "trunk.portgroup: contains \\u0000 (a NUL character), which would cut the text short");
	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"1\","
		   " \"binding\": \"static\\u0000junk\"}}",
		   "trunk.binding: contains \\u0000 (a NUL character)");
	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"1\"},"
		   " \"management\": {\"network\": \"N\"}, \"agents\": [{\"vm\": \"a\","
		   " \"vm\\u0000x\": \"b\", \"mgmt_address\": \"10.0.0.5\"}]}",
		   "agents[0]: a key contains \\u0000 (a NUL character)");
	p = load_ok("{\"switch\": \"S\\\\u0000\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"1\"}}");
	assert_string_equal(p->sw, "S\\u0000");
	vm_plan_free(&p);
	load_fails("{\"switch\": \"S\xff\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"1\"}}",
		   "switch: is not valid UTF-8");
	/* A user's text in a message is quoted, escaped and cut. */
	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"1\","
		   " \"binding\": \"a\\n\\\"b\\\"\"}}",
		   "trunk.binding: \"a\\u000a\\\"b\\\"\" is not one of static, ephemeral");
	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"1\","
		   " \"bad key\\u001b[31m\": 1}}",
		   "trunk.\"bad key\\u001b[31m\": unknown key");
	load_fails("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"1\","
		   " \"binding\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}}",
		   "xxxxxxxxxx...\" is not one of");
	/* Escapes that would overflow the quote are cut before they are, not after. */
	{
		struct vm_buf j = {0};

		vm_buf_adds(&j, "{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"1\","
			       " \"binding\": \"");
		for (int i = 0; i < 60; i++)
			vm_buf_adds(&j, "\\u0001");
		vm_buf_adds(&j, "\"}}");
		load_fails(j.data, "\\u0001...\" is not one of static, ephemeral");
		vm_buf_reset(&j);
	}
}

static void test_explicit_slots(void **state)
{
	struct vm_plan *p;

	(void)state;
	p = load_ok("{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"150\"},"
		    " \"management\": {\"network\": \"M\", \"gateway\": \"10.0.0.1\"},"
		    " \"vlans\": [{\"id\": 150, \"subnet\": \"10.150.0.0/22\", \"gateway\": \"10.150.0.1\","
		    "  \"agent_prefix\": 25}],"
		    " \"agents\": [{\"vm\": \"a\", \"mgmt_address\": \"10.0.0.10\", \"slot\": 7},"
		    "  {\"vm\": \"b\", \"mgmt_address\": \"10.0.0.11\"},"
		    "  {\"vm\": \"c\", \"mgmt_address\": \"10.0.0.12\", \"slot\": 0}]}");
	assert_int_equal(p->agents[0].slot, 7);
	assert_true(p->agents[0].slot_explicit);
	assert_int_equal(p->agents[1].slot, 1);
	assert_false(p->agents[1].slot_explicit);
	assert_int_equal(p->agents[2].slot, 0);
	assert_ip(vm_ipplan_block_get(&p->vlans[0], p->agents[0].slot), "10.150.3.128");
	assert_int_equal(vm_ipplan_block_usable(&p->vlans[0], p->agents[0].slot), 127);
	assert_ip(vm_ipplan_block_get(&p->vlans[0], p->agents[1].slot), "10.150.0.128");
	assert_ip(vm_ipplan_block_get(&p->vlans[0], p->agents[2].slot), "10.150.0.0");
	vm_plan_free(&p);
}

/* An agent's VM by name, inventory path, uuid or moref: the name (its guest files'
 * directory) is the path's last part, or the uuid/moref until vCenter is read. */
static void test_agent_refs(void **state)
{
	struct vm_plan *p;
	static const char head[] = "{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"150\"},"
				   " \"management\": {\"network\": \"M\", \"gateway\": \"10.0.0.1\"}, \"agents\": [";
	char buf[1024];

	(void)state;
	snprintf(buf, sizeof(buf), "%s%s", head,
		 "{\"vm\": \"a\", \"mgmt_address\": \"10.0.0.10\"},"
		 "{\"vm\": \"/DC0/vm/kasm/b\", \"mgmt_address\": \"10.0.0.11\"},"
		 "{\"uuid\": \"4211AB\", \"mgmt_address\": \"10.0.0.12\"},"
		 "{\"moref\": \"vm-12\", \"mgmt_address\": \"10.0.0.13\"}]}");
	p = load_ok(buf);
	assert_int_equal(p->agents[0].by, VM_AGENT_NAME);
	assert_null(p->agents[0].ref);
	assert_int_equal(p->agents[1].by, VM_AGENT_PATH);
	assert_string_equal(p->agents[1].ref, "/DC0/vm/kasm/b");
	assert_string_equal(p->agents[1].vm, "b");
	assert_int_equal(p->agents[2].by, VM_AGENT_UUID);
	assert_string_equal(p->agents[2].vm, "4211AB");
	assert_int_equal(p->agents[3].by, VM_AGENT_MOREF);
	assert_string_equal(p->agents[3].ref, "vm-12");
	vm_plan_free(&p);
	snprintf(buf, sizeof(buf), "%s%s", head, "{\"uuid\": \"x\", \"moref\": \"vm-1\", \"mgmt_address\": \"10.0.0.10\"}]}");
	load_fails(buf, "agents[0]: give only one of vm, uuid and moref");
	snprintf(buf, sizeof(buf), "%s%s", head, "{\"mgmt_address\": \"10.0.0.10\"}]}");
	load_fails(buf, "agents[0].vm: required (or \"uuid\", or \"moref\")");
	snprintf(buf, sizeof(buf), "%s%s", head, "{\"vm\": \"/DC0//b\", \"mgmt_address\": \"10.0.0.10\"}]}");
	load_fails(buf, "is not an inventory path");
	snprintf(buf, sizeof(buf), "%s%s", head, "{\"uuid\": \"42 11\", \"mgmt_address\": \"10.0.0.10\"}]}");
	load_fails(buf, "uuid: \"42 11\" has a space");
}

/* Adding an agent at the end of the file leaves every existing agent's block alone. */
static void test_append_agent(void **state)
{
	static const char head[] =
		"{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"150,300\"},"
		" \"management\": {\"network\": \"M\", \"gateway\": \"10.0.0.1\"},"
		" \"vlans\": [{\"id\": 150, \"subnet\": \"10.150.0.0/22\", \"gateway\": \"10.150.0.1\","
		"  \"agent_prefix\": 25}, {\"id\": 300, \"subnet\": \"10.30.0.0/24\","
		"  \"gateway\": \"10.30.0.1\", \"agent_prefix\": 27}],"
		" \"agents\": [{\"vm\": \"a\", \"mgmt_address\": \"10.0.0.10\"},"
		"  {\"vm\": \"b\", \"mgmt_address\": \"10.0.0.11\", \"slot\": 5},"
		"  {\"vm\": \"c\", \"mgmt_address\": \"10.0.0.12\"}";
	char *before_json = vm_xasprintf("%s]}", head);
	char *after_json = vm_xasprintf(
		"%s, {\"vm\": \"d\", \"mgmt_address\": \"10.0.0.13\"}]}", head);
	struct vm_plan *before, *after;

	(void)state;
	before = load_ok(before_json);
	after = load_ok(after_json);
	assert_int_equal(after->n_agents, before->n_agents + 1);
	for (size_t v = 0; v < before->n_vlans; v++)
		for (size_t i = 0; i < before->n_agents; i++) {
			assert_string_equal(before->agents[i].vm, after->agents[i].vm);
			assert_int_equal(vm_ipplan_block_get(&before->vlans[v], before->agents[i].slot),
					 vm_ipplan_block_get(&after->vlans[v], after->agents[i].slot));
		}
	assert_int_equal(after->agents[3].slot, 3);
	vm_plan_free(&before);
	vm_plan_free(&after);
	free(before_json);
	free(after_json);
}

static void test_malformed_json(void **state)
{
	(void)state;
	load_fails("{\n  \"switch\": \"S\",\n  \"trunk\": {}\n  \"x\": 1\n}",
		   "test.json:4:3 (byte 35): malformed JSON near \"  \\\"x\\\": 1\"");
	load_fails("{\"switch\": \"S\"} trailing", "test.json:1:17 (byte 16): malformed JSON");
	load_fails("{\"switch\": \"S\",", "test.json:1:16: malformed JSON: unexpected end of file");
	load_fails("", "test.json: empty file");
	load_fails(" \n ", "test.json: empty file");
	load_fails("null", "test.json: a plan is a JSON object, got null");
	load_fails("\"x\"", "test.json: a plan is a JSON object, got a string");
	/* Columns count characters, not bytes. */
	load_fails("{\"datacenter\": \"\xc3\xa9\xc3\xa9\" x}", "test.json:1:21");
	/* A byte order mark is not an error. */
	{
		struct vm_plan *p =
			load_ok("\xef\xbb\xbf{\"switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"1\"}}");
		vm_plan_free(&p);
	}
	load_fails("{\"switch\": \"S\", \"switch\": \"S2\", \"trunk\": {}}", "switch: appears twice");
	/* Key matching is exact: cJSON's default lookup is case-insensitive. */
	load_fails("{\"Switch\": \"S\", \"trunk\": {\"portgroup\": \"T\", \"vlans\": \"1\"}}",
		   "Switch: unknown key");
}

static char *temp_file(const void *data, size_t n)
{
	char *path = vm_xstrdup("/tmp/vtrunk-test-plan-XXXXXX");
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	return path;
}

static void test_file_errors(void **state)
{
	struct vm_plan *p = NULL;
	struct vm_err err = {0};
	char *path, *big;
	size_t n = CLI_PLAN_MAX_BYTES + 1;

	(void)state;
	assert_int_equal(cli_plan_load_file("fixtures/plans/no-such-plan.json", &p, &err), -1);
	assert_null(p);
	assert_int_equal(err.kind, VM_ERR_USAGE);
	assert_non_null(strstr(err.msg, "fixtures/plans/no-such-plan.json"));
	assert_non_null(strstr(err.msg, "No such file or directory"));

	assert_int_equal(cli_plan_load_file(FIXTURE("plans"), &p, &err), -1);
	assert_int_equal(err.kind, VM_ERR_USAGE);
	assert_non_null(strstr(err.msg, "is a directory"));

	/* Over the cap: refused before parsing, however valid the JSON would be. */
	big = vm_xmalloc(n);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	path = temp_file(big, n);
	assert_int_equal(cli_plan_load_file(path, &p, &err), -1);
	assert_int_equal(err.kind, VM_ERR_USAGE);
	assert_non_null(strstr(err.msg, "larger than 4 MiB"));
	unlink(path);
	free(path);
	free(big);

	path = temp_file("{\"switch\": \"S\0\"}", 17);
	assert_int_equal(cli_plan_load_file(path, &p, &err), -1);
	assert_non_null(strstr(err.msg, "NUL byte at offset 13"));
	unlink(path);
	free(path);

	path = temp_file("", 0);
	assert_int_equal(cli_plan_load_file(path, &p, &err), -1);
	assert_non_null(strstr(err.msg, "empty file"));
	unlink(path);
	free(path);

	path = temp_file("{\n\"switch\": 1}", 14);
	assert_int_equal(cli_plan_load_file(path, &p, &err), -1);
	assert_string_equal(err.msg, "switch: expected a string, got a number");
	unlink(path);
	free(path);
	assert_null(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_valid_fixtures),
		cmocka_unit_test(test_all_invalid_fixtures),
		cmocka_unit_test(test_invalid_fixtures_paired),
		cmocka_unit_test(test_demo),
		cmocka_unit_test(test_portgroup_only),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_non_defaults),
		cmocka_unit_test(test_trunk_vlan_array),
		cmocka_unit_test(test_special_names),
		cmocka_unit_test(test_explicit_slots),
		cmocka_unit_test(test_append_agent),
		cmocka_unit_test(test_agent_refs),
		cmocka_unit_test(test_malformed_json),
		cmocka_unit_test(test_file_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
