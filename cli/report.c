/*
 * report.c: the HTML report. Everything is written inline (CSS in a
 * <style>, charts as <svg> with <text> labels) so the page opens from a
 * mail attachment or a file share with nothing else to fetch.
 */
#include "cli/report.h"

#include <math.h>
#include <string.h>

#include "common/util.h"

/* Chart geometry, in CSS pixels. */
#define FUNNEL_W       640
#define FUNNEL_ROW     30
#define FUNNEL_LABEL   150
#define BARS_H         180
#define BAR_W          72
#define BAR_GAP        24
/* Week columns: wide when there are few, never under WEEK_PITCH_MIN;
 * labels ("2026-W45", about 60 px) skip columns so they never touch. */
#define WEEK_PITCH_MIN 34
#define WEEK_PITCH_MAX 72
#define WEEK_LABEL_W   64

/* A percentage with one decimal, independent of the locale. */
static char *
pct(double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (isnan(v))
		return g_strdup("-");
	g_ascii_formatd(buf, sizeof(buf), "%.1f", v * 100.0);
	return g_strconcat(buf, "%", NULL);
}

static void
esc(GString *out, const char *s)
{
	g_autofree char *clean = cad_printable(s != NULL ? s : "", -1, 512);
	g_autofree char *e = g_markup_escape_text(clean, -1);

	g_string_append(out, e);
}

static char *
step_label(const cad_report_opts *o, const char *cadence, guint32 step)
{
	char *s = NULL;

	if (o->step_label != NULL)
		s = o->step_label(cadence, step, o->step_label_arg);
	return s != NULL ? s : g_strdup_printf("Step %u", step);
}

static void
page_head(GString *out, const char *title)
{
	g_string_append(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	                     "<meta charset=\"utf-8\">\n<title>");
	esc(out, title);
	g_string_append(
	    out,
	    "</title>\n<style>\n"
	    "body{font-family:sans-serif;margin:24px;color:#222;"
	    "max-width:1100px}\n"
	    "h1{font-size:24px;margin-bottom:4px}\n"
	    "h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ccc}\n"
	    "h3{font-size:15px;margin:18px 0 6px}\n"
	    ".meta{color:#666;font-size:13px}\n"
	    ".cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}\n"
	    ".card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;"
	    "min-width:110px}\n"
	    ".card .v{font-size:22px;font-weight:bold}\n"
	    ".card .l{font-size:12px;color:#666}\n"
	    ".wide{overflow-x:auto;max-width:100%}\n"
	    "table{border-collapse:collapse;font-size:12px;margin:8px 0}\n"
	    "th,td{border:1px solid #ddd;padding:3px 6px;text-align:right}\n"
	    "th:first-child,td:first-child{text-align:left}\n"
	    "#tasks td:first-child{text-align:right}\n"
	    "th{background:#f3f3f3}\n"
	    "svg text{font-family:sans-serif;font-size:12px;fill:#222}\n"
	    "</style>\n</head>\n<body>\n");
}

static void
card(GString *out, const char *label, const char *value, const char *id)
{
	g_string_append_printf(out,
	                       "<div class=\"card\" id=\"%s\">"
	                       "<div class=\"v\">",
	                       id);
	esc(out, value);
	g_string_append(out, "</div><div class=\"l\">");
	esc(out, label);
	g_string_append(out, "</div></div>\n");
}

static void
cards(GString *out, const cad_stats_group *t)
{
	g_autofree char *enrolled = g_strdup_printf("%u", t->enrolled);
	g_autofree char *replied = g_strdup_printf("%u", t->replied);
	g_autofree char *rr = pct(cad_stats_rate(t->replied, t->enrolled));
	g_autofree char *br = pct(cad_stats_rate(t->bounced_hard, t->enrolled));
	g_autofree char *ur =
	    pct(cad_stats_rate(t->unsubscribed + t->complaints, t->enrolled));
	g_autofree char *med = cad_stats_duration(cad_stats_percentile(t, 50));

	g_string_append(out, "<div class=\"cards\">\n");
	card(out, "enrolled", enrolled, "card-enrolled");
	card(out, "replied", replied, "card-replied");
	card(out, "reply rate", rr, "card-reply-rate");
	card(out, "bounce rate", br, "card-bounce-rate");
	card(out, "unsubscribe rate", ur, "card-unsubscribe-rate");
	card(out, "median time to reply", med, "card-median");
	g_string_append(out, "</div>\n");
}

