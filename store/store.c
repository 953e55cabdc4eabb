/*
 * store.c: the LMDB environment, its transactions and recovery policy
 * (map growth on MDB_MAP_FULL, adoption of another process's resize,
 * stale readers), and the records' key shapes. See store.h.
 */
#include "store/store.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "common/log.h"
#include "common/util.h"
#include "store/records.h"

/* Not G_DEFINE_QUARK: clang-format would put spaces around the dashes
 * of its bare-word name, and the quark would be named so. */
GQuark
cad_store_error_quark(void)
{
	return g_quark_from_static_string("cad-store-error-quark");
}

enum {
	DB_PROSPECTS,
	DB_ENROLLMENTS,
	DB_DUE,
	DB_MSGIDS,
	DB_TOKENS,
	DB_EVENTS,
	DB_SUPPRESS,
	DB_THROTTLE,
	DB_META,
	DB_BY_PROSPECT,
	DB_BY_DOMAIN,
	DB_BY_ENR_EVENT,
	DB_NOTICES,
	DB_COUNT,
};

static const struct {
	const char *name;
	unsigned flags;
} db_defs[DB_COUNT] = {
    [DB_PROSPECTS] = {"prospects", 0},
    [DB_ENROLLMENTS] = {"enrollments", 0},
    [DB_DUE] = {"due", 0},
    [DB_MSGIDS] = {"msgids", 0},
    [DB_TOKENS] = {"tokens", 0},
    [DB_EVENTS] = {"events", 0},
    [DB_SUPPRESS] = {"suppress", 0},
    [DB_THROTTLE] = {"throttle", 0},
    [DB_META] = {"meta", 0},
    [DB_BY_PROSPECT] = {"by_prospect", MDB_DUPSORT | MDB_DUPFIXED},
    [DB_BY_DOMAIN] = {"by_domain", MDB_DUPSORT | MDB_DUPFIXED},
    [DB_BY_ENR_EVENT] = {"by_enr_event", MDB_DUPSORT | MDB_DUPFIXED},
    [DB_NOTICES] = {"notices", 0},
};

/* LMDB's key limit is 511 bytes; longer Message-IDs are keyed by hash. */
#define KEY_MAX          480
/*
 * An enrollment's token: its id in 12 base32 digits, so that tokens are
 * written in id order (random keys would dirty a page per insert), then
 * 12 random base32 characters (60 bits) that make it unguessable.
 */
#define TOKEN_ID_LEN     12
#define TOKEN_RANDOM_LEN 12
#define TOKEN_LEN        (TOKEN_ID_LEN + TOKEN_RANDOM_LEN)

struct cad_store {
	MDB_env *env;
	char *path;
	MDB_dbi dbi[DB_COUNT];
	/*
	 * Transactions hold it shared; a map resize holds it exclusive,
	 * since mdb_env_set_mapsize is legal only with no live txn in the
	 * process (lmdb.h) and LMDB does not check it.
	 */
	GRWLock resize_lock;
	guint64 max_map_size;
	gboolean read_only;
	guint32 schema;
};

struct cad_txn {
	cad_store *store;
	MDB_txn *txn;
	gboolean write;
	gboolean map_full;
	/* Sequence counters, loaded on first use and written at commit. */
	gboolean seq_loaded;
	guint64 next_id, event_seq, notice_seq;
};

/* ---- errors ---- */

static gboolean
lmdb_error(cad_txn *t, int rc, GError **error, const char *what)
{
	if (rc == MDB_MAP_FULL) {
		if (t != NULL)
			t->map_full = TRUE;
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_MAP_FULL,
		            "%s: the store's map is full", what);
		return FALSE;
	}
	g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_FAILED, "%s: %s",
	            what, mdb_strerror(rc));
	return FALSE;
}

static gboolean
not_found(GError **error, const char *what, const char *key)
{
	g_autofree char *k = NULL;

	if (error == NULL)
		return FALSE;
	k = cad_printable(key, -1, 200);
	g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_NOT_FOUND,
	            "no %s %s", what, k);
	return FALSE;
}

static gboolean
corrupt(GError **error, const char *what)
{
	g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_CORRUPT,
	            "a %s record does not decode: written by another version?",
	            what);
	return FALSE;
}

/*
 * The end of a cursor walk: the cursor closed, and FALSE with error set
 * when LMDB ended the walk with an error of its own rather than at the
 * end of the data (MDB_NOTFOUND) or at the caller's stop (rc 0), so that
 * a damaged store is reported and never read as a shorter one.
 */
static gboolean
walk_done(cad_txn *t, MDB_cursor *c, int rc, const char *what, GError **error)
{
	mdb_cursor_close(c);
	if (rc == 0 || rc == MDB_NOTFOUND)
		return TRUE;
	return lmdb_error(t, rc, error, what);
}

static const char *
user_name(void)
{
	struct passwd *pw = getpwuid(geteuid());

	return pw != NULL ? pw->pw_name : "?";
}

/* ---- open and close ---- */

static gboolean
check_dir(const char *path, gboolean read_only, GError **error)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		if (errno != ENOENT || read_only ||
		    g_mkdir_with_parents(path, 0750) != 0) {
			g_set_error(
			    error, CAD_STORE_ERROR, CAD_STORE_ERROR_ACCESS,
			    "store directory %s is missing and cannot be "
			    "created by user %s (uid %u): %s",
			    path, user_name(), (unsigned)geteuid(),
			    g_strerror(errno));
			return FALSE;
		}
		return TRUE;
	}
	if (!S_ISDIR(st.st_mode)) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_ACCESS,
		            "store path %s is not a directory", path);
		return FALSE;
	}
	/* Readers too need write access: they take slots in lock.mdb. */
	if (access(path, R_OK | W_OK | X_OK) != 0) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_ACCESS,
		            "store directory %s is not writable by user %s "
		            "(uid %u): %s",
		            path, user_name(), (unsigned)geteuid(),
		            g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}

