/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The only file in futari that includes OpenSSL headers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "armor.h"
#include "crypto.h"
#include "errors.h"
#include "util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_MD_CTX, EVP_MD_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free)

/* Sets @error from the OpenSSL error queue (which it empties). Always returns FALSE. */
static gboolean
set_openssl_error(GError **error, const gchar *what)
{
	unsigned long e = ERR_get_error();
	gchar buf[256] = "unknown error";

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	g_set_error(error, FUT_ERROR, FUT_ERROR_CRYPTO, "%s: %s", what, buf);
	return FALSE;
}

/* Fetching the digest once keeps many small hashes (one per log record) cheap. */
static const EVP_MD *
sha256_md(void)
{
	static gsize md = 0;

	if (g_once_init_enter(&md)) {
		EVP_MD *m = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (m == NULL)
			g_error("OpenSSL has no SHA-256");
		g_once_init_leave(&md, (gsize)m);
	}
	return (const EVP_MD *)md;
}

/* --- SHA-256 ------------------------------------------------------------------------- */

/* One context per thread, reused: EVP_Digest() allocates and frees a context on every call,
 * which costs more than hashing a log record of a few hundred bytes. */
static void
sha256_ctx_free(gpointer ctx)
{
	EVP_MD_CTX_free(ctx);
}

static GPrivate sha256_ctx_key = G_PRIVATE_INIT(sha256_ctx_free);

void
fut_sha256(const void *data, gsize len, guint8 ret_digest[FUT_SHA256_LEN])
{
	EVP_MD_CTX *ctx = g_private_get(&sha256_ctx_key);
	unsigned int n = 0;

	if (ctx == NULL) {
		ctx = EVP_MD_CTX_new();
		if (ctx == NULL)
			g_error("SHA-256 context allocation failed");
		g_private_set(&sha256_ctx_key, ctx);
	}
	if (EVP_DigestInit_ex(ctx, sha256_md(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, data, len) != 1 || EVP_DigestFinal_ex(ctx, ret_digest, &n) != 1 ||
	    n != FUT_SHA256_LEN)
		g_error("SHA-256 failed");
}

struct _FutSha256 {
	EVP_MD_CTX *ctx;
};

FutSha256 *
fut_sha256_new(void)
{
	FutSha256 *self = g_new0(FutSha256, 1);

	self->ctx = EVP_MD_CTX_new();
	if (self->ctx == NULL || EVP_DigestInit_ex(self->ctx, sha256_md(), NULL) != 1)
		g_error("SHA-256 init failed");
	return self;
}

void
fut_sha256_update(FutSha256 *self, const void *data, gsize len)
{
	if (EVP_DigestUpdate(self->ctx, data, len) != 1)
		g_error("SHA-256 update failed");
}

void
fut_sha256_finish(FutSha256 *self, guint8 ret_digest[FUT_SHA256_LEN])
{
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(self->ctx, ret_digest, &n) != 1 || n != FUT_SHA256_LEN)
		g_error("SHA-256 final failed");
}

/* Also lets go of what OpenSSL keeps for the calling thread (its error queue, 904 bytes):
 * the streaming hashes run on pool threads (upload control's workers, GTask threads), which
 * can end after the process's exit has taken OpenSSL's thread-exit destructor away, and
 * their state was then lost (LeakSanitizer, now and then, in upload-control.sh). Built again
 * on the next use. */
void
fut_sha256_free(FutSha256 *self)
{
	if (self == NULL)
		return;
	EVP_MD_CTX_free(self->ctx);
	g_free(self);
	fut_crypto_thread_done();
}

/* --- randomness ---------------------------------------------------------------------- */

/* From the kernel (getrandom(2), which also seeds OpenSSL's generators): no generator state
 * per thread. RAND_priv_bytes() gave each calling thread a DRBG of its own, freed only when
 * that thread ends, and the agent's pool threads outlive its last use: a leak report at exit
 * under LeakSanitizer, now and then. Blocks only before the kernel's pool is first seeded. */
gboolean
fut_random_bytes(guint8 *buf, gsize len, GError **error)
{
	gsize done = 0;

	while (done < len) {
		ssize_t n = getrandom(buf + done, len - done, 0);
		if (n < 0) {
			int e = errno;
			if (e == EINTR)
				continue;
			g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED,
			            _("random number generator failed: %s"), g_strerror(e));
			return FALSE;
		}
		done += (gsize)n;
	}
	return TRUE;
}

/* --- keys ---------------------------------------------------------------------------- */

