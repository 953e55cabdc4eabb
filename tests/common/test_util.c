/*
 * test_util.c: common/util.c's randomness: tokens come from the kernel,
 * and a process the kernel gives no randomness to stops rather than
 * making tokens from a predictable generator.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "common/util.h"

#include <linux/filter.h>
#include <linux/seccomp.h>

/* Tokens drawn in the child: more bytes than the per-thread pool holds,
 * so that it must ask the kernel again whatever the pool held. */
#define DRAWS 400

/* Make every getrandom(2) of this process fail with ENOSYS. */
static gboolean
deny_getrandom(void)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	             offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getrandom, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {G_N_ELEMENTS(f), f};

	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	       prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

Test(util, tokens_are_base32_and_differ)
{
	g_autofree char *a = cad_token_new(24);
	g_autofree char *b = cad_token_new(24);

	cr_assert_eq(strlen(a), 24);
	cr_assert_eq(strspn(a, "abcdefghijklmnopqrstuvwxyz234567"), 24);
	cr_assert_str_neq(a, b);
}

Test(util, no_randomness_stops_the_program_instead_of_guessing)
{
	int fds[2], status = 0;
	char buf[512] = {0};
	pid_t pid;
	ssize_t n;

	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		dup2(fds[1], 2);
		if (!deny_getrandom())
			_exit(77); /* no seccomp here: cannot tell */
		for (int i = 0; i < DRAWS; i++)
			g_free(cad_token_new(24));
		_exit(0); /* tokens made without the kernel's randomness */
	}
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		cr_skip_test("seccomp filters are not allowed here");
	cr_assert(WIFSIGNALED(status),
	          "made %d tokens with getrandom(2) denied (exit %d)", DRAWS,
	          WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	cr_assert(n > 0 && strstr(buf, "getrandom(2) gives no randomness"),
	          "%s", buf);
}
