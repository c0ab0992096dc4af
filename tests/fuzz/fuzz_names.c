/* fuzz_names.c — libFuzzer target for hostile names in every sink vtrunk writes them to
 * (issue 15): VM, port group and network names that came from vCenter or a plan, pushed
 * straight through the emitters (past the plan loader, which refuses most of them), so
 * each sink is shown safe on its own. Checked with the real parsers' rules:
 *
 *  - vm_guest_yaml_quote(): libyaml (what netplan parses with) reads the scalar back as
 *    exactly the name (for valid UTF-8);
 *  - vm_guest_sh_quote(): bash reads the word back as exactly the name, byte for byte;
 *  - the netplan file parses with libyaml into exactly the two interfaces of the plan,
 *    the management one with exactly the plan's address: no name can add a key;
 *  - the ifupdown file: every line is empty, a comment, an indented option or a
 *    stanza of a known keyword; bash parses both scripts; bash evaluates the
 *    variables block of vtrunk-apply.sh to the plan's VM name;
 *  - every emitted file, vm_text_display() and cli_plan_quote(): valid UTF-8 with no
 *    code point vm_text_unsafe() names except the files' own newlines and tabs.
 *
 * Input: up to three names separated by NUL bytes (VM, trunk port group, management
 * network); a missing one is "x". Needs /bin/bash; writes one file, /tmp/fuzz-names-PID.sh. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "cli_plan_text.h"
#include "fuzz_common.h"
#include "vm_alloc.h"
#include "vm_apply.h"
#include "vm_docker.h"
#include "vm_guest.h"
#include "vm_ifupdown.h"
#include "vm_netplan.h"
#include "vm_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME_MAX_BYTES 300

/* One bash for the whole run (a bash a check costs 7 ms): it reads a command line, "n"
 * (parse only) or "e" (evaluate in a subshell, print what it prints, then a NUL), and
 * takes the text from a file. The text comes from fuzzed names: should quoting ever
 * break, it could run what the fuzzer made up, so that bash is restricted (-r: no output
 * redirection, no cd, no commands named by path), has no PATH (builtins only), and has
 * the builtins that reach outside it disabled. "n" parses the text as a function's
 * body: defining a function runs nothing of it, and bash parses it whole. */
static const char sh_prog[] =
	"f=$1\n"
	"enable -n kill exec ulimit umask cd trap wait suspend logout enable\n"
	"while IFS= read -r cmd; do\n"
	"  IFS= read -r -d '' s <\"$f\"\n"
	"  case $cmd in\n"
	"  n) if eval \"__vt_parse() {\n$s\n}\"; then printf '0\\n'; else printf '1\\n'; fi ;;\n"
	"  e) ( eval \"$s\" ); printf '\\0' ;;\n"
	"  esac\n"
	"done\n";

static struct {
	int in, out, fd;
	char path[64];
} sh = {-1, -1, -1, ""};

