/*
 * mail_internal.h: what the classifier's files share and nothing else
 * includes: the bounded MIME walk (mime.c, over the header reader of
 * headers.h), text helpers (text.c), and the entry points of the DSN,
 * bounce-text, reason, auto-reply, date and reply modules.
 */
#ifndef CAD_MAIL_INTERNAL_H
#define CAD_MAIL_INTERNAL_H

#include <glib.h>

#include "mail/classify.h"
#include "mail/headers.h"

typedef enum {
	CAD_CTE_NONE,
	CAD_CTE_BASE64,
	CAD_CTE_QP,
	CAD_CTE_UUENCODE,
} cad_cte;

/* One MIME part found by the walk; bytes point into the message. */
typedef struct {
	cad_headers hdr;
	const char *body;
	gsize blen;
	char type[32];    /* lower-cased media type, "text" */
	char subtype[48]; /* lower-cased subtype, "plain" */
	char charset[48];
	char report_type[48];
	cad_cte cte;
	int depth;           /* 0: the message itself */
	int msg_level;       /* enclosing message/rfc822 parts */
	int parent;          /* index of the container, -1 for the root */
	gboolean leaf;       /* not a multipart nor message/rfc822 */
	gboolean attachment; /* Content-Disposition: attachment */
} cad_part;

/* The walked message: parts in document order, the root first. */
typedef struct {
	GArray *parts;      /* cad_part */
	gboolean truncated; /* a limit cut the walk short */
} cad_mime;

/* mime.c (the header reader itself is headers.h) */
void cad_mime_walk(cad_mime *m, const char *data, gsize len);
void cad_mime_clear(cad_mime *m);
const cad_part *cad_mime_part(const cad_mime *m, guint i);
gboolean cad_part_is(const cad_part *p, const char *type, const char *sub);
/* The decoded body as valid UTF-8 (HTML reduced to text when html is
 * TRUE), at most CAD_MAIL_MAX_TEXT bytes of input. Caller frees. */
char *cad_part_text(const cad_part *p, gboolean html);
/* Index of the first text/plain (else text/html) leaf at msg_level 0,
 * not an attachment, or -1. */
int cad_mime_first_text(const cad_mime *m);

/* text.c */
/* Lower-cased ASCII, runs of white space made one space. Caller frees. */
char *cad_text_fold(const char *s, gsize len);
/* TRUE when folded text s contains any of the NULL-terminated phrases. */
gboolean cad_text_has_any(const char *s, const char *const *phrases);
/* s made valid UTF-8 as g_utf8_make_valid() makes it (each byte of an
 * ill-formed sequence, and NUL, becomes U+FFFD), faster on mostly
 * valid text. Caller frees. */
char *cad_utf8_make_valid(const char *s, gsize len);
/* First RFC 3463 code in s ("5.1.1"), copied into out[16]. */
gboolean cad_text_status(const char *s, char out[16]);
/* The first failure code (class 4 or 5) in s: a transcript's "250
 * 2.1.5 Ok" and version numbers such as "2.3.0" are none. */
gboolean cad_text_failure_status(const char *s, char out[16]);
/* First SMTP reply code in s (250..599) or 0. */
int cad_text_smtp_code(const char *s);
/* Bare lower-cased addr-spec found at s[i] (pointing at '@'), its start
 * and end in *from, *to. NULL if none. Caller frees. */
char *cad_text_address_at(const char *s, gsize len, gsize at, gsize *from,
                          gsize *to);
/* s cut into its lines in place, as g_strsplit(s, "\n", max) would cut
 * a copy: a NULL-terminated array of pointers into s; free the array
 * only. */
char **cad_text_lines(char *s, guint max);
/* A printable, whitespace-collapsed copy of at most max bytes. */
char *cad_text_clean(const char *s, gsize len, gsize max);
/* Strip "Re:", "Fwd:", "AW:", ... prefixes; pointer into s. */
const char *cad_subject_strip(const char *s, gboolean *was_reply);

/* phrases.c */
/* A compiled set of up to 64 lists of phrases (NULL-terminated, lower
 * case). Matching ignores ASCII case; with fold, it reads the text as
 * cad_text_fold() would write it (white space runs are one space, none
 * at the start), and phrases must be folded too. */
typedef struct cad_phrases cad_phrases;
/* Longest phrase accepted. */
#define CAD_PHRASE_MAX 200
cad_phrases *cad_phrases_new(const char *const *const *lists, guint n,
                             gboolean fold);
