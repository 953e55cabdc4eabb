/*
 * msgbuf.h: what the milter keeps of one message: the header block, as
 * rebuilt from the header callbacks, and the first part of the body, each
 * under a fixed cap, so that no message can make the milter grow. Its
 * fields are read with the one header reader, mail/headers.h.
 */
#ifndef CAD_MILTER_MSGBUF_H
#define CAD_MILTER_MSGBUF_H

#include <glib.h>

#include "mail/headers.h"

/*
 * Largest header block kept. Postfix itself stops at header_size_limit
 * (100 KiB) per header and rarely passes more than a few KiB in all;
 * 256 KiB holds any real header block, long Received chains included.
 */
#define CAD_MSGBUF_HEADER_MAX (256 * 1024)

/* Most header fields kept: real mail has under 100. */
#define CAD_MSGBUF_HEADERS_COUNT_MAX 1000

/*
 * Default body cap ([milter] max_body_bytes when unset or 0). Matching
 * needs the text a prospect wrote above the quote, a DSN's
 * delivery-status part and the returned headers, or an ARF report: all
 * within the first few KiB of the body, since a DSN puts the original
 * last and any returned body after its headers. 256 KiB is ample.
 */
#define CAD_MSGBUF_BODY_DEFAULT (256 * 1024)

typedef struct {
	GString *data;    /* headers CRLF, blank line, body: a message */
	gsize body_start; /* offset of the body in data, after eoh */
	gsize body_max;   /* cap on the body bytes kept */
	guint nheaders;
	gboolean header_truncated; /* some headers were dropped */
	gboolean body_truncated;   /* the body was cut at body_max */
	gboolean eoh;
} cad_msgbuf;

/* cad_msgbuf_init - an empty buffer keeping at most body_max body bytes. */
void cad_msgbuf_init(cad_msgbuf *mb, gsize body_max);
/* cad_msgbuf_clear - free what mb holds; it may be initialised again. */
void cad_msgbuf_clear(cad_msgbuf *mb);

/*
 * cad_msgbuf_header - append one header field as libmilter passes it:
 * value without the space after the colon, folded with bare LF. Written
 * as "name: value" CRLF with each LF turned into CRLF. Returns FALSE (and
 * keeps nothing of it) once the header cap is reached.
 */
gboolean cad_msgbuf_header(cad_msgbuf *mb, const char *name, const char *value);

/* cad_msgbuf_eoh - end of headers: append the blank line. */
void cad_msgbuf_eoh(cad_msgbuf *mb);

/*
 * cad_msgbuf_body - append a body chunk (not NUL-terminated, may hold NUL)
 * up to the body cap. Returns FALSE when the cap is reached: the caller
 * may stop sending the body (SMFIS_SKIP).
 */
gboolean cad_msgbuf_body(cad_msgbuf *mb, const void *chunk, gsize len);

/*
 * cad_msgbuf_headers - index the header block kept so far with the one
 * header reader (mail/headers.h) into h, and return it. The fields point
 * into mb->data: use h before the next change of mb, then
 * cad_headers_clear() it.
 */
const cad_headers *cad_msgbuf_headers(const cad_msgbuf *mb, cad_headers *h);

#endif
