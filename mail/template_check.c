/*
 * template_check.c: a template as check-config sees it (template_check.h):
 * one parse that reads past each problem, then the placeholders whose
 * field an enrollment may lack, judged from the configuration alone.
 */
#include "mail/template_check.h"

#include <string.h>

#include "mail/compose.h"

typedef struct {
	const cad_conf *conf;
	GPtrArray *problems;
} check_ctx;

static void
warn(check_ctx *c, guint line, char *message)
{
	cad_template_problem *p = g_new0(cad_template_problem, 1);

	p->line = line;
	p->warning = TRUE;
	p->message = message;
	g_ptr_array_add(c->problems, p);
}

/* The configured reps without a value for field, comma-separated, or
 * NULL when every one has it. Caller frees. */
static char *
reps_without(const cad_conf *conf, const char *field)
{
	g_autoptr(GString) out = g_string_new(NULL);

	for (guint i = 0; conf->reps != NULL && i < conf->reps->len; i++) {
		const cad_rep *r = g_ptr_array_index(conf->reps, i);
		const char *v =
		    strcmp(field, "rep_name") == 0 ? r->name : r->signature;
		if (v == NULL || *v == '\0')
			g_string_append_printf(
			    out, "%s%s", out->len > 0 ? ", " : "", r->address);
	}
	return out->len > 0 ? g_string_free(g_steal_pointer(&out), FALSE)
	                    : NULL;
}

static void
rep_field(check_ctx *c, const char *field, guint line)
{
	g_autofree char *lacking = reps_without(c->conf, field);

	warn(c, line,
	     g_strdup_printf(
	         "{{%s}} has no fallback: a rep without \"%s\" in a [rep "
	         "ADDRESS] group cannot fill it (any address in rep_domains "
	         "may enroll%s%s), and that enrollment pauses",
	         field, strcmp(field, "rep_name") == 0 ? "name" : "signature",
	         lacking != NULL ? "; configured without it: " : "",
	         lacking != NULL ? lacking : ""));
}

static void
one_placeholder(const char *field, const char *fallback, guint line, void *arg)
{
	check_ctx *c = arg;

	if (fallback != NULL)
		return; /* whatever is missing, the fallback is sent */
	switch (cad_compose_field_kind(field)) {
	case CAD_FIELD_FREE:
		warn(c, line,
		     g_strdup_printf("field \"%s\" is not a standard field: "
		                     "every prospect must carry it or it "
		                     "needs a fallback",
		                     field));
		break;
	case CAD_FIELD_REP:
		rep_field(c, field, line);
		break;
	case CAD_FIELD_ALWAYS:
	case CAD_FIELD_PROSPECT:
		break;
	}
}

static gint
by_line(gconstpointer a, gconstpointer b)
{
	const cad_template_problem *x = *(cad_template_problem *const *)a;
	const cad_template_problem *y = *(cad_template_problem *const *)b;

	return x->line < y->line ? -1 : x->line > y->line;
}

/* The file's text, or NULL with one problem in c. */
static char *
read_file(check_ctx *c, const char *path, gsize *len)
{
	g_autoptr(GError) err = NULL;
	char *text = NULL;
	cad_template_problem *p;

	if (g_file_get_contents(path, &text, len, &err) &&
	    *len <= CAD_CONF_FILE_MAX)
		return text;
	g_free(text);
	p = g_new0(cad_template_problem, 1);
	p->message = err != NULL ? g_strdup(err->message)
	                         : g_strdup_printf("larger than %d bytes",
	                                           CAD_CONF_FILE_MAX);
	g_ptr_array_add(c->problems, p);
	return NULL;
}

GPtrArray *
cad_template_check(const char *path, const cad_conf *conf)
{
	check_ctx c = {
	    conf, g_ptr_array_new_with_free_func(cad_template_problem_free)};
	g_autofree char *base = g_path_get_basename(path);
	g_autofree char *text = NULL;
	g_autoptr(cad_template) t = NULL;
	gsize len;

	if ((text = read_file(&c, path, &len)) == NULL)
		return c.problems;
	t = cad_template_check_text(text, len, base, c.problems);
	if (t != NULL)
		cad_template_foreach_placeholder(t, one_placeholder, &c);
	/* Stable: the problems of one line stay in the order found. */
	g_ptr_array_sort(c.problems, by_line);
	return c.problems;
}
