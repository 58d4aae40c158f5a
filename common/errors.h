/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The project error domain. Every fallible function across a module boundary returns
 * gboolean (or a pointer, NULL on failure) and sets a GError in this domain, with a message
 * a person can act on. */
#define FUT_ERROR (fut_error_quark())

typedef enum {
	FUT_ERROR_FAILED,         /* anything not listed below */
	FUT_ERROR_INVALID_DATA,   /* malformed input: refused by a parser */
	FUT_ERROR_TOO_LARGE,      /* input over a size limit */
	FUT_ERROR_BAD_SIGNATURE,  /* a signature does not verify */
	FUT_ERROR_BAD_PASSPHRASE, /* a secret key did not decrypt */
	FUT_ERROR_CRYPTO,         /* the crypto library failed */
	FUT_ERROR_IO,             /* a file or socket operation failed */
	FUT_ERROR_PERMISSION,     /* ownership or mode of a file is unsafe */
	FUT_ERROR_EXISTS,         /* refusing to overwrite */
	FUT_ERROR_REFUSED,        /* a policy decision said no */
	FUT_ERROR_NOT_SUPPORTED,  /* the kernel or system lacks a feature */
	FUT_ERROR_RATE_LIMITED, /* too many requests this minute: the same request may come later */
	FUT_ERROR_BUSY,         /* the caller's share of work is taken: it may come back soon */
} FutError;

GQuark fut_error_quark(void);

/* Sets @error from an errno value in the FUT_ERROR_IO domain, prefixed with @what
 * (e.g. a file name, already escaped by the caller). Always returns FALSE. */
gboolean fut_error_set_errno(GError **error, int errnum, const gchar *what);

G_END_DECLS
