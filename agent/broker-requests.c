/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Class I and II requests: making them, the "requests" command and their expiry. */
#include "config.h"

#include "broker-priv.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "token.h"
#include "util.h"

/* --- Class I and II: requests --------------------------------------------------------- */

/* Requests are made in worker threads: the pending count is checked and the new request
 * added under this lock, or requests made at the same time would all pass the check. */
static GMutex request_lock;

gboolean
fut_broker_job_make_request(FutBrokerJob *j, GError **error)
{
	FutAgent *agent = j->agent;
	g_autoptr(FutRequest) req = fut_request_new();
	g_autoptr(FutPendingEntry) e = g_new0(FutPendingEntry, 1);
	g_autoptr(GString) dir = g_string_new(NULL);
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&request_lock);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (!fut_pending_room(j->config->state_dir, j->uid, j->config->pending_per_uid, now, error))
		return FALSE;
	req->host = g_strdup(agent->host);
	req->requester = g_strdup(j->login);
	req->uid = j->uid;
	if (j->upload) {
		req->destination.channel = FUT_CHANNEL_UPLOAD;
		req->destination.upload_host = g_strdup(j->upload_host);
		/* The format needs a program; "any upload program" is written as "*". */
		req->destination.upload_program = g_strdup(
		    j->upload_program != NULL ? j->upload_program : FUT_UPLOAD_ANY_PROGRAM);
	} else {
		req->destination.channel = FUT_CHANNEL_USB;
		req->destination.usb_vendor = g_strdup(j->vid != NULL ? j->vid : "");
		req->destination.usb_product = g_strdup(j->pid_str != NULL ? j->pid_str : "");
		req->destination.usb_serial = g_strdup(j->serial != NULL ? j->serial : "");
		req->destination.usb_fs_uuid = g_strdup(j->fs_uuid != NULL ? j->fs_uuid : "");
		req->destination.usb_label = g_strdup(j->label != NULL ? j->label : "");
		/* The register's name first, so the supervisor reads "CITY-USB-0001, 総務課"
		 * (bounded in characters; the format allows 256 bytes). */
		if (j->asset != NULL && j->asset[0] != '\0') {
			g_autofree gchar *full =
			    j->asset_owner != NULL && j->asset_owner[0] != '\0'
			        ? g_strdup_printf("%s, %s", j->asset, j->asset_owner)
			        : g_strdup(j->asset);
			/* (g_utf8_substring needs an end inside the string) */
			req->destination.usb_asset =
			    g_utf8_validate(full, -1, NULL)
			        ? g_utf8_substring(full, 0, MIN(g_utf8_strlen(full, -1), 80))
			        : NULL;
		}
	}
	req->file_name = g_strdup(j->name);
	req->size = j->spool->size;
	memcpy(req->sha256, j->spool->sha256, FUT_SHA256_LEN);
	req->klass = fut_class_from_string(j->klass);
	req->class_evidence = g_strndup(j->class_why, FUT_EVIDENCE_MAX);
	req->reason = g_strdup(j->reason);
	req->created = now;
	req->expires = now + (gint64)j->config->request_lifetime_hours * 3600;
	if (!fut_request_set_random_nonce(req, error) ||
	    !fut_request_sign(req, agent->host_key, error))
		return FALSE;
	j->request_text = fut_request_to_text(req, error);
	if (j->request_text == NULL)
		return FALSE;
	j->request_id = fut_request_dup_id_string(req);
	for (guint i = 0; j->dir != NULL && j->dir[i] != NULL; i++) {
		if (i > 0)
			g_string_append_c(dir, '/');
		g_string_append(dir, j->dir[i]);
	}
	e->id = g_strdup(j->request_id);
	e->uid = j->uid;
	e->spool_id = g_strdup(j->spool->id);
	e->name = g_strdup(j->name);
	e->dir = g_strdup(dir->str);
	e->request_text = g_strdup(j->request_text);
	e->state = g_strdup(FUT_PENDING_STATE_PENDING);
	e->expires = req->expires;
	/* Logged first: a request nobody can find in the log must not exist. */
	if (!fut_broker_job_record(j, "export.requested", NULL, j->reason, error))
		return FALSE;
	/* An upload request needs no copy: the approval names the content by its digest and
	 * the listener checks the digest of what the program opens. */
	if (!j->upload && !fut_spool_entry_sync(j->spool, error))
		return FALSE;
	if (!fut_pending_add(j->config->state_dir, e, error))
		return FALSE;
	j->keep_spool = !j->upload;
	return TRUE;
}

