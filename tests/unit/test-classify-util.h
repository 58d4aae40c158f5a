/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Helpers shared by the classifier tests: synthetic identifiers and a temporary folder. */

#include <glib.h>

#include "classify.h"
#include "content.h"
#include "labelstore.h"

/* Synthetic identifiers: made-up payloads with computed check digits. 123456789018 and
 * 983205673214 are the examples published with the ordinance's formula (JPMyNumber on
 * PyPI; Qiita "マイナンバー(個人番号)の検査用数字の確認方法"). */
#define MN1 "123456789018"
#define MN2 "983205673214"
#define MN3 "314159265352"
#define RC1 "24727059608"

typedef struct {
	gchar *dir;
} Fixture;

void fixture_setup(Fixture *f, gconstpointer data);
void fixture_teardown(Fixture *f, gconstpointer data);
gchar *write_file(Fixture *f, const gchar *name, const void *data, gsize len);
FutClassifier *classifier_from(const gchar *conf, FutLabelStore *store);
FutClassification *classify_path(FutClassifier *cl, const gchar *path, FutClassifyFlags flags);
gboolean has_rule(const FutClassification *c, const gchar *rule, FutClass klass);
void dump(const FutClassification *c, const gchar *name);
void assert_class(FutClassifier *cl, const gchar *path, FutClass want, const gchar *rule);
void assert_text_class(
    Fixture *f, FutClassifier *cl, const gchar *text, FutClass want, const gchar *rule);
FutContentResult *hostile_scan(const FutContentConfig *cfg, int fd, gpointer user_data);
