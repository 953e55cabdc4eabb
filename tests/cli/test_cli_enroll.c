/*
 * test_cli_enroll.c: cadencectl on a real store, the enrollment side:
 * help from the command table, usage errors, enroll, import of CRM
 * exports (the CSV edge cases of tests/data/cli), list, show, schedule,
 * and the state changes pause, resume, stop, skip, done and set-field.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <glib.h>

#include "cli/cli.h"
#include "fixture.h"

#define MONDAY "2026-11-02T08:00:00Z"

TestSuite(cli_enroll, .init = fx_setup, .fini = fx_teardown);

static void
enroll(const char *addr, const char *cadence)
{
	g_autoptr(cli_run) r =
	    fx_cli("--at", MONDAY, "enroll", "--cadence", cadence, "--rep",
	           "alice@example.com", addr, NULL);

	cr_assert_eq(r->status, 0, "enroll %s: %s", addr, r->err);
}

Test(cli_enroll, help_lists_every_command_of_the_table)
{
	g_autoptr(cli_run) r = fx_cli("help", NULL);

	cr_assert_eq(r->status, 0);
	for (const cad_cli_cmd *c = cad_cli_commands(); c->name; c++) {
		g_autofree char *want = g_strdup_printf("  %s", c->name);
		g_auto(GStrv) w = g_strsplit(c->name, " ", 2);
		g_autoptr(cli_run) one = fx_cli("help", w[0], w[1], NULL);

		cr_assert(strstr(r->out, want) != NULL, "%s", c->name);
		cr_assert(strstr(r->out, c->help) != NULL, "%s", c->name);
		cr_assert_eq(one->status, 0);
		cr_assert(g_str_has_prefix(one->out, "usage: cadencectl "));
		cr_assert(strstr(one->out, c->name) != NULL);
	}
}

Test(cli_enroll, no_command_is_usage)
{
	g_autoptr(cli_run) none = fx_cli(NULL, NULL);
	g_autoptr(cli_run) help = fx_cli("--help", NULL);

	cr_assert_eq(none->status, 64);
	cr_assert(g_str_has_prefix(none->err, "usage: cadencectl"));
	cr_assert_str_eq(none->out, "");
	cr_assert_eq(help->status, 0);
	cr_assert(g_str_has_prefix(help->out, "usage: cadencectl"));
}

/* On a terminal, import draws a progress bar on stderr (script(1) gives
 * the real program one). */
Test(cli_enroll, import_progress_bar_on_a_terminal, .timeout = 120)
{
	g_autofree char *script = g_find_program_in_path("script");
	g_autofree char *ctl =
	    g_build_filename(CAD_BINARY_DIR, "cli", "cadencectl", NULL);
	GString *csv = g_string_new("email\n");
	g_autofree char *path = NULL, *cmd = NULL, *out = NULL;
	int status = 0;

	if (script == NULL)
		cr_skip_test("script(1) is not installed");
	for (int i = 0; i < 3000; i++)
		g_string_append_printf(csv, "p%d@bar.example\n", i);
	path = fx_write("bar.csv", csv->str);
	g_string_free(csv, TRUE);
	cmd = g_strdup_printf("%s -c %s import --cadence cold --rep "
	                      "alice@example.com %s",
	                      ctl, fx_conf, path);
	const char *argv[] = {script, "-q", "-e", "-c", cmd, "/dev/null", NULL};
	cr_assert(g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out,
	                       NULL, &status, NULL));
	cr_assert(g_spawn_check_wait_status(status, NULL), "%s", out);
	cr_assert(strstr(out, "\rimport [####") != NULL, "%s", out);
	cr_assert(strstr(out, "100% 3000 rows") != NULL);
	cr_assert(strstr(out, "3000      3000") != NULL, "the summary: %s",
	          out);
}

