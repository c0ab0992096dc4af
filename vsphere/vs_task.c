#include "vs_task.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int vs_task_ref_get(const xmlNode *response, struct vs_moref *ref, struct vm_err *err)
{
	if (vs_xml_moref_get(vs_xml_child(response, "returnval"), ref) < 0 || strcmp(ref->type, "Task") != 0)
		return vm_err_set(err, VM_ERR_PARSE, "%s: the answer names no Task",
				  response ? (const char *)response->name : "task");
	return 0;
}

/* Fills t's fault and message from a LocalizedMethodFault. */
static void task_error_get(const xmlNode *e, struct vs_task *t)
{
	struct vm_err fe;
	char *text = vs_xml_text_dup(vs_xml_child(e, "localizedMessage"));

	vm_err_clear(&fe);
	vs_fault_decode(vs_xml_child(e, "fault"), text, VM_ERR_TASK, "task", &fe);
	free(text);
	snprintf(t->fault, sizeof(t->fault), "%s", fe.fault);
	/* fe.msg reads "task: <Type>: <text>" (the type whole, even when .fault had to
	 * cut it); callers name the type themselves. */
	{
		/* The type name has no space or colon in it: skip it and its separator. */
		const char *rest = fe.msg + strlen("task: ");
		rest += strcspn(rest, " :");
		if (*rest == ':')
			rest++;
		if (*rest == ' ')
			rest++;
		vm_str_copy(t->msg, sizeof(t->msg), rest);
	}
}

static void task_state_set(struct vs_task *t, const char *state)
{
	if (strcmp(state, "success") == 0)
		t->state = VS_TASK_SUCCESS;
	else if (strcmp(state, "error") == 0)
		t->state = VS_TASK_ERROR;
}

void vs_task_info_get(const xmlNode *info, struct vs_task *t)
{
	char state[16] = "";

	vs_xml_text_copy(vs_xml_child(info, "state"), state, sizeof(state));
	if (strcmp(state, "success") == 0)
		vs_xml_moref_get(vs_xml_child(info, "result"), &t->result);
	else if (strcmp(state, "error") == 0)
		task_error_get(vs_xml_child(info, "error"), t);
	task_state_set(t, state);
}

static int create_filter(struct vs_session *s, const struct vs_task *tasks, size_t n,
			 struct vs_moref *filter, struct vm_err *err)
{
	struct vm_buf b = {0};
	xmlDoc *doc = NULL;
	xmlNode *ret;
	int rc;

	vs_soap_begin(&b, "CreateFilter", &s->property_collector);
	vs_soap_open(&b, "spec", NULL);
	vs_soap_open(&b, "propSet", NULL);
	vs_soap_elem(&b, "type", "Task");
	vs_soap_elem_bool(&b, "all", 0);
	/* Three small properties, not the whole TaskInfo: with a thousand tasks the
	 * answer stays a few hundred bytes a task. */
	vs_soap_elem(&b, "pathSet", "info.state");
	vs_soap_elem(&b, "pathSet", "info.error");
	vs_soap_elem(&b, "pathSet", "info.result");
	vs_soap_close(&b, "propSet");
	for (size_t i = 0; i < n; i++) {
		vs_soap_open(&b, "objectSet", NULL);
		vs_soap_moref(&b, "obj", &tasks[i].ref);
		vs_soap_elem_bool(&b, "skip", 0);
		vs_soap_close(&b, "objectSet");
	}
	vs_soap_close(&b, "spec");
	vs_soap_elem_bool(&b, "partialUpdates", 0);
	vs_soap_end(&b, "CreateFilter");
	rc = vs_session_call(s, "CreateFilter", &b, &doc, &ret, err);
	vm_buf_reset(&b);
	if (rc < 0)
		return -1;
	rc = vs_xml_moref_get(vs_xml_child(ret, "returnval"), filter);
	xmlFreeDoc(doc);
	if (rc < 0)
		return vm_err_set(err, VM_ERR_PARSE, "CreateFilter: the answer names no filter");
	return 0;
}

