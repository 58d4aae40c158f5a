/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "crypto.h"
#include "infoclass.h"

G_BEGIN_DECLS

/* The signed objects of the approval protocol (DESIGN.md §5, docs/formats.md):
 *
 *   FutCertificate     an approver's identity and rights, signed by the organisation root
 *   FutRevocationList  revoked certificate serials, signed by the organisation root
 *   FutRequest         an export request, made and signed by the agent with the host key
 *   FutApproval        an approver's decision on one request, with the approver's
 *                      certificate embedded, signed by the approver key
 *
 * Each is a plain struct the caller may fill, then _sign() (which checks every field
 * against the format's limits and stores the signature), then _to_text() for the armoured
 * text. _parse() is strict: it refuses anything that _to_text() would not write byte for
 * byte, and it does NOT check signatures: call _verify() (or fut_redeem_check()). Strings
 * are owned by the struct and freed by _free(); setting a field means g_free() of the old
 * value first. Free-text fields may hold any bytes except NUL (file names need not be
 * UTF-8); the text form escapes them (fields.h). Changing a field after _sign() makes
 * _verify() fail until signed again. */

/* --- limits (bytes of the decoded value unless said otherwise) ---------------------- */
#define FUT_CERT_TEXT_MAX       8192
#define FUT_REVOCATION_TEXT_MAX (64 * 1024)
#define FUT_REQUEST_TEXT_MAX    16384        /* version 1 */
#define FUT_REQUEST_V2_TEXT_MAX (160 * 1024) /* one agent reply (a socket packet) */
#define FUT_REQUEST_MAX_FILES   1000         /* files in one version-2 request */
#define FUT_REQUEST_PATH_DEPTH  17 /* parts of a version-2 file path: 16 folders, a name */
#define FUT_APPROVAL_TEXT_MAX   16384
#define FUT_TOKEN_MAX           64   /* staff id, login, role: one token of [A-Za-z0-9._@$+-] */
#define FUT_NAME_MAX            256  /* display name, host name, USB strings, upload host */
#define FUT_TEXT_MAX            1024 /* file name, program path, reason, comment */
#define FUT_EVIDENCE_MAX        512
#define FUT_CERT_MAX_LOGINS     16
#define FUT_CERT_MAX_ROLES      8
#define FUT_REVOCATION_MAX      2000 /* serials in one list */
#define FUT_SERIAL_LEN          8    /* bytes; 16 lower-case hex characters */
#define FUT_NONCE_LEN           16
#define FUT_REQUEST_ID_LEN      FUT_SHA256_LEN

/* The domain-separation strings: the signed bytes are this string, its terminating NUL,
 * then the exact body bytes before the "signature:" line. */
#define FUT_DOMAIN_CERTIFICATE "futari certificate v1"
#define FUT_DOMAIN_REVOCATION  "futari revocation list v1"
#define FUT_DOMAIN_REQUEST     "futari request v1"
#define FUT_DOMAIN_APPROVAL    "futari approval v1"
#define FUT_DOMAIN_REQUEST_ID  "futari request id v1"

/* Armour labels. */
#define FUT_LABEL_CERTIFICATE "CERTIFICATE"
#define FUT_LABEL_REVOCATION  "REVOCATION LIST"
#define FUT_LABEL_REQUEST     "REQUEST"
#define FUT_LABEL_APPROVAL    "APPROVAL"

/* FutClass (I, II, III) is in infoclass.h, shared with the classifier. */

/* "I", "II", "III"; NULL for anything else. Static strings. */
const gchar *fut_class_to_string(FutClass klass);
/* Returns FUT_CLASS_INVALID for anything but exactly "I", "II" or "III". */
FutClass fut_class_from_string(const gchar *s);

typedef enum {
	FUT_CHANNEL_INVALID = 0,
	FUT_CHANNEL_USB,
	FUT_CHANNEL_UPLOAD,
} FutChannel;

