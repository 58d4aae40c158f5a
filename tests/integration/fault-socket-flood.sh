#!/bin/sh
# A flood from one unprivileged user — more connections than the per-user limit, oversized
# packets, garbage, replies never read — must not take the agent away from everyone else:
# while it runs, another user's `futari status` answers within a liveness bound (10 s, not
# a speed figure), and afterwards the agent is still up (issue 10, fault tests).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv timeout
# the system python: a per-user one (pyenv) is not reachable for the test user
PY=/usr/bin/python3
[ -x "$PY" ] || skip "needs /usr/bin/python3"
agent_setup
user_home
start_agent
FLOOD="$top_srcdir/tests/integration/sockflood.py"
defer "kill -CONT $AGENT_PID 2>/dev/null"

# Connections over the per-user limit whose callers are gone before the agent accepts them
# (the agent is stopped meanwhile): the refusal's send fails. This freed the connection
# twice (a use-after-free in agent/api.c accept_cb, found by this test).
kill -STOP "$AGENT_PID"
# 40: the agent's bound per user, so the second 40 are over it.
setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" "$FLOOD" hold "$SOCK" 40 \
	>"$TEST_TMP/hold.out" 2>&1 &
hold_pid=$!
sleep 2
kill -CONT "$AGENT_PID"
sleep 1
kill -0 "$AGENT_PID" || fail "agent died refusing connections of a caller that had gone"
timeout 30 setpriv --reuid=65533 --regid=65533 --clear-groups \
	env FUTARI_SOCKET="$SOCK" FUTARI_TIMEOUT=10 "$FUTARI" status >/dev/null ||
	fail "another user's status failed after the refused connections"
wait $hold_pid || fail "the hold helper failed: $(cat "$TEST_TMP/hold.out")"

fds_before=$(ls /proc/"$AGENT_PID"/fd | wc -l)
setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" "$FLOOD" flood "$SOCK" 15 \
	>"$TEST_TMP/flood.out" 2>&1 &
flood_pid=$!
defer "kill_ours $flood_pid"
sleep 2
for i in 1 2 3 4 5; do
	start=$(date +%s)
	timeout 30 setpriv --reuid=65533 --regid=65533 --clear-groups \
		env FUTARI_SOCKET="$SOCK" FUTARI_TIMEOUT=10 "$FUTARI" status >"$TEST_TMP/out" 2>&1 ||
		fail "another user's status failed during the flood (try $i): $(cat "$TEST_TMP/out")"
	took=$(($(date +%s) - start))
	[ "$took" -le 10 ] || fail "another user's status took $took s during the flood"
	grep -q running "$TEST_TMP/out" || fail "unexpected status: $(cat "$TEST_TMP/out")"
	kill -0 "$AGENT_PID" || fail "agent died during the flood"
	sleep 1
done
wait $flood_pid || fail "the flood helper failed: $(cat "$TEST_TMP/flood.out")"
cat "$TEST_TMP/flood.out"
# The flood did hit the per-user connection limit (or lost connections for not reading):
# the limits were exercised, not bypassed.
refused=$(sed -n 's/.*refused=\([0-9]*\).*/\1/p' "$TEST_TMP/flood.out")
[ "${refused:-0}" -gt 0 ] || fail "the flood never met a limit: $(cat "$TEST_TMP/flood.out")"
kill -0 "$AGENT_PID" || fail "agent died"
"$FUTARI" status >/dev/null || fail "root's status failed after the flood"
# Every descriptor the flood attached or opened is closed again (a few may still be on
# their way out: some slack, not thousands).
sleep 1
fds_after=$(ls /proc/"$AGENT_PID"/fd | wc -l)
[ "$fds_after" -le $((fds_before + 4)) ] ||
	fail "the agent holds $fds_after descriptors after the flood, $fds_before before"
stop_agent
exit 0
