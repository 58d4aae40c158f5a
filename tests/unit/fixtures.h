/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TEST ONLY fixtures for the protocol tests: keys derived from public labels (anyone can
 * recompute them, which is the point: they must never protect anything real). */
#pragma once

#include <glib.h>

#include "policy.h"
#include "redeem.h"
#include "token.h"

/* The key whose seed is SHA-256("futari TEST ONLY key: " @label). */
FutKey *fx_key(const gchar *label);
/* 2026-11-26T09:00:00Z, the fixed "now" of every test. */
gint64 fx_now(void);
/* A certificate signed by @root: logins and roles are space-separated lists; @classes is
 * a bit set (1 << FutClass); the serial is @serial_byte repeated. Valid now -30 d .. +335 d. */
FutCertificate *fx_cert(const gchar *staff_id,
                        const gchar *name,
                        const gchar *logins,
                        const gchar *roles,
                        guint classes,
                        const FutKey *key,
                        const FutKey *root,
                        guint8 serial_byte);
/* The USB destination of the fixture requests. Caller clears. */
void fx_usb_destination(FutDestination *dest);
/* A request by "bob" (uid 1001) for a USB export of class @klass, signed by @host. */
FutRequest *fx_request(FutClass klass, const FutKey *host);
/* An approval of @req by the holder of @cert/@key, valid from @not_before to @not_after. */
FutApproval *fx_approval(const FutRequest *req,
                         const FutCertificate *cert,
                         const FutKey *key,
                         FutDecision decision,
                         gint64 not_before,
                         gint64 not_after);
/* A revocation list signed by @root holding @n serials made of the given bytes. */
FutRevocationList *
fx_crl(const FutKey *root, guint64 sequence, const guint8 *serial_bytes, guint n);
/* Reads a file from tests/data (G_TEST_SRCDIR/../data). Caller frees. */
gchar *fx_read_data(const gchar *name, gsize *ret_len);
