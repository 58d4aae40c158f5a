#!/bin/sh
# Raw network tools are upload programs in the packaged configuration (issue 14, round 19):
# before, `nc HOST PORT < staff.csv` and `socat - TCP:HOST:PORT < staff.csv` sent a Class I
# file on the fanotify path (neither nc nor socat was in packaging/config/agent.conf's lists,
# so neither their starts nor their opens were judged). Runs the real futarid with the
# packaged `programs` and `names` lines, fanotify only, and a listener on loopback in the
# test's network namespace: nc and socat with the roster on standard input, through a pipe
# and opening it themselves (socat's OPEN address) are refused and logged, and nothing
# reaches the listener; a public notice goes through each.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv timeout python3 ip nc socat
CONF_SRC="$top_srcdir/packaging/config/agent.conf"
programs=$(grep '^programs = ' "$CONF_SRC") || fail "no programs line in $CONF_SRC"
names=$(grep '^names = ' "$CONF_SRC") || fail "no names line in $CONF_SRC"
agent_setup
user_home

upload_fixture "$programs" "$names"
start_agent
L="$TEST_TMP/log"

loopback_listener

denials() { grep -c '"event":"upload.denied"' "$L"/egress-*.jsonl 2>/dev/null || true; }
refused() { # NAME CMD
	before=$(denials)
	: >"$recv"
	as_u timeout 20 sh -c "$2" >"$TEST_TMP/$1.log" 2>&1 || true
	sleep 1
	if grep -q 379474484458 "$recv"; then fail "$1: the roster reached the listener: $2"; fi
	for _ in $(seq 200); do
		[ "$(denials)" -gt "$before" ] && return 0
		sleep 0.1
	done
	fail "$1: no upload.denied for: $2 ($(cat "$TEST_TMP/$1.log"))"
}
allowed() { # NAME CMD
	: >"$recv"
	as_u timeout 20 sh -c "$2" >"$TEST_TMP/$1.log" 2>&1 || true
	for _ in $(seq 30); do
		grep -q 'public notice' "$recv" && return 0
		sleep 0.1
	done
	fail "$1: a public notice did not go: $2 ($(cat "$TEST_TMP/$1.log"))"
}

refused nc-stdin "nc -N 127.0.0.1 $P <'$U/staff.csv'"
refused nc-pipe "cat '$U/staff.csv' | nc -N 127.0.0.1 $P"
refused socat-stdin "socat -u - TCP:127.0.0.1:$P <'$U/staff.csv'"
refused socat-open "socat -u OPEN:'$U/staff.csv' TCP:127.0.0.1:$P"
grep -q '"event":"upload.denied".*"exe":"/usr/bin/nc.openbsd"' "$L"/egress-*.jsonl ||
	fail "no refusal names nc's executable"
grep -q '"event":"upload.denied".*"exe":"/usr/bin/socat"' "$L"/egress-*.jsonl ||
	fail "no refusal names socat's executable"

allowed nc-public "nc -N 127.0.0.1 $P <'$U/notice.txt'"
allowed socat-public "socat -u OPEN:'$U/notice.txt' TCP:127.0.0.1:$P"
stop_agent
exit 0
