/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <glib/gi18n.h>

#include "detect.h"
#include "errors.h"
#include "scan-filter.h"

/* Both check digits are the same modulus-11 scheme written in two ordinances:
 *   check = 11 - (sum(Pn * Qn) mod 11), or 0 when the remainder is 0 or 1,
 *   Pn = the n-th digit counting from the least significant digit of the payload,
 *   Qn = n + 1 for 1 <= n <= 6, n - 5 for n >= 7.
 * My Number: 11-digit payload (総務省令第八十五号 第五条); resident-register code: 10-digit
 * payload (平成14年総務省告示第436号). */
static gint
mod11_check_digit(const gchar *payload, gsize len)
{
	guint sum = 0;

	for (gsize n = 1; n <= len; n++) {
		guint p = (guint)(payload[len - n] - '0');
		guint q = n <= 6 ? (guint)n + 1 : (guint)n - 5;
		sum += p * q;
	}
	sum %= 11;
	return sum <= 1 ? 0 : (gint)(11 - sum);
}

static gboolean
all_ascii_digits(const gchar *s, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return FALSE;
	}
	return TRUE;
}

gboolean
fut_mynumber_is_valid(const gchar *digits, gsize len)
{
	if (digits == NULL || len != FUT_MYNUMBER_LEN || !all_ascii_digits(digits, len))
		return FALSE;
	return mod11_check_digit(digits, len - 1) == digits[len - 1] - '0';
}

gboolean
fut_resident_code_is_valid(const gchar *digits, gsize len)
{
	if (digits == NULL || len != FUT_RESIDENT_CODE_LEN || !all_ascii_digits(digits, len))
		return FALSE;
	return mod11_check_digit(digits, len - 1) == digits[len - 1] - '0';
}

gchar *
fut_mask_digits(const gchar *digits)
{
	gsize len = strlen(digits);
	gchar *out = g_strdup(digits);

	for (gsize i = 4; i < len; i++)
		out[i] = '*';
	return out;
}

/* --- word automaton (Aho-Corasick, compiled to a full DFA) ---------------------------- */

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

FutScanWords *
fut_scan_words_new(void)
{
	return g_new0(FutScanWords, 1);
}

void
fut_scan_words_free(FutScanWords *self)
{
	if (self == NULL)
		return;
	for (guint i = 0; i < self->n_words; i++)
		g_free(self->words[i]);
	g_free(self->delta);
	g_free(self->output);
	g_free(self);
}

gint
fut_scan_words_add(FutScanWords *self, const gchar *word, FutWordRole role, GError **error)
{
	gsize len = strlen(word);

	g_return_val_if_fail(!self->built, -1);
	if (len == 0 || len > FUT_SCAN_WORD_MAX_LEN) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("a word must be 1 to %d bytes long"), FUT_SCAN_WORD_MAX_LEN);
		return -1;
	}
	if (!g_utf8_validate(word, (gssize)len, NULL)) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("a word is not valid UTF-8"));
		return -1;
	}
	for (gsize i = 0; i < len; i++) {
		if ((guchar)word[i] < 0x20 || word[i] == 0x7f) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("a word contains a control character"));
			return -1;
		}
	}
	for (guint i = 0; i < self->n_words; i++) {
		if (g_strcmp0(self->words[i], word) == 0) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("the word is listed twice"));
			return -1;
		}
	}
	if (self->n_words >= FUT_SCAN_WORDS_MAX) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_TOO_LARGE,
		            _("more than %d words are configured"), FUT_SCAN_WORDS_MAX);
		return -1;
	}
	self->words[self->n_words] = g_strdup(word);
	self->roles[self->n_words] = role;
	return (gint)self->n_words++;
}

/* Puts the states where a word ends last, so the scanner tells "a word ended here" from the
 * state number alone, without loading its output mask for every byte. The root stays 0
 * (no word is empty, so the root ends none). */
