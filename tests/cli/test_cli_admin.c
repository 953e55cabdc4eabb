/*
 * test_cli_admin.c: cadencectl on a real store, the admin side: the
 * suppression list, stuck, backup and restore (also against a store held
 * open by another process), check-config, classify and ingest.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <glib.h>

#include "cli/cli.h"
#include "core/actions.h"
#include "fixture.h"
#include "storefault.h"

#define MONDAY "2026-11-02T08:00:00Z"

TestSuite(cli_admin, .init = fx_setup, .fini = fx_teardown);

static void
enroll(const char *addr)
{
	g_autoptr(cli_run) r =
	    fx_cli("--at", MONDAY, "enroll", "--cadence", "cold", "--rep",
	           "alice@example.com", addr, NULL);

	cr_assert_eq(r->status, 0, "enroll %s: %s", addr, r->err);
}

Test(cli_admin, suppress_add_list_remove)
{
	g_autoptr(cli_run) a =
	    fx_cli("--at", MONDAY, "suppress", "add", "Spam@Trap.Example",
	           "--reason", "honeypot", NULL);
	g_autoptr(cli_run) b =
	    fx_cli("suppress", "add", "@Competitor.Example", NULL);
	g_autoptr(cli_run) c = fx_cli("suppress", "add", "@@x", NULL);
	g_autoptr(cli_run) list = fx_cli("suppress", "list", "--json", NULL);
	g_autoptr(cli_run) e =
	    fx_cli("enroll", "--cadence", "cold", "--rep", "alice@example.com",
	           "ceo@competitor.example", NULL);
	g_autoptr(cli_run) rm =
	    fx_cli("suppress", "remove", "@competitor.example", NULL);
	g_autoptr(cli_run) rm2 =
	    fx_cli("suppress", "remove", "@competitor.example", NULL);
	g_autoptr(cli_run) e2 =
	    fx_cli("enroll", "--cadence", "cold", "--rep", "alice@example.com",
	           "ceo@competitor.example", NULL);
	g_autoptr(cli_run) list2 = fx_cli("suppress", "list", "--csv", NULL);

	cr_assert_eq(a->status, 0, "%s", a->err);
	cr_assert_eq(b->status, 0, "%s", b->err);
	cr_assert_eq(c->status, 65);
	cr_assert(strstr(list->out, "{\"entry\":\"spam@trap.example\","
	                            "\"since\":\"2026-11-02T08:00:00Z\","
	                            "\"source\":\"cadencectl:") != NULL,
	          "%s", list->out);
	cr_assert(strstr(list->out, "\"reason\":\"honeypot\"") != NULL);
	cr_assert(strstr(list->out, "\"entry\":\"@competitor.example\"") !=
	          NULL);
	cr_assert_eq(e->status, 1, "the domain is suppressed");
	cr_assert_eq(rm->status, 0, "%s", rm->err);
	cr_assert_eq(rm2->status, 67);
	cr_assert(strstr(rm2->err, "not on the suppression list") != NULL);
	cr_assert_eq(e2->status, 0, "%s", e2->err);
	cr_assert_eq(fx_count(list2->out, "@"), 1);
}

typedef struct {
	guint64 sending, error, waiting;
} stuck_ids;

static gboolean
make_stuck(cad_txn *txn, void *arg, GError **error)
{
	stuck_ids *ids = arg;
	gint64 t0;
	g_autoptr(cad_enrollment) s =
	    cad_store_enrollment_get(txn, ids->sending, error);
	g_autoptr(cad_enrollment) w =
	    cad_store_enrollment_get(txn, ids->waiting, error);

	cad_parse_time("2026-11-03T09:00:00Z", &t0, NULL);
	s->step_status = CAD_STEP_SENDING;
	s->sending_msgid = g_strdup("lost.1@example.com");
	w->state = CAD_STATE_WAITING;
	return cad_store_enrollment_put(txn, s, error) &&
	       cad_store_event_add(txn, s->id, CAD_EV_SENDING, 2, "", t0,
	                           error) &&
	       cad_store_enrollment_put(txn, w, error) &&
	       cad_store_event_add(txn, w->id, CAD_EV_TASK, 2, "", t0, error);
}

Test(cli_admin, stuck_lists_each_problem_with_its_fix)
{
	stuck_ids ids = {1, 2, 3};
	g_autoptr(GError) err = NULL;
	g_autoptr(cli_run) none = NULL;
	cad_store *store;

	enroll("s@one.example");
	enroll("e@two.example");
	enroll("w@three.example");
	enroll("fine@four.example");
	none = fx_cli("--at", "2026-11-05T00:00:00Z", "stuck", NULL);
	cr_assert_eq(none->status, 0, "%s", none->err);
	cr_assert_str_eq(none->out, "nothing is stuck\n");

	store = cad_store_open(fx_store, NULL, &err);
	cr_assert_not_null(store, "%s", err ? err->message : "");
	cr_assert(cad_store_write(store, make_stuck, &ids, &err), "%s",
	          err->message);
	cr_assert(cad_act_error(store, ids.error,
	                        "template cold-followup.eml: "
	                        "no value for {{first_name}}",
	                        NULL, 1793700000, &err),
	          "%s", err->message);
	cad_store_close(store);

	g_autoptr(cli_run) r =
	    fx_cli("--at", "2026-11-05T00:00:00Z", "stuck", "--json", NULL);
	g_autoptr(cli_run) early =
	    fx_cli("--at", "2026-11-03T09:05:00Z", "stuck", "--csv", NULL);

	cr_assert_eq(r->status, 1, "something is stuck: %s", r->err);
	cr_assert_eq(fx_count(r->out, "{"), 3, "%s", r->out);
	cr_assert(strstr(r->out, "\"problem\":\"interrupted send\"") != NULL);
	cr_assert(strstr(r->out, "message-id=<lost.1@example.com>") != NULL);
	cr_assert(strstr(r->out, "\"fix\":\"cadencectl skip 1") != NULL);
	cr_assert(strstr(r->out, "\"problem\":\"error\"") != NULL);
	cr_assert(strstr(r->out, "no value for {{first_name}}") != NULL);
	cr_assert(strstr(r->out, "cadencectl set-field e@two.example "
	                         "NAME=VALUE; cadencectl resume 2") != NULL,
	          "%s", r->out);
	cr_assert(strstr(r->out, "\"problem\":\"task overdue\"") != NULL);
	cr_assert(strstr(r->out, "\"fix\":\"cadencectl done 3") != NULL);
	cr_assert_eq(fx_count(r->out, "fine@four.example"), 0);
	/* Five minutes after: the send may be under way, the task is new. */
	cr_assert_eq(fx_count(early->out, "interrupted send"), 0, "%s",
	             early->out);
	cr_assert_eq(fx_count(early->out, "task overdue"), 0);
	cr_assert_eq(fx_count(early->out, ",error,"), 1, "%s", early->out);
}

