/*
 * sched.c: step times in the prospect's time zone. Dates are counted with
 * GDate (pure calendar arithmetic, immune to DST), and turned into
 * instants with GDateTime in the zone, which resolves DST gaps.
 */
#include "core/sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The search for an open slot stops after this many days (a year and a
 * bit): a configuration with no open day at all must not loop for ever. */
#define SCHED_MAX_DAYS 400

void
cad_sched_init(cad_sched *s, const cad_conf *conf, const cad_cadence *c,
               const char *prospect_tz)
{
	const char *names[] = {prospect_tz, c != NULL ? c->timezone : NULL,
	                       conf->timezone, "UTC"};

	memset(s, 0, sizeof(*s));
	for (gsize i = 0; i < G_N_ELEMENTS(names) && s->tz == NULL; i++)
		if (names[i] != NULL && *names[i] != '\0')
			s->tz = g_time_zone_new_identifier(names[i]);
	if (s->tz == NULL)
		s->tz = g_time_zone_new_utc();
	s->window = c != NULL && c->has_window ? c->window : conf->window;
	if (s->window.end_min <= s->window.start_min) {
		s->window.start_min = 0;
		s->window.end_min = 24 * 60;
	}
	s->days = c != NULL && c->days != 0 ? c->days : conf->days;
	if (s->days == 0)
		s->days = 0x7f;
	s->holidays = conf->holidays;
	s->business_days = c != NULL && c->business_days;
	s->jitter_minutes = conf->jitter_minutes;
}

void
cad_sched_clear(cad_sched *s)
{
	if (s->tz != NULL)
		g_time_zone_unref(s->tz);
	s->tz = NULL;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static gboolean
date_open(const cad_sched *s, const GDate *d)
{
	int dow = g_date_get_weekday(d); /* 1 = Monday .. 7 = Sunday */
	char buf[16];
	const char *key = buf;

	if ((s->days & (1u << (dow - 1))) == 0)
		return FALSE;
	if (s->holidays == NULL || s->holidays[0] == NULL)
		return TRUE;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", g_date_get_year(d),
	         g_date_get_month(d), g_date_get_day(d));
	return bsearch(&key, s->holidays, g_strv_length(s->holidays),
	               sizeof(char *), str_cmp) == NULL;
}

static void
local_date(const cad_sched *s, gint64 t, GDate *out)
{
	g_autoptr(GDateTime) u = g_date_time_new_from_unix_utc(t);
	g_autoptr(GDateTime) l = g_date_time_to_timezone(u, s->tz);

	g_date_clear(out, 1);
	g_date_set_dmy(out, (GDateDay)g_date_time_get_day_of_month(l),
	               (GDateMonth)g_date_time_get_month(l),
	               (GDateYear)g_date_time_get_year(l));
}

/* The instant of minute `min` after local midnight of date d. */
static gint64
local_instant(const cad_sched *s, const GDate *d, int min)
{
	g_autoptr(GDateTime) dt = NULL;

	if (min >= 24 * 60) {
		GDate next = *d;
		g_date_add_days(&next, 1);
		return local_instant(s, &next, min - 24 * 60);
	}
	dt = g_date_time_new(s->tz, g_date_get_year(d), g_date_get_month(d),
	                     g_date_get_day(d), min / 60, min % 60, 0);
	return g_date_time_to_unix(dt);
}

gint64
cad_sched_next_slot(const cad_sched *s, gint64 t)
{
	GDate d;

	local_date(s, t, &d);
	for (int i = 0; i < SCHED_MAX_DAYS; i++) {
		if (date_open(s, &d)) {
			gint64 start =
			    local_instant(s, &d, s->window.start_min);
			gint64 end = local_instant(s, &d, s->window.end_min);
			if (t < start)
				return start;
			if (t < end)
				return t;
		}
		g_date_add_days(&d, 1);
	}
	return t;
}

gboolean
cad_sched_in_window(const cad_sched *s, gint64 t)
{
	return cad_sched_next_slot(s, t) == t;
}

gint64
cad_sched_step_time(const cad_sched *s, gint64 enrolled_at, int step_day,
                    guint32 seed)
{
	GDate d;
	gint64 slot, end, span, jitter;
	int left = MAX(step_day - 1, 0);

	local_date(s, enrolled_at, &d);
	if (s->business_days) {
		for (int i = 0; left > 0 && i < SCHED_MAX_DAYS * 2; i++) {
			g_date_add_days(&d, 1);
			if (date_open(s, &d))
				left--;
		}
	} else {
		g_date_add_days(&d, (guint)left);
	}
	slot =
	    cad_sched_next_slot(s, local_instant(s, &d, s->window.start_min));
	if (s->jitter_minutes <= 0)
		return slot;
	/* Jitter stays inside the window of the slot's day. */
	local_date(s, slot, &d);
	end = local_instant(s, &d, s->window.end_min);
	span = MIN((gint64)s->jitter_minutes * 60, end - slot - 60);
	if (span <= 0)
		return slot;
	jitter = (gint64)(seed % (guint32)(span + 1));
	return slot + jitter;
}

char *
cad_sched_local_date(const cad_sched *s, gint64 t)
{
	GDate d;

	local_date(s, t, &d);
	return g_strdup_printf("%04d-%02d-%02d", g_date_get_year(&d),
	                       g_date_get_month(&d), g_date_get_day(&d));
}
