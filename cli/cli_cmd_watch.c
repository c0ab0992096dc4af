/* cli_cmd_watch.c — `vtrunk watch -f PLAN`: configures agents as they appear (Kasm
 * AutoScale clones matching the plan's "autoscale").
 *
 * One PropertyCollector filter on a ContainerView of the VMs' names (vs_watch.h) says
 * when a VM that matches appears or is renamed; each time, a pass runs: the very apply of
 * cli_cmd_sync.c (NICs, slot, guestinfo, tag, exactly once through cli_engine.c), which
 * reads the whole inventory and so also catches up on whatever happened while the
 * watcher was not looking. A lost answer, a new login (session expiry, a restarted
 * vCenter) or a dropped connection ends the filter: a new one is made and a pass re-reads
 * everything. SIGTERM: the pass under way finishes (each VM's NICs and slot are one
 * reconfigure), then the filter goes and the session logs out; exit 0. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_autoscale.h"
#include "cli_cmd.h"
#include "cli_conn.h"
#include "cli_plan.h"
#include "cli_watch.h"
#include "vm_text.h"
#include "vs_watch.h"

/* Short enough that SIGTERM ends an idle watcher within seconds (a first signal lets the
 * wait under way end), long enough to cost nothing. */
#define WATCH_POLL_S 5
#define WATCH_BACKOFF_MAX_S 30

void cli_watch_log(const struct cli_watch *w, const char *event, const char *vm, const char *moref, int slot,
		   const char *detail)
{
	if (w->json) {
		cJSON *o = cJSON_CreateObject();
		char ts[32];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		cJSON_AddStringToObject(o, "time", ts);
		cJSON_AddStringToObject(o, "event", event);
		if (vm)
			cJSON_AddStringToObject(o, "vm", vm);
		if (moref)
			cJSON_AddStringToObject(o, "moref", moref);
		if (slot >= 0)
			cJSON_AddNumberToObject(o, "slot", slot);
		if (detail)
			cJSON_AddStringToObject(o, "detail", detail);
		{
			char *t = cJSON_PrintUnformatted(o);
			char *safe = vm_text_json_safe(t);
			printf("%s\n", safe);
			free(safe);
			free(t);
		}
		cJSON_Delete(o);
	} else {
		char *name = vm ? vm_text_display(vm) : NULL;
		printf("%s", event);
		if (name)
			printf(" VM \"%s\"", name);
		if (moref)
			printf(" (%s)", moref);
		if (slot >= 0)
			printf(" slot %d", slot);
		if (detail)
			printf(": %s", detail);
		putchar('\n');
		free(name);
	}
	fflush(stdout);
}

static void known_clear(struct cli_watch *w)
{
	for (size_t i = 0; i < w->n_known; i++)
		free(w->known[i].name);
	free(w->known);
	w->known = NULL;
	w->n_known = 0;
}

