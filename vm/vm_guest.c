#include "vm_guest.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vm_apply.h"
#include "vm_docker.h"
#include "vm_ifupdown.h"
#include "vm_ipplan.h"
#include "vm_modules.h"
#include "vm_netplan.h"
#include "vm_summary.h"
#include "vm_text.h"

/* Linux IFNAMSIZ - 1. */
#define IFNAME_MAX 15

const struct vm_guest_nic *vm_guest_trunk_get(const struct vm_guest_agent *agent)
{
	return agent ? agent->trunk : NULL;
}

const struct vm_guest_nic *vm_guest_mgmt_get(const struct vm_guest_agent *agent)
{
	return agent ? agent->mgmt : NULL;
}

int vm_guest_mac_norm(const char *mac, char out[VM_GUEST_MACLEN])
{
	if (!mac || strlen(mac) != VM_GUEST_MACLEN - 1)
		return -1;
	for (int i = 0; i < VM_GUEST_MACLEN - 1; i++) {
		unsigned char c = (unsigned char)mac[i];
		if (i % 3 == 2 ? c != ':' : !isxdigit(c))
			return -1;
		out[i] = (char)tolower(c);
	}
	out[VM_GUEST_MACLEN - 1] = '\0';
	return 0;
}

void vm_guest_bind_macs(const struct vm_guest_agent *agent, char trunk[VM_GUEST_MACLEN],
			char mgmt[VM_GUEST_MACLEN])
{
	const struct vm_guest_nic *t = vm_guest_trunk_get(agent), *m = vm_guest_mgmt_get(agent);

	trunk[0] = mgmt[0] = '\0';
	if (!t || vm_guest_mac_norm(t->mac, trunk) < 0)
		trunk[0] = '\0';
	if (!m || vm_guest_mac_norm(m->mac, mgmt) < 0)
		mgmt[0] = '\0';
	if (trunk[0] && strcmp(trunk, mgmt) == 0)
		trunk[0] = mgmt[0] = '\0';
}

/* Slots above this would not fit "ens<slot>.4094" in IFNAMSIZ; ESXi's are far below. */
#define SLOT_MAX 65535

static int nic_slot(const struct vm_guest_nic *nic)
{
	return nic && nic->pci_slot > 0 && nic->pci_slot <= SLOT_MAX ? nic->pci_slot : 0;
}

void vm_guest_names_get(const struct vm_plan *plan, const struct vm_guest_agent *agent,
			struct vm_guest_names *out)
{
	const char *pt = plan->guest.trunk_ifname ? plan->guest.trunk_ifname : "ens160";
	const char *pm = plan->guest.mgmt_ifname ? plan->guest.mgmt_ifname : "ens192";

	out->trunk_slot = nic_slot(vm_guest_trunk_get(agent));
	out->mgmt_slot = nic_slot(vm_guest_mgmt_get(agent));
	if (out->trunk_slot)
		snprintf(out->trunk, sizeof(out->trunk), "ens%d", out->trunk_slot);
	else
		snprintf(out->trunk, sizeof(out->trunk), "%s", pt);
	if (out->mgmt_slot)
		snprintf(out->mgmt, sizeof(out->mgmt), "ens%d", out->mgmt_slot);
	else
		snprintf(out->mgmt, sizeof(out->mgmt), "%s", pm);
	/* Only one of them can be from the plan here: two slots differ, two plan names too. */
	if (strcmp(out->trunk, out->mgmt) == 0) {
		if (!out->trunk_slot)
			snprintf(out->trunk, sizeof(out->trunk), "%s", pm);
		else
			snprintf(out->mgmt, sizeof(out->mgmt), "%s", pt);
	}
}

int vm_guest_docker_needs_experimental(const char *version)
{
	unsigned long major, minor = 0;
	const char *p = version;
	char *end;

	if (!p || !isdigit((unsigned char)*p))
		return -1;
	major = strtoul(p, &end, 10);
	if (*end == '.') {
		if (!isdigit((unsigned char)end[1]))
			return -1;
		minor = strtoul(end + 1, &end, 10);
	}
	/* Whatever follows ("-ce", ".1", "~3") does not move the 19.03 line. */
	return major < 19 || (major == 19 && minor < 3);
}

