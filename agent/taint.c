/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The loader of the BPF LSM process taint (agent/bpf/taint.bpf.c): load and attach through
 * the bpftool-generated skeleton, fill the maps (classified inodes, exempt executables,
 * approvals). The pending marks and their verdicts are in taint-pending.c, the ring buffer's
 * denials in taint-events.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "util.h"
#include "taint-private.h"

#ifdef HAVE_BPF_TAINT
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#endif

#define NS_PER_S G_GINT64_CONSTANT(1000000000)

gboolean
fut_taint_window_end(gint64 not_after,
                     gint64 now_real_ns,
                     guint64 now_boot_ns,
                     guint64 *ret_end_boot_ns)
{
	gint64 now_s;
	guint64 left_s, left;

	if (now_real_ns < 0)
		return FALSE; /* a wall clock before 1970 cannot be reasoned with */
	now_s = now_real_ns / NS_PER_S;
	if (not_after < now_s)
		return FALSE; /* its last second is over */
	left_s = (guint64)(not_after - now_s);
	/* Ends at (not_after + 1) s: what is left of this second, then left_s whole ones. */
	if (left_s >= G_MAXUINT64 / (guint64)NS_PER_S - 1) {
		*ret_end_boot_ns = G_MAXUINT64;
		return TRUE;
	}
	left = (left_s + 1) * (guint64)NS_PER_S - (guint64)(now_real_ns - now_s * NS_PER_S);
	*ret_end_boot_ns = now_boot_ns > G_MAXUINT64 - left ? G_MAXUINT64 : now_boot_ns + left;
	return TRUE;
}

#ifndef HAVE_BPF_TAINT

struct _FutTaint {
	int unused;
};

FutTaint *
fut_taint_new(const gchar *const *exempt_programs,
              FutTaintDenialFunc on_denial,
              FutTaintGapFunc on_gap,
              gpointer user_data,
              GError **error)
{
	(void)exempt_programs, (void)on_denial, (void)on_gap, (void)user_data;
	g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
	            _("built without BPF LSM support (configure --disable-bpf)"));
	return NULL;
}

void
fut_taint_free(FutTaint *t)
{
	g_free(t);
}

gboolean
fut_taint_mark_fd(FutTaint *t, int fd, guint file_class, GError **error)
{
	(void)t, (void)fd, (void)file_class;
	g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED, _("built without BPF LSM support"));
	return FALSE;
}

guint
fut_taint_file_class(FutTaint *t, int fd, guint32 *ret_origin_kdev, guint64 *ret_origin_ino)
{
	(void)t, (void)fd;
	if (ret_origin_kdev != NULL)
		*ret_origin_kdev = 0;
	if (ret_origin_ino != NULL)
		*ret_origin_ino = 0;
	return 0;
}

gchar *
fut_taint_origin_path(FutTaint *t, guint32 origin_kdev, guint64 origin_ino)
{
	(void)t, (void)origin_kdev, (void)origin_ino;
	return NULL;
}

gboolean
fut_taint_allow(FutTaint *t,
                int content_fd,
                uid_t uid,
                const gchar *program,
                const gchar *request_id,
                GError **error)
{
	(void)t, (void)content_fd, (void)uid, (void)program, (void)request_id;
	g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED, _("built without BPF LSM support"));
	return FALSE;
}

void
fut_taint_set_window(FutTaint *t, const gchar *request_id, gint64 not_after)
{
	(void)t, (void)request_id, (void)not_after;
}

guint
fut_taint_exempt_peers(FutTaint *t, const gchar *const *paths)
{
	(void)t, (void)paths;
	return 0;
}

void
fut_taint_withdraw(FutTaint *t, const gchar *request_id)
{
	(void)t, (void)request_id;
}

void
fut_taint_get_stats(FutTaint *t, FutTaintStats *ret)
{
	(void)t;
	memset(ret, 0, sizeof *ret);
}

#else /* HAVE_BPF_TAINT */

/* libbpf's messages during the load, for the error a refused load gives. */
static GString *load_log;

static int
libbpf_print(enum libbpf_print_level level, const char *format, va_list args)
{
	g_autofree gchar *line = NULL;

	if (level == LIBBPF_DEBUG || load_log == NULL)
		return 0;
	line = g_strdup_vprintf(format, args);
	/* the verifier's last lines say why: the end is kept */
	g_string_append(load_log, line);
	if (load_log->len > 16384)
		g_string_erase(load_log, 0, (gssize)(load_log->len - 16384));
	return 0;
}

