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
 * are recorded in their struct (not an error of this call); the call fails only
 * when waiting itself fails or times out (kind task, naming how many are left).
 * progress, when not NULL, is called as tasks end. */
int vs_task_wait_call(struct vs_session *s, struct vs_task *tasks, size_t n, long timeout_s,
		      void (*progress)(size_t done, size_t total, void *arg), void *arg,
		      struct vm_err *err);

/* Applies one WaitForUpdatesEx <returnval> to the tasks still pending that it names:
 * a whole "info" change, or "info.state", "info.error" and "info.result" (what the
 * filter asks for). Returns how many of them ended with it. */
size_t vs_task_updates_get(const xmlNode *returnval, struct vs_task *tasks, size_t n);

/* Parses one TaskInfo element into t (exposed for the unit tests). */
void vs_task_info_get(const xmlNode *info, struct vs_task *t);

#endif