Test(cli_admin, backup_and_restore)
{
	g_autofree char *bk = g_build_filename(fx_dir, "bk", NULL);
	g_autofree char *bkdata = g_build_filename(bk, "data.mdb", NULL);

	enroll("a@one.example");
	enroll("b@two.example");
	g_autoptr(cli_run) b = fx_cli("backup", bk, NULL);
	g_autoptr(cli_run) b2 = fx_cli("backup", bk, NULL);
	g_autoptr(cli_run) stop = fx_cli("stop", "a@one.example", NULL);
	g_autoptr(cli_run) r1 = fx_cli("restore", bk, NULL);
	g_autoptr(cli_run) r2 = fx_cli("restore", "--force", bk, NULL);
	g_autoptr(cli_run) list = fx_cli("list", "--json", NULL);
	g_autoptr(cli_run) r3 = fx_cli("restore", "--force", fx_dir, NULL);

	cr_assert_eq(b->status, 0, "%s", b->err);
	cr_assert(g_file_test(bkdata, G_FILE_TEST_IS_REGULAR));
	cr_assert(strstr(b->out, "compacted") != NULL);
	cr_assert_eq(b2->status, 73);
	cr_assert(strstr(b2->err, "is not empty") != NULL);
	cr_assert_eq(stop->status, 0);
	cr_assert_eq(r1->status, 1);
	cr_assert(strstr(r1->err, "--force") != NULL);
	cr_assert_eq(r2->status, 0, "%s", r2->err);
	/* The stop came after the backup: both are active again. */
	cr_assert_eq(fx_count(list->out, "\"state\":\"active\""), 2, "%s",
	             list->out);
	cr_assert_eq(r3->status, 66, "not a backup: %s", r3->err);
	cr_assert(strstr(r3->err, "not a cadencectl backup") != NULL);
}

