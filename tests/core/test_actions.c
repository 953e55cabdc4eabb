/*
 * test_actions.c: the shared state changes on a real store with the
 * shipped sample configuration: enroll and refusals, advancing to
 * completion, replies (with account exit), auto-reply pauses, bounces,
 * unsubscribes and complaints, task answers, and the admin's actions.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "common/util.h"
#include "core/actions.h"
#include "core/sched.h"

static char dir[64];
static cad_conf *conf;
static cad_store *store;

#define T0 "2026-11-30T14:00:00Z" /* a Monday */

static gint64
at(const char *iso)
{
	gint64 t;

	cr_assert(cad_parse_time(iso, &t, NULL), "%s", iso);
	return t;
}

static void
setup(void)
{
	const char *src = getenv("CAD_SOURCE_DIR") ? getenv("CAD_SOURCE_DIR")
	                                           : CAD_SOURCE_DIR;
	g_autofree char *main_file =
	    g_build_filename(src, "conf", "cadence.conf", NULL);
	g_autofree char *sdir = NULL;
	g_autoptr(GError) err = NULL;

	strcpy(dir, "/tmp/cad-act-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	conf = cad_conf_load(main_file, &err);
	cr_assert_not_null(conf, "%s", err ? err->message : "");
	conf->jitter_minutes = 0; /* exact times in assertions */
	sdir = g_build_filename(dir, "store", NULL);
	store = cad_store_open(sdir, NULL, &err);
	cr_assert_not_null(store, "%s", err ? err->message : "");
}

static void
teardown(void)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	cad_store_close(store);
	cad_conf_free(conf);
	(void)!system(cmd);
}

TestSuite(actions, .init = setup, .fini = teardown);

static guint64
enroll_in(const char *addr, const char *cadence, GError **err)
{
	g_autoptr(cad_prospect) p = cad_prospect_new(addr);
	cad_enroll_req req = {cadence, "alice@example.com",
	                      "<first.1@mail.example.com>", "Quick question"};
	guint64 id = 0;

	cad_prospect_set_field(p, "first_name", "Jane");
	if (!cad_enroll(store, conf, p, &req, at(T0), TRUE, &id, err))
		return 0;
	return id;
}

static guint64
enroll(const char *addr)
{
	g_autoptr(GError) err = NULL;
	guint64 id = enroll_in(addr, "cold", &err);

	cr_assert_neq(id, 0, "enroll %s: %s", addr, err ? err->message : "");
	return id;
}

static cad_enrollment *
get(guint64 id)
{
	g_autoptr(cad_txn) t = cad_store_read_begin(store, NULL);
	g_autoptr(GError) err = NULL;
	cad_enrollment *e = cad_store_enrollment_get(t, id, &err);

	cr_assert_not_null(e, "%s", err->message);
	return e;
}

static gboolean
collect(const cad_event *ev, void *arg)
{
	g_string_append_printf(arg, "%s:%u ", ev->type, ev->step);
	return TRUE;
}

/* "enrolled:1 sent:3 ..." for enrollment id (0: every event). */
static char *
events(guint64 id)
{
	g_autoptr(cad_txn) t = cad_store_read_begin(store, NULL);
	GString *s = g_string_new(NULL);

	if (id != 0)
		cad_store_events_of(t, id, collect, s, NULL);
	else
		cad_store_event_foreach(t, 0, collect, s, NULL);
	return g_string_free(s, FALSE);
}

static gboolean
is_suppressed(const char *addr)
{
	g_autoptr(cad_txn) t = cad_store_read_begin(store, NULL);
	gboolean yes = FALSE;

	cr_assert(cad_store_is_suppressed(t, addr, &yes, NULL, NULL));
	return yes;
}

Test(actions, enroll_schedules_the_first_follow_up_in_the_window)
{
	guint64 id = enroll("jane@acme.example");
	g_autoptr(cad_enrollment) e = get(id);
	g_autofree char *due = cad_format_time(e->next_due);
	g_autofree char *ev = events(id);
	g_autofree char *last = cad_enrollment_last_msgid(e);

	/* cold step 2 is day 2: Tuesday 09:00 in Europe/Berlin (CET). */
	cr_assert_str_eq(due, "2026-12-01T08:00:00Z");
	cr_assert_eq(e->step, 0);
	cr_assert_str_eq(e->rep, "alice@example.com");
	cr_assert_str_eq(e->thread_subject, "Quick question");
	cr_assert_str_eq(last, "first.1@mail.example.com");
	cr_assert_str_eq(ev, "enrolled:1 ");
}

