/*
 * phrases.c: find which of several phrase lists occur in a text, in one
 * pass. The phrases of all lists go into one Aho-Corasick automaton,
 * compiled to a table-driven DFA over byte classes (bytes that occur in
 * no phrase share one class; an upper-case ASCII letter is its lower-case
 * letter), so a scan costs two table lookups a byte however many phrases
 * there are. An automaton built to fold reads the text as cad_text_fold()
 * would write it, without the copy: white space is one class, and a state
 * reached by a space stays put on more of it. Built once at first use,
 * then only read: threads share it without a lock.
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
 * the one before, so one chain leaves the CPU idle. Texts shorter than
 * CHAIN_MIN bytes are read in one. */
#define CHAINS    4
#define CHAIN_MIN 512

struct cad_phrases {
	guint8 cls[256]; /* byte to class; 0 for bytes in no phrase */
	gboolean fold;   /* read white space runs as one space */
	guint nclass;    /* classes, 0 included */
	guint nstate;    /* states, breadth first, the root (0) included */
	guint ndense;    /* states 0 .. ndense-1 have a row in dense */
	gsize maxlen;    /* longest phrase, in bytes */
	guint16 *dense;  /* ndense * nclass: the next state */
	guint16 *fail;   /* nstate: the longest proper suffix's state */
	guint16 *kid0;   /* nstate + 1: s's moves are kids kid0[s].. */
	guint8 *kcls;    /* the class of each move */
	guint16 *knext;  /* where each move leads */
	guint16 *outi;   /* nstate: index into masks */
	guint nmask;
	guint64 *masks; /* lists ending at a state or at a suffix; 0 first */
	/* For a small automaton, the same table renumbered for speed:
	 * entries are the next state's row offset, and the states where a
	 * phrase ends come last, from row offset pend on, so that a move
	 * needs no multiply and no lookup of its output; NULL if none. */
	guint16 *pre;
	guint pend;
	guint64 *pmask; /* (offset - pend) / nclass: the lists there */
};

