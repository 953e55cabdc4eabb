/*
 * bench_sender.c: compose and deliver N due steps (default 20,000) with
 * cadence-sender --once to cad-sink on loopback, throttles off, and send
 * the same number of messages of the same size (one of ours, via -F) to
 * the same sink with Postfix's smtp-source in the same run: the ceiling
 * of an SMTP client here. Prints "name: value unit" lines and the ratio.
 *
 * usage: bench_sender CADENCE-SENDER CAD-SINK [N [ROUNDS [SMTP-SOURCE]]]
 * CAD_BENCH_SESSIONS and CAD_BENCH_BATCH pass --sessions and --batch.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "conf/conf.h"
#include "core/actions.h"
#include "mail/compose.h"
#include "mail/gmime_auto.h"
#include "mail/template.h"
#include "store/store.h"

#define T0               "2026-12-01T10:00:00Z"
#define DAY2             "2026-12-02T12:00:00Z"
/* Rounds of the three runs; the median and the best are reported. */
#define BENCH_ROUNDS_MAX 20

/* A follow-up of ordinary length: about 1.4 KB on the wire. */
static const char *template_text =
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Hi {{first_name|there}},\n"
    "\n"
    "I wanted to make sure my note from earlier this week reached you.\n"
    "Teams like {{company|yours}} usually tell us the hardest part is\n"
    "knowing which follow-ups actually went out; we make that automatic,\n"
    "from the mail relay you already run, with every reply and bounce\n"
    "seen the moment it arrives.\n"
    "\n"
    "Would 15 minutes on Thursday work? If another day suits you better,\n"
    "just name it and I will send an invitation.\n"
    "\n"
    "{{rep_signature}}\n";

static void
die(const char *what)
{
	fprintf(stderr, "bench_sender: %s\n", what);
	exit(1);
}

static void
write_file(const char *path, const char *text)
{
	if (!g_file_set_contents(path, text, -1, NULL))
		die(path);
}

typedef struct {
	const cad_conf *conf;
	int n;
} many;

static gboolean
enroll_fn(cad_txn *txn, void *arg, GError **error)
{
	many *m = arg;
	gint64 t0 = 0;

	cad_parse_time(T0, &t0, NULL);
	for (int i = 0; i < m->n; i++) {
		g_autofree char *addr =
		    g_strdup_printf("p%06d@d%d.test", i, i % 500);
		g_autofree char *root =
		    g_strdup_printf("<root-%d@example.com>", i);
		g_autoptr(cad_prospect) p = cad_prospect_new(addr);
		cad_enroll_req req = {"bench", "alice@example.com", root,
		                      "Quick question"};
		cad_prospect_set_field(p, "first_name", "Pat");
		cad_prospect_set_field(p, "company", "Example Industries");
		if (!cad_enroll_txn(txn, m->conf, p, &req, t0, NULL, error))
			return FALSE;
	}
	return TRUE;
}

/* sample - one composed step as smtp-source's -F file (LF lines). */
static gsize
write_sample(const cad_conf *conf, cad_store *store, const char *path)
{
	g_autoptr(cad_txn) t = cad_store_read_begin(store, NULL);
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_enrollment) e = cad_store_enrollment_get(t, 1, &err);
	g_autoptr(cad_prospect) p = NULL;
	g_autoptr(cad_template) tm = cad_template_parse(
	    template_text, strlen(template_text), "bench.eml", NULL);
	g_autoptr(GBytes) wire = NULL;
	g_autoptr(GString) lf = g_string_new(NULL);
	g_autofree char *id = cad_compose_msgid(conf);
	cad_compose_in in;
	gsize len;
	const char *d;

	if (e == NULL || tm == NULL)
		die("no enrollment 1 or bad template");
	p = cad_store_prospect_get(t, e->address, &err);
	if (p == NULL)
		die(err->message);
	in = (cad_compose_in){conf, e, p, cad_conf_rep(conf, e->rep), id, 0};
	wire = cad_compose_step(&in, tm, NULL, NULL);
	d = g_bytes_get_data(wire, &len);
	for (gsize i = 0; i < len; i++)
		if (d[i] != '\r')
			g_string_append_c(lf, d[i]);
	write_file(path, lf->str);
	return len;
}

