/*
 * records.c: the records of the store and their encoding. Each value is a
 * one-byte record version followed by a serialized GVariant; values read
 * back are checked (version, type, normal form) before use, since a store
 * is shared with other processes and outlives builds.
 */
#include <string.h>

#include "common/util.h"
#include "store/records.h"

static const char *const state_names[CAD_STATE_COUNT] = {
	[CAD_STATE_ACTIVE] = "active",
	[CAD_STATE_PAUSED] = "paused",
	[CAD_STATE_WAITING] = "waiting",
	[CAD_STATE_REPLIED] = "replied",
	[CAD_STATE_BOUNCED] = "bounced",
	[CAD_STATE_UNSUBSCRIBED] = "unsubscribed",
	[CAD_STATE_COMPLETED] = "completed",
	[CAD_STATE_STOPPED] = "stopped",
};

const char *
cad_state_name(cad_state s)
{
	if ((unsigned)s >= CAD_STATE_COUNT)
		return "unknown";
	return state_names[s];
}

gboolean
cad_state_parse(const char *name, cad_state *out)
{
	for (int i = 0; i < CAD_STATE_COUNT; i++) {
		if (name != NULL && g_ascii_strcasecmp(name, state_names[i]) == 0) {
			*out = (cad_state)i;
			return TRUE;
		}
	}
	return FALSE;
}

gboolean
cad_state_is_final(cad_state s)
{
	return s != CAD_STATE_ACTIVE && s != CAD_STATE_PAUSED &&
	    s != CAD_STATE_WAITING;
}

/* ---- memory ---- */

cad_prospect *
cad_prospect_new(const char *address)
{
	cad_prospect *p = g_new0(cad_prospect, 1);

	p->address = g_strdup(address);
	p->fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	return p;
}

void
cad_prospect_free(cad_prospect *p)
{
	if (p == NULL)
		return;
	g_free(p->address);
	g_free(p->first_name);
	g_free(p->last_name);
	g_free(p->company);
	g_free(p->title);
	g_free(p->timezone);
	if (p->fields != NULL)
		g_hash_table_unref(p->fields);
	g_free(p);
}

static char **
prospect_slot(cad_prospect *p, const char *name)
{
	if (strcmp(name, "first_name") == 0)
		return &p->first_name;
	if (strcmp(name, "last_name") == 0)
		return &p->last_name;
	if (strcmp(name, "company") == 0)
		return &p->company;
	if (strcmp(name, "title") == 0)
		return &p->title;
	if (strcmp(name, "timezone") == 0)
		return &p->timezone;
	return NULL;
}

const char *
cad_prospect_field(const cad_prospect *p, const char *name)
{
	const char *v;
	char **slot;

	if (strcmp(name, "email") == 0 || strcmp(name, "address") == 0)
		return p->address;
	slot = prospect_slot((cad_prospect *)p, name);
	if (slot != NULL)
		v = *slot;
	else
		v = p->fields != NULL ? g_hash_table_lookup(p->fields, name)
				      : NULL;
	return v != NULL && *v != '\0' ? v : NULL;
}

void
cad_prospect_set_field(cad_prospect *p, const char *name, const char *value)
{
	char **slot = prospect_slot(p, name);

	if (strcmp(name, "email") == 0 || strcmp(name, "address") == 0)
		return;
	if (slot != NULL) {
		g_free(*slot);
		*slot = value != NULL && *value != '\0' ? g_strdup(value)
							: NULL;
		return;
	}
	if (value == NULL || *value == '\0')
		g_hash_table_remove(p->fields, name);
	else
		g_hash_table_replace(p->fields, g_strdup(name),
		    g_strdup(value));
}

void
cad_enrollment_free(cad_enrollment *e)
{
	if (e == NULL)
		return;
	g_free(e->address);
	g_free(e->cadence);
	g_free(e->rep);
	g_free(e->thread_subject);
	g_free(e->thread_refs);
	g_free(e->sending_msgid);
	g_free(e->verp_token);
	g_free(e->unsub_token);
	g_free(e->task_token);
	g_free(e->last_error);
	g_free(e);
}

cad_enrollment *
cad_enrollment_copy(const cad_enrollment *e)
{
	cad_enrollment *c = g_new(cad_enrollment, 1);

	*c = *e;
	c->address = g_strdup(e->address);
	c->cadence = g_strdup(e->cadence);
	c->rep = g_strdup(e->rep);
	c->thread_subject = g_strdup(e->thread_subject);
	c->thread_refs = g_strdup(e->thread_refs);
	c->sending_msgid = g_strdup(e->sending_msgid);
	c->verp_token = g_strdup(e->verp_token);
	c->unsub_token = g_strdup(e->unsub_token);
	c->task_token = g_strdup(e->task_token);
	c->last_error = g_strdup(e->last_error);
	return c;
}

