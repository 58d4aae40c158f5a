/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "errors.h"
#include "fanwatch.h"
#include "procinfo.h"
#include "util.h"

/* Older headers lack the 6.0 flag; the kernel tells us with EINVAL if it lacks it too. */
#ifndef FAN_MARK_IGNORE
#define FAN_MARK_IGNORE 0x00000400
#endif
#ifndef FAN_MARK_EVICTABLE
#define FAN_MARK_EVICTABLE 0x00000200
#endif

#define READ_BUF_SIZE  (64 * 1024)
#define HASH_CHUNK     (64 * 1024)
#define FILES_MAX      65536 /* cached classifications */
#define EXES_MAX       4096  /* cached executable judgements */
#define OBSERVED_MAX   4096  /* (program, file) pairs remembered for deduplication */
#define SEEN_MAX       65536 /* files opened once, not yet classified */
#define RECORDS_MAX    10000 /* records handed to the agent and not yet consumed */
#define APPROVALS_MAX  4096
#define DELETED_SUFFIX " (deleted)"

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

typedef struct {
	Ident id;
	guint file_class;
	gboolean has_sha256;
	guint8 sha256[FUT_SHA256_LEN];
} FileEntry;

typedef struct {
	Ident id;
	gboolean upload;
	const gchar *match;
	gchar *path;
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
	pid_t self;
	gboolean ignore_new_api; /* FAN_MARK_IGNORE works */

	gchar **mounts;
	gchar **programs;
	gchar **names_cfg;
	gchar **observe;
	guint64 digest_max;
	guint64 learn_max;
	guint observe_interval_s;
	guint observe_per_minute;
	gboolean no_ignore_marks;

	FutFanwatchClassifyFunc classify;
	gpointer classify_data;
	Sink *sink;
	GMainContext *record_ctx;

	/* Listener thread state: touched only by that thread. */
	GThread *thread;
	GMainContext *ctx;
	GMainLoop *loop;
	guint8 *buf;
	GHashTable *exes;     /* Key -> ExeEntry */
	GHashTable *observed; /* "dev:ino:dev:ino" -> gint64 last report (µs) */
	GHashTable *seen;     /* Key of files opened once by non-upload programs */
	gint64 observe_window;
	guint observe_count;
	guint64 dropped_unreported;

	/* Shared, under lock. */
	GMutex lock;
	GHashTable *files;     /* Key -> FileEntry */
	GHashTable *approvals; /* id -> Approval */
	GArray *known;         /* Known */
	GHashTable *names;     /* base name set */
	GHashTable *paths;     /* executable path set (configured and resolved) */
	gint generation;       /* bumped by flush: the exe cache is rebuilt */
	gint exes_generation;
	FutFanwatchStats stats;
	gboolean started;
};

/* One event while it is being decided and after the reply. */
typedef struct {
	int fd;
	pid_t pid;
	gboolean self;
	gboolean learn;
	gboolean upload;
	gboolean have_st;
	struct stat st;
	const gchar *match;
	gchar *exe;
	Key exe_key;
	gchar *path;
	guint file_class;
	gboolean has_sha256;
	guint8 sha256[FUT_SHA256_LEN];
	gboolean have_uid;
	guint32 uid;
	gboolean mark;
	gboolean observe;
	gboolean record;
	FutFanwatchRecordKind kind;
	const gchar *reason;
	gchar *approval_id;
} Event;

/* --- small helpers ----------------------------------------------------------------- */

static guint
key_hash(gconstpointer p)
{
	const Key *k = p;
	return g_int64_hash(&k->ino) ^ (g_int64_hash(&k->dev) * 31u);
}

static gboolean
key_equal(gconstpointer a, gconstpointer b)
{
	const Key *x = a, *y = b;
	return x->dev == y->dev && x->ino == y->ino;
}

static Ident
ident_of(const struct stat *st)
{
	Ident id = {
	    .dev = (guint64)st->st_dev,
	    .ino = (guint64)st->st_ino,
	    .size = (guint64)st->st_size,
	    .mtime_ns =
	        (gint64)st->st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + st->st_mtim.tv_nsec,
	    .ctime_ns =
	        (gint64)st->st_ctim.tv_sec * G_GINT64_CONSTANT(1000000000) + st->st_ctim.tv_nsec,
	};
	return id;
}

static gboolean
ident_equal(const Ident *a, const Ident *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

static gboolean
fd_ident(int fd, Ident *ret)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return FALSE;
	*ret = ident_of(&st);
	return TRUE;
}

static gchar *
fd_path(int fd)
{
	gchar link[64];
	gchar target[PATH_MAX];
	ssize_t n;

	g_snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof target);
	if (n < 0 || (gsize)n >= sizeof target)
		return NULL;
	return g_strndup(target, (gsize)n);
}

static void
exe_entry_free(gpointer p)
{
	ExeEntry *e = p;
	g_free(e->path);
	g_free(e);
}

static void
approval_free(gpointer p)
{
	Approval *a = p;
	if (a == NULL)
		return;
	g_free(a->id);
	g_free(a->program);
	g_free(a->program_real);
	g_free(a);
}

static void
known_clear(gpointer p)
{
	Known *k = p;
	g_free(k->path);
}

static void
sink_unref(Sink *s)
{
	if (g_atomic_int_dec_and_test(&s->ref))
		g_free(s);
}

static gboolean
path_under(const gchar *path, const gchar *prefix)
{
	gsize n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (strncmp(path, prefix, n) != 0)
		return FALSE;
	return path[n] == '\0' || path[n] == '/' || (n == 1 && prefix[0] == '/');
}

/* The path /proc/PID/exe shows for a removed binary ends in " (deleted)"; match on the
 * name it had. */
static gchar *
exe_path_for_match(const gchar *exe)
{
	if (g_str_has_suffix(exe, DELETED_SUFFIX))
		return g_strndup(exe, strlen(exe) - strlen(DELETED_SUFFIX));
	return g_strdup(exe);
}

const gchar *
fut_fanwatch_record_kind_to_string(FutFanwatchRecordKind kind)
{
	switch (kind) {
	case FUT_FANWATCH_RECORD_DENIED:
		return "upload.denied";
	case FUT_FANWATCH_RECORD_ALLOWED:
		return "upload.allowed";
	case FUT_FANWATCH_RECORD_OBSERVED:
		return "upload.observed";
	case FUT_FANWATCH_RECORD_GAP:
		return "gap";
	}
	return "unknown";
}

