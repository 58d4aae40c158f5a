/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* The content-parser worker's confinement (futari-scan-worker), as OpenSSH confines its
 * pre-authentication child: what parses a user's file runs as its own user with no
 * capabilities, no_new_privs, resource limits, no filesystem (Landlock, where the kernel
 * has it) and a seccomp allow-list that leaves reading the descriptors it is handed,
 * answering on its socket, memory and exit. Each step is one call so the worker's self test
 * (--self-test) runs exactly what the worker runs. */

typedef struct {
	guint64 memory;   /* RLIMIT_AS in bytes; 0: none (sanitizer builds reserve terabytes) */
	guint cpu_total;  /* RLIMIT_CPU hard limit in seconds: the worker's whole life */
	guint open_files; /* RLIMIT_NOFILE */
	gint nice;        /* the nice value (1-19: lower only; RLIMIT_NICE keeps it there); 0:
	                   * left as it is */
} FutSandboxLimits;

/* Becomes @uid/@gid with no supplementary groups when started as root (refuses uid or gid
 * 0), then checks that no capability is left in any set and that the ids cannot go back.
 * Started as another user, only checks (then @uid and @gid must be the current ids). */
gboolean fut_sandbox_drop_user(uid_t uid, gid_t gid, GError **error);

/* no_new_privs, parent-death signal SIGKILL, no core dumps, and @limits; writing a file
 * gets EFBIG rather than SIGXFSZ (RLIMIT_FSIZE 0). The nice value is the calling
 * thread's (Linux keeps one per thread; the worker has a single thread), checked after. */
gboolean fut_sandbox_limit(const FutSandboxLimits *limits, GError **error);

/* Denies every filesystem access right Landlock knows on this kernel, except reading files
 * and listing folders beneath each of @read_dirs (NULL-terminated, may be NULL; a path not
 * there is skipped): descriptors already open keep working, no other path can be opened. Sets
 * @ret_applied FALSE (and succeeds) when Landlock is not there: not in the kernel, off, or refused
 * by a system-call filter above the process (systemd-nspawn's); fails if it is there and the
 * restriction could not be applied. */
gboolean fut_sandbox_landlock(const gchar *const *read_dirs, gboolean *ret_applied, GError **error);

/* Loads the seccomp allow-list; everything else kills the process (SIGSYS), except open,
 * socket and their relatives, which fail with EPERM (so a library that tries one fails
 * cleanly), and fgetxattr, which says "no such attribute". With @open_read_only, openat
 * is allowed for reading only (no write access, O_CREAT, O_TRUNC, O_APPEND, O_PATH,
 * O_TMPFILE): pass it only when Landlock limits which paths that reaches. */
gboolean fut_sandbox_seccomp(gboolean open_read_only, GError **error);

G_END_DECLS
