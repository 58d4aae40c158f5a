/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where the supervisor's key and certificate are: remembered in
 * $XDG_CONFIG_HOME/futari/approver.conf ([approver] key=, certificate=, root=, config=) so
 * that they are chosen once. Paths only: the secret key itself never leaves its file. */
typedef struct {
	gchar *key_path;    /* the passphrase-encrypted secret key (futari-approve keygen) */
	gchar *cert_path;   /* the certificate from the security manager */
	gchar *root_path;   /* organisation root public key; NULL: the system default */
	gchar *config_path; /* config with the [approval] class policy; NULL: the default */
} FutApproverSettings;

/* Returns the path of the settings file. Caller frees. */
gchar *fut_approver_settings_path(void);
/* Returns the remembered settings (all NULL when none are saved yet). A damaged file is an
 * error. Free with fut_approver_settings_free(). */
FutApproverSettings *fut_approver_settings_load(GError **error);
/* Saves @s, creating the directory (0700) if needed. */
gboolean fut_approver_settings_save(const FutApproverSettings *s, GError **error);
/* Replaces *@field by a copy of @value (NULL or "" clears it). */
void fut_approver_settings_set(gchar **field, const gchar *value);
void fut_approver_settings_free(FutApproverSettings *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutApproverSettings, fut_approver_settings_free)

G_END_DECLS
