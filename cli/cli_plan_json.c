#include "cli_plan_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_plan_text.h"
#include "vm_alloc.h"
#include "vm_ipplan.h"

int cli_plan_fail(struct vm_err *err, const char *path, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vm_err_set(err, VM_ERR_USAGE, "%s: %s", path, msg);
}

const char *cli_plan_type_name(const cJSON *j)
{
	if (cJSON_IsString(j))
		return "a string";
	if (cJSON_IsNumber(j))
		return "a number";
	if (cJSON_IsObject(j))
		return "an object";
	if (cJSON_IsArray(j))
		return "an array";
	if (cJSON_IsTrue(j))
		return "true";
	if (cJSON_IsFalse(j))
		return "false";
	if (cJSON_IsNull(j))
		return "null";
	return "an unknown value";
}

/* Paths are short unless a plan nests garbage keys; cut those visibly. */
static void path_done(char out[CLI_PLAN_PATH_LEN], int n)
{
	if (n < 0 || n >= CLI_PLAN_PATH_LEN)
		memcpy(out + CLI_PLAN_PATH_LEN - 4, "...", 4);
}

void cli_plan_path_key(char out[CLI_PLAN_PATH_LEN], const char *parent, const char *key)
{
	if (parent && *parent)
		path_done(out, snprintf(out, CLI_PLAN_PATH_LEN, "%s.%s", parent, key));
	else
		path_done(out, snprintf(out, CLI_PLAN_PATH_LEN, "%s", key));
}

void cli_plan_path_index(char out[CLI_PLAN_PATH_LEN], const char *parent, size_t i)
{
	path_done(out, snprintf(out, CLI_PLAN_PATH_LEN, "%s[%zu]", parent, i));
}

/* Every member of obj must be one of keys (NULL-terminated), at most once: a typo
 * or a repeated key would otherwise be silently ignored. */
int cli_plan_check_keys(const cJSON *obj, const char *path, const char *const *keys,
		      struct vm_err *err)
{
	unsigned seen = 0;
	char p[CLI_PLAN_PATH_LEN];

	for (const cJSON *c = obj->child; c; c = c->next) {
		int k;

		for (k = 0; keys[k]; k++)
			if (strcmp(c->string, keys[k]) == 0)
				break;
		if (!keys[k]) {
			struct vm_buf list = {0};
			char shown[CLI_PLAN_PATH_LEN / 2];
			int rc;

			for (int i = 0; keys[i]; i++)
				vm_buf_addf(&list, "%s%s", i ? ", " : "", keys[i]);
			/* The key itself is user text: show it raw only when it is plain. */
			if (strlen(c->string) < 40 && c->string[strcspn(c->string, "\"\\.[]")] == 0 &&
			    cli_plan_text_check("", c->string, NULL) == 0 && *c->string)
				snprintf(shown, sizeof(shown), "%s", c->string);
			else
				cli_plan_quote(c->string, shown, sizeof(shown));
			cli_plan_path_key(p, path, shown);
			rc = cli_plan_fail(err, p, "unknown key (expected one of %s)", list.data);
			vm_buf_reset(&list);
			return rc;
		}
		if (seen & (1u << k)) {
			cli_plan_path_key(p, path, keys[k]);
			return cli_plan_fail(err, p, "appears twice");
		}
		seen |= 1u << k;
	}
	return 0;
}

int cli_plan_want_object(const cJSON *j, const char *path, struct vm_err *err)
{
	if (!cJSON_IsObject(j))
		return cli_plan_fail(err, path, "expected an object, got %s", cli_plan_type_name(j));
	return 0;
}

int cli_plan_want_array(const cJSON *j, const char *path, struct vm_err *err)
{
	if (!cJSON_IsArray(j))
		return cli_plan_fail(err, path, "expected an array, got %s", cli_plan_type_name(j));
	return 0;
}

/* Integer value of j, which must be a whole number within lo..hi. */
int cli_plan_int_value(const cJSON *j, const char *path, long lo, long hi, int *out,
		     struct vm_err *err)
{
	double d;

