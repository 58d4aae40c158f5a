/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The media register (/etc/futari/media.conf): the organisation's inventory of USB sticks
 * that exports may go to. A GKeyFile with one group per asset id:
 *
 *   [asset:CITY-USB-0421]
 *   vid = 0781
 *   pid = 5581
 *   serial = 4C530001234567
 *   owner = 総務課
 *
 * The agent reads it to decide where exports may go; futari-audit reads it for the monthly
 * lost-media check. docs/media-register.md is the reference. */

/* 64 MiB: a fleet of 30,000 sticks is about 4 MiB; a larger file is refused, not read. */
#define FUT_MEDIA_REGISTER_MAX  (64 * 1024 * 1024)
#define FUT_MEDIA_REGISTER_PATH SYSCONFDIR "/futari/media.conf"
#define FUT_MEDIA_ASSET_ID_MAX  64
#define FUT_MEDIA_SERIAL_MAX    255
#define FUT_MEDIA_OWNER_MAX     256

typedef struct {
	gchar *asset_id; /* without the "asset:" prefix */
	gchar vid[5];    /* 4 lower-case hex digits */
	gchar pid[5];
	gchar *serial;
	gchar *owner;
	guint line; /* where the group starts */
} FutMediaEntry;

typedef struct _FutMediaRegister FutMediaRegister;

/* Parses @len bytes at @data read from @path (for messages). Unknown groups or keys, missing
 * keys, malformed values and two assets with the same VID:PID:serial are refused with
 * "path:line: reason". Caller frees. */
FutMediaRegister *
fut_media_register_parse(const gchar *path, const gchar *data, gsize len, GError **error);
/* Reads (bounded, no symlinks) and parses the file at @path. */
FutMediaRegister *fut_media_register_load(const gchar *path, GError **error);
/* An empty register (no media allowed), for a missing file. */
FutMediaRegister *fut_media_register_new_empty(void);
void fut_media_register_free(FutMediaRegister *reg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutMediaRegister, fut_media_register_free)

/* Returns the entry for that device identity, or NULL. @vid and @pid compare without regard
 * to case; @serial exactly. Owned by @reg. */
const FutMediaEntry *fut_media_register_lookup(const FutMediaRegister *reg,
                                               const gchar *vid,
                                               const gchar *pid,
                                               const gchar *serial);
/* Returns the entry with that asset id, or NULL. Owned by @reg. */
const FutMediaEntry *fut_media_register_lookup_asset(const FutMediaRegister *reg,
                                                     const gchar *asset_id);
/* The entries in file order. Owned by @reg. */
guint fut_media_register_get_n_entries(const FutMediaRegister *reg);
const FutMediaEntry *fut_media_register_get_entry(const FutMediaRegister *reg, guint i);

G_END_DECLS
