#include "vs_xml.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

void vs_xml_escape_add(struct vm_buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': vm_buf_adds(b, "&amp;"); break;
		case '<': vm_buf_adds(b, "&lt;"); break;
		case '>': vm_buf_adds(b, "&gt;"); break;
		case '"': vm_buf_adds(b, "&quot;"); break;
		case '\'': vm_buf_adds(b, "&apos;"); break;
		/* Character references keep tabs and line ends from attribute-value
		 * normalisation; other control characters cannot exist in XML 1.0. */
		case '\t': vm_buf_adds(b, "&#9;"); break;
		case '\n': vm_buf_adds(b, "&#10;"); break;
		case '\r': vm_buf_adds(b, "&#13;"); break;
		default:
			if (c < 0x20)
				vm_buf_adds(b, "\xef\xbf\xbd");
			else
				vm_buf_add(b, s, 1);
		}
	}
}

void vs_soap_begin(struct vm_buf *b, const char *method, const struct vs_moref *self)
{
	vm_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
		       " xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\""
		       " xmlns:xsi=\"" XSI_NS "\"><soapenv:Body>");
	vm_buf_addf(b, "<%s xmlns=\"urn:vim25\">", method);
	vs_soap_moref(b, "_this", self);
}

void vs_soap_end(struct vm_buf *b, const char *method)
{
	vm_buf_addf(b, "</%s></soapenv:Body></soapenv:Envelope>", method);
}

void vs_soap_elem(struct vm_buf *b, const char *name, const char *text)
{
	vm_buf_addf(b, "<%s>", name);
	vs_xml_escape_add(b, text);
	vm_buf_addf(b, "</%s>", name);
}

void vs_soap_elem_long(struct vm_buf *b, const char *name, long v)
{
	vm_buf_addf(b, "<%s>%ld</%s>", name, v, name);
}

void vs_soap_elem_bool(struct vm_buf *b, const char *name, int v)
{
	vm_buf_addf(b, "<%s>%s</%s>", name, v ? "true" : "false", name);
}

void vs_soap_moref(struct vm_buf *b, const char *name, const struct vs_moref *ref)
{
	vm_buf_addf(b, "<%s type=\"", name);
	vs_xml_escape_add(b, ref->type);
	vm_buf_adds(b, "\">");
	vs_xml_escape_add(b, ref->value);
	vm_buf_addf(b, "</%s>", name);
}

void vs_soap_view_objects(struct vm_buf *b, const struct vs_moref *view)
{
	vs_soap_open(b, "objectSet", NULL);
	vs_soap_moref(b, "obj", view);
	vs_soap_elem_bool(b, "skip", 1);
	vs_soap_open(b, "selectSet", "TraversalSpec");
	vs_soap_elem(b, "name", "view");
	vs_soap_elem(b, "type", "ContainerView");
	vs_soap_elem(b, "path", "view");
	vs_soap_elem_bool(b, "skip", 0);
	vs_soap_close(b, "selectSet");
	vs_soap_close(b, "objectSet");
}

void vs_soap_open(struct vm_buf *b, const char *name, const char *xsi_type)
{
	if (xsi_type) {
		vm_buf_addf(b, "<%s xsi:type=\"", name);
		vs_xml_escape_add(b, xsi_type);
		vm_buf_adds(b, "\">");
	} else {
		vm_buf_addf(b, "<%s>", name);
	}
}

void vs_soap_close(struct vm_buf *b, const char *name)
{
	vm_buf_addf(b, "</%s>", name);
}

static void echo_node(struct vm_buf *b, const char *name, const xmlNode *n, const char *skip,
		      void (*fill)(struct vm_buf *, void *), void *arg)
{
	vm_buf_addf(b, "<%s", name);
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		xmlChar *v = xmlNodeGetContent((const xmlNode *)a);
		const char *an = (const char *)a->name;
		int is_type = a->ns && a->ns->href && strcmp((const char *)a->ns->href, XSI_NS) == 0 &&
			      strcmp(an, "type") == 0;
		if (a->ns && !is_type) {
			xmlFree(v);
			continue; /* only xsi:type and plain attributes mean anything to vSphere */
		}
		vm_buf_addf(b, " %s%s=\"", is_type ? "xsi:" : "", an);
		if (is_type) {
			const char *colon = strchr((const char *)v, ':');
			vs_xml_escape_add(b, colon ? colon + 1 : (const char *)v);
		} else {
			vs_xml_escape_add(b, (const char *)v);
		}
		vm_buf_adds(b, "\"");
		xmlFree(v);
	}
	vm_buf_adds(b, ">");
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			vs_xml_escape_add(b, (const char *)c->content);
		} else if (c->type == XML_ELEMENT_NODE) {
			if (skip && strcmp((const char *)c->name, skip) == 0) {
				if (fill)
					fill(b, arg);
				fill = NULL; /* a repeated element is replaced once */
				continue;
			}
			echo_node(b, (const char *)c->name, c, NULL, NULL, NULL);
		}
	}
	vm_buf_addf(b, "</%s>", name);
}

