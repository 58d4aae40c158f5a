/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One request for a folder's Class I/II files (issue 18): the files of an export job that
 * need approval are held (their spooled copies kept, durable, one small root-only record
 * each under <state-dir>/held/<uid>/<job>/), and the "export-seal" command makes one
 * version-2 request of them, logs each file, and stores one pending entry listing their
 * copies. Held files never sealed are dropped after FUT_HELD_LIFETIME_S (also after a
 * restart: the records are on disk). */
#include "config.h"

#include "broker-priv.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apimsg.h"
#include "errors.h"
#include "token.h"
#include "util.h"

#define FUT_HELD_LIFETIME_S   3600
#define FUT_HELD_JOBS_PER_UID 8
#define PART_MAX              (16 * 1024)
#define GROUP                 "part"

/* Holding and sealing run in worker threads and on the main loop: one at a time. */
static GMutex held_lock;

static gchar *
held_uid_dir(const FutConfig *c, uid_t uid)
{
	g_autofree gchar *u = g_strdup_printf("%u", (guint)uid);
	return g_build_filename(c->state_dir, "held", u, NULL);
}

static gchar *
held_job_dir(const FutConfig *c, uid_t uid, const gchar *job)
{
	g_autofree gchar *top = held_uid_dir(c, uid);
	return g_build_filename(top, job, NULL);
}

static guint
count_entries(const gchar *dir, const gchar *suffix)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;
	guint n = 0;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL)
		n += suffix == NULL || g_str_has_suffix(name, suffix);
	return n;
}

/* The file's path on the stick: its folders and its name joined by '/'. */
static gchar *
job_stick_path(const FutBrokerJob *j)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (guint i = 0; j->dir != NULL && j->dir[i] != NULL; i++)
		g_string_append_printf(s, "%s/", j->dir[i]);
	g_string_append(s, j->name);
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
kf_set(GKeyFile *kf, const gchar *key, const gchar *v)
{
	g_key_file_set_string(kf, GROUP, key, v != NULL ? v : "");
}

gboolean
fut_broker_job_hold(FutBrokerJob *j, GError **error)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&held_lock);
	g_autofree gchar *udir = held_uid_dir(j->config, j->uid);
	g_autofree gchar *dir = held_job_dir(j->config, j->uid, j->job_arg->id);
	g_autofree gchar *path = job_stick_path(j);
	g_autofree gchar *hex = NULL;
	g_autofree gchar *base = NULL;
	g_autofree gchar *file = NULL;
	g_autofree gchar *data = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new();
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gsize len = 0;

	if (!g_file_test(dir, G_FILE_TEST_IS_DIR) &&
	    count_entries(udir, NULL) >= FUT_HELD_JOBS_PER_UID) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("you already have %d folder exports waiting for their request: "
		              "let them finish first"),
		            FUT_HELD_JOBS_PER_UID);
		return FALSE;
	}
	/* the path markers (below) count the files held and being held */
	if (count_entries(dir, ".path") >= FUT_REQUEST_MAX_FILES) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("one request holds at most %d files that need approval: export the "
		              "folder in parts"),
		            FUT_REQUEST_MAX_FILES);
		return FALSE;
	}
	if (!fut_pending_room(j->config->state_dir, j->uid, j->config->pending_per_uid, now, error))
		return FALSE;
	if (!fut_request_path_check(path, error)) {
		g_prefix_error(error, _("cannot be named in a request: "));
		return FALSE;
	}
	if (g_mkdir_with_parents(dir, 0700) < 0)
		return fut_error_set_errno(error, errno, dir);
	/* Two files of the job with one path on the stick ("a:b" and "a_b" are both written
	 * "a_b") cannot be in one request: the second is refused now, not the whole request
	 * at the seal. A marker per path, created exclusively. */
	{
		guint8 ph[FUT_SHA256_LEN];
		g_autofree gchar *phex = NULL;
		g_autofree gchar *pbase = NULL;
		g_autofree gchar *marker = NULL;
		g_autoptr(GError) merr = NULL;
		fut_sha256(path, strlen(path), ph);
		phex = fut_hex_encode(ph, sizeof ph);
		pbase = g_strconcat(phex, ".path", NULL);
		marker = g_build_filename(dir, pbase, NULL);
		if (!fut_file_write_new(marker, "", 0, 0600, &merr)) {
			if (g_error_matches(merr, FUT_ERROR, FUT_ERROR_EXISTS))
				g_set_error(
				    error, FUT_ERROR, FUT_ERROR_EXISTS,
				    _("another file of this export goes to the same name on "
				      "the stick: export it on its own"));
			else
				g_propagate_error(error, g_steal_pointer(&merr));
			return FALSE;
		}
	}
	/* The copy must outlive a reboot until the request is redeemed or expires; its fsync
	 * (of a large file, maybe) waits outside the lock, which the main loop takes too. The
	 * marker above holds this file's place meanwhile. */
	g_clear_pointer(&locker, g_mutex_locker_free);
	if (!fut_spool_entry_sync(j->spool, error))
		return FALSE;
	hex = fut_hex_encode(j->spool->sha256, FUT_SHA256_LEN);
	kf_set(kf, "path", path);
	g_key_file_set_uint64(kf, GROUP, "size", j->spool->size);
	kf_set(kf, "sha256", hex);
	kf_set(kf, "class", j->klass);
	kf_set(kf, "class_evidence", j->class_why);
	kf_set(kf, "source", j->src_path);
	kf_set(kf, "reason", j->reason);
	kf_set(kf, "vid", j->vid);
	kf_set(kf, "pid", j->pid_str);
	kf_set(kf, "serial", j->serial);
	kf_set(kf, "fs_uuid", j->fs_uuid);
	kf_set(kf, "label", j->label);
	kf_set(kf, "asset", j->asset);
	kf_set(kf, "asset_owner", j->asset_owner);
	data = g_key_file_to_data(kf, &len, NULL);
	base = g_strconcat(j->spool->id, ".part", NULL);
	file = g_build_filename(dir, base, NULL);
	if (!fut_file_write_new(file, data, len, 0600, error)) {
		fut_spool_entry_remove(j->spool);
		return FALSE;
	}
	j->keep_spool = TRUE;
	j->held = TRUE;
	return TRUE;
}

