/*
 * test_store.c: the LMDB store on real files: records and indexes,
 * concurrent writers from two processes and several threads, a writer
 * killed with SIGKILL inside a transaction, map growth and a full map, the
 * schema check, and a store directory that cannot be used.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "common/util.h"
#include "core/enroll.h"
#include "store/store.h"
#include "storefault.h"

static char dir[64];

static void
setup(void)
{
	strcpy(dir, "/tmp/cad-store-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	(void)!system(cmd);
}

TestSuite(store, .init = setup, .fini = teardown, .timeout = 120);

static cad_store *
open_store(const cad_store_options *o)
{
	g_autoptr(GError) err = NULL;
	cad_store *s = cad_store_open(dir, o, &err);

	cr_assert_not_null(s, "open %s: %s", dir, err ? err->message : "");
	return s;
}

typedef struct {
	const char *address;
	guint64 id;
	gint64 due;
	const char *msgid;
} enroll_one;

static gboolean
enroll_fn(cad_txn *txn, void *arg, GError **error)
{
	enroll_one *a = arg;
	g_autoptr(cad_prospect) p = cad_prospect_new(a->address);
	g_autoptr(cad_enrollment) e = g_new0(cad_enrollment, 1);

	cad_prospect_set_field(p, "first_name", "Jane");
	cad_prospect_set_field(p, "industry", "logistics");
	e->cadence = g_strdup("cold");
	e->rep = g_strdup("alice@example.com");
	e->next_due = a->due;
	if (a->msgid != NULL)
		e->thread_refs = g_strdup_printf("<%s>", a->msgid);
	if (!cad_enroll_record_txn(txn, p, e, 1000, error))
		return FALSE;
	a->id = e->id;
	return TRUE;
}

static guint64
enroll(cad_store *s, const char *address, gint64 due, const char *msgid)
{
	g_autoptr(GError) err = NULL;
	enroll_one a = {address, 0, due, msgid};

	cr_assert(cad_store_write(s, enroll_fn, &a, &err), "enroll %s: %s",
	          address, err ? err->message : "");
	return a.id;
}

Test(store, enroll_and_read_back)
{
	cad_store *s = open_store(NULL);
	guint64 id = enroll(s, "<Jane.Doe@Acme.COM>", 5000, "root@example.com");
	g_autoptr(cad_txn) t = cad_store_read_begin(s, NULL);
	g_autoptr(cad_enrollment) e = cad_store_enrollment_get(t, id, NULL);
	g_autoptr(cad_prospect) p =
	    cad_store_prospect_get(t, "JANE.DOE@acme.com", NULL);
	guint64 mid = 0;
	guint32 step = 0;
	cad_token_purpose purpose;

	cr_assert_eq(id, 1);
	cr_assert_not_null(e);
	cr_assert_str_eq(e->address, "jane.doe@acme.com");
	cr_assert_str_eq(cad_state_name(e->state), "active");
	cr_assert_eq(e->next_due, 5000);
	cr_assert_not_null(p);
	cr_assert_str_eq(cad_prospect_field(p, "first_name"), "Jane");
	cr_assert_str_eq(cad_prospect_field(p, "industry"), "logistics");
	cr_assert(
	    cad_store_msgid_get(t, "<root@example.com>", &mid, &step, NULL));
	cr_assert_eq(mid, id);
	cr_assert_eq(step, 1);
	/* The three derived tokens find the enrollment with their purpose. */
	cr_assert(cad_store_token_get(t, e->verp_token, &mid, &purpose, NULL));
	cr_assert_eq(mid, id);
	cr_assert_eq(purpose, CAD_TOKEN_VERP);
	cr_assert(cad_store_token_get(t, e->unsub_token, &mid, &purpose, NULL));
	cr_assert_eq(purpose, CAD_TOKEN_UNSUBSCRIBE);
	cr_assert(cad_store_token_get(t, e->task_token, &mid, &purpose, NULL));
	cr_assert_eq(purpose, CAD_TOKEN_TASK);
	cr_assert_not(
	    cad_store_token_get(t, "bzzzzzzzzzzzzzzzzzzzz", &mid, NULL, NULL));
	cad_txn_end(g_steal_pointer(&t));
	cad_store_close(s);
}

Test(store, second_live_enrollment_refused)
{
	cad_store *s = open_store(NULL);
	g_autoptr(GError) err = NULL;
	enroll_one a = {"bob@corp.example", 0, 100, NULL};

	enroll(s, "bob@corp.example", 100, NULL);
	cr_assert_not(cad_store_write(s, enroll_fn, &a, &err));
	cr_assert(
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_ACTIVE));
	cr_assert(strstr(err->message, "already active in cadence cold"), "%s",
	          err->message);
	cad_store_close(s);
}

