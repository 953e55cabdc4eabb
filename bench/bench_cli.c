/*
 * bench_cli.c: cadencectl's listing at scale. Fills a private store with
 * COUNT enrollments (1,000,000 by default, as bench_store), then runs the
 * real program: `cadencectl list --json|--csv|(table) > /dev/null` for
 * the wall time and the child's peak RSS, and the same into a pipe for
 * the time to its first line. Last, a `list --json` whose reader never
 * reads (a `list | less` left on its first page): how many LMDB read
 * transactions it holds open, and how much the data file grows while
 * other processes write meanwhile (a reader pins the pages of its
 * snapshot, so their space cannot be reused).
 *
 * usage: bench_cli CADENCECTL SOURCE-DIR [COUNT [DIR]]
 * Prints "name: value unit" lines; asserts nothing about time.
 */
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "common/util.h"
#include "core/enroll.h"
#include "store/store.h"
#include "tests/tools/proc.h"

#define BATCH        10000
#define NOW          1800000000
/* Writes made while a listing stalls: each moves one enrollment's due
 * time, as the sender does after a step. */
#define STALL_WRITES 5000
/* Longest wait for a stalled listing to fill its pipe. */
#define STALL_WAIT_S 300

static const char *ctl, *conf_path;

static double
now_s(void)
{
	return (double)g_get_monotonic_time() / G_USEC_PER_SEC;
}

static gboolean
fill_fn(cad_txn *txn, void *arg, GError **error)
{
	const guint64 *from = arg;
	char addr[64], msgid[64];

	for (guint64 i = from[0]; i < from[0] + from[1]; i++) {
		g_autoptr(cad_prospect) p = NULL;
		g_autoptr(cad_enrollment) e = g_new0(cad_enrollment, 1);

		snprintf(addr, sizeof(addr),
		         "prospect%07" G_GUINT64_FORMAT
		         "@company%05" G_GUINT64_FORMAT ".example",
		         i, i % 50000);
		snprintf(msgid, sizeof(msgid),
		         "<m%07" G_GUINT64_FORMAT ".abc@mail.example.com>", i);
		p = cad_prospect_new(addr);
		cad_prospect_set_field(p, "first_name", "Jane");
		cad_prospect_set_field(p, "company", "Company");
		e->cadence = g_strdup("cold");
		e->rep = g_strdup(i % 7 == 0 ? "bob@example.com"
		                             : "alice@example.com");
		e->thread_subject = g_strdup("Quick question about logistics");
		e->thread_refs = g_strdup(msgid);
		e->next_due = NOW + 60 + (gint64)(i % 864000);
		if (!cad_enroll_record_txn(txn, p, e, NOW - 86400, error))
			return FALSE;
	}
	return TRUE;
}

/* Run cadencectl with argv; stdout to fd. Returns the child's pid. */
static pid_t
spawn(const char *const *args, int fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		const char *argv[16] = {ctl, "-c", conf_path};
		int n = 3;

		for (int i = 0; args[i] != NULL && n < 15; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		dup2(fd, STDOUT_FILENO);
		execv(ctl, (char **)argv);
		_exit(127);
	}
	return pid;
}

static int
wait_child(pid_t pid, struct rusage *ru)
{
	int status;

	while (wait4(pid, &status, 0, ru) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* `cadencectl list ARGS > /dev/null`: wall time and peak RSS. */
static void
run_devnull(const char *name, const char *const *args)
{
	int fd = open("/dev/null", O_WRONLY);
	struct rusage ru;
	double t0 = now_s();
	pid_t pid = spawn(args, fd);
	int rc;

	close(fd);
	rc = wait_child(pid, &ru);
	printf("cli_%s_wall: %.2f s\n", name, now_s() - t0);
	printf("cli_%s_max_rss: %.1f MiB\n", name, ru.ru_maxrss / 1024.0);
	if (rc != 0)
		printf("cli_%s_status: %d exit\n", name, rc);
}

/* The same into a pipe read at once: when the first line arrives. */
static void
run_pipe(const char *name, const char *const *args)
{
	int p[2];
	char buf[65536];
	double t0, first = -1;
	guint64 lines = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(p) != 0)
		return;
	t0 = now_s();
	pid = spawn(args, p[1]);
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (first < 0 && memchr(buf, '\n', (size_t)n) != NULL)
			first = now_s() - t0;
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	}
	close(p[0]);
	if (wait_child(pid, NULL) != 0 || first < 0) {
		printf("cli_%s_failed: 1 count\n", name);
		return;
	}
	printf("cli_%s_first_line: %.1f ms\n", name, first * 1000);
	printf("cli_%s_lines: %" G_GUINT64_FORMAT " count\n", name, lines);
}

typedef struct {
	pid_t pid;
	int holding; /* reader slots of pid inside a read transaction */
} reader_count;

static int
reader_line(const char *msg, void *arg)
{
	reader_count *rc = arg;
	int pid;
	char txnid[32];

	/* "       pid     thread     txnid": "-" when no transaction. */
	if (sscanf(msg, "%d %*x %31s", &pid, txnid) == 2 && pid == rc->pid &&
	    strcmp(txnid, "-") != 0)
		rc->holding++;
	return 0;
}

/* Read transactions pid holds open now (the store is not open here). */
static int
readers_of(const char *dir, pid_t pid)
{
	reader_count rc = {pid, 0};
	MDB_env *env;

	if (mdb_env_create(&env) != 0)
		return -1;
	mdb_env_set_maxdbs(env, 32);
	if (mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0600) != 0) {
		mdb_env_close(env);
		return -1;
	}
	mdb_reader_list(env, reader_line, &rc);
	mdb_env_close(env);
	return rc.holding;
}

