/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "redeem" command: checks approvals and writes (or, for uploads, activates) the request. */
#include "config.h"

#include "broker-priv.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "fanwatch.h"
#include "fsname.h"
#include "logrecord.h"
#include "redeem.h"
#include "revstate.h"
#include "token.h"
#include "util.h"
#include "writepath.h"

static FutRequestState
lookup_request_state(const guint8 id[FUT_REQUEST_ID_LEN], gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autofree gchar *hex = fut_hex_encode(id, FUT_REQUEST_ID_LEN);
	g_autoptr(FutPendingEntry) e = fut_pending_load(agent->config->state_dir, hex, NULL);

	if (e == NULL)
		return FUT_REQUEST_STATE_UNKNOWN;
	if (g_str_equal(e->state, FUT_PENDING_STATE_REDEEMED)) {
		/* An upload approval is a window, not a single use: redeeming it again only
		 * activates the same window again (after an agent restart, whose approval table
		 * starts empty), never a longer one. A USB export is written once. */
		g_autoptr(FutRequest) req =
		    fut_request_parse(e->request_text, strlen(e->request_text), NULL);
		if (req != NULL && req->destination.channel == FUT_CHANNEL_UPLOAD)
			return FUT_REQUEST_STATE_PENDING;
		return FUT_REQUEST_STATE_REDEEMED;
	}
	return FUT_REQUEST_STATE_PENDING;
}

#define VERIFY_CHUNK (1024 * 1024)

/* Sets what @j's write must put on the stick: the approved size and digest. */
static void
expect_approved(FutBrokerJob *j, guint64 size, const guint8 sha256[FUT_SHA256_LEN])
{
	j->verify_approved = TRUE;
	j->approved_size = size;
	memcpy(j->approved_sha256, sha256, FUT_SHA256_LEN);
}

/* Redeem hashes the spooled copy and compares it with the request before the write, and the
 * write copies the spool to the stick by name, inside the kernel: a copy changed in between
 * (a race with redeem's own check) would reach the stick, and its export.written record would
 * carry the approved digest. So the file the write flushed to the stick is read back and
 * hashed here, before it is logged or named. Its cached pages are dropped first (they are
 * clean after the flush), so the bytes are read from the stick itself where the kernel lets
 * go of them. */
gboolean
fut_broker_verify_approved(FutBrokerJob *j, int dfd, const gchar *name, GError **error)
{
	g_autoptr(FutSha256) sha = NULL;
	g_autofree guint8 *buf = NULL;
	guint8 got[FUT_SHA256_LEN];
	guint64 total = 0;
	struct stat st;
	int fd;

	if (!j->verify_approved)
		return TRUE;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fut_error_set_errno(error, errno, _("reading back the file on the stick"));
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return fut_error_set_errno(error, e, _("reading back the file on the stick"));
	}
	if (!S_ISREG(st.st_mode) || (guint64)st.st_size != j->approved_size) {
		close(fd);
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO,
		            _("the file on the stick does not match the approved digest (its size "
		              "differs): export stopped"));
		return FALSE;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	sha = fut_sha256_new();
	buf = g_malloc(VERIFY_CHUNK);
	/* bounded: at most the approved size and one byte more */
	while (total <= j->approved_size) {
		gsize want = (gsize)MIN((guint64)VERIFY_CHUNK, j->approved_size - total + 1);
		ssize_t n = read(fd, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return fut_error_set_errno(error, e,
			                           _("reading back the file on the stick"));
		}
		if (n == 0)
			break;
		fut_sha256_update(sha, buf, (gsize)n);
		total += (guint64)n;
	}
	close(fd);
	fut_sha256_finish(sha, got);
	if (total != j->approved_size || memcmp(got, j->approved_sha256, FUT_SHA256_LEN) != 0) {
		g_set_error(
		    error, FUT_ERROR, FUT_ERROR_IO,
		    _("the file on the stick does not match the approved digest (the spooled "
		      "copy changed during the write): export stopped"));
		return FALSE;
	}
	return TRUE;
}

