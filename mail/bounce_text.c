/*
 * bounce_text.c: bounces that are not RFC 3464 reports: the plain-text
 * notices of qmail, Exim, Postfix, Sendmail, Courier, Exchange, Gmail,
 * Yahoo and the rest. Evidence comes from the sender and subject and from
 * phrases these MTAs print; recipients and diagnostics are read from the
 * notice above the returned original, never from quoted lines.
 */
#include <string.h>

#include "common/util.h"
#include "mail/mail_internal.h"

/* Lines of a notice read for recipients and diagnostics. */
#define MAX_NOTICE_LINES 400
/* Bytes of a bounce's text that can be its notice; the returned
 * original after it is not read for recipients. */
#define MAX_NOTICE_BYTES (16 * 1024)
/* Lines after a recipient's first mention taken as its diagnostic. */
#define MAX_DIAG_LINES   8

/* Senders that are mail systems (From, display name or address). */
static const char *const daemon_from[] = {"mailer-daemon",
                                          "mailer_daemon",
                                          "mailerdaemon",
                                          "postmaster",
                                          "mail delivery",
                                          "mail administrator",
                                          "mdaemon",
                                          "mail system",
                                          "mailsystem",
                                          "delivery subsystem",
                                          "mail.daemon",
                                          "mail-daemon",
                                          "maildaemon",
                                          "post_master",
                                          "<>",
                                          "returned mail",
                                          "smtp gateway",
                                          "internet mail delivery",
                                          "mail router",
                                          "system administrator",
                                          "mailadmin",
                                          "mail transport",
                                          NULL};

/* Subjects of non-delivery notices (after Re:/Fwd: are ruled out). */
static const char *const bounce_subjects[] = {"undeliver",
                                              "undelivered",
                                              "delivery status notification",
                                              "delivery notification",
                                              "failure notice",
                                              "returned mail",
                                              "return mail",
                                              "mail delivery fail",
                                              "delivery failure",
                                              "delivery failed",
                                              "could not be delivered",
                                              "not delivered",
                                              "nondeliverable",
                                              "non-deliverable",
                                              "non delivery",
                                              "non-delivery",
                                              "mail system error",
                                              "delivery problem",
                                              "permanent delivery failure",
                                              "could not send",
                                              "returned to sender",
                                              "failed delivery",
                                              "mail failure",
                                              "delivery error",
                                              "bounced",
                                              "[bounce]",
                                              "échec de la remise",
                                              "echec de la remise",
                                              "non distribuable",
                                              "unzustellbar",
                                              "nicht zustellbar",
                                              "non remis",
                                              "non recapitabile",
                                              "no se puede entregar",
                                              "onbestelbaar",
                                              "não entregue",
                                              "nao entregue",
                                              "returning message",
                                              "delivery delayed",
                                              "delayed mail",
                                              "warning: message",
                                              "unable to deliver",
                                              "message status",
                                              "delivery report",
                                              "mail delivery",
                                              "unzustellbare",
                                              "unsent message",
                                              "message not sent",
                                              "undeliverable",
                                              "delivery has failed",
                                              "failed mail",
                                              "error sending",
                                              "error delivering",
                                              "rejected mail",
                                              "mail rejected",
                                              "message rejected",
                                              "email rejected",
                                              "不達",
                                              "未送達",
                                              "配信",
                                              "退信",
                                              "系统退信",
                                              "邮件退回",
                                              NULL};

