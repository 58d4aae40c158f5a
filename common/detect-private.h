/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "detect.h"
#include "scan-filter.h"

G_BEGIN_DECLS

/* The word automaton (Aho-Corasick, compiled to a full DFA), shared by its builder
 * (detect-words.c) and the scanner (detect.c); nothing else looks inside. */

struct _FutScanWords {
	gchar *words[FUT_SCAN_WORDS_MAX];
	FutWordRole roles[FUT_SCAN_WORDS_MAX];
	guint n_words;
	gboolean built;
	guint n_states;
	guint16 *delta;  /* n_states * 256 */
	guint64 *output; /* words that end in each state */
	/* per byte, for the fast path while no match is in progress: 1 neither starts a
	 * word nor is part of a number (skipped); 2 starts a word of two bytes or more
	 * (skipped unless it and the next byte start one, see bigram); 0 anything else */
	guint8 boring[256];
	/* bit b0 << 8 | b1 set: some word starts with the bytes b0 b1 */
	guint8 bigram[65536 / 8];
	gboolean digit_free;  /* no word contains an ASCII digit */
	FutScanFilter filter; /* skips what the fast path would, 16 or 32 bytes at a time */
	guint first_output;   /* states from here on end a word */
};

G_END_DECLS