Test(cli_enroll, usage_errors_name_what_was_wrong)
{
	g_autoptr(cli_run) nostore = fx_cli("list", NULL);
	g_autoptr(cli_run) made =
	    fx_cli("suppress", "add", "x@y.example", NULL);
	g_autoptr(cli_run) a = fx_cli("lst", NULL);
	g_autoptr(cli_run) b = fx_cli("enroll", "x@y.example", NULL);
	g_autoptr(cli_run) c = fx_cli("list", "--bogus", NULL);
	g_autoptr(cli_run) d = fx_cli("show", NULL);
	g_autoptr(cli_run) e = fx_cli("list", "--state", "happy", NULL);
	g_autoptr(cli_run) f = fx_cli("--at", "tomorrow", "list", NULL);
	g_autoptr(cli_run) g = fx_cli("list", "--json", "--csv", NULL);

	cr_assert_eq(nostore->status, 66);
	cr_assert(strstr(nostore->err, "does not exist yet") != NULL);
	cr_assert_eq(made->status, 0);
	cr_assert_eq(a->status, 64);
	cr_assert_str_eq(a->err, "cadencectl: no command lst (see cadencectl "
	                         "help)\n");
	cr_assert_eq(b->status, 64);
	cr_assert(strstr(b->err, "--cadence NAME is required") != NULL, "%s",
	          b->err);
	cr_assert_eq(c->status, 64);
	cr_assert(strstr(c->err, "unknown option --bogus") != NULL);
	cr_assert_eq(d->status, 64);
	cr_assert(strstr(d->err, "show: missing argument; usage: cadencectl "
	                         "show ADDRESS|ID") != NULL,
	          "%s", d->err);
	cr_assert_eq(e->status, 64);
	cr_assert(strstr(e->err, "--state 'happy'") != NULL);
	cr_assert_eq(f->status, 64);
	cr_assert(strstr(f->err, "'tomorrow' is not a time") != NULL);
	cr_assert_eq(g->status, 64);
}

Test(cli_enroll, missing_configuration_is_78)
{
	g_autofree char *bad = fx_write("bad.conf", "[store]\npath =\n");
	g_autoptr(cli_run) r = fx_cli("-c", bad, "list", NULL);

	cr_assert_eq(r->status, 78, "%s", r->err);
	cr_assert(g_str_has_prefix(r->err, "cadencectl: list: "));
}

Test(cli_enroll, enroll_list_show)
{
	g_autoptr(cli_run) list = NULL;
	g_autoptr(cli_run) show = NULL;
	g_autoptr(cli_run) again = NULL;
	g_autoptr(cli_run) r =
	    fx_cli("--at", MONDAY, "enroll", "--cadence", "cold", "--rep",
	           "Alice@Example.com", "--field", "first_name=Ana", "--field",
	           "industry=mining", "--subject", "Hello", "--json",
	           "<Ana@Acme.Example>", NULL);

	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(
	    g_str_has_prefix(
	        r->out,
	        "{\"id\":1,\"address\":"
	        "\"ana@acme.example\",\"result\":\"enrolled\",\"cadence\":"
	        "\"cold\","
	        "\"rep\":\"alice@example.com\",\"next_due\":\"2026-11-03T"),
	    "%s", r->out);

	list = fx_cli("list", "--json", NULL);
	cr_assert_eq(list->status, 0);
	cr_assert_eq(fx_count(list->out, "\"state\":\"active\""), 1);
	cr_assert(strstr(list->out, "\"next_step\":2") != NULL, "%s",
	          list->out);

	show = fx_cli("show", "--json", "ana@acme.example", NULL);
	cr_assert_eq(show->status, 0, "%s", show->err);
	cr_assert(strstr(show->out, "\"first_name\":\"Ana\"") != NULL);
	cr_assert(strstr(show->out, "\"industry\":\"mining\"") != NULL);
	cr_assert(strstr(show->out, "\"state\":\"active\"") != NULL);
	cr_assert(strstr(show->out, "\"next_step\":2,\"next_channel\":"
	                            "\"linkedin\"") != NULL,
	          "%s", show->out);
	cr_assert(strstr(show->out, "\"time\":\"2026-11-02T08:00:00Z\","
	                            "\"type\":\"enrolled\",\"step\":1") != NULL,
	          "%s", show->out);

	again = fx_cli("enroll", "--cadence", "inbound", "--rep",
	               "bob@example.com", "ana@acme.example", NULL);
	cr_assert_eq(again->status, 1, "%s", again->err);
	cr_assert(strstr(again->err, "already active in cadence cold") != NULL,
	          "%s", again->err);
}

