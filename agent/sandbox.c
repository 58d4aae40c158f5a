/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The content-parser worker's confinement (sandbox.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errors.h"
#include "sandbox.h"

gboolean
fut_sandbox_drop_user(uid_t uid, gid_t gid, GError **error)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2] = {{0}};
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (uid == 0 || gid == 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED,
		            "the worker user must not be root (uid %u, gid %u)", (guint)uid,
		            (guint)gid);
		return FALSE;
	}
	if (geteuid() == 0) {
		if (setgroups(0, NULL) < 0)
			return fut_error_set_errno(error, errno, "setgroups");
		if (setresgid(gid, gid, gid) < 0)
			return fut_error_set_errno(error, errno, "setresgid");
		if (setresuid(uid, uid, uid) < 0)
			return fut_error_set_errno(error, errno, "setresuid");
	}
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return fut_error_set_errno(error, errno, "getresuid");
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid ||
	    getgroups(0, NULL) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED,
		            "running as uid %u gid %u, not the worker user %u:%u", (guint)eu,
		            (guint)eg, (guint)uid, (guint)gid);
		return FALSE;
	}
	if (syscall(SYS_capget, &hdr, data) < 0)
		return fut_error_set_errno(error, errno, "capget");
	if ((data[0].effective | data[0].permitted | data[0].inheritable | data[1].effective |
	     data[1].permitted | data[1].inheritable) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED, "capabilities left after the drop");
		return FALSE;
	}
	/* the drop is for good: root cannot be taken back */
	if (setresuid(0, 0, 0) == 0 || setresgid(0, 0, 0) == 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED, "root could be taken back");
		return FALSE;
	}
	return TRUE;
}

static gboolean
set_limit(int resource, rlim_t soft, rlim_t hard, const gchar *name, GError **error)
{
	struct rlimit rl = {soft, hard};

	if (setrlimit(resource, &rl) < 0)
		return fut_error_set_errno(error, errno, name);
	return TRUE;
}

gboolean
fut_sandbox_limit(const FutSandboxLimits *limits, GError **error)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fut_error_set_errno(error, errno, "PR_SET_NO_NEW_PRIVS");
	/* after the uid change, which clears it: the worker does not outlive the agent */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return fut_error_set_errno(error, errno, "PR_SET_PDEATHSIG");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return fut_error_set_errno(error, errno, "PR_SET_DUMPABLE");
	if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		return fut_error_set_errno(error, errno, "SIGXFSZ");
	if (!set_limit(RLIMIT_CORE, 0, 0, "RLIMIT_CORE", error) ||
	    !set_limit(RLIMIT_FSIZE, 0, 0, "RLIMIT_FSIZE", error) ||
	    !set_limit(RLIMIT_NOFILE, limits->open_files, limits->open_files, "RLIMIT_NOFILE",
	               error) ||
	    !set_limit(RLIMIT_CPU, limits->cpu_total, limits->cpu_total, "RLIMIT_CPU", error))
		return FALSE;
	if (limits->memory > 0 &&
	    !set_limit(RLIMIT_AS, limits->memory, limits->memory, "RLIMIT_AS", error))
		return FALSE;
	if (limits->nice != 0) {
		int got;
		if (limits->nice < 0 || limits->nice > 19) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED,
			            "nice value %d: only 1-19 (lower) can be asked for",
			            limits->nice);
			return FALSE;
		}
		if (setpriority(PRIO_PROCESS, 0, limits->nice) < 0)
			return fut_error_set_errno(error, errno, "setpriority");
		/* and no way back up (RLIMIT_NICE's ceiling is 20 - limit; lowered only, raising
		 * it would need a capability) */
		{
			struct rlimit rl;
			rlim_t ceiling = (rlim_t)(20 - limits->nice);
			if (getrlimit(RLIMIT_NICE, &rl) < 0)
				return fut_error_set_errno(error, errno, "RLIMIT_NICE");
			if ((rl.rlim_max == RLIM_INFINITY || rl.rlim_max > ceiling) &&
			    !set_limit(RLIMIT_NICE, ceiling, ceiling, "RLIMIT_NICE", error))
				return FALSE;
		}
		errno = 0;
		got = getpriority(PRIO_PROCESS, 0);
		/* a process niced further already keeps its value */
		if (errno != 0 || got < limits->nice) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED,
			            "nice value %d, not %d, after setpriority", got, limits->nice);
			return FALSE;
		}
	}
	return TRUE;
}

