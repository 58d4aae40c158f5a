/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <sys/types.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "crypto.h"
#include "logrecord.h"

G_BEGIN_DECLS

/* Upload control (DESIGN §6): a fanotify FAN_OPEN_PERM listener on whole filesystems that
 * keeps Class I and II files away from upload programs unless an active upload approval
 * covers that content, requester and program.
 *
 * A reader thread reads the events and answers the agent's own opens (and ordinary programs
 * it knows) at once, so that no open made by any thread of the agent can wait on a reply the
 * agent itself has to give. A pool of responder threads answers the rest of what needs no
 * file content; workers classify and hash for upload programs and answer; a deadline thread
 * answers whatever is still open at its deadline. Nothing a user controls (a lease, a FUSE
 * daemon, a large file) can hold the threads that answer other users' opens. Each event is
 * answered first and its record then handed to the agent's main context, except the records
 * of what an upload program takes (upload.allowed, and upload.observed with on_observing):
 * those are durable in the log before the open is allowed. Every
 * event gets exactly one reply; what cannot be decided is denied (docs/upload-control.md). */

/* Classes of the policy (2.2.1). 0 is never returned by a classifier: unknown is II. */
#define FUT_FANWATCH_CLASS_I   1
#define FUT_FANWATCH_CLASS_II  2
#define FUT_FANWATCH_CLASS_III 3

typedef struct _FutFanwatch FutFanwatch;

typedef enum {
	FUT_FANWATCH_RECORD_DENIED,   /* "upload.denied" */
	FUT_FANWATCH_RECORD_ALLOWED,  /* "upload.allowed": an approval covered it */
	FUT_FANWATCH_RECORD_OBSERVED, /* "upload.observed": Class III under an observed path */
	FUT_FANWATCH_RECORD_GAP,      /* "gap": events the log cannot account for */
} FutFanwatchRecordKind;

/* Returns the log event name of @kind ("upload.denied", …). Static string. */
const gchar *fut_fanwatch_record_kind_to_string(FutFanwatchRecordKind kind);

/* What the agent logs. Strings are raw (untrusted): escape before logging. */
typedef struct {
	FutFanwatchRecordKind kind;
	gint64 time_us; /* wall clock (g_get_real_time) when the reply was written */
	/* subject */
	pid_t pid;
	guint32 uid;                /* real uid; G_MAXUINT32 when unknown */
	guint32 loginuid;           /* FUT_PROCINFO_LOGINUID_UNSET outside a session or unknown */
	gchar *exe;                 /* /proc/PID/exe target, NULL when unknown */
	gchar *comm;                /* /proc/PID/comm, NULL when unknown */
	const gchar *program_match; /* how the upload program was recognised: "inode", "path",
	                             * "name", "size", "mapping" (a program run
	                             * through the loader) or "applet" (busybox wget) */
	/* object */
	gchar *path; /* /proc/self/fd/N target, NULL when unknown */
	guint64 dev;
	guint64 ino;
	guint64 size;
	guint file_class; /* FUT_FANWATCH_CLASS_*, 0 when not classified */
	gboolean has_sha256;
	guint8 sha256[FUT_SHA256_LEN];
	/* decision */
	gboolean allowed;
	const gchar *reason; /* short fixed text, e.g. "class II file, no approval" */
	/* The file was not opened by the program but inherited when it started: the
	 * descriptor number + 1 (0: an open; -1: not a file, the program's command line). */
	gint inherited_fd;
	/* The process wrote into a pipe the upload program (this pid) reads: its file was
	 * decided as that program's open (fanwatch-pipe.c). 0: none. */
	gint pipe_reader;
	gchar *approval_id; /* the approval that allowed it (ALLOWED only) */
	/* gap */
	const gchar *gap_kind; /* "queue-overflow", "records-dropped" */
	guint64 gap_count;
} FutFanwatchRecord;

void fut_fanwatch_record_free(FutFanwatchRecord *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutFanwatchRecord, fut_fanwatch_record_free)

/* Returns the egress-log event for @rec (common/logrecord.h): subject (uid, login looked up
 * here, loginuid, pid, exe), object (path, size, SHA-256, class), destination "upload" with
 * the program, decision, reason, the approval as request id, and details (comm,
 * program_match, dev, ino; for a gap: kind and count). Strings are escaped by the setters.
 * Call it from the record callback, not the listener thread: the login lookup may read
 * files. Caller frees with fut_log_event_free(). */
