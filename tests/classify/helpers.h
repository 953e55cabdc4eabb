/*
 * helpers.h: what the classifier suites share: reading a test message from
 * tests/data/classify and classifying it at a fixed "now".
 */
#ifndef CAD_TEST_CLASSIFY_HELPERS_H
#define CAD_TEST_CLASSIFY_HELPERS_H

#include <glib.h>

#include "mail/classify.h"

/* 2024-12-02T00:00:00Z: the reference for return dates in the tests. */
#define TEST_NOW ((gint64)1733097600)

/* The repository root: $CAD_SOURCE_DIR, else the configure-time path. */
const char *test_source_dir(void);
/* Classify tests/data/classify/NAME; aborts the test if unreadable. */
cad_classification *classify_data(const char *name);
/* TRUE when c names addr among its recipients. */
gboolean has_recipient(const cad_classification *c, const char *addr);
/* TRUE when c names id among its Message-IDs. */
gboolean has_id(const cad_classification *c, const char *id);
/* g_mime_init() for a test's .init. */
void test_gmime_init(void);
void test_gmime_fini(void);

#endif
