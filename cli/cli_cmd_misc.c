/* cli_cmd_misc.c — commands that need no plan diff: thumbprint and render. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_cmd.h"
#include "cli_conn.h"
#include "cli_plan.h"
#include "vm_guest.h"
#include "vm_text.h"
#include "vs_http.h"

int cli_cmd_thumbprint(struct cli_ctx *ctx)
{
	struct vs_http_opts o;
	struct vs_http *h = NULL;
	struct vs_http_resp resp = {0};
	const struct vs_http_cert *cert;
	struct vm_err err;
	int rc;

	vm_err_clear(&err);
	if (cli_conn_opts_get(ctx, &o, NULL, NULL, &err) < 0)
		return cli_fail_doc(ctx, &err);
	/* Only to read the certificate: nothing but a GET of the versions file is sent. */
	o.insecure = 1;
	o.thumbprint = NULL;
	o.ca_file = NULL;
	h = vs_http_new(&o, &err);
	if (!h)
		return cli_fail_doc(ctx, &err);
	if (vs_http_get_call(h, "/sdk/vimServiceVersions.xml", &resp, &err) < 0 && !*vs_http_peer_sha256_get(h)) {
		rc = cli_fail_doc(ctx, &err);
		goto cleanup;
	}
	cert = vs_http_peer_cert_get(h);
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "url", vs_http_base_get(h));
		cJSON_AddStringToObject(doc, "sha256", vs_http_peer_sha256_get(h));
		cJSON_AddStringToObject(doc, "sha1", vs_http_peer_sha1_get(h));
		cJSON_AddStringToObject(doc, "subject", cert->subject);
		cJSON_AddStringToObject(doc, "issuer", cert->issuer);
		cJSON_AddStringToObject(doc, "not_before", cert->not_before);
		cJSON_AddStringToObject(doc, "not_after", cert->not_after);
		cJSON_AddBoolToObject(doc, "expired", cert->expired);
		cli_json_print(doc);
		cJSON_Delete(doc);
	} else {
		/* The subject and issuer are the server's words: shown escaped. */
		char *subject = vm_text_display(cert->subject), *issuer = vm_text_display(cert->issuer);
		printf("%s\nSHA-256 %s\nSHA-1   %s\nSubject %s\nIssuer  %s\nValid   %s to %s%s\n",
		       vs_http_base_get(h), vs_http_peer_sha256_get(h), vs_http_peer_sha1_get(h), subject, issuer,
		       cert->not_before, cert->not_after, cert->expired ? " (expired)" : "");
		free(subject);
		free(issuer);
	}
	rc = CLI_EXIT_OK;
cleanup:
	vs_http_resp_clear(&resp);
	vs_http_free(&h);
	return rc;
}

int cli_cmd_render(struct cli_ctx *ctx)
{
	struct vm_plan *plan = NULL;
	struct vm_err err;
	int rc = CLI_EXIT_OK;

	vm_err_clear(&err);
	if (cli_plan_load_file(ctx->plan_path, &plan, &err) < 0 || vm_guest_check(plan, NULL, &err) < 0)
		rc = cli_fail_doc(ctx, &err);
	/* As with apply: an unusable DIR is the user's to fix (exit 2), found before writing. */
	else if (vm_guest_dir_prepare(plan, ctx->out_dir, &err) < 0 && (err.kind = VM_ERR_USAGE))
		rc = cli_fail_doc(ctx, &err);
	else if (vm_guest_write(plan, NULL, ctx->out_dir, &err) < 0)
		rc = cli_fail_doc(ctx, &err);
	else if (ctx->json)
		printf("{\"output\": \"%s\", \"agents\": %zu}\n", ctx->out_dir, plan->n_agents);
	else if (!ctx->quiet)
		printf("guest files for %zu agent%s written under %s/\n", plan->n_agents,
		       plan->n_agents == 1 ? "" : "s", ctx->out_dir);
	vm_plan_free(&plan);
	return rc;
}
