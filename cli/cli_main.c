/* cli_main.c — vtrunk's entry point: the command table, option parsing, help, and
 * the one place that turns results into exit codes. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "cli.h"
#include "cli_cmd.h"
#include "vm_alloc.h"
#include "vm_text.h"

/* Option bits: which commands take which options. */
#define O_PLAN 1u   /* -f */
#define O_OUT 2u    /* -o */
#define O_CONN 4u   /* connection options */
#define O_KEEP 8u   /* --keep-portgroup */
#define O_RUN 16u   /* --parallel, --timeout, --debug */
#define O_STRICT 32u /* --strict */
#define O_GI 64u     /* --guestinfo */
#define O_TAG 128u   /* --tag */
#define O_DRY 256u   /* --dry-run */
#define O_RESYNC 512u /* --resync */

struct cli_command {
	const char *name;
	int (*run)(struct cli_ctx *ctx);
	unsigned opts;
	const char *usage;
	const char *summary;
	const char *details;
};

static int cmd_version(struct cli_ctx *ctx);
static int cmd_help(struct cli_ctx *ctx);

static const struct cli_command commands[] = {
	{"plan", cli_cmd_plan, O_PLAN | O_CONN | O_RUN | O_STRICT | O_GI, "plan -f PLAN [--strict] [--guestinfo]",
	 "show what `apply` would change in vCenter; changes nothing",
	 "Reads vCenter and compares it with PLAN. Exit 0 when nothing would change,\n"
	 "4 when `apply` has changes to make, 1 when an agent's VM is not found (or\n"
	 "two VMs have its name: vm-not-found, vm-ambiguous).\n"
	 "Each agent's mgmt_address is compared with the IPv4 addresses VMware Tools\n"
	 "reports on its management NIC (guest.net): a difference is a warning\n"
	 "(--strict: exit 1).\n"
	 "Warns (stderr, and --json \"ifname_warnings\") when a NIC's PCI slot gives it\n"
	 "another guest name (ens<slot>) than the plan's guest.*_ifname.\n"},
	{"apply", cli_cmd_apply, O_PLAN | O_OUT | O_CONN | O_RUN | O_STRICT | O_GI,
	 "apply -f PLAN [-o DIR] [--strict] [--guestinfo]",
	 "make vCenter match the plan, then write the guest files",
	 "Creates the trunk port group or brings its VLAN ranges up to date (nothing is\n"
	 "sent when it already matches), then writes the guest files under DIR\n"
	 "(default ./vtrunk-out). Safe to re-run: a second run changes nothing.\n"
	 "DIR is created and checked writable before anything is sent (exit 2 if not);\n"
	 "each DIR/<vm>/ is built aside and renamed into place, whole or not at all.\n"
	 "With \"container_driver\": \"macvlan\" it also lets the containers' MACs through the\n"
	 "port group (promiscuous mode, forged transmits, MAC changes; or MAC learning).\n"
	 "Before any change it checks that the switch's uplinks carry the plan's VLANs\n"
	 "and warns when they do not, and that each agent's mgmt_address is one VMware\n"
	 "Tools reports on its management NIC (guest.net) and warns when it is not\n"
	 "(--strict: exit 1, nothing changed, instead).\n"
	 "With \"tags\" in the plan it creates that vCenter tag (and its category) when\n"
	 "missing and attaches it to the port group and every agent VM (REST API).\n"
	 "With --guestinfo each agent's netplan file and docker-networks.sh also go into\n"
	 "its VM's extraConfig, where vtrunk-apply.sh reads them inside the guest.\n"
	 "A NIC vCenter reports a PCI slot for is ens<slot> in the files; the plan's\n"
	 "guest.*_ifname names the others (bound by MAC; the report says so).\n"},
	{"status", cli_cmd_status, O_PLAN | O_CONN | O_RUN | O_STRICT | O_GI, "status -f PLAN [--strict] [--guestinfo]",
	 "compare vCenter with the plan, object by object (drift)",
	 "Exit 0 when everything is in sync, 4 when something drifted, 1 when an\n"
	 "agent's VM is not found (as plan). --json: each agent's \"states\".\n"
	 "As plan, it warns when an agent's mgmt_address is not one VMware Tools\n"
	 "reports on its management NIC (--strict: exit 1), and when a NIC's PCI\n"
	 "slot gives it another guest name than the plan's (--json \"ifname_warnings\").\n"
	 "--guestinfo also compares each agent's guestinfo with the files it should hold.\n"},
	{"destroy", cli_cmd_destroy, O_PLAN | O_CONN | O_RUN | O_KEEP | O_GI | O_DRY,
	 "destroy -f PLAN [--keep-portgroup] [--guestinfo] [--dry-run]",
	 "remove the agents' trunk NICs, then the port group when no VM uses it",
	 "Removes the trunk NICs vtrunk manages from the plan's agents, then the plan's\n"
	 "trunk port group when no VM has a NIC on it any more; --keep-portgroup leaves\n"
	 "it in place. With \"tags\" in the plan the tag is detached from the agents and\n"
	 "the port group (tag and category stay). --guestinfo also removes the\n"
	 "guestinfo.vtrunk.* keys from the agents. --dry-run shows what it would remove\n"
	 "and changes nothing: exit 4 when it would change something, 0 when not.\n"},
	{"watch", cli_cmd_watch, O_PLAN | O_OUT | O_CONN | O_RUN | O_STRICT | O_GI | O_RESYNC,
	 "watch -f PLAN [-o DIR] [--guestinfo] [--resync S] [--json]",
	 "configure the VMs the plan's \"autoscale\" matches as they appear (Kasm AutoScale)",
	 "Runs until SIGTERM or SIGINT. One PropertyCollector filter on the VMs' names\n"
	 "(WaitForUpdatesEx) tells it when a VM matching \"autoscale\".match appears or\n"
	 "is renamed; each time it runs what apply runs: the trunk and management NICs,\n"
	 "the VM's slot (extraConfig guestinfo.vtrunk.slot, in the same reconfigure as\n"
	 "the NICs), with --guestinfo its guest files, and the plan's tag. A slot is free\n"
	 "again once its VM is gone. After a session expiry, a dropped connection or a\n"
	 "vCenter restart it logs in again, makes a new filter and re-reads everything.\n"
	 "Every --resync seconds it re-reads everything anyway (a missed update, a NIC\n"
	 "removed by hand, a tag attached: tags are not in the filter, so a VM that is an\n"
	 "agent by \"autoscale\".tag alone is found at these re-reads).\n"
	 "One line per action on stdout (configured, gone, renamed, error, reconnect,\n"
	 "resync, start, stop); --json: one JSON object a line. SIGTERM lets the VM being\n"
	 "configured finish, then exits 0. See contrib/vtrunk-watch.service.\n"},
	{"render", cli_cmd_render, O_PLAN | O_OUT, "render -f PLAN -o DIR",
	 "write the guest files from the plan alone (no vCenter)",
	 "Interfaces are bound by name, since no MAC address is known offline. An agent\n"
	 "named by uuid or moref gets a directory of that value (its VM's name is unknown).\n"
	 "DIR is checked as by apply (exit 2 when it cannot be written).\n"},
	{"ls", cli_cmd_ls, O_CONN | O_RUN | O_TAG, "ls [switches|portgroups|vms] [--tag TAG]",
	 "list distributed switches, port groups (with VLAN spec) or VMs (with NICs)",
	 "Without an argument, lists port groups. --tag lists only the objects that\n"
	 "carry that vCenter tag: TAG is the tag of that name on the objects listed\n"
	 "(CATEGORY/TAG when tags of that name in several categories are on them).\n"
	 "It asks vCenter which tags the listed objects carry and reads only those;\n"
	 "every category is read only for a tag on none of them. With --json, each VM\n"
	 "also has its inventory path, moref, uuid and instance_uuid (what a plan's\n"
	 "agent may name it by: \"vm\": \"/DC0/vm/folder/name\", \"moref\", \"uuid\").\n"},
	{"thumbprint", cli_cmd_thumbprint, O_CONN | O_RUN, "thumbprint",
	 "print the server certificate's SHA-256 and SHA-1 fingerprints",
	 "Connects without verifying, prints the fingerprints, the certificate's subject,\n"
	 "issuer and validity dates (with --json: subject, issuer, not_before, not_after,\n"
	 "expired), and sends nothing else.\n"
	 "Check them out of band, then pin with --thumbprint or VTRUNK_THUMBPRINT.\n"},
	{"version", cmd_version, 0, "version", "print the version", ""},
	{"help", cmd_help, 0, "help [COMMAND]", "show help for vtrunk or a command", ""},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

enum {
	OPT_JSON = 256, OPT_PARALLEL, OPT_TIMEOUT, OPT_DEBUG, OPT_URL, OPT_USER, OPT_PWFILE,
	OPT_PWSTDIN, OPT_INSECURE, OPT_THUMB, OPT_CAFILE, OPT_KEEP, OPT_STRICT,
	OPT_GI, OPT_TAG, OPT_DRY, OPT_RESYNC,
};

static const struct option longopts[] = {
	{"file", required_argument, NULL, 'f'},
	{"output", required_argument, NULL, 'o'},
	{"json", no_argument, NULL, OPT_JSON},
	{"parallel", required_argument, NULL, OPT_PARALLEL},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"debug", required_argument, NULL, OPT_DEBUG},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"url", required_argument, NULL, OPT_URL},
	{"username", required_argument, NULL, OPT_USER},
	{"password-file", required_argument, NULL, OPT_PWFILE},
	{"password-stdin", no_argument, NULL, OPT_PWSTDIN},
	{"insecure", no_argument, NULL, OPT_INSECURE},
	{"thumbprint", required_argument, NULL, OPT_THUMB},
	{"ca-file", required_argument, NULL, OPT_CAFILE},
	{"keep-portgroup", no_argument, NULL, OPT_KEEP},
	{"strict", no_argument, NULL, OPT_STRICT},
	{"guestinfo", no_argument, NULL, OPT_GI},
	{"tag", required_argument, NULL, OPT_TAG},
	{"dry-run", no_argument, NULL, OPT_DRY},
	{"resync", required_argument, NULL, OPT_RESYNC},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static const char global_help[] =
	"Global options:\n"
	"  --json              one JSON document on stdout; messages go to stderr\n"
	"  -q, --quiet         only the closing line on stdout (\"3 changes, 0 errors\"),\n"
	"                      only errors on stderr; --json is not cut\n"
	"  -v, --verbose       say more about each step\n"
	"  --parallel N        vCenter calls in flight at once (default 8)\n"
	"  --timeout SECONDS   limit for one request (default 300) and for waiting on tasks\n"
	"                      (default 3600); an answer slower than 100 bytes a second for\n"
	"                      45 s is given up on sooner; a task wait polls at most half of it\n"
	"  --debug FILE        write the SOAP and REST exchange to FILE (passwords, session keys\n"
	"                      and cookies redacted); FILE is made 0600; a symbolic link, a FIFO,\n"
	"                      another user's file is refused (devices, /dev/stderr are fine)\n"
	"\n"
	"Connection (flag, then VTRUNK_*, then the govc variable):\n"
	"  --url URL           vCenter: host, host:port or https://host/sdk (no other path)\n"
	"                      (VTRUNK_URL, GOVC_URL); a user:password@ in it is used, up to\n"
	"                      the last @, percent-decoded, and never printed\n"
	"  --username USER     (VTRUNK_USERNAME, GOVC_USERNAME)\n"
	"  --password-file F   read the password from F (mode 0600 or stricter)\n"
	"  --password-stdin    read the password from the first line of stdin\n"
	"                      (or VTRUNK_PASSWORD, GOVC_PASSWORD; a prompt on a terminal)\n"
	"  --thumbprint FP     pin the certificate: SHA-256 or SHA-1, hex, colons optional\n"
	"                      (VTRUNK_THUMBPRINT; govc's GOVC_TLS_KNOWN_HOSTS files, ':'-list)\n"
	"  --ca-file FILE      verify against this CA bundle (VTRUNK_CA_FILE; GOVC_TLS_CA_CERTS,\n"
	"                      a ':'-list of files)\n"
	"  --insecure          do not verify the certificate at all (loud warning; nothing\n"
	"                      changes with a pin) (VTRUNK_INSECURE, else GOVC_INSECURE:\n"
	"                      1/true/yes or 0/false/no; another value is refused)\n"
	"  GOVC_DATACENTER     the datacenter when the plan names none (DC0 or /DC0)\n"
	"\n"
	"Exit codes: 0 done or in sync; 1 a vSphere fault, task failure or failed agent;\n"
	"2 usage error or invalid plan (nothing sent); 3 cannot connect, TLS verification\n"
	"failed, login refused, or the session refused again right after a new login;\n"
	"4 (plan, status, a dry-run destroy) changes pending or drift found.\n";

