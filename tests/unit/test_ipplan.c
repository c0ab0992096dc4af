/* test_ipplan.c — IPv4 helpers, subnet carving into agent blocks, capacities, and
 * vm_plan_validate on plans built in code. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "vm_alloc.h"
#include "vm_ipplan.h"
#include "vm_reserved.h"

static uint32_t ip(const char *s)
{
	uint32_t a = 0;

	if (vm_ip_parse(s, &a) < 0)
		fail_msg("bad address in test: %s", s);
	return a;
}

static void assert_ip(uint32_t a, const char *want)
{
	char s[VM_IP_STRLEN];

	vm_ip_format(a, s);
	assert_string_equal(s, want);
}

static struct vm_plan_vlan vlan(const char *cidr, const char *gw, int agent_prefix)
{
	struct vm_plan_vlan v = {0};

	assert_int_equal(vm_cidr_parse(cidr, &v.subnet, &v.prefix), 0);
	v.gateway = ip(gw);
	v.agent_prefix = agent_prefix;
	return v;
}

static void test_ip_parse_format(void **state)
{
	uint32_t a;
	static const char *const bad[] = {
		"", "10", "10.0.0", "10.0.0.0.1", "10.0.0.256", "10.0.0.-1", "10..0.1",
		" 10.0.0.1", "10.0.0.1 ", "010.0.0.1", "10.0.0.01", "1.2.3.4/24", "a.b.c.d",
		"10.0.0.1.", "0x0a.0.0.1", "1000.0.0.1",
	};

	(void)state;
	assert_int_equal(vm_ip_parse("10.150.0.1", &a), 0);
	assert_int_equal(a, 0x0a960001u);
	assert_ip(a, "10.150.0.1");
	assert_int_equal(vm_ip_parse("0.0.0.0", &a), 0);
	assert_int_equal(a, 0);
	assert_int_equal(vm_ip_parse("255.255.255.255", &a), 0);
	assert_int_equal(a, 0xffffffffu);
	assert_ip(a, "255.255.255.255");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (vm_ip_parse(bad[i], &a) == 0)
			fail_msg("\"%s\" parsed as an address", bad[i]);
	assert_int_equal(vm_ip_parse(NULL, &a), -1);
}

static void test_mask_and_cidr(void **state)
{
	uint32_t net;
	int prefix;

	(void)state;
	assert_int_equal(vm_ip_mask(0), 0);
	assert_int_equal(vm_ip_mask(1), 0x80000000u);
	assert_int_equal(vm_ip_mask(22), 0xfffffc00u);
	assert_int_equal(vm_ip_mask(24), 0xffffff00u);
	assert_int_equal(vm_ip_mask(32), 0xffffffffu);
	assert_int_equal(vm_ip_mask(-3), 0);
	assert_int_equal(vm_ip_mask(40), 0xffffffffu);

	assert_int_equal(vm_cidr_parse("10.150.0.0/22", &net, &prefix), 0);
	assert_int_equal(net, 0x0a960000u);
	assert_int_equal(prefix, 22);
	assert_int_equal(vm_cidr_parse("0.0.0.0/0", &net, &prefix), 0);
	assert_int_equal(prefix, 0);
	assert_int_equal(vm_cidr_parse("10.0.0.1/32", &net, &prefix), 0);
	assert_int_equal(vm_cidr_parse("10.150.0.1/22", &net, &prefix), -1); /* host bits */
	assert_int_equal(vm_cidr_parse("10.150.0.0", &net, &prefix), -1);
	assert_int_equal(vm_cidr_parse("10.150.0.0/", &net, &prefix), -1);
	assert_int_equal(vm_cidr_parse("10.150.0.0/33", &net, &prefix), -1);
	assert_int_equal(vm_cidr_parse("10.150.0.0/022", &net, &prefix), -1);
	assert_int_equal(vm_cidr_parse("10.150.0.0/22x", &net, &prefix), -1);
	assert_int_equal(vm_cidr_parse("10.150.0.0/-1", &net, &prefix), -1);
	assert_int_equal(vm_cidr_parse("10.150.0.0 /22", &net, &prefix), -1);
}

