/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <sys/types.h>

#include <glib.h>

G_BEGIN_DECLS

/* Facts about a process read from /proc, for the upload decision and its log record.
 * Every read is bounded; the parsers are separate so tests can feed them garbage. */

#define FUT_PROCINFO_READ_MAX       4096
/* The kernel's PF_KTHREAD in /proc/PID/stat field 9 (include/linux/sched.h). */
#define FUT_PROCINFO_PF_KTHREAD     0x00200000u
/* The value of /proc/PID/loginuid for a process outside any login session. */
#define FUT_PROCINFO_LOGINUID_UNSET 4294967295u

/* Parses the text of /proc/PID/stat (@len bytes). Stores the start time in clock ticks
 * since boot (field 22) in @ret_starttime and the flags (field 9) in @ret_flags. The
 * command name may hold spaces and ')' so parsing starts after the last ')'. */
gboolean fut_procinfo_parse_stat(
    const gchar *text, gsize len, guint64 *ret_starttime, guint32 *ret_flags, GError **error);

/* Parses the text of /proc/PID/status (@len bytes) and stores the real uid of its "Uid:"
 * line in @ret_uid. */
gboolean
fut_procinfo_parse_status_uid(const gchar *text, gsize len, guint32 *ret_uid, GError **error);

/* Parses the text of /proc/PID/loginuid: a decimal number, optionally followed by one
 * newline. FUT_PROCINFO_LOGINUID_UNSET means no login session. */
gboolean
fut_procinfo_parse_loginuid(const gchar *text, gsize len, guint32 *ret_loginuid, GError **error);

/* Reads /proc/@pid/@name (at most FUT_PROCINFO_READ_MAX bytes). Caller frees the
 * NUL-terminated text; its length without the NUL goes to @ret_len. */
gboolean
fut_procinfo_read(pid_t pid, const gchar *name, gchar **ret_text, gsize *ret_len, GError **error);

/* Returns the target of /proc/@pid/exe (the executable's path as the kernel sees it, with
 * " (deleted)" when it was removed), or NULL with an error (kernel threads have none).
 * Caller frees. The path is untrusted: escape it before it reaches a log or terminal. */
gchar *fut_procinfo_read_exe(pid_t pid, GError **error);

/* Returns the command name (/proc/@pid/comm without its newline). Caller frees; untrusted. */
gchar *fut_procinfo_read_comm(pid_t pid, GError **error);

/* Reads the real uid of @pid. */
gboolean fut_procinfo_read_uid(pid_t pid, guint32 *ret_uid, GError **error);

/* Reads the audit login uid of @pid (FUT_PROCINFO_LOGINUID_UNSET outside a session). */
gboolean fut_procinfo_read_loginuid(pid_t pid, guint32 *ret_loginuid, GError **error);

/* Reads start time and flags of @pid from /proc/@pid/stat. */
gboolean
fut_procinfo_read_stat(pid_t pid, guint64 *ret_starttime, guint32 *ret_flags, GError **error);

G_END_DECLS
