/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "approver-settings.h"
#include "errors.h"
#include "util.h"

#define GROUP        "approver"
#define SETTINGS_MAX (64 * 1024)

gchar *
fut_approver_settings_path(void)
{
	return g_build_filename(g_get_user_config_dir(), "futari", "approver.conf", NULL);
}

void
fut_approver_settings_set(gchar **field, const gchar *value)
{
	g_free(*field);
	*field = (value != NULL && value[0] != '\0') ? g_strdup(value) : NULL;
}

static gchar *
get_path(GKeyFile *kf, const gchar *key)
{
	g_autofree gchar *v = g_key_file_get_string(kf, GROUP, key, NULL);

	if (v == NULL || v[0] == '\0')
		return NULL;
	return g_steal_pointer(&v);
}

FutApproverSettings *
fut_approver_settings_load(GError **error)
{
	g_autoptr(FutApproverSettings) s = g_new0(FutApproverSettings, 1);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree gchar *path = fut_approver_settings_path();
	g_autofree gchar *text = NULL;
	gsize len = 0;
	GError *local = NULL;

	if (!fut_file_read_bounded(path, SETTINGS_MAX, &text, &len, &local)) {
		if (!g_file_test(path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK)) {
			g_clear_error(&local);
			return g_steal_pointer(&s);
		}
		g_propagate_error(error, local);
		return NULL;
	}
	if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, error)) {
		g_autofree gchar *safe = fut_strescape(path, -1);
		g_prefix_error(error, "%s: ", safe);
		return NULL;
	}
	s->key_path = get_path(kf, "key");
	s->cert_path = get_path(kf, "certificate");
	s->root_path = get_path(kf, "root");
	s->config_path = get_path(kf, "config");
	return g_steal_pointer(&s);
}

static void
set_path(GKeyFile *kf, const gchar *key, const gchar *value)
{
	if (value != NULL)
		g_key_file_set_string(kf, GROUP, key, value);
}

gboolean
fut_approver_settings_save(const FutApproverSettings *s, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree gchar *path = fut_approver_settings_path();
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_autofree gchar *text = NULL;
	gsize len = 0;

	if (g_mkdir_with_parents(dir, 0700) < 0) {
		g_autofree gchar *safe = fut_strescape(dir, -1);
		return fut_error_set_errno(error, errno, safe);
	}
	g_key_file_set_comment(
	    kf, NULL, NULL, " futari-approver: where your approver key and certificate are", NULL);
	set_path(kf, "key", s->key_path);
	set_path(kf, "certificate", s->cert_path);
	set_path(kf, "root", s->root_path);
	set_path(kf, "config", s->config_path);
	text = g_key_file_to_data(kf, &len, NULL);
	if (!g_file_set_contents_full(path, text, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
	                              error)) {
		g_prefix_error(error, _("cannot save the settings: "));
		return FALSE;
	}
	return TRUE;
}

void
fut_approver_settings_free(FutApproverSettings *s)
{
	if (s == NULL)
		return;
	g_free(s->key_path);
	g_free(s->cert_path);
	g_free(s->root_path);
	g_free(s->config_path);
	g_free(s);
}
