/* vs_http_trace.h — the --debug trace: what vs_http writes of each request and answer,
 * with the secrets it was told of (vs_http_add_secret) masked as they are and as the SOAP
 * writer escapes them, every <password> element starred, and the session keys of any
 * answer holding a UserSession registered before that answer is written.
 *
 * Ownership: struct vs_trace_secrets owns its strings (wiped on clear); zero-initialise. */
#ifndef VS_HTTP_TRACE_H
#define VS_HTTP_TRACE_H

#include <stddef.h>
#include <stdio.h>

struct vs_trace_secrets {
	char **v; /* owned strings */
	size_t n, cap;
};

/* Adds a secret to mask (shorter than 3 bytes: ignored; twice: once). */
void vs_trace_secret_add(struct vs_trace_secrets *sec, const char *secret);
void vs_trace_secrets_clear(struct vs_trace_secrets *sec);

/* Writes "head\ntext\n\n" to debug (nothing when debug is NULL), secrets masked. */
void vs_trace_write(FILE *debug, const struct vs_trace_secrets *sec, const char *head, const char *text,
		    size_t len);
/* The same for an answer: its session keys are learnt first (an unreadable answer that
 * mentions loginTime has every <key> masked instead). */
void vs_trace_answer(FILE *debug, struct vs_trace_secrets *sec, const char *head, const char *text, size_t len);

#endif
