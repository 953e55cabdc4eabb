/*
 * fuzz_records_seeds.c: write one valid encoded record of each type into
 * DIR, the seeds of fuzz_records (fuzz/run-short). Generated rather than
 * kept in the tree, so that they follow the codec. Usage:
 * fuzz_records_seeds DIR
 */
#include <stdio.h>
#include <stdlib.h>

#include "store/records.h"

static void
put(const char *dir, const char *name, GBytes *b)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) err = NULL;
	gsize len;
	const char *data = g_bytes_get_data(b, &len);

	if (!g_file_set_contents(path, data, (gssize)len, &err)) {
		fprintf(stderr, "fuzz_records_seeds: %s\n", err->message);
		exit(1);
	}
	g_bytes_unref(b);
}

int
main(int argc, char **argv)
{
	g_autoptr(cad_prospect) p = cad_prospect_new("jane@acme.example");
	cad_enrollment e = {
	    .id = 42,
	    .address = "jane@acme.example",
	    .cadence = "cold",
	    .rep = "alice@example.com",
	    .state = CAD_STATE_WAITING,
	    .step = 2,
	    .step_status = CAD_STEP_SENDING,
	    .enrolled_at = 1733097600,
	    .next_due = 1733443200,
	    .attempts = 1,
	    .thread_subject = "Quick question",
	    .thread_refs = "<root@laptop.example.com> <s2@example.com>",
	    .sending_msgid = "s3@example.com",
	    .verp_token = "babcdefghijklmnop",
	    .last_error = "451 4.7.1 try later",
	};

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_records_seeds DIR\n");
		return 64;
	}
	cad_prospect_set_field(p, "first_name", "Jane");
	cad_prospect_set_field(p, "company", "Acme");
	cad_prospect_set_field(p, "timezone", "Europe/Berlin");
	cad_prospect_set_field(p, "industry", "Anvils");
	cad_prospect_set_field(p, "city", "Köln");
	p->created = 1733097600;
	put(argv[1], "prospect", cad_rec_prospect_encode(p));
	put(argv[1], "enrollment", cad_rec_enrollment_encode(&e));
	put(argv[1], "event",
	    cad_rec_event_encode(42, "hard_bounce", 3,
	                         "550 5.1.1 no such user"));
	put(argv[1], "notice",
	    cad_rec_notice_encode("alice@example.com", "Refused: jane",
	                          "jane@acme.example is suppressed.\n", 42));
	put(argv[1], "suppress",
	    cad_rec_suppress_encode("hard_bounce", "milter", 1733097600));
	put(argv[1], "ref", cad_rec_ref_encode(42, 3));
	put(argv[1], "counter", cad_rec_counter_encode(1733097600, 17));
	return 0;
}
