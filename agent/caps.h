/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The agent's capabilities. futarid runs as root because BLKROSET, mounts, fanotify and
 * trusted.* labels need it; everything else root could do is given up at start, so a bug in
 * the agent cannot load a kernel module, change the clock, open raw network sockets or kill
 * other processes. Capabilities are per thread: fut_caps_restrict() must run before the
 * first thread is created, and fut_caps_verify() checks every thread. */

/* What the agent keeps, as a mask of (1 << CAP_*); the same set as CapabilityBoundingSet=
 * in packaging/systemd/futarid.service.in, which was measured against the tests:
 *   CAP_SYS_ADMIN     BLKROSET, mount and umount of its private mount, fanotify,
 *                     trusted.futari.class
 *   CAP_SYS_PTRACE    /proc/PID/exe of other users' processes (who opens a file)
 *   CAP_DAC_OVERRIDE  read, search and write folders on a stick owned by another uid, and
 *                     label files it does not own */
guint64 fut_caps_agent_keep(void);

/* Clears the ambient set, drops every capability not in @keep from the bounding set, sets
 * the effective and permitted sets to @keep (and the inheritable set to nothing), and sets
 * no_new_privs. Returns FALSE with a reason if any step failed (the caller must not go on).
 * Affects the calling thread and the threads it creates afterwards. */
gboolean fut_caps_restrict(guint64 keep, GError **error);

/* Proves the restriction holds: every thread of the process has effective, permitted,
 * inheritable, ambient and bounding sets within @keep, and raising a dropped capability
 * (capset) is refused by the kernel. Returns FALSE with a reason naming the capability
 * otherwise. */
gboolean fut_caps_verify(guint64 keep, GError **error);

/* Returns "sys_admin,sys_ptrace,..." for the capabilities in @mask. Caller frees. */
gchar *fut_caps_to_string(guint64 mask);

G_END_DECLS