static gboolean
suppress_fn(cad_txn *txn, void *arg, GError **error)
{
	return cad_store_suppress_add(txn, arg, "complaint", "test", 7, error);
}

Test(store, suppression_by_address_and_domain)
{
	cad_store *s = open_store(NULL);
	g_autoptr(GError) err = NULL;
	enroll_one a = {"x@blocked.example", 0, 100, NULL};
	enroll_one b = {"Someone@Gone.Example", 0, 100, NULL};
	g_autoptr(cad_txn) t = NULL;
	g_autofree char *reason = NULL;
	gboolean yes;

	cr_assert(cad_store_write(s, suppress_fn, "@blocked.example", NULL));
	cr_assert(
	    cad_store_write(s, suppress_fn, "someone@gone.example", NULL));
	cr_assert_not(cad_store_write(s, enroll_fn, &a, &err));
	cr_assert(
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_SUPPRESSED));
	g_clear_error(&err);
	cr_assert_not(cad_store_write(s, enroll_fn, &b, &err));
	cr_assert(
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_SUPPRESSED));
	t = cad_store_read_begin(s, NULL);
	cr_assert(cad_store_is_suppressed(t, "ANY@blocked.example", &yes,
	                                  &reason, NULL));
	cr_assert(yes);
	cr_assert_str_eq(reason, "complaint");
	cr_assert(cad_store_is_suppressed(t, "x@ok.example", &yes, NULL, NULL));
	cr_assert_not(yes);
	cad_txn_end(g_steal_pointer(&t));
	cad_store_close(s);
}

/* ---- walks resumed after a key (cadencectl's batched listings) ---- */

typedef struct {
	GArray *seen; /* guint64: the ids visited */
	guint limit;  /* stop after this many (0: never) */
	guint64 last;
} walk;

static gboolean
walk_enr(const cad_enrollment *e, void *arg)
{
	walk *w = arg;

	g_array_append_val(w->seen, e->id);
	w->last = e->id;
	return w->limit == 0 || w->seen->len % w->limit != 0;
}

static gboolean
walk_sup(const char *key, const char *reason, const char *source, gint64 time,
         void *arg)
{
	GPtrArray *keys = arg;

	g_ptr_array_add(keys, g_strdup(key));
	return TRUE;
}

static char *
joined(GPtrArray *keys)
{
	g_ptr_array_add(keys, NULL);
	char *s = g_strjoinv(" ", (char **)keys->pdata);
	g_ptr_array_remove_index(keys, keys->len - 1);
	return s;
}

Test(store, walks_resume_after_the_last_key)
{
	cad_store *s = open_store(NULL);
	g_autoptr(GArray) seen = g_array_new(FALSE, FALSE, sizeof(guint64));
	walk w = {seen, 2, 0};
	guint batches = 0;
	cad_txn *t;

	for (int i = 0; i < 5; i++) {
		g_autofree char *a = g_strdup_printf("w%d@walk.example", i);
		enroll(s, a, 100 + i, NULL);
	}
	/* Two at a time, each batch in its own read transaction; a write
	 * between batches adds id 6, which the walk meets at its end. */
	do {
		guint before = seen->len;

		t = cad_store_read_begin(s, NULL);
		cr_assert(cad_store_enrollment_foreach_after(
		    t, w.last, walk_enr, &w, NULL));
		cad_txn_end(t);
		if (batches++ == 0)
			enroll(s, "late@walk.example", 200, NULL);
		if (seen->len - before < w.limit)
			break;
	} while (batches < 10);
	cr_assert_eq(seen->len, 6, "every enrollment once: %u", seen->len);
	for (guint i = 0; i < seen->len; i++)
		cr_assert_eq(g_array_index(seen, guint64, i), i + 1);
	cr_assert_eq(batches, 4);
	/* After the last id, and after the largest one, nothing. */
	g_array_set_size(seen, 0);
	w.limit = 0;
	t = cad_store_read_begin(s, NULL);
	cr_assert(cad_store_enrollment_foreach_after(t, 6, walk_enr, &w, NULL));
	cr_assert(cad_store_enrollment_foreach_after(t, G_MAXUINT64, walk_enr,
	                                             &w, NULL));
	cr_assert_eq(seen->len, 0);
	cr_assert(cad_store_enrollment_foreach_after(t, 4, walk_enr, &w, NULL));
	cr_assert_eq(seen->len, 2);
	cr_assert_eq(g_array_index(seen, guint64, 0), 5);
	cad_txn_end(t);

	/* The suppression list, by key in byte order. */
	const char *keys[] = {"b@x.example", "@c.example", "a@x.example",
	                      "a@x.examplf"};
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
		cr_assert(
		    cad_store_write(s, suppress_fn, (void *)keys[i], NULL));

	const struct {
		const char *after, *want;
	} cases[] = {
	    {NULL, "@c.example a@x.example a@x.examplf b@x.example"},
	    {"", "@c.example a@x.example a@x.examplf b@x.example"},
	    {"a@x.example", "a@x.examplf b@x.example"},
	    {"a@x.example0", "a@x.examplf b@x.example"}, /* not a key */
	    {"a", "a@x.example a@x.examplf b@x.example"},
	    {"b@x.example", ""},
	    {"zzz", ""},
	};

	t = cad_store_read_begin(s, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GPtrArray) got =
		    g_ptr_array_new_with_free_func(g_free);
		g_autofree char *j = NULL;

		cr_assert(cad_store_suppress_foreach_after(
		    t, cases[i].after, walk_sup, got, NULL));
		j = joined(got);
		cr_assert_str_eq(j, cases[i].want, "after %s", cases[i].after);
	}
	cad_txn_end(t);
	cad_store_close(s);
}