/* Bytes that need no quoting in a shell word. */
static int sh_bare(unsigned char c)
{
	return c < 0x80 && (isalnum(c) || strchr("_@%+=:,./-", c));
}

void vm_guest_sh_quote(struct vm_buf *b, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p && sh_bare(*p); p++)
		;
	if (*s && !*p) {
		vm_buf_adds(b, s);
		return;
	}
	vm_buf_adds(b, "'");
	for (p = (const unsigned char *)s; *p;) {
		uint32_t c = 0;
		size_t n = vm_text_decode(p, &c);

		if (*p == '\'') {
			vm_buf_adds(b, "'\\''");
		} else if (n && !vm_text_unsafe(c)) {
			vm_buf_add(b, p, n);
		} else {
			/* Kept byte for byte, but spelled in octal in bash's $'...', so the
			 * script a user reads holds no control or bidi character. */
			n = n ? n : 1;
			vm_buf_adds(b, "'$'");
			for (size_t k = 0; k < n; k++)
				vm_buf_addf(b, "\\%03o", p[k]);
			vm_buf_adds(b, "''");
		}
		p += n;
	}
	vm_buf_adds(b, "'");
}

void vm_guest_yaml_quote(struct vm_buf *b, const char *s)
{
	vm_buf_adds(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t c = 0;
		size_t n = vm_text_decode(p, &c);

		if (n == 0) {
			/* YAML text is Unicode: a byte that is not UTF-8 has no spelling. */
			vm_buf_adds(b, "\\uFFFD");
			p++;
			continue;
		}
		if (c == '"' || c == '\\')
			vm_buf_addf(b, "\\%c", (char)c);
		else if (vm_text_unsafe(c))
			vm_buf_addf(b, c < 0x100 ? "\\x%02x" : "\\u%04x", (unsigned)c);
		else
			vm_buf_add(b, p, n);
		p += n;
	}
	vm_buf_adds(b, "\"");
}

/* ---- checks ---- */

static int ifname_check(const char *field, const char *name, struct vm_err *err)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > IFNAME_MAX)
		return vm_err_set(err, VM_ERR_USAGE,
				  "%s: \"%s\" is not a Linux interface name (1 to %d characters)",
				  field, name ? name : "", IFNAME_MAX);
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return vm_err_set(err, VM_ERR_USAGE,
					  "%s: \"%s\" cannot be used: interface names here are "
					  "limited to letters, digits, '_' and '-' (a '.' would make "
					  "ifupdown treat it as a VLAN interface)",
					  field, name);
	return 0;
}

static int vm_name_check(size_t i, const char *vm, struct vm_err *err)
{
	const char *why = NULL;
	size_t at = 0;
	uint32_t cp = 0;

	if (!vm || !*vm)
		why = "it is empty";
	else if (strchr(vm, '/'))
		why = "it contains '/'";
	else if (strcmp(vm, ".") == 0 || strcmp(vm, "..") == 0)
		why = "it is a special directory name";
	else if (strcmp(vm, VM_GUEST_SUMMARY_PATH) == 0)
		why = "DIR/" VM_GUEST_SUMMARY_PATH " is the summary file";
	if (!why && (why = vm_text_check(vm, &at, &cp)) != NULL) {
		/* The name holds the very characters refused: show it escaped. */
		char *shown = vm_text_display(vm);
		if (why == vm_text_malformed)
			vm_err_set(err, VM_ERR_USAGE,
				   "agents[%zu].vm: \"%.200s\" cannot be used as a directory name "
				   "for its guest files (it is not valid UTF-8: byte %zu)",
				   i, shown, at);
		else
			vm_err_set(err, VM_ERR_USAGE,
				   "agents[%zu].vm: \"%.200s\" cannot be used as a directory name "
				   "for its guest files (it contains %s, U+%04X at byte %zu)",
				   i, shown, why, (unsigned)cp, at);
		free(shown);
		return -1;
	}
	if (!why)
		return 0;
	return vm_err_set(err, VM_ERR_USAGE,
			  "agents[%zu].vm: \"%s\" cannot be used as a directory name for "
			  "its guest files (%s)",
			  i, vm ? vm : "", why);
}