void
fut_fanwatch_record_free(FutFanwatchRecord *rec)
{
	if (rec == NULL)
		return;
	g_free(rec->exe);
	g_free(rec->comm);
	g_free(rec->path);
	g_free(rec->approval_id);
	g_free(rec);
}

static const gchar *
class_name(guint c)
{
	switch (c) {
	case FUT_FANWATCH_CLASS_I:
		return "I";
	case FUT_FANWATCH_CLASS_II:
		return "II";
	case FUT_FANWATCH_CLASS_III:
		return "III";
	default:
		return NULL;
	}
}

static gchar *
login_of(guint32 uid)
{
	struct passwd pw, *res = NULL;
	gchar buf[1024];

	if (uid == G_MAXUINT32 || getpwuid_r((uid_t)uid, &pw, buf, sizeof buf, &res) != 0 ||
	    res == NULL)
		return NULL;
	return g_strdup(pw.pw_name);
}

FutLogEvent *
fut_fanwatch_record_to_log_event(const FutFanwatchRecord *rec)
{
	FutLogEvent *ev;
	g_autofree gchar *login = NULL;
	g_autofree gchar *hex = NULL;

	if (rec->kind == FUT_FANWATCH_RECORD_GAP) {
		ev = fut_log_event_new_gap(rec->gap_kind, rec->reason);
		fut_log_event_set_detail_int(ev, "count", (gint64)MIN(rec->gap_count, G_MAXINT64));
		return ev;
	}
	ev = fut_log_event_new(fut_fanwatch_record_kind_to_string(rec->kind));
	login = login_of(rec->uid);
	fut_log_event_set_subject(
	    ev, rec->uid == G_MAXUINT32 ? FUT_LOG_INT_ABSENT : (gint64)rec->uid, login,
	    rec->loginuid == G_MAXUINT32 ? FUT_LOG_INT_ABSENT : (gint64)rec->loginuid,
	    rec->pid > 0 ? (gint64)rec->pid : FUT_LOG_INT_ABSENT, rec->exe);
	if (rec->has_sha256)
		hex = fut_hex_encode(rec->sha256, sizeof rec->sha256);
	fut_log_event_set_object(ev, rec->path,
	                         rec->size <= G_MAXINT64 ? (gint64)rec->size : FUT_LOG_INT_ABSENT,
	                         hex, class_name(rec->file_class));
	fut_log_event_set_upload(ev, NULL, rec->exe);
	fut_log_event_set_decision(
	    ev, rec->allowed ? FUT_LOG_DECISION_ALLOW : FUT_LOG_DECISION_DENY, rec->reason);
	if (rec->approval_id != NULL)
		fut_log_event_set_request(ev, rec->approval_id);
	if (rec->comm != NULL)
		fut_log_event_set_detail(ev, "comm", rec->comm);
	if (rec->program_match != NULL)
		fut_log_event_set_detail(ev, "program_match", rec->program_match);
	fut_log_event_set_detail_int(ev, "dev", (gint64)MIN(rec->dev, G_MAXINT64));
	fut_log_event_set_detail_int(ev, "ino", (gint64)MIN(rec->ino, G_MAXINT64));
	return ev;
}

static void
set_escaped(JsonObject *o, const gchar *name, const gchar *raw)
{
	g_autofree gchar *esc = NULL;

	if (raw == NULL)
		return;
	esc = fut_strescape(raw, -1);
	json_object_set_string_member(o, name, esc);
}

JsonObject *
fut_fanwatch_record_to_fields(const FutFanwatchRecord *rec)
{
	JsonObject *f = json_object_new();
	JsonObject *detail = json_object_new();
	g_autofree gchar *login = NULL;

	if (rec->kind == FUT_FANWATCH_RECORD_GAP) {
		set_escaped(detail, "kind", rec->gap_kind);
		json_object_set_int_member(detail, "count",
		                           (gint64)MIN(rec->gap_count, G_MAXINT64));
		set_escaped(f, "reason", rec->reason);
		json_object_set_object_member(f, "detail", detail);
		return f;
	}
	{
		JsonObject *subject = json_object_new();
		if (rec->uid != G_MAXUINT32)
			json_object_set_int_member(subject, "uid", rec->uid);
		login = login_of(rec->uid);
		set_escaped(subject, "login", login);
		if (rec->loginuid != G_MAXUINT32)
			json_object_set_int_member(subject, "loginuid", rec->loginuid);
		if (rec->pid > 0)
			json_object_set_int_member(subject, "pid", rec->pid);
		set_escaped(subject, "exe", rec->exe);
		json_object_set_object_member(f, "subject", subject);
	}
	{
		JsonObject *object = json_object_new();
		set_escaped(object, "path", rec->path);
		if (rec->size <= G_MAXINT64)
			json_object_set_int_member(object, "size", (gint64)rec->size);
		if (rec->has_sha256) {
			g_autofree gchar *hex = fut_hex_encode(rec->sha256, sizeof rec->sha256);
			json_object_set_string_member(object, "sha256", hex);
		}
		if (class_name(rec->file_class) != NULL)
			json_object_set_string_member(object, "class", class_name(rec->file_class));
		json_object_set_object_member(f, "object", object);
	}
	{
		JsonObject *dest = json_object_new();
		json_object_set_string_member(dest, "kind", "upload");
		set_escaped(dest, "program", rec->exe);
		json_object_set_object_member(f, "destination", dest);
	}
	json_object_set_string_member(
	    f, "decision", rec->allowed ? FUT_LOG_DECISION_ALLOW : FUT_LOG_DECISION_DENY);
	set_escaped(f, "reason", rec->reason);
	set_escaped(f, "request", rec->approval_id);
	set_escaped(detail, "comm", rec->comm);
	set_escaped(detail, "program_match", rec->program_match);
	json_object_set_int_member(detail, "dev", (gint64)MIN(rec->dev, G_MAXINT64));
	json_object_set_int_member(detail, "ino", (gint64)MIN(rec->ino, G_MAXINT64));
	json_object_set_object_member(f, "detail", detail);
	return f;
}

void
fut_fanwatch_config_init(FutFanwatchConfig *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->digest_max = G_GUINT64_CONSTANT(1) << 30;
	cfg->learn_max = 1024 * 1024;
	cfg->observe_interval_s = 3600;
	cfg->observe_per_minute = 60;
}

