/*
 * helpers.h: the sender suites' fixture: a temporary directory with a
 * configuration, templates and a store, and a real cad-sink on a loopback
 * port that the sender delivers to. Each test gets its own of all of them.
 */
#ifndef CAD_TEST_SENDER_HELPERS_H
#define CAD_TEST_SENDER_HELPERS_H

#include <sys/types.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "conf/conf.h"
#include "store/store.h"

typedef struct {
	char *dir;     /* the test's mkdtemp directory */
	char *maildir; /* where the sink stores messages */
	char *rules;   /* the sink's rule file (-f) */
	char *conf_path;
	pid_t sink_pid;
	int port;
	cad_conf *conf;
	cad_store *store;
} th_env;

/*
 * th_setup - directory, sink, configuration and store. sender_keys are
 * lines for [sender] after relay/starttls/hostname (NULL: no caps, a
 * window open all day every day, no jitter, UTC); cadence is the body of
 * cadences.d/t.conf after its [cadence] name line (NULL: one email step
 * on day 2 with followup.eml).
 */
th_env *th_setup(const char *sender_keys, const char *cadence);
void th_teardown(th_env *env);
/* The environment being set up or in use: a suite's .fini tears it down
 * even when th_setup failed half-way (so no sink outlives its test). */
extern th_env *th_current;

/* Write a file under env->dir (templates/NAME and so on). */
void th_write(th_env *env, const char *rel, const char *text);

/* Set the sink's rules (its -f file, re-read at each MAIL). */
void th_rules(th_env *env, const char *rules);

/* Enroll address in cadence "t" for alice@example.com at now; the rep's
 * thread root is <root-ADDRESS@example.com>, Subject "Quick question".
 * fields: NULL-terminated name, value pairs. Returns the id. */
guint64 th_enroll(th_env *env, const char *address, gint64 now,
                  ...) G_GNUC_NULL_TERMINATED;

/* The stored messages in the sink, in arrival order (file names). */
GPtrArray *th_sink_files(th_env *env);
/* Parse one stored file; caller unrefs. */
GMimeMessage *th_parse(const char *path);
/* The raw bytes of a stored file. */
char *th_slurp(const char *path, gsize *len);

/* An enrollment by id (fresh read); caller frees. */
cad_enrollment *th_get(th_env *env, guint64 id);
/* How many events of type the enrollment has. */
guint th_events(th_env *env, guint64 id, const char *type);

/* ISO 8601 to epoch seconds (asserts). */
gint64 th_time(const char *iso);

/* Reopen the store (close and open): a "restart". */
void th_reopen(th_env *env);

/* Path of a built program under CAD_BINARY_DIR. */
char *th_bin(const char *rel);

#endif
