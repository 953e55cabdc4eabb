/*
 * test_cli_manpage.c: cadencectl(1) keeps up with the command table:
 * every command and option of cli/commands.c is described in
 * docs/cadencectl.1, and mandoc finds nothing to warn about.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <glib.h>

#include "cli/cli.h"

static char *
page(void)
{
	g_autofree char *path =
	    g_build_filename(CAD_SOURCE_DIR, "docs", "cadencectl.1", NULL);
	char *text = NULL;

	cr_assert(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

Test(cli_manpage, every_command_and_option_is_documented)
{
	g_autofree char *text = page();

	for (const cad_cli_cmd *c = cad_cli_commands(); c->name; c++) {
		g_autofree char *a = g_strdup_printf("Cm %s\n", c->name);
		g_autofree char *b = g_strdup_printf("Cm %s ", c->name);

		cr_assert(strstr(text, a) != NULL || strstr(text, b) != NULL,
		          "%s is not in cadencectl.1", c->name);
		for (const cad_cli_opt *o = c->opts; o && o->name; o++) {
			g_autofree char *fl =
			    g_strdup_printf("Fl Fl %s", o->name);
			cr_assert(strstr(text, fl) != NULL,
			          "%s --%s is not "
			          "in cadencectl.1",
			          c->name, o->name);
		}
	}
	for (const cad_cli_opt *o = cad_cli_global_opts(); o->name; o++) {
		g_autofree char *fl = g_strdup_printf("Fl Fl %s", o->name);
		cr_assert(strstr(text, fl) != NULL, "--%s", o->name);
	}
	/* Each exit status the code uses has its line. */
	const char *codes[] = {".It 0\n",  ".It 1\n",  ".It 64\n", ".It 65\n",
	                       ".It 66\n", ".It 67\n", ".It 73\n", ".It 74\n",
	                       ".It 75\n", ".It 77\n", ".It 78\n"};
	for (gsize i = 0; i < G_N_ELEMENTS(codes); i++)
		cr_assert(strstr(text, codes[i]) != NULL, "%s", codes[i]);
}

Test(cli_manpage, mandoc_lint_is_clean)
{
	g_autofree char *path =
	    g_build_filename(CAD_SOURCE_DIR, "docs", "cadencectl.1", NULL);
	const char *argv[] = {"mandoc", "-Tlint", "-W", "warning", path, NULL};
	g_autofree char *out = NULL, *err = NULL;
	g_autofree char *mandoc = g_find_program_in_path("mandoc");
	int status;

	if (mandoc == NULL)
		cr_skip_test("mandoc is not installed");
	cr_assert(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH,
	                       NULL, NULL, &out, &err, &status, NULL));
	cr_assert(g_spawn_check_wait_status(status, NULL), "%s%s", out, err);
	cr_assert_str_eq(out, "");
}
