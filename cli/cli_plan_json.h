/* cli_plan_json.h — the plan loader's readers of JSON members, shared by cli_plan.c and
 * the loaders of the plan's sections (cli_plan_sections.c, cli_plan_lists.c). Each checks
 * a member's type (and range) and on failure sets a VM_ERR_USAGE error whose message starts
 * with the member's path ("vlans[0].gateway: ..."), as cli_plan.h promises.
 *
 * Paths: parent "" is the plan's top level; one longer than CLI_PLAN_PATH_LEN is cut
 * visibly ("..."). Ownership: strings read are owned copies (free()); a string read
 * again replaces (and frees) what *out held. */
#ifndef CLI_PLAN_JSON_H
#define CLI_PLAN_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "vm_err.h"

#define CLI_PLAN_PATH_LEN 192

/* -1 with "PATH: MESSAGE" (VM_ERR_USAGE). */
int cli_plan_fail(struct vm_err *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "a string", "an object", ...: for "expected X, got Y". */
const char *cli_plan_type_name(const cJSON *j);
/* out = parent.key (key alone at the top level); out = parent[i]. */
void cli_plan_path_key(char out[CLI_PLAN_PATH_LEN], const char *parent, const char *key);
void cli_plan_path_index(char out[CLI_PLAN_PATH_LEN], const char *parent, size_t i);
/* Every member of obj is one of keys (NULL-terminated), at most once. */
int cli_plan_check_keys(const cJSON *obj, const char *path, const char *const *keys,
			struct vm_err *err);
int cli_plan_want_object(const cJSON *j, const char *path, struct vm_err *err);
int cli_plan_want_array(const cJSON *j, const char *path, struct vm_err *err);
/* j is a whole number within lo..hi. */
int cli_plan_int_value(const cJSON *j, const char *path, long lo, long hi, int *out,
		       struct vm_err *err);
/* j is an IPv4 address string. */
int cli_plan_ip_value(const cJSON *j, const char *path, uint32_t *out, struct vm_err *err);

/* Members of obj (path parent.key). required: absent is an error; otherwise *out keeps
 * what it held, and *present (may be NULL) says whether the key was there. */
int cli_plan_get_string(const cJSON *obj, const char *parent, const char *key, int required,
			char **out, struct vm_err *err);
int cli_plan_get_int(const cJSON *obj, const char *parent, const char *key, int required,
		     long lo, long hi, int *out, int *present, struct vm_err *err);
/* *out = the index of the value in names[] (NULL-terminated). */
int cli_plan_get_enum(const cJSON *obj, const char *parent, const char *key,
		      const char *const *names, int *out, struct vm_err *err);
int cli_plan_get_ip(const cJSON *obj, const char *parent, const char *key, int required,
		    uint32_t *out, int *present, struct vm_err *err);

#endif
