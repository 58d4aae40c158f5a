/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-audit report: the data model, collected from the records of every host. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "egresslog.h"
#include "errors.h"
#include "futari-audit-report.h"
#include "logrecord.h"
#include "mediareg.h"
#include "util.h"

void
report_row_free(gpointer p)
{
	Row *r = p;

	if (r == NULL)
		return;
	g_free(r->host);
	fut_log_event_free(r->ev);
	if (r->red != NULL)
		report_redeemed_free(r->red);
	g_free(r);
}

void
report_medium_free(gpointer p)
{
	Medium *m = p;

	g_free(m->vid);
	g_free(m->pid);
	g_free(m->serial);
	g_free(m->label);
	g_free(m->asset);
	g_free(m->last_host);
	g_hash_table_unref(m->hosts);
	g_free(m);
}

void
report_host_free(gpointer p)
{
	HostReport *h = p;

	g_free(h->dir);
	fut_log_host_result_free(h->res);
	g_free(h);
}

void
report_redeemed_free(gpointer p)
{
	Redeemed *d = p;

	g_free(d->approvers);
	g_free(d->reason);
	g_free(d->host);
	g_free(d);
}

/* The reason a person gave: the requester's for an export or a redeem (detail
 * requester_reason), else the reason the agent recorded with its decision. */
const gchar *
report_reason_of(const FutLogEvent *ev)
{
	const gchar *why = fut_log_event_get_detail_str(ev, "requester_reason");

	return why != NULL ? why : ev->reason;
}

gchar *
report_approvers_text(const FutLogEvent *ev, gboolean ja)
{
	GString *s = g_string_new(NULL);
	/* Whether each approver saw the content (detail content_checked, "yes,no", in the
	 * order of the approvers; absent in records from before it existed). */
	const gchar *checked = fut_log_event_get_detail_str(ev, "content_checked");
	g_auto(GStrv) seen = g_strsplit(checked != NULL ? checked : "", ",", -1);
	guint n_seen = g_strv_length(seen);

	/* The person (detail approver_N: "name (staff id)", written at redeem from the
	 * certificate), or the certificate id when an older record does not carry it. */
	for (guint i = 0; i < ev->approvers->len; i++) {
		g_autofree gchar *key = g_strdup_printf("approver_%u", i + 1);
		const gchar *who = fut_log_event_get_detail_str(ev, key);
		const gchar *c = i < n_seen ? seen[i] : NULL;
		g_string_append_printf(
		    s, "%s%s", i > 0 ? ", " : "",
		    who != NULL ? who : (const gchar *)g_ptr_array_index(ev->approvers, i));
		if (g_strcmp0(c, "yes") == 0 || g_strcmp0(c, "no") == 0)
			g_string_append_printf(
			    s, " (%s)",
			    report_text(ja, g_str_equal(c, "yes") ? "content_yes" : "content_no"));
	}
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
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

/* Appends @s (may be NULL) and @sep at @p if they fit before @end; returns the new end, or
 * NULL when they do not fit. */
static gchar *
key_part(gchar *p, const gchar *end, const gchar *s, gchar sep)
{
	gsize n = s != NULL ? strlen(s) : 0;

	if (p == NULL || n + 2 > (gsize)(end - p))
		return NULL;
	memcpy(p, s != NULL ? s : "", n);
	p[n] = sep;
	return p + n + 1;
}

static void
media_seen(Report *r, const FutLogRecord *rec)
{
	const FutLogDestination *d = &rec->ev->destination;
	g_autofree gchar *long_key = NULL;
	gchar buf[512];
	gchar *key = buf;
	gchar *p = buf;
	Medium *m;

	/* A refusal before the agent knew the request (another host's, an expired one) names no
	 * device: it is not a medium, and counting it showed an unknown stick "?:?". */
	if (d->vid == NULL && d->pid == NULL && d->serial == NULL && d->fs_uuid == NULL)
		return;
	/* "vid:pid:serial:fs_uuid" in a stack buffer (one per USB record of the fleet), with an
	 * allocation only for one that does not fit */
	p = key_part(p, buf + sizeof(buf), d->vid, ':');
	p = key_part(p, buf + sizeof(buf), d->pid, ':');
	p = key_part(p, buf + sizeof(buf), d->serial, ':');
	p = key_part(p, buf + sizeof(buf), d->serial == NULL ? d->fs_uuid : NULL, '\0');
	if (p == NULL)
		key = long_key =
		    g_strconcat(d->vid != NULL ? d->vid : "", ":", d->pid != NULL ? d->pid : "",
		                ":", d->serial != NULL ? d->serial : "", ":",
		                d->serial == NULL && d->fs_uuid != NULL ? d->fs_uuid : "", NULL);
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
		g_hash_table_insert(
		    r->media, long_key != NULL ? g_steal_pointer(&long_key) : g_strdup(key), m);
	}
	if (d->label != NULL && g_strcmp0(m->label, d->label) != 0) {
		g_free(m->label);
		m->label = g_strdup(d->label);
	}
	if (d->asset != NULL && m->asset == NULL)
		m->asset = g_strdup(d->asset);
	m->first_us = MIN(m->first_us, rec->time_us);
	m->last_us = MAX(m->last_us, rec->time_us);
	/* the records of a medium come host by host: look the set up only on a change */
	if (m->last_host == NULL || strcmp(m->last_host, rec->host) != 0) {
		if (!g_hash_table_contains(m->hosts, rec->host))
			g_hash_table_add(m->hosts, g_strdup(rec->host));
		g_free(m->last_host);
		m->last_host = g_strdup(rec->host);
	}
	if (g_strcmp0(rec->ev->event, FUT_LOG_EV_DEVICE_ATTACH) == 0)
		m->attaches++;
	else if (g_strcmp0(rec->ev->event, FUT_LOG_EV_EXPORT_WRITTEN) == 0)
		m->writes++;
	else if (g_strcmp0(rec->ev->event, FUT_LOG_EV_EXPORT_FAILED) == 0 &&
	         report_is_retraction(rec->ev) && m->writes > 0)
		m->writes--;
	else if (g_strcmp0(rec->ev->event, FUT_LOG_EV_DEVICE_SUSPICIOUS) == 0)
		m->suspicious++;
}