/* One bar of the funnel: a label, a bar scaled to max, and the count. */
static void
funnel_bar(GString *out, int row, const char *label, guint n, guint max,
           const char *color)
{
	double w =
	    max > 0 ? (double)n / max * (FUNNEL_W - FUNNEL_LABEL - 60) : 0;
	int y = row * FUNNEL_ROW;

	g_string_append_printf(out, "<text x=\"0\" y=\"%d\">", y + 19);
	esc(out, label);
	g_string_append_printf(out,
	                       "</text><rect x=\"%d\" y=\"%d\" "
	                       "width=\"%.1f\" height=\"%d\" fill=\"%s\"/>"
	                       "<text x=\"%.1f\" y=\"%d\">%u</text>\n",
	                       FUNNEL_LABEL, y + 4, MAX(w, 1.0), FUNNEL_ROW - 8,
	                       color, FUNNEL_LABEL + MAX(w, 1.0) + 6, y + 19,
	                       n);
}

static void
funnel(GString *out, const cad_stats_group *g, const cad_report_opts *o)
{
	guint rows = g->steps->len + 2, row = 0;

	g_string_append(out, "<h3>Funnel</h3>\n");
	g_string_append_printf(
	    out,
	    "<svg class=\"funnel\" width=\"%d\" "
	    "height=\"%u\" role=\"img\" aria-label=\"funnel\">\n",
	    FUNNEL_W, rows * FUNNEL_ROW);
	funnel_bar(out, row++, "Enrolled", g->enrolled, g->enrolled, "#4a78b5");
	for (guint i = 0; i < g->steps->len; i++) {
		const cad_stats_step *s =
		    &g_array_index(g->steps, cad_stats_step, i);
		g_autofree char *label = step_label(o, g->key, s->step);

		funnel_bar(out, row++, label, s->sent, g->enrolled, "#7fa3d1");
	}
	funnel_bar(out, row, "Replied", g->replied, g->enrolled, "#3c9a5f");
	g_string_append(out, "</svg>\n");
}

/* Reply rate per step: one bar each, its height the rate. */
static void
step_bars(GString *out, const cad_stats_group *g, const cad_report_opts *o)
{
	guint n = g->steps->len;
	int w = (int)n * (BAR_W + BAR_GAP) + BAR_GAP;
	double max = 0;

	for (guint i = 0; i < n; i++) {
		const cad_stats_step *s =
		    &g_array_index(g->steps, cad_stats_step, i);
		double r = cad_stats_rate(s->replies, s->sent);
		if (!isnan(r))
			max = MAX(max, r);
	}
	g_string_append(out, "<h3>Reply rate per step</h3>\n");
	g_string_append_printf(
	    out,
	    "<svg class=\"step-bars\" width=\"%d\" "
	    "height=\"%d\" role=\"img\" aria-label=\"reply rate per step\">\n"
	    "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n",
	    MAX(w, 200), BARS_H + 54, BARS_H, MAX(w, 200), BARS_H);
	for (guint i = 0; i < n; i++) {
		const cad_stats_step *s =
		    &g_array_index(g->steps, cad_stats_step, i);
		double r = cad_stats_rate(s->replies, s->sent);
		double h = max > 0 && !isnan(r) ? r / max * (BARS_H - 24) : 0;
		int x = BAR_GAP + (int)i * (BAR_W + BAR_GAP);
		g_autofree char *label = pct(r);
		g_autofree char *name = step_label(o, g->key, s->step);
		/* "Step 2 · linkedin" on two lines under its bar. */
		g_auto(GStrv) parts = g_strsplit(name, " \xc2\xb7 ", 2);

		g_string_append_printf(
		    out,
		    "<rect x=\"%d\" y=\"%.1f\" "
		    "width=\"%d\" height=\"%.1f\" fill=\"#e08a3c\"/>"
		    "<text x=\"%d\" y=\"%.1f\" "
		    "text-anchor=\"middle\">%s</text>",
		    x, BARS_H - h, BAR_W, h, x + BAR_W / 2, BARS_H - h - 5,
		    label);
		for (int l = 0; l < 2 && parts[l] != NULL; l++) {
			g_string_append_printf(out,
			                       "<text x=\"%d\" y=\"%d\" "
			                       "text-anchor=\"middle\">",
			                       x + BAR_W / 2,
			                       BARS_H + 16 + 14 * l);
			esc(out, parts[l]);
			g_string_append(out, "</text>");
		}
		g_string_append_printf(
		    out,
		    "<text x=\"%d\" y=\"%d\" "
		    "text-anchor=\"middle\" class=\"n\">%u/%u</text>\n",
		    x + BAR_W / 2, BARS_H + 46, s->replies, s->sent);
	}
	g_string_append(out, "</svg>\n");
}

