/*
 * text.c: small helpers over decoded text shared by the classifier's
 * modules: folding for phrase matching, status and reply codes, addresses
 * found in free text, printable copies and subject prefixes.
 */
#include <string.h>

#include "common/util.h"
#include "mail/mail_internal.h"

char *
cad_text_fold(const char *s, gsize len)
{
	char *out = g_malloc(len + 1);
	gsize k = 0;

	for (gsize i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\t' || c == '\r' || c == '\n' || c == ' ') {
			if (k > 0 && out[k - 1] != ' ')
				out[k++] = ' ';
			continue;
		}
		out[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[k] = '\0';
	return out;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), else 0; a NUL byte is
 * not text. As g_utf8_validate() reads it. */
static gsize
utf8_seq(const guchar *s, gsize left)
{
	guchar c = s[0], lo = 0x80, hi = 0xbf;
	gsize n;

	if (c < 0x80)
		return c != 0;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (left < n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (gsize i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

char *
cad_utf8_make_valid(const char *s, gsize len)
{
	const guchar *p = (const guchar *)s, *end = p + len;
	GString *out = g_string_sized_new(len + 16);

	while (p < end) {
		const guchar *run = p;
		gsize n = 1;
		/* ASCII runs first, then whole sequences. */
		while (p < end && *p < 0x80 && *p != 0)
			p++;
		while (p < end && (n = utf8_seq(p, (gsize)(end - p))) > 0)
			p += n;
		g_string_append_len(out, (const char *)run, p - run);
		if (p < end) {
			g_string_append(out, "\xef\xbf\xbd"); /* U+FFFD */
			p++;
		}
	}
	return g_string_free(out, FALSE);
}

gboolean
cad_text_has_any(const char *s, const char *const *phrases)
{
	if (s == NULL)
		return FALSE;
	for (gsize i = 0; phrases[i] != NULL; i++)
		if (strstr(s, phrases[i]) != NULL)
			return TRUE;
	return FALSE;
}

/* A status code at s: class 2, 4 or 5, subject 0-7, detail 0-999. */
static gsize
status_len(const char *s)
{
	gsize i = 1, d;

	if (s[0] != '2' && s[0] != '4' && s[0] != '5')
		return 0;
	if (s[i++] != '.')
		return 0;
	for (d = 0; g_ascii_isdigit(s[i]) && d < 3; d++, i++)
		;
	if (d == 0 || s[i++] != '.')
		return 0;
	for (d = 0; g_ascii_isdigit(s[i]) && d < 3; d++, i++)
		;
	if (d == 0 || g_ascii_isdigit(s[i]) || s[i] == '.')
		return 0;
	return i;
}

/* The first status code in s, or with failures only the first of
 * class 4 or 5, into out. */
static gboolean
status_scan(const char *s, char out[16], gboolean failures_only)
{
	if (s == NULL || *s == '\0')
		return FALSE;
	/* A code has a dot after its first digit: visit the dots only. */
	for (const char *d = strchr(s + 1, '.'); d != NULL;
	     d = strchr(d + 1, '.')) {
		const char *p = d - 1;
		gsize n;
		if (p > s && (g_ascii_isalnum(p[-1]) || p[-1] == '.'))
			continue;
		n = status_len(p);
		if (n > 0 && n < 16 && !(failures_only && p[0] == '2')) {
			memcpy(out, p, n);
			out[n] = '\0';
			return TRUE;
		}
	}
	return FALSE;
}

gboolean
cad_text_status(const char *s, char out[16])
{
	return status_scan(s, out, FALSE);
}

gboolean
cad_text_failure_status(const char *s, char out[16])
{
	return status_scan(s, out, TRUE);
}

int
cad_text_smtp_code(const char *s)
{
	if (s == NULL)
		return 0;
	/* A reply code starts with 4 or 5: visit those only. */
	for (const char *p = strpbrk(s, "45");
	     p != NULL && p[1] != '\0' && p[2] != '\0';
	     p = strpbrk(p + 1, "45")) {
		if (p > s && (g_ascii_isalnum(p[-1]) || p[-1] == '.' ||
		              p[-1] == '-' || p[-1] == ':'))
			continue;
		if (g_ascii_isdigit(p[1]) && g_ascii_isdigit(p[2]) &&
		    (p[3] == ' ' || p[3] == '-' || p[3] == '\0') && p[1] <= '5')
			return (p[0] - '0') * 100 + (p[1] - '0') * 10 +
			       (p[2] - '0');
	}
	return 0;
}

static gboolean
is_local_char(unsigned char c)
{
	return g_ascii_isalnum(c) || c >= 0x80 ||
	       strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

static gboolean
is_domain_char(unsigned char c)
{
	return g_ascii_isalnum(c) || c == '-' || c == '.';
}

char *
cad_text_address_at(const char *s, gsize len, gsize at, gsize *from, gsize *to)
{
	gsize a = at, b = at + 1;
	g_autofree char *raw = NULL;

	while (a > 0 && at - a < 64 && is_local_char((unsigned char)s[a - 1]))
		a--;
	while (a < at && (s[a] == '.' || s[a] == '\''))
		a++;
	/* Exchange writes "SMTP=user@host" and "[SMTP:user@host]". */
	for (gsize k = a; k < at; k++)
		if (s[k] == '=' && k >= a + 4 &&
		    g_ascii_strncasecmp(s + k - 4, "smtp", 4) == 0)
			a = k + 1;
	while (b < len && b - at < 255 && is_domain_char((unsigned char)s[b]))
		b++;
	while (b > at + 1 && (s[b - 1] == '.' || s[b - 1] == '-'))
		b--;
	if (a == at || b <= at + 1 ||
	    memchr(s + at + 1, '.', b - at - 1) == NULL)
		return NULL;
	/* "rfc822;user@host" and "mailto:user@host" lose their prefix. */
	raw = g_strndup(s + a, b - a);
	if (g_str_has_prefix(raw, "rfc822;") ||
	    g_ascii_strncasecmp(raw, "mailto:", 7) == 0) {
		gsize skip = strchr(raw, raw[6] == ';' ? ';' : ':') - raw + 1;
		a += skip;
		memmove(raw, raw + skip, strlen(raw + skip) + 1);
	}
	*from = a;
	*to = b;
	return cad_address_normalize(raw);
}

char *
cad_text_clean(const char *s, gsize len, gsize max)
{
	gsize cap = MIN(len, max), k = 0;
	g_autofree char *folded = g_malloc(cap + 1);

	for (gsize i = 0; i < len && k < max; i++) {
		char c = s[i];
		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		if (c == ' ' && (k == 0 || folded[k - 1] == ' '))
			continue;
		folded[k++] = c;
	}
	while (k > 0 && folded[k - 1] == ' ')
		k--;
	/* As far as a NUL byte, as a C string would end. */
	return cad_printable(folded, (gssize)strnlen(folded, k), max);
}

char **
cad_text_lines(char *s, guint max)
{
	GPtrArray *a = g_ptr_array_new();

	/* As g_strsplit(s, "\n", max): no line at all for "", the rest of
	 * the text in the last of max lines. */
	if (*s != '\0') {
		char *p = s, *e;
		while (a->len + 1 < max && (e = strchr(p, '\n')) != NULL) {
			*e = '\0';
			g_ptr_array_add(a, p);
			p = e + 1;
		}
		g_ptr_array_add(a, p);
	}
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

/* Reply and forward prefixes in the common languages. */
static const char *const reply_prefixes[] = {
    "re",  "aw", "sv", "vs",  "ref", "rif", "r",      "antw", "odp", "res",
    "enc", "wg", "fw", "fwd", "tr",  "rv",  "doorst", "vl",   "atb", NULL};

const char *
cad_subject_strip(const char *s, gboolean *was_reply)
{
	gboolean again = TRUE;

	*was_reply = FALSE;
	if (s == NULL)
		return NULL;
	for (int n = 0; again && n < 10; n++) {
		again = FALSE;
		while (*s == ' ' || *s == '\t')
			s++;
		for (gsize i = 0; reply_prefixes[i] != NULL; i++) {
			gsize l;
			const char *p;
			if (g_ascii_tolower(*s) != reply_prefixes[i][0])
				continue;
			l = strlen(reply_prefixes[i]);
			p = s + l;
			if (g_ascii_strncasecmp(s, reply_prefixes[i], l) != 0)
				continue;
			if (*p == '[') { /* "Re[2]:" */
				while (*p != '\0' && *p != ']')
					p++;
				if (*p == ']')
					p++;
			}
			while (*p == ' ')
				p++;
			if (*p == ':' || strncmp(p, "\xef\xbc\x9a", 3) == 0) {
				s = p + (*p == ':' ? 1 : 3);
				*was_reply = TRUE;
				again = TRUE;
				break;
			}
		}
	}
	while (*s == ' ')
		s++;
	return s;
}