char *
cad_enrollment_last_msgid(const cad_enrollment *e)
{
	const char *refs = e->thread_refs, *lt;

	if (refs == NULL || (lt = strrchr(refs, '<')) == NULL)
		return NULL;
	return cad_msgid_strip(lt);
}

void
cad_event_free(cad_event *ev)
{
	if (ev == NULL)
		return;
	g_free(ev->type);
	g_free(ev->detail);
	g_free(ev);
}

void
cad_notice_free(cad_notice *n)
{
	if (n == NULL)
		return;
	g_free(n->rep);
	g_free(n->subject);
	g_free(n->body);
	g_free(n);
}

/* ---- encoding ---- */

#define S(x) ((x) != NULL ? (x) : "")

static GBytes *
rec_pack(GVariant *v)
{
	gsize n;
	guint8 *buf;

	g_variant_ref_sink(v);
	n = g_variant_get_size(v);
	buf = g_malloc(n + 1);
	buf[0] = CAD_RECORD_VERSION;
	/* Serialised data must be aligned: copy it out rather than store
	 * it at buf + 1. */
	memcpy(buf + 1, g_variant_get_data(v), n);
	g_variant_unref(v);
	return g_bytes_new_take(buf, n + 1);
}

/*
 * rec_unpack - check the version and type of a stored value and return
 * its GVariant (in normal form, so getters cannot be misled), or NULL.
 */
static GVariant *
rec_unpack(const void *data, gsize len, const char *type)
{
	const guint8 *p = data;
	GVariant *v, *n;
	GBytes *b;

	if (len < 1 || p[0] != CAD_RECORD_VERSION)
		return NULL;
	b = g_bytes_new(p + 1, len - 1);
	v = g_variant_new_from_bytes(G_VARIANT_TYPE(type), b, FALSE);
	g_bytes_unref(b);
	n = g_variant_get_normal_form(v);
	g_variant_unref(g_variant_ref_sink(v));
	return n;
}

static char *
opt(char *s)
{
	if (s != NULL && *s == '\0') {
		g_free(s);
		return NULL;
	}
	return s;
}

#define PROSPECT_T "(ssssssa{ss}xu)"

GBytes *
cad_rec_prospect_encode(const cad_prospect *p)
{
	GVariantBuilder fb;
	GHashTableIter it;
	gpointer k, v;

	g_variant_builder_init(&fb, G_VARIANT_TYPE("a{ss}"));
	if (p->fields != NULL) {
		g_hash_table_iter_init(&it, p->fields);
		while (g_hash_table_iter_next(&it, &k, &v))
			g_variant_builder_add(&fb, "{ss}", (char *)k,
			    (char *)v);
	}
	return rec_pack(g_variant_new(PROSPECT_T, S(p->address),
	    S(p->first_name), S(p->last_name), S(p->company), S(p->title),
	    S(p->timezone), &fb, (gint64)p->created, p->soft_bounces));
}

cad_prospect *
cad_rec_prospect_decode(const void *data, gsize len)
{
	GVariant *v = rec_unpack(data, len, PROSPECT_T);
	GVariantIter *fi;
	cad_prospect *p;
	char *k, *val;

	if (v == NULL)
		return NULL;
	p = cad_prospect_new(NULL);
	g_variant_get(v, PROSPECT_T, &p->address, &p->first_name,
	    &p->last_name, &p->company, &p->title, &p->timezone, &fi,
	    &p->created, &p->soft_bounces);
	p->first_name = opt(p->first_name);
	p->last_name = opt(p->last_name);
	p->company = opt(p->company);
	p->title = opt(p->title);
	p->timezone = opt(p->timezone);
	while (g_variant_iter_next(fi, "{ss}", &k, &val))
		g_hash_table_replace(p->fields, k, val);
	g_variant_iter_free(fi);
	g_variant_unref(v);
	return p;
}

/*
 * One random token per enrollment is stored; the VERP, unsubscribe and
 * task tokens are that token behind a purpose letter (b, u, t), so the
 * tokens database needs one entry per enrollment, not three.
 */
#define ENROLLMENT_T "(tsssuuuxxxuusssss)"

void
cad_rec_enrollment_set_token(cad_enrollment *e, const char *token)
{
	g_free(e->verp_token);
	g_free(e->unsub_token);
	g_free(e->task_token);
	e->verp_token = g_strconcat("b", token, NULL);
	e->unsub_token = g_strconcat("u", token, NULL);
	e->task_token = g_strconcat("t", token, NULL);
}

GBytes *
cad_rec_enrollment_encode(const cad_enrollment *e)
{
	return rec_pack(g_variant_new(ENROLLMENT_T, e->id, S(e->address),
	    S(e->cadence), S(e->rep), (guint32)e->state, e->step,
	    (guint32)e->step_status, (gint64)e->enrolled_at,
	    (gint64)e->next_due, (gint64)e->paused_until, e->attempts,
	    e->soft_bounces, S(e->thread_subject), S(e->thread_refs),
	    S(e->sending_msgid),
	    e->verp_token != NULL ? e->verp_token + 1 : "", S(e->last_error)));
}

