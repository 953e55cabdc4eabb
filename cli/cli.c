/*
 * cli.c: cadencectl's dispatcher: global options, the command found by
 * its words in the table, the command's options checked against the
 * table, help printed from the table, and the shared helpers of the
 * command groups (errors, output, resolving an ADDRESS|ID argument).
 */
#include "cli/cli.h"

#include <sys/types.h>

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmds.h"
#include "common/log.h"
#include "common/util.h"
#include "core/setup.h"

static const cad_cli_opt global_opts[] = {
    {"config", 'c', "FILE",
     "configuration file (default " CADENCE_SYSCONFDIR
     "/cadence.conf, or $CADENCE_CONF)",
     0},
    {"json", 0, NULL, "print one JSON object per line", 0},
    {"csv", 0, NULL, "print CSV with a header row", 0},
    {"at", 0, "TIME", "act as if it were TIME (ISO 8601 or @SECONDS)", 0},
    {"help", 'h', NULL, "print help and exit", 0},
    {NULL, 0, NULL, NULL, 0},
};

const cad_cli_opt *
cad_cli_global_opts(void)
{
	return global_opts;
}

/* ---- diagnostics ---- */

static void
vmessage(cad_cli *cli, const char *fmt, va_list ap)
{
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);

	if (cli->cmd != NULL)
		fprintf(cli->err, "%s: %s: %s\n", cli->progname, cli->cmd->name,
		        msg);
	else
		fprintf(cli->err, "%s: %s\n", cli->progname, msg);
}

int
cad_cli_fail(cad_cli *cli, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(cli, fmt, ap);
	va_end(ap);
	return status;
}

void
cad_cli_warn(cad_cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(cli, fmt, ap);
	va_end(ap);
}

int
cad_cli_status_of(const GError *error)
{
	if (error == NULL)
		return CAD_EX_SOFTWARE;
	if (error->domain == CAD_STORE_ERROR) {
		switch ((cad_store_error_code)error->code) {
		case CAD_STORE_ERROR_NOT_FOUND:
			return CAD_CLI_EX_NOUSER;
		case CAD_STORE_ERROR_EXISTS:
		case CAD_STORE_ERROR_SUPPRESSED:
		case CAD_STORE_ERROR_ACTIVE:
		case CAD_STORE_ERROR_STATE:
			return CAD_CLI_REFUSED;
		case CAD_STORE_ERROR_ACCESS:
			return CAD_EX_NOPERM;
		case CAD_STORE_ERROR_SCHEMA:
			return CAD_EX_CONFIG;
		case CAD_STORE_ERROR_MAP_FULL:
		case CAD_STORE_ERROR_CORRUPT:
		case CAD_STORE_ERROR_FAILED:
			return CAD_EX_IOERR;
		}
		return CAD_EX_IOERR;
	}
	if (error->domain == CAD_ERROR) {
		switch ((cad_error_code)error->code) {
		case CAD_ERROR_INVALID:
			return CAD_EX_DATAERR;
		case CAD_ERROR_NOT_FOUND:
			return CAD_CLI_EX_NOUSER;
		case CAD_ERROR_FAILED:
			return CAD_CLI_REFUSED;
		}
	}
	if (error->domain == G_FILE_ERROR)
		return error->code == G_FILE_ERROR_NOENT ? CAD_EX_NOINPUT
		                                         : CAD_EX_IOERR;
	return CAD_EX_SOFTWARE;
}

int
cad_cli_fail_error(cad_cli *cli, const GError *error)
{
	return cad_cli_fail(cli, cad_cli_status_of(error), "%s",
	                    error != NULL ? error->message : "unknown error");
}

void
cad_cli_print(cad_cli *cli, cad_table *t)
{
	if (cad_table_is_streaming(t))
		cad_table_end(t);
	else
		cad_table_print(t, cli->format, cli->out);
}

int
cad_cli_finish(cad_cli *cli, cad_table *t)
{
	g_autoptr(GError) err = NULL;

	errno = 0;
	if (cad_table_end(t))
		return CAD_CLI_OK;
	cad_cli_output_error(&err);
	return cad_cli_fail_error(cli, err);
}

void
cad_cli_stream(cad_cli *cli, cad_table *t)
{
	cad_table_stream(t, cli->format, cli->out);
}

gboolean
cad_cli_output_error(GError **error)
{
	int e = errno != 0 ? errno : EIO;

	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
	            "writing the output: %s", g_strerror(e));
	return FALSE;
}

