/*
 * util.c: helpers for addresses, untrusted text, tokens and time.
 */
#include "common/util.h"

#include <sys/random.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Not G_DEFINE_QUARK: clang-format would put spaces around the dashes
 * of its bare-word name, and the quark would be named so. */
GQuark
cad_error_quark(void)
{
	return g_quark_from_static_string("cad-error-quark");
}

char *
cad_address_normalize(const char *addr)
{
	const char *s, *e, *at;

	if (addr == NULL)
		return NULL;
	s = addr;
	while (*s == ' ' || *s == '\t' || *s == '<')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '>' ||
	                 e[-1] == '\r' || e[-1] == '\n'))
		e--;
	if (e - s < 3 || e - s > CAD_ADDRESS_MAX)
		return NULL;
	at = memrchr(s, '@', (size_t)(e - s));
	if (at == NULL || at == s || at == e - 1)
		return NULL;
	for (const char *p = s; p < e; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' ||
		    *p == ',' || *p == ';')
			return NULL;
	return g_ascii_strdown(s, e - s);
}

const char *
cad_address_domain(const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

	return at != NULL ? at + 1 : "";
}

char *
cad_printable(const char *s, gssize len, gsize max)
{
	GString *out;
	const char *p, *end;

	if (s == NULL)
		return g_strdup("");
	if (len < 0)
		len = (gssize)strlen(s);
	end = s + len;
	out = g_string_sized_new(MIN((gsize)len, max) + 1);
	for (p = s; p < end && out->len < max;) {
		gunichar c;
		const char *q = p;
		/* A run of printable ASCII is copied as it is. */
		while (q < end && (gsize)(q - p) < max - out->len &&
		       (guchar)*q >= 0x20 && (guchar)*q < 0x7f)
			q++;
		if (q > p) {
			g_string_append_len(out, p, q - p);
			p = q;
			continue;
		}
		c = g_utf8_get_char_validated(p, end - p);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			g_string_append_c(out, '?');
			p++;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			g_string_append_c(out, c == '\t' ? ' ' : '?');
		else
			g_string_append_unichar(out, c);
		p = g_utf8_next_char(p);
	}
	return g_string_free(out, FALSE);
}

/*
 * Consecutive getrandom calls interrupted by a signal before giving up:
 * a signal storm that long means something is badly wrong.
 */
#define CAD_RANDOM_EINTR_MAX 1000

/*
 * fill - n bytes from the kernel's CSPRNG. getrandom(2) may return fewer
 * bytes than asked (a signal during a large read) or fail with EINTR:
 * both are read again. Any other failure (ENOSYS on an old kernel, a
 * seccomp filter) aborts: tokens guard unsubscribes and bounces, and a
 * token from a predictable generator is worse than no program at all.
 */
static void
fill(unsigned char *buf, gsize n)
{
	gsize got = 0;
	int interrupted = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);
		if (r > 0) {
			got += (gsize)r;
			interrupted = 0;
			continue;
		}
		if (r < 0 && errno == EINTR &&
		    ++interrupted < CAD_RANDOM_EINTR_MAX)
			continue;
		g_error("getrandom(2) gives no randomness (%s): cadence "
		        "cannot make unguessable tokens, and stops",
		        r < 0 ? g_strerror(errno) : "no bytes");
	}
}

/*
 * random_bytes - n bytes from the kernel's CSPRNG, drawn through a small
 * per-thread pool so that a bulk import does not make a system call per
 * token. The pool holds entropy only, no state a caller depends on.
 */
static void
random_bytes(unsigned char *out, gsize n)
{
	static __thread unsigned char pool[4096];
	static __thread gsize avail;

	g_return_if_fail(n <= 64); /* tokens and numbers: small draws only */
	if (avail < n) {
		fill(pool, sizeof(pool));
		avail = sizeof(pool);
	}
	memcpy(out, pool + sizeof(pool) - avail, n);
	memset(pool + sizeof(pool) - avail, 0, n);
	avail -= n;
}

guint32
cad_random_u32(void)
{
	guint32 v;

	random_bytes((unsigned char *)&v, sizeof(v));
	return v;
}

char *
cad_token_new(gsize n)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char raw[64];
	char *tok;

	g_return_val_if_fail(n > 0 && n <= sizeof(raw), NULL);
	random_bytes(raw, n);
	tok = g_malloc(n + 1);
	for (gsize i = 0; i < n; i++)
		tok[i] = alphabet[raw[i] & 31];
	tok[n] = '\0';
	return tok;
}

void
cad_put_be64(unsigned char *p, guint64 v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

guint64
cad_get_be64(const unsigned char *p)
{
	guint64 v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

gint64
cad_now(void)
{
	const char *fake = getenv("CAD_FAKE_NOW");
	gint64 t;

	if (fake != NULL && cad_parse_time(fake, &t, NULL))
		return t;
	return g_get_real_time() / G_USEC_PER_SEC;
}

gboolean
cad_parse_time(const char *s, gint64 *out, GError **error)
{
	g_autoptr(GDateTime) dt = NULL;
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc();

	if (s == NULL || *s == '\0')
		goto bad;
	if (s[0] == '@') {
		char *end;
		errno = 0;
		gint64 v = g_ascii_strtoll(s + 1, &end, 10);
		if (errno != 0 || *end != '\0' || end == s + 1)
			goto bad;
		*out = v;
		return TRUE;
	}
	if (strlen(s) == 10) {
		g_autofree char *full = g_strconcat(s, "T00:00:00Z", NULL);
		dt = g_date_time_new_from_iso8601(full, utc);
	} else {
		dt = g_date_time_new_from_iso8601(s, utc);
	}
	if (dt == NULL)
		goto bad;
	*out = g_date_time_to_unix(dt);
	return TRUE;
bad:
	g_set_error(error, CAD_ERROR, CAD_ERROR_INVALID,
	            "'%s' is not a time: expected ISO 8601 such as "
	            "2026-12-01T09:00:00Z, a date 2026-12-01, or @SECONDS",
	            s != NULL ? s : "");
	return FALSE;
}

char *
cad_format_time(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);

	if (dt == NULL)
		return g_strdup("-");
	return g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
}

char *
cad_msgid_strip(const char *id)
{
	const char *s, *e;

	if (id == NULL)
		return NULL;
	s = strchr(id, '<');
	if (s != NULL) {
		e = strchr(s + 1, '>');
		if (e == NULL)
			return NULL;
		s++;
	} else {
		s = id;
		while (g_ascii_isspace(*s))
			s++;
		e = s + strlen(s);
		while (e > s && g_ascii_isspace(e[-1]))
			e--;
	}
	if (e <= s || e - s > 998)
		return NULL;
	return g_strndup(s, e - s);
}

void
cad_json_string(GString *out, const char *s)
{
	const char *p, *end;

	if (s == NULL) {
		g_string_append(out, "null");
		return;
	}
	end = s + strlen(s);
	g_string_append_c(out, '"');
	for (p = s; p < end;) {
		gunichar c = g_utf8_get_char_validated(p, end - p);

		if (c == (gunichar)-1 || c == (gunichar)-2) {
			g_string_append(out, "\\ufffd");
			p++;
			continue;
		}
		p = g_utf8_next_char(p);
		switch (c) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\r':
			g_string_append(out, "\\r");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		default:
			if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029)
				g_string_append_printf(out, "\\u%04x", c);
			else
				g_string_append_unichar(out, c);
		}
	}
	g_string_append_c(out, '"');
}