/* ---- a long walk does not keep the data file resident ---- */

#define FORGET_ROWS 20000

static gboolean
fill_fn(cad_txn *txn, void *arg, GError **error)
{
	for (int i = 0; i < FORGET_ROWS; i++) {
		g_autofree char *addr = g_strdup_printf("f%05d@x.example", i);
		enroll_one e = {addr, 0, 100 + i, NULL};
		if (!enroll_fn(txn, &e, error))
			return FALSE;
	}
	return TRUE;
}

/* Resident pages of mapped files, in KiB (RssFile). */
static long
rss_file_kib(void)
{
	g_autofree char *status = NULL;
	const char *p;

	cr_assert(
	    g_file_get_contents("/proc/self/status", &status, NULL, NULL));
	p = strstr(status, "RssFile:");
	cr_assert_not_null(p);
	return strtol(p + strlen("RssFile:"), NULL, 10);
}

static gboolean
count_enr(const cad_enrollment *e, void *arg)
{
	guint *n = arg;

	*n += e->next_due == 100 + (gint64)*n;
	return TRUE;
}

Test(store, forgotten_pages_leave_the_data_whole)
{
	cad_store *s = open_store(&(cad_store_options){.no_sync = TRUE});
	guint n = 0;
	long before, walked, after;
	cad_txn *t;

	cr_assert(cad_store_write(s, fill_fn, NULL, NULL));
	cad_store_forget_pages(s);
	before = rss_file_kib();
	t = cad_store_read_begin(s, NULL);
	cr_assert(cad_store_enrollment_foreach(t, count_enr, &n, NULL));
	cad_txn_end(t);
	cr_assert_eq(n, FORGET_ROWS);
	walked = rss_file_kib();
	cad_store_forget_pages(s);
	after = rss_file_kib();
	/* The walk mapped megabytes of records; forgetting unmaps them. */
	cr_assert_gt(walked - before, 2048, "%ld -> %ld KiB", before, walked);
	cr_assert_lt(after - before, (walked - before) / 4,
	             "%ld -> %ld -> %ld KiB", before, walked, after);
	/* And every record reads back the same. */
	n = 0;
	t = cad_store_read_begin(s, NULL);
	cr_assert(cad_store_enrollment_foreach(t, count_enr, &n, NULL));
	cad_txn_end(t);
	cr_assert_eq(n, FORGET_ROWS);
	cad_store_close(s);
}

Test(store, due_index_in_time_order_and_moves)
{
	cad_store *s = open_store(NULL);
	guint64 a = enroll(s, "a@x.example", 300, NULL);
	guint64 b = enroll(s, "b@x.example", 100, NULL);
	guint64 c = enroll(s, "c@x.example", 200, NULL);
	g_autoptr(cad_txn) t = cad_store_read_begin(s, NULL);
	g_autoptr(GArray) due = cad_store_due(t, 250, 0, NULL);

	cr_assert_eq(due->len, 2);
	cr_assert_eq(g_array_index(due, guint64, 0), b);
	cr_assert_eq(g_array_index(due, guint64, 1), c);
	cr_assert_eq(cad_store_next_due(t, NULL), 100);
	cad_txn_end(g_steal_pointer(&t));
	(void)a;
	cad_store_close(s);
}

typedef struct {
	guint64 id;
	gint64 due;
	cad_state state;
} move_args;

static gboolean
move_fn(cad_txn *txn, void *arg, GError **error)
{
	move_args *m = arg;
	g_autoptr(cad_enrollment) e =
	    cad_store_enrollment_get(txn, m->id, error);

	if (e == NULL)
		return FALSE;
	e->next_due = m->due;
	e->state = m->state;
	return cad_store_enrollment_put(txn, e, error) &&
	       cad_store_event_add(txn, e->id, CAD_EV_PAUSED, 2, "t", 2000,
	                           error);
}

