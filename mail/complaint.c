/*
 * complaint.c: complaints in the shapes they arrive in, so that none is
 * missed and none is made up. RFC 5965 reports whatever their container
 * says (report-type missing, the report part typed text/plain), Hotmail's
 * Junk Mail Reporting Program, AOL's and Yahoo's older reports, and abuse
 * reports an abuse desk or a person forwards with the offending message
 * attached or inline (X-ARF among them). A person's reply that says
 * "spam", or forwards something, is not a report: a report names itself
 * as one (its subject or its sender) and returns the message.
 */
#include <string.h>

#include "mail/mail_internal.h"

/* Bytes and paragraphs of a part read for RFC 5965 fields: they open
 * the part, after at most a paragraph of prose. */
#define MAX_ARF_HEAD     4096
#define MAX_ARF_BLOCKS   2
/* Bytes of a report's text read for its words and an inline original:
 * a report says what it is before the message it returns. */
#define MAX_REPORT_TEXT  8192
/* Lines of a report's text read for an address it names. */
#define MAX_REPORT_LINES 200

/* Fields of RFC 5965 besides Feedback-Type: one of them with it makes a
 * block of fields a report, not prose that mentions the word. */
static const char *const arf_fields[] = {
    "user-agent:",    "version:",   "original-rcpt-to:", "original-mail-from:",
    "arrival-date:",  "source-ip:", "reported-domain:",  "removal-recipient:",
    "received-date:", NULL};

/* Subjects a report gives itself (after "Fwd:" is stripped). */
static const char *const report_subjects[] = {"abuse report",
                                              "spam report",
                                              "spam complaint",
                                              "abuse complaint",
                                              "complaint about message",
                                              "email feedback report",
                                              "feedback report",
                                              "feedback loop",
                                              "abuse notification",
                                              "spam notification",
                                              "client tos notification",
                                              "reported as spam",
                                              "report of abuse",
                                              "abuse-report",
                                              NULL};

/* Local parts of the senders of reports: abuse desks and feedback
 * loops (AOL's scomp, Hotmail's staff@ with its own subject). */
static const char *const report_senders[] = {
    "abuse",         "abuse-report", "abuse-reports", "abusedesk",
    "abuse-desk",    "fbl",          "feedback",      "feedbackloop",
    "feedback-loop", "complaints",   "complaint",     "spamreport",
    "spam-report",   "scomp",        "arf",           NULL};

/* What a report's own text says it is. */
static const char *const report_words[] = {"this is an email abuse report",
                                           "email abuse report",
                                           "abuse report",
                                           "spam complaint",
                                           "we received a complaint",
                                           "we have received a complaint",
                                           "received a spam complaint",
                                           "reported as spam",
                                           "reported this message as spam",
                                           "reported this email as spam",
                                           "marked as spam",
                                           "marked this message as spam",
                                           "complaint about",
                                           "complaint regarding",
                                           "feedback loop",
                                           "unsolicited",
                                           NULL};

/* Whether the line at p (n bytes) starts with one of the fields. */
static gboolean
line_is_field(const char *p, gsize n, const char *const *fields)
{
	for (gsize i = 0; fields[i] != NULL; i++) {
		gsize l = strlen(fields[i]);
		if (n >= l && g_ascii_strncasecmp(p, fields[i], l) == 0)
			return TRUE;
	}
	return FALSE;
}

gboolean
cad_complaint_arf_fields(const char *s, gsize len)
{
	static const char *const type[] = {"feedback-type:", NULL};
	gboolean has_type = FALSE, has_other = FALSE, in_block = FALSE;
	gsize n = MIN(len, (gsize)MAX_ARF_HEAD);
	int blocks = 0;

	for (const char *p = s; p != NULL && (gsize)(p - s) < n;) {
		const char *e = memchr(p, '\n', n - (gsize)(p - s));
		gsize l = e != NULL ? (gsize)(e - p) : n - (gsize)(p - s);
		gboolean blank = l == 0 || (l == 1 && p[0] == '\r');
		/* The fields open the part, after at most a line of prose
		 * ("This is an email abuse report..."): two blocks. */
		if (blank && in_block && ++blocks == MAX_ARF_BLOCKS)
			return FALSE;
		in_block = !blank;
		/* Most lines start with no field's first letter. */
		if (l > 0 && strchr("FfUuVvOoAaSsRr", p[0]) != NULL) {
			has_type = has_type || line_is_field(p, l, type);
			has_other =
			    has_other || line_is_field(p, l, arf_fields);
			if (has_type && has_other)
				return TRUE;
		}
		p = e != NULL ? e + 1 : NULL;
	}
	return FALSE;
}

int
cad_complaint_arf_part(const cad_mime *m)
{
	gboolean first_text = TRUE;

	for (guint i = 1; i < m->parts->len; i++) {
		const cad_part *p = cad_mime_part(m, i);
		if (p->msg_level != 0 || !p->leaf)
			continue;
		if (cad_part_is(p, "message", "feedback-report"))
			return (int)i;
		if (!cad_part_is(p, "text", "plain"))
			continue;
		/* Writers that type the report part text/plain put it after
		 * the human-readable part; its fields are plain ASCII, so
		 * the raw bytes are read. */
		if (!first_text && p->cte == CAD_CTE_NONE &&
		    cad_complaint_arf_fields(p->body, p->blen))
			return (int)i;
		first_text = FALSE;
	}
	return -1;
}