/* The global options a command without the whole set takes; NULL: all of them. */
static const char *const *global_taken(const struct cli_command *c)
{
	/* It reads the certificate of --url, with its own verification settings. */
	static const char *const thumbprint[] = {"--json", "-q,", "-v,", "--timeout", "--debug", "--url", NULL};
	static const char *const render[] = {"--json", "-q,", NULL};
	static const char *const other[] = {"--json", NULL};

	if (strcmp(c->name, "thumbprint") == 0)
		return thumbprint;
	if (c->opts & (O_CONN | O_RUN))
		return NULL;
	return strcmp(c->name, "render") == 0 ? render : other;
}

static int global_entry_taken(const char *line, const char *const *keep)
{
	for (size_t k = 0; keep && keep[k]; k++) {
		size_t n = strlen(keep[k]);
		if (strncmp(line + 2, keep[k], n) == 0 && line[2 + n] == ' ')
			return 1;
	}
	return !keep;
}

/* global_help is blank-line separated sections of "  -x, --opt ..." entries, each with
 * its continuation lines indented further. Prints the entries the command takes, in
 * the sections left with one; the exit-code paragraph goes with the connection ones. */
static void global_help_print(FILE *f, const struct cli_command *c)
{
	const char *const *keep = global_taken(c);

	if (strcmp(c->name, "help") == 0)
		return;
	for (const char *p = global_help; *p;) {
		const char *end = strstr(p, "\n\n");
		struct vm_buf b = {0};
		int taken = 0, entries = 0, kept = 0;
		char *text;

		end = end ? end + 1 : p + strlen(p);
		for (const char *l = p; l < end;) {
			const char *nl = memchr(l, '\n', (size_t)(end - l));
			size_t len = nl ? (size_t)(nl - l) + 1 : (size_t)(end - l);
			int indented = l[0] == ' ';

			if (indented && l[1] == ' ' && l[2] == '-') {
				entries++;
				taken = global_entry_taken(l, keep);
				kept += taken;
			}
			if (!indented || taken)
				vm_buf_add(&b, l, len);
			l += len;
		}
		text = vm_buf_steal(&b);
		if (entries ? kept > 0 : (c->opts & O_CONN) != 0)
			fprintf(f, "\n%s", text);
		free(text);
		p = *end ? end + 1 : end;
	}
}

