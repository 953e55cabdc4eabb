/*
 * bench_store.c: the store at scale. Enrolls 1,000,000 prospects in
 * batches, then measures the due-step query when 10,000 of them are due
 * and Message-ID lookups. Prints "name: value unit" lines; asserts
 * nothing about time. Usage: bench_store [COUNT] [DIR]
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "core/enroll.h"
#include "store/store.h"

#define BATCH     10000
#define DUE_COUNT 10000
#define LOOKUPS   100000
#define NOW       1800000000 /* the moment of the due query */

typedef struct {
	guint64 from, n, total;
} batch;

static gboolean
batch_fn(cad_txn *txn, void *arg, GError **error)
{
	batch *b = arg;
	char addr[64], msgid[64];

	for (guint64 i = b->from; i < b->from + b->n; i++) {
		g_autoptr(cad_prospect) p = NULL;
		g_autoptr(cad_enrollment) e = g_new0(cad_enrollment, 1);
		snprintf(addr, sizeof(addr),
		         "prospect%07" G_GUINT64_FORMAT
		         "@company%05" G_GUINT64_FORMAT ".example",
		         i, i % 50000);
		snprintf(msgid, sizeof(msgid),
		         "<m%07" G_GUINT64_FORMAT ".abc@mail.example.com>", i);
		p = cad_prospect_new(addr);
		cad_prospect_set_field(p, "first_name", "Jane");
		cad_prospect_set_field(p, "last_name", "Doe");
		cad_prospect_set_field(p, "company", "Company");
		e->cadence = g_strdup("cold");
		e->rep = g_strdup("alice@example.com");
		e->thread_subject = g_strdup("Quick question about logistics");
		e->thread_refs = g_strdup(msgid);
		/* Spread the due times so that DUE_COUNT are due at NOW. */
		e->next_due = i % (b->total / DUE_COUNT) == 0
		                  ? NOW - 60 - (gint64)(i % 3600)
		                  : NOW + 60 + (gint64)(i % 864000);
		if (!cad_enroll_record_txn(txn, p, e, NOW - 86400, error))
			return FALSE;
	}
	return TRUE;
}

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double
now_s(void)
{
	return (double)g_get_monotonic_time() / G_USEC_PER_SEC;
}

int
main(int argc, char **argv)
{
	guint64 total =
	    argc > 1 ? g_ascii_strtoull(argv[1], NULL, 10) : 1000000;
	g_autofree char *dir = argc > 2
	                           ? g_strdup(argv[2])
	                           : g_dir_make_tmp("cad-bench-XXXXXX", NULL);
	g_autoptr(GError) err = NULL;
	cad_store *s;
	double t0, t1, c0, c1, best = 1e9;
	guint64 found = 0, due_n = 0;

	cad_store_options o = {.no_sync = getenv("BENCH_NOSYNC") != NULL};

	s = cad_store_open(dir, &o, &err);
	if (s == NULL) {
		fprintf(stderr, "bench_store: %s\n", err->message);
		return 1;
	}
	t0 = now_s();
	c0 = cpu_s();
	for (guint64 from = 0; from < total; from += BATCH) {
		batch b = {from, MIN(BATCH, total - from), total};
		if (!cad_store_write(s, batch_fn, &b, &err)) {
			fprintf(stderr, "bench_store: %s\n", err->message);
			return 1;
		}
	}
	t1 = now_s();
	c1 = cpu_s();
	printf("store_enrollments: %" G_GUINT64_FORMAT " count\n", total);
	printf("store_enroll_rate: %.0f enrollments/s\n", total / (t1 - t0));
	/* CPU per enrollment does not depend on what else the machine runs. */
	printf("store_enroll_cpu: %.2f us/enrollment\n",
	       (c1 - c0) * 1e6 / total);
	printf("store_enroll_sync: %s\n", o.no_sync ? "off" : "every-commit");
	printf("store_batch: %d enrollments/commit\n", BATCH);
	printf("store_bytes_per_enrollment: %.0f bytes\n",
	       (double)cad_store_file_size(s) / total);
	printf("store_map_size: %" G_GUINT64_FORMAT " MiB\n",
	       cad_store_map_size(s) >> 20);

	for (int round = 0; round < 5; round++) {
		cad_txn *t;
		GArray *due;
		t0 = now_s();
		t = cad_store_read_begin(s, NULL);
		due = cad_store_due(t, NOW, 0, NULL);
		due_n = due->len;
		cad_txn_end(t);
		t1 = now_s();
		g_array_unref(due);
		best = MIN(best, t1 - t0);
	}
	printf("store_due_found: %" G_GUINT64_FORMAT " count\n", due_n);
	printf("store_due_query: %.2f ms\n", best * 1000);

	{
		cad_txn *t = cad_store_read_begin(s, NULL);
		char msgid[64];
		t0 = now_s();
		for (int i = 0; i < LOOKUPS; i++) {
			guint64 id;
			snprintf(msgid, sizeof(msgid),
			         "m%07u.abc@mail.example.com",
			         (unsigned)(((guint64)i * 7919) % total));
			if (cad_store_msgid_get(t, msgid, &id, NULL, NULL))
				found++;
		}
		t1 = now_s();
		cad_txn_end(t);
	}
	printf("store_msgid_lookup: %.2f us\n", (t1 - t0) * 1e6 / LOOKUPS);
	printf("store_msgid_found: %" G_GUINT64_FORMAT " count\n", found);
	cad_store_close(s);
	if (argc <= 2) {
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
		(void)!system(cmd);
	}
	return found == LOOKUPS && due_n == DUE_COUNT ? 0 : 1;
}
