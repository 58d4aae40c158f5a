#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The false-positive trade-off of the My Number detector, measured: how often lists of
# random 12-digit numbers (receipt, order, account numbers) come out Class I.
#   bench/classify-fp.sh [TRIALS]      (default 1000; run from the build tree after `make`)
# Prints, for lists of N random numbers without a keyword and with 個人番号 in the text,
# the share of lists that are Class I.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tool=${CLASSIFY_FILE:-$here/classify-file}
trials=${1:-1000}
[ -x "$tool" ] || { echo "build first: $tool is missing" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # run KEYWORD N: share of Class I over $trials lists
	local kw=$1 n=$2 dir=$tmp/$1-$2
	mkdir -p "$dir"
	python3 - "$dir" "$kw" "$n" "$trials" <<'PY'
import os, random, sys
d, kw, n, trials = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
random.seed(n * 7 + (kw == 'kw'))
for t in range(trials):
    with open(os.path.join(d, '%05d.csv' % t), 'w') as f:
        f.write('受付番号,金額\n' if kw == 'bare' else '受付番号,金額,備考:個人番号は記載しないこと\n')
        for i in range(n):
            f.write('%012d,%d\n' % (random.randrange(10**12), random.randrange(10**5)))
PY
	"$tool" --json "$dir"/*.csv | grep -c '"class":"I",' || true
}

printf '%-28s %s\n' "list" "Class I"
for n in 1 2 3 4 5 6 8 10 15 30; do
	c=$(run bare $n)
	printf '%-28s %5.1f %%\n' "$n numbers, no keyword" "$(awk -v c="$c" -v t="$trials" 'BEGIN{print 100*c/t}')"
done
for n in 1 3 10 30; do
	c=$(run kw $n)
	printf '%-28s %5.1f %%\n' "$n numbers, with 個人番号" "$(awk -v c="$c" -v t="$trials" 'BEGIN{print 100*c/t}')"
done
