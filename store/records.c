/*
 * records.c: the records of the store and their encoding. Each value is a
 * one-byte record version followed by its fields in order: integers as
 * little-endian fixed-width, strings as a length (LEB128) and the bytes.
 * A small hand-written codec, because GVariant cost 60% of an enrollment's
 * time (bench/bench_store). Values read back are bounds-checked field by
 * field, since a store is shared with other processes and outlives builds:
 * a record that does not decode exactly is refused, never half-read.
 */
#include "store/records.h"

#include <string.h>

#include "common/util.h"

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
		if (name != NULL &&
		    g_ascii_strcasecmp(name, state_names[i]) == 0) {
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
	p->fields =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
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
		*slot =
		    value != NULL && *value != '\0' ? g_strdup(value) : NULL;
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

#define S(x)        ((x) != NULL ? (x) : "")
/* No string in a record is longer (a References chain is the longest). */
#define REC_STR_MAX (1 << 20)

typedef struct {
	GByteArray *b;
} wbuf;

static void
w_init(wbuf *w)
{
	guint8 v = CAD_RECORD_VERSION;

	w->b = g_byte_array_sized_new(256);
	g_byte_array_append(w->b, &v, 1);
}

static void
w_u64(wbuf *w, guint64 v)
{
	guint8 b[8];

	for (int i = 0; i < 8; i++, v >>= 8)
		b[i] = (guint8)(v & 0xff);
	g_byte_array_append(w->b, b, 8);
}

static void
w_u32(wbuf *w, guint32 v)
{
	guint8 b[4];

	for (int i = 0; i < 4; i++, v >>= 8)
		b[i] = (guint8)(v & 0xff);
	g_byte_array_append(w->b, b, 4);
}

static void
w_str(wbuf *w, const char *s)
{
	gsize n = s != NULL ? MIN(strlen(s), (gsize)REC_STR_MAX) : 0;
	guint8 b[5];
	int i = 0;

	for (gsize v = n;; i++) {
		b[i] = (guint8)(v & 0x7f);
		v >>= 7;
		if (v == 0)
			break;
		b[i] |= 0x80;
	}
	g_byte_array_append(w->b, b, (guint)i + 1);
	if (n > 0)
		g_byte_array_append(w->b, (const guint8 *)s, (guint)n);
}

static GBytes *
w_end(wbuf *w)
{
	return g_byte_array_free_to_bytes(w->b);
}

typedef struct {
	const guint8 *p, *end;
	gboolean bad;
} rbuf;

static gboolean
r_init(rbuf *r, const void *data, gsize len)
{
	const guint8 *p = data;

	r->bad = len < 1 || p[0] != CAD_RECORD_VERSION;
	r->p = p + 1;
	r->end = p + len;
	return !r->bad;
}

static guint64
r_u64(rbuf *r)
{
	guint64 v = 0;

	if (r->bad || r->end - r->p < 8) {
		r->bad = TRUE;
		return 0;
	}
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | r->p[i];
	r->p += 8;
	return v;
}

static guint32
r_u32(rbuf *r)
{
	guint32 v = 0;

	if (r->bad || r->end - r->p < 4) {
		r->bad = TRUE;
		return 0;
	}
	for (int i = 3; i >= 0; i--)
		v = (v << 8) | r->p[i];
	r->p += 4;
	return v;
}

/* A string field; NULL for an empty one (and on error, with bad set). */
static char *
r_str(rbuf *r)
{
	gsize n = 0;
	int shift = 0;
	char *s;

	while (!r->bad) {
		if (r->p >= r->end || shift > 21) {
			r->bad = TRUE;
			return NULL;
		}
		n |= (gsize)(*r->p & 0x7f) << shift;
		shift += 7;
		if ((*r->p++ & 0x80) == 0)
			break;
	}
	if (r->bad || n > REC_STR_MAX || (gsize)(r->end - r->p) < n) {
		r->bad = TRUE;
		return NULL;
	}
	if (n == 0)
		return NULL;
	/* w_str never writes a NUL inside a string: one means the bytes are
	 * no record of ours, and as a C string the field would end there
	 * (an address cut short, the rest lost). */
	if (memchr(r->p, '\0', n) != NULL) {
		r->bad = TRUE;
		return NULL;
	}
	s = g_strndup((const char *)r->p, n);
	r->p += n;
	return s;
}

/* TRUE when every byte was read and nothing was out of bounds. */
static gboolean
r_done(rbuf *r)
{
	return !r->bad && r->p == r->end;
}

/* Most free fields a prospect carries (CSV columns beyond the named). */
#define REC_FIELDS_MAX 256

GBytes *
cad_rec_prospect_encode(const cad_prospect *p)
{
	GHashTableIter it;
	gpointer k, v;
	wbuf w;

	w_init(&w);
	w_str(&w, p->address);
	w_str(&w, p->first_name);
	w_str(&w, p->last_name);
	w_str(&w, p->company);
	w_str(&w, p->title);
	w_str(&w, p->timezone);
	w_u64(&w, (guint64)p->created);
	w_u32(&w, p->soft_bounces);
	w_u32(&w, p->fields != NULL
	              ? MIN(g_hash_table_size(p->fields), REC_FIELDS_MAX)
	              : 0);
	if (p->fields != NULL) {
		guint n = 0;
		g_hash_table_iter_init(&it, p->fields);
		while (g_hash_table_iter_next(&it, &k, &v) &&
		       n++ < REC_FIELDS_MAX) {
			w_str(&w, k);
			w_str(&w, v);
		}
	}
	return w_end(&w);
}

cad_prospect *
cad_rec_prospect_decode(const void *data, gsize len)
{
	cad_prospect *p;
	guint32 n;
	rbuf r;

	if (!r_init(&r, data, len))
		return NULL;
	p = cad_prospect_new(NULL);
	p->address = r_str(&r);
	p->first_name = r_str(&r);
	p->last_name = r_str(&r);
	p->company = r_str(&r);
	p->title = r_str(&r);
	p->timezone = r_str(&r);
	p->created = (gint64)r_u64(&r);
	p->soft_bounces = r_u32(&r);
	n = r_u32(&r);
	if (n > REC_FIELDS_MAX)
		r.bad = TRUE;
	for (guint32 i = 0; i < n && !r.bad; i++) {
		char *k = r_str(&r), *v = r_str(&r);
		if (k != NULL && v != NULL) {
			g_hash_table_replace(p->fields, k, v);
		} else {
			g_free(k);
			g_free(v);
		}
	}
	if (!r_done(&r) || p->address == NULL) {
		cad_prospect_free(p);
		return NULL;
	}
	return p;
}

/*
 * One random token per enrollment is stored; the VERP, unsubscribe and
 * task tokens are that token behind a purpose letter (b, u, t), so the
 * tokens database needs one entry per enrollment, not three.
 */
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
	wbuf w;

	w_init(&w);
	w_u64(&w, e->id);
	w_str(&w, e->address);
	w_str(&w, e->cadence);
	w_str(&w, e->rep);
	w_u32(&w, (guint32)e->state);
	w_u32(&w, e->step);
	w_u32(&w, (guint32)e->step_status);
	w_u64(&w, (guint64)e->enrolled_at);
	w_u64(&w, (guint64)e->next_due);
	w_u64(&w, (guint64)e->paused_until);
	w_u32(&w, e->attempts);
	w_u32(&w, e->soft_bounces);
	w_str(&w, e->thread_subject);
	w_str(&w, e->thread_refs);
	w_str(&w, e->sending_msgid);
	w_str(&w, e->verp_token != NULL ? e->verp_token + 1 : NULL);
	w_str(&w, e->last_error);
	return w_end(&w);
}

