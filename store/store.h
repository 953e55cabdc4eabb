/*
 * store.h: the cadence store, one LMDB environment shared by the milter
 * (many threads), the sender and cadencectl, each possibly at once.
 *
 * LMDB serialises writers across processes and lets readers run without
 * locks, so no server is needed. This module hides LMDB's recoverable
 * errors in the manner of Postfix's slmdb: MDB_MAP_FULL grows the map and
 * retries the whole write (cad_store_write), MDB_MAP_RESIZED adopts the
 * other process's size, and stale reader slots left by killed processes
 * are cleared at open. Every state change and the event that records it
 * are written in one transaction, so a crash never leaves half a change.
 *
 * store/ only stores records and keeps its indexes; it decides nothing.
 * Who may be enrolled, which transitions are legal and what each change
 * writes are core/'s: no program calls the writing functions below
 * (cad_store_write and the puts, adds and removes), only core/ does.
 *
 * Named databases and key shapes (DESIGN.md):
 *   prospects    lower-cased address           -> cad_prospect
 *   enrollments  id u64 BE                     -> cad_enrollment
 *   due          due u64 BE + id u64 BE        -> empty
 *   msgids       Message-ID (text inside <>)   -> id u64, step u32
 *   tokens       token                         -> id u64, purpose
 *   events       time u64 BE + seq u64 BE      -> cad_event
 *   suppress     address or @domain            -> reason, time, source
 *   throttle     key text                      -> count, window start
 *   meta         "schema", "next_id", ...      -> u64
 *   notices      time u64 BE + seq u64 BE      -> cad_notice (mail to reps)
 *   by_prospect  address                       -> id u64 BE (dupsort)
 *   by_domain    domain                        -> id u64 BE (dupsort)
 *   by_enr_event id u64 BE                     -> event key (dupsort)
 * Each value is a one-byte record version followed by its fields, in the
 * small bounds-checked codec of records.c (not GVariant).
 *
 * Threads: open one cad_store per process and share it; a transaction
 * belongs to the thread that began it and must end inside the same
 * callback (the environment uses MDB_NOTLS for libmilter's worker pool).
 */
#ifndef CAD_STORE_H
#define CAD_STORE_H

#include <stdint.h>

#include <glib.h>

/* The schema this build writes; a store with a higher one is refused. */
#define CAD_STORE_SCHEMA 1

/* Default map size and growth limit. The map is address space, not disk. */
#define CAD_STORE_MAP_SIZE_DEFAULT     (G_GUINT64_CONSTANT(1) << 30)
#define CAD_STORE_MAP_SIZE_MAX_DEFAULT (G_GUINT64_CONSTANT(64) << 30)

/* Reader slots: one value for every process (the first sets it). */
#define CAD_STORE_MAX_READERS 512

/* Attempts of one write after growing the map, before giving up. */
#define CAD_STORE_WRITE_RETRIES 8

#define CAD_STORE_ERROR (cad_store_error_quark())
GQuark cad_store_error_quark(void);

typedef enum {
	CAD_STORE_ERROR_FAILED,    /* LMDB failed; the message says how */
	CAD_STORE_ERROR_NOT_FOUND, /* no such record */
	CAD_STORE_ERROR_EXISTS,    /* already there (idempotent insert) */
	CAD_STORE_ERROR_MAP_FULL,  /* map at its limit: nothing was written */
	CAD_STORE_ERROR_SCHEMA,    /* store written by a newer cadence */
	CAD_STORE_ERROR_ACCESS,    /* directory missing or not writable */
	CAD_STORE_ERROR_CORRUPT,   /* a record that does not decode */
	CAD_STORE_ERROR_SUPPRESSED,
	CAD_STORE_ERROR_ACTIVE, /* prospect already active in a cadence */
	CAD_STORE_ERROR_STATE,  /* the enrollment's state forbids it */
} cad_store_error_code;

typedef enum {
	CAD_STATE_ACTIVE,
	CAD_STATE_PAUSED,
	CAD_STATE_WAITING, /* on a task: the rep answers, or it times out */
	CAD_STATE_REPLIED,
	CAD_STATE_BOUNCED,
	CAD_STATE_UNSUBSCRIBED,
	CAD_STATE_COMPLETED,
	CAD_STATE_STOPPED,
	CAD_STATE_COUNT,
} cad_state;