/* One held file, read back. */
typedef struct {
	gchar *spool_id;
	GKeyFile *kf;
	gchar *path;
} Part;

static void
part_free(Part *p)
{
	g_free(p->spool_id);
	if (p->kf != NULL)
		g_key_file_unref(p->kf);
	g_free(p->path);
	g_free(p);
}

static gchar *
part_get(const Part *p, const gchar *key)
{
	return g_key_file_get_string(p->kf, GROUP, key, NULL);
}

static gint
part_cmp(gconstpointer a, gconstpointer b)
{
	const Part *pa = *(const Part *const *)a, *pb = *(const Part *const *)b;
	return strcmp(pa->path, pb->path);
}

static gboolean
id_is_hex(const gchar *s, gsize want)
{
	if (strlen(s) != want)
		return FALSE;
	for (const gchar *c = s; *c != '\0'; c++)
		if (!g_ascii_isxdigit(*c) || g_ascii_isupper(*c))
			return FALSE;
	return TRUE;
}

/* The held files of @dir, sorted by path; NULL with @error when one is damaged. */
static GPtrArray *
load_parts(const gchar *dir, GError **error)
{
	g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func((GDestroyNotify)part_free);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *file = NULL;
		g_autofree gchar *data = NULL;
		gsize len = 0;
		Part *p;
		if (!g_str_has_suffix(name, ".part"))
			continue;
		p = g_new0(Part, 1);
		g_ptr_array_add(parts, p);
		p->spool_id = g_strndup(name, strlen(name) - strlen(".part"));
		p->kf = g_key_file_new();
		file = g_build_filename(dir, name, NULL);
		if (!id_is_hex(p->spool_id, 32) ||
		    !fut_file_read_bounded(file, PART_MAX, &data, &len, NULL) ||
		    !g_key_file_load_from_data(p->kf, data, len, G_KEY_FILE_NONE, NULL) ||
		    (p->path = part_get(p, "path")) == NULL) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_IO,
			            _("a held file of this export is damaged: export again"));
			return NULL;
		}
	}
	g_ptr_array_sort(parts, part_cmp);
	return g_steal_pointer(&parts);
}

/* Removes the held records of @dir, and with @copies their spooled copies too. */
static void
drop_parts(const FutConfig *c, uid_t uid, const gchar *dir, gboolean copies)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autofree gchar *u = g_strdup_printf("%u", (guint)uid);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *file = g_build_filename(dir, name, NULL);
		if (copies && g_str_has_suffix(name, ".part")) {
			g_autofree gchar *id = g_strndup(name, strlen(name) - strlen(".part"));
			g_autofree gchar *base = g_strconcat(id, ".data", NULL);
			g_autofree gchar *copy = g_build_filename(c->spool_dir, u, base, NULL);
			if (id_is_hex(id, 32))
				g_unlink(copy);
		}
		g_unlink(file);
	}
	g_rmdir(dir);
}

static const gchar *const same_keys[] = {"reason",  "vid",   "pid",   "serial",
                                         "fs_uuid", "label", "asset", NULL};

