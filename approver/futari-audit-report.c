/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit report: the monthly inspection of policy 2.8.1 over many hosts' logs.
 * Writes report.html (self-contained, A4, inline SVG charts, Japanese by default),
 * events.csv (UTF-8 with BOM) and summary.json into the output directory. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "crypto.h"
#include "egresslog.h"
#include "errors.h"
#include "futari-audit.h"
#include "logverify.h"
#include "mediareg.h"
#include "util.h"

/* Rows shown in the HTML per table (events.csv has every row). */
#define ROWS_CLASS_III 300
#define ROWS_DENIALS   1000
#define ROWS_UPLOADS   500
#define ROWS_FINDINGS  20

enum { CLASS_I, CLASS_II, CLASS_III, CLASS_UNKNOWN, N_CLASSES };

/* --- strings in both languages ---------------------------------------------------------- */

typedef struct {
	const gchar *key;
	const gchar *ja;
	const gchar *en;
} Text;

static const Text texts[] = {
    {"title", "外部への持ち出し 月次点検報告書", "Monthly egress inspection report"},
    {"subtitle", "情報セキュリティポリシー 2.8.1 点検レベルⅡ・Ⅲ（ログ確認・外部記録媒体の把握）",
     "Information security policy 2.8.1, inspection levels II and III (log review, media)"},
    {"month", "対象月", "Month"},
    {"generated", "作成日時", "Generated"},
    {"hosts", "対象端末数", "Hosts"},
    {"records", "記録件数（当月）", "Records (this month)"},
    {"tz", "時刻はすべて協定世界時（UTC）です。", "All times are UTC."},
    {"integrity", "ログの完全性", "Log integrity"},
    {"all_ok", "全端末のログを検証し、改ざん・欠落の指摘はありません",
     "All logs verified: no tampering or loss found"},
    {"not_ok", "指摘があります（7章を参照）", "Findings: see section 7"},
    {"sign", "点検者", "Inspector"},
    {"date", "確認日", "Date"},
    {"seal", "印", "Seal"},
    {"s_summary", "1. 概要", "1. Summary"},
    {"s_media", "2. 外部記録媒体の把握", "2. Inventory of USB media"},
    {"s_lost", "3. 紛失確認が必要な登録媒体", "3. Registered media to check for loss"},
    {"s_exports", "4. 分類別の持ち出し", "4. Exports by class"},
    {"s_denials", "5. 拒否された試行・却下された承認", "5. Denied attempts and refused approvals"},
    {"s_uploads", "6. アップロード", "6. Uploads"},
    {"s_integrity", "7. 端末別のログの完全性と欠落", "7. Integrity and gaps per host"},
    {"s_final", "8. 端末別の最終チェックポイント", "8. Final checkpoint per host"},
    {"exports", "持ち出し", "Exports"},
    {"class", "分類", "Class"},
    {"class_I", "重要度分類Ⅰ", "Class I"},
    {"class_II", "重要度分類Ⅱ", "Class II"},
    {"class_III", "重要度分類Ⅲ", "Class III"},
    {"class_unknown", "分類不明", "Unclassified"},
    {"denials", "拒否・却下", "Denials and refusals"},
    {"uploads", "アップロード", "Uploads"},
    {"lost_count", "紛失確認対象の媒体", "Registered media not seen"},
    {"media_seen", "確認された媒体", "Media seen"},
    {"unregistered", "未登録媒体", "Unregistered media"},
    {"gaps", "記録の欠落（ギャップ）", "Gaps"},
    {"findings", "指摘", "Findings"},
    {"asset", "資産番号", "Asset"},
    {"registered", "登録", "Registered"},
    {"yes", "登録済", "yes"},
    {"no", "未登録", "NO"},
    {"device", "媒体（ベンダー:製品）", "Device (vendor:product)"},
    {"serial", "シリアル", "Serial"},
    {"label", "ラベル", "Label"},
    {"owner", "管理者", "Owner"},
    {"first_seen", "初回確認", "First seen"},
    {"last_seen", "最終確認", "Last seen"},
    {"on_hosts", "端末", "Hosts"},
    {"attaches", "接続", "Attached"},
    {"writes", "書出", "Written"},
    {"suspicious", "不審", "Suspicious"},
    {"none", "該当なし", "None"},
    {"lost_note",
     "以下の登録媒体は当月どの端末でも確認されませんでした。所在（紛失の有無）を確認してください。",
     "These registered media were not seen on any host this month: check where they are."},
    {"lost_check", "所在確認", "Located"},
    {"no_register",
     "媒体登録簿（--media）が指定されていないため、登録状況と紛失確認は判定していません。",
     "No media register (--media) was given: registration and loss are not judged."},
    {"time", "日時", "Time"},
    {"host", "端末", "Host"},
    {"requester", "申請者", "Requester"},
    {"user", "利用者", "User"},
    {"file", "ファイル", "File"},
    {"size", "サイズ", "Size"},
    {"destination", "持ち出し先", "Destination"},
    {"approvers", "承認者", "Approvers"},
    {"content_yes", "内容確認済み", "content checked"},
    {"content_no", "内容未確認", "content NOT checked"},
    {"reason", "理由", "Reason"},
    {"request", "申請ID", "Request"},
    {"event", "種別", "Event"},
    {"program", "プログラム", "Program"},
    {"decision", "判定", "Decision"},
    {"allow", "許可", "allowed"},
    {"deny", "拒否", "denied"},
    {"observed", "記録のみ", "observed"},
    {"chart_exports", "日別の持ち出し件数（分類別）", "Exports per day by class"},
    {"chart_denials", "日別の拒否・却下件数", "Denials and refusals per day"},
    {"more_rows_a", "ほか ", ""},
    {"more_rows_b", " 件は events.csv を参照してください。", " more rows: see events.csv."},
    {"ev_export.refused", "持ち出し拒否", "export refused"},
    {"ev_upload.denied", "アップロード拒否", "upload denied"},
    {"ev_approval.refused", "承認の却下", "approval refused"},
    {"ev_device.suspicious", "不審な媒体", "suspicious device"},
    {"ev_upload.allowed", "承認済アップロード", "approved upload"},
    {"ev_upload.observed", "アップロード（記録のみ）", "upload (observed)"},
    {"period", "記録期間", "Period"},
    {"checkpoints", "チェックポイント", "Checkpoints"},
    {"result", "検証結果", "Result"},
    {"ok", "正常", "OK"},
    {"ng", "異常", "FAILED"},
    {"key", "ホスト鍵", "Host key"},
    {"pinned", "照合済", "pinned"},
    {"unpinned", "未照合（内部整合性のみ）", "not pinned (consistency only)"},
    {"unclean", "異常停止", "unclean stop"},
    {"overflow", "取りこぼし", "queue overflow"},
    {"torn", "途切れた行", "torn tail"},
    {"clock", "時刻の逆行", "clock jump"},
    {"final_note",
     "点検記録簿に各端末の記録数・最終番号・ツリーハッシュ（先頭16桁）を転記してください。"
     "次回の点検でこれと一致しない場合、記録が後から変更されたことを示します。",
     "Record each host's size, last sequence number and tree head (first 16 digits) in the "
     "inspection book; a later mismatch shows the log was changed afterwards."},
    {"tree_head", "ツリーハッシュ", "Tree head"},
    {"cp_size", "署名済み記録数", "Records signed"},
    {"records_short", "当月件数", "Records"},
    {"gaps_short", "欠落", "Gaps"},
    {"last_seq", "最終番号", "Last seq"},
    {"ok_hosts", "指摘・欠落のない端末", "Hosts without findings or gaps"},
    {"no_checkpoint", "当月のチェックポイントなし", "no checkpoint this month"},
    {"witnesses", "照合した外部証跡", "Witnesses checked"},
    {"count", "件数", "Count"},
    {"total", "合計", "Total"},
    {"day", "日", "day"},
    {"f_unreadable", "ファイルを読めない", "file unreadable"},
    {"f_malformed", "記録として読めない行", "malformed line"},
    {"f_hash-mismatch", "記録の改ざん（ハッシュ不一致）", "record altered"},
    {"f_torn-tail", "末尾の途切れた行（未記録）", "torn tail"},
    {"f_foreign-host", "他の端末の記録が混入", "record of another host"},
    {"f_seq-gap", "記録の削除（番号の欠け）", "records deleted"},
    {"f_seq-order", "記録の入れ替え・重複", "records reordered"},
    {"f_chain-broken", "ハッシュ連鎖の断絶", "hash chain broken"},
    {"f_time-backwards", "時刻の逆行", "time goes back"},
    {"f_checkpoint-mismatch", "署名済みチェックポイントと不一致", "checkpoint disagrees"},
    {"f_checkpoint-signature", "チェックポイントの署名が不正", "bad checkpoint signature"},
    {"f_checkpoint-key", "別の鍵による署名", "signed by another key"},
    {"f_key-changed", "ホスト鍵の変更", "host key changed"},
    {"f_key-not-pinned", "照合用のホスト鍵と不一致", "not the pinned key"},
    {"f_month-link-broken", "月の間の連鎖の断絶", "month link broken"},
    {"f_month-missing", "月の欠落", "month missing"},
    {"f_month-unsealed", "月末の記録の欠落", "month cut short"},
    {"f_witness-mismatch", "外部証跡と不一致", "witness disagrees"},
    {"f_witness-beyond-log", "外部証跡より記録が少ない（末尾の削除）", "log truncated"},
    {"f_witness-signature", "外部証跡の署名が不正", "bad witness signature"},
    {"f_witness-month-missing", "外部証跡にある月が無い", "witnessed month missing"},
    {"f_no-records", "記録なし", "no records"},
};

