/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The importance class (重要度分類) of a piece of information: what a request and a
 * certificate name (token.h) and what the classifier decides. A smaller non-zero value is
 * stricter. Zero is INVALID in a request and NONE ("no finding", treated as Class III) for
 * the classifier. */
typedef enum {
	FUT_CLASS_INVALID = 0,
	FUT_CLASS_NONE = 0,
	FUT_CLASS_I = 1,   /* personal data identifying a person: two approvers by default */
	FUT_CLASS_II = 2,  /* harmful to administration if leaked: one approver by default */
	FUT_CLASS_III = 3, /* public or harmless: no approval */
} FutClass;

/* Returns the stricter of @a and @b (NONE counts as less strict than III). */
static inline FutClass
fut_class_max(FutClass a, FutClass b)
{
	if (a == FUT_CLASS_NONE)
		return b;
	if (b == FUT_CLASS_NONE)
		return a;
	return a < b ? a : b;
}

/* "I", "II", "III", or "none". Static strings. (fut_class_to_string() in token.h gives
 * NULL instead of "none".) */
static inline const gchar *
fut_class_name(FutClass c)
{
	switch (c) {
	case FUT_CLASS_I:
		return "I";
	case FUT_CLASS_II:
		return "II";
	case FUT_CLASS_III:
		return "III";
	default:
		return "none";
	}
}

/* Returns the class for exactly "I", "II" or "III" (@len bytes at @s); NONE for anything
 * else, including surrounding whitespace or a trailing NUL. */
static inline FutClass
fut_class_parse(const gchar *s, gsize len)
{
	if (len == 1 && s[0] == 'I')
		return FUT_CLASS_I;
	if (len == 2 && s[0] == 'I' && s[1] == 'I')
		return FUT_CLASS_II;
	if (len == 3 && s[0] == 'I' && s[1] == 'I' && s[2] == 'I')
		return FUT_CLASS_III;
	return FUT_CLASS_NONE;
}

G_END_DECLS