/* "active", "paused", ...: the names of DESIGN.md, used in --json. */
const char *cad_state_name(cad_state s);
gboolean cad_state_parse(const char *name, cad_state *out);
/* TRUE for replied, bounced, unsubscribed, completed, stopped. */
gboolean cad_state_is_final(cad_state s);

/* Where the current step stands, for "never twice". */
typedef enum {
	CAD_STEP_IDLE,    /* not started */
	CAD_STEP_SENDING, /* recorded before DATA; ambiguous after a crash */
} cad_step_status;

typedef struct {
	char *address; /* lower-cased; the key */
	char *first_name, *last_name, *company, *title, *timezone;
	GHashTable *fields; /* char* -> char*: any other template field */
	gint64 created;
	guint32 soft_bounces; /* counted across enrollments */
} cad_prospect;

typedef struct {
	guint64 id;
	char *address; /* the prospect */
	char *cadence; /* cadence name */
	char *rep;     /* owner's address */
	cad_state state;
	guint32 step; /* index of the next follow-up step, 0-based */
	cad_step_status step_status;
	gint64 enrolled_at;
	gint64 next_due;     /* 0: nothing scheduled */
	gint64 paused_until; /* auto-reply pause end, 0 if none */
	guint32 attempts;    /* delivery attempts of the current step */
	guint32 soft_bounces;
	char *thread_subject; /* the rep's Subject, for "Re:" */
	char
	    *thread_refs; /* "<root> <step2> ...": References, last is parent */
	char *sending_msgid; /* Message-ID of the step being sent */
	char *verp_token, *unsub_token, *task_token;
	char *last_error; /* why it is paused with an error, or NULL */
} cad_enrollment;

typedef struct {
	gint64 time;
	guint64 seq;
	guint64 enrollment; /* 0 when the event is about no enrollment */
	char *type;         /* "enrolled", "sent", "replied", ...: EVENTS */
	guint32 step;       /* the step it concerns (cadence numbering) */
	char *detail;       /* free text: status code, reason, who */
} cad_event;

/*
 * Event types. Stats are computed from these names, so they are part of
 * the store's contract; add, never rename.
 */
#define CAD_EV_ENROLLED     "enrolled"
#define CAD_EV_REFUSED      "refused" /* enrollment refused: detail says why */
#define CAD_EV_SENDING      "sending"
#define CAD_EV_SENT         "sent"
#define CAD_EV_DEFERRED     "deferred" /* 4xx or connection failure */
#define CAD_EV_TASK         "task"     /* task reminder sent to the rep */
#define CAD_EV_TASK_DONE    "task_done"
#define CAD_EV_TASK_SKIPPED "task_skipped"
#define CAD_EV_TASK_TIMEOUT "task_timeout"
#define CAD_EV_CONNECTED    "connected" /* the rep answered "connected" */
#define CAD_EV_MEETING      "meeting"   /* the rep answered "meeting" */
#define CAD_EV_REPLIED      "replied"
#define CAD_EV_AUTO_REPLY   "auto_reply"
#define CAD_EV_HARD_BOUNCE  "hard_bounce"
#define CAD_EV_SOFT_BOUNCE  "soft_bounce"
#define CAD_EV_UNSUBSCRIBED "unsubscribed"
#define CAD_EV_COMPLAINT    "complaint"
#define CAD_EV_PAUSED       "paused"
#define CAD_EV_RESUMED      "resumed"
#define CAD_EV_STOPPED      "stopped"
#define CAD_EV_SKIPPED      "skipped"
#define CAD_EV_COMPLETED    "completed"
#define CAD_EV_ERROR        "error" /* a step could not be composed or sent */
#define CAD_EV_ACCOUNT_EXIT "account_exit"

typedef enum {
	CAD_TOKEN_VERP = 1,
	CAD_TOKEN_UNSUBSCRIBE = 2,
	CAD_TOKEN_TASK = 3,
} cad_token_purpose;

