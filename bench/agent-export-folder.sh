#!/bin/sh
# Benchmark: `futari export -R` of a folder of N small Class III files (default 1000, 200
# bytes to 4 KiB, in 10 subfolders) through futarid against `cp -r` + `sync` of the same
# folder to the same filesystem, side by side in one run. Each file is its own export in
# the agent (classified, written, fsynced and logged before its name appears); the
# baseline syncs once. Prints the ratio. Root only; not part of `make check`. Usage (from
# the build tree):
#   sudo top_srcdir=$PWD top_builddir=$PWD sh bench/agent-export-folder.sh [FILES [ROUNDS]]
# As bench/agent-export.sh: ROUNDS (default 3) pairs, the first of each pair alternating,
# median ratio; a private namespace with its own udevd; an ext4 loop device in $TMPDIR.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/agent-lib.sh"
agent_enter_ns "$@"
. "$top_srcdir/tests/integration/lib.sh"
require_cmd setpriv awk
nfiles=${1:-1000}
rounds=${2:-3}
agent_setup
user_home
register_sticks bench
# Every file is a request: out of the way of the per-minute limit.
printf '\n[limits]\nrequests-per-minute = 100000\n' >>"$ETC/agent.conf"
MKFS_EXT4_OPTS="-E lazy_itable_init=0,lazy_journal_init=0" make_stick bench 256M
dev=$STICK
start_agent
wait_ro "$dev" || fail "not read-only"
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount "$dev" "$mnt" 2>/dev/null || fail "cannot mount"
defer "umount $mnt 2>/dev/null"

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

# Baseline: cp -r + sync to the same filesystem.
run_baseline() {
	stick_rw
	t0=$(now)
	cp -r "$src" "$base/baseline" && sync -f "$base/baseline" || fail "baseline copy failed"
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
	as_user "$FUTARI" export -R "$src" --to CITY-USB-bench --reason bench >/dev/null ||
		fail "export through the agent failed"
	t1=$(now)
	c1=$(agent_ticks)
	diff -r "$src" "$mnt/photos" >/dev/null || fail "the exported folder differs (a file's class?)"
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
	printf "round %d: cp -r + sync %.2f s, futari export %.2f s (agent CPU %.2f s), ratio %.2f\n" \
		"$r" "$b" "$a" "${ac#* }" "$ratio"
	ratios="$ratios $ratio"
	stick_rw
	rm -rf "$base/baseline" "$base/photos"
	sync -f "$base"
	stick_ro
	r=$((r + 1))
done
printf "folder: %d files (%s), %d rounds\n" "$nfiles" "$(du -sh "$src" | cut -f1)" "$rounds"
echo "$ratios" | tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END {
	printf "ratio agent/baseline: median %.2f (min %.2f, max %.2f)\n", v[int((NR + 1) / 2)], v[1], v[NR];
}'
