#!/bin/sh
# Benchmark: upload control with the machine's root filesystem watched, as the packaged
# agent.conf does on a single-partition install (filesystems = /home on /). Every library
# and resource file is then under the listener; what it costs everyday programs, side by
# side in one run:
#   none     no futarid
#   agent    this build, the packaged [upload] programs and system folders
# Measured per round: CURLS runs of curl reading a small public file (each start maps its
# ~30 libraries), one headless Chromium rendering that file (skipped without chromium), and
# `cat` of the first FILES files under /usr/share (an ordinary program's first opens; the
# agent's ignore marks serve the later rounds), and EXECS starts of /bin/true by a shell
# loop (round 18: each start on a watched filesystem is asked about, FAN_OPEN_EXEC_PERM, the
# program and its interpreter). Prints the median over ROUNDS of each, in
# ms, and agent/none. Marks the root filesystem of the machine while it runs (every program
# on the machine passes through this futarid meanwhile): run it on a quiet machine, by hand,
# as root; not part of `make check`.
#   top_srcdir=$PWD/.. top_builddir=$PWD sh ../bench/upload-root.sh [ROUNDS [CURLS [FILES [EXECS]]]]
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/agent-lib.sh"
agent_enter_ns "$@"
. "$top_srcdir/tests/integration/lib.sh"
require_cmd setpriv curl python3
rounds=${1:-5}
curls=${2:-20}
nfiles=${3:-2000}
execs=${4:-1000}
agent_setup
user_home
CHROMIUM=$(command -v chromium || true)

# A folder on the root filesystem (marked through it), and /usr/share on the same one.
D=$(mktemp -d /var/tmp/futari-bench-root.XXXXXX)
defer "rm -rf '$D'"
[ "$(stat -c %d "$D")" = "$(stat -c %d /)" ] && [ "$(stat -c %d /usr/share)" = "$(stat -c %d /)" ] ||
	skip "/var/tmp or /usr/share is not on the root filesystem here: this bench measures a watched root"
chmod 0755 "$D"
printf 'public minutes of the meeting\n' >"$D/pub.txt"
chmod 0644 "$D/pub.txt"
find /usr/share -xdev -type f -size -256k 2>/dev/null | head -n "$nfiles" >"$D/files"
cp "$ETC/agent.conf" "$ETC/base.conf"
{
	cat "$ETC/base.conf"
	echo
	echo "[upload]"
	echo "filesystems = $D"
	sed -n '/^\[upload\]/,$p' "$top_srcdir/packaging/config/agent.conf" |
		grep -E '^(programs|names|system) ='
} >"$ETC/agent-root.conf"
grep -q "^filesystems = $D" "$ETC/agent-root.conf" || fail "no [upload] group written"
as_u() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

ms() { python3 -c 'import time; print(int(time.monotonic() * 1000))'; }
# round MODE: one round's four figures, "curl chromium cat true" in ms.
round() {
	t0=$(ms)
	i=0
	while [ $i -lt "$curls" ]; do
		as_u curl -s -o /dev/null "file://$D/pub.txt" || fail "$1: curl failed"
		i=$((i + 1))
	done
	t1=$(ms)
	if [ -n "$CHROMIUM" ]; then
		rm -rf "$D/prof"
		mkdir -m 0777 "$D/prof"
		(cd /tmp && as_u env HOME="$D/prof" timeout 120 "$CHROMIUM" --headless --no-sandbox \
			--disable-gpu --no-first-run --disable-background-networking \
			--disable-component-update --disable-sync --user-data-dir="$D/prof" \
			--dump-dom "file://$D/pub.txt" 2>/dev/null) | grep -q 'public minutes' ||
			fail "$1: chromium did not render the file"
	fi
	t2=$(ms)
	xargs -d '\n' cat <"$D/files" >/dev/null 2>&1
	t3=$(ms)
	as_u sh -c 'i=0; while [ $i -lt "$1" ]; do /bin/true; i=$((i + 1)); done' sh "$execs"
	t4=$(ms)
	echo "$((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t4 - t3))"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

: >"$D/none.txt"
: >"$D/agent.txt"
r=0
while [ $r -lt "$rounds" ]; do
	round none >>"$D/none.txt"
	# The root filesystem is marked through the configured path's filesystem.
	cp "$ETC/agent-root.conf" "$ETC/agent.conf"
	start_agent
	round agent >>"$D/agent.txt"
	stop_agent
	cp "$ETC/base.conf" "$ETC/agent.conf"
	r=$((r + 1))
done
for k in 1 2 3 4; do
	name=$(echo "curl×$curls chromium cat×$nfiles true×$execs" | cut -d' ' -f$k)
	n=$(cut -d' ' -f$k "$D/none.txt" | median)
	a=$(cut -d' ' -f$k "$D/agent.txt" | median)
	echo "$name: none $n ms, agent $a ms, ratio $(awk "BEGIN { printf \"%.2f\", ($n > 0 ? $a / $n : 0) }")"
done
