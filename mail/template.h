/*
 * template.h: step templates. A template is RFC 5322 text: header lines, a
 * blank line, a plain-text body, and optionally a line "--- html ---"
 * followed by an HTML alternative of the body. Placeholders {{field}} and
 * {{field|fallback}} are filled from the prospect's and the rep's fields.
 *
 * Untrusted values never make headers: in a header a value's CR, LF and
 * other control characters become one space each run (so "Acme\r\nBcc: x"
 * stays inside the header it was put in), and the composer then writes
 * every header through GMime, which folds and encodes. In the HTML part
 * values are HTML-escaped.
 */
#ifndef CAD_TEMPLATE_H
#define CAD_TEMPLATE_H

#include <glib.h>

/* The separator line between the text and the HTML part. */
#define CAD_TEMPLATE_HTML_MARK        "--- html ---"
/* Longest field name in a placeholder, and fallback text. */
#define CAD_TEMPLATE_NAME_MAX         64
#define CAD_TEMPLATE_FALLBACK_MAX     256
/* Most placeholders in one template and headers in its header block:
 * far above any real template, they bound work on a broken file. */
#define CAD_TEMPLATE_PLACEHOLDERS_MAX 1000
#define CAD_TEMPLATE_HEADERS_MAX      50
/* Largest rendered part: templates are letters, not newsletters. */
#define CAD_TEMPLATE_RENDER_MAX       (1024 * 1024)

#define CAD_TEMPLATE_ERROR (cad_template_error_quark())
GQuark cad_template_error_quark(void);

typedef enum {
	CAD_TEMPLATE_ERROR_SYNTAX,  /* the file is malformed: line says where */
	CAD_TEMPLATE_ERROR_MISSING, /* a field has no value and no fallback */
	CAD_TEMPLATE_ERROR_IO,      /* cannot read the file */
} cad_template_error_code;

typedef struct cad_template cad_template;

/* One rendered header: name as written in the template, one-line value. */
typedef struct {
	char *name;
	char *value;
} cad_header;

typedef struct {
	GPtrArray *headers; /* cad_header*, in template order, no Subject */
	char *subject;      /* the template's Subject, or NULL */
	char *text;         /* plain-text body, LF line ends */
	char *html;         /* HTML body, or NULL */
} cad_rendered;

/*
 * Returns the value of a field, or NULL when the prospect or rep has none.
 * An empty or all-blank value counts as none.
 */
typedef const char *(*cad_field_lookup)(const char *name, void *arg);

/*
 * cad_template_parse - parse template text (LF or CRLF lines). name is
 * used in error messages (the file name). Errors: SYNTAX, the first
 * error cad_template_check_text() finds, with its line
 * ("followup.eml: line 3: unterminated {{"). Free with cad_template_free.
 */
cad_template *cad_template_parse(const char *text, gsize len, const char *name,
                                 GError **error);

/* What the parser found wrong, at which line of the file. */
typedef struct {
	guint line;       /* 1-based; 0: the file as a whole */
	gboolean warning; /* FALSE: an error, the sender refuses the file */
	char *message;    /* without the file name and line */
} cad_template_problem;

void cad_template_problem_free(gpointer p);

/*
 * cad_template_check_text - the same parse, reading on past each problem
 * to find them all: errors (a header line that is none, "{{" without its
 * "}}", an empty or bad name, not UTF-8, past a CAD_TEMPLATE_* limit) and
 * warnings (a stray "}}", sent as written). Appends every problem to
 * problems (cad_template_problem*, in the order found) and returns the
 * template, or NULL when an error was found.
 */
cad_template *cad_template_check_text(const char *text, gsize len,
                                      const char *name, GPtrArray *problems);

/*
 * cad_template_load - read (at most CAD_CONF_FILE_MAX bytes) and parse the
 * file at path. Errors: IO, SYNTAX.
 */
cad_template *cad_template_load(const char *path, GError **error);
void cad_template_free(cad_template *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_template, cad_template_free)

/* fn is told each placeholder: its field, its fallback (NULL: none) and
 * its line (a folded header's first line). */
typedef void (*cad_placeholder_fn)(const char *field, const char *fallback,
                                   guint line, void *arg);
/* Every placeholder of t: headers, text, then HTML. */
void cad_template_foreach_placeholder(const cad_template *t,
                                      cad_placeholder_fn fn, void *arg);

/*
 * cad_template_render - fill every placeholder through lookup. Errors:
 * MISSING, naming the first field with no value and no fallback
 * ("followup.eml: field \"company\" has no value and no fallback"); then
 * missing_out (if not NULL) receives a copy of the name. Also SYNTAX
 * when a part grows past CAD_TEMPLATE_RENDER_MAX. Free the result with
 * cad_rendered_free.
 */
cad_rendered *cad_template_render(const cad_template *t,
                                  cad_field_lookup lookup, void *arg,
                                  char **missing_out, GError **error);
void cad_rendered_free(cad_rendered *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_rendered, cad_rendered_free)

/* cad_header_value_clean - a value fit for one header line: control
 * characters (CR, LF, TAB, ...) become single spaces, runs collapsed,
 * ends trimmed. Caller frees. */
char *cad_header_value_clean(const char *value);

#endif