/* Finds the attached volume with the identity in the request. */
static gboolean
find_request_destination(FutAgent *agent,
                         const FutRequest *req,
                         const FutUsbDevice **ret_dev,
                         const FutUsbVolume **ret_vol)
{
	g_autoptr(GPtrArray) devices = fut_usb_store_get_devices(agent->usb);
	const FutDestination *want = &req->destination;

	for (guint i = 0; i < devices->len; i++) {
		const FutUsbDevice *d = g_ptr_array_index(devices, i);
		if (g_strcmp0(d->serial, want->usb_serial) != 0 ||
		    g_strcmp0(d->vid, want->usb_vendor) != 0 ||
		    g_strcmp0(d->pid, want->usb_product) != 0)
			continue;
		for (guint k = 0; k < d->volumes->len; k++) {
			const FutUsbVolume *v = g_ptr_array_index(d->volumes, k);
			if (g_strcmp0(v->fs_uuid != NULL ? v->fs_uuid : "", want->usb_fs_uuid) ==
			    0) {
				*ret_dev = d;
				*ret_vol = v;
				return TRUE;
			}
		}
	}
	return FALSE;
}

/* Sets @j's destination folder and name from a version-2 file path (checked by the
 * parser; the write path's own checks apply again). */
static gboolean
set_file_path(FutBrokerJob *j, const gchar *path, GError **error)
{
	const gchar *slash = strrchr(path, '/');
	g_autofree gchar *dir = slash != NULL ? g_strndup(path, (gsize)(slash - path)) : NULL;

	g_clear_pointer(&j->name, g_free);
	g_clear_pointer(&j->dir, g_strfreev);
	j->name = fut_fsname_sanitize(slash != NULL ? slash + 1 : path, error);
	if (j->name == NULL)
		return FALSE;
	j->dir = fut_fsname_split_dir(dir, error);
	return j->dir != NULL;
}

static JsonObject *
file_refused(const FutRequestFile *f, const GError *error)
{
	JsonObject *o = json_object_new();

	json_object_set_string_member(o, "path", f->path);
	json_object_set_string_member(o, "error", error->message);
	return o;
}

/* The paths the log says were written for @req (its export.written records with the
 * request id), read from a little before the request was made: a redeem stopped between a
 * file's durable record and its mark in the pending entry (the agent killed) must not write
 * that file again. NULL with @error when the log cannot be read. */
static GHashTable *
logged_files(FutBrokerJob *j, const FutRequest *req, GError **error)
{
	gchar since[8];
	GHashTable *logged;

	fut_log_time_month((req->created - 2 * 86400) * G_USEC_PER_SEC, since);
	logged = fut_write_log_request_written(j->config->log_dir, since, j->request_id, error);
	if (logged == NULL)
		g_prefix_error(error, _("cannot tell from the log what an earlier redeem wrote: "));
	return logged;
}

/* A version-2 request: each file's spooled copy hashed again and written as one file is
 * today (its own export.written record before its name appears); a file whose copy is gone
 * or differs is refused with its reason (export.failed) and the others still go. Each file
 * written is marked so in the pending entry (the write path), the entry redeemed with the
 * last: a redeem that stopped half-way (a full stick, the stick pulled, the agent killed)
 * is finished by redeeming the same approval again, which writes only the files not yet
 * written. FALSE when no file could be written. */
