/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Witness files: checkpoints collected outside the log (journald, syslog, last month's
 * summary.json), one line each. */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "linereader.h"
#include "logverify.h"
#include "util.h"

#define WITNESS_FILE_MAX  (256 * 1024 * 1024)
#define WITNESS_LINE_MAX  4096 /* a witness line is about 500 bytes */
/* Lines of one indexed witness file: 16 bytes each in memory, 256 MiB at most (30,000 hosts
 * × 13 months at 22 checkpoints a month is 8.6 million). */
#define WITNESS_LINES_MAX (16u * 1024 * 1024)

GHashTable *
fut_log_witness_index_new(GPtrArray *witnesses)
{
	GHashTable *index =
	    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);

	for (guint i = 0; witnesses != NULL && i < witnesses->len; i++) {
		FutLogCheckpoint *w = g_ptr_array_index(witnesses, i);
		GPtrArray *list = g_hash_table_lookup(index, w->host);
		if (list == NULL) {
			list = g_ptr_array_new();
			g_hash_table_insert(index, w->host, list);
		}
		g_ptr_array_add(list, w);
	}
	return index;
}

GPtrArray *
fut_log_witness_file_load(const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	g_autofree gchar *safe = fut_strescape(path, -1);
	g_autoptr(GPtrArray) out =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fut_log_checkpoint_free);
	gsize len = 0;
	gsize pos = 0;
	guint line_no = 0;

	if (!fut_file_read_bounded(path, WITNESS_FILE_MAX, &data, &len, error))
		return NULL;
	while (pos < len) {
		const gchar *nl = memchr(data + pos, '\n', len - pos);
		gsize n = nl != NULL ? (gsize)(nl - (data + pos)) : len - pos;
		const gchar *line = data + pos;
		line_no++;
		pos += n + 1;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		{
			g_autoptr(GError) e = NULL;
			FutLogCheckpoint *cp = fut_log_checkpoint_from_witness(line, n, &e);
			if (cp == NULL) {
				g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, "%s:%u: %s",
				            safe, line_no, e->message);
				return NULL;
			}
			g_ptr_array_add(out, cp);
		}
	}
	return g_steal_pointer(&out);
}

/* --- witness files of a whole fleet, indexed ------------------------------------------- */

/* Where a witness line is in its file. */
typedef struct {
	guint64 offset;
	guint32 len;
	guint32 line_no;
} WitnessAt;

struct _FutLogWitnessFile {
	FutLineReader *reader; /* kept open: the lines are read again by pread */
	gchar *safe;           /* the path, escaped */
	GHashTable *hosts;     /* host -> GArray of WitnessAt */
	guint64 count;
};

void
fut_log_witness_file_free(FutLogWitnessFile *wf)
{
	if (wf == NULL)
		return;
	g_clear_pointer(&wf->reader, fut_line_reader_free);
	g_clear_pointer(&wf->hosts, g_hash_table_unref);
	g_free(wf->safe);
	g_free(wf);
}

/* Lines read in order by the opening thread and parsed in parallel, a batch per thread: the
 * strict parse of a witness line (~22,000 instructions) was most of `--witness` at fleet
 * size when done by one thread before any host was read. */
#define WITNESS_BATCH 4096

typedef struct {
	GString *text;    /* the lines, each followed by a NUL */
	GArray *where;    /* of WitnessAt, one per line */
	GArray *text_at;  /* of gsize: where each line starts in @text */
	GPtrArray *hosts; /* of gchar*: each line's host, filled by batch_parse() */
	guint bad_line;   /* the first line refused (0: none) and why */
	gchar *bad_why;
} Batch;

static void
batch_clear(Batch *b)
{
	g_string_truncate(b->text, 0);
	g_array_set_size(b->where, 0);
	g_array_set_size(b->text_at, 0);
	g_ptr_array_set_size(b->hosts, 0);
	b->bad_line = 0;
	g_clear_pointer(&b->bad_why, g_free);
}

static void
batch_free(Batch *b)
{
	batch_clear(b);
	g_string_free(b->text, TRUE);
	g_array_unref(b->where);
	g_array_unref(b->text_at);
	g_ptr_array_unref(b->hosts);
}

static gpointer
batch_parse(gpointer data)
{
	Batch *b = data;

	for (guint i = 0; i < b->where->len; i++) {
		const WitnessAt *at = &g_array_index(b->where, WitnessAt, i);
		g_autoptr(GError) e = NULL;
		FutLogCheckpoint *cp = fut_log_checkpoint_from_witness(
		    b->text->str + g_array_index(b->text_at, gsize, i), at->len, &e);
		if (cp == NULL) {
			b->bad_line = at->line_no;
			b->bad_why = g_strdup(e->message);
			return NULL;
		}
		g_ptr_array_add(b->hosts, g_steal_pointer(&cp->host));
		fut_log_checkpoint_free(cp);
	}
	return NULL;
}

