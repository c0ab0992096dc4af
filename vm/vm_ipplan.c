#include "vm_ipplan.h"
#include "vm_reserved.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm_alloc.h"

#define IFNAMSIZ_MAX 15 /* IFNAMSIZ - 1: what the kernel accepts */

uint32_t vm_ip_mask(int prefix)
{
	if (prefix <= 0)
		return 0;
	if (prefix >= 32)
		return 0xffffffffu;
	return 0xffffffffu << (32 - prefix);
}

/* Parses 0..255 without leading zeros: inet_aton() would read "010" as octal 8, and
 * a plan that means something other than what it says is worse than a refusal. */
static const char *parse_octet(const char *p, unsigned *out)
{
	unsigned v = 0;
	int n = 0;

	if (*p < '0' || *p > '9')
		return NULL;
	if (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
		return NULL;
	while (*p >= '0' && *p <= '9') {
		if (++n > 3)
			return NULL;
		v = v * 10 + (unsigned)(*p++ - '0');
	}
	if (v > 255)
		return NULL;
	*out = v;
	return p;
}

static const char *parse_ip_prefix(const char *p, uint32_t *out)
{
	uint32_t a = 0;
	unsigned o;

	for (int i = 0; i < 4; i++) {
		if (i && *p++ != '.')
			return NULL;
		p = parse_octet(p, &o);
		if (!p)
			return NULL;
		a = a << 8 | o;
	}
	*out = a;
	return p;
}

int vm_ip_parse(const char *s, uint32_t *out)
{
	uint32_t a;
	const char *p;

	if (!s)
		return -1;
	p = parse_ip_prefix(s, &a);
	if (!p || *p)
		return -1;
	*out = a;
	return 0;
}

void vm_ip_format(uint32_t addr, char out[VM_IP_STRLEN])
{
	snprintf(out, VM_IP_STRLEN, "%u.%u.%u.%u", addr >> 24, addr >> 16 & 0xff,
		 addr >> 8 & 0xff, addr & 0xff);
}

int vm_cidr_parse(const char *s, uint32_t *net, int *prefix)
{
	uint32_t a;
	const char *p;
	int len = 0, digits = 0;

	if (!s)
		return -1;
	p = parse_ip_prefix(s, &a);
	if (!p || *p++ != '/')
		return -1;
	if (p[0] == '0' && p[1])
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (++digits > 2)
			return -1;
		len = len * 10 + (*p - '0');
	}
	if (!digits || *p || len > 32)
		return -1;
	if (a & ~vm_ip_mask(len))
		return -1;
	*net = a;
	*prefix = len;
	return 0;
}

/* Addresses in a block of `prefix`, as 64 bits so a /0 does not wrap. */
static uint64_t span(int prefix)
{
	if (prefix < 0)
		prefix = 0;
	if (prefix > 32)
		prefix = 32;
	return (uint64_t)1 << (32 - prefix);
}

static uint32_t broadcast(uint32_t net, int prefix)
{
	return net | ~vm_ip_mask(prefix);
}

uint32_t vm_ipplan_blocks(const struct vm_plan_vlan *v)
{
	if (v->agent_prefix <= v->prefix || v->agent_prefix > 32 || v->prefix < 0)
		return 0;
	/* A difference of 32 (a /0 cut into /32s) does not fit: saturate. */
	if (v->agent_prefix - v->prefix >= 32)
		return UINT32_MAX;
	return (uint32_t)1 << (v->agent_prefix - v->prefix);
}

uint32_t vm_ipplan_block_get(const struct vm_plan_vlan *v, int slot)
{
	return (uint32_t)((uint64_t)v->subnet + (uint64_t)(uint32_t)slot * span(v->agent_prefix));
}

static int in_range(uint32_t a, uint32_t first, uint64_t size)
{
	return a >= first && (uint64_t)(a - first) < size;
}