static void print_help(FILE *f, const struct cli_command *c)
{
	if (!c) {
		fprintf(f, "vtrunk %s — VLAN-trunk port groups and agent NICs on vSphere for Docker ipvlan\n\n"
			   "Usage: vtrunk COMMAND [OPTIONS]\n\nCommands:\n", VTRUNK_VERSION);
		/* A synopsis too long for its column gets a line of its own, so it never runs into
		 * its description. */
		for (size_t i = 0; i < N_COMMANDS; i++)
			if (strlen(commands[i].usage) > 36)
				fprintf(f, "  %s\n%39s%s\n", commands[i].usage, "", commands[i].summary);
			else
				fprintf(f, "  %-36s %s\n", commands[i].usage, commands[i].summary);
		fprintf(f, "\nRun `vtrunk help COMMAND` or `vtrunk COMMAND --help` for details.\n\n%s", global_help);
		return;
	}
	fprintf(f, "Usage: vtrunk %s\n\n%s.\n%s%s", c->usage, c->summary, *c->details ? "\n" : "", c->details);
	if (c->opts & (O_PLAN | O_OUT | O_KEEP | O_STRICT | O_GI | O_TAG | O_DRY | O_RESYNC))
		fprintf(f, "\nOptions:\n");
	if (c->opts & O_PLAN)
		fprintf(f, "  -f, --file PLAN     the plan (JSON; see README.md, \"Plan file\"); - for stdin\n");
	if (c->opts & O_OUT)
		fprintf(f, "  -o, --output DIR    where the guest files go%s\n",
			strcmp(c->name, "apply") == 0 || strcmp(c->name, "watch") == 0 ? " (default ./vtrunk-out)" : "");
	if (c->opts & O_KEEP)
		fprintf(f, "  --keep-portgroup    do not remove the port group\n");
	if (c->opts & O_STRICT)
		fprintf(f, "  --strict            uplinks that do not carry every VLAN of the plan, and an\n"
			   "                      agent's mgmt_address that VMware Tools does not report on\n"
			   "                      its management NIC, are errors (exit 1, nothing changed),\n"
			   "                      not warnings\n");
	if (c->opts & O_GI)
		fprintf(f, "  --guestinfo         %s\n",
			strcmp(c->name, "destroy") == 0
				? "also remove the guestinfo.vtrunk.* keys from the agents"
			: strcmp(c->name, "apply") == 0 || strcmp(c->name, "watch") == 0
				? "each agent's netplan and docker-networks.sh in its VM's\n"
				  "                      extraConfig too (guestinfo.vtrunk.netplan, .docker; base64)"
				/* plan and status only read it. */
				: "also compare each agent's guestinfo.vtrunk.* keys with what\n"
				  "                      apply --guestinfo would write there");
	if (c->opts & O_DRY)
		fprintf(f, "  --dry-run           show what destroy would remove; change nothing (exit 4: it\n"
			   "                      would change something, 0: nothing)\n");
	if (c->opts & O_RESYNC)
		fprintf(f, "  --resync SECONDS    a full re-read at least this often (default %d; 0: only\n"
			   "                      after a reconnect)\n", CLI_WATCH_RESYNC_S);
	if (c->opts & O_TAG)
		fprintf(f, "  --tag TAG           only objects with this vCenter tag (or CATEGORY/TAG)\n");
	global_help_print(f, c);
}

