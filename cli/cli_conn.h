/* cli_conn.h — connection settings (flag, then VTRUNK_*, then govc's variables),
 * the password (file, stdin, environment, or a prompt on a terminal), and a
 * logged-in session.
 *
 * Ownership: the returned session is owned by the caller (vs_session_free logs out).
 */
#ifndef CLI_CONN_H
#define CLI_CONN_H

#include "cli.h"
#include "vm_plan.h"
#include "vs_session.h"

/* Opens and logs in. On failure err is set and NULL returned; nothing but the
 * version probe and RetrieveServiceContent was sent unless login was tried. */
struct vs_session *cli_conn_open(const struct cli_ctx *ctx, int login, struct vm_err *err);
/* The transport options alone (for `thumbprint`); strings borrowed from ctx/env. */
int cli_conn_opts_get(const struct cli_ctx *ctx, struct vs_http_opts *o, char **url_user,
		      char **url_password, struct vm_err *err);
/* A plan without "datacenter" takes govc's GOVC_DATACENTER (a name or an inventory path
 * such as /DC0; its last part is the name). */
void cli_conn_datacenter_default(struct vm_plan *plan);
/* Reads a password from a file that only its owner may read; one trailing newline
 * is dropped. Owned result, or NULL with err set. */
char *cli_conn_password_file_read(const char *path, struct vm_err *err);

#endif
