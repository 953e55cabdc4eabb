/*
 * throttle.c: caps over the store's counters (cad_store_throttle_get/add,
 * one counter per key and window) and, for the least gap between sends
 * of a rep, the time of the rep's last send in the store's meta table.
 */
#include "sender/throttle.h"

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

static guint64
count(cad_throttle *t, cad_txn *txn, const char *key, gint64 window)
{
	g_autofree char *pk = pending_key(key, window);

	return cad_store_throttle_get(txn, key, window) +
	       GPOINTER_TO_UINT(g_hash_table_lookup(t->pending, pk));
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

static gint64
last_send(cad_throttle *t, cad_txn *txn, const char *rep)
{
	g_autofree char *k = last_key(rep);
	guint64 v = 0;
	gint64 mem = GPOINTER_TO_SIZE(g_hash_table_lookup(t->last, rep));

	cad_store_meta_get(txn, k, &v);
	return MAX((gint64)v, mem);
}

/* block - note a blocking cap: the latest retry time wins. */
static void
block(gint64 when, const char *name, gint64 *retry, const char **why)
{
	if (*why == NULL)
		*why = name;
	*retry = MAX(*retry, when);
}

gboolean
cad_throttle_allow(cad_throttle *t, cad_txn *txn, const char *rep,
                   const char *domain, gint64 now, gint64 *retry_at,
                   const char **why)
{
	const cad_conf *c = t->conf;
	g_autofree char *rk = g_strconcat("rep:", rep, NULL);
	g_autofree char *dk = g_strconcat("domain:", domain, NULL);
	const char *w = NULL;
	gint64 retry = 0;

	if (c->daily_cap_per_rep > 0) {
		gint64 next, start = day_start(t, rep, now, &next);
		if (count(t, txn, rk, start) >= (guint64)c->daily_cap_per_rep)
			block(next, "daily_cap_per_rep", &retry, &w);
	}
	if (c->rate_per_minute > 0) {
		gint64 start = now - now % MINUTE;
		if (count(t, txn, "global", start) >=
		    (guint64)c->rate_per_minute)
			block(start + MINUTE, "rate_per_minute", &retry, &w);
	}
	if (c->domain_rate_per_hour > 0) {
		gint64 start = now - now % HOUR;
		if (count(t, txn, dk, start) >=
		    (guint64)c->domain_rate_per_hour)
			block(start + HOUR, "domain_rate_per_hour", &retry, &w);
	}
	if (c->min_gap_seconds > 0) {
		gint64 last = last_send(t, txn, rep);
		if (last > 0 && now < last + c->min_gap_seconds)
			block(last + c->min_gap_seconds, "min_gap_seconds",
			      &retry, &w);
	}
	if (retry_at != NULL)
		*retry_at = retry;
	if (why != NULL)
		*why = w;
	return w == NULL;
}

void
cad_throttle_take(cad_throttle *t, const char *rep, const char *domain,
                  gint64 now)
{
	const cad_conf *c = t->conf;
	g_autofree char *rk = g_strconcat("rep:", rep, NULL);
	g_autofree char *dk = g_strconcat("domain:", domain, NULL);
	gint64 next;

	if (c->daily_cap_per_rep > 0)
		take(t, rk, day_start(t, rep, now, &next));
	if (c->rate_per_minute > 0)
		take(t, "global", now - now % MINUTE);
	if (c->domain_rate_per_hour > 0)
		take(t, dk, now - now % HOUR);
	if (c->min_gap_seconds > 0)
		g_hash_table_insert(t->last, g_strdup(rep),
		                    GSIZE_TO_POINTER((gsize)now));
}

gboolean
cad_throttle_record(cad_throttle *t, cad_txn *txn, const char *rep,
                    const char *domain, gint64 now, GError **error)
{
	const cad_conf *c = t->conf;
	g_autofree char *rk = g_strconcat("rep:", rep, NULL);
	g_autofree char *dk = g_strconcat("domain:", domain, NULL);
	gint64 next;

	if (c->daily_cap_per_rep > 0 &&
	    !cad_store_throttle_add(txn, rk, day_start(t, rep, now, &next), 1,
	                            error))
		return FALSE;
	if (c->rate_per_minute > 0 &&
	    !cad_store_throttle_add(txn, "global", now - now % MINUTE, 1,
	                            error))
		return FALSE;
	if (c->domain_rate_per_hour > 0 &&
	    !cad_store_throttle_add(txn, dk, now - now % HOUR, 1, error))
		return FALSE;
	if (c->min_gap_seconds > 0) {
		g_autofree char *k = last_key(rep);
		if (!cad_store_meta_put(txn, k, (guint64)now, error))
			return FALSE;
	}
	return TRUE;
}
