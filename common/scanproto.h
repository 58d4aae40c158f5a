/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "classify.h"

G_BEGIN_DECLS

/* The wire protocol between futarid and its content-parser workers (futari-scan-worker),
 * over an AF_UNIX SOCK_SEQPACKET socketpair: one message is one record, so a record is
 * read whole or refused (a message longer than the buffer is truncated and refused).
 * Integers are in host byte order (both ends are on one host).
 *
 *   agent -> worker, once:  config  "FSC1" u32 len, then @len bytes of GKeyFile text
 *                                   (the [classify] group), len <= FUT_SCAN_CONFIG_MAX
 *   worker -> agent, once:  ready   "FSR1" u32 0  (sandbox in place, classifier built)
 *   agent -> worker:        request FutScanRequest, with exactly one descriptor
 *                                   (SCM_RIGHTS): the file, opened read-only
 *   worker -> agent:        reply   FutScanReplyHeader, then the body (below)
 *
 * Reply body: u8 class (1 I, 2 II, 3 III), u8 0, u16 evidence count, u64 size, then per
 * evidence: u8 class (0 informational, 1..3), u8 rule length, u16 description length,
 * u64 count, the rule, the description. Nothing may follow.
 *
 * The worker has parsed hostile input by the time it answers, so the agent treats its reply
 * as hostile too: fut_scan_reply_parse() refuses anything out of shape with a one-line
 * reason, and the caller turns a refusal into Class II. */

#define FUT_SCAN_MAGIC_CONFIG  0x31435346u /* "FSC1" */
#define FUT_SCAN_MAGIC_READY   0x31525346u /* "FSR1" */
#define FUT_SCAN_MAGIC_REQUEST 0x31515346u /* "FSQ1" */
#define FUT_SCAN_MAGIC_REPLY   0x31505346u /* "FSP1" */

#define FUT_SCAN_CONFIG_MAX      (256 * 1024)
#define FUT_SCAN_REPLY_MAX       (64 * 1024) /* a whole reply message, header included */
#define FUT_SCAN_EVIDENCE_MAX    128
#define FUT_SCAN_RULE_MAX        32
#define FUT_SCAN_DESCRIPTION_MAX 1024

typedef struct {
	guint32 magic; /* FUT_SCAN_MAGIC_CONFIG */
	guint32 len;
} FutScanConfigHeader;

typedef struct {
	guint32 magic; /* FUT_SCAN_MAGIC_REQUEST */
	guint32 flags; /* 0: nothing else is asked for (reserved) */
	guint64 id;    /* echoed in the reply */
} FutScanRequest;

typedef struct {
	guint32 magic; /* FUT_SCAN_MAGIC_REPLY */
	guint32 body_len;
	guint64 id;
} FutScanReplyHeader;

/* An empty classification (class NONE, no evidence) whose evidence array frees its items,
 * and a way to add one: for results made outside the classifier. */
FutClassification *fut_scan_classification_new(void);
void fut_scan_evidence_add(FutClassification *c,
                           const gchar *rule,
                           FutClass klass,
                           guint64 count,
                           const gchar *description);

/* Rules only the agent may give (the worker sees content only). */
gboolean fut_scan_rule_is_agent_only(const gchar *rule);

/* Serialises the content part of @c (class, size, evidence) as a whole reply message for
 * request @id. Evidence goes strictest first; what does not fit FUT_SCAN_EVIDENCE_MAX or
 * FUT_SCAN_REPLY_MAX is left out (never stricter than what is sent) and text beyond the
 * length limits is cut (staying valid UTF-8), so the result always parses. Caller frees. */
GBytes *fut_scan_reply_build(const FutClassification *c, guint64 id);

/* Parses a whole reply message (@len bytes) that must answer request @id. Refuses a short
 * or long message, a wrong magic or id, a body length that is not the rest of the message,
 * a class out of range, a class that is not the strictest of the evidence, too many
 * evidence items, a rule that is not [a-z0-9-]+ or is an agent-only rule, a description
 * that is not valid UTF-8 or holds a control character, and trailing bytes. Returns a
 * classification (has_digest FALSE, label NONE) or NULL with a one-line reason. */
FutClassification *fut_scan_reply_parse(const guint8 *data, gsize len, guint64 id, GError **error);

G_END_DECLS
