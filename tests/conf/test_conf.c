/*
 * test_conf.c: the shipped sample loads, and each kind of mistake in a
 * copy of it gets its one error line naming file, group, key and what is
 * expected.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "conf/conf.h"

static char dir[64];
static char *main_file;

static void
copy_tree(const char *from, const char *to)
{
	g_autofree char *cmd = g_strdup_printf("cp -r '%s' '%s'", from, to);

	cr_assert_eq(system(cmd), 0);
}

static void
setup(void)
{
	const char *src = getenv("CAD_SOURCE_DIR") ? getenv("CAD_SOURCE_DIR")
	                                           : CAD_SOURCE_DIR;
	g_autofree char *conf = NULL;

	cr_assert_not_null(src, "CAD_SOURCE_DIR is set by CTest");
	strcpy(dir, "/tmp/cad-conf-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	conf = g_build_filename(src, "conf", NULL);
	copy_tree(conf, dir);
	main_file = g_build_filename(dir, "conf", "cadence.conf", NULL);
}

static void
teardown(void)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	(void)!system(cmd);
	g_free(main_file);
}

TestSuite(conf, .init = setup, .fini = teardown);

/* Replace the first `from` with `to` in file rel (under the copy). */
static void
edit(const char *rel, const char *from, const char *to)
{
	g_autofree char *path = g_build_filename(dir, "conf", rel, NULL);
	g_autofree char *text = NULL;
	GString *s;
	char *at;

	cr_assert(g_file_get_contents(path, &text, NULL, NULL), "%s", path);
	at = strstr(text, from);
	cr_assert_not_null(at, "'%s' in %s", from, rel);
	s = g_string_new_len(text, at - text);
	g_string_append(s, to);
	g_string_append(s, at + strlen(from));
	cr_assert(g_file_set_contents(path, s->str, -1, NULL));
	g_string_free(s, TRUE);
}

/* Load and expect failure with a line containing every fragment. */
static void
expect_error(const char *file_rel, const char *line_part)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *path = g_build_filename(dir, "conf", file_rel, NULL);
	g_autofree char *want = g_strdup_printf("%s: %s", path, line_part);
	cad_conf *c = cad_conf_load(main_file, &err);

	cr_assert_null(c, "the broken configuration must be refused");
	cr_assert_not_null(err);
	cr_assert(strstr(err->message, want) != NULL,
	          "expected a line with\n  %s\ngot\n  %s", want, err->message);
}

Test(conf, sample_loads_with_three_cadences)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_conf) c = cad_conf_load(main_file, &err);
	const cad_cadence *cold;
	const cad_step *s;
	g_autoptr(GString) out = g_string_new(NULL);

	cr_assert_not_null(c, "%s", err ? err->message : "");
	cr_assert_eq(c->cadences->len, 3);
	cold = cad_conf_cadence(c, "cold");
	cr_assert_not_null(cold);
	cr_assert_eq(cold->steps->len, 5);
	s = cad_cadence_step(cold, 0);
	cr_assert_eq(s->number, 2);
	cr_assert_eq(s->day, 2);
	cr_assert_eq(s->channel, CAD_CHANNEL_LINKEDIN);
	s = cad_cadence_step(cold, 4);
	cr_assert_eq(s->day, 10);
	cr_assert_str_eq(s->template, "cold-breakup.eml");
	cr_assert(g_file_test(s->template_path, G_FILE_TEST_IS_REGULAR));
	cr_assert(cad_conf_cadence(c, "inbound")->business_days);
	cr_assert_str_eq(c->task_address, "cadence-tasks@example.com");
	cr_assert_str_eq(c->hostname, "example.com");
	cr_assert_eq(c->window.start_min, 9 * 60);
	cr_assert_eq(c->window.end_min, 17 * 60);
	cr_assert_eq(c->days, 0x1f, "mon-fri");
	cr_assert_eq(c->max_body_bytes, 256 * 1024);
	cr_assert_eq(c->map_size, 1u << 30);
	cr_assert(cad_conf_is_rep(c, "bob@EXAMPLE.com"));
	cr_assert_not(cad_conf_is_rep(c, "bob@example.net"));
	cr_assert(cad_conf_is_trusted_text(c, "127.0.0.2"));
	cr_assert(cad_conf_is_trusted_text(c, "::1"));
	cr_assert_not(cad_conf_is_trusted_text(c, "192.0.2.1"));
	cr_assert_str_eq(cad_conf_rep(c, "Alice@Example.com")->name,
	                 "Alice Martin");
	cr_assert(strchr(cad_conf_rep(c, "alice@example.com")->signature, '\n'),
	          "\\n in a signature is a newline");
	cad_conf_describe(c, out);
	cr_assert(strstr(out->str, "6     10   email     cold-breakup.eml"),
	          "%s", out->str);
}