static gboolean
open_dbs(cad_store *s, GError **error)
{
	MDB_txn *txn;
	unsigned create = s->read_only ? 0 : MDB_CREATE;
	int rc;

	rc = mdb_txn_begin(s->env, NULL, s->read_only ? MDB_RDONLY : 0, &txn);
	if (rc != 0)
		return lmdb_error(NULL, rc, error, "store: begin");
	for (int i = 0; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, db_defs[i].name,
		                  db_defs[i].flags | create, &s->dbi[i]);
		if (rc == MDB_NOTFOUND) {
			mdb_txn_abort(txn);
			g_set_error(
			    error, CAD_STORE_ERROR, CAD_STORE_ERROR_ACCESS,
			    "store %s is not initialised: open it once for "
			    "writing (cadencectl or a daemon)",
			    s->path);
			return FALSE;
		}
		if (rc != 0) {
			mdb_txn_abort(txn);
			return lmdb_error(NULL, rc, error, db_defs[i].name);
		}
	}
	rc = mdb_txn_commit(txn);
	if (rc != 0)
		return lmdb_error(NULL, rc, error, "store: open databases");
	return TRUE;
}

static gboolean
schema_write(cad_txn *txn, void *arg, GError **error)
{
	g_autoptr(GError) err = NULL;
	guint64 v;

	(void)arg;
	if (cad_store_meta_get(txn, "schema", &v, &err))
		return TRUE;
	if (!g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_NOT_FOUND)) {
		g_propagate_error(error, g_steal_pointer(&err));
		return FALSE;
	}
	return cad_store_meta_put(txn, "schema", CAD_STORE_SCHEMA, error);
}

static gboolean
check_schema(cad_store *s, GError **error)
{
	g_autoptr(cad_txn) t = NULL;
	g_autoptr(GError) err = NULL;
	guint64 v = 0;

	if (!s->read_only && !cad_store_write(s, schema_write, NULL, error))
		return FALSE;
	t = cad_store_read_begin(s, error);
	if (t == NULL)
		return FALSE;
	if (!cad_store_meta_get(t, "schema", &v, &err)) {
		if (!g_error_matches(err, CAD_STORE_ERROR,
		                     CAD_STORE_ERROR_NOT_FOUND)) {
			g_propagate_prefixed_error(error, g_steal_pointer(&err),
			                           "store %s: ", s->path);
			return FALSE;
		}
		g_set_error(
		    error, CAD_STORE_ERROR, CAD_STORE_ERROR_SCHEMA,
		    "store %s has no schema version: not a cadence store?",
		    s->path);
		return FALSE;
	}
	s->schema = (guint32)v;
	if (v > CAD_STORE_SCHEMA) {
		g_set_error(
		    error, CAD_STORE_ERROR, CAD_STORE_ERROR_SCHEMA,
		    "store %s was written by a newer cadence (schema %u; this "
		    "build knows schema %u): upgrade cadence or restore a "
		    "backup",
		    s->path, (unsigned)v, (unsigned)CAD_STORE_SCHEMA);
		return FALSE;
	}
	return TRUE;
}

cad_store *
cad_store_open(const char *path, const cad_store_options *opts, GError **error)
{
	cad_store_options o = {0};
	cad_store *s;
	unsigned flags = MDB_NOTLS;
	int rc, dead = 0;

	if (opts != NULL)
		o = *opts;
	if (o.map_size == 0)
		o.map_size = CAD_STORE_MAP_SIZE_DEFAULT;
	if (o.max_map_size == 0)
		o.max_map_size = CAD_STORE_MAP_SIZE_MAX_DEFAULT;
	if (o.max_map_size < o.map_size)
		o.max_map_size = o.map_size;
	if (!check_dir(path, o.read_only, error))
		return NULL;

	s = g_new0(cad_store, 1);
	s->path = g_strdup(path);
	s->max_map_size = o.max_map_size;
	s->read_only = o.read_only;
	g_rw_lock_init(&s->resize_lock);
	if (o.read_only)
		flags |= MDB_RDONLY;
	if (o.no_sync)
		flags |= MDB_NOSYNC;
	if ((rc = mdb_env_create(&s->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(s->env, DB_COUNT + 2)) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env, CAD_STORE_MAX_READERS)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, (size_t)o.map_size)) != 0) {
		lmdb_error(NULL, rc, error, "store: create environment");
		goto fail;
	}
	rc = mdb_env_open(s->env, path, flags, 0660);
	if (rc != 0) {
		g_set_error(error, CAD_STORE_ERROR,
		            rc == EACCES ? CAD_STORE_ERROR_ACCESS
		                         : CAD_STORE_ERROR_FAILED,
		            "cannot open store %s as user %s: %s", path,
		            user_name(), mdb_strerror(rc));
		goto fail;
	}
	/* Slots left by killed processes would pin old pages for ever. */
	mdb_reader_check(s->env, &dead);
	if (dead > 0)
		log_info("store %s: cleared %d stale reader slot(s)", path,
		         dead);
	if (!open_dbs(s, error) || !check_schema(s, error))
		goto fail;
	return s;
fail:
	cad_store_close(s);
	return NULL;
}

void
cad_store_close(cad_store *s)
{
	if (s == NULL)
		return;
	if (s->env != NULL)
		mdb_env_close(s->env);
	g_rw_lock_clear(&s->resize_lock);
	g_free(s->path);
	g_free(s);
}

const char *
cad_store_path(cad_store *s)
{
	return s->path;
}

guint64
cad_store_map_size(cad_store *s)
{
	MDB_envinfo info;

	mdb_env_info(s->env, &info);
	return info.me_mapsize;
}

guint64
cad_store_file_size(cad_store *s)
{
	g_autofree char *file = g_build_filename(s->path, "data.mdb", NULL);
	struct stat st;

	return stat(file, &st) == 0 ? (guint64)st.st_size : 0;
}

int
cad_store_reader_check(cad_store *s)
{
	int dead = 0;

	mdb_reader_check(s->env, &dead);
	return dead;
}

guint32
cad_store_schema(cad_store *s)
{
	return s->schema;
}