/* Tests only (root's environment): @map holds the number of entries in environment variable
 * @var (1 to @max), small enough for a test to fill. */
static void
set_test_max_entries(struct bpf_map *map, const gchar *var, guint64 max)
{
	const gchar *v = g_getenv(var);
	guint64 n = 0;

	if (v == NULL)
		return;
	if (!g_ascii_string_to_unsigned(v, 10, 1, max, &n, NULL))
		g_warning("%s is not a number from 1 to %" G_GUINT64_FORMAT ": ignored", var, max);
	else if (bpf_map__set_max_entries(map, (__u32)n) == 0)
		g_warning("%s is set (a test knob): %s holds %u entries", var, bpf_map__name(map),
		          (guint)n);
}

/* Why the kernel refused: the LSM list says whether bpf is active. */
static gchar *
lsm_hint(void)
{
	g_autofree gchar *lsms = NULL;
	g_auto(GStrv) names = NULL;
	gsize len = 0;

	if (!g_file_get_contents("/sys/kernel/security/lsm", &lsms, &len, NULL) || len > 4096)
		return g_strdup(_("the active LSM list is not readable (/sys/kernel/security/lsm): "
		                  "BPF LSM is probably not active"));
	g_strstrip(lsms);
	names = g_strsplit(lsms, ",", -1);
	if (!g_strv_contains((const gchar *const *)names, "bpf"))
		return g_strdup_printf(_("bpf is not in the kernel's active LSM list (%s): "
		                         "add it with the lsm= boot parameter"),
		                       lsms);
	return g_strdup_printf(_("active LSMs: %s"), lsms);
}

gboolean
fut_taint_inode_of_fd(int fd, struct fut_taint_inode *ret, GError **error)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		fut_error_set_errno(error, errno, "fstat");
		return FALSE;
	}
	memset(ret, 0, sizeof *ret);
	ret->ino = st.st_ino;
	ret->dev = fut_taint_kdev_of(st.st_dev);
	return TRUE;
}

gboolean
fut_taint_inode_of_fd_nosync(int fd, struct fut_taint_inode *ret, GError **error)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_INO, &stx) != 0) {
		fut_error_set_errno(error, errno, "statx");
		return FALSE;
	}
	memset(ret, 0, sizeof *ret);
	ret->ino = stx.stx_ino;
	ret->dev = fut_taint_kdev_of(makedev(stx.stx_dev_major, stx.stx_dev_minor));
	return TRUE;
}

gchar *
fut_taint_origin_key(guint32 kdev, guint64 ino)
{
	return g_strdup_printf("%u:%" G_GUINT64_FORMAT, kdev, ino);
}

/* Sets @flags on the program at @path and gives it an approval id; returns the id, 0 on
 * error. @follow: @path may go through symbolic links (the configured exempt programs);
 * else it must not (an approved program, as the listener read it from /proc/PID/exe).
 * Caller holds the lock. */
static guint32
mark_program(FutTaint *t, const gchar *path, guint32 flags, gboolean follow, GError **error)
{
	struct fut_taint_exe x = {0};
	int map = bpf_map__fd(t->skel->maps.exe_marks);
	guint32 known = GPOINTER_TO_UINT(g_hash_table_lookup(t->exe_ids, path));
	int fd;

	/* Marked already with these flags: its descriptor is held open. */
	if (known != 0 && flags == 0)
		return known;
	fd = fut_taint_open_program(path, follow, error);
	if (fd < 0)
		return 0;
	if (bpf_map_lookup_elem(map, &fd, &x) != 0)
		memset(&x, 0, sizeof x);
	x.flags |= flags;
	if (x.exe_id == 0)
		x.exe_id = ++t->next_exe_id;
	if (bpf_map_update_elem(map, &fd, &x, BPF_ANY) != 0) {
		fut_error_set_errno(error, errno, "BPF inode storage (programs)");
		close(fd);
		return 0;
	}
	g_array_append_val(t->exe_fds, fd);
	g_hash_table_replace(t->exe_ids, g_strdup(path), GUINT_TO_POINTER(x.exe_id));
	return x.exe_id;
}

