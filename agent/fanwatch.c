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
#include <sys/resource.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "errors.h"
#include "fanwatch-private.h"
#include "procinfo.h"
#include "util.h"

void
fut_fanwatch_config_init(FutFanwatchConfig *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->digest_max = G_GUINT64_CONSTANT(1) << 30;
	cfg->learn_max = 1024 * 1024;
	cfg->observe_interval_s = 3600;
	cfg->observe_per_minute = 60;
}

/* The inode number the kernel gives the initial pid namespace (PROC_PID_INIT_INO, fixed
 * since Linux 3.8; namespaces made later get numbers from 0xF0000000 up). */
#define FW_PID_INIT_INO 0xEFFFFFFCU

/* fanotify names a process outside the listener's pid namespace as pid 0. Filesystem marks
 * see every process on the machine, so a listener in a container or in a unit with a
 * private pid namespace could identify none of the host's processes: denying them all
 * breaks the machine, allowing them all is upload control in name only. Refused instead;
 * what cannot be told (no /proc) is refused too. */
static gboolean
fw_pidns_is_initial(GError **error)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st) < 0) {
		int e = errno;
		g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
		            _("upload control: cannot tell which pid namespace futarid runs in "
		              "(/proc/self/ns/pid: %s)"),
		            g_strerror(e));
		return FALSE;
	}
	if ((guint64)st.st_ino != FW_PID_INIT_INO) {
		g_autofree gchar *ns =
		    g_strdup_printf("pid:[%" G_GUINT64_FORMAT "]", (guint64)st.st_ino);
		g_set_error(
		    error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
		    _("upload control needs futarid in the machine's own pid namespace: "
		      "this one (%s) cannot name processes outside it, and their opens could "
		      "be neither judged nor let through; run futarid on the host, or remove "
		      "[upload] from its configuration"),
		    ns);
		return FALSE;
	}
	return TRUE;
}

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
	for (guint i = 0; cfg->mount_patterns != NULL && cfg->mount_patterns[i] != NULL; i++) {
		if (!g_path_is_absolute(cfg->mount_patterns[i])) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("upload control: a mount pattern is not absolute"));
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
	for (guint i = 0; cfg->system_paths != NULL && cfg->system_paths[i] != NULL; i++) {
		if (!g_path_is_absolute(cfg->system_paths[i])) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("upload control: a system folder is not absolute"));
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
	fw->attr_fd = -1;
	g_mutex_init(&fw->lock);
	g_mutex_init(&fw->marks_lock);
	fw->self = getpid();
	fw->ignore_new_api = TRUE;
	fw->mounts = g_strdupv((gchar **)cfg->mounts);
	fw->mount_patterns = g_strdupv((gchar **)cfg->mount_patterns);
	fw->mounts_quit[0] = fw->mounts_quit[1] = -1;
	fw->marked_devs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	fw->programs = g_strdupv((gchar **)cfg->upload_programs);
	fw->names_cfg = g_strdupv((gchar **)cfg->upload_names);
	fw->observe = g_strdupv((gchar **)cfg->observe_paths);
	fw->system = g_strdupv((gchar **)cfg->system_paths);
	fw->digest_max = cfg->digest_max;
	fw->learn_max = cfg->learn_max;
	fw->observe_interval_s = cfg->observe_interval_s;
	fw->observe_hidden = cfg->observe_hidden;
	fw->observe_per_minute = cfg->observe_per_minute;
	fw->no_ignore_marks = cfg->no_ignore_marks;
	fw->deadline_us = (gint64)(cfg->deadline_ms != 0 ? cfg->deadline_ms : 3000) * 1000;
	fw->on_classified = cfg->on_classified;
	fw->on_classified_data = cfg->on_classified_data;
	if (cfg->on_classified != NULL && cfg->on_pending != NULL && cfg->on_resolved != NULL) {
		fw->on_pending = cfg->on_pending;
		fw->on_resolved = cfg->on_resolved;
		fw->on_settled = cfg->on_settled;
		fw->taint_class = cfg->taint_class;
		fw->on_pending_data = cfg->on_pending_data;
		fw->seqs = fw_seq_table_new(SEQS_MAX);
	}
	/* Without the taint layer, pipes into upload programs are followed here. */
	fw_pipes_init(fw, fw->on_pending == NULL);
	fw_fds_init(fw);
	fw->on_approved = cfg->on_approved;
	fw->on_approved_data = cfg->on_approved_data;
	fw->on_allowing = cfg->on_allowing;
	fw->on_allowing_data = cfg->on_allowing_data;
	fw->on_observing = cfg->on_observing;
	fw->on_observing_data = cfg->on_observing_data;
	fw->classify = classify_func;
	fw->classify_data = classify_data;
	fw->sink = g_new0(Sink, 1);
	fw->sink->ref = 1;
	fw->sink->func = record_func;
	fw->sink->data = record_data;
	fw->record_ctx = record_context != NULL ? g_main_context_ref(record_context)
	                                        : g_main_context_ref(g_main_context_default());
	fw->buf = g_malloc(READ_BUF_SIZE);
	g_mutex_init(&fw->exes_lock);
	g_mutex_init(&fw->deadline_lock);
	g_mutex_init(&fw->commit_lock);
	g_cond_init(&fw->commit_cond);
	g_queue_init(&fw->commits);
	g_cond_init(&fw->deadline_cond);
	g_queue_init(&fw->deadlines);
	g_mutex_init(&fw->learn_lock);
	fw->learning = g_hash_table_new_full(fw_ident_hash, fw_ident_equal0, g_free, g_free);
	fw->fuse_devs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	fw->exes = g_hash_table_new_full(fw_key_hash, fw_key_equal, g_free, fw_exe_entry_free);
	fw->observed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	fw->seen = g_hash_table_new_full(fw_key_hash, fw_key_equal, g_free, NULL);
	fw->files = g_hash_table_new_full(fw_key_hash, fw_key_equal, g_free, g_free);
	fw->scanning = g_hash_table_new_full(fw_ident_hash, fw_ident_equal0, g_free, NULL);
	g_cond_init(&fw->scanned);
	fw->approvals = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, fw_approval_free);
	fw->known = g_array_new(FALSE, TRUE, sizeof(Known));
	g_array_set_clear_func(fw->known, fw_known_clear);
	fw->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	fw->paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	fw->multicall = g_array_new(FALSE, TRUE, sizeof(Ident));
	g_mutex_lock(&fw->lock);
	fw_known_refresh_locked(fw);
	g_mutex_unlock(&fw->lock);

	if (!fw_pidns_is_initial(error))
		return NULL;
	/* An unlimited queue: a permission event that does not fit a bounded queue is dropped
	 * by the kernel and the open is ALLOWED without asking us (fail open). Without it the
	 * queue holds at most one permission event per thread blocked in open(), so it is
	 * bounded by the processes themselves. FAN_Q_OVERFLOW is still handled as a gap.
	 * O_NONBLOCK on the event descriptors: the kernel opens each file as it hands us the
	 * event, and without it a file under a write lease (F_SETLEASE, any user on their own
	 * file) makes that open, and so our read of the queue, wait for the lease holder for
	 * lease-break-time, again and again. With it the open fails at once and the kernel
	 * denies that one event itself. */
	fw->fan_fd =
	    fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE,
	                  O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NOATIME | O_NONBLOCK);
	if (fw->fan_fd < 0) {
		int e = errno;
		g_set_error(error, FUT_ERROR,
		            e == EPERM ? FUT_ERROR_PERMISSION : FUT_ERROR_NOT_SUPPORTED,
		            _("upload control: fanotify_init failed: %s%s"), g_strerror(e),
		            e == EPERM ? " (needs root)" : "");
		return NULL;
	}
	/* Without the attribute watch, ignore marks could outlive a chown: none are set. */
	if (!fw->no_ignore_marks)
		(void)fw_marks_init(fw);
	return g_steal_pointer(&fw);
}

