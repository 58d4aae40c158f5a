/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "content.h"

G_BEGIN_DECLS

/* The wire protocol between futarid and its content-parser workers (futari-scan-worker),
 * over an AF_UNIX SOCK_SEQPACKET socketpair: one message is one record, so a record is
 * read whole or refused (a message longer than the buffer is truncated, and refused).
 * Integers are in host byte order (both ends are on one host).
 *
 *   agent -> worker, once:  config  FutScanConfigHeader, then @len bytes of GKeyFile text
 *                                   (the [classify] group), len <= FUT_SCAN_CONFIG_MAX
 *   worker -> agent, once:  ready   u32 FUT_SCAN_MAGIC_READY, u32 1 under Landlock or 0
 *                                   without (sandbox in place, content configuration built)
 *   agent -> worker:        request FutScanRequest, with exactly one descriptor
 *                                   (SCM_RIGHTS): the file, opened read-only
 *   worker -> agent:        reply   FutScanReplyHeader, then the content result as
 *                                   fut_content_result_to_json() writes it (content.h)
 *
 * The worker has parsed hostile input by the time it answers, so the agent treats its reply
 * as hostile too: fut_scan_reply_parse() refuses anything out of shape with a one-line
 * reason, and the caller turns a refusal into Class II. */

#define FUT_SCAN_MAGIC_CONFIG  0x31435346u /* "FSC1" */
#define FUT_SCAN_MAGIC_READY   0x31525346u /* "FSR1" */
#define FUT_SCAN_MAGIC_REQUEST 0x31515346u /* "FSQ1" */
#define FUT_SCAN_MAGIC_REPLY   0x31505346u /* "FSP1" */

#define FUT_SCAN_CONFIG_MAX (256 * 1024)
/* a whole reply message, header included */
#define FUT_SCAN_REPLY_MAX  (FUT_CONTENT_RESULT_MAX + 16)

typedef struct {
	guint32 magic; /* FUT_SCAN_MAGIC_CONFIG */
	guint32 len;
} FutScanConfigHeader;

typedef struct {
	guint32 magic; /* FUT_SCAN_MAGIC_REQUEST */
	guint32 flags; /* 0 (reserved) */
	guint64 id;    /* echoed in the reply */
} FutScanRequest;

typedef struct {
	guint32 magic; /* FUT_SCAN_MAGIC_REPLY */
	guint32 body_len;
	guint64 id;
} FutScanReplyHeader;

/* Rules only the agent gives (the worker sees content only). */
gboolean fut_scan_rule_is_agent_only(const gchar *rule);

/* The whole reply message for request @id. Evidence goes strictest first, and what does not
 * fit FUT_CONTENT_RESULT_MAX is left out (never stricter than what is sent; the class sent
 * is that of the evidence sent, and a result cut short is not complete), so the result
 * always parses. Caller frees. */
GBytes *fut_scan_reply_build(const FutContentResult *r, guint64 id);

/* Parses a whole reply message (@len bytes) that must answer request @id: refuses a short
 * or long message, a wrong magic or id, a body length that is not the rest of the message,
 * a body fut_content_result_from_json() refuses, and an agent-only rule. Returns the result
 * or NULL with a one-line reason. */
FutContentResult *fut_scan_reply_parse(const guint8 *data, gsize len, guint64 id, GError **error);

/* A Class II result (not complete) saying why the content was not scanned. */
FutContentResult *fut_scan_result_failed(const gchar *rule, const gchar *description);

G_END_DECLS