/* --- upload programs ----------------------------------------------------------------- */

/* Looks up the configured programs again (under lock): a package upgrade changes their
 * inode and size. Only stat() and realpath(): no open, so no event for ourselves. */
static void
known_refresh_locked(FutFanwatch *fw)
{
	g_array_set_size(fw->known, 0);
	g_hash_table_remove_all(fw->paths);
	g_hash_table_remove_all(fw->names);
	for (guint i = 0; fw->names_cfg != NULL && fw->names_cfg[i] != NULL; i++)
		g_hash_table_add(fw->names, g_strdup(fw->names_cfg[i]));
	for (guint i = 0; fw->programs != NULL && fw->programs[i] != NULL; i++) {
		Known k = {.path = g_strdup(fw->programs[i])};
		struct stat st;
		g_autofree gchar *real = realpath(fw->programs[i], NULL);

		g_hash_table_add(fw->paths, g_strdup(fw->programs[i]));
		g_hash_table_add(fw->names, g_path_get_basename(fw->programs[i]));
		if (real != NULL) {
			g_hash_table_add(fw->paths, g_strdup(real));
			g_hash_table_add(fw->names, g_path_get_basename(real));
		}
		if (stat(fw->programs[i], &st) == 0 && S_ISREG(st.st_mode)) {
			k.present = TRUE;
			k.id = ident_of(&st);
		}
		g_array_append_val(fw->known, k);
	}
	g_atomic_int_inc(&fw->generation);
}

/* Decides whether the executable @st of @pid is an upload program. Caller holds no lock. */
static const ExeEntry *
exe_lookup(FutFanwatch *fw, pid_t pid, const struct stat *st)
{
	Key key = {(guint64)st->st_dev, (guint64)st->st_ino};
	Ident id = ident_of(st);
	ExeEntry *e;
	g_autofree gchar *match_path = NULL;
	gint gen = g_atomic_int_get(&fw->generation);

	if (gen != fw->exes_generation) {
		g_hash_table_remove_all(fw->exes);
		fw->exes_generation = gen;
	}
	e = g_hash_table_lookup(fw->exes, &key);
	if (e != NULL && ident_equal(&e->id, &id))
		return e;

	e = g_new0(ExeEntry, 1);
	e->id = id;
	e->path = fut_procinfo_read_exe(pid, NULL);
	if (e->path != NULL)
		match_path = exe_path_for_match(e->path);

	g_mutex_lock(&fw->lock);
	for (guint i = 0; i < fw->known->len && e->match == NULL; i++) {
		Known *k = &g_array_index(fw->known, Known, i);
		if (k->present && k->id.dev == id.dev && k->id.ino == id.ino)
			e->match = "inode";
	}
	if (e->match == NULL && match_path != NULL && g_hash_table_contains(fw->paths, match_path))
		e->match = "path";
	if (e->match == NULL && match_path != NULL) {
		g_autofree gchar *base = g_path_get_basename(match_path);
		if (g_hash_table_contains(fw->names, base))
			e->match = "name";
	}
	/* A renamed byte-for-byte copy has the size of the original. Hashing it would mean
	 * opening it, and an open by this thread on a watched filesystem would wait for this
	 * thread's own reply; the size alone catches exact copies just as well (any changed
	 * byte defeats a digest too) at the price of rare coincidences, which fail closed. */
	for (guint i = 0; i < fw->known->len && e->match == NULL; i++) {
		Known *k = &g_array_index(fw->known, Known, i);
		if (k->present && k->id.size == id.size)
			e->match = "size";
	}
	g_mutex_unlock(&fw->lock);
	e->upload = e->match != NULL;

	if (g_hash_table_size(fw->exes) >= EXES_MAX)
		g_hash_table_remove_all(fw->exes);
	g_hash_table_replace(fw->exes, g_memdup2(&key, sizeof key), e);
	return e;
}

/* --- files --------------------------------------------------------------------------- */

static gboolean
files_lookup(FutFanwatch *fw, const Ident *id, FileEntry *ret)
{
	Key key = {id->dev, id->ino};
	FileEntry *e;
	gboolean found = FALSE;

	g_mutex_lock(&fw->lock);
	e = g_hash_table_lookup(fw->files, &key);
	if (e != NULL && ident_equal(&e->id, id)) {
		*ret = *e;
		found = TRUE;
	}
	g_mutex_unlock(&fw->lock);
	return found;
}

static void
files_store(FutFanwatch *fw, const FileEntry *entry)
{
	Key key = {entry->id.dev, entry->id.ino};

	g_mutex_lock(&fw->lock);
	if (g_hash_table_size(fw->files) >= FILES_MAX)
		g_hash_table_remove_all(fw->files);
	g_hash_table_replace(fw->files, g_memdup2(&key, sizeof key),
	                     g_memdup2(entry, sizeof *entry));
	g_mutex_unlock(&fw->lock);
}

/* Returns the class of the file open at @fd whose identity is @id, from the cache or the
 * classifier. Anything the classifier cannot say is Class II. */
static guint
file_class(FutFanwatch *fw, int fd, const Ident *id, const gchar *path)
{
	FileEntry e = {0};
	guint cls = 0;
	Ident after;
	g_autoptr(GError) error = NULL;

	if (files_lookup(fw, id, &e))
		return e.file_class;

	g_mutex_lock(&fw->lock);
	fw->stats.classified++;
	g_mutex_unlock(&fw->lock);
	if (fw->classify == NULL || !fw->classify(fd, path, &cls, fw->classify_data, &error) ||
	    cls < FUT_FANWATCH_CLASS_I || cls > FUT_FANWATCH_CLASS_III)
		return FUT_FANWATCH_CLASS_II;
	/* Content that changed while it was read was not what we judged. */
	if (!fd_ident(fd, &after) || !ident_equal(&after, id))
		return MIN(cls, FUT_FANWATCH_CLASS_II);
	e.id = *id;
	e.file_class = cls;
	files_store(fw, &e);
	return cls;
}