/* The Kasm guide's example: a /22 per VLAN, a /25 per agent. */
static void test_blocks_22_25(void **state)
{
	struct vm_plan_vlan v = vlan("10.150.0.0/22", "10.150.0.1", 25);

	(void)state;
	assert_int_equal(vm_ipplan_blocks(&v), 8);
	assert_ip(vm_ipplan_block_get(&v, 0), "10.150.0.0");
	assert_ip(vm_ipplan_block_get(&v, 1), "10.150.0.128");
	assert_ip(vm_ipplan_block_get(&v, 2), "10.150.1.0");
	assert_ip(vm_ipplan_block_get(&v, 7), "10.150.3.128");
	/* 1024 - network - broadcast - gateway, not the guide's 510. */
	assert_int_equal(vm_ipplan_vlan_usable(&v), 1021);
	/* The first block loses the network address and the gateway. */
	assert_int_equal(vm_ipplan_block_usable(&v, 0), 126);
	for (int s = 1; s < 7; s++)
		assert_int_equal(vm_ipplan_block_usable(&v, s), 128);
	/* The last loses the broadcast address. */
	assert_int_equal(vm_ipplan_block_usable(&v, 7), 127);
	{
		uint32_t sum = 0;

		for (int s = 0; s < 8; s++)
			sum += vm_ipplan_block_usable(&v, s);
		assert_int_equal(sum, vm_ipplan_vlan_usable(&v));
	}
}

static void test_gateway_elsewhere(void **state)
{
	/* A gateway at the top of the subnet costs the last block, not the first. */
	struct vm_plan_vlan v = vlan("10.30.0.0/24", "10.30.0.254", 27);

	(void)state;
	assert_int_equal(vm_ipplan_blocks(&v), 8);
	assert_ip(vm_ipplan_block_get(&v, 3), "10.30.0.96");
	assert_int_equal(vm_ipplan_vlan_usable(&v), 253);
	assert_int_equal(vm_ipplan_block_usable(&v, 0), 31);
	assert_int_equal(vm_ipplan_block_usable(&v, 3), 32);
	assert_int_equal(vm_ipplan_block_usable(&v, 7), 30);
	/* Gateway in a middle block. */
	v.gateway = ip("10.30.0.100");
	assert_int_equal(vm_ipplan_block_usable(&v, 3), 31);
	assert_int_equal(vm_ipplan_block_usable(&v, 0), 31);
	assert_int_equal(vm_ipplan_block_usable(&v, 7), 31);
}

static void test_small_blocks(void **state)
{
	struct vm_plan_vlan v = vlan("192.168.7.0/28", "192.168.7.1", 30);

	(void)state;
	assert_int_equal(vm_ipplan_blocks(&v), 4);
	assert_int_equal(vm_ipplan_vlan_usable(&v), 13);
	assert_int_equal(vm_ipplan_block_usable(&v, 0), 2);
	assert_int_equal(vm_ipplan_block_usable(&v, 1), 4);
	assert_int_equal(vm_ipplan_block_usable(&v, 3), 3);
	/* Nonsense the validator refuses still gives no blocks rather than garbage. */
	v.agent_prefix = 28;
	assert_int_equal(vm_ipplan_blocks(&v), 0);
	v.agent_prefix = 20;
	assert_int_equal(vm_ipplan_blocks(&v), 0);
}

static void test_wide(void **state)
{
	struct vm_plan_vlan v = vlan("10.0.0.0/8", "10.0.0.1", 30);

	(void)state;
	assert_int_equal(vm_ipplan_blocks(&v), 1u << 22);
	assert_int_equal(vm_ipplan_vlan_usable(&v), (1u << 24) - 3);
	assert_ip(vm_ipplan_block_get(&v, (1 << 22) - 1), "10.255.255.252");
	assert_int_equal(vm_ipplan_block_usable(&v, (1 << 22) - 1), 3);
}

/* --- vm_plan_validate ----------------------------------------------------------- */

static struct vm_plan *plan_new(size_t n_agents)
{
	struct vm_plan *p = vm_xcalloc(1, sizeof(*p));