gboolean
cad_store_copy(cad_store *s, const char *dir, GError **error)
{
	int rc;

	if (g_mkdir_with_parents(dir, 0750) != 0) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_ACCESS,
		            "cannot create %s: %s", dir, g_strerror(errno));
		return FALSE;
	}
	g_rw_lock_reader_lock(&s->resize_lock);
	rc = mdb_env_copy2(s->env, dir, MDB_CP_COMPACT);
	g_rw_lock_reader_unlock(&s->resize_lock);
	if (rc != 0) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_FAILED,
		            "copy of store %s to %s failed: %s", s->path, dir,
		            mdb_strerror(rc));
		return FALSE;
	}
	return TRUE;
}

void
cad_store_sync(cad_store *s)
{
	mdb_env_sync(s->env, 1);
}

void
cad_store_forget_pages(cad_store *s)
{
	g_autofree char *file = g_build_filename(s->path, "data.mdb", NULL);
	g_autofree char *maps = NULL;
	struct stat st;

	/*
	 * LMDB does not tell where it mapped the file (me_mapaddr is only
	 * set with MDB_FIXEDMAP): find the mapping of the data file's inode.
	 * The map is shared and read-only (no MDB_WRITEMAP), so dropping our
	 * page table entries loses nothing; a later read faults the page in
	 * again from the page cache. The lock keeps a resize in this process
	 * from moving the map meanwhile.
	 */
	if (stat(file, &st) != 0)
		return;
	g_rw_lock_reader_lock(&s->resize_lock);
	if (g_file_get_contents("/proc/self/maps", &maps, NULL, NULL)) {
		for (char *line = maps; line != NULL && *line != '\0';) {
			char *nl = strchr(line, '\n');
			unsigned long lo, hi, ino;
			unsigned maj, min;

			if (sscanf(line, "%lx-%lx %*s %*s %x:%x %lu", &lo, &hi,
			           &maj, &min, &ino) == 5 &&
			    ino == (unsigned long)st.st_ino &&
			    makedev(maj, min) == st.st_dev)
				(void)madvise((void *)lo, hi - lo,
				              MADV_DONTNEED);
			line = nl != NULL ? nl + 1 : NULL;
		}
	}
	g_rw_lock_reader_unlock(&s->resize_lock);
}

/* ---- transactions ---- */

/*
 * set_map_size - with no transaction of ours live (the resize lock held
 * for writing), set the map size: 0 adopts the size another process set;
 * otherwise grow to want.
 */
static void
set_map_size(cad_store *s, guint64 want)
{
	g_rw_lock_writer_lock(&s->resize_lock);
	mdb_env_set_mapsize(s->env, (size_t)want);
	g_rw_lock_writer_unlock(&s->resize_lock);
}

static gboolean
grow_map(cad_store *s, GError **error)
{
	guint64 cur = cad_store_map_size(s), want;

	if (cur >= s->max_map_size) {
		g_set_error(
		    error, CAD_STORE_ERROR, CAD_STORE_ERROR_MAP_FULL,
		    "store %s is full: the map is at its limit of "
		    "%" G_GUINT64_FORMAT
		    " MiB (raise [store] max_map_size); nothing was written",
		    s->path, s->max_map_size >> 20);
		return FALSE;
	}
	want = MIN(cur * 2, s->max_map_size);
	log_info("store %s: map full, growing from %" G_GUINT64_FORMAT
	         " to %" G_GUINT64_FORMAT " MiB",
	         s->path, cur >> 20, want >> 20);
	set_map_size(s, want);
	return TRUE;
}

static int
txn_begin(cad_store *s, unsigned flags, MDB_txn **txn)
{
	int rc;

	for (int i = 0; i < CAD_STORE_WRITE_RETRIES; i++) {
		g_rw_lock_reader_lock(&s->resize_lock);
		rc = mdb_txn_begin(s->env, NULL, flags, txn);
		if (rc != MDB_MAP_RESIZED)
			return rc; /* holding the shared lock when rc == 0 */
		g_rw_lock_reader_unlock(&s->resize_lock);
		set_map_size(s, 0);
	}
	g_rw_lock_reader_lock(&s->resize_lock);
	return rc;
}

cad_txn *
cad_store_read_begin(cad_store *s, GError **error)
{
	cad_txn *t;
	MDB_txn *txn;
	int rc;

	rc = txn_begin(s, MDB_RDONLY, &txn);
	if (rc != 0) {
		g_rw_lock_reader_unlock(&s->resize_lock);
		lmdb_error(NULL, rc, error, "store: begin read");
		return NULL;
	}
	t = g_new0(cad_txn, 1);
	t->store = s;
	t->txn = txn;
	return t;
}

void
cad_txn_end(cad_txn *t)
{
	if (t == NULL)
		return;
	g_return_if_fail(!t->write);
	mdb_txn_abort(t->txn);
	g_rw_lock_reader_unlock(&t->store->resize_lock);
	g_free(t);
}

static gboolean
seq_flush(cad_txn *t, GError **error)
{
	if (!t->seq_loaded)
		return TRUE;
	return cad_store_meta_put(t, "next_id", t->next_id, error) &&
	       cad_store_meta_put(t, "event_seq", t->event_seq, error) &&
	       cad_store_meta_put(t, "notice_seq", t->notice_seq, error);
}

/*
 * seq_counter - one sequence counter from meta: its value, or first when
 * the store has never written it. Any other failure is an error: a
 * counter read as its first value would hand out ids already in use.
 */
static gboolean
seq_counter(cad_txn *t, const char *key, guint64 first, guint64 *out,
            GError **error)
{
	g_autoptr(GError) err = NULL;

	if (cad_store_meta_get(t, key, out, &err))
		return TRUE;
	if (!g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_NOT_FOUND)) {
		g_propagate_error(error, g_steal_pointer(&err));
		return FALSE;
	}
	*out = first;
	return TRUE;
}

