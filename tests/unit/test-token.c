/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The signed objects: round trips, and every kind of malformed, altered or confused input
 * refused with a clear reason. */
#include "config.h"

#include <string.h>

#include "errors.h"
#include "fields.h"
#include "fixtures.h"

#define C_I  (1u << FUT_CLASS_I)
#define C_II (1u << FUT_CLASS_II)

typedef enum { OBJ_REQUEST, OBJ_APPROVAL, OBJ_CERT, OBJ_CRL, N_OBJ } ObjType;

typedef struct {
	FutKey *root, *host, *approver;
	FutCertificate *cert;
	FutRequest *req;
	FutApproval *appr;
	FutRevocationList *crl;
	gchar *text[N_OBJ];
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	const guint8 revoked[] = {0x10, 0x20, 0x30};
	g_autoptr(GError) error = NULL;

	f->root = fx_key("org root");
	f->host = fx_key("host pc-test-only-01");
	f->approver = fx_key("approver alice");
	f->cert = fx_cert("S1001", "Alice 情報管理者 TEST ONLY", "alice alice.adm", "info-manager",
	                  C_II, f->approver, f->root, 0x01);
	f->req = fx_request(FUT_CLASS_II, f->host);
	f->appr = fx_approval(f->req, f->cert, f->approver, FUT_DECISION_APPROVE, fx_now(),
	                      fx_now() + 8 * 3600);
	f->appr->content_checked = FUT_CONTENT_CHECK_YES;
	g_assert_true(fut_approval_sign(f->appr, f->approver, &error));
	f->crl = fx_crl(f->root, 3, revoked, 3);
	f->text[OBJ_REQUEST] = fut_request_to_text(f->req, &error);
	g_assert_no_error(error);
	f->text[OBJ_APPROVAL] = fut_approval_to_text(f->appr, &error);
	g_assert_no_error(error);
	f->text[OBJ_CERT] = fut_certificate_to_text(f->cert, &error);
	g_assert_no_error(error);
	f->text[OBJ_CRL] = fut_revocation_list_to_text(f->crl, &error);
	g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	fut_key_free(f->root);
	fut_key_free(f->host);
	fut_key_free(f->approver);
	fut_certificate_free(f->cert);
	fut_request_free(f->req);
	fut_approval_free(f->appr);
	fut_revocation_list_free(f->crl);
	for (guint i = 0; i < N_OBJ; i++)
		g_free(f->text[i]);
}

/* Parses @text as @type and checks its signature. Returns TRUE only if both pass. */
static gboolean
parse_and_verify(Fixture *f, ObjType type, const gchar *text, gsize len, GError **error)
{
	switch (type) {
	case OBJ_REQUEST: {
		g_autoptr(FutRequest) q = fut_request_parse(text, len, error);
		return q != NULL && fut_request_verify(q, error);
	}
	case OBJ_APPROVAL: {
		g_autoptr(FutApproval) a = fut_approval_parse(text, len, error);
		return a != NULL && fut_approval_verify(a, error) &&
		       fut_certificate_verify(a->cert, f->root, error);
	}
	case OBJ_CERT: {
		g_autoptr(FutCertificate) c = fut_certificate_parse(text, len, error);
		return c != NULL && fut_certificate_verify(c, f->root, error);
	}
	case OBJ_CRL: {
		g_autoptr(FutRevocationList) l = fut_revocation_list_parse(text, len, error);
		return l != NULL && fut_revocation_list_verify(l, f->root, error);
	}
	default:
		g_assert_not_reached();
	}
}

static const gchar *const type_names[] = {"request", "approval", "certificate", "revocation list"};

