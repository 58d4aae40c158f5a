/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "crypto.h"

G_BEGIN_DECLS

/* The record schema of the egress log (docs/log-format.md is the specification).
 *
 * A FutLogEvent is what a caller says happened: built with the setters below, which escape
 * every untrusted string with fut_strescape() so the stored text never holds a control
 * character, an invalid UTF-8 sequence or a bidirectional override. A FutLogRecord is an
 * event placed in the chain: sequence number, time, host, previous hash and its own hash.
 * The bytes that are hashed are the canonical encoding of fut_log_record_encode(). */

#define FUT_LOG_LINE_MAX      (64 * 1024) /* bytes of one record line, LF excluded */
#define FUT_LOG_STRING_MAX    2048        /* bytes of one escaped string value */
#define FUT_LOG_APPROVERS_MAX 16
#define FUT_LOG_DETAIL_MAX    32
#define FUT_LOG_INT_ABSENT    (-1) /* an integer field that is not set */

/* The event vocabulary (docs/log-format.md says what each one carries). */
#define FUT_LOG_EV_AGENT_START       "agent.start"
#define FUT_LOG_EV_AGENT_STOP        "agent.stop"
#define FUT_LOG_EV_AGENT_RELOAD      "agent.reload"
#define FUT_LOG_EV_GAP               "gap"
#define FUT_LOG_EV_DEVICE_ATTACH     "device.attach"
#define FUT_LOG_EV_DEVICE_DETACH     "device.detach"
#define FUT_LOG_EV_DEVICE_SUSPICIOUS "device.suspicious"
#define FUT_LOG_EV_EXPORT_REQUESTED  "export.requested"
#define FUT_LOG_EV_EXPORT_WRITTEN    "export.written"
#define FUT_LOG_EV_EXPORT_REFUSED    "export.refused"
#define FUT_LOG_EV_EXPORT_FAILED     "export.failed"
#define FUT_LOG_EV_APPROVAL_REFUSED  "approval.refused"
#define FUT_LOG_EV_REDEEM_ACCEPTED   "redeem.accepted"
#define FUT_LOG_EV_CRL_REFUSED       "revocation.refused"
#define FUT_LOG_EV_UPLOAD_DENIED     "upload.denied"
#define FUT_LOG_EV_UPLOAD_ALLOWED    "upload.allowed"
#define FUT_LOG_EV_UPLOAD_OBSERVED   "upload.observed"
#define FUT_LOG_EV_LABEL_CHANGED     "label.changed"
#define FUT_LOG_EV_CHECKPOINT        "checkpoint"

/* Gap kinds (the "kind" detail of a gap record). */
#define FUT_LOG_GAP_UNCLEAN_STOP   "unclean-stop"
#define FUT_LOG_GAP_QUEUE_OVERFLOW "queue-overflow"
#define FUT_LOG_GAP_TORN_TAIL      "torn-tail"
#define FUT_LOG_GAP_CLOCK_JUMP     "clock-jump"

/* Decisions. */
#define FUT_LOG_DECISION_ALLOW "allow"
#define FUT_LOG_DECISION_DENY  "deny"

/* Who did it: the process and the person behind it. Integers FUT_LOG_INT_ABSENT when
 * unknown; strings NULL when unknown. */
typedef struct {
	gint64 uid;
	gchar *login;
	gint64 loginuid;
	gint64 pid;
	gchar *exe;
} FutLogSubject;

/* What: the file. @klass is "I", "II" or "III" (policy 2.2.1), NULL when not classified. */
typedef struct {
	gchar *path;
	gint64 size;
	gchar *sha256; /* 64 lower-case hex characters */
	gchar *klass;
} FutLogObject;

/* Where to: a USB medium (@kind "usb": vid, pid, serial, fs_uuid, label, asset) or an
 * upload (@kind "upload": host, program). Device events name their device here too. */
typedef struct {
	gchar *kind;
	gchar *vid;
	gchar *pid;
	gchar *serial;
	gchar *fs_uuid;
	gchar *label;
	gchar *asset;
	gchar *host;
	gchar *program;
} FutLogDestination;

/* One extra field: a string or a non-negative integer. */
typedef struct {
	gchar *key;
	gchar *str; /* NULL for an integer */
	gint64 num;
} FutLogDetail;

