/*
 * test_internals.c: the classifier's fast paths against the slow, plain
 * way they replace: the phrase automaton against strstr() over folded
 * text, and the plain From/To reader against GMime's address parser;
 * and the one definition of list mail (mail/headers.h).
 */
#include <string.h>

#include <criterion/criterion.h>

#include "common/util.h"
#include "helpers.h"
#include "mail/gmime_auto.h"
#include "mail/mail_internal.h"

TestSuite(internals, .init = test_gmime_init, .fini = test_gmime_fini);

/* A random string over a small alphabet, so that phrases overlap, share
 * prefixes and occur often; upper case and white space runs included. */
static char *
random_text(GRand *r, const char *alphabet, gsize len)
{
	char *s = g_malloc(len + 1);
	gsize n = strlen(alphabet);

	for (gsize i = 0; i < len; i++)
		s[i] = alphabet[g_rand_int_range(r, 0, (gint32)n)];
	s[len] = '\0';
	return s;
}

/* n lists of phrases, lower case with single spaces, never empty. */
static char ***
random_lists(GRand *r, guint n, guint per, guint maxlen)
{
	char ***lists = g_new0(char **, n + 1);

	for (guint l = 0; l < n; l++) {
		lists[l] = g_new0(char *, per + 1);
		for (guint i = 0; i < per; i++) {
			gsize len =
			    (gsize)g_rand_int_range(r, 1, (gint32)maxlen + 1);
			char *p = random_text(r, "abcde fghij", len);
			g_autofree char *f = cad_text_fold(p, len);
			g_free(p);
			if (*f == '\0' || f[strlen(f) - 1] == ' ')
				lists[l][i] = g_strdup("q");
			else
				lists[l][i] = g_steal_pointer(&f);
		}
	}
	return lists;
}

static void
free_lists(char ***lists)
{
	for (guint l = 0; lists[l] != NULL; l++)
		g_strfreev(lists[l]);
	g_free(lists);
}

/* The plain way: strstr() of each phrase in lower-cased text. */
static guint64
oracle(char ***lists, guint n, const char *lower)
{
	guint64 m = 0;

	for (guint l = 0; l < n; l++)
		for (guint i = 0; lists[l][i] != NULL; i++)
			if (strstr(lower, lists[l][i]) != NULL)
				m |= G_GUINT64_CONSTANT(1) << l;
	return m;
}

static gssize
oracle_first(char ***lists, guint n, const char *lower)
{
	gssize best = -1;

	for (guint l = 0; l < n; l++)
		for (guint i = 0; lists[l][i] != NULL; i++) {
			const char *h = strstr(lower, lists[l][i]);
			gssize end =
			    h != NULL
			        ? (h - lower) + (gssize)strlen(lists[l][i]) - 1
			        : -1;
			if (end >= 0 && (best < 0 || end < best))
				best = end;
		}
	return best;
}

/* A text of noise and phrases of the lists, so that long phrases occur
 * across every cut of a scan; some letters upper-cased and some spaces
 * made runs of white space, as mail writes them. */
static char *
text_with_phrases(GRand *r, char ***lists, guint n, gsize target)
{
	GString *t = g_string_new(NULL);

	while (t->len < target) {
		if (g_rand_boolean(r)) {
			g_autofree char *noise =
			    random_text(r, "abcdeABCDE fghij\t\n\r xyz",
			                (gsize)g_rand_int_range(r, 0, 30));
			g_string_append(t, noise);
			continue;
		}
		for (const char *c =
		         lists[g_rand_int_range(r, 0, (gint32)n)][0];
		     *c != '\0'; c++) {
			if (*c == ' ' && g_rand_int_range(r, 0, 4) == 0)
				g_string_append(t, " \t\r\n ");
			else if (g_rand_int_range(r, 0, 4) == 0)
				g_string_append_c(t, g_ascii_toupper(*c));
			else
				g_string_append_c(t, *c);
		}
	}
	return g_string_free(t, FALSE);
}