static void
renumber(FutScanWords *self)
{
	guint n = self->n_states;
	g_autofree guint *map = g_new(guint, n);
	guint16 *delta = g_new(guint16, (gsize)n * 256);
	guint64 *output = g_new0(guint64, n);
	guint next = 0;

	for (guint s = 0; s < n; s++) {
		if (self->output[s] == 0)
			map[s] = next++;
	}
	self->first_output = next;
	for (guint s = 0; s < n; s++) {
		if (self->output[s] != 0)
			map[s] = next++;
	}
	for (guint s = 0; s < n; s++) {
		for (guint b = 0; b < 256; b++)
			delta[(gsize)map[s] * 256 + b] =
			    (guint16)map[self->delta[(gsize)s * 256 + b]];
		output[map[s]] = self->output[s];
	}
	g_free(self->delta);
	g_free(self->output);
	self->delta = delta;
	self->output = output;
}

/* The same word with a space between its characters, as people space out short markings
 * (極　秘, 部 外 秘): with @space (U+3000 or ' ') between every two characters. */
static gchar *
spaced(const gchar *word, const gchar *space)
{
	GString *out = g_string_new(NULL);

	for (const gchar *p = word; *p != '\0'; p = g_utf8_next_char(p)) {
		if (p != word)
			g_string_append(out, space);
		g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	return g_string_free(out, FALSE);
}

/* Every form a word is matched in: as written, spaced out (a marking of 2 to 6
 * characters), each in UTF-8, Shift_JIS (CP932) and EUC-JP, so legacy text is scanned as
 * it is, without conversion. Forms that cannot be converted are left out. */
static void
add_forms(GPtrArray *forms, GArray *owners, const gchar *word, FutWordRole role, guint idx)
{
	static const gchar *const encodings[] = {"CP932", "EUC-JP"};
	g_autoptr(GPtrArray) utf8 = g_ptr_array_new_with_free_func(g_free);
	glong chars = g_utf8_strlen(word, -1);

	g_ptr_array_add(utf8, g_strdup(word));
	if (role == FUT_WORD_MARKING && chars >= 2 && chars <= 6 && strchr(word, ' ') == NULL) {
		g_ptr_array_add(utf8, spaced(word, "\u3000"));
		g_ptr_array_add(utf8, spaced(word, " "));
	}
	for (guint i = 0; i < utf8->len; i++) {
		const gchar *w = g_ptr_array_index(utf8, i);
		g_ptr_array_add(forms, g_strdup(w));
		g_array_append_val(owners, idx);
		for (guint e = 0; e < G_N_ELEMENTS(encodings); e++) {
			gsize len = 0;
			gchar *c = g_convert(w, -1, encodings[e], "UTF-8", NULL, &len, NULL);
			gboolean dup = c == NULL || len == 0 || strlen(c) != len;
			for (guint k = 0; !dup && k < forms->len; k++)
				dup = strcmp(g_ptr_array_index(forms, k), c) == 0 &&
				      g_array_index(owners, guint, k) == idx;
			if (dup) {
				g_free(c);
				continue;
			}
			g_ptr_array_add(forms, c);
			g_array_append_val(owners, idx);
		}
	}
}

void
fut_scan_words_build(FutScanWords *self)
{
	g_autoptr(GPtrArray) forms = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) owners = g_array_new(FALSE, FALSE, sizeof(guint));
	guint max_states = 1;
	gsize extra = 0;
	guint *queue;
	guint *fail;
	guint head = 0;
	guint tail = 0;

	g_return_if_fail(!self->built);
	for (guint i = 0; i < self->n_words; i++)
		add_forms(forms, owners, self->words[i], self->roles[i], i);
	for (guint i = 0; i < forms->len; i++) {
		const gchar *f = g_ptr_array_index(forms, i);
		guint owner = g_array_index(owners, guint, i);
		gsize len = strlen(f);
		/* states are numbered in 16 bits: the words themselves always fit
		 * (FUT_SCAN_WORDS_MAX * FUT_SCAN_WORD_MAX_LEN + 1); other forms while room
		 * is left beside them */
		if (strcmp(f, self->words[owner]) != 0) {
			if (extra + len >
			    G_MAXUINT16 - 1 - FUT_SCAN_WORDS_MAX * FUT_SCAN_WORD_MAX_LEN) {
				g_free(forms->pdata[i]);
				forms->pdata[i] = g_strdup("");
				continue;
			}
			extra += len;
		}
		max_states += (guint)len;
	}
	self->delta = g_new0(guint16, (gsize)max_states * 256);
	self->output = g_new0(guint64, max_states);
	self->n_states = 1;

	for (guint i = 0; i < forms->len; i++) {
		const guint8 *w = g_ptr_array_index(forms, i);
		guint s = 0;
		if (*w == '\0')
			continue;
		for (; *w; w++) {
			guint16 *t = &self->delta[(gsize)s * 256 + *w];
			if (*t == 0)
				*t = (guint16)self->n_states++;
			s = *t;
		}
		self->output[s] |= G_GUINT64_CONSTANT(1) << g_array_index(owners, guint, i);
	}

	/* Breadth-first: each state's row is completed from its failure state's row, which
	 * is complete because the failure state is shallower. */
	queue = g_new(guint, self->n_states);
	fail = g_new0(guint, self->n_states);
	for (guint b = 0; b < 256; b++) {
		guint t = self->delta[b];
		if (t != 0) {
			fail[t] = 0;
			queue[tail++] = t;
		}
	}
	while (head < tail) {
		guint s = queue[head++];
		for (guint b = 0; b < 256; b++) {
			guint16 *t = &self->delta[(gsize)s * 256 + b];
			guint f = self->delta[(gsize)fail[s] * 256 + b];
			if (*t != 0) {
				fail[*t] = f;
				self->output[*t] |= self->output[f];
				queue[tail++] = *t;
			} else {
				*t = (guint16)f;
			}
		}
	}
	g_free(queue);
	g_free(fail);
	renumber(self);

	for (guint i = 0; i < forms->len; i++) {
		const guint8 *f = g_ptr_array_index(forms, i);
		if (f[0] != '\0' && f[1] != '\0')
			self->bigram[(f[0] << 8 | f[1]) >> 3] |= (guint8)(1 << (f[1] & 7));
	}
	for (guint b = 0; b < 256; b++) {
		if ((b >= '0' && b <= '9') || b == 0xef)
			self->boring[b] = 0;
		else if (self->delta[b] == 0)
			self->boring[b] = 1;
		else
			self->boring[b] = 2;
	}
	/* a word of one byte: that byte always stops the fast path */
	for (guint i = 0; i < forms->len; i++) {
		const guint8 *f = g_ptr_array_index(forms, i);
		if (f[0] != '\0' && f[1] == '\0')
			self->boring[f[0]] = 0;
	}
	{
		g_autoptr(GArray) starts = g_array_new(FALSE, FALSE, sizeof(guint32));
		gboolean one_byte = FALSE;
		for (guint i = 0; i < forms->len; i++) {
			const guint8 *f = g_ptr_array_index(forms, i);
			guint32 s;
			if (f[0] == '\0')
				continue;
			if (f[1] == '\0') {
				one_byte = TRUE;
				continue;
			}
			s = (guint32)f[0] << 16 | (guint32)f[1] << 8 |
			    (f[2] != '\0' ? f[2] : FUT_SCAN_FILTER_ANY_THIRD);
			g_array_append_val(starts, s);
		}
		fut_scan_filter_build(&self->filter, (const guint32 *)(gpointer)starts->data,
		                      starts->len, one_byte);
	}
	self->digit_free = TRUE;
	for (guint i = 0; i < forms->len; i++) {
		if (strpbrk(g_ptr_array_index(forms, i), "0123456789") != NULL)
			self->digit_free = FALSE;
	}
	self->built = TRUE;
}