typedef struct {
	cad_cli_enrollment_fn fn;
	void *arg;
	cad_txn *txn;
	guint64 last; /* the id the next batch starts after */
	guint n;      /* visited in this batch */
	gboolean stop;
} walk_ctx;

static gboolean
walk_one(const cad_enrollment *e, void *arg)
{
	walk_ctx *w = arg;

	w->last = e->id;
	if (!w->fn(w->txn, e, w->arg)) {
		w->stop = TRUE;
		return FALSE;
	}
	return ++w->n < CAD_CLI_WALK_BATCH;
}

gboolean
cad_cli_walk_enrollments(cad_cli *cli, cad_table *t, cad_cli_enrollment_fn fn,
                         void *arg, GError **error)
{
	walk_ctx w = {fn, arg, NULL, 0, 0, FALSE};
	gboolean ok;

	do {
		w.n = 0;
		w.txn = cad_store_read_begin(cli->store, error);
		if (w.txn == NULL)
			return FALSE;
		ok = cad_store_enrollment_foreach_after(w.txn, w.last, walk_one,
		                                        &w, error);
		cad_txn_end(g_steal_pointer(&w.txn));
		if (!ok)
			return FALSE;
		/* Or our resident size would grow to the data file's. */
		cad_store_forget_pages(cli->store);
		/* Written with no transaction open: when the reader of our
		 * output stops, we wait here, and the store does not. */
		errno = 0;
		if (t != NULL && cad_table_is_streaming(t) &&
		    !cad_table_flush(t))
			return cad_cli_output_error(error);
	} while (!w.stop && w.n == CAD_CLI_WALK_BATCH);
	return TRUE;
}

char *
cad_cli_actor(void)
{
	struct passwd *pw = getpwuid(getuid());

	return g_strdup_printf("cadencectl:%s",
	                       pw != NULL ? pw->pw_name : "unknown");
}

/* ---- options ---- */

const char *
cad_cli_opt_value(cad_cli *cli, const char *name)
{
	GPtrArray *v = g_hash_table_lookup(cli->opts, name);

	return v != NULL && v->len > 0 ? g_ptr_array_index(v, v->len - 1)
	                               : NULL;
}

GPtrArray *
cad_cli_opt_values(cad_cli *cli, const char *name)
{
	GPtrArray *v = g_hash_table_lookup(cli->opts, name);

	if (v == NULL) {
		v = g_ptr_array_new_with_free_func(g_free);
		g_hash_table_insert(cli->opts, g_strdup(name), v);
	}
	return v;
}

gboolean
cad_cli_flag(cad_cli *cli, const char *name)
{
	return cad_cli_opt_value(cli, name) != NULL;
}

const char *
cad_cli_arg(cad_cli *cli, guint i)
{
	return i < cli->args->len ? g_ptr_array_index(cli->args, i) : NULL;
}

static const cad_cli_opt *
find_opt(const cad_cli_opt *table, const char *name, char shortname)
{
	for (const cad_cli_opt *o = table; o != NULL && o->name != NULL; o++)
		if (name != NULL ? strcmp(o->name, name) == 0
		                 : o->shortname == shortname && shortname != 0)
			return o;
	return NULL;
}

static const cad_cli_opt *
lookup_opt(const cad_cli_cmd *cmd, const char *name, char shortname)
{
	const cad_cli_opt *o = find_opt(global_opts, name, shortname);

	if (o == NULL && cmd != NULL)
		o = find_opt(cmd->opts, name, shortname);
	return o;
}

static void
opt_store(cad_cli *cli, const cad_cli_opt *o, const char *value)
{
	GPtrArray *v = cad_cli_opt_values(cli, o->name);

	if ((o->flags & CAD_CLI_OPT_REPEAT) == 0)
		g_ptr_array_set_size(v, 0);
	g_ptr_array_add(v, g_strdup(value != NULL ? value : ""));
}

/*
 * Parse argv[*i] as an option. Returns FALSE with a message on err for
 * an unknown option or a missing value.
 */
