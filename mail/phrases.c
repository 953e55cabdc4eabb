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

/* The states nearest the root get a full row of the table, as many as
 * fit in this many bytes: a scan spends most moves there. Deeper ones
 * keep only their own children and their failure state, so that a large
 * automaton stays in the CPU's caches. */
#define DENSE_BYTES (64 * 1024)

/* Chains a long scan is cut into, run side by side: each move waits on
 * the one before, so one chain leaves the CPU idle. */
#define CHAINS 4

struct cad_phrases {
	guint8 cls[256]; /* byte to class; 0 for bytes in no phrase */
	guint nclass;    /* classes, 0 included */
	guint nstate;    /* states, breadth first, the root (0) included */
	guint ndense;    /* states 0 .. ndense-1 have a row in dense */
	gsize maxlen;    /* longest phrase, in bytes */
	guint16 *dense;  /* ndense * nclass: the next state */
	guint16 *fail;   /* nstate: the longest proper suffix's state */
	guint16 *kid0;   /* nstate + 1: s's children are kids kid0[s].. */
	guint8 *kcls;    /* the class leading to each child */
	guint16 *knext;  /* each child */
	guint16 *outi;   /* nstate: index into masks */
	guint nmask;
	guint64 *masks; /* lists ending at a state or at a suffix; 0 first */
};

/* The move from state s on class c. */
static inline guint
step(const cad_phrases *p, guint s, guint c)
{
	if (c == 0)
		return 0;
	while (s >= p->ndense) {
		for (guint i = p->kid0[s]; i < p->kid0[s + 1]; i++)
			if (p->kcls[i] == c)
				return p->knext[i];
		s = p->fail[s];
	}
	return p->dense[s * p->nclass + c];
}

/* The compact form from the full table delta (trie moves filled in with
 * the failure moves), states taken in breadth-first order. */
static void
compact(cad_phrases *p, const guint16 *delta, const guint *fail,
        const guint64 *out, const guint *order, const guint *depth)
{
	const guint nc = p->nclass;
	guint *rank = g_new(guint, p->nstate), nk = 0;
	/* Distinct output masks, numbered: most states share a few. */
	GHashTable *seen = g_hash_table_new(g_int64_hash, g_int64_equal);

	for (guint i = 0; i < p->nstate; i++)
		rank[order[i]] = i;
	p->ndense = MIN(p->nstate, DENSE_BYTES / (nc * sizeof(guint16)));
	p->dense = g_new(guint16, (gsize)p->ndense * nc);
	p->fail = g_new(guint16, p->nstate);
	p->kid0 = g_new(guint16, p->nstate + 1);
	p->kcls = g_new(guint8, p->nstate);
	p->knext = g_new(guint16, p->nstate);
	p->outi = g_new(guint16, p->nstate);
	p->masks = g_new(guint64, p->nstate);
	for (guint i = 0; i < p->nstate; i++) {
		guint s = order[i];
		gpointer m;
		p->fail[i] = (guint16)rank[fail[s]];
		p->kid0[i] = (guint16)nk;
		for (guint c = 0; c < nc; c++) {
			guint t = delta[s * nc + c];
			if (i < p->ndense)
				p->dense[i * nc + c] = (guint16)rank[t];
			/* Only a move of the trie goes one deeper. */
			if (depth[t] == depth[s] + 1) {
				p->kcls[nk] = (guint8)c;
				p->knext[nk++] = (guint16)rank[t];
			}
		}
		if (!g_hash_table_lookup_extended(seen, &out[s], NULL, &m)) {
			m = GUINT_TO_POINTER(p->nmask);
			p->masks[p->nmask++] = out[s];
			g_hash_table_insert(seen, (gpointer)&out[s], m);
		}
		p->outi[i] = (guint16)GPOINTER_TO_UINT(m);
	}
	p->kid0[p->nstate] = (guint16)nk;
	p->masks = g_renew(guint64, p->masks, p->nmask);
	g_hash_table_destroy(seen);
	g_free(rank);
}