Test(actions, refusals_are_recorded_and_nothing_is_enrolled_twice)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *all = NULL;

	enroll("jane@acme.example");
	cr_assert_eq(enroll_in("JANE@acme.example", "inbound", &err), 0);
	cr_assert(
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_ACTIVE));
	g_clear_error(&err);
	cr_assert_eq(enroll_in("x@acme.example", "warm", &err), 0);
	cr_assert(
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_NOT_FOUND),
	    "%s", err->message);
	cr_assert(strstr(err->message, "no cadence 'warm'"), "%s",
	          err->message);
	all = events(0);
	cr_assert_str_eq(all, "enrolled:1 refused:1 refused:1 ");
}

typedef struct {
	cad_enrollment *e;
	gint64 now;
} advance_args;

static gboolean
advance_fn(cad_txn *t, void *arg, GError **error)
{
	advance_args *a = arg;

	return cad_advance_txn(t, conf, a->e, a->now, error);
}

Test(actions, advance_through_every_step_to_completion)
{
	guint64 id = enroll("jane@acme.example");
	gint64 now = at(T0);
	g_autofree char *ev = NULL;
	cad_enrollment *e;

	for (int i = 0; i < 5; i++) {
		e = get(id);
		cr_assert_eq(e->state, CAD_STATE_ACTIVE);
		cr_assert_eq(e->step, (guint32)i);
		now = e->next_due;
		cr_assert_gt(now, 0);
		advance_args a = {e, now};
		cr_assert(cad_store_write(store, advance_fn, &a, NULL));
		cad_enrollment_free(e);
	}
	e = get(id);
	cr_assert_eq(e->state, CAD_STATE_COMPLETED);
	cr_assert_eq(e->next_due, 0);
	cad_enrollment_free(e);
	ev = events(id);
	cr_assert_str_eq(ev, "enrolled:1 completed:6 ");
}

Test(actions, plan_lists_remaining_steps_in_order)
{
	guint64 id = enroll("jane@acme.example");
	g_autoptr(cad_enrollment) e = get(id);
	g_autoptr(cad_txn) t = cad_store_read_begin(store, NULL);
	g_autoptr(GArray) plan = cad_plan(t, conf, e, NULL);
	/*
	 * Day 6 is a Saturday, so the call moves to Monday 7th; the steps
	 * after it keep their spacing from it (day 8: two days later, day
	 * 10: two more) rather than piling onto the same Monday.
	 */
	const char *want[] = {"2026-12-01T08:00:00Z", "2026-12-03T08:00:00Z",
	                      "2026-12-07T08:00:00Z", "2026-12-09T08:00:00Z",
	                      "2026-12-11T08:00:00Z"};

	cr_assert_eq(plan->len, 5);
	for (guint i = 0; i < plan->len; i++) {
		cad_planned_step *p = &g_array_index(plan, cad_planned_step, i);
		g_autofree char *w = cad_format_time(p->when);
		cr_assert_str_eq(w, want[i], "step %u", p->step->number);
	}
}

Test(actions, reply_halts_and_account_exit_halts_the_company)
{
	guint64 a = enroll("jane@acme.example");
	guint64 b = enroll("john@acme.example");
	guint64 c = enroll("ann@other.example");
	g_autoptr(cad_enrollment) ea = NULL, eb = NULL, ec = NULL;
	g_autofree char *evb = NULL;

	conf->account_exit = TRUE;
	cr_assert(
	    cad_act_reply(store, conf, a, "human reply", at(T0) + 60, NULL));
	ea = get(a);
	eb = get(b);
	ec = get(c);
	cr_assert_eq(ea->state, CAD_STATE_REPLIED);
	cr_assert_eq(ea->next_due, 0);
	cr_assert_eq(eb->state, CAD_STATE_STOPPED, "same company");
	cr_assert_eq(ec->state, CAD_STATE_ACTIVE, "another company");
	evb = events(b);
	cr_assert_str_eq(evb, "enrolled:1 account_exit:1 ");
}

Test(actions, reply_without_account_exit_leaves_colleagues)
{
	guint64 a = enroll("jane@acme.example");
	guint64 b = enroll("john@acme.example");
	g_autoptr(cad_enrollment) eb = NULL;

	cr_assert(cad_act_reply(store, conf, a, "human reply", at(T0), NULL));
	eb = get(b);
	cr_assert_eq(eb->state, CAD_STATE_ACTIVE);
}

