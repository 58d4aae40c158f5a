#!/bin/sh
# Issue 16 item 9: the agent's main loop never waits on a file a user hands it. A user's
# FUSE filesystem (hostilefs.py) makes every fstat, fstatfs, read and close by root wait
# for ever; the user asks the agent to classify, label and export such a file. Another
# user's `futari status` must still be answered within 5 s, every time. Before the fix the
# main loop called fstat on the passed descriptor (classify, label, export's spool
# reservation, upload-request) and froze for every user until the watchdog killed it.
# When the filesystem lets go, the agent finishes or refuses the requests and still serves.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv timeout
agent_setup
user_home
register_sticks alpha
make_stick alpha
dev_a=$STICK
start_agent
wait_ro "$dev_a" || fail "stick not read-only"
mount_hostilefs

as_uid() { # uid, then futari's arguments
	u=$1
	shift
	FUTARI_TIMEOUT=${TMO:-15} timeout 60 setpriv --reuid="$u" --regid="$u" --clear-groups \
		env FUTARI_SOCKET="$SOCK" "$FUTARI" "$@"
}

# The attacker: one request of each kind on the stalling file, at once.
TMO=50 as_uid 65534 classify "$FMNT/stall.txt" >"$TEST_TMP/a.classify" 2>&1 &
p1=$!
TMO=50 as_uid 65534 label "$FMNT/stall.txt" I >"$TEST_TMP/a.label" 2>&1 &
p2=$!
TMO=50 as_uid 65534 export "$FMNT/stall.txt" --to alpha --reason r >"$TEST_TMP/a.export" 2>&1 &
p3=$!
sleep 2

# Another user is answered, within 5 s, three times.
for try in 1 2 3; do
	start=$(date +%s)
	out=$(TMO=5 as_uid 65533 status 2>&1) ||
		fail "another user's status failed while a FUSE file stalled the agent (try $try): $out"
	took=$(($(date +%s) - start))
	[ "$took" -le 5 ] || fail "another user's status took $took s"
	sleep 1
done
kill -0 "$AGENT_PID" || fail "agent died"
for p in $p1 $p2 $p3; do
	kill -0 "$p" 2>/dev/null || fail "an attacker's request ended while its file stalls: $(cat "$TEST_TMP"/a.*)"
done
echo "ok: another user served while the attacker's FUSE file stalls"

# The filesystem lets go: each request is answered (done or refused) and the agent serves.
touch "$RELEASE"
for p in $p1 $p2 $p3; do
	wait "$p" || true
done
grep -q "III" "$TEST_TMP/a.classify" || fail "classify after release: $(cat "$TEST_TMP/a.classify")"
out=$(TMO=5 as_uid 65533 status 2>&1) || fail "status after release: $out"
kill -0 "$AGENT_PID" || fail "agent died"
stop_agent
exit 0