/* Access rights by Landlock ABI version (uapi landlock.h; later bits spelled out so older
 * headers build). */
#define LL_FS_V1        ((1ULL << 13) - 1)
#define LL_FS_REFER     (1ULL << 13) /* ABI 2 */
#define LL_FS_TRUNCATE  (1ULL << 14) /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */

/* Lets the ruleset @fd read files and list folders beneath @path; a path that is not there
 * (or not a folder) is skipped: nothing is granted for it. */
static gboolean
landlock_allow_read(int fd, const gchar *path, GError **error)
{
	struct landlock_path_beneath_attr rule = {0};
	int dir = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc, e;

	if (dir < 0)
		return TRUE;
	rule.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
	rule.parent_fd = dir;
	rc = (int)syscall(SYS_landlock_add_rule, fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
	e = errno;
	close(dir);
	if (rc < 0)
		return fut_error_set_errno(error, e, "landlock_add_rule");
	return TRUE;
}

gboolean
fut_sandbox_landlock(const gchar *const *read_dirs, gboolean *ret_applied, GError **error)
{
	struct landlock_ruleset_attr attr = {0};
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	int fd;

	*ret_applied = FALSE;
	if (abi < 0) {
		/* no Landlock in this kernel, or it is off, or a system-call filter above us (a
		 * container manager's) refuses it: seccomp alone keeps files out */
		if (errno == ENOSYS || errno == EOPNOTSUPP || errno == EPERM)
			return TRUE;
		return fut_error_set_errno(error, errno, "landlock_create_ruleset");
	}
	attr.handled_access_fs = LL_FS_V1;
	if (abi >= 2)
		attr.handled_access_fs |= LL_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		attr.handled_access_fs |= LL_FS_IOCTL_DEV;
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0)
		return fut_error_set_errno(error, errno, "landlock_create_ruleset");
	for (guint i = 0; read_dirs != NULL && read_dirs[i] != NULL; i++) {
		if (!landlock_allow_read(fd, read_dirs[i], error)) {
			close(fd);
			return FALSE;
		}
	}
	if (syscall(SYS_landlock_restrict_self, fd, 0) < 0) {
		int e = errno;
		close(fd);
		return fut_error_set_errno(error, e, "landlock_restrict_self");
	}
	close(fd);
	*ret_applied = TRUE;
	return TRUE;
}

/* What a worker does between requests and while it parses. */
static const int allowed[] = {
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(pread64),
    SCMP_SYS(preadv),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendmsg),
    SCMP_SYS(close),
    SCMP_SYS(fstat),
    SCMP_SYS(lseek),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(brk),
    SCMP_SYS(madvise),
    SCMP_SYS(futex),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(getrandom),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(getrusage),
    SCMP_SYS(prlimit64),
    SCMP_SYS(getrlimit),
    SCMP_SYS(setrlimit),
    SCMP_SYS(sched_yield),
    /* what the first thread of its own makes glibc do (its cancel and setxid signals), and
     * what a new thread does first (start_thread) */
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(rseq),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(restart_syscall),
    SCMP_SYS(getuid),
    SCMP_SYS(geteuid),
    SCMP_SYS(getgid),
    SCMP_SYS(getegid),
    SCMP_SYS(getppid),
};