guint
fut_taint_exempt_peers(FutTaint *t, const gchar *const *paths)
{
	int map = bpf_map__fd(t->skel->maps.exe_marks);
	guint n = 0;

	g_mutex_lock(&t->lock);
	for (guint i = 0; paths != NULL && paths[i] != NULL; i++) {
		struct fut_taint_exe x = {0};
		gboolean sock = FALSE;
		int fd = fut_taint_open_peer(paths[i], &sock, NULL);

		if (fd < 0)
			continue; /* not here (another distribution, no display server) */
		if (bpf_map_lookup_elem(map, &fd, &x) != 0)
			memset(&x, 0, sizeof x);
		x.flags |= FUT_TAINT_EXE_PEER_EXEMPT;
		if (bpf_map_update_elem(map, &fd, &x, BPF_ANY) != 0) {
			close(fd);
			continue;
		}
		/* Held open: the inode, and its storage, stay in memory. */
		g_array_append_val(t->exe_fds, fd);
		n++;
	}
	t->peers_exempt = n;
	g_mutex_unlock(&t->lock);
	return n;
}

FutTaint *
fut_taint_new(const gchar *const *exempt_programs,
              FutTaintDenialFunc on_denial,
              FutTaintGapFunc on_gap,
              gpointer user_data,
              GError **error)
{
	g_autoptr(FutTaint) t = g_new0(FutTaint, 1);
	int err;

	g_mutex_init(&t->lock);
	g_mutex_init(&t->pending_lock);
	t->origins = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	t->exe_fds = g_array_new(FALSE, FALSE, sizeof(int));
	t->exe_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	t->allowed =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
	t->windows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	t->pending_files =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, fut_taint_pending_file_free);
	t->verdicts = fut_taint_verdicts_new(VERDICTS_MAX);
	t->on_denial = on_denial;
	t->on_gap = on_gap;
	t->user_data = user_data;

	load_log = g_string_new(NULL);
	libbpf_set_print(libbpf_print);
	t->skel = fut_taint_bpf__open();
	if (t->skel == NULL) {
		err = errno;
		g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
		            _("cannot open the BPF taint programs: %s"), g_strerror(err));
		goto fail;
	}
	t->skel->rodata->agent_tgid = (guint32)getpid();
	/* Tests only (root's environment): act as if a splice's note could not be made in task
	 * storage (tests/e2e scenario 22). */
	t->skel->rodata->test_no_splice_note = g_getenv("FUTARI_TEST_SPLICE_NO_NOTE") != NULL;
	/* Tests only: every look at a process's shared mappings found busy, as when another of
	 * its threads holds its address space's lock (tests/e2e scenario 22). */
	if (g_getenv("FUTARI_TEST_FIND_VMA_BUSY") != NULL) {
		t->skel->rodata->test_find_vma_busy = 1;
		g_warning("FUTARI_TEST_FIND_VMA_BUSY is set (a test knob): shared mappings are "
		          "never looked at, their files are owed the mark");
	}
	/* Tests only: a fed_exempt map of FUTARI_TEST_FED_EXEMPT_MAX entries, small enough for
	 * a test to fill (tests/e2e scenario 22). */
	set_test_max_entries(t->skel->maps.fed_exempt, "FUTARI_TEST_FED_EXEMPT_MAX", 1024);
	/* Tests only: a mapped_marks map of FUTARI_TEST_MAPPED_MARKS_MAX entries, small enough
	 * for a test to fill (tests/e2e scenario 29). */
	set_test_max_entries(t->skel->maps.mapped_marks, "FUTARI_TEST_MAPPED_MARKS_MAX", 16384);
	err = fut_taint_bpf__load(t->skel);
	if (err == 0)
		err = fut_taint_bpf__attach(t->skel);
	if (err != 0) {
		g_autofree gchar *hint = lsm_hint();

		/* libbpf's account (the verifier's log): for whoever has to find out why */
		if (load_log->len > 0) {
			g_autofree gchar *shown = fut_strescape(load_log->str, -1);
			g_message("BPF taint load failed; libbpf said: %s", shown);
		}

		g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
		            _("the kernel refused the BPF LSM programs (%s); %s"), g_strerror(-err),
		            hint);
		goto fail;
	}
	libbpf_set_print(NULL);
	g_string_free(g_steal_pointer(&load_log), TRUE);

	/* The agent itself is exempt by its pid (agent_tgid). A listed program that is not
	 * installed here is skipped. */
	g_mutex_lock(&t->lock);
	for (guint i = 0; exempt_programs != NULL && exempt_programs[i] != NULL; i++)
		(void)mark_program(t, exempt_programs[i], FUT_TAINT_EXE_EXEMPT, TRUE, NULL);
	g_mutex_unlock(&t->lock);

	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), fut_taint_on_event, t, NULL);
	if (t->rb == NULL) {
		err = errno;
		g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
		            _("cannot read the BPF ring buffer: %s"), g_strerror(err));
		return NULL;
	}
	fut_taint_mappings_init(t);
	t->rb_source = g_unix_fd_add(ring_buffer__epoll_fd(t->rb), G_IO_IN, fut_taint_rb_ready, t);
	return g_steal_pointer(&t);

