/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Internals of upload control shared by its parts: fanwatch.c (life cycle and API),
 * fanwatch-responder.c (the kernel-facing side: events, replies), fanwatch-marks.c (ignore
 * marks and the attribute watch that drops them), fanwatch-ident.c
 * (which program is this, is it an upload program), fanwatch-decide.c (class, approvals,
 * the decision), fanwatch-exec.c (what an upload program inherits when it starts),
 * fanwatch-pipe.c (pipes into upload programs, without the taint layer), fanwatch-argv.c
 * (their command line, the same), fanwatch-fds.c (other processes' descriptors),
 * fanwatch-record.c (records for the log), fanwatch-commit.c (the record thread: upload.observed
 * durable before the open), fanwatch-seq.c (pending numbers) and fanwatch-util.c. */

#include <sys/stat.h>
#include <sys/types.h>

#include <glib.h>

#include "fanwatch.h"

/* Older headers lack the 6.0 flag; the kernel tells us with EINVAL if it lacks it too. */
#ifndef FAN_MARK_IGNORE
#define FAN_MARK_IGNORE 0x00000400
#endif
#ifndef FAN_MARK_EVICTABLE
#define FAN_MARK_EVICTABLE 0x00000200
#endif

#define READ_BUF_SIZE     (64 * 1024)
#define HASH_CHUNK        (64 * 1024)
#define FILES_MAX         65536 /* cached classifications */
#define EXES_MAX          4096  /* cached executable judgements */
#define OBSERVED_MAX      4096  /* (program, file) pairs remembered for deduplication */
#define SEEN_MAX          65536 /* files opened once, not yet classified */
#define RECORDS_MAX       10000 /* records handed to the agent and not yet consumed */
#define APPROVALS_MAX     4096
#define RESPONDERS        4 /* threads answering the kernel */
#define WORKERS           2 /* threads classifying and hashing for upload programs */
#define IDENTIFIERS       2 /* threads reading loader and multi-call processes' mappings/argv */
/* Files waiting to be learnt, each holding its event's descriptor: at most this many, and
 * at most half of the descriptors the process may open beyond a reserve (a queue that took
 * every descriptor would make the kernel deny every open it cannot hand over). Opens of a
 * version already waiting share its place. Past the bound an open is not learnt: with the
 * taint layer its pending number resolves as Class II (counted: learn_dropped). */
#define LEARN_QUEUE_HARD  16384
#define LEARN_FDS_RESERVE 256
#define SEQS_MAX          65536 /* versions given a pending number, not yet classified */
#define DELETED_SUFFIX    " (deleted)"
/* The most descriptors looked at in one process (an upload program's start, an opener while
 * pipes are followed); past it the start or the open is refused. */
#define EXEC_FDS_MAX      4096
/* The nice value of the threads that classify and hash (workers, the learner): below every
 * ordinary program, so that a classification never competes for a CPU with the threads
 * that answer the kernel (which stay at the agent's own value: raising them to -5 was
 * measured, and made the common answer slower, see docs/upload-control.md). */
#define NICE_BACKGROUND   19

typedef struct {
	guint64 dev;
	guint64 ino;
} Key;

/* What identifies one version of a file's content without reading it. A write changes
 * mtime and ctime; a label (xattr) or mode change changes ctime. */
typedef struct {
	guint64 dev;
	guint64 ino;
	guint64 size;
	gint64 mtime_ns;
	gint64 ctime_ns;
} Ident;

/* Pending numbers of versions not classified yet (fanwatch-seq.c); thread-safe. */
typedef struct _FwSeqTable FwSeqTable;

typedef struct {
	Ident id;
	guint file_class;
	/* The class is the kernel taint layer's (fw->taint_class), not the content's. */
	gboolean tainted_copy;
	gboolean has_sha256;
	guint8 sha256[FUT_SHA256_LEN];
} FileEntry;

typedef struct {
	Ident id;
	gboolean upload;
	const gchar *match;
	gchar *path;
	/* Judged again for each process: a program loader (ld.so runs whatever program it is
	 * given, so the program is found in the process's mappings) or a multi-call binary
	 * (busybox: the applet is argv[0]). */
	gboolean loader;
	gboolean multicall;
} ExeEntry;

typedef struct {
	gchar *path; /* as configured */
	gboolean present;
	Ident id; /* of the target */
} Known;

typedef struct {
	gchar *id;
	guint8 sha256[FUT_SHA256_LEN];
	guint32 uid;
	gchar *program;
	gchar *program_real;
	gboolean has_program_id;
	Key program_id;
	gint64 not_before;
	gint64 not_after;
} Approval;

/* Shared with records in flight, so a record posted just before fut_fanwatch_free() finds
 * the callback cancelled rather than a freed listener. */
typedef struct {
	gint ref;
	gint pending;
	gint cancelled;
	FutFanwatchRecordFunc func;
	gpointer data;
} Sink;

struct _FutFanwatch {
	int fan_fd;
	int attr_fd;       /* FAN_ATTRIB on ignore-marked inodes: see fanwatch-marks.c */
	GMutex marks_lock; /* an ignore mark and its attribute mark are made as a pair */
	gint marks_broken; /* a flush failed: no more ignore marks */
	pid_t self;
	gboolean ignore_new_api; /* FAN_MARK_IGNORE works */

	gchar **mounts;
	gchar **mount_patterns;
	GThread *mounts_thread;  /* follows the mount table */
	int mounts_quit[2];      /* a pipe: writing to it stops mounts_thread */
	GHashTable *marked_devs; /* st_dev of every filesystem marked, under lock */
	gchar **programs;
	gchar **names_cfg;
	gchar **observe;
	gchar **system; /* folders of the system's own files (fanwatch-system.c) */
	guint64 digest_max;
	guint64 learn_max;
	guint observe_interval_s;
	gboolean observe_hidden; /* observe hidden folders and files too */
	guint observe_per_minute;
	gboolean no_ignore_marks;
	gint64 deadline_us;
	void (*on_classified)(int fd, guint file_class, gpointer user_data);
	gpointer on_classified_data;
	gboolean (*on_approved)(
	    int fd, guint32 uid, const gchar *exe, const gchar *request_id, gpointer user_data);
	gpointer on_approved_data;
	gboolean (*on_allowing)(const FutFanwatchRecord *rec, gpointer user_data);
	gpointer on_allowing_data;
	void (*on_observing)(const FutFanwatchRecord *const *recs,
	                     guint n,
	                     gboolean *ret_durable,
	                     gpointer user_data);
	gpointer on_observing_data;
	gboolean (*on_pending)(int fd, guint64 seq, gpointer user_data);
	void (*on_resolved)(int fd, guint64 seq, guint file_class, gpointer user_data);
	void (*on_settled)(int fd, guint64 below, gpointer user_data);
	guint (*taint_class)(int fd, gpointer user_data);
	gpointer on_pending_data;
	FwSeqTable *seqs; /* with on_pending */

	FutFanwatchClassifyFunc classify;
	gpointer classify_data;
	Sink *sink;
	GMainContext *record_ctx;

	/* The reader thread: reads events and hands them to the responders. */
	GThread *thread;
	GMainContext *ctx;
	GMainLoop *loop;
	guint8 *buf;

	/* Responders answer the kernel and never wait on a file's content; workers classify
	 * and hash and hand the event back; the learner classifies files non-upload programs
	 * opened. The deadline thread answers what nobody answered in time. */
	GThreadPool *responders;
	GThreadPool *workers;
	GThreadPool *identifiers;
	GThreadPool *learner;
	GThread *deadline_thread;
	/* The record thread (fanwatch-commit.c): opens waiting for their upload.observed to be
	 * durable, written in batches with one flush each. */
	GThread *commit_thread;
	GMutex commit_lock;
	GCond commit_cond;
	GQueue commits;       /* Pending */
	guint commit_bound;   /* at most this many waiting; 0: the default (fanwatch-commit.c) */
	guint commit_writing; /* of those, in the batch being written now */
	gboolean commit_quit;
	GMutex deadline_lock;
	GCond deadline_cond;
	GQueue deadlines; /* Pending, in arrival order (so in deadline order) */
	gboolean deadline_quit;
	gint stopping;

	/* The learner's queue (fanwatch-responder.c), under learn_lock: the versions waiting
	 * (Ident -> LearnSlot) and how many events wait. */
	GMutex learn_lock;
	GHashTable *learning;
	guint learn_len;
	guint learn_bound; /* set at start from RLIMIT_NOFILE */
	guint64 learn_queued, learn_shared, learn_dropped, learn_peak;

	GMutex exes_lock;
	GHashTable *exes; /* Key -> ExeEntry, under exes_lock */
	gint exes_generation;

	/* Under lock. */
	GHashTable *observed;  /* "dev:ino:dev:ino" -> gint64 last report (µs) */
	GHashTable *seen;      /* Key of files opened once by non-upload programs */
	GHashTable *fuse_devs; /* st_dev of watched FUSE filesystems */
	gint64 observe_window;
	guint observe_count;
	guint64 dropped_unreported;

	/* Shared, under lock. */
	GMutex lock;
	GHashTable *files;     /* Key -> FileEntry */
	GHashTable *scanning;  /* Ident -> Scan: versions being classified now */
	GCond scanned;         /* a Scan is done */
	GHashTable *approvals; /* id -> Approval */
	GArray *known;         /* Known */
	GHashTable *names;     /* base name set */
	GHashTable *paths;     /* executable path set (configured and resolved) */
	GArray *multicall;     /* Ident of the multi-call binaries present (busybox, toybox) */
	gint generation;       /* bumped by flush: the exe cache is rebuilt */
	FutFanwatchStats stats;
	gboolean started;

	/* Pipes into upload programs (fanwatch-pipe.c): followed without the taint layer. */
	gboolean follow_pipes;
	GMutex pipes_lock;
	GPtrArray *feeds;  /* Feed, under pipes_lock */
	gint feeds_active; /* feeds->len, read without the lock */

	/* Other processes' descriptors (fanwatch-fds.c). */
	guint64 pipefs_dev;
	GThreadPool *reaper;    /* closes what may wait on a FUSE daemon */
	GHashTable *close_safe; /* st_dev -> a regular file's close cannot wait (pipes_lock) */
};

/* One event while it is being decided and after the reply. */
typedef struct {
	int fd;
	pid_t pid;
	/* A program about to run (FAN_OPEN_EXEC_PERM): @fd is its file, @pid the process that
	 * starts it, whose descriptors it inherits (fanwatch-exec.c). */
	gboolean exec;
	gboolean self;
	gboolean learn;
	gboolean upload;
	gboolean loader;
	gboolean multicall;
	gboolean identify_deep; /* loader or multi-call: fw_identify_deep() still to run */
	gboolean have_st;
	struct stat st;
	const gchar *match;
	gchar *exe;
	Key exe_key;
	gchar *path;
	guint file_class;
	/* The class is the kernel taint layer's (fw->taint_class), not the content's. */
	gboolean tainted_copy;
	gboolean has_sha256;
	guint8 sha256[FUT_SHA256_LEN];
	gboolean have_uid;
	guint32 uid;
	gboolean mark;
	gboolean system; /* the system's own file (fw_system_file()), found on the reply path */
	gboolean observe;
	/* Allowed once its upload.observed record is durable (the record thread); the record,
	 * made by the thread that hands it over (reading /proc is not the record thread's job:
	 * it only writes, so no process can hold it). */
	gboolean commit;
	FutFanwatchRecord *commit_rec;
	gboolean record;
	FutFanwatchRecordKind kind;
	const gchar *reason;
	gchar *approval_id;
	gboolean allow;
	/* The pending number this open's file got (fw_mark_pending()), until it is resolved;
	 * 0: none. */
	guint64 pending_seq;
	Ident pending_id; /* the version it was given to */
	/* In the learner's queue under this version (learn_id): later opens of it that shared
	 * the place (learn_dups) are taken when the learner starts on it. */
	gboolean learn_queued;
	Ident learn_id;
	guint learn_dups;
	/* The process writes into a pipe the upload program with this pid reads: its opens
	 * are decided as that program's (fanwatch-pipe.c). 0: none. */
	pid_t feeding;
	/* An upload program's start without the taint layer, not by another upload program:
	 * follow the pipes it would read and read its command line (fanwatch-exec.c). */
	gboolean follow_pipe;
} Event;

/* A permission event from the kernel until it is answered and its follow-up is done.
 * Exactly one thread answers it (answered goes 0 -> 1); the descriptor stays open until
 * every holder is done, so it cannot be reused for another event meanwhile. */
typedef struct {
	gint ref;      /* the structure: the thread handling it, and the deadline queue */
	gint fd_users; /* the descriptor: the thread handling it, and the deadline thread
	                * while it answers; closed when it drops to 0 */
	gint answered;
	/* What the deadline thread answers: TRUE once the opener is known not to be an
	 * upload program. */
	gint allow_at_deadline;
	gint64 deadline; /* monotonic µs */
	FutFanwatch *fw; /* resolves a pending number left at the end as Class II */
	Event ev;
} Pending;

typedef enum {
	FW_VERDICT_ALLOW,
	FW_VERDICT_DENY,
	FW_VERDICT_WORK,     /* the content is needed: a worker decides */
	FW_VERDICT_IDENTIFY, /* the process's mappings or argv are needed: an identifier reads them
	                      */
	FW_VERDICT_RECORD,   /* allowed once its upload.observed is durable: the record thread */
} FwVerdict;

/* fanwatch-util.c */
guint fw_key_hash(gconstpointer p);
gboolean fw_key_equal(gconstpointer a, gconstpointer b);
Ident fw_ident_of(const struct stat *st);
guint fw_ident_hash(gconstpointer p);
gboolean fw_ident_equal0(gconstpointer a, gconstpointer b);
gboolean fw_ident_equal(const Ident *a, const Ident *b);
gboolean fw_fd_ident(int fd, Ident *ret);
/* fstat()/stat() that never wait on a FUSE daemon or a network server. */
gboolean fw_fd_stat(int fd, struct stat *ret);
gboolean fw_path_stat(const gchar *path, struct stat *ret);
gchar *fw_fd_path(int fd);
gboolean fw_path_under(const gchar *path, const gchar *prefix);
/* What follows @prefix in @path ("" or "/…"; all of @path for the prefix "/"), or NULL when
 * @path is not @prefix or below it. */
const gchar *fw_path_below(const gchar *path, const gchar *prefix);
gchar *fw_fstype_of_dev(guint64 dev);
/* Names the calling thread @name (at most 15 bytes) and, with @background, lowers it to
 * NICE_BACKGROUND; once per thread (later calls do nothing). */
void fw_thread_setup(const gchar *name, gboolean background);

/* fanwatch-seq.c */
/* A table of at most @max versions (full: it starts afresh, only sharing is lost). */
FwSeqTable *fw_seq_table_new(guint max);
void fw_seq_table_free(FwSeqTable *t);
/* The number of the version @id: the one it has, or a new one (never 0), which replaces the
 * number of an older version of the same inode in the table. */
guint64 fw_seq_table_assign(FwSeqTable *t, const Ident *id);
/* Takes the number of exactly the version @id out of the table; 0 when it has none. */
guint64 fw_seq_table_take(FwSeqTable *t, const Ident *id);
/* Forgets @seq (resolved) if the table still has it. */
void fw_seq_table_forget(FwSeqTable *t, guint64 seq);
/* @seq is resolved as @file_class: forgets it (as fw_seq_table_forget()) and returns TRUE
 * when that is news for the taint layer: not resolved before, or before with a less strict
 * class. A version's number is resolved by whoever classifies it (fw_seq_table_take()) and
 * by the events that carry it (the learner's, and each event's end): once is enough. */
gboolean fw_seq_table_resolving(FwSeqTable *t, guint64 seq, guint file_class);
/* The number the next new version will get: every number given so far is below it. */
guint64 fw_seq_table_next(FwSeqTable *t);
guint fw_seq_table_size(FwSeqTable *t);

/* fanwatch-record.c */
void fw_sink_unref(Sink *s);
void fw_post_record(FutFanwatch *fw, FutFanwatchRecord *rec);
FutFanwatchRecord *fw_record_from_event(FutFanwatch *fw, Event *ev, gint64 now_us);

/* fanwatch-ident.c */
void fw_exe_entry_free(gpointer p);
void fw_known_clear(gpointer p);
gchar *fw_exe_path_for_match(const gchar *exe);
void fw_known_refresh_locked(FutFanwatch *fw);
/* Fills @ev's program fields (upload, match, exe, exe_key) from the executable alone. FALSE
 * when the process has no executable to examine (gone, or a kernel thread). A loader or a
 * multi-call binary sets identify_deep: fw_identify_deep() then reads the process's
 * mappings or argv, which take its mmap lock and so may wait on the process itself: never
 * on a responder. */
gboolean fw_identify(FutFanwatch *fw, Event *ev);
/* The same for the program an exec event is about (its file open at @ev->fd). FALSE when
 * the file cannot be examined. */
gboolean fw_identify_exec(FutFanwatch *fw, Event *ev);
/* TRUE when the program an exec event is about is in the cache as not an upload program
 * (the reader thread answers it itself). */
gboolean fw_exec_cached_ordinary(FutFanwatch *fw, Event *ev);
/* Asks the kernel about every start of a configured upload program present now (an inode
 * mark, FAN_OPEN_EXEC_PERM), on whatever filesystem it sits. */
void fw_mark_programs(FutFanwatch *fw);
void fw_identify_deep(FutFanwatch *fw, Event *ev);
/* TRUE when the executable of @ev's process is in the cache as an ordinary program (not an
 * upload program, loader or multi-call binary). Never judges, never opens anything: the
 * reader thread answers such opens itself. */
gboolean fw_identify_cached_ordinary(FutFanwatch *fw, Event *ev);
gboolean
fw_parse_maps_line(const gchar *line, guint64 *ret_dev, guint64 *ret_ino, const gchar **ret_path);
gchar *fw_parse_applet(const gchar *cmdline, gsize len);

/* fanwatch-decide.c */
void fw_approval_free(gpointer p);
/* TRUE when some active approval names this requester and program (any content). */
gboolean fw_approval_possible(FutFanwatch *fw, const Event *ev);
/* The id of an approval covering the event now (its digest set), or NULL. Caller frees. */
gchar *fw_approval_find(FutFanwatch *fw, const Event *ev);
gboolean fw_files_lookup(FutFanwatch *fw, const Ident *id, FileEntry *ret);
guint fw_file_class(FutFanwatch *fw, int fd, const Ident *id, const gchar *path);
gboolean fw_file_digest(FutFanwatch *fw,
                        int fd,
                        const Ident *id,
                        gboolean use_cache,
                        guint8 ret_digest[FUT_SHA256_LEN]);
gboolean fw_under_observe(FutFanwatch *fw, const gchar *path);
/* Without on_observing: deduplicates and rate-limits upload.observed after the answer. */
gboolean fw_observe_allowed(FutFanwatch *fw, Event *ev);
/* With on_observing: TRUE when an upload.observed of @ev's program and file was written
 * within observe_interval_s (only records that were written count: fw_observe_note()). */
gboolean fw_observe_recorded(FutFanwatch *fw, Event *ev);
/* The upload.observed of @ev's program and file is durable now. */
void fw_observe_note(FutFanwatch *fw, Event *ev);
/* What can be decided without reading the file (responder threads). */
FwVerdict fw_decide_fast(FutFanwatch *fw, Event *ev);
/* The same once the program is identified (identifier threads, after fw_identify_deep()). */
FwVerdict fw_decide_opener(FutFanwatch *fw, Event *ev);
/* The rest, reading the file (worker threads). Returns TRUE to allow. */
gboolean fw_decide_slow(FutFanwatch *fw, Event *ev);
/* Whether an ignore mark may be set on the file @st: see fanwatch-decide.c. */
gboolean fw_mark_safe(FutFanwatch *fw, int fd, const struct stat *st);
/* A regular file owned by root, no group or other write bit, no ACL, not on FUSE: only
 * root can change it (what fw_mark_safe() and fw_system_file() both ask). */
gboolean fw_root_only(FutFanwatch *fw, int fd, const struct stat *st);
/* With the taint layer: before a non-upload program's open is allowed, gives the file a
 * pending mark when its current version's class is not known. FALSE: the mark could not be
 * set, the open must be denied. */
gboolean fw_mark_pending(FutFanwatch *fw, Event *ev);
/* The class (FUT_FANWATCH_CLASS_*) of the version that had @seq is known: tell the taint
 * layer. @fd: the file, or -1. Does nothing for 0. */
void fw_resolve_seq(FutFanwatch *fw, guint64 seq, guint file_class, int fd);
void fw_learn(FutFanwatch *fw, Event *ev);

/* fanwatch-responder.c */
void fw_set_ignore_mark(FutFanwatch *fw, int fd, const Ident *id);
gboolean fw_on_readable(gint fd, GIOCondition cond, gpointer user_data);
gboolean fw_marks_init(FutFanwatch *fw);
gboolean fw_marks_flush(FutFanwatch *fw);
gboolean fw_on_attr_readable(gint fd, GIOCondition cond, gpointer user_data);
gboolean fw_quit_loop(gpointer loop);
gpointer fw_thread_main(gpointer user_data);
gpointer fw_deadline_main(gpointer user_data);
gboolean fw_watch_fs(FutFanwatch *fw, const gchar *path);
/* The same for the directory open at @dirfd (an O_PATH descriptor) when @path is ".". */
gboolean fw_watch_fs_at(FutFanwatch *fw, int dirfd, const gchar *path);

/* TRUE when @st is on a watched FUSE filesystem (its files are never read). */
gboolean fw_on_fuse(FutFanwatch *fw, const struct stat *st);
/* TRUE when the filesystem of device @dev is watched (marked). */
gboolean fw_dev_watched(FutFanwatch *fw, guint64 dev);

/* fanwatch-exec.c */
/* A program about to run (@ev->exec): identifies it (responder threads); FW_VERDICT_WORK
 * when it is an upload program, whose inherited descriptors a worker decides with
 * fw_decide_exec_slow(). */
FwVerdict fw_decide_exec_fast(FutFanwatch *fw, Event *ev);
/* Decides each descriptor the program would inherit as its open; TRUE to allow the start.
 * A refusal is recorded (the file's own record), an unexaminable descriptor refuses. */
gboolean fw_decide_exec_slow(FutFanwatch *fw, Event *ev);

/* Decides the file open here at @fd, which process @pid holds, as @ev's program's open of it
 * (class, approvals, the records): @inherited_fd is its descriptor number + 1 when the
 * program inherits it at its start (0: no), @feeding the upload program's pid when @pid
 * writes into its pipe (0: no), @path_as the name to record (NULL: the file's). TRUE to
 * allow; a refusal or an allowance under an approval is recorded. */
gboolean fw_inherited_allowed(FutFanwatch *fw,
                              Event *ev,
                              pid_t pid,
                              int fd,
                              gint inherited_fd,
                              pid_t feeding,
                              const gchar *path_as);
/* Examines descriptor @name of process @pid for @ev's program: at its start (@feeding 0:
 * what it inherits, pipes followed with ev->follow_pipe) or as a writer into its pipe
 * (@feeding: its pid). FALSE when the start must be refused (recorded). */
gboolean fw_examine_fd(FutFanwatch *fw, Event *ev, pid_t pid, const gchar *name, pid_t feeding);
/* The same for every descriptor of @pid. */
gboolean fw_examine_fds(FutFanwatch *fw, Event *ev, pid_t pid, pid_t feeding);

/* fw_inherited_allowed()'s @inherited_fd for the program's command line. */
#define FW_INHERITED_ARGV (-1)

/* fanwatch-argv.c */
/* Decides the command line @ev's upload program is being started with (its process blocked
 * in execve()) as a file it opened. TRUE to allow; a refusal is recorded. */
gboolean fw_argv_allowed(FutFanwatch *fw, Event *ev);

/* fanwatch-fds.c */
void fw_fds_init(FutFanwatch *fw);
void fw_fds_clear(FutFanwatch *fw);
/* A copy of descriptor @n of process @pid (pidfd_getfd(2): nothing is opened), and what it
 * is (statx without sync). -1 with errno: ESRCH (gone), ENOENT (closed), EBUSY (the reaper
 * is full), or another. Give it back with fw_release_fd(). */
int fw_take_fd(FutFanwatch *fw, pid_t pid, int n, struct stat *ret_st);
/* Closes a copy taken with fw_take_fd(): at once where no close can wait on a daemon or a
 * server, otherwise on the reaper thread. */
void fw_release_fd(FutFanwatch *fw, int fd, const struct stat *st);
/* The open flags of a descriptor, from its fdinfo file @name (relative to @dirfd, or a path
 * with AT_FDCWD); -1 when it cannot be read (closed, gone) or makes no sense. */
gint64 fw_fdinfo_flags(int dirfd, const gchar *name);

/* fanwatch-pipe.c */
typedef enum {
	FW_FEEDER_NO,
	FW_FEEDER_YES,     /* the opener writes into a fed pipe: it stands for the program now */
	FW_FEEDER_UNKNOWN, /* its descriptors cannot be listed: deny */
} FwFeeder;
void fw_pipes_init(FutFanwatch *fw, gboolean follow);
void fw_pipes_clear(FutFanwatch *fw);
/* TRUE while some pipe into an upload program is followed (no lock). */
gboolean fw_pipes_active(FutFanwatch *fw);
/* TRUE when the program process @pid runs is an upload program (by its executable), and,
 * with @same, that very executable (device and inode). */
gboolean fw_pid_is_upload(FutFanwatch *fw, pid_t pid, const Key *same);
/* @ev's upload program (process @ev->pid) reads the pipe or FIFO named @link (open here at
 * @pfd, or its descriptor @inherited_fd - 1 at its start): feeds it and the pipes joined to
 * it, decides what its writers hold open and what the pipes hold now. TRUE to allow. */
gboolean fw_pipe_follow(FutFanwatch *fw, Event *ev, int pfd, const gchar *link, gint inherited_fd);
/* A non-upload program's open while pipes are followed: does the opener write into one? On
 * FW_FEEDER_YES @ev stands for that upload program (upload, exe, match, feeding). */
FwFeeder fw_pipe_feeder(FutFanwatch *fw, Event *ev);

/* fanwatch-system.c */
/* TRUE when the file open at @fd (@st, named @path) is the system's own: under a system
 * folder, owned by root, no group or other write bit, no ACL, not on FUSE, and at @path in
 * the agent's mount namespace. Such a file is not classified. */
gboolean fw_system_file(FutFanwatch *fw, int fd, const struct stat *st, const gchar *path);

/* fanwatch-mounts.c */
/* Marks the filesystems that hold, now, a path matching the patterns (a mount point or any
 * folder), except a FUSE filesystem whose daemon is not root's. */
void fw_mounts_scan(FutFanwatch *fw);
/* Parses one line of /proc/self/mountinfo: the mount point (unescaped), the file system type
 * and the super block options. FALSE for garbage. Caller frees the strings. */
gboolean fw_parse_mountinfo_line(const gchar *line,
                                 gchar **ret_mountpoint,
                                 gchar **ret_fstype,
                                 gchar **ret_superopts);
/* TRUE for a FUSE file system whose daemon is not root's (super options without user_id=0). */
gboolean fw_is_user_fuse(const gchar *fstype, const gchar *superopts);
gpointer fw_mounts_main(gpointer user_data);
void fw_respond_job(gpointer data, gpointer user_data);
void fw_identify_job(gpointer data, gpointer user_data);
void fw_work_job(gpointer data, gpointer user_data);
void fw_learn_job(gpointer data, gpointer user_data);
void fw_pending_unref(Pending *p);
/* Answers @p unless another thread did already. Returns TRUE when this call answered. */
gboolean fw_answer(FutFanwatch *fw, Pending *p, gboolean allow);
/* After the answer: marks, learning, the record. Consumes the caller's reference. */
void fw_follow_up(FutFanwatch *fw, Pending *p);

/* fanwatch-commit.c */
/* Hands @p (an upload program's open, not answered, ev.commit set) to the record thread,
 * which answers it once its upload.observed is durable, or denies it. Consumes the
 * caller's reference. */
void fw_commit_push(FutFanwatch *fw, Pending *p);
gpointer fw_commit_main(gpointer user_data);
/* Stops the record thread: what waits is denied. */
void fw_commit_stop(FutFanwatch *fw);
/* The thread handling @p is done with it: drops its use of the descriptor and its
 * reference. */
void fw_pending_done(Pending *p);
