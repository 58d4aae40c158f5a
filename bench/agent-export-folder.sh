#!/bin/sh
# Benchmark: `futari export -R` of a folder of N small Class III files (default 1000, 200
# bytes to 4 KiB, in 10 subfolders) through futarid against `cp -r` + `sync` of the same
# folder to the same filesystem, side by side in one run. Each file is its own export in
# the agent (classified, written and logged before its name appears), written in batches
# with one flush of the stick and one of the log each (group commit); the baseline syncs
# once. Prints the ratio. Root only; not part of `make check`. Usage (from the build tree):
#   sudo top_srcdir=$PWD top_builddir=$PWD sh bench/agent-export-folder.sh [FILES [ROUNDS]]
# As bench/agent-export.sh: ROUNDS (default 3) pairs, the first of each pair alternating,
# median ratio; a private namespace with its own udevd; an ext4 loop device in $TMPDIR.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/bench/export-lib.sh"
require_cmd setpriv awk
nfiles=${1:-1000}
rounds=${2:-3}
# Every file is a request in the file bucket: a folder of up to 2,000 goes at full speed
# with the shipped limits, but several rounds in one agent would empty it.
bench_setup 256M "[limits]
export-files-at-once = 1000000"

src="$HOME_U/photos"
mkdir -p "$src"
(cd "$src" && awk -v n="$nfiles" 'BEGIN {
	srand(18);
	for (i = 1; i <= n; i++) {
		d = sprintf("d%02d", i % 10);
		system("mkdir -p " d);
		f = sprintf("%s/f%04d.txt", d, i);
		len = 200 + int(rand() * 3900);
		s = "";
		while (length(s) < len)
			s = s sprintf("public notice %d line %d, nothing classified here\n", i, length(s));
		printf "%s", substr(s, 1, len) > f;
		close(f);
	}
}') || fail "cannot make the folder"
chown -R 65534:65534 "$src"
cat "$src"/*/* >/dev/null # both runs start from a warm page cache

# Baseline: cp -r + sync to the same filesystem.
copy_sync() { cp -r "$src" "$base/baseline" && sync -f "$base/baseline"; }
run_baseline() {
	stick_rw
	bench_time copy_sync
	stick_ro
}

# Through the agent, as the user. Prints wall seconds and the agent's CPU seconds.
run_agent() {
	bench_time_agent as_user "$FUTARI" export -R "$src" --to CITY-USB-bench --reason bench
	diff -r "$src" "$mnt/photos" >/dev/null || fail "the exported folder differs (a file's class?)"
}

clear_stick() { rm -rf "$base/baseline" "$base/photos"; }

bench_warm_up
BENCH_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
bench_rounds "$rounds" "cp -r + sync"
printf "folder: %d files (%s), %d rounds\n" "$nfiles" "$(du -sh "$src" | cut -f1)" "$rounds"
bench_median
