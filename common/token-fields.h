/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "fields.h"
#include "token.h"

G_BEGIN_DECLS

/* The typed field layer under the signed objects (token-cert.c, token-revocation.c,
 * token-request.c, token-approval.c): value checks shared by writers and readers, writers
 * of "key: value" lines, strict readers over fields.h, and the domain-separated signing.
 * Private to those files; programs use token.h. */

#define FUT_TOK_FORMAT_VERSION "1"
#define FUT_TOK_ROLE_MAX       32
#define FUT_TOK_UID_MAX        G_GUINT64_CONSTANT(4294967294) /* (uid_t)-1 is never a user */
#define FUT_TOK_SIZE_MAX       G_GUINT64_CONSTANT(9223372036854775807)
#define FUT_TOK_SEQUENCE_MAX   G_GUINT64_CONSTANT(9223372036854775807)
#define FUT_TOK_CERT_PREFIX    "cert."

static inline const gchar *
fut_tok_nz(const gchar *s)
{
	return s != NULL ? s : "";
}

/* --- value checks ------------------------------------------------------------------- */
gboolean fut_tok_check_text(const gchar *v, gsize max, gboolean allow_empty, GError **error);
/* A login / staff id token, or with @role a role token. */
gboolean fut_tok_check_token(const gchar *v, gboolean role, GError **error);
gboolean fut_tok_check_list(GPtrArray *list, guint max_count, gboolean role, GError **error);
gboolean fut_tok_check_time(gint64 t, GError **error);
gboolean fut_tok_check_time_order(gint64 first, gint64 second, GError **error);
/* Prefixes @local with the field name, propagates it and returns FALSE. */
gboolean fut_tok_field_error(GError **error, GError *local, const gchar *key);

/* --- writers ------------------------------------------------------------------------ */
void fut_tok_put_text(GString *body, const gchar *key, const gchar *v);
void fut_tok_put_time(GString *body, const gchar *key, gint64 t);
void fut_tok_put_uint(GString *body, const gchar *key, guint64 v);
void fut_tok_put_hex(GString *body, const gchar *key, const guint8 *data, gsize len);
void fut_tok_put_b64(GString *body, const gchar *key, const guint8 *data, gsize len);
void fut_tok_put_list(GString *body, const gchar *key, GPtrArray *list);
void fut_tok_put_signature(GString *body, const FutSignature *sig);

/* --- readers ------------------------------------------------------------------------ */
gboolean fut_tok_read_text(FutFieldReader *r,
                           const gchar *key,
                           gsize max,
                           gboolean allow_empty,
                           gchar **ret,
                           GError **error);
gboolean fut_tok_read_token(FutFieldReader *r, const gchar *key, gchar **ret, GError **error);
gboolean fut_tok_read_list(FutFieldReader *r,
                           const gchar *key,
                           guint max_count,
                           gboolean role,
                           GPtrArray *list,
                           GError **error);
gboolean fut_tok_read_time(FutFieldReader *r, const gchar *key, gint64 *ret, GError **error);
gboolean
fut_tok_read_uint(FutFieldReader *r, const gchar *key, guint64 max, guint64 *ret, GError **error);
gboolean
fut_tok_read_hex(FutFieldReader *r, const gchar *key, guint8 *out, gsize len, GError **error);
gboolean
fut_tok_read_b64(FutFieldReader *r, const gchar *key, guint8 *out, gsize len, GError **error);
gboolean fut_tok_read_version(FutFieldReader *r, GError **error);
/* Reads the signature line, which must be the last one; @ret_signed_len is the length of
 * the body bytes before it. */
gboolean
fut_tok_read_signature(FutFieldReader *r, FutSignature *sig, gsize *ret_signed_len, GError **error);

/* --- signing ------------------------------------------------------------------------ */
/* @domain, its NUL, then @len bytes of @body. */
GByteArray *fut_tok_signed_message(const gchar *domain, const gchar *body, gsize len);
gboolean fut_tok_sign_body(const gchar *domain,
                           const GString *body,
                           const FutKey *key,
                           FutSignature *ret_sig,
                           GError **error);
/* @what names the object in messages ("the request"). */
gboolean fut_tok_verify_body(const gchar *domain,
                             const GString *body,
                             const FutKey *key,
                             const FutSignature *sig,
                             const gchar *what,
                             GError **error);
gboolean fut_tok_check_canonical(const gchar *body, const GString *again, GError **error);
/* The envelope of @label, decoded body returned; caller frees. */
gchar *fut_tok_decode_envelope(
    const gchar *text, gsize len, const gchar *label, gsize max, GError **error);

/* --- between objects (an approval embeds a certificate) ------------------------------ */
/* The certificate body, signature line included; NULL if unsigned or a field is bad. */
GString *fut_tok_certificate_full_body(const FutCertificate *cert, GError **error);
/* Parses a certificate body (no envelope) strictly. */
FutCertificate *fut_tok_certificate_parse_body(const gchar *body, GError **error);

/* --- the files of a version-2 request (token-request-files.c) ------------------------ */
GPtrArray *fut_tok_request_files_new(void);
GPtrArray *fut_tok_request_files_dup(const GPtrArray *files);
/* 1 to FUT_REQUEST_MAX_FILES files, safe unique paths, class I or II each, and the
 * request's class the highest of them. */
gboolean fut_tok_request_files_check(const FutRequest *req, GError **error);
/* "files: N" and the N blocks. */
void fut_tok_request_files_put(const FutRequest *req, GString *body);
gboolean fut_tok_request_files_read(FutFieldReader *r, FutRequest *req, GError **error);
/* The keys of a version-2 request: @v1_keys (the same array at every call) and the N
 * blocks'. */
const gchar *const *fut_tok_request_v2_keys(const gchar *const *v1_keys);

G_END_DECLS
