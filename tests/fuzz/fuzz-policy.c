/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the class policy read from a config file. */
#include "config.h"

#include <stdio.h>

#include "fuzz-common.h"
#include "policy.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(FutPolicy) p = NULL;

	if (!g_key_file_load_from_data(kf, (const gchar *)data, size, G_KEY_FILE_NONE, NULL))
		return 0;
	p = fut_policy_load(kf, "approval", "fuzz.conf", NULL);
	if (p != NULL) {
		/* whatever is accepted keeps the two-person floor */
		if (p->rules[FUT_CLASS_I].approvals < 2 || p->rules[FUT_CLASS_II].approvals < 1)
			abort();
		for (FutClass k = FUT_CLASS_I; k <= FUT_CLASS_III; k++) {
			if (p->rules[k].max_validity <= 0 || p->rules[k].roles == NULL ||
			    p->rules[k].required_roles == NULL)
				abort();
		}
	}
	return 0;
}
