/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the log verifier's reader (common/logverify.c) over a whole log
 * directory. The input is up to three parts separated by a line holding only a form feed
 * ("\n\f\n"): the month file egress-2026-10.jsonl, the month file egress-2026-11.jsonl and
 * a witness file. Whatever the files hold, the verifier answers with findings, never a
 * crash, and a log with no finding has at least one record. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "logverify.h"

static gchar *dir;
static gchar *files[3];

static void
remove_dir(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(files); i++)
		g_unlink(files[i]);
	g_rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dir = g_dir_make_tmp("futari-fuzz-logverify-XXXXXX", NULL);
	if (dir == NULL)
		abort();
	files[0] = g_build_filename(dir, "egress-2026-10.jsonl", NULL);
	files[1] = g_build_filename(dir, "egress-2026-11.jsonl", NULL);
	/* not a month file name: the verifier does not read it as a month */
	files[2] = g_build_filename(dir, "witnesses.txt", NULL);
	atexit(remove_dir);
	return 0;
}

/* Plain write: g_file_set_contents() would fsync and the target would crawl. */
static void
write_file(const gchar *path, const gchar *data, gsize len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || (len > 0 && write(fd, data, len) != (ssize_t)len))
		abort();
	close(fd);
}

static void
count_record(
    const FutLogRecord *rec, const gchar *month, const gchar *line, gsize len, gpointer data)
{
	(void)month;
	if (rec == NULL || line == NULL || len == 0)
		abort();
	(*(guint64 *)data)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const gchar *p = (const gchar *)data, *end = p + size;
	gboolean present[3] = {FALSE, FALSE, FALSE};
	g_autoptr(FutLogHostResult) res = NULL;
	g_autoptr(GPtrArray) witnesses = NULL;
	FutLogVerifyOptions opts = {0};
	guint64 seen = 0;

	/* split into at most three parts; with no separator everything is the newest month */
	for (guint i = 0; i < 3 && p <= end; i++) {
		const gchar *sep = g_strstr_len(p, end - p, "\n\f\n");
		const gchar *stop = sep != NULL && i < 2 ? sep + 1 : end;
		guint which = sep == NULL && i == 0 ? 1 : i;

		write_file(files[which], p, (gsize)(stop - p));
		present[which] = TRUE;
		if (stop == end)
			break;
		p = sep + 3;
	}
	if (present[2])
		witnesses = fut_log_witness_file_load(files[2], NULL);
	opts.witnesses = witnesses;
	opts.record_func = count_record;
	opts.record_data = &seen;
	res = fut_log_verify_dir(dir, &opts, NULL);
	if (res == NULL)
		abort();
	if (res->findings->len == 0 && res->records == 0)
		abort();
	if (seen > res->records + 1000000)
		abort();
	/* futari-audit's way: the witness file indexed by host, its lines read again; it
	 * accepts exactly the files the loader accepts, and finds the same */
	if (present[2]) {
		g_autoptr(FutLogWitnessFile) wf = fut_log_witness_file_open(files[2], NULL);
		g_autoptr(GPtrArray) set = g_ptr_array_new();
		g_autoptr(FutLogHostResult) res2 = NULL;
		FutLogVerifyOptions opts2 = {0};
		if ((wf != NULL) != (witnesses != NULL))
			abort();
		if (wf != NULL) {
			g_ptr_array_add(set, wf);
			opts2.witness_files = set;
			res2 = fut_log_verify_dir(dir, &opts2, NULL);
			g_ptr_array_set_size(set, 0);
			opts2 = (FutLogVerifyOptions){.witnesses = witnesses};
			g_clear_pointer(&res, fut_log_host_result_free);
			res = fut_log_verify_dir(dir, &opts2, NULL);
			if (res == NULL || res2 == NULL ||
			    res->findings->len != res2->findings->len ||
			    res->witnesses_checked != res2->witnesses_checked)
				abort();
		}
	}
	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		if (present[i])
			g_unlink(files[i]);
	}
	return 0;
}
