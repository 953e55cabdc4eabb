/*
 * test_cli_stream.c: the commands that can print a row per enrollment or
 * entry stream them: `list` and `suppress list` across many read
 * batches (every row once, in order), a reader of the output that stops
 * holds no LMDB read transaction open in cadencectl (the real program
 * on a pipe nobody reads), and a write error is an error.
 */
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <glib.h>
#include <lmdb.h>

#include "cli/cli.h"
#include "core/enroll.h"
#include "fixture.h"
#include "tests/tools/proc.h"

TestSuite(cli_stream, .init = fx_setup, .fini = fx_teardown, .timeout = 120);

/* Ids of five digits (the table's widening below), and at least three
 * read batches and some. */
#define MANY 10017
G_STATIC_ASSERT(MANY > 3 * CAD_CLI_WALK_BATCH);

typedef struct {
	guint from, n;
} fill_range;

static gboolean
fill_fn(cad_txn *txn, void *arg, GError **error)
{
	const fill_range *r = arg;

	for (guint i = r->from; i < r->from + r->n; i++) {
		g_autofree char *addr =
		    g_strdup_printf("p%06u@many.example", i);
		g_autoptr(cad_prospect) p = cad_prospect_new(addr);
		g_autoptr(cad_enrollment) e = g_new0(cad_enrollment, 1);

		e->cadence = g_strdup("cold");
		e->rep =
		    g_strdup(i % 2 ? "bob@example.com" : "alice@example.com");
		e->next_due = 1800000000 + i;
		if (!cad_enroll_record_txn(txn, p, e, 1799990000, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
suppress_fn(cad_txn *txn, void *arg, GError **error)
{
	const fill_range *r = arg;

	for (guint i = r->from; i < r->from + r->n; i++) {
		g_autofree char *key = g_strdup_printf("s%06u@gone.example", i);
		if (!cad_store_suppress_add(txn, key, "hard bounce", "test",
		                            1799990000, error))
			return FALSE;
	}
	return TRUE;
}

/* MANY enrollments (or suppressions), written directly to the store. */
static void
fill(cad_store_write_fn fn)
{
	g_autoptr(GError) err = NULL;
	cad_store_options o = {.no_sync = TRUE};
	cad_store *s = cad_store_open(fx_store, &o, &err);

	cr_assert_not_null(s, "%s", err ? err->message : "");
	for (guint from = 0; from < MANY; from += 5000) {
		fill_range r = {from, MIN(5000, MANY - from)};
		cr_assert(cad_store_write(s, fn, &r, &err), "%s",
		          err ? err->message : "");
	}
	cad_store_sync(s);
	cad_store_close(s);
}

Test(cli_stream, list_walks_every_batch_once_in_order)
{
	fill(fill_fn);
	g_autoptr(cli_run) json = fx_cli("list", "--json", NULL);
	g_autoptr(cli_run) csv = fx_cli("list", "--csv", NULL);
	g_autoptr(cli_run) bob =
	    fx_cli("list", "--rep", "bob@example.com", "--json", NULL);
	g_autoptr(cli_run) table = fx_cli("list", NULL);
	g_auto(GStrv) lines = NULL;

	cr_assert_eq(json->status, 0, "%s", json->err);
	lines = g_strsplit(json->out, "\n", -1);
	cr_assert_eq(g_strv_length(lines), MANY + 1);
	for (guint i = 0; i < MANY; i++) {
		g_autofree char *want = g_strdup_printf(
		    "{\"id\":%u,\"address\":\"p%06u@many.example\",", i + 1, i);
		cr_assert(g_str_has_prefix(lines[i], want), "line %u: %s", i,
		          lines[i]);
	}
	cr_assert_str_eq(lines[MANY], "");
	cr_assert_eq(csv->status, 0);
	cr_assert(g_str_has_prefix(csv->out, "id,address,cadence,rep,state,"));
	cr_assert_eq(fx_count(csv->out, "@many.example"), MANY);
	cr_assert_eq(fx_count(csv->out, "id,address"), 1);
	cr_assert_eq(fx_count(bob->out, "\"rep\":\"bob@example.com\""),
	             MANY / 2);
	cr_assert_eq(fx_count(bob->out, "{\"id\":"), MANY / 2);
	/* The aligned table: one header, then every row, in the widths of
	 * the first CAD_TABLE_STREAM_ROWS rows (ids of four digits); the
	 * first five-digit id widens its column. */
	cr_assert_eq(table->status, 0);
	cr_assert(g_str_has_prefix(table->out, "  id  address"), "%.80s",
	          table->out);
	cr_assert(strstr(table->out, "\n1000  p000999@many.example  cold") !=
	          NULL);
	cr_assert(strstr(table->out, "\n9999  p009998@many.example  cold") !=
	          NULL);
	cr_assert(strstr(table->out, "\n10000  p009999@many.example  cold") !=
	          NULL);
	cr_assert_eq(fx_count(table->out, "address"), 1);
	cr_assert_eq(fx_count(table->out, "@many.example"), MANY);
}

Test(cli_stream, suppress_list_walks_every_batch_once_in_order)
{
	fill(suppress_fn);
	g_autoptr(cli_run) csv = fx_cli("suppress", "list", "--csv", NULL);
	g_auto(GStrv) lines = g_strsplit(csv->out, "\r\n", -1);

	cr_assert_eq(csv->status, 0, "%s", csv->err);
	cr_assert_eq(g_strv_length(lines), MANY + 2);
	cr_assert_str_eq(lines[0], "entry,since,source,reason");
	for (guint i = 0; i < MANY; i++) {
		g_autofree char *want =
		    g_strdup_printf("s%06u@gone.example,", i);
		cr_assert(g_str_has_prefix(lines[i + 1], want), "line %u: %s",
		          i, lines[i + 1]);
	}
}

typedef struct {
	pid_t pid;
	int holding; /* reader slots of pid inside a read transaction */
} readers;

static int
reader_line(const char *msg, void *arg)
{
	readers *r = arg;
	char txnid[32];
	int pid;

	/* "pid thread txnid", the txnid "-" outside a transaction. */
	if (sscanf(msg, "%d %*x %31s", &pid, txnid) == 2 && pid == r->pid &&
	    strcmp(txnid, "-") != 0)
		r->holding++;
	return 0;
}

/* Read transactions pid has open in the store (not open here). */
static int
read_txns_of(pid_t pid)
{
	readers r = {pid, 0};
	MDB_env *env;

	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 32);
	cr_assert_eq(mdb_env_open(env, fx_store, MDB_RDONLY | MDB_NOTLS, 0600),
	             0);
	cr_assert_geq(mdb_reader_list(env, reader_line, &r), 0);
	mdb_env_close(env);
	return r.holding;
}

/*
 * `cadencectl list --json | less`, less on its first page: the program
 * blocks on the full pipe, with no read transaction open (an open one
 * would pin the store's pages under the daemons' writes for as long as
 * the pager stays). Read on, and every row arrives.
 */
Test(cli_stream, a_stalled_reader_holds_no_read_transaction)
{
	g_autofree char *ctl =
	    g_build_filename(CAD_BINARY_DIR, "cli", "cadencectl", NULL);
	const char *argv[] = {ctl, "-c", fx_conf, "list", "--json", NULL};
	GString *all = g_string_new(NULL);
	char buf[65536];
	int p[2], cap, queued = 0, status;
	gint64 t0;
	ssize_t n;
	pid_t pid;

	fill(fill_fn);
	cr_assert_eq(pipe(p), 0);
	cap = fcntl(p[0], F_GETPIPE_SZ);
	pid = fork();
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		execv(ctl, (char **)argv);
		_exit(127);
	}
	close(p[1]);
	t0 = g_get_monotonic_time();
	while (queued < cap &&
	       g_get_monotonic_time() - t0 < 60 * G_USEC_PER_SEC) {
		cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0,
		             "cadencectl ended before filling the pipe");
		g_usleep(10000);
		ioctl(p[0], FIONREAD, &queued);
	}
	cr_assert_geq(queued, cap, "the pipe never filled");
	cr_assert(cad_proc_wait_blocked(pid, cad_proc_write_calls, 10 * 1000),
	          "cadencectl never blocked in write(2) on the full pipe");
	cr_assert_eq(read_txns_of(pid), 0,
	             "cadencectl holds a read transaction while it waits for "
	             "its reader");
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		g_string_append_len(all, buf, n);
	close(p[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_eq(fx_count(all->str, "@many.example"), MANY);
	g_string_free(all, TRUE);
}

/* A write error on the output (a full disk, a closed pipe with SIGPIPE
 * ignored) stops the listing with status 74. */
Test(cli_stream, write_error_is_an_error)
{
	g_autoptr(cli_run) e =
	    fx_cli("enroll", "--cadence", "cold", "--rep", "alice@example.com",
	           "ana@acme.example", NULL);
	const char *argv[] = {"cadencectl", "-c",    fx_conf,
	                      "list",       "--csv", NULL};
	FILE *full = fopen("/dev/full", "w");
	size_t elen = 0;
	char *errtext = NULL;
	FILE *err = open_memstream(&errtext, &elen);
	int status;

	cr_assert_eq(e->status, 0, "%s", e->err);
	cr_assert_not_null(full);
	status = cad_cli_main(5, (char **)argv, full, err);
	fclose(err);
	fclose(full);
	cr_assert_eq(status, 74, "status %d: %s", status, errtext);
	cr_assert(strstr(errtext, "cadencectl: list: writing the output:") !=
	              NULL,
	          "%s", errtext);
	free(errtext);
}
