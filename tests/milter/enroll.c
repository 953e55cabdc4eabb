/*
 * enroll.c: enrollment by BCC against a real store: the plan read from a
 * rep's message, enrollment of To/Cc prospects with names and company,
 * and each refusal (already active, suppressed, unknown cadence,
 * untrusted sender) recorded and told to the rep by notice.
 */
#include "inbound/enroll.h"

#include <string.h>

#include <criterion/criterion.h>

#include "tests/milter/helpers.h"

static fixture fx;

static void
setup(void)
{
	fx_setup(&fx, NULL);
}

static void
teardown(void)
{
	fx_teardown(&fx);
}

TestSuite(enroll, .init = setup, .fini = teardown);

static cad_enroll_plan *
plan_of(const char *file, const char *cadence)
{
	gsize len;
	g_autofree char *msg = fx_message(file, NULL, &len);
	g_autoptr(GError) err = NULL;
	cad_enroll_plan *plan = cad_enroll_plan_new(
	    fx.conf, cadence, "<Alice@Example.com>", msg, len, &err);

	cr_assert_not_null(plan, "%s", err ? err->message : "");
	return plan;
}

static const cad_prospect *
prospect(const cad_enroll_plan *plan, const char *addr)
{
	for (guint i = 0; i < plan->prospects->len; i++) {
		const cad_prospect *p = g_ptr_array_index(plan->prospects, i);
		if (strcmp(p->address, addr) == 0)
			return p;
	}
	return NULL;
}

Test(enroll, plan_reads_to_and_cc_without_colleagues)
{
	g_autoptr(cad_enroll_plan) plan = plan_of("enroll.eml", NULL);
	const cad_prospect *jane, *bob, *jm;

	cr_assert_str_eq(plan->cadence, "cold");
	cr_assert_str_eq(plan->rep, "alice@example.com");
	cr_assert_str_eq(plan->root_msgid, "root-1@mail.example.com");
	cr_assert_str_eq(plan->subject, "Intro: cutting follow-up time");
	cr_assert_eq(plan->prospects->len, 3);
	cr_assert_eq(plan->colleagues, 1); /* carol@example.com */
	jane = prospect(plan, "jane@acme-corp.com");
	bob = prospect(plan, "bob@acme-corp.com");
	jm = prospect(plan, "jm@mueller.co.uk");
	cr_assert(jane && bob && jm);
	cr_assert_str_eq(jane->first_name, "Jane");
	cr_assert_str_eq(jane->last_name, "Doe");
	cr_assert_str_eq(jane->company, "Acme Corp");
	cr_assert_str_eq(bob->first_name, "Bob");
	cr_assert_str_eq(bob->last_name, "Smith");
	cr_assert_str_eq(jm->first_name, "Jürgen"); /* RFC 2047 decoded */
	cr_assert_str_eq(jm->company, "Mueller");
}

Test(enroll, plan_names_the_cadence_and_skips_our_addresses)
{
	const char *msg = "From: alice@example.com\r\n"
	                  "To: cadence+hot@example.com, x@y.example.net, "
	                  "X@Y.example.net, bounces+b1@example.com\r\n"
	                  "Subject: s\r\n\r\n";
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_enroll_plan) plan = cad_enroll_plan_new(
	    fx.conf, "hot", "alice@example.com", msg, strlen(msg), &err);

	cr_assert_not_null(plan);
	cr_assert_str_eq(plan->cadence, "hot");
	cr_assert_eq(plan->prospects->len, 1, "dedup and own addresses");
	cr_assert_null(plan->root_msgid);
}

Test(enroll, plan_caps_prospects)
{
	GString *msg = g_string_new("From: alice@example.com\r\nTo: ");
	g_autoptr(GError) err = NULL;

	for (int i = 0; i < CAD_ENROLL_PROSPECTS_MAX + 10; i++)
		g_string_append_printf(msg, "%sp%d@acme.example.net",
		                       i ? ", " : "", i);
	g_string_append(msg, "\r\n\r\n");
	g_autoptr(cad_enroll_plan) plan = cad_enroll_plan_new(
	    fx.conf, NULL, "alice@example.com", msg->str, msg->len, &err);
	cr_assert_eq(plan->prospects->len, CAD_ENROLL_PROSPECTS_MAX);
	cr_assert_eq(plan->over_limit, 10);
	g_string_free(msg, TRUE);
}

Test(enroll, run_enrolls_with_thread_root_and_fields)
{
	g_autoptr(cad_enroll_plan) plan = plan_of("enroll.eml", NULL);
	g_autoptr(cad_enroll_result) r =
	    cad_enroll_run(fx.store, fx.conf, plan, "Q1", T_NOW);
	g_autoptr(cad_enrollment) e = NULL;
	g_autoptr(cad_txn) txn = NULL;
	g_autoptr(cad_prospect) p = NULL;
	g_autoptr(GPtrArray) notices = fx_notices(&fx);
	g_autoptr(GError) err = NULL;
	guint64 id;
	guint32 step;

	cr_assert_eq(r->enrolled, 3);
	cr_assert_eq(r->refused + r->failed, 0);
	cr_assert_not(r->noticed);
	cr_assert_eq(notices->len, 0);
	e = fx_enrollment(&fx, "jane@acme-corp.com");
	cr_assert_not_null(e);
	cr_assert_eq(e->state, CAD_STATE_ACTIVE);
	cr_assert_str_eq(e->cadence, "cold");
	cr_assert_str_eq(e->rep, "alice@example.com");
	cr_assert_str_eq(e->thread_subject, "Intro: cutting follow-up time");
	cr_assert_gt(e->next_due, T_NOW);
	txn = cad_store_read_begin(fx.store, NULL);
	cr_assert(cad_store_msgid_get(txn, "root-1@mail.example.com", &id,
	                              &step, NULL),
	          "root Message-ID recorded");
	p = cad_store_prospect_get(txn, "jane@acme-corp.com", &err);
	cr_assert_not_null(p, "%s", err->message);
	cr_assert_str_eq(p->first_name, "Jane");
	cr_assert_str_eq(p->company, "Acme Corp");
}

