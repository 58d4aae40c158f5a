#!/bin/bash
# fanotify open-permission overhead (issue 6): open/read/close of many small files on a
# watched xfs loop filesystem, first opens and repeated opens reported apart, side by side in
# one run:
#   none            no listener
#   bare            bench/fanotify-bare.c: allows every open, nothing else (the floor)
#   futari          agent/fanwatch (through tests/integration/fanwatch-harness): the opener is
#                   not an upload program; Class III files get evictable ignore marks
#   futari-nomarks  the same without ignore marks (a responder that answers every open)
#   futari-upload   the opener is listed as an upload program: every first open is
#                   classified before the reply (test classifier: an xattr lookup)
#   futari-upload-real  the same with the real classifier (common/classify.c) reading each file
#   fapolicyd       Debian's fapolicyd, permissive, the rules the package ships, trust =
#                   file, uid = root, watch_fs = xfs only (so / is not watched)
#   fapolicyd-knownlibs  the same with upstream's default "known-libs" rule set
# Pass 1 opens each file for the first time, pass 2 for the second (futari classifies a file
# and sets its ignore mark on the second open by a non-upload program), passes 3 and later
# are repeated opens. Figures are µs per open/read/close (median and minimum over rounds); the added cost is against "none",
# and futari is compared to fapolicyd. Root only. Needs xfsprogs and fapolicyd (see
# bench/README.md); restores /etc/fapolicyd, stops fapolicyd and detaches the loop device on
# exit, failure included.
#
# usage: bench/fanotify-bench.sh [FILES [PASSES [ROUNDS]]]   (defaults 5000 7 5)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_builddir=${top_builddir:-$(cd "$here/.." && pwd)}
files=${1:-5000}
passes=${2:-7}
rounds=${3:-5}
harness="$top_builddir/tests/integration/fanwatch-harness"
openloop="$top_builddir/bench/fanotify-openloop"
bare="$top_builddir/bench/fanotify-bare"

