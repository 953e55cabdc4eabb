/*
 * classify.c: cad_classify(), the order of the rules. A report's own
 * structure (RFC 5965, RFC 3464) first, then non-standard bounces, then
 * automatic replies, then list mail, then a person's reply; the first rule
 * that holds decides. docs/classifier.md gives the reasons for the order.
 */
#include <string.h>

#include "common/util.h"
#include "mail/gmime_auto.h"
#include "mail/mail_internal.h"

/* Header fields of which a message has at least one among its first
 * few; binary data that happens to start with "x:" has none. */
static const char *const known_fields[] = {"from",
                                           "to",
                                           "subject",
                                           "date",
                                           "message-id",
                                           "received",
                                           "return-path",
                                           "content-type",
                                           "mime-version",
                                           "delivered-to",
                                           "x-original-to",
                                           "sender",
                                           "cc",
                                           "reply-to",
                                           "in-reply-to",
                                           "references",
                                           "auto-submitted",
                                           "x-failed-recipients",
                                           "dkim-signature",
                                           "authentication-results",
                                           "arc-seal",
                                           "x-mailer",
                                           "envelope-to",
                                           "x-sender",
                                           NULL};

/* Header fields looked at to decide whether the input is mail at all. */
#define SNIFF_FIELDS 64

const char *
cad_kind_name(cad_kind k)
{
	switch (k) {
	case CAD_KIND_OTHER:
		return "other";
	case CAD_KIND_HUMAN_REPLY:
		return "human_reply";
	case CAD_KIND_AUTO_REPLY:
		return "auto_reply";
	case CAD_KIND_HARD_BOUNCE:
		return "hard_bounce";
	case CAD_KIND_SOFT_BOUNCE:
		return "soft_bounce";
	case CAD_KIND_FEEDBACK_REPORT:
		return "feedback_report";
	case CAD_KIND_UNSUBSCRIBE:
		return "unsubscribe";
	}
	return "other";
}

/* NULL when data looks like a message, else why it does not. */
static const char *
not_mail(const char *data, gsize len, const cad_headers *top, gsize hlen)
{
	if (len == 0)
		return "empty input";
	if (top->fields->len == 0)
		return "no RFC 5322 header";
	if (memchr(data, '\0', MIN(hlen, (gsize)CAD_MAIL_MAX_HEADER_BYTES)))
		return "NUL bytes in the header";
	for (guint i = 0; i < top->fields->len && i < SNIFF_FIELDS; i++) {
		const cad_hfield *f =
		    &g_array_index(top->fields, cad_hfield, i);
		for (gsize k = 0; known_fields[k] != NULL; k++)
			if (f->nlen == strlen(known_fields[k]) &&
			    g_ascii_strncasecmp(f->name, known_fields[k],
			                        f->nlen) == 0)
				return NULL;
	}
	return "no known header field: not an RFC 5322 message";
}

static void
add_id(cad_classification *c, const char *id)
{
	if (id == NULL || *id == '\0' ||
	    c->message_ids->len >= CAD_MAIL_MAX_IDS)
		return;
	for (guint i = 0; i < c->message_ids->len; i++)
		if (strcmp(g_ptr_array_index(c->message_ids, i), id) == 0)
			return;
	g_ptr_array_add(c->message_ids,
	                cad_printable(id, -1, CAD_ADDRESS_MAX * 2));
}

/* Message-IDs in In-Reply-To or References, parsed by GMime. */
static void
add_refs(cad_classification *c, const cad_headers *h, const char *name)
{
	g_autofree char *v = cad_header_get(h, name, 16384);
	GMimeReferences *refs;

	if (v == NULL)
		return;
	refs = g_mime_references_parse(NULL, v);
	if (refs == NULL)
		return;
	for (int i = 0; i < g_mime_references_length(refs); i++)
		add_id(c, g_mime_references_get_message_id(refs, i));
	g_mime_references_free(refs);
}

