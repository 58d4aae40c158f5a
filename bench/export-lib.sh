#!/bin/sh
# What bench/agent-export.sh and bench/agent-export-folder.sh share: a stick in a private
# namespace with its own udevd and agent, a writable mount for the baseline, timing, and the
# rounds of baseline and agent side by side with their median ratio. Sourced, never run.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/agent-lib.sh"
agent_enter_ns "$@"
. "$top_srcdir/tests/integration/lib.sh"

# bench_setup STICK_SIZE [CONF]: an agent with CONF appended to agent.conf, the registered
# stick "bench" of STICK_SIZE (as make_stick takes it) read-only and mounted on $mnt.
bench_setup() {
	agent_setup
	user_home
	register_sticks bench
	[ -z "$2" ] || printf '\n%s\n' "$2" >>"$ETC/agent.conf"
	MKFS_EXT4_OPTS="-E lazy_itable_init=0,lazy_journal_init=0" make_stick bench "$1"
	dev=$STICK
	start_agent
	wait_ro "$dev" || fail "not read-only"
	mnt="$TEST_TMP/mnt"
	mkdir -p "$mnt"
	mount "$dev" "$mnt" 2>/dev/null || fail "cannot mount"
	defer "umount $mnt 2>/dev/null"
	base="$TEST_TMP/base"
	mkdir -p "$base"
}

now() { date +%s.%N; }

# The baseline's writable mount of the stick on $base (the baseline has no read-only
# protection to work around); also used to clear the stick between rounds.
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

# bench_time CMD...: runs CMD; prints its wall seconds.
bench_time() {
	t0=$(now)
	"$@" || fail "timed command failed: $*"
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

# The agent's CPU time so far (all its threads), in clock ticks: unlike wall time, barely
# moved by other work on a shared machine.
agent_ticks() {
	awk '{ print $14 + $15 }' "/proc/$AGENT_PID/stat"
}

# bench_time_agent CMD...: runs CMD (an export through the agent); prints wall seconds and
# the agent's CPU seconds.
bench_time_agent() {
	c0=$(agent_ticks)
	t0=$(now)
	"$@" >/dev/null || fail "export through the agent failed"
	t1=$(now)
	c1=$(agent_ticks)
	awk -v a="$t0" -v b="$t1" -v c="$c0" -v d="$c1" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.3f %.2f\n", b - a, (d - c) / hz }'
}

# An untimed warm-up: the agent's first export pays one-time costs (first private mount,
# first log record of the month) that are not what is measured.
bench_warm_up() {
	public_file "$HOME_U/warm.bin" 1048576 warm
	as_user "$FUTARI" export "$HOME_U/warm.bin" --to CITY-USB-bench --reason warm-up >/dev/null ||
		fail "warm-up export failed"
}

# bench_rounds ROUNDS LABEL: ROUNDS pairs of run_baseline and run_agent (functions of the
# script: seconds, and "seconds cpu-seconds"), the first of each pair alternating (whichever
# goes first finds the disk quieter), clear_stick after each; prints each round and the
# median ratio.
bench_rounds() {
	ratios=""
	r=1
	while [ "$r" -le "$1" ]; do
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
		printf "round %d: %s %.2f s, futari export %.2f s (agent CPU %.2f s), ratio %.2f\n" \
			"$r" "$2" "$b" "$a" "${ac#* }" "$ratio"
		ratios="$ratios $ratio"
		stick_rw
		clear_stick
		sync -f "$base"
		stick_ro
		r=$((r + 1))
	done
	printf "load average before the rounds: %s\n" "$BENCH_LOAD"
}

bench_median() {
	echo "$ratios" | tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END {
		printf "ratio agent/baseline: median %.2f (min %.2f, max %.2f)\n", v[int((NR + 1) / 2)], v[1], v[NR];
	}'
}