fail:
	libbpf_set_print(NULL);
	if (load_log != NULL)
		g_string_free(g_steal_pointer(&load_log), TRUE);
	return NULL;
}

void
fut_taint_free(FutTaint *t)
{
	if (t == NULL)
		return;
	if (t->rb_source != 0)
		g_source_remove(t->rb_source);
	fut_taint_mappings_stop(t);
	if (t->rb != NULL) {
		ring_buffer__consume(t->rb);
		ring_buffer__free(t->rb);
	}
	/* Destroying the skeleton detaches the programs and frees the maps. */
	if (t->skel != NULL)
		fut_taint_bpf__destroy(t->skel);
	g_clear_pointer(&t->origins, g_hash_table_unref);
	for (guint i = 0; t->exe_fds != NULL && i < t->exe_fds->len; i++)
		close(g_array_index(t->exe_fds, int, i));
	g_clear_pointer(&t->exe_fds, g_array_unref);
	g_clear_pointer(&t->exe_ids, g_hash_table_unref);
	g_clear_pointer(&t->allowed, g_hash_table_unref);
	g_clear_pointer(&t->windows, g_hash_table_unref);
	g_clear_pointer(&t->pending_files, g_hash_table_unref);
	g_clear_pointer(&t->verdicts, fut_taint_verdicts_free);
	g_mutex_clear(&t->pending_lock);
	g_mutex_clear(&t->lock);
	g_free(t);
}

gboolean
fut_taint_mark_fd(FutTaint *t, int fd, guint file_class, GError **error)
{
	struct fut_taint_mark m = {0};
	struct fut_taint_mark old = {0};
	int map = bpf_map__fd(t->skel->maps.inode_marks);
	g_autofree gchar *link = NULL;
	g_autofree gchar *path = NULL;

	if (file_class != 1 && file_class != 2) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("only Class I and II files are marked (class %u)"), file_class);
		return FALSE;
	}
	if (!fut_taint_inode_of_fd(fd, &m.origin, error))
		return FALSE;
	m.file_class = file_class;
	/* Keep a stronger class already there (a Class I file is never lowered to II). */
	if (bpf_map_lookup_elem(map, &fd, &old) == 0 && old.file_class != 0 &&
	    old.file_class <= file_class)
		return TRUE;
	if (bpf_map_update_elem(map, &fd, &m, BPF_ANY) != 0) {
		fut_error_set_errno(error, errno, "BPF inode storage");
		return FALSE;
	}
	fut_taint_mirror_mapped(t, fd, &m);
	link = g_strdup_printf("/proc/self/fd/%d", fd);
	path = g_file_read_link(link, NULL);
	g_mutex_lock(&t->lock);
	t->marked++;
	if (path != NULL) {
		if (g_hash_table_size(t->origins) >= ORIGINS_MAX)
			g_hash_table_remove_all(t->origins);
		g_hash_table_replace(t->origins, fut_taint_origin_key(m.origin.dev, m.origin.ino),
		                     g_steal_pointer(&path));
	}
	g_mutex_unlock(&t->lock);
	return TRUE;
}