guint
fut_scan_words_get_count(const FutScanWords *self)
{
	return self->n_words;
}

const gchar *
fut_scan_words_get_word(const FutScanWords *self, guint idx)
{
	g_return_val_if_fail(idx < self->n_words, NULL);
	return self->words[idx];
}

FutWordRole
fut_scan_words_get_role(const FutScanWords *self, guint idx)
{
	g_return_val_if_fail(idx < self->n_words, FUT_WORD_MARKING);
	return self->roles[idx];
}

/* --- the scanner --------------------------------------------------------------------- */

/* For a scanner without words: only digits and the full-width lead byte are of interest. */
static const guint8 *
no_words_boring(void)
{
	static guint8 table[256];
	static gsize done = 0;

	if (g_once_init_enter(&done)) {
		for (guint b = 0; b < 256; b++)
			table[b] = !(b >= '0' && b <= '9') && b != 0xef ? 1 : 0;
		g_once_init_leave(&done, 1);
	}
	return table;
}

/* Without words only digits and full-width leads stop the filter: its pair tables are
 * empty. */
static const FutScanFilter no_words_filter = {.usable = TRUE};

void
fut_scanner_init(FutScanner *scan, const FutScanWords *words)
{
	g_return_if_fail(words == NULL || words->built);
	memset(scan, 0, sizeof(*scan));
	scan->words = words;
	scan->chain_ok = TRUE;
	scan->boring = words != NULL ? words->boring : no_words_boring();
	scan->legacy_lead = 0xef; /* none: the UTF-8 lead stands in */
}