/* Marks the whole filesystem of @path (relative to @dirfd); remembers whether it is FUSE (its
 * files are then never read: see fw_decide_fast()). */
gboolean
fw_watch_fs_at(FutFanwatch *fw, int dirfd, const gchar *path)
{
	struct stat st;
	guint64 dev;
	g_autofree gchar *fstype = NULL;

	if (!(dirfd == AT_FDCWD ? fw_path_stat(path, &st) : fw_fd_stat(dirfd, &st)))
		return FALSE;
	dev = (guint64)st.st_dev;
	if (fw_dev_watched(fw, dev))
		return TRUE;
	fstype = fw_fstype_of_dev(dev);
	if (fstype == NULL || g_str_has_prefix(fstype, "fuse")) {
		g_mutex_lock(&fw->lock);
		g_hash_table_add(fw->fuse_devs, g_memdup2(&dev, sizeof dev));
		g_mutex_unlock(&fw->lock);
	}
	/* FAN_OPEN_EXEC_PERM: a program started from there (a copy of an upload program in a
	 * home) is asked about before it runs (fanwatch-exec.c). */
	if (fanotify_mark(fw->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
	                  FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM, dirfd, path) != 0)
		return FALSE;
	g_mutex_lock(&fw->lock);
	g_hash_table_add(fw->marked_devs, g_memdup2(&dev, sizeof dev));
	g_mutex_unlock(&fw->lock);
	return TRUE;
}