typedef struct _Report Report;
static const gchar *T(const Report *r, const gchar *key);

/* --- collected data --------------------------------------------------------------------- */

typedef struct {
	gint64 time_us;
	gint64 seq;
	gchar *host;
	FutLogEvent *ev;
} Row;

static void
row_free(gpointer p)
{
	Row *r = p;

	g_free(r->host);
	fut_log_event_free(r->ev);
	g_free(r);
}

typedef struct {
	gchar *vid, *pid, *serial, *label, *asset;
	const FutMediaEntry *reg;
	gint64 first_us, last_us;
	GHashTable *hosts; /* set of host names */
	guint attaches, writes, suspicious;
} Medium;

static void
medium_free(gpointer p)
{
	Medium *m = p;

	g_free(m->vid);
	g_free(m->pid);
	g_free(m->serial);
	g_free(m->label);
	g_free(m->asset);
	g_hash_table_unref(m->hosts);
	g_free(m);
}

typedef struct {
	gchar *dir;
	FutLogHostResult *res;
	guint64 records;
	guint64 checkpoints;
	gint64 first_us, last_us;
	guint gaps[4]; /* unclean, overflow, torn, clock */
} HostReport;

static void
host_report_free(gpointer p)
{
	HostReport *h = p;

	g_free(h->dir);
	fut_log_host_result_free(h->res);
	g_free(h);
}

struct _Report {
	gchar month[8];
	gboolean ja;
	gint days;
	gint64 month_start_us;
	FutMediaRegister *reg;
	GPtrArray *hosts;              /* HostReport* */
	GHashTable *media;             /* key -> Medium* */
	GPtrArray *exports[N_CLASSES]; /* rows kept for the HTML (up to the caps) */
	GPtrArray *denials;
	GPtrArray *uploads;
	guint n_exports[N_CLASSES]; /* all rows */
	guint n_denials;
	guint n_uploads;
	guint exports_day[3][31];
	guint denials_day[31];
	guint64 records;
	guint64 requested, redeemed;
	guint upload_counts[3]; /* allowed, denied, observed */
	guint denial_counts[4]; /* export.refused, upload.denied, approval.refused, suspicious */
	FILE *csv;
	HostReport *cur;
	gboolean write_failed;
	/* request id -> Redeemed, from redeem.accepted: an upload.allowed record names only
	 * the request it used, the approvers and the requester's reason are on the redeem */
	GHashTable *redeems;
};

typedef struct {
	gchar *approvers; /* as approvers_text(), or NULL */
	gchar *reason;    /* the requester's, or NULL */
	gchar *host;      /* an upload's destination host, or NULL */
} Redeemed;

static void
redeemed_free(gpointer p)
{
	Redeemed *d = p;

	g_free(d->approvers);
	g_free(d->reason);
	g_free(d->host);
	g_free(d);
}

/* The reason a person gave: the requester's for an export or a redeem (detail
 * requester_reason), else the reason the agent recorded with its decision. */
static const gchar *
reason_of(const FutLogEvent *ev)
{
	const gchar *why = fut_log_event_get_detail_str(ev, "requester_reason");

	return why != NULL ? why : ev->reason;
}

static gchar *approvers_text(const Report *r, const FutLogEvent *ev);

static const gchar *
T(const Report *r, const gchar *key)
{
	for (gsize i = 0; i < G_N_ELEMENTS(texts); i++) {
		if (strcmp(texts[i].key, key) == 0)
			return r->ja ? texts[i].ja : texts[i].en;
	}
	return key;
}

static gint
class_index(const gchar *k)
{
	if (g_strcmp0(k, "I") == 0)
		return CLASS_I;
	if (g_strcmp0(k, "II") == 0)
		return CLASS_II;
	if (g_strcmp0(k, "III") == 0)
		return CLASS_III;
	return CLASS_UNKNOWN;
}

static gint
day_index(const Report *r, gint64 time_us)
{
	gint64 d = (time_us - r->month_start_us) / ((gint64)86400 * G_USEC_PER_SEC);

	return (gint)CLAMP(d, 0, r->days - 1);
}

static Row *
row_new(const FutLogRecord *rec)
{
	Row *row = g_new0(Row, 1);

	row->time_us = rec->time_us;
	row->seq = rec->seq;
	row->host = g_strdup(rec->host);
	row->ev = fut_log_event_copy(rec->ev);
	return row;
}

/* --- CSV ------------------------------------------------------------------------------- */

/* RFC 4180 quoting; a cell that a spreadsheet would run as a formula gets a leading '. */
static void
csv_cell(GString *s, const gchar *v, gboolean last)
{
	if (v != NULL) {
		g_string_append_c(s, '"');
		if (strchr("=+-@\t\r", v[0]) != NULL && v[0] != '\0')
			g_string_append_c(s, '\'');
		for (const gchar *p = v; *p; p++) {
			if (*p == '"')
				g_string_append_c(s, '"');
			g_string_append_c(s, *p);
		}
		g_string_append_c(s, '"');
	}
	g_string_append(s, last ? "\r\n" : ",");
}

static void
csv_int(GString *s, gint64 v)
{
	if (v >= 0)
		g_string_append_printf(s, "%" G_GINT64_FORMAT, v);
	g_string_append_c(s, ',');
}

static const gchar *const csv_header[] = {"time",      "host",        "seq",
                                          "event",     "login",       "uid",
                                          "pid",       "exe",         "path",
                                          "size",      "sha256",      "class",
                                          "dest_kind", "vid",         "product",
                                          "serial",    "label",       "asset",
                                          "fs_uuid",   "upload_host", "program",
                                          "decision",  "reason",      "request",
                                          "approvers", "gap_kind",    "requester_reason",
                                          NULL};

static void
csv_record(Report *r, const FutLogRecord *rec)
{
	g_autoptr(GString) s = g_string_sized_new(512);
	g_autofree gchar *t = fut_log_time_format(rec->time_us);
	g_autofree gchar *approvers = NULL;
	const FutLogEvent *ev = rec->ev;

	{
		g_autoptr(GString) a = g_string_new(NULL);
		for (guint i = 0; i < ev->approvers->len; i++)
			g_string_append_printf(a, "%s%s", i > 0 ? " " : "",
			                       (gchar *)g_ptr_array_index(ev->approvers, i));
		approvers = g_string_free(g_steal_pointer(&a), FALSE);
	}
	csv_cell(s, t, FALSE);
	csv_cell(s, rec->host, FALSE);
	csv_int(s, rec->seq);
	csv_cell(s, ev->event, FALSE);
	csv_cell(s, ev->subject.login, FALSE);
	csv_int(s, ev->subject.uid);
	csv_int(s, ev->subject.pid);
	csv_cell(s, ev->subject.exe, FALSE);
	csv_cell(s, ev->object.path, FALSE);
	csv_int(s, ev->object.size);
	csv_cell(s, ev->object.sha256, FALSE);
	csv_cell(s, ev->object.klass, FALSE);
	csv_cell(s, ev->destination.kind, FALSE);
	csv_cell(s, ev->destination.vid, FALSE);
	csv_cell(s, ev->destination.pid, FALSE);
	csv_cell(s, ev->destination.serial, FALSE);
	csv_cell(s, ev->destination.label, FALSE);
	csv_cell(s, ev->destination.asset, FALSE);
	csv_cell(s, ev->destination.fs_uuid, FALSE);
	csv_cell(s, ev->destination.host, FALSE);
	csv_cell(s, ev->destination.program, FALSE);
	csv_cell(s, ev->decision, FALSE);
	csv_cell(s, ev->reason, FALSE);
	csv_cell(s, ev->request, FALSE);
	csv_cell(s, approvers[0] != '\0' ? approvers : NULL, FALSE);
	csv_cell(s,
	         g_strcmp0(ev->event, FUT_LOG_EV_GAP) == 0
	             ? fut_log_event_get_detail_str(ev, "kind")
	             : NULL,
	         FALSE);
	csv_cell(s, fut_log_event_get_detail_str(ev, "requester_reason"), TRUE);
	if (fwrite(s->str, 1, s->len, r->csv) != s->len)
		r->write_failed = TRUE;
}

/* --- collection ------------------------------------------------------------------------ */

