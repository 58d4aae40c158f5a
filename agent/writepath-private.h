/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What writepath.c and writepath-recover.c share; not part of the write path's interface. */

#include <glib.h>
#include <sys/mount.h>

#include "writepath.h"

G_BEGIN_DECLS

#define STATE_GROUP   "write"
/* Private mounts are never a way in for anything on the stick. */
#define PRIVATE_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME)
/* At most this many files in one state file (and so in one batch). */
#define FILES_MAX     256

/* Frees the names of @f and sets them to NULL. */
void fut_write_file_clear(FutWriteFile *f);

G_END_DECLS
