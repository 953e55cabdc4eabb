/*
 * cmd_admin.c: the mail admin's commands: `stuck` (what needs a person,
 * as core/stuck.c decides, with the command that resolves it), `backup`
 * and `restore` of the store, and `check-config` (the configuration, and
 * every template as FILE:LINE: problems).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/stats.h"
#include "common/util.h"
#include "core/setup.h"
#include "core/stuck.h"
#include "mail/template_check.h"

typedef struct {
	cad_cli *cli;
	cad_table *t;
	GError *error; /* the store failed while reading events */
} stuck_ctx;

/* One row per problem core/stuck.c finds, with the command that fixes
 * it. */
static gboolean
stuck_one(cad_txn *txn, const cad_enrollment *e, void *arg)
{
	stuck_ctx *sc = arg;
	g_autoptr(GPtrArray) problems =
	    cad_stuck_find(txn, e, sc->cli->now, &sc->error);

	if (problems == NULL)
		return FALSE;
	for (guint i = 0; i < problems->len; i++) {
		const cad_stuck *p = g_ptr_array_index(problems, i);
		cad_table_row(sc->t);
		cad_table_add_uint(sc->t, e->id);
		cad_table_add(sc->t, e->address);
		cad_table_add(sc->t, e->cadence);
		cad_table_add(sc->t, cad_stuck_name(p->kind));
		cad_table_add_time(sc->t, p->since);
		cad_table_add(sc->t, p->detail);
		cad_table_add(sc->t, p->fix);
	}
	return TRUE;
}

int
cad_cmd_stuck(cad_cli *cli)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_table) t = cad_table_new();
	stuck_ctx sc = {cli, t, NULL};
	gboolean ok;
	int rc;

	cad_table_column(t, "id", CAD_COL_NUMBER);
	cad_table_column(t, "address", CAD_COL_TEXT);
	cad_table_column(t, "cadence", CAD_COL_TEXT);
	cad_table_column(t, "problem", CAD_COL_TEXT);
	cad_table_column(t, "since", CAD_COL_TEXT);
	cad_table_column(t, "detail", CAD_COL_TEXT);
	cad_table_column(t, "fix", CAD_COL_TEXT);
	/* Every enrollment is looked at (after a crash of the sender, or an
	 * import with a missing field, many can be listed). */
	cad_cli_stream(cli, t);
	ok = cad_cli_walk_enrollments(cli, t, stuck_one, &sc, &err);
	if (sc.error != NULL) /* a store error stopped the walk */
		g_propagate_error(&err, sc.error);
	if (!ok || err != NULL)
		return cad_cli_fail_error(cli, err);
	if ((rc = cad_cli_finish(cli, t)) != CAD_CLI_OK)
		return rc;
	if (cad_table_n_rows(t) == 0 && cli->format == CAD_FMT_TABLE)
		fprintf(cli->out, "nothing is stuck\n");
	return cad_table_n_rows(t) > 0 ? CAD_CLI_REFUSED : CAD_CLI_OK;
}

/* ---- backup and restore ---- */

/* TRUE when dir is missing or empty. */
static gboolean
dir_empty(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);

	return d == NULL || g_dir_read_name(d) == NULL;
}

int
cad_cmd_backup(cad_cli *cli)
{
	const char *dir = cad_cli_arg(cli, 0);
	g_autoptr(GError) err = NULL;
	g_autofree char *data = NULL;
	struct stat st;

	if (!dir_empty(dir))
		return cad_cli_fail(
		    cli, CAD_EX_CANTCREAT,
		    "%s is not empty: "
		    "a backup goes into a new or empty directory",
		    dir);
	if (!cad_store_copy(cli->store, dir, &err))
		return cad_cli_fail(cli, CAD_EX_CANTCREAT, "%s", err->message);
	data = g_build_filename(dir, "data.mdb", NULL);
	if (stat(data, &st) != 0)
		return cad_cli_fail(cli, CAD_EX_IOERR, "%s: %s", data,
		                    g_strerror(errno));
	if (cli->format == CAD_FMT_TABLE)
		fprintf(cli->out,
		        "store %s copied to %s (%lld bytes, "
		        "compacted)\n",
		        cad_store_path(cli->store), data,
		        (long long)st.st_size);
	return CAD_CLI_OK;
}

/*
 * in_use - TRUE when another process has the store at dir open. Every
 * LMDB process holds a shared fcntl lock on the first byte of lock.mdb
 * for as long as its environment is open (mdb_env_share_locks), so an
 * exclusive lock that cannot be had means someone is there.
 */
static gboolean
in_use(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, "lock.mdb", NULL);
	struct flock fl = {0};
	gboolean busy;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return FALSE;
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 1;
	busy = fcntl(fd, F_SETLK, &fl) != 0;
	close(fd);
	return busy;
}

/* Copy src to dst (created, mode 0660), synced to disk. */
static gboolean
copy_synced(const char *src, const char *dst, GError **error)
{
	char buf[64 * 1024];
	ssize_t n = 0;
	int in = open(src, O_RDONLY | O_CLOEXEC), out;
	gboolean ok = TRUE;

	if (in < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "%s: %s", src, g_strerror(errno));
		return FALSE;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0660);
	if (out < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "%s: %s", dst, g_strerror(errno));
		close(in);
		return FALSE;
	}
	while (ok && (n = read(in, buf, sizeof(buf))) > 0)
		ok = write(out, buf, (size_t)n) == n;
	if (n < 0 || !ok || fsync(out) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "copying %s to %s: %s", src, dst,
		            g_strerror(errno));
		ok = FALSE;
	}
	close(in);
	if (close(out) != 0)
		ok = FALSE;
	return ok;
}

