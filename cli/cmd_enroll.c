/*
 * cmd_enroll.c: `enroll` (one prospect) and `import` (a CRM export in
 * CSV). Every enrollment goes through core/actions.h; an import writes
 * CAD_CLI_IMPORT_BATCH rows per transaction and goes on past bad rows,
 * reporting each by line number.
 */
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/csv.h"
#include "common/util.h"
#include "core/actions.h"

/* The cadence, rep and subject shared by enroll and import. */
typedef struct {
	const cad_cadence *cadence;
	char *rep;
	cad_enroll_req req;
} enroll_target;

static int
target_init(cad_cli *cli, enroll_target *t)
{
	const char *name = cad_cli_opt_value(cli, "cadence");
	const char *rep = cad_cli_opt_value(cli, "rep");

	memset(t, 0, sizeof(*t));
	t->cadence = cad_conf_cadence(cli->conf, name);
	if (t->cadence == NULL)
		return cad_cli_fail(cli, CAD_EX_USAGE,
		                    "no cadence '%s' in %s "
		                    "(cadencectl check-config lists them)",
		                    name, cli->conf->cadences_dir);
	t->rep = cad_address_normalize(rep);
	if (t->rep == NULL)
		return cad_cli_fail(cli, CAD_EX_USAGE,
		                    "--rep '%s' is not an "
		                    "address",
		                    rep);
	t->req.cadence = t->cadence->name;
	t->req.rep = t->rep;
	t->req.subject = cad_cli_opt_value(cli, "subject");
	return CAD_CLI_OK;
}

/*
 * What would happen to address now (core/enroll.h's admission): TRUE
 * with *why NULL when it can be enrolled, else why not (the message) and
 * *status, the refusal's code; FALSE with error when the store cannot
 * tell. Caller frees *why.
 */
static gboolean
would_refuse(cad_txn *txn, const char *address, char **why, int *status,
             GError **error)
{
	g_autoptr(GError) err = NULL;

	*why = NULL;
	if (cad_enroll_admit_txn(txn, address, &err))
		return TRUE;
	if (g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_SUPPRESSED) ||
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_ACTIVE)) {
		*status = err->code;
		*why = g_strdup(err->message);
		return TRUE;
	}
	g_propagate_error(error, g_steal_pointer(&err));
	return FALSE;
}

static void
enrolled_row(cad_table *t, guint64 id, const char *addr, const char *result,
             const char *cadence, const char *rep, gint64 next_due)
{
	cad_table_row(t);
	if (id != 0)
		cad_table_add_uint(t, id);
	else
		cad_table_add(t, NULL);
	cad_table_add(t, addr);
	cad_table_add(t, result);
	cad_table_add(t, cadence);
	cad_table_add(t, rep);
	cad_table_add_time(t, next_due);
}

static cad_table *
enrolled_table(void)
{
	cad_table *t = cad_table_new();

	cad_table_column(t, "id", CAD_COL_NUMBER);
	cad_table_column(t, "address", CAD_COL_TEXT);
	cad_table_column(t, "result", CAD_COL_TEXT);
	cad_table_column(t, "cadence", CAD_COL_TEXT);
	cad_table_column(t, "rep", CAD_COL_TEXT);
	cad_table_column(t, "next_due", CAD_COL_TEXT);
	return t;
}

static int
enroll_dry_run(cad_cli *cli, enroll_target *tg, const cad_prospect *p)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_txn) txn = cad_store_read_begin(cli->store, &err);
	g_autoptr(cad_table) t = enrolled_table();
	g_autofree char *why = NULL;
	int code = 0;

	if (txn == NULL || !would_refuse(txn, p->address, &why, &code, &err))
		return cad_cli_fail_error(cli, err);
	enrolled_row(t, 0, p->address, why != NULL ? "refused" : "would enroll",
	             tg->cadence->name, tg->rep, 0);
	cad_cli_print(cli, t);
	if (why != NULL)
		return cad_cli_fail(cli, CAD_CLI_REFUSED, "%s", why);
	return CAD_CLI_OK;
}

