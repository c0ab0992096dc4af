/* vs_tag_json.h — the JSON of vCenter's tagging API (vSphere Automation, either flavor, see
 * vs_rest.h): readers of its answers and writers of the object lists vtrunk sends. No
 * network: tested on captured answers (tests/unit/test_tag.c) and fuzzed (fuzz_rest.c).
 *
 * Ownership: parsers read a borrowed answer and hand back owned results, released with
 * the matching *_free / *_clear; `what` names the call in messages ("POST /rest/…").
 * Writers return an owned cJSON (cJSON_Delete).
 */
#ifndef VS_TAG_JSON_H
#define VS_TAG_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "vm_err.h"
#include "vs_http.h"
#include "vs_rest.h"
#include "vs_xml.h"

#define VS_TAG_ID_MAX 1024 /* an id longer than this is not one vCenter made */

/* A category or a tag (GET …/category/<id>, …/tag/<id>); members owned. */
struct vs_tag_item {
	char *id;
	char *name;
	char *category_id;  /* tags only; NULL otherwise */
};
void vs_tag_item_clear(struct vs_tag_item *it);

/* An object and the tags on it (list-attached-tags-on-objects); tag_ids owned. */
struct vs_tag_object_tags {
	struct vs_moref obj;
	char **tag_ids;
	size_t n_tags;
};

/* A list of ids (a list, list-tags-for-category): an owned array of owned strings. An
 * empty answer or a null value is an empty list. */
int vs_tag_ids_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
		     char ***ids, size_t *n, struct vm_err *err);
void vs_tag_ids_free(char **ids, size_t n);
int vs_tag_item_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
		      struct vs_tag_item *out, struct vm_err *err);
/* The objects of list-attached-objects ([{"id": "vm-42", "type": "VirtualMachine"}, …]):
 * an owned array. */
int vs_tag_objects_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
			 struct vs_moref **objs, size_t *n, struct vm_err *err);
/* The answer of list-attached-tags-on-objects ([{"object_id": {"id": …, "type": …},
 * "tag_ids": [ids]}, …]; vcsim writes null for no tags): an owned array, released with
 * vs_tag_object_tags_free(). An empty answer or a null value is an empty list. */
int vs_tag_object_tags_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
			     struct vs_tag_object_tags **ots, size_t *n, struct vm_err *err);
void vs_tag_object_tags_free(struct vs_tag_object_tags *ots, size_t n);
/* The id a create answers with. */
int vs_tag_id_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
		    char **id, struct vm_err *err);
/* A BatchResult of attach/detach-…-multiple-… ({"success": …, "error_messages": […]}):
 * 0 when it succeeded or the answer is empty (vcsim's), else -1 (kind fault, err->fault
 * the first error's id, the messages in err->msg). */
int vs_tag_batch_parse(enum vs_rest_flavor f, const struct vs_http_resp *resp, const char *what,
		       struct vm_err *err);

/* 1 when a and b name the same object. */
int vs_tag_object_eq(const struct vs_moref *a, const struct vs_moref *b);
/* {"id": ref->value, "type": ref->type} */
cJSON *vs_tag_object_json(const struct vs_moref *ref);
/* {"object_ids": [{"id": …, "type": …}, …]} */
cJSON *vs_tag_objects_json(const struct vs_moref *objs, size_t n);

#endif
