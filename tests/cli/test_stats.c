/*
 * test_stats.c: the statistics engine checked against the hand-built
 * history of history.c (written through the store API into a real LMDB
 * store), whose answers were worked out by hand.
 */
#include <math.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <glib.h>

#include "cli/stats.h"
#include "history.h"

static char *dir;
static cad_store *store;

static void
setup(void)
{
	g_autoptr(GError) err = NULL;

	dir = g_dir_make_tmp("cli-stats-XXXXXX", NULL);
	cr_assert_not_null(dir);
	history_build(dir);
	store = cad_store_open(dir, NULL, &err);
	cr_assert_not_null(store, "%s", err ? err->message : "");
}

static void
teardown(void)
{
	g_autofree char *cmd = NULL;

	cad_store_close(store);
	cmd = g_strdup_printf("rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	g_free(dir);
}

TestSuite(stats, .init = setup, .fini = teardown);

static cad_stats *
collect(const cad_stats_filter *f, cad_stats_by by)
{
	g_autoptr(GError) err = NULL;
	cad_stats *st = NULL;
	cad_stats_filter def = {.now = HIST_NOW};

	cr_assert(cad_stats_collect(store, f != NULL ? f : &def, by, &st, &err),
	          "%s", err ? err->message : "");
	return st;
}

static const cad_stats_step *
step_of(const cad_stats_group *g, guint32 n)
{
	for (guint i = 0; i < g->steps->len; i++) {
		const cad_stats_step *s =
		    &g_array_index(g->steps, cad_stats_step, i);
		if (s->step == n)
			return s;
	}
	return NULL;
}

Test(stats, totals)
{
	g_autoptr(cad_stats) st = collect(NULL, CAD_STATS_BY_NONE);
	const cad_stats_group *t = cad_stats_total(st);

	cr_assert_eq(t->enrolled, 10);
	cr_assert_eq(t->active, 2);
	cr_assert_eq(t->completed, 1);
	cr_assert_eq(t->replied, 3);
	cr_assert_eq(t->bounced_hard, 1);
	cr_assert_eq(t->bounced_soft, 1);
	cr_assert_eq(t->auto_replied, 1);
	cr_assert_eq(t->unsubscribed, 1);
	cr_assert_eq(t->complaints, 1);
	cr_assert_eq(t->stopped, 1);
	cr_assert_float_eq(cad_stats_rate(t->replied, t->enrolled), 0.3, 1e-9);
	cr_assert_float_eq(cad_stats_rate(t->bounced_hard, t->enrolled), 0.1,
	                   1e-9);
	cr_assert_float_eq(
	    cad_stats_rate(t->unsubscribed + t->complaints, t->enrolled), 0.2,
	    1e-9);
	cr_assert_float_eq(cad_stats_rate(t->completed, t->enrolled), 0.1,
	                   1e-9);
	cr_assert_eq(cad_stats_n_groups(st), 0);
}

Test(stats, time_to_reply_percentiles)
{
	g_autoptr(cad_stats) st = collect(NULL, CAD_STATS_BY_NONE);
	const cad_stats_group *t = cad_stats_total(st);

	cr_assert_eq(t->reply_secs->len, 3);
	cr_assert_eq(cad_stats_percentile(t, 50), 216000);
	cr_assert_eq(cad_stats_percentile(t, 90), 259200);
	cr_assert_eq(cad_stats_percentile(t, 1), 7200);
}

Test(stats, replies_attributed_to_last_step_sent)
{
	g_autoptr(cad_stats) st = collect(NULL, CAD_STATS_BY_NONE);
	const cad_stats_group *t = cad_stats_total(st);
	const cad_stats_step *s1 = step_of(t, 1), *s2 = step_of(t, 2),
	                     *s3 = step_of(t, 3);

	cr_assert_eq(t->steps->len, 3);
	cr_assert_eq(s1->sent, 10);
	cr_assert_eq(s1->replies, 1);
	cr_assert_eq(s2->sent, 8);
	cr_assert_eq(s2->replies, 2);
	cr_assert_eq(s3->sent, 3);
	cr_assert_eq(s3->replies, 0);
}

Test(stats, tasks)
{
	g_autoptr(cad_stats) st = collect(NULL, CAD_STATS_BY_NONE);
	const cad_stats_group *t = cad_stats_total(st);

	cr_assert_eq(t->tasks_done, 2, "meeting + task_done count once");
	cr_assert_eq(t->tasks_skipped, 1);
	cr_assert_eq(t->tasks_timed_out, 1);
	cr_assert_eq(t->tasks_overdue, 1);
	cr_assert_eq(t->connected, 1);
	cr_assert_eq(t->meetings, 1);
}

Test(stats, overdue_depends_on_now)
{
	cad_stats_filter f = {.now = HIST_T0 + 8 * HIST_DAY + HIST_HOUR};
	g_autoptr(cad_stats) st = collect(&f, CAD_STATS_BY_NONE);

	/* b3's task is an hour old: not overdue yet; b2's is answered. */
	cr_assert_eq(cad_stats_total(st)->tasks_overdue, 0);
}

Test(stats, by_cadence)
{
	g_autoptr(cad_stats) st = collect(NULL, CAD_STATS_BY_CADENCE);
	const cad_stats_group *cold, *warm;

	cr_assert_eq(cad_stats_n_groups(st), 2);
	cold = cad_stats_group_at(st, 0);
	warm = cad_stats_group_at(st, 1);
	cr_assert_str_eq(cold->key, "cold");
	cr_assert_str_eq(warm->key, "warm");
	cr_assert_eq(cold->enrolled, 6);
	cr_assert_eq(cold->replied, 2);
	cr_assert_eq(cold->completed, 1);
	cr_assert_eq(step_of(cold, 2)->sent, 4);
	cr_assert_eq(step_of(cold, 2)->replies, 1);
	cr_assert_eq(step_of(cold, 1)->replies, 1);
	cr_assert_eq(step_of(cold, 3)->sent, 1);
	cr_assert_eq(warm->enrolled, 4);
	cr_assert_eq(warm->replied, 1);
	cr_assert_eq(warm->active, 2);
	cr_assert_eq(step_of(warm, 2)->sent, 4);
	cr_assert_eq(step_of(warm, 2)->replies, 1);
	cr_assert_eq(step_of(warm, 3)->sent, 2);
	cr_assert_eq(cad_stats_percentile(warm, 50), 216000);
	/* The total is still there. */
	cr_assert_eq(cad_stats_total(st)->enrolled, 10);
}

Test(stats, by_rep_and_week)
{
	g_autoptr(cad_stats) byrep = collect(NULL, CAD_STATS_BY_REP);
	g_autoptr(cad_stats) byweek = collect(NULL, CAD_STATS_BY_WEEK);

	cr_assert_eq(cad_stats_n_groups(byrep), 2);
	cr_assert_str_eq(cad_stats_group_at(byrep, 0)->key, "r1@example.com");
	cr_assert_eq(cad_stats_group_at(byrep, 0)->enrolled, 6);
	cr_assert_eq(cad_stats_group_at(byrep, 1)->enrolled, 4);
	cr_assert_eq(cad_stats_n_groups(byweek), 2);
	cr_assert_str_eq(cad_stats_group_at(byweek, 0)->key, "2026-W45");
	cr_assert_str_eq(cad_stats_group_at(byweek, 1)->key, "2026-W46");
	cr_assert_eq(cad_stats_group_at(byweek, 1)->tasks_done, 2);
}

Test(stats, filters)
{
	cad_stats_filter since = {.now = HIST_NOW,
	                          .since = HIST_T0 + 7 * HIST_DAY};
	cad_stats_filter cold = {.now = HIST_NOW, .cadence = "cold"};
	cad_stats_filter rep = {.now = HIST_NOW, .rep = "R2@example.com"};
	g_autoptr(cad_stats) a = collect(&since, CAD_STATS_BY_NONE);
	g_autoptr(cad_stats) b = collect(&cold, CAD_STATS_BY_NONE);
	g_autoptr(cad_stats) c = collect(&rep, CAD_STATS_BY_NONE);

	cr_assert_eq(cad_stats_total(a)->enrolled, 4);
	cr_assert_eq(cad_stats_total(a)->replied, 1);
	cr_assert_eq(cad_stats_total(b)->enrolled, 6);
	cr_assert_eq(cad_stats_total(b)->replied, 2);
	cr_assert_eq(cad_stats_total(b)->tasks_done, 0);
	cr_assert_eq(cad_stats_total(c)->enrolled, 4);
	cr_assert_eq(cad_stats_total(c)->meetings, 1);
}

Test(stats, replies_per_week)
{
	g_autoptr(cad_stats) st = collect(NULL, CAD_STATS_BY_NONE);
	GPtrArray *w = cad_stats_reply_weeks(st);

	cr_assert_eq(w->len, 2);
	cr_assert_str_eq(g_ptr_array_index(w, 0), "2026-W45");
	cr_assert_eq(cad_stats_reply_week_count(st, "2026-W45"), 2);
	cr_assert_eq(cad_stats_reply_week_count(st, "2026-W46"), 1);
}

/* ---- the engine alone ---- */

static gboolean
lookup_all(guint64 id, const char **cadence, const char **rep, void *arg)
{
	*cadence = "c";
	*rep = "r@example.com";
	return TRUE;
}

static void
feed(cad_stats *st, guint64 id, const char *type, guint32 step, gint64 t)
{
	cad_event ev = {
	    .time = t, .enrollment = id, .type = (char *)type, .step = step};

	cad_stats_event(st, &ev);
}

Test(stats_engine, events_before_enrollment_and_repeats)
{
	g_autoptr(cad_stats) st =
	    cad_stats_new(NULL, CAD_STATS_BY_NONE, lookup_all, NULL);
	const cad_stats_group *t;

	feed(st, 1, CAD_EV_REPLIED, 1, 5); /* before "enrolled": ignored */
	feed(st, 1, CAD_EV_ENROLLED, 1, 10);
	feed(st, 1, CAD_EV_REPLIED, 1, 70);
	feed(st, 1, CAD_EV_REPLIED, 1, 90); /* a second reply: once */
	feed(st, 2, CAD_EV_ENROLLED, 1, 10);
	feed(st, 2, CAD_EV_SENT, 999, 20); /* beyond the step limit */
	cad_stats_finish(st);
	t = cad_stats_total(st);
	cr_assert_eq(t->enrolled, 2);
	cr_assert_eq(t->replied, 1);
	cr_assert_eq(cad_stats_percentile(t, 50), 60);
	cr_assert_eq(t->steps->len, 1);
	cr_assert_eq(t->active, 1);
}

Test(stats_engine, admin_skip_of_an_open_task_counts_as_skipped)
{
	g_autoptr(cad_stats) st =
	    cad_stats_new(NULL, CAD_STATS_BY_NONE, lookup_all, NULL);
	const cad_stats_group *t;

	feed(st, 1, CAD_EV_ENROLLED, 1, 10);
	feed(st, 1, CAD_EV_SKIPPED, 2, 15); /* an email step: no task */
	feed(st, 1, CAD_EV_TASK, 3, 20);
	feed(st, 1, CAD_EV_SKIPPED, 3, 30);
	feed(st, 1, CAD_EV_TASK, 4, 40);
	feed(st, 1, CAD_EV_TASK_DONE, 4, 50);
	feed(st, 1, CAD_EV_SKIPPED, 4, 60); /* already done: stays done */
	cad_stats_finish(st);
	t = cad_stats_total(st);
	cr_assert_eq(t->tasks_skipped, 1);
	cr_assert_eq(t->tasks_done, 1);
}

Test(stats_engine, empty_rates_are_nan)
{
	g_autoptr(cad_stats) st =
	    cad_stats_new(NULL, CAD_STATS_BY_NONE, lookup_all, NULL);

	cad_stats_finish(st);
	cr_assert(isnan(cad_stats_rate(0, 0)));
	cr_assert_eq(cad_stats_percentile(cad_stats_total(st), 50), -1);
}

Test(stats_engine, durations_and_by_names)
{
	cad_stats_by by;
	g_autofree char *a = cad_stats_duration(216000);
	g_autofree char *b = cad_stats_duration(7260);
	g_autofree char *c = cad_stats_duration(59);

	cr_assert_str_eq(a, "2d 12h");
	cr_assert_str_eq(b, "2h 1m");
	cr_assert_str_eq(c, "59s");
	cr_assert(cad_stats_by_parse("Week", &by));
	cr_assert_eq(by, CAD_STATS_BY_WEEK);
	cr_assert_not(cad_stats_by_parse("month", &by));
}
