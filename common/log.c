/*
 * log.c: the logging module behind log.h. Thread-safe: syslog(3) and a
 * single fputs per line are atomic enough for line-oriented output, and the
 * settings are written once at start-up.
 */
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static const char *log_progname = "cadence";
static gboolean log_syslog;
static gboolean log_stderr = TRUE;
static cad_log_level log_level = CAD_LOG_INFO;

void
cad_log_init(const char *progname, gboolean to_syslog, gboolean to_stderr,
             cad_log_level level)
{
	log_progname = progname;
	if (log_syslog && !to_syslog)
		closelog();
	log_syslog = to_syslog;
	log_stderr = to_stderr;
	log_level = level;
	if (to_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

gboolean
cad_log_enabled(cad_log_level level)
{
	return level <= log_level;
}

void
cad_logv(cad_log_level level, const char *fmt, va_list ap)
{
	int saved = errno;
	char line[2048];

	if (level > log_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_syslog)
		syslog((int)level, "%s", line);
	if (log_stderr) {
		char out[2200];
		snprintf(out, sizeof(out), "%s: %s\n", log_progname, line);
		fputs(out, stderr);
	}
	errno = saved;
}

void
cad_log(cad_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cad_logv(level, fmt, ap);
	va_end(ap);
}

static void
log_with_errno(cad_log_level level, int err, const char *fmt, va_list ap)
{
	char msg[1800];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	cad_log(level, "%s: %s", msg, g_strerror(err));
}

void
log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_with_errno(CAD_LOG_WARNING, err, fmt, ap);
	va_end(ap);
	errno = err;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cad_logv(CAD_LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cad_logv(CAD_LOG_INFO, fmt, ap);
	va_end(ap);
}

void
fatal(int status, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_with_errno(CAD_LOG_ERR, err, fmt, ap);
	va_end(ap);
	exit(status);
}

void
fatalx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cad_logv(CAD_LOG_ERR, fmt, ap);
	va_end(ap);
	exit(status);
}
