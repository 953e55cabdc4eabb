/*
 * json.c: a classification as one line of JSON, in the shape
 * `cadencectl classify --json` prints. Strings are escaped per RFC 8259;
 * invalid UTF-8 (a file name, say) is replaced, never passed through.
 */
#include <string.h>

#include "mail/mail_internal.h"

static void
put_string(GString *out, const char *s)
{
	g_autofree char *valid = NULL;

	if (s == NULL) {
		g_string_append(out, "null");
		return;
	}
	if (!g_utf8_validate(s, -1, NULL))
		s = valid = g_utf8_make_valid(s, -1);
	g_string_append_c(out, '"');
	for (const char *p = s; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;
		switch (ch) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\r':
			g_string_append(out, "\\r");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		default:
			if (ch < 0x20 || ch == 0x7f)
				g_string_append_printf(out, "\\u%04x", ch);
			else
				g_string_append_c(out, (char)ch);
		}
	}
	g_string_append_c(out, '"');
}

char *
cad_classification_to_json(const cad_classification *c, const char *file)
{
	GString *out = g_string_sized_new(256);

	g_string_append(out, "{\"file\":");
	put_string(out, file);
	g_string_append(out, ",\"kind\":");
	put_string(out, cad_kind_name(c->kind));
	g_string_append(out, ",\"recipients\":[");
	for (guint i = 0; i < c->recipients->len; i++) {
		const cad_bounce_rcpt *r = g_ptr_array_index(c->recipients, i);
		if (i > 0)
			g_string_append_c(out, ',');
		put_string(out, r->address);
	}
	g_string_append(out, "],\"status\":");
	put_string(out, c->status);
	g_string_append(out, ",\"reason\":");
	put_string(out, c->reason);
	g_string_append(out, ",\"diagnostic\":");
	put_string(out, c->diagnostic);
	g_string_append(out, ",\"message_ids\":[");
	for (guint i = 0; i < c->message_ids->len; i++) {
		if (i > 0)
			g_string_append_c(out, ',');
		put_string(out, g_ptr_array_index(c->message_ids, i));
	}
	g_string_append(out, "],\"return_date\":");
	put_string(out, c->return_date);
	g_string_append_c(out, '}');
	return g_string_free(out, FALSE);
}
