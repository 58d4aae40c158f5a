#!/bin/bash
# futari-audit throughput over synthetic logs of many hosts, against sha256sum over the same
# bytes (the floor: every byte must at least be hashed once). Not part of make check.
#
#   bench/log-throughput.sh [HOSTS] [EVENTS]      (defaults 3000 and 1000000)
#
# Run from the build tree after `make`. The logs go to /dev/shm when it exists (tmpfs: the
# generator's checkpoint fsyncs cost nothing there; the benchmark measures reading).
set -eu
hosts=${1:-3000}
events=${2:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
top=${top_builddir:-$here/..}
gen=$top/bench/futari-loggen
audit=$top/approver/futari-audit
[ -x "$gen" ] && [ -x "$audit" ] || { echo "build first: make (needs $gen and $audit)" >&2; exit 2; }

base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
dir=$(mktemp -d "$base/futari-bench-XXXXXX")
trap 'rm -rf "$dir"' EXIT

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# Wall-clock and CPU (user+sys) seconds of a command; on a shared machine the CPU figure is
# the stable one, so the ratio uses it.
TIMEFORMAT='%R %U %S'
measure() {
	local t
	t=$( { time "$@" > /dev/null 2>&1; } 2>&1 | tail -1 )
	wall=$(echo "$t" | awk '{ print $1 }')
	cpu=$(echo "$t" | awk '{ printf "%.2f", $2 + $3 }')
}

echo "generating $hosts hosts, ~$events events in $dir ..."
t0=$(now)
"$gen" --hosts "$hosts" --events "$events" --month 2026-11 --out "$dir"
t1=$(now)
echo "generated in $(secs "$t0" "$t1") s"

# The same list of files for every tool, in the same order.
find "$dir" -name 'egress-*.jsonl' | sort > "$dir/files"
lines=$(xargs cat < "$dir/files" | wc -l)
bytes=$(xargs cat < "$dir/files" | wc -c)
echo "records: $lines, bytes: $bytes ($(awk -v b="$bytes" 'BEGIN{printf "%.0f", b/1048576}') MiB), hosts: $hosts"
# Warm the page cache so every run reads from memory.
xargs cat < "$dir/files" > /dev/null

measure xargs sha256sum < "$dir/files"
floor_cpu=$cpu
printf '%-28s wall %6.2f s  cpu %6.2f s  %8.0f records/s (cpu)  1.0x  (floor)\n' \
	"sha256sum" "$wall" "$cpu" "$(awk -v n="$lines" -v c="$cpu" 'BEGIN { print n / c }')"

run() {
	local label=$1
	shift
	measure "$@"
	printf '%-28s wall %6.2f s  cpu %6.2f s  %8.0f records/s (cpu)  %.1fx sha256sum\n' \
		"$label" "$wall" "$cpu" "$(awk -v n="$lines" -v c="$cpu" 'BEGIN { print n / c }')" \
		"$(awk -v a="$cpu" -v b="$floor_cpu" 'BEGIN { print a / b }')"
}
ls -d "$dir"/pc-* > "$dir/hosts"
# shellcheck disable=SC2046
run "futari-audit verify" "$audit" verify $(cat "$dir/hosts")
# shellcheck disable=SC2046
run "verify --keys --witness" "$audit" verify --keys "$dir/keys" --witness "$dir/witness.txt" $(cat "$dir/hosts")
# shellcheck disable=SC2046
run "futari-audit report" "$audit" report --month 2026-11 --out "$dir/report" --media "$dir/media.conf" $(cat "$dir/hosts")
ls -l "$dir/report"
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPU(s))"
