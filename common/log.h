/*
 * log.h: one logging vocabulary for the three programs, in OpenSMTPD's
 * shape. The suffix x means errno does not belong in the message:
 * log_warn() appends strerror(errno), log_warnx() does not; fatal() and
 * fatalx() log and exit. Lines go to syslog (facility mail, so they land
 * beside Postfix's), and to stderr when the program runs in the foreground.
 */
#ifndef CAD_LOG_H
#define CAD_LOG_H

#include <stdarg.h>

#include <glib.h>

typedef enum {
	CAD_LOG_ERR = 3,
	CAD_LOG_WARNING = 4,
	CAD_LOG_NOTICE = 5,
	CAD_LOG_INFO = 6,
	CAD_LOG_DEBUG = 7,
} cad_log_level;

/*
 * cad_log_init - name the program and choose where lines go.
 * to_syslog opens syslog(3) with LOG_MAIL; to_stderr also writes each line
 * to stderr as "progname: line". level is the highest level written.
 */
void cad_log_init(const char *progname, gboolean to_syslog, gboolean to_stderr,
                  cad_log_level level);
gboolean cad_log_enabled(cad_log_level level);

void cad_log(cad_log_level level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void cad_logv(cad_log_level level, const char *fmt, va_list ap);
void log_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void log_info(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
G_NORETURN void fatal(int status, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
G_NORETURN void fatalx(int status, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Debug lines are not even formatted unless enabled. */
#define log_debug(...)                                       \
	do {                                                 \
		if (cad_log_enabled(CAD_LOG_DEBUG))          \
			cad_log(CAD_LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
