#!/bin/sh
# Benchmark: what writing upload.observed durably before the open costs an upload program
# (issue 14). A browser-like burst: curl (an upload program) opens FILES Class III files under
# an observed path, either one after the other (one curl) or from PAR curls at once (a
# browser's processes and threads); the wall time of the burst, side by side in one run:
#   unobserved  the same futarid with the files outside the observed path: no record at all
#   observed    this build: each open waits until its record is durable (several waiting
#               opens share one flush: group commit)
#   old         futarid from OLD_BUILDDIR (e.g. the code before): the open is allowed at once
#               and its record written afterwards, not flushed (observe-per-minute raised so
#               that it writes them all)
# The files are classified once by a warm-up burst (observe-interval 1 s: each timed burst
# records every file again), so the figures are the listener and the log, not the classifier.
# The log is on the machine's own disk ($TMPDIR). Root only; not part of `make check`.
#   sudo top_srcdir=$PWD/.. top_builddir=$PWD sh ../bench/upload-observe.sh [FILES [PAR [ROUNDS]]]
#   OLD_BUILDDIR=/path/to/old/_build ... (adds the old mode)
# Prints per mode the median over ROUNDS of the burst's wall time, in ms, and the ratio
# against unobserved; for observed also the records per flush in the parallel burst (status
# --json).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/agent-lib.sh"
agent_enter_ns "$@"
. "$top_srcdir/tests/integration/lib.sh"
require_cmd setpriv curl python3 mkfs.ext4
files=${1:-200}
par=${2:-8}
rounds=${3:-5}
old_futarid="${OLD_BUILDDIR:+$OLD_BUILDDIR/agent/futarid}"
[ -z "$old_futarid" ] || [ -x "$old_futarid" ] || fail "no futarid in OLD_BUILDDIR"
new_futarid=$FUTARID
agent_setup
user_home

wimg="$TEST_TMP/watched.img"
wfs="$TEST_TMP/wfs"
mkdir -p "$wfs"
truncate -s 256M "$wimg"
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$wimg" || fail "mkfs.ext4 failed"
wdev=$(losetup --find --show "$wimg") || skip "no free loop device"
defer "loop_release $wdev $wimg"
mount "$wdev" "$wfs" || fail "cannot mount the watched filesystem"
defer "umount $wfs 2>/dev/null"
chmod 0755 "$wfs"
mkdir -p "$wfs/obs" "$wfs/elsewhere"
# Root's files, 0644: their class is cached after the warm-up (a user's own file is
# classified on every open by an upload program, see docs/upload-control.md).
for i in $(seq "$files"); do
	public_file "$wfs/obs/f$i.txt" 4000 "note $i"
done
chmod 0644 "$wfs/obs"/*
cp "$ETC/agent.conf" "$ETC/base.conf"

# MODE: the agent's config and binary.
config() {
	cp "$ETC/base.conf" "$ETC/agent.conf"
	obs="$wfs/obs"
	[ "$1" = unobserved ] && obs="$wfs/elsewhere"
	cat >>"$ETC/agent.conf" <<CONF

[upload]
filesystems = $wfs
programs = /usr/bin/curl
observe = $obs
observe-interval = 1
observe-per-minute = 100000
CONF
	FUTARID=$new_futarid
	[ "$1" = old ] && FUTARID=$old_futarid
}

# burst N: N curls at once, the files split between them; prints wall ms.
burst() {
	python3 - "$1" "$files" "$wfs/obs" <<'PY'
import subprocess, sys, time
n, files, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
groups = [[] for _ in range(n)]
for i in range(files):
    groups[i % n] += ["-o", "/dev/null", "file://%s/f%d.txt" % (d, i + 1)]
cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "curl", "-s", "-f"]
t = time.perf_counter()
procs = [subprocess.Popen(cmd + g) for g in groups]
rc = [p.wait() for p in procs]
ms = (time.perf_counter() - t) * 1000
if any(rc):
    sys.exit("a curl failed: %s" % rc)
print("%.1f" % ms)
PY
}

status_field() { as_user "$FUTARI" status --json | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1', 0))"; }

res="$TEST_TMP/results"
modes="unobserved observed"
[ -n "$old_futarid" ] && modes="$modes old"
for r in $(seq "$rounds"); do
	for m in $modes; do
		config "$m"
		start_agent
		burst 1 >/dev/null || fail "warm-up burst failed ($m)"
		sleep 1.1
		s=$(burst 1) || fail "serial burst failed ($m)"
		sleep 1.1
		[ "$m" = observed ] && d0=$(status_field upload_observed_durable) &&
			c0=$(status_field upload_observe_commits)
		p=$(burst "$par") || fail "parallel burst failed ($m)"
		per=""
		if [ "$m" = observed ]; then
			d=$(($(status_field upload_observed_durable) - d0))
			c=$(($(status_field upload_observe_commits) - c0))
			[ "$d" = "$files" ] || fail "the parallel burst wrote $d records for $files opens"
			per=$(python3 -c "print('%.2f' % ($d / max($c, 1)))")
		fi
		stop_agent
		echo "$m $r $s $p $per" | tee -a "$res"
	done
done
n=$(grep -c '"event":"upload.observed"' "$TEST_TMP"/log/egress-*.jsonl)
echo "# $files Class III opens by curl per burst: serial (1 curl) and parallel ($par curls); $rounds rounds; $n upload.observed records written in all"
python3 - "$res" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault(f[0], []).append(f[2:])
base_s = statistics.median(float(x[0]) for x in rows["unobserved"])
base_p = statistics.median(float(x[1]) for x in rows["unobserved"])
for m, v in rows.items():
    s = statistics.median(float(x[0]) for x in v)
    p = statistics.median(float(x[1]) for x in v)
    per = [float(x[2]) for x in v if len(x) > 2]
    print("%-11s serial %7.1f ms %5.2fx   parallel %7.1f ms %5.2fx%s" % (
        m, s, s / base_s, p, p / base_p,
        ("   %.1f records per flush" % statistics.median(per)) if per else ""))
PY
