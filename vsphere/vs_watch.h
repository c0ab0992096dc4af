/* vs_watch.h — VMs appearing, renamed and going, as they happen: one PropertyCollector
 * filter on a ContainerView of every VirtualMachine, read with WaitForUpdatesEx and its
 * version token, so nothing is polled and nothing is missed between two waits.
 *
 * The filter lives in its session: after a new login (s->epoch moved) or a lost answer
 * (its updates may be gone with it) the caller drops it, opens a new one and reads the
 * whole inventory again; the first wait of a new filter reports every VM ("enter").
 *
 * Ownership: struct vs_watch owns its version; the events array and its strings are
 * owned by the caller (vs_watch_events_free()).
 */
#ifndef VS_WATCH_H
#define VS_WATCH_H

#include <stddef.h>

#include "vm_err.h"
#include "vs_session.h"

struct vs_watch {
	struct vs_moref view, filter;
	char *version;   /* owned; NULL before the first answer */
	int epoch;       /* the session's when it was made */
	int open;
};

enum vs_watch_kind { VS_WATCH_ENTER, VS_WATCH_MODIFY, VS_WATCH_LEAVE };

struct vs_watch_event {
	enum vs_watch_kind kind;
	struct vs_moref vm;
	char *name;      /* owned; NULL when the update carried none (leave) */
};

/* CreateContainerView (VirtualMachine, recursive, from the root folder) and CreateFilter
 * (the VMs' name). */
int vs_watch_open_call(struct vs_session *s, struct vs_watch *w, struct vm_err *err);
/* One WaitForUpdatesEx of at most max_wait_s seconds: the events since the last one
 * (none when the wait timed out). -1 when the call failed or the session was renewed
 * meanwhile (the filter is gone: open a new one). */
int vs_watch_wait_call(struct vs_session *s, struct vs_watch *w, long max_wait_s, struct vs_watch_event **ev,
		       size_t *n, struct vm_err *err);
/* Destroys the filter and the view (errors ignored) and forgets them. */
void vs_watch_close_call(struct vs_session *s, struct vs_watch *w);
void vs_watch_events_free(struct vs_watch_event *ev, size_t n);

#endif
