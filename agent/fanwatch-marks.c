/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <glib-unix.h>

#include "fanwatch-private.h"

/* Ignore marks and the watch that keeps them honest.
 *
 * An ignore mark lets the opens of a Class III inode skip the agent. It is only set on a
 * file no unprivileged user can write (root's, no group/other write bit, no ACL), because
 * a write through a shared mmap() changes the content without any event the kernel would
 * clear the mark on. That judgement is about the file's owner and mode at the time of the
 * mark; a later chown, chmod or ACL change (root restoring a user's files with cp -a, tar
 * or rsync; an administrator handing a file over) would leave the mark on a file a user
 * can now rewrite unseen, and every later open of it, an upload program's included, would
 * pass without the agent (found by upload-stall.sh's mmap case: its files are made by
 * root and then given to the user).
 *
 * So each ignore mark comes with an inode mark for FAN_ATTRIB in a second, notification
 * group (FAN_ATTRIB needs FAN_REPORT_FID, which a permission group cannot have). Any
 * attribute change on a marked inode, or an overflow of that group's queue, removes every
 * ignore mark (they regrow as files are opened again). Both marks are evictable: an inode
 * leaving the cache takes both with it. The attribute mark goes first and the content
 * version is compared after the ignore mark is set, so a change before the attribute mark
 * existed is seen by the comparison and a change after it by the event. Without the second
 * group no ignore mark is set at all: slower, never wrong. */

gboolean
fw_marks_init(FutFanwatch *fw)
{
	fw->attr_fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_FID,
	                            O_RDONLY | O_CLOEXEC);
	return fw->attr_fd >= 0;
}

static unsigned int
ignore_flag(FutFanwatch *fw)
{
	return g_atomic_int_get(&fw->ignore_new_api) ? FAN_MARK_IGNORE : FAN_MARK_IGNORED_MASK;
}

/* Sets an evictable ignore mark on the inode open at @fd, judged Class III at identity
 * @id. Without "survive modify", the kernel drops the mark on the next write. */
void
fw_set_ignore_mark(FutFanwatch *fw, int fd, const Ident *id)
{
	Ident after;
	int r;

	if (fw->no_ignore_marks || fw->attr_fd < 0 || g_atomic_int_get(&fw->marks_broken))
		return;
	g_mutex_lock(&fw->marks_lock);
	if (fanotify_mark(fw->attr_fd, FAN_MARK_ADD | FAN_MARK_EVICTABLE, FAN_ATTRIB, fd, NULL) !=
	    0) {
		g_mutex_unlock(&fw->marks_lock);
		return;
	}
	r = fanotify_mark(fw->fan_fd, FAN_MARK_ADD | FAN_MARK_EVICTABLE | ignore_flag(fw),
	                  FAN_OPEN_PERM, fd, NULL);
	if (r != 0 && errno == EINVAL && g_atomic_int_get(&fw->ignore_new_api)) {
		g_atomic_int_set(&fw->ignore_new_api, FALSE);
		r = fanotify_mark(fw->fan_fd, FAN_MARK_ADD | FAN_MARK_EVICTABLE | ignore_flag(fw),
		                  FAN_OPEN_PERM, fd, NULL);
	}
	if (r != 0) {
		g_mutex_unlock(&fw->marks_lock);
		return;
	}
	/* A write, chown or chmod between the classification and the marks would not have
	 * cleared a mark that did not exist yet: check the content version is still the one
	 * judged (a chown or chmod changes ctime). */
	if (!fw_fd_ident(fd, &after) || !fw_ident_equal(&after, id)) {
		fanotify_mark(fw->fan_fd, FAN_MARK_REMOVE | ignore_flag(fw), FAN_OPEN_PERM, fd,
		              NULL);
		g_mutex_unlock(&fw->marks_lock);
		return;
	}
	g_mutex_unlock(&fw->marks_lock);
	g_mutex_lock(&fw->lock);
	fw->stats.marks++;
	g_mutex_unlock(&fw->lock);
}

/* Removes every ignore mark and every attribute mark (the filesystem marks stay: without
 * FAN_MARK_FILESYSTEM a flush removes inode marks only). Under marks_lock, so no pair is
 * half made while it runs. */
gboolean
fw_marks_flush(FutFanwatch *fw)
{
	gboolean ok = TRUE;

	g_mutex_lock(&fw->marks_lock);
	if (fw->fan_fd >= 0 && fanotify_mark(fw->fan_fd, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL) != 0)
		ok = FALSE;
	if (fw->attr_fd >= 0 && fanotify_mark(fw->attr_fd, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL) != 0)
		ok = FALSE;
	g_mutex_unlock(&fw->marks_lock);
	return ok;
}

/* The reader thread: an attribute change on a marked inode (or lost events) drops every
 * ignore mark, once per batch read. If the flush itself fails, no ignore mark is set any
 * more. */
gboolean
fw_on_attr_readable(gint fd, GIOCondition cond, gpointer user_data)
{
	FutFanwatch *fw = user_data;
	guint8 buf[4096] __attribute__((aligned(8)));
	gboolean any = FALSE;

	(void)fd;
	(void)cond;
	for (;;) {
		ssize_t n = read(fw->attr_fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		any = TRUE;
	}
	if (any) {
		if (!fw_marks_flush(fw))
			g_atomic_int_set(&fw->marks_broken, 1);
		g_mutex_lock(&fw->lock);
		fw->stats.mark_flushes++;
		g_mutex_unlock(&fw->lock);
	}
	return G_SOURCE_CONTINUE;
}

/* Ignore marks only on files no unprivileged user can write: a write through a shared
 * writable mmap() changes the content without any event, so the mark (and with it the
 * class judged) would survive it. A file owned by root, with no group or other write bit
 * and no ACL, can only be changed by root. Everything else is seen on every open. */
gboolean
fw_root_only(FutFanwatch *fw, int fd, const struct stat *st)
{
	gchar acl[8];

	if (!S_ISREG(st->st_mode) || st->st_uid != 0 || (st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return FALSE;
	if (fw_on_fuse(fw, st))
		return FALSE;
	if (fgetxattr(fd, "system.posix_acl_access", acl, sizeof acl) >= 0 || errno == ERANGE)
		return FALSE;
	return TRUE;
}

gboolean
fw_mark_safe(FutFanwatch *fw, int fd, const struct stat *st)
{
	return !fw->no_ignore_marks && fw_root_only(fw, fd, st);
}
