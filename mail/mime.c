/*
 * mime.c: a bounded, zero-copy walk over an untrusted message: each
 * part's header indexed in place by headers.c, multiparts split on their
 * boundaries, and message/rfc822 parts entered, within CAD_MAIL_MAX_PARTS and
 * _DEPTH. GMime decodes what the walk finds (transfer encodings, charsets, RFC
 * 2047 words); see docs/classifier.md for why the walk is our own.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "mail/mail_internal.h"

/* Longest boundary we look for (RFC 2046 §5.1.1 allows 70). */
#define MAX_BOUNDARY 200

/* ASCII lower case, inline: GLib's g_ascii_tolower() is a call. */
static inline char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* c ends a token: one of stop, or NUL (as strchr() would find it). */
static inline gboolean
is_stop(const char *stop, char c)
{
	if (c == '\0')
		return TRUE;
	for (; *stop != '\0'; stop++)
		if (*stop == c)
			return TRUE;
	return FALSE;
}

/* Copy a lower-cased token into out (size n), stopping at stop chars. */
static const char *
copy_token(const char *p, const char *end, char *out, gsize n, const char *stop)
{
	gsize k = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (p < end && !is_stop(stop, *p) && *p != ' ' && *p != '\t') {
		if (k + 1 < n)
			out[k++] = lower(*p);
		p++;
	}
	out[k] = '\0';
	return p;
}

/* Parameter value (quoted or token) into out (size n). */
static const char *
copy_value(const char *p, const char *end, char *out, gsize n)
{
	gsize k = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			if (k + 1 < n)
				out[k++] = *p;
		}
		if (p < end)
			p++;
	} else {
		for (; p < end && *p != ';' && *p != ' ' && *p != '\t'; p++)
			if (k + 1 < n)
				out[k++] = *p;
	}
	out[k] = '\0';
	return p;
}

static void
parse_content_type(cad_part *part, const char *v, char *boundary)
{
	const char *end = v + strlen(v), *p;
	char name[32], val[MAX_BOUNDARY + 1];

	p = copy_token(v, end, part->type, sizeof(part->type), "/;");
	if (p < end && *p == '/')
		p = copy_token(p + 1, end, part->subtype, sizeof(part->subtype),
		               ";");
	while ((p = memchr(p, ';', end - p)) != NULL) {
		p = copy_token(p + 1, end, name, sizeof(name), "=;");
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end || *p != '=')
			continue;
		p = copy_value(p + 1, end, val, sizeof(val));
		if (strcmp(name, "boundary") == 0 && boundary[0] == '\0')
			g_strlcpy(boundary, val, MAX_BOUNDARY + 1);
		else if (strcmp(name, "charset") == 0)
			g_strlcpy(part->charset, val, sizeof(part->charset));
		else if (strcmp(name, "report-type") == 0) {
			g_strlcpy(part->report_type, val,
			          sizeof(part->report_type));
			for (char *c = part->report_type; *c != '\0'; c++)
				*c = g_ascii_tolower(*c);
		}
	}
}

/* The MIME fields of a part, found in one pass over its header: the
 * first of each name, unfolded, or NULL. Caller frees. */
static void
mime_fields(const cad_headers *h, char **ct, char **cte, char **cd)
{
	static const struct {
		const char *name;
		gsize len, max;
	} want[] = {{"content-type", 12, 1024},
	            {"content-transfer-encoding", 25, 64},
	            {"content-disposition", 19, 64}};

	char **out[] = {ct, cte, cd};

	*ct = *cte = *cd = NULL;
	for (guint i = 0; i < h->fields->len; i++) {
		const cad_hfield *f = &g_array_index(h->fields, cad_hfield, i);
		if (f->nlen < 12 || lower(f->name[0]) != 'c')
			continue;
		for (guint k = 0; k < G_N_ELEMENTS(want); k++)
			if (*out[k] == NULL && f->nlen == want[k].len &&
			    g_ascii_strncasecmp(f->name, want[k].name,
			                        want[k].len) == 0)
				*out[k] = cad_header_unfold(f->val, f->vlen,
				                            want[k].max);
	}
}

