/* test_task.c — reading *_Task answers and TaskInfo updates: captured from vcsim (a port
 * group created, reconfigured, and one refused with DuplicateName) and hand-shaped like a
 * vCenter 8's (success with a result, error with a localized message, still running). */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "fixture.h"
#include "vs_task.h"

/* The first Task an answer's filterSet/objectSet names, into ref; -1 when none. */
static int first_task(const xmlNode *ret, struct vs_moref *ref)
{
	for (xmlNode *fs = vs_xml_path(ret, "returnval/filterSet"); fs; fs = vs_xml_next(fs, "filterSet"))
		for (xmlNode *os = vs_xml_child(fs, "objectSet"); os; os = vs_xml_next(os, "objectSet"))
			if (vs_xml_moref_get(vs_xml_child(os, "obj"), ref) == 0)
				return 0;
	return -1;
}

/* What vtrunk's wait reads out of a fixture for the named task (task NULL: the first
 * one the answer names): vs_task_updates_get, as vs_task_wait_call applies it, with
 * the whole "info" (older captures, vCenter 8 shapes) or info.state/error/result. */
static struct vs_task info_of(const char *path, const char *task)
{
	struct vs_task t;
	xmlNode *ret;
	xmlDoc *doc = fixture_soap(path, "WaitForUpdatesEx", &ret);
	size_t ended;

	memset(&t, 0, sizeof(t));
	if (task)
		snprintf(t.ref.value, sizeof(t.ref.value), "%s", task);
	else if (first_task(ret, &t.ref) < 0)
		fail_msg("%s: the answer names no task", path);
	/* A task still running stays pending (and is not counted as ended). */
	ended = vs_task_updates_get(vs_xml_child(ret, "returnval"), &t, 1);
	assert_int_equal(ended, t.state != VS_TASK_PENDING);
	xmlFreeDoc(doc);
	return t;
}

/* --- vs_task_ref_get --- */

static void test_ref_get(void **state)
{
	struct vs_moref ref;
	struct vm_err err = {0};
	xmlNode *ret;
	xmlDoc *doc;

	(void)state;
	doc = fixture_soap(FIXTURE("soap/vcsim/AddDVPortgroup_Task.xml"), "AddDVPortgroup_Task", &ret);
	assert_int_equal(vs_task_ref_get(ret, &ref, &err), 0);
	assert_string_equal(ref.type, "Task");
	assert_true(strncmp(ref.value, "task-", 5) == 0);
	xmlFreeDoc(doc);

	doc = fixture_soap(FIXTURE("soap/vcsim/ReconfigureDVPortgroup_Task.xml"), "ReconfigureDVPortgroup_Task", &ret);
	assert_int_equal(vs_task_ref_get(ret, &ref, &err), 0);
	assert_string_equal(ref.type, "Task");
	xmlFreeDoc(doc);

	doc = fixture_soap(FIXTURE("soap/vcenter8/CreateDVPortgroup_Task.xml"), "CreateDVPortgroup_Task", &ret);
	assert_int_equal(vs_task_ref_get(ret, &ref, &err), 0);
	assert_string_equal(ref.type, "Task");
	assert_string_equal(ref.value, "task-8812");
	xmlFreeDoc(doc);
}

static void test_ref_get_refuses_non_tasks(void **state)
{
	struct vs_moref ref;
	struct vm_err err = {0};
	xmlNode *ret;
	xmlDoc *doc;

	(void)state;
	/* A managed object that is not a Task. */
	doc = fixture_soap(FIXTURE("soap/vcsim/CreateContainerView.xml"), "CreateContainerView", &ret);
	assert_int_equal(vs_task_ref_get(ret, &ref, &err), -1);
	assert_int_equal(err.kind, VM_ERR_PARSE);
	assert_string_equal(err.msg, "CreateContainerViewResponse: the answer names no Task");
	xmlFreeDoc(doc);

	/* No returnval at all. */
	vm_err_clear(&err);
	doc = fixture_soap(FIXTURE("soap/vcsim/Logout.xml"), "Logout", &ret);
	assert_int_equal(vs_task_ref_get(ret, &ref, &err), -1);
	assert_int_equal(err.kind, VM_ERR_PARSE);
	assert_contains(err.msg, "names no Task");
	xmlFreeDoc(doc);

	/* No answer. */
	vm_err_clear(&err);
	assert_int_equal(vs_task_ref_get(NULL, &ref, &err), -1);
	assert_string_equal(err.msg, "task: the answer names no Task");
	assert_int_equal(vs_task_ref_get(NULL, &ref, NULL), -1);
}