Test(store, transition_moves_due_entry_and_final_state_clears_it)
{
	cad_store *s = open_store(NULL);
	guint64 id = enroll(s, "a@x.example", 100, NULL);
	move_args m = {id, 900, CAD_STATE_PAUSED};
	g_autoptr(GArray) d1 = NULL, d2 = NULL, d3 = NULL;
	cad_txn *t;

	cr_assert(cad_store_write(s, move_fn, &m, NULL));
	t = cad_store_read_begin(s, NULL);
	d1 = cad_store_due(t, 500, 0, NULL);
	d2 = cad_store_due(t, 1000, 0, NULL);
	cad_txn_end(t);
	cr_assert_eq(d1->len, 0, "the old due entry must be gone");
	cr_assert_eq(d2->len, 1);
	m.state = CAD_STATE_REPLIED;
	cr_assert(cad_store_write(s, move_fn, &m, NULL));
	t = cad_store_read_begin(s, NULL);
	d3 = cad_store_due(t, G_MAXINT64, 0, NULL);
	cad_txn_end(t);
	cr_assert_eq(d3->len, 0, "a final state is never due");
	cad_store_close(s);
}

static gboolean
count_event(const cad_event *ev, void *arg)
{
	GPtrArray *types = arg;

	g_ptr_array_add(types, g_strdup(ev->type));
	return TRUE;
}

Test(store, events_of_an_enrollment_in_order)
{
	cad_store *s = open_store(NULL);
	guint64 id = enroll(s, "a@x.example", 100, NULL);
	move_args m = {id, 900, CAD_STATE_PAUSED};
	g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);
	cad_txn *t;

	enroll(s, "b@x.example", 100, NULL);
	cr_assert(cad_store_write(s, move_fn, &m, NULL));
	t = cad_store_read_begin(s, NULL);
	cr_assert(cad_store_events_of(t, id, count_event, types, NULL));
	cr_assert(cad_store_event_foreach(t, 0, count_event, all, NULL));
	cad_txn_end(t);
	cr_assert_eq(types->len, 2);
	cr_assert_str_eq(types->pdata[0], "enrolled");
	cr_assert_str_eq(types->pdata[1], "paused");
	cr_assert_eq(all->len, 3);
	cad_store_close(s);
}

static gboolean
throttle_fn(cad_txn *txn, void *arg, GError **error)
{
	gint64 *w = arg;

	return cad_store_throttle_add(txn, "rep:alice@example.com", *w, 1,
	                              error);
}

/* The count of key in window w, which must read. */
static guint64
counter(cad_txn *t, const char *key, gint64 w)
{
	g_autoptr(GError) err = NULL;
	guint64 n = 99;

	cr_assert(cad_store_throttle_get(t, key, w, &n, &err), "%s",
	          err ? err->message : "");
	return n;
}

Test(store, throttle_counters_per_window_survive_reopen)
{
	cad_store *s = open_store(NULL);
	gint64 w = 86400;
	cad_txn *t;

	for (int i = 0; i < 3; i++)
		cr_assert(cad_store_write(s, throttle_fn, &w, NULL));
	cad_store_close(s);
	s = open_store(NULL);
	t = cad_store_read_begin(s, NULL);
	cr_assert_eq(counter(t, "rep:alice@example.com", w), 3);
	cr_assert_eq(counter(t, "rep:alice@example.com", w + 86400), 0,
	             "another window starts from zero");
	cad_txn_end(t);
	w += 86400;
	cr_assert(cad_store_write(s, throttle_fn, &w, NULL));
	t = cad_store_read_begin(s, NULL);
	cr_assert_eq(counter(t, "rep:alice@example.com", w), 1);
	cad_txn_end(t);
	cad_store_close(s);
}

static gboolean
notice_fn(cad_txn *txn, void *arg, GError **error)
{
	return cad_store_notice_add(txn, "alice@example.com", "Not enrolled",
	                            arg, 0, 10, error);
}

typedef struct {
	gint64 time;
	guint64 seq;
} notice_key;

static gboolean
notice_del_fn(cad_txn *txn, void *arg, GError **error)
{
	notice_key *k = arg;

	return cad_store_notice_del(txn, k->time, k->seq, error);
}

Test(store, notices_queue_in_order)
{
	cad_store *s = open_store(NULL);
	g_autoptr(GPtrArray) n = NULL;
	notice_key k;
	cad_txn *t;

	cr_assert(cad_store_write(s, notice_fn, "first", NULL));
	cr_assert(cad_store_write(s, notice_fn, "second", NULL));
	t = cad_store_read_begin(s, NULL);
	n = cad_store_notices(t, 0, NULL);
	cad_txn_end(t);
	cr_assert_eq(n->len, 2);
	cr_assert_str_eq(((cad_notice *)n->pdata[0])->body, "first");
	k.time = ((cad_notice *)n->pdata[0])->time;
	k.seq = ((cad_notice *)n->pdata[0])->seq;
	cr_assert(cad_store_write(s, notice_del_fn, &k, NULL));
	g_ptr_array_unref(n);
	t = cad_store_read_begin(s, NULL);
	n = cad_store_notices(t, 0, NULL);
	cad_txn_end(t);
	cr_assert_eq(n->len, 1);
	cr_assert_str_eq(((cad_notice *)n->pdata[0])->body, "second");
	cad_store_close(s);
}