static cad_cte
parse_cte(const char *v)
{
	if (v == NULL)
		return CAD_CTE_NONE;
	if (g_ascii_strncasecmp(v, "base64", 6) == 0)
		return CAD_CTE_BASE64;
	if (g_ascii_strncasecmp(v, "quoted-printable", 16) == 0)
		return CAD_CTE_QP;
	if (g_ascii_strncasecmp(v, "x-uuencode", 10) == 0 ||
	    g_ascii_strncasecmp(v, "uuencode", 8) == 0)
		return CAD_CTE_UUENCODE;
	return CAD_CTE_NONE;
}

/* Is the delimiter at body[i] on a line of its own ("--b" or "--b--")? */
static gboolean
delimiter_at(const char *b, gsize len, gsize i, gsize dl, gboolean *close)
{
	gsize j = i + dl;

	if (i > 0 && b[i - 1] != '\n')
		return FALSE;
	*close = j + 1 < len && b[j] == '-' && b[j + 1] == '-';
	if (*close)
		j += 2;
	while (j < len && (b[j] == ' ' || b[j] == '\t' || b[j] == '\r'))
		j++;
	return j >= len || b[j] == '\n';
}

static void walk(cad_mime *m, const char *p, gsize len, int depth,
                 int msg_level, int parent, gboolean digest);

static void
walk_multipart(cad_mime *m, int idx, const char *boundary, int depth,
               int msg_level)
{
	const cad_part *mp = cad_mime_part(m, idx);
	const char *b = mp->body;
	gsize len = mp->blen, dl, start = 0, i = 0;
	gboolean in_part = FALSE, close = FALSE;
	gboolean digest = strcmp(mp->subtype, "digest") == 0;
	char delim[MAX_BOUNDARY + 3];

	dl = (gsize)g_snprintf(delim, sizeof(delim), "--%s", boundary);
	while (i < len && !close) {
		const char *hit = memmem(b + i, len - i, delim, dl);
		gsize at, end;

		if (hit == NULL)
			break;
		at = (gsize)(hit - b);
		if (!delimiter_at(b, len, at, dl, &close)) {
			i = at + 1;
			continue;
		}
		if (in_part) {
			/* The line break before a delimiter belongs to it. */
			end = at;
			if (end > start && b[end - 1] == '\n')
				end--;
			if (end > start && b[end - 1] == '\r')
				end--;
			walk(m, b + start, end - start, depth + 1, msg_level,
			     idx, digest);
			if (m->truncated)
				return;
		}
		hit = memchr(b + at, '\n', len - at);
		start = i = hit != NULL ? (gsize)(hit - b) + 1 : len;
		in_part = TRUE;
	}
	if (in_part && !close && start < len)
		walk(m, b + start, len - start, depth + 1, msg_level, idx,
		     digest);
	/* No delimiter at all (a report whose writer lost its parts):
	 * the body is all preamble, which is then the message's text. */
	if (!in_part) {
		cad_part *self = &g_array_index(m->parts, cad_part, idx);
		g_strlcpy(self->type, "text", sizeof(self->type));
		g_strlcpy(self->subtype, "plain", sizeof(self->subtype));
		self->leaf = TRUE;
	}
}

/* Lines at the start of a multipart's body searched for its first
 * delimiter when the boundary parameter is lost: a preamble is a line
 * or two ("This is a multi-part message in MIME format."). */
#define MAX_PREAMBLE_LINES 8

/* The boundary of a multipart whose Content-Type lost it (a gateway
 * that breaks the folded parameter onto an unindented line, which ends
 * the header there): the first "--token" line of the body names it. */
static void
infer_boundary(const char *b, gsize len, char *boundary)
{
	gsize i = 0;

	for (int n = 0; n < MAX_PREAMBLE_LINES && i < len; n++) {
		const char *nl = memchr(b + i, '\n', len - i);
		gsize e = nl != NULL ? (gsize)(nl - b) : len, l;

		l = e - i;
		while (l > 0 && (b[i + l - 1] == '\r' || b[i + l - 1] == ' '))
			l--;
		if (l > 2 && l - 2 <= MAX_BOUNDARY && b[i] == '-' &&
		    b[i + 1] == '-' && memchr(b + i, ' ', l) == NULL) {
			memcpy(boundary, b + i + 2, l - 2);
			boundary[l - 2] = '\0';
			return;
		}
		i = e + 1;
	}
}