typedef struct cad_store cad_store;
typedef struct cad_txn cad_txn;

typedef struct {
	guint64 map_size;     /* initial; 0 = CAD_STORE_MAP_SIZE_DEFAULT */
	guint64 max_map_size; /* growth limit; 0 = ..._MAX_DEFAULT */
	gboolean read_only;   /* open for reading: no create, no writes */
	gboolean no_sync;     /* benchmarks only: MDB_NOSYNC */
} cad_store_options;

/*
 * cad_store_open - open (creating when missing) the store in directory
 * path. Clears stale reader slots (mdb_reader_check), opens every named
 * database, checks the schema. Errors: ACCESS (the directory is missing or
 * not writable by this user: the message names both), SCHEMA (written by a
 * newer cadence), FAILED. opts may be NULL.
 */
cad_store *cad_store_open(const char *path, const cad_store_options *opts,
                          GError **error);
void cad_store_close(cad_store *store);
const char *cad_store_path(cad_store *store);
/* Current map size in bytes, and bytes used by the data file. */
guint64 cad_store_map_size(cad_store *store);
guint64 cad_store_file_size(cad_store *store);
/* cad_store_reader_check - clear stale reader slots; returns how many. */
int cad_store_reader_check(cad_store *store);
/* cad_store_schema - the schema version written in the store. */
guint32 cad_store_schema(cad_store *store);
/* cad_store_copy - a compacted, consistent copy into an empty dir. */
gboolean cad_store_copy(cad_store *store, const char *dir, GError **error);
/* cad_store_sync - flush to disk (after no_sync writes). */
void cad_store_sync(cad_store *store);
/*
 * cad_store_forget_pages - unmap from this process the pages of the data
 * file it has read; they stay in the page cache, shared with the other
 * processes, and are mapped again when read. A walk over a large store
 * would otherwise count the whole data file in its resident size (700
 * MiB for a million enrollments): call it between the read transactions
 * of such a walk. Costs nothing to correctness at any time.
 */
void cad_store_forget_pages(cad_store *store);

/*
 * Write transactions. fn runs inside a write transaction and returns
 * FALSE with error set to abort it. When the map fills, the transaction
 * is aborted, the map doubled (up to max_map_size) and fn run again from
 * the start, so fn must have no effects outside the transaction.
 * Returns FALSE with fn's error, or MAP_FULL when the limit is reached;
 * either way nothing was written.
 */
typedef gboolean (*cad_store_write_fn)(cad_txn *txn, void *arg, GError **error);
gboolean cad_store_write(cad_store *store, cad_store_write_fn fn, void *arg,
                         GError **error);

/* Read transactions: begin, use, end with cad_txn_end. */
cad_txn *cad_store_read_begin(cad_store *store, GError **error);
void cad_txn_end(cad_txn *txn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_txn, cad_txn_end)

/* ---- records: free functions ---- */
cad_prospect *cad_prospect_new(const char *address);
void cad_prospect_free(cad_prospect *p);
/* A field by name: first_name... or fields[]; NULL when empty. */
const char *cad_prospect_field(const cad_prospect *p, const char *name);
void cad_prospect_set_field(cad_prospect *p, const char *name,
                            const char *value);
void cad_enrollment_free(cad_enrollment *e);
void cad_event_free(cad_event *ev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_prospect, cad_prospect_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_enrollment, cad_enrollment_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_event, cad_event_free)
/* The last Message-ID of the thread (the parent of the next step). */
char *cad_enrollment_last_msgid(const cad_enrollment *e);

/*
 * Reads of one record return NULL (or FALSE) with error set: NOT_FOUND
 * when there is no such record, CORRUPT when one is there but does not
 * decode, FAILED when LMDB failed. A caller that treats "absent" as a
 * default must test for NOT_FOUND, never for NULL alone: a damaged record
 * read as a missing one would be written over, or mailed in the blind.
 */

/* ---- prospects ---- */
/* The prospect at address (normalized here). Caller frees. */
cad_prospect *cad_store_prospect_get(cad_txn *txn, const char *address,
                                     GError **error);
