#!/bin/bash
# Another user's open latency while a 200 MiB file is being classified for an upload program
# (issue 14), side by side in one run:
#   none     no listener
#   futari   agent/fanwatch (tests/integration/fanwatch-harness, the real classifier with its
#            content scan in futari-scan-worker processes, as futarid runs it), curl an
#            upload program
#   old-parsers   the same, with the futari-scan-worker of OLD_BUILDDIR (e.g. before the
#            parsers lowered their priority)
#   old      the same harness from another build (OLD_BUILDDIR=/path/to/_build), e.g. the
#            code before issue 14, where classification ran on the thread answering the kernel
#   (old and old-idle classify in the harness process itself: an older harness has no pool)
#   futari-idle, old-idle   the listener with no classification going on: the cost of the
#            listener itself, against which the effect of the classification shows
# Meanwhile a loop appends a byte to a 200 MiB text file and has curl open it (each append is
# a new version, so each open is classified again). The other user (uid 65533, not an upload
# program) opens fresh small files, each once; the figures are the p50, p99 and maximum of
# those opens, in µs, and the ratio of p99 against "none". Root only; ext4 on a loop device.
# The modes take turns within each round (a burst of other work on a shared machine falls on
# all of them); the summary is the median over rounds. An idle machine answers a wake-up more
# slowly than a busy one (idle states), so "idle" can come out above the loaded figure.
#
# usage: bench/upload-latency.sh [OPENS [ROUNDS]]   (defaults 3000 3)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_builddir=${top_builddir:-$(cd "$here/.." && pwd)}
opens=${1:-3000}
rounds=${2:-3}
harness="$top_builddir/tests/integration/fanwatch-harness"
old_harness="${OLD_BUILDDIR:+$OLD_BUILDDIR/tests/integration/fanwatch-harness}"
worker="$top_builddir/agent/futari-scan-worker"
old_worker="${OLD_BUILDDIR:+$OLD_BUILDDIR/agent/futari-scan-worker}"
PY=/usr/bin/python3