Test(conf, inline_comment_is_not_part_of_the_value)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_conf) c = NULL;

	edit("cadence.conf", "relay = 127.0.0.1:25",
	     "relay = 127.0.0.1:2525   # the local relay");
	c = cad_conf_load(main_file, &err);
	cr_assert_not_null(c, "%s", err ? err->message : "");
	cr_assert_str_eq(c->relay, "127.0.0.1:2525");
}

/* A dual-stack listener reports an IPv4 client as ::ffff:a.b.c.d: it is
 * judged by its IPv4 address, and a network written in the mapped form
 * still matches. */
Test(conf, ipv4_mapped_client_is_judged_by_its_ipv4_address)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_conf) c = NULL;

	edit("cadence.conf", "trusted_networks = 127.0.0.0/8, ::1/128",
	     "trusted_networks = 127.0.0.0/8, ::1/128, ::ffff:10.9.0.0/112");
	c = cad_conf_load(main_file, &err);
	cr_assert_not_null(c, "%s", err ? err->message : "");
	cr_assert(cad_conf_is_trusted_text(c, "::ffff:127.0.0.1"));
	cr_assert(cad_conf_is_trusted_text(c, "::FFFF:127.255.0.9"));
	cr_assert_not(cad_conf_is_trusted_text(c, "::ffff:192.0.2.1"));
	cr_assert(cad_conf_is_trusted_text(c, "::ffff:10.9.3.4"));
	cr_assert_not(cad_conf_is_trusted_text(c, "10.9.3.4"),
	              "a mapped network holds only mapped clients");
	/* Only the mapped prefix counts: 127.0.0.1 in other IPv6 forms is
	 * not the IPv4 loopback. */
	cr_assert_not(cad_conf_is_trusted_text(c, "::127.0.0.1"));
	cr_assert_not(cad_conf_is_trusted_text(c, "64:ff9b::127.0.0.1"));
}

Test(conf, unknown_key)
{
	edit("cadence.conf", "rep_domains = example.com",
	     "rep_domains = example.com\nrep_domian = example.org");
	expect_error("cadence.conf", "[milter] rep_domian: unknown key");
}

Test(conf, bad_time_window)
{
	edit("cadence.conf", "window = 09:00-17:00", "window = 17:00-09:00");
	expect_error("cadence.conf", "[sender] window: expected HH:MM-HH:MM "
	                             "with the start before the end, got "
	                             "'17:00-09:00'");
}

Test(conf, malformed_window)
{
	edit("cadence.conf", "window = 09:00-17:00", "window = 9am-5pm");
	expect_error("cadence.conf", "[sender] window: expected HH:MM-HH:MM");
}

Test(conf, step_day_goes_backwards)
{
	edit("cadences.d/cold.conf", "day = 8", "day = 3");
	expect_error(
	    "cadences.d/cold.conf",
	    "[step 5] day: expected a day not before day 6 of [step 4], got "
	    "'3': step days go backwards");
}

Test(conf, template_does_not_exist)
{
	edit("cadences.d/cold.conf", "template = cold-value.eml",
	     "template = cold-valeu.eml");
	expect_error("cadences.d/cold.conf", "[step 5] template: template ");
	expect_error("cadences.d/cold.conf", "[step 5] template: template "
	                                     "/tmp/");
}

Test(conf, missing_required_key)
{
	edit("cadence.conf", "bounce_address = bounces@example.com\n", "");
	expect_error("cadence.conf", "[milter] bounce_address: missing "
	                             "required key: expected an address "
	                             "local@domain");
}

Test(conf, email_step_without_template)
{
	edit("cadences.d/inbound.conf", "template = inbound-last.eml\n", "");
	expect_error(
	    "cadences.d/inbound.conf",
	    "[step 4] template: missing required key for an email step");
}