/* Makes the request of the held @parts, logs each file and stores the pending entry. */
static gboolean
seal_parts(FutAgent *agent, FutApiCall *call, GPtrArray *parts, JsonObject *r, GError **error)
{
	const FutConfig *c = agent->config;
	const Part *first = g_ptr_array_index(parts, 0);
	g_autoptr(FutRequest) req = fut_request_new();
	g_autoptr(FutPendingEntry) e = g_new0(FutPendingEntry, 1);
	g_autoptr(GPtrArray) ids = g_ptr_array_new();
	/* the records' fields, told to the user's desktop once all are durable */
	g_autoptr(GPtrArray) told =
	    g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
	g_autofree gchar *text = NULL;
	g_autofree gchar *id = NULL;
	g_autofree gchar *asset = part_get(first, "asset");
	g_autofree gchar *owner = part_get(first, "asset_owner");
	uid_t uid = fut_api_call_get_uid(call);
	g_autofree gchar *login = fut_broker_lookup_login(uid);
	g_autofree gchar *exelink =
	    g_strdup_printf("/proc/%d/exe", (int)fut_api_call_get_pid(call));
	g_autofree gchar *exe = fut_broker_read_link(exelink);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	for (guint i = 1; i < parts->len; i++) {
		const Part *p = g_ptr_array_index(parts, i);
		for (guint k = 0; same_keys[k] != NULL; k++) {
			g_autofree gchar *a = part_get(first, same_keys[k]);
			g_autofree gchar *b = part_get(p, same_keys[k]);
			if (g_strcmp0(a, b) != 0) {
				g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
				            _("the files of one export go to one stick with one "
				              "reason (%s differs)"),
				            same_keys[k]);
				return FALSE;
			}
		}
	}
	if (!fut_pending_room(c->state_dir, uid, c->pending_per_uid, now, error))
		return FALSE;
	req->host = g_strdup(agent->host);
	req->requester = g_strdup(login);
	req->uid = uid;
	req->destination.channel = FUT_CHANNEL_USB;
	req->destination.usb_vendor = part_get(first, "vid");
	req->destination.usb_product = part_get(first, "pid");
	req->destination.usb_serial = part_get(first, "serial");
	req->destination.usb_fs_uuid = part_get(first, "fs_uuid");
	req->destination.usb_label = part_get(first, "label");
	if (asset != NULL && *asset != '\0') {
		g_autofree gchar *full = owner != NULL && *owner != '\0'
		                             ? g_strdup_printf("%s, %s", asset, owner)
		                             : g_strdup(asset);
		req->destination.usb_asset =
		    g_utf8_validate(full, -1, NULL)
		        ? g_utf8_substring(full, 0, MIN(g_utf8_strlen(full, -1), 80))
		        : NULL;
	}
	req->klass = FUT_CLASS_II;
	for (guint i = 0; i < parts->len; i++) {
		const Part *p = g_ptr_array_index(parts, i);
		g_autofree gchar *hex = part_get(p, "sha256");
		g_autofree gchar *klass = part_get(p, "class");
		guint8 sha[FUT_SHA256_LEN];
		FutClass k = fut_class_from_string(klass);
		guint64 size = g_key_file_get_uint64(p->kf, GROUP, "size", NULL);
		if (hex == NULL || !fut_hex_decode(hex, sha, sizeof sha, error))
			return FALSE;
		if (k == FUT_CLASS_I)
			req->klass = FUT_CLASS_I;
		fut_request_add_file(req, p->path, size, sha, k);
		g_ptr_array_add(ids, p->spool_id);
	}
	g_ptr_array_add(ids, NULL);
	req->reason = part_get(first, "reason");
	req->created = now;
	req->expires = now + (gint64)c->request_lifetime_hours * 3600;
	if (!fut_request_set_random_nonce(req, error) ||
	    !fut_request_sign(req, agent->host_key, error))
		return FALSE;
	text = fut_request_to_text(req, error);
	if (text == NULL)
		return FALSE;
	id = fut_request_dup_id_string(req);
	/* Logged first, each file with the request's id: a request nobody can find in the
	 * log must not exist. */
	for (guint i = 0; i < parts->len; i++) {
		const Part *p = g_ptr_array_index(parts, i);
		g_autoptr(FutBrokerJob) j = g_new0(FutBrokerJob, 1);
		g_autofree gchar *hex = part_get(p, "sha256");
		j->ref = 1;
		j->agent = agent;
		j->config = c;
		j->src_fd = -1;
		j->uid = uid;
		j->pid = fut_api_call_get_pid(call);
		j->login = g_strdup(login);
		j->exe = g_strdup(exe);
		j->src_path = part_get(p, "source");
		j->name = g_strdup(p->path);
		j->klass = part_get(p, "class");
		j->class_why = part_get(p, "class_evidence");
		j->reason = part_get(p, "reason");
		j->vid = part_get(p, "vid");
		j->pid_str = part_get(p, "pid");
		j->serial = part_get(p, "serial");
		j->fs_uuid = part_get(p, "fs_uuid");
		j->label = part_get(p, "label");
		j->asset = part_get(p, "asset");
		j->request_id = g_strdup(id);
		j->spool = g_new0(FutSpoolEntry, 1);
		j->spool->fd = -1;
		j->spool->id = g_strdup(p->spool_id);
		j->spool->size = g_key_file_get_uint64(p->kf, GROUP, "size", NULL);
		if (!fut_hex_decode(hex, j->spool->sha256, FUT_SHA256_LEN, error))
			return FALSE;
		j->keep_spool = TRUE;
		JsonObject *f =
		    fut_broker_job_record_untold(j, "export.requested", NULL, j->reason, error);
		if (f == NULL)
			return FALSE;
		g_ptr_array_add(told, f);
	}
	if (!fut_recorder_sync(agent->recorder, error))
		return FALSE;
	for (guint i = 0; i < told->len; i++)
		fut_recorder_tell(agent->recorder, "export.requested", g_ptr_array_index(told, i));
	e->id = g_strdup(id);
	e->uid = uid;
	e->spool_id = g_strdup("");
	e->spool_ids = g_strdupv((gchar **)ids->pdata);
	e->name = g_strdup("");
	e->dir = g_strdup("");
	e->request_text = g_strdup(text);
	e->state = g_strdup(FUT_PENDING_STATE_PENDING);
	e->expires = req->expires;
	if (!fut_pending_add(c->state_dir, e, error))
		return FALSE;
	json_object_set_string_member(r, "request_text", text);
	json_object_set_string_member(r, "request_id", id);
	json_object_set_string_member(r, "class", fut_class_to_string(req->klass));
	json_object_set_int_member(r, "files", parts->len);
	return TRUE;
}