static gboolean
file_digest(FutFanwatch *fw, int fd, const Ident *id, guint8 ret_digest[FUT_SHA256_LEN])
{
	FileEntry e = {0};
	g_autoptr(FutSha256) ctx = NULL;
	g_autofree guint8 *buf = NULL;
	guint64 off = 0;
	Ident after;

	if (files_lookup(fw, id, &e) && e.has_sha256) {
		memcpy(ret_digest, e.sha256, FUT_SHA256_LEN);
		return TRUE;
	}
	if (id->size > fw->digest_max)
		return FALSE;
	ctx = fut_sha256_new();
	buf = g_malloc(HASH_CHUNK);
	for (;;) {
		ssize_t n = pread(fd, buf, HASH_CHUNK, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return FALSE;
		if (n == 0)
			break;
		fut_sha256_update(ctx, buf, (gsize)n);
		off += (guint64)n;
		if (off > fw->digest_max)
			return FALSE;
	}
	fut_sha256_finish(ctx, ret_digest);
	if (off != id->size || !fd_ident(fd, &after) || !ident_equal(&after, id))
		return FALSE;
	/* Keep the class already cached for this version, if any. */
	g_mutex_lock(&fw->lock);
	{
		Key key = {id->dev, id->ino};
		FileEntry *c = g_hash_table_lookup(fw->files, &key);
		if (c != NULL && ident_equal(&c->id, id)) {
			c->has_sha256 = TRUE;
			memcpy(c->sha256, ret_digest, FUT_SHA256_LEN);
		}
	}
	g_mutex_unlock(&fw->lock);
	return TRUE;
}

/* Sets an evictable ignore mark on the inode open at @fd, judged Class III at identity
 * @id. Without "survive modify", the kernel drops the mark on the next write. */
static void
set_ignore_mark(FutFanwatch *fw, int fd, const Ident *id)
{
	unsigned int flags;
	Ident after;
	int r;

	if (fw->no_ignore_marks)
		return;
	flags = FAN_MARK_ADD | FAN_MARK_EVICTABLE |
	        (fw->ignore_new_api ? FAN_MARK_IGNORE : FAN_MARK_IGNORED_MASK);
	r = fanotify_mark(fw->fan_fd, flags, FAN_OPEN_PERM, fd, NULL);
	if (r != 0 && errno == EINVAL && fw->ignore_new_api) {
		fw->ignore_new_api = FALSE;
		flags = FAN_MARK_ADD | FAN_MARK_EVICTABLE | FAN_MARK_IGNORED_MASK;
		r = fanotify_mark(fw->fan_fd, flags, FAN_OPEN_PERM, fd, NULL);
	}
	if (r != 0)
		return;
	/* A write between the classification and the mark would not have cleared a mark
	 * that did not exist yet: check the content version is still the one judged. */
	if (!fd_ident(fd, &after) || !ident_equal(&after, id)) {
		fanotify_mark(fw->fan_fd,
		              FAN_MARK_REMOVE |
		                  (fw->ignore_new_api ? FAN_MARK_IGNORE : FAN_MARK_IGNORED_MASK),
		              FAN_OPEN_PERM, fd, NULL);
		return;
	}
	g_mutex_lock(&fw->lock);
	fw->stats.marks++;
	g_mutex_unlock(&fw->lock);
}

static gboolean
under_observe(FutFanwatch *fw, const gchar *path)
{
	for (guint i = 0; fw->observe != NULL && fw->observe[i] != NULL; i++) {
		if (path != NULL && path_under(path, fw->observe[i]))
			return TRUE;
	}
	return FALSE;
}

/* --- approvals ----------------------------------------------------------------------- */

static gboolean
approval_program_matches(const Approval *a, const gchar *exe, const Key *exe_key)
{
	g_autofree gchar *m = NULL;

	if (a->program == NULL)
		return TRUE;
	if (a->has_program_id && a->program_id.dev == exe_key->dev &&
	    a->program_id.ino == exe_key->ino)
		return TRUE;
	if (exe == NULL)
		return FALSE;
	m = exe_path_for_match(exe);
	return g_strcmp0(m, a->program) == 0 || g_strcmp0(m, a->program_real) == 0;
}

/* TRUE when some active approval names this requester and program (any content). */
static gboolean
approval_possible(FutFanwatch *fw, const Event *ev)
{
	GHashTableIter it;
	gpointer value;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gboolean found = FALSE;

	g_mutex_lock(&fw->lock);
	g_hash_table_iter_init(&it, fw->approvals);
	while (!found && g_hash_table_iter_next(&it, NULL, &value)) {
		const Approval *a = value;
		found = a->uid == ev->uid && now >= a->not_before && now <= a->not_after &&
		        approval_program_matches(a, ev->exe, &ev->exe_key);
	}
	g_mutex_unlock(&fw->lock);
	return found;
}

/* Returns the id of an approval covering the event now, or NULL. Caller frees. */
static gchar *
approval_find(FutFanwatch *fw, const Event *ev)
{
	GHashTableIter it;
	gpointer value;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gchar *found = NULL;

	g_mutex_lock(&fw->lock);
	g_hash_table_iter_init(&it, fw->approvals);
	while (found == NULL && g_hash_table_iter_next(&it, NULL, &value)) {
		const Approval *a = value;
		if (memcmp(a->sha256, ev->sha256, FUT_SHA256_LEN) != 0 || a->uid != ev->uid)
			continue;
		if (now < a->not_before || now > a->not_after)
			continue;
		if (!approval_program_matches(a, ev->exe, &ev->exe_key))
			continue;
		found = g_strdup(a->id);
	}
	g_mutex_unlock(&fw->lock);
	return found;
}

gboolean
fut_fanwatch_add_approval(FutFanwatch *fw, const FutFanwatchApproval *approval, GError **error)
{
	Approval *a;
	struct stat st;

	if (approval->id == NULL || approval->id[0] == '\0') {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, _("approval without an id"));
		return FALSE;
	}
	if (approval->not_after < approval->not_before) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("approval window ends before it begins"));
		return FALSE;
	}
	if (approval->program != NULL && !g_path_is_absolute(approval->program)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("approval program is not an absolute path"));
		return FALSE;
	}
	a = g_new0(Approval, 1);
	a->id = g_strdup(approval->id);
	memcpy(a->sha256, approval->sha256, FUT_SHA256_LEN);
	a->uid = approval->uid;
	a->program = g_strdup(approval->program);
	a->not_before = approval->not_before;
	a->not_after = approval->not_after;
	if (a->program != NULL) {
		a->program_real = realpath(a->program, NULL);
		if (stat(a->program, &st) == 0) {
			a->has_program_id = TRUE;
			a->program_id.dev = (guint64)st.st_dev;
			a->program_id.ino = (guint64)st.st_ino;
		}
	}
	g_mutex_lock(&fw->lock);
	if (!g_hash_table_contains(fw->approvals, a->id) &&
	    g_hash_table_size(fw->approvals) >= APPROVALS_MAX) {
		g_mutex_unlock(&fw->lock);
		approval_free(a);
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("too many active upload approvals (%u)"), (guint)APPROVALS_MAX);
		return FALSE;
	}
	g_hash_table_replace(fw->approvals, a->id, a);
	g_mutex_unlock(&fw->lock);
	return TRUE;
}

