/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The value escaping, times, durations and numbers of the signed-object text layer. */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "fields.h"

static void
test_escape_roundtrip(void)
{
	static const struct {
		const gchar *value;
		const gchar *escaped;
	} cases[] = {
	    {"plain.txt", "plain.txt"},
	    {"報告書.xlsx", "報告書.xlsx"},
	    {"", ""},
	    {" lead", "%20lead"},
	    {"trail ", "trail%20"},
	    {" ", "%20"},
	    {"in side", "in side"},
	    {"100%", "100%25"},
	    {"a\nb", "a%0Ab"},
	    {"tab\there", "tab%09here"},
	    {"del\x7f", "del%7F"},
	    {"back\\slash", "back\\slash"},
	    {"bad\xff\xfe", "bad%FF%FE"},
	    {"rlo\u202Etxt.exe", "rlo%E2%80%AEtxt.exe"},
	    {"zw\u200Bsp", "zw%E2%80%8Bsp"},
	    {"c1\xc2\x85", "c1%C2%85"},
	    {"key: value", "key: value"},
	    {"-----END FUTARI REQUEST-----", "-----END FUTARI REQUEST-----"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *esc = fut_field_escape(cases[i].value);
		g_autofree gchar *back = NULL;
		g_autoptr(GError) error = NULL;

		g_assert_cmpstr(esc, ==, cases[i].escaped);
		g_assert_true(fut_field_unescape(esc, &back, &error));
		g_assert_no_error(error);
		g_assert_cmpstr(back, ==, cases[i].value);
	}
}

/* Every byte value alone and in pairs survives, and no escaped form holds a control
 * character. */
static void
test_escape_all_bytes(void)
{
	for (guint a = 1; a < 256; a++) {
		for (guint b = 1; b < 256; b += 7) {
			gchar v[3] = {(gchar)a, (gchar)b, 0};
			g_autofree gchar *esc = fut_field_escape(v);
			g_autofree gchar *back = NULL;

			for (const gchar *p = esc; *p; p++)
				g_assert_true((guchar)*p >= 0x20 && *p != 0x7f);
			g_assert_true(g_utf8_validate(esc, -1, NULL));
			g_assert_true(fut_field_unescape(esc, &back, NULL));
			g_assert_cmpstr(back, ==, v);
		}
	}
}

static void
test_unescape_refusals(void)
{
	static const gchar *const bad[] = {
	    "%",         "%4",     "%zz", "%0a", /* lower-case hex */
	    "%00",                               /* NUL */
	    "%41",                               /* 'A' needs no escape */
	    "a%20b",                             /* inner space needs no escape */
	    " lead",     "trail ",               /* unescaped edge spaces */
	    "\x01",      "x\x7f",                /* raw controls */
	    "\xff",                              /* raw invalid UTF-8 */
	    "\u202E",                            /* raw bidi override */
	    "%E5%A0%B1",                         /* valid UTF-8 written escaped */
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree gchar *back = NULL;
		g_autoptr(GError) error = NULL;

		g_assert_false(fut_field_unescape(bad[i], &back, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_null(back);
	}
}

static void
test_time(void)
{
	static const gchar *const bad[] = {
	    "2026-02-30T00:00:00Z", "2026-11-26T24:00:00Z",
	    "2026-11-26T09:00:60Z", "2026-11-26 09:00:00Z",
	    "2026-11-26T09:00:00",  "2026-11-26T09:00:00+00:00",
	    "1999-12-31T23:59:59Z", "2026-1-26T09:00:00Z",
	    "+026-11-26T09:00:00Z", "",
	    "2026-11-26T09:00:00z", "2026-11-26T09:00:0xZ",
	};
	gint64 t = 0;
	g_autofree gchar *s = NULL;

	g_assert_true(fut_time_parse("2026-11-26T09:00:00Z", &t, NULL));
	g_assert_cmpint(t, ==, 1795683600);
	s = fut_time_format(t);
	g_assert_cmpstr(s, ==, "2026-11-26T09:00:00Z");
	g_assert_true(fut_time_parse("2028-02-29T23:59:59Z", &t, NULL));
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_false(fut_time_parse(bad[i], &t, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}
}

static void
test_duration(void)
{
	static const struct {
		const gchar *s;
		gint64 secs;
	} good[] = {
	    {"90s", 90}, {"30m", 1800}, {"8h", 28800}, {"2d", 172800}, {"3660d", 316224000}};
	static const gchar *const bad[] = {"",    "h",  "0h",  "-1h",   "1.5h",
	                                   "08h", "1w", "1 h", "3661d", "99999999999999999999s",
	                                   "1hh"};

	for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
		gint64 v = 0;
		g_autofree gchar *back = NULL;
		g_assert_true(fut_duration_parse(good[i].s, &v, NULL));
		g_assert_cmpint(v, ==, good[i].secs);
		back = fut_duration_format(v);
		g_assert_cmpstr(back, ==, good[i].s);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		gint64 v = 0;
		g_autoptr(GError) error = NULL;
		g_assert_false(fut_duration_parse(bad[i], &v, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	}
}

static void
test_uint(void)
{
	guint64 v = 0;

	g_assert_true(fut_uint_parse("0", 10, &v, NULL));
	g_assert_cmpuint(v, ==, 0);
	g_assert_true(fut_uint_parse("18446744073709551615", G_MAXUINT64, &v, NULL));
	g_assert_cmpuint(v, ==, G_MAXUINT64);
	g_assert_false(fut_uint_parse("18446744073709551616", G_MAXUINT64, &v, NULL));
	g_assert_false(fut_uint_parse("11", 10, &v, NULL));
	g_assert_false(fut_uint_parse("01", 10, &v, NULL));
	g_assert_false(fut_uint_parse("+1", 10, &v, NULL));
	g_assert_false(fut_uint_parse("", 10, &v, NULL));
	g_assert_false(fut_uint_parse(" 1", 10, &v, NULL));
}

static void
test_reader(void)
{
	static const gchar *const known[] = {"a", "b", "c", NULL};
	static const struct {
		const gchar *body;
		const gchar *message_part;
	} bad[] = {
	    {"a: 1\na: 1\n", "duplicate field 'a'"},
	    {"a: 1\nz: 1\n", "unknown field 'z'"},
	    {"a: 1\nc: 1\n", "out of order"},
	    {"a: 1\n", "missing field 'b'"},
	    {"a: 1\nb: 2\nc: 3\nc: 4\n", "trailing field"},
	    {"a:1\n", "followed by"},
	    {"a: \n", "followed by"},
	    {"A: 1\n", "not a \"key: value\""},
	    {"no colon\n", "not a \"key: value\""},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(FutFieldReader) r = fut_field_reader_new("a: 1\nb:\nc: x y\n", known, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(fut_field_reader_take(r, "a", &error), ==, "1");
	g_assert_cmpstr(fut_field_reader_take(r, "b", &error), ==, "");
	g_assert_cmpuint(fut_field_reader_offset(r), ==, 8);
	g_assert_cmpstr(fut_field_reader_take(r, "c", &error), ==, "x y");
	g_assert_true(fut_field_reader_finish(r, &error));

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(FutFieldReader) rr = fut_field_reader_new(bad[i].body, known, &e);
		if (rr != NULL && fut_field_reader_take(rr, "a", &e) != NULL &&
		    fut_field_reader_take(rr, "b", &e) != NULL &&
		    fut_field_reader_take(rr, "c", &e) != NULL)
			fut_field_reader_finish(rr, &e);
		g_assert_nonnull(e);
		if (strstr(e->message, bad[i].message_part) == NULL)
			g_error("case %u: '%s' does not mention '%s'", i, e->message,
			        bad[i].message_part);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fields/escape/roundtrip", test_escape_roundtrip);
	g_test_add_func("/fields/escape/all-bytes", test_escape_all_bytes);
	g_test_add_func("/fields/escape/refusals", test_unescape_refusals);
	g_test_add_func("/fields/time", test_time);
	g_test_add_func("/fields/duration", test_duration);
	g_test_add_func("/fields/uint", test_uint);
	g_test_add_func("/fields/reader", test_reader);
	return g_test_run();
}