Test(cli_enroll, enroll_refusals_and_bad_input)
{
	g_autoptr(cli_run) s =
	    fx_cli("suppress", "add", "@blocked.example", "--reason",
	           "asked never to be mailed", NULL);
	g_autoptr(cli_run) a =
	    fx_cli("enroll", "--cadence", "cold", "--rep", "alice@example.com",
	           "x@blocked.example", NULL);
	g_autoptr(cli_run) b =
	    fx_cli("enroll", "--cadence", "cold", "--rep", "alice@example.com",
	           "not-an-address", NULL);
	g_autoptr(cli_run) c =
	    fx_cli("enroll", "--cadence", "nope", "--rep", "alice@example.com",
	           "x@ok.example", NULL);
	g_autoptr(cli_run) d =
	    fx_cli("enroll", "--cadence", "cold", "--rep", "alice@example.com",
	           "--field", "timezone=Mars/Base", "x@ok.example", NULL);
	g_autoptr(cli_run) e =
	    fx_cli("enroll", "--cadence", "cold", "--rep", "alice@example.com",
	           "--field", "bad name=1", "x@ok.example", NULL);
	g_autoptr(cli_run) list = fx_cli("list", "--csv", NULL);

	cr_assert_eq(s->status, 0, "%s", s->err);
	cr_assert_eq(a->status, 1);
	cr_assert(strstr(a->err, "suppression list (asked never to be "
	                         "mailed)") != NULL,
	          "%s", a->err);
	cr_assert_eq(b->status, 65);
	cr_assert(strstr(b->err, "'not-an-address' is not an address") != NULL);
	cr_assert_eq(c->status, 64);
	cr_assert(strstr(c->err, "no cadence 'nope'") != NULL);
	cr_assert_eq(d->status, 65);
	cr_assert(strstr(d->err, "timezone 'Mars/Base' is not a known zone") !=
	              NULL,
	          "%s", d->err);
	cr_assert_eq(e->status, 65);
	/* Nothing was enrolled: only the CSV header. */
	cr_assert_str_eq(list->out, "id,address,cadence,rep,state,next_step,"
	                            "next_due,enrolled,error\r\n");
}

Test(cli_enroll, enroll_dry_run_writes_nothing)
{
	g_autoptr(cli_run) r =
	    fx_cli("enroll", "-n", "--cadence", "cold", "--rep",
	           "alice@example.com", "x@ok.example", NULL);
	g_autoptr(cli_run) list = fx_cli("list", "--json", NULL);

	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "would enroll") != NULL);
	cr_assert_str_eq(list->out, "");
}

static void
check_import_outcome(const cli_run *r)
{
	cr_assert_eq(r->status, 65, "bad rows give 65: %s", r->err);
	cr_assert(strstr(r->err, "crm_export.csv:6: 'not-an-address' is not "
	                         "an address") != NULL,
	          "%s", r->err);
	cr_assert(strstr(r->err, "crm_export.csv:7: the email column is "
	                         "empty") != NULL);
	cr_assert(strstr(r->err, "crm_export.csv:8: timezone 'Mars/Olympus' "
	                         "is not a known zone") != NULL);
	cr_assert(strstr(r->err, "crm_export.csv:10: field 2 is not UTF-8") !=
	          NULL);
	cr_assert_eq(fx_count(r->err, "crm_export.csv:"), 4, "%s", r->err);
}

