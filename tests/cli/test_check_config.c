/*
 * test_check_config.c: cadencectl check-config reads every template of
 * every cadence and reports each problem as FILE:LINE: on stderr, all at
 * once: syntax errors exit 78 (the sender would refuse to start), while
 * warnings (a stray "}}", a field some enrollment cannot fill) exit 0
 * unless --strict. The sample configuration passes.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "cli/cli.h"
#include "tests/cli/fixture.h"

TestSuite(check_config, .init = fx_setup, .fini = fx_teardown);

/* A configuration of one cadence whose two email steps use the
 * templates a and b, written under fx_dir/tpl. Returns its path. */
static char *
conf_with(const char *a, const char *b)
{
	g_autofree char *tpl = g_build_filename(fx_dir, "tpl", NULL);
	g_autofree char *cad = g_build_filename(fx_dir, "cad", NULL);
	g_autofree char *text = NULL;

	cr_assert_eq(g_mkdir_with_parents(tpl, 0700), 0);
	cr_assert_eq(g_mkdir_with_parents(cad, 0700), 0);
	g_free(fx_write("tpl/a.eml", a));
	g_free(fx_write("tpl/b.eml", b));
	g_free(fx_write("cad/one.conf", "[cadence]\nname = one\n"
	                                "[step 2]\nday = 2\nchannel = email\n"
	                                "template = a.eml\n"
	                                "[step 3]\nday = 4\nchannel = email\n"
	                                "template = b.eml\n"));
	text = g_strdup_printf("[store]\npath = %s\n"
	                       "[milter]\nsocket = unix:%s/milter.sock\n"
	                       "enroll_address = cadence@example.com\n"
	                       "default_cadence = one\n"
	                       "bounce_address = bounces@example.com\n"
	                       "unsubscribe_address = unsubscribe@example.com\n"
	                       "rep_domains = example.com\n"
	                       "[sender]\nrelay = 127.0.0.1:25\n"
	                       "[cadences]\ndir = %s\ntemplates = %s\n"
	                       "[rep alice@example.com]\nname = Alice Martin\n",
	                       fx_store, fx_dir, cad, tpl);
	return fx_write("one.conf", text);
}

/* The lines of s, each checked against want (NULL-terminated), in
 * order; FILE stands for the template directory. */
static void
assert_lines(const char *s, const char *const *want)
{
	g_auto(GStrv) lines = g_strsplit(s, "\n", -1);
	g_autofree char *tpl = g_build_filename(fx_dir, "tpl", NULL);
	guint n = 0;

	for (; want[n] != NULL; n++) {
		GString *w = g_string_new(want[n]);
		g_string_replace(w, "FILE", tpl, 1);
		cr_assert_not_null(lines[n], "line %u missing in:\n%s", n, s);
		cr_assert_str_eq(lines[n], w->str);
		g_string_free(w, TRUE);
	}
	cr_assert(lines[n] == NULL || *lines[n] == '\0',
	          "more lines than expected:\n%s", s);
}

Test(check_config, syntax_errors_each_at_its_line)
{
	g_autofree char *conf = conf_with("Subject: Hello {{first_name}\n"
	                                  "X-Note {{company}}\n"
	                                  "\n"
	                                  "Hi {{first_name|there}},\n"
	                                  "Price: {{}} and {{bad name}}\n"
	                                  "Stray }} here\n"
	                                  "{{last_name\n",
	                                  "Subject: fine\n\nHi {{email}}\n");
	g_autoptr(cli_run) r = fx_cli("-c", conf, "check-config", NULL);
	static const char *const want[] = {
	    "FILE/a.eml:1: unterminated {{",
	    "FILE/a.eml:2: expected \"Name: value\" or a blank line before "
	    "the body",
	    "FILE/a.eml:5: placeholder name empty or longer than 64, or "
	    "fallback longer than 256",
	    "FILE/a.eml:5: bad character in placeholder name \"bad name\"",
	    "FILE/a.eml:6: warning: stray }}: no {{ opens it, so it is sent "
	    "as written",
	    "FILE/a.eml:7: unterminated {{",
	    NULL};

	cr_assert_eq(r->status, 78, "%s", r->err);
	assert_lines(r->err, want);
	cr_assert_str_eq(r->out, "", "no plan for a broken configuration");
}

Test(check_config, fields_some_enrollment_cannot_fill_are_warnings)
{
	g_autofree char *conf =
	    conf_with("Subject: For {{company}}\n"
	              "\n"
	              "Hi {{first_name|there}} at {{frist_name}},\n"
	              "{{ cust_id | n/a }} {{email}} {{rep_email}}\n"
	              "{{rep_signature}}\n"
	              "--- html ---\n"
	              "<p>{{rep_name}}</p><style>a{b:c}}</style>\n",
	              "Subject: {{first_name}}\r\n\r\nBye.\r\n");
	g_autoptr(cli_run) r = fx_cli("-c", conf, "check-config", NULL);
	g_autoptr(cli_run) strict =
	    fx_cli("-c", conf, "check-config", "--strict", NULL);
	static const char *const want[] = {
	    "FILE/a.eml:3: warning: field \"frist_name\" is not a standard "
	    "field: every prospect must carry it or it needs a fallback",
	    "FILE/a.eml:5: warning: {{rep_signature}} has no fallback: a rep "
	    "without \"signature\" in a [rep ADDRESS] group cannot fill it "
	    "(any address in rep_domains may enroll; configured without it: "
	    "alice@example.com), and that enrollment pauses",
	    "FILE/a.eml:7: warning: stray }}: no {{ opens it, so it is sent "
	    "as written",
	    "FILE/a.eml:7: warning: {{rep_name}} has no fallback: a rep "
	    "without \"name\" in a [rep ADDRESS] group cannot fill it (any "
	    "address in rep_domains may enroll), and that enrollment pauses",
	    NULL};

	cr_assert_eq(r->status, 0, "%s", r->err);
	assert_lines(r->err, want);
	cr_assert(strstr(r->out, "cadence one") != NULL, "%s", r->out);
	cr_assert_eq(strict->status, 78);
	assert_lines(strict->err, want);
}

/* The shipped sample passes: warnings only (its templates use
 * {{rep_signature}} and {{rep_name}} without a fallback). */
Test(check_config, the_sample_configuration_passes)
{
	g_autofree char *sample =
	    g_build_filename(CAD_SOURCE_DIR, "conf", "cadence.conf", NULL);
	g_autoptr(cli_run) r = fx_cli("-c", sample, "check-config", NULL);
	g_auto(GStrv) lines = g_strsplit(r->err, "\n", -1);

	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "cadence cold") != NULL);
	for (guint i = 0; lines[i] != NULL && *lines[i] != '\0'; i++)
		cr_assert(strstr(lines[i], ".eml:") != NULL &&
		              strstr(lines[i], ": warning: ") != NULL,
		          "not a template warning: %s", lines[i]);
}