gboolean
fw_watch_fs(FutFanwatch *fw, const gchar *path)
{
	return fw_watch_fs_at(fw, AT_FDCWD, path);
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
	/* Exclusive pools: their threads are ours alone and end when the pool is freed (so the
	 * per-thread state of the libraries they used, OpenSSL's included, goes with them), and
	 * they all exist from the start (no thread creation on the way to an answer). */
	fw->responders = g_thread_pool_new(fw_respond_job, fw, RESPONDERS, TRUE, error);
	if (fw->responders == NULL)
		return FALSE;
	fw->workers = g_thread_pool_new(fw_work_job, fw, WORKERS, TRUE, error);
	if (fw->workers == NULL)
		return FALSE;
	fw->identifiers = g_thread_pool_new(fw_identify_job, fw, IDENTIFIERS, TRUE, error);
	if (fw->identifiers == NULL)
		return FALSE;
	{
		struct rlimit rl;
		guint64 fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (guint64)rl.rlim_cur : 1024;
		fds = fds > LEARN_FDS_RESERVE * 2 ? (fds - LEARN_FDS_RESERVE) / 2 : 64;
		fw->learn_bound = (guint)MIN(fds, LEARN_QUEUE_HARD);
	}
	fw->learner = g_thread_pool_new(fw_learn_job, fw, 1, TRUE, error);
	if (fw->learner == NULL)
		return FALSE;
	fw->deadline_thread = g_thread_try_new("fut-fan-deadline", fw_deadline_main, fw, error);
	if (fw->deadline_thread == NULL)
		return FALSE;
	if (fw->on_observing != NULL) {
		fw->commit_thread = g_thread_try_new("fut-fan-commit", fw_commit_main, fw, error);
		if (fw->commit_thread == NULL)
			return FALSE;
	}
	fw->ctx = g_main_context_new();
	fw->loop = g_main_loop_new(fw->ctx, FALSE);
	src = g_unix_fd_source_new(fw->fan_fd, G_IO_IN);
	g_source_set_callback(src, (GSourceFunc)(void (*)(void))fw_on_readable, fw, NULL);
	g_source_set_priority(src, G_PRIORITY_HIGH);
	g_source_attach(src, fw->ctx);
	g_source_unref(src);
	if (fw->attr_fd >= 0) {
		src = g_unix_fd_source_new(fw->attr_fd, G_IO_IN);
		g_source_set_callback(src, (GSourceFunc)(void (*)(void))fw_on_attr_readable, fw,
		                      NULL);
		g_source_set_priority(src, G_PRIORITY_HIGH);
		g_source_attach(src, fw->ctx);
		g_source_unref(src);
	}
	fw->thread = g_thread_try_new("fut-fanwatch", fw_thread_main, fw, error);
	if (fw->thread == NULL)
		return FALSE;
	fw->started = TRUE;

	fw_mark_programs(fw);
	for (guint i = 0; fw->mounts[i] != NULL; i++) {
		if (!fw_watch_fs(fw, fw->mounts[i])) {
			int e = errno;
			g_autofree gchar *esc = fut_strescape(fw->mounts[i], -1);
			fut_fanwatch_stop(fw);
			g_set_error(error, FUT_ERROR, FUT_ERROR_IO,
			            _("upload control: cannot watch the filesystem of %s: %s"), esc,
			            g_strerror(e));
			return FALSE;
		}
	}
	if (fw->mount_patterns != NULL && fw->mount_patterns[0] != NULL) {
		fw_mounts_scan(fw);
		if (pipe2(fw->mounts_quit, O_CLOEXEC) != 0) {
			int e = errno;
			fut_fanwatch_stop(fw);
			return fut_error_set_errno(error, e, _("upload control: pipe"));
		}
		fw->mounts_thread = g_thread_try_new("fut-fan-mounts", fw_mounts_main, fw, error);
		if (fw->mounts_thread == NULL) {
			fut_fanwatch_stop(fw);
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
	if (fw->mounts_thread != NULL) {
		ssize_t n;
		do
			n = write(fw->mounts_quit[1], "q", 1);
		while (n < 0 && errno == EINTR);
		g_thread_join(fw->mounts_thread);
		fw->mounts_thread = NULL;
	}
	for (guint i = 0; i < 2; i++) {
		if (fw->mounts_quit[i] >= 0) {
			close(fw->mounts_quit[i]);
			fw->mounts_quit[i] = -1;
		}
	}
	if (fw->thread != NULL) {
		/* Through the thread's own context: a g_main_loop_quit() that comes before the
		 * thread has entered g_main_loop_run() would be lost (a start that fails right
		 * after creating the thread), and the join would wait for ever. */
		GSource *src = g_idle_source_new();
		g_source_set_callback(src, fw_quit_loop, fw->loop, NULL);
		g_source_set_priority(src, G_PRIORITY_HIGH);
		g_source_attach(src, fw->ctx);
		g_source_unref(src);
		g_thread_join(fw->thread);
		fw->thread = NULL;
	}
	/* No new events now. Let the pools finish what they hold (each job answers its event),
	 * in the order work flows: responders hand events to identifiers and workers, identifiers
	 * to workers, both hand files to the learner, so each pool is freed only once nothing can
	 * push into it any more. */
	g_atomic_int_set(&fw->stopping, 1);
	if (fw->responders != NULL) {
		g_thread_pool_free(fw->responders, FALSE, TRUE);
		fw->responders = NULL;
	}
	if (fw->identifiers != NULL) {
		g_thread_pool_free(fw->identifiers, FALSE, TRUE);
		fw->identifiers = NULL;
	}
	if (fw->workers != NULL) {
		g_thread_pool_free(fw->workers, FALSE, TRUE);
		fw->workers = NULL;
	}
	/* Responders and workers hand opens to the record thread. */
	fw_commit_stop(fw);
	if (fw->learner != NULL) {
		g_thread_pool_free(fw->learner, FALSE, TRUE);
		fw->learner = NULL;
	}
	if (fw->deadline_thread != NULL) {
		g_mutex_lock(&fw->deadline_lock);
		fw->deadline_quit = TRUE;
		g_cond_signal(&fw->deadline_cond);
		g_mutex_unlock(&fw->deadline_lock);
		g_thread_join(fw->deadline_thread);
		fw->deadline_thread = NULL;
	}
	/* Closing the group makes the kernel allow every event still pending. */
	if (fw->fan_fd >= 0) {
		close(fw->fan_fd);
		fw->fan_fd = -1;
	}
	if (fw->attr_fd >= 0) {
		close(fw->attr_fd);
		fw->attr_fd = -1;
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
		fw_sink_unref(fw->sink);
	}
	if (fw->loop != NULL)
		g_main_loop_unref(fw->loop);
	if (fw->ctx != NULL)
		g_main_context_unref(fw->ctx);
	if (fw->record_ctx != NULL)
		g_main_context_unref(fw->record_ctx);
	g_clear_pointer(&fw->exes, g_hash_table_unref);
	g_clear_pointer(&fw->fuse_devs, g_hash_table_unref);
	g_clear_pointer(&fw->marked_devs, g_hash_table_unref);
	g_strfreev(fw->mount_patterns);
	g_clear_pointer(&fw->observed, g_hash_table_unref);
	g_clear_pointer(&fw->seen, g_hash_table_unref);
	g_clear_pointer(&fw->learning, g_hash_table_unref);
	g_clear_pointer(&fw->seqs, fw_seq_table_free);
	fw_pipes_clear(fw);
	fw_fds_clear(fw);
	g_clear_pointer(&fw->files, g_hash_table_unref);
	g_clear_pointer(&fw->scanning, g_hash_table_unref);
	g_cond_clear(&fw->scanned);
	g_clear_pointer(&fw->approvals, g_hash_table_unref);
	g_clear_pointer(&fw->names, g_hash_table_unref);
	g_clear_pointer(&fw->paths, g_hash_table_unref);
	if (fw->known != NULL)
		g_array_unref(fw->known);
	if (fw->multicall != NULL)
		g_array_unref(fw->multicall);
	g_strfreev(fw->mounts);
	g_strfreev(fw->programs);
	g_strfreev(fw->names_cfg);
	g_strfreev(fw->observe);
	g_strfreev(fw->system);
	g_free(fw->buf);
	g_mutex_clear(&fw->lock);
	g_mutex_clear(&fw->marks_lock);
	g_mutex_clear(&fw->exes_lock);
	g_mutex_clear(&fw->deadline_lock);
	g_mutex_clear(&fw->commit_lock);
	g_cond_clear(&fw->commit_cond);
	g_mutex_clear(&fw->learn_lock);
	g_cond_clear(&fw->deadline_cond);
	g_free(fw);
}

gboolean
fut_fanwatch_flush(FutFanwatch *fw, GError **error)
{
	g_mutex_lock(&fw->lock);
	g_hash_table_remove_all(fw->files);
	fw_known_refresh_locked(fw);
	g_mutex_unlock(&fw->lock);
	if (fw->fan_fd < 0)
		return TRUE;
	/* Inode marks only: our ignore marks (and their attribute marks). The filesystem marks
	 * stay. */
	if (!fw_marks_flush(fw))
		return fut_error_set_errno(error, errno,
		                           _("upload control: flushing ignore marks"));
	/* the flush took the programs' marks too (inode marks), and an upgrade may have
	 * replaced their files */
	fw_mark_programs(fw);
	return TRUE;
}

gboolean
fut_fanwatch_relabelled(FutFanwatch *fw, GError **error)
{
	g_mutex_lock(&fw->lock);
	g_hash_table_remove_all(fw->files);
	g_hash_table_remove_all(fw->seen);
	g_mutex_unlock(&fw->lock);
	if (fw->fan_fd < 0)
		return TRUE;
	if (!fw_marks_flush(fw))
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
	g_mutex_lock(&fw->learn_lock);
	ret_stats->learn_queued = fw->learn_queued;
	ret_stats->learn_shared = fw->learn_shared;
	ret_stats->learn_dropped = fw->learn_dropped;
	ret_stats->learn_peak = fw->learn_peak;
	ret_stats->learn_bound = fw->learn_bound;
	ret_stats->learn_waiting = fw->learn_len;
	g_mutex_unlock(&fw->learn_lock);
}
