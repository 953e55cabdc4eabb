/*
 * helpers.c: see helpers.h. The sink runs as a child process started with
 * fork+exec; it is stopped with SIGTERM in th_teardown.
 */
#include "helpers.h"

#include <sys/prctl.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "common/util.h"
#include "core/actions.h"
#include "mail/gmime_auto.h"

static const char *default_sender_keys = "daily_cap_per_rep = 0\n"
                                         "rate_per_minute = 0\n"
                                         "domain_rate_per_hour = 0\n"
                                         "min_gap_seconds = 0\n"
                                         "window = 00:00-24:00\n"
                                         "days = mon-sun\n"
                                         "timezone = UTC\n"
                                         "jitter_minutes = 0\n";

static const char *default_cadence =
    "[step 2]\nday = 2\nchannel = email\ntemplate = followup.eml\n";

static const char *followup_eml = "Content-Type: text/plain; charset=utf-8\n"
                                  "\n"
                                  "Hi {{first_name|there}},\n"
                                  "\n"
                                  "a note for {{company|your team}}.\n"
                                  "\n"
                                  "{{rep_signature}}\n";

char *
th_bin(const char *rel)
{
	const char *b = getenv("CAD_BINARY_DIR");

	return g_build_filename(b != NULL ? b : CAD_BINARY_DIR, rel, NULL);
}

void
th_write(th_env *env, const char *rel, const char *text)
{
	g_autofree char *path = g_build_filename(env->dir, rel, NULL);
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);

	g_mkdir_with_parents(dir, 0755);
	cr_assert(g_file_set_contents(tmp, text, -1, NULL));
	cr_assert(rename(tmp, path) == 0);
}

void
th_rules(th_env *env, const char *rules)
{
	th_write(env, "sink.rules", rules);
}

static void
start_sink(th_env *env)
{
	g_autofree char *bin = th_bin("tests/tools/cad-sink");
	g_autofree char *portfile =
	    g_build_filename(env->dir, "sink.port", NULL);
	g_autofree char *text = NULL;
	pid_t pid;

	env->maildir = g_build_filename(env->dir, "mail", NULL);
	env->rules = g_build_filename(env->dir, "sink.rules", NULL);
	g_mkdir_with_parents(env->maildir, 0755);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		/* The sink dies with the test, even one that crashes. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(bin, bin, "-d", env->maildir, "-p", portfile, "-f",
		      env->rules, (char *)NULL);
		_exit(127);
	}
	env->sink_pid = pid;
	for (int i = 0; i < 500; i++) {
		if (g_file_get_contents(portfile, &text, NULL, NULL))
			break;
		g_usleep(10 * 1000);
	}
	cr_assert(text != NULL, "cad-sink did not start (%s)", bin);
	env->port = atoi(text);
	cr_assert(env->port > 0);
}

static void
write_conf(th_env *env, const char *sender_keys, const char *cadence)
{
	g_autofree char *cad = g_strdup_printf(
	    "[cadence]\nname = t\n%s", cadence ? cadence : default_cadence);
	g_autofree char *conf = g_strdup_printf(
	    "[store]\npath = %s/store\n\n"
	    "[milter]\n"
	    "enroll_address = cadence@example.com\n"
	    "default_cadence = t\n"
	    "bounce_address = bounces@example.com\n"
	    "unsubscribe_address = unsubscribe@example.com\n"
	    "task_address = tasks@example.com\n"
	    "notify_from = cadence@example.com\n"
	    "rep_domains = example.com\n\n"
	    "[sender]\nrelay = 127.0.0.1:%d\nstarttls = no\n"
	    "hostname = cadence.test\nretry_max_hours = 1\n%s\n"
	    "[cadences]\ndir = %s/cadences.d\ntemplates = %s/templates\n\n"
	    "[rep alice@example.com]\nname = Alice Martin\n"
	    "signature = Alice Martin\\nAccount Executive\n",
	    env->dir, env->port,
	    sender_keys ? sender_keys : default_sender_keys, env->dir,
	    env->dir);

	th_write(env, "cadences.d/t.conf", cad);
	th_write(env, "cadence.conf", conf);
}

th_env *th_current;

th_env *
th_setup(const char *sender_keys, const char *cadence)
{
	th_env *env = g_new0(th_env, 1);
	char tmpl[] = "/tmp/cad-sender-test.XXXXXX";
	g_autoptr(GError) err = NULL;
	g_autofree char *store = NULL;

	cr_assert(mkdtemp(tmpl) != NULL);
	env->dir = g_strdup(tmpl);
	th_current = env;
	g_mime_init();
	th_write(env, "templates/followup.eml", followup_eml);
	th_write(env, "templates/own.eml",
	         "Subject: Another idea, {{first_name}}\n\nStep three\n");
	th_write(env, "sink.rules", "");
	start_sink(env);
	write_conf(env, sender_keys, cadence);
	env->conf_path = g_build_filename(env->dir, "cadence.conf", NULL);
	env->conf = cad_conf_load(env->conf_path, &err);
	cr_assert(env->conf != NULL, "conf: %s", err ? err->message : "?");
	store = g_build_filename(env->dir, "store", NULL);
	g_mkdir_with_parents(store, 0755);
	env->store = cad_store_open(store, NULL, &err);
	cr_assert(env->store != NULL, "store: %s", err ? err->message : "?");
	return env;
}

void
th_reopen(th_env *env)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *store = g_build_filename(env->dir, "store", NULL);

	cad_store_close(env->store);
	env->store = cad_store_open(store, NULL, &err);
	cr_assert(env->store != NULL, "store: %s", err ? err->message : "?");
}

void
th_teardown(th_env *env)
{
	g_autofree char *cmd = NULL;
	int status;

	if (env == NULL)
		return;
	if (env->sink_pid > 0) {
		kill(env->sink_pid, SIGTERM);
		waitpid(env->sink_pid, &status, 0);
	}
	if (env->store != NULL)
		cad_store_close(env->store);
	cad_conf_free(env->conf);
	if (getenv("CAD_KEEP_TEST_DIR") == NULL) {
		cmd = g_strdup_printf("rm -rf '%s'", env->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", env->dir);
	}
	g_free(env->dir);
	g_free(env->maildir);
	g_free(env->rules);
	g_free(env->conf_path);
	if (th_current == env)
		th_current = NULL;
	g_free(env);
	g_mime_shutdown();
}

guint64
th_enroll(th_env *env, const char *address, gint64 now, ...)
{
	g_autoptr(cad_prospect) p = cad_prospect_new(address);
	g_autoptr(GError) err = NULL;
	g_autofree char *root = g_strdup_printf("<root-%s>", address);
	cad_enroll_req req = {"t", "alice@example.com", root, "Quick question"};
	guint64 id = 0;
	const char *name;
	va_list ap;

	va_start(ap, now);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *value = va_arg(ap, const char *);
		if (strcmp(name, "timezone") == 0) {
			g_free(p->timezone);
			p->timezone = g_strdup(value);
		} else
			cad_prospect_set_field(p, name, value);
	}
	va_end(ap);
	cr_assert(
	    cad_enroll(env->store, env->conf, p, &req, now, FALSE, &id, &err),
	    "enroll %s: %s", address, err ? err->message : "?");
	return id;
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	/* T.PID.SEQ.eml: order by SEQ, the sink's arrival counter. */
	long sx = atol(strrchr(x, '/') + 1), sy = atol(strrchr(y, '/') + 1);
	const char *dx = strrchr(x, '.'), *dy = strrchr(y, '.');
	long qx, qy;

	if (sx != sy)
		return sx < sy ? -1 : 1;
	while (dx > x && dx[-1] != '.')
		dx--;
	while (dy > y && dy[-1] != '.')
		dy--;
	qx = atol(dx);
	qy = atol(dy);
	return qx < qy ? -1 : qx > qy;
}