	if (!cJSON_IsNumber(j))
		return cli_plan_fail(err, path, "expected an integer, got %s", cli_plan_type_name(j));
	d = j->valuedouble;
	if (!isfinite(d) || d != floor(d))
		return cli_plan_fail(err, path, "%g is not an integer", d);
	if (d < (double)lo || d > (double)hi)
		return cli_plan_fail(err, path, fabs(d) < 1e15 ? "%.0f is outside %ld-%ld" : "%g is outside %ld-%ld",
			    d, lo, hi);
	*out = (int)d;
	return 0;
}

/* Optional string member: *out stays NULL when absent. With nonempty, "" is refused. */
int cli_plan_get_string(const cJSON *obj, const char *parent, const char *key, int required,
		      char **out, struct vm_err *err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	char p[CLI_PLAN_PATH_LEN];

	cli_plan_path_key(p, parent, key);
	if (!j) {
		if (required)
			return cli_plan_fail(err, p, "required");
		return 0;
	}
	if (!cJSON_IsString(j))
		return cli_plan_fail(err, p, "expected a string, got %s", cli_plan_type_name(j));
	if (!*j->valuestring)
		return cli_plan_fail(err, p, "must not be empty");
	if (cli_plan_text_check(p, j->valuestring, err) < 0)
		return -1;
	free(*out);
	*out = vm_xstrdup(j->valuestring);
	return 0;
}

int cli_plan_get_int(const cJSON *obj, const char *parent, const char *key, int required,
		   long lo, long hi, int *out, int *present, struct vm_err *err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	char p[CLI_PLAN_PATH_LEN];

	cli_plan_path_key(p, parent, key);
	if (present)
		*present = j != NULL;
	if (!j)
		return required ? cli_plan_fail(err, p, "required") : 0;
	return cli_plan_int_value(j, p, lo, hi, out, err);
}

/* names[] is NULL-terminated; *out keeps its default when the key is absent. */
int cli_plan_get_enum(const cJSON *obj, const char *parent, const char *key,
		    const char *const *names, int *out, struct vm_err *err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	char p[CLI_PLAN_PATH_LEN], q[CLI_PLAN_PATH_LEN];
	struct vm_buf list = {0};
	int rc;

	if (!j)
		return 0;
	cli_plan_path_key(p, parent, key);
	if (!cJSON_IsString(j))
		return cli_plan_fail(err, p, "expected a string, got %s", cli_plan_type_name(j));
	for (int i = 0; names[i]; i++) {
		if (strcmp(j->valuestring, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	for (int i = 0; names[i]; i++)
		vm_buf_addf(&list, "%s%s", i ? ", " : "", names[i]);
	cli_plan_quote(j->valuestring, q, sizeof(q));
	rc = cli_plan_fail(err, p, "%s is not one of %s", q, list.data);
	vm_buf_reset(&list);
	return rc;
}

int cli_plan_ip_value(const cJSON *j, const char *path, uint32_t *out, struct vm_err *err)
{
	char q[CLI_PLAN_PATH_LEN];

	if (!cJSON_IsString(j))
		return cli_plan_fail(err, path, "expected an IPv4 address string, got %s", cli_plan_type_name(j));
	if (vm_ip_parse(j->valuestring, out) < 0) {
		cli_plan_quote(j->valuestring, q, sizeof(q));
		return cli_plan_fail(err, path, "%s is not an IPv4 address", q);
	}
	return 0;
}

int cli_plan_get_ip(const cJSON *obj, const char *parent, const char *key, int required,
		  uint32_t *out, int *present, struct vm_err *err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	char p[CLI_PLAN_PATH_LEN];

	cli_plan_path_key(p, parent, key);
	if (present)
		*present = j != NULL;
	if (!j)
		return required ? cli_plan_fail(err, p, "required") : 0;
	return cli_plan_ip_value(j, p, out, err);
}
