/*
 * test_deliver.c: the sender's run loop against a real cad-sink on
 * loopback and a real LMDB store: 250 (sent, threaded, recorded), 451
 * (retried with back-off, order kept), 550 (hard bounce, suppressed), a
 * reply lost after the data (left "sending", never resent), windows and
 * time zones, throttles across a restart, missing fields, task reminders
 * and their time-out, suppression and auto-reply pauses.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "common/util.h"
#include "core/actions.h"
#include "core/suppress.h"
#include "helpers.h"
#include "mail/gmime_auto.h"
#include "sender/sender.h"
#include "storefault.h"

#define T0   "2026-12-01T10:00:00Z" /* enrollment: a Tuesday */
#define DAY2 "2026-12-02T12:00:00Z"

static th_env *env;

static void
fini(void)
{
	th_teardown(th_current);
	env = NULL;
}

TestSuite(deliver, .fini = fini, .timeout = 60);

static cad_sender *
new_sender(void)
{
	g_autoptr(GError) err = NULL;
	cad_sender *s = cad_sender_new(env->conf, env->store, NULL, &err);

	cr_assert(s != NULL, "%s", err ? err->message : "");
	return s;
}

/* run - one run at iso; returns its stats. */
static cad_sender_stats
run_at(cad_sender *s, const char *iso)
{
	cad_sender_stats st = {0};
	g_autoptr(GError) err = NULL;

	cr_assert(cad_sender_run(s, th_time(iso), &st, &err), "%s",
	          err ? err->message : "");
	return st;
}

static cad_sender_stats
run_t(cad_sender *s, gint64 t)
{
	g_autofree char *iso = cad_format_time(t);

	return run_at(s, iso);
}

static const char *
header(GMimeMessage *m, const char *name)
{
	return g_mime_object_get_header((GMimeObject *)m, name);
}

Test(deliver, a_step_is_sent_once_and_recorded)
{
	env = th_setup(NULL, NULL);
	guint64 id = th_enroll(env, "jane@acme.test", th_time(T0), "first_name",
	                       "Jane", "company", "Acme", NULL);
	g_autoptr(cad_sender) s = new_sender();
	cad_sender_stats st = run_at(s, "2026-12-01T23:00:00Z");

	cr_assert_eq(st.sent, 0, "sent before it was due");
	st = run_at(s, DAY2);
	cr_assert_eq(st.sent, 1);

	g_autoptr(GPtrArray) files = th_sink_files(env);
	cr_assert_eq(files->len, 1);
	g_autoptr(GMimeMessage) m = th_parse(files->pdata[0]);
	g_autoptr(cad_enrollment) e = th_get(env, id);
	const char *msgid = g_mime_message_get_message_id(m);
	g_autofree char *want_verp =
	    g_strdup_printf("<bounces+%s@example.com>", e->verp_token);
	g_autofree char *want_refs = NULL;

	cr_assert_str_eq(header(m, "X-Sink-Mail-From"), want_verp);
	cr_assert_str_eq(header(m, "X-Sink-Rcpt-To"), "<jane@acme.test>");
	cr_assert(g_str_has_suffix(msgid, "@cadence.test"), "%s", msgid);
	cr_assert_str_eq(header(m, "In-Reply-To"), "<root-jane@acme.test>");
	cr_assert_str_eq(g_mime_message_get_subject(m), "Re: Quick question");
	/* Recorded: the thread grows by our id, the id finds the step. */
	want_refs = g_strdup_printf("<root-jane@acme.test> <%s>", msgid);
	cr_assert_str_eq(e->thread_refs, want_refs);
	cr_assert_eq(e->state, CAD_STATE_COMPLETED);
	cr_assert_eq(e->step_status, CAD_STEP_IDLE);
	{
		g_autoptr(cad_txn) t = cad_store_read_begin(env->store, NULL);
		guint64 got = 0;
		guint32 step = 0;
		cr_assert(cad_store_msgid_get(t, msgid, &got, &step, NULL));
		cr_assert_eq(got, id);
		cr_assert_eq(step, 2);
	}
	cr_assert_eq(th_events(env, id, CAD_EV_SENDING), 1);
	cr_assert_eq(th_events(env, id, CAD_EV_SENT), 1);

	st = run_at(s, "2026-12-09T12:00:00Z");
	cr_assert_eq(st.sent, 0);
	g_autoptr(GPtrArray) again = th_sink_files(env);
	cr_assert_eq(again->len, 1);
}

