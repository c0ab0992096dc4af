#include "vs_watch.h"

#include <stdlib.h>
#include <string.h>

#include "vm_alloc.h"
#include "vs_http.h"
#include "vs_xml.h"

/* A wait's answer is due when its maxWaitSeconds are over; this much later it is lost. */
#define WATCH_MARGIN_S 10

static int moref_call(struct vs_session *s, const char *method, struct vm_buf *b, struct vs_moref *out,
		      struct vm_err *err)
{
	xmlDoc *doc = NULL;
	xmlNode *ret;
	int rc = vs_session_call(s, method, b, &doc, &ret, err);

	vm_buf_reset(b);
	if (rc < 0)
		return -1;
	rc = vs_xml_moref_get(vs_xml_child(ret, "returnval"), out);
	xmlFreeDoc(doc);
	if (rc < 0)
		return vm_err_set(err, VM_ERR_PARSE, "%s: the answer names no object", method);
	return 0;
}

int vs_watch_open_call(struct vs_session *s, struct vs_watch *w, struct vm_err *err)
{
	struct vm_buf b = {0};

	memset(w, 0, sizeof(*w));
	w->epoch = s->epoch;
	vs_soap_begin(&b, "CreateContainerView", &s->view_manager);
	vs_soap_moref(&b, "container", &s->root_folder);
	vs_soap_elem(&b, "type", "VirtualMachine");
	vs_soap_elem_bool(&b, "recursive", 1);
	vs_soap_end(&b, "CreateContainerView");
	if (moref_call(s, "CreateContainerView", &b, &w->view, err) < 0)
		return -1;

	vs_soap_begin(&b, "CreateFilter", &s->property_collector);
	vs_soap_open(&b, "spec", NULL);
	vs_soap_open(&b, "propSet", NULL);
	vs_soap_elem(&b, "type", "VirtualMachine");
	vs_soap_elem_bool(&b, "all", 0);
	/* The name is what "autoscale" matches; the rest is read by the pass it starts. */
	vs_soap_elem(&b, "pathSet", "name");
	vs_soap_close(&b, "propSet");
	vs_soap_view_objects(&b, &w->view);
	vs_soap_close(&b, "spec");
	vs_soap_elem_bool(&b, "partialUpdates", 0);
	vs_soap_end(&b, "CreateFilter");
	if (moref_call(s, "CreateFilter", &b, &w->filter, err) < 0)
		return -1;
	w->open = s->epoch == w->epoch;
	if (!w->open)
		return vm_err_set(err, VM_ERR_AUTH, "the session was renewed while the watch filter was made");
	return 0;
}

static void events_add(const xmlNode *rv, struct vs_watch_event **ev, size_t *n)
{
	size_t cap = *n;

	for (xmlNode *fs = vs_xml_child(rv, "filterSet"); fs; fs = vs_xml_next(fs, "filterSet"))
		for (xmlNode *os = vs_xml_child(fs, "objectSet"); os; os = vs_xml_next(os, "objectSet")) {
			struct vs_watch_event e;
			char kind[16] = "";

			memset(&e, 0, sizeof(e));
			if (vs_xml_moref_get(vs_xml_child(os, "obj"), &e.vm) < 0)
				continue;
			vs_xml_text_copy(vs_xml_child(os, "kind"), kind, sizeof(kind));
			e.kind = strcmp(kind, "enter") == 0 ? VS_WATCH_ENTER
				 : strcmp(kind, "leave") == 0 ? VS_WATCH_LEAVE : VS_WATCH_MODIFY;
			for (xmlNode *c = vs_xml_child(os, "changeSet"); c; c = vs_xml_next(c, "changeSet")) {
				char name[16] = "";
				vs_xml_text_copy(vs_xml_child(c, "name"), name, sizeof(name));
				if (strcmp(name, "name") == 0 && vs_xml_child(c, "val")) {
					free(e.name);
					e.name = vs_xml_text_dup(vs_xml_child(c, "val"));
				}
			}
			if (*n == cap) {
				cap = cap ? 2 * cap : 16;
				*ev = vm_xrealloc(*ev, cap * sizeof(**ev));
			}
			(*ev)[(*n)++] = e;
		}
}

int vs_watch_wait_call(struct vs_session *s, struct vs_watch *w, long max_wait_s, struct vs_watch_event **ev,
		       size_t *n, struct vm_err *err)
{
	struct vm_buf b = {0};
	xmlDoc *doc = NULL;
	xmlNode *ret, *rv;
	int rc;

	*ev = NULL;
	*n = 0;
	if (!w->open || s->epoch != w->epoch)
		return vm_err_set(err, VM_ERR_AUTH, "the watch filter is gone with its session");
	vs_soap_begin(&b, "WaitForUpdatesEx", &s->property_collector);
	if (w->version)
		vs_soap_elem(&b, "version", w->version);
	vs_soap_open(&b, "options", NULL);
	vs_soap_elem_long(&b, "maxWaitSeconds", max_wait_s);
	vs_soap_close(&b, "options");
	vs_soap_end(&b, "WaitForUpdatesEx");
	vs_http_call_timeout_set(s->http, max_wait_s + WATCH_MARGIN_S);
	rc = vs_session_call(s, "WaitForUpdatesEx", &b, &doc, &ret, err);
	vs_http_call_timeout_set(s->http, 0);
	vm_buf_reset(&b);
	if (rc < 0)
		return -1;
	if (s->epoch != w->epoch) {
		/* A new login answered with the old filter's name: its updates are not ours. */
		xmlFreeDoc(doc);
		w->open = 0;
		return vm_err_set(err, VM_ERR_AUTH, "the session was renewed: the watch filter is gone");
	}
	rv = vs_xml_child(ret, "returnval");
	if (rv) {
		free(w->version);
		w->version = vs_xml_text_dup(vs_xml_child(rv, "version"));
		events_add(rv, ev, n);
	}
	xmlFreeDoc(doc);
	return 0;
}

void vs_watch_close_call(struct vs_session *s, struct vs_watch *w)
{
	struct vm_buf b = {0};
	xmlDoc *doc = NULL;
	xmlNode *ret;

	if (w->open && s->epoch == w->epoch && vs_http_stop_get(s->http) < 3) {
		vs_soap_begin(&b, "DestroyPropertyFilter", &w->filter);
		vs_soap_end(&b, "DestroyPropertyFilter");
		if (vs_session_call(s, "DestroyPropertyFilter", &b, &doc, &ret, NULL) == 0)
			xmlFreeDoc(doc);
		vm_buf_reset(&b);
		vs_soap_begin(&b, "DestroyView", &w->view);
		vs_soap_end(&b, "DestroyView");
		doc = NULL;
		if (vs_session_call(s, "DestroyView", &b, &doc, &ret, NULL) == 0)
			xmlFreeDoc(doc);
		vm_buf_reset(&b);
	}
	free(w->version);
	memset(w, 0, sizeof(*w));
}

void vs_watch_events_free(struct vs_watch_event *ev, size_t n)
{
	for (size_t i = 0; ev && i < n; i++)
		free(ev[i].name);
	free(ev);
}
