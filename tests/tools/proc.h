/*
 * proc.h: readiness signals read from /proc, for the tests (and
 * benchmarks) that must know another process is blocked, not merely
 * started: a daemon waiting in poll(2) for work, a program blocked in
 * write(2) on a full pipe. Waiting on these replaces a fixed sleep that
 * assumed the process got there meanwhile.
 */
#ifndef CAD_TEST_PROC_H
#define CAD_TEST_PROC_H

#include <sys/types.h>

#include <glib.h>

/* The poll family and the write family of system calls, for
 * cad_proc_wait_blocked: each list ends with -1. */
extern const long cad_proc_poll_calls[];
extern const long cad_proc_write_calls[];

/*
 * cad_proc_blocked_in - TRUE when pid's main thread sleeps (state S or D
 * in /proc/PID/stat) inside one of the system calls of calls (numbers
 * from /proc/PID/syscall; the list ends with -1).
 */
gboolean cad_proc_blocked_in(pid_t pid, const long *calls);

/*
 * cad_proc_wait_blocked - poll cad_proc_blocked_in every 5 ms until it
 * holds, or timeout_ms passes, or pid has ended (a zombie never blocks).
 * TRUE when it held. It reaps nothing: the caller's waitpid still works.
 */
gboolean cad_proc_wait_blocked(pid_t pid, const long *calls, int timeout_ms);

#endif
