/*
 * classify_dump.c: classify the files named on standard input, one per
 * line, and print everything cad_classify() found, one field per line.
 * bench/classify-same builds it against two revisions of the classifier
 * and compares the output: speed work must not change a verdict.
 */
#include <stdio.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mail/classify.h"

/* 2024-12-02T00:00:00Z, as the tests use, for return dates. */
#define DUMP_NOW ((gint64)1733097600)

static const char *
str(const char *s)
{
	return s != NULL ? s : "-";
}

int
main(void)
{
	char path[4096];

	g_mime_init();
	while (fgets(path, sizeof(path), stdin) != NULL) {
		cad_classification *c;
		char *b;
		gsize l;

		path[strcspn(path, "\n")] = '\0';
		if (!g_file_get_contents(path, &b, &l, NULL)) {
			printf("%s: unreadable\n", path);
			continue;
		}
		c = cad_classify(b, l, DUMP_NOW);
		printf("%s: %s status=%s reason=%s date=%s from=%s\n", path,
		       cad_kind_name(c->kind), str(c->status), str(c->reason),
		       str(c->return_date), str(c->from));
		printf(" subject=%s\n diagnostic=%s\n warning=%s\n reply=%s\n",
		       str(c->subject), str(c->diagnostic), str(c->warning),
		       str(c->reply_text));
		for (guint i = 0; i < c->recipients->len; i++) {
			cad_bounce_rcpt *r =
			    g_ptr_array_index(c->recipients, i);
			printf(" rcpt %s status=%s reason=%s hard=%d diag=%s\n",
			       str(r->address), str(r->status), str(r->reason),
			       r->hard, str(r->diagnostic));
		}
		for (guint i = 0; i < c->message_ids->len; i++)
			printf(" id %s\n", (const char *)g_ptr_array_index(
			                       c->message_ids, i));
		cad_classification_free(c);
		g_free(b);
	}
	g_mime_shutdown();
	return 0;
}