/* The local part of addr is one of locals. */
static gboolean
local_is(const char *addr, const char *const *locals)
{
	const char *at = addr != NULL ? strchr(addr, '@') : NULL;

	for (gsize i = 0; at != NULL && locals[i] != NULL; i++)
		if ((gsize)(at - addr) == strlen(locals[i]) &&
		    strncmp(addr, locals[i], (gsize)(at - addr)) == 0)
			return TRUE;
	return FALSE;
}

/* X-ARF (the German abuse reporting format) marks its reports with
 * "X-ARF: yes". */
static gboolean
x_arf(const cad_headers *h)
{
	gsize vlen;
	const char *v = cad_header_raw(h, "X-ARF", &vlen);

	while (v != NULL && vlen > 0 && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	return v != NULL && vlen >= 3 && g_ascii_strncasecmp(v, "yes", 3) == 0;
}

/* The text holds a forwarded message's header block: lines starting
 * From: and Subject: and one of To:, Date:, Sent:, Received:,
 * Message-ID:, quoted or not. */
static gboolean
inline_original(const char *text)
{
	static const char *const from[] = {"from:", NULL};
	static const char *const subj[] = {"subject:", NULL};
	static const char *const other[] = {
	    "to:", "date:", "sent:", "received:", "message-id:", NULL};
	gsize n = strnlen(text, MAX_REPORT_TEXT);
	int seen = 0;

	for (const char *p = text; p != NULL && (gsize)(p - text) < n;) {
		const char *e = memchr(p, '\n', n - (gsize)(p - text));
		const char *q = p, *end = e != NULL ? e : text + n;
		while (q < end && (*q == '>' || *q == ' ' || *q == '\t'))
			q++;
		if (line_is_field(q, (gsize)(end - q), from))
			seen |= 1;
		else if (line_is_field(q, (gsize)(end - q), subj))
			seen |= 2;
		else if (line_is_field(q, (gsize)(end - q), other))
			seen |= 4;
		if (seen == 7)
			return TRUE;
		p = e != NULL ? e + 1 : NULL;
	}
	return FALSE;
}

/* The message returns the one complained about: attached (a message or
 * its headers) or pasted into the text. */
static gboolean
returns_original(const cad_complaint_in *in)
{
	for (guint i = 1; i < in->mime->parts->len; i++) {
		const cad_part *p = cad_mime_part(in->mime, i);
		if (p->msg_level == 1 ||
		    (p->msg_level == 0 && p->leaf &&
		     (cad_part_is(p, "message", "rfc822") ||
		      cad_part_is(p, "text", "rfc822-headers") ||
		      cad_part_is(p, "message", "rfc822-headers"))))
			return TRUE;
	}
	return in->text != NULL && inline_original(in->text);
}

/* A delivery report is a bounce whatever its sender is called. */
static gboolean
has_delivery_status(const cad_mime *m)
{
	for (guint i = 0; i < m->parts->len; i++) {
		const cad_part *p = cad_mime_part(m, i);
		if (p->msg_level == 0 &&
		    (cad_part_is(p, "message", "delivery-status") ||
		     cad_part_is(p, "message", "global-delivery-status")))
			return TRUE;
	}
	return FALSE;
}

/* The text's own words, quoted lines left out, say it is a report. */
static gboolean
report_text(const char *text)
{
	gsize n = strnlen(text, MAX_REPORT_TEXT);
	GString *own = g_string_sized_new(n + 1);
	g_autofree char *f = NULL;

	for (const char *p = text; p != NULL && (gsize)(p - text) < n;) {
		const char *e = memchr(p, '\n', n - (gsize)(p - text));
		gsize l =
		    e != NULL ? (gsize)(e - p) + 1 : n - (gsize)(p - text);
		if (*p != '>')
			g_string_append_len(own, p, (gssize)l);
		p = e != NULL ? e + 1 : NULL;
	}
	f = cad_text_fold(own->str, own->len);
	g_string_free(own, TRUE);
	return cad_text_has_any(f, report_words);
}

/* Subject prefixes of an answer; the others ("Fwd:", "WG:", "TR:")
 * forward. */
static const char *const answer_prefixes[] = {"re",  "aw",  "sv",  "vs",
                                              "ref", "rif", "r",   "antw",
                                              "odp", "res", "atb", NULL};

/* The message answers another: In-Reply-To, or a subject that opens
 * with an answer's prefix. */
static gboolean
is_answer(const cad_headers *top, const char *subject)
{
	gsize vlen, n = 0;

	if (cad_header_raw(top, "In-Reply-To", &vlen) != NULL)
		return TRUE;
	if (subject == NULL)
		return FALSE;
	while (*subject == ' ')
		subject++;
	while (g_ascii_isalpha(subject[n]))
		n++;
	if (subject[n] != ':' && subject[n] != '[')
		return FALSE;
	for (gsize i = 0; answer_prefixes[i] != NULL; i++)
		if (strlen(answer_prefixes[i]) == n &&
		    g_ascii_strncasecmp(subject, answer_prefixes[i], n) == 0)
			return TRUE;
	return FALSE;
}

/* Bytes at the start of a text searched for a report's naming of
 * itself: it is the first sentence. */
#define MAX_REPORT_OPENING 512

/* The text opens by calling itself an abuse report. */
static gboolean
names_itself(const char *text)
{
	static const char *const opening[] = {"this is an email abuse report",
	                                      "this is an abuse report", NULL};
	g_autofree char *f =
	    cad_text_fold(text, strnlen(text, MAX_REPORT_OPENING));

	return cad_text_has_any(f, opening);
}

/* The subjects compiled once, on first use. */
static const cad_phrases *
subject_phrases(void)
{
	static cad_phrases *set;
	static const char *const *const lists[] = {report_subjects};

	if (g_once_init_enter(&set))
		g_once_init_leave(&set, cad_phrases_new(lists, 1, TRUE));
	return set;
}

gboolean
cad_complaint_forwarded(const cad_complaint_in *in)
{
	gboolean by_subject, by_sender;

	if (x_arf(in->top))
		return TRUE;
	by_subject = in->subject != NULL &&
	             cad_phrases_scan(subject_phrases(), in->subject,
	                              strlen(in->subject)) != 0;
	/* Hotmail's JMRP writes from staff@hotmail.com. */
	by_sender =
	    local_is(in->from, report_senders) ||
	    (in->from != NULL && strcmp(in->from, "staff@hotmail.com") == 0);
	/* RFC 5965's own wording, which JMRP, AOL and Yahoo use as the
	 * report's first words, names it a report as its subject would. */
	if (!by_subject && !by_sender && in->text != NULL)
		by_subject = names_itself(in->text);
	if (!by_subject && !by_sender)
		return FALSE;
	/* An answer is a person writing back, whatever it says. */
	if (is_answer(in->top, in->subject) || has_delivery_status(in->mime))
		return FALSE;
	if (!by_subject && !(in->text != NULL && report_text(in->text)))
		return FALSE;
	return returns_original(in);
}

/* Cues before an address a report's text gives as the recipient. */
static const char *const rcpt_cues[] = {"original-rcpt-to:",
                                        "removal-recipient:",
                                        "x-hmxmroriginalrecipient:",
                                        "original recipient",
                                        "recipient:",
                                        "complainant:",
                                        "reported by",
                                        "complaint from",
                                        "sent to",
                                        "addressed to",
                                        NULL};

/* The first address after position i of line l (n bytes), if any. */
static char *
address_after(const char *l, gsize n, gsize i)
{
	for (; i < n; i++) {
		gsize from, to;
		char *a;
		if (l[i] != '@')
			continue;
		a = cad_text_address_at(l, n, i, &from, &to);
		if (a != NULL)
			return a;
	}
	return NULL;
}

/* a is one of the two addresses (either may be NULL). */
static gboolean
is_one_of(const char *a, const char *x, const char *y)
{
	return (x != NULL && strcmp(a, x) == 0) ||
	       (y != NULL && strcmp(a, y) == 0);
}

void
cad_complaint_text_rcpts(const char *text, const char *us, const char *reporter,
                         GPtrArray *rcpts)
{
	static const char *const to[] = {"to:", NULL};
	gsize n = strnlen(text, MAX_REPORT_TEXT);
	gboolean in_block = FALSE;
	int k = 0;

	for (const char *p = text; p != NULL && (gsize)(p - text) < n &&
	                           k < MAX_REPORT_LINES && rcpts->len == 0;
	     k++) {
		const char *e = memchr(p, '\n', n - (gsize)(p - text));
		const char *q = p, *end = e != NULL ? e : text + n;
		gsize l;
		g_autofree char *fl = NULL, *a = NULL;
		while (q < end && (*q == '>' || *q == ' ' || *q == '\t'))
			q++;
		l = (gsize)(end - q);
		fl = cad_text_fold(q, l);
		/* The To of a forwarded header block ("From:" first): the
		 * person who got the message, who may be the one who
		 * forwards it. A cue names someone other than the report's
		 * own sender. */
		if (g_str_has_prefix(fl, "from:"))
			in_block = TRUE;
		if (in_block && line_is_field(q, l, to)) {
			a = address_after(q, l, 0);
			if (a != NULL && !is_one_of(a, us, NULL))
				cad_rcpt_add(rcpts, cad_rcpt_new(a));
		} else if (cad_text_has_any(fl, rcpt_cues)) {
			a = address_after(q, l, 0);
			if (a != NULL && !is_one_of(a, us, reporter))
				cad_rcpt_add(rcpts, cad_rcpt_new(a));
		}
		p = e != NULL ? e + 1 : NULL;
	}
}
