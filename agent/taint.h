/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
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
	/* Any of these by a process that read content the agent had not classified yet. */
	FUT_TAINT_DENIED_PENDING = 4,
	/* A splice from a pipe into an internet socket, by any program not exempt, tainted or
	 * not (file_class 0 when not). */
	FUT_TAINT_DENIED_SPLICE = 5,
	/* A write to a file on a network or FUSE filesystem, or a shared writable mapping of
	 * one (destination: that filesystem; target: the file's name; call: write or mmap). */
	FUT_TAINT_DENIED_REMOTE_FS = 6,
	/* An ioctl on a USB device node (usbfs: MTP/PTP phones and cameras, adb, libusb) by a
	 * process that is not root's (destination: "USB device BUS:DEV"; call: "ioctl"). */
	FUT_TAINT_DENIED_USB = 7,
	/* A reach into another process's memory across an exempt program (destination:
	 * "process PID (COMM)"; call: "ptrace"). */
	FUT_TAINT_DENIED_PTRACE = 8,
	/* A FUSE server's read of a Class I/II file (call "read"; target: the file's name), or
	 * its answer through /dev/fuse while tainted (call "write"); destination: "FUSE
	 * filesystem served by this process". */
	FUT_TAINT_DENIED_FUSE_SERVE = 9,
	/* A browser's or mail client's (or its tracee's) read or mapping of a file holding
	 * Class I/II content (a copy a tainted process wrote) without an approval (call
	 * "exempt-read"; target: the file's name), or its receive of what a tainted process
	 * sent on a loopback flow (call "exempt-receive"); destination: the program
	 * itself. A PENDING refusal may carry the same calls. */
	FUT_TAINT_DENIED_EXEMPT_READ = 10,
	/* A write into a pipe, or a send on a loopback flow, that a browser or mail client
	 * reads, by a process holding Class I/II content, without an approval for the reader
	 * (call "exempt-feed"; destination: "process PID (COMM), a browser or mail client,
	 * reading this pipe" or "..., at 127.0.0.1:PORT", the browser's end of the flow). A PENDING
	 * refusal may carry the same call. */
	FUT_TAINT_DENIED_EXEMPT_FEED = 11,
} FutTaintDenialKind;

/* One refused connect or send, as the kernel reported it. Strings are raw (not escaped). */
typedef struct {
	FutTaintDenialKind kind;
	guint32 pid;
	guint32 uid;
	guint file_class;               /* 1: Class I, 2: Class II; 0: none (PENDING, SPLICE) */
	guint64 origin_dev, origin_ino; /* the classified file the taint came from (st_dev) */
	const gchar *origin_path;       /* its path when the agent marked it, or NULL */
	const gchar *exe;               /* /proc/PID/exe, or the kernel's file name of it */
	const gchar *comm;
	const gchar *destination; /* "192.0.2.1:8080", "[2001:db8::1]:443", "nfs4 /mnt/share" */
	const gchar *target;      /* REMOTE_FS: the written file's name (no folder), or NULL */
	const gchar *call;        /* REMOTE_FS: "write" or "mmap"; USB: "ioctl"; PTRACE: "ptrace";
	                           * FUSE_SERVE:        "read" or "write"; EXEMPT_READ: "exempt-read" or
	                           * "exempt-receive";        EXEMPT_FEED: "exempt-feed"; or NULL */
	/* PENDING only: verdicts the kernel had lost (its resolution map is an LRU) and the agent
	 * gave it again after this refusal, so the process's next try is decided on them. */
	guint republished;
	/* PENDING only: the content is what a splice or tee was still waiting for when the
	 * process read it (a number the kernel made, FUT_TAINT_SEQ_SPLICE_WAIT): no file is
	 * known yet, and the record says so. */
	gboolean splice_wait;
} FutTaintDenial;

typedef void (*FutTaintDenialFunc)(const FutTaintDenial *denial, gpointer user_data);
/* @lost denials were refused in the kernel but did not fit in the ring buffer. */
typedef void (*FutTaintGapFunc)(guint64 lost, gpointer user_data);