Test(cli_enroll, import_crm_export)
{
	g_autofree char *csv = fx_data("crm_export.csv");
	g_autoptr(cli_run) s =
	    fx_cli("suppress", "add", "supp@blocked.example", NULL);
	g_autoptr(cli_run) r = fx_cli("import", "--cadence", "cold", "--rep",
	                              "alice@example.com", "--json", csv, NULL);
	g_autoptr(cli_run) bjorn =
	    fx_cli("show", "--json", "bjorn@fjord.example", NULL);
	g_autoptr(cli_run) evan =
	    fx_cli("show", "--json", "evan@ok.example", NULL);
	g_autoptr(cli_run) dora =
	    fx_cli("show", "--json", "DORA@example.org", NULL);
	g_autoptr(cli_run) list = fx_cli("list", "--json", NULL);

	check_import_outcome(r);
	cr_assert(strstr(r->out, "\"rows\":10,\"enrolled\":4,\"suppressed\":1,"
	                         "\"already_active\":1,\"bad\":4}") != NULL,
	          "%s", r->out);
	cr_assert_eq(fx_count(list->out, "\"state\":\"active\""), 4);
	/* UTF-8 names, a quoted line break kept in a free field. */
	cr_assert(strstr(bjorn->out, "\"first_name\":\"Bj\xc3\xb6rn\"") != NULL,
	          "%s", bjorn->out);
	cr_assert(strstr(bjorn->out, "\"notes\":\"line one\\nline two\"") !=
	              NULL,
	          "%s", bjorn->out);
	cr_assert(strstr(bjorn->out, "\"timezone\":\"Europe/Stockholm\"") !=
	          NULL);
	/* A line break in a standard field is folded to a space. */
	cr_assert(strstr(evan->out, "\"company\":\"Ok Corp\"") != NULL, "%s",
	          evan->out);
	cr_assert_eq(dora->status, 0);
	cr_assert(strstr(dora->out, "\"address\":\"dora@example.org\"") !=
	          NULL);
}

Test(cli_enroll, import_dry_run_changes_nothing)
{
	g_autofree char *csv = fx_data("crm_export.csv");
	g_autoptr(cli_run) s =
	    fx_cli("suppress", "add", "supp@blocked.example", NULL);
	g_autoptr(cli_run) r =
	    fx_cli("import", "--dry-run", "--cadence", "cold", "--rep",
	           "alice@example.com", csv, NULL);
	g_autoptr(cli_run) list = fx_cli("list", "--json", NULL);

	check_import_outcome(r);
	cr_assert_eq(fx_count(r->out, "would_enroll"), 5, "%s", r->out);
	cr_assert(strstr(r->out, "enrolled by an earlier row") != NULL);
	cr_assert_str_eq(list->out, "");
}

Test(cli_enroll, import_semicolons_and_fatal_quote)
{
	g_autofree char *semi = fx_data("semicolon.csv");
	g_autofree char *open = fx_data("open_quote.csv");
	g_autoptr(cli_run) a = fx_cli("import", "--cadence", "cold", "--rep",
	                              "alice@example.com", semi, NULL);
	g_autoptr(cli_run) b = fx_cli("import", "--cadence", "cold", "--rep",
	                              "alice@example.com", open, NULL);
	g_autoptr(cli_run) x = fx_cli("show", "--json", "x@semi.example", NULL);
	g_autofree char *nohdr = fx_write("nohdr.csv", "name,company\na,b\n");
	g_autoptr(cli_run) c = fx_cli("import", "--cadence", "cold", "--rep",
	                              "alice@example.com", nohdr, NULL);
	g_autoptr(cli_run) d =
	    fx_cli("import", "--cadence", "cold", "--rep", "alice@example.com",
	           "/nonexistent.csv", NULL);

	cr_assert_eq(a->status, 0, "%s", a->err);
	cr_assert(strstr(x->out, "\"company\":\"Semi; Colon\"") != NULL);
	cr_assert_eq(b->status, 65);
	cr_assert(strstr(b->err, "open_quote.csv:2: a quoted field is never "
	                         "closed") != NULL,
	          "%s", b->err);
	cr_assert_eq(c->status, 65);
	cr_assert(strstr(c->err, "line 1: no 'email' column") != NULL);
	cr_assert_eq(d->status, 66);
}

