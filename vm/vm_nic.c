#include "vm_nic.h"

#include <string.h>

static int same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

int vm_nic_on(const struct vm_nic_have *nic, const struct vm_nic_net *net)
{
	const struct vm_nic_net *h = &nic->net;

	if (h->backing != net->backing)
		return 0;
	if (net->backing == VM_NIC_BACKING_DVPORT)
		return same(h->portgroup_key, net->portgroup_key) &&
		       (!h->switch_uuid || !net->switch_uuid || same(h->switch_uuid, net->switch_uuid));
	if (net->backing == VM_NIC_BACKING_NETWORK) {
		if (h->network_ref && net->network_ref)
			return same(h->network_ref, net->network_ref);
		return same(h->network_name, net->network_name);
	}
	if (net->backing == VM_NIC_BACKING_OPAQUE)
		return same(h->opaque_id, net->opaque_id) && same(h->opaque_type, net->opaque_type);
	return 0;
}

void vm_nic_diff_get(const struct vm_nic_have *nics, size_t n, const struct vm_nic_net *trunk,
		     const struct vm_nic_net *mgmt, struct vm_nic_diff *d)
{
	memset(d, 0, sizeof(*d));
	d->trunk = d->mgmt = -1;
	for (size_t i = 0; i < n; i++) {
		if (vm_nic_on(&nics[i], trunk)) {
			if (d->trunk < 0 || nics[i].key < nics[d->trunk].key)
				d->trunk = (int)i;
		} else if (mgmt && vm_nic_on(&nics[i], mgmt)) {
			d->n_mgmt++;
			if (d->mgmt < 0 || nics[i].key < nics[d->mgmt].key)
				d->mgmt = (int)i;
		} else {
			d->n_unrelated++;
		}
	}
	for (size_t i = 0; i < n; i++)
		if ((int)i != d->trunk && vm_nic_on(&nics[i], trunk) && d->n_remove < VM_NIC_MAX_REMOVE)
			d->remove[d->n_remove++] = (int)i;
	d->add_trunk = d->trunk < 0;
	d->add_mgmt = mgmt && d->mgmt < 0 && !vm_nic_on(&(struct vm_nic_have){0, *mgmt, 0}, trunk);
	d->connect_trunk = d->trunk >= 0 && nics[d->trunk].disconnected;
	d->connect_mgmt = d->mgmt >= 0 && nics[d->mgmt].disconnected;
}

int vm_nic_diff_pending(const struct vm_nic_diff *d)
{
	return d->add_trunk || d->add_mgmt || d->n_remove > 0 || d->connect_trunk || d->connect_mgmt;
}

const char *vm_nic_type_name(enum vm_nic_type t)
{
	switch (t) {
	case VM_NIC_E1000E: return "VirtualE1000e";
	case VM_NIC_E1000: return "VirtualE1000";
	default: return "VirtualVmxnet3";
	}
}
