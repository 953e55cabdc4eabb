/*
 * fuzz_records.c: libFuzzer target for the store's record codec
 * (store/records.c). The store is shared with other processes and
 * outlives builds, so any bytes may sit under a key: every decoder (each
 * record type) must refuse them or return a record that encodes and
 * decodes back to itself, within bounds. Seeds: fuzz_records_seeds
 * writes one valid record of each type (fuzz/run-short).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_records: %s:%d: %s\n", __FILE__, \
			        __LINE__, #cond);                              \
			abort();                                               \
		}                                                              \
	} while (0)

static gboolean
same_bytes(GBytes *a, GBytes *b)
{
	return g_bytes_equal(a, b);
}

static gboolean
fields_equal(GHashTable *a, GHashTable *b)
{
	GHashTableIter it;
	gpointer k, v;

	if (g_hash_table_size(a) != g_hash_table_size(b))
		return FALSE;
	g_hash_table_iter_init(&it, a);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (g_strcmp0(v, g_hash_table_lookup(b, k)) != 0)
			return FALSE;
	return TRUE;
}

static void
prospect(const uint8_t *data, size_t size)
{
	cad_prospect *p = cad_rec_prospect_decode(data, size), *q;
	GBytes *b;

	if (p == NULL)
		return;
	CHECK(p->address != NULL);
	b = cad_rec_prospect_encode(p);
	q = cad_rec_prospect_decode(g_bytes_get_data(b, NULL),
	                            g_bytes_get_size(b));
	CHECK(q != NULL);
	CHECK(g_strcmp0(p->address, q->address) == 0);
	CHECK(g_strcmp0(p->first_name, q->first_name) == 0);
	CHECK(g_strcmp0(p->last_name, q->last_name) == 0);
	CHECK(g_strcmp0(p->company, q->company) == 0);
	CHECK(g_strcmp0(p->title, q->title) == 0);
	CHECK(g_strcmp0(p->timezone, q->timezone) == 0);
	CHECK(p->created == q->created && p->soft_bounces == q->soft_bounces);
	CHECK(fields_equal(p->fields, q->fields));
	(void)cad_prospect_field(q, "first_name");
	(void)cad_prospect_field(q, "email");
	g_bytes_unref(b);
	cad_prospect_free(p);
	cad_prospect_free(q);
}

/* Encode, decode, encode: the two encodings are the same bytes. */
static void
enrollment(const uint8_t *data, size_t size)
{
	cad_enrollment *e = cad_rec_enrollment_decode(data, size), *f;
	GBytes *b, *c;

	if (e == NULL)
		return;
	CHECK(e->address != NULL && e->cadence != NULL && e->rep != NULL);
	CHECK((unsigned)e->state < CAD_STATE_COUNT);
	CHECK(e->step_status <= CAD_STEP_SENDING);
	(void)cad_state_name(e->state);
	g_free(cad_enrollment_last_msgid(e));
	b = cad_rec_enrollment_encode(e);
	f = cad_rec_enrollment_decode(g_bytes_get_data(b, NULL),
	                              g_bytes_get_size(b));
	CHECK(f != NULL);
	c = cad_rec_enrollment_encode(f);
	CHECK(same_bytes(b, c));
	CHECK(e->id == f->id && e->state == f->state && e->step == f->step);
	CHECK(g_strcmp0(e->verp_token, f->verp_token) == 0);
	CHECK(g_strcmp0(e->thread_refs, f->thread_refs) == 0);
	g_bytes_unref(b);
	g_bytes_unref(c);
	cad_enrollment_free(e);
	cad_enrollment_free(f);
}

static void
event(const uint8_t *data, size_t size)
{
	cad_event *ev = cad_rec_event_decode(data, size), *ev2;
	GBytes *b;

	if (ev == NULL)
		return;
	CHECK(ev->type != NULL && ev->detail != NULL);
	b = cad_rec_event_encode(ev->enrollment, ev->type, ev->step,
	                         ev->detail);
	ev2 = cad_rec_event_decode(g_bytes_get_data(b, NULL),
	                           g_bytes_get_size(b));
	CHECK(ev2 != NULL && ev2->enrollment == ev->enrollment &&
	      ev2->step == ev->step && strcmp(ev2->type, ev->type) == 0 &&
	      strcmp(ev2->detail, ev->detail) == 0);
	g_bytes_unref(b);
	cad_event_free(ev);
	cad_event_free(ev2);
}

static void
notice(const uint8_t *data, size_t size)
{
	cad_notice *n = cad_rec_notice_decode(data, size), *m;
	GBytes *b;

	if (n == NULL)
		return;
	CHECK(n->rep != NULL && n->subject != NULL && n->body != NULL);
	b = cad_rec_notice_encode(n->rep, n->subject, n->body, n->enrollment);
	m = cad_rec_notice_decode(g_bytes_get_data(b, NULL),
	                          g_bytes_get_size(b));
	CHECK(m != NULL && m->enrollment == n->enrollment &&
	      strcmp(m->rep, n->rep) == 0 &&
	      strcmp(m->subject, n->subject) == 0 &&
	      strcmp(m->body, n->body) == 0);
	g_bytes_unref(b);
	cad_notice_free(n);
	cad_notice_free(m);
}

static void
small_records(const uint8_t *data, size_t size)
{
	char *reason = NULL, *source = NULL;
	gint64 t, w;
	guint64 id, count;
	guint32 n;
	gboolean ok = cad_rec_suppress_decode(data, size, &reason, &source, &t);

	if (ok) {
		GBytes *b = cad_rec_suppress_encode(reason, source, t);
		char *r2 = NULL, *s2 = NULL;
		gint64 t2;
		CHECK(reason != NULL && source != NULL);
		CHECK(cad_rec_suppress_decode(g_bytes_get_data(b, NULL),
		                              g_bytes_get_size(b), &r2, &s2,
		                              &t2));
		CHECK(strcmp(r2, reason) == 0 && strcmp(s2, source) == 0 &&
		      t2 == t);
		g_bytes_unref(b);
		g_free(r2);
		g_free(s2);
		g_free(reason);
		g_free(source);
	}
	/* The outputs are optional: asking for none decides the same. */
	CHECK(cad_rec_suppress_decode(data, size, NULL, NULL, NULL) == ok);
	if (cad_rec_ref_decode(data, size, &id, &n)) {
		GBytes *b = cad_rec_ref_encode(id, n);
		CHECK(g_bytes_get_size(b) == size &&
		      memcmp(g_bytes_get_data(b, NULL), data, size) == 0);
		g_bytes_unref(b);
	}
	if (cad_rec_counter_decode(data, size, &w, &count)) {
		GBytes *b = cad_rec_counter_encode(w, count);
		CHECK(g_bytes_get_size(b) == size &&
		      memcmp(g_bytes_get_data(b, NULL), data, size) == 0);
		g_bytes_unref(b);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	prospect(data, size);
	enrollment(data, size);
	event(data, size);
	notice(data, size);
	small_records(data, size);
	return 0;
}
