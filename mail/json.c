/*
 * json.c: a classification as one line of JSON, in the shape
 * `cadencectl classify --json` prints. Strings are escaped per RFC 8259
 * by cad_json_string (common/util.c); invalid UTF-8 (a file name, say)
 * is replaced, never passed through.
 */
#include <string.h>

#include "common/util.h"
#include "mail/mail_internal.h"

char *
cad_classification_to_json(const cad_classification *c, const char *file)
{
	GString *out = g_string_sized_new(256);

	g_string_append(out, "{\"file\":");
	cad_json_string(out, file);
	g_string_append(out, ",\"kind\":");
	cad_json_string(out, cad_kind_name(c->kind));
	g_string_append(out, ",\"recipients\":[");
	for (guint i = 0; i < c->recipients->len; i++) {
		const cad_bounce_rcpt *r = g_ptr_array_index(c->recipients, i);
		if (i > 0)
			g_string_append_c(out, ',');
		cad_json_string(out, r->address);
	}
	g_string_append(out, "],\"status\":");
	cad_json_string(out, c->status);
	g_string_append(out, ",\"reason\":");
	cad_json_string(out, c->reason);
	g_string_append(out, ",\"diagnostic\":");
	cad_json_string(out, c->diagnostic);
	g_string_append(out, ",\"message_ids\":[");
	for (guint i = 0; i < c->message_ids->len; i++) {
		if (i > 0)
			g_string_append_c(out, ',');
		cad_json_string(out, g_ptr_array_index(c->message_ids, i));
	}
	g_string_append(out, "],\"return_date\":");
	cad_json_string(out, c->return_date);
	g_string_append_c(out, '}');
	return g_string_free(out, FALSE);
}
