/*
 * main.c: cadence-milter: options, the listening socket, privileges, the
 * store, then libmilter's loop in its own thread while the main thread
 * handles signals: SIGHUP reloads the configuration, SIGTERM and SIGINT
 * refuse new connections, drain the open ones, stop libmilter and close
 * the store.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "common/log.h"
#include "common/util.h"
#include "conf/conf.h"
#include "core/setup.h"
#include "mail/gmime_auto.h"
#include "milter/milter.h"
#include "milter/wake.h"
#include "store/store.h"

/*
 * How long shutdown waits for open connections. Postfix's own
 * milter_content_timeout is 300 s, but a message's callbacks take
 * milliseconds; 30 s covers a slow store and stays under systemd's
 * default stop timeout of 90 s.
 */
#define CAD_MILTER_DRAIN_MS 30000

/*
 * How often shutdown connects to its own socket until libmilter's
 * listener has let go (stop_listener). One poke is enough unless it lands
 * before smfi_stop() has raised libmilter's stop flag.
 */
#define CAD_MILTER_WAKE_MS 10

/*
 * What the main thread has to act on, one bit each, set by on_signal (in
 * whichever thread the kernel picked) or by the milter thread, and taken
 * all at once by the main thread, so that a burst of signals makes one
 * reload, and a stop is never queued behind reloads.
 */
#define CAD_SIGEV_HUP    (1u << 0)
#define CAD_SIGEV_TERM   (1u << 1)
#define CAD_SIGEV_INT    (1u << 2)
#define CAD_SIGEV_MILTER (1u << 3) /* smfi_main() returned */
static atomic_uint events;

/* The self-pipe that wakes the main thread: written when events was 0. */
static int sig_pipe[2] = {-1, -1};

typedef struct {
	const char *conf_path;
	const char *pid_file;
	const char *user;
	gboolean foreground;
	int debug;
} options;

static G_NORETURN void
usage(void)
{
	fprintf(stderr, "usage: cadence-milter [-dfV] [-c file] [-p pidfile] "
	                "[-u user]\n");
	exit(CAD_EX_USAGE);
}