static gboolean
parse_opt(cad_cli *cli, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *value = NULL;
	g_autofree char *name = NULL;
	const cad_cli_opt *o;

	if (a[1] == '-') {
		const char *eq = strchr(a + 2, '=');
		name =
		    eq != NULL ? g_strndup(a + 2, eq - a - 2) : g_strdup(a + 2);
		value = eq != NULL ? eq + 1 : NULL;
		o = lookup_opt(cli->cmd, name, 0);
	} else {
		if (a[2] != '\0')
			value = a + 2;
		o = lookup_opt(cli->cmd, NULL, a[1]);
	}
	if (o == NULL) {
		cad_cli_fail(cli, CAD_EX_USAGE,
		             "unknown option %s (see "
		             "%s help%s%s)",
		             a, cli->progname, cli->cmd ? " " : "",
		             cli->cmd ? cli->cmd->name : "");
		return FALSE;
	}
	if (o->arg == NULL && value != NULL) {
		cad_cli_fail(cli, CAD_EX_USAGE, "--%s takes no value", o->name);
		return FALSE;
	}
	if (o->arg != NULL && value == NULL) {
		if (*i + 1 >= argc) {
			cad_cli_fail(cli, CAD_EX_USAGE,
			             "--%s needs a value "
			             "(%s)",
			             o->name, o->arg);
			return FALSE;
		}
		value = argv[++*i];
	}
	opt_store(cli, o, value);
	return TRUE;
}

/* The command named by the words at argv[*i...]; advances *i. */
static const cad_cli_cmd *
find_command(int argc, char **argv, int *i)
{
	const cad_cli_cmd *best = NULL;
	int best_words = 0;

	for (const cad_cli_cmd *c = cad_cli_commands(); c->name != NULL; c++) {
		g_auto(GStrv) words = g_strsplit(c->name, " ", -1);
		int n = (int)g_strv_length(words), k;

		for (k = 0; k < n && *i + k < argc; k++)
			if (strcmp(words[k], argv[*i + k]) != 0)
				break;
		if (k == n && n > best_words) {
			best = c;
			best_words = n;
		}
	}
	*i += best_words;
	return best;
}

/* ---- help, from the table ---- */

static void
opt_usage(GString *out, const cad_cli_opt *o)
{
	gboolean req = (o->flags & CAD_CLI_OPT_REQUIRED) != 0;

	g_string_append_printf(out, " %s--%s%s%s%s%s", req ? "" : "[", o->name,
	                       o->arg ? " " : "", o->arg ? o->arg : "",
	                       req ? "" : "]",
	                       (o->flags & CAD_CLI_OPT_REPEAT) ? "..." : "");
}

static void
cmd_usage(GString *out, const char *prog, const cad_cli_cmd *c)
{
	g_string_append_printf(out, "%s %s", prog, c->name);
	for (const cad_cli_opt *o = c->opts; o != NULL && o->name; o++)
		opt_usage(out, o);
	if (c->synopsis != NULL && *c->synopsis != '\0')
		g_string_append_printf(out, " %s", c->synopsis);
	g_string_append_c(out, '\n');
}

static void
opts_help(GString *out, const cad_cli_opt *table)
{
	for (const cad_cli_opt *o = table; o != NULL && o->name; o++) {
		g_autofree char *left =
		    o->shortname
		        ? g_strdup_printf("-%c, --%s%s%s", o->shortname,
		                          o->name, o->arg ? " " : "",
		                          o->arg ? o->arg : "")
		        : g_strdup_printf("    --%s%s%s", o->name,
		                          o->arg ? " " : "",
		                          o->arg ? o->arg : "");
		g_string_append_printf(out, "  %-24s %s\n", left, o->help);
	}
}

static void
command_help(GString *out, const char *prog, const cad_cli_cmd *c)
{
	g_string_append(out, "usage: ");
	cmd_usage(out, prog, c);
	g_string_append_printf(out, "\n%s\n", c->help);
	if (c->opts != NULL && c->opts->name != NULL) {
		g_string_append(out, "\noptions:\n");
		opts_help(out, c->opts);
	}
	g_string_append(out, "\ncommon options:\n");
	opts_help(out, global_opts);
}

