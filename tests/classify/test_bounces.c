/*
 * test_bounces.c: the hard-or-soft decision as a table over what a
 * failure says (status, diagnostic, the notice around it), and one
 * message per bounce format the text rules read: boundaries lost or
 * never written, report fields pasted as text, recipients named by bare
 * names, by X.400, among directory hints, list refusals, providers that
 * disguise filters as unknown users, and SES notifications.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"
#include "mail/mail_internal.h"

TestSuite(bounces, .init = test_gmime_init, .fini = test_gmime_fini);

typedef struct {
	const char *status;     /* the report's Status, or NULL */
	const char *diagnostic; /* the recipient's diagnostic, or NULL */
	const char *notice;     /* the bounce's text, or NULL */
	const char *reason;     /* expected reason word */
	gboolean hard;          /* expected */
} failure_case;

/* What each failure means for sending again. */
static const failure_case failures[] = {
    /* The mailbox does not exist: hard at any stage, under any code. */
    {"5.1.1",
     "550 5.1.1 <a@example.org>: Recipient address rejected: User unknown "
     "in local recipient table",
     NULL, "userunknown", TRUE},
    {"4.1.1",
     "450 4.1.1 <a@example.org>: Recipient address rejected: User unknown "
     "in local recipient table",
     NULL, "userunknown", TRUE},
    {"5.7.1",
     "550 5.7.1 <a@example.org>: Recipient address rejected: User unknown",
     NULL, "userunknown", TRUE},
    {"5.2.1", "550 5.2.1 <a@example.org>... User Unknown", NULL, "userunknown",
     TRUE},
    {NULL, "550 Unknown user a@example.org (in reply to end of DATA command)",
     NULL, "userunknown", TRUE},
    {"5.0.0",
     "554 delivery error: dd This user doesn't have a yahoo.com account "
     "(a@yahoo.com) [0]",
     NULL, "userunknown", TRUE},
    {"5.5.0", "550 5.5.0 Invalid recipient", NULL, "userunknown", TRUE},
    {"5.1.10",
     "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by "
     "SMTP address lookup",
     NULL, "userunknown", TRUE},
    {"5.1.6", "550 5.1.6 Recipient mailbox has moved", NULL, "hasmoved", TRUE},
    /* The domain does not exist or accepts no mail: hard. */
    {"5.4.4",
     "Host or domain name not found. Name service error for "
     "name=nx.example type=A: Host not found",
     NULL, "hostunknown", TRUE},
    {"4.1.2",
     "450 4.1.2 <a@nx.example>: Recipient address rejected: Domain not "
     "found",
     NULL, "hostunknown", TRUE},
    {"5.1.10",
     "556 5.1.10 <a@null.example>: Recipient address rejected: Domain "
     "null.example does not accept mail (nullMX)",
     NULL, "notaccept", TRUE},
    /* A lookup that could not be answered now: soft. */
    {"4.4.3",
     "Host or domain name not found. Name service error for "
     "name=slow.example type=MX: Host not found, try again",
     NULL, "networkerror", FALSE},
    {"4.1.1",
     "451 4.1.1 <a@example.org>: Recipient address rejected: unknown user, "
     "directory lookup failure, try again later",
     NULL, "userunknown", FALSE},
    /* A delay warning that names no failure of its own. */
    {"4.0.0", NULL,
     "A message is delayed for more than 4 hours for the following list "
     "of recipients:\na@new.example: No MX found for domain\n",
     "hostunknown", FALSE},
    /* The address may work later: soft, whatever the code. */
    {"5.7.1",
     "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked "
     "using dnsbl.example.net",
     NULL, "blocked", FALSE},
    {"5.7.1", "550 5.7.1 Message rejected as spam by Content Filtering", NULL,
     "spamdetected", FALSE},
    {"4.7.0",
     "421 4.7.0 Our system has detected an unusual rate of unsolicited "
     "mail; try again later",
     NULL, "spamdetected", FALSE},
    {"4.7.1",
     "450 4.7.1 <a@example.org>: Recipient address rejected: Greylisted, "
     "please try again in 300 seconds",
     NULL, "spamdetected", FALSE},
    {"4.7.0", "421 4.7.0 Too many connections from your IP, rate limit", NULL,
     "toomanyconn", FALSE},
    {"5.2.2", "552 5.2.2 <a@example.org>: Mailbox full", NULL, "mailboxfull",
     FALSE},
    {"5.3.4", "552 5.3.4 Message size exceeds fixed maximum message size", NULL,
     "mesgtoobig", FALSE},
    {"5.7.1", "550 5.7.1 Delivery not authorized, message refused by policy",
     NULL, "policyviolation", FALSE},
    {"5.2.1", "550 5.2.1 The email account that you tried to reach is disabled",
     NULL, "suspend", FALSE},
    {"5.1.8",
     "553 5.1.8 <s@x.example>: Sender address rejected: Domain not found", NULL,
     "rejected", FALSE},
    /* "Bad mailbox" filed over a block (Amazon SES). */
    {"5.1.0",
     "5.1.0 - Unknown address error 550-'5.7.1 <b@bounces.example>... "
     "Access denied'",
     NULL, "blocked", FALSE},
    /* Filters dressed as unknown users: au's "550 : User unknown", and
     * docomo's "Unknown user" after DATA (at RCPT it is real). */
    {"5.0.0", "550 : User unknown", NULL, "filtered", FALSE},
    {"5.0.0", "550 Unknown user a@docomo.ne.jp",
     "... host mfsmax.docomo.ne.jp said: 550 Unknown user a@docomo.ne.jp (in "
     "reply to end of DATA command)\n",
     "rejected", FALSE},
    {"5.0.0", "550 Unknown user a@docomo.ne.jp (in reply to RCPT TO command)",
     NULL, "userunknown", TRUE},
    /* Nothing anyone can read: pause, never suppress. */
    {NULL, "Delivery failed for reasons unknown", NULL, "onhold", FALSE},
};

