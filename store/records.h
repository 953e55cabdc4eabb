/*
 * records.h: internal to store/: how each record is encoded (a version
 * byte, then its fields: fixed-width integers and length-prefixed strings;
 * see records.c) and decoded (NULL or FALSE when it does not decode).
 */
#ifndef CAD_STORE_RECORDS_H
#define CAD_STORE_RECORDS_H

#include "store/store.h"

/* Bumped when a record's fields change (with a schema bump). */
#define CAD_RECORD_VERSION 1

GBytes *cad_rec_prospect_encode(const cad_prospect *p);
cad_prospect *cad_rec_prospect_decode(const void *data, gsize len);
GBytes *cad_rec_enrollment_encode(const cad_enrollment *e);
cad_enrollment *cad_rec_enrollment_decode(const void *data, gsize len);
/* Derive the VERP (b), unsubscribe (u) and task (t) tokens from token. */
void cad_rec_enrollment_set_token(cad_enrollment *e, const char *token);
GBytes *cad_rec_event_encode(guint64 enrollment, const char *type, guint32 step,
                             const char *detail);
cad_event *cad_rec_event_decode(const void *data, gsize len);
GBytes *cad_rec_notice_encode(const char *rep, const char *subject,
                              const char *body, guint64 enrollment);
cad_notice *cad_rec_notice_decode(const void *data, gsize len);
GBytes *cad_rec_suppress_encode(const char *reason, const char *source,
                                gint64 time);
gboolean cad_rec_suppress_decode(const void *data, gsize len, char **reason,
                                 char **source, gint64 *time);
GBytes *cad_rec_ref_encode(guint64 id, guint32 n);
gboolean cad_rec_ref_decode(const void *data, gsize len, guint64 *id,
                            guint32 *n);
GBytes *cad_rec_counter_encode(gint64 window, guint64 count);
gboolean cad_rec_counter_decode(const void *data, gsize len, gint64 *window,
                                guint64 *count);

#endif
