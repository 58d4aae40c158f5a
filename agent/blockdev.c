/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "blockdev.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "errors.h"
#include "util.h"

gboolean
fut_blockdev_set_readonly(const gchar *devnode, gboolean readonly, GError **error)
{
	int fd, flag = readonly ? 1 : 0, now = -1;
	g_autofree gchar *edev = fut_strescape(devnode, -1);

	/* O_NONBLOCK: do not wait for media; O_RDONLY: never a write open, so no udev
	 * "watch" change event and no implicit flush. */
	fd = open(devnode, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fut_error_set_errno(error, errno, edev);
	if (ioctl(fd, BLKROSET, &flag) < 0 || ioctl(fd, BLKROGET, &now) < 0) {
		int e = errno;
		close(fd);
		return fut_error_set_errno(error, e, edev);
	}
	close(fd);
	if (now != flag) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO,
		            _("%s: the read-only flag did not stick"), edev);
		return FALSE;
	}
	return TRUE;
}

gboolean
fut_blockdev_get_readonly(const gchar *devnode, gboolean *ret_readonly, GError **error)
{
	int fd, now = 0;
	g_autofree gchar *edev = fut_strescape(devnode, -1);

	fd = open(devnode, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fut_error_set_errno(error, errno, edev);
	if (ioctl(fd, BLKROGET, &now) < 0) {
		int e = errno;
		close(fd);
		return fut_error_set_errno(error, e, edev);
	}
	close(fd);
	*ret_readonly = now != 0;
	return TRUE;
}