static void
walk(cad_mime *m, const char *p, gsize len, int depth, int msg_level,
     int parent, gboolean digest)
{
	cad_part part;
	gsize body;
	char boundary[MAX_BOUNDARY + 1] = "";
	g_autofree char *ct = NULL, *cte = NULL, *cd = NULL;
	int idx;

	if (m->parts->len >= CAD_MAIL_MAX_PARTS || depth > CAD_MAIL_MAX_DEPTH) {
		m->truncated = TRUE;
		return;
	}
	memset(&part, 0, sizeof(part));
	cad_headers_parse(&part.hdr, p, len, &body);
	part.body = p + body;
	part.blen = len - body;
	part.depth = depth;
	part.msg_level = msg_level;
	part.parent = parent;
	mime_fields(&part.hdr, &ct, &cte, &cd);
	if (ct != NULL)
		parse_content_type(&part, ct, boundary);
	if (part.type[0] == '\0' || part.subtype[0] == '\0') {
		g_strlcpy(part.type, digest ? "message" : "text",
		          sizeof(part.type));
		g_strlcpy(part.subtype, digest ? "rfc822" : "plain",
		          sizeof(part.subtype));
	}
	part.cte = parse_cte(cte);
	part.attachment =
	    cd != NULL && g_ascii_strncasecmp(cd, "attachment", 10) == 0;
	part.leaf = TRUE;
	if (strcmp(part.type, "multipart") == 0 && boundary[0] == '\0')
		infer_boundary(part.body, part.blen, boundary);
	if (strcmp(part.type, "multipart") == 0 && boundary[0] != '\0')
		part.leaf = FALSE;
	if (strcmp(part.type, "message") == 0 &&
	    (strcmp(part.subtype, "rfc822") == 0 ||
	     strcmp(part.subtype, "global") == 0 ||
	     strcmp(part.subtype, "rfc2822") == 0 ||
	     strcmp(part.subtype, "news") == 0) &&
	    part.cte == CAD_CTE_NONE)
		part.leaf = FALSE;
	g_array_append_val(m->parts, part);
	idx = (int)m->parts->len - 1;
	if (part.leaf)
		return;
	if (strcmp(part.type, "multipart") == 0)
		walk_multipart(m, idx, boundary, depth, msg_level);
	else
		walk(m, part.body, part.blen, depth + 1, msg_level + 1, idx,
		     FALSE);
}

void
cad_mime_walk(cad_mime *m, const char *data, gsize len)
{
	m->parts = g_array_sized_new(FALSE, TRUE, sizeof(cad_part), 8);
	m->truncated = FALSE;
	/* Some stored messages start with blank or space-only lines. */
	for (gsize i = 0; i < len && i < 4096; i++) {
		if (data[i] == '\n') {
			len -= i + 1;
			data += i + 1;
			i = (gsize)-1;
		} else if (data[i] != ' ' && data[i] != '\t' && data[i] != '\r')
			break;
	}
	walk(m, data, len, 0, 0, -1, FALSE);
}

void
cad_mime_clear(cad_mime *m)
{
	if (m->parts == NULL)
		return;
	for (guint i = 0; i < m->parts->len; i++)
		cad_headers_clear(&g_array_index(m->parts, cad_part, i).hdr);
	g_array_free(m->parts, TRUE);
	m->parts = NULL;
}

const cad_part *
cad_mime_part(const cad_mime *m, guint i)
{
	return i < m->parts->len ? &g_array_index(m->parts, cad_part, i) : NULL;
}

gboolean
cad_part_is(const cad_part *p, const char *type, const char *sub)
{
	return strcmp(p->type, type) == 0 &&
	       (sub == NULL || strcmp(p->subtype, sub) == 0);
}

int
cad_mime_first_text(const cad_mime *m)
{
	int html = -1;

	for (guint i = 0; i < m->parts->len; i++) {
		const cad_part *p = cad_mime_part(m, i);
		if (!p->leaf || p->msg_level > 0 || p->attachment ||
		    strcmp(p->type, "text") != 0)
			continue;
		if (strcmp(p->subtype, "plain") == 0)
			return (int)i;
		if (strcmp(p->subtype, "html") == 0 && html < 0)
			html = (int)i;
	}
	return html;
}

