#include "vs_inv_net.h"

#include <stdlib.h>
#include <string.h>

void vs_inv_opaque_parse(struct vs_portgroup *pg, const xmlNode *summary)
{
	char type[96];
	const xmlNode *id = vs_xml_child(summary, "opaqueNetworkId");

	vs_xml_type_copy(summary, type, sizeof(type));
	/* A Network's summary is a NetworkSummary; only an OpaqueNetworkSummary names one. */
	if (!id || (*type && strcmp(type, "OpaqueNetworkSummary") != 0) || pg->opaque_id)
		return;
	pg->opaque_id = vs_xml_text_dup(id);
	pg->opaque_type = vs_xml_text_dup(vs_xml_child(summary, "opaqueNetworkType"));
	if (!pg->opaque_type)
		pg->opaque_type = vm_xstrdup("");
}

void vs_inv_refs_parse(const xmlNode *val, struct vs_moref **refs, size_t *n)
{
	if (*refs)
		return;
	*refs = vm_xcalloc(1, sizeof(**refs));
	for (xmlNode *r = vs_xml_child(val, NULL); r; r = vs_xml_next(r, NULL)) {
		*refs = vm_xrealloc(*refs, (*n + 1) * sizeof(**refs));
		if (vs_xml_moref_get(r, &(*refs)[*n]) == 0)
			(*n)++;
	}
}