Test(deliver, tempfail_retries_with_backoff_and_keeps_order)
{
	env = th_setup(
	    NULL,
	    "[step 2]\nday = 2\nchannel = email\ntemplate = followup.eml\n"
	    "[step 3]\nday = 3\nchannel = email\ntemplate = own.eml\n");
	th_rules(env, "rcpt jane@acme.test 451x2 4.3.0 try again later\n");
	guint64 id = th_enroll(env, "jane@acme.test", th_time(T0), "first_name",
	                       "Jane", NULL);
	g_autoptr(cad_sender) s = new_sender();
	gint64 t = th_time(DAY2);
	cad_sender_stats st = run_t(s, t);

	cr_assert_eq(st.deferred, 1);
	{
		g_autoptr(cad_enrollment) e = th_get(env, id);
		cr_assert_eq(e->step_status, CAD_STEP_IDLE);
		cr_assert_eq(e->attempts, 1);
		cr_assert_eq(e->next_due, t + 60, "first back-off 60 s");
	}
	cr_assert_eq(run_t(s, t + 30).deferred, 0, "retried too soon");
	st = run_t(s, t + 60);
	cr_assert_eq(st.deferred, 1);
	{
		g_autoptr(cad_enrollment) e = th_get(env, id);
		cr_assert_eq(e->next_due, t + 60 + 120, "back-off doubles");
	}
	st = run_t(s, t + 180);
	cr_assert_eq(st.sent, 1);
	cr_assert_eq(th_events(env, id, CAD_EV_DEFERRED), 2);
	/* Step 3 is due the next day; it follows step 2 in the thread. */
	st = run_at(s, "2026-12-03T12:00:00Z");
	cr_assert_eq(st.sent, 1);

	g_autoptr(GPtrArray) files = th_sink_files(env);
	cr_assert_eq(files->len, 2);
	g_autoptr(GMimeMessage) m2 = th_parse(files->pdata[0]);
	g_autoptr(GMimeMessage) m3 = th_parse(files->pdata[1]);
	const char *id2 = g_mime_message_get_message_id(m2);
	g_autofree char *parent = g_strdup_printf("<%s>", id2);
	g_autofree char *refs =
	    g_strdup_printf("<root-jane@acme.test> <%s>", id2);

	cr_assert_str_eq(g_mime_message_get_subject(m2), "Re: Quick question");
	cr_assert_str_eq(g_mime_message_get_subject(m3), "Another idea, Jane");
	cr_assert_str_eq(header(m3, "In-Reply-To"), parent);
	cr_assert_str_eq(header(m3, "References"), refs);
}

Test(deliver, hard_bounce_halts_and_suppresses)
{
	env = th_setup(NULL, NULL);
	guint64 id = th_enroll(env, "bounce-joe@acme.test", th_time(T0), NULL);
	g_autoptr(cad_sender) s = new_sender();
	cad_sender_stats st = run_at(s, DAY2);
	g_autoptr(cad_enrollment) e = th_get(env, id);
	g_autoptr(cad_txn) t = cad_store_read_begin(env->store, NULL);
	g_autoptr(GPtrArray) files = th_sink_files(env);
	gboolean yes = FALSE;

	cr_assert_eq(st.bounced, 1);
	cr_assert_eq(e->state, CAD_STATE_BOUNCED);
	cr_assert_eq(e->step_status, CAD_STEP_IDLE);
	cr_assert(cad_store_is_suppressed(t, "bounce-joe@acme.test", &yes, NULL,
	                                  NULL));
	cr_assert(yes);
	cr_assert_eq(th_events(env, id, CAD_EV_HARD_BOUNCE), 1);
	cr_assert_eq(files->len, 0);
}