Test(actions, auto_reply_pauses_until_the_named_date_or_n_days)
{
	guint64 a = enroll("jane@acme.example");
	guint64 b = enroll("john@acme.example");
	gint64 back = at("2026-12-14T00:00:00Z");
	g_autoptr(cad_enrollment) ea = NULL, eb = NULL;
	g_autoptr(GArray) due = NULL;
	cad_txn *t;

	cr_assert(
	    cad_act_auto_reply(store, conf, a, back, "ooo", at(T0), NULL));
	cr_assert(cad_act_auto_reply(store, conf, b, 0, "ooo", at(T0), NULL));
	ea = get(a);
	eb = get(b);
	cr_assert_eq(ea->state, CAD_STATE_PAUSED);
	cr_assert_eq(ea->paused_until, back);
	cr_assert_eq(ea->next_due, back, "due again when the pause ends");
	cr_assert_eq(eb->paused_until, at(T0) + 7 * 86400);
	t = cad_store_read_begin(store, NULL);
	due = cad_store_due(t, at("2026-12-10T00:00:00Z"), 0, NULL);
	cad_txn_end(t);
	cr_assert_eq(due->len, 1, "only the 7-day pause is due by then");
}

static gboolean
resume_fn(cad_txn *t, void *arg, GError **error)
{
	cad_enrollment *e = arg;

	return cad_resume_txn(t, conf, e, "sender", at("2026-12-14T00:00:00Z"),
	                      error);
}

Test(actions, resume_after_pause_reschedules_into_the_next_window)
{
	guint64 a = enroll("jane@acme.example");
	g_autoptr(cad_enrollment) e = NULL;
	g_autofree char *due = NULL;

	cr_assert(cad_act_auto_reply(store, conf, a, at("2026-12-14T00:00:00Z"),
	                             "ooo", at(T0), NULL));
	e = get(a);
	cr_assert(cad_store_write(store, resume_fn, e, NULL));
	cad_enrollment_free(e);
	e = get(a);
	due = cad_format_time(e->next_due);
	cr_assert_eq(e->state, CAD_STATE_ACTIVE);
	cr_assert_eq(e->paused_until, 0);
	/* Monday 14th, 09:00 Berlin. */
	cr_assert_str_eq(due, "2026-12-14T08:00:00Z");
}

Test(actions, hard_bounce_halts_and_suppresses)
{
	guint64 a = enroll("gone@acme.example");
	g_autoptr(cad_enrollment) e = NULL;
	g_autoptr(GError) err = NULL;

	cr_assert(cad_act_bounce(store, conf, a, "gone@acme.example", TRUE,
	                         "5.1.1 user unknown", at(T0), NULL));
	e = get(a);
	cr_assert_eq(e->state, CAD_STATE_BOUNCED);
	cr_assert(is_suppressed("GONE@acme.example"));
	cr_assert_eq(enroll_in("gone@acme.example", "inbound", &err), 0);
	cr_assert(
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_SUPPRESSED));
}

Test(actions, soft_bounces_become_hard_at_the_limit)
{
	guint64 a = enroll("full@acme.example");
	g_autoptr(cad_enrollment) e = NULL;
	g_autofree char *ev = NULL;

	for (int i = 0; i < 2; i++) {
		cr_assert(cad_act_bounce(store, conf, a, NULL, FALSE,
		                         "4.2.2 mailbox full", at(T0) + i,
		                         NULL));
		cad_enrollment *x = get(a);
		cr_assert_eq(x->state, CAD_STATE_ACTIVE);
		cad_enrollment_free(x);
	}
	cr_assert_not(is_suppressed("full@acme.example"));
	cr_assert(cad_act_bounce(store, conf, a, NULL, FALSE,
	                         "4.2.2 mailbox full", at(T0) + 5, NULL));
	e = get(a);
	cr_assert_eq(e->state, CAD_STATE_BOUNCED,
	             "third soft bounce (limit 3)");
	cr_assert(is_suppressed("full@acme.example"));
	ev = events(a);
	cr_assert_str_eq(ev, "enrolled:1 soft_bounce:1 soft_bounce:1 "
	                     "soft_bounce:1 hard_bounce:1 ");
}