/* Phrases only a mail system's notice uses: alone they make a bounce. */
static const char *const strong_markers[] = {
    "this is the qmail-send program", "i'm afraid i wasn't able to deliver",
    "this message was created automatically by mail delivery software",
    "the following address(es) failed", "this is the mail system at host",
    "this is the mail delivery agent at", "this is the dragonfly mail agent",
    "there was an error delivering your mail",
    "the following addresses had permanent fatal errors",
    "the following addresses had transient non-fatal errors",
    "transcript of session follows",
    "delivery to the following recipient failed permanently",
    "delivery to the following recipients failed",
    "delivery to the following recipient has been delayed",
    "delivery has failed to these recipients or groups",
    "your message did not reach some or all of the intended recipients",
    "your message couldn't be delivered", "your message wasn't delivered",
    "your message could not be delivered",
    "sorry, we were unable to deliver your message",
    "message could not be delivered to the following recipients",
    "could not be delivered to one or more recipients",
    "could not be delivered to the following recipients",
    "the following recipients did not receive",
    "the following recipient(s) could not be reached",
    "the following message to <", "your mail message to the following",
    "unable to deliver message to the following",
    "unable to deliver your message", "message delivery has failed",
    "your message has encountered delivery problems",
    "this is a permanent error", "permanent fatal errors",
    "delivery status notification", "undelivered mail returned to sender",
    "smtp error from remote mail server", "host or domain name not found",
    "said: 550", "said: 554", "said: 553", "said: 552", "said: 450",
    "said: 451", "said: 452", "said: 421", "remote host said",
    "message was not delivered", "was not delivered to", "delivery failed",
    "failed permanently", "permanent failure",
    "the attached message had permanent fatal delivery errors",
    "did not reach the following recipient", "could not deliver mail to",
    "could not deliver the message", "unable to deliver to",
    "delivery to the following", "the error that the other server returned was",
    "has not been delivered", "was undeliverable", "message delivery failure",
    "the original message was received at", "the mail system",
    "mail delivery failed", "undeliverable message",
    "your message was not delivered", "could not be delivered",
    "mail was not delivered", "delivery attempts will continue",
    "this is a warning message only", "has been delayed",
    "have not yet been delivered", "still undelivered",
    "nachricht konnte nicht zugestellt werden", "nicht zugestellt",
    "non è stato possibile consegnare", "no se ha podido entregar",
    "n'a pas pu être remis", "n'a pas pu etre remis",
    "n'a pas pu être distribué", "n'a pas pu etre distribue",
    /* Apache James's notices */
    "this is the james mail server", "error message below:",
    /* Sun/Oracle Messaging Server's */
    "this report relates to a message you sent",
    "your message cannot be delivered to the following recipients",
    "n'a pu être délivré", "non recapitato", "não foi possível entregar",
    "kon niet worden bezorgd", "下記のメールアドレス", "送信できませんでした",
    "届きませんでした", NULL};

/* Where the returned original starts: the notice ends there. */
static const char *const original_markers[] = {
    "original message follows",
    "below this line is a copy of the message",
    "this is a copy of the message",
    "message headers follow",
    "the following is a copy",
    "original message headers",
    "----- original message",
    "--- original message",
    "unsent message below",
    "copy of the original message",
    "returned message",
    "text of the original message",
    "original message header",
    "headers of the original message",
    "------ this is a copy",
    "--- mensaje original",
    "original-nachricht",
    "message d'origine",
    "messaggio originale",
    NULL};

/* Local parts of role addresses: the failed recipient only when the
 * notice names no other address (a mail to postmaster@ can bounce). */
static const char *const role_locals[] = {"mailer-daemon",
                                          "postmaster",
                                          "mailer_daemon",
                                          "mailerdaemon",
                                          "double-bounce",
                                          "abuse",
                                          NULL};

/* Help desks a notice tells the sender to contact: never the failed
 * recipient. */
static const char *const helpdesk_locals[] = {
    "support",  "help",      "helpdesk",   "noreply",
    "no-reply", "webmaster", "hostmaster", NULL};

int
cad_bounce_headers(const cad_bounce_in *in)
{
	g_autofree char *from = cad_header_get(in->top, "From", 512);
	g_autofree char *ff = NULL, *fs = NULL;
	gsize vlen;
	gboolean reply = FALSE;
	const char *subj;
	int level = 0;

	if (cad_header_raw(in->top, "X-Failed-Recipients", &vlen) != NULL)
		level += 2;
	if (from != NULL) {
		ff = cad_text_fold(from, strlen(from));
		if (cad_text_has_any(ff, daemon_from))
			level++;
	}
	subj = cad_subject_strip(in->subject, &reply);
	if (subj != NULL && !reply) {
		fs = cad_text_fold(subj, strlen(subj));
		if (cad_text_has_any(fs, bounce_subjects))
			level++;
	}
	return level;
}

/* The markers compiled once, on first use. */
static const cad_phrases *
marker_phrases(void)
{
	static cad_phrases *set;
	static const char *const *const lists[] = {original_markers};

	if (g_once_init_enter(&set))
		g_once_init_leave(&set, cad_phrases_new(lists, 1, FALSE));
	return set;
}