static void sh_start(void)
{
	int to[2], from[2];
	posix_spawn_file_actions_t fa;
	char *argv[] = {"/bin/bash", "-r", "-c", (char *)sh_prog, "vtrunk-fuzz", sh.path, NULL};
	char *env[] = {"PATH=/nonexistent", "LC_ALL=C", NULL};
	pid_t pid;

	snprintf(sh.path, sizeof(sh.path), "/tmp/fuzz-names-%ld.sh", (long)getpid());
	sh.fd = open(sh.path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(sh.fd >= 0, "cannot create %s", sh.path);
	if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0)
		abort();
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, to[0], 0);
	posix_spawn_file_actions_adddup2(&fa, from[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	FUZZ_CHECK(posix_spawn(&pid, argv[0], &fa, NULL, argv, env) == 0, "cannot run /bin/bash");
	posix_spawn_file_actions_destroy(&fa);
	close(to[0]);
	close(from[1]);
	sh.in = to[1];
	sh.out = from[0];
	signal(SIGPIPE, SIG_IGN);
}

/* Sends cmd with text; the answer up to and including `end` into *out. */
static void sh_ask(char cmd, const char *text, char end, struct vm_buf *out)
{
	char line[2] = {cmd, '\n'}, c;
	size_t len = strlen(text);
	ssize_t n;

	if (sh.in < 0)
		sh_start();
	FUZZ_CHECK(ftruncate(sh.fd, 0) == 0 && pwrite(sh.fd, text, len, 0) == (ssize_t)len,
		   "cannot write %s", sh.path);
	/* libFuzzer's timeout timer interrupts system calls: EINTR means again. */
	while ((n = write(sh.in, line, 2)) < 0 && errno == EINTR)
		;
	FUZZ_CHECK(n == 2, "the checking bash is gone");
	for (;;) {
		n = read(sh.out, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		FUZZ_CHECK(n == 1, "the checking bash is gone");
		vm_buf_add(out, &c, 1);
		if (c == end)
			return;
	}
}

/* Valid UTF-8, and nothing vm_text_unsafe() names but newlines and tabs (lines=1). */
static void clean_check(const char *what, const char *s, int lines)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t c = 0;
		size_t n = vm_text_decode(p, &c);

		FUZZ_CHECK(n > 0, "%s: invalid UTF-8 at byte %zu", what, (size_t)(p - (const unsigned char *)s));
		FUZZ_CHECK(!vm_text_unsafe(c) || (lines && (c == '\n' || c == '\t')),
			   "%s: U+%04X (%s) at byte %zu", what, (unsigned)c, vm_text_unsafe(c),
			   (size_t)(p - (const unsigned char *)s));
		p += n;
	}
}

/* ---- libyaml: a document as a tree ---- */

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map, const char *key, size_t *n_keys)
{
	yaml_node_t *found = NULL;

	FUZZ_CHECK(map && map->type == YAML_MAPPING_NODE, "netplan: %s: not under a mapping", key);
	if (n_keys)
		*n_keys = 0;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);
		if (n_keys)
			(*n_keys)++;
		if (k && k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, key) == 0)
			found = yaml_document_get_node(d, p->value);
	}
	return found;
}

static int yaml_load(const char *text, yaml_document_t *doc)
{
	yaml_parser_t parser;
	int ok;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	ok = yaml_parser_load(&parser, doc);
	yaml_parser_delete(&parser);
	if (!ok)
		return -1;
	if (!yaml_document_get_root_node(doc)) {
		yaml_document_delete(doc);
		return -1;
	}
	return 0;
}

static void yaml_quote_check(const char *name)
{
	struct vm_buf b = {0};
	yaml_document_t doc;
	yaml_node_t *root;
	int utf8 = 1;

	for (const unsigned char *p = (const unsigned char *)name; *p && utf8;) {
		uint32_t c;
		size_t n = vm_text_decode(p, &c);
		utf8 = n > 0;
		p += n;
	}

	vm_buf_adds(&b, "k: ");
	vm_guest_yaml_quote(&b, name);
	vm_buf_adds(&b, "\n");
	clean_check("yaml_quote", b.data, 1);
	FUZZ_CHECK(yaml_load(b.data, &doc) == 0, "libyaml refuses %s", b.data);
	root = yaml_document_get_root_node(&doc);
	root = map_get(&doc, root, "k", NULL);
	FUZZ_CHECK(root && root->type == YAML_SCALAR_NODE, "yaml_quote: no scalar");
	if (utf8)
		FUZZ_CHECK(root->data.scalar.length == strlen(name) &&
				   memcmp(root->data.scalar.value, name, strlen(name)) == 0,
			   "yaml_quote: libyaml reads back another string than the name");
	yaml_document_delete(&doc);
	vm_buf_reset(&b);
}