/* "usb", "upload"; NULL for anything else. */
const gchar *fut_channel_to_string(FutChannel channel);
FutChannel fut_channel_from_string(const gchar *s);

/* A signature as written on the last line: "signature: <key id hex> <base64>". */
typedef struct {
	gboolean present;
	guint8 key_id[FUT_KEY_ID_LEN];
	guint8 sig[FUT_ED25519_SIG_LEN];
} FutSignature;

/* Where a file goes. For USB every device string is what the agent read from the device
 * (empty string when the device has none); for upload the remote host and the program's
 * absolute path. The same struct describes the destination in a request and the device
 * attached now at redeem time; fut_destination_equal() compares them field by field,
 * byte for byte. */
typedef struct {
	FutChannel channel;
	/* The media register's name for the stick, "ASSET-ID, owner" (optional; for people:
	 * it is not part of the identity fut_destination_equal() compares). */
	gchar *usb_asset;
	gchar *usb_vendor;  /* e.g. "0781" */
	gchar *usb_product; /* e.g. "5581" */
	gchar *usb_serial;
	gchar *usb_fs_uuid;
	gchar *usb_label;
	gchar *upload_host;
	gchar *upload_program;
} FutDestination;

/* Frees the strings of @dest (not @dest itself) and zeroes it. */
void fut_destination_clear(FutDestination *dest);
/* Deep copy of @src into @dest (which must be cleared or zeroed). */
void fut_destination_copy(FutDestination *dest, const FutDestination *src);
/* TRUE when both have the same channel and the same strings for that channel (NULL and
 * "" are the same). */
gboolean fut_destination_equal(const FutDestination *a, const FutDestination *b);

/* --- certificate -------------------------------------------------------------------- */

typedef struct {
	guint8 serial[FUT_SERIAL_LEN];
	gchar *staff_id;   /* token */
	gchar *name;       /* display name, free text */
	GPtrArray *logins; /* of gchar*, tokens, 1 to FUT_CERT_MAX_LOGINS, no duplicates */
	GPtrArray *roles;  /* of gchar*, [a-z0-9-] tokens, 1 to FUT_CERT_MAX_ROLES */
	guint classes;     /* bit (1 << FutClass) per class the holder may approve */
	guint8 public_key[FUT_ED25519_PUBLIC_LEN];
	gint64 not_before;
	gint64 not_after;
	FutSignature signature; /* by the root key */
} FutCertificate;

/* Returns a new empty certificate with empty login and role arrays. */
FutCertificate *fut_certificate_new(void);
void fut_certificate_free(FutCertificate *cert);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutCertificate, fut_certificate_free)
/* Returns a deep copy. */
FutCertificate *fut_certificate_dup(const FutCertificate *cert);
/* Signs @cert with the root key @root (which must hold a private key). */
gboolean fut_certificate_sign(FutCertificate *cert, const FutKey *root, GError **error);
/* Returns the armoured text; NULL if the certificate is unsigned or a field breaks a
 * limit. Caller frees. */
gchar *fut_certificate_to_text(const FutCertificate *cert, GError **error);
/* Parses certificate text (syntax only). */
FutCertificate *fut_certificate_parse(const gchar *text, gsize len, GError **error);
/* TRUE if @cert carries a valid signature by @root. A certificate signed by another key
 * gives FUT_ERROR_BAD_SIGNATURE with a message saying it is from another root. Does not
 * look at validity times or revocation. */
gboolean fut_certificate_verify(const FutCertificate *cert, const FutKey *root, GError **error);
/* Returns a verify-only key for the certificate's public key, or NULL if invalid. */
FutKey *fut_certificate_get_key(const FutCertificate *cert, GError **error);
gboolean fut_certificate_has_login(const FutCertificate *cert, const gchar *login);
gboolean fut_certificate_has_role(const FutCertificate *cert, const gchar *role);
gboolean fut_certificate_may_approve(const FutCertificate *cert, FutClass klass);
/* One person is one approver (docs/formats.md §8 rule 19): TRUE when @a and @b share a
 * key, have staff ids equal without regard to ASCII case, or have a login in common
 * (ASCII case ignored, as logins are compared for self-approval). @ret_why (may be NULL)
 * receives what they share ("the key", "the staff id", "the login"). */