int cli_watch_report(struct cli_sync *r, int rc)
{
	struct cli_watch *w = r->ctx->watch;
	size_t n = r->plan ? r->plan->n_agents : 0;

	known_clear(w);
	w->pass_errors = r->errors;
	w->known = vm_xcalloc(n + 1, sizeof(*w->known));
	if (r->pg_done == VS_PG_CREATE || r->pg_done == VS_PG_UPDATE)
		cli_watch_log(w, r->pg_done == VS_PG_CREATE ? "portgroup-created" : "portgroup-updated", NULL, NULL, -1,
			      r->plan->trunk.portgroup);
	if (r->autoscale_full) {
		char msg[160];
		snprintf(msg, sizeof(msg), "%zu VM%s match autoscale but slots %d-%d are all taken (widen autoscale.slots)",
			 r->autoscale_full, r->autoscale_full == 1 ? "" : "s", r->plan->autoscale.slot_lo,
			 r->plan->autoscale.slot_hi);
		cli_watch_log(w, "error", NULL, NULL, -1, msg);
	}
	for (size_t i = 0; r->agents && i < n; i++) {
		const struct cli_agent *a = &r->agents[i];
		const char *moref = a->vm ? a->vm->ref.value : a->pa->ref;
		int slot = a->pa->autoscale ? a->pa->slot : -1;
		struct vm_buf what = {0};

		if (a->failed) {
			/* An autoscaled VM gone in the middle of the pass is not an error. */
			if (a->pa->autoscale && !a->vm)
				cli_watch_log(w, "gone", a->pa->vm, moref, -1, "destroyed during the pass");
			else
				cli_watch_log(w, "error", a->pa->vm, moref, slot, a->err.msg);
			continue;
		}
		if (a->added_trunk)
			vm_buf_adds(&what, "added trunk NIC");
		if (a->added_mgmt)
			vm_buf_addf(&what, "%sadded management NIC", what.len ? ", " : "");
		if (a->removed)
			vm_buf_addf(&what, "%sremoved %d NIC%s", what.len ? ", " : "", a->removed, a->removed == 1 ? "" : "s");
		if (a->gi_written)
			vm_buf_addf(&what, "%swrote %s", what.len ? ", " : "",
				    r->ctx->guestinfo ? "slot and guestinfo" : "slot");
		if (a->tag_changed)
			vm_buf_addf(&what, "%sattached tag", what.len ? ", " : "");
		if (what.len)
			cli_watch_log(w, "configured", a->pa->vm, moref, slot, what.data);
		vm_buf_reset(&what);
		if (a->pa->autoscale && a->vm) {
			struct cli_watch_vm *k = &w->known[w->n_known++];
			snprintf(k->moref, sizeof(k->moref), "%s", a->vm->ref.value);
			k->name = vm_xstrdup(a->pa->vm);
			k->slot = a->pa->slot;
		}
	}
	if (rc != CLI_EXIT_OK && rc != CLI_EXIT_FAIL)
		w->pass_errors++;
	return rc;
}

static struct cli_watch_vm *known_find(struct cli_watch *w, const char *moref)
{
	for (size_t i = 0; i < w->n_known; i++)
		if (strcmp(w->known[i].moref, moref) == 0)
			return &w->known[i];
	return NULL;
}

static void known_drop(struct cli_watch *w, struct cli_watch_vm *k)
{
	free(k->name);
	*k = w->known[--w->n_known];
}

/* One apply, reporting through cli_watch_report(). Returns its exit code. */
static int pass(struct cli_ctx *ctx, struct cli_watch *w)
{
	int json = ctx->json, quiet = ctx->quiet, rc;

	/* The pass's own report is off (its JSON document is built, not printed); its
	 * progress lines too unless -v. */
	ctx->json = 1;
	ctx->quiet = !ctx->verbose;
	ctx->watch = w;
	rc = cli_cmd_apply(ctx);
	ctx->watch = NULL;
	ctx->json = json;
	ctx->quiet = quiet;
	return rc;
}

/* Whether the events call for a pass; logs the agents that went. */
static int events_take(struct cli_watch *w, const struct vm_plan *plan, const struct vs_watch_event *ev, size_t n)
{
	int need = 0;

	for (size_t i = 0; i < n; i++) {
		struct cli_watch_vm *k = known_find(w, ev[i].vm.value);
		if (ev[i].kind == VS_WATCH_LEAVE) {
			if (k) {
				cli_watch_log(w, "gone", k->name, k->moref, k->slot, "VM destroyed; its slot is free");
				known_drop(w, k);
			}
			continue;
		}
		if (!ev[i].name)
			continue;
		if (k && strcmp(k->name, ev[i].name) != 0) {
			cli_watch_log(w, "renamed", ev[i].name, k->moref, k->slot,
				      cli_autoscale_match(plan, ev[i].name) ? "still matches autoscale"
									     : "no longer matches autoscale (its NICs stay)");
			known_drop(w, k);
			need = 1;
		} else if (!k && cli_autoscale_name_match(plan, ev[i].name)) {
			need = 1;
		}
	}
	return need;
}

/* How long the next wait may last: short while agents are left unfinished, never past
 * the next full re-read. */
static long wait_s(const struct cli_ctx *ctx, const struct cli_watch *w, time_t resync_at)
{
	long d = w->pass_errors ? 2 : WATCH_POLL_S, left = (long)(resync_at - time(NULL));

	if (ctx->resync && left < d)
		d = left < 1 ? 1 : left;
	return d;
}

static void nap(long seconds)
{
	for (long i = 0; i < seconds * 10 && !cli_stop; i++)
		usleep(100000);
}

