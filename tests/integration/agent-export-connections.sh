#!/bin/sh
# A user's connections to the agent are bounded (40), and a folder export keeps up to 32 files
# in flight, one connection each. Two folder exports at once beside the user's notifier (its
# event subscription holds a connection) need up to 65: a connection past the bound is
# answered "busy" (wait and ask again), not refused, and futari export waits it out (and
# keeps fewer files in flight from then on), so no file of either folder is refused for it.
# As a hostile user: 40 connections held open do not
# make another user's export wait, and the held user's own export waits the bound out and
# goes once they are closed.
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
start_agent
stick_view "$dev"

# The notifier's subscription, held for the whole test.
agent_subscribe 65534 "$TEST_TMP/events" 120
for d in one two; do
	mkdir -p "$HOME_U/$d"
	i=0
	while [ $i -lt 300 ]; do
		printf '%s notice %s\n' $d $i >"$HOME_U/$d/n$i.txt"
		i=$((i + 1))
	done
done
chown -R 65534:65534 "$HOME_U"
as_user timeout 120 "$FUTARI" export -R "$HOME_U/one" --to alpha --reason r \
	>"$TEST_TMP/out1" 2>"$TEST_TMP/err1" &
p1=$!
as_user timeout 120 "$FUTARI" export -R "$HOME_U/two" --to alpha --reason r \
	>"$TEST_TMP/out2" 2>"$TEST_TMP/err2" &
p2=$!
wait $p1 || fail "folder one: $(tail -n 3 "$TEST_TMP/out1" "$TEST_TMP/err1")"
wait $p2 || fail "folder two: $(tail -n 3 "$TEST_TMP/out2" "$TEST_TMP/err2")"
grep -q "300 written" "$TEST_TMP/out1" || fail "folder one: $(cat "$TEST_TMP/out1")"
grep -q "300 written" "$TEST_TMP/out2" || fail "folder two: $(cat "$TEST_TMP/out2")"
[ "$(ls "$mnt/one" | wc -l)" -eq 300 ] && [ "$(ls "$mnt/two" | wc -l)" -eq 300 ] ||
	fail "$(ls "$mnt/one" | wc -l) + $(ls "$mnt/two" | wc -l) files on the stick, 600 sent"

# 40 connections held open by user 65534: another user's export goes at once...
cat >"$TEST_TMP/hold.py" <<'PY'
import socket, sys, time
held = []
for _ in range(40):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    held.append(s)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
PY
chmod 0644 "$TEST_TMP/hold.py"
kill_ours "$(pgrep -f agent-sub.py | head -n 1)" 2>/dev/null
setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" "$TEST_TMP/hold.py" "$SOCK" 4 \
	>"$TEST_TMP/hold.out" &
hp=$!
defer "kill_ours $hp"
i=0
until grep -q held "$TEST_TMP/hold.out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "the holder did not connect"
	sleep 0.1
done
printf 'other user\n' >"$TEST_TMP/other.txt"
chown 65533:65533 "$TEST_TMP/other.txt"
timeout 30 setpriv --reuid=65533 --regid=65533 --clear-groups env FUTARI_SOCKET="$SOCK" \
	"$FUTARI" export "$TEST_TMP/other.txt" --to alpha --reason r >"$TEST_TMP/o" 2>&1 ||
	fail "another user's export while 40 connections are held: $(cat "$TEST_TMP/o")"
# ...and the holder's own export waits the bound out (about 4 s) and goes.
printf 'held user\n' >"$HOME_U/mine.txt"
chown 65534:65534 "$HOME_U/mine.txt"
as_user timeout 60 "$FUTARI" export "$HOME_U/mine.txt" --to alpha --reason r >"$TEST_TMP/m" 2>&1 ||
	fail "the holding user's export after the connections closed: $(cat "$TEST_TMP/m")"
[ "$(cat "$mnt/mine.txt")" = "held user" ] || fail "mine.txt is not on the stick"
wait $hp
stop_agent
exit 0
