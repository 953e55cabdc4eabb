/*
 * test_records.c: the store's record codec (store/records.c) on its own:
 * each record type decodes back to what was encoded, and bytes that are no
 * record of ours (a NUL inside a string, found by fuzz/fuzz_records) are
 * refused rather than half-read.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "store/records.h"

/* A copy of b with the first byte of needle's first occurrence set to
 * NUL: a string field that holds a NUL. */
static GBytes *
with_nul_in(GBytes *b, const char *needle)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(b, &len);
	guint8 *copy = g_memdup2(data, len);
	guint8 *at = memmem(copy, len, needle, strlen(needle));

	cr_assert_not_null(at, "%s is in the record", needle);
	*at = '\0';
	return g_bytes_new_take(copy, len);
}

#define DATA(b) g_bytes_get_data(b, NULL), g_bytes_get_size(b)

Test(records, each_type_decodes_back)
{
	g_autoptr(cad_prospect) p = cad_prospect_new("jane@acme.example");
	cad_enrollment e = {.id = 7,
	                    .address = "jane@acme.example",
	                    .cadence = "cold",
	                    .rep = "alice@example.com",
	                    .state = CAD_STATE_PAUSED,
	                    .step = 2,
	                    .thread_refs = "<a@x> <b@x>",
	                    .verp_token = "babc"};
	char *reason = NULL, *source = NULL;
	gint64 t = 0;

	cad_prospect_set_field(p, "first_name", "Jane");
	cad_prospect_set_field(p, "industry", "Anvils");
	g_autoptr(GBytes) pb = cad_rec_prospect_encode(p);
	g_autoptr(cad_prospect) p2 = cad_rec_prospect_decode(DATA(pb));
	cr_assert_not_null(p2);
	cr_assert_str_eq(p2->address, "jane@acme.example");
	cr_assert_str_eq(cad_prospect_field(p2, "first_name"), "Jane");
	cr_assert_str_eq(cad_prospect_field(p2, "industry"), "Anvils");

	g_autoptr(GBytes) eb = cad_rec_enrollment_encode(&e);
	g_autoptr(cad_enrollment) e2 = cad_rec_enrollment_decode(DATA(eb));
	cr_assert_not_null(e2);
	cr_assert_eq(e2->id, 7);
	cr_assert_eq(e2->state, CAD_STATE_PAUSED);
	cr_assert_str_eq(e2->thread_refs, "<a@x> <b@x>");
	cr_assert_str_eq(e2->unsub_token, "uabc");

	g_autoptr(GBytes) sb =
	    cad_rec_suppress_encode("hard_bounce", "milter", 9);
	cr_assert(cad_rec_suppress_decode(DATA(sb), &reason, &source, &t));
	cr_assert_str_eq(reason, "hard_bounce");
	cr_assert_str_eq(source, "milter");
	cr_assert_eq(t, 9);
	g_free(reason);
	g_free(source);
}

/* A C string ends at its first NUL: decoded as it was, the address
 * "jane@acme.example" became "jane" and a field's value vanished. */
Test(records, nul_inside_a_string_is_refused)
{
	g_autoptr(cad_prospect) p = cad_prospect_new("jane@acme.example");
	cad_enrollment e = {.address = "jane@acme.example",
	                    .cadence = "cold",
	                    .rep = "alice@example.com"};
	char *reason = NULL;

	cad_prospect_set_field(p, "city", "Koeln");
	g_autoptr(GBytes) pb = cad_rec_prospect_encode(p);
	g_autoptr(GBytes) pa = with_nul_in(pb, "@acme");
	g_autoptr(GBytes) pf = with_nul_in(pb, "Koeln");
	cr_assert_null(cad_rec_prospect_decode(DATA(pa)));
	cr_assert_null(cad_rec_prospect_decode(DATA(pf)));

	g_autoptr(GBytes) eb = cad_rec_enrollment_encode(&e);
	g_autoptr(GBytes) ea = with_nul_in(eb, "@acme");
	cr_assert_null(cad_rec_enrollment_decode(DATA(ea)));

	g_autoptr(GBytes) vb = cad_rec_event_encode(1, "replied", 2, "a b");
	g_autoptr(GBytes) va = with_nul_in(vb, "plied");
	cr_assert_null(cad_rec_event_decode(DATA(va)));

	g_autoptr(GBytes) nb =
	    cad_rec_notice_encode("alice@example.com", "Refused", "body", 1);
	g_autoptr(GBytes) na = with_nul_in(nb, "body");
	cr_assert_null(cad_rec_notice_decode(DATA(na)));

	g_autoptr(GBytes) sb = cad_rec_suppress_encode("hard_bounce", "x", 1);
	g_autoptr(GBytes) sa = with_nul_in(sb, "bounce");
	cr_assert_not(cad_rec_suppress_decode(DATA(sa), &reason, NULL, NULL));
	cr_assert_null(reason);
}