static int cmd_version(struct cli_ctx *ctx)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

	if (ctx->json)
		printf("{\"version\": \"%s\", \"libcurl\": \"%s\", \"ssl\": \"%s\", \"libxml2\": \"%s\"}\n",
		       VTRUNK_VERSION, cv->version, cv->ssl_version ? cv->ssl_version : "", xmlParserVersion);
	else
		printf("vtrunk %s (libcurl %s, %s, libxml2 %s)\n", VTRUNK_VERSION, cv->version,
		       cv->ssl_version ? cv->ssl_version : "no TLS", xmlParserVersion);
	return CLI_EXIT_OK;
}

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int cmd_help(struct cli_ctx *ctx)
{
	const struct cli_command *c = NULL;

	if (ctx->n_args > 0 && !(c = find_command(ctx->args[0]))) {
		fprintf(stderr, "vtrunk: help: no command \"%s\"; see `vtrunk help`\n", ctx->args[0]);
		return CLI_EXIT_USAGE;
	}
	print_help(stdout, c);
	return CLI_EXIT_OK;
}

int cli_exit_code(enum vm_err_kind kind)
{
	switch (kind) {
	case VM_ERR_NONE: return CLI_EXIT_OK;
	case VM_ERR_USAGE: return CLI_EXIT_USAGE;
	case VM_ERR_NET:
	case VM_ERR_TLS:
	case VM_ERR_AUTH: return CLI_EXIT_CONNECT;
	default: return CLI_EXIT_FAIL;
	}
}