/*
 * cad_store_prospect_find - the same where a prospect without a record is
 * normal (enrollment, the schedule): TRUE with *out NULL when there is
 * none; FALSE with error (CORRUPT, FAILED) only when it cannot be read.
 */
gboolean cad_store_prospect_find(cad_txn *txn, const char *address,
                                 cad_prospect **out, GError **error);
gboolean cad_store_prospect_put(cad_txn *txn, const cad_prospect *p,
                                GError **error);

/* ---- enrollments ---- */
/* Enrollment id; errors as above. Caller frees. */
cad_enrollment *cad_store_enrollment_get(cad_txn *txn, guint64 id,
                                         GError **error);
/*
 * cad_store_enrollment_put - write e, keeping the due index in step with
 * e->next_due (the old entry removed, the new one added). A new
 * enrollment (id 0) gets an id, tokens and its index entries. The due
 * index never holds an enrollment in a final state: its next_due is
 * cleared here. No rule of who may be written in which state lives
 * here: that is core/'s (core/states.h). Errors: CORRUPT when the record
 * it replaces does not decode (its due entry cannot be found).
 */
gboolean cad_store_enrollment_put(cad_txn *txn, cad_enrollment *e,
                                  GError **error);
/* Ids of the enrollments of a prospect, or of every prospect at domain. */
GArray *cad_store_enrollments_of(cad_txn *txn, const char *address,
                                 GError **error);
GArray *cad_store_enrollments_at_domain(cad_txn *txn, const char *domain,
                                        GError **error);
/*
 * The active (or paused/waiting) enrollment of a prospect; NULL without
 * error when there is none, NULL with error when LMDB fails or one of
 * the prospect's records does not decode (it might be the live one).
 */
cad_enrollment *cad_store_enrollment_live(cad_txn *txn, const char *address,
                                          GError **error);
/* The same for an address already normalized (cad_address_normalize),
 * for the enrollment's hot path, which has normalized it once. */
cad_enrollment *cad_store_enrollment_live_norm(cad_txn *txn,
                                               const char *address,
                                               GError **error);
/* Visit every enrollment in id order; fn returns FALSE to stop. */
typedef gboolean (*cad_enrollment_fn)(const cad_enrollment *e, void *arg);
gboolean cad_store_enrollment_foreach(cad_txn *txn, cad_enrollment_fn fn,
                                      void *arg, GError **error);
/*
 * cad_store_enrollment_foreach_after - the same from the first id greater
 * than after (0: every one). For a walk over every enrollment in short
 * read transactions: stop fn after a batch, end the transaction, begin
 * the next after the last id seen. An LMDB reader keeps the pages of its
 * snapshot from reuse for as long as it lives, so one transaction that
 * waits on a slow consumer makes the data file grow under the writers.
 */
gboolean cad_store_enrollment_foreach_after(cad_txn *txn, guint64 after,
                                            cad_enrollment_fn fn, void *arg,
                                            GError **error);

/* ---- due index ---- */
/*
 * cad_store_due - ids of enrollments due at or before until, in due-time
 * order, at most limit (0: no limit). Caller frees the array (guint64).
 */
GArray *cad_store_due(cad_txn *txn, gint64 until, guint limit, GError **error);
/* The earliest due time, or 0 when nothing is due. */
gint64 cad_store_next_due(cad_txn *txn, GError **error);

/* ---- Message-IDs ---- */
/* id is the text inside <> (brackets are stripped if present). */
gboolean cad_store_msgid_put(cad_txn *txn, const char *msgid,
                             guint64 enrollment, guint32 step, GError **error);
gboolean cad_store_msgid_get(cad_txn *txn, const char *msgid,
                             guint64 *enrollment, guint32 *step,
                             GError **error);

/* ---- tokens ---- */
gboolean cad_store_token_get(cad_txn *txn, const char *token,
                             guint64 *enrollment, cad_token_purpose *purpose,
                             GError **error);

/* ---- events ---- */
gboolean cad_store_event_add(cad_txn *txn, guint64 enrollment, const char *type,
                             guint32 step, const char *detail, gint64 now,
                             GError **error);