static void
check_against_oracle(guint nlists, guint per, guint maxlen, guint rounds)
{
	g_autoptr(GRand) r = g_rand_new_with_seed(nlists * 7919 + per);
	char ***lists = random_lists(r, nlists, per, maxlen);
	cad_phrases *p =
	    cad_phrases_new((const char *const *const *)lists, nlists, FALSE);
	cad_phrases *pf =
	    cad_phrases_new((const char *const *const *)lists, nlists, TRUE);

	for (guint k = 0; k < rounds; k++) {
		gsize want = (gsize)g_rand_int_range(r, 0, 3000);
		g_autofree char *t =
		    k % 2 == 0
		        ? random_text(r, "abcdeABCDE fghij\t\n\r xyz", want)
		        : text_with_phrases(r, lists, nlists, want);
		gsize len = strlen(t);
		g_autofree char *low = g_ascii_strdown(t, -1);
		g_autofree char *fold = cad_text_fold(t, len);

		cr_assert_eq(cad_phrases_scan(p, t, len),
		             oracle(lists, nlists, low), "scan, round %u", k);
		cr_assert_eq(cad_phrases_scan(pf, t, len),
		             oracle(lists, nlists, fold),
		             "folded scan, round %u", k);
		cr_assert_eq(cad_phrases_first(p, t, len),
		             oracle_first(lists, nlists, low),
		             "first, round %u", k);
	}
	cad_phrases_free(p);
	cad_phrases_free(pf);
	free_lists(lists);
}

/* A small automaton: every state has a full row of the table. */
Test(internals, phrases_small_automaton_agrees_with_strstr)
{
	check_against_oracle(6, 8, 12, 600);
}

/* A large one: deep states keep only children and failure links. */
Test(internals, phrases_large_automaton_agrees_with_strstr)
{
	check_against_oracle(64, 40, 40, 200);
}

/* A phrase at every offset of long texts, plain and with its spaces
 * made long runs: the chains of a scan must find one that crosses the
 * cut between two of them. */
Test(internals, phrases_across_every_cut)
{
	static const char *const a[] = {"ab cd efghijkl", NULL};
	static const char *const b[] = {"x", NULL};
	static const char *const *const lists[] = {a, b};
	static const char *const shapes[] = {"ab cd efghijkl",
	                                     "AB\t \n\r cd      eFGhijkl"};
	cad_phrases *plain = cad_phrases_new(lists, 2, FALSE);
	cad_phrases *fold = cad_phrases_new(lists, 2, TRUE);
	static const gsize lens[] = {512, 513, 515, 600, 1001};

	for (guint sh = 0; sh < G_N_ELEMENTS(shapes); sh++)
		for (guint li = 0; li < G_N_ELEMENTS(lens); li++) {
			gsize len = lens[li], pl = strlen(shapes[sh]);
			char *t = g_malloc(len);
			for (gsize at = 0; at + pl <= len; at++) {
				memset(t, '#', len);
				memcpy(t + at, shapes[sh], pl);
				cr_assert_eq(
				    cad_phrases_scan(fold, t, len), 1,
				    "fold, shape %u, length %zu, at %zu", sh,
				    len, at);
				if (sh == 0) {
					cr_assert_eq(
					    cad_phrases_scan(plain, t, len), 1,
					    "length %zu, at %zu", len, at);
					cr_assert_eq(
					    cad_phrases_first(plain, t, len),
					    (gssize)(at + pl - 1));
				}
			}
			g_free(t);
		}
	cad_phrases_free(plain);
	cad_phrases_free(fold);
}

/* A chain that starts before the end of the white space that opens the
 * text must not read it as a space. */
Test(internals, phrases_leading_space_never_read)
{
	static char phrase[152];
	static const char *const a[] = {phrase, NULL};
	static const char *const *const lists[] = {a};
	char t[600];
	cad_phrases *fold;

	phrase[0] = ' ';
	memset(phrase + 1, 'a', 150);
	fold = cad_phrases_new(lists, 1, TRUE);
	memset(t, '#', sizeof(t));
	memset(t, '\n', 10);
	memset(t + 10, 'a', 150);
	cr_assert_eq(cad_phrases_scan(fold, t, sizeof(t)), 0);
	t[8] = 'x'; /* now the space is inside the text */
	cr_assert_eq(cad_phrases_scan(fold, t, sizeof(t)), 1);
	cad_phrases_free(fold);
}

