/*
 * dsn.c: the machine-readable parts of reports: RFC 3464 delivery-status
 * field blocks (one per recipient) and RFC 5965 feedback-report fields.
 * GMime leaves these parts as plain text, so the blocks are read here.
 */
#include <string.h>

#include "common/util.h"
#include "mail/gmime_auto.h"
#include "mail/mail_internal.h"

/* The fields of one block that matter; values are unfolded copies. */
typedef struct {
	GString *final, *original, *action, *status, *diag;
	GString *last; /* field a continuation line extends, or NULL */
} dsn_block;

static void
block_reset(dsn_block *b)
{
	g_string_truncate(b->final, 0);
	g_string_truncate(b->original, 0);
	g_string_truncate(b->action, 0);
	g_string_truncate(b->status, 0);
	g_string_truncate(b->diag, 0);
	b->last = NULL;
}

/* Append at most CAD_MAIL_MAX_DIAG bytes of v to s. */
static void
append_bounded(GString *s, const char *v, gsize len)
{
	if (s->len >= CAD_MAIL_MAX_DIAG)
		return;
	if (s->len > 0)
		g_string_append_c(s, ' ');
	g_string_append_len(s, v, MIN(len, CAD_MAIL_MAX_DIAG - s->len));
}

/* The address in "rfc822; user@host" (or a bare or bracketed one). */
static char *
field_address(const char *v)
{
	const char *semi = strchr(v, ';');
	char *a;
	gsize from, to;
	const char *at;

	if (semi != NULL)
		v = semi + 1;
	while (*v == ' ')
		v++;
	a = cad_address_normalize(v);
	/* A source route ("@relay:user@host") or a host without a dot is
	 * no address to act on; Original-Recipient may do better. */
	if (a != NULL && strchr(a, ':') == NULL &&
	    strchr(cad_address_domain(a), '.') != NULL)
		return a;
	g_free(a);
	at = strchr(v, '@');
	if (at == NULL)
		return NULL;
	return cad_text_address_at(v, strlen(v), (gsize)(at - v), &from, &to);
}

