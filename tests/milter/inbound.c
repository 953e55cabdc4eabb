/*
 * inbound.c: inbound mail matched to an enrollment and recorded, with the
 * real classifier and a real store: a reply halts (and, with
 * account_exit, the domain), an out-of-office pauses, a DSN to the VERP
 * address bounces and suppresses and is consumed, an unsubscribe is
 * consumed and told to the rep, a rep's "done" advances a task, and the
 * rep's own mail in the thread or unrelated mail records nothing.
 */
#include "inbound/inbound.h"

#include <string.h>

#include <criterion/criterion.h>

#include "inbound/enroll.h"
#include "tests/milter/helpers.h"

static fixture fx;

static void
setup(void)
{
	fx_setup(&fx, NULL);
}

/* Criterion runs the suite's .init before a test's own: start over. */
static void
setup_account_exit(void)
{
	fx_teardown(&fx);
	fx_setup(&fx, "account_exit = yes\n");
}

static void
teardown(void)
{
	fx_teardown(&fx);
}

TestSuite(inbound, .init = setup, .fini = teardown);

/* Enroll jane, bob and jm from enroll.eml; jane's enrollment. */
static cad_enrollment *
enroll_jane(void)
{
	gsize len;
	g_autofree char *msg = fx_message("enroll.eml", NULL, &len);
	g_autoptr(cad_enroll_plan) plan = cad_enroll_plan_new(
	    fx.conf, NULL, "alice@example.com", msg, len, NULL);
	g_autoptr(cad_enroll_result) r =
	    cad_enroll_run(fx.store, fx.conf, plan, "Q0", T_NOW);

	cr_assert_eq(r->enrolled, 3);
	return fx_enrollment(&fx, "jane@acme-corp.com");
}

static void
process(const char *file, const char *token, const char *from,
        const char *const *rcpts, cad_inbound_result *r)
{
	gsize len;
	g_autofree char *msg = fx_message(file, token, &len);
	g_autoptr(GError) err = NULL;

	cr_assert(cad_inbound_process(fx.store, fx.conf, from, rcpts, msg, len,
	                              T_NOW + 86400, r, &err),
	          "%s", err ? err->message : "");
}

static cad_state
state_of(const char *addr)
{
	g_autoptr(cad_enrollment) e = fx_enrollment(&fx, addr);

	cr_assert_not_null(e);
	return e->state;
}

Test(inbound, reply_in_thread_halts)
{
	g_autoptr(cad_enrollment) e = enroll_jane();
	const char *rcpts[] = {"<alice@example.com>", NULL};
	cad_inbound_result r;
	g_autofree char *want =
	    g_strdup_printf("replied cold step 1 id %" G_GUINT64_FORMAT, e->id);

	process("reply.eml", NULL, "jane@acme-corp.com", rcpts, &r);
	cr_assert_eq(r.match, CAD_MATCH_THREAD);
	cr_assert_eq(r.kind, CAD_KIND_HUMAN_REPLY);
	cr_assert_eq(r.outcome, CAD_OUTCOME_REPLIED);
	cr_assert_eq(r.enrollment, e->id);
	cr_assert_eq(r.consumed->len, 0, "a reply reaches the rep");
	cr_assert_str_eq(r.header, want);
	cr_assert_eq(state_of("jane@acme-corp.com"), CAD_STATE_REPLIED);
	cr_assert_eq(state_of("bob@acme-corp.com"), CAD_STATE_ACTIVE,
	             "no account exit by default");
	cr_assert_eq(fx_events(&fx, e->id, "replied"), 1);
	cad_inbound_result_clear(&r);
}

Test(inbound, reply_with_account_exit_halts_domain, .init = setup_account_exit)
{
	g_autoptr(cad_enrollment) e = enroll_jane();
	const char *rcpts[] = {"<alice@example.com>", NULL};
	cad_inbound_result r;

	process("reply.eml", NULL, "jane@acme-corp.com", rcpts, &r);
	cr_assert_eq(r.outcome, CAD_OUTCOME_REPLIED);
	cr_assert_eq(state_of("jane@acme-corp.com"), CAD_STATE_REPLIED);
	cr_assert(cad_state_is_final(state_of("bob@acme-corp.com")),
	          "bob at the same domain halts");
	cr_assert_eq(state_of("jm@mueller.co.uk"), CAD_STATE_ACTIVE);
	cad_inbound_result_clear(&r);
}

