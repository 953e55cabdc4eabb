/*
 * throttle.c: caps over the store's counters (cad_store_throttle_get/add,
 * one counter per key and window) and, for the least gap between sends
 * of a rep, the time of the rep's last send in the store's meta table.
 * See throttle.h.
 */
#include "core/throttle.h"

#include <string.h>

#include "common/util.h"

#define MINUTE 60
#define HOUR   3600
#define DAY    86400

struct cad_throttle {
	const cad_conf *conf;
	GHashTable *pending; /* key "window:key" -> count, taken in memory */
	GHashTable *last;    /* rep -> last send time taken in memory */
	GHashTable *zones;   /* rep -> GTimeZone*, for its daily window */
};

cad_throttle *
cad_throttle_new(const cad_conf *conf)
{
	cad_throttle *t = g_new0(cad_throttle, 1);

	t->conf = conf;
	t->pending =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	t->last = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	t->zones = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                 (GDestroyNotify)g_time_zone_unref);
	return t;
}

void
cad_throttle_free(cad_throttle *t)
{
	if (t == NULL)
		return;
	g_hash_table_unref(t->pending);
	g_hash_table_unref(t->last);
	g_hash_table_unref(t->zones);
	g_free(t);
}

void
cad_throttle_reset(cad_throttle *t)
{
	g_hash_table_remove_all(t->pending);
	g_hash_table_remove_all(t->last);
}

/* rep_zone - the rep's time zone, else [sender] timezone, else UTC. */
static GTimeZone *
rep_zone(cad_throttle *t, const char *rep)
{
	GTimeZone *tz = g_hash_table_lookup(t->zones, rep);
	const cad_rep *r;
	const char *name;

	if (tz != NULL)
		return tz;
	r = cad_conf_rep(t->conf, rep);
	name =
	    r != NULL && r->timezone != NULL ? r->timezone : t->conf->timezone;
	tz = name != NULL ? g_time_zone_new_identifier(name) : NULL;
	if (tz == NULL)
		tz = g_time_zone_new_utc();
	g_hash_table_insert(t->zones, g_strdup(rep), tz);
	return tz;
}

/* day_bounds - start of the rep's local day holding now, and the next. */
static gint64
day_start(cad_throttle *t, const char *rep, gint64 now, gint64 *next)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(now);
	g_autoptr(GDateTime) local =
	    g_date_time_to_timezone(dt, rep_zone(t, rep));
	g_autoptr(GDateTime) mid =
	    g_date_time_new(rep_zone(t, rep), g_date_time_get_year(local),
	                    g_date_time_get_month(local),
	                    g_date_time_get_day_of_month(local), 0, 0, 0);
	g_autoptr(GDateTime) tomorrow = g_date_time_add_days(mid, 1);

	*next = g_date_time_to_unix(tomorrow);
	return g_date_time_to_unix(mid);
}

static char *
pending_key(const char *key, gint64 window)
{
	return g_strdup_printf("%" G_GINT64_FORMAT ":%s", window, key);
}

/* count - the sends of key in window: the store's plus those taken. */
static gboolean
count(cad_throttle *t, cad_txn *txn, const char *key, gint64 window, guint64 *n,
      GError **error)
{
	g_autofree char *pk = pending_key(key, window);

	if (!cad_store_throttle_get(txn, key, window, n, error))
		return FALSE;
	*n += GPOINTER_TO_UINT(g_hash_table_lookup(t->pending, pk));
	return TRUE;
}

static void
take(cad_throttle *t, const char *key, gint64 window)
{
	char *pk = pending_key(key, window);
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(t->pending, pk));

	g_hash_table_insert(t->pending, pk, GUINT_TO_POINTER(n + 1));
}

static char *
last_key(const char *rep)
{
	return g_strconcat("sender.last_send:", rep, NULL);
}

/* last_send - the rep's last send: the store's or one taken since. */
static gboolean
last_send(cad_throttle *t, cad_txn *txn, const char *rep, gint64 *last,
          GError **error)
{
	g_autofree char *k = last_key(rep);
	g_autoptr(GError) err = NULL;
	guint64 v = 0;
	gint64 mem = GPOINTER_TO_SIZE(g_hash_table_lookup(t->last, rep));

	if (!cad_store_meta_get(txn, k, &v, &err)) {
		if (!g_error_matches(err, CAD_STORE_ERROR,
		                     CAD_STORE_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&err));
			return FALSE;
		}
		v = 0; /* the rep never sent */
	}
	*last = MAX((gint64)v, mem);
	return TRUE;
}

