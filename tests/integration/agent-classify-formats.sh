#!/bin/sh
# futari classify through the real agent on files made the way Japanese offices make them
# (issue 17): a gzip'ed roster, a self-extracting-style zip after other data, EUC-JP and
# Shift_JIS-after-ASCII markings, a marking in the file name, dense data of no known format,
# an RTF with Shift_JIS escapes; and a compressed notice that stays Class III. PDF (poppler)
# and mail (GMime) are parsed inside the sandboxed content-parser worker the agent runs
# (agent_setup configures it; the agent log must say so): a PDF showing My Numbers is
# Class I by its text, a PDF notice Class III, a PDF without text (a scan) Class II; a mail
# with a base64 Shift_JIS roster attached is Class I, one with 【極秘】 in its ISO-2022-JP
# subject Class II; a base64 copy of a roster is Class I by what it decodes to. Files made
# here with python3, none committed.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv gzip xz iconv zip head python3
agent_setup
user_home
start_agent
grep -q 'content parsers: up to .* workers as user nobody, seccomp' "$TEST_TMP/agent.log" ||
	fail "the content parsers do not run in sandboxed workers: $(cat "$TEST_TMP/agent.log")"

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

# A base64 copy of a roster (round 11: it was Class III), and of that copy's xz; three
# levels of base64 are Class I, four are Class II; a base64 roster after 100 KiB of other
# text (round 12: round 11 looked only at the first 64 KiB).
printf '氏名,個人番号\n山田,%s\n佐藤,983205673214\n' "$mn" | base64 >"$HOME_U/roster.b64"
expect_b64() { expect "$1" "$2"; echo "$out" | grep -q base64 || fail "$(basename "$1"): no base64 evidence: $out"; }
expect_b64 "$HOME_U/roster.b64" I
printf '氏名,個人番号\n山田,%s\n佐藤,983205673214\n' "$mn" | xz | base64 -w 0 >"$HOME_U/roster.xz.b64"
expect_b64 "$HOME_U/roster.xz.b64" I
base64 "$HOME_U/roster.b64" | base64 >"$HOME_U/roster.b64.b64.b64"
expect_b64 "$HOME_U/roster.b64.b64.b64" I
base64 "$HOME_U/roster.b64.b64.b64" >"$HOME_U/roster.b64x4"
expect_b64 "$HOME_U/roster.b64x4" II
{
	yes 'Permission is hereby granted, free of charge, to any person obtaining a copy' |
		head -c 102400
	cat "$HOME_U/roster.b64"
} >"$HOME_U/licence-then.txt"
expect_b64 "$HOME_U/licence-then.txt" I
# ...and plain hex, as `xxd -p` writes it (60 digits a line; od here, which coreutils has)
printf '氏名,個人番号\n山田,%s\n佐藤,983205673214\n' "$mn" | od -An -v -tx1 | tr -d ' \n' |
	fold -w 60 >"$HOME_U/roster.hex"
expect_b64 "$HOME_U/roster.hex" I

kw=$(printf '個人番号' | iconv -f UTF-8 -t CP932 | od -An -tx1 | tr -d ' \n' | sed "s/\(..\)/\\\\'\1/g")
printf '{\\rtf1\\ansi\\ansicpg932 %s %s\\par}' "$kw" "$mn" >"$HOME_U/form.rtf"
expect "$HOME_U/form.rtf" I

