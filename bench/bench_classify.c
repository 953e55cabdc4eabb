/*
 * bench_classify.c: classify every message named on the command line,
 * loaded into memory first, in one process, for at least a second of
 * rounds; print the rate and the peak memory as "name: value unit".
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gmime/gmime.h>

#include "mail/classify.h"

/* Seconds of classification measured, at the least. */
#define BENCH_MIN_SECONDS 1.0

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	GPtrArray *bufs = g_ptr_array_new_with_free_func(g_free);
	GArray *lens = g_array_new(FALSE, FALSE, sizeof(gsize));
	double t0, dt;
	long n = 0, rounds = 0, bounces = 0, fixed = 0;
	struct rusage ru;

	g_mime_init();
	for (int i = 1; i < argc; i++) {
		char *b;
		gsize l;
		if (!g_file_get_contents(argv[i], &b, &l, NULL)) {
			fprintf(stderr, "bench_classify: cannot read %s\n",
			        argv[i]);
			continue;
		}
		g_ptr_array_add(bufs, b);
		g_array_append_val(lens, l);
	}
	/* CAD_BENCH_ROUNDS: a fixed number of rounds, to count
	 * instructions or cycles alike in two builds. */
	if (g_getenv("CAD_BENCH_ROUNDS") != NULL)
		fixed = atol(g_getenv("CAD_BENCH_ROUNDS"));
	if (bufs->len == 0) {
		fprintf(stderr, "usage: bench_classify FILE...\n");
		return 64;
	}
	t0 = now_s();
	do {
		for (guint i = 0; i < bufs->len; i++) {
			cad_classification *c = cad_classify(
			    g_ptr_array_index(bufs, i),
			    g_array_index(lens, gsize, i), 1733097600);
			if (rounds == 0 && (c->kind == CAD_KIND_HARD_BOUNCE ||
			                    c->kind == CAD_KIND_SOFT_BOUNCE))
				bounces++;
			cad_classification_free(c);
			n++;
		}
		rounds++;
		dt = now_s() - t0;
	} while (fixed > 0 ? rounds < fixed : dt < BENCH_MIN_SECONDS);
	getrusage(RUSAGE_SELF, &ru);
	printf("classify_messages: %u msg\n", bufs->len);
	printf("classify_bounces_found: %ld msg\n", bounces);
	printf("classify_rounds: %ld rounds\n", rounds);
	printf("classify_rate: %.0f msg/s\n", n / dt);
	printf("classify_peak_rss: %.1f MiB\n", ru.ru_maxrss / 1024.0);
	g_ptr_array_free(bufs, TRUE);
	g_array_free(lens, TRUE);
	g_mime_shutdown();
	return 0;
}
