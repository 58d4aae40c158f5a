/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A developer tool for the classifier (the `futari classify` command lives in the agent):
 *   classify-file [--config FILE] [--json] [--digest] [--filter IMPL] [--map] FILE...
 * Prints each file's class and evidence; exit status 0. Used by bench/classify.sh. Like the
 * agent's sandboxed workers it reads large text files with pread(); --map maps them instead
 * (a file truncated meanwhile then kills it with SIGBUS), to compare. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "classify.h"
#include "scan-filter.h"
#include "util.h"

int
main(int argc, char **argv)
{
	g_autofree gchar *config = NULL;
	gboolean json = FALSE;
	gboolean digest = FALSE;
	gboolean use_map = FALSE;
	gboolean one_thread = FALSE;
	g_autofree gchar *filter = NULL;
	const GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "configuration file", "FILE"},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &json, "print JSON", NULL},
	    {"digest", 0, 0, G_OPTION_ARG_NONE, &digest, "always hash the content", NULL},
	    {"map", 0, 0, G_OPTION_ARG_NONE, &use_map, "map text files, not pread", NULL},
	    {"one-thread", 0, 0, G_OPTION_ARG_NONE, &one_thread,
	     "scan a large text in one thread (otherwise one of 16 MiB or more is split in as "
	     "many parts as CPUs, one fewer with --digest, as the worker)",
	     NULL},
	    {"filter", 0, 0, G_OPTION_ARG_STRING, &filter,
	     "the scanner's vector filter: scalar, ssse3, avx2 (default: the best there is)",
	     "IMPL"},
	    {NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("FILE…");
	g_autoptr(GError) error = NULL;
	g_autoptr(GKeyFile) kf = NULL;
	g_autoptr(FutClassifier) cl = NULL;

	setlocale(LC_ALL, "");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc < 2) {
		g_printerr("usage: classify-file [--config FILE] [--json] [--digest] FILE…\n");
		return 2;
	}
	if (filter != NULL) {
		static const gchar *const names[] = {"scalar", "ssse3", "avx2"};
		guint i = 0;
		while (i < G_N_ELEMENTS(names) && g_strcmp0(filter, names[i]) != 0)
			i++;
		if (i == G_N_ELEMENTS(names) || !fut_scan_filter_set_impl((FutScanFilterImpl)i)) {
			g_printerr("--filter: not one of scalar, ssse3, avx2 this processor has\n");
			return 2;
		}
	}
	if (config != NULL) {
		kf = g_key_file_new();
		if (!g_key_file_load_from_file(kf, config, G_KEY_FILE_NONE, &error)) {
			g_autofree gchar *safe = fut_strescape(config, -1);
			g_printerr("%s: %s\n", safe, error->message);
			return 1;
		}
	}
	/* a one-shot process, not confined, answering no fanotify event: what a scan needs
	 * from files is loaded when it needs it */
	cl = fut_classifier_new_lazy(kf, NULL, &error);
	if (cl == NULL) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	fut_classifier_set_map_files(cl, use_map);
	/* as the worker: two threads where a third CPU is left for the hash thread, or where
	 * there is no hash (agent/futari-scan-worker.c) */
	{
		guint cpus = g_get_num_processors();

		fut_classifier_set_split_scan(cl, one_thread  ? 1
		                                  : !digest   ? cpus
		                                  : cpus >= 3 ? cpus - 1
		                                              : 1);
	}
	for (int i = 1; i < argc; i++) {
		g_autoptr(FutClassification) c = NULL;
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0) {
			g_autofree gchar *safe = fut_strescape(argv[i], -1);
			g_printerr("%s: %s\n", safe, g_strerror(errno));
			return 1;
		}
		c = fut_classifier_classify_fd(cl, fd, argv[i],
		                               digest ? FUT_CLASSIFY_FLAG_DIGEST : 0);
		close(fd);
		if (json) {
			g_autoptr(JsonNode) node = fut_classification_to_json(c, argv[i]);
			g_autofree gchar *s = json_to_string(node, FALSE);
			printf("%s\n", s);
		} else {
			g_autofree gchar *s = fut_classification_to_text(c, argv[i]);
			fputs(s, stdout);
		}
	}
	return 0;
}
