/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the content result a worker process sends back (common/content-json.c).
 * The worker parsed a user's file and may be that user's: whatever it sends is refused or
 * read into a result whose class is the strictest of its evidence, and that survives a
 * round trip unchanged. */
#include "config.h"

#include <string.h>

#include "content.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(FutContentResult) r =
	    fut_content_result_from_json((const gchar *)data, size, &error);
	g_autoptr(FutContentResult) back = NULL;
	g_autofree gchar *json = NULL;
	g_autofree gchar *json2 = NULL;
	FutClass strictest = FUT_CLASS_NONE;

	if (r == NULL) {
		if (error == NULL || strchr(error->message, '\n') != NULL)
			abort();
		return 0;
	}
	for (guint i = 0; i < r->evidence->len; i++) {
		const FutEvidence *e = g_ptr_array_index(r->evidence, i);
		if (strcmp(e->rule, "label") == 0 || strcmp(e->rule, "path-rule") == 0 ||
		    strcmp(e->rule, "label-memory") == 0 || strcmp(e->rule, "taint") == 0)
			abort();
		strictest = fut_class_max(strictest, e->klass);
	}
	if (strictest == FUT_CLASS_NONE)
		strictest = FUT_CLASS_III;
	if (r->klass != strictest)
		abort();
	json = fut_content_result_to_json(r);
	back = fut_content_result_from_json(json, strlen(json), NULL);
	if (back == NULL)
		abort();
	json2 = fut_content_result_to_json(back);
	if (strcmp(json, json2) != 0)
		abort();
	return 0;
}
