/*
 * test_crash.c: the cadence-sender program itself. kill -9 at random
 * moments of a run of 2,000 due steps, restarted each time: no Message-ID
 * and no recipient reaches the sink twice, and at the end every step is
 * delivered but those left "sending" by a kill. Also: the daemon wakes up
 * for a new enrollment without waiting out its poll interval.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "common/util.h"
#include "core/actions.h"
#include "helpers.h"
#include "mail/gmime_auto.h"
#include "sender/sender.h"
#include "tests/tools/proc.h"

#define T0          "2026-12-01T10:00:00Z"
#define DAY2        "2026-12-02T12:00:00Z"
#define CRASH_STEPS 2000
/* Kills before the last, uninterrupted run; bounded so the suite stays
 * within a minute or two on two cores. */
#define CRASH_KILLS 20

static void
fini(void)
{
	th_teardown(th_current);
}

TestSuite(crash, .fini = fini, .timeout = 240);

typedef struct {
	const cad_conf *conf;
	int n;
	gint64 now;
} many_args;

static gboolean
enroll_many_fn(cad_txn *txn, void *arg, GError **error)
{
	many_args *a = arg;

	for (int i = 0; i < a->n; i++) {
		g_autofree char *addr =
		    g_strdup_printf("p%04d@d%d.test", i, i % 50);
		g_autofree char *root =
		    g_strdup_printf("<root-%d@example.com>", i);
		g_autoptr(cad_prospect) p = cad_prospect_new(addr);
		cad_enroll_req req = {"t", "alice@example.com", root,
		                      "Quick question"};
		cad_prospect_set_field(p, "first_name", "Pat");
		if (!cad_enroll_txn(txn, a->conf, p, &req, a->now, NULL, error))
			return FALSE;
	}
	return TRUE;
}

/* spawn - cadence-sender with args; stdout and stderr to log. */
static pid_t
spawn(th_env *env, const char *const *args, const char *log,
      const char *fake_now)
{
	g_autofree char *bin = th_bin("sender/cadence-sender");
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		const char *argv[16];
		int n = 0;
		FILE *fp = fopen(log, "a");
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fp != NULL) {
			dup2(fileno(fp), 1);
			dup2(fileno(fp), 2);
		}
		if (fake_now != NULL)
			setenv("CAD_FAKE_NOW", fake_now, 1);
		argv[n++] = bin;
		argv[n++] = "-c";
		argv[n++] = env->conf_path;
		for (; *args != NULL && n < 15; args++)
			argv[n++] = *args;
		argv[n] = NULL;
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

typedef struct {
	guint completed, sending, other;
	GHashTable *sending_ids; /* msgid -> 1 */
	GHashTable *sent_ids;    /* msgid (thread's last) -> 1 */
} census;

static gboolean
census_fn(const cad_enrollment *e, void *arg)
{
	census *c = arg;

	if (e->step_status == CAD_STEP_SENDING) {
		c->sending++;
		g_hash_table_add(c->sending_ids, g_strdup(e->sending_msgid));
	} else if (e->state == CAD_STATE_COMPLETED) {
		c->completed++;
		g_hash_table_add(c->sent_ids, cad_enrollment_last_msgid(e));
	} else
		c->other++;
	return TRUE;
}

