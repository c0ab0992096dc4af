/* vs_task.h — waiting for any number of vSphere tasks through one PropertyCollector
 * filter and WaitForUpdatesEx: no per-task polling.
 *
 * Ownership: the caller owns the struct vs_task array; nothing in it is allocated.
 */
#ifndef VS_TASK_H
#define VS_TASK_H

#include "vs_session.h"

enum vs_task_state { VS_TASK_PENDING = 0, VS_TASK_SUCCESS, VS_TASK_ERROR };

struct vs_task {
	struct vs_moref ref;      /* the Task, as the *_Task method returned it */
	enum vs_task_state state;
	char fault[64];           /* fault type name when state is error */
	char msg[256];            /* its localized message */
	struct vs_moref result;   /* result when it is a managed object reference */
};

/* Reads the Task moref out of a *_TaskResponse element. */
int vs_task_ref_get(const xmlNode *response, struct vs_moref *ref, struct vm_err *err);

/* Waits until every task has ended or `timeout_s` passed. Tasks that end in error
 * are recorded in their struct (not an error of this call). A lost or failed wait, or a
 * new login, does not end it: the tasks' states are read directly and a new filter is
 * made for what is left (at most a few times in a row). It fails (kind task, fault
 * VS_FAULT_TASK_RUNNING, naming how many are left) at the deadline, after a second
 * signal (stop flag 2), or when waiting keeps failing; the tasks not seen to end stay
 * VS_TASK_PENDING. progress, when not NULL, is called as tasks end. */
int vs_task_wait_call(struct vs_session *s, struct vs_task *tasks, size_t n, long timeout_s,
		      void (*progress)(size_t done, size_t total, void *arg), void *arg,
		      struct vm_err *err);

/* vs_task_wait_call() for tasks known only by reference (a recentTask list), without
 * progress; their outcomes are not kept. */
int vs_task_wait_refs_call(struct vs_session *s, const struct vs_moref *refs, size_t n, long timeout_s,
			   struct vm_err *err);

/* Applies one WaitForUpdatesEx <returnval> to the tasks still pending that it names:
 * a whole "info" change, or "info.state", "info.error" and "info.result" (what the
 * filter asks for). Returns how many of them ended with it. */
size_t vs_task_updates_get(const xmlNode *returnval, struct vs_task *tasks, size_t n);

/* Applies a RetrieveProperties answer (<…Response> with one <returnval> ObjectContent
 * a task: info.state, info.error, info.result) to the pending tasks it names. Returns how
 * many of them it names as ended. */
size_t vs_task_contents_get(const xmlNode *response, struct vs_task *tasks, size_t n);

/* Parses one TaskInfo element into t (exposed for the unit tests). */
void vs_task_info_get(const xmlNode *info, struct vs_task *t);

#endif
