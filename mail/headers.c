/*
 * headers.c: the one header reader (see headers.h): a header block
 * indexed in place, lookups by name, values unfolded and decoded, and
 * the one definition of list mail.
 */
#include "mail/headers.h"

#include <string.h>

#include <gmime/gmime.h>

#include "mail/mail_internal.h"

/* Bytes of a Precedence value read: the keywords are short. */
#define PRECEDENCE_MAX 256

/* ASCII lower case, inline: GLib's g_ascii_tolower() is a call. */
static inline char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static gboolean
is_field_char(unsigned char c)
{
	return c > ' ' && c < 127 && c != ':';
}

/* is_field_char() of every byte, looked up: a header has many names. */
static const guint8 *
field_chars(void)
{
	static guint8 table[256];
	static gsize done;

	if (g_once_init_enter(&done)) {
		for (guint c = 0; c < 256; c++)
			table[c] = is_field_char((unsigned char)c);
		g_once_init_leave(&done, 1);
	}
	return table;
}

/* Length of a field name at p followed by optional WSP and ':', else 0. */
static gsize
field_name_len(const char *p, gsize len)
{
	const guint8 *fc = field_chars();
	gsize n = 0, i;

	while (n < len && fc[(unsigned char)p[n]])
		n++;
	if (n == 0)
		return 0;
	for (i = n; i < len && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	return i < len && p[i] == ':' ? n : 0;
}

/* The end of field f of h: where the line after it starts, within the
 * indexed bytes. */
static void
field_close(cad_headers *h, gssize f, gsize at, const char *p, gsize cap)
{
	cad_hfield *hf;

	if (f < 0)
		return;
	hf = &g_array_index(h->fields, cad_hfield, f);
	hf->vlen = (gsize)(p + MIN(at, cap) - hf->val);
}

gsize
cad_headers_parse(cad_headers *h, const char *p, gsize len, gsize *body)
{
	const gsize cap = MIN(len, (gsize)CAD_MAIL_MAX_HEADER_BYTES);
	gsize i = 0, hl = len;
	gssize open = -1; /* the field continuation lines belong to */
	gboolean seen = FALSE;

	h->fields = g_array_sized_new(FALSE, FALSE, sizeof(cad_hfield), 32);
	h->buf = NULL;
	*body = len;
	/* An mbox "From " separator before the first field. */
	if (len >= 5 && memcmp(p, "From ", 5) == 0) {
		const char *nl = memchr(p, '\n', len);
		i = nl != NULL ? (gsize)(nl - p) + 1 : len;
	}
	while (i < len) {
		const char *nl = memchr(p + i, '\n', len - i);
		gsize next = nl != NULL ? (gsize)(nl - p) + 1 : len;
		gsize l = next - i, nlen;

		if (l == 1 || (l == 2 && p[i] == '\r') ||
		    (nl == NULL && l == 1 && p[i] == '\r')) {
			*body = next;
			hl = i;
			break;
		}
		if (p[i] == ' ' || p[i] == '\t') {
			if (!seen) {
				*body = hl = i;
				break;
			}
		} else if ((nlen = field_name_len(p + i, l)) == 0) {
			*body = hl = i;
			break;
		} else {
			field_close(h, open, i, p, cap);
			open = -1;
			/* Fields are indexed within the first bytes only. */
			if (i < cap && h->fields->len < CAD_MAIL_MAX_HEADERS) {
				gsize e = MIN(next, cap);
				gsize n = e == next
				              ? nlen
				              : field_name_len(p + i, e - i);
				cad_hfield f;
				if (n > 0) {
					f.name = p + i;
					f.nlen = n;
					f.val = (const char *)memchr(
					            p + i + n, ':', e - i - n) +
					        1;
					f.vlen = 0;
					g_array_append_val(h->fields, f);
					open = (gssize)h->fields->len - 1;
				}
			}
		}
		seen = TRUE;
		i = next;
	}
	field_close(h, open, hl, p, cap);
	return hl;
}

void
cad_headers_clear(cad_headers *h)
{
	if (h->fields != NULL)
		g_array_free(h->fields, TRUE);
	g_free(h->buf);
	h->fields = NULL;
	h->buf = NULL;
}

const char *
cad_header_next(const cad_headers *h, const char *name, guint *i, gsize *vlen)
{
	gsize n = strlen(name);
	char c0 = lower(name[0]);

	if (h->fields == NULL)
		return NULL;
	for (; *i < h->fields->len; (*i)++) {
		const cad_hfield *f = &g_array_index(h->fields, cad_hfield, *i);
		if (f->nlen == n && lower(f->name[0]) == c0 &&
		    g_ascii_strncasecmp(f->name, name, n) == 0) {
			(*i)++;
			*vlen = f->vlen;
			return f->val;
		}
	}
	return NULL;
}

/* The classifier's hot lookup: cad_header_next() from 0, without the
 * index kept through a pointer. */
const char *
cad_header_raw(const cad_headers *h, const char *name, gsize *vlen)
{
	gsize n = strlen(name);
	char c0 = lower(name[0]);

	if (h->fields == NULL)
		return NULL;
	for (guint i = 0; i < h->fields->len; i++) {
		const cad_hfield *f = &g_array_index(h->fields, cad_hfield, i);
		if (f->nlen == n && lower(f->name[0]) == c0 &&
		    g_ascii_strncasecmp(f->name, name, n) == 0) {
			*vlen = f->vlen;
			return f->val;
		}
	}
	return NULL;
}

char *
cad_header_unfold(const char *v, gsize vlen, gsize max)
{
	gsize k = 0;
	char *s = g_malloc(MIN(vlen, max) + 1);

	for (gsize i = 0; i < vlen && k < max; i++) {
		char c = v[i];
		/* Most bytes are none of the five that need a look. */
		if ((guchar)c > ' ') {
			s[k++] = c;
			continue;
		}
		if (c == '\r' || c == '\n' || c == '\0')
			continue;
		if (c == '\t')
			c = ' ';
		if (c == ' ' && (k == 0 || s[k - 1] == ' '))
			continue;
		s[k++] = c;
	}
	while (k > 0 && s[k - 1] == ' ')
		k--;
	s[k] = '\0';
	return s;
}

char *
cad_header_get(const cad_headers *h, const char *name, gsize max)
{
	gsize vlen;
	const char *v = cad_header_raw(h, name, &vlen);

	return v != NULL ? cad_header_unfold(v, vlen, max) : NULL;
}

static gboolean
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((guchar)*s >= 0x80)
			return FALSE;
	return TRUE;
}