FutLogEvent *fut_fanwatch_record_to_log_event(const FutFanwatchRecord *rec);

/* Returns the same facts as a JSON object in the shape fut_recorder_emit() takes
 * (agent/recorder.h): "subject", "object", "destination", "decision", "reason", "request",
 * "detail"; every string escaped with fut_strescape(). For the event name use
 * fut_fanwatch_record_kind_to_string(). Caller frees with json_object_unref(). */
JsonObject *fut_fanwatch_record_to_fields(const FutFanwatchRecord *rec);

/* Classifies the open file @fd (read it with pread(); do not close it) whose path is @path
 * (may be NULL). Stores FUT_FANWATCH_CLASS_* in @ret_class. Called only in upload control's
 * worker threads, possibly several at once and while an upload program waits: it must be
 * thread-safe; it may take its time (the open it serves is answered at its deadline whatever
 * happens), but it must NOT open files on a watched filesystem. A FALSE return (or a class
 * outside I..III) makes the file Class II. */
typedef gboolean (*FutFanwatchClassifyFunc)(
    int fd, const gchar *path, guint *ret_class, gpointer user_data, GError **error);

/* Receives each record in the record context given to fut_fanwatch_new(), after the kernel
 * has been answered. The record is freed when the callback returns. */
typedef void (*FutFanwatchRecordFunc)(const FutFanwatchRecord *rec, gpointer user_data);

