#!/bin/sh
# The learner's queue under a burst (issue 14), with the taint layer's pending numbers (the
# harness's --pending stands in for the BPF side):
#   - a burst of fresh files larger than the old queue (256) while the learner is slow: every
#     pending number resolves with the file's class (Class III here), none as Class II, none
#     dropped; the queue held more than 256 at once;
#   - one version opened 300 times while it waits shares one place: classified once;
#   - the backlog is counted while it lasts (learn_waiting) and drains to 0;
#   - a version the learner is classifying is not classified again for an upload program's
#     open meanwhile, nor the other way round: each scan is counted;
#   - at the hard bound (a low descriptor limit: half of it beyond a reserve), opens past it
#     are not learnt, counted (learn_dropped), and only those resolve as Class II.
. "$(dirname "$0")/lib.sh"
upload_lock

require_root "fanotify permission events, loop devices, mounts"
PY3=/usr/bin/python3
require_cmd losetup mkfs.ext4 mount umount timeout
[ -x "$PY3" ] || skip "needs /usr/bin/python3"

harness="${top_builddir:-../..}/tests/integration/fanwatch-harness"
[ -x "$harness" ] || fail "harness not built: $harness"

img="$TEST_TMP/disk.img"
mnt="$TEST_TMP/mnt"
out="$TEST_TMP/out.jsonl"
mkdir -p "$mnt"
truncate -s 64M "$img"
mkfs.ext4 -q -F "$img" || fail "mkfs.ext4 failed"
dev=$(losetup --find --show "$img") || skip "no free loop device"
defer "loop_release $dev $img"
mount "$dev" "$mnt" || fail "mount failed"
defer "umount $mnt"
chmod 755 "$mnt"
echo "public text" >"$mnt/plain.txt"

hpid=""
start_harness() { # NOFILE
	: >"$out"
	(ulimit -n "$1" && exec "$harness" --mount "$mnt" --program /usr/bin/curl --pending \
		--self-open "$mnt/plain.txt") >"$out" 2>"$TEST_TMP/harness.err" &
	hpid=$!
	for _ in $(seq 100); do
		grep -q '"event":"self-open"' "$out" && return 0
		kill -0 "$hpid" 2>/dev/null || fail "harness exited: $(cat "$TEST_TMP/harness.err")"
		sleep 0.1
	done
	fail "harness not ready in 10 s"
}
stop_harness() {
	[ -n "$hpid" ] || return 0
	kill "$hpid" 2>/dev/null
	hrc=0
	wait "$hpid" 2>/dev/null || hrc=$?
	hpid=""
	[ "$hrc" = 0 ] || fail "harness exited with status $hrc: $(tail -5 "$TEST_TMP/harness.err")"
}
defer '[ -z "$hpid" ] || { kill -9 "$hpid"; wait "$hpid"; } 2>/dev/null'
# stat NAME: the counter NAME of the harness's latest stats line
stat() {
	grep '"event":"stats"' "$out" | tail -1 | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}
# Waits until the pending numbers resolved (any class) reach $1, up to 120 s.
wait_resolved() {
	for _ in $(seq 240); do
		kill -USR2 "$hpid"
		sleep 0.5
		n=$(($(stat resolved_1) + $(stat resolved_2) + $(stat resolved_3) + $(stat resolved_0)))
		[ "$n" -ge "$1" ] && return 0
	done
	fail "only $n of $1 pending numbers resolved: $(grep '"stats"' "$out" | tail -1)"
}
# make_files DIR COUNT: files the learner takes 20 ms each over, written before the harness
# starts (each write is an open the listener would learn too)
make_files() {
	mkdir -p "$1"
	i=0
	while [ $i -lt "$2" ]; do
		i=$((i + 1))
		echo "line $i" >"$1/lag-$i"
	done
}
burst() { # DIR: each file opened once, all at once
	timeout 60 cat "$1"/lag-* >/dev/null || fail "cat could not read the burst"
}

# --- a burst larger than the old queue: nothing lost -------------------------------------
make_files "$mnt/b1" 600
make_files "$mnt/b2" 400
echo "same text" >"$mnt/lag-same"
for f in pause-a pause-b; do
	echo "user text" >"$mnt/$f"
	chown 65534:65534 "$mnt/$f"