char *
cad_header_decoded(const cad_headers *h, const char *name)
{
	g_autofree char *raw = cad_header_get(h, name, 2048);
	char *dec, *clean;

	if (raw == NULL)
		return NULL;
	/* ASCII without an encoded word decodes to itself. */
	if (strstr(raw, "=?") == NULL && is_ascii(raw))
		return cad_text_clean(raw, strlen(raw), 2048);
	dec = g_mime_utils_header_decode_text(NULL, raw);
	if (dec == NULL)
		return cad_text_clean(raw, strlen(raw), 2048);
	clean = cad_text_clean(dec, strlen(dec), 2048);
	g_free(dec);
	return clean;
}

gboolean
cad_list_mail(const cad_headers *h)
{
	g_autofree char *v = NULL, *prec = NULL;
	gsize vlen;

	if (cad_header_raw(h, "List-Id", &vlen) != NULL ||
	    cad_header_raw(h, "List-Post", &vlen) != NULL ||
	    cad_header_raw(h, "Mailing-List", &vlen) != NULL ||
	    cad_header_raw(h, "X-Mailing-List", &vlen) != NULL ||
	    cad_header_raw(h, "List-Unsubscribe", &vlen) != NULL ||
	    cad_header_raw(h, "X-Campaign", &vlen) != NULL ||
	    cad_header_raw(h, "Feedback-ID", &vlen) != NULL)
		return TRUE;
	v = cad_header_get(h, "Precedence", PRECEDENCE_MAX);
	prec = v != NULL ? cad_text_fold(v, strlen(v)) : NULL;
	return prec != NULL &&
	       (strstr(prec, "list") != NULL || strstr(prec, "bulk") != NULL ||
	        strstr(prec, "junk") != NULL);
}