/* "smtp; 550 5.1.1 ..." without its type; a pointer into v. */
static const char *
strip_type(const char *v)
{
	const char *semi = strchr(v, ';');

	if (semi == NULL || semi - v > 24)
		return v;
	for (const char *p = v; p < semi; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
			return v;
	for (semi++; *semi == ' '; semi++)
		;
	return semi;
}

static void
block_flush(dsn_block *b, GPtrArray *rcpts, int *failed, int *delayed,
            int *other)
{
	g_autofree char *addr = NULL;
	cad_bounce_rcpt *r;
	char st[16];
	const char *act = b->action->str;
	gboolean is_failed, is_delayed;

	if (b->final->len > 0)
		addr = field_address(b->final->str);
	if (addr == NULL && b->original->len > 0)
		addr = field_address(b->original->str);
	if (addr == NULL) {
		block_reset(b);
		return;
	}
	if (!cad_text_status(b->status->str, st))
		st[0] = '\0';
	/* delivered, relayed and expanded are successes; delayed is a
	 * warning; anything else ("failed", "expired", none) failed, unless
	 * a missing Action leaves a 2.x.x or 4.x.x status to say. */
	is_delayed = g_ascii_strncasecmp(act, "delayed", 7) == 0 ||
	             (act[0] == '\0' && st[0] == '4');
	is_failed =
	    !is_delayed && g_ascii_strncasecmp(act, "delivered", 9) != 0 &&
	    g_ascii_strncasecmp(act, "relayed", 7) != 0 &&
	    g_ascii_strncasecmp(act, "expanded", 8) != 0 && st[0] != '2';
	if (!is_failed && !is_delayed) {
		(*other)++;
		block_reset(b);
		return;
	}
	*(is_failed ? failed : delayed) += 1;
	r = cad_rcpt_new(addr);
	if (b->diag->len > 0) {
		const char *d = strip_type(b->diag->str);
		r->diagnostic = cad_text_clean(d, strlen(d), CAD_MAIL_MAX_DIAG);
	}
	/* "5.0.0" says nothing: a code in the diagnostic says more. */
	if (st[0] != '\0' && strcmp(st + 1, ".0.0") == 0 &&
	    r->diagnostic != NULL) {
		char dst[16];
		if (cad_text_status(r->diagnostic, dst) && dst[0] == st[0])
			g_strlcpy(st, dst, sizeof(st));
	}
	if (st[0] != '\0')
		r->status = g_strdup(st);
	if (is_delayed && r->status == NULL)
		r->status = g_strdup("4.0.0");
	cad_rcpt_add(rcpts, r);
	block_reset(b);
}

static GString *
field_target(dsn_block *b, const char *name, gsize n)
{
#define IS(s) (n == sizeof(s) - 1 && g_ascii_strncasecmp(name, s, n) == 0)
	if (IS("final-recipient"))
		return b->final;
	if (IS("original-recipient"))
		return b->original;
	if (IS("action"))
		return b->action;
	if (IS("status"))
		return b->status;
	if (IS("diagnostic-code"))
		return b->diag;
#undef IS
	return NULL;
}

void
cad_dsn_parse(const char *text, GPtrArray *rcpts, int *failed, int *delayed,
              int *other)
{
	dsn_block b;
	const char *p = text;
	int blocks = 0;

	b.final = g_string_new(NULL);
	b.original = g_string_new(NULL);
	b.action = g_string_new(NULL);
	b.status = g_string_new(NULL);
	b.diag = g_string_new(NULL);
	b.last = NULL;
	*failed = *delayed = *other = 0;
	while (*p != '\0' && blocks < CAD_MAIL_MAX_DSN_BLOCKS) {
		const char *nl = strchr(p, '\n');
		gsize l = nl != NULL ? (gsize)(nl - p) : strlen(p);
		const char *colon;
		gsize n;

		while (l > 0 && (p[l - 1] == '\r' || p[l - 1] == ' '))
			l--;
		if (l == 0) {
			block_flush(&b, rcpts, failed, delayed, other);
			blocks++;
		} else if (p[0] == ' ' || p[0] == '\t') {
			if (b.last != NULL)
				append_bounded(b.last, p, l);
		} else if ((colon = memchr(p, ':', l)) != NULL) {
			n = (gsize)(colon - p);
			while (n > 0 && p[n - 1] == ' ')
				n--;
			b.last = field_target(&b, p, n);
			/* A second Final-Recipient starts a new block. */
			if (b.last == b.final && b.final->len > 0) {
				block_flush(&b, rcpts, failed, delayed, other);
				blocks++;
				b.last = b.final;
			}
			if (b.last != NULL) {
				colon++;
				while (colon < p + l && *colon == ' ')
					colon++;
				append_bounded(b.last, colon,
				               (gsize)(p + l - colon));
			}
		}
		p = nl != NULL ? nl + 1 : p + strlen(p);
	}
	block_flush(&b, rcpts, failed, delayed, other);
	g_string_free(b.final, TRUE);
	g_string_free(b.original, TRUE);
	g_string_free(b.action, TRUE);
	g_string_free(b.status, TRUE);
	g_string_free(b.diag, TRUE);
}

void
cad_arf_parse(const char *text, GPtrArray *rcpts, char **type)
{
	const char *p = text;
	int lines = 0;

	while (*p != '\0' && lines++ < CAD_MAIL_MAX_DSN_BLOCKS) {
		const char *nl = strchr(p, '\n');
		gsize l = nl != NULL ? (gsize)(nl - p) : strlen(p);
		g_autofree char *line = g_strndup(p, l);
		char *v = strchr(line, ':');

		p = nl != NULL ? nl + 1 : p + l;
		if (v == NULL)
			continue;
		*v++ = '\0';
		g_strstrip(v);
		if (g_ascii_strcasecmp(line, "Feedback-Type") == 0 &&
		    *type == NULL)
			*type = cad_text_clean(v, strlen(v), 64);
		else if (g_ascii_strcasecmp(line, "Original-Rcpt-To") == 0 ||
		         g_ascii_strcasecmp(line, "Removal-Recipient") == 0) {
			char *a = field_address(v);
			if (a != NULL) {
				cad_bounce_rcpt *r = cad_rcpt_new(a);
				r->reason = g_strdup("feedback");
				cad_rcpt_add(rcpts, r);
				g_free(a);
			}
		}
	}
}
