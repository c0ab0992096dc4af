/* test_guest.c — the guest emitters against golden files, vm_guest_write's tree
 * (files, modes, stale files), its refusals, and the quoting helpers.
 *
 * Golden files live in fixtures/golden/<case>/, laid out exactly as vm_guest_write
 * writes a tree. VTRUNK_REGEN=1 rewrites them from the current emitters (review the
 * diff before committing it).
 *
 * The program doubles as a renderer for tests/guest/check-guest.sh, which checks the
 * trees with the real tools:
 *   test_guest --write DIR [CASE...]   writes DIR/<case>/ for each case (default all)
 *   test_guest --hostile DIR           writes hostile-name netplan files (write_hostile)
 *   test_guest --cases                 lists the cases
 */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_plan.h"
#include "vm_alloc.h"
#include "vm_apply.h"
#include "vm_docker.h"
#include "vm_guest.h"
#include "vm_guestinfo.h"
#include "vm_text.h"
#include "vm_ifupdown.h"
#include "vm_ipplan.h"
#include "vm_modules.h"
#include "vm_netplan.h"
#include "vm_summary.h"

#define GOLDEN "fixtures/golden"

/* ---- plans built in code ---- */

static uint32_t ip(const char *s)
{
	uint32_t a = 0;

	if (vm_ip_parse(s, &a) < 0) {
		fprintf(stderr, "test_guest: bad address in a test plan: %s\n", s);
		abort();
	}
	return a;
}

static char **strv(const char *const *v, size_t n)
{
	char **out = vm_xcalloc(n ? n : 1, sizeof(*out));

	for (size_t i = 0; i < n; i++)
		out[i] = vm_xstrdup(v[i]);
	return out;
}

static void vlan_add(struct vm_plan *p, int id, const char *cidr, const char *gw,
		     int agent_prefix, const char *name, enum vm_ipvlan_mode mode)
{
	struct vm_plan_vlan *v;

	p->vlans = vm_xrealloc(p->vlans, (p->n_vlans + 1) * sizeof(*p->vlans));
	v = &p->vlans[p->n_vlans++];
	memset(v, 0, sizeof(*v));
	v->id = id;
	if (vm_cidr_parse(cidr, &v->subnet, &v->prefix) < 0)
		abort();
	v->gateway = ip(gw);
	v->agent_prefix = agent_prefix;
	v->network = vm_xstrdup(name);
	v->mode = mode;
}

/* slot < 0: its position in agents, as the loader does. */
static void agent_add(struct vm_plan *p, const char *vm, const char *mgmt, int slot)
{
	struct vm_plan_agent *a;

	p->agents = vm_xrealloc(p->agents, (p->n_agents + 1) * sizeof(*p->agents));
	a = &p->agents[p->n_agents];
	memset(a, 0, sizeof(*a));
	a->vm = vm_xstrdup(vm);
	a->mgmt_address = ip(mgmt);
	a->slot = slot < 0 ? (int)p->n_agents : slot;
	a->slot_explicit = slot >= 0;
	p->n_agents++;
}

static struct vm_plan *plan_new(const char *vlans, const char *trunk, const char *mgmt,
				const char *docker, unsigned formats)
{
	struct vm_plan *p = vm_xcalloc(1, sizeof(*p));

	p->datacenter = vm_xstrdup("DC0");
	p->sw = vm_xstrdup("DVS0");
	p->trunk.portgroup = vm_xstrdup("Kasm-Trunk");
	if (vm_vlan_parse(vlans, &p->trunk.vlans, NULL) < 0)
		abort();
	p->trunk.ports = 8;
	p->has_management = 1;
	p->management.network = vm_xstrdup("VM Network");
	p->management.prefix = 24;
	p->guest.formats = formats;
	p->guest.trunk_ifname = vm_xstrdup(trunk);
	p->guest.mgmt_ifname = vm_xstrdup(mgmt);
	p->guest.docker_version = vm_xstrdup(docker);
	return p;
}

/* The guide's layout: two VLANs, three agents, the last with an explicit slot and a
 * name that needs quoting everywhere (space, quote, non-ASCII). */
static struct vm_plan *plan_basic(void)
{
	static const char *const dns[] = {"10.0.0.2", "10.0.0.3"};
	static const char *const search[] = {"corp.example", "lab.corp.example"};
	struct vm_plan *p = plan_new("100-200,300", "ens160", "ens192", "20.10",
				     VM_FMT_IFUPDOWN | VM_FMT_NETPLAN);

	p->management.gateway = ip("10.0.0.1");
	p->management.has_gateway = 1;
	p->management.dns = strv(dns, 2);
	p->management.n_dns = 2;
	p->management.search = strv(search, 2);
	p->management.n_search = 2;
	vlan_add(p, 150, "10.150.0.0/22", "10.150.0.1", 25, "vlan150", VM_MODE_L2);
	/* Gateway at the top: slot 3's block holds it and the broadcast address. */
	vlan_add(p, 300, "10.30.0.0/24", "10.30.0.254", 26, "users.blue_300", VM_MODE_L2);
	agent_add(p, "kasm-agent-01", "10.0.0.11", -1);
	agent_add(p, "kasm-agent-02", "10.0.0.12", -1);
	agent_add(p, "Kasm Agent 'tr\xc3\xaas'", "10.0.0.13", 3);
	return p;
}

/* Old Docker (daemon.json), ifupdown only, other interface names, no gateway, DNS or
 * search, a VLAN at the top of the range with reserved addresses: two outside this
 * agent's block (no --aux-address), a range and one address inside it. */
static struct vm_plan *plan_old_docker(void)
{
	struct vm_plan *p = plan_new("4000-4094", "eth1", "eth0", "18.09.7", VM_FMT_IFUPDOWN);