/* Length of the notice: text before the returned original. */
gsize
cad_bounce_notice_len(const char *text)
{
	const gsize cap = strnlen(text, MAX_NOTICE_BYTES);
	gsize best = cap;
	/* The marker that ends first starts on the first marked line:
	 * markers have no line breaks, so one that starts earlier on
	 * another line would end earlier too. */
	gssize end = cad_phrases_first(marker_phrases(), text, cap);

	if (end >= 0) {
		const char *hit = text + end;
		while (hit > text && hit[-1] != '\n')
			hit--;
		best = (gsize)(hit - text);
	}
	/* Quoted headers of the original ("Received:", "Return-Path:") at
	 * the start of a line also end the notice. */
	for (const char *p = text; (gsize)(p - text) < best;) {
		gsize left = cap - (gsize)(p - text);
		if (p > text &&
		    ((left >= 10 &&
		      g_ascii_strncasecmp(p, "received: ", 10) == 0) ||
		     (left >= 13 &&
		      g_ascii_strncasecmp(p, "return-path: ", 13) == 0)))
			return (gsize)(p - text);
		p = memchr(p, '\n', left);
		if (p == NULL)
			break;
		p++;
	}
	return best;
}

static gboolean
local_in(const char *addr, const char *const *locals)
{
	const char *at = strchr(addr, '@');

	for (gsize i = 0; at != NULL && locals[i] != NULL; i++)
		if ((gsize)(at - addr) == strlen(locals[i]) &&
		    strncmp(addr, locals[i], at - addr) == 0)
			return TRUE;
	return FALSE;
}

static gboolean
is_role(const char *addr)
{
	return local_in(addr, role_locals);
}

/* s[0, n) ends with the lower-case word w, in any case. */
static gboolean
ends_with(const char *s, gsize n, const char *w)
{
	gsize l = strlen(w);

	return n >= l && g_ascii_strncasecmp(s + n - l, w, l) == 0;
}

/* Is this mention the envelope sender ("from <x>", "MAIL FROM:<x>")? */
static gboolean
sender_context(const char *line, gsize start)
{
	gsize n = start;

	while (n > 0 && (line[n - 1] == '<' || line[n - 1] == ' ' ||
	                 line[n - 1] == ':' || line[n - 1] == '"'))
		n--;
	if (ends_with(line, n, "from") || ends_with(line, n, "contact") ||
	    ends_with(line, n, "sender") || ends_with(line, n, "by") ||
	    ends_with(line, n, "message-id") ||
	    ends_with(line, n, "reply-to") ||
	    (n >= 4 && g_ascii_strncasecmp(line, "from", 4) == 0) ||
	    (n >= 6 && g_ascii_strncasecmp(line, "sender", 6) == 0))
		return TRUE;
	/* "mail from" anywhere before the address. */
	for (gsize i = 0; i + 9 <= n; i++)
		if ((line[i] == 'm' || line[i] == 'M') &&
		    g_ascii_strncasecmp(line + i, "mail from", 9) == 0)
			return TRUE;
	return FALSE;
}

/* The address at line[start] is a "name=value" parameter (a URL's
 * query, an SRS or VERP tag), unless the name is Exchange's X.400 form
 * of an Internet address ("dda:SMTP=user@host", "RFC-822=user@host"). */
static gboolean
parameter_value(const char *line, gsize start)
{
	if (start == 0 || line[start - 1] != '=')
		return FALSE;
	return !(ends_with(line, start - 1, "smtp") ||
	         ends_with(line, start - 1, "rfc-822") ||
	         ends_with(line, start - 1, "rfc822"));
}

/* The address at line[start] opens a line of the form "addr:" or
 * "<addr>: reason", or stands alone on an indented line, as qmail,
 * Postfix and Exim list each failed recipient: a failure even when
 * the sender wrote to itself. */
static gboolean
listing_line(const char *line, gsize start, gboolean indented)
{
	const char *p = line + start;

	if (start > 1 || (start == 1 && line[0] != '<'))
		return FALSE;
	while (*p != '\0' && *p != ':' && *p != '>' && *p != ' ')
		p++;
	if (*p == '>')
		p++;
	if (*p == ':')
		return TRUE;
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return indented && *p == '\0';
}

typedef struct {
	char *addr;
	guint line; /* first mention */
} mention;

static void
mention_clear(gpointer p)
{
	g_free(((mention *)p)->addr);
}