struct _FutKey {
	EVP_PKEY *pkey;
	gboolean has_private;
	guint8 pub[FUT_ED25519_PUBLIC_LEN];
};

static FutKey *
key_wrap(EVP_PKEY *pkey, gboolean has_private, GError **error)
{
	g_autoptr(EVP_PKEY) owned = pkey;
	FutKey *self;
	size_t n = FUT_ED25519_PUBLIC_LEN;

	self = g_new0(FutKey, 1);
	if (EVP_PKEY_get_raw_public_key(owned, self->pub, &n) != 1 || n != FUT_ED25519_PUBLIC_LEN) {
		g_free(self);
		set_openssl_error(error, _("cannot read the public key"));
		return NULL;
	}
	self->pkey = g_steal_pointer(&owned);
	self->has_private = has_private;
	return self;
}

FutKey *
fut_key_generate(GError **error)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	if (pkey == NULL) {
		set_openssl_error(error, _("cannot generate an Ed25519 key"));
		return NULL;
	}
	return key_wrap(pkey, TRUE, error);
}

FutKey *
fut_key_new_from_seed(const guint8 seed[FUT_ED25519_SEED_LEN], GError **error)
{
	EVP_PKEY *pkey =
	    EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, FUT_ED25519_SEED_LEN);

	if (pkey == NULL) {
		set_openssl_error(error, _("cannot load the Ed25519 private key"));
		return NULL;
	}
	return key_wrap(pkey, TRUE, error);
}

FutKey *
fut_key_new_public(const guint8 pub[FUT_ED25519_PUBLIC_LEN], GError **error)
{
	EVP_PKEY *pkey =
	    EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, FUT_ED25519_PUBLIC_LEN);

	if (pkey == NULL) {
		set_openssl_error(error, _("not a valid Ed25519 public key"));
		return NULL;
	}
	return key_wrap(pkey, FALSE, error);
}

FutKey *
fut_key_dup_public(const FutKey *key)
{
	g_autoptr(GError) error = NULL;
	FutKey *copy = fut_key_new_public(key->pub, &error);

	/* The bytes came from a valid key: failure here means OpenSSL is broken. */
	if (copy == NULL)
		g_error("%s", error->message);
	return copy;
}

void
fut_key_free(FutKey *self)
{
	if (self == NULL)
		return;
	EVP_PKEY_free(self->pkey); /* OpenSSL cleanses the private key material */
	g_free(self);
}

gboolean
fut_key_has_private(const FutKey *self)
{
	return self->has_private;
}

void
fut_key_get_public(const FutKey *self, guint8 ret_pub[FUT_ED25519_PUBLIC_LEN])
{
	memcpy(ret_pub, self->pub, FUT_ED25519_PUBLIC_LEN);
}

void
fut_key_get_id(const FutKey *self, guint8 ret_id[FUT_KEY_ID_LEN])
{
	static const gchar domain[] = "futari key id v1"; /* the NUL is hashed too */
	guint8 buf[sizeof(domain) + FUT_ED25519_PUBLIC_LEN];
	guint8 digest[FUT_SHA256_LEN];

	memcpy(buf, domain, sizeof(domain));
	memcpy(buf + sizeof(domain), self->pub, FUT_ED25519_PUBLIC_LEN);
	fut_sha256(buf, sizeof(buf), digest);
	memcpy(ret_id, digest, FUT_KEY_ID_LEN);
}

gchar *
fut_key_dup_id_string(const FutKey *self)
{
	guint8 id[FUT_KEY_ID_LEN];

	fut_key_get_id(self, id);
	return fut_hex_encode(id, sizeof(id));
}

gboolean
fut_key_equal(const FutKey *a, const FutKey *b)
{
	return CRYPTO_memcmp(a->pub, b->pub, FUT_ED25519_PUBLIC_LEN) == 0;
}

gboolean
fut_key_sign(const FutKey *self,
             const void *msg,
             gsize len,
             guint8 ret_sig[FUT_ED25519_SIG_LEN],
             GError **error)
{
	g_autoptr(EVP_MD_CTX) ctx = NULL;
	size_t siglen = FUT_ED25519_SIG_LEN;

	if (!self->has_private) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED,
		            _("cannot sign with a public key only"));
		return FALSE;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, NULL, NULL, self->pkey) != 1 ||
	    EVP_DigestSign(ctx, ret_sig, &siglen, msg, len) != 1 || siglen != FUT_ED25519_SIG_LEN)
		return set_openssl_error(error, _("signing failed"));
	return TRUE;
}