static gboolean
seq_load(cad_txn *t, GError **error)
{
	if (t->seq_loaded)
		return TRUE;
	if (!seq_counter(t, "next_id", 1, &t->next_id, error) ||
	    !seq_counter(t, "event_seq", 0, &t->event_seq, error) ||
	    !seq_counter(t, "notice_seq", 0, &t->notice_seq, error))
		return FALSE;
	t->seq_loaded = TRUE;
	return TRUE;
}

/* One attempt; *retry is set when the map was full and has been grown. */
static gboolean
write_once(cad_store *s, cad_store_write_fn fn, void *arg, gboolean *retry,
           GError **error)
{
	cad_txn t = {.store = s, .write = TRUE};
	GError *err = NULL;
	int rc;

	*retry = FALSE;
	rc = txn_begin(s, 0, &t.txn);
	if (rc != 0) {
		g_rw_lock_reader_unlock(&s->resize_lock);
		return lmdb_error(NULL, rc, error, "store: begin write");
	}
	if (fn(&t, arg, &err) && seq_flush(&t, &err)) {
		rc = mdb_txn_commit(t.txn);
		g_rw_lock_reader_unlock(&s->resize_lock);
		if (rc == 0)
			return TRUE;
		if (rc != MDB_MAP_FULL)
			return lmdb_error(NULL, rc, error, "store: commit");
		t.map_full = TRUE;
	} else {
		mdb_txn_abort(t.txn);
		g_rw_lock_reader_unlock(&s->resize_lock);
	}
	if (!t.map_full) {
		g_propagate_error(error, err);
		return FALSE;
	}
	g_clear_error(&err);
	if (!grow_map(s, error))
		return FALSE;
	*retry = TRUE;
	return FALSE;
}

gboolean
cad_store_write(cad_store *s, cad_store_write_fn fn, void *arg, GError **error)
{
	gboolean retry = FALSE;

	if (s->read_only) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_ACCESS,
		            "store %s is open read-only", s->path);
		return FALSE;
	}
	for (int i = 0; i < CAD_STORE_WRITE_RETRIES; i++) {
		if (write_once(s, fn, arg, &retry, error))
			return TRUE;
		if (!retry)
			return FALSE;
	}
	g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_MAP_FULL,
	            "store %s: the write did not fit after %d map growths",
	            s->path, CAD_STORE_WRITE_RETRIES);
	return FALSE;
}

/* ---- low-level get/put ---- */

static gboolean
must_write(cad_txn *t, GError **error)
{
	if (t->write)
		return TRUE;
	g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_FAILED,
	            "store: a write in a read transaction (a bug)");
	return FALSE;
}

static int
get(cad_txn *t, int db, const void *k, size_t klen, MDB_val *v)
{
	MDB_val key = {klen, (void *)k};

	return mdb_get(t->txn, t->store->dbi[db], &key, v);
}

static gboolean
put(cad_txn *t, int db, const void *k, size_t klen, const void *v, size_t vlen,
    unsigned flags, GError **error)
{
	MDB_val key = {klen, (void *)k}, val = {vlen, (void *)v};
	int rc;

	if (!must_write(t, error))
		return FALSE;
	rc = mdb_put(t->txn, t->store->dbi[db], &key, &val, flags);
	if (rc == MDB_KEYEXIST) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_EXISTS,
		            "%s: key exists", db_defs[db].name);
		return FALSE;
	}
	if (rc != 0)
		return lmdb_error(t, rc, error, db_defs[db].name);
	return TRUE;
}

static gboolean
put_bytes(cad_txn *t, int db, const void *k, size_t klen, GBytes *b,
          GError **error)
{
	gsize n;
	const void *d = g_bytes_get_data(b, &n);
	gboolean ok = put(t, db, k, klen, d, n, 0, error);

	g_bytes_unref(b);
	return ok;
}

static gboolean
del(cad_txn *t, int db, const void *k, size_t klen, const void *v, size_t vlen,
    GError **error)
{
	MDB_val key = {klen, (void *)k}, val = {vlen, (void *)v};
	int rc;

	if (!must_write(t, error))
		return FALSE;
	rc = mdb_del(t->txn, t->store->dbi[db], &key, v != NULL ? &val : NULL);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return lmdb_error(t, rc, error, db_defs[db].name);
	return TRUE;
}

/* ---- meta ---- */

gboolean
cad_store_meta_get(cad_txn *t, const char *key, guint64 *value, GError **error)
{
	MDB_val v;
	int rc = get(t, DB_META, key, strlen(key), &v);

	if (rc == MDB_NOTFOUND)
		return not_found(error, "meta value", key);
	if (rc != 0)
		return lmdb_error(t, rc, error, "meta");
	if (v.mv_size != 8)
		return corrupt(error, "meta");
	*value = cad_get_be64(v.mv_data);
	return TRUE;
}

gboolean
cad_store_meta_put(cad_txn *t, const char *key, guint64 value, GError **error)
{
	unsigned char b[8];

	cad_put_be64(b, value);
	return put(t, DB_META, key, strlen(key), b, 8, 0, error);
}

/* ---- prospects ---- */

gboolean
cad_store_prospect_find(cad_txn *t, const char *address, cad_prospect **out,
                        GError **error)
{
	g_autofree char *a = cad_address_normalize(address);
	MDB_val v;
	int rc;

	*out = NULL;
	if (a == NULL)
		return TRUE;
	rc = get(t, DB_PROSPECTS, a, strlen(a), &v);
	if (rc == MDB_NOTFOUND)
		return TRUE;
	if (rc != 0)
		return lmdb_error(t, rc, error, "prospects");
	*out = cad_rec_prospect_decode(v.mv_data, v.mv_size);
	return *out != NULL || corrupt(error, "prospect");
}

cad_prospect *
cad_store_prospect_get(cad_txn *t, const char *address, GError **error)
{
	cad_prospect *p;

	if (!cad_store_prospect_find(t, address, &p, error))
		return NULL;
	if (p == NULL)
		not_found(error, "prospect", address);
	return p;
}

