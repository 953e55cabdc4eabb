/*
 * storefault.c: see storefault.h. LMDB's own API writes the bad record;
 * the broken page is found through the named database's record in the
 * main database (an MDB_db, whose last field is the root page number)
 * and its page header's flags (after the 8-byte page number and a 2-byte
 * pad), as lmdb's mdb.c lays them out.
 */
#include "storefault.h"

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <glib.h>
#include <lmdb.h>

/* Offset of mp_flags in an LMDB page header (mdb.c, MDB_page). */
#define SF_PAGE_FLAGS_AT 10

static MDB_env *
sf_open(const char *dir)
{
	MDB_env *env;

	cr_assert_eq(mdb_env_create(&env), 0);
	cr_assert_eq(mdb_env_set_maxdbs(env, 32), 0);
	cr_assert_eq(mdb_env_set_mapsize(env, (size_t)1 << 30), 0);
	cr_assert_eq(mdb_env_open(env, dir, 0, 0660), 0, "open %s", dir);
	return env;
}

void
sf_put_raw(const char *dir, const char *db, const void *key, size_t klen,
           const void *value, size_t vlen)
{
	MDB_env *env = sf_open(dir);
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)value};

	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, db, 0, &dbi), 0, "%s", db);
	cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

void
sf_break_db(const char *dir, const char *db)
{
	MDB_env *env = sf_open(dir);
	MDB_txn *txn;
	MDB_dbi main_db;
	MDB_val k = {strlen(db), (void *)db}, v;
	MDB_stat st;
	size_t root;
	uint16_t flags = 0;
	g_autofree char *file = g_build_filename(dir, "data.mdb", NULL);
	int fd;

	cr_assert_eq(mdb_env_stat(env, &st), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, NULL, 0, &main_db), 0);
	cr_assert_eq(mdb_get(txn, main_db, &k, &v), 0, "no database %s", db);
	cr_assert_geq(v.mv_size, sizeof(root));
	memcpy(&root, (char *)v.mv_data + v.mv_size - sizeof(root),
	       sizeof(root));
	mdb_txn_abort(txn);
	mdb_env_close(env);
	cr_assert_neq(root, (size_t)-1, "database %s is empty", db);
	fd = open(file, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, &flags, sizeof(flags),
	                    (off_t)(root * st.ms_psize + SF_PAGE_FLAGS_AT)),
	             (ssize_t)sizeof(flags));
	close(fd);
}
