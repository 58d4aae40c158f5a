/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The register of the organisation's USB media (/etc/futari/media.conf), a GKeyFile with one
 * group per asset id:
 *
 *   [M-0001]
 *   vid=0781
 *   pid=5581
 *   serial=4C530001231120115142
 *   owner=総務課 田中
 *   label=SOUMU01        (optional)
 *
 * vid and pid are 4 hex digits (compared without regard to case), serial is the USB serial
 * string exactly as the kernel reports it. Unknown keys, missing keys, duplicate devices and
 * bad values are refused with the group named. Policy 2.8.1 inspects these each month. */

#define FUT_MEDIA_REGISTER_MAX  (1024 * 1024)
#define FUT_MEDIA_REGISTER_PATH SYSCONFDIR "/futari/media.conf"

typedef struct {
	gchar *asset;
	gchar *vid; /* lower-case */
	gchar *pid; /* lower-case */
	gchar *serial;
	gchar *owner;
	gchar *label; /* may be NULL */
} FutMedium;

typedef struct _FutMediaRegister FutMediaRegister;

/* Parses the register text @data (@len bytes). @name names the source in messages. */
FutMediaRegister *
fut_media_register_parse(const gchar *data, gsize len, const gchar *name, GError **error);
/* Reads and parses the register file at @path (bounded, no symlinks). */
FutMediaRegister *fut_media_register_load(const gchar *path, GError **error);
void fut_media_register_free(FutMediaRegister *reg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutMediaRegister, fut_media_register_free)

/* Returns the media in file order (FutMedium*, owned by @reg). */
GPtrArray *fut_media_register_get_all(FutMediaRegister *reg);
/* Returns the medium with this identity, or NULL. Owned by @reg. */
const FutMedium *fut_media_register_lookup(FutMediaRegister *reg,
                                           const gchar *vid,
                                           const gchar *pid,
                                           const gchar *serial);

G_END_DECLS
