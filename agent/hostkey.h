/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "crypto.h"

G_BEGIN_DECLS

/* The host key: an Ed25519 key made on first start, kept in a root-only file as an armoured
 * "FUTARI HOST KEY" (the 32-byte seed, base64). It signs requests and log checkpoints. It has
 * no passphrase: the agent starts unattended, and the file's protection is its mode (0600,
 * owned by root, in a root-owned directory, checked before use). */

#define FUT_HOST_KEY_LABEL "HOST KEY"
#define FUT_HOST_KEY_MAX   1024

/* Loads the key at @path; never creates one. Caller frees. */
FutKey *fut_host_key_load(const gchar *path, GError **error);
/* Loads the key at @path, or creates it (O_EXCL, 0600, fsynced) when there is no file.
 * Sets @ret_created when it was made now. Caller frees. */
FutKey *fut_host_key_load_or_create(const gchar *path, gboolean *ret_created, GError **error);

G_END_DECLS
