/* vm_plan.h — the plan as plain structs, after loading and validation.
 *
 * Ownership: a struct vm_plan owns every string and array reachable from it;
 * vm_plan_free() releases it all. The JSON loader lives in cli/cli_plan*.c; the
 * checks that need no JSON (IP plan, cross-field rules) live in vm/.
 *
 * IPv4 addresses and masks are held in host byte order.
 */
#ifndef VM_PLAN_H
#define VM_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "vm_err.h"
#include "vm_vlan.h"

enum vm_binding {
	VM_BINDING_STATIC = 0, /* "static": earlyBinding (vCenter's default) */
	VM_BINDING_EPHEMERAL,  /* "ephemeral": ephemeral */
};

enum vm_nic_type {
	VM_NIC_VMXNET3 = 0, /* "vmxnet3" */
	VM_NIC_E1000E,      /* "e1000e" */
	VM_NIC_E1000,       /* "e1000" */
};

enum vm_container_driver {
	VM_DRIVER_IPVLAN = 0, /* "ipvlan": no hypervisor change (Kasm's guide) */
	VM_DRIVER_MACVLAN,    /* "macvlan": the port group must let unknown MACs through */
};

enum vm_ipvlan_mode {
	VM_MODE_L2 = 0, /* "l2" */
	VM_MODE_L3,     /* "l3" */
};

#define VM_FMT_IFUPDOWN 1u
#define VM_FMT_NETPLAN 2u

struct vm_plan_trunk {
	char *portgroup;           /* owned; required */
	struct vm_vlan_set vlans;  /* owned; required, non-empty */
	enum vm_binding binding;   /* default static */
	int ports;                 /* default 8 */
	enum vm_nic_type nic_type; /* default vmxnet3 */
	enum vm_container_driver driver; /* "container_driver"; default ipvlan */
	int mac_learning;          /* macvlan only: MAC learning instead of promiscuous mode */
};

struct vm_plan_mgmt {
	char *network;     /* owned; port group or standard network name */
	int prefix;        /* 1..32, default 24 */
	uint32_t gateway;  /* 0 when absent */
	int has_gateway;
	char **dns;        /* owned array of owned strings (IPv4 literals) */
	size_t n_dns;
	char **search;     /* owned array of owned strings */
	size_t n_search;
};

struct vm_plan_guest {
	unsigned formats;     /* VM_FMT_* bits; default both */
	char *trunk_ifname;   /* owned; default "ens160" */
	char *mgmt_ifname;    /* owned; default "ens192" */
	char *docker_version; /* owned; default "20.10" */
};

/* One "reserved" entry: a single address (lo == hi) or an "a-b" range. */
struct vm_reserved {
	uint32_t lo, hi;
};

struct vm_plan_vlan {
	int id;            /* 0..4094, inside trunk.vlans */
	uint32_t subnet;   /* network address */
	int prefix;        /* subnet prefix length */
	uint32_t gateway;  /* inside the subnet */
	int agent_prefix;  /* > prefix, <= 30 */
	char *network;     /* owned; docker network name, default "vlan<id>" */
	enum vm_ipvlan_mode mode; /* default l2 */
	struct vm_reserved *reserved; /* owned; "reserved": addresses Docker must not hand out */
	size_t n_reserved;
};

struct vm_plan_tags {      /* "tags": a vCenter tag for the port group and the agents */
	char *category;        /* owned; NULL when the plan has no "tags" */
	char *tag;             /* owned */
};

/* How an agent names its VM: exactly one of "vm" (a name, or an inventory path when it
 * starts with '/'), "uuid" (config.uuid or config.instanceUuid) or "moref". */
enum vm_agent_by { VM_AGENT_NAME, VM_AGENT_PATH, VM_AGENT_UUID, VM_AGENT_MOREF };

struct vm_plan_agent {
	char *vm;              /* owned; the VM's name: its guest files' directory and the name
	                          in reports. A path's last part; for uuid and moref, that value
	                          until vCenter is read, then the VM's own name */
	enum vm_agent_by by;
	char *ref;             /* owned; the path, uuid or moref as given; NULL for a bare name */
	uint32_t mgmt_address; /* required */
	int slot;              /* explicit "slot" or its index in agents */
	int slot_explicit;
	int autoscale;         /* matched by "autoscale" in vCenter, not listed: slot from
	                          its VM's guestinfo.vtrunk.slot (cli/cli_autoscale.c) */
	int mgmt_dhcp;         /* the management address comes from DHCP (mgmt_address 0) */
};

/* "autoscale": VMs that are agents because of their name (and tag), e.g. Kasm AutoScale
 * clones; their slots come from a range and are kept in the VMs themselves. */
struct vm_plan_autoscale {
	char *match;           /* owned; fnmatch(3) glob on the VM name; NULL: any name */
	char *tag;             /* owned; a vCenter tag the VM must carry; NULL: none */
	int slot_lo, slot_hi;  /* "slots": "16-63", inclusive */
	int mgmt_dhcp;         /* "mgmt": "dhcp" */
};

struct vm_plan {
	char *datacenter;    /* owned; NULL when omitted (there must be exactly one) */
	const char *datacenter_from; /* static; where datacenter came from when not the plan */
	char *sw;            /* owned; "switch" */
	struct vm_plan_trunk trunk;
	int has_management;  /* required when agents is non-empty */
	struct vm_plan_mgmt management;
	struct vm_plan_guest guest;
	struct vm_plan_tags tags;
	struct vm_plan_vlan *vlans; /* owned */
	size_t n_vlans;
	struct vm_plan_agent *agents; /* owned */
	size_t n_agents;
	int has_autoscale;
	struct vm_plan_autoscale autoscale; /* owned strings */
	size_t n_listed;     /* agents[0..n_listed) are the plan's; the rest autoscale's */
};

void vm_plan_free(struct vm_plan **plan);

/* A character of the names vtrunk writes unquoted into interface files and commands
 * (interface names, Docker network names): a letter, a digit, '_', '.' or '-'. */
int vm_plan_name_char_ok(char c);
/* A Docker network name vtrunk accepts: such characters, starting with a letter or digit
 * (a leading '-' would read as an option to `docker network create`). */
int vm_plan_docker_name_ok(const char *s);

#endif
