/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Streaming text extraction from the XML parts of Office Open XML documents: the character
 * data, with entities decoded and a line break at the elements that separate cells,
 * paragraphs, rows and slides' text boxes, so "1234" and "5678" in two cells do not read
 * as "12345678", while a number split over two runs of one paragraph reads whole.
 * Markup, comments and processing instructions are dropped; CDATA is text; of attributes
 * only the values of descr and title (alternative text of pictures and shapes), string
 * (a watermark's v:textpath), sheet names and office:value are text.
 * Numbers stored in scientific notation (1.23456789018E+11 in a spreadsheet cell or an
 * OpenDocument office:value) are written out as the integer they denote, and an
 * OpenDocument cell with an office:value counts that value once (its displayed text is
 * dropped).
 * A byte-at-a-time state machine: the input may be split anywhere. It is not a validating
 * parser; it refuses what it cannot read unambiguously (an unknown or over-long entity,
 * markup cut off at the end). */

#define FUT_XML_TEXT_OUT 4096

typedef void (*FutXmlTextSink)(const guint8 *text, gsize len, gpointer user_data);

typedef struct {
	/* private */
	FutXmlTextSink sink;
	gpointer user_data;
	guint state;
	gchar quote;
	gchar name[32]; /* local name of the current tag, lower-case, truncated */
	guint name_len;
	gboolean name_done;
	gchar attr[16]; /* local name of the current attribute, lower-case, truncated */
	guint attr_len;
	gboolean attr_eq;   /* its '=' has been seen */
	gboolean attr_done; /* its name has ended (whitespace) */
	gboolean attr_text; /* inside the value of a text attribute (descr, title) */
	gchar ent[12];
	guint ent_len;
	guint ent_return; /* the state an entity returns to */
	guint pending;    /* ']' or '-' seen while looking for the end of CDATA or a comment */
	gchar head[8];    /* first bytes after '<', to tell "!--" and "![CDATA[" apart */
	guint head_len;
	gboolean closing; /* the tag is an end tag */
	guint8 last;      /* the last byte of the tag, to tell "/>" */
	guint capture;    /* a number being gathered (CAP_*) */
	gchar cap[40];
	guint cap_len;
	guint skip_cell; /* an OpenDocument cell whose value came from office:value:
	                    1 its start tag is being read, 2 inside it */
	/* one-digit-per-cell forms (a "12-box" My Number field): the text of a table cell
	 * is held until the cell ends; single-digit cells next to each other in a row are
	 * joined */
	gboolean in_cell;
	gboolean cell_spilled; /* too long to be one digit: written through */
	guint8 cell[16];
	guint cell_len;
	gboolean prev_digit_cell;
	gboolean cell_shared; /* an xlsx cell whose value is a shared-string index (t="s") */
	gboolean attr_t;      /* reading the value of that t attribute */
	gboolean cell_shared_seen;
	gchar *error; /* first problem found, or NULL */
	guint8 out[FUT_XML_TEXT_OUT];
	gsize out_len;
} FutXmlText;

/* Starts an extraction; text goes to @sink in pieces of at most FUT_XML_TEXT_OUT bytes. */
void fut_xml_text_init(FutXmlText *x, FutXmlTextSink sink, gpointer user_data);
void fut_xml_text_feed(FutXmlText *x, const guint8 *data, gsize len);
/* Flushes the rest; returns FALSE with a reason if the XML was not readable. Frees what
 * the extraction held: call it exactly once. */
gboolean fut_xml_text_finish(FutXmlText *x, GError **error);

G_END_DECLS