/* --- vs_task_contents_get: the direct read after a lost wait --- */

static void test_contents(void **state)
{
	struct vs_task t[4];
	xmlDoc *doc;
	xmlNode *ret;

	(void)state;
	memset(t, 0, sizeof(t));
	snprintf(t[0].ref.value, sizeof(t[0].ref.value), "task-70");
	snprintf(t[1].ref.value, sizeof(t[1].ref.value), "task-71");
	snprintf(t[2].ref.value, sizeof(t[2].ref.value), "task-72");
	snprintf(t[3].ref.value, sizeof(t[3].ref.value), "task-99"); /* not in the answer */
	doc = fixture_soap(FIXTURE("soap/vcsim-async/RetrieveProperties-tasks.xml"), "RetrieveProperties", &ret);
	assert_int_equal(vs_task_contents_get(ret, t, 4), 2);
	assert_int_equal(t[0].state, VS_TASK_SUCCESS);
	assert_int_equal(t[1].state, VS_TASK_SUCCESS);
	assert_int_equal(t[2].state, VS_TASK_PENDING);
	xmlFreeDoc(doc);

	memset(t, 0, sizeof(t));
	snprintf(t[0].ref.value, sizeof(t[0].ref.value), "task-70");
	snprintf(t[1].ref.value, sizeof(t[1].ref.value), "task-71");
	snprintf(t[2].ref.value, sizeof(t[2].ref.value), "task-72");
	t[0].state = VS_TASK_SUCCESS; /* known already: not counted again */
	doc = fixture_soap(FIXTURE("soap/vcsim-async/RetrieveProperties-tasks-error.xml"), "RetrieveProperties", &ret);
	assert_int_equal(vs_task_contents_get(ret, t, 3), 1);
	assert_int_equal(t[1].state, VS_TASK_ERROR);
	assert_string_equal(t[1].fault, "ConcurrentAccess");
	assert_contains(t[1].msg, "concurrent modification");
	assert_int_equal(t[2].state, VS_TASK_PENDING);
	xmlFreeDoc(doc);
	/* Nothing in, nothing done. */
	assert_int_equal(vs_task_contents_get(NULL, t, 3), 0);
}

/* --- vs_task_info_get --- */

static void test_info_success_vcsim(void **state)
{
	struct vs_task t;

	(void)state;
	t = info_of(FIXTURE("soap/vcsim/WaitForUpdatesEx-AddDVPortgroup.xml"), NULL);
	assert_int_equal(t.state, VS_TASK_SUCCESS);
	assert_string_equal(t.fault, "");
	assert_string_equal(t.msg, "");
	/* AddDVPortgroup_Task has no result. */
	assert_string_equal(t.result.type, "");
	t = info_of(FIXTURE("soap/vcsim/WaitForUpdatesEx-ReconfigureDVPortgroup.xml"), NULL);
	assert_int_equal(t.state, VS_TASK_SUCCESS);
}

static void test_info_error_vcsim(void **state)
{
	struct vs_task t;

	(void)state;
	/* vcsim fails a second port group of the same name; its localized message is Go's
	 * type name, and the fault names the duplicate. */
	t = info_of(FIXTURE("soap/vcsim/WaitForUpdatesEx-DuplicateName.xml"), NULL);
	assert_int_equal(t.state, VS_TASK_ERROR);
	assert_string_equal(t.fault, "DuplicateName");
	assert_contains(t.msg, "*types.DuplicateName");
	assert_contains(t.msg, "(DC0_DVPG0)");
}