int cli_exit_code_changed(enum vm_err_kind kind)
{
	/* A connection that breaks once changes went out is exit 1, never 3: a script must not
	 * read "could not connect, nothing happened" then. A session vCenter refuses again right
	 * after a new login is another matter: nothing more can be done until an admin looks at
	 * the account or the session limits, which is what exit 3 tells. */
	return kind == VM_ERR_AUTH ? CLI_EXIT_CONNECT : CLI_EXIT_FAIL;
}

int cli_fail(const struct cli_ctx *ctx, const struct vm_err *err)
{
	/* Messages carry vCenter's own words (fault texts, names): one line, no controls. */
	char *msg = vm_text_display(err->msg[0] ? err->msg : "failed");

	(void)ctx;
	fprintf(stderr, "vtrunk: %s\n", msg);
	free(msg);
	if (err->kind == VM_ERR_TLS) {
		const char *fp = strstr(err->msg, "SHA-256 ");
		if (fp && strstr(err->msg, "could not be verified"))
			fprintf(stderr, "vtrunk: if that is your vCenter's certificate, pin it: --thumbprint %s\n"
					"vtrunk: (or set VTRUNK_THUMBPRINT, or give its CA with --ca-file)\n",
				fp + strlen("SHA-256 fingerprint is "));
	}
	return cli_exit_code(err->kind);
}

