#!/bin/sh
# A user hands the agent a file whose reads never return (a FUSE filesystem of their own,
# tests/integration/stallfs.py), again and again, giving up and asking anew. Only that
# user's share of the agent's workers (FUT_BROKER_WORK_PER_UID, 9) waits: further requests
# are refused at once in one line, the agent holds no more threads than the share, another
# user's `futari classify` is answered within a liveness bound (10 s), and when the reads
# return the user is served again. Before the share, each request took one more of the
# worker threads GLib starts (up to hundreds) and the flood could stop the agent serving
# anyone (issue 10, fault tests).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv timeout
agent_setup
user_home
start_agent

mount_test_fuse stallfs.py stall.txt
fmnt=$FMNT
release=$RELEASE
printf 'public notice\n' >"$HOME_U/small.txt"
chown 65534:65534 "$HOME_U/small.txt"
chmod 0644 "$HOME_U/small.txt"

as_user() { # uid, then futari's arguments
	u=$1
	shift
	FUTARI_TIMEOUT=${TMO:-15} timeout 40 setpriv --reuid="$u" --regid="$u" --clear-groups \
		env FUTARI_SOCKET="$SOCK" "$FUTARI" "$@"
}

threads() { sed -n 's/^Threads:[[:space:]]*//p' /proc/"$AGENT_PID"/status; }
base=$(threads)

# Wave 1: user 65534 asks 14 times at once (under the 16-connection limit) to classify the
# stalled file. FUT_BROKER_WORK_PER_UID (9) workers take it and wait; the rest are
# refused at once, in one line.
n=14
share=9
pids=""
k=0
while [ $k -lt $n ]; do
	TMO=60 as_user 65534 classify "$fmnt/stall.txt" >"$TEST_TMP/stall.$k" 2>&1 &
	pids="$pids $!"
	k=$((k + 1))
done
sleep 3
refused=$(grep -l "in progress" "$TEST_TMP"/stall.* 2>/dev/null | wc -l)
[ "$refused" -eq $((n - share)) ] ||
	fail "$refused of $n stalled requests refused, want $((n - share)): $(head -qn1 "$TEST_TMP"/stall.* | sort | uniq -c)"
for f in "$TEST_TMP"/stall.*; do
	if grep -q "in progress" "$f"; then
		[ "$(wc -l <"$f")" -eq 1 ] || fail "a refusal is not one line: $(cat "$f")"
	fi
done
# Wave 2: the user gives up on the waiting ones (their clients go away; the agent's
# workers still wait for the reads) and asks again: refused while the share is taken, and
# the agent holds no more threads than the share.
for p in $pids; do kill "$p" 2>/dev/null; done
sleep 1
k=0
while [ $k -lt $n ]; do
	out=$(TMO=10 as_user 65534 classify "$fmnt/stall.txt" 2>&1) &&
		fail "a stalled request was taken although the share is full"
	echo "$out" | grep -q "in progress" || fail "unexpected answer to wave 2: $out"
	k=$((k + 1))
done
# An export refused for the same reason is one the client waits out and sends again (code
# "busy"): no file was looked at, so it is not logged as a refusal of the file.
before=$(cat "$TEST_TMP"/log/egress-*.jsonl | grep -c '"event":"export.refused"')
out=$(timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups "$PROBE" "$SOCK" \
	--fd "$HOME_U/small.txt" \
	'{"command":"export","args":{"name":"small.txt","to":"nowhere","reason":"r"}}' 2>&1)
echo "$out" | grep -q '"busy"' || fail "unexpected answer to a busy export: $out"
after=$(cat "$TEST_TMP"/log/egress-*.jsonl | grep -c '"event":"export.refused"')
[ "$after" -eq "$before" ] || fail "a busy refusal was logged as export.refused"
now=$(threads)
echo "agent threads: $base before, $now with the share stalled"
[ "$now" -le $((base + share + 4)) ] ||
	fail "the agent grew from $base to $now threads for one user's stalled reads"

# Another user is still served.
for try in 1 2 3; do
	start=$(date +%s)
	out=$(TMO=10 as_user 65533 classify "$HOME_U/small.txt" 2>&1) ||
		fail "another user's classify failed while one user stalled the agent (try $try): $out"
	took=$(($(date +%s) - start))
	[ "$took" -le 10 ] || fail "another user's classify took $took s"
	echo "$out" | grep -q "III" || fail "unexpected classify output: $out"
done
kill -0 "$AGENT_PID" || fail "agent died"
echo "ok: $refused of $n stalled requests refused, wave 2 refused, another user served"

# The reads return: the share comes back and the user is served again.
touch "$release"
i=0
until out=$(as_user 65534 classify "$HOME_U/small.txt" 2>&1); do
	i=$((i + 1))
	[ $i -le 20 ] || fail "the user is not served after the reads returned: $out"
	sleep 0.5
done
echo "$out" | grep -q "III" || fail "unexpected classify output: $out"
kill -0 "$AGENT_PID" || fail "agent died"
stop_agent
exit 0