/* Addresses in one notice line that may be failed recipients. */
static void
line_addresses(const char *line, guint ln, const cad_bounce_in *in, GArray *out)
{
	gsize len = strlen(line);
	const char *at = line;
	gboolean indented = *line == ' ' || *line == '\t';

	while (*line == ' ' || *line == '\t')
		line++, len--;
	if (g_ascii_strncasecmp(line, "from:", 5) == 0 ||
	    g_ascii_strncasecmp(line, "to:", 3) == 0 ||
	    g_ascii_strncasecmp(line, "message-id:", 11) == 0)
		return;
	while ((at = strchr(at, '@')) != NULL &&
	       out->len < CAD_MAIL_MAX_RCPTS) {
		gsize from, to;
		char *a = cad_text_address_at(line, len, (gsize)(at - line),
		                              &from, &to);
		gboolean dup = FALSE;
		mention m;

		at++;
		if (a == NULL)
			continue;
		if (local_in(a, helpdesk_locals) ||
		    (in->from != NULL && strcmp(a, in->from) == 0) ||
		    (in->to != NULL && strcmp(a, in->to) == 0 &&
		     !listing_line(line, from, indented)) ||
		    sender_context(line, from) || parameter_value(line, from)) {
			g_free(a);
			continue;
		}
		for (guint i = 0; i < out->len && !dup; i++)
			dup =
			    strcmp(g_array_index(out, mention, i).addr, a) == 0;
		if (dup) {
			g_free(a);
			continue;
		}
		m.addr = a;
		m.line = ln;
		g_array_append_val(out, m);
	}
}

/* Text of lines [from, to) joined, at most CAD_MAIL_MAX_DIAG bytes. */
static char *
join_lines(char **lines, guint from, guint to)
{
	GString *s = g_string_new(NULL);

	for (guint i = from; i < to && s->len < CAD_MAIL_MAX_DIAG; i++) {
		if (s->len > 0)
			g_string_append_c(s, ' ');
		g_string_append(s, lines[i]);
	}
	return g_string_free(s, FALSE);
}

/* Evidence in the notice that delivery failed. */
static gboolean
failure_evidence(const char *fn)
{
	static const char *const words[] = {
	    "fail",           "unknown",          "undeliver", "not deliver",
	    "not be deliver", "not been deliver", "could not", "unable to",
	    "rejected",       "does not exist",   "no such",   "delayed",
	    "quota",          "exceed",           "invalid",   "error",
	    "returned",       "permanent",        "temporar",  "not accept",
	    "denied",         "refused",          NULL};
	char st[16];

	return cad_text_smtp_code(fn) != 0 ||
	       (cad_text_status(fn, st) && st[0] != '2') ||
	       cad_text_has_any(fn, words);
}

static void
add_recipients(char **lines, guint nlines, GArray *ms, GPtrArray *rcpts)
{
	for (guint i = 0; i < ms->len; i++) {
		mention *m = &g_array_index(ms, mention, i);
		guint end = i + 1 < ms->len
		                ? g_array_index(ms, mention, i + 1).line
		                : nlines;
		cad_bounce_rcpt *r = cad_rcpt_new(m->addr);
		g_autofree char *d = NULL;

		if (end <= m->line)
			end = m->line + 1;
		end = MIN(end, m->line + MAX_DIAG_LINES);
		d = join_lines(lines, m->line, end);
		/* The line naming the address may hold no reason at all
		 * ("  user@host"): then take the line before it too. */
		if (cad_text_smtp_code(d) == 0 && m->line > 0 && ms->len == 1) {
			g_free(d);
			d = join_lines(lines, m->line - 1,
			               MIN(nlines, m->line + MAX_DIAG_LINES));
		}
		r->diagnostic = cad_text_clean(d, strlen(d), CAD_MAIL_MAX_DIAG);
		cad_rcpt_add(rcpts, r);
	}
}

/* The folded text of the lines that are not quoted ("> ..."). */
static char *
unquoted_fold(const char *text)
{
	GString *s = g_string_sized_new(strlen(text) + 1);
	char *out;

	for (const char *p = text; *p != '\0';) {
		const char *e = strchr(p, '\n');
		gsize l = e != NULL ? (gsize)(e - p) + 1 : strlen(p);
		if (*p != '>' && *p != '|')
			g_string_append_len(s, p, l);
		p += l;
	}
	out = cad_text_fold(s->str, s->len);
	g_string_free(s, TRUE);
	return out;
}

/* A line that holds one address and nothing else ("> user@host"). */
static gboolean
single_address(const char *s)
{
	g_autofree char *t = g_strstrip(g_strdup(s));
	g_autofree char *a = cad_address_normalize(t);

	return a != NULL;
}

/* Role addresses (postmaster@...) go when a real address is named. */
static void
drop_roles(GArray *ms)
{
	gboolean real = FALSE;

	for (guint i = 0; i < ms->len && !real; i++)
		real = !is_role(g_array_index(ms, mention, i).addr);
	for (guint i = ms->len; real && i > 0; i--)
		if (is_role(g_array_index(ms, mention, i - 1).addr))
			g_array_remove_index(ms, i - 1);
}

