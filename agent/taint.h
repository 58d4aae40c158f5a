/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "logrecord.h"

G_BEGIN_DECLS

/* Upload control's second layer (DESIGN §6, docs/upload-control.md): the BPF LSM programs of
 * agent/bpf/taint.bpf.c, loaded with libbpf. A process that reads a Class I/II inode the
 * agent marked is tainted, the taint follows fork/exec and what it writes (files, pipes, unix
 * and loopback sockets), and a tainted process cannot connect or send to the network unless
 * an approval covers that content, user and program. Denials come back through a ring
 * buffer; ones the ring buffer had no room for are counted and reported as a gap.
 *
 * Built without BPF (configure --disable-bpf), fut_taint_new() fails with that reason. On
 * a kernel without BPF LSM (not in the active LSM list) the load fails with the kernel's
 * reason: the agent then runs on fanotify alone. */

typedef struct _FutTaint FutTaint;

typedef enum {
	FUT_TAINT_DENIED_CONNECT = 1,
	FUT_TAINT_DENIED_SEND = 2,
	FUT_TAINT_DENIED_WRITE = 3,
} FutTaintDenialKind;

/* One refused connect or send, as the kernel reported it. Strings are raw (not escaped). */
typedef struct {
	FutTaintDenialKind kind;
	guint32 pid;
	guint32 uid;
	guint file_class;               /* 1: Class I, 2: Class II */
	guint64 origin_dev, origin_ino; /* the classified file the taint came from (st_dev) */
	const gchar *origin_path;       /* its path when the agent marked it, or NULL */
	const gchar *exe;               /* /proc/PID/exe, or the kernel's file name of it */
	const gchar *comm;
	const gchar *destination; /* "192.0.2.1:8080", "[2001:db8::1]:443" */
} FutTaintDenial;

typedef void (*FutTaintDenialFunc)(const FutTaintDenial *denial, gpointer user_data);
/* @lost denials were refused in the kernel but did not fit in the ring buffer. */
typedef void (*FutTaintGapFunc)(guint64 lost, gpointer user_data);

typedef struct {
	guint64 marked;  /* inodes marked by the agent */
	guint64 tainted; /* processes tainted by a read */
	guint64 denied;  /* connects and sends refused */
	guint64 dropped; /* refusals the ring buffer had no room for */
	guint64 flowed;  /* files, pipes and sockets marked by a tainted writer */
	guint approvals; /* approvals in the kernel map */
} FutTaintStats;

/* Loads and attaches the programs. @exempt_programs (absolute paths; missing ones are
 * skipped) are never tainted nor refused; the calling process is never tainted. @on_denial
 * and @on_gap are called from the thread-default main context of the caller. */
FutTaint *fut_taint_new(const gchar *const *exempt_programs,
                        FutTaintDenialFunc on_denial,
                        FutTaintGapFunc on_gap,
                        gpointer user_data,
                        GError **error);
void fut_taint_free(FutTaint *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutTaint, fut_taint_free)

/* Marks the inode open at @fd as @file_class (1 or 2; anything else is refused). Keeps the
 * stronger class when it is marked already. Thread-safe. */
gboolean fut_taint_mark_fd(FutTaint *t, int fd, guint file_class, GError **error);

/* Under the upload approval @request_id: the content open at @content_fd (the classified file
 * itself: taint carries the inode it came from) may be sent by @uid's processes running the
 * executable @program (an absolute path; NULL: any program). The agent calls it when
 * fanotify allowed that program's open of that file under the approval, before the open is
 * answered. fut_taint_withdraw() ends every such allowance of @request_id. Thread-safe. */
gboolean fut_taint_allow(FutTaint *t,
                         int content_fd,
                         uid_t uid,
                         const gchar *program,
                         const gchar *request_id,
                         GError **error);
/* Withdraws what fut_taint_allow() allowed under @request_id (its window ended). */
void fut_taint_withdraw(FutTaint *t, const gchar *request_id);

/* Reports denials the ring buffer lost since the last call as one gap (also done after every
 * ring buffer read); the agent calls it from its tick. */
void fut_taint_check_gap(FutTaint *t);

void fut_taint_get_stats(FutTaint *t, FutTaintStats *ret);

/* The upload.denied record for @d. */
FutLogEvent *fut_taint_denial_to_log_event(const FutTaintDenial *d);
/* The gap record for @lost denials. */
FutLogEvent *fut_taint_gap_to_log_event(guint64 lost);

G_END_DECLS
