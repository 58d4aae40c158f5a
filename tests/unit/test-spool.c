/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/pending.h"
#include "agent/spool.h"
#include "crypto.h"
#include "errors.h"

typedef struct {
	gchar *dir;
	gchar *spool;
	gchar *src;
} Fixture;

static void
setup(Fixture *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp("futari-spool-XXXXXX", NULL);
	f->spool = g_build_filename(f->dir, "spool", NULL);
	f->src = g_build_filename(f->dir, "src.bin", NULL);
	g_assert_cmpint(g_mkdir(f->spool, 0700), ==, 0);
}

static void
teardown(Fixture *f, gconstpointer data)
{
	g_autofree gchar *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->dir);
	g_free(f->spool);
	g_free(f->src);
}

static guint
count_files(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	guint n = 0;
	while (d != NULL && g_dir_read_name(d) != NULL)
		n++;
	return n;
}

static void
test_ingest(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *content = g_strnfill(3 * 1024 * 1024 + 17, 'x');
	guint8 want[FUT_SHA256_LEN];
	g_autoptr(FutSpoolEntry) e = NULL;
	g_autoptr(FutSpoolEntry) again = NULL;
	g_autofree gchar *udir = g_build_filename(f->spool, "1000", NULL);
	struct stat st;
	int fd;

	g_assert_true(g_file_set_contents(f->src, content, -1, NULL));
	fut_sha256(content, strlen(content), want);
	fd = open(f->src, O_RDONLY | O_CLOEXEC);
	g_assert_cmpint(lseek(fd, 100, SEEK_SET), ==, 100);
	e = fut_spool_ingest(f->spool, 1000, fd, 1 << 30, 1 << 30, NULL, NULL, NULL, &error);
	g_assert_no_error(error);
	/* pread from 0: the caller's offset does not matter, and is left alone */
	g_assert_cmpint(lseek(fd, 0, SEEK_CUR), ==, 100);
	close(fd);
	g_assert_cmpuint(e->size, ==, strlen(content));
	g_assert_cmpmem(e->sha256, FUT_SHA256_LEN, want, FUT_SHA256_LEN);
	/* Unnamed until it must outlive the agent (issue 18): nothing in the folder, the
	 * copy counted by its reservation, readable through the entry. */
	g_assert_null(e->path);
	g_assert_cmpint(stat(udir, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0700);
	g_assert_cmpuint(count_files(udir), ==, 0);
	g_assert_cmpuint(fut_spool_usage(f->spool, 1000), ==, 0);
	{
		g_autofree gchar *back = g_malloc(strlen(content) + 1);
		int rfd = fut_spool_entry_open(e, &error);
		g_assert_no_error(error);
		g_assert_cmpint(read(rfd, back, strlen(content) + 1), ==, strlen(content));
		g_assert_cmpmem(back, strlen(content), content, strlen(content));
		/* read-only, whatever the entry holds */
		g_assert_cmpint(write(rfd, "x", 1), ==, -1);
		close(rfd);
	}
	g_assert_true(fut_spool_entry_sync(e, &error));
	g_assert_no_error(error);
	g_assert_nonnull(e->path);
	g_assert_true(g_str_has_suffix(e->path, ".data"));
	g_assert_cmpint(stat(e->path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpuint(fut_spool_usage(f->spool, 1000), ==, strlen(content));
	/* a second sync of a named copy is an fsync */
	g_assert_true(fut_spool_entry_sync(e, &error));

	again = fut_spool_lookup(f->spool, 1000, e->id, &error);
	g_assert_no_error(error);
	g_assert_cmpmem(again->sha256, FUT_SHA256_LEN, want, FUT_SHA256_LEN);
	g_assert_null(fut_spool_lookup(f->spool, 1000, "../../etc/passwd", &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_null(fut_spool_lookup(f->spool, 1001, e->id, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_IO);
	g_clear_error(&error);
	fut_spool_entry_remove(e);
	g_assert_cmpuint(count_files(udir), ==, 0);
}

static void
test_refusals(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *fifo = g_build_filename(f->dir, "fifo", NULL);
	g_autofree gchar *udir = g_build_filename(f->spool, "1000", NULL);
	int fd;

	g_assert_true(g_file_set_contents(f->src, "0123456789", -1, NULL));

	fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	g_assert_null(fut_spool_ingest(f->spool, 1000, fd, 100, 100, NULL, NULL, NULL, &error));
	g_assert_nonnull(strstr(error->message, "directory"));
	g_clear_error(&error);
	close(fd);

	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	g_assert_null(fut_spool_ingest(f->spool, 1000, fd, 100, 100, NULL, NULL, NULL, &error));
	g_assert_nonnull(strstr(error->message, "regular files"));
	g_clear_error(&error);
	close(fd);

	fd = open(f->src, O_WRONLY | O_CLOEXEC);
	g_assert_null(fut_spool_ingest(f->spool, 1000, fd, 100, 100, NULL, NULL, NULL, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_PERMISSION);
	g_clear_error(&error);
	close(fd);

	fd = open(f->src, O_PATH | O_CLOEXEC);
	g_assert_null(fut_spool_ingest(f->spool, 1000, fd, 100, 100, NULL, NULL, NULL, &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	close(fd);

	fd = open(f->src, O_RDONLY | O_CLOEXEC);
	g_assert_null(fut_spool_ingest(f->spool, 1000, fd, 9, 100, NULL, NULL, NULL, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
	g_clear_error(&error);
	{
		g_autoptr(FutSpoolEntry) first =
		    fut_spool_ingest(f->spool, 1000, fd, 100, 15, NULL, NULL, NULL, &error);
		g_assert_no_error(error);
		/* a second copy would take the user over the quota: the first, unnamed, counts
		 * while its entry lives */
		g_assert_null(
		    fut_spool_ingest(f->spool, 1000, fd, 100, 15, NULL, NULL, NULL, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
		g_clear_error(&error);
		g_assert_cmpuint(count_files(udir), ==, 0);
		/* another user's quota is separate */
		g_autoptr(FutSpoolEntry) other =
		    fut_spool_ingest(f->spool, 1001, fd, 100, 15, NULL, NULL, NULL, &error);
		g_assert_no_error(error);
	}
	close(fd);
}

/* Copies made at the same time share the quota by the bytes they read (issue 16 item 10),
 * and a half-made copy is neither counted nor kept. */
static void
test_quota(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutSpoolQuota) q = fut_spool_quota_new();
	g_autofree gchar *udir = g_build_filename(f->spool, "1000", NULL);
	g_autofree gchar *part =
	    g_build_filename(udir, "0123456789abcdef0123456789abcdef.part", NULL);
	int fd;

	g_assert_true(g_file_set_contents(f->src, "0123456789", -1, NULL));
	fd = open(f->src, O_RDONLY | O_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	/* another copy of the same user's is reading 10 bytes now */
	g_assert_true(fut_spool_quota_reserve(q, f->spool, 1000, 10, 15, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(fut_spool_quota_in_flight(q, 1000), ==, 10);
	g_assert_null(fut_spool_ingest(f->spool, 1000, fd, 100, 15, q, NULL, NULL, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
	g_clear_error(&error);
	g_assert_cmpuint(fut_spool_quota_in_flight(q, 1000), ==, 10);
	/* another user is not held by it */
	{
		g_autoptr(FutSpoolEntry) other =
		    fut_spool_ingest(f->spool, 1001, fd, 100, 15, q, NULL, NULL, &error);
		g_assert_no_error(error);
	}
	fut_spool_quota_release(q, 1000, 10);
	g_assert_cmpuint(fut_spool_quota_in_flight(q, 1000), ==, 0);
	{
		g_autoptr(FutSpoolEntry) e =
		    fut_spool_ingest(f->spool, 1000, fd, 100, 15, q, NULL, NULL, &error);
		g_assert_no_error(error);
		/* an unnamed copy is held by its reservation ... */
		g_assert_null(e->path);
		g_assert_cmpuint(fut_spool_quota_in_flight(q, 1000), ==, 10);
		g_assert_false(fut_spool_quota_reserve(q, f->spool, 1000, 6, 15, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
		g_clear_error(&error);
		/* ... until it is named, then by its file */
		g_assert_true(fut_spool_entry_sync(e, &error));
		g_assert_no_error(error);
		g_assert_true(g_str_has_suffix(e->path, ".data"));
		g_assert_cmpuint(fut_spool_usage(f->spool, 1000), ==, 10);
		g_assert_cmpuint(fut_spool_quota_in_flight(q, 1000), ==, 0);
		g_assert_false(fut_spool_quota_reserve(q, f->spool, 1000, 6, 15, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
		g_clear_error(&error);
	}
	close(fd);
	/* a copy left half made by an agent that stopped */
	g_assert_true(g_file_set_contents(part, "half", -1, NULL));
	g_assert_cmpuint(fut_spool_usage(f->spool, 1000), ==, 10);
	fut_spool_remove_partial(f->spool);
	g_assert_false(g_file_test(part, G_FILE_TEST_EXISTS));
	g_assert_cmpuint(count_files(udir), ==, 1);
}

/* A copy that is never named (a Class III export, or one that failed later) leaves nothing:
 * no file, no reservation; the bytes of a multi-chunk copy are exact (issue 18). */
static void
test_unnamed(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutSpoolQuota) q = fut_spool_quota_new();
	g_autofree gchar *udir = g_build_filename(f->spool, "1000", NULL);
	/* over two of the copier's chunks, not a multiple of any */
	gsize len = 40 * 1024 * 1024 + 4093;
	g_autofree guint8 *content = g_malloc(len);
	g_autofree guint8 *back = g_malloc(len + 1);
	guint8 want[FUT_SHA256_LEN];
	FutSpoolEntry *e;
	int fd, rfd;

	for (gsize i = 0; i < len; i++)
		content[i] = (guint8)(i * 2654435761u >> 13);
	g_assert_true(g_file_set_contents(f->src, (const gchar *)content, (gssize)len, NULL));
	fut_sha256(content, len, want);
	fd = open(f->src, O_RDONLY | O_CLOEXEC);
	e = fut_spool_ingest(f->spool, 1000, fd, 1 << 30, 1 << 30, q, NULL, NULL, &error);
	g_assert_no_error(error);
	close(fd);
	g_assert_cmpuint(e->size, ==, len);
	g_assert_cmpmem(e->sha256, FUT_SHA256_LEN, want, FUT_SHA256_LEN);
	g_assert_cmpuint(fut_spool_quota_in_flight(q, 1000), ==, len);
	rfd = fut_spool_entry_open(e, &error);
	g_assert_cmpint(rfd, >=, 0);
	{
		gsize got = 0;
		ssize_t n;
		while ((n = read(rfd, back + got, len + 1 - got)) > 0)
			got += (gsize)n;
		g_assert_cmpuint(got, ==, len);
	}
	close(rfd);
	g_assert_cmpmem(back, len, content, len);
	fut_spool_entry_remove(e);
	fut_spool_entry_free(e);
	g_assert_cmpuint(fut_spool_quota_in_flight(q, 1000), ==, 0);
	g_assert_cmpuint(count_files(udir), ==, 0);
	g_assert_cmpuint(fut_spool_usage(f->spool, 1000), ==, 0);
}

typedef struct {
	guint calls;
	gsize len;
	guint8 digest[FUT_SHA256_LEN];
} Copied;

static void
on_copied(int fd, gpointer data)
{
	Copied *c = data;
	g_autoptr(FutSha256) sha = fut_sha256_new();
	guint8 buf[65536];
	ssize_t n;

	c->calls++;
	/* read-only, its own offset from 0, the whole copy */
	g_assert_cmpint(write(fd, "x", 1), ==, -1);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fut_sha256_update(sha, buf, (gsize)n);
		c->len += (gsize)n;
	}
	g_assert_cmpint(n, ==, 0);
	fut_sha256_finish(sha, c->digest);
	close(fd);
}

/* The copy is handed over complete while it is hashed (issue 18): the reader sees exactly
 * the bytes the digest covers. */
static void
test_copied(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gsize len = 20 * 1024 * 1024 + 1;
	g_autofree gchar *content = g_strnfill(len, 'y');
	g_autoptr(FutSpoolEntry) e = NULL;
	Copied c = {0};
	int fd;

	g_assert_true(g_file_set_contents(f->src, content, (gssize)len, NULL));
	fd = open(f->src, O_RDONLY | O_CLOEXEC);
	e = fut_spool_ingest_full(f->spool, 1000, fd, 1 << 30, 1 << 30, NULL, NULL, NULL, on_copied,
	                          &c, &error);
	g_assert_no_error(error);
	close(fd);
	g_assert_cmpuint(c.calls, ==, 1);
	g_assert_cmpuint(c.len, ==, len);
	g_assert_cmpmem(c.digest, FUT_SHA256_LEN, e->sha256, FUT_SHA256_LEN);
}

/* Whether @fd is a memfd (the spool's copy in memory). */
static gboolean
is_memfd(int fd)
{
	g_autofree gchar *self = g_strdup_printf("/proc/self/fd/%d", fd);
	g_autofree gchar *target = g_file_read_link(self, NULL);

	g_assert_nonnull(target);
	return g_str_has_prefix(target, "/memfd:");
}

static gchar *
read_all(int fd, gsize *len)
{
	GString *s = g_string_new(NULL);
	gchar buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		g_string_append_len(s, buf, n);
	g_assert_cmpint(n, ==, 0);
	*len = s->len;
	return g_string_free(s, FALSE);
}

/* A small file is spooled in memory (issue 18): the exact bytes and digest, nothing on the
 * spool's filesystem, counted in the quota; named in the spool with the same bytes when it
 * must outlive the agent (a request). */
static void
test_memory(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutSpoolQuota) q = fut_spool_quota_new();
	g_autofree gchar *udir = g_build_filename(f->spool, "1000", NULL);
	const gchar *content = "public notice, 4 lines\nline 2\nline 3\nline 4\n";
	gsize len = strlen(content), got_len;
	guint8 want[FUT_SHA256_LEN];
	g_autofree gchar *got = NULL;
	FutSpoolEntry *e;
	int fd;

	g_assert_true(g_file_set_contents(f->src, content, -1, NULL));
	fut_sha256((const guint8 *)content, len, want);
	fd = open(f->src, O_RDONLY | O_CLOEXEC);
	e = fut_spool_ingest(f->spool, 1000, fd, 1 << 30, 1 << 30, q, NULL, NULL, &error);
	g_assert_no_error(error);
	close(fd);
	g_assert_true(e->mem);
	g_assert_true(is_memfd(e->fd));
	g_assert_cmpuint(e->size, ==, len);
	g_assert_cmpmem(e->sha256, FUT_SHA256_LEN, want, FUT_SHA256_LEN);
	g_assert_cmpuint(fut_spool_quota_in_flight(q, 1000), ==, len);
	g_assert_cmpuint(count_files(udir), ==, 0);
	fd = fut_spool_entry_open(e, &error);
	g_assert_cmpint(fd, >=, 0);
	got = read_all(fd, &got_len);
	close(fd);
	g_assert_cmpmem(got, got_len, content, len);

	g_assert_true(fut_spool_entry_sync(e, &error));
	g_assert_no_error(error);
	g_assert_false(e->mem);
	g_assert_false(is_memfd(e->fd));
	g_assert_nonnull(e->path);
	g_assert_cmpuint(count_files(udir), ==, 1);
	g_assert_cmpuint(fut_spool_usage(f->spool, 1000), ==, len);
	g_assert_cmpuint(fut_spool_quota_in_flight(q, 1000), ==, 0);
	g_clear_pointer(&got, g_free);
	g_assert_true(g_file_get_contents(e->path, &got, &got_len, NULL));
	g_assert_cmpmem(got, got_len, content, len);
	fut_spool_entry_remove(e);
	fut_spool_entry_free(e);
	g_assert_cmpuint(count_files(udir), ==, 0);
}

/* Appends to the source during the copy, once: the file grows past what memory holds. */
typedef struct {
	const gchar *path;
	const gchar *more;
	gsize more_len;
	gboolean done;
} Grow;

static void
grow_source(guint64 done, guint64 total, gpointer data)
{
	Grow *g = data;
	int fd;

	if (g->done)
		return;
	g->done = TRUE;
	fd = open(g->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, g->more, g->more_len), ==, (gssize)g->more_len);
	close(fd);
}

/* A small file that grows past the memory bound while it is copied: moved to the spool's
 * filesystem, every byte read kept, the digest of all of them. */
static void
test_memory_grows(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutSpoolQuota) q = fut_spool_quota_new();
	gsize first = 1000, more = 3 * 1024 * 1024 + 7, got_len;
	g_autofree gchar *content = g_malloc(first + more);
	g_autofree gchar *got = NULL;
	guint8 want[FUT_SHA256_LEN];
	Grow g = {.path = f->src};
	FutSpoolEntry *e;
	int fd;

	for (gsize i = 0; i < first + more; i++)
		content[i] = (gchar)('a' + (i * 7919) % 26);
	g.more = content + first;
	g.more_len = more;
	g_assert_true(g_file_set_contents(f->src, content, (gssize)first, NULL));
	fut_sha256((const guint8 *)content, first + more, want);
	fd = open(f->src, O_RDONLY | O_CLOEXEC);
	e = fut_spool_ingest(f->spool, 1000, fd, 1 << 30, 1 << 30, q, grow_source, &g, &error);
	g_assert_no_error(error);
	close(fd);
	g_assert_true(g.done);
	g_assert_false(e->mem);
	g_assert_false(is_memfd(e->fd));
	g_assert_cmpuint(e->size, ==, first + more);
	g_assert_cmpmem(e->sha256, FUT_SHA256_LEN, want, FUT_SHA256_LEN);
	g_assert_cmpuint(fut_spool_quota_in_flight(q, 1000), ==, first + more);
	fd = fut_spool_entry_open(e, &error);
	g_assert_cmpint(fd, >=, 0);
	got = read_all(fd, &got_len);
	close(fd);
	g_assert_cmpmem(got, got_len, content, first + more);
	fut_spool_entry_free(e);
	g_assert_cmpuint(fut_spool_quota_in_flight(q, 1000), ==, 0);
}

static FutPendingEntry *
entry(const gchar *id, uid_t uid, gint64 expires)
{
	FutPendingEntry *e = g_new0(FutPendingEntry, 1);
	e->id = g_strdup(id);
	e->uid = uid;
	e->spool_id = g_strdup("0123456789abcdef0123456789abcdef");
	e->name = g_strdup("report.pdf");
	e->dir = g_strdup("a/b");
	e->request_text = g_strdup("-----BEGIN FUTARI REQUEST-----\nx: y\n-----END FUTARI "
	                           "REQUEST-----\n");
	e->state = g_strdup(FUT_PENDING_STATE_PENDING);
	e->expires = expires;
	return e;
}

static void
test_pending(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	const gchar *id1 = "1111111111111111111111111111111111111111111111111111111111111111";
	const gchar *id2 = "2222222222222222222222222222222222222222222222222222222222222222";
	g_autoptr(FutPendingEntry) e1 = entry(id1, 1000, 2000);
	g_autoptr(FutPendingEntry) e2 = entry(id2, 1000, 500);
	g_autoptr(FutPendingEntry) bad = entry("../x", 1000, 2000);
	g_autoptr(FutPendingEntry) got = NULL;
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(GPtrArray) gone = NULL;

	g_assert_true(fut_pending_add(f->dir, e1, &error));
	g_assert_true(fut_pending_add(f->dir, e2, &error));
	g_assert_false(fut_pending_add(f->dir, e1, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_EXISTS);
	g_clear_error(&error);
	g_assert_false(fut_pending_add(f->dir, bad, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_clear_error(&error);

	got = fut_pending_load(f->dir, id1, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(got->request_text, ==, e1->request_text);
	g_assert_cmpstr(got->dir, ==, "a/b");
	g_assert_cmpuint(got->uid, ==, 1000);
	g_assert_cmpuint(fut_pending_count(f->dir, 1000, 1000), ==, 1); /* e2 expired */
	g_assert_cmpuint(fut_pending_count(f->dir, 1001, 0), ==, 0);
	g_assert_true(fut_pending_set_state(f->dir, id1, FUT_PENDING_STATE_REDEEMED, &error));
	g_clear_pointer(&got, fut_pending_entry_free);
	got = fut_pending_load(f->dir, id1, &error);
	g_assert_cmpstr(got->state, ==, FUT_PENDING_STATE_REDEEMED);
	g_assert_cmpuint(fut_pending_count(f->dir, 1000, 0), ==, 1);
	list = fut_pending_list(f->dir, 1000);
	g_assert_cmpuint(list->len, ==, 2);
	g_assert_cmpstr(((FutPendingEntry *)g_ptr_array_index(list, 0))->id, ==, id2);
	gone = fut_pending_purge(f->dir, 1000);
	g_assert_cmpuint(gone->len, ==, 1);
	g_assert_null(fut_pending_load(f->dir, id2, &error));
	g_clear_error(&error);
	g_assert_null(fut_pending_load(f->dir, "ABC", &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_clear_error(&error);

	/* A damaged entry is refused, not half-read. */
	{
		g_autofree gchar *path = g_strdup_printf("%s/pending/%s.pending", f->dir, id1);
		g_assert_true(g_file_set_contents(path, "[request]\nid=zz\n", -1, NULL));
		g_assert_null(fut_pending_load(f->dir, id1, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}
}

/* A version-2 entry is redeemed file by file: each mark is durable, the entry redeemed with
 * the last; a damaged or out-of-range mark is refused. */
static void
test_pending_files(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	const gchar *id = "3333333333333333333333333333333333333333333333333333333333333333";
	const gchar *ids[] = {"a", "b", "c", NULL};
	g_autoptr(FutPendingEntry) e = entry(id, 1000, 2000);
	g_autoptr(FutPendingEntry) got = NULL;
	g_autofree gchar *path = g_strdup_printf("%s/pending/%s.pending", f->dir, id);
	g_autofree gchar *text = NULL;

	e->spool_ids = g_strdupv((gchar **)ids);
	g_assert_true(fut_pending_add(f->dir, e, &error));
	got = fut_pending_load(f->dir, id, &error);
	g_assert_nonnull(got);
	g_assert_null(got->written);
	g_assert_cmpuint(fut_pending_written_count(got), ==, 0);
	g_clear_pointer(&got, fut_pending_entry_free);

	g_assert_true(fut_pending_mark_written(f->dir, id, 1, &error));
	got = fut_pending_load(f->dir, id, &error);
	g_assert_cmpstr(got->written, ==, "010");
	g_assert_cmpstr(got->state, ==, FUT_PENDING_STATE_PENDING);
	g_assert_cmpuint(fut_pending_count(f->dir, 1000, 0), ==, 1);
	g_clear_pointer(&got, fut_pending_entry_free);

	/* no file 4, and no "whole request" mark for a request of files */
	g_assert_false(fut_pending_mark_written(f->dir, id, 3, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(fut_pending_mark_written(f->dir, id, G_MAXUINT, &error));
	g_clear_error(&error);

	g_assert_true(fut_pending_mark_written(f->dir, id, 0, &error));
	g_assert_true(fut_pending_mark_written(f->dir, id, 1, &error)); /* twice: the same */
	got = fut_pending_load(f->dir, id, &error);
	g_assert_cmpstr(got->written, ==, "110");
	g_assert_cmpstr(got->state, ==, FUT_PENDING_STATE_PENDING);
	g_clear_pointer(&got, fut_pending_entry_free);
	g_assert_true(fut_pending_mark_written(f->dir, id, 2, &error));
	got = fut_pending_load(f->dir, id, &error);
	g_assert_cmpstr(got->written, ==, "111");
	g_assert_cmpstr(got->state, ==, FUT_PENDING_STATE_REDEEMED);
	g_assert_cmpuint(fut_pending_written_count(got), ==, 3);
	g_clear_pointer(&got, fut_pending_entry_free);

	/* Garbage in the marks: the entry is refused whole (a request refused, never a file
	 * written twice or one taken for written). */
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	for (guint k = 0; k < 4; k++) {
		static const gchar *const bad[] = {"written=11\n", "written=1111\n",
		                                   "written=1x1\n", "written=\n"};
		g_autoptr(GRegex) re = g_regex_new("written=[^\n]*\n", 0, 0, NULL);
		g_autofree gchar *t = g_regex_replace_literal(re, text, -1, 0, bad[k], 0, NULL);
		g_assert_true(g_file_set_contents(path, t, -1, NULL));
		g_assert_null(fut_pending_load(f->dir, id, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}
	/* and on a version-1 entry (no copies listed) */
	{
		g_autoptr(FutPendingEntry) v1 = entry(id, 1000, 2000);
		g_assert_true(g_unlink(path) == 0);
		g_assert_true(fut_pending_add(f->dir, v1, &error));
		g_assert_true(fut_pending_mark_written(f->dir, id, 0, &error));
		got = fut_pending_load(f->dir, id, &error);
		g_assert_cmpstr(got->state, ==, FUT_PENDING_STATE_REDEEMED);
		g_assert_null(got->written);
		g_clear_pointer(&got, fut_pending_entry_free);
		g_free(text);
		g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
		g_autofree gchar *t = g_strconcat(text, "written=1\n", NULL);
		g_assert_true(g_file_set_contents(path, t, -1, NULL));
		g_assert_null(fut_pending_load(f->dir, id, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/agent/spool/ingest", Fixture, NULL, setup, test_ingest, teardown);
	g_test_add("/agent/spool/quota", Fixture, NULL, setup, test_quota, teardown);
	g_test_add("/agent/spool/unnamed", Fixture, NULL, setup, test_unnamed, teardown);
	g_test_add("/agent/spool/copied", Fixture, NULL, setup, test_copied, teardown);
	g_test_add("/agent/spool/refusals", Fixture, NULL, setup, test_refusals, teardown);
	g_test_add("/agent/spool/memory", Fixture, NULL, setup, test_memory, teardown);
	g_test_add("/agent/spool/memory-grows", Fixture, NULL, setup, test_memory_grows, teardown);
	g_test_add("/agent/pending/store", Fixture, NULL, setup, test_pending, teardown);
	g_test_add("/agent/pending/files", Fixture, NULL, setup, test_pending_files, teardown);
	return g_test_run();
}