void vs_xml_echo(struct vm_buf *b, const char *name, const xmlNode *node, const char *skip,
		 void (*fill)(struct vm_buf *b, void *arg), void *arg)
{
	echo_node(b, name, node, skip, fill, arg);
}

int vs_xml_malformed_set(const xmlError *e, const char *what, struct vm_err *err)
{
	char detail[256] = "";
	size_t l;

	if (e && e->message)
		vm_str_copy(detail, sizeof(detail), e->message);
	/* libxml2 ends its messages with a newline. */
	l = strlen(detail);
	while (l && (detail[l - 1] == '\n' || detail[l - 1] == ' '))
		detail[--l] = '\0';
	return vm_err_set(err, VM_ERR_PARSE,
			  "%s: the answer is not well-formed XML (%s%sline %d); a complete SOAP envelope was expected",
			  what, detail, *detail ? ", " : "", e ? e->line : 0);
}

xmlDoc *vs_xml_read(const char *body, size_t len, const char *what, struct vm_err *err)
{
	xmlDoc *doc;

	if (len > (size_t)0x7fffffff)
		return vm_err_set(err, VM_ERR_PARSE, "%s: answer too large to parse", what), NULL;
	/* No XML_PARSE_NOENT: entities stay unexpanded; NONET: nothing is fetched. */
	doc = xmlReadMemory(body, (int)len, NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		vs_xml_malformed_set(xmlGetLastError(), what, err);
		return NULL;
	}
	if (doc->intSubset || doc->extSubset) {
		xmlFreeDoc(doc);
		return vm_err_set(err, VM_ERR_PARSE, "%s: the answer carries a DOCTYPE, which vCenter never sends; refused",
				  what), NULL;
	}
	return doc;
}

xmlNode *vs_xml_child(const xmlNode *n, const char *name)
{
	if (!n)
		return NULL;
	for (xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && (!name || strcmp((const char *)c->name, name) == 0))
			return c;
	return NULL;
}

xmlNode *vs_xml_next(const xmlNode *n, const char *name)
{
	if (!n)
		return NULL;
	for (xmlNode *c = n->next; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && (!name || strcmp((const char *)c->name, name) == 0))
			return c;
	return NULL;
}

xmlNode *vs_xml_path(const xmlNode *n, const char *path)
{
	char part[64];
	const char *p = path;

	while (n && *p) {
		size_t l = strcspn(p, "/");
		if (l >= sizeof(part))
			return NULL;
		memcpy(part, p, l);
		part[l] = '\0';
		n = vs_xml_child(n, part);
		p += l;
		if (*p == '/')
			p++;
	}
	return (xmlNode *)n;
}

char *vs_xml_text_dup(const xmlNode *n)
{
	xmlChar *t;
	char *s;

	if (!n)
		return NULL;
	t = xmlNodeGetContent(n);
	s = vm_xstrdup(t ? (const char *)t : "");
	xmlFree(t);
	return s;
}

int vs_xml_text_copy(const xmlNode *n, char *out, size_t size)
{
	xmlChar *t;
	size_t l;

	if (!n)
		return -1;
	t = xmlNodeGetContent(n);
	l = t ? strlen((const char *)t) : 0;
	if (l >= size) {
		xmlFree(t);
		return -1;
	}
	memcpy(out, t ? (const char *)t : "", l + 1);
	xmlFree(t);
	return 0;
}

long vs_xml_long_get(const xmlNode *n, long dflt)
{
	char buf[32], *end;
	long v;

	if (vs_xml_text_copy(n, buf, sizeof(buf)) < 0 || !*buf)
		return dflt;
	v = strtol(buf, &end, 10);
	return *end ? dflt : v;
}

int vs_xml_bool_get(const xmlNode *n, int dflt)
{
	char buf[8];

	if (vs_xml_text_copy(n, buf, sizeof(buf)) < 0)
		return dflt;
	if (strcmp(buf, "true") == 0 || strcmp(buf, "1") == 0)
		return 1;
	if (strcmp(buf, "false") == 0 || strcmp(buf, "0") == 0)
		return 0;
	return dflt;
}

void vs_xml_type_copy(const xmlNode *n, char *out, size_t size)
{
	xmlChar *t = n ? xmlGetNsProp(n, (const xmlChar *)"type", (const xmlChar *)XSI_NS) : NULL;
	const char *s = t ? (const char *)t : "", *colon = strchr(s, ':');

	snprintf(out, size, "%s", colon ? colon + 1 : s);
	xmlFree(t);
}