# BENCH_PIN=1 pins the opener and the listener to different CPUs (OPENER_CPU, LISTENER_CPU).
# Off by default: on a machine shared with other work a pinned listener waits for its one CPU
# (measured here: 130-225 µs per open instead of 10-40), while unpinned runs are bimodal
# (a wake-up on the same CPU or across CPUs); the minimum over rounds shows the floor.
pin_opener=""
pin_listener=""
if [ "${BENCH_PIN:-0}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	pin_opener="taskset -c ${OPENER_CPU:-1}"
	pin_listener="taskset -c ${LISTENER_CPU:-0}"
fi

die() {
	echo "fanotify-bench: $*" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || die "needs root (fanotify, loop devices, fapolicyd)"
for c in mkfs.xfs losetup mount fapolicyd fagenrules; do
	command -v "$c" >/dev/null || die "needs $c (apt-get install xfsprogs fapolicyd)"
done
[ -x "$harness" ] || die "build first: make -C tests/integration fanwatch-harness"
[ -x "$openloop" ] && [ -x "$bare" ] || die "build first: make -C bench"
pidof fapolicyd >/dev/null && die "fapolicyd is already running; stop it first"
# fapolicyd watches every mount of the types in watch_fs: only ours may be xfs.
grep -q ' xfs ' /proc/mounts && die "another xfs filesystem is mounted; fapolicyd would watch it"

T=$(mktemp -d "${TMPDIR:-/tmp}/futari-bench-XXXXXX")
dev=""
mnt="$T/mnt"
fapo_pid=""
harness_pid=""
etc_backup=""

cleanup() {
	set +e
	[ -n "$harness_pid" ] && kill "$harness_pid" 2>/dev/null && wait "$harness_pid" 2>/dev/null
	if [ -n "$fapo_pid" ]; then
		kill "$fapo_pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$fapo_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$fapo_pid" 2>/dev/null
	fi
	if [ -n "$etc_backup" ] && [ -d "$etc_backup" ]; then
		rm -rf /etc/fapolicyd
		cp -a "$etc_backup" /etc/fapolicyd
	fi
	mountpoint -q "$mnt" && umount "$mnt"
	[ -n "$dev" ] && losetup -d "$dev"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

truncate -s 1G "$T/xfs.img"
mkfs.xfs -q -f "$T/xfs.img" || die "mkfs.xfs failed"
dev=$(losetup --find --show "$T/xfs.img") || die "no free loop device"
mkdir -p "$mnt"
mount -t xfs "$dev" "$mnt" || die "mount failed"

# fapolicyd reads its configuration from /etc only: keep the package's and put it back.
etc_backup="$T/etc-fapolicyd"
cp -a /etc/fapolicyd "$etc_backup" || die "cannot back up /etc/fapolicyd"
sed -i -e 's/^permissive *=.*/permissive = 1/' -e 's/^uid *=.*/uid = root/' \
	-e 's/^gid *=.*/gid = root/' -e 's/^trust *=.*/trust = file/' \
	-e 's/^watch_fs *=.*/watch_fs = xfs/' -e 's/^do_stat_report *=.*/do_stat_report = 0/' \
	/etc/fapolicyd/fapolicyd.conf

# Two rule sets: the one Debian's package ships (a single "deny execute of untrusted" rule)
# and upstream's default policy "known-libs" (file type and trust checks on every open).
set_rules() { # debian | known-libs
	rm -f /etc/fapolicyd/rules.d/*.rules /etc/fapolicyd/compiled.rules
	if [ "$1" = debian ]; then
		cp "$etc_backup"/rules.d/*.rules /etc/fapolicyd/rules.d/ || die "no packaged rules"
	else
		for r in 10-languages 20-dracut 21-updaters 30-patterns 40-bad-elf 41-shared-obj \
			42-trusted-elf 70-trusted-lang 72-shell 90-deny-execute 95-allow-open; do
			cp "/usr/share/fapolicyd/sample-rules/$r.rules" /etc/fapolicyd/rules.d/ ||
				die "missing fapolicyd sample rule $r"
		done
	fi
	fagenrules >/dev/null 2>&1 || die "fagenrules could not compile the $1 rules"
	[ -s /etc/fapolicyd/compiled.rules ] || die "no compiled fapolicyd rules"
}

make_files() { # DIR
	mkdir -p "$1"
	for i in $(seq 0 $((files - 1))); do
		printf 'small file %d\n' "$i" >"$(printf '%s/f%06d' "$1" "$i")"
	done
}

median() { # numbers on stdin
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# Prints "first second repeated" (ns) for one run of the loop over DIR: pass 1, pass 2, and
# the median of passes 3 and later.
measure() { # DIR
	$pin_opener "$openloop" "$1" "$files" "$passes" >"$T/loop.out" || die "open loop failed"
	echo "$(awk '$2 == 1 { print $3 }' "$T/loop.out")" \
		"$(awk '$2 == 2 { print $3 }' "$T/loop.out")" \
		"$(awk '$2 > 2 { print $3 }' "$T/loop.out" | median)"
}

start_harness() {
	: >"$T/harness.out"
	$pin_listener "$harness" --mount "$mnt" --program /usr/bin/curl "$@" >"$T/harness.out" 2>&1 &
	harness_pid=$!
	for _ in $(seq 100); do
		grep -q '"event":"ready"' "$T/harness.out" && return 0
		kill -0 "$harness_pid" 2>/dev/null || die "harness failed: $(cat "$T/harness.out")"
		sleep 0.1
	done
	die "harness not ready"
}
stop_harness() {
	kill "$harness_pid"
	wait "$harness_pid" 2>/dev/null
	harness_pid=""
}

start_bare() {
	: >"$T/bare.out"
	$pin_listener "$bare" "$mnt" >"$T/bare.out" 2>&1 &
	harness_pid=$!
	for _ in $(seq 100); do
		grep -q ready "$T/bare.out" && return 0
		sleep 0.1
	done
	die "bare responder not ready: $(cat "$T/bare.out")"
}

start_fapolicyd() {
	$pin_listener fapolicyd --permissive --debug-deny >"$T/fapolicyd.out" 2>&1 &
	fapo_pid=$!
	# Ready once its fanotify group has a mark: fdinfo lists it.
	for _ in $(seq 300); do
		kill -0 "$fapo_pid" 2>/dev/null || die "fapolicyd exited: $(tail -5 "$T/fapolicyd.out")"
		if grep -qs 'fanotify mnt_id' /proc/"$fapo_pid"/fdinfo/* ||
			grep -qs 'fanotify sdev' /proc/"$fapo_pid"/fdinfo/*; then
			return 0
		fi
		sleep 0.1
	done
	die "fapolicyd did not mark the filesystem in 30 s"
}
stop_fapolicyd() {
	kill "$fapo_pid"
	wait "$fapo_pid" 2>/dev/null
	fapo_pid=""
}

declare -A F S R
configs="none bare futari futari-nomarks futari-upload futari-upload-real fapolicyd fapolicyd-knownlibs"
real_openloop=$(readlink -f "$openloop")
for round in $(seq "$rounds"); do
	for c in $configs; do
		d="$mnt/$c-$round"
		make_files "$d"
		case $c in
		none) result=$(measure "$d") ;;
		bare) start_bare; result=$(measure "$d"); stop_harness ;;
		futari) start_harness; result=$(measure "$d"); stop_harness ;;
		futari-nomarks) start_harness --no-marks; result=$(measure "$d"); stop_harness ;;
		futari-upload) start_harness --program "$real_openloop"; result=$(measure "$d"); stop_harness ;;
		futari-upload-real)
			start_harness --program "$real_openloop" --classifier real
			result=$(measure "$d")
			stop_harness
			;;
		fapolicyd) set_rules debian; start_fapolicyd; result=$(measure "$d"); stop_fapolicyd ;;
		fapolicyd-knownlibs) set_rules known-libs; start_fapolicyd; result=$(measure "$d"); stop_fapolicyd ;;
		esac
		echo "$c $result" >>"$T/results"
		echo "round $round $c: first, second, repeated: $result ns" >&2
	done
done

echo
echo "fanotify open/read/close on xfs (loop), $files files, $passes passes, median of $rounds rounds"
echo "kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)${pin_opener:+, opener on CPU ${OPENER_CPU:-1}, listener on CPU ${LISTENER_CPU:-0}}"
us() { awk -v n="$1" 'BEGIN { printf "%.2f", n / 1000 }'; }
minimum() { sort -n | head -1; }
col() { awk -v c="$1" -v k="$2" '$1 == c { print $k }' "$T/results"; }
printf '%-20s %9s %9s %9s %11s %11s %11s %9s %9s\n' listener first second repeat \
	"first+" "second+" "repeat+" "min 1st" "min rep"
for c in $configs; do
	F[$c]=$(col "$c" 2 | median)
	S[$c]=$(col "$c" 3 | median)
	R[$c]=$(col "$c" 4 | median)
	printf '%-20s %9s %9s %9s %11s %11s %11s %9s %9s\n' "$c" "$(us "${F[$c]}")" "$(us "${S[$c]}")" \
		"$(us "${R[$c]}")" "$(us $((F[$c] - F[none])))" "$(us $((S[$c] - S[none])))" \
		"$(us $((R[$c] - R[none])))" "$(us "$(col "$c" 2 | minimum)")" \
		"$(us "$(col "$c" 4 | minimum)")"
done
echo "(µs per open/read/close; '+' columns: added cost over no listener, medians)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "futari's added cost per open as a fraction of fapolicyd's (both over no listener):"
echo "  first opens:    $(ratio $((F[futari] - F[none])) $((F[fapolicyd] - F[none])))"
echo "  repeated opens: $(ratio $((R[futari] - R[none])) $((R[fapolicyd] - R[none])))"
echo "against fapolicyd with the known-libs rules:"
echo "  first opens:    $(ratio $((F[futari] - F[none])) $((F[fapolicyd-knownlibs] - F[none])))"
echo "  repeated opens: $(ratio $((R[futari] - R[none])) $((R[fapolicyd-knownlibs] - R[none])))"
echo "futari answering every open (no ignore marks) against the bare responder:"
echo "  repeated opens: $(ratio $((R[futari-nomarks] - R[none])) $((R[bare] - R[none])))"
echo "futari answering every open (no ignore marks) against fapolicyd (Debian rules):"
echo "  first opens:    $(ratio $((F[futari-nomarks] - F[none])) $((F[fapolicyd] - F[none])))"
echo "  repeated opens: $(ratio $((R[futari-nomarks] - R[none])) $((R[fapolicyd] - R[none])))"