void
fut_scanner_set_text(FutScanner *scan, FutScanText text)
{
	const guint8 *base = scan->words != NULL ? scan->words->boring : no_words_boring();

	if (text == FUT_SCAN_TEXT_UTF8) {
		scan->boring = base;
		scan->legacy_lead = 0xef;
		return;
	}
	scan->legacy_lead = text == FUT_SCAN_TEXT_CP932 ? 0x82 : 0xa3;
	scan->legacy_lo = text == FUT_SCAN_TEXT_CP932 ? 0x4f : 0xb0;
	memcpy(scan->boring_own, base, 256);
	scan->boring_own[scan->legacy_lead] = 0;
	scan->boring = scan->boring_own;
}

/* The scanner's runs are digits already: the check without the argument checks. */
static inline gboolean
mod11_ok(const gchar *d, gsize len)
{
	/* weights from the most significant digit: Qn for n = len-1 .. 1 */
	static const guint8 w12[11] = {6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
	const guint8 *w = w12 + (12 - len);
	guint sum = 0;

	for (gsize i = 0; i < len - 1; i++)
		sum += (guint)(d[i] - '0') * w[i];
	sum %= 11;
	return (sum <= 1 ? 0 : 11 - sum) == (guint)(d[len - 1] - '0');
}

static void
check_mynumber(FutScanner *scan, const gchar *digits)
{
	if (mod11_ok(digits, FUT_MYNUMBER_LEN)) {
		if (scan->mynumber_valid++ == 0)
			memcpy(scan->mynumber_first, digits, FUT_MYNUMBER_LEN);
	} else {
		scan->mynumber_invalid++;
	}
}

static void
check_resident(FutScanner *scan, const gchar *digits)
{
	if (mod11_ok(digits, FUT_RESIDENT_CODE_LEN) && scan->resident_valid++ == 0)
		memcpy(scan->resident_first, digits, FUT_RESIDENT_CODE_LEN);
}

static void
end_chain(FutScanner *scan)
{
	if (scan->chain_ok && scan->chain_len == 3)
		check_mynumber(scan, scan->chain);
	scan->chain_len = 0;
	scan->chain_ok = TRUE;
	scan->chain_sep = 0;
	scan->after_sep = FALSE;
}

/* A run of digits ended at a character that is not a digit; @c is that character if it
 * is ASCII, else 0. "dddd-dddd-dddd" and "dddd dddd dddd" are how a My Number is printed
 * on the card, so runs of four joined by one separator form a chain. */
static void
end_run(FutScanner *scan, guint8 c)
{
	if (scan->run_len == FUT_MYNUMBER_LEN) {
		check_mynumber(scan, scan->run);
	} else if (scan->run_len == FUT_RESIDENT_CODE_LEN) {
		check_resident(scan, scan->run);
	}
	if (scan->run_len == 4 && scan->chain_len < 3)
		memcpy(scan->chain + scan->chain_len * 4, scan->run, 4);
	else
		scan->chain_ok = FALSE;
	if (scan->chain_len < 4)
		scan->chain_len++;
	scan->run_len = 0;
	if ((c == '-' || c == ' ') && (scan->chain_sep == 0 || scan->chain_sep == (gchar)c)) {
		scan->chain_sep = (gchar)c;
		scan->after_sep = TRUE;
	} else {
		end_chain(scan);
	}
}

static inline void
add_digit(FutScanner *scan, gchar d)
{
	scan->after_sep = FALSE;
	if (scan->run_len < sizeof(scan->run))
		scan->run[scan->run_len] = d;
	if (scan->run_len < 255)
		scan->run_len++;
}

/* A character that is not a digit; @c is its byte if ASCII, else 0. */
static inline void
non_digit(FutScanner *scan, guint8 c)
{
	if (scan->run_len > 0) {
		guint n = scan->run_len;
		/* most runs (dates, amounts, phone parts) can be nothing: no call */
		if (n != 4 && n != FUT_RESIDENT_CODE_LEN && n != FUT_MYNUMBER_LEN &&
		    scan->chain_len == 0 && c != '-' && c != ' ') {
			scan->run_len = 0;
			return;
		}
		end_run(scan, c);
	} else if (scan->after_sep)
		end_chain(scan);
}

static inline void
count_words(FutScanner *scan, guint64 m)
{
	while (m != 0) {
		scan->word_counts[__builtin_ctzll(m)]++;
		m &= m - 1;
	}
}

static inline gboolean
is_digit(guint8 b)
{
	return b >= '0' && b <= '9';
}

/* The end of a run of ASCII digits starting at @q: 16 bytes at a time with SSE2 (part of
 * every x86-64), then byte by byte. */
static inline const guint8 *
digit_run_end(const guint8 *q, const guint8 *end)
{
#ifdef __SSE2__
	const __m128i zero = _mm_set1_epi8('0');
	const __m128i nine = _mm_set1_epi8(9);

	while (end - q >= 16) {
		__m128i t = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)q), zero);
		/* digit: t <= 9 unsigned */
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, nine), t));
		if (m != 0xffff)
			return q + __builtin_ctz(~m);
		q += 16;
	}
