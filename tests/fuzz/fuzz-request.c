/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: fut_request_parse(). */
#include "config.h"

#include <stdio.h>

#include "fuzz-common.h"
#include "token.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(FutRequest) obj = fut_request_parse((const gchar *)data, size, NULL);

	if (obj != NULL) {
		g_autofree gchar *again = fut_request_to_text(obj, NULL);
		fuzz_check_same(data, size, again);
		fut_request_verify(obj, NULL);
		{
			guint8 id[FUT_REQUEST_ID_LEN];
			if (!fut_request_get_id(obj, id, NULL))
				abort();
		}
	}
	return 0;
}
