/*
 * msgbuf.c: rebuild a bounded copy of a message from libmilter's header
 * and body callbacks, for the classifier and the enrollment parser.
 */
#include "milter/msgbuf.h"

#include <string.h>

static const char *const hdr_names[CAD_HDR_COUNT] = {
    [CAD_HDR_FROM] = "From",
    [CAD_HDR_TO] = "To",
    [CAD_HDR_CC] = "Cc",
    [CAD_HDR_SUBJECT] = "Subject",
    [CAD_HDR_MESSAGE_ID] = "Message-ID",
    [CAD_HDR_IN_REPLY_TO] = "In-Reply-To",
    [CAD_HDR_REFERENCES] = "References",
};

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
	for (int i = 0; i < CAD_HDR_COUNT; i++)
		g_free(mb->hdr[i]);
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
	for (int i = 0; i < CAD_HDR_COUNT; i++)
		if (mb->hdr[i] == NULL &&
		    g_ascii_strcasecmp(name, hdr_names[i]) == 0)
			mb->hdr[i] = g_strdup(value);
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

const char *
cad_msgbuf_get(const cad_msgbuf *mb, cad_hdr h)
{
	return h < CAD_HDR_COUNT ? mb->hdr[h] : NULL;
}

/* The end of the line starting at p (at the LF, or end). */
static const char *
line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl : end;
}

char *
cad_raw_header(const char *data, gsize len, const char *name)
{
	const char *p = data, *end = data + MIN(len, CAD_MSGBUF_HEADER_MAX);
	gsize nlen = strlen(name);

	while (p < end) {
		const char *e = line_end(p, end);
		gsize l = (gsize)(e - p);
		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (l == 0)
			return NULL; /* end of the header block */
		if (l > nlen && p[nlen] == ':' &&
		    g_ascii_strncasecmp(p, name, nlen) == 0) {
			GString *v = g_string_new(NULL);
			const char *s = p + nlen + 1;
			for (;;) {
				const char *le = e;
				if (le > s && le[-1] == '\r')
					le--;
				g_string_append_len(v, s, le - s);
				if (e >= end || e + 1 >= end ||
				    (e[1] != ' ' && e[1] != '\t'))
					break;
				s = e + 1;
				e = line_end(s, end);
			}
			g_strstrip(v->str);
			return g_string_free(v, FALSE);
		}
		p = e < end ? e + 1 : end;
	}
	return NULL;
}