uint32_t vm_ipplan_block_usable(const struct vm_plan_vlan *v, int slot)
{
	uint32_t first = vm_ipplan_block_get(v, slot);
	uint64_t size = span(v->agent_prefix), n = size;
	uint32_t net = v->subnet, bcast = broadcast(v->subnet, v->prefix);

	if (in_range(net, first, size))
		n--;
	if (bcast != net && in_range(bcast, first, size))
		n--;
	if (v->gateway != net && v->gateway != bcast && in_range(v->gateway, first, size))
		n--;
	/* The check keeps reserved entries off the network, broadcast and gateway. */
	n -= vm_reserved_count_in(v, first, size);
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

uint32_t vm_ipplan_vlan_usable(const struct vm_plan_vlan *v)
{
	uint64_t n = span(v->prefix);
	uint32_t bcast = broadcast(v->subnet, v->prefix);

	n -= bcast != v->subnet ? 2 : 1;
	if (v->gateway != v->subnet && v->gateway != bcast &&
	    in_range(v->gateway, v->subnet, span(v->prefix)))
		n--;
	n -= vm_reserved_count_in(v, v->subnet, span(v->prefix));
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* --- validation --------------------------------------------------------------- */

/* Duplicates are found by sorting (key, index) pairs, so a plan with thousands of
 * agents costs n log n, not n². Among all duplicates we report the one whose later
 * index is smallest, paired with the first holder: the same answer a top-down scan
 * of the file would give. */
struct key_ix {
	const char *s; /* string key, or NULL for numeric keys */
	int64_t n;
	size_t ix;
};

static int key_ix_cmp(const void *pa, const void *pb)
{
	const struct key_ix *a = pa, *b = pb;
	int c;

	if (a->s || b->s) {
		c = strcmp(a->s ? a->s : "", b->s ? b->s : "");
		if (c)
			return c;
	} else if (a->n != b->n) {
		return a->n < b->n ? -1 : 1;
	}
	return a->ix < b->ix ? -1 : a->ix > b->ix;
}

/* Returns 1 and sets *first and *dup when two keys are equal. */
static int find_dup(struct key_ix *k, size_t n, size_t *first, size_t *dup)
{
	size_t best = (size_t)-1, best_first = 0, g = 0;

	if (n < 2)
		return 0;
	qsort(k, n, sizeof(*k), key_ix_cmp);
	for (size_t i = 1; i <= n; i++) {
		int same = i < n && (k[g].s ? strcmp(k[g].s, k[i].s) == 0 : k[g].n == k[i].n);

		if (same)
			continue;
		if (i - g > 1 && k[g + 1].ix < best) {
			best = k[g + 1].ix;
			best_first = k[g].ix;
		}
		g = i;
	}
	if (best == (size_t)-1)
		return 0;
	*first = best_first;
	*dup = best;
	return 1;
}

static int check_trunk(const struct vm_plan *plan, struct vm_err *err)
{
	const struct vm_plan_trunk *t = &plan->trunk;

	if (!plan->sw || !*plan->sw)
		return vm_err_set(err, VM_ERR_USAGE, "switch: required");
	if (!t->portgroup || !*t->portgroup)
		return vm_err_set(err, VM_ERR_USAGE, "trunk.portgroup: required");
	if (t->vlans.n == 0)
		return vm_err_set(err, VM_ERR_USAGE, "trunk.vlans: no VLAN ranges");
	if (t->ports < 1 || t->ports > 8192)
		return vm_err_set(err, VM_ERR_USAGE, "trunk.ports: %d is outside 1-8192", t->ports);
	return 0;
}

static int check_vlan(const struct vm_plan *plan, size_t i, struct vm_err *err)
{
	const struct vm_plan_vlan *v = &plan->vlans[i];
	char net[VM_IP_STRLEN], gw[VM_IP_STRLEN];
	uint32_t bcast;

	if (v->id < 0 || v->id > VM_VLAN_MAX)
		return vm_err_set(err, VM_ERR_USAGE, "vlans[%zu].id: %d is outside 0-%d", i, v->id,
				  VM_VLAN_MAX);
	/* 802.1Q's VLAN 0 marks priority-tagged frames that belong to the native VLAN:
	 * "<trunk>.0" would be a VLAN interface no switch delivers a container's frames to.
	 * trunk.vlans may still carry 0; a Docker network cannot live on it. */
	if (v->id == 0)
		return vm_err_set(err, VM_ERR_USAGE,
				  "vlans[%zu].id: 0 is not a VLAN a Docker network can use (802.1Q "
				  "reserves it for priority tags; the parent would be %.15s.0): use 1-%d",
				  i, plan->guest.trunk_ifname ? plan->guest.trunk_ifname : "ens160",
				  VM_VLAN_MAX);
	if (!vm_vlan_set_contains(&plan->trunk.vlans, v->id)) {
		char *ranges = vm_vlan_set_format(&plan->trunk.vlans);

		vm_err_set(err, VM_ERR_USAGE,
			   "vlans[%zu].id: %d is not in trunk.vlans (%s): the trunk would not carry it",
			   i, v->id, ranges);
		free(ranges);
		return -1;
	}
	vm_ip_format(v->subnet, net);
	vm_ip_format(v->gateway, gw);
	if (v->prefix < 0 || v->prefix > 32 || (v->subnet & ~vm_ip_mask(v->prefix)))
		return vm_err_set(err, VM_ERR_USAGE, "vlans[%zu].subnet: %s/%d is not a network address",
				  i, net, v->prefix);
	if (v->agent_prefix <= v->prefix)
		return vm_err_set(err, VM_ERR_USAGE,
				  "vlans[%zu].agent_prefix: /%d must be longer than the subnet's /%d "
				  "(each agent gets a block inside %s/%d)",
				  i, v->agent_prefix, v->prefix, net, v->prefix);
	if (v->agent_prefix > 30)
		return vm_err_set(err, VM_ERR_USAGE,
				  "vlans[%zu].agent_prefix: /%d is longer than /30 (too few addresses "
				  "per agent)",
				  i, v->agent_prefix);
	bcast = broadcast(v->subnet, v->prefix);
	if ((v->gateway & vm_ip_mask(v->prefix)) != v->subnet)
		return vm_err_set(err, VM_ERR_USAGE, "vlans[%zu].gateway: %s is outside %s/%d", i, gw,
				  net, v->prefix);
	if (v->gateway == v->subnet)
		return vm_err_set(err, VM_ERR_USAGE,
				  "vlans[%zu].gateway: %s is the network address of %s/%d", i, gw, net,
				  v->prefix);
	if (v->gateway == bcast)
		return vm_err_set(err, VM_ERR_USAGE,
				  "vlans[%zu].gateway: %s is the broadcast address of %s/%d", i, gw,
				  net, v->prefix);
	if (!vm_plan_docker_name_ok(v->network))
		return vm_err_set(err, VM_ERR_USAGE,
				  "vlans[%zu].network: \"%s\" is not a valid Docker network name "
				  "(letters, digits, '_', '.', '-'; starting with a letter or digit)",
				  i, v->network ? v->network : "");
	if (v->mode != VM_MODE_L2 && v->mode != VM_MODE_L3)
		return vm_err_set(err, VM_ERR_USAGE, "vlans[%zu].mode: must be l2 or l3", i);
	if (v->mode == VM_MODE_L3 && plan->trunk.driver == VM_DRIVER_MACVLAN)
		return vm_err_set(err, VM_ERR_USAGE,
				  "vlans[%zu].mode: l3 is an ipvlan mode; with \"container_driver\": \"macvlan\" the "
				  "networks are macvlan bridge networks (leave mode out)", i);
	/* The VLAN parent has no address in l3 mode, so another agent's containers (and the
	 * gateway) never get an answer: refused until it is made to work and proven. */
	if (v->mode == VM_MODE_L3)
		return vm_err_set(err, VM_ERR_USAGE,
				  "vlans[%zu].mode: l3 is not supported: the VLAN parent has no "
				  "address, so other agents' containers never answer; use \"l2\" "
				  "(the default: leave mode out)", i);
	if (vm_reserved_check(v, i, err) < 0)
		return -1;
	return 0;
}

/* Subnets overlap exactly when one contains the other's network address (CIDR
 * blocks nest or are disjoint); sorting by address makes this one pass. */
static int check_overlaps(const struct vm_plan *plan, struct vm_err *err)
{
	struct key_ix *k;
	size_t n = plan->n_vlans, a = 0, b = 0;
	int found = 0;

	if (n < 2)
		return 0;
	k = vm_xcalloc(n, sizeof(*k));
	for (size_t i = 0; i < n; i++) {
		k[i].n = plan->vlans[i].subnet;
		k[i].ix = i;
	}
	qsort(k, n, sizeof(*k), key_ix_cmp);
	/* Track the widest-reaching subnet seen so far: a later one starting inside it
	 * overlaps. Report the pair whose later index is smallest for a stable message. */
	for (size_t i = 1, far = 0; i < n; i++) {
		const struct vm_plan_vlan *f = &plan->vlans[k[far].ix], *c = &plan->vlans[k[i].ix];

		if (c->subnet <= broadcast(f->subnet, f->prefix)) {
			size_t lo = k[far].ix < k[i].ix ? k[far].ix : k[i].ix;
			size_t hi = k[far].ix < k[i].ix ? k[i].ix : k[far].ix;

			if (!found || hi < b || (hi == b && lo < a)) {
				a = lo;
				b = hi;
				found = 1;
			}
		}
		if (broadcast(c->subnet, c->prefix) > broadcast(f->subnet, f->prefix))
			far = i;
	}
	free(k);
	if (found) {
		char sa[VM_IP_STRLEN], sb[VM_IP_STRLEN];

		vm_ip_format(plan->vlans[a].subnet, sa);
		vm_ip_format(plan->vlans[b].subnet, sb);
		return vm_err_set(err, VM_ERR_USAGE,
				  "vlans[%zu].subnet: %s/%d overlaps vlans[%zu].subnet %s/%d", b, sb,
				  plan->vlans[b].prefix, a, sa, plan->vlans[a].prefix);
	}
	return 0;
}

static int check_vlans(const struct vm_plan *plan, struct vm_err *err)
{
	struct key_ix *k;
	size_t first, dup, n = plan->n_vlans;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (check_vlan(plan, i, err) < 0)
			return -1;
	if (n < 2)
		return 0;

	k = vm_xcalloc(n, sizeof(*k));
	for (size_t i = 0; i < n; i++) {
		k[i].n = plan->vlans[i].id;
		k[i].ix = i;
	}
	if (find_dup(k, n, &first, &dup)) {
		rc = vm_err_set(err, VM_ERR_USAGE, "vlans[%zu].id: %d is already used by vlans[%zu]",
				dup, plan->vlans[dup].id, first);
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		k[i].s = plan->vlans[i].network;
		k[i].ix = i;
	}
	if (find_dup(k, n, &first, &dup)) {
		rc = vm_err_set(err, VM_ERR_USAGE,
				"vlans[%zu].network: \"%s\" is already used by vlans[%zu]", dup,
				plan->vlans[dup].network, first);
		goto cleanup;
	}
	rc = check_overlaps(plan, err);

cleanup:
	free(k);
	return rc;
}

static int check_guest(const struct vm_plan *plan, struct vm_err *err)
{
	const struct vm_plan_guest *g = &plan->guest;
	size_t tlen;
	int widest = -1;

	if (!(g->formats & (VM_FMT_IFUPDOWN | VM_FMT_NETPLAN)))
		return vm_err_set(err, VM_ERR_USAGE, "guest.formats: no format selected");
	if (!g->trunk_ifname || !g->mgmt_ifname)
		return vm_err_set(err, VM_ERR_USAGE, "guest: interface names are required");
	if (strcmp(g->trunk_ifname, g->mgmt_ifname) == 0)
		return vm_err_set(err, VM_ERR_USAGE,
				  "guest.mgmt_ifname: \"%s\" is also guest.trunk_ifname: the two NICs "
				  "need different names",
				  g->mgmt_ifname);
	/* The guest creates <trunk>.<id> for every VLAN: the longest must still be a
	 * valid interface name, or `ip link add` fails on the agent, not here. */
	for (size_t i = 0; i < plan->n_vlans; i++)
		if (plan->vlans[i].id > widest)
			widest = plan->vlans[i].id;
	tlen = strlen(g->trunk_ifname);
	if (widest >= 0) {
		int digits = snprintf(NULL, 0, "%d", widest);

		if (tlen + 1 + (size_t)digits > IFNAMSIZ_MAX)
			return vm_err_set(err, VM_ERR_USAGE,
					  "guest.trunk_ifname: \"%s\" is too long: VLAN interface "
					  "\"%s.%d\" would exceed %d characters",
					  g->trunk_ifname, g->trunk_ifname, widest, IFNAMSIZ_MAX);
	}
	return 0;
}

static int check_agents(const struct vm_plan *plan, struct vm_err *err)
{
	const struct vm_plan_mgmt *m = &plan->management;
	size_t n = plan->n_agents, first, dup, m_n;
	struct key_ix *k = NULL;
	int rc = -1, highest = -1;
	char a[VM_IP_STRLEN], gw[VM_IP_STRLEN], net[VM_IP_STRLEN];
	uint32_t mask = vm_ip_mask(m->prefix), mnet = m->gateway & mask;

	if (n == 0)
		return 0;
	if (!plan->has_management)
		return vm_err_set(err, VM_ERR_USAGE, "management: required when agents is non-empty");
	vm_ip_format(m->gateway, gw);
	vm_ip_format(mnet, net);

	for (size_t i = 0; i < n; i++) {
		const struct vm_plan_agent *ag = &plan->agents[i];

		if (!ag->vm || !*ag->vm)
			return vm_err_set(err, VM_ERR_USAGE, "agents[%zu].vm: required", i);
		if (ag->slot < 0)
			return vm_err_set(err, VM_ERR_USAGE, "agents[%zu].slot: %d is negative", i,
					  ag->slot);
		if (ag->slot > highest)
			highest = ag->slot;
		/* "autoscale" agents take their management address from DHCP. */
		if (ag->mgmt_dhcp)
			continue;
		vm_ip_format(ag->mgmt_address, a);
		if (ag->mgmt_address == 0 || ag->mgmt_address == 0xffffffffu)
			return vm_err_set(err, VM_ERR_USAGE,
					  "agents[%zu].mgmt_address: %s is not a host address", i, a);
		if (!m->has_gateway)
			continue;
		if (ag->mgmt_address == m->gateway)
			return vm_err_set(err, VM_ERR_USAGE,
					  "agents[%zu].mgmt_address: %s is the management gateway", i,
					  a);
		if ((ag->mgmt_address & mask) != mnet)
			return vm_err_set(err, VM_ERR_USAGE,
					  "agents[%zu].mgmt_address: %s is outside the management subnet "
					  "%s/%d (management.gateway %s, management.prefix %d)",
					  i, a, net, m->prefix, gw, m->prefix);
		/* /31 and /32 have no network or broadcast address to avoid. */
		if (m->prefix <= 30 && (ag->mgmt_address == mnet ||
					ag->mgmt_address == broadcast(mnet, m->prefix)))
			return vm_err_set(err, VM_ERR_USAGE,
					  "agents[%zu].mgmt_address: %s is the %s address of %s/%d", i, a,
					  ag->mgmt_address == mnet ? "network" : "broadcast", net,
					  m->prefix);
	}

	k = vm_xcalloc(n, sizeof(*k));
	for (size_t i = 0; i < n; i++) {
		k[i].s = plan->agents[i].vm;
		k[i].ix = i;
	}
	if (find_dup(k, n, &first, &dup)) {
		vm_err_set(err, VM_ERR_USAGE, "agents[%zu].vm: \"%s\" is already used by agents[%zu]",
			   dup, plan->agents[dup].vm, first);
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		k[i].s = NULL;
		k[i].n = plan->agents[i].slot;
		k[i].ix = i;
	}
	if (find_dup(k, n, &first, &dup)) {
		const struct vm_plan_agent *d = &plan->agents[dup];

		/* An agent without "slot" takes its index, which is easy to forget when
		 * another one sets it explicitly: say where each number came from. */
		if (d->slot_explicit)
			vm_err_set(err, VM_ERR_USAGE, "agents[%zu].slot: %d is already used by agents[%zu]%s",
				   dup, d->slot, first,
				   plan->agents[first].slot_explicit ? "" : " (its position in agents)");
		else
			vm_err_set(err, VM_ERR_USAGE,
				   "agents[%zu]: slot %d (its position in agents, as it sets no \"slot\") "
				   "is already used by agents[%zu].slot",
				   dup, d->slot, first);
		goto cleanup;
	}
	m_n = 0;
	for (size_t i = 0; i < n; i++) {
		if (plan->agents[i].mgmt_dhcp)
			continue;
		k[m_n].n = plan->agents[i].mgmt_address;
		k[m_n++].ix = i;
	}
	if (find_dup(k, m_n, &first, &dup)) {
		vm_ip_format(plan->agents[dup].mgmt_address, a);
		vm_err_set(err, VM_ERR_USAGE,
			   "agents[%zu].mgmt_address: %s is already used by agents[%zu]", dup, a,
			   first);
		goto cleanup;
	}

	for (size_t i = 0; i < plan->n_vlans; i++) {
		const struct vm_plan_vlan *v = &plan->vlans[i];
		uint32_t blocks = vm_ipplan_blocks(v);

		if ((uint64_t)highest >= blocks) {
			vm_ip_format(v->subnet, net);
			vm_err_set(err, VM_ERR_USAGE,
				   "vlans[%zu].agent_prefix: %s/%d holds %u blocks of /%d, agents "
				   "need %lld (highest slot %d)",
				   i, net, v->prefix, blocks, v->agent_prefix, (long long)highest + 1,
				   highest);
			goto cleanup;
		}
	}
	rc = 0;

cleanup:
	free(k);
	return rc;
}

static int check_management(const struct vm_plan *plan, struct vm_err *err)
{
	const struct vm_plan_mgmt *m = &plan->management;
	char gw[VM_IP_STRLEN], net[VM_IP_STRLEN];
	uint32_t mnet;

	if (!plan->has_management)
		return 0;
	if (!m->network || !*m->network)
		return vm_err_set(err, VM_ERR_USAGE, "management.network: required");
	/* Both NICs would sit on the trunk: the management one's untagged frames then reach
	 * no access VLAN, and its interface comes up with an address nothing answers. */
	if (plan->trunk.portgroup && strcmp(m->network, plan->trunk.portgroup) == 0)
		return vm_err_set(err, VM_ERR_USAGE,
				  "management.network: \"%s\" is also trunk.portgroup: the management "
				  "NIC needs the access port group of the management network, not the "
				  "trunk",
				  m->network);
	if (m->prefix < 1 || m->prefix > 32)
		return vm_err_set(err, VM_ERR_USAGE, "management.prefix: %d is outside 1-32",
				  m->prefix);
	for (size_t i = 0; i < m->n_dns; i++) {
		uint32_t ignored;

		if (vm_ip_parse(m->dns[i], &ignored) < 0)
			return vm_err_set(err, VM_ERR_USAGE,
					  "management.dns[%zu]: \"%s\" is not an IPv4 address", i,
					  m->dns[i]);
	}
	if (!m->has_gateway)
		return 0;
	mnet = m->gateway & vm_ip_mask(m->prefix);
	vm_ip_format(m->gateway, gw);
	vm_ip_format(mnet, net);
	if (m->prefix <= 30 && m->gateway == mnet)
		return vm_err_set(err, VM_ERR_USAGE,
				  "management.gateway: %s is the network address of %s/%d", gw, net,
				  m->prefix);
	if (m->prefix <= 30 && m->gateway == broadcast(mnet, m->prefix))
		return vm_err_set(err, VM_ERR_USAGE,
				  "management.gateway: %s is the broadcast address of %s/%d", gw, net,
				  m->prefix);
	/* The same addresses on the management LAN and on a VLAN make both ambiguous
	 * to every router between them. */
	for (size_t i = 0; i < plan->n_vlans; i++) {
		const struct vm_plan_vlan *v = &plan->vlans[i];
		uint32_t common = vm_ip_mask(v->prefix < m->prefix ? v->prefix : m->prefix);
		char vnet[VM_IP_STRLEN];

		if ((v->subnet & common) != (mnet & common))
			continue;
		vm_ip_format(v->subnet, vnet);
		return vm_err_set(err, VM_ERR_USAGE,
				  "vlans[%zu].subnet: %s/%d overlaps the management subnet %s/%d "
				  "(management.gateway %s, management.prefix %d)",
				  i, vnet, v->prefix, net, m->prefix, gw, m->prefix);
	}
	return 0;
}

int vm_plan_validate(const struct vm_plan *plan, struct vm_err *err)
{
	if (!plan)
		return vm_err_set(err, VM_ERR_USAGE, "no plan");
	if (check_trunk(plan, err) < 0 || check_vlans(plan, err) < 0 ||
	    check_management(plan, err) < 0 || check_agents(plan, err) < 0 ||
	    check_guest(plan, err) < 0)
		return -1;
	return 0;
}