static void
full_help(GString *out, const char *prog)
{
	const char *group = NULL;

	g_string_append_printf(out,
	                       "usage: %s [-c FILE] [--json | --csv] "
	                       "[--at TIME] COMMAND [ARGS]\n\n",
	                       prog);
	g_string_append(
	    out, "The administration tool of cadence: enroll "
	         "prospects, see and steer\nenrollments, keep the suppression "
	         "list, and read statistics.\n");
	for (const cad_cli_cmd *c = cad_cli_commands(); c->name; c++) {
		g_autoptr(GString) u = g_string_new(NULL);

		if (g_strcmp0(group, c->group) != 0) {
			group = c->group;
			g_string_append_printf(out, "\n%s:\n", group);
		}
		cmd_usage(u, "", c);
		g_strchomp(u->str);
		g_string_append_printf(out, "  %s\n      %s\n", u->str + 1,
		                       c->help);
	}
	g_string_append(out, "\ncommon options:\n");
	opts_help(out, global_opts);
	g_string_append_printf(
	    out,
	    "\n`%s help COMMAND` describes one "
	    "command; cadencectl(1) has the details and exit codes.\n",
	    prog);
}

static int
print_help(cad_cli *cli, const cad_cli_cmd *c, FILE *fp)
{
	g_autoptr(GString) out = g_string_new(NULL);

	if (c != NULL)
		command_help(out, cli->progname, c);
	else
		full_help(out, cli->progname);
	fputs(out->str, fp);
	return CAD_CLI_OK;
}

/* `cadencectl help [COMMAND...]` */
static int
help_command(cad_cli *cli, int argc, char **argv, int i)
{
	const cad_cli_cmd *c;

	if (i >= argc)
		return print_help(cli, NULL, cli->out);
	c = find_command(argc, argv, &i);
	if (c == NULL)
		return cad_cli_fail(cli, CAD_EX_USAGE, "help: no command %s",
		                    argv[i]);
	return print_help(cli, c, cli->out);
}

/* ---- the run ---- */

static int
apply_globals(cad_cli *cli)
{
	const char *at = cad_cli_opt_value(cli, "at");
	g_autoptr(GError) err = NULL;

	if (cad_cli_flag(cli, "json") && cad_cli_flag(cli, "csv"))
		return cad_cli_fail(cli, CAD_EX_USAGE,
		                    "--json and --csv "
		                    "exclude each other");
	cli->format = cad_cli_flag(cli, "json")  ? CAD_FMT_JSON
	              : cad_cli_flag(cli, "csv") ? CAD_FMT_CSV
	                                         : CAD_FMT_TABLE;
	if (cad_cli_opt_value(cli, "config") != NULL)
		cli->conf_path = cad_cli_opt_value(cli, "config");
	if (at != NULL && !cad_parse_time(at, &cli->now, &err))
		return cad_cli_fail(cli, CAD_EX_USAGE, "--at: %s",
		                    err->message);
	return CAD_CLI_OK;
}

/* Load what the command needs through core/setup.c: the same words and
 * exit status as the daemons for a broken configuration or store. */
static int
open_needs(cad_cli *cli)
{
	g_autoptr(GError) err = NULL;
	cad_setup s;
	cad_setup_mode mode;

	switch (cli->cmd->needs) {
	case CAD_CLI_NEEDS_NOTHING:
		return CAD_CLI_OK;
	case CAD_CLI_NEEDS_CONF:
		mode = CAD_SETUP_CONF;
		break;
	case CAD_CLI_NEEDS_STORE_RO:
		mode = CAD_SETUP_READ;
		break;
	default:
		mode = CAD_SETUP_WRITE;
		break;
	}
	if (!cad_setup_open(cli->conf_path, mode, &s, &err))
		return cad_cli_fail(cli, cad_setup_status(err), "%s",
		                    err->message);
	cli->conf = s.conf;
	cli->store = s.store;
	return CAD_CLI_OK;
}

static int
check_required(cad_cli *cli)
{
	for (const cad_cli_opt *o = cli->cmd->opts; o != NULL && o->name; o++)
		if ((o->flags & CAD_CLI_OPT_REQUIRED) &&
		    cad_cli_opt_value(cli, o->name) == NULL)
			return cad_cli_fail(cli, CAD_EX_USAGE,
			                    "--%s %s is "
			                    "required",
			                    o->name, o->arg ? o->arg : "");
	return CAD_CLI_OK;
}

static int
check_args(cad_cli *cli)
{
	const cad_cli_cmd *c = cli->cmd;
	int n = (int)cli->args->len;

	if (n < c->min_args || (c->max_args >= 0 && n > c->max_args)) {
		g_autoptr(GString) u = g_string_new(NULL);

		cmd_usage(u, cli->progname, c);
		g_strchomp(u->str);
		return cad_cli_fail(cli, CAD_EX_USAGE, "%s; usage: %s",
		                    n < c->min_args ? "missing argument"
		                                    : "too many arguments",
		                    u->str);
	}
	return CAD_CLI_OK;
}