static void
media_seen(Report *r, const FutLogRecord *rec)
{
	const FutLogDestination *d = &rec->ev->destination;
	g_autofree gchar *key = NULL;
	Medium *m;

	/* A refusal before the agent knew the request (another host's, an expired one) names no
	 * device: it is not a medium, and counting it showed an unknown stick "?:?". */
	if (d->vid == NULL && d->pid == NULL && d->serial == NULL && d->fs_uuid == NULL)
		return;
	key = g_strdup_printf("%s:%s:%s:%s", d->vid != NULL ? d->vid : "",
	                      d->pid != NULL ? d->pid : "", d->serial != NULL ? d->serial : "",
	                      d->serial == NULL && d->fs_uuid != NULL ? d->fs_uuid : "");
	m = g_hash_table_lookup(r->media, key);
	if (m == NULL) {
		m = g_new0(Medium, 1);
		m->vid = g_strdup(d->vid);
		m->pid = g_strdup(d->pid);
		m->serial = g_strdup(d->serial);
		m->hosts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		m->first_us = rec->time_us;
		if (r->reg != NULL)
			m->reg = fut_media_register_lookup(r->reg, d->vid, d->pid, d->serial);
		g_hash_table_insert(r->media, g_steal_pointer(&key), m);
	}
	if (d->label != NULL) {
		g_free(m->label);
		m->label = g_strdup(d->label);
	}
	if (d->asset != NULL && m->asset == NULL)
		m->asset = g_strdup(d->asset);
	m->first_us = MIN(m->first_us, rec->time_us);
	m->last_us = MAX(m->last_us, rec->time_us);
	if (!g_hash_table_contains(m->hosts, rec->host))
		g_hash_table_add(m->hosts, g_strdup(rec->host));
	if (g_strcmp0(rec->ev->event, FUT_LOG_EV_DEVICE_ATTACH) == 0)
		m->attaches++;
	else if (g_strcmp0(rec->ev->event, FUT_LOG_EV_EXPORT_WRITTEN) == 0)
		m->writes++;
	else if (g_strcmp0(rec->ev->event, FUT_LOG_EV_DEVICE_SUSPICIOUS) == 0)
		m->suspicious++;
}

static void
collect(const FutLogRecord *rec, const gchar *month, const gchar *line, gsize len, gpointer data)
{
	Report *r = data;
	const gchar *e = rec->ev->event;
	HostReport *h = r->cur;

	if (strcmp(month, r->month) != 0)
		return;
	h->records++;
	r->records++;
	if (h->first_us == 0 || rec->time_us < h->first_us)
		h->first_us = rec->time_us;
	h->last_us = MAX(h->last_us, rec->time_us);
	if (strcmp(e, FUT_LOG_EV_CHECKPOINT) == 0) {
		h->checkpoints++;
		return;
	}
	csv_record(r, rec);
	if (g_strcmp0(rec->ev->destination.kind, "usb") == 0)
		media_seen(r, rec);
	if (strcmp(e, FUT_LOG_EV_EXPORT_WRITTEN) == 0) {
		gint c = class_index(rec->ev->object.klass);
		if (c != CLASS_III || r->exports[c]->len < ROWS_CLASS_III)
			g_ptr_array_add(r->exports[c], row_new(rec));
		r->n_exports[c]++;
		if (c != CLASS_UNKNOWN)
			r->exports_day[c][day_index(r, rec->time_us)]++;
	} else if (strcmp(e, FUT_LOG_EV_EXPORT_REFUSED) == 0 ||
	           strcmp(e, FUT_LOG_EV_UPLOAD_DENIED) == 0 ||
	           strcmp(e, FUT_LOG_EV_APPROVAL_REFUSED) == 0 ||
	           strcmp(e, FUT_LOG_EV_DEVICE_SUSPICIOUS) == 0) {
		if (r->denials->len < ROWS_DENIALS)
			g_ptr_array_add(r->denials, row_new(rec));
		r->n_denials++;
		r->denials_day[day_index(r, rec->time_us)]++;
		if (strcmp(e, FUT_LOG_EV_EXPORT_REFUSED) == 0)
			r->denial_counts[0]++;
		else if (strcmp(e, FUT_LOG_EV_UPLOAD_DENIED) == 0)
			r->denial_counts[1]++;
		else if (strcmp(e, FUT_LOG_EV_APPROVAL_REFUSED) == 0)
			r->denial_counts[2]++;
		else
			r->denial_counts[3]++;
	} else if (strcmp(e, FUT_LOG_EV_EXPORT_REQUESTED) == 0) {
		r->requested++;
	} else if (strcmp(e, FUT_LOG_EV_REDEEM_ACCEPTED) == 0) {
		r->redeemed++;
		if (rec->ev->request != NULL) {
			Redeemed *d = g_new0(Redeemed, 1);
			d->approvers = approvers_text(r, rec->ev);
			d->reason =
			    g_strdup(fut_log_event_get_detail_str(rec->ev, "requester_reason"));
			d->host = g_strdup(rec->ev->destination.host);
			g_hash_table_replace(r->redeems, g_strdup(rec->ev->request), d);
		}
	} else if (strcmp(e, FUT_LOG_EV_GAP) == 0) {
		const gchar *k = fut_log_event_get_detail_str(rec->ev, "kind");
		if (g_strcmp0(k, FUT_LOG_GAP_UNCLEAN_STOP) == 0)
			h->gaps[0]++;
		else if (g_strcmp0(k, FUT_LOG_GAP_QUEUE_OVERFLOW) == 0)
			h->gaps[1]++;
		else if (g_strcmp0(k, FUT_LOG_GAP_TORN_TAIL) == 0)
			h->gaps[2]++;
		else if (g_strcmp0(k, FUT_LOG_GAP_CLOCK_JUMP) == 0)
			h->gaps[3]++;
	}
	if (g_str_has_prefix(e, "upload.")) {
		if (r->uploads->len < ROWS_UPLOADS)
			g_ptr_array_add(r->uploads, row_new(rec));
		r->n_uploads++;
		if (strcmp(e, FUT_LOG_EV_UPLOAD_ALLOWED) == 0)
			r->upload_counts[0]++;
		else if (strcmp(e, FUT_LOG_EV_UPLOAD_DENIED) == 0)
			r->upload_counts[1]++;
		else
			r->upload_counts[2]++;
	}
	(void)line;
	(void)len;
}

/* --- HTML ------------------------------------------------------------------------------ */

static void
esc(GString *s, const gchar *v)
{
	if (v == NULL) {
		g_string_append(s, "—");
		return;
	}
	for (const gchar *p = v; *p; p++) {
		switch (*p) {
		case '&':
			g_string_append(s, "&amp;");
			break;
		case '<':
			g_string_append(s, "&lt;");
			break;
		case '>':
			g_string_append(s, "&gt;");
			break;
		case '"':
			g_string_append(s, "&quot;");
			break;
		case '\'':
			g_string_append(s, "&#39;");
			break;
		default:
			g_string_append_c(s, *p);
		}
	}
}

static gchar *
fmt_time(gint64 us)
{
	g_autofree gchar *t = fut_log_time_format(us);

	/* 2026-11-26T09:00:00.000000Z -> 2026-11-26 09:00 */
	return g_strdup_printf("%.10s %.5s", t, t + 11);
}

static gchar *
fmt_size(gint64 n)
{
	if (n < 0)
		return g_strdup("—");
	return g_format_size_full((guint64)n, G_FORMAT_SIZE_IEC_UNITS);
}

static void
td(GString *s, const gchar *cls, const gchar *v)
{
	if (cls != NULL)
		g_string_append_printf(s, "<td class=\"%s\">", cls);
	else
		g_string_append(s, "<td>");
	esc(s, v);
	g_string_append(s, "</td>");
}

static void
td_num(GString *s, guint64 n)
{
	g_string_append_printf(s, "<td class=\"num\">%" G_GUINT64_FORMAT "</td>", n);
}

static void
th_row(GString *s, const Report *r, const gchar *const *keys)
{
	g_string_append(s, "<thead><tr>");
	for (const gchar *const *k = keys; *k != NULL; k++) {
		g_string_append(s, "<th>");
		esc(s, T(r, *k));
		g_string_append(s, "</th>");
	}
	g_string_append(s, "</tr></thead>\n");
}

static gchar *
device_text(const FutLogDestination *d)
{
	GString *s = g_string_new(NULL);

	if (g_strcmp0(d->kind, "upload") == 0) {
		if (d->program != NULL)
			g_string_append(s, d->program);
		if (d->host != NULL)
			g_string_append_printf(s, " → %s", d->host);
		return g_string_free(s, FALSE);
	}
	if (d->asset != NULL)
		g_string_append_printf(s, "%s ", d->asset);
	if (d->label != NULL)
		g_string_append_printf(s, "「%s」 ", d->label);
	if (d->vid != NULL)
		g_string_append_printf(s, "%s:%s ", d->vid, d->pid != NULL ? d->pid : "?");
	if (d->serial != NULL)
		g_string_append(s, d->serial);
	return g_string_free(s, FALSE);
}