	p->sw = vm_xstrdup("DVS0");
	p->trunk.portgroup = vm_xstrdup("Kasm-Trunk");
	assert_int_equal(vm_vlan_parse("100-200,300", &p->trunk.vlans, NULL), 0);
	p->trunk.ports = 8;
	p->has_management = 1;
	p->management.network = vm_xstrdup("VM Network");
	p->management.prefix = 24;
	p->management.gateway = ip("10.0.0.1");
	p->management.has_gateway = 1;
	p->guest.formats = VM_FMT_IFUPDOWN | VM_FMT_NETPLAN;
	p->guest.trunk_ifname = vm_xstrdup("ens160");
	p->guest.mgmt_ifname = vm_xstrdup("ens192");
	p->guest.docker_version = vm_xstrdup("20.10");
	p->n_vlans = 2;
	p->vlans = vm_xcalloc(2, sizeof(*p->vlans));
	p->vlans[0] = vlan("10.150.0.0/22", "10.150.0.1", 25);
	p->vlans[0].id = 150;
	p->vlans[0].network = vm_xstrdup("vlan150");
	p->vlans[1] = vlan("10.30.0.0/24", "10.30.0.1", 27);
	p->vlans[1].id = 300;
	p->vlans[1].network = vm_xstrdup("vlan300");
	p->n_agents = n_agents;
	p->agents = vm_xcalloc(n_agents ? n_agents : 1, sizeof(*p->agents));
	for (size_t i = 0; i < n_agents; i++) {
		p->agents[i].vm = vm_xasprintf("agent-%zu", i);
		p->agents[i].mgmt_address = ip("10.0.0.11") + (uint32_t)i;
		p->agents[i].slot = (int)i;
	}
	return p;
}

static void assert_invalid(const struct vm_plan *p, const char *want)
{
	struct vm_err err = {0};

	assert_int_equal(vm_plan_validate(p, &err), -1);
	assert_int_equal(err.kind, VM_ERR_USAGE);
	if (!strstr(err.msg, want))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
}

static void assert_valid(const struct vm_plan *p)
{
	struct vm_err err = {0};

	if (vm_plan_validate(p, &err) < 0)
		fail_msg("unexpected error: %s", err.msg);
}

static void test_validate_ok(void **state)
{
	struct vm_plan *p = plan_new(8);

	(void)state;
	assert_valid(p);
	vm_plan_free(&p);
	assert_null(p);
	vm_plan_free(&p);
	vm_plan_free(NULL);

	p = plan_new(0);
	p->has_management = 0;
	assert_valid(p);
	vm_plan_free(&p);
}

static void test_validate_capacity(void **state)
{
	/* vlans[1] is a /24 in /27s: 8 blocks too, so 9 agents overflow vlans[0] first. */
	struct vm_plan *p = plan_new(9);

	(void)state;
	assert_invalid(p, "vlans[0].agent_prefix: 10.150.0.0/22 holds 8 blocks of /25, agents need "
			  "9 (highest slot 8)");
	vm_plan_free(&p);

	/* One agent with an explicit high slot is enough to overflow. */
	p = plan_new(2);
	p->agents[1].slot = 8;
	p->agents[1].slot_explicit = 1;
	assert_invalid(p, "holds 8 blocks of /25, agents need 9 (highest slot 8)");
	p->agents[1].slot = 7;
	assert_valid(p);
	vm_plan_free(&p);

	p = plan_new(8);
	p->vlans[1].agent_prefix = 26; /* /24 in /26s: 4 blocks */
	assert_invalid(p, "vlans[1].agent_prefix: 10.30.0.0/24 holds 4 blocks of /26, agents need 8 "
			  "(highest slot 7)");
	vm_plan_free(&p);
}

