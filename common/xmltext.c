/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "xmltext.h"

enum {
	ST_TEXT,
	ST_HEAD,    /* just after '<' */
	ST_TAG,     /* inside a start or end tag */
	ST_COMMENT, /* <!-- ... --> */
	ST_CDATA,   /* <![CDATA[ ... ]]> */
	ST_DECL,    /* <? ... ?> or <!DOCTYPE ... > */
	ST_ENTITY,  /* after '&' in text or in a text attribute */
};

/* Elements whose boundaries separate pieces of text (local names: w:p, a:p, w:tc, c, v,
 * si, row, ...). Run-level elements (r, t, rPr) are deliberately absent. */
#define B(s)                                                                                       \
	{                                                                                          \
		s, sizeof(s) - 1                                                                   \
	}
static const struct {
	const gchar *name;
	guint len;
} block_names[] = {
    B("p"),
    B("br"),
    B("tab"),
    B("cr"),
    B("tc"),
    B("tr"),
    B("tbl"),
    B("c"),
    B("v"),
    B("si"),
    B("row"),
    B("is"),
    B("f"),
    B("txbody"),
    B("sp"),
    B("comment"),
    B("text"),
    B("h"),
    B("footnote"),
    B("endnote"),
    B("hdr"),
    B("ftr"),
    B("ptab"),
    /* OpenDocument */
    B("table-cell"),
    B("covered-table-cell"),
    B("table-row"),
    B("line-break"),
    B("frame"),
    B("annotation"),
    B("list-item"),
    /* sheet names, watermarks */
    B("sheet"),
    B("table"),
    B("textpath"),
};
#undef B

enum {
	CAP_NONE,
	CAP_TEXT, /* the character data of a spreadsheet value, <v> */
	CAP_ATTR, /* an OpenDocument office:value */
};

static void
fail(FutXmlText *x, const gchar *why)
{
	if (x->error == NULL)
		x->error = g_strdup(why);
}

static void
flush(FutXmlText *x)
{
	if (x->out_len > 0) {
		x->sink(x->out, x->out_len, x->user_data);
		x->out_len = 0;
	}
}

static inline void
put(FutXmlText *x, guint8 c)
{
	if (x->out_len == sizeof(x->out))
		flush(x);
	x->out[x->out_len++] = c;
}

static void
spill_cell(FutXmlText *x)
{
	if (x->prev_digit_cell)
		put(x, '\n');
	x->prev_digit_cell = FALSE;
	for (guint i = 0; i < x->cell_len; i++)
		put(x, x->cell[i]);
	x->cell_len = 0;
	x->cell_spilled = TRUE;
}

static inline void
emit(FutXmlText *x, guint8 c)
{
	if (x->skip_cell == 2 && !x->attr_text)
		return;
	if (x->in_cell && !x->cell_spilled) {
		if (x->cell_len < sizeof(x->cell)) {
			x->cell[x->cell_len++] = c;
			return;
		}
		spill_cell(x);
	}
	if (x->prev_digit_cell && !x->in_cell) {
		/* between two cells of a row: separators wait, text ends the digits */
		if (c == '\n' || c == ' ' || c == '\t' || c == '\r')
			return;
		put(x, '\n');
		x->prev_digit_cell = FALSE;
	}
	if (x->out_len == sizeof(x->out))
		flush(x);
	x->out[x->out_len++] = c;
}

static void
emit_unichar(FutXmlText *x, gunichar u)
{
	gchar buf[6];
	gint n = g_unichar_to_utf8(u, buf);

	for (gint i = 0; i < n; i++)
		emit(x, (guint8)buf[i]);
}

void
fut_xml_text_init(FutXmlText *x, FutXmlTextSink sink, gpointer user_data)
{
	memset(x, 0, sizeof(*x));
	x->sink = sink;
	x->user_data = user_data;
	x->state = ST_TEXT;
}

/* Writes @s (@n bytes) in full when it is a number in scientific notation that denotes an
 * integer ("1.23456789018E+11" -> "123456789018", how Apache POI and others store a
 * 12-digit number in a spreadsheet cell), or a decimal with a zero fraction ("12.0");
 * returns FALSE for anything else. */