/* Refused with EPERM: the ways to reach a file or the network. */
static const int refused[] = {
    SCMP_SYS(open),
    SCMP_SYS(openat),
    SCMP_SYS(openat2),
    SCMP_SYS(creat),
    SCMP_SYS(socket),
    SCMP_SYS(socketpair),
    SCMP_SYS(connect),
    SCMP_SYS(bind),
    SCMP_SYS(sendto),
    SCMP_SYS(recvfrom),
    SCMP_SYS(open_by_handle_at),
    SCMP_SYS(name_to_handle_at),
    SCMP_SYS(statx),
    SCMP_SYS(access),
    SCMP_SYS(faccessat),
    SCMP_SYS(faccessat2),
    SCMP_SYS(readlink),
    SCMP_SYS(readlinkat),
    SCMP_SYS(stat),
    SCMP_SYS(lstat),
};

/* The open flags that ask for more than reading (write access, creating, truncating,
 * appending, a path-only or unnamed file): each refused on its own rule, since seccomp
 * compares one masked value per rule. */
static const unsigned long open_flags_refused[] = {
    O_WRONLY,
    O_RDWR,
    O_CREAT,
    O_TRUNC,
    O_APPEND,
    O_PATH,
    O_TMPFILE & ~O_DIRECTORY, /* glibc's O_TMPFILE holds O_DIRECTORY's bit too */
};

gboolean
fut_sandbox_seccomp(gboolean open_read_only, GError **error)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = 0;

	if (ctx == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED, "seccomp_init failed");
		return FALSE;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(allowed) && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (gsize i = 0; i < G_N_ELEMENTS(refused) && rc == 0; i++) {
		if (open_read_only && refused[i] == SCMP_SYS(openat))
			continue;
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), refused[i], 0);
	}
	/* openat for reading only, where Landlock decides which paths (the caller passes
	 * TRUE only when Landlock is applied) */
	if (open_read_only) {
		gulong any = 0;

		for (gsize i = 0; i < G_N_ELEMENTS(open_flags_refused) && rc == 0; i++) {
			any |= open_flags_refused[i];
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(openat), 1,
			                      SCMP_A2(SCMP_CMP_MASKED_EQ, open_flags_refused[i],
			                              open_flags_refused[i]));
		}
		if (rc == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
			                      SCMP_A2(SCMP_CMP_MASKED_EQ, any, 0));
	}
	/* glibc's fstat() is newfstatat(fd, "", AT_EMPTY_PATH): allowed only in that form
	 * (a path with AT_EMPTY_PATH still resolves, so Landlock and the empty set of
	 * rights keep the rest: a stat shows metadata, it opens nothing) */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
		                      SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(newfstatat), 1,
		                      SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0));
	/* memory, never executable */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
		                      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
		                      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* descriptor flags only (no F_DUPFD, no locks) */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
		                      SCMP_A1(SCMP_CMP_EQ, F_GETFD));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
		                      SCMP_A1(SCMP_CMP_EQ, F_GETFL));
	/* Threads of its own (a large text scanned by two: common/content-split.c): clone(2)
	 * only with CLONE_THREAD, a thread of this same process under this same filter; a new
	 * process (fork) is still killed. clone3(2), whose flags are in memory seccomp cannot
	 * read, answers ENOSYS, and glibc then uses clone(2). A thread may name itself. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
		                      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
#if defined(__SANITIZE_ADDRESS__)
	/* sanitizer builds only: ASan's thread start gives the thread its own signal stack and
	 * reads the CPU affinity */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sigaltstack), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sched_getaffinity), 0);
#endif
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
		                      SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	/* reading its own no_new_privs (the self test shows it) */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
		                      SCMP_A0(SCMP_CMP_EQ, PR_GET_NO_NEW_PRIVS));
	/* isatty() on stderr: "not a terminal"; the label xattr: "no label" (the agent reads
	 * labels itself) */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(ioctl), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENODATA), SCMP_SYS(fgetxattr), 0);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0)
		return fut_error_set_errno(error, -rc, "seccomp");
	return TRUE;
}
