/*
 * test_rules.c: one small message per rule of the classifier (each MTA
 * format, each auto-reply language, unsubscribe phrasings, mixed signals,
 * ARF, return dates) and the small API around it.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

TestSuite(rules, .init = test_gmime_init, .fini = test_gmime_fini);

#define KIND(c, k) cr_assert_str_eq(cad_kind_name((c)->kind), k)

static void
check_bounce(const char *file, const char *kind, const char *rcpt,
             const char *status)
{
	g_autoptr(GError) unused = NULL;
	cad_classification *c = classify_data(file);

	cr_assert_str_eq(cad_kind_name(c->kind), kind, "%s: kind %s", file,
	                 cad_kind_name(c->kind));
	cr_assert(has_recipient(c, rcpt), "%s: no %s", file, rcpt);
	if (status != NULL)
		cr_assert_str_eq(c->status != NULL ? c->status : "(null)",
		                 status, "%s", file);
	cad_classification_free(c);
}

Test(rules, dsn_user_unknown)
{
	cad_classification *c = classify_data("dsn_postfix_userunknown.eml");

	KIND(c, "hard_bounce");
	cr_assert_eq(c->recipients->len, 1);
	cr_assert(has_recipient(c, "prospect@example.net"));
	cr_assert_str_eq(c->status, "5.1.1");
	cr_assert_str_eq(c->reason, "userunknown");
	cr_assert(strstr(c->diagnostic, "User unknown") != NULL);
	cr_assert(has_id(c, "step1.abc@cadence.example.com"));
	cad_classification_free(c);
}

Test(rules, dsn_mailbox_full_is_soft)
{
	cad_classification *c = classify_data("dsn_mailboxfull.eml");

	KIND(c, "soft_bounce");
	cr_assert_str_eq(c->reason, "mailboxfull");
	cr_assert(has_id(c, "step2.def@cadence.example.com"));
	cad_classification_free(c);
	check_bounce("dsn_mailboxfull.eml", "soft_bounce", "full@example.org",
	             "5.2.2");
}

Test(rules, dsn_delayed_is_soft)
{
	check_bounce("dsn_delayed.eml", "soft_bounce", "slow@example.org",
	             "4.4.1");
}

Test(rules, dsn_success_is_other)
{
	cad_classification *c = classify_data("dsn_success.eml");

	KIND(c, "other");
	cr_assert_eq(c->recipients->len, 0);
	cad_classification_free(c);
}

Test(rules, dsn_first_hard_recipient_summarizes)
{
	cad_classification *c = classify_data("dsn_two_recipients.eml");

	KIND(c, "hard_bounce");
	cr_assert_eq(c->recipients->len, 2);
	cr_assert_str_eq(c->status, "5.1.1");
	cr_assert_str_eq(
	    ((cad_bounce_rcpt *)g_ptr_array_index(c->recipients, 0))->reason,
	    "mesgtoobig");
	cad_classification_free(c);
}

Test(rules, text_bounces_by_mta)
{
	check_bounce("qmail.eml", "hard_bounce", "nobody@example.jp", "5.1.1");
	check_bounce("exim.eml", "hard_bounce", "lost@example.jp", "5.1.1");
	check_bounce("exchange_ndr.eml", "hard_bounce",
	             "former.employee@example.com", "5.1.1");
	check_bounce("yahoo_spam.eml", "soft_bounce", "someone@yahoo.com",
	             "5.7.9");
}

Test(rules, gmail_text_bounce_keeps_thread_ids)
{
	cad_classification *c = classify_data("gmail_text.eml");

	cr_assert(c->kind == CAD_KIND_HARD_BOUNCE ||
	          c->kind == CAD_KIND_SOFT_BOUNCE);
	cr_assert(has_recipient(c, "nosuch@nodomain.example"));
	cr_assert(has_id(c, "step1.abc@cadence.example.com"));
	cad_classification_free(c);
}

Test(rules, qmail_returned_message_id)
{
	cad_classification *c = classify_data("qmail.eml");

	cr_assert(has_id(c, "step1.abc@cadence.example.com"));
	cad_classification_free(c);
}

Test(rules, arf_complaint)
{
	cad_classification *c = classify_data("arf_abuse.eml");

	KIND(c, "feedback_report");
	cr_assert(has_recipient(c, "angry@example.net"));
	cr_assert(has_id(c, "step1.abc@cadence.example.com"));
	cad_classification_free(c);
}

static void
check_ooo(const char *file, const char *date)
{
	cad_classification *c = classify_data(file);

	cr_assert_str_eq(cad_kind_name(c->kind), "auto_reply", "%s: %s", file,
	                 cad_kind_name(c->kind));
	if (date == NULL)
		cr_assert_null(c->return_date, "%s: %s", file, c->return_date);
	else
		cr_assert_str_eq(c->return_date != NULL ? c->return_date
		                                        : "(null)",
		                 date, "%s", file);
	cr_assert(has_id(c, "step1.abc@cadence.example.com"));
	cad_classification_free(c);
}

Test(rules, auto_replies_and_return_dates)
{
	check_ooo("ooo_en_rfc3834.eml", "2024-12-03");
	check_ooo("ooo_en_gmail.eml", "2025-01-06");
	check_ooo("ooo_de.eml", "2025-01-13");
	check_ooo("ooo_fr.eml", "2025-01-12");
	check_ooo("ooo_es.eml", "2025-01-07");
	check_ooo("ooo_it.eml", "2025-01-15");
	check_ooo("ooo_nl.eml", "2025-01-20");
	check_ooo("ooo_pt.eml", "2025-02-10");
	check_ooo("ooo_ja.eml", "2024-12-24");
	check_ooo("ooo_xautorespond.eml", NULL);
}

Test(rules, challenge_response_is_auto_reply)
{
	cad_classification *c = classify_data("challenge_boxbe.eml");

	KIND(c, "auto_reply");
	cad_classification_free(c);
}

Test(rules, human_reply)
{
	cad_classification *c = classify_data("human_reply.eml");

	KIND(c, "human_reply");
	cr_assert_str_eq(c->from, "prospect@example.net");
	cr_assert_str_eq(c->subject, "Re: Quick question");
	cr_assert_str_eq(c->reply_text, "Sounds good, let's talk Thursday.");
	cr_assert_eq(c->message_ids->len, 2);
	cr_assert_str_eq(g_ptr_array_index(c->message_ids, 0),
	                 "step1.abc@cadence.example.com");
	cr_assert_str_eq(g_ptr_array_index(c->message_ids, 1),
	                 "root.1@example.com");
	cad_classification_free(c);
}

Test(rules, mixed_signals_stay_human)
{
	cad_classification *c = classify_data("human_reply_quoting_bounce.eml");

	KIND(c, "human_reply");
	cad_classification_free(c);
	c = classify_data("human_forward_bounce.eml");
	KIND(c, "human_reply");
	cad_classification_free(c);
}

Test(rules, unsubscribe_phrasings)
{
	const char *files[] = {"unsub_unsubscribe.eml", "unsub_remove_me.eml",
	                       "unsub_not_interested.eml", "unsub_de.eml",
	                       "unsub_mailto.eml"};

	for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
		cad_classification *c = classify_data(files[i]);
		cr_assert_str_eq(cad_kind_name(c->kind), "unsubscribe", "%s",
		                 files[i]);
		cad_classification_free(c);
	}
}

Test(rules, not_replies_are_other)
{
	const char *files[] = {"list_mail.eml", "newsletter.eml",
	                       "mdn_read_receipt.eml"};

	for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
		cad_classification *c = classify_data(files[i]);
		cr_assert_str_eq(cad_kind_name(c->kind), "other", "%s",
		                 files[i]);
		cad_classification_free(c);
	}
}

Test(rules, task_answer)
{
	cad_classification *c = classify_data("reply_done.eml");

	KIND(c, "human_reply");
	cr_assert_str_eq(cad_reply_answer(c->reply_text), "done");
	cad_classification_free(c);
	cr_assert_str_eq(cad_reply_answer("  SKIP!"), "skip");
	cr_assert_str_eq(cad_reply_answer("stop"), "stop");
	cr_assert_str_eq(cad_reply_answer("Connected, thanks"), "connected");
	cr_assert_str_eq(cad_reply_answer("meeting booked"), "meeting");
	cr_assert_null(cad_reply_answer("doneness"));
	cr_assert_null(cad_reply_answer("I am done"));
	cr_assert_null(cad_reply_answer(NULL));
}

Test(rules, kind_names)
{
	cr_assert_str_eq(cad_kind_name(CAD_KIND_HARD_BOUNCE), "hard_bounce");
	cr_assert_str_eq(cad_kind_name(CAD_KIND_SOFT_BOUNCE), "soft_bounce");
	cr_assert_str_eq(cad_kind_name(CAD_KIND_AUTO_REPLY), "auto_reply");
	cr_assert_str_eq(cad_kind_name(CAD_KIND_FEEDBACK_REPORT),
	                 "feedback_report");
	cr_assert_str_eq(cad_kind_name(CAD_KIND_UNSUBSCRIBE), "unsubscribe");
	cr_assert_str_eq(cad_kind_name(CAD_KIND_HUMAN_REPLY), "human_reply");
	cr_assert_str_eq(cad_kind_name(CAD_KIND_OTHER), "other");
}

Test(rules, json_shape)
{
	cad_classification *c = classify_data("dsn_postfix_userunknown.eml");
	g_autofree char *j = cad_classification_to_json(c, "a \"b\".eml");

	cr_assert_str_eq(
	    j,
	    "{\"file\":\"a \\\"b\\\".eml\",\"kind\":\"hard_bounce\","
	    "\"recipients\":[\"prospect@example.net\"],\"status\":\"5.1.1\","
	    "\"reason\":\"userunknown\",\"diagnostic\":\"550 5.1.1 "
	    "<prospect@example.net>: Recipient address rejected: User unknown "
	    "in local recipient table\",\"message_ids\":["
	    "\"step1.abc@cadence.example.com\"],\"return_date\":null}");
	cad_classification_free(c);
	c = cad_classify("", 0, TEST_NOW);
	g_free(j);
	j = cad_classification_to_json(c, NULL);
	cr_assert(g_str_has_prefix(j, "{\"file\":null,\"kind\":\"other\""));
	cr_assert_not_null(c->warning);
	cad_classification_free(c);
}

/* A date that has passed this year (by more than a week) is next year's;
 * the arithmetic is GDateTime's, checked here against it. */
Test(rules, return_date_year_rollover)
{
	const char *msg = "From: p@example.net\nSubject: Out of office\n"
	                  "Auto-Submitted: auto-replied\n\n"
	                  "I am back on 2 November.\n";
	cad_classification *c = cad_classify(msg, strlen(msg), TEST_NOW);
	g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc(TEST_NOW);
	g_autoptr(GDateTime) want =
	    g_date_time_new_utc(g_date_time_get_year(now) + 1, 11, 2, 0, 0, 0);
	g_autofree char *ws = g_date_time_format(want, "%Y-%m-%d");

	KIND(c, "auto_reply");
	cr_assert_str_eq(c->return_date, ws);
	cad_classification_free(c);
}

Test(rules, return_date_rejects_impossible_days)
{
	const char *msg = "From: p@example.net\nSubject: Auto: away\n\n"
	                  "Back on 31 February, really back on 2025-03-01.\n";
	cad_classification *c = cad_classify(msg, strlen(msg), TEST_NOW);

	cr_assert_str_eq(c->return_date, "2025-03-01");
	cad_classification_free(c);
}