/* The due time of enrollment id, read back; FALSE when it cannot be. */
static gboolean
next_due_of(cad_cli *cli, guint64 id, gint64 *due, GError **error)
{
	g_autoptr(cad_txn) txn = cad_store_read_begin(cli->store, error);
	g_autoptr(cad_enrollment) e = NULL;

	if (txn == NULL)
		return FALSE;
	e = cad_store_enrollment_get(txn, id, error);
	if (e == NULL)
		return FALSE;
	*due = e->next_due;
	return TRUE;
}

int
cad_cmd_enroll(cad_cli *cli)
{
	enroll_target tg;
	g_autofree char *addr = cad_address_normalize(cad_cli_arg(cli, 0));
	g_autoptr(cad_prospect) p = NULL;
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_table) t = NULL;
	GPtrArray *fields = cad_cli_opt_values(cli, "field");
	guint64 id = 0;
	gint64 due = 0;
	int rc;

	if ((rc = target_init(cli, &tg)) != CAD_CLI_OK)
		return rc;
	g_autofree char *rep = tg.rep;
	if (addr == NULL)
		return cad_cli_fail(cli, CAD_EX_DATAERR,
		                    "'%s' is not an "
		                    "address",
		                    cad_cli_arg(cli, 0));
	p = cad_prospect_new(addr);
	for (guint i = 0; i < fields->len; i++) {
		int st = cad_cli_apply_field(
		    cli, p, g_ptr_array_index(fields, i), "--field ");
		if (st != 0)
			return st;
	}
	if (cad_cli_flag(cli, "dry-run"))
		return enroll_dry_run(cli, &tg, p);
	if (!cad_enroll(cli->store, cli->conf, p, &tg.req, cli->now, FALSE, &id,
	                &err))
		return cad_cli_fail_error(cli, err);
	if (!next_due_of(cli, id, &due, &err)) {
		g_prefix_error(&err,
		               "enrolled as %" G_GUINT64_FORMAT
		               " but not read back: ",
		               id);
		return cad_cli_fail_error(cli, err);
	}
	t = enrolled_table();
	enrolled_row(t, id, addr, "enrolled", tg.cadence->name, tg.rep, due);
	cad_cli_print(cli, t);
	return CAD_CLI_OK;
}

/* ---- import ---- */

typedef enum {
	ROW_ENROLLED,
	ROW_SUPPRESSED,
	ROW_ACTIVE,
	ROW_BAD,
	ROW_WOULD_ENROLL,
} row_result;

static const char *const row_result_names[] = {
    [ROW_ENROLLED] = "enrolled",         [ROW_SUPPRESSED] = "suppressed",
    [ROW_ACTIVE] = "already_active",     [ROW_BAD] = "bad",
    [ROW_WOULD_ENROLL] = "would_enroll",
};

typedef struct {
	guint line;
	cad_prospect *p; /* NULL for a bad row */
	row_result result;
	guint64 id;
	char *detail;
} import_row;

typedef struct {
	cad_cli *cli;
	enroll_target *tg;
	const char *file;
	char **header; /* normalized column names */
	gint email_col;
	GArray *batch; /* import_row */
	guint counts[G_N_ELEMENTS(row_result_names)];
	guint rows;
	GHashTable *seen;   /* addresses in this file (dry run) */
	cad_table *verbose; /* rows printed with -v or --dry-run */
	gboolean dry_run;
	guint64 last_progress;
} import_ctx;

static void
import_row_clear(gpointer p)
{
	import_row *r = p;

	cad_prospect_free(r->p);
	g_free(r->detail);
}

/* "First Name" -> first_name; aliases CRMs use for the address. */
static char *
column_name(const char *raw)
{
	static const char *const email_aliases[] = {
	    "email_address", "e_mail", "mail", "emailaddress", "work_email"};
	char *n = g_utf8_strdown(raw, -1);

	g_strstrip(n);
	for (char *p = n; *p != '\0'; p++)
		if (*p == ' ' || *p == '-' || *p == '.')
			*p = '_';
	for (gsize i = 0; i < G_N_ELEMENTS(email_aliases); i++)
		if (strcmp(n, email_aliases[i]) == 0) {
			g_free(n);
			return g_strdup("email");
		}
	return n;
}