gboolean
fut_fanwatch_remove_approval(FutFanwatch *fw, const gchar *id)
{
	gboolean removed;

	g_mutex_lock(&fw->lock);
	removed = g_hash_table_remove(fw->approvals, id);
	g_mutex_unlock(&fw->lock);
	return removed;
}

void
fut_fanwatch_clear_approvals(FutFanwatch *fw)
{
	g_mutex_lock(&fw->lock);
	g_hash_table_remove_all(fw->approvals);
	g_mutex_unlock(&fw->lock);
}

/* --- records ------------------------------------------------------------------------- */

typedef struct {
	Sink *sink;
	FutFanwatchRecord *rec;
} Delivery;

static gboolean
deliver_cb(gpointer p)
{
	Delivery *d = p;

	if (!g_atomic_int_get(&d->sink->cancelled))
		d->sink->func(d->rec, d->sink->data);
	return G_SOURCE_REMOVE;
}

static void
delivery_free(gpointer p)
{
	Delivery *d = p;

	g_atomic_int_add(&d->sink->pending, -1);
	fut_fanwatch_record_free(d->rec);
	sink_unref(d->sink);
	g_free(d);
}

static void
post_one(FutFanwatch *fw, FutFanwatchRecord *rec)
{
	Delivery *d = g_new0(Delivery, 1);

	g_atomic_int_inc(&fw->sink->ref);
	g_atomic_int_inc(&fw->sink->pending);
	d->sink = fw->sink;
	d->rec = rec;
	g_main_context_invoke_full(fw->record_ctx, G_PRIORITY_DEFAULT, deliver_cb, d,
	                           delivery_free);
}

/* Hands @rec (owned) to the agent. The queue of records in flight is bounded: a record that
 * does not fit is counted, and the count reaches the log as a gap as soon as there is room. */
static void
post_record(FutFanwatch *fw, FutFanwatchRecord *rec)
{
	if (fw->sink->func == NULL) {
		fut_fanwatch_record_free(rec);
		return;
	}
	if (g_atomic_int_get(&fw->sink->pending) >= RECORDS_MAX - 1) {
		fw->dropped_unreported++;
		g_mutex_lock(&fw->lock);
		fw->stats.records_dropped++;
		g_mutex_unlock(&fw->lock);
		fut_fanwatch_record_free(rec);
		return;
	}
	if (fw->dropped_unreported > 0) {
		FutFanwatchRecord *gap = g_new0(FutFanwatchRecord, 1);
		gap->kind = FUT_FANWATCH_RECORD_GAP;
		gap->time_us = g_get_real_time();
		gap->uid = G_MAXUINT32;
		gap->loginuid = FUT_PROCINFO_LOGINUID_UNSET;
		gap->gap_kind = "records-dropped";
		gap->gap_count = fw->dropped_unreported;
		gap->reason = "the agent did not consume upload records fast enough";
		fw->dropped_unreported = 0;
		post_one(fw, gap);
	}
	post_one(fw, rec);
}

static FutFanwatchRecord *
record_from_event(FutFanwatch *fw, Event *ev, gint64 now_us)
{
	FutFanwatchRecord *rec = g_new0(FutFanwatchRecord, 1);

	rec->kind = ev->kind;
	rec->time_us = now_us;
	rec->pid = ev->pid;
	rec->uid = G_MAXUINT32;
	if (ev->have_uid)
		rec->uid = ev->uid;
	else if (fut_procinfo_read_uid(ev->pid, &rec->uid, NULL))
		ev->have_uid = TRUE;
	else
		rec->uid = G_MAXUINT32;
	if (!fut_procinfo_read_loginuid(ev->pid, &rec->loginuid, NULL))
		rec->loginuid = FUT_PROCINFO_LOGINUID_UNSET;
	rec->exe = ev->exe != NULL ? g_strdup(ev->exe) : fut_procinfo_read_exe(ev->pid, NULL);
	rec->comm = fut_procinfo_read_comm(ev->pid, NULL);
	rec->program_match = ev->match;
	rec->path = g_strdup(ev->path);
	if (ev->have_st) {
		rec->dev = (guint64)ev->st.st_dev;
		rec->ino = (guint64)ev->st.st_ino;
		rec->size = (guint64)ev->st.st_size;
	}
	rec->file_class = ev->file_class;
	rec->has_sha256 = ev->has_sha256;
	memcpy(rec->sha256, ev->sha256, FUT_SHA256_LEN);
	rec->allowed = ev->kind != FUT_FANWATCH_RECORD_DENIED;
	rec->reason = ev->reason;
	rec->approval_id = g_steal_pointer(&ev->approval_id);
	return rec;
}

/* Deduplicates and rate-limits upload.observed. */
static gboolean
observe_allowed(FutFanwatch *fw, const Event *ev)
{
	gint64 now = g_get_monotonic_time();
	g_autofree gchar *key = g_strdup_printf(
	    "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
	    ev->exe_key.dev, ev->exe_key.ino, (guint64)ev->st.st_dev, (guint64)ev->st.st_ino);
	gpointer last;

	if (g_hash_table_lookup_extended(fw->observed, key, NULL, &last) &&
	    now - *(gint64 *)last < (gint64)fw->observe_interval_s * G_USEC_PER_SEC)
		return FALSE;
	if (now - fw->observe_window >= 60 * G_USEC_PER_SEC) {
		fw->observe_window = now;
		fw->observe_count = 0;
	}
	if (fw->observe_count >= fw->observe_per_minute)
		return FALSE;
	fw->observe_count++;
	if (g_hash_table_size(fw->observed) >= OBSERVED_MAX)
		g_hash_table_remove_all(fw->observed);
	g_hash_table_replace(fw->observed, g_steal_pointer(&key), g_memdup2(&now, sizeof now));
	return TRUE;
}

