/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "agentconf.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "classify.h"
#include "keyfile.h"
#include "pathrules.h"
#include "util.h"

/* The table of every group and key the agent knows. An unknown group or key is fatal: a
 * typo in a security setting must not silently fall back to a default. */
typedef enum {
	KEY_PATH,
	KEY_BOOL,
	KEY_UINT,
	KEY_PATH_LIST,         /* "a;b;c": absolute paths */
	KEY_NAME_LIST,         /* "a;b;c": file names (no '/') */
	KEY_NAME,              /* one name (no '/', no ';') */
	KEY_PATH_LIST_OR_NONE, /* a KEY_PATH_LIST, or "none": an empty list */
} KeyType;

/* Entries in one list key: a bounded config makes a bounded program table. */
#define LIST_MAX 256

typedef struct {
	const gchar *group;
	const gchar *key;
	KeyType type;
	gsize offset;
	guint64 min, max;
} KeySpec;

#define OFF(f) G_STRUCT_OFFSET(FutConfig, f)

static const KeySpec key_table[] = {
    {"paths", "socket", KEY_PATH, OFF(socket), 0, 0},
    {"paths", "state-dir", KEY_PATH, OFF(state_dir), 0, 0},
    {"paths", "spool-dir", KEY_PATH, OFF(spool_dir), 0, 0},
    {"paths", "log-dir", KEY_PATH, OFF(log_dir), 0, 0},
    {"paths", "host-key", KEY_PATH, OFF(host_key), 0, 0},
    {"paths", "media-register", KEY_PATH, OFF(media_register), 0, 0},
    {"paths", "org-key", KEY_PATH, OFF(org_key), 0, 0},
    {"paths", "revocation-list", KEY_PATH, OFF(revocation_list), 0, 0},
    {"paths", "label-store", KEY_PATH, OFF(label_store), 0, 0},
    {"usb", "export-to-unregistered", KEY_BOOL, OFF(export_unregistered), 0, 0},
    {"limits", "max-message", KEY_UINT, OFF(max_message), 1024, 1024 * 1024},
    {"limits", "requests-per-minute", KEY_UINT, OFF(requests_per_minute), 1, 100000},
    {"limits", "export-files-at-once", KEY_UINT, OFF(export_files_at_once), 1, 1000000},
    {"limits", "export-files-per-minute", KEY_UINT, OFF(export_files_per_minute), 1, 1000000},
    {"limits", "pending-per-uid", KEY_UINT, OFF(pending_per_uid), 1, 10000},
    {"limits", "spool-bytes-per-uid", KEY_UINT, OFF(spool_bytes_per_uid), 1, G_MAXINT64},
    {"limits", "max-export-bytes", KEY_UINT, OFF(max_export_bytes), 1, G_MAXINT64},
    {"limits", "export-queue-seconds", KEY_UINT, OFF(export_queue_seconds), 1, 3600},
    {"limits", "request-lifetime-hours", KEY_UINT, OFF(request_lifetime_hours), 1, 24 * 90},
    {"upload", "filesystems", KEY_PATH_LIST, OFF(upload_filesystems), 0, 0},
    {"upload", "mounts", KEY_PATH_LIST, OFF(upload_mounts), 0, 0},
    {"upload", "deadline-ms", KEY_UINT, OFF(upload_deadline_ms), 100, 60000},
    {"upload", "programs", KEY_PATH_LIST, OFF(upload_programs), 0, 0},
    {"upload", "names", KEY_NAME_LIST, OFF(upload_names), 0, 0},
    {"upload", "observe", KEY_PATH_LIST, OFF(upload_observe), 0, 0},
    {"upload", "digest-max", KEY_UINT, OFF(upload_digest_max), 1, G_MAXINT64},
    {"upload", "learn-max", KEY_UINT, OFF(upload_learn_max), 0, G_MAXINT64},
    {"upload", "observe-interval", KEY_UINT, OFF(upload_observe_interval), 1, 7 * 24 * 3600},
    {"upload", "observe-hidden", KEY_BOOL, OFF(upload_observe_hidden), 0, 0},
    {"upload", "observe-per-minute", KEY_UINT, OFF(upload_observe_per_minute), 1, 100000},
    {"upload", "taint-exempt-peers", KEY_PATH_LIST_OR_NONE, OFF(upload_taint_exempt_peers), 0, 0},
    {"upload", "system", KEY_PATH_LIST_OR_NONE, OFF(upload_system), 0, 0},
    {"scan-worker", "program", KEY_PATH, OFF(scan_program), 0, 0},
    {"scan-worker", "user", KEY_NAME, OFF(scan_user), 0, 0},
    {"scan-worker", "workers", KEY_UINT, OFF(scan_workers), 1, 64},
    {"scan-worker", "timeout-ms", KEY_UINT, OFF(scan_timeout_ms), 100, 3600 * 1000},
    {"scan-worker", "files-per-worker", KEY_UINT, OFF(scan_files_per_worker), 1, 1000000},
    {"scan-worker", "cpu-seconds", KEY_UINT, OFF(scan_cpu), 1, 3600},
    {"scan-worker", "memory", KEY_UINT, OFF(scan_memory), 64 * 1024 * 1024, G_MAXINT64},
};