Test(cli_admin, restore_refuses_a_store_in_use)
{
	g_autofree char *bk = g_build_filename(fx_dir, "bk", NULL);
	int up[2], down[2];
	char c = 0;
	pid_t pid;

	enroll("a@one.example");
	g_autoptr(cli_run) b = fx_cli("backup", bk, NULL);
	cr_assert_eq(b->status, 0);
	cr_assert_eq(pipe(up), 0);
	cr_assert_eq(pipe(down), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		/* A daemon holding the store open until told to go. */
		cad_store *s = cad_store_open(fx_store, NULL, NULL);
		if (write(up[1], s != NULL ? "y" : "n", 1) != 1 ||
		    read(down[0], &c, 1) != 1)
			_exit(2);
		cad_store_close(s);
		_exit(0);
	}
	cr_assert_eq(read(up[0], &c, 1), 1);
	cr_assert_eq(c, 'y');
	g_autoptr(cli_run) r = fx_cli("restore", "--force", bk, NULL);
	cr_assert_eq(write(down[1], "x", 1), 1);
	int st = 0;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert_eq(r->status, 75, "%s", r->err);
	cr_assert(strstr(r->err, "is open in another process") != NULL);
	g_autoptr(cli_run) r2 = fx_cli("restore", "--force", bk, NULL);
	cr_assert_eq(r2->status, 0, "%s", r2->err);
}

Test(cli_admin, check_config)
{
	g_autoptr(cli_run) ok = fx_cli("check-config", NULL);
	g_autoptr(cli_run) dump = fx_cli("check-config", "--dump", NULL);
	g_autofree char *bad = fx_write(
	    "bad.conf",
	    "[store]\npath = /x\n"
	    "[sender]\nwindow = 25:00-26:00\nrate_per_minute = lots\n");
	g_autoptr(cli_run) no = fx_cli("-c", bad, "check-config", NULL);

	cr_assert_eq(ok->status, 0, "%s", ok->err);
	cr_assert(strstr(ok->out, "cold") != NULL);
	cr_assert(strstr(ok->out, "inbound") != NULL);
	cr_assert_eq(dump->status, 0);
	g_autofree char *want = g_strdup_printf("path = %s", fx_store);
	cr_assert(strstr(dump->out, want) != NULL, "%s", dump->out);
	cr_assert_eq(no->status, 78);
	cr_assert(strstr(no->err, "window") != NULL, "%s", no->err);
	cr_assert(strstr(no->err, "rate_per_minute") != NULL, "%s", no->err);
	cr_assert_geq(fx_count(no->err, "cadencectl: check-config: "), 2);
}

Test(cli_admin, classify_files)
{
	g_autofree char *dsn = fx_data("bounce.eml");
	g_autofree char *junk = fx_data("notmail.bin");
	g_autoptr(cli_run) j = fx_cli("classify", "--json", dsn, junk, NULL);
	g_autoptr(cli_run) t =
	    fx_cli("classify", dsn, "/nonexistent.eml", NULL);

	cr_assert_eq(j->status, 0, "%s", j->err);
	cr_assert_eq(fx_count(j->out, "{\"file\":"), 2);
	cr_assert(strstr(j->out,
	                 "\"kind\":\"hard_bounce\",\"recipients\":"
	                 "[\"a@one.example\"],\"status\":\"5.1.1\"") != NULL,
	          "%s", j->out);
	cr_assert(strstr(j->out, "notmail.bin\",\"kind\":\"other\"") != NULL);
	cr_assert(strstr(j->err, "notmail.bin: ") != NULL, "a warning: %s",
	          j->err);
	cr_assert_eq(t->status, 66);
	cr_assert(strstr(t->out, "hard_bounce") != NULL);
	cr_assert(strstr(t->err, "/nonexistent.eml: No such file") != NULL);
}

static char *
verp_of(guint64 id)
{
	g_autoptr(GError) err = NULL;
	cad_store *store = cad_store_open(fx_store, NULL, &err);
	g_autoptr(cad_txn) txn = NULL;
	g_autoptr(cad_enrollment) e = NULL;
	char *rcpt;

	cr_assert_not_null(store);
	txn = cad_store_read_begin(store, &err);
	e = cad_store_enrollment_get(txn, id, &err);
	cr_assert_not_null(e);
	rcpt = g_strdup_printf("bounces+%s@example.com", e->verp_token);
	g_clear_pointer(&txn, cad_txn_end);
	cad_store_close(store);
	return rcpt;
}