typedef struct {
	gchar *event;
	FutLogSubject subject;
	FutLogObject object;
	FutLogDestination destination;
	gchar *decision;
	gchar *reason;
	gchar *request;
	GPtrArray *approvers; /* of gchar*, escaped */
	GPtrArray *detail;    /* of FutLogDetail*, kept sorted by key */
} FutLogEvent;

/* Returns a new event named @event (one of FUT_LOG_EV_*, or any name of lower-case
 * letters, digits, '-' and '.'; a bad name is a programming error: NULL with a critical).
 * Caller frees with fut_log_event_free(). */
FutLogEvent *fut_log_event_new(const gchar *event);
/* Returns a new gap event of @kind (FUT_LOG_GAP_*), with @reason (may be NULL). */
FutLogEvent *fut_log_event_new_gap(const gchar *kind, const gchar *reason);
FutLogEvent *fut_log_event_copy(const FutLogEvent *ev);
void fut_log_event_free(FutLogEvent *ev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutLogEvent, fut_log_event_free)

/* The setters copy and escape their strings; NULL and FUT_LOG_INT_ABSENT leave a field
 * unset. They cannot fail: an over-long string is cut at a character boundary and marked
 * with "…", so the record is still written. */
void fut_log_event_set_subject(
    FutLogEvent *ev, gint64 uid, const gchar *login, gint64 loginuid, gint64 pid, const gchar *exe);
/* @sha256_hex must be 64 lower-case hex characters or NULL; @klass "I", "II", "III" or NULL. */
void fut_log_event_set_object(
    FutLogEvent *ev, const gchar *path, gint64 size, const gchar *sha256_hex, const gchar *klass);
void fut_log_event_set_usb(FutLogEvent *ev,
                           const gchar *vid,
                           const gchar *pid,
                           const gchar *serial,
                           const gchar *fs_uuid,
                           const gchar *label,
                           const gchar *asset);
void fut_log_event_set_upload(FutLogEvent *ev, const gchar *host, const gchar *program);
/* @decision is FUT_LOG_DECISION_ALLOW or _DENY (or NULL); @reason is free text. */
void fut_log_event_set_decision(FutLogEvent *ev, const gchar *decision, const gchar *reason);
void fut_log_event_set_request(FutLogEvent *ev, const gchar *request_id);
/* Adds an approver id (certificate serial or staff id); at most FUT_LOG_APPROVERS_MAX. */
void fut_log_event_add_approver(FutLogEvent *ev, const gchar *approver_id);
/* Sets an extra field. @key is 1-32 characters of [a-z0-9_]; setting a key again replaces
 * it; at most FUT_LOG_DETAIL_MAX keys (more is a programming error). */
void fut_log_event_set_detail(FutLogEvent *ev, const gchar *key, const gchar *value);
void fut_log_event_set_detail_int(FutLogEvent *ev, const gchar *key, gint64 value);
/* Returns the detail entry @key, or NULL. Owned by @ev. */
const FutLogDetail *fut_log_event_get_detail(const FutLogEvent *ev, const gchar *key);
/* Returns the string detail @key, or NULL when absent or an integer. Owned by @ev. */
const gchar *fut_log_event_get_detail_str(const FutLogEvent *ev, const gchar *key);
/* TRUE when @event is in the documented vocabulary. */
gboolean fut_log_event_name_is_known(const gchar *event);

typedef struct {
	gint64 seq;
	gint64 time_us; /* microseconds since the epoch, UTC */
	gchar *host;
	FutLogEvent *ev;
	guint8 prev[FUT_SHA256_LEN];
	guint8 hash[FUT_SHA256_LEN];
} FutLogRecord;

void fut_log_record_free(FutLogRecord *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutLogRecord, fut_log_record_free)

/* Returns the canonical line of @rec (without LF) and sets @rec->hash from it: the hash is
 * SHA-256 of the canonical encoding without the "hash" member. Caller frees. */
gchar *fut_log_record_encode(FutLogRecord *rec, gsize *ret_len);

/* Parses one line (@len bytes, no LF). Refuses anything that is not exactly the canonical
 * encoding of a record with a correct own hash: the error says which (FUT_ERROR_INVALID_DATA,
 * or FUT_ERROR_BAD_SIGNATURE for a hash that does not match the content). Caller frees. */
