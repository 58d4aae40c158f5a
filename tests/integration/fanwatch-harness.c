/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs the upload-control listener (agent/fanwatch.c) on one filesystem with a test
 * classifier and a test approval file, and prints every record as a JSON line. Used by
 * upload-control.sh and bench/fanotify-bench.sh; not installed.
 *
 * Test classifier: the class in the xattr user.futari-test.class ("I", "II", "III"); else
 * Class II when the file name contains "secret"; a name containing "unclassifiable" makes
 * the classifier fail (which the listener must treat as Class II); else Class III.
 *
 * A name containing "lag" makes the test classifier take 20 ms (a learner kept busy),
 * "pause" 1 s (a classification another thread can come upon).
 *
 * --classifier pool: the real classifier with its content scan in futari-scan-worker
 * processes as futarid runs it (agent/scanpool.h), as user nobody; --scan-worker names the
 * worker binary (bench/upload-latency.sh runs another build's to compare).
 *
 * --pending stands in for the BPF taint layer (on_classified, on_pending, on_resolved): every
 * regular file other programs open is learnt, and the pending numbers resolved are counted
 * by class (in the stats). SIGUSR2 prints the stats while running.
 *
 * Approval file, one per line ('#' comments, blank lines ignored):
 *   ID SHA256HEX UID PROGRAM|- NOT_BEFORE NOT_AFTER
 * with times in unix seconds. Reloaded on SIGHUP. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "agent/fanwatch.h"
#include "agent/procinfo.h"
#include "agent/scanclassify.h"
#include "agent/scanpool.h"
#include "agent/scanspawn.h"
#include "classify.h"
#include "errors.h"
#include "util.h"

#define APPROVAL_FILE_MAX (64 * 1024)

/* --pending: numbers resolved, by class (1-3; 0: anything else), each number counted once
 * (the listener may tell the same number twice, with the same class) */
static gint resolved[4];
static GMutex resolved_lock;
static GHashTable *resolved_seqs;

static void
pending_classified(int fd, guint file_class, gpointer user_data)
{
	(void)fd;
	(void)file_class;
	(void)user_data;
}

static gboolean
pending_mark(int fd, guint64 seq, gpointer user_data)
{
	(void)fd;
	(void)seq;
	(void)user_data;
	return TRUE;
}

static void
pending_resolved(int fd, guint64 seq, guint file_class, gpointer user_data)
{
	gboolean fresh;

	(void)fd;
	(void)user_data;
	g_mutex_lock(&resolved_lock);
	if (resolved_seqs == NULL)
		resolved_seqs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	fresh = g_hash_table_add(resolved_seqs, g_memdup2(&seq, sizeof seq));
	g_mutex_unlock(&resolved_lock);
	if (fresh)
		g_atomic_int_inc(&resolved[file_class >= 1 && file_class <= 3 ? file_class : 0]);
}

typedef struct {
	FutFanwatch *fw;
	GMainLoop *loop;
	gchar *approvals;
	guint64 records;
} Harness;

static gboolean
test_classify(int fd, const gchar *path, guint *ret_class, gpointer user_data, GError **error)
{
	gchar value[16];
	ssize_t n = fgetxattr(fd, "user.futari-test.class", value, sizeof value - 1);
	g_autofree gchar *base = path != NULL ? g_path_get_basename(path) : NULL;

	if (n > 0) {
		value[n] = '\0';
		if (g_strcmp0(value, "I") == 0)
			*ret_class = FUT_FANWATCH_CLASS_I;
		else if (g_strcmp0(value, "II") == 0)
			*ret_class = FUT_FANWATCH_CLASS_II;
		else if (g_strcmp0(value, "III") == 0)
			*ret_class = FUT_FANWATCH_CLASS_III;
		else {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, "bad test label");
			return FALSE;
		}
		return TRUE;
	}
	/* A classification that takes 5 s (a large or hostile file): the deadline answers. */
	if (base != NULL && strstr(base, "slow") != NULL)
		g_usleep(5 * G_USEC_PER_SEC);
	if (base != NULL && strstr(base, "lag") != NULL)
		g_usleep(20 * 1000);
	if (base != NULL && strstr(base, "pause") != NULL)
		g_usleep(G_USEC_PER_SEC);
	if (base != NULL && strstr(base, "unclassifiable") != NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED, "test classifier failure");
		return FALSE;
	}
	*ret_class = base != NULL && strstr(base, "secret") != NULL ? FUT_FANWATCH_CLASS_II
	                                                            : FUT_FANWATCH_CLASS_III;
	return TRUE;
}