# PDF: one page of Helvetica text with a correct cross-reference table (as the unit test's
# make_pdf()); no text at all is a scan. With "cjk", the text is shown the way Japanese
# PDFs without embedded fonts show it: a Type0 font of the Adobe-Japan1 collection, encoding
# UniJIS-UCS2-H, no font file; reading it needs poppler's CMap files (poppler-data).
mkpdf() { # mkpdf FILE [TEXT [cjk]]
	python3 - "$1" "${2-}" "${3-}" <<'PY'
import sys
path, text, cjk = sys.argv[1], sys.argv[2], sys.argv[3] == 'cjk'
if cjk:
    stream = 'BT /F1 12 Tf 72 720 Td <%s> Tj ET' % text.encode('utf-16-be').hex().upper()
    fonts = ['<< /Type /Font /Subtype /Type0 /BaseFont /MS-Mincho /Encoding /UniJIS-UCS2-H '
             '/DescendantFonts [6 0 R] >>',
             '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /MS-Mincho /CIDSystemInfo '
             '<< /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> /FontDescriptor 7 0 R >>',
             '<< /Type /FontDescriptor /FontName /MS-Mincho /Flags 4 '
             '/FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 '
             '/CapHeight 859 /StemV 80 >>']
else:
    stream = ('BT /F1 12 Tf 72 720 Td (%s) Tj ET' % text) if text else ''
    fonts = ['<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>']
objs = ['<< /Type /Catalog /Pages 2 0 R >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R '
        '/Resources << /Font << /F1 5 0 R >> >> >>',
        '<< /Length %d >>\nstream\n%s\nendstream' % (len(stream), stream)] + fonts
out, offsets = '%PDF-1.4\n', []
for i, o in enumerate(objs):
    offsets.append(len(out))
    out += '%d 0 obj\n%s\nendobj\n' % (i + 1, o)
xref = len(out)
out += 'xref\n0 %d\n0000000000 65535 f \n' % (len(objs) + 1)
out += ''.join('%010d 00000 n \n' % o for o in offsets)
out += 'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (len(objs) + 1, xref)
open(path, 'w', encoding='ascii').write(out)
PY
}
expect_rule() { # expect_rule FILE CLASS RULE
	expect "$1" "$2"
	echo "$out" | grep -q "$3" || fail "$(basename "$1"): no $3 evidence: $out"
}
mkpdf "$HOME_U/list.pdf" "List 123456789018 983205673214 314159265352"
expect_rule "$HOME_U/list.pdf" I mynumber
mkpdf "$HOME_U/notice.pdf" "Meeting on Monday"
expect "$HOME_U/notice.pdf" III
mkpdf "$HOME_U/scan.pdf"
expect_rule "$HOME_U/scan.pdf" II unsupported
# Japanese text in a font that is not embedded: the worker reads poppler's CMaps (its only
# path, read-only) or loses the text, and this roster would be Class II for having none.
if [ -d /usr/share/poppler/cMap ]; then
	mkpdf "$HOME_U/cjk.pdf" "個人番号 $mn" cjk
	expect_rule "$HOME_U/cjk.pdf" I mynumber
	mkpdf "$HOME_U/cjk-mark.pdf" "極秘　会議資料" cjk
	expect_rule "$HOME_U/cjk-mark.pdf" II marking
else
	echo "# no poppler-data here: the Japanese PDF cases are not run" >&2
fi

# Mail: a Shift_JIS roster attached in base64; a marking in an encoded subject.
mkmail() { # mkmail FILE SUBJECT ATTACHMENT-TEXT [SUBJECT-CHARSET]
	python3 - "$@" <<'PY'
import base64, sys
path, subject, attached = sys.argv[1], sys.argv[2], sys.argv[3]
cs = sys.argv[4] if len(sys.argv) > 4 else 'ISO-2022-JP'
enc = '=?%s?B?%s?=' % (cs, base64.b64encode(subject.encode(cs.lower())).decode())
body = '会議のお知らせです。\n'.encode('iso-2022-jp')
att = base64.encodebytes(attached.encode('cp932')).decode()
mail = (b'From: a@example.jp\nTo: b@example.jp\nSubject: ' + enc.encode() +
        b'\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="XX"\n\n'
        b'--XX\nContent-Type: text/plain; charset=ISO-2022-JP\n'
        b'Content-Transfer-Encoding: 7bit\n\n' + body +
        b'\n--XX\nContent-Type: text/csv; name="list.csv"\n'
        b'Content-Disposition: attachment; filename="list.csv"\n'
        b'Content-Transfer-Encoding: base64\n\n' + att.encode() + b'\n--XX--\n')
open(path, 'wb').write(mail)
PY
}
mkmail "$HOME_U/roster.eml" "会議" "$(printf '氏名,個人番号\n山田,%s\n佐藤,983205673214\n' "$mn")"
expect_rule "$HOME_U/roster.eml" I mynumber
mkmail "$HOME_U/price.eml" "【極秘】予定価格" "会議"
expect_rule "$HOME_U/price.eml" II marking
for cs in Shift_JIS EUC-JP UTF-8; do
	mkmail "$HOME_U/price-$cs.eml" "【極秘】予定価格" "会議" "$cs"
	expect_rule "$HOME_U/price-$cs.eml" II marking
done

stop_agent
exit 0