static gchar *
approvers_text(const Report *r, const FutLogEvent *ev)
{
	GString *s = g_string_new(NULL);
	/* Whether each approver saw the content (detail.content_checked, "yes,no", in the
	 * order of the approvers; absent in records from before it existed). */
	g_auto(GStrv) seen = g_strsplit(fut_log_event_get_detail_str(ev, "content_checked") != NULL
	                                    ? fut_log_event_get_detail_str(ev, "content_checked")
	                                    : "",
	                                ",", -1);

	for (guint i = 0; i < ev->approvers->len; i++) {
		const gchar *c = i < g_strv_length(seen) ? seen[i] : NULL;
		g_string_append_printf(s, "%s%s", i > 0 ? ", " : "",
		                       (gchar *)g_ptr_array_index(ev->approvers, i));
		if (g_strcmp0(c, "yes") == 0 || g_strcmp0(c, "no") == 0)
			g_string_append_printf(
			    s, " (%s)", T(r, g_str_equal(c, "yes") ? "content_yes" : "content_no"));
	}
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

static gchar *
user_text(const FutLogSubject *s)
{
	if (s->login != NULL && s->uid >= 0)
		return g_strdup_printf("%s (%" G_GINT64_FORMAT ")", s->login, s->uid);
	if (s->login != NULL)
		return g_strdup(s->login);
	if (s->uid >= 0)
		return g_strdup_printf("uid %" G_GINT64_FORMAT, s->uid);
	return NULL;
}

/* A nice axis maximum and step: 1, 2 or 5 times a power of ten, at most 5 steps. */
static void
axis(guint max, guint *ret_top, guint *ret_step)
{
	guint step = 1;

	if (max < 1)
		max = 1;
	for (guint mag = 1;; mag *= 10) {
		if (max <= mag * 5) {
			step = mag;
			break;
		}
		if (max <= mag * 10) {
			step = mag * 2;
			break;
		}
		if (max <= mag * 25) {
			step = mag * 5;
			break;
		}
	}
	*ret_step = step;
	*ret_top = ((max + step - 1) / step) * step;
}

/* A bar chart of @series (1 or 3 stacked) over the days of the month. */
static void
chart(GString *s,
      const Report *r,
      const gchar *title,
      const guint (*series)[31],
      guint nseries,
      const gchar *const *colors,
      const gchar *const *names)
{
	const gdouble W = 700, H = 230, L = 44, R = 10, TOP = 30, B = 28;
	const gdouble pw = W - L - R, ph = H - TOP - B;
	guint max = 0, top, step;
	gdouble slot = pw / r->days;

	for (gint d = 0; d < r->days; d++) {
		guint sum = 0;
		for (guint k = 0; k < nseries; k++)
			sum += series[k][d];
		max = MAX(max, sum);
	}
	axis(max, &top, &step);
	g_string_append_printf(
	    s,
	    "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f "
	    "%.0f\" role=\"img\" aria-label=\"",
	    W, H);
	esc(s, title);
	g_string_append(s, "\"><title>");
	esc(s, title);
	g_string_append(s, "</title>\n");
	g_string_append_printf(
	    s, "<text x=\"%.0f\" y=\"16\" font-size=\"13\" font-weight=\"bold\">", L);
	esc(s, title);
	g_string_append(s, "</text>\n");
	for (guint v = 0; v <= top; v += step) {
		gdouble y = TOP + ph - ph * v / top;
		g_string_append_printf(s,
		                       "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		                       "stroke=\"#ccc\" stroke-width=\"0.6\"/>"
		                       "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
		                       "text-anchor=\"end\">%u</text>\n",
		                       L, y, W - R, y, L - 4, y + 3.5, v);
	}
	for (gint d = 0; d < r->days; d++) {
		gdouble x = L + slot * d + slot * 0.15;
		gdouble y = TOP + ph;
		for (guint k = 0; k < nseries; k++) {
			gdouble h = ph * series[k][d] / top;
			if (series[k][d] == 0)
				continue;
			y -= h;
			g_string_append_printf(
			    s,
			    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			    "height=\"%.1f\" fill=\"%s\"><title>%d: %u</title></rect>",
			    x, y, slot * 0.7, h, colors[k], d + 1, series[k][d]);
		}
		if (d == 0 || (d + 1) % 5 == 0 || d == r->days - 1)
			g_string_append_printf(s,
			                       "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
			                       "text-anchor=\"middle\">%d</text>",
			                       L + slot * d + slot / 2, TOP + ph + 14, d + 1);
	}
	g_string_append_printf(s,
	                       "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	                       "stroke=\"#333\" stroke-width=\"1\"/>\n",
	                       L, TOP + ph, W - R, TOP + ph);
	g_string_append_printf(s,
	                       "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
	                       "text-anchor=\"end\">(%s)</text>\n",
	                       W - R, H - 2, T(r, "day"));
	if (nseries > 1) {
		gdouble x = W - R - 80.0 * nseries;
		for (guint k = 0; k < nseries; k++) {
			g_string_append_printf(
			    s,
			    "<rect x=\"%.1f\" y=\"7\" width=\"10\" height=\"10\" "
			    "fill=\"%s\"/><text x=\"%.1f\" y=\"16\" "
			    "font-size=\"11\">",
			    x + 80.0 * k, colors[k], x + 80.0 * k + 14);
			esc(s, names[k]);
			g_string_append(s, "</text>");
		}
	}
	g_string_append(s, "</svg></figure>\n");
}

static gchar *
more_text(const Report *r, guint n)
{
	return g_strdup_printf("%s%u%s", T(r, "more_rows_a"), n, T(r, "more_rows_b"));
}

static void
more_rows(GString *s, const Report *r, guint shown, guint total)
{
	if (total > shown) {
		g_autofree gchar *m = more_text(r, total - shown);
		g_string_append(s, "<p class=\"note\">");
		esc(s, m);
		g_string_append(s, "</p>\n");
	}
}

static void
none(GString *s, const Report *r)
{
	g_string_append(s, "<p class=\"none\">");
	esc(s, T(r, "none"));
	g_string_append(s, "</p>\n");
}

static gint
compare_medium(gconstpointer a, gconstpointer b)
{
	const Medium *x = *(const Medium *const *)a;
	const Medium *y = *(const Medium *const *)b;

	/* Unregistered media first: they are what an inspector must look at. */
	if ((x->reg == NULL) != (y->reg == NULL))
		return x->reg == NULL ? -1 : 1;
	return x->first_us < y->first_us ? -1 : x->first_us > y->first_us;
}

static gint
cmp_strptr(gconstpointer a, gconstpointer b, gpointer unused)
{
	return strcmp(*(const gchar *const *)a, *(const gchar *const *)b);
}

static gchar *
hosts_text(GHashTable *set)
{
	g_autofree const gchar **keys = (const gchar **)g_hash_table_get_keys_as_array(set, NULL);
	guint n = g_hash_table_size(set);

	g_qsort_with_data(keys, (gint)n, sizeof(gchar *), cmp_strptr, NULL);
	if (n > 5) {
		return g_strdup_printf("%s, %s, %s … (%u)", keys[0], keys[1], keys[2], n);
	}
	return g_strjoinv(", ", (gchar **)keys);
}

static GPtrArray *
sorted_media(const Report *r)
{
	GPtrArray *all = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, r->media);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(all, v);
	g_ptr_array_sort(all, compare_medium);
	return all;
}

/* Registered media with no record this month. */
static GPtrArray *
lost_media(const Report *r)
{
	GPtrArray *lost = g_ptr_array_new();
	g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	GHashTableIter it;
	gpointer v;

	if (r->reg == NULL)
		return lost;
	g_hash_table_iter_init(&it, r->media);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		Medium *m = v;
		if (m->reg != NULL)
			g_hash_table_add(seen, (gpointer)m->reg);
	}
	{
		guint n = fut_media_register_get_n_entries(r->reg);
		for (guint i = 0; i < n; i++) {
			const FutMediaEntry *e = fut_media_register_get_entry(r->reg, i);
			if (!g_hash_table_contains(seen, e))
				g_ptr_array_add(lost, (gpointer)e);
		}
	}
	return lost;
}

static guint64
total_findings(const Report *r)
{
	guint64 n = 0;

	for (guint i = 0; i < r->hosts->len; i++)
		n += ((HostReport *)g_ptr_array_index(r->hosts, i))->res->findings->len;
	return n;
}

static const FutLogCheckpoint *
month_checkpoint(const Report *r, const HostReport *h)
{
	for (guint i = 0; i < h->res->months->len; i++) {
		const FutLogMonthSummary *m = g_ptr_array_index(h->res->months, i);
		if (strcmp(m->month, r->month) == 0)
			return m->last_checkpoint;
	}
	return NULL;
}

static const gchar css[] =
    "@page{size:A4;margin:14mm 12mm}"
    "*{box-sizing:border-box}"
    "body{font-family:'Noto Sans CJK JP','Noto Sans JP','IPAexGothic','Yu Gothic',sans-serif;"
    "font-size:10pt;line-height:1.45;color:#111;max-width:186mm;margin:8mm auto;padding:0 2mm}"
    "h1{font-size:17pt;margin:0 0 2mm;border-bottom:2px solid #1f3b57;padding-bottom:2mm}"
    "h2{font-size:12.5pt;margin:7mm 0 2mm;border-left:5px solid #1f3b57;padding-left:6px;"
    "break-after:avoid}"
    "h3{font-size:10.5pt;margin:4mm 0 1mm;break-after:avoid}"
    ".sub{color:#444;margin:0 0 3mm}"
    "table{border-collapse:collapse;width:100%;font-size:8.5pt;margin:1mm 0 2mm}"
    "th,td{border:1px solid #9aa4ad;padding:1.5px 4px;vertical-align:top;text-align:left}"
    "th{background:#e8edf2;font-weight:bold;white-space:nowrap}"
    "thead{display:table-header-group}tr{break-inside:avoid}"
    "td.num{text-align:right;white-space:nowrap}td.t,td.id{white-space:nowrap}"
    "td.path{word-break:break-all}td.root b,td.root span{white-space:nowrap}"
    ".mono{font-family:'Noto Sans Mono CJK JP','DejaVu Sans Mono',monospace;font-size:8.5pt;"
    "word-break:break-all}td.id{font-family:'Noto Sans Mono CJK JP',monospace;font-size:8pt}"
    ".ok{color:#17692d;font-weight:bold}.ng{color:#b00020;font-weight:bold}"
    "tr.warn td{background:#fdecea}"
    ".kpi{display:grid;grid-template-columns:repeat(4,1fr);gap:2mm;margin:2mm 0}"
    ".kpi div{border:1px solid #9aa4ad;padding:1.5mm 2mm}"
    ".kpi b{display:block;font-size:15pt}"
    ".kpi span{font-size:8pt;color:#333}"
    ".verdict{border:2px solid;padding:2mm 3mm;margin:2mm 0;font-weight:bold}"
    ".verdict.ok{border-color:#17692d}.verdict.ng{border-color:#b00020;background:#fdecea}"
    ".sign{display:flex;justify-content:flex-end;gap:4mm;margin:3mm 0}"
    ".sign div{border:1px solid #555;width:38mm;height:16mm;padding:1mm;font-size:8pt}"
    ".sign div.seal{width:16mm}"
    "figure{margin:1mm 0 3mm;break-inside:avoid}svg{width:100%;height:auto;"
    "font-family:inherit}"
    ".note{font-size:8.5pt;color:#333}.none{color:#555}"
    "@media print{body{margin:0;max-width:none}}";