static gboolean
parse_i64(const gchar *s, gint64 *ret)
{
	gchar *end = NULL;
	gint64 v;

	if (s[0] == '\0')
		return FALSE;
	errno = 0;
	v = g_ascii_strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return FALSE;
	*ret = v;
	return TRUE;
}

static gboolean
load_approvals(Harness *h, GError **error)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	gsize len = 0;

	if (h->approvals == NULL)
		return TRUE;
	if (!fut_file_read_bounded(h->approvals, APPROVAL_FILE_MAX, &text, &len, error))
		return FALSE;
	if (strlen(text) != len) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, "approval file holds a NUL");
		return FALSE;
	}
	fut_fanwatch_clear_approvals(h->fw);
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) f = NULL;
		FutFanwatchApproval a = {0};
		gint64 uid = 0;

		if (lines[i][0] == '\0' || lines[i][0] == '#')
			continue;
		f = g_strsplit(lines[i], " ", -1);
		if (g_strv_length(f) != 6 ||
		    !fut_hex_decode(f[1], a.sha256, sizeof a.sha256, NULL) ||
		    !parse_i64(f[2], &uid) || uid < 0 || uid >= G_MAXUINT32 ||
		    !parse_i64(f[4], &a.not_before) || !parse_i64(f[5], &a.not_after)) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            "approval file line %u: expected ID SHA256 UID PROGRAM|- "
			            "NOT_BEFORE NOT_AFTER",
			            i + 1);
			return FALSE;
		}
		a.id = f[0];
		a.uid = (guint32)uid;
		a.program = g_strcmp0(f[3], "-") == 0 ? NULL : f[3];
		if (!fut_fanwatch_add_approval(h->fw, &a, error)) {
			g_prefix_error(error, "approval file line %u: ", i + 1);
			return FALSE;
		}
	}
	return TRUE;
}

static void
print_node(JsonBuilder *b)
{
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree gchar *text = NULL;

	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
	fflush(stdout);
}

static void
add_str(JsonBuilder *b, const gchar *name, const gchar *raw)
{
	g_autofree gchar *esc = NULL;

	json_builder_set_member_name(b, name);
	if (raw == NULL) {
		json_builder_add_null_value(b);
		return;
	}
	esc = fut_strescape(raw, -1);
	json_builder_add_string_value(b, esc);
}