typedef gboolean (*cad_event_fn)(const cad_event *ev, void *arg);
/* Every event with time >= since, in time order. */
gboolean cad_store_event_foreach(cad_txn *txn, gint64 since, cad_event_fn fn,
                                 void *arg, GError **error);
/* The events of one enrollment, in time order. */
gboolean cad_store_events_of(cad_txn *txn, guint64 enrollment, cad_event_fn fn,
                             void *arg, GError **error);

/* ---- suppression ---- */
/* key is an address or "@domain"; lower-cased here. */
gboolean cad_store_suppress_add(cad_txn *txn, const char *key,
                                const char *reason, const char *source,
                                gint64 now, GError **error);
gboolean cad_store_suppress_remove(cad_txn *txn, const char *key,
                                   GError **error);
/*
 * cad_store_is_suppressed - *suppressed is TRUE when the address or its
 * @domain is on the list (reason, when not NULL, gets a copy of its
 * reason: "?" for an entry that does not decode, which still
 * suppresses). An address that does not normalize is not suppressed.
 * Returns FALSE with error (FAILED) when LMDB fails: never read that as
 * "not suppressed".
 */
gboolean cad_store_is_suppressed(cad_txn *txn, const char *address,
                                 gboolean *suppressed, char **reason,
                                 GError **error);
/* The same for an address already normalized (cad_address_normalize). */
gboolean cad_store_is_suppressed_norm(cad_txn *txn, const char *address,
                                      gboolean *suppressed, char **reason,
                                      GError **error);
typedef gboolean (*cad_suppress_fn)(const char *key, const char *reason,
                                    const char *source, gint64 time, void *arg);
gboolean cad_store_suppress_foreach(cad_txn *txn, cad_suppress_fn fn, void *arg,
                                    GError **error);
/* The same from the first key after `after` in byte order (NULL: from the
 * first), to walk the list in batches as the enrollments above. */
gboolean cad_store_suppress_foreach_after(cad_txn *txn, const char *after,
                                          cad_suppress_fn fn, void *arg,
                                          GError **error);

/* ---- throttle counters ---- */
/*
 * A counter per key and window: *count is the count of the window that
 * starts at window_start; a counter never written, or written for
 * another window, is 0. Returns FALSE with error when LMDB fails
 * (FAILED) or the counter does not decode (CORRUPT): a cap read as 0
 * would let it be passed.
 */
gboolean cad_store_throttle_get(cad_txn *txn, const char *key,
                                gint64 window_start, guint64 *count,
                                GError **error);
gboolean cad_store_throttle_add(cad_txn *txn, const char *key,
                                gint64 window_start, guint64 n, GError **error);

/* ---- notices: short mails to a rep, queued here, sent by the sender ---- */
typedef struct {
	gint64 time;
	guint64 seq;
	char *rep;          /* recipient: the rep's address */
	char *subject;      /* plain UTF-8 */
	char *body;         /* plain UTF-8 text */
	guint64 enrollment; /* 0 if none */
} cad_notice;

void cad_notice_free(cad_notice *n);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cad_notice, cad_notice_free)
/*
 * cad_store_notice_add - queue a notice (the milter cannot send mail
 * itself: it never leaves its socket; the sender delivers notices).
 */
gboolean cad_store_notice_add(cad_txn *txn, const char *rep,
                              const char *subject, const char *body,
                              guint64 enrollment, gint64 now, GError **error);
/* The oldest notices, at most limit; caller frees (cad_notice*). */
GPtrArray *cad_store_notices(cad_txn *txn, guint limit, GError **error);
/* Remove a notice once delivered. */
gboolean cad_store_notice_del(cad_txn *txn, gint64 time, guint64 seq,
                              GError **error);

/* ---- meta ---- */
/*
 * cad_store_meta_get - the u64 under key. FALSE with NOT_FOUND when the
 * key was never written, CORRUPT when its value is not 8 bytes, FAILED
 * when LMDB fails: only NOT_FOUND may stand for a default.
 */
gboolean cad_store_meta_get(cad_txn *txn, const char *key, guint64 *value,
                            GError **error);
gboolean cad_store_meta_put(cad_txn *txn, const char *key, guint64 value,
                            GError **error);

#endif