gboolean
cad_store_prospect_put(cad_txn *t, const cad_prospect *p, GError **error)
{
	g_autofree char *a = cad_address_normalize(p->address);

	if (a == NULL) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_FAILED,
		            "not an address: %s", p->address);
		return FALSE;
	}
	return put_bytes(t, DB_PROSPECTS, a, strlen(a),
	                 cad_rec_prospect_encode(p), error);
}

/* ---- enrollments ---- */

static void
due_key(unsigned char k[16], gint64 due, guint64 id)
{
	cad_put_be64(k, (guint64)due);
	cad_put_be64(k + 8, id);
}

cad_enrollment *
cad_store_enrollment_get(cad_txn *t, guint64 id, GError **error)
{
	unsigned char k[8];
	cad_enrollment *e;
	MDB_val v;
	int rc;

	cad_put_be64(k, id);
	rc = get(t, DB_ENROLLMENTS, k, 8, &v);
	if (rc != 0) {
		if (rc == MDB_NOTFOUND)
			g_set_error(error, CAD_STORE_ERROR,
			            CAD_STORE_ERROR_NOT_FOUND,
			            "no enrollment %" G_GUINT64_FORMAT, id);
		else
			lmdb_error(t, rc, error, "enrollments");
		return NULL;
	}
	e = cad_rec_enrollment_decode(v.mv_data, v.mv_size);
	if (e == NULL)
		corrupt(error, "enrollment");
	return e;
}

static char *
token_for(guint64 id)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	g_autofree char *rnd = cad_token_new(TOKEN_RANDOM_LEN);
	char buf[TOKEN_LEN + 1];

	for (int i = TOKEN_ID_LEN - 1; i >= 0; i--) {
		buf[i] = alphabet[id & 31];
		id >>= 5;
	}
	memcpy(buf + TOKEN_ID_LEN, rnd, TOKEN_RANDOM_LEN);
	buf[TOKEN_LEN] = '\0';
	return g_strdup(buf);
}

static gboolean
enrollment_index_new(cad_txn *t, cad_enrollment *e, GError **error)
{
	g_autofree char *token = NULL;
	g_autoptr(GBytes) ref = NULL;
	unsigned char k[8];
	const char *dom = cad_address_domain(e->address);

	if (!seq_load(t, error))
		return FALSE;
	e->id = t->next_id++;
	token = token_for(e->id);
	cad_put_be64(k, e->id);
	cad_rec_enrollment_set_token(e, token);
	ref = cad_rec_ref_encode(e->id, 0);
	return put(t, DB_TOKENS, token, strlen(token),
	           g_bytes_get_data(ref, NULL), g_bytes_get_size(ref),
	           MDB_NOOVERWRITE, error) &&
	       put(t, DB_BY_PROSPECT, e->address, strlen(e->address), k, 8, 0,
	           error) &&
	       (*dom == '\0' ||
	        put(t, DB_BY_DOMAIN, dom, strlen(dom), k, 8, 0, error));
}

/*
 * old_of - the record an update replaces, for its due entry: NULL when
 * there is none yet. A record that does not decode is an error: its due
 * entry could not be found to be moved.
 */
static gboolean
old_of(cad_txn *t, guint64 id, cad_enrollment **old, GError **error)
{
	g_autoptr(GError) err = NULL;

	*old = cad_store_enrollment_get(t, id, &err);
	if (*old != NULL ||
	    g_error_matches(err, CAD_STORE_ERROR, CAD_STORE_ERROR_NOT_FOUND))
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&err));
	return FALSE;
}

gboolean
cad_store_enrollment_put(cad_txn *t, cad_enrollment *e, GError **error)
{
	g_autoptr(cad_enrollment) old = NULL;
	unsigned char k[8], dk[16];

	if (!must_write(t, error))
		return FALSE;
	if (cad_state_is_final(e->state))
		e->next_due = 0;
	if (e->id == 0) {
		g_autofree char *a = cad_address_normalize(e->address);
		if (a == NULL) {
			g_set_error(error, CAD_STORE_ERROR,
			            CAD_STORE_ERROR_FAILED,
			            "not an address: %s", e->address);
			return FALSE;
		}
		g_free(e->address);
		e->address = g_steal_pointer(&a);
		if (!enrollment_index_new(t, e, error))
			return FALSE;
	} else if (!old_of(t, e->id, &old, error)) {
		return FALSE;
	}
	if (old != NULL && old->next_due != 0 && old->next_due != e->next_due) {
		due_key(dk, old->next_due, e->id);
		if (!del(t, DB_DUE, dk, 16, NULL, 0, error))
			return FALSE;
	}
	if (e->next_due != 0 && (old == NULL || old->next_due != e->next_due)) {
		due_key(dk, e->next_due, e->id);
		if (!put(t, DB_DUE, dk, 16, "", 0, 0, error))
			return FALSE;
	}
	cad_put_be64(k, e->id);
	return put_bytes(t, DB_ENROLLMENTS, k, 8, cad_rec_enrollment_encode(e),
	                 error);
}

static GArray *
dup_ids(cad_txn *t, int db, const char *key, GError **error)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint64));
	MDB_cursor *c;
	MDB_val k = {strlen(key), (void *)key}, v;
	int rc;

	if (k.mv_size == 0 || k.mv_size > KEY_MAX)
		return ids;
	rc = mdb_cursor_open(t->txn, t->store->dbi[db], &c);
	if (rc != 0) {
		g_array_unref(ids);
		lmdb_error(t, rc, error, db_defs[db].name);
		return NULL;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP)) {
		if (v.mv_size == 8) {
			guint64 id = cad_get_be64(v.mv_data);
			g_array_append_val(ids, id);
		}
	}
	if (!walk_done(t, c, rc, db_defs[db].name, error)) {
		g_array_unref(ids);
		return NULL;
	}
	return ids;
}

GArray *
cad_store_enrollments_of(cad_txn *t, const char *address, GError **error)
{
	g_autofree char *a = cad_address_normalize(address);

	return dup_ids(t, DB_BY_PROSPECT, a != NULL ? a : "", error);
}

