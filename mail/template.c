/*
 * template.c: parse step templates once into literal and placeholder
 * segments, then render them per prospect. Parsing checks the syntax in
 * full, so `cadencectl check-config` and the sender's start-up can refuse
 * a broken template before any prospect meets it.
 */
#include "mail/template.h"

#include <stdarg.h>
#include <string.h>

#include "conf/conf.h"

/* Not G_DEFINE_QUARK: clang-format would put spaces around the dashes
 * of its bare-word name, and the quark would be named so. */
GQuark
cad_template_error_quark(void)
{
	return g_quark_from_static_string("cad-template-error-quark");
}

/* Where a value lands decides how it is cleaned. */
typedef enum { CTX_HEADER, CTX_TEXT, CTX_HTML } render_ctx;

typedef struct {
	char *literal;  /* literal text, or NULL for a placeholder */
	char *field;    /* placeholder name */
	char *fallback; /* NULL: none ("{{x}}"); "" for "{{x|}}" */
	guint line;     /* a placeholder's line in the file */
} segment;

typedef struct {
	char *name;
	GPtrArray *segs; /* segment* */
} tmpl_header;

struct cad_template {
	char *name;
	GPtrArray *headers; /* tmpl_header* */
	GPtrArray *text;    /* segment* */
	GPtrArray *html;    /* segment*, or NULL */
	guint placeholders;
};

static void
segment_free(gpointer p)
{
	segment *s = p;

	g_free(s->literal);
	g_free(s->field);
	g_free(s->fallback);
	g_free(s);
}

static void
tmpl_header_free(gpointer p)
{
	tmpl_header *h = p;

	g_free(h->name);
	g_clear_pointer(&h->segs, g_ptr_array_unref);
	g_free(h);
}

void
cad_template_free(cad_template *t)
{
	if (t == NULL)
		return;
	g_free(t->name);
	g_clear_pointer(&t->headers, g_ptr_array_unref);
	g_clear_pointer(&t->text, g_ptr_array_unref);
	g_clear_pointer(&t->html, g_ptr_array_unref);
	g_free(t);
}

static gboolean
field_char(char c)
{
	return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
}

/* One parse: what it found wrong so far, and where it is. */
typedef struct {
	cad_template *t;
	GPtrArray *problems; /* cad_template_problem* */
	gboolean errors;     /* an error is among them */
	gboolean stop;       /* a limit was passed: read no further */
} parse_ctx;

void
cad_template_problem_free(gpointer p)
{
	cad_template_problem *pr = p;

	g_free(pr->message);
	g_free(pr);
}