static void
test_roundtrip(Fixture *f, gconstpointer data)
{
	for (ObjType t = 0; t < N_OBJ; t++) {
		g_autoptr(GError) error = NULL;
		g_test_message("%s", type_names[t]);
		g_assert_true(parse_and_verify(f, t, f->text[t], strlen(f->text[t]), &error));
		g_assert_no_error(error);
	}
	/* Parsed objects write the same bytes again. */
	{
		g_autoptr(FutRequest) q =
		    fut_request_parse(f->text[OBJ_REQUEST], strlen(f->text[OBJ_REQUEST]), NULL);
		g_autoptr(FutApproval) a =
		    fut_approval_parse(f->text[OBJ_APPROVAL], strlen(f->text[OBJ_APPROVAL]), NULL);
		g_autofree gchar *q2 = fut_request_to_text(q, NULL);
		g_autofree gchar *a2 = fut_approval_to_text(a, NULL);
		g_assert_cmpstr(q2, ==, f->text[OBJ_REQUEST]);
		g_assert_cmpstr(a2, ==, f->text[OBJ_APPROVAL]);
		g_assert_cmpstr(q->file_name, ==, f->req->file_name);
		g_assert_cmpstr(q->reason, ==, f->req->reason);
		g_assert_true(fut_destination_equal(&q->destination, &f->req->destination));
		g_assert_cmpstr(a->cert->name, ==, f->cert->name);
		g_assert_cmpmem(a->request_id, 32, f->appr->request_id, 32);
	}
}

/* A file name with every awkward byte keeps its meaning and cannot break the format. */
static void
test_hostile_strings(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutRequest) q = fut_request_dup(f->req);
	g_autoptr(FutRequest) back = NULL;
	g_autofree gchar *text = NULL;
	const gchar *name = " \n-----END FUTARI REQUEST-----\nsignature: x\r%41\xff\u202Egpj.exe ";

	g_free(q->file_name);
	q->file_name = g_strdup(name);
	g_free(q->reason);
	q->reason = g_strdup("reason: fake\nhost: evil");
	g_assert_true(fut_request_sign(q, f->host, &error));
	text = fut_request_to_text(q, &error);
	g_assert_no_error(error);
	back = fut_request_parse(text, strlen(text), &error);
	g_assert_no_error(error);
	g_assert_cmpstr(back->file_name, ==, name);
	g_assert_cmpstr(back->reason, ==, "reason: fake\nhost: evil");
	g_assert_cmpstr(back->host, ==, "pc-test-only-01");
	g_assert_true(fut_request_verify(back, &error));
}

/* CRLF throughout (a mail client) reads the same and gives the same request id. */
static void
test_crlf(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) crlf = g_string_new(NULL);
	g_autoptr(FutRequest) q = NULL;
	g_autofree gchar *id1 = fut_request_dup_id_string(f->req);
	g_autofree gchar *id2 = NULL;

	for (const gchar *p = f->text[OBJ_REQUEST]; *p; p++) {
		if (*p == '\n')
			g_string_append_c(crlf, '\r');
		g_string_append_c(crlf, *p);
	}
	q = fut_request_parse(crlf->str, crlf->len, &error);
	g_assert_no_error(error);
	g_assert_true(fut_request_verify(q, &error));
	id2 = fut_request_dup_id_string(q);
	g_assert_cmpstr(id1, ==, id2);
	g_assert_cmpuint(strlen(id1), ==, 64);
}

/* --- refusals by editing the text --------------------------------------------------- */

typedef struct {
	const gchar *name;
	ObjType type;
	/* Replace the first occurrence of @find by @replace (NULL @find: append @replace). */
	const gchar *find;
	const gchar *replace;
	gint code;
	const gchar *message_part;
} Edit;