gboolean
report_is_retraction(const FutLogEvent *ev)
{
	return g_strcmp0(fut_log_event_get_detail_str(ev, "retracts"), FUT_LOG_EV_EXPORT_WRITTEN) ==
	           0 &&
	       fut_log_event_get_detail_str(ev, "partial") != NULL;
}

/* An export.failed record that withdraws its file's export.written record (the file lost
 * its name after the record, docs/formats.md): the export is taken out of the counts, and
 * its row out of the tables. A host's records are one part, in order, so the written
 * record was counted (and its row kept in the part) before. */
static void
export_retracted(Report *r, const FutLogRecord *rec)
{
	const gchar *partial = fut_log_event_get_detail_str(rec->ev, "partial");
	gint c = class_index(rec->ev->object.klass);
	guint *day;

	r->retracted++;
	if (r->n_exports[c] > 0)
		r->n_exports[c]--;
	if (c != CLASS_UNKNOWN) {
		day = &r->exports_day[c][day_index(r, rec->time_us)];
		if (*day > 0)
			(*day)--;
	}
	if (c != CLASS_III && r->row_at != NULL) {
		g_autofree gchar *key = g_strdup_printf("%d/%s", c, partial);
		gsize at = GPOINTER_TO_SIZE(g_hash_table_lookup(r->row_at, key));
		GString *h = r->export_html[c];
		const gchar *end =
		    at > 0 && at - 1 < h->len ? strstr(h->str + at - 1, "</tr>\n") : NULL;
		if (end != NULL) {
			gsize from = at - 1,
			      len = (gsize)(end - (h->str + from)) + strlen("</tr>\n");
			GHashTableIter it;
			gpointer v;
			g_string_erase(h, (gssize)from, (gssize)len);
			g_hash_table_remove(r->row_at, key);
			/* the rows after it moved up */
			g_hash_table_iter_init(&it, r->row_at);
			while (g_hash_table_iter_next(&it, NULL, &v))
				if (GPOINTER_TO_SIZE(v) > at)
					g_hash_table_iter_replace(
					    &it, GSIZE_TO_POINTER(GPOINTER_TO_SIZE(v) - len));
		}
	}
	for (guint i = r->exports[c]->len; c == CLASS_III && i > 0; i--) {
		Row *row = g_ptr_array_index(r->exports[c], i - 1);
		if (g_strcmp0(row->host, rec->host) == 0 &&
		    g_strcmp0(fut_log_event_get_detail_str(row->ev, "partial"), partial) == 0) {
			g_ptr_array_remove_index(r->exports[c], i - 1);
			break;
		}
	}
}

