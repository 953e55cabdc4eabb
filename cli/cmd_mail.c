/*
 * cmd_mail.c: mail in, from the command line: `classify` prints the
 * classifier's verdict on message files, and `ingest` records one
 * message from stdin the way the milter would, for a Postfix pipe(8)
 * transport on the bounce and unsubscribe addresses.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "common/log.h"
#include "common/util.h"
#include "core/setup.h"
#include "inbound/inbound.h"
#include "mail/classify.h"
#include "mail/gmime_auto.h"

/*
 * read_bounded - up to max bytes of fp into a new buffer; the rest is
 * read and dropped (a pipe writer must not see EPIPE). *cut says whether
 * anything was dropped. NULL on a read error.
 */
static char *
read_bounded(FILE *fp, gsize max, gsize *len, gboolean *cut)
{
	GString *s = g_string_new(NULL);
	char buf[16384];
	size_t n;

	*cut = FALSE;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		gsize room = max - MIN(max, s->len);
		if (n > room)
			*cut = TRUE;
		g_string_append_len(s, buf, (gssize)MIN(n, room));
	}
	if (ferror(fp)) {
		g_string_free(s, TRUE);
		return NULL;
	}
	*len = s->len;
	return g_string_free(s, FALSE);
}

static char *
read_message(cad_cli *cli, const char *file, gsize *len)
{
	gboolean cut;
	FILE *fp = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
	char *data;

	if (fp == NULL) {
		cad_cli_warn(cli, "%s: %s", file, g_strerror(errno));
		return NULL;
	}
	data = read_bounded(fp, CAD_CLI_MAIL_MAX, len, &cut);
	if (data == NULL)
		cad_cli_warn(cli, "%s: %s", file, g_strerror(errno));
	else if (cut)
		cad_cli_warn(cli,
		             "%s: longer than %d bytes; the rest is not "
		             "looked at",
		             file, CAD_CLI_MAIL_MAX);
	if (fp != stdin)
		fclose(fp);
	return data;
}

/*
 * GMime is set up once per process and never shut down: its init and
 * shutdown are not thread-safe and it cannot be set up again after a
 * shutdown, while cad_cli_main may run many times in one process.
 */
static void
mime_init_once(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		g_mime_init();
		g_once_init_leave(&done, 1);
	}
}

static void
classify_row(cad_table *t, const char *file, const cad_classification *c)
{
	g_autoptr(GString) rcpts = g_string_new(NULL);

	for (guint i = 0; i < c->recipients->len; i++) {
		const cad_bounce_rcpt *r = g_ptr_array_index(c->recipients, i);
		g_string_append_printf(rcpts, "%s%s", i ? " " : "", r->address);
	}
	cad_table_row(t);
	cad_table_add(t, file);
	cad_table_add(t, cad_kind_name(c->kind));
	cad_table_add(t, c->status);
	cad_table_add(t, c->reason);
	cad_table_add(t, rcpts->str);
	cad_table_add(t, c->return_date);
	cad_table_add(t, c->subject);
}

int
cad_cmd_classify(cad_cli *cli)
{
	g_autoptr(cad_table) t = cad_table_new();
	int status = CAD_CLI_OK;

	cad_table_column(t, "file", CAD_COL_TEXT);
	cad_table_column(t, "kind", CAD_COL_TEXT);
	cad_table_column(t, "status", CAD_COL_TEXT);
	cad_table_column(t, "reason", CAD_COL_TEXT);
	cad_table_column(t, "recipients", CAD_COL_TEXT);
	cad_table_column(t, "return_date", CAD_COL_TEXT);
	cad_table_column(t, "subject", CAD_COL_TEXT);
	mime_init_once();
	for (guint i = 0; i < cli->args->len; i++) {
		const char *file = cad_cli_arg(cli, i);
		gsize len = 0;
		g_autofree char *data = read_message(cli, file, &len);
		cad_classification *c;

		if (data == NULL) {
			status = CAD_EX_NOINPUT;
			continue;
		}
		c = cad_classify(data, len, cli->now);
		if (c->warning != NULL)
			cad_cli_warn(cli, "%s: %s", file, c->warning);
		if (cli->format == CAD_FMT_JSON) {
			g_autofree char *j =
			    cad_classification_to_json(c, file);
			fprintf(cli->out, "%s\n", j);
		} else {
			classify_row(t, file, c);
		}
		cad_classification_free(c);
	}
	if (cli->format != CAD_FMT_JSON)
		cad_cli_print(cli, t);
	return status;
}

/* ---- ingest ---- */

/* Every failure of ingest is a temporary one: Postfix keeps the mail. */
static int
ingest_fail(cad_cli *cli, const char *what, const GError *err)
{
	return cad_cli_fail(cli, CAD_EX_TEMPFAIL, "%s: %s", what,
	                    err != NULL ? err->message : g_strerror(errno));
}

static int
ingest_run(cad_cli *cli, const char *data, gsize len)
{
	GPtrArray *rcpts = cad_cli_opt_values(cli, "recipient");
	const char *sender = cad_cli_opt_value(cli, "sender");
	g_autoptr(GPtrArray) rv = g_ptr_array_new();
	g_autoptr(GError) err = NULL;
	g_autofree char *desc = NULL;
	cad_inbound_result res = {0};
	cad_setup s;

	/* Loaded here, not by the dispatcher: every failure of ingest,
	 * these included, is temporary. */
	if (!cad_setup_open(cli->conf_path, CAD_SETUP_WRITE, &s, &err))
		return cad_cli_fail(cli, CAD_EX_TEMPFAIL, "%s%s",
		                    g_error_matches(err, CAD_SETUP_ERROR,
		                                    CAD_SETUP_ERROR_CONFIG)
		                        ? "configuration: "
		                        : "",
		                    err->message);
	cli->conf = s.conf;
	cli->store = s.store;
	for (guint i = 0; i < rcpts->len; i++)
		g_ptr_array_add(rv, g_ptr_array_index(rcpts, i));
	g_ptr_array_add(rv, NULL);
	if (!cad_inbound_process(cli->store, cli->conf, sender,
	                         (const char *const *)rv->pdata, data, len,
	                         cli->now, &res, &err)) {
		cad_inbound_result_clear(&res);
		return ingest_fail(cli, "store", err);
	}
	desc = cad_inbound_describe(&res);
	log_info("ingest: %s", desc);
	if (cli->format == CAD_FMT_JSON)
		fprintf(cli->out,
		        "{\"outcome\":\"%s\",\"enrollment\":%" G_GUINT64_FORMAT
		        "}\n",
		        cad_outcome_name(res.outcome), res.enrollment);
	cad_inbound_result_clear(&res);
	return CAD_CLI_OK;
}

int
cad_cmd_ingest(cad_cli *cli)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	gboolean cut;

	data = read_bounded(stdin, CAD_CLI_MAIL_MAX, &len, &cut);
	if (data == NULL)
		return ingest_fail(cli, "stdin", NULL);
	mime_init_once();
	return ingest_run(cli, data, len);
}
