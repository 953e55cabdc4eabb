/*
 * report.h: `cadencectl report --html`: one self-contained HTML page (no
 * scripts, fonts or images from elsewhere) drawing the statistics with
 * inline SVG: a funnel per cadence, the reply rate of each step as bars,
 * replies per week, and the tables of `cadencectl stats`.
 */
#ifndef CAD_CLI_REPORT_H
#define CAD_CLI_REPORT_H

#include <glib.h>

#include "cli/stats.h"

/* Most weeks drawn in "replies over time": the latest two years. */
#define CAD_REPORT_WEEKS_MAX 104

/* A label for a step ("Step 3 · email"); NULL means "Step N". */
typedef char *(*cad_report_step_label_fn)(const char *cadence, guint32 step,
                                          void *arg);

typedef struct {
	const char *title;   /* NULL: "Cadence report" */
	gint64 generated;    /* shown in the header */
	const char *filters; /* a line saying what was selected, or NULL */
	cad_report_step_label_fn step_label;
	void *step_label_arg;
} cad_report_opts;

/*
 * cad_report_html - the page for st, which must have been collected with
 * CAD_STATS_BY_CADENCE (or BY_STEP) so that each cadence is a group.
 * Caller frees.
 */
char *cad_report_html(const cad_stats *st, const cad_report_opts *opts);

#endif