Test(deliver, lost_reply_is_left_sending_and_never_resent)
{
	env = th_setup(NULL, NULL);
	guint64 id = th_enroll(env, "lose-amy@acme.test", th_time(T0), NULL);
	g_autoptr(cad_sender) s = new_sender();
	cad_sender_stats st = run_at(s, DAY2);
	g_autoptr(GString) stuck = g_string_new(NULL);

	cr_assert_eq(st.unknown, 1);
	cr_assert_eq(st.sent, 0);
	{
		g_autoptr(cad_enrollment) e = th_get(env, id);
		cr_assert_eq(e->step_status, CAD_STEP_SENDING);
		cr_assert_not_null(e->sending_msgid);
	}
	st = run_at(s, "2026-12-05T12:00:00Z");
	cr_assert_eq(st.sent + st.unknown + st.deferred, 0);
	cr_assert_eq(
	    cad_sender_stuck(s, th_time("2026-12-05T12:00:00Z"), stuck, NULL),
	    1);
	cr_assert(strstr(stuck->str, "lose-amy@acme.test") != NULL);
	g_autoptr(GPtrArray) files = th_sink_files(env);
	cr_assert_eq(files->len, 1, "the sink kept the one copy");
}

Test(deliver, outside_the_window_waits_for_the_next_slot)
{
	env = th_setup("daily_cap_per_rep = 0\nrate_per_minute = 0\n"
	               "domain_rate_per_hour = 0\nmin_gap_seconds = 0\n"
	               "window = 09:00-17:00\ndays = mon-sun\n"
	               "timezone = UTC\njitter_minutes = 0\n",
	               NULL);
	th_rules(env, "rcpt jane@acme.test 451x1 4.3.0 later\n");
	guint64 id = th_enroll(env, "jane@acme.test", th_time(T0), NULL);
	g_autoptr(cad_sender) s = new_sender();

	/* Deferred a minute before the window closes: the retry falls
	 * after it, and waits for the next morning. */
	cr_assert_eq(run_at(s, "2026-12-02T16:59:30Z").deferred, 1);
	cad_sender_stats st = run_at(s, "2026-12-02T18:00:00Z");
	cr_assert_eq(st.window, 1);
	cr_assert_eq(st.sent, 0);
	{
		g_autoptr(cad_enrollment) e = th_get(env, id);
		cr_assert_eq(e->next_due, th_time("2026-12-03T09:00:00Z"));
	}
	cr_assert_eq(run_at(s, "2026-12-03T08:59:00Z").sent, 0);
	cr_assert_eq(run_at(s, "2026-12-03T09:00:00Z").sent, 1);
}

Test(deliver, the_prospects_zone_places_the_window)
{
	env = th_setup("daily_cap_per_rep = 0\nrate_per_minute = 0\n"
	               "domain_rate_per_hour = 0\nmin_gap_seconds = 0\n"
	               "window = 09:00-17:00\ndays = mon-fri\n"
	               "timezone = Europe/Berlin\njitter_minutes = 0\n",
	               NULL);
	/* Los Angeles in December is UTC-8: 09:00 there is 17:00Z. */
	th_enroll(env, "ann@acme.test", th_time(T0), "timezone",
	          "America/Los_Angeles", NULL);
	g_autoptr(cad_sender) s = new_sender();

	cr_assert_eq(run_at(s, "2026-12-02T16:59:00Z").sent, 0);
	cr_assert_eq(run_at(s, "2026-12-02T17:00:00Z").sent, 1);
}

/* enroll_many - n prospects name0@domain... */
static void
enroll_many(int n, const char *domain_fmt)
{
	for (int i = 0; i < n; i++) {
		g_autofree char *a = g_strdup_printf("p%d@", i);
		g_autofree char *d = g_strdup_printf(domain_fmt, i);
		g_autofree char *addr = g_strconcat(a, d, NULL);
		th_enroll(env, addr, th_time(T0), NULL);
	}
}

static guint
restart_and_run(cad_sender **s, const char *iso)
{
	cad_sender_free(*s);
	th_reopen(env);
	*s = new_sender();
	return run_at(*s, iso).sent;
}

