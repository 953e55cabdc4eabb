/*
 * phrases.c: find which of several phrase lists occur in a text, in one
 * pass. The phrases of all lists go into one Aho-Corasick automaton,
 * compiled to a table-driven DFA over byte classes (bytes that occur in
 * no phrase share one class), so a scan costs two table lookups a byte
 * however many phrases there are. Built once at first use, then only
 * read: threads share it without a lock.
 */
#include <string.h>

#include "mail/mail_internal.h"

/* States fit a guint16; the classifier's lists need a few thousand. */
#define MAX_STATES 65535

struct cad_phrases {
	guint8 cls[256]; /* byte to class; 0 for bytes in no phrase */
	guint nclass;    /* classes, 0 included */
	guint nstate;    /* states, the root (0) included */
	guint16 *delta;  /* nstate * nclass: the next state */
	guint64 *out;    /* nstate: lists that end here or at a suffix */
};

cad_phrases *
cad_phrases_new(const char *const *const *lists, guint n)
{
	cad_phrases *p = g_new0(cad_phrases, 1);
	gsize chars = 1;
	guint *fail, *queue, head = 0, tail = 0, nc;

	g_assert(n <= 64);
	/* Classes first: the table's width. */
	p->nclass = 1;
	for (guint l = 0; l < n; l++)
		for (gsize i = 0; lists[l][i] != NULL; i++)
			for (const guchar *c = (const guchar *)lists[l][i];
			     *c != '\0'; c++, chars++)
				if (p->cls[*c] == 0)
					p->cls[*c] = (guint8)p->nclass++;
	g_assert(p->nclass <= 256 && chars <= MAX_STATES);
	nc = p->nclass;
	/* The trie, in the table itself: 0 is "no child", since no move
	 * of the trie leads back to the root. */
	p->delta = g_new0(guint16, chars * nc);
	p->out = g_new0(guint64, chars);
	p->nstate = 1;
	for (guint l = 0; l < n; l++)
		for (gsize i = 0; lists[l][i] != NULL; i++) {
			guint s = 0;
			g_assert(lists[l][i][0] != '\0');
			for (const guchar *c = (const guchar *)lists[l][i];
			     *c != '\0'; c++) {
				guint16 *t = &p->delta[s * nc + p->cls[*c]];
				if (*t == 0)
					*t = (guint16)p->nstate++;
				s = *t;
			}
			p->out[s] |= G_GUINT64_CONSTANT(1) << l;
		}
	/* Breadth first, each state's missing moves are its failure
	 * state's, which is nearer the root and so already complete. */
	fail = g_new0(guint, p->nstate);
	queue = g_new(guint, p->nstate);
	queue[tail++] = 0;
	while (head < tail) {
		guint s = queue[head++];
		for (guint c = 0; c < nc; c++) {
			guint16 *t = &p->delta[s * nc + c];
			if (*t != 0) {
				fail[*t] =
				    s == 0 ? 0 : p->delta[fail[s] * nc + c];
				p->out[*t] |= p->out[fail[*t]];
				queue[tail++] = *t;
			} else if (s != 0)
				*t = p->delta[fail[s] * nc + c];
		}
	}
	g_free(queue);
	g_free(fail);
	p->delta = g_renew(guint16, p->delta, (gsize)p->nstate * nc);
	p->out = g_renew(guint64, p->out, p->nstate);
	return p;
}

void
cad_phrases_free(cad_phrases *p)
{
	if (p == NULL)
		return;
	g_free(p->delta);
	g_free(p->out);
	g_free(p);
}

guint64
cad_phrases_scan(const cad_phrases *p, const char *s, gsize len)
{
	const guint16 *d = p->delta;
	const guint nc = p->nclass;
	guint st = 0;
	guint64 m = 0;

	if (s == NULL)
		return 0;
	for (gsize i = 0; i < len; i++) {
		st = d[st * nc + p->cls[(guchar)s[i]]];
		m |= p->out[st];
	}
	return m;
}

guint64
cad_phrases_scan_fold(const cad_phrases *p, const char *s, gsize len)
{
	const guint16 *d = p->delta;
	const guint nc = p->nclass;
	guint st = 0;
	guint64 m = 0;
	/* As cad_text_fold(): no leading space, one space for a run. */
	gboolean space = TRUE;

	if (s == NULL)
		return 0;
	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (space)
				continue;
			space = TRUE;
			c = ' ';
		} else {
			space = FALSE;
			if (c >= 'A' && c <= 'Z')
				c += 32;
		}
		st = d[st * nc + p->cls[c]];
		m |= p->out[st];
	}
	return m;
}