Test(inbound, reply_matched_by_sender_without_thread)
{
	g_autoptr(cad_enrollment) e = enroll_jane();
	const char *rcpts[] = {"alice@example.com", NULL};
	const char *msg = "From: Jane Doe <Jane@Acme-Corp.com>\r\n"
	                  "To: alice@example.com\r\nSubject: question\r\n"
	                  "Message-ID: <new-thread@acme-corp.com>\r\n\r\n"
	                  "Hi Alice, what does it cost?\r\n";
	cad_inbound_result r;

	cr_assert(cad_inbound_process(fx.store, fx.conf, "jane@acme-corp.com",
	                              rcpts, msg, strlen(msg), T_NOW + 60, &r,
	                              NULL));
	cr_assert_eq(r.match, CAD_MATCH_SENDER);
	cr_assert_eq(r.outcome, CAD_OUTCOME_REPLIED);
	cr_assert_eq(state_of("jane@acme-corp.com"), CAD_STATE_REPLIED);
	cad_inbound_result_clear(&r);
}

Test(inbound, list_mail_from_prospect_records_nothing)
{
	g_autoptr(cad_enrollment) e = enroll_jane();
	const char *rcpts[] = {"alice@example.com", NULL};
	const char *msg = "From: Jane Doe <jane@acme-corp.com>\r\n"
	                  "To: alice@example.com\r\nSubject: Our newsletter\r\n"
	                  "List-Id: <news.acme-corp.com>\r\n"
	                  "Message-ID: <news-1@acme-corp.com>\r\n\r\n"
	                  "This month at ACME\r\n";
	cad_inbound_result r;

	cr_assert(cad_inbound_process(fx.store, fx.conf, "jane@acme-corp.com",
	                              rcpts, msg, strlen(msg), T_NOW + 60, &r,
	                              NULL));
	cr_assert_eq(r.match, CAD_MATCH_SENDER);
	cr_assert_eq(r.outcome, CAD_OUTCOME_NONE);
	cr_assert_eq(state_of("jane@acme-corp.com"), CAD_STATE_ACTIVE);
	cad_inbound_result_clear(&r);
}

/* The same definition of list mail as the classifier's (mail/headers.h):
 * a bulk sender's fields say "not a person" here too. */
Test(inbound, bulk_mail_from_prospect_records_nothing)
{
	static const char *const marks[] = {
	    "Feedback-ID: 1:news:acme\r\n",
	    "X-Campaign: spring\r\n",
	    "Precedence:\r\n  Bulk\r\n",
	};
	g_autoptr(cad_enrollment) e = enroll_jane();
	const char *rcpts[] = {"alice@example.com", NULL};

	for (gsize i = 0; i < G_N_ELEMENTS(marks); i++) {
		g_autofree char *msg = g_strdup_printf(
		    "From: Jane Doe <jane@acme-corp.com>\r\n"
		    "To: alice@example.com\r\nSubject: Offers\r\n%s"
		    "Message-ID: <offer-%zu@acme-corp.com>\r\n\r\n"
		    "This month at ACME\r\n",
		    marks[i], i);
		cad_inbound_result r;

		cr_assert(cad_inbound_process(
		    fx.store, fx.conf, "jane@acme-corp.com", rcpts, msg,
		    strlen(msg), T_NOW + 60, &r, NULL));
		cr_assert_eq(r.match, CAD_MATCH_SENDER, "%s", marks[i]);
		cr_assert_eq(r.outcome, CAD_OUTCOME_NONE, "%s", marks[i]);
		cad_inbound_result_clear(&r);
	}
	cr_assert_eq(state_of("jane@acme-corp.com"), CAD_STATE_ACTIVE);
}

Test(inbound, out_of_office_pauses_until_return)
{
	g_autoptr(cad_enrollment) e = enroll_jane();
	g_autoptr(cad_enrollment) after = NULL;
	const char *rcpts[] = {"<alice@example.com>", NULL};
	cad_inbound_result r;
	gint64 back;

	process("ooo.eml", NULL, "jane@acme-corp.com", rcpts, &r);
	cr_assert_eq(r.kind, CAD_KIND_AUTO_REPLY);
	cr_assert_eq(r.outcome, CAD_OUTCOME_AUTO_REPLY);
	after = fx_enrollment(&fx, "jane@acme-corp.com");
	cr_assert_eq(after->state, CAD_STATE_PAUSED);
	cr_assert(cad_parse_time("2026-11-20", &back, NULL));
	cr_assert_eq(after->paused_until, back, "paused until the date named");
	cr_assert_not_null(strstr(r.header, "auto_reply cold"));
	cad_inbound_result_clear(&r);
}