static void
on_record(const FutFanwatchRecord *rec, gpointer user_data)
{
	Harness *h = user_data;
	g_autoptr(JsonBuilder) b = json_builder_new();

	h->records++;
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "event");
	json_builder_add_string_value(b, fut_fanwatch_record_kind_to_string(rec->kind));
	json_builder_set_member_name(b, "time_us");
	json_builder_add_int_value(b, rec->time_us);
	if (rec->kind == FUT_FANWATCH_RECORD_GAP) {
		add_str(b, "kind", rec->gap_kind);
		json_builder_set_member_name(b, "count");
		json_builder_add_int_value(b, (gint64)rec->gap_count);
		add_str(b, "reason", rec->reason);
		json_builder_end_object(b);
		print_node(b);
		return;
	}
	json_builder_set_member_name(b, "subject");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "pid");
	json_builder_add_int_value(b, rec->pid);
	json_builder_set_member_name(b, "uid");
	json_builder_add_int_value(b, rec->uid == G_MAXUINT32 ? -1 : (gint64)rec->uid);
	json_builder_set_member_name(b, "loginuid");
	json_builder_add_int_value(
	    b, rec->loginuid == FUT_PROCINFO_LOGINUID_UNSET ? -1 : (gint64)rec->loginuid);
	add_str(b, "exe", rec->exe);
	add_str(b, "comm", rec->comm);
	add_str(b, "program_match", rec->program_match);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "object");
	json_builder_begin_object(b);
	add_str(b, "path", rec->path);
	json_builder_set_member_name(b, "dev");
	json_builder_add_int_value(b, (gint64)rec->dev);
	json_builder_set_member_name(b, "ino");
	json_builder_add_int_value(b, (gint64)rec->ino);
	json_builder_set_member_name(b, "size");
	json_builder_add_int_value(b, (gint64)rec->size);
	json_builder_set_member_name(b, "class");
	json_builder_add_int_value(b, rec->file_class);
	if (rec->has_sha256) {
		g_autofree gchar *hex = fut_hex_encode(rec->sha256, sizeof rec->sha256);
		add_str(b, "sha256", hex);
	}
	json_builder_end_object(b);
	add_str(b, "decision", rec->allowed ? "allow" : "deny");
	add_str(b, "reason", rec->reason);
	add_str(b, "approval", rec->approval_id);
	json_builder_end_object(b);
	print_node(b);
}

static void
print_stats(Harness *h)
{
	FutFanwatchStats s;
	g_autoptr(JsonBuilder) b = json_builder_new();

	fut_fanwatch_get_stats(h->fw, &s);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "event");
	json_builder_add_string_value(b, "stats");
#define STAT(f)                                                                                    \
	json_builder_set_member_name(b, #f);                                                       \
	json_builder_add_int_value(b, (gint64)s.f)
	STAT(events);
	STAT(allowed);
	STAT(denied);
	STAT(self);
	STAT(upload_checks);
	STAT(classified);
	STAT(marks);
	STAT(overflows);
	STAT(reply_errors);
	STAT(records_dropped);
	STAT(pending);
	STAT(classify_shared);
	STAT(learn_queued);
	STAT(learn_shared);
	STAT(learn_dropped);
	STAT(learn_peak);
	STAT(learn_bound);
	STAT(learn_waiting);
#undef STAT
	for (guint i = 0; i < G_N_ELEMENTS(resolved); i++) {
		g_autofree gchar *name = g_strdup_printf("resolved_%u", i);
		json_builder_set_member_name(b, name);
		json_builder_add_int_value(b, g_atomic_int_get(&resolved[i]));
	}
	json_builder_end_object(b);
	print_node(b);
}

static void
print_simple(const gchar *event, const gchar *detail)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "event");
	json_builder_add_string_value(b, event);
	if (detail != NULL)
		add_str(b, "detail", detail);
	json_builder_end_object(b);
	print_node(b);
}

