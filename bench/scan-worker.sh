#!/bin/sh
# The classifier sandbox's cost per file (issue 17): bench/scan-worker (the content scan in
# process against the same scan through a futari-scan-worker, side by side, median of 15)
# over generated files: a one-line notice, a 1 MB and a 20 MB CSV with My Numbers, a
# 10 MB xlsx-like zip of CSV text. Root only:
#   sudo top_srcdir=$PWD top_builddir=$PWD sh bench/scan-worker.sh
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
make -s -C "$top_builddir/bench" scan-worker >/dev/null
tmp=$(mktemp -d "${TMPDIR:-/tmp}/futari-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
chmod 0755 "$tmp"
printf 'public notice\n' >"$tmp/notice.txt"
row() { # rows of "name,123456789018"-shaped lines
	awk -v n="$1" 'BEGIN { srand(17); print "氏名,個人番号"; for (i = 0; i < n; i++)
		printf "住民%d,%012d\n", i, int(rand() * 1e12) }'
}
row 40000 >"$tmp/roster-1M.csv"
row 800000 >"$tmp/roster-20M.csv"
(cd "$tmp" && row 400000 >sheet.csv && python3 -c 'import zipfile,sys
z = zipfile.ZipFile("book.zip", "w", zipfile.ZIP_DEFLATED); z.write("sheet.csv"); z.close()')
chmod 0644 "$tmp"/*
"$top_builddir/bench/scan-worker" --program "$top_builddir/agent/futari-scan-worker" \
	--user nobody --rounds 15 "$tmp/notice.txt" "$tmp/roster-1M.csv" "$tmp/roster-20M.csv" \
	"$tmp/book.zip"