static void
write_html_head(GString *s, const Report *r)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *gen = g_date_time_format(now, "%Y-%m-%d %H:%M UTC");
	guint64 findings = total_findings(r);

	g_string_append_printf(s,
	                       "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">",
	                       r->ja ? "ja" : "en");
	g_string_append(s, "<title>");
	esc(s, T(r, "title"));
	g_string_append_printf(s, " %s</title><style>%s</style></head><body>\n", r->month, css);
	g_string_append(s, "<h1>");
	esc(s, T(r, "title"));
	g_string_append_printf(s, " — %s</h1>\n<p class=\"sub\">", r->month);
	esc(s, T(r, "subtitle"));
	g_string_append(s, "<br>");
	esc(s, T(r, "generated"));
	g_string_append_printf(s, ": %s　", gen);
	esc(s, T(r, "hosts"));
	g_string_append_printf(s, ": %u　", r->hosts->len);
	esc(s, T(r, "tz"));
	g_string_append(s, "</p>\n");
	g_string_append_printf(s, "<div class=\"verdict %s\">", findings == 0 ? "ok" : "ng");
	esc(s, T(r, "integrity"));
	g_string_append(s, ": ");
	esc(s, findings == 0 ? T(r, "all_ok") : T(r, "not_ok"));
	if (findings > 0)
		g_string_append_printf(s, " (%" G_GUINT64_FORMAT ")", findings);
	g_string_append(s, "</div>\n<div class=\"sign\"><div>");
	esc(s, T(r, "sign"));
	g_string_append(s, "</div><div>");
	esc(s, T(r, "date"));
	g_string_append(s, "</div><div class=\"seal\">");
	esc(s, T(r, "seal"));
	g_string_append(s, "</div></div>\n");
}

static void
kpi(GString *s, const Report *r, const gchar *key, guint64 n, const gchar *extra)
{
	g_string_append_printf(s, "<div><b>%" G_GUINT64_FORMAT "</b><span>", n);
	esc(s, T(r, key));
	if (extra != NULL) {
		g_string_append(s, " ");
		esc(s, extra);
	}
	g_string_append(s, "</span></div>");
}

static void
write_summary(GString *s, const Report *r, GPtrArray *media, GPtrArray *lost)
{
	guint unregistered = 0;
	guint gaps = 0;

	for (guint i = 0; i < media->len; i++)
		unregistered += ((Medium *)g_ptr_array_index(media, i))->reg == NULL;
	for (guint i = 0; i < r->hosts->len; i++) {
		HostReport *h = g_ptr_array_index(r->hosts, i);
		gaps += h->gaps[0] + h->gaps[1] + h->gaps[2] + h->gaps[3];
	}
	g_string_append(s, "<h2>");
	esc(s, T(r, "s_summary"));
	g_string_append(s, "</h2>\n<div class=\"kpi\">");
	kpi(s, r, "class_I", r->n_exports[CLASS_I], T(r, "exports"));
	kpi(s, r, "class_II", r->n_exports[CLASS_II], T(r, "exports"));
	kpi(s, r, "class_III", r->n_exports[CLASS_III], T(r, "exports"));
	kpi(s, r, "denials", r->n_denials, NULL);
	kpi(s, r, "uploads", r->n_uploads, NULL);
	kpi(s, r, "media_seen", media->len, NULL);
	kpi(s, r, r->reg != NULL ? "unregistered" : "media_seen",
	    r->reg != NULL ? unregistered : media->len, NULL);
	kpi(s, r, "lost_count", lost->len, NULL);
	kpi(s, r, "records", r->records, NULL);
	kpi(s, r, "gaps", gaps, NULL);
	kpi(s, r, "findings", total_findings(r), NULL);
	kpi(s, r, "hosts", r->hosts->len, NULL);
	g_string_append(s, "</div>\n");
	if (r->n_exports[CLASS_UNKNOWN] > 0) {
		g_string_append(s, "<p class=\"ng\">");
		esc(s, T(r, "class_unknown"));
		g_string_append_printf(s, ": %u</p>\n", r->n_exports[CLASS_UNKNOWN]);
	}
}

static void
write_media(GString *s, const Report *r, GPtrArray *media, GPtrArray *lost)
{
	static const gchar *const cols[] = {"asset",    "registered", "device",     "serial",
	                                    "label",    "owner",      "first_seen", "last_seen",
	                                    "on_hosts", "attaches",   "writes",     NULL};
	static const gchar *const lost_cols[] = {"asset", "device",     "serial", "label",
	                                         "owner", "lost_check", NULL};

	g_string_append(s, "<h2>");
	esc(s, T(r, "s_media"));
	g_string_append(s, "</h2>\n");
	if (r->reg == NULL) {
		g_string_append(s, "<p class=\"note\">");
		esc(s, T(r, "no_register"));
		g_string_append(s, "</p>\n");
	}
	if (media->len == 0) {
		none(s, r);
	} else {
		g_string_append(s, "<table>");
		th_row(s, r, cols);
		for (guint i = 0; i < media->len; i++) {
			Medium *m = g_ptr_array_index(media, i);
			g_autofree gchar *dev = g_strdup_printf(
			    "%s:%s", m->vid != NULL ? m->vid : "?", m->pid != NULL ? m->pid : "?");
			g_autofree gchar *a = fmt_time(m->first_us);
			g_autofree gchar *z = fmt_time(m->last_us);
			g_autofree gchar *hosts = hosts_text(m->hosts);
			gboolean warn = (r->reg != NULL && m->reg == NULL) || m->suspicious > 0;
			g_string_append_printf(s, "<tr%s>", warn ? " class=\"warn\"" : "");
			td(s, NULL, m->reg != NULL ? m->reg->asset_id : m->asset);
			if (r->reg == NULL)
				td(s, NULL, NULL);
			else
				g_string_append_printf(s, "<td class=\"%s\">%s</td>",
				                       m->reg != NULL ? "ok" : "ng",
				                       m->reg != NULL ? T(r, "yes") : T(r, "no"));
			td(s, "t", dev);
			td(s, "mono", m->serial);
			td(s, NULL, m->label);
			td(s, NULL, m->reg != NULL ? m->reg->owner : NULL);
			td(s, "t", a);
			td(s, "t", z);
			td(s, NULL, hosts);
			td_num(s, m->attaches);
			td_num(s, m->writes);
			g_string_append(s, "</tr>\n");
		}
		g_string_append(s, "</table>\n");
	}

	g_string_append(s, "<h2>");
	esc(s, T(r, "s_lost"));
	g_string_append(s, "</h2>\n");
	if (r->reg == NULL) {
		g_string_append(s, "<p class=\"note\">");
		esc(s, T(r, "no_register"));
		g_string_append(s, "</p>\n");
		return;
	}
	if (lost->len == 0) {
		none(s, r);
		return;
	}
	g_string_append(s, "<p>");
	esc(s, T(r, "lost_note"));
	g_string_append(s, "</p><table>");
	th_row(s, r, lost_cols);
	for (guint i = 0; i < lost->len; i++) {
		const FutMediaEntry *m = g_ptr_array_index(lost, i);
		g_autofree gchar *dev = g_strdup_printf("%s:%s", m->vid, m->pid);
		g_string_append(s, "<tr class=\"warn\">");
		td(s, NULL, m->asset_id);
		td(s, "t", dev);
		td(s, "mono", m->serial);
		td(s, NULL, NULL); /* the register has no label: it is the stick's to change */
		td(s, NULL, m->owner);
		g_string_append(s, "<td>□</td></tr>\n");
	}
	g_string_append(s, "</table>\n");
}

