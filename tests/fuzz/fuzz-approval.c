/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: fut_approval_parse(). */
#include "config.h"

#include <stdio.h>

#include "fuzz-common.h"
#include "token.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(FutApproval) obj = fut_approval_parse((const gchar *)data, size, NULL);

	if (obj != NULL) {
		g_autofree gchar *again = fut_approval_to_text(obj, NULL);
		fuzz_check_same(data, size, again);
		fut_approval_verify(obj, NULL);
	}
	return 0;
}
