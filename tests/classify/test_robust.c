/*
 * test_robust.c: hostile and broken input. Each case must give a result
 * (kind OTHER and a warning when it is not mail) within the named limits,
 * without a crash; the suite runs under ASan in `make asan-test`.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

/* Time is bounded by the CTest TIMEOUT of the whole suite. */
TestSuite(robust, .init = test_gmime_init, .fini = test_gmime_fini);

static cad_classification *
run(const GString *s)
{
	cad_classification *c = cad_classify(s->str, s->len, TEST_NOW);

	cr_assert_not_null(c);
	cr_assert(c->recipients->len <= CAD_MAIL_MAX_RCPTS);
	cr_assert(c->message_ids->len <= CAD_MAIL_MAX_IDS);
	g_free(cad_classification_to_json(c, "x"));
	return c;
}

Test(robust, not_mail_gets_a_warning)
{
	static const char bin[] = "\x7f"
	                          "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
	const char *cases[][2] = {
	    {"", "0"},
	    {"hello world\n", NULL},
	    {"Just: text\nwithout any known field\n\nbody", NULL}};
	cad_classification *c = cad_classify(bin, sizeof(bin) - 1, TEST_NOW);

	cr_assert_eq(c->kind, CAD_KIND_OTHER);
	cr_assert_not_null(c->warning);
	cad_classification_free(c);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		c = cad_classify(cases[i][0], strlen(cases[i][0]), TEST_NOW);
		cr_assert_eq(c->kind, CAD_KIND_OTHER);
		cr_assert_not_null(c->warning, "case %zu", i);
		cad_classification_free(c);
	}
	c = cad_classify(NULL, 10, TEST_NOW);
	cr_assert_not_null(c->warning);
	cad_classification_free(c);
}

Test(robust, truncated_message)
{
	const char *m =
	    "From: MAILER-DAEMON@x.example\nSubject: Undeliverable\n"
	    "Content-Type: multipart/report; report-type=delivery-s";
	cad_classification *c = cad_classify(m, strlen(m), TEST_NOW);

	cr_assert_not_null(c);
	cad_classification_free(c);
	for (gsize n = 0; n < strlen(m); n += 7)
		cad_classification_free(cad_classify(m, n, TEST_NOW));
}

Test(robust, deep_multipart_nesting)
{
	GString *s = g_string_new("From: a@example.com\nSubject: deep\n");

	for (int i = 0; i < 20000; i++)
		g_string_append_printf(s,
		                       "Content-Type: multipart/mixed; "
		                       "boundary=\"b%d\"\n\n--b%d\n",
		                       i, i);
	g_string_append(s, "Content-Type: text/plain\n\nleaf\n");
	cad_classification_free(run(s));
	g_string_free(s, TRUE);
}

Test(robust, deep_message_rfc822_nesting)
{
	GString *s = g_string_new(NULL);

	for (int i = 0; i < 20000; i++)
		g_string_append(s, "From: a@example.com\n"
		                   "Content-Type: message/rfc822\n\n");
	g_string_append(s, "From: b@example.com\n\nleaf\n");
	cad_classification_free(run(s));
	g_string_free(s, TRUE);
}

Test(robust, million_line_header)
{
	GString *s = g_string_new("From: a@example.com\n");

	for (int i = 0; i < 1000000; i++)
		g_string_append(s, "X-Junk: 0123456789\n");
	g_string_append(s, "Subject: end\n\nbody\n");
	cad_classification_free(run(s));
	g_string_truncate(s, 0);
	/* One field folded over a million lines. */
	g_string_append(s, "From: a@example.com\nSubject: x");
	for (int i = 0; i < 1000000; i++)
		g_string_append(s, "\n y");
	g_string_append(s, "\n\nbody\n");
	cad_classification_free(run(s));
	g_string_free(s, TRUE);
}

