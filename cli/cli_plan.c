#include "cli_plan.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "cli_plan_autoscale.h"
#include "cli_plan_json.h"
#include "cli_plan_lists.h"
#include "cli_plan_sections.h"
#include "cli_plan_text.h"
#include "vm_alloc.h"
#include "vm_ipplan.h"

/* --- entry points ---------------------------------------------------------------- */

static int json_syntax_error(const char *json, const char *stop, const char *name,
			     struct vm_err *err)
{
	size_t off = stop && stop >= json ? (size_t)(stop - json) : 0;
	size_t line = 1, col = 1;
	char snippet[CLI_PLAN_PATH_LEN];
	const char *ls;

	for (size_t i = 0; i < off && json[i]; i++) {
		if (json[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)json[i] & 0xc0) != 0x80) {
			col++;
		}
	}
	if (off >= strlen(json)) {
		if (strspn(json, " \t\r\n") == strlen(json))
			return vm_err_set(err, VM_ERR_USAGE,
					  "%s: empty file: expected a JSON object", name);
		return vm_err_set(err, VM_ERR_USAGE,
				  "%s:%zu:%zu: malformed JSON: unexpected end of file (unclosed "
				  "string, object or array?)",
				  name, line, col);
	}
	/* cJSON sometimes stops one character past the culprit (a stray '}' after a
	 * comma), so show a little of the same line on both sides. */
	ls = json + off;
	{
		size_t before = 0, after = strcspn(ls, "\r\n");
		char *tmp;

		while (before < 20 && ls - before > json && ls[-(ptrdiff_t)before - 1] != '\n' &&
		       ls[-(ptrdiff_t)before - 1] != '\r')
			before++;
		if (after > 20)
			after = 20;
		tmp = vm_xstrndup(ls - before, before + after);
		cli_plan_quote(tmp, snippet, sizeof(snippet));
		free(tmp);
	}
	return vm_err_set(err, VM_ERR_USAGE, "%s:%zu:%zu (byte %zu): malformed JSON near %s", name,
			  line, col, off, snippet);
}

int cli_plan_load_string(const char *json, const char *source_name, struct vm_plan **out,
			 struct vm_err *err)
{
	const char *name = source_name ? source_name : "<plan>";
	const char *body = json, *stop = NULL;
	char *masked;
	uint32_t sentinel;
	struct vm_plan *plan = NULL;
	cJSON *root = NULL;
	int rc = -1;
	static const char *const keys[] = {"datacenter", "switch", "trunk", "management",
					   "guest", "vlans", "agents", "tags", "autoscale", NULL};

	*out = NULL;
	if (!json)
		return vm_err_set(err, VM_ERR_USAGE, "%s: no plan text", name);
	/* Editors on Windows like to start files with a byte order mark; cJSON does not. */
	if ((unsigned char)body[0] == 0xef && (unsigned char)body[1] == 0xbb &&
	    (unsigned char)body[2] == 0xbf)
		body += 3;
	masked = cli_plan_nul_mask(body, &sentinel);
	root = cJSON_ParseWithOpts(masked ? masked : body, &stop, 1);
	if (!root) {
		/* Offsets into the copy are offsets into the text. */
		if (masked && stop)
			stop = body + (stop - masked);
		free(masked);
		return json_syntax_error(json, stop, name, err);
	}
	free(masked);
	if (cli_plan_nul_find(root, sentinel, err) < 0)
		goto cleanup;
	if (!cJSON_IsObject(root)) {
		vm_err_set(err, VM_ERR_USAGE, "%s: a plan is a JSON object, got %s", name,
			   cli_plan_type_name(root));
		goto cleanup;
	}

	plan = vm_xcalloc(1, sizeof(*plan));
	plan->trunk.binding = VM_BINDING_STATIC;
	plan->trunk.ports = 8;
	plan->trunk.nic_type = VM_NIC_VMXNET3;
	plan->management.prefix = 24;
	plan->guest.formats = VM_FMT_IFUPDOWN | VM_FMT_NETPLAN;
	plan->guest.trunk_ifname = vm_xstrdup("ens160");
	plan->guest.mgmt_ifname = vm_xstrdup("ens192");
	plan->guest.docker_version = vm_xstrdup("20.10");

	if (cli_plan_check_keys(root, "", keys, err) < 0 ||
	    cli_plan_get_string(root, "", "datacenter", 0, &plan->datacenter, err) < 0 ||
	    cli_plan_get_string(root, "", "switch", 1, &plan->sw, err) < 0 ||
	    cli_plan_trunk_load(root, plan, err) < 0 || cli_plan_management_load(root, plan, err) < 0 ||
	    cli_plan_guest_load(root, plan, err) < 0 || cli_plan_tags_load(root, plan, err) < 0 ||
	    cli_plan_lists_load(root, plan, err) < 0 ||
	    vm_plan_validate(plan, err) < 0 || cli_plan_autoscale_load(root, plan, err) < 0)
		goto cleanup;
	*out = plan;
	plan = NULL;
	rc = 0;

cleanup:
	vm_plan_free(&plan);
	cJSON_Delete(root);
	return rc;
}

int cli_plan_load_file(const char *path, struct vm_plan **out, struct vm_err *err)
{
	int is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	struct vm_buf b = {0};
	struct stat st;
	char chunk[65536];
	int fd, rc = -1;
	ssize_t n;

	*out = NULL;
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vm_err_set(err, VM_ERR_USAGE, "%s: cannot open the plan file: %s", name,
				  strerror(errno));
	if (fstat(fd, &st) < 0) {
		vm_err_set(err, VM_ERR_USAGE, "%s: cannot read the plan file: %s", name,
			   strerror(errno));
		goto cleanup;
	}
	if (S_ISDIR(st.st_mode)) {
		vm_err_set(err, VM_ERR_USAGE, "%s: is a directory, not a plan file", name);
		goto cleanup;
	}
	/* st_size is only a hint (pipes say 0), so the read loop enforces the cap too. */
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > CLI_PLAN_MAX_BYTES)
		goto too_big;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vm_err_set(err, VM_ERR_USAGE, "%s: cannot read the plan file: %s", name,
				   strerror(errno));
			goto cleanup;
		}
		if (n == 0)
			break;
		vm_buf_add(&b, chunk, (size_t)n);
		if (b.len > CLI_PLAN_MAX_BYTES)
			goto too_big;
	}
	if (b.len == 0) {
		vm_err_set(err, VM_ERR_USAGE, "%s: empty file: expected a JSON object", name);
		goto cleanup;
	}
	/* A NUL would silently end the text early; such a file is not JSON. */
	if (memchr(b.data, '\0', b.len)) {
		vm_err_set(err, VM_ERR_USAGE, "%s: contains a NUL byte at offset %zu: not a JSON text",
			   name, (size_t)((char *)memchr(b.data, '\0', b.len) - b.data));
		goto cleanup;
	}
	rc = cli_plan_load_string(b.data, name, out, err);
	goto cleanup;

too_big:
	vm_err_set(err, VM_ERR_USAGE, "%s: larger than %u MiB: refused as a plan file", name,
		   CLI_PLAN_MAX_BYTES / (1024 * 1024));
cleanup:
	vm_buf_reset(&b);
	if (!is_stdin)
		close(fd);
	return rc;
}