static void
write_exports(GString *s, const Report *r)
{
	static const gchar *const cols[] = {"time",    "host",        "requester", "file",
	                                    "size",    "destination", "approvers", "reason",
	                                    "request", NULL};
	static const gchar *const keys[] = {"class_I", "class_II", "class_III", "class_unknown"};
	static const gchar *const colors[] = {"#b3261e", "#e08a00", "#7d8b99"};
	const gchar *names[] = {T(r, "class_I"), T(r, "class_II"), T(r, "class_III")};

	g_string_append(s, "<h2>");
	esc(s, T(r, "s_exports"));
	g_string_append(s, "</h2>\n");
	chart(s, r, T(r, "chart_exports"), (const guint(*)[31])r->exports_day, 3, colors, names);
	for (gint c = 0; c < N_CLASSES; c++) {
		GPtrArray *rows = r->exports[c];
		guint cap = c == CLASS_III ? ROWS_CLASS_III : G_MAXUINT;
		guint total = r->n_exports[c];
		guint shown = MIN(rows->len, cap);
		if (c == CLASS_UNKNOWN && total == 0)
			continue;
		g_string_append(s, "<h3>");
		esc(s, T(r, keys[c]));
		g_string_append_printf(s, " — %u</h3>\n", total);
		if (total == 0) {
			none(s, r);
			continue;
		}
		g_string_append(s, "<table>");
		th_row(s, r, cols);
		for (guint i = 0; i < shown; i++) {
			Row *row = g_ptr_array_index(rows, i);
			g_autofree gchar *t = fmt_time(row->time_us);
			g_autofree gchar *user = user_text(&row->ev->subject);
			g_autofree gchar *size = fmt_size(row->ev->object.size);
			g_autofree gchar *dev = device_text(&row->ev->destination);
			g_autofree gchar *appr = approvers_text(r, row->ev);
			/* Class I and II leave only with approvers; none listed is worth a look. */
			gboolean warn = c <= CLASS_II && appr == NULL;
			g_string_append_printf(s, "<tr%s>", warn ? " class=\"warn\"" : "");
			td(s, "t", t);
			td(s, "t", row->host);
			td(s, NULL, user);
			td(s, "path", row->ev->object.path);
			td(s, "num", size);
			td(s, NULL, dev);
			td(s, NULL, appr);
			td(s, NULL, reason_of(row->ev));
			td(s, "id", row->ev->request);
			g_string_append(s, "</tr>\n");
		}
		g_string_append(s, "</table>\n");
		more_rows(s, r, shown, total);
	}
}

static void
write_denials(GString *s, const Report *r)
{
	static const gchar *const cols[] = {"time", "host",  "event",  "user", "program",
	                                    "file", "class", "reason", NULL};
	static const gchar *const colors[] = {"#6a3d9a"};
	const gchar *names[] = {T(r, "denials")};
	guint shown = MIN(r->denials->len, ROWS_DENIALS);

	g_string_append(s, "<h2>");
	esc(s, T(r, "s_denials"));
	g_string_append(s, "</h2>\n");
	chart(s, r, T(r, "chart_denials"), (const guint(*)[31]) & r->denials_day, 1, colors, names);
	if (r->n_denials == 0) {
		none(s, r);
		return;
	}
	g_string_append(s, "<table>");
	th_row(s, r, cols);
	for (guint i = 0; i < shown; i++) {
		Row *row = g_ptr_array_index(r->denials, i);
		g_autofree gchar *t = fmt_time(row->time_us);
		g_autofree gchar *user = user_text(&row->ev->subject);
		g_autofree gchar *evkey = g_strdup_printf("ev_%s", row->ev->event);
		g_autofree gchar *dev = NULL;
		const gchar *program = row->ev->destination.program != NULL
		                           ? row->ev->destination.program
		                           : row->ev->subject.exe;
		g_string_append(s, "<tr>");
		td(s, "t", t);
		td(s, "t", row->host);
		td(s, NULL, T(r, evkey));
		td(s, NULL, user);
		if (g_strcmp0(row->ev->event, FUT_LOG_EV_DEVICE_SUSPICIOUS) == 0) {
			dev = device_text(&row->ev->destination);
			td(s, "path", dev);
		} else {
			td(s, "path", program);
		}
		td(s, "path", row->ev->object.path);
		td(s, NULL, row->ev->object.klass);
		td(s, NULL, row->ev->reason);
		g_string_append(s, "</tr>\n");
	}
	g_string_append(s, "</table>\n");
	more_rows(s, r, shown, r->n_denials);
}

static void
write_uploads(GString *s, const Report *r)
{
	static const gchar *const cols[] = {"time",  "host",     "user",      "program", "file",
	                                    "class", "decision", "approvers", "reason",  NULL};
	guint shown = MIN(r->uploads->len, ROWS_UPLOADS);

	g_string_append(s, "<h2>");
	esc(s, T(r, "s_uploads"));
	g_string_append(s, "</h2>\n");
	if (r->n_uploads == 0) {
		none(s, r);
		return;
	}
	g_string_append(s, "<table>");
	th_row(s, r, cols);
	for (guint i = 0; i < shown; i++) {
		Row *row = g_ptr_array_index(r->uploads, i);
		g_autofree gchar *t = fmt_time(row->time_us);
		g_autofree gchar *user = user_text(&row->ev->subject);
		g_autofree gchar *appr = approvers_text(r, row->ev);
		const gchar *d = row->ev->decision;
		const gchar *why = reason_of(row->ev);
		const Redeemed *red = row->ev->request != NULL
		                          ? g_hash_table_lookup(r->redeems, row->ev->request)
		                          : NULL;

		/* an allowed upload shows who approved it and why it was asked for */
		if (red != NULL && appr == NULL)
			appr = g_strdup(red->approvers);
		if (red != NULL && red->reason != NULL)
			why = red->reason;
		g_string_append_printf(s, "<tr%s>",
		                       g_strcmp0(d, "deny") == 0 ? " class=\"warn\"" : "");
		td(s, "t", t);
		td(s, "t", row->host);
		td(s, NULL, user);
		{
			g_autofree gchar *dest = device_text(&row->ev->destination);
			const gchar *prog = dest[0] != '\0' ? dest : row->ev->subject.exe;
			g_autofree gchar *via = NULL;
			/* the open names no host; the redeemed request it used does */
			if (row->ev->destination.host == NULL && red != NULL && red->host != NULL)
				via = g_strdup_printf("%s → %s", prog != NULL ? prog : "?",
				                      red->host);
			td(s, "path", via != NULL ? via : prog);
		}
		td(s, "path", row->ev->object.path);
		td(s, NULL, row->ev->object.klass);
		td(s, NULL, d == NULL ? T(r, "observed") : T(r, d));
		td(s, NULL, appr);
		td(s, NULL, why);
		g_string_append(s, "</tr>\n");
	}
	g_string_append(s, "</table>\n");
	more_rows(s, r, shown, r->n_uploads);
}

static void
write_integrity(GString *s, const Report *r)
{
	static const gchar *const cols[] = {"host",       "records_short", "period", "checkpoints",
	                                    "gaps_short", "key",           "result", NULL};
	g_autoptr(GString) ok_hosts = g_string_new(NULL);
	guint listed = 0;

	g_string_append(s, "<h2>");
	esc(s, T(r, "s_integrity"));
	g_string_append(s, "</h2>\n<table>");
	th_row(s, r, cols);
	for (guint i = 0; i < r->hosts->len; i++) {
		HostReport *h = g_ptr_array_index(r->hosts, i);
		guint gaps = h->gaps[0] + h->gaps[1] + h->gaps[2] + h->gaps[3];
		gboolean bad = h->res->findings->len > 0;
		g_autofree gchar *period = NULL;
		g_autoptr(GString) gap_text = g_string_new(NULL);
		const gchar *host = h->res->host != NULL ? h->res->host : h->dir;

		/* With thousands of hosts, the clean ones go in one line at the end. */
		if (!bad && gaps == 0 && r->hosts->len > 20) {
			g_string_append_printf(ok_hosts, "%s%s", ok_hosts->len > 0 ? ", " : "",
			                       host);
			continue;
		}
		listed++;
		if (h->records > 0) {
			g_autofree gchar *a = fmt_time(h->first_us);
			g_autofree gchar *z = fmt_time(h->last_us);
			period = g_strdup_printf("%s – %s", a, z);
		}
		if (h->gaps[0] > 0)
			g_string_append_printf(gap_text, "%s %u ", T(r, "unclean"), h->gaps[0]);
		if (h->gaps[1] > 0)
			g_string_append_printf(gap_text, "%s %u ", T(r, "overflow"), h->gaps[1]);
		if (h->gaps[2] > 0)
			g_string_append_printf(gap_text, "%s %u ", T(r, "torn"), h->gaps[2]);
		if (h->gaps[3] > 0)
			g_string_append_printf(gap_text, "%s %u ", T(r, "clock"), h->gaps[3]);
		g_string_append_printf(s, "<tr%s>", bad ? " class=\"warn\"" : "");
		td(s, "t", host);
		td_num(s, h->records);
		td(s, "t", period);
		td_num(s, h->checkpoints);
		td(s, NULL, gap_text->len > 0 ? gap_text->str : "0");
		td(s, NULL, h->res->key_pinned ? T(r, "pinned") : T(r, "unpinned"));
		g_string_append_printf(s, "<td class=\"%s\">%s", bad ? "ng" : "ok",
		                       bad ? T(r, "ng") : T(r, "ok"));
		if (bad)
			g_string_append_printf(s, " (%u)", h->res->findings->len);
		g_string_append(s, "</td></tr>\n");
		for (guint k = 0; k < h->res->findings->len && k < ROWS_FINDINGS; k++) {
			const FutLogFinding *f = g_ptr_array_index(h->res->findings, k);
			g_autofree gchar *where =
			    f->file == NULL ? g_strdup("")
			    : f->line > 0
			        ? g_strdup_printf("%s:%" G_GUINT64_FORMAT, f->file, f->line)
			        : g_strdup(f->file);
			g_string_append(
			    s, "<tr class=\"warn\"><td></td><td colspan=\"6\" class=\"mono\">");
			{
				g_autofree gchar *key = g_strdup_printf("f_%s", f->code);
				g_string_append(s, "<b>");
				esc(s, T(r, key));
				g_string_append(s, "</b> ");
			}
			esc(s, f->code);
			g_string_append(s, " ");
			esc(s, where);
			g_string_append(s, ": ");
			esc(s, f->message);
			g_string_append(s, "</td></tr>\n");
		}
		if (h->res->findings->len > ROWS_FINDINGS) {
			g_string_append(s, "<tr class=\"warn\"><td></td><td colspan=\"6\">");
			{
				g_autofree gchar *m =
				    more_text(r, h->res->findings->len - ROWS_FINDINGS);
				esc(s, m);
			}
			g_string_append(s, "</td></tr>\n");
		}
	}
	g_string_append(s, "</table>\n");
	if (ok_hosts->len > 0) {
		g_string_append(s, "<p class=\"note\"><b>");
		esc(s, T(r, "ok_hosts"));
		g_string_append_printf(s, " (%u):</b> ", r->hosts->len - listed);
		esc(s, ok_hosts->str);
		g_string_append(s, "</p>\n");
	}
}

