#!/bin/bash
# futari-audit throughput over synthetic logs of many hosts, side by side with
# `openssl dgst -sha256` (the baseline: every byte must at least be hashed once) and
# sha256sum over the same bytes. Not part of make check.
#
#   bench/log-throughput.sh [HOSTS] [EVENTS]      (defaults 3000 and 1000000)
#
# MONTHS=N writes N months per host (the EVENTS spread over them, the newest 2026-11):
# verify then reads the months of a host in parallel. (futari-loggen gives the first host
# no activity: `MONTHS=6 bench/log-throughput.sh 2 600000` is one host of six months.)
#
# Each tool runs REPEAT times (default 3) and the fastest wall time counts (with the CPU time
# and RSS of that run): on a shared machine the slowest runs measure the neighbours. Ratios
# are wall against wall, all measured in the same invocation.
#
# Run from the build tree after `make`. The logs go to /dev/shm when it exists (tmpfs: the
# generator's checkpoint fsyncs cost nothing there; the benchmark measures reading).
# A tool that fails fails the benchmark: its figures would be the speed of an error.
#
# BASELINE_AUDIT=/path/to/an/older/futari-audit runs verify and report of that build too, each
# right after this build's, and prints the CPU time of this build against it (on a shared
# machine the CPU time is what compares; the wall time follows the neighbours).
set -eu
hosts=${1:-3000}
events=${2:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
top=${top_builddir:-$here/..}
gen=$top/bench/futari-loggen
audit=$top/approver/futari-audit
[ -x "$gen" ] && [ -x "$audit" ] || { echo "build first: make (needs $gen and $audit)" >&2; exit 2; }
old=${BASELINE_AUDIT:-}
[ -z "$old" ] || [ -x "$old" ] || { echo "BASELINE_AUDIT=$old is not an executable" >&2; exit 2; }
command -v openssl > /dev/null || { echo "needs openssl (the baseline)" >&2; exit 2; }
gnutime=/usr/bin/time
[ -x "$gnutime" ] || gnutime=

base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
dir=$(mktemp -d "$base/futari-bench-XXXXXX")
trap 'rm -rf "$dir"' EXIT

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

repeat=${REPEAT:-3}

# Wall-clock and CPU (user+sys) seconds and max RSS (MiB) of the fastest of $repeat runs of a
# command that must succeed.
measure() {
	local i best_wall= best_cpu= best_rss=
	for i in $(seq "$repeat"); do
		measure_once "$@"
		if [ -z "$best_wall" ] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
			best_wall=$wall best_cpu=$cpu best_rss=$rss
		fi
	done
	wall=$best_wall cpu=$best_cpu rss=$best_rss
}

# One run: wall-clock and CPU (user+sys) seconds and max RSS (KiB) of a command that must
# succeed.
measure_once() {
	local t status=0
	if [ -n "$gnutime" ]; then
		"$gnutime" -o "$dir/time" -f '%e %U %S %M' "$@" > "$dir/out" 2> "$dir/err" || status=$?
		t=$(tail -1 "$dir/time")
	else
		TIMEFORMAT='%R %U %S'
		t=$( { time "$@" > "$dir/out" 2> "$dir/err"; } 2>&1 | tail -1 ) || status=$?
		t="$t 0"
	fi
	if [ "$status" -ne 0 ]; then
		echo "FAILED (exit $status): $*" | cut -c1-200 >&2
		tail -5 "$dir/err" >&2
		tail -5 "$dir/out" >&2
		exit 1
	fi
	wall=$(echo "$t" | awk '{ print $1 }')
	cpu=$(echo "$t" | awk '{ printf "%.2f", $2 + $3 }')
	rss=$(echo "$t" | awk '{ printf "%.0f", $4 / 1024 }')
}

months=${MONTHS:-1}
case $months in ''|*[!0-9]*|0) echo "MONTHS=$months is not a number of months" >&2; exit 2 ;; esac
echo "generating $hosts hosts, $months month(s), ~$events events in $dir ..."
t0=$(now)
: > "$dir/witness.all"
for i in $(seq $((months - 1)) -1 0); do
	month=$(date -u -d "2026-11-15 - $i months" +%Y-%m)
	# the writer continues each host's log; the witnesses of every month are kept
	"$gen" --hosts "$hosts" --events $((events / months)) --month "$month" --out "$dir"
	cat "$dir/witness.txt" >> "$dir/witness.all"
