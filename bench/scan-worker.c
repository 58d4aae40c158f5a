/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the classifier sandbox costs (issue 17): the content scan of each FILE in this process
 * (fut_content_scan_fd, the baseline) and through a futari-scan-worker pool of one worker
 * (what futarid does), side by side, ROUNDS times each, alternating; prints the median of
 * each and the ratio. Root only (the spawner changes user):
 *   scan-worker --program BUILDDIR/agent/futari-scan-worker [--user nobody] [--rounds 15] FILE…
 * Used by bench/scan-worker.sh. */
#include "config.h"

#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "content.h"
#include "scanpool.h"
#include "scanspawn.h"

static int
cmp(const void *a, const void *b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

static gint64
median(gint64 *v, guint n)
{
	qsort(v, n, sizeof(*v), cmp);
	return v[n / 2];
}

int
main(int argc, char **argv)
{
	g_autofree gchar *program = NULL;
	g_autofree gchar *user = g_strdup("nobody");
	gint rounds = 15;
	const GOptionEntry entries[] = {
	    {"program", 0, 0, G_OPTION_ARG_FILENAME, &program, "futari-scan-worker", "PATH"},
	    {"user", 0, 0, G_OPTION_ARG_STRING, &user, "worker user (default nobody)", "USER"},
	    {"rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "rounds per file (default 15)", "N"},
	    {NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("FILE…");
	g_autoptr(GError) error = NULL;
	g_autoptr(FutContentConfig) cfg = NULL;
	FutScanSpawnConfig scfg = {0};
	FutScanSpawner *spawner;
	FutScanPool *pool;

	setlocale(LC_ALL, "");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc < 2 || program == NULL ||
	    rounds < 1 || rounds > 1000) {
		g_printerr("usage: scan-worker --program PATH [--user U] [--rounds N] FILE…\n");
		return 2;
	}
	if (!fut_scan_lookup_user(user, &scfg.uid, &scfg.gid, &error)) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	scfg.program = program;
	scfg.memory = G_GUINT64_CONSTANT(1) << 30;
	scfg.cpu = 60;
	spawner = fut_scan_spawner_new(&scfg, &error);
	cfg = fut_content_config_new(NULL, &error);
	pool = spawner != NULL && cfg != NULL
	           ? fut_scan_pool_new(spawner, 1, 600 * 1000, NULL, &error)
	           : NULL;
	if (pool == NULL) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	printf("%-40s %12s %12s %8s\n", "file", "in-process", "worker", "ratio");
	for (int i = 1; i < argc; i++) {
		g_autofree gint64 *a = g_new0(gint64, rounds);
		g_autofree gint64 *b = g_new0(gint64, rounds);
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		gint64 ma, mb;

		if (fd < 0) {
			perror(argv[i]);
			return 1;
		}
		for (int r = 0; r < rounds; r++) {
			gint64 t0 = g_get_monotonic_time();
			FutContentResult *x = fut_content_scan_fd(cfg, fd);
			gint64 t1 = g_get_monotonic_time();
			FutContentResult *y =
			    fut_scan_pool_finish(pool, fut_scan_pool_begin(pool, fd));
			gint64 t2 = g_get_monotonic_time();
			if (x->klass != y->klass) {
				g_printerr("%s: in process Class %s, worker Class %s\n", argv[i],
				           fut_class_name(x->klass), fut_class_name(y->klass));
				return 1;
			}
			fut_content_result_free(x);
			fut_content_result_free(y);
			a[r] = t1 - t0;
			b[r] = t2 - t1;
		}
		close(fd);
		ma = median(a, (guint)rounds);
		mb = median(b, (guint)rounds);
		printf("%-40s %9.3f ms %9.3f ms %8.2f\n", argv[i], ma / 1000.0, mb / 1000.0,
		       ma > 0 ? (double)mb / (double)ma : 0.0);
	}
	fut_scan_pool_free(pool);
	return 0;
}