	p->management.prefix = 22;
	vlan_add(p, 4094, "192.168.0.0/16", "192.168.0.1", 20, "l2net", VM_MODE_L2);
	{
		static const char *const r[][2] = {{"192.168.0.2", "192.168.0.2"},
						   {"192.168.0.3", "192.168.0.3"},
						   {"192.168.32.1", "192.168.32.3"},
						   {"192.168.47.254", "192.168.47.254"}};
		struct vm_plan_vlan *v = &p->vlans[p->n_vlans - 1];

		v->n_reserved = sizeof(r) / sizeof(r[0]);
		v->reserved = vm_xcalloc(v->n_reserved, sizeof(*v->reserved));
		for (size_t k = 0; k < v->n_reserved; k++) {
			v->reserved[k].lo = ip(r[k][0]);
			v->reserved[k].hi = ip(r[k][1]);
		}
	}
	agent_add(p, "agent-x", "172.16.1.20", 2);
	return p;
}

/* NIC facts as vCenter reports them, for plan_basic's three agents. */
static const struct vm_guest_nic nic01t = {"00:50:56:AA:BB:01", 4000, "Kasm-Trunk",
					   "Network adapter 2", 0};
static const struct vm_guest_nic nic01m = {"00:50:56:aa:bb:02", 4001, "VM Network",
					   "Network adapter 1", 0};
static const struct vm_guest_nic nic02t = {"00:50:56:aa:bb:11", 4000, "Kasm-Trunk", NULL, 0};
/* vcsim hands the same MAC to several NICs: both must then be bound by name. */
static const struct vm_guest_nic nic03t = {"00:50:56:aa:bb:21", 4000, "Kasm-Trunk",
					   "ethernet--6", 0};
static const struct vm_guest_nic nic03m = {"00:50:56:aa:bb:21", 4001, "VM Network",
					   "ethernet-0", 0};
static const struct vm_guest_agent basic_macs[] = {
	{&nic01t, &nic01m},
	{&nic02t, NULL},
	{&nic03t, &nic03m},
};

struct gcase {
	const char *name;
	struct vm_plan *(*plan)(void);
	const struct vm_guest_agent *agents;
	int has_plan_file; /* fixtures/golden/<name>.plan.json holds the same plan */
};