/* Options and arguments after the command words, in any order. */
static int
parse_rest(cad_cli *cli, int argc, char **argv, int i)
{
	gboolean dashdash = FALSE;

	for (; i < argc; i++) {
		const char *a = argv[i];

		if (!dashdash && strcmp(a, "--") == 0)
			dashdash = TRUE;
		else if (!dashdash && a[0] == '-' && a[1] != '\0') {
			if (!parse_opt(cli, argc, argv, &i))
				return CAD_EX_USAGE;
		} else
			g_ptr_array_add(cli->args, g_strdup(a));
	}
	return CAD_CLI_OK;
}

static int
run(cad_cli *cli, int argc, char **argv)
{
	int i = 1, rc;

	/* Common options may come before the command. */
	while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
		if (!parse_opt(cli, argc, argv, &i))
			return CAD_EX_USAGE;
		i++;
	}
	if (i >= argc || strcmp(argv[i], "help") == 0) {
		if (i >= argc && !cad_cli_flag(cli, "help")) {
			print_help(cli, NULL, cli->err);
			return CAD_EX_USAGE;
		}
		return help_command(cli, argc, argv, i + 1);
	}
	cli->cmd = find_command(argc, argv, &i);
	if (cli->cmd == NULL)
		return cad_cli_fail(cli, CAD_EX_USAGE,
		                    "no command %s (see %s "
		                    "help)",
		                    argv[i], cli->progname);
	rc = parse_rest(cli, argc, argv, i);
	if (rc == CAD_CLI_OK && cad_cli_flag(cli, "help"))
		return print_help(cli, cli->cmd, cli->out);
	if (rc == CAD_CLI_OK)
		rc = apply_globals(cli);
	if (rc == CAD_CLI_OK)
		rc = check_required(cli);
	if (rc == CAD_CLI_OK)
		rc = check_args(cli);
	/* A pipe(8) transport with a typo must defer the mail, not bounce
	 * it: every failure of ingest is temporary. */
	if (rc != CAD_CLI_OK)
		return cli->cmd->fn == cad_cmd_ingest ? CAD_EX_TEMPFAIL : rc;
	if ((rc = open_needs(cli)) != CAD_CLI_OK)
		return rc;
	return cli->cmd->fn(cli);
}

int
cad_cli_main(int argc, char **argv, FILE *out, FILE *err)
{
	cad_cli cli = {0};
	const char *env_conf = g_getenv("CADENCE_CONF");
	int rc;

	cli.progname = "cadencectl";
	cli.out = out;
	cli.err = err;
	cli.err_tty = isatty(fileno(err)) == 1;
	cli.conf_path =
	    env_conf != NULL ? env_conf : CADENCE_SYSCONFDIR "/cadence.conf";
	cli.now = cad_now();
	cli.opts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                 (GDestroyNotify)g_ptr_array_unref);
	cli.args = g_ptr_array_new_with_free_func(g_free);
	rc = run(&cli, argc, argv);
	fflush(out);
	if (cli.store != NULL)
		cad_store_close(cli.store);
	if (cli.conf != NULL)
		cad_conf_free(cli.conf);
	g_hash_table_unref(cli.opts);
	g_ptr_array_unref(cli.args);
	return rc;
}

/* ---- shared by the command groups ---- */

static gboolean
all_digits(const char *s)
{
	if (*s == '\0')
		return FALSE;
	for (; *s != '\0'; s++)
		if (!g_ascii_isdigit(*s))
			return FALSE;
	return TRUE;
}

/* The newest enrollment of address, live or not. */
static cad_enrollment *
latest_of(cad_txn *txn, const char *address, GError **error)
{
	g_autoptr(GArray) ids = cad_store_enrollments_of(txn, address, error);
	guint64 best = 0;

	if (ids == NULL)
		return NULL;
	for (guint i = 0; i < ids->len; i++)
		best = MAX(best, g_array_index(ids, guint64, i));
	if (best == 0) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_NOT_FOUND,
		            "%s has never been enrolled", address);
		return NULL;
	}
	return cad_store_enrollment_get(txn, best, error);
}