Test(crash, kill_9_at_random_moments_never_sends_twice)
{
	th_env *env = th_setup(NULL, NULL);
	many_args a = {env->conf, CRASH_STEPS, th_time(T0)};
	g_autoptr(GError) err = NULL;
	g_autofree char *log = g_build_filename(env->dir, "sender.log", NULL);
	const char *once[] = {"--once", "--at", DAY2, NULL};
	guint32 seed = getenv("CAD_CRASH_SEED")
	                   ? (guint32)atol(getenv("CAD_CRASH_SEED"))
	                   : cad_random_u32();
	GRand *rnd = g_rand_new_with_seed(seed);
	int kills = 0, clean = 0, status;

	cr_log_info("seed %u (CAD_CRASH_SEED to repeat)", seed);
	cr_assert(cad_store_write(env->store, enroll_many_fn, &a, &err), "%s",
	          err ? err->message : "");
	/* Restart after each kill; a run that ends by itself is fine too. */
	for (int i = 0; i < CRASH_KILLS; i++) {
		pid_t pid = spawn(env, once, log, NULL);
		/* Not synchronization: the point is to kill the run at a
		 * random moment, whatever it is doing then. */
		g_usleep(g_rand_int_range(rnd, 5, 150) * 1000);
		if (waitpid(pid, &status, WNOHANG) == pid) {
			clean++;
			continue;
		}
		kill(pid, SIGKILL);
		cr_assert(waitpid(pid, &status, 0) == pid);
		kills++;
	}
	{
		pid_t pid = spawn(env, once, log, NULL);
		cr_assert(waitpid(pid, &status, 0) == pid);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		          "last run failed: see %s", log);
	}
	g_rand_free(rnd);

	/* The sink's view: every Message-ID and recipient at most once. */
	g_autoptr(GPtrArray) files = th_sink_files(env);
	g_autoptr(GHashTable) ids =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) rcpts =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < files->len; i++) {
		g_autoptr(GMimeMessage) m = th_parse(files->pdata[i]);
		const char *id = g_mime_message_get_message_id(m);
		const char *rcpt = g_mime_object_get_header((GMimeObject *)m,
		                                            "X-Sink-Rcpt-To");
		cr_assert_not_null(id);
		cr_assert(g_hash_table_add(ids, g_strdup(id)),
		          "Message-ID %s delivered twice", id);
		cr_assert(g_hash_table_add(rcpts, g_strdup(rcpt)),
		          "%s got two copies", rcpt);
	}

	/* The store's view: all sent but those left "sending". */
	census c = {
	    0, 0, 0,
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)};
	th_reopen(env);
	{
		g_autoptr(cad_txn) t = cad_store_read_begin(env->store, NULL);
		cr_assert(cad_store_enrollment_foreach(t, census_fn, &c, NULL));
	}
	cr_log_info("kills %d, runs that ended by themselves %d, delivered "
	            "%u, completed %u, left sending %u",
	            kills, clean, files->len, c.completed, c.sending);
	fprintf(stderr,
	        "crash: seed=%u kills=%d clean_runs=%d delivered=%u "
	        "completed=%u left_sending=%u duplicates=0\n",
	        seed, kills, clean, files->len, c.completed, c.sending);
	cr_assert_eq(c.other, 0, "%u steps neither sent nor sending", c.other);
	cr_assert_eq(c.completed + c.sending, CRASH_STEPS);
	/* A kill leaves at most the batches on the wire "sending". */
	cr_assert_leq(c.sending,
	              (guint)kills * CAD_SENDER_SESSIONS_DEFAULT *
	                  CAD_SENDER_BATCH_DEFAULT,
	              "%u left sending by %d kills", c.sending, kills);
	/* Each completed step's Message-ID is in the sink; a "sending" one
	 * may or may not be (killed before or after the relay's 250). */
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, c.sent_ids);
	while (g_hash_table_iter_next(&it, &key, NULL))
		cr_assert(g_hash_table_contains(ids, key),
		          "sent %s is not in the sink", (char *)key);
	g_hash_table_iter_init(&it, ids);
	while (g_hash_table_iter_next(&it, &key, NULL))
		cr_assert(g_hash_table_contains(c.sent_ids, key) ||
		              g_hash_table_contains(c.sending_ids, key),
		          "%s in the sink belongs to no step", (char *)key);
	cr_assert_geq(kills, 1, "no run was killed: the test proved nothing");
	g_hash_table_unref(c.sending_ids);
	g_hash_table_unref(c.sent_ids);
}

Test(crash, daemon_wakes_for_a_new_enrollment_and_stops_on_sigterm)
{
	th_env *env = th_setup("daily_cap_per_rep = 0\nrate_per_minute = 0\n"
	                       "domain_rate_per_hour = 0\n"
	                       "min_gap_seconds = 0\nwindow = 00:00-24:00\n"
	                       "days = mon-sun\ntimezone = UTC\n"
	                       "jitter_minutes = 0\npoll_seconds = 3600\n",
	                       NULL);
	g_autofree char *log = g_build_filename(env->dir, "daemon.log", NULL);
	const char *fake = DAY2;
	const char *none[] = {NULL};
	pid_t pid = spawn(env, none, log, fake);
	gint64 start;
	int status;
	guint n = 0;

	/* Its first pass finds nothing; then it waits in poll(2) for the
	 * store to change, the readiness signal to enroll. */
	cr_assert(cad_proc_wait_blocked(pid, cad_proc_poll_calls, 10 * 1000),
	          "the daemon never waited for work: see %s", log);
	start = g_get_monotonic_time();
	th_enroll(env, "jane@acme.test", th_time(T0), NULL);
	while (g_get_monotonic_time() - start < 10 * G_USEC_PER_SEC) {
		g_autoptr(GPtrArray) files = th_sink_files(env);
		if ((n = files->len) > 0)
			break;
		g_usleep(50 * 1000);
	}
	cr_assert_eq(n, 1,
	             "not sent within 10 s (poll_seconds is 3600): "
	             "see %s",
	             log);
	cr_log_info("woken and sent after %.2f s",
	            (g_get_monotonic_time() - start) / 1e6);
	kill(pid, SIGTERM);
	cr_assert(waitpid(pid, &status, 0) == pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