Test(cli_enroll, import_in_batches)
{
	GString *csv = g_string_new("Email Address,First Name\n");
	g_autofree char *path = NULL;
	guint n = CAD_CLI_IMPORT_BATCH * 2 + 37;

	for (guint i = 0; i < n; i++)
		g_string_append_printf(csv, "p%u@bulk.example,P%u\n", i, i);
	/* A duplicate across the batch boundary. */
	g_string_append(csv, "p3@bulk.example,Again\n");
	path = fx_write("bulk.csv", csv->str);
	g_string_free(csv, TRUE);
	g_autoptr(cli_run) r = fx_cli("import", "--cadence", "inbound", "--rep",
	                              "bob@example.com", "--csv", path, NULL);
	g_autoptr(cli_run) list =
	    fx_cli("list", "--csv", "--cadence", "inbound", NULL);
	g_autofree char *want = g_strdup_printf("%u,%u,0,1,0", n + 1, n);

	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, want) != NULL, "%s", r->out);
	cr_assert_eq(fx_count(list->out, "bulk.example"), n);
}

Test(cli_enroll, list_filters)
{
	enroll("a@one.example", "cold");
	enroll("b@two.example", "inbound");
	g_autoptr(cli_run) r =
	    fx_cli("enroll", "--cadence", "cold", "--rep", "bob@example.com",
	           "c@three.example", NULL);
	g_autoptr(cli_run) p = fx_cli("pause", "b@two.example", NULL);
	g_autoptr(cli_run) cold = fx_cli("list", "--cadence", "cold", NULL);
	g_autoptr(cli_run) bob =
	    fx_cli("list", "--rep", "BOB@example.com", NULL);
	g_autoptr(cli_run) paused =
	    fx_cli("list", "--state", "paused", "--json", NULL);

	cr_assert_eq(p->status, 0, "%s", p->err);
	cr_assert_eq(fx_count(cold->out, "@"), 2, "%s", cold->out);
	cr_assert(g_str_has_prefix(cold->out, "id  address"), "%s", cold->out);
	cr_assert_eq(fx_count(bob->out, "c@three.example"), 1);
	cr_assert_eq(fx_count(bob->out, "@one.example"), 0);
	cr_assert_eq(fx_count(paused->out, "{"), 1);
	cr_assert(strstr(paused->out, "b@two.example") != NULL);
}

Test(cli_enroll, schedule_lists_remaining_steps)
{
	enroll("a@one.example", "cold");
	g_autoptr(cli_run) r =
	    fx_cli("schedule", "--csv", "a@one.example", NULL);
	g_auto(GStrv) lines = g_strsplit(r->out, "\r\n", -1);
	const char *channels[] = {"linkedin", "email", "call", "email",
	                          "email"};
	g_autofree char *prev = g_strdup("");

	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(lines[0], "enrollment,step,day,channel,when,what");
	for (int i = 0; i < 5; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i + 1], ",", 6);
		cr_assert_eq(atoi(f[1]), i + 2);
		cr_assert_str_eq(f[3], channels[i]);
		cr_assert_gt(strcmp(f[4], prev), 0, "times increase");
		g_free(prev);
		prev = g_strdup(f[4]);
	}
	cr_assert_str_eq(lines[6], "");
}

static char *
state_of(const char *who)
{
	g_autoptr(cli_run) r = fx_cli("show", "--json", who, NULL);
	const char *s = strstr(r->out, "\"state\":\"");

	cr_assert_not_null(s, "%s %s", r->out, r->err);
	s += 9;
	return g_strndup(s, strchr(s, '"') - s);
}

