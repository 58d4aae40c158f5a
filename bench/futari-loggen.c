/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-loggen: writes realistic synthetic egress logs for many hosts with the real writer
 * (common/egresslog), each signed by its own generated host key, for the futari-audit
 * benchmark. Not installed.
 *
 *   futari-loggen --hosts 3000 --events 1000000 --month 2026-11 --out DIR [--seed N]
 *
 * DIR gets one directory per host (pc-0001 …), keys/<host>.pub, witness.txt (every
 * checkpoint, as a collector would keep them) and media.conf (the register). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "egresslog.h"
#include "logrecord.h"
#include "util.h"

typedef struct {
	gint64 now;
} Clock;

static gint64
clock_now(gpointer data)
{
	return ((Clock *)data)->now;
}

static void
on_checkpoint(const FutLogCheckpoint *cp, gpointer data)
{
	g_autofree gchar *w = fut_log_checkpoint_to_witness(cp);
	fprintf(data, "%s\n", w);
}

static const gchar *const users[] = {"tanaka",   "suzuki",   "sato",     "takahashi", "ito",
                                     "watanabe", "yamamoto", "nakamura", "kobayashi", "kato"};
static const gchar *const files[] = {
    "会議資料.pdf",       "議事録_第%u回.docx", "予算要求書.xlsx", "住民票写し_%u.pdf",
    "入札仕様書_%u.xlsx", "見積書%u.pdf",       "report-%u.csv",   "広報原稿.docx",
    "調査票_集計.xlsx",   "photo_%u.jpg",       "滞納者一覧.csv",  "presentation.pptx"};
static const gchar *const upload_programs[] = {"/usr/lib/firefox/firefox",
                                               "/usr/lib/thunderbird/thunderbird",
                                               "/usr/bin/rclone", "/opt/google/chrome/chrome"};

typedef struct {
	GRand *rand;
	FutEgressLog *log;
	Clock clock;
	gchar *host;
	guint host_index;
	guint64 written;
	gchar serial[32];
	gchar asset[16];
} Gen;

static void
append(Gen *g, FutLogEvent *ev)
{
	g_autoptr(GError) error = NULL;

	if (!fut_egress_log_append(g->log, ev, FUT_EGRESS_LOG_APPEND_NONE, NULL, &error)) {
		fprintf(stderr, "futari-loggen: %s\n", error->message);
		exit(1);
	}
	fut_log_event_free(ev);
	g->written++;
	g->clock.now += (gint64)g_rand_int_range(g->rand, 1, 90) * G_USEC_PER_SEC;
}

static const gchar *
pick(Gen *g, const gchar *const *list, gsize n)
{
	return list[g_rand_int_range(g->rand, 0, (gint32)n)];
}

static FutLogEvent *
ev_user(Gen *g, const gchar *name, const gchar *exe)
{
	FutLogEvent *ev = fut_log_event_new(name);
	/* Two or three people share a PC. */
	guint who = (g->host_index + (guint)g_rand_int_range(g->rand, 0, 3)) % G_N_ELEMENTS(users);
	const gchar *login = users[who];
	gint64 uid = 1000 + who;

	fut_log_event_set_subject(ev, uid, login, uid, g_rand_int_range(g->rand, 1000, 60000), exe);
	return ev;
}

/* Certificate serials and, as futarid logs them at redeem, the people behind them. */
static void
add_approvers(FutLogEvent *ev, gboolean one)
{
	fut_log_event_add_approver(ev, "4c1e9a0b7d2f3e51");
	fut_log_event_set_detail(ev, "approver_1", "鈴木 一郎 (S1042)");
	if (!one) {
		fut_log_event_add_approver(ev, "9b2d7c4e1a6f0835");
		fut_log_event_set_detail(ev, "approver_2", "山田 花子 (S1077)");
	}
}