/* TRUE when @r is a part and the whole report already keeps as many rows of @field's kind
 * as it will. */
#define WHOLE_FULL(r, field) ((r)->whole != NULL && g_atomic_int_get(&(r)->whole->field) != 0)

void
report_collect(
    const FutLogRecord *rec, const gchar *month, const gchar *line, gsize len, gpointer data)
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
	report_csv_record(r, rec);
	if (g_strcmp0(rec->ev->destination.kind, "usb") == 0)
		media_seen(r, rec);
	if (strcmp(e, FUT_LOG_EV_EXPORT_WRITTEN) == 0) {
		gint c = class_index(rec->ev->object.klass);
		if (c != CLASS_III) {
			const gchar *partial = fut_log_event_get_detail_str(rec->ev, "partial");
			if (partial != NULL)
				g_hash_table_replace(r->row_at,
				                     g_strdup_printf("%d/%s", c, partial),
				                     GSIZE_TO_POINTER(r->export_html[c]->len + 1));
			report_html_export_row(r->export_html[c], r, c, rec->time_us, rec->host,
			                       rec->ev);
		} else if (r->exports[c]->len < ROWS_CLASS_III && !WHOLE_FULL(r, class3_full))
			g_ptr_array_add(r->exports[c], row_new(rec));
		r->n_exports[c]++;
		if (c != CLASS_UNKNOWN)
			r->exports_day[c][day_index(r, rec->time_us)]++;
	} else if (strcmp(e, FUT_LOG_EV_EXPORT_FAILED) == 0 && report_is_retraction(rec->ev)) {
		export_retracted(r, rec);
	} else if (strcmp(e, FUT_LOG_EV_EXPORT_REFUSED) == 0 ||
	           strcmp(e, FUT_LOG_EV_UPLOAD_DENIED) == 0 ||
	           strcmp(e, FUT_LOG_EV_APPROVAL_REFUSED) == 0 ||
	           strcmp(e, FUT_LOG_EV_DEVICE_SUSPICIOUS) == 0 ||
	           strcmp(e, FUT_LOG_EV_CRL_REFUSED) == 0) {
		if (r->denials->len < ROWS_DENIALS && !WHOLE_FULL(r, denials_full))
			g_ptr_array_add(r->denials, row_new(rec));
		r->n_denials++;
		r->denials_day[day_index(r, rec->time_us)]++;
		if (strcmp(e, FUT_LOG_EV_EXPORT_REFUSED) == 0)
			r->denial_counts[0]++;
		else if (strcmp(e, FUT_LOG_EV_UPLOAD_DENIED) == 0)
			r->denial_counts[1]++;
		else if (strcmp(e, FUT_LOG_EV_APPROVAL_REFUSED) == 0)
			r->denial_counts[2]++;
		else if (strcmp(e, FUT_LOG_EV_CRL_REFUSED) == 0)
			r->denial_counts[4]++;
		else
			r->denial_counts[3]++;
	} else if (strcmp(e, FUT_LOG_EV_EXPORT_REQUESTED) == 0) {
		r->requested++;
	} else if (strcmp(e, FUT_LOG_EV_REDEEM_ACCEPTED) == 0) {
		r->redeemed++;
		if (rec->ev->request != NULL) {
			Redeemed *d = g_new0(Redeemed, 1);
			d->approvers = report_approvers_text(rec->ev, r->ja);
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
		if (r->uploads->len < ROWS_UPLOADS && !WHOLE_FULL(r, uploads_full))
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

gint
report_cmp_strptr(gconstpointer a, gconstpointer b, gpointer unused)
{
	return strcmp(*(const gchar *const *)a, *(const gchar *const *)b);
}

GPtrArray *
report_sorted_media(const Report *r)
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
GPtrArray *
report_lost_media(const Report *r)
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

guint64
report_total_findings(const Report *r)
{
	guint64 n = 0;

	for (guint i = 0; i < r->hosts->len; i++)
		n += ((HostReport *)g_ptr_array_index(r->hosts, i))->res->findings->len;
	return n;
}

const FutLogCheckpoint *
report_month_checkpoint(const Report *r, const HostReport *h)
{
	for (guint i = 0; i < h->res->months->len; i++) {
		const FutLogMonthSummary *m = g_ptr_array_index(h->res->months, i);
		if (strcmp(m->month, r->month) == 0)
			return m->last_checkpoint;
	}
	return NULL;
}

gchar *
report_host_name(const HostReport *h)
{
	if (h->res->host != NULL)
		return g_strdup(h->res->host);
	return fut_strescape(h->dir, -1);
}

Report *
report_part_new(const Report *r)
{
	Report *p = g_new0(Report, 1);

	memcpy(p->month, r->month, sizeof(p->month));
	p->ja = r->ja;
	p->days = r->days;
	p->month_start_us = r->month_start_us;
	p->reg = r->reg;
	p->media = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, report_medium_free);
	p->redeems = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, report_redeemed_free);
	for (gint c = 0; c < N_CLASSES; c++)
		p->exports[c] = g_ptr_array_new_with_free_func(report_row_free);
	p->denials = g_ptr_array_new_with_free_func(report_row_free);
	p->uploads = g_ptr_array_new_with_free_func(report_row_free);
	p->csv_buf = g_string_sized_new(64 * 1024);
	for (gint c = 0; c < N_CLASSES; c++) {
		p->export_spool[c] = -1;
		if (c != CLASS_III)
			p->export_html[c] = g_string_new(NULL);
	}
	p->row_at = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	p->whole = (Report *)r;
	return p;
}