int vs_xml_moref_get(const xmlNode *n, struct vs_moref *ref)
{
	xmlChar *t;
	int rc = 0;

	memset(ref, 0, sizeof(*ref));
	if (!n)
		return -1;
	t = xmlGetNoNsProp(n, (const xmlChar *)"type");
	if (!t || strlen((const char *)t) >= sizeof(ref->type) || !*t)
		rc = -1;
	else
		memcpy(ref->type, t, strlen((const char *)t) + 1);
	xmlFree(t);
	if (rc == 0 && (vs_xml_text_copy(n, ref->value, sizeof(ref->value)) < 0 || !ref->value[0]))
		rc = -1;
	return rc;
}

/* A MethodFault's faultMessage list (LocalizableMessage: key, arg, message): the text when
 * vCenter gives one, else the key and its arguments. */
static void fault_messages(struct vm_buf *b, const xmlNode *fault)
{
	for (const xmlNode *m = vs_xml_child(fault, "faultMessage"); m; m = vs_xml_next(m, "faultMessage")) {
		char *msg = vs_xml_text_dup(vs_xml_child(m, "message"));
		char *key = vs_xml_text_dup(vs_xml_child(m, "key"));
		vm_buf_addf(b, "%s", b->len && b->data[b->len - 1] != '(' ? "; " : "");
		if (msg && *msg) {
			vm_buf_addf(b, "%s", msg);
		} else {
			int n = 0;
			vm_buf_addf(b, "%s", key ? key : "?");
			for (const xmlNode *a = vs_xml_child(m, "arg"); a; a = vs_xml_next(a, "arg")) {
				char *k = vs_xml_text_dup(vs_xml_child(a, "key"));
				char *v = vs_xml_text_dup(vs_xml_child(a, "value"));
				vm_buf_addf(b, "%s%s=%s", n++ ? ", " : " [", k ? k : "", v ? v : "");
				free(k);
				free(v);
			}
			if (n)
				vm_buf_addf(b, "]");
		}
		free(msg);
		free(key);
	}
}

/* Where a real vCenter puts the useful text: faultMessage, the faultCause chain and a DVS
 * DvsApplyOperationFault's objectFault list (each a LocalizedMethodFault on one object). */
static void fault_details(struct vm_buf *b, const xmlNode *fault, int depth)
{
	const xmlNode *cause = vs_xml_child(fault, "faultCause");
	char type[128];

	if (vs_xml_child(fault, "faultMessage")) {
		vm_buf_addf(b, " (");
		fault_messages(b, fault);
		vm_buf_addf(b, ")");
	}
	for (const xmlNode *o = vs_xml_child(fault, "objectFault"); o && depth < 4; o = vs_xml_next(o, "objectFault")) {
		const xmlNode *lf = vs_xml_child(o, "fault");
		char *id = vs_xml_text_dup(vs_xml_child(o, "objectId"));
		char *otype = vs_xml_text_dup(vs_xml_child(o, "type"));
		char *lm = vs_xml_text_dup(vs_xml_child(lf, "localizedMessage"));
		vs_xml_type_copy(vs_xml_child(lf, "fault"), type, sizeof(type));
		vm_buf_addf(b, "; on %s %s: %s", otype ? otype : "object", id ? id : "?", *type ? type : "fault");
		if (lm && *lm)
			vm_buf_addf(b, ": %s", lm);
		fault_details(b, vs_xml_child(lf, "fault"), depth + 1);
		free(id);
		free(otype);
		free(lm);
	}
	if (cause && depth < 4) {
		/* MethodFault.faultCause is a LocalizedMethodFault on the wire (the WSDL's type,
		 * as TaskInfo.error): the fault inside <fault>, its text in <localizedMessage>.
		 * A bare fault in its place (pyVmomi's model of it) is taken as well. */
		const xmlNode *inner = vs_xml_child(cause, "fault");
		char *lm = inner ? vs_xml_text_dup(vs_xml_child(cause, "localizedMessage")) : NULL;
		if (inner)
			cause = inner;
		vs_xml_type_copy(cause, type, sizeof(type));
		vm_buf_addf(b, "; caused by %s", *type ? type : "a fault");
		if (lm && *lm && !vs_xml_child(cause, "faultMessage"))
			vm_buf_addf(b, ": %s", lm);
		free(lm);
		fault_details(b, cause, depth + 1);
	}
}

