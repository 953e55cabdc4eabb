/*
 * stuck.h: the one definition of "stuck": what of an enrollment needs a
 * person, why, since when, and the command that resolves it. cadencectl
 * stuck lists it, the sender logs and counts the interrupted sends it
 * meets, and cadence-web will show the same.
 */
#ifndef CAD_STUCK_H
#define CAD_STUCK_H

#include <glib.h>

#include "store/store.h"

/*
 * A step still "sending" this long after its "sending" event was cut off
 * (the sender crashed or was killed between recording the send and
 * hearing the relay's answer); a younger one is being sent now.
 */
#define CAD_STUCK_SENDING_SECS (10 * 60)

/* A task reminder unanswered this long is overdue. */
#define CAD_STUCK_TASK_SECS (24 * 3600)

typedef enum {
	CAD_STUCK_SENDING, /* an interrupted send: it may have gone out */
	CAD_STUCK_ERROR,   /* paused by an error, such as a missing field */
	CAD_STUCK_TASK,    /* a task reminder unanswered */
} cad_stuck_kind;

typedef struct {
	cad_stuck_kind kind;
	gint64 since; /* the event that began it; 0 when there is none */
	char *detail; /* what a person should know */
	char *fix;    /* the cadencectl command that resolves it */
} cad_stuck;

/* "interrupted send", "error" or "task overdue". */
const char *cad_stuck_name(cad_stuck_kind k);

/*
 * cad_stuck_find - what of enrollment e needs a person at now, read in
 * txn: an interrupted send (step "sending" since CAD_STUCK_SENDING_SECS),
 * an error pause (paused with last_error), an overdue task (waiting since
 * CAD_STUCK_TASK_SECS after its reminder). A finished enrollment needs
 * nobody. Returns the problems found (cad_stuck*, possibly none), or NULL
 * with an error when the store failed. Caller frees.
 */
GPtrArray *cad_stuck_find(cad_txn *txn, const cad_enrollment *e, gint64 now,
                          GError **error);

/* TRUE when problems (from cad_stuck_find) holds one of kind k. */
gboolean cad_stuck_has(const GPtrArray *problems, cad_stuck_kind k);

#endif
