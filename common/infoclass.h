/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The importance class (重要度分類) as the classifier decides it. The values are those of
 * FutClass in token.h (I = 1, II = 2, III = 3), so a cast between the two is exact; a
 * smaller non-zero value is stricter. NONE means "no finding" (treated as Class III). */
typedef enum {
	FUT_INFO_CLASS_NONE = 0,
	FUT_INFO_CLASS_I = 1,   /* personal data identifying a person */
	FUT_INFO_CLASS_II = 2,  /* harmful to administration if leaked */
	FUT_INFO_CLASS_III = 3, /* public or harmless */
} FutInfoClass;

/* Returns the stricter of @a and @b (NONE counts as less strict than III). */
static inline FutInfoClass
fut_info_class_max(FutInfoClass a, FutInfoClass b)
{
	if (a == FUT_INFO_CLASS_NONE)
		return b;
	if (b == FUT_INFO_CLASS_NONE)
		return a;
	return a < b ? a : b;
}

/* "I", "II", "III", or "none". Static strings. */
static inline const gchar *
fut_info_class_to_string(FutInfoClass c)
{
	switch (c) {
	case FUT_INFO_CLASS_I:
		return "I";
	case FUT_INFO_CLASS_II:
		return "II";
	case FUT_INFO_CLASS_III:
		return "III";
	default:
		return "none";
	}
}

/* Returns the class for exactly "I", "II" or "III" (@len bytes at @s); NONE for anything
 * else, including surrounding whitespace or a trailing NUL. */
static inline FutInfoClass
fut_info_class_parse(const gchar *s, gsize len)
{
	if (len == 1 && s[0] == 'I')
		return FUT_INFO_CLASS_I;
	if (len == 2 && s[0] == 'I' && s[1] == 'I')
		return FUT_INFO_CLASS_II;
	if (len == 3 && s[0] == 'I' && s[1] == 'I' && s[2] == 'I')
		return FUT_INFO_CLASS_III;
	return FUT_INFO_CLASS_NONE;
}

G_END_DECLS