static void
set_file(Gen *g, FutLogEvent *ev, const gchar *klass)
{
	g_autofree gchar *name = NULL;
	g_autofree gchar *path = NULL;
	guint8 digest[FUT_SHA256_LEN];
	g_autofree gchar *hex = NULL;
	const gchar *fmt = pick(g, files, G_N_ELEMENTS(files));

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	name = g_strdup_printf(fmt, (guint)g_rand_int_range(g->rand, 1, 300));
#pragma GCC diagnostic pop
	path = g_strdup_printf("/home/%s/ドキュメント/%s", ev->subject.login, name);
	fut_sha256(path, strlen(path), digest);
	hex = fut_hex_encode(digest, FUT_SHA256_LEN);
	fut_log_event_set_object(ev, path, g_rand_int_range(g->rand, 300, 30000000), hex, klass);
}

static void
set_usb(Gen *g, FutLogEvent *ev, gboolean registered)
{
	if (registered)
		fut_log_event_set_usb(ev, "0781", "5581", g->serial, "1A2B-3C4D", "USB", g->asset);
	else
		fut_log_event_set_usb(ev, "090c", "1000", "UNREG0001", "7E57-0001", "NONAME", NULL);
}

static void
one_activity(Gen *g)
{
	guint32 r = (guint32)g_rand_int_range(g->rand, 0, 1000);
	FutLogEvent *ev;

	if (r < 250) {
		gboolean reg = g_rand_int_range(g->rand, 0, 50) != 0;
		ev = fut_log_event_new(FUT_LOG_EV_DEVICE_ATTACH);
		set_usb(g, ev, reg);
		append(g, ev);
		ev = fut_log_event_new(FUT_LOG_EV_DEVICE_DETACH);
		set_usb(g, ev, reg);
		append(g, ev);
	} else if (r < 600) {
		ev = ev_user(g, FUT_LOG_EV_EXPORT_WRITTEN, "/usr/sbin/futarid");
		set_file(g, ev, "III");
		set_usb(g, ev, TRUE);
		fut_log_event_set_decision(ev, FUT_LOG_DECISION_ALLOW, "資料の持ち出し");
		append(g, ev);
	} else if (r < 680) {
		gboolean one = r < 660;
		/* a request id as futari makes it: 32 hex digits */
		g_autofree gchar *req =
		    g_strdup_printf("%08x%08x%08x%08x", g_rand_int(g->rand), g_rand_int(g->rand),
		                    g_rand_int(g->rand), g->host_index);
		const gchar *klass = one ? "II" : "I";
		ev = ev_user(g, FUT_LOG_EV_EXPORT_REQUESTED, "/usr/bin/futari");
		set_file(g, ev, klass);
		set_usb(g, ev, TRUE);
		fut_log_event_set_decision(ev, NULL, "業者への提出のため");
		fut_log_event_set_request(ev, req);
		append(g, ev);
		ev = ev_user(g, FUT_LOG_EV_REDEEM_ACCEPTED, "/usr/bin/futari");
		fut_log_event_set_request(ev, req);
		add_approvers(ev, one);
		append(g, ev);
		ev = ev_user(g, FUT_LOG_EV_EXPORT_WRITTEN, "/usr/sbin/futarid");
		set_file(g, ev, klass);
		set_usb(g, ev, TRUE);
		fut_log_event_set_decision(ev, FUT_LOG_DECISION_ALLOW, "業者への提出のため");
		fut_log_event_set_request(ev, req);
		add_approvers(ev, one);
		append(g, ev);
	} else if (r < 760) {
		ev = ev_user(g, FUT_LOG_EV_EXPORT_REFUSED, "/usr/bin/futari");
		set_file(g, ev, r < 720 ? "II" : "I");
		set_usb(g, ev, TRUE);
		fut_log_event_set_decision(ev, FUT_LOG_DECISION_DENY, "承認がありません");
		append(g, ev);
	} else if (r < 880) {
		const gchar *prog = pick(g, upload_programs, G_N_ELEMENTS(upload_programs));
		gboolean denied = r < 840;
		ev = ev_user(g, denied ? FUT_LOG_EV_UPLOAD_DENIED : FUT_LOG_EV_UPLOAD_OBSERVED,
		             prog);
		set_file(g, ev, denied ? "II" : "III");
		fut_log_event_set_upload(ev, NULL, prog);
		if (denied)
			fut_log_event_set_decision(
			    ev, FUT_LOG_DECISION_DENY,
			    "分類Ⅱのファイルをアップロード用プログラムが開いた");
		append(g, ev);
	} else if (r < 900) {
		ev = ev_user(g, FUT_LOG_EV_APPROVAL_REFUSED, "/usr/bin/futari");
		fut_log_event_set_request(ev, "r-expired");
		fut_log_event_add_approver(ev, "A-0042");
		fut_log_event_set_decision(ev, FUT_LOG_DECISION_DENY, "approval expired");
		append(g, ev);
	} else if (r < 903) {
		ev = fut_log_event_new(FUT_LOG_EV_DEVICE_SUSPICIOUS);
		set_usb(g, ev, FALSE);
		fut_log_event_set_decision(ev, FUT_LOG_DECISION_DENY, "identity changed");
		append(g, ev);
	} else if (r < 904) {
		ev = fut_log_event_new_gap(FUT_LOG_GAP_QUEUE_OVERFLOW, "fanotify queue overflow");
		fut_log_event_set_detail_int(ev, "count", g_rand_int_range(g->rand, 1, 20));
		append(g, ev);
	} else {
		ev = ev_user(g, FUT_LOG_EV_UPLOAD_OBSERVED, "/usr/lib/firefox/firefox");
		set_file(g, ev, "III");
		fut_log_event_set_upload(ev, NULL, "/usr/lib/firefox/firefox");
		append(g, ev);
	}
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	gint hosts = 3000;
	gint64 events = 1000000;
	gint seed = 1;
	g_autofree gchar *month = g_strdup("2026-11");
	g_autofree gchar *out = NULL;
	GOptionEntry entries[] = {
	    {"hosts", 0, 0, G_OPTION_ARG_INT, &hosts, "Number of hosts", "N"},
	    {"events", 0, 0, G_OPTION_ARG_INT64, &events, "Approximate total events", "N"},
	    {"month", 0, 0, G_OPTION_ARG_STRING, &month, "Month (UTC)", "YYYY-MM"},
	    {"out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Output directory", "DIR"},
	    {"seed", 0, 0, G_OPTION_ARG_INT, &seed, "Random seed", "N"},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- synthetic egress logs");
	g_autoptr(GDateTime) start = NULL;
	g_autofree gchar *keys_dir = NULL;
	g_autofree gchar *witness_path = NULL;
	GString *media = g_string_new("# synthetic media register\n");
	guint64 total = 0;
	gint y, m, days;
	FILE *witness;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || out == NULL || hosts < 1 ||
	    events < hosts || sscanf(month, "%4d-%2d", &y, &m) != 2 || m < 1 || m > 12) {
		fprintf(stderr, "usage: futari-loggen --out DIR [--hosts N] [--events N] "
		                "[--month YYYY-MM] [--seed N]\n");
		return 2;
	}
	start = g_date_time_new_utc(y, m, 1, 0, 0, 0);
	{
		g_autoptr(GDateTime) next = g_date_time_add_months(start, 1);
		days = (gint)(g_date_time_difference(next, start) / G_TIME_SPAN_DAY);
	}
	keys_dir = g_build_filename(out, "keys", NULL);
	g_mkdir_with_parents(keys_dir, 0755);
	witness_path = g_build_filename(out, "witness.txt", NULL);
	witness = fopen(witness_path, "w");
	if (witness == NULL) {
		perror(witness_path);
		return 1;
	}
	for (gint h = 0; h < hosts; h++) {
		Gen g = {0};
		guint8 seed_bytes[FUT_ED25519_SEED_LEN];
		g_autoptr(FutKey) key = NULL;
		g_autofree gchar *dir = NULL;
		g_autofree gchar *pub = NULL;
		gint64 target = events / hosts;
		FutEgressLogOptions opts = {.clock_func = clock_now,
		                            .clock_data = &g.clock,
		                            .checkpoint_seconds = 3600,
		                            .checkpoint_func = on_checkpoint,
		                            .checkpoint_data = witness};

		g.rand = g_rand_new_with_seed((guint32)(seed * 100003 + h));
		g.host_index = (guint)h + 1;
		g.host = g_strdup_printf("pc-%04d", h + 1);
		g_snprintf(g.serial, sizeof(g.serial), "4C5300%08X", (guint)(h + 1));
		g_snprintf(g.asset, sizeof(g.asset), "M-%05d", h + 1);
		/* One registered stick per host; every 50th is never used (a loss to check). */
		g_string_append_printf(media,
		                       "[asset:%s]\nvid=0781\npid=5581\nserial=%s\nowner=課%03d\n",
		                       g.asset, g.serial, h % 200);
		for (gsize i = 0; i < sizeof(seed_bytes); i++)
			seed_bytes[i] = (guint8)g_rand_int(g.rand);
		key = fut_key_new_from_seed(seed_bytes, &error);
		g_assert_no_error(error);
		pub = g_strdup_printf("%s/%s.pub", keys_dir, g.host);
		g_unlink(pub);
		if (!fut_key_save_public(key, pub, &error)) {
			fprintf(stderr, "futari-loggen: %s\n", error->message);
			return 1;
		}
		dir = g_build_filename(out, g.host, NULL);
		g.clock.now = g_date_time_to_unix(start) * G_USEC_PER_SEC +
		              (gint64)g_rand_int_range(g.rand, 0, 3600) * G_USEC_PER_SEC;
		g.log = fut_egress_log_open(dir, g.host, key, &opts, &error);
		if (g.log == NULL) {
			fprintf(stderr, "futari-loggen: %s\n", error->message);
			return 1;
		}
		/* Working days, office hours (08:30-18:00 JST = 23:30-09:00 UTC). */
		for (gint d = 0; d < days && (gint64)g.written < target; d++) {
			g_autoptr(GDateTime) day = g_date_time_add_days(start, d);
			gint per_day = (gint)(target / (days * 5 / 7 + 1)) + 1;
			if (g_date_time_get_day_of_week(day) >= 6)
				continue;
			g.clock.now =
			    MAX(g.clock.now,
			        g_date_time_to_unix(day) * G_USEC_PER_SEC +
			            (gint64)g_rand_int_range(g.rand, 0, 7200) * G_USEC_PER_SEC);
			if (h % 50 == 0)
				continue; /* a host whose stick never shows up */
			while (per_day > 0 && (gint64)g.written < target) {
				guint64 before = g.written;
				one_activity(&g);
				per_day -= (gint)(g.written - before);
			}
		}
		total += g.written;
		if (h % 97 == 5) {
			fut_egress_log_free(g.log); /* a crash: the month ends unsealed */
		} else if (!fut_egress_log_close(g.log, NULL, &error)) {
			fprintf(stderr, "futari-loggen: %s\n", error->message);
			return 1;
		}
		g_rand_free(g.rand);
		g_free(g.host);
		if (h % 100 == 99)
			fprintf(stderr, "\r%d/%d hosts", h + 1, hosts);
	}
	fclose(witness);
	{
		g_autofree gchar *mp = g_build_filename(out, "media.conf", NULL);
		g_file_set_contents(mp, media->str, (gssize)media->len, &error);
		g_assert_no_error(error);
	}
	g_string_free(media, TRUE);
	fprintf(stderr, "\rfutari-loggen: %d hosts, %" G_GUINT64_FORMAT " events in %s\n", hosts,
	        total, out);
	return 0;
}