int cli_fail_doc(const struct cli_ctx *ctx, const struct vm_err *err)
{
	int rc = cli_fail(ctx, err);

	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "error", err->msg[0] ? err->msg : "failed");
		if (err->fault[0])
			cJSON_AddStringToObject(doc, "fault", err->fault);
		cJSON_AddNumberToObject(doc, "errors", 1);
		cli_json_print(doc);
		cJSON_Delete(doc);
	}
	return rc;
}

void cli_json_print(const cJSON *root)
{
	char *text = cJSON_Print(root), *safe = vm_text_json_safe(text);

	printf("%s\n", safe);
	free(safe);
	free(text);
}

void cli_info(const struct cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *line, *shown;
	size_t len;
	int nl;

	if (ctx->quiet)
		return;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	/* Names from vCenter go into these lines: each line is shown through
	 * vm_text_display(), its own line ends kept. */
	len = strlen(line);
	nl = len && line[len - 1] == '\n';
	if (nl)
		line[len - 1] = '\0';
	shown = vm_text_display(line);
	fprintf(stderr, "%s%s", shown, nl ? "\n" : "");
	free(shown);
	free(line);
}

static int parse_long(const char *opt, const char *v, long lo, long hi, long *out)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (!*v || *end || n < lo || n > hi) {
		fprintf(stderr, "vtrunk: %s takes a whole number from %ld to %ld, not \"%s\"\n", opt, lo, hi, v);
		return -1;
	}
	*out = n;
	return 0;
}

/* --debug FILE. The trace holds what vCenter answered (names, keys, the whole inventory):
 * only the user may read it, and a name in a shared directory must not make vtrunk write
 * somewhere else. So a symbolic link at the path is refused, not followed (one planted in
 * /tmp would have vtrunk overwrite whatever it points to, with the user's rights), and so is
 * anything but a regular file of the user's with one link: a FIFO (opened without blocking,
 * then refused), a directory, a socket, another user's file, a hard link to a file elsewhere.
 * Character devices are the exception (/dev/null, a terminal): written to as they are.
 * /dev/stdout and /dev/stderr (symbolic links on Linux) name vtrunk's own streams and are
 * written to where they stand, never emptied. A regular file is made 0600 before anything is
 * written to it and emptied only once it has passed these checks. NULL: refused, said why. */
static const char *file_kind(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISDIR(m) ? "a directory" : S_ISSOCK(m) ? "a socket"
	       : S_ISBLK(m) ? "a block device" : "not a regular file";
}