/* block - note a blocking cap: the latest retry time wins. */
static void
block(gint64 when, const char *name, gint64 *retry, const char **why)
{
	if (*why == NULL)
		*why = name;
	*retry = MAX(*retry, when);
}

/* The caps a send counts under: the counter keys and their windows. */
typedef struct {
	const char *name;
	gint64 start, next; /* the window holding now, and the next one */
	int cap;
	char *key;
} cap_window;

static guint
caps_of(cad_throttle *t, const char *rep, const char *domain, gint64 now,
        cap_window out[3])
{
	const cad_conf *c = t->conf;
	guint n = 0;

	if (c->daily_cap_per_rep > 0) {
		out[n] = (cap_window){"daily_cap_per_rep", 0, 0,
		                      c->daily_cap_per_rep,
		                      g_strconcat("rep:", rep, NULL)};
		out[n].start = day_start(t, rep, now, &out[n].next);
		n++;
	}
	if (c->rate_per_minute > 0)
		out[n++] = (cap_window){"rate_per_minute", now - now % MINUTE,
		                        now - now % MINUTE + MINUTE,
		                        c->rate_per_minute, g_strdup("global")};
	if (c->domain_rate_per_hour > 0)
		out[n++] = (cap_window){
		    "domain_rate_per_hour", now - now % HOUR,
		    now - now % HOUR + HOUR, c->domain_rate_per_hour,
		    g_strconcat("domain:", domain, NULL)};
	return n;
}

static void
caps_clear(cap_window *w, guint n)
{
	for (guint i = 0; i < n; i++)
		g_free(w[i].key);
}

gboolean
cad_throttle_allow(cad_throttle *t, cad_txn *txn, const char *rep,
                   const char *domain, gint64 now, gboolean *allowed,
                   gint64 *retry_at, const char **why, GError **error)
{
	const cad_conf *c = t->conf;
	cap_window caps[3];
	guint n = caps_of(t, rep, domain, now, caps);
	const char *w = NULL;
	gint64 retry = 0, last = 0;
	gboolean ok = TRUE;

	for (guint i = 0; ok && i < n; i++) {
		guint64 sent = 0;
		ok = count(t, txn, caps[i].key, caps[i].start, &sent, error);
		if (ok && sent >= (guint64)caps[i].cap)
			block(caps[i].next, caps[i].name, &retry, &w);
	}
	caps_clear(caps, n);
	if (ok && c->min_gap_seconds > 0) {
		ok = last_send(t, txn, rep, &last, error);
		if (ok && last > 0 && now < last + c->min_gap_seconds)
			block(last + c->min_gap_seconds, "min_gap_seconds",
			      &retry, &w);
	}
	if (!ok)
		return FALSE;
	if (retry_at != NULL)
		*retry_at = retry;
	if (why != NULL)
		*why = w;
	*allowed = w == NULL;
	return TRUE;
}

void
cad_throttle_take(cad_throttle *t, const char *rep, const char *domain,
                  gint64 now)
{
	cap_window caps[3];
	guint n = caps_of(t, rep, domain, now, caps);

	for (guint i = 0; i < n; i++)
		take(t, caps[i].key, caps[i].start);
	caps_clear(caps, n);
	if (t->conf->min_gap_seconds > 0)
		g_hash_table_insert(t->last, g_strdup(rep),
		                    GSIZE_TO_POINTER((gsize)now));
}

gboolean
cad_throttle_record(cad_throttle *t, cad_txn *txn, const char *rep,
                    const char *domain, gint64 now, GError **error)
{
	cap_window caps[3];
	guint n = caps_of(t, rep, domain, now, caps);
	gboolean ok = TRUE;

	for (guint i = 0; ok && i < n; i++)
		ok = cad_store_throttle_add(txn, caps[i].key, caps[i].start, 1,
		                            error);
	caps_clear(caps, n);
	if (ok && t->conf->min_gap_seconds > 0) {
		g_autofree char *k = last_key(rep);
		ok = cad_store_meta_put(txn, k, (guint64)now, error);
	}
	return ok;
}
