#!/bin/sh
# Benchmark: export of a 1 GiB Class III file through futarid (spool copy with SHA-256,
# write path, fsync, log record) against `cp` + `sync` of the same file to the same
# filesystem, measured side by side in one run. Prints the ratio. Root only; not part of
# `make check`. Usage (from the build tree):
#   sudo top_srcdir=$PWD top_builddir=$PWD sh bench/agent-export.sh [SIZE_MIB [ROUNDS]]
# The machine this runs on is often shared, so one pair of timings says little: ROUNDS
# (default 3) pairs are run, the first of each pair alternating between the baseline and
# the agent (whichever goes first finds the disk quieter), and the median ratio is printed.
# Runs in a private mount and network namespace with its own udevd (tests/integration/
# agent-lib.sh), on an ext4 loop device backed by a file in $TMPDIR (bench/export-lib.sh).
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/bench/export-lib.sh"
require_cmd setpriv
size_mib=${1:-1024}
rounds=${2:-3}
# The file is larger than the default scan limit (256 MiB), over which a file is Class II.
bench_setup "$((size_mib * 2 + 256))M" "[classify]
scan-limit=4G"

src="$HOME_U/big.bin"
public_file "$src" "$((size_mib * 1024 * 1024))" bench
cat "$src" >/dev/null # both runs start from a warm page cache

# Baseline: cp + sync to the same filesystem.
copy_sync() { cp "$src" "$base/baseline.bin" && sync -f "$base/baseline.bin"; }
run_baseline() {
	stick_rw
	bench_time copy_sync
	stick_ro
}

# Through the agent, as the user. Prints wall seconds and the agent's CPU seconds.
run_agent() {
	bench_time_agent as_user "$FUTARI" export "$src" --to CITY-USB-bench --reason bench
	cmp -s "$src" "$mnt/big.bin" || fail "exported file differs (or was not written: its class?)"
}

clear_stick() { rm -f "$base/baseline.bin" "$base/big.bin"; }

bench_warm_up
BENCH_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
bench_rounds "$rounds" "cp + sync"
printf "file: %d MiB, %d rounds\n" "$size_mib" "$rounds"
bench_median