static void problem(parse_ctx *pc, guint line, gboolean warning,
                    const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static void
problem(parse_ctx *pc, guint line, gboolean warning, const char *fmt, ...)
{
	cad_template_problem *pr = g_new0(cad_template_problem, 1);
	va_list ap;

	va_start(ap, fmt);
	pr->message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	pr->line = line;
	pr->warning = warning;
	pc->errors = pc->errors || !warning;
	g_ptr_array_add(pc->problems, pr);
}

/* A line counter that moves forward only: each byte is counted once. */
typedef struct {
	const char *at; /* lines are counted up to here */
	guint line;     /* the line of at */
} line_pos;

static guint
line_at(line_pos *lp, const char *p)
{
	for (; lp->at < p; lp->at++)
		if (*lp->at == '\n')
			lp->line++;
	return lp->line;
}

/*
 * parse_placeholder - parse "{{ name [| fallback] }}" at p (pointing at
 * the braces); returns the segment and sets *end past it. A broken one
 * sets *end past its "}}", or past its "{{" when it has none.
 */
static segment *
parse_placeholder(const char *p, const char *limit, const char **end,
                  GError **error)
{
	const char *close = NULL, *q, *bar;
	g_autofree char *inner = NULL;
	segment *s;
	char *nm;

	for (q = p + 2; q + 1 < limit; q++) {
		if (q[0] == '}' && q[1] == '}') {
			close = q;
			break;
		}
		if (*q == '\n' || (q[0] == '{' && q[1] == '{'))
			break;
	}
	*end = close != NULL ? close + 2 : p + 2; /* read on from there */
	if (close == NULL) {
		g_set_error_literal(error, CAD_TEMPLATE_ERROR,
		                    CAD_TEMPLATE_ERROR_SYNTAX,
		                    "unterminated {{");
		return NULL;
	}
	inner = g_strndup(p + 2, (gsize)(close - p - 2));
	bar = strchr(inner, '|');
	nm = g_strstrip(bar != NULL ? g_strndup(inner, (gsize)(bar - inner))
	                            : g_strdup(inner));
	s = g_new0(segment, 1);
	s->field = nm;
	if (bar != NULL)
		s->fallback = g_strstrip(g_strdup(bar + 1));
	if (*nm == '\0' || strlen(nm) > CAD_TEMPLATE_NAME_MAX ||
	    (s->fallback != NULL &&
	     strlen(s->fallback) > CAD_TEMPLATE_FALLBACK_MAX)) {
		g_set_error(
		    error, CAD_TEMPLATE_ERROR, CAD_TEMPLATE_ERROR_SYNTAX,
		    "placeholder name empty or longer than %d, or fallback "
		    "longer than %d",
		    CAD_TEMPLATE_NAME_MAX, CAD_TEMPLATE_FALLBACK_MAX);
		segment_free(s);
		return NULL;
	}
	for (const char *c = nm; *c != '\0'; c++) {
		if (!field_char(*c)) {
			g_set_error(error, CAD_TEMPLATE_ERROR,
			            CAD_TEMPLATE_ERROR_SYNTAX,
			            "bad character in placeholder name \"%s\"",
			            nm);
			segment_free(s);
			return NULL;
		}
	}
	return s;
}

static void
add_literal(GPtrArray *segs, const char *p, gsize n)
{
	segment *s;

	if (n == 0)
		return;
	s = g_new0(segment, 1);
	s->literal = g_strndup(p, n);
	g_ptr_array_add(segs, s);
}

/* The placeholder at p, added to segs; FALSE when it is broken (the
 * problem is recorded) or one too many (the parse stops). */
static gboolean
add_placeholder(parse_ctx *pc, GPtrArray *segs, const char *p,
                const char *limit, guint line, const char **end)
{
	g_autoptr(GError) local = NULL;
	segment *s = parse_placeholder(p, limit, end, &local);

	if (s == NULL) {
		problem(pc, line, FALSE, "%s", local->message);
		return FALSE;
	}
	if (++pc->t->placeholders > CAD_TEMPLATE_PLACEHOLDERS_MAX) {
		segment_free(s);
		problem(pc, line, FALSE, "more than %d placeholders",
		        CAD_TEMPLATE_PLACEHOLDERS_MAX);
		pc->stop = TRUE;
		return FALSE;
	}
	s->line = line;
	g_ptr_array_add(segs, s);
	return TRUE;
}

/*
 * parse_segments - split text[0..len) into segments, recording every
 * problem. first_line is the line number of text[0] in the file.
 */
static GPtrArray *
parse_segments(parse_ctx *pc, const char *text, gsize len, guint first_line)
{
	GPtrArray *segs = g_ptr_array_new_with_free_func(segment_free);
	const char *p = text, *limit = text + len, *lit = text, *end;
	line_pos lp = {text, first_line};

	while (p + 1 < limit && !pc->stop) {
		if (p[0] == '}' && p[1] == '}') {
			/* Sent as written, as before: minified CSS in an HTML
			 * part has "}}"; elsewhere it is a typo. */
			problem(pc, line_at(&lp, p), TRUE,
			        "stray }}: no {{ opens it, so it is sent as "
			        "written");
			p += 2;
			continue;
		}
		if (p[0] != '{' || p[1] != '{') {
			p++;
			continue;
		}
		add_literal(segs, lit, (gsize)(p - lit));
		if (!add_placeholder(pc, segs, p, limit, line_at(&lp, p), &end))
			lit = p; /* a broken one: read on past it */
		else
			lit = end;
		p = end;
	}
	add_literal(segs, lit, (gsize)(limit - lit));
	return segs;
}

/* header_name_ok - RFC 5322 ftext: printable ASCII but ':' and space. */
static gboolean
header_name_ok(const char *s, gsize n)
{
	if (n == 0 || n > 76)
		return FALSE;
	for (gsize i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 127 || s[i] == ':')
			return FALSE;
	return TRUE;
}

/*
 * control_char - the first control character of a header value written in
 * a template, other than TAB (folding whitespace), or 0. One would reach
 * the message as it is, outside RFC 5322, where a receiver may cut the
 * header there.
 */
static int
control_char(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return *p;
	return 0;
}

/*
 * parse_header - the header field at *p (line *line), its continuation
 * lines unfolded, added to the template; *p and *line move past it.
 */
static void
parse_header(parse_ctx *pc, const char **p, guint *line, const char *colon,
             const char *eol)
{
	g_autoptr(GString) value = g_string_new(NULL);
	const char *vstart = colon + 1, *start = *p;
	tmpl_header *h;
	guint hline = *line;
	int c;

	for (;;) {
		g_string_append_len(value, vstart, (gssize)(eol - vstart));
		*p = *eol == '\n' ? eol + 1 : eol;
		(*line)++;
		if (**p != ' ' && **p != '\t')
			break;
		vstart = *p;
		eol = strchrnul(*p, '\n');
	}
	h = g_new0(tmpl_header, 1);
	h->name = g_strndup(start, (gsize)(colon - start));
	g_ptr_array_add(pc->t->headers, h);
	g_strstrip(value->str);
	if ((c = control_char(value->str)) != 0)
		problem(pc, hline, FALSE,
		        "a control character (0x%02x) in the %s header", c,
		        h->name);
	/* A folded header's placeholders are told at its first line. */
	h->segs = parse_segments(pc, value->str, strlen(value->str), hline);
}

/*
 * parse_headers - the header block of norm (LF text); sets *body to the
 * first byte after the blank line and *body_line to its line. A line that
 * is no header is a problem, and the next one is read.
 */
static void
parse_headers(parse_ctx *pc, const char *norm, const char **body,
              guint *body_line)
{
	const char *p = norm;
	guint line = 1;

	while (*p != '\0' && *p != '\n' && !pc->stop) {
		const char *eol = strchrnul(p, '\n');
		const char *colon = memchr(p, ':', (gsize)(eol - p));

		if (colon == NULL || !header_name_ok(p, (gsize)(colon - p))) {
			problem(pc, line, FALSE,
			        "expected \"Name: value\" or a blank line "
			        "before the body");
			p = *eol == '\n' ? eol + 1 : eol;
			line++;
		} else if (pc->t->headers->len >= CAD_TEMPLATE_HEADERS_MAX) {
			problem(pc, line, FALSE, "more than %d headers",
			        CAD_TEMPLATE_HEADERS_MAX);
			pc->stop = TRUE;
		} else
			parse_header(pc, &p, &line, colon, eol);
	}
	*body = *p == '\n' ? p + 1 : p;
	*body_line = line + 1;
}

/* normalize - a copy with CRLF and lone CR turned into LF. */
static char *
normalize(const char *text, gsize len)
{
	GString *out = g_string_sized_new(len + 1);

	for (gsize i = 0; i < len; i++) {
		if (text[i] == '\r') {
			g_string_append_c(out, '\n');
			if (i + 1 < len && text[i + 1] == '\n')
				i++;
		} else if (text[i] == '\0')
			g_string_append_c(out, ' ');
		else
			g_string_append_c(out, text[i]);
	}
	return g_string_free(out, FALSE);
}

/* find_html_mark - the start of the "--- html ---" line in body, or NULL;
 * *after points past its line end. */
static const char *
find_html_mark(const char *body, const char **after)
{
	gsize ml = strlen(CAD_TEMPLATE_HTML_MARK);

	for (const char *p = body; *p != '\0';) {
		const char *eol = strchrnul(p, '\n'), *e = eol;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((gsize)(e - p) == ml &&
		    memcmp(p, CAD_TEMPLATE_HTML_MARK, ml) == 0) {
			*after = *eol == '\n' ? eol + 1 : eol;
			return p;
		}
		p = *eol == '\n' ? eol + 1 : eol;
	}
	return NULL;
}

/* The body of norm: the text part, then the HTML part after its mark. */
static void
parse_body(parse_ctx *pc, const char *body, guint body_line)
{
	const char *after = NULL, *mark = find_html_mark(body, &after);
	line_pos lp = {body, body_line};

	pc->t->text = parse_segments(
	    pc, body, mark != NULL ? (gsize)(mark - body) : strlen(body),
	    body_line);
	if (mark != NULL)
		pc->t->html = parse_segments(pc, after, strlen(after),
		                             line_at(&lp, after));
}

cad_template *
cad_template_check_text(const char *text, gsize len, const char *name,
                        GPtrArray *problems)
{
	g_autoptr(cad_template) t = g_new0(cad_template, 1);
	g_autofree char *norm = normalize(text, len);
	parse_ctx pc = {t, problems, FALSE, FALSE};
	const char *body, *bad;
	guint body_line;

	t->name = g_strdup(name != NULL ? name : "template");
	t->headers = g_ptr_array_new_with_free_func(tmpl_header_free);
	if (!g_utf8_validate(norm, -1, &bad)) {
		line_pos lp = {norm, 1};
		problem(&pc, line_at(&lp, bad), FALSE, "not UTF-8 text");
		return NULL;
	}
	parse_headers(&pc, norm, &body, &body_line);
	if (!pc.stop)
		parse_body(&pc, body, body_line);
	return pc.errors ? NULL : g_steal_pointer(&t);
}

cad_template *
cad_template_parse(const char *text, gsize len, const char *name,
                   GError **error)
{
	g_autoptr(GPtrArray) problems =
	    g_ptr_array_new_with_free_func(cad_template_problem_free);
	cad_template *t = cad_template_check_text(text, len, name, problems);

	for (guint i = 0; t == NULL && i < problems->len; i++) {
		const cad_template_problem *p = g_ptr_array_index(problems, i);
		if (p->warning)
			continue;
		g_set_error(error, CAD_TEMPLATE_ERROR,
		            CAD_TEMPLATE_ERROR_SYNTAX, "%s: line %u: %s",
		            name != NULL ? name : "template", p->line,
		            p->message);
		break;
	}
	return t;
}

cad_template *
cad_template_load(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	g_autofree char *base = g_path_get_basename(path);
	gsize len;
	GError *local = NULL;

	if (!g_file_get_contents(path, &text, &len, &local)) {
		g_set_error(error, CAD_TEMPLATE_ERROR, CAD_TEMPLATE_ERROR_IO,
		            "template %s: %s", path, local->message);
		g_error_free(local);
		return NULL;
	}
	if (len > CAD_CONF_FILE_MAX) {
		g_set_error(error, CAD_TEMPLATE_ERROR, CAD_TEMPLATE_ERROR_IO,
		            "template %s: larger than %d bytes", path,
		            CAD_CONF_FILE_MAX);
		return NULL;
	}
	return cad_template_parse(text, len, base, error);
}

/* The placeholders of segs, each with its field, fallback and line. */
static void
each_placeholder(GPtrArray *segs, cad_placeholder_fn fn, void *arg)
{
	for (guint i = 0; segs != NULL && i < segs->len; i++) {
		const segment *s = g_ptr_array_index(segs, i);
		if (s->field != NULL)
			fn(s->field, s->fallback, s->line, arg);
	}
}

void
cad_template_foreach_placeholder(const cad_template *t, cad_placeholder_fn fn,
                                 void *arg)
{
	for (guint i = 0; i < t->headers->len; i++)
		each_placeholder(
		    ((tmpl_header *)g_ptr_array_index(t->headers, i))->segs, fn,
		    arg);
	each_placeholder(t->text, fn, arg);
	each_placeholder(t->html, fn, arg);
}

char *
cad_header_value_clean(const char *value)
{
	GString *out = g_string_sized_new(strlen(value) + 1);
	gboolean space = FALSE;

	for (const unsigned char *p = (const unsigned char *)value; *p != '\0';
	     p++) {
		if (*p < 0x20 || *p == 0x7f || *p == ' ') {
			space = TRUE;
			continue;
		}
		if (space && out->len > 0)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_c(out, (char)*p);
	}
	return g_string_free(out, FALSE);
}

/* text_clean - a body value: CR/CRLF to LF, other controls but TAB out. */
static void
append_text(GString *out, const char *v)
{
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '\r') {
			g_string_append_c(out, '\n');
			if (p[1] == '\n')
				p++;
		} else if ((unsigned char)*p >= 0x20 || *p == '\n' ||
		           *p == '\t')
			g_string_append_c(out, *p);
	}
}

