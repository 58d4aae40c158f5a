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
# agent-lib.sh), on an ext4 loop device backed by a file in $TMPDIR.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/agent-lib.sh"
agent_enter_ns "$@"
. "$top_srcdir/tests/integration/lib.sh"
require_cmd setpriv
size_mib=${1:-1024}
rounds=${2:-3}
agent_setup
user_home
register_sticks bench
# The file is larger than the default scan limit (256 MiB), over which a file is Class II.
printf '\n[classify]\nscan-limit=4G\n' >>"$ETC/agent.conf"
MKFS_EXT4_OPTS="-E lazy_itable_init=0,lazy_journal_init=0" make_stick bench "$((size_mib * 2 + 256))M"
dev=$STICK
start_agent
wait_ro "$dev" || fail "not read-only"
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount "$dev" "$mnt" 2>/dev/null || fail "cannot mount"
defer "umount $mnt 2>/dev/null"

src="$HOME_U/big.bin"
public_file "$src" "$((size_mib * 1024 * 1024))" bench
cat "$src" >/dev/null # both runs start from a warm page cache

now() { date +%s.%N; }

# The baseline's writable mount of the stick (the baseline has no read-only protection to
# work around); also used to clear the stick between rounds.
base="$TEST_TMP/base"
mkdir -p "$base"
stick_rw() {
	blockdev --setrw "$dev"
	mount --bind "$mnt" "$base" && mount -o remount,bind,rw "$base" && mount -o remount,rw "$base" ||
		fail "cannot make a writable mount for the baseline"
}
stick_ro() {
	mount -o remount,ro "$base"
	umount "$base"
	mount -o remount,bind,ro "$mnt"
	blockdev --setro "$dev"
}

# Baseline: cp + sync to the same filesystem.
run_baseline() {
	stick_rw
	t0=$(now)
	cp "$src" "$base/baseline.bin" && sync -f "$base/baseline.bin" || fail "baseline copy failed"
	t1=$(now)
	stick_ro
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

# The agent's CPU time so far (all its threads), in clock ticks: unlike wall time, barely
# moved by other work on a shared machine.
agent_ticks() {
	awk '{ print $14 + $15 }' "/proc/$AGENT_PID/stat"
}

# Through the agent, as the user. Prints wall seconds and the agent's CPU seconds.
run_agent() {
	c0=$(agent_ticks)
	t0=$(now)
	as_user "$FUTARI" export "$src" --to CITY-USB-bench --reason bench >/dev/null ||
		fail "export through the agent failed"
	t1=$(now)
	c1=$(agent_ticks)
	cmp -s "$src" "$mnt/big.bin" || fail "exported file differs (or was not written: its class?)"
	awk -v a="$t0" -v b="$t1" -v c="$c0" -v d="$c1" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.3f %.2f\n", b - a, (d - c) / hz }'
}

# An untimed warm-up: the agent's first export pays one-time costs (first private mount,
# first log record of the month) that are not what this measures.
public_file "$HOME_U/warm.bin" 1048576 warm
as_user "$FUTARI" export "$HOME_U/warm.bin" --to CITY-USB-bench --reason warm-up >/dev/null ||
	fail "warm-up export failed"

ratios=""
r=1
while [ "$r" -le "$rounds" ]; do
	if [ $((r % 2)) -eq 1 ]; then
		b=$(run_baseline)
		ac=$(run_agent)
	else
		ac=$(run_agent)
		b=$(run_baseline)
	fi
	# fail in a command substitution ends only the subshell: check here
	[ -n "$b" ] && [ -n "$ac" ] || fail "round $r failed"
	a=${ac% *}
	ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f\n", a / b }')
	printf "round %d: cp + sync %.2f s, futari export %.2f s (agent CPU %.2f s), ratio %.2f\n" \
		"$r" "$b" "$a" "${ac#* }" "$ratio"
	ratios="$ratios $ratio"
	stick_rw
	rm -f "$base/baseline.bin" "$base/big.bin"
	sync -f "$base"
	stick_ro
	r=$((r + 1))
done
printf "file: %d MiB, %d rounds\n" "$size_mib" "$rounds"
echo "$ratios" | tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END {
	printf "ratio agent/baseline: median %.2f (min %.2f, max %.2f)\n", v[int((NR + 1) / 2)], v[1], v[NR];
}'