static gboolean
move_fn(cad_txn *txn, void *arg, GError **error)
{
	guint64 id = *(guint64 *)arg;
	g_autoptr(cad_enrollment) e = cad_store_enrollment_get(txn, id, error);

	if (e == NULL)
		return FALSE;
	e->next_due += 3600;
	return cad_store_enrollment_put(txn, e, error);
}

/*
 * `cadencectl list --json | (nobody reading)`: wait until the pipe is
 * full and the program blocked on it, then count its open read
 * transactions and make STALL_WRITES writes of our own.
 */
static void
run_stalled(const char *dir, guint64 total)
{
	const char *args[] = {"list", "--json", NULL};
	g_autoptr(GError) err = NULL;
	int p[2], cap, queued = 0, held;
	guint64 before, after;
	char buf[65536];
	cad_store *s;
	double t0;
	pid_t pid;

	if (pipe(p) != 0)
		return;
	cap = fcntl(p[0], F_GETPIPE_SZ);
	pid = spawn(args, p[1]);
	close(p[1]);
	t0 = now_s();
	while (queued < cap && now_s() - t0 < STALL_WAIT_S &&
	       waitpid(pid, NULL, WNOHANG) == 0) {
		g_usleep(10000);
		ioctl(p[0], FIONREAD, &queued);
	}
	if (!cad_proc_wait_blocked(pid, cad_proc_write_calls,
	                           STALL_WAIT_S * 1000))
		fprintf(stderr, "bench_cli: cadencectl never blocked in "
		                "write(2) on the full pipe\n");
	held = readers_of(dir, pid);
	printf("cli_stalled_read_txns: %d count\n", held);
	s = cad_store_open(dir, &(cad_store_options){.no_sync = TRUE}, &err);
	if (s == NULL) {
		fprintf(stderr, "bench_cli: %s\n", err->message);
		exit(1);
	}
	before = cad_store_file_size(s);
	for (guint64 i = 0; i < STALL_WRITES; i++) {
		guint64 id = 1 + (i * 7919) % total;
		if (!cad_store_write(s, move_fn, &id, &err)) {
			fprintf(stderr, "bench_cli: %s\n", err->message);
			exit(1);
		}
	}
	after = cad_store_file_size(s);
	cad_store_close(s);
	printf("cli_stalled_store_growth: %.1f MiB over %d writes\n",
	       (double)(after - before) / (1 << 20), STALL_WRITES);
	while (read(p[0], buf, sizeof(buf)) > 0)
		;
	close(p[0]);
	wait_child(pid, NULL);
}

int
main(int argc, char **argv)
{
	guint64 total =
	    argc > 3 ? g_ascii_strtoull(argv[3], NULL, 10) : 1000000;
	g_autofree char *dir =
	    argc > 4 ? g_strdup(argv[4])
	             : g_dir_make_tmp("cad-bench-cli-XXXXXX", NULL);
	g_autofree char *store_dir = NULL, *conf = NULL;
	g_autoptr(GError) err = NULL;
	cad_store_options o = {.no_sync = TRUE};
	cad_store *s;
	double t0;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_cli CADENCECTL SOURCE-DIR "
		                "[COUNT [DIR]]\n");
		return 64;
	}
	ctl = argv[1];
	store_dir = g_build_filename(dir, "store", NULL);
	conf =
	    g_strdup_printf("[store]\npath = %s\n"
	                    "[milter]\nenroll_address = cadence@example.com\n"
	                    "default_cadence = cold\n"
	                    "bounce_address = bounces@example.com\n"
	                    "unsubscribe_address = unsubscribe@example.com\n"
	                    "rep_domains = example.com\n"
	                    "[cadences]\ndir = %s/conf/cadences.d\n"
	                    "templates = %s/conf/templates\n",
	                    store_dir, argv[2], argv[2]);
	conf_path = g_build_filename(dir, "cadence.conf", NULL);
	if (!g_file_set_contents(conf_path, conf, -1, &err) ||
	    (s = cad_store_open(store_dir, &o, &err)) == NULL) {
		fprintf(stderr, "bench_cli: %s\n", err->message);
		return 1;
	}
	t0 = now_s();
	for (guint64 from = 0; from < total; from += BATCH) {
		guint64 b[2] = {from, MIN(BATCH, total - from)};
		if (!cad_store_write(s, fill_fn, b, &err)) {
			fprintf(stderr, "bench_cli: %s\n", err->message);
			return 1;
		}
	}
	cad_store_sync(s);
	cad_store_close(s);
	printf("cli_enrollments: %" G_GUINT64_FORMAT " count\n", total);
	printf("cli_fill: %.1f s\n", now_s() - t0);

	{
		const char *json[] = {"list", "--json", NULL};
		const char *csv[] = {"list", "--csv", NULL};
		const char *table[] = {"list", NULL};
		const char *bob[] = {"list", "--json", "--rep",
		                     "bob@example.com", NULL};

		run_devnull("list_json", json);
		run_pipe("list_json", json);
		run_devnull("list_csv", csv);
		run_pipe("list_csv", csv);
		run_devnull("list_table", table);
		run_pipe("list_table", table);
		run_devnull("list_json_rep", bob);
		run_pipe("list_json_rep", bob);
	}
	run_stalled(store_dir, total);
	if (argc <= 4) {
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
		(void)!system(cmd);
	}
	return 0;
}