static void
append_html(GString *out, const char *v)
{
	g_autoptr(GString) plain = g_string_new(NULL);
	g_autofree char *esc = NULL;

	append_text(plain, v);
	esc = g_markup_escape_text(plain->str, (gssize)plain->len);
	g_string_append(out, esc);
}

static gboolean
blank(const char *v)
{
	if (v == NULL)
		return TRUE;
	for (; *v != '\0'; v++)
		if (!g_ascii_isspace(*v))
			return FALSE;
	return TRUE;
}

/* render_segs - the text of segs for ctx; NULL with MISSING or SYNTAX. */
static char *
render_segs(const cad_template *t, GPtrArray *segs, render_ctx ctx,
            cad_field_lookup lookup, void *arg, char **missing_out,
            GError **error)
{
	g_autoptr(GString) out = g_string_new(NULL);

	for (guint i = 0; i < segs->len; i++) {
		const segment *s = g_ptr_array_index(segs, i);
		const char *v;

		if (s->literal != NULL) {
			g_string_append(out, s->literal);
			continue;
		}
		v = lookup(s->field, arg);
		if (blank(v))
			v = s->fallback;
		if (v == NULL) {
			g_set_error(
			    error, CAD_TEMPLATE_ERROR,
			    CAD_TEMPLATE_ERROR_MISSING,
			    "%s: field \"%s\" has no value and no fallback",
			    t->name, s->field);
			if (missing_out != NULL)
				*missing_out = g_strdup(s->field);
			return NULL;
		}
		if (ctx == CTX_HEADER) {
			g_autofree char *c = cad_header_value_clean(v);
			g_string_append(out, c);
		} else if (ctx == CTX_HTML)
			append_html(out, v);
		else
			append_text(out, v);
		if (out->len > CAD_TEMPLATE_RENDER_MAX) {
			g_set_error(error, CAD_TEMPLATE_ERROR,
			            CAD_TEMPLATE_ERROR_SYNTAX,
			            "%s: rendered part larger than %d bytes",
			            t->name, CAD_TEMPLATE_RENDER_MAX);
			return NULL;
		}
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
header_free(gpointer p)
{
	cad_header *h = p;

	g_free(h->name);
	g_free(h->value);
	g_free(h);
}

void
cad_rendered_free(cad_rendered *r)
{
	if (r == NULL)
		return;
	g_clear_pointer(&r->headers, g_ptr_array_unref);
	g_free(r->subject);
	g_free(r->text);
	g_free(r->html);
	g_free(r);
}

cad_rendered *
cad_template_render(const cad_template *t, cad_field_lookup lookup, void *arg,
                    char **missing_out, GError **error)
{
	g_autoptr(cad_rendered) r = g_new0(cad_rendered, 1);

	r->headers = g_ptr_array_new_with_free_func(header_free);
	for (guint i = 0; i < t->headers->len; i++) {
		const tmpl_header *th = g_ptr_array_index(t->headers, i);
		char *v = render_segs(t, th->segs, CTX_HEADER, lookup, arg,
		                      missing_out, error);
		if (v == NULL)
			return NULL;
		if (g_ascii_strcasecmp(th->name, "Subject") == 0) {
			g_free(r->subject);
			r->subject = v;
		} else {
			cad_header *h = g_new0(cad_header, 1);
			h->name = g_strdup(th->name);
			h->value = v;
			g_ptr_array_add(r->headers, h);
		}
	}
	r->text =
	    render_segs(t, t->text, CTX_TEXT, lookup, arg, missing_out, error);
	if (r->text == NULL)
		return NULL;
	if (t->html != NULL) {
		r->html = render_segs(t, t->html, CTX_HTML, lookup, arg,
		                      missing_out, error);
		if (r->html == NULL)
			return NULL;
	}
	return g_steal_pointer(&r);
}