/* Undo the transfer encoding with GMime's incremental decoders. */
static GByteArray *
decode_cte(const cad_part *p)
{
	gsize len = MIN(p->blen, (gsize)CAD_MAIL_MAX_TEXT);
	GByteArray *out;
	GMimeEncoding enc;
	GMimeContentEncoding ce;
	gsize n;

	if (p->cte == CAD_CTE_NONE) {
		out = g_byte_array_sized_new(len + 1);
		g_byte_array_append(out, (const guint8 *)p->body, len);
		return out;
	}
	ce = p->cte == CAD_CTE_BASE64 ? GMIME_CONTENT_ENCODING_BASE64
	     : p->cte == CAD_CTE_QP   ? GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
	                              : GMIME_CONTENT_ENCODING_UUENCODE;
	g_mime_encoding_init_decode(&enc, ce);
	out = g_byte_array_sized_new(g_mime_encoding_outlen(&enc, len) + 1);
	g_byte_array_set_size(out, g_mime_encoding_outlen(&enc, len) + 1);
	n = g_mime_encoding_flush(&enc, p->body, len, (char *)out->data);
	g_byte_array_set_size(out, MIN(n, out->len));
	return out;
}

/*
 * Conversion descriptors kept between messages, a few per charset. Each
 * iconv_open() of glibc finds and may dlopen() the charset's gconv
 * module again, which cost a tenth of the classifier's time; a module
 * stays loaded while a descriptor of its charset is kept here, which
 * also spares GMime's own opens for RFC 2047 words.
 */
#define ICONV_KEPT 16

static GMutex iconv_lock;

static struct {
	char charset[48];
	iconv_t cd; /* NULL: the slot is free */
} iconv_kept[ICONV_KEPT];

static iconv_t
iconv_take(const char *cs)
{
	iconv_t cd = NULL;

	g_mutex_lock(&iconv_lock);
	for (guint i = 0; i < ICONV_KEPT && cd == NULL; i++)
		if (iconv_kept[i].cd != NULL &&
		    strcmp(iconv_kept[i].charset, cs) == 0) {
			cd = iconv_kept[i].cd;
			iconv_kept[i].cd = NULL;
		}
	g_mutex_unlock(&iconv_lock);
	if (cd == NULL)
		return g_mime_iconv_open("UTF-8", cs);
	iconv(cd, NULL, NULL, NULL, NULL); /* back to the initial state */
	return cd;
}

static void
iconv_give(const char *cs, iconv_t cd)
{
	gboolean kept = FALSE;

	g_mutex_lock(&iconv_lock);
	for (guint i = 0; i < ICONV_KEPT && !kept &&
	                  strlen(cs) < sizeof(iconv_kept[i].charset);
	     i++)
		if (iconv_kept[i].cd == NULL) {
			g_strlcpy(iconv_kept[i].charset, cs,
			          sizeof(iconv_kept[i].charset));
			iconv_kept[i].cd = cd;
			kept = TRUE;
		}
	g_mutex_unlock(&iconv_lock);
	if (!kept)
		g_mime_iconv_close(cd);
}

/* Valid UTF-8; ASCII, the common case, is checked eight bytes at a
 * time before GLib's bytewise validation. */
static gboolean
utf8_valid(const guint8 *b, gsize len)
{
	gsize i = 0;

	for (; i + 8 <= len; i += 8) {
		guint64 w;
		memcpy(&w, b + i, 8);
		if (w & G_GUINT64_CONSTANT(0x8080808080808080))
			break;
	}
	while (i < len && b[i] < 0x80)
		i++;
	return i == len ||
	       g_utf8_validate_len((const char *)b + i, len - i, NULL);
}

/* An ISO-2022-JP escape to JIS X 0208 ("ESC $ B" or "ESC $ @") in b. */
static gboolean
iso2022_escape(const guint8 *b, gsize len)
{
	for (const guint8 *e = memchr(b, 0x1b, len); e != NULL;
	     e = memchr(e + 1, 0x1b, len - (gsize)(e + 1 - b)))
		if ((gsize)(e - b) + 2 < len && e[1] == '$' &&
		    (e[2] == 'B' || e[2] == '@'))
			return TRUE;
	return FALSE;
}