#define LONG_1025                                                                                  \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static const Edit edits[] = {
    {"trailing-data", OBJ_REQUEST, NULL, "more\n", FUT_ERROR_INVALID_DATA, "trailing data"},
    {"field-after-signature", OBJ_REQUEST, "-----END", "uid: 1\n-----END", FUT_ERROR_INVALID_DATA,
     "trailing field"},
    {"duplicate-field", OBJ_REQUEST, "uid: 1001\n", "uid: 1001\nuid: 1001\n",
     FUT_ERROR_INVALID_DATA, "duplicate field 'uid'"},
    {"unknown-field", OBJ_REQUEST, "uid: 1001\n", "uid: 1001\ncolour: red\n",
     FUT_ERROR_INVALID_DATA, "unknown field 'colour'"},
    {"out-of-order", OBJ_REQUEST, "requester: bob\nuid: 1001\n", "uid: 1001\nrequester: bob\n",
     FUT_ERROR_INVALID_DATA, "out of order"},
    {"missing-field", OBJ_REQUEST, "uid: 1001\n", "", FUT_ERROR_INVALID_DATA, "expected 'uid'"},
    {"upload-field-in-usb", OBJ_REQUEST, "usb-label: TEST ONLY\n",
     "usb-label: TEST ONLY\nupload-host: x\n", FUT_ERROR_INVALID_DATA, "out of order"},
    {"oversized-file-name", OBJ_REQUEST, "file: ", "file: " LONG_1025, FUT_ERROR_TOO_LARGE,
     "limit of 1024"},
    {"oversized-host", OBJ_REQUEST, "host: ", "host: " LONG_1025, FUT_ERROR_TOO_LARGE,
     "longer than 256"},
    {"non-utf8", OBJ_REQUEST, "TEST ONLY\n", "TEST \xff ONLY\n", FUT_ERROR_INVALID_DATA, "UTF-8"},
    {"raw-control", OBJ_REQUEST, "TEST ONLY\n", "TEST \x01 ONLY\n", FUT_ERROR_INVALID_DATA,
     "control character"},
    {"non-canonical-escape", OBJ_REQUEST, "TEST ONLY\n", "TEST%20ONLY\n", FUT_ERROR_INVALID_DATA,
     "non-canonical"},
    {"lower-case-escape", OBJ_REQUEST, "TEST ONLY\n", "TEST%0aONLY\n", FUT_ERROR_INVALID_DATA,
     "upper-case"},
    {"non-canonical-number", OBJ_REQUEST, "uid: 1001", "uid: 01001", FUT_ERROR_INVALID_DATA,
     "leading zeros"},
    {"uid-out-of-range", OBJ_REQUEST, "uid: 1001", "uid: 4294967295", FUT_ERROR_TOO_LARGE,
     "larger"},
    {"upper-case-hex", OBJ_REQUEST, "nonce: a0", "nonce: A0", FUT_ERROR_INVALID_DATA, "0-9"},
    {"bad-time", OBJ_REQUEST, "created: 2026-11-26T08:50:00Z", "created: 2026-11-26 08:50:00",
     FUT_ERROR_INVALID_DATA, "UTC time"},
    {"bad-class", OBJ_REQUEST, "class: II\n", "class: IV\n", FUT_ERROR_INVALID_DATA,
     "I, II or III"},
    {"bad-channel", OBJ_REQUEST, "channel: usb", "channel: mail", FUT_ERROR_INVALID_DATA,
     "usb or upload"},
    {"empty-reason", OBJ_REQUEST, "reason: 会議資料 TEST ONLY\n", "reason:\n",
     FUT_ERROR_INVALID_DATA, "must not be empty"},
    {"value-trailing-space", OBJ_REQUEST, "uid: 1001\n", "uid: 1001 \n", FUT_ERROR_INVALID_DATA,
     "decimal"},
    {"key-without-space", OBJ_REQUEST, "uid: 1001\n", "uid:1001\n", FUT_ERROR_INVALID_DATA,
     "followed by"},
    {"wrong-version", OBJ_REQUEST, "version: 1\n", "version: 2\n", FUT_ERROR_INVALID_DATA,
     "version"},
    {"mixed-line-endings", OBJ_REQUEST, "uid: 1001\n", "uid: 1001\r\n", FUT_ERROR_INVALID_DATA,
     "mixed line endings"},
    {"signature-missing", OBJ_REQUEST, "signature: ", "x-signature: ", FUT_ERROR_INVALID_DATA,
     "unknown field"},
    {"signature-not-canonical-b64", OBJ_REQUEST, "==\n-----END", "=A\n-----END",
     FUT_ERROR_INVALID_DATA, "base64"},
    {"signature-short", OBJ_REQUEST, "==\n-----END", "\n-----END", FUT_ERROR_INVALID_DATA,
     "base64"},
    {"approval-bad-decision", OBJ_APPROVAL, "decision: approve", "decision: maybe",
     FUT_ERROR_INVALID_DATA, "approve or reject"},
    {"usb-asset-empty", OBJ_REQUEST,
     "usb-vendor: ", "usb-asset:\nusb-vendor: ", FUT_ERROR_INVALID_DATA, "usb-asset"},
    {"usb-asset-after-vendor", OBJ_REQUEST, "usb-product: ",
     "usb-asset: CITY-USB-0001\nusb-product: ", FUT_ERROR_INVALID_DATA, "usb-asset"},
    {"usb-asset-control", OBJ_REQUEST, "usb-vendor: ", "usb-asset: CITY\x01USB\nusb-vendor: ",
     FUT_ERROR_INVALID_DATA, "control character"},
    {"approval-content-checked-garbage", OBJ_APPROVAL, "content-checked: yes",
     "content-checked: maybe", FUT_ERROR_INVALID_DATA, "yes or no"},
    {"approval-content-checked-case", OBJ_APPROVAL, "content-checked: yes", "content-checked: Yes",
     FUT_ERROR_INVALID_DATA, "yes or no"},
    {"approval-content-checked-empty", OBJ_APPROVAL, "content-checked: yes",
     "content-checked:", FUT_ERROR_INVALID_DATA, "yes or no"},
    {"approval-content-checked-duplicate", OBJ_APPROVAL, "content-checked: yes\n",
     "content-checked: yes\ncontent-checked: yes\n", FUT_ERROR_INVALID_DATA, "duplicate"},
    {"approval-content-checked-order", OBJ_APPROVAL,
     "comment: OK (TEST ONLY)\ncontent-checked: yes\n",
     "content-checked: yes\ncomment: OK (TEST ONLY)\n", FUT_ERROR_INVALID_DATA, "order"},
    /* Dropping the line or flipping it to "no" keeps the text well-formed; the signature
     * covers it, so neither verifies. */
    {"approval-content-checked-dropped", OBJ_APPROVAL, "content-checked: yes\n", "",
     FUT_ERROR_BAD_SIGNATURE, NULL},
    {"approval-content-checked-flipped", OBJ_APPROVAL, "content-checked: yes\n",
     "content-checked: no\n", FUT_ERROR_BAD_SIGNATURE, NULL},
    {"approval-no-certificate", OBJ_APPROVAL, "cert.version: 1\n", "", FUT_ERROR_INVALID_DATA,
     "certificate"},
    {"approval-cert-duplicate", OBJ_APPROVAL, "cert.roles: ",
     "cert.logins: alice alice.adm\ncert.roles: ", FUT_ERROR_INVALID_DATA, "duplicate field"},
    {"approval-cert-unknown", OBJ_APPROVAL,
     "cert.roles: ", "cert.colour: red\ncert.roles: ", FUT_ERROR_INVALID_DATA, "unknown field"},
    {"cert-duplicate-login", OBJ_CERT, "logins: alice alice.adm", "logins: alice alice.adm alice",
     FUT_ERROR_INVALID_DATA, "twice"},
    {"cert-double-space", OBJ_CERT, "logins: alice alice.adm", "logins: alice  alice.adm",
     FUT_ERROR_INVALID_DATA, "empty"},
    {"cert-bad-login", OBJ_CERT, "logins: alice", "logins: al%ice", FUT_ERROR_INVALID_DATA,
     "may hold only"},
    {"cert-class-order", OBJ_CERT, "classes: II", "classes: II I", FUT_ERROR_INVALID_DATA,
     "in this order"},
    {"cert-upper-role", OBJ_CERT, "roles: info-manager", "roles: Info-manager",
     FUT_ERROR_INVALID_DATA, "a role may hold only"},
    {"crl-unsorted", OBJ_CRL, "revoked: 1010101010101010\nrevoked: 2020202020202020\n",
     "revoked: 2020202020202020\nrevoked: 1010101010101010\n", FUT_ERROR_INVALID_DATA,
     "sorted and unique"},
    {"crl-duplicate-serial", OBJ_CRL, "revoked: 2020202020202020\n",
     "revoked: 2020202020202020\nrevoked: 2020202020202020\n", FUT_ERROR_INVALID_DATA,
     "sorted and unique"},
    {"crl-sequence", OBJ_CRL, "sequence: 3", "sequence: -3", FUT_ERROR_INVALID_DATA, "decimal"},
};