typedef struct {
	/* Paths on the filesystems to watch (each filesystem is marked whole). Required. */
	const gchar *const *mounts;
	/* Folders (glob(3) patterns, hidden names included: "/run/user/[0-9]*", "/run/lock")
	 * whose filesystems are watched too, mount point or not, those there now and those
	 * mounted later (the mount table is followed): tmpfs /tmp, /dev/shm, /run/user/UID.
	 * A user's FUSE mount is never marked from here. Optional. */
	const gchar *const *mount_patterns;
	/* Executable paths of upload programs. Symbolic links are followed at start, so
	 * /usr/bin/x-www-browser covers the browser it points to. */
	const gchar *const *upload_programs;
	/* Executable base names that make a program an upload program wherever it lives.
	 * The base names of @upload_programs (and of their targets) are always included. */
	const gchar *const *upload_names;
	/* Path prefixes under which an upload program's open of a Class III file is reported
	 * (upload.observed). Files there never get an ignore mark, so every such open is seen. */
	const gchar *const *observe_paths;
	/* Folders whose files owned by root, with no group or other write bit and no ACL, are
	 * the system's own (libraries, a browser's resource packs): an upload program's open of
	 * one is allowed without classifying it, and the taint learner does not classify it.
	 * The file must be at that path in the agent's own mount namespace (the same device
	 * and inode). NULL or empty: none. */
	const gchar *const *system_paths;
	/* Largest file hashed for the approval check; bigger classified files are denied. */
	guint64 digest_max;
	/* Largest file classified after a non-upload program's open, to set an ignore mark. */
	guint64 learn_max;
	/* One upload.observed per (program, file) per this many seconds. Without
	 * on_observing, also at most @observe_per_minute in all (past it, opens go out
	 * unrecorded); with on_observing every open that is not deduplicated is recorded
	 * before it is allowed, and @observe_per_minute is not used. */
	guint observe_interval_s;
	guint observe_per_minute;
	/* Observe files in hidden folders (a path component starting with a dot below the
	 * observed path) and hidden files too; by default they are not observed. */
	gboolean observe_hidden;
	/* Set no ignore marks at all (for measurements and debugging). */
	gboolean no_ignore_marks;
	/* How long an open waits for its answer, in milliseconds (0: the default, 3000). At the
	 * deadline an upload program's undecided open is denied and any other program's open
	 * is allowed; the kernel is never kept waiting longer by anything the opener controls. */
	guint deadline_ms;
	/* Called from a worker thread (never one that answers the kernel, possibly several at
	 * once) each time a regular file is found Class I or II, with a read-only descriptor of
	 * it that is valid only during the call (do not close it; dup it to keep it). The BPF
	 * taint layer marks the inode with it. NULL: not called. */
	void (*on_classified)(int fd, guint file_class, gpointer user_data);
	gpointer on_classified_data;
	/* Called from a worker thread when an upload program's open of the file at @fd is
	 * allowed under the approval @request_id, before the kernel gets its answer: @uid's
	 * program @exe may now read it. The BPF taint layer lets that program send it. A FALSE
	 * return denies the open (fail closed). NULL: not called. */
	gboolean (*on_approved)(
	    int fd, guint32 uid, const gchar *exe, const gchar *request_id, gpointer user_data);
	gpointer on_approved_data;
	/* With on_classified: called on a thread that answers the kernel (keep it cheap: no
	 * file content), before a non-upload program's open of a regular file (not on FUSE)
	 * whose current version has no known class is allowed, with the file's descriptor
	 * (valid during the call) and the sequence number given to that version (the same for
	 * every open of it until it is classified). The BPF taint layer marks the inode pending
	 * with it. A FALSE return denies the open (fail closed). NULL: not called. */
	gboolean (*on_pending)(int fd, guint64 seq, gpointer user_data);
	/* Called (worker or learner thread, or whichever thread ends the event) once for each
	 * number given to on_pending, and again only with a stricter class: @file_class
	 * (FUT_FANWATCH_CLASS_I, _II or _III) is that of the file's content as classified after
	 * that open; _II when it could not be classified. @fd: the file (valid during the call)
	 * or -1. */
	void (*on_resolved)(int fd, guint64 seq, guint file_class, gpointer user_data);
	/* With on_pending: called on a thread that answers the kernel, before a non-upload
	 * program's open of a regular file whose current version has a known class is allowed:
	 * a pending number still on the inode that is below @below was given to an older
	 * version (or to this one, classified since) and is to be dropped, so that this open's
	 * reader does not take a number that says nothing of what it reads (a file created
	 * write-only, written, learnt, then read back: the empty version's number, resolved as
	 * Class II, tainted the reader). A number from @below on may be a newer version's,
	 * set by another thread since this open's statx: it stays. NULL: not called. */
	void (*on_settled)(int fd, guint64 below, gpointer user_data);
	/* With on_pending: called on a thread that answers the kernel (keep it cheap: no file
	 * content), when an upload program opens a regular file whose content is Class III,
	 * with the file's descriptor (valid during the call): the class the kernel's taint layer
	 * gives the inode (FUT_FANWATCH_CLASS_I or _II: written by a process that had read
	 * Class I/II content, a copy whatever its bytes look like), or 0. The open is then
	 * decided as one of a file of that class. NULL: not called. */
	guint (*taint_class)(int fd, gpointer user_data);
	gpointer on_pending_data;
	/* Called from a worker thread when an upload program's open is to be allowed under an
	 * approval, before anything else lets it through (before on_approved and before the
	 * kernel's answer), with the upload.allowed record (borrowed): it must be durable in
	 * the log when this returns TRUE. FALSE denies the open: no upload without its record
	 * (if the log cannot be written, nothing leaves). The record is then not handed to
	 * the record function again. NULL: the record goes to the record function after the
	 * answer, as every other record. */
	gboolean (*on_allowing)(const FutFanwatchRecord *rec, gpointer user_data);
	gpointer on_allowing_data;
	/* Called from the listener's record thread (never one that answers the kernel) with
	 * the upload.observed records (borrowed) of @n upload programs' opens of Class III
	 * files under an observed path, each still waiting for its answer: set @ret_durable[i]
	 * TRUE for each record that is durable in the log when this returns (group commit:
	 * one flush for the whole batch). An open whose record is not durable is denied (an
	 * upload.denied record follows, by the record function). Opens of a (program, file)
	 * recorded within observe_interval_s need no new record and do not come here. NULL:
	 * upload.observed goes to the record function after the answer, deduplicated and
	 * rate-limited (observe_per_minute), with no guarantee that it is written. */
	void (*on_observing)(const FutFanwatchRecord *const *recs,
	                     guint n,
	                     gboolean *ret_durable,
	                     gpointer user_data);
	gpointer on_observing_data;
} FutFanwatchConfig;

/* Fills @cfg with defaults (NULL lists, digest_max 1 GiB, learn_max 1 MiB, observe every
 * 3600 s, 60 per minute). */
void fut_fanwatch_config_init(FutFanwatchConfig *cfg);

/* An active upload approval, as the agent keeps it after `futari redeem`. */
typedef struct {
	const gchar *id; /* request or approval id, for the log */
	guint8 sha256[FUT_SHA256_LEN];
	guint32 uid;          /* the requester */
	const gchar *program; /* executable path, or NULL for any upload program */
	gint64 not_before;    /* unix seconds, inclusive */
	gint64 not_after;     /* unix seconds, inclusive */
} FutFanwatchApproval;

