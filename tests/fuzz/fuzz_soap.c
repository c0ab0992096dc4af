/* fuzz_soap.c — libFuzzer target for the SOAP answer reader (vs_soap_parse and through it
 * vs_xml_read, vs_soap_doc_check, vs_fault_decode), the small readers over a parsed
 * answer (moref, long, bool, xsi:type), the echo writer (its output must parse again),
 * and vs_session_version_pick on the same bytes.
 *
 * Input: a selector byte (see fuzz_common.h) and the HTTP body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "vs_session.h"
#include "vs_xml.h"

#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_XML_INITIALIZE

static void fill(struct vm_buf *b, void *arg)
{
	vs_soap_elem(b, "key", arg);
}

/* What vs_portgroup.c and the NIC reader do with an answer's subtree: write it back out.
 * Inside an envelope that declares xsi (as vs_soap_begin's does) it must be well-formed. */
static void echo_check(const xmlNode *n)
{
	struct vm_buf b = {0};
	xmlDoc *d;

	vm_buf_adds(&b, "<w xmlns:xsi=\"" XSI_NS "\">");
	vs_xml_echo(&b, "spec", n, "key", fill, "<&\"'\x01>");
	vm_buf_adds(&b, "</w>");
	d = xmlReadMemory(b.data, (int)b.len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	FUZZ_CHECK(d != NULL, "vs_xml_echo wrote XML that does not parse: %.2000s", b.data);
	xmlFreeDoc(d);
	vm_buf_reset(&b);
}

/* Every element of the answer through the small readers and the fault decoder. */
static void walk(const xmlNode *root)
{
	const xmlNode *n = root;
	unsigned budget = 2000;

	while (n && budget--) {
		struct vs_moref ref;
		struct vm_err fe;
		char type[64];

		if (n->type == XML_ELEMENT_NODE) {
			if (vs_xml_moref_get(n, &ref) == 0)
				FUZZ_CHECK(ref.type[0] && ref.value[0] && memchr(ref.type, 0, sizeof(ref.type)) &&
						   memchr(ref.value, 0, sizeof(ref.value)),
					   "vs_xml_moref_get accepted an empty or unterminated reference");
			(void)vs_xml_long_get(n, -1);
			(void)vs_xml_bool_get(n, -1);
			vs_xml_type_copy(n, type, sizeof(type));
			vm_err_clear(&fe);
			FUZZ_CHECK(vs_fault_decode(n, "text", VM_ERR_FAULT, "fuzz", &fe) == -1, "vs_fault_decode returned 0");
			fuzz_err_check(&fe, "vs_fault_decode");
			FUZZ_CHECK(fe.fault[0] != '\0', "vs_fault_decode left no fault type name");
			vs_fault_decode(n, NULL, VM_ERR_TASK, "fuzz", NULL);
		}
		/* Depth first, without recursion. */
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n && n != root && !n->next)
			n = n->parent;
		if (!n || n == root)
			break;
		n = n->next;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vs_http_resp r;
	struct vm_err err;
	xmlDoc *doc = NULL;
	xmlNode *ret = NULL;
	char version[32];
	uint8_t sel;

	if (size < 1)
		return 0;
	sel = data[0];
	fuzz_resp_make(&r, sel, data + 1, size - 1);

	vm_err_clear(&err);
	if (vs_soap_parse(&r, FUZZ_SEL_METHOD(sel), &doc, &ret, &err) == 0) {
		FUZZ_CHECK(doc && ret, "vs_soap_parse succeeded without a document or a response element");
		FUZZ_CHECK(r.status == 200, "vs_soap_parse accepted HTTP %ld", r.status);
		walk(xmlDocGetRootElement(doc));
		echo_check(ret);
		xmlFreeDoc(doc);
	} else {
		FUZZ_CHECK(doc == NULL && ret == NULL, "vs_soap_parse failed but handed out a document");
		fuzz_err_check(&err, "vs_soap_parse");
	}
	if (FUZZ_SEL_EXTRA(sel)) {
		/* err may be NULL everywhere. */
		if (vs_soap_parse(&r, FUZZ_SEL_METHOD(sel), &doc, &ret, NULL) == 0)
			xmlFreeDoc(doc);
	}

	vm_err_clear(&err);
	memset(version, 'x', sizeof(version));
	if (vs_session_version_pick(r.body, r.len, version, sizeof(version), &err) == 0)
		FUZZ_CHECK(memchr(version, 0, sizeof(version)) && version[0], "version pick gave no version");
	else
		fuzz_err_check(&err, "vs_session_version_pick");

	fuzz_resp_clear(&r);
	return 0;
}