void cad_phrases_free(cad_phrases *p);
/* Bit l set when a phrase of lists[l] occurs in the len bytes at s. */
guint64 cad_phrases_scan(const cad_phrases *p, const char *s, gsize len);
/* Offset of the byte where the first phrase found in s ends, or -1. */
gssize cad_phrases_first(const cad_phrases *p, const char *s, gsize len);

/* classify.c */
/* The address of a From or To in one of the plain shapes (local@domain,
 * <local@domain>, Name <local@domain>, "Name" <local@domain>, in ASCII),
 * lower-cased; NULL for any other shape, left to GMime's parser, which
 * gives the same address for these. Caller frees. */
char *cad_plain_address(const char *v);

/* reason.c */
/* Bytes of a bounce's text read for a reason when the recipient's own
 * diagnostic gives none: the notice is at the start. */
#define MAX_CONTEXT 4096

/* What the first MAX_CONTEXT bytes of a bounce's text say, for all its
 * recipients: each part is found once, when first needed. It points
 * into the text and owns nothing. */
typedef struct {
	const char *text; /* NULL: the bounce has no text */
	gsize len;        /* bytes of it read: at most MAX_CONTEXT */
	int cmd;          /* the SMTP command named; -1 until known */
	gboolean scanned; /* lists is known */
	guint64 lists;    /* reason.c's phrase lists found */
} cad_reason_ctx;

void cad_reason_context_init(cad_reason_ctx *c, const char *text);
/* Fill status (if NULL), reason and hard of r from its diagnostic and
 * status, with context (from cad_reason_context_init(), or NULL) as a
 * fallback. */
void cad_reason_decide(cad_bounce_rcpt *r, cad_reason_ctx *context, int smtp);
/*
 * cad_failure_is_hard - the one hard-or-soft decision: TRUE when the
 * failure means the address itself is dead, so that no later message
 * can be delivered: the mailbox or its domain does not exist
 * (userunknown, hostunknown), it moved (hasmoved) or the domain accepts
 * no mail (notaccept, a null MX), whatever stage or code the server
 * chose, unless a 4.x.x status comes with words saying the question
 * could not be answered now ("try again", "temporary"). Everything else
 * is soft: blocks, policy and spam refusals, rate limits, greylisting,
 * full mailboxes, messages too big, disabled accounts, and failures
 * nobody can read. text: the recipient's diagnostic, or NULL.
 */
gboolean cad_failure_is_hard(const char *reason, const char *status,
                             const char *text);
cad_bounce_rcpt *cad_rcpt_new(const char *address);
void cad_rcpt_free(gpointer p);
/* Add r to a (taking it) unless the address is there; FALSE if dropped. */
gboolean cad_rcpt_add(GPtrArray *a, cad_bounce_rcpt *r);

/* dsn.c */
/* Parse a message/delivery-status body into recipients. Sets *failed and
 * *delayed to the counts of such actions, *other to the rest. */
void cad_dsn_parse(const char *text, GPtrArray *rcpts, int *failed,
                   int *delayed, int *other);
/* Parse a message/feedback-report body: complained-about addresses. */
void cad_arf_parse(const char *text, GPtrArray *rcpts, char **type);

/* bounce_text.c */
typedef struct {
	const cad_headers *top;
	const char *text; /* first text part, UTF-8 */
	const char *from; /* bounce From, lower-cased */
	const char *to;   /* bounce To, lower-cased */
	const char *subject;
	gsize notice; /* cad_bounce_notice_len(text), computed once */
} cad_bounce_in;

/*
 * cad_bounce_notice_len - the length of a bounce's own notice: the text
 * before the original message is quoted. Scans up to 16 KiB; the caller
 * computes it once per message.
 */
gsize cad_bounce_notice_len(const char *text);

/* Header signs that a mail system wrote the message: 0 (none) to 4. */
int cad_bounce_headers(const cad_bounce_in *in);
/* Parse a non-standard bounce; TRUE and recipients added when it is one.
 * he: header signs; reply: the subject says Re:/Fwd:. */
gboolean cad_bounce_text(const cad_bounce_in *in, GPtrArray *rcpts, int he,
                         gboolean reply);
/* A mailing-list manager's refusal of a post from a non-member (fml,
 * Mailman, ezmlm, Google Groups): TRUE, and the list named on the
 * refusal line added to rcpts. */
gboolean cad_bounce_list_refusal(const cad_bounce_in *in, GPtrArray *rcpts);
/* The Message-ID and To of an original quoted as text in a bounce, or
 * NULL. Caller frees. */