void
fut_broker_requests(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	FutAgent *agent = user_data;
	uid_t uid = fut_api_call_get_uid(call);
	g_autoptr(GPtrArray) list = fut_pending_list(agent->config->state_dir, uid);
	g_autoptr(JsonObject) r = json_object_new();
	JsonArray *arr = json_array_new();
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (json_object_get_size(args) != 0) {
		g_autoptr(GError) error = g_error_new(FUT_ERROR, FUT_ERROR_INVALID_DATA,
		                                      _("requests takes no arguments"));
		json_array_unref(arr);
		fut_api_call_return_error(call, error);
		return;
	}
	for (guint i = 0; i < list->len; i++) {
		const FutPendingEntry *e = g_ptr_array_index(list, i);
		g_autoptr(FutRequest) req =
		    fut_request_parse(e->request_text, strlen(e->request_text), NULL);
		JsonObject *o = json_object_new();
		json_object_set_string_member(o, "id", e->id);
		json_object_set_string_member(o, "state", e->expires < now ? "expired" : e->state);
		json_object_set_string_member(o, "name", e->name);
		json_object_set_string_member(o, "dir", e->dir);
		json_object_set_int_member(o, "expires", e->expires);
		if (req != NULL && req->version == 2) {
			/* one request for several files: the first one's path names it */
			const FutRequestFile *f = g_ptr_array_index(req->files, 0);
			guint64 total = 0;
			for (guint k = 0; k < req->files->len; k++)
				total += ((const FutRequestFile *)g_ptr_array_index(req->files, k))
				             ->size;
			json_object_set_string_member(o, "name", f->path);
			json_object_set_int_member(o, "files", req->files->len);
			json_object_set_int_member(o, "written", fut_pending_written_count(e));
			json_object_set_string_member(o, "class", fut_class_to_string(req->klass));
			json_object_set_int_member(o, "size", (gint64)total);
			json_object_set_string_member(o, "channel", "usb");
			json_object_set_string_member(o, "serial", req->destination.usb_serial);
			json_object_set_string_member(o, "label", req->destination.usb_label);
			json_object_set_int_member(o, "created", req->created);
		}
		if (req != NULL && req->version != 2) {
			g_autofree gchar *hex = fut_hex_encode(req->sha256, FUT_SHA256_LEN);
			json_object_set_string_member(o, "class", fut_class_to_string(req->klass));
			json_object_set_int_member(o, "size", (gint64)req->size);
			json_object_set_string_member(o, "sha256", hex);
			json_object_set_string_member(
			    o, "channel", fut_channel_to_string(req->destination.channel));
			if (req->destination.channel == FUT_CHANNEL_UPLOAD) {
				json_object_set_string_member(o, "upload_host",
				                              req->destination.upload_host);
				json_object_set_string_member(o, "upload_program",
				                              req->destination.upload_program);
			} else {
				json_object_set_string_member(o, "serial",
				                              req->destination.usb_serial);
				json_object_set_string_member(o, "label",
				                              req->destination.usb_label);
			}
			json_object_set_int_member(o, "created", req->created);
		}
		json_array_add_object_element(arr, o);
	}
	json_object_set_array_member(r, "requests", arr);
	fut_api_call_return(call, r);
}

void
fut_broker_purge(FutAgent *agent)
{
	g_autoptr(GPtrArray) gone =
	    fut_pending_purge(agent->config->state_dir, g_get_real_time() / G_USEC_PER_SEC);

	for (guint i = 0; i < gone->len; i++) {
		const FutPendingEntry *e = g_ptr_array_index(gone, i);
		g_autofree gchar *u = g_strdup_printf("%u", (guint)e->uid);
		/* version 1: one copy; version 2: one per file */
		for (guint k = 0; k == 0 || (e->spool_ids != NULL && e->spool_ids[k - 1] != NULL);
		     k++) {
			const gchar *sid = k == 0 ? e->spool_id : e->spool_ids[k - 1];
			g_autoptr(FutSpoolEntry) s = g_new0(FutSpoolEntry, 1);
			g_autofree gchar *base = NULL;
			if (sid == NULL || *sid == '\0')
				continue;
			base = g_strconcat(sid, ".data", NULL);
			s->fd = -1; /* a named copy: no descriptor held */
			s->path = g_build_filename(agent->config->spool_dir, u, base, NULL);
			fut_spool_entry_remove(s);
		}
	}
	fut_broker_held_purge(agent);
}