gboolean
fut_key_verify(const FutKey *self,
               const void *msg,
               gsize len,
               const guint8 sig[FUT_ED25519_SIG_LEN],
               GError **error)
{
	g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();

	if (ctx == NULL || EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, self->pkey) != 1)
		return set_openssl_error(error, _("cannot start signature verification"));
	if (EVP_DigestVerify(ctx, sig, FUT_ED25519_SIG_LEN, msg, len) != 1) {
		ERR_clear_error();
		g_set_error(error, FUT_ERROR, FUT_ERROR_BAD_SIGNATURE,
		            _("signature does not verify"));
		return FALSE;
	}
	return TRUE;
}

/* --- key files ----------------------------------------------------------------------- */

/* Secret-key blob (inside "-----BEGIN FUTARI SECRET KEY-----"):
 *   0  magic "FUTSK\0\0\1"      8
 *   8  kdf (1 = scrypt)         1
 *   9  log2(N)                  1   14..20
 *  10  r                        1   8
 *  11  p                        1   1
 *  12  salt                    16
 *  28  nonce                   12
 *  40  public key              32
 *  72  encrypted seed          32   AES-256-GCM, AAD = bytes 0..71
 * 104  tag                     16
 * 120  end
 */
#define SK_MAGIC            "FUTSK\0\0\1"
#define SK_MAGIC_LEN        8
#define SK_OFF_KDF          8
#define SK_OFF_LOG2N        9
#define SK_OFF_R            10
#define SK_OFF_P            11
#define SK_OFF_SALT         12
#define SK_OFF_NONCE        28
#define SK_OFF_PUB          40
#define SK_OFF_CT           72
#define SK_OFF_TAG          104
#define SK_LEN              120
#define SK_KDF_SCRYPT       1
#define SK_LOG2N_DEFAULT    16
#define SK_LOG2N_MIN        10 /* tests use low costs; real keys use the default */
#define SK_LOG2N_MAX        20
#define SK_SCRYPT_R         8
#define SK_SCRYPT_P         1
#define SK_LABEL            "SECRET KEY"
#define PK_MAGIC            "FUTPK\0\0\1"
#define PK_LEN              (SK_MAGIC_LEN + FUT_ED25519_PUBLIC_LEN)
#define PK_LABEL            "PUBLIC KEY"
#define PUBLIC_KEY_FILE_MAX 1024

static gboolean
check_passphrase(const gchar *passphrase, GError **error)
{
	gsize n = strlen(passphrase);

	if (n < FUT_PASSPHRASE_MIN_LEN || n > FUT_PASSPHRASE_MAX_LEN) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_BAD_PASSPHRASE,
		            _("the passphrase must have %d to %d characters"),
		            FUT_PASSPHRASE_MIN_LEN, FUT_PASSPHRASE_MAX_LEN);
		return FALSE;
	}
	return TRUE;
}

static gboolean
derive_key(const gchar *passphrase, const guint8 *blob, guint8 ret_key[32], GError **error)
{
	guint64 n = G_GUINT64_CONSTANT(1) << blob[SK_OFF_LOG2N];
	guint64 r = blob[SK_OFF_R];
	guint64 p = blob[SK_OFF_P];
	guint64 maxmem = 128 * r * n * p + 128 * r * 256 + (1 << 20);

	if (EVP_PBE_scrypt(passphrase, strlen(passphrase), blob + SK_OFF_SALT, 16, n, r, p, maxmem,
	                   ret_key, 32) != 1)
		return set_openssl_error(error, _("key derivation failed"));
	return TRUE;
}

