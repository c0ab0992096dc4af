/* vs_http_trace.c — the --debug trace of the HTTP exchange, with every secret masked:
 * the password, cookies and session keys the transport was told of, and the session
 * keys it finds in answers before they are written. */
#include "vs_http_trace.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "vm_alloc.h"
#include "vs_xml.h"

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void vs_trace_secret_add(struct vs_trace_secrets *sec, const char *secret)
{
	if (!secret || strlen(secret) < 3)
		return;
	for (size_t i = 0; i < sec->n; i++)
		if (strcmp(sec->v[i], secret) == 0)
			return;
	sec->v = vm_xgrow(sec->v, &sec->cap, sec->n + 1, sizeof(char *));
	sec->v[sec->n++] = vm_xstrdup(secret);
}

void vs_trace_secrets_clear(struct vs_trace_secrets *sec)
{
	for (size_t i = 0; i < sec->n; i++)
		wipe_free(sec->v[i]);
	free(sec->v);
	memset(sec, 0, sizeof(*sec));
}

/* Replaces every occurrence of needle in b's text with a marker. */
static void mask_all(struct vm_buf *b, const char *needle)
{
	size_t nl = strlen(needle);
	char *hit;

	if (!nl || !b->data)
		return;
	while ((hit = strstr(b->data, needle)) != NULL) {
		struct vm_buf out = {0};
		vm_buf_add(&out, b->data, (size_t)(hit - b->data));
		vm_buf_adds(&out, "(redacted)");
		vm_buf_adds(&out, hit + nl);
		vm_buf_reset(b);
		*b = out;
	}
}

/* The secret as it appears inside XML text: escaped by the one SOAP writer. */
static char *xml_escaped(const char *s)
{
	struct vm_buf b = {0};
	vs_xml_escape_add(&b, s);
	return vm_buf_steal(&b);
}

/* Every UserSession under n (an element with a key and a loginTime: a Login answer's
 * returnval has no xsi:type) gives its key to the secrets. */
static void session_keys_walk(struct vs_trace_secrets *sec, const xmlNode *n, int depth)
{
	for (; n && depth < 64; n = n->next) {
		const xmlNode *key;
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if ((key = vs_xml_child(n, "key")) != NULL && vs_xml_child(n, "loginTime")) {
			char *k = vs_xml_text_dup(key);
			vs_trace_secret_add(sec, k);
			wipe_free(k);
		}
		session_keys_walk(sec, n->children, depth + 1);
	}
}

/* UserSession.key is "a unique identifier for this session, also known as the session ID"
 * (vSphere Web Services API reference). On a real vCenter it is not the vmware_soap_session
 * cookie, so the cookie's masking does not cover it, and the Login answer that carries it
 * is traced before vs_session.c could register it. So any answer holding a UserSession
 * (Login, LoginByToken, CloneSession, a read of SessionManager.currentSession or
 * sessionList) has its keys registered here, before it is traced. An answer that says
 * loginTime but cannot be parsed has every <key> masked instead (mask_keys). Returns 1
 * then. */
static int session_keys_learn(struct vs_trace_secrets *sec, const char *body, size_t len)
{
	xmlDoc *doc;

	if (!body || !memmem(body, len, "loginTime", 9))
		return 0;
	doc = vs_xml_read(body, len, "an answer", NULL);
	if (!doc)
		return 1;
	session_keys_walk(sec, xmlDocGetRootElement(doc), 0);
	xmlFreeDoc(doc);
	return 0;
}

/* Masks the text of every <key> element (an unreadable answer that may hold a session). */
static void mask_keys(struct vm_buf *b)
{
	for (char *p = b->data; p && (p = strstr(p, "<key>")) != NULL;) {
		char *close = strstr(p, "</key>");
		if (!close)
			break;
		memset(p + 5, '*', (size_t)(close - p - 5));
		p = close;
	}
}

void vs_trace_answer(FILE *debug, struct vs_trace_secrets *sec, const char *head, const char *text, size_t len)
{
	if (session_keys_learn(sec, text, len)) {
		struct vm_buf b = {0};
		vm_buf_add(&b, text, len);
		mask_keys(&b);
		vs_trace_write(debug, sec, head, b.data, b.len);
		vm_buf_reset(&b);
		return;
	}
	vs_trace_write(debug, sec, head, text, len);
}

void vs_trace_write(FILE *debug, const struct vs_trace_secrets *sec, const char *head, const char *text,
		    size_t len)
{
	struct vm_buf b = {0};
	char *open;

	if (!debug)
		return;
	vm_buf_add(&b, text ? text : "", text ? len : 0);
	for (size_t i = 0; i < sec->n; i++) {
		char *esc = xml_escaped(sec->v[i]);
		mask_all(&b, esc);
		mask_all(&b, sec->v[i]);
		free(esc);
	}
	/* Belt and braces: whatever sits in a <password> element is never printed. */
	for (char *p = b.data; p && (open = strstr(p, "<password>")) != NULL;) {
		char *close = strstr(open, "</password>");
		if (!close)
			break;
		memset(open + 10, '*', (size_t)(close - open - 10));
		p = close;
	}
	fprintf(debug, "%s\n%s\n\n", head, b.data ? b.data : "");
	fflush(debug);
	vm_buf_reset(&b);
}
