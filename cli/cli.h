/*
 * cli.h: cadencectl as a library. cad_cli_main() runs one command line
 * against given output streams, so the suites drive every subcommand
 * in-process on a real store; main.c only calls it with stdout/stderr.
 *
 * The command table (commands.c) is the one source of truth: dispatch,
 * `cadencectl help` and the usage lines all come from it, in the manner
 * of OpenSMTPD's smtpctl.
 */
#ifndef CAD_CLI_H
#define CAD_CLI_H

#include <stdio.h>

#include <glib.h>

#include "cli/output.h"
#include "conf/conf.h"
#include "store/store.h"

/*
 * Exit status (documented in cadencectl(1), EXIT STATUS). 1 is not an
 * error: the request was understood and refused by a rule (a suppressed
 * or already active prospect, a stopped enrollment asked to pause), or
 * `stuck` found something. The others are sysexits(3).
 */
#define CAD_CLI_OK        0
#define CAD_CLI_REFUSED   1
#define CAD_CLI_EX_NOUSER 67 /* no such prospect or enrollment */

/* Rows of an import written in one transaction: short enough that the
 * milter and the sender wait milliseconds for the writer lock, long
 * enough that a 100,000-row file takes seconds, not minutes. */
#define CAD_CLI_IMPORT_BATCH 500

/* Largest message `classify` and `ingest` read; the rest is skipped
 * (the classifier looks no further either). */
#define CAD_CLI_MAIL_MAX (4 * 1024 * 1024)

/* Longest template field name and value set from the command line. */
#define CAD_CLI_FIELD_NAME_MAX  64
#define CAD_CLI_FIELD_VALUE_MAX 4096

typedef struct cad_cli cad_cli;

/* An option of a command: --name [ARG], or -s [ARG]. */
typedef struct {
	const char *name;
	char shortname;  /* 0: none */
	const char *arg; /* metavariable, NULL for a flag */
	const char *help;
	unsigned flags; /* CAD_CLI_OPT_* */
} cad_cli_opt;

#define CAD_CLI_OPT_REPEAT   1u /* may be given more than once */
#define CAD_CLI_OPT_REQUIRED 2u /* the command cannot run without it */

typedef int (*cad_cli_fn)(cad_cli *cli);

/* Where a command needs the configuration and the store. */
typedef enum {
	CAD_CLI_NEEDS_NOTHING,
	CAD_CLI_NEEDS_CONF,
	CAD_CLI_NEEDS_STORE_RO, /* conf + store opened read-only */
	CAD_CLI_NEEDS_STORE,    /* conf + store opened for writing */
} cad_cli_needs;

typedef struct {
	const char *group;       /* heading in help: "Enrollments", ... */
	const char *name;        /* one or two words: "suppress add" */
	const char *synopsis;    /* positional arguments: "ADDRESS|ID" */
	int min_args, max_args;  /* positionals; max -1: any number */
	const cad_cli_opt *opts; /* ended by a NULL name; may be NULL */
	cad_cli_needs needs;
	cad_cli_fn fn;
	const char *help; /* one line */
} cad_cli_cmd;

struct cad_cli {
	const char *progname;
	FILE *out, *err;
	gboolean err_tty; /* stderr is a terminal: progress bars */
	const char *conf_path;
	cad_format format;
	gint64 now;
	const cad_cli_cmd *cmd;
	GHashTable *opts; /* long name -> GPtrArray of char* ("" for flags) */
	GPtrArray *args;  /* positional arguments */
	cad_conf *conf;
	cad_store *store;
};

/*
 * cad_cli_main - run one cadencectl command line (argv[0] is the program
 * name). Output goes to out, diagnostics to err. Returns the exit status.
 * Opens and closes the store itself: the caller must not hold it open.
 */
int cad_cli_main(int argc, char **argv, FILE *out, FILE *err);

/* The command table, ended by a NULL name. */
const cad_cli_cmd *cad_cli_commands(void);
/* Options every command takes (-c, --json, --csv, --at, --help). */
const cad_cli_opt *cad_cli_global_opts(void);

/* ---- for the command implementations ---- */

