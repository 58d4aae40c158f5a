/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: fut_certificate_parse(). */
#include "config.h"

#include <stdio.h>

#include "fuzz-common.h"
#include "token.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(FutCertificate) obj = fut_certificate_parse((const gchar *)data, size, NULL);

	if (obj != NULL) {
		g_autofree gchar *again = fut_certificate_to_text(obj, NULL);
		fuzz_check_same(data, size, again);
		{
			g_autoptr(FutKey) k = fut_certificate_get_key(obj, NULL);
			(void)k;
		}
	}
	return 0;
}
