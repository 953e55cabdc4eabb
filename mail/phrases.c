/*
 * phrases.c: find which of several phrase lists occur in a text, in one
 * pass. The phrases of all lists go into one Aho-Corasick automaton,
 * compiled to a table-driven DFA over byte classes (bytes that occur in
 * no phrase share one class; an upper-case ASCII letter is its lower-case
 * letter), so a scan costs two table lookups a byte however many phrases
 * there are. Built once at first use, then only read: threads share it
 * without a lock.
 */
#include <string.h>

#include "mail/mail_internal.h"

/* States fit a guint16; the classifier's lists need a few thousand. */
#define MAX_STATES 65535

/* Chains a long scan is cut into, run side by side: each move waits on
 * the one before, so one chain leaves the CPU idle. */
#define CHAINS 4

struct cad_phrases {
	guint8 cls[256]; /* byte to class; 0 for bytes in no phrase */
	guint nclass;    /* classes, 0 included */
	guint nstate;    /* states, the root (0) included */
	gsize maxlen;    /* longest phrase, in bytes */
	guint16 *delta;  /* nstate * nclass: the next state */
	guint64 *out;    /* nstate: lists that end here or at a suffix */
};

/* Number the states in breadth-first order: the shallow states, where
 * a scan spends most of its time, then share a few cache lines. */
static void
renumber(cad_phrases *p, const guint *order)
{
	const guint nc = p->nclass;
	guint16 *delta = g_new(guint16, (gsize)p->nstate * nc);
	guint64 *out = g_new(guint64, p->nstate);
	guint *rank = g_new(guint, p->nstate);

	for (guint i = 0; i < p->nstate; i++)
		rank[order[i]] = i;
	for (guint i = 0; i < p->nstate; i++) {
		guint s = order[i];
		out[i] = p->out[s];
		for (guint c = 0; c < nc; c++)
			delta[i * nc + c] = (guint16)rank[p->delta[s * nc + c]];
	}
	g_free(rank);
	g_free(p->delta);
	g_free(p->out);
	p->delta = delta;
	p->out = out;
}

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
		for (gsize i = 0; lists[l][i] != NULL; i++) {
			gsize len = strlen(lists[l][i]);
			p->maxlen = MAX(p->maxlen, len);
			chars += len;
			for (gsize k = 0; k < len; k++) {
				guchar c = (guchar)lists[l][i][k];
				/* Phrases are written in lower case. */
				g_assert(!(c >= 'A' && c <= 'Z'));
				if (p->cls[c] == 0)
					p->cls[c] = (guint8)p->nclass++;
			}
		}
	g_assert(p->nclass <= 256 && chars <= MAX_STATES &&
	         p->maxlen <= CAD_PHRASE_MAX);
	for (guint c = 'A'; c <= 'Z'; c++)
		p->cls[c] = p->cls[c + 32];
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
	renumber(p, queue);
	g_free(queue);
	g_free(fail);
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

char *
cad_phrases_fold(const char *s, gsize len, gsize *flen)
{
	char *f = g_malloc(len + CAD_FOLD_PAD);
	gsize k = 0;

	/* As cad_text_fold(), without the lower case, which the classes
	 * do: no leading space, one space for a run of white space. */
	for (gsize i = 0; s != NULL && i < len; i++) {
		char c = s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (k == 0 || f[k - 1] == ' ')
				continue;
			c = ' ';
		}
		f[k++] = c;
	}
	memset(f + k, 0, CAD_FOLD_PAD);
	*flen = k;
	return f;
}

/* Scan CHAINS pieces of f at once. Each chain starts maxlen - 1 bytes
 * before its piece, so a phrase across a cut is found by the chain it
 * ends in; the last chains run on into the padding, whose NUL bytes are
 * in no phrase. */
guint64
cad_phrases_scan_folded(const cad_phrases *p, const char *f, gsize flen)
{
	const guint16 *d = p->delta;
	const guint nc = p->nclass;
	const gsize q = (flen + CHAINS - 1) / CHAINS, ov = p->maxlen - 1;
	const guchar *c[CHAINS];
	guint st[CHAINS] = {0};
	guint64 m = 0;

	for (guint k = 0; k < CHAINS; k++)
		c[k] = (const guchar *)f + k * q - MIN(ov, k * q);
	for (gsize i = 0; i < q + ov; i++)
		for (guint k = 0; k < CHAINS; k++) {
			st[k] = d[st[k] * nc + p->cls[c[k][i]]];
			m |= p->out[st[k]];
		}
	return m;
}

guint64
cad_phrases_scan_fold(const cad_phrases *p, const char *s, gsize len)
{
	gsize flen;
	g_autofree char *f = cad_phrases_fold(s, len, &flen);

	return cad_phrases_scan_folded(p, f, flen);
}

gssize
cad_phrases_first(const cad_phrases *p, const char *s, gsize len)
{
	const guint16 *d = p->delta;
	const guint nc = p->nclass;
	guint st = 0;

	if (s == NULL)
		return -1;
	for (gsize i = 0; i < len; i++) {
		st = d[st * nc + p->cls[(guchar)s[i]]];
		if (p->out[st] != 0)
			return (gssize)i;
	}
	return -1;
}
