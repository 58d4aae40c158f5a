/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The spool on a filesystem without O_TMPFILE (NFS, vfat; issue 18): this test program
 * makes every open with O_TMPFILE fail with EOPNOTSUPP (a seccomp filter, as such a
 * filesystem answers) before it runs. The copy is then made under <id>.part: exact bytes
 * and digest, removed with the entry, renamed to <id>.data when it must outlive the agent,
 * and never counted twice in the quota. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/spool.h"
#include "crypto.h"
#include "errors.h"

static gchar *tmp;

static guint
count_suffix(const gchar *dir, const gchar *suffix)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;
	guint n = 0;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL)
		n += g_str_has_suffix(name, suffix);
	return n;
}

static int
source(const gchar *name, const gchar *content)
{
	g_autofree gchar *p = g_build_filename(tmp, name, NULL);

	g_assert_true(g_file_set_contents(p, content, -1, NULL));
	return open(p, O_RDONLY | O_CLOEXEC);
}

static void
test_filter_works(void)
{
	int fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	/* Else this program tests nothing. */
	g_assert_cmpint(fd, ==, -1);
	g_assert_cmpint(errno, ==, EOPNOTSUPP);
}

static void
test_part_removed(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *spool = g_build_filename(tmp, "spool1", NULL);
	g_autofree gchar *udir = g_build_filename(spool, "1000", NULL);
	g_autofree gchar *content = g_strnfill(1024 * 1024 + 3, 'q');
	guint8 want[FUT_SHA256_LEN];
	FutSpoolEntry *e;
	int fd = source("a.bin", content);
	int rfd;
	gchar buf[16];

	g_assert_cmpint(mkdir(spool, 0700), ==, 0);
	fut_sha256(content, strlen(content), want);
	e = fut_spool_ingest(spool, 1000, fd, 1 << 30, 1 << 30, NULL, NULL, NULL, &error);
	close(fd);
	g_assert_no_error(error);
	g_assert_nonnull(e);
	g_assert_cmpuint(e->size, ==, strlen(content));
	g_assert_cmpmem(e->sha256, FUT_SHA256_LEN, want, FUT_SHA256_LEN);
	g_assert_null(e->path);
	/* Named .part, counted by the reservation only. */
	g_assert_cmpuint(count_suffix(udir, ".part"), ==, 1);
	g_assert_cmpuint(fut_spool_usage(spool, 1000), ==, 0);
	rfd = fut_spool_entry_open(e, &error);
	g_assert_no_error(error);
	g_assert_cmpint(pread(rfd, buf, sizeof buf, 0), ==, (ssize_t)sizeof buf);
	g_assert_cmpint(buf[0], ==, 'q');
	close(rfd);
	/* A Class III export ends: nothing is left. */
	fut_spool_entry_free(e);
	g_assert_cmpuint(count_suffix(udir, ".part"), ==, 0);
	g_assert_cmpuint(count_suffix(udir, ".data"), ==, 0);
}

static void
test_part_synced(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *spool = g_build_filename(tmp, "spool2", NULL);
	g_autofree gchar *udir = g_build_filename(spool, "1000", NULL);
	g_autoptr(FutSpoolEntry) e = NULL;
	g_autoptr(FutSpoolEntry) again = NULL;
	g_autofree gchar *id = NULL;
	int fd = source("b.txt", "a request's bytes\n");

	g_assert_cmpint(mkdir(spool, 0700), ==, 0);
	e = fut_spool_ingest(spool, 1000, fd, 1 << 30, 1 << 30, NULL, NULL, NULL, &error);
	close(fd);
	g_assert_no_error(error);
	/* A Class I/II request: named <id>.data, on the disk, counted once. */
	g_assert_true(fut_spool_entry_sync(e, &error));
	g_assert_no_error(error);
	g_assert_nonnull(e->path);
	g_assert_true(g_str_has_suffix(e->path, ".data"));
	g_assert_cmpuint(count_suffix(udir, ".part"), ==, 0);
	g_assert_cmpuint(count_suffix(udir, ".data"), ==, 1);
	g_assert_cmpuint(fut_spool_usage(spool, 1000), ==, strlen("a request's bytes\n"));
	id = g_strdup(e->id);
	g_clear_pointer(&e, fut_spool_entry_free);
	/* Kept after the entry is gone, and found again with the same digest. */
	g_assert_cmpuint(count_suffix(udir, ".data"), ==, 1);
	again = fut_spool_lookup(spool, 1000, id, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(again->size, ==, strlen("a request's bytes\n"));
}

static void
test_part_left_by_crash(void)
{
	g_autofree gchar *spool = g_build_filename(tmp, "spool3", NULL);
	g_autofree gchar *udir = g_build_filename(spool, "1000", NULL);
	g_autofree gchar *left =
	    g_build_filename(udir, "0123456789abcdef0123456789abcdef.part", NULL);

	/* An agent killed during a copy leaves its .part: the next start removes it. */
	g_assert_cmpint(g_mkdir_with_parents(udir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(left, "half", -1, NULL));
	fut_spool_remove_partial(spool);
	g_assert_false(g_file_test(left, G_FILE_TEST_EXISTS));
}

int
main(int argc, char **argv)
{
	scmp_filter_ctx ctx;
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp = g_dir_make_tmp("futari-notmpfile-XXXXXX", NULL);
	g_assert_nonnull(tmp);
	/* open/openat with O_TMPFILE set: EOPNOTSUPP, as NFS or vfat answer. */
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	g_assert_nonnull(ctx);
	g_assert_cmpint(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EOPNOTSUPP), SCMP_SYS(openat), 1,
	                                 SCMP_A2(SCMP_CMP_MASKED_EQ, O_TMPFILE, O_TMPFILE)),
	                ==, 0);
	g_assert_cmpint(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EOPNOTSUPP), SCMP_SYS(open), 1,
	                                 SCMP_A1(SCMP_CMP_MASKED_EQ, O_TMPFILE, O_TMPFILE)),
	                ==, 0);
	g_assert_cmpint(seccomp_load(ctx), ==, 0);
	seccomp_release(ctx);
	g_test_add_func("/agent/spool/notmpfile/filter", test_filter_works);
	g_test_add_func("/agent/spool/notmpfile/removed", test_part_removed);
	g_test_add_func("/agent/spool/notmpfile/synced", test_part_synced);
	g_test_add_func("/agent/spool/notmpfile/crash", test_part_left_by_crash);
	rc = g_test_run();
	{
		g_autofree gchar *cmd = g_strdup_printf("rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			rc = 1;
	}
	g_free(tmp);
	return rc;
}
