/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The block layer's read-only flag (BLKROSET, BLKROGET): what keeps every USB stick
 * read-only for every process but the agent. Root only (CAP_SYS_ADMIN). */

/* Sets or clears BLKROSET on the block device @devnode. */
gboolean fut_blockdev_set_readonly(const gchar *devnode, gboolean readonly, GError **error);
/* Returns TRUE in @ret_readonly when BLKROGET reports the device read-only. */
gboolean fut_blockdev_get_readonly(const gchar *devnode, gboolean *ret_readonly, GError **error);

G_END_DECLS