static int mac_check(size_t i, const char *vm, const char *which,
		     const struct vm_guest_nic *nic, struct vm_err *err)
{
	char mac[VM_GUEST_MACLEN];

	if (!nic || !nic->mac || vm_guest_mac_norm(nic->mac, mac) == 0)
		return 0;
	return vm_err_set(err, VM_ERR_PARSE,
			  "agents[%zu] (%s): the %s NIC's MAC \"%.40s\" reported by vCenter is "
			  "not a MAC address",
			  i, vm, which, nic->mac);
}

int vm_guest_check(const struct vm_plan *plan, const struct vm_guest_agent *agents,
		   struct vm_err *err)
{
	const struct vm_plan_guest *g = &plan->guest;
	const struct vm_plan_mgmt *m = &plan->management;

	/* It already checks the Docker network names, DNS servers, that the interface
	 * names differ and that <trunk>.<vlan> fits; what follows is what the files
	 * need beyond that, for plans that did not come through the loader. */
	if (vm_plan_validate(plan, err) < 0)
		return -1;
	if (ifname_check("guest.trunk_ifname", g->trunk_ifname, err) < 0 ||
	    ifname_check("guest.mgmt_ifname", g->mgmt_ifname, err) < 0)
		return -1;
	if (vm_guest_docker_needs_experimental(g->docker_version) < 0)
		return vm_err_set(err, VM_ERR_USAGE,
				  "guest.docker_version: \"%s\" is not a version such as \"20.10\"",
				  g->docker_version ? g->docker_version : "");
	/* ifupdown separates dns-search entries by spaces and ends them at a newline. */
	for (size_t i = 0; i < m->n_search; i++) {
		const char *s = m->search[i];
		int ok = *s != '\0' && *s != '-' && *s != '.';
		for (const char *p = s; ok && *p; p++)
			ok = isalnum((unsigned char)*p) || *p == '-' || *p == '.' || *p == '_';
		if (!ok)
			return vm_err_set(err, VM_ERR_USAGE,
					  "management.search[%zu]: \"%s\" is not a DNS domain name "
					  "(letters, digits, '-', '_' and '.')",
					  i, s);
	}
	for (size_t i = 0; i < plan->n_agents; i++) {
		const char *vm = plan->agents[i].vm;
		if (vm_name_check(i, vm, err) < 0)
			return -1;
		if (agents && (mac_check(i, vm, "trunk", agents[i].trunk, err) < 0 ||
			       mac_check(i, vm, "management", agents[i].mgmt, err) < 0))
			return -1;
	}
	return 0;
}

/* ---- writing ---- */

static int dir_make(const char *path, struct vm_err *err)
{
	struct stat st;

	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (errno == EEXIST)
		errno = ENOTDIR;
	return vm_err_set(err, VM_ERR_IO, "cannot create the directory %s: %s", path,
			  strerror(errno));
}

/* mkdir -p: every missing component of path, then path. */
static int dirs_make(const char *path, struct vm_err *err)
{
	char *p = vm_xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; *s && rc == 0; s++) {
		if (*s != '/' || s[-1] == '/')
			continue;
		*s = '\0';
		rc = dir_make(p, err);
		*s = '/';
	}
	if (rc == 0)
		rc = dir_make(p, err);
	free(p);
	return rc;
}

/* Writes data to a temporary file beside path, then renames it over path, so a
 * reader (or a crash) never sees half a file. */