cad_enrollment *
cad_rec_enrollment_decode(const void *data, gsize len)
{
	cad_enrollment *e;
	guint32 state, status;
	g_autofree char *token = NULL;
	rbuf r;

	if (!r_init(&r, data, len))
		return NULL;
	e = g_new0(cad_enrollment, 1);
	e->id = r_u64(&r);
	e->address = r_str(&r);
	e->cadence = r_str(&r);
	e->rep = r_str(&r);
	state = r_u32(&r);
	e->step = r_u32(&r);
	status = r_u32(&r);
	e->enrolled_at = (gint64)r_u64(&r);
	e->next_due = (gint64)r_u64(&r);
	e->paused_until = (gint64)r_u64(&r);
	e->attempts = r_u32(&r);
	e->soft_bounces = r_u32(&r);
	e->thread_subject = r_str(&r);
	e->thread_refs = r_str(&r);
	e->sending_msgid = r_str(&r);
	token = r_str(&r);
	e->last_error = r_str(&r);
	if (!r_done(&r) || state >= CAD_STATE_COUNT ||
	    status > CAD_STEP_SENDING || e->address == NULL) {
		cad_enrollment_free(e);
		return NULL;
	}
	e->state = (cad_state)state;
	e->step_status = (cad_step_status)status;
	if (e->cadence == NULL)
		e->cadence = g_strdup("");
	if (e->rep == NULL)
		e->rep = g_strdup("");
	if (token != NULL)
		cad_rec_enrollment_set_token(e, token);
	return e;
}