static void
write_final(GString *s, const Report *r)
{
	static const gchar *const cols[] = {"host",      "cp_size", "last_seq", "time",
	                                    "tree_head", "key",     NULL};

	g_string_append(s, "<h2>");
	esc(s, T(r, "s_final"));
	g_string_append(s, "</h2>\n<p class=\"note\">");
	esc(s, T(r, "final_note"));
	g_string_append(s, "</p><table>");
	th_row(s, r, cols);
	for (guint i = 0; i < r->hosts->len; i++) {
		HostReport *h = g_ptr_array_index(r->hosts, i);
		const FutLogCheckpoint *cp = month_checkpoint(r, h);
		g_string_append(s, "<tr>");
		td(s, "t", h->res->host != NULL ? h->res->host : h->dir);
		if (cp == NULL) {
			g_string_append(s, "<td colspan=\"5\" class=\"ng\">");
			esc(s, T(r, "no_checkpoint"));
			g_string_append(s, "</td></tr>\n");
			continue;
		}
		{
			g_autofree gchar *t = fmt_time(cp->time_us);
			g_autofree gchar *root = fut_hex_encode(cp->root, FUT_SHA256_LEN);
			g_autofree gchar *kid = fut_hex_encode(cp->key_id, FUT_KEY_ID_LEN);
			g_autofree gchar *root_fmt = g_strdup_printf(
			    "<b>%.16s</b> <span>%.16s</span> <span>%.16s</span> <span>%.16s</span>",
			    root, root + 16, root + 32, root + 48);
			td_num(s, cp->size);
			g_string_append_printf(s, "<td class=\"num\">%" G_GINT64_FORMAT "</td>",
			                       cp->last_seq);
			td(s, "t", t);
			/* hex only: no escaping needed */
			g_string_append_printf(s, "<td class=\"mono root\">%s</td>", root_fmt);
			td(s, "mono", kid);
		}
		g_string_append(s, "</tr>\n");
	}
	g_string_append(s, "</table>\n");
}

/* --- summary.json ---------------------------------------------------------------------- */

static void
jstr(JsonBuilder *b, const gchar *name, const gchar *v)
{
	json_builder_set_member_name(b, name);
	if (v != NULL)
		json_builder_add_string_value(b, v);
	else
		json_builder_add_null_value(b);
}

static void
jint(JsonBuilder *b, const gchar *name, gint64 v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

static gchar *
summary_json(const Report *r, GPtrArray *media, GPtrArray *lost)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	static const gchar *const cls[] = {"I", "II", "III", "unknown"};

	json_builder_begin_object(b);
	jstr(b, "month", r->month);
	jstr(b, "lang", r->ja ? "ja" : "en");
	jint(b, "hosts_count", r->hosts->len);
	jint(b, "records", (gint64)r->records);
	json_builder_set_member_name(b, "integrity_ok");
	json_builder_add_boolean_value(b, total_findings(r) == 0);
	jint(b, "findings", (gint64)total_findings(r));
	json_builder_set_member_name(b, "exports");
	json_builder_begin_object(b);
	for (gint c = 0; c < N_CLASSES; c++)
		jint(b, cls[c], r->n_exports[c]);
	json_builder_end_object(b);
	jint(b, "export_requests", (gint64)r->requested);
	jint(b, "redeems_accepted", (gint64)r->redeemed);
	json_builder_set_member_name(b, "denials");
	json_builder_begin_object(b);
	jint(b, "export.refused", r->denial_counts[0]);
	jint(b, "upload.denied", r->denial_counts[1]);
	jint(b, "approval.refused", r->denial_counts[2]);
	jint(b, "device.suspicious", r->denial_counts[3]);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "uploads");
	json_builder_begin_object(b);
	jint(b, "allowed", r->upload_counts[0]);
	jint(b, "denied", r->upload_counts[1]);
	jint(b, "observed", r->upload_counts[2]);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "exports_per_day");
	json_builder_begin_object(b);
	for (gint c = 0; c < 3; c++) {
		json_builder_set_member_name(b, cls[c]);
		json_builder_begin_array(b);
		for (gint d = 0; d < r->days; d++)
			json_builder_add_int_value(b, r->exports_day[c][d]);
		json_builder_end_array(b);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "denials_per_day");
	json_builder_begin_array(b);
	for (gint d = 0; d < r->days; d++)
		json_builder_add_int_value(b, r->denials_day[d]);
	json_builder_end_array(b);

	json_builder_set_member_name(b, "media");
	json_builder_begin_array(b);
	for (guint i = 0; i < media->len; i++) {
		Medium *m = g_ptr_array_index(media, i);
		g_autofree gchar *a = fut_log_time_format(m->first_us);
		g_autofree gchar *z = fut_log_time_format(m->last_us);
		g_autofree const gchar **hosts =
		    (const gchar **)g_hash_table_get_keys_as_array(m->hosts, NULL);
		guint n = g_hash_table_size(m->hosts);
		g_qsort_with_data(hosts, (gint)n, sizeof(gchar *), cmp_strptr, NULL);
		json_builder_begin_object(b);
		jstr(b, "asset", m->reg != NULL ? m->reg->asset_id : m->asset);
		json_builder_set_member_name(b, "registered");
		if (r->reg != NULL)
			json_builder_add_boolean_value(b, m->reg != NULL);
		else
			json_builder_add_null_value(b);
		jstr(b, "vid", m->vid);
		jstr(b, "pid", m->pid);
		jstr(b, "serial", m->serial);
		jstr(b, "label", m->label);
		jstr(b, "owner", m->reg != NULL ? m->reg->owner : NULL);
		jstr(b, "first_seen", a);
		jstr(b, "last_seen", z);
		json_builder_set_member_name(b, "hosts");
		json_builder_begin_array(b);
		for (guint k = 0; k < n; k++)
			json_builder_add_string_value(b, hosts[k]);
		json_builder_end_array(b);
		jint(b, "attaches", m->attaches);
		jint(b, "writes", m->writes);
		jint(b, "suspicious", m->suspicious);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "lost_media");
	if (r->reg == NULL) {
		json_builder_add_null_value(b);
	} else {
		json_builder_begin_array(b);
		for (guint i = 0; i < lost->len; i++) {
			const FutMediaEntry *m = g_ptr_array_index(lost, i);
			json_builder_begin_object(b);
			jstr(b, "asset", m->asset_id);
			jstr(b, "vid", m->vid);
			jstr(b, "pid", m->pid);
			jstr(b, "serial", m->serial);
			jstr(b, "owner", m->owner);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
	}
	json_builder_set_member_name(b, "hosts");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->hosts->len; i++) {
		HostReport *h = g_ptr_array_index(r->hosts, i);
		const FutLogCheckpoint *cp = month_checkpoint(r, h);
		g_autofree gchar *dir = fut_strescape(h->dir, -1);
		json_builder_begin_object(b);
		jstr(b, "host", h->res->host);
		jstr(b, "dir", dir);
		jint(b, "records", (gint64)h->records);
		jint(b, "checkpoints", (gint64)h->checkpoints);
		json_builder_set_member_name(b, "ok");
		json_builder_add_boolean_value(b, h->res->findings->len == 0);
		json_builder_set_member_name(b, "key_pinned");
		json_builder_add_boolean_value(b, h->res->key_pinned);
		json_builder_set_member_name(b, "gaps");
		json_builder_begin_object(b);
		jint(b, "unclean-stop", h->gaps[0]);
		jint(b, "queue-overflow", h->gaps[1]);
		jint(b, "torn-tail", h->gaps[2]);
		jint(b, "clock-jump", h->gaps[3]);
		json_builder_end_object(b);
		json_builder_set_member_name(b, "findings");
		json_builder_begin_array(b);
		for (guint k = 0; k < h->res->findings->len; k++) {
			const FutLogFinding *f = g_ptr_array_index(h->res->findings, k);
			json_builder_begin_object(b);
			jstr(b, "code", f->code);
			jstr(b, "file", f->file);
			jint(b, "line", (gint64)f->line);
			jint(b, "seq", f->seq);
			jstr(b, "message", f->message);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		json_builder_set_member_name(b, "final_checkpoint");
		if (cp != NULL) {
			g_autofree gchar *w = fut_log_checkpoint_to_witness(cp);
			g_autoptr(JsonNode) node = json_from_string(w, NULL);
			json_builder_add_value(b, g_steal_pointer(&node));
		} else {
			json_builder_add_null_value(b);
		}
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, root);
	return json_generator_to_data(gen, NULL);
}

