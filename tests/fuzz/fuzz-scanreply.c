/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the agent's parser of a content-parser worker's reply
 * (common/scanproto.c: the framing, then common/content-json.c: the result). The worker is
 * hostile once it has parsed a hostile file, so its reply is arbitrary bytes here. Whatever
 * is accepted must be a class the evidence explains, with no agent-only rule and no control
 * character, and must survive the worker's own build and a second parse. The request id is
 * taken from the input's header, so mutations get past it. */
#include "config.h"

#include "fuzz-common.h"
#include "scanproto.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(FutContentResult) r = NULL;
	g_autoptr(FutContentResult) r2 = NULL;
	g_autoptr(GBytes) again = NULL;
	FutScanReplyHeader h = {0};
	FutClass worst = FUT_CLASS_NONE;

	if (size >= sizeof(h))
		memcpy(&h, data, sizeof(h));
	r = fut_scan_reply_parse(data, size, h.id, NULL);
	if (r == NULL)
		return 0;
	if (r->klass < FUT_CLASS_I || r->klass > FUT_CLASS_III)
		abort();
	for (guint i = 0; i < r->evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(r->evidence, i);
		if (fut_scan_rule_is_agent_only(e->rule) ||
		    !g_utf8_validate(e->description, -1, NULL))
			abort();
		for (const gchar *p = e->description; *p != '\0'; p = g_utf8_next_char(p)) {
			gunichar u = g_utf8_get_char(p);
			if (u < 0x20 || (u >= 0x7f && u <= 0x9f))
				abort();
		}
		worst = fut_class_max(worst, e->klass);
	}
	if ((worst == FUT_CLASS_NONE ? FUT_CLASS_III : worst) != r->klass)
		abort();
	again = fut_scan_reply_build(r, h.id);
	r2 = fut_scan_reply_parse(g_bytes_get_data(again, NULL), g_bytes_get_size(again), h.id,
	                          NULL);
	if (r2 == NULL || r2->klass != r->klass || r2->evidence->len != r->evidence->len)
		abort();
	return 0;
}
