/* vm_guest.h — the guest side of a plan: one root tree per agent VM under an output
 * directory (DESIGN.md, "Guest files"), plus DIR/summary.json.
 *
 * Ownership: struct vm_guest_nic and struct vm_guest_agent only borrow; the caller
 * keeps their strings alive for the duration of the call. Every char * returned by a
 * vm_guest_* or emitter function is owned by the caller and released with free().
 *
 * The emitters themselves live one a file (vm_ifupdown, vm_netplan, vm_modules,
 * vm_docker, vm_apply, vm_summary); each returns the text of one file so golden tests
 * can compare it without touching the disk. They assume a plan that passed
 * vm_guest_check(); vm_guest_write() runs that check before writing anything.
 */
#ifndef VM_GUEST_H
#define VM_GUEST_H

#include <stddef.h>

#include "vm_alloc.h"
#include "vm_err.h"
#include "vm_plan.h"

struct vm_guest_nic {      /* facts vCenter reported for one NIC; all borrowed */
	const char *mac;       /* "00:50:56:..." (any case), or NULL when unknown */
	int key;               /* device key, 0 when unknown */
	const char *portgroup; /* port group / network name, or NULL */
	const char *label;     /* "Network adapter 2", or NULL */
	int pci_slot;          /* vCenter's slotInfo.pciSlotNumber; <= 0 when it has none yet */
};

struct vm_guest_agent {               /* one agent VM, index-aligned with plan->agents */
	const struct vm_guest_nic *trunk; /* borrowed; NULL when unknown */
	const struct vm_guest_nic *mgmt;  /* borrowed; NULL when unknown */
};

/* Paths inside DIR/<vm>/ (also the install paths, relative to /). */
#define VM_GUEST_IFUPDOWN_PATH "etc/network/interfaces.d/vtrunk"
/* Where vtrunk 0.1 wrote the whole interfaces file; still recognised as its own. */
#define VM_GUEST_IFUPDOWN_OLD_PATH "etc/network/interfaces"
#define VM_GUEST_NETPLAN_PATH "etc/netplan/60-vtrunk.yaml"
#define VM_GUEST_MODULES_PATH "etc/modules-load.d/vtrunk.conf"
#define VM_GUEST_DAEMON_PATH "etc/docker/daemon.json"
#define VM_GUEST_NETWORKS_PATH "docker-networks.sh"
#define VM_GUEST_APPLY_PATH "vtrunk-apply.sh"
#define VM_GUEST_SUMMARY_PATH "summary.json"

#define VM_GUEST_MACLEN 18 /* "00:50:56:aa:bb:cc" + NUL */

/* Writes DIR/<vm>/... for every agent and DIR/summary.json. `agents` may be NULL
 * (offline render: interfaces bound by name). Each agent's tree is built in a
 * temporary directory of DIR and then put in place of the old one in one rename, so
 * DIR/<vm> is always whole or absent; modes are netplan 0600, scripts 0755, others
 * 0644. Creates DIR (and its parents) when missing. Files vtrunk wrote before that this
 * plan no longer asks for (daemon.json, a dropped format) are gone with the old tree,
 * so vtrunk-apply.sh never installs a stale one. Errors: usage for a plan the files
 * cannot express (see vm_guest_check) or an empty DIR, parse for a malformed MAC, io
 * otherwise (including what vm_guest_dir_prepare refuses). */
int vm_guest_write(const struct vm_plan *plan, const struct vm_guest_agent *agents,
		   const char *dir, struct vm_err *err);

/* What vm_guest_write() needs of DIR, checked before anything is sent to vCenter:
 * creates DIR (and parents), creates, writes and removes a probe file in it (a
 * read-only or full file system fails here), and makes sure no DIR/<vm> of the plan
 * (plan may be NULL) is anything but a directory holding only files vtrunk writes,
 * since it is replaced whole. Errors: usage for an empty DIR, io otherwise. */
int vm_guest_dir_prepare(const struct vm_plan *plan, const char *dir, struct vm_err *err);

/* The checks vm_guest_write() makes before writing: vm_plan_validate(), then that
 * every VM name is usable as one path component, interface names and search domains
 * can be written into every format, the Docker version is readable, and reported
 * MACs are MACs. */
int vm_guest_check(const struct vm_plan *plan, const struct vm_guest_agent *agents,
		   struct vm_err *err);

/* The agent's NIC facts, or NULL; tolerates agents == NULL. */
const struct vm_guest_nic *vm_guest_trunk_get(const struct vm_guest_agent *agent);
const struct vm_guest_nic *vm_guest_mgmt_get(const struct vm_guest_agent *agent);

#define VM_GUEST_IFNAMLEN 16 /* IFNAMSIZ */

/* The names the agent's guest files give its two interfaces. A NIC with a PCI slot is
 * "ens<slot>", the name systemd/udev's predictable naming gives a PCI NIC whose slot
 * the firmware reports (README, "Interface names"); one without (added to a running
 * VM: ESXi numbers it at the next power-on) keeps the plan's guest.*_ifname, or the
 * other interface's plan name when the other NIC's slot already took that one (the
 * plan's pair is swapped on this VM). The two names always differ. */
struct vm_guest_names {
	char trunk[VM_GUEST_IFNAMLEN], mgmt[VM_GUEST_IFNAMLEN];
	int trunk_slot, mgmt_slot; /* the slot each name comes from, 0 when from the plan */
};
void vm_guest_names_get(const struct vm_plan *plan, const struct vm_guest_agent *agent,
			struct vm_guest_names *out);

/* Copies a well-formed MAC into out in lowercase; 0, or -1 when NULL or malformed. */
int vm_guest_mac_norm(const char *mac, char out[VM_GUEST_MACLEN]);
/* Fills the MACs to bind the agent's trunk and management interfaces to, each "" when
 * that interface must be bound by name instead: the MAC is unknown or malformed, or
 * both NICs report the same one (binding both to it would misname one of them). */
void vm_guest_bind_macs(const struct vm_guest_agent *agent, char trunk[VM_GUEST_MACLEN],
			char mgmt[VM_GUEST_MACLEN]);

/* 1 when `version` ("18.09", "1.13.1", "17.06.0-ce") is older than 19.03, the
 * release that made ipvlan non-experimental; 0 when not; -1 when unreadable. */
int vm_guest_docker_needs_experimental(const char *version);

/* Text helpers shared by the emitters. */
/* Appends s as one bash word (the scripts are bash's): bare when it is only safe
 * characters, otherwise in single quotes with each ' written as '\'' and each unsafe
 * code point (vm_text.h) or malformed byte as $'\ooo...': the same bytes to bash, none
 * of them raw in the script. */
void vm_guest_sh_quote(struct vm_buf *b, const char *s);
/* Appends s as a YAML double-quoted scalar: \", \\ and what vm_text_unsafe() names
 * escaped (\xNN, \uNNNN), a byte that is not UTF-8 as \uFFFD. */
void vm_guest_yaml_quote(struct vm_buf *b, const char *s);
/* Comments: vm_text_comment_add() (vm_text.h). */

#endif