static gboolean
is_atext(char c)
{
	return g_ascii_isalnum(c) ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* Length of the dot-atom local@domain at p (ASCII, no IDN), else 0. */
static gsize
plain_addr_spec(const char *p)
{
	const char *q = p;
	gboolean dot = TRUE; /* no leading dot, no two in a row */

	for (; is_atext(*q) || *q == '.'; q++) {
		if (*q == '.' && dot)
			return 0;
		dot = *q == '.';
	}
	if (q == p || dot || *q++ != '@')
		return 0;
	dot = TRUE;
	for (const char *d = q; g_ascii_isalnum(*q) || *q == '-' || *q == '.';
	     q++) {
		if (*q == '.' && dot)
			return 0;
		dot = *q == '.';
		/* Punycode domains are GMime's to decode. */
		if (q == d && g_ascii_strncasecmp(q, "xn--", 4) == 0)
			return 0;
		if (*q == '.' && g_ascii_strncasecmp(q + 1, "xn--", 4) == 0)
			return 0;
	}
	return dot ? 0 : (gsize)(q - p);
}

static char *
normalize_len(const char *a, gsize n)
{
	g_autofree char *t = g_strndup(a, n);

	return cad_address_normalize(t);
}

/* Most mail writes From and To in a plain shape that needs no full
 * RFC 5322 parser; GMime's took a tenth of the classifier's time. */
char *
cad_plain_address(const char *v)
{
	const char *p = v, *a;
	gsize n;

	while (*p == ' ' || *p == '\t')
		p++;
	n = plain_addr_spec(p);
	if (n > 0) {
		a = p;
		for (p += n; *p == ' ' || *p == '\t'; p++)
			;
		return *p == '\0' ? normalize_len(a, n) : NULL;
	}
	if (*p == '"') {
		for (p++; *p != '"'; p++)
			if (*p < 0x20 || *p > 0x7e || *p == '\\')
				return NULL;
		p++;
	} else
		while (is_atext(*p) || *p == '.' || *p == ' ' || *p == '\t')
			p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '<')
		return NULL;
	a = p;
	n = plain_addr_spec(p);
	if (n == 0 || p[n] != '>')
		return NULL;
	for (p += n + 1; *p == ' ' || *p == '\t'; p++)
		;
	return *p == '\0' ? normalize_len(a, n) : NULL;
}

/* The bare address of a From/To header via GMime's address parser. */
static char *
header_address(const cad_headers *h, const char *name)
{
	g_autofree char *v = cad_header_get(h, name, 2048);
	g_autoptr(InternetAddressList) l = NULL;
	char *a = NULL;

	if (v == NULL)
		return NULL;
	a = cad_plain_address(v);
	if (a != NULL)
		return a;
	l = internet_address_list_parse(NULL, v);
	for (int i = 0;
	     l != NULL && a == NULL && i < internet_address_list_length(l);
	     i++) {
		InternetAddress *ia = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia))
			a = cad_address_normalize(
			    internet_address_mailbox_get_addr(
			        INTERNET_ADDRESS_MAILBOX(ia)));
	}
	return a;
}

/* Headers of the returned original: the message inside a
 * message/rfc822 part, or a text/rfc822-headers part (indexed into tmp,
 * which the caller clears). NULL when the message returns none. */
static const cad_headers *
original_headers(const cad_mime *m, cad_headers *tmp)
{
	for (guint i = 1; i < m->parts->len; i++) {
		const cad_part *p = cad_mime_part(m, i);
		gsize body;
		char *text;

		if (p->msg_level == 1 && p->parent >= 0 &&
		    cad_mime_part(m, (guint)p->parent)->msg_level == 0)
			return &p->hdr;
		if (p->msg_level != 0 || !p->leaf ||
		    !(cad_part_is(p, "text", "rfc822-headers") ||
		      cad_part_is(p, "message", "global-headers") ||
		      cad_part_is(p, "message", "rfc822")))
			continue;
		text = cad_part_text(p, FALSE);
		cad_headers_parse(tmp, text, strlen(text), &body);
		tmp->buf = text; /* freed by cad_headers_clear() */
		return tmp;
	}
	return NULL;
}

/* The first report part of kind sub ("delivery-status") at the top, or
 * down to msg_level max (a bounce the postmaster forwarded). */