static void
test_edits(Fixture *f, gconstpointer data)
{
	for (guint i = 0; i < G_N_ELEMENTS(edits); i++) {
		const Edit *e = &edits[i];
		g_autoptr(GString) text = g_string_new(f->text[e->type]);
		g_autoptr(GError) error = NULL;

		if (e->find == NULL) {
			g_string_append(text, e->replace);
		} else {
			const gchar *at = strstr(text->str, e->find);
			if (at == NULL)
				g_error("%s: '%s' not found", e->name, e->find);
			gsize pos = (gsize)(at - text->str);
			g_string_erase(text, (gssize)pos, (gssize)strlen(e->find));
			g_string_insert(text, (gssize)pos, e->replace);
		}
		g_test_message("%s", e->name);
		g_assert_false(parse_and_verify(f, e->type, text->str, text->len, &error));
		g_assert_nonnull(error);
		g_test_message("  -> %s", error->message);
		if (e->message_part != NULL && strstr(error->message, e->message_part) == NULL)
			g_error("%s: message '%s' does not mention '%s'", e->name, error->message,
			        e->message_part);
		g_assert_null(strchr(error->message, '\n'));
		if (error->domain != FUT_ERROR || error->code != e->code)
			g_error("%s: error code %d, expected %d (%s)", e->name, error->code,
			        e->code, error->message);
	}
}

