/*
 * enroll.c: admission, prospect merge, the records of a new enrollment,
 * refusals, batched imports and field updates. See enroll.h.
 */
#include "core/enroll.h"

#include "common/log.h"
#include "common/util.h"
#include "core/internal.h"
#include "core/sched.h"

/* Longest value quoted in a "refused" event: they come from mail. */
#define CAD_REFUSAL_VALUE_MAX 200

/* admit - cad_enroll_admit_txn for an address already normalized. */
static gboolean
admit(cad_txn *txn, const char *address, GError **error)
{
	g_autofree char *reason = NULL;
	g_autoptr(cad_enrollment) live = NULL;
	g_autoptr(GError) err = NULL;
	gboolean suppressed;

	if (!cad_store_is_suppressed_norm(txn, address, &suppressed, &reason,
	                                  error))
		return FALSE;
	if (suppressed) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_SUPPRESSED,
		            "%s is on the suppression list (%s)", address,
		            reason != NULL ? reason : "");
		return FALSE;
	}
	live = cad_store_enrollment_live_norm(txn, address, &err);
	if (err != NULL) {
		g_propagate_error(error, g_steal_pointer(&err));
		return FALSE;
	}
	if (live == NULL)
		return TRUE;
	g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_ACTIVE,
	            "%s is already %s in cadence %s (enrollment "
	            "%" G_GUINT64_FORMAT ")",
	            address, cad_state_name(live->state), live->cadence,
	            live->id);
	return FALSE;
}

gboolean
cad_enroll_admit_txn(cad_txn *txn, const char *address, GError **error)
{
	g_autofree char *a = cad_address_normalize(address);

	if (a != NULL)
		return admit(txn, a, error);
	g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_FAILED,
	            "not an address: %s", address);
	return FALSE;
}

void
cad_prospect_merge(cad_prospect *into, const cad_prospect *from)
{
	static const char *const named[] = {"first_name", "last_name",
	                                    "company", "title", "timezone"};
	GHashTableIter it;
	gpointer k, v;

	for (gsize i = 0; i < G_N_ELEMENTS(named); i++) {
		const char *val = cad_prospect_field(from, named[i]);
		if (val != NULL)
			cad_prospect_set_field(into, named[i], val);
	}
	if (from->fields == NULL)
		return;
	g_hash_table_iter_init(&it, from->fields);
	while (g_hash_table_iter_next(&it, &k, &v))
		cad_prospect_set_field(into, k, v);
}

/* The prospect's record with p's fields merged in, written. */
static gboolean
prospect_merge_txn(cad_txn *txn, const char *a, const cad_prospect *p,
                   gint64 now, GError **error)
{
	g_autoptr(cad_prospect) cur = NULL;

	if (!cad_store_prospect_find(txn, a, &cur, error))
		return FALSE;
	if (cur == NULL) {
		cur = cad_prospect_new(a);
		cur->created = now;
	}
	cad_prospect_merge(cur, p);
	return cad_store_prospect_put(txn, cur, error);
}

gboolean
cad_enroll_record_txn(cad_txn *txn, const cad_prospect *p, cad_enrollment *e,
                      gint64 now, GError **error)
{
	g_autofree char *a = cad_address_normalize(p->address);
	g_autofree char *root = NULL;
	g_autofree char *detail = NULL;

	if (a == NULL) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_FAILED,
		            "not an address: %s", p->address);
		return FALSE;
	}
	if (!admit(txn, a, error) || !prospect_merge_txn(txn, a, p, now, error))
		return FALSE;
	g_free(e->address);
	e->address = g_strdup(a);
	e->id = 0;
	e->state = CAD_STATE_ACTIVE;
	e->step_status = CAD_STEP_IDLE;
	if (e->enrolled_at == 0)
		e->enrolled_at = now;
	root = cad_msgid_strip(e->thread_refs);
	if (!cad_store_enrollment_put(txn, e, error))
		return FALSE;
	if (root != NULL && !cad_store_msgid_put(txn, root, e->id, 1, error))
		return FALSE;
	detail = g_strdup_printf("cadence=%s rep=%s", e->cadence, e->rep);
	return cad_store_event_add(txn, e->id, CAD_EV_ENROLLED, 1, detail, now,
	                           error);
}

gboolean
cad_enroll_txn(cad_txn *txn, const cad_conf *conf, const cad_prospect *p,
               const cad_enroll_req *req, gint64 now, guint64 *id_out,
               GError **error)
{
	const cad_cadence *c = cad_core_cadence(conf, req->cadence, error);
	g_autoptr(cad_enrollment) e = NULL;
	g_autofree char *root = NULL, *tz = NULL;
	cad_sched s;

	if (c == NULL)
		return FALSE;
	e = g_new0(cad_enrollment, 1);
	e->cadence = g_strdup(c->name);
	e->rep = cad_address_normalize(req->rep);
	if (e->rep == NULL)
		e->rep = g_strdup(req->rep != NULL ? req->rep : "");
	e->enrolled_at = now;
	e->thread_subject = g_strdup(req->subject);
	root = cad_msgid_strip(req->root_msgid);
	if (root != NULL)
		e->thread_refs = g_strdup_printf("<%s>", root);
	if (p->timezone != NULL)
		tz = g_strdup(p->timezone);
	else if (!cad_core_prospect_tz(txn, p->address, &tz, error))
		return FALSE;
	cad_sched_init(&s, conf, c, tz);
	e->next_due = cad_core_step_when(&s, c, e, 0, 0, 0);
	cad_sched_clear(&s);
	if (!cad_enroll_record_txn(txn, p, e, now, error))
		return FALSE;
	if (id_out != NULL)
		*id_out = e->id;
	return TRUE;
}