#endif
	while (q < end && is_digit(*q))
		q++;
	return q;
}

/* The numbers starting at the digit @p, from the fast path (no number in progress, the
 * automaton at its root, no word holding a digit): a run, or a chain of runs joined by one
 * '-' or ' ', is taken whole and its identifiers are checked where they lie, with exactly
 * the effect fut_scanner_feed()'s byte-at-a-time path has (the differential test holds the
 * two together). Returns where to go on, or NULL when the numbers may go on past @end or
 * into a full-width digit: then the byte-at-a-time path takes them. */
static const guint8 *
digits_in_place(
    FutScanner *scan, const guint8 *p, const guint8 *end, guint8 lead, const guint8 *boring)
{
	const guint8 *chain[3];
	/* where the first runs start and end, for the second pass */
	const guint8 *run_at[8];
	const guint8 *run_end[8];
	const guint8 *q = p;
	const guint8 *stop;
	guint8 sep = 0;
	guint runs = 0;
	gboolean chain_ok = TRUE;
	gboolean ids = FALSE;

	/* first pass: where the numbers end; nothing is changed yet */
	for (;;) {
		const guint8 *e = digit_run_end(q + 1, end);
		gsize n = (gsize)(e - q);
		guint8 c;
		if (e == end)
			return NULL;
		c = *e;
		if (c == 0xef || c == lead)
			return NULL;
		if (n == 4 && runs < 3)
			chain[runs] = q;
		else
			chain_ok = FALSE;
		ids |= n == FUT_MYNUMBER_LEN || n == FUT_RESIDENT_CODE_LEN;
		if (runs < G_N_ELEMENTS(run_at)) {
			run_at[runs] = q;
			run_end[runs] = e;
		}
		runs++;
		if ((c != '-' && c != ' ') || (sep != 0 && c != sep)) {
			stop = e;
			break;
		}
		/* a separator that starts a word would move the automaton */
		if (boring[c] != 1 || e + 1 == end)
			return NULL;
		sep = c;
		if (!is_digit(e[1])) {
			if (e[1] == 0xef || e[1] == lead)
				return NULL;
			stop = e + 1;
			break;
		}
		q = e + 1;
	}
	/* second pass: the checks, in the order the byte-at-a-time path makes them */
	for (guint r = 0; ids && r < MIN(runs, G_N_ELEMENTS(run_at)); r++) {
		gsize n = (gsize)(run_end[r] - run_at[r]);
		if (n == FUT_MYNUMBER_LEN)
			check_mynumber(scan, (const gchar *)run_at[r]);
		else if (n == FUT_RESIDENT_CODE_LEN)
			check_resident(scan, (const gchar *)run_at[r]);
	}
	/* a chain of more runs than that: the rest found again */
	for (q = runs > G_N_ELEMENTS(run_at) ? run_end[G_N_ELEMENTS(run_at) - 1] + 1 : stop;
	     ids && q < stop;) {
		const guint8 *e = digit_run_end(q + 1, stop);
		gsize n = (gsize)(e - q);
		if (n == FUT_MYNUMBER_LEN)
			check_mynumber(scan, (const gchar *)q);
		else if (n == FUT_RESIDENT_CODE_LEN)
			check_resident(scan, (const gchar *)q);
		q = e + 1;
	}
	if (chain_ok && runs == 3) {
		gchar digits[FUT_MYNUMBER_LEN];
		for (guint i = 0; i < 3; i++)
			memcpy(digits + i * 4, chain[i], 4);
		check_mynumber(scan, digits);
	}
	return stop;
}

