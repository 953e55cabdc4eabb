/*
 * test_conf_manpage.c: cadence.conf(5) documents every key of the table in
 * conf/keys.c, in its group's subsection, with its default and an example,
 * and documents no key the table does not have.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <glib.h>

#include "conf/conf.h"

#define PAGE CAD_SOURCE_DIR "/docs/cadence.conf.5"

/* One ".It Cm KEY" entry: its group (from the .Ss above it) and text. */
typedef struct {
	char *group;
	char *key;
	GString *text;
} entry;

static void
entry_free(entry *e)
{
	g_free(e->group);
	g_free(e->key);
	g_string_free(e->text, TRUE);
	g_free(e);
}

/* ".Ss \&[milter]\&" -> "milter"; NULL for a subsection not a group. */
static char *
section_group(const char *line)
{
	g_autofree char *t = NULL;
	g_autoptr(GString) s = g_string_new(line + 4);
	gsize len;

	g_string_replace(s, "\\&", "", 0);
	t = g_strstrip(g_strdup(s->str));
	len = strlen(t);
	if (len < 3 || t[0] != '[' || t[len - 1] != ']')
		return NULL;
	return g_strndup(t + 1, len - 2);
}

/* "KEY Pq ..." after ".It Cm " -> "KEY". */
static char *
entry_key(const char *rest)
{
	return g_strndup(rest, strcspn(rest, " \t"));
}

/* Every entry of the page, in order. */
static GPtrArray *
read_entries(void)
{
	g_autofree char *data = NULL;
	g_autoptr(GError) err = NULL;
	g_auto(GStrv) lines = NULL;
	g_autofree char *group = NULL;
	GPtrArray *out =
	    g_ptr_array_new_with_free_func((GDestroyNotify)entry_free);
	entry *cur = NULL;

	cr_assert(g_file_get_contents(PAGE, &data, NULL, &err), "%s: %s", PAGE,
	          err ? err->message : "?");
	lines = g_strsplit(data, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		if (g_str_has_prefix(*l, ".Ss ") ||
		    g_str_has_prefix(*l, ".Sh ")) {
			g_free(group);
			group = g_str_has_prefix(*l, ".Ss ") ? section_group(*l)
			                                     : NULL;
			cur = NULL;
		} else if (g_str_has_prefix(*l, ".It Cm ") && group != NULL) {
			cur = g_new0(entry, 1);
			cur->group = g_strdup(group);
			cur->key = entry_key(*l + 7);
			cur->text = g_string_new(*l);
			g_ptr_array_add(out, cur);
		} else if (g_str_has_prefix(*l, ".It") ||
		           g_str_has_prefix(*l, ".El")) {
			cur = NULL;
		} else if (cur != NULL) {
			g_string_append_c(cur->text, '\n');
			g_string_append(cur->text, *l);
		}
	}
	return out;
}

static const entry *
find_entry(GPtrArray *entries, const char *group, const char *key)
{
	for (guint i = 0; i < entries->len; i++) {
		const entry *e = entries->pdata[i];
		if (strcmp(e->group, group) == 0 && strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

static gboolean
table_has(const cad_key *table, const char *group, const char *key)
{
	for (const cad_key *k = table; k->name != NULL; k++)
		if (strcmp(k->group, group) == 0 && strcmp(k->name, key) == 0)
			return TRUE;
	return FALSE;
}

/* The entry of k exists, says its default (or that it is required) and
 * shows an example "key = value" line. */
static void
check_documented(GPtrArray *entries, const cad_key *k)
{
	const entry *e = find_entry(entries, k->group, k->name);
	g_autofree char *example = g_strdup_printf(".Dl %s = ", k->name);

	cr_expect(e != NULL,
	          "cadence.conf(5) lacks [%s] %s: add "
	          "\".It Cm %s\" under \".Ss [%s]\"",
	          k->group, k->name, k->name, k->group);
	if (e == NULL)
		return;
	if (k->def == NULL) {
		cr_expect(strstr(e->text->str, "required") != NULL,
		          "[%s] %s is required; the page does not say so",
		          k->group, k->name);
	} else if (*k->def == '\0') {
		cr_expect(strstr(e->text->str, "Default: unset") != NULL,
		          "[%s] %s is unset by default; the page should say "
		          "\"Default: unset\"",
		          k->group, k->name);
	} else if (k->def[0] != '/') {
		/* Paths default to build-time directories: not checked. */
		g_autofree char *want = g_strdup_printf("Default: %s", k->def);
		cr_expect(strstr(e->text->str, want) != NULL,
		          "[%s] %s: the page should say \"%s\"", k->group,
		          k->name, want);
	}
	cr_expect(strstr(e->text->str, example) != NULL,
	          "[%s] %s: the page has no example line \"%s...\"", k->group,
	          k->name, example);
}

Test(conf_manpage, every_main_key_is_documented)
{
	g_autoptr(GPtrArray) entries = read_entries();

	for (const cad_key *k = cad_conf_keys(); k->name != NULL; k++)
		check_documented(entries, k);
}

Test(conf_manpage, every_cadence_key_is_documented)
{
	g_autoptr(GPtrArray) entries = read_entries();

	for (const cad_key *k = cad_conf_cadence_keys(); k->name != NULL; k++)
		check_documented(entries, k);
}

Test(conf_manpage, no_entry_without_a_key)
{
	g_autoptr(GPtrArray) entries = read_entries();

	cr_assert(entries->len > 0, "no .It Cm entries found in %s", PAGE);
	for (guint i = 0; i < entries->len; i++) {
		const entry *e = entries->pdata[i];
		cr_expect(
		    table_has(cad_conf_keys(), e->group, e->key) ||
		        table_has(cad_conf_cadence_keys(), e->group, e->key),
		    "cadence.conf(5) documents [%s] %s, which conf/keys.c "
		    "does not have",
		    e->group, e->key);
	}
}

/* The test itself must see a key that is not documented: a key table with
 * one made-up key fails check_documented's lookup. */
Test(conf_manpage, a_missing_key_is_noticed)
{
	g_autoptr(GPtrArray) entries = read_entries();

	cr_assert_not_null(find_entry(entries, "milter", "enroll_address"));
	cr_assert_not_null(find_entry(entries, "step N", "timeout_days"));
	cr_assert_null(find_entry(entries, "milter", "no_such_key"));
	cr_assert_null(find_entry(entries, "sender", "enroll_address"),
	               "entries must be told apart by group");
}