static void
stdin_from(const char *path)
{
	cr_assert_not_null(freopen(path, "rb", stdin));
}

Test(cli_admin, ingest_records_a_bounce)
{
	g_autofree char *dsn = fx_data("bounce.eml");
	g_autofree char *rcpt = NULL;

	enroll("a@one.example");
	rcpt = verp_of(1);
	stdin_from(dsn);
	g_autoptr(cli_run) r = fx_cli("ingest", "--json", "--recipient", rcpt,
	                              "--sender", "", NULL);
	g_autoptr(cli_run) show =
	    fx_cli("show", "--json", "a@one.example", NULL);
	g_autoptr(cli_run) sup = fx_cli("suppress", "list", NULL);

	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(r->out, "{\"outcome\":\"hard_bounce\","
	                         "\"enrollment\":1}\n");
	cr_assert(strstr(show->out, "\"state\":\"bounced\"") != NULL, "%s",
	          show->out);
	cr_assert(strstr(sup->out, "a@one.example") != NULL);
}

Test(cli_admin, ingest_failures_are_temporary)
{
	g_autofree char *dsn = fx_data("bounce.eml");
	g_autofree char *bad = fx_write("bad.conf", "[store]\n");
	g_autofree char *ro = NULL;

	stdin_from(dsn);
	g_autoptr(cli_run) a = fx_cli("-c", bad, "ingest", "--recipient",
	                              "bounces+x@example.com", NULL);
	stdin_from(dsn);
	g_autoptr(cli_run) b = fx_cli("ingest", NULL);
	stdin_from(dsn);
	g_autoptr(cli_run) c =
	    fx_cli("ingest", "--recipent", "x@y.example", NULL);
	/* A store the user cannot create. */
	g_autofree char *text = NULL;
	g_file_get_contents(fx_conf, &text, NULL, NULL);
	g_autofree char *from = g_strdup_printf("path = %s\n", fx_store);
	GString *s = g_string_new(text);
	g_string_replace(s, from, "path = /proc/cadence-store\n", 1);
	ro = fx_write("ro.conf", s->str);
	g_string_free(s, TRUE);
	stdin_from(dsn);
	g_autoptr(cli_run) d = fx_cli("-c", ro, "ingest", "--recipient",
	                              "bounces+x@example.com", NULL);
	/* Mail that concerns nobody is fine. */
	stdin_from(dsn);
	g_autoptr(cli_run) e = fx_cli("ingest", "--recipient",
	                              "bounces+unknown@example.com", NULL);

	cr_assert_eq(a->status, 75, "%s", a->err);
	cr_assert(strstr(a->err, "configuration") != NULL);
	cr_assert_eq(b->status, 75, "missing --recipient: %s", b->err);
	cr_assert_eq(c->status, 75, "unknown option: %s", c->err);
	cr_assert_eq(d->status, 75, "%s", d->err);
	cr_assert(strstr(d->err, "/proc/cadence-store") != NULL);
	cr_assert_eq(e->status, 0, "%s", e->err);
}

/*
 * A prospect record that does not decode is an error (74), never read as
 * a prospect without fields: show does not print an empty one, and a new
 * enrollment does not write a fresh record over it.
 */
Test(cli_admin, a_corrupt_prospect_is_an_error_not_an_empty_one)
{
	const char *addr = "jane@acme.example";
	const char junk[] = "\001not a record";

	enroll(addr);
	g_autoptr(cli_run) stop = fx_cli("stop", addr, NULL);
	cr_assert_eq(stop->status, 0, "%s", stop->err);
	sf_put_raw(fx_store, "prospects", addr, strlen(addr), junk,
	           sizeof(junk));
	g_autoptr(cli_run) show = fx_cli("show", addr, NULL);
	g_autoptr(cli_run) again =
	    fx_cli("--at", MONDAY, "enroll", "--cadence", "cold", "--rep",
	           "alice@example.com", addr, NULL);
	g_autoptr(cli_run) list = fx_cli("list", "--json", NULL);

	cr_assert_eq(show->status, 74, "show: %d %s", show->status, show->out);
	cr_assert(strstr(show->err, "does not decode") != NULL, "%s",
	          show->err);
	cr_assert_eq(again->status, 74, "enroll: %d %s", again->status,
	             again->err);
	cr_assert_eq(fx_count(list->out, addr), 1, "enrolled over it: %s",
	             list->out);
}