static gboolean
on_quit(gpointer user_data)
{
	Harness *h = user_data;
	g_main_loop_quit(h->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_hup(gpointer user_data)
{
	Harness *h = user_data;
	g_autoptr(GError) error = NULL;

	if (!load_approvals(h, &error))
		print_simple("error", error->message);
	else
		print_simple("reloaded", NULL);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_usr2(gpointer user_data)
{
	print_stats(user_data);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_usr1(gpointer user_data)
{
	Harness *h = user_data;
	g_autoptr(GError) error = NULL;

	if (!fut_fanwatch_flush(h->fw, &error))
		print_simple("error", error->message);
	else
		print_simple("flushed", NULL);
	return G_SOURCE_CONTINUE;
}

/* Opens and reads @path from the main thread: the agent's own open must not wait on the
 * listener thread's reply to itself for long. */
static void
self_open(const gchar *path)
{
	gchar buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, buf, sizeof buf) < 0)
		print_simple("self-open", "failed");
	else
		print_simple("self-open", "ok");
	if (fd >= 0)
		close(fd);
}

int
main(int argc, char **argv)
{
	g_auto(GStrv) mounts = NULL;
	g_auto(GStrv) programs = NULL;
	g_auto(GStrv) names = NULL;
	g_auto(GStrv) observe = NULL;
	g_autofree gchar *approvals = NULL;
	g_autofree gchar *self_path = NULL;
	gboolean no_marks = FALSE;
	gboolean pending = FALSE;
	gint64 learn_max = -1;
	gint64 deadline_ms = 0;
	g_autofree gchar *classifier = NULL;
	g_autofree gchar *scan_worker = NULL;
	FutScanSpawner *spawner = NULL;
	gboolean pool = FALSE;
	g_autoptr(FutClassifier) real = NULL;
	FutFanwatchClassifyFunc classify_func = test_classify;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) octx = NULL;
	FutFanwatchConfig cfg;
	Harness h = {0};
	const GOptionEntry entries[] = {
	    {"mount", 'm', 0, G_OPTION_ARG_FILENAME_ARRAY, &mounts, "filesystem to watch", "PATH"},
	    {"program", 'p', 0, G_OPTION_ARG_FILENAME_ARRAY, &programs, "upload program", "EXE"},
	    {"name", 'n', 0, G_OPTION_ARG_STRING_ARRAY, &names, "upload program name", "NAME"},
	    {"observe", 'o', 0, G_OPTION_ARG_FILENAME_ARRAY, &observe, "observed path", "PATH"},
	    {"approvals", 'a', 0, G_OPTION_ARG_FILENAME, &approvals, "approval file", "FILE"},
	    {"no-marks", 0, 0, G_OPTION_ARG_NONE, &no_marks, "set no ignore marks", NULL},
	    {"pending", 0, 0, G_OPTION_ARG_NONE, &pending,
	     "stand in for the taint layer: learn every file, count pending numbers", NULL},
	    {"learn-max", 0, 0, G_OPTION_ARG_INT64, &learn_max, "learn size limit", "BYTES"},
	    {"deadline-ms", 0, 0, G_OPTION_ARG_INT64, &deadline_ms, "per-event deadline", "MS"},
	    {"classifier", 0, 0, G_OPTION_ARG_STRING, &classifier,
	     "test (default), real (common/classify.c, defaults) or pool (real, its content "
	     "scan in futari-scan-worker processes)",
	     "KIND"},
	    {"scan-worker", 0, 0, G_OPTION_ARG_FILENAME, &scan_worker,
	     "futari-scan-worker for --classifier pool", "PATH"},
	    {"self-open", 0, 0, G_OPTION_ARG_FILENAME, &self_path, "open a file once started",
	     "PATH"},
	    {NULL},
	};

	setlocale(LC_ALL, "");
	octx = g_option_context_new("- futari upload-control test harness");
	g_option_context_add_main_entries(octx, entries, NULL);
	if (!g_option_context_parse(octx, &argc, &argv, &error)) {
		fprintf(stderr, "fanwatch-harness: %s\n", error->message);
		return 2;
	}
	/* A test tool: never put the machine's own root filesystem under a permission listener
	 * by mistake (a failed test mount leaves a plain directory on /). */
	for (guint i = 0; mounts != NULL && mounts[i] != NULL; i++) {
		struct stat st_root, st_mnt;
		if (stat("/", &st_root) != 0 || stat(mounts[i], &st_mnt) != 0 ||
		    st_root.st_dev == st_mnt.st_dev) {
			fprintf(stderr, "fanwatch-harness: refusing to watch the root filesystem "
			                "(or a path that cannot be examined)\n");
			return 1;
		}
	}
	fut_fanwatch_config_init(&cfg);
	cfg.mounts = (const gchar *const *)mounts;
	cfg.upload_programs = (const gchar *const *)programs;
	cfg.upload_names = (const gchar *const *)names;
	cfg.observe_paths = (const gchar *const *)observe;
	cfg.no_ignore_marks = no_marks;
	if (pending) {
		cfg.on_classified = pending_classified;
		cfg.on_pending = pending_mark;
		cfg.on_resolved = pending_resolved;
	}
	if (learn_max >= 0)
		cfg.learn_max = (guint64)learn_max;
	if (deadline_ms < 0 || deadline_ms > 60000) {
		fprintf(stderr, "fanwatch-harness: --deadline-ms is 0 to 60000\n");
		return 2;
	}
	cfg.deadline_ms = (guint)deadline_ms;

	pool = g_strcmp0(classifier, "pool") == 0;
	if (pool) {
		/* before any thread: the spawner is forked */
		FutScanSpawnConfig scfg = {0};
		if (scan_worker == NULL || !g_path_is_absolute(scan_worker)) {
			fprintf(stderr, "fanwatch-harness: --classifier pool needs --scan-worker "
			                "with an absolute path\n");
			return 2;
		}
		if (!fut_scan_lookup_user("nobody", &scfg.uid, &scfg.gid, &error)) {
			fprintf(stderr, "fanwatch-harness: %s\n", error->message);
			return 1;
		}
		scfg.program = scan_worker;
		scfg.memory = G_GUINT64_CONSTANT(1024) * 1024 * 1024;
		scfg.cpu = 30;
		spawner = fut_scan_spawner_new(&scfg, &error);
		if (spawner == NULL) {
			fprintf(stderr, "fanwatch-harness: %s\n", error->message);
			return 1;
		}
	}
	if (g_strcmp0(classifier, "real") == 0 || pool) {
		real = fut_classifier_new(NULL, NULL, &error);
		if (real == NULL) {
			fprintf(stderr, "fanwatch-harness: %s\n", error->message);
			return 1;
		}
		classify_func = fut_classifier_classify_fd_cb;
		if (pool) {
			g_autoptr(GKeyFile) kf = g_key_file_new();
			FutScanPool *sp = fut_scan_pool_new(spawner, 4, 30000, kf, &error);
			if (sp == NULL) {
				fprintf(stderr, "fanwatch-harness: %s\n", error->message);
				return 1;
			}
			fut_scan_install(sp);
			fut_scan_attach(real);
		}
	} else if (classifier != NULL && g_strcmp0(classifier, "test") != 0) {
		fprintf(stderr, "fanwatch-harness: --classifier is test or real\n");
		return 2;
	}
	h.approvals = approvals;
	h.loop = g_main_loop_new(NULL, FALSE);
	h.fw = fut_fanwatch_new(&cfg, classify_func, real, on_record, &h, NULL, &error);
	if (h.fw == NULL) {
		fprintf(stderr, "fanwatch-harness: %s\n", error->message);
		return 1;
	}
	if (!load_approvals(&h, &error)) {
		fprintf(stderr, "fanwatch-harness: %s\n", error->message);
		return 1;
	}
	if (!fut_fanwatch_start(h.fw, &error)) {
		fprintf(stderr, "fanwatch-harness: %s\n", error->message);
		return 1;
	}
	g_unix_signal_add(SIGTERM, on_quit, &h);
	g_unix_signal_add(SIGINT, on_quit, &h);
	g_unix_signal_add(SIGHUP, on_hup, &h);
	g_unix_signal_add(SIGUSR1, on_usr1, &h);
	g_unix_signal_add(SIGUSR2, on_usr2, &h);
	print_simple("ready", NULL);
	if (self_path != NULL)
		self_open(self_path);
	g_main_loop_run(h.loop);

	fut_fanwatch_stop(h.fw);
	/* Deliver records posted before the stop. */
	while (g_main_context_iteration(NULL, FALSE))
		;
	print_stats(&h);
	fut_fanwatch_free(h.fw);
	if (pool)
		fut_scan_uninstall();
	g_main_loop_unref(h.loop);
	return 0;
}