guint
fut_taint_file_class(FutTaint *t, int fd, guint32 *ret_origin_kdev, guint64 *ret_origin_ino)
{
	struct fut_taint_mark m = {0};
	int map = bpf_map__fd(t->skel->maps.inode_marks);
	guint cls;

	if (ret_origin_kdev != NULL)
		*ret_origin_kdev = 0;
	if (ret_origin_ino != NULL)
		*ret_origin_ino = 0;
	if (bpf_map_lookup_elem(map, &fd, &m) != 0)
		return errno == ENOENT ? 0 : 2;
	cls = m.file_class == 1 || m.file_class == 2 ? m.file_class : 0;
	if (cls != 0) {
		if (ret_origin_kdev != NULL)
			*ret_origin_kdev = m.origin.dev;
		if (ret_origin_ino != NULL)
			*ret_origin_ino = m.origin.ino;
	}
	for (guint i = 0; i < FUT_TAINT_PENDING_SLOTS; i++) {
		guint v = 0;
		guint32 dev = 0;
		guint64 ino = 0;

		if (m.pending[i] == 0)
			continue;
		/* Not classified yet, or the verdict forgotten: taken as Class II. */
		g_mutex_lock(&t->pending_lock);
		if (!fut_taint_verdicts_lookup(t->verdicts, m.pending[i], &v, &dev, &ino) ||
		    (v != 1 && v != 2 && v != FUT_TAINT_CLASS_III))
			v = 2;
		g_mutex_unlock(&t->pending_lock);
		if (v == FUT_TAINT_CLASS_III || (cls != 0 && cls <= v))
			continue;
		cls = v;
		if (ret_origin_kdev != NULL)
			*ret_origin_kdev = dev;
		if (ret_origin_ino != NULL)
			*ret_origin_ino = ino;
	}
	return cls;
}

gchar *
fut_taint_origin_path(FutTaint *t, guint32 origin_kdev, guint64 origin_ino)
{
	g_autofree gchar *key = NULL;
	gchar *path;

	if (origin_kdev == 0 && origin_ino == 0)
		return NULL;
	key = fut_taint_origin_key(origin_kdev, origin_ino);
	g_mutex_lock(&t->lock);
	path = g_strdup(g_hash_table_lookup(t->origins, key));
	g_mutex_unlock(&t->lock);
	return path;
}

static gboolean
approval_key(FutTaint *t,
             int content_fd,
             uid_t uid,
             const gchar *program,
             struct fut_taint_approval_key *k,
             GError **error)
{
	memset(k, 0, sizeof *k);
	if (!fut_taint_inode_of_fd(content_fd, &k->origin, error))
		return FALSE;
	k->uid = uid;
	if (program == NULL)
		return TRUE; /* any program: exe_id 0 */
	g_mutex_lock(&t->lock);
	k->exe_id = mark_program(t, program, 0, FALSE, error);
	g_mutex_unlock(&t->lock);
	return k->exe_id != 0;
}

/* At most this many approval keys under one request (one per program and content inode
 * its opens were allowed for), and this many requests: more are refused (fail closed). */
#define ALLOWED_KEYS_MAX 64
#define ALLOWED_MAX      4096

/* The end of the window @not_after on the boot clock, now; FALSE when it has ended. */
static gboolean
window_end_now(gint64 not_after, guint64 *ret)
{
	struct timespec rt, bt;

	if (clock_gettime(CLOCK_BOOTTIME, &bt) != 0 || clock_gettime(CLOCK_REALTIME, &rt) != 0)
		return FALSE;
	return fut_taint_window_end(not_after, (gint64)rt.tv_sec * NS_PER_S + rt.tv_nsec,
	                            (guint64)bt.tv_sec * (guint64)NS_PER_S + (guint64)bt.tv_nsec,
	                            ret);
}

/* The latest end, @own or that of any other request than @request_id that allowed @k.
 * Caller holds the lock. */
static guint64
key_end(FutTaint *t, const struct fut_taint_approval_key *k, guint64 own, const gchar *request_id)
{
	GHashTableIter it;
	gpointer id, value;
	guint64 end = own;

	g_hash_table_iter_init(&it, t->allowed);
	while (g_hash_table_iter_next(&it, &id, &value)) {
		GArray *keys = value;

		if (strcmp(id, request_id) == 0)
			continue;
		for (guint i = 0; i < keys->len; i++) {
			const Allowed *a = &g_array_index(keys, Allowed, i);
			if (memcmp(&a->key, k, sizeof *k) == 0)
				end = MAX(end, a->end);
		}
	}
	return end;
}

