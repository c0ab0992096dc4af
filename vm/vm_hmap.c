/* vm_hmap.c — see vm_hmap.h. Open addressing with linear probing; FNV-1a hashes. */
#include "vm_hmap.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vm_alloc.h"

static size_t hash_of(const char *s, int fold)
{
	size_t h = (size_t)14695981039346656037ull;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (fold && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = (h ^ c) * (size_t)1099511628211ull;
	}
	return h;
}

static void insert(struct vm_hmap_slot *slots, size_t cap, const struct vm_hmap_slot *e)
{
	size_t i = e->hash & (cap - 1);

	while (slots[i].key)
		i = (i + 1) & (cap - 1);
	slots[i] = *e;
}

void vm_hmap_put(struct vm_hmap *m, const char *key, size_t val)
{
	struct vm_hmap_slot e = {key, hash_of(key, m->fold), val};

	/* At most half full: probes stay short. */
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct vm_hmap_slot *s = vm_xcalloc(cap, sizeof(*s));
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i].key)
				insert(s, cap, &m->slots[i]);
		free(m->slots);
		m->slots = s;
		m->cap = cap;
	}
	insert(m->slots, m->cap, &e);
	m->n++;
}

int vm_hmap_next(const struct vm_hmap *m, const char *key, size_t *pos, size_t *val)
{
	size_t h, i;

	if (!m->cap)
		return 0;
	h = hash_of(key, m->fold);
	/* *pos counts the probes already made, so the walk resumes after the last hit. */
	for (i = *pos; i < m->cap; i++) {
		const struct vm_hmap_slot *s = &m->slots[(h + i) & (m->cap - 1)];
		if (!s->key)
			break;
		if (s->hash == h && (m->fold ? strcasecmp(s->key, key) : strcmp(s->key, key)) == 0) {
			*pos = i + 1;
			*val = s->val;
			return 1;
		}
	}
	*pos = m->cap;
	return 0;
}

void vm_hmap_free(struct vm_hmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}