cad_enrollment *
cad_rec_enrollment_decode(const void *data, gsize len)
{
	GVariant *v = rec_unpack(data, len, ENROLLMENT_T);
	cad_enrollment *e;
	guint32 state, status;
	char *token;

	if (v == NULL)
		return NULL;
	e = g_new0(cad_enrollment, 1);
	g_variant_get(v, ENROLLMENT_T, &e->id, &e->address, &e->cadence,
	    &e->rep, &state, &e->step, &status, &e->enrolled_at, &e->next_due,
	    &e->paused_until, &e->attempts, &e->soft_bounces,
	    &e->thread_subject, &e->thread_refs, &e->sending_msgid, &token,
	    &e->last_error);
	g_variant_unref(v);
	if (*token != '\0')
		cad_rec_enrollment_set_token(e, token);
	g_free(token);
	if (state >= CAD_STATE_COUNT || status > CAD_STEP_SENDING) {
		cad_enrollment_free(e);
		return NULL;
	}
	e->state = (cad_state)state;
	e->step_status = (cad_step_status)status;
	e->thread_subject = opt(e->thread_subject);
	e->thread_refs = opt(e->thread_refs);
	e->sending_msgid = opt(e->sending_msgid);
	e->last_error = opt(e->last_error);
	return e;
}

#define EVENT_T "(tsus)"

GBytes *
cad_rec_event_encode(guint64 enrollment, const char *type, guint32 step,
    const char *detail)
{
	return rec_pack(g_variant_new(EVENT_T, enrollment, S(type), step,
	    S(detail)));
}

cad_event *
cad_rec_event_decode(const void *data, gsize len)
{
	GVariant *v = rec_unpack(data, len, EVENT_T);
	cad_event *ev;

	if (v == NULL)
		return NULL;
	ev = g_new0(cad_event, 1);
	g_variant_get(v, EVENT_T, &ev->enrollment, &ev->type, &ev->step,
	    &ev->detail);
	g_variant_unref(v);
	return ev;
}

#define NOTICE_T "(ssst)"

GBytes *
cad_rec_notice_encode(const char *rep, const char *subject, const char *body,
    guint64 enrollment)
{
	return rec_pack(g_variant_new(NOTICE_T, S(rep), S(subject), S(body),
	    enrollment));
}

cad_notice *
cad_rec_notice_decode(const void *data, gsize len)
{
	GVariant *v = rec_unpack(data, len, NOTICE_T);
	cad_notice *n;

	if (v == NULL)
		return NULL;
	n = g_new0(cad_notice, 1);
	g_variant_get(v, NOTICE_T, &n->rep, &n->subject, &n->body,
	    &n->enrollment);
	g_variant_unref(v);
	return n;
}

#define SUPPRESS_T "(ssx)"

GBytes *
cad_rec_suppress_encode(const char *reason, const char *source, gint64 time)
{
	return rec_pack(g_variant_new(SUPPRESS_T, S(reason), S(source),
	    (gint64)time));
}

gboolean
cad_rec_suppress_decode(const void *data, gsize len, char **reason,
    char **source, gint64 *time)
{
	GVariant *v = rec_unpack(data, len, SUPPRESS_T);
	gint64 t;
	char *r, *s;

	if (v == NULL)
		return FALSE;
	g_variant_get(v, SUPPRESS_T, &r, &s, &t);
	g_variant_unref(v);
	if (reason != NULL)
		*reason = r;
	else
		g_free(r);
	if (source != NULL)
		*source = s;
	else
		g_free(s);
	if (time != NULL)
		*time = t;
	return TRUE;
}

#define REF_T "(tu)"

GBytes *
cad_rec_ref_encode(guint64 id, guint32 n)
{
	return rec_pack(g_variant_new(REF_T, id, n));
}

gboolean
cad_rec_ref_decode(const void *data, gsize len, guint64 *id, guint32 *n)
{
	GVariant *v = rec_unpack(data, len, REF_T);
	guint64 i;
	guint32 m;

	if (v == NULL)
		return FALSE;
	g_variant_get(v, REF_T, &i, &m);
	g_variant_unref(v);
	if (id != NULL)
		*id = i;
	if (n != NULL)
		*n = m;
	return TRUE;
}

#define COUNTER_T "(xt)"

GBytes *
cad_rec_counter_encode(gint64 window, guint64 count)
{
	return rec_pack(g_variant_new(COUNTER_T, (gint64)window, count));
}

gboolean
cad_rec_counter_decode(const void *data, gsize len, gint64 *window,
    guint64 *count)
{
	GVariant *v = rec_unpack(data, len, COUNTER_T);
	gint64 w;
	guint64 c;

	if (v == NULL)
		return FALSE;
	g_variant_get(v, COUNTER_T, &w, &c);
	g_variant_unref(v);
	*window = w;
	*count = c;
	return TRUE;
}