/* The last value of option name, or NULL. */
const char *cad_cli_opt_value(cad_cli *cli, const char *name);
/* Every value of a repeated option (borrowed; may be empty, never NULL). */
GPtrArray *cad_cli_opt_values(cad_cli *cli, const char *name);
gboolean cad_cli_flag(cad_cli *cli, const char *name);
const char *cad_cli_arg(cad_cli *cli, guint i);

/* Print "cadencectl: COMMAND: message" on err; returns status. */
int cad_cli_fail(cad_cli *cli, int status, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
/* The same for a GError, choosing the status from its domain and code. */
int cad_cli_fail_error(cad_cli *cli, const GError *error);
/* The exit status a GError maps to (store NOT_FOUND: 67, ...). */
int cad_cli_status_of(const GError *error);
/* A warning on err, same prefix; does not change the status. */
void cad_cli_warn(cad_cli *cli, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Print a table in the chosen format; finish a streamed one. */
void cad_cli_print(cad_cli *cli, cad_table *t);
/*
 * cad_cli_stream - t (its columns declared, no row yet) writes its rows
 * to the command's output as they come (cad_table_stream): for a command
 * that can print a row per enrollment or entry of the store.
 */
void cad_cli_stream(cad_cli *cli, cad_table *t);
/* cad_cli_finish - end a streamed table; CAD_CLI_OK, or the status of a
 * write error on the output (74) after saying so. */
int cad_cli_finish(cad_cli *cli, cad_table *t);
/* A write error on the output as a G_FILE_ERROR (status 74), from errno;
 * returns FALSE. */
gboolean cad_cli_output_error(GError **error);

/*
 * Enrollments read per read transaction by a walk over all of them: a
 * few milliseconds of LMDB reading, and the rows of one batch held at
 * once (half a megabyte of JSON for `list`). The pages of the data file
 * a batch maps count in our resident size until the batch ends: `list`
 * of a million peaks near 15 MiB with 2048, 20 MiB with 4096, 10.5 MiB
 * with 1024 but 5% slower (bench/bench_cli.c).
 */
#define CAD_CLI_WALK_BATCH 2048

typedef gboolean (*cad_cli_enrollment_fn)(cad_txn *txn, const cad_enrollment *e,
                                          void *arg);
/*
 * cad_cli_walk_enrollments - call fn on every enrollment in id order, in
 * read transactions of CAD_CLI_WALK_BATCH enrollments; fn may read more
 * in txn and returns FALSE to stop. After each batch, with no
 * transaction open, the rows of t (streamed; may be NULL) are written
 * out. An LMDB reader pins the pages of its snapshot: one transaction
 * held while a pager waits would make the data file grow under the
 * daemons' writes for as long as the pager stays open.
 *
 * Each batch is a consistent snapshot; the walk as a whole is not: an
 * enrollment is seen once, as it stood when its batch was read, and one
 * made during the walk is seen at its end. FALSE with error set when
 * the store fails or the output cannot be written.
 */
gboolean cad_cli_walk_enrollments(cad_cli *cli, cad_table *t,
                                  cad_cli_enrollment_fn fn, void *arg,
                                  GError **error);

/* "cadencectl:USER": who made a change, for event details. Caller frees. */
char *cad_cli_actor(void);

/*
 * cad_cli_resolve - the enrollment an argument names: all digits is an
 * enrollment id, anything else an address whose live (active, paused or
 * waiting) enrollment is taken; with no live one, the latest. NULL with
 * CAD_STORE_ERROR_NOT_FOUND and a message saying what to try.
 */
cad_enrollment *cad_cli_resolve(cad_txn *txn, const char *arg, GError **error);

/*
 * cad_cli_set_field - set prospect field name=value after checking both
 * (name: letters, digits, '_' and '-'; value: UTF-8 within the limit; a
 * line break in a standard field is folded to a space; timezone must be
 * a known zone). FALSE and CAD_ERROR_INVALID naming the problem.
 */
gboolean cad_cli_set_field(cad_prospect *p, const char *name, const char *value,
                           GError **error);

/*
 * cad_cli_apply_field - parse "NAME=VALUE" and set it on p. Returns 0, or
 * the exit status after printing why (each message starts with what:
 * "--field " for enroll, "" for set-field).
 */
int cad_cli_apply_field(cad_cli *cli, cad_prospect *p, const char *kv,
                        const char *what);

#endif
