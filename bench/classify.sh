#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Classifier scan speed against `grep -cE '[0-9]{12}'` on the same generated CSV, in one run,
# in UTF-8 and in Shift_JIS (against LC_ALL=C grep); Japanese prose (where the scanner's
# vector filter matters most), with the filter and without (--filter scalar); an xlsx
# against `unzip -p | grep`; and a 2 GiB sparse file.
#   bench/classify.sh [SIZE_MB]        (default 100; run from the build tree after `make`)
# Prints MB/s for each and the time ratios classifier/grep (median of 5 runs each), in wall
# time and in CPU time (user + sys, all threads: on a loaded machine the steadier figure).
# With CLASSIFY_FILE_BASE=/other/build/bench/classify-file, that build (the code before a
# change) is run on the same text files in the same minutes, its ratios printed beside: the
# two builds' runs interleaved (best_pair), so neither always runs second.
# Not part of `make check`: speed is a ratio against a baseline measured side by side, never
# a timed assertion.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tool=${CLASSIFY_FILE:-$here/classify-file}
size_mb=${1:-100}
[ -x "$tool" ] || { echo "build first: $tool is missing" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
csv=$tmp/roster.csv

# A roster like a 基幹系 extract: id, name, 12-digit numbers (about 1 in 11 with a valid
# My Number check digit, as random numbers have), phone, address, amount. UTF-8.
python3 - "$csv" "$size_mb" <<'PY'
import random, sys
path, mb = sys.argv[1], int(sys.argv[2])
random.seed(7)
names = ['山田太郎', '佐藤花子', '鈴木一郎', '高橋美咲', '田中健']
towns = ['中央区本町1-2-3', '北区緑町4-5', '南区港町10-1-201']
target = mb * 1000 * 1000
with open(path, 'w', encoding='utf-8') as f:
    f.write('番号,氏名,番号2,電話,住所,金額\n')
    n = 0
    size = 0
    while size < target:
        line = '%d,%s,%012d,0%d-%04d-%04d,%s,%d\n' % (
            n, random.choice(names), random.randrange(10**12), random.randrange(1, 10),
            random.randrange(10**4), random.randrange(10**4), random.choice(towns),
            random.randrange(10**7))
        f.write(line)
        size += len(line.encode())
        n += 1
PY
conf=$tmp/classify.conf
printf '[classify]\nscan-limit=%dM\n' $((size_mb * 2)) >"$conf"
bytes=$(stat -c %s "$csv")

# warm the page cache so both read from memory
cat "$csv" >/dev/null

base=${CLASSIFY_FILE_BASE:-}
[ -z "$base" ] || [ -x "$base" ] || { echo "not executable: $base" >&2; exit 2; }
# Median of 5 runs of "$@": wall-clock nanoseconds; the median CPU time (user + sys, in
# nanoseconds) of the same runs is left in $tmp/cpu.
best() {
	local s e TIMEFORMAT='%3U %3S' # bash's time: user and sys in milliseconds
	local -a ts=() cs=()
	for _ in 1 2 3 4 5; do
		s=$(date +%s%N)
		# not /dev/null: GNU grep then stops at the first match
		{ time "$@" >"$tmp/out"; } 2>"$tmp/time"
		e=$(date +%s%N)
		ts+=($((e - s)))
		cs+=($(awk 'END { printf "%d", ($1 + $2) * 1e9 }' "$tmp/time"))
	done
	printf '%s\n' "${cs[@]}" | sort -n | sed -n 3p >"$tmp/cpu"
	printf '%s\n' "${ts[@]}" | sort -n | sed -n 3p
}

# The classifier on one file, 5 runs; with a baseline build, that build's 5 runs interleaved
# (new, base; base, new; ...), so neither build always runs second on a machine whose speed
# drifts. Leaves the wall medians in $tmp/ta (and $tmp/tb for the baseline) and the CPU
# medians in $tmp/ca (and $tmp/cb), in nanoseconds.
best_pair() {
	local file=$1 s e i w TIMEFORMAT='%3U %3S'
	local -a ta=() tb=() ca=() cb=()
	for i in 0 1 2 3 4; do
		for w in $(if [ -z "$base" ]; then echo a; elif [ $((i % 2)) = 0 ]; then echo a b; else echo b a; fi); do
			local bin=$tool
			[ "$w" = b ] && bin=$base
			s=$(date +%s%N)
			{ time "$bin" --config "$conf" "$file" >"$tmp/out"; } 2>"$tmp/time"
			e=$(date +%s%N)
			if [ "$w" = a ]; then
				ta+=($((e - s)))
				ca+=($(awk 'END { printf "%d", ($1 + $2) * 1e9 }' "$tmp/time"))
			else
				tb+=($((e - s)))
				cb+=($(awk 'END { printf "%d", ($1 + $2) * 1e9 }' "$tmp/time"))
			fi
		done
	done
	printf '%s\n' "${ta[@]}" | sort -n | sed -n 3p >"$tmp/ta"
	printf '%s\n' "${ca[@]}" | sort -n | sed -n 3p >"$tmp/ca"
	[ -z "$base" ] || printf '%s\n' "${tb[@]}" | sort -n | sed -n 3p >"$tmp/tb"
	[ -z "$base" ] || printf '%s\n' "${cb[@]}" | sort -n | sed -n 3p >"$tmp/cb"
}

t_grep=$(best grep -cE '[0-9]{12}' "$csv")
c_grep=$(cat "$tmp/cpu")
best_pair "$csv"
t_cls=$(cat "$tmp/ta") c_cls=$(cat "$tmp/ca")
[ -z "$base" ] || { t_bcls=$(cat "$tmp/tb") c_bcls=$(cat "$tmp/cb"); }
t_dig=$(best "$tool" --config "$conf" --digest "$csv")
c_dig=$(cat "$tmp/cpu")
# the same scan in one thread (a text of 16 MiB or more is otherwise split in two at a line
# end near its middle, as the sandboxed worker does: common/content-split.c)
t_one=$(best "$tool" --config "$conf" --one-thread "$csv")
c_one=$(cat "$tmp/cpu")
t_one_dig=$(best "$tool" --config "$conf" --one-thread --digest "$csv")
mbps() { awk -v b="${2:-$bytes}" -v t="$1" 'BEGIN { printf "%7.1f MB/s (%.3f s)", b / 1e6 / (t / 1e9), t / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# The same roster in Shift_JIS (CP932), as Excel saves "CSV": scanned without conversion.
sjis=$tmp/roster-sjis.csv
iconv -f UTF-8 -t CP932 "$csv" >"$sjis"
sjis_bytes=$(stat -c %s "$sjis")
cat "$sjis" >/dev/null
t_cgrep=$(LC_ALL=C best grep -cE '[0-9]{12}' "$sjis")
c_cgrep=$(cat "$tmp/cpu")
best_pair "$sjis"
t_sjis=$(cat "$tmp/ta") c_sjis=$(cat "$tmp/ca")
[ -z "$base" ] || { t_bsjis=$(cat "$tmp/tb") c_bsjis=$(cat "$tmp/cb"); }

# Japanese prose (minutes of a meeting), few digits: nearly every byte is a kanji or kana
# byte that could start a marking word in one of the three encodings.
prose=$tmp/minutes.txt
python3 - "$prose" "$size_mb" <<'PY'
import random, sys
path, mb = sys.argv[1], int(sys.argv[2])
random.seed(11)
words = ['本日の', '会議では', '来年度の', '予算案について', '市民課', '担当者が', '説明を行い、',
         '質疑応答の後、', '承認された。', '住民の皆様からの', 'ご意見を', '踏まえて', '検討を',
         '進めます。', '令和六年', '第三回', '議事録', '出席者', '報告事項', '福祉', '教育委員会',
         'について', '確認した。', '、', '。\n']
target = mb * 1000 * 1000
with open(path, 'w', encoding='utf-8') as f:
    size = 0
    while size < target:
        s = ''.join(random.choice(words) for _ in range(40))
        f.write(s)
        size += len(s.encode())
PY
prose_bytes=$(stat -c %s "$prose")
cat "$prose" >/dev/null
t_pgrep=$(best grep -cE '[0-9]{12}' "$prose")
c_pgrep=$(cat "$tmp/cpu")
best_pair "$prose"
t_prose=$(cat "$tmp/ta") c_prose=$(cat "$tmp/ca")
[ -z "$base" ] || { t_bprose=$(cat "$tmp/tb") c_bprose=$(cat "$tmp/cb"); }
t_prose_scalar=$(best "$tool" --config "$conf" --filter scalar "$prose")
t_cls_scalar=$(best "$tool" --config "$conf" --filter scalar "$csv")

# Start-up alone (an empty file): the classifier links every format reader (poppler,
# GMime, libarchive, ...) and builds its word automaton; grep starts in a millisecond. The
# agent pays this once, the bench on every run: printed apart, never subtracted above.
empty=$tmp/empty.txt
: >"$empty"
best grep -cE '[0-9]{12}' "$empty" >/dev/null || true
c_egrep=$(cat "$tmp/cpu")
best "$tool" --config "$conf" "$empty" >/dev/null
c_ecls=$(cat "$tmp/cpu")

# CLASSIFY_TEXT_ONLY=1: the three text files only
text_only=${CLASSIFY_TEXT_ONLY:-0}
if [ "$text_only" != 1 ]; then
# An xlsx as a roster export writes it (one sheet, numbers as numbers, names as shared
# strings, the sheet XML on one line as Excel writes it): SIZE_MB of XML, deflated.
xlsx=$tmp/roster.xlsx
python3 - "$xlsx" "$size_mb" <<'PY'
import random, sys, zipfile
path, mb = sys.argv[1], int(sys.argv[2])
random.seed(5)
names = ['山田太郎', '佐藤花子', '鈴木一郎', '高橋美咲', '田中健']
towns = ['中央区本町1-2-3', '北区緑町4-5', '南区港町10-1-201']
ns = 'http://schemas.openxmlformats.org/'
rel = ns + 'officeDocument/2006/relationships'
rows, size, r = [], 0, 1
while size < mb * 1000 * 1000:
    row = ('<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c>'
           '<c r="C%d"><v>%d</v></c><c r="D%d" t="s"><v>%d</v></c><c r="E%d"><v>%d</v></c></row>'
           % (r, r, r, r, random.randrange(5), r, random.randrange(10**11, 10**12), r,
              5 + random.randrange(3), r, random.randrange(10**7)))
    rows.append(row)
    size += len(row)
    r += 1
parts = {
    '[Content_Types].xml': '<?xml version="1.0"?><Types xmlns="' + ns + 'package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
    '_rels/.rels': '<?xml version="1.0"?><Relationships xmlns="' + ns + 'package/2006/relationships">'
    '<Relationship Id="rId1" Type="' + rel + '/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    'xl/workbook.xml': '<?xml version="1.0"?><workbook xmlns="' + ns + 'spreadsheetml/2006/main" xmlns:r="' + rel +
    '"><sheets><sheet name="名簿" sheetId="1" r:id="rId1"/></sheets></workbook>',
    'xl/_rels/workbook.xml.rels': '<?xml version="1.0"?><Relationships xmlns="' + ns + 'package/2006/relationships">'
    '<Relationship Id="rId1" Type="' + rel + '/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="' + rel + '/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    'xl/sharedStrings.xml': '<?xml version="1.0"?><sst xmlns="' + ns + 'spreadsheetml/2006/main">' +
    ''.join('<si><t>%s</t></si>' % s for s in names + towns) + '</sst>',
    'xl/worksheets/sheet1.xml': '<?xml version="1.0"?><worksheet xmlns="' + ns + 'spreadsheetml/2006/main"><sheetData>' +
    ''.join(rows) + '</sheetData></worksheet>',
}
with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED, compresslevel=6) as z:
    for name, text in parts.items():
        z.writestr(name, text)
PY
xlsx_bytes=$(stat -c %s "$xlsx")
cat "$xlsx" >/dev/null
t_unzip=$(best sh -c "unzip -p '$xlsx' >/dev/null")
t_uzgrep=$(best sh -c "unzip -p '$xlsx' | grep -cE '[0-9]{12}'")
t_xlsx=$(best "$tool" --config "$conf" "$xlsx")

# A 2 GiB sparse file with a few bytes of data: holes are skipped.
sparse=$tmp/sparse.dat
truncate -s 2G "$sparse"
printf 'end\n' | dd of="$sparse" bs=1 seek=$((2 * 1024 * 1024 * 1024 - 4)) conv=notrunc status=none
t_sparse=$(best "$tool" "$sparse")

# Small files, as the fanotify path sees them on first open: 2000 x 4 KiB text files,
# classified in one process, against cat reading the same files.
mkdir "$tmp/small"
python3 - "$tmp/small" <<'PY'
import os, random, sys
random.seed(3)
for i in range(2000):
    with open(os.path.join(sys.argv[1], 'f%04d.txt' % i), 'w') as f:
        while f.tell() < 4096:
            f.write('%d,会議資料,%07d\n' % (i, random.randrange(10**7)))
PY
small=("$tmp"/small/*.txt)
t_cat=$(best cat "${small[@]}")
t_small=$(best "$tool" --config "$conf" "${small[@]}")

fi

echo "file: $((bytes / 1000000)) MB generated CSV"
"$tool" --config "$conf" "$csv" | sed 's/^/  /'
echo "grep -cE '[0-9]{12}':       $(mbps "$t_grep")"
echo "classifier:                $(mbps "$t_cls")"
echo "classifier + SHA-256:      $(mbps "$t_dig")"
echo "time ratio classifier/grep:           $(ratio "$t_cls" "$t_grep")"
echo "time ratio classifier+SHA-256/grep:   $(ratio "$t_dig" "$t_grep")"
echo "one thread (--one-thread):            $(ratio "$t_one" "$t_grep") (CPU $(awk -v t="$c_one" 'BEGIN { printf "%.3f s", t / 1e9 }')); with SHA-256 $(ratio "$t_one_dig" "$t_grep")"
echo "Shift_JIS: LC_ALL=C grep -cE:  $(mbps "$t_cgrep" "$sjis_bytes")"
echo "Shift_JIS: classifier:         $(mbps "$t_sjis" "$sjis_bytes")"
echo "time ratio classifier/grep (Shift_JIS): $(ratio "$t_sjis" "$t_cgrep")"
echo "vector filter: $("$tool" --filter avx2 /dev/null >/dev/null 2>&1 && echo avx2 || echo "ssse3 or none")"
echo "classifier, --filter scalar:           $(mbps "$t_cls_scalar")"
echo "Japanese prose: grep -cE:              $(mbps "$t_pgrep" "$prose_bytes")"
echo "Japanese prose: classifier:            $(mbps "$t_prose" "$prose_bytes")"
echo "Japanese prose: --filter scalar:       $(mbps "$t_prose_scalar" "$prose_bytes")"
echo "time ratio classifier/grep (prose):    $(ratio "$t_prose" "$t_pgrep")"
cpu() { awk -v t="$1" 'BEGIN { printf "%.3f s", t / 1e9 }'; }
echo "CPU time (user+sys), median of 5: grep $(cpu "$c_grep"), classifier $(cpu "$c_cls"), + SHA-256 (both threads) $(cpu "$c_dig")"
echo "CPU ratio classifier/grep:             $(ratio "$c_cls" "$c_grep")"
echo "CPU ratio classifier+SHA-256/grep:     $(ratio "$c_dig" "$c_grep") (the hash's own thread counted)"
echo "CPU ratio classifier/grep (Shift_JIS): $(ratio "$c_sjis" "$c_cgrep") (grep $(cpu "$c_cgrep"), classifier $(cpu "$c_sjis"))"
echo "CPU ratio classifier/grep (prose):     $(ratio "$c_prose" "$c_pgrep") (grep $(cpu "$c_pgrep"), classifier $(cpu "$c_prose"))"
echo "start-up alone (empty file), CPU: grep $(cpu "$c_egrep"), classifier $(cpu "$c_ecls"); CPU ratios without it (each side's start-up taken off, for the scan alone): UTF-8 $(ratio $((c_cls - c_ecls)) $((c_grep - c_egrep))), Shift_JIS $(ratio $((c_sjis - c_ecls)) $((c_cgrep - c_egrep))), prose $(ratio $((c_prose - c_ecls)) $((c_pgrep - c_egrep)))"
if [ -n "$base" ]; then
	echo "baseline $base, the same files in the same minutes:"
	echo "  UTF-8 CSV:     time ratio $(ratio "$t_bcls" "$t_grep"), CPU ratio $(ratio "$c_bcls" "$c_grep") ($(cpu "$c_bcls"))"
	echo "  Shift_JIS CSV: time ratio $(ratio "$t_bsjis" "$t_cgrep"), CPU ratio $(ratio "$c_bsjis" "$c_cgrep") ($(cpu "$c_bsjis"))"
	echo "  prose:         time ratio $(ratio "$t_bprose" "$t_pgrep"), CPU ratio $(ratio "$c_bprose" "$c_pgrep") ($(cpu "$c_bprose"))"
fi
[ "$text_only" = 1 ] && exit 0
sec() { awk -v t="$1" 'BEGIN { printf "%.3f s", t / 1e9 }'; }
echo "xlsx ($((xlsx_bytes / 1000000)) MB, $size_mb MB of XML): unzip -p >/dev/null $(sec "$t_unzip"), unzip -p | grep -cE $(sec "$t_uzgrep"), classifier $(sec "$t_xlsx")"
echo "time ratio classifier/(unzip -p | grep):  $(ratio "$t_xlsx" "$t_uzgrep")"
echo "time ratio classifier/(unzip -p alone):   $(ratio "$t_xlsx" "$t_unzip")"
echo "2 GiB sparse file: classifier $(awk -v t="$t_sparse" 'BEGIN { printf "%.3f s", t / 1e9 }')"
per() { awk -v t="$1" -v n="${#small[@]}" 'BEGIN { printf "%6.1f us/file", t / 1e3 / n }'; }
echo "2000 small files: cat $(per "$t_cat"), classifier $(per "$t_small"), ratio cat/classifier $(ratio "$t_cat" "$t_small")"