/* --- the decision -------------------------------------------------------------------- */

static gboolean
deny(Event *ev, const gchar *reason)
{
	ev->record = TRUE;
	ev->kind = FUT_FANWATCH_RECORD_DENIED;
	ev->reason = reason;
	return FALSE;
}

/* Returns TRUE to allow. Reads only /proc and the event's own fd; opens nothing on a watched
 * filesystem; logs nothing. */
static gboolean
decide(FutFanwatch *fw, Event *ev)
{
	gchar link[64];
	struct stat exe_st;
	const ExeEntry *exe;
	Ident id;

	if (ev->pid == fw->self) {
		ev->self = TRUE;
		return TRUE;
	}
	g_snprintf(link, sizeof link, "/proc/%d/exe", (int)ev->pid);
	if (stat(link, &exe_st) != 0) {
		guint64 starttime = 0;
		guint32 flags = 0;
		/* Kernel threads have no executable and upload nothing. */
		if (fut_procinfo_read_stat(ev->pid, &starttime, &flags, NULL) &&
		    (flags & FUT_PROCINFO_PF_KTHREAD) != 0)
			return TRUE;
		return deny(ev, "the opening process cannot be identified");
	}
	ev->exe_key.dev = (guint64)exe_st.st_dev;
	ev->exe_key.ino = (guint64)exe_st.st_ino;
	exe = exe_lookup(fw, ev->pid, &exe_st);
	if (!exe->upload) {
		ev->learn = TRUE;
		return TRUE;
	}

	ev->upload = TRUE;
	ev->match = exe->match;
	ev->exe = g_strdup(exe->path);
	if (fstat(ev->fd, &ev->st) != 0)
		return deny(ev, "the file cannot be examined");
	ev->have_st = TRUE;
	if (!S_ISREG(ev->st.st_mode))
		return TRUE;
	id = ident_of(&ev->st);
	ev->path = fd_path(ev->fd);
	ev->file_class = file_class(fw, ev->fd, &id, ev->path);
	if (ev->file_class == FUT_FANWATCH_CLASS_III) {
		ev->observe = under_observe(fw, ev->path);
		ev->mark = !ev->observe;
		return TRUE;
	}

	if (!fut_procinfo_read_uid(ev->pid, &ev->uid, NULL))
		return deny(ev, "the requester cannot be identified");
	ev->have_uid = TRUE;
	/* Hashing a large file stalls every open on the watched filesystems: only hash when an
	 * approval could match at all. */
	if (!approval_possible(fw, ev))
		return deny(ev, ev->file_class == FUT_FANWATCH_CLASS_I
		                    ? "class I file, no approval"
		                    : "class II file, no approval");
	if (!file_digest(fw, ev->fd, &id, ev->sha256))
		return deny(ev, "the content cannot be hashed to check approvals");
	ev->has_sha256 = TRUE;
	ev->approval_id = approval_find(fw, ev);
	if (ev->approval_id != NULL) {
		ev->record = TRUE;
		ev->kind = FUT_FANWATCH_RECORD_ALLOWED;
		ev->reason = "an active upload approval covers this content, requester and program";
		return TRUE;
	}
	return deny(ev, ev->file_class == FUT_FANWATCH_CLASS_I ? "class I file, no approval"
	                                                       : "class II file, no approval");
}

/* After a non-upload program's open was allowed: learn the class of small files opened a
 * second time so that a Class III file gets an ignore mark and later opens skip userspace. */
static void
learn(FutFanwatch *fw, Event *ev)
{
	FileEntry e;
	Ident id;
	g_autofree gchar *path = NULL;

	if (fw->no_ignore_marks)
		return;
	if (fstat(ev->fd, &ev->st) != 0 || !S_ISREG(ev->st.st_mode))
		return;
	id = ident_of(&ev->st);
	if (files_lookup(fw, &id, &e)) {
		/* We only see an event for a cached Class III file when its mark was evicted. */
		if (e.file_class == FUT_FANWATCH_CLASS_III) {
			path = fd_path(ev->fd);
			if (!under_observe(fw, path))
				set_ignore_mark(fw, ev->fd, &id);
		}
		return;
	}
	if (id.size > fw->learn_max)
		return;
	/* Learn on the second open: most files opened once are never opened again, and the
	 * classification and the mark would cost more than the one event they save. */
	{
		Key key = {id.dev, id.ino};
		if (!g_hash_table_contains(fw->seen, &key)) {
			if (g_hash_table_size(fw->seen) >= SEEN_MAX)
				g_hash_table_remove_all(fw->seen);
			g_hash_table_add(fw->seen, g_memdup2(&key, sizeof key));
			return;
		}
		g_hash_table_remove(fw->seen, &key);
	}
	path = fd_path(ev->fd);
	if (under_observe(fw, path))
		return;
	if (file_class(fw, ev->fd, &id, path) == FUT_FANWATCH_CLASS_III)
		set_ignore_mark(fw, ev->fd, &id);
}

static void
reply(FutFanwatch *fw, int fd, gboolean allow)
{
	struct fanotify_response r = {.fd = fd, .response = allow ? FAN_ALLOW : FAN_DENY};

	for (;;) {
		ssize_t n = write(fw->fan_fd, &r, sizeof r);
		if (n == (ssize_t)sizeof r)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		/* ENOENT: the opener was killed and the kernel dropped the event. */
		g_mutex_lock(&fw->lock);
		fw->stats.reply_errors++;
		g_mutex_unlock(&fw->lock);
		break;
	}
}

