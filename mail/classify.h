/*
 * classify.h: the inbound mail classifier. One call reads one raw RFC 5322
 * message (untrusted bytes) and says what it is: a bounce, an auto-reply, a
 * complaint, an unsubscribe request, a person's reply or something else.
 */
#ifndef CAD_CLASSIFY_H
#define CAD_CLASSIFY_H

#include <glib.h>

/*
 * The kinds, in the words cad_kind_name() prints. An unsubscribe request is
 * a human reply that also asks to be left alone; OTHER is anything that is
 * none of these (newsletters, notifications, list mail, success DSNs,
 * read receipts, input that is not mail).
 */
typedef enum {
	CAD_KIND_OTHER,
	CAD_KIND_HUMAN_REPLY,
	CAD_KIND_AUTO_REPLY,
	CAD_KIND_HARD_BOUNCE,
	CAD_KIND_SOFT_BOUNCE,
	CAD_KIND_FEEDBACK_REPORT,
	CAD_KIND_UNSUBSCRIBE,
} cad_kind;

/*
 * cad_kind_name - "other", "human_reply", "auto_reply", "hard_bounce",
 * "soft_bounce", "feedback_report" or "unsubscribe". Static string.
 */
const char *cad_kind_name(cad_kind k);

/*
 * One failed (bounce) or complained-about (ARF) recipient.
 * address: bare, lower-cased. status: RFC 3463 code ("5.1.1") or NULL.
 * reason: a Sisimai-style reason word ("userunknown", "mailboxfull",
 * "hostunknown", "blocked", "mesgtoobig", "expired", ...) or NULL.
 * diagnostic: the remote server's text, printable UTF-8, at most
 * CAD_MAIL_MAX_DIAG bytes, or NULL. hard: the address itself is
 * permanently bad (user unknown, host unknown, moved, null MX).
 */
typedef struct {
	char *address;
	char *status;
	char *reason;
	char *diagnostic;
	gboolean hard;
} cad_bounce_rcpt;

/*
 * The verdict on one message. Every string is owned by the structure and
 * is valid UTF-8 without control characters, fit for a log line once
 * quoted; free it all with cad_classification_free().
 */
typedef struct {
	cad_kind kind;
	/* cad_bounce_rcpt*: failed (bounce) or complained-about (ARF)
	 * addresses, lower-cased, at most CAD_MAIL_MAX_RCPTS */
	GPtrArray *recipients;
	/* of the first hard recipient, else the first; NULL if none */
	char *status, *reason, *diagnostic;
	/* char*, text inside <>, de-duplicated, at most CAD_MAIL_MAX_IDS:
	 * In-Reply-To, References, the returned original's Message-ID */
	GPtrArray *message_ids;
	char *return_date; /* "YYYY-MM-DD" or NULL */
	char *from;        /* bare lower-cased From address or NULL */
	char *subject;     /* decoded UTF-8 or NULL */
	/* the new text of a reply: first text part, quoted lines and the
	 * quoted original removed, at most CAD_REPLY_TEXT_MAX bytes; NULL if
	 * none */
	char *reply_text;
	char *warning; /* why it is "other" when the input is not mail */
} cad_classification;

/*
 * cad_classify - classify one message.
 * data, len: the raw message (LF or CRLF, any bytes; NUL bytes allowed).
 * now: epoch seconds, the reference for return dates that name no year
 * (the next such date on or after now, less a week of grace).
 * Never fails on bad input: input that is not mail gives kind OTHER and a
 * warning. Bounded in time and memory by the CAD_MAIL_MAX_* limits below.
 * The program must have called g_mime_init(). Thread-safe: the only state
 * kept between calls is read-only (phrase tables built once) or locked
 * (mime.c's cache of iconv descriptors); no verdict depends on an earlier
 * call. Free the result with cad_classification_free().
 */
cad_classification *cad_classify(const char *data, gsize len, gint64 now);

/* cad_classification_free - free c and everything it holds; NULL is fine. */
void cad_classification_free(cad_classification *c);

/*
 * cad_classification_to_json - one JSON object, no newline:
 * {"file":..,"kind":..,"recipients":[..],"status":..,"reason":..,
 *  "diagnostic":..,"message_ids":[..],"return_date":..}
 * file may be NULL (printed as null). Caller frees.
 */
char *cad_classification_to_json(const cad_classification *c, const char *file);

/*
 * cad_reply_answer - a rep's answer to a task reminder, read from the first
 * word of a reply's new text: "done", "skip", "stop", "connected" or
 * "meeting" (static strings), or NULL when the reply starts with none of
 * them. Case and trailing punctuation are ignored ("Done.", "SKIP!").
 */
const char *cad_reply_answer(const char *reply_text);

/* Limits on untrusted mail; each says why it is as large as it is. */

/* Bytes of a message read at all. Bounces and replies carry their
 * evidence at the start; a larger message is read up to here. */
#define CAD_MAIL_MAX_BYTES        (4 * 1024 * 1024)
/* Bytes of one header block. Real headers stay under 64 KiB even with
 * long Received chains; the rest of a giant header is not looked at. */
#define CAD_MAIL_MAX_HEADER_BYTES (256 * 1024)
/* Header fields indexed per block (a million-line header stops here). */
#define CAD_MAIL_MAX_HEADERS      2000
/* MIME parts visited. A DSN has three; a reply with attachments a dozen. */
#define CAD_MAIL_MAX_PARTS        256
/* Nesting of multiparts and message/rfc822 parts. A bounce of a forwarded
 * message is about 5 deep; deeper nesting is only ever an attack. */
#define CAD_MAIL_MAX_DEPTH        12
/* Recipients reported from one bounce or report. */
#define CAD_MAIL_MAX_RCPTS        1000
/* Recipient field blocks read from one delivery-status part. */
#define CAD_MAIL_MAX_DSN_BLOCKS   2000
/* Decoded bytes of one text part examined (bounce text, reply). */
#define CAD_MAIL_MAX_TEXT         (256 * 1024)
/* Message-IDs reported (a long References chain is cut here). */
#define CAD_MAIL_MAX_IDS          64
/* Bytes of one diagnostic text kept. */
#define CAD_MAIL_MAX_DIAG         1024
/* Bytes of a reply's new text kept. */
#define CAD_REPLY_TEXT_MAX        4096

#endif