/* Sets the kernel's entry for @k to key_end(); deletes it when that is 0. Caller holds the
 * lock. */
static void
key_refresh(FutTaint *t,
            const struct fut_taint_approval_key *k,
            guint64 own,
            const gchar *request_id)
{
	guint64 end = key_end(t, k, own, request_id);
	int map = bpf_map__fd(t->skel->maps.approvals);

	/* ENOENT on delete: gone already (the kernel deletes ended keys itself). An update
	 * fails only when the map is full, and then the key is not there: nothing is allowed
	 * that should not be. */
	if (end == 0)
		(void)bpf_map_delete_elem(map, k);
	else
		(void)bpf_map_update_elem(map, k, &end, BPF_ANY);
}

void
fut_taint_set_window(FutTaint *t, const gchar *request_id, gint64 not_after)
{
	GArray *keys;
	guint64 end = 0;

	g_mutex_lock(&t->lock);
	if (!g_hash_table_contains(t->windows, request_id) &&
	    g_hash_table_size(t->windows) >= ALLOWED_MAX) {
		g_mutex_unlock(&t->lock);
		return;
	}
	g_hash_table_replace(t->windows, g_strdup(request_id),
	                     g_memdup2(&not_after, sizeof not_after));
	/* Replaced: what was allowed under it ends at the new end. */
	keys = g_hash_table_lookup(t->allowed, request_id);
	if (keys != NULL && !window_end_now(not_after, &end))
		end = 0;
	for (guint i = 0; keys != NULL && i < keys->len; i++) {
		Allowed *a = &g_array_index(keys, Allowed, i);
		a->end = end;
		key_refresh(t, &a->key, end, request_id);
	}
	g_mutex_unlock(&t->lock);
}

/* Puts @key into the kernel's approval map under @request_id until its window's end. */
static gboolean
allow_key(FutTaint *t,
          const struct fut_taint_approval_key *key,
          const gchar *request_id,
          GError **error)
{
	Allowed a = {0};
	GArray *keys;
	const gint64 *not_after;
	Allowed *known = NULL;
	guint64 end;

	a.key = *key;
	g_mutex_lock(&t->lock);
	not_after = g_hash_table_lookup(t->windows, request_id);
	if (not_after == NULL || !window_end_now(*not_after, &a.end)) {
		g_mutex_unlock(&t->lock);
		g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION, "%s",
		            not_after == NULL ? _("the approval has no known window")
		                              : _("the approval's window has ended"));
		return FALSE;
	}
	keys = g_hash_table_lookup(t->allowed, request_id);
	for (guint i = 0; keys != NULL && i < keys->len && known == NULL; i++) {
		Allowed *k = &g_array_index(keys, Allowed, i);
		if (memcmp(&k->key, &a.key, sizeof a.key) == 0)
			known = k;
	}
	if (known == NULL && ((keys == NULL && g_hash_table_size(t->allowed) >= ALLOWED_MAX) ||
	                      (keys != NULL && keys->len >= ALLOWED_KEYS_MAX))) {
		g_mutex_unlock(&t->lock);
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("too many upload approvals in the BPF approval map"));
		return FALSE;
	}
	/* Another request may hold the same key until later. */
	end = key_end(t, &a.key, a.end, request_id);
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.approvals), &a.key, &end, BPF_ANY) != 0) {
		g_mutex_unlock(&t->lock);
		fut_error_set_errno(error, errno, "BPF approval map");
		return FALSE;
	}
	if (known != NULL) {
		known->end = a.end;
	} else {
		if (keys == NULL) {
			keys = g_array_new(FALSE, FALSE, sizeof(Allowed));
			g_hash_table_insert(t->allowed, g_strdup(request_id), keys);
		}
		g_array_append_val(keys, a);
		t->approvals++;
	}
	g_mutex_unlock(&t->lock);
	return TRUE;
}