static int
report_part(const cad_mime *m, const char *sub, const char *sub2, int max)
{
	for (guint i = 0; i < m->parts->len; i++) {
		const cad_part *p = cad_mime_part(m, i);
		if (p->msg_level <= max && p->leaf &&
		    (cad_part_is(p, "message", sub) ||
		     (sub2 != NULL && cad_part_is(p, "message", sub2))))
			return (int)i;
	}
	return -1;
}

/* Copy the summary fields from the first hard recipient, else the
 * first, and set the bounce kind. */
static void
summarize(cad_classification *c)
{
	cad_bounce_rcpt *pick = NULL;

	for (guint i = 0; i < c->recipients->len && pick == NULL; i++) {
		cad_bounce_rcpt *r = g_ptr_array_index(c->recipients, i);
		if (r->hard)
			pick = r;
	}
	if (pick == NULL && c->recipients->len > 0)
		pick = g_ptr_array_index(c->recipients, 0);
	c->kind = pick != NULL && pick->hard ? CAD_KIND_HARD_BOUNCE
	                                     : CAD_KIND_SOFT_BOUNCE;
	if (pick == NULL)
		return;
	c->status = g_strdup(pick->status);
	c->reason = g_strdup(pick->reason);
	c->diagnostic = g_strdup(pick->diagnostic);
}

/* State shared by the rules while one message is classified. */
typedef struct {
	cad_classification *c;
	cad_mime mime;
	const cad_headers *top;
	char *text;     /* first text part, UTF-8, or NULL */
	char *to;       /* bare To address */
	gboolean reply; /* subject has Re:/Fwd: */
	gint64 now;
	gssize notice; /* cad_bounce_notice_len(text); -1 until needed */
	int signs;     /* cad_bounce_headers(); -1 until needed */
} ctx;

/* The header signs of a mail system's message, counted on first use. */
static int
ctx_signs(ctx *x)
{
	cad_bounce_in in = {x->top, x->text,       x->c->from,
	                    x->to,  x->c->subject, 0};

	if (x->signs < 0)
		x->signs = cad_bounce_headers(&in);
	return x->signs;
}

/* The bounce notice's length, computed on first use. */
static gsize
ctx_notice(ctx *x)
{
	if (x->notice < 0)
		x->notice = x->text != NULL
		                ? (gssize)cad_bounce_notice_len(x->text)
		                : 0;
	return (gsize)x->notice;
}

static void
add_original_ids(ctx *x)
{
	cad_headers tmp = {NULL, NULL};
	const cad_headers *oh = original_headers(&x->mime, &tmp);
	g_autofree char *id = NULL;

	if (oh != NULL) {
		g_autofree char *v = cad_header_get(oh, "Message-ID", 1024);
		id = cad_msgid_strip(v);
	}
	if (id == NULL && x->text != NULL)
		id = cad_bounce_quoted_msgid(x->text, ctx_notice(x));
	add_id(x->c, id);
	cad_headers_clear(&tmp);
}

/* The list address a List-Post or List-Id value names
 * ("<mailto:list@host>", "Name <list.host>"), lower case, or NULL. */
static char *
list_address(const char *post, const char *id)
{
	const char *m = post != NULL ? strstr(post, "mailto:") : NULL;
	const char *lt = id != NULL ? strrchr(id, '<') : NULL;
	char *a = NULL;

	if (m != NULL) {
		g_autofree char *v = g_strndup(m + 7, strcspn(m + 7, ">?, "));
		a = cad_address_normalize(v);
	}
	if (a == NULL && lt != NULL) {
		/* RFC 2919: the list-id is the address with '@' made '.';
		 * compared with To after the same change. */
		a = g_ascii_strdown(lt + 1, (gssize)strcspn(lt + 1, ">"));
	}
	return a;
}

/* addr is the list the message was sent through. */
static gboolean
is_list_address(const char *addr, const char *list)
{
	g_autofree char *dotted = NULL;

	if (addr == NULL || list == NULL)
		return FALSE;
	if (strcmp(addr, list) == 0)
		return TRUE;
	dotted = g_strdup(addr);
	*strchr(dotted, '@') = '.';
	return strcmp(dotted, list) == 0;
}