Test(bounces, hard_or_soft_by_meaning)
{
	for (gsize i = 0; i < G_N_ELEMENTS(failures); i++) {
		const failure_case *f = &failures[i];
		cad_bounce_rcpt *r = cad_rcpt_new("a@example.org");
		cad_reason_ctx ctx;

		r->status = g_strdup(f->status);
		r->diagnostic = g_strdup(f->diagnostic);
		cad_reason_context_init(&ctx, f->notice);
		cad_reason_decide(r, &ctx, 0);
		cr_expect_str_eq(r->reason, f->reason, "case %zu (%s): %s", i,
		                 f->diagnostic, r->reason);
		cr_expect_eq(r->hard, f->hard, "case %zu (%s): hard %d", i,
		             f->diagnostic, r->hard);
		cad_rcpt_free(r);
	}
}

typedef struct {
	const char *reason, *status, *text;
	gboolean hard;
} decision_case;

/* The decision alone, over (reason, status, text). */
static const decision_case decisions[] = {
    {"userunknown", "5.1.1", "User unknown", TRUE},
    {"userunknown", NULL, NULL, TRUE},
    {"userunknown", "4.1.1", "User unknown", TRUE},
    {"userunknown", "4.1.1", "lookup failure, try again later", FALSE},
    {"userunknown", "4.1.1", "Temporary directory failure", FALSE},
    {"userunknown", "4.1.1", NULL, FALSE},
    {"userunknown", "4.1.1", "", FALSE},
    {"hostunknown", "5.4.4", "Host not found", TRUE},
    {"hostunknown", "4.4.4", "Domain not found", TRUE},
    {"hostunknown", "4.4.3", "DNS timeout", FALSE},
    {"notaccept", "5.1.10", "null MX", TRUE},
    {"notaccept", "4.0.0", "returned Null MX", TRUE},
    {"hasmoved", "5.1.6", "moved", TRUE},
    {"suppressed", NULL, NULL, TRUE},
    {"mailboxfull", "5.2.2", "Mailbox full", FALSE},
    {"mesgtoobig", "5.3.4", "too big", FALSE},
    {"exceedlimit", "5.2.3", "too many recipients", FALSE},
    {"blocked", "5.7.1", "blocked", FALSE},
    {"spamdetected", "5.7.1", "spam", FALSE},
    {"policyviolation", "5.7.1", "policy", FALSE},
    {"filtered", "5.2.0", "filtered", FALSE},
    {"rejected", "5.7.1", "sender rejected", FALSE},
    {"speeding", "4.7.0", "rate limit", FALSE},
    {"toomanyconn", "4.7.0", "too many connections", FALSE},
    {"suspend", "5.2.1", "disabled", FALSE},
    {"expired", "4.4.7", "expired", FALSE},
    {"networkerror", "4.4.1", "no route", FALSE},
    {"securityerror", "5.7.1", "TLS required", FALSE},
    {"onhold", NULL, "?", FALSE},
    {"undefined", NULL, NULL, FALSE},
    {NULL, "5.1.1", "User unknown", FALSE},
};