/* --- the command ----------------------------------------------------------------------- */

static gboolean
write_file(const gchar *dir, const gchar *name, const gchar *data, gsize len, GError **error)
{
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	g_autofree gchar *safe = fut_strescape(path, -1);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	gsize done = 0;

	if (fd < 0)
		return fut_error_set_errno(error, errno, safe);
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0) {
			int e = errno;
			if (e == EINTR)
				continue;
			close(fd);
			return fut_error_set_errno(error, e, safe);
		}
		done += (gsize)n;
	}
	if (close(fd) < 0)
		return fut_error_set_errno(error, errno, safe);
	return TRUE;
}

static gboolean
parse_month(const gchar *s, Report *r)
{
	gint y, m;
	g_autoptr(GDateTime) start = NULL;
	g_autoptr(GDateTime) next = NULL;

	if (s == NULL || strlen(s) != 7 || s[4] != '-' || !g_ascii_isdigit(s[0]) ||
	    !g_ascii_isdigit(s[1]) || !g_ascii_isdigit(s[2]) || !g_ascii_isdigit(s[3]) ||
	    !g_ascii_isdigit(s[5]) || !g_ascii_isdigit(s[6]))
		return FALSE;
	y = atoi(s);
	m = atoi(s + 5);
	if (m < 1 || m > 12 || y < 1970)
		return FALSE;
	g_strlcpy(r->month, s, sizeof(r->month));
	start = g_date_time_new_utc(y, m, 1, 0, 0, 0);
	next = g_date_time_add_months(start, 1);
	r->month_start_us = g_date_time_to_unix(start) * G_USEC_PER_SEC;
	r->days = (gint)((g_date_time_to_unix(next) - g_date_time_to_unix(start)) / 86400);
	return TRUE;
}

int
audit_cmd_report(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new(_("LOGDIR… - write the monthly inspection report"));
	g_autoptr(GError) error = NULL;
	g_autofree gchar *month = NULL;
	g_autofree gchar *lang = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *media_file = NULL;
	g_autoptr(GPtrArray) media = NULL;
	g_autoptr(GPtrArray) lost = NULL;
	g_autoptr(GString) html = NULL;
	g_autofree gchar *json = NULL;
	g_autofree gchar *csv_path = NULL;
	AuditTrust trust = {0};
	AuditProgress progress;
	Report r = {0};
	GOptionEntry entries[] = {
	    {"month", 'm', 0, G_OPTION_ARG_STRING, &month, N_("The month to report (UTC)"),
	     N_("YYYY-MM")},
	    {"lang", 0, 0, G_OPTION_ARG_STRING, &lang, N_("Report language: ja (default) or en"),
	     N_("LANG")},
	    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("Output directory (created if needed)"),
	     N_("DIR")},
	    {"media", 0, 0, G_OPTION_ARG_FILENAME, &media_file, NULL, N_("FILE")},
	    {NULL}};
	int rc = AUDIT_EXIT_OK;
	/* The default path comes from configure: formatted here, not pasted into the msgid. */
	g_autofree gchar *media_help = g_strdup_printf(
	    _("The media register (default %s if it exists)"), FUT_MEDIA_REGISTER_PATH);

	entries[3].description = media_help;

	g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
	audit_trust_add_options(ctx, &trust);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("futari-audit report: %s\n", error->message);
		return AUDIT_EXIT_USAGE;
	}
	if (argc < 2 || month == NULL || out == NULL) {
		g_printerr(
		    _("futari-audit report: give --month YYYY-MM, --out DIR and at least one "
		      "LOGDIR\n"));
		return AUDIT_EXIT_USAGE;
	}
	if (!parse_month(month, &r)) {
		g_autofree gchar *safe = fut_strescape(month, -1);
		g_printerr(_("futari-audit report: --month \"%s\" is not YYYY-MM\n"), safe);
		return AUDIT_EXIT_USAGE;
	}
	if (lang != NULL && strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0) {
		g_printerr(_("futari-audit report: --lang must be ja or en\n"));
		return AUDIT_EXIT_USAGE;
	}
	r.ja = lang == NULL || strcmp(lang, "ja") == 0;
	if (media_file == NULL && g_file_test(FUT_MEDIA_REGISTER_PATH, G_FILE_TEST_EXISTS))
		media_file = g_strdup(FUT_MEDIA_REGISTER_PATH);
	if (media_file != NULL) {
		r.reg = fut_media_register_load(media_file, &error);
		if (r.reg == NULL) {
			g_printerr("futari-audit report: %s\n", error->message);
			return AUDIT_EXIT_FINDINGS;
		}
	}
	if (!audit_trust_load(&trust)) {
		audit_trust_clear(&trust);
		fut_media_register_free(r.reg);
		return AUDIT_EXIT_FINDINGS;
	}
	if (g_mkdir_with_parents(out, 0750) < 0) {
		g_autofree gchar *safe = fut_strescape(out, -1);
		g_printerr("futari-audit report: %s: %s\n", safe, g_strerror(errno));
		audit_trust_clear(&trust);
		fut_media_register_free(r.reg);
		return AUDIT_EXIT_FINDINGS;
	}
	csv_path = g_build_filename(out, "events.csv", NULL);
	{
		int fd =
		    open(csv_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
		r.csv = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (r.csv == NULL) {
			g_autofree gchar *safe = fut_strescape(csv_path, -1);
			g_printerr("futari-audit report: %s: %s\n", safe, g_strerror(errno));
			if (fd >= 0)
				close(fd);
			audit_trust_clear(&trust);
			fut_media_register_free(r.reg);
			return AUDIT_EXIT_FINDINGS;
		}
	}
	/* The BOM makes Excel read the file as UTF-8 (Japanese names and reasons). */
	fputs("\xef\xbb\xbf", r.csv);
	for (const gchar *const *h = csv_header; *h != NULL; h++)
		fprintf(r.csv, "%s%s", *h, h[1] != NULL ? "," : "\r\n");

	r.hosts = g_ptr_array_new_with_free_func(host_report_free);
	r.media = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, medium_free);
	r.redeems = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, redeemed_free);
	for (gint c = 0; c < N_CLASSES; c++)
		r.exports[c] = g_ptr_array_new_with_free_func(row_free);
	r.denials = g_ptr_array_new_with_free_func(row_free);
	r.uploads = g_ptr_array_new_with_free_func(row_free);

	audit_progress_init(&progress, _("reading"), argv + 1);
	for (gint i = 1; i < argc; i++) {
		FutLogVerifyOptions opts = {0};
		HostReport *h = g_new0(HostReport, 1);
		h->dir = g_strdup(argv[i]);
		r.cur = h;
		audit_trust_fill(&trust, &opts);
		opts.record_func = collect;
		opts.record_data = &r;
		opts.progress_func = audit_progress_func;
		opts.progress_data = &progress;
		h->res = fut_log_verify_dir(argv[i], &opts, &error);
		audit_progress_host_done(&progress);
		if (h->res == NULL) {
			g_autofree gchar *msg = fut_strescape(error->message, -1);
			audit_progress_end(&progress);
			g_printerr("futari-audit report: %s\n", msg);
			g_clear_error(&error);
			host_report_free(h);
			rc = AUDIT_EXIT_FINDINGS;
			continue;
		}
		g_ptr_array_add(r.hosts, h);
	}
	audit_progress_end(&progress);
	if (fclose(r.csv) != 0 || r.write_failed) {
		g_printerr(_("futari-audit report: writing events.csv failed\n"));
		rc = AUDIT_EXIT_FINDINGS;
	}

	media = sorted_media(&r);
	lost = lost_media(&r);
	html = g_string_sized_new(256 * 1024);
	write_html_head(html, &r);
	write_summary(html, &r, media, lost);
	write_media(html, &r, media, lost);
	write_exports(html, &r);
	write_denials(html, &r);
	write_uploads(html, &r);
	write_integrity(html, &r);
	write_final(html, &r);
	g_string_append(html, "</body></html>\n");
	json = summary_json(&r, media, lost);
	if (!write_file(out, "report.html", html->str, html->len, &error) ||
	    !write_file(out, "summary.json", json, strlen(json), &error)) {
		g_printerr("futari-audit report: %s\n", error->message);
		rc = AUDIT_EXIT_FINDINGS;
	}
	if (total_findings(&r) > 0)
		rc = AUDIT_EXIT_FINDINGS;
	{
		g_autofree gchar *safe = fut_strescape(out, -1);
		g_print(_("%s: report.html, events.csv, summary.json for %s: %u host(s), %llu "
		          "record(s), %llu finding(s), %u registered medium/media not seen\n"),
		        safe, r.month, r.hosts->len, (unsigned long long)r.records,
		        (unsigned long long)total_findings(&r), lost->len);
	}

	audit_trust_clear(&trust);
	fut_media_register_free(r.reg);
	g_ptr_array_unref(r.hosts);
	g_hash_table_unref(r.media);
	g_hash_table_unref(r.redeems);
	for (gint c = 0; c < N_CLASSES; c++)
		g_ptr_array_unref(r.exports[c]);
	g_ptr_array_unref(r.denials);
	g_ptr_array_unref(r.uploads);
	return rc;
}