/* Returns a listener (fanotify group created, upload program binaries resolved, nothing
 * marked yet) or NULL with an error (not root, no fanotify, bad config). Records go
 * to @record_func in @record_context (NULL: the global default context). Free with
 * fut_fanwatch_free(). */
FutFanwatch *fut_fanwatch_new(const FutFanwatchConfig *cfg,
                              FutFanwatchClassifyFunc classify_func,
                              gpointer classify_data,
                              FutFanwatchRecordFunc record_func,
                              gpointer record_data,
                              GMainContext *record_context,
                              GError **error);

/* Marks the configured filesystems and starts the listener thread. */
gboolean fut_fanwatch_start(FutFanwatch *fw, GError **error);

/* Stops the thread and closes the fanotify group: the kernel then allows every pending
 * open. Safe to call twice; fut_fanwatch_free() calls it. */
void fut_fanwatch_stop(FutFanwatch *fw);

void fut_fanwatch_free(FutFanwatch *fw);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutFanwatch, fut_fanwatch_free)

/* Adds or replaces (same id) an active approval. Thread-safe. */
gboolean
fut_fanwatch_add_approval(FutFanwatch *fw, const FutFanwatchApproval *approval, GError **error);
/* Removes the approval @id; FALSE if there was none. Thread-safe. */
gboolean fut_fanwatch_remove_approval(FutFanwatch *fw, const gchar *id);
/* Removes every approval. Thread-safe. */
void fut_fanwatch_clear_approvals(FutFanwatch *fw);

/* Drops every ignore mark and every cached classification, and looks up the upload program
 * binaries again: call after a policy change, a label change that may raise the class of
 * files already judged Class III, or a package upgrade. Thread-safe. */
gboolean fut_fanwatch_flush(FutFanwatch *fw, GError **error);
/* Drops every cached classification and every ignore mark, so that files judged before
 * (copies of relabelled content included, wherever they are) are judged again at their
 * next open: call after `futari label`. Does not look at any file. Thread-safe. */
gboolean fut_fanwatch_relabelled(FutFanwatch *fw, GError **error);
/* Drops the ignore mark and cached classification of the file at @path (not following a
 * final symbolic link): call after labelling that one file. Thread-safe. */
gboolean fut_fanwatch_forget_path(FutFanwatch *fw, const gchar *path, GError **error);

typedef struct {
	guint64 events; /* permission events answered */
	guint64 allowed;
	guint64 denied;
	guint64 self;          /* the agent's own opens, allowed at once */
	guint64 upload_checks; /* opens by upload programs */
	guint64 classified;    /* classifier calls */
	guint64 marks;         /* ignore marks set */
	guint64 mark_flushes;  /* all ignore marks dropped after an attribute change */
	guint64 overflows;     /* FAN_Q_OVERFLOW seen */
	guint64 reply_errors;
	guint64 records_dropped;
	guint64 deadline_answers; /* events answered at their deadline */
	guint64 mounts_marked;    /* filesystems marked as they were mounted */
	guint64 system_files;     /* opens of the system's own files, not classified */
	guint64 pending;          /* opens whose file got a pending number (on_pending) */
	guint64 classify_shared;  /* classifications that took the result of one in progress */
	guint64 learn_queued;     /* opens handed to the learner */
	guint64 learn_shared;     /* opens of a version already waiting for the learner */
	guint64 learn_dropped;    /* opens not learnt: the learner's queue was at its bound */
	guint64 learn_peak;       /* the most opens waiting for the learner at once */
	guint64 learn_bound;      /* that bound */
	guint64 learn_waiting;    /* opens waiting for the learner now (or being learnt) */
	guint64 observed_durable; /* upload.observed records made durable before the answer */
	guint64 observed_refused; /* opens refused: their upload.observed could not be written */
	guint64 observe_commits;  /* batches of them (one flush each) */
	/* Without the kernel's taint layer (fanwatch-pipe.c): upload program starts and FIFO
	 * opens whose pipes were followed, and opens decided as an upload program's because
	 * the opener could write into such a pipe. */
	guint64 pipes_followed;
	guint64 pipe_writers;
} FutFanwatchStats;

/* Copies the counters into @ret_stats. Thread-safe. */
void fut_fanwatch_get_stats(FutFanwatch *fw, FutFanwatchStats *ret_stats);

G_END_DECLS