/* ---- schema and access ---- */

static gboolean
schema_fn(cad_txn *txn, void *arg, GError **error)
{
	return cad_store_meta_put(txn, "schema", GPOINTER_TO_UINT(arg), error);
}

Test(store, newer_schema_is_refused)
{
	cad_store *s = open_store(NULL);
	g_autoptr(GError) err = NULL;

	cr_assert_eq(cad_store_schema(s), CAD_STORE_SCHEMA);
	cr_assert(cad_store_write(
	    s, schema_fn, GUINT_TO_POINTER(CAD_STORE_SCHEMA + 1), NULL));
	cad_store_close(s);
	s = cad_store_open(dir, NULL, &err);
	cr_assert_null(s);
	cr_assert(
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_SCHEMA));
	cr_assert(strstr(err->message, "newer cadence"), "%s", err->message);
	cr_assert(strstr(err->message, dir), "names the store: %s",
	          err->message);
}

Test(store, missing_directory_under_a_file_is_a_clear_error)
{
	g_autofree char *file = g_build_filename(dir, "plain", NULL);
	g_autofree char *path = g_build_filename(file, "store", NULL);
	g_autoptr(GError) err = NULL;

	cr_assert(g_file_set_contents(file, "x", 1, NULL));
	cr_assert_null(cad_store_open(path, NULL, &err));
	cr_assert(
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_ACCESS));
	cr_assert(strstr(err->message, path), "%s", err->message);
	cr_assert(strstr(err->message, "user "), "%s", err->message);
}

Test(store, unwritable_directory_names_path_and_user)
{
	int fds[2];
	pid_t pid;
	char msg[512] = {0};
	int status;

	if (geteuid() != 0)
		cr_skip_test("needs root to switch to an unprivileged user");
	cr_assert_eq(chmod(dir, 0755), 0);
	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		GError *err = NULL;
		close(fds[0]);
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(2);
		if (cad_store_open(dir, NULL, &err) != NULL)
			_exit(3);
		(void)!write(fds[1], err->message, strlen(err->message));
		_exit(g_error_matches(err, CAD_STORE_ERROR,
		                      CAD_STORE_ERROR_ACCESS)
		          ? 0
		          : 4);
	}
	close(fds[1]);
	(void)!read(fds[0], msg, sizeof(msg) - 1);
	close(fds[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "child status %d: %s", status, msg);
	cr_assert(strstr(msg, dir) && strstr(msg, "not writable by user"), "%s",
	          msg);
}

/* ---- concurrency: two processes, several threads each ---- */

#define CONC_THREADS    4
#define CONC_PER_THREAD 250

typedef struct {
	cad_store *s;
	int proc, thread;
	int failures;
} conc_args;

static void *
conc_thread(void *arg)
{
	conc_args *a = arg;

	for (int i = 0; i < CONC_PER_THREAD; i++) {
		g_autofree char *addr = g_strdup_printf(
		    "p%d-t%d-%d@conc.example", a->proc, a->thread, i);
		enroll_one e = {addr, 0, 1000 + i, NULL};
		if (!cad_store_write(a->s, enroll_fn, &e, NULL))
			a->failures++;
	}
	return NULL;
}

/* In a forked child: open our own environment, run the threads. */
static int
conc_child(int proc)
{
	cad_store *s = cad_store_open(dir, NULL, NULL);
	pthread_t th[CONC_THREADS];
	conc_args a[CONC_THREADS];
	int failures = 0;

	if (s == NULL)
		return 10;
	for (int i = 0; i < CONC_THREADS; i++) {
		a[i] = (conc_args){s, proc, i, 0};
		pthread_create(&th[i], NULL, conc_thread, &a[i]);
	}
	for (int i = 0; i < CONC_THREADS; i++) {
		pthread_join(th[i], NULL);
		failures += a[i].failures;
	}
	cad_store_close(s);
	return failures > 0 ? 11 : 0;
}

static gboolean
collect_ids(const cad_enrollment *e, void *arg)
{
	g_hash_table_add(arg, g_memdup2(&e->id, sizeof(e->id)));
	return TRUE;
}

