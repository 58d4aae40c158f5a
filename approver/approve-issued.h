/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "token.h"

G_BEGIN_DECLS

/* The issued-certificates record (docs/approver.md): what `futari-approve certify` has
 * issued with one root key, kept next to that key (DIR/issued-certificates for
 * DIR/org.key), so that one person gets one certificate (issue 16 item 2). One line per
 * certificate, after the header line "# futari issued certificates v1":
 *
 *   SERIAL STATE NOT-AFTER KEY STAFF-ID LOGIN[,LOGIN...]
 *
 * SERIAL 16 lower-case hex digits; STATE "active", "replaced" (by a later certificate given
 * --replaces: it goes on every revocation list issued from then on) or "revoked" (named to
 * `revoke`); NOT-AFTER a time as in the signed objects; KEY the public key as 64 lower-case
 * hex digits; STAFF-ID and each LOGIN a token as in a certificate. Anything else refuses
 * the whole record with the line number. */

#define FUT_ISSUED_FILE     "issued-certificates"
#define FUT_ISSUED_MAX      20000 /* lines */
#define FUT_ISSUED_TEXT_MAX (4 * 1024 * 1024)

typedef struct _FutIssued FutIssued;

/* The default record for a root key file: its directory's FUT_ISSUED_FILE. Caller frees. */
gchar *fut_issued_default_path(const gchar *root_key_path);
/* Loads the record at @path; a missing file is an empty record. */
FutIssued *fut_issued_load(const gchar *path, GError **error);
void fut_issued_free(FutIssued *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutIssued, fut_issued_free)

/* Admits a new certificate @cert: refuses it (FUT_ERROR_REFUSED, naming the certificate
 * and what it shares) when an active certificate still valid at @now belongs to the same
 * person (fut_certificate_same_person), unless that certificate is the one @replaces names
 * (may be NULL), which must exist, be active and be the same person. On success the
 * replaced certificate is marked "replaced" and @cert is added as "active"; nothing is
 * written until fut_issued_save(). */
gboolean fut_issued_admit(
    FutIssued *rec, const FutCertificate *cert, const guint8 *replaces, gint64 now, GError **error);
/* Adds to @list every serial the record says is replaced or revoked; returns how many
 * were not in it yet. */
guint fut_issued_add_revocations(FutIssued *rec, FutRevocationList *list);
/* Marks @serial revoked if the record holds it; FALSE if it does not. */
gboolean fut_issued_mark_revoked(FutIssued *rec, const guint8 serial[FUT_SERIAL_LEN]);
/* Writes the record atomically (mode 0600). */
gboolean fut_issued_save(FutIssued *rec, GError **error);

G_END_DECLS