/* Non-ASCII phrases and text: bytes are matched as they are. */
Test(internals, phrases_utf8_and_case)
{
	static const char *const a[] = {"boîte aux lettres pleine", "宛先不明",
	                                NULL};
	static const char *const b[] = {"user unknown", " has been replaced by",
	                                NULL};
	static const char *const *const lists[] = {a, b};
	cad_phrases *plain = cad_phrases_new(lists, 2, FALSE);
	cad_phrases *fold = cad_phrases_new(lists, 2, TRUE);
	const char *t = "550 USER\t\tUnknown: Boîte AUX lettres\n pleine";
	const char *j = "x宛先不明y";

	cr_assert_eq(cad_phrases_scan(fold, t, strlen(t)), 3);
	cr_assert_eq(cad_phrases_scan(plain, t, strlen(t)), 0,
	             "without folding, the tabs and the line break stay");
	cr_assert_eq(cad_phrases_scan(plain, j, strlen(j)), 1);
	cr_assert_eq(cad_phrases_first(plain, "..USER UNKNOWN", 14), 13);
	/* The fold drops white space at the start of the text only. */
	cr_assert_eq(cad_phrases_scan(fold, " \n has been replaced by", 23), 0);
	cr_assert_eq(cad_phrases_scan(fold, "x \n has been replaced by", 24),
	             2);
	cad_phrases_free(plain);
	cad_phrases_free(fold);
}

/* Random bytes, biased to UTF-8 lead and continuation bytes and to
 * the edges of the valid ranges, against GLib's own repair. */
Test(internals, make_valid_agrees_with_glib)
{
	static const guchar edges[] = {
	    0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
	    0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0,
	    0xf1, 0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xfe, 0xff};
	g_autoptr(GRand) r = g_rand_new_with_seed(42);

	for (guint k = 0; k < 20000; k++) {
		gsize len = (gsize)g_rand_int_range(r, 0, 24);
		char s[24];
		for (gsize i = 0; i < len; i++)
			s[i] = (char)(g_rand_boolean(r)
			                  ? edges[g_rand_int_range(
			                        r, 0, G_N_ELEMENTS(edges))]
			                  : g_rand_int_range(r, 0, 256));
		g_autofree char *ours = cad_utf8_make_valid(s, len);
		g_autofree char *glib = g_utf8_make_valid(s, (gssize)len);
		cr_assert_str_eq(ours, glib, "round %u", k);
	}
	/* Every well-formed code point survives; surrogates do not. */
	for (gunichar c = 1; c < 0x110000; c += 7) {
		char b[8];
		gint n = g_unichar_to_utf8(c, b);
		g_autofree char *ours = cad_utf8_make_valid(b, (gsize)n);
		g_autofree char *glib = g_utf8_make_valid(b, n);
		cr_assert_str_eq(ours, glib, "U+%04X", c);
	}
}

/* Lines cut in place against g_strsplit() on a copy. */
Test(internals, lines_as_g_strsplit)
{
	g_autoptr(GRand) r = g_rand_new_with_seed(5);

	for (guint k = 0; k < 5000; k++) {
		gsize len = (gsize)g_rand_int_range(r, 0, 12);
		guint max = (guint)g_rand_int_range(r, 1, 6);
		g_autofree char *t = random_text(r, "ab\n\n", len);
		g_autofree char *cut = g_strdup(t);
		g_auto(GStrv) want = g_strsplit(t, "\n", (gint)max);
		g_autofree char **got = cad_text_lines(cut, max);
		guint i;
		for (i = 0; want[i] != NULL; i++) {
			cr_assert_not_null(got[i], "[%s] max %u line %u", t,
			                   max, i);
			cr_assert_str_eq(got[i], want[i], "[%s] max %u", t,
			                 max);
		}
		cr_assert_null(got[i], "[%s] max %u: extra lines", t, max);
	}
}