typedef struct {
	guint64 marked; /* inodes marked by the agent */
	/* files marked because a process that took a mark had them mapped shared and writable
	 * (of @marked), and notices of such processes not followed (too many waiting) */
	guint64 shared_marked;
	guint64 shared_dropped;
	guint64 tainted;     /* processes tainted by a read */
	guint64 denied;      /* connects and sends refused */
	guint64 dropped;     /* refusals the ring buffer had no room for */
	guint64 flowed;      /* files, pipes and sockets marked by a tainted writer */
	guint64 expired;     /* approvals the kernel side found ended and refused (and deleted) */
	guint64 peer_exempt; /* receives that did not taint: an exempt peer program or socket */
	guint64 pending;     /* pending numbers readers took (kernel) */
	guint64 pending_overflow; /* marks made Class II: no free pending slot (kernel) */
	guint64 pending_set;      /* inodes marked pending by the agent */
	guint64 resolved;         /* pending numbers resolved by the agent */
	guint64 settled;     /* older versions' numbers dropped from inodes (fut_taint_settle()) */
	guint64 republished; /* verdicts given to the kernel again after it lost them */
	guint64 splice_unnoted;   /* pipe-to-socket splices noted in the fallback map (kernel) */
	guint64 splice_note_lost; /* ... that no map could note: judged by taint alone (kernel) */
	guint64 exempt_fed; /* exempt programs fed marked data by vmsplice/tee: exempt no more */
	guint64 exempt_fed_full;   /* 1 once a fed program could not be noted: none is exempt */
	guint64 shared_owed;       /* files owed a mark by a tracing program (kernel) */
	guint64 shared_owed_taken; /* ... that took it at a read or mapping (kernel) */
	guint64 shared_overflow;   /* files mapped beyond a process's slots (kernel) */
	guint64 mapped_noted;      /* shared mappings of user-writable files noted (kernel) */
	guint64 mapped_overflow;   /* processes with more such files than slots (kernel) */
	guint64 mapped_pulled;     /* marks taken from files marked after their mapping */
	guint64 mapped_full; /* such marks with no room: the owner's readers take all its marks */
	guint64 mapped_lost; /* ... nor room for the owner: every reader takes Class II */
	gint64 owed_open;    /* owed_files entries now (reads look them up while above 0) */
	guint approvals;     /* approvals in the kernel map */
	guint peers_exempt;  /* taint-exempt-peers entries marked (programs and sockets found) */
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

/* The class the kernel side's mark on the inode open at @fd gives its content: 1 or 2 when
 * it was classified so or written by a process that had read Class I/II content (a copy
 * made by cp, base64, xz…, whatever its own bytes look like), 0 when it carries nothing.
 * Content read before it was classified counts by the agent's verdict on it; one without a
 * verdict yet, or a mark that cannot be read, is 2 (fail closed). @ret_origin_kdev and
 * @ret_origin_ino (may be NULL): the Class I/II file it came from, 0 when not known. Cheap
 * (one map lookup by descriptor, nothing read from the file): callable on a thread that
 * answers the kernel. Thread-safe. */
guint fut_taint_file_class(FutTaint *t, int fd, guint32 *ret_origin_kdev, guint64 *ret_origin_ino);

/* The path the agent knew the file of a mark's origin by (fut_taint_mark_fd()), or NULL. */
gchar *fut_taint_origin_path(FutTaint *t, guint32 origin_kdev, guint64 origin_ino);

/* Marks the inode open at @fd pending with @seq (not 0): whoever reads it from now on
 * cannot send to the network until fut_taint_resolve() has given @seq a class. For a
 * non-upload program's open of a file whose current version has no known class, before the
 * open is answered: cheap (a map update, the file's path for the records). Thread-safe. */
gboolean fut_taint_set_pending(FutTaint *t, int fd, guint64 seq, GError **error);

/* @seq (fut_taint_set_pending()) is content of class @file_class (1, 2 or 3; anything else
 * is taken as 2): readers that took it lose it (3) or are tainted with it from then on (1,
 * 2; the origin is the file at @fd, or none with @fd -1). A class given already is only
 * ever raised. With @fd, the inode's pending mark is dropped when it is still @seq.
 * Thread-safe. */
gboolean fut_taint_resolve(FutTaint *t, guint64 seq, guint file_class, int fd, GError **error);

/* The inode open at @fd has a current version of known class: its pending mark is dropped
 * when the number there is below @below (given to an older version before this open looked
 * at the file); a number from @below on (a newer version's, set since) stays. Checked and
 * dropped under the lock fut_taint_set_pending() takes, so a number set meanwhile is never
 * lost. Returns TRUE when a mark was dropped. Thread-safe. */
gboolean fut_taint_settle(FutTaint *t, int fd, guint64 below);

/* The verdicts the agent gave on pending numbers, kept on its side too: the kernel's
 * resolution map is an LRU, and a verdict it evicted would leave a reader refused until it
 * exits. When the kernel refuses a send as "not yet classified", the agent gives it the
 * verdicts it still has on the process's numbers again (taint-pending.c); a number it no
 * longer has stays refused (fail closed). At most @max numbers, the oldest forgotten first.
 * Not thread-safe (FutTaint holds its pending lock). */
typedef struct _FutTaintVerdicts FutTaintVerdicts;
FutTaintVerdicts *fut_taint_verdicts_new(guint max);
void fut_taint_verdicts_free(FutTaintVerdicts *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutTaintVerdicts, fut_taint_verdicts_free)
/* Records the verdict @file_class (fut_taint_resolution_class() with the one kept already)
 * on @seq, from the file @origin_kdev:@origin_ino (the kernel's numbering; 0:0 none; kept
 * from the earlier verdict when the class is not raised). Returns the class kept; @seq 0 is
 * ignored (returns 0). */
guint fut_taint_verdicts_put(
    FutTaintVerdicts *v, guint64 seq, guint file_class, guint32 origin_kdev, guint64 origin_ino);
/* The verdict on @seq: FALSE when there is none (never given, or forgotten). */
gboolean fut_taint_verdicts_lookup(FutTaintVerdicts *v,
                                   guint64 seq,
                                   guint *ret_class,
                                   guint32 *ret_origin_kdev,
                                   guint64 *ret_origin_ino);
guint fut_taint_verdicts_size(FutTaintVerdicts *v);

/* The class a resolution keeps when @seq is resolved again: the stronger of @old (0: none
 * yet) and @new (1, 2 or 3; anything else is 2). */
guint fut_taint_resolution_class(guint old, guint new_class);

/* The upload approval @request_id is active until @not_after (unix seconds, inclusive): what
 * fut_taint_allow() allows under it ends then in the kernel itself, whatever the agent's
 * tick does. Call before the approval can be used (before fanotify learns it); calling again
 * (the approval replaced) moves the end of what was allowed under it already. At most 4096
 * windows are kept: an approval beyond that gets no window, and fut_taint_allow() then
 * refuses it (fail closed). Thread-safe. */
void fut_taint_set_window(FutTaint *t, const gchar *request_id, gint64 not_after);

/* Under the upload approval @request_id: the content open at @content_fd (the classified file
 * itself: taint carries the inode it came from) may be sent by @uid's processes running the
 * executable @program (an absolute path; NULL: any program) until the window set by
 * fut_taint_set_window() ends. The agent calls it when fanotify allowed that program's open
 * of that file under the approval, before the open is answered. The program is looked at
 * without following a symbolic link and without asking a FUSE file system anything (a
 * program on FUSE, or one reached through a link, is refused). fut_taint_withdraw() ends
 * every such allowance of @request_id. Thread-safe. */
gboolean fut_taint_allow(FutTaint *t,
                         int content_fd,
                         uid_t uid,
                         const gchar *program,
                         const gchar *request_id,
                         GError **error);
/* Withdraws what fut_taint_allow() allowed under @request_id (its window ended) and forgets
 * its window. A key another active approval also allowed stays, until that one's end. */
void fut_taint_withdraw(FutTaint *t, const gchar *request_id);

/* The end of a window whose last second is @not_after (unix seconds, inclusive), on the
 * boot clock: @now_boot_ns plus what is left of the window after @now_real_ns (the wall
 * clock at the same moment). FALSE when the window has ended already. Saturates instead of
 * overflowing. */
gboolean fut_taint_window_end(gint64 not_after,
                              gint64 now_real_ns,
                              guint64 now_boot_ns,
                              guint64 *ret_end_boot_ns);

/* One line of /proc/self/mountinfo, what the taint layer needs of it. */
typedef struct {
	guint mount_id;
	gchar *mount_point; /* unescaped */
	gchar *fs_type;
} FutTaintMount;
void fut_taint_mount_free(FutTaintMount *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutTaintMount, fut_taint_mount_free)

/* Parses mountinfo text into FutTaintMount*; a malformed line is refused with its number. */
GPtrArray *fut_taint_mounts_parse(const gchar *text, gsize len, GError **error);

/* TRUE when @path (absolute, canonical) lies under a FUSE mount of @mounts (FutTaintMount*). */
gboolean fut_taint_path_on_fuse(const gchar *path, GPtrArray *mounts);

/* Opens the program @path for its inode (O_RDONLY, never executed nor read) without asking a
 * FUSE file system anything: a program on a FUSE mount is refused (its daemon could hold the
 * caller), checked on the mount table before the walk and on the mount the file was found
 * on. Without @follow, @path must be canonical and have no symbolic link in it (so the
 * walk only crosses the mounts at its own prefixes). Returns the descriptor or -1. */
int fut_taint_open_program(const gchar *path, gboolean follow, GError **error);

/* For [upload] taint-exempt-peers: a program (regular file, opened as
 * fut_taint_open_program() with @follow) or a unix socket's file (an O_PATH descriptor, its
 * inode), with the same FUSE checks. @ret_socket says which. Returns the descriptor or -1. */
int fut_taint_open_peer(const gchar *path, gboolean *ret_socket, GError **error);

/* Marks @paths ([upload] taint-exempt-peers; missing ones are skipped) so that receiving from a
 * tainted sender does not taint: a program's processes, whatever socket they receive on; a
 * unix socket file's receiving end (bound to or accepted on it), whatever program holds it.
 * Returns how many were marked. Call after fut_taint_new(); thread-safe. */
guint fut_taint_exempt_peers(FutTaint *t, const gchar *const *paths);

/* Reports denials the ring buffer lost since the last call as one gap (also done after every
 * ring buffer read); the agent calls it from its tick. */
void fut_taint_check_gap(FutTaint *t);

void fut_taint_get_stats(FutTaint *t, FutTaintStats *ret);

/* The upload.denied record for @d. */
FutLogEvent *fut_taint_denial_to_log_event(const FutTaintDenial *d);
/* The gap record for @lost denials. */
FutLogEvent *fut_taint_gap_to_log_event(guint64 lost);
/* The fields of @d's upload.denied for the refused user's desktop (futari-notify,
 * agent/notify-event.c), in the shape of the log's records: subject, object, destination,
 * reason, detail.layer "bpf-lsm"; every string escaped. */
JsonObject *fut_taint_denial_to_fields(const FutTaintDenial *d);

G_END_DECLS