/* "<user@host>:" alone on a line, as qmail and Postfix list failures. */
static gboolean
has_address_colon_line(const char *notice)
{
	for (const char *p = notice; p != NULL && *p != '\0';) {
		const char *e = strchr(p, '\n');
		gsize l = e != NULL ? (gsize)(e - p) : strlen(p);
		while (l > 0 && (p[l - 1] == '\r' || p[l - 1] == ' '))
			l--;
		if (l > 4 && p[0] == '<' && p[l - 1] == ':' &&
		    p[l - 2] == '>' && memchr(p, '@', l) != NULL)
			return TRUE;
		p = e != NULL ? e + 1 : NULL;
	}
	return FALSE;
}

gboolean
cad_bounce_text(const cad_bounce_in *in, GPtrArray *rcpts, int he,
                gboolean reply)
{
	gsize nl;
	g_autofree char *notice = NULL, *fn = NULL;
	g_autofree char **lines = NULL;
	GArray *ms;
	guint n = 0;

	if (in->text == NULL)
		return FALSE;
	/* Two signs make a bounce: a mail system's sender, a bounce
	 * subject, X-Failed-Recipients, a phrase only MTAs print, or a
	 * failure named in the notice. A reply needs a header sign. */
	if (he == 0 && reply)
		return FALSE;
	nl = in->notice;
	notice = g_strndup(in->text, MIN(nl, (gsize)CAD_MAIL_MAX_TEXT));
	/* The notice's own words matter only without two header signs. */
	if (he < 2) {
		fn = unquoted_fold(notice);
		if (he + (cad_text_has_any(fn, strong_markers) ? 2 : 0) +
		        (he == 1 && (failure_evidence(fn) ||
		                     has_address_colon_line(notice))
		             ? 1
		             : 0) <
		    2)
			return FALSE;
	}
	/* The notice is ours to cut: nothing reads it whole after this. */
	lines = cad_text_lines(notice, MAX_NOTICE_LINES);
	ms = g_array_new(FALSE, FALSE, sizeof(mention));
	g_array_set_clear_func(ms, mention_clear);
	for (n = 0; lines[n] != NULL; n++) {
		g_strchomp(lines[n]);
		if (lines[n][0] == '>' && !single_address(lines[n] + 1))
			continue;
		line_addresses(lines[n], n, in, ms);
	}
	drop_roles(ms);
	add_recipients(lines, n, ms, rcpts);
	g_array_free(ms, TRUE);
	return TRUE;
}

/* The value of the first quoted header line "name" after the notice
 * ("> " quoting allowed), or NULL. Caller frees. */