static char *
gmime_address(const char *v)
{
	g_autoptr(InternetAddressList) l = internet_address_list_parse(NULL, v);
	char *a = NULL;

	for (int i = 0;
	     l != NULL && a == NULL && i < internet_address_list_length(l);
	     i++) {
		InternetAddress *ia = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia))
			a = cad_address_normalize(
			    internet_address_mailbox_get_addr(
			        INTERNET_ADDRESS_MAILBOX(ia)));
	}
	return a;
}

Test(internals, plain_address_agrees_with_gmime)
{
	static const char *const fast[] = {
	    "user@example.com",
	    "  User@Example.COM  ",
	    "<postmaster@example.org>",
	    "Mail Delivery System <MAILER-DAEMON@mx.example.com>",
	    "\"Smith, John\" <john.smith@example.com>",
	    "John Q. Public <jqp@example.com>",
	    "=?utf-8?q?J=C3=B6rg?= <jorg@example.de>",
	    "\"\" <a@b.example>",
	    "a+tag@sub.example.com",
	    "user@localhost",
	    NULL};
	/* Shapes the fast path leaves to GMime. */
	static const char *const slow[] = {
	    "a..b@example.com",
	    ".a@example.com",
	    "a.@example.com",
	    "a@b..example",
	    "a@example.com.",
	    "a@xn--bcher-kva.example",
	    "a@B.XN--bcher-kva.example",
	    "<a@example.com> trailing",
	    "Name <a@example.com>, Other <c@example.com>",
	    "Name <a@example.com",
	    "a@example.com (comment)",
	    "\"a\\\"b\" <x@example.com>",
	    "<@route:a@example.com>",
	    "a@[127.0.0.1]",
	    "group: a@example.com;",
	    "Jörg <jorg@example.de>",
	    NULL};

	for (guint i = 0; fast[i] != NULL; i++) {
		g_autofree char *f = cad_plain_address(fast[i]);
		g_autofree char *g = gmime_address(fast[i]);
		cr_assert_not_null(f, "fast path taken for %s", fast[i]);
		cr_assert_str_eq(f, g, "%s", fast[i]);
	}
	for (guint i = 0; slow[i] != NULL; i++) {
		g_autofree char *f = cad_plain_address(slow[i]);
		cr_assert_null(f, "%s left to GMime, got %s", slow[i], f);
	}
}

/* TRUE when the header block hdr (CRLF, no blank line) is list mail. */
static gboolean
list_mail(const char *hdr)
{
	g_autofree char *msg = g_strconcat(hdr, "\r\nbody\r\n", NULL);
	g_auto(cad_headers) h = {0};
	gsize body;

	cad_headers_parse(&h, msg, strlen(msg), &body);
	return cad_list_mail(&h);
}

/* The one definition of list mail, used by the classifier and by
 * inbound/'s matching alike. */
Test(internals, list_mail_one_definition)
{
	static const char *const lists[] = {
	    "List-Id: <news.example.com>\r\n",
	    "list-post: <mailto:l@example.com>\r\n",
	    "List-Unsubscribe: <mailto:u@example.com>\r\n",
	    "Mailing-List: contact l-help@example.com\r\n",
	    "X-Mailing-List: l@example.com\r\n",
	    "X-Campaign: spring\r\n",
	    "Feedback-ID: 1:news:acme\r\n",
	    "Precedence: bulk\r\n",
	    "Precedence: LIST\r\n",
	    "Precedence:\r\n junk\r\n",
	};
	static const char *const personal[] = {
	    "",
	    "Precedence: first-class\r\n",
	    "Precedence: auto_reply\r\n",
	    "X-List: not a list field\r\n",
	    "Subject: List-Id: <x>\r\n",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(lists); i++) {
		g_autofree char *hdr =
		    g_strconcat("From: a@example.com\r\n", lists[i],
		                "To: b@example.net", NULL);
		cr_assert(list_mail(hdr), "%s", lists[i]);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(personal); i++) {
		g_autofree char *hdr =
		    g_strconcat("From: a@example.com\r\n", personal[i],
		                "To: b@example.net", NULL);
		cr_assert_not(list_mail(hdr), "%s", personal[i]);
	}
	/* A field after the header block is body, not a header. */
	cr_assert_not(list_mail("From: a@example.com\r\n\r\nList-Id: <x>"));
}