static void netplan_check(const char *text, const struct vm_plan *plan)
{
	yaml_document_t doc;
	yaml_node_t *root, *eth, *mgmt, *addrs, *a;
	size_t n;

	clean_check("netplan", text, 1);
	FUZZ_CHECK(yaml_load(text, &doc) == 0, "libyaml refuses the netplan file:\n%s", text);
	root = yaml_document_get_root_node(&doc);
	map_get(&doc, root, "network", &n);
	FUZZ_CHECK(n == 1, "netplan: %zu top-level keys", n);
	eth = map_get(&doc, map_get(&doc, root, "network", NULL), "ethernets", NULL);
	map_get(&doc, eth, "x", &n);
	FUZZ_CHECK(n == 2, "netplan: %zu interfaces, not the plan's two", n);
	mgmt = map_get(&doc, eth, plan->guest.mgmt_ifname, NULL);
	addrs = map_get(&doc, mgmt, "addresses", NULL);
	FUZZ_CHECK(addrs && addrs->type == YAML_SEQUENCE_NODE &&
			   addrs->data.sequence.items.top - addrs->data.sequence.items.start == 1,
		   "netplan: the management NIC has not exactly one address");
	a = yaml_document_get_node(&doc, *addrs->data.sequence.items.start);
	FUZZ_CHECK(a && a->type == YAML_SCALAR_NODE && strcmp((char *)a->data.scalar.value, "10.0.0.11/24") == 0,
		   "netplan: the management address is not the plan's");
	FUZZ_CHECK(!map_get(&doc, map_get(&doc, eth, plan->guest.trunk_ifname, NULL), "addresses", NULL),
		   "netplan: the trunk got an address");
	yaml_document_delete(&doc);
}

static void ifupdown_check(const char *text)
{
	static const char *const words[] = {"auto ", "iface ", "source ", "allow-hotplug ", NULL};
	const char *line = text;

	clean_check("ifupdown", text, 1);
	while (*line) {
		size_t len = strcspn(line, "\n");
		int ok = len == 0 || line[0] == '#' || line[0] == '\t';

		for (int k = 0; !ok && words[k]; k++)
			ok = strncmp(line, words[k], strlen(words[k])) == 0;
		FUZZ_CHECK(ok, "ifupdown: a line ifupdown would not read as ours: %.*s", (int)len, line);
		line += len + (line[len] == '\n');
	}
}

static void script_check(const char *what, const char *text)
{
	struct vm_buf r = {0};

	clean_check(what, text, 1);
	sh_ask('n', text, '\n', &r);
	FUZZ_CHECK(strcmp(r.data, "0\n") == 0, "%s: bash cannot parse it", what);
	vm_buf_reset(&r);
}

/* The word sh_quote() made, and the variables of vtrunk-apply.sh, read back by bash.
 * The block runs from the first "set -eu" line (the comment above it cannot hold a
 * newline) to the last HAVE_IFUPDOWN= line (the name comes before it). */
static void sh_check(const char *name, const char *apply)
{
	const char *from = strstr(apply, "\nset -eu\n"), *to = NULL;
	struct vm_buf in = {0}, out = {0};
	size_t len = strlen(name);

	for (const char *h = apply; (h = strstr(h, "\nHAVE_IFUPDOWN=")) != NULL; h++)
		to = h;
	FUZZ_CHECK(from && to && to > from, "vtrunk-apply.sh: no variables block");
	vm_buf_adds(&in, "X=");
	vm_guest_sh_quote(&in, name);
	vm_buf_add(&in, from, (size_t)(to - from + 1));
	vm_buf_adds(&in, "printf '%s|%s' \"$X\" \"$VM\"\n");
	sh_ask('e', in.data, '\0', &out);
	FUZZ_CHECK(out.len == 2 * len + 2 && memcmp(out.data, name, len) == 0 &&
			   out.data[len] == '|' && memcmp(out.data + len + 1, name, len) == 0,
		   "bash reads the quoted name back as something else:\n%s", in.data);
	vm_buf_reset(&in);
	vm_buf_reset(&out);
}

static struct vm_plan *plan_make(const char *vm, const char *pg, const char *net);

/* vtrunk-apply.sh: names reach only its head (comment and variables), so the rest must
 * be the very text a plain name gets; bash then parses the head, clean, and reads VM back.
 * (Parsing the whole 9 KB script each time would cost most of the run.) */