Test(conf, unknown_channel)
{
	edit("cadences.d/cold.conf", "channel = linkedin", "channel = fax");
	expect_error("cadences.d/cold.conf", "[step 2] channel: expected "
	                                     "email, call, linkedin or task, "
	                                     "got 'fax'");
}

Test(conf, bad_timezone)
{
	edit("cadence.conf", "timezone = Europe/Berlin",
	     "timezone = Europe/Atlantis");
	expect_error("cadence.conf", "[sender] timezone: expected an IANA "
	                             "time zone such as Europe/Berlin, got "
	                             "'Europe/Atlantis'");
}

Test(conf, integer_out_of_range)
{
	edit("cadence.conf", "rate_per_minute = 60", "rate_per_minute = -5");
	expect_error("cadence.conf", "[sender] rate_per_minute: expected a "
	                             "count from 0 to 100000, got '-5'");
}

Test(conf, bad_network)
{
	edit("cadence.conf", "trusted_networks = 127.0.0.0/8",
	     "trusted_networks = 127.0.0.0/33");
	expect_error("cadence.conf", "[milter] trusted_networks: expected a "
	                             "list of networks");
}

Test(conf, unknown_group)
{
	edit("cadence.conf", "[cadences]", "[cadence]\nx = 1\n\n[cadences]");
	expect_error("cadence.conf", "[cadence]: unknown group");
}

Test(conf, default_cadence_must_exist)
{
	edit("cadence.conf", "default_cadence = cold",
	     "default_cadence = warm");
	expect_error("cadence.conf", "[milter] default_cadence: expected the "
	                             "name of a cadence");
}

Test(conf, step_number_one_is_the_reps_email)
{
	edit("cadences.d/cold.conf", "[step 2]", "[step 1]");
	expect_error("cadences.d/cold.conf",
	             "[step 1]: expected a step number from 2 to 64");
}

Test(conf, unsubscribe_url_must_be_https_with_token)
{
	edit("cadence.conf",
	     "#unsubscribe_url = https://example.com/unsubscribe/%s",
	     "unsubscribe_url = http://example.com/unsubscribe");
	expect_error("cadence.conf", "[sender] unsubscribe_url: expected an "
	                             "https:// URL containing %s once");
}

Test(conf, several_mistakes_all_reported_one_line_each)
{
	g_autoptr(GError) err = NULL;
	g_auto(GStrv) lines = NULL;

	edit("cadence.conf", "window = 09:00-17:00", "window = 25:00-26:00");
	edit("cadence.conf", "days = mon-fri", "days = funday");
	edit("cadences.d/reengage.conf", "day = 14", "day = 2");
	cr_assert_null(cad_conf_load(main_file, &err));
	lines = g_strsplit(err->message, "\n", 0);
	cr_assert_eq(g_strv_length(lines), 3, "one line per mistake:\n%s",
	             err->message);
}

Test(conf, missing_file_and_not_ini)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *bad = g_build_filename(dir, "nope.conf", NULL);

	cr_assert_null(cad_conf_load(bad, &err));
	cr_assert(strstr(err->message, "nope.conf: cannot read"), "%s",
	          err->message);
	g_clear_error(&err);
	cr_assert(g_file_set_contents(bad, "this is not\n[ini", -1, NULL));
	cr_assert_null(cad_conf_load(bad, &err));
	cr_assert(strstr(err->message, "not an INI file"), "%s", err->message);
}

Test(conf, window_and_days_parsers)
{
	cad_window w;
	guint8 d;

	cr_assert(cad_window_parse("08:30 - 18:00", &w));
	cr_assert_eq(w.start_min, 510);
	cr_assert(cad_window_parse("00:00-24:00", &w));
	cr_assert_not(cad_window_parse("18:00-08:30", &w));
	cr_assert_not(cad_window_parse("08:60-09:00", &w));
	cr_assert(cad_days_parse("mon,wed,fri", &d));
	cr_assert_eq(d, 0x15);
	cr_assert(cad_days_parse("fri-mon", &d), "ranges wrap the week");
	cr_assert_eq(d, 0x10 | 0x20 | 0x40 | 0x01);
	cr_assert_not(cad_days_parse("someday", &d));
}
