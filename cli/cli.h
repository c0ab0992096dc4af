/* cli.h — what every command sees: the parsed options and the output sinks.
 *
 * Ownership: struct cli_ctx owns its strings (copied from argv/env) and the
 * debug FILE; cli_main.c creates and frees it. Commands borrow it.
 */
#ifndef CLI_H
#define CLI_H

#include <cJSON.h>
#include <signal.h>
#include <stdio.h>

#include "vm_err.h"

/* Exit codes (DESIGN.md). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2
#define CLI_EXIT_CONNECT 3
#define CLI_EXIT_PENDING 4

/* watch --resync's default: a full re-read every five minutes. */
#define CLI_WATCH_RESYNC_S 300

struct cli_watch;

struct cli_ctx {
	const char *command;     /* borrowed from the command table */
	int json, quiet, verbose;
	int parallel;            /* default 8 */
	long timeout;            /* seconds; 0: defaults */
	char *plan_path;         /* owned; -f */
	char *out_dir;           /* owned; -o */
	int keep_portgroup;
	int dry_run;             /* destroy --dry-run: report what destroy would do, change nothing */
	int strict;              /* --strict: the uplink preflight's warning is an error */
	int guestinfo;           /* --guestinfo: guest config into extraConfig too */
	char *tag;               /* owned; ls --tag */
	long resync;             /* watch --resync: seconds between full re-reads; 0: none */
	/* connection: the flag wins, then VTRUNK_*, then GOVC_* */
	char *url, *username;    /* owned */
	char *password_file;     /* owned */
	int password_stdin;
	int insecure;            /* -1: not given */
	char *thumbprint;        /* owned */
	char *ca_file;           /* owned */
	FILE *debug;             /* owned; --debug FILE */
	struct cli_watch *watch; /* borrowed; set by `watch` during its passes (cli_watch.h) */
	char **args;             /* borrowed: positional arguments after the command */
	int n_args;
};

/* Set by SIGINT/SIGTERM: 1 after the first (send nothing new, finish what was
 * started, log out), 2 after the second (abandon the calls in flight and the waits, read
 * vCenter once more for the report, log out), 3 after the third (abandon that too). */
extern volatile sig_atomic_t cli_stop;

/* Maps an error kind to the exit code (the one place that does). */
int cli_exit_code(enum vm_err_kind kind);
/* The exit code of a failure once vCenter may have changed something (the report says
 * what was done): 1, except 3 for kind auth (a session refused right after a new login). */
int cli_exit_code_changed(enum vm_err_kind kind);
/* Prints "vtrunk: <msg>" (and hints for TLS failures) on stderr; returns the exit code. */
int cli_fail(const struct cli_ctx *ctx, const struct vm_err *err);
/* cli_fail, and with --json also {"error": …, "fault": …} on stdout: a script reading
 * stdout sees the failure of every command alike. */
int cli_fail_doc(const struct cli_ctx *ctx, const struct vm_err *err);
/* Prints a JSON document on stdout, through vm_text_json_safe(): names from vCenter may
 * hold C1 controls or bidi formatting, which cJSON leaves raw. */
void cli_json_print(const cJSON *root);
/* Progress/info lines on stderr, silenced by -q. */
void cli_info(const struct cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
