/*
 * storefault.h: real faults in a real store for the tests that check a
 * store error is an error: a record that does not decode, and a named
 * database whose pages LMDB refuses to read (MDB_CORRUPTED). The store
 * must be closed in this process while they are made (LMDB allows one
 * environment handle per process).
 */
#ifndef CAD_TEST_STOREFAULT_H
#define CAD_TEST_STOREFAULT_H

#include <stddef.h>

/* Put value (raw bytes) under key in the named database db of the store
 * in dir: a record of cadence's that does not decode. */
void sf_put_raw(const char *dir, const char *db, const void *key, size_t klen,
                const void *value, size_t vlen);

/* Make every read of the named database db fail with MDB_CORRUPTED: the
 * flags of its root page are cleared in data.mdb. db must hold a record. */
void sf_break_db(const char *dir, const char *db);

#endif