/* The host-key in base64 with unused bits set: decodes to the same bytes, so only the
 * canonical check stands between it and a second spelling of one request. */
static void
test_noncanonical_base64(Fixture *f, gconstpointer data)
{
	g_autoptr(GString) text = g_string_new(f->text[OBJ_REQUEST]);
	g_autoptr(GError) error = NULL;
	g_autoptr(FutRequest) q = NULL;
	gchar *at = strstr(text->str, "host-key: ");
	gchar *eq;

	g_assert_nonnull(at);
	eq = strchr(at, '=');
	g_assert_nonnull(eq);
	/* 32 bytes: 43 characters + '='; the last character carries 2 unused bits. */
	eq[-1] = eq[-1] == 'A' ? 'B' : (eq[-1] == 'B' ? 'C' : (gchar)(eq[-1] ^ 1));
	q = fut_request_parse(text->str, text->len, &error);
	g_assert_null(q);
	g_assert_nonnull(error);
}

/* Every single-bit change anywhere in the text is refused by the parser or by the
 * signature check: a forgery by bit flips in any field never verifies. */
static void
test_bit_flips(Fixture *f, gconstpointer data)
{
	for (ObjType t = 0; t < N_OBJ; t++) {
		const gchar *orig = f->text[t];
		gsize len = strlen(orig);
		g_autofree gchar *buf = g_strdup(orig);
		guint tried = 0;

		for (gsize i = 0; i < len; i++) {
			for (guint bit = 0; bit < 8; bit++) {
				g_autoptr(GError) error = NULL;
				buf[i] = (gchar)(orig[i] ^ (1 << bit));
				if (parse_and_verify(f, t, buf, len, &error))
					g_error("%s: flipping bit %u of byte %zu still verifies",
					        type_names[t], bit, i);
				g_assert_nonnull(error);
				tried++;
			}
			buf[i] = orig[i];
		}
		g_test_message("%s: %u flips refused", type_names[t], tried);
	}
}

/* Truncated at any byte: refused. */
static void
test_truncated(Fixture *f, gconstpointer data)
{
	for (ObjType t = 0; t < N_OBJ; t++) {
		gsize len = strlen(f->text[t]);
		/* Dropping the final newline alone is accepted (copy and paste does it). */
		for (gsize n = 0; n + 1 < len; n++) {
			g_autoptr(GError) error = NULL;
			if (parse_and_verify(f, t, f->text[t], n, &error))
				g_error("%s truncated to %zu bytes verifies", type_names[t], n);
			g_assert_nonnull(error);
		}
	}
}

