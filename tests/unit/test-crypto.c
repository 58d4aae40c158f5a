/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Crypto core: published vectors (RFC 8032, FIPS 180-2), key files, and bad input. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "armor.h"
#include "crypto.h"
#include "errors.h"
#include "util.h"

#define TEST_PASS  "correct horse battery"
#define TEST_LOG2N 10 /* cheap scrypt for tests; real keys use 2^16 */

static void
unhex(const gchar *hex, guint8 *out, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(fut_hex_decode(hex, out, len, &error));
	g_assert_no_error(error);
}

static gchar *
sha256_hex(const void *data, gsize len)
{
	guint8 d[FUT_SHA256_LEN];
	fut_sha256(data, len, d);
	return fut_hex_encode(d, sizeof(d));
}

/* FIPS 180-2 appendix B examples. */
static void
test_sha256_vectors(void)
{
	g_autofree gchar *a = sha256_hex("abc", 3);
	g_autofree gchar *b =
	    sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
	g_autofree gchar *e = sha256_hex("", 0);

	g_assert_cmpstr(a, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	g_assert_cmpstr(b, ==, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	g_assert_cmpstr(e, ==, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* FIPS 180-2 B.3: one million 'a', fed in uneven chunks through the streaming API. */
static void
test_sha256_streaming(void)
{
	g_autoptr(FutSha256) ctx = fut_sha256_new();
	g_autofree gchar *block = g_malloc(1000);
	g_autofree gchar *hex = NULL;
	guint8 d[FUT_SHA256_LEN];
	gsize left = 1000000;
	gsize step = 1;

	memset(block, 'a', 1000);
	while (left > 0) {
		gsize n = MIN(step, left);
		fut_sha256_update(ctx, block, n);
		left -= n;
		step = step % 991 + 7; /* never more than the 1000-byte block */
	}
	fut_sha256_finish(ctx, d);
	hex = fut_hex_encode(d, sizeof(d));
	g_assert_cmpstr(hex, ==,
	                "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

typedef struct {
	const gchar *seed;
	const gchar *pub;
	const gchar *msg;
	const gchar *sig;
} Rfc8032Vector;

/* RFC 8032 section 7.1, TEST 1, 2, 3 and TEST SHA(abc). */
static const Rfc8032Vector rfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
     "1cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613"
     "d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760"
     "984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    {"833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3"
     "feebbd454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c6"
     "6431e0303dca179c138ac17ad9bef1177331a704"},
};

static void
test_ed25519_rfc8032(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(rfc8032); i++) {
		const Rfc8032Vector *v = &rfc8032[i];
		g_autoptr(GError) error = NULL;
		g_autoptr(FutKey) key = NULL;
		g_autoptr(FutKey) pubkey = NULL;
		g_autofree guint8 *msg = NULL;
		g_autofree gchar *sighex = NULL;
		guint8 seed[32], pub[32], got_pub[32], sig[64], want_sig[64];
		gsize msglen = strlen(v->msg) / 2;

		unhex(v->seed, seed, 32);
		unhex(v->pub, pub, 32);
		unhex(v->sig, want_sig, 64);
		msg = g_malloc(msglen + 1);
		if (msglen > 0)
			unhex(v->msg, msg, msglen);

		key = fut_key_new_from_seed(seed, &error);
		g_assert_no_error(error);
		fut_key_get_public(key, got_pub);
		g_assert_cmpmem(got_pub, 32, pub, 32);

		g_assert_true(fut_key_sign(key, msg, msglen, sig, &error));
		g_assert_no_error(error);
		sighex = fut_hex_encode(sig, 64);
		g_assert_cmpstr(sighex, ==, v->sig);

		pubkey = fut_key_new_public(pub, &error);
		g_assert_no_error(error);
		g_assert_false(fut_key_has_private(pubkey));
		g_assert_true(fut_key_verify(pubkey, msg, msglen, want_sig, &error));
		g_assert_no_error(error);
	}
}

/* A signature must fail for any change of message, signature or key. */
static void
test_ed25519_forgery(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutKey) key = fut_key_generate(&error);
	g_autoptr(FutKey) other = fut_key_generate(&error);
	g_autoptr(FutKey) pub = NULL;
	const gchar msg[] = "export report.xlsx to stick 0421";
	guint8 sig[64];

	g_assert_no_error(error);
	g_assert_true(fut_key_sign(key, msg, sizeof(msg), sig, &error));
	pub = fut_key_dup_public(key);
	g_assert_true(fut_key_verify(pub, msg, sizeof(msg), sig, NULL));

	/* every bit of the signature */
	for (guint bit = 0; bit < 64 * 8; bit++) {
		g_autoptr(GError) e = NULL;
		sig[bit / 8] ^= (guint8)(1u << (bit % 8));
		g_assert_false(fut_key_verify(pub, msg, sizeof(msg), sig, &e));
		g_assert_error(e, FUT_ERROR, FUT_ERROR_BAD_SIGNATURE);
		sig[bit / 8] ^= (guint8)(1u << (bit % 8));
	}
	/* every bit of the message */
	for (guint bit = 0; bit < sizeof(msg) * 8; bit++) {
		gchar m[sizeof(msg)];
		memcpy(m, msg, sizeof(m));
		m[bit / 8] ^= (gchar)(1u << (bit % 8));
		g_assert_false(fut_key_verify(pub, m, sizeof(m), sig, NULL));
	}
	/* truncated and extended message: no trailing data is ignored */
	g_assert_false(fut_key_verify(pub, msg, sizeof(msg) - 1, sig, NULL));
	{
		gchar longer[sizeof(msg) + 1];
		memcpy(longer, msg, sizeof(msg));
		longer[sizeof(msg)] = '\n';
		g_assert_false(fut_key_verify(pub, longer, sizeof(longer), sig, NULL));
	}
	/* another key */
	g_assert_false(fut_key_verify(other, msg, sizeof(msg), sig, NULL));
	/* a public-only key cannot sign */
	g_assert_false(fut_key_sign(pub, msg, sizeof(msg), sig, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_FAILED);
}

static void
test_key_id(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutKey) key = NULL;
	g_autoptr(FutKey) pub = NULL;
	g_autofree gchar *id = NULL;
	g_autofree gchar *id2 = NULL;
	guint8 seed[32];

	unhex(rfc8032[0].seed, seed, 32);
	key = fut_key_new_from_seed(seed, &error);
	g_assert_no_error(error);
	pub = fut_key_dup_public(key);
	id = fut_key_dup_id_string(key);
	id2 = fut_key_dup_id_string(pub);
	g_assert_cmpuint(strlen(id), ==, 16);
	g_assert_cmpstr(id, ==, id2);
	g_assert_true(fut_key_equal(key, pub));
	/* pinned: the key id is part of the formats and must never change */
	g_assert_cmpstr(id, ==, "05a223be6de45f8e");
}

static void
test_public_key_invalid_point(void)
{
	g_autoptr(GError) error = NULL;
	guint8 bad[32];
	g_autoptr(FutKey) key = NULL;

	/* y = 2 is not on the curve (x^2 has no square root); OpenSSL refuses on use. */
	memset(bad, 0, sizeof(bad));
	bad[0] = 2;
	key = fut_key_new_public(bad, &error);
	if (key != NULL) {
		guint8 sig[64] = {0};
		g_assert_false(fut_key_verify(key, "x", 1, sig, NULL));
	} else {
		g_assert_error(error, FUT_ERROR, FUT_ERROR_CRYPTO);
	}
}

static gchar *
tmpdir_new(void)
{
	g_autoptr(GError) error = NULL;
	gchar *dir = g_dir_make_tmp("futari-test-XXXXXX", &error);
	g_assert_no_error(error);
	return dir;
}

static void
rm_rf(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *p = g_build_filename(dir, name, NULL);
		g_unlink(p);
	}
	g_rmdir(dir);
}

static void
test_secret_key_roundtrip(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutKey) key = fut_key_generate(&error);
	g_autoptr(FutKey) back = NULL;
	g_autofree gchar *dir = tmpdir_new();
	g_autofree gchar *path = g_build_filename(dir, "approver.key", NULL);
	guint8 id_file[FUT_KEY_ID_LEN], id_key[FUT_KEY_ID_LEN];
	g_autofree gchar *text = NULL;
	gsize len = 0;
	struct stat st;

	g_assert_no_error(error);
	g_assert_true(fut_key_save_secret(key, path, TEST_PASS, TEST_LOG2N, &error));
	g_assert_no_error(error);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 07777, ==, 0600);

	/* never overwrites */
	g_assert_false(fut_key_save_secret(key, path, TEST_PASS, TEST_LOG2N, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_EXISTS);
	g_clear_error(&error);

	back = fut_key_load_secret(path, TEST_PASS, &error);
	g_assert_no_error(error);
	g_assert_true(fut_key_has_private(back));
	g_assert_true(fut_key_equal(key, back));

	g_assert_true(g_file_get_contents(path, &text, &len, NULL));
	g_assert_true(g_str_has_prefix(text, "-----BEGIN FUTARI SECRET KEY-----\n"));
	g_assert_true(fut_key_peek_secret_id(text, len, id_file, &error));
	fut_key_get_id(key, id_key);
	g_assert_cmpmem(id_file, sizeof(id_file), id_key, sizeof(id_key));
	rm_rf(dir);
}