static void test_validate_vlans(void **state)
{
	struct vm_plan *p = plan_new(2);

	(void)state;
	p->vlans[1].id = 250;
	assert_invalid(p, "vlans[1].id: 250 is not in trunk.vlans (100-200,300)");
	p->vlans[1].id = 150;
	assert_invalid(p, "vlans[1].id: 150 is already used by vlans[0]");
	p->vlans[1].id = 300;

	p->vlans[1].gateway = ip("10.31.0.1");
	assert_invalid(p, "vlans[1].gateway: 10.31.0.1 is outside 10.30.0.0/24");
	p->vlans[1].gateway = ip("10.30.0.0");
	assert_invalid(p, "vlans[1].gateway: 10.30.0.0 is the network address of 10.30.0.0/24");
	p->vlans[1].gateway = ip("10.30.0.255");
	assert_invalid(p, "vlans[1].gateway: 10.30.0.255 is the broadcast address of 10.30.0.0/24");
	p->vlans[1].gateway = ip("10.30.0.1");

	p->vlans[1].agent_prefix = 24;
	assert_invalid(p, "vlans[1].agent_prefix: /24 must be longer than the subnet's /24");
	p->vlans[1].agent_prefix = 31;
	assert_invalid(p, "vlans[1].agent_prefix: /31 is longer than /30");
	p->vlans[1].agent_prefix = 30;
	assert_valid(p);

	free(p->vlans[1].network);
	p->vlans[1].network = vm_xstrdup("vlan150");
	assert_invalid(p, "vlans[1].network: \"vlan150\" is already used by vlans[0]");
	free(p->vlans[1].network);
	p->vlans[1].network = vm_xstrdup("bad name");
	assert_invalid(p, "vlans[1].network: \"bad name\" is not a valid Docker network name");
	free(p->vlans[1].network);
	p->vlans[1].network = vm_xstrdup("kasm_vlan-300.b");
	assert_valid(p);

	/* Overlap, both ways round and nested. */
	p->vlans[1].subnet = ip("10.150.2.0");
	p->vlans[1].gateway = ip("10.150.2.1");
	assert_invalid(p, "vlans[1].subnet: 10.150.2.0/24 overlaps vlans[0].subnet 10.150.0.0/22");
	p->vlans[1].subnet = ip("10.148.0.0");
	p->vlans[1].prefix = 14;
	p->vlans[1].gateway = ip("10.148.0.1");
	assert_invalid(p, "vlans[1].subnet: 10.148.0.0/14 overlaps vlans[0].subnet 10.150.0.0/22");
	p->vlans[1].subnet = ip("10.154.0.0");
	p->vlans[1].prefix = 24;
	p->vlans[1].gateway = ip("10.154.0.1");
	assert_valid(p);
	/* Adjacent subnets do not overlap. */
	p->vlans[1].subnet = ip("10.150.4.0");
	p->vlans[1].gateway = ip("10.150.4.1");
	assert_valid(p);

	/* A VLAN sharing the management subnet. */
	p->vlans[1].subnet = ip("10.0.0.0");
	p->vlans[1].gateway = ip("10.0.0.254");
	assert_invalid(p, "vlans[1].subnet: 10.0.0.0/24 overlaps the management subnet 10.0.0.0/24");
	vm_plan_free(&p);
}

/* vlans[].reserved: the router neighbours at the bottom of slot 0 and a VRRP pair at the
 * top of the last slot leave the usable counts, and only the agent whose block holds them
 * passes them to Docker. */
static void test_reserved_blocks(void **state)
{
	struct vm_plan_vlan v = vlan("10.150.0.0/22", "10.150.0.1", 25);
	struct vm_reserved r[2];
	struct vm_buf b = {0};
	char *s;

	(void)state;
	assert_int_equal(vm_reserved_parse("10.150.0.2-10.150.0.3", &r[0]), 0);
	assert_int_equal(vm_reserved_parse("10.150.3.253", &r[1]), 0);
	assert_ip(r[0].lo, "10.150.0.2");
	assert_ip(r[0].hi, "10.150.0.3");
	assert_ip(r[1].hi, "10.150.3.253");
	v.reserved = r;
	v.n_reserved = 2;
	assert_int_equal(vm_ipplan_vlan_usable(&v), 1021 - 3);
	assert_int_equal(vm_ipplan_block_usable(&v, 0), 126 - 2);
	assert_int_equal(vm_ipplan_block_usable(&v, 1), 128);
	assert_int_equal(vm_ipplan_block_usable(&v, 7), 127 - 1);

	assert_int_equal(vm_reserved_aux_add(&b, &v, vm_ipplan_block_get(&v, 0)), 2);
	assert_int_equal(vm_reserved_aux_add(&b, &v, vm_ipplan_block_get(&v, 3)), 0);
	assert_int_equal(vm_reserved_aux_add(&b, &v, vm_ipplan_block_get(&v, 7)), 1);
	s = vm_buf_steal(&b);
	assert_string_equal(s, " \\\n\t--aux-address=reserved1=10.150.0.2"
			       " \\\n\t--aux-address=reserved2=10.150.0.3"
			       " \\\n\t--aux-address=reserved3=10.150.3.253");
	free(s);
}