int
report_spool_open(const gchar *dir, GError **error)
{
	g_autofree gchar *safe = fut_strescape(dir, -1);
	g_autofree gchar *tmpl = NULL;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) {
		if (fd < 0)
			fut_error_set_errno(error, errno, safe);
		return fd;
	}
	/* a filesystem without O_TMPFILE: a named file, unlinked at once */
	tmpl = g_build_filename(dir, ".futari-report-XXXXXX", NULL);
	fd = g_mkstemp_full(tmpl, O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		fut_error_set_errno(error, errno, safe);
		return -1;
	}
	unlink(tmpl);
	return fd;
}

static gboolean
spool_write(int fd, const gchar *data, gsize len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}

/* Moves the rows of @from to @to while @to holds fewer than @cap. */
static void
move_rows(GPtrArray *to, GPtrArray *from, guint cap)
{
	for (guint i = 0; i < from->len && to->len < cap; i++) {
		g_ptr_array_add(to, g_ptr_array_index(from, i));
		g_ptr_array_index(from, i) = NULL;
	}
}

static void
merge_medium(Report *r, const gchar *key, Medium *m, GHashTable *from)
{
	Medium *into = g_hash_table_lookup(r->media, key);
	GHashTableIter it;
	gpointer host;

	if (into == NULL) {
		gchar *k = NULL;
		g_hash_table_steal_extended(from, key, (gpointer *)&k, NULL);
		g_hash_table_insert(r->media, k, m);
		return;
	}
	/* as report_collect() would have seen the records one after the other */
	if (m->label != NULL) {
		g_free(into->label);
		into->label = g_strdup(m->label);
	}
	if (into->asset == NULL && m->asset != NULL)
		into->asset = g_strdup(m->asset);
	into->first_us = MIN(into->first_us, m->first_us);
	into->last_us = MAX(into->last_us, m->last_us);
	g_hash_table_iter_init(&it, m->hosts);
	while (g_hash_table_iter_next(&it, &host, NULL)) {
		if (!g_hash_table_contains(into->hosts, host))
			g_hash_table_add(into->hosts, g_strdup(host));
	}
	into->attaches += m->attaches;
	into->writes += m->writes;
	into->suspicious += m->suspicious;
}