Test(robust, nul_bytes)
{
	static const char m[] = "From: MAILER-DAEMON@x.example\n"
	                        "Subject: failure notice\n\n"
	                        "<a@b.example>:\0\0 550 5.1.1 no such\0user\n";
	cad_classification *c = cad_classify(m, sizeof(m) - 1, TEST_NOW);

	cr_assert_not_null(c);
	cad_classification_free(c);
	c = cad_classify("From: a@b.example\0\nSubject: x\n\n", 30, TEST_NOW);
	cr_assert_not_null(c->warning);
	cad_classification_free(c);
}

Test(robust, broken_base64_and_unknown_charset)
{
	GString *s = g_string_new(
	    "From: p@example.net\nSubject: Re: hi\nIn-Reply-To: <a@b>\n"
	    "Content-Type: text/plain; charset=x-no-such-charset\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "SGVsbG8g!!!@@@===d29y*bGQ=\n=\n==\nQUJD\x80\xff\n");
	cad_classification *c = run(s);

	cr_assert_eq(c->kind, CAD_KIND_HUMAN_REPLY);
	cr_assert(g_utf8_validate(c->reply_text, -1, NULL));
	cad_classification_free(c);
	g_string_free(s, TRUE);
	s = g_string_new("From: p@example.net\nSubject: =?bogus?Q?caf=E9?= "
	                 "=?utf-8?B?!!!?=\n\n\xc3\x28 text\n");
	c = run(s);
	cr_assert(g_utf8_validate(c->subject, -1, NULL));
	cad_classification_free(c);
	g_string_free(s, TRUE);
}

Test(robust, dsn_with_ten_thousand_recipients)
{
	GString *s = g_string_new(
	    "From: MAILER-DAEMON@x.example\nSubject: Undelivered Mail\n"
	    "Content-Type: multipart/report; report-type=delivery-status;"
	    " boundary=\"R\"\n\n--R\nContent-Type: text/plain\n\nfailed\n"
	    "--R\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; x.example\n\n");
	cad_classification *c;

	for (int i = 0; i < 10000; i++)
		g_string_append_printf(
		    s,
		    "Final-Recipient: rfc822; user%d@example.org\n"
		    "Action: failed\nStatus: 5.1.1\n"
		    "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n",
		    i);
	g_string_append(s, "--R--\n");
	c = run(s);
	cr_assert_eq(c->kind, CAD_KIND_HARD_BOUNCE);
	cr_assert_eq(c->recipients->len, CAD_MAIL_MAX_RCPTS);
	cad_classification_free(c);
	g_string_free(s, TRUE);
}

Test(robust, many_parts_and_long_lines)
{
	GString *s =
	    g_string_new("From: a@example.com\nSubject: parts\n"
	                 "Content-Type: multipart/mixed; boundary=q\n\n");

	for (int i = 0; i < 5000; i++)
		g_string_append(s, "--q\nContent-Type: text/plain\n\nx\n");
	g_string_append(s, "--q--\n");
	g_string_append_len(s, "", 0);
	for (int i = 0; i < 3000000; i++)
		g_string_append_c(s, i % 80 ? '@' : '<');
	cad_classification_free(run(s));
	g_string_free(s, TRUE);
}

Test(robust, random_bytes)
{
	GRand *r = g_rand_new_with_seed(42);

	for (int n = 0; n < 300; n++) {
		GString *s = g_string_new("From: a@example.com\n"
		                          "Content-Type: multipart/report; "
		                          "boundary=z\n\n");
		gsize len = g_rand_int_range(r, 0, 4096);
		static const char alpha[] = "--z\n:@<>\r\n5.1.1 \0ab=?";
		for (gsize i = 0; i < len; i++)
			g_string_append_c(
			    s,
			    alpha[g_rand_int_range(r, 0, sizeof(alpha) - 1)]);
		cad_classification_free(run(s));
		g_string_free(s, TRUE);
	}
	g_rand_free(r);
}
