/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "errors.h"
#include "logrecord-priv.h"
#include "logrecord.h"
#include "util.h"

/* --- time ------------------------------------------------------------------------------ */

/* 9999-12-31T23:59:59.999999Z + 1 µs: the end of the years GDateTime knows. */
#define TIME_FAST_END G_GINT64_CONSTANT(253402300800000000)

/* The civil date of a day count since 1970-01-01 (days >= 0), H. Hinnant's algorithm. */
static void
civil_from_days(gint64 days, gint *ret_year, gint *ret_month, gint *ret_day)
{
	gint64 z = days + 719468;
	gint64 era = z / 146097;
	gint64 doe = z - era * 146097;
	gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	gint64 mp = (5 * doy + 2) / 153;
	gint64 d = doy - (153 * mp + 2) / 5 + 1;
	gint64 m = mp < 10 ? mp + 3 : mp - 9;

	*ret_year = (gint)(yoe + era * 400 + (m <= 2));
	*ret_month = (gint)m;
	*ret_day = (gint)d;
}

/* The day count since 1970-01-01 of a civil date (year >= 1970), H. Hinnant's algorithm. */
static gint64
days_from_civil(gint64 y, gint64 m, gint64 d)
{
	y -= m <= 2;
	gint64 era = y / 400;
	gint64 yoe = y - era * 400;
	gint64 doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	gint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static void
put_digits(gchar *p, gint64 v, gint width)
{
	for (gint i = width - 1; i >= 0; i--) {
		p[i] = (gchar)('0' + v % 10);
		v /= 10;
	}
}

/* Writes @time_us to @out (28 bytes with the NUL) when it is in the common range (1970 to
 * 9999); FALSE otherwise. Every record's time is formatted on write and on verify: done by
 * hand, without a GDateTime, printf or an allocation. */
static gboolean
time_format_fast(gint64 time_us, gchar out[28])
{
	if (time_us >= 0 && time_us < TIME_FAST_END) {
		gint64 secs = time_us / G_USEC_PER_SEC;
		gint64 sod = secs % 86400;
		gint year, month, day;

		memcpy(out, "0000-00-00T00:00:00.000000Z", 28);
		civil_from_days(secs / 86400, &year, &month, &day);
		put_digits(out, year, 4);
		put_digits(out + 5, month, 2);
		put_digits(out + 8, day, 2);
		put_digits(out + 11, sod / 3600, 2);
		put_digits(out + 14, sod / 60 % 60, 2);
		put_digits(out + 17, sod % 60, 2);
		put_digits(out + 20, time_us % G_USEC_PER_SEC, 6);
		return TRUE;
	}
	return FALSE;
}

void
fut_log_time_format_buf(gint64 time_us, gchar ret[FUT_LOG_TIME_LEN + 1])
{
	g_autofree gchar *slow = NULL;

	if (time_format_fast(time_us, ret))
		return;
	slow = fut_log_time_format(time_us);
	g_strlcpy(ret, slow, FUT_LOG_TIME_LEN + 1);
}

gchar *
fut_log_time_format(gint64 time_us)
{
	gchar fast[28];

	if (time_format_fast(time_us, fast))
		return g_strdup(fast);

	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(time_us / G_USEC_PER_SEC);

	if (dt == NULL)
		return g_strdup("0000-00-00T00:00:00.000000Z");
	return g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", g_date_time_get_year(dt),
	                       g_date_time_get_month(dt), g_date_time_get_day_of_month(dt),
	                       g_date_time_get_hour(dt), g_date_time_get_minute(dt),
	                       g_date_time_get_second(dt), (gint)(time_us % G_USEC_PER_SEC));
}

gboolean
fut_log_time_parse(const gchar *s, gint64 *ret_time_us, GError **error)
{
	static const gchar pattern[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
	gint v[7] = {0};
	const gint start[] = {0, 5, 8, 11, 14, 17, 20};
	const gint width[] = {4, 2, 2, 2, 2, 2, 6};
	gchar fast[28];
	g_autofree gchar *back = NULL;

	if (strlen(s) != sizeof(pattern) - 1)
		goto bad;
	for (gsize i = 0; i < sizeof(pattern) - 1; i++) {
		if (pattern[i] == 'd' ? !g_ascii_isdigit(s[i]) : s[i] != pattern[i])
			goto bad;
	}
	for (gsize f = 0; f < G_N_ELEMENTS(v); f++) {
		for (gint i = 0; i < width[f]; i++)
			v[f] = v[f] * 10 + (s[start[f] + i] - '0');
	}
	/* Out-of-range fields are refused here; a day past the month's end (02-30) is refused
	 * by the round trip below, as it prints back as another date. */
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
	    v[4] > 59 || v[5] > 59)
		goto bad;
	*ret_time_us = ((days_from_civil(v[0], v[1], v[2]) * 24 + v[3]) * 60 + v[4]) * 60 + v[5];
	*ret_time_us = *ret_time_us * G_USEC_PER_SEC + v[6];
	/* A time that does not print back the same (e.g. 24:00:00) is not canonical. */
	if (time_format_fast(*ret_time_us, fast)) {
		if (strcmp(fast, s) != 0)
			goto bad;
		return TRUE;
	}
	back = fut_log_time_format(*ret_time_us);
	if (strcmp(back, s) != 0)
		goto bad;
	return TRUE;
bad:
	g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
	            _("time is not of the form YYYY-MM-DDThh:mm:ss.uuuuuuZ"));
	return FALSE;
}

void
fut_log_time_month(gint64 time_us, gchar ret_month[8])
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(time_us / G_USEC_PER_SEC);

	if (dt == NULL) {
		g_strlcpy(ret_month, "0000-00", 8);
		return;
	}
	g_snprintf(ret_month, 8, "%04d-%02d", g_date_time_get_year(dt) % 10000,
	           g_date_time_get_month(dt));
}
