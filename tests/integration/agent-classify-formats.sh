#!/bin/sh
# futari classify through the real agent on files made the way Japanese offices make them
# (issue 17): a gzip'ed roster, a self-extracting-style zip after other data, EUC-JP and
# Shift_JIS-after-ASCII markings, a marking in the file name, dense data of no known format,
# an RTF with Shift_JIS escapes; and a compressed notice that stays Class III.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv gzip xz iconv zip head
agent_setup
user_home
start_agent

mn=123456789018
expect() { # expect FILE CLASS
	chown 65534:65534 "$1"
	out=$(as_user "$FUTARI" classify "$1" 2>&1) || fail "classify failed on $1: $out"
	echo "$out" | head -1 | grep -q ": Class $2\$" || fail "$(basename "$1"): expected Class $2: $out"
}

printf '氏名,個人番号\n山田,%s\n' "$mn" | gzip -9 >"$HOME_U/roster.csv.gz"
expect "$HOME_U/roster.csv.gz" I

printf '会議のお知らせ\n' | xz >"$HOME_U/notice.txt.xz"
expect "$HOME_U/notice.txt.xz" III

printf '取扱注意　予定価格\n' | iconv -f UTF-8 -t EUC-JP >"$HOME_U/euc.txt"
expect "$HOME_U/euc.txt" II

{ head -c 70000 /dev/zero | tr '\0' 'a'; printf '\n部外秘\n' | iconv -f UTF-8 -t CP932; } >"$HOME_U/late.txt"
expect "$HOME_U/late.txt" II

printf '会議\n' >"$HOME_U/【極秘】memo.txt"
expect "$HOME_U/【極秘】memo.txt" II

head -c 200000 /dev/urandom >"$HOME_U/blob.dat"
expect "$HOME_U/blob.dat" II

printf '個人番号,%s\n' "$mn" >"$TEST_TMP/roster.csv"
(cd "$TEST_TMP" && zip -q roster.zip roster.csv)
{ head -c 70000 /dev/zero | tr '\0' 'M'; cat "$TEST_TMP/roster.zip"; } >"$HOME_U/setup.exe"
expect "$HOME_U/setup.exe" I

kw=$(printf '個人番号' | iconv -f UTF-8 -t CP932 | od -An -tx1 | tr -d ' \n' | sed "s/\(..\)/\\\\'\1/g")
printf '{\\rtf1\\ansi\\ansicpg932 %s %s\\par}' "$kw" "$mn" >"$HOME_U/form.rtf"
expect "$HOME_U/form.rtf" I

stop_agent
exit 0
