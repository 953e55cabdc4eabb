/*
 * headers.h: the one reader of header blocks in cadence. It indexes an
 * untrusted header block in place, within CAD_MAIL_MAX_HEADER_BYTES and
 * CAD_MAIL_MAX_HEADERS, and answers lookups by name. The classifier reads
 * every part's header with it, the milter's message buffer and the inbound
 * layer (matching, enrollment by BCC) read theirs with it too, so that a
 * header means the same thing to each of them.
 */
#ifndef CAD_MAIL_HEADERS_H
#define CAD_MAIL_HEADERS_H

#include <glib.h>

#include "mail/classify.h"

/* One header field, pointing into the message: raw, possibly folded. */
typedef struct {
	const char *name;
	gsize nlen;
	const char *val; /* after the colon, leading white space included */
	gsize vlen;
} cad_hfield;

/* An indexed header block: at most CAD_MAIL_MAX_HEADERS fields. */
typedef struct {
	GArray *fields; /* cad_hfield */
	char *buf;      /* a copy the fields point into, or NULL */
} cad_headers;

/*
 * cad_headers_parse - index the header block at p (len bytes: a message,
 * LF or CRLF, an mbox "From " line before it skipped) into h: its first
 * CAD_MAIL_MAX_HEADER_BYTES, at most CAD_MAIL_MAX_HEADERS fields. Returns
 * the block's length (to the blank line, exclusive) and sets *body to
 * where the body starts. The fields point into p: keep p unchanged while
 * h is used. A line that is neither a field nor a continuation ends the
 * block. Free with cad_headers_clear().
 */
gsize cad_headers_parse(cad_headers *h, const char *p, gsize len, gsize *body);
void cad_headers_clear(cad_headers *h);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(cad_headers, cad_headers_clear)

/* The raw value of the first field called name (any case), or NULL. */
const char *cad_header_raw(const cad_headers *h, const char *name, gsize *vlen);

/*
 * cad_header_next - the raw value of the next field called name at or
 * after index *i, or NULL; *i is then past it. Start with *i = 0 to see
 * every field of that name in order (a message with two To fields).
 */
const char *cad_header_next(const cad_headers *h, const char *name, guint *i,
                            gsize *vlen);

/*
 * cad_header_unfold - a raw value unfolded: line breaks and NULs dropped,
 * tabs made spaces, runs of spaces one, the ends trimmed, at most max
 * bytes. Caller frees.
 */
char *cad_header_unfold(const char *v, gsize vlen, gsize max);

/* The unfolded value of the first field called name (at most max bytes),
 * or NULL. Caller frees. */
char *cad_header_get(const cad_headers *h, const char *name, gsize max);

/* Unfolded, RFC 2047-decoded, printable UTF-8 value (at most 2048
 * bytes), or NULL. Caller frees. */
char *cad_header_decoded(const cad_headers *h, const char *name);

/*
 * cad_list_mail - the one definition of list mail: a mailing list's
 * fields (List-Id, List-Post, List-Unsubscribe, Mailing-List,
 * X-Mailing-List), a bulk sender's (X-Campaign, Feedback-ID), or
 * Precedence: list, bulk or junk. Such mail is never a person writing
 * back, nor an out-of-office reply.
 */
gboolean cad_list_mail(const cad_headers *h);

#endif