/* An object of one type presented as another is named for what it is. */
static void
test_type_confusion(Fixture *f, gconstpointer data)
{
	static const gchar *const labels[] = {"REQUEST", "APPROVAL", "CERTIFICATE",
	                                      "REVOCATION LIST"};

	for (ObjType given = 0; given < N_OBJ; given++) {
		g_autofree gchar *label =
		    fut_token_peek_label(f->text[given], strlen(f->text[given]));
		g_assert_cmpstr(label, ==, labels[given]);
		for (ObjType as = 0; as < N_OBJ; as++) {
			g_autoptr(GError) error = NULL;
			g_autofree gchar *want = NULL;
			if (as == given)
				continue;
			g_assert_false(parse_and_verify(f, as, f->text[given],
			                                strlen(f->text[given]), &error));
			want = g_strdup_printf("this is a FUTARI %s, expected a FUTARI %s",
			                       labels[given], labels[as]);
			g_assert_cmpstr(error->message, ==, want);
		}
	}
	/* The same body relabelled: the domain string in the signed bytes tells them apart
	 * even if the envelope is changed. */
	{
		g_autoptr(GString) t = g_string_new(f->text[OBJ_CERT]);
		g_autoptr(GError) error = NULL;
		g_autoptr(FutCertificate) c = NULL;
		g_assert_true(fut_certificate_verify(f->cert, f->root, NULL));
		c = fut_certificate_dup(f->cert);
		/* a certificate signature moved onto a revocation list never verifies */
		{
			g_autoptr(FutRevocationList) l = fut_revocation_list_new();
			l->issued = fx_now();
			l->signature = c->signature;
			g_assert_false(fut_revocation_list_verify(l, f->root, &error));
		}
	}
}

