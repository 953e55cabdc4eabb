/*
 * fixture.c: the shared fixture of the cadencectl suites (fixture.h).
 */
#include "fixture.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cli/cli.h"

char *fx_dir, *fx_conf, *fx_store;

void
fx_setup(void)
{
	g_autofree char *text = NULL;

	fx_dir = g_dir_make_tmp("cli-XXXXXX", NULL);
	cr_assert_not_null(fx_dir);
	fx_store = g_build_filename(fx_dir, "store", NULL);
	text = g_strdup_printf(
	    "[store]\npath = %s\n"
	    "[milter]\nsocket = unix:%s/milter.sock\n"
	    "enroll_address = cadence@example.com\n"
	    "default_cadence = cold\n"
	    "bounce_address = bounces@example.com\n"
	    "unsubscribe_address = unsubscribe@example.com\n"
	    "trusted_networks = 127.0.0.0/8\n"
	    "rep_domains = example.com\n"
	    "[sender]\nrelay = 127.0.0.1:25\nwindow = 09:00-17:00\n"
	    "days = mon-fri\ntimezone = UTC\njitter_minutes = 0\n"
	    "[cadences]\ndir = %s/conf/cadences.d\n"
	    "templates = %s/conf/templates\n",
	    fx_store, fx_dir, CAD_SOURCE_DIR, CAD_SOURCE_DIR);
	fx_conf = fx_write("cadence.conf", text);
	/* Nothing of the machine's own setup leaks in. */
	g_unsetenv("CADENCE_CONF");
	g_unsetenv("CAD_FAKE_NOW");
}

void
fx_teardown(void)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", fx_dir);

	cr_assert_eq(system(cmd), 0);
	g_free(fx_dir);
	g_free(fx_conf);
	g_free(fx_store);
}

cli_run *
fx_cli(const char *arg, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	cli_run *r = g_new0(cli_run, 1);
	size_t olen = 0, elen = 0;
	FILE *out = open_memstream(&r->out, &olen);
	FILE *err = open_memstream(&r->err, &elen);
	va_list ap;

	g_ptr_array_add(argv, "cadencectl");
	g_ptr_array_add(argv, "-c");
	g_ptr_array_add(argv, fx_conf);
	va_start(ap, arg);
	for (const char *a = arg; a != NULL; a = va_arg(ap, const char *))
		g_ptr_array_add(argv, (char *)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	r->status =
	    cad_cli_main((int)argv->len - 1, (char **)argv->pdata, out, err);
	fclose(out);
	fclose(err);
	return r;
}

void
fx_run_free(cli_run *r)
{
	if (r == NULL)
		return;
	free(r->out);
	free(r->err);
	g_free(r);
}

char *
fx_data(const char *name)
{
	return g_build_filename(CAD_SOURCE_DIR, "tests", "data", "cli", name,
	                        NULL);
}

char *
fx_write(const char *name, const char *text)
{
	char *path = g_build_filename(fx_dir, name, NULL);

	cr_assert(g_file_set_contents(path, text, -1, NULL));
	return path;
}

guint
fx_count(const char *s, const char *needle)
{
	g_auto(GStrv) lines = g_strsplit(s, "\n", -1);
	guint n = 0;

	for (guint i = 0; lines[i] != NULL; i++)
		n += strstr(lines[i], needle) != NULL;
	return n;
}