Test(bounces, hard_decision_table)
{
	for (gsize i = 0; i < G_N_ELEMENTS(decisions); i++) {
		const decision_case *d = &decisions[i];
		cr_expect_eq(cad_failure_is_hard(d->reason, d->status, d->text),
		             d->hard, "case %zu: %s %s %s", i,
		             d->reason ? d->reason : "(null)",
		             d->status ? d->status : "(null)",
		             d->text ? d->text : "(null)");
	}
}

/* The one recipient of a bounce file, its kind and hardness. */
static cad_classification *
expect_bounce(const char *file, const char *kind, const char *rcpt,
              gboolean hard, guint nrcpts)
{
	cad_classification *c = classify_data(file);
	const cad_bounce_rcpt *r = NULL;

	cr_assert_str_eq(cad_kind_name(c->kind), kind, "%s: %s", file,
	                 cad_kind_name(c->kind));
	cr_assert_eq(c->recipients->len, nrcpts, "%s: %u recipients", file,
	             c->recipients->len);
	for (guint i = 0; i < c->recipients->len; i++) {
		const cad_bounce_rcpt *x = g_ptr_array_index(c->recipients, i);
		if (strcmp(x->address, rcpt) == 0)
			r = x;
	}
	cr_assert_not_null(r, "%s: no %s", file, rcpt);
	cr_assert_eq(r->hard, hard, "%s: %s hard %d", file, rcpt, r->hard);
	return c;
}

Test(bounces, structure_lost_or_broken)
{
	/* A boundary parameter broken onto an unindented line. */
	cad_classification_free(
	    expect_bounce("bounce_boundary_unfolded.eml", "hard_bounce",
	                  "5551234567@sms.example.net", TRUE, 1));
	/* A report whose delimiters were never written: read as text,
	 * its pasted fields as a report. */
	cad_classification_free(
	    expect_bounce("bounce_report_no_delimiters.eml", "hard_bounce",
	                  "t.nguyen@univ.example.edu", TRUE, 1));
	/* A provider's notice with its relay's raw bounce pasted in. */
	cad_classification_free(
	    expect_bounce("bounce_inline_dsn_text.eml", "soft_bounce",
	                  "m.ito@corp.example.co.jp", FALSE, 1));
}

Test(bounces, report_recipients_take_their_notice_lines)
{
	cad_classification *c =
	    expect_bounce("bounce_dsn_two_no_diag.eml", "hard_bounce",
	                  "left.user@corp.example", TRUE, 2);

	cr_assert(has_recipient(c, "quota.user@corp.example"));
	cr_assert_str_eq(
	    ((cad_bounce_rcpt *)g_ptr_array_index(c->recipients, 0))->reason,
	    "mailboxfull");
	cr_assert_str_eq(
	    ((cad_bounce_rcpt *)g_ptr_array_index(c->recipients, 0))->status,
	    "5.2.2");
	cr_assert_str_eq(c->status, "5.1.1");
	cad_classification_free(c);
}

