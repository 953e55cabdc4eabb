/*
 * proc.c: readiness signals read from /proc (see proc.h).
 */
#include "tests/tools/proc.h"

#include <sys/syscall.h>
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

/* Each libc wrapper may use either call of a family, by architecture. */
const long cad_proc_poll_calls[] = {
#ifdef SYS_poll
    SYS_poll,
#endif
#ifdef SYS_ppoll
    SYS_ppoll,
#endif
#ifdef SYS_select
    SYS_select,
#endif
#ifdef SYS_pselect6
    SYS_pselect6,
#endif
    -1};

const long cad_proc_write_calls[] = {SYS_write,
#ifdef SYS_writev
                                     SYS_writev,
#endif
                                     -1};

/* The state letter of pid from /proc/PID/stat ("pid (comm) S ..."); the
 * command name may hold spaces and parentheses, so read after the last
 * ')'. 0 when unreadable. */
static char
proc_state(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
	g_autofree char *text = NULL;
	const char *close;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	close = strrchr(text, ')');
	return close != NULL && close[1] == ' ' ? close[2] : 0;
}

/* The system call pid sleeps in, from /proc/PID/syscall ("NR args..."),
 * or -1 when it runs ("running") or the file is unreadable. */
static long
proc_syscall(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/syscall", (int)pid);
	g_autofree char *text = NULL;
	char *end;
	long nr;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return -1;
	nr = strtol(text, &end, 10);
	return end != text ? nr : -1;
}

gboolean
cad_proc_blocked_in(pid_t pid, const long *calls)
{
	char state = proc_state(pid);
	long nr;

	if (state != 'S' && state != 'D')
		return FALSE;
	nr = proc_syscall(pid);
	for (; *calls != -1; calls++)
		if (nr == *calls)
			return TRUE;
	return FALSE;
}

gboolean
cad_proc_wait_blocked(pid_t pid, const long *calls, int timeout_ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	while (g_get_monotonic_time() < end) {
		char state = proc_state(pid);
		if (state == 0 || state == 'Z')
			return FALSE; /* gone: it will never block */
		if (cad_proc_blocked_in(pid, calls))
			return TRUE;
		g_usleep(5 * 1000); /* the poll's interval, not a wait */
	}
	return FALSE;
}