Test(actions, unsubscribe_and_complaint_suppress)
{
	guint64 a = enroll("u@acme.example");
	guint64 b = enroll("c@acme.example");
	g_autoptr(cad_enrollment) ea = NULL, eb = NULL;
	g_autofree char *evb = NULL;

	cr_assert(cad_act_unsubscribe(store, conf, a, FALSE, "remove me",
	                              at(T0), NULL));
	cr_assert(cad_act_unsubscribe(store, conf, b, TRUE, "abuse report",
	                              at(T0), NULL));
	ea = get(a);
	eb = get(b);
	cr_assert_eq(ea->state, CAD_STATE_UNSUBSCRIBED);
	cr_assert_eq(eb->state, CAD_STATE_UNSUBSCRIBED);
	cr_assert(is_suppressed("u@acme.example"));
	cr_assert(is_suppressed("c@acme.example"));
	evb = events(b);
	cr_assert_str_eq(evb, "enrolled:1 complaint:1 ");
}

Test(actions, task_answers_advance_skip_stop_and_meeting)
{
	guint64 a = enroll("a@acme.example");
	guint64 b = enroll("b@acme.example");
	guint64 c = enroll("c@acme.example");
	g_autoptr(cad_enrollment) ea = NULL, eb = NULL, ec = NULL;
	g_autofree char *eva = NULL, *evc = NULL;
	g_autoptr(GError) err = NULL;
	cad_answer ans;

	cr_assert(cad_answer_parse("DONE", &ans));
	cr_assert_eq(ans, CAD_ANSWER_DONE);
	cr_assert_not(cad_answer_parse("maybe", &ans));
	/* Step 2 of cold is the LinkedIn task. */
	cr_assert(cad_act_task_answer(store, conf, a, CAD_ANSWER_CONNECTED,
	                              "alice@example.com", at(T0), NULL));
	cr_assert(cad_act_task_answer(store, conf, b, CAD_ANSWER_STOP,
	                              "alice@example.com", at(T0), NULL));
	cr_assert(cad_act_task_answer(store, conf, c, CAD_ANSWER_MEETING,
	                              "alice@example.com", at(T0), NULL));
	ea = get(a);
	eb = get(b);
	ec = get(c);
	cr_assert_eq(ea->state, CAD_STATE_ACTIVE);
	cr_assert_eq(ea->step, 1, "advanced to the email of day 4");
	cr_assert_eq(eb->state, CAD_STATE_STOPPED);
	cr_assert_eq(ec->state, CAD_STATE_STOPPED, "a meeting ends it");
	eva = events(a);
	evc = events(c);
	cr_assert_str_eq(eva, "enrolled:1 connected:2 task_done:2 ");
	/* a is now at step 3, an email: "done" is not for it, "stop" is. */
	cr_assert_not(cad_act_task_answer(store, conf, a, CAD_ANSWER_DONE,
	                                  "alice@example.com", at(T0), &err));
	cr_assert(g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_STATE),
	          "%s", err->message);
	cr_assert_str_eq(evc, "enrolled:1 meeting:2 task_done:2 stopped:2 ");
}

Test(actions, admin_pause_resume_stop_skip_and_error)
{
	guint64 a = enroll("a@acme.example");
	guint64 b = enroll("b@acme.example");
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_enrollment) ea = NULL, eb = NULL;
	cad_enrollment *x;

	cr_assert(cad_act_pause(store, a, "admin", at(T0), NULL));
	x = get(a);
	cr_assert_eq(x->state, CAD_STATE_PAUSED);
	cr_assert_eq(x->next_due, 0, "an admin pause is not due");
	cad_enrollment_free(x);
	cr_assert(cad_act_resume(store, conf, a, "admin", at(T0), NULL));
	cr_assert_not(cad_act_resume(store, conf, a, "admin", at(T0), &err));
	cr_assert(strstr(err->message, "not paused"), "%s", err->message);
	cr_assert(cad_act_skip(store, conf, a, "admin", at(T0), NULL));
	ea = get(a);
	cr_assert_eq(ea->step, 1);
	cr_assert(cad_act_error(store, b, "missing field first_name", NULL,
	                        at(T0), NULL));
	x = get(b);
	cr_assert_eq(x->state, CAD_STATE_PAUSED);
	cr_assert_str_eq(x->last_error, "missing field first_name");
	cad_enrollment_free(x);
	cr_assert(cad_act_resume(store, conf, b, "admin", at(T0), NULL));
	cr_assert(cad_act_stop(store, b, "admin", at(T0), NULL));
	eb = get(b);
	cr_assert_eq(eb->state, CAD_STATE_STOPPED);
	cr_assert_null(eb->last_error, "resume cleared the error");
	g_clear_error(&err);
	cr_assert_not(cad_act_pause(store, b, "admin", at(T0), &err));
	cr_assert(strstr(err->message, "is stopped"), "%s", err->message);
}