done
start_harness 4096
burst "$mnt/b1"
# one version opened 300 times while the learner is busy with the burst
timeout 60 "$PY3" -c '
import os, sys
for _ in range(300):
    os.close(os.open(sys.argv[1], os.O_RDONLY))' "$mnt/lag-same" || fail "could not open the shared file"
# the learner is about 12 s behind (20 ms a file): its backlog is shown (upload_learn_waiting)
kill -USR2 "$hpid"
sleep 0.5
[ "$(stat learn_waiting)" -gt 0 ] || fail "nothing waits for the learner right after the burst: $(grep '"stats"' "$out" | tail -1)"
wait_resolved 601
# and it drains: nothing waits once every number is resolved (the last one leaves its place
# just after resolving)
for _ in $(seq 20); do
	kill -USR2 "$hpid"
	sleep 0.25
	[ "$(stat learn_waiting)" = 0 ] && break
done
[ "$(stat learn_waiting)" = 0 ] || fail "opens still wait for the learner after all resolved: $(grep '"stats"' "$out" | tail -1)"
[ "$(stat resolved_3)" = 601 ] || fail "not every version resolved as Class III: $(grep '"stats"' "$out" | tail -1)"
[ "$(stat resolved_2)" = 0 ] || fail "a burst resolved files as Class II: $(grep '"stats"' "$out" | tail -1)"
[ "$(stat learn_dropped)" = 0 ] || fail "the learner dropped files: $(grep '"stats"' "$out" | tail -1)"
[ "$(stat learn_peak)" -gt 256 ] || fail "the queue never held more than the old 256: $(stat learn_peak)"
[ "$(stat learn_shared)" -ge 299 ] || fail "opens of a waiting version did not share it: $(stat learn_shared)"
[ "$(stat classified)" = 601 ] || fail "601 versions classified $(stat classified) times"

# --- one version, one scan: the learner and an upload decision share a classification --
# A user's own file (an upload decision never takes its class from the cache: see
# docs/upload-control.md), whose classification takes 1 s. cat's open sends it to the
# learner; curl's open while that runs waits for the same result instead of a second scan.
# Then the other way round: curl first, cat while curl's classification runs.
scans() { kill -USR2 "$hpid"; sleep 0.5; echo "$(stat classified) $(stat classify_shared)"; }
before=$(scans)
timeout 10 cat "$mnt/pause-a" >/dev/null || fail "cat cannot read pause-a"
sleep 0.3
[ "$(timeout 10 curl -s "file://$mnt/pause-a")" = "user text" ] || fail "curl cannot read pause-a"
timeout 10 curl -s "file://$mnt/pause-b" >/dev/null &
cpid=$!
sleep 0.3
timeout 10 cat "$mnt/pause-b" >/dev/null || fail "cat cannot read pause-b"
wait "$cpid" || fail "curl cannot read pause-b"
sleep 1.2
after=$(scans)
set -- $before $after
[ $(($3 - $1)) = 2 ] || fail "two versions scanned $(($3 - $1)) times (before: $before, after: $after)"
[ $(($4 - $2)) = 2 ] || fail "$(($4 - $2)) classifications shared, not 2"
stop_harness

# --- the hard bound: counted, and only what is dropped is Class II ------------------------
start_harness 600
bound=$(kill -USR2 "$hpid"; sleep 0.5; stat learn_bound)
[ "$bound" = 172 ] || fail "bound $bound with 600 descriptors, not (600 - 256) / 2 = 172"
burst "$mnt/b2"
wait_resolved 400
dropped=$(stat learn_dropped)
[ "$dropped" -gt 0 ] || fail "nothing dropped past the bound: $(grep '"stats"' "$out" | tail -1)"
[ "$(stat resolved_2)" = "$dropped" ] ||
	fail "Class II resolutions $(stat resolved_2) are not the $dropped dropped"
[ "$(stat learn_peak)" -le 172 ] || fail "the queue held $(stat learn_peak) past its bound 172"
[ $(($(stat resolved_3) + dropped)) = 400 ] || fail "lost numbers: $(grep '"stats"' "$out" | tail -1)"
stop_harness
echo "PASS: a burst of 600 fresh files learnt without a Class II, 300 opens of one version shared, the bound counted"
