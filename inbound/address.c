/*
 * address.c: recognise the cadence, VERP, unsubscribe and task addresses,
 * with their +NAME or +TOKEN extension, in untrusted address text.
 */
#include "inbound/address.h"

#include <string.h>

#include "common/util.h"

static gboolean
ext_valid(const char *s, gsize len)
{
	if (len == 0 || len > CAD_MILTER_EXT_MAX)
		return FALSE;
	for (gsize i = 0; i < len; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_' &&
		    s[i] != '.')
			return FALSE;
	return TRUE;
}

gboolean
cad_address_ext(const char *addr, const char *base, const char *delims,
                char **ext)
{
	g_autofree char *a = cad_address_normalize(addr);
	g_autofree char *b = cad_address_normalize(base);
	const char *a_at, *b_at;
	gsize b_local;

	if (ext != NULL)
		*ext = NULL;
	if (a == NULL || b == NULL)
		return FALSE;
	a_at = strrchr(a, '@');
	b_at = strrchr(b, '@');
	/* The domains must be equal. */
	if (strcmp(a_at, b_at) != 0)
		return FALSE;
	b_local = (gsize)(b_at - b);
	if ((gsize)(a_at - a) < b_local || strncmp(a, b, b_local) != 0)
		return FALSE;
	if (a + b_local == a_at)
		return TRUE; /* exactly base */
	if (delims == NULL || *delims == '\0' ||
	    strchr(delims, a[b_local]) == NULL)
		return FALSE;
	if (!ext_valid(a + b_local + 1, (gsize)(a_at - (a + b_local + 1))))
		return FALSE;
	if (ext != NULL)
		*ext = g_strndup(a + b_local + 1,
		                 (gsize)(a_at - (a + b_local + 1)));
	return TRUE;
}

cad_addr_kind
cad_address_classify(const cad_conf *conf, const char *addr, char **ext)
{
	const char *delims = conf->recipient_delimiter != NULL &&
	                             *conf->recipient_delimiter != '\0'
	                         ? conf->recipient_delimiter
	                         : CAD_MILTER_DELIM_DEFAULT;

	const struct {
		const char *base;
		cad_addr_kind kind;
	} ours[] = {
	    {conf->enroll_address, CAD_ADDR_ENROLL},
	    {conf->bounce_address, CAD_ADDR_BOUNCE},
	    {conf->unsubscribe_address, CAD_ADDR_UNSUBSCRIBE},
	    {conf->task_address, CAD_ADDR_TASK},
	};

	if (ext != NULL)
		*ext = NULL;
	for (gsize i = 0; i < G_N_ELEMENTS(ours); i++) {
		if (ours[i].base == NULL || *ours[i].base == '\0')
			continue;
		if (cad_address_ext(addr, ours[i].base, delims, ext))
			return ours[i].kind;
	}
	return CAD_ADDR_OTHER;
}
