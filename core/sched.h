/*
 * sched.h: when a step is due. A step's day is an offset from the day of
 * enrollment (step 1, the rep's own email, is day 1), counted in calendar
 * or business days in the prospect's time zone, then placed inside the
 * sending window on an allowed weekday that is not a holiday, with a small
 * deterministic jitter so steps do not all leave on the minute.
 * All arithmetic is done with GDateTime in the prospect's zone, so DST
 * changes and zones a day apart from the server come out right.
 */
#ifndef CAD_SCHED_H
#define CAD_SCHED_H

#include <glib.h>

#include "conf/conf.h"

typedef struct {
	GTimeZone *tz;
	cad_window window;
	guint8 days;     /* bit 0 Monday .. bit 6 Sunday */
	char **holidays; /* "YYYY-MM-DD" local dates; borrowed */
	gboolean business_days;
	int jitter_minutes;
} cad_sched;

/*
 * cad_sched_init - the schedule of a prospect in a cadence: the zone is the
 * prospect's (prospect_tz, may be NULL), else the cadence's, else
 * [sender] timezone; the window and days are the cadence's when it sets
 * them, else [sender]'s. An unknown zone name falls back to the next one.
 * Free with cad_sched_clear.
 */
void cad_sched_init(cad_sched *s, const cad_conf *conf, const cad_cadence *c,
                    const char *prospect_tz);
void cad_sched_clear(cad_sched *s);

/*
 * cad_sched_step_time - when a step of day step_day is due for an
 * enrollment made at enrolled_at: the local date enrolled_at falls on,
 * plus step_day - 1 calendar (or business) days, then the first open
 * slot from that day's window start, plus jitter chosen by seed (the
 * same seed gives the same time).
 */
gint64 cad_sched_step_time(const cad_sched *s, gint64 enrolled_at, int step_day,
                           guint32 seed);

/*
 * cad_sched_next_slot - the earliest time >= t inside the window on an
 * allowed day that is not a holiday (t itself when it already is).
 */
gint64 cad_sched_next_slot(const cad_sched *s, gint64 t);
gboolean cad_sched_in_window(const cad_sched *s, gint64 t);

/* Local date of t in s's zone as "YYYY-MM-DD"; caller frees. */
char *cad_sched_local_date(const cad_sched *s, gint64 t);

#endif
