/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One document scanned in two parts at once (detect.h): the second part's scanner started
 * in the state the first would be in after a line end, and its counts and state given back
 * to the first. The equivalence is checked in tests/unit/test-detect.c against one scanner
 * over the whole text, at every line end of generated texts. */
#include "config.h"

#include <string.h>

#include "detect.h"

gboolean
fut_scanner_init_after_line(FutScanner *scan, const FutScanner *from, const guint8 prev[2])
{
	g_return_val_if_fail(scan != from, FALSE);
	if (prev[1] != '\n')
		return FALSE;
	fut_scanner_init(scan, from->words);
	/* the encoding: its lead bytes and boring table as set_text() left them */
	scan->legacy_lead = from->legacy_lead;
	scan->legacy_lo = from->legacy_lo;
	if (from->boring == from->boring_own) {
		memcpy(scan->boring_own, from->boring_own, sizeof scan->boring_own);
		scan->boring = scan->boring_own;
	} else {
		scan->boring = from->boring;
	}
	fut_scanner_feed(scan, prev, 2);
	/* what those two bytes count was counted by the scanner that read them */
	scan->mynumber_valid = scan->mynumber_invalid = scan->resident_valid = 0;
	scan->mynumber_first[0] = scan->resident_first[0] = '\0';
	memset(scan->word_counts, 0, sizeof scan->word_counts);
	scan->bytes = 0;
	return TRUE;
}

void
fut_scanner_append(FutScanner *head, const FutScanner *tail)
{
	head->mynumber_valid += tail->mynumber_valid;
	head->mynumber_invalid += tail->mynumber_invalid;
	head->resident_valid += tail->resident_valid;
	if (head->mynumber_first[0] == '\0')
		memcpy(head->mynumber_first, tail->mynumber_first, sizeof head->mynumber_first);
	if (head->resident_first[0] == '\0')
		memcpy(head->resident_first, tail->resident_first, sizeof head->resident_first);
	for (guint i = 0; i < FUT_SCAN_WORDS_MAX; i++)
		head->word_counts[i] += tail->word_counts[i];
	head->bytes += tail->bytes;
	/* the state at the tail's end */
	head->ac_state = tail->ac_state;
	head->fw_state = tail->fw_state;
	head->run_len = tail->run_len;
	memcpy(head->run, tail->run, sizeof head->run);
	head->chain_len = tail->chain_len;
	head->chain_ok = tail->chain_ok;
	head->chain_sep = tail->chain_sep;
	memcpy(head->chain, tail->chain, sizeof head->chain);
	head->after_sep = tail->after_sep;
	head->run_b1 = tail->run_b1;
	head->run_b2 = tail->run_b2;
	memcpy(head->tail, tail->tail, sizeof head->tail);
}