static gboolean
redeem_files(FutBrokerJob *j, const FutRequest *req, GError **error)
{
	GStrv ids = j->pending->spool_ids;
	gboolean recheck = FALSE;
	guint written = 0;
	g_autoptr(GError) first = NULL;
	g_autoptr(GHashTable) logged = NULL;

	if (ids == NULL || g_strv_length(ids) != req->files->len) {
		g_set_error(
		    error, FUT_ERROR, FUT_ERROR_IO,
		    _("the pending request is damaged (ask IT): its copies are not listed"));
		return FALSE;
	}
	logged = logged_files(j, req, error);
	if (logged == NULL)
		return FALSE;
	j->file_results = json_array_new();
	for (guint i = 0; i < req->files->len; i++) {
		const FutRequestFile *f = g_ptr_array_index(req->files, i);
		g_autoptr(GError) ferr = NULL;
		g_autoptr(GError) lerr = NULL;
		gboolean marked;

		if (j->spool != NULL) {
			/* the copy of the file before: removed once written, kept otherwise (the
			 * pending entry's expiry removes it) */
			if (!j->keep_spool)
				fut_spool_entry_remove(j->spool);
			g_clear_pointer(&j->spool, fut_spool_entry_free);
		}
		/* written by an earlier redeem of this approval: never twice (one whose mark was
		 * not saved is known by its record, and marked now) */
		marked = j->pending->written != NULL && j->pending->written[i] == '1';
		if (marked || g_hash_table_contains(logged, f->path)) {
			JsonObject *o;
			if (!marked && !fut_pending_mark_written(j->config->state_dir,
			                                         j->request_id, i, &ferr))
				goto refused;
			o = json_object_new();
			json_object_set_string_member(o, "path", f->path);
			json_object_set_boolean_member(o, "written_before", TRUE);
			json_array_add_object_element(j->file_results, o);
			continue;
		}
		g_clear_pointer(&j->written, g_free);
		g_clear_pointer(&j->partial, g_free);
		g_free(j->src_path);
		j->src_path = g_strdup(f->path);
		g_free(j->klass);
		j->klass = g_strdup(fut_class_to_string(f->klass));
		j->keep_spool = TRUE;
		if (!set_file_path(j, f->path, &ferr)) {
			fut_broker_job_record(j, "export.failed", NULL, ferr->message, &lerr);
			goto refused;
		}
		/* hashed again: the bytes written are the bytes approved */
		j->spool = fut_spool_lookup(j->config->spool_dir, j->uid, ids[i], &ferr);
		if (j->spool == NULL || j->spool->size != f->size ||
		    memcmp(j->spool->sha256, f->sha256, FUT_SHA256_LEN) != 0) {
			if (ferr == NULL)
				g_set_error(&ferr, FUT_ERROR, FUT_ERROR_IO,
				            _("the spooled copy no longer matches the request"));
			fut_broker_job_record(j, "export.failed", NULL, ferr->message, &lerr);
			goto refused;
		}
		expect_approved(j, f->size, f->sha256);
		j->request_file = i + 1;
		if (!fut_broker_job_write(j, &ferr)) {
			recheck = TRUE;
			goto refused;
		}
		j->keep_spool = FALSE;
		written++;
		{
			JsonObject *o = json_object_new();
			g_autofree gchar *hex = fut_hex_encode(f->sha256, FUT_SHA256_LEN);
			json_object_set_string_member(o, "path", f->path);
			json_object_set_string_member(o, "written", j->written);
			json_object_set_string_member(o, "sha256", hex);
			json_object_set_int_member(o, "size", (gint64)f->size);
			json_array_add_object_element(j->file_results, o);
		}
		continue;
	refused:
		json_array_add_object_element(j->file_results, file_refused(f, ferr));
		if (first == NULL)
			first = g_error_copy(ferr);
	}
	j->recheck_stick = recheck;
	g_free(j->klass);
	j->klass = g_strdup(fut_class_to_string(req->klass));
	if (written == 0) {
		if (first == NULL)
			g_set_error(&first, FUT_ERROR, FUT_ERROR_REFUSED, "%s",
			            _("every file was written by an earlier redeem"));
		g_propagate_error(error, g_steal_pointer(&first));
		g_prefix_error(error, _("no file of the request was written: "));
		return FALSE;
	}
	return TRUE;
}