static void
handle_event(FutFanwatch *fw, const struct fanotify_event_metadata *meta)
{
	Event ev = {.fd = meta->fd, .pid = meta->pid};
	gboolean allow;
	gint64 now_us;

	if ((meta->mask & FAN_Q_OVERFLOW) != 0) {
		FutFanwatchRecord *gap = g_new0(FutFanwatchRecord, 1);
		g_mutex_lock(&fw->lock);
		fw->stats.overflows++;
		g_mutex_unlock(&fw->lock);
		gap->kind = FUT_FANWATCH_RECORD_GAP;
		gap->time_us = g_get_real_time();
		gap->uid = G_MAXUINT32;
		gap->loginuid = FUT_PROCINFO_LOGINUID_UNSET;
		gap->gap_kind = "queue-overflow";
		gap->gap_count = 1;
		gap->reason = "the kernel dropped fanotify events";
		post_record(fw, gap);
		if (meta->fd >= 0)
			close(meta->fd);
		return;
	}
	if (meta->fd < 0)
		return;
	if ((meta->mask & FAN_OPEN_PERM) == 0) {
		/* Not asked for; a permission event still needs its answer. */
		if ((meta->mask & (FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM)) != 0)
			reply(fw, meta->fd, TRUE);
		close(meta->fd);
		return;
	}

	allow = decide(fw, &ev);
	reply(fw, meta->fd, allow);
	now_us = g_get_real_time();

	/* Everything below runs after the opener has its answer. */
	g_mutex_lock(&fw->lock);
	fw->stats.events++;
	if (allow)
		fw->stats.allowed++;
	else
		fw->stats.denied++;
	if (ev.self)
		fw->stats.self++;
	if (ev.upload)
		fw->stats.upload_checks++;
	g_mutex_unlock(&fw->lock);

	if (ev.learn)
		learn(fw, &ev);
	if (ev.upload && ev.file_class == FUT_FANWATCH_CLASS_III) {
		Ident id = ident_of(&ev.st);
		if (ev.mark)
			set_ignore_mark(fw, ev.fd, &id);
		if (ev.observe && observe_allowed(fw, &ev)) {
			ev.record = TRUE;
			ev.kind = FUT_FANWATCH_RECORD_OBSERVED;
			ev.reason = "an upload program opened a class III file";
		}
	}
	if (ev.record)
		post_record(fw, record_from_event(fw, &ev, now_us));

	close(meta->fd);
	g_free(ev.exe);
	g_free(ev.path);
	g_free(ev.approval_id);
}

static gboolean
on_readable(gint fd, GIOCondition cond, gpointer user_data)
{
	FutFanwatch *fw = user_data;

	for (;;) {
		ssize_t n = read(fw->fan_fd, fw->buf, READ_BUF_SIZE);
		const struct fanotify_event_metadata *meta = (const void *)fw->buf;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		while (FAN_EVENT_OK(meta, n)) {
			/* A different layout cannot be parsed, so it cannot be answered either;
			 * the events stay pending until the group is closed, which allows them. */
			if (meta->vers != FANOTIFY_METADATA_VERSION) {
				g_mutex_lock(&fw->lock);
				fw->stats.reply_errors++;
				g_mutex_unlock(&fw->lock);
				return G_SOURCE_REMOVE;
			}
			handle_event(fw, meta);
			meta = FAN_EVENT_NEXT(meta, n);
		}
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
quit_loop(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

static gpointer
thread_main(gpointer user_data)
{
	FutFanwatch *fw = user_data;

	g_main_context_push_thread_default(fw->ctx);
	g_main_loop_run(fw->loop);
	g_main_context_pop_thread_default(fw->ctx);
	return NULL;
}

/* --- life cycle ---------------------------------------------------------------------- */

FutFanwatch *
fut_fanwatch_new(const FutFanwatchConfig *cfg,
                 FutFanwatchClassifyFunc classify_func,
                 gpointer classify_data,
                 FutFanwatchRecordFunc record_func,
                 gpointer record_data,
                 GMainContext *record_context,
                 GError **error)
{
	g_autoptr(FutFanwatch) fw = NULL;

	if (cfg->mounts == NULL || cfg->mounts[0] == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("upload control: no filesystem to watch"));
		return NULL;
	}
	for (guint i = 0; cfg->mounts[i] != NULL; i++) {
		if (!g_path_is_absolute(cfg->mounts[i])) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("upload control: watched path is not absolute"));
			return NULL;
		}
	}
	for (guint i = 0; cfg->upload_programs != NULL && cfg->upload_programs[i] != NULL; i++) {
		if (!g_path_is_absolute(cfg->upload_programs[i])) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("upload control: upload program path is not absolute"));
			return NULL;
		}
	}
	for (guint i = 0; cfg->upload_names != NULL && cfg->upload_names[i] != NULL; i++) {
		if (cfg->upload_names[i][0] == '\0' || strchr(cfg->upload_names[i], '/') != NULL) {
			g_set_error(
			    error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			    _("upload control: an upload program name must be a base name"));
			return NULL;
		}
	}

	fw = g_new0(FutFanwatch, 1);
	fw->fan_fd = -1;
	g_mutex_init(&fw->lock);
	fw->self = getpid();
	fw->ignore_new_api = TRUE;
	fw->mounts = g_strdupv((gchar **)cfg->mounts);
	fw->programs = g_strdupv((gchar **)cfg->upload_programs);
	fw->names_cfg = g_strdupv((gchar **)cfg->upload_names);
	fw->observe = g_strdupv((gchar **)cfg->observe_paths);
	fw->digest_max = cfg->digest_max;
	fw->learn_max = cfg->learn_max;
	fw->observe_interval_s = cfg->observe_interval_s;
	fw->observe_per_minute = cfg->observe_per_minute;
	fw->no_ignore_marks = cfg->no_ignore_marks;
	fw->classify = classify_func;
	fw->classify_data = classify_data;
	fw->sink = g_new0(Sink, 1);
	fw->sink->ref = 1;
	fw->sink->func = record_func;
	fw->sink->data = record_data;
	fw->record_ctx = record_context != NULL ? g_main_context_ref(record_context)
	                                        : g_main_context_ref(g_main_context_default());
	fw->buf = g_malloc(READ_BUF_SIZE);
	fw->exes = g_hash_table_new_full(key_hash, key_equal, g_free, exe_entry_free);
	fw->observed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	fw->seen = g_hash_table_new_full(key_hash, key_equal, g_free, NULL);
	fw->files = g_hash_table_new_full(key_hash, key_equal, g_free, g_free);
	fw->approvals = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, approval_free);
	fw->known = g_array_new(FALSE, TRUE, sizeof(Known));
	g_array_set_clear_func(fw->known, known_clear);
	fw->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	fw->paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_mutex_lock(&fw->lock);
	known_refresh_locked(fw);
	g_mutex_unlock(&fw->lock);

	/* An unlimited queue: a permission event that does not fit a bounded queue is dropped
	 * by the kernel and the open is ALLOWED without asking us (fail open). Without it the
	 * queue holds at most one permission event per thread blocked in open(), so it is
	 * bounded by the processes themselves. FAN_Q_OVERFLOW is still handled as a gap. */
	fw->fan_fd =
	    fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE,
	                  O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NOATIME);
	if (fw->fan_fd < 0) {
		int e = errno;
		g_set_error(error, FUT_ERROR,
		            e == EPERM ? FUT_ERROR_PERMISSION : FUT_ERROR_NOT_SUPPORTED,
		            _("upload control: fanotify_init failed: %s%s"), g_strerror(e),
		            e == EPERM ? " (needs root)" : "");
		return NULL;
	}
	return g_steal_pointer(&fw);
}