Test(inbound, dsn_to_verp_bounces_suppresses_and_is_consumed)
{
	g_autoptr(cad_enrollment) e = enroll_jane();
	g_autofree char *verp =
	    g_strdup_printf("<bounces+%s@example.com>", e->verp_token);
	const char *rcpts[] = {"<postmaster@example.com>", verp, NULL};
	cad_inbound_result r;

	process("dsn.eml.in", e->verp_token, "", rcpts, &r);
	cr_assert_eq(r.match, CAD_MATCH_VERP);
	cr_assert_eq(r.kind, CAD_KIND_HARD_BOUNCE);
	cr_assert_eq(r.outcome, CAD_OUTCOME_HARD_BOUNCE);
	cr_assert_eq(r.consumed->len, 1);
	cr_assert_eq(g_array_index(r.consumed, guint, 0), 1);
	cr_assert_eq(state_of("jane@acme-corp.com"), CAD_STATE_BOUNCED);
	cr_assert(fx_suppressed(&fx, "jane@acme-corp.com"));
	cr_assert_not(fx_suppressed(&fx, "bob@acme-corp.com"));
	cad_inbound_result_clear(&r);
}

Test(inbound, relay_bounce_from_rep_domain_is_a_soft_bounce)
{
	g_autoptr(cad_enrollment) e = enroll_jane();
	g_autoptr(cad_enrollment) after = NULL;
	g_autofree char *verp =
	    g_strdup_printf("bounces+%s@example.com", e->verp_token);
	const char *rcpts[] = {verp, NULL};
	cad_inbound_result r;

	/* Postfix's own DSN: From MAILER-DAEMON@example.com, a rep domain;
	 * the remote said 500 5.3.0 (a system error: soft). */
	process("postfix-bounce.eml.in", e->verp_token, "", rcpts, &r);
	cr_assert_eq(r.match, CAD_MATCH_VERP);
	cr_assert_eq(r.outcome, CAD_OUTCOME_SOFT_BOUNCE);
	cr_assert_eq(r.consumed->len, 1);
	after = fx_enrollment(&fx, "jane@acme-corp.com");
	cr_assert_eq(after->state, CAD_STATE_ACTIVE, "counted, not halted");
	cr_assert_eq(fx_events(&fx, e->id, "soft_bounce"), 1);
	cad_inbound_result_clear(&r);
}

Test(inbound, dsn_to_rep_matched_by_returned_message_id)
{
	g_autoptr(cad_enrollment) e = enroll_jane();
	const char *rcpts[] = {"<alice@example.com>", NULL};
	gsize len;
	g_autofree char *dsn = fx_message("dsn.eml.in", "nomatch", &len);
	/* The returned headers name the rep's root message. */
	g_auto(GStrv) parts = g_strsplit(dsn, "<step2-1@mail.example.com>", 2);
	g_autofree char *msg = g_strjoinv("<root-1@mail.example.com>", parts);
	cad_inbound_result r;

	cr_assert(cad_inbound_process(fx.store, fx.conf, "", rcpts, msg,
	                              strlen(msg), T_NOW + 60, &r, NULL));
	cr_assert_eq(r.match, CAD_MATCH_RETURNED);
	cr_assert_eq(r.outcome, CAD_OUTCOME_HARD_BOUNCE);
	cr_assert_eq(r.consumed->len, 0, "the rep's own bounce is delivered");
	cr_assert_eq(state_of("jane@acme-corp.com"), CAD_STATE_BOUNCED);
	cad_inbound_result_clear(&r);
}