static int
read_header(import_ctx *ic, cad_csv *r)
{
	g_autoptr(GError) err = NULL;
	guint line;
	char **h = cad_csv_next(r, &line, &err);

	if (h == NULL)
		return cad_cli_fail(ic->cli, CAD_EX_DATAERR, "%s: %s", ic->file,
		                    err != NULL ? err->message
		                                : "empty file, expected a "
		                                  "header row");
	ic->email_col = -1;
	for (guint i = 0; h[i] != NULL; i++) {
		char *n = column_name(h[i]);

		g_free(h[i]);
		h[i] = n;
		if (strcmp(n, "email") == 0 && ic->email_col < 0)
			ic->email_col = (gint)i;
	}
	ic->header = h;
	if (ic->email_col < 0)
		return cad_cli_fail(ic->cli, CAD_EX_DATAERR,
		                    "%s: line 1: no "
		                    "'email' column in the header",
		                    ic->file);
	return CAD_CLI_OK;
}

/* Turn one record into a prospect, or say what is wrong with it. */
static cad_prospect *
row_prospect(import_ctx *ic, char **f, char **why)
{
	const char *email =
	    (guint)ic->email_col < g_strv_length(f) ? f[ic->email_col] : "";
	g_autofree char *addr = cad_address_normalize(email);
	g_autoptr(cad_prospect) p = NULL;

	if (*email == '\0') {
		*why = g_strdup("the email column is empty");
		return NULL;
	}
	if (addr == NULL) {
		g_autofree char *pe = cad_printable(email, -1, 80);
		*why = g_strdup_printf("'%s' is not an address", pe);
		return NULL;
	}
	p = cad_prospect_new(addr);
	for (guint i = 0; f[i] != NULL && ic->header[i] != NULL; i++) {
		g_autoptr(GError) err = NULL;

		if ((gint)i == ic->email_col || *ic->header[i] == '\0' ||
		    *f[i] == '\0' || strcmp(ic->header[i], "email") == 0)
			continue;
		if (!cad_cli_set_field(p, ic->header[i], f[i], &err)) {
			*why = g_strdup(err->message);
			return NULL;
		}
	}
	return g_steal_pointer(&p);
}

static void
report_row(import_ctx *ic, const import_row *r)
{
	ic->counts[r->result]++;
	if (r->result == ROW_BAD)
		cad_cli_warn(ic->cli, "%s:%u: %s", ic->file, r->line,
		             r->detail);
	if (ic->verbose == NULL)
		return;
	cad_table_row(ic->verbose);
	cad_table_add_uint(ic->verbose, r->line);
	cad_table_add(ic->verbose, r->p != NULL ? r->p->address : NULL);
	cad_table_add(ic->verbose, row_result_names[r->result]);
	if (r->id != 0)
		cad_table_add_uint(ic->verbose, r->id);
	else
		cad_table_add(ic->verbose, NULL);
	cad_table_add(ic->verbose, r->detail);
}

/* One batch in one write transaction (core/enroll.h). */
static gboolean
batch_enroll(import_ctx *ic, GError **error)
{
	g_autofree cad_enroll_row *rows =
	    g_new0(cad_enroll_row, ic->batch->len);
	gboolean ok;

	for (guint i = 0; i < ic->batch->len; i++) {
		import_row *r = &g_array_index(ic->batch, import_row, i);
		rows[i].p = r->p;
		rows[i].line = r->line;
	}
	ok = cad_enroll_batch(ic->cli->store, ic->cli->conf, &ic->tg->req, rows,
	                      ic->batch->len, ic->cli->now, error);
	for (guint i = 0; i < ic->batch->len; i++) {
		import_row *r = &g_array_index(ic->batch, import_row, i);
		GError *why = rows[i].refused;
		if (!ok || r->p == NULL) {
			g_clear_error(&rows[i].refused);
			continue;
		}
		r->id = rows[i].id;
		r->result = why == NULL ? ROW_ENROLLED
		            : why->code == CAD_STORE_ERROR_SUPPRESSED
		                ? ROW_SUPPRESSED
		                : ROW_ACTIVE;
		if (why != NULL)
			r->detail = g_strdup(why->message);
		g_clear_error(&rows[i].refused);
	}
	return ok;
}