/* The backup must open as a store this build can read. */
static gboolean
backup_ok(const char *dir, GError **error)
{
	cad_store_options so = {.read_only = TRUE};
	g_autofree char *data = g_build_filename(dir, "data.mdb", NULL);
	cad_store *s;

	if (!g_file_test(data, G_FILE_TEST_IS_REGULAR)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
		            "%s: no "
		            "data.mdb: not a cadencectl backup",
		            dir);
		return FALSE;
	}
	s = cad_store_open(dir, &so, error);
	if (s == NULL)
		return FALSE;
	cad_store_close(s);
	return TRUE;
}

static int
restore_files(cad_cli *cli, const char *from, const char *to)
{
	g_autofree char *src = g_build_filename(from, "data.mdb", NULL);
	g_autofree char *dst = g_build_filename(to, "data.mdb", NULL);
	g_autofree char *tmp = g_strconcat(dst, ".restore", NULL);
	g_autofree char *old = g_strconcat(dst, ".before-restore", NULL);
	g_autofree char *lock = g_build_filename(to, "lock.mdb", NULL);
	g_autoptr(GError) err = NULL;

	if (g_mkdir_with_parents(to, 0750) != 0)
		return cad_cli_fail(cli, CAD_EX_CANTCREAT, "%s: %s", to,
		                    g_strerror(errno));
	if (!copy_synced(src, tmp, &err))
		return cad_cli_fail(cli, CAD_EX_IOERR, "%s", err->message);
	if ((g_file_test(dst, G_FILE_TEST_EXISTS) && rename(dst, old) != 0) ||
	    rename(tmp, dst) != 0) {
		int e = errno;
		unlink(tmp);
		return cad_cli_fail(cli, CAD_EX_IOERR, "%s: %s", dst,
		                    g_strerror(e));
	}
	/* The lock file describes the old data file's readers: drop it. */
	unlink(lock);
	return CAD_CLI_OK;
}

int
cad_cmd_restore(cad_cli *cli)
{
	const char *from = cad_cli_arg(cli, 0);
	const char *to = cli->conf->store_path;
	g_autofree char *dst = g_build_filename(to, "data.mdb", NULL);
	g_autoptr(GError) err = NULL;
	int rc;

	if (!backup_ok(from, &err))
		return cad_cli_fail(cli,
		                    cad_cli_status_of(err) == CAD_EX_IOERR
		                        ? CAD_EX_DATAERR
		                        : cad_cli_status_of(err),
		                    "%s", err->message);
	if (in_use(to))
		return cad_cli_fail(
		    cli, CAD_EX_TEMPFAIL,
		    "store %s is open in "
		    "another process: stop cadence-milter and cadence-sender "
		    "first",
		    to);
	if (g_file_test(dst, G_FILE_TEST_EXISTS) && !cad_cli_flag(cli, "force"))
		return cad_cli_fail(
		    cli, CAD_CLI_REFUSED,
		    "store %s already "
		    "holds data; --force replaces it (the old file is kept as "
		    "data.mdb.before-restore)",
		    to);
	if ((rc = restore_files(cli, from, to)) != CAD_CLI_OK)
		return rc;
	if (cli->format == CAD_FMT_TABLE)
		fprintf(cli->out, "store %s restored from %s\n", to, from);
	return CAD_CLI_OK;
}

/* ---- check-config ---- */

/* Print one template's problems as FILE:LINE: lines on stderr; count
 * its errors and warnings. */
static void
print_problems(cad_cli *cli, const char *path, GPtrArray *problems,
               guint *errors, guint *warnings)
{
	for (guint i = 0; i < problems->len; i++) {
		const cad_template_problem *p = g_ptr_array_index(problems, i);
		g_autofree char *where =
		    p->line > 0 ? g_strdup_printf("%s:%u", path, p->line)
		                : g_strdup(path);
		fprintf(cli->err, "%s: %s%s\n", where,
		        p->warning ? "warning: " : "", p->message);
		if (p->warning)
			(*warnings)++;
		else
			(*errors)++;
	}
}

/* Every template of every cadence, each file once. */
static void
check_templates(cad_cli *cli, const cad_conf *conf, guint *errors,
                guint *warnings)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < conf->cadences->len; i++) {
		const cad_cadence *c = g_ptr_array_index(conf->cadences, i);
		for (guint j = 0; j < c->steps->len; j++) {
			const cad_step *st = g_ptr_array_index(c->steps, j);
			g_autoptr(GPtrArray) problems = NULL;
			if (st->channel != CAD_CHANNEL_EMAIL ||
			    st->template_path == NULL ||
			    !g_hash_table_add(seen, st->template_path))
				continue;
			problems = cad_template_check(st->template_path, conf);
			print_problems(cli, st->template_path, problems, errors,
			               warnings);
		}
	}
}

int
cad_cmd_check_config(cad_cli *cli)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_conf) conf = cad_setup_conf(cli->conf_path, &err);
	g_autoptr(GString) out = g_string_new(NULL);
	guint errors = 0, warnings = 0;

	if (conf == NULL) {
		g_auto(GStrv) lines = g_strsplit(err->message, "\n", -1);

		for (guint i = 0; lines[i] != NULL; i++)
			if (*lines[i] != '\0')
				cad_cli_warn(cli, "%s", lines[i]);
		return cad_setup_status(err);
	}
	check_templates(cli, conf, &errors, &warnings);
	/* Errors block, as the sender would refuse to start; warnings are
	 * what it would send or pause on, and block with --strict. */
	if (errors > 0 || (warnings > 0 && cad_cli_flag(cli, "strict")))
		return CAD_EX_CONFIG;
	if (cad_cli_flag(cli, "dump"))
		cad_conf_dump(conf, out);
	else
		cad_conf_describe(conf, out);
	fputs(out->str, cli->out);
	return CAD_CLI_OK;
}