Test(deliver, daily_cap_holds_across_a_restart)
{
	env = th_setup("daily_cap_per_rep = 3\nrate_per_minute = 0\n"
	               "domain_rate_per_hour = 0\nmin_gap_seconds = 0\n"
	               "window = 00:00-24:00\ndays = mon-sun\n"
	               "timezone = UTC\njitter_minutes = 0\n",
	               NULL);
	enroll_many(5, "d%d.test");
	cad_sender *s = new_sender();
	cad_sender_stats st = run_at(s, DAY2);

	cr_assert_eq(st.sent, 3);
	cr_assert_eq(st.throttled, 2);
	cr_assert_eq(restart_and_run(&s, "2026-12-02T20:00:00Z"), 0,
	             "the cap was forgotten by the restart");
	cr_assert_eq(cad_sender_next_wake(s, th_time("2026-12-02T20:00:00Z")),
	             th_time("2026-12-03T00:00:00Z"));
	cr_assert_eq(restart_and_run(&s, "2026-12-03T00:00:10Z"), 2);
	cad_sender_free(s);
	g_autoptr(GPtrArray) files = th_sink_files(env);
	cr_assert_eq(files->len, 5);
}

Test(deliver, domain_cap_holds_across_a_restart)
{
	env = th_setup("daily_cap_per_rep = 0\nrate_per_minute = 0\n"
	               "domain_rate_per_hour = 2\nmin_gap_seconds = 0\n"
	               "window = 00:00-24:00\ndays = mon-sun\n"
	               "timezone = UTC\njitter_minutes = 0\n",
	               NULL);
	enroll_many(3, "same.test");
	cad_sender *s = new_sender();

	cr_assert_eq(run_at(s, DAY2).sent, 2);
	cr_assert_eq(restart_and_run(&s, "2026-12-02T12:59:59Z"), 0);
	cr_assert_eq(restart_and_run(&s, "2026-12-02T13:00:00Z"), 1);
	cad_sender_free(s);
}

Test(deliver, minute_rate_holds_across_a_restart)
{
	cad_sender *s;

	env = th_setup("daily_cap_per_rep = 0\nrate_per_minute = 2\n"
	               "domain_rate_per_hour = 0\nmin_gap_seconds = 0\n"
	               "window = 00:00-24:00\ndays = mon-sun\n"
	               "timezone = UTC\njitter_minutes = 0\n",
	               NULL);
	enroll_many(3, "d%d.test");
	s = new_sender();
	cr_assert_eq(run_at(s, DAY2).sent, 2);
	cr_assert_eq(restart_and_run(&s, "2026-12-02T12:00:59Z"), 0);
	cr_assert_eq(restart_and_run(&s, "2026-12-02T12:01:00Z"), 1);
	cad_sender_free(s);
}

Test(deliver, least_gap_between_sends_of_a_rep_holds_across_a_restart)
{
	cad_sender *s;

	env = th_setup("daily_cap_per_rep = 0\nrate_per_minute = 0\n"
	               "domain_rate_per_hour = 0\nmin_gap_seconds = 600\n"
	               "window = 00:00-24:00\ndays = mon-sun\n"
	               "timezone = UTC\njitter_minutes = 0\n",
	               NULL);
	enroll_many(2, "d%d.test");
	s = new_sender();
	cr_assert_eq(run_at(s, DAY2).sent, 1);
	cr_assert_eq(restart_and_run(&s, "2026-12-02T12:09:59Z"), 0);
	cr_assert_eq(restart_and_run(&s, "2026-12-02T12:10:00Z"), 1);
	cad_sender_free(s);
}

Test(deliver, missing_field_pauses_and_tells_the_rep)
{
	env = th_setup(NULL, NULL);
	th_write(env, "templates/followup.eml",
	         "\nHi {{first_name}}, about {{company}}.\n");
	guint64 id = th_enroll(env, "jane@acme.test", th_time(T0), "first_name",
	                       "Jane", NULL);
	g_autoptr(cad_sender) s = new_sender();
	cad_sender_stats st = run_at(s, DAY2);
	g_autoptr(cad_enrollment) e = th_get(env, id);
	g_autoptr(GPtrArray) files = th_sink_files(env);

	cr_assert_eq(st.errors, 1);
	cr_assert_eq(st.sent, 0);
	cr_assert_eq(st.notices, 1);
	cr_assert_eq(e->state, CAD_STATE_PAUSED);
	cr_assert(strstr(e->last_error, "\"company\"") != NULL, "%s",
	          e->last_error);
	cr_assert_eq(th_events(env, id, CAD_EV_ERROR), 1);
	cr_assert_eq(files->len, 1, "only the notice to the rep");
	g_autoptr(GMimeMessage) m = th_parse(files->pdata[0]);
	cr_assert_str_eq(header(m, "X-Sink-Rcpt-To"), "<alice@example.com>");
	cr_assert(strstr(g_mime_message_get_subject(m), "jane@acme.test"));
}

