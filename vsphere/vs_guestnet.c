#include "vs_guestnet.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vm_alloc.h"
#include "vm_ipplan.h"
#include "vs_xml.h"

static void ip_add(struct vs_guest_nic *n, const xmlNode *x)
{
	char s[64];
	uint32_t a;

	/* IPv6 and scoped addresses fail vm_ip_parse: only IPv4 is compared. */
	if (vs_xml_text_copy(x, s, sizeof(s)) < 0 || vm_ip_parse(s, &a) < 0)
		return;
	for (size_t i = 0; i < n->n_ipv4; i++)
		if (n->ipv4[i] == a)
			return;
	n->ipv4 = vm_xrealloc(n->ipv4, (n->n_ipv4 + 1) * sizeof(*n->ipv4));
	n->ipv4[n->n_ipv4++] = a;
}

void vs_guestnet_parse(struct vs_guest_net *gn, const struct _xmlNode *val)
{
	vs_guestnet_clear(gn);
	gn->reported = 1;
	for (xmlNode *g = vs_xml_child(val, "GuestNicInfo"); g; g = vs_xml_next(g, "GuestNicInfo")) {
		struct vs_guest_nic *n;
		const xmlNode *cfg = vs_xml_child(g, "ipConfig");

		gn->nics = vm_xrealloc(gn->nics, (gn->n_nics + 1) * sizeof(*gn->nics));
		n = &gn->nics[gn->n_nics++];
		memset(n, 0, sizeof(*n));
		if (vs_xml_text_copy(vs_xml_child(g, "macAddress"), n->mac, sizeof(n->mac)) < 0)
			n->mac[0] = '\0';
		for (xmlNode *x = vs_xml_child(g, "ipAddress"); x; x = vs_xml_next(x, "ipAddress"))
			ip_add(n, x);
		for (xmlNode *x = cfg ? vs_xml_child(cfg, "ipAddress") : NULL; x;
		     x = vs_xml_next(x, "ipAddress"))
			ip_add(n, vs_xml_child(x, "ipAddress"));
	}
}

const struct vs_guest_nic *vs_guestnet_find(const struct vs_guest_net *gn, const char *mac)
{
	if (!mac || !*mac)
		return NULL;
	for (size_t i = 0; i < gn->n_nics; i++)
		if (strcasecmp(gn->nics[i].mac, mac) == 0)
			return &gn->nics[i];
	return NULL;
}

void vs_guestnet_clear(struct vs_guest_net *gn)
{
	for (size_t i = 0; i < gn->n_nics; i++)
		free(gn->nics[i].ipv4);
	free(gn->nics);
	memset(gn, 0, sizeof(*gn));
}
