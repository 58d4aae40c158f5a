/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* The worker spawner. Becoming the worker user takes CAP_SETUID and CAP_SETGID, which the
 * agent drops at start (agent/caps.h). So before it drops them, futarid forks this small
 * process, which keeps only those two and CAP_KILL, holds no other descriptor, and does one thing:
 * on request, start one futari-scan-worker (as a child of the agent, CLONE_PARENT, so the agent
 * reaps it and sees how it ended) and hand back its pid and the agent's end of its
 * socketpair; and kill a worker the agent gives up on. The worker drops to its user itself, before
 * it parses anything. */

typedef struct _FutScanSpawner FutScanSpawner;

typedef struct {
	const gchar *program; /* absolute path of futari-scan-worker */
	uid_t uid;            /* the worker user (not 0) */
	gid_t gid;
	guint64 memory; /* --memory */
	guint cpu;      /* --cpu */
} FutScanSpawnConfig;

/* Forks the spawner. Call while the process has one thread and still holds CAP_SETUID and
 * CAP_SETGID. */
FutScanSpawner *fut_scan_spawner_new(const FutScanSpawnConfig *cfg, GError **error);
/* Closes the spawner's socket: it exits. */
void fut_scan_spawner_free(FutScanSpawner *self);

/* Starts one worker. Thread-safe. Returns the agent's end of the worker's SOCK_SEQPACKET
 * socket (O_CLOEXEC) and its pid in @ret_pid, or -1 with an error. */
int fut_scan_spawner_spawn(FutScanSpawner *self, pid_t *ret_pid, GError **error);

/* Kills the worker @pid (SIGKILL). The agent itself cannot: it keeps no CAP_KILL, and
 * the worker is another user. Only pids this spawner started, once each; the caller
 * reaps. */
void fut_scan_spawner_kill(FutScanSpawner *self, pid_t pid);

/* Workers are the agent's own children (CLONE_PARENT): reaps those of @pids (pid_t) that have
 * ended, removing them from @pids; the others stay for a later call. */
void fut_scan_reap_ended(GArray *pids);

/* How long fut_scan_spawner_spawn() waits for the spawner's answer (default 10 s). An
 * answer that comes later is recognised by its serial number at the next start, and its
 * worker killed. For tests. */
void fut_scan_spawner_set_timeout(FutScanSpawner *self, guint timeout_ms);
/* The spawner's pid (tests stop it to make it late). */
pid_t fut_scan_spawner_get_pid(FutScanSpawner *self);

/* Resolves @user to a uid and gid; refuses root and a missing user. */
gboolean fut_scan_lookup_user(const gchar *user, uid_t *ret_uid, gid_t *ret_gid, GError **error);

G_END_DECLS