size_t vs_task_updates_get(const xmlNode *rv, struct vs_task *tasks, size_t n)
{
	size_t ended = 0;

	for (xmlNode *fs = vs_xml_child(rv, "filterSet"); fs; fs = vs_xml_next(fs, "filterSet")) {
		for (xmlNode *os = vs_xml_child(fs, "objectSet"); os; os = vs_xml_next(os, "objectSet")) {
			struct vs_moref ref;
			if (vs_xml_moref_get(vs_xml_child(os, "obj"), &ref) < 0)
				continue;
			for (size_t i = 0; i < n; i++) {
				if (strcmp(tasks[i].ref.value, ref.value) != 0 || tasks[i].state != VS_TASK_PENDING)
					continue;
				for (xmlNode *c = vs_xml_child(os, "changeSet"); c; c = vs_xml_next(c, "changeSet")) {
					char name[16] = "", state[16] = "";
					const xmlNode *val = vs_xml_child(c, "val");
					vs_xml_text_copy(vs_xml_child(c, "name"), name, sizeof(name));
					if (strcmp(name, "info") == 0) {
						vs_task_info_get(val, &tasks[i]);
					} else if (strcmp(name, "info.error") == 0 && val) {
						task_error_get(val, &tasks[i]);
					} else if (strcmp(name, "info.result") == 0 && val) {
						vs_xml_moref_get(val, &tasks[i].result);
					} else if (strcmp(name, "info.state") == 0) {
						vs_xml_text_copy(val, state, sizeof(state));
						task_state_set(&tasks[i], state);
					}
				}
				if (tasks[i].state != VS_TASK_PENDING)
					ended++;
			}
		}
	}
	return ended;
}

int vs_task_wait_call(struct vs_session *s, struct vs_task *tasks, size_t n, long timeout_s,
		      void (*progress)(size_t done, size_t total, void *arg), void *arg,
		      struct vm_err *err)
{
	struct vs_moref filter;
	char *version = NULL;
	size_t done = 0;
	int epoch;
	time_t deadline = time(NULL) + (timeout_s > 0 ? timeout_s : 3600);
	int rc = -1;

	for (size_t i = 0; i < n; i++)
		if (tasks[i].state != VS_TASK_PENDING)
			done++;
	if (done == n)
		return 0;
	if (create_filter(s, tasks, n, &filter, err) < 0)
		return -1;
	epoch = s->epoch;
	while (done < n) {
		struct vm_buf b = {0};
		xmlDoc *doc = NULL;
		xmlNode *ret, *rv;
		long left = (long)(deadline - time(NULL));

		if (left <= 0) {
			vm_err_set(err, VM_ERR_TASK, "%zu of %zu tasks had not ended after %ld s", n - done, n,
				   timeout_s);
			goto cleanup;
		}
		vs_soap_begin(&b, "WaitForUpdatesEx", &s->property_collector);
		if (version)
			vs_soap_elem(&b, "version", version);
		vs_soap_open(&b, "options", NULL);
		/* Bounded so a silent server cannot hold us past the deadline. */
		vs_soap_elem_long(&b, "maxWaitSeconds", left < 60 ? left : 60);
		vs_soap_close(&b, "options");
		vs_soap_end(&b, "WaitForUpdatesEx");
		rc = vs_session_call(s, "WaitForUpdatesEx", &b, &doc, &ret, err);
		vm_buf_reset(&b);
		if (rc < 0 && s->epoch != epoch) {
			/* A new login: the filter died with the old session; make another
			 * for the tasks still pending (those done are known already). */
			struct vs_task *pending = vm_xcalloc(n, sizeof(*pending));
			size_t np = 0;
			for (size_t i = 0; i < n; i++)
				if (tasks[i].state == VS_TASK_PENDING)
					pending[np++] = tasks[i];
			rc = create_filter(s, pending, np, &filter, err);
			free(pending);
			if (rc < 0)
				goto cleanup;
			epoch = s->epoch;
			free(version);
			version = NULL;
			continue;
		}
		if (rc < 0)
			goto cleanup;
		rc = -1;
		rv = vs_xml_child(ret, "returnval");
		if (rv) {
			free(version);
			version = vs_xml_text_dup(vs_xml_child(rv, "version"));
			done += vs_task_updates_get(rv, tasks, n);
			if (progress)
				progress(done, n, arg);
		}
		xmlFreeDoc(doc);
	}
	rc = 0;
cleanup:
	/* The filter dies with the session at logout; destroying it now would cost a
	 * round trip on every run. */
	free(version);
	return rc;
}