GArray *
cad_store_enrollments_at_domain(cad_txn *t, const char *domain, GError **error)
{
	g_autofree char *d = g_ascii_strdown(domain, -1);

	return dup_ids(t, DB_BY_DOMAIN, d, error);
}

cad_enrollment *
cad_store_enrollment_live_norm(cad_txn *t, const char *a, GError **error)
{
	g_autoptr(GArray) ids = dup_ids(t, DB_BY_PROSPECT, a, error);

	if (ids == NULL)
		return NULL;
	for (guint i = 0; i < ids->len; i++) {
		g_autoptr(GError) err = NULL;
		cad_enrollment *e = cad_store_enrollment_get(
		    t, g_array_index(ids, guint64, i), &err);
		if (e != NULL && !cad_state_is_final(e->state))
			return e;
		cad_enrollment_free(e);
		/* An index entry without its record is no enrollment; one
		 * that does not decode might be the live one. */
		if (e == NULL && !g_error_matches(err, CAD_STORE_ERROR,
		                                  CAD_STORE_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&err));
			return NULL;
		}
	}
	return NULL;
}

cad_enrollment *
cad_store_enrollment_live(cad_txn *t, const char *address, GError **error)
{
	g_autofree char *a = cad_address_normalize(address);

	return a != NULL ? cad_store_enrollment_live_norm(t, a, error) : NULL;
}

gboolean
cad_store_enrollment_foreach(cad_txn *t, cad_enrollment_fn fn, void *arg,
                             GError **error)
{
	return cad_store_enrollment_foreach_after(t, 0, fn, arg, error);
}

gboolean
cad_store_enrollment_foreach_after(cad_txn *t, guint64 after,
                                   cad_enrollment_fn fn, void *arg,
                                   GError **error)
{
	MDB_cursor *c;
	unsigned char start[8];
	MDB_val k = {sizeof(start), start}, v;
	int rc;

	if (after == G_MAXUINT64)
		return TRUE;
	cad_put_be64(start, after + 1);
	rc = mdb_cursor_open(t->txn, t->store->dbi[DB_ENROLLMENTS], &c);
	if (rc != 0)
		return lmdb_error(t, rc, error, "enrollments");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		g_autoptr(cad_enrollment) e =
		    cad_rec_enrollment_decode(v.mv_data, v.mv_size);
		if (e == NULL) {
			mdb_cursor_close(c);
			return corrupt(error, "enrollment");
		}
		if (!fn(e, arg))
			break;
	}
	return walk_done(t, c, rc, "enrollments", error);
}

/* ---- due index ---- */

GArray *
cad_store_due(cad_txn *t, gint64 until, guint limit, GError **error)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint64));
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(t->txn, t->store->dbi[DB_DUE], &c);
	if (rc != 0) {
		g_array_unref(ids);
		lmdb_error(t, rc, error, "due");
		return NULL;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		guint64 id;
		if (k.mv_size != 16)
			continue;
		if ((gint64)cad_get_be64(k.mv_data) > until)
			break;
		id = cad_get_be64((unsigned char *)k.mv_data + 8);
		g_array_append_val(ids, id);
		if (limit != 0 && ids->len >= limit)
			break;
	}
	if (!walk_done(t, c, rc, "due", error)) {
		g_array_unref(ids);
		return NULL;
	}
	return ids;
}

gint64
cad_store_next_due(cad_txn *t, GError **error)
{
	MDB_cursor *c;
	MDB_val k, v;
	gint64 due = 0;
	int rc;

	rc = mdb_cursor_open(t->txn, t->store->dbi[DB_DUE], &c);
	if (rc != 0) {
		lmdb_error(t, rc, error, "due");
		return 0;
	}
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	if (rc == 0 && k.mv_size == 16)
		due = (gint64)cad_get_be64(k.mv_data);
	return walk_done(t, c, rc, "due", error) ? due : 0;
}

/* ---- Message-IDs ---- */

/* The key of a Message-ID: its text, or a hash when LMDB can't hold it. */
static char *
msgid_key(const char *msgid)
{
	char *id = cad_msgid_strip(msgid);

	if (id != NULL && strlen(id) > KEY_MAX) {
		char *h =
		    g_compute_checksum_for_string(G_CHECKSUM_SHA256, id, -1);
		g_free(id);
		id = g_strconcat("#", h, NULL);
		g_free(h);
	}
	return id;
}

gboolean
cad_store_msgid_put(cad_txn *t, const char *msgid, guint64 enrollment,
                    guint32 step, GError **error)
{
	g_autofree char *k = msgid_key(msgid);

	if (k == NULL) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_FAILED,
		            "not a Message-ID");
		return FALSE;
	}
	return put_bytes(t, DB_MSGIDS, k, strlen(k),
	                 cad_rec_ref_encode(enrollment, step), error);
}

gboolean
cad_store_msgid_get(cad_txn *t, const char *msgid, guint64 *enrollment,
                    guint32 *step, GError **error)
{
	g_autofree char *k = msgid_key(msgid);
	MDB_val v;
	int rc = k != NULL ? get(t, DB_MSGIDS, k, strlen(k), &v) : MDB_NOTFOUND;

	if (rc == MDB_NOTFOUND)
		return not_found(error, "Message-ID", msgid);
	if (rc != 0)
		return lmdb_error(t, rc, error, "msgids");
	if (!cad_rec_ref_decode(v.mv_data, v.mv_size, enrollment, step))
		return corrupt(error, "Message-ID");
	return TRUE;
}

/* ---- tokens ---- */