static const gchar *const known_groups[] = {"paths",  "usb",         "limits",
                                            "upload", "scan-worker", NULL};

/* Groups that belong to another module, which parses and validates them itself. */
#define POLICY_GROUP "approval"
static const gchar *const classifier_groups[] = {FUT_CLASSIFY_GROUP, FUT_PATH_RULES_GROUP, NULL};

void
fut_config_free(FutConfig *c)
{
	if (c == NULL)
		return;
	g_free(c->path);
	g_free(c->socket);
	g_free(c->state_dir);
	g_free(c->spool_dir);
	g_free(c->log_dir);
	g_free(c->host_key);
	g_free(c->media_register);
	g_free(c->org_key);
	g_free(c->revocation_list);
	g_free(c->label_store);
	g_strfreev(c->upload_filesystems);
	g_strfreev(c->upload_mounts);
	g_strfreev(c->upload_programs);
	g_strfreev(c->upload_names);
	g_strfreev(c->upload_observe);
	g_strfreev(c->upload_taint_exempt_peers);
	g_strfreev(c->upload_system);
	g_free(c->scan_program);
	g_free(c->scan_user);
	if (c->keyfile != NULL)
		g_key_file_unref(c->keyfile);
	if (c->policy != NULL)
		fut_policy_free(c->policy);
	g_free(c);
}

FutConfig *
fut_config_new_default(void)
{
	FutConfig *c = g_new0(FutConfig, 1);

	c->path = g_strdup(FUT_CONFIG_DEFAULT_PATH);
	c->socket = g_strdup(RUNSTATEDIR "/futari/agent.sock");
	c->state_dir = g_strdup(LOCALSTATEDIR "/lib/futari");
	c->spool_dir = g_strdup(LOCALSTATEDIR "/lib/futari/spool");
	c->log_dir = g_strdup(LOCALSTATEDIR "/log/futari");
	c->host_key = g_strdup(SYSCONFDIR "/futari/host.key");
	c->media_register = g_strdup(SYSCONFDIR "/futari/media.conf");
	c->org_key = g_strdup(SYSCONFDIR "/futari/org.pub");
	c->policy = fut_policy_new_default();
	c->revocation_list = g_strdup(SYSCONFDIR "/futari/revocations.futari-revocation");
	c->label_store = g_strdup(LOCALSTATEDIR "/lib/futari/labels");
	c->export_unregistered = FALSE;
	c->max_message = 64 * 1024;
	c->requests_per_minute = 120;
	/* A folder of 2,000 files at full speed; past it 10 a second (a refused export is a
	 * log record: this bounds how fast one user can grow the log with them). */
	c->export_files_at_once = 2000;
	c->export_files_per_minute = 600;
	c->pending_per_uid = 32;
	c->spool_bytes_per_uid = G_GUINT64_CONSTANT(8) * 1024 * 1024 * 1024;
	c->max_export_bytes = G_GUINT64_CONSTANT(4) * 1024 * 1024 * 1024;
	c->request_lifetime_hours = 24 * 7;
	c->export_queue_seconds = 300; /* FUT_WRITE_QUEUE_SECONDS_DEFAULT */
	/* The listener's own defaults (fut_fanwatch_config_init). */
	c->upload_digest_max = G_GUINT64_CONSTANT(1024) * 1024 * 1024;
	c->upload_learn_max = 1024 * 1024;
	c->upload_deadline_ms = 3000;
	c->upload_observe_interval = 3600;
	c->upload_observe_per_minute = 60;
	{
		static const gchar *const peers[] = {FUT_CONFIG_TAINT_EXEMPT_PEERS, NULL};
		c->upload_taint_exempt_peers = g_strdupv((gchar **)peers);
	}
	{
		static const gchar *const sys[] = {FUT_CONFIG_UPLOAD_SYSTEM, NULL};
		c->upload_system = g_strdupv((gchar **)sys);
	}
	c->scan_program = g_strdup(LIBEXECDIR "/futari/futari-scan-worker");
	c->scan_user = g_strdup("futari-scan");
	c->scan_workers = 16;
	c->scan_timeout_ms = 30 * 1000;
	c->scan_files_per_worker = 1000; /* FUT_SCAN_POOL_FILES_PER_WORKER */
	c->scan_cpu = 30;
	c->scan_memory = G_GUINT64_CONSTANT(1024) * 1024 * 1024;
	return c;
}