static FILE *debug_open(const char *path)
{
	struct stat st;
	FILE *f;
	int fd, std = strcmp(path, "/dev/stdout") == 0 ? 1 : strcmp(path, "/dev/stderr") == 0 ? 2 : -1;

	if (std >= 0) {
		fd = fcntl(std, F_DUPFD_CLOEXEC, 3);
		goto opened;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == ELOOP)
			fprintf(stderr, "vtrunk: --debug: %s is a symbolic link; vtrunk does not write its trace "
					"through one (name the file itself)\n", path);
		else if ((errno == ENXIO || errno == EISDIR) && lstat(path, &st) == 0)
			fprintf(stderr, "vtrunk: --debug: %s is %s, not a regular file\n", path, file_kind(st.st_mode));
		else
			fprintf(stderr, "vtrunk: --debug: cannot write %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		fprintf(stderr, "vtrunk: --debug: cannot read what %s is: %s\n", path, strerror(errno));
		goto refused;
	}
	if (S_ISCHR(st.st_mode))
		goto checked;
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "vtrunk: --debug: %s is %s, not a regular file\n", path, file_kind(st.st_mode));
		goto refused;
	}
	if (st.st_uid != geteuid()) {
		fprintf(stderr, "vtrunk: --debug: %s belongs to another user (uid %u); the trace goes to a file of "
				"your own\n", path, (unsigned)st.st_uid);
		goto refused;
	}
	if (st.st_nlink > 1) {
		fprintf(stderr, "vtrunk: --debug: %s has %lu hard links; the trace goes to a file with one\n", path,
			(unsigned long)st.st_nlink);
		goto refused;
	}
	if (((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0) || ftruncate(fd, 0) < 0) {
		fprintf(stderr, "vtrunk: --debug: cannot make %s private and empty: %s\n", path, strerror(errno));
		goto refused;
	}
checked:
	/* Blocking again: a terminal's writes must not fail with EAGAIN. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
opened:
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		fprintf(stderr, "vtrunk: --debug: cannot write %s: %s\n", path, strerror(errno));
		goto refused;
	}
	return f;
refused:
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void ctx_free(struct cli_ctx *ctx)
{
	free(ctx->plan_path);
	free(ctx->out_dir);
	free(ctx->url);
	free(ctx->username);
	free(ctx->password_file);
	free(ctx->thumbprint);
	free(ctx->ca_file);
	free(ctx->tag);
	if (ctx->debug)
		fclose(ctx->debug);
}

static void on_signal(int sig)
{
	static const char first[] = "\nvtrunk: interrupted: sending nothing new, finishing what was started, then logging out (again to abandon it)\n";
	static const char second[] = "\nvtrunk: interrupted again: abandoning calls in flight and waits; reading "
				     "what vCenter holds for the report, logging out (again to skip that)\n";
	static const char third[] = "\nvtrunk: interrupted a third time: stopping now\n";
	const char *msg = cli_stop == 0 ? first : cli_stop == 1 ? second : third;
	size_t len = cli_stop == 0 ? sizeof(first) - 1 : cli_stop == 1 ? sizeof(second) - 1 : sizeof(third) - 1;

	(void)sig;
	if (cli_stop < 3)
		cli_stop++;
	if (write(STDERR_FILENO, msg, len) < 0)
		return;
}

static void harden(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* The password is in memory for the whole run: no core file may carry it. */
	struct rlimit none = {0, 0};
	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = {.parallel = 8, .insecure = -1, .resync = CLI_WATCH_RESYNC_S};
	const struct cli_command *cmd = NULL;
	unsigned given = 0;
	int c, rc = CLI_EXIT_USAGE, help = 0;
	long n;

	harden();
	/* getopt_long permutes: options may stand before or after the command. */
	while ((c = getopt_long(argc, argv, "f:o:qvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': free(ctx.plan_path); ctx.plan_path = vm_xstrdup(optarg); given |= O_PLAN; break;
		case 'o': free(ctx.out_dir); ctx.out_dir = vm_xstrdup(optarg); given |= O_OUT; break;
		case 'q': ctx.quiet = 1; break;
		case 'v': ctx.verbose++; break;
		case 'h': help = 1; break;
		case 'V': printf("vtrunk %s\n", VTRUNK_VERSION); rc = 0; goto out;
		case OPT_JSON: ctx.json = 1; break;
		case OPT_PARALLEL:
			if (parse_long("--parallel", optarg, 1, 64, &n) < 0)
				goto out;
			ctx.parallel = (int)n;
			given |= O_RUN;
			break;
		case OPT_TIMEOUT:
			if (parse_long("--timeout", optarg, 1, 86400, &n) < 0)
				goto out;
			ctx.timeout = n;
			given |= O_RUN;
			break;
		case OPT_DEBUG:
			if (ctx.debug)
				fclose(ctx.debug);
			if (!(ctx.debug = debug_open(optarg)))
				goto out;
			given |= O_RUN;
			break;
		case OPT_URL: free(ctx.url); ctx.url = vm_xstrdup(optarg); given |= O_CONN; break;
		case OPT_USER: free(ctx.username); ctx.username = vm_xstrdup(optarg); given |= O_CONN; break;
		case OPT_PWFILE: free(ctx.password_file); ctx.password_file = vm_xstrdup(optarg); given |= O_CONN; break;
		case OPT_PWSTDIN: ctx.password_stdin = 1; given |= O_CONN; break;
		case OPT_INSECURE: ctx.insecure = 1; given |= O_CONN; break;
		case OPT_THUMB: free(ctx.thumbprint); ctx.thumbprint = vm_xstrdup(optarg); given |= O_CONN; break;
		case OPT_CAFILE: free(ctx.ca_file); ctx.ca_file = vm_xstrdup(optarg); given |= O_CONN; break;
		case OPT_KEEP: ctx.keep_portgroup = 1; given |= O_KEEP; break;
		case OPT_STRICT: ctx.strict = 1; given |= O_STRICT; break;
		case OPT_GI: ctx.guestinfo = 1; given |= O_GI; break;
		case OPT_DRY: ctx.dry_run = 1; given |= O_DRY; break;
		case OPT_TAG: free(ctx.tag); ctx.tag = vm_xstrdup(optarg); given |= O_TAG; break;
		case OPT_RESYNC:
			if (parse_long("--resync", optarg, 0, 86400, &n) < 0)
				goto out;
			ctx.resync = n;
			given |= O_RESYNC;
			break;
		default:
			fprintf(stderr, "vtrunk: see `vtrunk help` for the options\n");
			goto out;
		}
	}
	if (optind >= argc) {
		print_help(help ? stdout : stderr, NULL);
		rc = help ? CLI_EXIT_OK : CLI_EXIT_USAGE;
		goto out;
	}
	cmd = find_command(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "vtrunk: unknown command \"%s\"; see `vtrunk help`\n", argv[optind]);
		goto out;
	}
	if (help) {
		print_help(stdout, cmd);
		rc = CLI_EXIT_OK;
		goto out;
	}
	if (given & ~cmd->opts & (O_PLAN | O_OUT | O_KEEP | O_CONN | O_STRICT | O_GI | O_TAG | O_DRY | O_RESYNC)) {
		fprintf(stderr, "vtrunk: %s does not take %s; see `vtrunk %s --help`\n", cmd->name,
			(given & ~cmd->opts & O_PLAN) ? "-f" : (given & ~cmd->opts & O_OUT) ? "-o"
			: (given & ~cmd->opts & O_KEEP) ? "--keep-portgroup"
			: (given & ~cmd->opts & O_STRICT) ? "--strict"
			: (given & ~cmd->opts & O_GI) ? "--guestinfo"
			: (given & ~cmd->opts & O_TAG) ? "--tag"
			: (given & ~cmd->opts & O_DRY) ? "--dry-run"
			: (given & ~cmd->opts & O_RESYNC) ? "--resync" : "connection options", cmd->name);
		goto out;
	}
	if ((cmd->opts & O_PLAN) && !ctx.plan_path) {
		fprintf(stderr, "vtrunk: %s needs a plan: vtrunk %s\n", cmd->name, cmd->usage);
		goto out;
	}
	if (strcmp(cmd->name, "render") == 0 && !ctx.out_dir) {
		fprintf(stderr, "vtrunk: render needs an output directory: vtrunk %s\n", cmd->usage);
		goto out;
	}
	ctx.command = cmd->name;
	ctx.args = argv + optind + 1;
	ctx.n_args = argc - optind - 1;
	if (ctx.n_args > (strcmp(cmd->name, "ls") == 0 || strcmp(cmd->name, "help") == 0 ? 1 : 0)) {
		fprintf(stderr, "vtrunk: %s: unexpected argument \"%s\"; usage: vtrunk %s\n", cmd->name,
			ctx.args[ctx.n_args - 1], cmd->usage);
		goto out;
	}
	rc = cmd->run(&ctx);
out:
	ctx_free(&ctx);
	xmlCleanupParser();
	curl_global_cleanup();
	return rc;
}