GPtrArray *
th_sink_files(th_env *env)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) d = g_dir_open(env->maildir, 0, NULL);
	const char *name;

	cr_assert(d != NULL);
	while ((name = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(name, ".eml"))
			g_ptr_array_add(
			    out, g_build_filename(env->maildir, name, NULL));
	g_ptr_array_sort(out, by_name);
	return out;
}

char *
th_slurp(const char *path, gsize *len)
{
	char *text = NULL;

	cr_assert(g_file_get_contents(path, &text, len, NULL));
	return text;
}

GMimeMessage *
th_parse(const char *path)
{
	gsize len;
	g_autofree char *text = th_slurp(path, &len);
	g_autoptr(GMimeStream) s = g_mime_stream_mem_new_with_buffer(text, len);
	g_autoptr(GMimeParser) p = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);

	cr_assert(m != NULL, "%s does not parse", path);
	return m;
}

cad_enrollment *
th_get(th_env *env, guint64 id)
{
	g_autoptr(cad_txn) t = cad_store_read_begin(env->store, NULL);
	g_autoptr(GError) err = NULL;
	cad_enrollment *e = cad_store_enrollment_get(t, id, &err);

	cr_assert(e != NULL, "%s", err->message);
	return e;
}

typedef struct {
	const char *type;
	guint n;
} count_ctx;

static gboolean
count_fn(const cad_event *ev, void *arg)
{
	count_ctx *c = arg;

	if (strcmp(ev->type, c->type) == 0)
		c->n++;
	return TRUE;
}

guint
th_events(th_env *env, guint64 id, const char *type)
{
	g_autoptr(cad_txn) t = cad_store_read_begin(env->store, NULL);
	count_ctx c = {type, 0};

	cr_assert(cad_store_events_of(t, id, count_fn, &c, NULL));
	return c.n;
}

gint64
th_time(const char *iso)
{
	gint64 t = 0;

	cr_assert(cad_parse_time(iso, &t, NULL), "bad time %s", iso);
	return t;
}