static const struct gcase cases[] = {
	{"basic", plan_basic, NULL, 1},
	{"basic-macs", plan_basic, basic_macs, 0},
	{"old-docker", plan_old_docker, NULL, 1},
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* ---- file helpers ---- */

static char *file_read(const char *path)
{
	struct vm_buf b = {0};
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		vm_buf_add(&b, chunk, n);
	fclose(f);
	return vm_buf_steal(&b);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void tree_remove(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Compares text with the golden file (NULL text: the file must not exist). */
static void golden_check(const char *gcase, const char *vm, const char *rel, const char *text)
{
	char *path = vm ? vm_xasprintf(GOLDEN "/%s/%s/%s", gcase, vm, rel)
			: vm_xasprintf(GOLDEN "/%s/%s", gcase, rel);
	char *want = file_read(path);

	if (!text && want)
		fail_msg("%s exists, but the emitter produced no file", path);
	if (text && !want)
		fail_msg("%s: cannot read the golden file (VTRUNK_REGEN=1 writes it)", path);
	if (text && strcmp(text, want) != 0) {
		fprintf(stderr, "--- %s (golden)\n%s\n--- emitted\n%s\n", path, want, text);
		fail_msg("%s differs from the emitter's output (VTRUNK_REGEN=1 rewrites it)",
			 path);
	}
	free(want);
	free(path);
}

/* ---- golden tests ---- */

static void golden_compare(const struct gcase *c, const struct vm_plan *p)
{
	struct vm_err err = {0};
	char *s;

	if (vm_guest_check(p, c->agents, &err) < 0)
		fail_msg("%s: %s", c->name, err.msg);
	for (size_t i = 0; i < p->n_agents; i++) {
		const struct vm_guest_agent *ga = c->agents ? &c->agents[i] : NULL;
		const char *vm = p->agents[i].vm;

		s = p->guest.formats & VM_FMT_IFUPDOWN ? vm_ifupdown_emit(p, i, ga) : NULL;
		golden_check(c->name, vm, VM_GUEST_IFUPDOWN_PATH, s);
		free(s);
		s = p->guest.formats & VM_FMT_NETPLAN ? vm_netplan_emit(p, i, ga) : NULL;
		golden_check(c->name, vm, VM_GUEST_NETPLAN_PATH, s);
		free(s);
		s = vm_modules_emit(p);
		golden_check(c->name, vm, VM_GUEST_MODULES_PATH, s);
		free(s);
		s = vm_docker_daemon_emit(p);
		golden_check(c->name, vm, VM_GUEST_DAEMON_PATH, s);
		free(s);
		s = vm_docker_networks_emit(p, i, ga);
		golden_check(c->name, vm, VM_GUEST_NETWORKS_PATH, s);
		free(s);
		s = vm_apply_emit(p, i, ga);
		golden_check(c->name, vm, VM_GUEST_APPLY_PATH, s);
		free(s);
	}
	s = vm_summary_emit(p, c->agents);
	golden_check(c->name, NULL, VM_GUEST_SUMMARY_PATH, s);
	free(s);
}

static void test_golden(void **state)
{
	const struct gcase *c = *state;
	struct vm_plan *p = c->plan();

	golden_compare(c, p);
	vm_plan_free(&p);
}

/* The same plans written as JSON and read by the CLI's loader give the same files:
 * fixtures/golden/<case>.plan.json is also what check-guest.sh renders with
 * `vtrunk render`. */
static void test_golden_plan_file(void **state)
{
	const struct gcase *c = *state;
	char *path = vm_xasprintf(GOLDEN "/%s.plan.json", c->name);
	struct vm_plan *p = NULL;
	struct vm_err err = {0};

	if (cli_plan_load_file(path, &p, &err) < 0)
		fail_msg("%s: %s", path, err.msg);
	golden_compare(c, p);
	vm_plan_free(&p);
	free(path);
}

/* Every regular file under dir, relative, sorted: "a\nb\n". */
static struct vm_buf *listing;
static size_t listing_skip;
static int list_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_F)
		vm_buf_addf(listing, "%s\n", path + listing_skip);
	return 0;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *tree_list(const char *dir)
{
	struct vm_buf b = {0}, out = {0};
	char **lines = NULL, *save = NULL, *s;
	size_t n = 0, cap = 0;

	listing = &b;
	listing_skip = strlen(dir) + 1;
	nftw(dir, list_one, 16, FTW_PHYS);
	s = vm_buf_steal(&b);
	for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		lines = vm_xgrow(lines, &cap, n + 1, sizeof(*lines));
		lines[n++] = l;
	}
	if (n)
		qsort(lines, n, sizeof(*lines), line_cmp);
	for (size_t i = 0; i < n; i++)
		vm_buf_addf(&out, "%s\n", lines[i]);
	free(lines);
	free(s);
	return vm_buf_steal(&out);
}

static char *tmpdir_make(void)
{
	const char *t = getenv("TMPDIR");
	char *d = vm_xasprintf("%s/vtrunk-test-guest-XXXXXX", t && *t ? t : "/tmp");

	if (!mkdtemp(d))
		fail_msg("mkdtemp: %s", strerror(errno));
	return d;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		fail_msg("%s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

/* vm_guest_write writes exactly the golden tree, with the right modes, into a
 * directory it creates (parents too). */
static void test_write_tree(void **state)
{
	const struct gcase *c = *state;
	struct vm_plan *p = c->plan();
	struct vm_err err = {0};
	char *tmp = tmpdir_make();
	char *dir = vm_xasprintf("%s/a/b", tmp), *gdir = vm_xasprintf(GOLDEN "/%s", c->name);
	char *got, *want;

	if (vm_guest_write(p, c->agents, dir, &err) < 0)
		fail_msg("%s: %s", c->name, err.msg);
	got = tree_list(dir);
	want = tree_list(gdir);
	assert_string_equal(got, want);
	for (char *l = got, *nl; (nl = strchr(l, '\n')); l = nl + 1) {
		char *rel = vm_xstrndup(l, (size_t)(nl - l));
		char *path = vm_xasprintf("%s/%s", dir, rel), *gpath = vm_xasprintf("%s/%s", gdir, rel);
		char *a = file_read(path), *b = file_read(gpath);
		size_t len = strlen(rel);
		mode_t m = strstr(rel, "/etc/netplan/") ? 0600
			   : len > 3 && strcmp(rel + len - 3, ".sh") == 0 ? 0755 : 0644;

		assert_non_null(a);
		assert_non_null(b);
		if (strcmp(a, b) != 0)
			fail_msg("%s differs from %s", path, gpath);
		if (mode_of(path) != m)
			fail_msg("%s has mode %o, not %o", path, (unsigned)mode_of(path), (unsigned)m);
		free(a);
		free(b);
		free(path);
		free(gpath);
		free(rel);
	}
	/* Writing again over the same tree changes nothing and leaves no temporary files. */
	if (vm_guest_write(p, c->agents, dir, &err) < 0)
		fail_msg("%s (second write): %s", c->name, err.msg);
	free(got);
	got = tree_list(dir);
	assert_string_equal(got, want);
	free(got);
	free(want);
	tree_remove(tmp);
	free(tmp);
	free(dir);
	free(gdir);
	vm_plan_free(&p);
}

/* A file the plan no longer asks for is removed, so vtrunk-apply.sh cannot install it. */
static void test_write_stale(void **state)
{
	struct vm_plan *p = plan_old_docker();
	struct vm_err err = {0};
	char *tmp = tmpdir_make();
	char *daemon = vm_xasprintf("%s/agent-x/" VM_GUEST_DAEMON_PATH, tmp);
	char *ifupdown = vm_xasprintf("%s/agent-x/" VM_GUEST_IFUPDOWN_PATH, tmp);
	char *netplan = vm_xasprintf("%s/agent-x/" VM_GUEST_NETPLAN_PATH, tmp);
	char *apply, *s;

	(void)state;
	assert_int_equal(vm_guest_write(p, NULL, tmp, &err), 0);
	assert_int_equal(access(daemon, F_OK), 0);
	assert_int_equal(access(ifupdown, F_OK), 0);
	assert_int_equal(access(netplan, F_OK), -1);

	free(p->guest.docker_version);
	p->guest.docker_version = vm_xstrdup("19.03");
	p->guest.formats = VM_FMT_NETPLAN;
	assert_int_equal(vm_guest_write(p, NULL, tmp, &err), 0);
	assert_int_equal(access(daemon, F_OK), -1);
	assert_int_equal(access(ifupdown, F_OK), -1);
	assert_int_equal(access(netplan, F_OK), 0);
	apply = vm_xasprintf("%s/agent-x/" VM_GUEST_APPLY_PATH, tmp);
	s = file_read(apply);
	assert_non_null(strstr(s, "HAVE_IFUPDOWN=0\nHAVE_NETPLAN=1\nHAVE_DAEMON=0\n"));
	free(s);
	free(apply);
	tree_remove(tmp);
	free(tmp);
	free(daemon);
	free(ifupdown);
	free(netplan);
	vm_plan_free(&p);
}

/* Names in dir starting with ".vtrunk-": what a write left behind. */
static int tmp_left(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strncmp(e->d_name, ".vtrunk-", 8) == 0;
	closedir(d);
	return n;
}

/* An agent's directory is whole or absent: a write that fails half-way (the file size
 * limit stops it at vtrunk-apply.sh, the last and largest file, after the smaller ones
 * went out) leaves the old directory exactly as it was and no temporary one behind. */
static void test_write_whole_or_absent(void **state)
{
	struct vm_plan *p = plan_old_docker();
	struct vm_err err = {0};
	char *tmp = tmpdir_make(), *agent = vm_xasprintf("%s/agent-x", tmp);
	char *before, *after, *daemon = vm_xasprintf("%s/" VM_GUEST_DAEMON_PATH, agent);
	char *daemon_before, *daemon_after;
	struct rlimit old, small = {4096, 4096};

	(void)state;
	assert_int_equal(vm_guest_write(p, NULL, tmp, &err), 0);
	before = tree_list(agent);
	daemon_before = file_read(daemon);
	/* The next write would drop daemon.json and ifupdown and add netplan. */
	free(p->guest.docker_version);
	p->guest.docker_version = vm_xstrdup("19.03");
	p->guest.formats = VM_FMT_NETPLAN;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(vm_guest_write(p, NULL, tmp, &err), -1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(err.kind, VM_ERR_IO);
	assert_non_null(strstr(err.msg, "agents[0] (agent-x)"));
	after = tree_list(agent);
	assert_string_equal(after, before);
	daemon_after = file_read(daemon);
	assert_non_null(daemon_after);
	assert_string_equal(daemon_after, daemon_before);
	assert_int_equal(tmp_left(tmp), 0);
	assert_int_equal(tmp_left(agent), 0);

	/* Without the limit the same write replaces the tree whole. */
	assert_int_equal(vm_guest_write(p, NULL, tmp, &err), 0);
	free(after);
	after = tree_list(agent);
	assert_string_equal(after, "docker-networks.sh\netc/modules-load.d/vtrunk.conf\n"
				   "etc/netplan/60-vtrunk.yaml\nvtrunk-apply.sh\n");
	assert_int_equal(tmp_left(tmp), 0);
	tree_remove(tmp);
	free(before);
	free(after);
	free(daemon_before);
	free(daemon_after);
	free(daemon);
	free(agent);
	free(tmp);
	vm_plan_free(&p);
}

/* The old directory is replaced whole, so vtrunk refuses one holding what it did not
 * write (nothing of the user's is deleted), and a file where the directory should be;
 * vm_guest_dir_prepare says so before anything is written. */
static void test_write_foreign(void **state)
{
	struct vm_plan *p = plan_old_docker();
	struct vm_err err = {0};
	char *tmp = tmpdir_make(), *agent = vm_xasprintf("%s/agent-x", tmp);
	char *notes = vm_xasprintf("%s/etc/network/my-notes", agent), *s;
	FILE *f;

	(void)state;
	assert_int_equal(vm_guest_write(p, NULL, tmp, &err), 0);
	f = fopen(notes, "w");
	assert_non_null(f);
	fputs("mine\n", f);
	fclose(f);
	assert_int_equal(vm_guest_write(p, NULL, tmp, &err), -1);
	assert_int_equal(err.kind, VM_ERR_IO);
	assert_non_null(strstr(err.msg, "etc/network/my-notes was not written by vtrunk"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(vm_guest_dir_prepare(p, tmp, &err), -1);
	assert_non_null(strstr(err.msg, "my-notes"));
	s = file_read(notes);
	assert_string_equal(s, "mine\n");
	free(s);
	tree_remove(agent);
	f = fopen(agent, "w");
	assert_non_null(f);
	fclose(f);
	memset(&err, 0, sizeof(err));
	assert_int_equal(vm_guest_dir_prepare(p, tmp, &err), -1);
	assert_non_null(strstr(err.msg, "is not a directory"));
	/* Nor is a link followed to a directory that would then be replaced whole. */
	assert_int_equal(unlink(agent), 0);
	assert_int_equal(symlink(tmp, agent), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(vm_guest_dir_prepare(p, tmp, &err), -1);
	assert_non_null(strstr(err.msg, "is a symbolic link"));
	assert_int_equal(unlink(agent), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(vm_guest_dir_prepare(p, "", &err), -1);
	assert_int_equal(err.kind, VM_ERR_USAGE);
	assert_int_equal(tmp_left(tmp), 0);
	tree_remove(tmp);
	free(notes);
	free(agent);
	free(tmp);
	vm_plan_free(&p);
}

static void expect_refused(struct vm_plan *p, const struct vm_guest_agent *agents,
			   enum vm_err_kind kind, const char *msg_part)
{
	struct vm_err err = {0};
	char *tmp = tmpdir_make(), *dir = vm_xasprintf("%s/out", tmp);

	if (vm_guest_write(p, agents, dir, &err) == 0)
		fail_msg("accepted, expected an error containing \"%s\"", msg_part);
	if (err.kind != kind || !strstr(err.msg, msg_part))
		fail_msg("error %s \"%s\", expected %s containing \"%s\"", vm_err_kind_name(err.kind),
			 err.msg, vm_err_kind_name(kind), msg_part);
	/* Refused before anything was written. */
	assert_int_equal(access(dir, F_OK), -1);
	tree_remove(tmp);
	free(tmp);
	free(dir);
}

static void vm_rename(struct vm_plan *p, size_t i, const char *name)
{
	free(p->agents[i].vm);
	p->agents[i].vm = vm_xstrdup(name);
}

static void test_write_refusals(void **state)
{
	static const struct {
		const char *name, *why;
	} bad_names[] = {
		{"a/b", "agents[1].vm: \"a/b\" cannot be used as a directory name"},
		{"/", "contains '/'"},
		{".", "special directory name"},
		{"..", "special directory name"},
		{"summary.json", "summary file"},
		{"x\ny", "control character"},
		{"bad\xff", "not valid UTF-8"},
	};
	struct vm_plan *p;
	struct vm_guest_nic badmac = {"00:50:56:aa:bb", 1, NULL, NULL, 0};
	struct vm_guest_agent ga[3] = {{&badmac, NULL}, {NULL, NULL}, {NULL, NULL}};

	(void)state;
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		p = plan_basic();
		vm_rename(p, 1, bad_names[i].name);
		expect_refused(p, NULL, VM_ERR_USAGE, bad_names[i].why);
		vm_plan_free(&p);
	}
	p = plan_basic();
	vm_rename(p, 0, "");
	expect_refused(p, NULL, VM_ERR_USAGE, "agents[0].vm");
	vm_plan_free(&p);

	p = plan_basic();
	expect_refused(p, ga, VM_ERR_PARSE, "is not a MAC address");
	vm_plan_free(&p);

	p = plan_basic();
	free(p->management.search[1]);
	p->management.search[1] = vm_xstrdup("corp.example\nauto evil");
	expect_refused(p, NULL, VM_ERR_USAGE, "management.search[1]");
	vm_plan_free(&p);

	p = plan_basic();
	free(p->guest.trunk_ifname);
	p->guest.trunk_ifname = vm_xstrdup("ens1 60");
	expect_refused(p, NULL, VM_ERR_USAGE, "guest.trunk_ifname");
	vm_plan_free(&p);

	p = plan_basic();
	free(p->guest.mgmt_ifname);
	p->guest.mgmt_ifname = vm_xstrdup("ens192.5");
	expect_refused(p, NULL, VM_ERR_USAGE, "guest.mgmt_ifname");
	vm_plan_free(&p);

	p = plan_basic();
	free(p->guest.docker_version);
	p->guest.docker_version = vm_xstrdup("latest");
	expect_refused(p, NULL, VM_ERR_USAGE, "guest.docker_version");
	vm_plan_free(&p);

	p = plan_basic();
	free(p->vlans[1].network);
	p->vlans[1].network = vm_xstrdup("net; rm -rf /");
	expect_refused(p, NULL, VM_ERR_USAGE, "vlans[1].network");
	vm_plan_free(&p);

	p = plan_basic();
	{
		struct vm_err err = {0};
		assert_int_equal(vm_guest_write(p, NULL, "", &err), -1);
		assert_int_equal(err.kind, VM_ERR_USAGE);
	}
	vm_plan_free(&p);
}

static void test_write_io_error(void **state)
{
	struct vm_plan *p = plan_basic();
	struct vm_err err = {0};
	char *tmp = tmpdir_make(), *file = vm_xasprintf("%s/file", tmp);
	char *dir = vm_xasprintf("%s/sub", file);
	FILE *f = fopen(file, "w");

	(void)state;
	assert_non_null(f);
	fclose(f);
	/* DIR under a regular file: io, naming the path. */
	assert_int_equal(vm_guest_write(p, NULL, dir, &err), -1);
	assert_int_equal(err.kind, VM_ERR_IO);
	assert_non_null(strstr(err.msg, file));
	tree_remove(tmp);
	free(tmp);
	free(file);
	free(dir);
	vm_plan_free(&p);
}

/* ---- helpers ---- */

/* Issue 12's file shapes: the trunk matched by MAC and driver (the plan's NIC type), so
 * the VLAN sub-interfaces and Docker's ipvlan children sharing its MAC are never renamed;
 * interfaces.d/vtrunk holding only vtrunk's two stanzas; docker-networks.sh going on
 * after a failure; the installer's checks before its first write. */
static void test_shapes(void **state)
{
	struct vm_plan *p = plan_basic();
	char *np, *ifs, *nets, *app;
	const char *refused, *first_put;

	(void)state;
	p->trunk.nic_type = VM_NIC_E1000E;
	np = vm_netplan_emit(p, 0, &basic_macs[0]);
	assert_non_null(strstr(np, "        macaddress: \"00:50:56:aa:bb:01\"\n"
				   "        driver: \"e1000e\"\n      set-name: \"ens160\"\n"));
	/* The management NIC's type is not known: matched by MAC alone. */
	assert_non_null(strstr(np, "        macaddress: \"00:50:56:aa:bb:02\"\n      set-name: \"ens192\"\n"));
	assert_non_null(strstr(np, "# vtrunk-facts: trunk=ens160 trunk_mac=00:50:56:aa:bb:01 "
				   "trunk_driver=e1000e mgmt=ens192 mgmt_mac=00:50:56:aa:bb:02 "
				   "mgmt_address=10.0.0.11/24\n"));
	ifs = vm_ifupdown_emit(p, 0, &basic_macs[0]);
	assert_null(strstr(ifs, "\nsource "));
	assert_null(strstr(ifs, "iface lo"));
	assert_non_null(strstr(ifs, "iface ens192 inet static\n"));
	nets = vm_docker_networks_emit(p, 0, &basic_macs[0]);
	assert_null(strstr(nets, "set -e"));
	assert_non_null(strstr(nets, "--recreate"));
	app = vm_apply_emit(p, 0, &basic_macs[0]);
	assert_non_null(strstr(app, "\nTRUNK_DRIVER=e1000e\n"));
	assert_non_null(strstr(app, "\nMGMT_ADDR=10.0.0.11/24\n"));
	for (const char *const *f = (const char *const[]){"--take-over)", "--rename)",
		"--readdress)", "--install-vlan)", NULL}; *f; f++)
		assert_non_null(strstr(app, *f));
	refused = strstr(app, "die \"nothing was changed\"");
	first_put = strstr(app, "\nput etc/modules-load.d/vtrunk.conf 644\n");
	assert_true(refused && first_put && refused < first_put);
	free(np);
	free(ifs);
	free(nets);
	free(app);
	vm_plan_free(&p);
}

static void test_sh_quote(void **state)
{
	static const char *const cases_[][2] = {
		{"vlan150", "vlan150"},
		{"parent=ens160.150", "parent=ens160.150"},
		{"", "''"},
		{"a b", "'a b'"},
		{"it's", "'it'\\''s'"},
		{"$(reboot)", "'$(reboot)'"},
		{"tr\xc3\xaas", "'tr\xc3\xaas'"},
		/* Issue 15: the same bytes to bash, none of them raw in the script. */
		{"`x`;\n", "'`x`;'$'\\012'''"},
		{"a\xe2\x80\xa8" "b", "'a'$'\\342\\200\\250''b'"},
		{"\xc2\x9b" "31m", "''$'\\302\\233''31m'"},
		{"x\xe2\x80\xaey", "'x'$'\\342\\200\\256''y'"},
		{"\xff'", "''$'\\377'''\\'''"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases_) / sizeof(cases_[0]); i++) {
		struct vm_buf b = {0};
		vm_guest_sh_quote(&b, cases_[i][0]);
		assert_string_equal(b.data, cases_[i][1]);
		vm_buf_reset(&b);
	}
}

static void test_yaml_quote_comment(void **state)
{
	struct vm_buf b = {0};

	(void)state;
	vm_guest_yaml_quote(&b, "a\"b\\c\nd\x7f");
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\x0ad\\x7f\"");
	vm_buf_reset(&b);
	vm_guest_yaml_quote(&b, "");
	assert_string_equal(b.data, "\"\"");
	vm_buf_reset(&b);
	/* YAML line breaks (U+2028, U+2029, NEL), C1 and bidi escaped; not UTF-8 as U+FFFD. */
	vm_guest_yaml_quote(&b, "a\xe2\x80\xa8\xe2\x80\xa9\xc2\x85\xc2\x9b\xe2\x80\xae\xff\xc3\xa9");
	assert_string_equal(b.data, "\"a\\u2028\\u2029\\x85\\x9b\\u202e\\uFFFD\xc3\xa9\"");
	vm_buf_reset(&b);
	vm_text_comment_add(&b, "a\xe2\x80\xa8  addresses: [x]\xc2\x85- y\xe2\x81\xa6z\xc3\xa9");
	assert_string_equal(b.data, "a?  addresses: [x]?- y?z\xc3\xa9");
	vm_buf_reset(&b);
	vm_text_comment_add(&b, "ok tr\xc3\xaas\nauto x\r\xff\xc3");
	assert_string_equal(b.data, "ok tr\xc3\xaas?auto x???");
	vm_buf_reset(&b);
	/* Overlong and surrogate forms are not UTF-8 either. */
	vm_text_comment_add(&b, "\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80");
	assert_string_equal(b.data, "?????????");
	vm_buf_reset(&b);
	vm_text_comment_add(&b, NULL);
	assert_true(b.data == NULL || !*b.data);
	vm_buf_reset(&b);
}

static void test_mac(void **state)
{
	char out[VM_GUEST_MACLEN], t[VM_GUEST_MACLEN], m[VM_GUEST_MACLEN];
	struct vm_guest_agent ga = {&nic01t, &nic01m};

	(void)state;
	assert_int_equal(vm_guest_mac_norm("00:50:56:AB:cd:EF", out), 0);
	assert_string_equal(out, "00:50:56:ab:cd:ef");
	assert_int_equal(vm_guest_mac_norm("00-50-56-ab-cd-ef", out), -1);
	assert_int_equal(vm_guest_mac_norm("00:50:56:ab:cd:e", out), -1);
	assert_int_equal(vm_guest_mac_norm("00:50:56:ab:cd:efa", out), -1);
	assert_int_equal(vm_guest_mac_norm("00:50:56:ab:cd:eg", out), -1);
	assert_int_equal(vm_guest_mac_norm(NULL, out), -1);
	vm_guest_bind_macs(&ga, t, m);
	assert_string_equal(t, "00:50:56:aa:bb:01");
	assert_string_equal(m, "00:50:56:aa:bb:02");
	vm_guest_bind_macs(NULL, t, m);
	assert_string_equal(t, "");
	assert_string_equal(m, "");
	ga.mgmt = &nic03m;
	ga.trunk = &nic03t;
	vm_guest_bind_macs(&ga, t, m);
	assert_string_equal(t, "");
	assert_string_equal(m, "");
}

static void test_docker_version(void **state)
{
	static const struct {
		const char *v;
		int want;
	} t[] = {
		{"18.09", 1},   {"18.09.7", 1}, {"17.06.0-ce", 1}, {"1.13.1", 1}, {"19.03", 0},
		{"19.03.0", 0}, {"19.3", 0},    {"19.02", 1},      {"20.10", 0},  {"24", 0},
		{"19", 1},      {"", -1},       {"v20.10", -1},    {"20.", -1},   {"latest", -1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (vm_guest_docker_needs_experimental(t[i].v) != t[i].want)
			fail_msg("\"%s\": got %d, want %d", t[i].v,
				 vm_guest_docker_needs_experimental(t[i].v), t[i].want);
	assert_int_equal(vm_guest_docker_needs_experimental(NULL), -1);
}

/* ---- main ---- */

static int regen(void)
{
	for (size_t i = 0; i < N_CASES; i++) {
		struct vm_plan *p = cases[i].plan();
		struct vm_err err = {0};
		char *dir = vm_xasprintf(GOLDEN "/%s", cases[i].name);
		int rc = vm_guest_write(p, cases[i].agents, dir, &err);

		if (rc < 0)
			fprintf(stderr, "test_guest: %s: %s\n", dir, err.msg);
		else
			fprintf(stderr, "test_guest: rewrote %s\n", dir);
		free(dir);
		vm_plan_free(&p);
		if (rc < 0)
			return 1;
	}
	return 0;
}

static int write_cases(int argc, char **argv)
{
	const char *out = argv[0];

	for (size_t i = 0; i < N_CASES; i++) {
		int want = argc == 1;
		for (int k = 1; k < argc; k++)
			want |= strcmp(argv[k], cases[i].name) == 0;
		if (!want)
			continue;
		struct vm_plan *p = cases[i].plan();
		struct vm_err err = {0};
		char *dir = vm_xasprintf("%s/%s", out, cases[i].name);
		int rc = vm_guest_write(p, cases[i].agents, dir, &err);

		if (rc < 0)
			fprintf(stderr, "test_guest: %s: %s\n", dir, err.msg);
		free(dir);
		vm_plan_free(&p);
		if (rc < 0)
			return 1;
	}
	return 0;
}

/* Names that vCenter allows and that once reached the guest files raw (issue 15): a
 * line separator or NEL followed by YAML that adds an address, a C1 CSI, a bidi
 * override, a newline and a quote. */
static const char *const hostile[] = {
	"evil\xe2\x80\xa8        - \"6.6.6.6/8\"",
	"evil\xc2\x85      addresses: [\"6.6.6.6/8\"]",
	"evil\xc2\x9b" "31m\xe2\x80\xaetxt.exe",
	"evil\n  - 6.6.6.6/8 'x' \\",
};

static int file_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int rc = f && fputs(text, f) >= 0 ? 0 : 1;

	if (f && fclose(f) != 0)
		rc = 1;
	if (rc)
		fprintf(stderr, "test_guest: cannot write %s\n", path);
	return rc;
}

static int mkdirs(const char *dir)
{
	char *d = vm_xstrdup(dir);

	for (char *p = d + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			(void)mkdir(d, 0755);
			*p = '/';
		}
	if (mkdir(d, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "test_guest: cannot create %s: %s\n", d, strerror(errno));
		free(d);
		return -1;
	}
	free(d);
	return 0;
}

/* test_guest --hostile DIR: DIR/<n>/ holds etc/netplan/60-vtrunk.yaml and
 * vtrunk-apply.sh emitted for the basic case with agents[0].vm set to hostile[n], and
 * the name itself in DIR/<n>/name. The emitters are called directly: the plan loader
 * and vm_guest_write would refuse these names, and the point is that the emitters are
 * safe on their own. */
static int write_hostile(const char *out)
{
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		struct vm_plan *p = plan_basic();
		char *dir = vm_xasprintf("%s/%zu/etc/netplan", out, i), *path, *text;
		int rc = 0;

		free(p->agents[0].vm);
		p->agents[0].vm = vm_xstrdup(hostile[i]);
		if (mkdirs(dir) < 0)
			return 1;
		path = vm_xasprintf("%s/60-vtrunk.yaml", dir);
		text = vm_netplan_emit(p, 0, NULL);
		rc |= file_write(path, text);
		rc |= chmod(path, 0600) != 0; /* netplan warns about anything wider */
		free(text);
		free(path);
		path = vm_xasprintf("%s/%zu/vtrunk-apply.sh", out, i);
		text = vm_apply_emit(p, 0, NULL);
		rc |= file_write(path, text);
		free(text);
		free(path);
		path = vm_xasprintf("%s/%zu/name", out, i);
		rc |= file_write(path, hostile[i]);
		free(path);
		free(dir);
		vm_plan_free(&p);
		if (rc)
			return 1;
	}
	return 0;
}

/* summary.json names each NIC's port group as vCenter reported it: a C1 control or a
 * line separator there goes out as a \u escape (the same JSON), never raw. */
static void test_summary_hostile_portgroup(void **state)
{
	struct vm_plan *p = plan_basic();
	struct vm_guest_nic t = {"00:50:56:aa:bb:01", 4000, "pg\xe2\x80\xa8x\xc2\x9b", NULL, 0};
	struct vm_guest_agent ga[3] = {{&t, NULL}, {NULL, NULL}, {NULL, NULL}};
	char *s;

	(void)state;
	s = vm_summary_emit(p, ga);
	assert_non_null(strstr(s, "\"pg\\u2028x\\u009b\""));
	assert_null(strstr(s, "\xe2\x80\xa8"));
	assert_null(strstr(s, "\xc2\x9b"));
	assert_non_null(strstr(s, "tr\xc3\xaas")); /* other text as it is */
	free(s);
	vm_plan_free(&p);
}

/* vCenter's PCI slots name the NICs in every file: here the VM's management NIC is at
 * slot 160 (its first card) and the trunk, added later, at 192, the reverse of the
 * plan's ens160/ens192. */
static void test_slot_names(void **state)
{
	struct vm_plan *p = plan_basic();
	struct vm_guest_nic t = {.mac = "00:50:56:aa:bb:01", .key = 4001, .pci_slot = 192};
	struct vm_guest_nic m = {.mac = "00:50:56:aa:bb:02", .key = 4000, .pci_slot = 160};
	struct vm_guest_agent ga[3] = {{&t, &m}, {NULL, NULL}, {NULL, NULL}};
	struct vm_guest_names nm;
	struct vm_guestinfo gi;
	char *np, *ifs, *nets, *app, *sum, *enc;
	int found = 0;

	(void)state;
	vm_guest_names_get(p, &ga[0], &nm);
	assert_string_equal(nm.trunk, "ens192");
	assert_string_equal(nm.mgmt, "ens160");
	assert_int_equal(nm.trunk_slot, 192);
	assert_int_equal(nm.mgmt_slot, 160);
	np = vm_netplan_emit(p, 0, &ga[0]);
	assert_non_null(strstr(np, "# vtrunk-facts: trunk=ens192 trunk_mac=00:50:56:aa:bb:01 "
				   "trunk_driver=vmxnet3 mgmt=ens160 mgmt_mac=00:50:56:aa:bb:02 "));
	assert_non_null(strstr(np, "    \"ens192\":\n      renderer: networkd\n      match:\n"
				   "        macaddress: \"00:50:56:aa:bb:01\"\n"));
	assert_non_null(strstr(np, "        macaddress: \"00:50:56:aa:bb:02\"\n      set-name: \"ens160\"\n"));
	assert_non_null(strstr(np, "# Names from the PCI slots vCenter reports (udev's ens<slot>): ens192 at slot "
				   "192, ens160 at slot 160.\n"));
	ifs = vm_ifupdown_emit(p, 0, &ga[0]);
	assert_non_null(strstr(ifs, "iface ens160 inet static\n"));
	assert_non_null(strstr(ifs, "auto ens192\niface ens192 inet manual\n"));
	nets = vm_docker_networks_emit(p, 0, &ga[0]);
	assert_non_null(strstr(nets, "-o parent=ens192.150"));
	assert_null(strstr(nets, "ens160"));
	app = vm_apply_emit(p, 0, &ga[0]);
	assert_non_null(strstr(app, "\nTRUNK=ens192\nMGMT=ens160\n"));
	sum = vm_summary_emit(p, ga);
	assert_non_null(strstr(sum, "\"trunk_ifname\":\t\"ens192\""));
	assert_non_null(strstr(sum, "\"trunk_ifname_from\":\t\"pci_slot\""));
	assert_non_null(strstr(sum, "\"ifname\":\t\"ens160\",\n\t\t\t\t\t\"pci_slot\":\t160"));
	assert_non_null(strstr(sum, "\"parent\":\t\"ens192.150\""));
	/* The root keeps the plan's names; the other agents (no NIC facts) too. */
	assert_non_null(strstr(sum, "\"trunk_ifname\":\t\"ens160\""));
	/* guestinfo carries the same netplan text, so the same names. */
	vm_guestinfo_build(p, 0, &ga[0], &gi);
	enc = vm_base64_encode(np, strlen(np));
	for (size_t k = 0; k < gi.n; k++)
		found += strcmp(gi.key[k], VM_GI_NETPLAN) == 0 && strcmp(gi.value[k], enc) == 0;
	assert_int_equal(found, 1);
	free(enc);
	vm_guestinfo_clear(&gi);
	free(np);
	free(ifs);
	free(nets);
	free(app);
	free(sum);
	vm_plan_free(&p);
}

/* Without a slot (a NIC added to a running VM) the plan's name, or the other plan name
 * when the other NIC's slot took that one; a slot too large for ens<slot>.<vlan> is
 * ignored. */
static void test_slot_names_fallback(void **state)
{
	struct vm_plan *p = plan_basic();
	struct vm_guest_nic t = {.mac = "00:50:56:aa:bb:01"}, m = {.mac = "00:50:56:aa:bb:02", .pci_slot = 160};
	struct vm_guest_agent ga = {&t, &m};
	struct vm_guest_names nm;
	char *np;

	(void)state;
	vm_guest_names_get(p, &ga, &nm);
	assert_string_equal(nm.trunk, "ens192");
	assert_string_equal(nm.mgmt, "ens160");
	assert_int_equal(nm.trunk_slot, 0);
	/* Bound by MAC, so the name it gets is the file's whatever the kernel chose. */
	np = vm_netplan_emit(p, 0, &ga);
	assert_non_null(strstr(np, "        macaddress: \"00:50:56:aa:bb:01\"\n        driver: \"vmxnet3\"\n"
				   "      set-name: \"ens192\"\n"));
	free(np);
	m.pci_slot = 192;
	vm_guest_names_get(p, &ga, &nm);
	assert_string_equal(nm.trunk, "ens160");
	assert_string_equal(nm.mgmt, "ens192");
	t.pci_slot = 224;
	m.pci_slot = 0;
	vm_guest_names_get(p, &ga, &nm);
	assert_string_equal(nm.trunk, "ens224");
	assert_string_equal(nm.mgmt, "ens192");
	t.pci_slot = 70000;
	vm_guest_names_get(p, &ga, &nm);
	assert_string_equal(nm.trunk, "ens160");
	assert_int_equal(nm.trunk_slot, 0);
	vm_guest_names_get(p, NULL, &nm);
	assert_string_equal(nm.trunk, "ens160");
	assert_string_equal(nm.mgmt, "ens192");
	vm_plan_free(&p);
}

int main(int argc, char **argv)
{
	struct CMUnitTest tests[3 * N_CASES + 16];
	char *names[3 * N_CASES];
	size_t n = 0;
	int rc;

	if (argc >= 3 && strcmp(argv[1], "--write") == 0)
		return write_cases(argc - 2, argv + 2);
	if (argc == 3 && strcmp(argv[1], "--hostile") == 0)
		return write_hostile(argv[2]);
	if (argc == 2 && strcmp(argv[1], "--cases") == 0) {
		for (size_t i = 0; i < N_CASES; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: test_guest [--write DIR [CASE...] | --cases]\n");
		return 2;
	}
	if (getenv("VTRUNK_REGEN") && strcmp(getenv("VTRUNK_REGEN"), "1") == 0 && regen() != 0)
		return 1;
	for (size_t i = 0; i < N_CASES; i++) {
		names[3 * i] = vm_xasprintf("golden/%s", cases[i].name);
		names[3 * i + 1] = vm_xasprintf("write_tree/%s", cases[i].name);
		names[3 * i + 2] = vm_xasprintf("golden_plan_file/%s", cases[i].name);
		tests[n++] = (struct CMUnitTest){names[3 * i], test_golden, NULL, NULL,
						 (void *)&cases[i]};
		tests[n++] = (struct CMUnitTest){names[3 * i + 1], test_write_tree, NULL, NULL,
						 (void *)&cases[i]};
		if (cases[i].has_plan_file)
			tests[n++] = (struct CMUnitTest){names[3 * i + 2], test_golden_plan_file,
							 NULL, NULL, (void *)&cases[i]};
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_write_stale);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_slot_names);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_slot_names_fallback);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_write_whole_or_absent);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_write_foreign);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_write_refusals);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_write_io_error);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_shapes);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_sh_quote);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_yaml_quote_comment);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_mac);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_docker_version);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_summary_hostile_portgroup);
	rc = _cmocka_run_group_tests("guest", tests, n, NULL, NULL);
	for (size_t i = 0; i < 3 * N_CASES; i++)
		free(names[i]);
	return rc;
}
