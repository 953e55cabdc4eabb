/*
 * main.c: cadence-sender, the program. Parses options, loads the
 * configuration, opens the store and runs the library's sender: once
 * (--once) or as a daemon woken by the clock, by inotify on the store's
 * data file, by SIGUSR1, and at least every [sender] poll_seconds.
 */
#include <sys/inotify.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "conf/conf.h"
#include "core/setup.h"
#include "mail/gmime_auto.h"
#include "sender/sender.h"
#include "store/store.h"

/* Least time between two passes woken by store changes: our own writes
 * and the milter's would otherwise wake us in a loop. */
#define WAKE_MIN_MS 1000

static volatile sig_atomic_t got_stop, got_hup, got_wake;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR1)
		got_wake = 1;
	else
		got_stop = 1;
}

static void
usage(FILE *fp)
{
	fprintf(
	    fp,
	    "usage: cadence-sender [-v] [-c FILE] [--once [--at TIME]]\n"
	    "                      [--dry-run [--at TIME]] [--relay "
	    "HOST:PORT]\n"
	    "                      [--batch N] [--sessions N]\n"
	    "  -c, --config FILE  configuration (default %s/cadence.conf)\n"
	    "  --once             do what is due at TIME (default now), exit\n"
	    "  --at TIME          the clock reads TIME (ISO 8601, e.g.\n"
	    "                     2026-12-01T09:00:00Z)\n"
	    "  --dry-run          print the planned time of each remaining\n"
	    "                     step; send and write nothing\n"
	    "  --relay HOST:PORT  submit there instead of [sender] relay\n"
	    "  --batch N          messages per SMTP session (default %d)\n"
	    "  --sessions N       SMTP sessions at once (default %d)\n"
	    "  -v, --verbose      log debug lines\n"
	    "  -V, --version      print the version\n",
	    CADENCE_SYSCONFDIR, CAD_SENDER_BATCH_DEFAULT,
	    CAD_SENDER_SESSIONS_DEFAULT);
}

typedef struct {
	const char *config;
	gboolean once, dry_run, verbose;
	gint64 at;
	const char *relay;
	guint batch, sessions;
} options;

/* count_arg - a number from 1 to max, or a usage error. */
static guint
count_arg(const char *opt, const char *arg, unsigned long max)
{
	char *end;
	unsigned long n = strtoul(arg, &end, 10);

	if (*end != '\0' || n < 1 || n > max) {
		fprintf(stderr, "cadence-sender: %s %s: expected 1 to %lu\n",
		        opt, arg, max);
		exit(CAD_EX_USAGE);
	}
	return (guint)n;
}