static void
redeem_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
	FutBrokerJob *j = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(FutRequest) req =
	    fut_request_parse(j->pending->request_text, strlen(j->pending->request_text), &error);

	if (req == NULL) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	if (req->version == 2) {
		if (!redeem_files(j, req, &error)) {
			g_task_return_error(task, g_steal_pointer(&error));
			return;
		}
		g_task_return_boolean(task, TRUE);
		return;
	}
	/* Written by an earlier redeem stopped before it marked the request redeemed: never
	 * twice. */
	{
		g_autoptr(GHashTable) logged = logged_files(j, req, &error);
		if (logged == NULL) {
			j->keep_spool = TRUE;
			g_task_return_error(task, g_steal_pointer(&error));
			return;
		}
		if (g_hash_table_size(logged) > 0) {
			j->keep_spool = TRUE;
			/* the log decides; the mark only spares the next redeem the search */
			fut_pending_set_state(j->config->state_dir, j->request_id,
			                      FUT_PENDING_STATE_REDEEMED, NULL);
			fut_refusal_set_error(&error, FUT_REFUSAL_ALREADY_REDEEMED,
			                      _("the file of this request was already written (an "
			                        "earlier redeem was stopped after it was logged)"));
			g_task_return_error(task, g_steal_pointer(&error));
			return;
		}
	}
	/* The spooled copy is hashed again: the bytes written are the bytes approved. */
	j->spool = fut_spool_lookup(j->config->spool_dir, j->uid, j->pending->spool_id, &error);
	if (j->spool == NULL || j->spool->size != req->size ||
	    memcmp(j->spool->sha256, req->sha256, FUT_SHA256_LEN) != 0) {
		g_autoptr(GError) lerr = NULL;
		if (error == NULL)
			g_set_error(&error, FUT_ERROR, FUT_ERROR_IO,
			            _("the spooled copy no longer matches the request"));
		j->keep_spool = TRUE;
		fut_broker_job_record(j, "export.failed", NULL, error->message, &lerr);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	expect_approved(j, req->size, req->sha256);
	if (!fut_broker_job_write(j, &error)) {
		/* The request stays pending: the user may retry with the same approval. */
		j->keep_spool = TRUE;
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	g_task_return_boolean(task, TRUE);
}

/* Redeems an upload request: checks the approvals and activates them in the listener for
 * their window. There is no device to compare: the destination "attached now" is the
 * request's own (host, program). The agent cannot see which host a program talks to; what
 * it enforces is the content (digest), the requester (uid), the program and the window, at
 * every open. Returns the result, or NULL with @error and the event to log in @ret_event
 * (NULL when the log itself failed). */
static JsonObject *
redeem_upload(
    FutAgent *agent, FutBrokerJob *j, FutRedeemInput *in, const gchar **ret_event, GError **error)
{
	const FutRequest *req = in->request;
	g_autofree gchar *message = NULL;
	FutFanwatchApproval fa = {0};
	JsonObject *r;
	FutRefusal refusal;
	gint64 nb = G_MININT64, na = req->expires;

	*ret_event = "approval.refused";
	j->upload = TRUE;
	j->upload_host = g_strdup(req->destination.upload_host);
	j->upload_program = g_strdup(req->destination.upload_program);
	j->sha256_hex = fut_hex_encode(req->sha256, FUT_SHA256_LEN);
	if (agent->fanwatch == NULL) {
		fut_refusal_set_error(error, FUT_REFUSAL_UPLOAD_CONTROL_OFF,
		                      _("upload control is not running on this PC (ask IT)"));
		return NULL;
	}
	in->destination = &req->destination;
	refusal = fut_redeem_check(in, &message);
	if (refusal != FUT_REFUSAL_NONE) {
		fut_refusal_set_error(error, refusal, message);
		return NULL;
	}
	/* Every approval must hold: the window is their intersection, within the request's
	 * life. */
	for (guint i = 0; i < in->n_approvals; i++) {
		nb = MAX(nb, in->approvals[i]->not_before);
		na = MIN(na, in->approvals[i]->not_after);
	}
	*ret_event = NULL;
	if (!fut_broker_job_record(j, "redeem.accepted", "allow", message, error)) {
		g_prefix_error(error, _("the log cannot be written, nothing was activated: "));
		fut_refusal_set_error(error, FUT_REFUSAL_LOG_UNWRITABLE, NULL);
		return NULL;
	}
	*ret_event = "export.failed";
	fa.id = j->request_id;
	memcpy(fa.sha256, req->sha256, FUT_SHA256_LEN);
	fa.uid = req->uid;
	fa.program =
	    g_strcmp0(j->upload_program, FUT_UPLOAD_ANY_PROGRAM) == 0 ? NULL : j->upload_program;
	fa.not_before = nb;
	fa.not_after = na;
	/* The kernel's taint layer ends the approval at @na itself (before the listener can
	 * use it, so every allowance it gives carries that end). */
	fut_agent_taint_window(agent, j->request_id, na);
	if (!fut_fanwatch_add_approval(agent->fanwatch, &fa, error)) {
		fut_agent_taint_withdraw(agent, j->request_id);
		return NULL;
	}
	if (!fut_pending_set_state(agent->config->state_dir, j->request_id,
	                           FUT_PENDING_STATE_REDEEMED, error)) {
		fut_fanwatch_remove_approval(agent->fanwatch, j->request_id);
		fut_agent_taint_withdraw(agent, j->request_id);
		return NULL;
	}
	g_hash_table_replace(agent->upload_approvals, g_strdup(j->request_id),
	                     g_memdup2(&na, sizeof(na)));
	r = json_object_new();
	json_object_set_string_member(r, "channel", "upload");
	json_object_set_string_member(r, "class", j->klass);
	json_object_set_string_member(r, "request_id", j->request_id);
	json_object_set_string_member(r, "name", j->name);
	json_object_set_string_member(r, "sha256", j->sha256_hex);
	json_object_set_int_member(r, "size", (gint64)req->size);
	json_object_set_string_member(r, "upload_host", j->upload_host);
	json_object_set_string_member(r, "upload_program", j->upload_program);
	json_object_set_int_member(r, "not_before", nb);
	json_object_set_int_member(r, "not_after", na);
	return r;
}

/* The approval texts of a redeem, parsed as docs/formats.md §11 says: by
 * fut_redeem_parse_approvals(), so every refusal has its name. */
static gboolean
redeem_parse_args(JsonArray *arr, GPtrArray **ret_approvals, GError **error)
{
	guint n = json_array_get_length(arr);
	g_autofree const gchar **texts = NULL;
	g_autofree gsize *lens = NULL;
	g_autofree gchar *message = NULL;
	g_autoptr(GPtrArray) parsed = NULL;
	FutRefusal r;

	if (n == 0) {
		fut_refusal_set_error(error, FUT_REFUSAL_MALFORMED,
		                      _("give 1 or more approval files"));
		return FALSE;
	}
	if (n > FUT_REDEEM_MAX_APPROVALS)
		n = FUT_REDEEM_MAX_APPROVALS + 1; /* refused below, without reading the rest */
	texts = g_new0(const gchar *, n);
	lens = g_new0(gsize, n);
	for (guint i = 0; i < n && i < json_array_get_length(arr); i++) {
		JsonNode *node = json_array_get_element(arr, i);
		if (!JSON_NODE_HOLDS_VALUE(node) ||
		    json_node_get_value_type(node) != G_TYPE_STRING) {
			fut_refusal_set_error(error, FUT_REFUSAL_MALFORMED,
			                      _("approvals must be texts"));
			return FALSE;
		}
		texts[i] = json_node_get_string(node);
		lens[i] = strlen(texts[i]);
	}
	r = fut_redeem_parse_approvals(texts, lens, n, &parsed, &message);
	if (r != FUT_REFUSAL_NONE) {
		fut_refusal_set_error(error, r, message);
		return FALSE;
	}
	g_ptr_array_unref(*ret_approvals);
	*ret_approvals = g_steal_pointer(&parsed);
	return TRUE;
}

void
fut_broker_redeem(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(FutBrokerJob) j = g_new0(FutBrokerJob, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) approvals =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fut_approval_free);
	g_autoptr(FutRequest) req = NULL;
	g_autoptr(FutKey) root = NULL;
	g_autoptr(FutRevocationList) crl = NULL;
	g_autofree gchar *crl_refused = NULL;
	g_autofree gchar *message = NULL;
	g_autofree gchar *exelink = NULL;
	g_autoptr(GTask) task = NULL;
	const FutUsbDevice *d = NULL;
	const FutUsbVolume *v = NULL;
	FutDestination now_dest = {0};
	FutRedeemInput in = {0};
	FutRefusal refusal;
	JsonNode *an = json_object_get_member(args, "approvals");
	const gchar *event = "approval.refused";

	j->ref = 1;
	j->agent = agent;
	j->config = agent->config;
	j->src_fd = -1;
	j->uid = fut_api_call_get_uid(call);
	j->pid = fut_api_call_get_pid(call);
	j->login = fut_broker_lookup_login(j->uid);
	exelink = g_strdup_printf("/proc/%d/exe", (int)j->pid);
	j->exe = fut_broker_read_link(exelink);
	j->approvers = g_ptr_array_new_with_free_func(g_free);
	j->approver_names = g_ptr_array_new_with_free_func(g_free);

	if (json_object_get_size(args) != 1 || an == NULL || !JSON_NODE_HOLDS_ARRAY(an)) {
		fut_refusal_set_error(
		    &error, FUT_REFUSAL_MALFORMED,
		    _("redeem takes one argument, 'approvals': a list of approval texts"));
		goto refuse;
	}
	if (!redeem_parse_args(json_node_get_array(an), &approvals, &error))
		goto refuse;
	for (guint i = 0; i < approvals->len; i++) {
		const FutApproval *a = g_ptr_array_index(approvals, i);
		g_ptr_array_add(j->approvers, fut_certificate_dup_serial_string(a->cert));
		g_ptr_array_add(
		    j->approver_names,
		    g_strdup_printf("%s (%s)", a->cert->name != NULL ? a->cert->name : "?",
		                    a->cert->staff_id != NULL ? a->cert->staff_id : "?"));
	}
	/* Whether each approver saw the content, in the approvers' order, for the log. */
	{
		g_autoptr(GString) seen = g_string_new(NULL);
		for (guint i = 0; i < approvals->len; i++) {
			const FutApproval *a = g_ptr_array_index(approvals, i);
			const gchar *c = fut_content_check_to_string(a->content_checked);
			g_string_append_printf(seen, "%s%s", i > 0 ? "," : "",
			                       c != NULL ? c : "not-recorded");
		}
		if (seen->len > 0)
			j->content_checked = g_string_free(g_steal_pointer(&seen), FALSE);
	}
	{
		const FutApproval *first = g_ptr_array_index(approvals, 0);
		j->request_id = fut_hex_encode(first->request_id, FUT_REQUEST_ID_LEN);
	}
	j->pending = fut_pending_load(agent->config->state_dir, j->request_id, NULL);
	if (j->pending == NULL) {
		fut_refusal_set_error(&error, FUT_REFUSAL_UNKNOWN_REQUEST,
		                      _("this approval is for a request this PC did not make, or "
		                        "one that has expired"));
		goto refuse;
	}
	if (j->pending->uid != j->uid) {
		g_clear_pointer(&j->pending, fut_pending_entry_free);
		g_set_error(&error, FUT_ERROR, FUT_ERROR_PERMISSION,
		            _("only the person who made the request can redeem it"));
		fut_refusal_set_error(&error, FUT_REFUSAL_NOT_REQUESTER, NULL);
		goto refuse;
	}
	if (g_hash_table_contains(agent->redeeming, j->request_id)) {
		g_clear_pointer(&j->pending, fut_pending_entry_free);
		fut_refusal_set_error(&error, FUT_REFUSAL_BEING_REDEEMED,
		                      _("this request is being redeemed right now"));
		goto refuse;
	}
	req = fut_request_parse(j->pending->request_text, strlen(j->pending->request_text), &error);
	if (req == NULL) {
		g_prefix_error(&error, _("the pending request is damaged (ask IT): "));
		fut_refusal_set_error(&error, FUT_REFUSAL_AGENT_ERROR, NULL);
		goto refuse;
	}
	j->name = g_strdup(j->pending->name);
	j->dir = fut_fsname_split_dir(j->pending->dir, &error);
	j->klass = g_strdup(fut_class_to_string(req->klass));
	j->reason = g_strdup(req->reason);
	/* Refusal records name the file and the stick the request was for, so the monthly
	 * report can list them (without these it counted an unknown device); an accepted redeem
	 * then takes the identity of the device attached now. */
	j->src_path = g_strdup(
	    req->version == 2 ? ((const FutRequestFile *)g_ptr_array_index(req->files, 0))->path
	                      : req->file_name);
	if (req->destination.channel == FUT_CHANNEL_USB) {
		j->vid = g_strdup(req->destination.usb_vendor);
		j->pid_str = g_strdup(req->destination.usb_product);
		j->serial = g_strdup(req->destination.usb_serial);
		j->fs_uuid = g_strdup(req->destination.usb_fs_uuid);
		j->label = g_strdup(req->destination.usb_label);
	}
	if (j->dir == NULL) {
		fut_refusal_set_error(&error, FUT_REFUSAL_AGENT_ERROR, NULL);
		goto refuse;
	}
	root = fut_key_load_public(agent->config->org_key, &error);
	if (root == NULL) {
		g_prefix_error(&error, _("the organisation key is not installed (ask IT): "));
		fut_refusal_set_error(&error, FUT_REFUSAL_NO_ROOT_KEY, NULL);
		goto refuse;
	}
	if (!fut_revstate_choose(agent->config->state_dir, agent->config->revocation_list, root,
	                         &crl, &crl_refused, &error)) {
		fut_refusal_set_error(&error, FUT_REFUSAL_BAD_REVOCATION_LIST, NULL);
		goto refuse;
	}
	if (crl_refused != NULL) {
		/* An older list put back: logged, and the newer one kept in force. */
		if (!fut_broker_job_record(j, FUT_LOG_EV_CRL_REFUSED, "deny", crl_refused,
		                           &error)) {
			g_prefix_error(&error,
			               _("the log cannot be written, nothing was exported: "));
			fut_refusal_set_error(&error, FUT_REFUSAL_LOG_UNWRITABLE, NULL);
			goto refuse_unlogged;
		}
	}
	in.request = req;
	in.approvals = (FutApproval *const *)approvals->pdata;
	in.n_approvals = approvals->len;
	in.root_key = root;
	in.revocations = crl;
	in.policy = agent->config->policy;
	in.now = g_get_real_time() / G_USEC_PER_SEC;
	in.host_key = agent->host_key;
	in.lookup = lookup_request_state;
	in.lookup_data = agent;
	if (req->destination.channel == FUT_CHANNEL_UPLOAD && req->version == 2) {
		/* the agent makes several-file requests for sticks only */
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("an upload request names one file"));
		fut_refusal_set_error(&error, FUT_REFUSAL_AGENT_ERROR, NULL);
		goto refuse;
	}
	if (req->destination.channel == FUT_CHANNEL_UPLOAD) {
		g_autoptr(JsonObject) r = redeem_upload(agent, j, &in, &event, &error);
		if (r == NULL && event == NULL)
			goto refuse_unlogged;
		if (r == NULL && g_str_equal(event, "export.failed"))
			fut_refusal_set_error(&error, FUT_REFUSAL_AGENT_ERROR, NULL);
		if (r == NULL)
			goto refuse;
		g_clear_pointer(&j->pending, fut_pending_entry_free);
		fut_api_call_return(call, r);
		return;
	}
	if (!find_request_destination(agent, req, &d, &v)) {
		g_autofree gchar *eserial = fut_strescape(req->destination.usb_serial, -1);
		g_set_error(&error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("plug in the stick named in the request (serial %s) and try again"),
		            eserial);
		fut_refusal_set_error(&error, FUT_REFUSAL_DESTINATION_ABSENT, NULL);
		goto refuse;
	}
	now_dest.channel = FUT_CHANNEL_USB;
	now_dest.usb_vendor = d->vid;
	now_dest.usb_product = d->pid;
	now_dest.usb_serial = d->serial;
	now_dest.usb_fs_uuid = v->fs_uuid;
	now_dest.usb_label = v->fs_label;
	in.destination = &now_dest;
	refusal = fut_redeem_check(&in, &message);
	if (refusal != FUT_REFUSAL_NONE) {
		fut_refusal_set_error(&error, refusal, message);
		goto refuse;
	}
	event = "export.refused";
	if (!fut_broker_job_set_destination(j, d, v, &error)) {
		fut_refusal_set_error(&error, FUT_REFUSAL_DESTINATION_REFUSED, NULL);
		goto refuse;
	}
	if (!fut_broker_job_record(j, "redeem.accepted", "allow", message, &error)) {
		g_prefix_error(&error, _("the log cannot be written, nothing was exported: "));
		fut_refusal_set_error(&error, FUT_REFUSAL_LOG_UNWRITABLE, NULL);
		goto refuse_unlogged;
	}
	g_hash_table_add(agent->redeeming, g_strdup(j->request_id));
	j->call = call;
	g_atomic_int_inc(&agent->active_jobs);
	task = g_task_new(NULL, NULL, fut_broker_job_done, fut_broker_job_ref(j));
	g_task_set_task_data(task, fut_broker_job_ref(j), (GDestroyNotify)fut_broker_job_unref);
	g_task_run_in_thread(task, redeem_thread);
	return;
refuse:
	/* Not ours to clear from the redeeming set. */
	g_clear_pointer(&j->pending, fut_pending_entry_free);
	{
		g_autoptr(GError) lerr = NULL;
		if (!fut_broker_job_record(j, event, "deny", error->message, &lerr))
			g_prefix_error(&error, _("(and the log failed) "));
	}
refuse_unlogged:
	g_clear_pointer(&j->pending, fut_pending_entry_free);
	fut_api_call_return_error(call, error);
}