static gboolean
expand_number(FutXmlText *x, const gchar *s, gsize n)
{
	gchar digits[32];
	guint nd = 0;
	guint frac = 0;
	gboolean dot = FALSE;
	gboolean any_exp = FALSE;
	gint64 e = 0;
	gsize i = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < n && (g_ascii_isdigit(s[i]) || (s[i] == '.' && !dot)); i++) {
		if (s[i] == '.') {
			dot = TRUE;
			continue;
		}
		if (nd == sizeof(digits))
			return FALSE;
		digits[nd++] = s[i];
		if (dot)
			frac++;
	}
	if (nd == 0)
		return FALSE;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		gboolean neg = FALSE;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			neg = s[i++] == '-';
		for (; i < n && g_ascii_isdigit(s[i]) && e < 1000; i++, any_exp = TRUE)
			e = e * 10 + (s[i] - '0');
		if (!any_exp)
			return FALSE;
		if (neg)
			e = -e;
	}
	if (i != n || (!any_exp && !dot))
		return FALSE;
	/* drop trailing fraction zeros: 1.2345678901800E11 */
	while (frac > 0 && digits[nd - 1] == '0' && (gint64)frac > e) {
		nd--;
		frac--;
	}
	if ((gint64)frac > e || e - (gint64)frac > 20)
		return FALSE;
	if (s[0] == '-')
		emit(x, '-');
	for (guint k = 0; k < nd; k++)
		emit(x, (guint8)digits[k]);
	for (gint64 k = 0; k < e - (gint64)frac; k++)
		emit(x, '0');
	return TRUE;
}

static void
end_capture(FutXmlText *x)
{
	if (!expand_number(x, x->cap, x->cap_len)) {
		for (guint i = 0; i < x->cap_len; i++)
			emit(x, (guint8)x->cap[i]);
	}
	x->capture = CAP_NONE;
	x->cap_len = 0;
}

static inline gboolean
name_is(const FutXmlText *x, const gchar *name)
{
	gsize n = strlen(name);

	return x->name_len == n && memcmp(x->name, name, n) == 0;
}

static inline gboolean
attr_is(const FutXmlText *x, const gchar *name)
{
	gsize n = strlen(name);

	return x->attr_len == n && memcmp(x->attr, name, n) == 0;
}

/* The digit a held cell holds when it is one digit and blanks; -1 otherwise. */
static gint
cell_digit(const FutXmlText *x)
{
	gint digit = -1;

	for (guint i = 0; i < x->cell_len; i++) {
		guint8 c = x->cell[i];
		if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
			continue;
		if (digit >= 0)
			return -1;
		if (g_ascii_isdigit(c)) {
			digit = c - '0';
		} else if (c == 0xef && i + 2 < x->cell_len && x->cell[i + 1] == 0xbc &&
		           x->cell[i + 2] >= 0x90 && x->cell[i + 2] <= 0x99) {
			digit = x->cell[i + 2] - 0x90; /* full-width */
			i += 2;
		} else {
			return -1;
		}
	}
	return digit;
}

static inline gboolean
is_cell(const FutXmlText *x)
{
	return name_is(x, "c") || name_is(x, "tc") || name_is(x, "table-cell");
}

static inline gboolean
is_row(const FutXmlText *x)
{
	return name_is(x, "row") || name_is(x, "tr") || name_is(x, "table-row");
}

static void
end_cell(FutXmlText *x)
{
	gint d;

	if (!x->in_cell)
		return;
	x->in_cell = FALSE;
	if (x->cell_spilled) {
		x->cell_spilled = FALSE;
		return;
	}
	d = x->cell_shared ? -1 : cell_digit(x);
	if (d >= 0) {
		/* joined to the single digit before it in this row: 1|2|3 reads 123 */
		if (!x->prev_digit_cell)
			put(x, '\n');
		put(x, (guint8)('0' + d));
		x->prev_digit_cell = TRUE;
		x->cell_len = 0;
		return;
	}
	spill_cell(x);
	x->cell_spilled = FALSE;
}

static void
end_tag(FutXmlText *x)
{
	gboolean empty = x->last == '/';

	x->name[MIN(x->name_len, sizeof(x->name) - 1)] = '\0';
	if (is_cell(x)) {
		if (x->closing) {
			end_cell(x);
			x->cell_shared = FALSE;
		} else if (!empty) {
			/* a cell inside a cell (a table in a table): the outer one is written
			 * out as it is */
			if (x->in_cell)
				spill_cell(x);
			x->in_cell = TRUE;
			x->cell_spilled = FALSE;
			x->cell_len = 0;
		}
	} else if (is_row(x)) {
		if (x->in_cell)
			end_cell(x);
		if (x->prev_digit_cell)
			put(x, '\n');
		x->prev_digit_cell = FALSE;
	}
	if (name_is(x, "table-cell") || name_is(x, "covered-table-cell")) {
		if (x->closing || empty || x->skip_cell != 1)
			x->skip_cell = 0;
		else
			x->skip_cell = 2;
	} else if (name_is(x, "v") && !x->closing && !empty) {
		x->capture = CAP_TEXT;
		x->cap_len = 0;
	}
	for (guint i = 0; i < G_N_ELEMENTS(block_names); i++) {
		if (x->name_len == block_names[i].len && x->name[0] == block_names[i].name[0] &&
		    memcmp(x->name, block_names[i].name, block_names[i].len) == 0) {
			emit(x, '\n');
			return;
		}
	}
}

