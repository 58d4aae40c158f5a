#!/bin/bash
# futari-audit throughput over synthetic logs of many hosts, side by side with
# `openssl dgst -sha256` (the baseline: every byte must at least be hashed once) and
# sha256sum over the same bytes. Not part of make check.
#
#   bench/log-throughput.sh [HOSTS] [EVENTS]      (defaults 3000 and 1000000)
#   bench/log-throughput.sh fleet                 (30,000 hosts, ~10,000,000 events: ~5.6 GB)
#
# The logs go to BENCH_DIR when set; else /var/tmp for the fleet (it needs ~9 GB with the
# report's output; the free space is checked first) and /dev/shm for the rest (tmpfs: the
# generator's checkpoint fsyncs cost nothing there; the benchmark measures reading), /tmp
# without /dev/shm. The folder is deleted at the end, failure included.
#
# MONTHS=N writes N months per host (the EVENTS spread over them, the newest 2026-11):
# verify then reads the months of a host in parallel. (futari-loggen gives the first host
# no activity: `MONTHS=6 bench/log-throughput.sh 2 600000` is one host of six months.)
#
# Each tool runs REPEAT times (default 3) and the fastest wall time counts (with the CPU time
# and RSS of that run): on a shared machine the slowest runs measure the neighbours. Ratios
# are wall against wall, all measured in the same invocation.
#
# Run from the build tree after `make`. A tool that fails fails the benchmark: its figures
# would be the speed of an error. Max RSS is GNU time's (what `/usr/bin/time -v` prints as
# "Maximum resident set size"); every line gives the load average when it was measured.
#
# BASELINE_AUDIT=/path/to/an/older/futari-audit runs verify and report of that build too, each
# right after this build's, and prints the CPU time of this build against it (on a shared
# machine the CPU time is what compares; the wall time follows the neighbours).
set -eu
fleet=
if [ "${1:-}" = fleet ]; then
	fleet=1
	hosts=30000
	events=10000000
else
	hosts=${1:-3000}
	events=${2:-1000000}
fi
case $hosts$events in ''|*[!0-9]*) echo "HOSTS and EVENTS are numbers (or: fleet)" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "${top_builddir:-$here/..}" && pwd)
gen=$top/bench/futari-loggen
audit=$top/approver/futari-audit
[ -x "$gen" ] && [ -x "$audit" ] || { echo "build first: make (needs $gen and $audit)" >&2; exit 2; }
old=${BASELINE_AUDIT:-}
[ -z "$old" ] || [ -x "$old" ] || { echo "BASELINE_AUDIT=$old is not an executable" >&2; exit 2; }
command -v openssl > /dev/null || { echo "needs openssl (the baseline)" >&2; exit 2; }
gnutime=/usr/bin/time
[ -x "$gnutime" ] || gnutime=

if [ -n "${BENCH_DIR:-}" ]; then
	base=$BENCH_DIR
elif [ -n "$fleet" ]; then
	base=/var/tmp
else
	base=/dev/shm
	[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
fi
# About 610 bytes of log and 270 of events.csv per event, and a margin.
need_kib=$((events * 1000 / 1024 + 1048576))
avail_kib=$(df -Pk "$base" 2> /dev/null | awk 'NR == 2 { print $4 }')
[ -n "$avail_kib" ] && [ -d "$base" ] && [ -w "$base" ] || { echo "$base is not a writable folder" >&2; exit 2; }
if [ "$avail_kib" -lt "$need_kib" ]; then
	echo "$base has $((avail_kib / 1024)) MiB free; $hosts hosts need about $((need_kib / 1024)) MiB (set BENCH_DIR)" >&2
	exit 2
fi
dir=$(mktemp -d "$base/futari-bench-XXXXXX")
trap 'rm -rf "$dir"' EXIT
echo "in $dir: $((avail_kib / 1024)) MiB free, about $((need_kib / 1024)) MiB needed"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

repeat=${REPEAT:-3}
[ -z "$fleet" ] || repeat=${REPEAT:-1}
load() { cut -d' ' -f1-3 /proc/loadavg; }

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

# The same list of files for every tool, in the same order; the hosts are given as names
# relative to $dir (30,000 absolute paths would not fit in one argument list).
cd "$dir"
find . -name 'egress-*.jsonl' | sort > files
# (one pass that also warms the page cache, so every run reads from memory)
# shellcheck disable=SC2046
set -- $(xargs cat < files | wc -lc)
lines=$1 bytes=$2
echo "records: $lines, bytes: $bytes ($(awk -v b="$bytes" 'BEGIN{printf "%.0f", b/1048576}') MiB), hosts: $hosts, $(nproc) CPU(s)"

# The baseline: one process hashing every byte once (one core).
measure sh -c 'xargs cat < "$1" | openssl dgst -sha256' sh files
base_wall=$wall
printf '%-26s wall %6.2f s  cpu %6.2f s  rss %5s MiB  %9.0f records/s (wall)  1.00x  (baseline)  load %s\n' \
	"openssl dgst -sha256" "$wall" "$cpu" "$rss" "$(awk -v n="$lines" -v c="$wall" 'BEGIN { print n / (c > 0 ? c : 0.01) }')" "$(load)"

run() {
	local label=$1
	shift
	measure "$@"
	printf '%-26s wall %6.2f s  cpu %6.2f s  rss %5s MiB  %9.0f records/s (wall)  %.2fx openssl  load %s\n' \
		"$label" "$wall" "$cpu" "$rss" "$(awk -v n="$lines" -v c="$wall" 'BEGIN { print n / (c > 0 ? c : 0.01) }')" \
		"$(awk -v a="$wall" -v b="$base_wall" 'BEGIN { print (a > 0 ? b / a : 0) }')" "$(load)"
}
# (stdin is opened afresh for each repeated run)
run "sha256sum" sh -c 'xargs sha256sum < "$1"' sh files
ls -d pc-* > hosts
# shellcheck disable=SC2046
run "futari-audit verify" "$audit" verify $(cat hosts)
verify_wall=$wall verify_cpu=$cpu
if [ -n "$old" ]; then
	# shellcheck disable=SC2046
	run "verify (baseline build)" "$old" verify $(cat hosts)
	old_verify_cpu=$cpu
fi
# shellcheck disable=SC2046
run "verify --keys --witness" "$audit" verify --keys keys --witness witness.txt $(cat hosts)
vkw_wall=$wall
# shellcheck disable=SC2046
run "futari-audit report" "$audit" report --month 2026-11 --out report --media media.conf \
	--keys keys --witness witness.txt $(cat hosts)
report_wall=$wall report_cpu=$cpu report_rss=$rss
if [ -n "$old" ]; then
	rm -rf report
	# shellcheck disable=SC2046
	run "report (baseline build)" "$old" report --month 2026-11 --out report \
		--media media.conf --keys keys --witness witness.txt $(cat hosts)
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
ls -l report
echo "(load average: $(load) on $(nproc) CPU(s))"
if [ -n "$fleet" ]; then
	# the goal: verify and report of the fleet each within 120 s wall on 2 cores
	echo "fleet: verify --keys --witness $vkw_wall s + report $wall s = $(awk -v a="$vkw_wall" -v b="$wall" 'BEGIN { printf "%.1f", a + b }') s wall (goal: under 120 s on 2 cores)"
fi