Test(deliver, task_reminder_then_timeout_then_next_step)
{
	env = th_setup(
	    NULL,
	    "[step 2]\nday = 2\nchannel = call\nnote = Call about the "
	    "case study\ntimeout_days = 2\n"
	    "[step 3]\nday = 5\nchannel = email\ntemplate = followup.eml\n");
	guint64 id = th_enroll(env, "jane@acme.test", th_time(T0), "first_name",
	                       "Jane", "company", "Acme", NULL);
	g_autoptr(cad_sender) s = new_sender();
	gint64 t = th_time(DAY2);
	cad_sender_stats st = run_t(s, t);

	cr_assert_eq(st.tasks, 1);
	{
		g_autoptr(cad_enrollment) e = th_get(env, id);
		g_autoptr(GPtrArray) files = th_sink_files(env);
		g_autoptr(GMimeMessage) m = th_parse(files->pdata[0]);
		g_autofree char *from =
		    g_strdup_printf("tasks+%s@example.com", e->task_token);
		g_autoptr(cad_txn) tx = cad_store_read_begin(env->store, NULL);
		guint64 got = 0;
		cr_assert_eq(e->state, CAD_STATE_WAITING);
		cr_assert_eq(e->next_due, t + 2 * 86400);
		cr_assert_eq(files->len, 1);
		cr_assert_str_eq(header(m, "X-Sink-Rcpt-To"),
		                 "<alice@example.com>");
		cr_assert(strstr(header(m, "From"), from) != NULL, "%s",
		          header(m, "From"));
		cr_assert(cad_store_msgid_get(
		    tx, g_mime_message_get_message_id(m), &got, NULL, NULL));
		cr_assert_eq(got, id);
	}
	cr_assert_eq(run_t(s, t + 86400).timeouts, 0);
	st = run_t(s, t + 2 * 86400);
	cr_assert_eq(st.timeouts, 1);
	cr_assert_eq(th_events(env, id, CAD_EV_TASK_TIMEOUT), 1);
	/* Step 3 keeps its spacing from the late task: day 5 - day 2. */
	cr_assert_eq(run_at(s, "2026-12-06T12:00:00Z").sent, 0);
	st = run_at(s, "2026-12-07T12:00:00Z");
	cr_assert_eq(st.sent, 1);
	{
		g_autoptr(cad_enrollment) e = th_get(env, id);
		cr_assert_eq(e->state, CAD_STATE_COMPLETED);
	}
}

static gboolean
suppress_fn(cad_txn *txn, void *arg, GError **error)
{
	return cad_store_suppress_add(txn, arg, "admin", "test", th_time(T0),
	                              error);
}

Test(deliver, a_suppressed_address_is_never_sent)
{
	env = th_setup(NULL, NULL);
	guint64 id = th_enroll(env, "jane@acme.test", th_time(T0), NULL);
	{
		gboolean ok;
		/* What an unsubscribe recorded a moment before does. */
		ok = cad_act_unsubscribe(env->store, env->conf, id, FALSE,
		                         "mailto unsubscribe",
		                         th_time(DAY2) - 1, NULL);
		cr_assert(ok);
	}
	g_autoptr(cad_sender) s = new_sender();
	cad_sender_stats st = run_at(s, DAY2);
	g_autoptr(GPtrArray) files = th_sink_files(env);

	cr_assert_eq(st.sent, 0);
	cr_assert_eq(files->len, 0);
	{
		g_autoptr(cad_enrollment) e = th_get(env, id);
		cr_assert_eq(e->state, CAD_STATE_UNSUBSCRIBED);
	}
	/* Suppressed by the admin (no state change): the send decision
	 * sees it in the same read transaction and stops the enrollment. */
	guint64 id2 = th_enroll(env, "joe@other.test", th_time(T0), NULL);
	g_autoptr(GError) err = NULL;
	cr_assert(cad_store_write(env->store, suppress_fn, "@other.test", &err),
	          "%s", err ? err->message : "");
	st = run_at(s, DAY2);
	cr_assert_eq(st.stopped, 1);
	cr_assert_eq(st.sent, 0);
	{
		g_autoptr(cad_enrollment) e = th_get(env, id2);
		cr_assert_eq(e->state, CAD_STATE_STOPPED);
	}
	g_autoptr(GPtrArray) after = th_sink_files(env);
	cr_assert_eq(after->len, 0);
}

