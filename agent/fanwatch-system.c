/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The system's own files. When the filesystem that holds /home is also the root filesystem
 * (a single-partition install, the packaged configuration's usual case) or a `mounts` entry
 * such as /tmp leads to it, every library and resource pack on the machine is on a watched
 * filesystem. Classified like a user's file, libcrypto and libgnutls look encrypted (Class
 * II), Chromium's resources.pak looks packed (II) and /usr/bin/ssh holds numbers that pass
 * the My Number check (I): an upload program could not load its own libraries, and the
 * taint layer would taint every process that maps libgnutls. A file the package manager
 * installed is not a user's data: under the configured system folders, a regular file owned
 * by root with no group or other write bit and no ACL, found at that very path in the
 * agent's own mount namespace, is allowed without being read. */
#include "config.h"

#include <sys/stat.h>

#include "fanwatch-private.h"

gboolean
fw_system_file(FutFanwatch *fw, int fd, const struct stat *st, const gchar *path)
{
	struct stat at;
	gboolean found = FALSE;

	if (fw->system == NULL || path == NULL || path[0] != '/' || st->st_uid != 0)
		return FALSE;
	for (guint i = 0; fw->system[i] != NULL && !found; i++)
		found = fw_path_under(path, fw->system[i]);
	if (!found || !fw_root_only(fw, fd, st))
		return FALSE;
	/* The path is the kernel's name for the file as seen from the agent; a file a user
	 * bind-mounted onto a system path in a mount namespace of their own has that name too.
	 * Only the file that is there in the agent's namespace is the system's. */
	if (!fw_path_stat(path, &at) || at.st_dev != st->st_dev || at.st_ino != st->st_ino)
		return FALSE;
	g_mutex_lock(&fw->lock);
	fw->stats.system_files++;
	g_mutex_unlock(&fw->lock);
	return TRUE;
}
