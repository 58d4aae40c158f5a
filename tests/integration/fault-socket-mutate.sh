#!/bin/sh
# Requests built at random from the command table (every command name and argument name,
# values of every JSON type, hostile strings, descriptors of files, directories and
# /dev/null) sent by an unprivileged user: each gets a well-formed one-line reply, and the
# agent stays up. The seeds are fixed, so a failure names the request that caused it
# (issue 10: malformed socket messages, DESIGN §8.5).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv timeout
PY=/usr/bin/python3
[ -x "$PY" ] || skip "needs /usr/bin/python3"
agent_setup
user_home
printf '[limits]\nrequests-per-minute = 100000\n' >>"$ETC/agent.conf"
start_agent
FLOOD="$top_srcdir/tests/integration/sockflood.py"

for seed in 1 2 3; do
	out=$(FLOOD_SEED=$seed timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups \
		env FLOOD_SEED=$seed "$PY" "$FLOOD" mutate "$SOCK" 1500 2>&1) ||
		fail "seed $seed: $out"
	echo "seed $seed: $out"
	kill -0 "$AGENT_PID" || fail "agent died (seed $seed)"
done
"$FUTARI" status >/dev/null || fail "agent not answering after the random requests"
stop_agent
exit 0