GBytes *
cad_rec_event_encode(guint64 enrollment, const char *type, guint32 step,
                     const char *detail)
{
	wbuf w;

	w_init(&w);
	w_u64(&w, enrollment);
	w_str(&w, type);
	w_u32(&w, step);
	w_str(&w, detail);
	return w_end(&w);
}

cad_event *
cad_rec_event_decode(const void *data, gsize len)
{
	cad_event *ev;
	rbuf r;

	if (!r_init(&r, data, len))
		return NULL;
	ev = g_new0(cad_event, 1);
	ev->enrollment = r_u64(&r);
	ev->type = r_str(&r);
	ev->step = r_u32(&r);
	ev->detail = r_str(&r);
	if (!r_done(&r) || ev->type == NULL) {
		cad_event_free(ev);
		return NULL;
	}
	if (ev->detail == NULL)
		ev->detail = g_strdup("");
	return ev;
}

GBytes *
cad_rec_notice_encode(const char *rep, const char *subject, const char *body,
                      guint64 enrollment)
{
	wbuf w;

	w_init(&w);
	w_str(&w, rep);
	w_str(&w, subject);
	w_str(&w, body);
	w_u64(&w, enrollment);
	return w_end(&w);
}

cad_notice *
cad_rec_notice_decode(const void *data, gsize len)
{
	cad_notice *n;
	rbuf r;

	if (!r_init(&r, data, len))
		return NULL;
	n = g_new0(cad_notice, 1);
	n->rep = r_str(&r);
	n->subject = r_str(&r);
	n->body = r_str(&r);
	n->enrollment = r_u64(&r);
	if (!r_done(&r) || n->rep == NULL) {
		cad_notice_free(n);
		return NULL;
	}
	if (n->subject == NULL)
		n->subject = g_strdup("");
	if (n->body == NULL)
		n->body = g_strdup("");
	return n;
}

GBytes *
cad_rec_suppress_encode(const char *reason, const char *source, gint64 time)
{
	wbuf w;

	w_init(&w);
	w_str(&w, reason);
	w_str(&w, source);
	w_u64(&w, (guint64)time);
	return w_end(&w);
}

gboolean
cad_rec_suppress_decode(const void *data, gsize len, char **reason,
                        char **source, gint64 *time)
{
	g_autofree char *rs = NULL, *so = NULL;
	gint64 t;
	rbuf r;

	if (!r_init(&r, data, len))
		return FALSE;
	rs = r_str(&r);
	so = r_str(&r);
	t = (gint64)r_u64(&r);
	if (!r_done(&r))
		return FALSE;
	if (reason != NULL)
		*reason = rs != NULL ? g_steal_pointer(&rs) : g_strdup("");
	if (source != NULL)
		*source = so != NULL ? g_steal_pointer(&so) : g_strdup("");
	if (time != NULL)
		*time = t;
	return TRUE;
}

GBytes *
cad_rec_ref_encode(guint64 id, guint32 n)
{
	wbuf w;

	w_init(&w);
	w_u64(&w, id);
	w_u32(&w, n);
	return w_end(&w);
}

gboolean
cad_rec_ref_decode(const void *data, gsize len, guint64 *id, guint32 *n)
{
	guint64 i;
	guint32 m;
	rbuf r;

	if (!r_init(&r, data, len))
		return FALSE;
	i = r_u64(&r);
	m = r_u32(&r);
	if (!r_done(&r))
		return FALSE;
	if (id != NULL)
		*id = i;
	if (n != NULL)
		*n = m;
	return TRUE;
}

GBytes *
cad_rec_counter_encode(gint64 window, guint64 count)
{
	wbuf w;

	w_init(&w);
	w_u64(&w, (guint64)window);
	w_u64(&w, count);
	return w_end(&w);
}

gboolean
cad_rec_counter_decode(const void *data, gsize len, gint64 *window,
                       guint64 *count)
{
	rbuf r;
	gint64 w;
	guint64 c;

	if (!r_init(&r, data, len))
		return FALSE;
	w = (gint64)r_u64(&r);
	c = r_u64(&r);
	if (!r_done(&r))
		return FALSE;
	*window = w;
	*count = c;
	return TRUE;
}