cad_enrollment *
cad_cli_resolve(cad_txn *txn, const char *arg, GError **error)
{
	g_autofree char *addr = NULL;
	g_autoptr(GError) local = NULL;
	cad_enrollment *e;

	if (all_digits(arg)) {
		guint64 id = g_ascii_strtoull(arg, NULL, 10);

		e = cad_store_enrollment_get(txn, id, &local);
		if (e == NULL && local != NULL &&
		    g_error_matches(local, CAD_STORE_ERROR,
		                    CAD_STORE_ERROR_NOT_FOUND))
			g_set_error(error, CAD_STORE_ERROR,
			            CAD_STORE_ERROR_NOT_FOUND,
			            "no enrollment %s "
			            "(cadencectl list shows them)",
			            arg);
		else if (e == NULL)
			g_propagate_error(error, g_steal_pointer(&local));
		return e;
	}
	addr = cad_address_normalize(arg);
	if (addr == NULL) {
		g_autofree char *p = cad_printable(arg, -1, 80);
		g_set_error(error, CAD_ERROR, CAD_ERROR_INVALID,
		            "'%s' is "
		            "neither an enrollment id nor an address",
		            p);
		return NULL;
	}
	e = cad_store_enrollment_live(txn, addr, &local);
	if (e != NULL)
		return e;
	if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return NULL;
	}
	return latest_of(txn, addr, error);
}

static gboolean
field_name_ok(const char *name)
{
	gsize n = strlen(name);

	if (n == 0 || n > CAD_CLI_FIELD_NAME_MAX)
		return FALSE;
	for (const char *p = name; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-')
			return FALSE;
	return TRUE;
}

static gboolean
is_standard_field(const char *name)
{
	static const char *const std[] = {"first_name", "last_name", "company",
	                                  "title", "timezone"};

	for (gsize i = 0; i < G_N_ELEMENTS(std); i++)
		if (strcmp(name, std[i]) == 0)
			return TRUE;
	return FALSE;
}

static gboolean
timezone_ok(const char *tz)
{
	GTimeZone *z = g_time_zone_new_identifier(tz);

	if (z == NULL)
		return FALSE;
	g_time_zone_unref(z);
	return TRUE;
}

gboolean
cad_cli_set_field(cad_prospect *p, const char *name, const char *value,
                  GError **error)
{
	g_autofree char *v = NULL;

	if (!field_name_ok(name)) {
		g_autofree char *pn = cad_printable(name, -1, 80);
		g_set_error(error, CAD_ERROR, CAD_ERROR_INVALID,
		            "field name "
		            "'%s': use letters, digits, '_' or '-', at most %d",
		            pn, CAD_CLI_FIELD_NAME_MAX);
		return FALSE;
	}
	if (strlen(value) > CAD_CLI_FIELD_VALUE_MAX ||
	    !g_utf8_validate(value, -1, NULL)) {
		g_set_error(error, CAD_ERROR, CAD_ERROR_INVALID,
		            "%s: the value "
		            "is not UTF-8 or longer than %d bytes",
		            name, CAD_CLI_FIELD_VALUE_MAX);
		return FALSE;
	}
	v = g_strdup(value);
	if (is_standard_field(name))
		g_strdelimit(v, "\r\n\t", ' ');
	g_strstrip(v);
	if (strcmp(name, "timezone") == 0 && *v != '\0' && !timezone_ok(v)) {
		g_autofree char *pv = cad_printable(v, -1, 80);
		g_set_error(error, CAD_ERROR, CAD_ERROR_INVALID,
		            "timezone "
		            "'%s' is not a known zone (use a name such as "
		            "Europe/Berlin)",
		            pv);
		return FALSE;
	}
	cad_prospect_set_field(p, name, *v != '\0' ? v : NULL);
	return TRUE;
}

int
cad_cli_apply_field(cad_cli *cli, cad_prospect *p, const char *kv,
                    const char *what)
{
	const char *eq = strchr(kv, '=');
	g_autofree char *name = NULL;
	g_autoptr(GError) err = NULL;

	if (eq == NULL)
		return cad_cli_fail(cli, CAD_EX_USAGE,
		                    "%s'%s': expected NAME=VALUE", what, kv);
	name = g_ascii_strdown(kv, eq - kv);
	if (!cad_cli_set_field(p, name, eq + 1, &err))
		return cad_cli_fail(cli, CAD_EX_DATAERR, "%s%s", what,
		                    err->message);
	return 0;
}
