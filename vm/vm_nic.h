/* vm_nic.h — the NIC diff of one agent VM: which of its NICs is the trunk NIC,
 * which the management NIC, which are unrelated (left alone), and what to add or
 * remove so that it has exactly one of each.
 *
 * Ownership: everything here borrows; struct vm_nic_diff holds indexes into the
 * caller's array, so it stays valid as long as that array does.
 */
#ifndef VM_NIC_H
#define VM_NIC_H

#include <stddef.h>

#include "vm_plan.h"

enum vm_nic_backing { VM_NIC_BACKING_OTHER, VM_NIC_BACKING_DVPORT, VM_NIC_BACKING_NETWORK, VM_NIC_BACKING_OPAQUE };

/* Where a NIC is attached: a distributed port group (switch uuid + port group key), a
 * standard network (its managed object id, and its name as a fallback), or an NSX-T opaque
 * network (its summary's opaqueNetworkId and opaqueNetworkType). */
struct vm_nic_net {
	enum vm_nic_backing backing;
	const char *switch_uuid;   /* borrowed; dvport */
	const char *portgroup_key; /* borrowed; dvport */
	const char *network_ref;   /* borrowed; network: "network-7" */
	const char *network_name;  /* borrowed; network: "VM Network"; opaque: its name */
	const char *opaque_id;     /* borrowed; opaque: opaqueNetworkId */
	const char *opaque_type;   /* borrowed; opaque: opaqueNetworkType, "nsx.LogicalSwitch" */
};

/* One NIC as vCenter reports it. */
struct vm_nic_have {
	int key;                   /* device key */
	struct vm_nic_net net;
	/* 1: not set to connect — startConnected false. Only that is judged: a powered-off
	 * VM's NICs are never connected (VirtualDeviceConnectInfo.connected is "valid only
	 * while the virtual machine is running"), and on a running one the guest may
	 * disconnect a NIC itself (allowGuestControl); vtrunk's own NICs are added with
	 * guest control allowed. */
	int disconnected;
};

#define VM_NIC_MAX_REMOVE 8

struct vm_nic_diff {
	int trunk;             /* index of the trunk NIC kept, -1 when missing */
	int mgmt;              /* index of the management NIC kept, -1 when missing */
	int add_trunk;         /* 1: add a trunk NIC */
	int add_mgmt;          /* 1: add a management NIC */
	int remove[VM_NIC_MAX_REMOVE]; /* indexes of surplus trunk NICs to remove */
	size_t n_remove;
	size_t n_mgmt;         /* management NICs found (more than one are left alone) */
	size_t n_unrelated;    /* NICs on other networks: never touched */
	int connect_trunk;     /* 1: the kept trunk NIC is disconnected: connect it */
	int connect_mgmt;      /* 1: the kept management NIC is disconnected: connect it */
};

/* 1 when the NIC is attached to `net` (dvport: same port group key, and same switch
 * when both name one; network: same managed object, or same name when no id is known;
 * opaque: same opaqueNetworkId and type). */
int vm_nic_on(const struct vm_nic_have *nic, const struct vm_nic_net *net);

/* Computes the diff. The first trunk NIC (lowest device key) is kept and any other
 * on the trunk port group is marked for removal; the first management NIC is kept and
 * further ones are only counted (vtrunk never removes a management NIC). When the
 * management network is the trunk port group itself, nothing is added for it. A kept NIC
 * that is disconnected is marked to be connected (connect_trunk, connect_mgmt). */
void vm_nic_diff_get(const struct vm_nic_have *nics, size_t n, const struct vm_nic_net *trunk,
		     const struct vm_nic_net *mgmt, struct vm_nic_diff *d);

/* 1 when the diff asks for any change. */
int vm_nic_diff_pending(const struct vm_nic_diff *d);

/* vCenter's device type for a plan NIC type: VirtualVmxnet3, VirtualE1000e, VirtualE1000. */
const char *vm_nic_type_name(enum vm_nic_type t);

#endif
