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
