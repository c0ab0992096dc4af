/* cli_tags.c — "tags" in a plan: a vCenter tag on the port group and the agents, over the
 * REST API (vs_tag.c), read before any change and attached (apply) or detached (destroy)
 * after the NICs. */
#include <stdlib.h>

#include "cli_autoscale.h"
#include "cli_sync.h"
#include "vm_alloc.h"

/* ---- "tags": a vCenter tag on the port group and the agents (REST) ---- */

/* What to attach the tag to (apply) or detach it from (destroy): the port group and every
 * agent found (apply: and not failed). Owned array; *n set. */
static struct vs_moref *tag_objects(const struct cli_sync *r, size_t *n)
{
	struct vs_moref *objs = vm_xcalloc(r->plan->n_agents + 1, sizeof(*objs));

	*n = 0;
	if (r->diff.pg)
		objs[(*n)++] = r->diff.pg->ref;
	for (size_t i = 0; i < r->plan->n_agents; i++) {
		const struct cli_agent *a = &r->agents[i];
		if (a->vm && (r->mode == M_DESTROY || !a->failed))
			objs[(*n)++] = a->vm->ref;
	}
	return objs;
}

/* Reads the plan's category and tag and what carries it: before any change, so that a
 * vCenter without a working REST API stops the run while nothing is done yet. */
int cli_tags_read(struct cli_sync *r, struct vm_err *err)
{
	const struct vm_plan_tags *t = &r->plan->tags;
	struct vs_moref *objs;
	size_t n;
	int rc;

	if (!t->category)
		return 0;
	if (!r->rest && vs_rest_login_call(r->s, &r->rest, err) < 0)
		return -1;
	vs_rest_parallel_set(r->rest, r->ctx->parallel);
	/* Asked first which tags these carry: once a plan was applied, that finds the tag
	 * without reading every category (see vs_tag_find.h). */
	objs = tag_objects(r, &n);
	rc = vs_tag_lookup_call(r->rest, t->category, t->tag, objs, n, &r->tag, err);
	free(objs);
	if (rc < 0)
		return -1;
	r->tag_pg_had = r->diff.pg && vs_tag_attached_get(&r->tag, &r->diff.pg->ref);
	for (size_t i = 0; i < r->plan->n_agents; i++) {
		struct cli_agent *a = &r->agents[i];
		a->tag_had = a->vm && vs_tag_attached_get(&r->tag, &a->vm->ref);
	}
	return 0;
}

int cli_tags_autoscale_read(struct cli_sync *r, struct vm_err *err)
{
	const struct vm_plan_autoscale *as = &r->plan->autoscale;
	struct vs_moref *near;
	size_t n = 0;
	int rc;

	if (!r->plan->has_autoscale || !as->tag || !r->inv || r->diff.dc < 0)
		return 0;
	if (!r->rest && vs_rest_login_call(r->s, &r->rest, err) < 0)
		return -1;
	vs_rest_parallel_set(r->rest, r->ctx->parallel);
	/* Asked first which tags the VMs the name glob leaves carry (all of the datacenter's
	 * without one): one request per 500 VMs, not one per tag of vCenter. */
	near = vm_xcalloc(r->inv->n_vms + 1, sizeof(*near));
	for (size_t i = 0; i < r->inv->n_vms; i++) {
		const struct vs_vm *vm = &r->inv->vms[i];
		if (vm->dc == r->diff.dc && cli_autoscale_match(r->plan, vm->name))
			near[n++] = vm->ref;
	}
	vs_tag_state_clear(&r->as_tag);
	rc = vs_tag_find_call(r->rest, as->tag, near, n, &r->as_tag, err);
	free(near);
	if (rc < 0 && err->kind == VM_ERR_NOTFOUND) {
		cli_info(r->ctx, "vtrunk: warning: autoscale.tag: %s: no VM is an autoscale agent\n", err->msg);
		vm_err_clear(err);
		vs_tag_state_clear(&r->as_tag);
		return 0;
	}
	if (rc < 0)
		return vm_err_prefix(err, "autoscale.tag");
	r->as_tag_read = 1;
	return 0;
}

/* apply: makes the category and tag when missing and attaches the tag where it is not;
 * destroy: detaches it (the tag and its category stay: other objects may carry it). */
int cli_tags_change(struct cli_sync *r, struct vm_err *err)
{
	const struct vm_plan_tags *t = &r->plan->tags;
	struct vs_moref *objs;
	size_t n;
	int rc;

	if (!t->category)
		return 0;
	if (r->mode == M_APPLY) {
		cli_info(r->ctx, "vtrunk: tagging with %s/%s...\n", t->category, t->tag);
		if (vs_tag_ensure_call(r->rest, t->category, t->tag, &r->tag, &r->tag_created, err) < 0)
			return -1;
	} else if (!r->tag.tag_id) {
		return 0;
	}
	objs = tag_objects(r, &n);
	rc = r->mode == M_APPLY ? vs_tag_attach_call(r->rest, &r->tag, objs, n, err)
				: vs_tag_detach_call(r->rest, &r->tag, objs, n, err);
	free(objs);
	/* What changed: compare with what carried it before (also after a failure, since
	 * the state was read again). */
	r->tag_pg_changed = r->diff.pg && r->tag_pg_had != vs_tag_attached_get(&r->tag, &r->diff.pg->ref);
	for (size_t i = 0; i < r->plan->n_agents; i++) {
		struct cli_agent *a = &r->agents[i];
		a->tag_changed = a->vm && a->tag_had != vs_tag_attached_get(&r->tag, &a->vm->ref);
		r->changes_done += a->tag_changed;
	}
	r->changes_done += r->tag_pg_changed + !!(r->tag_created & VS_TAG_CREATED_CATEGORY) +
			   !!(r->tag_created & VS_TAG_CREATED_TAG);
	return rc;
}