gboolean
fut_taint_allow(FutTaint *t,
                int content_fd,
                uid_t uid,
                const gchar *program,
                const gchar *request_id,
                GError **error)
{
	struct fut_taint_approval_key k;
	struct fut_taint_mark m = {0};

	if (!approval_key(t, content_fd, uid, program, &k, error) ||
	    !allow_key(t, &k, request_id, error))
		return FALSE;
	/* A copy the taint marked (cp of a labelled file, base64 of a roster) carries its
	 * origin's mark, and what its readers hold is named by that origin: the approval of the
	 * copy covers that too, or the approved browser's read of the copy stays refused. */
	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.inode_marks), &content_fd, &m) == 0 &&
	    (m.file_class == 1 || m.file_class == 2) && (m.origin.ino != 0 || m.origin.dev != 0) &&
	    (m.origin.ino != k.origin.ino || m.origin.dev != k.origin.dev)) {
		k.origin = m.origin;
		return allow_key(t, &k, request_id, error);
	}
	return TRUE;
}

void
fut_taint_withdraw(FutTaint *t, const gchar *request_id)
{
	GArray *keys;

	g_mutex_lock(&t->lock);
	keys = g_hash_table_lookup(t->allowed, request_id);
	for (guint i = 0; keys != NULL && i < keys->len; i++) {
		key_refresh(t, &g_array_index(keys, Allowed, i).key, 0, request_id);
		if (t->approvals > 0)
			t->approvals--;
	}
	g_hash_table_remove(t->allowed, request_id);
	g_hash_table_remove(t->windows, request_id);
	g_mutex_unlock(&t->lock);
}

void
fut_taint_get_stats(FutTaint *t, FutTaintStats *ret)
{
	const struct fut_taint_counters *c = &t->skel->bss->counters;

	memset(ret, 0, sizeof *ret);
	ret->tainted = __atomic_load_n(&c->tainted, __ATOMIC_RELAXED);
	ret->denied = __atomic_load_n(&c->denied, __ATOMIC_RELAXED);
	ret->dropped = __atomic_load_n(&c->dropped, __ATOMIC_RELAXED);
	ret->flowed = __atomic_load_n(&c->flowed, __ATOMIC_RELAXED);
	ret->expired = __atomic_load_n(&c->expired, __ATOMIC_RELAXED);
	ret->peer_exempt = __atomic_load_n(&c->peer_exempt, __ATOMIC_RELAXED);
	ret->pending = __atomic_load_n(&c->pending, __ATOMIC_RELAXED);
	ret->pending_overflow = __atomic_load_n(&c->pending_overflow, __ATOMIC_RELAXED);
	ret->splice_unnoted = __atomic_load_n(&c->splice_unnoted, __ATOMIC_RELAXED);
	ret->splice_note_lost = __atomic_load_n(&c->splice_note_lost, __ATOMIC_RELAXED);
	ret->exempt_fed = __atomic_load_n(&c->exempt_fed, __ATOMIC_RELAXED);
	ret->exempt_fed_full = __atomic_load_n(&c->exempt_fed_full, __ATOMIC_RELAXED);
	ret->shared_owed = __atomic_load_n(&c->shared_owed, __ATOMIC_RELAXED);
	ret->shared_owed_taken = __atomic_load_n(&c->shared_owed_taken, __ATOMIC_RELAXED);
	ret->shared_overflow = __atomic_load_n(&c->shared_overflow, __ATOMIC_RELAXED);
	ret->mapped_noted = __atomic_load_n(&c->mapped_noted, __ATOMIC_RELAXED);
	ret->mapped_overflow = __atomic_load_n(&c->mapped_overflow, __ATOMIC_RELAXED);
	ret->mapped_pulled = __atomic_load_n(&c->mapped_pulled, __ATOMIC_RELAXED);
	ret->mapped_full = __atomic_load_n(&c->mapped_full, __ATOMIC_RELAXED);
	ret->mapped_lost = __atomic_load_n(&c->mapped_lost, __ATOMIC_RELAXED);
	ret->owed_open = __atomic_load_n(&t->skel->bss->owed_count, __ATOMIC_RELAXED);
	g_mutex_lock(&t->pending_lock);
	ret->pending_set = t->pending_set;
	ret->resolved = t->resolved;
	ret->settled = t->settled;
	ret->republished = t->republished;
	g_mutex_unlock(&t->pending_lock);
	g_mutex_lock(&t->lock);
	ret->marked = t->marked;
	ret->shared_marked = t->shared_marked;
	ret->shared_dropped = t->shared_dropped;
	ret->approvals = t->approvals;
	ret->peers_exempt = t->peers_exempt;
	g_mutex_unlock(&t->lock);
}

#endif /* HAVE_BPF_TAINT */