/* A ';'-separated list: every entry an absolute path (@paths) or a plain file name;
 * empty entries (a trailing ';') are skipped; at least one entry. */
static gboolean
get_list(FutKeyfile *kf, const KeySpec *spec, gboolean paths, gchar ***ret, GError **error)
{
	g_autofree gchar *value = NULL;
	g_auto(GStrv) parts = NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);

	if (!fut_keyfile_get_string(kf, spec->group, spec->key, &value, error))
		return FALSE;
	if (value == NULL)
		return TRUE;
	parts = g_strsplit(value, ";", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		gchar *v = g_strstrip(parts[i]);
		g_autofree gchar *ev = fut_strescape(v, -1);
		gboolean bad = FALSE;

		if (*v == '\0')
			continue;
		for (const gchar *p = v; *p != '\0'; p++)
			bad = bad || (guchar)*p < 0x20 || *p == 0x7f;
		if (paths) {
			g_auto(GStrv) comp = g_strsplit(v + 1, "/", -1);
			bad = bad || v[0] != '/' || strlen(v) >= 4096;
			for (guint k = 0; !bad && comp[k] != NULL; k++)
				bad = g_str_equal(comp[k], ".") || g_str_equal(comp[k], "..") ||
				      (comp[k][0] == '\0' && (k > 0 || comp[k + 1] != NULL));
			if (bad)
				return fut_keyfile_set_error(
				    kf, error, FUT_ERROR_INVALID_DATA, spec->group, spec->key,
				    _("'%s': '%s' is not a plain absolute path"), spec->key, ev);
		} else if (bad || strchr(v, '/') != NULL || strlen(v) > 255 ||
		           g_str_equal(v, ".") || g_str_equal(v, "..")) {
			return fut_keyfile_set_error(
			    kf, error, FUT_ERROR_INVALID_DATA, spec->group, spec->key,
			    _("'%s': '%s' is not a program file name"), spec->key, ev);
		}
		if (out->len >= LIST_MAX)
			return fut_keyfile_set_error(
			    kf, error, FUT_ERROR_INVALID_DATA, spec->group, spec->key,
			    _("'%s' lists more than %d entries"), spec->key, LIST_MAX);
		g_ptr_array_add(out, g_strdup(v));
	}
	if (out->len == 0)
		return fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, spec->group,
		                             spec->key, _("'%s' is empty"), spec->key);
	g_ptr_array_add(out, NULL);
	g_strfreev(*ret);
	*ret = (gchar **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
	return TRUE;
}

