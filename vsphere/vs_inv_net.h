/* vs_inv_net.h — network facts of the inventory read beyond names and port group configs:
 * an NSX-T opaque network's identity, and lists of references (a switch's hosts).
 *
 * Ownership: the strings and arrays set here belong to the struct they are set in (freed
 * with the inventory).
 */
#ifndef VS_INV_NET_H
#define VS_INV_NET_H

#include "vs_inventory.h"

/* An OpaqueNetwork's summary (OpaqueNetworkSummary): opaqueNetworkId and opaqueNetworkType,
 * which a NIC on it carries in its backing. Any other network's summary is ignored. */
void vs_inv_opaque_parse(struct vs_portgroup *pg, const xmlNode *summary);
/* A list of references (ArrayOfManagedObjectReference) into *refs (once: a repeated list is
 * ignored). */
void vs_inv_refs_parse(const xmlNode *val, struct vs_moref **refs, size_t *n);

#endif