/* The returned original's To, for bounces that name no recipient. A
 * message a mailing list distributed is addressed To the list, not to
 * the member whose delivery failed: then its To names nobody. */
static void
add_original_to(ctx *x)
{
	cad_headers tmp = {NULL, NULL};
	const cad_headers *oh = original_headers(&x->mime, &tmp);
	g_autofree char *a = NULL, *post = NULL, *id = NULL, *list = NULL;

	if (oh != NULL) {
		a = header_address(oh, "To");
		post = cad_header_get(oh, "List-Post", 512);
		id = cad_header_get(oh, "List-Id", 512);
	}
	if (a == NULL && x->text != NULL &&
	    (a = cad_bounce_quoted_to(x->text)) != NULL) {
		gsize n = ctx_notice(x);
		g_free(post);
		g_free(id);
		post = cad_bounce_quoted_value(x->text, n, "list-post:");
		id = cad_bounce_quoted_value(x->text, n, "list-id:");
	}
	list = list_address(post, id);
	if (a != NULL && !is_list_address(a, list))
		cad_rcpt_add(x->c->recipients, cad_rcpt_new(a));
	cad_headers_clear(&tmp);
}

/* The addresses the returned original was for (char *, lower case):
 * the envelope recipients of its Received fields ("for <x>"), and with
 * envelope FALSE its To and Cc too. */
static GPtrArray *
original_rcpts(ctx *x, gboolean envelope)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	cad_headers tmp = {NULL, NULL};
	const cad_headers *oh = original_headers(&x->mime, &tmp);

	for (guint i = 0; oh != NULL && i < oh->fields->len; i++) {
		const cad_hfield *f = &g_array_index(oh->fields, cad_hfield, i);
		cad_bounce_field_rcpts(f->name, f->nlen, f->val, f->vlen,
		                       envelope, out);
	}
	if (oh == NULL && x->text != NULL)
		cad_bounce_text_original_rcpts(x->text, ctx_notice(x), envelope,
		                               out);
	cad_headers_clear(&tmp);
	return out;
}

static gboolean
in_list(GPtrArray *l, const char *a)
{
	for (guint i = 0; i < l->len; i++)
		if (strcmp(g_ptr_array_index(l, i), a) == 0)
			return TRUE;
	return FALSE;
}

/* Names a notice lists without a domain: the original's recipient of
 * that local part, else the name at the mail system's own domain (AOL
 * lists its members' screen names). */
static void
resolve_names(ctx *x, char **names, GPtrArray *orig)
{
	const char *dom = x->c->from != NULL ? strchr(x->c->from, '@') : NULL;
	g_autoptr(GPtrArray) got =
	    g_ptr_array_new_with_free_func(cad_rcpt_free);

	for (guint i = 0; names[i] != NULL; i++) {
		gsize n = strlen(names[i]);
		g_autofree char *a = NULL;
		for (guint k = 0; k < orig->len && a == NULL; k++) {
			const char *o = g_ptr_array_index(orig, k);
			if (strncmp(o, names[i], n) == 0 && o[n] == '@')
				a = g_strdup(o);
		}
		if (a == NULL && dom != NULL)
			a = g_strconcat(names[i], dom, NULL);
		if (a != NULL)
			cad_rcpt_add(got, cad_rcpt_new(a));
	}
	if (got->len == 0)
		return;
	g_ptr_array_set_size(x->c->recipients, 0);
	for (guint i = 0; i < got->len; i++)
		cad_rcpt_add(x->c->recipients,
		             g_ptr_array_steal_index(got, i--));
}

/* Which of the addresses a text bounce names failed. A list of bare
 * names under a heading is the list of failures (the addresses around
 * it are help text); of several addresses, those the returned original
 * was delivered for (its envelope recipient) are the failures, the rest
 * are directory hints, examples, other people. Not its To: Bcc and
 * alias recipients are not there. */
