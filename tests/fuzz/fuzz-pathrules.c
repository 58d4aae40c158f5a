/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the classifier's configuration, [path-rules] (common/pathrules.c) and
 * [classify] (common/classify.c: words, limits), read from a GKeyFile as the agent reads
 * its policy. Accepted rules are matched against a few paths and against themselves. */
#include "config.h"

#include "classify.h"
#include "fuzz-common.h"
#include "pathrules.h"

static const gchar *const paths[] = {
    "/srv/kikan/juki/2026.csv",
    "/home/staff/入札/spec.xlsx",
    "/tmp/a.juki.csv",
    "relative",
    "/",
    "",
    "/home/staff/Documents/report.docx",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(FutPathRules) rules = NULL;
	g_autoptr(FutClassifier) c = NULL;

	if (!g_key_file_load_from_data(kf, (const gchar *)data, size, G_KEY_FILE_NONE, NULL))
		return 0;
	rules = fut_path_rules_new_from_keyfile(kf, FUT_PATH_RULES_GROUP, NULL);
	if (rules != NULL) {
		if (fut_path_rules_get_count(rules) > FUT_PATH_RULES_MAX)
			abort();
		for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
			const gchar *pattern = NULL;
			FutClass k = fut_path_rules_match(rules, paths[i], &pattern);

			/* a rule can raise a class to I or II, nothing else */
			if (k != FUT_CLASS_NONE && k != FUT_CLASS_I && k != FUT_CLASS_II)
				abort();
			if ((k != FUT_CLASS_NONE) != (pattern != NULL))
				abort();
		}
	}
	/* building the word automaton is the slow part: only for inputs that configure it */
	if (size < 2048 && g_key_file_has_group(kf, FUT_CLASSIFY_GROUP))
		c = fut_classifier_new(kf, NULL, NULL);
	return 0;
}