int vs_fault_decode(const xmlNode *fault, const char *text, enum vm_err_kind kind,
		    const char *what, struct vm_err *err)
{
	struct vm_buf more = {0};
	char type[128] = "";
	char *detail = NULL;

	if (fault) {
		vs_xml_type_copy(fault, type, sizeof(type));
		if (!*type) {
			/* Some servers name the fault only by its element: <InvalidLoginFault>. */
			size_t l = strlen((const char *)fault->name);
			if (l > 5 && strcmp((const char *)fault->name + l - 5, "Fault") == 0 && l - 5 < sizeof(type)) {
				memcpy(type, fault->name, l - 5);
				type[l - 5] = '\0';
			}
		}
		/* The one detail that turns a fault name into an answer. */
		if (strcmp(type, "DuplicateName") == 0)
			detail = vs_xml_text_dup(vs_xml_child(fault, "name"));
		else if (strstr(type, "InvalidArgument") || strcmp(type, "InvalidProperty") == 0)
			detail = vs_xml_text_dup(vs_xml_child(fault, "invalidProperty"));
		else if (strcmp(type, "InvalidState") == 0 || strcmp(type, "InvalidPowerState") == 0)
			detail = vs_xml_text_dup(vs_xml_child(fault, "existingState"));
		fault_details(&more, fault, 0);
	}
	if (!*type)
		snprintf(type, sizeof(type), "%s", "UnknownFault");
	if (err) {
		err->kind = kind;
		vm_str_copy(err->fault, sizeof(err->fault), type);
	}
	vm_err_set(err, kind, "%s: %s%s%s%s%s%s%s", what, type, text && *text ? ": " : "",
		   text ? text : "", detail && *detail ? " (" : "", detail && *detail ? detail : "",
		   detail && *detail ? ")" : "", more.len ? more.data : "");
	free(detail);
	vm_buf_reset(&more);
	return -1;
}

static int looks_html(const struct vs_http_resp *r)
{
	const char *p = r->body;

	if (strstr(r->content_type, "html"))
		return 1;
	while (p && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p && (strncasecmp(p, "<!doctype html", 14) == 0 || strncasecmp(p, "<html", 5) == 0);
}

int vs_soap_parse(const struct vs_http_resp *resp, const char *method, xmlDoc **docp,
		  xmlNode **ret, struct vm_err *err)
{
	char what[160];
	xmlDoc *doc;

	*docp = NULL;
	*ret = NULL;
	snprintf(what, sizeof(what), "%s", method);
	if (err)
		err->http_status = resp->status;
	if (looks_html(resp))
		return vm_err_set(err, resp->status == 200 ? VM_ERR_PARSE : VM_ERR_HTTP,
				  "%s: the server answered with an HTML page (HTTP %ld) where a SOAP envelope was expected; "
				  "is the URL a vCenter, and is a proxy in the way?", what, resp->status);
	if (resp->len == 0)
		return vm_err_set(err, resp->status == 200 ? VM_ERR_PARSE : VM_ERR_HTTP,
				  "%s: empty answer (HTTP %ld) where a SOAP envelope was expected", what, resp->status);
	doc = vs_xml_read(resp->body, resp->len, what, err);
	if (!doc) {
		if (err && resp->status != 200 && resp->status != 500) {
			err->kind = VM_ERR_HTTP;
			err->http_status = resp->status;
		}
		return -1;
	}
	if (vs_soap_doc_check(doc, resp->status, method, ret, err) < 0) {
		xmlFreeDoc(doc);
		return -1;
	}
	*docp = doc;
	return 0;
}

int vs_soap_doc_check(xmlDoc *doc, long status, const char *method, xmlNode **ret, struct vm_err *err)
{
	char want[128];
	xmlNode *env = xmlDocGetRootElement(doc), *body, *first;

	*ret = NULL;
	body = env && strcmp((const char *)env->name, "Envelope") == 0 ? vs_xml_child(env, "Body") : NULL;
	first = vs_xml_child(body, NULL);
	if (!first)
		return vm_err_set(err, VM_ERR_PARSE, "%s: the answer (HTTP %ld) is XML but not a SOAP envelope with a body",
				  method, status);
	if (strcmp((const char *)first->name, "Fault") == 0) {
		char *text = vs_xml_text_dup(vs_xml_child(first, "faultstring"));
		xmlNode *detail = vs_xml_child(vs_xml_child(first, "detail"), NULL);
		vs_fault_decode(detail, text, VM_ERR_FAULT, method, err);
		if (err)
			err->http_status = status;
		free(text);
		return -1;
	}
	snprintf(want, sizeof(want), "%sResponse", method);
	if (strcmp((const char *)first->name, want) != 0)
		return vm_err_set(err, VM_ERR_PARSE, "%s: expected <%s> in the answer, got <%s>", method, want,
				  (const char *)first->name);
	if (status != 200) {
		if (err)
			err->http_status = status;
		return vm_err_set(err, VM_ERR_HTTP, "%s: HTTP %ld", method, status);
	}
	*ret = first;
	return 0;
}

