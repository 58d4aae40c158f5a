#!/bin/sh
# A stopped agent (SIGSTOP) must give its clients an error within a bound, not a hang;
# after SIGCONT it answers again and has lost nothing (issue 10, fault tests).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv timeout
agent_setup
user_home
start_agent
defer "kill -CONT $AGENT_PID 2>/dev/null"

as_user "$FUTARI" status >/dev/null || fail "status before the stop failed"

kill -STOP "$AGENT_PID"
# The CLI gives up after FUTARI_TIMEOUT seconds; `timeout 20` only catches a hang.
start=$(date +%s)
FUTARI_TIMEOUT=2 timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups \
	env FUTARI_SOCKET="$SOCK" FUTARI_TIMEOUT=2 "$FUTARI" status >"$TEST_TMP/out" 2>"$TEST_TMP/err"
rc=$?
took=$(($(date +%s) - start))
[ $rc -ne 124 ] || fail "futari status hung on a stopped agent (killed after 20 s)"
[ $rc -eq 1 ] || fail "futari status on a stopped agent exited $rc, not 1: $(cat "$TEST_TMP/err")"
[ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] || fail "the error is not one line: $(cat "$TEST_TMP/err")"
grep -q "did not answer within 2 seconds" "$TEST_TMP/err" ||
	fail "unexpected error: $(cat "$TEST_TMP/err")"
[ "$took" -le 10 ] || fail "the timeout took $took s"
# Every other short command has the same bound.
for cmd in devices requests; do
	timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups \
		env FUTARI_SOCKET="$SOCK" FUTARI_TIMEOUT=2 "$FUTARI" $cmd >/dev/null 2>&1
	rc=$?
	[ $rc -ne 124 ] || fail "futari $cmd hung on a stopped agent"
done

kill -CONT "$AGENT_PID"
timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups \
	env FUTARI_SOCKET="$SOCK" FUTARI_TIMEOUT=10 "$FUTARI" status >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	fail "status after SIGCONT failed: $(cat "$TEST_TMP/err")"
grep -q "running" "$TEST_TMP/out" || fail "unexpected status: $(cat "$TEST_TMP/out")"
kill -0 "$AGENT_PID" || fail "agent died"
stop_agent
exit 0
