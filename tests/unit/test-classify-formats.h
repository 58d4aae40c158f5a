/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "classify.h"

G_BEGIN_DECLS

/* test-classify-formats: the helpers of test-classify-formats.c, shared with its packed-data
 * and Office tests (test-classify-formats-packed.c). */

/* Synthetic identifiers with computed check digits (see test-classify.c). */
#define MN1 "123456789018"
#define MN2 "983205673214"
#define MN3 "314159265352"

#define ROSTER "氏名,個人番号\n山田," MN1 "\n佐藤," MN2 "\n"

FutClassifier *classifier_from(const gchar *conf);
FutClassification *
classify_bytes(FutClassifier *cl, const void *data, gsize len, const gchar *name);
gboolean has_rule(const FutClassification *c, const gchar *rule, FutClass klass);
void expect(FutClassifier *cl,
            const void *data,
            gsize len,
            const gchar *name,
            FutClass want,
            const gchar *rule);
void
expect_bytes(FutClassifier *cl, GBytes *b, const gchar *name, FutClass want, const gchar *rule);

/* Registers the packed-data and Office tests (test-classify-formats-packed.c). */
void test_classify_formats_add_packed(void);

G_END_DECLS
