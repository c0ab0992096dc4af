/* vm_guestinfo.h — an agent's guest config as VM extraConfig ("guestinfo.vtrunk.*"),
 * which the guest reads back through VMware Tools (vtrunk-apply.sh --from-guestinfo):
 * its netplan file and its docker-networks.sh, each base64 with an ".encoding" key.
 *
 * Ownership: struct vm_guestinfo owns its values (keys are constants);
 * vm_guestinfo_clear() frees them. Pure functions: no network.
 */
#ifndef VM_GUESTINFO_H
#define VM_GUESTINFO_H

#include <stddef.h>

#include "vm_guest.h"

#define VM_GI_PREFIX "guestinfo.vtrunk."
#define VM_GI_NETPLAN "guestinfo.vtrunk.netplan"
#define VM_GI_DOCKER "guestinfo.vtrunk.docker"
#define VM_GI_SLOT "guestinfo.vtrunk.slot" /* an autoscaled agent's slot (its claim) */
#define VM_GI_KEYS 5

struct vm_guestinfo {
	const char *key[VM_GI_KEYS]; /* constants */
	char *value[VM_GI_KEYS];     /* owned; "" removes the key */
	size_t n;
};

/* The keys and values for agent i: the same netplan text and docker-networks.sh that
 * vm_guest_write() puts under DIR/<vm>/ for the same facts. A plan without the netplan
 * format gets no netplan key (it is removed, should an older run have set it). */
void vm_guestinfo_build(const struct vm_plan *plan, size_t i, const struct vm_guest_agent *ga,
			struct vm_guestinfo *out);
/* Every vtrunk key with an empty value: what removes them all. */
void vm_guestinfo_build_removal(struct vm_guestinfo *out);
/* Whether what a VM holds (lookup(key, arg): its value, NULL when absent) differs from
 * want. An empty value and an absent key are the same thing to vSphere. */
int vm_guestinfo_differs(const struct vm_guestinfo *want, const char *(*lookup)(const char *key, const void *arg),
			 const void *arg);
void vm_guestinfo_clear(struct vm_guestinfo *gi);
/* Adds the VM_GI_SLOT key (slot < 0: its removal). */
void vm_guestinfo_put_slot(struct vm_guestinfo *gi, int slot);

/* The longest value vtrunk writes: VMware Tools hands a guest at most about 1 MB in one
 * reply, so a longer one could not be read back with info-get. */
#define VM_GI_VALUE_MAX 1000000
/* Whether every agent's values fit VM_GI_VALUE_MAX, computed with MACs in the files (the
 * longest they get); -1 (usage) naming the agent and the file otherwise. Only a plan
 * with thousands of VLANs comes near it. */
int vm_guestinfo_size_check(const struct vm_plan *plan, struct vm_err *err);

#endif