FutLogRecord *fut_log_record_parse(const gchar *line, gsize len, GError **error);
/* The same checks and refusals, for a reader that needs only the chain: the record keeps seq,
 * time, host, prev, hash, the event name, the subject's and object's integers, the object's
 * sha256 and class, the decision and the detail; the other strings (login, exe, path,
 * destination, reason, request, approvers) are checked and not kept. Caller frees. */
FutLogRecord *fut_log_record_parse_lean(const gchar *line, gsize len, GError **error);

/* Holds one record read by fut_log_record_parse_view(): its strings, event and detail entries,
 * reused from one read to the next (no allocation per record). */
typedef struct _FutLogRecordArena FutLogRecordArena;
FutLogRecordArena *fut_log_record_arena_new(void);
void fut_log_record_arena_free(FutLogRecordArena *arena);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutLogRecordArena, fut_log_record_arena_free)
/* The same checks and refusals as fut_log_record_parse() (@lean: as
 * fut_log_record_parse_lean()), the record read into @arena: it is owned by @arena and valid
 * until the next read into it. Never pass it to fut_log_record_free(); copy what must stay
 * (fut_log_event_copy()). */
const FutLogRecord *fut_log_record_parse_view(
    FutLogRecordArena *arena, const gchar *line, gsize len, gboolean lean, GError **error);

/* RFC 3339 UTC with microseconds: "2026-11-26T09:00:00.000000Z". Caller frees. */
gchar *fut_log_time_format(gint64 time_us);
#define FUT_LOG_TIME_LEN 27 /* characters of a formatted time */
/* The same into @ret (FUT_LOG_TIME_LEN + 1 bytes with the NUL), without an allocation. */
void fut_log_time_format_buf(gint64 time_us, gchar ret[FUT_LOG_TIME_LEN + 1]);
gboolean fut_log_time_parse(const gchar *s, gint64 *ret_time_us, GError **error);
/* Writes "YYYY-MM" of @time_us (UTC) to @ret_month (8 bytes with NUL). */
void fut_log_time_month(gint64 time_us, gchar ret_month[8]);

/* --- checkpoints ----------------------------------------------------------------------- */

/* A signed statement by the host key: "the month @month of host @host holds @size records
 * with tree head @root; the chain's last record is @last_seq with hash @last_hash". It is
 * written into the log as a "checkpoint" record and handed to forwarders as a witness. */
typedef struct {
	gchar *host;
	gchar month[8];
	guint64 size;
	guint8 root[FUT_SHA256_LEN];
	gint64 last_seq; /* -1 when the chain is empty */
	guint8 last_hash[FUT_SHA256_LEN];
	gint64 time_us;
	guint8 key_id[FUT_KEY_ID_LEN];
	guint8 pub[FUT_ED25519_PUBLIC_LEN];
	guint8 sig[FUT_ED25519_SIG_LEN];
} FutLogCheckpoint;

void fut_log_checkpoint_free(FutLogCheckpoint *cp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutLogCheckpoint, fut_log_checkpoint_free)
FutLogCheckpoint *fut_log_checkpoint_copy(const FutLogCheckpoint *cp);

/* Returns the exact bytes the signature covers (domain-separated text). Caller frees. */
gchar *fut_log_checkpoint_signed_text(const FutLogCheckpoint *cp, gsize *ret_len);
/* Fills @cp->key_id, @cp->pub and @cp->sig by signing with @key. */
gboolean fut_log_checkpoint_sign(FutLogCheckpoint *cp, const FutKey *key, GError **error);
/* TRUE when @cp->sig is valid for @cp->pub and @cp->key_id matches @cp->pub. */
gboolean fut_log_checkpoint_verify(const FutLogCheckpoint *cp, GError **error);
/* Returns the checkpoint carried by the checkpoint record @rec, or NULL with a reason. */
FutLogCheckpoint *fut_log_checkpoint_from_record(const FutLogRecord *rec, GError **error);
/* Returns the witness line of @cp (one canonical JSON object, no LF). Caller frees. */
gchar *fut_log_checkpoint_to_witness(const FutLogCheckpoint *cp);
/* Parses a witness line (strict and canonical, as written by fut_log_checkpoint_to_witness);
 * the signature is not checked here. Caller frees. */
FutLogCheckpoint *fut_log_checkpoint_from_witness(const gchar *line, gsize len, GError **error);

G_END_DECLS
