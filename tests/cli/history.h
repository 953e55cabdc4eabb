/*
 * history.h: a hand-built event history with known answers, written
 * through the store API, shared by the stats, report and command suites.
 * The expected figures are worked out by hand in history.c's comment.
 */
#ifndef CAD_TEST_CLI_HISTORY_H
#define CAD_TEST_CLI_HISTORY_H

#include <glib.h>

#include "store/store.h"

/* Monday 2026-11-02 09:00 UTC, ISO week 2026-W45. */
#define HIST_T0   G_GINT64_CONSTANT(1793610000)
#define HIST_DAY  G_GINT64_CONSTANT(86400)
#define HIST_HOUR G_GINT64_CONSTANT(3600)
/* The "now" the expected overdue count assumes. */
#define HIST_NOW  (HIST_T0 + 20 * HIST_DAY)

/* Write the history into the store at path (created). */
void history_build(const char *path);

#endif
