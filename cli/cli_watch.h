/* cli_watch.h — what `vtrunk watch` (cli_cmd_watch.c) keeps between its passes, and the
 * hook by which a pass (the apply of cli_cmd_sync.c, unchanged) reports to it: one log
 * line per action instead of apply's report.
 *
 * Ownership: struct cli_watch owns its list of known agents; cli_ctx.watch borrows it
 * during a pass.
 */
#ifndef CLI_WATCH_H
#define CLI_WATCH_H

#include "cli_sync.h"

struct cli_watch_vm {
	char moref[96];
	char *name;    /* owned */
	int slot;
};

struct cli_watch {
	int json;                     /* the user's --json: log lines are JSON objects */
	struct cli_watch_vm *known;   /* owned; autoscaled agents done after the last pass */
	size_t n_known;
	int pass_errors;              /* agents the last pass could not finish */
};

/* In place of cli_report_finish() when ctx->watch is set: logs what the pass did to each
 * agent, remembers the autoscaled ones; returns rc. */
int cli_watch_report(struct cli_sync *r, int rc);

/* One log line on stdout, flushed: text ("EVENT VM (MOREF) slot N: DETAIL") or JSON. */
void cli_watch_log(const struct cli_watch *w, const char *event, const char *vm, const char *moref, int slot,
		   const char *detail);

#endif