static void
pick_named(ctx *x)
{
	g_auto(GStrv) names = cad_bounce_listed_names(x->text, ctx_notice(x));
	g_autoptr(GPtrArray) orig = NULL;
	GPtrArray *r = x->c->recipients;
	gboolean any = FALSE;

	if (names == NULL && r->len < 2)
		return;
	orig = original_rcpts(x, names == NULL);
	if (names != NULL) {
		resolve_names(x, names, orig);
		return;
	}
	for (guint i = 0; i < r->len && !any; i++)
		any = in_list(
		    orig,
		    ((cad_bounce_rcpt *)g_ptr_array_index(r, i))->address);
	for (guint i = r->len; any && i > 0; i--)
		if (!in_list(orig,
		             ((cad_bounce_rcpt *)g_ptr_array_index(r, i - 1))
		                 ->address))
			g_ptr_array_remove_index(r, i - 1);
}

/* Hotmail's Junk Mail Reporting Program names the complainer in the
 * returned message's X-HmXmrOriginalRecipient (or its own). */
static void
add_hotmail_rcpt(ctx *x)
{
	cad_headers tmp = {NULL, NULL};
	const cad_headers *oh = original_headers(&x->mime, &tmp);
	g_autofree char *v =
	    oh != NULL ? cad_header_get(oh, "X-HmXmrOriginalRecipient", 512)
	               : NULL;
	g_autofree char *a = NULL;

	if (v == NULL)
		v = cad_header_get(x->top, "X-HmXmrOriginalRecipient", 512);
	a = v != NULL ? cad_address_normalize(v) : NULL;
	if (a != NULL)
		cad_rcpt_add(x->c->recipients, cad_rcpt_new(a));
	cad_headers_clear(&tmp);
}

/* The complained-about recipients when the report's fields name none:
 * Hotmail's header, the returned original's To, then an address the
 * report's text parts give (the original pasted as text). */
static void
complaint_rcpts(ctx *x)
{
	if (x->c->recipients->len == 0)
		add_hotmail_rcpt(x);
	if (x->c->recipients->len == 0)
		add_original_to(x);
	for (guint i = 0; x->c->recipients->len == 0 && i < x->mime.parts->len;
	     i++) {
		const cad_part *p = cad_mime_part(&x->mime, i);
		g_autofree char *t = NULL;
		if (p->msg_level != 0 || !p->leaf ||
		    !cad_part_is(p, "text", "plain"))
			continue;
		t = cad_part_text(p, FALSE);
		cad_complaint_text_rcpts(t, x->to, x->c->from,
		                         x->c->recipients);
	}
}

/* A report forwarded as an attachment (an abuse desk passing on a
 * feedback loop's report): its own fields, else the To of the message
 * it returns, one level further down. */
static void
forwarded_report_rcpts(ctx *x)
{
	int j = report_part(&x->mime, "feedback-report", NULL, 1);
	g_autofree char *type = NULL;

	if (j >= 0) {
		g_autofree char *t =
		    cad_part_text(cad_mime_part(&x->mime, (guint)j), FALSE);
		cad_arf_parse(t, x->c->recipients, &type);
	}
	for (guint k = 1;
	     x->c->recipients->len == 0 && j >= 0 && k < x->mime.parts->len;
	     k++) {
		const cad_part *p = cad_mime_part(&x->mime, k);
		g_autofree char *a = NULL;
		if (p->msg_level != 2 ||
		    cad_mime_part(&x->mime, (guint)p->parent)->msg_level != 1)
			continue;
		a = header_address(&p->hdr, "To");
		if (a != NULL)
			cad_rcpt_add(x->c->recipients, cad_rcpt_new(a));
		break;
	}
}

/* A complaint: an RFC 5965 report (by its report-type, a
 * message/feedback-report part, or report fields typed as text), or an
 * abuse report in another shape (complaint.c). Every one suppresses. */