static gboolean
apply_key(FutKeyfile *kf, FutConfig *c, const KeySpec *spec, GError **error)
{
	gpointer field = G_STRUCT_MEMBER_P(c, spec->offset);

	switch (spec->type) {
	case KEY_PATH:
		return fut_keyfile_get_path_value(kf, spec->group, spec->key, (gchar **)field,
		                                  error);
	case KEY_BOOL:
		return fut_keyfile_get_bool(kf, spec->group, spec->key, (gboolean *)field, error);
	case KEY_PATH_LIST_OR_NONE: {
		g_autofree gchar *value = NULL;
		if (!fut_keyfile_get_string(kf, spec->group, spec->key, &value, error))
			return FALSE;
		if (value != NULL && g_str_equal(g_strstrip(value), "none")) {
			g_strfreev(*(gchar ***)field);
			*(gchar ***)field = g_new0(gchar *, 1);
			return TRUE;
		}
		return get_list(kf, spec, TRUE, (gchar ***)field, error);
	}
	case KEY_PATH_LIST:
	case KEY_NAME_LIST:
		return get_list(kf, spec, spec->type == KEY_PATH_LIST, (gchar ***)field, error);
	case KEY_NAME: {
		g_auto(GStrv) one = NULL;
		if (!get_list(kf, spec, FALSE, &one, error))
			return FALSE;
		if (one == NULL)
			return TRUE;
		if (one[1] != NULL)
			return fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, spec->group,
			                             spec->key, _("'%s' takes one name"),
			                             spec->key);
		g_free(*(gchar **)field);
		*(gchar **)field = g_strdup(one[0]);
		return TRUE;
	}
	case KEY_UINT: {
		guint64 v = 0;
		if (!g_key_file_has_key(fut_keyfile_get_keyfile(kf), spec->group, spec->key, NULL))
			return TRUE;
		if (!fut_keyfile_get_uint64(kf, spec->group, spec->key, spec->min, spec->max, &v,
		                            error))
			return FALSE;
		if (spec->max <= G_MAXUINT)
			*(guint *)field = (guint)v;
		else
			*(guint64 *)field = v;
		return TRUE;
	}
	}
	g_assert_not_reached();
}

FutConfig *
fut_config_parse(const gchar *path, const gchar *data, gsize len, GError **error)
{
	g_autoptr(FutKeyfile) kf = NULL;
	g_autoptr(FutConfig) c = fut_config_new_default();
	g_auto(GStrv) groups = NULL;

	kf = fut_keyfile_parse(path, data, len, error);
	if (kf == NULL)
		return NULL;
	groups = g_key_file_get_groups(fut_keyfile_get_keyfile(kf), NULL);
	for (guint i = 0; groups[i] != NULL; i++) {
		const gchar *known[G_N_ELEMENTS(key_table) + 1];
		guint n = 0;

		if (g_str_equal(groups[i], POLICY_GROUP)) {
			g_autofree gchar *where = g_strdup_printf(
			    "%s:%u", path, fut_keyfile_get_line(kf, groups[i], NULL));
			g_autoptr(FutPolicy) policy = fut_policy_load(fut_keyfile_get_keyfile(kf),
			                                              POLICY_GROUP, where, error);
			if (policy == NULL)
				return NULL;
			fut_policy_free(c->policy);
			c->policy = g_steal_pointer(&policy);
			continue;
		}
		if (g_strv_contains(classifier_groups, groups[i]))
			continue;
		if (!g_strv_contains(known_groups, groups[i])) {
			g_autofree gchar *eg = fut_strescape(groups[i], -1);
			fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, groups[i], NULL,
			                      _("unknown group [%s]"), eg);
			return NULL;
		}
		for (guint k = 0; k < G_N_ELEMENTS(key_table); k++) {
			if (g_str_equal(key_table[k].group, groups[i]))
				known[n++] = key_table[k].key;
		}
		known[n] = NULL;
		if (!fut_keyfile_check_keys(kf, groups[i], known, error))
			return NULL;
	}
	for (guint k = 0; k < G_N_ELEMENTS(key_table); k++) {
		if (!apply_key(kf, c, &key_table[k], error))
			return NULL;
	}
	c->upload_enabled = g_key_file_has_group(fut_keyfile_get_keyfile(kf), "upload");
	/* The relations of [upload], named at the group's line. */
	if (c->upload_enabled && c->upload_filesystems == NULL) {
		fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, "upload", NULL,
		                      _("[upload] needs 'filesystems' (paths on the filesystems "
		                        "to watch)"));
		return NULL;
	}
	if (c->upload_enabled && c->upload_programs == NULL && c->upload_names == NULL) {
		fut_keyfile_set_error(kf, error, FUT_ERROR_INVALID_DATA, "upload", NULL,
		                      _("[upload] needs 'programs' or 'names' (the upload "
		                        "programs)"));
		return NULL;
	}
	/* The classifier checks its own groups: build one to see that they are sound. */
	{
		g_autoptr(FutClassifier) probe =
		    fut_classifier_new(fut_keyfile_get_keyfile(kf), NULL, error);
		if (probe == NULL) {
			g_autofree gchar *epath = fut_strescape(path, -1);
			g_prefix_error(error, "%s: ", epath);
			return NULL;
		}
	}
	c->keyfile = g_key_file_ref(fut_keyfile_get_keyfile(kf));
	g_free(c->path);
	c->path = g_strdup(path);
	if (!fut_config_validate(c, error)) {
		g_autofree gchar *epath = fut_strescape(path, -1);
		g_prefix_error(error, "%s: ", epath);
		return NULL;
	}
	return g_steal_pointer(&c);
}