static void test_info_vcenter8(void **state)
{
	static const char *const path = FIXTURE("soap/vcenter8/WaitForUpdatesEx-tasks.xml");
	struct vs_task t;

	(void)state;
	t = info_of(path, "task-8812");
	assert_int_equal(t.state, VS_TASK_SUCCESS);
	assert_string_equal(t.result.type, "DistributedVirtualPortgroup");
	assert_string_equal(t.result.value, "dvportgroup-77");
	assert_string_equal(t.fault, "");

	t = info_of(path, "task-8813");
	assert_int_equal(t.state, VS_TASK_ERROR);
	assert_string_equal(t.fault, "DuplicateName");
	assert_contains(t.msg, "The name 'Network adapter 3' already exists.");
	assert_contains(t.msg, "(Network adapter 3)");
	assert_string_equal(t.result.type, "");

	/* Running: nothing recorded yet. */
	t = info_of(path, "task-8814");
	assert_int_equal(t.state, VS_TASK_PENDING);
	assert_string_equal(t.fault, "");
	assert_string_equal(t.msg, "");
}

static const xmlNode *parse_info(const char *xml, xmlDoc **doc)
{
	struct vm_err err = {0};

	*doc = vs_xml_read(xml, strlen(xml), "TaskInfo", &err);
	if (!*doc)
		fail_msg("%s", err.msg);
	return xmlDocGetRootElement(*doc);
}

#define INFO(inner) "<val xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"TaskInfo\">" inner "</val>"

static void test_info_edge_cases(void **state)
{
	struct vs_task t;
	xmlDoc *doc;
	char big[2048], xml[4096];

	(void)state;
	/* An error without a fault element. */
	memset(&t, 0, sizeof(t));
	vs_task_info_get(parse_info(INFO("<state>error</state>"), &doc), &t);
	assert_int_equal(t.state, VS_TASK_ERROR);
	assert_string_equal(t.fault, "UnknownFault");
	xmlFreeDoc(doc);

	/* A fault without localized message. */
	memset(&t, 0, sizeof(t));
	vs_task_info_get(parse_info(INFO("<state>error</state><error><fault xsi:type=\"InvalidState\">"
					 "<existingState>poweredOn</existingState></fault></error>"),
				    &doc),
			 &t);
	assert_string_equal(t.fault, "InvalidState");
	assert_contains(t.msg, "poweredOn");
	xmlFreeDoc(doc);

	/* queued and an unknown state leave the task pending. */
	memset(&t, 0, sizeof(t));
	vs_task_info_get(parse_info(INFO("<state>queued</state>"), &doc), &t);
	assert_int_equal(t.state, VS_TASK_PENDING);
	xmlFreeDoc(doc);
	vs_task_info_get(parse_info(INFO("<state>exploded-beyond-all-recognition</state>"), &doc), &t);
	assert_int_equal(t.state, VS_TASK_PENDING);
	xmlFreeDoc(doc);
	vs_task_info_get(NULL, &t);
	assert_int_equal(t.state, VS_TASK_PENDING);

	/* A message longer than the struct holds is cut, not overflowed (ASan watches). */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(xml, sizeof(xml),
		 INFO("<state>error</state><error><fault xsi:type=\"SystemError\"><reason>r</reason></fault>"
		      "<localizedMessage>%s</localizedMessage></error>"),
		 big);
	memset(&t, 0, sizeof(t));
	vs_task_info_get(parse_info(xml, &doc), &t);
	assert_int_equal(t.state, VS_TASK_ERROR);
	assert_string_equal(t.fault, "SystemError");
	assert_true(strlen(t.msg) > 100 && strlen(t.msg) < sizeof(t.msg));
	xmlFreeDoc(doc);

	/* A success whose result is not a managed object keeps an empty result. */
	memset(&t, 0, sizeof(t));
	vs_task_info_get(parse_info(INFO("<state>success</state><result xsi:type=\"xsd:string\">ok</result>"), &doc),
			 &t);
	assert_int_equal(t.state, VS_TASK_SUCCESS);
	assert_string_equal(t.result.type, "");
	xmlFreeDoc(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref_get),
		cmocka_unit_test(test_ref_get_refuses_non_tasks),
		cmocka_unit_test(test_info_success_vcsim),
		cmocka_unit_test(test_info_error_vcsim),
		cmocka_unit_test(test_info_vcenter8),
		cmocka_unit_test(test_contents),
		cmocka_unit_test(test_info_edge_cases),
	};
	int rc = cmocka_run_group_tests_name("task", tests, NULL, NULL);

	xmlCleanupParser();
	return rc;
}