Test(deliver, auto_reply_pause_ends_and_the_step_goes)
{
	env = th_setup(NULL, NULL);
	guint64 id = th_enroll(env, "jane@acme.test", th_time(T0), NULL);
	cr_assert(cad_act_auto_reply(
	    env->store, env->conf, id, th_time("2026-12-04T00:00:00Z"),
	    "out of office", th_time("2026-12-01T12:00:00Z"), NULL));
	g_autoptr(cad_sender) s = new_sender();

	cr_assert_eq(run_at(s, DAY2).sent, 0);
	cad_sender_stats st = run_at(s, "2026-12-04T12:00:00Z");
	cr_assert_eq(st.resumed, 1);
	cr_assert_eq(st.sent, 1);
}

Test(deliver, dry_run_plans_every_remaining_step)
{
	env =
	    th_setup(NULL, "[step 2]\nday = 2\nchannel = email\ntemplate = "
	                   "followup.eml\n"
	                   "[step 3]\nday = 4\nchannel = call\nnote = call\n");
	th_enroll(env, "jane@acme.test", th_time(T0), NULL);
	g_autoptr(cad_sender) s = new_sender();
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GPtrArray) files = NULL;

	cr_assert(cad_sender_plan(s, th_time(DAY2), out, NULL));
	cr_assert(strstr(out->str, "jane@acme.test active step 2 email "
	                           "2026-12-02T00:00:00Z due\n") != NULL,
	          "%s", out->str);
	cr_assert(strstr(out->str, "jane@acme.test active step 3 call "
	                           "2026-12-04T00:00:00Z\n") != NULL,
	          "%s", out->str);
	files = th_sink_files(env);
	cr_assert_eq(files->len, 0, "a dry run sent mail");
}

/*
 * A store fault never sends: with the suppression list unreadable the
 * sender cannot tell whether jane asked to be left alone, so her step
 * stays due, unmarked, and nothing reaches the relay.
 */
Test(deliver, unreadable_suppression_list_defers_and_sends_nothing)
{
	env = th_setup(NULL, NULL);
	guint64 id = th_enroll(env, "jane@acme.test", th_time(T0), NULL);
	g_autofree char *path = g_build_filename(env->dir, "store", NULL);
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_sender) s = NULL;
	g_autoptr(cad_enrollment) before = th_get(env, id);
	g_autoptr(cad_enrollment) after = NULL;
	g_autoptr(GPtrArray) files = NULL;
	cad_sender_stats st = {0};

	cr_assert(cad_suppress_add(env->store, "other@elsewhere.test", "test",
	                           "test", th_time(T0), NULL));
	cad_store_close(env->store);
	sf_break_db(path, "suppress");
	env->store = cad_store_open(path, NULL, &err);
	cr_assert_not_null(env->store, "%s", err ? err->message : "");
	s = new_sender();
	cr_assert_not(cad_sender_run(s, th_time(DAY2), &st, &err),
	              "the run read a broken suppression list as a no");
	cr_assert(strstr(err->message, "suppress") != NULL, "%s", err->message);
	files = th_sink_files(env);
	cr_assert_eq(files->len, 0,
	             "mailed with the suppression list "
	             "unreadable");
	cr_assert_eq(st.sent, 0);
	after = th_get(env, id);
	cr_assert_eq(after->state, CAD_STATE_ACTIVE);
	cr_assert_eq(after->step_status, CAD_STEP_IDLE);
	cr_assert_eq(after->next_due, before->next_due, "still due");
	cr_assert_eq(th_events(env, id, CAD_EV_SENDING), 0);
}