Test(inbound, unsubscribe_consumed_and_rep_told)
{
	g_autoptr(cad_enrollment) e = enroll_jane();
	g_autofree char *rcpt =
	    g_strdup_printf("unsubscribe+%s@example.com", e->unsub_token);
	const char *rcpts[] = {rcpt, NULL};
	g_autoptr(GPtrArray) notices = NULL;
	cad_inbound_result r;

	process("unsub.eml.in", e->unsub_token, "jane@acme-corp.com", rcpts,
	        &r);
	cr_assert_eq(r.match, CAD_MATCH_UNSUBSCRIBE);
	cr_assert_eq(r.outcome, CAD_OUTCOME_UNSUBSCRIBED);
	cr_assert_eq(r.consumed->len, 1);
	cr_assert_eq(state_of("jane@acme-corp.com"), CAD_STATE_UNSUBSCRIBED);
	cr_assert(fx_suppressed(&fx, "jane@acme-corp.com"));
	notices = fx_notices(&fx);
	cr_assert_eq(notices->len, 1);
	cr_assert_str_eq(((cad_notice *)g_ptr_array_index(notices, 0))->rep,
	                 "alice@example.com");
	cad_inbound_result_clear(&r);
}

/* Move jane to the call step (index 1), waiting on the rep. */
static gboolean
to_call_step(cad_txn *txn, void *arg, GError **error)
{
	cad_enrollment *e = arg;

	e->step = 1;
	e->state = CAD_STATE_WAITING;
	return cad_store_enrollment_put(txn, e, error) &&
	       cad_store_event_add(txn, e->id, "task", 3, "test", T_NOW, error);
}

Test(inbound, feedback_report_is_a_complaint_told_to_the_rep)
{
	g_autoptr(cad_enrollment) e = enroll_jane();
	g_autofree char *verp =
	    g_strdup_printf("bounces+%s@example.com", e->verp_token);
	const char *rcpts[] = {verp, NULL};
	g_autoptr(GPtrArray) notices = NULL;
	cad_inbound_result r;

	process("arf.eml.in", e->verp_token, "fbl@isp.example.net", rcpts, &r);
	cr_assert_eq(r.kind, CAD_KIND_FEEDBACK_REPORT);
	cr_assert_eq(r.outcome, CAD_OUTCOME_COMPLAINT);
	cr_assert_eq(r.consumed->len, 1);
	cr_assert_eq(state_of("jane@acme-corp.com"), CAD_STATE_UNSUBSCRIBED);
	cr_assert(fx_suppressed(&fx, "jane@acme-corp.com"));
	cr_assert_eq(fx_events(&fx, e->id, "complaint"), 1);
	notices = fx_notices(&fx);
	cr_assert_eq(notices->len, 1);
	cr_assert_not_null(strstr(
	    ((cad_notice *)g_ptr_array_index(notices, 0))->subject, "spam"));
	cad_inbound_result_clear(&r);
}

Test(inbound, task_answer_done_advances)
{
	g_autoptr(cad_enrollment) e = enroll_jane();

	cr_assert(cad_store_write(fx.store, to_call_step, e, NULL));
	g_autoptr(cad_enrollment) after = NULL;
	g_autofree char *rcpt =
	    g_strdup_printf("<tasks+%s@example.com>", e->task_token);
	const char *rcpts[] = {rcpt, NULL};
	cad_inbound_result r;

	process("task.eml.in", e->task_token, "alice@example.com", rcpts, &r);
	cr_assert_eq(r.match, CAD_MATCH_TASK);
	cr_assert_eq(r.outcome, CAD_OUTCOME_TASK_ANSWER);
	cr_assert_eq(r.consumed->len, 1);
	after = fx_enrollment(&fx, "jane@acme-corp.com");
	cr_assert_eq(after->step, e->step + 1, "the step is done");
	cr_assert_eq(fx_events(&fx, e->id, "task_done"), 1);
	cad_inbound_result_clear(&r);
}

Test(inbound, task_answer_from_outsider_ignored)
{
	g_autoptr(cad_enrollment) e = enroll_jane();
	g_autofree char *rcpt =
	    g_strdup_printf("tasks+%s@example.com", e->task_token);
	const char *rcpts[] = {rcpt, NULL};
	gsize len;
	g_autofree char *t = fx_message("task.eml.in", e->task_token, &len);
	g_auto(GStrv) parts = g_strsplit(t, "alice@example.com", -1);
	g_autofree char *msg = g_strjoinv("mallory@evil.example.net", parts);
	cad_inbound_result r;

	cr_assert(cad_inbound_process(fx.store, fx.conf,
	                              "mallory@evil.example.net", rcpts, msg,
	                              strlen(msg), T_NOW, &r, NULL));
	cr_assert_eq(r.outcome, CAD_OUTCOME_NONE);
	cr_assert_eq(r.consumed->len, 0, "not recorded, so not consumed");
	cr_assert_eq(state_of("jane@acme-corp.com"), CAD_STATE_ACTIVE);
	cad_inbound_result_clear(&r);
}