static void apply_check(const char *text, const char *name, const struct vm_guest_agent *ga)
{
	struct vm_plan *plain = plan_make("x", "x", "x");
	char *ref = vm_apply_emit(plain, 0, ga);
	const char *tail = NULL, *ref_tail = NULL;
	char *head;

	clean_check("vtrunk-apply.sh", text, 1);
	for (const char *h = text; (h = strstr(h, "\nHAVE_IFUPDOWN=")) != NULL; h++)
		tail = h;
	ref_tail = strstr(ref, "\nHAVE_IFUPDOWN=");
	FUZZ_CHECK(tail && ref_tail && strcmp(tail, ref_tail) == 0,
		   "vtrunk-apply.sh: a name changed the script after its variables");
	head = vm_xstrndup(text, (size_t)(tail - text));
	script_check("vtrunk-apply.sh (head)", head);
	sh_check(name, text);
	free(head);
	free(ref);
	vm_plan_free(&plain);
}

static struct vm_plan *plan_make(const char *vm, const char *pg, const char *net)
{
	static const char *const dns = "10.0.0.2";
	struct vm_plan *p = vm_xcalloc(1, sizeof(*p));

	p->sw = vm_xstrdup("DVS0");
	p->trunk.portgroup = vm_xstrdup(pg);
	if (vm_vlan_parse("100-200", &p->trunk.vlans, NULL) < 0)
		abort();
	p->has_management = 1;
	p->management.network = vm_xstrdup(net);
	p->management.prefix = 24;
	p->management.gateway = 0x0a000001;
	p->management.has_gateway = 1;
	p->management.dns = vm_xcalloc(1, sizeof(char *));
	p->management.dns[0] = vm_xstrdup(dns);
	p->management.n_dns = 1;
	p->guest.formats = VM_FMT_IFUPDOWN | VM_FMT_NETPLAN;
	p->guest.trunk_ifname = vm_xstrdup("ens160");
	p->guest.mgmt_ifname = vm_xstrdup("ens192");
	p->guest.docker_version = vm_xstrdup("18.09");
	p->vlans = vm_xcalloc(1, sizeof(*p->vlans));
	p->vlans[0] = (struct vm_plan_vlan){.id = 150, .subnet = 0x0a960000, .prefix = 22,
					    .gateway = 0x0a960001, .agent_prefix = 25,
					    .network = vm_xstrdup("vlan150")};
	p->n_vlans = 1;
	p->agents = vm_xcalloc(1, sizeof(*p->agents));
	p->agents[0] = (struct vm_plan_agent){.vm = vm_xstrdup(vm), .mgmt_address = 0x0a00000b};
	p->n_agents = 1;
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *names[3] = {NULL, NULL, NULL}, *text, *s;
	const char *p = (const char *)data, *end = p + (size > NAME_MAX_BYTES ? NAME_MAX_BYTES : size);
	struct vm_guest_nic t = {.mac = "00:50:56:aa:bb:01"}, m = {.mac = "00:50:56:aa:bb:02"};
	struct vm_guest_agent ga = {&t, &m};
	struct vm_plan *plan;
	char q[256];

	for (int k = 0; k < 3; k++) {
		const char *z = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
		size_t len = p < end ? (z ? (size_t)(z - p) : (size_t)(end - p)) : 0;
		names[k] = len ? vm_xstrndup(p, len) : vm_xstrdup("x");
		p += len + (z != NULL);
	}
	yaml_quote_check(names[0]);
	s = vm_text_display(names[0]);
	clean_check("vm_text_display", s, 0);
	free(s);
	cli_plan_quote(names[0], q, sizeof(q));
	clean_check("cli_plan_quote", q, 0);

	plan = plan_make(names[0], names[1], names[2]);
	text = vm_netplan_emit(plan, 0, &ga);
	netplan_check(text, plan);
	free(text);
	text = vm_ifupdown_emit(plan, 0, &ga);
	ifupdown_check(text);
	free(text);
	text = vm_docker_networks_emit(plan, 0, &ga);
	script_check("docker-networks.sh", text);
	free(text);
	text = vm_docker_daemon_emit(plan);
	clean_check("daemon.json", text, 1);
	free(text);
	text = vm_apply_emit(plan, 0, &ga);
	apply_check(text, names[0], &ga);
	free(text);

	vm_plan_free(&plan);
	for (int k = 0; k < 3; k++)
		free(names[k]);
	return 0;
}