gboolean fut_certificate_same_person(const FutCertificate *a,
                                     const FutCertificate *b,
                                     const gchar **ret_why);
/* Returns the serial as 16 lower-case hex characters. Caller frees. */
gchar *fut_certificate_dup_serial_string(const FutCertificate *cert);

/* --- revocation list ---------------------------------------------------------------- */

typedef struct {
	guint64 sequence; /* grows with each list the root issues */
	gint64 issued;
	GArray *serials; /* of guint8[FUT_SERIAL_LEN], kept sorted, no duplicates */
	FutSignature signature;
} FutRevocationList;

FutRevocationList *fut_revocation_list_new(void);
void fut_revocation_list_free(FutRevocationList *crl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutRevocationList, fut_revocation_list_free)
/* Adds @serial (keeping the list sorted); FALSE if already present. */
gboolean fut_revocation_list_add(FutRevocationList *crl, const guint8 serial[FUT_SERIAL_LEN]);
gboolean fut_revocation_list_contains(const FutRevocationList *crl,
                                      const guint8 serial[FUT_SERIAL_LEN]);
gboolean fut_revocation_list_sign(FutRevocationList *crl, const FutKey *root, GError **error);
gchar *fut_revocation_list_to_text(const FutRevocationList *crl, GError **error);
FutRevocationList *fut_revocation_list_parse(const gchar *text, gsize len, GError **error);
gboolean
fut_revocation_list_verify(const FutRevocationList *crl, const FutKey *root, GError **error);
/* Parses a serial of 16 lower-case hex characters. */
gboolean fut_serial_parse(const gchar *s, guint8 ret_serial[FUT_SERIAL_LEN], GError **error);

/* --- request ------------------------------------------------------------------------ */

/* One file of a version-2 request (issue 18: one request for a folder's Class I/II files). */
typedef struct {
	gchar *path; /* on the stick: its folders and name joined by '/', each a safe name */
	guint64 size;
	guint8 sha256[FUT_SHA256_LEN];
	FutClass klass; /* I or II */
} FutRequestFile;

/* Version 1 names one file (file_name, size, sha256, klass, class_evidence); version 2
 * names 1 to FUT_REQUEST_MAX_FILES (@files), @klass being the highest of theirs, and leaves
 * file_name, size, sha256 and class_evidence unused. */
typedef struct {
	guint version;                           /* 1 or 2; 0 is written as 1 */
	gchar *host;                             /* host name, free text */
	guint8 host_key[FUT_ED25519_PUBLIC_LEN]; /* set by fut_request_sign() */
	gchar *requester;                        /* login, token */
	guint32 uid;
	FutDestination destination; /* its channel is the request's channel */
	gchar *file_name;           /* free text, need not be UTF-8 */
	guint64 size;
	guint8 sha256[FUT_SHA256_LEN];
	FutClass klass;
	gchar *class_evidence; /* the classifier's short reason */
	gchar *reason;         /* the requester's reason, non-empty */
	gint64 created;
	gint64 expires; /* after created */
	guint8 nonce[FUT_NONCE_LEN];
	GPtrArray *files;       /* version 2: of FutRequestFile, owned; NULL otherwise */
	FutSignature signature; /* by the host key */
} FutRequest;

