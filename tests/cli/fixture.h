/*
 * fixture.h: what the cadencectl suites share: a private directory with
 * a configuration (the repository's cadences, a store inside the
 * directory, UTC windows without jitter), and a runner that calls
 * cad_cli_main in-process and captures its output and status.
 */
#ifndef CAD_TEST_CLI_FIXTURE_H
#define CAD_TEST_CLI_FIXTURE_H

#include <glib.h>

typedef struct {
	int status;
	char *out;
	char *err;
} cli_run;

/* The test's directory, its configuration file and store path. */
extern char *fx_dir, *fx_conf, *fx_store;

/* .init / .fini of the suites: a fresh directory and configuration. */
void fx_setup(void);
void fx_teardown(void);

/*
 * fx_cli - run "cadencectl -c fx_conf ARGS..." (NULL-terminated).
 * Free the result with fx_run_free.
 */
cli_run *fx_cli(const char *arg, ...) G_GNUC_NULL_TERMINATED;
void fx_run_free(cli_run *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cli_run, fx_run_free)

/* A file under tests/data/cli; caller frees. */
char *fx_data(const char *name);
/* Write text to a new file in fx_dir; returns its path (caller frees). */
char *fx_write(const char *name, const char *text);
/* Count the lines of s that contain needle. */
guint fx_count(const char *s, const char *needle);

#endif