void
fut_broker_export_seal(FutApiCall *call, JsonObject *args, gpointer user_data)
{
	FutAgent *agent = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) r = json_object_new();
	g_autoptr(GPtrArray) parts = NULL;
	g_autofree gchar *dir = NULL;
	g_autoptr(GMutexLocker) locker = NULL;
	const gchar *job = NULL;
	uid_t uid = fut_api_call_get_uid(call);
	gboolean ok;

	if (json_object_get_size(args) != 1 ||
	    !fut_api_get_string(args, "job", TRUE, &job, &error) || !id_is_hex(job, strlen(job)) ||
	    strlen(job) < 8 || strlen(job) > 64) {
		g_clear_error(&error);
		g_set_error(&error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("export-seal takes one argument, 'job': the job id of the export "
		              "(8 to 64 lower-case hex digits)"));
		fut_api_call_return_error(call, error);
		return;
	}
	locker = g_mutex_locker_new(&held_lock);
	dir = held_job_dir(agent->config, uid, job);
	parts = load_parts(dir, &error);
	if (parts == NULL) {
		drop_parts(agent->config, uid, dir, TRUE);
		fut_api_call_return_error(call, error);
		return;
	}
	if (parts->len == 0) {
		json_object_set_int_member(r, "files", 0);
		fut_api_call_return(call, r);
		return;
	}
	ok = seal_parts(agent, call, parts, r, &error);
	/* Sealed: the copies are the request's now. Refused: nothing waits for them. */
	drop_parts(agent->config, uid, dir, !ok);
	{
		g_autofree gchar *udir = held_uid_dir(agent->config, uid);
		g_rmdir(udir); /* only when empty */
	}
	if (!ok) {
		g_prefix_error(&error, _("no request was made for the files that need approval: "));
		fut_api_call_return_error(call, error);
		return;
	}
	fut_api_call_return(call, r);
}

void
fut_broker_held_purge(FutAgent *agent)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&held_lock);
	g_autofree gchar *top = g_build_filename(agent->config->state_dir, "held", NULL);
	g_autoptr(GDir) d = g_dir_open(top, 0, NULL);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	const gchar *uname;

	while (d != NULL && (uname = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *udir = g_build_filename(top, uname, NULL);
		g_autoptr(GDir) ud = g_dir_open(udir, 0, NULL);
		const gchar *job;
		guint64 uid = 0;
		if (ud == NULL ||
		    !g_ascii_string_to_unsigned(uname, 10, 0, G_MAXUINT32 - 1, &uid, NULL))
			continue;
		while ((job = g_dir_read_name(ud)) != NULL) {
			g_autofree gchar *jdir = g_build_filename(udir, job, NULL);
			struct stat st;
			if (lstat(jdir, &st) == 0 && S_ISDIR(st.st_mode) &&
			    now - (gint64)st.st_mtime > FUT_HELD_LIFETIME_S)
				drop_parts(agent->config, (uid_t)uid, jdir, TRUE);
		}
		g_rmdir(udir); /* only when empty */
	}
}
