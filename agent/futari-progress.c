/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari export: one progress bar for the whole job (bytes, files, MB/s, time left), on
 * standard error when it is a terminal, silent otherwise. Redrawn at most ten times a
 * second; cleared before any other line is printed (fut_progress_clear). */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "futari-cli.h"

#define BAR_WIDTH 24

void
fut_progress_init(FutProgress *p, guint64 total_bytes, guint total_files)
{
	memset(p, 0, sizeof *p);
	p->total_bytes = total_bytes;
	p->total_files = total_files;
	p->start = g_get_monotonic_time();
	p->tty = isatty(STDERR_FILENO) && g_getenv("FUTARI_NO_PROGRESS") == NULL;
}

void
fut_progress_clear(FutProgress *p)
{
	if (!p->shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->shown = FALSE;
}

static gchar *
format_secs(gint64 s)
{
	if (s >= 3600)
		return g_strdup_printf("%d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60),
		                       (int)(s % 60));
	return g_strdup_printf("%d:%02d", (int)(s / 60), (int)(s % 60));
}

void
fut_progress_draw(FutProgress *p, gboolean force)
{
	gint64 now = g_get_monotonic_time();
	guint64 done = p->done_bytes + p->file_bytes;
	gdouble secs = (gdouble)(now - p->start) / G_USEC_PER_SEC;
	gdouble rate = secs > 0.2 ? (gdouble)done / secs : 0.0;
	guint frac = 0;
	gchar bar[BAR_WIDTH + 1];
	g_autofree gchar *sdone = g_format_size(done);
	g_autofree gchar *stotal = g_format_size(p->total_bytes);
	g_autofree gchar *srate = NULL;
	g_autofree gchar *sleft = NULL;

	if (!p->tty || (!force && now - p->last_draw < G_USEC_PER_SEC / 10))
		return;
	p->last_draw = now;
	if (done > p->total_bytes)
		done = p->total_bytes;
	if (p->total_bytes > 0)
		frac = (guint)(done * 1000 / p->total_bytes);
	else if (p->total_files > 0)
		frac = p->done_files * 1000 / p->total_files;
	for (guint i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < frac * BAR_WIDTH / 1000 ? '#' : '.';
	bar[BAR_WIDTH] = '\0';
	srate = g_format_size((guint64)rate);
	sleft = rate > 0 && p->total_bytes > done
	            ? format_secs((gint64)((gdouble)(p->total_bytes - done) / rate))
	            : g_strdup("-:--");
	/* The carriage return and the erase stay out of the msgid. */
	fputs("\r\033[K", stderr);
	fprintf(stderr, _("[%s] %3u%%  %s of %s  %u/%u files  %s/s  %s left"), bar, frac / 10,
	        sdone, stotal, p->done_files, p->total_files, srate, sleft);
	if (p->waiting)
		fputs(_("  (the agent's limit of files per minute: waiting)"), stderr);
	fflush(stderr);
	p->shown = TRUE;
}

/* The agent's {"progress":{"done":…,"total":…}} for the file being spooled. */
void
fut_progress_agent(JsonObject *msg, gpointer data)
{
	FutProgress *p = data;
	gint64 done = int_member(msg, "done");

	if (done < 0)
		return;
	p->file_bytes = (guint64)done;
	fut_progress_draw(p, FALSE);
}

void
fut_progress_file_done(FutProgress *p, guint64 size)
{
	p->file_bytes = 0;
	p->done_bytes += size;
	p->done_files++;
	fut_progress_draw(p, FALSE);
}
