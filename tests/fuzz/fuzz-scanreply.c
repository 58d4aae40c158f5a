/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the agent's parser of a content-parser worker's reply
 * (common/scanproto.c). The worker is hostile once it has parsed a hostile file, so its
 * reply is arbitrary bytes here. Whatever is accepted must be a class the evidence
 * explains, with no agent-only rule and printable descriptions, and must write back byte
 * for byte. The request id is taken from the input's header, so mutations get past it. */
#include "config.h"

#include "fuzz-common.h"
#include "scanproto.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(FutClassification) c = NULL;
	g_autoptr(GBytes) again = NULL;
	FutScanReplyHeader h = {0};
	FutClass worst = FUT_CLASS_NONE;

	if (size >= sizeof(h))
		memcpy(&h, data, sizeof(h));
	c = fut_scan_reply_parse(data, size, h.id, NULL);
	if (c == NULL)
		return 0;
	if (c->klass < FUT_CLASS_I || c->klass > FUT_CLASS_III ||
	    c->evidence->len > FUT_SCAN_EVIDENCE_MAX)
		abort();
	for (guint i = 0; i < c->evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(c->evidence, i);
		if (fut_scan_rule_is_agent_only(e->rule) ||
		    !g_utf8_validate(e->description, -1, NULL))
			abort();
		for (const gchar *p = e->description; *p != '\0'; p++)
			if ((guchar)*p < 0x20 || *p == 0x7f)
				abort();
		worst = fut_class_max(worst, e->klass);
	}
	if ((worst == FUT_CLASS_NONE ? FUT_CLASS_III : worst) != c->klass)
		abort();
	/* strictest-first is how the worker writes; a reordered reply need not round-trip */
	again = fut_scan_reply_build(c, h.id);
	{
		g_autoptr(FutClassification) c2 = fut_scan_reply_parse(
		    g_bytes_get_data(again, NULL), g_bytes_get_size(again), h.id, NULL);
		if (c2 == NULL || c2->klass != c->klass || c2->evidence->len != c->evidence->len)
			abort();
	}
	return 0;
}
