/* vm_reserved.c — vlans[].reserved: parsing, checks against the subnet, and the
 * --aux-address arguments that keep those addresses out of Docker's IPAM. */
#include "vm_reserved.h"

#include <stdio.h>
#include <string.h>

#include "vm_ipplan.h"

int vm_reserved_parse(const char *s, struct vm_reserved *out)
{
	const char *dash = strchr(s, '-');
	char lo[VM_IP_STRLEN];
	size_t n;

	if (!dash)
		return vm_ip_parse(s, &out->lo) < 0 ? -1 : (out->hi = out->lo, 0);
	n = (size_t)(dash - s);
	if (n == 0 || n >= sizeof(lo))
		return -1;
	memcpy(lo, s, n);
	lo[n] = '\0';
	if (vm_ip_parse(lo, &out->lo) < 0 || vm_ip_parse(dash + 1, &out->hi) < 0)
		return -1;
	return out->lo <= out->hi ? 0 : -1;
}

void vm_reserved_format(const struct vm_reserved *r, char out[32])
{
	char a[VM_IP_STRLEN], b[VM_IP_STRLEN];

	vm_ip_format(r->lo, a);
	if (r->lo == r->hi) {
		snprintf(out, 32, "%s", a);
		return;
	}
	vm_ip_format(r->hi, b);
	snprintf(out, 32, "%s-%s", a, b);
}

int vm_reserved_check(const struct vm_plan_vlan *v, size_t i, struct vm_err *err)
{
	uint32_t mask = vm_ip_mask(v->prefix), bcast = v->subnet | ~mask;
	uint64_t total = 0;
	char net[VM_IP_STRLEN], e[32], o[32];

	vm_ip_format(v->subnet, net);
	for (size_t k = 0; k < v->n_reserved; k++) {
		const struct vm_reserved *r = &v->reserved[k];

		vm_reserved_format(r, e);
		/* Docker refuses an --aux-address outside --subnet. */
		if ((r->lo & mask) != v->subnet || (r->hi & mask) != v->subnet)
			return vm_err_set(err, VM_ERR_USAGE,
					  "vlans[%zu].reserved[%zu]: %s is outside the subnet %s/%d",
					  i, k, e, net, v->prefix);
		if (r->lo == v->subnet || r->hi == bcast)
			return vm_err_set(err, VM_ERR_USAGE,
					  "vlans[%zu].reserved[%zu]: %s holds the %s address of %s/%d, "
					  "which Docker never hands out (leave it out)",
					  i, k, e, r->lo == v->subnet ? "network" : "broadcast", net,
					  v->prefix);
		if (r->lo <= v->gateway && v->gateway <= r->hi)
			return vm_err_set(err, VM_ERR_USAGE,
					  "vlans[%zu].reserved[%zu]: %s holds the gateway, which Docker "
					  "keeps out already (--gateway); leave it out",
					  i, k, e);
		for (size_t m = 0; m < k; m++)
			if (v->reserved[m].lo <= r->hi && r->lo <= v->reserved[m].hi) {
				vm_reserved_format(&v->reserved[m], o);
				return vm_err_set(err, VM_ERR_USAGE,
						  "vlans[%zu].reserved[%zu]: %s overlaps reserved[%zu] %s",
						  i, k, e, m, o);
			}
		total += (uint64_t)r->hi - r->lo + 1;
		if (total > VM_RESERVED_MAX)
			return vm_err_set(err, VM_ERR_USAGE,
					  "vlans[%zu].reserved: more than %d addresses; keep a large "
					  "block out with agent_prefix and slots instead",
					  i, VM_RESERVED_MAX);
	}
	return 0;
}

size_t vm_reserved_aux_each(const struct vm_plan_vlan *v, uint32_t blk,
			    void (*fn)(void *ctx, const char *name, uint32_t ip), void *ctx)
{
	uint64_t end = (uint64_t)blk + ((uint64_t)1 << (32 - v->agent_prefix));
	size_t n = 0, name = 0;
	char key[32];

	for (size_t k = 0; k < v->n_reserved; k++)
		for (uint64_t a = v->reserved[k].lo; a <= v->reserved[k].hi; a++) {
			name++;
			if (a < blk || a >= end)
				continue;
			snprintf(key, sizeof(key), "reserved%zu", name);
			fn(ctx, key, (uint32_t)a);
			n++;
		}
	return n;
}

static void aux_arg_add(void *ctx, const char *name, uint32_t ip)
{
	char s[VM_IP_STRLEN];

	vm_ip_format(ip, s);
	vm_buf_addf(ctx, " \\\n\t--aux-address=%s=%s", name, s);
}

size_t vm_reserved_aux_add(struct vm_buf *b, const struct vm_plan_vlan *v, uint32_t blk)
{
	return vm_reserved_aux_each(v, blk, aux_arg_add, b);
}

uint32_t vm_reserved_count_in(const struct vm_plan_vlan *v, uint32_t first, uint64_t size)
{
	uint64_t end = (uint64_t)first + size, n = 0;

	for (size_t k = 0; k < v->n_reserved; k++) {
		uint64_t lo = v->reserved[k].lo, hi = (uint64_t)v->reserved[k].hi + 1;

		if (lo < first)
			lo = first;
		if (hi > end)
			hi = end;
		if (lo < hi)
			n += hi - lo;
	}
	return (uint32_t)n;
}
