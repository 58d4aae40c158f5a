/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "errors.h"

G_DEFINE_QUARK(futari - error - quark, fut_error)

gboolean
fut_error_set_errno(GError **error, int errnum, const gchar *what)
{
	gint code = FUT_ERROR_IO;

	if (errnum == EACCES || errnum == EPERM)
		code = FUT_ERROR_PERMISSION;
	else if (errnum == EEXIST)
		code = FUT_ERROR_EXISTS;
	g_set_error(error, FUT_ERROR, code, "%s: %s", what, g_strerror(errnum));
	return FALSE;
}