/* The dry run: the same checks in a read transaction. */
static gboolean
batch_dry(import_ctx *ic, GError **error)
{
	g_autoptr(cad_txn) txn = cad_store_read_begin(ic->cli->store, error);

	if (txn == NULL)
		return FALSE;
	for (guint i = 0; i < ic->batch->len; i++) {
		import_row *r = &g_array_index(ic->batch, import_row, i);
		int code = 0;

		if (r->p == NULL)
			continue;
		if (!would_refuse(txn, r->p->address, &r->detail, &code, error))
			return FALSE;
		if (r->detail == NULL &&
		    g_hash_table_contains(ic->seen, r->p->address)) {
			code = CAD_STORE_ERROR_ACTIVE;
			r->detail = g_strdup_printf("%s is enrolled by an "
			                            "earlier row",
			                            r->p->address);
		}
		g_hash_table_add(ic->seen, g_strdup(r->p->address));
		r->result = r->detail == NULL ? ROW_WOULD_ENROLL
		            : code == CAD_STORE_ERROR_SUPPRESSED
		                ? ROW_SUPPRESSED
		                : ROW_ACTIVE;
	}
	return TRUE;
}

static gboolean
flush_batch(import_ctx *ic, GError **error)
{
	gboolean ok;

	if (ic->batch->len == 0)
		return TRUE;
	ok = ic->dry_run ? batch_dry(ic, error) : batch_enroll(ic, error);
	if (!ok)
		return FALSE;
	for (guint i = 0; i < ic->batch->len; i++)
		report_row(ic, &g_array_index(ic->batch, import_row, i));
	g_array_set_size(ic->batch, 0);
	if (ic->verbose != NULL && cad_table_is_streaming(ic->verbose)) {
		/* Under the progress bar, which is drawn again after. */
		if (ic->last_progress != G_MAXUINT64) {
			fprintf(ic->cli->err, "\r%60s\r", "");
			ic->last_progress = G_MAXUINT64;
		}
		cad_table_flush(ic->verbose);
	}
	return TRUE;
}

/* A progress bar on a terminal, redrawn at most once per percent. */
static void
progress(import_ctx *ic, cad_csv *r, gboolean done)
{
	guint64 size = cad_csv_size(r), off = cad_csv_offset(r);
	guint64 pct = size > 0 ? off * 100 / size : 0;
	char bar[41];

	if (!ic->cli->err_tty || size == 0)
		return;
	if (done) {
		fprintf(ic->cli->err, "\r%60s\r", "");
		return;
	}
	if (pct == ic->last_progress)
		return;
	ic->last_progress = pct;
	memset(bar, ' ', 40);
	memset(bar, '#', (size_t)(pct * 40 / 100));
	bar[40] = '\0';
	fprintf(ic->cli->err, "\rimport [%s] %3u%% %u rows", bar, (guint)pct,
	        ic->rows);
	fflush(ic->cli->err);
}

/* The reader's message without its "line N: " (we print FILE:N:). */
static const char *
csv_reason(const GError *err)
{
	const char *colon = strstr(err->message, ": ");

	return colon != NULL ? colon + 2 : err->message;
}

static int
import_rows(import_ctx *ic, cad_csv *r)
{
	g_autoptr(GError) err = NULL;
	char **f;
	guint line = 0;

	for (;;) {
		import_row row = {0};

		f = cad_csv_next(r, &line, &err);
		if (f == NULL && err == NULL)
			break;
		if (f == NULL && err->code == CAD_CSV_ERROR_FATAL)
			return cad_cli_fail(
			    ic->cli, CAD_EX_DATAERR,
			    "%s:%u: "
			    "%s; the rows before it were processed",
			    ic->file, line, csv_reason(err));
		ic->rows++;
		row.line = line;
		row.result = ROW_BAD;
		if (f == NULL) {
			row.detail = g_strdup(csv_reason(err));
			g_clear_error(&err);
		} else {
			row.p = row_prospect(ic, f, &row.detail);
			g_strfreev(f);
		}
		g_array_append_val(ic->batch, row);
		if (ic->batch->len >= CAD_CLI_IMPORT_BATCH &&
		    !flush_batch(ic, &err))
			return cad_cli_fail(
			    ic->cli, cad_cli_status_of(err),
			    "%s: %s; earlier batches are committed", ic->file,
			    err->message);
		progress(ic, r, FALSE);
	}
	if (!flush_batch(ic, &err))
		return cad_cli_fail(ic->cli, cad_cli_status_of(err),
		                    "%s: %s; "
		                    "earlier batches are committed",
		                    ic->file, err->message);
	return CAD_CLI_OK;
}

