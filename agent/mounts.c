/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "mounts.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "util.h"

void
fut_mount_free(FutMount *m)
{
	if (m == NULL)
		return;
	g_free(m->root);
	g_free(m->mount_point);
	g_free(m->options);
	g_free(m->fs_type);
	g_free(m->source);
	g_free(m);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static gchar *
unescape_octal(const gchar *s)
{
	GString *out = g_string_new(NULL);

	for (const gchar *p = s; *p != '\0'; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			g_string_append_c(
			    out, (gchar)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0')));
			p += 3;
		} else {
			g_string_append_c(out, *p);
		}
	}
	return g_string_free(out, FALSE);
}

GPtrArray *
fut_mounts_parse(const gchar *text, gsize len, GError **error)
{
	g_autoptr(GPtrArray) mounts =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fut_mount_free);
	g_autofree gchar *copy = g_strndup(text, len);
	g_auto(GStrv) lines = g_strsplit(copy, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) f = NULL;
		guint n, sep = 0;
		FutMount *m;

		if (lines[i][0] == '\0')
			continue;
		f = g_strsplit(lines[i], " ", -1);
		n = g_strv_length(f);
		for (guint j = 6; j < n; j++) {
			if (g_str_equal(f[j], "-")) {
				sep = j;
				break;
			}
		}
		if (n < 10 || sep == 0 || sep + 3 > n ||
		    sscanf(f[2], "%u:%u", &(guint){0}, &(guint){0}) != 2) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("mountinfo line %u is malformed"), i + 1);
			return NULL;
		}
		m = g_new0(FutMount, 1);
		m->mount_id = (guint)strtoul(f[0], NULL, 10);
		sscanf(f[2], "%u:%u", &m->major, &m->minor);
		m->root = unescape_octal(f[3]);
		m->mount_point = unescape_octal(f[4]);
		m->options = g_strdup(f[5]);
		m->fs_type = unescape_octal(f[sep + 1]);
		m->source = unescape_octal(f[sep + 2]);
		g_ptr_array_add(mounts, m);
	}
	return g_steal_pointer(&mounts);
}

GPtrArray *
fut_mounts_for_device(guint major, guint minor, GError **error)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;
	g_autoptr(GError) local = NULL;
	g_autoptr(GPtrArray) all = NULL;
	GPtrArray *out;

	/* /proc files report size 0, so read them with GLib and bound the result after. */
	if (!g_file_get_contents("/proc/self/mountinfo", &text, &len, &local)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO, _("cannot read the mount table: %s"),
		            local->message);
		return NULL;
	}
	if (len > FUT_MOUNTINFO_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE, _("mount table too large"));
		return NULL;
	}
	all = fut_mounts_parse(text, len, error);
	if (all == NULL)
		return NULL;
	out = g_ptr_array_new_with_free_func((GDestroyNotify)fut_mount_free);
	for (guint i = 0; i < all->len; i++) {
		FutMount *m = g_ptr_array_index(all, i);
		if (m->major == major && m->minor == minor)
			g_ptr_array_add(out, g_ptr_array_steal_index(all, i--));
	}
	return out;
}

gboolean
fut_mount_set_readonly(const gchar *mount_point, GError **error)
{
	struct statvfs sv;
	unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
	g_autofree gchar *emp = fut_strescape(mount_point, -1);

	if (statvfs(mount_point, &sv) < 0)
		return fut_error_set_errno(error, errno, emp);
	/* A bind remount replaces every per-mount flag: carry the others over. */
	if (sv.f_flag & ST_NOSUID)
		flags |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		flags |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		flags |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		flags |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		flags |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		flags |= MS_RELATIME;
	if (mount(NULL, mount_point, NULL, flags, NULL) < 0)
		return fut_error_set_errno(error, errno, emp);
	return TRUE;
}

gboolean
fut_mounts_is_mount_point(const gchar *path)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;
	g_autoptr(GPtrArray) all = NULL;

	if (!g_file_get_contents("/proc/self/mountinfo", &text, &len, NULL))
		return FALSE;
	all = fut_mounts_parse(text, len, NULL);
	for (guint i = 0; all != NULL && i < all->len; i++) {
		const FutMount *m = g_ptr_array_index(all, i);
		if (g_str_equal(m->mount_point, path))
			return TRUE;
	}
	return FALSE;
}