int cli_cmd_watch(struct cli_ctx *ctx)
{
	struct cli_watch w = {.json = ctx->json};
	struct vs_watch vw;
	struct vs_session *s = NULL;
	struct vm_plan *plan = NULL;
	struct vm_err err;
	int rc = CLI_EXIT_OK, need_pass = 1, failures = 0;
	time_t retry_at = 0, resync_at = 0;

	memset(&vw, 0, sizeof(vw));
	vm_err_clear(&err);
	if (cli_plan_load_file(ctx->plan_path, &plan, &err) < 0)
		return cli_fail_doc(ctx, &err);
	if (!plan->has_autoscale) {
		vm_plan_free(&plan);
		vm_err_set(&err, VM_ERR_USAGE, "%s: has no \"autoscale\" block: watch configures the VMs it matches "
				  "(for listed agents alone, run apply)", ctx->plan_path);
		return cli_fail_doc(ctx, &err);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	{
		char what[320];
		snprintf(what, sizeof(what), "%s%s%s%s", plan->autoscale.match ? plan->autoscale.match : "",
			 plan->autoscale.match && plan->autoscale.tag ? " " : "", plan->autoscale.tag ? "tag " : "",
			 plan->autoscale.tag ? plan->autoscale.tag : "");
		cli_watch_log(&w, "start", NULL, NULL, -1, what);
	}
	while (!cli_stop) {
		size_t n = 0;
		struct vs_watch_event *ev = NULL;

		if (failures) {
			long d = 1L << (failures < 5 ? failures : 5);
			nap(d > WATCH_BACKOFF_MAX_S ? WATCH_BACKOFF_MAX_S : d);
			if (cli_stop)
				break;
		}
		if (!s && !(s = cli_conn_open(ctx, 1, &err))) {
			/* A vCenter that is down (restarting) or unreachable: keep trying. */
			cli_watch_log(&w, "error", NULL, NULL, -1, err.msg);
			if (err.kind == VM_ERR_TLS || err.kind == VM_ERR_USAGE) {
				rc = cli_exit_code(err.kind);
				break;
			}
			failures++;
			continue;
		}
		if (!vw.open) {
			vs_watch_close_call(s, &vw);
			if (vs_watch_open_call(s, &vw, &err) < 0) {
				cli_watch_log(&w, "error", NULL, NULL, -1, err.msg);
				vs_watch_close_call(s, &vw);
				/* A session that cannot make a filter is started afresh. */
				vs_session_free(&s);
				failures++;
				continue;
			}
			need_pass = 1;
		}
		if (!need_pass && w.pass_errors && time(NULL) >= retry_at)
			need_pass = 1;
		if (!need_pass && ctx->resync && time(NULL) >= resync_at) {
			/* The safety net: an update missed (or a change no filter reports) is
			 * caught by a full re-read. */
			cli_watch_log(&w, "resync", NULL, NULL, -1, "periodic full re-read");
			need_pass = 1;
		}
		if (need_pass) {
			need_pass = 0;
			int prc = pass(ctx, &w);
			if (prc == CLI_EXIT_USAGE && !w.n_known)
				cli_watch_log(&w, "error", NULL, NULL, -1, "the pass refused the plan or the output directory");
			/* Agents left unfinished are tried again, later each time. */
			retry_at = time(NULL) + (w.pass_errors ? 2 : 0);
			resync_at = time(NULL) + ctx->resync;
			if (cli_stop)
				break;
		}
		if (vs_watch_wait_call(s, &vw, wait_s(ctx, &w, resync_at), &ev, &n, &err) < 0) {
			if (cli_stop)
				break;
			cli_watch_log(&w, "reconnect", NULL, NULL, -1, err.msg);
			vw.open = 0;
			failures = s->epoch != vw.epoch ? 0 : failures + 1;
			continue;
		}
		failures = 0;
		if (events_take(&w, plan, ev, n))
			need_pass = 1;
		vs_watch_events_free(ev, n);
	}
	if (s) {
		vs_watch_close_call(s, &vw);
		vs_session_logout_call(s);
	}
	vs_session_free(&s);
	if (rc == CLI_EXIT_OK)
		cli_watch_log(&w, "stop", NULL, NULL, -1, cli_stop ? "signal" : NULL);
	known_clear(&w);
	vm_plan_free(&plan);
	return rc;
}
