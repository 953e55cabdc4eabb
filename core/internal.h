/*
 * internal.h: what the files of core/ share and nobody else calls: the
 * cadence lookup, the prospect's time zone, the step times, and the step
 * advance that CAD_RULE_STEP stands for.
 */
#ifndef CAD_CORE_INTERNAL_H
#define CAD_CORE_INTERNAL_H

#include <glib.h>

#include "conf/conf.h"
#include "core/sched.h"
#include "core/states.h"
#include "store/store.h"

/* The cadence named, or NULL with CAD_STORE_ERROR_NOT_FOUND. */
const cad_cadence *cad_core_cadence(const cad_conf *conf, const char *name,
                                    GError **error);

/*
 * cad_core_prospect_tz - the time zone of the prospect at address: TRUE
 * with *tz (NULL when the prospect has none or no record); FALSE with
 * error when its record cannot be read (corrupt, LMDB).
 */
gboolean cad_core_prospect_tz(cad_txn *txn, const char *address, char **tz,
                              GError **error);

/* The time of step index of e; see actions.c step_when. */
gint64 cad_core_step_when(const cad_sched *s, const cad_cadence *c,
                          const cad_enrollment *e, guint32 index,
                          gint64 prev_when, int prev_day);

/*
 * cad_core_advance_step - what CAD_RULE_STEP means: the current step is
 * done; e moves to the next step, active and scheduled, or completes
 * after the last with a "completed" event. Written in txn. The caller has
 * checked the table.
 */
gboolean cad_core_advance_step(cad_txn *txn, const cad_conf *conf,
                               cad_enrollment *e, gint64 now, GError **error);

/*
 * cad_core_apply - cad_transition_txn by rule r, taken before the caller
 * changed what decides e's row (a resume clears paused_until).
 */
gboolean cad_core_apply(cad_txn *txn, const cad_conf *conf, cad_enrollment *e,
                        cad_rule r, cad_trigger on, const char *type,
                        guint32 step, const char *detail, gint64 now,
                        GError **error);

/* The step's "sending" cleared, with its attempts. */
void cad_core_clear_step(cad_enrollment *e);

#endif
