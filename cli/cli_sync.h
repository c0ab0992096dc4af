/* cli_sync.h — the state of one plan/apply/status/destroy run, shared by the command
 * (cli_cmd_sync.c) and its report writer (cli_report.c).
 *
 * Ownership: struct cli_sync owns the plan, the session, the inventory, the agents and the
 * report; the diffs and the agents borrow from the plan and the inventory.
 */
#ifndef CLI_SYNC_H
#define CLI_SYNC_H

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_engine.h"
#include "vm_alloc.h"
#include "vs_portgroup.h"
#include "vs_rest.h"
#include "vs_tag.h"

enum cli_mode { M_PLAN, M_APPLY, M_STATUS, M_DESTROY };

struct cli_sync {
	struct cli_ctx *ctx;
	enum cli_mode mode;
	struct vm_plan *plan;
	struct vs_session *s;
	struct vs_inventory *inv;
	struct vs_pg_diff diff;
	char sw_name[256], dc_name[256]; /* of the last diff that found them: the report
	                                    needs them even after a failed re-read */
	struct cli_agent *agents;        /* owned; plan->n_agents */
	struct vm_nic_net trunk_net, mgmt_net;
	int have_trunk_net, have_mgmt_net;
	int mgmt_per_agent;        /* several networks of its name: each agent's by its host */
	cJSON *report;                   /* owned */
	int changes_done, errors, pending;
	int sent;                        /* a change may have reached vCenter */
	int dirty;                       /* changes sent since the last read */
	enum vs_pg_action pg_done;       /* what this run did to the port group */
	struct vs_rest *rest;            /* owned; the REST session for "tags" */
	struct vs_tag_state tag;         /* owned; the plan's tag as vCenter has it */
	int tag_pg_had, tag_pg_changed;  /* the port group carried it; attached/detached now */
	int tag_created;                 /* VS_TAG_CREATED_* */
	struct vm_err tag_err;           /* set when the tag step failed */
	size_t autoscale_full;           /* VMs "autoscale" matched that found no free slot */
	struct vs_tag_state as_tag;      /* owned; "autoscale".tag and the VMs it is on */
	int as_tag_read;                 /* as_tag holds what vCenter has (else no VM carries it) */
};

/* "tags" (cli_tags.c): reads the plan's category and tag and what carries it, before any
 * change (a vCenter without a working REST API stops the run while nothing is done); then
 * attaches the tag (apply) or detaches it (destroy). Nothing to do without "tags". */
int cli_tags_read(struct cli_sync *r, struct vm_err *err);
int cli_tags_change(struct cli_sync *r, struct vm_err *err);
/* "autoscale".tag (TAG, or CATEGORY/TAG as `ls --tag` takes it): the VMs it is on, into
 * r->as_tag, before cli_autoscale_expand(). A tag vCenter does not have is on no VM (a
 * warning, not an error). Nothing to do without one. */
int cli_tags_autoscale_read(struct cli_sync *r, struct vm_err *err);

/* The report (cli_report.c): each adds its part to r->report and, without --json, prints
 * it. */
const char *cli_report_pg_word(enum cli_mode m, enum vs_pg_action a);
void cli_report_pg(struct cli_sync *r, const char *action, const struct vs_portgroup *pg);
void cli_report_agents(struct cli_sync *r);
void cli_report_tags(struct cli_sync *r);
/* Whether the plan has a tag this agent does not carry yet (plan, status). */
int cli_report_tag_missing(const struct cli_sync *r, const struct cli_agent *a);
/* destroy --dry-run (cli_preview.c): the port group's word (remove, keep, absent), what
 * each agent would lose, the tag; r->pending counts them. After the agents' facts. */
void cli_preview_destroy(struct cli_sync *r);
/* How many trunk NICs destroy would take from this agent; whether its guestinfo goes. */
int cli_preview_agent_nics(const struct cli_sync *r, const struct cli_agent *a);
int cli_preview_agent_gi(const struct cli_sync *r, const struct cli_agent *a);
/* The VMs with a NIC on the port group (skip_agents: other than the plan's agents); the
 * first five names into names. */
size_t cli_pg_users(const struct cli_sync *r, int skip_agents, struct vm_buf *names);

/* The closing counts (and the whole document with --json); returns rc. */
int cli_report_finish(struct cli_sync *r, int rc);

#endif