static void
test_secret_key_default_cost(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutKey) key = fut_key_generate(&error);
	g_autoptr(FutKey) back = NULL;
	g_autoptr(FutSecret) text = fut_key_export_secret(key, TEST_PASS, 0, &error);

	g_assert_no_error(error);
	back = fut_key_import_secret(text, strlen(text), TEST_PASS, &error);
	g_assert_no_error(error);
	g_assert_true(fut_key_equal(key, back));
}

static void
test_secret_key_wrong_passphrase(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutKey) key = fut_key_generate(&error);
	g_autoptr(FutSecret) text = fut_key_export_secret(key, TEST_PASS, TEST_LOG2N, &error);
	g_autoptr(FutKey) back = NULL;

	back = fut_key_import_secret(text, strlen(text), "correct horse battery!", &error);
	g_assert_null(back);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_BAD_PASSPHRASE);
	g_clear_error(&error);

	/* a passphrase too short to be one of the two factors */
	back = fut_key_import_secret(text, strlen(text), "short", &error);
	g_assert_null(back);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_BAD_PASSPHRASE);
	g_clear_error(&error);
	g_assert_null(fut_key_export_secret(key, "short", TEST_LOG2N, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_BAD_PASSPHRASE);
}

/* Re-armours @blob after @edit changed it, so the envelope is valid and the content is not. */
static gchar *
rearmour(GBytes *blob, gssize new_len, guint flip_byte)
{
	gsize n;
	const guint8 *b = g_bytes_get_data(blob, &n);
	g_autofree guint8 *copy = g_malloc0(MAX(n, (gsize)MAX(new_len, 0)) + 8);

	memcpy(copy, b, n);
	if (flip_byte < n)
		copy[flip_byte] ^= 0x01;
	return fut_armor_encode_bytes("SECRET KEY", copy, new_len < 0 ? n : (gsize)new_len);
}