static void
week_column(GString *out, const char *week, guint c, guint max, int x,
            int pitch, gboolean label)
{
	double h = (double)c / MAX(max, 1) * (BARS_H - 24);
	int w = pitch * 7 / 10;

	g_string_append_printf(
	    out,
	    "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" "
	    "height=\"%.1f\" fill=\"#3c9a5f\"/><text x=\"%d\" y=\"%.1f\" "
	    "text-anchor=\"middle\">%u</text>",
	    x, BARS_H - h, w, h, x + w / 2, BARS_H - h - 5, c);
	if (label) {
		g_string_append_printf(
		    out,
		    "<text x=\"%d\" y=\"%d\" "
		    "text-anchor=\"middle\" font-size=\"11\">",
		    x + w / 2, BARS_H + 16);
		esc(out, week);
		g_string_append(out, "</text>");
	}
	g_string_append_c(out, '\n');
}

static void
weeks_chart(GString *out, const cad_stats *st)
{
	GPtrArray *weeks = cad_stats_reply_weeks(st);
	guint first = weeks->len > CAD_REPORT_WEEKS_MAX
	                  ? weeks->len - CAD_REPORT_WEEKS_MAX
	                  : 0;
	guint n = weeks->len - first, max = 0, every;
	int pitch;

	g_string_append(out, "<h2>Replies over time</h2>\n");
	if (n == 0) {
		g_string_append(out, "<p>No replies yet.</p>\n");
		return;
	}
	pitch = CLAMP(900 / (int)n, WEEK_PITCH_MIN, WEEK_PITCH_MAX);
	every = (WEEK_LABEL_W + pitch - 1) / pitch;
	for (guint i = first; i < weeks->len; i++)
		max = MAX(max, cad_stats_reply_week_count(
		                   st, g_ptr_array_index(weeks, i)));
	g_string_append_printf(
	    out,
	    "<svg class=\"weeks\" width=\"%d\" "
	    "height=\"%d\" role=\"img\" aria-label=\"replies per week\">\n",
	    MAX((int)n * pitch + 2 * WEEK_LABEL_W, 200), BARS_H + 30);
	for (guint i = first; i < weeks->len; i++) {
		const char *week = g_ptr_array_index(weeks, i);

		week_column(out, week, cad_stats_reply_week_count(st, week),
		            max, WEEK_LABEL_W / 2 + (int)(i - first) * pitch,
		            pitch, (i - first) % every == 0);
	}
	g_string_append(out, "</svg>\n");
}

static void
td_u(GString *out, guint v)
{
	g_string_append_printf(out, "<td>%u</td>", v);
}

static void
td_rate(GString *out, guint num, guint den)
{
	g_autofree char *s = pct(cad_stats_rate(num, den));

	g_string_append_printf(out, "<td>%s</td>", s);
}

static void
td_dur(GString *out, gint64 secs)
{
	g_autofree char *s = cad_stats_duration(secs);

	g_string_append_printf(out, "<td>%s</td>", s);
}

static void
counts_row(GString *out, const cad_stats_group *g)
{
	g_string_append(out, "<tr><td>");
	esc(out, g->key);
	g_string_append(out, "</td>");
	td_u(out, g->enrolled);
	td_u(out, g->active);
	td_u(out, g->completed);
	td_u(out, g->replied);
	td_u(out, g->bounced_hard);
	td_u(out, g->bounced_soft);
	td_u(out, g->auto_replied);
	td_u(out, g->unsubscribed);
	td_u(out, g->complaints);
	g_string_append(out, "</tr>\n");
}

static void
rates_row(GString *out, const cad_stats_group *g)
{
	g_string_append(out, "<tr><td>");
	esc(out, g->key);
	g_string_append(out, "</td>");
	td_rate(out, g->replied, g->enrolled);
	td_rate(out, g->bounced_hard, g->enrolled);
	td_rate(out, g->unsubscribed + g->complaints, g->enrolled);
	td_rate(out, g->completed, g->enrolled);
	td_dur(out, cad_stats_percentile(g, 50));
	td_dur(out, cad_stats_percentile(g, 90));
	g_string_append(out, "</tr>\n");
}