static void
decode_entity(FutXmlText *x)
{
	const gchar *e = x->ent;
	guint64 v = 0;
	gchar *endp = NULL;

	x->ent[x->ent_len] = '\0';
	if (strcmp(e, "lt") == 0) {
		emit(x, '<');
	} else if (strcmp(e, "gt") == 0) {
		emit(x, '>');
	} else if (strcmp(e, "amp") == 0) {
		emit(x, '&');
	} else if (strcmp(e, "quot") == 0) {
		emit(x, '"');
	} else if (strcmp(e, "apos") == 0) {
		emit(x, '\'');
	} else if (e[0] == '#' && (e[1] == 'x' || e[1] == 'X') && e[2] != '\0') {
		v = g_ascii_strtoull(e + 2, &endp, 16);
		if (*endp != '\0' || !g_unichar_validate((gunichar)v) || v > 0x10ffff)
			fail(x, _("bad character reference"));
		else
			emit_unichar(x, (gunichar)v);
	} else if (e[0] == '#' && g_ascii_isdigit(e[1])) {
		v = g_ascii_strtoull(e + 1, &endp, 10);
		if (*endp != '\0' || v > 0x10ffff || !g_unichar_validate((gunichar)v))
			fail(x, _("bad character reference"));
		else
			emit_unichar(x, (gunichar)v);
	} else {
		fail(x, _("unknown entity"));
	}
}

/* Attributes whose values are text a person wrote: alternative text and titles of
 * pictures, shapes and tables. */
static gboolean
text_attribute(const FutXmlText *x)
{
	if (!x->attr_eq || x->attr_len >= sizeof(x->attr))
		return FALSE;
	if (attr_is(x, "descr") || attr_is(x, "title") || attr_is(x, "string") ||
	    attr_is(x, "string-value"))
		return TRUE;
	/* sheet names: <sheet name="..."> (xlsx), <table:table table:name="..."> (ods) */
	return attr_is(x, "name") && (name_is(x, "sheet") || name_is(x, "table"));
}

static inline gchar
ascii_lower(guint8 c)
{
	return (gchar)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

static void
tag_byte(FutXmlText *x, guint8 c)
{
	if (x->quote != 0) {
		if (x->attr_t) {
			if (c == (guint8)x->quote) {
				x->quote = 0;
				x->attr_t = FALSE;
			} else {
				/* t="s": the value is an index into the shared strings */
				x->cell_shared = c == 's' && !x->cell_shared_seen;
				x->cell_shared_seen = TRUE;
			}
			return;
		}
		if (x->capture == CAP_ATTR) {
			if (c == (guint8)x->quote) {
				x->quote = 0;
				end_capture(x);
				emit(x, '\n');
				x->skip_cell = 1;
			} else if (x->cap_len < sizeof(x->cap)) {
				x->cap[x->cap_len++] = (gchar)c;
			}
			return;
		}
		if (c == (guint8)x->quote) {
			x->quote = 0;
			if (x->attr_text) {
				emit(x, '\n');
				x->attr_text = FALSE;
			}
		} else if (x->attr_text) {
			if (c == '&') {
				x->state = ST_ENTITY;
				x->ent_return = ST_TAG;
				x->ent_len = 0;
			} else {
				emit(x, c);
			}
		}
		return;
	}
	if (c == '"' || c == '\'') {
		x->quote = (gchar)c;
		x->name_done = TRUE;
		x->attr[MIN(x->attr_len, sizeof(x->attr) - 1)] = '\0';
		x->attr_text = text_attribute(x);
		if (x->attr_eq && attr_is(x, "t") && name_is(x, "c")) {
			x->attr_t = TRUE;
			x->cell_shared = FALSE;
			x->cell_shared_seen = FALSE;
		}
		if (x->attr_eq && attr_is(x, "value") && name_is(x, "table-cell")) {
			x->capture = CAP_ATTR;
			x->cap_len = 0;
		}
		x->attr_len = 0;
		x->attr_eq = FALSE;
		x->attr_done = FALSE;
		return;
	}
	if (c == '>') {
		end_tag(x);
		x->state = ST_TEXT;
		return;
	}
	x->last = c;
	if (x->name_done) {
		/* an attribute name: keep its local part */
		if (c == '=') {
			x->attr_eq = TRUE;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/') {
			x->attr_done = x->attr_len > 0;
		} else if (c == ':') {
			x->attr_len = 0;
		} else if (!x->attr_eq) {
			if (x->attr_done) {
				/* "a b=": a was a name without a value; b starts */
				x->attr_len = 0;
				x->attr_done = FALSE;
			}
			if (x->attr_len < sizeof(x->attr) - 1)
				x->attr[x->attr_len] = ascii_lower(c);
			x->attr_len++;
		}
		return;
	}
	if (c == '/' && x->name_len == 0) {
		x->closing = TRUE; /* end tag */
		return;
	}
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/') {
		x->name_done = x->name_len > 0 || c != '/';
		return;
	}
	if (c == ':') {
		x->name_len = 0; /* keep the local name only */
		return;
	}
	if (x->name_len < sizeof(x->name) - 1)
		x->name[x->name_len] = ascii_lower(c);
	x->name_len++;
}

