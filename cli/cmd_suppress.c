/*
 * cmd_suppress.c: the suppression list: addresses and @domains that are
 * never enrolled nor mailed (unsubscribes, complaints and hard bounces
 * land here by themselves; the admin adds and removes by hand).
 */
#include <errno.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "common/util.h"
#include "core/suppress.h"

/* Longest --reason kept: a sentence, not a document. */
#define SUPPRESS_REASON_MAX 200

/* "@Example.COM" -> "@example.com"; an address is normalized. */
static char *
suppress_key(const char *arg)
{
	if (arg[0] == '@') {
		g_autofree char *probe = g_strconcat("x", arg, NULL);
		g_autofree char *norm = cad_address_normalize(probe);

		return norm != NULL && strchr(norm + 2, '@') == NULL
		           ? g_strdup(norm + 1)
		           : NULL;
	}
	return cad_address_normalize(arg);
}

int
cad_cmd_suppress_add(cad_cli *cli)
{
	g_autofree char *key = suppress_key(cad_cli_arg(cli, 0));
	g_autofree char *who = cad_cli_actor();
	const char *reason = cad_cli_opt_value(cli, "reason");
	g_autofree char *r = NULL;
	g_autoptr(GError) err = NULL;

	if (key == NULL)
		return cad_cli_fail(cli, CAD_EX_DATAERR,
		                    "'%s' is neither an "
		                    "address nor @domain",
		                    cad_cli_arg(cli, 0));
	r = cad_printable(reason != NULL ? reason : "added by hand", -1,
	                  SUPPRESS_REASON_MAX);
	if (!cad_suppress_add(cli->store, key, r, who, cli->now, &err))
		return cad_cli_fail_error(cli, err);
	if (cli->format == CAD_FMT_TABLE)
		fprintf(cli->out, "%s suppressed: %s\n", key, r);
	return CAD_CLI_OK;
}

int
cad_cmd_suppress_remove(cad_cli *cli)
{
	g_autofree char *key = suppress_key(cad_cli_arg(cli, 0));
	g_autoptr(GError) err = NULL;

	if (key == NULL)
		return cad_cli_fail(cli, CAD_EX_DATAERR,
		                    "'%s' is neither an "
		                    "address nor @domain",
		                    cad_cli_arg(cli, 0));
	if (!cad_suppress_remove(cli->store, key, &err)) {
		if (g_error_matches(err, CAD_STORE_ERROR,
		                    CAD_STORE_ERROR_NOT_FOUND))
			return cad_cli_fail(cli, CAD_CLI_EX_NOUSER,
			                    "%s is not "
			                    "on the suppression list",
			                    key);
		return cad_cli_fail_error(cli, err);
	}
	if (cli->format == CAD_FMT_TABLE)
		fprintf(cli->out, "%s removed from the suppression list\n",
		        key);
	return CAD_CLI_OK;
}

typedef struct {
	cad_table *t;
	char *last; /* the key the next batch starts after */
	guint n;    /* entries in this batch */
} list_ctx;

static gboolean
list_one(const char *key, const char *reason, const char *source, gint64 time,
         void *arg)
{
	list_ctx *lc = arg;

	cad_table_row(lc->t);
	cad_table_add(lc->t, key);
	cad_table_add_time(lc->t, time);
	cad_table_add(lc->t, source);
	cad_table_add(lc->t, reason);
	g_free(lc->last);
	lc->last = g_strdup(key);
	return ++lc->n < CAD_CLI_WALK_BATCH;
}

/*
 * Years of hard bounces make a long list: it is read in batches, each in
 * its own read transaction and written out after it ends, as `list`
 * reads the enrollments (cad_cli_walk_enrollments).
 */
static gboolean
walk_list(cad_cli *cli, list_ctx *lc, GError **error)
{
	do {
		g_autoptr(cad_txn) txn =
		    cad_store_read_begin(cli->store, error);

		lc->n = 0;
		if (txn == NULL || !cad_store_suppress_foreach_after(
		                       txn, lc->last, list_one, lc, error))
			return FALSE;
		cad_txn_end(g_steal_pointer(&txn));
		cad_store_forget_pages(cli->store);
		errno = 0;
		if (!cad_table_flush(lc->t))
			return cad_cli_output_error(error);
	} while (lc->n == CAD_CLI_WALK_BATCH);
	return TRUE;
}

int
cad_cmd_suppress_list(cad_cli *cli)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_table) t = cad_table_new();
	list_ctx lc = {t, NULL, 0};
	gboolean ok;

	cad_table_column(t, "entry", CAD_COL_TEXT);
	cad_table_column(t, "since", CAD_COL_TEXT);
	cad_table_column(t, "source", CAD_COL_TEXT);
	cad_table_column(t, "reason", CAD_COL_TEXT);
	cad_cli_stream(cli, t);
	ok = walk_list(cli, &lc, &err);
	g_free(lc.last);
	if (!ok)
		return cad_cli_fail_error(cli, err);
	return cad_cli_finish(cli, t);
}