Test(bounces, recipients_named_other_ways)
{
	cad_classification *c =
	    expect_bounce("bounce_aol_screen_names.eml", "soft_bounce",
	                  "blueheron77@aol.example", FALSE, 2);

	cr_assert(has_recipient(c, "night.owl@aol.example"));
	cr_assert_str_eq(c->reason, "filtered");
	cad_classification_free(c);
	/* A directory gateway's bare name, found in the original's
	 * envelope; the help text's addresses are not recipients. */
	cad_classification_free(
	    expect_bounce("bounce_directory_ph.eml", "hard_bounce",
	                  "r.castillo@campus.example.edu", TRUE, 1));
	/* Prose naming the address among look-alikes and an example. */
	cad_classification_free(
	    expect_bounce("bounce_prose_directory_hints.eml", "hard_bounce",
	                  "vkumar@lab.example.gov", TRUE, 1));
	/* Exchange's X.400 form; the list the original went to is not
	 * the recipient. */
	cad_classification_free(expect_bounce("bounce_x400_smtp.eml",
	                                      "hard_bounce",
	                                      "j.smith@org.example", TRUE, 1));
	/* A sender that wrote to itself. */
	cad_classification_free(
	    expect_bounce("bounce_exim_self.eml", "hard_bounce",
	                  "rep@cadence.example.com", TRUE, 1));
}

Test(bounces, list_distribution_names_nobody)
{
	cad_classification *c = classify_data("bounce_list_original.eml");

	cr_assert_str_eq(cad_kind_name(c->kind), "soft_bounce");
	cr_assert_eq(
	    c->recipients->len, 0, "%s",
	    c->recipients->len > 0
	        ? ((cad_bounce_rcpt *)g_ptr_array_index(c->recipients, 0))
	              ->address
	        : "");
	cad_classification_free(c);
}

Test(bounces, list_manager_refusal_is_soft)
{
	cad_classification *c =
	    expect_bounce("bounce_list_refusal.eml", "soft_bounce",
	                  "sales-team@lists.partner.example", FALSE, 1);

	cr_assert_str_eq(c->reason, "rejected");
	cad_classification_free(c);
}

Test(bounces, disguised_filters_are_soft)
{
	cad_classification *c =
	    expect_bounce("bounce_au_filter.eml", "hard_bounce",
	                  "no.such.member@ezweb.ne.jp", TRUE, 2);
	const cad_bounce_rcpt *f = g_ptr_array_index(c->recipients, 0);

	cr_assert_str_eq(f->address, "filtered.member@ezweb.ne.jp");
	cr_assert_not(f->hard);
	cad_classification_free(c);
	cad_classification_free(expect_bounce("bounce_docomo_data.eml",
	                                      "soft_bounce",
	                                      "taro.y@docomo.ne.jp", FALSE, 1));
	cad_classification_free(
	    expect_bounce("bounce_docomo_rcpt.eml", "hard_bounce",
	                  "hanako.s@docomo.ne.jp", TRUE, 1));
}

Test(bounces, delay_warning_is_soft)
{
	cad_classification_free(
	    expect_bounce("bounce_delay_no_mx.eml", "soft_bounce",
	                  "someone@newly-registered.example", FALSE, 1));
}

Test(bounces, ses_notifications)
{
	cad_classification *c =
	    expect_bounce("ses_bounce_permanent.eml", "hard_bounce",
	                  "gone.person@example.org", TRUE, 2);

	cr_assert(has_recipient(c, "full@example.net"));
	cr_assert_str_eq(c->status, "5.1.1");
	cad_classification_free(c);
	c = expect_bounce("ses_envelope_transient.eml", "soft_bounce",
	                  "busy.person@example.org", FALSE, 1);
	cr_assert_str_eq(c->reason, "mailboxfull");
	cad_classification_free(c);
}

Test(bounces, vendor_text_formats)
{
	/* Apache James's notice, its subject "[BOUNCE]". */
	cad_classification_free(expect_bounce("bounce_james.eml", "hard_bounce",
	                                      "o.berg@vendor.example", TRUE,
	                                      1));
	/* Messaging Server's notice without its report part. */
	cad_classification *c =
	    expect_bounce("bounce_messaging_server_text.eml", "soft_bounce",
	                  "l.rossi@corp.example", FALSE, 1);
	cr_assert_str_eq(c->reason, "mailboxfull");
	cad_classification_free(c);
}
