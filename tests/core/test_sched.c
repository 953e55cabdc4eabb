/*
 * test_sched.c: schedule arithmetic in the prospect's time zone: windows,
 * weekends, holidays, business days, DST changes, zones a day apart from
 * the server, and jitter that stays inside the window.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "common/util.h"
#include "core/sched.h"

static cad_conf conf;
static char *holidays[3];

static void
setup(void)
{
	memset(&conf, 0, sizeof(conf));
	conf.timezone = "UTC";
	conf.window.start_min = 9 * 60;
	conf.window.end_min = 17 * 60;
	conf.days = 0x1f; /* mon-fri */
	holidays[0] = NULL;
	conf.holidays = holidays;
	conf.jitter_minutes = 0;
}

TestSuite(sched, .init = setup);

static gint64
at(const char *iso)
{
	gint64 t;

	cr_assert(cad_parse_time(iso, &t, NULL), "%s", iso);
	return t;
}

static char *
fmt(gint64 t)
{
	return cad_format_time(t);
}

static void
expect_step(const char *tz, const cad_cadence *c, const char *enrolled, int day,
            const char *want)
{
	cad_sched s;
	g_autofree char *got = NULL;

	cad_sched_init(&s, &conf, c, tz);
	got = fmt(cad_sched_step_time(&s, at(enrolled), day, 0));
	cad_sched_clear(&s);
	cr_assert_str_eq(got, want, "tz %s, enrolled %s, day %d", tz, enrolled,
	                 day);
}

Test(sched, day_offset_lands_at_window_start)
{
	/* Monday 2026-11-30 14:00 UTC, step on day 4: Thursday 09:00. */
	expect_step("UTC", NULL, "2026-11-30T14:00:00Z", 4,
	            "2026-12-03T09:00:00Z");
}

Test(sched, weekend_moves_to_monday)
{
	/* Enrolled Thursday; day 3 is Saturday: Monday 09:00. */
	expect_step("UTC", NULL, "2026-12-03T10:00:00Z", 3,
	            "2026-12-07T09:00:00Z");
}

Test(sched, holiday_is_skipped)
{
	holidays[0] = "2026-12-24";
	holidays[1] = "2026-12-25";
	holidays[2] = NULL;
	/* Tuesday 22nd + 2 days = Thursday 24th: holiday, then 25th, then
	 * the weekend: Monday 28th. */
	expect_step("UTC", NULL, "2026-12-22T10:00:00Z", 3,
	            "2026-12-28T09:00:00Z");
}

Test(sched, business_days_count_only_open_days)
{
	cad_cadence c = {.business_days = TRUE};

	/* Friday + 2 business days = Tuesday. */
	expect_step("UTC", &c, "2026-12-04T10:00:00Z", 3,
	            "2026-12-08T09:00:00Z");
	/* Calendar days from the same Friday: Sunday, moved to Monday. */
	c.business_days = FALSE;
	expect_step("UTC", &c, "2026-12-04T10:00:00Z", 3,
	            "2026-12-07T09:00:00Z");
}

Test(sched, prospect_zone_decides_the_local_day_and_hour)
{
	/* 2026-12-01 23:30 UTC is already Wednesday 2nd in Tokyo (+9):
	 * day 2 there is Thursday 3rd, 09:00 JST = 00:00 UTC. */
	expect_step("Asia/Tokyo", NULL, "2026-12-01T23:30:00Z", 2,
	            "2026-12-03T00:00:00Z");
	/* The same instant is still Tuesday 1st in Los Angeles (-8): day 2
	 * is Wednesday 2nd, 09:00 PST = 17:00 UTC. */
	expect_step("America/Los_Angeles", NULL, "2026-12-01T23:30:00Z", 2,
	            "2026-12-02T17:00:00Z");
}

Test(sched, across_dst_start_the_local_hour_holds)
{
	/* Berlin leaves CET (+1) for CEST (+2) on Sunday 2027-03-28. */
	expect_step("Europe/Berlin", NULL, "2027-03-25T10:00:00Z", 5,
	            "2027-03-29T07:00:00Z"); /* Monday 09:00 CEST */
	expect_step("Europe/Berlin", NULL, "2027-03-22T10:00:00Z", 2,
	            "2027-03-23T08:00:00Z"); /* Tuesday 09:00 CET */
}