typedef struct {
	const cad_conf *conf;
	const cad_prospect *p;
	const cad_enroll_req *req;
	gint64 now;
	guint64 id;
} enroll_args;

static gboolean
enroll_fn(cad_txn *txn, void *arg, GError **error)
{
	enroll_args *a = arg;

	return cad_enroll_txn(txn, a->conf, a->p, a->req, a->now, &a->id,
	                      error);
}

gboolean
cad_enroll(cad_store *store, const cad_conf *conf, const cad_prospect *p,
           const cad_enroll_req *req, gint64 now, gboolean record_refusal,
           guint64 *id_out, GError **error)
{
	enroll_args a = {conf, p, req, now, 0};
	GError *err = NULL;

	if (cad_store_write(store, enroll_fn, &a, &err)) {
		if (id_out != NULL)
			*id_out = a.id;
		return TRUE;
	}
	if (record_refusal && err->domain == CAD_STORE_ERROR &&
	    (err->code == CAD_STORE_ERROR_SUPPRESSED ||
	     err->code == CAD_STORE_ERROR_ACTIVE ||
	     err->code == CAD_STORE_ERROR_NOT_FOUND) &&
	    !cad_refusal_record(store, p->address, req->cadence, req->rep,
	                        err->message, NULL, now, NULL))
		log_warnx("could not record the refusal of %s", p->address);
	g_propagate_error(error, err);
	return FALSE;
}

/* ---- refusals ---- */

gboolean
cad_refusal_txn(cad_txn *txn, const char *address, const char *cadence,
                const char *rep, const char *reason, gint64 now, GError **error)
{
	const char *v[] = {address, cadence, rep, reason};
	char *c[G_N_ELEMENTS(v)] = {NULL};
	g_autofree char *d = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(v); i++)
		c[i] = v[i] != NULL && *v[i] != '\0'
		           ? cad_printable(v[i], -1, CAD_REFUSAL_VALUE_MAX)
		           : g_strdup("-");
	d = g_strdup_printf("address=%s cadence=%s rep=%s reason=%s", c[0],
	                    c[1], c[2], c[3]);
	for (gsize i = 0; i < G_N_ELEMENTS(c); i++)
		g_free(c[i]);
	return cad_store_event_add(txn, 0, CAD_EV_REFUSED, 1, d, now, error);
}

typedef struct {
	const char *address, *cadence, *rep, *reason;
	const cad_notice_req *notice;
	gint64 now;
} refusal_args;

static gboolean
refusal_fn(cad_txn *txn, void *arg, GError **error)
{
	refusal_args *r = arg;

	return cad_refusal_txn(txn, r->address, r->cadence, r->rep, r->reason,
	                       r->now, error) &&
	       (r->notice == NULL ||
	        cad_notice_queue_txn(txn, r->notice, r->now, error));
}

gboolean
cad_refusal_record(cad_store *store, const char *address, const char *cadence,
                   const char *rep, const char *reason,
                   const cad_notice_req *notice, gint64 now, GError **error)
{
	refusal_args r = {address, cadence, rep, reason, notice, now};

	return cad_store_write(store, refusal_fn, &r, error);
}

/* ---- batched import ---- */

typedef struct {
	const cad_conf *conf;
	const cad_enroll_req *req;
	cad_enroll_row *rows;
	guint n;
	gint64 now;
} batch_args;

static gboolean
batch_fn(cad_txn *txn, void *arg, GError **error)
{
	batch_args *b = arg;

	for (guint i = 0; i < b->n; i++) {
		cad_enroll_row *r = &b->rows[i];
		g_autoptr(GError) err = NULL;

		/* From the top on a retry: forget the last attempt's. */
		g_clear_error(&r->refused);
		r->id = 0;
		if (r->p == NULL || cad_enroll_txn(txn, b->conf, r->p, b->req,
		                                   b->now, &r->id, &err))
			continue;
		if (g_error_matches(err, CAD_STORE_ERROR,
		                    CAD_STORE_ERROR_SUPPRESSED) ||
		    g_error_matches(err, CAD_STORE_ERROR,
		                    CAD_STORE_ERROR_ACTIVE)) {
			r->refused = g_steal_pointer(&err);
			continue;
		}
		g_propagate_prefixed_error(error, g_steal_pointer(&err),
		                           "line %u: ", r->line);
		return FALSE;
	}
	return TRUE;
}

gboolean
cad_enroll_batch(cad_store *store, const cad_conf *conf,
                 const cad_enroll_req *req, cad_enroll_row *rows, guint n,
                 gint64 now, GError **error)
{
	batch_args b = {conf, req, rows, n, now};

	return cad_store_write(store, batch_fn, &b, error);
}

/* ---- the admin's field updates ---- */

static gboolean
update_fn(cad_txn *txn, void *arg, GError **error)
{
	const cad_prospect *fields = arg;
	g_autoptr(cad_prospect) cur =
	    cad_store_prospect_get(txn, fields->address, error);

	if (cur == NULL)
		return FALSE;
	cad_prospect_merge(cur, fields);
	return cad_store_prospect_put(txn, cur, error);
}

gboolean
cad_prospect_update(cad_store *store, const cad_prospect *fields,
                    GError **error)
{
	return cad_store_write(store, update_fn, (void *)fields, error);
}