static void
test_secret_key_corrupted(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutKey) key = fut_key_generate(&error);
	g_autoptr(FutSecret) text = fut_key_export_secret(key, TEST_PASS, TEST_LOG2N, &error);
	g_autoptr(GBytes) blob =
	    fut_armor_decode_bytes(text, strlen(text), "SECRET KEY", 4096, &error);
	gsize n = g_bytes_get_size(blob);

	g_assert_no_error(error);
	g_assert_cmpuint(n, ==, 120);

	/* Every byte flipped: refused, never a wrong key. Header bytes fail the format or
	 * the GCM tag (they are authenticated); the rest fail the tag. */
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *bad = rearmour(blob, -1, i);
		g_autoptr(GError) e = NULL;
		g_autoptr(FutKey) k = fut_key_import_secret(bad, strlen(bad), TEST_PASS, &e);
		g_assert_null(k);
		g_assert_nonnull(e);
		g_assert_true(e->code == FUT_ERROR_INVALID_DATA ||
		              e->code == FUT_ERROR_BAD_PASSPHRASE || e->code == FUT_ERROR_CRYPTO);
	}

	/* truncated blob */
	{
		g_autofree gchar *bad = rearmour(blob, (gssize)n - 1, G_MAXUINT);
		g_autoptr(FutKey) k = fut_key_import_secret(bad, strlen(bad), TEST_PASS, &error);
		g_assert_null(k);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_nonnull(strstr(error->message, "truncated"));
		g_clear_error(&error);
	}
	/* trailing bytes inside the blob */
	{
		g_autofree gchar *bad = rearmour(blob, (gssize)n + 3, G_MAXUINT);
		g_autoptr(FutKey) k = fut_key_import_secret(bad, strlen(bad), TEST_PASS, &error);
		g_assert_null(k);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_nonnull(strstr(error->message, "trailing"));
		g_clear_error(&error);
	}
	/* truncated text (cut mid-file) */
	{
		g_autoptr(FutKey) k =
		    fut_key_import_secret(text, strlen(text) / 2, TEST_PASS, &error);
		g_assert_null(k);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}
	/* trailing text after the END line */
	{
		g_autofree gchar *bad = g_strconcat(text, "hello\n", NULL);
		g_autoptr(FutKey) k = fut_key_import_secret(bad, strlen(bad), TEST_PASS, &error);
		g_assert_null(k);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}
	/* a public key file offered as a secret key */
	{
		g_autofree gchar *pub = fut_key_export_public(key);
		g_autoptr(FutKey) k = fut_key_import_secret(pub, strlen(pub), TEST_PASS, &error);
		g_assert_null(k);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_nonnull(strstr(error->message, "PUBLIC KEY"));
		g_clear_error(&error);
	}
}