static gboolean
rule_feedback(ctx *x)
{
	const cad_part *root = cad_mime_part(&x->mime, 0);
	cad_complaint_in in = {&x->mime, x->top, x->text, x->c->subject,
	                       x->c->from};
	int i = cad_complaint_arf_part(&x->mime);
	g_autofree char *type = NULL, *t = NULL;
	gboolean text_fields =
	    i < 0 && x->text != NULL && !x->reply &&
	    cad_complaint_arf_fields(x->text, strlen(x->text));

	if (i < 0 && !text_fields &&
	    strcmp(root->report_type, "feedback-report") != 0 &&
	    !cad_complaint_forwarded(&in))
		return FALSE;
	if (i >= 0) {
		t = cad_part_text(cad_mime_part(&x->mime, (guint)i), FALSE);
		cad_arf_parse(t, x->c->recipients, &type);
	} else if (text_fields)
		cad_arf_parse(x->text, x->c->recipients, &type);
	else
		forwarded_report_rcpts(x);
	complaint_rcpts(x);
	for (guint k = 0; k < x->c->recipients->len; k++) {
		cad_bounce_rcpt *r = g_ptr_array_index(x->c->recipients, k);
		if (r->reason == NULL)
			r->reason = g_strdup("feedback");
	}
	x->c->kind = CAD_KIND_FEEDBACK_REPORT;
	x->c->reason = g_strdup("feedback");
	add_original_ids(x);
	return TRUE;
}

/* Amazon SES's notifications, mailed by SNS as JSON: a complaint, a
 * bounce with SES's own list of recipients, or a delivery (other). */
static gboolean
rule_ses(ctx *x)
{
	cad_ses_kind k = x->text != NULL
	                     ? cad_ses_parse(x->text, x->c->recipients)
	                     : CAD_SES_NONE;

	switch (k) {
	case CAD_SES_NONE:
		return FALSE;
	case CAD_SES_DELIVERY:
		return TRUE;
	case CAD_SES_COMPLAINT:
		for (guint i = 0; i < x->c->recipients->len; i++) {
			cad_bounce_rcpt *r =
			    g_ptr_array_index(x->c->recipients, i);
			r->reason = g_strdup("feedback");
		}
		x->c->kind = CAD_KIND_FEEDBACK_REPORT;
		x->c->reason = g_strdup("feedback");
		return TRUE;
	case CAD_SES_BOUNCE:
		summarize(x->c);
		return TRUE;
	}
	return FALSE;
}

static gboolean
rule_challenge(ctx *x)
{
	const cad_part *root = cad_mime_part(&x->mime, 0);

	/* A report, or mail from a challenge service, may be one. */
	if (!cad_part_is(root, "multipart", "report")) {
		g_autofree char *from = cad_header_get(x->top, "From", 512);
		g_autofree char *ff =
		    from != NULL ? cad_text_fold(from, strlen(from)) : NULL;
		if (!(ff != NULL && (strstr(ff, "boxbe") != NULL ||
		                     strstr(ff, "bluebottle") != NULL ||
		                     strstr(ff, "spamarrest") != NULL)))
			return FALSE;
	}
	if (!cad_autoreply_challenge(x->top, x->text))
		return FALSE;
	x->c->kind = CAD_KIND_AUTO_REPLY;
	x->c->reason = g_strdup("challenge-response");
	return TRUE;
}

static void
decide_all(ctx *x, const char *text)
{
	cad_reason_ctx context;

	if (x->c->recipients->len == 0)
		return;
	cad_reason_context_init(&context, text);
	for (guint k = 0; k < x->c->recipients->len; k++)
		cad_reason_decide(g_ptr_array_index(x->c->recipients, k),
		                  &context, 0);
}

static gboolean
rule_dsn(ctx *x)
{
	int i = report_part(&x->mime, "delivery-status",
	                    "global-delivery-status", 0);
	g_autofree char *t = NULL;
	int failed, delayed, other;

	if (i < 0 && !x->reply && ctx_signs(x) > 0)
		i = report_part(&x->mime, "delivery-status",
		                "global-delivery-status", 1);
	if (i < 0)
		return FALSE;
	t = cad_part_text(cad_mime_part(&x->mime, (guint)i), FALSE);
	cad_dsn_parse(t, x->c->recipients, &failed, &delayed, &other);
	if (failed + delayed == 0) {
		/* Delivered, relayed or expanded only: a success notice. */
		if (other > 0)
			return TRUE;
		return FALSE;
	}
	/* Recipients the report gives no diagnostic have their own lines
	 * in the notice (OpenSMTPD, Sendmail's "reason:" lines); a single
	 * recipient is judged by the whole notice. */
	for (guint k = 0; x->text != NULL && x->c->recipients->len > 1 &&
	                  k < x->c->recipients->len;
	     k++) {
		cad_bounce_rcpt *r = g_ptr_array_index(x->c->recipients, k);
		if (r->diagnostic == NULL)
			cad_bounce_notice_diag(x->text, ctx_notice(x), r);
	}
	decide_all(x, x->text);
	summarize(x->c);
	add_original_ids(x);
	return TRUE;
}

