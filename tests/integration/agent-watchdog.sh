#!/bin/sh
# systemd's watchdog (WatchdogSec= in futarid.service): with NOTIFY_SOCKET and WATCHDOG_USEC
# set as systemd sets them, futarid sends READY=1 and then WATCHDOG=1 from its main loop at
# half the interval; while the agent is stopped (SIGSTOP) the pings stop, which is what lets
# systemd restart a hung agent.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd python3
agent_setup

notify="$TEST_TMP/notify.sock"
python3 - "$notify" >"$TEST_TMP/notify.txt" 2>&1 <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.2)
end = time.monotonic() + 12
start = time.monotonic()
while time.monotonic() < end:
    try:
        msg = s.recv(4096).decode(errors="replace")
    except socket.timeout:
        continue
    for line in msg.split("\n"):
        if line:
            print("%.2f %s" % (time.monotonic() - start, line), flush=True)
PY
rx=$!
defer "kill_ours $rx"
i=0
while [ ! -S "$notify" ]; do
	i=$((i + 1))
	[ $i -le 50 ] || fail "notify listener did not start"
	sleep 0.1
done

export NOTIFY_SOCKET="$notify" WATCHDOG_USEC=1000000
start_agent
unset NOTIFY_SOCKET WATCHDOG_USEC
sleep 3
n1=$(grep -c "WATCHDOG=1" "$TEST_TMP/notify.txt")
grep -q "READY=1" "$TEST_TMP/notify.txt" || fail "no READY=1 from futarid"
[ "$n1" -ge 4 ] || { cat "$TEST_TMP/notify.txt" >&2; fail "only $n1 WATCHDOG=1 pings in 3 s with a 1 s watchdog"; }

kill -STOP "$AGENT_PID"
sleep 0.6
n2=$(grep -c "WATCHDOG=1" "$TEST_TMP/notify.txt")
sleep 2
n3=$(grep -c "WATCHDOG=1" "$TEST_TMP/notify.txt")
kill -CONT "$AGENT_PID"
[ "$n3" -eq "$n2" ] || fail "WATCHDOG=1 pings went on while the agent was stopped"
sleep 1.5
n4=$(grep -c "WATCHDOG=1" "$TEST_TMP/notify.txt")
[ "$n4" -gt "$n3" ] || fail "no WATCHDOG=1 after SIGCONT"
stop_agent
echo "ok: READY=1, $n1 pings in 3 s, none while stopped, pings again after SIGCONT"
exit 0