Test(store, concurrent_writers_two_processes_many_threads)
{
	pid_t pids[2];
	cad_store *s = open_store(NULL); /* creates it before the children */
	g_autoptr(GHashTable) ids =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(GArray) due = NULL;
	cad_txn *t;

	cad_store_close(s);
	for (int p = 0; p < 2; p++) {
		pids[p] = fork();
		if (pids[p] == 0)
			_exit(conc_child(p));
	}
	for (int p = 0; p < 2; p++) {
		int status;
		cr_assert_eq(waitpid(pids[p], &status, 0), pids[p]);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		          "writer %d: status %d", p, status);
	}
	s = open_store(NULL);
	t = cad_store_read_begin(s, NULL);
	cr_assert(cad_store_enrollment_foreach(t, collect_ids, ids, NULL));
	due = cad_store_due(t, G_MAXINT64, 0, NULL);
	cad_txn_end(t);
	cr_assert_eq(g_hash_table_size(ids), 2 * CONC_THREADS * CONC_PER_THREAD,
	             "every enrollment once, each with its own id");
	cr_assert_eq(due->len, 2 * CONC_THREADS * CONC_PER_THREAD);
	cad_store_close(s);
}

/* ---- crash safety ---- */

#define CRASH_ROWS 5000

static gboolean
big_then_hang(cad_txn *txn, void *arg, GError **error)
{
	int fd = GPOINTER_TO_INT(arg);

	for (int i = 0; i < CRASH_ROWS; i++) {
		g_autofree char *addr = g_strdup_printf("crash%d@x.example", i);
		enroll_one e = {addr, 0, 5, NULL};
		if (!enroll_fn(txn, &e, error))
			return FALSE;
	}
	(void)!write(fd, "x", 1); /* in the middle of the transaction */
	for (;;)
		pause();
	return TRUE;
}

Test(store, writer_killed_mid_transaction_leaves_store_consistent)
{
	cad_store *s = open_store(NULL);
	int fds[2];
	pid_t pid;
	char c;
	int status;
	g_autoptr(GArray) due = NULL;
	cad_txn *t;
	guint64 after;

	enroll(s, "before@x.example", 1, NULL);
	cad_store_close(s);
	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		cad_store *cs = cad_store_open(dir, NULL, NULL);
		close(fds[0]);
		if (cs == NULL)
			_exit(5);
		cad_store_write(cs, big_then_hang, GINT_TO_POINTER(fds[1]),
		                NULL);
		_exit(6);
	}
	close(fds[1]);
	cr_assert_eq(read(fds[0], &c, 1), 1, "the writer reached mid-txn");
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status));

	/* The dead writer's lock is recovered; its writes never happened. */
	s = open_store(NULL);
	t = cad_store_read_begin(s, NULL);
	due = cad_store_due(t, G_MAXINT64, 0, NULL);
	cad_txn_end(t);
	cr_assert_eq(due->len, 1, "only the committed enrollment: %u",
	             due->len);
	after = enroll(s, "after@x.example", 2, NULL);
	cr_assert_eq(after, 2, "ids continue from the last commit");
	cad_store_close(s);
}

Test(store, stale_reader_of_a_killed_process_is_cleared)
{
	cad_store *s = open_store(NULL);
	int fds[2];
	pid_t pid;
	char c;

	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		cad_store *cs = cad_store_open(dir, NULL, NULL);
		cad_txn *rt =
		    cs != NULL ? cad_store_read_begin(cs, NULL) : NULL;
		close(fds[0]);
		(void)!write(fds[1], rt != NULL ? "r" : "f", 1);
		for (;;)
			pause();
	}
	close(fds[1]);
	cr_assert_eq(read(fds[0], &c, 1), 1);
	cr_assert_eq(c, 'r');
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	cr_assert_geq(cad_store_reader_check(s), 1);
	cad_store_close(s);
}

/* ---- map growth and a full map ---- */

typedef struct {
	int from, n;
} batch_args;

static gboolean
batch_fn(cad_txn *txn, void *arg, GError **error)
{
	batch_args *b = arg;

	for (int i = b->from; i < b->from + b->n; i++) {
		g_autofree char *addr =
		    g_strdup_printf("grow%06d@x.example", i);
		enroll_one e = {addr, 0, i + 1, NULL}; /* 0 is "not due" */
		if (!enroll_fn(txn, &e, error))
			return FALSE;
	}
	return TRUE;
}

Test(store, map_grows_when_full_and_keeps_everything)
{
	cad_store_options o = {.map_size = 1 << 20, .max_map_size = 256 << 20};
	cad_store *s = open_store(&o);
	g_autoptr(GError) err = NULL;
	g_autoptr(GArray) due = NULL;
	cad_txn *t;

	cr_assert_eq(cad_store_map_size(s), 1 << 20);
	for (int b = 0; b < 20; b++) {
		batch_args a = {b * 1000, 1000};
		cr_assert(cad_store_write(s, batch_fn, &a, &err),
		          "batch %d: %s", b, err ? err->message : "");
	}
	cr_assert_gt(cad_store_map_size(s), 1 << 20, "the map grew");
	t = cad_store_read_begin(s, NULL);
	due = cad_store_due(t, G_MAXINT64, 0, NULL);
	cad_txn_end(t);
	cr_assert_eq(due->len, 20000);
	cad_store_close(s);
	/* Another process (here: a reopen) adopts the grown size. */
	s = open_store(NULL);
	cr_assert_gt(cad_store_map_size(s), 1 << 20);
	cad_store_close(s);
}