void
report_merge(Report *r, Report *part)
{
	GHashTableIter it;
	gpointer k;
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);

	if (part->csv_buf->len > 0 &&
	    fwrite(part->csv_buf->str, 1, part->csv_buf->len, r->csv) != part->csv_buf->len)
		r->write_failed = TRUE;
	r->write_failed |= part->write_failed;
	for (gint c = 0; c < N_CLASSES; c++) {
		GString *h = part->export_html[c];
		/* after a failed write the spool is not added to (its length would no longer
		 * say where its rows end); the page is then not written */
		if (h != NULL && h->len > 0 && !r->spool_failed) {
			if (r->export_spool[c] < 0 ||
			    !spool_write(r->export_spool[c], h->str, h->len))
				r->spool_failed = TRUE;
			else
				r->export_spool_len[c] += h->len;
		}
	}
	for (gint c = 0; c < N_CLASSES; c++) {
		move_rows(r->exports[c], part->exports[c],
		          c == CLASS_III ? ROWS_CLASS_III : G_MAXUINT);
		r->n_exports[c] += part->n_exports[c];
	}
	r->retracted += part->retracted;
	move_rows(r->denials, part->denials, ROWS_DENIALS);
	/* an allowed upload names only its request: the redeem of the same host tells who
	 * approved it and why */
	for (guint i = 0; i < part->uploads->len && r->uploads->len + i < ROWS_UPLOADS; i++) {
		Row *row = g_ptr_array_index(part->uploads, i);
		const Redeemed *d = row->ev->request != NULL
		                        ? g_hash_table_lookup(part->redeems, row->ev->request)
		                        : NULL;
		if (d != NULL) {
			row->red = g_new0(Redeemed, 1);
			row->red->approvers = g_strdup(d->approvers);
			row->red->reason = g_strdup(d->reason);
			row->red->host = g_strdup(d->host);
		}
	}
	move_rows(r->uploads, part->uploads, ROWS_UPLOADS);
	if (r->exports[CLASS_III]->len >= ROWS_CLASS_III)
		g_atomic_int_set(&r->class3_full, 1);
	if (r->denials->len >= ROWS_DENIALS)
		g_atomic_int_set(&r->denials_full, 1);
	if (r->uploads->len >= ROWS_UPLOADS)
		g_atomic_int_set(&r->uploads_full, 1);
	r->n_denials += part->n_denials;
	r->n_uploads += part->n_uploads;
	for (gint c = 0; c < 3; c++)
		for (gint d = 0; d < 31; d++)
			r->exports_day[c][d] += part->exports_day[c][d];
	for (gint d = 0; d < 31; d++)
		r->denials_day[d] += part->denials_day[d];
	r->records += part->records;
	r->requested += part->requested;
	r->redeemed += part->redeemed;
	for (gint i = 0; i < 3; i++)
		r->upload_counts[i] += part->upload_counts[i];
	for (gint i = 0; i < 5; i++)
		r->denial_counts[i] += part->denial_counts[i];
	g_hash_table_iter_init(&it, part->media);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(keys, g_strdup(k));
	for (guint i = 0; i < keys->len; i++) {
		const gchar *key = g_ptr_array_index(keys, i);
		Medium *m = g_hash_table_lookup(part->media, key);
		merge_medium(r, key, m, part->media);
	}
	g_hash_table_unref(part->media);
	g_hash_table_unref(part->redeems);
	g_hash_table_unref(part->row_at);
	for (gint c = 0; c < N_CLASSES; c++) {
		g_ptr_array_unref(part->exports[c]);
		if (part->export_html[c] != NULL)
			g_string_free(part->export_html[c], TRUE);
	}
	g_ptr_array_unref(part->denials);
	g_ptr_array_unref(part->uploads);
	g_string_free(part->csv_buf, TRUE);
	g_free(part);
}