static gboolean
rule_text_bounce(ctx *x, gboolean report)
{
	cad_bounce_in in = {x->top, x->text,       x->c->from,
	                    x->to,  x->c->subject, ctx_notice(x)};
	int he = ctx_signs(x) + (report ? 2 : 0);
	g_autofree char *xf = NULL;

	if (!cad_bounce_text(&in, x->c->recipients, he, x->reply))
		return FALSE;
	if (!cad_bounce_inline_dsn(x->text, x->c->recipients))
		pick_named(x);
	xf = cad_header_get(x->top, "X-Failed-Recipients", 4096);
	if (x->c->recipients->len == 0 && xf != NULL) {
		g_auto(GStrv) v = g_strsplit(xf, ",", CAD_MAIL_MAX_RCPTS);
		for (guint k = 0; v[k] != NULL; k++) {
			g_autofree char *a =
			    cad_address_normalize(g_strstrip(v[k]));
			if (a != NULL)
				cad_rcpt_add(x->c->recipients, cad_rcpt_new(a));
		}
	}
	if (x->c->recipients->len == 0)
		add_original_to(x);
	/* One recipient: a failure code anywhere in the notice is its
	 * own. */
	if (x->c->recipients->len == 1) {
		cad_bounce_rcpt *r = g_ptr_array_index(x->c->recipients, 0);
		char st[16];
		if (r->status == NULL &&
		    !(r->diagnostic != NULL &&
		      cad_text_status(r->diagnostic, st)) &&
		    cad_text_failure_status(x->text, st))
			r->status = g_strdup(st);
	}
	decide_all(x, x->text);
	if (x->c->recipients->len == 0) {
		/* A bounce that names nobody: judge it by its text. */
		cad_bounce_rcpt r = {NULL, NULL, NULL, NULL, FALSE};
		r.diagnostic =
		    cad_text_clean(x->text, strlen(x->text), CAD_MAIL_MAX_DIAG);
		cad_reason_decide(&r, NULL, 0);
		x->c->kind =
		    r.hard ? CAD_KIND_HARD_BOUNCE : CAD_KIND_SOFT_BOUNCE;
		x->c->status = r.status;
		x->c->reason = r.reason;
		g_free(r.diagnostic);
	} else
		summarize(x->c);
	add_original_ids(x);
	return TRUE;
}

/* A list manager refusing our post: the list address is a recipient
 * that refused the message (soft: a policy, not a dead address). */
static gboolean
rule_list_refusal(ctx *x)
{
	cad_bounce_in in = {x->top, x->text,       x->c->from,
	                    x->to,  x->c->subject, ctx_notice(x)};

	if (x->reply || !cad_bounce_list_refusal(&in, x->c->recipients))
		return FALSE;
	if (x->c->recipients->len == 0)
		add_original_to(x);
	decide_all(x, x->text);
	for (guint k = 0; k < x->c->recipients->len; k++) {
		cad_bounce_rcpt *r = g_ptr_array_index(x->c->recipients, k);
		if (!r->hard) {
			g_free(r->reason);
			r->reason = g_strdup("rejected");
		}
	}
	summarize(x->c);
	add_original_ids(x);
	return TRUE;
}

static gboolean
rule_autoreply(ctx *x)
{
	g_autofree char *both = NULL;

	if (!cad_autoreply_headers(x->top, x->c->subject))
		return FALSE;
	x->c->kind = CAD_KIND_AUTO_REPLY;
	x->c->reason = g_strdup("vacation");
	both = g_strconcat(x->c->subject != NULL ? x->c->subject : "", "\n",
	                   x->text != NULL ? x->text : "", NULL);
	x->c->return_date = cad_return_date(both, x->now);
	return TRUE;
}

