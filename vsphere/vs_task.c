#include "vs_task.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vm_hmap.h"

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

/* What the filter and the direct read ask of a task: three small properties, not the
 * whole TaskInfo, so with a thousand tasks an answer stays a few hundred bytes a task. */
static void task_prop_spec(struct vm_buf *b)
{
	vs_soap_open(b, "propSet", NULL);
	vs_soap_elem(b, "type", "Task");
	vs_soap_elem_bool(b, "all", 0);
	vs_soap_elem(b, "pathSet", "info.state");
	vs_soap_elem(b, "pathSet", "info.error");
	vs_soap_elem(b, "pathSet", "info.result");
	vs_soap_close(b, "propSet");
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
	task_prop_spec(&b);
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

/* One property of a task, as the filter or a direct read names it. */
static void task_prop_apply(struct vs_task *t, const char *name, const xmlNode *val)
{
	char state[16] = "";

	if (strcmp(name, "info") == 0) {
		vs_task_info_get(val, t);
	} else if (strcmp(name, "info.error") == 0 && val) {
		task_error_get(val, t);
	} else if (strcmp(name, "info.result") == 0 && val) {
		vs_xml_moref_get(val, &t->result);
	} else if (strcmp(name, "info.state") == 0) {
		vs_xml_text_copy(val, state, sizeof(state));
		task_state_set(t, state);
	}
}

/* The tasks being matched, with their refs hashed: an update names one task, and
 * scanning all of them for each made waiting on N tasks cost N*N comparisons. */
struct task_set {
	struct vs_task *tasks;
	size_t n;
	struct vm_hmap by_ref; /* keys borrowed from tasks[].ref.value */
};

static void task_set_init(struct task_set *ts, struct vs_task *tasks, size_t n)
{
	memset(ts, 0, sizeof(*ts));
	ts->tasks = tasks;
	ts->n = n;
	for (size_t i = 0; i < n; i++)
		vm_hmap_put(&ts->by_ref, tasks[i].ref.value, i);
}

/* The pending task ref names (the first in order), or NULL. */
static struct vs_task *task_find(const struct task_set *ts, const struct vs_moref *ref)
{
	size_t pos = 0, i, best = ts->n;

	while (vm_hmap_next(&ts->by_ref, ref->value, &pos, &i))
		if (ts->tasks[i].state == VS_TASK_PENDING && i < best)
			best = i;
	return best < ts->n ? &ts->tasks[best] : NULL;
}

/* One object's properties (a filter's objectSet with its changeSets, or a read's
 * ObjectContent with its propSets: both name/val pairs) applied to the pending task it
 * names. Returns 1 when that task has ended with it. */
static int object_apply(const xmlNode *obj, const char *pairs, const struct task_set *ts)
{
	struct vs_moref ref;
	struct vs_task *t;

	if (vs_xml_moref_get(vs_xml_child(obj, "obj"), &ref) < 0 || !(t = task_find(ts, &ref)))
		return 0;
	for (xmlNode *c = vs_xml_child(obj, pairs); c; c = vs_xml_next(c, pairs)) {
		char name[16] = "";
		vs_xml_text_copy(vs_xml_child(c, "name"), name, sizeof(name));
		task_prop_apply(t, name, vs_xml_child(c, "val"));
	}
	/* Failed without saying how (no info.error with it): still a fault name to report. */
	if (t->state == VS_TASK_ERROR && !t->fault[0])
		task_error_get(NULL, t);
	return t->state != VS_TASK_PENDING;
}

static size_t updates_apply(const xmlNode *rv, const struct task_set *ts)
{
	size_t ended = 0;

	for (xmlNode *fs = vs_xml_child(rv, "filterSet"); fs; fs = vs_xml_next(fs, "filterSet"))
		for (xmlNode *os = vs_xml_child(fs, "objectSet"); os; os = vs_xml_next(os, "objectSet"))
			ended += (size_t)object_apply(os, "changeSet", ts);
	return ended;
}

size_t vs_task_updates_get(const xmlNode *rv, struct vs_task *tasks, size_t n)
{
	struct task_set ts;
	size_t ended;

	task_set_init(&ts, tasks, n);
	ended = updates_apply(rv, &ts);
	vm_hmap_free(&ts.by_ref);
	return ended;
}

size_t vs_task_contents_get(const xmlNode *response, struct vs_task *tasks, size_t n)
{
	struct task_set ts;
	size_t ended = 0;

	task_set_init(&ts, tasks, n);
	for (xmlNode *rv = vs_xml_child(response, "returnval"); rv; rv = vs_xml_next(rv, "returnval"))
		ended += (size_t)object_apply(rv, "propSet", &ts);
	vm_hmap_free(&ts.by_ref);
	return ended;
}

#define READ_CHUNK 500

/* Reads the states of the pending tasks directly (RetrieveProperties, which does not page,
 * READ_CHUNK tasks a call, a few hundred bytes each): before any filter, and after a lost
 * or failed wait, whose filter may have handed its updates to an answer that never
 * arrived. */
static int tasks_read(struct vs_session *s, struct vs_task *tasks, size_t n, struct vm_err *err)
{
	size_t i = 0;

	while (i < n) {
		struct vm_buf b = {0};
		xmlDoc *doc = NULL;
		xmlNode *ret;
		size_t k = 0, first = i;

		vs_soap_begin(&b, "RetrieveProperties", &s->property_collector);
		vs_soap_open(&b, "specSet", NULL);
		task_prop_spec(&b);
		for (; i < n && k < READ_CHUNK; i++) {
			if (tasks[i].state != VS_TASK_PENDING)
				continue;
			vs_soap_open(&b, "objectSet", NULL);
			vs_soap_moref(&b, "obj", &tasks[i].ref);
			vs_soap_elem_bool(&b, "skip", 0);
			vs_soap_close(&b, "objectSet");
			k++;
		}
		vs_soap_close(&b, "specSet");
		vs_soap_end(&b, "RetrieveProperties");
		if (k && vs_session_call(s, "RetrieveProperties", &b, &doc, &ret, err) < 0) {
			vm_buf_reset(&b);
			return -1;
		}
		vm_buf_reset(&b);
		if (k)
			vs_task_contents_get(ret, tasks + first, i - first);
		xmlFreeDoc(doc);
	}
	return 0;
}

static size_t count_ended(const struct vs_task *tasks, size_t n)
{
	size_t done = 0;
	for (size_t i = 0; i < n; i++)
		done += tasks[i].state != VS_TASK_PENDING;
	return done;
}

/* A filter covers at most this many tasks, the first still pending; once they have ended,
 * the next ones get a filter. vCenter works out each filter's changes at every inventory
 * update (govmomi's simulator re-collects the whole filter each time), so a bounded filter
 * keeps that work and each first answer small; it costs a few round trips per hundred
 * tasks, and the tasks not watched yet go on running meanwhile. */
#define FILTER_MAX 100

/* A filter on the first FILTER_MAX tasks still pending; *watched: how many it covers. */
static int filter_make(struct vs_session *s, const struct vs_task *tasks, size_t n, struct vs_moref *filter,
		       size_t *watched, struct vm_err *err)
{
	struct vs_task *pending = vm_xcalloc(n ? n : 1, sizeof(*pending));
	size_t np = 0;
	int rc;

	for (size_t i = 0; i < n && np < FILTER_MAX; i++)
		if (tasks[i].state == VS_TASK_PENDING)
			pending[np++] = tasks[i];
	rc = create_filter(s, pending, np, filter, err);
	free(pending);
	*watched = np;
	return rc;
}

/* Destroys a filter that is done with. Each filter makes vCenter compute its changes at
 * every update of the inventory (govmomi's simulator re-evaluates every filter of the
 * session at every update); left to the session's end, filters of earlier waits would
 * slow every later one. Errors are ignored: a filter that is gone is what is wanted. */
static void filter_drop(struct vs_session *s, const struct vs_moref *filter)
{
	struct vm_buf b = {0};
	xmlDoc *doc = NULL;
	xmlNode *ret;

	if (vs_http_stop_get(s->http) >= 2)
		return;
	vs_soap_begin(&b, "DestroyPropertyFilter", filter);
	vs_soap_end(&b, "DestroyPropertyFilter");
	if (vs_session_call(s, "DestroyPropertyFilter", &b, &doc, &ret, NULL) == 0)
		xmlFreeDoc(doc);
	vm_buf_reset(&b);
}

/* Ends a wait that cannot go on: the tasks still pending are "still running" as far as
 * vtrunk knows (VS_FAULT_TASK_RUNNING), so callers re-read before deciding. */
static int wait_give_up(struct vm_err *err, size_t left, size_t n, const char *why)
{
	vm_err_set(err, VM_ERR_TASK, "%zu of %zu tasks had not ended when vtrunk stopped waiting (%s)", left, n, why);
	if (err)
		snprintf(err->fault, sizeof(err->fault), "%s", VS_FAULT_TASK_RUNNING);
	return -1;
}

#define WAIT_FAILURES_MAX 5
#define WAIT_POLL_S VS_HTTP_POLL_MAX_S
/* A long poll's answer is due when its maxWaitSeconds are over; this much later, the wait
 * is lost (a stall) and its own request ends, not the longer --timeout of other calls. */
#define WAIT_MARGIN_S 10
_Static_assert(WAIT_POLL_S + WAIT_MARGIN_S < VS_HTTP_LOW_SPEED_S,
	       "a long poll's silence must not look like a stalled server");

/* The long poll: at most WAIT_POLL_S, at most half the request timeout (so a poll that
 * returns on time never races the timeout of its own request), never past the deadline. */
static long wait_poll(long request_timeout, long left)
{
	long poll = WAIT_POLL_S;

	if (poll > request_timeout / 2)
		poll = request_timeout / 2;
	if (poll > left)
		poll = left;
	return poll < 1 ? 1 : poll;
}

int vs_task_wait_call(struct vs_session *s, struct vs_task *tasks, size_t n, long timeout_s,
		      void (*progress)(size_t done, size_t total, void *arg), void *arg,
		      struct vm_err *err)
{
	struct vs_moref filter;
	struct vm_err werr;
	char *version = NULL;
	/* (size_t)-1: the counter shows at once ("0/N done"), not only when a first task ends. */
	size_t done = 0, reported = (size_t)-1;
	int have_filter = 0, epoch = 0, failures = 0;
	size_t watched = 0, watch_end = 0;
	time_t deadline = time(NULL) + (timeout_s > 0 ? timeout_s : 3600);
	int rc = -1;
	struct task_set ts;

	task_set_init(&ts, tasks, n);
	vm_err_clear(&werr);
	/* One direct read first: tasks that have ended already (all of them, on a vCenter
	 * that is quick) need no filter at all. */
	if (count_ended(tasks, n) < n)
		tasks_read(s, tasks, n, &werr);
	/* Every way through the loop (an update, a direct read) ends here: what has ended. */
	while ((done = count_ended(tasks, n)) < n) {
		struct vm_buf b = {0};
		xmlDoc *doc = NULL;
		xmlNode *ret, *rv;
		long left = (long)(deadline - time(NULL)), poll;

		if (progress && done != reported)
			progress(done, n, arg);
		reported = done;
		if (have_filter && done >= watch_end) {
			/* Every task this filter watches has ended: the next ones. */
			filter_drop(s, &filter);
			have_filter = 0;
		}

		/* A second signal stops waiting; the first lets the tasks already sent end, so
		 * that the report says what happened. */
		if (vs_http_stop_get(s->http) >= 2) {
			wait_give_up(err, n - done, n, "stopped by a signal");
			goto cleanup;
		}
		if (left <= 0) {
			vm_err_set(&werr, VM_ERR_TASK, "after %ld s", timeout_s > 0 ? timeout_s : 3600L);
			wait_give_up(err, n - done, n, werr.msg);
			goto cleanup;
		}
		if (failures > WAIT_FAILURES_MAX) {
			wait_give_up(err, n - done, n, werr.msg);
			goto cleanup;
		}
		if (!have_filter) {
			if (filter_make(s, tasks, n, &filter, &watched, &werr) < 0) {
				failures++;
				/* No filter: read the states directly, then try again. */
				tasks_read(s, tasks, n, &werr);
				vs_http_backoff(s->http, failures);
				continue;
			}
			have_filter = 1;
			epoch = s->epoch;
			/* Only tasks it watches end through it (or through a direct read). */
			watch_end = done + watched;
			free(version);
			version = NULL;
		}
		poll = wait_poll(vs_http_timeout_get(s->http), left);
		vs_soap_begin(&b, "WaitForUpdatesEx", &s->property_collector);
		if (version)
			vs_soap_elem(&b, "version", version);
		vs_soap_open(&b, "options", NULL);
		/* Bounded so a silent server cannot hold us past the deadline, and short
		 * enough that a missed update costs seconds (see below), not minutes. */
		vs_soap_elem_long(&b, "maxWaitSeconds", poll);
		vs_soap_close(&b, "options");
		vs_soap_end(&b, "WaitForUpdatesEx");
		/* A wait that outlives its poll by the margin is lost: it costs that, not the
		 * whole --timeout (300 s by default) of other calls. */
		vs_http_call_timeout_set(s->http, poll + WAIT_MARGIN_S);
		rc = vs_session_call(s, "WaitForUpdatesEx", &b, &doc, &ret, &werr);
		vs_http_call_timeout_set(s->http, 0);
		vm_buf_reset(&b);
		if (rc < 0) {
			/* A new login (the filter died with the old session), or a lost or broken
			 * answer, which may have carried updates the filter will not send again:
			 * read the states directly and make a new filter for what is left. */
			have_filter = 0;
			if (s->epoch == epoch) {
				failures++;
				filter_drop(s, &filter);
			}
			if (vs_http_stop_get(s->http) < 2)
				tasks_read(s, tasks, n, &werr);
			continue;
		}
		rv = vs_xml_child(ret, "returnval");
		if (rv) {
			free(version);
			version = vs_xml_text_dup(vs_xml_child(rv, "version"));
			updates_apply(rv, &ts);
		} else if (tasks_read(s, tasks, n, &werr) < 0) {
			/* A wait that ends with no update although tasks are pending: look
			 * directly, so an update the filter missed cannot hold the run. */
			failures++;
		}
		xmlFreeDoc(doc);
	}
	if (progress && done != reported)
		progress(done, n, arg);
	rc = 0;
cleanup:
	if (have_filter && s->epoch == epoch)
		filter_drop(s, &filter);
	free(version);
	vm_hmap_free(&ts.by_ref);
	return rc;
}

int vs_task_wait_refs_call(struct vs_session *s, const struct vs_moref *refs, size_t n, long timeout_s,
			   struct vm_err *err)
{
	struct vs_task *tasks = vm_xcalloc(n ? n : 1, sizeof(*tasks));
	int rc;

	for (size_t i = 0; i < n; i++)
		tasks[i].ref = refs[i];
	rc = vs_task_wait_call(s, tasks, n, timeout_s, NULL, NULL, err);
	free(tasks);
	return rc;
}