gboolean
cad_store_token_get(cad_txn *t, const char *token, guint64 *enrollment,
                    cad_token_purpose *purpose, GError **error)
{
	cad_token_purpose p;
	g_autofree char *tok = NULL;
	MDB_val v;
	int rc;

	if (token == NULL || strlen(token) != TOKEN_LEN + 1)
		return not_found(error, "token", token != NULL ? token : "");
	switch (g_ascii_tolower(token[0])) {
	case 'b':
		p = CAD_TOKEN_VERP;
		break;
	case 'u':
		p = CAD_TOKEN_UNSUBSCRIBE;
		break;
	case 't':
		p = CAD_TOKEN_TASK;
		break;
	default:
		return not_found(error, "token", token);
	}
	/* Some MTAs upper-case local parts; tokens are lower-case base32. */
	tok = g_ascii_strdown(token + 1, -1);
	rc = get(t, DB_TOKENS, tok, strlen(tok), &v);
	if (rc == MDB_NOTFOUND)
		return not_found(error, "token", token);
	if (rc != 0)
		return lmdb_error(t, rc, error, "tokens");
	if (!cad_rec_ref_decode(v.mv_data, v.mv_size, enrollment, NULL))
		return corrupt(error, "token");
	if (purpose != NULL)
		*purpose = p;
	return TRUE;
}

/* ---- events ---- */

gboolean
cad_store_event_add(cad_txn *t, guint64 enrollment, const char *type,
                    guint32 step, const char *detail, gint64 now,
                    GError **error)
{
	unsigned char k[16], ek[8];

	if (!must_write(t, error) || !seq_load(t, error))
		return FALSE;
	cad_put_be64(k, (guint64)now);
	cad_put_be64(k + 8, ++t->event_seq);
	if (!put_bytes(t, DB_EVENTS, k, 16,
	               cad_rec_event_encode(enrollment, type, step, detail),
	               error))
		return FALSE;
	if (enrollment == 0)
		return TRUE;
	cad_put_be64(ek, enrollment);
	return put(t, DB_BY_ENR_EVENT, ek, 8, k, 16, 0, error);
}

static gboolean
event_visit(MDB_val *k, MDB_val *v, cad_event_fn fn, void *arg, gboolean *stop,
            GError **error)
{
	g_autoptr(cad_event) ev = NULL;

	if (k->mv_size != 16)
		return TRUE;
	ev = cad_rec_event_decode(v->mv_data, v->mv_size);
	if (ev == NULL)
		return corrupt(error, "event");
	ev->time = (gint64)cad_get_be64(k->mv_data);
	ev->seq = cad_get_be64((unsigned char *)k->mv_data + 8);
	*stop = !fn(ev, arg);
	return TRUE;
}

gboolean
cad_store_event_foreach(cad_txn *t, gint64 since, cad_event_fn fn, void *arg,
                        GError **error)
{
	unsigned char start[16] = {0};
	MDB_val k = {16, start}, v;
	MDB_cursor *c;
	gboolean stop = FALSE, ok = TRUE;
	int rc;

	cad_put_be64(start, (guint64)MAX(since, 0));
	rc = mdb_cursor_open(t->txn, t->store->dbi[DB_EVENTS], &c);
	if (rc != 0)
		return lmdb_error(t, rc, error, "events");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	     rc == 0 && ok && !stop; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		ok = event_visit(&k, &v, fn, arg, &stop, error);
	if (!ok) {
		mdb_cursor_close(c);
		return FALSE;
	}
	return walk_done(t, c, stop ? 0 : rc, "events", error);
}

gboolean
cad_store_events_of(cad_txn *t, guint64 enrollment, cad_event_fn fn, void *arg,
                    GError **error)
{
	unsigned char ek[8];
	MDB_val k = {8, ek}, v, ev;
	MDB_cursor *c;
	gboolean stop = FALSE, ok = TRUE;
	int rc;

	cad_put_be64(ek, enrollment);
	rc = mdb_cursor_open(t->txn, t->store->dbi[DB_BY_ENR_EVENT], &c);
	if (rc != 0)
		return lmdb_error(t, rc, error, "by_enr_event");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET); rc == 0 && ok && !stop;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP)) {
		MDB_val evk = v;
		int grc = get(t, DB_EVENTS, v.mv_data, v.mv_size, &ev);
		if (grc == MDB_NOTFOUND)
			continue; /* an index entry without its event */
		ok = grc == 0 ? event_visit(&evk, &ev, fn, arg, &stop, error)
		              : lmdb_error(t, grc, error, "events");
	}
	if (!ok) {
		mdb_cursor_close(c);
		return FALSE;
	}
	return walk_done(t, c, stop ? 0 : rc, "by_enr_event", error);
}

/* ---- suppression ---- */

static char *
suppress_key(const char *key)
{
	if (key == NULL || *key == '\0' || strlen(key) > CAD_ADDRESS_MAX)
		return NULL;
	if (key[0] == '@')
		return strchr(key + 1, '@') == NULL && key[1] != '\0'
		           ? g_ascii_strdown(key, -1)
		           : NULL;
	return cad_address_normalize(key);
}

gboolean
cad_store_suppress_add(cad_txn *t, const char *key, const char *reason,
                       const char *source, gint64 now, GError **error)
{
	g_autofree char *k = suppress_key(key);

	if (k == NULL) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_FAILED,
		            "not an address or @domain: %s", key);
		return FALSE;
	}
	return put_bytes(t, DB_SUPPRESS, k, strlen(k),
	                 cad_rec_suppress_encode(reason, source, now), error);
}

gboolean
cad_store_suppress_remove(cad_txn *t, const char *key, GError **error)
{
	g_autofree char *k = suppress_key(key);
	MDB_val v;
	int rc =
	    k != NULL ? get(t, DB_SUPPRESS, k, strlen(k), &v) : MDB_NOTFOUND;

	if (rc == MDB_NOTFOUND)
		return not_found(error, "suppression entry", key);
	if (rc != 0)
		return lmdb_error(t, rc, error, "suppress");
	return del(t, DB_SUPPRESS, k, strlen(k), NULL, 0, error);
}

/*
 * suppress_get - the entry under key: TRUE with *found when there is
 * one (its reason copied; "?" when the record does not decode: an entry
 * is there, so the address stays suppressed).
 */