/* Decides, from the first bytes after '<', what kind of markup this is. Returns FALSE
 * while more bytes are needed. */
static gboolean
head_decided(FutXmlText *x)
{
	static const gchar cdata[] = "![CDATA[";
	static const gchar comment[] = "!--";
	const gchar *h = x->head;
	guint n = x->head_len;

	if (n <= 3 && strncmp(h, comment, n) == 0 && n < 3)
		return FALSE;
	if (n <= 8 && strncmp(h, cdata, n) == 0 && n < 8)
		return FALSE;
	if (n >= 3 && strncmp(h, comment, 3) == 0) {
		x->state = ST_COMMENT;
		x->pending = 0;
		return TRUE;
	}
	if (n >= 8 && strncmp(h, cdata, 8) == 0) {
		x->state = ST_CDATA;
		x->pending = 0;
		return TRUE;
	}
	if (h[0] == '?' || h[0] == '!') {
		x->state = ST_DECL;
		/* the bytes already taken may hold the closing '>' */
		for (guint i = 1; i < n; i++) {
			if (h[i] == '>') {
				x->state = ST_TEXT;
				break;
			}
		}
		return TRUE;
	}
	/* an ordinary tag: replay the bytes taken */
	x->state = ST_TAG;
	x->quote = 0;
	x->closing = FALSE;
	x->last = 0;
	x->name_len = 0;
	x->name_done = FALSE;
	x->attr_len = 0;
	x->attr_eq = FALSE;
	x->attr_done = FALSE;
	x->attr_text = FALSE;
	for (guint i = 0; i < n && x->state == ST_TAG; i++)
		tag_byte(x, (guint8)h[i]);
	return TRUE;
}

void
fut_xml_text_feed(FutXmlText *x, const guint8 *data, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		guint8 c = data[i];

		switch (x->state) {
		case ST_TEXT:
			if (x->capture == CAP_TEXT) {
				if (c != '<' && c != '&' && x->cap_len < sizeof(x->cap)) {
					x->cap[x->cap_len++] = (gchar)c;
					break;
				}
				end_capture(x);
			}
			if (c == '<') {
				x->state = ST_HEAD;
				x->head_len = 0;
			} else if (c == '&') {
				x->state = ST_ENTITY;
				x->ent_return = ST_TEXT;
				x->ent_len = 0;
			} else {
				emit(x, c);
			}
			break;
		case ST_HEAD:
			x->head[x->head_len++] = (gchar)c;
			head_decided(x);
			break;
		case ST_TAG:
			tag_byte(x, c);
			break;
		case ST_COMMENT:
			if (c == '-')
				x->pending++;
			else if (c == '>' && x->pending >= 2)
				x->state = ST_TEXT;
			else
				x->pending = 0;
			break;
		case ST_CDATA:
			if (c == ']') {
				if (x->pending == 2)
					emit(x, ']');
				else
					x->pending++;
			} else if (c == '>' && x->pending == 2) {
				x->state = ST_TEXT;
			} else {
				for (; x->pending > 0; x->pending--)
					emit(x, ']');
				emit(x, c);
			}
			break;
		case ST_DECL:
			if (c == '>')
				x->state = ST_TEXT;
			break;
		case ST_ENTITY:
			if (c == ';') {
				decode_entity(x);
				x->state = x->ent_return;
			} else if (x->ent_len >= sizeof(x->ent) - 1) {
				fail(x, _("entity too long"));
				x->state = x->ent_return;
			} else {
				x->ent[x->ent_len++] = (gchar)c;
			}
			break;
		default:
			g_assert_not_reached();
		}
	}
}

gboolean
fut_xml_text_finish(FutXmlText *x, GError **error)
{
	g_autofree gchar *why = g_steal_pointer(&x->error);

	if (why == NULL && x->state != ST_TEXT)
		why = g_strdup(_("the XML ends inside markup"));
	if (x->capture == CAP_TEXT)
		end_capture(x);
	if (x->in_cell)
		spill_cell(x);
	if (x->prev_digit_cell)
		put(x, '\n');
	flush(x);
	if (why != NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA, "%s", why);
		return FALSE;
	}
	return TRUE;
}
