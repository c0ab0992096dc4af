/* vs_guestnet.h — a VM's guest.net as VMware Tools reports it (GuestNicInfo): each
 * guest NIC's MAC and its IPv4 addresses, for the jump host's check of the plan's
 * mgmt_address (cli_addrcheck.c). Without Tools running vCenter sends no guest.net, or
 * entries without addresses.
 *
 * Ownership: the entries belong to their struct vs_vm (vs_guestnet_clear()). */
#ifndef VS_GUESTNET_H
#define VS_GUESTNET_H

#include <stddef.h>
#include <stdint.h>

/* libxml2 stays out of the headers cli/ includes: xmlNode is struct _xmlNode. */
struct _xmlNode;

struct vs_guest_nic {
	char mac[32];              /* macAddress, "" when Tools sent none */
	uint32_t *ipv4;            /* owned; host byte order, each once: ipAddress[] and
	                              ipConfig.ipAddress[].ipAddress */
	size_t n_ipv4;
};

struct vs_guest_net {
	int reported;              /* vCenter sent guest.net (possibly empty) */
	struct vs_guest_nic *nics; /* owned */
	size_t n_nics;
};

/* Parses the <val> of property guest.net (ArrayOfGuestNicInfo) into gn, replacing what
 * it held. IPv6 and malformed addresses are skipped. */
void vs_guestnet_parse(struct vs_guest_net *gn, const struct _xmlNode *val);

/* The entry whose MAC equals mac (case-insensitive), or NULL. */
const struct vs_guest_nic *vs_guestnet_find(const struct vs_guest_net *gn, const char *mac);

void vs_guestnet_clear(struct vs_guest_net *gn);

#endif
