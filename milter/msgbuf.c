/*
 * msgbuf.c: rebuild a bounded copy of a message from libmilter's header
 * and body callbacks, for the classifier and the enrollment parser; its
 * fields are indexed by the one header reader (mail/headers.c).
 */
#include "milter/msgbuf.h"

#include <string.h>

void
cad_msgbuf_init(cad_msgbuf *mb, gsize body_max)
{
	memset(mb, 0, sizeof(*mb));
	mb->data = g_string_sized_new(4096);
	mb->body_max = body_max > 0 ? body_max : CAD_MSGBUF_BODY_DEFAULT;
}

void
cad_msgbuf_clear(cad_msgbuf *mb)
{
	if (mb->data != NULL)
		g_string_free(mb->data, TRUE);
	memset(mb, 0, sizeof(*mb));
}

gboolean
cad_msgbuf_header(cad_msgbuf *mb, const char *name, const char *value)
{
	gsize nlen = strlen(name), vlen = strlen(value), extra = 0;

	for (const char *p = value; *p != '\0'; p++)
		if (*p == '\n')
			extra++;
	if (mb->eoh || mb->nheaders >= CAD_MSGBUF_HEADERS_COUNT_MAX ||
	    mb->data->len + nlen + vlen + extra + 4 > CAD_MSGBUF_HEADER_MAX) {
		mb->header_truncated = TRUE;
		return FALSE;
	}
	mb->nheaders++;
	g_string_append_len(mb->data, name, (gssize)nlen);
	g_string_append(mb->data, ": ");
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			g_string_append_c(mb->data, '\r');
		g_string_append_c(mb->data, *p);
	}
	g_string_append(mb->data, "\r\n");
	return TRUE;
}

void
cad_msgbuf_eoh(cad_msgbuf *mb)
{
	if (mb->eoh)
		return;
	g_string_append(mb->data, "\r\n");
	mb->body_start = mb->data->len;
	mb->eoh = TRUE;
}

gboolean
cad_msgbuf_body(cad_msgbuf *mb, const void *chunk, gsize len)
{
	gsize have;

	cad_msgbuf_eoh(mb);
	have = mb->data->len - mb->body_start;
	if (have >= mb->body_max) {
		mb->body_truncated = mb->body_truncated || len > 0;
		return FALSE;
	}
	if (len > mb->body_max - have) {
		len = mb->body_max - have;
		mb->body_truncated = TRUE;
	}
	g_string_append_len(mb->data, chunk, (gssize)len);
	return mb->data->len - mb->body_start < mb->body_max;
}

const cad_headers *
cad_msgbuf_headers(const cad_msgbuf *mb, cad_headers *h)
{
	gsize body;

	cad_headers_parse(h, mb->data->str,
	                  mb->eoh ? mb->body_start : mb->data->len, &body);
	return h;
}
