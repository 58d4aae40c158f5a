#!/bin/sh
# futarid stops (SIGTERM) while classify and label jobs are still reading a user's file, here
# a FUSE file of the user's whose reads block until released (stallfs.py). Those jobs run in
# worker threads that use the classifier, the label memory and upload control; an agent that
# freed them at once could crash or corrupt its heap when the read returns (a glibc
# "malloc_consolidate(): unaligned fastbin chunk" was seen once at a stop). So:
#   1. reads released 1 s after SIGTERM: the stop waits for the jobs, each client gets its
#      answer, and the agent exits 0 with no sanitizer report;
#   2. reads never released: the agent still exits 0 within its bound (10 s), says it stops
#      without them, and keeps (does not free) what they use.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv timeout
agent_setup
user_home

mount_test_fuse stallfs.py stall.txt
fmnt=$FMNT
release=$RELEASE

as_user() { # then futari's arguments
	FUTARI_TIMEOUT=60 timeout 70 setpriv --reuid=65534 --regid=65534 --clear-groups \
		env FUTARI_SOCKET="$SOCK" "$FUTARI" "$@"
}
threads() { sed -n 's/^Threads:[[:space:]]*//p' /proc/"$AGENT_PID"/status; }

# stop_waiting SECONDS: SIGTERM, then the agent must be gone within SECONDS; sets rc.
stop_waiting() {
	kill "$AGENT_PID"
	i=0
	while kill -0 "$AGENT_PID" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le $(($1 * 10)) ] || fail "futarid did not stop within $1 s of SIGTERM"
		sleep 0.1
	done
	wait "$AGENT_PID"
	rc=$?
	if [ $rc -ne 0 ] || grep -q "Sanitizer\|runtime error" "$TEST_TMP/agent.log"; then
		tail -n 40 "$TEST_TMP/agent.log" >&2
		fail "futarid exited $rc on SIGTERM"
	fi
}

# Case 1: released during the stop.
rm -f "$release"
start_agent
base=$(threads)
as_user classify "$fmnt/stall.txt" >"$TEST_TMP/classify.out" 2>&1 &
cpid=$!
as_user label III "$fmnt/stall.txt" >"$TEST_TMP/label.out" 2>&1 &
lpid=$!
i=0
until [ "$(threads)" -ge $((base + 1)) ]; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "the stalled jobs did not start (threads $base -> $(threads))"
	sleep 0.1
done
sleep 1
kill "$AGENT_PID"
sleep 1
kill -0 "$AGENT_PID" 2>/dev/null ||
	fail "futarid stopped without waiting for the classify and label jobs reading a file"
touch "$release"
stop_waiting 15
wait "$cpid" || fail "the classify client got no answer across the stop: $(cat "$TEST_TMP/classify.out")"
grep -q "III" "$TEST_TMP/classify.out" || fail "unexpected classify answer: $(cat "$TEST_TMP/classify.out")"
wait "$lpid"
# The label may be refused (a FUSE file takes no label attribute), but it is answered.
[ -s "$TEST_TMP/label.out" ] || fail "the label client got no answer across the stop"
grep -q "Connection\|connect\|closed" "$TEST_TMP/label.out" &&
	fail "the label client lost the agent across the stop: $(cat "$TEST_TMP/label.out")"
echo "ok: the stop waited for the jobs; classify answered: $(head -n1 "$TEST_TMP/classify.out")"

# Case 2: never released during the stop.
rm -f "$release"
: >"$TEST_TMP/agent.log"
start_agent
base=$(threads)
as_user classify "$fmnt/stall.txt" >"$TEST_TMP/classify2.out" 2>&1 &
cpid=$!
i=0
until [ "$(threads)" -ge $((base + 1)) ]; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "the stalled job did not start"
	sleep 0.1
done
sleep 0.5
stop_waiting 20
grep -q "still running: stopping without" "$TEST_TMP/agent.log" ||
	fail "the agent did not say it stopped without the running job: $(tail -n 5 "$TEST_TMP/agent.log")"
touch "$release"
wait "$cpid" && fail "the classify client got an answer from a stopped agent"
echo "ok: a job reading for ever does not hold the stop beyond its bound"
exit 0
