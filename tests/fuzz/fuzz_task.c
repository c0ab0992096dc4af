/* fuzz_task.c — libFuzzer target for task answers: *_Task answers through vs_soap_parse
 * and vs_task_ref_get, and WaitForUpdatesEx answers through vs_task_updates_get (the
 * reader vs_task_wait_call applies: info, info.state, info.error, info.result), the same
 * answer as a RetrieveProperties one through vs_task_contents_get (the direct read after a
 * lost wait), and, to reach further, vs_task_info_get on every element of the answer.
 *
 * Input: a selector byte (see fuzz_common.h; bit 7 sends the WaitForUpdatesEx answer
 * through the method the selector names instead) and the HTTP body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "vs_task.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_XML_INITIALIZE

static void task_check(const struct vs_task *t)
{
	FUZZ_CHECK(t->state == VS_TASK_PENDING || t->state == VS_TASK_SUCCESS || t->state == VS_TASK_ERROR,
		   "task state %d", (int)t->state);
	FUZZ_CHECK(memchr(t->fault, 0, sizeof(t->fault)) && memchr(t->msg, 0, sizeof(t->msg)) &&
			   memchr(t->result.type, 0, sizeof(t->result.type)) &&
			   memchr(t->result.value, 0, sizeof(t->result.value)),
		   "task strings unterminated");
	if (t->state == VS_TASK_ERROR)
		FUZZ_CHECK(t->fault[0] != '\0', "a failed task without a fault type name (msg \"%s\")", t->msg);
}

static void info_read(const xmlNode *info)
{
	struct vs_task t;

	memset(&t, 0, sizeof(t));
	vs_task_info_get(info, &t);
	task_check(&t);
}

/* After a reader ran over tasks (all pending before): each is consistent, and it said no
 * more of them ended than did (two objects may name one task: counted once, when it ends). */
static void ended_check(const struct vs_task *tasks, size_t n, size_t ended)
{
	size_t done = 0;

	for (size_t i = 0; i < n; i++) {
		task_check(&tasks[i]);
		done += tasks[i].state != VS_TASK_PENDING;
	}
	FUZZ_CHECK(ended <= done, "%zu tasks said ended, %zu are", ended, done);
}

/* As vs_task_wait_call() reads an answer: every Task it names (up to 64) pending, then
 * vs_task_updates_get. */
static void updates_walk(const xmlNode *rv)
{
	struct vs_task tasks[64];
	size_t n = 0;

	memset(tasks, 0, sizeof(tasks));
	for (xmlNode *fs = vs_xml_child(rv, "filterSet"); fs; fs = vs_xml_next(fs, "filterSet"))
		for (xmlNode *os = vs_xml_child(fs, "objectSet"); os && n < 64; os = vs_xml_next(os, "objectSet"))
			if (vs_xml_moref_get(vs_xml_child(os, "obj"), &tasks[n].ref) == 0)
				n++;
	ended_check(tasks, n, vs_task_updates_get(rv, tasks, n));
}

/* As the direct read takes a RetrieveProperties answer: every Task its returnvals name
 * (up to 64) pending, then vs_task_contents_get. */
static void contents_walk(const xmlNode *resp)
{
	struct vs_task tasks[64];
	size_t n = 0;

	memset(tasks, 0, sizeof(tasks));
	for (xmlNode *rv = vs_xml_child(resp, "returnval"); rv && n < 64; rv = vs_xml_next(rv, "returnval"))
		if (vs_xml_moref_get(vs_xml_child(rv, "obj"), &tasks[n].ref) == 0)
			n++;
	ended_check(tasks, n, vs_task_contents_get(resp, tasks, n));
}

/* vs_task_info_get on every element: each may be taken for a TaskInfo. */
static void every_element(const xmlNode *n, int depth, unsigned *budget)
{
	for (; n && *budget; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		(*budget)--;
		info_read(n);
		if (depth < 300)
			every_element(n->children, depth + 1, budget);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vs_http_resp r;
	struct vm_err err;
	xmlDoc *doc = NULL;
	xmlNode *ret = NULL;
	const char *method;
	uint8_t sel;

	if (size < 1)
		return 0;
	sel = data[0];
	method = FUZZ_SEL_EXTRA(sel) ? FUZZ_SEL_METHOD(sel) : "WaitForUpdatesEx";
	fuzz_resp_make(&r, sel, data + 1, size - 1);

	vm_err_clear(&err);
	if (vs_soap_parse(&r, method, &doc, &ret, &err) == 0) {
		struct vs_moref ref;
		unsigned budget = 2000;

		updates_walk(vs_xml_child(ret, "returnval"));
		contents_walk(ret);
		every_element(xmlDocGetRootElement(doc), 1, &budget);
		vm_err_clear(&err);
		if (vs_task_ref_get(ret, &ref, &err) == 0)
			FUZZ_CHECK(strcmp(ref.type, "Task") == 0 && ref.value[0], "vs_task_ref_get took a non-Task");
		else
			fuzz_err_check(&err, "vs_task_ref_get");
		xmlFreeDoc(doc);
	} else {
		fuzz_err_check(&err, "vs_soap_parse");
	}
	/* NULL in, nothing out. */
	info_read(NULL);
	fuzz_resp_clear(&r);
	return 0;
}
