/*
 * test_complaints.c: every shape a complaint arrives in is a feedback
 * report naming the complained-about recipient (RFC 5965 with and
 * without report-type, its report part as text, the original attached,
 * as headers or pasted; Hotmail's JMRP; AOL's and Yahoo's older
 * reports; abuse desks' and people's forwarded reports; X-ARF; Amazon
 * SES), and a person's reply that talks of spam or forwards a message
 * is never one.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

TestSuite(complaints, .init = test_gmime_init, .fini = test_gmime_fini);

static void
expect_complaint(const char *file, const char *rcpt)
{
	cad_classification *c = classify_data(file);

	cr_expect_str_eq(cad_kind_name(c->kind), "feedback_report", "%s: %s",
	                 file, cad_kind_name(c->kind));
	cr_expect_eq(c->recipients->len, 1, "%s: %u recipients", file,
	             c->recipients->len);
	cr_expect(has_recipient(c, rcpt), "%s: not %s", file, rcpt);
	cad_classification_free(c);
}

Test(complaints, every_shape_names_the_recipient)
{
	/* RFC 5965 without report-type; Original-Rcpt-To wins over the
	 * original's To. */
	expect_complaint("complaint_arf_no_report_type.eml",
	                 "dana.whitfield@mail.example.net");
	/* The report part typed text/plain, the original as headers. */
	expect_complaint("complaint_arf_text_plain_part.eml",
	                 "kurt.janssen@isp.example.org");
	/* A redacted report: the original pasted as text names him. */
	expect_complaint("complaint_arf_inline_original.eml",
	                 "pat.okafor@fbl.example.com");
	/* Hotmail's JMRP: X-HmXmrOriginalRecipient, not the To. */
	expect_complaint("complaint_jmrp_hotmail.eml",
	                 "lee.moreau@outlook.example");
	/* JMRP known by its sender and its first words, the recipient
	 * only in X-HmXmrOriginalRecipient (the To is undisclosed). */
	expect_complaint("complaint_jmrp_text.eml",
	                 "noor.haddad@outlook.example");
	/* AOL's older report, the original inline. */
	expect_complaint("complaint_aol_scomp_inline.eml",
	                 "jordan.reyes@aol.example");
	/* Yahoo's older report, the original attached. */
	expect_complaint("complaint_yahoo_old.eml", "morgan_li@yahoo.example");
	/* An abuse desk's forward, the original attached. */
	expect_complaint("complaint_abuse_desk_attached.eml",
	                 "sam.brook@hosting.example.net");
	/* A person's own report, the original forwarded inline. */
	expect_complaint("complaint_person_forward_inline.eml",
	                 "alex.novak@retail.example");
	/* A feedback loop's report forwarded as an attachment by a NOC:
	 * the message it returns, one level down, names her. */
	expect_complaint("complaint_forwarded_arf.eml",
	                 "casey.lin@isp.example");
	/* X-ARF: yes. */
	expect_complaint("complaint_x_arf.eml", "kim.wagner@firma.example.de");
	/* Amazon SES through an SNS envelope, and bare (the corpus). */
	expect_complaint("ses_complaint_envelope.eml",
	                 "angry.reader@example.com");
	expect_complaint("arf_abuse.eml", "angry@example.net");
}

Test(complaints, thread_ids_are_kept)
{
	cad_classification *c = classify_data("complaint_jmrp_hotmail.eml");

	cr_assert(has_id(c, "step2.jmrp@cadence.example.com"));
	cad_classification_free(c);
	c = classify_data("complaint_abuse_desk_attached.eml");
	cr_assert(has_id(c, "step2.abuse@cadence.example.com"));
	cad_classification_free(c);
}

/* People's messages are never complaints. */
Test(complaints, people_are_not_reports)
{
	const char *files[] = {"complaint_not_reply_mentions_spam.eml",
	                       "complaint_not_person_forward.eml",
	                       "human_reply.eml", "human_forward_bounce.eml",
	                       "human_reply_quoting_bounce.eml"};

	for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
		cad_classification *c = classify_data(files[i]);
		cr_expect(c->kind == CAD_KIND_HUMAN_REPLY ||
		              c->kind == CAD_KIND_UNSUBSCRIBE,
		          "%s: %s", files[i], cad_kind_name(c->kind));
		cad_classification_free(c);
	}
}