static gboolean
is_space(guchar c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

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
 * the failure moves), states taken in breadth-first order. A move is
 * kept for a deep state when it goes one deeper (the trie's) or stays
 * (a space after a space, when folding). */
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
	p->kcls = g_new(guint8, p->nstate * 2);
	p->knext = g_new(guint16, p->nstate * 2);
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
			if (depth[t] == depth[s] + 1 || (t == s && s != 0)) {
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

static void
prefer(cad_phrases *p, const guint16 *delta, const guint64 *out,
       const guint *order)
{
	const guint nc = p->nclass;
	guint *rank = g_new(guint, p->nstate), n = 0;

	/* States where nothing ends first (the root among them), then
	 * the others, each group breadth first. */
	for (int pass = 0; pass < 2; pass++)
		for (guint i = 0; i < p->nstate; i++)
			if ((out[order[i]] != 0) == pass)
				rank[order[i]] = n++;
	p->pend = 0;
	for (guint s = 0; s < p->nstate; s++)
		if (out[s] == 0)
			p->pend += nc;
	p->pre = g_new(guint16, (gsize)p->nstate * nc);
	p->pmask = g_new0(guint64, p->nstate - p->pend / nc + 1);
	for (guint s = 0; s < p->nstate; s++) {
		guint r = rank[s];
		for (guint c = 0; c < nc; c++)
			p->pre[r * nc + c] =
			    (guint16)(rank[delta[s * nc + c]] * nc);
		if (r * nc >= p->pend)
			p->pmask[(r * nc - p->pend) / nc] = out[s];
	}
	g_free(rank);
}

cad_phrases *
cad_phrases_new(const char *const *const *lists, guint n, gboolean fold)
{
	cad_phrases *p = g_new0(cad_phrases, 1);
	gsize chars = 1;
	guint *fail, *queue, *depth, head = 0, tail = 0, nc;
	guint16 *delta;
	guint64 *out;
	guint8 *last; /* the class of the byte that led to each state */

	g_assert(n <= 64);
	p->fold = fold;
	/* Classes first: the table's width. */
	p->nclass = 1;
	for (guint l = 0; l < n; l++)
		for (gsize i = 0; lists[l][i] != NULL; i++) {
			const char *ph = lists[l][i];
			gsize len = strlen(ph);
			p->maxlen = MAX(p->maxlen, len);
			chars += len;
			/* Phrases are written in lower case, and folded when
			 * the text will be. */
			g_assert(len > 0);
			g_assert(!fold || (strstr(ph, "  ") == NULL &&
			                   strpbrk(ph, "\t\r\n") == NULL));
			for (gsize k = 0; k < len; k++) {
				guchar c = (guchar)ph[k];
				g_assert(!(c >= 'A' && c <= 'Z'));
				if (p->cls[c] == 0)
					p->cls[c] = (guint8)p->nclass++;
			}
		}
	g_assert(p->nclass <= 256 && chars <= MAX_STATES &&
	         p->maxlen <= CAD_PHRASE_MAX);
	for (guint c = 'A'; c <= 'Z'; c++)
		p->cls[c] = p->cls[c + 32];
	if (fold)
		p->cls['\t'] = p->cls['\r'] = p->cls['\n'] = p->cls[' '];
	nc = p->nclass;
	/* The trie, in a full table: 0 is "no child", since no move of the
	 * trie leads back to the root. */
	delta = g_new0(guint16, chars * nc);
	out = g_new0(guint64, chars);
	last = g_new0(guint8, chars);
	p->nstate = 1;
	for (guint l = 0; l < n; l++)
		for (gsize i = 0; lists[l][i] != NULL; i++) {
			guint s = 0;
			for (const guchar *c = (const guchar *)lists[l][i];
			     *c != '\0'; c++) {
				guint16 *t = &delta[s * nc + p->cls[*c]];
				if (*t == 0) {
					*t = (guint16)p->nstate++;
					last[*t] = p->cls[*c];
				}
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
	/* Folding: more white space after a space is skipped. A state
	 * whose phrase prefix ends in a space stays; any other state was
	 * not reached by a space, since a space leads at least to the
	 * state of " " when that exists, and to the root when no phrase
	 * starts with one, where a second space changes nothing either. */
	if (fold && p->cls[' '] != 0)
		for (guint s = 1; s < p->nstate; s++)
			if (last[s] == p->cls[' '])
				delta[s * nc + p->cls[' ']] = (guint16)s;
	compact(p, delta, fail, out, queue, depth);
	if ((gsize)p->nstate * nc <= G_MAXUINT16)
		prefer(p, delta, out, queue);
	g_free(queue);
	g_free(depth);
	g_free(fail);
	g_free(last);
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
	g_free(p->pre);
	g_free(p->pmask);
	g_free(p);
}

/* The lists at row offset o of the fast table, when a phrase ends there. */
static inline guint64
pre_out(const cad_phrases *p, guint o)
{
	return o >= p->pend ? p->pmask[(o - p->pend) / p->nclass] : 0;
}

/* One chain over s[from, to), from state st (a row offset in the fast
 * table when there is one). */
static guint64
scan_from(const cad_phrases *p, const guchar *s, guint st, gsize from, gsize to)
{
	guint64 m = 0;

	if (p->pre != NULL)
		for (gsize i = from; i < to; i++) {
			st = p->pre[st + p->cls[s[i]]];
			if (G_UNLIKELY(st >= p->pend))
				m |= pre_out(p, st);
		}
	else
		for (gsize i = from; i < to; i++) {
			st = step(p, st, p->cls[s[i]]);
			m |= p->masks[p->outi[st]];
		}
	return m;
}

/*
 * Where a chain must start to find every phrase that ends at or after
 * b: maxlen - 1 characters of text before b, counted as the automaton
 * reads them (a run of white space is one when folding). A chain that
 * starts inside a run reads one space for it, as the fold does, so it
 * always reads a true end of the text.
 */
static gsize
chain_start(const cad_phrases *p, const guchar *s, gsize b)
{
	gsize x = b, seen = 0;

	while (x > 0 && seen < p->maxlen - 1) {
		x--;
		if (p->fold && is_space(s[x]))
			while (x > 0 && is_space(s[x - 1]))
				x--;
		seen++;
	}
	return x;
}

/* The four chains side by side over s[at[k], end[k]), for as long as
 * they all run, then each chain's rest on its own. */
static guint64
scan_chains(const cad_phrases *p, const guchar *s, const gsize *at,
            const gsize *end)
{
	const guchar *c0 = s + at[0], *c1 = s + at[1], *c2 = s + at[2],
	             *c3 = s + at[3];
	guint s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	guint64 m = 0;
	gsize common = end[0] - at[0];

	G_STATIC_ASSERT(CHAINS == 4);
	for (guint k = 1; k < CHAINS; k++)
		common = MIN(common, end[k] - at[k]);
	if (p->pre != NULL) {
		const guint16 *t = p->pre;
		const guint pend = p->pend;
		for (gsize i = 0; i < common; i++) {
			s0 = t[s0 + p->cls[c0[i]]];
			s1 = t[s1 + p->cls[c1[i]]];
			s2 = t[s2 + p->cls[c2[i]]];
			s3 = t[s3 + p->cls[c3[i]]];
			if (G_UNLIKELY(MAX(MAX(s0, s1), MAX(s2, s3)) >= pend))
				m |= pre_out(p, s0) | pre_out(p, s1) |
				     pre_out(p, s2) | pre_out(p, s3);
		}
	} else
		/* A large automaton: the shallow rows, then children and
		 * failure links (a small one always has the fast table). */
		for (gsize i = 0; i < common; i++) {
			s0 = step(p, s0, p->cls[c0[i]]);
			s1 = step(p, s1, p->cls[c1[i]]);
			s2 = step(p, s2, p->cls[c2[i]]);
			s3 = step(p, s3, p->cls[c3[i]]);
			m |= p->masks[p->outi[s0]] | p->masks[p->outi[s1]] |
			     p->masks[p->outi[s2]] | p->masks[p->outi[s3]];
		}
	/* The rest of each chain on its own. */
	return m | scan_from(p, s, s0, at[0] + common, end[0]) |
	       scan_from(p, s, s1, at[1] + common, end[1]) |
	       scan_from(p, s, s2, at[2] + common, end[2]) |
	       scan_from(p, s, s3, at[3] + common, end[3]);
}

guint64
cad_phrases_scan(const cad_phrases *p, const char *text, gsize len)
{
	const guchar *s = (const guchar *)text;
	gsize from = 0, q, at[CHAINS], end[CHAINS];

	if (s == NULL)
		return 0;
	/* The fold drops white space at the start. */
	while (p->fold && from < len && is_space(s[from]))
		from++;
	if (len - from < CHAIN_MIN)
		return scan_from(p, s, 0, from, len);
	q = (len - from) / CHAINS;
	for (guint k = 0; k < CHAINS; k++) {
		gsize b = from + k * q;
		at[k] = k == 0 ? from : MAX(from, chain_start(p, s, b));
		end[k] = k + 1 == CHAINS ? len : b + q;
	}
	return scan_chains(p, s, at, end);
}

gssize
cad_phrases_first(const cad_phrases *p, const char *text, gsize len)
{
	const guchar *s = (const guchar *)text;
	guint st = 0;
	gsize i = 0;

	if (s == NULL)
		return -1;
	while (p->fold && i < len && is_space(s[i]))
		i++;
	if (p->pre != NULL) {
		for (; i < len; i++) {
			st = p->pre[st + p->cls[s[i]]];
			if (G_UNLIKELY(st >= p->pend))
				return (gssize)i;
		}
		return -1;
	}
	for (; i < len; i++) {
		st = step(p, st, p->cls[s[i]]);
		if (p->outi[st] != 0)
			return (gssize)i;
	}
	return -1;
}