static void
parse_options(int argc, char **argv, options *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"once", no_argument, NULL, 'o'},
	    {"at", required_argument, NULL, 'a'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"relay", required_argument, NULL, 'r'},
	    {"batch", required_argument, NULL, 'b'},
	    {"sessions", required_argument, NULL, 's'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	g_autoptr(GError) err = NULL;
	int ch;

	while ((ch = getopt_long(argc, argv, "c:hvV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'o':
			o->once = TRUE;
			break;
		case 'n':
			o->dry_run = TRUE;
			break;
		case 'r':
			o->relay = optarg;
			break;
		case 'v':
			o->verbose = TRUE;
			break;
		case 'a':
			if (!cad_parse_time(optarg, &o->at, &err)) {
				fprintf(stderr, "cadence-sender: --at %s: %s\n",
				        optarg, err->message);
				exit(CAD_EX_USAGE);
			}
			break;
		case 'b':
			o->batch =
			    count_arg("--batch", optarg, CAD_SENDER_BATCH_MAX);
			break;
		case 's':
			o->sessions = count_arg("--sessions", optarg,
			                        CAD_SENDER_SESSIONS_MAX);
			break;
		case 'V':
			printf("cadence-sender %s\n", CADENCE_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(CAD_EX_USAGE);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "cadence-sender: unexpected argument \"%s\"\n",
		        argv[optind]);
		exit(CAD_EX_USAGE);
	}
	if (o->at != 0 && !o->once && !o->dry_run) {
		fprintf(stderr, "cadence-sender: --at needs --once or "
		                "--dry-run\n");
		exit(CAD_EX_USAGE);
	}
}

static void
write_pid(const char *path)
{
	FILE *fp;

	if (path == NULL || *path == '\0')
		return;
	if ((fp = fopen(path, "w")) == NULL)
		fatal(CAD_EX_CANTCREAT, "pid file %s", path);
	fprintf(fp, "%ld\n", (long)getpid());
	fclose(fp);
}

static void
log_run(const cad_sender_stats *st)
{
	g_autofree char *line = cad_sender_stats_line(st);

	log_info("run: %s", line);
}

/* watch_store - an inotify watch on the store's data file, or -1. */
static int
watch_store(const cad_conf *conf)
{
	g_autofree char *data =
	    g_build_filename(conf->store_path, "data.mdb", NULL);
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0)
		return -1;
	if (inotify_add_watch(fd, data, IN_MODIFY) < 0) {
		log_warn("inotify on %s (polling every poll_seconds)", data);
		close(fd);
		return -1;
	}
	return fd;
}

/* wait_for - sleep up to ms, or until the store changes or a signal. */
static void
wait_for(int ifd, gint64 ms)
{
	struct pollfd pfd = {.fd = ifd, .events = POLLIN};
	char buf[4096];

	if (got_stop || got_hup || got_wake)
		return;
	if (poll(&pfd, ifd >= 0 ? 1 : 0, (int)MIN(ms, G_MAXINT)) > 0) {
		while (read(ifd, buf, sizeof(buf)) > 0)
			;
		/* Debounce: let a burst of writes end before the pass. */
		g_usleep(WAKE_MIN_MS * 1000);
		while (read(ifd, buf, sizeof(buf)) > 0)
			;
	}
}

/* reload - SIGHUP: a new configuration and sender, or keep the old. */
static void
reload(const options *o, cad_conf **conf, cad_sender **sender, cad_store *store)
{
	g_autoptr(GError) err = NULL;
	cad_sender_options so = {o->batch, o->sessions, o->relay, &got_stop};
	cad_conf *nc = cad_setup_conf(o->config, &err);
	cad_sender *ns;

	if (nc == NULL) {
		log_warnx("reload %s: %s; keeping the old configuration",
		          o->config, err->message);
		return;
	}
	ns = cad_sender_new(nc, store, &so, &err);
	if (ns == NULL) {
		log_warnx("reload: %s; keeping the old configuration",
		          err->message);
		cad_conf_free(nc);
		return;
	}
	cad_sender_free(*sender);
	cad_conf_free(*conf);
	*sender = ns;
	*conf = nc;
	log_info("configuration reloaded from %s", o->config);
}

static int
daemon_loop(const options *o, cad_conf **conf, cad_sender **sender,
            cad_store *store)
{
	int ifd = watch_store(*conf);

	log_info("started: relay=%s poll_seconds=%d wake=%s",
	         o->relay ? o->relay : (*conf)->relay, (*conf)->poll_seconds,
	         ifd >= 0 ? "inotify+SIGUSR1+poll" : "SIGUSR1+poll");
	while (!got_stop) {
		cad_sender_stats st = {0};
		g_autoptr(GError) err = NULL;
		gint64 now = cad_now(), next, ms;

		got_wake = 0;
		if (got_hup) {
			got_hup = 0;
			reload(o, conf, sender, store);
		}
		if (!cad_sender_run(*sender, now, &st, &err))
			log_warnx("run: %s", err->message);
		else if (st.sent + st.tasks + st.deferred + st.bounced +
		             st.refused + st.errors + st.notices >
		         0)
			log_run(&st);
		next = cad_sender_next_wake(*sender, now);
		ms = (gint64)(*conf)->poll_seconds * 1000;
		if (next > now)
			ms = MIN(ms, (next - now) * 1000);
		wait_for(ifd, MAX(ms, 0));
	}
	if (ifd >= 0)
		close(ifd);
	log_info("stopped");
	return 0;
}

int
main(int argc, char **argv)
{
	options o = {.config = CADENCE_SYSCONFDIR "/cadence.conf"};
	g_autoptr(GError) err = NULL;
	cad_conf *conf;
	cad_store *store;
	cad_sender *sender;
	cad_sender_options so;
	cad_setup setup;
	struct sigaction sa;
	int rc = 0;

	parse_options(argc, argv, &o);
	cad_log_init("cadence-sender", !o.once && !o.dry_run, TRUE,
	             o.verbose ? CAD_LOG_DEBUG : CAD_LOG_INFO);
	g_mime_init();
	/* A dry run reads: it never creates the store. */
	if (!cad_setup_open(o.config,
	                    o.dry_run ? CAD_SETUP_READ : CAD_SETUP_WRITE,
	                    &setup, &err))
		fatalx(cad_setup_status(err), "%s", err->message);
	conf = setup.conf;
	store = setup.store;
	so = (cad_sender_options){o.batch, o.sessions, o.relay, &got_stop};
	sender = cad_sender_new(conf, store, &so, &err);
	if (sender == NULL)
		fatalx(CAD_EX_CONFIG, "%s", err->message);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (o.dry_run) {
		g_autoptr(GString) out = g_string_new(NULL);
		if (!cad_sender_plan(sender, o.at ? o.at : cad_now(), out,
		                     &err))
			fatalx(CAD_EX_IOERR, "%s", err->message);
		fputs(out->str, stdout);
	} else if (o.once) {
		cad_sender_stats st = {0};
		g_autofree char *line = NULL;
		g_autoptr(GString) stuck = g_string_new(NULL);
		if (cad_sender_stuck(sender, o.at ? o.at : cad_now(), stuck,
		                     NULL) > 0)
			log_warnx("steps left sending by an earlier run (not "
			          "resent):\n%s",
			          stuck->str);
		if (!cad_sender_run(sender, o.at ? o.at : cad_now(), &st,
		                    &err)) {
			log_warnx("run: %s", err->message);
			rc = CAD_EX_TEMPFAIL;
		}
		line = cad_sender_stats_line(&st);
		printf("%s\n", line);
	} else {
		write_pid(conf->sender_pid_file);
		rc = daemon_loop(&o, &conf, &sender, store);
		if (conf->sender_pid_file != NULL && *conf->sender_pid_file)
			unlink(conf->sender_pid_file);
	}
	cad_sender_free(sender);
	cad_store_close(store);
	cad_conf_free(conf);
	g_mime_shutdown();
	return rc;
}
