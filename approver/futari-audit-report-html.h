/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "futari-audit-report.h"
#include "logrecord.h"

G_BEGIN_DECLS

/* The building blocks of report.html (futari-audit-report-html-cells.c), internal to its
 * writer (futari-audit-report-html.c). Every string written is HTML-escaped. */

/* The report's text for @key in its language. */
const gchar *html_t(const Report *r, const gchar *key);
/* Appends @v escaped for HTML text and attributes; NULL as a dash. */
void html_esc(GString *s, const gchar *v);
/* "2026-11-26 09:00" (UTC) */
gchar *html_fmt_time(gint64 us);
/* IEC units; a negative size as a dash */
gchar *html_fmt_size(gint64 n);
void html_td(GString *s, const gchar *cls, const gchar *v);
/* A request id: its first 8 digits, whole in the title attribute. */
void html_td_request(GString *s, const gchar *id);
void html_td_num(GString *s, guint64 n);
/* A table head row of the texts of @keys (NULL-terminated). */
void html_th_row(GString *s, const Report *r, const gchar *const *keys);
gchar *html_device_text(const FutLogDestination *d);
gchar *html_user_text(const FutLogSubject *s);
/* A bar chart of @series (1 or 3 stacked) over the days of the month. */
void html_chart(GString *s,
                const Report *r,
                const gchar *title,
                const guint (*series)[31],
                guint nseries,
                const gchar *const *colors,
                const gchar *const *names);
gchar *html_more_text(const Report *r, guint n);
/* A note of the rows left out when @total > @shown. */
void html_more_rows(GString *s, const Report *r, guint shown, guint total);
void html_none(GString *s, const Report *r);
/* The sorted hosts of @set, at most three of them named. */
gchar *html_hosts_text(GHashTable *set);

G_END_DECLS