Test(sched, across_dst_end_the_local_hour_holds)
{
	/* New York leaves EDT (-4) for EST (-5) on Sunday 2026-11-01. */
	expect_step("America/New_York", NULL, "2026-10-29T15:00:00Z", 5,
	            "2026-11-02T14:00:00Z"); /* Monday 09:00 EST */
}

Test(sched, window_inside_a_dst_gap_day)
{
	cad_sched s;
	gint64 t;

	/* A window opening at 02:30 on the day 02:00-03:00 does not exist
	 * still yields a real instant on that day. */
	conf.window.start_min = 2 * 60 + 30;
	conf.days = 0x7f;
	cad_sched_init(&s, &conf, NULL, "Europe/Berlin");
	t = cad_sched_step_time(&s, at("2027-03-27T12:00:00Z"), 2, 0);
	g_autofree char *d = cad_sched_local_date(&s, t);
	cad_sched_clear(&s);
	cr_assert_str_eq(d, "2027-03-28");
}

Test(sched, next_slot_inside_outside_and_after_window)
{
	cad_sched s;
	g_autofree char *a = NULL, *b = NULL, *c = NULL;

	cad_sched_init(&s, &conf, NULL, "UTC");
	a = fmt(cad_sched_next_slot(&s, at("2026-12-01T06:00:00Z")));
	b = fmt(cad_sched_next_slot(&s, at("2026-12-01T11:15:00Z")));
	c = fmt(cad_sched_next_slot(&s, at("2026-12-04T17:00:00Z")));
	cr_assert(cad_sched_in_window(&s, at("2026-12-01T16:59:00Z")));
	cr_assert_not(cad_sched_in_window(&s, at("2026-12-01T17:00:00Z")));
	cad_sched_clear(&s);
	cr_assert_str_eq(a, "2026-12-01T09:00:00Z", "before: window start");
	cr_assert_str_eq(b, "2026-12-01T11:15:00Z", "inside: now");
	cr_assert_str_eq(c, "2026-12-07T09:00:00Z",
	                 "Friday's end: Monday's start");
}

Test(sched, cadence_window_and_days_override_the_senders)
{
	cad_cadence c = {.has_window = TRUE,
	                 .window = {10 * 60, 16 * 60},
	                 .days = 0x0e /* tue-thu */};

	/* Monday enrollment, day 1 + 0: Monday is closed, so Tuesday 10:00. */
	expect_step("UTC", &c, "2026-11-30T08:00:00Z", 1,
	            "2026-12-01T10:00:00Z");
}

Test(sched, jitter_is_deterministic_and_stays_in_window)
{
	cad_sched s;
	gint64 base, t1, t2;

	conf.jitter_minutes = 30;
	cad_sched_init(&s, &conf, NULL, "UTC");
	base = at("2026-12-03T09:00:00Z");
	for (guint32 seed = 0; seed < 500; seed++) {
		t1 = cad_sched_step_time(&s, at("2026-11-30T14:00:00Z"), 4,
		                         seed);
		t2 = cad_sched_step_time(&s, at("2026-11-30T14:00:00Z"), 4,
		                         seed);
		cr_assert_eq(t1, t2);
		cr_assert(t1 >= base && t1 <= base + 30 * 60, "seed %u", seed);
	}
	/* A short window caps the jitter below its end. */
	conf.window.end_min = 9 * 60 + 10;
	cad_sched_clear(&s);
	cad_sched_init(&s, &conf, NULL, "UTC");
	for (guint32 seed = 0; seed < 100; seed++) {
		t1 = cad_sched_step_time(&s, at("2026-11-30T14:00:00Z"), 4,
		                         seed * 7919);
		cr_assert(t1 < base + 10 * 60, "seed %u", seed);
	}
	cad_sched_clear(&s);
}

Test(sched, unknown_prospect_zone_falls_back)
{
	cad_cadence c = {.timezone = "Asia/Tokyo"};

	/* A prospect's unknown zone falls back to the cadence's. */
	expect_step("Mars/Olympus", &c, "2026-12-01T23:30:00Z", 2,
	            "2026-12-03T00:00:00Z");
}

Test(sched, a_year_without_open_days_does_not_loop)
{
	cad_sched s;
	gint64 t = at("2026-12-01T00:00:00Z");

	conf.days = 0;
	cad_sched_init(&s, &conf, NULL, "UTC");
	s.days = 0x80; /* no weekday at all: impossible by configuration */
	cr_assert_eq(cad_sched_next_slot(&s, t), t);
	cad_sched_clear(&s);
}
