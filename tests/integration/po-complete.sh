#!/bin/sh
# Every message the programs can show has its Japanese (po/ja.po): the staff and supervisors
# this is for read Japanese, and a message added in English only showed up untranslated in
# notifications (round 15 found ten). The sources' messages are extracted as po/Makefile
# does (the keywords of po/Makevars, the files of po/POTFILES.in), merged with ja.po, and
# none may be untranslated or fuzzy; ja.po must compile with msgfmt's checks (format
# strings match); and every source file that marks a message for translation must be listed
# in POTFILES.in, or its messages are never extracted at all.
. "$(dirname "$0")/lib.sh"
require_cmd xgettext msgmerge msgattrib msgfmt
src=${top_srcdir:?top_srcdir is not set}
TEST_TMP=$(mktemp -d)
trap 'rm -rf "$TEST_TMP"' EXIT

# the keywords, from po/Makevars (one place)
kw=$(sed -n '/^XGETTEXT_OPTIONS/,/[^\\]$/p' "$src/po/Makevars" | sed 's/^XGETTEXT_OPTIONS =//; s/\\$//' | tr '\n' ' ')
files=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$src/po/POTFILES.in")
[ -n "$files" ] || fail "po/POTFILES.in lists no file"
# shellcheck disable=SC2086 # the keywords and the file list are words
(cd "$src" && xgettext $kw --package-name=futari -o "$TEST_TMP/futari.pot" $files) ||
	fail "xgettext failed on the files of po/POTFILES.in"
msgfmt -c -o /dev/null "$src/po/ja.po" 2>"$TEST_TMP/msgfmt.err" ||
	fail "po/ja.po does not compile: $(head -n 5 "$TEST_TMP/msgfmt.err")"
msgmerge -q -o "$TEST_TMP/ja.po" "$src/po/ja.po" "$TEST_TMP/futari.pot" ||
	fail "msgmerge failed"
untranslated=$(msgattrib --untranslated --no-obsolete "$TEST_TMP/ja.po" | grep -c '^msgid "[^"]' || true)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$TEST_TMP/ja.po" | grep -c '^msgid "[^"]' || true)
if [ "$untranslated" -gt 0 ] || [ "$fuzzy" -gt 0 ]; then
	msgattrib --untranslated --no-obsolete "$TEST_TMP/ja.po" >"$TEST_TMP/missing.po"
	msgattrib --only-fuzzy --no-obsolete "$TEST_TMP/ja.po" >>"$TEST_TMP/missing.po"
	fail "po/ja.po lacks $untranslated message(s) and has $fuzzy fuzzy against the sources, e.g.: $(grep -A2 '^msgid "[^"]' "$TEST_TMP/missing.po" | head -n 6 | tr '\n' ' ')"
fi
# sources that mark messages but are not extracted
missing=""
for f in $(cd "$src" && git ls-files 'agent/*.c' 'approver/*.c' 'common/*.c' 2>/dev/null ||
	(cd "$src" && ls agent/*.c approver/*.c common/*.c)); do
	grep -q '[^A-Za-z0-9_]_("\|[^A-Za-z0-9_]N_("' "$src/$f" || continue
	echo "$files" | grep -qx "$f" || missing="$missing $f"
done
[ -z "$missing" ] || fail "files with translatable messages missing from po/POTFILES.in:$missing"
echo "po/ja.po: every message of the $(echo "$files" | wc -l) files of POTFILES.in has its Japanese"