Test(enroll, second_enrollment_refused_and_noticed)
{
	g_autoptr(cad_enroll_plan) plan = plan_of("enroll.eml", NULL);
	g_autoptr(cad_enroll_result) r1 =
	    cad_enroll_run(fx.store, fx.conf, plan, "Q1", T_NOW);
	g_autoptr(cad_enroll_plan) plan2 = plan_of("enroll.eml", "hot");
	g_autoptr(cad_enroll_result) r2 =
	    cad_enroll_run(fx.store, fx.conf, plan2, "Q2", T_NOW + 60);
	g_autoptr(GPtrArray) notices = fx_notices(&fx);
	const cad_notice *n;
	g_autoptr(cad_enrollment) e = fx_enrollment(&fx, "jane@acme-corp.com");

	cr_assert_eq(r2->enrolled, 0);
	cr_assert_eq(r2->refused, 3);
	cr_assert_eq(g_array_index(r2->outcomes, cad_enroll_outcome, 0).status,
	             CAD_ENROLL_ACTIVE);
	cr_assert_str_eq(e->cadence, "cold", "still only the first cadence");
	cr_assert_eq(notices->len, 1);
	n = g_ptr_array_index(notices, 0);
	cr_assert_str_eq(n->rep, "alice@example.com");
	cr_assert_not_null(
	    strstr(n->body, "jane@acme-corp.com: already active"));
	cr_assert_not_null(strstr(n->subject, "3 of 3"));
	cr_assert_eq(fx_events(&fx, 0, "refused"), 3,
	             "each refusal is an event");
}

static gboolean
suppress(cad_txn *txn, void *arg, GError **error)
{
	return cad_store_suppress_add(txn, arg, "test", "test", T_NOW, error);
}

Test(enroll, suppressed_prospect_refused)
{
	g_autoptr(cad_enroll_plan) plan = plan_of("enroll.eml", NULL);
	g_autoptr(cad_enroll_result) r = NULL;
	g_autoptr(GPtrArray) notices = NULL;
	g_autoptr(cad_enrollment) e = NULL;

	cr_assert(cad_store_write(fx.store, suppress, "@acme-corp.com", NULL));
	r = cad_enroll_run(fx.store, fx.conf, plan, "Q1", T_NOW);
	cr_assert_eq(r->enrolled, 1); /* only jm@mueller.co.uk */
	cr_assert_eq(r->refused, 2);
	e = fx_enrollment(&fx, "jane@acme-corp.com");
	cr_assert_null(e);
	notices = fx_notices(&fx);
	cr_assert_eq(notices->len, 1);
	cr_assert_not_null(
	    strstr(((cad_notice *)g_ptr_array_index(notices, 0))->body,
	           "bob@acme-corp.com: on the suppression list"));
}

Test(enroll, unknown_cadence_refuses_all)
{
	g_autoptr(cad_enroll_plan) plan = plan_of("enroll.eml", "nosuch");
	g_autoptr(cad_enroll_result) r =
	    cad_enroll_run(fx.store, fx.conf, plan, "Q1", T_NOW);
	g_autoptr(GPtrArray) notices = fx_notices(&fx);
	g_autoptr(cad_enrollment) e = fx_enrollment(&fx, "jane@acme-corp.com");

	cr_assert_eq(r->enrolled, 0);
	cr_assert_eq(r->refused, 3);
	cr_assert_null(e);
	cr_assert_eq(notices->len, 1);
	cr_assert_not_null(
	    strstr(((cad_notice *)g_ptr_array_index(notices, 0))->body,
	           "no such cadence"));
	cr_assert_eq(fx_events(&fx, 0, "refused"), 1);
}

Test(enroll, untrusted_rep_noticed_outsider_not)
{
	g_autoptr(GPtrArray) n1 = NULL, n2 = NULL;

	cr_assert(cad_enroll_refuse_untrusted(fx.store, fx.conf,
	                                      "mallory@evil.example.net", NULL,
	                                      CAD_TRUST_NOT_REP, "Q1", T_NOW));
	n1 = fx_notices(&fx);
	cr_assert_eq(n1->len, 0, "no backscatter to outsiders");
	cr_assert_eq(fx_events(&fx, 0, "refused"), 1);
	cr_assert(cad_enroll_refuse_untrusted(
	    fx.store, fx.conf, "<alice@example.com>", "hot",
	    CAD_TRUST_UNAUTHENTICATED, "Q2", T_NOW));
	n2 = fx_notices(&fx);
	cr_assert_eq(n2->len, 1);
	cr_assert_str_eq(((cad_notice *)g_ptr_array_index(n2, 0))->rep,
	                 "alice@example.com");
	cr_assert_eq(fx_events(&fx, 0, "refused"), 2);
}
