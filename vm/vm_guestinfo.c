#include "vm_guestinfo.h"

#include <stdlib.h>
#include <string.h>

#include "vm_docker.h"
#include "vm_netplan.h"

static void put(struct vm_guestinfo *gi, const char *key, char *value)
{
	gi->key[gi->n] = key;
	gi->value[gi->n++] = value;
}

/* A file as a value and its ".encoding" companion; NULL text removes both. */
static void put_file(struct vm_guestinfo *gi, const char *key, const char *enc_key, char *text)
{
	put(gi, key, text ? vm_base64_encode(text, strlen(text)) : vm_xstrdup(""));
	put(gi, enc_key, vm_xstrdup(text ? "base64" : ""));
	free(text);
}

void vm_guestinfo_build(const struct vm_plan *plan, size_t i, const struct vm_guest_agent *ga,
			struct vm_guestinfo *out)
{
	memset(out, 0, sizeof(*out));
	put_file(out, VM_GI_NETPLAN, VM_GI_NETPLAN ".encoding",
		 plan->guest.formats & VM_FMT_NETPLAN ? vm_netplan_emit(plan, i, ga) : NULL);
	put_file(out, VM_GI_DOCKER, VM_GI_DOCKER ".encoding", vm_docker_networks_emit(plan, i, ga));
}

void vm_guestinfo_build_removal(struct vm_guestinfo *out)
{
	memset(out, 0, sizeof(*out));
	put_file(out, VM_GI_NETPLAN, VM_GI_NETPLAN ".encoding", NULL);
	put_file(out, VM_GI_DOCKER, VM_GI_DOCKER ".encoding", NULL);
	/* An agent that loses its trunk NIC gives its slot back. */
	vm_guestinfo_put_slot(out, -1);
}

void vm_guestinfo_put_slot(struct vm_guestinfo *gi, int slot)
{
	if (gi->n < VM_GI_KEYS)
		put(gi, VM_GI_SLOT, slot < 0 ? vm_xstrdup("") : vm_xasprintf("%d", slot));
}

int vm_guestinfo_differs(const struct vm_guestinfo *want, const char *(*lookup)(const char *key, const void *arg),
			 const void *arg)
{
	for (size_t k = 0; k < want->n; k++) {
		const char *have = lookup(want->key[k], arg);
		if (strcmp(have ? have : "", want->value[k]) != 0)
			return 1;
	}
	return 0;
}

void vm_guestinfo_clear(struct vm_guestinfo *gi)
{
	for (size_t k = 0; k < gi->n; k++)
		free(gi->value[k]);
	memset(gi, 0, sizeof(*gi));
}

int vm_guestinfo_size_check(const struct vm_plan *plan, struct vm_err *err)
{
	/* Two different MACs: both NICs are then bound by MAC, the longest form. */
	struct vm_guest_nic t = {.mac = "00:50:56:00:00:01"}, m = {.mac = "00:50:56:00:00:02"};
	struct vm_guest_agent ga = {&t, &m};

	for (size_t i = 0; i < plan->n_agents; i++) {
		struct vm_guestinfo gi;
		vm_guestinfo_build(plan, i, &ga, &gi);
		for (size_t k = 0; k < gi.n; k++) {
			size_t len = strlen(gi.value[k]);
			if (len > VM_GI_VALUE_MAX) {
				vm_err_set(err, VM_ERR_USAGE,
					   "--guestinfo: %s of agents[%zu] (\"%s\") would be %zu bytes, more than the %d "
					   "VMware Tools can hand the guest; copy the files instead (leave out --guestinfo)",
					   gi.key[k], i, plan->agents[i].vm, len, VM_GI_VALUE_MAX);
				vm_guestinfo_clear(&gi);
				return -1;
			}
		}
		vm_guestinfo_clear(&gi);
	}
	return 0;
}
