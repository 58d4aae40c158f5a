/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: fut_revocation_list_parse(). */
#include "config.h"

#include <stdio.h>

#include "fuzz-common.h"
#include "token.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(FutRevocationList) obj =
	    fut_revocation_list_parse((const gchar *)data, size, NULL);

	if (obj != NULL) {
		g_autofree gchar *again = fut_revocation_list_to_text(obj, NULL);
		fuzz_check_same(data, size, again);
	}
	return 0;
}
