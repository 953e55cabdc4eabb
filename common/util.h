/*
 * util.h: small helpers shared by every module: address normalisation,
 * printable copies of untrusted text, random tokens and time helpers. It
 * needs GLib only: GMime's autocleanups are in mail/gmime_auto.h, so that
 * the layers that never touch a message neither include nor link GMime.
 */
#ifndef CAD_UTIL_H
#define CAD_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/* Exit codes of sysexits(3), used at start-up only. */
#define CAD_EX_USAGE     64
#define CAD_EX_DATAERR   65
#define CAD_EX_NOINPUT   66
#define CAD_EX_SOFTWARE  70
#define CAD_EX_OSERR     71
#define CAD_EX_CANTCREAT 73
#define CAD_EX_IOERR     74
#define CAD_EX_TEMPFAIL  75
#define CAD_EX_NOPERM    77
#define CAD_EX_CONFIG    78

/* Longest address we accept (RFC 5321 §4.5.3.1.3: 256 octets path). */
#define CAD_ADDRESS_MAX 320

/*
 * cad_address_normalize - a bare, lower-cased copy of an address: angle
 * brackets and surrounding space removed. NULL when it is not local@domain
 * or is longer than CAD_ADDRESS_MAX. Caller frees.
 */
char *cad_address_normalize(const char *addr);

/* cad_address_domain - pointer to the domain part (after the last '@'). */
const char *cad_address_domain(const char *addr);

/*
 * cad_printable - a copy of untrusted bytes fit for a log line: at most
 * max bytes, control and non-UTF-8 bytes replaced with '?'. Caller frees.
 */
char *cad_printable(const char *s, gssize len, gsize max);

/*
 * cad_token_new - a random token of n base32 characters (a-z, 2-7), from
 * the kernel's CSPRNG (getrandom(2), short reads and EINTR read again).
 * When the kernel gives no randomness the program aborts (g_error): it
 * never falls back to a predictable generator.
 */
char *cad_token_new(gsize n);

/* cad_random_u32 - a random number from getrandom(2); aborts likewise. */
guint32 cad_random_u32(void);

/* Big-endian u64 in and out of key buffers. */
void cad_put_be64(unsigned char *p, guint64 v);
guint64 cad_get_be64(const unsigned char *p);

/* cad_now - seconds since the epoch; tests may pin it with CAD_FAKE_NOW. */
gint64 cad_now(void);

/*
 * cad_parse_time - ISO 8601 ("2026-12-01T09:00:00Z", or a date
 * "2026-12-01" read as midnight UTC, or "@SECONDS") to epoch seconds.
 * FALSE and a GError on anything else.
 */
gboolean cad_parse_time(const char *s, gint64 *out, GError **error);

/* cad_format_time - "2026-12-01T09:00:00Z" (UTC). Caller frees. */
char *cad_format_time(gint64 t);

/* cad_msgid_strip - the text inside <...> of a Message-ID; caller frees. */
char *cad_msgid_strip(const char *id);

/*
 * cad_json_string - append s to out as a JSON string (RFC 8259), or null
 * for NULL. Invalid UTF-8 becomes U+FFFD; controls, U+2028 and U+2029 are
 * escaped, so a line of JSON stays one line and safe to embed.
 */
void cad_json_string(GString *out, const char *s);

#define CAD_ERROR (cad_error_quark())
GQuark cad_error_quark(void);

typedef enum {
	CAD_ERROR_FAILED,
	CAD_ERROR_INVALID,
	CAD_ERROR_NOT_FOUND,
} cad_error_code;

#endif