/* The figures in two tables, counts then rates, each fitting a page. */
static void
stats_table(GString *out, const cad_stats *st)
{
	g_string_append(
	    out,
	    "<h2>Figures</h2>\n<div class=\"wide\">"
	    "<table id=\"counts\">\n<tr><th>cadence</th><th>enrolled</th>"
	    "<th>active</th><th>completed</th><th>replied</th>"
	    "<th>hard bounces</th><th>soft bounces</th><th>auto-replied</th>"
	    "<th>unsubscribed</th><th>complaints</th></tr>\n");
	for (guint i = 0; i < cad_stats_n_groups(st); i++)
		counts_row(out, cad_stats_group_at(st, i));
	counts_row(out, cad_stats_total(st));
	g_string_append(
	    out,
	    "</table>\n<table id=\"rates\">\n<tr>"
	    "<th>cadence</th><th>reply rate</th><th>bounce rate</th>"
	    "<th>unsubscribe rate</th><th>completion rate</th>"
	    "<th>median time to reply</th><th>p90 time to reply</th></tr>\n");
	for (guint i = 0; i < cad_stats_n_groups(st); i++)
		rates_row(out, cad_stats_group_at(st, i));
	rates_row(out, cad_stats_total(st));
	g_string_append(out, "</table></div>\n");
}

static void
tasks_table(GString *out, const cad_stats *st)
{
	const cad_stats_group *t = cad_stats_total(st);

	g_string_append_printf(
	    out,
	    "<h2>Tasks</h2>\n<table id=\"tasks\">\n"
	    "<tr><th>done</th><th>skipped</th><th>timed out</th>"
	    "<th>overdue</th><th>calls connected</th><th>meetings booked</th>"
	    "</tr>\n<tr><td>%u</td><td>%u</td><td>%u</td><td>%u</td>"
	    "<td>%u</td><td>%u</td></tr>\n</table>\n",
	    t->tasks_done, t->tasks_skipped, t->tasks_timed_out,
	    t->tasks_overdue, t->connected, t->meetings);
}

static void
steps_table(GString *out, const cad_stats_group *g, const cad_report_opts *o)
{
	g_string_append(
	    out, "<table class=\"steps\">\n<tr><th>step</th>"
	         "<th>sent</th><th>replies</th><th>reply rate</th></tr>\n");
	for (guint i = 0; i < g->steps->len; i++) {
		const cad_stats_step *s =
		    &g_array_index(g->steps, cad_stats_step, i);
		g_autofree char *name = step_label(o, g->key, s->step);

		g_string_append(out, "<tr><td>");
		esc(out, name);
		g_string_append(out, "</td>");
		td_u(out, s->sent);
		td_u(out, s->replies);
		td_rate(out, s->replies, s->sent);
		g_string_append(out, "</tr>\n");
	}
	g_string_append(out, "</table>\n");
}

static void
cadence_section(GString *out, const cad_stats_group *g,
                const cad_report_opts *o)
{
	g_autofree char *rr = pct(cad_stats_rate(g->replied, g->enrolled));

	g_string_append(out, "<section class=\"cadence\">\n<h2>Cadence ");
	esc(out, g->key);
	g_string_append_printf(out,
	                       "</h2>\n<p class=\"meta\">%u enrolled, "
	                       "%u replied (%s)</p>\n",
	                       g->enrolled, g->replied, rr);
	funnel(out, g, o);
	step_bars(out, g, o);
	steps_table(out, g, o);
	g_string_append(out, "</section>\n");
}

char *
cad_report_html(const cad_stats *st, const cad_report_opts *opts)
{
	cad_report_opts o = {0};
	GString *out = g_string_new(NULL);
	g_autofree char *when = NULL;

	if (opts != NULL)
		o = *opts;
	if (o.title == NULL)
		o.title = "Cadence report";
	when = cad_format_time(o.generated);
	page_head(out, o.title);
	g_string_append(out, "<h1>");
	esc(out, o.title);
	g_string_append(out, "</h1>\n<p class=\"meta\">Generated ");
	esc(out, when);
	if (o.filters != NULL) {
		g_string_append(out, " &middot; ");
		esc(out, o.filters);
	}
	g_string_append(out, "</p>\n");
	cards(out, cad_stats_total(st));
	for (guint i = 0; i < cad_stats_n_groups(st); i++)
		cadence_section(out, cad_stats_group_at(st, i), &o);
	weeks_chart(out, st);
	stats_table(out, st);
	tasks_table(out, st);
	g_string_append(out, "</body>\n</html>\n");
	return g_string_free(out, FALSE);
}