gchar *
fut_key_export_secret(const FutKey *self, const gchar *passphrase, guint log2_n, GError **error)
{
	g_autoptr(EVP_CIPHER_CTX) ctx = NULL;
	guint8 blob[SK_LEN] = {0};
	guint8 seed[FUT_ED25519_SEED_LEN];
	guint8 kek[32];
	size_t seedlen = sizeof(seed);
	int outl = 0;
	gchar *text = NULL;

	if (!self->has_private) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED, _("no private key to export"));
		return NULL;
	}
	if (!check_passphrase(passphrase, error))
		return NULL;
	if (log2_n == 0)
		log2_n = SK_LOG2N_DEFAULT;
	if (log2_n < SK_LOG2N_MIN || log2_n > SK_LOG2N_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_FAILED, "scrypt cost out of range");
		return NULL;
	}
	memcpy(blob, SK_MAGIC, SK_MAGIC_LEN);
	blob[SK_OFF_KDF] = SK_KDF_SCRYPT;
	blob[SK_OFF_LOG2N] = (guint8)log2_n;
	blob[SK_OFF_R] = SK_SCRYPT_R;
	blob[SK_OFF_P] = SK_SCRYPT_P;
	if (!fut_random_bytes(blob + SK_OFF_SALT, 16 + 12, error))
		return NULL;
	memcpy(blob + SK_OFF_PUB, self->pub, FUT_ED25519_PUBLIC_LEN);

	if (EVP_PKEY_get_raw_private_key(self->pkey, seed, &seedlen) != 1 ||
	    seedlen != sizeof(seed)) {
		set_openssl_error(error, _("cannot read the private key"));
		goto out;
	}
	if (!derive_key(passphrase, blob, kek, error))
		goto out;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, kek, blob + SK_OFF_NONCE) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &outl, blob, SK_OFF_CT) != 1 ||
	    EVP_EncryptUpdate(ctx, blob + SK_OFF_CT, &outl, seed, sizeof(seed)) != 1 ||
	    outl != (int)sizeof(seed) || EVP_EncryptFinal_ex(ctx, blob + SK_OFF_TAG, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, blob + SK_OFF_TAG) != 1) {
		set_openssl_error(error, _("cannot encrypt the private key"));
		goto out;
	}
	text = fut_armor_encode_bytes(SK_LABEL, blob, sizeof(blob));
out:
	fut_memzero(seed, sizeof(seed));
	fut_memzero(kek, sizeof(kek));
	fut_memzero(blob, sizeof(blob));
	return text;
}

/* Parses the secret-key envelope and checks every field that can be checked without the
 * passphrase. */
static GBytes *
secret_blob_parse(const gchar *text, gsize len, GError **error)
{
	g_autoptr(GBytes) bytes = NULL;
	const guint8 *b;
	gsize n;

	bytes = fut_armor_decode_bytes(text, len, SK_LABEL, FUT_SECRET_KEY_FILE_MAX, error);
	if (bytes == NULL) {
		g_prefix_error(error, _("not a futari secret key: "));
		return NULL;
	}
	b = g_bytes_get_data(bytes, &n);
	if (n < SK_LEN) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("secret key is truncated (%zu of %d bytes)"), n, SK_LEN);
		return NULL;
	}
	if (n > SK_LEN) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("secret key has %zu bytes of trailing data"), n - SK_LEN);
		return NULL;
	}
	if (memcmp(b, SK_MAGIC, SK_MAGIC_LEN) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("secret key has an unknown format version"));
		return NULL;
	}
	if (b[SK_OFF_KDF] != SK_KDF_SCRYPT || b[SK_OFF_LOG2N] < SK_LOG2N_MIN ||
	    b[SK_OFF_LOG2N] > SK_LOG2N_MAX || b[SK_OFF_R] != SK_SCRYPT_R ||
	    b[SK_OFF_P] != SK_SCRYPT_P) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("secret key has unsupported key-derivation parameters"));
		return NULL;
	}
	return g_steal_pointer(&bytes);
}

FutKey *
fut_key_import_secret(const gchar *text, gsize len, const gchar *passphrase, GError **error)
{
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(EVP_CIPHER_CTX) ctx = NULL;
	g_autoptr(FutKey) key = NULL;
	guint8 tag[16];
	guint8 seed[FUT_ED25519_SEED_LEN];
	guint8 kek[32];
	const guint8 *b;
	int outl = 0;

	bytes = secret_blob_parse(text, len, error);
	if (bytes == NULL)
		return NULL;
	if (!check_passphrase(passphrase, error))
		return NULL;
	b = g_bytes_get_data(bytes, NULL);
	memcpy(tag, b + SK_OFF_TAG, sizeof(tag));
	if (!derive_key(passphrase, b, kek, error))
		goto out;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, kek, b + SK_OFF_NONCE) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &outl, b, SK_OFF_CT) != 1 ||
	    EVP_DecryptUpdate(ctx, seed, &outl, b + SK_OFF_CT, sizeof(seed)) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, sizeof(tag), tag) != 1) {
		set_openssl_error(error, _("cannot decrypt the secret key"));
		goto out;
	}
	if (EVP_DecryptFinal_ex(ctx, seed + outl, &outl) != 1) {
		ERR_clear_error();
		g_set_error(error, FUT_ERROR, FUT_ERROR_BAD_PASSPHRASE,
		            _("wrong passphrase, or the secret key file is corrupted"));
		goto out;
	}
	key = fut_key_new_from_seed(seed, error);
	if (key == NULL)
		goto out;
	if (CRYPTO_memcmp(key->pub, b + SK_OFF_PUB, FUT_ED25519_PUBLIC_LEN) != 0) {
		/* Unreachable unless the authenticated header lies: refuse anyway. */
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("secret key does not match its public key"));
		g_clear_pointer(&key, fut_key_free);
	}