done
mv "$dir/witness.all" "$dir/witness.txt"
t1=$(now)
echo "generated in $(secs "$t0" "$t1") s"

# The same list of files for every tool, in the same order.
find "$dir" -name 'egress-*.jsonl' | sort > "$dir/files"
lines=$(xargs cat < "$dir/files" | wc -l)
bytes=$(xargs cat < "$dir/files" | wc -c)
echo "records: $lines, bytes: $bytes ($(awk -v b="$bytes" 'BEGIN{printf "%.0f", b/1048576}') MiB), hosts: $hosts, $(nproc) CPU(s)"
# Warm the page cache so every run reads from memory.
xargs cat < "$dir/files" > /dev/null

# The baseline: one process hashing every byte once (one core).
measure sh -c 'xargs cat < "$1" | openssl dgst -sha256' sh "$dir/files"
base_wall=$wall
printf '%-26s wall %6.2f s  cpu %6.2f s  rss %5s MiB  %9.0f records/s (wall)  1.00x  (baseline)\n' \
	"openssl dgst -sha256" "$wall" "$cpu" "$rss" "$(awk -v n="$lines" -v c="$wall" 'BEGIN { print n / (c > 0 ? c : 0.01) }')"

run() {
	local label=$1
	shift
	measure "$@"
	printf '%-26s wall %6.2f s  cpu %6.2f s  rss %5s MiB  %9.0f records/s (wall)  %.2fx openssl\n' \
		"$label" "$wall" "$cpu" "$rss" "$(awk -v n="$lines" -v c="$wall" 'BEGIN { print n / (c > 0 ? c : 0.01) }')" \
		"$(awk -v a="$wall" -v b="$base_wall" 'BEGIN { print (a > 0 ? b / a : 0) }')"
}
# (stdin is opened afresh for each repeated run)
run "sha256sum" sh -c 'xargs sha256sum < "$1"' sh "$dir/files"
ls -d "$dir"/pc-* > "$dir/hosts"
# shellcheck disable=SC2046
run "futari-audit verify" "$audit" verify $(cat "$dir/hosts")
verify_wall=$wall verify_cpu=$cpu
if [ -n "$old" ]; then
	# shellcheck disable=SC2046
	run "verify (baseline build)" "$old" verify $(cat "$dir/hosts")
	old_verify_cpu=$cpu
fi
# shellcheck disable=SC2046
run "verify --keys --witness" "$audit" verify --keys "$dir/keys" --witness "$dir/witness.txt" $(cat "$dir/hosts")
vkw_wall=$wall
# shellcheck disable=SC2046
run "futari-audit report" "$audit" report --month 2026-11 --out "$dir/report" --media "$dir/media.conf" \
	--keys "$dir/keys" --witness "$dir/witness.txt" $(cat "$dir/hosts")
report_wall=$wall report_cpu=$cpu report_rss=$rss
if [ -n "$old" ]; then
	rm -rf "$dir/report"
	# shellcheck disable=SC2046
	run "report (baseline build)" "$old" report --month 2026-11 --out "$dir/report" \
		--media "$dir/media.conf" --keys "$dir/keys" --witness "$dir/witness.txt" $(cat "$dir/hosts")
	old_report_cpu=$cpu
fi
wall=$report_wall cpu=$report_cpu rss=$report_rss
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "verify / openssl throughput (wall): $(ratio "$base_wall" "$verify_wall")"
echo "report / verify (wall): $(ratio "$wall" "$verify_wall"), (cpu): $(ratio "$cpu" "$verify_cpu");" \
	"report / verify --keys --witness (wall): $(ratio "$wall" "$vkw_wall")"
if [ -n "$old" ]; then
	echo "this build / baseline build (cpu): verify $(ratio "$verify_cpu" "$old_verify_cpu")," \
		"report $(ratio "$cpu" "$old_report_cpu")"
fi
ls -l "$dir/report"
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPU(s))"