char *cad_bounce_quoted_msgid(const char *text, gsize notice);
char *cad_bounce_quoted_to(const char *text);
/* The value of the field called name ("list-id:") of an original
 * quoted after the notice, or NULL. Caller frees. */
char *cad_bounce_quoted_value(const char *text, gsize notice, const char *name);
/* RFC 3464 fields written into a bounce's text (a report whose parts
 * were flattened, a bounce pasted into a provider's notice): when they
 * name a failed or delayed recipient, rcpts becomes theirs. */
gboolean cad_bounce_inline_dsn(const char *text, GPtrArray *rcpts);
/* Bare local parts a notice lists under a heading ("Your mail to the
 * following recipients could not be delivered ...:" then "\tname"),
 * as AOL and directory gateways name recipients; NULL if none. */
char **cad_bounce_listed_names(const char *text, gsize notice);
/* Addresses (char *, lower case) a returned original was for, added to
 * out: one header field's (To, Cc, and "for <x>" in Received; with
 * envelope, Received's only), or those of an original returned as text
 * (Received lines anywhere, quoted or not; To and Cc after the notice). */
void cad_bounce_field_rcpts(const char *name, gsize nlen, const char *v,
                            gsize vlen, gboolean envelope, GPtrArray *out);
void cad_bounce_text_original_rcpts(const char *text, gsize notice,
                                    gboolean envelope, GPtrArray *out);
/* A report recipient without a Diagnostic-Code: the notice line that
 * names it (and the indented lines continuing it) becomes its
 * diagnostic; a more specific status code there replaces an X.0.0. */
void cad_bounce_notice_diag(const char *text, gsize notice, cad_bounce_rcpt *r);

/* complaint.c */
typedef struct {
	const cad_mime *mime;
	const cad_headers *top;
	const char *text;    /* first text part, UTF-8, or NULL */
	const char *subject; /* decoded, or NULL */
	const char *from;    /* bare lower-cased From, or NULL */
} cad_complaint_in;

/* The first MAX_ARF_HEAD bytes of s hold RFC 5965 fields:
 * Feedback-Type and another report field, each at a line start. */
gboolean cad_complaint_arf_fields(const char *s, gsize len);
/* Index of a top-level part holding a feedback report: a
 * message/feedback-report part, or a text/plain part (not the first)
 * whose lines are RFC 5965 fields. -1 if none. */
int cad_complaint_arf_part(const cad_mime *m);
/* An abuse report that is not RFC 5965: marked X-ARF: yes, or naming
 * itself a report by its subject ("Abuse report", "complaint about
 * message from", "Client TOS Notification") or its sender (abuse@,
 * fbl@, scomp@...) and its words, and returning the message complained
 * about (attached, or its header block pasted). Never an answer
 * (In-Reply-To, "Re:") nor a delivery report. */
gboolean cad_complaint_forwarded(const cad_complaint_in *in);
/* The address a report's text gives as the complained-about recipient:
 * the To of a forwarded header block (never us, the report's To), or one
 * after a cue (report fields pasted as text, "recipient:", "complaint
 * from"; never us nor the reporter, its From). Stops at the first. */
void cad_complaint_text_rcpts(const char *text, const char *us,
                              const char *reporter, GPtrArray *rcpts);

/* ses.c */
typedef enum {
	CAD_SES_NONE,      /* not an SES notification */
	CAD_SES_BOUNCE,    /* rcpts: the bounced recipients, decided */
	CAD_SES_COMPLAINT, /* rcpts: the complained-about recipients */
	CAD_SES_DELIVERY,  /* a delivery notice: not a failure */
} cad_ses_kind;

/* An Amazon SES notification (JSON mailed by SNS, bare or in an SNS
 * envelope) in text: its kind, and its recipients added to rcpts. */
cad_ses_kind cad_ses_parse(const char *text, GPtrArray *rcpts);

/* autoreply.c */
gboolean cad_autoreply_headers(const cad_headers *h, const char *subject);
gboolean cad_autoreply_subject(const char *subject);
gboolean cad_autoreply_challenge(const cad_headers *h, const char *text);

/* dates.c */
/* The return date named in text ("back on 3 December"), "YYYY-MM-DD"
 * relative to now, or NULL. Caller frees. */
char *cad_return_date(const char *text, gint64 now);

/* reply.c */
/* New text of a reply: quotes and the quoted original removed. */
char *cad_reply_extract(const char *text);
gboolean cad_reply_unsubscribe(const char *reply_text, const char *subject);

#endif