static int file_write(const char *path, const char *data, mode_t mode, struct vm_err *err)
{
	char *tmp = vm_xasprintf("%s.vtrunk-XXXXXX", path);
	size_t len = strlen(data), off = 0;
	int fd, rc = -1;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		vm_err_set(err, VM_ERR_IO, "cannot create a file beside %s: %s", path,
			   strerror(errno));
		free(tmp);
		return -1;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		off += (size_t)n;
	}
	/* mkstemp made it 0600 whatever the umask; give it the mode it is meant to have. */
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0)
		goto fail;
	rc = close(fd);
	fd = -1;
	if (rc < 0)
		goto fail;
	if (rename(tmp, path) < 0) {
		vm_err_set(err, VM_ERR_IO, "cannot rename %s to %s: %s", tmp, path,
			   strerror(errno));
		rc = -1;
		goto cleanup;
	}
	goto cleanup;
fail:
	rc = vm_err_set(err, VM_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
cleanup:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* Writes base/rel (creating its directories), or removes it when data is NULL. */
static int tree_put(const char *base, const char *rel, const char *data, mode_t mode,
		    struct vm_err *err)
{
	char *path = vm_xasprintf("%s/%s", base, rel);
	char *slash;
	int rc = 0;

	if (!data) {
		if (unlink(path) < 0 && errno != ENOENT)
			rc = vm_err_set(err, VM_ERR_IO, "cannot remove the stale file %s: %s",
					path, strerror(errno));
		free(path);
		return rc;
	}
	slash = strrchr(path, '/');
	*slash = '\0';
	rc = dirs_make(path, err);
	*slash = '/';
	if (rc == 0)
		rc = file_write(path, data, mode, err);
	free(path);
	return rc;
}

/* ---- one agent's directory, whole or absent ---- */

/* What vtrunk writes in DIR/<vm>/: its files, their directories and (from a write that
 * died) temporary files beside them. Anything else there is not vtrunk's to drop. */
static const char *const own_files[] = {
	VM_GUEST_IFUPDOWN_PATH, VM_GUEST_NETPLAN_PATH, VM_GUEST_MODULES_PATH,
	VM_GUEST_DAEMON_PATH,   VM_GUEST_NETWORKS_PATH, VM_GUEST_APPLY_PATH,
	VM_GUEST_IFUPDOWN_OLD_PATH, /* trees of older vtrunk releases */
};

/* 1 when rel is a file vtrunk writes (or a temporary one beside it), 2 when it is a
 * directory holding some, 0 when neither. */
static int own_path(const char *rel)
{
	size_t n = strlen(rel);

	for (size_t k = 0; k < sizeof(own_files) / sizeof(own_files[0]); k++) {
		size_t m = strlen(own_files[k]);
		if (strncmp(own_files[k], rel, n) == 0 && own_files[k][n] == '/')
			return 2;
		if (strncmp(own_files[k], rel, m) == 0 &&
		    (rel[m] == '\0' || (strncmp(rel + m, ".vtrunk-", 8) == 0 && n == m + 14)))
			return 1;
	}
	return 0;
}

/* Finds in base/rel the first entry vtrunk did not write; its path into `found`
 * (owned). 0 when there is none, -1 on a read error. */
static int foreign_find(const char *base, const char *rel, char **found, struct vm_err *err)
{
	char *path = *rel ? vm_xasprintf("%s/%s", base, rel) : vm_xstrdup(base);
	DIR *d = opendir(path);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		rc = vm_err_set(err, VM_ERR_IO, "cannot read the directory %s: %s", path,
				strerror(errno));
		free(path);
		return rc;
	}
	while (rc == 0 && !*found && (e = readdir(d))) {
		char *sub;
		struct stat st;
		int own;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sub = *rel ? vm_xasprintf("%s/%s", rel, e->d_name) : vm_xstrdup(e->d_name);
		own = own_path(sub);
		if (own && fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			own = 0;
		if (own == 2 && S_ISDIR(st.st_mode))
			rc = foreign_find(base, sub, found, err);
		else if (own != 1 || !S_ISREG(st.st_mode))
			*found = vm_xasprintf("%s/%s", base, sub);
		free(sub);
	}
	closedir(d);
	free(path);
	return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* An agent's old directory is replaced whole: refuses one that holds what vtrunk did
 * not write (a file the user put there, or the wrong DIR: nothing is deleted that
 * vtrunk cannot name), and a path that is not a directory. */
static int agent_dir_check(const char *dir, size_t i, const char *vm, struct vm_err *err)
{
	char *base = vm_xasprintf("%s/%s", dir, vm), *found = NULL;
	struct stat st;
	int rc = 0;

	if (lstat(base, &st) < 0) {
		if (errno != ENOENT)
			rc = vm_err_set(err, VM_ERR_IO, "agents[%zu] (%s): cannot read %s: %s", i,
					vm, base, strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		/* A link is not followed: the directory it names would be replaced whole. */
		rc = vm_err_set(err, VM_ERR_IO,
				"agents[%zu] (%s): %s is %s: vtrunk writes that agent's guest files "
				"there, as a directory of its own",
				i, vm, base, S_ISLNK(st.st_mode) ? "a symbolic link" : "not a directory");
	} else if (foreign_find(base, "", &found, err) < 0) {
		rc = vm_err_prefix(err, "agents[%zu] (%s)", i, vm);
	} else if (found) {
		rc = vm_err_set(err, VM_ERR_IO,
				"agents[%zu] (%s): %s was not written by vtrunk: an agent's directory "
				"is replaced whole, so move it away (or choose another -o)",
				i, vm, found);
	}
	free(found);
	free(base);
	return rc;
}

int vm_guest_dir_prepare(const struct vm_plan *plan, const char *dir, struct vm_err *err)
{
	char *probe;
	int fd, rc = 0;

	if (!dir || !*dir)
		return vm_err_set(err, VM_ERR_USAGE, "no output directory given for the guest files");
	if (dirs_make(dir, err) < 0)
		return -1;
	/* access(W_OK) says yes to root on a read-only mount and knows nothing of a full
	 * disk: only creating and writing a file tells. */
	probe = vm_xasprintf("%s/.vtrunk-probe-XXXXXX", dir);
	fd = mkostemp(probe, O_CLOEXEC);
	if (fd < 0) {
		rc = vm_err_set(err, VM_ERR_IO, "cannot write in the directory %s: %s", dir,
				strerror(errno));
	} else {
		if (write(fd, "vtrunk\n", 7) != 7 || fsync(fd) < 0)
			rc = vm_err_set(err, VM_ERR_IO, "cannot write in the directory %s: %s", dir,
					strerror(errno ? errno : ENOSPC));
		close(fd);
		unlink(probe);
	}
	free(probe);
	for (size_t i = 0; rc == 0 && plan && i < plan->n_agents; i++)
		rc = agent_dir_check(dir, i, plan->agents[i].vm, err);
	return rc;
}

/* Puts the tree built in tmp at base: a plain rename when base is absent; otherwise the
 * two are exchanged in one step (the old tree then sits at tmp, to be removed). */
static int agent_dir_install(const char *tmp, const char *base, struct vm_err *err)
{
	if (rename(tmp, base) == 0)
		return 0;
	if (errno != EEXIST && errno != ENOTEMPTY)
		return vm_err_set(err, VM_ERR_IO, "cannot rename %s to %s: %s", tmp, base,
				  strerror(errno));
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, base, RENAME_EXCHANGE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return vm_err_set(err, VM_ERR_IO, "cannot put %s in place of %s: %s", tmp, base,
				  strerror(errno));
	/* A file system without the exchange: the old tree steps aside for a moment. */
	{
		char *old = vm_xasprintf("%s.old", tmp);
		int rc = 0;

		if (rename(base, old) < 0)
			rc = vm_err_set(err, VM_ERR_IO, "cannot rename %s to %s: %s", base, old,
					strerror(errno));
		else if (rename(tmp, base) < 0) {
			rc = vm_err_set(err, VM_ERR_IO, "cannot rename %s to %s: %s", tmp, base,
					strerror(errno));
			rename(old, base);
		} else if (rename(old, tmp) < 0) {
			nftw(old, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		}
		free(old);
		return rc;
	}
}

/* Builds the agent's whole tree in a temporary directory of DIR, then puts it in place
 * of the old one: a failure half-way leaves the old directory as it was and no
 * temporary one behind. Files the plan no longer asks for are simply not in the new
 * tree, so vtrunk-apply.sh never installs a stale one. */
static int agent_write(const struct vm_plan *plan, size_t i, const struct vm_guest_agent *ga,
		       const char *dir, struct vm_err *err)
{
	unsigned fmt = plan->guest.formats;
	struct {
		const char *rel;
		char *data; /* owned; NULL: not wanted */
		mode_t mode;
	} f[] = {
		{VM_GUEST_IFUPDOWN_PATH,
		 fmt & VM_FMT_IFUPDOWN ? vm_ifupdown_emit(plan, i, ga) : NULL, 0644},
		/* netplan >= 0.106 warns about (and may refuse) group/world-readable files. */
		{VM_GUEST_NETPLAN_PATH, fmt & VM_FMT_NETPLAN ? vm_netplan_emit(plan, i, ga) : NULL,
		 0600},
		{VM_GUEST_MODULES_PATH, vm_modules_emit(plan), 0644},
		{VM_GUEST_DAEMON_PATH, vm_docker_daemon_emit(plan), 0644},
		{VM_GUEST_NETWORKS_PATH, vm_docker_networks_emit(plan, i, ga), 0755},
		{VM_GUEST_APPLY_PATH, vm_apply_emit(plan, i, ga), 0755},
	};
	char *base = vm_xasprintf("%s/%s", dir, plan->agents[i].vm);
	/* A short fixed name: DIR/<vm> plus a suffix could pass NAME_MAX. */
	char *tmp = vm_xasprintf("%s/.vtrunk-XXXXXX", dir);
	int rc = agent_dir_check(dir, i, plan->agents[i].vm, err);

	if (rc == 0 && !mkdtemp(tmp)) {
		rc = vm_err_set(err, VM_ERR_IO, "cannot create a directory in %s: %s", dir,
				strerror(errno));
		free(tmp);
		tmp = NULL;
	}
	/* mkdtemp made it 0700 whatever the umask. */
	if (rc == 0 && chmod(tmp, 0755) < 0)
		rc = vm_err_set(err, VM_ERR_IO, "cannot chmod %s: %s", tmp, strerror(errno));
	for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		if (rc == 0 && f[k].data && tree_put(tmp, f[k].rel, f[k].data, f[k].mode, err) < 0)
			rc = -1;
		free(f[k].data);
	}
	if (rc == 0)
		rc = agent_dir_install(tmp, base, err);
	/* Now the old tree, or what the failed write left. */
	if (tmp && nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT && rc == 0)
		rc = vm_err_set(err, VM_ERR_IO, "cannot remove the old directory %s: %s", tmp,
				strerror(errno));
	if (rc < 0 && strncmp(err->msg, "agents[", 7) != 0)
		vm_err_prefix(err, "agents[%zu] (%s)", i, plan->agents[i].vm);
	free(tmp);
	free(base);
	return rc;
}

int vm_guest_write(const struct vm_plan *plan, const struct vm_guest_agent *agents,
		   const char *dir, struct vm_err *err)
{
	char *summary;
	int rc;

	if (!dir || !*dir)
		return vm_err_set(err, VM_ERR_USAGE, "no output directory given for the guest files");
	if (vm_guest_check(plan, agents, err) < 0)
		return -1;
	if (vm_guest_dir_prepare(plan, dir, err) < 0)
		return -1;
	for (size_t i = 0; i < plan->n_agents; i++)
		if (agent_write(plan, i, agents ? &agents[i] : NULL, dir, err) < 0)
			return -1;
	summary = vm_summary_emit(plan, agents);
	rc = tree_put(dir, VM_GUEST_SUMMARY_PATH, summary, 0644, err);
	free(summary);
	return rc;
}