FutConfig *
fut_config_load(const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (!fut_file_read_bounded(path, FUT_CONFIG_FILE_MAX, &data, &len, error))
		return NULL;
	return fut_config_parse(path, data, len, error);
}

gboolean
fut_config_validate(const FutConfig *c, GError **error)
{
	const gchar *paths[] = {c->socket,  c->state_dir,       c->spool_dir,
	                        c->log_dir, c->host_key,        c->media_register,
	                        c->org_key, c->revocation_list, c->label_store};

	for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
		if (paths[i] == NULL || paths[i][0] != '/') {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("every path must be absolute"));
			return FALSE;
		}
	}
	/* sun_path holds 108 bytes including the NUL. */
	if (strlen(c->socket) >= 108) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("socket path is longer than 107 bytes"));
		return FALSE;
	}
	/* The spool holds other users' files: it must not be the state dir or the log dir,
	 * whose contents are read by other tools. */
	if (g_str_equal(c->spool_dir, c->log_dir) || g_str_equal(c->spool_dir, c->state_dir) ||
	    g_str_equal(c->state_dir, c->log_dir)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("spool-dir, state-dir and log-dir must be different directories"));
		return FALSE;
	}
	if (c->max_export_bytes > c->spool_bytes_per_uid) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("max-export-bytes must not exceed spool-bytes-per-uid"));
		return FALSE;
	}
	return TRUE;
}

static gboolean
check_stat(const gchar *what, const struct stat *st, uid_t owner, gboolean priv, GError **error)
{
	g_autofree gchar *ewhat = fut_strescape(what, -1);

	if (st->st_uid != owner) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
		            _("%s is owned by uid %u, not %u: refusing to trust it"), ewhat,
		            (guint)st->st_uid, (guint)owner);
		return FALSE;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
		            _("%s is writable by group or others (mode %04o): refusing to trust "
		              "it"),
		            ewhat, (guint)(st->st_mode & 07777));
		return FALSE;
	}
	if (priv && (st->st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
		            _("%s is accessible by group or others (mode %04o): it must be 0600"),
		            ewhat, (guint)(st->st_mode & 07777));
		return FALSE;
	}
	return TRUE;
}

gboolean
fut_config_check_file_owner(
    const gchar *path, uid_t owner, gboolean private_file, gboolean may_be_missing, GError **error)
{
	struct stat st;
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_autofree gchar *epath = fut_strescape(path, -1);

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT && may_be_missing)
			return TRUE;
		return fut_error_set_errno(error, errno, epath);
	}
	if (!S_ISREG(st.st_mode)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION, _("%s is not a regular file"),
		            epath);
		return FALSE;
	}
	if (!check_stat(path, &st, owner, private_file, error))
		return FALSE;
	/* Whoever can write the directory can replace the file. */
	if (lstat(dir, &st) < 0)
		return fut_error_set_errno(error, errno, dir);
	if (!S_ISDIR(st.st_mode)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION, _("%s is not a directory"),
		            dir);
		return FALSE;
	}
	return check_stat(dir, &st, owner, FALSE, error);
}

gboolean
fut_config_check_trusted_files(const FutConfig *c, uid_t owner, GError **error)
{
	return fut_config_check_file_owner(c->path, owner, FALSE, FALSE, error) &&
	       fut_config_check_file_owner(c->host_key, owner, TRUE, TRUE, error) &&
	       fut_config_check_file_owner(c->media_register, owner, FALSE, TRUE, error) &&
	       fut_config_check_file_owner(c->org_key, owner, FALSE, TRUE, error) &&
	       fut_config_check_file_owner(c->revocation_list, owner, FALSE, TRUE, error);
}