static char *
quoted_header(const char *text, gsize notice, const char *name)
{
	gsize nl = strlen(name);
	const char *p = text + notice;

	for (int n = 0; p != NULL && *p != '\0' && n < 4000; n++) {
		const char *q = p;
		while (*q == '>' || *q == ' ')
			q++;
		if (g_ascii_strncasecmp(q, name, nl) == 0) {
			const char *e = strchr(q, '\n');
			return g_strstrip(
			    g_strndup(q + nl, e != NULL ? (gsize)(e - q - nl)
			                                : strlen(q + nl)));
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

char *
cad_bounce_quoted_value(const char *text, gsize notice, const char *name)
{
	return quoted_header(text, notice, name);
}

char *
cad_bounce_quoted_msgid(const char *text, gsize notice)
{
	g_autofree char *v = quoted_header(text, notice, "message-id:");
	char *id = v != NULL ? cad_msgid_strip(v) : NULL;

	if (id != NULL &&
	    (strchr(id, '@') == NULL || strchr(id, ' ') != NULL)) {
		g_free(id);
		id = NULL;
	}
	return id;
}

char *
cad_bounce_quoted_to(const char *text)
{
	g_autofree char *v =
	    quoted_header(text, cad_bounce_notice_len(text), "to:");
	const char *at = v != NULL ? strchr(v, '@') : NULL;
	gsize from, to;

	if (at == NULL)
		return NULL;
	return cad_text_address_at(v, strlen(v), (gsize)(at - v), &from, &to);
}

/* Bytes of a bounce's text searched for RFC 3464 fields written into
 * it: the notice and a pasted report come before the original. */
#define MAX_INLINE_DSN_BYTES MAX_NOTICE_BYTES

/* Where the paragraph holding the first "Final-Recipient:" or
 * "Original-Recipient:" line at a line start begins, or NULL. */
static const char *
inline_dsn_start(const char *text)
{
	gsize n = strnlen(text, MAX_INLINE_DSN_BYTES);
	const char *line = NULL, *para;

	/* The fields are rare in a notice: find "-Recipient:" fast, in the
	 * two cases writers use, and look back for its field name. */
	for (int c = 0; c < 2 && line == NULL; c++) {
		const char *key = c == 0 ? "-Recipient:" : "-RECIPIENT:";
		/* strstr is the fastest search glibc has; the text is a
		 * string, and a hit past n is not looked at. */
		for (const char *h = strstr(text, key);
		     h != NULL && (gsize)(h - text) < n;
		     h = strstr(h + 1, key)) {
			const char *b = h;
			while (b > text && b[-1] != '\n')
				b--;
			if (((gsize)(h - b) == 5 &&
			     g_ascii_strncasecmp(b, "final", 5) == 0) ||
			    ((gsize)(h - b) == 8 &&
			     g_ascii_strncasecmp(b, "original", 8) == 0)) {
				if (line == NULL || b < line)
					line = b;
				break;
			}
		}
	}
	if (line == NULL)
		return NULL;
	/* The paragraph holding it: its fields (Action:) may come first. */
	for (para = line; para > text;) {
		const char *nl = para - 1, *prev = nl;
		gsize plen;
		while (prev > text && prev[-1] != '\n')
			prev--;
		plen = (gsize)(nl - prev);
		if (plen > 0 && prev[plen - 1] == '\r')
			plen--;
		if (plen == 0)
			break;
		para = prev;
	}
	return para;
}

gboolean
cad_bounce_inline_dsn(const char *text, GPtrArray *rcpts)
{
	const char *start = text != NULL ? inline_dsn_start(text) : NULL;
	g_autoptr(GPtrArray) found = NULL;
	g_autofree char *copy = NULL;
	int failed, delayed, other;

	if (start == NULL)
		return FALSE;
	copy = g_strndup(start, MAX_INLINE_DSN_BYTES);
	found = g_ptr_array_new_with_free_func(cad_rcpt_free);
	cad_dsn_parse(copy, found, &failed, &delayed, &other);
	if (failed + delayed == 0)
		return FALSE;
	g_ptr_array_set_size(rcpts, 0);
	for (guint i = 0; i < found->len; i++)
		cad_rcpt_add(rcpts, g_ptr_array_steal_index(found, i--));
	return TRUE;
}

/* Lines taken as a recipient's diagnostic from the notice: the line
 * naming it and the indented lines that continue it. */
#define MAX_NOTICE_DIAG_LINES 4

/* Offset of addr in the first n bytes of s, any case, else -1. */
static gssize
find_address(const char *s, gsize n, const char *addr)
{
	gsize al = strlen(addr);

	for (gsize i = 0; al > 0 && i + al <= n; i++)
		if (g_ascii_tolower(s[i]) == addr[0] &&
		    g_ascii_strncasecmp(s + i, addr, al) == 0 &&
		    (i == 0 || !g_ascii_isalnum(s[i - 1])) &&
		    (i + al == n || !g_ascii_isalnum(s[i + al])))
			return (gssize)i;
	return -1;
}

void
cad_bounce_notice_diag(const char *text, gsize notice, cad_bounce_rcpt *r)
{
	gssize at = find_address(text, notice, r->address);
	const char *line, *end = text + notice, *p;
	g_autofree char *d = NULL;
	char st[16];

	if (at < 0)
		return;
	for (line = text + at; line > text && line[-1] != '\n'; line--)
		;
	if (*line == '>')
		return;
	p = line;
	for (int k = 0; k < MAX_NOTICE_DIAG_LINES && p < end; k++) {
		const char *e = memchr(p, '\n', (gsize)(end - p));
		p = e != NULL ? e + 1 : end;
		if (p >= end || (*p != ' ' && *p != '\t'))
			break;
	}
	d = cad_text_clean(line, (gsize)(p - line), CAD_MAIL_MAX_DIAG);
	/* "5.0.0" says nothing: the notice's own code says more. */
	if (r->status != NULL && strcmp(r->status + 1, ".0.0") == 0 &&
	    cad_text_status(d, st) && st[0] == r->status[0]) {
		g_free(r->status);
		r->status = g_strdup(st);
	}
	g_free(r->diagnostic);
	r->diagnostic = g_steal_pointer(&d);
}

/* w (lower case) occurs in the first n bytes of s, in any case. */
static gboolean
contains_ci(const char *s, gsize n, const char *w)
{
	gsize wl = strlen(w);

	for (gsize i = 0; i + wl <= n; i++)
		if (g_ascii_tolower(s[i]) == w[0] &&
		    g_ascii_strncasecmp(s + i, w, wl) == 0)
			return TRUE;
	return FALSE;
}

/* Length of the header field name that opens s ("Received" in
 * "Received: ..."), else 0. */
static gsize
field_len(const char *s, gsize n)
{
	gsize i = 0;

	while (i < n && i < 64 && (g_ascii_isalnum(s[i]) || s[i] == '-'))
		i++;
	return i > 0 && i < n && s[i] == ':' ? i : 0;
}

/* Names read from one notice's list of recipients. */
#define MAX_LISTED_NAMES 50

/* A bare local part at p (at most len bytes): dot-atom text, no '@',
 * at most 64 bytes; its length, else 0. */
static gsize
local_part_len(const char *p, gsize len)
{
	gsize n = 0;

	while (n < len && n <= 64 && p[n] != '\0' &&
	       (g_ascii_isalnum(p[n]) || strchr(".-_+=!#$%&'*/?^`{|}~", p[n])))
		n++;
	if (n == 0 || n > 64 || (n < len && p[n] == '@') || p[0] == '.' ||
	    p[n - 1] == '.')
		return 0;
	return n;
}

/* A heading (l bytes, trailing space trimmed) that introduces a list of
 * recipients: it mentions "the following" and ends with a colon. */
static gboolean
names_heading(const char *line, gsize l)
{
	return line[l - 1] == ':' && contains_ci(line, l, "following");
}

/* The name a listed line holds ("\tname" or " name    reason"), its
 * length in *n, or NULL when the line is no such line. */
static const char *
listed_name(const char *l, gsize len, gsize *n)
{
	const char *end = l + len;

	/* Names are indented, one to a line, a reason may follow. */
	if (len == 0 || (*l != ' ' && *l != '\t') || memchr(l, '@', len))
		return NULL;
	while (l < end && (*l == ' ' || *l == '\t'))
		l++;
	*n = local_part_len(l, (gsize)(end - l));
	/* A reason after a name is set off by a tab or a run of spaces
	 * ("jdoe    No matches"): "an undisclosed address" is prose. */
	if (*n == 0 ||
	    (l + *n < end && l[*n] != '\t' &&
	     !(l[*n] == ' ' && l + *n + 1 < end && l[*n + 1] == ' ')))
		return NULL;
	return l;
}

char **
cad_bounce_listed_names(const char *text, gsize notice)
{
	GPtrArray *names = NULL;
	gboolean in_list = FALSE;
	int k = 0;

	for (const char *p = text;
	     p != NULL && (gsize)(p - text) < notice && k < MAX_NOTICE_LINES;
	     k++) {
		const char *e = memchr(p, '\n', notice - (gsize)(p - text));
		gsize l =
		    e != NULL ? (gsize)(e - p) : notice - (gsize)(p - text);
		const char *name;
		gsize n;
		while (l > 0 && (p[l - 1] == '\r' || p[l - 1] == ' '))
			l--;
		if (!in_list)
			in_list = l > 0 && p[0] != '>' && names_heading(p, l);
		else if (l == 0 && names == NULL)
			; /* blank lines after the heading */
		else if ((name = listed_name(p, l, &n)) == NULL)
			break;
		else {
			if (names == NULL)
				names = g_ptr_array_new();
			g_ptr_array_add(names,
			                g_ascii_strdown(name, (gssize)n));
			if (names->len >= MAX_LISTED_NAMES)
				break;
		}
		p = e != NULL ? e + 1 : NULL;
	}
	if (names == NULL)
		return NULL;
	g_ptr_array_add(names, NULL);
	return (char **)g_ptr_array_free(names, FALSE);
}

/* Add the addresses of one header field of a returned original to out
 * (char *, lower case): each address of To and Cc, the envelope
 * recipient ("for <x>") of Received. */
void
cad_bounce_field_rcpts(const char *name, gsize nlen, const char *v, gsize vlen,
                       gboolean envelope, GPtrArray *out)
{
	gboolean rcvd =
	    nlen == 8 && g_ascii_strncasecmp(name, "received", 8) == 0;
	gsize i = 0;

	if (!rcvd && (envelope || !(nlen == 2 &&
	                            (g_ascii_strncasecmp(name, "to", 2) == 0 ||
	                             g_ascii_strncasecmp(name, "cc", 2) == 0))))
		return;
	for (; i < vlen && out->len < CAD_MAIL_MAX_RCPTS; i++) {
		gsize from, to;
		char *a;
		if (v[i] != '@')
			continue;
		a = cad_text_address_at(v, vlen, i, &from, &to);
		if (a == NULL)
			continue;
		/* In Received, only the address after "for". */
		while (rcvd && from > 0 &&
		       (v[from - 1] == '<' || v[from - 1] == ' '))
			from--;
		if (rcvd && !ends_with(v, from, "for")) {
			g_free(a);
			continue;
		}
		g_ptr_array_add(out, a);
	}
}

/* Lines of a bounce's text read for an original returned as text. */
#define MAX_ORIGINAL_LINES 400

void
cad_bounce_text_original_rcpts(const char *text, gsize notice,
                               gboolean envelope, GPtrArray *out)
{
	gsize n = strnlen(text, MAX_NOTICE_BYTES * 4);
	const char *name = NULL;
	gsize nlen = 0;
	int k = 0;

	for (const char *p = text;
	     p != NULL && (gsize)(p - text) < n && k < MAX_ORIGINAL_LINES;
	     k++) {
		const char *e = memchr(p, '\n', n - (gsize)(p - text));
		const char *q = p, *end = e != NULL ? e : text + n;
		gsize fl;
		while (q < end && *q == '>')
			q++;
		if (q < end && (*q == ' ' || *q == '\t') && name != NULL)
			cad_bounce_field_rcpts(name, nlen, q, (gsize)(end - q),
			                       envelope, out);
		else if ((fl = field_len(q, (gsize)(end - q))) > 0 &&
		         ((gsize)(p - text) >= notice ||
		          g_ascii_strncasecmp(q, "received", 8) == 0)) {
			name = q;
			nlen = fl;
			cad_bounce_field_rcpts(name, nlen, q + fl + 1,
			                       (gsize)(end - q - fl - 1),
			                       envelope, out);
		} else
			name = NULL;
		p = e != NULL ? e + 1 : NULL;
	}
}

/* Header fields only a mailing-list manager writes (List-Unsubscribe
 * alone is any bulk sender's, ours included). */
static const char *const list_manager_fields[] = {"x-mlserver",
                                                  "x-ml-name",
                                                  "x-mailman-version",
                                                  "mailing-list",
                                                  "list-id",
                                                  "list-post",
                                                  "list-help",
                                                  "list-subscribe",
                                                  "x-beenthere",
                                                  "x-ecartis-version",
                                                  "x-list-administrivia",
                                                  "x-sympa-to",
                                                  NULL};

/* What list managers say when they refuse a post from a non-member. */
static const char *const list_refusals[] = {
    "you are not a member",
    "not a member of this",
    "not a member of the list",
    "not a member of the mailing list",
    "are not member",
    "is not member",
    "non-member",
    "nonmember",
    "only members can post",
    "only members may post",
    "only list members",
    "accepts posts from members only",
    "posting is restricted to",
    "you are not subscribed to",
    "not subscribed to this list",
    "you must be subscribed",
    "not allowed to post to this",
    "not allowed to post to the",
    "you do not have permission to post",
    "you don't have permission to post",
    NULL};

/* Bytes of a notice searched for a list manager's refusal: it opens
 * the message. */
#define MAX_REFUSAL_BYTES 2048

static gboolean
from_list_manager(const cad_headers *h)
{
	gsize vlen;

	for (gsize i = 0; list_manager_fields[i] != NULL; i++)
		if (cad_header_raw(h, list_manager_fields[i], &vlen) != NULL)
			return TRUE;
	return FALSE;
}

gboolean
cad_bounce_list_refusal(const cad_bounce_in *in, GPtrArray *rcpts)
{
	g_autofree char *head = NULL, *fs = NULL;
	g_autofree char **lines = NULL;
	gboolean found = FALSE;

	if (in->text == NULL || !from_list_manager(in->top))
		return FALSE;
	fs = in->subject != NULL
	         ? cad_text_fold(in->subject, strlen(in->subject))
	         : NULL;
	head = g_strndup(in->text, MIN(in->notice, (gsize)MAX_REFUSAL_BYTES));
	lines = cad_text_lines(head, MAX_NOTICE_LINES);
	for (guint i = 0; lines[i] != NULL && !found; i++) {
		g_autofree char *fl = NULL;
		GArray *ms;
		if (lines[i][0] == '>')
			continue;
		fl = cad_text_fold(lines[i], strlen(lines[i]));
		if (!cad_text_has_any(fl, list_refusals))
			continue;
		found = TRUE;
		/* The list named on the refusal line is the recipient. */
		ms = g_array_new(FALSE, FALSE, sizeof(mention));
		g_array_set_clear_func(ms, mention_clear);
		line_addresses(lines[i], 0, in, ms);
		add_recipients(lines + i, 1, ms, rcpts);
		g_array_free(ms, TRUE);
	}
	return found || cad_text_has_any(fs, list_refusals);
}
