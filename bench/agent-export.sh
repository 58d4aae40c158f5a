#!/bin/sh
# Benchmark: export of a 1 GiB Class III file through futarid (spool copy with SHA-256,
# write path, fsync, log record) against `cp` + `sync` of the same file to the same
# filesystem, measured side by side in one run. Prints the ratio. Root only; not part of
# `make check`. Usage (from the build tree):
#   sudo top_srcdir=$PWD top_builddir=$PWD sh bench/agent-export.sh [SIZE_MIB]
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
agent_setup
user_home
register_sticks bench
# The file is larger than the default scan limit (256 MiB), over which a file is Class II.
printf '\n[classify]\nscan-limit=4G\n' >>"$ETC/agent.conf"
make_stick bench "$((size_mib * 3 + 256))M"
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

# Baseline: cp + sync to the same filesystem, through a writable mount of its own (the
# baseline has no read-only protection to work around).
blockdev --setrw "$dev"
base="$TEST_TMP/base"
mkdir -p "$base"
mount --bind "$mnt" "$base" && mount -o remount,bind,rw "$base" && mount -o remount,rw "$base" ||
	fail "cannot make a writable mount for the baseline"
t0=$(now)
cp "$src" "$base/baseline.bin" && sync -f "$base/baseline.bin" || fail "baseline copy failed"
t1=$(now)
mount -o remount,ro "$base"
umount "$base"
mount -o remount,bind,ro "$mnt"
blockdev --setro "$dev"

# Through the agent, as the user.
t2=$(now)
as_user "$FUTARI" export "$src" --to CITY-USB-bench --reason bench >/dev/null ||
	fail "export through the agent failed"
t3=$(now)
cmp -s "$src" "$mnt/big.bin" || fail "exported file differs"

awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v m="$size_mib" 'BEGIN {
	base = b - a; agent = d - c;
	printf "file: %d MiB\n", m;
	printf "cp + sync:           %.2f s (%.0f MiB/s)\n", base, m / base;
	printf "futari export:       %.2f s (%.0f MiB/s)\n", agent, m / agent;
	printf "ratio agent/baseline: %.2f\n", agent / base;
}'
