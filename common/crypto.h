/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The crypto core. crypto.c is the only file in the tree that includes OpenSSL headers;
 * everything else sees these types and functions. Keys are Ed25519, digests SHA-256. */

#define FUT_SHA256_LEN          32
#define FUT_ED25519_SEED_LEN    32
#define FUT_ED25519_PUBLIC_LEN  32
#define FUT_ED25519_SIG_LEN     64
#define FUT_KEY_ID_LEN          8 /* bytes; shown as 16 hex characters */
#define FUT_PASSPHRASE_MIN_LEN  8
#define FUT_PASSPHRASE_MAX_LEN  1024
#define FUT_SECRET_KEY_FILE_MAX 4096

/* --- SHA-256 ------------------------------------------------------------------------- */

/* Writes the SHA-256 digest of @len bytes at @data to @ret_digest. Cannot fail. */
void fut_sha256(const void *data, gsize len, guint8 ret_digest[FUT_SHA256_LEN]);

typedef struct _FutSha256 FutSha256;

/* Returns a new streaming SHA-256 context; free with fut_sha256_free(). */
FutSha256 *fut_sha256_new(void);
void fut_sha256_update(FutSha256 *ctx, const void *data, gsize len);
/* Writes the digest of everything fed so far; the context may not be updated again. */
void fut_sha256_finish(FutSha256 *ctx, guint8 ret_digest[FUT_SHA256_LEN]);
void fut_sha256_free(FutSha256 *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutSha256, fut_sha256_free)

/* --- randomness ---------------------------------------------------------------------- */

/* Fills @buf with @len bytes from the system CSPRNG. */
gboolean fut_random_bytes(guint8 *buf, gsize len, GError **error);

/* --- Ed25519 keys -------------------------------------------------------------------- */

typedef struct _FutKey FutKey;

/* Returns a new random key pair. */
FutKey *fut_key_generate(GError **error);
/* Returns the key pair whose 32-byte private seed is @seed (RFC 8032 "secret key"). */
FutKey *fut_key_new_from_seed(const guint8 seed[FUT_ED25519_SEED_LEN], GError **error);
/* Returns a verify-only key from the 32-byte public key @pub; refuses invalid points. */
FutKey *fut_key_new_public(const guint8 pub[FUT_ED25519_PUBLIC_LEN], GError **error);
/* Returns a verify-only copy of @key. */
FutKey *fut_key_dup_public(const FutKey *key);
void fut_key_free(FutKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutKey, fut_key_free)

gboolean fut_key_has_private(const FutKey *key);
void fut_key_get_public(const FutKey *key, guint8 ret_pub[FUT_ED25519_PUBLIC_LEN]);
/* The key id: the first 8 bytes of SHA-256("futari key id v1" NUL || public key). */
void fut_key_get_id(const FutKey *key, guint8 ret_id[FUT_KEY_ID_LEN]);
/* Returns the key id as 16 lower-case hex characters. Caller frees. */
gchar *fut_key_dup_id_string(const FutKey *key);
/* TRUE when both keys have the same public key. */
gboolean fut_key_equal(const FutKey *a, const FutKey *b);

/* Signs @len bytes at @msg (pure Ed25519, RFC 8032). @key must hold a private key. */
gboolean fut_key_sign(const FutKey *key,
                      const void *msg,
                      gsize len,
                      guint8 ret_sig[FUT_ED25519_SIG_LEN],
                      GError **error);
/* Returns TRUE only if @sig is a valid signature of exactly @msg by @key; otherwise
 * FALSE with FUT_ERROR_BAD_SIGNATURE. */
gboolean fut_key_verify(const FutKey *key,
                        const void *msg,
                        gsize len,
                        const guint8 sig[FUT_ED25519_SIG_LEN],
                        GError **error);

/* --- key files ----------------------------------------------------------------------- */

/* Returns the armoured secret-key file text for @key, its seed encrypted under
 * @passphrase (scrypt, then AES-256-GCM; the public key and parameters are authenticated).
 * @log2_n sets the scrypt cost (0 for the default, 16). Caller frees with fut_secret_free. */
gchar *
fut_key_export_secret(const FutKey *key, const gchar *passphrase, guint log2_n, GError **error);
/* Parses and decrypts a secret-key file text. A wrong passphrase gives
 * FUT_ERROR_BAD_PASSPHRASE; malformed text FUT_ERROR_INVALID_DATA. */
FutKey *
fut_key_import_secret(const gchar *text, gsize len, const gchar *passphrase, GError **error);
/* Returns the key id of a secret-key file without decrypting it. */
gboolean
fut_key_peek_secret_id(const gchar *text, gsize len, guint8 ret_id[FUT_KEY_ID_LEN], GError **error);

/* Returns the armoured public-key file text for @key. Caller frees. */
gchar *fut_key_export_public(const FutKey *key);
/* Parses a public-key file text. */
FutKey *fut_key_import_public(const gchar *text, gsize len, GError **error);

/* Writes the secret key to a new file at @path (mode 0600, O_EXCL|O_NOFOLLOW, fsynced). */
gboolean fut_key_save_secret(
    const FutKey *key, const gchar *path, const gchar *passphrase, guint log2_n, GError **error);
/* Reads a secret key file; refuses files readable or writable by others than the owner. */
FutKey *fut_key_load_secret(const gchar *path, const gchar *passphrase, GError **error);
/* Writes the public key to a new file at @path (mode 0644). */
gboolean fut_key_save_public(const FutKey *key, const gchar *path, GError **error);
FutKey *fut_key_load_public(const gchar *path, GError **error);

/* Releases the calling thread's OpenSSL state; call at the end of a worker thread's job
 * (threads of a GThreadPool may outlive the run). */
void fut_crypto_thread_done(void);

G_END_DECLS