Test(cli_enroll, pause_resume_stop_by_address_and_id)
{
	enroll("a@one.example", "cold");
	enroll("b@two.example", "cold");
	g_autoptr(cli_run) p =
	    fx_cli("pause", "--json", "a@one.example", "2", NULL);
	g_autoptr(cli_run) p2 = fx_cli("pause", "1", NULL);
	g_autoptr(cli_run) r = fx_cli("resume", "a@one.example", NULL);
	g_autoptr(cli_run) r2 = fx_cli("resume", "a@one.example", NULL);
	g_autoptr(cli_run) s = fx_cli("stop", "2", NULL);
	g_autoptr(cli_run) s2 = fx_cli("resume", "2", NULL);
	g_autoptr(cli_run) none = fx_cli("stop", "99", NULL);
	g_autoptr(cli_run) who = fx_cli("stop", "nobody@x.example", NULL);
	g_autofree char *a = state_of("a@one.example");
	g_autofree char *b = state_of("2");

	cr_assert_eq(p->status, 0, "%s", p->err);
	cr_assert_eq(fx_count(p->out, "\"state\":\"paused\""), 2, "%s", p->out);
	cr_assert_eq(p2->status, 1);
	cr_assert(strstr(p2->err, "already paused") != NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_eq(r2->status, 1);
	cr_assert(strstr(r2->err, "not paused") != NULL);
	cr_assert_eq(s->status, 0, "%s", s->err);
	cr_assert_eq(s2->status, 1);
	cr_assert_eq(none->status, 67);
	cr_assert(strstr(none->err, "no enrollment 99") != NULL);
	cr_assert_eq(who->status, 67);
	cr_assert(strstr(who->err, "never been enrolled") != NULL, "%s",
	          who->err);
	cr_assert_str_eq(a, "active");
	cr_assert_str_eq(b, "stopped");
}

Test(cli_enroll, skip_and_done_walk_the_steps)
{
	enroll("a@one.example", "cold");
	/* Step 2 is a LinkedIn task: done. Step 3 is an email: skip. */
	g_autoptr(cli_run) d = fx_cli("done", "a@one.example", NULL);
	g_autoptr(cli_run) d2 = fx_cli("done", "a@one.example", NULL);
	g_autoptr(cli_run) s = fx_cli("skip", "a@one.example", NULL);
	g_autoptr(cli_run) c =
	    fx_cli("done", "--outcome", "connected", "a@one.example", NULL);
	g_autoptr(cli_run) bad =
	    fx_cli("done", "--outcome", "maybe", "a@one.example", NULL);
	g_autoptr(cli_run) show =
	    fx_cli("show", "--json", "a@one.example", NULL);

	cr_assert_eq(d->status, 0, "%s", d->err);
	cr_assert_eq(d2->status, 1, "step 3 is an email");
	cr_assert(strstr(d2->err, "not a task") != NULL, "%s", d2->err);
	cr_assert_eq(s->status, 0, "%s", s->err);
	cr_assert_eq(c->status, 0, "%s", c->err);
	cr_assert_eq(bad->status, 64);
	cr_assert(strstr(show->out, "\"type\":\"task_done\",\"step\":2") !=
	              NULL,
	          "%s", show->out);
	cr_assert(strstr(show->out, "\"type\":\"skipped\",\"step\":3") != NULL);
	cr_assert(strstr(show->out, "\"type\":\"connected\",\"step\":4") !=
	          NULL);
	cr_assert(strstr(show->out, "\"next_step\":5") != NULL, "%s",
	          show->out);
}

Test(cli_enroll, set_field)
{
	enroll("a@one.example", "cold");
	g_autoptr(cli_run) r = fx_cli("set-field", "a@one.example",
	                              "company=Acme", "Case_Study=steel", NULL);
	g_autoptr(cli_run) bad =
	    fx_cli("set-field", "a@one.example", "oops", NULL);
	g_autoptr(cli_run) none =
	    fx_cli("set-field", "z@none.example", "company=X", NULL);
	g_autoptr(cli_run) show = fx_cli("show", "a@one.example", NULL);

	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_eq(bad->status, 64);
	cr_assert_eq(none->status, 67);
	cr_assert(strstr(show->out, "company     Acme") != NULL, "%s",
	          show->out);
	cr_assert(strstr(show->out, "case_study  steel") != NULL);
}