Test(store, full_map_at_limit_writes_nothing_and_says_so)
{
	cad_store_options o = {.map_size = 1 << 20, .max_map_size = 1 << 20};
	cad_store *s = open_store(&o);
	g_autoptr(GError) err = NULL;
	g_autoptr(GArray) before = NULL, after = NULL;
	batch_args a = {0, 200};
	batch_args big = {200, 50000};
	cad_txn *t;

	cr_assert(cad_store_write(s, batch_fn, &a, NULL));
	cr_assert_not(cad_store_write(s, batch_fn, &big, &err));
	cr_assert(
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_MAP_FULL),
	    "%s", err ? err->message : "");
	cr_assert(strstr(err->message, "max_map_size"), "%s", err->message);
	t = cad_store_read_begin(s, NULL);
	after = cad_store_due(t, G_MAXINT64, 0, NULL);
	cad_txn_end(t);
	cr_assert_eq(after->len, 200, "nothing of the failed write: %u",
	             after->len);
	/* And the store is still usable for small writes. */
	enroll(s, "small@x.example", 1, NULL);
	(void)before;
	cad_store_close(s);
}

/* A walk that LMDB ends with an error is an error, not a short list. */
typedef struct {
	cad_txn *txn;
	int seen;
	gboolean walked; /* what the walk returned */
	GError *error;   /* and why */
} walk_state;

static gboolean
fill_on_first(const cad_enrollment *e, void *arg)
{
	walk_state *w = arg;
	batch_args big = {1000, 50000};
	g_autoptr(GError) err = NULL;

	(void)e;
	/* A put that fails leaves LMDB's transaction unusable: the walk's
	 * next step then fails with MDB_BAD_TXN. */
	if (w->seen++ == 0)
		cr_assert_not(batch_fn(w->txn, &big, &err));
	return TRUE;
}

static gboolean
walk_and_fill(cad_txn *txn, void *arg, GError **error)
{
	walk_state *w = arg;

	(void)error;
	w->txn = txn;
	w->walked =
	    cad_store_enrollment_foreach(txn, fill_on_first, w, &w->error);
	return FALSE;
}

Test(store, walk_ended_by_lmdb_is_an_error)
{
	cad_store_options o = {.map_size = 1 << 20, .max_map_size = 1 << 20};
	cad_store *s = open_store(&o);
	g_autoptr(GError) err = NULL;
	batch_args a = {0, 200};
	walk_state w = {NULL, 0, TRUE, NULL};

	cr_assert(cad_store_write(s, batch_fn, &a, NULL));
	cr_assert_not(cad_store_write(s, walk_and_fill, &w, &err));
	cr_assert_eq(w.seen, 1);
	cr_assert_not(w.walked, "the walk said it read all 200 after %d",
	              w.seen);
	cr_assert_not_null(w.error);
	cr_assert(strstr(w.error->message, "enrollments"), "%s",
	          w.error->message);
	g_error_free(w.error);
	cad_store_close(s);
}

Test(store, long_message_id_is_hashed_and_found)
{
	cad_store *s = open_store(NULL);
	GString *id = g_string_new("x");
	guint64 e = 0;
	cad_txn *t;

	while (id->len < 900)
		g_string_append(id, "abcdefghij");
	g_string_append(id, "@example.com");
	enroll(s, "long@x.example", 1, id->str);
	t = cad_store_read_begin(s, NULL);
	cr_assert(cad_store_msgid_get(t, id->str, &e, NULL, NULL));
	cr_assert_eq(e, 1);
	cad_txn_end(t);
	g_string_free(id, TRUE);
	cad_store_close(s);
}

Test(store, backup_copy_opens)
{
	cad_store *s = open_store(NULL);
	g_autofree char *copy = g_build_filename(dir, "copy", NULL);
	g_autoptr(GError) err = NULL;
	cad_store *c;
	cad_txn *t;
	g_autoptr(GArray) due = NULL;

	enroll(s, "a@x.example", 1, NULL);
	cr_assert(cad_store_copy(s, copy, &err), "%s", err ? err->message : "");
	c = cad_store_open(copy, NULL, &err);
	cr_assert_not_null(c, "%s", err ? err->message : "");
	t = cad_store_read_begin(c, NULL);
	due = cad_store_due(t, G_MAXINT64, 0, NULL);
	cad_txn_end(t);
	cr_assert_eq(due->len, 1);
	cad_store_close(c);
	cad_store_close(s);
}