static void
rule_person(ctx *x)
{
	gsize vlen;
	gboolean answers =
	    x->reply || cad_header_raw(x->top, "In-Reply-To", &vlen) != NULL ||
	    cad_header_raw(x->top, "References", &vlen) != NULL;

	if (cad_list_mail(x->top) || x->c->from == NULL)
		return;
	if (answers && cad_reply_unsubscribe(x->c->reply_text, x->c->subject)) {
		x->c->kind = CAD_KIND_UNSUBSCRIBE;
		return;
	}
	if (answers) {
		x->c->kind = CAD_KIND_HUMAN_REPLY;
		return;
	}
	/* A new message asking to be left alone: the unsubscribe mailto of
	 * List-Unsubscribe, or a short note. */
	if (cad_reply_unsubscribe(NULL, x->c->subject) ||
	    (x->c->reply_text != NULL && strlen(x->c->reply_text) < 200 &&
	     cad_reply_unsubscribe(x->c->reply_text, NULL)))
		x->c->kind = CAD_KIND_UNSUBSCRIBE;
}

static void
run_rules(ctx *x)
{
	const cad_part *root = cad_mime_part(&x->mime, 0);
	gboolean report = cad_part_is(root, "multipart", "report");

	if (rule_feedback(x) || rule_ses(x) || rule_challenge(x) || rule_dsn(x))
		return;
	/* A read receipt (RFC 8098) is neither a bounce nor a reply. */
	if (report &&
	    strcmp(root->report_type, "disposition-notification") == 0)
		return;
	if (rule_text_bounce(x, report))
		return;
	g_ptr_array_set_size(x->c->recipients, 0);
	if (rule_list_refusal(x))
		return;
	g_ptr_array_set_size(x->c->recipients, 0);
	if (x->text != NULL)
		x->c->reply_text = cad_reply_extract(x->text);
	if (rule_autoreply(x))
		return;
	rule_person(x);
}

cad_classification *
cad_classify(const char *data, gsize len, gint64 now)
{
	cad_classification *c = g_new0(cad_classification, 1);
	ctx x;
	const char *why;
	int ti;

	c->kind = CAD_KIND_OTHER;
	c->recipients = g_ptr_array_new_with_free_func(cad_rcpt_free);
	c->message_ids = g_ptr_array_new_with_free_func(g_free);
	if (data == NULL)
		len = 0;
	if (len > CAD_MAIL_MAX_BYTES)
		len = CAD_MAIL_MAX_BYTES;
	memset(&x, 0, sizeof(x));
	x.notice = -1;
	x.signs = -1;
	x.c = c;
	x.now = now;
	cad_mime_walk(&x.mime, data != NULL ? data : "", len);
	x.top = &cad_mime_part(&x.mime, 0)->hdr;
	why = not_mail(data, len, x.top,
	               cad_mime_part(&x.mime, 0)->body -
	                   (data != NULL ? data : ""));
	if (why != NULL) {
		c->warning = g_strdup(why);
		cad_mime_clear(&x.mime);
		return c;
	}
	c->from = header_address(x.top, "From");
	x.to = header_address(x.top, "To");
	c->subject = cad_header_decoded(x.top, "Subject");
	cad_subject_strip(c->subject, &x.reply);
	add_refs(c, x.top, "In-Reply-To");
	add_refs(c, x.top, "References");
	ti = cad_mime_first_text(&x.mime);
	if (ti >= 0)
		x.text = cad_part_text(cad_mime_part(&x.mime, (guint)ti), TRUE);
	run_rules(&x);
	g_free(x.text);
	g_free(x.to);
	cad_mime_clear(&x.mime);
	return c;
}

void
cad_classification_free(cad_classification *c)
{
	if (c == NULL)
		return;
	g_ptr_array_unref(c->recipients);
	g_ptr_array_unref(c->message_ids);
	g_free(c->status);
	g_free(c->reason);
	g_free(c->diagnostic);
	g_free(c->return_date);
	g_free(c->from);
	g_free(c->subject);
	g_free(c->reply_text);
	g_free(c->warning);
	g_free(c);
}