die() {
	echo "upload-latency: $*" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || die "needs root (fanotify, loop devices)"
for c in mkfs.ext4 losetup mount curl setpriv; do
	command -v "$c" >/dev/null || die "needs $c"
done
[ -x "$PY" ] || die "needs /usr/bin/python3"
[ -x "$harness" ] || die "build first: make -C tests/integration fanwatch-harness"
[ -x "$worker" ] || die "build first: make -C agent futari-scan-worker"
getent passwd nobody >/dev/null || die "needs the user nobody (the parsers run as it)"
[ -z "$old_harness" ] || [ -x "$old_harness" ] || die "no harness in OLD_BUILDDIR"

T=$(mktemp -d "${TMPDIR:-/tmp}/futari-bench-XXXXXX")
chmod 0755 "$T"
mnt="$T/mnt"
dev=""
hpid=""
loop_pid=""
cleanup() {
	set +e
	[ -n "$loop_pid" ] && kill "$loop_pid" 2>/dev/null && wait "$loop_pid" 2>/dev/null
	[ -n "$hpid" ] && kill "$hpid" 2>/dev/null && wait "$hpid" 2>/dev/null
	mountpoint -q "$mnt" && umount "$mnt"
	[ -n "$dev" ] && losetup -d "$dev"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$mnt"
truncate -s 2G "$T/disk.img"
mkfs.ext4 -q -F "$T/disk.img" || die "mkfs.ext4 failed"
dev=$(losetup --find --show "$T/disk.img") || die "no free loop device"
mount "$dev" "$mnt" || die "mount failed"
chmod 0755 "$mnt"
yes "futari benchmark public report line, nothing classified here" | head -c $((200 * 1024 * 1024)) >"$mnt/big.txt"
mkdir -p "$mnt/other"
chown 65533:65533 "$mnt/other"

cat >"$T/opens.py" <<'PY'
import os, sys, time
d = sys.argv[1]
lat = []
for name in os.listdir(d):
    p = os.path.join(d, name)
    t = time.perf_counter_ns()
    fd = os.open(p, os.O_RDONLY)
    lat.append(time.perf_counter_ns() - t)
    os.close(fd)
lat.sort()
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))] // 1000
print(q(0.5), q(0.99), lat[-1] // 1000)
PY
chmod 0644 "$T/opens.py"

fresh_files() { # DIR: $opens files the other user has never opened
	rm -rf "$1"
	mkdir -p "$1"
	for i in $(seq "$opens"); do printf 'n %s\n' "$i" >"$1/f$i"; done
	chown -R 65533:65533 "$1"
}

start_listener() { # HARNESS [SCAN-WORKER]: with a worker, the parsers run in processes
	if [ -n "${2:-}" ]; then
		set -- "$1" --classifier pool --scan-worker "$2"
	else
		set -- "$1" --classifier real
	fi
	"$@" --mount "$mnt" --program /usr/bin/curl \
		--self-open "$mnt/big.txt" >"$T/h.out" 2>"$T/h.err" &
	hpid=$!
	for _ in $(seq 100); do
		grep -q '"event":"self-open"' "$T/h.out" && return 0
		kill -0 "$hpid" 2>/dev/null || die "harness exited: $(cat "$T/h.err")"
		sleep 0.1
	done
	die "harness not ready"
}
stop_listener() {
	[ -n "$hpid" ] || return 0
	kill "$hpid" 2>/dev/null
	wait "$hpid" 2>/dev/null
	hpid=""
}

# The classification load: a new version of the big file, opened by curl, again and again.
start_load() {
	(
		while :; do
			printf 'x\n' >>"$mnt/big.txt"
			timeout 60 curl -s "file://$mnt/big.txt" -o /dev/null
		done
	) &
	loop_pid=$!
	sleep 1
}
stop_load() {
	kill "$loop_pid" 2>/dev/null
	wait "$loop_pid" 2>/dev/null
	pkill -P "$loop_pid" 2>/dev/null
	loop_pid=""
}

measure() { # ROUND MODE HARNESS-or-empty LOAD(yes|no) [SCAN-WORKER]
	fresh_files "$mnt/other/r"
	[ -n "$3" ] && start_listener "$3" "${5:-}"
	[ "$4" = yes ] && start_load
	res=$(setpriv --reuid=65533 --regid=65533 --clear-groups "$PY" "$T/opens.py" "$mnt/other/r")
	[ "$4" = yes ] && stop_load
	[ -n "$3" ] && stop_listener
	echo "$2 $1 $res"
}

# The modes take turns within each round, so that a burst of other work on the machine
# falls on all of them rather than on one mode's rounds.
echo "# mode round p50_us p99_us max_us  (another user's opens, $opens per round, while a 200 MiB file is classified)"
for r in $(seq "$rounds"); do
	measure "$r" none "" yes
	measure "$r" futari-idle "$harness" no "$worker"
	measure "$r" futari "$harness" yes "$worker"
	if [ -n "$old_worker" ] && [ -x "$old_worker" ]; then
		measure "$r" old-parsers "$harness" yes "$old_worker"
	fi
	if [ -n "$old_harness" ]; then
		measure "$r" old-idle "$old_harness" no
		measure "$r" old "$old_harness" yes
	fi
done | tee "$T/results"
echo "# medians over rounds of p50, p99 and max, and the ratio of p99 against none"
"$PY" - "$T/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault(f[0], []).append((int(f[2]), int(f[3]), int(f[4])))
med = {m: statistics.median(p for _, p, _ in v) or 1 for m, v in rows.items()}
for m, v in rows.items():
    p50 = statistics.median(x for x, _, _ in v)
    mx = statistics.median(x for _, _, x in v)
    idle = med.get(m + "-idle")
    print("%-12s p50 %5d us  p99 %7d us  %7.1fx none  %s  max %7d us" % (
        m, p50, med[m], med[m] / med["none"],
        ("%5.2fx idle" % (med[m] / idle)) if idle else "           ", mx))
PY