/* Replies that use every report word, answered or forwarded with the
 * offending message quoted: still a person. */
Test(complaints, report_words_in_replies)
{
	static const char *const words[] = {
	    "This is an email abuse report, ha.",
	    "We received a complaint about your last campaign, fix it.",
	    "Abuse report: please stop, I filed a spam complaint.",
	    "I marked as spam the last three, reported as spam too.",
	    "Unsolicited, but interesting. Let's talk Tuesday."};
	static const char *const heads[] = {
	    "Subject: Re: Quick question\nIn-Reply-To: <step1@c.example>\n",
	    "Subject: Quick question\nIn-Reply-To: <step1@c.example>\n",
	    "Subject: RE: Abuse report tooling\n",
	    "Subject: AW: Spam complaint handling\n",
	    "Subject: Re: spam report\nX-Spam-Flag: YES\n"};

	for (gsize h = 0; h < G_N_ELEMENTS(heads); h++)
		for (gsize w = 0; w < G_N_ELEMENTS(words); w++) {
			g_autofree char *m = g_strdup_printf(
			    "From: Pat <pat@buyer.example>\n"
			    "To: Rep <rep@cadence.example.com>\n%s"
			    "Content-Type: text/plain\n\n%s\n\n"
			    "-----Original Message-----\n"
			    "From: Rep <rep@cadence.example.com>\n"
			    "Sent: Monday, December 2, 2024 9:00 AM\n"
			    "To: Pat <pat@buyer.example>\n"
			    "Subject: Quick question\n\n> Hi Pat\n",
			    heads[h], words[w]);
			cad_classification *c =
			    cad_classify(m, strlen(m), TEST_NOW);
			cr_expect(c->kind == CAD_KIND_HUMAN_REPLY ||
			              c->kind == CAD_KIND_UNSUBSCRIBE,
			          "head %zu word %zu: %s", h, w,
			          cad_kind_name(c->kind));
			cad_classification_free(c);
		}
}

/* A report's sender or subject alone, without the message it reports,
 * is no complaint (an abuse desk's ticket notice, a newsletter). */
Test(complaints, report_needs_the_message)
{
	const char *m = "From: Abuse Desk <abuse@hosting.example.net>\n"
	                "To: abuse@cadence.example.com\n"
	                "Subject: Abuse report #5512 closed\n"
	                "Content-Type: text/plain\n\n"
	                "Your abuse report has been closed. Thank you.\n";
	cad_classification *c = cad_classify(m, strlen(m), TEST_NOW);

	cr_expect_neq(c->kind, CAD_KIND_FEEDBACK_REPORT);
	cad_classification_free(c);
}

/* Report fields opening a one-part message's body are a report; the
 * same fields in an answer are a person quoting one. */
Test(complaints, report_fields_in_the_body)
{
	const char *fields = "Feedback-Type: abuse\n"
	                     "User-Agent: MiniFBL/0.3\n"
	                     "Version: 1\n"
	                     "Original-Rcpt-To: <robin@isp.example>\n\n"
	                     "From: Rep <rep@cadence.example.com>\n"
	                     "To: robin@isp.example\n"
	                     "Subject: Hello\n\nHi Robin.\n";
	g_autofree char *report = g_strdup_printf(
	    "From: fbl@isp.example\nTo: fbl@cadence.example.com\n"
	    "Subject: report\nContent-Type: text/plain\n\n%s",
	    fields);
	g_autofree char *answer = g_strdup_printf(
	    "From: Pat <pat@buyer.example>\nTo: rep@cadence.example.com\n"
	    "Subject: Re: report\nIn-Reply-To: <step1@c.example>\n"
	    "Content-Type: text/plain\n\n%s",
	    fields);
	cad_classification *c = cad_classify(report, strlen(report), TEST_NOW);

	cr_expect_eq(c->kind, CAD_KIND_FEEDBACK_REPORT, "%s",
	             cad_kind_name(c->kind));
	cr_expect(has_recipient(c, "robin@isp.example"));
	cad_classification_free(c);
	c = cad_classify(answer, strlen(answer), TEST_NOW);
	cr_expect(c->kind == CAD_KIND_HUMAN_REPLY ||
	              c->kind == CAD_KIND_UNSUBSCRIBE,
	          "%s", cad_kind_name(c->kind));
	cad_classification_free(c);
}
