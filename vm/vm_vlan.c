#include "vm_vlan.h"

#include <stdlib.h>
#include <string.h>

#include "vm_alloc.h"

int vm_vlan_set_add(struct vm_vlan_set *set, int lo, int hi, struct vm_err *err)
{
	size_t i, j;

	if (lo < 0 || lo > VM_VLAN_MAX)
		return vm_err_set(err, VM_ERR_USAGE, "%d is outside 0-%d", lo, VM_VLAN_MAX);
	if (hi < 0 || hi > VM_VLAN_MAX)
		return vm_err_set(err, VM_ERR_USAGE, "%d is outside 0-%d", hi, VM_VLAN_MAX);
	if (lo > hi)
		return vm_err_set(err, VM_ERR_USAGE, "%d-%d is reversed", lo, hi);

	/* First range that overlaps or touches lo..hi, or that lies after it. The
	 * `hi + 1 < lo` form merges adjacent ranges too (100-199 + 200-300). */
	for (i = 0; i < set->n && set->r[i].hi + 1 < lo; i++)
		;
	for (j = i; j < set->n && set->r[j].lo <= hi + 1; j++) {
		if (set->r[j].lo < lo)
			lo = set->r[j].lo;
		if (set->r[j].hi > hi)
			hi = set->r[j].hi;
	}
	if (i == j) {
		set->r = vm_xgrow(set->r, &set->cap, set->n + 1, sizeof(*set->r));
		memmove(&set->r[i + 1], &set->r[i], (set->n - i) * sizeof(*set->r));
		set->n++;
	} else if (j > i + 1) {
		memmove(&set->r[i + 1], &set->r[j], (set->n - j) * sizeof(*set->r));
		set->n -= j - i - 1;
	}
	set->r[i].lo = lo;
	set->r[i].hi = hi;
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Reads a run of digits. Values too large for an int saturate just past the limit so
 * the caller still says "is outside", quoting the digits as written. */
static const char *read_number(const char *p, const char *end, int *out)
{
	long v = 0;

	if (p >= end || *p < '0' || *p > '9')
		return NULL;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > VM_VLAN_MAX + 1)
			v = VM_VLAN_MAX + 1;
	}
	*out = (int)v;
	return p;
}

/* One item of the list, s..e with the surrounding blanks already trimmed. */
static int parse_item(const char *s, const char *e, struct vm_vlan_set *set, struct vm_err *err)
{
	const char *p, *lo_end, *hi_start;
	int lo, hi;
	int n = (int)(e - s);

	p = read_number(s, e, &lo);
	if (!p)
		goto garbage;
	lo_end = p;
	hi = lo;
	hi_start = s;
	while (p < e && is_space(*p))
		p++;
	if (p < e) {
		if (*p != '-')
			goto garbage;
		p++;
		while (p < e && is_space(*p))
			p++;
		hi_start = p;
		p = read_number(p, e, &hi);
		if (p != e)
			goto garbage;
	}
	if (lo > VM_VLAN_MAX)
		return vm_err_set(err, VM_ERR_USAGE, "%.*s is outside 0-%d", (int)(lo_end - s), s,
				  VM_VLAN_MAX);
	if (hi > VM_VLAN_MAX)
		return vm_err_set(err, VM_ERR_USAGE, "%.*s is outside 0-%d", (int)(e - hi_start),
				  hi_start, VM_VLAN_MAX);
	if (lo > hi)
		return vm_err_set(err, VM_ERR_USAGE, "\"%.*s\" is reversed", n, s);
	return vm_vlan_set_add(set, lo, hi, err);

garbage:
	/* Long garbage is cut short: the message must stay one readable line. */
	if (n > 40)
		return vm_err_set(err, VM_ERR_USAGE,
				  "\"%.40s...\" is not a VLAN id or range (expected e.g. \"100-200,300\")",
				  s);
	return vm_err_set(err, VM_ERR_USAGE,
			  "\"%.*s\" is not a VLAN id or range (expected e.g. \"100-200,300\")", n, s);
}

int vm_vlan_parse(const char *text, struct vm_vlan_set *set, struct vm_err *err)
{
	/* Parsed into a scratch set first so a bad item leaves *set untouched. */
	struct vm_vlan_set tmp = {0};
	const char *p = text, *s, *e;
	int item = 0, only_blanks = 1;

	for (const char *q = text; *q; q++)
		if (!is_space(*q))
			only_blanks = 0;
	if (only_blanks)
		return vm_err_set(err, VM_ERR_USAGE, "no VLAN ranges");

	for (;;) {
		item++;
		s = p;
		while (*p && *p != ',')
			p++;
		e = p;
		while (s < e && is_space(*s))
			s++;
		while (e > s && is_space(e[-1]))
			e--;
		if (s == e) {
			vm_vlan_set_clear(&tmp);
			return vm_err_set(err, VM_ERR_USAGE, "item %d is empty (in \"%s\")", item,
					  text);
		}
		if (parse_item(s, e, &tmp, err) < 0) {
			vm_vlan_set_clear(&tmp);
			return -1;
		}
		if (!*p)
			break;
		p++; /* the comma */
	}
	for (size_t i = 0; i < tmp.n; i++)
		vm_vlan_set_add(set, tmp.r[i].lo, tmp.r[i].hi, NULL);
	vm_vlan_set_clear(&tmp);
	return 0;
}

int vm_vlan_set_contains(const struct vm_vlan_set *set, int id)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (id < set->r[mid].lo)
			hi = mid;
		else if (id > set->r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

int vm_vlan_set_equal(const struct vm_vlan_set *a, const struct vm_vlan_set *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->r[i].lo != b->r[i].lo || a->r[i].hi != b->r[i].hi)
			return 0;
	return 1;
}

char *vm_vlan_set_format(const struct vm_vlan_set *set)
{
	struct vm_buf b = {0};

	for (size_t i = 0; i < set->n; i++) {
		if (i)
			vm_buf_adds(&b, ",");
		if (set->r[i].lo == set->r[i].hi)
			vm_buf_addf(&b, "%d", set->r[i].lo);
		else
			vm_buf_addf(&b, "%d-%d", set->r[i].lo, set->r[i].hi);
	}
	return vm_buf_steal(&b);
}

void vm_vlan_set_clear(struct vm_vlan_set *set)
{
	if (!set)
		return;
	free(set->r);
	set->r = NULL;
	set->n = set->cap = 0;
}

void vm_vlan_set_subtract(const struct vm_vlan_set *a, const struct vm_vlan_set *b, struct vm_vlan_set *out)
{
	vm_vlan_set_clear(out);
	for (size_t i = 0; i < a->n; i++) {
		int lo = a->r[i].lo;
		/* b is sorted and merged: walk the pieces of a[i] that b leaves uncovered. */
		for (size_t j = 0; j < b->n && lo <= a->r[i].hi; j++) {
			if (b->r[j].hi < lo || b->r[j].lo > a->r[i].hi)
				continue;
			if (b->r[j].lo > lo)
				vm_vlan_set_add(out, lo, b->r[j].lo - 1, NULL);
			lo = b->r[j].hi + 1;
		}
		if (lo <= a->r[i].hi)
			vm_vlan_set_add(out, lo, a->r[i].hi, NULL);
	}
}