/* ---- a fault in a read is an error, never a default ---- */

typedef struct {
	gboolean suppressed_ok, throttle_ok, meta_ok;
	GError *suppressed_err, *throttle_err, *meta_err;
	gboolean suppressed;
	guint64 count, meta;
} reads_state;

/* Fill the map until a put fails (the transaction is then unusable, as
 * after any LMDB fault), and read through the three lookups. */
static gboolean
reads_after_fault(cad_txn *txn, void *arg, GError **error)
{
	reads_state *r = arg;
	batch_args big = {1000, 50000};
	g_autoptr(GError) err = NULL;

	(void)error;
	cr_assert_not(batch_fn(txn, &big, &err));
	r->suppressed_ok =
	    cad_store_is_suppressed(txn, "someone@gone.example", &r->suppressed,
	                            NULL, &r->suppressed_err);
	r->throttle_ok = cad_store_throttle_get(
	    txn, "rep:alice@example.com", 86400, &r->count, &r->throttle_err);
	r->meta_ok = cad_store_meta_get(txn, "next_id", &r->meta, &r->meta_err);
	return FALSE;
}

static void
assert_failed(gboolean ok, GError *err, const char *what)
{
	cr_assert_not(ok, "%s read a faulty store as a value", what);
	cr_assert_not_null(err, "%s: no error", what);
	cr_assert(
	    !g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_NOT_FOUND),
	    "%s: a fault read as absent: %s", what, err->message);
	g_error_free(err);
}

Test(store, lookups_in_a_faulty_transaction_are_errors)
{
	cad_store_options o = {.map_size = 1 << 20, .max_map_size = 1 << 20};
	cad_store *s = open_store(&o);
	batch_args a = {0, 200};
	reads_state r = {0};

	cr_assert(cad_store_write(s, batch_fn, &a, NULL));
	cr_assert(
	    cad_store_write(s, suppress_fn, "someone@gone.example", NULL));
	cr_assert_not(cad_store_write(s, reads_after_fault, &r, NULL));
	assert_failed(r.suppressed_ok, r.suppressed_err, "suppression");
	assert_failed(r.throttle_ok, r.throttle_err, "throttle counter");
	assert_failed(r.meta_ok, r.meta_err, "meta");
	cad_store_close(s);
}

Test(store, unreadable_suppression_list_is_an_error_not_a_no)
{
	cad_store *s = open_store(NULL);
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_txn) t = NULL;
	gboolean yes = TRUE;

	cr_assert(cad_store_write(s, suppress_fn, "other@gone.example", NULL));
	cad_store_close(s);
	sf_break_db(dir, "suppress");
	s = open_store(NULL);
	t = cad_store_read_begin(s, NULL);
	cr_assert_not(
	    cad_store_is_suppressed(t, "x@ok.example", &yes, NULL, &err),
	    "a broken list read as %s", yes ? "suppressed" : "not suppressed");
	cr_assert(g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_FAILED),
	          "%s", err ? err->message : "");
	cad_txn_end(g_steal_pointer(&t));
	cad_store_close(s);
}

Test(store, corrupt_enrollment_is_corrupt_not_absent)
{
	cad_store *s = open_store(NULL);
	guint64 id = enroll(s, "jane@acme.example", 100, NULL);
	unsigned char key[8];
	const char junk[] = "\001not a record";
	enroll_one again = {"jane@acme.example", 0, 100, NULL};
	g_autoptr(GError) err = NULL;
	g_autoptr(GError) live_err = NULL;
	g_autoptr(cad_enrollment) e = NULL, live = NULL;
	g_autoptr(cad_txn) t = NULL;

	cad_store_close(s);
	cad_put_be64(key, id);
	sf_put_raw(dir, "enrollments", key, sizeof(key), junk, sizeof(junk));
	s = open_store(NULL);
	t = cad_store_read_begin(s, NULL);
	e = cad_store_enrollment_get(t, id, &err);
	cr_assert_null(e);
	cr_assert(
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_CORRUPT),
	    "%s", err->message);
	/* The prospect's live enrollment cannot be told: not "none". */
	live = cad_store_enrollment_live(t, "jane@acme.example", &live_err);
	cr_assert_null(live);
	cr_assert(
	    g_error_matches(live_err, CAD_STORE_ERROR, CAD_STORE_ERROR_CORRUPT),
	    "a corrupt enrollment read as no live enrollment");
	cad_txn_end(g_steal_pointer(&t));
	/* So she is not enrolled a second time. */
	g_clear_error(&err);
	cr_assert_not(cad_store_write(s, enroll_fn, &again, &err),
	              "enrolled again as %" G_GUINT64_FORMAT, again.id);
	cr_assert(
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_CORRUPT),
	    "%s", err->message);
	cad_store_close(s);
}