static void
import_summary(import_ctx *ic)
{
	g_autoptr(cad_table) t = cad_table_new();

	cad_table_column(t, "file", CAD_COL_TEXT);
	cad_table_column(t, "rows", CAD_COL_NUMBER);
	cad_table_column(t, ic->dry_run ? "would_enroll" : "enrolled",
	                 CAD_COL_NUMBER);
	cad_table_column(t, "suppressed", CAD_COL_NUMBER);
	cad_table_column(t, "already_active", CAD_COL_NUMBER);
	cad_table_column(t, "bad", CAD_COL_NUMBER);
	cad_table_row(t);
	cad_table_add(t, ic->file);
	cad_table_add_uint(t, ic->rows);
	cad_table_add_uint(
	    t, ic->counts[ic->dry_run ? ROW_WOULD_ENROLL : ROW_ENROLLED]);
	cad_table_add_uint(t, ic->counts[ROW_SUPPRESSED]);
	cad_table_add_uint(t, ic->counts[ROW_ACTIVE]);
	cad_table_add_uint(t, ic->counts[ROW_BAD]);
	if (ic->verbose != NULL) {
		cad_cli_print(ic->cli, ic->verbose);
		if (ic->cli->format == CAD_FMT_TABLE)
			fputc('\n', ic->cli->out);
	}
	if (ic->verbose == NULL || ic->cli->format == CAD_FMT_TABLE)
		cad_cli_print(ic->cli, t);
}

int
cad_cmd_import(cad_cli *cli)
{
	enroll_target tg;
	import_ctx ic = {0};
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_csv) r = NULL;
	int rc;

	if ((rc = target_init(cli, &tg)) != CAD_CLI_OK)
		return rc;
	ic.cli = cli;
	ic.tg = &tg;
	ic.file = cad_cli_arg(cli, 0);
	ic.dry_run = cad_cli_flag(cli, "dry-run");
	ic.batch = g_array_new(FALSE, TRUE, sizeof(import_row));
	g_array_set_clear_func(ic.batch, import_row_clear);
	ic.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	ic.last_progress = G_MAXUINT64;
	if (ic.dry_run || cad_cli_flag(cli, "verbose")) {
		ic.verbose = cad_table_new();
		cad_table_column(ic.verbose, "line", CAD_COL_NUMBER);
		cad_table_column(ic.verbose, "address", CAD_COL_TEXT);
		cad_table_column(ic.verbose, "result", CAD_COL_TEXT);
		cad_table_column(ic.verbose, "id", CAD_COL_NUMBER);
		cad_table_column(ic.verbose, "detail", CAD_COL_TEXT);
		/* A dry run writes nothing, so its rows (one per line of the
		 * file) go out a batch at a time. A real import keeps them
		 * until its last batch is committed: a reader of the output
		 * that goes away (| head) must not stop it half done. */
		if (ic.dry_run)
			cad_cli_stream(cli, ic.verbose);
	}
	r = cad_csv_open(ic.file, 0, &err);
	if (r == NULL)
		rc = cad_cli_fail(cli, CAD_EX_NOINPUT, "%s", err->message);
	else if ((rc = read_header(&ic, r)) == CAD_CLI_OK)
		rc = import_rows(&ic, r);
	if (r != NULL)
		progress(&ic, r, TRUE);
	if (rc == CAD_CLI_OK || ic.rows > 0)
		import_summary(&ic);
	if (rc == CAD_CLI_OK && ic.counts[ROW_BAD] > 0)
		rc = CAD_EX_DATAERR;
	g_strfreev(ic.header);
	g_array_unref(ic.batch);
	g_hash_table_unref(ic.seen);
	cad_table_free(ic.verbose);
	g_free(tg.rep);
	return rc;
}