static void
test_oversized_whole(Fixture *f, gconstpointer data)
{
	g_autoptr(GString) big = g_string_new(f->text[OBJ_REQUEST]);
	g_autoptr(GError) error = NULL;

	while (big->len <= FUT_REQUEST_TEXT_MAX)
		g_string_append(big, "padding padding padding\n");
	g_assert_null(fut_request_parse(big->str, big->len, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
}

/* The writer refuses what the parser would refuse: no object leaves that cannot be read. */
static void
test_writer_limits(Fixture *f, gconstpointer data)
{
	g_autoptr(FutRequest) q = fut_request_dup(f->req);
	g_autoptr(FutApproval) a = fut_approval_new();
	g_autoptr(FutKey) other = fx_key("approver carol");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;

	g_free(q->file_name);
	q->file_name = g_strnfill(FUT_TEXT_MAX + 1, 'x');
	g_assert_false(fut_request_sign(q, f->host, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE);
	g_clear_error(&error);

	g_free(q->file_name);
	q->file_name = g_strdup("ok");
	g_free(q->requester);
	q->requester = g_strdup("bob smith");
	g_assert_false(fut_request_sign(q, f->host, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_clear_error(&error);

	g_free(q->requester);
	q->requester = g_strdup("bob");
	q->expires = q->created;
	g_assert_false(fut_request_sign(q, f->host, &error));
	g_assert_nonnull(strstr(error->message, "not after"));
	g_clear_error(&error);

	q->expires = q->created + 60;
	g_free(q->destination.usb_serial);
	g_free(q->destination.usb_fs_uuid);
	q->destination.usb_serial = g_strdup("");
	q->destination.usb_fs_uuid = NULL;
	g_assert_false(fut_request_sign(q, f->host, &error));
	g_assert_nonnull(strstr(error->message, "serial or a filesystem UUID"));
	g_clear_error(&error);

	/* unsigned objects have no text form */
	text = fut_approval_to_text(a, &error);
	g_assert_null(text);
	g_clear_error(&error);

	/* an approval signed with a key that is not its certificate's */
	a->cert = fut_certificate_dup(f->cert);
	a->decision = FUT_DECISION_APPROVE;
	a->not_before = fx_now();
	a->not_after = fx_now() + 60;
	g_assert_false(fut_approval_sign(a, other, &error));
	g_assert_nonnull(strstr(error->message, "does not belong"));
	g_clear_error(&error);

	/* a verify-only key cannot sign */
	{
		g_autoptr(FutKey) pub = fut_key_dup_public(f->approver);
		g_assert_false(fut_approval_sign(a, pub, &error));
		g_assert_error(error, FUT_ERROR, FUT_ERROR_FAILED);
	}
}

static void
test_revocation_list(Fixture *f, gconstpointer data)
{
	g_autoptr(FutRevocationList) l = fut_revocation_list_new();
	guint8 s1[FUT_SERIAL_LEN], s2[FUT_SERIAL_LEN];
	g_autoptr(GError) error = NULL;

	g_assert_true(fut_serial_parse("0000000000000002", s2, &error));
	g_assert_true(fut_serial_parse("0000000000000001", s1, &error));
	g_assert_true(fut_revocation_list_add(l, s2));
	g_assert_true(fut_revocation_list_add(l, s1));
	g_assert_false(fut_revocation_list_add(l, s1));
	g_assert_true(fut_revocation_list_contains(l, s1));
	g_assert_cmpmem(l->serials->data, FUT_SERIAL_LEN, s1, FUT_SERIAL_LEN);
	g_assert_false(fut_serial_parse("00000000000000", s1, &error));
	g_assert_nonnull(strstr(error->message, "serial"));
	g_clear_error(&error);
	g_assert_false(fut_serial_parse("000000000000000G", s1, &error));
	g_assert_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA);
	g_clear_error(&error);
	/* an empty list is a valid list */
	g_array_set_size(l->serials, 0);
	l->issued = fx_now();
	g_assert_true(fut_revocation_list_sign(l, f->root, NULL));
	{
		g_autofree gchar *text = fut_revocation_list_to_text(l, NULL);
		g_autoptr(FutRevocationList) back =
		    fut_revocation_list_parse(text, strlen(text), &error);
		g_assert_no_error(error);
		g_assert_cmpuint(back->serials->len, ==, 0);
	}
}

/* The register's name of the stick (usb-asset) travels signed, before the device fields,
 * and is not part of the identity compared at redeem. */
static void
test_usb_asset(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutRequest) q = fut_request_dup(f->req);
	g_autoptr(FutRequest) back = NULL;
	g_autofree gchar *text = NULL;

	q->destination.usb_asset = g_strdup("CITY-USB-0001, 総務課");
	g_assert_true(fut_request_sign(q, f->host, &error));
	text = fut_request_to_text(q, &error);
	g_assert_no_error(error);
	g_assert_nonnull(strstr(text, "\nusb-asset: CITY-USB-0001, 総務課\nusb-vendor: "));
	back = fut_request_parse(text, strlen(text), &error);
	g_assert_no_error(error);
	g_assert_true(fut_request_verify(back, &error));
	g_assert_cmpstr(back->destination.usb_asset, ==, "CITY-USB-0001, 総務課");
	/* The identity of the device is what redeem compares; the name is for people. */
	g_assert_true(fut_destination_equal(&back->destination, &f->req->destination));
	/* Without the line the text is the one from before the field; the signature covers
	 * it, so it cannot be dropped or renamed. */
	g_assert_null(strstr(f->text[OBJ_REQUEST], "usb-asset"));
	{
		g_autoptr(GString) t = g_string_new(text);
		g_autoptr(FutRequest) r = NULL;
		g_string_replace(t, "CITY-USB-0001", "CITY-USB-0002", 1);
		r = fut_request_parse(t->str, t->len, NULL);
		g_assert_true(r == NULL || !fut_request_verify(r, NULL));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/token/roundtrip", test_roundtrip);
	ADD("/token/hostile-strings", test_hostile_strings);
	ADD("/token/crlf", test_crlf);
	ADD("/token/refused-edits", test_edits);
	ADD("/token/usb-asset", test_usb_asset);
	ADD("/token/non-canonical-base64", test_noncanonical_base64);
	ADD("/token/bit-flips", test_bit_flips);
	ADD("/token/truncated", test_truncated);
	ADD("/token/type-confusion", test_type_confusion);
	ADD("/token/oversized-object", test_oversized_whole);
	ADD("/token/writer-limits", test_writer_limits);
	ADD("/token/revocation-list", test_revocation_list);
	return g_test_run();
}