static void test_reserved_parse_bad(void **state)
{
	static const char *const bad[] = {"", "-", "10.150.0.2-", "-10.150.0.2", "10.150.0.9-10.150.0.2",
					  "10.150.0.2-10.150.0.3-10.150.0.4", "10.150.0.2/32", "10.150.0.256",
					  " 10.150.0.2", "10.150.0.2 - 10.150.0.3"};
	struct vm_reserved r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (vm_reserved_parse(bad[i], &r) == 0)
			fail_msg("\"%s\" parsed", bad[i]);
}

static void test_validate_mode_reserved(void **state)
{
	struct vm_plan *p = plan_new(2);
	struct vm_reserved r = {0};

	(void)state;
	p->vlans[1].mode = VM_MODE_L3;
	assert_invalid(p, "vlans[1].mode: l3 is not supported: the VLAN parent has no address");
	p->vlans[1].mode = VM_MODE_L2;
	assert_valid(p);

	p->vlans[1].reserved = &r;
	p->vlans[1].n_reserved = 1;
	r.lo = ip("10.30.0.2"), r.hi = ip("10.30.0.3");
	assert_valid(p);
	r.hi = ip("10.30.1.3");
	assert_invalid(p, "vlans[1].reserved[0]: 10.30.0.2-10.30.1.3 is outside the subnet 10.30.0.0/24");
	r.lo = ip("10.30.0.0"), r.hi = ip("10.30.0.0");
	assert_invalid(p, "vlans[1].reserved[0]: 10.30.0.0 holds the network address of 10.30.0.0/24");
	r.lo = ip("10.30.0.255"), r.hi = ip("10.30.0.255");
	assert_invalid(p, "vlans[1].reserved[0]: 10.30.0.255 holds the broadcast address");
	r.lo = ip("10.30.0.1"), r.hi = ip("10.30.0.1");
	assert_invalid(p, "vlans[1].reserved[0]: 10.30.0.1 holds the gateway");
	p->vlans[1].reserved = NULL;
	p->vlans[1].n_reserved = 0;
	vm_plan_free(&p);
}

static void test_validate_overlap_many(void **state)
{
	/* Only the fourth of several disjoint subnets overlaps, with the first. */
	struct vm_plan *p = plan_new(1);
	static const char *const nets[] = {"10.1.0.0/16", "10.3.0.0/24", "10.2.0.0/24",
					   "10.1.200.0/24", "10.4.0.0/24"};

	(void)state;
	for (size_t i = 0; i < p->n_vlans; i++)
		free(p->vlans[i].network);
	free(p->vlans);
	p->n_vlans = 5;
	p->vlans = vm_xcalloc(5, sizeof(*p->vlans));
	for (size_t i = 0; i < 5; i++) {
		char gw[VM_IP_STRLEN];

		assert_int_equal(vm_cidr_parse(nets[i], &p->vlans[i].subnet, &p->vlans[i].prefix), 0);
		vm_ip_format(p->vlans[i].subnet + 1, gw);
		p->vlans[i] = vlan(nets[i], gw, 28);
		p->vlans[i].id = 100 + (int)i;
		p->vlans[i].network = vm_xasprintf("vlan%d", p->vlans[i].id);
	}
	assert_invalid(p, "vlans[3].subnet: 10.1.200.0/24 overlaps vlans[0].subnet 10.1.0.0/16");
	vm_plan_free(&p);
}

