#!/bin/sh
# The per-user file bucket ([limits] export-files-at-once, export-files-per-minute): an export
# with its file counts there, not against requests-per-minute (issue 18). With the shipped
# limits a folder of more files than requests-per-minute (120) goes at full speed; under the
# old rule it waited for the minute's window (a 400-file folder: 120 at once, then 120 a
# minute, at least two minutes and a half by that arithmetic; not run here).
# As a hostile user: exports sent without end to a stick that is not there (each refusal is
# a log record) are held to the bucket, so the log grows only by the bucket's size and rate;
# the flood leaves that user's other requests and another user's exports alone.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv timeout
PY=/usr/bin/python3
[ -x "$PY" ] || skip "needs /usr/bin/python3"
agent_setup
user_home
register_sticks alpha
make_stick alpha 64M
dev=$STICK
base_conf="$TEST_TMP/agent.conf.base"
cp "$ETC/agent.conf" "$base_conf"
start_agent
stick_view "$dev"
FLOOD="$top_srcdir/tests/integration/sockflood.py"

# 1. The shipped limits: a folder of 400 files in one go, no wait for a minute's window.
src="$HOME_U/notices"
mkdir -p "$src"
i=0
while [ $i -lt 400 ]; do
	printf 'public notice %s\n' $i >"$src/n$i.txt"
	i=$((i + 1))
done
chown -R 65534:65534 "$src"
as_user timeout 100 "$FUTARI" export -R "$src" --to alpha --reason "public event" \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	fail "the folder was not exported within 100 s: $(tail -n 3 "$TEST_TMP/out" "$TEST_TMP/err")"
grep -q "400 written" "$TEST_TMP/out" || fail "summary: $(cat "$TEST_TMP/out")"
[ "$(ls "$mnt/notices" | wc -l)" -eq 400 ] || fail "$(ls "$mnt/notices" | wc -l) files on the stick"
[ "$(cat "$mnt/notices/n399.txt")" = "public notice 399" ] || fail "n399.txt wrong"
# The folder did not use the user's budget of other requests.
as_user "$FUTARI" status >/dev/null 2>"$TEST_TMP/err" ||
	fail "status refused after the folder: $(cat "$TEST_TMP/err")"
stop_agent

# 2. A flood of exports to a stick that is not there, with a small bucket.
cp "$base_conf" "$ETC/agent.conf"
printf '\n[limits]\nexport-files-at-once = 30\nexport-files-per-minute = 60\n' >>"$ETC/agent.conf"
before=$(cat "$TEST_TMP"/log/egress-*.jsonl | grep -c '"event":"export.refused"')
start_agent
printf 'public\n' >"$HOME_U/one.txt"
chown 65534:65534 "$HOME_U/one.txt"
out=$(timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$PY" "$FLOOD" exports "$SOCK" CITY-USB-nosuch "$HOME_U/one.txt" 300) ||
	fail "flood failed: $out"
echo "$out"
ok=$(echo "$out" | sed -n 's/.*ok=\([0-9]*\).*/\1/p')
limited=$(echo "$out" | sed -n 's/.*limited=\([0-9]*\).*/\1/p')
refused=$(echo "$out" | sed -n 's/.*refused=\([0-9]*\).*/\1/p')
[ "$ok" -eq 0 ] || fail "$ok exports to a missing stick answered ok"
# 30 at once, then one a second for as long as the flood lasts (a few seconds)
[ "$refused" -ge 30 ] && [ "$refused" -le 60 ] || fail "$refused exports reached the broker"
[ "$limited" -eq $((300 - refused)) ] || fail "$limited held by the bucket of 300"
after=$(cat "$TEST_TMP"/log/egress-*.jsonl | grep -c '"event":"export.refused"')
[ $((after - before)) -eq "$refused" ] ||
	fail "$((after - before)) export.refused records for $refused refusals"
# The flooding user's other requests still go (their own budget)...
as_user "$FUTARI" status >/dev/null 2>"$TEST_TMP/err" ||
	fail "status refused after the flood: $(cat "$TEST_TMP/err")"
# ...and another user's export goes at once.
printf 'other user\n' >"$TEST_TMP/other.txt"
chown 65533:65533 "$TEST_TMP/other.txt"
timeout 30 setpriv --reuid=65533 --regid=65533 --clear-groups env FUTARI_SOCKET="$SOCK" \
	"$FUTARI" export "$TEST_TMP/other.txt" --to alpha --reason r >"$TEST_TMP/out2" 2>&1 ||
	fail "another user's export after the flood: $(cat "$TEST_TMP/out2")"
[ "$(cat "$mnt/other.txt")" = "other user" ] || fail "the other user's file is not on the stick"
# The flooding user waits the bucket out: one file a second comes back.
sleep 2
as_user timeout 30 "$FUTARI" export "$HOME_U/one.txt" --to alpha --reason r >"$TEST_TMP/out3" 2>&1 ||
	fail "the flooding user's export after the wait: $(cat "$TEST_TMP/out3")"
stop_agent
exit 0
