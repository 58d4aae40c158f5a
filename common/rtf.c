/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "rtf.h"

/* RTF text: a streaming reader of the text of an RTF document. Plain characters are text;
 * \'hh is a byte in the document's code page (Japanese Word writes Shift_JIS, \ansicpg932),
 * passed on as it is (the scanner reads Shift_JIS); \uN is a Unicode character, written
 * in UTF-8, and the \ucN fallback characters after it are dropped; \par, \line, \cell,
 * \row and \tab separate text; groups that hold no text (font and colour tables, style
 * sheets, pictures, binary data, \* destinations) are skipped. */

enum {
	RS_TEXT,
	RS_BACKSLASH, /* after '\' */
	RS_WORD,      /* a control word's letters */
	RS_PARAM,     /* its numeric parameter */
	RS_HEX1,      /* \' and one hex digit to come */
	RS_HEX2,
	RS_BIN, /* \binN: N raw bytes to skip */
};

static const gchar *const skip_groups[] = {
    "fonttbl",   "colortbl",     "stylesheet",         "pict",    "themedata",
    "datastore", "listtable",    "listoverridetable",  "rsidtbl", "generator",
    "xmlnstbl",  "latentstyles", "colorschememapping", "objdata", "fldinst",
    NULL,
};

void
fut_rtf_text_init(FutRtfText *r, FutRtfSink sink, gpointer user_data)
{
	memset(r, 0, sizeof(*r));
	r->sink = sink;
	r->user_data = user_data;
	r->uc = 1;
}

static void
out(FutRtfText *r, const guint8 *b, gsize n)
{
	if (r->skip_depth == 0 && r->fallback == 0)
		r->sink(b, n, r->user_data);
}

static void
out_char(FutRtfText *r, guint8 c)
{
	if (r->fallback > 0) {
		r->fallback--;
		return;
	}
	out(r, &c, 1);
}

static void
end_word(FutRtfText *r)
{
	const gchar *w = r->word;
	glong p = r->has_param ? r->param : 0;

	r->word[MIN(r->word_len, sizeof(r->word) - 1)] = '\0';
	if (r->group_start && r->skip_depth == 0) {
		for (guint i = 0; skip_groups[i] != NULL; i++) {
			if (strcmp(w, skip_groups[i]) == 0) {
				r->skip_depth = r->depth;
				break;
			}
		}
	}
	r->group_start = FALSE;
	if (strcmp(w, "par") == 0 || strcmp(w, "line") == 0 || strcmp(w, "cell") == 0 ||
	    strcmp(w, "row") == 0 || strcmp(w, "tab") == 0 || strcmp(w, "sect") == 0 ||
	    strcmp(w, "page") == 0) {
		out(r, (const guint8 *)"\n", 1);
	} else if (strcmp(w, "u") == 0 && r->has_param) {
		gchar buf[6];
		gunichar u = (gunichar)(p < 0 ? p + 65536 : p);
		gint n = g_unichar_validate(u) ? g_unichar_to_utf8(u, buf) : 0;
		if (r->skip_depth == 0)
			r->sink((const guint8 *)buf, (gsize)n, r->user_data);
		r->fallback = r->uc;
	} else if (strcmp(w, "uc") == 0 && r->has_param && p >= 0 && p < 16) {
		r->uc = (guint)p;
	} else if (strcmp(w, "bin") == 0 && r->has_param && p > 0) {
		r->bin_left = (guint64)p;
		r->state = RS_BIN;
		return;
	}
	r->state = RS_TEXT;
}

static gint
hexval(guint8 c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
fut_rtf_text_feed(FutRtfText *r, const guint8 *data, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		guint8 c = data[i];

		switch (r->state) {
		case RS_BIN:
			if (--r->bin_left == 0)
				r->state = RS_TEXT;
			continue;
		case RS_HEX1:
			r->hex = hexval(c);
			r->state = r->hex < 0 ? RS_TEXT : RS_HEX2;
			continue;
		case RS_HEX2: {
			gint lo = hexval(c);
			r->state = RS_TEXT;
			if (lo >= 0)
				out_char(r, (guint8)(r->hex << 4 | lo));
			continue;
		}
		case RS_BACKSLASH:
			if (g_ascii_isalpha(c)) {
				r->state = RS_WORD;
				r->word_len = 0;
				r->has_param = FALSE;
				r->param = 0;
				r->neg = FALSE;
				r->word[r->word_len++] = (gchar)c;
			} else if (c == '\'') {
				r->state = RS_HEX1;
			} else if (c == '*') {
				/* an optional destination: skipped when the reader knows it not */
				if (r->skip_depth == 0)
					r->skip_depth = r->depth;
				r->state = RS_TEXT;
			} else {
				/* \\ \{ \} are the characters; \~ \- \_ and the rest */
				r->state = RS_TEXT;
				if (c == '\\' || c == '{' || c == '}')
					out_char(r, c);
				else if (c == '~')
					out_char(r, ' ');
				else if (c == '\n' || c == '\r')
					out(r, (const guint8 *)"\n", 1);
			}
			continue;
		case RS_WORD:
			if (g_ascii_isalpha(c)) {
				if (r->word_len < sizeof(r->word) - 1)
					r->word[r->word_len++] = (gchar)c;
				continue;
			}
			if (c == '-' || g_ascii_isdigit(c)) {
				r->state = RS_PARAM;
				r->neg = c == '-';
				r->param = c == '-' ? 0 : c - '0';
				r->has_param = c != '-';
				continue;
			}
			end_word(r);
			if (c == ' ')
				continue; /* the delimiter */
			break;
		case RS_PARAM:
			if (g_ascii_isdigit(c)) {
				if (r->param < 100000000)
					r->param = r->param * 10 + (c - '0');
				r->has_param = TRUE;
				continue;
			}
			if (r->neg)
				r->param = -r->param;
			end_word(r);
			if (c == ' ')
				continue;
			break;
		default:
			break;
		}
		/* RS_TEXT, or the byte that ended a control word */
		if (r->state == RS_BIN) {
			if (--r->bin_left == 0)
				r->state = RS_TEXT;
			continue;
		}
		if (c == '\\') {
			r->state = RS_BACKSLASH;
		} else if (c == '{') {
			r->depth++;
			r->group_start = TRUE;
		} else if (c == '}') {
			if (r->skip_depth != 0 && r->depth <= r->skip_depth)
				r->skip_depth = 0;
			if (r->depth > 0)
				r->depth--;
			r->group_start = FALSE;
		} else if (c != '\r' && c != '\n') {
			r->group_start = FALSE;
			out_char(r, c);
		}
	}
}
