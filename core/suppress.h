/*
 * suppress.h: the admin's changes to the suppression list (addresses and
 * @domains never enrolled nor mailed). Unsubscribes, complaints and hard
 * bounces are added by core/actions.c with the change they come with.
 */
#ifndef CAD_SUPPRESS_H
#define CAD_SUPPRESS_H

#include <glib.h>

#include "store/store.h"

/*
 * cad_suppress_add - put key (an address or "@domain") on the list with
 * reason and source (who), in its own write transaction; an entry
 * already there is replaced. Errors: FAILED "not an address or @domain".
 */
gboolean cad_suppress_add(cad_store *store, const char *key, const char *reason,
                          const char *source, gint64 now, GError **error);

/*
 * cad_suppress_remove - take key off the list. Errors: NOT_FOUND when it
 * is not on it.
 */
gboolean cad_suppress_remove(cad_store *store, const char *key, GError **error);

#endif
