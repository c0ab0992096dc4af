/* vs_xml.h — the SOAP envelope writer (escaping always on) and the response reader
 * (libxml2, no network, no entity substitution, no DOCTYPE), plus fault decoding.
 *
 * Ownership: writers append to a caller-owned struct vm_buf. vs_soap_parse() hands
 * back an owned xmlDoc (free with xmlFreeDoc) and a node borrowed from it. Strings
 * returned by vs_xml_*_dup() are owned by the caller.
 */
#ifndef VS_XML_H
#define VS_XML_H

#include <stddef.h>

#include <libxml/tree.h>

#include "vm_alloc.h"
#include "vm_err.h"
#include "vs_http.h"

/* A managed object reference: type ("VirtualMachine") and value ("vm-42"). */
struct vs_moref {
	char type[64];
	char value[96];
};

/* --- writer --- */
void vs_xml_escape_add(struct vm_buf *b, const char *text);
/* <?xml…?><Envelope><Body><method xmlns="urn:vim25"><_this type=…>…</_this> */
void vs_soap_begin(struct vm_buf *b, const char *method, const struct vs_moref *self);
void vs_soap_end(struct vm_buf *b, const char *method);
/* <name>text</name>, text escaped */
void vs_soap_elem(struct vm_buf *b, const char *name, const char *text);
void vs_soap_elem_long(struct vm_buf *b, const char *name, long v);
void vs_soap_elem_bool(struct vm_buf *b, const char *name, int v);
/* <name type="T">V</name> */
void vs_soap_moref(struct vm_buf *b, const char *name, const struct vs_moref *ref);
/* The objectSet of a PropertyFilterSpec that selects every object of a ContainerView (the
 * view itself skipped), for RetrievePropertiesEx and CreateFilter alike. */
void vs_soap_view_objects(struct vm_buf *b, const struct vs_moref *view);
/* <name> or <name xsi:type="T"> */
void vs_soap_open(struct vm_buf *b, const char *name, const char *xsi_type);
void vs_soap_close(struct vm_buf *b, const char *name);
/* Writes node (and its subtree) back out as the element `name`, escaping all text
 * and attributes; a child whose local name is `skip` is replaced by what `fill`
 * writes (fill may be NULL: the child is dropped). Used to send back the values a
 * spec must carry unchanged (see vs_portgroup.c). */
void vs_xml_echo(struct vm_buf *b, const char *name, const xmlNode *node, const char *skip,
		 void (*fill)(struct vm_buf *b, void *arg), void *arg);

/* --- reader --- */
/* Parses a SOAP answer for `method`. On success *doc is owned by the caller and
 * *ret is the <methodResponse> element. A SOAP fault sets err (kind fault, .fault =
 * the vSphere type name); HTML, truncated or otherwise unreadable bodies set err
 * (kind parse or http) with what was expected. */
int vs_soap_parse(const struct vs_http_resp *resp, const char *method, xmlDoc **doc,
		  xmlNode **ret, struct vm_err *err);
/* The envelope checks of vs_soap_parse() on a document already parsed (by a stream
 * reader, say): fault, unexpected answer, HTTP status. doc stays the caller's. */
int vs_soap_doc_check(xmlDoc *doc, long status, const char *method, xmlNode **ret, struct vm_err *err);
/* Sets err (kind parse) for an answer that is not well-formed, with libxml2's reason. */
int vs_xml_malformed_set(const xmlError *e, const char *what, struct vm_err *err);
/* Parses any XML body safely (no network, no entities, no DOCTYPE). */
xmlDoc *vs_xml_read(const char *body, size_t len, const char *what, struct vm_err *err);
/* Fills err from a fault element (a SOAP <detail> child or a LocalizedMethodFault's
 * <fault>), `kind` fault or task; message is "<what>: <Type>: <text>". Returns -1. */
int vs_fault_decode(const xmlNode *fault, const char *text, enum vm_err_kind kind,
		    const char *what, struct vm_err *err);

xmlNode *vs_xml_child(const xmlNode *n, const char *name);  /* first element child by local name */
xmlNode *vs_xml_next(const xmlNode *n, const char *name);   /* next sibling element by local name */
xmlNode *vs_xml_path(const xmlNode *n, const char *path);   /* "a/b/c" through first children */
char *vs_xml_text_dup(const xmlNode *n);                    /* "" for an empty element; NULL for NULL */
int vs_xml_text_copy(const xmlNode *n, char *out, size_t size); /* -1 when absent or too long */
long vs_xml_long_get(const xmlNode *n, long dflt);          /* dflt when absent or not a number */
int vs_xml_bool_get(const xmlNode *n, int dflt);
/* The local part of xsi:type, copied; "" when absent. */
void vs_xml_type_copy(const xmlNode *n, char *out, size_t size);
/* Reads a ManagedObjectReference element; -1 when malformed. */
int vs_xml_moref_get(const xmlNode *n, struct vs_moref *ref);

#endif