static void
parse_options(int argc, char **argv, options *o)
{
	int ch;

	o->conf_path = CADENCE_SYSCONFDIR "/cadence.conf";
	while ((ch = getopt(argc, argv, "c:dfp:u:V")) != -1) {
		switch (ch) {
		case 'c':
			o->conf_path = optarg;
			break;
		case 'd':
			o->debug++;
			break;
		case 'f':
			o->foreground = TRUE;
			break;
		case 'p':
			o->pid_file = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'V': {
			unsigned int ma, mi, pl;
			smfi_version(&ma, &mi, &pl);
			printf("cadence-milter %s (libmilter %u.%u.%u)\n",
			       CADENCE_VERSION, ma, mi, pl);
			exit(0);
		}
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
}

/*
 * Record an event and wake the main thread; async-signal-safe. Only the
 * first event since the main thread last looked writes to the pipe.
 */
static void
post(unsigned int ev)
{
	int saved = errno;

	if (atomic_fetch_or(&events, ev) == 0 &&
	    write(sig_pipe[1], "", 1) < 0) {
		/* the pipe is full: a wake-up is already pending */
	}
	errno = saved;
}

static void on_signal(int sig);

/* Set the action for sig: on_signal, or SIG_IGN. */
static void
signal_action(int sig, gboolean handle)
{
	struct sigaction sa = {.sa_flags = SA_NODEFER};

	sa.sa_handler = handle ? on_signal : SIG_IGN;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(sig, &sa, NULL);
}

/*
 * A SIGHUP is ignored from here until the main thread, about to reload,
 * catches it again: more of them would only ask for the same reload. A
 * SIGTERM or SIGINT ignores both from then on: the milter is stopping.
 * See signals_init for why they must not stay caught meanwhile.
 */
static void
on_signal(int sig)
{
	if (sig == SIGHUP) {
		signal_action(SIGHUP, FALSE);
		post(CAD_SIGEV_HUP);
		return;
	}
	signal_action(SIGTERM, FALSE);
	signal_action(SIGINT, FALSE);
	post(sig == SIGTERM ? CAD_SIGEV_TERM : CAD_SIGEV_INT);
}

/* "unix:/path" or "local:/path": the path, else NULL (inet sockets). */
static const char *
socket_path(const char *spec)
{
	if (g_str_has_prefix(spec, "unix:"))
		return spec + 5;
	if (g_str_has_prefix(spec, "local:"))
		return spec + 6;
	if (strchr(spec, ':') == NULL)
		return spec;
	return NULL;
}

/* Open the listening socket (as root, before dropping privileges). */
static void
open_socket(const cad_conf *conf, const struct passwd *pw)
{
	const char *path = socket_path(conf->milter_socket);
	mode_t old;

	if (smfi_setconn(conf->milter_socket) != MI_SUCCESS)
		fatalx(CAD_EX_CONFIG, "[milter] socket %s: not a socket spec",
		       conf->milter_socket);
	/* The postfix user reaches the socket through the group. */
	old = umask(007);
	if (smfi_opensocket(TRUE) != MI_SUCCESS)
		fatalx(CAD_EX_OSERR,
		       "cannot listen on %s (a directory missing, "
		       "or another milter there?)",
		       conf->milter_socket);
	umask(old);
	if (path != NULL && pw != NULL &&
	    chown(path, pw->pw_uid, pw->pw_gid) != 0)
		fatal(CAD_EX_OSERR, "chown %s to %s", path, pw->pw_name);
}

static void
write_pid_file(const char *path)
{
	g_autofree char *text = g_strdup_printf("%ld\n", (long)getpid());
	g_autoptr(GError) err = NULL;

	if (!g_file_set_contents(path, text, -1, &err))
		fatalx(CAD_EX_CANTCREAT, "pid file: %s", err->message);
}

static void
drop_privileges(const struct passwd *pw)
{
	if (pw == NULL)
		return;
	if (setgroups(1, &pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0)
		fatal(CAD_EX_OSERR, "cannot run as user %s", pw->pw_name);
	if (setuid(0) == 0)
		fatalx(CAD_EX_SOFTWARE, "still root after dropping privileges");
}

/* The user to run as: only when started as root. */
static struct passwd *
lookup_user(const options *o, const cad_conf *conf)
{
	const char *name = o->user != NULL ? o->user : conf->milter_user;
	struct passwd *pw;

	if (geteuid() != 0 || name == NULL || *name == '\0')
		return NULL;
	pw = getpwnam(name);
	if (pw == NULL)
		fatalx(CAD_EX_CONFIG,
		       "no such user: %s (create it, or set "
		       "[milter] user or -u)",
		       name);
	return pw;
}

/*
 * A thread that only takes signals. When the main thread has a signal
 * waiting and is not yet running (a SIGHUP sent, then a SIGTERM right
 * after it), Linux hands the next signal to the first thread that would
 * take it, in creation order from the one that took the last such signal
 * (at first, the main thread): created before the milter thread, this one
 * comes before libmilter's signal thread. Without it, 2 in 240
 * SIGHUP-then-SIGTERM pairs stopped libmilter directly; with it, none in
 * 500.
 */
static void *
catcher_run(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/*
 * libmilter's loop. This thread, and the threads libmilter starts from it
 * (which inherit its mask), block the signals the main thread takes; it
 * blocks them itself, so that the main thread never has to.
 */
static void *
milter_thread(void *arg)
{
	int *rc = arg;
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	*rc = smfi_main();
	post(CAD_SIGEV_MILTER);
	return NULL;
}

/* What a reload cannot change, as started. */
typedef struct {
	char *store_path;
	char *socket;
	cad_wake wake; /* the socket's address, to wake the listener */
} started;

/* The thread that pokes the listener while smfi_stop() waits. */
typedef struct {
	const cad_wake *wake;
	GMutex lock;
	GCond cond;
	gboolean done; /* smfi_stop() has returned */
} waker;

static gpointer
waker_run(gpointer arg)
{
	waker *k = arg;
	gint64 end;

	g_mutex_lock(&k->lock);
	while (!k->done) {
		g_mutex_unlock(&k->lock);
		(void)cad_wake_poke(k->wake);
		g_mutex_lock(&k->lock);
		end = g_get_monotonic_time() + CAD_MILTER_WAKE_MS * 1000;
		while (!k->done && g_cond_wait_until(&k->cond, &k->lock, end))
			;
	}
	g_mutex_unlock(&k->lock);
	return NULL;
}

/*
 * Stop libmilter's listener, once the connections are drained. smfi_stop()
 * raises libmilter's stop flag and then closes the listening socket, for
 * which it needs the lock the listener holds while it polls that socket
 * with a 5 s timeout: an idle milter took up to 5 s to stop. A connection
 * to our own socket ends the poll, and the listener, seeing the flag,
 * lets go; it is repeated until smfi_stop() returns, since the first may
 * come before the flag is up. libmilter serves each poke like any
 * connection: its session sees the end of file at once and calls no
 * callback but close.
 */
static void
stop_listener(const cad_wake *w)
{
	waker k = {.wake = w};
	g_autoptr(GError) err = NULL;
	GThread *t = NULL;

	g_mutex_init(&k.lock);
	g_cond_init(&k.cond);
	if (w->len > 0) {
		t = g_thread_try_new("wake", waker_run, &k, &err);
		if (t == NULL)
			log_warnx("stopping without waking the listener: %s",
			          err->message);
	}
	smfi_stop();
	if (t != NULL) {
		g_mutex_lock(&k.lock);
		k.done = TRUE;
		g_cond_signal(&k.cond);
		g_mutex_unlock(&k.lock);
		g_thread_join(t);
	}
	g_cond_clear(&k.cond);
	g_mutex_clear(&k.lock);
}

static void
reload(const char *path, const started *running)
{
	g_autoptr(GError) err = NULL;
	cad_conf *conf = cad_setup_conf(path, &err);

	if (conf == NULL) {
		log_warnx("reload: %s: keeping the running configuration: %s",
		          path, err->message);
		return;
	}
	if (g_strcmp0(conf->store_path, running->store_path) != 0 ||
	    g_strcmp0(conf->milter_socket, running->socket) != 0)
		log_warnx("reload: [store] path and [milter] socket take "
		          "effect at the next start");
	cad_milter_set_conf(conf);
	log_info("reload: configuration %s loaded", path);
}

/*
 * The self-pipe and the handlers, first thing, so that a signal during
 * start-up is acted on once the loop runs instead of killing the process.
 *
 * libmilter's own signal thread sigwait()s for SIGHUP, SIGTERM and SIGINT
 * too, and stops libmilter on any of them: a SIGHUP it took would stop
 * the milter instead of reloading it, a SIGTERM would stop libmilter
 * before the drain. Linux gives a process-directed signal to the main
 * thread when the main thread neither blocks it nor has another signal
 * waiting, else to another thread that would take it: libmilter's, in
 * sigwait. So the main thread never blocks them, not even in on_signal
 * (SA_NODEFER), and on_signal sets them to SIG_IGN as soon as it runs:
 * an ignored signal the main thread does not block is discarded when
 * sent, even while another thread waits for it, so that a burst of them
 * neither reaches libmilter's thread nor nests on_signal. Before this, a
 * SIGHUP that came while on_signal ran for the one before went to
 * libmilter's thread, and a burst of SIGHUPs stopped the milter.
 */
static void
signals_init(void)
{
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		fatal(CAD_EX_OSERR, "pipe");
	signal_action(SIGHUP, TRUE);
	signal_action(SIGTERM, TRUE);
	signal_action(SIGINT, TRUE);
}

/*
 * Act on the events until asked to stop: a stop wins over a reload
 * posted with it, and any number of SIGHUPs since the last look make one
 * reload. Returns 0 on SIGTERM or SIGINT, 1 when libmilter stopped by
 * itself.
 */
static int
signal_loop(const char *conf_path, const started *running)
{
	struct pollfd pfd = {.fd = sig_pipe[0], .events = POLLIN};
	char buf[64];
	unsigned int ev;

	for (;;) {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			fatal(CAD_EX_OSERR, "poll");
		/* Empty the pipe first: a post() after this writes anew. */
		while (read(sig_pipe[0], buf, sizeof(buf)) > 0)
			;
		ev = atomic_exchange(&events, 0);
		if (ev & (CAD_SIGEV_TERM | CAD_SIGEV_INT)) {
			log_info("stopping on signal %d",
			         ev & CAD_SIGEV_TERM ? SIGTERM : SIGINT);
			return 0;
		}
		if (ev & CAD_SIGEV_MILTER) {
			log_warnx("libmilter stopped by itself; exiting");
			return 1;
		}
		if (ev & CAD_SIGEV_HUP) {
			/* Caught again first: a SIGHUP from now on is another
			 * reload, after this one. */
			signal_action(SIGHUP, TRUE);
			reload(conf_path, running);
		}
	}
}

int
main(int argc, char **argv)
{
	options o = {0};
	g_autoptr(GError) err = NULL;
	cad_conf *conf;
	cad_store *store;
	struct passwd *pw;
	pthread_t thread, catcher;
	g_autofree char *pid_file = NULL;
	started run = {0};
	const cad_conf *boot; /* conf, borrowed from the snapshot until the
	                         signal loop may reload it */
	int rc = 0, status;
	guint left;

	parse_options(argc, argv, &o);
	cad_log_init("cadence-milter", TRUE, o.foreground,
	             o.debug > 0 ? CAD_LOG_DEBUG : CAD_LOG_INFO);
	signals_init();
	g_mime_init();
	conf = cad_setup_conf(o.conf_path, &err);
	if (conf == NULL)
		fatalx(cad_setup_status(err), "%s", err->message);
	pw = lookup_user(&o, conf);
	run.store_path = g_strdup(conf->store_path);
	run.socket = g_strdup(conf->milter_socket);
	pid_file = g_strdup(o.pid_file != NULL ? o.pid_file : conf->pid_file);
	/* The snapshot owns conf; no reload can free it before the loop. */
	boot = conf;
	if (!cad_milter_init(conf, &err))
		fatalx(CAD_EX_SOFTWARE, "%s", err->message);
	open_socket(conf, pw);
	/* Before daemon() changes directory: a relative path is resolved. */
	if (!cad_wake_init(&run.wake, conf->milter_socket, &err)) {
		log_warnx("%s: stopping will wait for libmilter's poll "
		          "(up to 5 s)",
		          err->message);
		g_clear_error(&err);
	}
	conf = NULL;
	if (!o.foreground && daemon(0, 0) != 0)
		fatal(CAD_EX_OSERR, "daemon");
	if (pid_file != NULL && *pid_file != '\0')
		write_pid_file(pid_file);
	drop_privileges(pw);
	/* As this user, so that the store's files are the daemon's. */
	store = cad_setup_store(boot, CAD_SETUP_WRITE, &err);
	if (store == NULL)
		fatalx(cad_setup_status(err), "%s", err->message);
	cad_milter_set_store(store);
	if (pthread_create(&catcher, NULL, catcher_run, NULL) != 0 ||
	    pthread_detach(catcher) != 0 ||
	    pthread_create(&thread, NULL, milter_thread, &status) != 0)
		fatal(CAD_EX_OSERR, "pthread_create");
	log_info("started: socket %s store %s", run.socket, run.store_path);
	rc = signal_loop(o.conf_path, &run);
	/*
	 * Drain before smfi_stop(), not after: Debian's libmilter is built
	 * with a pool of workers (_FFR_WORKERS_POOL) whose controller polls
	 * the connections between commands, and it quits at smfi_stop(), so
	 * a message under way would then never get another reply. While
	 * draining, libmilter still accepts, and the milter refuses each new
	 * connection at its first callback (the MTA's default_action).
	 */
	left = cad_milter_drain(CAD_MILTER_DRAIN_MS);
	if (rc == 0)
		stop_listener(&run.wake);
	pthread_join(thread, NULL);
	/* A connection left open may still be in a callback: the store, the
	 * snapshot and GMime are then left for the exit to tear down. */
	if (left == 0) {
		cad_store_close(store);
		cad_milter_shutdown();
		g_mime_shutdown();
	} else
		log_warnx("stopping with %u connections still open", left);
	if (pid_file != NULL && *pid_file != '\0')
		(void)unlink(pid_file);
	g_free(run.store_path);
	g_free(run.socket);
	log_info("stopped");
	return rc;
}
