/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared bits of the libFuzzer targets. Each target feeds one parser arbitrary bytes and
 * checks the properties every parser must have: no crash, no hang, no leak, and whatever
 * it accepts it writes back byte for byte (after the line-ending normalisation armour
 * allows), so two spellings of one object cannot both be valid. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* @text as the armour reads it: CRLF to LF, a missing final LF added. Caller frees. */
static inline gchar *
fuzz_normalise(const uint8_t *data, size_t size)
{
	GString *s = g_string_sized_new(size + 1);

	for (size_t i = 0; i < size; i++) {
		if (data[i] == '\r' && i + 1 < size && data[i + 1] == '\n')
			continue;
		g_string_append_c(s, (gchar)data[i]);
	}
	if (s->len > 0 && s->str[s->len - 1] != '\n')
		g_string_append_c(s, '\n');
	return g_string_free(s, FALSE);
}

/* Aborts (a finding) unless @again equals the accepted input. */
static inline void
fuzz_check_same(const uint8_t *data, size_t size, const gchar *again)
{
	g_autofree gchar *norm = fuzz_normalise(data, size);

	if (again == NULL || strcmp(norm, again) != 0) {
		fprintf(stderr, "accepted input is not written back byte for byte\n");
		abort();
	}
}