static pid_t
spawn(char *const argv[], const char *out)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (out != NULL) {
			/* stdout to out, stderr (the log lines a daemon
			 * writes to syslog) to out.log */
			g_autofree char *log = g_strconcat(out, ".log", NULL);
			FILE *fp = fopen(out, "w");
			FILE *lp = fopen(log, "w");
			if (fp != NULL)
				dup2(fileno(fp), 1);
			if (lp != NULL)
				dup2(fileno(lp), 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* timed - run argv to its end; seconds of wall time, or exit on error. */
static double
timed(char *const argv[], const char *out)
{
	gint64 t = g_get_monotonic_time();
	int status;
	pid_t pid = spawn(argv, out);

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_sender: %s failed\n", argv[0]);
		exit(1);
	}
	return (g_get_monotonic_time() - t) / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * run_round - smtp-source with one session, cadence-sender, smtp-source
 * with ten sessions, one after the other (alternating, so that noise from
 * other work on the machine falls on all three alike).
 */
static void
run_round(const char *sender, const char *source, const char *conf_path,
          const char *sample, const char *relay, const char *n_s,
          const char *sender_out, int n, double *rs, double *r1, double *rp)
{
	const char *ses = getenv("CAD_BENCH_SESSIONS");
	const char *bat = getenv("CAD_BENCH_BATCH");
	char *one[] = {(char *)source, "-d",
	               "-s",           "1",
	               "-m",           (char *)n_s,
	               "-F",           (char *)sample,
	               "-f",           "bounces@example.com",
	               "-t",           "p@d.test",
	               (char *)relay,  NULL};
	char *par[] = {(char *)source, "-d",
	               "-s",           "10",
	               "-m",           (char *)n_s,
	               "-F",           (char *)sample,
	               "-f",           "bounces@example.com",
	               "-t",           "p@d.test",
	               (char *)relay,  NULL};
	char *snd[12] = {
	    (char *)sender, "-c", (char *)conf_path, "--once", "--at",
	    DAY2,           NULL};
	g_autofree char *stats = NULL, *want = g_strdup_printf("sent=%d ", n);
	int k = 6;

	if (ses != NULL) {
		snd[k++] = "--sessions";
		snd[k++] = (char *)ses;
	}
	if (bat != NULL) {
		snd[k++] = "--batch";
		snd[k++] = (char *)bat;
	}
	snd[k] = NULL;
	*r1 = n / timed(one, NULL);
	*rs = n / timed(snd, sender_out);
	*rp = n / timed(par, NULL);
	g_file_get_contents(sender_out, &stats, NULL, NULL);
	if (stats == NULL || strstr(stats, want) == NULL)
		fprintf(stderr, "bench_sender: sender did not send all: %s",
		        stats ? stats : "(no output)");
}

int
main(int argc, char **argv)
{
	char tmpl[] = "/tmp/cad-bench-sender.XXXXXX";
	const char *sender, *sink, *source;
	int n, rounds, port = 0, status;
	double rs[BENCH_ROUNDS_MAX], r1[BENCH_ROUNDS_MAX], rp[BENCH_ROUNDS_MAX];
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = NULL, *conf_path = NULL, *portfile = NULL;
	g_autofree char *sample = NULL, *sink_out = NULL, *sender_out = NULL;
	g_autofree char *text = NULL, *port_s = NULL, *relay = NULL,
	                *n_s = NULL;
	cad_conf *conf;
	cad_store *store;
	gsize size;
	pid_t sink_pid;

	if (argc < 3)
		die("usage: bench_sender CADENCE-SENDER CAD-SINK [N [ROUNDS "
		    "[SMTP-SOURCE]]]");
	sender = argv[1];
	sink = argv[2];
	n = argc > 3 ? atoi(argv[3]) : 20000;
	rounds = argc > 4 ? atoi(argv[4]) : 3;
	source = argc > 5 ? argv[5] : "/usr/sbin/smtp-source";
	if (n < 1 || rounds < 1 || rounds > BENCH_ROUNDS_MAX)
		die("N and ROUNDS must be positive (ROUNDS at most 20)");
	if (mkdtemp(tmpl) == NULL)
		die("mkdtemp");
	dir = g_strdup(tmpl);
	g_mime_init();

	/* The sink: counts and discards, so both clients meet the same
	 * server cost and the figures are the clients'. */
	portfile = g_build_filename(dir, "sink.port", NULL);
	sink_out = g_build_filename(dir, "sink.out", NULL);
	{
		char *av[] = {(char *)sink, "-c", "-N", "-p", portfile, NULL};
		sink_pid = spawn(av, sink_out);
	}
	for (int i = 0;
	     i < 500 && !g_file_get_contents(portfile, &text, NULL, NULL); i++)
		g_usleep(10000);
	if (text == NULL)
		die("cad-sink did not start");
	port = atoi(text);

	{
		g_autofree char *c = g_strdup_printf(
		    "[store]\npath = %s/store\n\n[milter]\n"
		    "enroll_address = cadence@example.com\n"
		    "default_cadence = bench\n"
		    "bounce_address = bounces@example.com\n"
		    "unsubscribe_address = unsubscribe@example.com\n"
		    "rep_domains = example.com\n\n"
		    "[sender]\nrelay = 127.0.0.1:%d\nstarttls = no\n"
		    "hostname = cadence.test\ndaily_cap_per_rep = 0\n"
		    "rate_per_minute = 0\ndomain_rate_per_hour = 0\n"
		    "min_gap_seconds = 0\nwindow = 00:00-24:00\n"
		    "days = mon-sun\ntimezone = UTC\njitter_minutes = 0\n\n"
		    "[cadences]\ndir = %s/cadences.d\n"
		    "templates = %s/templates\n\n"
		    "[rep alice@example.com]\nname = Alice Martin\n"
		    "signature = Alice Martin\\nAccount Executive\\n"
		    "Example Inc.\n",
		    dir, port, dir, dir);
		g_autofree char *cd = g_build_filename(dir, "cadences.d", NULL);
		g_autofree char *td = g_build_filename(dir, "templates", NULL);
		g_autofree char *sd = g_build_filename(dir, "store", NULL);
		g_autofree char *cf = g_build_filename(cd, "bench.conf", NULL);
		g_autofree char *tf = g_build_filename(td, "bench.eml", NULL);
		g_mkdir_with_parents(cd, 0755);
		g_mkdir_with_parents(td, 0755);
		g_mkdir_with_parents(sd, 0755);
		write_file(cf, "[cadence]\nname = bench\n[step 2]\nday = 2\n"
		               "channel = email\ntemplate = bench.eml\n");
		write_file(tf, template_text);
		conf_path = g_build_filename(dir, "cadence.conf", NULL);
		write_file(conf_path, c);
	}
	conf = cad_conf_load(conf_path, &err);
	if (conf == NULL)
		die(err->message);
	relay = g_strdup_printf("127.0.0.1:%d", port);
	n_s = g_strdup_printf("%d", n);
	sender_out = g_build_filename(dir, "sender.out", NULL);
	sample = g_build_filename(dir, "sample.eml", NULL);
	for (int r = 0; r < rounds; r++) {
		/* A fresh store of n due steps for each round. */
		g_autofree char *cmd =
		    g_strdup_printf("rm -rf '%s' && mkdir -p '%s'",
		                    conf->store_path, conf->store_path);
		many m = {conf, n};
		if (system(cmd) != 0)
			die("cannot reset the store");
		store = cad_store_open(conf->store_path, NULL, &err);
		if (store == NULL)
			die(err->message);
		if (!cad_store_write(store, enroll_fn, &m, &err))
			die(err->message);
		size = write_sample(conf, store, sample);
		cad_store_close(store);
		run_round(sender, source, conf_path, sample, relay, n_s,
		          sender_out, n, &rs[r], &r1[r], &rp[r]);
		fprintf(stderr,
		        "bench_sender: round %d: sender %.0f, smtp-source -s 1 "
		        "%.0f, -s 10 %.0f msg/s\n",
		        r + 1, rs[r], r1[r], rp[r]);
	}
	qsort(rs, rounds, sizeof(double), cmp_double);
	qsort(r1, rounds, sizeof(double), cmp_double);
	qsort(rp, rounds, sizeof(double), cmp_double);
	printf("sender_steps: %d messages\n", n);
	printf("sender_rounds: %d rounds\n", rounds);
	printf("sender_message_size: %zu bytes\n", size);
	printf("sender_rate_median: %.0f msg/s\n", rs[rounds / 2]);
	printf("sender_rate_best: %.0f msg/s\n", rs[rounds - 1]);
	printf("smtp_source_1_session_rate_median: %.0f msg/s\n",
	       r1[rounds / 2]);
	printf("smtp_source_10_sessions_rate_median: %.0f msg/s\n",
	       rp[rounds / 2]);
	printf("smtp_source_10_sessions_rate_best: %.0f msg/s\n",
	       rp[rounds - 1]);
	printf("sender_ratio_vs_smtp_source_median: %.2f ratio\n",
	       rs[rounds / 2] / MAX(rp[rounds / 2], r1[rounds / 2]));
	printf("sender_ratio_vs_smtp_source_best: %.2f ratio\n",
	       rs[rounds - 1] / MAX(rp[rounds - 1], r1[rounds - 1]));
	printf("sender_ratio_vs_smtp_source_1_session_median: %.2f ratio\n",
	       rs[rounds / 2] / r1[rounds / 2]);
	kill(sink_pid, SIGTERM);
	waitpid(sink_pid, &status, 0);
	{
		g_autofree char *counts = NULL;
		g_file_get_contents(sink_out, &counts, NULL, NULL);
		printf("sink_accepted: %ld messages\n",
		       counts ? strtol(strchr(counts, ':') + 1, NULL, 10)
		              : -1L);
	}
	cad_conf_free(conf);
	{
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_sender: cannot remove %s\n",
			        dir);
	}
	return 0;
}
