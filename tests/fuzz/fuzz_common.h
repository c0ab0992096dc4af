/* fuzz_common.h — shared by the libFuzzer targets in tests/fuzz/: a fake HTTP answer
 * built from the fuzzer's bytes, the list of methods vtrunk calls, libxml2 set up once
 * and silenced, and a check that a failing call left a usable error behind.
 *
 * Input layout of the SOAP-shaped targets (fuzz_soap, fuzz_inventory, fuzz_task): one
 * selector byte, then the HTTP body. Selector bits 0-3 pick the method the answer is
 * read for, bits 4-5 the HTTP status (200, 500, 503, 200), bit 6 the content type
 * (text/xml or text/html), bit 7 is the target's own. tests/fuzz/run.sh writes the
 * seeds (every file under fixtures/soap) in that layout: keep METHODS in step with its list.
 *
 * Ownership: fuzz_resp_make() allocates resp->body (NUL-terminated); fuzz_resp_clear()
 * frees it. Nothing here touches the network or the file system. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "vm_err.h"
#include "vs_http.h"

/* Same order as METHODS in tests/fuzz/run.sh. */
static const char *const fuzz_methods[16] = {
	"RetrieveServiceContent", "Login", "Logout", "CreateContainerView",
	"RetrievePropertiesEx", "ContinueRetrievePropertiesEx", "CreateFilter", "WaitForUpdatesEx",
	"AddDVPortgroup_Task", "ReconfigureDVPortgroup_Task", "CreateDVPortgroup_Task", "ReconfigVM_Task",
	"Destroy_Task", "DestroyPropertyFilter", "DestroyView", "RetrieveProperties",
};
static const long fuzz_statuses[4] = {200, 500, 503, 200};

#define FUZZ_SEL_METHOD(sel) (fuzz_methods[(sel) & 15])
#define FUZZ_SEL_EXTRA(sel) (((sel) & 0x80) != 0)

static inline void fuzz_xml_silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static inline void fuzz_xml_silent_structured(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

/* libxml2's global state is set up once (not per input: it would show as a leak). */
static inline void fuzz_xml_init(void)
{
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, fuzz_xml_silent);
	xmlSetStructuredErrorFunc(NULL, fuzz_xml_silent_structured);
}

/* Builds the answer from data[1..] with the status and content type data[0] selects. */
static inline void fuzz_resp_make(struct vs_http_resp *r, uint8_t sel, const uint8_t *body, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->status = fuzz_statuses[(sel >> 4) & 3];
	r->body = malloc(len + 1);
	if (!r->body)
		abort();
	if (len)
		memcpy(r->body, body, len);
	r->body[len] = '\0';
	r->len = len;
	r->cap = len + 1;
	snprintf(r->content_type, sizeof(r->content_type), "%s",
		 (sel & 0x40) ? "text/html; charset=utf-8" : "text/xml; charset=utf-8");
}

static inline void fuzz_resp_clear(struct vs_http_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = r->cap = 0;
}

/* A property violated: say which on stderr and abort, so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond, ...)                                                     \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "fuzz check failed: %s (%s:%d): ", #cond, \
				__FILE__, __LINE__);                              \
			fprintf(stderr, __VA_ARGS__);                             \
			fputc('\n', stderr);                                      \
			abort();                                                  \
		}                                                                 \
	} while (0)

/* Every -1 must leave a kind and a whole, terminated message (DESIGN.md: errors carry
 * the kind and a whole-sentence message). */
static inline void fuzz_err_check(const struct vm_err *e, const char *what)
{
	FUZZ_CHECK(memchr(e->msg, '\0', sizeof(e->msg)) != NULL, "%s: message not terminated", what);
	FUZZ_CHECK(memchr(e->fault, '\0', sizeof(e->fault)) != NULL, "%s: fault not terminated", what);
	FUZZ_CHECK(e->kind != VM_ERR_NONE, "%s: failed without an error kind (msg \"%s\")", what, e->msg);
	FUZZ_CHECK(e->msg[0] != '\0', "%s: failed with an empty message (kind %s)", what,
		   vm_err_kind_name(e->kind));
}

/* The libFuzzer start-up hook of the SOAP-shaped targets: libxml2 set up once, silenced. */
#define FUZZ_XML_INITIALIZE                                        \
	int LLVMFuzzerInitialize(int *argc, char ***argv);         \
	int LLVMFuzzerInitialize(int *argc, char ***argv)          \
	{                                                          \
		(void)argc;                                        \
		(void)argv;                                        \
		fuzz_xml_init();                                   \
		return 0;                                          \
	}

#endif