static gboolean
suppress_get(cad_txn *t, const char *key, gboolean *found, char **reason,
             GError **error)
{
	MDB_val v;
	int rc = get(t, DB_SUPPRESS, key, strlen(key), &v);

	*found = rc == 0;
	if (rc == MDB_NOTFOUND)
		return TRUE;
	if (rc != 0)
		return lmdb_error(t, rc, error, "suppress");
	if (reason != NULL &&
	    !cad_rec_suppress_decode(v.mv_data, v.mv_size, reason, NULL, NULL))
		*reason = g_strdup("?");
	return TRUE;
}

gboolean
cad_store_is_suppressed(cad_txn *t, const char *address, gboolean *suppressed,
                        char **reason, GError **error)
{
	g_autofree char *a = cad_address_normalize(address);

	*suppressed = FALSE;
	return a == NULL ||
	       cad_store_is_suppressed_norm(t, a, suppressed, reason, error);
}

gboolean
cad_store_is_suppressed_norm(cad_txn *t, const char *a, gboolean *suppressed,
                             char **reason, GError **error)
{
	g_autofree char *dom = NULL;

	*suppressed = FALSE;
	if (!suppress_get(t, a, suppressed, reason, error))
		return FALSE;
	if (*suppressed)
		return TRUE;
	dom = g_strconcat("@", cad_address_domain(a), NULL);
	return suppress_get(t, dom, suppressed, reason, error);
}

gboolean
cad_store_suppress_foreach(cad_txn *t, cad_suppress_fn fn, void *arg,
                           GError **error)
{
	return cad_store_suppress_foreach_after(t, NULL, fn, arg, error);
}

gboolean
cad_store_suppress_foreach_after(cad_txn *t, const char *after,
                                 cad_suppress_fn fn, void *arg, GError **error)
{
	MDB_cursor *c;
	MDB_val k = {0, NULL}, v;
	int rc;

	rc = mdb_cursor_open(t->txn, t->store->dbi[DB_SUPPRESS], &c);
	if (rc != 0)
		return lmdb_error(t, rc, error, "suppress");
	if (after != NULL && *after != '\0') {
		k.mv_size = strlen(after);
		k.mv_data = (void *)after;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		/* SET_RANGE lands on the first key >= after: step past it. */
		if (rc == 0 && k.mv_size == strlen(after) &&
		    memcmp(k.mv_data, after, k.mv_size) == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	} else {
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	}
	for (; rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		g_autofree char *key = g_strndup(k.mv_data, k.mv_size);
		g_autofree char *reason = NULL, *source = NULL;
		gint64 time = 0;
		if (!cad_rec_suppress_decode(v.mv_data, v.mv_size, &reason,
		                             &source, &time))
			continue;
		if (!fn(key, reason, source, time, arg))
			break;
	}
	return walk_done(t, c, rc, "suppress", error);
}

/* ---- throttle ---- */

gboolean
cad_store_throttle_get(cad_txn *t, const char *key, gint64 window_start,
                       guint64 *count, GError **error)
{
	gint64 w;
	guint64 n;
	MDB_val v;
	int rc;

	*count = 0;
	if (strlen(key) == 0 || strlen(key) > KEY_MAX)
		return TRUE; /* never written: see cad_store_throttle_add */
	rc = get(t, DB_THROTTLE, key, strlen(key), &v);
	if (rc == MDB_NOTFOUND)
		return TRUE;
	if (rc != 0)
		return lmdb_error(t, rc, error, "throttle");
	if (!cad_rec_counter_decode(v.mv_data, v.mv_size, &w, &n))
		return corrupt(error, "throttle counter");
	if (w == window_start)
		*count = n;
	return TRUE;
}

gboolean
cad_store_throttle_add(cad_txn *t, const char *key, gint64 window_start,
                       guint64 n, GError **error)
{
	guint64 cur = 0;

	if (strlen(key) == 0 || strlen(key) > KEY_MAX) {
		g_set_error(error, CAD_STORE_ERROR, CAD_STORE_ERROR_FAILED,
		            "throttle key of %zu bytes", strlen(key));
		return FALSE;
	}
	if (!cad_store_throttle_get(t, key, window_start, &cur, error))
		return FALSE;
	return put_bytes(t, DB_THROTTLE, key, strlen(key),
	                 cad_rec_counter_encode(window_start, cur + n), error);
}

/* ---- notices ---- */

gboolean
cad_store_notice_add(cad_txn *t, const char *rep, const char *subject,
                     const char *body, guint64 enrollment, gint64 now,
                     GError **error)
{
	unsigned char k[16];

	if (!must_write(t, error) || !seq_load(t, error))
		return FALSE;
	cad_put_be64(k, (guint64)now);
	cad_put_be64(k + 8, ++t->notice_seq);
	return put_bytes(t, DB_NOTICES, k, 16,
	                 cad_rec_notice_encode(rep, subject, body, enrollment),
	                 error);
}

GPtrArray *
cad_store_notices(cad_txn *t, guint limit, GError **error)
{
	GPtrArray *out =
	    g_ptr_array_new_with_free_func((GDestroyNotify)cad_notice_free);
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(t->txn, t->store->dbi[DB_NOTICES], &c);
	if (rc != 0) {
		g_ptr_array_unref(out);
		lmdb_error(t, rc, error, "notices");
		return NULL;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	     rc == 0 && (limit == 0 || out->len < limit);
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		cad_notice *n = cad_rec_notice_decode(v.mv_data, v.mv_size);
		if (n == NULL || k.mv_size != 16) {
			cad_notice_free(n);
			continue;
		}
		n->time = (gint64)cad_get_be64(k.mv_data);
		n->seq = cad_get_be64((unsigned char *)k.mv_data + 8);
		g_ptr_array_add(out, n);
	}
	if (!walk_done(t, c, rc, "notices", error)) {
		g_ptr_array_unref(out);
		return NULL;
	}
	return out;
}

gboolean
cad_store_notice_del(cad_txn *t, gint64 time, guint64 seq, GError **error)
{
	unsigned char k[16];

	cad_put_be64(k, (guint64)time);
	cad_put_be64(k + 8, seq);
	return del(t, DB_NOTICES, k, 16, NULL, 0, error);
}
