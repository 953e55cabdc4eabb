/*
 * test_stuck.c: the one definition of "stuck" (core/stuck.h) on a real
 * store: an interrupted send only once its mark is old, an error pause
 * with the fix that fits the missing field, an overdue task, and nothing
 * for a finished enrollment or one that is fine.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "common/util.h"
#include "core/actions.h"
#include "core/stuck.h"

static char dir[64];
static cad_conf *conf;
static cad_store *store;

#define T0 "2026-11-30T14:00:00Z"

static gint64
at(const char *iso)
{
	gint64 t;

	cr_assert(cad_parse_time(iso, &t, NULL), "%s", iso);
	return t;
}

static void
setup(void)
{
	const char *src = getenv("CAD_SOURCE_DIR") ? getenv("CAD_SOURCE_DIR")
	                                           : CAD_SOURCE_DIR;
	g_autofree char *main_file =
	    g_build_filename(src, "conf", "cadence.conf", NULL);
	g_autofree char *sdir = NULL;
	g_autoptr(GError) err = NULL;

	strcpy(dir, "/tmp/cad-stuck-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	conf = cad_conf_load(main_file, &err);
	cr_assert_not_null(conf, "%s", err ? err->message : "");
	sdir = g_build_filename(dir, "store", NULL);
	store = cad_store_open(sdir, NULL, &err);
	cr_assert_not_null(store, "%s", err ? err->message : "");
}

static void
teardown(void)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	cad_store_close(store);
	cad_conf_free(conf);
	(void)!system(cmd);
}

TestSuite(stuck, .init = setup, .fini = teardown);

static guint64
enroll(const char *addr)
{
	g_autoptr(cad_prospect) p = cad_prospect_new(addr);
	cad_enroll_req req = {"cold", "alice@example.com",
	                      "<first.1@mail.example.com>", "Quick question"};
	g_autoptr(GError) err = NULL;
	guint64 id = 0;

	cr_assert(cad_enroll(store, conf, p, &req, at(T0), TRUE, &id, &err),
	          "%s", err ? err->message : "");
	return id;
}

typedef struct {
	guint64 id;
	cad_step_status status;
	cad_state state;
	const char *event;
	gint64 when;
} change;

/* Set an enrollment's state as a crash or a reminder leaves it. */
static gboolean
change_fn(cad_txn *txn, void *arg, GError **error)
{
	change *c = arg;
	g_autoptr(cad_enrollment) e =
	    cad_store_enrollment_get(txn, c->id, error);

	if (e == NULL)
		return FALSE;
	e->step_status = c->status;
	e->state = c->state;
	if (c->status == CAD_STEP_SENDING)
		e->sending_msgid = g_strdup("lost.1@example.com");
	return cad_store_enrollment_put(txn, e, error) &&
	       cad_store_event_add(txn, e->id, c->event, 2, "", c->when, error);
}

/* The problems of enrollment id at now. */
static GPtrArray *
problems(guint64 id, gint64 now)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(cad_txn) txn = cad_store_read_begin(store, &err);
	g_autoptr(cad_enrollment) e = cad_store_enrollment_get(txn, id, &err);
	GPtrArray *p;

	cr_assert_not_null(e, "%s", err ? err->message : "");
	p = cad_stuck_find(txn, e, now, &err);
	cr_assert_not_null(p, "%s", err ? err->message : "");
	return p;
}