Test(inbound, rep_mail_in_thread_records_nothing)
{
	g_autoptr(cad_enrollment) e = enroll_jane();
	const char *rcpts[] = {"<jane@acme-corp.com>", NULL};
	cad_inbound_result r;

	process("rep-in-thread.eml", NULL, "alice@example.com", rcpts, &r);
	cr_assert_eq(r.outcome, CAD_OUTCOME_NONE);
	cr_assert_null(r.header);
	cr_assert_eq(state_of("jane@acme-corp.com"), CAD_STATE_ACTIVE);
	cad_inbound_result_clear(&r);
}

Test(inbound, unknown_token_not_consumed)
{
	g_autoptr(cad_enrollment) e = enroll_jane();
	const char *rcpts[] = {"bounces+bzzzzzzzzzzzzzzzzzzzz@example.com",
	                       NULL};
	cad_inbound_result r;

	process("dsn.eml.in", "bzzzzzzzzzzzzzzzzzzzz", "", rcpts, &r);
	cr_assert_eq(r.match, CAD_MATCH_NONE);
	cr_assert_eq(r.outcome, CAD_OUTCOME_NONE);
	cr_assert_eq(r.consumed->len, 0);
	cr_assert_eq(state_of("jane@acme-corp.com"), CAD_STATE_ACTIVE);
	cad_inbound_result_clear(&r);
}

Test(inbound, wanted_only_for_mail_that_may_matter)
{
	g_autoptr(cad_enrollment) e = enroll_jane();
	const char *to_rep[] = {"<alice@example.com>", NULL};
	const char *to_verp[] = {"<bounces+bxyz@example.com>", NULL};
	gboolean w;

	cr_assert(cad_inbound_wanted(fx.store, fx.conf, "someone@elsewhere.net",
	                             to_rep, "Someone <someone@elsewhere.net>",
	                             NULL, NULL, &w, NULL));
	cr_assert_not(w, "ordinary mail is let go at end of headers");
	cr_assert(cad_inbound_wanted(fx.store, fx.conf, "jane@acme-corp.com",
	                             to_rep, "Jane <jane@acme-corp.com>", NULL,
	                             NULL, &w, NULL));
	cr_assert(w, "a live prospect writes");
	cr_assert(cad_inbound_wanted(
	    fx.store, fx.conf, "x@elsewhere.net", to_rep, "x@elsewhere.net",
	    "<root-1@mail.example.com>", NULL, &w, NULL));
	cr_assert(w, "a reply in our thread");
	cr_assert(cad_inbound_wanted(
	    fx.store, fx.conf, "x@elsewhere.net", to_rep, "x@elsewhere.net",
	    NULL, "<a@b> <root-1@mail.example.com>", &w, NULL));
	cr_assert(w, "our id deep in References");
	cr_assert(cad_inbound_wanted(fx.store, fx.conf, "", to_rep,
	                             "MAILER-DAEMON@mx.example.net", NULL, NULL,
	                             &w, NULL));
	cr_assert(w, "a bounce");
	cr_assert(cad_inbound_wanted(fx.store, fx.conf, "x@elsewhere.net",
	                             to_verp, "x@elsewhere.net", NULL, NULL, &w,
	                             NULL));
	cr_assert(w, "a token address");
	cr_assert(cad_inbound_wanted(fx.store, fx.conf, "carol@example.com",
	                             to_rep, "carol@example.com", NULL, NULL,
	                             &w, NULL));
	cr_assert_not(w, "a colleague");
}

Test(inbound, garbage_is_harmless)
{
	const char *rcpts[] = {"<alice@example.com>", NULL};
	static const char junk[] = "\0\0\xff\r\n\r\n--\r\n";
	cad_inbound_result r;

	cr_assert(cad_inbound_process(fx.store, fx.conf, "x@y.example.net",
	                              rcpts, junk, sizeof(junk) - 1, T_NOW, &r,
	                              NULL));
	cr_assert_eq(r.outcome, CAD_OUTCOME_NONE);
	cad_inbound_result_clear(&r);
}