static void test_validate_agents(void **state)
{
	struct vm_plan *p = plan_new(3);

	(void)state;
	free(p->agents[2].vm);
	p->agents[2].vm = vm_xstrdup("agent-0");
	assert_invalid(p, "agents[2].vm: \"agent-0\" is already used by agents[0]");
	free(p->agents[2].vm);
	p->agents[2].vm = vm_xstrdup("agent-2");

	p->agents[2].slot = 1;
	p->agents[2].slot_explicit = 1;
	assert_invalid(p, "agents[2].slot: 1 is already used by agents[1]");
	p->agents[2].slot = -1;
	assert_invalid(p, "agents[2].slot: -1 is negative");
	p->agents[2].slot = 5;
	assert_valid(p);

	p->agents[1].mgmt_address = ip("10.0.0.11");
	assert_invalid(p, "agents[1].mgmt_address: 10.0.0.11 is already used by agents[0]");
	p->agents[1].mgmt_address = ip("10.0.0.1");
	assert_invalid(p, "agents[1].mgmt_address: 10.0.0.1 is the management gateway");
	p->agents[1].mgmt_address = ip("10.0.1.5");
	assert_invalid(p, "agents[1].mgmt_address: 10.0.1.5 is outside the management subnet "
			  "10.0.0.0/24");
	p->management.prefix = 16;
	assert_valid(p);
	p->management.prefix = 24;
	/* Without a gateway there is no subnet to hold them to. */
	p->management.has_gateway = 0;
	p->management.gateway = 0;
	assert_valid(p);
	p->has_management = 0;
	assert_invalid(p, "management: required when agents is non-empty");
	vm_plan_free(&p);
}

static void test_validate_guest(void **state)
{
	struct vm_plan *p = plan_new(1);

	(void)state;
	free(p->guest.trunk_ifname);
	p->guest.trunk_ifname = vm_xstrdup("enp0s31f6abc"); /* 12 + ".300" = 16 */
	assert_invalid(p, "guest.trunk_ifname: \"enp0s31f6abc\" is too long");
	free(p->guest.trunk_ifname);
	p->guest.trunk_ifname = vm_xstrdup("enp0s31f6ab"); /* 11 + ".300" = 15 */
	assert_valid(p);
	free(p->guest.mgmt_ifname);
	p->guest.mgmt_ifname = vm_xstrdup("enp0s31f6ab");
	assert_invalid(p, "guest.mgmt_ifname: \"enp0s31f6ab\" is also guest.trunk_ifname");
	vm_plan_free(&p);
}

/* Slots are stable: appending agents never changes the blocks of earlier ones. */
static void test_append_keeps_blocks(void **state)
{
	struct vm_plan *a = plan_new(3), *b = plan_new(6);

	(void)state;
	assert_valid(a);
	assert_valid(b);
	for (size_t v = 0; v < a->n_vlans; v++)
		for (size_t i = 0; i < a->n_agents; i++)
			assert_int_equal(vm_ipplan_block_get(&a->vlans[v], a->agents[i].slot),
					 vm_ipplan_block_get(&b->vlans[v], b->agents[i].slot));
	vm_plan_free(&a);
	vm_plan_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_parse_format),
		cmocka_unit_test(test_mask_and_cidr),
		cmocka_unit_test(test_blocks_22_25),
		cmocka_unit_test(test_gateway_elsewhere),
		cmocka_unit_test(test_small_blocks),
		cmocka_unit_test(test_wide),
		cmocka_unit_test(test_validate_ok),
		cmocka_unit_test(test_validate_capacity),
		cmocka_unit_test(test_validate_vlans),
		cmocka_unit_test(test_validate_overlap_many),
		cmocka_unit_test(test_reserved_blocks),
		cmocka_unit_test(test_reserved_parse_bad),
		cmocka_unit_test(test_validate_mode_reserved),
		cmocka_unit_test(test_validate_agents),
		cmocka_unit_test(test_validate_guest),
		cmocka_unit_test(test_append_keeps_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