Test(stuck, a_send_is_interrupted_once_its_mark_is_old)
{
	guint64 id = enroll("s@one.example");
	change c = {id, CAD_STEP_SENDING, CAD_STATE_ACTIVE, CAD_EV_SENDING,
	            at("2026-12-02T09:00:00Z")};
	g_autoptr(GError) err = NULL;

	cr_assert(cad_store_write(store, change_fn, &c, &err), "%s",
	          err ? err->message : "");
	g_autoptr(GPtrArray) young = problems(id, c.when + 5 * 60);
	g_autoptr(GPtrArray) old =
	    problems(id, c.when + CAD_STUCK_SENDING_SECS + 1);
	const cad_stuck *s = g_ptr_array_index(old, 0);

	cr_assert_eq(young->len, 0, "a send under way is not stuck");
	cr_assert_eq(old->len, 1);
	cr_assert_eq(s->kind, CAD_STUCK_SENDING);
	cr_assert_str_eq(cad_stuck_name(s->kind), "interrupted send");
	cr_assert_eq(s->since, c.when);
	cr_assert(strstr(s->detail, "message-id=<lost.1@example.com>"));
	cr_assert(g_str_has_prefix(s->fix, "cadencectl skip "));
	cr_assert(cad_stuck_has(old, CAD_STUCK_SENDING));
	cr_assert_not(cad_stuck_has(young, CAD_STUCK_SENDING));
}

Test(stuck, an_error_pause_names_the_fix_for_its_field)
{
	guint64 prospect = enroll("e@two.example");
	guint64 rep = enroll("r@three.example");
	g_autoptr(GError) err = NULL;

	cr_assert(cad_act_error(store, prospect,
	                        "template followup.eml: no value for "
	                        "{{first_name}}",
	                        NULL, at("2026-12-02T09:00:00Z"), &err),
	          "%s", err ? err->message : "");
	cr_assert(cad_act_error(store, rep,
	                        "template followup.eml: no value for "
	                        "\"rep_signature\"",
	                        NULL, at("2026-12-02T09:00:00Z"), &err),
	          "%s", err ? err->message : "");
	g_autoptr(GPtrArray) p = problems(prospect, at("2026-12-02T09:01:00Z"));
	g_autoptr(GPtrArray) r = problems(rep, at("2026-12-02T09:01:00Z"));
	const cad_stuck *ps = g_ptr_array_index(p, 0);
	const cad_stuck *rs = g_ptr_array_index(r, 0);

	cr_assert_eq(p->len, 1);
	cr_assert_eq(ps->kind, CAD_STUCK_ERROR);
	cr_assert_eq(ps->since, at("2026-12-02T09:00:00Z"));
	cr_assert(strstr(ps->detail, "{{first_name}}") != NULL);
	cr_assert(g_str_has_prefix(ps->fix, "cadencectl set-field e@two."));
	cr_assert(g_str_has_prefix(rs->fix, "set it in [rep alice@example."),
	          "%s", rs->fix);
}

Test(stuck, a_task_is_overdue_after_a_day_and_final_is_never_stuck)
{
	guint64 id = enroll("w@four.example");
	guint64 fine = enroll("fine@five.example");
	change c = {id, CAD_STEP_IDLE, CAD_STATE_WAITING, CAD_EV_TASK,
	            at("2026-12-02T09:00:00Z")};
	change done = {fine, CAD_STEP_SENDING, CAD_STATE_REPLIED,
	               CAD_EV_SENDING, at("2026-12-01T09:00:00Z")};
	g_autoptr(GError) err = NULL;

	cr_assert(cad_store_write(store, change_fn, &c, &err), "%s",
	          err ? err->message : "");
	cr_assert(cad_store_write(store, change_fn, &done, &err), "%s",
	          err ? err->message : "");
	g_autoptr(GPtrArray) soon = problems(id, c.when + 3600);
	g_autoptr(GPtrArray) late =
	    problems(id, c.when + CAD_STUCK_TASK_SECS + 1);
	g_autoptr(GPtrArray) replied =
	    problems(fine, at("2026-12-09T00:00:00Z"));

	cr_assert_eq(soon->len, 0);
	cr_assert_eq(late->len, 1);
	cr_assert_eq(((cad_stuck *)g_ptr_array_index(late, 0))->kind,
	             CAD_STUCK_TASK);
	cr_assert_eq(replied->len, 0);
}