out:
	fut_memzero(seed, sizeof(seed));
	fut_memzero(kek, sizeof(kek));
	return g_steal_pointer(&key);
}

gboolean
fut_key_peek_secret_id(const gchar *text, gsize len, guint8 ret_id[FUT_KEY_ID_LEN], GError **error)
{
	g_autoptr(GBytes) bytes = secret_blob_parse(text, len, error);
	g_autoptr(FutKey) pub = NULL;

	if (bytes == NULL)
		return FALSE;
	pub = fut_key_new_public((const guint8 *)g_bytes_get_data(bytes, NULL) + SK_OFF_PUB, error);
	if (pub == NULL)
		return FALSE;
	fut_key_get_id(pub, ret_id);
	return TRUE;
}

gchar *
fut_key_export_public(const FutKey *self)
{
	guint8 blob[PK_LEN];

	memcpy(blob, PK_MAGIC, SK_MAGIC_LEN);
	memcpy(blob + SK_MAGIC_LEN, self->pub, FUT_ED25519_PUBLIC_LEN);
	return fut_armor_encode_bytes(PK_LABEL, blob, sizeof(blob));
}

FutKey *
fut_key_import_public(const gchar *text, gsize len, GError **error)
{
	g_autoptr(GBytes) bytes = NULL;
	const guint8 *b;
	gsize n;

	bytes = fut_armor_decode_bytes(text, len, PK_LABEL, PUBLIC_KEY_FILE_MAX, error);
	if (bytes == NULL) {
		g_prefix_error(error, _("not a futari public key: "));
		return NULL;
	}
	b = g_bytes_get_data(bytes, &n);
	if (n != PK_LEN) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            n < PK_LEN ? _("public key is truncated")
		                       : _("public key has trailing data"));
		return NULL;
	}
	if (memcmp(b, PK_MAGIC, SK_MAGIC_LEN) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("public key has an unknown format version"));
		return NULL;
	}
	return fut_key_new_public(b + SK_MAGIC_LEN, error);
}

gboolean
fut_key_save_secret(
    const FutKey *self, const gchar *path, const gchar *passphrase, guint log2_n, GError **error)
{
	g_autoptr(FutSecret) text = fut_key_export_secret(self, passphrase, log2_n, error);

	if (text == NULL)
		return FALSE;
	return fut_file_write_new(path, text, strlen(text), 0600, error);
}

FutKey *
fut_key_load_secret(const gchar *path, const gchar *passphrase, GError **error)
{
	g_autofree gchar *safe = fut_strescape(path, -1);
	g_autoptr(FutSecret) text = NULL;
	struct stat st;
	gsize len = 0;
	FutKey *key;

	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_PERMISSION,
		            _("%s: secret key is accessible by other users (mode %04o); "
		              "run: chmod 600 %s"),
		            safe, (unsigned)(st.st_mode & 07777), safe);
		return NULL;
	}
	if (!fut_file_read_bounded(path, FUT_SECRET_KEY_FILE_MAX, &text, &len, error))
		return NULL;
	key = fut_key_import_secret(text, len, passphrase, error);
	if (key == NULL)
		g_prefix_error(error, "%s: ", safe);
	return key;
}

gboolean
fut_key_save_public(const FutKey *self, const gchar *path, GError **error)
{
	g_autofree gchar *text = fut_key_export_public(self);

	return fut_file_write_new(path, text, strlen(text), 0644, error);
}

FutKey *
fut_key_load_public(const gchar *path, GError **error)
{
	g_autofree gchar *safe = fut_strescape(path, -1);
	g_autofree gchar *text = NULL;
	gsize len = 0;
	FutKey *key;

	if (!fut_file_read_bounded(path, PUBLIC_KEY_FILE_MAX, &text, &len, error))
		return NULL;
	key = fut_key_import_public(text, len, error);
	if (key == NULL)
		g_prefix_error(error, "%s: ", safe);
	return key;
}

void
fut_crypto_thread_done(void)
{
	OPENSSL_thread_stop();
}
