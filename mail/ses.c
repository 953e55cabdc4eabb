/*
 * ses.c: Amazon SES notifications, which SNS mails as a JSON document
 * ("notificationType": "Bounce", "Complaint" or "Delivery") with the
 * recipients SES lists: bouncedRecipients (address, status, action,
 * diagnosticCode) or complainedRecipients. A small bounded reader of
 * JSON strings, objects and arrays is enough; the document may come
 * escaped inside an SNS envelope's "Message" string.
 */
#include <string.h>

#include "common/util.h"
#include "mail/mail_internal.h"

/* Bytes of a text part searched for the notification's type: it is
 * the document's first member, or the envelope's "Message". */
#define MAX_SES_SNIFF   2048
/* Nesting of JSON values skipped over; SES documents are 5 deep. */
#define MAX_JSON_DEPTH  32
/* Bytes of one JSON string kept (a diagnostic, an address). */
#define MAX_JSON_STRING CAD_MAIL_MAX_DIAG

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* The four hex digits at p as a code point, or -1. */
static int
hex4(const char *p, const char *end)
{
	int v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int d = g_ascii_xdigit_value(p[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Read the string at p (at its opening quote) into out (when not NULL,
 * at most MAX_JSON_STRING bytes); return the byte after its closing
 * quote, or end when it has none. */
static const char *
json_string(const char *p, const char *end, GString *out)
{
	for (p++; p < end && *p != '"'; p++) {
		char c = *p;
		if (c == '\\' && p + 1 < end) {
			int u;
			c = *++p;
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'u' && (u = hex4(p + 1, end)) >= 0) {
				p += 4;
				/* Surrogates are no scalar value. */
				if (u >= 0xd800 && u <= 0xdfff)
					u = 0xfffd;
				if (out != NULL && out->len < MAX_JSON_STRING)
					g_string_append_unichar(out,
					                        (gunichar)u);
				continue;
			}
		}
		if (out != NULL && out->len < MAX_JSON_STRING)
			g_string_append_c(out, c);
	}
	return p < end ? p + 1 : end;
}

/* The byte after the value at p: a string, an object or array (within
 * MAX_JSON_DEPTH), or a literal. */
static const char *
json_skip(const char *p, const char *end)
{
	int depth = 0;

	p = skip_ws(p, end);
	do {
		if (p >= end)
			return end;
		if (*p == '"') {
			p = json_string(p, end, NULL);
			continue;
		}
		if (*p == '{' || *p == '[') {
			if (++depth > MAX_JSON_DEPTH)
				return end;
		} else if (*p == '}' || *p == ']')
			depth--;
		else if (depth == 0) {
			/* A literal: up to the next delimiter. */
			while (p < end && !strchr(",}] \t\r\n", *p))
				p++;
			return p;
		}
		p++;
	} while (depth > 0);
	return p;
}

/* The value of member key in the object [p, end): a pointer to it, or
 * NULL. Members are walked in order; nested ones are skipped. */
static const char *
json_member(const char *p, const char *end, const char *key)
{
	gsize kl = strlen(key);

	p = skip_ws(p, end);
	if (p < end && *p == '{')
		p++;
	while ((p = skip_ws(p, end)) < end && *p == '"') {
		const char *k = p + 1, *v;
		p = json_string(p, end, NULL);
		v = skip_ws(p, end);
		if (v >= end || *v != ':')
			return NULL;
		v = skip_ws(v + 1, end);
		if ((gsize)(p - k) == kl + 1 && memcmp(k, key, kl) == 0)
			return v;
		p = skip_ws(json_skip(v, end), end);
		if (p < end && *p == ',')
			p++;
	}
	return NULL;
}

/* The string member key of the object at p, or NULL. Caller frees. */
static char *
json_member_string(const char *p, const char *end, const char *key)
{
	const char *v = json_member(p, end, key);
	GString *s;

	if (v == NULL || *v != '"')
		return NULL;
	s = g_string_new(NULL);
	json_string(v, end, s);
	return g_string_free(s, FALSE);
}

/* One level of JSON string escapes undone: the document an SNS
 * envelope carries in its "Message" string. */
static char *
unescape_message(const char *text, gsize len)
{
	const char *end = text + len;
	const char *m = json_member(text, end, "Message");
	GString *s;

	if (m == NULL || *m != '"')
		return NULL;
	s = g_string_sized_new(len);
	for (m++; m < end && *m != '"'; m++) {
		if (*m == '\\' && m + 1 < end) {
			m++;
			g_string_append_c(s, *m == 'n' ? '\n' : *m);
		} else
			g_string_append_c(s, *m);
	}
	return g_string_free(s, FALSE);
}

/* SES's bounce sub-types that say what failed when no diagnostic
 * does. "Suppressed": SES refuses the address because it bounced as
 * invalid before. */
static const char *
subtype_reason(const char *sub)
{
	static const struct {
		const char *sub, *reason;
	} map[] = {{"NoEmail", "userunknown"},
	           {"Suppressed", "suppressed"},
	           {"OnAccountSuppressionList", "suppressed"},
	           {"MailboxFull", "mailboxfull"},
	           {"MessageTooLarge", "mesgtoobig"},
	           {"ContentRejected", "contenterror"},
	           {"AttachmentRejected", "contenterror"}};

	for (gsize i = 0; sub != NULL && i < G_N_ELEMENTS(map); i++)
		if (strcmp(sub, map[i].sub) == 0)
			return map[i].reason;
	return NULL;
}

/* One bounced recipient object at [p, end). */
static void
bounced(const char *p, const char *end, const char *sub, GPtrArray *rcpts)
{
	g_autofree char *addr = json_member_string(p, end, "emailAddress");
	g_autofree char *a = addr != NULL ? cad_address_normalize(addr) : NULL;
	g_autofree char *st = json_member_string(p, end, "status");
	g_autofree char *diag = json_member_string(p, end, "diagnosticCode");
	cad_bounce_rcpt *r;
	const char *why = subtype_reason(sub);
	char code[16];

	if (a == NULL)
		return;
	r = cad_rcpt_new(a);
	if (diag != NULL) {
		const char *d =
		    strncmp(diag, "smtp;", 5) == 0 ? diag + 5 : diag;
		r->diagnostic = cad_text_clean(d, strlen(d), CAD_MAIL_MAX_DIAG);
	}
	if (st != NULL && cad_text_status(st, code))
		r->status = g_strdup(code);
	cad_reason_decide(r, NULL, 0);
	/* The sub-type says more than a diagnostic nobody could read. */
	if (why != NULL && (strcmp(r->reason, "onhold") == 0 ||
	                    strcmp(r->reason, "undefined") == 0)) {
		g_free(r->reason);
		r->reason = g_strdup(why);
		r->hard = cad_failure_is_hard(why, r->status, r->diagnostic);
	}
	cad_rcpt_add(rcpts, r);
}

/* Each object of the array at p: bounced recipients, or the addresses
 * of complained-about ones. */
static void
recipients(const char *p, const char *end, gboolean bounce, const char *sub,
           GPtrArray *rcpts)
{
	if (p == NULL || *p != '[')
		return;
	for (p = skip_ws(p + 1, end);
	     p < end && *p == '{' && rcpts->len < CAD_MAIL_MAX_RCPTS;) {
		const char *e = json_skip(p, end);
		if (bounce)
			bounced(p, e, sub, rcpts);
		else {
			g_autofree char *v =
			    json_member_string(p, e, "emailAddress");
			g_autofree char *a =
			    v != NULL ? cad_address_normalize(v) : NULL;
			if (a != NULL)
				cad_rcpt_add(rcpts, cad_rcpt_new(a));
		}
		p = skip_ws(e, end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
	}
}

cad_ses_kind
cad_ses_parse(const char *text, GPtrArray *rcpts)
{
	const char *p = text, *end;
	g_autofree char *doc = NULL, *type = NULL, *sub = NULL;
	const char *obj;
	gsize len;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p != '{' || memmem(p, strnlen(p, MAX_SES_SNIFF),
	                        "notificationType", 16) == NULL)
		return CAD_SES_NONE;
	len = strlen(p);
	end = p + len;
	type = json_member_string(p, end, "notificationType");
	if (type == NULL && (doc = unescape_message(p, len)) != NULL) {
		p = doc;
		end = doc + strlen(doc);
		type = json_member_string(p, end, "notificationType");
	}
	if (type == NULL)
		return CAD_SES_NONE;
	if (strcmp(type, "Delivery") == 0)
		return CAD_SES_DELIVERY;
	if (strcmp(type, "Complaint") == 0) {
		obj = json_member(p, end, "complaint");
		if (obj != NULL)
			recipients(
			    json_member(obj, end, "complainedRecipients"), end,
			    FALSE, NULL, rcpts);
		return CAD_SES_COMPLAINT;
	}
	if (strcmp(type, "Bounce") != 0)
		return CAD_SES_NONE;
	obj = json_member(p, end, "bounce");
	if (obj != NULL) {
		sub = json_member_string(obj, end, "bounceSubType");
		recipients(json_member(obj, end, "bouncedRecipients"), end,
		           TRUE, sub, rcpts);
	}
	return CAD_SES_BOUNCE;
}