/* raw as valid UTF-8, taking raw. */
static char *
to_utf8(GByteArray *raw, const char *charset)
{
	const char *cs;
	iconv_t cd;
	char *s = NULL;

	/* NUL bytes would end every string operation early. */
	for (guint8 *z = memchr(raw->data, '\0', raw->len); z != NULL;
	     z = memchr(z, '\0', raw->len - (gsize)(z - raw->data)))
		*z = ' ';
	/* Japanese mail often names no charset; its escapes give it away. */
	if ((charset[0] == '\0' || !g_ascii_strcasecmp(charset, "us-ascii")) &&
	    iso2022_escape(raw->data, raw->len))
		charset = "iso-2022-jp";
	if (charset[0] != '\0' && g_ascii_strcasecmp(charset, "us-ascii") &&
	    g_ascii_strcasecmp(charset, "utf-8") &&
	    g_ascii_strcasecmp(charset, "utf8")) {
		cs = g_mime_charset_iconv_name(charset);
		cd = iconv_take(cs);
		if (cd != (iconv_t)-1) {
			s = g_mime_iconv_strndup(cd, (const char *)raw->data,
			                         raw->len);
			iconv_give(cs, cd);
		}
		if (s != NULL && utf8_valid((const guint8 *)s, strlen(s))) {
			g_byte_array_unref(raw);
			return s;
		}
		g_free(s);
	}
	/* Most text is valid already: the bytes become the string. */
	if (utf8_valid(raw->data, raw->len)) {
		g_byte_array_append(raw, (const guint8 *)"", 1);
		return (char *)g_byte_array_free(raw, FALSE);
	}
	s = cad_utf8_make_valid((const char *)raw->data, raw->len);
	g_byte_array_unref(raw);
	return s;
}

/* Crude HTML to text: tags dropped, block ends made line breaks, the
 * commonest entities decoded. Enough for phrase matching. */
static char *
html_to_text(const char *h)
{
	GString *out = g_string_sized_new(strlen(h) / 2 + 1);

	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&nbsp;", ' '}, {"&lt;", '<'},   {"&gt;", '>'},
	            {"&amp;", '&'},  {"&quot;", '"'}, {"&#39;", '\''}};

	for (const char *p = h; *p != '\0';) {
		if (*p == '<') {
			const char *e = strchr(p, '>');
			if (e == NULL)
				break;
			if (g_ascii_strncasecmp(p, "<br", 3) == 0 ||
			    g_ascii_strncasecmp(p, "</p", 3) == 0 ||
			    g_ascii_strncasecmp(p, "</div", 5) == 0 ||
			    g_ascii_strncasecmp(p, "</tr", 4) == 0 ||
			    g_ascii_strncasecmp(p, "</li", 4) == 0)
				g_string_append_c(out, '\n');
			else if (g_ascii_strncasecmp(p, "<style", 6) == 0 ||
			         g_ascii_strncasecmp(p, "<script", 7) == 0) {
				const char *c = strstr(e, "</");
				e = c != NULL ? strchr(c, '>') : NULL;
				if (e == NULL)
					break;
			} else
				g_string_append_c(out, ' ');
			p = e + 1;
			continue;
		}
		if (*p == '&') {
			gsize k;
			for (k = 0; k < G_N_ELEMENTS(ents); k++)
				if (strncmp(p, ents[k].ent,
				            strlen(ents[k].ent)) == 0)
					break;
			if (k < G_N_ELEMENTS(ents)) {
				g_string_append_c(out, ents[k].c);
				p += strlen(ents[k].ent);
				continue;
			}
		}
		g_string_append_c(out, *p++);
	}
	return g_string_free(out, FALSE);
}

char *
cad_part_text(const cad_part *p, gboolean html)
{
	char *s = to_utf8(decode_cte(p), p->charset);

	if (html && strcmp(p->subtype, "html") == 0) {
		char *t = html_to_text(s);
		g_free(s);
		s = t;
	}
	return s;
}