/* Returns a new empty request (version 1). */
FutRequest *fut_request_new(void);
void fut_request_free(FutRequest *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutRequest, fut_request_free)
FutRequest *fut_request_dup(const FutRequest *req);
/* Fills the nonce from the CSPRNG. */
gboolean fut_request_set_random_nonce(FutRequest *req, GError **error);
/* Stores @host_key's public key in the request and signs it with @host_key. */
gboolean fut_request_sign(FutRequest *req, const FutKey *host_key, GError **error);
gchar *fut_request_to_text(const FutRequest *req, GError **error);
FutRequest *fut_request_parse(const gchar *text, gsize len, GError **error);
/* TRUE if the request's signature is valid for the host key it names. */
gboolean fut_request_verify(const FutRequest *req, GError **error);
/* Makes @req a version-2 request (if it is not yet) and appends a file to it. */
void fut_request_add_file(FutRequest *req,
                          const gchar *path,
                          guint64 size,
                          const guint8 sha256[FUT_SHA256_LEN],
                          FutClass klass);
/* How many files the request names: 1 for version 1. */
guint fut_request_n_files(const FutRequest *req);
/* TRUE if @path is a path a version-2 request may name: 1 to FUT_REQUEST_PATH_DEPTH parts
 * joined by single '/', each a name the agent writes as it is (UTF-8, at most 255 bytes,
 * not "." or "..", no control or format character, none of " * : < > ? \ |, no leading
 * space, no trailing dot or space), at most FUT_TEXT_MAX bytes in all. Else FALSE with a
 * one-line reason. */
gboolean fut_request_path_check(const gchar *path, GError **error);
/* The request id: SHA-256(FUT_DOMAIN_REQUEST_ID NUL || body bytes through the end of the
 * signature line). The request must be signed. It is the same for a CRLF copy. */
gboolean
fut_request_get_id(const FutRequest *req, guint8 ret_id[FUT_REQUEST_ID_LEN], GError **error);
/* Returns the request id as 64 lower-case hex characters, or NULL if unsigned. */
gchar *fut_request_dup_id_string(const FutRequest *req);

/* --- approval ----------------------------------------------------------------------- */

typedef enum {
	FUT_DECISION_INVALID = 0,
	FUT_DECISION_APPROVE,
	FUT_DECISION_REJECT,
} FutDecision;

const gchar *fut_decision_to_string(FutDecision decision);
FutDecision fut_decision_from_string(const gchar *s);

/* Whether the approver checked the file's content against the request before deciding
 * (field content-checked, docs/formats.md §6.4). Approvals made before the field existed
 * carry none: UNRECORDED. */
typedef enum {
	FUT_CONTENT_CHECK_UNRECORDED = 0,
	FUT_CONTENT_CHECK_YES,
	FUT_CONTENT_CHECK_NO,
} FutContentCheck;

/* "yes", "no", or NULL for UNRECORDED and invalid values. */
const gchar *fut_content_check_to_string(FutContentCheck check);

typedef struct {
	guint8 request_id[FUT_REQUEST_ID_LEN];
	FutDecision decision;
	gint64 not_before;
	gint64 not_after; /* after not_before */
	gchar *comment;   /* free text, may be empty */
	FutContentCheck content_checked;
	FutCertificate *cert;   /* the approver's certificate, owned */
	FutSignature signature; /* by the key in @cert */
} FutApproval;

FutApproval *fut_approval_new(void);
void fut_approval_free(FutApproval *appr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutApproval, fut_approval_free)
/* Signs with @approver_key, which must be the key of @appr->cert (checked). */
gboolean fut_approval_sign(FutApproval *appr, const FutKey *approver_key, GError **error);
gchar *fut_approval_to_text(const FutApproval *appr, GError **error);
FutApproval *fut_approval_parse(const gchar *text, gsize len, GError **error);
/* TRUE if the approval's signature is valid for the key in its certificate. Does not
 * check the certificate itself (fut_certificate_verify, fut_redeem_check). */
gboolean fut_approval_verify(const FutApproval *appr, GError **error);

/* Returns the armour label of @text ("REQUEST", ...) or NULL: lets a program say "this is
 * an APPROVAL, not a REQUEST" before parsing. Caller frees. */
gchar *fut_token_peek_label(const gchar *text, gsize len);

G_END_DECLS
