/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Content detectors: the word automaton (Aho-Corasick, compiled to a full DFA) that the
 * scanner in detect.c runs. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "detect-private.h"
#include "errors.h"
#include "scan-filter.h"

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

/* The trie of the forms, sparse: each state's children as a list (first_child, next),
 * so the full table is written only once, row by row, at the end. */
typedef struct {
	guint *first_child; /* per state: its first child, 0 for none (the root is no child) */
	guint *next;        /* per state: its parent's next child */
	guint8 *byte;       /* per state: the byte leading to it */
	guint64 *output;    /* per state: the words ending there */
	guint n;
} Trie;

static guint
trie_child(const Trie *t, guint s, guint8 b)
{
	for (guint c = t->first_child[s]; c != 0; c = t->next[c]) {
		if (t->byte[c] == b)
			return c;
	}
	return 0;
}

/* The full table (Aho-Corasick compiled to a DFA) from the trie, written once: the states
 * where a word ends go last, so the scanner tells "a word ended here" from the state
 * number alone, without loading its output mask for every byte; the root stays 0 (no word
 * is empty, so the root ends none). Each row is its failure state's row (complete, since
 * the failure state is shallower and rows are made breadth-first) with the state's own
 * children put in. Writing every page of the table once, and no second table to renumber
 * into, is most of what building costs at start-up. */
static void
trie_compile(FutScanWords *self, Trie *t)
{
	g_autofree guint *queue = g_new(guint, t->n);
	g_autofree guint *fail = g_new0(guint, t->n);
	g_autofree guint *map = g_new(guint, t->n);
	guint head = 0;
	guint tail = 0;
	guint next = 0;

	/* breadth-first: failure links and inherited outputs (the classic walk down the
	 * failure chain, on the sparse trie) */
	for (guint c = t->first_child[0]; c != 0; c = t->next[c])
		queue[tail++] = c;
	while (head < tail) {
		guint s = queue[head++];
		for (guint c = t->first_child[s]; c != 0; c = t->next[c]) {
			guint f = fail[s];
			guint g;
			while ((g = trie_child(t, f, t->byte[c])) == 0 && f != 0)
				f = fail[f];
			fail[c] = g;
			t->output[c] |= t->output[g];
			queue[tail++] = c;
		}
	}
	for (guint s = 0; s < t->n; s++) {
		if (t->output[s] == 0)
			map[s] = next++;
	}
	self->first_output = next;
	for (guint s = 0; s < t->n; s++) {
		if (t->output[s] != 0)
			map[s] = next++;
	}
	self->n_states = t->n;
	self->delta = g_new(guint16, (gsize)t->n * 256);
	self->output = g_new(guint64, t->n);
	/* the root's row, then every other in breadth-first order */
	memset(self->delta, 0, 256 * sizeof(guint16));
	for (guint i = 0; i <= tail; i++) {
		guint s = i == 0 ? 0 : queue[i - 1];
		guint16 *row = &self->delta[(gsize)map[s] * 256];
		if (s != 0)
			memcpy(row, &self->delta[(gsize)map[fail[s]] * 256], 256 * sizeof(guint16));
		for (guint c = t->first_child[s]; c != 0; c = t->next[c])
			row[t->byte[c]] = (guint16)map[c];
		self->output[map[s]] = t->output[s];
	}
}

void
fut_scan_words_build(FutScanWords *self)
{
	g_autoptr(GPtrArray) forms = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) owners = g_array_new(FALSE, FALSE, sizeof(guint));
	guint max_states = 1;
	gsize extra = 0;
	Trie t = {0};

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
	t.first_child = g_new0(guint, max_states);
	t.next = g_new0(guint, max_states);
	t.byte = g_new0(guint8, max_states);
	t.output = g_new0(guint64, max_states);
	t.n = 1;
	for (guint i = 0; i < forms->len; i++) {
		const guint8 *w = g_ptr_array_index(forms, i);
		guint s = 0;
		if (*w == '\0')
			continue;
		for (; *w; w++) {
			guint c = trie_child(&t, s, *w);
			if (c == 0) {
				c = t.n++;
				t.byte[c] = *w;
				t.next[c] = t.first_child[s];
				t.first_child[s] = c;
			}
			s = c;
		}
		t.output[s] |= G_GUINT64_CONSTANT(1) << g_array_index(owners, guint, i);
	}
	trie_compile(self, &t);
	g_free(t.first_child);
	g_free(t.next);
	g_free(t.byte);
	g_free(t.output);

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
