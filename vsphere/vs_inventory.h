/* vs_inventory.h — what vtrunk reads of vCenter, in one ContainerView +
 * RetrievePropertiesEx pass (continued with ContinueRetrievePropertiesEx).
 *
 * Ownership: struct vs_inventory owns every array and string in it, and the parsed
 * answers; xmlNode pointers in it are borrowed from those and live as long as the
 * inventory. vs_inventory_free() releases everything.
 */
#ifndef VS_INVENTORY_H
#define VS_INVENTORY_H

#include "vm_hmap.h"
#include "vm_vlan.h"
#include "vs_guestnet.h"
#include "vs_session.h"

enum vs_vlan_kind { VS_VLAN_NONE, VS_VLAN_ID, VS_VLAN_TRUNK, VS_VLAN_PVLAN };
enum vs_backing { VS_BACKING_OTHER, VS_BACKING_DVPORT, VS_BACKING_NETWORK, VS_BACKING_OPAQUE };

struct vs_dc {
	struct vs_moref ref;
	char *name; /* owned */
};

struct vs_switch {
	struct vs_moref ref;
	char *name; /* owned */
	char *uuid; /* owned */
	int dc;     /* index into dcs, -1 when unknown */
	char version[32];          /* summary.productInfo.version, "" when not reported */
	struct vs_moref *uplinks;  /* owned; config.uplinkPortgroup */
	size_t n_uplinks;
	struct vs_moref *recent;   /* owned; recentTask (AddDVPortgroup_Task runs on the switch) */
	size_t n_recent;
	struct vs_moref *hosts;    /* owned; summary.hostMember: the hosts attached to it */
	size_t n_hosts;
};

/* A distributed port group, a standard network (is_dvpg 0), or an NSX-T opaque network
 * (is_dvpg 0, opaque_id set). */
struct vs_portgroup {
	struct vs_moref ref;
	char *name;                /* owned */
	int is_dvpg;
	int dc;                    /* index into dcs, -1 when unknown */
	/* distributed port groups only: */
	char *key;                 /* owned */
	struct vs_moref sw_ref;
	int sw;                    /* index into switches, -1 when unknown */
	enum vs_vlan_kind vlan_kind;
	int vlan_id;               /* VS_VLAN_ID, or the pvlan id */
	struct vm_vlan_set trunk;  /* owned; VS_VLAN_TRUNK */
	int vlan_inherited;
	char *binding;             /* owned; config.type: earlyBinding, ephemeral, lateBinding */
	long num_ports;
	int auto_expand;           /* -1 when not reported */
	char *config_version;      /* owned; "" when not reported */
	int uplink;
	/* The port group's macvlan policy as vCenter applies it: from
	 * defaultPortConfig.macManagementPolicy when that is reported (switch 6.6+), else from
	 * the deprecated securityPolicy. 1/0, -1 not reported. */
	int promiscuous, mac_changes, forged_transmits, mac_learning;
	int mac_mgmt;              /* macManagementPolicy was reported */
	int policy_split;          /* it and securityPolicy were both reported and disagree */
	const xmlNode *config;     /* the whole DVPortgroupConfigInfo, root of config_doc */
	xmlDoc *config_doc;        /* owned: a copy, so the answer it came in can go */
	struct vs_moref *recent;   /* owned; recentTask (distributed port groups) */
	size_t n_recent;
	char *opaque_id;           /* owned; OpaqueNetwork summary.opaqueNetworkId, else NULL */
	char *opaque_type;         /* owned; summary.opaqueNetworkType, e.g. nsx.LogicalSwitch */
};

struct vs_nic {
	int key;
	char *label;               /* owned */
	char *type;                /* owned; xsi:type, e.g. VirtualVmxnet3 */
	char mac[32];
	enum vs_backing backing;
	char *portgroup_key;       /* owned; dvport backing */
	char *switch_uuid;         /* owned; dvport backing */
	char *network_name;        /* owned; network backing (deviceName) */
	struct vs_moref network;   /* network backing */
	char *opaque_id;           /* owned; opaque network backing (opaqueNetworkId) */
	char *opaque_type;         /* owned; opaque network backing (opaqueNetworkType) */
	int connected, start_connected, allow_guest_control;
	int pci_slot;              /* -1 when vCenter has none yet */
	char *xml;                 /* owned: the device as <device xsi:type=…>…</device>, escaped
	                              XML ready to send back on removal */
};

struct vs_option {
	char *key;                 /* owned */
	char *value;               /* owned; "" when vCenter sent none */
};

struct vs_vm {
	struct vs_moref ref;
	char *name;                /* owned */
	int dc;
	char power_state[24];
	struct vs_moref host;      /* runtime.host, value "" when not reported */
	char uuid[48];             /* config.uuid (BIOS), "" when not reported */
	char instance_uuid[48];    /* config.instanceUuid, "" when not reported */
	char change_version[64];   /* config.changeVersion, "" when not reported; sent back in
	                              every ReconfigVM_Task so a stale change fails */
	int have_devices;          /* config.hardware.device was read (a scoped read: agents only) */
	struct vs_nic *nics;       /* owned */
	size_t n_nics, cap_nics;
	struct vs_moref *recent;   /* owned; recentTask: tasks running or just ended on it */
	size_t n_recent;
	struct vs_option *extra;   /* owned; extraConfig entries named guestinfo.vtrunk.* only
	                              (VS_INV_GUESTINFO), in vCenter's order */
	size_t n_extra;
	struct vs_guest_net gnet;  /* owned; guest.net: what VMware Tools reports */
};

