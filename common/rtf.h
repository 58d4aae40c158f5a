/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Streaming text extraction from RTF (rtf.c): the input may be split anywhere. Bytes from
 * \'hh escapes come out as they are (in the document's code page); \uN as UTF-8. */

typedef void (*FutRtfSink)(const guint8 *text, gsize len, gpointer user_data);

typedef struct {
	/* private */
	FutRtfSink sink;
	gpointer user_data;
	guint state;
	gchar word[32];
	guint word_len;
	glong param;
	gboolean has_param;
	gboolean neg;
	gint hex;
	guint depth;
	guint skip_depth; /* inside a group that holds no text, opened at this depth */
	gboolean group_start;
	guint uc;       /* fallback characters after \uN */
	guint fallback; /* of them still to drop */
	guint64 bin_left;
} FutRtfText;

void fut_rtf_text_init(FutRtfText *r, FutRtfSink sink, gpointer user_data);
void fut_rtf_text_feed(FutRtfText *r, const guint8 *data, gsize len);

G_END_DECLS