cad_phrases *
cad_phrases_new(const char *const *const *lists, guint n)
{
	cad_phrases *p = g_new0(cad_phrases, 1);
	gsize chars = 1;
	guint *fail, *queue, *depth, head = 0, tail = 0, nc;
	guint16 *delta;
	guint64 *out;

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
	/* The trie, in a full table: 0 is "no child", since no move of the
	 * trie leads back to the root. */
	delta = g_new0(guint16, chars * nc);
	out = g_new0(guint64, chars);
	p->nstate = 1;
	for (guint l = 0; l < n; l++)
		for (gsize i = 0; lists[l][i] != NULL; i++) {
			guint s = 0;
			g_assert(lists[l][i][0] != '\0');
			for (const guchar *c = (const guchar *)lists[l][i];
			     *c != '\0'; c++) {
				guint16 *t = &delta[s * nc + p->cls[*c]];
				if (*t == 0)
					*t = (guint16)p->nstate++;
				s = *t;
			}
			out[s] |= G_GUINT64_CONSTANT(1) << l;
		}
	/* Breadth first, each state's missing moves are its failure
	 * state's, which is nearer the root and so already complete. */
	fail = g_new0(guint, p->nstate);
	depth = g_new0(guint, p->nstate);
	queue = g_new(guint, p->nstate);
	queue[tail++] = 0;
	while (head < tail) {
		guint s = queue[head++];
		for (guint c = 0; c < nc; c++) {
			guint16 *t = &delta[s * nc + c];
			if (*t != 0 && depth[*t] == 0) {
				depth[*t] = depth[s] + 1;
				fail[*t] = s == 0 ? 0 : delta[fail[s] * nc + c];
				out[*t] |= out[fail[*t]];
				queue[tail++] = *t;
			} else if (s != 0)
				*t = delta[fail[s] * nc + c];
		}
	}
	compact(p, delta, fail, out, queue, depth);
	g_free(queue);
	g_free(depth);
	g_free(fail);
	g_free(out);
	g_free(delta);
	return p;
}

void
cad_phrases_free(cad_phrases *p)
{
	if (p == NULL)
		return;
	g_free(p->dense);
	g_free(p->fail);
	g_free(p->kid0);
	g_free(p->kcls);
	g_free(p->knext);
	g_free(p->outi);
	g_free(p->masks);
	g_free(p);
}

guint64
cad_phrases_scan(const cad_phrases *p, const char *s, gsize len)
{
	guint st = 0;
	guint64 m = 0;

	if (s == NULL)
		return 0;
	if (p->ndense == p->nstate)
		for (gsize i = 0; i < len; i++) {
			st = p->dense[st * p->nclass + p->cls[(guchar)s[i]]];
			m |= p->masks[p->outi[st]];
		}
	else
		for (gsize i = 0; i < len; i++) {
			st = step(p, st, p->cls[(guchar)s[i]]);
			m |= p->masks[p->outi[st]];
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
	const gsize q = (flen + CHAINS - 1) / CHAINS, ov = p->maxlen - 1;
	const guchar *c[CHAINS];
	guint st[CHAINS] = {0};
	guint64 m = 0;

	for (guint k = 0; k < CHAINS; k++)
		c[k] = (const guchar *)f + k * q - MIN(ov, k * q);
	if (p->ndense == p->nstate)
		for (gsize i = 0; i < q + ov; i++)
			for (guint k = 0; k < CHAINS; k++) {
				st[k] = p->dense[st[k] * p->nclass +
				                 p->cls[c[k][i]]];
				m |= p->masks[p->outi[st[k]]];
			}
	else
		for (gsize i = 0; i < q + ov; i++)
			for (guint k = 0; k < CHAINS; k++) {
				st[k] = step(p, st[k], p->cls[c[k][i]]);
				m |= p->masks[p->outi[st[k]]];
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
	guint st = 0;

	if (s == NULL)
		return -1;
	for (gsize i = 0; i < len; i++) {
		st = p->ndense == p->nstate
		         ? p->dense[st * p->nclass + p->cls[(guchar)s[i]]]
		         : step(p, st, p->cls[(guchar)s[i]]);
		if (p->outi[st] != 0)
			return (gssize)i;
	}
	return -1;
}