struct vs_parent {
	struct vs_moref ref, parent;
	char *name; /* owned; a folder's name (for inventory paths), else NULL */
};

struct vs_inventory {
	struct vs_dc *dcs;         size_t n_dcs, cap_dcs;
	struct vs_switch *switches; size_t n_switches, cap_switches;
	struct vs_portgroup *pgs;  size_t n_pgs, cap_pgs;
	struct vs_vm *vms;         size_t n_vms, cap_vms;
	struct vs_parent *parents; size_t n_parents, cap_parents; /* owned; folder tree */
	xmlDoc **docs;             size_t n_docs, cap_docs;       /* owned answers (add_doc) */
	/* Lookups by key, built by vs_inventory_link (vs_inventory_index.c) so that finding
	 * every agent's VM costs the same per VM at 10 or 10000 VMs. Keys are borrowed from
	 * the arrays above; an index whose count differs from its array's is not used. */
	struct vm_hmap by_name, by_moref, by_uuid, by_parent;
	size_t index_vms, index_parents; /* n_vms and n_parents when they were built */
	size_t gi_missing;         /* VMs whose keyed extraConfig path came back in missingSet */
	int merging;               /* a scoped read fills VMs already read (vs_inventory_details_call) */
};

#define VS_INV_NETWORK 1u  /* datacenters, switches, port groups, networks */
#define VS_INV_VMS 2u      /* VMs with their devices */
#define VS_INV_GUESTINFO 4u /* with VS_INV_VMS: also their guestinfo.vtrunk.* extraConfig */
/* With VS_INV_GUESTINFO: the whole config.extraConfig rather than vtrunk's keys by keyed
 * path (config.extraConfig["guestinfo.vtrunk.netplan"]); what vs_inventory_retrieve_call
 * falls back to where the server does not take keyed paths (Debian's govmomi 0.24). */
#define VS_INV_GI_WHOLE 8u

/* With VS_INV_VMS: every VM with only what matching agents needs (name, parent, uuids,
 * runtime.host, runtime.powerState): no devices, recentTask, changeVersion or extraConfig.
 * vs_inventory_details_call then reads those for the VMs that need them. */
#define VS_INV_CHEAP 16u

int vs_inventory_retrieve_call(struct vs_session *s, unsigned what, struct vs_inventory **out,
			       struct vm_err *err);
/* The costly VM properties (devices, recentTask, changeVersion, and with VS_INV_GUESTINFO
 * vtrunk's extraConfig keys) of refs only, in one RetrievePropertiesEx naming them by
 * moref (paged as the full read), into inv's VMs of those morefs (read VS_INV_CHEAP). A
 * VM gone since: ManagedObjectNotFound, or it comes back without devices. */
int vs_inventory_details_call(struct vs_session *s, unsigned what, struct vs_inventory *inv,
			      const struct vs_moref *refs, size_t n_refs, struct vm_err *err);
/* Forgets what vs_inventory_details_call brings of vm (frees it). */
void vs_inventory_vm_details_clear(struct vs_vm *vm);
/* Re-reads switches and port groups only (a few KiB, not every VM's devices) and
 * puts them in place of inv's, keeping its datacenters and VMs: after creating a
 * port group, to learn its key. Pointers into inv's old port groups become invalid. */
int vs_inventory_networks_refresh_call(struct vs_session *s, struct vs_inventory *inv, struct vm_err *err);

/* Parses a RetrievePropertiesEx (or Continue…) answer body as a stream: one <objects>
 * element at a time, so memory holds the body and the structs, never the whole tree.
 * *token gets the continuation token (owned) or NULL. A fault or a body that is not
 * the expected answer sets err as vs_soap_parse() would. */
int vs_inventory_parse_stream(struct vs_inventory *inv, const char *method, const struct vs_http_resp *resp,
			      char **token, struct vm_err *err);
/* The same for an answer already parsed (the unit tests feed fixtures through either).
 * Takes ownership of doc. */
int vs_inventory_add_doc(struct vs_inventory *inv, xmlDoc *doc, const xmlNode *returnval,
			 struct vm_err *err);
/* Resolves datacenter membership once all answers are in. */
void vs_inventory_link(struct vs_inventory *inv);
/* (Re)builds the lookups of struct vs_inventory (vs_inventory_link calls it first). */
void vs_inventory_index_build(struct vs_inventory *inv);
void vs_inventory_index_free(struct vs_inventory *inv);
/* The VMs whose name (by_name), moref value (by_moref) or BIOS/instance uuid (by_uuid,
 * any case) is key: *pos 0 to start; returns each VM's index, then -1. Falls back to a
 * scan when the index is stale. */
long vs_inventory_vm_next(const struct vs_inventory *inv, const struct vm_hmap *by, const char *key, size_t *pos);
/* The folder-tree entry of ref (the first read), or NULL. */
const struct vs_parent *vs_inventory_parent_entry(const struct vs_inventory *inv, const struct vs_moref *ref);
void vs_inventory_free(struct vs_inventory **inv);

/* Lookups over what was fetched (no network). NULL / -1 when absent. */
int vs_inventory_dc_find(const struct vs_inventory *inv, const char *name);
const struct vs_vm *vs_inventory_vm_get(const struct vs_inventory *inv, const char *name, int dc);
const char *vs_vlan_kind_name(enum vs_vlan_kind k);
/* The parent of ref as read (NULL when not read: the root folder is outside the view);
 * *folder_name, when not NULL, gets ref's own name if ref is a folder, else NULL. */
const struct vs_moref *vs_inventory_parent_get(const struct vs_inventory *inv, const struct vs_moref *ref,
					       const char **folder_name);

#endif