/* At the automaton's root: @p neither starts a word nor is part of a number, or starts
 * words but none together with the next byte (then the automaton would be back at the
 * root at the next byte, exactly as if @p were skipped). */
static inline gboolean
skippable(const guint8 *p, const guint8 *end, const guint8 *boring, const guint8 *bigram)
{
	guint8 k = boring[*p];

	return k == 1 ||
	       (k == 2 && p + 1 < end && !(bigram[(p[0] << 8 | p[1]) >> 3] & (1 << (p[1] & 7))));
}

/* A legacy lead byte of full-width digits (boring 0 in that encoding) that is not before
 * a full-width digit's trail: with no number in progress it changes nothing there, so it
 * may be skipped when the table without it (@base_boring) would skip it. */
static inline gboolean
lead_skippable(const guint8 *p,
               const guint8 *end,
               guint8 lead,
               guint8 lo,
               const guint8 *base_boring,
               const guint8 *bigram)
{
	return *p == lead && lead != 0xef && p + 1 < end && (guint8)(p[1] - lo) > 9 &&
	       skippable(p, end, base_boring, bigram);
}

void
fut_scanner_feed(FutScanner *scan, const guint8 *data, gsize len)
{
	const FutScanWords *w = scan->words;
	const guint16 *delta = w != NULL ? w->delta : NULL;
	const guint64 *output = w != NULL ? w->output : NULL;
	const guint first_output = w != NULL ? w->first_output : G_MAXUINT;
	const guint8 *boring = scan->boring;
	const guint8 *bigram = w != NULL ? w->bigram : NULL;
	const guint8 lead = scan->legacy_lead;
	/* when no word holds a digit, a digit always takes the automaton back to its root */
	const gboolean digit_free = w == NULL || w->digit_free;
	const FutScanFilter *filter = w != NULL ? &w->filter : &no_words_filter;
	const guint8 *base_boring = w != NULL ? w->boring : no_words_boring();
	const guint8 lo = scan->legacy_lo;
	const FutScanFilterWindow window = filter->usable ? fut_scan_filter_get_window() : NULL;
	/* the filter's last window: bit i set when wbase[i] must be looked at */
	const guint8 *wbase = NULL;
	guint64 wmask = 0;
	const guint8 *p = data;
	const guint8 *end = len > 0 ? data + len : data;
	guint ac = scan->ac_state;

	if (len == 0)
		return; /* and data may be NULL */
	scan->bytes += len;
	while (p < end) {
		guint8 b;

		/* Idle (no number in progress): only the word automaton has work, and only
		 * until the next digit or full-width lead byte. Without words every other
		 * byte is boring, so the automaton is never touched. */
		if (scan->run_len == 0 && !scan->after_sep && scan->fw_state == 0) {
			while (p < end) {
				if (ac == 0) {
					/* At the root, a byte that starts words but does not start
					 * one together with the next byte leads back to the root
					 * at the next byte, exactly as if it were skipped: the big
					 * transition table is touched only for real candidates. */
					if (window != NULL) {
						/* the bytes the test would skip, a window at a
						 * time; it still judges where the filter stops */
						while (p < end) {
							p = fut_scan_filter_next(filter, window,
							                         lead, lo, p, end,
							                         &wbase, &wmask);
							if (!skippable(p, end, boring, bigram) &&
							    !lead_skippable(p, end, lead, lo,
							                    base_boring, bigram))
								break;
							p++;
						}
					} else {
						while (p < end && skippable(p, end, boring, bigram))
							p++;
					}
					if (p == end)
						break;
					/* A run of ASCII digits that can be nothing — not 4, 11 or
					 * 12 long, not followed by a chain separator or a
					 * full-width digit — leaves no state: it is passed over
					 * whole (dates, amounts, ids). At the root with no word
					 * holding a digit, digits keep the automaton at the root.
					 */
					if (digit_free && is_digit(*p) && scan->chain_len == 0) {
						const guint8 *q =
						    digits_in_place(scan, p, end, lead, boring);
						if (q != NULL) {
							p = q;
							continue;
						}
					}
				}
				b = *p;
				if (is_digit(b) || b == 0xef || b == lead)
					break;
				ac = delta[(gsize)ac * 256 + b];
				if (G_UNLIKELY(ac >= first_output))
					count_words(scan, output[ac]);
				p++;
			}
			if (p == end)
				break;
		}
		b = *p++;

		if (delta != NULL) {
			ac = delta[(gsize)ac * 256 + b];
			if (G_UNLIKELY(ac >= first_output))
				count_words(scan, output[ac]);
		}

		/* Full-width digits are EF BC 90..99 in UTF-8, 82 4F..58 in Shift_JIS, A3
		 * B0..B9 in EUC-JP. */
		if (scan->fw_state == 3) {
			scan->fw_state = 0;
			if (b >= scan->legacy_lo && b <= scan->legacy_lo + 9) {
				add_digit(scan, (gchar)('0' + (b - scan->legacy_lo)));
				continue;
			}
			non_digit(scan, 0);
		} else if (scan->fw_state == 1) {
			if (b == 0xbc) {
				scan->fw_state = 2;
				continue;
			}
			scan->fw_state = 0;
			non_digit(scan, 0);
		} else if (scan->fw_state == 2) {
			scan->fw_state = 0;
			if (b >= 0x90 && b <= 0x99) {
				add_digit(scan, (gchar)('0' + (b - 0x90)));
				continue;
			}
			non_digit(scan, 0);
		}

		if (is_digit(b)) {
			add_digit(scan, (gchar)b);
			if (digit_free) {
				/* the rest of the run in one go */
				const guint8 *q = digit_run_end(p, end);
				gsize n = (gsize)(q - p);
				if (scan->run_len < sizeof(scan->run))
					memcpy(scan->run + scan->run_len, p,
					       MIN(n, sizeof(scan->run) - scan->run_len));
				scan->run_len = (guint)MIN(scan->run_len + n, 255);
				p = q;
				ac = 0;
			}
		} else if (b == 0xef) {
			scan->fw_state = 1;
		} else if (b == lead) {
			scan->fw_state = 3;
		} else {
			non_digit(scan, b < 0x80 ? b : 0);
		}
	}
	scan->ac_state = ac;
}

void
fut_scanner_finish(FutScanner *scan)
{
	if (scan->fw_state != 0) {
		scan->fw_state = 0;
		non_digit(scan, 0);
	}
	non_digit(scan, 0);
	end_chain(scan);
}