static void
test_secret_key_file_permissions(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutKey) key = fut_key_generate(&error);
	g_autoptr(FutKey) back = NULL;
	g_autofree gchar *dir = tmpdir_new();
	g_autofree gchar *path = g_build_filename(dir, "k.key", NULL);
	g_autofree gchar *link = g_build_filename(dir, "link.key", NULL);
	g_autofree gchar *target = g_build_filename(dir, "elsewhere", NULL);

	g_assert_true(fut_key_save_secret(key, path, TEST_PASS, TEST_LOG2N, &error));
	g_assert_cmpint(chmod(path, 0644), ==, 0);
	back = fut_key_load_secret(path, TEST_PASS, &error);
	g_assert_null(back);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_PERMISSION);
	g_clear_error(&error);

	/* a symlink is never followed, neither to read nor to create */
	g_assert_cmpint(chmod(path, 0600), ==, 0);
	g_assert_cmpint(symlink(path, link), ==, 0);
	back = fut_key_load_secret(link, TEST_PASS, &error);
	g_assert_null(back);
	g_assert_nonnull(error);
	g_clear_error(&error);
	g_unlink(link);
	g_assert_cmpint(symlink(target, link), ==, 0);
	g_assert_false(fut_key_save_secret(key, link, TEST_PASS, TEST_LOG2N, &error));
	g_assert_nonnull(error);
	g_assert_false(g_file_test(target, G_FILE_TEST_EXISTS));
	g_clear_error(&error);
	g_unlink(link);
	rm_rf(dir);
}

static void
test_secret_key_oversized(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = tmpdir_new();
	g_autofree gchar *path = g_build_filename(dir, "big.key", NULL);
	g_autofree gchar *big = g_strnfill(FUT_SECRET_KEY_FILE_MAX + 1, 'A');
	g_autoptr(FutKey) k = NULL;

	g_assert_true(
	    g_file_set_contents_full(path, big, -1, G_FILE_SET_CONTENTS_NONE, 0600, NULL));
	k = fut_key_load_secret(path, TEST_PASS, &error);
	g_assert_null(k);
	g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
	rm_rf(dir);
}

static void
test_public_key_file(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutKey) key = fut_key_generate(&error);
	g_autoptr(FutKey) back = NULL;
	g_autofree gchar *dir = tmpdir_new();
	g_autofree gchar *path = g_build_filename(dir, "org.pub", NULL);
	g_autofree gchar *text = fut_key_export_public(key);
	guint8 sig[64];

	g_assert_true(fut_key_save_public(key, path, &error));
	g_assert_no_error(error);
	back = fut_key_load_public(path, &error);
	g_assert_no_error(error);
	g_assert_false(fut_key_has_private(back));
	g_assert_true(fut_key_equal(key, back));
	g_assert_true(fut_key_sign(key, "m", 1, sig, &error));
	g_assert_true(fut_key_verify(back, "m", 1, sig, &error));

	/* bad base64 inside an otherwise good envelope */
	{
		g_autofree gchar *bad = g_strdup(text);
		gchar *body = strchr(bad, '\n') + 1;
		body[3] = '*';
		g_autoptr(FutKey) k = fut_key_import_public(bad, strlen(bad), &error);
		g_assert_null(k);
		g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
		g_assert_nonnull(strstr(error->message, "base64"));
		g_clear_error(&error);
	}
	rm_rf(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/futari/crypto/sha256/fips180-vectors", test_sha256_vectors);
	g_test_add_func("/futari/crypto/sha256/streaming-million-a", test_sha256_streaming);
	g_test_add_func("/futari/crypto/ed25519/rfc8032-vectors", test_ed25519_rfc8032);
	g_test_add_func("/futari/crypto/ed25519/forgeries-fail", test_ed25519_forgery);
	g_test_add_func("/futari/crypto/ed25519/invalid-public-key", test_public_key_invalid_point);
	g_test_add_func("/futari/crypto/key-id", test_key_id);
	g_test_add_func("/futari/crypto/secret-key/roundtrip", test_secret_key_roundtrip);
	g_test_add_func("/futari/crypto/secret-key/default-cost", test_secret_key_default_cost);
	g_test_add_func("/futari/crypto/secret-key/wrong-passphrase",
	                test_secret_key_wrong_passphrase);
	g_test_add_func("/futari/crypto/secret-key/corrupted-truncated-trailing",
	                test_secret_key_corrupted);
	g_test_add_func("/futari/crypto/secret-key/file-permissions",
	                test_secret_key_file_permissions);
	g_test_add_func("/futari/crypto/secret-key/oversized", test_secret_key_oversized);
	g_test_add_func("/futari/crypto/public-key/file", test_public_key_file);
	return g_test_run();
}