gboolean
fut_fanwatch_start(FutFanwatch *fw, GError **error)
{
	GSource *src;

	if (fw->started) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED,
		            _("upload control already started"));
		return FALSE;
	}
	if (fw->fan_fd < 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED, _("upload control was stopped"));
		return FALSE;
	}
	fw->ctx = g_main_context_new();
	fw->loop = g_main_loop_new(fw->ctx, FALSE);
	src = g_unix_fd_source_new(fw->fan_fd, G_IO_IN);
	g_source_set_callback(src, (GSourceFunc)(void (*)(void))on_readable, fw, NULL);
	g_source_set_priority(src, G_PRIORITY_HIGH);
	g_source_attach(src, fw->ctx);
	g_source_unref(src);
	fw->thread = g_thread_try_new("fut-fanwatch", thread_main, fw, error);
	if (fw->thread == NULL)
		return FALSE;
	fw->started = TRUE;

	for (guint i = 0; fw->mounts[i] != NULL; i++) {
		if (fanotify_mark(fw->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_PERM,
		                  AT_FDCWD, fw->mounts[i]) != 0) {
			int e = errno;
			g_autofree gchar *esc = fut_strescape(fw->mounts[i], -1);
			fut_fanwatch_stop(fw);
			g_set_error(error, FUT_ERROR, FUT_ERROR_IO,
			            _("upload control: cannot watch the filesystem of %s: %s"), esc,
			            g_strerror(e));
			return FALSE;
		}
	}
	return TRUE;
}

void
fut_fanwatch_stop(FutFanwatch *fw)
{
	if (fw == NULL)
		return;
	if (fw->thread != NULL) {
		/* Through the thread's own context: a g_main_loop_quit() that comes before the
		 * thread has entered g_main_loop_run() would be lost (a start that fails right
		 * after creating the thread), and the join would wait for ever. */
		GSource *src = g_idle_source_new();
		g_source_set_callback(src, quit_loop, fw->loop, NULL);
		g_source_set_priority(src, G_PRIORITY_HIGH);
		g_source_attach(src, fw->ctx);
		g_source_unref(src);
		g_thread_join(fw->thread);
		fw->thread = NULL;
	}
	/* Closing the group makes the kernel allow every event still pending. */
	if (fw->fan_fd >= 0) {
		close(fw->fan_fd);
		fw->fan_fd = -1;
	}
}

void
fut_fanwatch_free(FutFanwatch *fw)
{
	if (fw == NULL)
		return;
	fut_fanwatch_stop(fw);
	if (fw->sink != NULL) {
		g_atomic_int_set(&fw->sink->cancelled, 1);
		sink_unref(fw->sink);
	}
	if (fw->loop != NULL)
		g_main_loop_unref(fw->loop);
	if (fw->ctx != NULL)
		g_main_context_unref(fw->ctx);
	if (fw->record_ctx != NULL)
		g_main_context_unref(fw->record_ctx);
	g_clear_pointer(&fw->exes, g_hash_table_unref);
	g_clear_pointer(&fw->observed, g_hash_table_unref);
	g_clear_pointer(&fw->seen, g_hash_table_unref);
	g_clear_pointer(&fw->files, g_hash_table_unref);
	g_clear_pointer(&fw->approvals, g_hash_table_unref);
	g_clear_pointer(&fw->names, g_hash_table_unref);
	g_clear_pointer(&fw->paths, g_hash_table_unref);
	if (fw->known != NULL)
		g_array_unref(fw->known);
	g_strfreev(fw->mounts);
	g_strfreev(fw->programs);
	g_strfreev(fw->names_cfg);
	g_strfreev(fw->observe);
	g_free(fw->buf);
	g_mutex_clear(&fw->lock);
	g_free(fw);
}

gboolean
fut_fanwatch_flush(FutFanwatch *fw, GError **error)
{
	g_mutex_lock(&fw->lock);
	g_hash_table_remove_all(fw->files);
	known_refresh_locked(fw);
	g_mutex_unlock(&fw->lock);
	if (fw->fan_fd < 0)
		return TRUE;
	/* Without FAN_MARK_MOUNT or FAN_MARK_FILESYSTEM this removes the inode marks only:
	 * our ignore marks. The filesystem marks stay. */
	if (fanotify_mark(fw->fan_fd, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL) != 0)
		return fut_error_set_errno(error, errno,
		                           _("upload control: flushing ignore marks"));
	return TRUE;
}

gboolean
fut_fanwatch_forget_path(FutFanwatch *fw, const gchar *path, GError **error)
{
	struct stat st;
	unsigned int flags;

	if (lstat(path, &st) != 0) {
		g_autofree gchar *esc = fut_strescape(path, -1);
		return fut_error_set_errno(error, errno, esc);
	}
	g_mutex_lock(&fw->lock);
	{
		Key key = {(guint64)st.st_dev, (guint64)st.st_ino};
		g_hash_table_remove(fw->files, &key);
	}
	g_mutex_unlock(&fw->lock);
	if (fw->fan_fd < 0)
		return TRUE;
	flags = FAN_MARK_REMOVE | FAN_MARK_DONT_FOLLOW |
	        (fw->ignore_new_api ? FAN_MARK_IGNORE : FAN_MARK_IGNORED_MASK);
	if (fanotify_mark(fw->fan_fd, flags, FAN_OPEN_PERM, AT_FDCWD, path) != 0 &&
	    errno != ENOENT) {
		g_autofree gchar *esc = fut_strescape(path, -1);
		return fut_error_set_errno(error, errno, esc);
	}
	return TRUE;
}

void
fut_fanwatch_get_stats(FutFanwatch *fw, FutFanwatchStats *ret_stats)
{
	g_mutex_lock(&fw->lock);
	*ret_stats = fw->stats;
	g_mutex_unlock(&fw->lock);
}
