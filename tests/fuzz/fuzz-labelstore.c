/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the label memory file (common/labelstore.c). What is accepted is saved
 * as text that reads back to the same store. */
#include "config.h"

#include "fuzz-common.h"
#include "labelstore.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(FutLabelStore) a = fut_labelstore_new(NULL, 1000);
	g_autoptr(FutLabelStore) b = fut_labelstore_new(NULL, 1000);
	g_autofree gchar *text = NULL, *text2 = NULL;

	if (!fut_labelstore_parse(a, (const gchar *)data, size, NULL)) {
		/* a refused file leaves nothing behind that could pass as an empty store */
		return 0;
	}
	text = fut_labelstore_to_text(a);
	if (!fut_labelstore_parse(b, text, strlen(text), NULL))
		abort();
	text2 = fut_labelstore_to_text(b);
	if (strcmp(text, text2) != 0 || fut_labelstore_get_size(a) != fut_labelstore_get_size(b))
		abort();
	if (fut_labelstore_get_size(a) > 1000)
		abort();
	return 0;
}