FutLogWitnessFile *
fut_log_witness_file_open(const gchar *path, GError **error)
{
	g_autoptr(FutLogWitnessFile) wf = g_new0(FutLogWitnessFile, 1);
	g_autoptr(GError) local = NULL;
	g_autoptr(GError) stop = NULL; /* what ended the reading before the end */
	guint n_batches = CLAMP(g_get_num_processors(), 1, 8);
	g_autofree Batch *batches = g_new0(Batch, n_batches);
	guint line_no = 0;
	guint64 lines = 0;
	gboolean more = TRUE;
	FutLine l;

	wf->safe = fut_strescape(path, -1);
	wf->hosts =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
	/* O_NONBLOCK|O_NOFOLLOW, fstat, read() with bounded lines: never a FIFO waited on, never
	 * a SIGBUS; the file is not held in memory, only where each host's lines are */
	wf->reader = fut_line_reader_open(-1, path, WITNESS_LINE_MAX, error);
	if (wf->reader == NULL)
		return NULL;
	for (guint k = 0; k < n_batches; k++) {
		batches[k].text = g_string_new(NULL);
		batches[k].where = g_array_new(FALSE, FALSE, sizeof(WitnessAt));
		batches[k].text_at = g_array_new(FALSE, FALSE, sizeof(gsize));
		batches[k].hosts = g_ptr_array_new_with_free_func(g_free);
	}
	while (more) {
		guint filled = 0;
		GThread *threads[8] = {NULL};

		/* fill the batches in file order */
		for (guint k = 0; k < n_batches && more; k++) {
			Batch *b = &batches[k];
			batch_clear(b);
			filled = k + 1;
			while (b->where->len < WITNESS_BATCH) {
				gsize n;
				WitnessAt at;
				gsize text_at;
				if (!fut_line_reader_next(wf->reader, &l, &local)) {
					more = FALSE;
					break;
				}
				line_no++;
				if (lines >= WITNESS_LINES_MAX || l.cut) {
					if (l.cut)
						g_set_error(&stop, FUT_ERROR,
						            FUT_ERROR_INVALID_DATA,
						            "%s:%u: a line longer than any witness",
						            wf->safe, line_no);
					else
						g_set_error(&stop, FUT_ERROR, FUT_ERROR_TOO_LARGE,
						            "%s:%u: more than %u witness lines",
						            wf->safe, line_no, WITNESS_LINES_MAX);
					more = FALSE;
					break;
				}
				n = l.len;
				if (n > 0 && l.data[n - 1] == '\r')
					n--;
				if (n == 0 || l.data[0] == '#')
					continue;
				at.offset = l.offset;
				at.len = (guint32)n;
				at.line_no = line_no;
				text_at = b->text->len;
				g_string_append_len(b->text, l.data, (gssize)n);
				g_string_append_c(b->text, '\0');
				g_array_append_val(b->where, at);
				g_array_append_val(b->text_at, text_at);
				lines++;
			}
		}
		/* parse them in parallel, this thread taking the first */
		for (guint k = 1; k < filled; k++)
			threads[k] = g_thread_new("futari-witness", batch_parse, &batches[k]);
		if (filled > 0)
			batch_parse(&batches[0]);
		for (guint k = 1; k < filled; k++)
			g_thread_join(threads[k]);
		/* index them in file order; the first line refused is the one named */
		for (guint k = 0; k < filled; k++) {
			Batch *b = &batches[k];
			if (b->bad_line > 0) {
				g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, "%s:%u: %s",
				            wf->safe, b->bad_line, b->bad_why);
				goto fail;
			}
			for (guint i = 0; i < b->where->len; i++) {
				const gchar *host = g_ptr_array_index(b->hosts, i);
				GArray *list = g_hash_table_lookup(wf->hosts, host);
				if (list == NULL) {
					list = g_array_new(FALSE, FALSE, sizeof(WitnessAt));
					g_hash_table_insert(wf->hosts, g_strdup(host), list);
				}
				g_array_append_val(list, g_array_index(b->where, WitnessAt, i));
				wf->count++;
			}
		}
	}
	if (stop != NULL) {
		g_propagate_error(error, g_steal_pointer(&stop));
		goto fail;
	}
	if (local != NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO, "%s: %s", wf->safe, local->message);
		goto fail;
	}
	for (guint k = 0; k < n_batches; k++)
		batch_free(&batches[k]);
	return g_steal_pointer(&wf);
fail:
	for (guint k = 0; k < n_batches; k++)
		batch_free(&batches[k]);
	return NULL;
}

guint64
fut_log_witness_file_count(const FutLogWitnessFile *wf)
{
	return wf->count;
}

gboolean
fut_log_witness_file_get(FutLogWitnessFile *wf, const gchar *host, GPtrArray *out, GError **error)
{
	GArray *list = g_hash_table_lookup(wf->hosts, host);

	for (guint i = 0; list != NULL && i < list->len; i++) {
		const WitnessAt *at = &g_array_index(list, WitnessAt, i);
		g_autoptr(GError) e = NULL;
		g_autofree gchar *line = fut_line_reader_pread(wf->reader, at->offset, at->len, &e);
		FutLogCheckpoint *cp =
		    line != NULL ? fut_log_checkpoint_from_witness(line, at->len, &e) : NULL;
		/* the file changed since it was indexed: never a smaller check */
		if (cp == NULL || strcmp(cp->host, host) != 0) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            "%s:%u: the witness line changed while it was read%s%s",
			            wf->safe, at->line_no, e != NULL ? ": " : "",
			            e != NULL ? e->message : "");
			fut_log_checkpoint_free(cp);
			return FALSE;
		}
		g_ptr_array_add(out, cp);
	}
	return TRUE;
}
